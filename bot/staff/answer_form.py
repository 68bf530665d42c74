"""The content editor's answer form as a model: the fields its page posts (`text_nl`, one row of
`b{i}_title_nl`, `b{i}_target`, ... per button) stated once, and the answer they make. Never
decides whether an answer may be served: bot.content.schema does, and the editor words it.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter

from bot.content.schema import LANGUAGES

# Far more than any answer has; a form that claims more rows did not come from the editor's page.
MAX_BUTTON_ROWS = 50


def _typed(value: Any) -> str:
    """A field as the editor typed it: browsers send line breaks as CRLF; edges trimmed."""
    return str(value if value is not None else "").replace("\r\n", "\n").strip()


def _year(value: Any) -> int | None:
    typed = _typed(value)
    return int(typed) if typed.isdigit() else None


Typed = Annotated[str, BeforeValidator(_typed)]
# A checkbox is sent only when ticked.
Ticked = Annotated[bool, BeforeValidator(bool)]
ROW_COUNT: TypeAdapter[int] = TypeAdapter(
    Annotated[int, BeforeValidator(lambda value: _typed(value) or 0), Field(ge=0, le=MAX_BUTTON_ROWS)])


class ButtonRow(BaseModel):
    """One button across the languages: they share the target and the order."""

    model_config = ConfigDict(extra="ignore")

    title_nl: Typed = ""
    title_en: Typed = ""
    kind: Typed = ""  # "reply": the button sends its text as if typed (a form answer)
    reply_nl: Typed = ""
    reply_en: Typed = ""
    target: Typed = ""
    language: Typed = ""  # for target change_language
    check: Typed = ""  # a guided check the button starts
    always: Ticked = False
    remove: Ticked = False

    @property
    def kept(self) -> bool:
        """A row without a title in any language is an empty row: dropped, as one removed."""
        return not self.remove and bool(self.title_nl or self.title_en)

    def button(self, language: str) -> dict[str, Any]:
        button: dict[str, Any] = {"title": getattr(self, f"title_{language}")}
        if self.kind == "reply":
            button["reply"] = getattr(self, f"reply_{language}") or button["title"]
        else:
            button["target"] = self.target
            if self.target == "change_language":
                button["language"] = self.language
            if self.check:
                button["check"] = self.check
        if self.always:
            button["always"] = True
        return button


class AnswerForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    text_nl: Typed = ""
    text_en: Typed = ""
    source: Typed = ""
    valid_for: Annotated[int | None, BeforeValidator(_year)] = None
    verify: Ticked = False
    fallback: Typed = ""
    buttons: list[ButtonRow] = []

    @classmethod
    def read(cls, form: Mapping[str, Any]) -> AnswerForm:
        """The form as posted; `button_rows` says how many `b{i}_` rows it has. ValidationError for
        a form the editor's page does not make (a row count that is no number, or too many)."""
        rows = ROW_COUNT.validate_python(form.get("button_rows", 0))
        fields = {name: form[name] for name in cls.model_fields if name in form}
        fields["buttons"] = [{name: form[f"b{i}_{name}"] for name in ButtonRow.model_fields
                              if f"b{i}_{name}" in form} for i in range(rows)]
        return cls.model_validate(fields)

    def answer(self, current: dict[str, Any]) -> dict[str, Any]:
        """The answer as the editor left it, in the stored order of its fields. A language left
        empty is missing (publishing then needs a fallback); a button row without a title is
        dropped."""
        rows = [row for row in self.buttons if row.kept]
        languages: dict[str, dict[str, Any]] = {}
        for language in LANGUAGES:
            text = getattr(self, f"text_{language}")
            if not text:
                continue
            variant: dict[str, Any] = {"text": text}
            if rows:
                variant["buttons"] = [row.button(language) for row in rows]
            languages[language] = variant
        values: dict[str, Any] = {**languages, "source": self.source, "valid_for": self.valid_for,
                                  "verify": self.verify, "fallback": self.fallback or None}
        data: dict[str, Any] = {}
        for name in list(current) + [name for name in values if name not in current]:
            if name in values:
                if values[name] not in (None, False, "") or name == "source":
                    data[name] = values[name]
            elif name not in LANGUAGES:
                # Placeholders, and a subtopic's question: a button sends it and the classifier must
                # know it (a training example), so it changes with the training data, not here.
                data[name] = current[name]
        return data

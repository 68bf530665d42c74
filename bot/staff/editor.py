"""The content editor pages for the editor role (and admin): browse and search the answers (by the
question users ask, the text and the key), see which are stale or untranslated, edit with a live
preview, save drafts, publish, read the history as word-level before/after, roll back. Every rule
of the content lives in bot.content (schema and editing); this module only words it for editors
(Dutch error messages, readable changes).
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from bot.appkeys import APPROVALS
from bot.checks.keys import CHECK_RULES
from bot.content.keys import CONTENT_EDITING, CONTENT_STORE
from bot.staff.keys import ACCOUNTS, AUDIT
from bot.approvals import CONTENT
from bot.content.editing import diff
from bot.checks.rules import Rule
from bot.content.schema import (LANGUAGES, MAX_BUTTON_REPLY_CHARS, MAX_BUTTON_TITLE_CHARS, MAX_TEXT_CHARS,
                                PLAIN_TARGETS, RULE_PLACEHOLDER, Answer, ContentError)
from bot.staff.answer_form import AnswerForm
from bot.staff.auth import LOGIN, staff_only
from bot.staff.pages import render_page
from bot.staff.scope import EDITORS

routes = web.RouteTableDef()
# Rows offered for new buttons under the existing ones.
NEW_BUTTON_ROWS = 1
FILTERS = {"": "alle", "stale": "jaar of bedrag verlopen", "verify": "te controleren", "missing": "vertaling ontbreekt",
           "draft": "met concept"}
LANGUAGE_ADJECTIVES = {"nl": "Nederlandse", "en": "Engelse"}
# A post the editor's page does not make (its row count is no number, or far too many rows); the
# staff error page words it for the editor (bot.staff.error_pages).
FORM_NOT_OURS = "not the editor's answer form: reload the page"


def flags(answer: Answer, drafts: set[str], year: int, rules: dict[str, Rule]) -> dict[str, Any]:
    stale_figures = sorted({name for variant in answer.variants.values()
                            for name in RULE_PLACEHOLDER.findall(variant.text)
                            if name in rules and rules[name].stale(year)})
    return {"stale": (answer.valid_for is not None and int(answer.valid_for) < year) or bool(stale_figures),
            "stale_figures": stale_figures,
            "verify": answer.verify, "missing": bool(answer.missing), "draft": answer.key in drafts}


def folded(text: str) -> str:
    """Lower case, without accents, punctuation and underscores as spaces: what search compares,
    so "beeindigd" finds "beëindigd", "hoe lang?" finds "Hoe lang duurt…" and "exit program" a key."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return re.sub(r"[\W_]+", " ", "".join(c for c in decomposed if not unicodedata.combining(c)))


def searchable(answer: Answer, rules: dict[str, Rule]) -> str:
    """Everything an editor may remember of an answer: the key, the example question users ask and
    the text in both languages, with each yearly figure also as users read it ("… (2025)")."""
    parts = [answer.key, *answer.question.values()]
    for language, variant in answer.variants.items():
        parts.append(variant.text)
        parts += [rules[name].worded(language) for name in RULE_PLACEHOLDER.findall(variant.text) if name in rules]
    return folded(" ".join(parts))


def label(answer: Answer, limit: int = 90) -> str:
    """What an editor recognises an answer by: the question users ask, else its first line."""
    if answer.question.get("nl"):
        return answer.question["nl"]
    first = answer.variants["nl"].text.split("\n", 1)[0]
    return first if len(first) <= limit else first[:limit].rsplit(" ", 1)[0] + " …"


@routes.get("/staff/editor")
@staff_only(*EDITORS, page=True)
async def answer_list(request: web.Request) -> web.Response:
    store = request.app[CONTENT_STORE]
    rules = request.app[CHECK_RULES]
    drafts = await request.app[CONTENT_EDITING].keys_with_drafts()
    files = await request.app[CONTENT_EDITING].file_names()
    typed = request.query.get("q", "").strip()
    words = folded(typed).split()  # every word must occur, in any order
    wanted = request.query.get("filter", "")
    year = date.today().year
    groups: dict[str, list[tuple[Answer, dict[str, Any]]]] = {}
    for answer in store.answers():
        found = flags(answer, drafts, year, rules)
        if wanted in found and not found[wanted]:
            continue
        if words:
            haystack = searchable(answer, rules)
            if not all(word in haystack for word in words):
                continue
        groups.setdefault(files.get(answer.key, "?"), []).append((answer, found))
    return render_page("editor_list.html", request, groups=dict(sorted(groups.items())), query=typed,
                       wanted=wanted, filters=FILTERS, year=year, rules=rules.values(), label=label)


# bot.content.schema words its errors for developers and the import command ("exit_program.yml:
# utter_x (nl): unknown placeholder {telefoon}"); an editor reads them in Dutch, without file names.
# A message not listed here gets UNLISTED_ERROR: the staff pages speak Dutch only.
ERROR_WHERE = re.compile(r"^(?:[\w.-]+\.yml: )?utter_[\w/]+(?: \((?P<language>nl|en)\))?: (?P<problem>.*)$", re.S)
UNLISTED_ERROR = ("Dit antwoord kan zo niet opgeslagen worden. Kijk de teksten en knoppen na, of vraag de "
                  "beheerder wat er mis is.")
DUTCH_ERRORS: list[tuple[str, str]] = [
    (r"unknown placeholder \{(?P<name>\w+)\}", "Onbekende invulplek {{{name}}} in de {the} tekst: {allowed}"),
    (r"the (?P<missing>nl|en) text is missing.*", "De {missing} tekst ontbreekt. Vul hem in, of kies onder "
     "'Bron en jaar' bewust welke tekst gebruikers in de plaats krijgen."),
    (r"the text is empty", "De {the} tekst is leeg."),
    (r"the text has (?P<count>\d+) characters, at most \d+",
     f"De {{the}} tekst is te lang: {{count}} tekens, maximaal {MAX_TEXT_CHARS}. Maak hem korter."),
    (r"no HTML in answers", "Gebruik geen HTML-opmaak (zoals <b>) in de {the} tekst: de chat toont alleen "
     "gewone tekst."),
    (r"every button needs a title and a target or a reply", "Elke knop heeft een titel nodig, in het Nederlands "
     "én in het Engels. Of vink 'Weg' aan om de knop weg te halen."),
    (r"button title '(?P<title>.*)' is too long",
     f"De knoptitel '{{title}}' is te lang: maximaal {MAX_BUTTON_TITLE_CHARS} tekens."),
    (r"button '(?P<title>.*)' reply is too long",
     f"Wat knop '{{title}}' stuurt is te lang: maximaal {MAX_BUTTON_REPLY_CHARS} tekens."),
    (r"button '(?P<title>.*)' reply must not start with /", "Wat knop '{title}' stuurt mag niet met / beginnen."),
    (r"button target '(?P<target>.*)' is not a topic", "Een knop wijst naar '{target}', en dat onderwerp bestaat "
     "niet. Kies een doel uit de lijst."),
    (r"nl and en must have the same buttons in the same order", "De Nederlandse en de Engelse tekst moeten "
     "dezelfde knoppen hebben, in dezelfde volgorde."),
    (r"fallback must name a language that has a text.*", "Als terugvaltaal kun je alleen een taal kiezen die "
     "een tekst heeft."),
    (r"no yearly figure named (?P<names>.+)", "Onbekend bedrag {{rule:{names}}}: gebruik de naam van een "
     "regel uit 'Bedragen en regels per jaar' op de pagina Antwoorden."),
    (r"question '(?P<question>.*)' is also used by utter_(?P<other>\S+)", "De vraag '{question}' hoort al bij "
     "een ander antwoord ({other})."),
    (r"phone number (?P<number>.+) is not on the list of safety numbers.*", "Het telefoonnummer {number} staat "
     "niet op de lijst van veiligheidsnummers. Een veiligheidsantwoord noemt alleen nummers die de beheerder "
     "heeft gecontroleerd; vraag de beheerder om een nieuw nummer op de lijst te zetten."),
    (r"website (?P<site>.+) is not on the list of safety websites.*", "De website {site} staat niet op de lijst "
     "van veiligheidswebsites. Vraag de beheerder om een nieuwe website op de lijst te zetten."),
    (r"button '(?P<title>.*)' has both a target and a reply; give one", "Knop '{title}' heeft een doel én een "
     "antwoord: kies er één."),
    (r"button '(?P<title>.*)' check must be one of .*", "Knop '{title}' start een check die niet bestaat, of wijst "
     "naast de check ook ergens anders heen. Kies een check uit de lijst."),
    (r"a check button sends .*", "Een checkknop start de check: kies als doel de check zelf."),
    (r"a language button needs language nl or en", "Een taalknop kiest Nederlands (nl) of Engels (en)."),
    (r"a subtopic needs question\.nl and question\.en for its buttons", "Een subonderwerp heeft een vraag nodig, "
     "in het Nederlands én in het Engels: die staat op de knop die ernaartoe leidt."),
    (r"no version (?P<version>\d+)", "Versie {version} van dit antwoord bestaat niet."),
    (r"there is no such answer", "Dit antwoord bestaat niet (meer)."),
    (r"a safety answer cannot use a yearly figure.*", "Een veiligheidsantwoord kan geen bedrag {{rule:…}} "
     "gebruiken: schrijf het uit."),
]


def dutch_error(error: ContentError, data: dict[str, Any]) -> str:
    """The refusal as an editor reads it, naming what to do; `data` is the answer as submitted."""
    message = str(error)
    where = ERROR_WHERE.match(message)
    if where is None:
        return UNLISTED_ERROR
    allowed = [f"{{{name}}}" for name in data.get("placeholders") or ()]
    words = {"the": LANGUAGE_ADJECTIVES.get(where["language"] or "", ""),
             "allowed": f"gebruik alleen {', '.join(allowed)}." if allowed else
             "deze tekst heeft geen invulplekken. Haal de accolades { } weg of schrijf het woord uit."}
    for pattern, dutch in DUTCH_ERRORS:
        found = re.fullmatch(pattern, where["problem"], re.S)
        if found:
            found_words = {name: LANGUAGE_ADJECTIVES.get(value, value) if name == "missing" else value
                           for name, value in found.groupdict().items()}
            return re.sub(r" {2,}", " ", dutch.format(**{**words, **found_words}))  # no language: "de tekst"
    return UNLISTED_ERROR


def _key(request: web.Request) -> str:
    return request.match_info["key"]


async def _published(request: web.Request) -> dict[str, Any]:
    entry = await request.app[CONTENT_EDITING].entry(_key(request))
    if entry is None:
        raise web.HTTPNotFound(text="no such answer")
    return entry[1]


async def _answer_page(request: web.Request, data: dict[str, Any], error: str = "",
                       status: int = 200, notice: str = "") -> web.Response:
    key = _key(request)
    store = request.app[CONTENT_STORE]
    buttons = _button_rows(data)
    # Its own targets too: a target missing from the list would be replaced by the first one on save.
    targets = sorted(PLAIN_TARGETS | {a.topic for a in store.answers()} | {b["target"] for b in buttons if b["target"]})
    draft = await request.app[CONTENT_EDITING].draft(key)
    safety = await request.app[CONTENT_EDITING].is_safety(key)
    proposals = await request.app[APPROVALS].pending(CONTENT, key)
    published = await request.app[CONTENT_EDITING].entry(key)
    emails = {u.id: u.email for u in await request.app[ACCOUNTS].all()} if proposals else {}
    pending = [(p, diff(published[1] if published else {}, p.data)) for p in proposals]
    return render_page("editor_answer.html", request, status=status, key=key, data=data,
                       buttons=buttons, targets=targets, error=error, notice=notice,
                       has_draft=draft is not None, languages=LANGUAGES, year=date.today().year,
                       safety=safety, pending=pending, emails=emails)


# One line of a changed text: (kind, text) pieces, kind "same", "del" (only before) or "ins" (only after).
Line = list[tuple[str, str]]


@dataclass(frozen=True)
class Change:
    """One part of an answer that differs between two versions, word by word."""

    label: str
    before: list[Line]
    after: list[Line]


def _runs(words: list[tuple[str, str]], kind: str) -> list[tuple[str, str]]:
    """Words (each with the whitespace after it) as pieces: the run marked, its last space not."""
    if not words:
        return []
    if kind == "same":
        return [("same", "".join(w + space for w, space in words))]
    return [(kind, "".join(w + space for w, space in words[:-1]) + words[-1][0]), ("same", words[-1][1])]


def _lines(pieces: list[tuple[str, str]]) -> list[Line]:
    """Splits pieces at line breaks (a run may span lines); joins neighbours of one kind."""
    lines: list[Line] = [[]]
    for kind, text in pieces:
        for i, part in enumerate(text.split("\n")):
            if i:
                lines.append([])
            if not part:
                continue
            line = lines[-1]
            if line and line[-1][0] == kind:
                line[-1] = (kind, line[-1][1] + part)
            else:
                line.append((kind, part))
    return [line for line in lines if line]


def word_diff(before: str, after: str) -> tuple[list[Line], list[Line]]:
    """Before and after, each split in lines, with the words only one of them has marked."""
    old = re.findall(r"(\S+)(\s*)", before)
    new = re.findall(r"(\S+)(\s*)", after)
    matcher = difflib.SequenceMatcher(None, [w for w, _ in old], [w for w, _ in new], autojunk=False)
    left: list[tuple[str, str]] = []
    right: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        left += _runs(old[i1:i2], "same" if op == "equal" else "del")
        right += _runs(new[j1:j2], "same" if op == "equal" else "ins")
    return _lines(left), _lines(right)


def _button_lines(variant: Any) -> str:
    lines = []
    for button in (variant or {}).get("buttons") or []:
        where = f"stuurt „{button['reply']}”" if "reply" in button else f"naar {button.get('target', '')}"
        lines.append(f"{button.get('title', '')} ({where})")
    return "\n".join(lines)


def _yes_no(value: Any) -> str:
    return "ja" if value else "nee"


# The other fields an editor sets, as they would say them.
OTHER_FIELDS = {
    "source": ("Bron", lambda v: str(v or "")),
    "valid_for": ("Geldig voor jaar", lambda v: str(v or "")),
    "verify": ("Te controleren", _yes_no),
    "fallback": ("Terugvaltaal bij een ontbrekende vertaling",
                 lambda v: {"nl": "Nederlands", "en": "Engels"}.get(v, "geen")),
}


def changes(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """What differs between two versions of an answer, per language and per field, in the words
    an editor uses (not the stored YAML)."""
    pairs: list[tuple[str, str, str]] = []
    for language in LANGUAGES:
        adjective = LANGUAGE_ADJECTIVES[language]
        before, after = old.get(language) or {}, new.get(language) or {}
        pairs.append((f"{adjective} vraag", (old.get("question") or {}).get(language, ""),
                      (new.get("question") or {}).get(language, "")))
        pairs.append((f"{adjective} tekst", before.get("text", ""), after.get("text", "")))
        pairs.append((f"{adjective} knoppen", _button_lines(before), _button_lines(after)))
    for name, (title, said) in OTHER_FIELDS.items():
        pairs.append((title, said(old.get(name)), said(new.get(name))))
    return [Change(title, *word_diff(before, after)) for title, before, after in pairs if before != after]


# Before the answer's own route: its key pattern would also take "…/history".
@routes.get("/staff/editor/answers/{key:utter_[a-z0-9_/]+}/history")
@staff_only(*EDITORS, page=True)
async def history_page(request: web.Request) -> web.Response:
    versions = await request.app[CONTENT_EDITING].history(_key(request))
    emails = {u.id: u.email for u in await request.app[ACCOUNTS].all()}
    approvers = await request.app[APPROVALS].approvers_of([v.id for v in versions])
    # Each version against what users were served before it: the next older publication (None
    # for the first one, the text as it came from data/content/).
    rows = [(v, next((changes(older.data, v.data) for older in versions[i + 1:] if older.state == "published"),
                     None))
            for i, v in enumerate(versions)]
    return render_page("editor_history.html", request, key=_key(request), rows=rows, emails=emails,
                       approvers=approvers)


@routes.post("/staff/editor/answers/{key:utter_[a-z0-9_/]+}/rollback")
@staff_only(*EDITORS, page=True)
async def rollback(request: web.Request) -> web.Response:
    form = await request.post()
    user = request[LOGIN].user
    editing = request.app[CONTENT_EDITING]
    try:
        version = int(str(form.get("version", "")))
        if await editing.is_safety(_key(request)):
            # A safety answer's older text goes to a second person like any change to it.
            old = await editing.version(_key(request), version)
            await editing.check(_key(request), old.data)
            await request.app[APPROVALS].propose(CONTENT, _key(request), old.data, user.id)
            await request.app[AUDIT].record(user.id, "content_proposed", detail=f"{_key(request)} back to {version}")
            raise web.HTTPSeeOther(f"/staff/editor/answers/{_key(request)}")
        await editing.rollback(_key(request), version, user.id)
    except (ValueError, ContentError):
        raise web.HTTPBadRequest(text="Deze versie kan niet opnieuw gepubliceerd worden.") from None
    await request.app[AUDIT].record(user.id, "content_rolled_back", detail=f"{_key(request)} to {version}")
    raise web.HTTPSeeOther(f"/staff/editor/answers/{_key(request)}/history")


@routes.get("/staff/editor/answers/{key:utter_[a-z0-9_/]+}")
@staff_only(*EDITORS, page=True)
async def answer_page(request: web.Request) -> web.Response:
    published = await _published(request)
    draft = await request.app[CONTENT_EDITING].draft(_key(request))
    return await _answer_page(request, draft.data if draft else published,
                              notice="Je ziet het concept; de gebruikers zien nog de gepubliceerde tekst."
                              if draft else "")


@routes.post("/staff/editor/answers/{key:utter_[a-z0-9_/]+}")
@staff_only(*EDITORS, page=True)
async def answer_save(request: web.Request) -> web.Response:
    editing = request.app[CONTENT_EDITING]
    form = await request.post()
    published = await _published(request)
    try:
        data = AnswerForm.read(form).answer(published)
    except ValidationError:
        raise web.HTTPBadRequest(text=FORM_NOT_OURS) from None
    user = request[LOGIN].user
    publish = form.get("action") == "publish"
    try:
        if publish and await editing.is_safety(_key(request)):
            await editing.check(_key(request), data)
            await request.app[APPROVALS].propose(CONTENT, _key(request), data, user.id)
            await request.app[AUDIT].record(user.id, "content_proposed", detail=_key(request))
            return await _answer_page(request, data, notice="Klaar voor een tweede redacteur: dit is een "
                                      "veiligheidsantwoord. Gebruikers zien de nieuwe tekst pas als iemand "
                                      "anders hem goedkeurt.")
        if publish:
            await editing.publish(_key(request), data, user.id)
        else:
            await editing.save_draft(_key(request), data, user.id)
    except ContentError as error:
        return await _answer_page(request, data, error=dutch_error(error, data), status=400)
    await request.app[AUDIT].record(user.id, "content_published" if publish else "content_draft_saved",
                                    detail=_key(request))
    return await _answer_page(request, data, notice="Gepubliceerd: gebruikers krijgen nu deze tekst."
                              if publish else "Concept bewaard. Gebruikers zien het nog niet.")


def _button_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per button across the languages (they share targets and order)."""
    first: dict[str, Any] = next((data[language] for language in LANGUAGES if language in data), {})
    rows = []
    for i, button in enumerate(first.get("buttons") or []):
        row = {"target": button.get("target", ""), "reply": "reply" in button,
               "language": button.get("language", ""), "always": bool(button.get("always")),
               "check": button.get("check", "")}
        for language in LANGUAGES:
            other = ((data.get(language) or {}).get("buttons") or [])
            theirs = other[i] if i < len(other) else {}
            row[f"title_{language}"] = theirs.get("title", "")
            row[f"reply_{language}"] = theirs.get("reply", "")
        rows.append(row)
    return rows + [{"target": "", "reply": False, "new": True, "language": "", "always": False, "check": "",
                    **{f"{f}_{language}": "" for f in ("title", "reply") for language in LANGUAGES}}
                   for _ in range(NEW_BUTTON_ROWS)]

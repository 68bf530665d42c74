"""The content editor pages for the editor role (and admin): browse and search the answers, see
which are stale or untranslated, edit with a live preview, save drafts, publish, read the history
with diffs, roll back. Every rule of the content lives in bot.content (schema and editing).
"""
from __future__ import annotations

from datetime import date
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from bot.appkeys import ACCOUNTS, APPROVALS, AUDIT, CHECK_RULES, CONTENT_EDITING, CONTENT_STORE
from bot.approvals import CONTENT
from bot.content.editing import diff
from bot.checks.rules import Rule
from bot.content.schema import LANGUAGES, PLAIN_TARGETS, RULE_PLACEHOLDER, Answer, ContentError
from bot.staff.auth import LOGIN, staff_only
from bot.staff.pages import render_page

routes = web.RouteTableDef()
EDITORS = ("editor", "admin")
# Rows offered for new buttons under the existing ones.
NEW_BUTTON_ROWS = 1
FILTERS = {"": "alle", "stale": "jaar of bedrag verlopen", "verify": "te controleren", "missing": "vertaling ontbreekt",
           "draft": "met concept"}


def flags(answer: Answer, drafts: set[str], year: int, rules: dict[str, Rule]) -> dict[str, Any]:
    stale_figures = sorted({name for variant in answer.variants.values()
                            for name in RULE_PLACEHOLDER.findall(variant.text)
                            if name in rules and rules[name].stale(year)})
    return {"stale": (answer.valid_for is not None and int(answer.valid_for) < year) or bool(stale_figures),
            "stale_figures": stale_figures,
            "verify": answer.verify, "missing": bool(answer.missing), "draft": answer.key in drafts}


@routes.get("/staff/editor")
@staff_only(*EDITORS, page=True)
async def answer_list(request: web.Request) -> web.Response:
    store = request.app[CONTENT_STORE]
    drafts = await request.app[CONTENT_EDITING].keys_with_drafts()
    files = await request.app[CONTENT_EDITING].file_names()
    typed = request.query.get("q", "").strip()
    query = typed.lower()
    wanted = request.query.get("filter", "")
    year = date.today().year
    groups: dict[str, list[tuple[Answer, dict[str, Any]]]] = {}
    for answer in store.answers():
        found = flags(answer, drafts, year, request.app[CHECK_RULES])
        if wanted in found and not found[wanted]:
            continue
        texts = [answer.key] + [v.text for v in answer.variants.values()]
        if query and not any(query in text.lower() for text in texts):
            continue
        groups.setdefault(files.get(answer.key, "?"), []).append((answer, found))
    return render_page("editor_list.html", request, groups=dict(sorted(groups.items())), query=typed,
                       wanted=wanted, filters=FILTERS, year=year, rules=request.app[CHECK_RULES].values())


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
    targets = sorted(PLAIN_TARGETS | {a.topic for a in store.answers()})
    draft = await request.app[CONTENT_EDITING].draft(key)
    safety = await request.app[CONTENT_EDITING].is_safety(key)
    proposals = await request.app[APPROVALS].pending(CONTENT, key)
    published = await request.app[CONTENT_EDITING].entry(key)
    emails = {u.id: u.email for u in await request.app[ACCOUNTS].all()} if proposals else {}
    pending = [(p, diff(published[1] if published else {}, p.data)) for p in proposals]
    return render_page("editor_answer.html", request, status=status, key=key, data=data,
                       buttons=_button_rows(data), targets=targets, error=error, notice=notice,
                       has_draft=draft is not None, languages=LANGUAGES, year=date.today().year,
                       safety=safety, pending=pending, emails=emails)


# Before the answer's own route: its key pattern would also take "…/history".
@routes.get("/staff/editor/answers/{key:utter_[a-z0-9_/]+}/history")
@staff_only(*EDITORS, page=True)
async def history_page(request: web.Request) -> web.Response:
    versions = await request.app[CONTENT_EDITING].history(_key(request))
    emails = {u.id: u.email for u in await request.app[ACCOUNTS].all()}
    approvers = await request.app[APPROVALS].approvers_of([v.id for v in versions])
    # Each version against what users were served before it: the next older publication.
    rows = [(v, next((diff(older.data, v.data) for older in versions[i + 1:] if older.state == "published"), []))
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
        raise web.HTTPBadRequest(text="this version cannot be published again") from None
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
    data = answer_from_form(await _published(request), form)
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
        return await _answer_page(request, data, error=str(error), status=400)
    await request.app[AUDIT].record(user.id, "content_published" if publish else "content_draft_saved",
                                    detail=_key(request))
    return await _answer_page(request, data, notice="Gepubliceerd: gebruikers krijgen nu deze tekst."
                              if publish else "Concept bewaard. Gebruikers zien het nog niet.")


def _button_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per button across the languages (they share targets and order)."""
    first = next((data[language] for language in LANGUAGES if language in data), {})
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


def answer_from_form(current: dict[str, Any], form: MultiDictProxy) -> dict[str, Any]:
    """The answer as the editor left it, in the stored order of its fields. A language left empty
    is missing (publishing then needs a fallback); a button row without a title is dropped."""
    def field(name: str) -> str:
        return str(form.get(name, "")).replace("\r\n", "\n").strip()

    rows = []
    for i in range(int(str(form.get("button_rows", "0")) or 0)):
        if form.get(f"b{i}_remove") or not (field(f"b{i}_title_nl") or field(f"b{i}_title_en")):
            continue
        rows.append(i)
    languages: dict[str, dict[str, Any]] = {}
    for language in LANGUAGES:
        text = field(f"text_{language}")
        if not text:
            continue
        variant: dict[str, Any] = {"text": text}
        buttons = []
        for i in rows:
            button: dict[str, Any] = {"title": field(f"b{i}_title_{language}")}
            if field(f"b{i}_kind") == "reply":
                button["reply"] = field(f"b{i}_reply_{language}") or button["title"]
            else:
                button["target"] = field(f"b{i}_target")
                if button["target"] == "change_language":
                    button["language"] = field(f"b{i}_language")
                if field(f"b{i}_check"):
                    button["check"] = field(f"b{i}_check")
            if form.get(f"b{i}_always"):
                button["always"] = True
            buttons.append(button)
        if buttons:
            variant["buttons"] = buttons
        languages[language] = variant
    values: dict[str, Any] = {
        **languages,
        "source": field("source"),
        "valid_for": int(field("valid_for")) if field("valid_for").isdigit() else None,
        "verify": bool(form.get("verify")),
        "fallback": field("fallback") or None,
    }
    data: dict[str, Any] = {}
    for name in list(current) + [name for name in values if name not in current]:
        if name in values:
            if values[name] not in (None, False, "") or name in ("source",):
                data[name] = values[name]
        elif name not in LANGUAGES:
            # Placeholders, and a subtopic's question: a button sends it and the classifier must
            # know it (a training example), so it changes with the training data, not here.
            data[name] = current[name]
    return data

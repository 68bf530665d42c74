"""The NLG endpoint Rasa calls for every response (Rasa's NLG server protocol), from memory.

Answers in the conversation's language as the gateway keeps it (`answer_language`), else Dutch.
Every answer carries what was decided about it as data in its `answer` field (key, language, a
possible crisis): Rasa hands it to the gateway with the text (rasa_ext/gateway_channel.py), which
reads it and never shows it. Never logs the tracker: it carries the user's words.
"""
from __future__ import annotations

import hmac
import logging
from datetime import date

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot.appkeys import SETTINGS
from bot.checks.keys import CHECK_RULES
from bot.content.check_lists import CHECK_LIST_ARGUMENT, NotACheckList, render_part
from bot.content.keys import CONTENT_STORE
from bot.gateway.keys import CONVERSATIONS
from bot.content.render import pick_language, render
from bot.content.schema import LANGUAGES
from bot.gateway.conversations import Conversations
from bot.internal_contract import LANGUAGE_SLOT
from bot.json_body import parse_json

routes = web.RouteTableDef()
log = logging.getLogger(__name__)
# Rasa sends the whole tracker with every request; it grows with the conversation and passes the
# service's 64 KB limit for public requests after some dozens of turns. Only Rasa (with
# NLG_TOKEN) gets this far.
MAX_TRACKER_BYTES = 16 * 1024 * 1024
# Rasa's answer to a switch the user asked for (the language button, "English please"); the
# `language` slot then holds the language just chosen.
LANGUAGE_CHANGED = "utter_language_changed"


# The field of the response that carries the answer's metadata to the gateway.
ANSWER_FIELD = "answer"
POSSIBLE = "possible"


def possible_crisis(tracker: dict) -> bool:
    """The NLU called the message being answered a possible crisis (rasa_ext/crisis_decision.py):
    the answer then carries a mark, and the gateway adds one calm line with 112 and 113. Not
    while a form asks its questions: "zeg ik liever niet" is an answer there, not a mood (a clear
    crisis still interrupts every form)."""
    if ((tracker.get("active_loop") or {}).get("name")):
        return False
    decision = (tracker.get("latest_message") or {}).get("crisis")
    return isinstance(decision, dict) and decision.get("level") == POSSIBLE


def answer_metadata(key: str, language: str, tracker: dict) -> dict[str, str]:
    """What the gateway needs to know about this answer without reading its text: which answer,
    in which language, and `crisis`: "possible" when the gateway must add the calm line, or the
    kind of a safety answer (utter_crisis/<kind>)."""
    metadata = {"key": key, "language": language}
    if key.startswith("utter_crisis/"):
        metadata["crisis"] = key.removeprefix("utter_crisis/")
    elif possible_crisis(tracker):
        metadata["crisis"] = POSSIBLE
    return metadata


async def answer_language(conversations: Conversations, key: str, tracker: dict) -> str:
    """The conversation's language as the gateway keeps it from every message and choice
    (bot/gateway/conversations.py, recorded before Rasa is asked); Rasa's `language` slot only
    when the gateway does not know the conversation.

    The slot is not read otherwise: it keeps the last choice for ever, and someone who pressed
    "Nederlands" and later writes English sentences must be answered in English (and the other
    way round). When Rasa confirms a switch, the slot is the choice just made: it is recorded as
    a choice, so a switch only Rasa understood ("kan het in het Engels") holds like the button.
    """
    slot = (tracker.get("slots") or {}).get(LANGUAGE_SLOT)
    sender = tracker.get("sender_id")
    if not isinstance(sender, str):
        return pick_language(slot)
    try:
        if key == LANGUAGE_CHANGED and slot in LANGUAGES:
            await conversations.choose(sender, slot)
            return slot
        return pick_language(await conversations.language_of(sender) or slot)
    except SQLAlchemyError:
        log.warning("nlg_language_lookup_failed")  # answer rather than not at all
        return pick_language(slot)


async def _read_body(request: web.Request) -> bytes:
    body = bytearray()
    async for chunk in request.content.iter_chunked(64 * 1024):
        body += chunk
        if len(body) > MAX_TRACKER_BYTES:
            raise web.HTTPRequestEntityTooLarge(max_size=MAX_TRACKER_BYTES, actual_size=len(body))
    return bytes(body)


@routes.post("/nlg")
async def nlg(request: web.Request) -> web.Response:
    # NLG_TOKEN in the header (endpoints.yml): never in the query string, which access logs keep.
    token = request.app[SETTINGS].nlg_token.get_secret_value()
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), token.encode()):
        raise web.HTTPUnauthorized(text="a valid token is required")
    try:
        body = parse_json(await _read_body(request))
        key = str(body["response"])
    except (ValueError, KeyError, TypeError):
        raise web.HTTPBadRequest(text="expected Rasa's NLG request: {response, arguments, tracker}") from None
    store = request.app[CONTENT_STORE]
    answer = store.get(key)
    if answer is None:
        log.error("nlg_unknown_response key=%s", key)
        raise web.HTTPNotFound(text=f"no content for response {key!r}; add it to data/content/")
    tracker = body.get("tracker") or {}
    arguments = body.get("arguments") or {}
    language = await answer_language(request.app[CONVERSATIONS], key, tracker)
    if CHECK_LIST_ARGUMENT in arguments:
        # A part of a check's result list, sent as codes by the actions.
        try:
            rules = request.app[CHECK_RULES]
            rendered = render_part(key, arguments, language, store, rules, date.today().year)
        except NotACheckList:
            raise web.HTTPBadRequest(text="expected a check's list (bot/content/check_lists.py)") from None
        if not rendered:
            return web.json_response({})  # a part the list does not fill: Rasa says nothing
    else:
        suggestions = arguments.get("suggestions")
        # Facts about this service itself, so answers about privacy stay true to the configuration.
        values = {**arguments, "retention_days": request.app[SETTINGS].retention_days}
        figures = {name: rule.worded(language) for name, rule in request.app[CHECK_RULES].items()}
        rendered = render(answer, language, store, values=values, figures=figures,
                          suggestions=list(suggestions) if isinstance(suggestions, list) else None)
    return web.json_response({**rendered, ANSWER_FIELD: answer_metadata(key, language, tracker)})

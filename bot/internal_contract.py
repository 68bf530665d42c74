"""The contract between the bot service and the action server, written once: the internal API's
request and response bodies, and the names both sides must spell alike (scan domains and ratings,
the checks, the phone placeholder, the slots). Never imports the rest of `bot`; never does I/O
except printing the JSON Schema when run as `python -m bot.internal_contract`.

The exported JSON Schema (docs/contract/internal-api.schema.json) is what the action server is
checked against from its own environment (tests/actions/test_contract.py). It states what a caller
must send, allow-lists as enums; the service reads leniently where dropping a value is safe (a code
outside a list is left out, a long text is cut), so a user's handover is never lost to a new code.
"""
from __future__ import annotations

import json
import sys
from typing import Annotated, Any, Literal, Union, get_args

from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, RootModel,
                      StrictBool, TypeAdapter)

SCHEMA_PATH = "docs/contract/internal-api.schema.json"
REGENERATE = f".venv/bin/python -m bot.internal_contract > {SCHEMA_PATH}"

# --- the names both sides spell alike -------------------------------------------------------

ScanDomain = Literal["money", "safety", "housing", "health", "people", "work"]
ScanRating = Literal["fine", "better", "worried"]
# The guided checks a content button can start (`/ask_benefits{"check": "income"}`).
Check = Literal["debt", "housing", "income", "scan", "stopping"]
SCAN_DOMAINS: tuple[str, ...] = get_args(ScanDomain)
SCAN_RATINGS: tuple[str, ...] = get_args(ScanRating)
CHECKS: tuple[str, ...] = get_args(Check)
# What the gateway puts in place of a phone number; the handover form reads it as "a number was
# given", while the number itself stays with the gateway, encrypted.
PHONE_PLACEHOLDER = "[telefoonnummer]"

# Slots both sides rely on: the NLG reads `language`; content buttons fill `language` and `check`
# through entities of the same name; the action server asks for `PHONE_SLOT` after telling the
# gateway (POST /internal/v1/intake/expect-phone); a handover's scan comes from `scan_<domain>`.
LANGUAGE_SLOT = "language"
CHECK_SLOT = "check"
PHONE_SLOT = "handover_phone"
SCAN_SLOTS: tuple[str, ...] = tuple(f"scan_{domain}" for domain in SCAN_DOMAINS)
SLOTS: tuple[str, ...] = (LANGUAGE_SLOT, CHECK_SLOT, PHONE_SLOT, *SCAN_SLOTS)

# Allow-lists of a handover's codes (bot.handover.handovers keeps only these).
Contact = Literal["chat", "phone", "meeting"]
Availability = Literal["morning", "afternoon", "evening", "anytime", "-"]
# For a call: may the worker leave a voicemail or a text ("-": not said; leave no trace).
CallSafety = Literal["voicemail_ok", "no_voicemail", "text_only", "-"]
# Why a handover is urgent, in the order the worker reads them: codes only, never free text.
# "crisis_phrase" is the gateway's own; the rest come from the action server: a crisis it
# answered, an urgent question, or what a check found ("<check>_<reason>"); without the user's
# consent only "<check>_check" / "urgent_question".
UrgentReason = Literal["crisis_phrase", "crisis", "no_place_to_sleep", "urgent_question",
                       "housing_unsafe", "housing_no_fixed_address", "housing_leave_within_days",
                       "housing_lives_at_workplace", "housing_not_registered", "housing_check",
                       "debt_eviction", "debt_cutoff", "debt_eviction_or_cutoff", "debt_attachment",
                       "debt_bailiff", "debt_check", "income_under_18", "income_check", "check"]
CONTACTS: tuple[str, ...] = get_args(Contact)
AVAILABILITY: tuple[str, ...] = get_args(Availability)
CALL_SAFETY: tuple[str, ...] = get_args(CallSafety)
URGENT_REASONS: tuple[str, ...] = get_args(UrgentReason)
WITHHELD = "-"  # a question skipped or not asked

MAX_CONVERSATION_CHARS = 64
MAX_MUNICIPALITY_CHARS = 200
MAX_TOPIC_CHARS = 80
MAX_REASONS, MAX_REASON_CHARS = 20, 40


def _enum(values: tuple[str, ...]) -> dict[str, Any]:
    return {"enum": list(values)}


def _cut(limit: int) -> AfterValidator:
    """Trimmed and cut to `limit` characters; "-" when nothing is left."""
    return AfterValidator(lambda value: value.strip()[:limit] or WITHHELD)


def _first(count: int) -> BeforeValidator:
    return BeforeValidator(lambda value: value[:count] if isinstance(value, list) else value)


# A short answer of the form: null is "-" like a missing one.
_NULL_IS_WITHHELD = BeforeValidator(lambda value: WITHHELD if value is None else value)

# Refused when longer, never cut: a shortened id would name another conversation.
Conversation = Annotated[str, Field(min_length=1, max_length=MAX_CONVERSATION_CHARS,
                                    description="The pseudonymous conversation id Rasa knows (its "
                                    "sender id); never a native address.")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Answer(BaseModel):
    # What the service answers carries exactly these fields, so a test's fake cannot drift.
    model_config = ConfigDict(extra="forbid")


# --- POST /internal/v1/handovers ------------------------------------------------------------

class HandoverRequest(_Body):
    """The handover the user asked for: the form's answers and what they agreed to share (never
    message text; the phone number comes from the gateway's intake notes, never through Rasa)."""

    conversation: Conversation
    # As typed or named; "-" when skipped.
    municipality: Annotated[str, _NULL_IS_WITHHELD, _cut(MAX_MUNICIPALITY_CHARS)] = WITHHELD
    contact: Annotated[str, _NULL_IS_WITHHELD, _cut(80), Field(json_schema_extra=_enum(CONTACTS))] = "chat"
    call_safety: Annotated[str, _NULL_IS_WITHHELD, _cut(16),
                           Field(json_schema_extra=_enum(CALL_SAFETY))] = WITHHELD
    availability: Annotated[str, _NULL_IS_WITHHELD, _cut(80),
                            Field(json_schema_extra=_enum(AVAILABILITY))] = WITHHELD
    # ISO 639-1, or "-" when the user did not say.
    language: Annotated[str, _NULL_IS_WITHHELD, _cut(8),
                        Field(json_schema_extra={"pattern": "^(-|[a-z]{2})$"})] = WITHHELD
    consent: StrictBool = False
    # The questions the user asked ("ask_benefits/bbz"), only with consent.
    topics: list[Annotated[str, AfterValidator(lambda topic: topic[:MAX_TOPIC_CHARS])]] = []
    urgent: StrictBool = False
    urgent_reasons: Annotated[list[Annotated[str, AfterValidator(lambda c: c[:MAX_REASON_CHARS]),
                                             Field(json_schema_extra=_enum(URGENT_REASONS))]],
                              _first(MAX_REASONS)] = []
    # Only with consent: the life-domain scan's ratings.
    scan: dict[Annotated[str, Field(json_schema_extra=_enum(SCAN_DOMAINS))],
               Annotated[str, Field(json_schema_extra=_enum(SCAN_RATINGS))]] | None = None


class PublicRegion(_Answer):
    id: str
    name: str
    organisation: str
    # The organisation's public contact details ("" when the region has none), for users who
    # call themselves; never a worker's own.
    contact: str


class NextOpen(_Answer):
    """When the region next opens, worded per language ("-": never, or not known)."""

    nl: str
    en: str


class HandoverCreated(_Answer):
    reference: str
    region: PublicRegion
    office_open: bool
    response_minutes: int
    next_open: NextOpen
    urgent: bool


class HandoverRefused(_Answer):
    """429: this conversation or client asked too often lately; whom to call instead."""

    refused: Literal["too_many_handovers"]
    region: PublicRegion


# --- POST /internal/v1/regions/resolve ------------------------------------------------------

class RegionByMunicipality(_Body):
    """The answer to "which gemeente?" (typos allowed)."""

    municipality: Annotated[str, AfterValidator(lambda text: text[:MAX_MUNICIPALITY_CHARS])]


class RegionInSentence(_Body):
    """A sentence that may name a gemeente ("is er hulp in Rotterdam")."""

    sentence: Annotated[str, AfterValidator(lambda text: text[:MAX_MUNICIPALITY_CHARS])]


# A sentence wins when both are sent.
ResolveRegionRequest = Annotated[Union[RegionInSentence, RegionByMunicipality],
                                 Field(union_mode="left_to_right")]


class Gemeente(_Answer):
    code: str
    name: str


class ResolvedRegion(_Answer):
    id: str
    name: str
    organisation: str
    office_hours: str
    confirmed: bool
    office_open: bool
    next_open: NextOpen


class RegionResolved(_Answer):
    gemeente: Gemeente | None
    region: ResolvedRegion


# --- GET /internal/v1/rules -----------------------------------------------------------------

class ServedRule(_Answer):
    value: int | float
    unit: str
    year: int
    check_at: str
    verify: bool
    # The year has passed: the check words the figure with care.
    stale: bool


class ServedRules(RootModel[dict[str, ServedRule]]):
    """{rule name: the rule} as data/check_rules.yml holds them now."""


# --- POST /internal/v1/intake/expect-phone --------------------------------------------------

class ExpectPhone(_Body):
    """The form is about to ask for a phone number: the gateway takes the first number in the
    conversation's next message out of the text and keeps it encrypted for the handover (a next
    message without one ends the wait). Answered 204."""

    conversation: Conversation


# --- the exported schema --------------------------------------------------------------------

# Every body by the name the schema gives it under `$defs`.
SHAPES: dict[str, Any] = {
    "HandoverRequest": HandoverRequest, "HandoverCreated": HandoverCreated, "HandoverRefused": HandoverRefused,
    "ResolveRegionRequest": ResolveRegionRequest, "RegionResolved": RegionResolved,
    "ServedRules": ServedRules, "ExpectPhone": ExpectPhone,
}
# Each route: the name of its request body (None: it has none), and of its answer per status.
ENDPOINTS: dict[str, dict[str, Any]] = {
    "POST /internal/v1/handovers": {"request": "HandoverRequest",
                                    "responses": {"201": "HandoverCreated", "429": "HandoverRefused"}},
    "POST /internal/v1/regions/resolve": {"request": "ResolveRegionRequest",
                                          "responses": {"200": "RegionResolved"}},
    "GET /internal/v1/rules": {"request": None, "responses": {"200": "ServedRules"}},
    "POST /internal/v1/intake/expect-phone": {"request": "ExpectPhone", "responses": {"204": None}},
}


def json_schema() -> dict[str, Any]:
    """One JSON Schema (draft 2020-12) document: every body under `$defs`, the endpoints with
    references to their bodies, and the names both sides spell alike under `constants`."""
    references, found = TypeAdapter.json_schemas(
        [(name, "validation", TypeAdapter(shape)) for name, shape in SHAPES.items()],
        ref_template="#/$defs/{model}")
    defs = dict(found.get("$defs", {}))
    for (name, _), schema in references.items():
        if schema.get("$ref") != f"#/$defs/{name}":
            defs[name] = schema  # a union of models: under its own name too

    def ref(name: str | None) -> dict[str, Any] | None:
        return None if name is None else {"$ref": f"#/$defs/{name}"}

    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Bot service internal API, as the action server uses it",
        "description": (f"Generated from bot/internal_contract.py; regenerate with `{REGENERATE}`. "
                        "`endpoints` names each route's request body and its responses by status; "
                        "`constants` the names the bot service and the action server spell alike."),
        "endpoints": {route: {"request": ref(endpoint["request"]),
                              "responses": {status: ref(shape) for status, shape in endpoint["responses"].items()}}
                      for route, endpoint in ENDPOINTS.items()},
        "constants": {"scan_domains": list(SCAN_DOMAINS), "scan_ratings": list(SCAN_RATINGS),
                      "checks": list(CHECKS), "phone_placeholder": PHONE_PLACEHOLDER,
                      "slots": list(SLOTS)},
        "$defs": dict(sorted(defs.items())),
    }


def schema_text() -> str:
    """The schema exactly as committed: stable key order, a newline at the end."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(schema_text())

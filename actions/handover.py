"""The warm handover: the form that asks how the user wants to meet a PMW worker, and the action
that hands the request to the bot service.

Only the answers, codes for why it is urgent (in detail only with consent) and, with the user's
consent, the names of the topics they asked about leave here; never message text (the phone
number never reaches Rasa at all: the gateway keeps it).
"""
from __future__ import annotations

import logging
from typing import Any, Dict, Iterable, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActionExecutionRejected, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import handover_answers as answers
from actions.checks import scan
from actions.api.bot_client import NATIONAL, BotApiRefused, BotApiUnavailable, create_handover, resolve_region
from actions.conversation_language import conversation_language

log = logging.getLogger(__name__)

FORM = "handover_form"
WITHHELD = "-"
# Asked again at every handover; `municipality` and `region` are kept for the next one.
HANDOVER_SLOTS = ("handover_contact", "handover_phone", "handover_call_safety", "handover_availability",
                  "handover_language", "handover_consent", "handover_cancelled")
# Asked only for a call: the number, then whether a call, a voicemail or a text is safe.
PHONE_SLOTS = ("handover_phone", "handover_call_safety")
# What a summary may name: the topics of the menu, never small talk, the menu itself, privacy,
# crisis (that is the urgent flag, not a topic) or the fallback.
TOPIC_INTENTS = frozenset({"ask_exit_program", "ask_benefits", "ask_housing", "ask_debt", "ask_work",
                           "ask_education", "ask_health", "ask_stop_business", "ask_social"})
# Questions that mean "today" (stabilise first: docs/content-format.md), with the reason the worker reads. No
# subtopic covers eviction or a cut-off on its own (those examples sit in ask_debt/schuldhulp,
# with many calm ones), so only having no place to sleep counts, next to any crisis.
URGENT_TOPICS = {"ask_housing/shelter": "no_place_to_sleep"}
CRISIS_INTENT = "crisis"
# Why a handover is urgent goes along as codes the bot service knows (URGENT_REASONS in
# bot/handover/handovers.py): a crisis the assistant answered, an urgent question, what a check
# found ("<check>_<reason>", actions/checks/advice.py). Without consent the worker learns no
# more than without reasons: that there was a crisis, an urgent question, or which check.
CRISIS_REASON = "crisis"
UNSHARED_TOPIC_REASON = "urgent_question"
CHECK_REASON = "check"  # the urgent_need slot of an older conversation held only True
CHECKS_WITH_REASONS = ("income", "debt", "housing")
# Intents with their own rule inside the form (data/rules/): a message the question does not
# understand that has one of these is not an answer, and the form steps aside for the rule.
# (Not a `not_intent` in domain.yml: the classifier puts many plain answers there, "Bellen"
# under request_handover, "Hier in de chat" under ask_capabilities, "'s Avonds" under crisis.)
INTERRUPTIONS = frozenset({CRISIS_INTENT, "request_handover", "ask_capabilities", "change_language",
                           "forget_me"})
# A crisis beats an answer unless the message is nothing more than an answer (a pressed button,
# "bel me maar", "Den Bosch"): the safety lines once too often cost far less than once too few.
MAX_PLAIN_ANSWER_WORDS = 3
# What a phone handover's confirmation says, by what is safe (skipped: no voicemail, no text).
CREATED_PHONE = {"voicemail_ok": "utter_handover_created_phone",
                 "no_voicemail": "utter_handover_created_phone_no_voicemail",
                 "text_only": "utter_handover_created_phone_text_only",
                 WITHHELD: "utter_handover_created_phone_no_voicemail"}
READERS = {"handover_contact": answers.contact, "handover_phone": answers.phone,
           "handover_call_safety": answers.call_safety,
           "handover_availability": answers.availability, "handover_language": answers.language,
           "handover_consent": answers.consent}


def cancelled(slot: Text) -> Dict[Text, Any]:
    """Ends the form without an answer; action_create_handover then sends nothing."""
    return {slot: None, "handover_cancelled": True}


class ValidateHandoverForm(FormValidationAction):
    """Turns each answer into its slot value. An answer counts only for the question asked: values
    left by an interrupted earlier form are asked again (they are offered again at activation)."""

    def name(self) -> Text:
        return "validate_handover_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        asked = tracker.get_slot("requested_slot")
        answer = tracker.slots_to_validate().get(asked) if asked else None
        if isinstance(answer, str) and await self._interrupts(asked, answer, tracker):
            # The raw text must not stay in the slot; the rejection lets the rule run.
            return [SlotSet(asked, None), ActionExecutionRejected(FORM)]
        return await super().run(dispatcher, tracker, domain)

    async def _interrupts(self, asked: Text, answer: Text, tracker: Tracker) -> bool:
        intent = latest_intent(tracker)
        if intent not in INTERRUPTIONS or (intent == "change_language" and asked == "handover_language"):
            return False
        understood = await self._understands(asked, answer)
        if intent == CRISIS_INTENT and understood and asked != "municipality":
            # (a gemeente is found only when the whole message is its name)
            plain = answer.replace(answers.PHONE_PLACEHOLDER, " ")
            return len(answers.words(plain)) > MAX_PLAIN_ANSWER_WORDS
        return not understood

    @staticmethod
    async def _understands(asked: Text, answer: Text) -> bool:
        if asked != "municipality":
            read = READERS.get(asked)
            return read is not None and read(answer) is not None
        if answers.control(answer) or answers.refuses(answer):
            return True
        try:
            return (await resolve_region(answer)).get("gemeente") is not None
        except BotApiUnavailable:
            return False

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        if tracker.get_slot("handover_cancelled"):
            return []  # requested_slot becomes None: the form ends
        if tracker.get_slot("handover_contact") == "phone":
            return domain_slots
        return [slot for slot in domain_slots if slot not in PHONE_SLOTS]

    async def validate_municipality(self, value: Any, dispatcher: CollectingDispatcher,
                                    tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "municipality":
            return {"municipality": value}  # known from an earlier handover
        text = str(value or "")
        said = answers.control(text)
        if said == answers.CANCEL:
            return cancelled("municipality")
        if said == answers.SKIP or text.strip() == WITHHELD or answers.refuses(text):
            return {"municipality": WITHHELD, "region": NATIONAL}
        try:
            found = await resolve_region(text)
        except BotApiUnavailable:
            return {"municipality": WITHHELD, "region": NATIONAL}
        if found.get("gemeente") is None:
            if latest_intent(tracker) == "deny":
                return {"municipality": WITHHELD, "region": NATIONAL}
            dispatcher.utter_message(response="utter_municipality_not_found")
            return {"municipality": None}
        region = found["region"]
        if region["id"] != NATIONAL:
            language = conversation_language(tracker)
            dispatcher.utter_message(**region_found(region, language))
        return {"municipality": found["gemeente"]["name"], "region": region["id"]}

    async def validate_handover_contact(self, value: Any, dispatcher: CollectingDispatcher,
                                        tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "handover_contact":
            return {"handover_contact": None}
        said = answers.contact(str(value or ""))
        if said == answers.CANCEL:
            return cancelled("handover_contact")
        if said == answers.SKIP:
            return {"handover_contact": "chat"}  # the default, and the most anonymous
        if said is None:
            dispatcher.utter_message(response="utter_handover_not_understood")
        return {"handover_contact": said}

    async def validate_handover_phone(self, value: Any, dispatcher: CollectingDispatcher,
                                      tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "handover_phone":
            return {"handover_phone": None}
        said = answers.phone(str(value or ""))
        if said == answers.CANCEL:
            return cancelled("handover_phone")
        if said == answers.SKIP:
            dispatcher.utter_message(response="utter_handover_phone_skipped")
            return {"handover_phone": WITHHELD, "handover_contact": "chat"}
        if said is None:
            dispatcher.utter_message(response="utter_handover_phone_invalid")
        return {"handover_phone": said}

    async def validate_handover_call_safety(self, value: Any, dispatcher: CollectingDispatcher,
                                            tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "handover_call_safety":
            return {"handover_call_safety": None}
        said = answers.call_safety(str(value or ""))
        if said == answers.CANCEL:
            return cancelled("handover_call_safety")
        if said == answers.SKIP:
            return {"handover_call_safety": WITHHELD}  # the worker is told to leave no trace
        if said == answers.NO_CALL:
            dispatcher.utter_message(response="utter_handover_call_safety_chat")
            return {"handover_call_safety": WITHHELD, "handover_phone": WITHHELD,
                    "handover_contact": "chat"}
        if said is None:
            dispatcher.utter_message(response="utter_handover_not_understood")
        return {"handover_call_safety": said}

    async def validate_handover_availability(self, value: Any, dispatcher: CollectingDispatcher,
                                             tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "handover_availability":
            return {"handover_availability": None}
        said = answers.availability(str(value or ""))
        if said == answers.CANCEL:
            return cancelled("handover_availability")
        if said == answers.SKIP:
            return {"handover_availability": WITHHELD}
        if said is None:
            dispatcher.utter_message(response="utter_handover_not_understood")
        return {"handover_availability": said}

    async def validate_handover_language(self, value: Any, dispatcher: CollectingDispatcher,
                                         tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "handover_language":
            return {"handover_language": None}
        said = answers.language(str(value or ""))
        if said == answers.CANCEL:
            result = cancelled("handover_language")
        else:
            result = {"handover_language": WITHHELD if said in (None, answers.SKIP) else said}
        # Naming a language here answers the question about the worker; it must not also switch
        # this chat (the `language` slot maps a named language whatever the form asks).
        before = language_before_latest_message(tracker)
        if tracker.get_slot("language") != before:
            result["language"] = before
        return result

    async def validate_handover_consent(self, value: Any, dispatcher: CollectingDispatcher,
                                        tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "handover_consent":
            return {"handover_consent": None}
        said = answers.consent(str(value or ""))
        if said is None:
            said = {"affirm": "yes", "deny": "no"}.get(latest_intent(tracker))
        if said == answers.CANCEL:
            return cancelled("handover_consent")
        if said is None:
            dispatcher.utter_message(response="utter_handover_not_understood")
            return {"handover_consent": None}
        return {"handover_consent": said == "yes"}  # "no" and skip: the worker starts without


class ActionCreateHandover(Action):
    """Sends the form's answers to the bot service and says honestly what happens next."""

    def name(self) -> Text:
        return "action_create_handover"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        reset = [SlotSet(slot, None) for slot in HANDOVER_SLOTS]
        if tracker.get_slot("handover_cancelled"):
            dispatcher.utter_message(response="utter_handover_cancelled")
            return reset
        request = handover_request(tracker)
        try:
            answer = await create_handover(request)
            reference, region = str(answer["reference"]), dict(answer["region"])
        except BotApiRefused as refused:
            # Too many requests from this conversation or connection lately: no retry button, but
            # whom to call and the safety lines.
            log.warning("handover_refused")
            dispatcher.utter_message(**refused_answer(refused.details.get("region")))
            return reset
        except (BotApiUnavailable, KeyError, TypeError, ValueError) as error:
            log.warning("handover_not_created reason=%s", type(error).__name__)
            dispatcher.utter_message(response="utter_handover_failed")
            return reset
        organisation = region.get("organisation") or ""
        if request["contact"] == "phone":
            # Said back as the worker reads it (bot/staff/pages.py LABELS["call_safety"]).
            created = CREATED_PHONE.get(request["call_safety"], CREATED_PHONE[WITHHELD])
            dispatcher.utter_message(response=created, reference=reference, organisation=organisation)
            dispatcher.utter_message(**call_yourself(region, reference))
        elif request["contact"] == "meeting":
            dispatcher.utter_message(response="utter_handover_created_meeting",
                                     reference=reference, organisation=organisation)
        elif answer.get("office_open"):
            dispatcher.utter_message(response="utter_handover_created_chat_open", reference=reference,
                                     organisation=organisation,
                                     response_minutes=answer.get("response_minutes"))
        else:
            language = conversation_language(tracker)
            next_open = (answer.get("next_open") or {}).get(language)
            if next_open and next_open != WITHHELD:
                dispatcher.utter_message(response="utter_handover_created_chat_closed",
                                         reference=reference, organisation=organisation,
                                         next_open=next_open)
            else:
                dispatcher.utter_message(response="utter_handover_created_chat_later",
                                         reference=reference, organisation=organisation)
        # The service may know of more (a crisis phrase only the gateway caught).
        if request["urgent"] or answer.get("urgent") is True:
            dispatcher.utter_message(response="utter_handover_urgent")
        region_id = region.get("id")
        # A scan that went along is done; one not shared stays for a later handover.
        shared = [SlotSet(slot, None) for slot in scan.SCAN_SLOTS] if "scan" in request else []
        # What made it urgent went along; a cancelled handover keeps it for the next try.
        done = [SlotSet("urgent_need", None)]
        return reset + shared + done + ([SlotSet("region", region_id)] if region_id else [])


def region_found(region: Dict[Text, Any], language: Text) -> Dict[Text, Any]:
    """The gemeente's organisation, and whether it is open now or when it opens (before the
    form ends, so nobody waits for a reply at night without knowing)."""
    said = {"organisation": region.get("organisation") or "", "region_name": region.get("name") or ""}
    next_open = (region.get("next_open") or {}).get(language)
    if region.get("office_open") is True:
        return {"response": "utter_handover_region_found_open", **said}
    if region.get("office_open") is False and next_open and next_open != WITHHELD:
        return {"response": "utter_handover_region_found_closed", "next_open": next_open, **said}
    return {"response": "utter_handover_region_found", **said}


def refused_answer(region: Any) -> Dict[Text, Any]:
    """A refused request: the organisation's public contact details when the region has them."""
    region = region if isinstance(region, dict) else {}
    contact = str(region.get("contact") or "").strip()
    if contact:
        return {"response": "utter_handover_refused", "organisation": region.get("organisation") or "",
                "contact": contact}
    return {"response": "utter_handover_refused_gemeente"}


def call_yourself(region: Dict[Text, Any], reference: Text) -> Dict[Text, Any]:
    """How to call them yourself: the organisation's public contact details from
    data/regions.yml, or else the way the content names (the gemeente), never a made-up number."""
    contact = str(region.get("contact") or "").strip()
    if contact:
        return {"response": "utter_handover_call_organisation", "reference": reference,
                "organisation": region.get("organisation") or "", "contact": contact}
    return {"response": "utter_handover_call_gemeente", "reference": reference}


def handover_request(tracker: Tracker) -> Dict[Text, Any]:
    """The body of POST /internal/v1/handovers, from the slots and the conversation."""
    consent = tracker.get_slot("handover_consent") is True
    topics = asked_topics(tracker.events)
    contact = tracker.get_slot("handover_contact") or "chat"
    call_safety = (tracker.get_slot("handover_call_safety") or WITHHELD) if contact == "phone" else WITHHELD
    reasons = urgent_reasons(tracker, topics, consent)
    # The life-domain scan's ratings become the summary, only with consent (docs/privacy.md, "Guided checks").
    rated = scan.ratings(tracker.get_slot) if consent else {}
    request = {
        "conversation": tracker.sender_id,
        "municipality": tracker.get_slot("municipality") or WITHHELD,
        "contact": contact,
        "call_safety": call_safety,
        "availability": tracker.get_slot("handover_availability") or WITHHELD,
        "language": tracker.get_slot("handover_language") or WITHHELD,
        "consent": consent,
        "topics": topics if consent else [],
        # A crisis, no place to sleep, or a check that found something that cannot wait (an
        # eviction, a cut-off, not safe at home: actions/check_result.py), and which.
        "urgent": bool(reasons),
        "urgent_reasons": reasons,
    }
    if rated:
        request["scan"] = rated  # {"money": "worried", ...}: fine | better | worried
    return request


def urgent_reasons(tracker: Tracker, topics: List[Text], consent: bool) -> List[Text]:
    """Why the handover cannot wait, as codes; in detail only with consent (see CRISIS_REASON)."""
    found = [CRISIS_REASON] if had_crisis(tracker.events) else []
    found += [URGENT_TOPICS[topic] for topic in topics if topic in URGENT_TOPICS]
    found += check_reasons(tracker.get_slot("urgent_need"))
    if not consent:
        found = [unshared(code) for code in found]
    return list(dict.fromkeys(found))


def check_reasons(value: Any) -> List[Text]:
    """The urgent_need slot: the codes of the checks that found something ("debt_eviction"),
    or True from before the codes were kept."""
    if value is True:
        return [CHECK_REASON]
    if isinstance(value, str):
        value = [value]
    if isinstance(value, (list, tuple)):
        return [code for code in value if isinstance(code, str) and code]
    return []


def unshared(code: Text) -> Text:
    """What a reason says without consent: "housing_check", not "housing_lives_at_workplace"."""
    if code in URGENT_TOPICS.values():
        return UNSHARED_TOPIC_REASON
    check = code.split("_", 1)[0]
    return f"{check}_check" if check in CHECKS_WITH_REASONS else code


def asked_topics(events: Iterable[Dict[Text, Any]]) -> List[Text]:
    """The distinct topics the user asked about, in order, finest known level first
    ("ask_benefits/bbz", else "ask_benefits"). Answers given inside a form (the handover, a check) are
    not questions."""
    topics: List[Text] = []
    in_form = False
    for event in events:
        if event.get("event") == "active_loop":
            in_form = event.get("name") is not None  # any form: answers, not questions
        elif event.get("event") == "user" and not in_form:
            topic = topic_of(event.get("parse_data") or {})
            if topic is not None and topic not in topics:
                topics.append(topic)
    return topics


def topic_of(parse_data: Dict[Text, Any]) -> Optional[Text]:
    name = str((parse_data.get("intent") or {}).get("name") or "")
    intent = name.split("/")[0]
    if intent not in TOPIC_INTENTS:
        return None
    if "/" in name:
        return name
    selectors = parse_data.get("response_selector") or {}
    # Rasa files the prediction under the intent's name or, with one selector for all retrieval
    # intents (rasa_ext/linear_classifier.py), under "default".
    for key in (intent, "default"):
        found = ((selectors.get(key) or {}).get("response") or {}).get("intent_response_key")
        if isinstance(found, str) and found.startswith(f"{intent}/"):
            return found
    return intent


def had_crisis(events: Iterable[Dict[Text, Any]]) -> bool:
    """A crisis the assistant answered: a crisis message outside the form, or the safety lines
    inside it (a plain answer the classifier called a crisis, "'s Avonds", does not count)."""
    in_form = False
    for event in events:
        if event.get("event") == "active_loop":
            in_form = event.get("name") is not None  # any form: answers, not questions
        elif event.get("event") == "action" and event.get("name") == "utter_crisis":
            return True
        elif event.get("event") == "user" and not in_form and intent_of(event) == CRISIS_INTENT:
            return True
    return False


def intent_of(event: Dict[Text, Any]) -> Text:
    return str(((event.get("parse_data") or {}).get("intent") or {}).get("name") or "").split("/")[0]


def latest_intent(tracker: Tracker) -> Text:
    """The top-level intent the NLU chose for the latest message ("crisis" for "crisis/danger")."""
    return str((tracker.latest_message.get("intent") or {}).get("name") or "").split("/")[0]


def language_before_latest_message(tracker: Tracker) -> Optional[Text]:
    """The chat language as it was before the user's latest message."""
    events = list(tracker.events)
    last_user = max((i for i, event in enumerate(events) if event.get("event") == "user"), default=0)
    value = None
    for event in events[:last_user]:
        if event.get("event") == "slot" and event.get("name") == "language":
            value = event.get("value")
    return value

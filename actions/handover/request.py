"""What a handover request carries (the body of POST /internal/v1/handovers), built from the
form's slots and the conversation: the answers, the topics the user asked about and why it cannot
wait, in detail only with consent. Codes and slot values only, never message text.
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional, Text

from rasa_sdk import Tracker

from actions.api.contract import (HANDOVER_AVAILABILITY_SLOT, HANDOVER_CALL_SAFETY_SLOT,
                                  HANDOVER_CONSENT_SLOT, HANDOVER_CONTACT_SLOT, HANDOVER_LANGUAGE_SLOT,
                                  MUNICIPALITY_SLOT, URGENT_NEED_SLOT, WITHHELD)
from actions.checks.scan.decision import ratings
from actions.forms.validation import CRISIS_INTENT

# What a summary may name: the topics of the menu, never small talk, the menu itself, privacy,
# crisis (that is the urgent flag, not a topic) or the fallback.
TOPIC_INTENTS = frozenset({"ask_exit_program", "ask_benefits", "ask_housing", "ask_debt", "ask_work",
                           "ask_education", "ask_health", "ask_stop_business", "ask_social"})
# Questions that mean "today" (stabilise first), with the reason the worker reads. No
# subtopic covers eviction or a cut-off on its own (those examples sit in ask_debt/schuldhulp,
# with many calm ones), so only having no place to sleep counts, next to any crisis.
URGENT_TOPICS = {"ask_housing/shelter": "no_place_to_sleep"}
# Why a handover is urgent goes along as codes the bot service knows (URGENT_REASONS in
# bot/handover/handovers.py): a crisis the assistant answered, an urgent question, what a check
# found ("<check>_<reason>", actions/checks/advice.py). Without consent the worker learns no
# more than without reasons: that there was a crisis, an urgent question, or which check.
CRISIS_REASON = "crisis"
UNSHARED_TOPIC_REASON = "urgent_question"
CHECK_REASON = "check"  # the urgent_need slot of an older conversation held only True
CHECKS_WITH_REASONS = ("income", "debt", "housing")


def handover_request(tracker: Tracker) -> Dict[Text, Any]:
    """The body of POST /internal/v1/handovers, from the slots and the conversation."""
    consent = tracker.get_slot(HANDOVER_CONSENT_SLOT) is True
    topics = asked_topics(tracker.events)
    contact = tracker.get_slot(HANDOVER_CONTACT_SLOT) or "chat"
    call_safety = (tracker.get_slot(HANDOVER_CALL_SAFETY_SLOT) or WITHHELD) if contact == "phone" else WITHHELD
    reasons = urgent_reasons(tracker, topics, consent)
    # The life-domain scan's ratings become the summary, only with consent.
    rated = ratings(tracker.get_slot) if consent else {}
    request = {
        "conversation": tracker.sender_id,
        "municipality": tracker.get_slot(MUNICIPALITY_SLOT) or WITHHELD,
        "contact": contact,
        "call_safety": call_safety,
        "availability": tracker.get_slot(HANDOVER_AVAILABILITY_SLOT) or WITHHELD,
        "language": tracker.get_slot(HANDOVER_LANGUAGE_SLOT) or WITHHELD,
        "consent": consent,
        "topics": topics if consent else [],
        # A crisis, no place to sleep, or a check that found something that cannot wait (an
        # eviction, a cut-off, not safe at home: actions/checks/result.py), and which.
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
    found += check_reasons(tracker.get_slot(URGENT_NEED_SLOT))
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



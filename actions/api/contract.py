"""The names the actions share with the bot service and with domain.yml, each written once: the
scan's domains and ratings, the guided checks, the gateway's phone placeholder, the region that
takes everyone, and the slots the actions read or write.

Plain constants only: a contract test compares them with the bot service's own models and with
domain.yml. Never imports rasa_sdk or anything else of the actions.
"""
from __future__ import annotations

from typing import Dict, Tuple

# --- values both sides know ------------------------------------------------------------------

# The region that takes every gemeente no other region lists (data/regions.yml).
NATIONAL = "national"
# A question the user skipped or did not answer; the bot service stores it as "not said".
WITHHELD = "-"
# The languages the assistant speaks, and the one it speaks when it knows no better.
LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
# The gateway puts this in place of a phone number (bot/privacy/redactor.py); Rasa never sees one.
PHONE_PLACEHOLDER = "[telefoonnummer]"

# The guided checks; a check button sends one of them as the `check` entity.
CHECKS = ("income", "debt", "housing", "stopping", "scan")
# The life-domain scan: each domain is rated, and the ratings go along with a handover (with consent).
SCAN_DOMAINS = ("money", "safety", "housing", "health", "people", "work")
SCAN_RATINGS = ("fine", "better", "worried")

# --- slots (domain.yml) ------------------------------------------------------------------------

# Rasa's own: the form's question being asked now.
REQUESTED_SLOT = "requested_slot"
# The chat's language as Rasa keeps it (the gateway's record wins: actions/conversation_language.py).
LANGUAGE_SLOT = "language"
# Kept from one handover to the next.
MUNICIPALITY_SLOT = "municipality"
REGION_SLOT = "region"

# The handover form's questions, in the order asked; the phone ones only for a call.
HANDOVER_CONTACT_SLOT = "handover_contact"
HANDOVER_PHONE_SLOT = "handover_phone"
HANDOVER_CALL_SAFETY_SLOT = "handover_call_safety"
HANDOVER_AVAILABILITY_SLOT = "handover_availability"
HANDOVER_LANGUAGE_SLOT = "handover_language"
HANDOVER_CONSENT_SLOT = "handover_consent"
HANDOVER_CANCELLED_SLOT = "handover_cancelled"
HANDOVER_FORM_SLOTS = (MUNICIPALITY_SLOT, HANDOVER_CONTACT_SLOT, HANDOVER_PHONE_SLOT,
                       HANDOVER_CALL_SAFETY_SLOT, HANDOVER_AVAILABILITY_SLOT, HANDOVER_LANGUAGE_SLOT,
                       HANDOVER_CONSENT_SLOT)
PHONE_SLOTS = (HANDOVER_PHONE_SLOT, HANDOVER_CALL_SAFETY_SLOT)

# The check a button started, a stopped check, and why the next handover cannot wait.
CHECK_SLOT = "check"
CHECK_CANCELLED_SLOT = "check_cancelled"
URGENT_NEED_SLOT = "urgent_need"

# Each check's questions, in the order asked.
SCAN_SLOTS = tuple(f"scan_{domain}" for domain in SCAN_DOMAINS)
CHECK_SLOTS: Dict[str, Tuple[str, ...]] = {
    "income": ("income_age", "income_registered", "income_work", "income_household", "income_savings"),
    "debt": ("debt_kinds", "debt_bailiff", "debt_threat", "debt_attachment"),
    "housing": ("housing_situation", "housing_safe", "housing_leaving", "housing_registered", "housing_seeker"),
    "stopping": ("stop_work", "stop_status", "stop_income", "stop_btw", "stop_books"),
    "scan": SCAN_SLOTS,
}

# Every slot of domain.yml the actions read or write.
SLOTS = frozenset((REQUESTED_SLOT, LANGUAGE_SLOT, REGION_SLOT, HANDOVER_CANCELLED_SLOT, CHECK_SLOT,
                   CHECK_CANCELLED_SLOT, URGENT_NEED_SLOT) + HANDOVER_FORM_SLOTS
                  + tuple(slot for slots in CHECK_SLOTS.values() for slot in slots))

# --- a check's result lists, rendered by the bot service's NLG endpoint ------------------------

# A list goes to the NLG endpoint as codes in this argument: {"heading": the response that opens
# it ("utter_income_steps"), "items": [{"key": an entry of data/content/checks.yml, "texts":
# {placeholder: entry key}}], "amounts": {placeholder: rule name}, "numbered": bool}. The bot
# service says the texts in the conversation's language, joins them and splits them into bubbles.
CHECK_LIST_ARGUMENT = "check_list"
# Which bubble of the list a response asks for (1: the heading's); a part the list does not fill
# is answered with nothing, which Rasa does not say.
CHECK_LIST_PART_ARGUMENT = "part"
# The response that carries the rest of a long list, without the heading of the first bubble.
CHECK_LIST_CONTINUED = "utter_check_list_continued"

"""What an action gets in the action tests: trackers built from small dicts (as Rasa sends them),
and the domain, the content and the rules as the project's files hold them.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml
from rasa_sdk import Tracker

import bot_api_answers

ROOT = Path(__file__).resolve().parents[2]
DOMAIN: Dict[str, Any] = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
CONTENT: Dict[str, Any] = {key: entry for path in sorted((ROOT / "data" / "content").glob("*.yml"))
                           for key, entry in yaml.safe_load(path.read_text(encoding="utf-8")).items()}
RULES_FILE: Dict[str, Dict[str, Any]] = yaml.safe_load(
    (ROOT / "data" / "check_rules.yml").read_text(encoding="utf-8"))


def served_rules(this_year: Optional[int] = None) -> Dict[str, Dict[str, Any]]:
    """data/check_rules.yml as GET /internal/v1/rules serves it this year (the one shape of the
    fake answers: bot_api_answers.py)."""
    return bot_api_answers.served_rules(this_year or date.today().year)


def answering(form: str, asked: str, text: str, intent: str = "nlu_fallback",
              slots: Optional[Dict[str, Any]] = None, before: Optional[List[Dict[str, Any]]] = None,
              sender: str = "c0ffee") -> Tracker:
    """The tracker a form's validation gets: the answer extracted into the asked slot."""
    message = user(text, intent)
    events = (before or []) + [message, {"event": "action", "name": form},
                               {"event": "slot", "name": asked, "value": text}]
    return Tracker.from_dict({
        "sender_id": sender, "slots": {"requested_slot": asked, asked: text, **(slots or {})},
        "latest_message": message["parse_data"], "events": events, "paused": False,
        "followup_action": None, "active_loop": {"name": form}, "latest_action_name": form,
    })


def finished(slots: Dict[str, Any], events: Optional[List[Dict[str, Any]]] = None,
             sender: str = "c0ffee") -> Tracker:
    """The tracker after a form: no question asked, the slots as given."""
    return Tracker.from_dict({
        "sender_id": sender, "slots": {"requested_slot": None, **slots}, "latest_message": {},
        "events": events or [], "paused": False, "followup_action": None, "active_loop": {},
        "latest_action_name": "action_listen",
    })


def user(text: str, intent: str, subtopic: Optional[str] = None) -> Dict[str, Any]:
    """A user event as Rasa records it (`subtopic` as rasa_ext/linear_classifier.py files it)."""
    parse_data: Dict[str, Any] = {"text": text, "intent": {"name": intent, "confidence": 0.9},
                                  "intent_ranking": [{"name": intent, "confidence": 0.9}]}
    if subtopic is not None:
        parse_data["response_selector"] = {"default": {"response": {"intent_response_key": subtopic}}}
    return {"event": "user", "text": text, "parse_data": parse_data}

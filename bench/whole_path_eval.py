"""`make eval`, the whole path: every held-out message as the first message of a new conversation
through the gateway's REST channel, against the real stack (bot service, Rasa, actions), as a
user would send it. The gateway's phrase list and the dialogue rules decide what users see, so
this is the figure that counts; bench/crisis_eval.py shows the NLU's share.

Classifies what came back first: a safety answer (of which kind), the topic of the answer, and
whether the calm line was added. A benchmark: it prints figures and never fails on them.
Runs in .venv (the bot service's environment) and needs a trained model (make train).
"""
from __future__ import annotations

import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the stack fixture imports its neighbours by name

from bench.heldout_sets import Outcome, load_cases, report  # noqa: E402
from bot.content.files import parse_entries, read_content_dir  # noqa: E402
from tests.conftest import running_stack  # noqa: E402

# Answers that belong to an intent other than the one their name says.
INTENT_OF = {
    "utter_want_to_stop": "want_to_stop", "utter_want_to_stop_which": "want_to_stop",
    "utter_helpline_region": "ask_helpline", "utter_handover_intro": "request_handover",
    "utter_ask_affirmation": "nlu_fallback", "utter_default": "nlu_fallback",
    "utter_language_changed": "change_language",
}
CALM_LINE = "utter_crisis_calm_line"
# Enough to keep Rasa busy on two cores without timing out.
PARALLEL = 4


def answer_keys() -> dict[str, str]:
    """Every text the assistant can show (both languages), to the name of its answer."""
    answers = parse_entries(read_content_dir(ROOT / "data" / "content"))
    return {variant.text: key for key, answer in answers.items() for variant in answer.variants.values()}


def intent_of(key: str) -> str:
    if key in INTENT_OF:
        return INTENT_OF[key]
    return key.removeprefix("utter_").split("/")[0]


def outcome_of(replies: list[dict], keys: dict[str, str]) -> Outcome:
    shown = [keys.get(r.get("text") or "", "unknown") for r in replies]
    first = shown[0] if shown else "none"
    crisis = first.split("/", 1)[1] if first.startswith("utter_crisis/") else None
    topic = next((k for k in shown if not k.startswith("utter_crisis")), first)
    return Outcome("crisis" if crisis else intent_of(topic), crisis, CALM_LINE in shown)


def main() -> None:
    cases = load_cases()
    keys = answer_keys()
    with tempfile.TemporaryDirectory() as scratch, \
            running_stack(Path(scratch), f"sqlite+aiosqlite:///{scratch}/bot.db") as stack:
        started = time.monotonic()
        with ThreadPoolExecutor(PARALLEL) as pool:
            replies = list(pool.map(lambda case: stack.chat(uuid.uuid4().hex, case.text), cases))
        elapsed = time.monotonic() - started
    report(f"whole path (gateway + Rasa + actions), {len(cases)} new conversations in {elapsed:.0f} s",
           cases, [outcome_of(r, keys) for r in replies],
           # Read back from the answer's name: greetings, forms and the menu blur it, so the NLU's
           # own macro-F1 (bench/crisis_eval.py) is the figure for understanding.
           f1_name="macro-F1 of the topic the first answer belongs to (approximate)")


if __name__ == "__main__":
    main()

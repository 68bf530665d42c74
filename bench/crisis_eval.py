"""`make eval`, the safety part: the NLU alone on the held-out sets (bench/heldout/).

Trains config.yml on data/nlu (a few seconds with the linear classifier), parses every held-out
message and prints want_to_stop recall, crisis recall per kind (explicit and indirect), wrong-kind
answers, false alarms on the hard negatives and intent macro-F1, plus the thresholds the crisis
decision chose from its cross-validated predictions. The whole path (gateway phrases and rules
included) is bench/whole_path_eval.py. A benchmark: it prints figures and never fails on them.
Runs in .venv-rasa.
"""
from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.heldout_sets import Case, Outcome, load_cases, report  # noqa: E402


def outcome_of(parse: dict) -> Outcome:
    """What the user would be shown first, from Rasa's parse of the message."""
    intent = str((parse.get("intent") or {}).get("name") or "nlu_fallback").split("/")[0]
    decision = parse.get("crisis")
    if isinstance(decision, dict):
        clear = decision.get("level") == "clear"
        return Outcome(intent, decision.get("kind") if clear else None, decision.get("level") == "possible")
    # A model from before the crisis decision: the crisis intent and its sub-answer.
    selector = ((parse.get("response_selector") or {}).get("default") or {}).get("response") or {}
    kind = str(selector.get("intent_response_key") or "crisis/general").split("/")[-1]
    return Outcome(intent, kind if intent == "crisis" else None)


def print_cross_validation(agent) -> None:
    """The crisis decision's thresholds and what they give on its cross-validated predictions."""
    from rasa_ext.crisis_decision import CrisisDecision

    for node in agent.processor.graph_runner._instantiated_nodes.values():  # noqa: SLF001
        component = getattr(node, "_component", None)
        if isinstance(component, CrisisDecision):
            summary = component.summary
            figures = summary["cross_validated"]
            print(f"\n== crisis decision, cross-validated on data/nlu (5 folds)\n"
                  f"thresholds: clear >= {summary['clear']:.3f}, possible >= {summary['possible']:.3f}, "
                  f"kind shown from confidence {summary['kind_threshold']:.3f} (else general)\n"
                  f"crisis recall: safety answer first {figures['crisis_recall_clear']:.3f}, "
                  f"with the calm line {figures['crisis_recall_possible']:.3f}\n"
                  f"non-crisis examples: safety answer {figures['false_alarm_clear']:.4f}, "
                  f"calm line {figures['calm_line_rate']:.3f}\n"
                  f"kind right when shown {figures['kind_accuracy']:.3f}; general answer for "
                  f"{figures['general_share']:.3f} of crises")


async def parse_all(model: Path, cases: list[Case]) -> list[dict]:
    import logging

    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # the parse log carries every message

    agent = Agent.load(str(model))
    print_cross_validation(agent)
    return [await agent.parse_message(case.text) for case in cases]


def train(config: Path, out: Path) -> Path:
    subprocess.run(
        [str(ROOT / ".venv-rasa" / "bin" / "rasa"), "train", "nlu", "--nlu", str(ROOT / "data" / "nlu"),
         "--config", str(config), "--out", str(out), "--fixed-model-name", "nlu"],
        cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    return out / "nlu.tar.gz"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, help="an NLU model to test instead of training one")
    parser.add_argument("--config", type=Path, default=ROOT / "config.yml")
    args = parser.parse_args()
    cases = load_cases()
    with tempfile.TemporaryDirectory() as scratch:
        model = args.model or train(args.config, Path(scratch))
        parses = asyncio.run(parse_all(model, cases))
    report(f"NLU alone on the held-out sets ({args.config.name if not args.model else model.name})",
           cases, [outcome_of(p) for p in parses])


if __name__ == "__main__":
    main()

"""The held-out messages and the safety figures computed from what a user was shown.

The files in bench/heldout/ (and bench/heldout_nlu.yml) were written by people who never saw the
training data; never copy a line from them into data/. Both evaluations (the NLU alone in
bench/crisis_eval.py, the whole path in bench/whole_path_eval.py) turn each message into an
Outcome and print the same figures from it. Plain Python: it runs in either virtual environment.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

HELDOUT = Path(__file__).resolve().parent / "heldout"
OLD_HELDOUT = Path(__file__).resolve().parent / "heldout_nlu.yml"
GENERAL = "general"


@dataclass(frozen=True)
class Case:
    text: str
    intent: str             # the top-level intent a person means
    set: str                # which file: want_to_stop, hard_negatives, crisis, helpline, topics
    kind: str | None = None  # crisis kind
    explicit: bool = True


@dataclass(frozen=True)
class Outcome:
    intent: str             # the topic the answer was for ("crisis" when the safety answer came first)
    crisis: str | None      # the kind of safety answer shown first, or None
    calm: bool = False      # the calm line with 112 and 113 was added


def load_cases() -> list[Case]:
    cases = [Case(c["text"], "want_to_stop", "want_to_stop") for c in _load("want_to_stop.yml")]
    cases += [Case(c["text"], c["intent"], "hard_negatives") for c in _load("hard_negatives.yml")]
    cases += [Case(c["text"], "crisis", "crisis", c["kind"], bool(c["explicit"])) for c in _load("crisis.yml")]
    cases += [Case(c["text"], "ask_helpline", "helpline") for c in _load("helpline.yml")]
    for block in yaml.safe_load(OLD_HELDOUT.read_text(encoding="utf-8"))["nlu"]:
        intent = block["intent"].split("/")[0]
        for line in block["examples"].splitlines():
            if line.strip().startswith("- "):
                kind = block["intent"].split("/")[1] if intent == "crisis" and "/" in block["intent"] else None
                cases.append(Case(line.strip()[2:], intent, "topics", kind))
    return cases


def _load(name: str) -> list[dict]:
    return yaml.safe_load((HELDOUT / name).read_text(encoding="utf-8"))


def _rate(hits: int, total: int) -> str:
    return f"{hits / total:.3f} ({hits}/{total})" if total else "n/a"


def report(title: str, cases: list[Case], outcomes: list[Outcome],
           f1_name: str = "intent macro-F1") -> dict[str, float]:
    """Prints the figures the safety issue asks for; returns them for a comparison."""
    pairs = list(zip(cases, outcomes, strict=True))
    figures: dict[str, float] = {}
    print(f"\n== {title}")

    stop = [(c, o) for c, o in pairs if c.set == "want_to_stop"]
    hits = sum(o.intent == "want_to_stop" and o.crisis is None for _, o in stop)
    print(f"want_to_stop recall (exit path, no safety text):  {_rate(hits, len(stop))}")
    figures["want_to_stop_recall"] = hits / len(stop)

    crisis = [(c, o) for c, o in pairs if c.intent == "crisis" and c.set == "crisis"]
    for explicit in (True, False):
        group = [(c, o) for c, o in crisis if c.explicit == explicit]
        hits = sum(o.crisis is not None for _, o in group)
        name = "explicit" if explicit else "indirect"
        print(f"crisis recall, {name + ':':<10}  safety answer first {_rate(hits, len(group))}; "
              f"with the calm line {_rate(sum(o.crisis is not None or o.calm for _, o in group), len(group))}")
        figures[f"crisis_recall_{name}"] = hits / len(group)
    by_kind = Counter(c.kind for c, _ in crisis)
    caught = Counter(c.kind for c, o in crisis if o.crisis is not None)
    print("  per kind: " + ", ".join(f"{k} {caught[k]}/{n}" for k, n in sorted(by_kind.items())))
    wrong = [(c, o) for c, o in crisis if o.crisis not in (None, GENERAL, c.kind)]
    print(f"wrong-kind safety answers: {len(wrong)} of {sum(caught.values())} "
          f"({', '.join(sorted(f'{c.kind}->{o.crisis}' for c, o in wrong)) or 'none'}); "
          f"general answer shown {sum(o.crisis == GENERAL for _, o in crisis)} times")
    figures["wrong_kind"] = len(wrong)
    suicide_for_other = sum(o.crisis == "suicidal" and c.intent != "crisis" for c, o in pairs)
    print(f"suicide text shown for a message that is no crisis: {suicide_for_other}")

    negatives = [(c, o) for c, o in pairs if c.set == "hard_negatives"]
    alarms = sum(o.crisis is not None for _, o in negatives)
    print(f"false alarms on hard negatives (safety text first): {_rate(alarms, len(negatives))}; "
          f"calm line added {_rate(sum(o.calm for _, o in negatives), len(negatives))}")
    figures["false_alarm_rate"] = alarms / len(negatives)
    ordinary = [(c, o) for c, o in pairs if c.intent != "crisis"]
    print(f"false alarms on all non-crisis held-out messages:    "
          f"{_rate(sum(o.crisis is not None for _, o in ordinary), len(ordinary))}")

    helpline = [(c, o) for c, o in pairs if c.set == "helpline"]
    print(f"help-line questions answered as such (no alarm): "
          f"{_rate(sum(o.intent == 'ask_helpline' and o.crisis is None for _, o in helpline), len(helpline))}")

    figures["macro_f1"] = macro_f1([c.intent for c, _ in pairs], [o.intent for _, o in pairs])
    print(f"{f1_name} on all {len(pairs)} held-out messages: {figures['macro_f1']:.3f}")
    return figures


def macro_f1(gold: list[str], predicted: list[str]) -> float:
    scores = []
    for label in sorted(set(gold)):
        tp = sum(g == label and p == label for g, p in zip(gold, predicted, strict=True))
        fp = sum(g != label and p == label for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == label and p != label for g, p in zip(gold, predicted, strict=True))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores)

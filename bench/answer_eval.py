"""`make eval`, the answers part: does a typed question reach the answer written for it?

Parses the messages of bench/heldout/situations.yml (questions for the answers added in December 2026
and their close neighbours, written without seeing data/) with an NLU model and prints, per
answer, how many got that answer (intent and sub-answer), how many got the right topic only, and
how many got a safety text. Then 5-fold cross-validated sub-answer accuracy of the same answers
on data/nlu, for comparison. A benchmark: prints figures, never fails on them. Runs in
.venv-rasa.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.crisis_eval import train  # noqa: E402

HELDOUT = ROOT / "bench" / "heldout" / "situations.yml"


def answer_of(parse: dict) -> tuple[str, str, bool]:
    """(answer key shown, topic shown, safety text first) from Rasa's parse."""
    intent = str((parse.get("intent") or {}).get("name") or "nlu_fallback")
    selector = ((parse.get("response_selector") or {}).get("default") or {}).get("response") or {}
    key = str(selector.get("intent_response_key") or intent)
    decision = parse.get("crisis") or {}
    return key, intent, decision.get("level") == "clear"


async def parse_all(model: Path, texts: list[str]) -> list[dict]:
    import logging

    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # the parse log carries every message
    agent = Agent.load(str(model))
    return [await agent.parse_message(text) for text in texts]


def report(cases: list[dict], parses: list[dict]) -> None:
    per_answer: dict[str, Counter] = {}
    for case, parse in zip(cases, parses, strict=True):
        key, intent, alarm = answer_of(parse)
        counts = per_answer.setdefault(case["answer"], Counter())
        counts["total"] += 1
        counts["answer"] += key == case["answer"] and not alarm
        counts["topic"] += intent == case["answer"].split("/")[0]
        counts["alarm"] += alarm
    print("\n== held-out questions (bench/heldout/situations.yml): right answer / right topic / safety text")
    totals: Counter = Counter()
    for answer, counts in sorted(per_answer.items()):
        totals.update(counts)
        print(f"{answer:<34} {counts['answer']:>2}/{counts['total']:<3} {counts['topic']:>2}/{counts['total']:<3}"
              f" alarms {counts['alarm']}")
    print(f"{'all':<34} right answer {totals['answer'] / totals['total']:.3f} ({totals['answer']}/{totals['total']}), "
          f"right topic {totals['topic'] / totals['total']:.3f}, safety texts {totals['alarm']}")


def cross_validated(answers: set[str], folds: int = 5) -> None:
    """Sub-answer accuracy of these answers in cross-validation on data/nlu, among every sub-answer
    (the sub-answer model of rasa_ext/linear_classifier.py, without Rasa's pipeline)."""
    import scipy.sparse
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.multiclass import OneVsRestClassifier

    from rasa_ext.linear_classifier import NGRAM_DEFAULTS

    def fit_predict(train_texts: list[str], train_labels: list[str], test_texts: list[str]) -> list[str]:
        # The features of rasa_ext/linear_classifier.py with the whitespace tokenizer (lemma = word).
        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(NGRAM_DEFAULTS["char_ngrams"]),
                                sublinear_tf=True)
        words = TfidfVectorizer(ngram_range=tuple(NGRAM_DEFAULTS["word_ngrams"]), sublinear_tf=True,
                                token_pattern=r"\S+")  # noqa: S106 (a regular expression, no password)
        lower = [t.lower() for t in train_texts]
        x = scipy.sparse.hstack([chars.fit_transform(lower), words.fit_transform(lower)]).tocsr()
        model = OneVsRestClassifier(LogisticRegression(C=NGRAM_DEFAULTS["C"], solver="liblinear", max_iter=1000,
                                                       random_state=1)).fit(x, train_labels)
        tests = [t.lower() for t in test_texts]
        return list(model.predict(scipy.sparse.hstack([chars.transform(tests), words.transform(tests)]).tocsr()))

    texts, labels = [], []
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            if "/" in str(block.get("intent", "")):
                lines = [ln.strip()[2:] for ln in block["examples"].splitlines() if ln.strip().startswith("- ")]
                texts += lines
                labels += [block["intent"]] * len(lines)
    hits: Counter = Counter()
    total: Counter = Counter()
    for train_rows, test_rows in StratifiedKFold(folds, shuffle=True, random_state=1).split(texts, labels):
        predicted_rows = fit_predict([texts[i] for i in train_rows], [labels[i] for i in train_rows],
                                     [texts[i] for i in test_rows])
        for i, predicted in zip(test_rows, predicted_rows, strict=True):
            if labels[i] in answers:
                total[labels[i]] += 1
                hits[labels[i]] += predicted == labels[i]
    print(f"\n== cross-validated on data/nlu ({folds} folds), sub-answer right, among all sub-answers")
    for answer in sorted(answers):
        if total[answer]:
            print(f"{answer:<34} {hits[answer]:>3}/{total[answer]}")
    print(f"{'all':<34} {sum(hits.values()) / sum(total.values()):.3f} ({sum(hits.values())}/{sum(total.values())})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, help="an NLU model to test instead of training one")
    args = parser.parse_args()
    cases = yaml.safe_load(HELDOUT.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as scratch:
        model = args.model or train(ROOT / "config.yml", Path(scratch))
        parses = asyncio.run(parse_all(model, [c["text"] for c in cases]))
    report(cases, parses)
    cross_validated({c["answer"] for c in cases})


if __name__ == "__main__":
    main()

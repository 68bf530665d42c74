"""The redactor on its three corpora (tests/data/): precision and recall per kind of personal data,
how many strings that must survive do (`keep:`), and the time it takes per message.

The tuning corpus is what the rules were built on; the two held-out corpora were written by
others without seeing the rules. A benchmark: it prints figures and never fails on them (the
targets are in tests/test_redactor.py). Runs in .venv: `.venv/bin/python bench/redaction_eval.py`.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from support.redaction_scoring import load, score  # noqa: E402

from bot.privacy.redactor import Redactor  # noqa: E402

CORPORA = ["redaction_corpus.yml", "redaction_heldout.yml", "redaction_heldout_2026-12.yml",
           "redaction_heldout_fresh.yml"]
TIMING_ROUNDS = 5


def per_message_ms(redactor: Redactor, texts: list[str]) -> float:
    """Median over a few rounds of the time per message, after one warm-up round."""
    for text in texts:
        redactor.redact(text)
    rounds = []
    for _ in range(TIMING_ROUNDS):
        started = time.perf_counter()
        for text in texts:
            redactor.redact(text)
        rounds.append((time.perf_counter() - started) / len(texts) * 1000)
    return statistics.median(rounds)


def main() -> None:
    started = time.perf_counter()
    redactor = Redactor()
    print(f"redactor built in {time.perf_counter() - started:.2f} s (once per process)")
    texts: list[str] = []
    for corpus in CORPORA:
        if not (ROOT / "tests" / "data" / corpus).exists():
            print(f"\n== {corpus}: not there")
            continue
        items = load(corpus)
        texts += [item["text"] for item in items]
        result = score(redactor, items)
        print(f"\n== {corpus}: {result.messages} messages")
        print(f"all kinds   precision {result.precision():.3f}  recall {result.recall():.3f}  "
              f"keep-survival {result.keep_survival():.3f} ({result.kept}/{result.keep_total})")
        for kind in result.kinds():
            found = result.true_positives[kind] + result.false_negatives[kind]
            print(f"{kind:<11} precision {result.precision(kind):.3f}  recall {result.recall(kind):.3f}"
                  f"  ({found} labelled, {result.false_positives[kind]} false)")
        for miss in result.misses:
            print(f"  {miss}")
    print(f"\nper message: {per_message_ms(redactor, texts):.3f} ms (median of {TIMING_ROUNDS} rounds "
          f"over {len(texts)} messages)")


if __name__ == "__main__":
    main()

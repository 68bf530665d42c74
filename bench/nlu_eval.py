"""`make eval`: cross-validated NLU figures, and the tokenizer comparison config.yml rests on.

Runs `rasa test nlu --cross-validation` for config.yml (spaCy Dutch tokenizer with lemma lookups)
and for the same pipeline with Rasa's whitespace tokenizer, then prints per-intent precision,
recall and F1, macro-F1, crisis recall and the subtopic (ResponseSelector) macro-F1 of each.
A benchmark, not a test: it prints figures and never fails on them.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"


def whitespace_variant(config: dict) -> dict:
    variant = dict(config)
    pipeline = [step for step in config["pipeline"] if step["name"] not in ("SpacyNLP", "SpacyTokenizer")]
    variant["pipeline"] = [{"name": "WhitespaceTokenizer"}] + pipeline
    return variant


def training_data(out: Path) -> Path:
    """data/nlu plus the response declarations the ResponseSelector evaluation looks up."""
    data = out / "nlu"
    shutil.rmtree(data, ignore_errors=True)
    shutil.copytree(ROOT / "data" / "nlu", data)
    shutil.copy(ROOT / ".build" / "rasa" / "responses.yml", data / "responses.yml")
    return data


def cross_validate(name: str, config: dict, folds: int, out: Path) -> tuple[dict, dict, float]:
    config_path = out / f"{name}.yml"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    started = time.monotonic()
    subprocess.run(
        [str(RASA), "test", "nlu", "--nlu", str(training_data(out)), "--config", str(config_path),
         "--cross-validation", "--folds", str(folds), "--out", str(out / name)],
        cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    elapsed = time.monotonic() - started
    intents = json.loads((out / name / "intent_report.json").read_text())
    responses_path = out / name / "response_selection_report.json"
    responses = json.loads(responses_path.read_text()) if responses_path.exists() else {}
    return intents, responses, elapsed


def print_report(name: str, intents: dict, responses: dict, elapsed: float) -> None:
    print(f"\n== {name}: {elapsed / 60:.1f} min for the cross-validation")
    print(f"{'intent':<22}{'precision':>10}{'recall':>10}{'f1':>8}{'support':>9}")
    for intent, row in sorted(intents.items()):
        if isinstance(row, dict) and "support" in row and intent not in ("macro avg", "weighted avg", "micro avg"):
            print(f"{intent:<22}{row['precision']:>10.3f}{row['recall']:>10.3f}{row['f1-score']:>8.3f}{row['support']:>9}")
    print(f"macro-F1 (intents):   {intents['macro avg']['f1-score']:.3f}")
    print(f"crisis recall:        {intents.get('crisis', {}).get('recall', float('nan')):.3f}")
    if "macro avg" in responses:
        print(f"macro-F1 (subtopics): {responses['macro avg']['f1-score']:.3f}")
        weak = sorted((r["f1-score"], k) for k, r in responses.items()
                      if isinstance(r, dict) and "support" in r and "avg" not in k)[:5]
        print("weakest subtopics:    " + ", ".join(f"{k} {f:.2f}" for f, k in weak))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--only", choices=["spacy", "whitespace"], default=None)
    args = parser.parse_args()
    config = yaml.safe_load((ROOT / "config.yml").read_text())
    variants = {"spacy": config, "whitespace": whitespace_variant(config)}
    out = ROOT / "results" / "eval"
    out.mkdir(parents=True, exist_ok=True)
    scores = {}
    for name, variant in variants.items():
        if args.only and name != args.only:
            continue
        intents, responses, elapsed = cross_validate(name, variant, args.folds, out)
        print_report(name, intents, responses, elapsed)
        scores[name] = intents["macro avg"]["f1-score"]
    if len(scores) == 2:
        print(f"\nspaCy tokenizer vs whitespace: macro-F1 {scores['spacy']:.3f} vs {scores['whitespace']:.3f} "
              f"(ratio {scores['spacy'] / scores['whitespace']:.3f})")
    sys.stdout.flush()


if __name__ == "__main__":
    main()

"""`make eval`: cross-validated NLU figures, the tokenizer comparison config.yml rests on, and a
held-out check.

Runs `rasa test nlu --cross-validation` for config.yml (Rasa's whitespace tokenizer) and for the
same pipeline with a blank Dutch spaCy tokenizer with lemma lookups (rasa_ext/spacy_nl.py), then
prints per-intent precision, recall and F1, macro-F1, crisis recall and the subtopic
(ResponseSelector) macro-F1 of each.
Then it trains config.yml on all of data/nlu and tests it on bench/heldout_nlu.yml: messages
written by someone who never saw the training data, the closest we have to real users.
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


def spacy_variant(config: dict) -> dict:
    variant = dict(config)
    pipeline = [step for step in config["pipeline"] if step["name"] != "WhitespaceTokenizer"]
    spacy = [{"name": "SpacyNLP", "model": str(ROOT / ".build" / "spacy-nl")}, {"name": "SpacyTokenizer"}]
    variant["pipeline"] = spacy + pipeline
    return variant


# The pipeline LinearClassifier replaced, kept measurable: `bench/nlu_eval.py --only diet`.
DIET_STEPS = [
    {"name": "LexicalSyntacticFeaturizer"},
    {"name": "CountVectorsFeaturizer"},
    {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 2, "max_ngram": 4, "max_features": 15000},
    {"name": "DIETClassifier", "epochs": 60, "number_of_transformer_layers": 1, "transformer_size": 128,
     "entity_recognition": False, "constrain_similarities": True, "random_seed": 1},
    {"name": "ResponseSelector", "epochs": 60, "constrain_similarities": True, "ranking_length": 0,
     "dense_dimension": {"text": 128, "label": 32}, "concat_dimension": {"text": 128, "label": 32},
     "random_seed": 1},
]


def diet_variant(config: dict) -> dict:
    variant = dict(config)
    pipeline = []
    for step in config["pipeline"]:
        pipeline += DIET_STEPS if step["name"].endswith("LinearClassifier") else [step]
    variant["pipeline"] = pipeline
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


def held_out(config: dict, out: Path) -> tuple[dict, dict, float]:
    """Trains on all training data and tests on the held-out messages."""
    config_path = out / "heldout-config.yml"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    started = time.monotonic()
    quiet = {"cwd": ROOT, "check": True, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    subprocess.run(
        [str(RASA), "train", "nlu", "--nlu", str(training_data(out)), "--config", str(config_path),
         "--out", str(out / "heldout-model"), "--fixed-model-name", "nlu"], **quiet,
    )
    subprocess.run(
        [str(RASA), "test", "nlu", "--nlu", str(ROOT / "bench" / "heldout_nlu.yml"),
         "--model", str(out / "heldout-model" / "nlu.tar.gz"), "--out", str(out / "heldout")], **quiet,
    )
    elapsed = time.monotonic() - started
    return json.loads((out / "heldout" / "intent_report.json").read_text()), {}, elapsed


def print_report(name: str, intents: dict, responses: dict, elapsed: float) -> None:
    print(f"\n== {name}: {elapsed / 60:.1f} min")
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
    parser.add_argument("--only", choices=["whitespace", "spacy", "diet", "heldout"], default=None,
                        help="one part only; 'diet' (the replaced DIET pipeline, ~1 h) runs only when asked")
    args = parser.parse_args()
    config = yaml.safe_load((ROOT / "config.yml").read_text())
    variants = {"whitespace": config, "spacy": spacy_variant(config), "diet": diet_variant(config)}
    out = ROOT / "results" / "eval"
    out.mkdir(parents=True, exist_ok=True)
    scores = {}
    for name in [args.only] if args.only else ["whitespace", "spacy"]:
        if name not in variants:
            continue
        variant = variants[name]
        intents, responses, elapsed = cross_validate(name, variant, args.folds, out)
        print_report(name, intents, responses, elapsed)
        scores[name] = intents["macro avg"]["f1-score"]
    if len(scores) == 2:
        print(f"\nwhitespace tokenizer vs spaCy: macro-F1 {scores['whitespace']:.3f} vs {scores['spacy']:.3f} "
              f"(ratio {scores['whitespace'] / scores['spacy']:.3f})")
    if args.only in (None, "heldout"):
        print_report("held-out messages (trained on all of data/nlu)", *held_out(config, out))
    sys.stdout.flush()


if __name__ == "__main__":
    main()

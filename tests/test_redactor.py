"""The redactor against two corpora of chat messages (tests/data/): every kind of personal data
found, public helplines and sites left alone. Prints precision and recall for the closing note."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.privacy.redactor import PLACEHOLDERS, Redactor, bsn_is_valid, iban_is_valid

DATA = Path(__file__).resolve().parent / "data"
REDACTOR = Redactor()
# Issue 3's targets; the tuning corpus and the held-out one (written separately) must both meet them.
MIN_RECALL, MIN_PRECISION = 0.98, 0.95


def score(corpus: list[dict]) -> tuple[float, float, list[str]]:
    true_positives = false_positives = false_negatives = 0
    misses = []
    for item in corpus:
        text = item["text"]
        expected = [(p["type"], text.index(p["value"]), text.index(p["value"]) + len(p["value"]))
                    for p in item["pii"]]
        found = [(f.kind, f.start, f.end) for f in REDACTOR.find(text)]

        def overlaps(a, pool):
            return any(a[0] == b[0] and a[1] < b[2] and b[1] < a[2] for b in pool)

        for finding in found:
            if overlaps(finding, expected):
                true_positives += 1
            else:
                false_positives += 1
                misses.append(f"false {finding[0]}: {text!r}")
        for wanted in expected:
            if not overlaps(wanted, found):
                false_negatives += 1
                misses.append(f"missed {wanted[0]}: {text!r}")
    precision = true_positives / max(1, true_positives + false_positives)
    recall = true_positives / max(1, true_positives + false_negatives)
    return precision, recall, misses


@pytest.mark.parametrize("corpus", ["redaction_corpus.yml", "redaction_heldout.yml"])
def test_redactor_meets_precision_and_recall_targets(corpus):
    items = yaml.safe_load((DATA / corpus).read_text(encoding="utf-8"))
    assert len(items) >= 150
    precision, recall, misses = score(items)
    print(f"\n{corpus}: {len(items)} messages, precision {precision:.3f}, recall {recall:.3f}")
    assert recall >= MIN_RECALL and precision >= MIN_PRECISION, "\n".join(misses)


def test_placeholders_keep_the_sentence_readable():
    text = REDACTOR.redact("bel me op 06-12345678 of mail kim@example.com, ik woon 1012 AB 5")
    assert text == (f"bel me op {PLACEHOLDERS['phone']} of mail {PLACEHOLDERS['email']}, "
                    f"ik woon {PLACEHOLDERS['postcode']}")


@pytest.mark.parametrize("text", [
    "bel 112 of 113, of 0800-0113", "CoMensha: 033 448 11 86", "DigiD helpdesk 088-123 65 55",
    "kijk op werk.nl of rijksoverheid.nl", "in 2024 was het €1.219,64", "ik heb 1225 uur gewerkt",
    "dossiernummer 123456789", "",
])
def test_public_numbers_sites_and_amounts_pass_unchanged(text):
    assert REDACTOR.redact(text) == text


def test_checksums():
    assert bsn_is_valid("111222333") and not bsn_is_valid("123456789")
    assert iban_is_valid("NL91 ABNA 0417 1643 00") and not iban_is_valid("NL91 ABNA 0417 1643 01")

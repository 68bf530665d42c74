"""Scores the redactor on a corpus of labelled messages (tests/data/redaction_*.yml): precision and
recall per kind of personal data, and how many of the strings that must survive (`keep:`) do.

Shared by tests/test_redactor.py (the targets) and bench/redaction_eval.py (the figures).
"""
from __future__ import annotations

import collections
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.privacy.redactor import Redactor

DATA = Path(__file__).resolve().parents[1] / "data"
# Corpora written by different people name the kinds differently; a street with its number and
# a postcode are one kind here, as either one locates a home.
KINDS = {
    "phone": "phone", "email": "email", "e-mail": "email", "iban": "iban", "bsn": "bsn",
    "postcode": "address", "address": "address", "adres": "address", "street": "address",
    "name": "name", "person": "name", "naam": "name", "url": "url", "link": "url", "handle": "handle",
}


@dataclass
class Score:
    true_positives: collections.Counter = field(default_factory=collections.Counter)
    false_positives: collections.Counter = field(default_factory=collections.Counter)
    false_negatives: collections.Counter = field(default_factory=collections.Counter)
    kept: int = 0
    keep_total: int = 0
    messages: int = 0
    misses: list[str] = field(default_factory=list)

    def precision(self, kind: str | None = None) -> float:
        tp, fp = self._count(self.true_positives, kind), self._count(self.false_positives, kind)
        return tp / (tp + fp) if tp + fp else 1.0

    def recall(self, kind: str | None = None) -> float:
        tp, fn = self._count(self.true_positives, kind), self._count(self.false_negatives, kind)
        return tp / (tp + fn) if tp + fn else 1.0

    def keep_survival(self) -> float:
        return self.kept / self.keep_total if self.keep_total else 1.0

    def kinds(self) -> list[str]:
        return sorted(set(self.true_positives) | set(self.false_positives) | set(self.false_negatives))

    @staticmethod
    def _count(counter: collections.Counter, kind: str | None) -> int:
        return sum(counter.values()) if kind is None else counter[kind]


def load(corpus: str) -> list[dict[str, Any]]:
    return yaml.safe_load((DATA / corpus).read_text(encoding="utf-8"))


def score(redactor: Redactor, items: list[dict[str, Any]]) -> Score:
    result = Score(messages=len(items))
    for item in items:
        text = item["text"]
        expected = []
        for pii in item.get("pii") or []:
            start = text.index(pii["value"])
            expected.append((KINDS.get(pii["type"], pii["type"]), start, start + len(pii["value"])))
        found = [(KINDS[f.kind], f.start, f.end) for f in redactor.find(text)]

        def overlaps(a: tuple[str, int, int], pool: list[tuple[str, int, int]]) -> bool:
            return any(a[0] == b[0] and a[1] < b[2] and b[1] < a[2] for b in pool)

        for finding in found:
            if overlaps(finding, expected):
                result.true_positives[finding[0]] += 1
            else:
                result.false_positives[finding[0]] += 1
                result.misses.append(f"false {finding[0]} {text[finding[1]:finding[2]]!r}: {text!r}")
        for wanted in expected:
            if not overlaps(wanted, found):
                result.false_negatives[wanted[0]] += 1
                result.misses.append(f"missed {wanted[0]} {text[wanted[1]:wanted[2]]!r}: {text!r}")
        for keep in item.get("keep") or []:
            start = text.find(keep)
            result.keep_total += 1
            if start >= 0 and not any(f[1] < start + len(keep) and start < f[2] for f in found):
                result.kept += 1
            else:
                result.misses.append(f"lost {keep!r}: {text!r}")
    return result

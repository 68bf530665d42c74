"""What a redaction rule found: a kind of personal data and where it is in the text.

Shared by the rules in bot/privacy/; holds no text, only offsets.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    kind: str
    start: int  # character offsets in the original text
    end: int

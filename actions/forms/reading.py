"""Reading a typed or pressed answer, in Dutch and English: words without accents, whether a
short answer stops or skips the question, and whether it says a phrase of a word list.

Small word lists, no model: a button sends the same words a person would type. The handover's
and the checks' readers are built from these. Never logs text.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

SKIP = "skip"
CANCEL = "cancel"
# "Stop" and "skip" end or pass a question only in a short answer: "ik wil stoppen met sekswerk
# en weet niet hoe" answers nothing, it is a new question.
MAX_CONTROL_WORDS = 5

CANCEL_WORDS = ("stop", "stoppen", "stop maar", "annuleer", "annuleren", "laat maar",
                "hou op", "niet verder", "cancel", "never mind", "nevermind", "forget it", "quit")
SKIP_WORDS = ("overslaan", "sla over", "sla maar over", "skip", "liever niet", "zeg ik liever niet",
              "weet ik niet", "weet niet", "geen idee", "rather not", "dont know", "do not know",
              "no idea", "pass")
NEGATIONS = ("nee", "neen", "niet", "geen", "nooit", "no", "not", "dont", "never")
YES_WORDS = ("ja", "jawel", "jazeker", "ok", "oke", "okay", "prima", "goed", "mag", "akkoord",
             "graag", "natuurlijk", "tuurlijk", "yes", "yep", "yeah", "sure", "fine", "agree",
             "of course")


def words(text: str) -> List[str]:
    """Lower-case words without accents or punctuation: "'s Avonds!" -> ["s", "avonds"]."""
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("'", "").replace("’", ""))
    return re.findall(r"\w+", "".join(c for c in decomposed if not unicodedata.combining(c)))


def position(tokens: Sequence[str], phrases: Iterable[str]) -> Optional[int]:
    """Where the earliest of the phrases (each one or more words) starts, or None."""
    starts = []
    for phrase in phrases:
        wanted = phrase.split()
        starts += [start for start in range(len(tokens) - len(wanted) + 1)
                   if list(tokens[start:start + len(wanted)]) == wanted][:1]
    return min(starts) if starts else None


def says(tokens: Sequence[str], phrases: Iterable[str]) -> bool:
    """The tokens contain one of the phrases, as whole words."""
    return position(tokens, phrases) is not None


def named(tokens: Sequence[str], options: Dict[str, Tuple[str, ...]]) -> List[str]:
    """The options the tokens name, in the order they are named."""
    found = [(position(tokens, phrases), value) for value, phrases in options.items()]
    return [value for where, value in sorted((p, v) for p, v in found if p is not None)]


def control(text: str) -> Optional[str]:
    """CANCEL or SKIP when a short answer says so, else None."""
    tokens = words(text)
    if not tokens or len(tokens) > MAX_CONTROL_WORDS:
        return None
    if says(tokens, CANCEL_WORDS):
        return CANCEL
    if says(tokens, SKIP_WORDS):
        return SKIP
    return None


def refuses(text: str) -> bool:
    """A short "no": for the gemeente or the number, a way of not answering."""
    tokens = words(text)
    return 0 < len(tokens) <= MAX_CONTROL_WORDS and says(tokens, NEGATIONS)

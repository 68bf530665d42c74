"""Builds the blank Dutch spaCy pipeline (tokenizer + lookup lemmatizer) that config.yml loads.

Nothing is downloaded: the lemma tables ship in the spacy-lookups-data package. Rasa's SpacyNLP
loads a pipeline only by path, so it is saved to disk.
"""
from __future__ import annotations

import sys
from pathlib import Path

import spacy


def build(target: Path) -> None:
    nlp = spacy.blank("nl")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    nlp.to_disk(target)


if __name__ == "__main__":
    build(Path(sys.argv[1]))

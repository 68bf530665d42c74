"""Where the project, Rasa's interpreter and the trained model are."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
MODEL = ROOT / "models" / "current.tar.gz"
# What tests write for people to look at (screenshots): outside git, like Rasa's test results.
RESULTS = ROOT / "results"

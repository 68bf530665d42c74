"""`make bench`'s flood benchmark (bench/crisis_under_load.py) runs and prints its figures; here on a
tiny input and never against a running stack. The figures themselves are for `make bench`: no
timing is asserted here."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow  # starts a bot service and floods it
def test_the_flood_benchmark_prints_the_crisis_and_ordinary_figures():
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "crisis_under_load.py"), "--ordinary", "8",
                          "--crises", "3", "--rasa-seconds", "0.05", "0.1", "--no-stack"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    for name, count in (("crisis phrase", 3), ("ordinary message", 8)):
        assert re.search(rf"{name}\s+n=\s*{count}\s+p50\s+\d+ ms\s+p99\s+\d+ ms", run.stdout), run.stdout
    assert "crisis replies with the safety answer first: 3/3" in run.stdout
    assert "ordinary replies: answered 8" in run.stdout

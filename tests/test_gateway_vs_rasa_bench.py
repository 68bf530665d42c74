"""`make bench`'s comparison of the gateway with bare Rasa (bench/gateway_vs_rasa.py) runs and prints
its figures; here on a tiny input (one level, a few seconds per path). The figures themselves are
for `make bench`: no timing is asserted here."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow  # starts the whole stack, Rasa included
def test_the_gateway_benchmark_prints_both_paths_their_ratio_and_the_memory():
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "gateway_vs_rasa.py"), "--tiny"],
                         cwd=ROOT, capture_output=True, text=True, timeout=400)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    for path in ("gateway", "rasa"):
        found = re.search(rf"^\s+2 {path}\s+(\d+)\s+[\d.]+(\s+\d+){{3}}\s+0\s+0$", run.stdout, re.MULTILINE)
        assert found and int(found.group(1)) > 0, run.stdout
    assert re.search(r"ratio gateway/rasa: p50 [\d.]+\s+p95 [\d.]+\s+p99 [\d.]+\s+msg/s [\d.]+", run.stdout)
    assert re.search(r"peak memory \(VmHWM\), MB:\s+bot \d+\s+actions \d+\s+rasa \d+\s+stack \d+", run.stdout)
    figures = json.loads((ROOT / "results" / "gateway-vs-rasa-tiny.json").read_text())
    assert figures["memory"]["rasa"]["peak_mb"] > 0
    assert [level["users"] for level in figures["levels"]] == [2]

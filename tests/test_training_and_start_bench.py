"""`make bench`'s training and start-up benchmark (bench/training_and_start.py) runs and prints its
figures; here with --tiny: no training, one start-up of the real stack from the trained model. The
figures themselves are for `make bench`: no timing or memory figure is asserted here."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow  # starts Rasa, the action server, the bot service and the retrain worker
def test_the_start_up_benchmark_prints_the_time_to_ready_and_each_process_memory():
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "training_and_start.py"), "--tiny"],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    out = run.stdout
    assert "full rasa train from scratch: skipped (--tiny)" in out
    assert re.search(r"start-up to /readyz 200 \(1 run\): median \d+\.\d s", out), out
    for part in ("bot service", "Rasa", "action server", "retrain worker"):
        # Every part was running when measured: a process with a resident size.
        assert re.search(rf"  {part}\s+[1-9]\d* process(es)?\s+VmRSS\s+[1-9]\d*\s+VmHWM\s+[1-9]\d*", out), out
    assert re.search(r"whole stack\s+VmRSS\s+\d+\s+VmHWM\s+\d+\s+target VmHWM <= 1536 MiB \(1\.5 GiB\): (met|missed)",
                     out), out

"""`make bench`'s benchmarks that need no Rasa (bench/nlg_latency.py, bench/relay_latency.py,
bench/redaction_eval.py) run and print every figure; the latency ones here on a few requests each.
The figures themselves are for `make bench`: no timing or score is asserted here."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MS = r"\d+\.\d\d ms"


def bench(script: str, *args: str) -> str:
    run = subprocess.run([sys.executable, str(ROOT / "bench" / script), *args], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout


def test_the_nlg_benchmark_prints_latency_against_its_target_and_requests_per_second():
    out = bench("nlg_latency.py", "--requests", "40")
    assert "40 sequential requests over loopback" in out
    for name in ("baseline /healthz", "NLG /nlg", "NLG while publishing"):
        assert re.search(rf"{name}\s+p50\s+{MS}\s+p99\s+{MS}", out), out
    assert re.search(rf"NLG /nlg p99 {MS} against the target p99 < 5 ms: (met|missed)", out), out
    assert re.search(r"NLG /nlg throughput, 10 requests in flight: [1-9]\d* requests per second", out), out


def test_the_relay_benchmark_prints_both_directions_of_a_live_handover():
    out = bench("relay_latency.py", "--messages", "5")
    assert "live handover relay, 5 messages each way" in out
    for name in ("baseline GET /healthz", "worker -> user widget", "user widget -> worker"):
        assert re.search(rf"{name}\s+p50\s+{MS}\s+p99\s+{MS}", out), out


def test_the_redaction_benchmark_prints_precision_and_recall_for_every_corpus():
    out = bench("redaction_eval.py")
    for corpus in ("redaction_corpus.yml", "redaction_heldout.yml"):
        assert re.search(rf"== {corpus}: [1-9]\d* messages\nall kinds\s+precision \d\.\d{{3}}\s+recall \d\.\d{{3}}",
                         out), out
    assert re.search(r"per message: \d+\.\d{3} ms", out), out

"""`make bench`: what a second replica of every part buys. One run starts `bot cluster --replicas 1`
(one gateway, one Rasa, one action server behind HAProxy), loads it, stops it, then does the same
with `--replicas 2`, both on one private PostgreSQL and Redis (fresh databases each), never the
machine's shared servers.

The load: N users at once (10 and 50), each going through a scripted conversation on the public
door's REST channel and starting a new one at the end, with no pause between a reply and the next
message (a closed loop). Per configuration and N: messages Rasa answered per second, their
p50/p95/p99 latency, "try again" answers (the gateway's flood guard or a failing Rasa) and errors
(must be 0: the run fails), and CPU per message: the CPU time of every process of the cluster (by
session, so Rasa's own subprocesses count) and of the private PostgreSQL and Redis over the
measured window, divided by the messages answered in it, split by part. On a small machine
the throughput gain is capped by its cores; CPU per message is what predicts a bigger one.
Figures go to results/cluster-bench.json (--tiny: results/cluster-bench-tiny.json), the clusters'
logs to results/cluster-bench-<N>-replicas.log.

    .venv/bin/python bench/cluster_throughput.py [--seconds 30] [--concurrency 10,50] [--replicas 1,2] [--tiny]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
# The private PostgreSQL and Redis and `bot cluster` on free ports are the fault tests' helpers
# (tests/support/cluster.py): one copy, so the cluster measured here is the one the tests prove.
# tests/ is not a package the bot installs, hence the path.
sys.path.insert(0, str(ROOT / "tests"))

from bot.content.files import parse_entries, read_content_dir  # noqa: E402
from service import percentile  # noqa: E402
from support.cluster import Cluster, PrivatePostgres, start_cluster, stop_cluster  # noqa: E402
from support.redis_server import PrivateRedis  # noqa: E402

ANSWERS = parse_entries(read_content_dir(ROOT / "data" / "content"))
TRY_AGAIN = {ANSWERS["utter_service_unavailable"].variants[language].text for language in ("nl", "en")}
TAP_A_BUTTON = object()
# A user who greets, asks in Dutch, taps a button of the welcome, asks in English, says they want
# to stop, types something the assistant cannot place, and says thanks. No handover: its form
# would make the conversation a different workload (the fault tests cover it).
SCRIPT: list[object] = ["hallo", "kan ik bijstand krijgen", TAP_A_BUTTON, "how do I find a place to live",
                        "ik heb schulden", "ik wil stoppen", "paarse olifanten fietsen naar de maan",
                        "dank je wel"]
# Buttons that start the handover form or switch the language are left to other benchmarks.
UNTAPPED = ("/request_handover", "/change_language")
FALLBACK_BUTTON = "/ask_capabilities"
TIMEOUT = aiohttp.ClientTimeout(total=60)
TICKS = os.sysconf("SC_CLK_TCK")
PARTS = ("bot", "rasa", "actions", "haproxy", "postgres", "redis", "other")
OUTPUT = ROOT / "results"
# A warning or error line of the bot service (bot/cli.py's format: time, level, logger, event, and
# the reason a rasa_unavailable gives) or of Rasa (its logger only: the rest is free text).
LOG_WARNING = re.compile(r"^\S+ \S+ (WARNING|ERROR)\s+((?:bot|channels|rasa\w*|sanic)[\w.]*)"
                         r"(?: ([a-z_]+)(?= |$))?(?:.*? (reason=.*))?$", re.MULTILINE)


@dataclass
class Sample:
    finished: float
    seconds: float
    outcome: str  # "reply", "try_again" or the error


@dataclass
class Load:
    samples: list[Sample] = field(default_factory=list)
    starts: int = 0
    taps: Counter[str] = field(default_factory=Counter)
    # Which scripted message got a "try again" answer (the script's text, no user's).
    try_again_after: Counter[str] = field(default_factory=Counter)

    def record(self, started: float, outcome: str) -> None:
        now = time.monotonic()
        self.samples.append(Sample(now, now - started, outcome))


async def _start(session: aiohttp.ClientSession, base: str, load: Load) -> str | None:
    started = time.monotonic()
    try:
        async with session.post(f"{base}/api/v1/chat/start", timeout=TIMEOUT) as response:
            if response.status == 200:
                load.starts += 1
                return (await response.json())["sender"]
            load.record(started, f"start status {response.status}")
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError, KeyError) as error:
        load.record(started, f"start {type(error).__name__}")
    return None


async def _say(session: aiohttp.ClientSession, base: str, sender: str, message: str, load: Load) -> list[dict]:
    started = time.monotonic()
    try:
        async with session.post(f"{base}/api/v1/chat", json={"sender": sender, "message": message},
                                timeout=TIMEOUT) as response:
            body = await response.json(content_type=None)
            status = response.status
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
        load.record(started, type(error).__name__)
        return []
    if not (isinstance(body, list) and body and all(isinstance(m, dict) and m.get("text") for m in body)):
        load.record(started, f"status {status}")
        return []
    if any(m["text"] in TRY_AGAIN for m in body):
        load.record(started, "try_again")
        load.try_again_after[message] += 1
    else:
        load.record(started, "reply")
    return body


def _tap(replies: list[dict], number: int) -> str:
    """A button of the greeting, a different one for each conversation, as users tap different ones."""
    payloads = [button["payload"] for message in replies for button in message.get("buttons") or []
                if not str(button.get("payload", "")).startswith(UNTAPPED)]
    return payloads[number % len(payloads)] if payloads else FALLBACK_BUTTON


async def user(session: aiohttp.ClientSession, base: str, load: Load, stop: asyncio.Event, number: int,
               conversations: int | None = None) -> None:
    """Conversation after conversation until `stop` (or `conversations` of them, for the warm-up)."""
    done = 0
    while not stop.is_set() and (conversations is None or done < conversations):
        sender = await _start(session, base, load)
        if sender is None:
            await asyncio.sleep(0.2)  # an error is counted; do not spin on a door that is down
            continue
        greeting: list[dict] = []
        for step in SCRIPT:
            if stop.is_set():
                return
            message = _tap(greeting, number + done) if step is TAP_A_BUTTON else str(step)
            if step is TAP_A_BUTTON:
                load.taps[message] += 1
            replies = await _say(session, base, sender, message, load)
            if step == SCRIPT[0]:
                greeting = replies
        done += 1


# --- CPU ------------------------------------------------------------------------------------------

def _stat(pid: int) -> tuple[int, int, int] | None:
    """(parent pid, session id, CPU ticks of the process and of its children it has reaped)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses; the rest follows the last ")".
    rest = text[text.rindex(")") + 2:].split()
    ppid, session = int(rest[1]), int(rest[3])
    # utime + stime (fields 14, 15), and cutime + cstime (16, 17): a process that ends within the
    # window (a PostgreSQL backend, a Rasa worker) leaves its CPU time to the parent that reaps it.
    return ppid, session, sum(int(value) for value in rest[11:15])


def _part(name: str) -> str:
    for part in ("bot", "rasa", "actions", "haproxy"):
        if name.startswith(part):
            return part
    return "other"  # the retrain worker and `bot cluster` itself


def cpu_seconds(cluster: Cluster, postgres: PrivatePostgres, redis: PrivateRedis) -> dict[str, float]:
    """CPU seconds used so far, by part, by every process of the cluster and its PostgreSQL and Redis."""
    sessions = {pid: _part(name) for name, pid in cluster.pids().items()}
    sessions[cluster.process.pid] = "other"
    postmaster = int((postgres.dir / "data" / "postmaster.pid").read_text().split()[0])
    assert redis.process is not None
    found = dict.fromkeys(PARTS, 0.0)
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or (stat := _stat(int(entry))) is None:
            continue
        pid, (ppid, session, ticks) = int(entry), stat
        if session in sessions:
            part = sessions[session]
        elif pid == postmaster or ppid == postmaster:
            part = "postgres"
        elif pid == redis.process.pid:
            part = "redis"
        else:
            continue
        found[part] += ticks / TICKS
    return found


def machine_busy_seconds() -> float:
    """CPU seconds every core of the machine has been busy (not idle, not waiting for disk)."""
    values = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / TICKS


def own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


# --- one level ------------------------------------------------------------------------------------

async def measure(cluster: Cluster, postgres: PrivatePostgres, redis: PrivateRedis, concurrency: int,
                  ramp: float, seconds: float) -> dict:
    """`concurrency` users for `ramp` + `seconds`; the figures are of the last `seconds` only."""
    load, stop = Load(), asyncio.Event()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        users = [asyncio.create_task(user(session, cluster.public, load, stop, number))
                 for number in range(concurrency)]
        await asyncio.sleep(ramp)
        cpu_before, machine_before, own_before = (cpu_seconds(cluster, postgres, redis), machine_busy_seconds(),
                                                  own_cpu_seconds())
        opened = time.monotonic()
        await asyncio.sleep(seconds)
        closed = time.monotonic()
        cpu_after, machine_after, own_after = (cpu_seconds(cluster, postgres, redis), machine_busy_seconds(),
                                               own_cpu_seconds())
        stop.set()
        await asyncio.gather(*users)
    window = [sample for sample in load.samples if opened <= sample.finished <= closed]
    # Answered by Rasa: a "try again" (the gateway's flood guard, or Rasa failing) is counted apart.
    replies = [sample for sample in window if sample.outcome == "reply"]
    latencies = [sample.seconds for sample in replies]
    errors = [sample.outcome for sample in load.samples if sample.outcome not in ("reply", "try_again")]
    elapsed = closed - opened
    used = {part: cpu_after[part] - cpu_before[part] for part in PARTS}
    cluster_cpu = sum(used.values())
    per_message = {part: round(used[part] / len(replies) * 1000, 2) if replies else None for part in PARTS}
    return {
        "concurrency": concurrency, "window_seconds": round(elapsed, 2), "answered": len(replies),
        "messages_per_second": round(len(replies) / elapsed, 2),
        "p50_ms": _ms(latencies, 0.50), "p95_ms": _ms(latencies, 0.95), "p99_ms": _ms(latencies, 0.99),
        "try_again": sum(sample.outcome == "try_again" for sample in window),
        # Over the whole level, ramp included: any error is a finding.
        "errors": len(errors), "error_kinds": sorted(set(errors)),
        "cpu_ms_per_message": round(cluster_cpu / len(replies) * 1000, 2) if replies else None,
        "cpu_ms_per_message_by_part": per_message,
        "cluster_cores_busy": round(cluster_cpu / elapsed, 2),
        "load_generator_cores_busy": round((own_after - own_before) / elapsed, 2),
        # Everything else on the machine in the window (other people's work shares the cores).
        # (+ 0.0: a rounded -0.0, two clocks read a moment apart, prints as 0.0)
        "other_processes_cores_busy": round(((machine_after - machine_before) - cluster_cpu
                                             - (own_after - own_before)) / elapsed, 2) + 0.0,
        "load_average": os.getloadavg()[0],
        # Which buttons the users tapped (payloads of the greeting's buttons, or the fallback).
        "buttons_tapped": dict(load.taps),
        "try_again_after": dict(load.try_again_after),
    }


def _ms(samples: list[float], fraction: float) -> int | None:
    return round(percentile(samples, fraction) * 1000) if samples else None


async def warm_up(cluster: Cluster, conversations: int) -> int:
    """A few whole conversations, not counted (Rasa's first turns load lazily); returns the errors."""
    load, stop = Load(), asyncio.Event()
    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(user(session, cluster.public, load, stop, number, conversations=1)
                               for number in range(conversations)))
    return sum(sample.outcome not in ("reply", "try_again") for sample in load.samples)


def warnings_in(log: str) -> dict[str, int]:
    """How often each warning and error of the cluster's log came ("WARNING bot.gateway.gateway
    rasa_unavailable reason=TimeoutError"): a try-again answer says why here. Only event names,
    reasons and logger names are kept, never the rest of a line."""
    found: Counter[str] = Counter()
    for match in LOG_WARNING.finditer(log):
        found[" ".join(part for part in match.groups() if part)] += 1
    return dict(found.most_common())


def run_configuration(workdir: Path, postgres: PrivatePostgres, redis: PrivateRedis, replicas: int,
                      levels: list[int], ramp: float, seconds: float, warm: int) -> dict:
    print(f"==> bot cluster --replicas {replicas} ({'one' if replicas == 1 else replicas} of each part)", flush=True)
    own = workdir / f"cluster-{replicas}"
    own.mkdir()
    started = time.monotonic()
    cluster = start_cluster(own, postgres, redis, replicas=replicas,
                            database=f"bench_{replicas}_replicas")
    found: dict = {"replicas": replicas, "startup_seconds": round(time.monotonic() - started), "levels": {}}
    try:
        found["warm_up_errors"] = asyncio.run(warm_up(cluster, warm))
        for concurrency in levels:
            print(f"    {concurrency} users for {ramp:g} + {seconds:g} s", flush=True)
            found["levels"][str(concurrency)] = asyncio.run(measure(cluster, postgres, redis, concurrency,
                                                                    ramp, seconds))
    finally:
        log = cluster.log.read_text(errors="replace")
        found["log_warnings"] = warnings_in(log)
        # Kept for a look after the run (the temporary directory goes); results/ is not in git.
        OUTPUT.mkdir(exist_ok=True)
        (OUTPUT / f"cluster-bench-{replicas}-replicas.log").write_text(log, encoding="utf-8")
        stop_cluster(cluster)
        for leftover in (f"processes-{cluster.public_port}.json", f"haproxy-{cluster.public_port}.cfg",
                         cluster.log.name):
            (ROOT / "var" / "cluster" / leftover).unlink(missing_ok=True)
    return found


# --- report ---------------------------------------------------------------------------------------

def ratios(one: dict, two: dict) -> dict:
    found = {}
    for level, first in one["levels"].items():
        second = two["levels"].get(level)
        if second is None:
            continue
        found[level] = {key: round(second[key] / first[key], 2) if first[key] and second[key] else None
                        for key in ("messages_per_second", "p50_ms", "p95_ms", "p99_ms", "cpu_ms_per_message")}
    return found


def table(figures: dict) -> str:
    head = (f"{'replicas':>8} {'users':>5} {'msg/s':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'again':>5} "
            f"{'errors':>6} {'CPU ms/msg':>10} | " + " ".join(f"{part:>8}" for part in PARTS)
            + f" | {'cores':>5} {'others':>6}")
    lines = [head, "-" * len(head)]
    for configuration in figures["configurations"]:
        for level in configuration["levels"].values():
            parts = " ".join(f"{level['cpu_ms_per_message_by_part'][part] or 0:>8.1f}" for part in PARTS)
            lines.append(
                f"{configuration['replicas']:>8} {level['concurrency']:>5} {level['messages_per_second']:>6.1f} "
                f"{level['p50_ms'] or 0:>7} {level['p95_ms'] or 0:>7} {level['p99_ms'] or 0:>7} "
                f"{level['try_again']:>5} {level['errors']:>6} {level['cpu_ms_per_message'] or 0:>10.1f} | {parts}"
                f" | {level['cluster_cores_busy']:>5.2f} {level['other_processes_cores_busy']:>6.2f}")
    lines.append("")
    lines.append("second configuration / first:")
    for level, ratio in figures["ratios"].items():
        lines.append(f"  {level:>3} users: " + ", ".join(f"{key} x{value}" for key, value in ratio.items()))
    lines.append("cores: CPU the cluster used (PostgreSQL and Redis included), in cores; others: the rest of "
                 "the machine (other work on it)")
    return "\n".join(lines)


def machine() -> dict:
    memory_kb = int(next(line for line in Path("/proc/meminfo").read_text().splitlines()
                         if line.startswith("MemTotal")).split()[1])
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.machine())
    return {"cores": os.cpu_count(), "ram_gb": round(memory_kb / 1024 / 1024, 1), "cpu": model}


def uptime() -> str:
    """What `uptime` says of the load: other work on the machine shares its cores."""
    return f"{time.strftime('%H:%M:%S')} load average: " + ", ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30, help="measured seconds per level (default 30)")
    parser.add_argument("--concurrency", default=None,
                        help="users at once, comma-separated (default 10,50; with --tiny 10)")
    parser.add_argument("--replicas", default="1,2", help="the configurations, in this order (default 1,2)")
    parser.add_argument("--tiny", action="store_true",
                        help="a few seconds at 10 users: checks the benchmark runs, the figures mean little")
    args = parser.parse_args()
    levels = [int(value) for value in (args.concurrency or ("10" if args.tiny else "10,50")).split(",")]
    seconds, ramp, warm = (5.0, 2.0, 2) if args.tiny else (args.seconds, 5.0, 5)
    figures: dict = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": machine(),
                     "command": " ".join([".venv/bin/python", "bench/cluster_throughput.py", *sys.argv[1:]]),
                     "measured_seconds_per_level": seconds, "ramp_seconds": ramp, "warm_up_conversations": warm,
                     "script": [step if isinstance(step, str) else "<a button of the greeting>" for step in SCRIPT],
                     "uptime_before": uptime(), "configurations": []}
    print(figures["uptime_before"], flush=True)
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="cluster-bench-") as tmp:
        workdir = Path(tmp)
        postgres = PrivatePostgres()
        redis = PrivateRedis()
        try:
            for replicas in (int(value) for value in args.replicas.split(",")):
                figures["configurations"].append(run_configuration(workdir, postgres, redis, replicas, levels,
                                                                   ramp, seconds, warm))
        finally:
            redis.stop()
            postgres.remove()
    figures["uptime_after"] = uptime()
    figures["run_seconds"] = round(time.monotonic() - began)
    figures["ratios"] = ratios(*figures["configurations"]) if len(figures["configurations"]) == 2 else {}
    print(figures["uptime_after"])
    print(table(figures))
    OUTPUT.mkdir(exist_ok=True)
    target = OUTPUT / ("cluster-bench-tiny.json" if args.tiny else "cluster-bench.json")
    target.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(f"figures in {target.relative_to(ROOT)}; the whole run took {figures['run_seconds']} s")
    for configuration in figures["configurations"]:
        for level in configuration["levels"].values():
            if level["try_again"]:
                print(f"{configuration['replicas']} replicas, {level['concurrency']} users: {level['try_again']} "
                      f"try-again answers; why: {configuration['log_warnings']}")
    errors = [f"{c['replicas']} replicas: {c['warm_up_errors']} errors in the warm-up, "
              + ", ".join(f"{level['errors']} at {level['concurrency']} users" for level in c["levels"].values())
              for c in figures["configurations"]
              if c["warm_up_errors"] or any(level["errors"] for level in c["levels"].values())]
    if errors:
        sys.exit("\n".join(errors))


if __name__ == "__main__":
    main()

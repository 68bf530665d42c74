"""`make bench`: what the gateway costs, against bare Rasa, in the same run on the same stack.

Starts one real stack as the stack tests do (tests/support/stack.py: `bot db upgrade`, then the
bot service, the action server and Rasa with the trained model, on spare ports, SQLite in a temp
dir). The same scripted conversations then go (a) through the gateway's REST channel
(`/api/v1/chat/start`, then `/api/v1/chat`) and (b) straight to Rasa's token-protected channel
(`/webhooks/gateway/webhook`, a new sender per conversation): the same Rasa, NLG endpoint and
action server, so the difference is the gateway. Both paths take turns in short slices (ABBA), so
whatever else the machine does hits both alike. At each level N users go through the script with
no pause (a closed loop). Prints p50/p95/p99 and messages per second for both and the ratios, the
gateway's "try again" answers (its flood guard; counted apart, never as messages; only errors fail
the run), then the peak memory of each process of the stack. Figures go to results/gateway-vs-rasa.json, the
plot to results/ (or where --plot-to says), the stack's logs to results/gateway-vs-rasa-logs/.

    .venv/bin/python bench/gateway_vs_rasa.py [--seconds 30] [--concurrency 1,10,50] [--tiny]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
# One copy of "the stack as `make run` starts it": the stack tests' helper. tests/ is not a
# package the bot installs, hence the path.
sys.path.insert(0, str(ROOT / "tests"))

from bot.content.files import parse_entries, read_content_dir  # noqa: E402
from service import percentile  # noqa: E402
from support.stack import Stack, running_stack  # noqa: E402

ANSWERS = parse_entries(read_content_dir(ROOT / "data" / "content"))
# The gateway's answer when Rasa failed or was too slow: fast, so counted apart, never as a reply.
TRY_AGAIN = {ANSWERS["utter_service_unavailable"].variants[language].text for language in ("nl", "en")}
TAP_A_BUTTON = object()
# Greets, asks in Dutch, taps a topic button of the welcome, asks in English, starts the income
# check and stops it, types something the assistant cannot place, and asks for a person (the
# first step of the handover form; the conversation ends there).
SCRIPT: list[object] = ["hallo", "kan ik bijstand krijgen", TAP_A_BUTTON, "how do I find a place to live",
                        '/ask_benefits{"check": "income"}', "Stoppen",
                        "paarse olifanten fietsen naar de maan", "/request_handover"]
UNTAPPED = ("/request_handover", "/change_language", "/ask_capabilities")
FALLBACK_BUTTON = '/ask_benefits{"topic": "overview"}'
TIMEOUT = aiohttp.ClientTimeout(total=120)
PATHS = ("gateway", "rasa")
OUTPUT = ROOT / "results"
# Each path gets the level's time in slices of this many seconds, in turns.
SLICE_SECONDS = 10.0


@dataclass
class Load:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    try_again: int = 0
    measured_seconds: float = 0.0


class Door:
    """How one path starts a conversation and sends a message."""

    def __init__(self, name: str, session: aiohttp.ClientSession, stack: Stack) -> None:
        self.name, self._session, self._stack = name, session, stack
        self._rasa_headers = {"Authorization": f"Bearer {stack.boundary_tokens['GATEWAY_TOKEN']}"}

    async def start(self) -> str:
        if self.name == "rasa":
            return os.urandom(16).hex()
        async with self._session.post(f"{self._stack.base_url}/api/v1/chat/start", timeout=TIMEOUT) as response:
            response.raise_for_status()
            return str((await response.json())["sender"])

    async def say(self, sender: str, message: str) -> list[dict[str, Any]]:
        if self.name == "rasa":
            url, body = f"{self._stack.rasa_url}/webhooks/gateway/webhook", \
                {"sender": sender, "message": message, "metadata": {}}
            headers = self._rasa_headers
        else:
            url, body, headers = f"{self._stack.base_url}/api/v1/chat", {"sender": sender, "message": message}, {}
        async with self._session.post(url, json=body, headers=headers, timeout=TIMEOUT) as response:
            response.raise_for_status()
            replies = await response.json(content_type=None)
        if not (isinstance(replies, list) and replies):
            raise ValueError("no reply")
        return replies


def _tap(replies: list[dict[str, Any]], number: int) -> str:
    """A topic button of the greeting, a different one for each conversation."""
    payloads = [button["payload"] for message in replies for button in message.get("buttons") or []
                if not str(button.get("payload", "")).startswith(UNTAPPED)]
    return payloads[number % len(payloads)] if payloads else FALLBACK_BUTTON


async def user(path: Door, load: Load, until: float, number: int, script: list[object]) -> None:
    """Conversation after conversation until `until`; counts the messages answered before it."""
    done = 0
    while time.monotonic() < until:
        try:
            sender = await path.start()
        except (aiohttp.ClientError, asyncio.TimeoutError, KeyError, ValueError):
            load.errors += 1
            await asyncio.sleep(0.2)
            continue
        greeting: list[dict[str, Any]] = []
        for step in script:
            if time.monotonic() >= until:
                return
            message = _tap(greeting, number + done) if step is TAP_A_BUTTON else str(step)
            started = time.monotonic()
            try:
                replies = await path.say(sender, message)
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
                load.errors += 1
                continue
            finished = time.monotonic()
            if any(reply.get("text") in TRY_AGAIN for reply in replies):
                load.try_again += 1
            elif finished <= until:
                load.latencies.append(finished - started)
            if step == script[0]:
                greeting = replies
        done += 1


async def measure(paths: dict[str, Door], users: int, seconds: float, script: list[object]) -> dict[str, Load]:
    """`seconds` per path, in slices taken in turns (ABBA...)."""
    loads = {name: Load() for name in paths}
    slices = max(1, round(seconds / SLICE_SECONDS))
    order = [PATHS[((i + 1) // 2) % 2] for i in range(2 * slices)]  # A B B A A B ...
    for name in order:
        started = time.monotonic()
        until = started + seconds / slices
        await asyncio.gather(*(user(paths[name], loads[name], until, n, script) for n in range(users)))
        loads[name].measured_seconds += until - started
    return loads


def figures(load: Load) -> dict[str, float]:
    samples = load.latencies or [float("nan")]
    return {"messages": len(load.latencies), "errors": load.errors, "try_again": load.try_again,
            "per_second": len(load.latencies) / load.measured_seconds if load.measured_seconds else 0.0,
            **{f"p{q}_ms": 1000 * percentile(samples, q / 100) for q in (50, 95, 99)}}


# --- memory ---------------------------------------------------------------------------------------

def _status(pid: int) -> dict[str, int]:
    """VmHWM (peak) and VmRSS of a process, in kB."""
    found: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                found[key] = int(value.split()[0])
    except OSError:
        pass
    return found


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                text = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            children.setdefault(int(text[text.rindex(")") + 2:].split()[1]), []).append(int(entry))
    found, queue = [], list(children.get(pid, []))
    while queue:
        child = queue.pop()
        found.append(child)
        queue.extend(children.get(child, []))
    return found


def memory(stack: Stack) -> dict[str, dict[str, float]]:
    """MB per part of the stack: the peak (VmHWM) and now (VmRSS), its children's included (Rasa's
    workers); peaks of several processes are added, which may count a little more than the
    stack ever used at one moment."""
    parts: dict[str, dict[str, float]] = {}
    for name, pid in stack.pids().items():
        peak = now = 0
        for process in [pid, *_descendants(pid)]:
            status = _status(process)
            peak, now = peak + status.get("VmHWM", 0), now + status.get("VmRSS", 0)
        parts[name] = {"peak_mb": peak / 1024, "rss_mb": now / 1024}
    parts["stack"] = {key: sum(part[key] for part in parts.values()) for key in ("peak_mb", "rss_mb")}
    return parts


# --- report ---------------------------------------------------------------------------------------

def plot(results: dict[str, Any], to: Path) -> Path:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    levels = [level["users"] for level in results["levels"]]
    figure, axis = plt.subplots(figsize=(7, 4.2))
    for name, label, colour in (("gateway", "through the gateway", "tab:blue"), ("rasa", "bare Rasa", "tab:grey")):
        for quantile, style in (("p50", "-o"), ("p95", "--s")):
            axis.plot(levels, [level[name][f"{quantile}_ms"] for level in results["levels"]], style,
                      color=colour, label=f"{label}, {quantile}")
    axis.set_xscale("log")
    axis.set_xticks(levels, [str(level) for level in levels])
    axis.set_xlabel("conversations at once (closed loop)")
    axis.set_ylabel("latency per message (ms)")
    axis.set_title(f"Gateway against bare Rasa, {results['date'][:10]}, {results['cores']} cores")
    axis.grid(True, alpha=0.3)
    axis.legend()
    figure.tight_layout()
    to.mkdir(parents=True, exist_ok=True)
    target = to / "performance-gateway-vs-rasa.png"
    figure.savefig(target, dpi=110)
    plt.close(figure)
    return target


def print_results(results: dict[str, Any]) -> None:
    print(f"{'users':>5} {'path':<8} {'messages':>8} {'msg/s':>7} "
          f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>6} {'try again':>9}")
    for level in results["levels"]:
        for name in PATHS:
            f = level[name]
            print(f"{level['users']:>5} {name:<8} {f['messages']:>8} {f['per_second']:>7.1f} {f['p50_ms']:>7.0f} "
                  f"{f['p95_ms']:>7.0f} {f['p99_ms']:>7.0f} {f['errors']:>6} {f['try_again']:>9}")
        r = level["ratio"]
        print(f"{level['users']:>5} ratio gateway/rasa: p50 {r['p50']:.2f}  p95 {r['p95']:.2f}  p99 {r['p99']:.2f}  "
              f"msg/s {r['per_second']:.2f}")
    print("peak memory (VmHWM), MB:  " + "  ".join(
        f"{name} {part['peak_mb']:.0f}" for name, part in results["memory"].items()))
    print("memory now (VmRSS), MB:   " + "  ".join(
        f"{name} {part['rss_mb']:.0f}" for name, part in results["memory"].items()))


async def run(stack: Stack, levels: list[int], seconds: float, script: list[object]) -> dict[str, Any]:
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        paths = {name: Door(name, session, stack) for name in PATHS}
        # Warm-up, not counted: Rasa's first messages load what it loads lazily.
        await measure(paths, 2, min(seconds, SLICE_SECONDS), script)
        results = []
        for users in levels:
            loads = await measure(paths, users, seconds, script)
            level: dict[str, Any] = {"users": users, **{name: figures(loads[name]) for name in PATHS}}
            g, r = level["gateway"], level["rasa"]
            level["ratio"] = {**{q: g[f"{q}_ms"] / r[f"{q}_ms"] for q in ("p50", "p95", "p99")},
                              "per_second": g["per_second"] / r["per_second"] if r["per_second"] else 0.0}
            results.append(level)
    return {"levels": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30.0, help="measured seconds per path and level")
    parser.add_argument("--concurrency", default="1,10,50")
    parser.add_argument("--tiny", action="store_true", help="a few messages at one level: checks it runs")
    parser.add_argument("--plot-to", type=Path, default=None, help="where the PNG goes (default: results/)")
    args = parser.parse_args()
    levels = [int(n) for n in args.concurrency.split(",")]
    seconds, script = args.seconds, SCRIPT
    if args.tiny:
        levels, seconds = [2], 2.0
    OUTPUT.mkdir(exist_ok=True)
    logs = OUTPUT / "gateway-vs-rasa-logs"
    with tempfile.TemporaryDirectory() as workdir:
        print(f"starting the stack (SQLite in {workdir}) ...", flush=True)
        started = time.monotonic()
        with running_stack(Path(workdir), f"sqlite+aiosqlite:///{workdir}/bot.db") as stack:
            print(f"ready after {time.monotonic() - started:.0f} s; levels {levels}, {seconds:.0f} s per path "
                  f"and level", flush=True)
            load_before = os.getloadavg()
            results = asyncio.run(run(stack, levels, seconds, script))
            results["memory"] = memory(stack)
            load_after = os.getloadavg()
            logs.mkdir(exist_ok=True)
            for name, log in stack.logs.items():
                shutil.copyfile(log, logs / f"{name}.log")
    results.update({
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "cores": os.cpu_count(),
        "machine": platform.processor() or platform.machine(), "seconds_per_path_and_level": seconds,
        "load_average_before": load_before, "load_average_after": load_after,
        "script": [step if isinstance(step, str) else "<a topic button of the greeting>" for step in script]})
    print_results(results)
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f}")
    name = "gateway-vs-rasa-tiny.json" if args.tiny else "gateway-vs-rasa.json"
    (OUTPUT / name).write_text(json.dumps(results, indent=2) + "\n")
    if not args.tiny or args.plot_to:
        print(f"plot: {plot(results, args.plot_to or OUTPUT)}")
    # "Try again" is the gateway's flood guard at work (bot/gateway/rasa_client.py): printed, not
    # a failure. An error is.
    errors = sum(level[name]["errors"] for level in results["levels"] for name in PATHS)
    if errors:
        sys.exit(f"{errors} messages failed")


if __name__ == "__main__":
    main()

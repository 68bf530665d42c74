"""`make bench`: how long a crisis phrase waits for its safety answer while the REST channel is flooded.

The bot service runs in a child process (SQLite in a temp dir) in front of a stub Rasa that answers
every message after 0.5-2 s, as an overloaded Rasa would. N ordinary messages from distinct senders
go out at once; from 1 s in, crisis phrases ("ik ben in gevaar") come from other senders, spread
over a second. Prints p50/p99/max of the crisis replies (target p99 < 300 ms) and of the others,
and how the others were answered (Rasa's answer, the fast "try again" fallback, "slow down").

Each sender is a distinct client address (X-Forwarded-For from a trusted proxy), as in a flood
from many machines. With --stack URL (or when `make run` answers on 127.0.0.1:8080) the same load
also goes to that running stack, from this one address: its real Rasa, and its per-address limits
(--stack-trusts-loopback: from distinct addresses, when the stack has TRUSTED_PROXIES=127.0.0.1).
"""
from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import secrets
import statistics
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.fernet import Fernet

from bot.settings import Settings
from service import percentile, start

CRISIS_PHRASE = "ik ben in gevaar"
ORDINARY = "hoe vraag ik bijstand aan"
# The internal boundaries' tokens this version of the settings has.
TOKENS = ("rasa_token", "gateway_token", "nlg_token", "action_token", "internal_token")
# When the crisis phrases start, and over how long they come.
CRISIS_AFTER_SECONDS, CRISIS_SPREAD_SECONDS = 1.0, 1.0
TARGET_P99_MS = 300
RUNNING_STACK = "http://127.0.0.1:8080"


class StubRasa:
    """Rasa's gateway channel, slow: every answer takes `low`-`high` seconds."""

    def __init__(self, low: float, high: float) -> None:
        self.low, self.high = low, high
        self.app = web.Application()
        self.app.router.add_post("/webhooks/gateway/webhook", self._webhook)
        self.app.router.add_get("/status", self._status)

    async def _webhook(self, request: web.Request) -> web.Response:
        await request.read()
        await asyncio.sleep(random.uniform(self.low, self.high))
        return web.json_response([{"text": "Bijstand vraag je aan bij je gemeente."}])

    async def _status(self, request: web.Request) -> web.Response:
        return web.json_response({"model_id": "stub"})


def _serve(settings: dict[str, Any], ready: Any) -> None:
    """The child process: the bot service until it is terminated."""
    import logging

    from bot.settings import Settings

    logging.basicConfig(level=logging.ERROR)

    async def run() -> None:
        runner, base = await start(Settings(**settings))
        ready.send(base)
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()
    asyncio.run(run())


@dataclass
class Figures:
    crisis_ms: list[float] = field(default_factory=list)
    crisis_answered: int = 0
    ordinary_ms: list[float] = field(default_factory=list)
    kinds: dict[str, int] = field(default_factory=dict)


def _kind(replies: Any, status: int) -> str:
    if status != 200 or not isinstance(replies, list) or not replies:
        return f"status {status}"
    first = str(replies[0].get("text", ""))
    if first.startswith("Je stuurt veel berichten"):
        return "slow down"
    if first.startswith("Sorry, er ging iets mis"):
        return "try again (fallback)"
    return "answered"


async def _sender(session: aiohttp.ClientSession, base: str, headers: dict[str, str]) -> str:
    """A server-issued sender; a service without /start takes the client's own."""
    async with session.post(f"{base}/api/v1/chat/start", headers=headers) as response:
        if response.status == 200:
            return str((await response.json())["sender"])
    return f"bench-{random.getrandbits(128):032x}"


async def _message(session: aiohttp.ClientSession, base: str, sender: str, text: str,
                   headers: dict[str, str]) -> tuple[float, Any, int]:
    started = time.perf_counter()
    async with session.post(f"{base}/api/v1/chat", json={"sender": sender, "message": text},
                            headers=headers) as response:
        status = response.status
        body = await response.json(content_type=None) if status == 200 else await response.text()
    return (time.perf_counter() - started) * 1000, body, status


async def flood(base: str, ordinary: int, crises: int, distinct_addresses: bool) -> Figures:
    figures = Figures()
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        def headers(number: int) -> dict[str, str]:
            # 10.x.y.z: one address per sender, named by the trusted proxy in front.
            return {"X-Forwarded-For": f"10.{number >> 16 & 255}.{number >> 8 & 255}.{number & 255}"} \
                if distinct_addresses else {}
        everyone = [headers(n + 1) for n in range(ordinary + crises)]
        senders = await asyncio.gather(*(_sender(session, base, h) for h in everyone))

        async def one_ordinary(number: int) -> None:
            took, replies, status = await _message(session, base, senders[number], ORDINARY, everyone[number])
            figures.ordinary_ms.append(took)
            kind = _kind(replies, status)
            figures.kinds[kind] = figures.kinds.get(kind, 0) + 1

        async def one_crisis(number: int) -> None:
            await asyncio.sleep(CRISIS_AFTER_SECONDS + CRISIS_SPREAD_SECONDS * (number - ordinary) / max(1, crises))
            took, replies, status = await _message(session, base, senders[number], CRISIS_PHRASE,
                                                   everyone[number])
            figures.crisis_ms.append(took)
            if status == 200 and replies and "112" in str(replies[0].get("text", "")):
                figures.crisis_answered += 1

        await asyncio.gather(*(one_ordinary(n) for n in range(ordinary)),
                             *(one_crisis(n) for n in range(ordinary, ordinary + crises)))
    return figures


def report(title: str, figures: Figures) -> None:
    print(title)
    for name, samples in (("crisis phrase", figures.crisis_ms), ("ordinary message", figures.ordinary_ms)):
        print(f"  {name:17s} n={len(samples):4d}  p50 {statistics.median(samples):7.0f} ms"
              f"  p99 {percentile(samples, 0.99):7.0f} ms  max {max(samples):7.0f} ms")
    p99 = percentile(figures.crisis_ms, 0.99)
    print(f"  crisis replies with the safety answer first: {figures.crisis_answered}/{len(figures.crisis_ms)}"
          f"  (target p99 < {TARGET_P99_MS} ms: {'met' if p99 < TARGET_P99_MS else 'NOT met'})")
    print("  ordinary replies: " + ", ".join(f"{kind} {count}" for kind, count in sorted(figures.kinds.items())))


def _stack_is_up(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/readyz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ordinary", type=int, default=200, help="ordinary messages at once")
    parser.add_argument("--crises", type=int, default=50, help="crisis phrases, from 1 s in")
    parser.add_argument("--rasa-seconds", type=float, nargs=2, default=(0.5, 2.0), metavar=("LOW", "HIGH"))
    parser.add_argument("--stack", default=None, help=f"also flood this running stack (default: "
                                                      f"{RUNNING_STACK} when it answers)")
    parser.add_argument("--no-stack", action="store_true", help="never flood a running stack")
    parser.add_argument("--stack-trusts-loopback", action="store_true",
                        help="the running stack has TRUSTED_PROXIES=127.0.0.1: send from distinct addresses")
    args = parser.parse_args()

    rasa = TestServer(StubRasa(*args.rasa_seconds).app, host="127.0.0.1")
    await rasa.start_server()
    with tempfile.TemporaryDirectory() as tmp:
        settings = {
            "database_url": f"sqlite+aiosqlite:///{tmp}/bot.db",
            **{name: secrets.token_urlsafe(32) for name in TOKENS if name in Settings.model_fields},
            "secret_key": secrets.token_urlsafe(32), "encryption_key": Fernet.generate_key().decode(),
            "rasa_url": str(rasa.make_url("")).rstrip("/"), "rasa_timeout_seconds": 20,
            # Loopback is the proxy that names each client (bot/client_address.py).
            "trusted_proxies": "127.0.0.1",
        }
        parent, child = multiprocessing.Pipe()
        service = multiprocessing.get_context("spawn").Process(target=_serve, args=(settings, child), daemon=True)
        service.start()
        try:
            base = await asyncio.get_running_loop().run_in_executor(None, parent.recv)
            figures = await flood(base, args.ordinary, args.crises, distinct_addresses=True)
        finally:
            service.terminate()
            service.join(10)
    await rasa.close()
    report(f"REST flood: {args.ordinary} ordinary messages at once from distinct addresses, "
           f"{args.crises} crisis phrases from {CRISIS_AFTER_SECONDS:.0f} s in; stub Rasa answers in "
           f"{args.rasa_seconds[0]}-{args.rasa_seconds[1]} s (bot service in a child process, SQLite)", figures)

    stack = None if args.no_stack else args.stack or (RUNNING_STACK if _stack_is_up(RUNNING_STACK) else None)
    if stack:
        distinct = args.stack_trusts_loopback
        figures = await flood(stack, args.ordinary, args.crises, distinct_addresses=distinct)
        source = "distinct addresses" if distinct else "this one address (its per-address limits apply)"
        report(f"the running stack at {stack} (real Rasa), the same load from {source}", figures)
    elif not args.no_stack:
        print(f"(no running stack at {RUNNING_STACK}: `make run` to measure it too)")
    sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(main())

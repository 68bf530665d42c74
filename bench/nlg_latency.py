"""`make bench`: latency of the NLG endpoint, from memory, and while an editor publishes.

Starts the bot service in-process on a spare port (SQLite in a temp dir, Rasa not needed), sends
N requests one after the other over loopback and prints p50/p99 (target: p99 < 5 ms). The
baseline is /healthz in the same run (an aiohttp round trip doing nothing), so the ratio is what
serving an answer adds. The third figure is the same NLG requests while answers are published back
to back (each publication validates all content, stores it and swaps the in-memory set). Last,
requests per second: N requests with CONCURRENT in flight at a time, as Rasa's replies arrive.
"""
from __future__ import annotations

import argparse
import asyncio
import copy
import random
import statistics
import tempfile
import time

import aiohttp
from aiohttp import web
from cryptography.fernet import Fernet

from bot.content.keys import CONTENT_EDITING, CONTENT_STORE
from bot.staff.keys import ACCOUNTS
from bot.settings import Settings
from service import BOUNDARY_TOKENS, percentile, start

REQUESTS = 2000
CONCURRENT = 10
TARGET_P99_MS = 5.0
TOKEN = "bench-token-of-at-least-32-characters"


async def timed(session: aiohttp.ClientSession, method: str, url: str, **kwargs) -> float:
    started = time.perf_counter()
    async with session.request(method, url, **kwargs) as response:
        await response.read()
        assert response.status == 200, response.status
    return (time.perf_counter() - started) * 1000


async def main(requests: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp}/bot.db", rasa_token=TOKEN,
                            secret_key="bench-secret-key-of-32-characters-xx",
                            encryption_key=Fernet.generate_key().decode(), **BOUNDARY_TOKENS)
        runner, base = await start(settings)
        keys = runner.app[CONTENT_STORE].keys()
        random.seed(1)
        async with aiohttp.ClientSession() as session:
            for _ in range(100):  # warm-up
                await timed(session, "GET", f"{base}/healthz")
            baseline = [await timed(session, "GET", f"{base}/healthz") for _ in range(requests)]
            nlg = [await timed_nlg(session, base, keys) for _ in range(requests)]
            publishing = asyncio.Event()
            publisher = asyncio.create_task(publish_repeatedly(runner.app, publishing))
            await publishing.wait()
            during = [await timed_nlg(session, base, keys) for _ in range(requests)]
            publisher.cancel()
            await asyncio.gather(publisher, return_exceptions=True)
            rps = await requests_per_second(session, base, keys, requests)
        await runner.cleanup()
    print(f"{requests} sequential requests over loopback, {len(keys)} answers in the store")
    for name, samples in (("baseline /healthz", baseline), ("NLG /nlg", nlg),
                          ("NLG while publishing", during)):
        print(f"{name:<21} p50 {percentile(samples, 0.5):6.2f} ms   p99 {percentile(samples, 0.99):6.2f} ms"
              f"   mean {statistics.fmean(samples):6.2f} ms")
    print(f"NLG/baseline p50 ratio: {percentile(nlg, 0.5) / percentile(baseline, 0.5):.2f}; "
          f"while publishing/NLG p50 ratio: {percentile(during, 0.5) / percentile(nlg, 0.5):.2f} "
          f"({PUBLISHED[0]} publications meanwhile)")
    p99 = percentile(nlg, 0.99)
    print(f"NLG /nlg p99 {p99:.2f} ms against the target p99 < {TARGET_P99_MS:g} ms: "
          f"{'met' if p99 < TARGET_P99_MS else 'missed'}")
    print(f"NLG /nlg throughput, {CONCURRENT} requests in flight: {rps:.0f} requests per second")


PUBLISHED = [0]


async def timed_nlg(session: aiohttp.ClientSession, base: str, keys: list[str]) -> float:
    body = {"response": random.choice(keys), "arguments": {},
            "tracker": {"slots": {"language": random.choice(["nl", "en"])}}}
    return await timed(session, "POST", f"{base}/nlg", json=body,
                       headers={"Authorization": f"Bearer {BOUNDARY_TOKENS['nlg_token']}"})


async def requests_per_second(session: aiohttp.ClientSession, base: str, keys: list[str], requests: int) -> float:
    """`requests` NLG requests, CONCURRENT at a time, over one connection pool."""
    queue = iter(range(requests))

    async def client() -> None:
        for _ in queue:
            await timed_nlg(session, base, keys)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(CONCURRENT)))
    return requests / (time.perf_counter() - started)


async def publish_repeatedly(app: web.Application, started: asyncio.Event) -> None:
    """An editor publishing utter_thank over and over, as fast as the service allows."""
    editor = await app[ACCOUNTS].add("bench-editor@x.nl", "editor", [], "Bench")
    user_id = next(u.id for u in await app[ACCOUNTS].all() if u.email == editor.email)
    entry = await app[CONTENT_EDITING].entry("utter_thank")
    assert entry is not None
    data = copy.deepcopy(entry[1])
    started.set()
    while True:
        data["nl"]["text"] = f"Graag gedaan ({PUBLISHED[0]})."
        await app[CONTENT_EDITING].publish("utter_thank", data, user_id)
        PUBLISHED[0] += 1
        await asyncio.sleep(0)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=REQUESTS, help="per figure (make test runs a few)")
    asyncio.run(main(parser.parse_args().requests))

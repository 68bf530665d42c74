"""`make bench`: latency of the NLG endpoint and the gateway's own work, from memory.

Starts the bot service in-process on a spare port (SQLite in a temp dir, Rasa not needed), sends
N requests one after the other over loopback and prints p50/p99. The baseline is /healthz in the
same run (an aiohttp round trip doing nothing), so the ratio is what serving an answer adds.
"""
from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time

import aiohttp
from cryptography.fernet import Fernet

from bot.appkeys import CONTENT_STORE
from bot.settings import Settings
from service import percentile, start

REQUESTS = 2000
TOKEN = "bench-token"


async def timed(session: aiohttp.ClientSession, method: str, url: str, **kwargs) -> float:
    started = time.perf_counter()
    async with session.request(method, url, **kwargs) as response:
        await response.read()
        assert response.status == 200, response.status
    return (time.perf_counter() - started) * 1000


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp}/bot.db", rasa_token=TOKEN,
                            secret_key="bench", encryption_key=Fernet.generate_key().decode())
        runner, base = await start(settings)
        keys = runner.app[CONTENT_STORE].keys()
        random.seed(1)
        async with aiohttp.ClientSession() as session:
            for _ in range(100):  # warm-up
                await timed(session, "GET", f"{base}/healthz")
            baseline = [await timed(session, "GET", f"{base}/healthz") for _ in range(REQUESTS)]
            nlg = []
            for _ in range(REQUESTS):
                body = {"response": random.choice(keys), "arguments": {},
                        "tracker": {"slots": {"language": random.choice(["nl", "en"])}}}
                nlg.append(await timed(session, "POST", f"{base}/nlg?token={TOKEN}", json=body))
        await runner.cleanup()
    print(f"{REQUESTS} sequential requests over loopback, {len(keys)} answers in the store")
    for name, samples in (("baseline /healthz", baseline), ("NLG /nlg", nlg)):
        print(f"{name:<18} p50 {percentile(samples, 0.5):6.2f} ms   p99 {percentile(samples, 0.99):6.2f} ms"
              f"   mean {statistics.fmean(samples):6.2f} ms")
    print(f"NLG/baseline p50 ratio: {percentile(nlg, 0.5) / percentile(baseline, 0.5):.2f}")


if __name__ == "__main__":
    asyncio.run(main())

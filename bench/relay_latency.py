"""`make bench`: how fast a live handover feels, in-process over loopback (SQLite, Rasa not needed).

Measures, one message after the other, p50/p99 of:
  worker -> user   the worker's POST until the user's widget socket has the message
  user -> worker   the user's widget message until the worker's inbox socket has it
The baseline is /healthz in the same run, so the ratio is what the relay adds (storing the
message encrypted, publishing the event, pushing it).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time

import aiohttp
import pyotp
from cryptography.fernet import Fernet

from bot.staff.keys import ACCOUNTS
from bot.gateway.pseudonym import conversation_id
from bot.settings import Settings
from service import BOUNDARY_TOKENS, percentile, start

MESSAGES = 300
TOKEN = "bench-token-of-at-least-32-characters"


async def main(messages: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp}/bot.db", rasa_token=TOKEN,
                            secret_key="bench-secret-key-of-32-characters-xx",
                            encryption_key=Fernet.generate_key().decode(),
                            rasa_url="http://127.0.0.1:9", rasa_timeout_seconds=1,
                            rate_limit_burst=1_000_000, client_messages_burst=1_000_000, **BOUNDARY_TOKENS)
        runner, base = await start(settings)
        app = runner.app
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
            user = await session.ws_connect(f"{base}/ws/chat")
            sender = (await user.receive_json())["id"]
            await user.send_str(json.dumps({"text": "hallo"}))
            while (await user.receive_json())["type"] != "bot":
                pass
            made = await (await session.post(f"{base}/internal/v1/handovers", headers={
                "Authorization": f"Bearer {BOUNDARY_TOKENS['internal_token']}"}, json={
                "conversation": conversation_id(settings.secret_key.get_secret_value(), "web", sender),
                "municipality": "Apeldoorn", "contact": "chat", "consent": False})).json()
            account = await app[ACCOUNTS].add("bench@x.nl", "worker", ["apeldoorn"], "Bench")
            login = await (await session.post(f"{base}/api/v1/staff/login", json={
                "email": account.email, "password": account.password,
                "totp": pyotp.TOTP(account.totp_secret).now()})).json()
            headers = {"X-CSRF-Token": login["csrf_token"]}
            listed = await (await session.get(f"{base}/api/v1/staff/handovers")).json()
            number = next(h["id"] for h in listed if h["reference"] == made["reference"])
            await session.post(f"{base}/api/v1/staff/handovers/{number}/claim", headers=headers)
            await user.receive_json()  # "you are now talking with ..."
            inbox = await session.ws_connect(f"{base}/staff/ws?handover={number}")

            baseline = []
            for _ in range(messages):
                started = time.perf_counter()
                async with session.get(f"{base}/healthz") as response:
                    await response.read()
                baseline.append((time.perf_counter() - started) * 1000)
            to_user, to_worker = [], []
            for i in range(messages):
                started = time.perf_counter()
                await session.post(f"{base}/api/v1/staff/handovers/{number}/messages",
                                   headers=headers, json={"text": f"bericht {i}"})
                while (await user.receive_json()).get("type") != "bot":
                    pass
                to_user.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                await user.send_str(json.dumps({"text": f"antwoord {i}"}))
                while True:
                    event = await inbox.receive_json()
                    if event.get("kind") == "message" and event["message"]["sender"] == "user":
                        break
                to_worker.append((time.perf_counter() - started) * 1000)
            await user.close()
            await inbox.close()
        await runner.cleanup()

    base_p50 = statistics.median(baseline)
    print(f"live handover relay, {messages} messages each way, one at a time (SQLite, loopback)")
    print(f"  baseline GET /healthz   p50 {base_p50:6.2f} ms  p99 {percentile(baseline, 0.99):6.2f} ms")
    for name, samples in (("worker -> user widget", to_user), ("user widget -> worker", to_worker)):
        p50 = statistics.median(samples)
        print(f"  {name:22s}  p50 {p50:6.2f} ms  p99 {percentile(samples, 0.99):6.2f} ms"
              f"  ({p50 / base_p50:.1f}x baseline)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=MESSAGES, help="each way (make test sends a few)")
    asyncio.run(main(parser.parse_args().messages))

"""`make run`: starts the action server, Rasa and the bot service, waits until all answer, prints
where to chat, and stops all three on Ctrl-C. Each child gets the secrets it uses, and only
those, through its environment.
"""
from __future__ import annotations

import asyncio
import os
import signal
import sys
import time

import aiohttp

from bot.settings import Settings

# Rasa loads TensorFlow and the model; on a small machine that takes a minute or two.
STARTUP_TIMEOUT_SECONDS = 300
RASA_PYTHON = ".venv-rasa/bin/python"


def _commands(settings: Settings) -> dict[str, list[str]]:
    return {
        "actions": [RASA_PYTHON, "-m", "rasa_ext.action_server", "--port", "5055"],
        "rasa": [RASA_PYTHON, "-m", "rasa_ext.server", "--port", "5005"],
        "bot": [sys.executable, "-m", "bot.cli", "serve"],
    }


# Secrets the operator's shell may hold: Rasa and the action server never inherit them.
SECRET_NAMES = ("RASA_TOKEN", "GATEWAY_TOKEN", "NLG_TOKEN", "ACTION_TOKEN", "INTERNAL_TOKEN",
                "SECRET_KEY", "ENCRYPTION_KEY", "TELEGRAM_TOKEN", "TELEGRAM_WEBHOOK_SECRET")
RASA_SECRETS = ("RASA_TOKEN", "GATEWAY_TOKEN", "NLG_TOKEN", "ACTION_TOKEN")
ACTION_SERVER_SECRETS = ("ACTION_TOKEN", "INTERNAL_TOKEN")


def child_environments(settings: Settings) -> dict[str, dict[str, str]]:
    """The environment of each child. Rasa and the action server run on old libraries
    (requirements/rasa.txt), so each gets only the tokens of its own boundaries: Rasa its API's,
    the gateway channel's and those it calls /nlg and the actions with; the action server its
    own and the internal API's (docs/operator-guide.md, "Internal tokens")."""
    addresses = {
        "NLG_URL": settings.nlg_url,
        "TRACKER_STORE_URL": settings.tracker_store_url,
        "BOT_INTERNAL_URL": f"http://127.0.0.1:{settings.port}",
        "ACTIONS_URL": "http://127.0.0.1:5055/webhook",
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }
    secrets = {name: value.get_secret_value() for name, value in (
        ("RASA_TOKEN", settings.rasa_token), ("GATEWAY_TOKEN", settings.gateway_token),
        ("NLG_TOKEN", settings.nlg_token), ("ACTION_TOKEN", settings.action_token),
        ("INTERNAL_TOKEN", settings.internal_token), ("SECRET_KEY", settings.secret_key),
        ("ENCRYPTION_KEY", settings.encryption_key))}
    without_secrets = {name: value for name, value in os.environ.items() if name not in SECRET_NAMES}
    return {
        "actions": {**without_secrets, **addresses, **{n: secrets[n] for n in ACTION_SERVER_SECRETS}},
        "rasa": {**without_secrets, **addresses, **{n: secrets[n] for n in RASA_SECRETS}},
        "bot": {**os.environ, **addresses, **secrets},
    }


async def run_all(settings: Settings) -> int:
    environments = child_environments(settings)
    children = {
        name: await asyncio.create_subprocess_exec(*command, env=environments[name])
        for name, command in _commands(settings).items()
    }
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    exited = [asyncio.create_task(child.wait()) for child in children.values()]
    ready = asyncio.create_task(_wait_until_ready(settings))
    try:
        done, _ = await asyncio.wait([ready, *exited, asyncio.create_task(stop.wait())],
                                     return_when=asyncio.FIRST_COMPLETED)
        if ready in done and ready.result():
            _banner(settings)
            done, _ = await asyncio.wait([*exited, asyncio.create_task(stop.wait())],
                                         return_when=asyncio.FIRST_COMPLETED)
        if not stop.is_set():
            print("A process stopped; stopping the others.", file=sys.stderr)
            return 1
        return 0
    finally:
        await _stop(children)


async def _wait_until_ready(settings: Settings) -> bool:
    url = f"http://127.0.0.1:{settings.port}/readyz"
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    print("Starting the action server, Rasa and the bot service (Rasa takes a minute)", end="", flush=True)
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(url, timeout=aiohttp.ClientTimeout(total=2)) as response:
                    if response.status == 200:
                        print(" ready.")
                        return True
            except (aiohttp.ClientError, asyncio.TimeoutError):
                pass
            print(".", end="", flush=True)
            await asyncio.sleep(2)
    print(" still not ready; see the messages above.", file=sys.stderr)
    return False


def _banner(settings: Settings) -> None:
    base = f"http://127.0.0.1:{settings.port}"
    telegram = ("off (set TELEGRAM_TOKEN in .env)" if settings.telegram_token is None
                else "webhook at " + str(settings.public_url) if settings.public_url else "polling")
    print(f"""
  The assistant is running.
    Web widget (demo page):  {base}/
    Chat in this terminal:   .venv/bin/bot chat      (in a second terminal)
    REST channel:            POST {base}/api/v1/chat/start, then /api/v1/chat  (see README)
    Staff inbox:             {base}/staff/   (accounts: .venv/bin/bot users add --help)
    Health:                  {base}/healthz  {base}/readyz
    Telegram:                {telegram}
  Ctrl-C stops everything.
""", flush=True)


async def _stop(children: dict[str, asyncio.subprocess.Process]) -> None:
    for child in children.values():
        if child.returncode is None:
            child.terminate()
    for child in children.values():
        try:
            await asyncio.wait_for(child.wait(), timeout=10)
        except asyncio.TimeoutError:
            child.kill()

"""`make run`: starts the action server, Rasa and the bot service, waits until all answer, prints
where to chat, and stops all three on Ctrl-C. Each child gets the secrets it uses, and only
those, through its environment.
"""
from __future__ import annotations

import asyncio
import signal
import sys
import time

import aiohttp

from bot.settings import REQUIRED_SECRETS, Settings, environment, process_basics

# Rasa loads TensorFlow and the model; on a small machine that takes a minute or two.
STARTUP_TIMEOUT_SECONDS = 300
RASA_PYTHON = ".venv-rasa/bin/python"
ACTIONS_PORT = 5055
ACTIONS_URL = f"http://127.0.0.1:{ACTIONS_PORT}/webhook"


def _commands(settings: Settings) -> dict[str, list[str]]:
    return {
        "actions": [RASA_PYTHON, "-m", "rasa_ext.action_server", "--port", str(ACTIONS_PORT)],
        "rasa": [RASA_PYTHON, "-m", "rasa_ext.server", "--port", "5005"],
        "bot": [sys.executable, "-m", "bot.cli", "serve"],
    }


def rasa_environment(settings: Settings) -> dict[str, str]:
    """Its API's token, the gateway channel's (credentials.yml), and the tokens endpoints.yml sends
    to /nlg and to the action server. Rasa runs on old libraries (requirements/rasa.txt): it never
    gets SECRET_KEY, ENCRYPTION_KEY, INTERNAL_TOKEN or anything else of our environment."""
    return {**process_basics(),
            # endpoints.yml: where Rasa finds the actions, the NLG endpoint and the tracker store.
            "ACTIONS_URL": ACTIONS_URL, "NLG_URL": settings.nlg_url, "TRACKER_STORE_URL": settings.tracker_store_url,
            "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
            "RASA_TOKEN": settings.rasa_token.get_secret_value(),
            "GATEWAY_TOKEN": settings.gateway_token.get_secret_value(),
            "NLG_TOKEN": settings.nlg_token.get_secret_value(),
            "ACTION_TOKEN": settings.action_token.get_secret_value()}


def action_server_environment(settings: Settings) -> dict[str, str]:
    """Its own token (Rasa's calls) and the internal API's (its calls to the bot service)."""
    return {**process_basics(), "BOT_INTERNAL_URL": f"http://127.0.0.1:{settings.port}",
            "ACTION_TOKEN": settings.action_token.get_secret_value(),
            "INTERNAL_TOKEN": settings.internal_token.get_secret_value()}


def bot_environment(settings: Settings) -> dict[str, str]:
    """The bot service reads its own Settings again: our environment, with the secrets as this
    process resolved them (var/secrets.env included)."""
    secrets = {name.upper(): getattr(settings, name).get_secret_value() for name in REQUIRED_SECRETS}
    return {**environment(), **secrets}


def child_environments(settings: Settings) -> dict[str, dict[str, str]]:
    """The environment of each child (docs/operator-guide.md, "Internal tokens")."""
    return {"actions": action_server_environment(settings), "rasa": rasa_environment(settings),
            "bot": bot_environment(settings)}


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

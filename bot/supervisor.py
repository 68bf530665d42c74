"""`make run`: starts the action server, Rasa, the bot service and the retrain worker, waits until
they answer, prints where to chat, and stops all four on Ctrl-C. Each child gets the secrets it
uses, and only those, through its environment.

Each child runs in a session of its own, so the terminal's Ctrl-C reaches this process only, and
each child is stopped exactly once (SIGTERM, then SIGKILL after a grace period): a second signal in
the middle of a child's shutdown is what used to print tracebacks.
"""
from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time

import aiohttp

from bot.settings import Settings

# Rasa loads TensorFlow and the model; on a small machine that takes a minute or two.
STARTUP_TIMEOUT_SECONDS = 300
RASA_PYTHON = ".venv-rasa/bin/python"


# What a child gets to finish its work after SIGTERM before it is killed.
STOP_GRACE_SECONDS = 10
# Rasa's libraries warn about their own deprecated calls at every start (distutils, pkg_resources,
# SQLAlchemy 2.0, pyparsing): nothing an operator can act on, and they bury the progress lines.
LIBRARY_WARNINGS_OFF = "ignore::DeprecationWarning,ignore::PendingDeprecationWarning,ignore::FutureWarning"


def child_commands(settings: Settings) -> dict[str, list[str]]:
    return {
        "actions": [RASA_PYTHON, "-m", "rasa_ext.action_server", "--port", "5055"],
        "rasa": [RASA_PYTHON, "-m", "rasa_ext.server", "--port", "5005"],
        "bot": [sys.executable, "-m", "bot.cli", "serve"],
        "retrain": [sys.executable, "-m", "bot.cli", "retrain", "worker"],
    }


# Secrets the operator's shell may hold: Rasa and the action server never inherit them.
SECRET_NAMES = ("RASA_TOKEN", "GATEWAY_TOKEN", "NLG_TOKEN", "ACTION_TOKEN", "INTERNAL_TOKEN",
                "SECRET_KEY", "ENCRYPTION_KEY", "TELEGRAM_TOKEN", "TELEGRAM_WEBHOOK_SECRET")
RASA_SECRETS = ("RASA_TOKEN", "GATEWAY_TOKEN", "NLG_TOKEN", "ACTION_TOKEN")
ACTION_SERVER_SECRETS = ("ACTION_TOKEN", "INTERNAL_TOKEN")
RETRAIN_SECRETS = ("RASA_TOKEN",)


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
    quiet = {"PYTHONWARNINGS": LIBRARY_WARNINGS_OFF}
    return {
        "actions": {**without_secrets, **addresses, **quiet, **{n: secrets[n] for n in ACTION_SERVER_SECRETS}},
        "rasa": {**without_secrets, **addresses, **quiet, **{n: secrets[n] for n in RASA_SECRETS}},
        "bot": {**os.environ, **addresses, **secrets},
        # Loads retrained models into Rasa: RASA_TOKEN only (bot/nlu/retrain_worker.py).
        "retrain": {**without_secrets, **{n: secrets[n] for n in RETRAIN_SECRETS}},
    }


async def run_all(settings: Settings, commands: dict[str, list[str]] | None = None) -> int:
    """`commands`: what to start instead of child_commands (tests start stand-ins for Rasa)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    environments = child_environments(settings)
    children: dict[str, asyncio.subprocess.Process] = {}
    try:
        for name, command in (commands or child_commands(settings)).items():
            children[name] = await asyncio.create_subprocess_exec(*command, env=environments[name],
                                                                  start_new_session=True)
        return await _supervise(settings, children, stop)
    finally:
        if stop.is_set():
            print("\nStopping the assistant.", flush=True)
        await _stop(children)
        if stop.is_set():
            print("Stopped.", flush=True)


async def _supervise(settings: Settings, children: dict[str, asyncio.subprocess.Process],
                     stop: asyncio.Event) -> int:
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
        for task in (ready, *exited):
            task.cancel()


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
    """SIGTERM to each child once, then SIGKILL to its whole session after the grace period (Rasa's
    own subprocesses too)."""
    for child in children.values():
        if child.returncode is None:
            child.terminate()
    for child in children.values():
        try:
            await asyncio.wait_for(child.wait(), timeout=STOP_GRACE_SECONDS)
        except asyncio.TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
            await child.wait()

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
import json
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import aiohttp

from bot.settings import REQUIRED_SECRETS, Settings, environment, process_basics

# Rasa loads TensorFlow and the model; on a small machine that takes a minute or two.
STARTUP_TIMEOUT_SECONDS = 300
RASA_PYTHON = ".venv-rasa/bin/python"
ACTIONS_PORT = 5055
ACTIONS_URL = f"http://127.0.0.1:{ACTIONS_PORT}/webhook"


# make cluster starts a stopped replica again, after a pause that doubles with each restart in
# the window (a bot service cannot start while PostgreSQL is down: it waits that out), unless it
# stopped this often within the window (one that cannot start at all stops the cluster instead of
# restarting forever).
RESTARTS_PER_WINDOW = 10
RESTART_WINDOW_SECONDS = 300.0
RESTART_PAUSE_SECONDS = 0.5
RESTART_PAUSE_MAX_SECONDS = 15.0
# How long a message holds its conversation's lock in Rasa at most (Rasa's default: 60 s). A Rasa
# replica killed mid-message leaves its lock in Redis until then, and the replica that takes the
# conversation over waits for it: it must be well inside the gateway's RASA_TIMEOUT_SECONDS (20),
# and well above a turn's time (under a second; seconds under heavy load).
LOCK_LIFETIME_SECONDS = 10
# What a child gets to finish its work after SIGTERM before it is killed.
STOP_GRACE_SECONDS = 10
# Rasa's libraries warn about their own deprecated calls at every start (distutils, pkg_resources,
# SQLAlchemy 2.0, pyparsing): nothing an operator can act on, and they bury the progress lines.
# (Rasa's notes on this project's design are silenced by rasa_ext/project_notes.py.)
LIBRARY_WARNINGS_OFF = "ignore::DeprecationWarning,ignore::PendingDeprecationWarning,ignore::FutureWarning"


def child_commands(settings: Settings) -> dict[str, list[str]]:
    return {
        "actions": [RASA_PYTHON, "-m", "rasa_ext.action_server", "--port", str(ACTIONS_PORT)],
        "rasa": [RASA_PYTHON, "-m", "rasa_ext.server", "--port", "5005"],
        "bot": [sys.executable, "-m", "bot.cli", "serve"],
        "retrain": [sys.executable, "-m", "bot.cli", "retrain", "worker"],
    }


def rasa_environment(settings: Settings) -> dict[str, str]:
    """Its API's token, the gateway channel's (credentials.yml), and the tokens endpoints.yml sends
    to /nlg and to the action server. Rasa runs on old libraries (requirements/rasa.txt): it never
    gets SECRET_KEY, ENCRYPTION_KEY, INTERNAL_TOKEN or anything else of our environment."""
    return {**process_basics(),
            # endpoints.yml: where Rasa finds the actions, the NLG endpoint and the tracker store.
            "ACTIONS_URL": ACTIONS_URL, "NLG_URL": settings.nlg_url, "TRACKER_STORE_URL": settings.tracker_store_url,
            "TRACKER_STORE_POOL_SIZE": str(settings.tracker_store_pool_size),
            "TRACKER_STORE_MAX_OVERFLOW": str(settings.tracker_store_max_overflow),
            # Rasa's per-conversation lock (rasa_ext/lock_store.py): in Redis when there is one.
            "LOCK_STORE_URL": settings.redis_url or "",
            "TICKET_LOCK_LIFETIME": str(LOCK_LIFETIME_SECONDS),
            "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
            "RASA_TOKEN": settings.rasa_token.get_secret_value(),
            "GATEWAY_TOKEN": settings.gateway_token.get_secret_value(),
            "NLG_TOKEN": settings.nlg_token.get_secret_value(),
            "ACTION_TOKEN": settings.action_token.get_secret_value(),
            "PYTHONWARNINGS": LIBRARY_WARNINGS_OFF}


def action_server_environment(settings: Settings) -> dict[str, str]:
    """Its own token (Rasa's calls) and the internal API's (its calls to the bot service)."""
    return {**process_basics(), "BOT_INTERNAL_URL": f"http://127.0.0.1:{settings.port}",
            "ACTION_TOKEN": settings.action_token.get_secret_value(),
            "INTERNAL_TOKEN": settings.internal_token.get_secret_value(),
            "PYTHONWARNINGS": LIBRARY_WARNINGS_OFF}


def retrain_environment(settings: Settings) -> dict[str, str]:
    """The retrain worker (bot/nlu/retrain_worker.py): the database with its jobs, the Rasa
    replicas it loads models into and RASA_TOKEN for that; no other secret."""
    return {**process_basics(), "DATABASE_URL": settings.database_url, "RASA_URL": settings.rasa_url,
            "RASA_URLS": settings.rasa_urls,
            "RASA_TOKEN": settings.rasa_token.get_secret_value()}


def bot_environment(settings: Settings) -> dict[str, str]:
    """The bot service reads its own Settings again: our environment, with the secrets as this
    process resolved them (var/secrets.env included)."""
    secrets = {name.upper(): getattr(settings, name).get_secret_value() for name in REQUIRED_SECRETS}
    return {**environment(), **secrets}


def child_environments(settings: Settings) -> dict[str, dict[str, str]]:
    """The environment of each child (docs/operator-guide.md, "Internal tokens")."""
    return {"actions": action_server_environment(settings), "rasa": rasa_environment(settings),
            "bot": bot_environment(settings), "retrain": retrain_environment(settings)}


@dataclass(frozen=True)
class Child:
    command: list[str]
    environment: dict[str, str]


async def run_all(settings: Settings, commands: dict[str, list[str]] | None = None) -> int:
    """`commands`: what to start instead of child_commands (tests start stand-ins for Rasa)."""
    environments = child_environments(settings)
    children = {name: Child(command, environments[name])
                for name, command in (commands or child_commands(settings)).items()}
    return await supervise(children, [f"http://127.0.0.1:{settings.port}/readyz"],
                           "Starting the action server, Rasa and the bot service (Rasa takes a minute)",
                           lambda: _banner(settings))


async def supervise(children: dict[str, Child], ready_urls: list[str], starting: str,
                    banner: Callable[[], None], *, pid_file: Path | None = None) -> int:
    """Starts every child and prints `banner` once every URL of `ready_urls` answers 200. Ctrl-C
    or SIGTERM stops them all. A child that stops stops the others too (`make run`), or, given a
    `pid_file` (`make cluster`), is started again, like compose's `restart: unless-stopped`; the
    file always lists the running children's process ids (the fault tests kill them)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    running: dict[str, asyncio.subprocess.Process] = {}
    ready = asyncio.create_task(_wait_until_ready(ready_urls, starting))
    try:
        for name, child in children.items():
            running[name] = await _start(child)
        _write_pids(pid_file, running)
        return await _watch(children, running, stop, ready, banner, pid_file)
    finally:
        ready.cancel()
        if stop.is_set():
            print("\nStopping the assistant.", flush=True)
        await _stop(running)
        if stop.is_set():
            print("Stopped.", flush=True)


async def _start(child: Child) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(*child.command, env=child.environment, start_new_session=True)


def _write_pids(pid_file: Path | None, running: dict[str, asyncio.subprocess.Process]) -> None:
    if pid_file is not None:
        pid_file.write_text(json.dumps({name: process.pid for name, process in running.items()}), encoding="utf-8")


async def _watch(children: dict[str, Child], running: dict[str, asyncio.subprocess.Process], stop: asyncio.Event,
                 ready: asyncio.Task[bool], banner: Callable[[], None], pid_file: Path | None) -> int:
    restarts: dict[str, list[float]] = {name: [] for name in children}
    while True:
        exits = {asyncio.create_task(process.wait()): name for name, process in running.items()}
        stopping = asyncio.create_task(stop.wait())
        waits: list[asyncio.Future[Any]] = [*exits, stopping, *([] if ready.done() else [ready])]
        done, _ = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for task in (*exits, stopping):
            task.cancel()
        if stop.is_set():
            return 0
        if ready in done:
            if not ready.result():
                return 1
            banner()
        stopped = [exits[task] for task in done if task in exits]
        if stopped and pid_file is None:
            print("A process stopped; stopping the others.", file=sys.stderr)
            return 1
        for name in stopped:
            now = time.monotonic()
            restarts[name] = [at for at in restarts[name] if now - at < RESTART_WINDOW_SECONDS] + [now]
            if len(restarts[name]) > RESTARTS_PER_WINDOW:
                print(f"{name} keeps stopping; stopping the others.", file=sys.stderr)
                return 1
            pause = min(RESTART_PAUSE_MAX_SECONDS, RESTART_PAUSE_SECONDS * 2 ** (len(restarts[name]) - 1))
            print(f"{name} stopped (exit status {running[name].returncode}); starting it again in {pause:g} s.",
                  file=sys.stderr)
            try:
                await asyncio.wait_for(stop.wait(), pause)
                return 0  # Ctrl-C or SIGTERM meanwhile
            except asyncio.TimeoutError:
                pass
            running[name] = await _start(children[name])
        _write_pids(pid_file, running)


async def _wait_until_ready(urls: list[str], starting: str) -> bool:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    print(starting, end="", flush=True)
    waiting = list(urls)
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            for url in list(waiting):
                try:
                    async with session.get(url, timeout=aiohttp.ClientTimeout(total=2)) as response:
                        if response.status == 200:
                            waiting.remove(url)
                except (aiohttp.ClientError, asyncio.TimeoutError):
                    pass
            if not waiting:
                print(" ready.")
                return True
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

"""The whole stack as real processes: what `make run` starts (action server, Rasa with the trained
model, bot service), on spare ports with a fresh database, so tests cross every real boundary."""
from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest
from cryptography.fernet import Fernet

from bot.settings import Settings
from support.paths import MODEL, RASA_PYTHON, ROOT
from support.ports import free_port
from support.tokens import BOUNDARY_TOKENS

STARTUP_TIMEOUT_SECONDS = 300


class Stack:
    def __init__(self, base_url: str, rasa_url: str, actions_url: str, token: str,
                 logs: dict[str, Path], database_url: str, secret_key: str,
                 env: dict[str, str], processes: dict[str, subprocess.Popen],
                 boundary_tokens: dict[str, str] | None = None) -> None:
        self.base_url, self.rasa_url, self.actions_url, self.token = base_url, rasa_url, actions_url, token
        # GATEWAY_TOKEN, NLG_TOKEN, ACTION_TOKEN, INTERNAL_TOKEN; `token` is RASA_TOKEN (Rasa's API).
        self.boundary_tokens = boundary_tokens or {}
        self.logs = logs
        self.database_url = database_url
        self.secret_key = secret_key
        self.env = env  # what the processes run with: for the `bot` command line in tests
        self._processes = processes
        self._senders: dict[str, str] = {}  # a test's name for a REST conversation -> its sender

    def sender(self, name: str) -> str:
        """The sender the server issued (POST /api/v1/chat/start) for the test's conversation `name`."""
        if name not in self._senders:
            self._senders[name] = post_json(f"{self.base_url}/api/v1/chat/start", {})["sender"]
        return self._senders[name]

    def chat(self, sender: str, message: Any) -> list[dict[str, Any]]:
        """`sender`: the test's name for a REST conversation."""
        return post_json(f"{self.base_url}/api/v1/chat", {"sender": self.sender(sender), "message": message})

    def pids(self) -> dict[str, int]:
        """The process id of each part ("bot", "actions", "rasa")."""
        return {name: process.pid for name, process in self._processes.items()}

    def bot_command(self, *args: str) -> str:
        """Runs `bot ...` against this stack's database and secrets; returns its output."""
        return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=ROOT, env=self.env,
                              check=True, capture_output=True, text=True).stdout

    def restart_bot_service(self) -> None:
        """Stops the bot service the hard way and starts it again on the same port."""
        old = self._processes["bot"]
        old.kill()
        old.wait(timeout=15)
        log = open(self.logs["bot"], "a")
        self._processes["bot"] = subprocess.Popen(old.args, cwd=ROOT, env=self.env, stdout=log,
                                                  stderr=subprocess.STDOUT)
        wait_ready(f"{self.base_url}/readyz", list(self._processes.values()))


def post_json(url: str, body: Any, headers: dict[str, str] | None = None) -> Any:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def wait_ready(url: str, processes: list[subprocess.Popen]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                raise RuntimeError(f"{process.args} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(1)
    raise RuntimeError("the stack did not become ready")


@contextlib.contextmanager
def running_stack(workdir: Path, database_url: str) -> Iterator[Stack]:
    """Migrates the database with `bot db upgrade`, then starts bot service, action server and Rasa
    like `make run`, on spare ports."""
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` (make test does)")
    bot_port, rasa_port, actions_port = free_port(), free_port(), free_port()
    token, secret_key = secrets.token_urlsafe(24), secrets.token_urlsafe(32)
    boundary_tokens = {name.upper(): secrets.token_urlsafe(32) for name in BOUNDARY_TOKENS}
    settings = Settings(database_url=database_url, rasa_token=token, secret_key=secret_key,
                        encryption_key=Fernet.generate_key().decode(), **BOUNDARY_TOKENS)
    env = {
        **os.environ,
        "RASA_TOKEN": token, "SECRET_KEY": secret_key, **boundary_tokens,
        "ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "DATABASE_URL": database_url, "TRACKER_STORE_URL": settings.tracker_store_url,
        "PORT": str(bot_port), "RASA_URL": f"http://127.0.0.1:{rasa_port}",
        "NLG_URL": f"http://127.0.0.1:{bot_port}/nlg",
        "ACTIONS_URL": f"http://127.0.0.1:{actions_port}/webhook",
        "BOT_INTERNAL_URL": f"http://127.0.0.1:{bot_port}",
        "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
        # A neutral page on this machine: the test network reaches nothing else.
        "QUICK_EXIT_URL": f"http://127.0.0.1:{bot_port}/healthz",
        # The fuzz tests send thousands of messages, and the browser tests log in a dozen staff
        # from this one address; the limiters have tests of their own.
        "RATE_LIMIT_BURST": "1000000", "LOGIN_ATTEMPTS_BURST": "1000",
        # Every test client is 127.0.0.1: the per-address limits have tests of their own too.
        "CLIENT_MESSAGES_BURST": "1000000", "CLIENT_STARTS_BURST": "1000000", "CLIENT_MAX_SOCKETS": "1000",
        "HANDOVERS_PER_CONVERSATION_PER_DAY": "1000", "HANDOVERS_PER_CLIENT_PER_HOUR": "1000",
    }
    # As an operator (or the deployment's one-shot job) does: the schema first, then the service.
    upgrade = subprocess.run([sys.executable, "-m", "bot.cli", "db", "upgrade"], cwd=ROOT, env=env,
                             capture_output=True, text=True)
    if upgrade.returncode:
        pytest.fail(f"bot db upgrade failed: {upgrade.stderr}")
    logs = {name: open(workdir / f"{name}.log", "w") for name in ("bot", "actions", "rasa")}
    commands = {
        "bot": [sys.executable, "-m", "bot.cli", "serve"],
        "actions": [str(RASA_PYTHON), "-m", "rasa_ext.action_server", "--port", str(actions_port)],
        "rasa": [str(RASA_PYTHON), "-m", "rasa_ext.server", "--model", str(MODEL),
                 "--port", str(rasa_port)],
    }
    processes = {name: subprocess.Popen(command, cwd=ROOT, env=env, stdout=logs[name],
                                        stderr=subprocess.STDOUT)
                 for name, command in commands.items()}
    try:
        wait_ready(f"http://127.0.0.1:{bot_port}/readyz", list(processes.values()))
        yield Stack(f"http://127.0.0.1:{bot_port}", f"http://127.0.0.1:{rasa_port}",
                    f"http://127.0.0.1:{actions_port}", token,
                    {name: workdir / f"{name}.log" for name in logs}, database_url, secret_key,
                    env, processes, boundary_tokens)
    except RuntimeError:
        for name in logs:
            logs[name].flush()
            sys.stderr.write(f"--- {name} log ---\n{(workdir / f'{name}.log').read_text()[-3000:]}\n")
        raise
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        for handle in logs.values():
            handle.close()

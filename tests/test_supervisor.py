"""`bot run`'s supervisor: Ctrl-C in the terminal stops every process it started, without a
traceback, and the retrain worker it starts holds RASA_TOKEN as its only secret.

The real bot service and the real retrain worker run; Rasa and the action server are stand-ins (a
sleeping Python), because Rasa takes a minute to start. Their own SIGTERM handling is sanic's.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from cryptography.fernet import Fernet

from bot.settings import RetrainSettings, Settings
from bot.supervisor import child_environments
from support.paths import ROOT
from support.ports import free_port
from support.tokens import BOUNDARY_TOKENS
START_SECONDS = 120
SUPERVISOR = """
import asyncio, sys
from bot.settings import Settings
from bot.supervisor import child_commands, run_all
settings = Settings()
stand_in = [sys.executable, "-c", "import time; time.sleep(600)"]
sys.exit(asyncio.run(run_all(settings, {**child_commands(settings), "actions": stand_in, "rasa": stand_in})))
"""


def children_of(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def test_ctrl_c_stops_every_process_and_prints_no_traceback(tmp_path, new_database):
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PORT": str(port),
           "DATABASE_URL": new_database("bot.db"), "RASA_URL": f"http://127.0.0.1:{free_port()}",
           "RASA_TOKEN": "test-rasa-token-of-at-least-32-characters",
           "SECRET_KEY": "test-secret-key-of-at-least-32-characters",
           "ENCRYPTION_KEY": Fernet.generate_key().decode(),
           **{name.upper(): value for name, value in BOUNDARY_TOKENS.items()}}
    output = tmp_path / "output.txt"
    with open(output, "w") as log:
        # A session of its own, like a terminal's: Ctrl-C signals the whole foreground group.
        supervisor = subprocess.Popen([sys.executable, "-c", SUPERVISOR], cwd=ROOT, env=env, stdout=log,
                                      stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + START_SECONDS
        while not (answers(f"http://127.0.0.1:{port}/healthz") and "retrain_worker_started" in output.read_text()):
            assert supervisor.poll() is None and time.monotonic() < deadline, output.read_text()[-3000:]
            time.sleep(0.5)
        children = children_of(supervisor.pid)
        assert len(children) == 4  # actions, rasa, bot service, retrain worker

        os.killpg(supervisor.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
        assert supervisor.wait(timeout=60) == 0
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
    printed = output.read_text()
    assert "Traceback" not in printed and " ERROR " not in printed, printed[-3000:]
    assert printed.rstrip().endswith("Stopped.")
    assert not [pid for pid in children if alive(pid)]


def test_the_retrain_worker_gets_only_the_rasa_token(settings, monkeypatch):
    secrets = ("RASA_TOKEN", "GATEWAY_TOKEN", "NLG_TOKEN", "ACTION_TOKEN", "INTERNAL_TOKEN",
               "SECRET_KEY", "ENCRYPTION_KEY", "TELEGRAM_TOKEN")
    for name in secrets:
        monkeypatch.setenv(name, "from-the-operators-shell")  # exported in the shell `make run` runs in
    worker = child_environments(settings)["retrain"]
    assert {name for name in secrets if name in worker} == {"RASA_TOKEN"}
    assert worker["RASA_TOKEN"] == settings.rasa_token.get_secret_value()


def test_the_retrain_worker_loads_every_rasa_replica_the_env_file_names(tmp_path, monkeypatch, settings):
    """RASA_URLS written only in .env (as the operator guide says) reaches the worker, whose own
    settings then name every replica."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RASA_URLS", raising=False)
    (tmp_path / ".env").write_text("RASA_URLS=http://rasa-1:5005,http://rasa-2:5005\n")
    from_env_file = Settings(**settings.model_dump(exclude={"rasa_urls"}))
    worker = child_environments(from_env_file)["retrain"]
    assert worker["RASA_URLS"] == "http://rasa-1:5005,http://rasa-2:5005"
    monkeypatch.setenv("RASA_URLS", worker["RASA_URLS"])
    monkeypatch.setenv("RASA_TOKEN", worker["RASA_TOKEN"])
    assert RetrainSettings().rasa_replicas == ["http://rasa-1:5005", "http://rasa-2:5005"]


CLUSTER_SUPERVISOR = """
import asyncio, sys
from pathlib import Path
from bot.supervisor import Child, supervise
sleeper = Child([sys.executable, "-c", "import time; time.sleep(600)"], {})
sys.exit(asyncio.run(supervise({"rasa1": sleeper, "rasa2": sleeper}, [], "starting", lambda: print("ready"),
                               pid_file=Path(sys.argv[1]))))
"""


def test_bot_cluster_starts_a_killed_replica_again_and_still_stops_them_all(tmp_path):
    """What make cluster's supervisor does that make run's does not: a replica killed with -9 (the
    fault tests do it) comes back, like compose's `restart: unless-stopped`."""
    pid_file = tmp_path / "processes.json"
    supervisor = subprocess.Popen([sys.executable, "-c", CLUSTER_SUPERVISOR, str(pid_file)], cwd=ROOT,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        first = json.loads(pid_file.read_text())
        os.killpg(first["rasa1"], signal.SIGKILL)
        while json.loads(pid_file.read_text())["rasa1"] == first["rasa1"] and time.monotonic() < deadline:
            time.sleep(0.1)
        again = json.loads(pid_file.read_text())
        assert again["rasa1"] != first["rasa1"] and alive(again["rasa1"])
        assert again["rasa2"] == first["rasa2"]  # the other one was left alone
    finally:
        supervisor.send_signal(signal.SIGTERM)
        _, errors = supervisor.communicate(timeout=60)
    assert supervisor.returncode == 0
    assert "rasa1 stopped (exit status -9); starting it again" in errors
    assert not any(alive(pid) for pid in again.values())

"""The fault tests' own cluster (`bot cluster`, as `make cluster` starts it) on a PostgreSQL server
and a Redis server of their own, so a test can stop and restart them without touching the
machine's (other tests and processes use those). bench/cluster_throughput.py starts it too.

Every process is real: PostgreSQL from Debian's packages (as the postgres user: initdb refuses
root), redis-server, HAProxy, and two (or `replicas`) bot services, Rasa servers and action servers.
"""
from __future__ import annotations

import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet

from support.paths import ROOT
from support.ports import free_port
from support.redis_server import PrivateRedis


PG_BIN = Path("/usr/lib/postgresql") / sorted(os.listdir("/usr/lib/postgresql"))[-1] / "bin" \
    if Path("/usr/lib/postgresql").exists() else Path("/usr/bin")
BOT = ROOT / ".venv" / "bin" / "bot"
SECRET_NAMES = ("RASA_TOKEN", "GATEWAY_TOKEN", "NLG_TOKEN", "ACTION_TOKEN", "INTERNAL_TOKEN", "SECRET_KEY")
STARTUP_SECONDS = 420


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def wait_until(check, seconds: float, what: str, every: float = 0.2) -> float:
    """Seconds until `check()` is true; fails the test after `seconds`."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        try:
            if check():
                return time.monotonic() - started
        except OSError:
            pass
        time.sleep(every)
    raise AssertionError(f"{what}: not within {seconds} s")


class PrivatePostgres:
    def __init__(self) -> None:
        # Not under pytest's temporary folder: the postgres user may not enter root's.
        self.dir = Path(tempfile.mkdtemp(prefix="exit-postgres-"))
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        subprocess.run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(self.dir / "data"), "-U", "postgres",
                                     "--auth=trust", "--no-sync"]), check=True, capture_output=True)
        self.start()

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _ctl(self, *args: str) -> None:
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-w", *args]),
                       check=True, capture_output=True)

    def start(self) -> None:
        self._ctl("-l", str(self.dir / "server.log"), "-o", f"-p {self.port} -k {self.dir} -c fsync=off "
                  "-c max_connections=200", "start")

    def stop(self) -> None:
        self._ctl("-m", "fast", "stop")

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def _free_base_port() -> int:
    """A base port with the 100 ports above it free (bot cluster counts up from it)."""
    for _ in range(50):
        base = random.randrange(20000, 40000, 100)
        try:
            for port in (base, base + 1, base + 10, base + 11, base + 40, base + 41, base + 70, base + 71):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError("no free port range")


@dataclass
class Cluster:
    public: str
    base_port: int
    public_port: int
    env: dict[str, str]
    process: subprocess.Popen
    log: Path
    secrets: dict[str, str] = field(default_factory=dict)
    replicas: int = 2

    @property
    def bot_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{self.base_port + 10 + n}" for n in range(self.replicas)]

    @property
    def rasa_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{self.base_port + 40 + n}" for n in range(self.replicas)]

    def pids(self) -> dict[str, int]:
        return json.loads((ROOT / "var" / "cluster" / f"processes-{self.public_port}.json").read_text())

    def kill(self, name: str) -> int:
        """kill -9 of one replica (its whole process group: Rasa's own children too)."""
        pid = self.pids()[name]
        os.killpg(pid, signal.SIGKILL)
        return pid

    def ready(self, url: str) -> bool:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def rasa_ready(self, rasa_url: str) -> bool:
        return self.ready(f"{rasa_url}/status?token={self.secrets['RASA_TOKEN']}")

    def tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:]


def start_cluster(workdir: Path, postgres: PrivatePostgres, redis: PrivateRedis, replicas: int = 2,
                  database: str = "exit_cluster") -> Cluster:
    """Like make cluster: the database made and upgraded, the data files imported, then `bot cluster`
    with `replicas` of each part (the benchmark compares one with two, each on a database of its own)."""
    database_url = postgres.url(database)
    made = {name: secrets.token_urlsafe(32) for name in SECRET_NAMES}
    made["ENCRYPTION_KEY"] = Fernet.generate_key().decode()
    public_port, base_port = free_port(), _free_base_port()
    env = {**os.environ, **made, "DATABASE_URL": database_url, "REDIS_URL": redis.url, "PORT": str(public_port),
           "RASA_TELEMETRY_ENABLED": "false",
           # Hundreds of messages from 127.0.0.1: the limiters have tests of their own.
           "RATE_LIMIT_BURST": "1000000", "CLIENT_MESSAGES_BURST": "1000000", "CLIENT_STARTS_BURST": "1000000",
           "CLIENT_MAX_SOCKETS": "1000", "HANDOVERS_PER_CONVERSATION_PER_DAY": "1000",
           "HANDOVERS_PER_CLIENT_PER_HOUR": "1000", "LOGIN_ATTEMPTS_BURST": "1000"}
    python = str(ROOT / ".venv" / "bin" / "python")
    subprocess.run([python, "-m", "bot.db.create_database", database_url], cwd=ROOT, env=env, check=True)
    # As make cluster does: the schema once, before any replica starts.
    subprocess.run([str(BOT), "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    for kind in ("content", "regions", "rules"):
        subprocess.run([str(BOT), kind, "import"], cwd=ROOT, env=env, check=True, capture_output=True)
    # Beside the cluster's HAProxy configuration (var/ is outside git): pytest's temporary
    # folders are gone after a few runs, and this log is what explains a failed fault test.
    log = ROOT / "var" / "cluster" / f"cluster-{public_port}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen([str(BOT), "cluster", "--replicas", str(replicas), "--base-port", str(base_port)],
                               cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
                               start_new_session=True)
    cluster = Cluster(f"http://127.0.0.1:{public_port}", base_port, public_port, env, process, log, made, replicas)
    try:
        wait_until(lambda: "ready." in log.read_text(errors="replace") or process.poll() is not None,
                   STARTUP_SECONDS, "cluster ready", every=1)
    except AssertionError:
        sys.stderr.write(cluster.tail())
        raise
    if process.poll() is not None:
        raise AssertionError(f"bot cluster stopped:\n{cluster.tail()}")
    return cluster


def stop_cluster(cluster: Cluster) -> None:
    if cluster.process.poll() is None:
        cluster.process.send_signal(signal.SIGTERM)
        try:
            cluster.process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(cluster.process.pid, signal.SIGKILL)
            cluster.process.wait()

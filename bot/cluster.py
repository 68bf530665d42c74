"""`make cluster`: the production topology of docker-compose.yml as processes on one machine: N bot
services, N Rasa servers and N action servers on PostgreSQL and Redis, behind HAProxy, plus one
retrain worker. Never used by `make run` (one process each, SQLite).

HAProxy has three doors on 127.0.0.1: the public one (only the paths of deploy/public_routes.txt,
like the compose file's Caddy), an internal one for Rasa's NLG calls and the action server's
internal API calls (only /nlg and /internal/), and one in front of the action servers. The
gateway itself picks a Rasa replica per conversation (bot/rasa_replicas.py), so Rasa has no
balancer. HAProxy logs nothing: request lines carry conversation tokens.
"""
from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from pathlib import Path

from bot.settings import Settings, process_basics
from bot.supervisor import (RASA_PYTHON, Child, action_server_environment, bot_environment, rasa_environment,
                            retrain_environment, supervise)

HAPROXY = "/usr/sbin/haproxy"
PUBLIC_ROUTES = Path("deploy/public_routes.txt")
# A health check every second, out after two failures: a dead replica gets no new requests after
# about two seconds (connections refused meanwhile are retried on another replica at once).
CHECK = "check inter 1s fall 2 rise 2"
# The service's own limit (bot/app.py MAX_REQUEST_BYTES); tests/test_deployment_files.py holds
# both proxies to it.
MAX_BODY_BYTES = 64 * 1024


@dataclass(frozen=True)
class Layout:
    """Ports on 127.0.0.1: the public door is PORT; the rest count up from `base_port`."""
    replicas: int
    public_port: int
    base_port: int

    @property
    def internal_port(self) -> int:
        return self.base_port

    @property
    def actions_port(self) -> int:
        return self.base_port + 1

    def bot_ports(self) -> list[int]:
        return [self.base_port + 10 + n for n in range(self.replicas)]

    def rasa_ports(self) -> list[int]:
        return [self.base_port + 40 + n for n in range(self.replicas)]

    def action_ports(self) -> list[int]:
        return [self.base_port + 70 + n for n in range(self.replicas)]

    def rasa_urls(self) -> str:
        return ",".join(f"http://127.0.0.1:{port}" for port in self.rasa_ports())


def public_rules(text: str) -> tuple[list[str], list[str]]:
    """The exact paths and the prefixes of deploy/public_routes.txt."""
    exact: list[str] = []
    prefixes: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        kind, path = line.split()
        (exact if kind == "exact" else prefixes).append(path)
    return exact, prefixes


def haproxy_config(routes_text: str, *, public_port: int, internal_port: int, actions_port: int,
                   bot_ports: list[int], action_ports: list[int]) -> str:
    exact, prefixes = public_rules(routes_text)
    bots = "\n".join(f"    server bot{n} 127.0.0.1:{port} {CHECK}" for n, port in enumerate(bot_ports, 1))
    actions = "\n".join(f"    server actions{n} 127.0.0.1:{port} {CHECK}" for n, port in enumerate(action_ports, 1))
    return f"""# Written by `bot cluster` at every start; edit bot/cluster.py instead.
global
    maxconn 4096

defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    # An open widget websocket or a staff inbox socket may stay quiet for a long time.
    timeout tunnel 1h
    # A refused connection is tried on another replica; a request a replica already took is
    # never sent twice (a chat message must not be handled twice).
    retries 2
    option redispatch
    retry-on conn-failure

frontend public
    bind 127.0.0.1:{public_port}
    # "/staff/../nlg" and "/api/v1/staff/%2e%2e/nlg" are /nlg to the service, which stays inside.
    # No public path has a dot segment, a double slash or an encoded character, so such a path is
    # refused before it is matched (HAProxy 2.6 normalises paths only with experimental options).
    http-request deny deny_status 404 if {{ path_sub /. // % }}
    acl public_path path {" ".join(exact)}
    acl public_path path_beg {" ".join(prefixes)}
    http-request deny deny_status 404 unless public_path
    # The service reads at most 64 KiB a request (bot/app.py); a bigger one never reaches it.
    http-request deny deny_status 413 if {{ req.hdr_val(content-length) gt {MAX_BODY_BYTES} }}
    # Only the address HAProxy saw: one the client sent itself would be believed otherwise.
    http-request del-header X-Forwarded-For
    option forwardfor
    default_backend bots

frontend internal
    bind 127.0.0.1:{internal_port}
    acl internal_path path /nlg
    acl internal_path path_beg /internal/
    http-request deny deny_status 404 unless internal_path
    default_backend bots

frontend actions
    bind 127.0.0.1:{actions_port}
    default_backend actions

backend bots
    balance roundrobin
    option httpchk GET /healthz
    # A new connection for every request: a request sent over a kept-alive connection to a replica
    # that just died fails in a way HAProxy may not retry (it might have been handled), while a
    # refused new connection is retried on another replica at once. On loopback or a LAN a
    # connection costs a fraction of a millisecond.
    http-reuse never
{bots}

backend actions
    balance roundrobin
    option httpchk GET /health
{actions}
"""


def layout_config(layout: Layout, routes_text: str) -> str:
    return haproxy_config(routes_text, public_port=layout.public_port, internal_port=layout.internal_port,
                          actions_port=layout.actions_port, bot_ports=layout.bot_ports(),
                          action_ports=layout.action_ports())


class ClusterRefused(Exception):
    """The configuration cannot run as a cluster (SQLite, no Redis, no HAProxy)."""


def check_settings(settings: Settings) -> None:
    if not settings.database_url.startswith("postgresql"):
        raise ClusterRefused("make cluster needs PostgreSQL: set DATABASE_URL=postgresql+psycopg://...")
    if not settings.redis_url:
        raise ClusterRefused("make cluster needs Redis: set REDIS_URL=redis://127.0.0.1:6379/0")
    if not Path(HAPROXY).exists():
        raise ClusterRefused(f"{HAPROXY} not found: make cluster installs Debian's haproxy")


def children(settings: Settings, layout: Layout, config: Path) -> dict[str, Child]:
    internal = f"http://127.0.0.1:{layout.internal_port}"
    found: dict[str, Child] = {"haproxy": Child([HAPROXY, "-db", "-f", str(config)], process_basics())}
    for n, port in enumerate(layout.bot_ports(), 1):
        found[f"bot{n}"] = Child([sys.executable, "-m", "bot.cli", "serve"], {
            **bot_environment(settings), "HOST": "127.0.0.1", "PORT": str(port), "RASA_URLS": layout.rasa_urls(),
            "TRUSTED_PROXIES": "127.0.0.1"})
    for n, port in enumerate(layout.rasa_ports(), 1):
        found[f"rasa{n}"] = Child([RASA_PYTHON, "-m", "rasa_ext.server", "--port", str(port)], {
            **rasa_environment(settings), "ACTIONS_URL": f"http://127.0.0.1:{layout.actions_port}/webhook",
            "NLG_URL": f"{internal}/nlg"})
    for n, port in enumerate(layout.action_ports(), 1):
        found[f"actions{n}"] = Child([RASA_PYTHON, "-m", "rasa_ext.action_server", "--port", str(port)], {
            **action_server_environment(settings), "BOT_INTERNAL_URL": internal})
    found["retrain"] = Child([sys.executable, "-m", "bot.cli", "retrain", "worker"], {
        **retrain_environment(settings), "RASA_URLS": layout.rasa_urls()})
    return found


def ready_urls(settings: Settings, layout: Layout) -> list[str]:
    """Every bot replica ready (database and a Rasa), every Rasa with its model, the public door."""
    token = settings.rasa_token.get_secret_value()
    return ([f"http://127.0.0.1:{port}/readyz" for port in layout.bot_ports()]
            + [f"http://127.0.0.1:{port}/status?token={token}" for port in layout.rasa_ports()]
            + [f"http://127.0.0.1:{layout.public_port}/healthz"])


def run_cluster(settings: Settings, layout: Layout, workdir: Path = Path("var/cluster")) -> int:
    check_settings(settings)
    workdir.mkdir(parents=True, exist_ok=True)
    # Named by the public port: a second cluster on other ports (the fault tests) keeps its own.
    config = workdir / f"haproxy-{layout.public_port}.cfg"
    config.write_text(layout_config(layout, PUBLIC_ROUTES.read_text(encoding="utf-8")), encoding="utf-8")
    base = f"http://127.0.0.1:{layout.public_port}"
    ports = f"bot services {', '.join(map(str, layout.bot_ports()))}; Rasa {', '.join(map(str, layout.rasa_ports()))}"

    def banner() -> None:
        print(f"""
  The assistant runs as a cluster: {layout.replicas} bot services, {layout.replicas} Rasa servers and
  {layout.replicas} action servers behind HAProxy, on PostgreSQL and Redis.
    Web widget (demo page):  {base}/
    Staff inbox:             {base}/staff/
    Internal ports:          {ports}
  Ctrl-C stops everything.
""", flush=True)

    return asyncio.run(supervise(children(settings, layout, config), ready_urls(settings, layout),
                           f"Starting {layout.replicas} of each: bot services, Rasa servers, action servers "
                           "(Rasa takes a minute or two)", banner,
                           pid_file=workdir / f"processes-{layout.public_port}.json"))

"""The deployment files (docker-compose.yml, deploy/): Docker cannot run here, so what an operator
relies on is checked with the tools that do: docker-compose validates the compose file, hadolint
lints the Dockerfiles, and a real Caddy runs deploy/Caddyfile in front of a recording server, so
only the public routes pass. The rest holds the compose file to the code: each service gets the
secrets `bot run` gives its process and no others, only the proxy publishes ports, and every
setting the bot service is given is one it reads.
"""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import stat
import subprocess
import sys
from ipaddress import ip_address, ip_network
from pathlib import Path

import aiohttp
import pytest
import yaml
from aiohttp import web
from cryptography.fernet import Fernet

from bot.app import MAX_REQUEST_BYTES, create_app
from bot.cluster import HAPROXY, PUBLIC_ROUTES, haproxy_config
from bot.secret_file import COMPOSE_DATABASE_HOST, COMPOSE_DATABASE_NAME, ensure_secret_files
from bot.settings import REQUIRED_SECRETS, RetrainSettings, Settings
from bot.supervisor import action_server_environment, rasa_environment, retrain_environment
from support.paths import ROOT
from support.ports import free_port
from support.public_routes import is_public, public_routes

COMPOSE_FILE = ROOT / "docker-compose.yml"
TELEGRAM_FILE = ROOT / "deploy" / "telegram.yml"
CADDYFILE = ROOT / "deploy" / "Caddyfile"
DOCKERFILES = sorted((ROOT / "deploy").glob("*.Dockerfile"))
COMPOSE_SETTINGS = {"DOMAIN": "chat.example.org", "ACME_EMAIL": "ops@example.org"}
# The routes of the bot service that only other parts of the deployment call.
INTERNAL_ROUTES = {"/nlg", "/readyz"}
INTERNAL_PREFIX = "/internal"  # the sub-app's resource; its routes are below /internal/
# The services built from this project that run on the internal network only.
INTERNAL_ONLY = ("postgres", "redis", "migrate", "retrain", "rasa", "actions")
# What Caddy may take to start listening.
PROXY_START_SECONDS = 15


def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def service(name: str) -> dict:
    return compose()["services"][name]


def tool(name: str) -> str:
    """A validation tool: Debian's (make test installs them: .build/deploy-tools.stamp) or the
    bot environment's (hadolint, from requirements/bot-dev.txt)."""
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail(f"{name} is not installed: `make .build/deploy-tools.stamp .build/bot-dev.stamp` installs it")
    return found


def run(*command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


# --- the compose file -------------------------------------------------------------------------

def test_docker_compose_accepts_the_compose_file_with_and_without_telegram(tmp_path):
    # Not the checkout's .env (make run's settings): only what this test gives.
    (tmp_path / "empty.env").write_text("")
    for files in (["-f", "docker-compose.yml"], ["-f", "docker-compose.yml", "-f", "deploy/telegram.yml"]):
        checked = run(tool("docker-compose"), "--env-file", str(tmp_path / "empty.env"), *files, "config", "-q",
                      env=COMPOSE_SETTINGS)
        assert checked.returncode == 0, checked.stderr


def test_docker_compose_refuses_to_start_without_the_domain_and_says_where_to_set_it(tmp_path):
    (tmp_path / "empty.env").write_text("")
    without = {name: value for name, value in os.environ.items() if name not in COMPOSE_SETTINGS}
    checked = subprocess.run([tool("docker-compose"), "--env-file", str(tmp_path / "empty.env"),
                              "-f", "docker-compose.yml", "config", "-q"], cwd=ROOT,
                             capture_output=True, text=True, timeout=120, env=without)
    assert checked.returncode != 0
    assert "set DOMAIN in .env" in checked.stderr


def test_only_the_proxy_publishes_ports_and_it_reaches_nothing_but_the_bot_service():
    services = compose()["services"]
    assert {name for name, spec in services.items() if spec.get("ports")} == {"proxy"}
    assert {name for name, spec in services.items() if "expose" in spec} == set()
    assert list(services["proxy"]["networks"]) == ["public"]
    on_public = {name for name, spec in services.items() if "public" in spec.get("networks", [])}
    assert on_public == {"proxy", "bot"}


def test_rasa_the_actions_and_the_stores_are_on_the_internal_network_only():
    networks = compose()["networks"]
    assert networks["internal"]["internal"] is True
    for name in INTERNAL_ONLY:
        assert list(service(name)["networks"]) == ["internal"], name
    # The bot service needs a way out (Telegram's Bot API): not only the network without one.
    assert set(service("bot")["networks"]) == {"public", "internal"}


def test_the_bot_service_trusts_the_proxys_fixed_address_only():
    proxy_address = service("proxy")["networks"]["public"]["ipv4_address"]
    assert service("bot")["environment"]["TRUSTED_PROXIES"] == proxy_address
    (pool,) = compose()["networks"]["public"]["ipam"]["config"]
    assert ip_address(proxy_address) in ip_network(pool["subnet"])
    assert ip_address(proxy_address) not in ip_network(pool["ip_range"]), "Docker could give it to another container"


def test_every_setting_the_bot_service_is_given_is_one_it_reads_and_every_secret_arrives_as_a_file():
    fields = set(Settings.model_fields)
    telegram = yaml.safe_load(TELEGRAM_FILE.read_text(encoding="utf-8"))["services"]["bot"]
    spec = service("bot")
    environment = set(spec.get("environment", {}))
    secrets = set(spec["secrets"]) | set(telegram["secrets"])
    assert {variable.lower() for variable in environment} <= fields
    assert secrets <= fields
    assert set(REQUIRED_SECRETS) <= secrets
    assert not {secret.upper() for secret in secrets} & environment, "a secret in the compose file"


def test_each_service_holds_the_secrets_bot_run_gives_its_process_and_no_others(settings):
    secret_variables = {name.upper() for name in REQUIRED_SECRETS}

    def held(environment: dict[str, str]) -> set[str]:
        return {name.lower() for name in environment if name in secret_variables}

    assert set(service("rasa")["secrets"]) == held(rasa_environment(settings)) | {"tracker_store_url"}
    assert set(service("actions")["secrets"]) == held(action_server_environment(settings))
    assert set(service("retrain")["secrets"]) == held(retrain_environment(settings)) | {"database_url"}
    assert set(service("retrain")["secrets"]) <= set(RetrainSettings.model_fields)
    for name in ("rasa", "actions"):
        assert not {"secret_key", "encryption_key"} & set(service(name)["secrets"]), name
    assert service("postgres")["secrets"] == ["postgres_password"]


def test_the_generated_database_addresses_name_the_compose_database():
    postgres = service("postgres")
    assert COMPOSE_DATABASE_HOST == "postgres:5432"
    assert postgres["environment"]["POSTGRES_USER"] == COMPOSE_DATABASE_NAME
    assert postgres["environment"]["POSTGRES_DB"] == COMPOSE_DATABASE_NAME
    assert postgres["environment"]["POSTGRES_PASSWORD_FILE"] == "/run/secrets/postgres_password"


def test_the_replicas_start_after_the_one_migration_job_and_rasa_finds_every_part_by_name():
    assert service("bot")["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert service("retrain")["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert service("migrate")["command"] == ["bot", "db", "upgrade"]
    assert service("migrate")["restart"] == "no"
    rasa = service("rasa")["environment"]
    assert rasa["ACTIONS_URL"] == "http://actions:5055/webhook"
    assert rasa["NLG_URL"] == "http://bot:8080/nlg"
    assert service("actions")["environment"]["BOT_INTERNAL_URL"] == "http://bot:8080"
    # Scaling needs services without fixed names.
    assert not any("container_name" in spec for spec in compose()["services"].values())


def test_every_secret_file_the_compose_file_mounts_is_generated_by_bot_secrets_init(tmp_path):
    written = ensure_secret_files(tmp_path / "secrets")
    declared = {name for name in compose()["secrets"]}
    assert set(written) == declared
    assert stat.S_IMODE((tmp_path / "secrets").stat().st_mode) == 0o700
    for name in declared:
        assert stat.S_IMODE((tmp_path / "secrets" / name).stat().st_mode) == 0o600


def test_generating_again_keeps_every_secret_and_fills_only_an_empty_one(tmp_path):
    directory = tmp_path / "secrets"
    ensure_secret_files(directory)
    before = {path.name: path.read_text() for path in directory.iterdir()}
    (directory / "nlg_token").write_text("")
    assert ensure_secret_files(directory) == ["nlg_token"]
    after = {path.name: path.read_text() for path in directory.iterdir()}
    assert {name: value for name, value in after.items() if name != "nlg_token"} == \
        {name: value for name, value in before.items() if name != "nlg_token"}
    assert after["nlg_token"].strip()


def test_the_service_starts_from_generated_secret_files_with_the_generated_database_password(tmp_path):
    directory = tmp_path / "secrets"
    ensure_secret_files(directory)
    settings = Settings(_secrets_dir=directory, _env_file=None)  # type: ignore[call-arg]
    password = (directory / "postgres_password").read_text().strip()
    assert settings.database_url == f"postgresql+psycopg://bot:{password}@postgres:5432/bot"
    assert (directory / "tracker_store_url").read_text().strip() == settings.tracker_store_url
    Fernet(settings.encryption_key.get_secret_value().encode())
    retrain = RetrainSettings(_secrets_dir=directory, _env_file=None)  # type: ignore[call-arg]
    assert retrain.rasa_token == settings.rasa_token


def test_an_empty_secret_file_is_refused_like_an_empty_variable(tmp_path):
    directory = tmp_path / "secrets"
    ensure_secret_files(directory)
    (directory / "gateway_token").write_text("\n")
    with pytest.raises(ValueError, match="GATEWAY_TOKEN is empty"):
        Settings(_secrets_dir=directory, _env_file=None)  # type: ignore[call-arg]


def test_rasa_and_the_action_server_get_each_mounted_secret_as_its_variable_and_nothing_is_printed(tmp_path):
    (tmp_path / "action_token").write_text("token-with-$pecial 'characters'\n")
    (tmp_path / "internal_token").write_text("the-internal-token")
    started = subprocess.run(["sh", str(ROOT / "deploy" / "secrets-entrypoint.sh"), sys.executable, "-c",
                              "import json, os; print(json.dumps({k: v for k, v in os.environ.items() if k.endswith('_TOKEN')}))"],
                             capture_output=True, text=True, timeout=30,
                             env={"PATH": os.environ["PATH"], "SECRETS_DIR": str(tmp_path)})
    assert started.returncode == 0, started.stderr
    assert json.loads(started.stdout) == {"ACTION_TOKEN": "token-with-$pecial 'characters'",
                                          "INTERNAL_TOKEN": "the-internal-token"}
    assert started.stderr == ""


def test_every_image_that_runs_rasa_starts_through_the_secrets_entrypoint():
    rasa = (ROOT / "deploy" / "rasa.Dockerfile").read_text(encoding="utf-8")
    assert 'ENTRYPOINT ["secrets-entrypoint"]' in rasa
    assert "COPY deploy/secrets-entrypoint.sh /usr/local/bin/secrets-entrypoint" in rasa
    assert os.access(ROOT / "deploy" / "secrets-entrypoint.sh", os.X_OK)


# --- the images -------------------------------------------------------------------------------

def test_hadolint_finds_nothing_in_the_dockerfiles():
    assert DOCKERFILES, "no deploy/*.Dockerfile"
    linted = run(tool("hadolint"), *[str(path) for path in DOCKERFILES])
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_every_file_an_image_copies_from_the_project_is_there():
    missing = []
    for dockerfile in DOCKERFILES:
        for line in dockerfile.read_text(encoding="utf-8").splitlines():
            words = line.split()
            if words[:1] != ["COPY"] or any(word.startswith("--from") for word in words):
                continue
            sources = [word for word in words[1:-1] if not word.startswith("--")]
            missing += [f"{dockerfile.name}: {source}" for source in sources if not (ROOT / source).exists()]
    assert missing == []


def test_the_images_are_never_given_the_local_secrets_environments_or_history():
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    for entry in (".git", ".env", "secrets/", "var/", ".venv*", ".build/"):
        assert entry in ignored


def test_every_module_a_service_or_image_runs_is_in_the_project():
    commands = [spec["command"] for spec in compose()["services"].values() if isinstance(spec.get("command"), list)]
    for dockerfile in DOCKERFILES:
        commands += [json.loads(line.split(None, 1)[1]) for line in dockerfile.read_text(encoding="utf-8").splitlines()
                     if line.startswith("CMD [")]
    modules = [command[command.index("-m") + 1] for command in commands if "-m" in command]
    assert modules, "no python -m command found"
    for module in modules:
        assert (ROOT / (module.replace(".", "/") + ".py")).exists(), module
    scripts = {command[0] for command in commands if command[0] not in ("python", "postgres", "redis-server")}
    assert scripts == {"bot"}
    assert 'bot = "bot.cli:main"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


# --- the proxy --------------------------------------------------------------------------------

def test_every_route_of_the_service_is_public_or_one_the_proxy_keeps_inside(settings, static_data):
    routes = public_routes()
    app = create_app(settings, static=static_data)
    paths = {resource.canonical for resource in app.router.resources()}
    for path in paths:
        internal = path in INTERNAL_ROUTES or path.startswith(INTERNAL_PREFIX)
        assert is_public(path, routes) != internal, f"{path}: add it to deploy/public_routes.txt or INTERNAL_ROUTES"
    unused = [route.path for route in routes if not any(route.admits(path) for path in paths)]
    assert unused == [], "deploy/public_routes.txt names routes the service does not have"


def test_caddy_accepts_the_caddyfile(tmp_path):
    checked = run(tool("caddy"), "validate", "--config", str(CADDYFILE), "--adapter", "caddyfile",
                  env={**COMPOSE_SETTINGS, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path),
                       "XDG_CONFIG_HOME": str(tmp_path)})
    assert checked.returncode == 0, checked.stderr


def proxy_config(tmp_path: Path, listen: int, upstream: int) -> Path:
    """deploy/Caddyfile as Caddy reads it, served on plain HTTP on a local port, with the recording
    server in place of the bot replicas Docker's DNS would name. Matchers and handlers unchanged."""
    adapted = run(tool("caddy"), "adapt", "--config", str(CADDYFILE), "--adapter", "caddyfile",
                  env={"DOMAIN": f"http://127.0.0.1:{listen}", "ACME_EMAIL": "ops@example.org",
                       "HOME": str(tmp_path)})
    assert adapted.returncode == 0, adapted.stderr
    config = json.loads(adapted.stdout)
    proxies = []

    def find(node: object) -> None:
        if isinstance(node, dict):
            if node.get("handler") == "reverse_proxy":
                proxies.append(node)
            for value in node.values():
                find(value)
        elif isinstance(node, list):
            for value in node:
                find(value)

    find(config)
    assert [proxy.pop("dynamic_upstreams")["name"] for proxy in proxies] == ["bot"]
    proxies[0]["upstreams"] = [{"dial": f"127.0.0.1:{upstream}"}]
    config["admin"] = {"disabled": True}
    config["storage"] = {"module": "file_system", "root": str(tmp_path / "caddy")}
    path = tmp_path / "caddy.json"
    path.write_text(json.dumps(config))
    return path


def haproxy_config_file(tmp_path: Path, listen: int, upstream: int) -> Path:
    """make cluster's HAProxy configuration (bot/cluster.py) with the recording server as the one
    bot replica; its other doors on spare ports."""
    path = tmp_path / "haproxy.cfg"
    path.write_text(haproxy_config(PUBLIC_ROUTES.read_text(encoding="utf-8"), public_port=listen,
                                   internal_port=free_port(), actions_port=free_port(), bot_ports=[upstream],
                                   action_ports=[free_port()]))
    return path


def proxy_command(kind: str, tmp_path: Path, listen: int, upstream: int) -> list[str]:
    if kind == "caddy":
        return [tool("caddy"), "run", "--config", str(proxy_config(tmp_path, listen, upstream))]
    return [HAPROXY, "-db", "-f", str(haproxy_config_file(tmp_path, listen, upstream))]


@pytest.fixture(params=["caddy", "haproxy"])
async def proxied(request, tmp_path):
    """(address of the proxy: Caddy running deploy/Caddyfile for compose, or the HAProxy of make
    cluster; the requests that reached the upstream). Both must let through the same routes."""
    reached: list[dict[str, str]] = []

    async def record(request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            socket = web.WebSocketResponse()
            await socket.prepare(request)
            async for message in socket:
                await socket.send_str("echo " + message.data)
            return socket
        await request.read()
        # Not HAProxy's own health checks (GET /healthz, every second).
        if request.method != "GET" or request.raw_path != "/healthz" or request.headers.get("X-Test") == "1":
            reached.append({"path": request.raw_path, "forwarded_for": request.headers.get("X-Forwarded-For", "")})
        return web.Response(text="upstream")

    upstream_app = web.Application(client_max_size=1024 * 1024)
    upstream_app.router.add_route("*", "/{tail:.*}", record)
    runner = web.AppRunner(upstream_app)
    await runner.setup()
    upstream_port, listen = free_port(), free_port()
    await web.TCPSite(runner, "127.0.0.1", upstream_port).start()
    proxy = await asyncio.create_subprocess_exec(*proxy_command(request.param, tmp_path, listen, upstream_port),
                                                 stdout=asyncio.subprocess.DEVNULL,
                                                 stderr=asyncio.subprocess.DEVNULL,
                                                 env={**os.environ, "HOME": str(tmp_path)})
    base = f"http://127.0.0.1:{listen}"
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(PROXY_START_SECONDS * 10):
                try:
                    async with session.get(base + "/healthz") as response:
                        if response.status == 200:  # HAProxy: once its health check found the replica
                            break
                except aiohttp.ClientConnectionError:
                    pass
                await asyncio.sleep(0.1)
        reached.clear()
        yield base, reached
    finally:
        proxy.terminate()
        await proxy.wait()
        await runner.cleanup()


async def test_the_proxy_passes_every_public_route_and_answers_404_for_everything_else(proxied):
    base, reached = proxied
    public = [route.example() for route in public_routes()]
    # Internal routes, also dressed up as public ones (dot segments, encoded, upper case).
    inside = ["/nlg", "/readyz", "/internal/v1/rules", "/internal/", "/staff/../nlg", "/widget/../internal/v1/rules",
              "/api/v1/staff/%2e%2e/%2e%2e/%2e%2e/nlg", "/api/v1/chatter", "/staffing", "/NLG", "/metrics"]
    async with aiohttp.ClientSession() as session:
        for path in public:
            async with session.post(base + path, data=b"{}") as response:
                assert response.status == 200, path
        for path in inside:
            async with session.post(aiohttp.client.URL(base + path, encoded=True), data=b"{}") as response:
                assert response.status == 404, path
    assert [request["path"] for request in reached] == public


async def test_the_proxy_names_the_client_and_drops_an_address_the_client_made_up(proxied):
    base, reached = proxied
    async with aiohttp.ClientSession() as session:
        async with session.get(base + "/healthz", headers={"X-Forwarded-For": "203.0.113.9", "X-Test": "1"}) as response:
            assert response.status == 200
    assert reached[0]["forwarded_for"] == "127.0.0.1"


async def test_a_body_over_the_services_limit_never_reaches_a_replica_whole_nor_takes_it_out(proxied):
    base, reached = proxied
    async with aiohttp.ClientSession() as session:
        async with session.post(base + "/api/v1/chat", data=b"x" * (MAX_REQUEST_BYTES + 1)) as response:
            # Caddy 2.6 (Debian's) cuts the body off at the limit and answers 502; later ones 413.
            assert response.status in (413, 502)
        for _ in range(3):
            async with session.post(base + "/api/v1/chat", data=b"x" * MAX_REQUEST_BYTES) as response:
                assert response.status == 200
    assert len(reached) == 3


async def test_the_widgets_websocket_works_through_the_proxy(proxied):
    base, _ = proxied
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(base + "/ws/chat") as socket:
            await socket.send_str("hallo")
            assert (await socket.receive_str()) == "echo hallo"


def test_the_migration_job_holds_the_database_address_only():
    assert service("migrate")["secrets"] == ["database_url"]

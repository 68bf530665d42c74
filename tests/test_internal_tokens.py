"""One token per internal boundary, sent in a header: the gateway → Rasa's channel (GATEWAY_TOKEN),
Rasa → the NLG endpoint (NLG_TOKEN), Rasa → the action server (ACTION_TOKEN), the actions → the
internal API (INTERNAL_TOKEN); RASA_TOKEN opens only Rasa's own HTTP API. A token of one boundary
opens no other, and none is accepted in a query string (it would end up in access logs).
"""
from __future__ import annotations

import re
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.app import create_app
from bot.secret_file import ensure_secrets
from bot.settings import Settings
from support.paths import RASA_PYTHON, ROOT
from support.ports import free_port
from support.tokens import BOUNDARY_TOKENS, bearer

# Stands for Rasa's API token where no settings are at hand (the action server's own tests).
RASA_TOKEN = "rasa-api-token-that-no-other-boundary-takes"
NLG, INTERNAL = BOUNDARY_TOKENS["nlg_token"], BOUNDARY_TOKENS["internal_token"]
GATEWAY, ACTION = BOUNDARY_TOKENS["gateway_token"], BOUNDARY_TOKENS["action_token"]
TOKEN_NAMES = ("RASA_TOKEN", "GATEWAY_TOKEN", "NLG_TOKEN", "ACTION_TOKEN", "INTERNAL_TOKEN")
NLG_REQUEST = {"response": "utter_thank", "arguments": {}, "channel": {"name": "gateway"},
               "tracker": {"sender_id": "abc", "slots": {}, "latest_message": {}}}


@pytest.fixture
async def client(aiohttp_client, settings, static_data):
    return await aiohttp_client(create_app(settings, static=static_data))


@pytest.fixture
def rasa_token(settings) -> str:
    return settings.rasa_token.get_secret_value()


async def test_nlg_answers_only_its_own_token_in_the_header(client, rasa_token):
    assert (await client.post("/nlg", json=NLG_REQUEST, headers=bearer(NLG))).status == 200
    for other in (rasa_token, INTERNAL, GATEWAY, ACTION):
        assert (await client.post("/nlg", json=NLG_REQUEST, headers=bearer(other))).status == 401
    for in_the_address in (rasa_token, NLG):
        assert (await client.post(f"/nlg?token={in_the_address}", json=NLG_REQUEST)).status == 401


@pytest.mark.parametrize("path", ["/internal/v1/rules"])
async def test_the_internal_api_answers_only_the_internal_token(client, rasa_token, path):
    assert (await client.get(path, headers=bearer(INTERNAL))).status == 200
    for other in (rasa_token, NLG, GATEWAY, ACTION):
        assert (await client.get(path, headers=bearer(other))).status == 401


async def test_handovers_and_regions_need_the_internal_token_too(client, rasa_token):
    body = {"municipality": "Apeldoorn"}
    assert (await client.post("/internal/v1/regions/resolve", json=body, headers=bearer(INTERNAL))).status == 200
    assert (await client.post("/internal/v1/regions/resolve", json=body, headers=bearer(NLG))).status == 401
    assert (await client.post("/internal/v1/handovers", json={}, headers=bearer(rasa_token))).status == 401
    expecting, path = {"conversation": "c0ffee"}, "/internal/v1/intake/expect-phone"
    assert (await client.post(path, json=expecting, headers=bearer(ACTION))).status == 401
    assert (await client.post(path, json=expecting, headers=bearer(INTERNAL))).status == 204


def test_first_run_generates_a_long_token_of_its_own_for_every_boundary(tmp_path):
    path = tmp_path / "secrets.env"
    ensure_secrets(path, environ={})
    values = dict(line.split("=", 1) for line in path.read_text().splitlines())
    tokens = [values[name] for name in TOKEN_NAMES]
    assert len(set(tokens)) == len(TOKEN_NAMES)
    assert all(len(token) >= 32 for token in tokens)


@pytest.mark.parametrize("missing", ["gateway_token", "nlg_token", "action_token", "internal_token"])
def test_the_service_does_not_start_without_a_boundary_token(settings, missing):
    values = settings.model_dump()
    del values[missing]
    with pytest.raises(ValidationError, match=missing):
        Settings(_env_file=None, **values)


def test_rasa_and_the_action_server_get_only_the_tokens_they_use(settings, monkeypatch):
    from bot.supervisor import child_environments

    secrets = TOKEN_NAMES + ("SECRET_KEY", "ENCRYPTION_KEY", "TELEGRAM_TOKEN", "TELEGRAM_WEBHOOK_SECRET",
                             "REDIS_URL", "DATABASE_URL", "AWS_SECRET_ACCESS_KEY")
    for name in secrets:
        monkeypatch.setenv(name, "from-the-operators-shell")  # exported in the shell `make run` runs in
    environments = child_environments(settings)
    holds = {process: {name for name in secrets if name in env} for process, env in environments.items()}
    assert holds["actions"] == {"ACTION_TOKEN", "INTERNAL_TOKEN"}
    assert holds["rasa"] == {"RASA_TOKEN", "GATEWAY_TOKEN", "NLG_TOKEN", "ACTION_TOKEN"}
    assert holds["bot"] == set(secrets), "the bot service reads its own settings again"
    assert environments["actions"]["ACTION_TOKEN"] == ACTION
    assert environments["rasa"]["NLG_TOKEN"] == NLG
    assert environments["bot"]["INTERNAL_TOKEN"] == INTERNAL


def test_rasa_and_the_action_server_get_what_endpoints_and_credentials_name(settings, monkeypatch):
    from bot.supervisor import action_server_environment, rasa_environment

    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    rasa = rasa_environment(settings)
    named = set(re.findall(r"\$\{(\w+)\}", (ROOT / "endpoints.yml").read_text()))
    assert named <= set(rasa), "every variable endpoints.yml names"
    assert {"GATEWAY_TOKEN", "RASA_TOKEN"} <= set(rasa), "the gateway channel's and Rasa's API's"
    assert rasa["TRACKER_STORE_URL"] == settings.tracker_store_url and rasa["PATH"] == "/usr/bin:/bin"
    actions = action_server_environment(settings)
    assert actions["BOT_INTERNAL_URL"] == f"http://127.0.0.1:{settings.port}" and actions["PATH"] == "/usr/bin:/bin"
    assert "TRACKER_STORE_URL" not in actions, "the actions never touch the database"


def test_only_the_settings_read_the_environment():
    readers = {str(path.relative_to(ROOT)) for folder in ("bot", "channels") for path in (ROOT / folder).rglob("*.py")
               if re.search(r"os\.environ|getenv\(", path.read_text())}
    assert readers == {"bot/settings.py"}


def _call(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


@pytest.fixture(scope="module")
def action_server(tmp_path_factory: pytest.TempPathFactory):
    """The action server as `bot run` starts it, on a spare port: its base URL."""
    port = free_port()
    log = tmp_path_factory.mktemp("actions") / "actions.log"
    # RASA_TOKEN is set on purpose: the server must not take it.
    env = {"PATH": "/usr/bin:/bin", "ACTION_TOKEN": ACTION, "INTERNAL_TOKEN": INTERNAL,
           "RASA_TOKEN": RASA_TOKEN, "BOT_INTERNAL_URL": "http://127.0.0.1:9"}
    with open(log, "w") as output:
        process = subprocess.Popen([str(RASA_PYTHON), "-m", "rasa_ext.action_server", "--port", str(port)],
                                   cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while _call_or_none(f"{base}/health") != 200:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the action server did not start:\n{Path(log).read_text()[-2000:]}")
            time.sleep(0.5)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)


def _call_or_none(url: str) -> int | None:
    try:
        return _call(url)[0]
    except OSError:
        return None


def test_the_action_server_answers_only_the_action_token_in_the_header(action_server):
    assert _call(f"{action_server}/actions", bearer(ACTION))[0] == 200
    for other in (RASA_TOKEN, INTERNAL, NLG, GATEWAY):
        assert _call(f"{action_server}/actions", bearer(other))[0] == 401
    for in_the_address in (ACTION, RASA_TOKEN):
        assert _call(f"{action_server}/actions?token={in_the_address}")[0] == 401
    assert _call(f"{action_server}//webhook", bearer(RASA_TOKEN))[0] == 401


def test_the_action_server_lets_no_web_page_read_its_answers(action_server):
    evil = {"Origin": "https://evil.example"}
    for path, headers in (("/health", evil), ("/actions", {**evil, **bearer(ACTION)})):
        status, answered = _call(f"{action_server}{path}", headers)
        assert status == 200
        assert "Access-Control-Allow-Origin" not in answered

"""Secrets: an empty or short secret is refused at start with a message naming the variable (never
its value), `bot secrets init` treats an empty value as missing, and the Telegram webhook refuses a
request without its secret header whatever the settings say.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr, ValidationError

from bot.app import create_app
from bot.secret_file import ensure_secrets
from bot.settings import REQUIRED_SECRETS, Settings
from support.ports import free_port

STRONG = "a-strong-random-secret-of-43-characters-xyz"
WEBHOOK_SECRET = "webhook_secret-for-the-tests-0123456789"
# Refusing takes a second or two; a service still running after this long has started.
STARTS_WITHIN_SECONDS = 25


def strong_settings(**changed: object) -> dict[str, object]:
    return {**{name: STRONG for name in REQUIRED_SECRETS}, "encryption_key": Fernet.generate_key().decode(),
            **changed}


@pytest.mark.parametrize("name", REQUIRED_SECRETS)
@pytest.mark.parametrize("value", ["", "short-and-guessable"])
def test_an_empty_or_short_secret_is_refused_naming_the_variable_not_the_value(name, value):
    with pytest.raises(ValidationError) as refused:
        Settings(**strong_settings(**{name: value}))
    message = str(refused.value)
    assert name.upper() in message
    assert (value or STRONG) not in message


def test_the_encryption_key_must_be_a_fernet_key():
    with pytest.raises(ValidationError, match="ENCRYPTION_KEY"):
        Settings(**strong_settings(encryption_key="x" * 44))


@pytest.mark.parametrize("value", ["", "s", "webhook-secret-for-tests", "with spaces and 32+ characters, too!!"])
def test_a_weak_or_malformed_telegram_webhook_secret_is_refused(value):
    with pytest.raises(ValidationError, match="TELEGRAM_WEBHOOK_SECRET"):
        Settings(**strong_settings(telegram_webhook_secret=value))


def test_strong_secrets_are_accepted():
    settings = Settings(**strong_settings(telegram_webhook_secret=WEBHOOK_SECRET))
    assert settings.telegram_webhook_secret.get_secret_value() == WEBHOOK_SECRET


def bot_serve(tmp_path: Path, **environment: str) -> tuple[int | None, str]:
    """(exit code, stderr) of `bot serve` in an empty working directory (its own .env and var/);
    exit code None: it was still serving after a while, so it started."""
    env = {"PATH": os.environ["PATH"], "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/bot.db",
           "PORT": str(free_port()), **environment}
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve"], cwd=tmp_path, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _, stderr = process.communicate(timeout=STARTS_WITHIN_SECONDS)
        return process.returncode, stderr
    except subprocess.TimeoutExpired:
        process.kill()
        return None, process.communicate()[1]


@pytest.mark.parametrize("name", ["RASA_TOKEN", "SECRET_KEY"])
def test_an_empty_secret_in_the_environment_stops_the_start_with_a_clear_message(tmp_path, name):
    code, stderr = bot_serve(tmp_path, **{name: ""})
    assert code not in (None, 0)
    assert name in stderr and "empty" in stderr and "Traceback" not in stderr


def test_an_empty_telegram_webhook_secret_stops_the_start(tmp_path):
    code, stderr = bot_serve(tmp_path, TELEGRAM_WEBHOOK_SECRET="")
    assert code not in (None, 0)
    assert "TELEGRAM_WEBHOOK_SECRET" in stderr and "Traceback" not in stderr


def test_an_empty_secret_in_a_file_is_generated_like_a_missing_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in REQUIRED_SECRETS:
        monkeypatch.delenv(name.upper(), raising=False)
    Path(".env").write_text("SECRET_KEY=\n")
    secrets_file = tmp_path / "var" / "secrets.env"
    secrets_file.parent.mkdir()
    secrets_file.write_text("RASA_TOKEN=\nENCRYPTION_KEY=''\n")
    added = ensure_secrets(secrets_file, environ={})
    assert {"ENCRYPTION_KEY", "RASA_TOKEN", "SECRET_KEY"} <= set(added)
    # The later file wins over .env, and a later line over an earlier one: the service starts.
    settings = Settings()  # type: ignore[call-arg]
    assert len(settings.secret_key.get_secret_value()) >= 32
    Fernet(settings.encryption_key.get_secret_value().encode())


def test_an_empty_secret_in_the_environment_counts_as_missing(tmp_path):
    added = ensure_secrets(tmp_path / "secrets.env", environ={"RASA_TOKEN": "", "SECRET_KEY": STRONG})
    assert "RASA_TOKEN" in added and "SECRET_KEY" not in added


def test_the_secrets_file_is_for_the_service_user_only_even_under_an_open_umask(tmp_path):
    old_umask = os.umask(0)
    try:
        ensure_secrets(tmp_path / "var" / "secrets.env", environ={})
    finally:
        os.umask(old_umask)
    assert (tmp_path / "var" / "secrets.env").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "var").stat().st_mode & 0o077 == 0


async def test_the_webhook_refuses_a_request_without_the_secret_header(aiohttp_client, settings, fake_api, static_data):
    _, server = fake_api
    settings = Settings(**{**settings.model_dump(), "telegram_token": "123456:TEST",
                           "telegram_api_url": str(server.make_url("/bot")),
                           "telegram_webhook_secret": WEBHOOK_SECRET})
    client = await aiohttp_client(create_app(settings, static=static_data))
    update = {"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"},
                                          "text": "hoi"}}
    assert (await client.post("/telegram/webhook", json=update)).status == 403
    assert (await client.post("/telegram/webhook", json=update,
                              headers={"X-Telegram-Bot-Api-Secret-Token": ""})).status == 403


async def test_the_webhook_refuses_an_empty_header_even_if_the_secret_were_empty(aiohttp_client, settings,
                                                                                  fake_api, static_data):
    """Defence in depth: settings that skipped validation still never match an empty header."""
    _, server = fake_api
    settings = Settings(**{**settings.model_dump(), "telegram_token": "123456:TEST",
                           "telegram_api_url": str(server.make_url("/bot"))})
    unchecked = settings.model_copy(update={"telegram_webhook_secret": SecretStr("")})
    client = await aiohttp_client(create_app(unchecked, static=static_data))
    update = {"update_id": 2, "message": {"message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"},
                                          "text": "hoi"}}
    assert (await client.post("/telegram/webhook", json=update)).status == 403

"""Generates missing secrets into var/secrets.env on first run, or one file per secret into a
folder for docker-compose.yml (`bot secrets init --dir secrets/`); never prints or logs them.

A secret set to nothing counts as missing: an empty token once let every caller through.
"""
from __future__ import annotations

import os
import secrets
from functools import partial
from collections.abc import Callable, Mapping
from pathlib import Path

from cryptography.fernet import Fernet
from dotenv import dotenv_values

from bot.settings import SECRETS_FILE, environment

GENERATORS = {
    "RASA_TOKEN": lambda: secrets.token_urlsafe(32),
    "GATEWAY_TOKEN": lambda: secrets.token_urlsafe(32),
    "NLG_TOKEN": lambda: secrets.token_urlsafe(32),
    "ACTION_TOKEN": lambda: secrets.token_urlsafe(32),
    "INTERNAL_TOKEN": lambda: secrets.token_urlsafe(32),
    "SECRET_KEY": lambda: secrets.token_urlsafe(48),
    "ENCRYPTION_KEY": lambda: Fernet.generate_key().decode(),
}


def ensure_secrets(path: Path = SECRETS_FILE, environ: dict[str, str] | None = None) -> list[str]:
    """Adds every secret that has no value in the environment, `.env` or the file; returns their
    names. An empty value in the environment still wins over the file: Settings then refuses to
    start and says which variable to remove."""
    environ = environment() if environ is None else environ
    known = _set_in(environ) | _set_in(_values_in(Path(".env"))) | _set_in(_values_in(path))
    missing = [name for name in GENERATORS if name not in known]
    if missing:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Created 0600 from the start, not narrowed after being readable for a moment.
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(handle, "a", encoding="utf-8") as file:
            if path.stat().st_size and not path.read_bytes().endswith(b"\n"):
                file.write("\n")  # a hand-edited last line without its newline
            for name in missing:
                # A later line wins over an earlier empty one (python-dotenv, as pydantic reads it).
                file.write(f"{name}={GENERATORS[name]()}\n")
        path.chmod(0o600)  # a file made by hand may have been readable by others
    return missing


# docker-compose.yml's database: its service name, and the role and database the postgres image
# creates on first start (POSTGRES_USER, POSTGRES_DB there; a test keeps the two in step).
COMPOSE_DATABASE_HOST = "postgres:5432"
COMPOSE_DATABASE_NAME = "bot"
# The password and the two addresses that carry it: the bot service's (psycopg 3) and Rasa's
# tracker store's (SQLAlchemy 1.4 with psycopg2), written together so they always agree.
DATABASE_SECRETS = ("postgres_password", "database_url", "tracker_store_url")


def ensure_secret_files(directory: Path) -> list[str]:
    """Writes every secret docker-compose.yml mounts that has no file (or an empty one) in
    `directory`, each 0600 in a 0700 folder; returns their names. Files that are there are kept,
    so running it again after an upgrade adds only what is new."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    directory.chmod(0o700)
    written = [name.lower() for name, generate in GENERATORS.items()
               if _write_missing(directory / name.lower(), generate)]
    password_file = directory / "postgres_password"
    if _write_missing(password_file, lambda: secrets.token_urlsafe(32)):
        written.append("postgres_password")
    # token_urlsafe's letters need no escaping in an address.
    password = password_file.read_text(encoding="utf-8").strip()
    where = f"{COMPOSE_DATABASE_NAME}:{password}@{COMPOSE_DATABASE_HOST}/{COMPOSE_DATABASE_NAME}"
    for name, scheme in (("database_url", "postgresql+psycopg"), ("tracker_store_url", "postgresql")):
        if _write_missing(directory / name, partial(str.format, "{}://{}", scheme, where)):
            written.append(name)
    return written


def _write_missing(path: Path, generate: Callable[[], str]) -> bool:
    if path.exists() and path.read_text(encoding="utf-8").strip():
        return False
    path.unlink(missing_ok=True)
    # Created 0600 from the start, never readable by others for a moment.
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        file.write(generate() + "\n")
    return True


def _values_in(path: Path) -> dict[str, str | None]:
    return dotenv_values(path) if path.exists() else {}


def _set_in(values: Mapping[str, str | None]) -> set[str]:
    return {name for name, value in values.items() if value and value.strip()}

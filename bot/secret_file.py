"""Generates missing secrets into var/secrets.env on first run; never prints or logs them.

A secret set to nothing counts as missing: an empty token once let every caller through.
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
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


def _values_in(path: Path) -> dict[str, str | None]:
    return dotenv_values(path) if path.exists() else {}


def _set_in(values: Mapping[str, str | None]) -> set[str]:
    return {name for name, value in values.items() if value and value.strip()}

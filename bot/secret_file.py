"""Generates missing secrets into var/secrets.env on first run; never prints or logs them."""
from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from bot.settings import SECRETS_FILE


def _fernet_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


GENERATORS = {
    "RASA_TOKEN": lambda: secrets.token_urlsafe(32),
    "SECRET_KEY": lambda: secrets.token_urlsafe(48),
    "ENCRYPTION_KEY": _fernet_key,
}


def ensure_secrets(path: Path = SECRETS_FILE, environ: dict[str, str] | None = None) -> list[str]:
    """Adds every secret that is neither in the environment, `.env` nor the file; returns their names."""
    environ = dict(os.environ) if environ is None else environ
    known = set(environ) | _names_in(Path(".env")) | _names_in(path)
    missing = [name for name in GENERATORS if name not in known]
    if missing:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            for name in missing:
                handle.write(f"{name}={GENERATORS[name]()}\n")
        path.chmod(0o600)
    return missing


def _names_in(path: Path) -> set[str]:
    if not path.exists():
        return set()
    return {line.split("=", 1)[0].strip() for line in path.read_text().splitlines() if "=" in line}

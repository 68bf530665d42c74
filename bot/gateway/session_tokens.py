"""The widget's conversation tokens: made by the server, signed, so a widget can resume its own
conversation (a dropped socket, a reload) but nobody can make up a token for one.

A token is a random part and its keyed hash (HMAC-SHA256 with the server secret). It is the native
id of a web conversation; like every native id it is hashed again before it reaches Rasa or a store.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

RANDOM_BYTES = 18
SIGNATURE_CHARS = 22
MAX_TOKEN_CHARS = 64


def _signature(secret_key: str, random_part: str) -> str:
    digest = hmac.new(secret_key.encode(), b"web-session:" + random_part.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:SIGNATURE_CHARS]


def issue(secret_key: str) -> str:
    random_part = secrets.token_urlsafe(RANDOM_BYTES)
    return f"{random_part}.{_signature(secret_key, random_part)}"


def is_valid(secret_key: str, token: str | None) -> bool:
    if not token or len(token) > MAX_TOKEN_CHARS or token.count(".") != 1:
        return False
    random_part, signature = token.split(".")
    return bool(random_part) and hmac.compare_digest(signature, _signature(secret_key, random_part))

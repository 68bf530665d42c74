"""Conversation tokens made by the server and signed, for the widget and the REST channel: a client
can go on with its own conversation (a dropped socket, a reload, its next request) but nobody can
make up a token for one.

A token is a random part (144 bits) and its keyed hash (HMAC-SHA256 with the server secret), so it
is checked without a database. The purpose is part of what is signed: a widget token is no REST
sender and the other way round. It is the native id of a conversation; like every native id it is
hashed again before it reaches Rasa or a store. Never logs tokens.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

RANDOM_BYTES = 18
SIGNATURE_CHARS = 22
MAX_TOKEN_CHARS = 64
# What a token is for: the widget's session, or the REST channel's sender.
WEB_SESSION = "web-session"
REST_SENDER = "rest-sender"


def _signature(secret_key: str, random_part: str, purpose: str) -> str:
    message = purpose.encode() + b":" + random_part.encode()
    digest = hmac.new(secret_key.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:SIGNATURE_CHARS]


def issue(secret_key: str, purpose: str = WEB_SESSION) -> str:
    random_part = secrets.token_urlsafe(RANDOM_BYTES)
    return f"{random_part}.{_signature(secret_key, random_part, purpose)}"


def is_valid(secret_key: str, token: object, purpose: str = WEB_SESSION) -> bool:
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS or token.count(".") != 1:
        return False
    if not token.isascii():
        return False  # never one of ours, and compare_digest refuses such text
    random_part, signature = token.split(".")
    return bool(random_part) and hmac.compare_digest(signature, _signature(secret_key, random_part, purpose))

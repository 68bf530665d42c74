"""The pseudonymous conversation id Rasa sees: a keyed hash of channel and native id."""
from __future__ import annotations

import hashlib
import hmac


def conversation_id(secret_key: str, channel: str, native_id: str) -> str:
    message = f"{channel}:{native_id}".encode("utf-8", "surrogatepass")  # any id a client sends
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()

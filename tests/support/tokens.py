"""The tests' token per internal boundary (bot/settings.py), each one different, and the header
every boundary takes its token in."""
from __future__ import annotations

BOUNDARY_TOKENS = {name: f"test-{name.replace('_', '-')}-{'x' * 24}"
                   for name in ("gateway_token", "nlg_token", "action_token", "internal_token")}


def bearer(token: str) -> dict[str, str]:
    """The header every internal boundary takes its token in."""
    return {"Authorization": f"Bearer {token}"}

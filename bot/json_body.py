"""Reading JSON from clients (request bodies, widget frames): what is no JSON, and JSON nested
deeper than Python's parser goes (a few kilobytes of brackets), is the client's mistake and a
ValueError like any bad JSON, so routes answer 400 instead of a 500 with a traceback.

Never logs what it reads.
"""
from __future__ import annotations

import json
from typing import Any

from aiohttp import web


def parse_json(text: str | bytes) -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


async def read_json(request: web.Request) -> Any:
    """The body as JSON, as `request.json()` reads it; ValueError for either mistake."""
    return parse_json(await request.text())

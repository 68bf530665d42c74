"""Starts the rasa_sdk action server on 127.0.0.1 (or `--host`: a container's internal network),
only for callers holding ACTION_TOKEN (in the Authorization header, as endpoints.yml sends it),
with no CORS: no web page may call it.

`rasa run actions` listens on every interface and has no authentication; the action server is an
internal service (127.0.0.1, behind a token; docs/operator-guide.md, "Internal tokens"), so it is
started through this module instead.
"""
from __future__ import annotations

import argparse
import hmac
import logging
import os

import rasa_ext.quiet_warnings  # noqa: F401  - first: before rasa's imports warn
from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.request import Request

from actions.api import bot_client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--actions", default="actions")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (internal only)")
    args = parser.parse_args()
    token = os.environ.get("ACTION_TOKEN", "")
    if not token:
        raise SystemExit("ACTION_TOKEN is not set; the action server refuses to start without it")
    logging.basicConfig(level=logging.WARNING)

    # rasa_sdk allows every origin by default; only Rasa calls this server, never a browser.
    app = create_app(args.actions, cors_origins=None)

    @app.middleware("request")
    async def require_token(request: Request):  # type: ignore[no-untyped-def]
        if request.path == "/health":
            return None
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            return response.json({"error": "unauthorised"}, status=401)
        return None

    @app.listener("after_server_stop")
    async def close_bot_client(app: Sanic, loop: object) -> None:
        # The actions keep one HTTP session to the bot service for the server's life.
        await bot_client.close()

    app.run(host=args.host, port=args.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()

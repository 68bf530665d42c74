"""Starts the Rasa server on 127.0.0.1 with its HTTP API behind RASA_TOKEN.

Through rasa.api.run rather than `rasa run --auth-token`, so the token never shows in a process list.
Rasa's HTTP API takes its token only as `?token=` (or a JWT); the other boundaries use headers.
"""
from __future__ import annotations

import argparse
import logging
import os

import rasa_ext.quiet_warnings  # noqa: F401  - first: before rasa's imports warn
import rasa.api
from rasa.utils.common import configure_logging_and_warnings
from rasa.utils.log_utils import configure_structlog

import rasa_ext.project_notes  # noqa: F401,E402  - after rasa: extends its list of expected warnings
from rasa_ext import tracker_store_errors  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="models/current.tar.gz")
    parser.add_argument("--port", type=int, default=5005)
    args = parser.parse_args()
    # The API's own; the channel's; the ones endpoints.yml sends to /nlg and the action server.
    missing = [name for name in ("RASA_TOKEN", "GATEWAY_TOKEN", "NLG_TOKEN", "ACTION_TOKEN")
               if not os.environ.get(name)]
    if missing:
        raise SystemExit(f"{', '.join(missing)} not set; Rasa refuses to start without them")
    token = os.environ["RASA_TOKEN"]
    # INFO names actions and intents, never message text (that is DEBUG in Rasa), and
    # structlog must be told too: left alone it logs every parse result with its text.
    configure_logging_and_warnings(logging.INFO)
    configure_structlog(logging.INFO)
    tracker_store_errors.install()
    rasa.api.run(
        model=args.model, endpoints="endpoints.yml", credentials="credentials.yml",
        interface="127.0.0.1", port=args.port, enable_api=True, auth_token=token,
    )


if __name__ == "__main__":
    main()

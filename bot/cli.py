"""The `bot` command line: serve, run (all processes), cluster, db upgrade|current, content import|export, regions
import|export, rules import|export, retrain (enqueue, worker, run, status), users (list, add, disable, ...), purge,
chat, telegram set-webhook, secrets init. Every command that opens the database refuses one behind
this release's schema with one line that says to run `bot db upgrade`."""
from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Coroutine, TypeVar

from aiohttp import web
from cryptography.fernet import Fernet
from pydantic import ValidationError

from bot.db import schema_command
from bot.db.schema import SchemaNotCurrent
from bot.private_files import keep_private
from bot.secret_file import ensure_secret_files, ensure_secrets
from bot.settings import DatabaseSettings, RetrainSettings, Settings, secrets_dir
from bot.staff import users_command

AnySettings = TypeVar("AnySettings", Settings, RetrainSettings, DatabaseSettings)
FORCE_HELP = "import even when editors changed this in the web app since the last import or export (discards that)"
# `bot content|regions|rules import` refused because it would discard editors' changes: make run
# tells this apart from invalid files (1) and starts with what the database holds.
REFUSED_UNEXPORTED = 3
# The database is not at this release's schema (bot db upgrade brings it there).
NOT_STARTED = 1


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bot", description="Exit-support assistant: bot service")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="run the bot service (gateway, NLG endpoint, REST channel)")
    commands.add_parser("run", help="start actions, Rasa and the bot service together (make run)")
    db = commands.add_parser("db", help="the database schema: upgrade it to this release's (run once per "
                             "deployment, before serve), or show its revision (exit 1 when behind)")
    db.add_argument("action", choices=["upgrade", "current"])
    cluster = commands.add_parser("cluster", help="several of each behind HAProxy, on PostgreSQL and Redis "
                                  "(make cluster; docs/operations.md)")
    cluster.add_argument("--replicas", type=int, default=2, help="bot services, Rasa and action servers each")
    cluster.add_argument("--base-port", type=int, default=8100,
                         help="the internal ports count up from here (the public one is PORT)")
    content = commands.add_parser("content", help="data/content/ <-> database")
    content.add_argument("direction", choices=["import", "export"])
    content.add_argument("--dir", type=Path, default=None, help="default: data/content")
    content.add_argument("--force", action="store_true", help=FORCE_HELP)
    chat = commands.add_parser("chat", help="talk to the assistant in this terminal")
    chat.add_argument("--url", default=None, help="default: http://127.0.0.1:$PORT")
    regions = commands.add_parser("regions", help="data/regions.yml <-> database")
    regions.add_argument("direction", choices=["import", "export"])
    regions.add_argument("--file", type=Path, default=None, help="default: data/regions.yml")
    regions.add_argument("--force", action="store_true", help=FORCE_HELP)
    rules = commands.add_parser("rules", help="data/check_rules.yml (yearly figures) <-> database")
    rules.add_argument("direction", choices=["import", "export"])
    rules.add_argument("--file", type=Path, default=None, help="default: data/check_rules.yml")
    rules.add_argument("--force", action="store_true", help=FORCE_HELP)
    retrain = commands.add_parser("retrain", help="retrain the model with the editors' phrasings: enqueue a job, "
                                  "run the worker (bot run starts it), run one job here, or show the latest")
    retrain.add_argument("action", choices=["enqueue", "worker", "run", "status"])
    users = commands.add_parser("users", help="staff accounts: list, add, disable, enable, reset-password, "
                                "reset-totp, set-role, set-regions, delete")
    users_command.add_arguments(users)
    commands.add_parser("purge", help="delete conversations idle longer than RETENTION_DAYS, and what "
                        "belongs to them; and ended staff sessions")
    telegram_cmd = commands.add_parser("telegram", help="Telegram set-up")
    telegram_cmd.add_argument("action", choices=["set-webhook"])
    secrets = commands.add_parser("secrets", help="generate missing secrets into var/secrets.env, or with "
                                  "--dir one file per secret for docker-compose.yml")
    secrets.add_argument("action", choices=["init"])
    secrets.add_argument("--dir", type=Path, default=None,
                         help="a folder of secret files (docs/operations.md), instead of var/secrets.env")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # httpx logs request URLs at INFO, and Telegram's URLs carry the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # Alembic narrates every schema check ("Context impl SQLiteImpl."); `bot db` says what it did.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if args.command == "db":
        # Its own settings, and no secrets generated: a migration job needs the database only.
        sys.exit(asyncio.run(schema_command.run(_settings(DatabaseSettings).database_url, args.action)))
    if args.command == "secrets" and args.dir is not None:
        written = ensure_secret_files(args.dir)
        print(f"wrote {', '.join(written)} into {args.dir}" if written else f"every secret is already in {args.dir}")
        return
    # With mounted secret files (a container) the operator made the secrets, once for all
    # replicas: a secret generated here would differ per container and hide the mounted one.
    if secrets_dir() is None:
        ensure_secrets()
    if args.command == "retrain":
        # Its own settings: the worker process holds RASA_TOKEN and no other secret.
        from bot.nlu.retrain_command import run_retrain
        sys.exit(_run(run_retrain(_settings(RetrainSettings), args.action)))
    settings = _settings(Settings)
    if args.command in ("serve", "run", "cluster"):
        # The database, the secrets and logs: the service's own user only (its children too).
        keep_private(settings.database_url)

    if args.command == "serve":
        _serve(settings)
    elif args.command == "run":
        from bot.supervisor import run_all
        sys.exit(asyncio.run(run_all(settings)))
    elif args.command == "cluster":
        from bot.cluster import ClusterRefused, Layout, run_cluster
        try:
            sys.exit(run_cluster(settings, Layout(args.replicas, settings.port, args.base_port)))
        except ClusterRefused as refused:
            sys.exit(str(refused))
    elif args.command == "content":
        sys.exit(_run(_content(settings, args.direction, args.dir or settings.content_dir, args.force)))
    elif args.command == "telegram":
        sys.exit(asyncio.run(_set_webhook(settings)))
    elif args.command == "regions":
        sys.exit(_run(_regions(settings, args.direction, args.file or settings.regions_file, args.force)))
    elif args.command == "rules":
        sys.exit(_run(_rules(settings, args.direction, args.file or settings.check_rules_file, args.force)))
    elif args.command == "users":
        sys.exit(_run(users_command.run(settings, args)))
    elif args.command == "purge":
        sys.exit(_run(_purge(settings)))
    elif args.command == "chat":
        from bot.terminal_chat import chat_loop
        asyncio.run(chat_loop(args.url or f"http://127.0.0.1:{settings.port}"))


def _run(command: Coroutine[Any, Any, int]) -> int:
    """A command that opens the database: its exit code, or one line and NOT_STARTED when the
    database is not at this release's schema."""
    try:
        return asyncio.run(command)
    except SchemaNotCurrent as behind:
        print(f"bot: not started: {behind}", file=sys.stderr)
        return NOT_STARTED


def _settings(kind: type[AnySettings]) -> AnySettings:
    """The settings, or the reasons they are refused (by variable name, never a value) and exit."""
    try:
        return kind()  # type: ignore[call-arg]  # secrets come from the environment
    except ValidationError as refused:
        for error in refused.errors():
            name = "_".join(str(part) for part in error["loc"]).upper()
            reason = "missing" if error["type"] == "missing" else error["msg"].removeprefix("Value error, ")
            print(f"bot: not started: {name + ': ' if name else ''}{reason}", file=sys.stderr)
        sys.exit(2)


def _serve(settings: Settings) -> None:
    from bot.app import create_app
    from bot.middlewares import RouteAccessLogger

    app = create_app(settings)
    app.on_shutdown.append(_ignore_further_signals)
    try:
        web.run_app(app, host=settings.host, port=settings.port, access_log_class=RouteAccessLogger, print=None)
    except SchemaNotCurrent as behind:  # create_app's start-up checks the schema (bot.app._database)
        print(f"bot: not started: {behind}", file=sys.stderr)
        sys.exit(NOT_STARTED)


async def _ignore_further_signals(app: web.Application) -> None:
    """Once stopping, a second Ctrl-C or SIGTERM must not break off the cleanup (closing the
    database pool half-way printed a traceback); `bot run` kills a child that takes too long."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, lambda: None)


async def _set_webhook(settings: Settings) -> int:
    from telegram import Bot

    from channels.telegram import set_webhook

    if not (settings.telegram_token and settings.public_url and settings.telegram_webhook_secret):
        print("set TELEGRAM_TOKEN, PUBLIC_URL and TELEGRAM_WEBHOOK_SECRET first", file=sys.stderr)
        return 1
    async with Bot(settings.telegram_token.get_secret_value(), base_url=settings.telegram_api_url) as bot:
        await set_webhook(bot, settings.public_url, settings.telegram_webhook_secret.get_secret_value())
    print(f"webhook set to {settings.public_url.rstrip('/')}/telegram/webhook (messages and buttons only)")
    return 0


def _refused(kind: str, count: int, newest: datetime | None, target: Path) -> int:
    """Says what an import would discard and the two ways on; the exit code make run recognises."""
    when = f", the newest at {newest:%Y-%m-%d %H:%M} UTC" if newest else ""
    print(f"{kind} not imported, nothing changed: editors made {count} change(s) in the web app since the last "
          f"import or export{when}. The database is the truth while the assistant runs, so first write "
          f"those changes into {target} with `bot {kind} export` (look at them with `git diff`, commit "
          f"what should stay), then import; or discard them with `bot {kind} import --force`.",
          file=sys.stderr)
    return REFUSED_UNEXPORTED


async def _regions(settings: Settings, direction: str, path: Path, force: bool = False) -> int:
    from bot.db.engine import make_engine, session_factory
    from bot.db.schema import require_current
    from bot.regions.directory import RegionDirectory, RegionError
    from bot.regions.editing import RegionEditing

    engine = make_engine(settings.database_url)
    try:
        await require_current(engine)
        if direction == "import":
            if not force:
                directory = RegionDirectory.from_files(settings.gemeenten_file, settings.regions_file)
                changed, newest = await RegionEditing(session_factory(engine), directory).changes_since_sync()
                if changed:
                    return _refused("regions", changed, newest, path)
            try:
                directory = RegionDirectory.from_files(settings.gemeenten_file, path)
                count = await RegionEditing(session_factory(engine), directory).import_file(path)
            except RegionError as error:
                print(f"regions not imported, nothing changed: {error}", file=sys.stderr)
                return 1
            print(f"imported {count} regions from {path}")
        else:
            directory = RegionDirectory.from_files(settings.gemeenten_file, settings.regions_file)
            count = await RegionEditing(session_factory(engine), directory).export_file(path)
            print(f"exported {count} regions to {path}")
        return 0
    finally:
        await engine.dispose()


async def _purge(settings: Settings) -> int:
    from bot.db.engine import make_engine, session_factory
    from bot.db.schema import require_current
    from bot.gateway.conversations import Conversations
    from bot.handover.handovers import Handovers
    from bot.handover.intake import IntakeNotes
    from bot.staff.sessions import StaffSessions

    engine = make_engine(settings.database_url)
    try:
        await require_current(engine)
        sessions = session_factory(engine)
        conversations = Conversations(sessions, settings.encryption_key.get_secret_value())
        count = await conversations.purge(settings.retention_days)
        fernet = Fernet(settings.encryption_key.get_secret_value().encode())
        handovers, gone = await Handovers(sessions, fernet).purge(settings.retention_days)
        notes = await IntakeNotes(sessions, fernet).purge(settings.retention_days)
        staff_sessions = await StaffSessions(sessions, timedelta(minutes=settings.staff_idle_minutes),
                                             timedelta(hours=settings.staff_session_hours)).purge()
        print(f"deleted {count} conversations, {handovers} handovers and {notes} unfinished handover forms "
              f"idle or closed for more than {settings.retention_days} days, and {staff_sessions} ended staff "
              f"sessions; closed {len(gone)} open handovers whose user did not come back")
        return 0
    finally:
        await engine.dispose()


async def _content(settings: Settings, direction: str, directory: Path, force: bool = False) -> int:
    from bot.content.editing import published_since_sync
    from bot.content.schema import ContentError
    from bot.content.store import export_directory, import_directory
    from bot.db.engine import make_engine, session_factory
    from bot.db.schema import require_current

    engine = make_engine(settings.database_url)
    try:
        await require_current(engine)
        sessions = session_factory(engine)
        if direction == "import":
            changed, newest = (0, None) if force else await published_since_sync(sessions)
            if changed:
                return _refused("content", changed, newest, directory)
            try:
                count = await import_directory(sessions, directory)
            except ContentError as error:
                print(f"content not imported, nothing changed: {error}", file=sys.stderr)
                return 1
            print(f"imported {count} answers from {directory}")
        else:
            count = await export_directory(sessions, directory)
            print(f"exported {count} answers to {directory}")
        return 0
    finally:
        await engine.dispose()


async def _rules(settings: Settings, direction: str, path: Path, force: bool = False) -> int:
    from bot.checks.editing import RuleEditing
    from bot.checks.rules import RuleError
    from bot.db.engine import make_engine, session_factory
    from bot.db.schema import require_current

    engine = make_engine(settings.database_url)
    try:
        await require_current(engine)
        editing = RuleEditing(session_factory(engine), {})
        if direction == "import":
            changed, newest = (0, None) if force else await editing.changes_since_sync()
            if changed:
                return _refused("rules", changed, newest, path)
            try:
                count = await editing.import_file(path)
            except RuleError as error:
                print(f"rules not imported, nothing changed: {error}", file=sys.stderr)
                return 1
            print(f"imported {count} rules from {path}")
        else:
            count = await editing.export_file(path)
            print(f"exported {count} rules to {path}")
        return 0
    finally:
        await engine.dispose()


if __name__ == "__main__":
    main()


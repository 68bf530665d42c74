"""The `bot` command line: serve, run (all processes), content import|export, regions
import|export, rules import|export, users (list, add, disable, ...), purge, chat, telegram set-webhook, secrets init."""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from datetime import timedelta
from pathlib import Path

from aiohttp import web
from cryptography.fernet import Fernet
from pydantic import ValidationError

from bot.private_files import keep_private
from bot.secret_file import ensure_secrets
from bot.settings import Settings
from bot.staff import users_command


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bot", description="Exit-support assistant: bot service")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="run the bot service (gateway, NLG endpoint, REST channel)")
    commands.add_parser("run", help="start actions, Rasa and the bot service together (make run)")
    content = commands.add_parser("content", help="data/content/ <-> database")
    content.add_argument("direction", choices=["import", "export"])
    content.add_argument("--dir", type=Path, default=None, help="default: data/content")
    chat = commands.add_parser("chat", help="talk to the assistant in this terminal")
    chat.add_argument("--url", default=None, help="default: http://127.0.0.1:$PORT")
    regions = commands.add_parser("regions", help="data/regions.yml <-> database")
    regions.add_argument("direction", choices=["import", "export"])
    regions.add_argument("--file", type=Path, default=None, help="default: data/regions.yml")
    rules = commands.add_parser("rules", help="data/check_rules.yml (yearly figures) <-> database")
    rules.add_argument("direction", choices=["import", "export"])
    rules.add_argument("--file", type=Path, default=None, help="default: data/check_rules.yml")
    users = commands.add_parser("users", help="staff accounts: list, add, disable, enable, reset-password, "
                                "reset-totp, set-role, set-regions, delete")
    users_command.add_arguments(users)
    commands.add_parser("purge", help="delete conversations idle longer than RETENTION_DAYS, and what "
                        "belongs to them; and ended staff sessions")
    telegram_cmd = commands.add_parser("telegram", help="Telegram set-up")
    telegram_cmd.add_argument("action", choices=["set-webhook"])
    secrets = commands.add_parser("secrets", help="generate missing secrets into var/secrets.env")
    secrets.add_argument("action", choices=["init"])
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # httpx logs request URLs at INFO, and Telegram's URLs carry the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    ensure_secrets()
    settings = _settings()
    if args.command in ("serve", "run"):
        # The database, the secrets and logs: the service's own user only (its children too).
        keep_private(settings.database_url)

    if args.command == "serve":
        _serve(settings)
    elif args.command == "run":
        from bot.supervisor import run_all
        sys.exit(asyncio.run(run_all(settings)))
    elif args.command == "content":
        sys.exit(asyncio.run(_content(settings, args.direction, args.dir or settings.content_dir)))
    elif args.command == "telegram":
        sys.exit(asyncio.run(_set_webhook(settings)))
    elif args.command == "regions":
        sys.exit(asyncio.run(_regions(settings, args.direction, args.file or settings.regions_file)))
    elif args.command == "rules":
        sys.exit(asyncio.run(_rules(settings, args.direction, args.file or settings.check_rules_file)))
    elif args.command == "users":
        sys.exit(asyncio.run(users_command.run(settings, args)))
    elif args.command == "purge":
        sys.exit(asyncio.run(_purge(settings)))
    elif args.command == "chat":
        from bot.terminal_chat import chat_loop
        asyncio.run(chat_loop(args.url or f"http://127.0.0.1:{settings.port}"))


def _settings() -> Settings:
    """The settings, or the reasons they are refused (by variable name, never a value) and exit."""
    try:
        return Settings()  # type: ignore[call-arg]  # secrets come from the environment
    except ValidationError as refused:
        for error in refused.errors():
            name = "_".join(str(part) for part in error["loc"]).upper()
            reason = "missing" if error["type"] == "missing" else error["msg"].removeprefix("Value error, ")
            print(f"bot: not started: {name + ': ' if name else ''}{reason}", file=sys.stderr)
        sys.exit(2)


def _serve(settings: Settings) -> None:
    from bot.app import create_app
    from bot.middlewares import RouteAccessLogger

    web.run_app(create_app(settings), host=settings.host, port=settings.port,
                access_log_class=RouteAccessLogger, print=None)


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


async def _regions(settings: Settings, direction: str, path: Path) -> int:
    from bot.db.engine import create_tables, make_engine, session_factory
    from bot.regions.directory import RegionDirectory, RegionError
    from bot.regions.editing import RegionEditing

    engine = make_engine(settings.database_url)
    try:
        await create_tables(engine)
        if direction == "import":
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
    from bot.db.engine import create_tables, make_engine, session_factory
    from bot.gateway.conversations import Conversations
    from bot.handover.handovers import Handovers
    from bot.handover.intake import IntakeNotes
    from bot.staff.sessions import StaffSessions

    engine = make_engine(settings.database_url)
    try:
        await create_tables(engine)
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


async def _content(settings: Settings, direction: str, directory: Path) -> int:
    from bot.content.files import write_content_dir
    from bot.content.schema import ContentError
    from bot.content.store import import_directory, stored_entries
    from bot.db.engine import create_tables, make_engine, session_factory

    engine = make_engine(settings.database_url)
    try:
        await create_tables(engine)
        sessions = session_factory(engine)
        if direction == "import":
            try:
                count = await import_directory(sessions, directory)
            except ContentError as error:
                print(f"content not imported, nothing changed: {error}", file=sys.stderr)
                return 1
            print(f"imported {count} answers from {directory}")
        else:
            entries = await stored_entries(sessions)
            write_content_dir(directory, entries)
            print(f"exported {len(entries)} answers to {directory}")
        return 0
    finally:
        await engine.dispose()


async def _rules(settings: Settings, direction: str, path: Path) -> int:
    from bot.checks.editing import RuleEditing
    from bot.checks.rules import RuleError
    from bot.db.engine import create_tables, make_engine, session_factory

    engine = make_engine(settings.database_url)
    try:
        await create_tables(engine)
        editing = RuleEditing(session_factory(engine), {})
        if direction == "import":
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


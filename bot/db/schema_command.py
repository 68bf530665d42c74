"""`bot db upgrade|current`: brings the database to this release's schema, or says where it stands.
Exit codes for scripts: 0 at the newest, 1 behind (`bot db upgrade` helps), 2 a schema it cannot
upgrade. Prints revisions and table names, never a row."""
from __future__ import annotations

import sys

from bot.db.engine import make_engine
from bot.db.schema import SchemaRefused, SchemaState, schema_state, upgrade

CURRENT, BEHIND, REFUSED = 0, 1, 2


async def run(database_url: str, action: str) -> int:
    engine = make_engine(database_url)
    try:
        if action == "current":
            return _report(await schema_state(engine))
        try:
            before, after = await upgrade(engine)
        except SchemaRefused as refused:
            print(f"not upgraded: {refused}", file=sys.stderr)
            return REFUSED
        print(_upgraded(before, after))
        return CURRENT
    finally:
        await engine.dispose()


def _report(state: SchemaState) -> int:
    if state.kind == "current":
        print(f"schema revision {state.revision} (the newest)")
        return CURRENT
    print(f"schema revision {state.revision or 'none'}, the newest is {state.head}: {state.problem()}")
    return REFUSED if state.kind == "unknown" else BEHIND


def _upgraded(before: SchemaState, after: SchemaState) -> str:
    newest = f"revision {after.revision} (the newest)"
    if before.kind == "current":
        return f"schema already at {newest}; nothing to do"
    if before.kind == "empty":
        return f"schema created: {newest}"
    if before.kind == "previous_release":
        return f"tables of the release before migrations recognised, every row kept; schema now at {newest}"
    return f"schema upgraded from revision {before.revision} to {newest}"

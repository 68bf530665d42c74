"""Keeps what the service writes to disk to its own user: var/ (the SQLite database and its
journals, the secrets, logs) is 0700 and every file in it 0600; a SQLite database elsewhere too.

Only ever takes access away (group and others); never reads or logs what the files hold.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from bot.settings import SECRETS_FILE

VAR = SECRETS_FILE.parent
# Files and folders the service creates from now on: no access for group or others.
PRIVATE_UMASK = 0o077
SQLITE_COMPANIONS = ("", "-journal", "-wal", "-shm")


def keep_private(database_url: str, directory: Path = VAR) -> None:
    """For `bot serve` and `bot run` (and the processes it starts, which inherit the umask): what
    they create from now on, and var/ and the SQLite database as they are now."""
    os.umask(PRIVATE_UMASK)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    for path in [directory, *directory.rglob("*"), *_sqlite_files(database_url)]:
        _owner_only(path)


def _sqlite_files(database_url: str) -> list[Path]:
    if not database_url.startswith("sqlite"):
        return []
    name = database_url.split("///", 1)[-1]
    if not name or name == ":memory:":
        return []
    return [Path(name + suffix) for suffix in SQLITE_COMPANIONS]


def _owner_only(path: Path) -> None:
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISLNK(mode):
        path.chmod(stat.S_IMODE(mode) & 0o700)

"""`make outdated`: which pinned packages of a virtual environment have a newer release on the
package index, and whether that release is a patch, minor or major step.

Asks the index through the environment's own pip (`pip list --outdated`), so it works wherever
pip installs from. Never changes a pin: it only reads requirements files and prints.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from packaging.version import InvalidVersion, Version

PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*==\s*([^\s;#]+)")


@dataclass(frozen=True)
class Newer:
    name: str
    pinned: str
    newest: str
    step: str  # "patch", "minor", "major" (or "other" for versions packaging cannot compare)


def normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(text: str) -> dict[str, str]:
    """{normalised name: pinned version} for every `name==version` line of a requirements file."""
    pins: dict[str, str] = {}
    for line in text.splitlines():
        found = PIN.match(line)
        if found:
            pins[normalised(found.group(1))] = found.group(3)
    return pins


def step(pinned: str, newest: str) -> str:
    try:
        old, new = Version(pinned).release, Version(newest).release
    except InvalidVersion:
        return "other"
    old, new = old + (0,) * (3 - len(old)), new + (0,) * (3 - len(new))
    if new[0] != old[0]:
        return "major"
    return "minor" if new[1] != old[1] else "patch"


def newer_pins(pins: dict[str, str], report: list[dict[str, str]]) -> list[Newer]:
    """The pinned packages that pip reports a newer release of (`pip list --outdated --format=json`),
    compared with the pin rather than with what happens to be installed."""
    newest = {normalised(entry["name"]): (entry["name"], entry["latest_version"]) for entry in report}
    rows = []
    for name, pinned in sorted(pins.items()):
        if name in newest and _is_newer(newest[name][1], pinned):
            rows.append(Newer(newest[name][0], pinned, newest[name][1], step(pinned, newest[name][1])))
    return rows


def _is_newer(candidate: str, pinned: str) -> bool:
    try:
        return Version(candidate) > Version(pinned)
    except InvalidVersion:
        return candidate != pinned


def pip_report(venv: Path) -> list[dict[str, str]]:
    done = subprocess.run(  # noqa: S603 (the environment's own pip, fixed arguments)
        [str(venv / "bin" / "python"), "-m", "pip", "list", "--outdated", "--format=json",
         "--disable-pip-version-check"],
        capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"pip in {venv} could not ask the index:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout or "[]")


def render(title: str, pins: dict[str, str], rows: list[Newer], unpinned: list[str]) -> str:
    lines = [f"{title}: {len(rows)} of {len(pins)} pinned packages have a newer release"]
    if rows:
        width = max(len(row.name) for row in rows) + 2
        lines.append(f"  {'package':<{width}}{'pinned':<14}{'newest':<14}step")
        lines += [f"  {row.name:<{width}}{row.pinned:<14}{row.newest:<14}{row.step}" for row in rows]
    if unpinned:
        lines.append(f"  not pinned, newer too: {', '.join(sorted(unpinned))}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("title", help='what to call the environment, e.g. "Bot service (.venv)"')
    parser.add_argument("venv", type=Path)
    parser.add_argument("requirements", type=Path, nargs="+",
                        help="its lock files, e.g. requirements/bot.txt requirements/bot-dev.txt")
    args = parser.parse_args(argv)
    pins: dict[str, str] = {}
    for requirements in args.requirements:
        pins |= read_pins(requirements.read_text(encoding="utf-8"))
    report = pip_report(args.venv)
    rows = newer_pins(pins, report)
    unpinned = [entry["name"] for entry in report if normalised(entry["name"]) not in pins]
    print(render(f"{args.title}, {' + '.join(map(str, args.requirements))}", pins, rows, unpinned))
    return 0


if __name__ == "__main__":
    sys.exit(main())

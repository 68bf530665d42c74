"""`make outdated`: for both virtual environments, every pinned package with a newer release on the
package index, with the pin, the newest release and how big the step is."""
from __future__ import annotations

import importlib.util
import re
import subprocess
import sys

import pytest
from packaging.version import Version

from support.paths import ROOT

_spec = importlib.util.spec_from_file_location("outdated", ROOT / "requirements" / "outdated.py")
assert _spec is not None and _spec.loader is not None
outdated = importlib.util.module_from_spec(_spec)
sys.modules["outdated"] = outdated  # its dataclasses look themselves up there
_spec.loader.exec_module(outdated)

ROW = re.compile(r"^  (\S+)\s+(\S+)\s+(\S+)\s+(patch|minor|major|other)$")


def test_the_newest_release_is_compared_with_the_pin_not_with_what_is_installed():
    pins = outdated.read_pins("aiohttp==3.14.5\nSQLAlchemy[asyncio]==2.1.9 ; python_version>='3.8'\n"
                              "# a comment\nredis==8.1.0\ntyping_extensions==4.15.0\n")
    report = [{"name": "aiohttp", "version": "3.14.6", "latest_version": "3.14.6"},
              {"name": "SQLAlchemy", "version": "2.1.9", "latest_version": "2.2.0"},
              {"name": "typing-extensions", "version": "4.15.0", "latest_version": "5.0.1"},
              {"name": "pip", "version": "23.2.1", "latest_version": "26.3"}]
    rows = outdated.newer_pins(pins, report)
    assert [(r.name, r.pinned, r.newest, r.step) for r in rows] == [
        ("aiohttp", "3.14.5", "3.14.6", "patch"),
        ("SQLAlchemy", "2.1.9", "2.2.0", "minor"),
        ("typing-extensions", "4.15.0", "5.0.1", "major")]


@pytest.mark.slow  # asks the package index about every pin of both environments
def test_make_outdated_lists_both_environments_with_the_step_of_each_release():
    done = subprocess.run(["make", "--no-print-directory", "outdated"], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    sections = {}
    for block in done.stdout.split("\n\n"):
        header, *lines = block.strip().splitlines()
        sections[header.split(",")[1].split(":")[0].strip()] = lines
    # Each environment's pins are its runtime lock plus the tests' one.
    assert set(sections) == {"requirements/bot.txt + requirements/bot-dev.txt",
                             "requirements/rasa.txt + requirements/rasa-dev.txt"}
    for files, lines in sections.items():
        pins: dict[str, str] = {}
        for requirements in files.split(" + "):
            pins |= outdated.read_pins((ROOT / requirements).read_text())
        for line in lines:
            found = ROW.match(line)
            if found is None:
                continue
            name, pinned, newest, _ = found.groups()
            assert pins[outdated.normalised(name)] == pinned
            assert Version(newest) > Version(pinned)
    # Rasa 3.6 holds TensorFlow at 2.12 (docs/operator-guide.md, "Dependencies").
    rasa = sections["requirements/rasa.txt + requirements/rasa-dev.txt"]
    assert any(line.split()[:2] == ["tensorflow", "2.12.0"] for line in rasa)

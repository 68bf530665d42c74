"""Rasa and the action server listen on 127.0.0.1 unless told `--host` (a container listens on its
internal network). The action server is started for real (it takes a second); Rasa only parses
its arguments (it takes a minute to start). Run with .venv-rasa's pytest."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from rasa_ext.server import parse_arguments
from tests.support.ports import free_port

ROOT = Path(__file__).parents[2]
# What a container listens on: every interface of its internal network.
ALL_INTERFACES = "0.0.0.0"  # noqa: S104


def listening_addresses(port: int) -> set[str]:
    """The local addresses a TCP socket listens on at `port`, as `ss` lists them."""
    lines = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True,
                           check=True).stdout.splitlines()
    return {line.split()[3].rsplit(":", 1)[0] for line in lines}


@pytest.mark.parametrize("arguments, address", [([], "127.0.0.1"), (["--host", ALL_INTERFACES], ALL_INTERFACES)])
def test_the_action_server_listens_where_it_is_told_and_on_loopback_by_default(arguments, address):
    port = free_port()
    environment = {**os.environ, "ACTION_TOKEN": "a-token-for-this-test", "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen([sys.executable, "-m", "rasa_ext.action_server", "--port", str(port), *arguments],
                              cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as answer:
                    assert answer.status == 200
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
        assert listening_addresses(port) == {address}
    finally:
        server.terminate()
        server.wait()


def test_rasa_listens_on_loopback_unless_told_otherwise():
    assert parse_arguments([]).host == "127.0.0.1"
    assert parse_arguments(["--host", ALL_INTERFACES]).host == ALL_INTERFACES

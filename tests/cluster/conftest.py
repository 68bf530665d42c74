"""One cluster for the fault tests (make test-cluster), on a PostgreSQL and a Redis of its own.
Each test leaves it whole again (every replica back), and adds its figures to
results/cluster-faults.json."""
from __future__ import annotations

import json

import pytest

from support.cluster import PrivatePostgres, start_cluster, stop_cluster
from support.redis_server import PrivateRedis
from support.paths import ROOT

FIGURES: dict[str, dict] = {}


@pytest.fixture(scope="session")
def postgres():
    server = PrivatePostgres()
    yield server
    server.remove()


@pytest.fixture(scope="session")
def redis():
    server = PrivateRedis()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def cluster(tmp_path_factory, postgres, redis):
    running = start_cluster(tmp_path_factory.mktemp("cluster"), postgres, redis)
    yield running
    stop_cluster(running)
    results = ROOT / "results"
    results.mkdir(exist_ok=True)
    (results / "cluster-faults.json").write_text(json.dumps(FIGURES, indent=2), encoding="utf-8")


@pytest.fixture
def figures(request):
    """The test's figures, reported under its name."""
    found: dict = {}
    yield found
    FIGURES[request.node.name] = found
    print(f"\n{request.node.name}: {json.dumps(found)}")

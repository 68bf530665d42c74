"""Example phrasings per intent and retraining from the staff web app: the rules a phrasing must
meet, the export as Rasa NLU data (read back by Rasa itself), the pages with their roles and
audit log, and the retrain job that the button queues and a worker runs: with a stand-in Rasa for
its steps and failures, and once for real against the stack's Rasa (train, test stories, PUT /model).

Nothing here writes to the repository's models/ or data/nlu/: every job runs on a copy in tmp.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tarfile
import urllib.request
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import update

from bot.app import create_app
from bot.appkeys import SESSIONS
from bot.nlu.keys import PHRASINGS, RETRAIN_JOBS
from bot.staff.keys import AUDIT
from bot.db.engine import make_engine, session_factory
from bot.db.schema import upgrade
from bot.nlu.phrasings import PhrasingError, Phrasings
from bot.nlu.retrain import Retrainer, TrainingPaths
from bot.nlu.retrain_jobs import RetrainJobs
from bot.nlu.retrain_worker import RetrainWorker
from bot.nlu.training_data import EDITOR_FILE, TrainingData
from bot.db.models import RetrainJob, utcnow
from bot.nlu.retrain_command import run_retrain
from bot.nlu.retrain_jobs import ABANDONED_AFTER, RetrainBusy
from bot.settings import RetrainSettings, Settings
from support.database import POSTGRES_ADMIN
from support.paths import MODEL, RASA_PYTHON, ROOT
from support.staff import add_user

RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
EXAMPLE = "ik heb schulden"  # a training example of ask_debt/overview in data/nlu/debt.yml
AUDITED = ("phrasing_added", "phrasing_removed", "retrain_started")


def copy_nlu(root: Path) -> Path:
    shutil.copytree(ROOT / "data" / "nlu", root / "data" / "nlu",
                    ignore=shutil.ignore_patterns(EDITOR_FILE))
    return root


@pytest.fixture
async def phrasings(tmp_path, new_database):
    engine = make_engine(new_database("phrasings.db"))
    yield Phrasings(session_factory(engine), TrainingData.read(copy_nlu(tmp_path / "nlu_only") / "data" / "nlu"))
    await engine.dispose()


def rasa_reads(*paths: Path) -> list[list[list]]:
    """What Rasa's own loader makes of NLU files: [intent, intent_response_key, text, entities]."""
    script = ("import json, sys\n"
              "from rasa.shared.nlu.training_data.loading import load_data\n"
              "print(json.dumps([[[m.get('intent'), m.get('intent_response_key'), m.get('text'),"
              " m.get('entities') or []] for m in load_data(p).intent_examples] for p in sys.argv[1:]]))")
    result = subprocess.run([str(RASA_PYTHON), "-W", "ignore", "-c", script, *map(str, paths)],
                            capture_output=True, text=True, timeout=300,
                            env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"})
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- the phrasings themselves ------------------------------------------------------------------

async def test_a_phrasing_is_kept_on_one_line_per_intent_and_can_be_removed(phrasings):
    added = await phrasings.add("ask_debt/bailiff", "  de deurwaarder \t staat   voor de deur ", author_id=7)
    assert added.text == "de deurwaarder staat voor de deur" and added.author_id == 7
    await phrasings.add("greet", "goeiemorgen allemaal", author_id=None)
    assert [p.text for p in await phrasings.for_intent("ask_debt/bailiff")] == [added.text]
    assert await phrasings.counts() == {"ask_debt/bailiff": 1, "greet": 1}
    assert (await phrasings.remove(added.id)).intent == "ask_debt/bailiff"
    assert await phrasings.remove(added.id) is None
    assert [p.intent for p in await phrasings.all()] == ["greet"]


def test_the_known_intents_come_from_the_training_data_with_their_subtopics():
    training = TrainingData.read(ROOT / "data" / "nlu")
    assert {"greet", "crisis/danger", "ask_debt/bailiff", "ask_benefits/bbz"} <= training.intents
    assert "ask_debt" not in training.intents  # only its subtopics have examples
    assert training.owner_of("IK  HEB Schulden") == "ask_debt/overview"


@pytest.mark.parametrize(("intent", "text", "message"), [
    ("ask_nonsense", "ik heb een vraag", "Onbekend onderwerp"),
    ("ask_debt", "de deurwaarder komt morgen", "Onbekend onderwerp"),  # a subtopic must be chosen
    ("greet", "h", "2 tot 200 tekens"),
    ("greet", "hallo " * 40, "2 tot 200 tekens"),
    ("greet", "hallo\ndaar", "één regel"),
    ("greet", "hallo\u2028daar", "één regel"),
    ("greet", "hallo\x00daar", "onzichtbaar teken"),
    ("ask_housing/shelter", "ik slaap in [Utrecht](city)", "vierkante haken"),
    ("ask_housing/shelter", "ik slaap in [Utrecht]", "vierkante haken"),
    ("ask_debt/overview", EXAMPLE.upper(), "staat al in de trainingsdata, bij ask_debt/overview"),
    ("greet", f"  {EXAMPLE}  ", "staat al in de trainingsdata, bij ask_debt/overview"),
])
async def test_a_phrasing_that_breaks_a_rule_is_refused_with_the_reason(phrasings, intent, text, message):
    with pytest.raises(PhrasingError, match=re.escape(message)):
        await phrasings.add(intent, text, author_id=1)
    assert await phrasings.all() == []


async def test_the_same_phrasing_twice_is_refused_whatever_the_case_or_intent(phrasings):
    await phrasings.add("ask_debt/bailiff", "Deurwaarder aan de deur", author_id=1)
    for intent in ("ask_debt/bailiff", "ask_debt/overview"):
        with pytest.raises(PhrasingError, match="al toegevoegd, bij ask_debt/bailiff"):
            await phrasings.add(intent, "deurwaarder  AAN de deur", author_id=2)


TRICKY = [  # what Rasa must read back exactly, as plain text without entities
    ("ask_debt/bailiff", "de deurwaarder (denk ik) komt morgen :)"),
    ("ask_debt/bailiff", "- beslag op mijn loon?"),
    ("ask_housing/shelter", "# waar kan ik slapen vannacht"),
    ("ask_housing/shelter", "slapen {vannacht} 'ergens' \"veilig\""),
    ("greet", "hoi: één vraag 🙂"),
    ("ask_benefits/bbz", "Bbz & btw | hoe werkt dat"),
]


async def test_the_export_is_rasa_nlu_data_in_a_stable_order(phrasings, tmp_path, new_database):
    for intent, text in reversed(TRICKY):
        await phrasings.add(intent, text, author_id=1)
    first, second = tmp_path / "first.yml", tmp_path / "second.yml"
    assert await phrasings.export(first) == len(TRICKY)
    assert await phrasings.export(second) == len(TRICKY)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_text(encoding="utf-8").startswith("#")
    assert 'version: "3.1"\nnlu:\n- intent: ask_benefits/bbz\n  examples: |\n    - Bbz & btw' in first.read_text()

    await phrasings.remove((await phrasings.all())[0].id)
    empty_engine = make_engine(new_database("empty.db"))
    empty = tmp_path / "empty.yml"
    await Phrasings(session_factory(empty_engine), phrasings.training).export(empty)
    await empty_engine.dispose()
    assert empty.read_text().endswith('version: "3.1"\nnlu: []\n')

    read, read_empty = rasa_reads(first, empty)
    assert read_empty == []
    expected = sorted(TRICKY)
    assert [text for _, _, text, _ in read] == [text for _, text in expected]
    assert [key for _, key, _, _ in read] == [intent if "/" in intent else None for intent, _ in expected]
    assert [intent for intent, _, _, _ in read] == [intent.split("/")[0] for intent, _ in expected]
    assert all(entities == [] for *_, entities in read)


async def test_a_fresh_database_takes_the_phrasings_of_the_committed_file(phrasings, tmp_path, new_database):
    await phrasings.add("greet", "goedemiddag!", author_id=1)
    await phrasings.add("ask_debt/bailiff", "deurwaarder bij de buren", author_id=1)
    committed = tmp_path / EDITOR_FILE
    await phrasings.export(committed)
    engine = make_engine(new_database("fresh.db"))
    fresh = Phrasings(session_factory(engine), phrasings.training)
    assert await fresh.seed(committed) == 2
    assert await fresh.seed(committed) == 0  # only into an empty table
    assert [(p.intent, p.text, p.author_id) for p in await fresh.all()] == [
        ("ask_debt/bailiff", "deurwaarder bij de buren", None), ("greet", "goedemiddag!", None)]
    await engine.dispose()


# --- the pages, with a stand-in Rasa ------------------------------------------------------------

FAKE_RASA = '''\
"""Stands in for .venv-rasa/bin/rasa and python: quick, and steered by files in the working dir."""
import pathlib, sys, time
args = sys.argv[1:]
cwd = pathlib.Path.cwd()
if args[:1] == ["train"]:
    print("\\x1b[92mTraining the model\\x1b[0m")
    if (cwd / "fail_train").exists():
        sys.exit(1)
    while (cwd / "hold").exists():
        time.sleep(0.05)
    out = pathlib.Path(args[args.index("--out") + 1])
    out.mkdir(parents=True, exist_ok=True)
    (out / (args[args.index("--fixed-model-name") + 1] + ".tar.gz")).write_bytes(b"new model")
    print("progress 1%\\rprogress 100%")
elif args[:2] == ["test", "core"]:
    print("Evaluating stories")
    sys.exit(1 if (cwd / "fail_tests").exists() else 0)
'''


class FakeRasaServer:
    """Rasa's PUT /model: records what it was asked to load."""

    def __init__(self, answer: int = 204) -> None:
        self.loaded: list[tuple[str, str]] = []
        self.answer = answer
        self.app = web.Application()
        self.app.router.add_put("/model", self.put_model)

    async def put_model(self, request: web.Request) -> web.Response:
        self.loaded.append((request.query.get("token", ""), (await request.json())["model_file"]))
        return web.Response(status=self.answer)


@pytest.fixture
def project(tmp_path) -> TrainingPaths:
    root = copy_nlu(tmp_path / "project")
    bin_dir = tmp_path / "venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name in ("rasa", "python"):
        (bin_dir / name).write_text(f"#!{sys.executable}\n{FAKE_RASA}")
        (bin_dir / name).chmod(0o755)
    (root / "models").mkdir()
    (root / "models" / "current.tar.gz").write_bytes(b"old model")
    return TrainingPaths(root, bin_dir / "rasa", root / "models", root / "tests" / "test_stories.yml")


@pytest.fixture
async def fake_rasa():
    fake = FakeRasaServer()
    server = TestServer(fake.app, host="127.0.0.1")
    await server.start_server()
    fake.url = str(server.make_url("")).rstrip("/")
    yield fake
    await server.close()


TOKEN = "test-rasa-token-of-at-least-32-characters"  # the settings fixture's RASA_TOKEN


@pytest.fixture
async def client(aiohttp_client, settings, project, fake_rasa):
    settings = Settings(**{**settings.model_dump(), "rasa_url": fake_rasa.url,
                           "nlu_dir": project.project_root / "data" / "nlu"})
    return await aiohttp_client(create_app(settings))


def worker_for(client, project: TrainingPaths, *rasa_urls: str) -> RetrainWorker:
    """A worker on the app's database, as `bot retrain worker` runs one in its own process."""
    app = client.server.app
    return RetrainWorker(RetrainJobs(app[SESSIONS]), Retrainer(app[PHRASINGS], project, rasa_urls, TOKEN))


@pytest.fixture
def worker(client, project, fake_rasa) -> RetrainWorker:
    return worker_for(client, project, fake_rasa.url)


async def audited(client) -> list[tuple[str, str]]:
    return [(e.action, e.detail) for e in await client.server.app[AUDIT].recent() if e.action in AUDITED]


async def test_an_editor_adds_and_removes_a_phrasing_and_both_are_audited(client, log_in):
    editor = await log_in(client, await add_user(client, "editor@x.nl", "editor"))
    overview = await (await editor.get("/staff/training")).text()
    assert "ask_debt/bailiff" in overview and "plak nooit een echt bericht" in overview
    added = await editor.form("/staff/training/phrasings", {"intent": "ask_debt/bailiff",
                                                            "text": "de deurwaarder <b>belt</b> steeds"})
    assert added.status == 200 and added.url.path_qs == "/staff/training?intent=ask_debt/bailiff"
    page = await added.text()
    assert "de deurwaarder &lt;b&gt;belt&lt;/b&gt; steeds" in page and "nog niet getraind" in page
    number = re.search(r"/staff/training/phrasings/(\d+)/delete", page).group(1)
    removed = await editor.form(f"/staff/training/phrasings/{number}/delete", {})
    assert removed.status == 200 and "belt" not in await removed.text()
    assert await audited(client) == [("phrasing_removed", "ask_debt/bailiff"), ("phrasing_added", "ask_debt/bailiff")]
    assert (await editor.form(f"/staff/training/phrasings/{number}/delete", {})).status == 404


async def test_a_refused_phrasing_shows_the_reason_and_keeps_what_was_typed(client, log_in):
    editor = await log_in(client, await add_user(client, "editor@x.nl", "editor"))
    accepted = await editor.form("/staff/training/phrasings", {"intent": "greet", "text": f"{EXAMPLE}!"})
    assert accepted.status == 200  # "ik heb schulden!" is not the same sentence
    refused = await editor.form("/staff/training/phrasings", {"intent": "greet", "text": "hoi [daar]"})
    page = await refused.text()
    assert refused.status == 400 and "vierkante haken" in page and 'value="hoi [daar]"' in page
    assert (await editor.form("/staff/training/phrasings", {"intent": "ask_x", "text": "hoi"})).status == 400
    assert (await editor.get("/staff/training?intent=ask_x")).status == 404
    assert await client.server.app[PHRASINGS].counts() == {"greet": 1}


async def test_workers_get_no_training_pages_and_strangers_must_log_in(client, log_in):
    worker = await log_in(client, await add_user(client, "w@x.nl", "worker", ["apeldoorn"]))
    for method, path in [("GET", "/staff/training"), ("GET", "/staff/training?intent=greet"),
                         ("GET", "/staff/training/status"), ("POST", "/staff/training/phrasings"),
                         ("POST", "/staff/training/phrasings/1/delete"), ("POST", "/staff/training/retrain")]:
        response = await (worker.get(path) if method == "GET" else worker.form(path, {"intent": "greet",
                                                                                       "text": "hoi hoi"}))
        assert response.status == 403, (method, path)
        anonymous = await (client.get(path, allow_redirects=False) if method == "GET"
                           else client.post(path, allow_redirects=False))
        assert anonymous.status in (303, 401), (method, path)
    assert await client.server.app[PHRASINGS].counts() == {}
    assert await client.server.app[RETRAIN_JOBS].latest() is None


async def test_an_editor_cannot_retrain_but_an_admin_can_and_the_worker_swaps_the_new_model_in(
        client, project, fake_rasa, worker, log_in):
    editor = await log_in(client, await add_user(client, "editor@x.nl", "editor"))
    admin = await log_in(client, await add_user(client, "admin@x.nl", "admin"))
    await editor.form("/staff/training/phrasings", {"intent": "ask_debt/bailiff", "text": "beslag op mijn loon"})
    assert "Een beheerder start de training" in await (await editor.get("/staff/training")).text()
    assert (await editor.form("/staff/training/retrain", {})).status == 403
    assert await client.server.app[RETRAIN_JOBS].latest() is None

    started = await admin.form("/staff/training/retrain", {})
    assert started.status == 200 and started.url.path == "/staff/training"
    page = await started.text()
    assert 'data-running="true"' in page and "wacht op de trainer" in page
    assert fake_rasa.loaded == []  # the service only queues: the worker trains

    job = await worker.run_once()
    assert job.state == "succeeded" and job.result == "succeeded"
    status = await (await editor.get("/staff/training/status")).json()
    assert status["state"] == "succeeded" and status["label"] == "klaar" and not status["running"]
    assert status["message"] == "Het nieuwe model is actief."
    assert status["started_at"] and status["finished_at"]
    lines = list(worker.retrainer.lines)
    assert "Training the model" in lines and "progress 100%" in lines
    assert not any("\x1b" in line for line in lines)
    candidate = project.models_dir / "candidate.tar.gz"
    assert fake_rasa.loaded == [(TOKEN, str(candidate))]
    assert (project.models_dir / "current.tar.gz").read_bytes() == b"new model"
    exported = (project.project_root / "data" / "nlu" / EDITOR_FILE).read_text()
    assert "- intent: ask_debt/bailiff\n  examples: |\n    - beslag op mijn loon\n" in exported
    assert "nog niet getraind" not in await (await editor.get("/staff/training?intent=ask_debt/bailiff")).text()
    assert ("retrain_started", "") in await audited(client)
    assert await worker.run_once() is None  # nothing queued any more


async def test_a_second_retrain_while_one_waits_or_runs_is_refused(client, project, worker, log_in):
    admin = await log_in(client, await add_user(client, "admin@x.nl", "admin"))
    assert (await admin.form("/staff/training/retrain", {})).status == 200
    again = await admin.form("/staff/training/retrain", {})
    assert again.status == 409 and "Er loopt al een training" in await again.text()
    assert (await (await admin.get("/staff/training/status")).json())["running"] is True
    hold = project.project_root / "hold"
    hold.touch()  # the stand-in Rasa trains until this is gone
    running = asyncio.create_task(worker.run_once())
    while (await client.server.app[RETRAIN_JOBS].latest()).step != "training":
        await asyncio.sleep(0.05)
    status = await (await admin.get("/staff/training/status")).json()
    assert status["state"] == "running" and status["label"] == "model trainen" and status["running"]
    assert (await admin.form("/staff/training/retrain", {})).status == 409
    hold.unlink()
    assert (await running).state == "succeeded"
    assert [a for a, _ in await audited(client)] == ["retrain_started"]


async def test_a_queued_job_is_shown_by_another_replica_and_run_by_the_command_line_worker(
        client, aiohttp_client, settings, project, fake_rasa, log_in):
    """Two app instances on one database (two replicas), and `bot retrain run` as an operator runs it."""
    admin = await log_in(client, await add_user(client, "admin@x.nl", "admin"))
    assert (await admin.form("/staff/training/retrain", {})).status == 200
    other = await aiohttp_client(create_app(Settings(**{**settings.model_dump(),
                                                        "nlu_dir": project.project_root / "data" / "nlu"})))
    other_admin = await log_in(other, await add_user(other, "admin2@x.nl", "admin"))
    page = await (await other_admin.get("/staff/training")).text()
    assert 'data-running="true"' in page and "wacht op de trainer" in page
    refused = await other_admin.form("/staff/training/retrain", {})
    assert refused.status == 409  # one job at a time across replicas

    result = await run_retrain(RetrainSettings(database_url=settings.database_url, rasa_urls=fake_rasa.url,
                                               rasa_token=TOKEN), "run", project)
    assert result == 0 and len(fake_rasa.loaded) == 1
    status = await (await other_admin.get("/staff/training/status")).json()
    assert status["state"] == "succeeded" and status["result"] == "succeeded"


async def test_two_workers_never_take_the_same_job(new_database):
    """Two workers (each with its own engine, as two processes) ask for the queued job at once."""
    url = new_database("jobs.db")
    engines = [make_engine(url), make_engine(url)]
    queue, first, second = (RetrainJobs(session_factory(engine)) for engine in (engines[0], *engines))
    try:
        for _ in range(10):
            queued = await queue.enqueue(requested_by=1)
            taken = [job for job in await asyncio.gather(first.claim(), second.claim()) if job is not None]
            assert [job.id for job in taken] == [queued.id] and taken[0].state == "running"
            await first.finish(queued.id, "succeeded")
        assert await first.claim() is None and await second.claim() is None
    finally:
        for engine in engines:
            await engine.dispose()


async def test_two_workers_never_take_the_same_job_on_postgresql():
    psycopg = pytest.importorskip("psycopg")
    name = f"exit_support_jobs_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    engines = [make_engine(url), make_engine(url)]
    try:
        await upgrade(engines[0])
        first, second = (RetrainJobs(session_factory(engine)) for engine in engines)
        for _ in range(10):
            queued = await first.enqueue(requested_by=1)
            taken = [job for job in await asyncio.gather(first.claim(), second.claim()) if job is not None]
            assert [job.id for job in taken] == [queued.id]
            await second.finish(queued.id, "failed")
        with pytest.raises(RetrainBusy):
            await asyncio.gather(first.enqueue(requested_by=1), second.enqueue(requested_by=2))
    finally:
        for engine in engines:
            await engine.dispose()
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


async def test_a_job_whose_worker_vanished_is_failed_and_frees_the_queue(new_database):
    engine = make_engine(new_database("jobs.db"))
    jobs = RetrainJobs(session_factory(engine))
    try:
        job = await jobs.enqueue(requested_by=None)
        await jobs.claim()
        with pytest.raises(RetrainBusy):
            await jobs.enqueue(requested_by=None)
        async with session_factory(engine)() as session, session.begin():  # the worker was killed long ago
            await session.execute(update(RetrainJob).values(heartbeat_at=utcnow() - ABANDONED_AFTER * 2))
        again = await jobs.enqueue(requested_by=None)
        lost = await jobs.get(job.id)
        assert (lost.state, lost.result) == ("failed", "worker_lost") and again.state == "queued"
    finally:
        await engine.dispose()


@pytest.mark.parametrize(("breakage", "code", "message"), [
    ("fail_train", "training_failed", "Het trainen is mislukt."),
    ("fail_tests", "testing_failed", "De testgesprekken slaagden niet"),
    ("rasa_refuses", "rasa_refused", "Rasa kon het nieuwe model niet laden"),
    ("rasa_down", "rasa_unreachable", "Rasa was niet bereikbaar"),
    ("no_rasa_installed", "training_cannot_start", "Het trainen is mislukt (rasa kon niet starten)"),
    ("second_replica_down", "rasa_unreachable", "Rasa was niet bereikbaar"),
])
async def test_a_failed_retrain_marks_the_job_failed_and_leaves_model_and_training_data_as_they_were(
        client, project, fake_rasa, breakage, code, message, log_in):
    admin = await log_in(client, await add_user(client, "admin@x.nl", "admin"))
    await client.server.app[PHRASINGS].add("greet", "hoi daar, ik ben nieuw", author_id=1)
    committed = project.project_root / "data" / "nlu" / EDITOR_FILE
    committed.write_text('version: "3.1"\nnlu: []\n')
    before = committed.stat().st_mtime_ns
    replicas = [fake_rasa.url]
    if breakage in ("fail_train", "fail_tests"):
        (project.project_root / breakage).touch()
    elif breakage == "rasa_refuses":
        fake_rasa.answer = 500
    elif breakage == "rasa_down":
        replicas = ["http://127.0.0.1:9"]  # the discard port: nothing answers
    elif breakage == "second_replica_down":
        replicas = [fake_rasa.url, "http://127.0.0.1:9"]
    else:
        project.rasa.rename(project.rasa.with_name("rasa-gone"))
    await admin.form("/staff/training/retrain", {})
    job = await worker_for(client, project, *replicas).run_once()
    assert (job.state, job.result) == ("failed", code)
    status = await (await admin.get("/staff/training/status")).json()
    assert status["state"] == "failed" and message in status["message"] and not status["running"]
    assert "Het huidige model blijft actief; er is niets veranderd." in status["message"]
    assert (project.models_dir / "current.tar.gz").read_bytes() == b"old model"
    assert committed.read_text() == 'version: "3.1"\nnlu: []\n' and committed.stat().st_mtime_ns == before
    candidate, current = str(project.models_dir / "candidate.tar.gz"), str(project.models_dir / "current.tar.gz")
    expected_loads = {"rasa_refuses": [(TOKEN, candidate)],
                      # the replica that took the new model gets the old one back
                      "second_replica_down": [(TOKEN, candidate), (TOKEN, current)]}.get(breakage, [])
    assert fake_rasa.loaded == expected_loads
    page = await (await admin.get("/staff/training")).text()
    assert "mislukt" in page and "1 voorbeeldzin nog niet getraind" in page


# --- for real: Rasa trains, tests and loads the model (a few minutes) -----------------------------

WRONG_STORIES = """\
version: "3.1"
stories:
- story: a greeting answered with a goodbye (wrong on purpose)
  steps:
  - user: hallo
    intent: greet
  - action: utter_goodbye
"""


@pytest.fixture(scope="module")
def rasa_project(tmp_path_factory) -> Path:
    """What `make train` reads, copied: the repository's models/ and data/nlu/ stay untouched."""
    root = tmp_path_factory.mktemp("rasa_project")
    shutil.copytree(ROOT / "data", root / "data", ignore=shutil.ignore_patterns(EDITOR_FILE))
    shutil.copytree(ROOT / "rasa_ext", root / "rasa_ext", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("config.yml", "domain.yml", "tests/test_stories.yml", ".build/rasa/responses.yml"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, root / name)
    (root / "tests" / "wrong_stories.yml").write_text(WRONG_STORIES)
    return root


def rasa_get(stack, path: str) -> dict:
    with urllib.request.urlopen(f"{stack.rasa_url}{path}?token={stack.token}", timeout=60) as response:
        return json.loads(response.read())


def rasa_loads(stack, model: Path) -> None:
    request = urllib.request.Request(f"{stack.rasa_url}/model?token={stack.token}", method="PUT",
                                     data=json.dumps({"model_file": str(model)}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=300) as response:
        assert response.status == 204


def model_id(model: Path) -> str:
    with tarfile.open(model) as archive:
        member = next(m for m in archive.getmembers() if m.name.lstrip("/") == "metadata.json")
        return json.load(archive.extractfile(member))["model_id"]


def fingerprint(path: Path) -> tuple[str, int] | None:
    return (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns) if path.exists() else None


@pytest.fixture
async def real_phrasings(new_database, rasa_project):
    engine = make_engine(new_database("phrasings.db"))  # not the client app's bot.db
    yield Phrasings(session_factory(engine), TrainingData.read(rasa_project / "data" / "nlu"))
    await engine.dispose()


async def no_report(step: str) -> None:
    """The worker records the step in the job; these tests run the Retrainer alone."""


@pytest.fixture
def repository_untouched():
    """The repository's live model and training data are the same after the test."""
    watched = [MODEL, ROOT / "data" / "nlu" / EDITOR_FILE]
    before = [fingerprint(path) for path in watched]
    yield
    assert [fingerprint(path) for path in watched] == before


async def test_a_real_retrain_is_tested_and_swapped_into_the_running_rasa(stack, rasa_project, real_phrasings,
                                                                          repository_untouched):
    text = "de deurwaarder wil mijn spullen komen halen, wat kan ik doen"
    await real_phrasings.add("ask_debt/bailiff", text, author_id=1)
    before = rasa_get(stack, "/status")
    retrainer = Retrainer(real_phrasings, TrainingPaths(rasa_project, RASA, rasa_project / "models",
                                                        rasa_project / "tests" / "test_stories.yml"),
                          [stack.rasa_url], stack.token)
    try:
        result = await retrainer.run(no_report)
        assert result == "succeeded", list(retrainer.lines)
        after = rasa_get(stack, "/status")
        assert after["model_file"] == "candidate.tar.gz" != before["model_file"]
        assert after["model_id"] == model_id(rasa_project / "models" / "current.tar.gz") != before["model_id"]
        assert text in (rasa_project / "data" / "nlu" / EDITOR_FILE).read_text()
    finally:
        rasa_loads(stack, MODEL)  # the other tests of the session talk to the repository's model
    assert rasa_get(stack, "/status")["model_id"] == before["model_id"]


async def test_a_real_retrain_whose_test_stories_fail_keeps_the_live_model(stack, rasa_project, real_phrasings,
                                                                           repository_untouched):
    await real_phrasings.add("greet", "goeiesmorgens iedereen", author_id=1)
    before = rasa_get(stack, "/status")
    exported = rasa_project / "data" / "nlu" / EDITOR_FILE
    kept = fingerprint(exported)
    retrainer = Retrainer(real_phrasings, TrainingPaths(rasa_project, RASA, rasa_project / "models",
                                                        rasa_project / "tests" / "wrong_stories.yml"),
                          [stack.rasa_url], stack.token)
    assert await retrainer.run(no_report) == "testing_failed"
    assert any("predicted: utter_greet" in line for line in retrainer.lines), list(retrainer.lines)
    assert rasa_get(stack, "/status") == before
    assert fingerprint(exported) == kept

"""One retrain, step by step, for the worker that claimed its job (bot.nlu.retrain_worker):
export the phrasings, train a candidate model, run the test stories against it, and only when
they pass load it into every Rasa replica (PUT /model) and keep it as models/current.tar.gz.
Rasa keeps serving the old model until then; any failure leaves it, and the training data, as
they were, and ends in a result code.

Runs in the worker process, never in the internet-facing service. Its output lines are training
output only, never users' messages. Never logs the Rasa token (it travels in the query string).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import shutil
import signal
import tempfile
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Awaitable, Callable, Sequence

import aiohttp

from bot.nlu.phrasings import Phrasings
from bot.nlu.retrain_jobs import SUCCEEDED
from bot.nlu.training_data import EDITOR_FILE
from bot.rasa_replicas import RasaReplicas
from bot.settings import process_basics

log = logging.getLogger(__name__)

STEPS = ("exporting", "training", "testing", "loading")
# What is kept of the subprocesses' output: enough to see where a failure came from.
KEPT_LINES = 30
MAX_LINE_CHARS = 300
# Training takes minutes on two cores; a step that takes this long has hung.
STEP_TIMEOUT_SECONDS = 60 * 60
# Rasa loads the new model before it answers the PUT: seconds, on a busy machine a minute.
SWAP_TIMEOUT_SECONDS = 300
CANDIDATE = "candidate"
CURRENT = "current.tar.gz"
RESPONSES = Path(".build/rasa/responses.yml")
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
# Result codes besides a step's own (f"{step}_failed", "_timeout", "_cannot_start").
NO_MODEL = "no_model"
RASA_UNREACHABLE = "rasa_unreachable"
RASA_REFUSED = "rasa_refused"
# Some replicas took the new model and could not be given the old one back.
LOADED_PARTLY = "loaded_partly"
INTERRUPTED = "interrupted"
UNEXPECTED = "unexpected_error"

Report = Callable[[str], Awaitable[None]]


class RetrainFailed(Exception):
    """A step failed; `code` says which and how (a result code of retrain_jobs)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class TrainingPaths:
    """Where the training data, Rasa and the models are; tests point these at a copy. Replicas
    load models by path, so `models_dir` must be the same path for every Rasa replica."""

    project_root: Path
    rasa: Path
    models_dir: Path
    stories: Path

    @classmethod
    def of_project(cls, root: Path) -> TrainingPaths:
        return cls(root, root / ".venv-rasa" / "bin" / "rasa", root / "models", root / "tests" / "test_stories.yml")


@dataclass(frozen=True)
class _SavedFile:
    """The export file as it was before the job, to put back when the job fails."""

    path: Path
    content: bytes | None
    times: tuple[int, int] | None  # access and modification time, ns

    @classmethod
    def of(cls, path: Path) -> _SavedFile:
        if not path.exists():
            return cls(path, None, None)
        stat = path.stat()
        return cls(path, path.read_bytes(), (stat.st_atime_ns, stat.st_mtime_ns))

    def restore(self) -> None:
        if self.content is None:
            self.path.unlink(missing_ok=True)
            return
        self.path.write_bytes(self.content)
        # The old time too: make would otherwise retrain for a file that did not change.
        assert self.times is not None  # noqa: S101 (saved together with the content: narrows the type)
        os.utime(self.path, ns=self.times)


class Retrainer:
    def __init__(self, phrasings: Phrasings, paths: TrainingPaths, rasa_urls: Sequence[str], token: str,
                 on_line: Callable[[str], None] | None = None) -> None:
        self._phrasings = phrasings
        self._root = paths.project_root.resolve()
        self._rasa = paths.rasa.absolute()
        # Rasa's virtual environment; never resolved, since its python is a symlink out of it.
        self._python = self._rasa.parent / "python"
        self._models = paths.models_dir.resolve()
        self._rasa_urls = [url.rstrip("/") for url in rasa_urls]
        self._token = token
        self._stories = paths.stories.resolve()
        self._on_line = on_line
        self.lines: deque[str] = deque(maxlen=KEPT_LINES)

    @property
    def export_path(self) -> Path:
        return self._root / "data" / "nlu" / EDITOR_FILE

    @property
    def candidate(self) -> Path:
        return self._models / f"{CANDIDATE}.tar.gz"

    async def run(self, report: Report) -> str:
        """Runs every step, telling `report` each one; returns the result code ("succeeded").
        Cancelled (the worker stops), it changes nothing and raises CancelledError."""
        begun = time.monotonic()
        self.lines.clear()
        saved = await asyncio.to_thread(_SavedFile.of, self.export_path)
        loaded: list[str] = []
        result = UNEXPECTED
        try:
            await report("exporting")
            count = await self._phrasings.export(self.export_path)
            self._line(f"{count} phrasings written to data/nlu/{EDITOR_FILE}")
            await self._step("responses", str(self._python), "-m", "rasa_ext.responses", "data/content", str(RESPONSES))
            await asyncio.to_thread(self.candidate.unlink, missing_ok=True)  # never test an old one
            await report("training")
            await self._step("training", str(self._rasa), "train", "--data", "data", str(RESPONSES),
                             "--out", str(self._models), "--fixed-model-name", CANDIDATE, "--quiet")
            if not self.candidate.exists():
                raise RetrainFailed(NO_MODEL)
            await report("testing")
            results = await asyncio.to_thread(tempfile.mkdtemp, prefix="retrain-test-")
            try:
                await self._step("testing", str(self._rasa), "test", "core", "--stories", str(self._stories),
                                 "--model", str(self.candidate), "--fail-on-prediction-errors", "--out", results)
            finally:
                await asyncio.to_thread(shutil.rmtree, results, True)
            await report("loading")
            await self._load_everywhere(loaded)
            # A restart of Rasa loads models/current.tar.gz: from now on that is the new model.
            await asyncio.to_thread(os.replace, self.candidate, self._models / CURRENT)
            result = SUCCEEDED
        except RetrainFailed as failure:
            result = await self._fail(saved, loaded, failure.code)
        except asyncio.CancelledError:
            result = await self._fail(saved, loaded, INTERRUPTED)
            raise
        except Exception:  # noqa: BLE001 - whatever broke, the job must end with a result
            log.exception("retrain_error")
            result = await self._fail(saved, loaded, UNEXPECTED)
        finally:
            log.info("retrain_done result=%s seconds=%.0f", result, time.monotonic() - begun)
        return result

    async def _fail(self, saved: _SavedFile, loaded: list[str], code: str) -> str:
        """Gives the replicas that took the candidate the old model back, and the training data
        its old file; when a replica keeps the new model, the file must keep describing it."""
        if loaded and not await self._load_back(loaded):
            return LOADED_PARTLY
        try:
            await asyncio.to_thread(saved.restore)
        except OSError:
            log.error("retrain_restore_failed")
        return code

    def _line(self, line: str) -> None:
        line = ANSI.sub("", line).rstrip()
        if line.strip():
            self.lines.append(line[:MAX_LINE_CHARS])
            if self._on_line is not None:
                self._on_line(line[:MAX_LINE_CHARS])

    async def _step(self, step: str, *command: str) -> None:
        log.info("retrain_step step=%s", step)
        try:
            code = await asyncio.wait_for(self._exec(command), STEP_TIMEOUT_SECONDS)
        except TimeoutError:
            raise RetrainFailed(f"{step}_timeout") from None
        except OSError:
            raise RetrainFailed(f"{step}_cannot_start") from None
        if code != 0:
            raise RetrainFailed(f"{step}_failed")

    async def _exec(self, command: tuple[str, ...]) -> int:
        # The basics and nothing else of ours: the service's secrets have no business in a training run.
        environment = process_basics() | {
            "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
            # Rasa's dependencies' deprecation notes would push the useful lines out.
            "PYTHONWARNINGS": "ignore::DeprecationWarning", "PYTHONUNBUFFERED": "1"}
        # A session of its own, so stopping the job stops every process training started.
        process = await asyncio.create_subprocess_exec(
            *command, cwd=self._root, env=environment, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, start_new_session=True)
        try:
            await self._read_output(process)
            return await process.wait()
        except BaseException:  # cancelled or timed out: nothing of the job may keep running
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
            raise

    async def _read_output(self, process: asyncio.subprocess.Process) -> None:
        """Line by line; progress bars redraw with a carriage return, so that ends a line too."""
        assert process.stdout is not None  # noqa: S101 (started with stdout=PIPE: narrows the type)
        pending = ""
        while chunk := await process.stdout.read(4096):
            pending += chunk.decode("utf-8", errors="replace")
            *complete, pending = re.split(r"[\r\n]", pending)
            for line in complete:
                self._line(line)
            pending = pending[-MAX_LINE_CHARS * 10:]
        self._line(pending)

    async def _load_everywhere(self, loaded: list[str]) -> None:
        """Every replica loads the candidate, one after the other; each answers when it serves
        it, and until then its old model answers. `loaded` collects the ones that did. A name that
        resolves to several addresses (a scaled service) is resolved now: each address loads it."""
        replicas = await RasaReplicas(self._rasa_urls).all()
        for url in replicas:
            await self._load(url, self.candidate)
            loaded.append(url)
            self._line(f"Rasa replica {len(loaded)} of {len(replicas)} serves the new model")

    async def _load_back(self, loaded: list[str]) -> bool:
        """The old model (still models/current.tar.gz) into these replicas; False if one refused."""
        back = True
        for number, url in enumerate(loaded, 1):
            try:
                await self._load(url, self._models / CURRENT)
            except RetrainFailed:
                log.error("retrain_load_back_failed replica=%s", number)
                back = False
        return back

    async def _load(self, url: str, model: Path) -> None:
        timeout = aiohttp.ClientTimeout(total=SWAP_TIMEOUT_SECONDS)
        try:
            async with aiohttp.ClientSession(timeout=timeout) as session:
                async with session.put(f"{url}/model", params={"token": self._token},
                                       json={"model_file": str(model)}) as response:
                    status = response.status
        except (aiohttp.ClientError, TimeoutError):
            # Not the error's text: it holds the address with the token.
            raise RetrainFailed(RASA_UNREACHABLE) from None
        if status != 204:
            log.warning("retrain_load_refused status=%s", status)
            raise RetrainFailed(RASA_REFUSED)

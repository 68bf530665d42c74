"""Retraining Rasa with the editors' phrasings, in the background, one job at a time: export the
phrasings, train a candidate model, run the test stories against it, and only when they pass
swap it into the running Rasa (PUT /model) and keep it as models/current.tar.gz. Rasa keeps
serving the old model until the swap; any failure leaves it, and the training data, as they were.

The state lives in this process's memory. Its output lines are training output only: never
message text of users. Never logs the Rasa token (it travels in the query string).
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
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import aiohttp

from bot.nlu.phrasings import Phrasings
from bot.nlu.training_data import EDITOR_FILE

log = logging.getLogger(__name__)

PHASES = ("idle", "exporting", "training", "testing", "swapping", "done", "failed")
RUNNING = frozenset({"exporting", "training", "testing", "swapping"})
# What the status keeps of the subprocesses' output: enough to see where a failure came from.
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
# The child processes get these from our environment and nothing else: the service's own
# secrets (tokens, keys) have no business in a training run.
PASSED_ENVIRONMENT = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")


class RetrainBusy(Exception):
    """A retrain is running already; the message is for the admin."""


class RetrainFailed(Exception):
    """A step failed; the message is for the admin and says what stays as it was."""


@dataclass
class RetrainStatus:
    phase: str = "idle"
    started_at: datetime | None = None
    finished_at: datetime | None = None
    message: str = ""
    lines: deque[str] = field(default_factory=lambda: deque(maxlen=KEPT_LINES))

    @property
    def running(self) -> bool:
        return self.phase in RUNNING

    def as_json(self) -> dict[str, Any]:
        return {"phase": self.phase, "running": self.running, "message": self.message,
                "lines": list(self.lines),
                "started_at": self.started_at.isoformat() if self.started_at else None,
                "finished_at": self.finished_at.isoformat() if self.finished_at else None}


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
    def __init__(self, phrasings: Phrasings, project_root: Path, rasa: Path, models_dir: Path,
                 rasa_url: str, token: str, stories: Path) -> None:
        self._phrasings = phrasings
        self._root = project_root.resolve()
        self._rasa = rasa.absolute()
        # Rasa's virtual environment; never resolved, since its python is a symlink out of it.
        self._python = self._rasa.parent / "python"
        self._models = models_dir.resolve()
        self._rasa_url = rasa_url.rstrip("/")
        self._token = token
        self._stories = stories.resolve()
        self._status = RetrainStatus()
        self._task: asyncio.Task[None] | None = None

    @property
    def export_path(self) -> Path:
        return self._root / "data" / "nlu" / EDITOR_FILE

    @property
    def candidate(self) -> Path:
        return self._models / f"{CANDIDATE}.tar.gz"

    def status(self) -> RetrainStatus:
        return self._status

    def start(self) -> None:
        """Starts the job in the background; RetrainBusy while one runs."""
        if self._status.running:
            raise RetrainBusy("Er loopt al een training; wacht tot die klaar is.")
        self._status = RetrainStatus(phase="exporting", started_at=datetime.now(timezone.utc),
                                     message="Bezig met trainen. Het huidige model blijft intussen actief.")
        self._task = asyncio.create_task(self._run())

    async def wait(self) -> RetrainStatus:
        """The status once the current job (if any) has finished."""
        if self._task is not None:
            await asyncio.shield(self._task)
        return self._status

    async def close(self) -> None:
        """Stops a running job (the service stops); it fails and changes nothing."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        begun = time.monotonic()
        saved = await asyncio.to_thread(_SavedFile.of, self.export_path)
        swapped = False
        try:
            count = await self._phrasings.export(self.export_path)
            self._line(f"{count} voorbeeldzinnen geschreven naar data/nlu/{EDITOR_FILE}")
            await self._step("exporting", "De antwoordnamen konden niet gelezen worden.",
                             str(self._python), "-m", "rasa_ext.responses", "data/content", str(RESPONSES))
            await asyncio.to_thread(self.candidate.unlink, missing_ok=True)  # never test an old one
            await self._step("training", "Het trainen is mislukt.",
                             str(self._rasa), "train", "--data", "data", str(RESPONSES), "--out", str(self._models),
                             "--fixed-model-name", CANDIDATE, "--quiet")
            if not self.candidate.exists():
                raise RetrainFailed("Het trainen gaf geen model.")
            results = await asyncio.to_thread(tempfile.mkdtemp, prefix="retrain-test-")
            try:
                await self._step("testing", "De testgesprekken slaagden niet met het nieuwe model.",
                                 str(self._rasa), "test", "core", "--stories", str(self._stories),
                                 "--model", str(self.candidate), "--fail-on-prediction-errors",
                                 "--out", results)
            finally:
                await asyncio.to_thread(shutil.rmtree, results, True)
            self._status.phase = "swapping"
            await self._swap()
            swapped = True
            # A restart of Rasa loads models/current.tar.gz: from now on that is the new model.
            await asyncio.to_thread(os.replace, self.candidate, self._models / CURRENT)
            self._finish("done", "Het nieuwe model is actief.")
        except RetrainFailed as failure:
            self._fail(saved, swapped, str(failure))
        except asyncio.CancelledError:
            self._fail(saved, swapped, "Gestopt omdat de service stopte.")
            raise
        except Exception:  # noqa: BLE001 - whatever broke, the admin must see a finished job
            log.exception("retrain_error")
            self._fail(saved, swapped, "Onverwachte fout (zie het log van de service).")
        finally:
            log.info("retrain_finished phase=%s seconds=%.0f", self._status.phase, time.monotonic() - begun)

    def _fail(self, saved: _SavedFile, swapped: bool, reason: str) -> None:
        if swapped:
            # Rasa already serves the new model; the training data must keep describing it.
            self._finish("failed", f"{reason} Het nieuwe model is wel actief, maar na een herstart "
                                   "van Rasa draait het vorige weer.")
            return
        try:
            saved.restore()
        except OSError:
            log.error("retrain_restore_failed")
        self._finish("failed", f"{reason} Het huidige model blijft actief; er is niets veranderd.")

    def _finish(self, phase: str, message: str) -> None:
        self._status.phase = phase
        self._status.message = message
        self._status.finished_at = datetime.now(timezone.utc)

    def _line(self, line: str) -> None:
        line = ANSI.sub("", line).rstrip()
        if line.strip():
            self._status.lines.append(line[:MAX_LINE_CHARS])

    async def _step(self, phase: str, failure: str, *command: str) -> None:
        self._status.phase = phase
        log.info("retrain_phase phase=%s", phase)
        try:
            code = await asyncio.wait_for(self._exec(command), STEP_TIMEOUT_SECONDS)
        except TimeoutError:
            raise RetrainFailed(f"{failure} (duurde langer dan {STEP_TIMEOUT_SECONDS // 60} minuten)") from None
        except OSError:
            raise RetrainFailed(f"{failure} ({Path(command[0]).name} kon niet starten)") from None
        if code != 0:
            raise RetrainFailed(f"{failure} (afgesloten met code {code})")

    async def _exec(self, command: tuple[str, ...]) -> int:
        environment = {name: os.environ[name] for name in PASSED_ENVIRONMENT if name in os.environ}
        environment |= {"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
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

    async def _swap(self) -> None:
        """Rasa loads the candidate and answers when it serves it; until then the old one answers."""
        timeout = aiohttp.ClientTimeout(total=SWAP_TIMEOUT_SECONDS)
        try:
            async with aiohttp.ClientSession(timeout=timeout) as session:
                async with session.put(f"{self._rasa_url}/model", params={"token": self._token},
                                       json={"model_file": str(self.candidate)}) as response:
                    status = response.status
        except (aiohttp.ClientError, TimeoutError) as error:
            # Not the error's text: it holds the address with the token.
            raise RetrainFailed(f"Rasa was niet bereikbaar om het nieuwe model te laden "
                                f"({type(error).__name__}).") from None
        if status != 204:
            raise RetrainFailed(f"Rasa kon het nieuwe model niet laden (HTTP {status}).")
        self._line("Rasa gebruikt het nieuwe model")

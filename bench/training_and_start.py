"""`make bench`: how long training and starting take, and what the idle stack holds in memory.

Three figures, each on a copy or on spare ports, never touching the checkout's models or cache:
a full `rasa train` from scratch (a copy of the training inputs, an empty training cache); a
retrain after an editor adds phrasings, as bot/nlu/retrain.py runs it (the phrasings written to
data/nlu/editor_phrasings.yml, `rasa train` with the cache the first training left, then the
test stories); and the start-up of `make run`'s processes from the trained checkout until
/readyz answers 200, with each process's memory right after. Prints figures, asserts no timing.
"""
from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
RASA_BIN = ROOT / ".venv-rasa" / "bin"
RESPONSES = Path(".build/rasa/responses.yml")
# What `make train` and a retrain read: config, domain, data (answer names included), the
# project's own Rasa components, and the stories a retrain tests the candidate with.
TRAINING_INPUTS = ("config.yml", "domain.yml", "endpoints.yml", "credentials.yml", "data", "rasa_ext",
                   str(RESPONSES), "tests/test_stories.yml")
# New phrasings an editor might add in /staff/training: a handful per topic, as they come.
EDITOR_PHRASINGS = (
    ("ask_benefits/bijstand", "hoe vraag ik een uitkering aan als ik stop"),
    ("ask_benefits/bijstand", "krijg ik geld van de gemeente"),
    ("ask_benefits/toeslagen", "kan ik zorgtoeslag krijgen"),
    ("ask_debt/schuldhulp", "wie helpt mij met mijn rekeningen"),
    ("ask_debt/bailiff", "de deurwaarder staat voor de deur"),
    ("ask_debt/tax_debt", "ik heb nog een aanslag van de belastingdienst"),
    ("ask_education/courses", "welke cursus kan ik gratis doen"),
    ("ask_education/dutch", "ik wil beter nederlands leren"),
    ("ask_exit_program/what_is", "wat doen jullie precies"),
    ("ask_exit_program/cost", "moet ik betalen voor het programma"),
    ("ask_privacy", "wie kan mijn berichten lezen"),
    ("ask_capabilities", "waar kun je me mee helpen"),
)
STARTUP_TIMEOUT_SECONDS = 300
STOP_GRACE_SECONDS = 15
TARGET_MEMORY_MIB = 1536  # the whole stack <= 1.5 GB (issue 17)


def project_copy(into: Path) -> Path:
    """The training inputs in a directory of their own: training there writes nothing here."""
    if not (ROOT / RESPONSES).exists():
        subprocess.run([str(RASA_BIN / "python"), "-m", "rasa_ext.responses", "data/content", str(RESPONSES)],
                       cwd=ROOT, check=True)
    project = into / "project"
    for name in TRAINING_INPUTS:
        source, target = ROOT / name, project / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target)
    (project / "data" / "nlu" / "editor_phrasings.yml").unlink(missing_ok=True)
    return project


def rasa_environment(project: Path, cache: Path) -> dict[str, str]:
    """Rasa's training cache in `cache`; the project copy's rasa_ext first on the import path."""
    return {**os.environ, "RASA_CACHE_DIRECTORY": str(cache), "PYTHONPATH": str(project),
            "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
            "PYTHONWARNINGS": "ignore::DeprecationWarning,ignore::PendingDeprecationWarning,ignore::FutureWarning"}


def timed_run(command: list[str], project: Path, cache: Path, what: str) -> float:
    started = time.monotonic()
    run = subprocess.run(command, cwd=project, env=rasa_environment(project, cache), stdin=subprocess.DEVNULL,
                         capture_output=True, text=True)
    seconds = time.monotonic() - started
    if run.returncode:
        sys.exit(f"{what} failed (exit {run.returncode}):\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}")
    return seconds


def full_train(project: Path, cache: Path) -> float:
    """`make train`'s command, into a fresh output directory, with an empty cache."""
    return timed_run([str(RASA_BIN / "python"), "-m", "rasa_ext.cli", "train", "--data", "data", str(RESPONSES),
                      "--fixed-model-name", "current", "--out", "models", "--quiet"], project, cache,
                     "the full training")


def retrain(project: Path, cache: Path, phrasings: int) -> tuple[float, float]:
    """bot/nlu/retrain.py's training and testing steps after the export of `phrasings` editor
    phrasings: (training seconds, test stories seconds)."""
    from bot.nlu.training_data import EDITOR_FILE, nlu_file

    chosen = [(intent, f"{text} {number // len(EDITOR_PHRASINGS) or ''}".strip())
              for number, (intent, text) in ((n, EDITOR_PHRASINGS[n % len(EDITOR_PHRASINGS)])
                                             for n in range(phrasings))]
    (project / "data" / "nlu" / EDITOR_FILE).write_text(nlu_file(chosen), encoding="utf-8")
    candidate = project / "models" / "candidate.tar.gz"
    candidate.unlink(missing_ok=True)
    training = timed_run([str(RASA_BIN / "rasa"), "train", "--data", "data", str(RESPONSES), "--out", "models",
                          "--fixed-model-name", "candidate", "--quiet"], project, cache, "the retrain's training")
    results = project / "retrain-test"
    testing = timed_run([str(RASA_BIN / "rasa"), "test", "core", "--stories", "tests/test_stories.yml",
                         "--model", str(candidate), "--fail-on-prediction-errors", "--out", str(results)],
                        project, cache, "the retrain's test stories")
    return training, testing


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def stack_children(database_url: str) -> dict[str, tuple[list[str], dict[str, str]]]:
    """`bot run`'s four processes with the environments bot/supervisor.py gives them, on spare
    ports instead of its fixed 5005 and 5055 (the machine may run another stack)."""
    from bot import supervisor
    from bot.settings import Settings

    bot_port, rasa_port, actions_port = free_port(), free_port(), free_port()
    os.environ.update({
        "DATABASE_URL": database_url, "PORT": str(bot_port), "RASA_URL": f"http://127.0.0.1:{rasa_port}",
        "RASA_TOKEN": secrets.token_urlsafe(24), "SECRET_KEY": secrets.token_urlsafe(32),
        "ENCRYPTION_KEY": Fernet.generate_key().decode(),
        **{name: secrets.token_urlsafe(32) for name in ("GATEWAY_TOKEN", "NLG_TOKEN", "ACTION_TOKEN",
                                                        "INTERNAL_TOKEN")}})
    settings = Settings()  # type: ignore[call-arg]  # from the environment just set
    commands = supervisor.child_commands(settings)
    environments = supervisor.child_environments(settings)
    for name, port in (("actions", actions_port), ("rasa", rasa_port)):
        commands[name][commands[name].index("--port") + 1] = str(port)
    environments["rasa"]["ACTIONS_URL"] = f"http://127.0.0.1:{actions_port}/webhook"
    return {name: (command, environments[name]) for name, command in commands.items()}


def wait_ready(url: str, processes: dict[str, subprocess.Popen]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        for name, process in processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (our loopback URL)
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise RuntimeError("the stack did not answer /readyz in time")


def session_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[3])  # the fields after the command: state ppid pgrp session


def memory_kib(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process, in KiB; (0, 0) once it is gone."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return 0, 0
    values = {line.split(":")[0]: int(line.split()[1]) for line in lines if line.startswith(("VmRSS", "VmHWM"))}
    return values.get("VmRSS", 0), values.get("VmHWM", 0)


def stack_memory(processes: dict[str, subprocess.Popen]) -> dict[str, tuple[int, int, int]]:
    """Per child: (processes, VmRSS KiB, VmHWM KiB), every process of its session counted (each
    child leads a session of its own, as under `bot run`), so Rasa's own subprocesses count."""
    sessions = {process.pid: name for name, process in processes.items()}
    totals = {name: (0, 0, 0) for name in processes}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (name := sessions.get(session_of(int(entry)) or -1)) is not None:
            count, rss, hwm = totals[name]
            now, peak = memory_kib(int(entry))
            totals[name] = (count + 1, rss + now, hwm + peak)
    return totals


def stop(processes: dict[str, subprocess.Popen]) -> None:
    for process in processes.values():
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes.values():
        try:
            process.wait(timeout=STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def start_up(workdir: Path) -> tuple[float, float, dict[str, tuple[int, int, int]]]:
    """(bot db upgrade seconds, seconds from starting the processes to /readyz 200, memory)."""
    children = stack_children(f"sqlite+aiosqlite:///{workdir}/bot.db")
    bot_env = children["bot"][1]
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "bot.cli", "db", "upgrade"], cwd=ROOT, env=bot_env, check=True,
                   capture_output=True)
    upgrade = time.monotonic() - started
    logs = {name: open(workdir / f"{name}.log", "w") for name in children}  # noqa: SIM115 (closed below)
    processes: dict[str, subprocess.Popen] = {}
    try:
        started = time.monotonic()
        for name, (command, environment) in children.items():
            processes[name] = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=logs[name],
                                               stderr=subprocess.STDOUT, start_new_session=True)
        wait_ready(f"http://127.0.0.1:{bot_env['PORT']}/readyz", processes)
        ready = time.monotonic() - started
        memory = stack_memory(processes)
    except RuntimeError:
        for name in logs:
            logs[name].flush()
            sys.stderr.write(f"--- {name} log ---\n{(workdir / f'{name}.log').read_text()[-3000:]}\n")
        raise
    finally:
        stop(processes)
        for handle in logs.values():
            handle.close()
    return upgrade, ready, memory


def print_memory(memory: dict[str, tuple[int, int, int]]) -> None:
    names = {"bot": "bot service", "rasa": "Rasa", "actions": "action server", "retrain": "retrain worker"}
    print("memory of the idle stack right after start-up (MiB; VmRSS now, VmHWM its peak so far):")
    for name, (count, rss, hwm) in memory.items():
        print(f"  {names.get(name, name):<15} {count} process{'es' if count != 1 else '  '}  "
              f"VmRSS {rss / 1024:6.0f}  VmHWM {hwm / 1024:6.0f}")
    rss = sum(value[1] for value in memory.values()) / 1024
    hwm = sum(value[2] for value in memory.values()) / 1024
    verdict = "met" if hwm <= TARGET_MEMORY_MIB else "missed"
    print(f"  {'whole stack':<15}              VmRSS {rss:6.0f}  VmHWM {hwm:6.0f}"
          f"   target VmHWM <= {TARGET_MEMORY_MIB} MiB (1.5 GiB): {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tiny", action="store_true", help="no training; one start-up (make test)")
    parser.add_argument("--startups", type=int, default=3)
    parser.add_argument("--retrains", type=int, default=2)
    parser.add_argument("--phrasings", type=int, default=12, help="editor phrasings added per retrain")
    args = parser.parse_args()
    if not (ROOT / "models" / "current.tar.gz").exists():
        sys.exit("no trained model: run `make train` first")
    os.chdir(ROOT)
    with tempfile.TemporaryDirectory(prefix="bench-train-start-") as tmp:
        workdir = Path(tmp)
        if args.tiny:
            print("full rasa train from scratch: skipped (--tiny)")
            print("retrain after an editor adds phrasings: skipped (--tiny)")
        else:
            project, cache = project_copy(workdir), workdir / "rasa-cache"
            seconds = full_train(project, cache)
            print(f"full rasa train from scratch (empty cache): {seconds:.1f} s", flush=True)
            runs = [retrain(project, cache, args.phrasings * number) for number in range(1, args.retrains + 1)]
            trainings, tests = [run[0] for run in runs], [run[1] for run in runs]
            print(f"retrain after an editor adds phrasings ({args.retrains} runs, warm cache): "
                  f"training median {statistics.median(trainings):.1f} s, test stories median "
                  f"{statistics.median(tests):.1f} s, together median "
                  f"{statistics.median(a + b for a, b in runs):.1f} s "
                  f"(training runs: {', '.join(f'{s:.1f}' for s in trainings)})", flush=True)
        upgrades, readies, memory = [], [], {}
        for number in range(1 if args.tiny else args.startups):
            run = workdir / f"start-{number}"
            run.mkdir()
            upgrade, ready, memory = start_up(run)
            upgrades.append(upgrade)
            readies.append(ready)
        print(f"start-up to /readyz 200 ({len(readies)} run{'s' if len(readies) > 1 else ''}): "
              f"median {statistics.median(readies):.1f} s (runs: {', '.join(f'{s:.1f}' for s in readies)}); "
              f"bot db upgrade before it: median {statistics.median(upgrades):.1f} s")
        print_memory(memory)


if __name__ == "__main__":
    main()

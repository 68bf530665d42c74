"""The training pages for editors and admins: example phrasings per intent (what users type),
and for admins a retrain of the model in the background with its progress. Every rule lives in
bot.nlu (phrasings and retrain); this module only shows them, checks roles and audit-logs.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterator

from aiohttp import web

from bot.appkeys import AUDIT, SESSIONS
from bot.nlu.phrasings import Phrasing, PhrasingError, Phrasings
from bot.nlu.retrain import RetrainBusy, Retrainer
from bot.nlu.training_data import TrainingData, normalised
from bot.settings import Settings
from bot.staff.auth import LOGIN, staff_only
from bot.staff.pages import render_page

routes = web.RouteTableDef()
EDITORS = ("editor", "admin")
PHRASINGS = web.AppKey("phrasings", Phrasings)
RETRAINER = web.AppKey("retrainer", Retrainer)
# Training examples shown on an intent's page, so editors see how the others are written.
SHOWN_EXAMPLES = 8
PHASE_LABELS = {"idle": "nog niet gestart", "exporting": "trainingsdata schrijven", "training": "model trainen",
                "testing": "testgesprekken draaien", "swapping": "nieuw model inzetten", "done": "klaar",
                "failed": "mislukt"}


@dataclass(frozen=True)
class TrainingPaths:
    """Where the training data, Rasa and the models are; tests point these at a copy."""

    project_root: Path
    rasa: Path
    models_dir: Path
    stories: Path

    @classmethod
    def of_project(cls, root: Path) -> TrainingPaths:
        return cls(root, root / ".venv-rasa" / "bin" / "rasa", root / "models", root / "tests" / "test_stories.yml")


def setup_training(app: web.Application, settings: Settings, paths: TrainingPaths | None = None,
                   training: TrainingData | None = None) -> None:
    """Adds the routes and the phrasings and retrainer (after the database exists). The data
    paths of the settings are relative to the working directory: the project root. `training`:
    the project's NLU examples when already read; else they are read from `paths`."""
    paths = paths or TrainingPaths.of_project(Path.cwd())

    async def context(app: web.Application) -> AsyncIterator[None]:
        read = training or await asyncio.to_thread(TrainingData.read, paths.project_root / "data" / "nlu")
        phrasings = Phrasings(app[SESSIONS], read)
        retrainer = Retrainer(phrasings, paths.project_root, paths.rasa, paths.models_dir, settings.rasa_url,
                              settings.rasa_token.get_secret_value(), paths.stories)
        await phrasings.seed(retrainer.export_path)
        app[PHRASINGS], app[RETRAINER] = phrasings, retrainer
        yield
        await retrainer.close()

    app.cleanup_ctx.append(context)
    app.add_routes(routes)


@routes.get("/staff/training")
@staff_only(*EDITORS, page=True)
async def training_page(request: web.Request) -> web.Response:
    intent = request.query.get("intent")
    if intent is None:
        return await _overview(request)
    if intent not in request.app[PHRASINGS].training.intents:
        raise web.HTTPNotFound(text="no such intent")
    return await _intent_page(request, intent)


async def _overview(request: web.Request, error: str = "", status: int = 200) -> web.Response:
    phrasings, retrainer = request.app[PHRASINGS], request.app[RETRAINER]
    return render_page("training.html", request, status=status, intents=phrasings.intents,
                       counts=await phrasings.counts(), untrained=len(await _untrained(request)),
                       retrain=retrainer.status(), phases=PHASE_LABELS, error=error)


async def _intent_page(request: web.Request, intent: str, error: str = "", text: str = "",
                       status: int = 200) -> web.Response:
    phrasings = request.app[PHRASINGS]
    return render_page("training_intent.html", request, status=status, intent=intent,
                       phrasings=await phrasings.for_intent(intent), untrained=await _untrained(request),
                       examples=phrasings.training.examples.get(intent, [])[:SHOWN_EXAMPLES],
                       error=error, text=text)


async def _untrained(request: web.Request) -> set[int]:
    """Ids of the phrasings the live model has not learnt: not in the file of the last retrain."""
    learnt = await request.app[PHRASINGS].exported(request.app[RETRAINER].export_path)
    return {p.id for p in await request.app[PHRASINGS].all() if (p.intent, normalised(p.text)) not in learnt}


@routes.post("/staff/training/phrasings")
@staff_only(*EDITORS, page=True)
async def add_phrasing(request: web.Request) -> web.Response:
    form = await request.post()
    intent, text = str(form.get("intent", "")), str(form.get("text", ""))
    if intent not in request.app[PHRASINGS].training.intents:
        raise web.HTTPBadRequest(text="no such intent")
    user = request[LOGIN].user
    try:
        await request.app[PHRASINGS].add(intent, text, user.id)
    except PhrasingError as refused:
        return await _intent_page(request, intent, error=str(refused), text=text, status=400)
    await request.app[AUDIT].record(user.id, "phrasing_added", detail=intent)
    raise web.HTTPSeeOther(f"/staff/training?intent={intent}")


@routes.post(r"/staff/training/phrasings/{id:\d{1,9}}/delete")
@staff_only(*EDITORS, page=True)
async def remove_phrasing(request: web.Request) -> web.Response:
    removed: Phrasing | None = await request.app[PHRASINGS].remove(int(request.match_info["id"]))
    if removed is None:
        raise web.HTTPNotFound(text="no such phrasing")
    await request.app[AUDIT].record(request[LOGIN].user.id, "phrasing_removed", detail=removed.intent)
    raise web.HTTPSeeOther(f"/staff/training?intent={removed.intent}")


@routes.post("/staff/training/retrain")
@staff_only("admin", page=True)
async def retrain(request: web.Request) -> web.Response:
    try:
        request.app[RETRAINER].start()
    except RetrainBusy as busy:
        return await _overview(request, error=str(busy), status=409)
    await request.app[AUDIT].record(request[LOGIN].user.id, "retrain_started")
    raise web.HTTPSeeOther("/staff/training")


@routes.get("/staff/training/status")
@staff_only(*EDITORS, page=False)
async def retrain_status(request: web.Request) -> web.Response:
    status = request.app[RETRAINER].status()
    return web.json_response({**status.as_json(), "label": PHASE_LABELS[status.phase]},
                             headers={"Cache-Control": "no-store"})

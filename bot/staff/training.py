"""The training pages for editors and admins: example phrasings per intent (what users type),
and for admins the button that queues a retrain, with the job's state as the database holds it
(any replica shows it). Every rule lives in bot.nlu (phrasings, retrain jobs); the retrain itself
runs in the worker process. This module only shows them, checks roles and audit-logs.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web

from bot.nlu.keys import PHRASINGS, RETRAIN_JOBS
from bot.nlu.phrasings import Phrasing, PhrasingError
from bot.nlu.retrain_jobs import FAILED, QUEUED, RUNNING, SUCCEEDED, Job, RetrainBusy, aware
from bot.staff.keys import AUDIT
from bot.staff.auth import LOGIN, staff_only
from bot.staff.pages import render_page
from bot.staff.scope import EDITORS

routes = web.RouteTableDef()
# Training examples shown on an intent's page, so editors see how the others are written.
SHOWN_EXAMPLES = 8
STEP_LABELS = {"exporting": "trainingsdata schrijven", "training": "model trainen",
               "testing": "testgesprekken draaien", "loading": "nieuw model inzetten"}
STATE_LABELS = {None: "nog niet gestart", QUEUED: "wacht op de trainer", RUNNING: "bezig",
                SUCCEEDED: "klaar", FAILED: "mislukt"}
KEPT = " Het huidige model blijft actief; er is niets veranderd."
_STEP_FAILURES = {"responses": "De antwoordnamen konden niet gelezen worden", "training": "Het trainen is mislukt",
                  "testing": "De testgesprekken slaagden niet met het nieuwe model"}
# What each result code of bot.nlu.retrain means for the admin.
RESULT_MESSAGES = {
    SUCCEEDED: "Het nieuwe model is actief.",
    **{f"{step}_failed": f"{text}.{KEPT}" for step, text in _STEP_FAILURES.items()},
    **{f"{step}_timeout": f"{text} (duurde te lang).{KEPT}" for step, text in _STEP_FAILURES.items()},
    **{f"{step}_cannot_start": f"{text} (rasa kon niet starten).{KEPT}" for step, text in _STEP_FAILURES.items()},
    "no_model": f"Het trainen gaf geen model.{KEPT}",
    "rasa_unreachable": f"Rasa was niet bereikbaar om het nieuwe model te laden.{KEPT}",
    "rasa_refused": f"Rasa kon het nieuwe model niet laden.{KEPT}",
    "interrupted": f"Gestopt omdat de trainer stopte.{KEPT}",
    "worker_lost": "De trainer is onderweg gestopt. Start opnieuw; het model dat Rasa gebruikt is niet veranderd.",
    "loaded_partly": ("Niet elke Rasa kon het nieuwe model laden, en niet elke Rasa kreeg het vorige terug. "
                      "Herstart Rasa: dan draait overal het vorige model."),
    "unexpected_error": f"Onverwachte fout (zie het log van de trainer).{KEPT}",
}
RUNNING_MESSAGE = "Bezig met trainen. Het huidige model blijft intussen actief."
QUEUED_MESSAGE = "Wacht tot de trainer begint. Het huidige model blijft intussen actief."


@dataclass(frozen=True)
class RetrainView:
    """A job as the page and the status JSON show it."""

    label: str
    message: str
    running: bool
    started_at: datetime | None
    finished_at: datetime | None
    state: str | None = None
    step: str | None = None
    result: str | None = None

    @classmethod
    def of(cls, job: Job | None) -> RetrainView:
        if job is None:
            return cls(STATE_LABELS[None], "", False, None, None)
        label = STEP_LABELS.get(job.step or "", STATE_LABELS[RUNNING]) if job.state == RUNNING \
            else STATE_LABELS[job.state]
        message = {QUEUED: QUEUED_MESSAGE, RUNNING: RUNNING_MESSAGE}.get(
            job.state, RESULT_MESSAGES.get(job.result or "", job.result or ""))
        return cls(label, message, job.active, job.started_at or job.created_at, job.finished_at,
                   job.state, job.step, job.result)

    def as_json(self) -> dict[str, Any]:
        return {"state": self.state, "step": self.step, "result": self.result, "label": self.label,
                "message": self.message, "running": self.running,
                "started_at": self.started_at.isoformat() if self.started_at else None,
                "finished_at": self.finished_at.isoformat() if self.finished_at else None}


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
    phrasings = request.app[PHRASINGS]
    return render_page("training.html", request, status=status, intents=phrasings.intents,
                       counts=await phrasings.counts(), untrained=len(await _untrained(request)),
                       retrain=RetrainView.of(await request.app[RETRAIN_JOBS].latest()), error=error)


async def _intent_page(request: web.Request, intent: str, error: str = "", text: str = "",
                       status: int = 200) -> web.Response:
    phrasings = request.app[PHRASINGS]
    return render_page("training_intent.html", request, status=status, intent=intent,
                       phrasings=await phrasings.for_intent(intent), untrained=await _untrained(request),
                       examples=phrasings.training.examples.get(intent, [])[:SHOWN_EXAMPLES],
                       error=error, text=text)


async def _untrained(request: web.Request) -> set[int]:
    """Ids of the phrasings the live model has not learnt: an editor's, added after the last
    successful retrain began (seeded ones came from the trained file)."""
    last = await request.app[RETRAIN_JOBS].last_succeeded()
    since = last.started_at if last is not None else None
    return {p.id for p in await request.app[PHRASINGS].all()
            if p.author_id is not None and (since is None or aware(p.created_at) > since)}


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
    user = request[LOGIN].user
    try:
        await request.app[RETRAIN_JOBS].enqueue(user.id)
    except RetrainBusy:
        return await _overview(request, error="Er loopt al een training; wacht tot die klaar is.", status=409)
    await request.app[AUDIT].record(user.id, "retrain_started")
    raise web.HTTPSeeOther("/staff/training")


@routes.get("/staff/training/status")
@staff_only(*EDITORS, page=False)
async def retrain_status(request: web.Request) -> web.Response:
    view = RetrainView.of(await request.app[RETRAIN_JOBS].latest())
    return web.json_response(view.as_json(), headers={"Cache-Control": "no-store"})

"""App keys of the phrasings editors add and of the retrain jobs a worker process runs."""
from __future__ import annotations

from aiohttp import web

from bot.nlu.phrasings import Phrasings
from bot.nlu.retrain_jobs import RetrainJobs

PHRASINGS = web.AppKey("phrasings", Phrasings)
RETRAIN_JOBS = web.AppKey("retrain_jobs", RetrainJobs)

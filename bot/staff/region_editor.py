"""The regions section of the editor pages: organisation, gemeenten, office hours and closed days,
languages and public contact details of each exit-support region. The checks live in bot.regions.
"""
from __future__ import annotations

from aiohttp import web

from bot.appkeys import APPROVALS
from bot.regions.keys import REGIONS, REGION_EDITING
from bot.staff.keys import ACCOUNTS, AUDIT
from bot.approvals import REGION
from bot.regions.directory import RegionDirectory, RegionError
from bot.staff.auth import LOGIN, staff_only
from bot.staff.pages import render_page
from bot.staff.refusals import region_refusal
from bot.staff.scope import EDITORS

routes = web.RouteTableDef()


@routes.get("/staff/editor/regions")
@staff_only(*EDITORS, page=True)
async def region_list(request: web.Request) -> web.Response:
    directory = request.app[REGIONS]
    return render_page("editor_regions.html", request, regions=list(directory.regions.values()),
                       gemeenten=directory.gemeenten)


async def _region_page(request: web.Request, data: dict, error: str = "", notice: str = "",
                       status: int = 200) -> web.Response:
    proposals = await request.app[APPROVALS].pending(REGION, request.match_info["id"])
    emails = {u.id: u.email for u in await request.app[ACCOUNTS].all()} if proposals else {}
    return render_page("editor_region.html", request, status=status, data=data, error=error,
                       notice=notice, gemeenten=request.app[REGIONS].gemeenten, pending=proposals,
                       emails=emails)


async def _stored(request: web.Request) -> dict:
    region_id = request.match_info["id"]
    for entry in await request.app[REGION_EDITING].entries():
        if entry["id"] == region_id:
            return entry
    raise web.HTTPNotFound(text="no such region")


@routes.get("/staff/editor/regions/{id}")
@staff_only(*EDITORS, page=True)
async def region_page(request: web.Request) -> web.Response:
    return await _region_page(request, await _stored(request))


@routes.post("/staff/editor/regions/{id}")
@staff_only(*EDITORS, page=True)
async def region_save(request: web.Request) -> web.Response:
    stored = await _stored(request)
    form = await request.post()
    directory = request.app[REGIONS]
    data = {**stored,
            "name": str(form.get("name", "")).strip(),
            "organisation": str(form.get("organisation", "")).strip(),
            "office_hours": str(form.get("office_hours", "")).strip(),
            "languages": [code.strip() for code in str(form.get("languages", "")).split(",") if code.strip()],
            "contact": str(form.get("contact", "")).strip(),
            "confirmed": bool(form.get("confirmed"))}
    if not data["contact"]:
        data.pop("contact")
    if "closed" in form:  # one date or period per line; a form without the field keeps them
        data["closed"] = [line.strip() for line in str(form["closed"]).splitlines() if line.strip()]
    if not data.get("closed"):
        data.pop("closed", None)
    try:
        data["gemeenten"] = gemeente_codes(directory, str(form.get("gemeenten", "")))
        await request.app[REGION_EDITING].check(stored["id"], data)
    except RegionError as error:
        return await _region_page(request, data, error=region_refusal(error), status=400)
    # Regions route people in need: a change waits for a second person (bot.approvals).
    await request.app[APPROVALS].propose(REGION, stored["id"], data, request[LOGIN].user.id)
    await request.app[AUDIT].record(request[LOGIN].user.id, "region_proposed", detail=stored["id"])
    return await _region_page(request, stored, notice="Klaar voor een tweede redacteur: de wijziging "
                              "geldt pas als iemand anders hem goedkeurt.")


def gemeente_codes(directory: RegionDirectory, text: str) -> list[str]:
    """One gemeente per line, by name or CBS code; a line that is neither is refused by name."""
    codes = []
    for line in filter(None, (line.strip() for line in text.splitlines())):
        if line.upper() in directory.gemeenten:
            codes.append(line.upper())
            continue
        found = directory.find_gemeente(line)
        if found is None or found.name.lower() != line.lower():
            raise RegionError(f"'{line}' is not the name or CBS code of a gemeente")
        codes.append(found.code)
    return codes

"""The second person's pages: changes to safety content waiting for approval, and approving one
(which serves it, and tells the admins: audit log and the staff Telegram group). The rule itself
lives in bot.approvals and the editing modules.
"""
from __future__ import annotations

from aiohttp import web

from bot.appkeys import APPROVALS, STAFF_GROUP
from bot.content.keys import CONTENT_EDITING
from bot.regions.keys import REGION_EDITING
from bot.staff.keys import ACCOUNTS, AUDIT
from bot.approvals import CONTENT, REGION, ApprovalError
from bot.content.schema import ContentError
from bot.regions.directory import RegionError
from bot.staff.auth import LOGIN, staff_only
from bot.staff.editor import dutch_error
from bot.staff.pages import render_page
from bot.staff.refusals import region_refusal
from bot.staff.scope import EDITORS

routes = web.RouteTableDef()
# What admins read when a change goes live: the answer or region, never who or what was written.
PUBLISHED = {CONTENT: ("safety_content_published", "Veiligheidsantwoord gewijzigd: {key} (goedgekeurd door "
                       "een tweede persoon; zie de geschiedenis in de redactie)"),
             REGION: ("region_published", "Regio gewijzigd: {key} (organisatie, contact of gemeenten; "
                      "goedgekeurd door een tweede persoon)")}


@routes.get("/staff/editor/approvals")
@staff_only(*EDITORS, page=True)
async def approval_list(request: web.Request) -> web.Response:
    proposals = await request.app[APPROVALS].pending()
    emails = {u.id: u.email for u in await request.app[ACCOUNTS].all()}
    return render_page("editor_approvals.html", request, proposals=proposals, emails=emails,
                       me=request[LOGIN].user.id)


@routes.post(r"/staff/editor/approvals/{id:\d{1,9}}")
@staff_only(*EDITORS, page=True)
async def approve(request: web.Request) -> web.Response:
    user = request[LOGIN].user
    approvals = request.app[APPROVALS]
    try:
        proposal = await approvals.to_approve(int(request.match_info["id"]), user.id)
        if proposal.kind == CONTENT:
            version = await request.app[CONTENT_EDITING].publish(proposal.key, proposal.data, proposal.author_id,
                                                                 approved_by=user.id)
            await approvals.approved(proposal.id, user.id, version.id)
            where = f"/staff/editor/answers/{proposal.key}/history"
        else:
            await request.app[REGION_EDITING].save(proposal.key, proposal.data, proposal.author_id, user.id)
            await approvals.approved(proposal.id, user.id)
            where = f"/staff/editor/regions/{proposal.key}"
    except ApprovalError as error:
        return _not_approved(request, str(error)[:1].upper() + str(error)[1:] + ".")
    except ContentError as error:
        return _not_approved(request, dutch_error(error, proposal.data))
    except RegionError as error:
        return _not_approved(request, region_refusal(error))
    await request.app[AUDIT].record(user.id, f"{proposal.kind}_approved",
                                    detail=f"{proposal.key} by {proposal.author_id}")
    action, notice = PUBLISHED[proposal.kind]
    await request.app[AUDIT].record(user.id, action, detail=proposal.key)
    await request.app[STAFF_GROUP].send(notice.format(key=proposal.key))
    raise web.HTTPSeeOther(where)


def _not_approved(request: web.Request, reason: str) -> web.Response:
    return render_page("error.html", request, status=409, title="Niet goedgekeurd", message=reason,
                       back="/staff/editor/approvals")

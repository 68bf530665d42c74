"""Errors on the staff pages as a Dutch page in the inbox's style, never a bare English text:
a handover that is gone (the user deleted the conversation), a claim a colleague beat you to.

The JSON API, the socket and the static files keep their plain answers; redirects pass.
"""
from __future__ import annotations

from typing import Awaitable, Callable

from aiohttp import web

from bot.staff.pages import render_page

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PLAIN_PREFIXES = ("/staff/ws", "/staff/static")
TITLES = {400: "Dat ging niet", 403: "Geen toegang", 404: "Niet gevonden", 409: "Dat kan nu niet"}
# The routes' reasons (English, for the API) as staff read them.
REASONS = {
    "no such handover": "Deze overdracht bestaat niet (meer). Misschien heeft de gebruiker het gesprek "
                        "gewist, of is de bewaartermijn voorbij.",
    "another worker has already taken this handover": "Een collega heeft deze overdracht al opgepakt.",
    "only the worker who joined a live chat can write in it":
        "Alleen de hulpverlener die het gesprek oppakte, kan hierin schrijven. Misschien is de chat al beëindigd.",
    "only the worker who joined can end the chat":
        "Alleen de hulpverlener die het gesprek oppakte, kan het beëindigen.",
    "this handover is already closed": "Deze overdracht is al afgesloten.",
    "another worker has this handover": "Een collega heeft deze overdracht.",
    "claim the handover first": "Pak de overdracht eerst op.",
    "write a message first": "Schrijf eerst een bericht.",
    "your role has no access to conversations": "Met jouw rol kun je geen gesprekken zien.",
}


@web.middleware
async def staff_error_pages(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as error:
        if (error.status not in TITLES or not request.path.startswith("/staff")
                or request.path.startswith(PLAIN_PREFIXES)):
            raise
        message = REASONS.get(error.text or "", "Probeer het opnieuw, of ga terug naar de vorige pagina.")
        back = "/staff/" if "/handovers/" in request.path or request.path == "/staff" else request.path
        return render_page("error.html", request, status=error.status, title=TITLES[error.status],
                           message=message, back=back)

"""The admin's staff accounts page (Dutch): every account with role, regions, state and last
login; add, disable, enable, new password or TOTP secret, role and regions, delete. A new password
or secret is shown once, on the answer to the form, and is stored nowhere in the clear.

The rules live in bot.staff.accounts and bot.staff.account_admin; this module only turns forms
into calls and errors into Dutch.
"""
from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.regions.keys import REGIONS
from bot.staff.keys import ACCOUNTS, AUDIT, STAFF_SESSIONS
from bot.staff.account_admin import AccountAdmin
from bot.staff.accounts import REGIONAL_ROLES, AccountError, LastAdmin, NoSuchAccount, is_deleted, totp_uri
from bot.staff.auth import LOGIN, staff_only
from bot.staff.login_limits import TotpLock
from bot.staff.pages import render_page

routes = web.RouteTableDef()
USERS = "/staff/admin/users"
ACCOUNT = USERS + r"/{id:\d{1,9}}"
# The accounts module's reasons (English, for the command line) as an admin reads them.
REASONS = {
    "already has an account": "Er is al een account met dit e-mailadres.",
    "needs at least one region": "Een hulpverlener of coördinator heeft minstens één regio nodig.",
    "has no regions": "Alleen hulpverleners en coördinatoren hebben regio's.",
    "give an e-mail address": "Vul een e-mailadres in.",
    "unknown region": "Kies een bestaande regio.",
    "role must be one of": "Kies een rol.",
}
LAST_ADMIN = "Dit is de laatste actieve beheerder. Maak eerst een ander account beheerder."


def _admin(request: web.Request) -> AccountAdmin:
    app = request.app
    return AccountAdmin(app[ACCOUNTS], app[STAFF_SESSIONS], app[AUDIT], list(app[REGIONS].regions))


def _dutch(error: AccountError) -> str:
    if isinstance(error, LastAdmin):
        return LAST_ADMIN
    text = str(error)
    return next((dutch for english, dutch in REASONS.items() if english in text), "Dat ging niet.")


@routes.get(USERS)
@staff_only("admin", page=True)
async def users(request: web.Request) -> web.Response:
    return await users_page(request)


async def users_page(request: web.Request, error: str = "", status: int = 200) -> web.Response:
    accounts = await request.app[ACCOUNTS].all()
    lock = TotpLock(request.app[AUDIT])
    locked = {user.id for user in accounts if user.active and await lock.locked(user.id)}
    region_names = {r.id: r.name for r in request.app[REGIONS].regions.values()}
    return render_page(
        "admin_users.html", request, status=status, error=error,
        accounts=[u for u in accounts if not is_deleted(u)], deleted=[u for u in accounts if is_deleted(u)],
        last_logins=await request.app[AUDIT].last_logins(), locked=locked, region_names=region_names,
        regional_roles=REGIONAL_ROLES, me=request[LOGIN].user.id)


async def _form(request: web.Request) -> dict[str, Any]:
    form = await request.post()
    return {"role": str(form.get("role", "")), "email": str(form.get("email", "")),
            "name": str(form.get("name", "")), "confirm": form.get("confirm") == "yes",
            "regions": [str(value) for value in form.getall("region", [])]}


async def _run(action: Any) -> Any:
    try:
        return await action
    except NoSuchAccount:
        raise web.HTTPNotFound(text="no such account") from None
    except AccountError as error:
        raise _Refused(_dutch(error)) from None


class _Refused(Exception):
    pass


def _target(request: web.Request) -> int:
    return int(request.match_info["id"])


def _actor(request: web.Request) -> int:
    return request[LOGIN].user.id


@routes.post(USERS)
@staff_only("admin", page=True)
async def add(request: web.Request) -> web.Response:
    form = await _form(request)
    try:
        new = await _run(_admin(request).add(
            _actor(request), form["email"], form["role"], form["regions"], form["name"]))
    except _Refused as refused:
        return await users_page(request, str(refused), 409)
    return _secret_page(request, "Account aangemaakt", new.email, new.password, new.totp_secret)


@routes.post(ACCOUNT + "/{action:disable|enable|delete}")
@staff_only("admin", page=True)
async def change_state(request: web.Request) -> web.Response:
    admin, actor, target = _admin(request), _actor(request), _target(request)
    action = request.match_info["action"]
    try:
        if action == "disable":
            await _run(admin.disable(actor, target))
        elif action == "enable":
            await _run(admin.enable(actor, target))
        else:
            if not (await _form(request))["confirm"]:
                return await users_page(request, "Vink aan dat je het account echt wilt verwijderen.", 400)
            await _run(admin.delete(actor, target))
    except _Refused as refused:
        return await users_page(request, str(refused), 409)
    raise web.HTTPSeeOther(USERS)


@routes.post(ACCOUNT + "/{action:reset-password|reset-totp}")
@staff_only("admin", page=True)
async def reset(request: web.Request) -> web.Response:
    admin, target = _admin(request), _target(request)
    user = await request.app[ACCOUNTS].get(target)
    if user is None or is_deleted(user):
        raise web.HTTPNotFound(text="no such account")
    try:
        if request.match_info["action"] == "reset-password":
            password = await _run(admin.reset_password(_actor(request), target))
            return _secret_page(request, "Nieuw wachtwoord", user.email, password, None)
        secret = await _run(admin.reset_totp(_actor(request), target))
    except _Refused as refused:
        return await users_page(request, str(refused), 409)
    return _secret_page(request, "Nieuwe code-instelling (TOTP)", user.email, None, secret)


@routes.post(ACCOUNT + "/access")
@staff_only("admin", page=True)
async def set_access(request: web.Request) -> web.Response:
    """Role and regions in one form: a changed role is a role change (with these regions)."""
    admin, actor, target = _admin(request), _actor(request), _target(request)
    form = await _form(request)
    user = await request.app[ACCOUNTS].get(target)
    if user is None or is_deleted(user):
        raise web.HTTPNotFound(text="no such account")
    try:
        if form["role"] != user.role:
            await _run(admin.set_role(actor, target, form["role"], form["regions"]))
        elif user.role in REGIONAL_ROLES:
            await _run(admin.set_regions(actor, target, form["regions"]))
    except _Refused as refused:
        return await users_page(request, str(refused), 409)
    raise web.HTTPSeeOther(USERS)


def _secret_page(request: web.Request, title: str, email: str, password: str | None,
                 totp_secret: str | None) -> web.Response:
    # Shown this once: the response is not stored (Cache-Control: no-store, bot/middlewares.py).
    return render_page("admin_user_secret.html", request, title=title, email=email, password=password,
                       totp_secret=totp_secret, totp_link=totp_uri(email, totp_secret) if totp_secret else None)

"""The staff inbox and the live relay, in-process (Rasa down: a live chat never asks it).

A handover is made through the internal API the action server uses; staff log in with password
and TOTP through the JSON API or the login page, and talk with a REST user through the relay.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest

from bot.app import create_app
from bot.staff.keys import ACCOUNTS, AUDIT, STAFF_SESSIONS
from bot.db.models import utcnow
from support.rest import rest_sender
from support.staff import add_user, handover_id, make_handover, user_says


@pytest.fixture
async def client(aiohttp_client, settings, static_data):
    return await aiohttp_client(create_app(settings, static=static_data))


async def test_handover_reaches_its_region_and_the_live_chat_relays_both_ways(client, settings, log_in):
    made = await make_handover(client, settings, "user-1")
    assert re.fullmatch(r"[A-Z2-9]{3}-[A-Z2-9]{3}", made["reference"])
    assert made["region"]["id"] == "apeldoorn" and made["region"]["organisation"] == "Rebelz"
    worker = await log_in(client, await add_user(client, "anna@rebelz.nl", "worker", ["apeldoorn"], "Anna"))
    number = await handover_id(worker, made["reference"])

    detail = await (await worker.get(f"/api/v1/staff/handovers/{number}")).json()
    assert detail["consent"] and detail["contact"] == "chat" and detail["availability"] == "evening"
    assert len(detail["topics"]) == 2 and detail["messages"] == []

    assert (await worker.post(f"/api/v1/staff/handovers/{number}/claim")).status == 200
    joined = await user_says(client, "user-1", "hoi, ben jij een mens?")
    assert joined[0]["text"].startswith("Je praat nu met Anna van Rebelz")
    assert joined[1:] == []  # Rasa is not consulted: no "try again later"

    sent = await worker.post(f"/api/v1/staff/handovers/{number}/messages", {"text": "Ja, ik ben Anna."})
    assert sent.status == 201
    user_1 = {"Authorization": f"Bearer {await rest_sender(client, 'user-1')}"}
    pending = await (await client.get("/api/v1/chat/pending", headers=user_1)).json()
    assert [m["text"] for m in pending] == ["Ja, ik ben Anna."]
    assert await (await client.get("/api/v1/chat/pending", headers=user_1)).json() == []

    detail = await (await worker.get(f"/api/v1/staff/handovers/{number}")).json()
    assert [(m["sender"], m["text"]) for m in detail["messages"]][1:] == [
        ("user", "hoi, ben jij een mens?"), ("worker", "Ja, ik ben Anna.")]

    ended = await user_says(client, "user-1", "stop")
    assert "weer met de assistent" in ended[0]["text"]
    detail = await (await worker.get(f"/api/v1/staff/handovers/{number}")).json()
    assert detail["live"] is False and detail["messages"][-1]["sender"] == "notice"
    back = await user_says(client, "user-1", "hallo")
    # Rasa is asked again (it is down in this test: the fixed "try again later" answer).
    assert back[0]["text"].startswith("Sorry, er ging iets mis aan mijn kant")


async def test_worker_of_other_region_cannot_see_or_claim_the_handover(client, settings, log_in):
    made = await make_handover(client, settings, "user-2")
    mine = await log_in(client, await add_user(client, "a@rebelz.nl", "worker", ["apeldoorn"]))
    other = await log_in(client, await add_user(client, "b@shop.nl", "worker", ["den-haag"]))
    number = await handover_id(mine, made["reference"])
    assert await (await other.get("/api/v1/staff/handovers")).json() == []
    assert (await other.get(f"/api/v1/staff/handovers/{number}")).status == 404
    assert (await other.post(f"/api/v1/staff/handovers/{number}/claim")).status == 404
    assert (await other.get(f"/staff/handovers/{number}")).status == 404


async def test_unknown_or_withheld_gemeente_goes_to_the_national_queue_for_coordinators(client, settings, log_in):
    made = await make_handover(client, settings, "user-3", municipality="-", urgent=True)
    assert made["region"]["id"] == "national" and made["urgent"] is True
    coordinator = await log_in(client, await add_user(client, "c@x.nl", "coordinator", ["twente"]))
    worker = await log_in(client, await add_user(client, "w@x.nl", "worker", ["twente"]))
    assert [h["reference"] for h in await (await coordinator.get("/api/v1/staff/handovers")).json()] \
        == [made["reference"]]
    assert await (await worker.get("/api/v1/staff/handovers")).json() == []


async def test_urgent_handovers_come_first_in_the_queue(client, settings, log_in):
    calm = await make_handover(client, settings, "user-4")
    urgent = await make_handover(client, settings, "user-5", urgent=True)
    worker = await log_in(client, await add_user(client, "w@rebelz.nl", "worker", ["apeldoorn"]))
    listed = await (await worker.get("/api/v1/staff/handovers")).json()
    assert [h["reference"] for h in listed] == [urgent["reference"], calm["reference"]]


async def test_only_one_worker_can_claim_a_handover(client, settings, log_in):
    made = await make_handover(client, settings, "user-6")
    first = await log_in(client, await add_user(client, "one@rebelz.nl", "worker", ["apeldoorn"]))
    second = await log_in(client, await add_user(client, "two@rebelz.nl", "worker", ["apeldoorn"]))
    number = await handover_id(first, made["reference"])
    assert (await first.post(f"/api/v1/staff/handovers/{number}/claim")).status == 200
    assert (await second.post(f"/api/v1/staff/handovers/{number}/claim")).status == 409
    assert (await second.post(f"/api/v1/staff/handovers/{number}/messages", {"text": "hoi"})).status == 409
    listed = await (await second.get("/api/v1/staff/handovers")).json()
    assert listed[0]["claimed"] is True
    page = await second.form(f"/staff/handovers/{number}/claim", {})
    assert page.status == 409
    assert "Een collega heeft deze overdracht al opgepakt." in await page.text(), "in Dutch, like the page"


# Every staff route and who may use it: (method, path, roles allowed), in an order that keeps
# the handover usable to the end (claim before messages, close last). Allowed-but-not-now answers
# (409: a colleague claimed it first; 400: a page form without its field) are not refusals.
HANDOVER_STAFF = {"worker", "coordinator"}
EVERYONE = {"worker", "coordinator", "editor", "admin"}
ROUTES = [
    ("GET", "/api/v1/staff/handovers", HANDOVER_STAFF),
    ("GET", "/api/v1/staff/handovers/{id}", HANDOVER_STAFF),
    ("GET", "/staff/", EVERYONE),
    ("GET", "/staff/handovers/{id}", HANDOVER_STAFF),
    ("GET", "/staff/ws", HANDOVER_STAFF),
    ("POST", "/api/v1/staff/handovers/{id}/claim", HANDOVER_STAFF),
    ("POST", "/staff/handovers/{id}/claim", HANDOVER_STAFF),
    ("GET", "/api/v1/staff/handovers/{id}/contact", HANDOVER_STAFF),
    ("GET", "/staff/handovers/{id}/contact", HANDOVER_STAFF),
    ("POST", "/api/v1/staff/handovers/{id}/messages", HANDOVER_STAFF),
    ("POST", "/staff/handovers/{id}/messages", HANDOVER_STAFF),
    ("POST", "/api/v1/staff/handovers/{id}/end", HANDOVER_STAFF),
    ("POST", "/staff/handovers/{id}/end", HANDOVER_STAFF),
    ("GET", "/api/v1/staff/sessions", {"admin"}),
    ("GET", "/staff/admin", {"admin"}),
    ("POST", "/api/v1/staff/sessions/{session}/revoke", {"admin"}),
    ("POST", "/staff/admin/sessions/{session}/revoke", {"admin"}),
    ("GET", "/staff/admin/users", {"admin"}),
    ("POST", "/staff/admin/users/{user}/enable", {"admin"}),
    ("POST", "/api/v1/staff/handovers/{id}/close", HANDOVER_STAFF),
    ("POST", "/staff/handovers/{id}/close", HANDOVER_STAFF),
]


# Staff routes anyone may use: logging in and out, the pages' static files.
PUBLIC = {("POST", "/api/v1/staff/login"), ("POST", "/api/v1/staff/logout"), ("GET", "/staff/login"),
          ("POST", "/staff/login"), ("POST", "/staff/logout"), ("GET", "/staff/static"), ("GET", "/staff")}
# Staff routes whose roles are checked by the tests of their feature instead of the matrix above
# (they change content, accounts or the model, which the matrix's requests must not).
ROLES_CHECKED_ELSEWHERE = {
    ("GET", "/staff/editor"): "test_content_editor.py",
    ("GET", "/staff/editor/answers/{key}"): "test_content_editor.py",
    ("POST", "/staff/editor/answers/{key}"): "test_content_editor.py",
    ("GET", "/staff/editor/answers/{key}/history"): "test_content_editor.py",
    ("POST", "/staff/editor/answers/{key}/rollback"): "test_content_editor.py",
    ("GET", "/staff/editor/approvals"): "test_safety_content_rule.py",
    ("POST", "/staff/editor/approvals/{id}"): "test_safety_content_rule.py",
    ("GET", "/staff/editor/regions"): "test_region_editor.py",
    ("GET", "/staff/editor/regions/{id}"): "test_region_editor.py",
    ("POST", "/staff/editor/regions/{id}"): "test_region_editor.py",
    ("GET", "/staff/editor/rules/{name}"): "test_check_rules.py",
    ("POST", "/staff/editor/rules/{name}"): "test_check_rules.py",
    ("POST", "/staff/admin/users"): "test_staff_accounts.py",
    ("POST", "/staff/admin/users/{id}/{action}"): "test_staff_accounts.py",
    ("POST", "/staff/admin/users/{id}/access"): "test_staff_accounts.py",
    ("GET", "/staff/training"): "test_phrasings.py",
    ("GET", "/staff/training/status"): "test_phrasings.py",
    ("POST", "/staff/training/phrasings"): "test_phrasings.py",
    ("POST", "/staff/training/phrasings/{id}/delete"): "test_phrasings.py",
    ("POST", "/staff/training/retrain"): "test_phrasings.py",
}


def staff_routes(app) -> set[tuple[str, str]]:
    """(method, path template) of every /staff and /api/v1/staff route the app serves (HEAD
    answers like GET)."""
    found = set()
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource is not None else {}
        template = info.get("path") or info.get("formatter") or info.get("prefix") or ""
        if route.method != "HEAD" and template.startswith(("/staff", "/api/v1/staff")):
            found.add((route.method, template))
    return found


# What a route's parameters look like, so a stranger's request reaches the route's own check.
EXAMPLE_VALUES = {"key": "utter_greet", "name": "bijstand_norm_single_21", "action": "enable"}


def matches(template: str, path: str) -> bool:
    return re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), path) is not None


def test_every_staff_route_is_in_the_matrix_or_listed_with_where_its_roles_are_checked(client):
    unlisted = [(method, template) for method, template in staff_routes(client.server.app)
                if (method, template) not in PUBLIC and (method, template) not in ROLES_CHECKED_ELSEWHERE
                and not any(method == m and matches(template, path.format(id=1, session=1, user=1))
                            for m, path, _ in ROUTES)]
    assert unlisted == [], "add these routes to ROUTES (or, with a reason, to ROLES_CHECKED_ELSEWHERE)"


async def test_every_staff_route_refuses_a_stranger(client):
    """Generated from the app's routes: a new staff route that forgets its login check fails here."""
    for method, template in sorted(staff_routes(client.server.app) - PUBLIC):
        path = re.sub(r"\{([^}]+)\}", lambda name: EXAMPLE_VALUES.get(name.group(1), "1"), template)
        response = await client.request(method, path, allow_redirects=False)
        assert response.status in (401, 403) or (
            response.status == 303 and response.headers["Location"] == "/staff/login"), (method, template)


async def test_authorisation_matrix_over_staff_routes_and_roles(client, settings, log_in):
    made = await make_handover(client, settings, "user-7", municipality="Enschede")
    staff = {}
    for role in ("worker", "coordinator", "editor", "admin"):  # the admin last: it may revoke
        regions = ["twente"] if role in ("worker", "coordinator") else []
        staff[role] = await log_in(client, await add_user(client, f"{role}@x.nl", role, regions))
    await log_in(client, await add_user(client, "spare@x.nl", "editor"))
    spare = next(s["id"] for s in await (await staff["admin"].get("/api/v1/staff/sessions")).json()
                 if s["email"] == "spare@x.nl")
    spare_user = next(u.id for u in await client.server.app[ACCOUNTS].all() if u.email == "spare@x.nl")
    number = await handover_id(staff["worker"], made["reference"])
    for method, path, allowed in ROUTES:
        url = path.format(id=number, session=spare, user=spare_user)
        for role, member in staff.items():
            body = {"text": "hallo", "outcome": "intake_planned"}
            response = await (member.get(url) if method == "GET" else member.post(url, body))
            refused = response.status in (401, 403, 404)
            assert refused != (role in allowed), (method, path, role, response.status)
        anonymous = await (client.get(url) if method == "GET" else client.post(url, json={}))
        assert anonymous.status in (401, 403) or anonymous.url.path == "/staff/login", (method, path)


async def test_unsafe_requests_without_the_csrf_token_are_refused(client, settings, log_in):
    made = await make_handover(client, settings, "user-8")
    worker = await log_in(client, await add_user(client, "w8@rebelz.nl", "worker", ["apeldoorn"]))
    number = await handover_id(worker, made["reference"])
    assert (await worker.post(f"/api/v1/staff/handovers/{number}/claim", csrf=False)).status == 403
    page = await worker.session.post(worker.url(f"/staff/handovers/{number}/claim"), data={"csrf": "wrong"})
    assert page.status == 403
    assert "Laad hem opnieuw" in await page.text()
    listed = await (await worker.get("/api/v1/staff/handovers")).json()
    assert listed[0]["claimed"] is False
    login_form = await client.post("/staff/login", data={"email": "w8@rebelz.nl", "password": "x", "totp": "1"})
    assert login_form.status == 403


async def test_a_revoked_session_is_logged_out(client, settings, log_in):
    admin = await log_in(client, await add_user(client, "admin@x.nl", "admin"))
    worker = await log_in(client, await add_user(client, "w9@rebelz.nl", "worker", ["apeldoorn"]))
    assert (await worker.get("/api/v1/staff/handovers")).status == 200
    sessions = await (await admin.get("/api/v1/staff/sessions")).json()
    target = next(s["id"] for s in sessions if s["email"] == "w9@rebelz.nl")
    assert (await admin.post(f"/api/v1/staff/sessions/{target}/revoke")).status == 200
    assert (await worker.get("/api/v1/staff/handovers")).status == 401
    assert (await worker.get("/staff/")).url.path == "/staff/login"


async def test_brute_force_login_is_throttled_even_with_the_right_password(client, settings):
    account = await add_user(client, "victim@x.nl", "worker", ["apeldoorn"])
    statuses = []
    for _ in range(settings.login_attempts_burst + 1):
        response = await client.post("/api/v1/staff/login", json={
            "email": account["email"], "password": "guess", "totp": "000000"})
        statuses.append(response.status)
    assert statuses[:-1] == [401] * settings.login_attempts_burst and statuses[-1] == 429
    right = await client.post("/api/v1/staff/login", json={
        "email": account["email"], "password": account["password"],
        "totp": pyotp.TOTP(account["totp_secret"]).now()})
    assert right.status == 429


async def test_a_totp_code_works_only_once_and_a_wrong_one_never(client, settings):
    account = await add_user(client, "once@x.nl", "worker", ["apeldoorn"])
    code = pyotp.TOTP(account["totp_secret"]).now()
    body = {"email": account["email"], "password": account["password"], "totp": code}
    assert (await client.post("/api/v1/staff/login", json=body)).status == 200
    assert (await client.post("/api/v1/staff/login", json=body)).status == 401
    wrong_code = {**body, "totp": str((int(code) + 1) % 1_000_000).zfill(6)}
    assert (await client.post("/api/v1/staff/login", json=wrong_code)).status == 401


async def test_every_view_of_a_handover_is_in_the_audit_log(client, settings, log_in):
    made = await make_handover(client, settings, "user-10", contact="phone")
    worker = await log_in(client, await add_user(client, "audit@rebelz.nl", "worker", ["apeldoorn"]))
    number = await handover_id(worker, made["reference"])
    await worker.get(f"/api/v1/staff/handovers/{number}")
    await worker.get(f"/staff/handovers/{number}")
    await worker.post(f"/api/v1/staff/handovers/{number}/claim")
    await worker.get(f"/api/v1/staff/handovers/{number}/contact")
    events = await client.server.app[AUDIT].recent(handover_id=number)
    actions = [e.action for e in reversed(events)]
    assert actions == ["handover_viewed", "handover_viewed", "handover_claimed", "contact_viewed"]
    assert all(e.staff_user_id is not None for e in events)


async def test_html_in_a_user_message_is_shown_as_text_in_the_inbox(client, settings, log_in):
    made = await make_handover(client, settings, "user-11")
    worker = await log_in(client, await add_user(client, "xss@rebelz.nl", "worker", ["apeldoorn"]))
    number = await handover_id(worker, made["reference"])
    await worker.post(f"/api/v1/staff/handovers/{number}/claim")
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    await user_says(client, "user-11", attack)
    page = await worker.get(f"/staff/handovers/{number}")
    html = await page.text()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


async def test_a_staff_request_of_the_wrong_shape_says_what_is_expected(client, settings, log_in):
    made = await make_handover(client, settings, "user-shape")
    worker = await log_in(client, await add_user(client, "shape@rebelz.nl", "worker", ["apeldoorn"]))
    number = await handover_id(worker, made["reference"])
    await worker.post(f"/api/v1/staff/handovers/{number}/claim")
    for path, body, expected in [
        ("messages", {"text": ["hallo"]}, 'expected {"text": "..."} (text: Input should be a valid string)'),
        ("messages", {}, "write a message first"),
        ("close", {"outcome": 3}, 'expected {"outcome": "..."} (outcome: Input should be a valid string)'),
        ("close", {}, "outcome must be one of intake_planned"),
    ]:
        response = await worker.post(f"/api/v1/staff/handovers/{number}/{path}", body)
        assert response.status == 400 and (await response.text()).startswith(expected), (path, body)
    login = await client.post("/api/v1/staff/login", json={"email": "shape@rebelz.nl", "password": 1, "totp": "1"})
    assert login.status == 400 and "password: Input should be a valid string" in await login.text()


async def test_closing_records_an_outcome_and_ends_a_live_chat(client, settings, log_in):
    made = await make_handover(client, settings, "user-12")
    worker = await log_in(client, await add_user(client, "close@rebelz.nl", "worker", ["apeldoorn"]))
    number = await handover_id(worker, made["reference"])
    await worker.post(f"/api/v1/staff/handovers/{number}/claim")
    assert (await worker.post(f"/api/v1/staff/handovers/{number}/close", {"outcome": "vague"})).status == 400
    closed = await worker.post(f"/api/v1/staff/handovers/{number}/close", {"outcome": "intake_planned"})
    assert (await closed.json())["status"] == "closed"
    told = await (await client.get("/api/v1/chat/pending", headers={
        "Authorization": f"Bearer {await rest_sender(client, 'user-12')}"})).json()
    assert told[-1]["text"].startswith("De PMW'er heeft het gesprek beëindigd")
    assert await (await worker.get("/api/v1/staff/handovers")).json() == []


async def test_a_crisis_phrase_in_a_live_chat_is_flagged_to_the_worker(client, settings, log_in):
    made = await make_handover(client, settings, "user-13")
    worker = await log_in(client, await add_user(client, "crisis@rebelz.nl", "worker", ["apeldoorn"]))
    number = await handover_id(worker, made["reference"])
    await worker.post(f"/api/v1/staff/handovers/{number}/claim")
    replies = await user_says(client, "user-13", "ik wil er een eind aan maken")
    assert "113" in replies[-1]["text"]  # the user still gets the safety lines
    detail = await (await worker.get(f"/api/v1/staff/handovers/{number}")).json()
    # The worker sees the flagged message and, marked as the assistant's, the safety lines the user got.
    assert [(m["sender"], m["crisis"]) for m in detail["messages"][-2:]] == [("user", True), ("assistant", False)]
    assert "113" in detail["messages"][-1]["text"]


async def test_forget_me_deletes_the_handover_content_and_tells_the_worker(client, settings, log_in):
    made = await make_handover(client, settings, "user-14")
    worker = await log_in(client, await add_user(client, "forget@rebelz.nl", "worker", ["apeldoorn"]))
    number = await handover_id(worker, made["reference"])
    await user_says(client, "user-14", "ik wil met iemand praten")
    await user_says(client, "user-14", "/forget_me_confirmed")
    assert await (await worker.get("/api/v1/staff/handovers")).json() == []
    left = await (await worker.get(f"/api/v1/staff/handovers/{number}")).json()
    assert (left["status"], left["outcome"], left["topics"], left["scan"]) == ("closed", "user_left", [], {})
    assert [m["sender"] for m in left["messages"]] == ["system"]


async def test_the_login_page_logs_in_with_password_and_totp(client, settings):
    account = await add_user(client, "page@rebelz.nl", "worker", ["apeldoorn"])
    form = await client.get("/staff/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', await form.text()).group(1)
    response = await client.post("/staff/login", data={
        "csrf": csrf, "email": account["email"], "password": account["password"],
        "totp": pyotp.TOTP(account["totp_secret"]).now()})
    assert response.status == 200 and response.url.path == "/staff/"
    assert "Overdrachten" in await response.text()


async def test_an_idle_or_old_session_is_logged_out(client, settings):
    account = await add_user(client, "idle@x.nl", "worker", ["apeldoorn"])
    user = await client.server.app[ACCOUNTS].verify(
        account["email"], account["password"], pyotp.TOTP(account["totp_secret"]).now())
    sessions = client.server.app[STAFF_SESSIONS]
    token, _ = await sessions.start(user.id)
    assert await sessions.load(token, now=utcnow() + timedelta(minutes=settings.staff_idle_minutes - 1))
    assert await sessions.load(token, now=utcnow() + timedelta(minutes=settings.staff_idle_minutes * 3)) is None
    assert await sessions.load(token) is None  # ended for good, not only too idle that moment
    fresh, _ = await sessions.start(user.id)
    assert await sessions.load(fresh, now=utcnow() + timedelta(hours=settings.staff_session_hours + 1)) is None


@pytest.mark.parametrize("consent", [True, False])
async def test_the_scan_reaches_the_worker_only_with_consent(client, settings, consent, log_in):
    scan = {"money": "worried", "safety": "fine", "housing": "better", "health": "worried",
            "people": "fine", "work": "better", "horoscope": "worried"}
    made = await make_handover(client, settings, f"scan-{consent}", consent=consent, scan=scan)
    worker = await log_in(client, await add_user(client, f"scan{consent}@rebelz.nl", "worker", ["apeldoorn"]))
    number = await handover_id(worker, made["reference"])
    detail = await (await worker.get(f"/api/v1/staff/handovers/{number}")).json()
    page = await (await worker.get(f"/staff/handovers/{number}")).text()
    if consent:
        assert detail["scan"] == {k: v for k, v in scan.items() if k != "horoscope"}
        assert page.index("geld:") < page.index("wonen:") < page.index("veiligheid:")  # worried first
    else:
        assert detail["scan"] == {} and detail["topics"] == [] and "Levensgebieden" not in page

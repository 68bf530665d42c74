"""The two-person rule for safety content holds on every route, not only behind the page's button:
an editor's direct POST that changes a safety answer (crisis answers, help lines, the safety lines
of utter_slow_down and utter_service_unavailable) or a region is served only after a second person
approves; admins hear of every change that goes live (audit log, staff Telegram group); and a
safety answer may name only the reviewed numbers and websites of data/safety_contacts.yml.
In-process, Rasa down: the NLG endpoint is what Rasa would ask.
"""
from __future__ import annotations

import re

import pytest

from bot.app import create_app
from bot.content.keys import CONTENT_EDITING
from bot.regions.keys import REGIONS
from bot.staff.keys import ACCOUNTS, AUDIT
from bot.content.files import parse_entries, read_content_dir
from bot.content.safety import SafetyContacts, is_safety_answer
from bot.content.schema import ContentError
from bot.settings import Settings
from support.editor import open_form, proposal_id, served
from support.paths import ROOT
from support.staff import add_user

DANGER = "utter_crisis/danger"


@pytest.fixture
async def group(fake_api):
    """The fake Bot API's recorder: the staff Telegram group's chat id is -100777."""
    return fake_api[0]


@pytest.fixture
async def client(aiohttp_client, settings, fake_api, static_data):
    _, server = fake_api
    settings = Settings(**{**settings.model_dump(), "telegram_token": "123456:TEST",
                           "telegram_api_url": str(server.make_url("/bot")), "staff_telegram_chat_id": "-100777"})
    return await aiohttp_client(create_app(settings, static=static_data))


@pytest.fixture
async def editor(client, log_in):
    return await log_in(client, await add_user(client, "editor@x.nl", "editor"))


@pytest.fixture
async def second_editor(client, log_in):
    return await log_in(client, await add_user(client, "second@x.nl", "editor"))


def group_notices(api) -> list[str]:
    return [m["text"] for m in api.called("sendMessage") if str(m["chat_id"]) == "-100777"]


@pytest.mark.parametrize("key", ["utter_slow_down", "utter_service_unavailable"])
async def test_the_safety_lines_of_the_gateways_own_answers_need_a_second_person(client, editor,
                                                                                second_editor, key):
    before = await served(client, key)
    fields = await open_form(editor, key)
    changed = fields["text_nl"].replace("112", "meteen 112", 1)
    response = await editor.form(f"/staff/editor/answers/{key}", {**fields, "text_nl": changed,
                                                                 "action": "publish"})
    assert response.status == 200 and "tweede redacteur" in await response.text()
    assert await served(client, key) == before
    editing = client.server.app[CONTENT_EDITING]
    author = next(u.id for u in await client.server.app[ACCOUNTS].all() if u.email == "editor@x.nl")
    with pytest.raises(ContentError):
        await editing.publish(key, (await editing.entry(key))[1], author)
    assert (await second_editor.form(f"/staff/editor/approvals/{await proposal_id(second_editor, key)}",
                                     {})).status == 200
    assert await served(client, key) == changed


async def test_a_direct_post_changing_a_crisis_number_goes_live_only_with_a_second_person(
        client, editor, second_editor, group):
    before = await served(client, DANGER)
    assert "0900-8844" in before
    fields = await open_form(editor, DANGER)
    changed = fields["text_nl"].replace("0900-8844", "0800-7000")
    # The form's fields posted straight to the route, as a script would: no page involved.
    response = await editor.form(f"/staff/editor/answers/{DANGER}", {**fields, "text_nl": changed,
                                                                     "action": "publish"})
    assert response.status == 200
    assert await served(client, DANGER) == before
    assert group_notices(group) == []

    pending = await proposal_id(second_editor, DANGER)
    assert (await second_editor.form(f"/staff/editor/approvals/{pending}", {})).status == 200
    assert await served(client, DANGER) == changed
    events = [(e.action, e.detail) for e in await client.server.app[AUDIT].recent()]
    assert ("safety_content_published", DANGER) in events
    notices = await group.wait_for("sendMessage")
    texts = [m["text"] for m in notices if str(m["chat_id"]) == "-100777"]
    assert len(texts) == 1 and DANGER in texts[0]
    assert "@" not in texts[0]  # nobody's e-mail address


async def test_a_rollback_of_a_safety_answer_waits_for_a_second_person(client, editor, second_editor):
    key = "utter_slow_down"
    before = await served(client, key)
    history = await (await editor.get(f"/staff/editor/answers/{key}/history")).text()
    versions = re.findall(r'name="version" value="(\d+)"', history)
    fields = await open_form(editor, key)
    await editor.form(f"/staff/editor/answers/{key}", {**fields, "text_nl": "Rustig aan. Bel 112 bij gevaar.",
                                                       "action": "publish"})
    await second_editor.form(f"/staff/editor/approvals/{await proposal_id(second_editor, key)}", {})
    assert await served(client, key) == "Rustig aan. Bel 112 bij gevaar."
    history = await (await editor.get(f"/staff/editor/answers/{key}/history")).text()
    first = re.findall(r'name="version" value="(\d+)"', history)[-1]
    assert versions == [] or first in versions
    await editor.form(f"/staff/editor/answers/{key}/rollback", {"version": first})
    assert await served(client, key) == "Rustig aan. Bel 112 bij gevaar."
    await second_editor.form(f"/staff/editor/approvals/{await proposal_id(second_editor, key)}", {})
    assert await served(client, key) == before


@pytest.mark.parametrize(("change", "message"), [
    (("0900-8844", "06-12345678"), "telefoonnummer 06-12345678 staat niet op de lijst"),
    (("0900-8844", "+31 6 1234 5678"), "staat niet op de lijst"),
    (("Bel meteen 112", "Bel meteen 06 - 1234 5678"), "telefoonnummer 06 - 1234 5678 staat niet op de lijst"),
    (("Politie zonder spoed: 0900-8844.", "Hulp: www.help-ons.example."), "website help-ons.example"),
])
async def test_a_safety_answer_names_only_listed_numbers_and_websites(client, editor, second_editor,
                                                                      change, message):
    before = await served(client, DANGER)
    fields = await open_form(editor, DANGER)
    old, new = change
    assert old in fields["text_nl"]
    changed = fields["text_nl"].replace(old, new)
    for action in ("draft", "publish"):
        response = await editor.form(f"/staff/editor/answers/{DANGER}", {**fields, "text_nl": changed,
                                                                         "action": action})
        assert response.status == 400
        assert message in (await response.text()).replace("&#39;", "'")
    assert await proposal_id(second_editor, DANGER) is None
    # Not even two people can serve it.
    editing = client.server.app[CONTENT_EDITING]
    users = {u.email: u.id for u in await client.server.app[ACCOUNTS].all()}
    data = {**(await editing.entry(DANGER))[1]}
    data["nl"] = {**data["nl"], "text": changed}
    with pytest.raises(ContentError):
        await editing.publish(DANGER, data, users["editor@x.nl"], approved_by=users["second@x.nl"])
    assert await served(client, DANGER) == before


def test_todays_safety_answers_name_only_listed_numbers_and_websites():
    entries = read_content_dir(ROOT / "data" / "content")
    answers = parse_entries(entries)
    contacts = SafetyContacts.from_file(ROOT / "data" / "safety_contacts.yml")
    safety = [key for key, (file_name, _) in entries.items() if is_safety_answer(key, file_name)]
    assert {"utter_crisis/danger", "utter_ask_helpline/overview", "utter_slow_down",
            "utter_service_unavailable"} <= set(safety)
    for key in safety:
        contacts.check(answers[key])


async def test_a_region_change_goes_live_only_with_a_second_person_and_admins_hear_of_it(
        client, editor, second_editor, group):
    directory = client.server.app[REGIONS]
    page = await (await editor.get("/staff/editor/regions/fryslan")).text()
    assert page
    fields = {"name": directory.regions["fryslan"].name, "organisation": "Iemand Anders",
              "office_hours": "ma-vr 9:00-17:00", "languages": "nl",
              "contact": "06-12345678", "gemeenten": "Leeuwarden"}
    response = await editor.form("/staff/editor/regions/fryslan", fields)
    assert response.status == 200
    assert directory.regions["fryslan"].organisation != "Iemand Anders"
    assert group_notices(group) == []
    page = await (await second_editor.get("/staff/editor/regions/fryslan")).text()
    pending = re.search(r'action="/staff/editor/approvals/(\d+)"', page).group(1)
    assert (await second_editor.form(f"/staff/editor/approvals/{pending}", {})).status == 200
    assert directory.regions["fryslan"].organisation == "Iemand Anders"
    events = [(e.action, e.detail) for e in await client.server.app[AUDIT].recent()]
    assert ("region_published", "fryslan") in events
    notices = [m["text"] for m in await group.wait_for("sendMessage") if str(m["chat_id"]) == "-100777"]
    assert len(notices) == 1 and "fryslan" in notices[0] and "06-12345678" not in notices[0]

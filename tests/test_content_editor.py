"""Content editors change answers in the browser's forms: drafts are not served, a publication is
served at once (no retraining), history and rollback, validation with a clear message, and only
editors and admins get in. In-process, Rasa down: the NLG endpoint is what Rasa would ask.
"""
from __future__ import annotations

import asyncio
import logging
import re
import shutil
import subprocess
import sys
from urllib.parse import urlencode

import pytest
from cryptography.fernet import Fernet

from bot.app import create_app
from bot.checks.keys import CHECK_RULES
from bot.content.keys import CONTENT_EDITING
from bot.staff.keys import ACCOUNTS, AUDIT
from bot.content.schema import ContentError
from bot.settings import Settings
from support.editor import KEY, open_form, proposal_id, served
from support.paths import ROOT
from support.staff import add_user


@pytest.fixture
async def client(aiohttp_client, settings, static_data):
    return await aiohttp_client(create_app(settings, static=static_data))


@pytest.fixture
async def editor(client, log_in):
    return await log_in(client, await add_user(client, "editor@x.nl", "editor"))


async def test_a_publication_is_served_at_once_and_a_draft_never(client, editor):
    before = await served(client)
    fields = await open_form(editor)
    assert fields["text_nl"] == before
    draft = await editor.form(f"/staff/editor/answers/{KEY}", {**fields, "text_nl": "Graag gedaan! (concept)",
                                                                "action": "draft"})
    assert draft.status == 200 and "Concept bewaard" in await draft.text()
    assert await served(client) == before
    assert (await open_form(editor))["text_nl"] == "Graag gedaan! (concept)"

    published = await editor.form(f"/staff/editor/answers/{KEY}", {**fields, "text_nl": "Graag gedaan, echt.",
                                                                    "action": "publish"})
    assert published.status == 200 and "Gepubliceerd" in await published.text()
    assert await served(client) == "Graag gedaan, echt."
    assert await served(client, language="en") != "Graag gedaan, echt."  # English untouched


async def test_history_shows_who_and_what_changed_and_rolls_back(client, editor):
    original = await served(client)
    fields = await open_form(editor)
    await editor.form(f"/staff/editor/answers/{KEY}", {**fields, "text_nl": "Versie twee.", "action": "publish"})
    history = await (await editor.get(f"/staff/editor/answers/{KEY}/history")).text()
    assert "editor@x.nl" in history and "<ins>Versie twee.</ins>" in history
    first = re.findall(r'name="version" value="(\d+)"', history)[-1]  # what was there before editing
    rolled = await editor.form(f"/staff/editor/answers/{KEY}/rollback", {"version": first})
    assert rolled.status == 200
    assert await served(client) == original
    actions = [e.action for e in await client.server.app[AUDIT].recent()]
    assert "content_rolled_back" in actions and "content_published" in actions


@pytest.mark.parametrize(("change", "message"), [
    ({"text_nl": "Hallo {naam}"}, "Onbekende invulplek {naam} in de Nederlandse tekst: deze tekst heeft geen"),
    ({"text_nl": ""}, "De Nederlandse tekst ontbreekt"),
    ({"text_nl": "x" * 501}, "De Nederlandse tekst is te lang: 501 tekens, maximaal 500"),
    ({"text_nl": "<b>vet</b>"}, "Gebruik geen HTML-opmaak"),
    ({"b0_target": "ask_nonsense/topic"}, "'ask_nonsense/topic', en dat onderwerp bestaat niet"),
    ({"b0_target": "ask_benefits", "b0_check": "nonsense"}, "start een check die niet bestaat"),
])
async def test_invalid_answers_are_refused_with_a_message_and_nothing_changes(client, editor, change, message):
    before = await served(client)
    fields = await open_form(editor)
    for action in ("draft", "publish"):
        response = await editor.form(f"/staff/editor/answers/{KEY}", {**fields, **change, "action": action})
        assert response.status == 400
        assert message in (await response.text()).replace("&#39;", "'")
    assert await served(client) == before
    assert "Geen antwoorden gevonden" in await (await editor.get("/staff/editor?filter=draft")).text()


@pytest.mark.parametrize("rows", ["drie", "-1", "1000000000"])
async def test_a_form_the_page_does_not_make_is_refused_without_a_traceback(client, editor, caplog, rows):
    before = await served(client)
    fields = await open_form(editor)
    caplog.set_level(logging.INFO)
    response = await editor.form(f"/staff/editor/answers/{KEY}", {**fields, "button_rows": rows, "action": "publish"})
    assert response.status == 400 and "Probeer het opnieuw" in await response.text()
    assert await served(client) == before
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_missing_translation_needs_an_explicit_fallback(client, editor):
    fields = await open_form(editor)
    missing = {**fields, "text_en": "", "b0_title_en": "", "b1_title_en": "", "action": "publish"}
    assert (await editor.form(f"/staff/editor/answers/{KEY}", missing)).status == 400
    missing = {**fields, "text_en": "", "action": "publish", "fallback": "nl"}
    missing.update({name: "" for name in fields if re.fullmatch(r"b\d+_title_en", name)})
    response = await editor.form(f"/staff/editor/answers/{KEY}", missing)
    assert response.status == 200, await response.text()
    assert await served(client, language="en") == fields["text_nl"]
    listing = await (await editor.get("/staff/editor?filter=missing")).text()
    assert "vertaling ontbreekt: en" in listing and "/staff/editor/answers/utter_thank" in listing


async def test_a_passed_year_is_flagged_as_stale(client, editor):
    fields = await open_form(editor)
    await editor.form(f"/staff/editor/answers/{KEY}", {**fields, "valid_for": "2024", "action": "publish"})
    listing = await (await editor.get("/staff/editor?filter=stale")).text()
    assert "jaar 2024 verlopen" in listing and "utter_thank" in listing
    assert "utter_greet" not in listing


async def test_search_finds_answers_by_their_text(client, editor):
    listing = await (await editor.get("/staff/editor?q=deurwaarder")).text()
    assert "ask_debt/" in listing and "ask_housing/overview" not in listing


async def search(editor, query: str, **more: str) -> str:
    page = await editor.get("/staff/editor?" + urlencode({"q": query, **more}))
    assert page.status == 200
    return await page.text()


async def listed(editor, query: str) -> list[str]:
    """The answers (links) the list shows for a search, in order."""
    return re.findall(r'<a href="/staff/editor/answers/(utter_[^"]+)">', await search(editor, query))


async def test_search_finds_an_answer_by_the_question_users_ask(client, editor):
    assert "utter_ask_exit_program/duration" in await listed(editor, "hoe lang")
    assert "utter_ask_exit_program/duration" in await listed(editor, "how long exit programme")
    page = await search(editor, "hoe lang")
    # The question is what the editor reads; the key stands small beside it.
    assert ('Hoe lang duurt een uitstapprogramma, en mag ik terug? <small class="key">ask_exit_program/duration'
            '</small>') in page
    # An answer without a question is named by its first line.
    assert "Graag gedaan! Kan ik je nog ergens anders mee helpen? <small" in await search(editor, "graag gedaan")


async def test_search_ignores_case_accents_and_word_order_but_needs_every_word(client, editor):
    ended = await listed(editor, "beeindigd")  # the texts say "beëindigd"
    assert "utter_live_ended_by_worker" in ended and await listed(editor, "BEËINDIGD") == ended
    assert "utter_ask_exit_program/duration" in await listed(editor, "Uitstapprogramma LANG hoe?")
    assert await listed(editor, "hoe lang zwembad") == []
    # A yearly figure is searched as users read it: "bijstand <year>" finds the answer showing that
    # year's amount, and not the ones that only name bijstand.
    year = client.server.app[CHECK_RULES]["bijstand_norm_single_21"].year
    found = await listed(editor, f"bijstand {year}")
    assert "utter_ask_benefits/bijstand" in found and "utter_ask_benefits/situations" not in found
    assert "utter_ask_benefits/situations" in await listed(editor, "bijstand")  # names no year
    # Flags stay on the results.
    fields = await open_form(editor, "utter_ask_exit_program/duration")
    await editor.form("/staff/editor/answers/utter_ask_exit_program/duration",
                      {**fields, "verify": "1", "action": "publish"})
    page = await search(editor, "hoe lang", filter="verify")
    assert "utter_ask_exit_program/duration" in page and "te controleren</span>" in page


async def test_history_shows_the_changed_words_before_and_after(client, editor):
    key = "utter_ask_exit_program/duration"
    fields = await open_form(editor, key)
    text = fields["text_nl"].replace("Stoppen kost vaak tijd.", "Stoppen kost soms een paar jaar & dat mag.")
    published = await editor.form(f"/staff/editor/answers/{key}", {
        **fields, "text_nl": text, "b0_title_nl": "Wat houdt het programma in?", "action": "publish"})
    assert published.status == 200, await published.text()
    history = await (await editor.get(f"/staff/editor/answers/{key}/history")).text()
    newest = history[history.index("<li"):history.index("</li>")]
    assert "editor@x.nl" in newest
    assert "<del>vaak tijd.</del>" in newest
    # Escaped by the template: an editor's text never becomes markup.
    assert "<ins>soms een paar jaar &amp; dat mag.</ins>" in newest
    assert "Nederlandse knoppen" in newest and "<del>is</del>" in newest and "<ins>houdt</ins>" in newest
    assert "Engelse tekst" not in newest  # unchanged parts are not repeated
    # The unchanged lines of the text are there, whole and on their own lines.
    assert "<br>Teruggaan naar sekswerk en het later opnieuw proberen gebeurt vaak." in newest
    assert "@@" not in history and "+++ after" not in history and "--- before" not in history


async def test_workers_and_coordinators_cannot_reach_the_editor(client, log_in):
    for role in ("worker", "coordinator"):
        member = await log_in(client, await add_user(client, f"{role}@x.nl", role, ["utrecht"]))
        assert (await member.get("/staff/editor")).status == 403
        assert (await member.get(f"/staff/editor/answers/{KEY}")).status == 403
        fields = {"text_nl": "gehackt", "text_en": "hacked", "action": "publish", "button_rows": "0"}
        assert (await member.form(f"/staff/editor/answers/{KEY}", fields)).status == 403
    assert (await served(client)).startswith("Graag gedaan")


async def test_nlg_keeps_serving_whole_answers_while_an_editor_publishes(client, editor):
    fields = await open_form(editor)
    texts = {fields["text_nl"]} | {f"Graag gedaan, versie {i}." for i in range(10)}
    stop = asyncio.Event()
    seen: list[str] = []

    async def reader() -> None:
        while not stop.is_set():
            seen.append(await served(client))

    readers = [asyncio.create_task(reader()) for _ in range(4)]
    for i in range(10):
        response = await editor.form(f"/staff/editor/answers/{KEY}",
                                     {**fields, "text_nl": f"Graag gedaan, versie {i}.", "action": "publish"})
        assert response.status == 200
    stop.set()
    await asyncio.gather(*readers)
    assert len(seen) > 50 and set(seen) <= texts
    assert seen[-1] == "Graag gedaan, versie 9."


@pytest.fixture
def cli_env(new_database) -> dict[str, str]:
    """`bot` with a database and secrets of its own (never the developer's var/ nor an app's
    tmp_path/bot.db, whose start-up writes SQLite would hold against the CLI)."""
    return {"DATABASE_URL": new_database("cli.db"), "RASA_TOKEN": "t" * 32,
            "SECRET_KEY": "s" * 32, "ENCRYPTION_KEY": Fernet.generate_key().decode(), "PATH": "/usr/bin:/bin"}


def test_import_then_export_leaves_the_content_files_byte_identical(tmp_path, cli_env):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "data" / "content", content)
    for direction in ("import", "export"):
        result = subprocess.run([sys.executable, "-m", "bot.cli", "content", direction, "--dir", str(content)],
                                cwd=tmp_path, env=cli_env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr[-2000:]
    for original in sorted((ROOT / "data" / "content").glob("*.yml")):
        assert (content / original.name).read_bytes() == original.read_bytes(), original.name


def test_import_refuses_invalid_content_naming_file_key_and_problem(tmp_path, cli_env):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "data" / "content", content)
    welcome = content / "welcome.yml"
    welcome.write_text(welcome.read_text(encoding="utf-8").replace(
        "utter_greet:\n  nl:\n    text: |-\n      Hoi!", "utter_greet:\n  nl:\n    text: |-\n      Hoi {naam}!", 1),
        encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "bot.cli", "content", "import", "--dir", str(content)],
                            cwd=tmp_path, env=cli_env, capture_output=True, text=True)
    assert result.returncode == 1
    assert "nothing changed" in result.stderr
    assert "welcome.yml: utter_greet (nl): unknown placeholder {naam}" in result.stderr


@pytest.mark.xdist_group("redis")  # Redis is one server for every worker
async def test_other_replicas_serve_the_publication_within_seconds(aiohttp_client, settings, log_in, static_data):
    shared = Settings(**{**settings.model_dump(), "redis_url": "redis://127.0.0.1:6379/0"})
    first = await aiohttp_client(create_app(shared, static=static_data))
    second = await aiohttp_client(create_app(shared, static=static_data))
    editor = await log_in(first, await add_user(first, "replica@x.nl", "editor"))
    fields = await open_form(editor)
    await editor.form(f"/staff/editor/answers/{KEY}", {**fields, "text_nl": "Graag gedaan, overal.",
                                                       "action": "publish"})
    for _ in range(50):
        if await served(second) == "Graag gedaan, overal.":
            break
        await asyncio.sleep(0.1)
    assert await served(second) == "Graag gedaan, overal."


async def test_what_was_served_before_the_first_publication_can_be_restored(client, editor):
    original = await served(client)
    fields = await open_form(editor)
    await editor.form(f"/staff/editor/answers/{KEY}", {**fields, "text_nl": "Eerst een concept.", "action": "draft"})
    await editor.form(f"/staff/editor/answers/{KEY}", {**fields, "text_nl": "Dan gepubliceerd.", "action": "publish"})
    history = await (await editor.get(f"/staff/editor/answers/{KEY}/history")).text()
    oldest = re.findall(r'name="version" value="(\d+)"', history)[-1]
    await editor.form(f"/staff/editor/answers/{KEY}/rollback", {"version": oldest})
    assert await served(client) == original


async def test_a_subtopic_keeps_its_question_and_placeholders_when_edited(client, editor):
    fields = await open_form(editor, "utter_ask_benefits/bbz")
    response = await editor.form("/staff/editor/answers/utter_ask_benefits/bbz",
                                 {**fields, "text_en": "The Bbz, in short.", "action": "publish"})
    assert response.status == 200, await response.text()
    assert await served(client, "utter_ask_benefits/bbz", "en") == "The Bbz, in short."
    entry = await client.server.app[CONTENT_EDITING].entry("utter_ask_benefits/bbz")
    assert entry[1]["question"] == {"nl": "Wat is de Bbz?", "en": "What is the Bbz?"}


SAFETY_KEY = "utter_crisis/suicidal"


@pytest.fixture
async def second_editor(client, log_in):
    return await log_in(client, await add_user(client, "second@x.nl", "editor"))


async def test_one_editor_alone_cannot_publish_a_safety_answer(client, editor, second_editor):
    before = await served(client, SAFETY_KEY)
    fields = await open_form(editor, SAFETY_KEY)
    changed = fields["text_nl"] + "\nNieuwe regel."
    response = await editor.form(f"/staff/editor/answers/{SAFETY_KEY}", {**fields, "text_nl": changed,
                                                                         "action": "publish"})
    assert response.status == 200 and "tweede redacteur" in await response.text()
    assert await served(client, SAFETY_KEY) == before
    # The author sees the proposal but no approve button, and approving it anyway is refused.
    assert await proposal_id(editor, SAFETY_KEY) is None
    pending = await proposal_id(second_editor, SAFETY_KEY)
    assert pending is not None
    refused = await editor.form(f"/staff/editor/approvals/{pending}", {})
    assert refused.status == 409 and await served(client, SAFETY_KEY) == before
    assert "Een tweede persoon moet dit goedkeuren, niet wie het schreef." in await refused.text()
    # Nor does the domain serve it without a second person, whatever route calls it.
    editing = client.server.app[CONTENT_EDITING]
    author = (await client.server.app[ACCOUNTS].all())[0].id
    with pytest.raises(ContentError):
        await editing.publish(SAFETY_KEY, {**(await editing.entry(SAFETY_KEY))[1]}, author)
    with pytest.raises(ContentError):
        await editing.publish(SAFETY_KEY, {**(await editing.entry(SAFETY_KEY))[1]}, author, approved_by=author)
    # A rollback is a change like any other.
    assert (await second_editor.form(f"/staff/editor/approvals/{pending}", {})).status == 200
    assert await served(client, SAFETY_KEY) == changed
    history = await (await editor.get(f"/staff/editor/answers/{SAFETY_KEY}/history")).text()
    assert "door editor@x.nl, goedgekeurd door second@x.nl" in history
    first = re.findall(r'name="version" value="(\d+)"', history)[-1]
    await editor.form(f"/staff/editor/answers/{SAFETY_KEY}/rollback", {"version": first})
    assert await served(client, SAFETY_KEY) == changed


async def test_other_answers_still_publish_with_one_editor(client, editor):
    fields = await open_form(editor, "utter_ask_debt/wsnp")
    await editor.form("/staff/editor/answers/utter_ask_debt/wsnp", {**fields, "text_nl": "Kort en nieuw.",
                                                                   "action": "publish"})
    assert await served(client, "utter_ask_debt/wsnp") == "Kort en nieuw."

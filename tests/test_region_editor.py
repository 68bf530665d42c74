"""Editors keep the regions current: organisation, gemeenten, office hours, contact details. A
change approved by a second editor routes the next handover at once; one editor alone changes
nothing; a wrong gemeente or unreadable hours are refused with the reason; data/regions.yml
round-trips byte for byte."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet

from bot.app import create_app
from support.paths import ROOT
from support.staff import add_user, make_handover


@pytest.fixture
async def client(aiohttp_client, settings, static_data):
    return await aiohttp_client(create_app(settings, static=static_data))


@pytest.fixture
async def editor(client, log_in):
    return await log_in(client, await add_user(client, "regions@x.nl", "editor"))


APELDOORN = {"name": "Noord- en Oost-Gelderland", "organisation": "Rebelz", "office_hours": "ma-vr 9:00-17:00",
             "languages": "nl, en", "gemeenten": "Apeldoorn\nZutphen\nGM0197"}


@pytest.fixture
async def second_editor(client, log_in):
    return await log_in(client, await add_user(client, "second@x.nl", "editor"))


async def approve_pending(staff, region_id: str) -> int:
    page = await (await staff.get(f"/staff/editor/regions/{region_id}")).text()
    proposal = re.search(r'action="/staff/editor/approvals/(\d+)"', page)
    assert proposal, "no approve button for this editor"
    return (await staff.form(f"/staff/editor/approvals/{proposal.group(1)}", {})).status


async def test_a_region_change_needs_a_second_editor_then_routes_the_next_handover(
        client, settings, editor, second_editor):
    response = await editor.form("/staff/editor/regions/apeldoorn", {**APELDOORN, "organisation": "Rebelz Oost",
                                                                     "confirmed": "1"})
    assert response.status == 200 and "tweede redacteur" in await response.text()
    alone = await make_handover(client, settings, "region-0", municipality="Doetinchem")
    assert alone["region"]["organisation"] == "Rebelz"  # one editor alone changed nothing
    own_page = await (await editor.get("/staff/editor/regions/apeldoorn")).text()
    assert "Wacht op goedkeuring" in own_page and 'action="/staff/editor/approvals/' not in own_page
    assert await approve_pending(second_editor, "apeldoorn") == 200
    made = await make_handover(client, settings, "region-1", municipality="Zutphen")
    assert made["region"] == {"id": "apeldoorn", "name": "Noord- en Oost-Gelderland", "organisation": "Rebelz Oost",
                              "contact": ""}  # no phone number confirmed for the region yet
    moved_out = await make_handover(client, settings, "region-2", municipality="Doetinchem")
    assert moved_out["region"]["id"] == "national"  # no longer listed for the region
    listing = await (await editor.get("/staff/editor/regions")).text()
    assert "Rebelz Oost" in listing


@pytest.mark.parametrize(("change", "message"), [
    ({"gemeenten": "Apeldoorn\nAtlantis"}, "'Atlantis' is geen naam of CBS-code van een gemeente"),
    ({"gemeenten": "Apeldoorn\nUtrecht"}, "Utrecht hoort al bij regio utrecht"),
    ({"office_hours": "doordeweeks overdag"}, "Openingstijden 'doordeweeks overdag': schrijf ze als 'ma-vr 9:00-17:00'"),
    ({"office_hours": "ma-vr 17:00-9:00"}, "de sluitingstijd ligt voor de openingstijd"),
    ({"closed": "24 december"}, "Gesloten '24 december': schrijf een datum als '2026-12-24'"),
    ({"organisation": ""}, "Een naam en een organisatie zijn verplicht."),
])
async def test_a_wrong_region_is_refused_with_the_reason_and_nothing_changes(client, settings, editor,
                                                                            change, message):
    response = await editor.form("/staff/editor/regions/apeldoorn", {**APELDOORN, **change})
    assert response.status == 400
    page = (await response.text()).replace("&#39;", "'")
    assert message in page and "region apeldoorn" not in page, "the reason in Dutch, without where it was"
    made = await make_handover(client, settings, "region-3", municipality="Apeldoorn")
    assert made["region"]["organisation"] == "Rebelz"


async def test_workers_cannot_edit_regions(client, log_in):
    worker = await log_in(client, await add_user(client, "w@x.nl", "worker", ["apeldoorn"]))
    assert (await worker.get("/staff/editor/regions")).status == 403
    assert (await worker.form("/staff/editor/regions/apeldoorn", APELDOORN)).status == 403


def test_regions_import_then_export_is_byte_identical(tmp_path, new_database):
    copy = tmp_path / "regions.yml"
    shutil.copy(ROOT / "data" / "regions.yml", copy)
    # cli.db, not the `client` app's bot.db (see test_content_editor.cli_env)
    env = {"DATABASE_URL": new_database("cli.db"), "RASA_TOKEN": "t" * 32, "SECRET_KEY": "s" * 32,
           "ENCRYPTION_KEY": Fernet.generate_key().decode(), "PATH": "/usr/bin:/bin",
           "REGIONS_FILE": str(ROOT / "data" / "regions.yml"),
           "GEMEENTEN_FILE": str(ROOT / "data" / "gemeenten.tsv")}
    for direction in ("import", "export"):
        result = subprocess.run([sys.executable, "-m", "bot.cli", "regions", direction, "--file", str(copy)],
                                cwd=tmp_path, env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr[-2000:]
    assert copy.read_bytes() == (ROOT / "data" / "regions.yml").read_bytes()

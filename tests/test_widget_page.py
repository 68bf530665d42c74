"""The widget's pages, in-process: the settings' values go into the widget page escaped, and the
demo page shows partners the embed line with this server's origin."""
from __future__ import annotations

import html
import re

import pytest

from bot.app import create_app


QUICK_EXIT = 'https://weer.example/?q=zon&x="><script>alert(1)</script>'
EMBEDDERS = "'self' https://partner.example"


@pytest.fixture
async def client(aiohttp_client, settings):
    settings.quick_exit_url, settings.widget_allowed_origins = QUICK_EXIT, EMBEDDERS
    return await aiohttp_client(create_app(settings))


def attribute(page: str, name: str) -> str:
    return html.unescape(re.search(rf'{name}="([^"]*)"', page).group(1))


async def test_the_widget_page_carries_the_settings_escaped(client):
    page = await (await client.get("/widget?lang=en")).text()
    assert '<html lang="en">' in page
    assert attribute(page, "data-quick-exit") == QUICK_EXIT
    assert attribute(page, "data-embedders") == EMBEDDERS
    assert "<script>alert(1)" not in page


async def test_the_widget_speaks_dutch_unless_english_is_asked_for(client):
    assert '<html lang="nl">' in await (await client.get("/widget?lang=fr")).text()


async def test_the_demo_page_shows_the_embed_line_with_this_servers_origin(client):
    page = await (await client.get("/")).text()
    assert f'src="http://{client.host}:{client.port}/widget/embed.js"' in page

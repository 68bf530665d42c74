"""Test helpers for the answer editor: what the NLG endpoint serves, the editor's form as the page
fills it in, and a pending proposal waiting for a second editor."""
from __future__ import annotations

import re

from support.tokens import BOUNDARY_TOKENS, bearer

KEY = "utter_thank"  # an ordinary answer: one editor alone may publish it


async def served(client, key: str = KEY, language: str = "nl") -> str:
    body = {"response": key, "arguments": {}, "tracker": {"sender_id": "x", "slots": {"language": language}}}
    response = await client.post("/nlg", json=body, headers=bearer(BOUNDARY_TOKENS["nlg_token"]))
    assert response.status == 200
    return (await response.json())["text"]


def fields_of(html: str) -> dict[str, str]:
    """The form as the page fills it in (inputs, checked boxes, textareas, selected options)."""
    start = html.index('id="answer"')
    form = html[start:html.index("</form>", start)]
    values = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or ('type="checkbox"' in tag and "checked" not in tag):
            continue
        value = re.search(r'value="([^"]*)"', tag)
        values[name.group(1)] = value.group(1) if value else ""
    for name, text in re.findall(r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        values[name] = text.replace("&#39;", "'").replace("&amp;", "&").replace("&#34;", '"')
    for name, options in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', options)
        values[name] = chosen.group(1) if chosen else ""
    return values


async def open_form(editor, key: str = KEY) -> dict[str, str]:
    page = await editor.get(f"/staff/editor/answers/{key}")
    assert page.status == 200
    return fields_of(await page.text())


async def proposal_id(staff, key: str) -> str | None:
    page = await (await staff.get(f"/staff/editor/answers/{key}")).text()
    found = re.search(r'action="/staff/editor/approvals/(\d+)"', page)
    return found.group(1) if found else None

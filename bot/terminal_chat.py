"""`bot chat`: a terminal client of the REST channel, so a newcomer can talk to the assistant."""
from __future__ import annotations

import asyncio
import uuid

import aiohttp


async def chat_loop(base_url: str) -> None:
    sender = uuid.uuid4().hex  # a new anonymous conversation every time
    buttons: list[dict[str, str]] = []
    print("Type a message (or a button number). Ctrl-D to stop.\n")
    async with aiohttp.ClientSession() as session:
        await _send(session, base_url, sender, "/greet", buttons)
        while True:
            try:
                line = (await asyncio.to_thread(input, "> ")).strip()
            except (EOFError, KeyboardInterrupt):
                print()
                return
            if line.isdigit() and 1 <= int(line) <= len(buttons):
                line = buttons[int(line) - 1]["payload"]
            await _send(session, base_url, sender, line, buttons)


async def _send(session: aiohttp.ClientSession, base_url: str, sender: str, text: str,
                buttons: list[dict[str, str]]) -> None:
    try:
        async with session.post(f"{base_url}/api/v1/chat",
                                json={"sender": sender, "message": text}) as response:
            messages = await response.json()
    except aiohttp.ClientError:
        print("  (the bot service does not answer: is `make run` running?)")
        return
    buttons.clear()
    for message in messages:
        print("\n" + message.get("text", ""))
        for button in message.get("buttons", []):
            buttons.append(button)
            print(f"  [{len(buttons)}] {button['title']}")
    print()

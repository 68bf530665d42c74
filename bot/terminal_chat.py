"""`bot chat`: a terminal client of the REST channel, so a newcomer can talk to the assistant.

Starts a new conversation every time (the server issues its sender); never prints the sender.
"""
from __future__ import annotations

import asyncio

import aiohttp


class NoConversation(Exception):
    """The service did not start a conversation (down, or too many from this address)."""


async def start_conversation(session: aiohttp.ClientSession, base_url: str) -> str:
    """A new conversation's sender, issued by the server (POST /api/v1/chat/start)."""
    try:
        async with session.post(f"{base_url}/api/v1/chat/start") as response:
            if response.status != 200:
                raise NoConversation((await response.text()).strip() or f"status {response.status}")
            return str((await response.json())["sender"])
    except (aiohttp.ClientError, ValueError, KeyError) as error:
        raise NoConversation("the bot service does not answer: is `make run` running?") from error


async def chat_loop(base_url: str) -> None:
    buttons: list[dict[str, str]] = []
    async with aiohttp.ClientSession() as session:
        try:
            sender = await start_conversation(session, base_url)
        except NoConversation as error:
            print(f"  ({error})")
            return
        print("Type a message (or a button number). Ctrl-D to stop.\n")
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
            if response.status != 200:
                print(f"  ({(await response.text()).strip()})")
                return
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

"""Test helper for the REST channel: the server issues each conversation's sender
(POST /api/v1/chat/start); a test names its conversations ("user-1") and this keeps their senders."""
from __future__ import annotations


async def rest_sender(client, name: str) -> str:
    """The sender the server issued for the test's conversation `name`, started on first use."""
    senders: dict[str, str] = client.__dict__.setdefault("_rest_senders", {})
    if name not in senders:
        response = await client.post("/api/v1/chat/start")
        assert response.status == 200, await response.text()
        senders[name] = (await response.json())["sender"]
    return senders[name]


async def rest_chat(client, name: str, message) -> list[dict]:
    """One message in the test's conversation `name`; the bot's messages."""
    response = await client.post("/api/v1/chat", json={"sender": await rest_sender(client, name),
                                                       "message": message})
    assert response.status == 200, await response.text()
    return await response.json()

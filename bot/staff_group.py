"""The staff Telegram group: short notices to the people on duty (a new or escalated handover, a
burst of wrong login codes, content waiting for approval), when a group is configured.

A notice names no person, no reference and no topic: the group may be read on a phone's lock
screen. Never raises: a notice that cannot be sent is logged by kind and dropped.
"""
from __future__ import annotations

import asyncio
import logging

import aiohttp

log = logging.getLogger(__name__)
SEND_TIMEOUT_SECONDS = 10


class StaffGroup:
    def __init__(self, http: aiohttp.ClientSession, api_url: str, bot_token: str | None,
                 chat_id: str | None) -> None:
        """`api_url`: Telegram's bot API base (ends before the token); no group without both
        `bot_token` and `chat_id`."""
        self._http = http
        self._url = f"{api_url}{bot_token}/sendMessage" if bot_token else None
        self._chat_id = chat_id

    async def send(self, text: str) -> None:
        """`text` holds no personal data."""
        if self._url is None or not self._chat_id:
            return
        try:
            async with self._http.post(self._url, json={"chat_id": self._chat_id, "text": text},
                                       timeout=aiohttp.ClientTimeout(total=SEND_TIMEOUT_SECONDS)) as response:
                if response.status != 200:
                    log.warning("staff_group_notice_failed status=%d", response.status)
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            log.warning("staff_group_notice_failed error=%s", type(error).__name__)

"""The Telegram channel's pacing: an answer's messages go out a window apart and in order, answers
to one chat never interleave, and a chat is forgotten once its window has passed, so ten thousand
chats do not leave ten thousand entries behind."""
from __future__ import annotations

import asyncio
import time

from channels.telegram import PACING_SECONDS
from channels.telegram_pacing import ChatPacing


class SteppedClock:
    """Time that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def answer(pacing: ChatPacing, chat_id: int, messages: int = 1) -> None:
    async with pacing.turn(chat_id) as pace:
        for _ in range(messages):
            await pace.wait()
            pace.sent()


async def test_ten_thousand_chats_do_not_leave_ten_thousand_entries():
    clock = SteppedClock()
    pacing = ChatPacing(PACING_SECONDS, clock)
    for chat_id in range(10_000):
        await answer(pacing, chat_id)
        clock.now += 0.01  # a hundred chats answered a second
    assert len(pacing) <= PACING_SECONDS / 0.01 + 1, "only the chats within the window are remembered"
    clock.now += PACING_SECONDS
    await answer(pacing, 10_000)
    assert len(pacing) == 1


async def test_a_chat_in_the_middle_of_an_answer_is_not_forgotten():
    clock = SteppedClock()
    pacing = ChatPacing(PACING_SECONDS, clock)
    order: list[str] = []
    release = asyncio.Event()

    async def long_answer() -> None:
        async with pacing.turn(1) as pace:
            pace.sent()
            order.append("first starts")
            await release.wait()
            order.append("first ends")

    first = asyncio.create_task(long_answer())
    await asyncio.sleep(0)
    clock.now += 10 * PACING_SECONDS
    for chat_id in range(2, 100):
        await answer(pacing, chat_id)
    second = asyncio.create_task(answer(pacing, 1))
    await asyncio.sleep(0)
    order.append("others done")
    clock.now += 10 * PACING_SECONDS
    release.set()
    await asyncio.gather(first, second)
    assert order == ["first starts", "others done", "first ends"]
    assert len(pacing) == 1, "chat 1, just answered; the others are quiet"


async def test_answers_to_one_chat_keep_their_order_and_the_pace():
    seconds = 0.05
    pacing = ChatPacing(seconds)
    sent: list[tuple[str, float]] = []

    async def numbered(name: str) -> None:
        async with pacing.turn(7) as pace:
            for number in range(2):
                await pace.wait()
                sent.append((f"{name}{number}", time.monotonic()))
                pace.sent()

    await asyncio.gather(numbered("a"), numbered("b"))
    assert [name for name, _ in sent] == ["a0", "a1", "b0", "b1"]
    assert all(later - earlier >= seconds * 0.9 for (_, earlier), (_, later) in zip(sent, sent[1:], strict=False))

"""Thousands of generated bad inputs through the REST channel and the websocket of the real
stack: never a 5xx, never an empty reply."""
from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request

import aiohttp
from hypothesis import HealthCheck, given, settings, strategies as st

EXAMPLES = 1000  # per channel, so at least 2,000 in all
COUNTS = {"rest": 0, "websocket": 0}
TRICKY = ["", " ", "\n\n", "\x00", "/", "//", "/crisis", "/forget_me_confirmed", "/restart",
          '/change_language{"language": "xx"}', "<script>alert(1)</script>", "<b>hoi</b>",
          "🙂" * 50, "ﷺ" * 100, "\u202egnaal", "a" * 5000, "%s%s%n", "{{7*7}}", "${jndi:x}",
          "' OR 1=1 --", "\ud800"]
messages = st.one_of(
    st.text(max_size=300), st.text(min_size=1900, max_size=2600), st.sampled_from(TRICKY),
    st.none(), st.integers(), st.floats(allow_nan=True), st.booleans(),
    st.lists(st.text(max_size=5), max_size=3), st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
)
fuzz_settings = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                         suppress_health_check=list(HealthCheck))


def post_raw(url: str, body: bytes) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_rest_channel_answers_every_generated_input(stack):
    issued = stack.sender("fuzz")

    @fuzz_settings
    @given(message=messages, guessed=st.one_of(st.none(), st.uuids().map(str), st.text(max_size=200)))
    def check(message, guessed):
        # The sender the server issued (None), or a made-up one, which is refused (401).
        sender = issued if guessed is None else guessed
        body = json.dumps({"sender": sender, "message": message}).encode("utf-8", "surrogatepass")
        status, reply = post_raw(f"{stack.base_url}/api/v1/chat", body)
        COUNTS["rest"] += 1
        assert status < 500, (status, message)
        if status == 200:
            replies = json.loads(reply)
            assert replies and all(r["text"] or r["buttons"] for r in replies), message
        else:
            assert status in ((400, 413) if guessed is None else (400, 401, 413)), status

    check()
    assert COUNTS["rest"] >= EXAMPLES


def test_rest_channel_survives_garbage_bodies(stack):
    @fuzz_settings
    @given(body=st.binary(max_size=2000))
    def check(body):
        status, _ = post_raw(f"{stack.base_url}/api/v1/chat", body)
        assert status < 500

    check()


def test_websocket_answers_every_generated_input(stack):
    async def exchange(frames: list) -> list[dict]:
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(f"{stack.base_url}/ws/chat") as socket:
                assert (await socket.receive_json())["type"] == "session"
                answers = []
                for frame in frames:
                    if isinstance(frame, bytes):
                        await socket.send_bytes(frame)
                    else:
                        await socket.send_str(frame)
                    assert (await socket.receive_json())["type"] == "typing"
                    answers.append(await socket.receive_json())
                return answers

    frame_text = st.one_of(
        messages.map(lambda m: json.dumps({"type": "message", "text": m})),
        st.text(max_size=200), st.binary(max_size=200))

    @fuzz_settings
    @given(frame=frame_text)
    def check(frame):
        answers = asyncio.run(exchange([frame]))
        COUNTS["websocket"] += 1
        assert answers[0]["type"] == "bot" and answers[0]["messages"], frame
        assert all(m["text"] or m["buttons"] for m in answers[0]["messages"])

    check()
    assert COUNTS["websocket"] >= EXAMPLES
    print(f"\nfuzzed {COUNTS['rest']} REST and {COUNTS['websocket']} websocket inputs")

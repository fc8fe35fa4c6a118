"""A huge POST to a webhook is refused without being read into memory: by its Content-Length
before reading, and, without one or with one that lies, as soon as the bytes that came pass the
limit. Driven as the server drives the app (ASGI `receive`, one chunk at a time), since the test
client reads a body whole before the app sees it."""

from __future__ import annotations

import tracemalloc
from typing import Any

import pytest

from bot.channels.whatsapp.adapter import MAX_BODY, STATUS_PATH, WEBHOOK_PATH
from storage.models import InboundMessage
from tests.kit.whatsapp import WhatsAppHarness
from tests.test_whatsapp_e2e import count

CHUNK = b"x" * 65_536
HUGE = 200_000_000


pytestmark = pytest.mark.app(whatsapp=True)


async def post_streamed(web: Any, path: str, declared: str | None) -> tuple[int, int]:
    """POST a 200 MB body made as it is read; the status, and how many bytes the app took."""
    taken = 0
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        nonlocal taken
        if taken >= HUGE:
            return {"type": "http.request", "body": b"", "more_body": False}
        taken += len(CHUNK)
        return {"type": "http.request", "body": CHUNK, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    headers = [(b"content-type", b"application/x-www-form-urlencoded"), (b"x-twilio-signature", b"x")]
    if declared is not None:
        headers.append((b"content-length", declared.encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "https",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("bot.example.org", 443),
    }
    await web(scope, receive, send)
    return statuses[0], taken


@pytest.mark.parametrize("path", [WEBHOOK_PATH, STATUS_PATH])
@pytest.mark.parametrize("declared", [str(HUGE), None, "1000"], ids=["declared", "undeclared", "lying"])
def test_a_huge_body_is_refused_and_read_no_further_than_the_limit(
    wa: WhatsAppHarness, path: str, declared: str | None
) -> None:
    assert wa.client.portal is not None
    tracemalloc.start()
    try:
        status, taken = wa.client.portal.call(post_streamed, wa.web, path, declared)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert status == 413
    assert taken <= (0 if declared == str(HUGE) else MAX_BODY + len(CHUNK))
    assert peak < 20_000_000  # not the 200 MB
    assert count(wa.app, InboundMessage) == 0
    assert wa.person("+972501234567").send("שלום").text()  # and the next genuine message is answered

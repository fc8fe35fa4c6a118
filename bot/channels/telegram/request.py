"""The Bot API's HTTP client for the PTB application, counted for `/metrics`.

`Counted` wraps any PTB `BaseRequest` (by default PTB's own `HTTPXRequest`, with PTB's defaults):
each call that sends a person something (`sendMessage`, `sendDocument`…) is counted as a message
out when Telegram accepts it, else as a send error by its HTTP status ("telegram_403") or, when no
answer came, by the error's kind ("NetworkError", "TimedOut").
"""

from __future__ import annotations

from telegram.error import TelegramError
from telegram.request import BaseRequest, HTTPXRequest, RequestData

from bot import metrics

CHANNEL = "telegram"
SENDS = frozenset(
    {"sendMessage", "sendDocument", "sendPhoto", "sendAudio", "sendVoice", "sendVideo", "sendMediaGroup"}
)


class Counted(BaseRequest):
    __slots__ = ("inner",)

    def __init__(self, inner: BaseRequest | None = None) -> None:
        self.inner = inner if inner is not None else HTTPXRequest()

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def do_request(  # type: ignore[override]
        self, url: str, method: str, request_data: RequestData | None = None, **timeouts: object
    ) -> tuple[int, bytes]:
        sends = url.rpartition("/")[2] in SENDS
        try:
            status, payload = await self.inner.do_request(url, method, request_data, **timeouts)  # type: ignore[arg-type]
        except TelegramError as error:
            if sends:
                metrics.send_failed(CHANNEL, type(error).__name__)
            raise
        if sends:
            if status == 200:
                metrics.sent(CHANNEL)
            else:
                metrics.send_failed(CHANNEL, f"telegram_{status}")
        return status, payload

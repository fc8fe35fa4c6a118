"""The Bot API's HTTP client for the PTB application: aiohttp, counted for `/metrics`.

`AiohttpRequest` is a PTB `BaseRequest` on aiohttp (already installed with the twilio client)
instead of PTB's default httpx: under many conversations at once httpx/httpcore spent several
times the CPU of the call itself per request (its pool looks at every pooled connection on each
request; bench/README.md). The same defaults as PTB's `HTTPXRequest`: 256 connections, read,
write and connect timeouts of 5 s, 1 s to wait for a free connection, 20 s to write a file; the
same errors (`TimedOut`, `NetworkError`). aiohttp has no timeout for writing alone: a write that
stalls is bounded by the read timeout that follows it.

`Counted` wraps any `BaseRequest`: each call that sends a person something (`sendMessage`,
`sendDocument`…) is counted as a message out when Telegram accepts it, else as a send error by its
HTTP status ("telegram_403") or, when no answer came, by the error's kind ("NetworkError", "TimedOut").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import aiohttp
from telegram.error import NetworkError, TelegramError, TimedOut
from telegram.request import BaseRequest, RequestData
from telegram.request._requestparameter import RequestParameter

from bot import metrics

CHANNEL = "telegram"
SENDS = frozenset(
    {"sendMessage", "sendDocument", "sendPhoto", "sendAudio", "sendVoice", "sendVideo", "sendMediaGroup"}
)


class AiohttpRequest(BaseRequest):
    __slots__ = ("_session", "connections", "timeouts")

    def __init__(
        self,
        connections: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self.connections = connections
        self.timeouts = {
            "read": read_timeout,
            "write": write_timeout,
            "connect": connect_timeout,
            "pool": pool_timeout,
            "media_write": media_write_timeout,
        }
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self.timeouts["read"]

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.connections),
                headers={"User-Agent": self.USER_AGENT},
                raise_for_status=False,
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data and request_data.contains_files else None
        fields = request_data.json_parameters if files and request_data else None  # with the files

        def given(value: Any, default: str) -> float | None:
            unset = isinstance(value, type(BaseRequest.DEFAULT_NONE))  # PTB's DefaultValue: not given
            return self.timeouts[default] if unset else value  # type: ignore[no-any-return]

        read = given(read_timeout, "read")
        write = given(write_timeout, "media_write" if files else "write")
        connect, pool = given(connect_timeout, "connect"), given(pool_timeout, "pool")
        if files:  # a file's upload: the longer of its write and read timeouts for the answer
            read = None if read is None or write is None else max(read, write)
        # aiohttp's `connect` covers waiting for a free connection and then connecting
        either = None if pool is None or connect is None else pool + connect
        timeout = aiohttp.ClientTimeout(total=None, connect=either, sock_connect=connect, sock_read=read)
        data: Any = None
        headers = None
        if files:
            form = aiohttp.FormData(fields or {})
            for name, (filename, content, mimetype) in files.items():
                form.add_field(name, content, filename=filename, content_type=mimetype)
            data = form
        elif request_data is not None:  # the same form as PTB's own client posts, encoded here at
            # once: aiohttp's FormData builds it field by field (a fifth of a send's CPU)
            data = urlencode(request_data.json_parameters).encode()
            headers = _FORM
        try:
            async with self._session.request(
                method, url, data=data, headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error


_FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def fields(data: Mapping[str, Any]) -> RequestData:
    """A Bot API call's parameters as PTB's `RequestData`, for `do_request` (a call made without PTB's
    `Bot` methods: a reply from the outbox, the old buttons taken away)."""
    return RequestData([RequestParameter.from_input(key, value) for key, value in data.items()])


class Counted(BaseRequest):
    __slots__ = ("inner",)

    def __init__(self, inner: BaseRequest | None = None) -> None:
        self.inner = inner if inner is not None else AiohttpRequest()

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

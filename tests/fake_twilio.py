"""A fake Twilio REST API on 127.0.0.1, for the real twilio client (`TWILIO_API_BASE_URL=fake.url`).

    with FakeTwilio() as fake:
        ... the assistant sends ...
        fake.sent_to("+972501234567")[-1].body          # what the person's phone shows
        fake.fail_next(status=429, retry_after=2)        # the next call is throttled
        fake.unsubscribe("+972501234567")                # 21610 for this number from now on
        fake.close_window("+972501234567")               # free-form to this number fails with 63016

Only `POST /2010-04-01/Accounts/{sid}/Messages.json` is served; it checks HTTP basic auth, records
the form, and answers as Twilio does: 201 with a message resource (sid, status "queued"), or an
error body `{"code", "message", "more_info", "status"}` with the HTTP status.
"""

from __future__ import annotations

import base64
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs

from tests.kit.servers import JsonHandler, LocalServer

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
FROM = "whatsapp:+14155238886"

ERRORS = {
    21610: (400, "Attempt to send to unsubscribed recipient"),
    63016: (
        400,
        "Failed to send freeform message because you are outside the allowed window. "
        "If you are using WhatsApp, please use a Message Template.",
    ),
    21211: (400, "The 'To' number is not a valid phone number."),
    20429: (429, "Too Many Requests"),
    20500: (500, "Internal Server Error"),
}


@dataclass
class Call:
    """One Messages.json POST: the form Twilio got, and what the fake answered."""

    form: dict[str, str]
    status: int
    sid: str | None = None
    error_code: int | None = None
    at: float = field(default_factory=time.perf_counter)  # when the fake received it

    @property
    def to(self) -> str:
        return self.form.get("To", "").removeprefix("whatsapp:")

    @property
    def body(self) -> str | None:
        return self.form.get("Body")

    @property
    def media_url(self) -> str | None:
        """The file Twilio would fetch and send (one per message here)."""
        return self.form.get("MediaUrl")

    @property
    def content_sid(self) -> str | None:
        return self.form.get("ContentSid")

    @property
    def variables(self) -> dict[str, str]:
        raw = self.form.get("ContentVariables")
        return json.loads(raw) if raw else {}

    @property
    def text(self) -> str:
        """What the phone shows: the body, or the template's message variable."""
        return self.body if self.body is not None else self.variables.get("1", "")


@dataclass
class _Failure:
    status: int
    code: int
    retry_after: float | None = None


@dataclass
class FakeTwilio(LocalServer):
    name = "fake-twilio"

    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN
    calls: list[Call] = field(default_factory=list)
    # called with every message accepted, in the server's thread, before the answer goes back
    listeners: list[Callable[[Call], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__post_init__()
        self._accepted: dict[str, list[Call]] = {}
        self._sids = itertools.count(1)
        self._failures: list[_Failure] = []
        self._unsubscribed: set[str] = set()
        self._closed_windows: set[str] = set()

    # ---- life --------------------------------------------------------------------------------
    def handler(self) -> type[BaseHTTPRequestHandler]:
        return self.bound(_Handler)

    # ---- switches ----------------------------------------------------------------------------
    def fail_next(
        self, status: int = 500, code: int | None = None, retry_after: float | None = None, times: int = 1
    ) -> None:
        """The next `times` calls fail with this HTTP status (429 may say Retry-After)."""
        code = code or {429: 20429, 500: 20500}.get(status, 20500)
        with self._cond:
            self._failures += [_Failure(status, code, retry_after)] * times

    def unsubscribe(self, phone: str) -> None:
        with self._cond:
            self._unsubscribed.add(phone)

    def close_window(self, phone: str) -> None:
        with self._cond:
            self._closed_windows.add(phone)

    # ---- what the assistant did --------------------------------------------------------------
    def sent_to(self, phone: str) -> list[Call]:
        """Every message Twilio accepted for this number, in order."""
        with self._cond:
            return [c for c in self.calls if c.to == phone and c.sid is not None]

    def wait_sent(self, phone: str, count: int, timeout: float = 10.0) -> Call:
        """Wait until `count` messages were accepted for this number; the last of them."""
        with self._cond:
            self._cond.wait_for(lambda: len(self._accepted.get(phone, ())) >= count, timeout)
            sent = list(self._accepted.get(phone, ()))
        assert len(sent) >= count, f"{len(sent)} of {count} messages to {phone} after {timeout}s"
        return sent[count - 1]

    def attempts_to(self, phone: str) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.to == phone]

    # ---- serving -----------------------------------------------------------------------------
    def _answer(self, form: dict[str, str]) -> tuple[int, dict[str, Any], dict[str, str]]:
        to = form.get("To", "").removeprefix("whatsapp:")
        with self._cond:
            failure = self._failures.pop(0) if self._failures else None
            if failure is None and to in self._unsubscribed:
                failure = _Failure(400, 21610)
            if failure is None and to in self._closed_windows and "ContentSid" not in form:
                failure = _Failure(400, 63016)
            if failure is not None:
                self.calls.append(Call(form, failure.status, error_code=failure.code))
                headers = (
                    {"Retry-After": f"{failure.retry_after:g}"} if failure.retry_after is not None else {}
                )
                message = ERRORS.get(failure.code, (failure.status, "Error"))[1]
                body = {
                    "code": failure.code,
                    "message": message,
                    "status": failure.status,
                    "more_info": f"https://www.twilio.com/docs/errors/{failure.code}",
                }
                return failure.status, body, headers
            sid = f"SM{next(self._sids):032x}"
            call = Call(form, 201, sid=sid)
            self.calls.append(call)
            self._accepted.setdefault(to, []).append(call)
            self._cond.notify_all()
        return (
            201,
            {
                "account_sid": self.account_sid,
                "api_version": "2010-04-01",
                "body": form.get("Body", ""),
                "date_created": "Sun, 22 Nov 2026 08:00:00 +0000",
                "date_sent": None,
                "date_updated": "Sun, 22 Nov 2026 08:00:00 +0000",
                "direction": "outbound-api",
                "error_code": None,
                "error_message": None,
                "from": form.get("From"),
                "messaging_service_sid": form.get("MessagingServiceSid"),
                "num_media": "1" if "MediaUrl" in form else "0",
                "num_segments": "1",
                "price": None,
                "price_unit": None,
                "sid": sid,
                "status": "queued",
                "to": form.get("To"),
                "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
            },
            {},
        )


class _Handler(JsonHandler):
    owner: FakeTwilio

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        fake = self.owner
        raw = self.body().decode()
        expected = "Basic " + base64.b64encode(f"{fake.account_sid}:{fake.auth_token}".encode()).decode()
        if self.headers.get("Authorization") != expected:
            return self.send_json(401, {"code": 20003, "message": "Authenticate", "status": 401}, {})
        if self.path != f"/2010-04-01/Accounts/{fake.account_sid}/Messages.json":
            return self.send_json(404, {"code": 20404, "message": "Not found", "status": 404}, {})
        form = {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}
        answer = fake._answer(form)
        if answer[0] == 201:
            for listener in list(fake.listeners):
                listener(fake.calls[-1])
        self.send_json(*answer)

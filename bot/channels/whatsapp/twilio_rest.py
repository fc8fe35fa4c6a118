"""Twilio's REST API for sending: the real `twilio.rest.Client`, paced and retried.

    TwilioMessages.create(to, body=… | content_sid=…, content_variables=… | media_url=…) → Created

- `TWILIO_API_BASE_URL` redirects every REST call (tests point it at a fake server, or a proxy):
  `RedirectingHttpClient` rewrites `https://api.twilio.com/2010-04-01/…` to `{base}/2010-04-01/…`.
- Pacing: one `bot.pacing.Pacer` per sender (number or Messaging Service) spaces calls at the
  configured messages per second (TWILIO_MESSAGES_PER_SECOND), across threads; a reply's call takes
  the next slot ahead of bulk work; a 429's `Retry-After` pauses every call of the sender.
- Retries: 429 and 5xx (and network errors) are retried a bounded number of times, waiting what
  `Retry-After` says or an exponential back-off; any other error is permanent and returned at once.

Nothing here raises for a platform error; nothing here logs a phone number or a body.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from requests import RequestException
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from bot import metrics
from bot.pacing import BULK, Pacer

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 4  # one call and three retries
MAX_WAIT = 30.0  # seconds: the longest single wait, whatever Retry-After says
BACKOFF = 1.0  # seconds: the first back-off without Retry-After, doubled each time


class RedirectingHttpClient(TwilioHttpClient):
    """twilio's HTTP client, sending to `base_url` instead of Twilio's hosts when one is given,
    and remembering (per thread) the headers of the last response, for `Retry-After`."""

    def __init__(self, base_url: str | None = None, timeout: float = 15.0) -> None:
        super().__init__(timeout=timeout)
        self.base_url = base_url.rstrip("/") if base_url else None
        self._last = threading.local()

    def request(
        self,
        method: str,
        url: str,
        params: Any = None,
        data: Any = None,
        headers: Any = None,
        auth: Any = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        if self.base_url:
            url = redirect(url, self.base_url)
        self._last.headers = {}
        response = super().request(
            method,
            url,
            params=params,
            data=data,
            headers=headers,
            auth=auth,
            timeout=timeout,
            allow_redirects=allow_redirects,
        )
        self._last.headers = response.headers or {}
        return response

    def last_header(self, name: str) -> str | None:
        headers = getattr(self._last, "headers", None) or {}
        for key, value in headers.items():
            if key.lower() == name.lower():
                return str(value)
        return None


def redirect(url: str, base_url: str) -> str:
    """`https://api.twilio.com/2010-04-01/X` → `{base_url}/2010-04-01/X` (only Twilio's hosts)."""
    parts = urlsplit(url)
    if not (parts.hostname or "").endswith("twilio.com"):
        return url
    rest = parts.path + (f"?{parts.query}" if parts.query else "")
    return base_url.rstrip("/") + rest


@dataclass(frozen=True)
class Created:
    """What became of one `messages.create`: a message SID and Twilio's status, or an error."""

    sid: str | None
    status: str  # Twilio's first status ("queued", "accepted"), or "error"
    error_code: str | None = None  # Twilio's error code ("21610", "63016") or the HTTP status
    http_status: int | None = None
    retry_after: float | None = None
    transient: bool = False  # the last attempt failed in a way a later try may not (429, 5xx, network)

    @property
    def ok(self) -> bool:
        return self.sid is not None


class TwilioMessages:
    """`messages.create` for one sender, paced and retried. Thread-safe."""

    def __init__(
        self,
        client: Client,
        http: RedirectingHttpClient,
        *,
        from_: str | None,
        messaging_service_sid: str | None,
        status_callback: str | None,
        pacer: Pacer,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = MAX_ATTEMPTS,
        max_wait: float = MAX_WAIT,
    ) -> None:
        if not from_ and not messaging_service_sid:
            raise ValueError("set TWILIO_WHATSAPP_FROM or TWILIO_MESSAGING_SERVICE_SID")
        self.client = client
        self.http = http
        self.from_ = whatsapp_address(from_) if from_ else None
        self.messaging_service_sid = messaging_service_sid
        self.status_callback = status_callback
        self.pacer = pacer
        self.sleep = sleep
        self.max_attempts = max(1, max_attempts)
        self.max_wait = max_wait

    def create(
        self,
        to: str,
        *,
        body: str | None = None,
        content_sid: str | None = None,
        content_variables: Mapping[str, str] | None = None,
        media_url: str | None = None,
        priority: int = BULK,
    ) -> Created:
        params: dict[str, Any] = {"to": whatsapp_address(to)}
        if self.messaging_service_sid:
            params["messaging_service_sid"] = self.messaging_service_sid
        if self.from_:
            params["from_"] = self.from_
        if self.status_callback:
            params["status_callback"] = self.status_callback
        if content_sid:
            params["content_sid"] = content_sid
            if content_variables:
                params["content_variables"] = json.dumps(dict(content_variables), ensure_ascii=False)
        elif media_url:
            params["media_url"] = [media_url]  # Twilio fetches the file from there
            if body:
                params["body"] = body
        else:
            params["body"] = body or ""
        result = Created(None, "error")
        for attempt in range(1, self.max_attempts + 1):
            self.pacer.wait(priority=priority)
            result = self._once(params)
            if result.ok or not result.transient or attempt == self.max_attempts:
                if result.retry_after is not None:
                    self.pacer.pause(min(result.retry_after, self.max_wait))  # every send of this sender
                return result
            delay = result.retry_after if result.retry_after is not None else BACKOFF * 2 ** (attempt - 1)
            delay = min(max(delay, 0.0), self.max_wait)
            log.info(
                "twilio: %s, retrying in %.1fs (attempt %d of %d)",
                result.error_code,
                delay,
                attempt + 1,
                self.max_attempts,
            )
            self.sleep(delay)
        return result

    def _once(self, params: dict[str, Any]) -> Created:
        try:
            message = self.client.messages.create(**params)
        except TwilioRestException as error:
            status = int(error.status or 0)
            transient = status == 429 or status >= 500
            code = str(error.code) if error.code else str(status)
            metrics.send_failed("whatsapp", code)
            return Created(None, "error", code, status, self._retry_after() if transient else None, transient)
        except (RequestException, TwilioException) as error:
            metrics.send_failed("whatsapp", type(error).__name__)
            return Created(None, "error", type(error).__name__[:16], None, None, True)
        metrics.sent("whatsapp")
        return Created(message.sid, str(message.status or "queued"))

    def _retry_after(self) -> float | None:
        value = self.http.last_header("Retry-After")
        try:
            return float(value) if value is not None else None
        except ValueError:
            return None  # an HTTP date: fall back to our own back-off


def whatsapp_address(number: str) -> str:
    return number if number.startswith("whatsapp:") else f"whatsapp:{number}"


def build_messages(
    account_sid: str,
    auth_token: str,
    *,
    from_: str | None,
    messaging_service_sid: str | None,
    status_callback: str | None,
    base_url: str | None,
    per_second: float,
    monotonic: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> TwilioMessages:
    http = RedirectingHttpClient(base_url)
    client = Client(account_sid, auth_token, http_client=http)
    if monotonic is time.monotonic and sleep is time.sleep:
        pacer = shared_pacer(messaging_service_sid or from_ or "", per_second)
    else:  # a test's own clock
        pacer = Pacer(per_second, monotonic=monotonic, sleep=sleep)
    return TwilioMessages(
        client,
        http,
        from_=from_,
        messaging_service_sid=messaging_service_sid,
        status_callback=status_callback,
        pacer=pacer,
        sleep=sleep,
    )


_PACERS: dict[tuple[str, float], Pacer] = {}
_PACERS_LOCK = threading.Lock()


def shared_pacer(sender: str, per_second: float) -> Pacer:
    """One pacer per sender in this process: the web channel's replies and the scheduler's
    proactive messages share the sender's rate."""
    with _PACERS_LOCK:
        key = (sender, per_second)
        if key not in _PACERS:
            _PACERS[key] = Pacer(per_second, channel="whatsapp")
        return _PACERS[key]

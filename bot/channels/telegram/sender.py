"""Proactive messages on Telegram: the `ChannelSender` the scheduler uses.

It speaks the Bot API directly with its own synchronous HTTP client (httpx), because the scheduler
runs in its own thread: nothing here touches the PTB application or its event loop. Replies are
rendered like the channel's answers (`bot.channels.telegram.reply_markup`, `split_text`).

    403 Forbidden (blocked, deactivated) and 400 "chat not found" → UNREACHABLE (the identity is marked)
    429 → RETRY after what Telegram says; 5xx and network errors → RETRY; other 4xx → FAILED
"""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import datetime
from typing import Any

import httpx

from bot import metrics
from bot.channels.telegram.adapter import reply_markup, split_text
from bot.i18n import Catalogs
from bot.outbound import Proactive, Recipient, SendResult, SendStatus
from flows import Document, Reply

log = logging.getLogger(__name__)


class TelegramSender:
    channel = "telegram"

    def __init__(
        self,
        token: str,
        catalogs: Catalogs,
        api_base_url: str = "https://api.telegram.org",
        per_second: float = 25.0,
        timeout: float = 15.0,
    ) -> None:
        self._base = f"{api_base_url.rstrip('/')}/bot{token}"
        self.catalogs = catalogs
        self._client = httpx.Client(timeout=timeout)
        self._interval = 1.0 / per_second if per_second > 0 else 0.0
        self._next = 0.0
        self._throttle = threading.Lock()

    def close(self) -> None:
        self._client.close()

    def send(self, recipient: Recipient, message: Proactive, now: datetime) -> SendResult:
        translator = self.catalogs.translator(message.lang)
        chat_id = int(recipient.external_id)
        for item in message.replies:
            if isinstance(item, Reply):
                text = translator.text(item)
                parts = split_text(text)
                markup = reply_markup(translator, item).to_dict()
                for i, part in enumerate(parts):
                    body: dict[str, Any] = {"chat_id": chat_id, "text": part}
                    if i == len(parts) - 1:
                        body["reply_markup"] = json.dumps(markup)
                    result = self._call("sendMessage", data=body)
                    if result is not None:
                        return result
            elif isinstance(item, Document):
                data: dict[str, Any] = {"chat_id": chat_id}
                if item.caption is not None:
                    data["caption"] = translator.render(item.caption)
                files = {"document": (item.filename, item.content, item.mime_type)}
                result = self._call("sendDocument", data=data, files=files)
                if result is not None:
                    return result
        return SendResult(SendStatus.SENT)

    def _call(
        self, method: str, data: dict[str, Any], files: dict[str, Any] | None = None
    ) -> SendResult | None:
        """None when the call succeeded, else what to record."""
        self._wait_turn()
        try:
            response = self._client.post(f"{self._base}/{method}", data=data, files=files)
        except httpx.HTTPError as error:
            metrics.send_failed(self.channel, type(error).__name__)
            return SendResult(SendStatus.RETRY, type(error).__name__)
        if response.status_code == 200:
            metrics.sent(self.channel)
            return None
        metrics.send_failed(self.channel, f"telegram_{response.status_code}")
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        description = str(answer.get("description", ""))
        code = response.status_code
        if code == 403 or (code == 400 and "chat not found" in description.lower()):
            return SendResult(SendStatus.UNREACHABLE, f"telegram_{code}")
        if code == 429:
            retry = (answer.get("parameters") or {}).get("retry_after")
            seconds = float(retry) if retry is not None else 1.0
            with self._throttle:  # flood control is per bot: every send waits, not only this person's
                self._next = max(self._next, time.monotonic() + seconds)
            return SendResult(SendStatus.RETRY, "telegram_429", seconds)
        if code >= 500:
            return SendResult(SendStatus.RETRY, f"telegram_{code}")
        return SendResult(SendStatus.FAILED, f"telegram_{code}")

    def _wait_turn(self) -> None:
        """Stay under Telegram's per-bot rate (about 30 messages a second)."""
        with self._throttle:
            now = time.monotonic()
            if self._next > now:
                time.sleep(self._next - now)
                now = self._next
            self._next = now + self._interval

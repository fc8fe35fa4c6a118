"""Proactive messages on Telegram: the `ChannelSender` the scheduler uses.

It speaks the Bot API directly with its own synchronous HTTP client (httpx), because the scheduler
runs in its own thread: nothing here touches the PTB application or its event loop. Replies are
rendered like the channel's answers (`bot.channels.telegram.reply_markup`, `split_text`).

    403 Forbidden (blocked, deactivated) → UNREACHABLE (the identity is marked)
    429 → RETRY after what Telegram says (and every send of the bot waits that long);
    5xx and network errors → RETRY; other 4xx → FAILED

It is also the outbox's `Transport` (bot/delivery.py): `render` turns replies into Bot API calls
(kept in the outbox row until sent), `transmit` makes one, paced (bot/pacing.py): a reply's call
takes the next slot ahead of bulk work.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx
from telegram.error import TelegramError
from telegram.request import BaseRequest

from bot import metrics
from bot.app import App
from bot.channels.telegram.render import reply_markup, split_text
from bot.channels.telegram.request import fields
from bot.i18n import Catalogs
from bot.outbound import Proactive, Recipient, SendResult, SendStatus, Transmitted
from bot.pacing import BULK, Pacer
from flows import Document, Outgoing, Reply

log = logging.getLogger(__name__)


class TelegramSender:
    """The scheduler's `ChannelSender` and the outbox's `Transport` for Telegram: one client, one
    pacer (the bot's ~30 a second, and ~1 a second per chat after a short burst; bot/pacing.py)."""

    channel = "telegram"

    def __init__(
        self,
        token: str,
        catalogs: Catalogs,
        api_base_url: str = "https://api.telegram.org",
        per_second: float = 30.0,
        timeout: float = 15.0,
        per_chat: float = 0.0,
        chat_burst: float = 3.0,
        pacer: Pacer | None = None,
    ) -> None:
        self._base = f"{api_base_url.rstrip('/')}/bot{token}"
        self.catalogs = catalogs
        self._client = httpx.Client(timeout=timeout)
        self.pacer = pacer or shared_pacer(token, per_second, per_chat, chat_burst)

    @classmethod
    def for_app(cls, app: App) -> TelegramSender:
        s = app.settings
        if not s.telegram_token:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        return cls(
            s.telegram_token,
            app.catalogs,
            s.telegram_api_base_url,
            per_second=float(s.telegram_messages_per_second),
            per_chat=float(s.telegram_chat_messages_per_second),
            chat_burst=float(s.telegram_chat_burst),
        )

    def close(self) -> None:
        self._client.close()

    # ---- the outbox's transport --------------------------------------------------------------
    def render(self, lang: str, replies: tuple[Outgoing, ...]) -> list[dict[str, Any]]:
        """The Bot API calls for these replies, in order: what an outbox row keeps until it is sent."""
        translator = self.catalogs.translator(lang)
        calls: list[dict[str, Any]] = []
        for item in replies:
            if isinstance(item, Reply):
                text = translator.text(item)
                if not text.strip():
                    log.warning(
                        "telegram: a reply rendered empty was not sent (%s)",
                        ",".join(p.key for p in item.parts),
                    )
                    continue
                parts = split_text(text)
                markup = json.dumps(reply_markup(translator, item).to_dict(), ensure_ascii=False)
                for i, part in enumerate(parts):
                    data: dict[str, Any] = {"text": part}
                    if i == len(parts) - 1:
                        data["reply_markup"] = markup
                    calls.append({"method": "sendMessage", "data": data})
            elif isinstance(item, Document):
                data = {"caption": translator.render(item.caption)} if item.caption is not None else {}
                file = {
                    "name": item.filename,
                    "mime": item.mime_type,
                    "content": base64.b64encode(item.content).decode("ascii"),
                }
                calls.append({"method": "sendDocument", "data": data, "file": file})
        return calls

    def transmit(self, address: str, part: Mapping[str, Any], priority: int) -> Transmitted:
        data = {**dict(part.get("data") or {}), "chat_id": int(address)}
        files = None
        file = part.get("file")
        if isinstance(file, Mapping):
            content = base64.b64decode(str(file.get("content", "")))
            files = {"document": (str(file.get("name", "file")), content, str(file.get("mime", "")))}
        return self._call(str(part.get("method", "sendMessage")), data, files, address, priority)

    async def transmit_on(
        self, request: BaseRequest, base_url: str, address: str, part: Mapping[str, Any], priority: int
    ) -> Transmitted:
        """`transmit` on the PTB application's event loop and its HTTP client (`request`: aiohttp,
        counted for /metrics there; `base_url`: the bot's, with its token): a reply sent right after
        its step's commit, without a thread. A call with a file goes through `transmit`."""
        data = {**dict(part.get("data") or {}), "chat_id": int(address)}
        await self.pacer.reply_slot(address)
        method = str(part.get("method", "sendMessage"))
        try:
            code, body = await request.do_request(f"{base_url}/{method}", "POST", fields(data))
        except TelegramError as error:  # no answer (a timeout, the network): counted by `request`
            return Transmitted(SendStatus.RETRY, code=type(error).__name__[:16])
        try:
            answer = json.loads(body)
        except ValueError:
            answer = {}
        return self._answered(code, answer, counted=True)

    # ---- the scheduler's sender --------------------------------------------------------------
    @property
    def transport(self) -> TelegramSender:
        return self

    def render_proactive(
        self, session: object, recipient: Recipient, message: Proactive, now: datetime
    ) -> list[dict[str, Any]] | SendResult:
        """The scheduler writes these calls to the outbox (Telegram may always write to a person
        who has not blocked the bot: nothing to decide here)."""
        return self.render(message.lang, message.replies)

    def send(self, recipient: Recipient, message: Proactive, now: datetime) -> SendResult:
        last = ""
        for part in self.render(message.lang, message.replies):
            sent = self.transmit(recipient.external_id, part, BULK)
            if sent.status is not SendStatus.SENT:
                return SendResult(sent.status, sent.code or "", sent.retry_after)
            last = sent.platform_id or ""
        return SendResult(SendStatus.SENT, last)

    def _call(
        self,
        method: str,
        data: dict[str, Any],
        files: dict[str, Any] | None,
        chat: str,
        priority: int,
    ) -> Transmitted:
        self.pacer.wait(chat, priority)
        try:
            response = self._client.post(f"{self._base}/{method}", data=data, files=files)
        except httpx.HTTPError as error:
            metrics.send_failed(self.channel, type(error).__name__)
            return Transmitted(SendStatus.RETRY, code=type(error).__name__[:16])
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        return self._answered(response.status_code, answer)

    def _answered(self, code: int, answer: Any, counted: bool = False) -> Transmitted:
        """What Telegram's answer means for the row (`counted`: the HTTP client counted it already)."""
        if code == 200:
            if not counted:
                metrics.sent(self.channel)
            result = answer.get("result") if isinstance(answer, dict) else None
            message_id = result.get("message_id") if isinstance(result, dict) else None
            return Transmitted(SendStatus.SENT, str(message_id) if message_id is not None else None)
        if not counted:
            metrics.send_failed(self.channel, f"telegram_{code}")
        if code == 403:  # blocked, deactivated: definitive
            return Transmitted(SendStatus.UNREACHABLE, code=f"telegram_{code}")
        if code == 429:
            retry = (answer.get("parameters") or {}).get("retry_after") if isinstance(answer, dict) else None
            seconds = float(retry) if retry is not None else 1.0
            self.pacer.pause(seconds)  # flood control is per bot: every send waits, not only this person's
            return Transmitted(SendStatus.RETRY, code="telegram_429", retry_after=seconds)
        if code >= 500:
            return Transmitted(SendStatus.RETRY, code=f"telegram_{code}")
        return Transmitted(SendStatus.FAILED, code=f"telegram_{code}")


_PACERS: dict[tuple[str, float, float, float], Pacer] = {}
_PACERS_LOCK = threading.Lock()


def shared_pacer(token: str, per_second: float, per_chat: float, chat_burst: float) -> Pacer:
    """One pacer per bot in this process: the replies and the scheduler's messages share its rate."""
    with _PACERS_LOCK:
        key = (token, per_second, per_chat, chat_burst)
        if key not in _PACERS:
            _PACERS[key] = Pacer(
                per_second,
                burst=max(per_second, 1.0),
                per_key=per_chat,
                key_burst=chat_burst,
                channel="telegram",
            )
        return _PACERS[key]

"""Telegram's part of the web server (`midway serve`): POST /telegram/webhook, the secret header
checked, each update kept (storage/inbox.py) and then queued to the PTB application."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from telegram import Update

from bot.app import App
from bot.channels.base import WebChannel, WebhookNotConfigured
from bot.channels.clean_text import clean_json
from bot.channels.telegram.adapter import (
    KEPT,
    build_application,
    keep,
    kept_updates,
    rebuilt_inbound,
    to_inbound,
)
from bot.dispatcher import Inbound
from bot.request_body import limited_body

log = logging.getLogger(__name__)

TELEGRAM_WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET_FORMAT = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what Telegram accepts as a secret_token
MAX_BODY = 1_000_000  # bytes; a Telegram update is a few kilobytes
LEASE = timedelta(seconds=30)  # a kept update pending longer, and not queued in this process, was left
SWEEP_EVERY = 10.0  # seconds between looks for such updates


def telegram_channel(app: App) -> WebChannel:
    """Telegram by webhook: updates are checked, parsed, kept and queued; PTB's application processes
    the queue (one person's updates one at a time, as with polling) and the handler sends the replies.

    Telegram sends nothing again after a 200, so an update someone sent is stored as pending first
    (one short transaction; 500 if it cannot be, and Telegram retries); its step takes the row
    (`Inbound.kept`). Updates a stopped process left pending are queued at start-up, before the
    first webhook, and those pending longer than `LEASE` and not queued here every `SWEEP_EVERY`."""
    secret = app.settings.telegram_webhook_secret
    if not secret:
        raise WebhookNotConfigured(
            "TELEGRAM_WEBHOOK_SECRET is not set. Without it anyone who finds the webhook address could "
            "post forged updates. Set it (for example: openssl rand -hex 32), or use long polling: midway run"
        )
    if not SECRET_FORMAT.fullmatch(secret):
        raise WebhookNotConfigured(
            "TELEGRAM_WEBHOOK_SECRET may use only A-Z, a-z, 0-9, _ and -, "
            "at most 256 characters (Telegram's rule)"
        )
    expected = secret.encode()
    ptb = build_application(app)
    app.dispatcher.rebuilders["telegram"] = rebuilt_inbound  # a kept update another process stepped
    queued: set[int] = ptb.bot_data.setdefault(KEPT, set())  # kept, queued, not stepped yet
    # Keeping runs in a thread of its own (the 200 never waits for a worker thread behind the steps),
    # one update at a time under `order[0]`, so updates are queued in the order they were kept. The
    # lock is made at start-up, on the server's event loop.
    keeper: list[ThreadPoolExecutor] = []
    order: list[asyncio.Lock] = []
    sweeper: list[asyncio.Task[None]] = []

    async def in_keeper(function: Callable[..., Any], *args: Any) -> Any:
        if not keeper:
            keeper.append(ThreadPoolExecutor(max_workers=1, thread_name_prefix="telegram-keep"))
        return await asyncio.get_running_loop().run_in_executor(keeper[0], function, *args)

    async def recover(older_than: timedelta | None = None) -> int:
        """Queue the kept updates not queued here (all at start-up; else those older than `older_than`).
        One stepped meanwhile is not stepped again (`inbox.take`)."""
        before = app.clock() - older_than if older_than is not None else None
        lined = 0
        async with order[0]:
            for update in await in_keeper(kept_updates, app, ptb.bot, before):
                if update.update_id in queued:
                    continue
                queued.add(update.update_id)
                await ptb.update_queue.put(update)
                lined += 1
        if lined:
            log.warning("telegram: %d updates kept but not stepped are being stepped now", lined)
        return lined

    async def sweep() -> None:
        while True:
            await asyncio.sleep(SWEEP_EVERY)
            try:
                await recover(LEASE)
            except Exception:
                log.exception("telegram: looking for updates left pending failed; trying again later")

    async def webhook(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode("latin-1")
        if not hmac.compare_digest(given, expected):
            log.warning("web: telegram webhook call with a wrong or missing secret refused")
            return Response(status_code=403)
        body = await limited_body(request, MAX_BODY)
        if body is None:
            return Response(status_code=413)
        parsed = parsed_update(body, ptb.bot)
        if parsed is None:
            return PlainTextResponse("not a Telegram update", status_code=400)
        data, update, inbound = parsed
        if inbound is None:  # nothing a person said (groups, service messages): nothing to keep
            await ptb.update_queue.put(update)
            return Response(status_code=200)
        async with order[0]:
            try:
                fresh = await in_keeper(keep, app, inbound, data)
            except Exception:  # not stored: Telegram must not think it was delivered
                log.exception("telegram update %s could not be stored; Telegram gets 500", update.update_id)
                return Response(status_code=500)
            if not fresh:
                log.info("telegram update %s came again; stepped once", update.update_id)
                return Response(status_code=200)
            queued.add(update.update_id)
            await ptb.update_queue.put(update)
        return Response(status_code=200)

    async def startup() -> None:
        await ptb.initialize()
        await ptb.start()
        queued.clear()  # started again (tests): what was queued before the stop is still pending
        order[:] = [asyncio.Lock()]
        await recover()  # before the first webhook: a new update of someone waits for these
        sweeper.append(asyncio.create_task(sweep()))
        base = app.settings.public_base_url
        if base:
            await ptb.bot.set_webhook(
                url=f"{base}{TELEGRAM_WEBHOOK_PATH}",
                secret_token=secret,
                allowed_updates=Update.ALL_TYPES,
                drop_pending_updates=False,
            )
            log.info("web: telegram webhook registered at %s%s", base, TELEGRAM_WEBHOOK_PATH)
        else:
            log.warning("web: PUBLIC_BASE_URL is not set; the telegram webhook was not registered")

    async def shutdown() -> None:
        while sweeper:
            sweeper.pop().cancel()
        if ptb.running:
            await ptb.stop()
        await ptb.shutdown()
        while keeper:
            keeper.pop().shutdown(wait=True)

    route = Route(TELEGRAM_WEBHOOK_PATH, webhook, methods=["POST"])
    return WebChannel(
        "telegram", [route], startup, shutdown, state={"telegram": ptb, "telegram_recover": recover}
    )


def parsed_update(body: bytes, bot: Any) -> tuple[dict[str, Any], Update, Inbound | None] | None:
    """The update's JSON (its text cleaned: `clean_json`), the update and what a person said in it;
    None when it is not an update Telegram would send: not JSON, nested deeper than Python reads,
    or a message whose text is not text."""
    try:
        data = clean_json(json.loads(body))
        if not isinstance(data, dict) or not _texts_are_text(data):
            return None
        update = Update.de_json(data, bot)
        return (data, update, to_inbound(update)) if update is not None else None
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return None


_TEXTS = {"message": ("text", "caption"), "edited_message": ("text", "caption"), "callback_query": ("data",)}


def _texts_are_text(data: dict[str, Any]) -> bool:
    """Telegram's texts, captions and button data are strings; anything else is not Telegram's."""
    for key, fields in _TEXTS.items():
        part = data.get(key)
        if isinstance(part, dict) and any(not isinstance(part.get(f, ""), str) for f in fields):
            return False
    return True

"""The web server (`midway serve`): webhooks from the messaging platforms, and a health check.

    POST /telegram/webhook   Telegram updates (secret header checked), queued to the PTB application
    POST /twilio/whatsapp    WhatsApp messages through Twilio (signature checked; bot.channels.whatsapp)
    POST /twilio/status      Twilio's delivery status callbacks (signature checked)
    GET  /files/<token>/<f>  a file sent by link (WhatsApp's calendar files; bot.file_links), until it expires
    GET  /healthz            "ok"

Each channel brings a `WebChannel`: its routes plus what to start and stop with the server.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from telegram import Update

from bot.bootstrap import App
from bot.file_links import files_route

log = logging.getLogger(__name__)

TELEGRAM_WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET_FORMAT = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what Telegram accepts as a secret_token
MAX_BODY = 1_000_000  # bytes; a Telegram update is a few kilobytes


class WebhookNotConfigured(RuntimeError):
    """The server cannot safely accept webhooks with the settings it was given."""


async def _nothing() -> None:
    return None


@dataclass(frozen=True)
class WebChannel:
    """One platform's part of the web server."""

    name: str
    routes: Sequence[BaseRoute]
    startup: Callable[[], Awaitable[None]] = _nothing
    shutdown: Callable[[], Awaitable[None]] = _nothing
    state: dict[str, object] = field(default_factory=dict)  # exposed on `web_app.state` (tests, admin)


def create_web_app(app: App, channels: Sequence[WebChannel] | None = None) -> Starlette:
    """The ASGI app: the health check and every channel's routes; channels start with the server."""
    if channels is None:
        chosen = [telegram_channel(app)] if app.settings.telegram_token else []
        if app.settings.whatsapp_enabled:
            from bot.channels.whatsapp import whatsapp_channel

            chosen.append(whatsapp_channel(app))
        channels = chosen

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        started: list[WebChannel] = []
        try:
            for channel in channels:
                await channel.startup()
                started.append(channel)
                log.info("web: %s channel started", channel.name)
            yield
        finally:
            for channel in reversed(started):
                await channel.shutdown()

    routes: list[BaseRoute] = [Route("/healthz", healthz, methods=["GET"]), files_route(app)]
    for channel in channels:
        routes.extend(channel.routes)
    web_app = Starlette(routes=routes, lifespan=lifespan)
    for channel in channels:
        for key, value in channel.state.items():
            setattr(web_app.state, key, value)
    return web_app


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok")


# ---- Telegram --------------------------------------------------------------------------------
def telegram_channel(app: App) -> WebChannel:
    """Telegram by webhook: updates are checked, parsed and queued; PTB's application processes the
    queue one update at a time (as with polling) and the handler sends the replies."""
    from bot.channels.telegram import build_application

    secret = app.settings.telegram_webhook_secret
    if not secret:
        raise WebhookNotConfigured(
            "TELEGRAM_WEBHOOK_SECRET is not set. Without it anyone who finds the webhook address could "
            "post forged updates. Set it (for example: openssl rand -hex 32), or use long polling: midway run"
        )
    if not SECRET_FORMAT.fullmatch(secret):
        raise WebhookNotConfigured("TELEGRAM_WEBHOOK_SECRET may use only A-Z, a-z, 0-9, _ and -, "
                                   "at most 256 characters (Telegram's rule)")
    expected = secret.encode()
    ptb = build_application(app)

    async def webhook(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode("latin-1")
        if not hmac.compare_digest(given, expected):
            log.warning("web: telegram webhook call with a wrong or missing secret refused")
            return Response(status_code=403)
        body = await request.body()
        if len(body) > MAX_BODY:
            return Response(status_code=413)
        try:
            data = json.loads(body)
            update = Update.de_json(data, ptb.bot) if isinstance(data, dict) else None
        except (ValueError, TypeError, KeyError, AttributeError):
            update = None
        if update is None:
            return PlainTextResponse("not a Telegram update", status_code=400)
        await ptb.update_queue.put(update)
        return Response(status_code=200)

    async def startup() -> None:
        await ptb.initialize()
        await ptb.start()
        base = app.settings.public_base_url
        if base:
            await ptb.bot.set_webhook(url=f"{base}{TELEGRAM_WEBHOOK_PATH}", secret_token=secret,
                                      allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
            log.info("web: telegram webhook registered at %s%s", base, TELEGRAM_WEBHOOK_PATH)
        else:
            log.warning("web: PUBLIC_BASE_URL is not set; the telegram webhook was not registered")

    async def shutdown() -> None:
        if ptb.running:
            await ptb.stop()
        await ptb.shutdown()

    route = Route(TELEGRAM_WEBHOOK_PATH, webhook, methods=["POST"])
    return WebChannel("telegram", [route], startup, shutdown, state={"telegram": ptb})


# ---- running ---------------------------------------------------------------------------------
def serve(app: App, host: str, port: int, web_app: Starlette | None = None) -> None:
    """`midway serve`: uvicorn with this app (or `web_app`, already built), logging through our
    configuration."""
    import uvicorn

    if web_app is None:
        try:
            web_app = create_web_app(app)
        except WebhookNotConfigured as error:
            print(f"midway serve: {error}", file=sys.stderr)
            raise SystemExit(2) from None
    uvicorn.run(web_app, host=host, port=port, log_config=None, access_log=False, proxy_headers=True)

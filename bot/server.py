"""The web server (`midway serve`): webhooks from the messaging platforms, and a health check.

    POST /telegram/webhook   Telegram updates (secret header checked), kept (storage/inbox.py), then
                             queued to the PTB application (bot.channels.telegram.webhook)
    POST /twilio/whatsapp    WhatsApp messages through Twilio (signature checked; bot.channels.whatsapp)
    POST /twilio/status      Twilio's delivery status callbacks (signature checked)
    GET  /files/<token>/<f>  a file sent by link (WhatsApp's calendar files; bot.file_links), until it expires
    GET  /healthz            "ok"
    GET  /metrics            counters and gauges in the Prometheus text format (bot.metrics)

Each channel brings a `WebChannel` (bot.channels.base): its routes plus what to start and stop with
the server.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot import metrics
from bot.app import App
from bot.channels.base import WebChannel, WebhookNotConfigured
from bot.file_links import files_route

log = logging.getLogger(__name__)

__all__ = ["WebChannel", "WebhookNotConfigured", "create_web_app", "healthz", "serve"]


def create_web_app(app: App, channels: Sequence[WebChannel] | None = None) -> Starlette:
    """The ASGI app: the health check and every channel's routes (default: the webhooks of the
    channels the settings enable); channels start with the server."""
    if channels is None:
        channels = app.web_channels()

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

    def scrape(request: Request) -> Response:  # a plain function: Starlette runs it in a thread (DB)
        return Response(metrics.exposition(app.db, app.clock), media_type=metrics.CONTENT_TYPE)

    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", scrape, methods=["GET"]),
        files_route(app),
    ]
    for channel in channels:
        routes.extend(channel.routes)
    web_app = Starlette(routes=routes, lifespan=lifespan)
    for channel in channels:
        for key, value in channel.state.items():
            setattr(web_app.state, key, value)
    return web_app


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok")


# ---- running ---------------------------------------------------------------------------------
def serve(web_app: Starlette, host: str, port: int) -> None:
    """`midway serve`: uvicorn with the web app (built, and its settings checked, by the CLI before
    anything starts), logging through our configuration."""
    import uvicorn

    uvicorn.run(web_app, host=host, port=port, log_config=None, access_log=False, proxy_headers=True)

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
import signal
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from types import FrameType
from typing import Any

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
GRACE_SECONDS = 30.0  # SIGTERM: how long requests in flight (and their steps) may take to finish


def serve(
    web_app: Starlette,
    host: str,
    port: int,
    on_stop: Callable[[], None] | None = None,
    grace: float = GRACE_SECONDS,
) -> None:
    """`midway serve`: uvicorn with the web app (built, and its settings checked, by the CLI before
    anything starts), logging through our configuration.

    SIGTERM (or Ctrl-C) drains: the port is closed at once (new connections are refused, and the
    balancer sends them to another process), `on_stop` is called (the scheduler claims nothing
    more), requests in flight finish with their steps and replies (at most `grace` seconds), the
    channels stop (Telegram's queued updates are stepped first), and this returns: the process
    exits 0. What is left undone stays in the database for the other processes or the next start."""
    import uvicorn

    config = uvicorn.Config(
        web_app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        timeout_graceful_shutdown=grace,
    )
    _draining(uvicorn.Server)(config, on_stop).run()


def _draining(server: type[Any]) -> type[Any]:
    class Draining(server):  # type: ignore[misc,valid-type]
        """uvicorn's server, telling `on_stop` of the first signal, and not raising the signal again
        once it has drained (uvicorn would: the process would end killed by SIGTERM, not with 0)."""

        def __init__(self, config: Any, on_stop: Callable[[], None] | None) -> None:
            super().__init__(config)
            self._on_stop = on_stop

        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            if not self.should_exit:
                log.info("web: signal %s: draining (no new work; what is in flight finishes)", sig)
                if self._on_stop is not None:
                    self._on_stop()
            super().handle_exit(sig, frame)

        @contextmanager
        def capture_signals(self) -> Iterator[None]:
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            signals = (signal.SIGINT, signal.SIGTERM)
            original = {sig: signal.signal(sig, self.handle_exit) for sig in signals}
            try:
                yield
            finally:
                for sig, handler in original.items():
                    signal.signal(sig, handler)

    return Draining

"""The one place that builds the assistant: settings → program, catalogs, database, dispatcher, and
the channels (`bot.channels.*`: their senders for the scheduler, their webhooks for the web server,
built by the app when a command asks for them).

Tests call `bootstrap` too, with their own settings and clock, and senders of their own.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from bot.app import App
from bot.channels import telegram, whatsapp
from bot.channels.base import Channel
from bot.clock import Clock, system_clock
from bot.dispatcher import Dispatcher
from bot.i18n import Catalogs
from bot.outbound import ChannelSender
from bot.program_config import load_program
from bot.scheduler import Scheduler
from bot.settings import Settings
from storage import repo
from storage.db import STARTUP_LOCK, Database, database_url, exclusive

# the channels of `midway run` / `serve`; the console runs on its own (`midway chat`)
CHANNELS: tuple[Channel, ...] = (telegram.CHANNEL, whatsapp.CHANNEL)

__all__ = ["App", "CHANNELS", "bootstrap", "build_scheduler", "configure_logging"]


def bootstrap(
    settings: Settings | None = None,
    clock: Clock = system_clock,
    migrate: bool = True,
    senders: Mapping[str, ChannelSender] | None = None,
    channels: Sequence[Channel] = CHANNELS,
) -> App:
    """`senders`: instead of those the channels would build (tests: fake or instrumented ones)."""
    settings = settings or Settings.from_env()
    program = load_program(settings.program_config)
    catalogs = Catalogs()
    db = Database(
        database_url(settings.database_url, settings.data_dir), sqlite_synchronous=settings.sqlite_synchronous
    )
    if migrate:
        db.upgrade()
    with db.transaction() as session:
        exclusive(session, STARTUP_LOCK)  # processes started together add each center once
        repo.sync_centers(session, program)
    dispatcher = Dispatcher(db, program, catalogs, clock)
    return App(settings, program, catalogs, db, dispatcher, clock, tuple(channels), senders)


def build_scheduler(app: App, senders: Mapping[str, ChannelSender] | None = None) -> Scheduler:
    """The scheduler of `midway run` / `serve`: the app's senders, or these."""
    return app.scheduler(senders)


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Library loggers would print request URLs, which carry the bot token, and message bodies.
    for noisy in ("httpx", "httpcore", "telegram", "apscheduler", "twilio", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

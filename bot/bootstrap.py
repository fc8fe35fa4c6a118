"""One place that wires the assistant: settings → program, catalogs, database, dispatcher.

Tests call `bootstrap` too, with their own settings and clock.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.clock import Clock, system_clock
from bot.dispatcher import Dispatcher
from bot.i18n import Catalogs
from bot.program_config import load_program
from bot.settings import Settings
from flows import Program
from storage import repo
from storage.db import Database, database_url


@dataclass
class App:
    settings: Settings
    program: Program
    catalogs: Catalogs
    db: Database
    dispatcher: Dispatcher
    clock: Clock


def bootstrap(settings: Settings | None = None, clock: Clock = system_clock, migrate: bool = True) -> App:
    settings = settings or Settings.from_env()
    program = load_program(settings.program_config)
    catalogs = Catalogs()
    db = Database(database_url(settings.database_url, settings.data_dir))
    if migrate:
        db.upgrade()
    with db.transaction() as session:
        repo.sync_centers(session, program)
    dispatcher = Dispatcher(db, program, catalogs, clock)
    return App(settings, program, catalogs, db, dispatcher, clock)


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Library loggers would print request URLs, which carry the bot token, and message bodies.
    for noisy in ("httpx", "httpcore", "telegram", "apscheduler", "twilio", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

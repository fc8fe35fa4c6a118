"""One `midway serve` process for bench/serve.py: the web app as the CLI builds it (webhook,
scheduler), plus one thing a benchmark needs — when the PTB application is done with an update, a
UDP datagram with the person's Telegram id goes to the driver, which then sends their next message.

    python bench/serve_worker.py PORT DONE_PORT        (settings from the environment, as `midway serve`)
"""

from __future__ import annotations

import logging
import socket
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from telegram import Update
from telegram.ext import ContextTypes, TypeHandler

from bot.bootstrap import bootstrap, configure_logging
from bot.server import create_web_app, serve
from bot.settings import Settings


def main() -> int:
    port, done_port = int(sys.argv[1]), int(sys.argv[2])
    settings = Settings.from_env()
    logging.basicConfig(filename=Path(settings.data_dir) / f"midway-{port}.log", force=True)
    configure_logging("INFO")
    logging.getLogger().setLevel(logging.INFO)
    app = bootstrap(settings)
    web = create_web_app(app)
    done = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    async def finished(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_user is not None:
            done.sendto(str(update.effective_user.id).encode(), ("127.0.0.1", done_port))

    web.state.telegram.add_handler(TypeHandler(Update, finished), group=99)
    scheduler = app.scheduler()
    with app.background(scheduler):  # as `midway serve`: presence, scheduler, drainer, checkpoints
        serve(web, "127.0.0.1", port, on_stop=scheduler.stop_claiming)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

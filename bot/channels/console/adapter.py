"""The console channel: the same conversation in a terminal, with no token and no network.

Interactive on a TTY; otherwise one user message per input line, replies printed, so a session
can be scripted: `printf 'שלום\n1\n' | midway chat`.

The console is also the `ChannelSender` of its user: `console_scheduler` runs the durable scheduler
of `midway serve` for the person at the terminal, and what falls due for them (a reminder, a seat
from the waiting list, the center manager's decision) is printed here — after each line they type,
and, at an interactive terminal, while they are idle too. A calendar file is written beside the
database and its path printed.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TextIO

from bot.app import App
from bot.channels.numbered import choice_for_number, numbered_text
from bot.dispatcher import Delivery, Dispatcher, Inbound
from bot.i18n import Catalogs
from bot.outbound import Proactive, Recipient, SendResult, SendStatus
from bot.scheduler import Scheduler
from flows import Choice, Command, Contact, Document, Input, Outgoing, Pressed, Reply, Text

CHANNEL = "console"


class ConsoleChannel:
    channel = CHANNEL

    def __init__(
        self,
        dispatcher: Dispatcher,
        catalogs: Catalogs,
        user: str = "local",
        out: TextIO | None = None,
        lang: str | None = None,
        files_dir: Path = Path("data"),
    ) -> None:
        self.dispatcher = dispatcher
        self.catalogs = catalogs
        self.user = user
        self.out = out or sys.stdout
        self.lang = lang
        self.files_dir = files_dir
        self.choices: list[Choice] = []
        self._printing = threading.Lock()  # the scheduler's thread prints too

    def to_input(self, line: str) -> Input:
        text = line.strip()
        payload = choice_for_number(text, self.choices)
        if payload is not None:
            return Pressed(payload)
        if text.startswith("/"):
            name, _, args = text[1:].partition(" ")
            if name.lower() == "contact" and args:  # "/contact 050-1234567" stands in for the share button
                return Contact(args.strip())
            return Command(name.lower(), args.strip())
        return Text(line.rstrip("\n"))

    def send_line(self, line: str) -> Delivery | None:
        inbound = Inbound(CHANNEL, self.user, self.to_input(line), language_hint=self.lang)
        delivery = self.dispatcher.handle(inbound)
        if delivery is not None:
            self.show(delivery.lang, delivery.replies)
        return delivery

    def send(self, recipient: Recipient, message: Proactive, now: datetime) -> SendResult:
        """A proactive message for the person at this terminal (`console_scheduler` claims no one
        else's): printed like a reply, its choices pressed by number."""
        self.show(message.lang, message.replies)
        return SendResult(SendStatus.SENT)

    def show(self, lang: str, replies: tuple[Outgoing, ...]) -> None:
        translator = self.catalogs.translator(lang)
        with self._printing:
            for item in replies:
                if isinstance(item, Reply):
                    # A number presses a choice of the last message only: after one with no list
                    # ("stop", an outcome) it goes to the flows as typed, which read it against the
                    # question still open, as on WhatsApp. None to press where a typed number is the
                    # answer.
                    self.choices = [] if item.typed_numbers else list(item.choices)
                    print(numbered_text(translator, item), file=self.out)
                elif isinstance(item, Document):
                    if item.caption is not None:
                        print(translator.render(item.caption), file=self.out)
                    print(f"[{self.save(item)}]", file=self.out)
                print(file=self.out)
            self.out.flush()

    def save(self, document: Document) -> Path:
        """The file, where a newcomer can open it (their phone would have received it)."""
        self.files_dir.mkdir(parents=True, exist_ok=True)
        path = (self.files_dir / document.filename).resolve()
        path.write_bytes(document.content)
        return path

    def run(self, lines: Iterable[str], interactive: bool, scheduler: Scheduler | None = None) -> None:
        """Read lines until the input ends. With `scheduler`: what is due is shown at the start,
        after every line, and (interactive) every tick while the person is idle."""
        if interactive:
            print(self.catalogs.translator(self.lang or "he").render_key("console.welcome"), file=self.out)
            print(file=self.out)
        if scheduler is not None:
            scheduler.tick_safely()  # what came due while they were away
            if interactive:
                scheduler.start()
        try:
            for line in lines:
                if not line.strip():
                    continue
                if not interactive:
                    print(f"> {line.rstrip()}", file=self.out)
                self.send_line(line)
                if scheduler is not None:
                    scheduler.tick_safely()
        finally:
            if scheduler is not None:
                scheduler.shutdown()


def console_scheduler(app: App, console: ConsoleChannel) -> Scheduler:
    """The durable scheduler, claiming only the work of the person at this terminal (and of no one
    in particular); everyone else's stays due for their own terminal, or for `run` / `serve`."""
    return app.scheduler({CHANNEL: console}, identity=(CHANNEL, console.user))


def files_dir(app: App) -> Path:
    """Beside the database: the folder of its SQLite file, else the data directory."""
    return app.db.folder() or Path(app.settings.data_dir)

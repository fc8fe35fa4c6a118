"""The console channel: the same conversation in a terminal, with no token and no network.

Interactive on a TTY; otherwise one user message per input line, replies printed, so a session
can be scripted: `printf 'שלום\n1\n' | midway chat`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TextIO

from bot.channels.numbered import choice_for_number, numbered_text
from bot.dispatcher import Delivery, Dispatcher, Inbound
from bot.i18n import Catalogs
from flows import Choice, Command, Contact, Document, Input, Pressed, Reply, Text

CHANNEL = "console"


class ConsoleChannel:
    def __init__(self, dispatcher: Dispatcher, catalogs: Catalogs, user: str = "local",
                 out: TextIO = sys.stdout, lang: str | None = None) -> None:
        self.dispatcher = dispatcher
        self.catalogs = catalogs
        self.user = user
        self.out = out
        self.lang = lang
        self.choices: list[Choice] = []

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
            self.show(delivery)
        return delivery

    def show(self, delivery: Delivery) -> None:
        translator = self.catalogs.translator(delivery.lang)
        for item in delivery.replies:
            if isinstance(item, Reply):
                # A number presses a choice of the last message only: after one with no list ("stop",
                # an outcome) it goes to the flows as typed, which read it against the question still
                # open, as on WhatsApp. None to press where a typed number is the answer.
                self.choices = [] if item.typed_numbers else list(item.choices)
                print(numbered_text(translator, item), file=self.out)
            elif isinstance(item, Document):
                print(f"[{item.filename}]", file=self.out)
            print(file=self.out)
        self.out.flush()

    def run(self, lines: Iterable[str], interactive: bool) -> None:
        if interactive:
            print(self.catalogs.translator(self.lang or "he").render_key("console.welcome"), file=self.out)
            print(file=self.out)
        for line in lines:
            if not line.strip():
                continue
            if not interactive:
                print(f"> {line.rstrip()}", file=self.out)
            self.send_line(line)

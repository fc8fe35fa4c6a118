"""The dispatcher backend of the test kit: a person writing straight to the app's dispatcher (no
channel, no server), for the tests of what the shell does with a step (the database, the staff
queue, proactive messages). The same person API as the other backends (tests/kit/chat.py).

    ronit = Person_(app, "1001")
    ronit.send("תפריט").click("אירועים")
    ronit.said()   # the message keys; ronit.text() as rendered
"""

from __future__ import annotations

import itertools
from typing import Any

from bot.bootstrap import App
from bot.dispatcher import Delivery, Inbound
from flows import Contact, Input, Pressed, Reply, Text, Unsupported
from tests.kit.chat import plain

_ids = itertools.count(1)


class Person_:
    """One person writing to the app (the dispatcher), in a given language."""

    def __init__(self, app: App, external_id: str, lang: str = "he", channel: str = "telegram") -> None:
        self.app, self.external_id, self.lang, self.channel = app, external_id, lang, channel
        self.last: Delivery | None = None

    def send(self, text: str) -> Person_:
        return self.feed(Text(text))

    def press(self, payload: str) -> Person_:
        return self.feed(Pressed(payload))

    def share_contact(self, phone: str, own: bool = True) -> Person_:
        return self.feed(Contact(phone, own))

    def send_sticker(self) -> Person_:
        return self.feed(Unsupported("sticker"))

    def feed(self, inp: Input) -> Person_:
        self.last = self.app.dispatcher.handle(
            Inbound(self.channel, self.external_id, inp, message_id=f"m{next(_ids)}", language_hint=self.lang)
        )
        return self

    def click(self, label: str, replies: tuple[Any, ...] | None = None) -> Person_:
        """Press a button (by its rendered label) of the last delivery, or of `replies` (a proactive
        message the scheduler sent)."""
        if replies is None:
            assert self.last is not None
            replies = self.last.replies
        translator = self.app.catalogs.translator(self.lang)
        choices = [c for r in replies if isinstance(r, Reply) for c in r.choices]
        found = [c for c in choices if label in plain(translator.render(c.label))]
        assert found, f"no button {label!r} among {[plain(translator.render(c.label)) for c in choices]}"
        return self.feed(Pressed(found[0].payload))

    def said(self) -> list[str]:
        assert self.last is not None
        return [p.key for r in self.last.replies if isinstance(r, Reply) for p in r.parts]

    def text(self) -> str:
        assert self.last is not None
        return render(self.app, self.lang, self.last.replies)

    def last_text(self) -> str:
        return self.text()

    def buttons(self) -> list[str]:
        assert self.last is not None
        translator = self.app.catalogs.translator(self.lang)
        return [
            plain(translator.render(c.label))
            for r in self.last.replies
            if isinstance(r, Reply)
            for c in r.choices
        ]

    def documents(self) -> list[Any]:
        assert self.last is not None
        return [r for r in self.last.replies if not isinstance(r, Reply)]


def render(app: App, lang: str, replies: tuple[Any, ...]) -> str:
    translator = app.catalogs.translator(lang)
    return plain("\n\n".join(translator.text(r) for r in replies if isinstance(r, Reply)))

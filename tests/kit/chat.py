"""The one person API every backend of the test kit speaks, so a test reads the same whether the
person talks to the pure flows, to the bot on Telegram or to the bot on WhatsApp:

    person.send("שלום")            # type a message ("/start" is a command)
    person.click("כן, נתחיל")      # press the option whose label contains this text
    person.press("yes")            # an option by its payload
    person.share_contact("+972…") / person.send_sticker()
    person.text() / person.last_text()   # what the last action brought back, as the screen shows it
    person.buttons()                # the labels of the options on offer
    person.said()                   # the message keys of the last replies (what the flow said)

Backends: `FlowChat` (tests/kit/flow.py), `TgPerson` (tests/kit/telegram.py), `WaPerson`
(tests/kit/whatsapp.py). What only one channel has (message edits, documents, list picks) is a
method of that backend alone.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from typing import Any, Protocol, Self

from bot.bootstrap import App
from bot.dispatcher import Delivery, Inbound
from flows import Reply

BIDI_ISOLATES = str.maketrans("", "", "\u2068\u2069")


def plain(text: str) -> str:
    """Text as the phone shows it: the bidi isolation marks around names and numbers are invisible."""
    return text.translate(BIDI_ISOLATES)


class Chat(Protocol):
    def send(self, text: str) -> Self: ...
    def click(self, label: str) -> Self: ...
    def press(self, payload: str) -> Self: ...
    def share_contact(self, phone: str, own: bool = True) -> Self: ...
    def send_sticker(self) -> Self: ...
    def text(self) -> str: ...
    def last_text(self) -> str: ...
    def buttons(self) -> list[str]: ...
    def said(self) -> list[str]: ...


class DeliveryLog:
    """Records what the dispatcher answered each person, so a channel backend can tell which message
    keys were said, not only the rendered text the fake server received."""

    def __init__(self, app: App) -> None:
        self._lock = threading.Lock()
        self._by_person: dict[tuple[str, str], list[Delivery]] = defaultdict(list)
        handle = app.dispatcher.handle

        def recording(inbound: Inbound, *args: Any, **kwargs: Any) -> Delivery:
            delivery = handle(inbound, *args, **kwargs)
            with self._lock:
                self._by_person[(inbound.channel, inbound.external_id)].append(delivery)
            return delivery

        app.dispatcher.handle = recording  # type: ignore[method-assign]

    def count(self, channel: str, external_id: str) -> int:
        with self._lock:
            return len(self._by_person[(channel, external_id)])

    def keys_since(self, channel: str, external_id: str, start: int) -> list[str]:
        with self._lock:
            deliveries = self._by_person[(channel, external_id)][start:]
        return [p.key for d in deliveries for r in d.replies if isinstance(r, Reply) for p in r.parts]

"""The Telegram backend of the test kit: the real PTB application, built by `build_application`,
long-polls the fake Bot API server (tests/fake_telegram.py) on an event loop in its own thread.

    person = telegram.person(1001, "רונית", "כהן")
    person.send("שלום").click("כן, נתחיל")
    assert "איך לפנות אליכם" in person.text()

Every action waits until the application has finished handling that update (a handler in a later
group records it), so there are no sleeps and no guessing how many messages are still coming.
What only Telegram has: `edit(text)` (an edited message), `press(data, message_id)` on an older
message, `keyboard_message()` and the raw `last` messages (documents, keyboards).
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from telegram import Update
from telegram.ext import ContextTypes, TypeHandler

from bot.bootstrap import App
from bot.channels.telegram.adapter import build_application, start_polling, stop_polling
from tests.fake_telegram import FakeTelegram, Sent
from tests.kit.chat import BIDI_ISOLATES, DeliveryLog, plain

T = TypeVar("T")
ISOLATES = BIDI_ISOLATES


class TelegramBot:
    """The PTB application polling the fake, on an event loop in its own thread."""

    def __init__(self, app: App, fake: FakeTelegram) -> None:
        self.app = app
        self.fake = fake
        self.deliveries = DeliveryLog(app)
        self.application = build_application(app)
        self.application.add_handler(TypeHandler(Update, self._handled), group=1)
        self._done: Counter[int] = Counter()
        self._cond = threading.Condition()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="ptb-loop", daemon=True)
        self.thread.start()
        self.run(start_polling(self.application, poll_interval=0.0, timeout=1))

    async def _handled(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        with self._cond:
            self._done[update.update_id] += 1
            self._cond.notify_all()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 15) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def wait_handled(self, update: dict[str, Any], times: int = 1, timeout: float = 10) -> None:
        update_id = update["update_id"]
        with self._cond:
            if not self._cond.wait_for(lambda: self._done[update_id] >= times, timeout):
                raise AssertionError(f"update {update_id} not handled {times}x within {timeout}s")

    def person(
        self, user_id: int, first_name: str = "רונית", last_name: str | None = "כהן", lang: str = "he"
    ) -> TgPerson:
        self.fake.person(user_id, first_name, last_name, lang)
        return TgPerson(self, user_id)

    def close(self) -> None:
        try:
            self.run(stop_polling(self.application))
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=5)
            self.loop.close()


@dataclass
class TgPerson:
    """Someone on Telegram. Each action returns when the bot has handled it; `last` is what it sent."""

    bot: TelegramBot
    user_id: int
    last: list[Sent] = field(default_factory=list)
    update: dict[str, Any] = field(default_factory=dict)
    _said_from: int = 0

    @property
    def fake(self) -> FakeTelegram:
        return self.bot.fake

    def _do(self, update: dict[str, Any]) -> TgPerson:
        before = len(self.fake.sent_to(self.user_id))
        self._said_from = self.bot.deliveries.count("telegram", str(self.user_id))
        self.update = update
        self.bot.wait_handled(update)
        self.last = self.fake.sent_to(self.user_id)[before:]
        return self

    # ---- what the person does ----------------------------------------------------------------
    def send(self, text: str) -> TgPerson:
        return self._do(self.fake.push_text(self.user_id, text))

    def click(self, label: str) -> TgPerson:
        """Press the button whose label contains `label`, on the latest message with buttons."""
        message = self.keyboard_message()
        found = [b for b in message.inline if label in plain(b["text"])]
        assert found, f"no button {label!r} among {message.buttons}"
        return self.press(found[0]["callback_data"], message.message_id)

    def press(self, data: str, message_id: int | None = None) -> TgPerson:
        """A button by its callback data, on `message_id` (by default the latest message)."""
        message_id = message_id or self.fake.sent_to(self.user_id)[-1].message_id
        return self._do(self.fake.push_callback(self.user_id, data, message_id))

    def share_contact(self, phone: str, own: bool = True) -> TgPerson:
        return self._do(self.fake.push_contact(self.user_id, phone, own))

    def send_sticker(self) -> TgPerson:
        return self._do(self.fake.push_sticker(self.user_id))

    def edit(self, text: str) -> TgPerson:
        return self._do(self.fake.push_edited(self.user_id, text))

    # ---- what the phone shows ----------------------------------------------------------------
    def text(self) -> str:
        return plain("\n\n".join(s.text for s in self.last))

    def last_text(self) -> str:
        return self.text()

    def buttons(self) -> list[str]:
        return [plain(label) for label in self.keyboard_message().buttons]

    def said(self) -> list[str]:
        return self.bot.deliveries.keys_since("telegram", str(self.user_id), self._said_from)

    def keyboard_message(self) -> Sent:
        with_buttons = [s for s in self.fake.sent_to(self.user_id) if s.inline]
        assert with_buttons, "no message with buttons was sent"
        return with_buttons[-1]

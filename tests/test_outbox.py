"""The outbox (storage/outbox.py, bot/delivery.py) with the real Telegram sender and Twilio client
against the fake servers: every row ends sent, failed, held or expired; one person's messages keep
their order; 429 is honoured, 5xx retried, 403 marks the person unreachable; a reply never waits
behind a bulk queue."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.bootstrap import App
from bot.channels.telegram.sender import TelegramSender
from bot.delivery import Outbox, OutboxSettings
from bot.pacing import Pacer
from storage import outbox, repo
from storage.models import ChannelIdentity, OutboundMessage, Person
from tests.conftest import FakeClock
from tests.fake_telegram import TOKEN, FakeTelegram
from tests.fake_twilio import FakeTwilio
from tests.kit.telegram import TelegramBot
from tests.kit.whatsapp import WhatsAppHarness

pytestmark = pytest.mark.app(telegram=True)

CHAT = 1001


@pytest.fixture
def box(app: App, fake_telegram: FakeTelegram) -> Iterator[Outbox]:
    sender = TelegramSender(TOKEN, app.catalogs, fake_telegram.url, pacer=Pacer(0))
    delivering = Outbox(app.db, app.clock, OutboxSettings(retry_seconds=2.0, max_attempts=3))
    delivering.register(sender)
    yield delivering
    sender.close()


def person(app: App, chat: int = CHAT, channel: str = "telegram") -> int:
    with app.db.transaction() as s:
        someone, _, _ = repo.find_or_create_person(s, channel, str(chat), "he", app.clock())
        return someone.id


def queue(app: App, person_id: int, *texts: str, chat: int = CHAT, **options: object) -> list[int]:
    parts = [{"to": str(chat), "part": {"method": "sendMessage", "data": {"text": t}}} for t in texts]
    with app.db.transaction() as s:
        return outbox.enqueue(
            s,
            person_id=person_id,
            channel="telegram",
            kind="reminder.event",
            payloads=parts,
            now=app.clock(),
            **options,  # type: ignore[arg-type]
        )


def rows(app: App, ids: list[int]) -> list[OutboundMessage]:
    with app.db.transaction() as s:
        found = {r.id: r for r in s.scalars(select(OutboundMessage).where(OutboundMessage.id.in_(ids)))}
        return [found[i] for i in ids]


def texts(fake: FakeTelegram, chat: int = CHAT) -> list[str]:
    return [s.text for s in fake.sent_to(chat)]


def test_a_persons_messages_keep_their_order_when_the_first_is_retried_after_a_5xx(
    app: App, box: Outbox, fake_telegram: FakeTelegram, clock: FakeClock
) -> None:
    ids = queue(app, person(app), "one", "two", "three")
    fake_telegram.fail(CHAT, 502)
    box.drain_all()
    assert texts(fake_telegram) == []  # the first failed for now: the others wait behind it
    first, *rest = rows(app, ids)
    assert (first.status, first.error_code, first.due_at) == (
        "pending",
        "telegram_502",
        clock.now + timedelta(seconds=2),
    )
    assert [r.status for r in rest] == ["pending", "pending"] and first.payload is not None
    box.drain_all()
    assert texts(fake_telegram) == []  # not due yet
    clock.advance(seconds=2)
    box.drain_all()
    assert texts(fake_telegram) == ["one", "two", "three"]
    settled = rows(app, ids)
    assert [(r.status, r.payload) for r in settled] == [("sent", None)] * 3  # bodies gone once sent
    assert [r.platform_message_id for r in settled] == [
        str(s.message_id) for s in fake_telegram.sent_to(CHAT)
    ]


def test_a_later_message_of_someone_waits_while_an_earlier_one_is_being_sent(
    app: App, box: Outbox, fake_telegram: FakeTelegram, clock: FakeClock
) -> None:
    someone = person(app)
    earlier = queue(app, someone, "earlier")
    with app.db.transaction() as s:  # another process holds the first row
        [held] = outbox.claim(s, clock.now, timedelta(seconds=60), ids=earlier)
    later = queue(app, someone, "later")
    assert box.deliver(later) == [] and texts(fake_telegram) == []
    with app.db.transaction() as s:
        assert outbox.settle(s, held, "sent", clock.now, platform_message_id="77")
    [outcome] = box.deliver(later)
    assert outcome.status == "sent" and texts(fake_telegram) == ["later"]


def test_flood_control_is_honoured_as_telegram_says(
    app: App, box: Outbox, fake_telegram: FakeTelegram, clock: FakeClock
) -> None:
    ids = queue(app, person(app), "reminder")
    fake_telegram.flood(CHAT, retry_after=7)
    box.drain_all()
    [row] = rows(app, ids)
    assert (row.status, row.error_code, row.due_at) == (
        "pending",
        "telegram_429",
        clock.now + timedelta(seconds=7),
    )
    clock.advance(seconds=6)
    box.drain_all()
    assert texts(fake_telegram) == []
    clock.advance(seconds=1)
    box.drain_all()
    assert texts(fake_telegram) == ["reminder"] and rows(app, ids)[0].status == "sent"


def test_a_blocked_bot_marks_the_person_unreachable_and_their_next_messages_fail_alike(
    app: App, box: Outbox, fake_telegram: FakeTelegram
) -> None:
    someone = person(app)
    ids = queue(app, someone, "one", "two")
    fake_telegram.block(CHAT)
    box.drain_all()
    assert [(r.status, r.error_code, r.payload) for r in rows(app, ids)] == [
        ("failed", "telegram_403", None)
    ] * 2
    assert len(fake_telegram.calls_of("sendMessage")) == 1  # the second was not tried
    with app.db.transaction() as s:
        identity = s.scalar(select(ChannelIdentity).where(ChannelIdentity.person_id == someone))
        assert identity is not None and identity.unreachable


def test_a_server_error_is_retried_with_back_off_then_fails_with_its_code(
    app: App, box: Outbox, fake_telegram: FakeTelegram, clock: FakeClock
) -> None:
    someone = person(app)
    ids = queue(app, someone, "one")
    fake_telegram.fail(CHAT, 503, times=3)
    box.drain_all()
    clock.advance(seconds=2)
    box.drain_all()
    [row] = rows(app, ids)
    assert (row.status, row.attempts, row.due_at) == ("pending", 2, clock.now + timedelta(seconds=4))
    clock.advance(seconds=4)
    box.drain_all()  # the third attempt of three
    [row] = rows(app, ids)
    assert (row.status, row.error_code, row.payload) == ("failed", "telegram_503", None)
    with app.db.transaction() as s:  # a transient error says nothing of the person
        assert not s.scalar(select(ChannelIdentity.unreachable).where(ChannelIdentity.person_id == someone))


def test_a_permanent_error_fails_at_once_with_the_platforms_code(
    app: App, box: Outbox, fake_telegram: FakeTelegram
) -> None:
    ids = queue(app, person(app), "one", "two")
    fake_telegram.fail(CHAT, 400)
    box.drain_all()
    assert [(r.status, r.error_code) for r in rows(app, ids)] == [("failed", "telegram_400"), ("sent", None)]
    assert texts(fake_telegram) == ["two"]


def test_a_reminder_whose_moment_passed_is_expired_not_sent(
    app: App, box: Outbox, fake_telegram: FakeTelegram, clock: FakeClock
) -> None:
    ids = queue(app, person(app), "see you at 10:00", not_after=clock.now + timedelta(minutes=5))
    clock.advance(minutes=5)
    box.drain_all()
    assert [(r.status, r.payload) for r in rows(app, ids)] == [("expired", None)]
    assert texts(fake_telegram) == []


def test_depth_counts_the_rows_waiting_and_the_age_of_the_oldest(
    app: App, box: Outbox, clock: FakeClock
) -> None:
    someone = person(app)
    with app.db.transaction() as s:
        assert outbox.depth(s, clock.now) == (0, 0.0)
    queue(app, someone, "one")
    clock.advance(seconds=30)
    queue(app, someone, "two")
    with app.db.transaction() as s:
        assert outbox.depth(s, clock.now) == (2, 30.0)
    box.drain_all()
    with app.db.transaction() as s:
        assert outbox.depth(s, clock.now) == (0, 0.0)


def test_two_claims_never_take_the_same_row(app: App, clock: FakeClock) -> None:
    someone = person(app)
    queue(app, someone, "one", "two")
    other = person(app, 2002)
    queue(app, other, "three", chat=2002)
    with app.db.transaction() as s:
        first = outbox.claim(s, clock.now, timedelta(seconds=60))
    with app.db.transaction() as s:
        second = outbox.claim(s, clock.now, timedelta(seconds=60))
    # one row of each person; the second claim takes nothing: "two" waits behind "one"
    assert [r.payload["part"]["data"]["text"] for r in first] == ["one", "three"] and second == []
    clock.advance(seconds=61)  # the claimer died: after the lease the rows are due again
    with app.db.transaction() as s:
        again = outbox.claim(s, clock.now, timedelta(seconds=60))
    assert [r.id for r in again] == [r.id for r in first] and again[0].attempts == 2


# ---- a reply and a bulk queue ----------------------------------------------------------------
@pytest.mark.app(telegram=True, telegram_messages_per_second=30)
def test_a_reply_never_waits_behind_a_3000_message_bulk_queue(
    app: App, telegram: TelegramBot, fake_telegram: FakeTelegram
) -> None:
    now = app.clock()
    with app.db.transaction() as s:
        people = [Person(created_at=now, language="he") for _ in range(300)]
        s.add_all(people)
        s.flush()
        for i, someone in enumerate(people):  # 300 people, 10 messages each: a survey wave
            chat = 500_000 + i
            parts = [
                {"to": str(chat), "part": {"method": "sendMessage", "data": {"text": f"q{n}"}}}
                for n in range(10)
            ]
            outbox.enqueue(
                s, person_id=someone.id, channel="telegram", kind="survey", payloads=parts, now=now
            )
    stop = threading.Event()

    def drain() -> None:
        while not stop.is_set():
            app.outbox.drain(limit=10, everything=True)

    drainer = threading.Thread(target=drain, daemon=True)
    drainer.start()
    try:
        fake_telegram.wait_for(30, timeout=10)  # the wave is going out, at the bot's 30 a second
        ronit = telegram.person(CHAT)
        started = time.monotonic()
        ronit.send("שלום")
        waited = time.monotonic() - started
        assert "נתחיל?" in ronit.text()
        with app.db.transaction() as s:
            waiting, _ = outbox.depth(s, app.clock())
        assert waiting > 2_800  # the queue was still there
        assert waited < 1.0, f"the reply took {waited:.2f}s"
    finally:
        stop.set()
        drainer.join(timeout=10)


# ---- WhatsApp ------------------------------------------------------------------------------------
@pytest.mark.app(whatsapp=True)
def test_a_whatsapp_reply_outside_the_window_is_held(
    app: App, wa: WhatsAppHarness, fake_twilio: FakeTwilio
) -> None:
    phone = "+972501234567"
    fake_twilio.close_window(phone)
    wa.person(phone).send("שלום")
    with app.db.transaction() as s:
        found = list(s.scalars(select(OutboundMessage)))
    assert [(r.status, r.error_code, r.payload) for r in found] == [("held", "63016", None)]
    assert fake_twilio.sent_to(phone) == []


# ---- a reminder and a crash ----------------------------------------------------------------------
class Crash(BaseException):
    """The process dies here (not an error the scheduler would catch)."""


def test_a_reminder_prepared_before_a_crash_is_sent_once_by_the_next_process(
    app: App, fake_telegram: FakeTelegram, clock: FakeClock
) -> None:
    from bot.scheduler import Scheduler
    from tests.events_kit import at, event, participant, sign_up

    ronit = participant(app, str(CHAT))
    fake_telegram.person(CHAT, "רונית")
    sign_up(app, ronit, event(app, at(2026, 11, 26, 10)))
    sender = TelegramSender(TOKEN, app.catalogs, fake_telegram.url, pacer=Pacer(0))
    dying = Scheduler(app.db, app.program, app.catalogs, app.clock, {"telegram": sender})

    def crash(ids: object) -> object:
        raise Crash

    dying.outbox.deliver = crash  # type: ignore[method-assign]
    clock.now = at(2026, 11, 25, 10)
    with pytest.raises(Crash):
        dying.run_until_idle()  # the reminder is prepared and stored, then the process dies
    assert texts(fake_telegram) == []
    # the next process: its drainer sends what is in the outbox; the job, claimed again when its
    # lease runs out, finds its message there and is not sent again
    restarted = Scheduler(app.db, app.program, app.catalogs, app.clock, {"telegram": sender})
    assert restarted.outbox.drain_all() == 1
    [reminder] = texts(fake_telegram)
    assert "סדנת פתיחה" in reminder
    clock.advance(seconds=app.program.scheduling.scheduler.lease_seconds + 1)
    report = restarted.run_until_idle()
    assert report.claimed >= 1 and report.sent == 0
    assert len(texts(fake_telegram)) == 1
    sender.close()


# ---- two processes on PostgreSQL ---------------------------------------------------------------
@pytest.mark.postgres
@pytest.mark.app(db="postgres")
def test_on_postgresql_two_drainers_never_take_the_same_row_nor_a_persons_later_one(
    app: App, clock: FakeClock
) -> None:
    """Two processes claim at the same moment: the rows the first holds (not committed yet) are
    skipped by the second, and a person's next row waits for the one held."""
    someone = person(app)
    queue(app, someone, "one", "two")
    other = person(app, 2002)
    queue(app, other, "three", chat=2002)
    with app.db.transaction() as first:
        held = outbox.claim(first, clock.now, timedelta(seconds=60), limit=1)  # "one", locked
        with app.db.transaction() as second:  # another process, while the first still holds its lock
            taken = outbox.claim(second, clock.now, timedelta(seconds=60))
    assert [r.payload["part"]["data"]["text"] for r in held] == ["one"]
    assert [r.payload["part"]["data"]["text"] for r in taken] == ["three"]
    with app.db.transaction() as third:  # and after the first committed: "two" still waits for "one"
        assert outbox.claim(third, clock.now, timedelta(seconds=60)) == []


@pytest.mark.app(whatsapp=True)
def test_a_whatsapp_429_is_retried_after_what_retry_after_said(
    app: App, wa: WhatsAppHarness, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    phone = "+972501234568"
    fake_twilio.fail_next(status=429, retry_after=9, times=4)  # every try of the call itself
    wa.person(phone).send("שלום")
    assert fake_twilio.sent_to(phone) == []
    with app.db.transaction() as s:
        [first, *_] = list(s.scalars(select(OutboundMessage).order_by(OutboundMessage.id)))
    assert (first.status, first.error_code, first.due_at) == (
        "pending",
        "20429",
        clock.now + timedelta(seconds=9),
    )
    clock.advance(seconds=8)
    app.outbox.drain_all()
    assert fake_twilio.sent_to(phone) == []
    clock.advance(seconds=1)
    app.outbox.drain_all()
    assert fake_twilio.sent_to(phone) and "נתחיל?" in fake_twilio.sent_to(phone)[-1].text


def test_a_reply_does_not_wait_behind_a_reminder_waiting_for_its_retry(
    app: App, box: Outbox, fake_telegram: FakeTelegram, clock: FakeClock
) -> None:
    someone = person(app)
    reminder = queue(app, someone, "reminder")
    fake_telegram.fail(CHAT, 502)
    box.drain_all()  # the reminder waits 2 s for its retry
    with app.db.transaction() as s:
        part = {"to": str(CHAT), "part": {"method": "sendMessage", "data": {"text": "answer"}}}
        reply = outbox.enqueue(
            s, person_id=someone, channel="telegram", kind="reply", payloads=[part], now=clock.now, priority=0
        )
    [outcome] = box.deliver(reply)
    assert outcome.status == "sent" and texts(fake_telegram) == ["answer"]
    clock.advance(seconds=2)
    box.drain_all()
    assert texts(fake_telegram) == ["answer", "reminder"] and rows(app, reminder)[0].status == "sent"


class Paused:
    """The Telegram sender, its first call held until `go` is set (a reply still being sent)."""

    def __init__(self, sender: TelegramSender) -> None:
        self.sender, self.channel = sender, sender.channel
        self.sending, self.go = threading.Event(), threading.Event()

    def render(self, lang: str, replies: tuple) -> list:  # type: ignore[type-arg]
        return self.sender.render(lang, replies)

    def transmit(self, address: str, part: dict, priority: int):  # type: ignore[no-untyped-def,type-arg]
        if not self.sending.is_set():
            self.sending.set()
            assert self.go.wait(10)
        return self.sender.transmit(address, part, priority)


def test_a_second_reply_stepped_while_the_first_is_being_sent_goes_at_once_not_after_the_grace(
    app: App, fake_telegram: FakeTelegram, clock: FakeClock
) -> None:
    """The person's second message is stepped while the reply to their first is still on its way:
    its reply goes out right after the first one, from this process, without waiting for the
    drainer (which leaves young rows for `grace_seconds`)."""
    sender = TelegramSender(TOKEN, app.catalogs, fake_telegram.url, pacer=Pacer(0))
    paused = Paused(sender)
    box = Outbox(app.db, app.clock)
    box.register(paused)  # type: ignore[arg-type]
    someone = person(app)

    def step(text: str) -> tuple[list[int], list[outbox.Claimed]]:
        part = {"to": str(CHAT), "part": {"method": "sendMessage", "data": {"text": text}}}
        with app.db.transaction() as s:
            return outbox.enqueue_claimed(
                s,
                person_id=someone,
                channel="telegram",
                kind="reply",
                payloads=[part],
                now=clock.now,
                lease=timedelta(seconds=60),
            )

    first = threading.Thread(target=box.send, args=step("first"))
    first.start()
    assert paused.sending.wait(10)  # the first reply is on its way
    second, claimed = step("second")
    assert claimed == []  # it must wait for the first
    box.send(second, claimed)
    notice = queue(app, someone, "a notice")  # a job's message, written meanwhile, waits behind them
    box.deliver(notice)
    paused.go.set()
    first.join(10)
    assert texts(fake_telegram) == ["first", "second", "a notice"]
    # no drain ran: sent by the process that sent the first, right after it
    assert [r.status for r in rows(app, [*second, *notice])] == ["sent", "sent"]
    sender.close()

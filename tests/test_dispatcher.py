"""The dispatcher end to end on SQLite and on PostgreSQL: one message, one transaction, one delivery.

The `app` fixture here overrides the SQLite-only one from conftest: the app is bootstrapped once per
database (`db_url`). Concurrency tests build their own app on the database they are about.
"""

from __future__ import annotations

import itertools
import logging
import threading
from typing import Any

import pytest
from sqlalchemy import event, select, text

from bot.bootstrap import App
from bot.dispatcher import Delivery, Inbound
from flows import Command, Input, Pressed, Reply, State, Text
from storage import effects as storage_effects
from storage.db import Database
from storage.models import (
    Answer,
    Base,
    ChannelIdentity,
    Conversation,
    InboundMessage,
    Person,
)
from tests.conftest import FakeClock, make_app
from tests.kit.prescreen import HE_TO_ELIGIBLE
from tests.test_storage import dependents

pytestmark = pytest.mark.app(db="both")

_message_ids = itertools.count(1)


class Chat:
    """One person writing to the app on one channel, message by message, with unique message ids."""

    def __init__(self, app: App, external_id: str = "972500000001", channel: str = "telegram") -> None:
        self.app = app
        self.external_id = external_id
        self.channel = channel
        self.last: Delivery | None = None
        self.sent = 0

    def send(self, text: str, message_id: str | None = None) -> Delivery | None:
        if text.startswith("/"):
            name, _, args = text[1:].partition(" ")
            return self.feed(Command(name.lower(), args), message_id)
        return self.feed(Text(text), message_id)

    def click(self, label: str) -> Delivery | None:
        """Press the button of the last delivery whose label (rendered) contains `label`."""
        assert self.last is not None
        translator = self.app.catalogs.translator(self.last.lang)
        choices = [c for r in self.last.replies if isinstance(r, Reply) for c in r.choices]
        found = [c for c in choices if label in translator.render(c.label)]
        assert found, f"no button {label!r} among {[translator.render(c.label) for c in choices]}"
        return self.feed(Pressed(found[0].payload))

    def feed(self, inp: Input, message_id: str | None = None) -> Delivery | None:
        message_id = message_id or f"msg-{next(_message_ids)}"
        self.sent += 1
        delivery = self.app.dispatcher.handle(
            Inbound(self.channel, self.external_id, inp, message_id=message_id, language_hint="he")
        )
        if delivery is not None:
            self.last = delivery
        return delivery

    # ---- what the person sees ----------------------------------------------------------------
    def said(self) -> list[str]:
        """The message keys of the last delivery, in order."""
        assert self.last is not None
        return [part.key for r in self.last.replies if isinstance(r, Reply) for part in r.parts]

    def text(self) -> str:
        assert self.last is not None
        translator = self.app.catalogs.translator(self.last.lang)
        return "\n\n".join(translator.text(r) for r in self.last.replies if isinstance(r, Reply))

    def person_id(self) -> int:
        with self.app.db.transaction() as s:
            identity = s.scalar(
                select(ChannelIdentity).where(
                    ChannelIdentity.channel == self.channel, ChannelIdentity.external_id == self.external_id
                )
            )
            assert identity is not None
            return identity.person_id


def dump(db: Database) -> dict[str, list[Any]]:
    """Every row of every table, for comparing the whole database before and after."""
    with db.transaction() as s:
        return {t.name: sorted(s.execute(select(t)).all(), key=repr) for t in Base.metadata.sorted_tables}


def answer_questions(db: Database, person_id: int) -> list[str]:
    with db.transaction() as s:
        query = select(Answer.question).where(Answer.person_id == person_id).order_by(Answer.id)
        return list(s.scalars(query))


# ---- once and only once ----------------------------------------------------------------------
def test_a_redelivered_message_is_answered_once_and_stored_once(app: App, clock: FakeClock) -> None:
    chat = Chat(app)
    first = chat.send("שלום", message_id="tg-1")
    assert first is not None and "prescreen.ask_consent" in chat.said()
    before = dump(app.db)
    clock.advance(minutes=1)  # anything the redelivery wrote would carry a new time
    assert chat.send("שלום", message_id="tg-1") is None
    assert dump(app.db) == before
    # the same platform id from another channel is another message
    assert Chat(app, channel="whatsapp").send("שלום", message_id="tg-1") is not None


EVERY_ANSWER = [
    "SELECT channel_identities",  # the identity and its person, locked
    "INSERT INTO inbound_messages",  # the message id: a redelivery is found here
    "UPDATE channel_identities SET",  # the identity's last message time
    "SELECT conversations",  # the state
    "SELECT (SELECT prescreen_outcomes",  # the facts, one statement
    "INSERT INTO answers",  # what the step decided,
    "INSERT INTO conversations",  # and the state saved (an insert that updates the row there is)
]


def test_an_answer_to_a_question_is_seven_statements(app: App, clock: FakeClock) -> None:
    """What every message pays (bench/README.md, "The cost of one step"): the identity and person
    locked, the inbound id logged, the identity's time, the state, the facts, the answer, the state
    saved — no statement more, whichever the database (SQLite's BEGIN IMMEDIATE not counted); on
    PostgreSQL, where several processes may serve one sender, first the sender's lock. A new
    statement on every step is a cost on every message: change this number knowingly."""
    several = app.db.engine.dialect.name == "postgresql"
    expected = ["SELECT pg_advisory_xact_lock(hashtextextended(%(key)s, 0))"] * several + EVERY_ANSWER
    chat = Chat(app)
    chat.send("שלום")
    chat.click("כן")
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.startswith("BEGIN"):
            statements.append(" ".join(statement.split()[:3]).split(".")[0])

    event.listen(app.db.engine, "before_cursor_execute", count)
    try:
        for answer in ("רונית", "1968", "כפר סבא"):
            statements.clear()
            clock.advance(seconds=20)  # a person types: the identity's last message time moves
            assert chat.send(answer) is not None
            assert statements == expected, "\n".join(statements)
    finally:
        event.remove(app.db.engine, "before_cursor_execute", count)


def test_a_redelivery_after_deleting_ones_data_does_not_bring_the_person_back(app: App) -> None:
    chat = Chat(app)
    chat.send("שלום", message_id="first")
    chat.send("פרטיות")
    chat.click("למחוק את המידע שלי")
    chat.click("כן, למחוק הכול")
    assert "privacy.deleted" in chat.said()
    before = dump(app.db)
    assert before["people"] == []
    # the platform delivers the very first message again (a webhook retry, a restarted poller)
    assert chat.send("שלום", message_id="first") is None
    assert dump(app.db) == before  # no new person, no identity, no conversation


@pytest.mark.parametrize("broken", ["flows.engine.step", "storage.effects.apply"])
def test_a_failing_step_apologises_and_leaves_everything_as_it_was(
    app: App, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, broken: str
) -> None:
    chat = Chat(app)
    chat.send("שלום")
    chat.click("כן, נתחיל")
    assert "prescreen.ask_name" in chat.said()
    before = dump(app.db)
    clock.advance(minutes=1)

    if broken == "flows.engine.step":

        def fail(*args: object, **kwargs: object) -> None:
            raise RuntimeError("engine broke")

        monkeypatch.setattr("bot.stepping.step", fail)
    else:
        real = storage_effects.apply

        def fail(applying, effects, handlers):  # type: ignore[no-untyped-def]
            real(applying, effects, handlers)  # the answer is written in the transaction...
            applying.session.flush()
            raise RuntimeError("database broke")  # ...and must not survive it

        monkeypatch.setattr("storage.effects.apply", fail)

    delivery = chat.send("רונית", message_id="tg-7")
    assert delivery is not None
    assert chat.said() == ["common.apology"]
    assert chat.text() == app.catalogs.translator("he").render_key("common.apology")
    assert dump(app.db) == before  # no answer, no state change, and message tg-7 not consumed

    monkeypatch.undo()
    assert chat.send("רונית", message_id="tg-7") is not None  # the platform's retry goes through
    assert "prescreen.ask_age" in chat.said()
    assert answer_questions(app.db, chat.person_id()) == ["consent", "name"]


# ---- state in the database -------------------------------------------------------------------
def test_the_conversation_continues_after_a_restart(db_url: str, clock: FakeClock, tmp_path) -> None:  # type: ignore[no-untyped-def]
    first = make_app(db_url, clock, tmp_path)
    chat = Chat(first)
    chat.send("שלום")
    chat.click("כן, נתחיל")
    chat.send("רונית")
    assert "prescreen.ask_age" in chat.said()
    first.db.dispose()

    clock.advance(minutes=10)
    second = make_app(db_url, clock, tmp_path)
    try:
        chat = Chat(second)
        chat.send("1968")
        assert "prescreen.ask_city" in chat.said()
        assert second.catalogs.translator("he").render_key("prescreen.ask_city") in chat.text()
        assert answer_questions(second.db, chat.person_id()) == ["consent", "name", "age"]
        with second.db.transaction() as s:
            assert len(s.scalars(select(Person)).all()) == 1
    finally:
        second.db.dispose()


def test_stop_and_join_again(app: App, clock: FakeClock) -> None:
    chat = Chat(app)
    chat.send("שלום")
    clock.advance(minutes=1)
    chat.send("הסר")
    assert "optout.done" in chat.said()
    with app.db.transaction() as s:
        person = s.get(Person, chat.person_id())
        assert person is not None and person.opted_out and person.opted_out_at == clock.now
    chat.send("הצטרף")
    assert "optout.resumed" in chat.said()
    with app.db.transaction() as s:
        person = s.get(Person, chat.person_id())
        assert person is not None and not person.opted_out and person.opted_out_at is None


def test_deleting_my_data_in_the_conversation_leaves_no_row_of_me(app: App) -> None:
    neighbour = Chat(app, external_id="972500000002")
    neighbour.send("שלום")
    neighbour.click("כן, נתחיל")
    chat = Chat(app)
    chat.send("שלום")
    chat.click("כן, נתחיל")
    for line in HE_TO_ELIGIBLE:
        chat.send(line)
    assert "prescreen.eligible" in chat.said()
    chat.send("נציג")
    assert "handoff.ack" in chat.said()
    me = chat.person_id()
    with app.db.transaction() as s:
        stored = dependents(s, me)
        del stored["manager_decisions.person_id"]  # eligible: no case for the manager
        del stored["outbound_messages.person_id"]  # this channel keeps no delivery log (WhatsApp does)
        none_here = ("signups", "meetings", "scheduled_jobs", "staff_tasks", "homework", "surveys")
        # (tests/test_storage.py gives a person a row in every table, the employment history too)
        for table in (*none_here, "employment_periods", "case_events"):
            del stored[f"{table}.person_id"]
        assert all(stored.values()), stored  # profile, answers, outcome, handoff, state, identity, log

    chat.send("פרטיות")
    chat.click("למחוק את המידע שלי")
    chat.click("כן, למחוק הכול")
    assert "privacy.deleted" in chat.said()

    with app.db.transaction() as s:
        assert not any(dependents(s, me).values()), dependents(s, me)
        assert s.scalars(select(ChannelIdentity.external_id)).all() == [neighbour.external_id]
        assert s.scalars(select(Person.phone)).all() == [None]  # only the neighbour, who gave none
        unlinked = s.scalars(select(InboundMessage.person_id)).all()
        assert unlinked.count(None) == chat.sent  # the ids stay, unlinked: no longer anyone's
    assert answer_questions(app.db, neighbour.person_id()) == ["consent"]

    chat.send("שלום")  # writing again starts from the beginning, as a new person with nothing kept
    assert "prescreen.intro" in chat.said()
    assert answer_questions(app.db, chat.person_id()) == []


# ---- concurrency -----------------------------------------------------------------------------
WORDS = (
    "תפוח",
    "בננה",
    "אגס",
    "שזיף",
    "ענב",
    "רימון",
    "תאנה",
    "תמר",
    "זית",
    "אבטיח",
    "מלון",
    "קיווי",
    "מנגו",
    "אפרסק",
    "משמש",
    "דובדבן",
    "לימון",
    "תות",
    "פומלה",
    "אשכולית",
)


def at_once(app: App, inbounds: list[Inbound]) -> list[Delivery | None]:
    """Hand every inbound to the dispatcher from its own thread, all released together."""
    barrier = threading.Barrier(len(inbounds))
    results: list[Delivery | None] = [None] * len(inbounds)

    def handle(i: int) -> None:
        barrier.wait(timeout=30)
        results[i] = app.dispatcher.handle(inbounds[i])

    threads = [threading.Thread(target=handle, args=(i,)) for i in range(len(inbounds))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return results


def assert_no_apology(results: list[Delivery | None]) -> None:
    for delivery in results:
        assert delivery is not None
        keys = [p.key for r in delivery.replies if isinstance(r, Reply) for p in r.parts]
        assert "common.apology" not in keys


@pytest.mark.postgres
def test_two_first_messages_at_once_make_one_person(
    pg_url: str,
    clock: FakeClock,
    tmp_path,
    caplog: pytest.LogCaptureFixture,  # type: ignore[no-untyped-def]
) -> None:
    app = make_app(pg_url, clock, tmp_path)
    try:
        rounds = 5
        for n in range(rounds):
            results = at_once(
                app,
                [Inbound("telegram", f"new-{n}", Text("שלום"), message_id=f"new-{n}-{i}") for i in range(2)],
            )
            assert_no_apology(results)
        with app.db.transaction() as s:
            people = s.scalars(select(Person)).all()
            identities = s.scalars(select(ChannelIdentity)).all()
            assert len(people) == len(identities) == rounds
            assert sorted(i.external_id for i in identities) == [f"new-{n}" for n in range(rounds)]
            by_person = {i.person_id: i.external_id for i in identities}
            for message in s.scalars(select(InboundMessage)):
                assert by_person[message.person_id] == message.platform_message_id.rsplit("-", 1)[0]
            # The second of each round waited for the first's identity (its lock, PostgreSQL) and
            # found it: no insert was tried and undone, so no id was used up.
            assert s.scalar(text("SELECT last_value FROM people_id_seq")) == rounds
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    finally:
        app.db.dispose()


def many_messages_from_one_person(
    url: str,
    clock: FakeClock,
    tmp_path,
    threads: int,  # type: ignore[no-untyped-def]
    caplog: pytest.LogCaptureFixture,
    with_ids: bool = True,
) -> None:
    """`threads` messages of one new person at once. Without platform ids (the console) a step
    starts by reading, not by logging the message: that is the case SQLite's BEGIN IMMEDIATE is for."""
    app = make_app(url, clock, tmp_path)
    try:
        inbounds = [
            Inbound("telegram", "busy", Text(WORDS[i]), message_id=f"busy-{i}" if with_ids else None)
            for i in range(threads)
        ]
        results = at_once(app, inbounds)
        errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert not errors
        assert_no_apology(results)
        with app.db.transaction() as s:
            [person_id] = s.scalars(select(Person.id)).all()
            assert len(s.scalars(select(ChannelIdentity)).all()) == 1
            messages = s.scalars(select(InboundMessage)).all()
            assert len(messages) == (threads if with_ids else 0)
            assert all(m.person_id == person_id for m in messages)
            row = s.scalars(select(Conversation)).one()
        state = State.from_json(row.state)
        assert state.to_json() == row.state
        # Each step asked one question (the consent, then its re-prompt): a step that had read a
        # stale state would have lost another step's increment.
        assert state.seq == threads
        assert [(f.flow, f.node) for f in state.frames] == [("prescreen", "consent")]
    finally:
        app.db.dispose()


@pytest.mark.postgres
def test_twenty_messages_of_one_person_at_once_on_postgresql(  # type: ignore[no-untyped-def]
    pg_url: str, clock: FakeClock, tmp_path, caplog: pytest.LogCaptureFixture
) -> None:
    many_messages_from_one_person(pg_url, clock, tmp_path, 20, caplog)


@pytest.mark.parametrize("with_ids", [True, False], ids=["telegram-ids", "no-ids"])
def test_eight_messages_of_one_person_at_once_on_a_sqlite_file(  # type: ignore[no-untyped-def]
    sqlite_url: str, clock: FakeClock, tmp_path, caplog: pytest.LogCaptureFixture, with_ids: bool
) -> None:
    many_messages_from_one_person(sqlite_url, clock, tmp_path, 8, caplog, with_ids)
    assert "database is locked" not in caplog.text


def test_a_database_error_is_logged_without_what_the_person_wrote(
    app: App, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """SQLAlchemy puts a failed statement's parameters in the exception text, and the dispatcher
    logs the exception: answers (names, birth years, phones) must not reach the logs that way."""
    chat = Chat(app)
    chat.send("שלום")
    chat.click("כן, נתחיל")
    real = storage_effects.apply

    def fail(applying, effects, handlers):  # type: ignore[no-untyped-def]
        real(applying, effects, handlers)
        applying.session.add(
            Answer(
                person_id=-1,
                flow="prescreen",
                question="name",
                raw_text="רונית כהן-לוי",
                value="רונית כהן-לוי",
                answered_at=applying.now,
            )
        )  # no such person
        applying.session.flush()  # the flush fails

    monkeypatch.setattr("storage.effects.apply", fail)

    with caplog.at_level(logging.ERROR):
        chat.send("רונית כהן-לוי")
    assert chat.said() == ["common.apology"]
    assert "IntegrityError" in caplog.text  # the failure itself is logged...
    assert "כהן" not in caplog.text and "\\u05db\\u05d4\\u05df" not in caplog.text  # ...but not the answer

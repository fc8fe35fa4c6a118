"""Several processes know of each other (bot/presence.py, storage/processes.py): they share the
platforms' sending limits, and a dead one's claims are taken over at once, not after their leases."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot import pacing
from bot.bootstrap import App
from bot.channels.telegram.sender import TelegramSender, shared_pacer
from bot.delivery import Outbox
from bot.pacing import BULK, Pacer
from bot.presence import Presence, _host, process_id
from storage import jobs, outbox, processes, repo
from storage.models import OutboundMessage, Process, ScheduledJob
from tests.conftest import FakeClock
from tests.fake_telegram import TOKEN, FakeTelegram

pytestmark = pytest.mark.app(db="both", telegram=True)

CHAT = 4004
OTHER = "other-host:4242:0badcafe"


class Ticking:
    """A monotonic clock that sleeping moves on."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def seconds_for(pacer: Pacer, ticking: Ticking, sends: int) -> float:
    start = ticking.now
    for _ in range(sends):
        pacer.wait(None, BULK)
    return ticking.now - start


@pytest.fixture
def ticking() -> Ticking:
    return Ticking()


@pytest.fixture
def presence(app: App, ticking: Ticking) -> Iterator[Presence]:
    """This process's presence; time passes for it on `ticking` (its own clock, which measures how
    long another's heartbeat has not moved)."""
    here = Presence(
        app.db, app.clock, ["telegram"], heartbeat_seconds=2.0, gone_seconds=15.0, monotonic=ticking
    )
    yield here
    pacing.divide("telegram", 1)
    here.shutdown()


def other_process(app: App, seen_seconds_ago: float = 0.0, host: str = "other-host", pid: int = 4242) -> str:
    with app.db.transaction() as s:
        when = app.clock() - timedelta(seconds=seen_seconds_ago)
        processes.register(s, f"{host}:{pid}:0badcafe", host, pid, ["telegram"], when)
    return f"{host}:{pid}:0badcafe"


def test_a_pacer_shared_by_two_processes_sends_at_half_the_rate() -> None:
    ticking = Ticking()
    alone = Pacer(10, monotonic=ticking, sleep=ticking.sleep)
    assert seconds_for(alone, ticking, 21) == pytest.approx(2.0, abs=0.11)  # one free, then 10 a second
    ticking = Ticking()
    shared = Pacer(10, monotonic=ticking, sleep=ticking.sleep)
    shared.share(2)
    assert seconds_for(shared, ticking, 21) == pytest.approx(4.0, abs=0.21)  # 5 a second: its half
    shared.share(1)
    assert shared.interval == pytest.approx(0.1)


def test_the_bot_pacer_of_every_process_paces_at_its_part_of_the_limit_while_others_are_alive(
    app: App, presence: Presence, ticking: Ticking
) -> None:
    pacer = shared_pacer("t0ken-presence", 30.0, 1.0, 3.0)
    presence.start()
    assert presence.parts == {"telegram": 1} and pacer.interval == pytest.approx(1 / 30)
    other_process(app)  # a second `midway serve` on the same database
    presence.beat()
    assert presence.parts == {"telegram": 2} and pacer.interval == pytest.approx(1 / 15)
    late = shared_pacer("t0ken-presence-2", 30.0, 1.0, 3.0)  # made after: divided too
    assert late.interval == pytest.approx(1 / 15)
    ticking.sleep(16)  # the other stopped beating: dead
    presence.beat()
    assert presence.parts == {"telegram": 1} and pacer.interval == pytest.approx(1 / 30)


def test_a_dead_process_rows_being_sent_are_sent_by_another_at_once_not_after_the_lease(
    app: App, presence: Presence, fake_telegram: FakeTelegram, clock: FakeClock, ticking: Ticking
) -> None:
    with app.db.transaction() as s:
        someone, _, _ = repo.find_or_create_person(s, "telegram", str(CHAT), "he", clock())
        part = {"to": str(CHAT), "part": {"method": "sendMessage", "data": {"text": "תזכורת"}}}
        [row_id] = outbox.enqueue(
            s, person_id=someone.id, channel="telegram", kind="reminder.event", payloads=[part], now=clock()
        )
    other_process(app)
    with app.db.transaction() as s:  # the other process takes the row, then is killed mid-send
        [taken] = outbox.claim(s, clock(), timedelta(seconds=60), ids=[row_id], by=OTHER)
    box = Outbox(app.db, app.clock)
    sender = TelegramSender(TOKEN, app.catalogs, fake_telegram.url, pacer=Pacer(0))
    box.register(sender)
    presence.start()
    ticking.sleep(5)
    presence.beat()
    assert box.drain_all() == 0  # alive a few seconds ago: its lease stands
    ticking.sleep(11)  # 16 s without a beat
    clock.advance(seconds=16)
    presence.beat()
    with app.db.transaction() as s:
        assert s.scalar(select(Process.id).where(Process.id == OTHER)) is None
    assert box.drain_all() == 1  # 16 s after the crash, not 60
    assert [m.text for m in fake_telegram.sent_to(CHAT)] == ["תזכורת"]
    with app.db.transaction() as s:
        row = s.get(OutboundMessage, row_id)
        assert row is not None and row.status == "sent" and row.attempts == taken.attempts + 1
    sender.close()


def test_on_this_host_a_predecessor_whose_pid_is_gone_is_dead_at_once(
    app: App, presence: Presence, clock: FakeClock
) -> None:
    """`kill -9`, then the service manager starts the process again: the new one finds the old
    one's pid not running and takes its claimed jobs at start-up, not 15 s (or a lease) later."""
    host = _host()
    gone = other_process(app, host=host, pid=2**22 + 7)  # above any pid this host hands out
    alive_elsewhere = other_process(app, host="another-host", pid=2**22 + 7)
    job_id = claimed_job(app, clock, gone)
    presence.start()
    with app.db.transaction() as s:
        ids = set(s.scalars(select(Process.id)))
        job = s.get(ScheduledJob, job_id)
        assert job is not None and job.state == "claimed" and job.due_at == clock()  # due now
        assert job.claimed_by is None
    assert ids == {process_id(), alive_elsewhere}
    with app.db.transaction() as s:
        assert jobs.claim(s, clock(), timedelta(seconds=120), 10, by=process_id()) == [job_id]


def test_a_clean_exit_takes_its_row_away(app: App, presence: Presence) -> None:
    presence.start()
    with app.db.transaction() as s:
        assert list(s.scalars(select(Process.id))) == [process_id()]
    presence.shutdown()
    with app.db.transaction() as s:
        assert list(s.scalars(select(Process.id))) == []


def claimed_job(app: App, clock: FakeClock, by: str) -> int:
    with app.db.transaction() as s:
        s.add(
            ScheduledJob(
                kind="reminder.event",
                due_at=clock(),
                scheduled_for=clock(),
                payload={},
                created_at=clock(),
                updated_at=clock(),
            )
        )
    with app.db.transaction() as s:
        [job_id] = jobs.claim(s, clock(), timedelta(seconds=120), 10, by=by)
    return job_id


def still_claimed_by(app: App, job_id: int, by: str) -> bool:
    with app.db.transaction() as s:
        job = s.get(ScheduledJob, job_id)
        return job is not None and job.claimed_by == by


def test_two_containers_with_one_host_name_and_pid_1_each_do_not_reap_each_other(
    app: App, presence: Presence, clock: FakeClock
) -> None:
    """Docker with --network host (or compose `hostname:`): one host name in both containers, each
    its own pid namespace, where the other's pid is this one's or not running. (From the review.)"""
    other = other_process(app, host=socket.gethostname(), pid=os.getpid())  # it beat just now
    job_id = claimed_job(app, clock, other)
    presence.start()
    with app.db.transaction() as s:
        assert s.scalar(select(Process.id).where(Process.id == other)) == other  # still registered
    assert still_claimed_by(app, job_id, other)  # its live claim is not released


def test_a_process_whose_clock_is_20s_behind_is_not_taken_for_dead_while_it_beats(
    app: App, presence: Presence, clock: FakeClock, ticking: Ticking
) -> None:
    """`seen_at` is written by each host's own clock: one 20 s behind is alive as long as its
    heartbeat moves. (From the review.)"""
    other = other_process(app, seen_seconds_ago=20)  # its clock: 20 s behind ours; it beat just now
    job_id = claimed_job(app, clock, other)
    presence.start()
    for _ in range(10):  # 20 s of its beats every 2 s, as this process sees them
        ticking.sleep(2)
        clock.advance(seconds=2)
        with app.db.transaction() as s:
            processes.beat(s, other, clock() - timedelta(seconds=20))
        presence.beat()
    assert still_claimed_by(app, job_id, other)
    ticking.sleep(16)  # then it stops
    presence.beat()
    assert not still_claimed_by(app, job_id, other)

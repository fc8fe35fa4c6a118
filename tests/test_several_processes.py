"""Several `midway serve` processes on one PostgreSQL database.

Each "process" here is an app of its own (bootstrap: its own engine and pool, its own dispatcher,
channels and scheduler) on one database schema; the subprocess tests run real `midway serve`s."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select, text

from bot.bootstrap import App
from bot.dispatcher import Delivery, Inbound
from flows import Reply, Text
from storage import repo
from storage.models import Center, ChannelIdentity, InboundMessage, Person
from tests.conftest import FakeClock, make_app

pytestmark = pytest.mark.postgres


def at_once(count: int, work: Callable[[int], Any], timeout: float = 120) -> list[Any]:
    """`work(0)` … `work(count - 1)` in threads let go together; what each returned (or raised)."""
    start = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = work(i)
        except BaseException as error:  # noqa: BLE001 - the test reports it
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(t.is_alive() for t in threads), "stuck"
    return results


def test_two_processes_started_together_on_an_empty_database_both_come_up(
    pg_url: str,
    clock: FakeClock,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    apps = at_once(3, lambda i: make_app(pg_url, clock, tmp_path / str(i)))
    try:
        assert all(isinstance(a, App) for a in apps), apps
        with apps[0].db.transaction() as s:
            assert s.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
            slugs = s.scalars(select(Center.slug)).all()
        assert sorted(slugs) == sorted({c.slug for c in apps[0].program.centers})
    finally:
        for a in apps:
            if isinstance(a, App):
                a.db.dispose()


# ---- one new person at two processes at once -----------------------------------------------------
def two_apps(pg_url: str, clock: FakeClock, tmp_path) -> list[App]:  # type: ignore[no-untyped-def]
    return [make_app(pg_url, clock, tmp_path / name) for name in ("a", "b")]


def no_apology(delivery: Delivery | None) -> bool:
    keys = [p.key for r in (delivery.replies if delivery else ()) if isinstance(r, Reply) for p in r.parts]
    return delivery is not None and "common.apology" not in keys


@pytest.mark.parametrize("known_number", [False, True], ids=["new", "number-shared-on-telegram"])
def test_one_new_person_writing_to_two_processes_at_once_is_one_person_answered_twice(
    pg_url: str,
    clock: FakeClock,
    tmp_path,  # type: ignore[no-untyped-def]
    caplog: pytest.LogCaptureFixture,
    known_number: bool,
) -> None:
    apps = two_apps(pg_url, clock, tmp_path)
    try:
        rounds = 6
        for n in range(rounds):
            phone = f"+97250{n:07d}"
            if known_number:  # they shared this number on Telegram (the contact button) before
                with apps[0].db.transaction() as s:
                    person, _, _ = repo.find_or_create_person(s, "telegram", f"tg-{n}", "he", clock())
                    person.phone, person.phone_verified = phone, True
            inbounds = [
                Inbound("whatsapp", phone, Text("שלום"), message_id=f"SM{n}{i}", phone=phone)
                for i in range(2)
            ]
            results = at_once(2, lambda i, these=inbounds: apps[i].dispatcher.handle(these[i]))
            assert all(no_apology(r) for r in results), results
            with apps[0].db.transaction() as s:
                theirs = ChannelIdentity.external_id.in_([phone, f"tg-{n}"])
                ids = s.scalars(select(ChannelIdentity.person_id).where(theirs)).all()
                assert len(ids) == (2 if known_number else 1) and len(set(ids)) == 1
                stepped = select(InboundMessage.person_id).where(InboundMessage.channel == "whatsapp")
                assert set(s.scalars(stepped)) <= set(s.scalars(select(Person.id)))
        with apps[0].db.transaction() as s:
            assert s.scalar(select(func.count()).select_from(Person)) == rounds
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    finally:
        for a in apps:
            a.db.dispose()

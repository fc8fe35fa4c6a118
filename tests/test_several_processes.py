"""Several `midway serve` processes on one PostgreSQL database.

Each "process" here is an app of its own (bootstrap: its own engine and pool, its own dispatcher,
channels and scheduler) on one database schema; the subprocess tests run real `midway serve`s."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select, text

from bot.bootstrap import App
from storage.models import Center
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

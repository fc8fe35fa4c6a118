"""Shared fixtures: a hand-moved clock, the app bootstrapped on SQLite or PostgreSQL, and a guard
that fails any test trying to reach a host other than this machine."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import create_engine, make_url, text

from bot.bootstrap import App, bootstrap
from bot.settings import Settings
from tests.kit import START

PG_ADMIN_URL = os.environ.get("MIDWAY_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("MIDWAY_REQUIRE_POSTGRES") == "1" or os.environ.get("CI") == "true"
# why every PostgreSQL test skips (the address without a password, should the URL carry one)
NO_PG = f"PostgreSQL not reachable at {make_url(PG_ADMIN_URL).render_as_string(hide_password=True)}"


@dataclass
class FakeClock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


# ---- no network beyond this machine ----------------------------------------------------------
_real_connect = socket.socket.connect


def _local_only(self: socket.socket, address):  # type: ignore[no-untyped-def]
    host = address[0] if isinstance(address, tuple) else address
    local = ("localhost", "::1")
    if isinstance(host, str) and not (host.startswith(("127.", "/")) or host in local):
        raise AssertionError(f"test tried to reach {host}: tests may only talk to 127.0.0.1")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _local_only)


# ---- databases -------------------------------------------------------------------------------
def postgres_available() -> bool:
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL schema for one test (dropped afterwards)."""
    if not postgres_available():
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL is required here but unreachable at {PG_ADMIN_URL}")
        pytest.skip(NO_PG)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_ADMIN_URL else "?"
    yield f"{PG_ADMIN_URL}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say it plainly when the PostgreSQL tests did not run: they skip quietly, the run still passes,
    and among them are all the tests of simultaneous sign-ups and schedulers."""
    skipped = [r for r in terminalreporter.stats.get("skipped", [])
               if isinstance(r.longrepr, tuple) and NO_PG in str(r.longrepr[2])]
    if skipped:
        terminalreporter.write_sep("=", f"{len(skipped)} PostgreSQL tests skipped", yellow=True, bold=True)
        terminalreporter.write_line(
            f"{len(skipped)} tests (the concurrency tests among them) did not run: {NO_PG}. "
            "Start PostgreSQL to run them; MIDWAY_REQUIRE_POSTGRES=1 makes its absence a failure."
        )


@pytest.fixture
def sqlite_url(tmp_path) -> str:  # type: ignore[no-untyped-def]
    return f"sqlite:///{tmp_path / 'midway.sqlite3'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    """Runs the test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'midway.sqlite3'}"
    return request.getfixturevalue("pg_url")


def make_app(url: str, clock: FakeClock, tmp_path, **settings: str) -> App:  # type: ignore[no-untyped-def]
    base = Settings(database_url=url, data_dir=str(tmp_path))
    return bootstrap(Settings(**{**base.__dict__, **settings}), clock=clock)


@pytest.fixture
def app(sqlite_url: str, clock: FakeClock, tmp_path) -> Iterator[App]:  # type: ignore[no-untyped-def]
    application = make_app(sqlite_url, clock, tmp_path)
    yield application
    application.db.dispose()

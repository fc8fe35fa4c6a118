"""Shared fixtures: a hand-moved clock, the app bootstrapped on SQLite or PostgreSQL (with the fake
Telegram and Twilio servers when a module asks for them), the channel harnesses, a guard that fails
any test trying to reach a host other than this machine, and `--update-golden`.

One `app` fixture serves every module; a module (or a test) says what its app needs with a mark:

    pytestmark = pytest.mark.app(db="both", telegram=True, whatsapp=True, public_base_url=...)

`db`: "sqlite" (the default), "postgres", or "both" (every test runs once on each); `telegram` and
`whatsapp` point the app at the fake servers (`fake_telegram`, `fake_twilio`); other keywords are
settings. With `whatsapp`, the `templates` fixture (parametrize it) gives the Content templates:
True for the kit's set (tests/kit/whatsapp.py `TEMPLATES`), or the TOML text of a set of one's own.
"""

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
from bot.channels.telegram.sender import TelegramSender
from bot.scheduler import Scheduler
from bot.settings import Settings
from tests.fake_telegram import TOKEN, FakeTelegram
from tests.fake_twilio import FakeTwilio
from tests.kit import START
from tests.kit.telegram import TelegramBot
from tests.kit.whatsapp import TEMPLATES, WhatsAppHarness, whatsapp_settings

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
    skipped = [
        r
        for r in terminalreporter.stats.get("skipped", [])
        if isinstance(r.longrepr, tuple) and NO_PG in str(r.longrepr[2])
    ]
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


# ---- the app, as a module's mark asks -----------------------------------------------------------
APP_MARK = (
    "app(db='sqlite'|'postgres'|'both', telegram=False, whatsapp=False, **settings): what the `app` "
    "fixture builds for this module or test"
)
BOTH_DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", APP_MARK)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite tests/golden/*.txt from what the flows say now (review the diff)",
    )


def _app_mark(node: pytest.Item) -> dict[str, object]:
    merged: dict[str, object] = {}
    for mark in reversed(list(node.iter_markers("app"))):  # the closest (the test's own) wins
        merged.update(mark.kwargs)
    return merged


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`db="both"`: the test runs once on SQLite and once on PostgreSQL, unless it chose itself."""
    if "app" not in metafunc.fixturenames:
        return
    chosen = any("app" in str(m.args[0]) for m in metafunc.definition.iter_markers("parametrize"))
    if _app_mark(metafunc.definition).get("db") == "both" and not chosen:
        metafunc.parametrize("app", BOTH_DATABASES, indirect=True)


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilio]:
    with FakeTwilio() as server:
        yield server


@pytest.fixture
def templates() -> bool | str:
    """The WhatsApp Content templates: none (every choice a numbered list) unless parametrized."""
    return False


@pytest.fixture
def app(request: pytest.FixtureRequest, clock: FakeClock, tmp_path, templates: bool | str) -> Iterator[App]:  # type: ignore[no-untyped-def]
    mark = _app_mark(request.node)
    db = str(mark.pop("db", "sqlite"))
    db = str(getattr(request, "param", db))
    url = request.getfixturevalue("pg_url") if db == "postgres" else request.getfixturevalue("sqlite_url")
    settings: dict[str, str] = {}
    if mark.pop("telegram", False):
        fake = request.getfixturevalue("fake_telegram")
        settings |= {"telegram_token": TOKEN, "telegram_api_base_url": fake.url}
    if mark.pop("whatsapp", False):
        extra = {}
        if templates:
            path = tmp_path / "whatsapp.toml"
            path.write_text(TEMPLATES if templates is True else str(templates), encoding="utf-8")
            extra["whatsapp_templates"] = str(path)
        settings |= whatsapp_settings(request.getfixturevalue("fake_twilio"), **extra)
    application = make_app(url, clock, tmp_path, **settings, **{k: str(v) for k, v in mark.items()})
    yield application
    application.db.dispose()


@pytest.fixture
def telegram(app: App, fake_telegram: FakeTelegram) -> Iterator[TelegramBot]:
    """The real PTB application long-polling the fake Bot API, for an app marked `telegram=True`."""
    bot = TelegramBot(app, fake_telegram)
    yield bot
    bot.close()


@pytest.fixture
def worker(app: App, fake_telegram: FakeTelegram) -> Iterator[Scheduler]:
    """The durable scheduler sending through the Telegram sender to the fake Bot API."""
    sender = TelegramSender(TOKEN, app.catalogs, fake_telegram.url, per_second=0)
    yield Scheduler(app.db, app.program, app.catalogs, app.clock, {"telegram": sender})
    sender.close()


@pytest.fixture
def wa(app: App, fake_twilio: FakeTwilio) -> Iterator[WhatsAppHarness]:
    """The web app with the WhatsApp channel, for an app marked `whatsapp=True`."""
    harness = WhatsAppHarness(app, fake_twilio)
    yield harness
    harness.close()

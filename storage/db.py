"""Connecting to the database: a SQLite file by default, PostgreSQL when `DATABASE_URL` says so."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def database_url(env_url: str | None, data_dir: str | Path = "data") -> str:
    """`DATABASE_URL` as given (postgres:// spellings accepted), else a SQLite file in `data_dir`."""
    if env_url:
        if env_url.startswith("postgres://"):
            env_url = "postgresql://" + env_url.removeprefix("postgres://")
        if env_url.startswith("postgresql://"):
            env_url = "postgresql+psycopg://" + env_url.removeprefix("postgresql://")
        return env_url
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{Path(data_dir) / 'midway.sqlite3'}"


def _sqlite_writer_lock(engine: Engine, checkpoints_apart: Callable[[], bool], synchronous: str) -> None:
    """Every SQLite transaction takes the write lock at BEGIN (BEGIN IMMEDIATE).

    SQLite allows one writer; a transaction that reads and then writes could otherwise fail with
    "database is locked" halfway through a step. Waiting at BEGIN makes steps simply queue up.

    `synchronous`: NORMAL (the default) does not sync the log at each commit, only at checkpoints:
    a killed process loses nothing (the log is in the operating system's hands), a power cut or an
    operating-system crash may lose the last commits. FULL syncs every commit: ~0.7 ms under the one
    write lock, a quarter of the Telegram throughput on SQLite (bench/README.md).
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let us issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        if checkpoints_apart():  # `_Checkpointer` does it, off the write path
            cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class _Checkpointer:
    """Copies SQLite's write-ahead log into the database file every `seconds`, in a thread of its own
    (a PASSIVE checkpoint: it waits for no reader or writer, and no one waits for it).

    SQLite's default runs the checkpoint inside whichever commit finds the log past 1000 pages: that
    step then syncs the whole file while holding the one write lock, and every step behind it waits
    (tens of milliseconds now and then: the 99th percentile, bench/README.md "The outbox on the normal
    path"). If this thread is not running (the process ended) SQLite checkpoints when the last
    connection closes, or the next process does."""

    def __init__(self, engine: Engine, seconds: float = 1.0) -> None:
        self.engine, self.seconds = engine, seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.seconds):
            try:
                raw = self.engine.raw_connection()
                try:
                    raw.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)")  # type: ignore[union-attr]
                finally:
                    raw.close()
            except Exception as error:  # noqa: BLE001 - e.g. the file went away (a test's folder): try again
                log.debug("sqlite checkpoint failed: %s", type(error).__name__)

    def stop(self) -> None:
        self._stop.set()


SYNCHRONOUS = ("NORMAL", "FULL")


class Database:
    def __init__(self, url: str, echo: bool = False, sqlite_synchronous: str = "NORMAL") -> None:
        if sqlite_synchronous.upper() not in SYNCHRONOUS:
            raise ValueError(f"sqlite_synchronous must be NORMAL or FULL, not {sqlite_synchronous!r}")
        self.url = url
        # A failed statement's parameters (answers, names, phone numbers) would otherwise be part of
        # the exception's text, and the dispatcher logs that exception.
        options: dict[str, Any] = {"echo": echo, "hide_parameters": True}
        if url.startswith("sqlite"):
            options["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            options["pool_pre_ping"] = True
        self.engine = create_engine(url, **options)
        # SQLite has one writer at a time. Threads of this process queue on a lock of ours, which
        # wakes the next one at once, instead of in SQLite's busy handler, which polls with sleeps
        # of up to 100 ms (other processes on the same file still wait there).
        self._writer: AbstractContextManager[Any] = nullcontext()
        if self.engine.dialect.name == "sqlite":
            _sqlite_writer_lock(
                self.engine,
                lambda: getattr(self, "_checkpointer", None) is not None,
                sqlite_synchronous.upper(),
            )
            self._writer = threading.RLock()
        name = self.engine.url.database
        self._checkpoints = self.engine.dialect.name == "sqlite" and bool(name) and name != ":memory:"
        self._checkpointer: _Checkpointer | None = None  # `start_checkpoints`
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def folder(self) -> Path | None:
        """The folder of the SQLite file; None for a server (or in-memory) database."""
        name = self.engine.url.database
        if self.engine.dialect.name != "sqlite" or not name or name == ":memory:":
            return None
        return Path(name).resolve().parent

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: committed when the block ends, rolled back if it raises."""
        with self._writer, self.sessions() as session, session.begin():
            yield session

    def upgrade(self) -> None:
        """Bring the schema to the newest migration (Alembic `upgrade head`).

        On PostgreSQL under an advisory lock held until the migration commits: processes started
        together on an empty database migrate one after the other, and the second finds the schema
        up to date (without it, both create `alembic_version` and one fails on its key)."""
        from alembic import command

        with self.engine.begin() as connection:
            if self.is_postgres:
                connection.execute(_ADVISORY_LOCK, {"key": STARTUP_LOCK})
            config = alembic_config(self.url)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def start_checkpoints(self) -> None:
        """A long-running process (`midway run`/`serve`): SQLite's log is checkpointed by a thread of
        its own from now on (`_Checkpointer`); nothing for PostgreSQL or an in-memory database."""
        if self._checkpoints and self._checkpointer is None:
            self._checkpointer = _Checkpointer(self.engine)
            self.engine.dispose()  # connections made from now on leave the checkpoints to it

    def dispose(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None
        self._checkpoints = False
        self.engine.dispose()


# PostgreSQL advisory locks held until the transaction ends, by a key's 64-bit hash (PostgreSQL's own
# `hashtextextended`, so every process of every release agrees). Each use has its prefix.
_ADVISORY_LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")
STARTUP_LOCK = "midway:startup"  # migrations and the centers' sync at start-up


def exclusive(session: Session, key: str) -> None:
    """Hold `key` until this transaction ends; another transaction asking for it waits until then.

    PostgreSQL only: on SQLite every transaction already holds the one write lock from its BEGIN
    (`_sqlite_writer_lock`), so it is already exclusive."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_ADVISORY_LOCK, {"key": key})


def locked(session: Session, model: type[T], ident: Any) -> T | None:
    """The row, locked for this transaction (FOR UPDATE on PostgreSQL) and read afresh: an object the
    session already holds would otherwise keep the values it had before the lock was granted, and
    a check like "still open?" would pass for the second of two concurrent writers."""
    return session.get(model, ident, with_for_update=True, populate_existing=True)


def alembic_config(url: str):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config

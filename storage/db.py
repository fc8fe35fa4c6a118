"""Connecting to the database: a SQLite file by default, PostgreSQL when `DATABASE_URL` says so."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")

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


def _sqlite_writer_lock(engine: Engine) -> None:
    """Every SQLite transaction takes the write lock at BEGIN (BEGIN IMMEDIATE).

    SQLite allows one writer; a transaction that reads and then writes could otherwise fail with
    "database is locked" halfway through a step. Waiting at BEGIN makes steps simply queue up.
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let us issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    def __init__(self, url: str, echo: bool = False) -> None:
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
            _sqlite_writer_lock(self.engine)
            self._writer = threading.RLock()
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

    def dispose(self) -> None:
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

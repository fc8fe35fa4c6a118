"""A table that a later feature might add, for the tests that check person data reaches it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Column, Engine, ForeignKey, Integer, String, Table

from storage.models import Base


@contextmanager
def table_added_later(engine: Engine) -> Iterator[Table]:
    """`homework_notes`, with a person column under a name of its own (and no `ON DELETE CASCADE`
    to lean on: the database refuses to delete a person it still refers to); dropped afterwards."""
    table = Table(
        "homework_notes",
        Base.metadata,
        Column("id", Integer, primary_key=True),
        Column("participant_id", ForeignKey("people.id"), nullable=False),
        Column("note", String(40)),
    )
    table.create(engine)
    try:
        yield table
    finally:
        table.drop(engine)
        Base.metadata.remove(table)

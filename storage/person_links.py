"""Every column that refers to a person (a foreign key to `people.id`), found from the metadata, so
that erasing or merging a person (`repo.delete_person`, `repo.merge_people`) cannot leave out a
table added later.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, MetaData, UniqueConstraint

from storage.models import Base


def person_columns(metadata: MetaData = Base.metadata) -> list[Column[Any]]:
    """Table by table in the order the tables depend on one another: a table comes before the tables
    that refer to it (reverse it to delete children first)."""
    people = metadata.tables["people"]
    return [
        column
        for table in metadata.sorted_tables
        for column in table.columns
        if any(fk.references(people) for fk in column.foreign_keys)
    ]


def unlinks_on_delete(column: Column[Any]) -> bool:
    """Does the schema keep the row when its person goes (`ON DELETE SET NULL`), only unlinked?"""
    return any((fk.ondelete or "").upper() == "SET NULL" for fk in column.foreign_keys)


def one_per_person(metadata: MetaData = Base.metadata) -> set[str]:
    """The tables where a key holds the person (the primary key, or a unique one with other columns:
    one sign-up per event and person): two people's rows there may collide when they become one."""
    found = set()
    for column in person_columns(metadata):
        uniques = [c for c in column.table.constraints if isinstance(c, UniqueConstraint)]
        unique_indexes = [i for i in column.table.indexes if i.unique]
        if (
            column.primary_key
            or column.unique
            or any(column.name in c.columns for c in uniques)
            or any(column.name in i.columns for i in unique_indexes)
        ):
            found.add(column.table.name)
    return found

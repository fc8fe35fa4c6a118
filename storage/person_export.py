"""Everything stored about one person, as JSON values (`midway export person ID`): a privacy
request, and how staff check what a survey recorded.

Built from the metadata, as erasing is (`person_links.person_columns`): every table with a column
that refers to a person is in the export (answers, outcomes, sign-ups, meetings, homework, surveys,
employment periods, case events, message logs...), so a table added later is never left out. A
table appears even with no row of theirs (an empty list), so the export shows what was looked at.
Salary is included: it is the person's own data.
"""

from __future__ import annotations

import base64
import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, select
from sqlalchemy.orm import Session

from storage import person_links
from storage.models import Person


def _value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def _rows(session: Session, column: Column[Any], person_id: int) -> list[dict[str, Any]]:
    table = column.table
    order = list(table.primary_key.columns)
    found = session.execute(select(table).where(column == person_id).order_by(*order)).mappings()
    return [{name: _value(value) for name, value in row.items()} for row in found]


def export_person(session: Session, person_id: int) -> dict[str, Any]:
    """{"person": the people row, "tables": {table: [rows]}}; a table with two person columns is
    listed once per column ("table.column"). LookupError: no such person."""
    person = session.get(Person, person_id)
    if person is None:
        raise LookupError(f"no person {person_id}")
    people = Person.__table__
    columns = person_links.person_columns()
    tables: dict[str, list[dict[str, Any]]] = {}
    names = [c.table.name for c in columns]
    for column in columns:
        key = (
            column.table.name if names.count(column.table.name) == 1 else f"{column.table.name}.{column.name}"
        )
        tables[key] = _rows(session, column, person_id)
    row = session.execute(select(people).where(people.c.id == person_id)).mappings().one()
    return {"person": {k: _value(v) for k, v in row.items()}, "tables": tables}


def export_json(session: Session, person_id: int) -> str:
    return json.dumps(export_person(session, person_id), ensure_ascii=False, indent=2, sort_keys=True)

"""The staff commands of the employment history, the case and privacy: `midway participants
close|reopen|show` (salaries only for a role allowed to see them), `midway occupations
unclassified|assign`, and `midway export person` — everything stored about one person, from the
metadata, so that no person table is left out."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot import occupations_cli, participants_cli
from bot.bootstrap import App
from bot.cli import main
from flows.effects import SaveAnswer
from flows.employment import JobReport, Salary
from storage import employment, homework, person_links, repo
from storage import events as ev
from storage.models import Base, EmploymentPeriod, Person
from tests.events_kit import at, participant
from tests.kit.tables import table_added_later

pytestmark = pytest.mark.app(db="both")


def midway(app: App, *argv: str) -> int:
    """`midway participants|export|occupations …` on this app, parsed as the command line parses it."""
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command")
    participants_cli.add_parser(commands)
    occupations_cli.add_parser(commands)
    args = parser.parse_args(list(argv))
    module: Any = occupations_cli if args.command == "occupations" else participants_cli
    return int(module.run(app, args))


def worked(app: App, person_id: int, **fields: Any) -> None:
    given = JobReport(reported_on=date(2027, 2, 10), working=True, since=date(2027, 1, 1), **fields)
    with app.db.transaction() as s:
        employment.record_report(s, person_id, given, at(2027, 2, 10))


def test_close_and_reopen_from_the_command_line(app: App, capsys: pytest.CaptureFixture[str]) -> None:
    ruth = participant(app, "1")
    assert midway(app, "participants", "close", str(ruth), "--reason", "no_cooperation", "--by", "Dana") == 0
    assert capsys.readouterr().out == f"closed the case of person {ruth} (lack of cooperation)\n"
    assert midway(app, "participants", "show", str(ruth)) == 0
    assert "case closed since 2026-11-22, lack of cooperation" in capsys.readouterr().out
    assert midway(app, "participants", "close", str(ruth), "--reason", "other") == 1
    assert (
        capsys.readouterr().out == f"error: the case of person {ruth} is closed already (since 2026-11-22)\n"
    )
    assert midway(app, "participants", "reopen", str(ruth)) == 0
    assert capsys.readouterr().out == f"reopened the case of person {ruth}\n"


def test_close_without_a_reason_or_of_no_one_is_one_line(
    app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    ruth = participant(app, "1")
    assert midway(app, "participants", "close", str(ruth)) == 1
    assert (
        capsys.readouterr().out == "error: close needs --reason, one of: no_cooperation, moved_away, other\n"
    )
    assert midway(app, "participants", "reopen", "999") == 1
    assert capsys.readouterr().out == "error: no person 999\n"


def test_a_manager_sees_the_salary_and_a_promoter_only_the_job_percentage(
    app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    ruth = participant(app, "1")
    worked(app, ruth, occupation_code="4311", percent=60, salary=Salary(8000, 8000))
    assert midway(app, "participants", "show", str(ruth), "--as", "manager") == 0
    shown = capsys.readouterr().out
    assert "2027-01-01 – now  4311  60%  ₪8,000" in shown
    assert midway(app, "participants", "show", str(ruth)) == 0  # a promoter, by default
    shown = capsys.readouterr().out
    assert "60%" in shown and "8,000" not in shown and "₪" not in shown


def test_unclassified_occupations_are_listed_and_given_a_code(
    app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    ruth = participant(app, "1")
    worked(app, ruth, occupation_text="הנהלת חשבונות בבית")
    with app.db.transaction() as s:
        (period_id,) = [r.id for r in employment.unclassified(s)]
    assert midway(app, "occupations", "unclassified") == 0
    line = capsys.readouterr().out
    assert line.startswith(f"{period_id}  person {ruth}  since 2027-01-01  'הנהלת חשבונות בבית'")
    assert "best guess: 3313" in line
    assert midway(app, "occupations", "assign", str(period_id), "9999") == 1
    assert "not a code in the occupation list" in capsys.readouterr().out
    assert midway(app, "occupations", "assign", str(period_id + 100), "3313") == 1
    assert capsys.readouterr().out == f"error: no employment period {period_id + 100}\n"
    assert midway(app, "occupations", "assign", str(period_id), "3313") == 0
    assert capsys.readouterr().out.startswith(f"period {period_id} ('הנהלת חשבונות בבית') is now 3313")
    assert midway(app, "occupations", "unclassified") == 0
    assert capsys.readouterr().out == "no unclassified occupations\n"
    with app.db.transaction() as s:
        row = s.get(EmploymentPeriod, period_id)
        assert row is not None and (row.occupation_code, row.occupation_text) == (
            "3313",
            "הנהלת חשבונות בבית",
        )


def test_search_still_needs_no_database(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIDWAY_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert main(["occupations", "search", "נהג"]) == 0
    assert capsys.readouterr().out.startswith("8322")


def person_tables() -> set[str]:
    """Every table with a column that refers to `people.id`, read from the metadata here."""
    people = Base.metadata.tables["people"]
    return {
        table.name
        for table in Base.metadata.sorted_tables
        if any(fk.references(people) for column in table.columns for fk in column.foreign_keys)
    }


def test_the_export_holds_everything_about_the_person_and_nothing_of_others(
    app: App, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ruth, dan = participant(app, "1"), participant(app, "2")
    now = app.clock()
    with app.db.transaction() as s:
        event = ev.create_event(
            s,
            center="kfar-saba",
            kind="opening_workshop",
            titles={"he": "סדנה"},
            sessions=[ev.NewSession(at(2026, 12, 1))],
            capacity=5,
            now=now,
        )
        for who in (ruth, dan):
            person = s.get(Person, who)
            assert person is not None
            repo.apply_effects(s, person, [SaveAnswer("prescreen", "age", "58", 58)], now)
            ev.sign_up(s, who, event.id, now, app.program)
            ev.create_meeting(
                s,
                person_id=who,
                promoter="Dana",
                starts_at=at(2026, 11, 30),
                place="room 2",
                kind="personal",
                now=now,
                program=app.program,
            )
            homework.assign(
                s, person_id=who, kind="strengths", due=date(2026, 11, 29), now=now, program=app.program
            )
    worked(app, ruth, occupation_code="4311", percent=60, salary=Salary(8000, 9000))
    out = tmp_path / "ruth.json"
    assert midway(app, "export", "person", str(ruth), "--out", str(out)) == 0
    assert capsys.readouterr().out == f"wrote everything stored about person {ruth} to {out}\n"
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["person"]["id"] == ruth
    assert set(data["tables"]) == person_tables()  # a person table missing from the export fails here
    tables = data["tables"]
    for name in ("answers", "prescreen_outcomes", "signups", "meetings", "homework", "employment_periods"):
        assert tables[name], name
    every_row = [row for rows in tables.values() for row in rows]
    assert all(row.get("person_id", ruth) == ruth for row in every_row)
    (period,) = tables["employment_periods"]
    assert (period["starts_on"], period["percent"], period["salary_low"], period["salary_high"]) == (
        "2027-01-01",
        60,
        8000,
        9000,
    )  # salary included: it is the person's own data


def test_a_person_table_added_later_is_in_the_export(app: App) -> None:
    ruth = participant(app, "1")
    with table_added_later(app.db.engine) as table:
        with app.db.transaction() as s:
            s.execute(table.insert().values(participant_id=ruth, note="שלחה 3 קורות חיים"))
        with app.db.transaction() as s:
            from storage.person_export import export_person

            exported = export_person(s, ruth)
        assert exported["tables"]["homework_notes"] == [
            {"id": 1, "participant_id": ruth, "note": "שלחה 3 קורות חיים"}
        ]
        assert "homework_notes" in {c.table.name for c in person_links.person_columns()}


def test_export_of_no_one_is_one_line(app: App, capsys: pytest.CaptureFixture[str]) -> None:
    assert midway(app, "export", "person", "999") == 1
    assert capsys.readouterr().out == "error: no person 999\n"

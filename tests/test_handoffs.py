""""Talk to a person" reaches staff: the request appears in `midway handoffs list` (who, phone,
channel, center, where they were) with a "call them" task in `midway tasks list`; `midway handoffs
done` closes both, and closing the task closes the request; asking again makes no second one; the
list by center. The phone is staff-facing output, never in the logs at INFO. On SQLite and
PostgreSQL."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.bootstrap import App
from bot.events_cli import run_command
from bot.staff_cli import handoffs_command
from flows.effects import SetPhone
from storage import repo
from storage.models import HandoffRequest, Person, StaffTask
from tests.conftest import FakeClock, make_app
from tests.events_kit import Person_, participant

PHONE = "+972501234567"


@pytest.fixture
def app(db_url: str, clock: FakeClock, tmp_path: Path) -> Iterator[App]:
    application = make_app(db_url, clock, tmp_path)
    yield application
    application.db.dispose()


def cli(app: App, action: str, **values: Any) -> int:
    args = {"id": None, "center": None, "all": False, "note": None, "by": None, **values}
    return handoffs_command(app, argparse.Namespace(action=action, **args))


def tasks(app: App, action: str, **values: Any) -> int:
    args = {"id": None, "center": None, "all": False, **values}
    return run_command(app, argparse.Namespace(command="tasks", action=action, **args))


def with_phone(app: App, person_id: int, phone: str = PHONE) -> None:
    with app.db.transaction() as s:
        person = s.get(Person, person_id)
        assert person is not None
        repo.apply_effects(s, person, [SetPhone(phone)], app.clock())


def asks_for_a_person(app: App, external_id: str, lang: str = "he") -> Person_:
    """Opens the menu, then writes "talk to a person" in the middle of its question."""
    person = Person_(app, external_id, lang=lang)
    person.send({"he": "תפריט", "en": "menu"}[lang])
    person.send({"he": "נציג", "en": "human"}[lang])
    assert "handoff.ack" in person.said()
    return person


def requests(app: App) -> list[HandoffRequest]:
    with app.db.transaction() as s:
        found = list(s.scalars(select(HandoffRequest).order_by(HandoffRequest.id)))
        s.expunge_all()
        return found


def call_tasks(app: App) -> list[StaffTask]:
    with app.db.transaction() as s:
        found = list(s.scalars(select(StaffTask).order_by(StaffTask.id)))
        s.expunge_all()
        return found


# ---- the terminal ------------------------------------------------------------------------------
def test_the_request_appears_for_staff_with_who_where_and_how_to_reach_them(
    app: App, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    ronit = participant(app, "1001", name="רונית")
    with_phone(app, ronit)
    asks_for_a_person(app, "1001")

    [request] = requests(app)
    assert (request.person_id, request.status, request.flow, request.question) == (
        ronit, "open", "menu", "item")
    assert cli(app, "list") == 0
    [line] = capsys.readouterr().out.splitlines()
    assert line.startswith(
        f"#{request.id} 2026-11-22 10:00  person {ronit} רונית  {PHONE}  telegram  kfar-saba")
    assert line.endswith("at menu > item")

    # and the promoters' task list has it, to call them
    [task] = call_tasks(app)
    assert (task.person_id, task.kind, task.reason, task.reference, task.status) == (
        ronit, "call", "handoff", f"handoff:{request.id}", "open")
    assert tasks(app, "list") == 0
    assert f"person {ronit} רונית {PHONE} for the center: handoff" in capsys.readouterr().out

    # the phone and the name are staff-facing output only, never in the logs at INFO
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "1234567" not in logged and "רונית" not in logged
    assert f"handoff request {request.id} from person {ronit}" in logged


def test_done_closes_the_request_and_its_task_and_asking_again_makes_no_second_one(
    app: App, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    participant(app, "1001")
    asks_for_a_person(app, "1001")
    clock.advance(hours=1)
    asks_for_a_person(app, "1001")  # still waiting: one request, one task
    [request] = requests(app)
    assert len(call_tasks(app)) == 1

    assert cli(app, "done", id=request.id, note="called, she will come to the conference", by="Yossi") == 0
    assert "handled; its call task is done too" in capsys.readouterr().out
    [request] = requests(app)
    assert (request.status, request.closed_by, request.note) == (
        "done", "Yossi", "called, she will come to the conference")
    assert request.closed_at == clock.now
    assert [t.status for t in call_tasks(app)] == ["done"]
    assert cli(app, "list") == 0
    assert capsys.readouterr().out == "no open requests\n"
    assert cli(app, "list", all=True) == 0
    listed = capsys.readouterr().out
    assert "[done 2026-11-22 11:00 by Yossi: called, she will come to the conference]" in listed
    assert cli(app, "done", id=request.id) == 1  # once
    assert cli(app, "done") == 2


def test_marking_the_call_task_done_closes_the_request(app: App, capsys: pytest.CaptureFixture[str]) -> None:
    participant(app, "1001")
    asks_for_a_person(app, "1001")
    [task] = call_tasks(app)
    assert tasks(app, "done", id=task.id) == 0
    assert "its hand-off request is closed too" in capsys.readouterr().out
    assert [r.status for r in requests(app)] == ["done"]
    asks_for_a_person(app, "1001")  # a new request after the last was handled: a new task
    assert [r.status for r in requests(app)] == ["done", "open"]
    assert [t.status for t in call_tasks(app)] == ["done", "open"]


def test_the_list_by_center_shows_that_centers_requests_only(
    app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    kfar_saba = participant(app, "1001", name="רונית")
    modiin = participant(app, "1002", center="modiin", name="אמל")
    asks_for_a_person(app, "1001")
    asks_for_a_person(app, "1002")
    Person_(app, "1003").send("נציג")  # a newcomer, before the pre-screen placed them: no center
    assert cli(app, "list", center="modiin") == 0
    out = capsys.readouterr().out
    assert f"person {modiin} אמל" in out and f"person {kfar_saba}" not in out
    assert cli(app, "list") == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and "no phone  telegram  no center  at idle" in lines[2]

"""Homework on the database and the scheduler, on a fake clock: the participant told at once (in
allowed hours), the check-in on the due date, one reminder after the wait, then overdue with a "call
them" task for the promoter; a new date brings a new check-in; an overdue task blocks confirming the
next meeting when the program says so; deleting the person deletes their homework."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.bootstrap import App
from bot.program_config import DEFAULT_CONFIG
from flows.homework.effects import ReportHomework
from storage import homework, repo
from storage.models import Homework, Meeting, Person, StaffTask
from tests.conftest import FakeClock, make_app
from tests.events_kit import FakeSender, at, job_rows, local_times, meeting, participant, scheduler
from tests.kit.dispatcher import Person_, render

DUE = date(2026, 11, 26)  # a Thursday


def assign(
    app: App,
    person_id: int,
    due: date = DUE,
    kind: str = "cv_to_jobs",
    count: int | None = 5,
    text: str | None = None,
) -> int:
    with app.db.transaction() as s:
        return homework.assign(
            s,
            person_id=person_id,
            kind=kind,
            due=due,
            now=app.clock(),
            program=app.program,
            count=count,
            text=text,
            by="Dana",
        ).id


def row(app: App, homework_id: int) -> Homework:
    with app.db.transaction() as s:
        found = s.get(Homework, homework_id)
        assert found is not None
        return found


def overdue(app: App) -> list[int]:
    with app.db.transaction() as s:
        return [r.homework.id for r in homework.list_homework(s, overdue=True)]


def test_the_participant_is_told_at_once_and_asked_on_the_due_date_in_allowed_hours(
    app: App, clock: FakeClock
) -> None:
    ruth = participant(app, "1")
    task = assign(app, ruth)
    sender = FakeSender()
    worker = scheduler(app, sender)
    assert worker.run_until_idle().sent == 1
    told = sender.last_for(ruth)
    assert told.kind == "homework.assigned"
    text = render(app, "he", told.replies)
    assert "למצוא 5 משרות מתאימות ולשלוח קורות חיים לכל אחת" in text and "26 בנובמבר 2026" in text
    (checkin,) = job_rows(app, kind="homework_checkin")
    assert local_times([checkin]) == [datetime(2026, 11, 26, 10)]
    clock.now = at(2026, 11, 26, 9, 59)
    assert worker.run_until_idle().sent == 0
    clock.now = at(2026, 11, 26, 10)
    assert worker.run_until_idle().sent == 1
    asked = sender.last_for(ruth)
    assert asked.kind == "homework.checkin"
    assert "היום מגיע המועד של המשימה" in render(app, "he", asked.replies)
    assert row(app, task).status == "open"


def test_a_task_given_at_night_is_told_in_the_morning_and_one_due_on_shabbat_is_asked_after_it(
    app: App, clock: FakeClock
) -> None:
    ruth = participant(app, "1")
    clock.now = at(2026, 11, 22, 22, 30)
    assign(app, ruth, due=date(2026, 11, 28))  # a Saturday
    assert local_times(job_rows(app, kind="homework_assigned")) == [datetime(2026, 11, 23, 8)]
    assert local_times(job_rows(app, kind="homework_checkin")) == [datetime(2026, 11, 28, 20)]


def test_no_answer_brings_one_reminder_then_overdue_and_a_call_task_for_the_promoter(
    app: App, clock: FakeClock
) -> None:
    ruth = participant(app, "1")
    meeting(app, ruth, at(2026, 12, 3, 10), place="חדר 3")  # Dana is her promoter
    task = assign(app, ruth)
    sender = FakeSender()
    worker = scheduler(app, sender)
    clock.now = at(2026, 11, 26, 10)
    worker.run_until_idle()
    sent = len(sender.sent)
    clock.now = at(2026, 11, 27, 9, 59)
    worker.run_until_idle()
    assert len(sender.sent) == sent  # not before the program's reminder_after_hours
    clock.now = at(2026, 11, 27, 10)
    worker.run_until_idle()
    assert len(sender.sent) == sent + 1
    assert "תזכורת קטנה" in render(app, "he", sender.last_for(ruth).replies)
    assert overdue(app) == []
    clock.now = at(2026, 11, 28, 10)  # a day on, but Shabbat: the scheduler waits for allowed hours
    worker.run_until_idle()
    assert overdue(app) == []
    clock.now = at(2026, 11, 29, 8)  # overdue, and nothing more is sent to her
    worker.run_until_idle()
    assert len([m for r, m in sender.sent if m.kind.startswith(("homework", "timeout"))]) == 3
    assert overdue(app) == [task]
    with app.db.transaction() as s:
        (call,) = s.scalars(select(StaffTask).where(StaffTask.reason == "homework_unanswered"))
        assert (call.assignee, call.reference, call.status) == ("Dana", f"homework:{task}", "open")
    # her late answer clears it, and the call task with it
    ruth_chat = Person_(app, "1")
    ruth_chat.send("ביצעתי").send("אין הערה")
    assert "כל הכבוד" in ruth_chat.text()
    assert overdue(app) == [] and row(app, task).status == "done" and row(app, task).progress == 5
    with app.db.transaction() as s:
        assert s.scalar(select(StaffTask.status).where(StaffTask.reason == "homework_unanswered")) == "done"


def test_partly_with_a_new_date_brings_a_new_check_in_then(app: App, clock: FakeClock) -> None:
    ruth = participant(app, "1")
    task = assign(app, ruth)
    clock.now = at(2026, 11, 26, 11)
    with app.db.transaction() as s:
        person = s.get(Person, ruth)
        result = homework.report(
            s,
            person,
            task,
            ReportHomework(f"hw{task}", "partly", 2, date(2026, 12, 3), "רק שתיים"),
            clock.now,
            app.program,
        )
    assert result.status == "partly" and result.due == date(2026, 12, 3)
    found = row(app, task)
    assert (found.status, found.progress, found.due_on) == ("partly", 2, date(2026, 12, 3))
    assert found.note == "רק שתיים"
    pending = [r for r in job_rows(app, kind="homework_checkin") if r.state == "pending"]
    assert local_times(pending) == [datetime(2026, 12, 3, 10)]


@pytest.fixture
def strict_app(sqlite_url: str, clock: FakeClock, tmp_path: Path) -> Iterator[App]:
    """The program with `open_tasks_block_booking = true`."""
    config = tmp_path / "program.toml"
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    config.write_text(
        text.replace("open_tasks_block_booking = false", "open_tasks_block_booking = true"), encoding="utf-8"
    )
    application = make_app(sqlite_url, clock, tmp_path, program_config=str(config))
    assert application.program.scheduling.meetings.open_tasks_block_booking
    yield application
    application.db.dispose()


def confirm_meeting(person: Person_) -> str:
    person.send("תפריט").click("ההרשמות והפגישות שלי").click("פגישה אישית").click("כן, אגיע")
    return person.text()


def test_an_overdue_task_blocks_confirming_the_next_meeting_until_it_is_told(
    strict_app: App, clock: FakeClock
) -> None:
    app = strict_app
    ruth = participant(app, "1")
    upcoming = meeting(app, ruth, at(2026, 12, 3, 10), place="חדר 3")
    task = assign(app, ruth)
    with app.db.transaction() as s:
        homework.mark_unanswered(s, s.get(Person, ruth), task, clock.now)  # the reminder went unanswered
    ruth_chat = Person_(app, "1")
    said = confirm_meeting(ruth_chat)
    assert "עוד לא אפשר לאשר את הפגישה הבאה" in said and "המשימות שלי" in said
    with app.db.transaction() as s:
        assert s.get(Meeting, upcoming).status == "scheduled"
    ruth_chat.send("תפריט").click("המשימות שלי").click("⏰").click("ביצעתי חלק").send("2").send("1.12")
    ruth_chat.click("אין הערה")
    assert "נשאל שוב" in ruth_chat.text()
    assert "הפגישה מאושרת" in confirm_meeting(ruth_chat)
    with app.db.transaction() as s:
        assert s.get(Meeting, upcoming).status == "confirmed"


def test_without_the_rule_an_overdue_task_does_not_block_the_meeting(app: App, clock: FakeClock) -> None:
    ruth = participant(app, "1")
    meeting(app, ruth, at(2026, 12, 3, 10), place="חדר 3")
    task = assign(app, ruth)
    with app.db.transaction() as s:
        homework.mark_unanswered(s, s.get(Person, ruth), task, clock.now)
    assert "הפגישה מאושרת" in confirm_meeting(Person_(app, "1"))


def test_deleting_the_person_deletes_their_homework(db_url: str, clock: FakeClock, tmp_path: Path) -> None:
    app = make_app(db_url, clock, tmp_path)
    try:
        ruth = participant(app, "1")
        assign(app, ruth)
        assign(app, ruth, kind="free", count=None, text="לעדכן את הפרופיל בלינקדאין")
        with app.db.transaction() as s:
            repo.delete_person(s, ruth)
        with app.db.transaction() as s:
            assert s.scalar(select(func.count()).select_from(Homework)) == 0
    finally:
        app.db.dispose()


def test_wrong_assignments_are_refused_in_one_line(app: App, clock: FakeClock) -> None:
    ruth = participant(app, "1")
    with pytest.raises(ValueError, match="needs how many"):
        assign(app, ruth, count=None)
    with pytest.raises(ValueError, match="needs its words"):
        assign(app, ruth, kind="free", count=None)
    with pytest.raises(ValueError, match="has passed"):
        assign(app, ruth, due=date(2026, 11, 21))
    with pytest.raises(LookupError, match="no person"):
        assign(app, 999)

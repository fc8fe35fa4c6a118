"""After a meeting, in the staff chat, on the database: the promoter marks the meeting attended and
gives the next task there; it is the row `midway homework assign` makes (the participant told at
once, by the scheduler, in allowed hours; the check-in on its due date). The shell checks the role
and the meeting's center again."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.bootstrap import App
from flows.homework.effects import AssignHomework, MarkAttendance
from storage import events as ev
from storage import homework_next, repo, staff
from storage.effects import Applying
from storage.models import Homework, Meeting
from tests.conftest import FakeClock, make_app
from tests.events_kit import FakeSender, at, participant, scheduler
from tests.kit.dispatcher import Person_, render


def promoter(app: App, external_id: str = "555", role: str = "promoter", center: str = "kfar-saba") -> int:
    with app.db.transaction() as s:
        return staff.make_staff(s, "telegram", external_id, role, center, app.clock(), name="Dana").id


def meeting(app: App, person_id: int, starts: datetime, clock: FakeClock) -> int:
    now = clock.now
    clock.now = starts - timedelta(days=2)  # scheduled ahead, as promoters do
    with app.db.transaction() as s:
        found = ev.create_meeting(
            s,
            person_id=person_id,
            promoter="Dana",
            starts_at=starts,
            place="חדר 3",
            kind="personal",
            now=clock.now,
            program=app.program,
        ).id
    clock.now = now
    return found


def test_attendance_then_the_next_task_from_the_staff_chat_is_the_clis_task(
    app: App, clock: FakeClock
) -> None:
    ruth = participant(app, "701", name="רות")
    other = participant(app, "702", name="עמל", center="modiin")
    promoter(app)
    clock.now = at(2026, 11, 24, 10, 30)  # a Tuesday, half an hour into the meeting
    mine = meeting(app, ruth, at(2026, 11, 24, 10), clock)
    meeting(app, other, at(2026, 11, 24, 9), clock)  # another center's: never listed

    dana = Person_(app, "555")
    dana.send("/staff").click("נוכחות ומשימה")
    assert dana.buttons()[:-1] == ["רות – יום שלישי, 24 בנובמבר 2026, 10:00"]
    dana.click("רות").click("הגעה")
    assert "נרשם: רות – הגעה לפגישה." in dana.text() and "המשימה הבאה של רות" in dana.text()
    dana.click("לשלוח קורות חיים").send("5").click("בעוד שבוע")
    assert "למצוא 5 משרות מתאימות" in dana.text() and "עד יום שלישי, 1 בדצמבר 2026" in dana.text()
    dana.click("לשלוח את המשימה")
    assert "המשימה נשמרה ונשלחת אל רות" in dana.text()
    assert "תפריט הצוות" in dana.text()  # back to what staff can do

    with app.db.transaction() as s:
        marked = s.get(Meeting, mine)
        assert marked is not None and marked.status == "attended"
        (task,) = s.scalars(select(Homework)).all()
        assert (task.person_id, task.kind, task.target_count, task.due_on, task.assigned_by) == (
            ruth,
            "cv_to_jobs",
            5,
            date(2026, 12, 1),
            "Dana",
        )
    sender = FakeSender()
    assert scheduler(app, sender).run_until_idle().sent == 1  # told at once
    assert "משימה עד הפגישה הבאה" in render(app, "he", sender.last_for(ruth).replies)


def test_the_shell_checks_the_role_and_the_meetings_center_again(
    db_url: str, clock: FakeClock, tmp_path: Path
) -> None:
    app = make_app(db_url, clock, tmp_path)  # on SQLite and PostgreSQL
    ruth = participant(app, "701", name="רות")
    amal = participant(app, "702", name="עמל", center="modiin")
    staff_ids = {"555": promoter(app, "555"), "556": promoter(app, "556", role="router")}
    clock.now = at(2026, 11, 24, 10, 30)
    mine = meeting(app, ruth, at(2026, 11, 24, 10), clock)
    theirs = meeting(app, amal, at(2026, 11, 24, 9), clock)
    later = meeting(app, ruth, at(2026, 11, 24, 16), clock)
    task = AssignHomework(f"m{mine}", "which_job", date(2026, 12, 1))

    def apply(external_id: str, effect: object) -> tuple[str, str]:
        with app.db.transaction() as s:
            person = repo.find_person(s, staff_ids[external_id])
            assert person is not None
            handler = homework_next.HANDLERS[type(effect)]
            result = handler(Applying(s, person, clock.now, app.program, "he"), effect)
            return result.action, result.status

    with app.db.transaction() as s:
        facts = repo.person_facts(s, repo.find_person(s, staff_ids["555"]), "telegram", None)  # type: ignore[arg-type]
        listed = homework_next.load_staff_meetings(s, staff_ids["555"], facts, "he", clock.now, app.program)
    assert [m.ref for m in listed["staff_meeting_list"]] == [f"m{mine}"]  # begun, of the center
    assert apply("556", task) == ("homework", "not_allowed")  # a router: not by default
    assert apply("555", AssignHomework(f"m{theirs}", "which_job", date(2026, 12, 1))) == (
        "homework",
        "unavailable",
    )
    assert apply("555", MarkAttendance(f"m{later}", "attended")) == ("attendance", "unavailable")  # not begun
    assert apply("555", AssignHomework(f"m{mine}", "cv_to_jobs", date(2026, 12, 1))) == (
        "homework",
        "invalid",
    )
    assert apply("555", task) == ("homework", "done")
    with app.db.transaction() as s:
        assert [h.kind for h in s.scalars(select(Homework))] == ["which_job"]  # the refused one left nothing

"""The survey on the database and the scheduler, on a fake clock: each person's day spread over the
quarter (the same every quarter), the daily cap per center, the invitation at the same Israel hour
across a daylight-saving change, the daily planning job, one reminder, then a "call them" task, then
expiry with the answers so far kept; "stop" stops surveys and the promoter calls instead, once a
quarter; the answers become a JobReport stored with the survey; "I found a job!" tells the promoter;
`midway survey send|status`."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.bootstrap import App
from flows.effects import SetOptOut
from flows.employment import JobReport
from flows.program import Program
from flows.survey import INVITE_KIND
from flows.survey.effects import AnswerSurvey
from storage import cases, employment, repo, survey
from storage.models import Person, StaffTask, Survey
from tests.conftest import FakeClock
from tests.events_kit import FakeSender, at, job_rows, local_times, participant, scheduler
from tests.kit.dispatcher import Person_, render


def midway(app: App, *argv: str) -> int:
    """`midway survey …` on this app (its clock), parsed as the command line parses it."""
    import argparse

    from bot import survey_cli

    parser = argparse.ArgumentParser()
    survey_cli.add_parser(parser.add_subparsers(dest="command"))
    return survey_cli.run(app, parser.parse_args(list(argv)))


UTC_HOUR = {"winter": 8, "summer": 7}  # 10:00 in Israel: UTC+2 in winter, UTC+3 in summer


def capped(app: App, cap: int) -> Program:
    settings = dataclasses.replace(app.program.scheduling.survey, daily_cap=cap)
    return dataclasses.replace(
        app.program, scheduling=dataclasses.replace(app.program.scheduling, survey=settings)
    )


def surveys(app: App, **where: object) -> list[Survey]:
    with app.db.transaction() as s:
        query = select(Survey).order_by(Survey.id)
        for name, value in where.items():
            query = query.where(getattr(Survey, name) == value)
        return list(s.scalars(query))


def plan(app: App, program: Program | None = None, center: str | None = None) -> list[int]:
    with app.db.transaction() as s:
        return [m.person_id for m in survey.plan_day(s, app.clock(), program or app.program, center)]


def tasks(app: App, reason: str) -> list[StaffTask]:
    with app.db.transaction() as s:
        return list(s.scalars(select(StaffTask).where(StaffTask.reason == reason)))


def test_each_persons_day_is_spread_over_the_quarter_and_the_same_every_quarter(
    app: App, clock: FakeClock
) -> None:
    clock.now = at(2026, 12, 31, 12)
    people = [participant(app, str(i)) for i in range(40)]
    settings = app.program.scheduling.survey
    start, end = survey.period_of(date(2027, 1, 10), 3)
    assert (start, end) == (date(2027, 1, 1), date(2027, 4, 1))
    days = {p: survey.due_day(p, start, end, settings) for p in people}
    assert all(start <= d < end - timedelta(days=settings.expire_after_days) for d in days.values())
    assert len(set(days.values())) >= 25  # spread, not everyone on the first
    assert max(Counter(days.values()).values()) <= 4
    # day by day through the quarter: each asked once, on their own day
    asked: dict[int, date] = {}
    day = start
    while day < end:
        clock.now = at(day.year, day.month, day.day, 9)
        for person in plan(app):
            assert person not in asked
            asked[person] = day
        day += timedelta(days=1)
    assert asked == days
    # the next quarter (a day longer), the same place in it
    start2, end2 = survey.period_of(date(2027, 4, 1), 3)
    assert all(
        0 <= (survey.due_day(p, start2, end2, settings) - start2).days - (d - start).days <= 1
        for p, d in days.items()
    )


@pytest.mark.app(db="both")
def test_at_most_the_daily_cap_a_day_per_center_the_earliest_days_first(app: App, clock: FakeClock) -> None:
    clock.now = at(2026, 9, 20, 9)  # they joined before this quarter
    kfar_saba = [participant(app, f"k{i}") for i in range(7)]
    modiin = [participant(app, f"m{i}", center="modiin") for i in range(2)]
    clock.now = at(2026, 12, 20, 9)  # every day of this quarter that can be has come
    program = capped(app, 3)
    first = plan(app, program)
    assert len(set(first) & set(kfar_saba)) == 3 and set(modiin) <= set(first)
    settings = program.scheduling.survey
    start, end = survey.period_of(date(2026, 12, 20), 3)
    by_day = sorted(kfar_saba, key=lambda p: (survey.due_day(p, start, end, settings), p))
    assert set(first) & set(kfar_saba) == set(by_day[:3])
    assert plan(app, program) == []  # the cap holds all day, whoever asks again
    clock.now = at(2026, 12, 21, 9)
    assert set(plan(app, program)) == set(by_day[3:6])
    clock.now = at(2026, 12, 22, 9)
    assert plan(app, program) == by_day[6:]
    assert len(surveys(app)) == 9


def test_someone_who_joins_after_their_day_is_first_asked_the_next_quarter(
    app: App, clock: FakeClock
) -> None:
    clock.now = at(2026, 12, 20, 9)  # every day of this quarter that can be has passed
    ruth = participant(app, "1")
    assert plan(app) == []
    start, end = survey.period_of(date(2027, 1, 1), 3)
    day = survey.due_day(ruth, start, end, app.program.scheduling.survey)
    clock.now = at(day.year, day.month, day.day, 9)
    assert plan(app) == [ruth]


def test_a_closed_case_is_asked_only_while_placed_and_for_24_months(app: App, clock: FakeClock) -> None:
    clock.now = at(2025, 1, 5, 9)
    placed, unplaced = participant(app, "1"), participant(app, "2")
    clock.now = at(2025, 3, 1, 9)
    with app.db.transaction() as s:
        made = survey.send_now(s, placed, clock.now, app.program)
        report = JobReport(reported_on=date(2025, 3, 1), working=True, since=date(2025, 2, 1))
        survey.answer(
            s, s.get(Person, placed), AnswerSurvey(f"sv{made.id}", report, {}), clock.now, app.program
        )
    with app.db.transaction() as s:
        # the answer became an employment period (storage/employment), which placed them
        assert [p.start for p in employment.periods_of(s, placed)] == [date(2025, 2, 1)]
        for who in (placed, unplaced):  # both cases closed by their promoter
            cases.close_case(s, who, "moved_away", clock.now, app.program)
    with app.db.transaction() as s:
        assert cases.survey_eligible(s, placed, date(2027, 2, 1), app.program)  # 24 months on
        assert not cases.survey_eligible(s, placed, date(2027, 2, 2), app.program)
        assert not cases.survey_eligible(s, unplaced, date(2025, 6, 1), app.program)


def test_the_invitation_keeps_its_israel_hour_across_the_change_to_summer_time(
    app: App, clock: FakeClock
) -> None:
    # Israel moves to summer time on Friday 26 March 2027
    clock.now = at(2026, 12, 1, 9)
    winter = participant(app, "w")
    summer = participant(app, "s", center="modiin")
    clock.now = at(2027, 3, 25, 9)
    assert plan(app, center="kfar-saba") == [winter]
    clock.now = at(2027, 3, 29, 9)
    assert plan(app, center="modiin") == [summer]
    rows = {r.person_id: r for r in job_rows(app, kind=INVITE_KIND)}
    assert local_times([rows[winter], rows[summer]]) == [datetime(2027, 3, 25, 10), datetime(2027, 3, 29, 10)]
    assert rows[winter].due_at.hour == UTC_HOUR["winter"] and rows[summer].due_at.hour == UTC_HOUR["summer"]


def test_one_sent_at_night_goes_in_the_morning(app: App, clock: FakeClock) -> None:
    ruth = participant(app, "1")
    clock.now = at(2026, 11, 23, 22, 30)
    assert midway(app, "survey", "send", "--person", str(ruth)) == 0
    assert local_times(job_rows(app, kind=INVITE_KIND)) == [datetime(2026, 11, 24, 8)]


def test_the_planning_job_runs_every_morning_and_plans_the_next(app: App, clock: FakeClock) -> None:
    clock.now = at(2026, 12, 31, 12)
    ruth = participant(app, "1")
    clock.now = at(2027, 1, 1, 7)
    worker = scheduler(app, FakeSender())
    worker.queue_recurring()
    worker.queue_recurring()  # a second start queues nothing more
    (first,) = [r for r in job_rows(app, kind=survey.PLAN_KIND) if r.state == "pending"]
    assert local_times([first]) == [datetime(2027, 1, 1, 9)]
    start, end = survey.period_of(date(2027, 1, 1), 3)
    day = survey.due_day(ruth, start, end, app.program.scheduling.survey)
    moment = at(2027, 1, 1, 9)
    while moment.date() <= day:
        clock.now = moment
        worker.run_until_idle()
        moment += timedelta(days=1)
    (row,) = surveys(app, person_id=ruth)
    assert row.due_on == day and row.status == "invited"
    pending = [r for r in job_rows(app, kind=survey.PLAN_KIND) if r.state == "pending"]
    assert local_times(pending) == [
        datetime.combine(day + timedelta(days=1), datetime.min.time()).replace(hour=9)
    ]


def test_no_answer_one_reminder_then_a_call_task_then_it_expires(app: App, clock: FakeClock) -> None:
    ruth = participant(app, "1")
    with app.db.transaction() as s:
        made = survey.send_now(s, ruth, clock.now, app.program).id
    sender = FakeSender()
    worker = scheduler(app, sender)
    assert worker.run_until_idle().sent == 1
    invited = sender.last_for(ruth)
    assert invited.kind == "survey.invite"
    assert "למה אנחנו שואלים" in render(app, "he", invited.replies)
    clock.advance(days=3)
    worker.run_until_idle()
    reminder = sender.last_for(ruth)
    assert reminder.kind == "timeout.survey" and "תזכורת קטנה" in render(app, "he", reminder.replies)
    assert surveys(app)[0].reminded_at is not None and tasks(app, "survey_unanswered") == []
    clock.advance(days=4)
    worker.run_until_idle()
    assert len(sender.sent) == 2  # nothing more is said to her
    (call,) = tasks(app, "survey_unanswered")
    assert (call.reference, call.status) == (f"survey:{made}", "open")
    assert surveys(app)[0].escalated_at is not None and surveys(app)[0].status == "invited"
    clock.advance(days=14, minutes=1)
    assert midway(app, "survey", "status") == 0
    assert surveys(app)[0].status == "expired"


def test_left_halfway_it_expires_with_the_answers_so_far(app: App, clock: FakeClock) -> None:
    ruth = participant(app, "1")
    with app.db.transaction() as s:
        survey.send_now(s, ruth, clock.now, app.program)
    worker = scheduler(app, FakeSender())
    worker.run_until_idle()
    chat = Person_(app, "1")
    chat.send("בואו נתחיל").click("כן, בעבודה").send("2/2026")
    assert "במה אתם עובדים" in chat.text()
    clock.advance(days=21, minutes=1)
    worker.run_until_idle()
    (row,) = surveys(app)
    assert row.status == "expired" and row.answers == {"working": "yes", "since": "2026-02-01"}
    assert row.report is None


@pytest.mark.app(db="both")
def test_a_complete_survey_stores_its_job_report_and_closes_the_call_task(app: App, clock: FakeClock) -> None:
    ruth = participant(app, "1")
    with app.db.transaction() as s:
        made = survey.send_now(s, ruth, clock.now, app.program).id
    worker = scheduler(app, FakeSender())
    worker.run_until_idle()
    clock.advance(days=3, minutes=1)
    worker.run_until_idle()
    clock.advance(days=4, minutes=1)
    worker.run_until_idle()
    assert [t.status for t in tasks(app, "survey_unanswered")] == ["open"]
    chat = Person_(app, "1")
    chat.send("בואו נתחיל").click("כן, בעבודה").send("10/2026").send("נהג משאית")
    chat.press(_first_payload(chat)).click("חצי משרה").click("מעדיפים לא לומר").click("בעצמי")
    assert "תודה רבה" in chat.text()
    (row,) = surveys(app)
    assert row.status == "answered" and row.id == made
    assert row.report is not None
    report = survey.report_from_json(row.report)
    assert report.working and report.since == date(2026, 10, 1) and report.percent == 50
    assert report.salary is None and report.found_via == "self" and report.survey_id == made
    assert report.occupation_code is not None and report.occupation_text == "נהג משאית"
    assert [t.status for t in tasks(app, "survey_unanswered")] == ["done"]
    # the next survey asks whether it is the same job
    with app.db.transaction() as s:
        data = survey.proactive_data(
            s, INVITE_KIND, {"survey": survey.send_now(s, ruth, clock.now, app.program).id}, "he", clock.now
        )
    assert data is not None and data["last_job"]


def _first_payload(chat: Person_) -> str:
    assert chat.last is not None
    for reply in reversed(chat.last.replies):
        if getattr(reply, "choices", None):
            return str(reply.choices[0].payload)
    raise AssertionError("no buttons")


@pytest.mark.app(db="both")
def test_stop_stops_surveys_and_the_promoter_calls_instead_once_a_quarter(app: App, clock: FakeClock) -> None:
    clock.now = at(2026, 9, 20, 9)
    ruth = participant(app, "1")
    with app.db.transaction() as s:
        repo.apply_effects(s, s.get(Person, ruth), [SetOptOut(True)], clock.now)
    clock.now = at(2026, 12, 20, 9)
    assert plan(app) == [ruth]
    (row,) = surveys(app)
    assert row.status == "opted_out"
    assert job_rows(app, kind=INVITE_KIND) == []
    assert len(tasks(app, "survey_opted_out")) == 1
    clock.now = at(2026, 12, 21, 9)
    assert plan(app) == []
    assert len(tasks(app, "survey_opted_out")) == 1
    clock.now = at(2027, 3, 20, 9)  # the next quarter: once more
    assert plan(app) == [ruth]
    assert len(tasks(app, "survey_opted_out")) == 2


def test_stop_after_the_invitation_was_queued_makes_a_call_task_instead(app: App, clock: FakeClock) -> None:
    ruth = participant(app, "1")
    with app.db.transaction() as s:
        survey.send_now(s, ruth, clock.now, app.program)
        repo.apply_effects(s, s.get(Person, ruth), [SetOptOut(True)], clock.now)
    sender = FakeSender()
    scheduler(app, sender).run_until_idle()
    assert sender.sent == []
    (call,) = tasks(app, "survey_invite:opted_out")
    assert call.person_id == ruth
    with app.db.transaction() as s, pytest.raises(ValueError, match='wrote "stop"'):
        survey.send_now(s, ruth, clock.now, app.program)


def test_i_found_a_job_is_stored_and_tells_the_promoter(app: App, clock: FakeClock) -> None:
    participant(app, "1")
    chat = Person_(app, "1")
    chat.send("תפריט").click("מצאתי עבודה")
    assert "מזל טוב" in chat.text()
    chat.click("החודש").send("מנהלת חשבונות").click("אף אחד מאלה").click("משרה מלאה").send("9000")
    chat.click("דרך התוכנית")
    assert "סיפרנו למי שמלווה אתכם בתוכנית" in chat.text()
    (row,) = surveys(app)
    assert (row.source, row.status) == ("found_job", "answered")
    report = survey.report_from_json(row.report or {})
    assert report.found_via == "program" and report.salary is not None and report.salary.low == 9000
    (told,) = tasks(app, "survey_found_job")
    assert told.reference == f"survey:{row.id}"


def test_the_commands_send_and_report_in_one_line(
    app: App, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    clock.now = at(2026, 9, 20, 9)
    ruth = participant(app, "1")
    dana = participant(app, "2", center="modiin")
    clock.now = at(2026, 12, 20, 9)
    assert midway(app, "survey", "send", "--center", "kfar-saba") == 0
    assert f"for person {ruth}: invited now" in capsys.readouterr().out
    assert midway(app, "survey", "send", "--person", str(ruth)) == 1
    assert capsys.readouterr().out.strip() == f"error: person {ruth} has an open survey already (#1)"
    assert midway(app, "survey", "send", "--person", str(dana)) == 0
    assert midway(app, "survey", "send", "--person", "999") == 1
    assert capsys.readouterr().out.splitlines()[-1] == "error: no person 999"
    assert midway(app, "survey", "send", "--center", "nowhere") == 2
    assert midway(app, "survey", "send") == 1
    assert midway(app, "survey", "status", "--center", "kfar-saba") == 0
    out = capsys.readouterr().out
    assert (
        "1 survey: 0 answered, 1 waiting" in out and "modiin" not in out.split("error")[-1].split("\n", 1)[-1]
    )


def _turned_away(app: App, external_id: str) -> int:
    """Someone the pre-screen did not accept (not a participant)."""
    from flows.effects import RecordOutcome, UpdateProfile

    with app.db.transaction() as s:
        person, _, _ = repo.find_or_create_person(s, "telegram", external_id, "he", app.clock())
        repo.apply_effects(
            s,
            person,
            [
                UpdateProfile({"display_name": "יוסי", "center": "kfar-saba"}),
                RecordOutcome("not_eligible", "kfar-saba"),
            ],
            app.clock(),
        )
        return person.id


def test_only_participants_get_the_survey_by_hand_or_from_the_planner(
    app: App, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.events_kit import borderline, decide

    clock.now = at(2026, 9, 20, 9)
    ruth = participant(app, "1")
    yossi = _turned_away(app, "2")
    dana, decision = borderline(app, "3")  # the center manager has not decided yet
    rina, rejected = borderline(app, "4")
    assert decide(app, rejected, "reject") == 0
    avi, approved = borderline(app, "5")
    assert decide(app, approved, "approve") == 0
    capsys.readouterr()
    clock.now = at(2026, 12, 20, 9)
    for someone in (yossi, dana, rina):
        assert midway(app, "survey", "send", "--person", str(someone)) == 1
        (line,) = capsys.readouterr().out.splitlines()
        assert (
            line
            == f"error: person {someone} is not a participant of the program: the survey is for participants"
        )
    assert not surveys(app)
    assert sorted(plan(app)) == sorted([ruth, avi])  # the planner picks the participants only
    assert midway(app, "survey", "send", "--person", str(avi)) == 1  # planned already: open
    assert "open survey already" in capsys.readouterr().out


def test_the_status_totals_count_each_survey_once(
    app: App, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    clock.now = at(2026, 9, 20, 9)
    people = [participant(app, str(i)) for i in range(3)]
    clock.now = at(2026, 12, 20, 9)
    for someone in people:
        assert midway(app, "survey", "send", "--person", str(someone)) == 0
    with app.db.transaction() as s:
        answered, reminded, _ = s.scalars(select(Survey).order_by(Survey.id))
        answered.reminded_at = reminded.reminded_at = clock.now  # one answered after its reminder
        answered.status, answered.answered_at = survey.ANSWERED, clock.now + timedelta(days=1)
    capsys.readouterr()
    assert midway(app, "survey", "status") == 0
    last = capsys.readouterr().out.splitlines()[-1]
    assert last == (
        "3 surveys: 1 answered, 2 waiting, 0 expired, 0 opted out; "
        "of them reminded: 2, escalated to a call task: 0"
    )


@pytest.mark.app(db="both")
def test_same_job_as_last_time_extends_the_period_on_record(app: App, clock: FakeClock) -> None:
    clock.now = at(2026, 10, 20, 9)
    ruth = participant(app, "1")
    worker = scheduler(app, FakeSender())
    chat = Person_(app, "1")
    with app.db.transaction() as s:
        survey.send_now(s, ruth, clock.now, app.program)
    worker.run_until_idle()
    chat.send("בואו נתחיל").click("כן, בעבודה").send("9/2026").send("נהג משאית")
    chat.press(_first_payload(chat)).click("חצי משרה").send("7 000").click("בעצמי")
    with app.db.transaction() as s:
        (first,) = employment.periods_of(s, ruth)
    assert first.start == date(2026, 9, 1) and first.percent == 50
    clock.now = at(2027, 1, 20, 9)  # the next quarter
    with app.db.transaction() as s:
        survey.send_now(s, ruth, clock.now, app.program)
    worker.run_until_idle()
    chat.send("בואו נתחיל").click("כן, בעבודה")
    assert "אותה עבודה" in chat.text() and "ממתי" not in chat.text()  # asked first
    chat.click("כן").click("משרה מלאה").send("8 500")
    assert "תודה רבה" in chat.text()
    second = surveys(app)[-1]
    report = survey.report_from_json(second.report or {})
    assert report.same_job is True and report.since is None
    assert (report.occupation_code, report.occupation_text) == (first.occupation_code, "נהג משאית")
    with app.db.transaction() as s:
        (period,) = employment.periods_of(s, ruth)  # the same period goes on
    assert period.start == date(2026, 9, 1) and period.end is None
    assert period.occupation_code == first.occupation_code and period.occupation_text == "נהג משאית"
    assert period.percent == 100 and period.salary is not None and period.salary.low == 8500
    assert period.found_via == "self"

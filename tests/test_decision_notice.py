"""After the center manager decides a borderline pre-screen, the participant is told, through the
durable scheduler on a fake clock (no sleeping): approved → the good news and the next exposure
conferences of their center as buttons (a press signs them up); declined → the reasons in plain
words and the center's other community services. Quiet hours, "stop", a person no channel reaches
(a call task), a newer pre-screen meanwhile; the final outcome row; the WhatsApp template kind and
values; and managers deciding in the staff chat, their own center's cases only. On SQLite and
PostgreSQL."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.bootstrap import App
from bot.staff_cli import decisions_command
from flows import Command
from flows.effects import RecordOutcome, SetOptOut
from storage import decisions, repo
from storage import events as ev
from storage import staff as staff_store
from storage.models import ManagerDecision, PrescreenOutcome, ScheduledJob, Signup, StaffTask
from tests.conftest import FakeClock, make_app
from tests.events_kit import DECISION_DUE as DUE
from tests.events_kit import (
    FakeSender,
    at,
    borderline,
    decide,
    event,
    exposure_conference,
    job_rows,
    participant,
    scheduler,
)
from tests.kit import plain
from tests.kit.dispatcher import Person_, render

pytestmark = pytest.mark.app(db="both")


def conferences(app: App) -> tuple[int, int]:
    first = exposure_conference(app, at(2026, 12, 2, 18))
    second = exposure_conference(app, at(2026, 12, 9, 18))
    event(app, at(2026, 12, 1, 18), kind="exposure_conference", center="modiin", title="כנס במודיעין")
    event(app, at(2026, 12, 1, 9), kind="opening_workshop")  # not a conference
    return first, second


def outcomes(app: App, person_id: int) -> list[tuple[str, list[Any]]]:
    with app.db.transaction() as s:
        rows = s.scalars(
            select(PrescreenOutcome)
            .where(PrescreenOutcome.person_id == person_id)
            .order_by(PrescreenOutcome.id)
        )
        return [(o.outcome, list(o.reasons)) for o in rows]


def test_the_list_shows_each_reason_with_the_answer_behind_it(
    app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    dana, decision = borderline(
        app, "1001", reasons=("age_below", "job_share_low"), answers={"birth_year": 1983, "job_share": 0.2}
    )
    args = argparse.Namespace(action="list", id=None, center=None, by="manager", note=None)
    assert decisions_command(app, args) == 0
    assert capsys.readouterr().out == (
        f"#{decision}  due {DUE.isoformat()}  person {dana} דנה  why: "
        "The program is for people aged 45 and over. (their answer: 43) "
        "The program is for people looking for at least 25% of a full-time job. (their answer: 20%)\n"
    )


# ---- approved -----------------------------------------------------------------------------------
def test_approved_hears_the_news_with_the_next_conferences_as_buttons_and_signs_up_with_one(
    app: App, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    first, _ = conferences(app)
    dana, decision = borderline(app, "1001")
    assert decide(app, decision, "approve") == 0
    assert "approved; the participant will be told" in capsys.readouterr().out
    [job] = job_rows(app, kind="decision")
    assert (job.person_id, job.due_at, job.state, job.payload) == (
        dana,
        clock.now,
        "pending",
        {"decision": decision},
    )
    assert outcomes(app, dana) == [
        ("manager_decision", ["age_below"]),
        ("eligible", ["manager_decision", "age_below"]),
    ]

    sender = FakeSender()
    worker = scheduler(app, sender)
    assert worker.tick().sent == 1
    assert worker.tick().claimed == 0  # once
    message = sender.last_for(dana)
    text = render(app, "he", message.replies)
    assert "שלום דנה, יש לנו חדשות טובות! 🎉 הנהלת מרכז כפר סבא בדקה את הפנייה שלכם ואישרה" in text
    assert "הצעד הבא הוא כנס חשיפה" in text
    ronit = Person_(app, "1001")
    labels = [
        plain(ronit.app.catalogs.translator("he").render(c.label)) for r in message.replies for c in r.choices
    ]
    assert labels == [
        "יום רביעי, 2 בדצמבר 2026, 18:00–20:00",
        "יום רביעי, 9 בדצמבר 2026, 18:00–20:00",
        "אבחר מועד מאוחר יותר",
    ]
    assert message.kind == "decision.approved"
    values = {k: plain(v) for k, v in message.variables.items()}  # (the date is isolated)
    assert values == {"name": "דנה", "center": "כפר סבא", "when": "יום רביעי, 2 בדצמבר 2026, 18:00–20:00"}

    clock.advance(minutes=20)
    ronit.click("2 בדצמבר", replies=message.replies)
    assert "נרשמתם לכנס חשיפה" in ronit.text() and ronit.documents()
    with app.db.transaction() as s:
        signup = s.scalar(select(Signup).where(Signup.person_id == dana))
        assert signup is not None and (signup.event_id, signup.status) == (first, "confirmed")
    assert "אירועים וסדנאות" in " ".join(ronit.send("תפריט").buttons())  # a participant now


def test_approved_with_no_conference_scheduled_is_told_the_team_will_send_the_date(app: App) -> None:
    dana, decision = borderline(app, "1001", lang="en", name="Dana")
    decide(app, decision, "approve")
    sender = FakeSender()
    scheduler(app, sender).run_until_idle()
    message = sender.last_for(dana)
    text = render(app, "en", message.replies)
    assert "Hello Dana, good news! 🎉 The manager of the Kfar Saba center has looked at your case" in text
    assert "The next step is an exposure conference" in text
    assert all(not r.choices for r in message.replies)


def test_a_full_conference_is_offered_as_its_waiting_list_and_one_without_a_limit_as_open(app: App) -> None:
    full = event(app, at(2026, 12, 2, 18), kind="exposure_conference", capacity=1, en="Exposure conference")
    event(app, at(2026, 12, 9, 18), kind="exposure_conference", capacity=None, en="Exposure conference")
    half_full = event(
        app, at(2026, 12, 16, 18), kind="exposure_conference", capacity=2, en="Exposure conference"
    )
    ruth = participant(app, "2002")
    for conference in (full, half_full):
        with app.db.transaction() as s:
            assert ev.sign_up(s, ruth, conference, app.clock(), app.program) == ("confirmed", None)
    dana, decision = borderline(app, "1001", lang="en", name="Dana")
    decide(app, decision, "approve")
    sender = FakeSender()
    scheduler(app, sender).run_until_idle()
    message = sender.last_for(dana)
    translator = app.catalogs.translator("en")
    labels = [plain(translator.render(c.label)) for r in message.replies for c in r.choices]
    assert labels[:3] == [
        "Wednesday, December 2, 2026, 18:00–20:00 (full – join the waiting list)",
        "Wednesday, December 9, 2026, 18:00–20:00",
        "Wednesday, December 16, 2026, 18:00–20:00",
    ]


# ---- declined -----------------------------------------------------------------------------------
def test_declined_hears_the_reasons_in_plain_words_and_the_community_services(app: App) -> None:
    ruth, decision = borderline(app, "1001", lang="en", name="Ruth", reasons=("age_below", "experience_low"))
    assert decide(app, decision, "reject") == 0
    sender = FakeSender()
    assert scheduler(app, sender).run_until_idle().sent == 1
    message = sender.last_for(ruth)
    assert message.kind == "decision.declined"
    text = render(app, "en", message.replies)
    assert (
        "Hello Ruth. The manager of the Kfar Saba center has looked at your case, and unfortunately the "
        "program is not a fit right now, because:"
    ) in text
    assert "• The program is for people aged 45 and over." in text
    assert "• The program is for people with at least 5 years of work experience." in text
    assert "Other community services may help (near the Kfar Saba center):" in text
    assert "• Employment Service – Kfar Saba office – *6070" in text
    assert all(not r.choices for r in message.replies)  # no second review offered: the manager just decided
    assert outcomes(app, ruth)[-1] == ("not_eligible", ["manager_decision", "age_below", "experience_low"])


def test_a_case_with_no_reason_in_words_is_declined_without_a_dangling_because(app: App) -> None:
    person, decision = borderline(app, "1001", reasons=("special_circumstances",))
    decide(app, decision, "reject")
    sender = FakeSender()
    scheduler(app, sender).run_until_idle()
    text = render(app, "he", sender.last_for(person).replies)
    assert "ולצערנו התוכנית לא מתאימה כרגע." in text and "כי:" not in text
    assert "יש שירותים אחרים בקהילה" in text


# ---- when, and whether -----------------------------------------------------------------------
def test_a_decision_made_at_night_is_told_in_the_morning(app: App, clock: FakeClock) -> None:
    clock.now = at(2026, 11, 23, 22, 30)  # Monday night
    person, decision = borderline(app, "1001")
    decide(app, decision, "approve")
    [job] = job_rows(app, kind="decision")
    assert job.due_at == at(2026, 11, 24, 8)
    sender = FakeSender()
    worker = scheduler(app, sender)
    assert worker.run_until_idle().claimed == 0
    clock.now = at(2026, 11, 24, 8)
    assert worker.run_until_idle().sent == 1 and sender.last_for(person).kind == "decision.approved"


def test_a_decision_due_on_shabbat_waits_for_saturday_night(app: App, clock: FakeClock) -> None:
    clock.now = at(2026, 11, 27, 15)  # Friday afternoon
    _, decision = borderline(app, "1001")
    decide(app, decision, "reject")
    assert [j.due_at for j in job_rows(app, kind="decision")] == [at(2026, 11, 28, 20)]


def test_a_person_who_wrote_stop_gets_no_message_but_a_call_from_staff(app: App) -> None:
    person, decision = borderline(app, "1001")
    with app.db.transaction() as s:
        found, _, _ = repo.find_or_create_person(s, "telegram", "1001", "he", app.clock())
        repo.apply_effects(s, found, [SetOptOut(True)], app.clock())
    decide(app, decision, "approve")
    sender = FakeSender()
    scheduler(app, sender).run_until_idle()
    assert sender.sent == []  # no proactive message after "stop"
    assert [(j.state, j.last_error) for j in job_rows(app, kind="decision")] == [("failed", "opted_out")]
    with app.db.transaction() as s:  # but they are owed the answer: a promoter phones them
        [task] = s.scalars(select(StaffTask)).all()
        assert (task.person_id, task.kind, task.reason) == (person, "call", "decision:opted_out")


def test_when_no_channel_reaches_the_person_staff_get_a_call_task(app: App) -> None:
    person, decision = borderline(app, "1001", channel="whatsapp")
    decide(app, decision, "reject")
    scheduler(app, FakeSender(channel="telegram")).run_until_idle()  # WhatsApp is not connected here
    with app.db.transaction() as s:
        [task] = s.scalars(select(StaffTask)).all()
        assert (task.person_id, task.kind, task.reason) == (person, "call", "decision:no_channel")
    assert [j.state for j in job_rows(app, kind="decision")] == ["failed"]


def test_a_person_who_took_the_pre_screen_again_meanwhile_is_not_told_the_old_decision(
    app: App, clock: FakeClock
) -> None:
    clock.now = at(2026, 11, 23, 22, 30)
    person, decision = borderline(app, "1001")
    decide(app, decision, "reject")
    clock.now = at(2026, 11, 23, 23, 0)
    with app.db.transaction() as s:
        found, _, _ = repo.find_or_create_person(s, "telegram", "1001", "he", clock.now)
        repo.apply_effects(s, found, [RecordOutcome("eligible", "kfar-saba")], clock.now)
    clock.now = at(2026, 11, 24, 8)
    sender = FakeSender()
    scheduler(app, sender).run_until_idle()
    assert sender.sent == []
    assert [j.state for j in job_rows(app, kind="decision")] == ["dropped"]


def test_deciding_twice_tells_once(app: App, capsys: pytest.CaptureFixture[str]) -> None:
    _, decision = borderline(app, "1001")
    assert decide(app, decision, "approve") == 0
    assert decide(app, decision, "reject") == 1
    assert f"no pending decision {decision}" in capsys.readouterr().out
    assert len(job_rows(app, kind="decision")) == 1


# ---- the managers' staff chat --------------------------------------------------------------------
def staff_menu(app: App, external_id: str) -> Person_:
    return Person_(app, external_id).feed(Command("staff", ""))


def make_staff(app: App, external_id: str, role: str, center: str, name: str) -> None:
    with app.db.transaction() as s:
        staff_store.make_staff(s, "telegram", external_id, role, center, app.clock(), name)


def test_a_manager_decides_their_centers_cases_in_the_chat_and_the_participant_is_told(
    app: App, clock: FakeClock
) -> None:
    conferences(app)
    dana, decision = borderline(app, "1001", name="דנה")
    borderline(app, "1002", center="modiin", name="אמל")
    make_staff(app, "2001", "manager", "kfar-saba", "מיכל")
    michal = staff_menu(app, "2001")
    assert "⚖️ ממתינים להחלטה שלכם (1)" in michal.buttons()
    michal.click("ממתינים להחלטה")
    assert "ממתינים להחלטת הנהלת המרכז – מרכז כפר סבא: 1." in michal.text()
    assert michal.buttons() == ["דנה – עד יום ראשון, 29 בנובמבר 2026"]  # not Modiin's
    michal.click("דנה")
    text = michal.text()
    assert "דנה · טלפון: לא ידוע" in text and "• התוכנית מיועדת לבני 45 ומעלה." in text
    assert "הבטחנו תשובה עד יום ראשון, 29 בנובמבר 2026." in text
    michal.click("לאשר הצטרפות")
    assert "לאשר את דנה? תישלח הודעה" in michal.text()
    michal.click("כן")
    assert "✅ אישרתם את דנה" in michal.text()
    assert "⚖️ ממתינים להחלטה שלכם (0)" in michal.buttons()  # the staff menu again
    with app.db.transaction() as s:
        row = s.get(ManagerDecision, decision)
        assert row is not None and (row.status, row.decided_by) == ("approved", "מיכל")
    sender = FakeSender()
    scheduler(app, sender).run_until_idle()
    assert sender.last_for(dana).kind == "decision.approved"


def test_not_now_changes_nothing_and_only_managers_decide(app: App) -> None:
    _, decision = borderline(app, "1001")
    make_staff(app, "2001", "manager", "kfar-saba", "מיכל")
    michal = staff_menu(app, "2001").click("ממתינים להחלטה").click("דנה").click("לא לאשר").click("לא, לחזור")
    assert "המקרה ממשיך לחכות להחלטה" in michal.text()
    michal = staff_menu(app, "2001").click("ממתינים להחלטה").click("דנה").click("אחליט אחר כך")
    assert "המקרה ממשיך לחכות להחלטה" in michal.text()
    with app.db.transaction() as s:
        row = s.get(ManagerDecision, decision)
        assert row is not None and row.status == "pending"
    assert job_rows(app, kind="decision") == []
    make_staff(app, "2002", "router", "kfar-saba", "יוסי")  # the shipped setting: managers decide
    assert not any("להחלטה" in b for b in staff_menu(app, "2002").buttons())
    make_staff(app, "2003", "manager", "modiin", "סמיר")
    assert "⚖️ ממתינים להחלטה שלכם (0)" in staff_menu(app, "2003").buttons()


def test_the_proactive_job_kind_is_the_decision(app: App) -> None:
    _, decision = borderline(app, "1001")
    decide(app, decision, "approve")
    with app.db.transaction() as s:
        [job] = s.scalars(select(ScheduledJob)).all()
        assert (job.kind, job.subject, job.dedupe_key) == (
            "decision",
            f"decision:{decision}",
            f"decision:{decision}",
        )
        assert isinstance(job.due_at, datetime)


@pytest.mark.postgres
def test_two_managers_deciding_one_case_at_once_record_one_decision(
    pg_url: str, clock: FakeClock, tmp_path: Path
) -> None:
    app = make_app(pg_url, clock, tmp_path)
    try:
        person, decision = borderline(app, "1001")
        with app.db.sessions() as first, first.begin():
            seen = first.get(ManagerDecision, decision)  # the case on her screen (read, not locked)
            with app.db.transaction() as second:  # another manager approves it and commits
                decisions.decide(second, decision, True, "Yossi", None, app.clock(), app.program)
            with pytest.raises(LookupError):  # her lock reads the row afresh: already decided
                decisions.decide(first, decision, False, "Dana", None, app.clock(), app.program)
            assert seen is not None  # (held until here, as the step holds what it read)
        with app.db.transaction() as s:
            outcomes = s.scalars(select(PrescreenOutcome.outcome).where(PrescreenOutcome.person_id == person))
            assert list(outcomes) == ["manager_decision", "eligible"]
            row = s.get(ManagerDecision, decision)
            assert row is not None and (row.status, row.decided_by) == ("approved", "Yossi")
    finally:
        app.db.dispose()

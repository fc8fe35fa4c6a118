""" "Talk to a person" reaches staff: the request appears in `midway handoffs list` (who, phone,
channel, center, where they were) with a "call them" task in `midway tasks list`; `midway handoffs
done` closes both, and closing the task closes the request; staff of the center see and close it in
the chat (/staff); a participant, or staff of another center, can neither see nor close it. The phone
is staff-facing output, never in the logs at INFO. On SQLite and PostgreSQL."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.bootstrap import App
from bot.events_cli import run_command
from bot.staff_cli import handoffs_command
from flows import Command
from flows.effects import SetPhone
from flows.staff_queue.effects import CloseHandoff
from storage import handoffs, repo, staff_queue
from storage import staff as staff_store
from storage.models import HandoffRequest, Person, StaffTask
from tests.conftest import FakeClock, make_app
from tests.events_kit import participant
from tests.kit.dispatcher import Person_

pytestmark = pytest.mark.app(db="both")

PHONE = "+972501234567"


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


def person_phone(app: App, person_id: int) -> str | None:
    with app.db.transaction() as s:
        person = s.get(Person, person_id)
        assert person is not None
        return person.phone


def make_staff(app: App, external_id: str, role: str, center: str, name: str) -> int:
    with app.db.transaction() as s:
        return staff_store.make_staff(s, "telegram", external_id, role, center, app.clock(), name).id


def asks_for_a_person(app: App, external_id: str, lang: str = "he") -> Person_:
    """Opens the menu, then writes "talk to a person" in the middle of its question."""
    person = Person_(app, external_id, lang=lang)
    person.send({"he": "תפריט", "en": "menu"}[lang])
    person.send({"he": "נציג", "en": "human"}[lang])
    if "handoff.ask_phone" in person.said():  # no phone on file: asked for one, and not given
        person.click({"he": "בלי טלפון", "en": "No phone"}[lang])
    assert {"handoff.ack", "handoff.ack_no_phone"} & set(person.said())
    return person


def staff_menu(app: App, external_id: str) -> Person_:
    """Writes /staff (the command, as Telegram delivers it)."""
    return Person_(app, external_id).feed(Command("staff", ""))


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
        ronit,
        "open",
        "menu",
        "item",
    )
    assert cli(app, "list") == 0
    [line] = capsys.readouterr().out.splitlines()
    assert line.startswith(
        f"#{request.id} 2026-11-22 10:00  person {ronit} רונית  {PHONE}  telegram  kfar-saba"
    )
    assert line.endswith("at the main menu")

    # and the promoters' task list has it, to call them
    [task] = call_tasks(app)
    assert (task.person_id, task.kind, task.reason, task.reference, task.status) == (
        ronit,
        "call",
        "handoff",
        f"handoff:{request.id}",
        "open",
    )
    assert tasks(app, "list") == 0
    assert f"person {ronit} רונית {PHONE} for the center: handoff" in capsys.readouterr().out

    # the phone and the name are staff-facing output only, never in the logs at INFO
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "1234567" not in logged and "רונית" not in logged
    assert f"handoff request {request.id} from person {ronit}" in logged


def test_with_no_phone_on_file_the_phone_is_asked_before_a_call_is_promised_and_staff_see_it(
    app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    ronit = participant(app, "1001", name="רונית")
    chat = Person_(app, "1001").send("תפריט")
    chat.send("נציג")
    assert "handoff.ack" not in chat.said()  # no call is promised before there is a number to call
    assert "מספר הטלפון" in chat.text() and "בלי טלפון" in " ".join(chat.buttons())
    [request] = requests(app)  # the request is made already: "back" or "menu" now leaves it open
    assert (request.status, request.flow, request.question) == ("open", "menu", "item")

    chat.send("050-1234567")
    assert "handoff.ack_phone" in chat.said() and "יתקשר אליכם" in chat.text()
    assert "ההרשמות והפגישות שלי" in " ".join(chat.buttons())  # back to the menu she was in
    assert person_phone(app, ronit) == PHONE
    assert len(requests(app)) == 1 and len(call_tasks(app)) == 1
    assert cli(app, "list") == 0
    assert f"person {ronit} רונית  {PHONE}  telegram" in capsys.readouterr().out

    chat.send("נציג")  # asked again, with the number on file now: the call is promised at once
    assert "handoff.ack" in chat.said() and "handoff.ask_phone" not in chat.said()


def test_without_a_phone_the_request_stays_and_they_are_told_no_one_can_call_yet(app: App) -> None:
    participant(app, "1001", name="רונית")
    chat = Person_(app, "1001").send("נציג")
    chat.click("בלי טלפון")
    assert "לא יוכלו להתקשר" in chat.text() and "handoff.ack" not in chat.said()
    assert [r.status for r in requests(app)] == ["open"]
    participant(app, "1002", name="אורית")
    back = Person_(app, "1002").send("תפריט").click("שיחה עם אדם מהצוות")  # the menu's button
    assert "handoff.ask_phone" in back.said() and "handoff.ack" not in back.said()
    back.send("חזרה")  # leaves the phone question: the request stays too
    assert "מה תרצו לעשות?" in back.text()  # the menu's question again
    assert [r.status for r in requests(app)] == ["open", "open"]


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
        "done",
        "Yossi",
        "called, she will come to the conference",
    )
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


def test_a_task_already_done_is_left_as_it_was(
    app: App, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    participant(app, "1001")
    asks_for_a_person(app, "1001")
    [task] = call_tasks(app)
    assert tasks(app, "done", id=task.id) == 0
    done_at = clock.now
    capsys.readouterr()
    clock.advance(hours=2)
    assert tasks(app, "done", id=task.id) == 1
    out = capsys.readouterr().out
    assert out == f"task #{task.id} was already done on 2026-11-22 10:00; nothing changed\n"
    [task] = call_tasks(app)
    assert (task.status, task.done_at) == ("done", done_at)
    [request] = requests(app)
    assert (request.status, request.closed_at) == ("done", done_at)


def test_the_list_by_center_shows_that_centers_requests_only(
    app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    kfar_saba = participant(app, "1001", name="רונית")
    modiin = participant(app, "1002", center="modiin", name="אמל")
    asks_for_a_person(app, "1001")
    asks_for_a_person(app, "1002")
    Person_(app, "1003").send("נציג")  # a newcomer, before the pre-screen placed them: no center
    assert cli(app, "list", center="modiin") == 0
    lines = capsys.readouterr().out.splitlines()
    assert f"person {modiin} אמל" in lines[0] and f"person {kfar_saba}" not in "\n".join(lines)
    # the newcomer too, as in the chat's staff queue: every center may take them
    unplaced = "no phone  telegram  no center yet  not in the middle of a conversation"
    assert len(lines) == 2 and unplaced in lines[1]
    assert cli(app, "list") == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and unplaced in lines[2]


# ---- the staff chat ----------------------------------------------------------------------------
def test_the_list_says_in_words_where_in_the_pre_screen_they_asked(
    app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    newcomer = Person_(app, "1004")
    for text in ("שלום", "1", "רונית", "נציג"):  # "talk to a person" at the age question
        newcomer.send(text)
    assert cli(app, "list") == 0
    assert capsys.readouterr().out.rstrip().endswith("at the age question of the pre-screen")


def test_an_unknown_center_is_said_not_taken_for_no_requests(
    app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    asks_for_a_person(app, "1001")
    assert cli(app, "list", center="nowhere") == 2
    assert capsys.readouterr().out == (
        "error: unknown center 'nowhere'; the centers are: kfar-saba, modiin, tel-aviv\n"
    )


def test_staff_see_their_centers_requests_in_the_chat_and_mark_one_handled(
    app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    ronit = participant(app, "1001", name="רונית")
    with_phone(app, ronit)
    participant(app, "1002", center="modiin", name="אמל")
    asks_for_a_person(app, "1001")
    asks_for_a_person(app, "1002")
    Person_(app, "1003").send("נציג")  # no center yet: every center's staff see it
    make_staff(app, "2001", "promoter", "kfar-saba", "יוסי")

    yossi = staff_menu(app, "2001")
    assert "תפריט הצוות – מרכז כפר סבא" in yossi.text()
    assert yossi.buttons() == [
        "📞 בקשות לשיחה עם הצוות (2)",
        "🤝 פגישות: נוכחות ומשימה הבאה",
    ]  # no events, no decisions
    yossi.click("בקשות לשיחה")
    assert "בקשות פתוחות לשיחה עם אדם מהצוות – מרכז כפר סבא: 2." in yossi.text()
    choices = yossi.buttons()
    assert choices[0].startswith("רונית – יום ראשון, 22 בנובמבר 2026, 10:00")
    assert "אמל" not in " ".join(choices)
    assert choices[1].startswith("(בלי שם)")
    yossi.click("רונית")
    text = yossi.text()
    for line in (
        "בקשה לשיחה עם אדם מהצוות: רונית.",
        f"• טלפון: {PHONE}",
        "• ערוץ: telegram",
        "• מתי: יום ראשון, 22 בנובמבר 2026, 10:00",
        "• איפה היו בשיחה: menu › item",
    ):
        assert line in text, line
    yossi.click("טיפלתי")
    assert "הערה קצרה" in yossi.text()
    yossi.send("דיברנו, תגיע לכנס")
    assert "✅ סגרנו את הפנייה של רונית" in yossi.text()
    assert yossi.buttons()[0] == "📞 בקשות לשיחה עם הצוות (1)"  # the staff menu again

    kfar_saba = next(r for r in requests(app) if r.person_id == ronit)
    assert (kfar_saba.status, kfar_saba.closed_by, kfar_saba.note) == ("done", "יוסי", "דיברנו, תגיע לכנס")
    assert [t.status for t in call_tasks(app) if t.person_id == ronit] == ["done"]
    assert cli(app, "list", all=True) == 0
    assert "[done 2026-11-22 10:00 by יוסי: דיברנו, תגיע לכנס]" in capsys.readouterr().out

    # a router of Modiin sees Modiin's request and the newcomer's, never Ronit's
    make_staff(app, "2002", "router", "modiin", "סמיר")
    samir = staff_menu(app, "2002").click("בקשות לשיחה")
    assert "מרכז מודיעין: 2." in samir.text() and "רונית" not in " ".join(samir.buttons())


def test_leaving_a_request_open_and_one_handled_meanwhile_by_someone_else(app: App) -> None:
    participant(app, "1001", name="רונית")
    asks_for_a_person(app, "1001")
    make_staff(app, "2001", "manager", "kfar-saba", "דנה")
    dana = staff_menu(app, "2001").click("בקשות לשיחה").click("רונית").click("עדיין לא")
    assert "הפנייה נשארת פתוחה" in dana.text() and [r.status for r in requests(app)] == ["open"]
    dana.click("בקשות לשיחה").click("רונית")
    [request] = requests(app)
    with app.db.transaction() as s:  # meanwhile, someone closes it in the terminal
        handoffs.close_request(s, request.id, app.clock(), by="Yossi")
    dana.click("טיפלתי")  # the queue is read again: it is gone, so no note is asked for
    assert "כבר טופלה" in dana.text() and "הערה" not in dana.text()
    assert requests(app)[0].closed_by == "Yossi"


def test_a_participant_and_staff_of_another_center_can_neither_see_nor_close_a_request(app: App) -> None:
    participant(app, "1001", name="רונית")
    asks_for_a_person(app, "1001")
    [request] = requests(app)
    participant(app, "1002", name="אורית")
    orit = staff_menu(app, "1002")
    assert "לא הכרתי את הפקודה" in orit.text() and "רונית" not in orit.text()
    make_staff(app, "2002", "manager", "modiin", "סמיר")
    with app.db.transaction() as s:  # what the shell loads for each of them
        assert staff_queue.load_queue(s, "participant", None, app.program).handoffs == ()
        assert staff_queue.load_queue(s, "manager", "modiin", app.program).handoffs == ()
        assert [h.ref for h in staff_queue.load_queue(s, "promoter", "kfar-saba", app.program).handoffs] == [
            f"h{request.id}"
        ]
    # a forged effect is refused: the role and the center are checked again when it is applied
    for external_id, status in (("1002", "not_allowed"), ("2002", "unavailable")):
        with app.db.transaction() as s:
            person, _, _ = repo.find_or_create_person(s, "telegram", external_id, "he", app.clock())
            forged = (CloseHandoff(f"h{request.id}"),)
            [result] = staff_queue.apply_queue_effects(s, person, forged, app.clock(), app.program)
            assert result.status == status
    assert [r.status for r in requests(app)] == ["open"]
    assert [t.status for t in call_tasks(app)] == ["open"]


@pytest.mark.postgres
def test_two_staff_closing_one_request_at_once_the_second_finds_it_closed(
    pg_url: str, clock: FakeClock, tmp_path: Path
) -> None:
    app = make_app(pg_url, clock, tmp_path)
    try:
        participant(app, "1001", name="רונית")
        asks_for_a_person(app, "1001")
        [request] = requests(app)
        with app.db.sessions() as dana, dana.begin():
            seen = dana.get(HandoffRequest, request.id)  # she opened it in the chat (read, not locked)
            with app.db.transaction() as yossi:  # meanwhile Yossi closes it and commits
                handoffs.close_request(yossi, request.id, app.clock(), by="Yossi")
            with pytest.raises(LookupError):  # her lock reads the row afresh: already handled
                handoffs.close_request(dana, request.id, app.clock(), by="Dana")
            assert seen is not None  # (held until here, as the step holds what it read)
        assert requests(app)[0].closed_by == "Yossi"
    finally:
        app.db.dispose()

"""Staff in the chat, end to end on WhatsApp: signed Twilio webhooks in, the real twilio client out to
the fake REST server, the scheduler's messages through `WhatsAppSender`, a clock moved by hand.

Without Content templates every choice arrives as a numbered list (the sixteen kinds of event too:
more than a WhatsApp list holds), answered by number or by the option's words; with them, short
choices are buttons and lists, answered by their payload. In Hebrew, a manager made staff with
`midway staff add --channel whatsapp` adds an event and a participant signs up for it in Russian; the
manager moves it at night and the participant is told in the morning. In English, a router closes a
participant's "talk to a person" request and the manager approves her borderline case, which she hears
in Russian. A participant writing /staff gets the usual "I don't know that command"."""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from bot.bootstrap import App
from bot.scheduler import Scheduler
from bot.staff_cli import staff_command
from storage import events as ev
from storage import staff as staff_store
from storage.models import (
    Event,
    EventSession,
    HandoffRequest,
    ManagerDecision,
    OutboundMessage,
    PrescreenOutcome,
    StaffTask,
)
from tests.conftest import FakeClock
from tests.events_kit import at, event, job_rows, local_times, participant, signup_status
from tests.fake_twilio import FakeTwilio
from tests.kit.whatsapp import HX, PUBLIC, WaPerson, WhatsAppHarness, visible
from tests.test_events_whatsapp_languages import calendar_link
from tests.test_whatsapp_e2e import person_of, rows

pytestmark = pytest.mark.app(whatsapp=True)

MANAGER, ROUTER = "+972509990001", "+972509990002"
OLGA, RONIT = "+972501110001", "+972501110003"
NETWORKING = {"he": "נטוורקינג מורחב", "ru": "Расширенный нетворкинг"}
HALL = "אולם הכנסים"
KINDS_HE = [
    "כנס חשיפה",
    "סדנת פתיחה",
    "חזרה לעולם העבודה",
    "סדנה למסלול העצמאי",
    "יוזמים עסק",
    "פרילנסרים ונותני שירותים",
    "יוזמים קריירה",
    "חזון תעסוקתי / הכוון תעסוקתי",
    "מי הזיז את המוטיבציה שלי",
    "נטוורקינג מורחב",
    "פייסבוק / לינקדאין",
    "קורס אופיס / אקסל",
    "ג'וב קלאב",
    "מרחב עסקי-יזמי",
    "יום אירועים",
    "מפגש קהילה",
]


def staff_add(app: App, phone: str, role: str, name: str) -> None:
    """`midway staff add --channel whatsapp --id PHONE --role ROLE --center kfar-saba --name NAME`."""
    args = argparse.Namespace(
        action="add", channel="whatsapp", external_id=phone, role=role, center="kfar-saba", name=name
    )
    assert staff_command(app, args) == 0


def scheduler(app: App, wa: WhatsAppHarness) -> Scheduler:
    return app.scheduler({"whatsapp": wa.whatsapp.sender})


def networking(app: App, starts: datetime) -> int:
    with app.db.transaction() as s:
        return ev.create_event(
            s,
            center="kfar-saba",
            kind="networking",
            titles=dict(NETWORKING),
            sessions=[ev.NewSession(starts, starts + timedelta(hours=3), HALL)],
            capacity=25,
            track="all",
            signup_required=True,
            now=app.clock(),
        ).id


def the_event(app: App) -> tuple[Event, list[EventSession]]:
    with app.db.transaction() as s:
        found = s.scalars(select(Event)).one()
        sessions = list(found.sessions)
        s.expunge_all()
        return found, sessions


def sign_up_in_russian(olga: WaPerson) -> None:
    """Olga signs up for the networking evening, answering by number."""
    olga.send("меню")
    olga.choose("Мероприятия и семинары")
    assert "1. Расширенный нетворкинг – четверг, 3 декабря 2026\u202fг., 18:00" in olga.text()
    olga.send("1")
    assert "Осталось 25 свободных мест." in olga.text()
    olga.choose("Да, записать меня")
    assert "Вы записаны: Расширенный нетворкинг. ✓" in olga.text()


def ics(wa: WhatsAppHarness, url: str) -> Calendar:
    response = wa.client.get(url.removeprefix(PUBLIC))
    assert response.status_code == 200
    return Calendar.from_ical(response.content)


def pick(person: WaPerson, label: str) -> WaPerson:
    """Choose `label` in the last list-picker message: Twilio sends the item's id as ListId."""
    [listed] = [c for c in person.last if c.content_sid]
    values = listed.variables
    items = {visible(values[str(k)]): values[str(k + 1)] for k in range(3, len(values), 2)}
    assert label in items, f"no item {label!r} among {list(items)}"
    return person.pick(items[label], label)


# ---- (1) a manager adds an event in Hebrew; a participant signs up in Russian ---------------------
def test_a_manager_adds_an_event_in_hebrew_by_number_and_text_and_a_participant_signs_up_in_russian(
    app: App,
    wa: WhatsAppHarness,
    fake_twilio: FakeTwilio,
) -> None:
    staff_add(app, MANAGER, "manager", "דנה")
    dana = wa.person(MANAGER, "Dana")

    dana.send("/staff")
    assert dana.text().startswith("תפריט הצוות – מרכז כפר סבא. מה תרצו לעשות?")
    assert (
        "1. ➕ להוסיף אירוע\n2. 📋 האירועים הקרובים והרשמות\n3. ✏️ לשנות אירוע\n4. ❌ לבטל אירוע\n"
        "5. 📞 בקשות לשיחה עם הצוות (0)\n6. ⚖️ ממתינים להחלטה שלכם (0)" in dana.text()
    )
    dana.send("1")
    # sixteen kinds and "back": one numbered message, no template of any shape
    [kinds] = dana.last
    assert kinds.content_sid is None
    listed = "\n".join(f"{i}. {kind}" for i, kind in enumerate(KINDS_HE, start=1))
    assert visible(kinds.body or "").endswith(f"אפשר לענות במספר האפשרות:\n{listed}\n17. ↩ חזרה")
    dana.send("10")  # נטוורקינג מורחב
    assert "מה שם האירוע בעברית?" in dana.text()
    dana.send("נטוורקינג מורחב")
    dana.choose("כן, להוסיף")  # titles in other languages
    assert "מה שם האירוע (English)?" in dana.text() and "1. לדלג על השפה הזו" in dana.text()
    dana.send("1")  # skip English
    assert "מה שם האירוע (Русский)?" in dana.text()
    dana.send("Расширенный нетворкинг")
    dana.send("1")  # skip Arabic
    dana.send("3.12")
    dana.send("6 בערב")
    dana.send(HALL)
    assert dana.text().endswith("• מפגש אחד\n• ↩ חזרה")  # a typed number is the count: no numbers here
    dana.send("מפגש אחד")  # by the option's words
    dana.send("25")  # a typed number of seats
    dana.send("לכולם")
    dana.send("כן, בהרשמה")
    summary = dana.text()
    for line in (
        "• סוג: נטוורקינג מורחב",
        "• שם: נטוורקינג מורחב",
        "• שם (Русский): Расширенный нетворкинг",
        "• מועד: יום חמישי, 3 בדצמבר 2026, 18:00",
        f"• מקום: {HALL}",
        "• מקומות: 25",
        "• מיועד: לכולם",
        "• בהרשמה מראש",
    ):
        assert line in summary, line
    assert "(English)" not in summary and "(العربية)" not in summary
    dana.choose("כן, להוסיף")
    assert dana.text().startswith("✅ נוסף: נטוורקינג מורחב, יום חמישי, 3 בדצמבר 2026, 18:00.")
    assert "תפריט הצוות – מרכז כפר סבא" in dana.text()  # and the staff menu again

    added, sessions = the_event(app)
    assert (added.kind, added.capacity, added.track, added.signup_required, added.status) == (
        "networking",
        25,
        "all",
        True,
        "active",
    )
    assert added.titles == NETWORKING
    assert [(s.starts_at, s.place) for s in sessions] == [(at(2026, 12, 3, 18), HALL)]

    # a participant of the center, writing in Russian, finds it and signs up by number
    olga_id = participant(app, OLGA, lang="ru", channel="whatsapp", name="Ольга")
    olga = wa.person(OLGA, "Olga")
    sign_up_in_russian(olga)
    assert f"• четверг, 3 декабря 2026\u202fг., 18:00 – {HALL}" in olga.text()
    assert calendar_link(olga).endswith(f"/midway-e{added.id}.ics")
    assert signup_status(app, olga_id, added.id) == "confirmed"

    # the manager sees the sign-up in the list
    dana.send("/staff")
    dana.choose("האירועים הקרובים והרשמות")
    assert f"• נטוורקינג מורחב – יום חמישי, 3 בדצמבר 2026, 18:00, {HALL} (רשומים: 1 מתוך 25)" in dana.text()
    # every reply reached her phone as plain text, each in the delivery log by Twilio's id
    manager = person_of(app, MANAGER)
    assert (manager.role, manager.phone) == ("manager", MANAGER)
    sent = rows(app, OutboundMessage, manager.id)
    assert [m.platform_message_id for m in sent] == [c.sid for c in fake_twilio.sent_to(MANAGER)]
    assert {(m.kind, m.template) for m in sent} == {("reply", None)}


# ---- (2) the manager moves it at night; the participant is told in the morning -------------------
def test_the_manager_moves_the_event_at_night_and_the_participant_is_told_in_the_morning(
    app: App,
    wa: WhatsAppHarness,
    fake_twilio: FakeTwilio,
    clock: FakeClock,
) -> None:
    with app.db.transaction() as s:
        staff_store.make_staff(s, "whatsapp", MANAGER, "manager", "kfar-saba", app.clock(), "דנה")
    networking_id = networking(app, at(2026, 12, 3, 18))
    olga_id = participant(app, OLGA, lang="ru", channel="whatsapp", name="Ольга")
    olga = wa.person(OLGA, "Olga")
    clock.now = at(2026, 11, 23, 12)  # Monday noon
    sign_up_in_russian(olga)
    first_file = ics(wa, calendar_link(olga))

    clock.now = at(2026, 11, 23, 21, 30)  # Monday night: the manager moves it a week on
    dana = wa.person(MANAGER, "Dana")
    dana.send("/staff")
    dana.choose("לשנות אירוע")
    assert "1. נטוורקינג מורחב – יום חמישי, 3 בדצמבר 2026, 18:00" in dana.text()
    dana.send("1")
    assert "📅 נטוורקינג מורחב (רשומים: 1 מתוך 25)" in dana.text()
    assert "1. 📅 תאריך\n2. 🕒 שעה\n3. 📍 מקום\n4. 👥 מספר מקומות\n5. ↩ חזרה" in dana.text()
    dana.send("1")
    dana.send("10.12")
    assert "האירוע נטוורקינג מורחב יעבור ליום חמישי, 10 בדצמבר 2026, 18:00." in dana.text()
    assert "רשום לאירוע אדם אחד (כולל רשימת ההמתנה). תישלח הודעה" in dana.text()
    dana.choose("כן, לשמור")
    assert dana.text().startswith("✅ עודכן: נטוורקינג מורחב, יום חמישי, 10 בדצמבר 2026, 18:00.")
    moved, sessions = the_event(app)
    assert moved.first_starts_at == at(2026, 12, 10, 18)
    assert [(s.starts_at, s.ends_at, s.place) for s in sessions] == [
        (at(2026, 12, 10, 18), at(2026, 12, 10, 21), HALL)
    ]
    reminders = [r for r in job_rows(app, kind="reminder", person_id=olga_id) if r.state == "pending"]
    assert local_times(reminders) == [
        at(2026, 12, 9, 18).replace(tzinfo=None),
        at(2026, 12, 10, 16).replace(tzinfo=None),
    ]

    # quiet hours: nothing goes out at night; the notice waits for 08:00
    worker = scheduler(app, wa)
    before = len(fake_twilio.sent_to(OLGA))
    assert worker.run_until_idle().sent == 0
    assert len(fake_twilio.sent_to(OLGA)) == before
    [notice] = job_rows(app, kind="event_moved", person_id=olga_id)
    assert (notice.state, local_times([notice])) == ("pending", [at(2026, 11, 24, 8).replace(tzinfo=None)])

    clock.now = at(2026, 11, 24, 8)  # Tuesday morning, within 24 hours of her last message
    assert worker.run_until_idle().sent == 1
    told = fake_twilio.sent_to(OLGA)[before:]
    assert all(c.content_sid is None for c in told)  # inside the window: free-form
    text = visible(told[0].body or "")
    assert text.startswith("Обновление: «Расширенный нетворкинг» переносится. Новые данные:")
    assert f"• четверг, 10 декабря 2026\u202fг., 18:00–21:00 – {HALL}" in text
    assert "Ваше место сохранено, напоминания придут по новому времени." in text
    # the fresh calendar file, by link: the new date, a later version of the same entry
    (with_link,) = [c for c in told if PUBLIC + "/files/" in (c.body or "")]
    second_file = ics(wa, (with_link.body or "").splitlines()[-1])
    [old], [new] = first_file.walk("VEVENT"), second_file.walk("VEVENT")
    assert new.decoded("DTSTART") == at(2026, 12, 10, 18)
    assert old.decoded("DTSTART") == at(2026, 12, 3, 18)
    assert str(new["UID"]) == str(old["UID"]) and int(new["SEQUENCE"]) > int(old["SEQUENCE"])
    [notice] = job_rows(app, kind="event_moved", person_id=olga_id)
    assert (notice.state, notice.channel) == ("sent", "whatsapp")
    assert signup_status(app, olga_id, networking_id) == "confirmed"
    assert worker.run_until_idle().sent == 0  # told once


# ---- (3) in English: a request to talk to a person handled, a borderline case approved ----------
def borderline_in_russian(olga: WaPerson) -> None:
    """Olga takes the pre-screen in Russian: aged 44, the center manager decides."""
    olga.send("Здравствуйте")
    olga.send("Language")  # the word on the language button (a button, or number 3, with templates)
    olga.send("Русский")
    olga.send("Да, начнём")
    olga.send("Ольга Петрова")
    for answer in (
        "44",
        "Кфар-Саба",
        "Да",
        "3 месяца",
        "Полставки",
        "25",
        "Да",
        "Ничего из этого",
        "знакомый",
        "Да",  # the summary is right
    ):
        olga.send(answer)
    assert "Некоторые ваши ответы должно рассмотреть руководство центра" in olga.text()


def in_english(person: WaPerson) -> None:
    person.send("language")
    person.send("English")
    assert "We'll continue in English." in person.text()


@pytest.mark.parametrize("templates", [True])
def test_in_english_a_router_closes_her_request_and_the_manager_approves_her_case_which_she_hears_in_russian(
    app: App,
    wa: WhatsAppHarness,
    fake_twilio: FakeTwilio,
) -> None:
    conference = event(app, at(2026, 12, 2, 18), kind="exposure_conference", title="כנס חשיפה", place="אולם")
    staff_add(app, ROUTER, "router", "Yossi")
    with app.db.transaction() as s:
        staff_store.make_staff(s, "whatsapp", MANAGER, "manager", "kfar-saba", app.clock(), "Michal")
    olga = wa.person(OLGA, "Ольга Петрова")
    borderline_in_russian(olga)
    olga.send("человек")  # talk to a person
    assert "Наш сотрудник свяжется с вами в течение 2 рабочих дней" in olga.text()
    olga_id = person_of(app, OLGA).id

    # the router, in English, finds the request and marks it handled
    yossi = wa.person(ROUTER, "Yossi")
    in_english(yossi)
    yossi.send("staff")  # the keyword, in the chat's language
    assert yossi.text().startswith("Staff menu – Kfar Saba center. What would you like to do?")
    assert "5. 📞 Requests to talk to staff (1)" in yossi.text()
    assert "Waiting for your decision" not in yossi.text()  # a router decides nothing
    yossi.choose("Requests to talk to staff")
    assert "Open requests to talk to a person – Kfar Saba center: 1." in yossi.text()
    assert "1. Ольга Петрова – Sunday, November 22, 2026, 10:00" in yossi.text()
    yossi.send("1")
    details = yossi.text()
    for line in (
        "Ольга Петрова asked to talk to a person.",
        f"• Phone: {OLGA}",
        "• Channel: whatsapp",
        "• Asked: Sunday, November 22, 2026, 10:00",
        "• Where they were: not in the middle of anything (from the menu)",
    ):
        assert line in details, line
    [action] = yossi.last
    assert action.content_sid == HX["buttons_3"]  # handled / not yet / back, as buttons
    yossi.tap("✅ Handled, close it")
    [note] = yossi.last
    assert note.content_sid == HX["buttons_2"] and "Leave a short note" in visible(note.variables["1"])
    yossi.send("Called her; she is coming to the conference")
    assert yossi.text().startswith("✅ Ольга Петрова's request is closed, and its call task too.")
    assert "5. 📞 Requests to talk to staff (0)" in yossi.text()
    [request] = rows(app, HandoffRequest, olga_id)
    assert (request.status, request.closed_by, request.note) == (
        "done",
        "Yossi",
        "Called her; she is coming to the conference",
    )
    assert [(t.kind, t.status) for t in rows(app, StaffTask, olga_id)] == [("call", "done")]

    # the manager, in English, approves her case: a list to decide, buttons to confirm
    michal = wa.person(MANAGER, "Michal")
    in_english(michal)
    michal.send("/staff")
    michal.choose("Waiting for your decision")
    assert "1. Ольга Петрова – by Sunday, November 29, 2026" in michal.text()
    michal.send("1")
    [verdict] = michal.last
    assert verdict.content_sid == HX["list_4"]  # approve / decline / later / back
    case = visible(verdict.variables["1"])
    assert f"Ольга Петрова · phone: {OLGA} · pre-screen finished: Sunday, November 22, 2026, 10:00" in case
    assert "• The program is for people aged 45 and over." in case
    pick(michal, "✅ Approve")
    [sure] = michal.last
    assert sure.content_sid == HX["buttons_3"]
    assert "Approve Ольга Петрова? They will get a message" in visible(sure.variables["1"])
    michal.tap("Yes")
    assert michal.text().startswith("✅ You approved Ольга Петрова.")
    assert "6. ⚖️ Waiting for your decision (0)" in michal.text()
    [decision] = rows(app, ManagerDecision, olga_id)
    assert (decision.status, decision.decided_by) == ("approved", "Michal")
    assert [(o.outcome, o.reasons) for o in rows(app, PrescreenOutcome, olga_id)] == [
        ("manager_decision", ["age_below"]),
        ("eligible", ["manager_decision", "age_below"]),
    ]

    # the scheduler tells her, in Russian, with the next conference; she answers by number
    before = len(fake_twilio.sent_to(OLGA))
    assert scheduler(app, wa).run_until_idle().sent == 1
    [news] = fake_twilio.sent_to(OLGA)[before:]
    text = visible(news.text)
    assert text.startswith(
        "Здравствуйте, Ольга Петрова, у нас хорошие новости! 🎉 Руководство центра "
        "Кфар-Саба рассмотрело вашу заявку и одобрило ваше участие в программе."
    )
    # the dates as buttons, written short enough for one ("ср, 02.12 18:00")
    assert [visible(news.variables[k]) for k in ("2", "4")] == ["ср, 02.12 18:00", "Выберу дату позже"]
    olga.send("1")
    assert "Вы записаны: כנס חשיפה. ✓" in olga.text()
    assert signup_status(app, olga_id, conference) == "confirmed"


# ---- a typed number is the answer where the staff flow says so ---------------------------------
def test_where_a_typed_number_is_the_answer_the_choices_are_not_numbered(
    app: App,
    wa: WhatsAppHarness,
) -> None:
    """How many meetings, how many seats: a typed number is the count itself (as on Telegram), so a
    numbered list ("1. no limit", "2. back") would say the opposite of what "1" or "2" does. The
    choices are listed without numbers, and are answered by their words."""
    staff_add(app, MANAGER, "manager", "דנה")
    dana = wa.person(MANAGER, "Dana")
    for answer in ("/staff", "1", "2", "סדנת פתיחה", "2", "3.12", "9:00", "חדר 2"):  # an opening workshop
        dana.send(answer)
    [sessions] = dana.last
    assert visible(sessions.body or "").endswith("אפשר לכתוב מספר.\n\n• מפגש אחד\n• ↩ חזרה")
    dana.send("2")  # two meetings, a week apart
    [capacity] = dana.last
    assert visible(capacity.body or "").endswith("כמה מקומות יש? אפשר לכתוב מספר.\n\n• ללא הגבלה\n• ↩ חזרה")
    dana.send("1")  # one seat: the count, not "no limit"
    assert "למי האירוע מיועד?" in dana.text()
    dana.send("חזרה")  # back to the seats, by the word
    assert "כמה מקומות יש?" in dana.text() and "• ללא הגבלה" in dana.text()
    dana.send("ללא הגבלה")  # the choice, by its words
    dana.send("לכולם")
    dana.send("כן, בהרשמה")
    summary = dana.text()
    assert (
        "• שני מפגשים, פעם בשבוע – הראשון: יום חמישי, 3 בדצמבר 2026, 09:00, האחרון: יום חמישי, "
        "10 בדצמבר 2026, 09:00" in summary
    )
    assert "• מקומות: ללא הגבלה" in summary
    dana.send("1")  # a numbered list again: "1. ✅ כן, להוסיף"
    added, sessions_ = the_event(app)
    assert (added.kind, added.capacity) == ("opening_workshop", None)
    assert [s.starts_at for s in sessions_] == [at(2026, 12, 3, 9), at(2026, 12, 10, 9)]


# ---- (4) not staff ---------------------------------------------------------------------------
def test_a_participant_writing_staff_gets_the_usual_unknown_command_reply(
    app: App,
    wa: WhatsAppHarness,
) -> None:
    ronit_id = participant(app, RONIT, channel="whatsapp", name="רונית")
    networking(app, at(2026, 12, 3, 18))
    ronit = wa.person(RONIT, "רונית")
    unknown = ronit.send("/nosuchcommand").text()
    assert "לא הכרתי את הפקודה" in unknown
    ronit.send("/staff")
    assert ronit.text() == unknown  # word for word what any unknown command gets
    assert "תפריט הצוות" not in ronit.text() and "להוסיף אירוע" not in ronit.text()
    ronit.send("צוות")  # the keyword opens nothing either
    assert "תפריט הצוות" not in ronit.text()
    assert person_of(app, RONIT).role == "participant"
    added, _ = the_event(app)
    assert (added.status, added.capacity, added.first_starts_at) == ("active", 25, at(2026, 12, 3, 18))
    assert rows(app, HandoffRequest, ronit_id) == []

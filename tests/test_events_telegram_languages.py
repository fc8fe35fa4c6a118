"""Events and personal meetings on Telegram, end to end, in Russian (and one Arabic speaker on the
waiting list): the real PTB application long-polls the fake Bot API, the scheduler sends its
proactive messages through `TelegramSender` to the same fake_telegram, and the clock is moved by hand.

Browsing, signing up (with the .ics file), the waiting list with its positions, a cancellation
that offers the seat to the first on the list, who takes it in time; a meeting confirmed, another
rescheduled with a reason that reaches the promoter, a third cancelled. We check what each phone
shows and what the database holds."""

from __future__ import annotations

import pytest
from icalendar import Calendar
from sqlalchemy import select

from bot.bootstrap import App
from bot.scheduler import Scheduler
from storage.models import Meeting, ScheduledJob, Signup, StaffTask
from tests.conftest import FakeClock
from tests.events_kit import at, cli, event, meeting, participant, signup_status
from tests.fake_telegram import FakeTelegram, Sent
from tests.kit.telegram import ISOLATES, TelegramBot, TgPerson

pytestmark = pytest.mark.app(telegram=True)

TITLES = {"he": "סדנת פתיחה", "en": "Opening workshop", "ru": "Вводный семинар", "ar": "ورشة افتتاحية"}
NETWORKING = {"he": "נטוורקינג", "en": "Networking", "ru": "Нетворкинг", "ar": "التشبيك"}


def shown(message: Sent) -> str:
    return message.text.translate(ISOLATES)


def calendar_titles(person: TgPerson) -> list[str]:
    (document,) = [s.document for s in person.last if s.document]
    assert document["filename"].endswith(".ics") and document["mime_type"] == "text/calendar"
    return [str(e["summary"]) for e in Calendar.from_ical(document["content"]).walk("VEVENT")]


def open_events(person: TgPerson) -> TgPerson:
    return person.send("меню").click("Мероприятия и семинары")


def open_bookings(person: TgPerson) -> TgPerson:
    return person.send("меню").click("Мои записи и встречи")


def test_browse_sign_up_waitlist_and_a_freed_seat_taken_in_time_in_russian(
    telegram: TelegramBot,
    app: App,
    fake_telegram: FakeTelegram,
    worker: Scheduler,
    clock: FakeClock,
) -> None:
    olga_id, boris_id = participant(app, "3001", lang="ru"), participant(app, "3002", lang="ru")
    amal_id = participant(app, "3003", lang="ar")
    seminar = event(app, at(2026, 12, 13, 9), capacity=1, titles=TITLES, place="зал 2", hours=3)
    event(app, at(2026, 12, 15, 17), capacity=None, titles=NETWORKING, place="зал 2", hours=3)
    olga = telegram.person(3001, "Ольга", None, lang="ru")
    boris = telegram.person(3002, "Борис", None, lang="ru")
    amal = telegram.person(3003, "Amal", None, lang="ar")

    # browsing: the center's events, in Russian, with dates written out in Russian
    open_events(olga)
    assert "Ближайшие занятия в вашем центре" in olga.text()
    assert olga.buttons() == [
        "Вводный семинар – воскресенье, 13 декабря 2026\u202fг., 09:00–12:00",
        "Нетворкинг – вторник, 15 декабря 2026\u202fг., 17:00–20:00",
    ]
    olga.click("Вводный семинар")
    assert "📅 Вводный семинар" in olga.text() and "Осталось 1 свободное место." in olga.text()
    assert olga.buttons() == ["Да, записать меня", "Не сейчас", "↩ Назад"]
    olga.click("Да, записать меня")
    assert "Вы записаны: Вводный семинар. ✓ Даты:" in olga.text()
    assert "воскресенье, 13 декабря 2026\u202fг., 09:00–12:00 – зал 2" in olga.text()
    assert calendar_titles(olga) == ["Вводный семинар"]
    assert signup_status(app, olga_id, seminar) == "confirmed"

    # the event is full: the waiting list, with each one's place in it
    open_events(boris).click("Вводный семинар")
    assert "Все места заняты, но можно записаться в лист ожидания." in boris.text()
    boris.click("Да, в лист ожидания")
    assert "мы добавили вас в лист ожидания: вы под номером 1" in boris.text()
    amal.send("القائمة").click("فعاليات وورشات").click("ورشة افتتاحية")
    amal.click("نعم، إلى قائمة الانتظار")
    assert "أضفناكم إلى قائمة الانتظار: رقمكم 2." in amal.text()
    assert (signup_status(app, boris_id, seminar), signup_status(app, amal_id, seminar)) == (
        "waitlisted",
        "waitlisted",
    )

    # Olga cancels: the seat is offered to Boris, first on the list
    open_bookings(olga)
    assert olga.buttons()[0] == (
        "Вводный семинар – воскресенье, 13 декабря 2026\u202fг., 09:00–12:00 (вы записаны ✓)"
    )
    olga.click("Вводный семинар").click("Отменить запись")
    assert "Мы отменили вашу запись на «Вводный семинар»" in olga.text()
    assert signup_status(app, olga_id, seminar) == "cancelled"
    assert signup_status(app, boris_id, seminar) == "offered"

    assert worker.run_until_idle().sent == 1
    offer = fake_telegram.sent_to(3002)[-1]
    assert "Хорошая новость: для вас освободилось место – «Вводный семинар»" in shown(offer)
    assert "понедельник, 23 ноября 2026\u202fг., 10:00" in shown(offer)  # 24 hours to take it
    assert [b.translate(ISOLATES) for b in offer.buttons] == ["Да, я приду", "Нет, пусть перейдёт дальше"]
    assert fake_telegram.sent_to(3003)[-1].message_id < offer.message_id  # nothing new for Amal

    clock.advance(hours=23)  # in time
    boris.click("Да, я приду")
    assert "Вы записаны: Вводный семинар. ✓" in boris.text()
    assert calendar_titles(boris) == ["Вводный семинар"]
    assert signup_status(app, boris_id, seminar) == "confirmed"

    clock.advance(hours=2)  # past the offer's limit: the accepted seat stays Boris's
    worker.run_until_idle()
    assert signup_status(app, boris_id, seminar) == "confirmed"
    assert signup_status(app, amal_id, seminar) == "waitlisted"
    with app.db.transaction() as s:
        expiries = s.scalars(select(ScheduledJob.state).where(ScheduledJob.kind == "offer_expiry")).all()
        assert expiries and "sent" not in expiries
        seats = s.scalars(select(Signup.status).where(Signup.event_id == seminar)).all()
        assert sorted(seats) == ["cancelled", "confirmed", "waitlisted"]
    amal.send("القائمة").click("تسجيلاتي ولقاءاتي")  # now next in line
    assert amal.buttons()[0].endswith("(قائمة الانتظار، رقم 1)"), amal.buttons()


def test_a_meeting_confirmed_rescheduled_with_a_reason_and_cancelled_in_russian(
    telegram: TelegramBot,
    app: App,
    fake_telegram: FakeTelegram,
    worker: Scheduler,
    clock: FakeClock,
    capsys,  # type: ignore[no-untyped-def]
) -> None:
    olga_id = participant(app, "3001", lang="ru")
    olga = telegram.person(3001, "Ольга", None, lang="ru")

    # confirmed from the message that tells her of it
    first = meeting(app, olga_id, at(2026, 11, 26, 10))
    assert worker.run_until_idle().sent == 1
    told = fake_telegram.sent_to(3001)[-1]
    assert shown(told).startswith(
        "Для вас назначена личная встреча с Dana: четверг, 26 ноября 2026\u202fг., 10:00, room 4."
    )
    assert "Вам подходит?" in shown(told)
    assert [b.translate(ISOLATES) for b in told.buttons] == [
        "Подтверждаю, приду",
        "Нужно другое время",
        "Отменить встречу",
    ]
    olga.click("Подтверждаю, приду")
    assert olga.text() == "Спасибо! Встреча подтверждена. До встречи. ✓"

    # another time asked for, with a reason that reaches the promoter
    second = meeting(app, olga_id, at(2026, 11, 29, 12))
    worker.run_until_idle()
    olga.click("Нужно другое время")
    assert "Напишите, пожалуйста, коротко: почему и когда вам было бы удобно." in olga.text()
    olga.send("В воскресенье у меня собеседование, можно во вторник утром?")
    assert "Спасибо, мы передали вашу просьбу." in olga.text()

    # a third one cancelled from "my sign-ups and meetings"
    third = meeting(app, olga_id, at(2026, 12, 3, 11))
    open_bookings(olga)
    assert olga.buttons() == [
        "Личная встреча – четверг, 26 ноября 2026\u202fг., 10:00",
        "Личная встреча – воскресенье, 29 ноября 2026\u202fг., 12:00",
        "Личная встреча – четверг, 3 декабря 2026\u202fг., 11:00",
    ]
    olga.click("3 декабря")
    assert "Личная встреча с Dana: четверг, 3 декабря 2026\u202fг., 11:00, room 4." in olga.text()
    olga.click("Отменить встречу")
    assert olga.text().startswith("Встреча отменена.")

    with app.db.transaction() as s:
        rows = {m.id: m for m in s.scalars(select(Meeting).where(Meeting.person_id == olga_id))}
        assert rows[first].status == "confirmed"
        assert (rows[second].status, rows[second].reschedule_reason) == (
            "reschedule_requested",
            "В воскресенье у меня собеседование, можно во вторник утром?",
        )
        assert rows[third].status == "cancelled"
        (task,) = s.scalars(select(StaffTask)).all()
        assert (task.person_id, task.assignee, task.kind, task.reference, task.status) == (
            olga_id,
            "Dana",
            "reschedule",
            f"meeting:{second}",
            "open",
        )
        left = s.scalars(select(ScheduledJob.state).where(ScheduledJob.subject == f"meeting:{third}")).all()
        assert left and "pending" not in left  # no reminders for the cancelled meeting
    assert f"reschedule person {olga_id}" in (tasks := cli(app, "tasks", "list", capsys))
    assert "for Dana: meeting_reschedule_requested" in tasks
    listing = cli(app, "meetings", "list", capsys, promoter="Dana")
    assert "можно во вторник утром" in listing and "reschedule_requested" in listing

    # the day before, only the confirmed meeting is still reminded
    clock.now = at(2026, 11, 25, 10)
    worker.run_until_idle()
    reminder = fake_telegram.sent_to(3001)[-1]
    assert shown(reminder).startswith(
        "Напоминание: личная встреча с Dana, четверг, 26 ноября 2026\u202fг., 10:00"
    )

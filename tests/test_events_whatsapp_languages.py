"""Events and meetings on WhatsApp, end to end, in Russian and Arabic: signed Twilio webhooks in, the
real twilio client out to the fake REST server, the scheduler's proactive messages through
`WhatsAppSender` inside the 24-hour window, and a clock moved by hand.

Without Content templates every choice is a numbered list and people answer by number; with them,
short choices are quick-reply buttons and people answer by the button's payload. Either way: a
sign-up with the calendar link, the waiting list, a freed seat offered and taken in time, and a
meeting confirmed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.bootstrap import App
from bot.scheduler import Scheduler
from storage.models import Meeting
from tests.conftest import FakeClock
from tests.events_kit import at, event, meeting, participant, signup_status
from tests.fake_twilio import FakeTwilio
from tests.kit.whatsapp import HX, PUBLIC, WaPerson, WhatsAppHarness, visible

pytestmark = pytest.mark.app(whatsapp=True)

OLGA, BORIS = "+972501110001", "+972501110002"
AMAL, SAMIR = "+972521110003", "+972521110004"
TITLES = {"he": "סדנת פתיחה", "en": "Opening workshop", "ru": "Вводный семинар", "ar": "ورشة افتتاحية"}


def meeting_status(app: App, meeting_id: int) -> str | None:
    with app.db.transaction() as s:
        return s.scalar(select(Meeting.status).where(Meeting.id == meeting_id))


def scheduler(app: App, wa: WhatsAppHarness) -> Scheduler:
    return app.scheduler({"whatsapp": wa.whatsapp.sender})


def calendar_link(person: WaPerson) -> str:
    (with_link,) = [c for c in person.last if PUBLIC + "/files/" in (c.body or "")]
    url = (with_link.body or "").splitlines()[-1]
    assert url.startswith(PUBLIC + "/files/") and url.endswith(".ics")
    return url


def test_in_russian_by_number_sign_up_waitlist_offer_taken_and_a_meeting_confirmed(
    app: App,
    wa: WhatsAppHarness,
    fake_twilio: FakeTwilio,
    clock: FakeClock,
) -> None:
    olga_id = participant(app, OLGA, lang="ru", channel="whatsapp", name="Ольга")
    boris_id = participant(app, BORIS, lang="ru", channel="whatsapp", name="Борис")
    seminar = event(app, at(2026, 12, 13, 9), capacity=1, titles=TITLES, place="room 2", hours=3)
    olga, boris = wa.person(OLGA, "Olga"), wa.person(BORIS, "Boris")

    # sign-up by number, the calendar file as a link
    olga.send("меню")
    olga.choose("Мероприятия и семинары")
    assert "Ближайшие занятия в вашем центре" in olga.text()
    assert "1. Вводный семинар – воскресенье, 13 декабря 2026\u202fг., 09:00–12:00" in olga.text()
    olga.send("1")
    assert "Осталось 1 свободное место." in olga.text() and "Записать вас?" in olga.text()
    olga.choose("Да, записать меня")
    assert "Вы записаны: Вводный семинар. ✓ Даты:" in olga.text()
    assert "воскресенье, 13 декабря 2026\u202fг., 09:00–12:00 – room 2" in olga.text()
    response = wa.client.get(calendar_link(olga).removeprefix(PUBLIC))
    assert response.status_code == 200 and "SUMMARY:Вводный семинар" in response.content.decode()
    assert signup_status(app, olga_id, seminar) == "confirmed"

    # full: the waiting list, by number too
    boris.send("меню")
    boris.choose("Мероприятия и семинары")
    boris.send("1")
    assert "Все места заняты" in boris.text()
    boris.choose("Да, в лист ожидания")
    assert "вы под номером 1" in boris.text()
    assert signup_status(app, boris_id, seminar) == "waitlisted"

    # Olga cancels; the scheduler offers the seat to Boris, who answers "1" in time
    olga.send("меню")
    olga.choose("Мои записи и встречи")
    olga.choose("Вводный семинар")
    olga.choose("Отменить запись")
    assert "Мы отменили вашу запись на «Вводный семинар»" in olga.text()
    worker = scheduler(app, wa)
    before = len(fake_twilio.sent_to(BORIS))
    assert worker.run_until_idle().sent == 1
    (offer,) = fake_twilio.sent_to(BORIS)[before:]
    assert offer.content_sid is None  # inside the 24-hour window: free-form
    text = visible(offer.body or "")
    assert "Хорошая новость: для вас освободилось место – «Вводный семинар»" in text
    assert "1. Да, я приду\n2. Нет, пусть перейдёт дальше" in text
    clock.advance(hours=20)  # in time, though longer than the pause after which a chat is resumed
    boris.send("1")
    assert "Вы записаны: Вводный семинар. ✓" in boris.text()
    assert calendar_link(boris)
    assert signup_status(app, boris_id, seminar) == "confirmed"

    # a meeting scheduled at 06:00 is told at 08:00 (quiet hours), and confirmed by number
    assert clock.now == at(2026, 11, 23, 6)
    talk = meeting(app, olga_id, at(2026, 11, 25, 11))
    assert worker.run_until_idle().sent == 0
    clock.now = at(2026, 11, 23, 8, 1)
    olga.send("меню")  # she wrote within the last 24 hours: free-form is allowed
    worker.run_until_idle()
    told = visible(fake_twilio.sent_to(OLGA)[-1].body or "")
    assert told.startswith(
        "Для вас назначена личная встреча с Dana: среда, 25 ноября 2026\u202fг., 11:00, room 4."
    )
    assert "1. Подтверждаю, приду\n2. Нужно другое время\n3. Отменить встречу" in told
    olga.send("1")
    assert "Спасибо! Встреча подтверждена." in olga.text()
    assert meeting_status(app, talk) == "confirmed"


@pytest.mark.parametrize("templates", [True])
def test_in_arabic_by_button_payload_sign_up_offer_taken_and_a_meeting_confirmed(
    app: App,
    wa: WhatsAppHarness,
    fake_twilio: FakeTwilio,
    clock: FakeClock,
) -> None:
    amal_id = participant(app, AMAL, lang="ar", channel="whatsapp", name="أمل")
    samir_id = participant(app, SAMIR, lang="ar", channel="whatsapp", name="سمير")
    seminar = event(app, at(2026, 12, 13, 9), capacity=1, titles=TITLES, place="room 2", hours=3)
    amal, samir = wa.person(AMAL, "Amal"), wa.person(SAMIR, "Samir")

    amal.send("القائمة")
    amal.choose("فعاليات وورشات")  # labels too long for a list: numbers
    amal.choose("ورشة افتتاحية")
    [question] = [c for c in amal.last if c.content_sid]
    assert question.content_sid == HX["buttons_3"]  # sign me up / not now / back
    assert "بقي مقعد واحد." in visible(question.variables["1"])
    amal.tap("نعم، سجّلوني")
    assert "تم تسجيلكم في ورشة افتتاحية. ✓ المواعيد:" in amal.text()
    assert "الأحد، 13 ديسمبر 2026، 09:00–12:00 – room 2" in amal.text()
    assert calendar_link(amal)
    assert signup_status(app, amal_id, seminar) == "confirmed"

    samir.send("القائمة")
    samir.choose("فعاليات وورشات")
    samir.choose("ورشة افتتاحية")
    samir.tap("نعم، قائمة الانتظار")  # "نعم، إلى قائمة الانتظار" is longer than a button: its short form
    assert "رقمكم 1" in samir.text()
    assert signup_status(app, samir_id, seminar) == "waitlisted"

    amal.send("القائمة")
    amal.choose("تسجيلاتي ولقاءاتي")
    amal.choose("ورشة افتتاحية")
    amal.tap("إلغاء التسجيل")
    assert "ورشة افتتاحية" in amal.text()
    assert signup_status(app, amal_id, seminar) == "cancelled"
    assert signup_status(app, samir_id, seminar) == "offered"

    worker = scheduler(app, wa)
    worker.run_until_idle()
    offer = fake_twilio.sent_to(SAMIR)[-1]
    assert offer.content_sid == HX["buttons_2"]  # take it / pass it on
    assert visible(offer.variables["1"]).startswith("أخبار جيدة: توفّر لكم مقعد في ورشة افتتاحية")
    clock.advance(hours=23)  # in time: the buttons work after any pause
    samir.tap("نعم، سأحضر", offer)
    assert "تم تسجيلكم في ورشة افتتاحية. ✓" in samir.text() and calendar_link(samir)
    assert signup_status(app, samir_id, seminar) == "confirmed"

    talk = meeting(app, amal_id, at(2026, 11, 26, 11))
    amal.send("القائمة")
    worker.run_until_idle()
    told = fake_twilio.sent_to(AMAL)[-1]
    assert told.content_sid == HX["buttons_3"]  # confirm / another time / cancel
    assert visible(told.variables["1"]).startswith(
        "تم تحديد لقاء شخصي لكم مع Dana: الخميس، 26 نوفمبر 2026، 11:00"
    )
    amal.tap("أؤكّد، سأحضر", told)
    assert "شكرًا! تم تأكيد اللقاء." in amal.text()
    assert meeting_status(app, talk) == "confirmed"

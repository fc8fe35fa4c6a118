"""Telegram end to end: the real PTB application, built by `build_application`, long-polls a fake
Bot API server on 127.0.0.1 (the kit's Telegram backend, tests/kit/telegram.py); people press
buttons and type, and we check what their phone shows and what the database holds.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date
from typing import Any, TypeVar

import pytest
from sqlalchemy import func, select
from telegram import Update

from bot.bootstrap import App
from bot.channels.telegram.adapter import (
    OnePersonAtATime,
    send_delivery,
    split_text,
    to_inbound,
)
from bot.dispatcher import Delivery
from flows import Choice, Command, Contact, Document, Msg, Pressed, Reply, State, Text, Unsupported
from storage import staff as staff_store
from storage.models import (
    Answer,
    Center,
    ChannelIdentity,
    Conversation,
    InboundMessage,
    ManagerDecision,
    ParticipantProfile,
    Person,
    PrescreenOutcome,
)
from tests.fake_telegram import FakeTelegram
from tests.kit import START
from tests.kit.prescreen import EN_TYPED, HE_TYPED, QUESTIONS
from tests.kit.telegram import TelegramBot, TgPerson

T = TypeVar("T")
DUE = date(2026, 11, 29)  # five Israeli working days after the kit's Sunday START

pytestmark = pytest.mark.app(telegram=True)


# ---- reading the database --------------------------------------------------------------------
def person_row(app: App, user_id: int) -> Person:
    with app.db.transaction() as s:
        identity = s.scalar(
            select(ChannelIdentity).where(
                ChannelIdentity.channel == "telegram", ChannelIdentity.external_id == str(user_id)
            )
        )
        assert identity is not None, f"no person for Telegram user {user_id}"
        person = s.get(Person, identity.person_id)
        assert person is not None
        return person


def rows(app: App, model: type[T], person_id: int) -> list[T]:
    with app.db.transaction() as s:
        return list(
            s.scalars(
                select(model)
                .where(model.person_id == person_id)  # type: ignore[attr-defined]
                .order_by(*model.__mapper__.primary_key)
            )
        )  # type: ignore[attr-defined]


def answers(app: App, person_id: int) -> list[tuple[str, str, object]]:
    return [(a.question, a.raw_text, a.value) for a in rows(app, Answer, person_id)]


def center_slug(app: App, center_id: int | None) -> str | None:
    with app.db.transaction() as s:
        return s.scalar(select(Center.slug).where(Center.id == center_id))


def position(app: App, person_id: int) -> tuple[object, ...]:
    """Where the conversation stands: flows, questions, answers (not the button counter)."""
    with app.db.transaction() as s:
        row = s.get(Conversation, person_id)
        assert row is not None
        state = State.from_json(row.state)
    return tuple((f.flow, f.node, tuple(sorted(f.answers.items())), tuple(f.history)) for f in state.frames)


def count(app: App, model: type) -> int:
    with app.db.transaction() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def begin(person: TgPerson) -> TgPerson:
    return person.send("שלום").click("כן, נתחיל")


def type_answers(person: TgPerson, **changes: str) -> TgPerson:
    """Type every pre-screen answer after consent, from name to how they heard of us, and confirm the
    summary."""
    for answer in {**HE_TYPED, **changes}.values():
        person.send(answer)
    return person


# ---- the three outcomes ----------------------------------------------------------------------
def test_eligible_in_hebrew_with_buttons_typing_and_the_contact_button(
    telegram: TelegramBot, app: App
) -> None:
    ronit = telegram.person(1001, "רונית", "כהן", lang="he")
    ronit.send("שלום")
    assert "אמצע הדרך" in ronit.text() and "נתחיל?" in ronit.text()
    assert ronit.buttons()[:2] == ["כן, נתחיל", "לא עכשיו"]

    ronit.click("כן, נתחיל")
    assert "איך לפנות אליכם" in ronit.text()
    assert ronit.buttons() == ["רונית כהן", "↩ חזרה"]  # the name from her Telegram profile
    ronit.click("רונית כהן")
    ronit.send("1968")
    ronit.send("כפר סבא")
    assert "הפעילויות מתקיימות במרכז כפר סבא" in ronit.text()
    ronit.click("כן")
    ronit.click("חודשיים עד שנה")
    ronit.send("חצי משרה")
    ronit.send("25")
    ronit.click("כן")
    ronit.click("משפחה חד-הורית")  # several may be chosen: the list comes back with a tick
    assert "✓ משפחה חד-הורית" in ronit.buttons()
    ronit.click("סיימתי")
    ronit.click("חבר מביא חבר")
    assert "זה מה שרשמנו" in ronit.text() and "קבוצות:" in ronit.text()
    ronit.click("כן, הכול נכון")

    [phone_question] = ronit.last
    assert "מספר הטלפון" in phone_question.text
    assert phone_question.inline == []  # one keyboard per message: the reply keyboard
    assert phone_question.keyboard == [
        {"text": "📞 שיתוף מספר הטלפון", "request_contact": True},
        {"text": "בלי טלפון כרגע"},
    ]
    ronit.share_contact("972501234567")  # Telegram sends the number without "+"

    assert "התוכנית מתאימה לכם" in ronit.text()
    assert "רונית כהן" in ronit.text() and "במרכז כפר סבא" in ronit.text() and "כנס חשיפה" in ronit.text()
    assert ronit.last[-1].removes_keyboard  # the contact keyboard goes away

    # every press was acknowledged, and no old keyboard can be pressed again
    assert len(telegram.fake.calls_of("answerCallbackQuery")) == 9
    shown = [telegram.fake.shown(1001, s.message_id) for s in telegram.fake.sent_to(1001)]
    assert [s.inline for s in shown] == [[]] * len(shown)

    person = person_row(app, 1001)
    assert (person.phone, person.display_name, person.language) == ("+972501234567", "רונית כהן", "he")
    [profile] = rows(app, ParticipantProfile, person.id)
    assert (profile.birth_year, profile.city) == (1968, "כפר סבא")
    assert (profile.out_of_work, profile.job_share) == ("2m1y", 0.5)
    assert (profile.experience_years, profile.recruitment_source, profile.joined_at) == (25, "friend", START)
    assert center_slug(app, profile.center_id) == "kfar-saba"
    [outcome] = rows(app, PrescreenOutcome, person.id)
    assert (outcome.outcome, center_slug(app, outcome.center_id)) == ("eligible", "kfar-saba")
    assert outcome.reasons == []
    assert [a.question for a in rows(app, Answer, person.id)] == [*QUESTIONS, "phone"]
    assert rows(app, ManagerDecision, person.id) == []


def test_not_eligible_at_30_hears_why_and_where_else_to_turn_and_can_ask_for_review(
    telegram: TelegramBot, app: App
) -> None:
    moshe = telegram.person(1002, "משה", None)
    begin(moshe).send("משה").send("30").send("כפר סבא")  # a clear no: it ends once the place is known

    text = moshe.text()
    assert "התוכנית לא מתאימה כרגע" in text
    assert "• התוכנית מיועדת לבני 45 ומעלה." in text
    assert "שירות התעסוקה – לשכת כפר סבא – *6070" in text
    assert "המחלקה לשירותים חברתיים, עיריית כפר סבא – 106" in text
    assert "טלפון" not in text  # no phone question when the program does not suit
    assert moshe.buttons() == ["כן, לבקש בדיקה", "לא, תודה"]

    moshe.click("כן, לבקש בדיקה")
    assert "העברנו את הבקשה" in moshe.text() and "29 בנובמבר 2026" in moshe.text()

    person = person_row(app, 1002)
    outcomes = rows(app, PrescreenOutcome, person.id)
    assert [(o.outcome, o.reasons) for o in outcomes] == [
        ("not_eligible", ["age_below"]),
        ("manager_decision", ["special_circumstances", "age_below"]),
    ]
    [decision] = rows(app, ManagerDecision, person.id)
    assert (decision.status, decision.due_by, decision.outcome_id) == ("pending", DUE, outcomes[1].id)
    [profile] = rows(app, ParticipantProfile, person.id)
    assert profile.birth_year == 1996 and profile.joined_at is None
    assert person.phone is None


def test_age_44_is_left_to_the_center_manager_with_a_date(
    telegram: TelegramBot, app: App, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    dana = telegram.person(1003, "דנה", "לוי")
    type_answers(begin(dana), name="דנה", age="44")
    assert "מספר הטלפון" in dana.text()
    dana.share_contact("+972 52-999-0000", own=False)  # someone else's card
    assert "רק את מספר הטלפון שלכם" in dana.text() and "מספר הטלפון" in dana.last[-1].text
    dana.send("050-1234567")

    assert "הנהלת המרכז" in dana.text()
    assert "יום ראשון, 29 בנובמבר 2026" in dana.text()

    person = person_row(app, 1003)
    assert person.phone == "+972501234567"
    [outcome] = rows(app, PrescreenOutcome, person.id)
    assert (outcome.outcome, outcome.reasons) == ("manager_decision", ["age_below"])
    [decision] = rows(app, ManagerDecision, person.id)
    assert (decision.status, decision.due_by) == ("pending", DUE)
    assert center_slug(app, decision.center_id) == "kfar-saba"

    # nothing she typed reached the logs at INFO: not her name, not her number
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "1234567" not in logged and "דנה" not in logged and "9990000" not in logged
    assert f"person {person.id}" in logged


def test_a_whole_pre_screen_in_english(telegram: TelegramBot, app: App) -> None:
    ruth = telegram.person(1004, "Ruth", "Adler", lang="en")
    ruth.send("hello")
    assert "Midway" in ruth.text() and ruth.buttons()[:2] == ["Yes, let's start", "Not now"]
    ruth.click("Yes, let's start")
    for answer in EN_TYPED:
        ruth.send(answer)
    assert "So that the team can contact you" in ruth.text()
    assert [b["text"] for b in ruth.last[-1].keyboard] == ["📞 Share my phone number", "No phone for now"]
    ruth.send("No phone for now")  # what tapping the plain keyboard button sends

    assert "the program suits you" in ruth.text() and "the Modiin center" in ruth.text()
    person = person_row(app, 1004)
    assert (person.language, person.phone, person.display_name) == ("en", None, "Ruth")
    [outcome] = rows(app, PrescreenOutcome, person.id)
    assert (outcome.outcome, center_slug(app, outcome.center_id)) == ("eligible", "modiin")


# ---- once only, and buttons that are not ours ------------------------------------------------
def test_a_redelivered_update_is_answered_once_and_logged_once(telegram: TelegramBot, app: App) -> None:
    ronit = telegram.person(1005)
    ronit.send("שלום")
    assert len(ronit.last) == 1
    first = ronit.update

    telegram.fake.redeliver(first)
    telegram.wait_handled(first, times=2)
    ronit.click("כן, נתחיל")
    telegram.fake.redeliver(ronit.update)  # a press, twice
    telegram.wait_handled(ronit.update, times=2)

    texts = [s.text for s in telegram.fake.sent_to(1005)]
    assert len(texts) == 2 and "נתחיל?" in texts[0] and "איך לפנות אליכם" in texts[1]
    with app.db.transaction() as s:
        logged = list(s.scalars(select(InboundMessage.platform_message_id).order_by(InboundMessage.id)))
    assert logged == [str(first["update_id"]), str(ronit.update["update_id"])]
    assert [a.question for a in rows(app, Answer, person_row(app, 1005).id)] == ["consent"]


@pytest.mark.parametrize("forged", ["999:yes", "garbage"])
def test_a_forged_button_is_no_longer_active_and_moves_nothing(
    telegram: TelegramBot, app: App, forged: str
) -> None:
    ronit = telegram.person(1006)
    begin(ronit).send("רונית")
    assert "מה הגיל שלכם" in ronit.text()
    person_id = person_row(app, 1006).id
    before = (position(app, person_id), answers(app, person_id))

    ronit.press(forged)
    assert "הכפתור הזה כבר לא פעיל" in ronit.text() and "מה הגיל שלכם" in ronit.text()
    assert (position(app, person_id), answers(app, person_id)) == before

    ronit.send("57")  # the question still stands
    assert "באיזו עיר" in ronit.text()


def test_stickers_edits_long_and_emoji_messages_get_a_kind_reply_and_the_same_question(
    telegram: TelegramBot, app: App
) -> None:
    ronit = telegram.person(1007)
    begin(ronit).send("רונית")
    person_id = person_row(app, 1007).id
    before = position(app, person_id)

    ronit.send_sticker()
    assert "מדבקות, תמונות והקלטות אני עדיין לא יודע לקרוא" in ronit.text()
    assert ronit.last[-1].text.endswith("מה הגיל שלכם? אפשר לכתוב גיל (למשל 57) או שנת לידה (למשל 1968).")
    ronit.edit("1968")  # correcting an earlier message does not answer the question
    assert "הודעה שערכתם אחרי השליחה אני לא יודע לקרוא – אפשר לשלוח אותה שוב כהודעה חדשה?" in ronit.text()
    assert "מדבקות" not in ronit.text()
    assert ronit.last[-1].text.endswith("מה הגיל שלכם? אפשר לכתוב גיל (למשל 57) או שנת לידה (למשל 1968).")
    ronit.send("א" * 4000)
    assert "ההודעה ארוכה מדי בשבילי" in ronit.text() and "מה הגיל שלכם" in ronit.text()
    ronit.send("😀👍")
    assert "לא הצלחתי להבין" in ronit.text() and "מה הגיל שלכם" in ronit.text()

    assert position(app, person_id) == before
    assert all(len(s.text) <= 4096 for s in telegram.fake.sent_to(1007))


def test_slash_commands_with_the_bot_name_are_understood(telegram: TelegramBot) -> None:
    ronit = telegram.person(1008)
    begin(ronit).send("רונית")
    ronit.send("/START@midway_test_bot")
    assert "נתחיל?" in ronit.text()  # started over, from the privacy notice


# ---- when things go wrong --------------------------------------------------------------------
def test_a_failing_step_apologises_keeps_everything_and_the_button_still_works(
    telegram: TelegramBot, app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    ronit = telegram.person(1009)
    ronit.send("שלום")
    person_id = person_row(app, 1009).id
    before = (position(app, person_id), count(app, InboundMessage), rows(app, Answer, person_id))
    consent = ronit.keyboard_message()

    def broken(*args: object, **kwargs: object) -> bool:
        raise RuntimeError("database broke")

    monkeypatch.setattr("storage.effects.apply", broken)
    ronit.click("כן, נתחיל")
    apology = app.catalogs.translator("he").render_key("common.apology")
    assert ronit.text() == apology
    assert (position(app, person_id), count(app, InboundMessage), rows(app, Answer, person_id)) == before
    assert telegram.fake.shown(1009, consent.message_id).inline == consent.inline  # can be pressed again

    monkeypatch.undo()
    ronit.click("כן, נתחיל")
    assert "איך לפנות אליכם" in ronit.text()


def test_a_person_who_blocked_the_bot_is_logged_without_their_id_and_others_are_served(
    telegram: TelegramBot, app: App, caplog: pytest.LogCaptureFixture
) -> None:
    telegram.fake.block(4242424)
    blocked = telegram.person(4242424)
    blocked.send("שלום")
    assert blocked.last == []
    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and r.name == "bot.channels.telegram"
    ]
    assert warnings and all("4242424" not in w for w in warnings)
    assert "blocked" in warnings[0]

    other = telegram.person(1010)
    other.send("שלום")
    assert "נתחיל?" in other.text()


def test_flood_control_waits_and_sends_once(telegram: TelegramBot) -> None:
    telegram.fake.flood(1011, retry_after=1)
    ronit = telegram.person(1011)
    ronit.send("שלום")
    assert len(ronit.last) == 1 and "נתחיל?" in ronit.text()
    statuses = [c.status for c in telegram.fake.calls_of("sendMessage") if c.chat_id == 1011]
    assert statuses == [429, 200]


def test_group_chats_and_membership_updates_are_ignored(telegram: TelegramBot, app: App) -> None:
    telegram.fake.person(1012)
    group = telegram.fake.push_group_text(-100777, 1012, "שלום")
    left = telegram.fake.push_blocked_by(1012)
    telegram.wait_handled(group)
    telegram.wait_handled(left)
    assert telegram.fake.calls_of("sendMessage") == []
    assert count(app, Person) == 0 and count(app, InboundMessage) == 0


def test_long_replies_are_split_at_line_breaks_with_the_buttons_on_the_last_part(
    telegram: TelegramBot, app: App
) -> None:
    lines = [f"{i:03d} " + "x" * 96 for i in range(100)]  # 100 lines of 100 characters
    reply = Reply(
        parts=(Msg("common.raw", {"text": "\n".join(lines)}),),
        choices=(Choice("1:yes", Msg("common.yes")), Choice("1:no", Msg("common.no"))),
    )
    document = Document(
        "meeting.ics",
        b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
        "text/calendar",
        caption=Msg("common.raw", {"text": "Your meeting"}),
    )
    telegram.run(
        send_delivery(
            telegram.application.bot, app.catalogs, 1013, Delivery(lang="en", replies=(reply, document))
        )
    )

    sent = telegram.fake.sent_to(1013)
    parts, doc = sent[:-1], sent[-1]
    assert [len(p.text) for p in parts] == [4039, 4039, 2019]  # 40 + 40 + 20 whole lines and breaks
    assert "\n".join(p.text for p in parts) == "\n".join(lines)
    assert [p.buttons for p in parts] == [[], [], ["Yes", "No"]]
    assert doc.text == "Your meeting"
    assert doc.document == {
        "filename": "meeting.ics",
        "content": b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
        "mime_type": "text/calendar",
    }


# ---- turning updates into inputs (no server needed) ------------------------------------------
def inbound_of(update: dict[str, Any]):  # type: ignore[no-untyped-def]
    return to_inbound(Update.de_json(update, None))


def test_updates_become_inputs_for_the_engine() -> None:
    fake = FakeTelegram()  # not started: only its update builders are used
    fake.person(55, "רונית", "כהן", "he")
    text = fake.push_text(55, "שלום")
    inbound = inbound_of(text)
    assert inbound is not None
    assert (inbound.channel, inbound.external_id) == ("telegram", "55")
    assert inbound.message_id == str(text["update_id"])
    assert (inbound.profile_name, inbound.language_hint, inbound.input) == ("רונית כהן", "he", Text("שלום"))

    assert inbound_of(fake.push_text(55, "/Start@midway_test_bot  ref-7")).input == Command("start", "ref-7")
    assert inbound_of(fake.push_text(55, "/")).input == Text("/")
    assert inbound_of(fake.push_callback(55, "3:yes", message_id=9)).input == Pressed("3:yes")
    assert inbound_of(fake.push_contact(55, "972501234567")).input == Contact("972501234567", own=True)
    someone_else = fake.push_contact(55, "972501234567", own=False)
    assert inbound_of(someone_else).input == Contact("972501234567", own=False)
    assert inbound_of(fake.push_sticker(55)).input == Unsupported("sticker")
    assert inbound_of(fake.push_edited(55, "57")).input == Unsupported("edited")
    photo = fake.push(
        {
            "message": {
                **fake._message(55),
                "photo": [{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}],
            }
        }
    )
    assert inbound_of(photo).input == Unsupported("photo")
    voice = fake.push(
        {"message": {**fake._message(55), "voice": {"file_id": "v1", "file_unique_id": "u2", "duration": 3}}}
    )
    assert inbound_of(voice).input == Unsupported("voice")
    location = fake.push(
        {"message": {**fake._message(55), "location": {"latitude": 32.18, "longitude": 34.9}}}
    )
    assert inbound_of(location).input == Unsupported("location")

    assert inbound_of(fake.push_group_text(-100777, 55, "שלום")) is None
    assert inbound_of(fake.push_blocked_by(55)) is None


def test_split_text_keeps_short_texts_and_cuts_a_line_longer_than_a_message() -> None:
    assert split_text("שלום\n\nמה שלומך?") == ["שלום\n\nמה שלומך?"]
    assert [len(p) for p in split_text("a" * 5000)] == [4096, 904]
    assert split_text("😀" * 3000) == ["😀" * 2048, "😀" * 952]  # an emoji is two UTF-16 units


# ---- concurrency -------------------------------------------------------------------------------
def test_one_persons_updates_run_in_order_while_other_people_are_served_meanwhile() -> None:
    fake = FakeTelegram()  # not started: only its update builders are used
    processor = OnePersonAtATime(max_concurrent_updates=8)
    log: list[tuple[str, int, int]] = []

    async def handle(user: int, n: int, seconds: float) -> None:
        log.append(("start", user, n))
        await asyncio.sleep(seconds)
        log.append(("end", user, n))

    async def arrive() -> None:
        # Ruth's first message is slow (the database is busy); her next ones must wait for it,
        # Moshe's must not
        plan = [(1001, 0, 0.05), (1001, 1, 0.0), (1002, 0, 0.0), (1001, 2, 0.0), (1002, 1, 0.0)]
        await asyncio.gather(
            *(
                processor.process_update(
                    Update.de_json(fake.push_text(user, str(n)), None), handle(user, n, s)
                )
                for user, n, s in plan
            )
        )

    asyncio.run(arrive())
    assert [e for e in log if e[1] == 1001] == [
        ("start", 1001, 0),
        ("end", 1001, 0),
        ("start", 1001, 1),
        ("end", 1001, 1),
        ("start", 1001, 2),
        ("end", 1001, 2),
    ]
    assert log.index(("end", 1002, 1)) < log.index(("end", 1001, 0))


def test_talk_to_a_person_with_no_phone_asks_for_the_contact_button_and_staff_see_the_number(
    telegram: TelegramBot, app: App
) -> None:
    ronit = telegram.person(1004, "רונית", "כהן")
    ronit.send("נציג")
    [question] = ronit.last
    assert "מספר הטלפון" in question.text and "יתקשר" not in question.text  # no call promised yet
    assert question.keyboard[0] == {"text": "📞 שיתוף מספר הטלפון", "request_contact": True}
    ronit.share_contact("972501234567")
    assert "יתקשר אליכם" in ronit.text() and ronit.last[-1].removes_keyboard
    assert person_row(app, 1004).phone == "+972501234567"

    with app.db.transaction() as s:
        staff_store.make_staff(s, "telegram", "2001", "promoter", "kfar-saba", app.clock(), "יוסי")
    yossi = telegram.person(2001, "יוסי", None)
    yossi.send("/staff")
    yossi.click("בקשות לשיחה")
    yossi.click("(בלי שם)")  # she asked before the pre-screen: no name yet, every center sees her
    assert "טלפון: +972501234567" in yossi.text() and "לא ידוע" not in yossi.text()

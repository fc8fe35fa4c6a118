"""Staff in the chat, the flow alone (pure): a manager adds, lists, edits and cancels the events of
their center; whoever may not (a participant, a role the program does not allow) finds nothing there.
The state goes through JSON after every step (the kit does that)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from flows import Context, EventOffer, Msg, PersonFacts, Pressed, Reply
from flows.context import Bookings, SessionInfo
from flows.effects import RequestHandoff
from flows.program import StaffRules
from flows.staff import StaffResult, staff_result_replies
from flows.staff.effects import CancelEvent, CreateEvent, EditEvent, NewSessionSpec
from tests.kit import PROGRAM, TZ, FlowChat

MANAGER = PersonFacts(channel="telegram", role="manager", staff_center="kfar-saba")
ROUTER = replace(MANAGER, role="router")
PROMOTER = replace(MANAGER, role="promoter")
PARTICIPANT = PersonFacts(channel="telegram", outcome="eligible", center="kfar-saba", track="all")


def at(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


def upcoming(
    ref: str,
    title: str,
    starts: list[datetime],
    capacity: int | None = 20,
    taken: int = 0,
    waiting: int = 0,
    signup: bool = True,
    center: str = "kfar-saba",
) -> EventOffer:
    sessions = tuple(SessionInfo(s, s + timedelta(hours=3), "room 2") for s in starts)
    return EventOffer(
        ref=ref,
        title=title,
        starts_at=starts[0],
        place="room 2",
        center=center,
        kind="opening_workshop",
        sessions=sessions,
        seats_left=None if capacity is None else capacity - taken,
        signup_required=signup,
        capacity=capacity,
        taken=taken,
        waiting=waiting,
    )


WORKSHOP = upcoming("e7", "סדנת פתיחה", [at(3, 9), at(10, 9), at(17, 9)], capacity=20, taken=12, waiting=0)
NETWORKING = upcoming("e8", "נטוורקינג", [at(11, 10)], capacity=10, taken=10, waiting=3)
CLUB = upcoming("e9", "ג'וב קלאב", [at(6, 17)], capacity=None, signup=False)
ELSEWHERE = upcoming("e10", "כנס חשיפה", [at(4, 18)], center="modiin")


@dataclass
class StaffChat(FlowChat):
    staff_events: tuple[EventOffer, ...] = ()

    def context(self) -> Context:
        return replace(super().context(), bookings=Bookings(staff_events=self.staff_events))


def staff(person: PersonFacts = MANAGER, lang: str = "he", **kw: object) -> StaffChat:
    return StaffChat(lang=lang, person=person, staff_events=(WORKSHOP, NETWORKING, CLUB, ELSEWHERE), **kw)


EVENT_TASKS = ["➕ להוסיף אירוע", "📋 האירועים הקרובים והרשמות", "✏️ לשנות אירוע", "❌ לבטל אירוע"]
REQUESTS, CASES = "📞 בקשות לשיחה עם הצוות (0)", "⚖️ ממתינים להחלטה שלכם (0)"
MEETINGS = "🤝 פגישות: נוכחות ומשימה הבאה"  # attendance and the next task (flows/homework/next_task.py)
STAFF_MENU = [*EVENT_TASKS, REQUESTS, CASES, MEETINGS]  # a manager's (flows/staff_queue.py: requests, cases)


# ---- adding ----------------------------------------------------------------------------------
def test_a_manager_adds_a_three_meeting_workshop_typing_forgiving_dates_and_times() -> None:
    chat = staff().send("/staff")
    assert "תפריט הצוות – מרכז כפר סבא" in chat.last_text() and chat.buttons() == STAFF_MENU
    chat.click("להוסיף אירוע")
    assert chat.buttons()[:3] == ["כנס חשיפה", "סדנת פתיחה", "חזרה לעולם העבודה"]
    assert len(chat.buttons()) == 16 + 1  # the whole catalog, and "back"
    chat.click("חזרה לעולם העבודה").send("חזרה לעולם העבודה – מחזור חורף").click("לא, רק עברית")
    chat.send("3.12").send("6 בערב").send("חדר 2").send("3").send("20")
    chat.click("מסלול שכירים").click("כן, בהרשמה")
    summary = chat.last_text()
    for line in (
        "• סוג: חזרה לעולם העבודה",
        "• שם: חזרה לעולם העבודה – מחזור חורף",
        "• 3 מפגשים, פעם בשבוע – הראשון: יום חמישי, 3 בדצמבר 2026, 18:00, "
        "האחרון: יום חמישי, 17 בדצמבר 2026, 18:00",
        "• מקום: חדר 2",
        "• מקומות: 20",
        "• מיועד: מסלול שכירים",
        "• בהרשמה מראש",
    ):
        assert line in summary, line
    assert chat.effects_of(CreateEvent) == []  # nothing until confirmed
    chat.click("כן, להוסיף")
    assert chat.effects_of(CreateEvent) == [
        CreateEvent(
            kind="back_to_work",
            titles={"he": "חזרה לעולם העבודה – מחזור חורף"},
            sessions=tuple(NewSessionSpec(at(day, 18), "חדר 2") for day in (3, 10, 17)),
            capacity=20,
            track="employees",
            signup_required=True,
        )
    ]
    assert chat.buttons() == STAFF_MENU  # back to what staff can do


def test_an_english_speaking_manager_adds_a_drop_in_with_titles_in_every_language() -> None:
    chat = staff(lang="en").send("staff").click("Add an event").click("Job club").send("ג'וב קלאב")
    chat.click("Yes, add them")
    assert "What is the event's title in English?" in chat.last_text()
    assert chat.buttons() == ["Skip this language", "↩ Back"]
    chat.send("Job club").send("Джоб-клуб").click("Skip this language")
    chat.send("03/12/2026").send("17:00").send("Business space, 2nd floor")
    chat.click("One meeting").click("No limit").click("Everyone").click("No, drop-in")
    text = chat.last_text()
    assert "• When: Thursday, December 3, 2026, 17:00" in text and "• Seats: no limit" in text
    assert "• Title in English: Job club" in text and "• Drop-in, no sign-up" in text
    chat.click("Yes, add it")
    [created] = chat.effects_of(CreateEvent)
    assert created.titles == {"he": "ג'וב קלאב", "en": "Job club", "ru": "Джоб-клуб"}
    assert (created.capacity, created.track, created.signup_required) == (None, "all", False)
    assert created.sessions == (NewSessionSpec(at(3, 17), "Business space, 2nd floor"),)


def test_a_typed_number_is_the_seats_not_the_number_of_the_no_limit_button() -> None:
    chat = staff().send("/staff").click("להוסיף").click("נטוורקינג מורחב").send("נטוורקינג")
    chat.click("לא, רק עברית").send("מחר").send("10:00").send("אולם").send("1").send("1")
    chat.click("לכולם").click("כן, בהרשמה").click("כן, להוסיף")
    [created] = chat.effects_of(CreateEvent)
    assert created.capacity == 1 and len(created.sessions) == 1
    assert created.sessions[0].starts_at == datetime(2026, 11, 23, 10, tzinfo=TZ)


def test_a_past_date_an_unreadable_one_and_a_time_already_gone_are_refused_kindly() -> None:
    chat = staff().send("/staff").click("להוסיף").click("סדנת פתיחה").send("סדנה").click("לא, רק עברית")
    chat.send("1.11.2026")
    assert "התאריך הזה כבר עבר" in chat.last_text()
    chat.send("31.2.2027")
    assert "לא הצלחתי לקרוא את התאריך" in chat.last_text()
    chat.send("היום").send("8:00")  # it is Sunday 10:00
    assert "המועד הזה כבר עבר" in chat.last_text()
    chat.send("עוד מעט")
    assert "לא הצלחתי לקרוא את השעה" in chat.last_text()
    chat.send("13:00")
    assert "איפה?" in chat.last_text()
    chat.send("חדר 1").send("0")
    assert "בין 1 ל-30" in chat.last_text()
    chat.send("100")
    assert "בין 1 ל-30" in chat.last_text()


def test_back_walks_the_questions_and_nothing_is_added_when_the_summary_is_declined() -> None:
    chat = staff().send("/staff").click("להוסיף").click("סדנת פתיחה").send("סדנת חורף")
    chat.click("↩ חזרה")
    assert "מה שם האירוע בעברית" in chat.last_text()
    chat.send("סדנת פתיחה – חורף").click("לא, רק עברית").send("3.12").send("9").send("חדר 2")
    chat.click("מפגש אחד").click("ללא הגבלה").click("לכולם").click("כן, בהרשמה")
    assert "• שם: סדנת פתיחה – חורף" in chat.last_text()
    chat.click("לא להוסיף")
    assert "האירוע לא נוסף" in chat.last_text() and chat.effects_of(CreateEvent) == []


def test_menu_and_talk_to_a_person_work_in_the_middle_of_adding() -> None:
    chat = staff().send("/staff").click("להוסיף").click("סדנת פתיחה")
    chat.send("נציג")
    assert chat.effects_of(RequestHandoff) and "מספר הטלפון" in chat.last_text()  # none on file
    chat.click("בלי טלפון")
    assert "מה שם האירוע בעברית" in chat.last_text()
    chat.send("תפריט")
    assert "🧑‍💼 תפריט הצוות" in chat.buttons()
    chat.click("להמשיך מאיפה שעצרנו")
    assert "מה שם האירוע בעברית" in chat.last_text()


# ---- listing ---------------------------------------------------------------------------------
def test_the_list_shows_the_centers_upcoming_events_with_seats_and_waiting_list() -> None:
    chat = staff().send("/staff").click("האירועים הקרובים")
    text = chat.last_text()
    assert "האירועים הקרובים במרכז כפר סבא:" in text
    assert "• סדנת פתיחה – יום חמישי, 3 בדצמבר 2026, 09:00, room 2 (רשומים: 12 מתוך 20)" in text
    assert (
        "• נטוורקינג – יום שישי, 11 בדצמבר 2026, 10:00, room 2 (רשומים: 10 מתוך 10, ברשימת המתנה: 3)" in text
    )
    assert "• ג'וב קלאב – יום ראשון, 6 בדצמבר 2026, 17:00, room 2 (כניסה חופשית)" in text
    assert text.index("סדנת פתיחה") < text.index("ג'וב קלאב") < text.index("נטוורקינג")  # by date
    assert "כנס חשיפה" not in text  # another center's
    assert chat.buttons() == STAFF_MENU


def test_a_center_without_events_says_so() -> None:
    chat = StaffChat(person=MANAGER).send("/staff").click("האירועים הקרובים")
    assert "אין כרגע אירועים קרובים במרכז כפר סבא" in chat.last_text()
    chat.click("לבטל אירוע")
    assert "אין כרגע אירועים קרובים" in chat.last_text() and chat.effects_of(CancelEvent) == []


# ---- editing ---------------------------------------------------------------------------------
def test_moving_a_multi_meeting_workshop_moves_every_meeting_by_the_same_days() -> None:
    chat = staff().send("/staff").click("לשנות אירוע")
    assert chat.buttons()[:3] == [
        "סדנת פתיחה – יום חמישי, 3 בדצמבר 2026, 09:00",
        "ג'וב קלאב – יום ראשון, 6 בדצמבר 2026, 17:00",
        "נטוורקינג – יום שישי, 11 בדצמבר 2026, 10:00",
    ]
    chat.click("סדנת פתיחה")
    assert "📅 סדנת פתיחה (רשומים: 12 מתוך 20)" in chat.last_text()
    chat.click("תאריך").send("7.12")
    text = chat.last_text()
    assert "האירוע סדנת פתיחה יעבור ליום שני, 7 בדצמבר 2026, 09:00" in text
    assert "כל 3 המפגשים יזוזו בהתאם" in text and "רשומים לאירוע 12 אנשים (כולל רשימת ההמתנה)." in text
    assert "כולם יקבלו הודעה עם הפרטים החדשים" in text
    chat.click("כן, לשמור")
    [edit] = chat.effects_of(EditEvent)
    assert edit.event == "e7" and edit.capacity is None and not edit.clear_capacity
    assert edit.sessions == tuple(NewSessionSpec(at(day, 9), "room 2", at(day, 12)) for day in (7, 14, 21))


def test_a_new_time_applies_to_every_meeting_and_keeps_their_length() -> None:
    chat = staff().send("/staff").click("לשנות אירוע").click("סדנת פתיחה").click("שעה").send("5 אחר הצהריים")
    chat.click("כן, לשמור")
    [edit] = chat.effects_of(EditEvent)
    assert edit.sessions == tuple(NewSessionSpec(at(day, 17), "room 2", at(day, 20)) for day in (3, 10, 17))


def test_place_and_capacity_changes_and_a_warning_below_the_seats_taken() -> None:
    chat = staff().send("/staff").click("לשנות אירוע").click("סדנת פתיחה").click("מקום").send("אולם הכנסים")
    assert "המקום של סדנת פתיחה ישתנה ל: אולם הכנסים" in chat.last_text()
    chat.click("כן, לשמור")
    chat.click("לשנות אירוע").click("סדנת פתיחה").click("מספר מקומות").send("10")
    text = chat.last_text()
    assert "כבר נרשמו 12 אנשים" in text and "יקבלו הודעה" not in text  # seats: no notice
    chat.click("כן, לשמור")
    chat.click("לשנות אירוע").click("נטוורקינג").click("מספר מקומות").click("ללא הגבלה").click("כן, לשמור")
    first, second, third = chat.effects_of(EditEvent)
    assert [s.place for s in first.sessions or ()] == ["אולם הכנסים"] * 3
    assert (second.event, second.capacity, second.sessions) == ("e7", 10, None)
    assert (third.event, third.clear_capacity) == ("e8", True)


def test_moving_an_event_into_the_past_is_refused_and_declining_changes_nothing() -> None:
    chat = staff().send("/staff").click("לשנות אירוע").click("נטוורקינג").click("תאריך").send("1.11.2026")
    assert "התאריך הזה כבר עבר" in chat.last_text()
    chat.send("22.11")  # today, at the event's 10:00 — a moment already gone
    assert "המועד הזה כבר עבר" in chat.last_text()
    chat.send("23.11")
    assert "האירוע נטוורקינג יעבור ליום שני, 23 בנובמבר 2026, 10:00" in chat.last_text()
    assert "רשומים לאירוע 13 אנשים (כולל רשימת ההמתנה)" in chat.last_text()
    chat.click("לא לשנות")
    assert "לא שינינו דבר" in chat.last_text() and chat.effects_of(EditEvent) == []


# ---- cancelling ------------------------------------------------------------------------------
def test_cancelling_says_how_many_will_be_told_and_needs_a_yes() -> None:
    chat = staff().send("/staff").click("לבטל אירוע").click("נטוורקינג")
    assert "רשומים אליו 13 אנשים (כולל רשימת ההמתנה). כולם יקבלו הודעה על הביטול" in chat.last_text()
    chat.click("לא לבטל")
    assert "האירוע לא בוטל" in chat.last_text() and chat.effects_of(CancelEvent) == []
    chat.click("לבטל אירוע").click("ג'וב קלאב")
    assert "אין בו רשומים" in chat.last_text()
    chat.click("כן, לבטל את האירוע")
    assert chat.effects_of(CancelEvent) == [CancelEvent("e9")]


def test_what_the_shell_did_is_said_in_the_staff_members_words() -> None:
    def said(result: StaffResult, lang: str = "he") -> str:
        (reply,) = staff_result_replies(result)
        assert isinstance(reply, Reply)
        return FlowChat(lang=lang).text_of(reply)

    assert said(StaffResult("create", "done", "סדנה", at(3, 18))) == (
        "✅ נוסף: סדנה, יום חמישי, 3 בדצמבר 2026, 18:00. משתתפי המרכז כבר יכולים להירשם."
    )
    cancelled = said(StaffResult("cancel", "done", "X", at(3, 18), 2), "en")
    assert "The 2 people who signed up will be told" in cancelled
    assert "Nobody was signed up" in said(StaffResult("cancel", "done", "X", at(3, 18)), "en")
    assert "does not allow" in said(StaffResult("edit", "not_allowed"), "en")
    assert "no longer active" in said(StaffResult("edit", "unavailable"), "en")


# ---- who can reach it ------------------------------------------------------------------------
def test_a_participant_typing_staff_gets_exactly_what_any_unknown_command_gets() -> None:
    unknown = FlowChat(person=PARTICIPANT).send("/foo")
    chat = FlowChat(person=PARTICIPANT).send("/staff")
    assert chat.last_batch == unknown.last_batch
    assert "לא הכרתי את הפקודה" in chat.last_text() and "לצוות" not in chat.last_text()


def test_the_staff_keyword_and_a_forged_button_reveal_nothing_to_a_participant() -> None:
    chat = FlowChat(person=PARTICIPANT).send("תפריט")
    assert not any("לצוות" in b for b in chat.buttons())
    chat.send("צוות")
    assert "תפריט הצוות" not in chat.last_text() and chat.state.top is not None
    assert chat.state.top.flow == "menu"
    chat.press("g:staff")
    assert Msg("common.stale_button") in chat.last_batch[0].parts
    assert all(f.flow != "staff" for f in chat.state.frames)


def test_each_role_finds_what_the_program_allows_it_and_the_setting_decides() -> None:
    promoter = staff(PROMOTER).send("/staff")  # the shipped setting: events for managers and routers,
    assert promoter.buttons() == [REQUESTS, MEETINGS]  # requests for all, decisions for managers
    router = staff(ROUTER).send("/staff")
    assert router.buttons() == [*EVENT_TASKS, REQUESTS]
    kfar_saba = replace(
        PROGRAM.centers[1], staff=StaffRules(event_roles=("manager", "promoter"), handoff_roles=("manager",))
    )
    assert kfar_saba.slug == "kfar-saba"
    program = replace(PROGRAM, centers=(PROGRAM.centers[0], kfar_saba, *PROGRAM.centers[2:]))
    assert staff(PROMOTER, program=program).send("/staff").buttons() == [*EVENT_TASKS, MEETINGS]
    nothing = staff(ROUTER, program=program).send("/staff")  # no task left for a router there
    assert "לא הכרתי" in nothing.last_text() and all(f.flow != "staff" for f in nothing.state.frames)


def test_someone_who_is_no_longer_staff_leaves_the_staff_flow_at_their_next_message() -> None:
    chat = staff().send("/staff").click("להוסיף").click("סדנת פתיחה").send("סדנה").click("לא, רק עברית")
    chat.send("3.12").send("18:00").send("חדר 2").click("מפגש אחד").click("ללא הגבלה").click("לכולם")
    chat.click("כן, בהרשמה")
    summary_buttons = chat.last_choices()
    chat.person = PARTICIPANT  # `midway staff remove` meanwhile
    chat.feed(Pressed(summary_buttons[0].payload))  # "yes, add it", pressed after the role was taken
    assert chat.effects_of(CreateEvent) == []
    assert Msg("common.stale_button") in chat.last_batch[0].parts
    assert [f.flow for f in chat.state.frames] == ["menu"]


def test_staff_who_never_took_the_pre_screen_are_greeted_with_the_menu_not_the_pre_screen() -> None:
    chat = staff().send("שלום")
    assert chat.state.top is not None and chat.state.top.flow == "menu"
    assert chat.buttons()[0] == "🧑‍💼 תפריט הצוות" and "בדיקת התאמה לתוכנית" in chat.buttons()
    chat.click("תפריט הצוות")
    assert chat.buttons() == STAFF_MENU
    assert staff().send("/start").buttons()[0] == "🧑‍💼 תפריט הצוות"


def test_the_staff_prompts_render_in_every_language_with_their_values() -> None:
    for lang in ("he", "en", "ru", "ar"):
        chat = staff(lang=lang).send("/staff")
        assert len(chat.buttons()) == 7
        rendered = chat.render(Msg("staff.ask_task", {"center": "X"}))
        assert "X" in rendered


def test_an_event_that_is_gone_meanwhile_is_said_to_be_gone() -> None:
    chat = staff().send("/staff").click("לבטל אירוע").click("נטוורקינג")
    chat.staff_events = (WORKSHOP, CLUB)  # another manager cancelled it in the meantime
    chat.click("כן, לבטל את האירוע")
    assert "האירוע הזה כבר לא פעיל" in chat.last_text() and chat.effects_of(CancelEvent) == []

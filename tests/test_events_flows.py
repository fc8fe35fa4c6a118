"""The event and meeting flows alone (pure, no database), with the FlowChat kit: what the person sees
and which booking effects the flows ask the shell for. The state goes through JSON after every step."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from flows import Context, EventOffer, PersonFacts, Reply, State
from flows.context import Bookings, MeetingFacts, SessionInfo
from flows.effects import UpdateProfile
from flows.events import BookingResult, result_replies
from flows.events.effects import AnswerAttendance, AnswerOffer, CancelSignup, SignUp
from flows.meetings.effects import AnswerMeeting
from flows.registry import proactive_sprint
from tests.kit import CATALOGS, START, TZ, FlowChat
from tests.test_prescreen import answer, begin


def offer(
    ref: str,
    title: str,
    days: int,
    seats: int | None = 10,
    track: str = "all",
    status: str | None = None,
    position: int | None = None,
    kind: str = "opening_workshop",
) -> EventOffer:
    when = (START + timedelta(days=days)).replace(hour=9)
    return EventOffer(
        ref=ref,
        title=title,
        starts_at=when,
        place="room 2",
        center="kfar-saba",
        kind=kind,
        sessions=(SessionInfo(when, when + timedelta(hours=4), "room 2"),),
        seats_left=seats,
        track=track,
        my_status=status,
        my_position=position,
    )


@dataclass
class EventsChat(FlowChat):
    events: tuple[EventOffer, ...] = ()
    meetings: tuple[MeetingFacts, ...] = ()
    exposure: tuple[EventOffer, ...] = field(default_factory=tuple)

    def context(self) -> Context:
        bookings = Bookings(exposure=self.exposure, events=self.events, meetings=self.meetings)
        return replace(super().context(), bookings=bookings)

    def proactive(self, kind: str, data: dict[str, object]) -> EventsChat:
        ctx = Context(program=self.program, lexicon=CATALOGS, person=self.person)  # type: ignore[arg-type]
        self.take(proactive_sprint(self.state, kind, data, self.now, ctx))
        return self


PARTICIPANT = PersonFacts(outcome="eligible", center="kfar-saba", track="all")


def test_browsing_and_signing_up_in_hebrew() -> None:
    chat = EventsChat(
        person=PARTICIPANT, events=(offer("e1", "סדנת פתיחה", 7), offer("e2", "נטוורקינג", 9, seats=0))
    )
    chat.send("תפריט").click("אירועים וסדנאות")
    assert chat.buttons() == [
        "סדנת פתיחה – יום ראשון, 29 בנובמבר 2026, 09:00–13:00",
        "נטוורקינג – יום שלישי, 1 בדצמבר 2026, 09:00–13:00",
    ]
    chat.click("נטוורקינג")
    assert "כל המקומות תפוסים" in chat.last_text() and chat.buttons()[0] == "כן, לרשימת ההמתנה"
    chat.click("↩ חזרה").click("סדנת פתיחה")
    assert "נשארו 10 מקומות פנויים." in chat.last_text()
    chat.click("כן, לרשום אותי")
    assert chat.effects_of(SignUp) == [SignUp("e1")]


def test_menu_numbers_mean_the_same_entry_with_a_question_pending_and_it_waits_for_continue() -> None:
    chat = EventsChat(person=PARTICIPANT, events=(offer("e1", "סדנת פתיחה", 7), offer("e2", "נטוורקינג", 9)))
    chat.send("תפריט")
    learned = chat.buttons()
    assert learned[1] == "📅 אירועים וסדנאות – הרשמה"
    chat.send("2").send("1")  # events, the first one
    assert "לרשום" in chat.last_text()
    chat.send("תפריט")
    assert chat.buttons() == [*learned, "להמשיך מאיפה שעצרנו"]  # "continue" comes last, the rest in place
    chat.send("1")  # "my status", as always
    assert "עברתם את בדיקת ההתאמה" in chat.last_text()
    assert chat.buttons() == [*learned, "להמשיך מאיפה שעצרנו"]  # the same menu, not the pending question
    chat.send("1")  # a second "1" is "my status" again, not "yes, sign me up"
    assert chat.effects_of(SignUp) == []
    chat.send("2")
    assert chat.buttons()[:2] == [
        "סדנת פתיחה – יום ראשון, 29 בנובמבר 2026, 09:00–13:00",
        "נטוורקינג – יום שלישי, 1 בדצמבר 2026, 09:00–13:00",
    ]
    chat.send("תפריט").send(str(len(learned) + 1))  # continue: the events list, where the person was
    assert chat.buttons()[0].startswith("סדנת פתיחה")


def test_the_track_is_asked_when_events_differ_by_track_and_filters_the_list_in_english() -> None:
    events = (
        offer("e1", "Back to work", 7, track="employees"),
        offer("e2", "Starting a business", 8, track="self_employed"),
    )
    chat = EventsChat(lang="en", person=replace(PARTICIPANT, track=None), events=events)
    chat.send("menu").click("Events and workshops").click("Working as self-employed")
    assert chat.buttons() == ["Starting a business – Monday, November 30, 2026, 09:00–13:00", "↩ Back"]
    chat.click("Starting a business").click("Not now")
    assert chat.effects_of(UpdateProfile) == [UpdateProfile({"track": "self_employed"})]
    assert chat.effects_of(SignUp) == []


def test_my_place_on_the_waitlist_is_shown_and_a_sign_up_cancelled_in_english() -> None:
    events = (
        offer("e1", "Opening workshop", 7, status="confirmed"),
        offer("e2", "Networking", 9, seats=0, status="waitlisted", position=3),
    )
    chat = EventsChat(lang="en", person=PARTICIPANT, events=events)
    chat.send("menu").click("My sign-ups")
    assert chat.buttons()[:2] == [
        "Opening workshop – Sunday, November 29, 2026, 09:00–13:00 (signed up ✓)",
        "Networking – Tuesday, December 1, 2026, 09:00–13:00 (waiting list, number 3)",
    ]
    chat.click("Opening workshop").click("Cancel my sign-up")
    assert chat.effects_of(CancelSignup) == [CancelSignup("e1")]


def test_my_sign_ups_say_their_status_in_a_few_words_not_a_sentence_inside_the_button() -> None:
    events = (
        offer("e1", "סדנת פתיחה", 7, status="confirmed"),
        offer("e2", "נטוורקינג", 9, seats=0, status="waitlisted", position=3),
    )
    chat = EventsChat(person=PARTICIPANT, events=events)
    chat.send("תפריט").click("ההרשמות והפגישות שלי")
    assert chat.buttons()[:2] == [
        "סדנת פתיחה – יום ראשון, 29 בנובמבר 2026, 09:00–13:00 (רשומים ✓)",
        "נטוורקינג – יום שלישי, 1 בדצמבר 2026, 09:00–13:00 (ברשימת ההמתנה, מקום 3)",
    ]
    chat.click("סדנת פתיחה")  # the details still say it in a sentence
    assert "אתם רשומים לפעילות הזו. ✓" in chat.last_text()


def test_an_offered_seat_is_taken_from_my_bookings() -> None:
    chat = EventsChat(person=PARTICIPANT, events=(offer("e2", "נטוורקינג", 9, seats=0, status="offered"),))
    chat.send("תפריט").click("ההרשמות והפגישות שלי").click("נטוורקינג")
    assert "התפנה לכם מקום" in chat.last_text()
    chat.click("כן, אגיע")
    assert chat.effects_of(AnswerOffer) == [AnswerOffer("e2", True)]


def test_a_reminder_question_opens_on_top_of_the_pre_screen_and_returns_to_it() -> None:
    chat = EventsChat()
    chat.send("שלום").click("כן, נתחיל")
    asked = chat.state.seq
    when = datetime(2026, 11, 25, 18, tzinfo=TZ).isoformat()
    chat.proactive(
        "reminder", {"event": "e5", "title": "כנס חשיפה", "when": when, "place": "אולם", "confirm": True}
    )
    assert "תזכורת: כנס חשיפה, יום רביעי, 25 בנובמבר 2026, 18:00, אולם" in chat.last_text()
    assert chat.state.seq == asked + 1 and chat.buttons() == ["כן, אגיע", "לא אוכל להגיע"]
    chat.click("כן, אגיע")
    assert chat.effects_of(AnswerAttendance) == [AnswerAttendance("e5", True)]
    assert "איך לפנות אליכם" in chat.last_text()  # back to the pre-screen's question


def test_a_meeting_is_confirmed_or_rescheduled_with_a_reason_in_english_and_hebrew() -> None:
    when = datetime(2026, 11, 26, 10, tzinfo=TZ).isoformat()
    data = {"meeting": "m3", "when": when, "place": "room 4", "promoter": "Dana", "note": "scheduled"}
    chat = EventsChat(lang="en").proactive("meeting", data)
    assert (
        "A personal meeting has been scheduled for you with Dana: Thursday, November 26, 2026, 10:00, room 4"
        in chat.last_text()
    )
    chat.click("I need another time")
    chat.send("I have a job interview that morning")
    assert chat.effects_of(AnswerMeeting) == [
        AnswerMeeting("m3", "reschedule", "I have a job interview that morning")
    ]
    hebrew = EventsChat().proactive("meeting", {**data, "note": "reminder"})
    assert "תזכורת: פגישה אישית עם Dana" in hebrew.last_text()
    hebrew.click("לבטל את הפגישה")
    assert hebrew.effects_of(AnswerMeeting) == [AnswerMeeting("m3", "cancel", None)]


def test_a_second_reminder_for_the_same_event_replaces_the_first_question() -> None:
    when = datetime(2026, 11, 25, 18, tzinfo=TZ).isoformat()
    data = {"event": "e5", "title": "כנס חשיפה", "when": when, "place": "אולם", "confirm": True}
    chat = EventsChat().proactive("reminder", data).proactive("reminder", data)
    assert [f.flow for f in chat.state.frames] == ["attendance"]


def test_the_conference_buttons_after_an_eligible_pre_screen_are_those_of_my_center() -> None:
    ours = offer("e1", "כנס חשיפה", 4, kind="exposure_conference")
    theirs = replace(offer("e2", "כנס חשיפה", 5, kind="exposure_conference"), center="modiin")
    chat = EventsChat(lang="en", exposure=(ours, theirs))
    answer(begin(chat))
    chat.click("No phone for now")
    assert chat.buttons() == ["Thursday, November 26, 2026, 09:00–13:00", "I will choose a date later"]
    chat.click("November 26")
    assert chat.effects_of(SignUp) == [SignUp("e1")]


def test_choosing_a_conference_later_ends_kindly() -> None:
    chat = EventsChat(exposure=(offer("e1", "כנס חשיפה", 4, kind="exposure_conference"),))
    answer(begin(chat))
    chat.click("בלי טלפון כרגע")
    chat.click("אבחר מועד מאוחר יותר")
    assert "אפשר להירשם לכנס בכל עת" in chat.last_text() and chat.effects_of(SignUp) == []


def test_a_typed_answer_to_a_reminder_days_after_the_last_chat_is_an_answer() -> None:
    chat = EventsChat()
    chat.send("שלום").click("כן, נתחיל")
    chat.wait(days=3)
    when = datetime(2026, 11, 28, 18, tzinfo=TZ).isoformat()
    chat.proactive(
        "reminder", {"event": "e5", "title": "כנס חשיפה", "when": when, "place": "אולם", "confirm": True}
    )
    chat.wait(hours=1).send("כן, אגיע")
    assert chat.effects_of(AnswerAttendance) == [AnswerAttendance("e5", True)]


def test_a_typed_answer_to_a_seat_offer_or_a_meeting_hours_later_is_an_answer_not_a_welcome_back() -> None:
    """On WhatsApp without buttons the answer is typed; a seat offer waits 24 hours and a meeting is
    told days ahead, longer than the pause after which a conversation left mid-way is resumed."""
    when = datetime(2026, 12, 13, 9, tzinfo=TZ).isoformat()
    until = datetime(2026, 11, 23, 10, tzinfo=TZ).isoformat()
    chat = EventsChat(lang="ru", person=PARTICIPANT)
    offer = {"event": "e1", "title": "Вводный семинар", "when": when, "until": until}
    chat.send("меню").proactive("offer", offer)
    chat.wait(hours=20).send("1")
    assert chat.effects_of(AnswerOffer) == [AnswerOffer("e1", True)]
    assert "Здравствуйте ещё раз" not in chat.last_text()

    data = {"meeting": "m3", "when": when, "place": "room 4", "promoter": "Dana", "note": "scheduled"}
    chat = EventsChat(lang="en", person=PARTICIPANT).proactive("meeting", data)
    chat.wait(days=2).send("I need another time")
    assert "Hello again" not in chat.last_text() and "write briefly why" in chat.last_text()
    chat.send("I have a job interview that morning")
    reason = "I have a job interview that morning"
    assert chat.effects_of(AnswerMeeting) == [AnswerMeeting("m3", "reschedule", reason)]

    chat = EventsChat()  # a pre-screen left mid-way still offers to continue
    chat.send("שלום").click("כן, נתחיל")
    chat.wait(hours=13).send("רונית")
    assert "להמשיך" in chat.last_text() and chat.state.top is not None and chat.state.top.flow == "resume"


def test_session_times_say_when_they_end_in_hebrew() -> None:
    """A workshop 09:00–13:00 reads so in the list, its details, my sign-ups, the confirmation,
    the conference buttons, the reminders and a seat offer: people plan their day by the end."""
    events = (offer("e1", "סדנת פתיחה", 7), offer("e2", "נטוורקינג", 9, status="confirmed"))
    chat = EventsChat(person=PARTICIPANT, events=events)
    chat.send("תפריט").click("אירועים וסדנאות")
    assert chat.buttons()[0] == "סדנת פתיחה – יום ראשון, 29 בנובמבר 2026, 09:00–13:00"
    chat.click("סדנת פתיחה")
    assert "יום ראשון, 29 בנובמבר 2026, 09:00–13:00 – room 2" in chat.last_text()
    chat.send("תפריט").click("ההרשמות והפגישות שלי")
    assert chat.buttons()[0].startswith("נטוורקינג – יום שלישי, 1 בדצמבר 2026, 09:00–13:00 (")

    (confirmation, _ics) = result_replies(BookingResult("signup", "confirmed", events[0]), "he")
    assert isinstance(confirmation, Reply)
    assert "יום ראשון, 29 בנובמבר 2026, 09:00–13:00 – room 2" in chat.text_of(confirmation)

    conference = EventsChat(exposure=(offer("e3", "כנס חשיפה", 4, kind="exposure_conference"),))
    answer(begin(conference))
    conference.click("בלי טלפון כרגע")
    assert conference.buttons()[0] == "יום חמישי, 26 בנובמבר 2026, 09:00–13:00"

    starts, ends = datetime(2026, 11, 25, 18, tzinfo=TZ), datetime(2026, 11, 25, 20, tzinfo=TZ)
    data = {
        "event": "e5",
        "title": "כנס חשיפה",
        "when": starts.isoformat(),
        "ends": ends.isoformat(),
        "place": "אולם",
        "confirm": True,
    }
    reminded = EventsChat(person=PARTICIPANT).proactive("reminder", data)
    assert "תזכורת: כנס חשיפה, יום רביעי, 25 בנובמבר 2026, 18:00–20:00, אולם" in reminded.last_text()
    (plain_reminder,) = proactive_sprint(
        State(lang="he"), "reminder", {**data, "confirm": False}, START, reminded.context()
    ).replies
    assert "יום רביעי, 25 בנובמבר 2026, 18:00–20:00, אולם" in reminded.text_of(plain_reminder)
    until = datetime(2026, 11, 23, 10, tzinfo=TZ).isoformat()
    offered = EventsChat(person=PARTICIPANT).proactive("offer", {**data, "until": until})
    assert "בכנס חשיפה (יום רביעי, 25 בנובמבר 2026, 18:00–20:00)" in offered.last_text()


def test_the_waiting_list_reads_as_such_in_the_list_and_in_my_sign_ups_in_hebrew() -> None:
    events = (
        offer("e1", "סדנת פתיחה", 7, status="confirmed"),
        offer("e2", "נטוורקינג", 9, seats=0, status="waitlisted", position=2),
        offer("e3", "לינקדאין למתחילים", 10, seats=0, status="offered"),
    )
    chat = EventsChat(person=PARTICIPANT, events=events)
    chat.send("תפריט").click("אירועים וסדנאות")
    signed_up, waiting, offered = chat.buttons()[:3]
    assert signed_up.startswith("✓ סדנת פתיחה")
    assert waiting.startswith("⏳ נטוורקינג") and "רשימת ההמתנה" in waiting and "✓" not in waiting
    assert "לינקדאין למתחילים" in offered and "התפנה" in offered and "✓" not in offered
    chat.click("נטוורקינג")
    assert "אתם ברשימת ההמתנה, במקום 2" in chat.last_text()
    assert "אפשר להצטרף לרשימת ההמתנה" not in chat.last_text()  # they are on it already

    chat.send("תפריט").click("ההרשמות והפגישות שלי").click("לינקדאין")
    assert "התפנה לכם מקום" in chat.last_text()
    assert "כל המקומות תפוסים" not in chat.last_text()  # the seat freed up is theirs


def test_a_full_conference_after_an_eligible_pre_screen_offers_its_waiting_list_in_hebrew() -> None:
    full = offer("e1", "כנס חשיפה", 4, seats=0, kind="exposure_conference")
    chat = EventsChat(exposure=(full, offer("e2", "כנס חשיפה", 7, kind="exposure_conference")))
    answer(begin(chat))
    chat.click("בלי טלפון כרגע")
    assert chat.buttons() == [
        "יום חמישי, 26 בנובמבר 2026, 09:00–13:00 (מלא – לרשימת ההמתנה)",
        "יום ראשון, 29 בנובמבר 2026, 09:00–13:00",
        "אבחר מועד מאוחר יותר",
    ]
    chat.click("מלא")
    assert chat.effects_of(SignUp) == [SignUp("e1")]  # the shell puts them on its waiting list

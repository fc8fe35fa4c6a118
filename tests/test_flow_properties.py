"""Whatever a person sends, in whatever order, the conversation stays sound.

Hypothesis plays random conversations — realistic and adversarial text in four languages, real and
forged button presses, slash commands, shared contacts, stickers, long pauses — through the engine,
with the state written to JSON and read back after every step (the kit does that), and checks after
each step what a person would notice: an answer always comes, it can be shown in every language,
its buttons fit Telegram, and the conversation is somewhere real.

The person has events and meetings too (exposure conferences, their center's events with seats, no
limit or full, sign-ups confirmed, waitlisted or offered a seat, meetings), and between their messages
the scheduler's proactive messages arrive: reminders that ask "will you come?" or not, seats offered
from the waiting list, meetings to confirm, notices of a cancellation or a move. Whatever the booking
effects say refers to something the person was shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from flows import (
    LANGUAGES,
    Command,
    Contact,
    EventOffer,
    Input,
    Msg,
    MsgList,
    PersonFacts,
    Pressed,
    Text,
    Unsupported,
)
from flows.context import Bookings, MeetingFacts, SessionInfo
from flows.effects import ArmTimeout, Effect, SetOptOut, UpdateProfile
from flows.engine import COMMANDS
from flows.events.effects import AnswerAttendance, AnswerOffer, CancelSignup, SignUp
from flows.meetings.effects import AnswerMeeting
from flows.parsing.normalize import normalize
from flows.registry import FLOWS, proactive_sprint
from tests.kit import CATALOGS, PROGRAM, START, FlowChat
from tests.test_staff_flows import CLUB, NETWORKING, WORKSHOP

STAFF_EVENTS = (WORKSHOP, NETWORKING, CLUB)  # seen by staff of Kfar Saba; no one else sees them

TEXTS = [
    # numbers
    "57",
    "1968",
    "0",
    "-5",
    "300",
    "٥٧",
    "3.5",
    "1",
    "2",
    "3",
    "5",
    "9",
    "1, 3",
    "25",
    "50%",
    # Hebrew
    "כן",
    "לא",
    "שלום",
    "רונית",
    "חצי משרה",
    "שנתיים",
    "3 חודשים",
    "כן בטח",
    "אף אחד מאלה",
    "חבר מביא חבר",
    "להמשיך",
    "להתחיל מחדש",
    "כֵּן",
    "חמישים ושבע",
    # English
    "yes",
    "no",
    "hello",
    "Ruth",
    "half",
    "2 years",
    "a year and a half",
    "none of these",
    "Not now",
    "Continue",
    "Start over",
    "Delete my data",
    "Yes, delete everything",
    "English",
    "Back",
    # Russian and Arabic
    "да",
    "нет",
    "пятьдесят семь",
    "полгода",
    "Бат-Ям",
    "Русский",
    "نعم",
    "سنتين",
    "العربية",
    "بات يام",
    # cities
    "כפר סבא",
    "כפר סאבא",
    "Holon",
    "ירושלים",
    "תל-אביב יפו",
    "Tel Mond",
    "a",
    # keywords of every intent
    "תפריט",
    "menu",
    "back",
    "חזור",
    "stop",
    "STOP",
    "הסר",
    "הצטרף",
    "start",
    "privacy",
    "פרטיות",
    "מחק",
    "שפה",
    "language",
    "עזרה",
    "help",
    "נציג",
    "person",
    "התחל",
    "restart",
    "start over",
    "unsubscribe",
    "צוות",
    "staff",
    "персонал",
    # dates and times (staff adding or moving an event)
    "3.12",
    "03/12/2026",
    "1.1.2020",
    "31.2",
    "מחר",
    "18:00",
    "6 בערב",
    "6pm",
    "25:00",
    # phones
    "050-1234567",
    "+972 52-555-1234",
    "12345",
    # emoji, empty, long, and things that look like internals
    "😀😀",
    "👍",
    "👎",
    "",
    " ",
    "\n",
    "x" * 700,
    "א" * 4000,
    "Ruth " * 20,
    "{name}",
    "{0}",
    "%s",
    "\u202e",
    "\x00",
    "g:back",
    "1:yes",
    "__done",
    "none",
    "other",
    "profile",
    "skip",
    "g:stop",
]
FORGED = [
    "999:yes",
    "g:nonsense",
    "",
    "::::",
    "g:",
    "0:yes",
    "g:back",
    "g:menu",
    "g:stop",
    "g:restart",
    "g:privacy",
    "g:language",
    "g:optin",
    "g:staff",
    "1:__done",
    "2:none",
    "x" * 64,
    "é" * 40,
]
# Plausible answers to each question, so that random conversations also reach the outcomes; the first
# of each list keeps a pre-screen on its way to "eligible".
ANSWERS = {
    "consent": ["כן", "yes", "1"],
    "choice": ["1", "Continue", "להתחיל מחדש"],
    "action": ["Back", "2", "1", "3", "Cancel my sign-up"],  # privacy; bookings and meetings
    "confirm": ["לא למחוק", "Don't delete", "1", "כן, לרשום אותי"],  # privacy; signing up
    "name": ["רונית", "Ruth", "Ольга", "Stop"],
    "age": ["57", "1968", "חמישים ושבע", "44", "30"],
    "city": ["כפר סבא", "Holon", "Бат-Ям", "ירושלים"],
    "center": ["1", "אף אחד מהם", "Modiin"],
    "willing": ["כן", "yes", "no"],
    "out_of_work": ["3 חודשים", "a year and a half", "שנתיים", "שבוע"],
    "job_share": ["חצי", "full time", "10%"],
    "experience": ["25", "30", "4"],
    "able": ["yes", "כן", "לא"],
    "groups": ["5", "אף אחד מאלה", "1, 2"],
    "source": ["2", "friend"],
    "summary": ["כן", "yes", "2"],
    "fix": ["2", "גיל", "1"],
    "phone": ["050-1234567", "12345"],
    "review": ["כן", "no"],
    "item": ["1", "2", "3", "4", "אירועים וסדנאות", "My sign-ups and meetings", "Мероприятия и семинары"],
    "lang": ["English", "עברית", "4"],
    # staff: adding, editing and cancelling an event
    "task": ["1", "2", "3", "4"],
    "kind": ["2", "סדנת פתיחה", "Job club"],
    "title": ["סדנת פתיחה", "Job club"],
    "translate": ["לא", "yes"],
    "title_en": ["Job club", "1"],
    "title_ru": ["Джоб-клуб", "1"],
    "title_ar": ["1", "نادي العمل"],
    "date": ["3.12", "03/12/2026", "מחר", "1.1.2020"],
    "time": ["18:00", "6 בערב", "9", "8:00"],
    "place": ["חדר 2", "room 4"],
    "sessions": ["1", "3", "0"],
    "capacity": ["20", "1", "ללא הגבלה"],
    "track": ["3", "לכולם"],
    "signup": ["כן", "no"],
    "approve": ["1", "2"],
    "event": ["1", "2", "3", "8", "later"],
    "field": ["1", "2", "3", "4"],
    "new_date": ["7.12", "22.11"],
    "new_time": ["17:00"],
    "new_place": ["אולם"],
    "new_capacity": ["30", "1"],
    "change_ok": ["1", "2"],
    "cancel_ok": ["1", "2"],
    # events, bookings and the questions proactive messages ask
    "answer": ["1", "2", "כן, אגיע", "yes", "да", "لا"],
    "reason": ["ראיון עבודה ביום חמישי", "Monday?", "x" * 600],
}
STOP_WORDS = {normalize(w) for phrase in CATALOGS.texts("keywords.stop") for w in phrase.split(",")}


def answers(chat: FlowChat, press: bool) -> st.SearchStrategy[Input]:
    """A press of one of the buttons on screen, or a plausible typed answer to the question."""
    current = [c.payload for c in chat.last_choices() if c.payload != "g:back"]  # back: among `anything`
    if press and current:
        return st.sampled_from(current).map(Pressed)
    node = chat.state.top.node if chat.state.top else None
    return st.sampled_from(ANSWERS.get(node or "", TEXTS)).map(Text)


def anything(seen: list[str]) -> st.SearchStrategy[Input]:
    """Anything else: stray words and keywords, old and forged buttons, commands, contacts, stickers."""
    return st.one_of(
        st.sampled_from(TEXTS).map(Text),
        st.sampled_from(TEXTS).map(Text),
        st.text(max_size=30).map(Text),
        st.sampled_from(seen).map(Pressed) if seen else st.nothing(),
        st.one_of(st.sampled_from(FORGED), st.text(max_size=70)).map(Pressed),
        st.one_of(st.sampled_from(sorted(COMMANDS)), st.text(max_size=10)).map(Command),
        st.builds(Contact, st.sampled_from(["+972501234567", "972525551234", "12", ""]), st.booleans()),
        st.sampled_from(["sticker", "photo", "voice", "location"]).map(Unsupported),
    )


def stop_like(inp: Input) -> bool:
    if isinstance(inp, Command):
        return inp.name == "stop"
    if isinstance(inp, Pressed):
        return inp.payload == "g:stop"
    if isinstance(inp, Text):  # no question offers an option named like a stop word
        return len(inp.text) <= PROGRAM.max_text_length and normalize(inp.text) in STOP_WORDS
    return False


def messages(msg: Msg) -> list[Msg]:
    """The message and every message inside its parameters."""
    found = [msg]
    for value in msg.params.values():
        if isinstance(value, Msg):
            found += messages(value)
        elif isinstance(value, MsgList):
            for item in value.items:
                found += messages(item)
    return found


people = st.builds(
    PersonFacts,
    channel=st.sampled_from(["telegram", "whatsapp", "console"]),
    profile_name=st.sampled_from([None, "Dana Levi", "😀", "x" * 100]),
    phone=st.sampled_from([None, "+972501234567"]),
    opted_out=st.booleans(),
    outcome=st.sampled_from([None, None, "eligible", "eligible", "not_eligible", "manager_decision"]),
    center=st.sampled_from([None, "kfar-saba", "kfar-saba", "modiin"]),
    track=st.sampled_from([None, "employees", "self_employed", "all"]),
    can_share_contact=st.booleans(),
    role=st.sampled_from(["participant", "participant", "manager", "router", "promoter"]),
    staff_center=st.sampled_from([None, "kfar-saba", "modiin"]),
)


# ---- events and meetings -------------------------------------------------------------------------
TITLES = ["סדנת פתיחה", "Networking", "Вводный семинар", "ورشة افتتاحية", "😀", "x" * 120, "{title}", ""]
PLACES = ["room 2", "אולם הכנסים", "", "{place}"]
KINDS = ["exposure_conference", "opening_workshop", "job_club", "networking"]
# days from the kit's START (Sunday 10:00): already past, later today, and on to a month ahead
OFFSETS = [timedelta(days=-1), timedelta(hours=2), timedelta(days=1), timedelta(days=3), timedelta(days=30)]


@st.composite
def event_offers(draw: st.DrawFn, ref: str, exposure: bool = False) -> EventOffer:
    first = START + draw(st.sampled_from(OFFSETS), label="starts")
    count = draw(st.integers(1, 3), label="sessions")
    place = draw(st.sampled_from(PLACES))
    sessions = tuple(
        SessionInfo(first + timedelta(weeks=i), first + timedelta(weeks=i, hours=3), place)
        for i in range(count)
    )
    seats = draw(st.sampled_from([None, 0, 1, 12]), label="seats")  # no limit, full, the last seat, plenty
    status = None if exposure else draw(st.sampled_from([None, None, "confirmed", "waitlisted", "offered"]))
    return EventOffer(
        ref=ref,
        title=draw(st.sampled_from(TITLES)),
        starts_at=first,
        place=place,
        center=draw(st.sampled_from(["kfar-saba", "kfar-saba", "modiin", "tel-aviv"])),
        kind="exposure_conference" if exposure else draw(st.sampled_from(KINDS)),
        sessions=sessions,
        seats_left=seats,
        signup_required=exposure or draw(st.booleans()),
        track=draw(st.sampled_from(["all", "all", "employees", "self_employed"])),
        my_status=status,
        my_position=draw(st.integers(1, 40)) if status == "waitlisted" else None,
        capacity=None if seats is None else seats + 3,
        taken=3,
    )


@st.composite
def meeting_facts(draw: st.DrawFn, ref: str) -> MeetingFacts:
    return MeetingFacts(
        ref=ref,
        starts_at=START + draw(st.sampled_from(OFFSETS)),
        place=draw(st.sampled_from(PLACES)),
        promoter=draw(st.sampled_from(["Dana", "דנה", "", "x" * 60])),
        kind=draw(st.sampled_from(["personal", "intake"])),
        status=draw(st.sampled_from(["scheduled", "confirmed", "reschedule_requested"])),
    )


@st.composite
def bookings(draw: st.DrawFn) -> Bookings:
    """Empty now and then, as for a newcomer; else conferences, the center's events and meetings."""
    if draw(st.integers(0, 4), label="no bookings") == 0:
        return Bookings(staff_events=STAFF_EVENTS)
    exposure = tuple(draw(event_offers(f"e{i}", exposure=True)) for i in range(draw(st.integers(0, 3))))
    events = tuple(draw(event_offers(f"e{10 + i}")) for i in range(draw(st.integers(0, 10))))
    meetings = tuple(draw(meeting_facts(f"m{i}")) for i in range(draw(st.integers(0, 3))))
    return Bookings(exposure=exposure, events=events, meetings=meetings, staff_events=STAFF_EVENTS)


def proactive_messages(chat: BookingsChat) -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
    """What the scheduler may send (`bot/scheduler.py` with `storage/events.proactive_data`), about
    the person's events and meetings, or about one they no longer see (cancelled meanwhile)."""
    events = [e.ref for e in chat.bookings.events] + ["e999"]
    meetings = [m.ref for m in chat.bookings.meetings] + ["m999"]
    moment = st.sampled_from(OFFSETS).map(lambda d: (START + d).isoformat())
    title, place = st.sampled_from(TITLES), st.sampled_from(PLACES)

    def reminder(confirm: bool) -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
        data = st.fixed_dictionaries(
            {
                "event": st.sampled_from(events),
                "title": title,
                "when": moment,
                "place": place,
                "confirm": st.just(confirm),
            }
        )
        return data.map(lambda d: ("reminder", d))

    offer = st.fixed_dictionaries(
        {
            "event": st.sampled_from(events),
            "title": title,
            "when": moment,
            "place": place,
            "until": st.sampled_from([1, 24]).map(lambda h: (chat.now + timedelta(hours=h)).isoformat()),
            "signup": st.just(7),
            "confirm": st.just(False),
        }
    ).map(lambda d: ("offer", d))
    meeting = st.fixed_dictionaries(
        {
            "meeting": st.sampled_from(meetings),
            "when": moment,
            "place": place,
            "promoter": st.sampled_from(["Dana", "דנה", ""]),
            "note": st.sampled_from(["scheduled", "reminder"]),
        }
    ).map(lambda d: ("meeting", d))
    notice = st.one_of(
        st.fixed_dictionaries({"title": title, "when": moment}).map(
            lambda p: ("notice", {"key": "events.cancelled_notice", "params": p})
        ),
        moment.map(lambda w: ("notice", {"key": "meetings.cancelled_notice", "params": {"when": w}})),
    )
    sessions = st.lists(st.tuples(moment, st.one_of(st.none(), moment), place), min_size=1, max_size=3)
    moved = st.fixed_dictionaries(
        {
            "event": st.sampled_from(events),
            "title": title,
            "when": moment,
            "place": place,
            "sessions": sessions.map(lambda rows: [list(r) for r in rows]),
            "status": st.sampled_from(["confirmed", "offered", "waitlisted"]),
        }
    ).map(lambda d: ("event_moved", d))
    return st.one_of(reminder(True), reminder(False), offer, meeting, notice, moved)


BOOKING_EFFECTS = (SignUp, CancelSignup, AnswerOffer, AnswerAttendance, AnswerMeeting)
WAITING_AHEAD = 4  # how many are already waiting for a full event the person signs up for
ASKS = {"offer": "offer", "meeting": "meeting"}  # and a reminder with `confirm`: "attendance"


@dataclass
class BookingsChat(FlowChat):
    """FlowChat with the person's bookings in the context, proactive messages from the scheduler, and
    the shell's answer to booking effects played back into the bookings (as the database would)."""

    bookings: Bookings = field(default_factory=Bookings)
    told: set[str] = field(default_factory=set)  # refs that proactive messages spoke of

    def proactive(self, kind: str, data: dict[str, Any]) -> BookingsChat:
        self.told.add(str(data.get("event") or data.get("meeting") or ""))
        self.take(proactive_sprint(self.state, kind, data, self.now, self.context()))
        return self

    def _apply(self, effects: tuple[Effect, ...]) -> None:
        super()._apply(effects)
        self._book(effects)

    def _book(self, effects: tuple[Effect, ...]) -> None:
        for e in effects:
            if isinstance(e, UpdateProfile) and "track" in e.fields:
                self.person = replace(self.person, track=e.fields["track"])
            elif isinstance(e, SignUp | CancelSignup | AnswerOffer | AnswerAttendance):
                self.bookings = replace(
                    self.bookings,
                    events=tuple(_booked(ev, e) if ev.ref == e.event else ev for ev in self.bookings.events),
                )


def _booked(offer: EventOffer, e: Effect) -> EventOffer:
    """The event as the database leaves it after the effect: a sign-up for a full event joins the end of
    its waiting list; a sign-up with a seat left takes it; a seat given up goes to those waiting."""
    if isinstance(e, SignUp):
        if offer.seats_left == 0:
            return replace(offer, my_status="waitlisted", my_position=WAITING_AHEAD + 1)
        seats = None if offer.seats_left is None else offer.seats_left - 1
        return replace(offer, my_status="confirmed", my_position=None, seats_left=seats)
    kept = e.accept if isinstance(e, AnswerOffer) else isinstance(e, AnswerAttendance) and e.coming
    if kept:
        return replace(offer, my_status="confirmed", my_position=None)
    return replace(offer, my_status=None, my_position=None)


def check_booking_effects(effects: list[Effect], ctx: Bookings, told: set[str]) -> None:
    """A booking effect names an event or meeting the person was shown, in the way it was shown."""
    events = {e.ref: e for e in ctx.events}
    exposure = {e.ref for e in ctx.exposure}
    meetings = {m.ref for m in ctx.meetings}
    for e in effects:
        if isinstance(e, SignUp):
            assert e.event in events or e.event in exposure, e
            if e.event in events and e.event not in exposure:
                assert events[e.event].signup_required and events[e.event].my_status is None, e
        elif isinstance(e, CancelSignup):
            assert e.event in events and events[e.event].my_status is not None, e
        elif isinstance(e, AnswerOffer):
            assert e.event in told or (e.event in events and events[e.event].my_status == "offered"), e
        elif isinstance(e, AnswerAttendance):
            assert e.event in told, e
        elif isinstance(e, AnswerMeeting):
            assert e.meeting in meetings or e.meeting in told, e
            assert e.action in ("confirm", "reschedule", "cancel"), e
            assert (e.reason is not None) == (e.action == "reschedule"), e
            assert e.reason is None or len(e.reason) <= 500


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    person=people,
    lang=st.sampled_from(LANGUAGES),
    length=st.integers(1, 25),
    chaos=st.sampled_from([5, 25, 60, 100]),
    booked=bookings(),
)
def test_any_conversation_stays_sound(
    data: st.DataObject, person: PersonFacts, lang: str, length: int, chaos: int, booked: Bookings
) -> None:
    """`chaos` is the percentage of steps that are not an answer to the question on screen."""
    chat = BookingsChat(lang=lang, person=person, bookings=booked)
    seen: list[str] = []
    for _ in range(length):
        if data.draw(st.integers(0, 19), label="pause") == 0:
            chat.wait(hours=data.draw(st.sampled_from([1, 13, 48]), label="hours"))
        before, effects_before, bookings_before = chat.state, len(chat.effects), chat.bookings
        # the scheduler writes to people who did not opt out (it drops the rest before this point)
        if not chat.person.opted_out and data.draw(st.integers(0, 5), label="proactive") == 0:
            kind, payload = data.draw(proactive_messages(chat), label="message")
            chat.proactive(kind, payload)
            replies, effects = chat.last_batch, chat.effects[effects_before:]
            # nothing is stored but, for a question with a time limit (a seat offer), its timer
            assert replies and all(isinstance(e, ArmTimeout) for e in effects)
            flow = "attendance" if kind == "reminder" and payload["confirm"] else ASKS.get(kind)
            if flow is None:  # a message that asks nothing leaves the conversation where it was
                assert (chat.state.frames, chat.state.seq) == (before.frames, before.seq)
            else:  # the question is on top, with its buttons, for this event or meeting
                top = chat.state.top
                assert top is not None and top.flow == flow
                assert top.key == str(payload.get("event") or payload.get("meeting"))
                assert replies[-1].choices and chat.state.seq > before.seq
                assert [f for f in chat.state.frames if f.flow == flow and f.key == top.key] == [
                    top
                ]  # replaced, not stacked
        else:
            wild = data.draw(st.integers(0, 99), label="wild") >= 100 - chaos
            press = data.draw(st.integers(0, 3), label="press") == 3
            inp = data.draw(anything(seen) if wild else answers(chat, press), label="input")

            chat.feed(inp)  # never raises; the kit also checks the state survives JSON
            replies, effects = chat.last_batch, chat.effects[effects_before:]

            if stop_like(inp):
                assert effects == [SetOptOut(True)]
                assert [(r.parts, r.choices) for r in replies] == [((Msg("optout.done"),), ())]
                assert (chat.state.frames, chat.state.seq) == (before.frames, before.seq)
            else:  # the shell answers a booking effect (`result_replies`) when the flow says nothing
                assert replies or any(isinstance(e, BOOKING_EFFECTS) for e in effects), f"no reply to {inp!r}"
            check_booking_effects(effects, bookings_before, chat.told)

        for reply in replies:
            payloads = [c.payload for c in reply.choices]
            assert len(set(payloads)) == len(payloads)
            assert all(len(p.encode("utf-8")) <= 64 for p in payloads)  # Telegram's callback_data limit
            shown = [*reply.parts, *(c.label for c in reply.choices)]
            for msg in (m for part in shown for m in messages(part)):
                assert CATALOGS.knows(msg.key), msg.key
            for each in LANGUAGES:  # strict catalogs raise on a missing key or parameter
                translator = CATALOGS.translator(each)
                assert all(translator.render(part).strip() for part in shown)
            seen += payloads

        # what was reached: `pytest --hypothesis-show-statistics tests/test_flow_properties.py`
        for e in chat.effects[effects_before:]:
            event(f"effect {type(e).__name__}")
        if chat.state.top:
            event(f"question {chat.state.top.flow}:{chat.state.top.node}")
        for frame in chat.state.frames:
            flow = FLOWS[frame.flow]
            assert flow.step(frame.node) is not None
            assert all(flow.step(key) is not None for key in frame.history)
        assert chat.state.seq >= before.seq
        assert chat.state.lang in LANGUAGES

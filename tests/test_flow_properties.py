"""Whatever a person sends, in whatever order, the conversation stays sound.

Hypothesis plays random conversations — realistic and adversarial text in four languages, real and
forged button presses, slash commands, shared contacts, stickers, long pauses — through the engine,
with the state written to JSON and read back after every step (the kit does that), and checks after
each step what a person would notice: an answer always comes, it can be shown in every language,
its buttons fit Telegram, and the conversation is somewhere real.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows import LANGUAGES, Command, Contact, Input, Msg, MsgList, PersonFacts, Pressed, Text, Unsupported
from flows.effects import SetOptOut
from flows.engine import COMMANDS
from flows.parsing.normalize import normalize
from flows.registry import FLOWS
from tests.kit import CATALOGS, PROGRAM, FlowChat
from tests.test_staff_flows import CLUB, NETWORKING, WORKSHOP, StaffChat

STAFF_EVENTS = (WORKSHOP, NETWORKING, CLUB)  # seen by staff of Kfar Saba; no one else sees them

TEXTS = [
    # numbers
    "57", "1968", "0", "-5", "300", "٥٧", "3.5", "1", "2", "3", "5", "9", "1, 3", "25", "50%",
    # Hebrew
    "כן", "לא", "שלום", "רונית", "חצי משרה", "שנתיים", "3 חודשים", "כן בטח", "אף אחד מאלה", "חבר מביא חבר",
    "להמשיך", "להתחיל מחדש", "כֵּן", "חמישים ושבע",
    # English
    "yes", "no", "hello", "Ruth", "half", "2 years", "a year and a half", "none of these", "Not now",
    "Continue", "Start over", "Delete my data", "Yes, delete everything", "English", "Back",
    # Russian and Arabic
    "да", "нет", "пятьдесят семь", "полгода", "Бат-Ям", "Русский", "نعم", "سنتين", "العربية", "بات يام",
    # cities
    "כפר סבא", "כפר סאבא", "Holon", "ירושלים", "תל-אביב יפו", "Tel Mond", "a",
    # keywords of every intent
    "תפריט", "menu", "back", "חזור", "stop", "STOP", "הסר", "הצטרף", "start", "privacy", "פרטיות", "מחק",
    "שפה", "language", "עזרה", "help", "נציג", "person", "התחל", "restart", "start over", "unsubscribe",
    "צוות", "staff", "персонал",
    # dates and times (staff adding or moving an event)
    "3.12", "03/12/2026", "1.1.2020", "31.2", "מחר", "18:00", "6 בערב", "6pm", "25:00",
    # phones
    "050-1234567", "+972 52-555-1234", "12345",
    # emoji, empty, long, and things that look like internals
    "😀😀", "👍", "👎", "", " ", "\n", "x" * 700, "א" * 4000, "Ruth " * 20, "{name}", "{0}", "%s", "\u202e",
    "\x00", "g:back", "1:yes", "__done", "none", "other", "profile", "skip", "g:stop",
]
FORGED = ["999:yes", "g:nonsense", "", "::::", "g:", "0:yes", "g:back", "g:menu", "g:stop", "g:restart",
          "g:privacy", "g:language", "g:optin", "g:staff", "1:__done", "2:none", "x" * 64, "é" * 40]
# Plausible answers to each question, so that random conversations also reach the outcomes; the first
# of each list keeps a pre-screen on its way to "eligible".
ANSWERS = {
    "consent": ["כן", "yes", "1"], "choice": ["1", "Continue", "להתחיל מחדש"], "action": ["Back", "2"],
    "confirm": ["לא למחוק", "Don't delete"], "name": ["רונית", "Ruth", "Ольга", "Stop"],
    "age": ["57", "1968", "חמישים ושבע", "44", "30"], "city": ["כפר סבא", "Holon", "Бат-Ям", "ירושלים"],
    "center": ["1", "אף אחד מהם", "Modiin"], "willing": ["כן", "yes", "no"],
    "out_of_work": ["3 חודשים", "a year and a half", "שנתיים", "שבוע"],
    "job_share": ["חצי", "full time", "10%"],
    "experience": ["25", "30", "4"], "able": ["yes", "כן", "לא"], "groups": ["5", "אף אחד מאלה", "1, 2"],
    "source": ["2", "friend"], "phone": ["050-1234567", "12345"], "review": ["כן", "no"], "item": ["1", "2"],
    "lang": ["English", "עברית", "4"],
    # staff: adding, editing and cancelling an event
    "task": ["1", "2", "3", "4"], "kind": ["2", "סדנת פתיחה", "Job club"],
    "title": ["סדנת פתיחה", "Job club"],
    "translate": ["לא", "yes"], "title_en": ["Job club", "1"], "title_ru": ["Джоб-клуб", "1"],
    "title_ar": ["1", "نادي العمل"], "date": ["3.12", "03/12/2026", "מחר", "1.1.2020"],
    "time": ["18:00", "6 בערב", "9", "8:00"], "place": ["חדר 2", "room 4"], "sessions": ["1", "3", "0"],
    "capacity": ["20", "1", "ללא הגבלה"], "track": ["3", "לכולם"], "signup": ["כן", "no"],
    "approve": ["1", "2"], "event": ["1", "2", "3"], "field": ["1", "2", "3", "4"],
    "new_date": ["7.12", "22.11"], "new_time": ["17:00"], "new_place": ["אולם"], "new_capacity": ["30", "1"],
    "change_ok": ["1", "2"], "cancel_ok": ["1", "2"],
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
        st.sampled_from(TEXTS).map(Text), st.sampled_from(TEXTS).map(Text),
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
    outcome=st.sampled_from([None, None, "eligible", "not_eligible", "manager_decision"]),
    can_share_contact=st.booleans(),
    role=st.sampled_from(["participant", "participant", "manager", "router", "promoter"]),
    staff_center=st.sampled_from([None, "kfar-saba", "modiin"]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), person=people, lang=st.sampled_from(LANGUAGES), length=st.integers(1, 25),
       chaos=st.sampled_from([5, 25, 60, 100]))
def test_any_conversation_stays_sound(data: st.DataObject, person: PersonFacts, lang: str, length: int,
                                      chaos: int) -> None:
    """`chaos` is the percentage of steps that are not an answer to the question on screen."""
    chat = StaffChat(lang=lang, person=person, staff_events=STAFF_EVENTS)  # FlowChat, with a center's events
    seen: list[str] = []
    for _ in range(length):
        if data.draw(st.integers(0, 19), label="pause") == 0:
            chat.wait(hours=data.draw(st.sampled_from([1, 13, 48]), label="hours"))
        wild = data.draw(st.integers(0, 99), label="wild") >= 100 - chaos
        press = data.draw(st.integers(0, 3), label="press") == 3
        inp = data.draw(anything(seen) if wild else answers(chat, press), label="input")
        before, effects_before = chat.state, len(chat.effects)

        chat.feed(inp)  # never raises; the kit also checks the state survives JSON
        replies, effects = chat.last_batch, chat.effects[effects_before:]

        if stop_like(inp):
            assert effects == [SetOptOut(True)]
            assert [(r.parts, r.choices) for r in replies] == [((Msg("optout.done"),), ())]
            assert (chat.state.frames, chat.state.seq) == (before.frames, before.seq)
        else:
            assert replies, f"no reply to {inp!r}"

        for reply in replies:
            payloads = [c.payload for c in reply.choices]
            assert len(set(payloads)) == len(payloads)
            assert all(len(p.encode("utf-8")) <= 64 for p in payloads)  # Telegram's callback_data limit
            shown = [*reply.parts, *(c.label for c in reply.choices)]
            for msg in (m for part in shown for m in messages(part)):
                assert msg.key in CATALOGS.messages["he"], msg.key
            for each in LANGUAGES:  # strict catalogs raise on a missing key or parameter
                translator = CATALOGS.translator(each)
                assert all(translator.render(part).strip() for part in shown)
            seen += payloads

        for frame in chat.state.frames:
            flow = FLOWS[frame.flow]
            assert flow.step(frame.node) is not None
            assert all(flow.step(key) is not None for key in frame.history)
        assert chat.state.seq >= before.seq
        assert chat.state.lang in LANGUAGES

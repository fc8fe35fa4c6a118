"""Every question of every flow gets its buttons on WhatsApp, in every language.

WhatsApp refuses a button longer than 20 characters (24 in a list), and the whole message then goes as
a numbered text. Each question is rendered as the engine asks it (its options, "done" for several
answers, "back" when there is a question before it), with realistic events, meetings, requests and
cases in the context, through the WhatsApp renderer with a template for every shape.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.channels.whatsapp.adapter import render
from bot.channels.whatsapp.templates import BUTTON_TITLE_MAX, LIST_ITEM_MAX, Templates
from flows import LANGUAGES, Choice, Msg, Reply
from flows.context import (
    Bookings,
    Context,
    DecisionFacts,
    EventOffer,
    HandoffFacts,
    MeetingFacts,
    PersonFacts,
    SessionInfo,
    StaffQueue,
)
from flows.declare import Ask, View
from flows.registry import FLOWS
from tests.kit import CATALOGS, PROGRAM, START

# The shapes the README configures: up to 3 choices as buttons, 4 to 10 as a list.
SHAPES = {
    **{f"buttons_{n}": f"HX{n:032x}" for n in range(1, 4)},
    **{f"list_{n}": f"HX{100 + n:032x}" for n in range(4, 11)},
}
TEMPLATES = Templates(choices=SHAPES)


def event(ref: str, title: str, days: int, **facts: object) -> EventOffer:
    starts = START + timedelta(days=days, hours=8)  # 18:00 on a weekday evening
    sessions = (SessionInfo(starts, starts + timedelta(hours=3), "אולם הכנסים"),)
    return EventOffer(
        ref=ref,
        title=title,
        starts_at=starts,
        place="אולם הכנסים",
        center="kfar-saba",
        sessions=sessions,
        **facts,
    )  # type: ignore[arg-type]


# Titles as the program names its services, the longest among them.
EVENTS = (
    event("e1", "סדנת פתיחה", 4, kind="opening_workshop", seats_left=12),
    event("e2", "מי הזיז את המוטיבציה שלי", 11, my_status="confirmed"),
    event("e3", "פרילנסרים ונותני שירותים", 18, my_status="waitlisted", my_position=12),
    event("e4", "נטוורקינג מורחב", 25, my_status="offered"),
    event("e5", "חזרה לעולם העבודה", 32, seats_left=0),
)
EXPOSURE = (
    event("e9", "כנס חשיפה", 3, kind="exposure_conference"),
    event("e8", "כנס חשיפה", 10, kind="exposure_conference"),
    event("e7", "כנס חשיפה", 17, kind="exposure_conference"),
)
MEETINGS = (MeetingFacts("m1", START + timedelta(days=5, hours=3), "חדר 3", "דנה"),)
QUEUE = StaffQueue(
    handoffs=(
        HandoffFacts("h1", "רונית כהן-לוי אברהמי", START - timedelta(hours=5)),
        HandoffFacts("h2", "", START - timedelta(days=2)),
    ),
    decisions=(
        DecisionFacts("d1", "משה אברהמי-וולקוביץ", START - timedelta(days=1), due_by=date(2026, 11, 29)),
        DecisionFacts("d2", "Ольга", START - timedelta(days=1)),
    ),
)
CONTEXT = Context(
    program=PROGRAM,
    lexicon=CATALOGS,
    person=PersonFacts(
        channel="whatsapp",
        role="manager",
        staff_center="kfar-saba",
        outcome="eligible",
        center="kfar-saba",
        profile_name="דנה לוי-אברהמי",
    ),
    bookings=Bookings(exposure=EXPOSURE, events=EVENTS, meetings=MEETINGS, staff_events=EVENTS),
    staff_queue=QUEUE,
    # a participant's homework list is read as numbered text on WhatsApp (tasks are sentences)
    homework_tasks=(),
)
# What a question's options depend on: the thing chosen before it, the center, how the menu opened.
ANSWERS = [
    {
        "center": "kfar-saba",
        "can_continue": True,
        "subject": "e1",
        "event": ref,
        "item": ref,
        "request": "h1",
        "case": "d1",
    }
    for ref in ("e1", "e4", "e5", "m1")
]


def questions() -> list[tuple[str, Ask]]:
    return [(name, ask) for name, flow in FLOWS.items() for ask in flow.steps if isinstance(ask, Ask)]


def shown(ask: Ask, view: View, checked: bool, back: bool) -> tuple[Choice, ...]:
    """The choices as the engine asks the question (`engine.ask`)."""
    options = ask.options(view) if callable(ask.options) else ask.options
    choices = []
    for option in options:
        label = Msg(option.label, dict(option.params))
        label = Msg("common.checked", {"label": label}) if checked else label
        choices.append(Choice(f"7:{option.value}", label))
    if ask.multi:
        choices.append(Choice("7:__done", Msg("common.done")))
    if back:
        choices.append(Choice("g:back", Msg("common.back")))
    return tuple(choices)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(("flow", "ask"), questions(), ids=[f"{f}:{a.key}" for f, a in questions()])
def test_every_label_of_the_question_fits_whatsapp(lang: str, flow: str, ask: Ask) -> None:
    translator = CATALOGS.translator(lang)
    for answers in ANSWERS:
        view = View(answers, CONTEXT, START, lang)
        for checked in (False, True) if ask.multi else (False,):
            for back in (False, True):
                choices = shown(ask, view, checked, back)
                if not choices or len(choices) > 10:  # no buttons, or more than a list holds: numbered
                    continue
                [sent] = render(translator, [Reply(parts=(Msg("menu.ask"),), choices=choices)], TEMPLATES)
                buttons = len(choices) <= 3
                limit = BUTTON_TITLE_MAX if buttons else LIST_ITEM_MAX
                shape = f"buttons_{len(choices)}" if buttons else f"list_{len(choices)}"
                labels = [translator.render(c.label) for c in choices]
                assert sent.content_sid == SHAPES[shape], f"numbered text, not {shape}: {labels}"
                first = 2 if buttons else 3  # where the first title is among the variables
                titles = [sent.variables[str(first + 2 * i)] for i in range(len(choices))]  # type: ignore[index]
                assert all(0 < len(t) <= limit for t in titles), titles
                assert len(set(titles)) == len(titles), titles  # still tell the choices apart

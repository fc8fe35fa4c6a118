"""Staff in the chat: the center's events, added, listed, edited and cancelled, as it reads.

    /staff (or "staff" in the menu) → what would you like to do?
      add     kind (the catalog) → title in Hebrew → other languages? (en, ru, ar, each skippable)
              → date → time → place → how many meetings (weekly) → capacity or none → track
              → sign-up needed? → the summary: add it / don't             → CreateEvent
      list    the center's upcoming events with the seats taken and the waiting list
      edit    which event → date, time, place or capacity → the new value → confirm  → EditEvent
      cancel  which event → confirm (how many are signed up and will be told)   → CancelEvent
      handoffs, decisions   the center's "talk to a person" requests and borderline cases
                            (flows/staff_queue/)
      meetings  a meeting begun lately → its attendance → the next task (flows/homework/next_task.py)

The event tasks are offered to the roles the program allows (`[staff] event_roles`, per center), the
requests and the cases to `handoff_roles` and `decision_roles`, the meetings to `meeting_roles`; for
staff with none of them, and for anyone else, the flow does not exist (`Flow.allowed`). The shell
checks the role again when it applies the effect, with the same storage functions as
`midway events add|edit|cancel` (reminders move or are dropped; signed-up people are told of a new
date, time or place, and of a cancellation), and answers with a `StaffResult`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from flows.context import Context, EventOffer
from flows.declare import END, Ask, Branch, Call, Done, Flow, Invalid, Option, View, yes_no
from flows.event_kinds import KINDS, TRACKS
from flows.events import sessions_msg
from flows.feature import Feature, MenuEntry
from flows.messages import Msg, MsgList, Outgoing, Reply
from flows.parsing.dates import parse_clock, parse_day
from flows.parsing.numbers import first_number
from flows.results import StaffResult
from flows.scheduling import TIMEZONE
from flows.staff.effects import CancelEvent, CreateEvent, EditEvent, NewSessionSpec
from flows.staff_queue import JUST_DONE, case_count, center_name, handoff_count
from flows.state import upgrades_frames

OTHER_LANGUAGES = ("en", "ru", "ar")  # Hebrew is the title everyone sees when theirs is missing
SKIP = "skip"
MAX_PICK = 10  # events offered as buttons to edit or cancel (the soonest)
MAX_TITLE = 120
MAX_PLACE = 200
MAX_SESSIONS = 30
MAX_CAPACITY = 1000
MAX_AHEAD_DAYS = 730
FIELDS = ("date", "time", "place", "capacity")


def allowed(ctx: Context) -> bool:
    return ctx.on_staff


def task_options(view: View) -> tuple[Option, ...]:
    """What this staff member may do: the center's events (`event_roles`), its "talk to a person"
    requests (`handoff_roles`) and its borderline cases (`decision_roles`; flows/staff_queue/)."""
    ctx = view.ctx
    done = tuple(view.answers.get(JUST_DONE, ()))
    items: list[Option] = []
    if ctx.manages_events:
        items += [Option(task, f"staff.task.{task}") for task in ("add", "list", "edit", "cancel")]
    if ctx.handles_handoffs:
        items.append(Option("handoffs", "staff.task.handoffs", {"count": handoff_count(ctx, done)}))
    if ctx.decides_cases:
        items.append(Option("decisions", "staff.task.decisions", {"count": case_count(ctx, done)}))
    if ctx.runs_meetings:  # attendance, then the next task (flows/homework/next_task.py)
        items.append(Option("meetings", "staff.task.meetings"))
    return tuple(items)


# ---- reading what staff type -----------------------------------------------------------------
def _words(view: View, key: str) -> tuple[str, ...]:
    return tuple(part for text in view.ctx.lexicon.texts(key) for part in text.split(","))


def _today(view: View) -> date:
    return view.now.astimezone(TIMEZONE).date()


def _at(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, TIMEZONE)


def one_line(text: str, most: int, invalid: str) -> str:
    """What staff typed, on one line with single spaces, cut at `most` characters; `invalid` if empty."""
    words = " ".join(text.split())
    if not words:
        raise Invalid(invalid)
    return words[:most]


def whole_number(text: str, high: int, invalid: str) -> int:
    """A count staff typed, from 1 to `high`; else `invalid` (told the highest)."""
    number = first_number(text)
    if number is None or number != int(number) or not 1 <= number <= high:
        raise Invalid(invalid, high=high)
    return int(number)


def parse_title(text: str, view: View) -> str:
    return one_line(text, MAX_TITLE, "staff.invalid_title")


def parse_place(text: str, view: View) -> str:
    return " ".join(text.split())[:MAX_PLACE]


def read_day(text: str, view: View) -> date:
    day = parse_day(text, _today(view), _words(view, "synonyms.today"), _words(view, "synonyms.tomorrow"))
    if day is None or day > _today(view) + timedelta(days=MAX_AHEAD_DAYS):
        raise Invalid("staff.invalid_date")
    if day < _today(view):
        raise Invalid("staff.date_past")
    return day


def read_clock(text: str, view: View) -> time:
    clock = parse_clock(text, _words(view, "synonyms.evening"), _words(view, "synonyms.morning"))
    if clock is None:
        raise Invalid("staff.invalid_time")
    return clock


def parse_date(text: str, view: View) -> str:
    return read_day(text, view).isoformat()


def parse_time(text: str, view: View) -> str:
    clock = read_clock(text, view)
    day = view.answers.get("date")
    if day and _at(date.fromisoformat(day), clock) <= view.now:
        raise Invalid("staff.time_past")
    return clock.strftime("%H:%M")


def parse_sessions(text: str, view: View) -> int:
    return whole_number(text, MAX_SESSIONS, "staff.invalid_sessions")


def parse_capacity(text: str, view: View) -> int:
    return whole_number(text, MAX_CAPACITY, "staff.invalid_capacity")


# How a capacity is answered, for a new event and a changed one: a number of seats, or no limit.
CAPACITY_ANSWER: dict[str, Any] = {
    "options": (Option("none", "staff.no_limit"),),
    "parse": parse_capacity,
    "typed_numbers": True,
    "invalid": "staff.invalid_capacity",
}


# ---- the center's events ---------------------------------------------------------------------
def center_events(view: View) -> tuple[EventOffer, ...]:
    center = view.ctx.person.staff_center
    found = (e for e in view.ctx.staff_events if e.center == center and e.starts_at > view.now)
    return tuple(sorted(found, key=lambda e: (e.starts_at, e.ref)))


def chosen(view: View) -> EventOffer | None:
    ref = view.answers.get("event")
    return next((e for e in center_events(view) if e.ref == ref), None)


def seats_msg(event: EventOffer) -> Msg:
    if not event.signup_required:
        return Msg("staff.drop_in")
    if event.capacity is None:
        return Msg("staff.seats_open", {"taken": event.taken})
    key = "staff.seats_waiting" if event.waiting else "staff.seats"
    return Msg(key, {"taken": event.taken, "capacity": event.capacity, "waiting": event.waiting})


def event_line(event: EventOffer) -> Msg:
    return Msg(
        "staff.list_line",
        {"title": event.title, "when": event.starts_at, "place": event.place, "seats": seats_msg(event)},
    )


def event_option(event: EventOffer) -> Option:
    return Option(event.ref, "staff.event_option", {"title": event.title, "when": event.starts_at})


def list_replies(view: View) -> tuple[Msg, ...]:
    events = center_events(view)
    if not events:
        return (Msg("staff.no_events", {"center": center_name(view)}),)
    lines = MsgList(tuple(event_line(e) for e in events))
    return (Msg("staff.list_title", {"center": center_name(view)}), Msg("common.list", {"items": lines}))


def event_details(event: EventOffer) -> tuple[Msg, ...]:
    heading = Msg("staff.event_details", {"title": event.title, "seats": seats_msg(event)})
    return (heading, sessions_msg(event))


# ---- add: the new event ----------------------------------------------------------------------
def new_sessions(view: View) -> tuple[NewSessionSpec, ...]:
    """One session, or one a week at the same time and place."""
    a = view.answers
    first, clock = date.fromisoformat(a["date"]), time.fromisoformat(a["time"])
    count = int(a.get("sessions") or 1)
    return tuple(
        NewSessionSpec(_at(first + timedelta(weeks=n), clock), a.get("place", "")) for n in range(count)
    )


def new_titles(view: View) -> dict[str, str]:
    titles = {"he": view.answers["title"]}
    for lang in OTHER_LANGUAGES:
        text = view.answers.get(f"title_{lang}")
        if text and text != SKIP:
            titles[lang] = text
    return titles


def add_summary(view: View) -> tuple[Msg, ...]:
    a = view.answers
    sessions = new_sessions(view)
    lines = [Msg("staff.summary_kind", {"kind": Msg(f"staff.kind.{a['kind']}")})]
    lines += [Msg("staff.summary_title", {"title": a["title"]})]
    lines += [
        Msg("staff.summary_title_in", {"language": Msg(f"language.name.{lang}"), "title": title})
        for lang, title in new_titles(view).items()
        if lang != "he"
    ]
    if len(sessions) == 1:
        lines.append(Msg("staff.summary_when", {"when": sessions[0].starts_at}))
    else:
        lines.append(
            Msg(
                "staff.summary_weekly",
                {"count": len(sessions), "when": sessions[0].starts_at, "last": sessions[-1].starts_at},
            )
        )
    lines.append(Msg("staff.summary_place", {"place": a.get("place") or "-"}))
    capacity = a.get("capacity")
    lines.append(
        Msg("staff.summary_capacity", {"count": capacity})
        if isinstance(capacity, int)
        else Msg("staff.summary_no_limit")
    )
    lines.append(Msg("staff.summary_track", {"track": Msg(f"staff.track.{a['track']}")}))
    lines.append(Msg("staff.summary_signup_yes" if a.get("signup") == "yes" else "staff.summary_signup_no"))
    return (
        Msg("staff.summary", {"center": center_name(view)}),
        Msg("common.list", {"items": MsgList(tuple(lines))}),
        Msg("staff.ask_approve"),
    )


def create_effect(view: View) -> CreateEvent:
    a = view.answers
    capacity = a.get("capacity")
    return CreateEvent(
        kind=a["kind"],
        titles=new_titles(view),
        sessions=new_sessions(view),
        capacity=capacity if isinstance(capacity, int) else None,
        track=a["track"],
        signup_required=a.get("signup") == "yes",
    )


# ---- edit: the event as it will be -----------------------------------------------------------
def changed_sessions(event: EventOffer, answers: Any) -> tuple[NewSessionSpec, ...]:
    """Every session after the change: a new date moves them all by as many days (the time of day
    stays), a new time sets it on each (the length stays), a new place is the place of each."""
    sessions = event.all_sessions
    first_day = sessions[0].starts_at.astimezone(TIMEZONE).date()
    moved = []
    for s in sessions:
        start = s.starts_at.astimezone(TIMEZONE)
        length = s.ends_at - s.starts_at if s.ends_at else None
        place = s.place or event.place
        if answers.get("new_date"):
            shift = date.fromisoformat(answers["new_date"]) - first_day
            start = _at(start.date() + shift, start.time())
        if answers.get("new_time"):
            start = _at(start.date(), time.fromisoformat(answers["new_time"]))
        if answers.get("new_place"):
            place = answers["new_place"]
        moved.append(NewSessionSpec(start, place, start + length if length is not None else None))
    return tuple(moved)


def parse_new_date(text: str, view: View) -> str:
    event = chosen(view)
    day = read_day(text, view)
    if event is not None:
        first = changed_sessions(event, {"new_date": day.isoformat()})[0].starts_at
        if first <= view.now:
            raise Invalid("staff.time_past")
    return day.isoformat()


def parse_new_time(text: str, view: View) -> str:
    event = chosen(view)
    clock = read_clock(text, view).strftime("%H:%M")
    if event is not None and changed_sessions(event, {"new_time": clock})[0].starts_at <= view.now:
        raise Invalid("staff.time_past")
    return clock


def change_prompt(view: View) -> tuple[Msg, ...]:
    event = chosen(view)
    assert event is not None
    a = view.answers
    field = a.get("field")
    if field == "capacity":
        capacity = a.get("new_capacity")
        parts = [
            Msg("staff.confirm_capacity", {"title": event.title, "count": capacity})
            if isinstance(capacity, int)
            else Msg("staff.confirm_no_limit", {"title": event.title})
        ]
        if isinstance(capacity, int) and capacity < event.taken:
            parts.append(Msg("staff.capacity_below_taken", {"taken": event.taken}))
    elif field == "place":
        parts = [Msg("staff.confirm_place", {"title": event.title, "place": a.get("new_place", "")})]
    else:
        sessions = changed_sessions(event, a)
        parts = [Msg("staff.confirm_move", {"title": event.title, "when": sessions[0].starts_at})]
        if len(sessions) > 1:
            parts.append(Msg("staff.confirm_move_all", {"count": len(sessions)}))
    if field != "capacity" and (event.taken or event.waiting):  # a new date, time or place: they are told
        parts.append(Msg("staff.people_told", {"count": event.taken + event.waiting}))
    return (*parts, Msg("staff.ask_change"))


def edit_effect(view: View, event: EventOffer) -> EditEvent:
    a = view.answers
    if a.get("field") == "capacity":
        capacity = a.get("new_capacity")
        if isinstance(capacity, int):
            return EditEvent(event.ref, capacity=capacity)
        return EditEvent(event.ref, clear_capacity=True)
    return EditEvent(event.ref, sessions=changed_sessions(event, a))


def field_prompt(view: View) -> tuple[Msg, ...]:
    event = chosen(view)
    return (*(event_details(event) if event else ()), Msg("staff.ask_field"))


def cancel_prompt(view: View) -> tuple[Msg, ...]:
    event = chosen(view)
    assert event is not None
    people = event.taken + event.waiting
    ask = Msg("staff.ask_cancel_people", {"count": people}) if people else Msg("staff.ask_cancel")
    return (*event_details(event), ask)


# ---- the flow: what would you like to do? → one sub-flow per task, then back here -------------
TASK_FLOWS = {"add": "staff_add", "edit": "staff_edit", "cancel": "staff_cancel", "meetings": "staff_meeting"}
AGAIN = "push:staff"  # after a task, back to what staff can do; "menu" or "back" leaves


def staff_finish(view: View) -> Done:
    task = view.answers.get("task")
    if task in ("handoffs", "decisions"):  # flows/staff_queue/, which come back here
        return Done(then=f"push:staff_{task}")
    if task == "list":
        return Done(replies=list_replies(view), then=AGAIN)
    return Done(then=AGAIN)  # a task's sub-flow said and did what it had to


STAFF = Flow(
    "staff",
    allowed=allowed,
    steps=(
        Ask(
            "task",
            prompt=lambda v: Msg("staff.ask_task", {"center": center_name(v)}),
            options=task_options,
            next=lambda v: v.answers["task"] if v.answers["task"] in TASK_FLOWS else END,
            targets=(*TASK_FLOWS, END),
        ),
        *(Call(task, flow=name, next=END) for task, name in TASK_FLOWS.items()),
    ),
    finish=staff_finish,
)


# ---- add -------------------------------------------------------------------------------------
def add_finish(view: View) -> Done:
    if view.answers.get("approve") != "yes":
        return Done(replies=(Msg("staff.not_added"),))
    return Done(effects=(create_effect(view),))


def _title_in(lang: str) -> Ask:
    return Ask(
        f"title_{lang}",
        prompt=lambda v: Msg("staff.ask_title_in", {"language": Msg(f"language.name.{lang}")}),
        options=(Option(SKIP, "staff.skip_language", synonyms="synonyms.skip"),),
        suggestions=True,
        parse=parse_title,
        max_length=MAX_TITLE,
    )


ADD = Flow(
    "staff_add",
    allowed=allowed,
    steps=(
        Ask("kind", prompt="staff.ask_kind", options=tuple(Option(k, f"staff.kind.{k}") for k in KINDS)),
        Ask("title", prompt="staff.ask_title", parse=parse_title, max_length=MAX_TITLE),
        Ask(
            "translate",
            prompt="staff.ask_translate",
            options=yes_no("staff.translate_yes", "staff.translate_no"),
            next=lambda v: "title_en" if v.answers["translate"] == "yes" else "date",
            targets=("title_en", "date"),
        ),
        *(_title_in(lang) for lang in OTHER_LANGUAGES),
        Ask("date", prompt="staff.ask_date", parse=parse_date, invalid="staff.invalid_date"),
        Ask("time", prompt="staff.ask_time", parse=parse_time, invalid="staff.invalid_time"),
        Ask("place", prompt="staff.ask_place", parse=parse_place, max_length=MAX_PLACE),
        Ask(
            "sessions",
            prompt="staff.ask_sessions",
            options=(Option("1", "staff.one_session"),),
            parse=parse_sessions,
            typed_numbers=True,
            invalid="staff.invalid_sessions",
        ),
        Ask("capacity", prompt="staff.ask_capacity", **CAPACITY_ANSWER),
        Ask("track", prompt="staff.ask_track", options=tuple(Option(t, f"staff.track.{t}") for t in TRACKS)),
        Ask("signup", prompt="staff.ask_signup", options=yes_no("staff.signup_yes", "staff.signup_no")),
        Ask(
            "approve",
            prompt=add_summary,
            options=(Option("yes", "staff.approve_yes"), Option("no", "staff.approve_no")),
        ),
    ),
    finish=add_finish,
)


# ---- edit and cancel: which event → ... ------------------------------------------------------
def pick_event(view: View) -> str:
    return "event" if center_events(view) else END


def gone(view: View) -> Done:
    """None to choose from, or the chosen one is gone meanwhile (cancelled, started)."""
    said = Msg("staff.result.unavailable") if view.answers.get("event") else None
    return Done(replies=(said or Msg("staff.no_events", {"center": center_name(view)}),))


def pick_steps() -> tuple[Branch, Ask]:
    return (
        Branch("pick", to=pick_event, targets=("event", END)),
        Ask(
            "event",
            prompt="staff.ask_event",
            options=lambda v: tuple(event_option(e) for e in center_events(v)[:MAX_PICK]),
        ),
    )


def edit_finish(view: View) -> Done:
    event = chosen(view)
    if event is None:
        return gone(view)
    if view.answers.get("change_ok") != "yes":
        return Done(replies=(Msg("staff.not_changed"),))
    return Done(effects=(edit_effect(view, event),))


def chosen_or_end(key: str) -> Callable[[View], str]:
    return lambda v: key if chosen(v) is not None else END


CHANGE_OK_OR_END = ("change_ok", END)


def new_value(key: str, prompt: str, **ask: Any) -> Ask:
    """The chosen event's new date, time, place or capacity; then the confirmation (or, the event
    gone meanwhile, the end)."""
    return Ask(key, prompt=prompt, next=chosen_or_end("change_ok"), targets=CHANGE_OK_OR_END, **ask)


EDIT = Flow(
    "staff_edit",
    allowed=allowed,
    steps=(
        *pick_steps(),
        Ask(
            "field",
            prompt=field_prompt,
            options=tuple(Option(f, f"staff.field.{f}") for f in FIELDS),
            next=lambda v: f"new_{v.answers['field']}",
            targets=tuple(f"new_{f}" for f in FIELDS),
        ),
        new_value("new_date", "staff.ask_new_date", parse=parse_new_date, invalid="staff.invalid_date"),
        new_value("new_time", "staff.ask_new_time", parse=parse_new_time, invalid="staff.invalid_time"),
        new_value("new_place", "staff.ask_place", parse=parse_place, max_length=MAX_PLACE),
        new_value("new_capacity", "staff.ask_capacity", **CAPACITY_ANSWER),
        Ask(
            "change_ok",
            prompt=change_prompt,
            options=(Option("yes", "staff.change_yes"), Option("no", "staff.change_no")),
            next=END,
        ),
    ),
    finish=edit_finish,
)


def cancel_finish(view: View) -> Done:
    event = chosen(view)
    if event is None:
        return gone(view)
    if view.answers.get("cancel_ok") != "yes":
        return Done(replies=(Msg("staff.not_cancelled"),))
    return Done(effects=(CancelEvent(event.ref),))


CANCEL = Flow(
    "staff_cancel",
    allowed=allowed,
    steps=(
        *pick_steps(),
        Branch("still_there", to=chosen_or_end("cancel_ok"), targets=("cancel_ok", END)),
        Ask(
            "cancel_ok",
            prompt=cancel_prompt,
            options=(Option("yes", "staff.cancel_yes"), Option("no", "staff.cancel_no")),
        ),
    ),
    finish=cancel_finish,
)

FLOWS = (STAFF, ADD, EDIT, CANCEL)


@upgrades_frames(2)
def split_task_frame(frame: dict[str, Any]) -> list[dict[str, Any]]:
    """Before version 2 the staff flow was one list of questions: a frame saved in the middle of a
    task becomes the menu waiting at that task's call, and the task's sub-flow where it stood."""
    answers = dict(frame.get("answers", {}))
    name = TASK_FLOWS.get(str(answers.get("task")))
    if frame.get("flow") != "staff" or name is None or frame.get("node") in (None, "task"):
        return [frame]
    task = answers.pop("task")
    steps = {s.key for s in next(f for f in FLOWS if f.name == name).steps}
    menu = {**frame, "node": task, "answers": {"task": task}, "history": ["task"], "asked": None}
    history = [key for key in frame.get("history", []) if key in steps]
    return [menu, {**frame, "flow": name, "answers": answers, "history": history, "key": None}]


# ---- what the shell did, in the staff member's words -----------------------------------------
RESULT_KEYS = {"create": "staff.created", "edit": "staff.edited", "cancel": "staff.cancelled"}


def staff_result_replies(result: StaffResult) -> tuple[Outgoing, ...]:
    if result.status != "done" or result.starts_at is None:
        status = result.status if result.status in ("not_allowed", "unavailable") else "invalid"
        return (Reply(parts=(Msg(f"staff.result.{status}"),)),)
    params: dict[str, Any] = {"title": result.title, "when": result.starts_at}
    key = RESULT_KEYS[result.action]
    if result.action == "cancel" and result.told:
        key, params = "staff.cancelled_people", {**params, "count": result.told}
    return (Reply(parts=(Msg(key, params),)),)


FEATURE = Feature(
    "staff",
    flows=FLOWS,
    results={StaffResult: lambda result, lang: staff_result_replies(result)},
    facts=("bookings",),
    roles={"intent:staff": STAFF.name},
    storage="staff",
    menu=(MenuEntry("staff", "menu.staff", lambda v: v.ctx.on_staff, order=10, then="push:staff"),),
)

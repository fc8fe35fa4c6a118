"""After a meeting, in the staff chat: its attendance, then "the next task" for the participant.

    staff → "🤝 Meetings: attendance and the next task" (flows/staff/ calls `staff_meeting`)
      staff_meeting     which meeting (the center's, begun in the last days) → its attendance
                        (`staff_attendance`: attended / no-show / late → MarkAttendance, as
                        `midway meetings attendance`) → if they came: the next task (`homework_next`)
      homework_next     a task of the catalog, a task in the promoter's words, or none this time
                        → (counted) how many → (own words) the task → the due date (in a week, in
                        two weeks, or typed) → the summary: give it / don't  → AssignHomework

The task is the one `midway homework assign` gives (storage/homework.assign: the same row, the
participant told at once in allowed hours, the check-in on the due date). The shell checks the role
(`[staff] meeting_roles`) and the meeting's center again, and answers with a `MeetingResult`.
"""

from __future__ import annotations

from datetime import date, timedelta

from flows.context import Context, StaffMeetingFacts
from flows.declare import END, Ask, Branch, Call, Done, Flow, Option, View
from flows.feature import Feature
from flows.homework.conversations import COUNTED, FREE, TASKS, due_day, task_msg, today_of
from flows.homework.effects import AssignHomework, MarkAttendance
from flows.messages import Msg, Outgoing, Reply
from flows.results import MeetingResult
from flows.staff.conversations import one_line, whole_number

ATTENDANCE = ("attended", "no_show", "late")
NONE = "none"  # no task this time
SOON = {"week": 7, "two_weeks": 14}  # the due date as a button: days from today
MAX_PICK = 10
MAX_COUNT = 50
MAX_TEXT = 300


def allowed(ctx: Context) -> bool:
    return ctx.runs_meetings


# ---- which meeting ----------------------------------------------------------------------------
def recent(view: View) -> tuple[StaffMeetingFacts, ...]:
    """The center's meetings that have begun (the shell reads the last days', the latest first)."""
    return tuple(m for m in view.ctx.staff_meetings if m.starts_at <= view.now)[:MAX_PICK]


def meeting(view: View) -> StaffMeetingFacts | None:
    return next((m for m in recent(view) if m.ref == view.answers.get("meeting")), None)


def name_of(found: StaffMeetingFacts | None) -> Msg | str:
    return found.name if found is not None and found.name else Msg("queue.no_name")


def meeting_option(found: StaffMeetingFacts) -> Option:
    marked = found.status in ("attended", "no_show", "late_not_admitted")
    label = "meeting_next.option_marked" if marked else "meeting_next.option"
    return Option(found.ref, label, {"name": name_of(found), "when": found.starts_at})


def came(view: View) -> bool:
    """Attended, or late and let in (the program's rule): the next task is theirs to do."""
    value = view.answers.get("attendance")
    if value == "late":
        return not view.ctx.program.scheduling.meetings.late_arrival_blocks_entry
    return value == "attended"


def meeting_finish(view: View) -> Done:
    if not view.answers.get("meeting"):
        return Done(replies=(Msg("meeting_next.none"),))
    if meeting(view) is None:  # chosen, then gone from the list (cancelled, or a week old)
        return Done(replies=(Msg("meeting_next.result.unavailable"),))
    return Done()  # each sub-flow said and did what it had to


STAFF_MEETING = Flow(
    "staff_meeting",
    allowed=allowed,
    steps=(
        Branch("pick", to=lambda v: "meeting" if recent(v) else END, targets=("meeting", END)),
        Ask(
            "meeting",
            prompt="meeting_next.ask_meeting",
            options=lambda v: tuple(meeting_option(m) for m in recent(v)),
            next=lambda v: "attendance" if meeting(v) is not None else END,  # gone meanwhile: said so
            targets=("attendance", END),
        ),
        Call(
            "attendance",
            "staff_attendance",
            carry=lambda v: {"meeting": v.answers["meeting"]},
            next=lambda v: "next" if came(v) else END,
            targets=("next", END),
        ),
        Call("next", "homework_next", carry=lambda v: {"meeting": v.answers["meeting"]}),
    ),
    finish=meeting_finish,
)


# ---- its attendance ---------------------------------------------------------------------------
def attendance_prompt(view: View) -> Msg:
    found = meeting(view)
    when = found.starts_at if found is not None else view.now
    return Msg("meeting_next.ask_attendance", {"name": name_of(found), "when": when})


def attendance_finish(view: View) -> Done:
    value = view.answers["value"]
    return Done(effects=(MarkAttendance(str(view.answers["meeting"]), value),), result=value)


ATTENDANCE_FLOW = Flow(
    "staff_attendance",
    allowed=allowed,
    steps=(
        Ask(
            "value",
            prompt=attendance_prompt,
            options=tuple(Option(v, f"meeting_next.attendance.{v}") for v in ATTENDANCE),
        ),
    ),
    finish=attendance_finish,
)


# ---- the next task ----------------------------------------------------------------------------
def kind_options(view: View) -> tuple[Option, ...]:
    catalog = tuple(
        Option(k, "homework_next.kind.cv_to_jobs" if k in COUNTED else f"homework.task.{k}") for k in TASKS
    )
    return (*catalog, Option(FREE, "homework_next.kind.free"), Option(NONE, "homework_next.kind.none"))


def parse_count(text: str, view: View) -> int:
    return whole_number(text, MAX_COUNT, "homework_next.invalid_count")


def parse_text(text: str, view: View) -> str:
    return one_line(text, MAX_TEXT, "homework_next.invalid_text")


def parse_due(text: str, view: View) -> str:
    return due_day(text, view, "homework_next.invalid_due", "homework_next.due_not_ahead")


def due_options(view: View) -> tuple[Option, ...]:
    today = today_of(view)
    return tuple(
        Option(key, f"homework_next.due.{key}", {"due": today + timedelta(days=days)})
        for key, days in SOON.items()
    )


def due_date(view: View) -> date:
    chosen = str(view.answers["due"])
    if chosen in SOON:
        return today_of(view) + timedelta(days=SOON[chosen])
    return date.fromisoformat(chosen)


def count(view: View) -> int | None:
    """A counted task's target: a button ("5") or a typed number."""
    value = view.answers.get("count")
    return int(value) if value is not None and view.answers.get("kind") in COUNTED else None


def next_task(view: View) -> Msg:
    return task_msg(view.answers["kind"], count(view), view.answers.get("text"))


def summary(view: View) -> tuple[Msg, ...]:
    params = {"name": name_of(meeting(view)), "task": next_task(view), "due": due_date(view)}
    return (Msg("homework_next.summary", params), Msg("homework_next.ask_give"))


def next_finish(view: View) -> Done:
    a = view.answers
    if a.get("kind") == NONE:
        return Done(replies=(Msg("homework_next.no_task"),))
    if a.get("give") != "yes":
        return Done(replies=(Msg("homework_next.not_given"),))
    text = a.get("text") if a["kind"] == FREE else None
    effect = AssignHomework(str(a["meeting"]), a["kind"], due_date(view), count(view), text)
    return Done(effects=(effect,))


def _none(view: View) -> bool:
    return view.answers.get("kind") == NONE


NEXT_TASK = Flow(
    "homework_next",
    allowed=allowed,
    steps=(
        Ask(
            "kind",
            prompt=lambda v: Msg("homework_next.ask_task", {"name": name_of(meeting(v))}),
            options=kind_options,
            next=lambda v: END if _none(v) else "count",
            targets=("count", END),
        ),
        Ask(
            "count",
            prompt="homework_next.ask_count",
            options=tuple(Option(n, "homework_next.count", {"count": int(n)}) for n in ("3", "5", "10")),
            parse=parse_count,
            typed_numbers=True,
            invalid="homework_next.invalid_count",
            skip=lambda v: v.answers.get("kind") not in COUNTED,
        ),
        Ask(
            "text",
            prompt="homework_next.ask_text",
            parse=parse_text,
            max_length=MAX_TEXT,
            skip=lambda v: v.answers.get("kind") != FREE,
        ),
        Ask(
            "due",
            prompt="homework_next.ask_due",
            options=due_options,
            parse=parse_due,
            invalid="homework_next.invalid_due",
        ),
        Ask(
            "give",
            prompt=summary,
            options=(Option("yes", "homework_next.give_yes"), Option("no", "homework_next.give_no")),
        ),
    ),
    finish=next_finish,
)

FLOWS = (STAFF_MEETING, ATTENDANCE_FLOW, NEXT_TASK)


# ---- what the shell did, in the staff member's words ------------------------------------------
def meeting_result_replies(result: MeetingResult, lang: str) -> tuple[Outgoing, ...]:
    name: Msg | str = result.name or Msg("queue.no_name")
    if result.status != "done":
        status = result.status if result.status in ("not_allowed", "unavailable") else "invalid"
        return (Reply(parts=(Msg(f"meeting_next.result.{status}"),)),)
    if result.action == "homework":
        return (Reply(parts=(Msg("homework_next.given", {"name": name, "due": result.due}),)),)
    return (Reply(parts=(Msg(f"meeting_next.marked.{result.value}", {"name": name}),)),)


# A feature of its own, beside homework's: its people are staff (`meeting_roles`), its fact is the
# center's meetings (`staff_meetings`) and its storage checks the role and the center again
# (`storage/homework_next.py`); it reaches the participant's tasks through `storage.homework.assign`.
NEXT_TASK_FEATURE = Feature(
    "homework_next",
    flows=FLOWS,
    results={MeetingResult: meeting_result_replies},
    facts=("staff_meetings",),
    storage="homework_next",
)

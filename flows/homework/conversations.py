"""Homework: the task a promoter gives at the end of a meeting, and the participant's word on it.

Not to be confused with staff's "call them" tasks (`midway tasks`): homework is the participant's.

    homework_assigned  (proactive) "your task until <date>: ..." — told at once, in allowed hours
    homework_checkin   (opened on the due date) how did it go? done / partly / need help / not
                       relevant any more → (partly) how many so far, a new date → a note for the
                       promoter. No answer: one reminder (the question's timeout); still none: the
                       question stays, the task is overdue and the promoter gets a "call them" task
    homework           (the menu: "my tasks") the open tasks → the same questions for the one chosen
    homework_report    the questions themselves, called by both; `ReportHomework` stores the answer,
                       "need help" is also a hand-off to the promoter (`RequestHandoff`), the phone
                       asked first when none is known (as "talk to a person" asks it)

A task is a kind from the program's catalog (`TASKS`, each a message key, `cv_to_jobs` counting its
target: "send your CV to 5 relevant jobs") or free text written by the promoter.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from flows.context import HomeworkFacts, phone_needed
from flows.declare import STAY, Ask, Call, Done, Flow, Invalid, Option, Timeout, View
from flows.effects import Effect, RequestHandoff, UpdateProfile
from flows.homework.effects import HomeworkUnanswered, ReportHomework
from flows.messages import Msg, Outgoing, Reply
from flows.parsing.dates import parse_day
from flows.parsing.numbers import first_number
from flows.prescreen import NO_PHONE, ask_phone
from flows.results import HomeworkResult
from flows.scheduling import TIMEZONE

# The program's typical tasks (domain.md, "Tasks between meetings"); "free" is the promoter's own text.
TASKS = ("strengths", "cv_with_relative", "which_job", "tell_someone", "cv_to_jobs")
COUNTED = ("cv_to_jobs",)  # tasks with a target count
FREE = "free"
ANSWERS = ("done", "partly", "help", "dropped")
MAX_NOTE = 500
MAX_AHEAD_DAYS = 180
MAX_LISTED = 8


def task_msg(kind: str, count: int | None = None, text: str | None = None) -> Msg:
    """The task in the person's words: a catalog task (counted ones with their number) or free text."""
    if kind == FREE or kind not in TASKS:
        return Msg("homework.task.free", {"text": text or ""})
    if kind in COUNTED:
        return Msg(f"homework.task.{kind}", {"count": count or 1})
    return Msg(f"homework.task.{kind}")


def task_of(values: Mapping[str, Any]) -> Msg:
    return task_msg(str(values.get("kind", FREE)), values.get("count"), values.get("text"))


def due_of(values: Mapping[str, Any]) -> date:
    return date.fromisoformat(str(values["due"]))


def today_of(view: View) -> date:
    return view.now.astimezone(TIMEZONE).date()


def facts_values(task: HomeworkFacts) -> dict[str, Any]:
    """A task as a flow's first answers (JSON values)."""
    return {
        "homework": task.ref,
        "kind": task.kind,
        "count": task.count,
        "text": task.text,
        "due": task.due.isoformat(),
        "progress": task.progress,
    }


# ---- the questions, for the check-in and the menu alike ---------------------------------------
ANSWER_OPTIONS = (
    Option("done", "homework.answer.done", synonyms="synonyms.yes"),
    Option("partly", "homework.answer.partly"),
    Option("help", "homework.answer.help"),
    Option("dropped", "homework.answer.dropped"),
)


def chosen(view: View) -> str | None:
    return view.answers.get("reminded") or view.answers.get("answer")


def parse_progress(text: str, view: View) -> int:
    number = first_number(text)
    target = int(view.answers.get("count") or 0)
    if number is None or number != int(number) or not 0 <= number <= max(target, 1000):
        raise Invalid("homework.invalid_progress")
    return int(number)


def due_day(text: str, view: View, invalid: str, not_ahead: str) -> str:
    """A due date as the participant or the promoter types it ("3.12", "tomorrow"), as ISO: a day
    after today and at most MAX_AHEAD_DAYS ahead, else `invalid` (no such day, too far) or `not_ahead`."""
    today = today_of(view)
    day = parse_day(text, today, _words(view, "synonyms.today"), _words(view, "synonyms.tomorrow"))
    if day is None or day > today + timedelta(days=MAX_AHEAD_DAYS):
        raise Invalid(invalid)
    if day <= today:
        raise Invalid(not_ahead)
    return day.isoformat()


def _words(view: View, key: str) -> tuple[str, ...]:
    return tuple(w.strip() for t in view.ctx.lexicon.texts(key) for w in t.split(",") if w.strip())


def parse_new_due(text: str, view: View) -> str:
    return due_day(text, view, "homework.invalid_date", "homework.date_not_ahead")


def parse_note(text: str, view: View) -> str:
    return " ".join(text.split())[:MAX_NOTE]


def progress_prompt(view: View) -> Msg:
    return Msg("homework.ask_progress", {"count": int(view.answers.get("count") or 0)})


def report_finish(view: View) -> Done:
    answer = chosen(view)
    if answer not in ANSWERS:
        return Done()
    note = view.answers.get("note")
    due = view.answers.get("new_due")
    effects: list[Effect] = [
        ReportHomework(
            str(view.answers["homework"]),
            answer,
            view.answers.get("progress"),
            date.fromisoformat(due) if due else None,
            None if note in (None, "none") else note,
        )
    ]
    replies: tuple[Msg, ...] = ()
    if answer == "help":  # in the staff queue, with a "call them" task for their promoter
        effects.append(RequestHandoff("homework", None))
        phone = view.answers.get("phone")
        if phone == NO_PHONE:
            replies = (Msg("homework.help_no_phone"),)
        elif phone:
            effects.append(UpdateProfile({"phone": phone}))
    return Done(replies=replies, effects=tuple(effects), result=answer)


REPORT = Flow(
    "homework_report",
    steps=(
        Ask(
            "answer",
            prompt=lambda v: (
                Msg("homework.about", {"task": task_of(v.answers)}),
                Msg("homework.ask_answer"),
            ),
            options=ANSWER_OPTIONS,
            skip=lambda v: chosen(v) is not None,
        ),
        # their promoter will call: with no number on file it is asked first, as "talk to a person"
        # asks it (flows/handoff.py); WhatsApp always has one
        ask_phone(
            "homework.ask_phone",
            "handoff.phone_skip",
            "synonyms.no",
            skip=lambda v: chosen(v) != "help" or not phone_needed(v.ctx),
        ),
        Ask(
            "progress",
            prompt=progress_prompt,
            parse=parse_progress,
            invalid="homework.invalid_progress",
            typed_numbers=True,
            skip=lambda v: chosen(v) != "partly" or v.answers.get("kind") not in COUNTED,
        ),
        Ask(
            "new_due",
            prompt="homework.ask_new_due",
            parse=parse_new_due,
            invalid="homework.invalid_date",
            skip=lambda v: chosen(v) != "partly",
        ),
        Ask(
            "note",
            prompt="homework.ask_note",
            options=(Option("none", "homework.no_note", synonyms="synonyms.no"),),
            # a note that begins "no, I could not..." is a note, not "no note"
            parse=parse_note,
            max_length=MAX_NOTE,
            suggestions=True,
        ),
    ),
    finish=report_finish,
)


# ---- on the due date: the check-in, its one reminder, then overdue ------------------------------
def _hours(view: View, name: str) -> timedelta:
    return timedelta(hours=getattr(view.ctx.program.scheduling.homework, name))


def still_awaited(view: View) -> bool:
    """The task still waits for their word (they may have told it from the menu meanwhile)."""
    return any(t.ref == view.answers.get("homework") and t.waiting for t in view.ctx.homework)


def checkin_prompt(view: View) -> tuple[Msg, ...]:
    return (Msg("homework.checkin", {"task": task_of(view.answers)}), Msg("homework.ask_answer"))


def reminder_prompt(view: View) -> tuple[Msg, ...]:
    return (Msg("homework.checkin_reminder", {"task": task_of(view.answers)}), Msg("homework.ask_answer"))


CHECKIN = Flow(
    "homework_checkin",
    steps=(
        Ask(
            "answer",
            prompt=checkin_prompt,
            options=ANSWER_OPTIONS,
            next="report",
            timeout=Timeout(
                after=lambda v: _hours(v, "reminder_after_hours"),
                go=lambda v: "reminded" if still_awaited(v) else STAY,
                targets=("reminded", STAY),
            ),
        ),
        # still no answer: the question stays (a late answer still counts), said nothing more
        Ask(
            "reminded",
            prompt=reminder_prompt,
            options=ANSWER_OPTIONS,
            timeout=Timeout(
                after=lambda v: _hours(v, "overdue_after_hours"),
                go=STAY,
                effects=lambda v: (
                    (HomeworkUnanswered(str(v.answers["homework"])),) if still_awaited(v) else ()
                ),
            ),
        ),
        Call("report", "homework_report", carry=lambda v: {**v.answers, "answer": chosen(v)}),
    ),
    finish=lambda v: Done(),
)


# ---- the menu: my open tasks --------------------------------------------------------------------
def open_tasks(view: View) -> tuple[HomeworkFacts, ...]:
    return view.ctx.homework[:MAX_LISTED]


def chosen_task(view: View) -> HomeworkFacts | None:
    return next((t for t in view.ctx.homework if t.ref == view.answers.get("task")), None)


def task_option(task: HomeworkFacts) -> Option:
    label = "homework.option_overdue" if task.overdue else "homework.option"
    return Option(task.ref, label, {"task": task_msg(task.kind, task.count, task.text), "due": task.due})


def mine_finish(view: View) -> Done:
    if not view.ctx.homework:
        return Done(replies=(Msg("homework.none"),))
    return Done()


MINE = Flow(
    "homework",
    steps=(
        Ask(
            "task",
            prompt="homework.list_intro",
            options=lambda v: tuple(task_option(t) for t in open_tasks(v)),
            skip=lambda v: not open_tasks(v),
        ),
        Call(
            "report",
            "homework_report",
            skip=lambda v: chosen_task(v) is None,
            carry=lambda v: facts_values(chosen_task(v)),  # type: ignore[arg-type]
        ),
    ),
    finish=mine_finish,
)

FLOWS = (REPORT, CHECKIN, MINE)


# ---- what the shell decided, in the person's words ----------------------------------------------
def result_replies(result: HomeworkResult, lang: str) -> tuple[Outgoing, ...]:
    params: dict[str, Any] = {"due": result.due} if result.due else {}
    return (Reply(parts=(Msg(f"homework.thanks.{result.status}", params),)),)

"""`midway homework`: tasks between meetings that a promoter gives a participant ("send your CV to
5 relevant jobs"), and what the participant said about them. Not `midway tasks`, which lists staff's
own "call them" to-dos (an unanswered homework check-in adds one there).

    midway homework assign --person ID --task cv_to_jobs --count 5 --due 2026-12-10 [--by NAME]
    midway homework assign --person ID --task free --text "update your LinkedIn profile" --due ...
    midway homework list [--person ID] [--overdue] [--center SLUG] [--all]
"""

from __future__ import annotations

import argparse
from typing import Any

from bot.bootstrap import App
from bot.cli_text import known_center, one_line_errors, read_date, when
from flows.homework import FREE, TASKS, task_msg
from storage import homework

ACTIONS = ("assign", "list")


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "homework",
        help="participants' tasks between meetings (not `midway tasks`, staff's call-them list)",
        description="Tasks between meetings that a promoter gives a participant. The participant is told "
        "at once (in allowed hours) and asked on the due date how it went; no answer after one reminder "
        "makes it overdue, with a call-them task in `midway tasks` (staff's own to-dos).",
    )
    parser.add_argument("action", choices=ACTIONS)
    parser.add_argument("--person", type=int, help="the participant's id")
    parser.add_argument(
        "--task",
        choices=(*TASKS, FREE),
        help="assign: a task of the program's catalog, or free (with --text)",
    )
    parser.add_argument("--count", type=int, help="assign: the target count (cv_to_jobs: how many jobs)")
    parser.add_argument("--due", help="assign: the due date, YYYY-MM-DD (the check-in is that day)")
    parser.add_argument("--text", help="assign: the task in the promoter's words (--task free)")
    parser.add_argument("--by", help="assign: who gives it (the promoter's name)")
    parser.add_argument("--overdue", action="store_true", help="list: only overdue tasks (no answer)")
    parser.add_argument("--center", help="list: only this center's participants (slug)")
    parser.add_argument("--all", action="store_true", help="list: also tasks done or dropped")


def homework_command(app: App, args: argparse.Namespace) -> int:
    return one_line_errors(lambda: _assign(app, args) if args.action == "assign" else _list(app, args))


def _assign(app: App, args: argparse.Namespace) -> int:
    if args.person is None or args.task is None or args.due is None:
        raise ValueError("assign needs --person ID, --task KIND and --due YYYY-MM-DD")
    now = app.clock()
    with app.db.transaction() as session:
        task = homework.assign(
            session,
            person_id=args.person,
            kind=args.task,
            due=read_date(args.due),
            now=now,
            program=app.program,
            count=args.count,
            text=args.text,
            by=args.by,
        )
        print(
            f"homework #{task.id} for person {task.person_id}: {_title(app, task)}, due {task.due_on}; "
            "they are told now (or when quiet hours end), and asked on the due date"
        )
    return 0


def _list(app: App, args: argparse.Namespace) -> int:
    with app.db.transaction() as session:
        center = known_center(session, args.center)
        rows = homework.list_homework(session, args.person, args.overdue, center, closed_too=args.all)
        if not rows:
            print("no overdue homework" if args.overdue else "no homework")
        for row in rows:
            task = row.homework
            status = "OVERDUE" if row.overdue else task.status
            progress = f" {task.progress or 0}/{task.target_count} so far" if task.target_count else ""
            note = f' — note: "{task.note}"' if task.note else ""
            who = f"person {task.person_id} {row.name or ''} ({row.center or 'no center'})"
            print(
                f"#{task.id} {status} {who} due {task.due_on}{progress}: {_title(app, task)}"
                f"{' by ' + task.assigned_by if task.assigned_by else ''}"
                f"{' (told ' + when(task.reported_at) + ')' if task.reported_at else ''}{note}"
            )
    return 0


def _title(app: App, task: Any) -> str:
    """The task as the English catalog words it (free text as the promoter wrote it)."""
    return app.catalogs.translator("en").render(task_msg(task.kind, task.target_count, task.text))


def run(app: Any, args: argparse.Namespace) -> int:
    """`midway homework ...` with the bootstrapped app (bot/cli.py's FEATURE_CLIS)."""
    return homework_command(app, args)

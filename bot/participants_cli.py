"""Staff commands about one participant: their case and their employment history, and the
privacy export.

    midway participants close ID --reason no_cooperation|moved_away|other [--note TEXT] [--by NAME]
    midway participants reopen ID [--note TEXT] [--by NAME]
    midway participants show ID [--as ROLE]     the case (open / closed / graduated) and the
                                                employment periods; salaries only for a role the
                                                program allows ([staff] salary_roles)
    midway export person ID [--out FILE]        everything stored about them, as JSON

Refusals are one line and a non-zero exit (`bot/cli_text.one_line_errors`).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bot.app import App
from bot.cli_text import one_line_errors
from flows.cases import CLOSE_REASONS
from flows.employment import period_line
from flows.program import STAFF_ROLES
from storage import cases, employment, person_export, repo
from storage.models import ParticipantProfile

REASONS = {
    "no_cooperation": "lack of cooperation",
    "moved_away": "moved away",
    "other": "other",
    "max_time": "the maximum time in the program",
}


def add_parser(commands: Any) -> None:
    participants = commands.add_parser(
        "participants", help="a participant's case (close, reopen) and employment history (show)"
    )
    participants.add_argument("action", choices=["close", "reopen", "show"])
    participants.add_argument("id", type=int, help="the participant's person id")
    participants.add_argument("--reason", choices=CLOSE_REASONS, help="close: why the case ends")
    participants.add_argument("--note", help="close/reopen: a word for the team")
    participants.add_argument("--by", help="close/reopen: who (the promoter's name)")
    participants.add_argument(
        "--as",
        dest="role",
        choices=STAFF_ROLES,
        default="promoter",
        help="show: the reader's role; salaries only where the program allows it (default: promoter)",
    )

    export = commands.add_parser("export", help="everything stored about one person, as JSON (privacy)")
    export.add_argument("what", choices=["person"])
    export.add_argument("id", type=int, help="the person id")
    export.add_argument("--out", help="write to this file (default: print)")


def run(app: App, args: argparse.Namespace) -> int:
    if args.command == "export":
        return one_line_errors(lambda: _export(app, args))
    return one_line_errors(
        lambda: {"close": _close, "reopen": _reopen, "show": _show}[args.action](app, args)
    )


def _close(app: App, args: argparse.Namespace) -> int:
    if args.reason is None:
        raise ValueError(f"close needs --reason, one of: {', '.join(CLOSE_REASONS)}")
    with app.db.transaction() as session:
        cases.close_case(session, args.id, args.reason, app.clock(), app.program, by=args.by, note=args.note)
    print(f"closed the case of person {args.id} ({REASONS[args.reason]})")
    return 0


def _reopen(app: App, args: argparse.Namespace) -> int:
    with app.db.transaction() as session:
        cases.reopen_case(session, args.id, app.clock(), app.program, by=args.by, note=args.note)
    print(f"reopened the case of person {args.id}")
    return 0


def _show(app: App, args: argparse.Namespace) -> int:
    now = app.clock()
    with app.db.transaction() as session:
        person = repo.find_person(session, args.id)
        if person is None:
            raise LookupError(f"no person {args.id}")
        status = cases.case_status(session, args.id, cases.local_day(now), app.program)
        profile = session.get(ParticipantProfile, args.id)
        center = repo.center_slugs(session).get(profile.center_id) if profile and profile.center_id else None
        periods = employment.periods_of(session, args.id)
    name = person.display_name or "(no name)"
    if status is None:
        print(f"person {args.id}  {name}  not a participant (never joined)")
    else:
        why = f", {REASONS.get(status.reason, status.reason)}" if status.reason else ""
        print(f"person {args.id}  {name}  case {status.state} since {status.since}{why}")
    if not periods:
        print("no employment periods")
    with_salary = app.program.may_see_salary(args.role, center)
    for period in periods:
        print(f"  p{period.ref}  {period_line(period, with_salary)}")
    return 0


def _export(app: App, args: argparse.Namespace) -> int:
    with app.db.transaction() as session:
        text = person_export.export_json(session, args.id)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
        print(f"wrote everything stored about person {args.id} to {args.out}")
    else:
        print(text)
    return 0

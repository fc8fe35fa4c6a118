"""`midway survey`: the employment-status survey from the staff's side.

midway survey send --person ID        one now (in allowed hours), outside the cadence
midway survey send --center SLUG      that center's due ones now (the daily cap holds)
midway survey status [--center SLUG] [--period YYYY-MM]
                                      who answered, who was reminded, who was escalated to their
                                      promoter (a "call them" task), who let it expire, who wrote
                                      "stop" (their promoter calls instead)
"""

from __future__ import annotations

import argparse
from collections import Counter
from typing import Any

from bot.bootstrap import App
from bot.cli_text import known_center, one_line_errors, when
from storage import survey

ACTIONS = ("send", "status")


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "survey",
        help="the quarterly employment-status survey: send one now, see who answered",
        description="The employment-status survey. The scheduler sends it on each person's day of the "
        "quarter ([survey] in the program configuration); `send` sends one now, `status` shows who "
        "answered, was reminded, was escalated to their promoter, or let it expire.",
    )
    parser.add_argument("action", choices=ACTIONS)
    parser.add_argument("--person", type=int, help="send: this participant's survey, now")
    parser.add_argument("--center", help="send: this center's due surveys, now; status: only this center")
    parser.add_argument("--period", help="status: only this period (its first month, YYYY-MM)")


def survey_command(app: App, args: argparse.Namespace) -> int:
    return one_line_errors(lambda: _send(app, args) if args.action == "send" else _status(app, args))


def _send(app: App, args: argparse.Namespace) -> int:
    if (args.person is None) == (args.center is None):
        raise ValueError("send needs --person ID or --center SLUG (one of them)")
    now = app.clock()
    with app.db.transaction() as session:
        if args.person is not None:
            made = survey.send_now(session, args.person, now, app.program)
            print(f"survey #{made.id} for person {made.person_id}: invited now (or when quiet hours end)")
            return 0
        center = known_center(session, args.center)
        made_all = survey.plan_day(session, now, app.program, center=center, at_once=True)
        if not made_all:
            print(f"no surveys due at {center} today (or today's cap of the center is reached)")
        for made in made_all:
            what = "promoter to call (opted out)" if made.status == survey.OPTED_OUT else "invited now"
            print(f"survey #{made.id} for person {made.person_id}: {what}")
    return 0


def _state(row: survey.SurveyRow) -> str:
    found = row.survey
    if found.status == survey.ANSWERED:
        return f"answered {when(found.answered_at)}" if found.answered_at else "answered"
    if found.status == survey.OPTED_OUT:
        return "opted out: their promoter calls"
    parts = ["expired" if found.status == survey.EXPIRED else "waiting"]
    if found.reminded_at:
        parts.append(f"reminded {when(found.reminded_at)}")
    if found.escalated_at:
        parts.append(f"escalated {when(found.escalated_at)} (call task)")
    if found.status == survey.EXPIRED and found.answers:
        parts.append(f"{len(found.answers)} answers kept")
    return ", ".join(parts)


def totals(count: int, tally: Counter[str]) -> str:
    """The last line: each survey counted once by where it stands (the four add up to the total);
    reminded and escalated are what happened on the way, to some of those same surveys."""
    return (
        f"{count} {'survey' if count == 1 else 'surveys'}: {tally[survey.ANSWERED]} answered, "
        f"{tally[survey.INVITED]} waiting, "
        f"{tally[survey.EXPIRED]} expired, {tally[survey.OPTED_OUT]} opted out; "
        f"of them reminded: {tally['reminded']}, escalated to a call task: {tally['escalated']}"
    )


def _status(app: App, args: argparse.Namespace) -> int:
    with app.db.transaction() as session:
        center = known_center(session, args.center)
        rows = survey.list_surveys(session, app.clock(), center, args.period)
        if not rows:
            print("no surveys")
            return 0
        tally: Counter[str] = Counter()
        for row in rows:
            found = row.survey
            tally[found.status] += 1
            tally["reminded"] += found.reminded_at is not None
            tally["escalated"] += found.escalated_at is not None
            who = f"person {found.person_id} {row.name or ''} ({row.center or 'no center'})"
            print(f"#{found.id} {found.period} {found.source} {who}: {_state(row)}")
        print(totals(len(rows), tally))
    return 0


def run(app: Any, args: argparse.Namespace) -> int:
    """`midway survey ...` with the bootstrapped app (bot/cli.py's FEATURE_CLIS)."""
    return survey_command(app, args)

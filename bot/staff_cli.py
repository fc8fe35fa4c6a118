"""Staff commands in the terminal: the center manager's pending decisions, "talk to a person"
requests, who is staff, and WhatsApp messages held back.

    midway decisions list|approve|reject   borderline pre-screens for the center manager (the person
                                           is told)
    midway handoffs list|done              "talk to a person" requests (each with a call task)
    midway staff add|list|remove           who is staff (role, center); staff manage events in the chat
    midway whatsapp held                   proactive WhatsApp messages held back (no template outside
                                           the window)
"""

from __future__ import annotations

import argparse
from typing import Any

from sqlalchemy.orm import Session

from bot.app import App
from bot.cli_text import UnknownCenter, known_center, when
from flows.program import STAFF_ROLES
from flows.staff_queue import reasons_with_answers
from storage import decisions, handoffs, repo


def add_parser(commands: Any) -> None:
    decisions_parser = commands.add_parser(
        "decisions", help="borderline cases waiting for the center manager"
    )
    decisions_parser.add_argument("action", choices=["list", "approve", "reject"])
    decisions_parser.add_argument("id", nargs="?", type=int, help="decision id (approve/reject)")
    decisions_parser.add_argument("--center", help="only this center (slug)")
    decisions_parser.add_argument("--by", default="manager", help="who decides (name or role)")
    decisions_parser.add_argument("--note", default=None)

    handoffs_parser = commands.add_parser("handoffs", help='"talk to a person" requests: list, done')
    handoffs_parser.add_argument("action", choices=["list", "done"])
    handoffs_parser.add_argument("id", nargs="?", type=int, help="request id (done)")
    handoffs_parser.add_argument(
        "--center", help="list: only this center (slug), and people with no center yet"
    )
    handoffs_parser.add_argument("--all", action="store_true", help="list: also the requests already handled")
    handoffs_parser.add_argument("--note", default=None, help="done: what was agreed, for the team")
    handoffs_parser.add_argument("--by", default=None, help="done: who handled it (name or role)")

    staff = commands.add_parser("staff", help="staff members: add, list, remove (role and center)")
    staff.add_argument("action", choices=["add", "list", "remove"])
    staff.add_argument("--channel", choices=["telegram", "whatsapp", "console"], help="where they write")
    staff.add_argument(
        "--id",
        dest="external_id",
        help="their id on that channel: Telegram user id, WhatsApp number (+972...)",
    )
    staff.add_argument("--role", choices=list(STAFF_ROLES))
    staff.add_argument("--center", help="the center they work at (slug); list: only this center")
    staff.add_argument("--name", help="add: their name, as staff lists show it")

    whatsapp = commands.add_parser("whatsapp", help="WhatsApp: messages held back, for staff to follow up")
    whatsapp.add_argument("action", choices=["held"])
    whatsapp.add_argument("--days", type=int, default=7, help="how far back (default: 7 days)")


def run(app: App, args: argparse.Namespace) -> int:
    command = {
        "decisions": decisions_command,
        "handoffs": handoffs_command,
        "staff": staff_command,
        "whatsapp": whatsapp_command,
    }[args.command]
    return command(app, args)


def decisions_command(app: App, args: argparse.Namespace) -> int:
    now = app.clock()
    with app.db.transaction() as session:
        if args.action == "list":
            if not _center_known(session, args.center):
                return 2
            rows = repo.pending_decisions(session, args.center)
            if not rows:
                print("no pending decisions")
            english = app.catalogs.translator("en")
            slugs = repo.center_slugs(session)
            for decision, person in rows:
                due = decision.due_by.isoformat() if decision.due_by else "-"
                center = app.program.center(slugs.get(decision.center_id or 0))  # 0: no center
                rules = center.eligibility if center else app.program.eligibility
                answers = decisions.answers_of(session, person.id, decision.created_at)
                why = [
                    english.render(m) for m in reasons_with_answers(tuple(decision.reasons), answers, rules)
                ]
                print(
                    f"#{decision.id}  due {due}  person {person.id} {person.display_name or ''}  "
                    f"why: {' '.join(why)}"
                )
            return 0
        if args.id is None:
            print("give the decision id: midway decisions approve ID")
            return 2
        try:
            decision = decisions.decide(
                session, args.id, args.action == "approve", args.by, args.note, now, app.program
            )
        except LookupError as error:
            print(error)
            return 1
        print(f"decision #{decision.id}: {decision.status}; the participant will be told")
        return 0


def handoffs_command(app: App, args: argparse.Namespace) -> int:
    """`midway handoffs list|done`: "talk to a person" requests. Staff tooling: the phone is printed
    here (never logged)."""
    now = app.clock()
    with app.db.transaction() as session:
        if args.action == "list":
            if not _center_known(session, args.center):
                return 2
            # as the chat's staff queue: a center's list also has the people who have no center yet
            rows = handoffs.list_requests(session, args.center, include_closed=args.all, with_unplaced=True)
            if not rows:
                print("no open requests" if not args.all else "no requests")
            for row in rows:
                where = where_they_were(row.flow, row.question)
                closed = ""
                if row.status != "open":
                    closed = f"  [{row.status} {when(row.closed_at) if row.closed_at else ''}"
                    closed += f" by {row.closed_by}" if row.closed_by else ""
                    closed += f": {row.note}" if row.note else ""
                    closed += "]"
                print(
                    f"#{row.id} {when(row.created_at)}  person {row.person_id} {row.name or '-'}  "
                    f"{row.phone or 'no phone'}  {row.channel or '-'}  {row.center or 'no center yet'}  "
                    f"{where}{closed}"
                )
            return 0
        if args.id is None:
            print("give the request id: midway handoffs done ID")
            return 2
        try:
            request = handoffs.close_request(session, args.id, now, by=args.by, note=args.note)
        except LookupError as error:
            print(error)
            return 1
        print(f"request #{request.id} handled; its call task is done too")
        return 0


# Where a person was when they asked, as staff say it (flows and questions are named in code).
FLOW_WORDS = {
    "menu": "at the main menu",
    "prescreen": "in the pre-screen",
    "language": "choosing a language",
    "privacy": "in the privacy screen",
    "resume": "deciding whether to continue where they stopped",
    "events": "signing up for an event",
    "bookings": "looking at their sign-ups and meetings",
    "conference": "choosing an exposure conference",
    "attendance": 'answering "will you come?"',
    "offer": "answering a seat offered from the waiting list",
    "meeting": "answering about a personal meeting",
    "appeal": "asking for the center manager's review",
}
QUESTION_WORDS = {
    "out_of_work": "time out of work",
    "job_share": "job share",
    "able": "able to work",
    "willing": "willing to attend",
    "source": "how they heard of us",
}


def where_they_were(flow: str | None, question: str | None) -> str:
    if not flow:
        return "not in the middle of a conversation"
    words = FLOW_WORDS.get(flow, f"in {flow.replace('_', ' ')}")
    if flow == "prescreen" and question:
        asked = QUESTION_WORDS.get(question, question.replace("_", " "))
        words = f"at the {asked} question of the pre-screen"
    return words


def whatsapp_command(app: App, args: argparse.Namespace) -> int:
    """`midway whatsapp held`: proactive messages that did not go out because of WhatsApp's 24-hour
    window (no approved template for their kind and language, or refused with 63016)."""
    from datetime import timedelta

    from storage import outbox

    since = app.clock() - timedelta(days=args.days)
    with app.db.transaction() as session:
        rows = outbox.held_messages(session, since)
        if not rows:
            print(f"no WhatsApp messages held in the last {args.days} days")
        for row in rows:
            why = f"error {row.error_code}" if row.error_code else "no template"
            print(
                f"{row.created_at:%Y-%m-%d %H:%M}  person {row.person_id}  {row.kind}  ({why})"
                f"{'  ' + row.reference if row.reference else ''}"
            )
    return 0


def staff_command(app: App, args: argparse.Namespace) -> int:
    """`midway staff add|list|remove`: a person's role and center. Whether a role may manage events
    in the chat is the program's `[staff] event_roles` (per center under `[centers.staff]`)."""
    from storage import staff

    now = app.clock()
    with app.db.transaction() as session:
        if args.action == "list":
            if not _center_known(session, args.center):
                return 2
            members = staff.list_staff(session, args.center)
            if not members:
                print("no staff")
            for m in members:
                may = app.program.may_manage_events(m.role, m.center)
                events = "manages events in the chat" if may else ""
                print(
                    f"person {m.person_id} {m.name or ''}  {m.role} at {m.center or '-'}  "
                    f"{', '.join(m.identities) or 'no channel'}  {events}".rstrip()
                )
            return 0
        if not (args.channel and args.external_id):
            print(f"give who: midway staff {args.action} --channel telegram --id 123456789")
            return 2
        try:
            if args.action == "add":
                if not (args.role and args.center):
                    print("add needs --role (manager, router or promoter) and --center SLUG")
                    return 2
                person = staff.make_staff(
                    session, args.channel, args.external_id, args.role, args.center, now, args.name
                )
                may = app.program.may_manage_events(args.role, args.center)
                who = f"{args.channel}:{staff.staff_external_id(args.channel, args.external_id)}"
                print(
                    f"person {person.id} ({who}) is {args.role} at {args.center}; "
                    + (
                        "can add, edit and cancel the center's events in the chat (/staff)"
                        if may
                        else "events in the chat: not for this role ([staff] event_roles)"
                    )
                )
                return 0
            person = staff.remove_staff(session, args.channel, args.external_id)
            print(f"person {person.id} is no longer staff")
            return 0
        except (ValueError, LookupError) as error:
            print(f"error: {error}")
            return 1


def _center_known(session: Session, slug: str | None) -> bool:
    """`--center` names a center, or the command says so (a typo must not read as "none waiting")."""
    try:
        known_center(session, slug)
    except UnknownCenter as error:
        print(f"error: {error}")
        return False
    return True

"""Staff commands for events, personal meetings, sign-ups, "call them" tasks and due work.

    midway events add --center kfar-saba --kind opening_workshop --title he=... --title en=... \
                      --session "2026-12-06 09:00-13:00 @ room 2" --capacity 20 [--track employees]
    midway events list [--center SLUG] [--all]
    midway events show ID                 sign-ups, waitlist order, attendance answers
    midway events edit ID [--title ..] [--session .. (replaces all)] [--capacity N | --no-limit] [--track ..]
    midway events cancel ID
    midway events import FILE             a term's schedule (.yaml/.yml or .csv; docs/examples/)
    midway meetings add --person ID --promoter NAME --at "2026-12-08 10:30" [--place ..] [--kind intake]
    midway meetings list [--promoter NAME] [--person ID]
    midway meetings cancel ID
    midway meetings attendance ID attended|no_show|late
    midway tasks list [--center SLUG] [--all]     "call them" tasks (reminders that did not get through,
                                                "talk to a person" requests)
    midway tasks done ID                        (a request's task closes the request too)
    midway jobs                                 due work by state

Times are Israel time ("YYYY-MM-DD HH:MM").
"""

from __future__ import annotations

import argparse
import csv
import re
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.bootstrap import App
from flows.scheduling import TIMEZONE
from storage import events as ev
from storage import handoffs, jobs
from storage.models import Center, Event, Person, StaffTask

SESSION = re.compile(
    r"^\s*(\d{4}-\d{2}-\d{2})[ T](\d{1,2}:\d{2})(?:\s*-\s*(\d{1,2}:\d{2}))?\s*(?:@\s*(.*))?$"
)


def add_commands(commands: Any) -> None:
    events = commands.add_parser("events", help="events and workshops: add, list, edit, cancel, import")
    events.add_argument("action", choices=["add", "list", "show", "edit", "cancel", "import"])
    events.add_argument("target", nargs="?", help="event id (show/edit/cancel) or file (import)")
    events.add_argument("--center")
    events.add_argument("--kind", choices=ev.KINDS)
    events.add_argument("--title", action="append", default=[], help="LANG=TEXT, repeatable (he required)")
    events.add_argument(
        "--session", action="append", default=[], help='"YYYY-MM-DD HH:MM[-HH:MM] @ place", repeatable'
    )
    events.add_argument("--capacity", type=int)
    events.add_argument("--no-limit", action="store_true", help="edit: remove the capacity limit")
    events.add_argument("--track", choices=ev.TRACKS)
    events.add_argument("--no-signup", action="store_true", help="drop-in: no sign-up needed")
    events.add_argument("--all", action="store_true", help="list: also past and cancelled events")

    meetings = commands.add_parser("meetings", help="personal meetings: add, list, move, cancel, attendance")
    meetings.add_argument("action", choices=["add", "list", "move", "cancel", "attendance"])
    meetings.add_argument("id", nargs="?", type=int)
    meetings.add_argument("value", nargs="?", choices=["attended", "no_show", "late"])
    meetings.add_argument("--person", type=int)
    meetings.add_argument("--promoter")
    meetings.add_argument("--at", help='"YYYY-MM-DD HH:MM" (Israel time)')
    meetings.add_argument("--place", help="add: where; move: a new place (else the same)")
    meetings.add_argument("--kind", choices=["personal", "intake"], default="personal")
    meetings.add_argument(
        "--forms-received",
        action="store_true",
        help="intake: the required forms are in (needed when the program's rule is on)",
    )

    tasks = commands.add_parser("tasks", help='"call them" tasks for staff')
    tasks.add_argument("action", choices=["list", "done"])
    tasks.add_argument("id", nargs="?", type=int)
    tasks.add_argument("--center")
    tasks.add_argument("--all", action="store_true")

    commands.add_parser("jobs", help="due work (scheduled messages) by state")


def run_command(app: App, args: argparse.Namespace) -> int:
    try:
        if args.command == "events":
            return _events(app, args)
        if args.command == "meetings":
            return _meetings(app, args)
        if args.command == "tasks":
            return _tasks(app, args)
        with app.db.transaction() as session:
            for state, n in sorted(jobs.counts(session).items()):
                print(f"{state:10} {n}")
        return 0
    except (ValueError, LookupError) as error:
        print(f"error: {error}")
        return 1


# ---- parsing ---------------------------------------------------------------------------------
def local(day: str | date, clock: str | time) -> datetime:
    d = date.fromisoformat(day) if isinstance(day, str) else day
    t = time.fromisoformat(clock if len(clock) == 5 else f"0{clock}") if isinstance(clock, str) else clock
    return datetime.combine(d, t, TIMEZONE)


def parse_session(text: str) -> ev.NewSession:
    found = SESSION.match(text)
    if not found:
        raise ValueError(f'a session looks like "2026-12-06 09:00-13:00 @ room 2", not {text!r}')
    day, start, end, place = found.groups()
    return ev.NewSession(local(day, start), local(day, end) if end else None, (place or "").strip())


def parse_titles(items: list[str]) -> dict[str, str]:
    titles = {}
    for item in items:
        lang, sep, text = item.partition("=")
        if not sep or lang not in ("he", "en", "ru", "ar"):
            raise ValueError(f"a title is LANG=TEXT with LANG one of he, en, ru, ar, not {item!r}")
        titles[lang] = text.strip()
    return titles


def when(moment: datetime) -> str:
    return moment.astimezone(TIMEZONE).strftime("%Y-%m-%d %H:%M")


# ---- events ----------------------------------------------------------------------------------
def _events(app: App, args: argparse.Namespace) -> int:
    now = app.clock()
    action = args.action
    if action == "import":
        if not args.target:
            raise ValueError("give the file: midway events import FILE")
        return import_file(app, Path(args.target))
    with app.db.transaction() as session:
        if action == "add":
            if not (args.center and args.kind and args.session):
                raise ValueError("add needs --center, --kind, --title he=... and at least one --session")
            event = ev.create_event(
                session,
                center=args.center,
                kind=args.kind,
                titles=parse_titles(args.title),
                sessions=[parse_session(s) for s in args.session],
                capacity=args.capacity,
                track=args.track or "all",
                signup_required=False if args.no_signup else None,
                now=now,
            )
            print(
                f"event #{event.id} added: {ev.title_in(event.titles, 'he')}, "
                f"{len(event.sessions)} session(s)"
            )
            return 0
        if action == "list":
            rows = ev.list_events(session, now, args.center, include_past=args.all)
            counts = ev.seat_counts(session, [e.id for e in rows])
            slugs = dict(session.execute(select(Center.id, Center.slug)).all())
            if not rows:
                print("no events")
            for event in rows:
                c = counts.get(event.id, {})
                seats = f"{c.get('confirmed', 0) + c.get('offered', 0)}/{event.capacity or '∞'}"
                waiting = c.get("waitlisted", 0)
                flag = "" if event.status == "active" else f" [{event.status}]"
                print(
                    f"#{event.id} {when(event.first_starts_at)} {slugs.get(event.center_id)} {event.kind} "
                    f"({event.track}) seats {seats} waitlist {waiting}{flag}  "
                    f"{ev.title_in(event.titles, 'he')}"
                )
            return 0
        event_id = _id(args.target)
        if action == "show":
            shown = session.get(Event, event_id)
            if shown is None:
                raise LookupError(f"no event {event_id}")
            print(f"#{shown.id} {shown.kind} {shown.status} capacity {shown.capacity or 'none'}")
            for title_lang, title in shown.titles.items():
                print(f"  title {title_lang}: {title}")
            for s in shown.sessions:
                end = f"-{s.ends_at.astimezone(TIMEZONE):%H:%M}" if s.ends_at else ""
                print(f"  session {when(s.starts_at)}{end} @ {s.place}")
            for signup, person in ev.signups_of(session, event_id):
                answer = signup.attendance_answer or "-"
                print(
                    f"  person {person.id} {person.display_name or ''}: {signup.status} "
                    f"(since {when(signup.queued_at)}) attendance: {answer}"
                )
            return 0
        if action == "edit":
            clear = bool(args.no_limit)
            event = ev.edit_event(
                session,
                event_id,
                now,
                app.program,
                titles=parse_titles(args.title) or None,
                sessions=[parse_session(s) for s in args.session] or None,
                capacity=args.capacity,
                clear_capacity=clear,
                track=args.track,
            )
            to_tell = ev.moved_notices_pending(session, event.id) if args.session else 0
            print(f"event #{event.id} updated; reminders rescheduled"
                  + (f"; {to_tell} signed-up people will be told of the change" if to_tell else ""))
            return 0
        told = ev.cancel_event(session, event_id, now, app.program)
        print(f"event #{event_id} cancelled; {len(told)} signed-up people will be told")
        return 0


def _id(target: str | None) -> int:
    if not target or not target.isdigit():
        raise ValueError("give the event id")
    return int(target)


def import_file(app: App, path: Path) -> int:
    """A term's schedule from YAML or CSV (see docs/examples/events.yaml and events.csv)."""
    items = read_schedule(path)
    now = app.clock()
    added = skipped = 0
    with app.db.transaction() as session:
        for item in items:
            if _exists(session, item):
                skipped += 1
                continue
            ev.create_event(session, now=now, **item)
            added += 1
    print(f"{path.name}: {added} events added, {skipped} already there")
    return 0


def _exists(session: Any, item: dict[str, Any]) -> bool:
    first = min(s.starts_at for s in item["sessions"])
    center_id = session.scalar(select(Center.id).where(Center.slug == item["center"]))
    for event in session.scalars(
        select(Event).where(
            Event.center_id == center_id,
            Event.kind == item["kind"],
            Event.first_starts_at == first,
            Event.status == "active",
        )
    ):
        if event.titles.get("he") == item["titles"].get("he"):
            return True
    return False


def read_schedule(path: Path) -> list[dict[str, Any]]:
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return [_yaml_event(raw, data, n) for n, raw in enumerate(data.get("events", []), start=1)]
    if path.suffix.lower() == ".csv":
        return _csv_events(path)
    raise ValueError("the schedule file must be .yaml, .yml or .csv")


def _yaml_event(raw: dict[str, Any], defaults: dict[str, Any], n: int) -> dict[str, Any]:
    try:
        place = raw.get("place", defaults.get("place", ""))
        sessions = [
            ev.NewSession(
                local(s["date"], str(s["start"])),
                local(s["date"], str(s["end"])) if s.get("end") else None,
                str(s.get("place", place)),
            )
            for s in raw["sessions"]
        ]
        title = raw["title"]
        titles = {str(k): str(v) for k, v in title.items()} if isinstance(title, dict) else {"he": str(title)}
        return {
            "center": raw.get("center", defaults.get("center")),
            "kind": raw["kind"],
            "titles": titles,
            "sessions": sessions,
            "capacity": raw.get("capacity"),
            "track": raw.get("track", "all"),
            "signup_required": raw.get("signup"),
        }
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"event {n} in the file: {error!r}") from error


def _csv_events(path: Path) -> list[dict[str, Any]]:
    """One row per session; rows with the same `group` are the sessions of one event."""
    events: dict[str, dict[str, Any]] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for n, row in enumerate(csv.DictReader(handle), start=2):
            try:
                key = row.get("group") or f"row{n}"
                session = ev.NewSession(
                    local(row["date"], row["start"]),
                    local(row["date"], row["end"]) if row.get("end") else None,
                    row.get("place", ""),
                )
                if key in events:
                    events[key]["sessions"].append(session)
                    continue
                titles = {
                    lang: row[f"title_{lang}"]
                    for lang in ("he", "en", "ru", "ar")
                    if row.get(f"title_{lang}")
                }
                signup = (row.get("signup") or "").strip().lower()
                events[key] = {
                    "center": row["center"],
                    "kind": row["kind"],
                    "titles": titles,
                    "sessions": [session],
                    "capacity": int(row["capacity"]) if row.get("capacity") else None,
                    "track": row.get("track") or "all",
                    "signup_required": None if not signup else signup in ("yes", "true", "1"),
                }
            except (KeyError, ValueError) as error:
                raise ValueError(f"line {n} of {path.name}: {error!r}") from error
    return list(events.values())


# ---- meetings --------------------------------------------------------------------------------
def _meetings(app: App, args: argparse.Namespace) -> int:
    now = app.clock()
    with app.db.transaction() as session:
        if args.action == "add":
            if not (args.person and args.promoter and args.at):
                raise ValueError("add needs --person, --promoter and --at")
            rules = app.program.scheduling.meetings
            if args.kind == "intake" and rules.intake_requires_forms and not args.forms_received:
                raise ValueError(
                    "the intake meeting waits for the required forms (program rule): "
                    "add --forms-received once they are in"
                )
            day, _, clock = args.at.partition(" ")
            meeting = ev.create_meeting(
                session,
                person_id=args.person,
                promoter=args.promoter,
                starts_at=local(day, clock),
                place=args.place or "",
                kind=args.kind,
                now=now,
                program=app.program,
            )
            print(f"meeting #{meeting.id} on {when(meeting.starts_at)}; the participant will be told")
            return 0
        if args.action == "list":
            rows = ev.list_meetings(session, args.promoter, args.person)
            if not rows:
                print("no meetings")
            for m in rows:
                reason = f"  reason: {m.reschedule_reason}" if m.reschedule_reason else ""
                print(
                    f"#{m.id} {when(m.starts_at)} person {m.person_id} with {m.promoter} ({m.kind}) "
                    f"{m.status}{reason}"
                )
            return 0
        if args.id is None:
            raise ValueError("give the meeting id")
        if args.action == "move":
            if not args.at:
                raise ValueError("move needs --at")
            day, _, clock = args.at.partition(" ")
            meeting = ev.move_meeting(session, args.id, local(day, clock), args.place, now, app.program)
            print(f"meeting #{meeting.id} moved to {when(meeting.starts_at)}; the participant will be told")
            return 0
        if args.action == "cancel":
            ev.cancel_meeting(session, args.id, now, app.program)
            print(f"meeting #{args.id} cancelled; the participant will be told")
            return 0
        if args.value is None:
            raise ValueError("attendance is one of: attended, no_show, late")
        meeting = ev.mark_attendance(session, args.id, args.value, now, app.program)
        print(f"meeting #{meeting.id}: {meeting.status}")
        return 0


# ---- tasks -----------------------------------------------------------------------------------
def _tasks(app: App, args: argparse.Namespace) -> int:
    now = app.clock()
    with app.db.transaction() as session:
        if args.action == "done":
            try:
                task = handoffs.close_task(session, args.id or 0, now)  # a request's task closes the request
            except handoffs.TaskAlreadyDone as already:
                done_at = already.task.done_at
                print(f"task #{already.task.id} was already done"
                      + (f" on {when(done_at)}" if done_at else "") + "; nothing changed")
                return 1
            print(f"task #{task.id} done" + ("; its hand-off request is closed too"
                                              if (task.reference or "").startswith(handoffs.PREFIX) else ""))
            return 0
        query = (
            select(StaffTask, Person).join(Person, Person.id == StaffTask.person_id).order_by(StaffTask.id)
        )
        if not args.all:
            query = query.where(StaffTask.status == "open")
        if args.center:
            query = query.join(Center, Center.id == StaffTask.center_id).where(Center.slug == args.center)
        rows = session.execute(query).all()
        if not rows:
            print("no tasks")
        for task, person in rows:
            print(
                f"#{task.id} {task.status} {task.kind} person {person.id} {person.display_name or ''} "
                f"{person.phone or ''} for {task.assignee or 'the center'}: {task.reason} "
                f"({when(task.created_at)})"
            )
        return 0

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
from pathlib import Path
from typing import Any

from bot.app import App
from bot.cli_text import (
    check_capacity,
    check_event,
    check_meeting,
    check_sessions,
    check_titles,
    counted,
    known_center,
    local,
    one_line_errors,
    parse_at,
    parse_session,
    parse_titles,
    quiet_warnings,
    when,
)
from flows.event_kinds import KINDS, TRACKS
from flows.scheduling import TIMEZONE
from storage import events as ev
from storage import handoffs, jobs, repo


def add_parser(commands: Any) -> None:
    events = commands.add_parser("events", help="events and workshops: add, list, edit, cancel, import")
    events.add_argument("action", choices=["add", "list", "show", "edit", "cancel", "import"])
    events.add_argument("target", nargs="?", help="event id (show/edit/cancel) or file (import)")
    events.add_argument("--center")
    events.add_argument("--kind", choices=KINDS)
    events.add_argument("--title", action="append", default=[], help="LANG=TEXT, repeatable (he required)")
    events.add_argument(
        "--session", action="append", default=[], help='"YYYY-MM-DD HH:MM[-HH:MM] @ place", repeatable'
    )
    events.add_argument("--capacity", type=int)
    events.add_argument("--no-limit", action="store_true", help="edit: remove the capacity limit")
    events.add_argument("--track", choices=TRACKS)
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

    tasks = commands.add_parser(
        "tasks", help='"call them" tasks for staff (participants\' homework is `midway homework`)'
    )
    tasks.add_argument("action", choices=["list", "done"])
    tasks.add_argument("id", nargs="?", type=int)
    tasks.add_argument("--center")
    tasks.add_argument("--all", action="store_true")

    jobs_parser = commands.add_parser(
        "jobs",
        help="due work (scheduled messages): how many in each state, or list them",
        description="Due work: reminders, notices and offers waiting to go out, sent, dropped or held.",
    )
    jobs_parser.add_argument(
        "action",
        nargs="?",
        choices=["counts", "list"],
        default="counts",
        help="counts (default): how many in each state; list: each one",
    )
    jobs_parser.add_argument("--state", choices=jobs.STATES, help="list: only this state")


add_commands = add_parser  # the name the events test kit knows


def run_command(app: App, args: argparse.Namespace) -> int:
    command = {"events": _events, "meetings": _meetings, "tasks": _tasks}.get(args.command, _jobs)
    return one_line_errors(lambda: command(app, args))


run = run_command


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
            titles, sessions = parse_titles(args.title), [parse_session(s) for s in args.session]
            check_event(titles, sessions, args.capacity, now)
            event = ev.create_event(
                session,
                center=known_center(session, args.center) or "",
                kind=args.kind,
                titles=titles,
                sessions=sessions,
                capacity=args.capacity,
                track=args.track or "all",
                signup_required=False if args.no_signup else None,
                now=now,
            )
            _warn_quiet(app, [s.starts_at for s in sessions])
            print(
                f"event #{event.id} added: {ev.title_in(event.titles, 'he')}, "
                f"{counted(len(event.sessions), 'session', 'sessions')}"
            )
            return 0
        if action == "list":
            rows = ev.list_events(session, now, known_center(session, args.center), include_past=args.all)
            counts = ev.seat_counts(session, [e.id for e in rows])
            slugs = repo.center_slugs(session)
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
            shown = ev.find_event(session, event_id)
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
            titles = parse_titles(args.title)
            sessions = [parse_session(s) for s in args.session]
            if "he" in titles:
                check_titles(titles)
            check_capacity(args.capacity)
            check_sessions(sessions, now)
            event = ev.edit_event(
                session,
                event_id,
                now,
                app.program,
                titles=titles or None,
                sessions=sessions or None,
                capacity=args.capacity,
                clear_capacity=clear,
                track=args.track,
            )
            _warn_quiet(app, [s.starts_at for s in sessions])
            to_tell = ev.moved_notices_pending(session, event.id) if args.session else 0
            print(
                f"event #{event.id} updated; reminders rescheduled"
                + (f"; {people(to_tell)} signed up will be told of the change" if to_tell else "")
            )
            return 0
        told = ev.cancel_event(session, event_id, now, app.program)
        print(f"event #{event_id} cancelled; {people(len(told))} signed up will be told")
        return 0


def _id(target: str | None) -> int:
    if not target or not target.strip().isdigit():
        raise ValueError(f"give the event id (a number), not {target!r}" if target else "give the event id")
    return int(target)


def people(n: int) -> str:
    return counted(n, "person", "people")


def _warn_quiet(app: App, moments: list[Any]) -> None:
    for warning in quiet_warnings(moments, app.program.scheduling.quiet_hours):
        print(warning)


def import_file(app: App, path: Path) -> int:
    """A term's schedule from YAML or CSV (see docs/examples/events.yaml and events.csv). Every event
    is checked as `events add` checks it before any is added: a file with a mistake adds nothing."""
    items = read_schedule(path)
    now = app.clock()
    added = skipped = 0
    with app.db.transaction() as session:
        for item in items:
            try:
                if not item["center"]:
                    raise ValueError("it has no center (give center: at the top, or in the event)")
                known_center(session, item["center"])
                check_event(item["titles"], item["sessions"], item["capacity"], now)
                if item["kind"] not in KINDS:
                    raise ValueError(f"unknown kind {item['kind']!r} (one of: {', '.join(KINDS)})")
                if item["track"] not in TRACKS:
                    raise ValueError(f"unknown track {item['track']!r} (one of: {', '.join(TRACKS)})")
            except ValueError as error:
                raise ValueError(f"{path.name}, {item['where']}: {error}") from None
            _warn_quiet(app, [s.starts_at for s in item["sessions"]])
            fields = {k: v for k, v in item.items() if k != "where"}
            if _exists(session, fields):
                skipped += 1
                continue
            ev.create_event(session, now=now, **fields)
            added += 1
    print(f"{path.name}: {counted(added, 'event', 'events')} added, {skipped} already there")
    return 0


def _exists(session: Any, item: dict[str, Any]) -> bool:
    first = min(s.starts_at for s in item["sessions"])
    return ev.already_listed(session, item["center"], item["kind"], first, item["titles"].get("he"))


def read_schedule(path: Path) -> list[dict[str, Any]]:
    suffix = path.suffix.lower()
    if suffix not in (".yaml", ".yml", ".csv"):
        raise ValueError(f"{str(path)!r}: the schedule file must be .yaml, .yml or .csv")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ValueError(f"no file {str(path)!r}") from None
    except UnicodeDecodeError:
        raise ValueError(f"cannot read {str(path)!r}: it is not UTF-8 text (save it as UTF-8)") from None
    except OSError as error:
        raise ValueError(f"cannot read {str(path)!r}: {error.strerror or error}") from None
    if suffix == ".csv":
        return _csv_events(text, path.name)
    import yaml

    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" near line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or "it cannot be read"
        raise ValueError(f"{path.name} is not valid YAML{line}: {problem}") from None
    except ValueError as error:  # a date YAML recognises but the calendar has not, like 2026-13-01
        raise ValueError(f"{path.name} has a date that does not exist ({error})") from None
    if not isinstance(data, dict) or not isinstance(data.get("events", []), list):
        raise ValueError(
            f"{path.name}: the file has center, place and a list of events (see docs/examples/events.yaml)"
        )
    return [_yaml_event(raw, data, n, path.name) for n, raw in enumerate(data.get("events", []), start=1)]


def _yaml_event(raw: Any, defaults: dict[str, Any], n: int, name: str) -> dict[str, Any]:
    where = f"event {n}"
    try:
        if not isinstance(raw, dict):
            raise ValueError("each event has kind, title and sessions")
        for needed in ("kind", "title", "sessions"):
            if raw.get(needed) in (None, "", [], {}):
                raise ValueError(f"it has no {needed}")
        if not isinstance(raw["sessions"], list) or not all(isinstance(s, dict) for s in raw["sessions"]):
            raise ValueError("sessions is a list, each with date, start, end and (or the default) place")
        place = raw.get("place", defaults.get("place", ""))
        sessions = []
        for s in raw["sessions"]:
            if "date" not in s or "start" not in s:
                raise ValueError("every session has a date and a start")
            sessions.append(
                ev.NewSession(
                    local(s["date"], s["start"]),
                    local(s["date"], s["end"]) if s.get("end") else None,
                    str(s.get("place") or place or ""),
                )
            )
        title = raw["title"]
        titles = {str(k): str(v) for k, v in title.items()} if isinstance(title, dict) else {"he": str(title)}
        return {
            "where": where,
            "center": str(raw.get("center", defaults.get("center")) or ""),
            "kind": str(raw["kind"]),
            "titles": titles,
            "sessions": sessions,
            "capacity": _capacity(raw.get("capacity")),
            "track": str(raw.get("track", "all")),
            "signup_required": _yes_no(raw.get("signup")),
        }
    except ValueError as error:
        raise ValueError(f"{name}, {where}: {error}") from None


def _capacity(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not str(value).strip().isdigit():
        raise ValueError(f"capacity is a whole number (or left out for no limit), not {value!r}")
    return int(value)


def _yes_no(value: Any) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("yes", "true", "1"):
        return True
    if text in ("no", "false", "0"):
        return False
    raise ValueError(f"signup is yes or no, not {value!r}")


def _csv_events(text: str, name: str) -> list[dict[str, Any]]:
    """One row per session; rows with the same `group` are the sessions of one event."""
    events: dict[str, dict[str, Any]] = {}
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in ("center", "kind", "date", "start") if c not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(f"{name}: no column {', '.join(missing)} (see docs/examples/events.csv)")
    for n, row in enumerate(reader, start=2):
        where = f"line {n}"
        try:
            key = row.get("group") or f"row{n}"
            session = ev.NewSession(
                local(row["date"], row["start"]),
                local(row["date"], row["end"]) if row.get("end") else None,
                row.get("place") or "",
            )
            if key in events:
                events[key]["sessions"].append(session)
                continue
            titles = {
                lang: row[f"title_{lang}"] for lang in ("he", "en", "ru", "ar") if row.get(f"title_{lang}")
            }
            events[key] = {
                "where": where,
                "center": row["center"] or "",
                "kind": row["kind"] or "",
                "titles": titles,
                "sessions": [session],
                "capacity": _capacity(row.get("capacity")),
                "track": row.get("track") or "all",
                "signup_required": _yes_no(row.get("signup")),
            }
        except ValueError as error:
            raise ValueError(f"{name}, {where}: {error}") from None
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
            starts_at = parse_at(args.at)
            check_meeting(args.promoter, args.place or "")
            meeting = ev.create_meeting(
                session,
                person_id=args.person,
                promoter=args.promoter.strip(),
                starts_at=starts_at,
                place=args.place.strip(),
                kind=args.kind,
                now=now,
                program=app.program,
            )
            _warn_quiet(app, [starts_at])
            print(
                f"meeting #{meeting.id} on {when(meeting.starts_at)} at {meeting.place}; "
                "the participant will be told"
            )
            return 0
        if args.action == "list":
            rows = ev.list_meetings(session, args.promoter, args.person)
            if not rows:
                print("no meetings")
            for m, name in rows:
                reason = f"  reason: {m.reschedule_reason}" if m.reschedule_reason else ""
                print(
                    f"#{m.id} {when(m.starts_at)} at {m.place or 'no place'}  person {m.person_id} "
                    f"{name or '-'} with {m.promoter} ({m.kind}) {m.status}{reason}"
                )
            return 0
        if args.id is None:
            raise ValueError("give the meeting id")
        if args.action == "move":
            if not args.at:
                raise ValueError("move needs --at")
            starts_at = parse_at(args.at)
            if args.place is not None:
                check_meeting("-", args.place)
            meeting = ev.move_meeting(session, args.id, starts_at, args.place, now, app.program)
            _warn_quiet(app, [starts_at])
            print(f"meeting #{meeting.id} moved to {when(meeting.starts_at)}; the participant will be told")
            return 0
        if args.action == "cancel":
            ev.cancel_meeting(session, args.id, now, app.program)
            print(f"meeting #{args.id} cancelled; the participant will be told")
            return 0
        if args.value is None:
            raise ValueError("attendance is one of: attended, no_show, late")
        meeting, was = ev.mark_attendance(session, args.id, args.value, now, app.program)
        replaced = f" (replaces {was})" if was in ev.ATTENDANCE and was != meeting.status else ""
        print(f"meeting #{meeting.id}: {meeting.status}{replaced}")
        return 0


# ---- tasks -----------------------------------------------------------------------------------
def _tasks(app: App, args: argparse.Namespace) -> int:
    now = app.clock()
    with app.db.transaction() as session:
        if args.action == "done":
            if args.id is None:
                raise ValueError("give the task id: midway tasks done ID")
            try:
                task = handoffs.close_task(session, args.id, now)  # a request's task closes the request
            except handoffs.TaskAlreadyDone as already:
                done_at = already.task.done_at
                print(
                    f"task #{already.task.id} was already done"
                    + (f" on {when(done_at)}" if done_at else "")
                    + "; nothing changed"
                )
                return 1
            print(
                f"task #{task.id} done"
                + (
                    "; its hand-off request is closed too"
                    if (task.reference or "").startswith(handoffs.PREFIX)
                    else ""
                )
            )
            return 0
        center = known_center(session, args.center) if args.center else None
        rows = handoffs.list_tasks(session, center, include_done=args.all)
        if not rows:
            print("no tasks")
        for task, person in rows:
            print(
                f"#{task.id} {task.status} {task.kind} person {person.id} {person.display_name or ''} "
                f"{person.phone or ''} for {task.assignee or 'the center'}: {task.reason} "
                f"({when(task.created_at)})"
            )
        return 0


# ---- due work --------------------------------------------------------------------------------
def _jobs(app: App, args: argparse.Namespace) -> int:
    with app.db.transaction() as session:
        if getattr(args, "action", "counts") == "list":
            rows = jobs.listing(session, getattr(args, "state", None))
            if not rows:
                print("no due work" + (f" in state {args.state}" if getattr(args, "state", None) else ""))
            for job in rows:
                person = f"person {job.person_id}" if job.person_id else "-"
                print(
                    f"#{job.id} {job.state:8} due {when(job.due_at)}  {job.kind}  {person}  "
                    f"{job.subject or ''}".rstrip()
                )
            return 0
        counts = jobs.counts(session)
        if not counts:
            print(
                "no due work: nothing scheduled yet (reminders appear once people sign up or meetings "
                "are set)"
            )
        for state, n in sorted(counts.items()):
            print(f"{state:10} {n}")
        return 0

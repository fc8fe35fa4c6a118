"""Helpers for the events, meetings and scheduler tests: participants made in one step (and
borderline cases, decided as the manager would), events, a fake channel sender that records what
it was asked to send, a scheduler on a fake clock, and the staff commands run as typed
(`midway(app, "events", "add", ...)`)."""

from __future__ import annotations

import argparse
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.bootstrap import App
from bot.events_cli import add_commands, run_command
from bot.outbound import Proactive, Recipient, SendResult, SendStatus
from bot.scheduler import Scheduler
from bot.staff_cli import decisions_command
from flows.effects import RecordOutcome, SetLanguage, UpdateProfile
from flows.scheduling import TIMEZONE
from storage import events as ev
from storage import repo
from storage.models import ChannelIdentity, ManagerDecision, Person, ScheduledJob, Signup

TZ = TIMEZONE


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A moment in Israel time."""
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


def participant(
    app: App,
    external_id: str,
    lang: str = "he",
    center: str = "kfar-saba",
    channel: str = "telegram",
    track: str | None = None,
    name: str = "רונית",
) -> int:
    """Someone who passed the pre-screen at `center` and writes on `channel`."""
    now = app.clock()
    with app.db.transaction() as s:
        person, _, _ = repo.find_or_create_person(s, channel, external_id, lang, now)
        fields: dict[str, Any] = {"display_name": name, "center": center}
        if track:
            fields["track"] = track
        repo.apply_effects(
            s, person, [UpdateProfile(fields), RecordOutcome("eligible", center), SetLanguage(lang)], now
        )
        return person.id


DECISION_DUE = date(2026, 11, 29)


def borderline(
    app: App,
    external_id: str,
    lang: str = "he",
    center: str = "kfar-saba",
    name: str = "דנה",
    reasons: tuple[str, ...] = ("age_below",),
    channel: str = "telegram",
    answers: dict[str, Any] | None = None,
) -> tuple[int, int]:
    """Someone whose pre-screen went to the center manager: (person id, decision id)."""
    now = app.clock()
    with app.db.transaction() as s:
        person, _, _ = repo.find_or_create_person(s, channel, external_id, lang, now)
        repo.apply_effects(
            s,
            person,
            [
                UpdateProfile({"display_name": name, "center": center, **(answers or {})}),
                SetLanguage(lang),
                RecordOutcome("manager_decision", center, reasons, decision_due=DECISION_DUE),
            ],
            now,
        )
        decision_id = s.scalar(select(ManagerDecision.id).where(ManagerDecision.person_id == person.id))
        assert decision_id is not None
        return person.id, decision_id


def decide(app: App, decision_id: int, action: str, by: str = "Dana (manager)") -> int:
    """The center manager decides, as `midway decisions approve|reject ID` does."""
    args = argparse.Namespace(action=action, id=decision_id, center=None, by=by, note=None)
    return decisions_command(app, args)


def add_identity(app: App, person_id: int, channel: str, external_id: str) -> None:
    with app.db.transaction() as s:
        s.add(
            ChannelIdentity(
                person_id=person_id,
                channel=channel,
                external_id=external_id,
                created_at=app.clock(),
                unreachable=False,
            )
        )


def event(
    app: App,
    starts: datetime | list[datetime],
    kind: str = "opening_workshop",
    capacity: int | None = 20,
    center: str = "kfar-saba",
    track: str = "all",
    title: str = "סדנת פתיחה",
    en: str = "Opening workshop",
    place: str = "room 2",
    signup: bool | None = None,
    titles: dict[str, str] | None = None,
    hours: int = 2,
) -> int:
    """An event of `center` (`titles` in every language it has, or `title` and `en`), each session
    `hours` long."""
    starts = starts if isinstance(starts, list) else [starts]
    with app.db.transaction() as s:
        row = ev.create_event(
            s,
            center=center,
            kind=kind,
            titles=titles or {"he": title, "en": en},
            sessions=[ev.NewSession(t, t + timedelta(hours=hours), place) for t in starts],
            capacity=capacity,
            track=track,
            signup_required=signup,
            now=app.clock(),
        )
        return row.id


def exposure_conference(app: App, starts: datetime) -> int:
    """An exposure conference at Kfar Saba, in its hall."""
    return event(
        app, starts, kind="exposure_conference", title="כנס חשיפה", en="Exposure conference", place="אולם"
    )


def meeting(app: App, person_id: int, starts: datetime | None = None, place: str = "room 4") -> int:
    """A personal meeting with the promoter Dana (by default Thursday 26 November 2026, 10:00)."""
    with app.db.transaction() as s:
        return ev.create_meeting(
            s,
            person_id=person_id,
            promoter="Dana",
            starts_at=starts or at(2026, 11, 26, 10),
            place=place,
            kind="personal",
            now=app.clock(),
            program=app.program,
        ).id


def sign_up(app: App, person_id: int, event_id: int) -> tuple[str, int | None]:
    with app.db.transaction() as s:
        return ev.sign_up(s, person_id, event_id, app.clock(), app.program)


def signup_status(app: App, person_id: int, event_id: int) -> str | None:
    with app.db.transaction() as s:
        return s.scalar(
            select(Signup.status).where(Signup.person_id == person_id, Signup.event_id == event_id)
        )


def job_rows(app: App, **where: Any) -> list[ScheduledJob]:
    with app.db.transaction() as s:
        query = select(ScheduledJob).order_by(ScheduledJob.scheduled_for, ScheduledJob.id)
        for name, value in where.items():
            query = query.where(getattr(ScheduledJob, name) == value)
        return list(s.scalars(query))


def local_times(rows: list[ScheduledJob]) -> list[datetime]:
    return [r.due_at.astimezone(TZ).replace(tzinfo=None) for r in rows]


# ---- a channel sender that records ------------------------------------------------------------
@dataclass
class FakeSender:
    channel: str = "telegram"
    sent: list[tuple[Recipient, Proactive]] = field(default_factory=list)
    answers: list[SendResult] = field(default_factory=list)  # what the next sends return (then SENT)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def send(self, recipient: Recipient, message: Proactive, now: datetime) -> SendResult:
        with self._lock:
            result = self.answers.pop(0) if self.answers else SendResult(SendStatus.SENT)
            if result.status is SendStatus.SENT:
                self.sent.append((recipient, message))
            return result

    def references(self) -> list[str | None]:
        return [m.reference for _, m in self.sent]

    def last_for(self, person_id: int) -> Proactive:
        found = [m for r, m in self.sent if r.person_id == person_id]
        assert found, f"nothing was sent to person {person_id}"
        return found[-1]


def scheduler(app: App, *senders: FakeSender) -> Scheduler:
    return app.scheduler({s.channel: s for s in senders or (FakeSender(),)})


def person_row(app: App, person_id: int) -> Person:
    with app.db.transaction() as s:
        person = s.get(Person, person_id)
        assert person is not None
        return person


def midway(app: App, *argv: str) -> int:
    """`midway events|meetings|tasks|jobs …` on this app (its clock), parsed as the command line
    parses it."""
    parser = argparse.ArgumentParser()
    add_commands(parser.add_subparsers(dest="command"))
    return run_command(app, parser.parse_args(list(argv)))


def cli(app: App, command: str, action: str, capsys, **values) -> str:  # type: ignore[no-untyped-def]
    """`midway events|meetings ACTION` with these values (the rest as argparse leaves them): its output."""
    defaults = {
        "id": None,
        "value": None,
        "person": None,
        "promoter": None,
        "at": None,
        "place": None,
        "kind": "personal",
        "forms_received": False,
        "center": None,
        "all": False,
        "target": None,
    }
    assert run_command(app, argparse.Namespace(command=command, action=action, **{**defaults, **values})) == 0
    return capsys.readouterr().out

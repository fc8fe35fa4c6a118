"""Staff: who they are (a person's role and the center they work at), and the staff effects of a
chat step, applied with the same functions as `midway events add|edit|cancel`.

    make_staff / remove_staff / list_staff        `midway staff add|remove|list`
    apply_staff_effects                           CreateEvent, EditEvent, CancelEvent from the chat

The role is checked here again, from the database and the program configuration: a flow only asks
what the person's facts allowed when the step began, and a conversation may outlive a role.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from flows.parsing.phones import to_e164
from flows.program import STAFF_ROLES, Program
from flows.results import StaffResult
from flows.staff.effects import CancelEvent, CreateEvent, EditEvent
from storage import repo
from storage.effects import Applying, Handler
from storage.events import admin, catalog
from storage.models import Center, ChannelIdentity, Event, Person


def staff_external_id(channel: str, external_id: str) -> str:
    """The id as the channel's identity has it. WhatsApp identities are the sender's number in E.164
    (bot/channels/whatsapp.py, `sender_phone`): "050-1234567" is stored as "+972501234567", or it
    would never match the person when they write."""
    external_id = external_id.strip()
    if channel == "telegram" and not re.fullmatch(r"[0-9]+", external_id):
        raise ValueError(
            f"{external_id!r} is not a Telegram user id: it is a number, e.g. 123456789 "
            "(the person can get theirs from a bot such as @userinfobot)"
        )
    if channel != "whatsapp":
        return external_id
    phone = to_e164(external_id)
    if phone is None:
        raise ValueError(
            f"{external_id!r} is not a phone number; give the WhatsApp number, "
            "e.g. +972501234567 or 050-1234567"
        )
    return phone


@dataclass(frozen=True)
class StaffMember:
    person_id: int
    name: str | None
    role: str
    center: str | None
    identities: tuple[str, ...]  # "telegram:12345", "whatsapp:+9725..."


def make_staff(
    session: Session,
    channel: str,
    external_id: str,
    role: str,
    center: str,
    now: datetime,
    name: str | None = None,
) -> Person:
    """The person behind this channel identity (created if they never wrote) becomes staff."""
    if role not in STAFF_ROLES:
        raise ValueError(f"role must be one of {', '.join(STAFF_ROLES)}")
    center_id = repo.center_id(session, center)
    if center_id is None:
        raise ValueError(f"no center {center!r}")
    external_id = staff_external_id(channel, external_id)
    person, _, _ = repo.find_or_create_person(session, channel, external_id, "he", now)
    person.role = role
    person.staff_center_id = center_id
    if name:
        person.display_name = name[:120]
    session.flush()
    return person


def remove_staff(session: Session, channel: str, external_id: str) -> Person:
    """Back to a participant: the staff menu is gone at their next message."""
    external_id = staff_external_id(channel, external_id)
    person = session.scalar(
        select(Person)
        .join(ChannelIdentity, ChannelIdentity.person_id == Person.id)
        .where(ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id)
    )
    if person is None or person.role not in STAFF_ROLES:
        raise LookupError(f"no staff member at {channel} {external_id}")
    person.role = "participant"
    person.staff_center_id = None
    return person


def list_staff(session: Session, center: str | None = None) -> list[StaffMember]:
    query = (
        select(Person, Center.slug)
        .outerjoin(Center, Center.id == Person.staff_center_id)
        .where(Person.role.in_(STAFF_ROLES))
        .order_by(Center.slug, Person.role, Person.id)
    )
    if center:
        query = query.where(Center.slug == center)
    rows = session.execute(query).all()
    identities: dict[int, list[str]] = {}
    for identity in session.scalars(
        select(ChannelIdentity)
        .where(ChannelIdentity.person_id.in_([p.id for p, _ in rows]))
        .order_by(ChannelIdentity.id)
    ):
        identities.setdefault(identity.person_id, []).append(f"{identity.channel}:{identity.external_id}")
    return [
        StaffMember(p.id, p.display_name, p.role, slug, tuple(identities.get(p.id, ()))) for p, slug in rows
    ]


# ---- a chat step's staff effects ----------------------------------------------------------------
ACTIONS = {CreateEvent: "create", EditEvent: "edit", CancelEvent: "cancel"}


def apply_staff_effects(
    session: Session, person: Person, effects: tuple[Any, ...], now: datetime, program: Program, lang: str
) -> list[StaffResult]:
    results = []
    for effect in effects:
        action = ACTIONS.get(type(effect))
        if action is None:
            continue
        center = session.scalar(select(Center.slug).where(Center.id == person.staff_center_id))
        if not program.may_manage_events(person.role, center):
            results.append(StaffResult(action, "not_allowed"))
            continue
        try:
            with session.begin_nested():  # a refused change leaves nothing half done
                results.append(_apply(session, person, effect, action, center, now, program, lang))
        except LookupError:
            results.append(StaffResult(action, "unavailable"))
        except ValueError:
            results.append(StaffResult(action, "invalid"))
    return results


def _apply(
    session: Session,
    person: Person,
    effect: CreateEvent | EditEvent | CancelEvent,
    action: str,
    center: str | None,
    now: datetime,
    program: Program,
    lang: str,
) -> StaffResult:
    if isinstance(effect, CreateEvent):
        event = admin.create_event(
            session,
            center=center or "",
            kind=effect.kind,
            titles=dict(effect.titles),
            sessions=[admin.NewSession(s.starts_at, s.ends_at, s.place) for s in effect.sessions],
            capacity=effect.capacity,
            track=effect.track,
            signup_required=effect.signup_required,
            now=now,
        )
        return StaffResult(action, "done", catalog.title_in(event.titles, lang), event.first_starts_at)
    ref = effect.event
    event_id = catalog.event_id_of(ref)
    found = session.get(Event, event_id) if event_id is not None else None
    if found is None or found.center_id != person.staff_center_id or found.status != "active":
        raise LookupError(effect.event)
    if isinstance(effect, CancelEvent):
        told = admin.cancel_event(session, found.id, now, program)
        title = catalog.title_in(found.titles, lang)
        return StaffResult(action, "done", title, found.first_starts_at, len(told))
    sessions = None
    if effect.sessions is not None:
        sessions = [admin.NewSession(s.starts_at, s.ends_at, s.place) for s in effect.sessions]
    edited = admin.edit_event(
        session,
        found.id,
        now,
        program,
        sessions=sessions,
        capacity=effect.capacity,
        clear_capacity=effect.clear_capacity,
    )
    return StaffResult(action, "done", catalog.title_in(edited.titles, lang), edited.first_starts_at)


def _staff_effect(a: Applying, effect: CreateEvent | EditEvent | CancelEvent) -> StaffResult:
    assert a.program is not None, "staff effects are applied with the program's rules"
    (result,) = apply_staff_effects(a.session, a.person, (effect,), a.now, a.program, a.lang)
    return result


HANDLERS: dict[type, Handler] = {kind: _staff_effect for kind in ACTIONS}

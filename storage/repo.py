"""Every query the assistant runs. The shell calls these inside `Database.transaction()`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Integer, Select, Table, bindparam, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from flows.context import PersonFacts
from flows.effects import (
    ArmTimeout,
    DeleteMyData,
    Effect,
    RecordOutcome,
    RequestHandoff,
    SaveAnswer,
    SetLanguage,
    SetOptOut,
    SetPhone,
    UpdateProfile,
)
from flows.program import Program, role_rank
from flows.state import VERSION, State
from storage import handoffs, jobs, person_links
from storage.db import exclusive, locked
from storage.effects import GONE, Applying, Handler, apply
from storage.events import signups
from storage.models import (
    Answer,
    Center,
    ChannelIdentity,
    Conversation,
    InboundMessage,
    ManagerDecision,
    ParticipantProfile,
    Person,
    PrescreenOutcome,
)

JOINING_OUTCOMES = ("eligible", "approved")


# ---- centers ---------------------------------------------------------------------------------
def sync_centers(session: Session, program: Program) -> None:
    """Make the centers table match the configuration (added or updated by slug; none removed)."""
    existing = {c.slug: c for c in session.scalars(select(Center))}
    for center in program.centers:
        row = existing.get(center.slug) or Center(slug=center.slug)
        row.names = dict(center.names)
        row.cities = list(center.cities)
        row.services = [{"names": dict(s.names), "phone": s.phone} for s in center.services]
        session.add(row)
        existing[center.slug] = row
    session.flush()
    for center in program.centers:
        parent = existing.get(center.parent) if center.parent else None
        existing[center.slug].parent_id = parent.id if parent else None


def center_slugs(session: Session) -> dict[int, str]:
    """Every center's slug by its id, in the order of the slugs."""
    return dict(session.execute(select(Center.id, Center.slug).order_by(Center.slug)).all())


def center_id(session: Session, slug: str | None) -> int | None:
    """The center's id; looked up once a transaction (the pre-screen's last step needs it twice)."""
    if not slug:
        return None
    known: dict[str, int] = session.info.setdefault("center_ids", {})
    found = known.get(slug)
    if found is None:
        found = session.scalar(select(Center.id).where(Center.slug == slug))
        if found is not None:  # (a center not there yet is looked for again)
            known[slug] = found
    return found


# ---- inbound log and identities --------------------------------------------------------------
def _inbound_statement(insert: Any) -> Any:
    return (
        insert(InboundMessage)
        .values(
            {c: bindparam(c) for c in ("channel", "platform_message_id", "kind", "received_at", "person_id")}
        )
        .on_conflict_do_nothing(index_elements=["channel", "platform_message_id"])
        .returning(InboundMessage.id)
    )


# built once per dialect: they run on every step
_INBOUND = {"postgresql": _inbound_statement(pg_insert), "sqlite": _inbound_statement(sqlite_insert)}
_IDENTITY = (
    select(ChannelIdentity)
    .options(joinedload(ChannelIdentity.person, innerjoin=True))  # one statement, not two
    .where(
        ChannelIdentity.channel == bindparam("channel"),
        ChannelIdentity.external_id == bindparam("external_id"),
    )
    .with_for_update(of=ChannelIdentity)
)


def sender_key(channel: str, external_id: str) -> str:
    """The advisory lock (`storage.db.exclusive`) of one sender: held by each step of theirs."""
    return f"midway:sender:{channel}:{external_id}"


def record_inbound(
    session: Session, channel: str, platform_id: str, kind: str, now: datetime, person_id: int | None = None
) -> bool:
    """Log an inbound update; False when this (channel, id) was already logged (a redelivery).

    One statement (INSERT ... ON CONFLICT DO NOTHING): a concurrent delivery of the same update
    waits for the first one's transaction on PostgreSQL, then finds it logged."""
    statement = _INBOUND[session.get_bind().dialect.name]
    values = {
        "channel": channel,
        "platform_message_id": platform_id,
        "kind": kind,
        "received_at": now,
        "person_id": person_id,
    }
    # on the connection: the ORM's path for an INSERT of an entity costs more than the statement
    return session.connection().execute(statement, values).first() is not None


def find_or_create_person(
    session: Session, channel: str, external_id: str, language: str, now: datetime, phone: str | None = None
) -> tuple[Person, ChannelIdentity, bool]:
    """The person behind a channel identity, created on first contact. Holds the identity's lock
    (`sender_key`, PostgreSQL) until the transaction ends, whichever process steps: one person's
    messages are stepped one after the other, and a first contact at two processes at once makes
    one person (the second waits, then finds the first's identity). Locks the identity row too.

    `phone` is a number the channel vouches for (WhatsApp's sender): a first contact from it joins
    the person who already has that phone (shared on Telegram); a known identity whose person had
    no phone, or another, takes it, merging with its holder (`merge_people`)."""
    key = {"channel": channel, "external_id": external_id}
    exclusive(session, sender_key(channel, external_id))
    identity = session.scalar(_IDENTITY, key)
    if identity is not None:
        person = identity.person
        if phone and not (person.phone == phone and person.phone_verified):
            _set_phone(session, person, phone, verified=True, now=now)
            identity = session.scalars(_IDENTITY, key).one()  # reloaded: a merge expired it
            person = identity.person
        return person, identity, False
    holder = None
    if phone:
        holder = session.scalar(
            select(Person).where(Person.phone == phone, Person.phone_verified.is_(True)).with_for_update()
        )
    session.flush()  # what is pending goes now: the savepoint below holds the new rows alone
    try:
        # (begin_nested flushes first, outside the SAVEPOINT: the rows are made inside it, so a
        # conflict undoes the savepoint only, and the transaction goes on)
        with session.begin_nested():
            person = holder or Person(created_at=now, language=language, opted_out=False, role="participant")
            identity = ChannelIdentity(
                channel=channel, external_id=external_id, created_at=now, unreachable=False
            )
            person.identities.append(identity)
            session.add(person)
            session.flush()
    except IntegrityError:  # created meanwhile by a concurrent first message (SQLite, or no lock)
        identity = session.scalars(_IDENTITY.execution_options(populate_existing=True), key).one()
        return identity.person, identity, False
    if phone and holder is None:
        _set_phone(session, person, phone, verified=True, now=now)  # a typed claim to the number gives way
    return person, identity, holder is None


def note_inbound(session: Session, identity: ChannelIdentity, now: datetime) -> None:
    """The identity wrote now: its last message time (WhatsApp's 24-hour window), and it can be
    answered again. One statement on the connection; the loaded object shows the new values
    without the ORM writing them again."""
    session.connection().execute(_NOTE_INBOUND, {"row_id": identity.id, "at": now})
    set_committed_value(identity, "last_inbound_at", now)
    set_committed_value(identity, "unreachable", False)


_IDENTITIES = cast(Table, ChannelIdentity.__table__)
_NOTE_INBOUND = (
    update(_IDENTITIES)
    .where(_IDENTITIES.c.id == bindparam("row_id"))
    .values(last_inbound_at=bindparam("at"), unreachable=False)
)


def find_person(session: Session, person_id: int | None) -> Person | None:
    return session.get(Person, person_id) if person_id else None


def identities_of(session: Session, person_id: int) -> list[ChannelIdentity]:
    """The channels a person wrote from, in the order they first did."""
    query = select(ChannelIdentity).where(ChannelIdentity.person_id == person_id).order_by(ChannelIdentity.id)
    return list(session.scalars(query))


# ---- conversation state ----------------------------------------------------------------------
def saved_state(session: Session, person_id: int) -> str | None:
    """The person's conversation as saved (its JSON text), None when there is none."""
    row = session.get(Conversation, person_id, with_for_update=True)
    return row.state if row is not None else None


def take_back_state(session: Session, person_id: int, sent: str, before: str | None) -> None:
    """A message that asked something did not go out: the state saved with it (`sent`) goes back to
    what it was (`before`; None: there was no conversation), unless the person moved on since."""
    row = session.get(Conversation, person_id, with_for_update=True)
    if row is None or row.state != sent:
        return
    if before is None:
        session.delete(row)
    else:
        row.state = before


def load_state(session: Session, person_id: int) -> State | None:
    """The person's conversation, locked until the transaction ends (PostgreSQL; SQLite's
    transactions are one at a time): a step and the scheduler (a question pushed, a timeout) that
    read it at once take turns, so neither saves over the other's change."""
    text_ = session.connection().execute(_STATE, {"person_id": person_id}).scalar()
    return None if text_ is None else State.from_json(text_)


def save_state(session: Session, person_id: int, state: State, now: datetime) -> None:
    """Save the person's conversation: one statement on the connection (an insert that updates the
    row when there is one; every step saves one, and the ORM's unit of work for it cost more than
    the statement). What the session holds is flushed first: the person's row when it is new, and
    a conversation the ORM moved here in this step (a merge of two people)."""
    values = {"person_id": person_id, "state": state.to_json(), "version": VERSION, "updated_at": now}
    held = session.identity_map.get(session.identity_key(Conversation, person_id))
    session.flush()
    session.connection().execute(_SAVE_STATE[session.get_bind().dialect.name], values)
    if held is not None:
        session.expire(held)  # read through the ORM in this transaction: not to be read stale


_CONVERSATIONS = cast(Table, Conversation.__table__)
# built once: they run on every step
_STATE = (
    select(_CONVERSATIONS.c.state)
    .where(_CONVERSATIONS.c.person_id == bindparam("person_id"))
    .with_for_update()
)


def _save_state_statement(insert: Any) -> Any:
    statement = insert(_CONVERSATIONS)
    changed = {name: statement.excluded[name] for name in ("state", "version", "updated_at")}
    return statement.on_conflict_do_update(index_elements=["person_id"], set_=changed)


_SAVE_STATE = {"postgresql": _save_state_statement(pg_insert), "sqlite": _save_state_statement(sqlite_insert)}


def _facts_statement() -> Select[Any]:
    """One statement, always one row: the latest outcome, its center, the track, the center a staff
    member works at (each may be NULL). Built once: it runs on every step."""
    person_id = bindparam("person_id", type_=Integer)
    staff_center_id = bindparam("staff_center_id", type_=Integer)
    latest = (
        select(PrescreenOutcome.outcome, Center.slug)
        .select_from(PrescreenOutcome)
        .outerjoin(Center, Center.id == PrescreenOutcome.center_id)
        .where(PrescreenOutcome.person_id == person_id)
        .order_by(PrescreenOutcome.decided_at.desc(), PrescreenOutcome.id.desc())
        .limit(1)
    )
    track = select(ParticipantProfile.track).where(ParticipantProfile.person_id == person_id)
    staff_center = select(Center.slug).where(Center.id == staff_center_id)
    return select(
        latest.with_only_columns(PrescreenOutcome.outcome).scalar_subquery(),
        latest.with_only_columns(Center.slug).scalar_subquery(),
        track.scalar_subquery(),
        staff_center.scalar_subquery(),
    )


_FACTS = _facts_statement()


def person_facts(session: Session, person: Person, channel: str, profile_name: str | None) -> PersonFacts:
    outcome, center, track_value, staff_slug = session.execute(
        _FACTS, {"person_id": person.id, "staff_center_id": person.staff_center_id}
    ).one()
    return PersonFacts(
        channel=channel,
        profile_name=profile_name,
        phone=person.phone,
        opted_out=person.opted_out,
        outcome=outcome,
        center=center,
        can_share_contact=channel == "telegram",
        track=track_value,
        role=person.role or "participant",
        staff_center=staff_slug,
    )


# ---- applying a step's effects ---------------------------------------------------------------
def apply_effects(session: Session, person: Person, effects: Iterable[Effect], now: datetime) -> bool:
    """Store what a step decided about the person (the effects of `HANDLERS`; the dispatcher applies
    every effect through the whole table, `bot/registry.py`). False when the person was deleted."""
    return apply(Applying(session, person, now), effects, HANDLERS).kept


def _save_answer(a: Applying, effect: SaveAnswer) -> None:
    a.session.add(
        Answer(
            person_id=a.person.id,
            flow=effect.flow,
            question=effect.question,
            raw_text=effect.raw,
            value=effect.value,
            answered_at=a.now,
        )
    )


def _set_opt_out(a: Applying, effect: SetOptOut) -> None:
    a.person.opted_out = effect.opted_out
    a.person.opted_out_at = a.now if effect.opted_out else None


def _set_language(a: Applying, effect: SetLanguage) -> None:
    a.person.language = effect.lang


def _request_handoff(a: Applying, effect: RequestHandoff) -> None:
    """In the staff queue, with a "call them" task."""
    handoffs.open_request(a.session, a.person, effect.flow, effect.question, a.now)


def _arm_timeout(a: Applying, effect: ArmTimeout) -> None:
    """The scheduler delivers the timeout like any due job."""
    jobs.enqueue(
        a.session,
        kind=TIMEOUT_JOB,
        person_id=a.person.id,
        due_at=effect.at,
        now=a.now,
        payload={"seq": effect.seq},
        dedupe_key=f"timeout:{a.person.id}:{effect.seq}",
    )


def _delete_my_data(a: Applying, effect: DeleteMyData) -> object:
    if a.program is not None:  # a seat they held goes to the waitlist (it needs the program's rules)
        signups.release_seats(a.session, a.person.id, a.now, a.program)
    delete_person(a.session, a.person.id)
    return GONE


HANDLERS: dict[type, Handler] = {
    SaveAnswer: _save_answer,
    UpdateProfile: lambda a, e: _update_profile(a.session, a.person, e, a.now),
    RecordOutcome: lambda a, e: _record_outcome(a.session, a.person, e, a.now),
    RequestHandoff: _request_handoff,
    SetOptOut: _set_opt_out,
    SetLanguage: _set_language,
    # shared through the platform (Telegram's contact button)
    SetPhone: lambda a, e: _set_phone(a.session, a.person, e.phone, verified=True, now=a.now),
    ArmTimeout: _arm_timeout,
    DeleteMyData: _delete_my_data,
}


TIMEOUT_JOB = "timeout"  # a due `flows.inputs.Timeout` for a question that waits with a time limit


PHONE_ATTEMPTS = 3  # looks at who holds a number; each retry follows a concurrent writer's commit


def _set_phone(
    session: Session, person: Person, phone: str, verified: bool = False, now: datetime | None = None
) -> None:
    """A typed number is kept only when nobody has it (anyone can type anyone's number). A number
    the platform vouches for joins its holder into this person when the holder's number was vouched
    for too (one person, two channels); a holder who only typed it loses it to this person.

    Looking for the holder and writing are one SAVEPOINT. Two people writing one number at once
    both find no holder (PostgreSQL: neither sees the other's uncommitted row); the second write
    then waits for the first transaction and, once it commits, violates `uq_people_phone`. Only
    the savepoint is undone and we look again, now seeing the holder, so the rules above decide
    and the message goes on (before, the whole step failed and the person got an apology)."""
    for attempt in range(PHONE_ATTEMPTS):
        try:
            with session.begin_nested():
                _claim_phone(session, person, phone, verified, now)
                session.flush()
            return
        except IntegrityError:
            if attempt == PHONE_ATTEMPTS - 1:
                raise


def _claim_phone(session: Session, person: Person, phone: str, verified: bool, now: datetime | None) -> None:
    holder = session.scalar(
        select(Person).where(Person.phone == phone, Person.id != person.id).with_for_update()
    )
    if holder is None:
        already = person.phone == phone and person.phone_verified
        person.phone, person.phone_verified = phone, verified or already
    elif not verified:
        return
    elif holder.phone_verified:
        merge_people(session, keep=person, other=holder, now=now)
        person.phone, person.phone_verified = phone, True
    else:
        holder.phone, holder.phone_verified = None, False
        session.flush()
        person.phone, person.phone_verified = phone, True


def merge_people(session: Session, keep: Person, other: Person, now: datetime | None = None) -> None:
    """Make `other` part of `keep`, in the caller's transaction: identities, answers, outcomes,
    decisions, requests and logs move over (every column that refers to a person, found from the
    metadata: `person_links`); where a key holds the person, the two people's rows are settled
    first (`SETTLED_FIRST`): the profile is completed from the other's; the conversation is the one more
    recently active; the more privileged role (`flows.program.role_rank`: manager > router > promoter >
    participant) stays with its staff center; then `other` is deleted. Both rows are locked first
    (PostgreSQL), in id order.
    Sign-ups for an event both had are settled first (`events.signups.merge_signups`: one per person and
    event; the better kept, a seat the other held goes to the waitlist).

    `keep` is the person the current message belongs to, so the step in progress stays valid.
    """
    ids = sorted((keep.id, other.id))
    session.flush()
    session.execute(select(Person.id).where(Person.id.in_(ids)).order_by(Person.id).with_for_update())
    for settle in SETTLED_FIRST.values():
        settle(session, keep.id, other.id, now)
    for column in person_links.person_columns():  # what is left of the other's rows moves over
        session.execute(column.table.update().where(column == other.id).values({column.name: keep.id}))
    keep.display_name = keep.display_name or other.display_name
    keep.center_id = keep.center_id or other.center_id
    if role_rank(other.role) > role_rank(keep.role):  # the more privileged role stays, with its center
        keep.role, keep.staff_center_id = other.role, other.staff_center_id
    elif keep.staff_center_id is None and keep.role == other.role:
        keep.staff_center_id = other.staff_center_id
    keep.created_at = min(keep.created_at, other.created_at)
    if other.opted_out and not keep.opted_out:  # a "stop" on either channel stands
        keep.opted_out, keep.opted_out_at = True, other.opted_out_at
    session.execute(update(Person).where(Person.id == other.id).values(phone=None))
    session.flush()
    session.execute(delete(Person).where(Person.id == other.id))
    session.expire_all()


def _merge_conversation(session: Session, keep_id: int, other_id: int) -> None:
    mine, theirs = session.get(Conversation, keep_id), session.get(Conversation, other_id)
    if theirs is None:
        return
    if mine is None or theirs.updated_at > mine.updated_at:
        state, version, updated = theirs.state, theirs.version, theirs.updated_at
        session.delete(theirs)
        session.flush()
        row = mine or Conversation(person_id=keep_id)
        row.state, row.version, row.updated_at = state, version, updated
        session.add(row)
    else:
        session.delete(theirs)
    session.flush()


def _merge_profile(session: Session, keep_id: int, other_id: int) -> None:
    mine, theirs = session.get(ParticipantProfile, keep_id), session.get(ParticipantProfile, other_id)
    if theirs is None:
        return
    row = mine or ParticipantProfile(person_id=keep_id, updated_at=theirs.updated_at)
    for column in ParticipantProfile.__table__.columns:
        if column.name != "person_id" and getattr(row, column.name) is None:
            setattr(row, column.name, getattr(theirs, column.name))
    if theirs.joined_at and row.joined_at and theirs.joined_at < row.joined_at:
        row.joined_at = theirs.joined_at  # a participant since the earlier of the two
    session.delete(theirs)
    session.flush()
    session.add(row)
    session.flush()


# The tables where a key holds the person (`person_links.one_per_person`): how two people's rows
# there become one, before the rest of the other's rows move over.
SETTLED_FIRST: dict[str, Callable[[Session, int, int, datetime | None], object]] = {
    "signups": signups.merge_signups,  # one per event and person: the better one stays
    "conversations": lambda s, keep_id, other_id, _now: _merge_conversation(s, keep_id, other_id),
    "participant_profiles": lambda s, keep_id, other_id, _now: _merge_profile(s, keep_id, other_id),
}


def _update_profile(session: Session, person: Person, effect: UpdateProfile, now: datetime) -> None:
    fields = dict(effect.fields)
    profile = session.get(ParticipantProfile, person.id) or ParticipantProfile(person_id=person.id)
    if fields.get("display_name"):
        person.display_name = str(fields["display_name"])[:120]
    if fields.get("phone"):
        _set_phone(session, person, fields["phone"])
    if "center" in fields:  # like every other field: only when the flow established it
        center = center_id(session, fields["center"])
        person.center_id = center
        profile.center_id = center
    for name in (
        "birth_year",
        "city",
        "out_of_work",
        "job_share",
        "experience_years",
        "able_to_work",
        "willing_to_attend",
        "recruitment_source",
        "track",
    ):
        if name in fields:
            setattr(profile, name, fields[name])
    profile.updated_at = now
    session.add(profile)


def _record_outcome(session: Session, person: Person, effect: RecordOutcome, now: datetime) -> None:
    outcome = PrescreenOutcome(
        person_id=person.id,
        center_id=center_id(session, effect.center),
        outcome=effect.outcome,
        reasons=list(effect.reasons),
        referral_suggested=effect.referral_suggested,
        decided_at=now,
    )
    session.add(outcome)
    session.flush()
    if effect.outcome == "eligible":
        _mark_joined(session, person.id, now)
    if effect.outcome == "manager_decision":
        session.add(
            ManagerDecision(
                person_id=person.id,
                outcome_id=outcome.id,
                center_id=outcome.center_id,
                reasons=list(effect.reasons),
                status="pending",
                due_by=effect.decision_due,
                created_at=now,
            )
        )


def _mark_joined(session: Session, person_id: int, now: datetime) -> None:
    profile = session.get(ParticipantProfile, person_id)
    if profile is not None and profile.joined_at is None:
        profile.joined_at = now


# What a row kept unlinked from an erased person forgets besides the link.
FORGOTTEN_WHEN_UNLINKED = {
    "inbound_messages": ("fields",),  # the ids stay, so that a redelivery is still recognised
}


def delete_person(session: Session, person_id: int) -> None:
    """Erase a person and everything hanging on them: the rows of every table that refers to them
    (`person_links`, children before the rows they refer to). A row the schema keeps when its person
    goes (`ON DELETE SET NULL`) stays, unlinked, and forgets what `FORGOTTEN_WHEN_UNLINKED` says."""
    for column in reversed(person_links.person_columns()):
        table = column.table
        if person_links.unlinks_on_delete(column):
            cleared = dict.fromkeys((column.name, *FORGOTTEN_WHEN_UNLINKED.get(table.name, ())))
            session.execute(table.update().where(column == person_id).values(cleared))
        else:
            session.execute(table.delete().where(column == person_id))
    session.execute(delete(Person).where(Person.id == person_id))
    session.expunge_all()


# ---- staff: manager decisions ----------------------------------------------------------------
def pending_decisions(
    session: Session, center_slug: str | None = None
) -> list[tuple[ManagerDecision, Person]]:
    query = (
        select(ManagerDecision, Person)
        .join(Person, Person.id == ManagerDecision.person_id)
        .where(ManagerDecision.status == "pending")
        .order_by(ManagerDecision.due_by, ManagerDecision.id)
    )
    if center_slug:
        query = query.join(Center, Center.id == ManagerDecision.center_id).where(Center.slug == center_slug)
    return [(d, p) for d, p in session.execute(query).all()]


def decide(
    session: Session, decision_id: int, approve: bool, by: str, note: str | None, now: datetime
) -> ManagerDecision:
    # Locked (PostgreSQL), so that of two managers deciding at once the second sees it decided.
    decision = locked(session, ManagerDecision, decision_id)
    if decision is None or decision.status != "pending":
        raise LookupError(f"no pending decision {decision_id}")
    decision.status = "approved" if approve else "rejected"
    decision.decided_at = now
    decision.decided_by = by
    decision.note = note
    session.add(
        PrescreenOutcome(  # the final outcome, for the reports: decided by the manager, and why
            person_id=decision.person_id,
            center_id=decision.center_id,
            outcome="eligible" if approve else "not_eligible",
            reasons=["manager_decision", *decision.reasons],
            decided_at=now,
        )
    )
    if approve:
        _mark_joined(session, decision.person_id, now)
    return decision

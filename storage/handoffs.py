""" "Talk to a person": the staff queue of requests, each with a "call them" task beside it.

    open_request     the chat's `RequestHandoff` (repo.apply_effects): one open request per person,
                     and a task for their promoter (or the center) in `midway tasks list`
    list_requests    `midway handoffs list`, and the staff chat's queue (storage/staff_queue.py)
    close_request    `midway handoffs done`, and "handled" in the staff chat: closes the task too
    close_task       `midway tasks done`: the task of a request closes the request too

A request belongs to the person's center when they asked; one who asked before the pre-screen placed
them has none, and is listed under the center they have by then (or under none).
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from storage.db import locked
from storage.events.meetings import promoter_of
from storage.models import Center, ChannelIdentity, HandoffRequest, ParticipantProfile, Person, StaffTask
from storage.refs import ref_id

log = logging.getLogger(__name__)

PREFIX = "handoff:"  # staff_tasks.reference of a request's task


@dataclass(frozen=True)
class HandoffRow:
    """One request as staff see it (staff-facing: the phone is in it; never log it at INFO)."""

    id: int
    person_id: int
    name: str | None
    phone: str | None
    channel: str | None  # where the person last wrote
    center: str | None  # slug
    flow: str | None
    question: str | None
    status: str
    created_at: datetime
    closed_at: datetime | None = None
    closed_by: str | None = None
    note: str | None = None


def reference(request_id: int) -> str:
    return f"{PREFIX}{request_id}"


def person_center(session: Session, person: Person) -> int | None:
    if person.center_id is not None:
        return person.center_id
    profile = select(ParticipantProfile.center_id).where(ParticipantProfile.person_id == person.id)
    return session.scalar(profile)


def add_call_task(session: Session, person: Person, reason: str, reference: str, now: datetime) -> StaffTask:
    """A "call them" task for the person's promoter (or, with none, their center)."""
    task = StaffTask(
        person_id=person.id,
        center_id=person_center(session, person),
        assignee=promoter_of(session, person.id),
        kind="call",
        reason=reason[:64],
        reference=reference,
        status="open",
        created_at=now,
    )
    session.add(task)
    return task


def close_open_tasks(session: Session, reference: str, now: datetime, reason: str | None = None) -> None:
    """Nobody needs to do the open tasks about `reference` any more (those for `reason` only, if given)."""
    statement = update(StaffTask).where(StaffTask.reference == reference, StaffTask.status == "open")
    if reason is not None:
        statement = statement.where(StaffTask.reason == reason)
    session.execute(statement.values(status="done", done_at=now))


def open_request(
    session: Session, person: Person, flow: str | None, question: str | None, now: datetime
) -> HandoffRequest:
    """A new request with its "call them" task; asked again while one is open, that one is kept
    (where they are now is noted) and no second task is made."""
    existing = session.scalar(
        select(HandoffRequest)
        .where(HandoffRequest.person_id == person.id, HandoffRequest.status == "open")
        .order_by(HandoffRequest.id)
        .limit(1)
    )
    if existing is not None:
        existing.flow, existing.question = flow, question
        return existing
    center = person_center(session, person)
    request = HandoffRequest(
        person_id=person.id, flow=flow, question=question, status="open", created_at=now, center_id=center
    )
    session.add(request)
    session.flush()
    add_call_task(session, person, "handoff", reference(request.id), now)
    log.info("handoff request %s from person %s; call task created", request.id, person.id)
    return request


def list_tasks(
    session: Session, center: str | None = None, include_done: bool = False
) -> list[tuple[StaffTask, Person]]:
    """Staff tasks in the order they were made, with their person: the open ones (all with
    `include_done`), of every center or of `center`."""
    query = select(StaffTask, Person).join(Person, Person.id == StaffTask.person_id).order_by(StaffTask.id)
    if not include_done:
        query = query.where(StaffTask.status == "open")
    if center is not None:
        query = query.join(Center, Center.id == StaffTask.center_id).where(Center.slug == center)
    return [(task, person) for task, person in session.execute(query).all()]


def list_requests(
    session: Session,
    center: str | None = None,
    include_closed: bool = False,
    with_unplaced: bool = False,
) -> list[HandoffRow]:
    """Requests, the longest waiting first: open ones (all with `include_closed`), of every center or
    of `center` (and, `with_unplaced`, of people who have no center yet)."""
    center_id = func.coalesce(HandoffRequest.center_id, Person.center_id)
    query = (
        select(HandoffRequest, Person, Center.slug)
        .join(Person, Person.id == HandoffRequest.person_id)
        .outerjoin(Center, Center.id == center_id)
        .order_by(HandoffRequest.created_at, HandoffRequest.id)
    )
    if not include_closed:
        query = query.where(HandoffRequest.status == "open")
    if center is not None:
        query = query.where(
            (Center.slug == center) | (center_id.is_(None)) if with_unplaced else Center.slug == center
        )
    rows = session.execute(query).all()
    channels = last_channels(session, [person.id for _, person, _ in rows])
    return [
        HandoffRow(
            id=request.id,
            person_id=person.id,
            name=person.display_name,
            phone=person.phone,
            channel=channels.get(person.id),
            center=slug,
            flow=request.flow,
            question=request.question,
            status=request.status,
            created_at=request.created_at,
            closed_at=request.closed_at,
            closed_by=request.closed_by,
            note=request.note,
        )
        for request, person, slug in rows
    ]


def last_channels(session: Session, person_ids: list[int]) -> dict[int, str]:
    """Where each person last wrote (the channel staff will find them on)."""
    epoch = datetime.min.replace(tzinfo=UTC)
    found: dict[int, tuple[datetime, int, str]] = {}
    for identity in session.scalars(select(ChannelIdentity).where(ChannelIdentity.person_id.in_(person_ids))):
        key = (identity.last_inbound_at or epoch, -identity.id, identity.channel)
        if identity.person_id not in found or key[:2] > found[identity.person_id][:2]:
            found[identity.person_id] = key
    return {person_id: key[2] for person_id, key in found.items()}


def close_request(
    session: Session,
    request_id: int,
    now: datetime,
    by: str | None = None,
    note: str | None = None,
    center_id: int | None = None,
    check_center: bool = False,
) -> HandoffRequest:
    """Mark an open request handled, and its "call them" task done. With `check_center`, only a
    request of that center (or of a person with no center yet): staff close their own center's."""
    request = locked(session, HandoffRequest, request_id)
    if request is None or request.status != "open":
        raise LookupError(f"no open hand-off request {request_id}")
    if check_center:
        person = session.get(Person, request.person_id)
        theirs = (
            request.center_id
            if request.center_id is not None
            else (person_center(session, person) if person is not None else None)
        )
        if theirs is not None and theirs != center_id:
            raise LookupError(f"hand-off request {request_id} is not of this center")
    request.status, request.closed_at = "done", now
    request.closed_by = by[:120] if by else None
    request.note = note or None
    for task in session.scalars(
        select(StaffTask).where(StaffTask.reference == reference(request.id), StaffTask.status == "open")
    ):
        task.status, task.done_at = "done", now
    return request


class TaskAlreadyDone(LookupError):
    """`midway tasks done` on a task that is done: nothing is changed (its done_at stays)."""

    def __init__(self, task: StaffTask) -> None:
        super().__init__(f"task #{task.id} was already done; nothing changed")
        self.task = task


def close_task(session: Session, task_id: int, now: datetime, by: str | None = None) -> StaffTask:
    """`midway tasks done`: the task is done; when it is a request's task, the request is closed too.
    A task already done is left as it is (TaskAlreadyDone)."""
    task = locked(session, StaffTask, task_id)
    if task is None:
        raise LookupError(f"no task {task_id}")
    if task.status == "done":
        raise TaskAlreadyDone(task)
    task.status, task.done_at = "done", now
    request_id = ref_id(task.reference or "", PREFIX)
    if request_id is not None:
        with contextlib.suppress(LookupError):  # closed already: nothing more to do
            close_request(session, request_id, now, by=by)
    return task

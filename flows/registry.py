"""Every flow the engine knows, by name, and every kind of proactive message, by job kind."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flows.decision_notice import PROACTIVE as DECISION_PROACTIVE
from flows.declare import Flows, Roles
from flows.events import FLOWS as BOOKING_FLOWS
from flows.events import PROACTIVE as BOOKING_PROACTIVE
from flows.events import BookingResult, result_replies
from flows.menus import LANGUAGE, MENU, PRIVACY, RESUME
from flows.messages import Outgoing
from flows.prescreen import APPEAL, PRESCREEN
from flows.proactive import TIMEOUT, ProactiveKind
from flows.staff import FLOWS as STAFF_FLOWS
from flows.staff import StaffResult, staff_result_replies
from flows.staff_queue import FLOWS as STAFF_QUEUE_FLOWS
from flows.staff_queue import QueueResult, queue_result_replies

FLOWS = Flows(
    (PRESCREEN, APPEAL, MENU, LANGUAGE, PRIVACY, RESUME, *BOOKING_FLOWS, *STAFF_FLOWS, *STAFF_QUEUE_FLOWS),
    Roles(newcomer=PRESCREEN.name, menu=MENU.name, resume=RESUME.name,
          intents={"language": LANGUAGE.name, "privacy": PRIVACY.name, "staff": "staff"}),
)

PROACTIVE: Mapping[str, ProactiveKind] = {
    p.kind: p for p in (*BOOKING_PROACTIVE, *DECISION_PROACTIVE, TIMEOUT)
}
# Every `Proactive.kind` the scheduler can give; a WhatsApp templates file may name only these.
MESSAGE_KINDS = frozenset(kind for p in PROACTIVE.values() for kind in p.message_kinds)


def message_kind(job_kind: str, data: Mapping[str, Any]) -> str:
    """The `Proactive.kind` of a due job's message (WhatsApp picks its approved template by it)."""
    found = PROACTIVE.get(job_kind)
    return found.message_kind(data) if found else job_kind


# What the shell decided for an effect (a `storage` handler's result), in the person's words.
RESULT_REPLIES: Mapping[type, Callable[[Any, str], tuple[Outgoing, ...]]] = {
    BookingResult: result_replies,
    StaffResult: lambda result, lang: staff_result_replies(result),
    QueueResult: lambda result, lang: queue_result_replies(result),
}


def told(results: tuple[object, ...], lang: str) -> tuple[Outgoing, ...]:
    return tuple(reply for result in results for reply in RESULT_REPLIES[type(result)](result, lang))

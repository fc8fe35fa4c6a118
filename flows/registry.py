"""Every flow the engine knows, by name."""

from __future__ import annotations

from collections.abc import Mapping

from flows.declare import Flow
from flows.events import FLOWS as BOOKING_FLOWS
from flows.handoff import HANDOFF
from flows.menus import LANGUAGE, MENU, PRIVACY, RESUME
from flows.prescreen import APPEAL, PRESCREEN
from flows.staff import FLOWS as STAFF_FLOWS
from flows.staff_queue import FLOWS as STAFF_QUEUE_FLOWS

FLOWS: Mapping[str, Flow] = {
    f.name: f for f in (PRESCREEN, APPEAL, MENU, LANGUAGE, PRIVACY, RESUME, HANDOFF, *BOOKING_FLOWS,
                        *STAFF_FLOWS, *STAFF_QUEUE_FLOWS)
}

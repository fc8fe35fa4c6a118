"""What a participant reads when the center manager has decided their borderline pre-screen. The
scheduler sends it (job kind "decision") when the manager decides, in allowed hours:

    approved  the good news, then the next exposure conferences of their center as buttons — the
              `conference` flow, exactly as an eligible pre-screen ends — or, when none is scheduled,
              that the team will send the date
    declined  the reasons in plain words and the center's list of other community services, as a
              not-eligible pre-screen ends (without offering to ask the manager again: they just did)

`data` (JSON values, read when the message goes out): decision (ref), approved, name, center (slug),
reasons, conferences ([{ref, title, when, ends, place, seats_left}], approved only).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from flows.context import Bookings, Context, EventOffer, SessionInfo
from flows.declare import Flows
from flows.eligibility import REASONS
from flows.engine import Sprint, trigger
from flows.events import session_span
from flows.feature import Feature
from flows.messages import Msg, MsgList, Reply
from flows.prescreen import center_services, plain_reason
from flows.proactive import ProactiveKind
from flows.state import State
from flows.triggers import Trigger


def conferences_of(data: Mapping[str, Any], center: str | None) -> tuple[EventOffer, ...]:
    return tuple(conference_of(c, center) for c in data.get("conferences", ()))


def conference_of(c: Mapping[str, Any], center: str | None) -> EventOffer:
    span = session_span(c)
    place = str(c.get("place", ""))
    return EventOffer(
        ref=str(c["ref"]),
        title=str(c.get("title", "")),
        starts_at=span.starts_at,
        place=place,
        center=center,
        kind="exposure_conference",
        sessions=(SessionInfo(span.starts_at, span.ends_at, place),),
        seats_left=c.get("seats_left"),
    )


def decision_sprint(
    state: State, data: Mapping[str, Any], now: datetime, ctx: Context, flows: Flows
) -> Sprint:
    slug = data.get("center")
    center = ctx.program.center(slug)
    lang = state.lang
    greeting = {"name": str(data.get("name") or ""), "center": center.name(lang) if center else ""}
    if data.get("approved"):
        head = Msg("decision.approved", greeting)
        offers = conferences_of(data, slug)
        if offers:
            with_offers = replace(ctx, bookings=Bookings(exposure=offers))
            start = Trigger("conference", {"center": slug}, key=str(data.get("decision", "")))
            sprint = trigger(state, start, now, with_offers, flows)
            first, *rest = sprint.replies
            if isinstance(first, Reply):  # one message: the news, then the dates as buttons
                first = replace(first, parts=(head, *first.parts))
            return Sprint(sprint.state, (first, *rest), sprint.effects)
        parts: tuple[Msg, ...] = (head, Msg("prescreen.eligible_next"), Msg("common.menu_hint"))
        return Sprint(state, (Reply(parts=parts),), ())
    rules = center.eligibility if center else ctx.program.eligibility
    reasons = tuple(plain_reason(r, rules) for r in data.get("reasons", ()) if r in REASONS)
    said: tuple[Msg, ...]
    if reasons:
        said = (Msg("decision.declined", greeting), Msg("common.list", {"items": MsgList(reasons)}))
    else:
        said = (Msg("decision.declined_plain", greeting),)
    services = center_services(center or ctx.program.centers[0], lang)
    return Sprint(state, (Reply(parts=(*said, *services, Msg("common.menu_hint"))),), ())


PROACTIVE = (
    ProactiveKind(
        "decision",
        decision_sprint,
        lambda data: "decision.approved" if data.get("approved") else "decision.declined",
        frozenset({"decision.approved", "decision.declined"}),
    ),
)


FEATURE = Feature("decision_notice", proactive=PROACTIVE)

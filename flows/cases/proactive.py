"""The case's proactive message: graduation, told once on the day work has been kept six months
(job kind `GRADUATION`; `storage/cases.py` reads its data, `storage/employment.py` arms it)."""

from __future__ import annotations

from datetime import datetime

from flows.cases.status import GRADUATION, GRADUATION_MESSAGE
from flows.context import Context
from flows.declare import Flows
from flows.engine import Sprint
from flows.messages import Msg, Reply
from flows.proactive import Data, ProactiveKind
from flows.state import State


def _graduation(state: State, data: Data, now: datetime, ctx: Context, flows: Flows) -> Sprint:
    """The congratulation and the alumni events (the message names no data)."""
    said = (Msg("graduation.message"), Msg("graduation.alumni"))
    return Sprint(state, (Reply(parts=(*said, Msg("common.menu_hint"))),), ())


PROACTIVE = (
    ProactiveKind(GRADUATION, _graduation, lambda data: GRADUATION_MESSAGE, frozenset({GRADUATION_MESSAGE})),
)

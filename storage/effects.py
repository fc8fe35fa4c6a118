"""Storing what a step decided: one handler per effect type, looked up in a table.

Each storage module that applies effects declares `HANDLERS = {EffectType: handler}`;
`bot/registry.py` joins them into one table and checks that every effect a flow can yield has
exactly one handler. A handler gets the open transaction and what it needs to know (`Applying`) and
returns what the person should be told (a result that `flows.registry.RESULT_REPLIES` renders), or
None, or `GONE` when the person's data was erased (nothing more is stored for them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from flows.program import Program
from storage.models import Person


@dataclass(frozen=True)
class Applying:
    session: Session
    person: Person
    now: datetime
    program: Program | None = None
    lang: str = "he"


GONE = object()  # a handler's answer: the person was deleted
Handler = Callable[[Applying, Any], object | None]


@dataclass(frozen=True)
class Applied:
    kept: bool  # False: the person was deleted, and nothing after that was stored
    results: tuple[object, ...] = ()


def apply(applying: Applying, effects: Iterable[Any], handlers: Mapping[type, Handler]) -> Applied:
    results: list[object] = []
    for effect in effects:
        handler = handlers.get(type(effect))
        if handler is None:
            raise LookupError(f"no handler for {type(effect).__name__}")
        result = handler(applying, effect)
        if result is GONE:
            return Applied(False, tuple(results))
        if result is not None:
            results.append(result)
    return Applied(True, tuple(results))

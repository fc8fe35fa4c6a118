"""The shell's side of every feature, found from its declaration (`flows/registry.FEATURES`): the
storage handlers of its effects (`storage.<module>.HANDLERS`) and the loaders of the facts its steps
read (`FACTS`), each joined into one table and checked: every effect a step may yield has exactly
one handler, every fact a feature reads has a loader.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from flows import effects
from flows.context import PersonFacts
from flows.program import Program
from flows.registry import FEATURES
from storage.effects import Handler

FactLoader = Callable[[Session, int, PersonFacts, str, datetime, Program], dict[str, Any]]


def _storage_modules() -> tuple[Any, ...]:
    names = dict.fromkeys(f.storage for f in FEATURES if f.storage)
    return tuple(importlib.import_module(f"storage.{name}") for name in names)


STORAGE = _storage_modules()
FEATURE_HANDLERS: tuple[Mapping[type, Handler], ...] = tuple(m.HANDLERS for m in STORAGE)


def _joined() -> dict[type, Handler]:
    table: dict[type, Handler] = {}
    for handlers in FEATURE_HANDLERS:
        twice = set(table) & set(handlers)
        if twice:
            raise ValueError(f"two handlers for {sorted(t.__name__ for t in twice)}")
        table.update(handlers)
    return table


def _loaders() -> dict[str, FactLoader]:
    found: dict[str, FactLoader] = {}
    for module in STORAGE:
        found.update(getattr(module, "FACTS", {}))
    missing = {fact for f in FEATURES for fact in f.facts} - set(found)
    if missing:
        raise ValueError(f"no storage loads the facts {sorted(missing)}")
    return found


def _proactive_data() -> dict[str, Callable[..., dict[str, Any] | None]]:
    """`PROACTIVE_DATA = {job kind: reader}` of a feature's storage: a due job's data, read fresh
    when it is about to go out (None: it has lost its point)."""
    found: dict[str, Callable[..., dict[str, Any] | None]] = {}
    for module in STORAGE:
        for kind, reader in getattr(module, "PROACTIVE_DATA", {}).items():
            if kind in found:
                raise ValueError(f"two storage modules read the data of job kind {kind!r}")
            found[kind] = reader
    return found


def _internal_jobs() -> dict[str, Callable[..., None]]:
    """`INTERNAL_JOBS = {job kind: runner}` of a feature's storage: due work that says nothing itself
    (the survey's daily planning), run by the scheduler as `runner(session, payload, now, program)`."""
    found: dict[str, Callable[..., None]] = {}
    for module in STORAGE:
        for kind, runner in getattr(module, "INTERNAL_JOBS", {}).items():
            if kind in found:
                raise ValueError(f"two storage modules run the internal job kind {kind!r}")
            found[kind] = runner
    return found


EFFECT_HANDLERS: Mapping[type, Handler] = _joined()


def _subclasses(base: type) -> set[type]:
    found = set(base.__subclasses__())
    return found.union(*(_subclasses(sub) for sub in found)) if found else found


# every effect a step may yield: the engine's own (flows/effects.py) and each feature's (its package's
# effects, all imported with flows/registry)
EFFECT_TYPES = frozenset(_subclasses(effects.Effect))
FACT_LOADERS: Mapping[str, FactLoader] = _loaders()
# (session, kind, payload, lang, now) → the message's data; kinds not here: storage/events, decisions
PROACTIVE_DATA: Mapping[str, Callable[..., dict[str, Any] | None]] = _proactive_data()
# kind → runner(session, payload, now, program): internal due work a feature's storage does
INTERNAL_JOBS: Mapping[str, Callable[..., None]] = _internal_jobs()
# (session, now, program) at the scheduler's start: a feature's recurring work queued (the survey's)
ON_START: tuple[Callable[..., None], ...] = tuple(f for m in STORAGE for f in getattr(m, "ON_START", ()))

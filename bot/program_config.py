"""Reading the program configuration file (TOML): `MIDWAY_CONFIG`, or the shipped default.

Every section and key is checked against what the code knows (the dataclasses of `flows.program`
and `flows.scheduling`, the event kinds of `flows.event_kinds`): a misspelling stops start-up with
one line naming the file, the section and the key, and the likely intended key when one is close.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable
from dataclasses import MISSING, fields, is_dataclass
from pathlib import Path
from typing import Any

from flows.event_kinds import KINDS as EVENT_KINDS
from flows.program import LANGUAGES, Center, Program, Service, program_from_dict
from flows.scheduling import Reminders, Scheduling

DEFAULT_CONFIG = Path(__file__).resolve().parent / "defaults" / "program.toml"


class ProgramConfigError(ValueError):
    """The program configuration is wrong; the message is one line naming the file."""


def _names(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in fields(cls))


def _tables(cls: type) -> dict[str, type]:
    """The fields of `cls` whose default is itself a settings dataclass: name → its class."""
    found = {}
    for f in fields(cls):
        if f.default_factory is not MISSING and is_dataclass(value := f.default_factory()):
            found[f.name] = type(value)
    return found


PROGRAM_KEYS = frozenset(f.name for f in fields(Program) if f.default is not MISSING)  # [program]
_PROGRAM_TABLES = {k: v for k, v in _tables(Program).items() if k != "scheduling"}  # [eligibility], [staff]
_SCHEDULING_TABLES = _tables(Scheduling)  # [quiet_hours], [reminders], [scheduler], [meetings]
SECTIONS = frozenset({"program", "centers", *_PROGRAM_TABLES, *_SCHEDULING_TABLES})
CENTER_KEYS = _names(Center)
CENTER_TABLES = _tables(Center)  # [centers.eligibility], [centers.staff]
SERVICE_KEYS = _names(Service)
# [reminders]: an offset list per event kind ("default", "meeting" and the shipped kinds included),
# and the other fields of Reminders (confirm_attendance: event kinds whose reminder asks "coming?").
REMINDER_KINDS = frozenset({*Reminders().offsets, *EVENT_KINDS})
REMINDER_KEYS = REMINDER_KINDS | (_names(Reminders) - {"offsets"})
# keys that were once read and no longer are: (section, key) → what replaced them
RETIRED = {
    ("scheduler", "telegram_per_second"): "Telegram's pace is the TELEGRAM_MESSAGES_PER_SECOND setting "
    "(the environment), shared by replies and the scheduler",
}


def load_program(path: str | Path | None) -> Program:
    source = Path(path) if path else DEFAULT_CONFIG
    try:
        with source.open("rb") as handle:
            data = tomllib.load(handle)
    except OSError as error:
        reason = error.strerror or error
        raise ProgramConfigError(f"{source}: cannot read the program configuration ({reason})") from None
    except tomllib.TOMLDecodeError as error:
        raise ProgramConfigError(f"{source}: not valid TOML: {error}") from None
    check_keys(data, source)
    try:
        return program_from_dict(data)
    except (ValueError, TypeError, KeyError) as error:
        raise ProgramConfigError(f"{source}: {error}") from None


def check_keys(data: dict[str, Any], source: str | Path) -> None:
    """Every section and key of `data` is one the code knows; ProgramConfigError otherwise."""
    _known(source, "", data, SECTIONS, noun="section")
    general = _table(source, "[program]", data.get("program", {}))
    _known(source, "[program]", general, PROGRAM_KEYS)
    for (section, key), instead in RETIRED.items():
        if isinstance(data.get(section), dict) and key in data[section]:
            raise ProgramConfigError(f"{source}: [{section}]: {key!r} is no longer read: {instead}")
    for name, cls in {**_PROGRAM_TABLES, **_SCHEDULING_TABLES}.items():
        if name in data and name != "reminders":
            _known(source, f"[{name}]", _table(source, f"[{name}]", data[name]), _names(cls))
    reminders = _table(source, "[reminders]", data.get("reminders", {}))
    _known(source, "[reminders]", reminders, REMINDER_KEYS, noun="kind")
    confirm = reminders.get("confirm_attendance", [])
    if not isinstance(confirm, list):
        raise ProgramConfigError(f"{source}: [reminders] confirm_attendance must be a list of event kinds")
    _known(source, "[reminders] confirm_attendance", confirm, frozenset(EVENT_KINDS), noun="event kind")
    centers = data.get("centers", [])
    if not isinstance(centers, list):
        raise ProgramConfigError(f"{source}: centers must be [[centers]] blocks, one per center")
    for number, raw in enumerate(centers, start=1):
        where = f"[[centers]] #{number}"
        raw = _table(source, where, raw)
        if isinstance(raw.get("slug"), str):
            where += f" ({raw['slug']})"
        _known(source, where, raw, CENTER_KEYS)
        names = _table(source, f"{where} names", raw.get("names", {}))
        _known(source, f"{where} names", names, frozenset(LANGUAGES), noun="language")
        for name, cls in CENTER_TABLES.items():
            if name in raw:
                place = f"[centers.{name}] of {where}"
                _known(source, place, _table(source, place, raw[name]), _names(cls))
        services = raw.get("services", [])
        if not isinstance(services, list):
            raise ProgramConfigError(f"{source}: {where}: services must be [[centers.services]] blocks")
        for index, service in enumerate(services, start=1):
            place = f"[[centers.services]] #{index} of {where}"
            service = _table(source, place, service)
            _known(source, place, service, SERVICE_KEYS)
            _known(
                source,
                f"{place} names",
                _table(source, f"{place} names", service.get("names", {})),
                frozenset(LANGUAGES),
                noun="language",
            )


def _table(source: str | Path, where: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ProgramConfigError(f"{source}: {where} must be a table, not {type(value).__name__}")
    return value


def _known(
    source: str | Path, where: str, given: Iterable[Any], known: frozenset[str], noun: str = "key"
) -> None:
    for key in given:
        if key in known:
            continue
        shown = f"[{key}]" if noun == "section" else repr(key)
        message = f"{source}: {where + ': ' if where else ''}unknown {noun} {shown}"
        close = difflib.get_close_matches(str(key), sorted(known), n=1)
        if close:
            message += f" (did you mean {f'[{close[0]}]' if noun == 'section' else repr(close[0])}?)"
        else:
            message += f"; known: {', '.join(sorted(known))}"
        raise ProgramConfigError(message)

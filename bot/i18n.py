"""Rendering flow messages in a person's language, from the gettext catalogs in `locales/`.

Hebrew is the source language. Parameters inside right-to-left text (numbers, Latin names, dates)
are wrapped in Unicode isolates so they display in the right order on every phone.
"""

from __future__ import annotations

import logging
import site
import sys
import sysconfig
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time, get_datetime_format
from babel.messages.pofile import read_po

from flows.messages import Msg, MsgList, Param, Reply, TimeSpan
from flows.program import LANGUAGES

log = logging.getLogger(__name__)
SOURCE_LOCALES = Path(__file__).resolve().parent.parent / "locales"
INSTALLED_LOCALES = Path("share") / "midway-assistant" / "locales"  # pyproject's data-files


def find_locales() -> Path:
    """The catalogs: the source tree's `locales/` (a checkout, an editable install), else the copy an
    installed wheel put under the environment's data prefix (share/midway-assistant/locales)."""
    candidates = [SOURCE_LOCALES]
    for prefix in (sys.prefix, sysconfig.get_path("data"), site.getuserbase()):
        if prefix:
            candidates.append(Path(prefix) / INSTALLED_LOCALES)
    for candidate in candidates:
        if (candidate / "he" / "LC_MESSAGES" / "midway.po").exists():
            return candidate
    return SOURCE_LOCALES  # nothing found: each language warns and falls back to the keys


LOCALES_DIR = find_locales()
DOMAIN = "midway"
RTL = ("he", "ar")
FSI, PDI = "\u2068", "\u2069"
TIMEZONE = ZoneInfo("Asia/Jerusalem")


class MissingMessage(KeyError):
    pass


class Catalogs:
    """Every language's messages, loaded once. Also the flows' `Lexicon`."""

    def __init__(self, root: Path = LOCALES_DIR, strict: bool = False) -> None:
        self.strict = strict
        self.messages: dict[str, dict[str, str]] = {}
        for lang in LANGUAGES:
            path = root / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
            if not path.exists():
                log.warning("no %s catalog at %s; Hebrew is used instead", lang, path)
                self.messages[lang] = {}
                continue
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=lang, domain=DOMAIN)
            self.messages[lang] = {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}

    def template(self, key: str, lang: str) -> str:
        found = self.messages.get(lang, {}).get(key) or self.messages["he"].get(key)
        if found is None:
            if self.strict:
                raise MissingMessage(key)
            return key
        return found

    def texts(self, key: str) -> tuple[str, ...]:
        return tuple(self.messages[lang][key] for lang in LANGUAGES if key in self.messages[lang])

    def translator(self, lang: str) -> Translator:
        return Translator(self, lang if lang in LANGUAGES else "he")


class Translator:
    def __init__(self, catalogs: Catalogs, lang: str) -> None:
        self.catalogs = catalogs
        self.lang = lang

    def render(self, msg: Msg) -> str:
        template = self.catalogs.template(msg.key, self.lang)
        if not msg.params:
            return template
        values = {name: self._param(value) for name, value in msg.params.items()}
        try:
            return template.format_map(values)
        except (KeyError, IndexError, ValueError):
            if self.catalogs.strict:
                raise
            return template

    def render_key(self, key: str) -> str:
        return self.catalogs.template(key, self.lang)

    def text(self, reply: Reply) -> str:
        return "\n\n".join(self.render(part) for part in reply.parts)

    def _param(self, value: Param) -> str:
        if isinstance(value, Msg):
            return self.render(value)
        if isinstance(value, MsgList):
            return "\n".join(f"{value.bullet} {self.render(item)}" for item in value.items)
        if isinstance(value, TimeSpan):
            text = self._moment(value.starts_at, value.ends_at)
        elif isinstance(value, datetime):
            text = self._moment(value)
        elif isinstance(value, date):
            text = format_date(value, "full", locale=self.lang)
        else:
            text = str(value)
        return f"{FSI}{text}{PDI}" if self.lang in RTL else text

    def _moment(self, starts_at: datetime, ends_at: datetime | None = None) -> str:
        """The day and the time ("…, 10:00"), or the time span when it ends that same day
        ("…, 10:00–13:00")."""
        local = _local(starts_at)
        day = format_date(local.date(), "full", locale=self.lang)
        time = format_time(local, "HH:mm", locale=self.lang)
        end = _local(ends_at) if ends_at is not None else None
        if end is not None and end.date() == local.date() and end > local:
            until = format_time(end, "HH:mm", locale=self.lang)
            time = self.render_key("common.time_span").format(start=time, end=until)
            if self.lang in RTL:  # digits alone: isolated, the span reads left to right (10:00 first)
                time = f"{FSI}{time}{PDI}"
        # the language's own glue between date and time (Arabic has its own comma), as Babel does
        glue = get_datetime_format("full", locale=self.lang).replace("'", "")
        return glue.replace("{0}", time).replace("{1}", day)


def _local(moment: datetime) -> datetime:
    return moment.astimezone(TIMEZONE) if moment.tzinfo else moment

"""Rendering flow messages in a person's language, from the gettext catalogs in `locales/`.

Hebrew is the source language. Parameters inside right-to-left text (numbers, Latin names, dates)
are wrapped in Unicode isolates so they display in the right order on every phone.

A message that counts something is a gettext plural entry, chosen with `ngettext` by the language's
Plural-Forms rule (Arabic has six forms, Russian three, Hebrew four: 2 days are "יומיים"). Its
`msgid_plural` names the parameter that holds the number, so flows stay unaware of plurals:

    msgid "handoff.ack"
    msgid_plural "{days}"
    msgstr[0] "… בתוך יום עבודה אחד."
    msgstr[1] "… בתוך יומיים …"
"""

from __future__ import annotations

import gettext
import logging
import site
import sys
import sysconfig
from collections.abc import Mapping
from datetime import date, datetime
from io import BytesIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_skeleton, format_time, get_datetime_format
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
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


class MissingCount(KeyError):
    """A counted message rendered without its number."""


def _compiled(catalog: Catalog) -> gettext.GNUTranslations:
    """The catalog as gettext itself reads it (an in-memory .mo), for its `ngettext`."""
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def counted_parameter(msgid_plural: str) -> str:
    """`{days}` → `days`: the parameter a plural entry counts."""
    return msgid_plural.strip().strip("{}")


class Catalogs:
    """Every language's messages, loaded once. Also the flows' `Lexicon`."""

    def __init__(self, root: Path = LOCALES_DIR, strict: bool = False) -> None:
        self.strict = strict
        self.messages: dict[str, dict[str, str]] = {}
        # counted messages: key → (msgid_plural, every form), and gettext's reading of the catalog
        self.plurals: dict[str, dict[str, tuple[str, tuple[str, ...]]]] = {}
        self.gettext: dict[str, gettext.NullTranslations] = {}
        self._texts: dict[str, tuple[str, ...]] = {}  # `texts`, asked on every step for the same keys
        for lang in LANGUAGES:
            self.messages[lang], self.plurals[lang] = {}, {}
            self.gettext[lang] = gettext.NullTranslations()
            path = root / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
            if not path.exists():
                log.warning("no %s catalog at %s; Hebrew is used instead", lang, path)
                continue
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=lang, domain=DOMAIN)
            for m in catalog:
                if not m.id or m.fuzzy or not m.string:
                    continue
                if isinstance(m.id, str) and isinstance(m.string, str):
                    self.messages[lang][m.id] = m.string
                elif not isinstance(m.id, str) and not isinstance(m.string, str) and all(m.string):
                    self.plurals[lang][m.id[0]] = (m.id[1], tuple(m.string))
            self.gettext[lang] = _compiled(catalog)

    def template(self, key: str, lang: str, params: Mapping[str, Any] | None = None) -> str:
        """The message in `lang` (else in Hebrew); for a counted one, the form its number takes."""
        for source in dict.fromkeys((lang, "he")):
            plural = self.plurals.get(source, {}).get(key)
            if plural is not None:
                return self._form(source, key, plural, params or {})
            found = self.messages.get(source, {}).get(key)
            if found is not None:
                return found
        if self.strict:
            raise MissingMessage(key)
        return key

    def _form(
        self, lang: str, key: str, plural: tuple[str, tuple[str, ...]], params: Mapping[str, Any]
    ) -> str:
        msgid_plural, forms = plural
        number = params.get(counted_parameter(msgid_plural))
        if isinstance(number, int) and not isinstance(number, bool):
            return self.gettext[lang].ngettext(key, msgid_plural, number)
        if self.strict:
            raise MissingCount(key)
        return forms[-1]  # the form most numbers take

    def knows(self, key: str, lang: str = "he") -> bool:
        return key in self.messages.get(lang, {}) or key in self.plurals.get(lang, {})

    def texts(self, key: str) -> tuple[str, ...]:
        """Every wording of a message in every language (each form of a counted one)."""
        known = self._texts.get(key)
        if known is not None:
            return known
        found: list[str] = []
        for lang in LANGUAGES:
            if key in self.messages[lang]:
                found.append(self.messages[lang][key])
            found.extend(self.plurals[lang].get(key, ("", ()))[1])
        self._texts[key] = tuple(found)
        return self._texts[key]

    def translator(self, lang: str) -> Translator:
        return Translator(self, lang if lang in LANGUAGES else "he")


# Shorter ways to write a date, for labels that must fit a limit (a WhatsApp button): the weekday and
# day.month with the time, then without the weekday, then the day alone. English as written in
# Israel (26/11, not 11/26).
DateStyle = tuple[str, bool]  # a Babel skeleton, and whether the time follows
DATE_STYLES: tuple[DateStyle, ...] = (("MEd", True), ("Md", True), ("Md", False))
_SKELETON_LOCALE = {"en": "en_IL"}
SHORT = ".short"  # a message's shorter form, where the catalogs have one


class Translator:
    def __init__(self, catalogs: Catalogs, lang: str, date_style: DateStyle | None = None) -> None:
        self.catalogs = catalogs
        self.lang = lang
        self.date_style = date_style  # None: dates in full; else one of DATE_STYLES, and `.short` forms

    def compact(self, date_style: DateStyle) -> Translator:
        """The same language, writing each message in its `.short` form where there is one and dates
        in `date_style`: for labels that must fit a limit."""
        return Translator(self.catalogs, self.lang, date_style)

    def render(self, msg: Msg) -> str:
        key = msg.key
        if self.date_style is not None and self.catalogs.knows(key + SHORT):
            key += SHORT
        template = self.catalogs.template(key, self.lang, msg.params)
        if not msg.params:
            return template
        values = {name: self._param(value) for name, value in msg.params.items()}
        try:
            return _one_full_stop(template, values).format_map(values)
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
        if self.date_style is not None and isinstance(value, (date, TimeSpan)):
            text = self._short_date(value.starts_at if isinstance(value, TimeSpan) else value)
        elif isinstance(value, TimeSpan):
            text = self._moment(value.starts_at, value.ends_at)
        elif isinstance(value, datetime):
            text = self._moment(value)
        elif isinstance(value, date):
            text = format_date(value, "full", locale=self.lang)
        else:
            text = str(value)
        return f"{FSI}{text}{PDI}" if self.lang in RTL else text

    def _short_date(self, value: date) -> str:
        skeleton, with_time = self.date_style or DATE_STYLES[-1]
        local = value.astimezone(TIMEZONE) if isinstance(value, datetime) and value.tzinfo else value
        text = format_skeleton(skeleton, local, locale=_SKELETON_LOCALE.get(self.lang, self.lang))
        if with_time and isinstance(local, datetime):
            text += " " + format_time(local, "HH:mm", locale=self.lang)
        return text

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


def _one_full_stop(template: str, values: Mapping[str, str]) -> str:
    """A sentence that ends in a value ending with a full stop ("29 ноября 2026 г.") takes no second one."""
    for name, value in values.items():
        if value.rstrip(FSI + PDI).endswith("."):
            template = template.replace(f"{{{name}}}.", f"{{{name}}}")
    return template


def _local(moment: datetime) -> datetime:
    return moment.astimezone(TIMEZONE) if moment.tzinfo else moment

"""Which Twilio Content templates WhatsApp uses (`MIDWAY_WHATSAPP_TEMPLATES`, a TOML file).

```toml
# Choices as buttons or a list, inside the 24-hour window. Generic templates whose every text is a
# variable: "1" is the message, then for choice i (from 1) its title is variable 2i and its id
# (the payload we get back) variable 2i+1. A list has its menu button label as "2" and choice i at
# 2i+1 (title) and 2i+2 (id). A shape with no template falls back to a numbered list.
[choices]
buttons_2 = "HX…"   # twilio/quick-reply with 2 buttons
buttons_3 = "HX…"
list_4 = "HX…"      # twilio/list-picker with 4 items … up to list_10

# Business-initiated messages outside the window: an approved template per kind and language.
[kinds."reminder.event"]
variables = ["title", "when", "place"]   # Proactive.variables by name → {{1}}, {{2}}, {{3}}
he = "HX…"
en = "HX…"
default = "HX…"     # optional: for a language with no template of its own
```

A misspelled key, or a kind the scheduler never sends (`flows.registry.MESSAGE_KINDS`), stops the
assistant at start, as a misspelled program setting does.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from flows.program import LANGUAGES
from flows.registry import MESSAGE_KINDS

SHAPE = re.compile(r"(buttons_[1-3]|list_([1-9]|10))")
CONTENT_SID = re.compile(r"HX[0-9a-fA-F]{32}")
BUTTON_TITLE_MAX = 20  # WhatsApp's limits
LIST_ITEM_MAX = 24
INTERACTIVE_BODY_MAX = 1024


class TemplateConfigError(ValueError):
    pass


@dataclass(frozen=True)
class KindTemplate:
    """The approved template of one message kind, per language."""

    by_lang: Mapping[str, str]
    variables: tuple[str, ...] = ()

    def content_variables(self, values: Mapping[str, str]) -> dict[str, str]:
        if not self.variables:
            return {str(k): str(v) for k, v in values.items()}
        return {str(i): str(values.get(name, "")) for i, name in enumerate(self.variables, start=1)}


@dataclass(frozen=True)
class Templates:
    choices: Mapping[str, str] = field(default_factory=dict)
    kinds: Mapping[str, KindTemplate] = field(default_factory=dict)

    def for_kind(self, kind: str, lang: str) -> tuple[str, KindTemplate] | None:
        """The Content SID for (kind, language), or the kind's default; None when neither exists."""
        template = self.kinds.get(kind)
        if template is None:
            return None
        sid = template.by_lang.get(lang) or template.by_lang.get("default")
        return (sid, template) if sid else None


def load_templates(path: str | Path | None) -> Templates:
    if not path:
        return Templates()
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise TemplateConfigError(f"{path}: {error}") from None
    unknown = set(data) - {"choices", "kinds"}
    if unknown:
        raise TemplateConfigError(
            f"{path}: unknown section(s) {sorted(unknown)}; expected [choices] and [kinds.…]"
        )
    choices = data.get("choices", {})
    for shape, sid in choices.items():
        if not SHAPE.fullmatch(shape):
            raise TemplateConfigError(
                f"{path}: [choices] {shape!r}: use buttons_1..buttons_3 or list_1..list_10"
            )
        _check_sid(path, f"[choices] {shape}", sid)
    kinds: dict[str, KindTemplate] = {}
    for kind, entry in data.get("kinds", {}).items():
        if kind not in MESSAGE_KINDS:
            close = difflib.get_close_matches(kind, sorted(MESSAGE_KINDS), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(sorted(MESSAGE_KINDS))}"
            raise TemplateConfigError(f"{path}: [kinds]: unknown message kind {kind!r} ({hint})")
        if not isinstance(entry, dict):
            raise TemplateConfigError(f"{path}: [kinds.{kind!r}] must be a table")
        variables = entry.get("variables", [])
        if not isinstance(variables, list) or not all(isinstance(v, str) for v in variables):
            raise TemplateConfigError(f"{path}: [kinds.{kind!r}] variables must be a list of names")
        by_lang = {k: v for k, v in entry.items() if k != "variables"}
        for lang, sid in by_lang.items():
            if lang not in (*LANGUAGES, "default"):
                raise TemplateConfigError(
                    f"{path}: [kinds.{kind!r}] {lang!r} is not one of {', '.join((*LANGUAGES, 'default'))}"
                )
            _check_sid(path, f"[kinds.{kind!r}] {lang}", sid)
        kinds[kind] = KindTemplate(by_lang, tuple(variables))
    return Templates(dict(choices), kinds)


def _check_sid(path: str | Path, where: str, sid: object) -> None:
    if not isinstance(sid, str) or not CONTENT_SID.fullmatch(sid):
        raise TemplateConfigError(f"{path}: {where}: a Content SID looks like HX followed by 32 hex digits")

"""Choices as a numbered list, for channels without buttons (the console, WhatsApp fallback).

    1. כן, נתחיל
    2. לא עכשיו

A reply that is just one of those numbers presses that choice. The same mapping serves every
text-only channel, so "2" means the same thing in the terminal and on WhatsApp.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.i18n import Translator
from flows import Choice, Reply
from flows.parsing.numbers import to_ascii_digits


def numbered_text(translator: Translator, reply: Reply) -> str:
    text = translator.text(reply)
    if not any(not c.payload.startswith("g:") for c in reply.choices):
        return text  # only navigation ("back"): typing the word works, a list would be noise
    if reply.typed_numbers:  # "2" is two seats, so no choice may be number 2: answered by its words
        return f"{text}\n\n" + "\n".join(f"• {translator.render(c.label)}" for c in reply.choices)
    lines = [f"{i}. {translator.render(c.label)}" for i, c in enumerate(reply.choices, start=1)]
    hint = translator.render_key("common.choose_number")
    return f"{text}\n\n{hint}\n" + "\n".join(lines)


def choice_for_number(text: str, choices: Sequence[Choice]) -> str | None:
    """The payload of choice number `text`, when the text is only a number in range."""
    if not any(not c.payload.startswith("g:") for c in choices):
        return None  # only navigation buttons: a number is an answer (an age, a count of years)
    reply = to_ascii_digits(text).strip().rstrip(".")
    if not reply.isdigit():
        return None
    index = int(reply)
    return choices[index - 1].payload if 1 <= index <= len(choices) else None

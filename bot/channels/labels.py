"""Choice labels that fit a channel's limit (WhatsApp: 20 characters on a button, 24 in a list).

A channel that cannot show a longer label sends no buttons at all, so a label that is too long is
written again, shorter each time: the message's `.short` form where the catalogs have one, with its
dates shorter ("יום ה׳, 26.11 10:00", then "26.11 10:00", then "26.11"); a title or a name that
still does not fit is cut, with "…". The full label is what every other channel shows.
"""

from __future__ import annotations

from bot.i18n import DATE_STYLES, Translator
from flows.messages import Msg

ELLIPSIS = "…"


def fit_labels(translator: Translator, labels: list[Msg], limit: int) -> list[str]:
    """The labels of one message, each within `limit`, written alike (the dates of a list of
    events in one style): in full if they all fit, else in the first shorter style they all fit in,
    else the shortest, cutting what still does not fit."""
    texts = [translator.render(label) for label in labels]
    for style in DATE_STYLES:
        if all(len(t) <= limit for t in texts):
            return texts
        texts = [translator.compact(style).render(label) for label in labels]
    return [
        t if len(t) <= limit else _cut(translator, label, limit)
        for t, label in zip(texts, labels, strict=True)
    ]


def _cut(translator: Translator, label: Msg, limit: int) -> str:
    short = translator.compact(DATE_STYLES[-1])
    text = short.render(label)
    while len(text) > limit and (cut := _cut_longest(label)) is not None:
        label = cut
        text = short.render(label)
    return text


def _texts(msg: Msg) -> list[str]:
    """The free text inside a label (event titles, names), nested messages included."""
    found = []
    for value in msg.params.values():
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, Msg):
            found += _texts(value)
    return found


def _cut_longest(msg: Msg) -> Msg | None:
    """The label with its longest free text one character shorter; None when none can be cut."""
    texts = [t for t in _texts(msg) if len(t.removesuffix(ELLIPSIS)) > 1]
    if not texts:
        return None
    longest = max(texts, key=len)
    shorter = longest.removesuffix(ELLIPSIS)[:-1].rstrip() + ELLIPSIS
    return _replace(msg, longest, shorter)


def _replace(msg: Msg, old: str, new: str) -> Msg:
    params = {}
    for name, value in msg.params.items():
        if value == old:
            params[name] = new
        elif isinstance(value, Msg):
            params[name] = _replace(value, old, new)
        else:
            params[name] = value
    return Msg(msg.key, params)

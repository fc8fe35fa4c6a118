"""Matching a typed city to the center that serves it, forgiving typos and spellings."""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz import fuzz, process

from flows.parsing.normalize import normalize

CITY_THRESHOLD = 80


def match_center(text: str, cities_by_center: Iterable[tuple[str, Iterable[str]]]) -> str | None:
    """The slug of the center whose served cities best match `text`, or None."""
    reply = normalize(text)
    if not reply:
        return None
    choices: dict[str, str] = {}
    for slug, cities in cities_by_center:
        for city in cities:
            choices[normalize(city)] = slug
    if reply in choices:
        return choices[reply]
    best = process.extractOne(reply, list(choices), scorer=fuzz.WRatio, score_cutoff=CITY_THRESHOLD)
    if best is None:
        return None
    name = best[0]
    # WRatio rewards partial matches; keep them only when the reply is not much longer than the name
    if len(reply) > 2 * len(name) + 4:
        return None
    return choices[name]

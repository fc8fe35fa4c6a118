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
    best = process.extractOne(reply, list(choices), scorer=_similarity, score_cutoff=CITY_THRESHOLD)
    if best is None:
        return None
    name = best[0]
    # WRatio rewards partial matches; keep them only when the reply is not much longer than the name
    if len(reply) > 2 * len(name) + 4:
        return None
    return choices[name]


def _similarity(reply: str, name: str, **_: object) -> float:
    if len(reply) >= len(name):
        return fuzz.WRatio(reply, name)  # forgives typos and a city inside a sentence
    # A reply shorter than the name is a fragment of it: WRatio scores "a" or "תל" 90 against "tel aviv"
    # and "תל מונד" 85 against "תל אביב יפו". Accept it only as a close spelling of the whole name, or
    # as whole words of it long enough to mean that city ("ראשון" for ראשון לציון).
    if len(reply.replace(" ", "")) >= 5 and f" {reply} " in f" {name} ":
        return 100.0
    return fuzz.ratio(reply, name)

"""Matching a typed reply to one of the offered choices.

Accepted: the option's number ("2"), its label or a synonym in any of the program's languages,
a reply that contains exactly one option's label ("כן, בטח"), or a close misspelling.
The same matcher serves every channel (button payloads are matched before we get here).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from flows.parsing.normalize import normalize
from flows.parsing.numbers import to_ascii_digits

FUZZY_THRESHOLD = 84


@dataclass(frozen=True)
class Candidate:
    """An option as the matcher sees it: its value and every text that names it."""

    value: str
    texts: tuple[str, ...]


def match_choice(text: str, candidates: Sequence[Candidate], exact: bool = False) -> str | None:
    """The option a reply names: its number, its text, a part only it has, or a near spelling.
    With `exact`, only the number or the whole text."""
    reply = normalize(to_ascii_digits(text))
    if not reply:
        return None
    if reply.isdecimal():
        index = int(reply)
        return candidates[index - 1].value if 1 <= index <= len(candidates) else None
    names = [(c.value, normalize(t)) for c in candidates for t in c.texts]
    names = [(v, n) for v, n in names if n]
    same = {v for v, n in names if n == reply}
    if len(same) == 1:
        return same.pop()
    if exact:
        return None
    padded = f" {reply} "
    contained = {v for v, n in names if f" {n} " in padded}
    if len(contained) == 1:
        return contained.pop()
    if len(contained) > 1:
        # "I want a quarter of full time" names "full time" only inside "a quarter of full time": the
        # longest name wins when it holds the others. "yes no" names two options apart: ambiguous.
        hits = [(v, n) for v, n in names if f" {n} " in padded]
        longest = max(len(n) for _, n in hits)
        best = {(v, n) for v, n in hits if len(n) == longest}
        if len(best) != 1:
            return None
        value, name = best.pop()
        return value if all(f" {n} " in f" {name} " for v, n in hits if v != value) else None
    # "חצי" for "חצי משרה": every word of the reply is in the name of exactly one option
    reply_words = set(reply.split())
    partial = {v for v, n in names if reply_words <= set(n.split())}
    if len(partial) == 1:
        return partial.pop()
    scored = sorted(((fuzz.ratio(reply, n), v) for v, n in names if len(n) > 2), reverse=True)
    if scored and scored[0][0] >= FUZZY_THRESHOLD:
        top_score, top_value = scored[0]
        rivals = [v for s, v in scored if v != top_value and s >= top_score - 5]
        if not rivals:
            return top_value
    return None


def match_many(text: str, candidates: Sequence[Candidate]) -> list[str] | None:
    """Several choices at once ("1, 3" or "1 3"); None when any part is not an option."""
    reply = to_ascii_digits(text).replace(",", " ").replace("،", " ").split()
    if not reply or not all(part.isdecimal() for part in reply):
        single = match_choice(text, candidates)
        return [single] if single else None
    chosen: list[str] = []
    for part in reply:
        index = int(part)
        if not 1 <= index <= len(candidates):
            return None
        value = candidates[index - 1].value
        if value not in chosen:
            chosen.append(value)
    return chosen

"""The main conversations as golden transcripts (tests/golden/*.txt): each is replayed with the flow
backend, its state through JSON after every step, and must read exactly as the file does. After a
wanted change of wording or behaviour, `pytest tests/test_golden.py --update-golden` rewrites the
files; review their diff like code."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from flows import EventOffer, PersonFacts
from flows.context import Bookings, SessionInfo
from tests.kit import START, FlowChat
from tests.kit.golden import read, replay

GOLDEN = Path(__file__).resolve().parent / "golden"


def full_workshop() -> EventOffer:
    """A workshop at Kfar Saba in three days, all twelve seats taken, two already waiting."""
    when = (START + timedelta(days=3)).replace(hour=9)
    return EventOffer(
        ref="e7",
        title="Вводный семинар",
        starts_at=when,
        place="room 2",
        center="kfar-saba",
        kind="opening_workshop",
        sessions=(SessionInfo(when, when + timedelta(hours=3), "room 2"),),
        seats_left=0,
        capacity=12,
        taken=12,
        waiting=2,
    )


SETUPS: dict[str, Callable[[str], FlowChat]] = {
    # someone writing for the first time, on Telegram
    "participant": lambda lang: FlowChat(lang=lang, person=PersonFacts(channel="telegram")),
    # someone the pre-screen found eligible at Kfar Saba, with the center's upcoming events
    "signup": lambda lang: FlowChat(
        lang=lang,
        person=PersonFacts(channel="telegram", outcome="eligible", center="kfar-saba", track="all"),
        bookings=Bookings(events=(full_workshop(),)),
    ),
    # the manager of the Kfar Saba center
    "staff": lambda lang: FlowChat(
        lang=lang, person=PersonFacts(channel="telegram", role="manager", staff_center="kfar-saba")
    ),
}


@pytest.mark.parametrize("path", sorted(GOLDEN.glob("*.txt")), ids=lambda p: p.stem)
def test_the_conversation_reads_as_its_golden_transcript(path: Path, request: pytest.FixtureRequest) -> None:
    transcript = read(path)
    name, lang = transcript.setup
    now = replay(transcript, SETUPS[name](lang))
    if request.config.getoption("--update-golden"):
        path.write_text(now, encoding="utf-8")
    assert now == path.read_text(encoding="utf-8"), f"{path.name} differs: run with --update-golden, review"


def test_every_setup_has_a_golden_transcript() -> None:
    used = {read(p).setup[0] for p in GOLDEN.glob("*.txt")}
    assert used == set(SETUPS)

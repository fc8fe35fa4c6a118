"""The console channel end to end on SQLite: the conversation a newcomer would try first."""

from __future__ import annotations

import io

from sqlalchemy import select

from bot.channels.console import ConsoleChannel
from storage.models import ParticipantProfile, Person, PrescreenOutcome


def test_scripted_console_session_reaches_eligible_and_stores_it(app) -> None:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    console = ConsoleChannel(app.dispatcher, app.catalogs, user="ronit", out=out)
    lines = ["שלום", "1", "רונית", "1968", "כפר סבא", "כן", "3 חודשים", "חצי משרה", "25", "כן", "5", "2",
             "050-1234567"]
    console.run(lines, interactive=False)
    text = out.getvalue()
    assert "התוכנית מתאימה לכם" in text
    assert "כפר סבא" in text
    with app.db.transaction() as s:
        person = s.scalars(select(Person)).one()
        assert person.display_name == "רונית"
        assert person.phone == "+972501234567"
        assert s.scalars(select(PrescreenOutcome.outcome)).all() == ["eligible"]
        profile = s.get(ParticipantProfile, person.id)
        assert profile is not None and profile.birth_year == 1968 and profile.job_share == 0.5

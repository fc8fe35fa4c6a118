"""The console channel end to end on SQLite: the conversation a newcomer would try first."""

from __future__ import annotations

import io

from sqlalchemy import select

from bot.channels.console import ConsoleChannel
from storage.models import ParticipantProfile, Person, PrescreenOutcome


def test_scripted_console_session_reaches_eligible_and_stores_it(app) -> None:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    console = ConsoleChannel(app.dispatcher, app.catalogs, user="ronit", out=out)
    lines = ["שלום", "1", "רונית", "1968", "כפר סבא", "כן", "3 חודשים", "חצי משרה", "25", "כן", "5", "2", "1",
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


def test_a_number_after_a_reply_means_the_list_on_the_screen_or_the_open_question(app) -> None:  # type: ignore[no-untyped-def]
    """One rule for old numbers, as on WhatsApp: a reply that only informs (my status) shows the menu
    again under it, so its numbers stay live; after a reply with no list ("stop", the outcome) a
    number goes to the question still open (the menu), or, with none open, brings the menu."""
    out = io.StringIO()
    console = ConsoleChannel(app.dispatcher, app.catalogs, user="ronit", out=out)
    lines = ["שלום", "1", "רונית", "1968", "כפר סבא", "כן", "3 חודשים", "חצי משרה", "25", "כן", "5", "2", "1",
             "050-1234567"]
    console.run(lines, interactive=False)
    after_outcome = len(out.getvalue())
    console.run(["2"], interactive=False)  # nothing is open after the outcome: the menu
    assert "מה תרצו לעשות?" in out.getvalue()[after_outcome:]
    console.run(["1", "1", "הסר", "1"], interactive=False)  # status, status again, stop, status
    text = out.getvalue()[after_outcome:]
    assert "הכפתור הזה כבר לא פעיל" not in text
    assert text.count("עברתם את בדיקת ההתאמה") == 3

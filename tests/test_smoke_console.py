"""The console channel end to end on SQLite: the conversation a newcomer would try first, what falls
due for them while they chat (the console runs the scheduler; `--now` moves its clock), the calendar
file, and the commands the README gives for it."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.bootstrap import App
from bot.channels.console.adapter import ConsoleChannel, console_scheduler, files_dir
from bot.cli import main
from storage.models import ParticipantProfile, Person, PrescreenOutcome, Signup
from tests.conftest import FakeClock
from tests.events_kit import (
    at,
    borderline,
    decide,
    event,
    exposure_conference,
    job_rows,
    participant,
    sign_up,
    signup_status,
)
from tests.kit import plain
from tests.kit.prescreen import CONSOLE_HE


def test_scripted_console_session_reaches_eligible_and_stores_it(app) -> None:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    console = ConsoleChannel(app.dispatcher, app.catalogs, user="ronit", out=out)
    console.run(CONSOLE_HE, interactive=False)
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


# ---- what falls due while someone chats in the terminal (the console runs the scheduler) -------
def approved_in_console(app: App, user: str) -> tuple[int, int, int]:
    """A conference, and a borderline case of `user` on the console: (person, decision, conference)."""
    conference = exposure_conference(app, at(2026, 12, 2, 18))
    person, decision = borderline(app, user, channel="console")
    return person, decision, conference


def test_the_managers_approval_reaches_the_console_user_on_their_next_input(
    app: App, clock: FakeClock, tmp_path: Path
) -> None:
    dana, decision, conference = approved_in_console(app, "dana")
    out = io.StringIO()
    console = ConsoleChannel(app.dispatcher, app.catalogs, user="dana", out=out, files_dir=tmp_path)

    def typed() -> Iterator[str]:
        yield "שלום"
        assert "חדשות טובות" not in out.getvalue()
        assert decide(app, decision, "approve") == 0  # the manager, elsewhere
        clock.advance(minutes=5)
        yield "תודה"
        news = out.getvalue()
        assert "חדשות טובות" in news.split("> תודה")[1]  # shown after her next input
        assert "2 בדצמבר" in news.split("חדשות טובות")[1]  # the conference, to choose by number
        yield "1"

    console.run(typed(), interactive=False, scheduler=console_scheduler(app, console))
    assert signup_status(app, dana, conference) == "confirmed"


def test_the_console_claims_only_the_work_of_the_person_at_the_terminal(app: App, tmp_path: Path) -> None:
    dana, decision, _ = approved_in_console(app, "dana")
    other = participant(app, "555", channel="telegram")
    sign_up(app, other, event(app, at(2026, 11, 23, 9)))  # a reminder due tomorrow at 9
    assert decide(app, decision, "approve") == 0
    app.clock.advance(days=1)  # type: ignore[attr-defined]
    out = io.StringIO()
    ronit = ConsoleChannel(app.dispatcher, app.catalogs, user="ronit", out=out, files_dir=tmp_path)
    ronit.run(["שלום"], interactive=False, scheduler=console_scheduler(app, ronit))
    assert "חדשות טובות" not in out.getvalue() and "תזכורת" not in out.getvalue()
    assert {j.state for j in job_rows(app)} == {"pending"}  # dana's news waits for dana, the rest for serve
    console = ConsoleChannel(app.dispatcher, app.catalogs, user="dana", out=out, files_dir=tmp_path)
    console.run([], interactive=False, scheduler=console_scheduler(app, console))
    assert "חדשות טובות" in out.getvalue()  # as soon as she opens the chat
    assert [j.state for j in job_rows(app, person_id=dana)] == ["sent"]


def test_the_calendar_file_is_written_beside_the_database_and_its_path_printed(
    app: App, tmp_path: Path
) -> None:
    _, decision, conference = approved_in_console(app, "dana")
    decide(app, decision, "approve")
    out = io.StringIO()
    console = ConsoleChannel(app.dispatcher, app.catalogs, user="dana", out=out, files_dir=files_dir(app))
    console.run(["1"], interactive=False, scheduler=console_scheduler(app, console))
    path = tmp_path / f"midway-e{conference}.ics"
    assert f"[{path}]" in out.getvalue()
    assert path.read_bytes().startswith(b"BEGIN:VCALENDAR")
    assert "2026" in path.read_text()


# ---- `midway chat` as a newcomer runs it ---------------------------------------------------------
@pytest.fixture
def terminal(app: App, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> App:
    """`midway chat` on the test's database (the same file in the data directory), input piped."""
    for name in ("DATABASE_URL", "TELEGRAM_BOT_TOKEN", "TWILIO_ACCOUNT_SID", "MIDWAY_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MIDWAY_DATA_DIR", str(tmp_path))
    return app


def chat(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str, typed: str = ""
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(typed))
    code = main(["chat", *args])
    out, err = capsys.readouterr()
    return code, plain(out), err


def test_now_jumps_to_three_days_before_a_conference_and_its_reminder_is_there(
    terminal: App, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    conference = exposure_conference(terminal, at(2026, 12, 13, 9))
    ronit = participant(terminal, "ronit", channel="console")
    sign_up(terminal, ronit, conference)
    _, out, _ = chat(monkeypatch, capsys, "--user", "ronit", "--now", "2026-12-09 09:00", typed="שלום\n")
    assert "תזכורת" not in out  # four days before: not yet
    code, out, err = chat(monkeypatch, capsys, "--user", "ronit", "--now", "2026-12-10 09:00", typed="1\n")
    assert (code, err) == (0, "")
    before, _, after = out.partition("> 1")
    assert "תזכורת: כנס חשיפה" in before and "13 בדצמבר" in before  # waiting when she opened the chat
    assert "נתראה" in after  # "1": she is coming
    with terminal.db.transaction() as s:
        assert s.scalar(select(Signup.attendance_answer).where(Signup.person_id == ronit)) == "coming"


@pytest.mark.parametrize("moment", ["10/12/2026 09:00", "2026-12-10", "tomorrow", "2026-13-10 09:00"])
def test_a_now_that_is_not_a_date_and_time_is_one_line_and_exit_2(
    terminal: App, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], moment: str
) -> None:
    code, out, err = chat(monkeypatch, capsys, "--now", moment, typed="שלום\n")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "2026-12-10 09:00" in err and "Traceback" not in err


def test_the_console_user_made_staff_as_the_readme_says_finds_the_staff_menu(
    terminal: App, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            [
                "staff",
                "add",
                "--channel",
                "console",
                "--id",
                "dana",
                "--role",
                "manager",
                "--center",
                "kfar-saba",
            ]
        )
        == 0
    )
    _, out, _ = chat(monkeypatch, capsys, "--user", "dana", typed="/staff\n")
    assert "להוסיף אירוע" in out  # the staff menu, for their center
    _, out, _ = chat(monkeypatch, capsys, "--user", "ronit", typed="/staff\n")
    assert "להוסיף אירוע" not in out


def test_a_number_after_a_reply_means_the_list_on_the_screen_or_the_open_question(app) -> None:  # type: ignore[no-untyped-def]
    """One rule for old numbers, as on WhatsApp: a reply that only informs (my status) shows the menu
    again under it, so its numbers stay live; after a reply with no list ("stop", the outcome) a
    number goes to the question still open (the menu), or, with none open, brings the menu."""
    out = io.StringIO()
    console = ConsoleChannel(app.dispatcher, app.catalogs, user="ronit", out=out)
    console.run(CONSOLE_HE, interactive=False)
    after_outcome = len(out.getvalue())
    console.run(["2"], interactive=False)  # nothing is open after the outcome: the menu
    assert "מה תרצו לעשות?" in out.getvalue()[after_outcome:]
    console.run(["1", "1", "הסר", "1"], interactive=False)  # status, status again, stop, status
    text = out.getvalue()[after_outcome:]
    assert "הכפתור הזה כבר לא פעיל" not in text
    assert text.count("עברתם את בדיקת ההתאמה") == 3

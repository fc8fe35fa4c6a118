"""Who is staff, and what the shell does with a staff member's chat: `midway staff add|list|remove`,
the role setting in the program configuration, the person's facts (one statement), and the staff
effects applied with the same storage functions as `midway events` — checked again against the role.
On SQLite and PostgreSQL."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import select

from bot.bootstrap import App
from bot.cli import main
from bot.program_config import load_program
from bot.staff_cli import staff_command
from flows.program import StaffRules, program_from_dict
from flows.staff.effects import CancelEvent, CreateEvent, EditEvent, NewSessionSpec
from storage import repo
from storage import staff as staff_store
from storage.models import ChannelIdentity, Event, Person
from tests.events_kit import at, event, participant, sign_up, signup_status
from tests.kit.dispatcher import Person_

pytestmark = pytest.mark.app(db="both")

PROGRAM = load_program(None)


def run(app: App, action: str, **values: Any) -> int:
    args = {"channel": "telegram", "external_id": None, "role": None, "center": None, "name": None, **values}
    return staff_command(app, argparse.Namespace(action=action, **args))


def person_of(app: App, external_id: str) -> Person:
    with app.db.transaction() as s:
        query = select(Person).join(ChannelIdentity).where(ChannelIdentity.external_id == external_id)
        person = s.scalar(query)
        assert person is not None
        s.expunge(person)
        return person


# ---- midway staff ------------------------------------------------------------------------------
def test_staff_add_list_and_remove(app: App, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(app, "add", external_id="555", role="manager", center="kfar-saba", name="Dana") == 0
    assert "is manager at kfar-saba; can add, edit and cancel the center's events in the chat" in (
        capsys.readouterr().out
    )
    dana = person_of(app, "555")  # she never wrote to the bot: the person is made for her
    assert (dana.role, dana.display_name) == ("manager", "Dana")
    assert run(app, "add", external_id="556", role="promoter", center="modiin") == 0
    assert "events in the chat: not for this role" in capsys.readouterr().out

    assert run(app, "list") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        f"person {dana.id} Dana  manager at kfar-saba  telegram:555  manages events in the chat",
        f"person {person_of(app, '556').id}   promoter at modiin  telegram:556",
    ]
    assert run(app, "list", center="modiin") == 0
    assert "telegram:555" not in capsys.readouterr().out

    assert run(app, "remove", external_id="555") == 0
    assert person_of(app, "555").role == "participant"
    assert run(app, "remove", external_id="555") == 1
    assert "no staff member at telegram 555" in capsys.readouterr().out


def test_staff_add_needs_a_known_center_and_says_what_is_missing(
    app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(app, "add", external_id="555", role="manager", center="haifa") == 1
    assert "no center 'haifa'" in capsys.readouterr().out
    assert run(app, "add", external_id="555", role="manager") == 2
    assert run(app, "add", role="manager", center="kfar-saba") == 2
    with app.db.transaction() as s:
        assert s.scalars(select(Person).where(Person.role != "participant")).all() == []


def test_the_midway_command_takes_staff_arguments(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for key in ("DATABASE_URL", "MIDWAY_CONFIG"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("MIDWAY_DATA_DIR", str(tmp_path))
    assert (
        main(
            [
                "staff",
                "add",
                "--channel",
                "telegram",
                "--id",
                "777",
                "--role",
                "router",
                "--center",
                "tel-aviv",
            ]
        )
        == 0
    )
    assert main(["staff", "list"]) == 0
    assert "router at tel-aviv  telegram:777  manages events in the chat" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["staff", "add", "--channel", "telegram", "--id", "777", "--role", "hq", "--center", "tel-aviv"])


# ---- the role setting --------------------------------------------------------------------------
def test_a_telegram_id_is_a_number_and_a_center_must_exist_to_list_it(
    app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(app, "add", external_id="abc", role="manager", center="kfar-saba") == 1
    assert "'abc' is not a Telegram user id: it is a number" in capsys.readouterr().out
    assert run(app, "add", external_id="555", role="manager", center="kfar-saba") == 0
    capsys.readouterr()
    assert run(app, "list", center="nowhere") == 2
    assert capsys.readouterr().out == (
        "error: unknown center 'nowhere'; the centers are: kfar-saba, modiin, tel-aviv\n"
    )


@pytest.fixture
def fresh_clone(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The `midway` command as on a fresh clone: SQLite under a data directory of its own."""
    for key in ("DATABASE_URL", "MIDWAY_CONFIG", "MIDWAY_LOG_LEVEL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("MIDWAY_DATA_DIR", str(tmp_path))
    return tmp_path


@pytest.mark.parametrize(
    ("argv", "status", "said_what"),
    [
        (["events", "import", "nosuch.yaml"], 1, "error: no file 'nosuch.yaml'"),
        (["events", "edit", "3", "--capacity", "abc"], 2, "argument --capacity: invalid int value: 'abc'"),
        (
            ["meetings", "add", "--person", "1", "--promoter", "Dana", "--at", "tomorrow", "--place", "x"],
            1,
            '--at is a date and a time, "YYYY-MM-DD HH:MM"',
        ),
        (["decisions", "list", "--center", "nowhere"], 2, "unknown center 'nowhere'"),
        (["tasks", "done"], 1, "give the task id"),
        (["chat", "--lang", "fr"], 2, "the language 'fr' is not available; choose one of he, en, ru, ar"),
    ],
)
def test_every_mistake_on_the_command_line_is_one_plain_line(
    fresh_clone: Path, capsys: pytest.CaptureFixture[str], argv: list[str], status: int, said_what: str
) -> None:
    try:
        got = main(argv)
    except SystemExit as stop:  # argparse's own refusals
        got = int(stop.code or 0)
    out = capsys.readouterr()
    said = (out.out + out.err).strip()
    assert got == status and said_what in said and len(said.splitlines()) == 1, said
    assert "Traceback" not in said and "usage:" not in said


@pytest.mark.parametrize(
    ("command", "said_what"),
    [
        ("run", "TELEGRAM_BOT_TOKEN"),
        ("serve", "PUBLIC_BASE_URL"),
        ("db", "upgrade: bring the schema up to date"),
    ],
)
def test_run_serve_and_db_explain_themselves(
    capsys: pytest.CaptureFixture[str], command: str, said_what: str
) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    assert said_what in capsys.readouterr().out


def test_db_upgrade_says_one_line(fresh_clone: Path) -> None:
    import os
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "upgrade"],
        capture_output=True,
        text=True,
        env={**os.environ},
        cwd=fresh_clone,
        timeout=120,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "database is up to date\n", "")


def config(**sections: Any) -> dict[str, Any]:
    center = {"slug": "kfar-saba", "names": {"he": "כפר סבא"}, "cities": ["כפר סבא"]}
    center.update(sections.pop("center", {}))
    return {"centers": [center, {"slug": "modiin", "names": {"he": "מודיעין"}}], **sections}


def test_which_roles_manage_events_is_configuration_with_per_center_overrides() -> None:
    assert PROGRAM.staff == StaffRules(event_roles=("manager", "router"))  # the shipped file
    program = program_from_dict(
        config(staff={"event_roles": ["manager"]}, center={"staff": {"event_roles": ["manager", "promoter"]}})
    )
    assert program.may_manage_events("promoter", "kfar-saba")
    assert not program.may_manage_events("router", "kfar-saba")
    assert program.may_manage_events("manager", "modiin")
    assert not program.may_manage_events("router", "modiin")
    assert not program.may_manage_events("participant", "kfar-saba")
    assert not program.may_manage_events("manager", None)


@pytest.mark.parametrize(
    ("sections", "message"),
    [
        ({"staff": {"event_roles": ["manager", "hq"]}}, "['hq'] are not staff roles"),
        ({"staff": {"event_role": ["manager"]}}, "unknown [staff] settings: ['event_role']"),
        ({"center": {"staff": {"roles": []}}}, "unknown [centers.staff (kfar-saba)] settings"),
    ],
)
def test_a_misspelled_staff_setting_stops_the_start(sections: dict[str, Any], message: str) -> None:
    with pytest.raises(
        ValueError,
        match=message.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(").replace(")", r"\)"),
    ):
        program_from_dict(config(**sections))


# ---- the person's facts ------------------------------------------------------------------------
def test_a_staff_members_facts_come_in_the_one_statement_of_every_step(app: App) -> None:
    assert run(app, "add", external_id="555", role="router", center="modiin") == 0
    ronit = participant(app, "600")
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    with app.db.transaction() as s:
        dana, other = s.get(Person, person_of(app, "555").id), s.get(Person, ronit)
        assert dana is not None and other is not None
        sa_event.listen(app.db.engine, "before_cursor_execute", count)
        try:
            facts = repo.person_facts(s, dana, "telegram", None)
            ronit_facts = repo.person_facts(s, other, "telegram", None)
        finally:
            sa_event.remove(app.db.engine, "before_cursor_execute", count)
    assert len(statements) == 2  # one each
    assert (facts.role, facts.staff_center, facts.outcome) == ("router", "modiin", None)
    assert (ronit_facts.role, ronit_facts.staff_center) == ("participant", None)
    assert ronit_facts.center == "kfar-saba"


# ---- the staff effects, checked again ----------------------------------------------------------
def apply(app: App, external_id: str, *effects: Any) -> list[Any]:
    with app.db.transaction() as s:
        person = s.get(Person, person_of(app, external_id).id)
        assert person is not None
        return staff_store.apply_staff_effects(s, person, effects, app.clock(), app.program, "he")


NEW = CreateEvent(
    kind="networking",
    titles={"he": "נטוורקינג"},
    sessions=(NewSessionSpec(at(2026, 12, 3, 18)),),
    capacity=10,
    track="all",
    signup_required=True,
)


def test_the_shell_checks_the_role_and_the_center_again(app: App) -> None:
    run(app, "add", external_id="555", role="manager", center="kfar-saba")
    run(app, "add", external_id="556", role="promoter", center="kfar-saba")
    theirs = event(app, at(2026, 12, 6, 10), center="modiin")
    over = event(app, at(2026, 12, 7, 10))
    with app.db.transaction() as s:
        ev_row = s.get(Event, over)
        assert ev_row is not None
        ev_row.status = "cancelled"

    [refused] = apply(app, "556", NEW)
    assert refused.status == "not_allowed"
    results = apply(
        app,
        "555",
        EditEvent(f"e{theirs}", capacity=3),
        CancelEvent(f"e{theirs}"),
        CancelEvent(f"e{over}"),
        CancelEvent("e999"),
        CancelEvent("x"),
    )
    assert [r.status for r in results] == ["unavailable"] * 5
    [wrong] = apply(
        app,
        "555",
        CreateEvent(
            kind="party",
            titles={"he": "מסיבה"},
            sessions=NEW.sessions,
            capacity=None,
            track="all",
            signup_required=True,
        ),
    )
    assert wrong.status == "invalid"
    [made] = apply(app, "555", NEW)
    assert (made.action, made.status, made.title, made.starts_at) == (
        "create",
        "done",
        "נטוורקינג",
        at(2026, 12, 3, 18),
    )
    with app.db.transaction() as s:
        kinds = sorted((e.kind, e.status) for e in s.scalars(select(Event)))
        assert kinds == [
            ("networking", "active"),
            ("opening_workshop", "active"),
            ("opening_workshop", "cancelled"),
        ]
        theirs_row = s.get(Event, theirs)
        assert theirs_row is not None and theirs_row.capacity == 20


def test_more_seats_given_in_the_chat_go_to_the_waiting_list_as_with_the_cli(app: App) -> None:
    run(app, "add", external_id="555", role="manager", center="kfar-saba")
    workshop = event(app, at(2026, 12, 3, 9), capacity=1)
    first, second = participant(app, "601"), participant(app, "602")
    assert sign_up(app, first, workshop) == ("confirmed", None)
    assert sign_up(app, second, workshop) == ("waitlisted", 1)

    dana = Person_(app, "555")
    dana.send("/staff").click("לשנות אירוע").click("סדנת פתיחה").click("מספר מקומות").send("2")
    assert "בסדנת פתיחה יהיו שני מקומות." in dana.text()
    dana.click("כן, לשמור")
    assert "✅ עודכן: סדנת פתיחה" in dana.text() and dana.buttons()[0] == "➕ להוסיף אירוע"
    assert signup_status(app, second, workshop) == "offered"  # the seat is offered, as `events edit` does


def test_a_whatsapp_staff_number_is_stored_as_whatsapp_sends_it(
    app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.channels.whatsapp.adapter import sender_phone

    assert (
        run(app, "add", channel="whatsapp", external_id="050-1234567", role="manager", center="kfar-saba")
        == 0
    )
    assert "(whatsapp:+972501234567) is manager at kfar-saba" in capsys.readouterr().out
    wrote = sender_phone({"WaId": "972501234567", "From": "whatsapp:+972501234567"})
    assert person_of(app, wrote).role == "manager"  # the identity her messages arrive with

    assert run(app, "add", channel="whatsapp", external_id="12", role="manager", center="kfar-saba") == 1
    assert "'12' is not a phone number" in capsys.readouterr().out
    with app.db.transaction() as s:
        assert s.scalars(select(ChannelIdentity.external_id)).all() == ["+972501234567"]

    assert run(app, "remove", channel="whatsapp", external_id="0501234567") == 0
    assert person_of(app, wrote).role == "participant"
    assert run(app, "remove", channel="whatsapp", external_id="abc") == 1
    assert "'abc' is not a phone number" in capsys.readouterr().out

"""The program configuration and the WhatsApp templates file: every section, key and kind is one
the code knows; a misspelling stops start-up with one line (file, section, key, likely intent)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from bot.channels.whatsapp.templates import TemplateConfigError, load_templates
from bot.cli import main
from bot.program_config import DEFAULT_CONFIG, ProgramConfigError, check_keys, load_program
from flows.event_kinds import KINDS
from flows.registry import MESSAGE_KINDS, message_kind

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = DEFAULT_CONFIG.read_text(encoding="utf-8")
SID = "HX" + "0" * 31 + "1"

# (what the shipped file has, the typo, what the one line says)
TYPOS = [
    ("[eligibility]", "[eligibilty]", "unknown section [eligibilty] (did you mean [eligibility]?)"),
    ("[scheduler]", "[schedular]", "unknown section [schedular] (did you mean [scheduler]?)"),
    (
        "resume_after_hours =",
        "resume_after_hour =",
        "[program]: unknown key 'resume_after_hour' (did you mean 'resume_after_hours'?)",
    ),
    ("min_age = 45", "min_agee = 45", "[eligibility]: unknown key 'min_agee' (did you mean 'min_age'?)"),
    (
        "night_start =",
        "night_strat =",
        "[quiet_hours]: unknown key 'night_strat' (did you mean 'night_start'?)",
    ),
    ("event_roles =", "event_role =", "[staff]: unknown key 'event_role' (did you mean 'event_roles'?)"),
    ("cities = [", "citys = [", "[[centers]] #1 (tel-aviv): unknown key 'citys' (did you mean 'cities'?)"),
    (
        'en = "Tel Aviv"',
        'eng = "Tel Aviv"',
        "[[centers]] #1 (tel-aviv) names: unknown language 'eng' (did you mean 'en'?)",
    ),
    (
        'phone = "106"',
        'phon = "106"',
        "[[centers.services]] #2 of [[centers]] #1 (tel-aviv): unknown key 'phon' (did you mean 'phone'?)",
    ),
    (
        'community_evening = ["1d"]',
        'comunity_evening = ["1d"]',
        "[reminders]: unknown kind 'comunity_evening' (did you mean 'community_evening'?)",
    ),
    (
        'confirm_attendance = ["exposure_conference"]',
        'confirm_attendance = ["exposure_conferense"]',
        "[reminders] confirm_attendance: unknown event kind 'exposure_conferense' "
        "(did you mean 'exposure_conference'?)",
    ),
]


def _with(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "program.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _typo(tmp_path: Path, right: str, wrong: str) -> Path:
    assert right in SHIPPED
    return _with(tmp_path, SHIPPED.replace(right, wrong, 1))


@pytest.mark.parametrize(("right", "wrong", "says"), TYPOS, ids=[t[1] for t in TYPOS])
def test_a_typo_stops_loading_with_one_line(tmp_path: Path, right: str, wrong: str, says: str) -> None:
    path = _typo(tmp_path, right, wrong)
    with pytest.raises(ProgramConfigError) as caught:
        load_program(path)
    assert str(caught.value) == f"{path}: {says}"


@pytest.mark.parametrize(("right", "wrong", "says"), TYPOS, ids=[t[1] for t in TYPOS])
def test_midway_prints_that_line_and_exits_2(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    right: str,
    wrong: str,
    says: str,
) -> None:
    path = _typo(tmp_path, right, wrong)
    monkeypatch.setenv("MIDWAY_CONFIG", str(path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'midway.db'}")
    assert main(["db", "upgrade"]) == 2
    out, err = capsys.readouterr()
    assert err == f"midway: {path}: {says}\n"
    assert "Traceback" not in out + err
    assert not (tmp_path / "midway.db").exists()  # refused before anything else


def test_a_center_table_typo_names_the_center(tmp_path: Path) -> None:
    path = _with(tmp_path, SHIPPED + "\n[centers.eligibility]\nmin_agee = 50\n")  # the last center
    with pytest.raises(
        ProgramConfigError,
        match=re.escape(
            "[centers.eligibility] of [[centers]] #3 (modiin): "
            "unknown key 'min_agee' (did you mean 'min_age'?)"
        ),
    ):
        load_program(path)


def test_with_nothing_close_the_known_keys_are_listed(tmp_path: Path) -> None:
    path = _typo(tmp_path, "[program]\n", "[program]\ncolour = 1\n")
    with pytest.raises(
        ProgramConfigError,
        match=re.escape(
            "[program]: unknown key 'colour'; known: handoff_reply_working_days, manager_reply_working_days, "
            "max_months_in_program, max_text_length, resume_after_hours"
        ),
    ):
        load_program(path)


def test_other_errors_are_one_line_naming_the_file(tmp_path: Path, monkeypatch, capsys) -> None:
    broken = _with(tmp_path, "[program\n")
    with pytest.raises(ProgramConfigError, match=r"program\.toml: not valid TOML"):
        load_program(broken)
    with pytest.raises(ProgramConfigError, match=r"missing\.toml: cannot read"):
        load_program(tmp_path / "missing.toml")
    wrong_role = _typo(tmp_path, 'decision_roles = ["manager"]', 'decision_roles = ["boss"]')
    monkeypatch.setenv("MIDWAY_CONFIG", str(wrong_role))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'midway.db'}")
    assert main(["db", "upgrade"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "decision_roles: ['boss'] are not staff roles" in err


def test_every_event_kind_may_have_reminder_offsets(tmp_path: Path) -> None:
    lines = "".join(f'{kind} = ["1d"]\n' for kind in KINDS if f"\n{kind} =" not in SHIPPED)
    program = load_program(_typo(tmp_path, "[reminders]\n", "[reminders]\n" + lines))
    assert all(program.scheduling.reminders.for_kind(kind) for kind in KINDS if kind in lines)


def test_the_shipped_config_loads() -> None:
    program = load_program(None)
    assert [c.slug for c in program.centers] == ["tel-aviv", "kfar-saba", "modiin"]


def test_the_readme_program_examples_name_only_known_settings() -> None:
    blocks = re.findall(r"```toml\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)
    program_blocks = [tomllib.loads(b) for b in blocks if "[kinds." not in b]
    assert program_blocks
    for data in program_blocks:
        check_keys(data, "README.md")


# ---- the WhatsApp templates file ------------------------------------------------------------------
def test_the_scheduler_gives_only_message_kinds() -> None:
    given = {
        message_kind("reminder", {}),
        message_kind("reminder", {"confirm": True}),
        message_kind("offer", {}),
        message_kind("event_moved", {}),
        message_kind("decision", {"approved": True}),
        message_kind("decision", {"approved": False}),
        *(message_kind("meeting", {"note": n}) for n in ("scheduled", "moved", "reminder")),
        message_kind("notice", {"key": "events.cancelled_notice"}),
        message_kind("notice", {"key": "meetings.cancelled_notice"}),
        message_kind("homework_assigned", {}),
        message_kind("homework_checkin", {}),
        message_kind("graduation", {}),
        message_kind("timeout", {"flow": "homework_checkin"}),  # the check-in's one reminder
        message_kind("survey_invite", {}),
        message_kind("timeout", {"flow": "survey"}),  # the survey's reminder (its invitation's timeout)
    }
    assert given == MESSAGE_KINDS


def test_every_message_kind_may_have_a_template(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    text = "".join(f'[kinds."{k}"]\nhe = "{SID}"\n' for k in sorted(MESSAGE_KINDS))
    path.write_text(text, encoding="utf-8")
    assert set(load_templates(path).kinds) == MESSAGE_KINDS


def test_the_readme_lists_the_message_kinds() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("The message kinds a template can be made for", 1)[1].split("\n\n", 2)[1]
    assert set(re.findall(r"`([a-z_]+\.[a-z_]+)`", table)) == MESSAGE_KINDS


def test_an_unknown_template_kind_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text(f'[kinds."reminder.events"]\nhe = "{SID}"\n', encoding="utf-8")
    with pytest.raises(TemplateConfigError) as caught:
        load_templates(path)
    assert str(caught.value) == (
        f"{path}: [kinds]: unknown message kind 'reminder.events' (did you mean 'reminder.event'?)"
    )
    path.write_text(f'[kinds.reminder]\nhe = "{SID}"\n', encoding="utf-8")
    with pytest.raises(TemplateConfigError, match="unknown message kind 'reminder'"):
        load_templates(path)


def test_a_retired_setting_stops_loading_and_says_what_replaced_it(tmp_path: Path) -> None:
    """`telegram_per_second` was the scheduler's own pace; the pacer shared with the replies reads
    TELEGRAM_MESSAGES_PER_SECOND. A file still setting it would believe a limit that is not applied."""
    path = _with(tmp_path, SHIPPED.replace("[scheduler]\n", "[scheduler]\ntelegram_per_second = 10\n", 1))
    with pytest.raises(ProgramConfigError) as caught:
        load_program(path)
    assert str(caught.value).startswith(f"{path}: [scheduler]: 'telegram_per_second' is no longer read")
    assert "TELEGRAM_MESSAGES_PER_SECOND" in str(caught.value)

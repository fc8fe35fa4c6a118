"""The storage layer on SQLite and on PostgreSQL: schema, deduplication, identities, state, effects,
manager decisions and centers. Every test here runs once per database (the `db_url` fixture)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.orm import Session

from bot.program_config import load_program
from flows.effects import (
    DeleteMyData,
    RecordOutcome,
    RequestHandoff,
    SaveAnswer,
    SetLanguage,
    SetOptOut,
    SetPhone,
    UpdateProfile,
)
from flows.state import Frame, State
from storage import outbox, person_export, person_links, repo, staff
from storage.db import Database, alembic_config
from storage.models import (
    Answer,
    Base,
    Center,
    ChannelIdentity,
    Conversation,
    HandoffRequest,
    InboundMessage,
    ManagerDecision,
    ParticipantProfile,
    Person,
    PrescreenOutcome,
    StaffTask,
)
from tests.kit import START
from tests.kit.tables import table_added_later as added_table

NOW = START  # Asia/Jerusalem on purpose: storage must hand back the same instant, in UTC
LATER = START + timedelta(days=3, hours=5)


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    database.upgrade()
    with database.transaction() as session:
        repo.sync_centers(session, load_program(None))
    yield database
    database.dispose()


def new_person(db: Database, external_id: str = "100", channel: str = "telegram") -> int:
    with db.transaction() as s:
        person, _, created = repo.find_or_create_person(s, channel, external_id, "he", NOW)
        assert created
        return person.id


def apply(db: Database, person_id: int, *effects: object, now: datetime = NOW) -> bool:
    with db.transaction() as s:
        person = s.get(Person, person_id)
        assert person is not None
        return repo.apply_effects(s, person, effects, now)  # type: ignore[arg-type]


def count(s: Session, model: type, *where: object) -> int:
    return s.scalar(select(func.count()).select_from(model).where(*where)) or 0  # type: ignore[arg-type]


PROFILE = UpdateProfile(
    {
        "display_name": "רונית",
        "birth_year": 1968,
        "city": "כפר סבא",
        "center": "kfar-saba",
        "out_of_work": "3_12_months",
        "job_share": 0.5,
        "experience_years": 25,
        "able_to_work": True,
        "willing_to_attend": True,
        "recruitment_source": "friend",
        "phone": "+972501234567",
    }
)


# ---- schema ----------------------------------------------------------------------------------
def test_upgrade_builds_the_schema_of_the_models_and_can_run_again(db_url: str) -> None:
    database = Database(db_url)
    try:
        database.upgrade()
        database.upgrade()  # a second deploy of the same revision changes nothing
        tables = set(inspect(database.engine).get_table_names())
        assert set(Base.metadata.tables) | {"alembic_version"} == tables
        with database.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
            head = ScriptDirectory.from_config(alembic_config(db_url)).get_current_head()
            assert context.get_current_revision() == head
    finally:
        database.dispose()


# ---- inbound log -----------------------------------------------------------------------------
def test_a_redelivered_message_is_recognised_and_the_first_row_kept(db: Database) -> None:
    with db.transaction() as s:
        assert repo.record_inbound(s, "telegram", "42", "text", NOW)
    with db.transaction() as s:
        assert not repo.record_inbound(s, "telegram", "42", "pressed", LATER)
        # the conflict leaves the transaction usable: the same id on another channel is another message
        assert repo.record_inbound(s, "whatsapp", "42", "text", LATER)
    with db.transaction() as s:
        rows = s.scalars(select(InboundMessage).order_by(InboundMessage.id)).all()
        assert [(r.channel, r.platform_message_id, r.kind) for r in rows] == [
            ("telegram", "42", "text"),
            ("whatsapp", "42", "text"),
        ]
        assert rows[0].received_at == NOW


# ---- people ----------------------------------------------------------------------------------
def test_a_person_is_created_on_first_contact_and_found_afterwards(db: Database) -> None:
    with db.transaction() as s:
        person, identity, created = repo.find_or_create_person(s, "telegram", "555", "ru", NOW)
        assert created and person.id is not None and identity.person_id == person.id
        person_id = person.id
    with db.transaction() as s:
        again, identity, created = repo.find_or_create_person(s, "telegram", "555", "he", LATER)
        assert not created and again.id == person_id
        assert again.language == "ru"  # the first contact's language, not overwritten
        other, _, created = repo.find_or_create_person(s, "whatsapp", "555", "he", LATER)
        assert created and other.id != person_id
    with db.transaction() as s:
        assert count(s, Person) == 2 and count(s, ChannelIdentity) == 2


def test_datetimes_come_back_aware_in_utc(db: Database) -> None:
    person_id = new_person(db)
    apply(db, person_id, SetOptOut(True), now=LATER)
    with db.transaction() as s:
        person = s.get(Person, person_id)  # a new session: read from the database
        assert person is not None and person.opted_out_at is not None
        for value in (person.created_at, person.opted_out_at, person.identities[0].created_at):
            assert value.tzinfo is not None and value.utcoffset() == timedelta(0)
        assert person.created_at == NOW and person.created_at.hour == NOW.astimezone(UTC).hour
        assert person.opted_out_at == LATER


def test_a_naive_datetime_is_refused(db: Database) -> None:
    with pytest.raises(Exception, match="naive"), db.transaction() as s:
        repo.find_or_create_person(s, "telegram", "1", "he", datetime(2026, 1, 1, 9, 0))


# ---- conversation state ----------------------------------------------------------------------
def test_conversation_state_round_trips_exactly(db: Database) -> None:
    person_id = new_person(db)
    state = State(
        lang="he",
        seq=7,
        frames=[
            Frame(
                "prescreen",
                node="age",
                history=["consent", "name"],
                answers={
                    "consent": "yes",
                    "name": "רונית כהן-לוי",
                    "city": {"text": "כפר סבא", "center": None},
                    "_groups": ["haredi", "single_parent"],
                    "share": 0.5,
                    "nested": {"a": [1, {"b": "ג"}]},
                },
            ),
            Frame("menu", node="item", answers={"can_continue": True}),
        ],
        last_active=NOW,
    )
    with db.transaction() as s:
        assert repo.load_state(s, person_id) is None
        repo.save_state(s, person_id, state, NOW)
    with db.transaction() as s:
        loaded = repo.load_state(s, person_id)
        assert loaded == state
        assert loaded is not None and loaded.to_json() == state.to_json()
    state.frames.pop()
    state.seq += 1
    with db.transaction() as s:
        repo.save_state(s, person_id, state, LATER)  # an update, not a second row
    with db.transaction() as s:
        assert repo.load_state(s, person_id) == state
        row = s.get(Conversation, person_id)
        assert row is not None and row.updated_at == LATER and count(s, Conversation) == 1


# ---- effects ---------------------------------------------------------------------------------
def test_save_answer_keeps_raw_text_and_value(db: Database) -> None:
    person_id = new_person(db)
    apply(
        db,
        person_id,
        SaveAnswer("prescreen", "age", "בן 57", {"age": 57, "birth_year": 1969}),
        SaveAnswer("prescreen", "groups", "1,2", ["haredi", "disability"]),
    )
    with db.transaction() as s:
        answers = s.scalars(select(Answer).order_by(Answer.id)).all()
        assert [(a.flow, a.question, a.raw_text, a.value) for a in answers] == [
            ("prescreen", "age", "בן 57", {"age": 57, "birth_year": 1969}),
            ("prescreen", "groups", "1,2", ["haredi", "disability"]),
        ]
        assert all(a.person_id == person_id and a.answered_at == NOW for a in answers)


def test_update_profile_fills_person_and_profile(db: Database) -> None:
    person_id = new_person(db)
    apply(db, person_id, PROFILE)
    with db.transaction() as s:
        person = s.get(Person, person_id)
        profile = s.get(ParticipantProfile, person_id)
        kfar_saba = repo.center_id(s, "kfar-saba")
        assert person is not None and profile is not None
        assert (person.display_name, person.phone, person.center_id) == ("רונית", "+972501234567", kfar_saba)
        assert (
            profile.birth_year,
            profile.city,
            profile.center_id,
            profile.out_of_work,
            profile.job_share,
            profile.experience_years,
            profile.able_to_work,
            profile.willing_to_attend,
            profile.recruitment_source,
        ) == (1968, "כפר סבא", kfar_saba, "3_12_months", 0.5, 25, True, True, "friend")
        assert profile.joined_at is None and profile.updated_at == NOW


def test_a_later_partial_profile_update_keeps_what_it_does_not_mention(db: Database) -> None:
    person_id = new_person(db)
    apply(db, person_id, PROFILE)
    apply(db, person_id, UpdateProfile({"city": "מודיעין"}), now=LATER)
    with db.transaction() as s:
        person = s.get(Person, person_id)
        profile = s.get(ParticipantProfile, person_id)
        assert person is not None and profile is not None
        assert profile.city == "מודיעין" and profile.birth_year == 1968 and profile.updated_at == LATER
        assert person.center_id == profile.center_id == repo.center_id(s, "kfar-saba")


def test_an_eligible_outcome_records_it_and_sets_joined_at(db: Database) -> None:
    person_id = new_person(db)
    apply(db, person_id, PROFILE, RecordOutcome("eligible", "kfar-saba"))
    apply(db, person_id, RecordOutcome("eligible", "kfar-saba"), now=LATER)  # joined once, at the first
    with db.transaction() as s:
        outcomes = s.scalars(select(PrescreenOutcome).order_by(PrescreenOutcome.id)).all()
        kfar_saba = repo.center_id(s, "kfar-saba")
        assert [(o.outcome, o.center_id, o.decided_at) for o in outcomes] == [
            ("eligible", kfar_saba, NOW),
            ("eligible", kfar_saba, LATER),
        ]
        profile = s.get(ParticipantProfile, person_id)
        assert profile is not None and profile.joined_at == NOW
        assert count(s, ManagerDecision) == 0
        person = s.get(Person, person_id)
        assert person is not None
        facts = repo.person_facts(s, person, "telegram", None)
        assert (facts.outcome, facts.center, facts.phone) == ("eligible", "kfar-saba", "+972501234567")


def test_a_borderline_outcome_waits_for_the_manager(db: Database) -> None:
    person_id = new_person(db)
    due = date(2026, 11, 25)
    apply(
        db,
        person_id,
        PROFILE,
        RecordOutcome("manager_decision", "kfar-saba", reasons=("age_margin",), decision_due=due),
    )
    with db.transaction() as s:
        outcome = s.scalars(select(PrescreenOutcome)).one()
        decision = s.scalars(select(ManagerDecision)).one()
        assert outcome.outcome == "manager_decision" and outcome.reasons == ["age_margin"]
        assert (
            decision.person_id,
            decision.outcome_id,
            decision.center_id,
            decision.status,
            decision.due_by,
            decision.reasons,
            decision.created_at,
        ) == (person_id, outcome.id, repo.center_id(s, "kfar-saba"), "pending", due, ["age_margin"], NOW)
        profile = s.get(ParticipantProfile, person_id)
        assert profile is not None and profile.joined_at is None


def test_not_eligible_keeps_reasons_and_referral(db: Database) -> None:
    person_id = new_person(db)
    apply(db, person_id, PROFILE, RecordOutcome("not_eligible", None, ("age",), referral_suggested=True))
    with db.transaction() as s:
        outcome = s.scalars(select(PrescreenOutcome)).one()
        assert (outcome.outcome, outcome.center_id, outcome.reasons, outcome.referral_suggested) == (
            "not_eligible",
            None,
            ["age"],
            True,
        )
        assert count(s, ManagerDecision) == 0


def test_a_handoff_request_enters_the_queue_with_a_call_task_once(db: Database) -> None:
    person_id = new_person(db)
    apply(db, person_id, RequestHandoff("prescreen", "age"))
    apply(db, person_id, RequestHandoff(None, None), now=LATER)  # asked again: still one request
    with db.transaction() as s:
        rows = s.scalars(select(HandoffRequest).order_by(HandoffRequest.id)).all()
        assert [(r.person_id, r.flow, r.question, r.status, r.created_at) for r in rows] == [
            (person_id, None, None, "open", NOW),  # waiting since the first time, where they are now
        ]
        tasks = s.scalars(select(StaffTask)).all()
        assert [(t.person_id, t.kind, t.reason, t.reference, t.status) for t in tasks] == [
            (person_id, "call", "handoff", f"handoff:{rows[0].id}", "open"),
        ]


def test_opting_out_and_back_in(db: Database) -> None:
    person_id = new_person(db)
    apply(db, person_id, SetOptOut(True))
    with db.transaction() as s:
        person = s.get(Person, person_id)
        assert person is not None and person.opted_out and person.opted_out_at == NOW
    apply(db, person_id, SetOptOut(False), now=LATER)
    with db.transaction() as s:
        person = s.get(Person, person_id)
        assert person is not None and not person.opted_out and person.opted_out_at is None


def test_language_and_phone(db: Database) -> None:
    person_id = new_person(db)
    other_id = new_person(db, "200")
    apply(db, person_id, SetLanguage("ar"), SetPhone("+972501111111"))
    # typed, someone else's number is not taken over (anyone can type anyone's number)
    apply(db, other_id, UpdateProfile({"phone": "+972501111111"}))
    with db.transaction() as s:
        person, other = s.get(Person, person_id), s.get(Person, other_id)
        assert person is not None and other is not None
        assert (person.language, person.phone) == ("ar", "+972501111111")
        assert other.phone is None


def staff_or_participant(db: Database, external_id: str, role: str, center: str | None) -> int:
    person_id = new_person(db, external_id)
    if role != "participant":
        assert center is not None
        with db.transaction() as s:
            staff.make_staff(s, "telegram", external_id, role, center, NOW)
    return person_id


@pytest.mark.parametrize(
    ("keep", "other", "kept"),
    [
        (("participant", None), ("router", "modiin"), ("router", "modiin")),
        (("promoter", "kfar-saba"), ("manager", "modiin"), ("manager", "modiin")),
        (("manager", "kfar-saba"), ("promoter", "modiin"), ("manager", "kfar-saba")),
        (("router", "kfar-saba"), ("participant", None), ("router", "kfar-saba")),
        (("participant", None), ("participant", None), ("participant", None)),
    ],
)
def test_joining_two_people_keeps_the_more_privileged_role_and_its_center(
    db: Database, keep: tuple[str, str | None], other: tuple[str, str | None], kept: tuple[str, str | None]
) -> None:
    """manager > router > promoter > participant: a staff member whose number joins them to their
    own participant record (or a lesser role) stays staff, at the center of the role that stays."""
    keep_id = staff_or_participant(db, "100", *keep)
    other_id = staff_or_participant(db, "200", *other)
    with db.transaction() as s:
        kept_person, other_person = s.get(Person, keep_id), s.get(Person, other_id)
        assert kept_person is not None and other_person is not None
        repo.merge_people(s, kept_person, other_person, LATER)
    with db.transaction() as s:
        person = s.get(Person, keep_id)
        assert person is not None and s.get(Person, other_id) is None
        center = s.get(Center, person.staff_center_id) if person.staff_center_id else None
        assert (person.role, center.slug if center else None) == kept


@pytest.fixture
def pg_db(pg_url: str) -> Iterator[Database]:
    database = Database(pg_url)
    database.upgrade()
    yield database
    database.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("second", ["typed", "shared"])
@pytest.mark.parametrize("first", ["typed", "shared"])
def test_two_people_writing_one_number_at_once_both_get_on(pg_db: Database, first: str, second: str) -> None:
    """No apology for either (no unique violation escapes), and the number ends with one person: a
    typed number never takes a number or joins people; a shared one (the contact button) takes it from
    a typed holder, and joins a holder who shared it too."""
    phone = "+972502222222"
    effect = UpdateProfile({"phone": phone}) if second == "typed" else SetPhone(phone)
    first_id, second_id = new_person(pg_db, "100"), new_person(pg_db, "200")
    written, errors = threading.Event(), []

    def second_person() -> None:
        written.wait(10)
        try:
            apply(pg_db, second_id, effect)
        except BaseException as error:  # reported below
            errors.append(error)

    other = threading.Thread(target=second_person)
    other.start()
    with pg_db.transaction() as s:
        person = s.get(Person, first_id)
        assert person is not None
        mine = UpdateProfile({"phone": phone}) if first == "typed" else SetPhone(phone)
        repo.apply_effects(s, person, [mine], NOW)
        s.flush()
        written.set()
        other.join(timeout=1)
        assert other.is_alive(), "the second writer should wait for the first one's transaction"
    other.join(timeout=30)

    assert errors == []
    with pg_db.transaction() as s:
        holders = s.execute(select(Person.id, Person.phone_verified).where(Person.phone == phone)).all()
        people = set(s.scalars(select(Person.id)))
    if second == "typed":  # gives way: the first keeps the number, and nobody is joined
        assert holders == [(first_id, first == "shared")] and people >= {first_id, second_id}
    elif first == "typed":  # the shared number takes it from the one who only typed it
        assert holders == [(second_id, True)] and people >= {first_id, second_id}
    else:  # both vouched for by the platform: one person (the second, whose message was in progress)
        assert holders == [(second_id, True)] and first_id not in people


def dependents(s: Session, person_id: int) -> dict[str, int]:
    """Rows of the person in every table: `people` itself and every column with a foreign key to it
    (found from the metadata, so a table added later is checked too)."""
    people_id = Base.metadata.tables["people"].c.id
    found = {"people": s.scalar(select(func.count()).where(people_id == person_id)) or 0}
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.references(people_id.table) for fk in column.foreign_keys):
                rows = select(func.count()).select_from(table).where(column == person_id)
                found[f"{table.name}.{column.name}"] = s.scalar(rows) or 0
    return found


def test_delete_my_data_erases_the_person_and_everything_about_them(db: Database) -> None:
    person_id = new_person(db)
    keeper_id = new_person(db, "200")
    for who in (person_id, keeper_id):
        with db.transaction() as s:
            for n in range(2):
                assert repo.record_inbound(s, "telegram", f"{who}-{n}", "text", NOW, person_id=who)
            repo.save_state(s, who, State(frames=[Frame("prescreen", node="age")]), NOW)
            outbox.record_outbound(
                s,
                person_id=who,
                channel="whatsapp",
                kind="reply",
                status="queued",
                now=NOW,
                platform_message_id=f"SM{who}",
            )
        apply(
            db,
            who,
            SaveAnswer("prescreen", "name", "רונית", "רונית"),
            RequestHandoff(None, None),
            UpdateProfile({**PROFILE.fields, "phone": f"+97250{who:07d}"}),
            RecordOutcome("eligible", "kfar-saba"),
            RecordOutcome("manager_decision", "tel-aviv", ("age_margin",), decision_due=date(2026, 11, 25)),
        )
    with db.transaction() as s:  # an event sign-up (with its reminders), a meeting, a staff task
        from flows.employment import JobReport, Salary
        from storage import cases, employment, events, homework, survey
        from storage.models import StaffTask

        program = load_program(None)
        event = events.create_event(
            s,
            center="kfar-saba",
            kind="opening_workshop",
            titles={"he": "סדנה"},
            sessions=[events.NewSession(NOW + timedelta(days=7))],
            capacity=5,
            now=NOW,
        )
        for who in (person_id, keeper_id):
            assert events.sign_up(s, who, event.id, NOW, program)[0] == "confirmed"
            events.create_meeting(
                s,
                person_id=who,
                promoter="Dana",
                starts_at=NOW + timedelta(days=3),
                place="room 2",
                kind="personal",
                now=NOW,
                program=program,
            )
            s.add(StaffTask(person_id=who, kind="call", reason="test", status="open", created_at=NOW))
            homework.assign(
                s,
                person_id=who,
                kind="free",
                text="לספר לחבר שאני מחפשת עבודה",
                due=(NOW + timedelta(days=7)).date(),
                now=NOW,
                program=program,
            )
            employment.record_report(  # an employment period, with the graduation it arms
                s,
                who,
                JobReport(NOW.date(), working=True, since=NOW.date(), percent=50, salary=Salary(7000, 7000)),
                NOW,
            )
            cases.close_case(s, who, "moved_away", NOW, program)
            survey.send_now(s, who, NOW, program)
    with db.transaction() as s:
        before = dependents(s, person_id)
        assert all(before.values()), before  # every table that can hold the person does
        exported = person_export.export_person(s, person_id)  # and `midway export person` has each row
        assert {f"{t}.person_id": len(rows) for t, rows in exported["tables"].items()} == {
            k: n for k, n in before.items() if k != "people"
        }
        assert {name.split(".")[0] for name in before} == set(Base.metadata.tables) - {
            "centers",
            "events",
            "event_sessions",
            "hosted_files",
            "processes",
        }  # hosted files: an event's .ics, no one's; processes: the running processes

    with db.transaction() as s:
        person = s.get(Person, person_id)
        assert person is not None
        assert repo.apply_effects(s, person, [DeleteMyData(), SetOptOut(True)], LATER) is False

    with db.transaction() as s:
        assert not any(dependents(s, person_id).values())
        mine = InboundMessage.platform_message_id.like(f"{person_id}-%")
        orphans = s.scalars(select(InboundMessage).where(mine))
        assert [m.person_id for m in orphans] == [None, None]  # the id-only log stays, unlinked
        assert all(dependents(s, keeper_id).values())
        assert count(s, Center) == 3


@pytest.fixture
def table_added_later(db: Database) -> Iterator[Table]:
    with added_table(db.engine) as table:
        yield table


def test_a_table_added_later_is_erased_and_merged_with_the_person(
    db: Database, table_added_later: Table
) -> None:
    erased, kept, joined = new_person(db, "100"), new_person(db, "200"), new_person(db, "300")
    with db.transaction() as s:
        for who in (erased, kept, joined):
            s.execute(table_added_later.insert().values(participant_id=who, note=f"of {who}"))
    with db.transaction() as s:
        repo.delete_person(s, erased)
    with db.transaction() as s:
        keep, other = s.get(Person, kept), s.get(Person, joined)
        assert keep is not None and other is not None
        repo.merge_people(s, keep, other, LATER)
    with db.transaction() as s:
        rows = s.execute(select(table_added_later.c.participant_id, table_added_later.c.note)).all()
        assert sorted(rows) == [(kept, f"of {kept}"), (kept, f"of {joined}")]


def test_every_table_where_a_key_holds_the_person_says_how_two_people_become_one() -> None:
    """Moving the other's rows over would collide where a key holds the person (one conversation, one
    sign-up per event): each such table needs its own way to merge (`repo.SETTLED_FIRST`)."""
    assert person_links.one_per_person() == set(repo.SETTLED_FIRST)
    later = MetaData()
    Table("people", later, Column("id", Integer, primary_key=True))
    Table(
        "survey_answers",
        later,
        Column("id", Integer, primary_key=True),
        Column("quarter", String(7)),
        Column("person_id", ForeignKey("people.id")),
        UniqueConstraint("quarter", "person_id"),
    )
    Table(
        "notes", later, Column("id", Integer, primary_key=True), Column("person_id", ForeignKey("people.id"))
    )
    assert person_links.one_per_person(later) == {"survey_answers"}  # a new one would fail the check above


# ---- staff: manager decisions ----------------------------------------------------------------
def borderline(db: Database, external_id: str, center: str, due: date) -> int:
    person_id = new_person(db, external_id)
    apply(
        db,
        person_id,
        UpdateProfile({**PROFILE.fields, "center": center, "phone": None}),
        RecordOutcome("manager_decision", center, ("age_margin",), decision_due=due),
    )
    return person_id


def test_pending_decisions_are_listed_by_due_date_and_center(db: Database) -> None:
    late = borderline(db, "1", "kfar-saba", date(2026, 11, 27))
    early = borderline(db, "2", "kfar-saba", date(2026, 11, 24))
    modiin = borderline(db, "3", "modiin", date(2026, 11, 25))
    with db.transaction() as s:
        assert [p.id for _, p in repo.pending_decisions(s)] == [early, modiin, late]
        assert [p.id for _, p in repo.pending_decisions(s, "kfar-saba")] == [early, late]
        assert repo.pending_decisions(s, "tel-aviv") == []


def test_approving_a_decision_makes_the_person_a_participant(db: Database) -> None:
    person_id = borderline(db, "1", "kfar-saba", date(2026, 11, 25))
    with db.transaction() as s:
        [(decision, person)] = repo.pending_decisions(s)
        decision_id = decision.id
        assert person.id == person_id
    with db.transaction() as s:
        decided = repo.decide(
            s, decision_id, approve=True, by="Dana (manager)", note="experience abroad", now=LATER
        )
        assert decided.status == "approved"
    with db.transaction() as s:
        decision = s.get(ManagerDecision, decision_id)
        assert decision is not None
        assert (decision.status, decision.decided_at, decision.decided_by, decision.note) == (
            "approved",
            LATER,
            "Dana (manager)",
            "experience abroad",
        )
        latest = s.scalars(select(PrescreenOutcome).order_by(PrescreenOutcome.id.desc())).first()
        assert latest is not None and (latest.outcome, latest.center_id, latest.decided_at) == (
            "eligible",
            decision.center_id,
            LATER,
        )
        profile = s.get(ParticipantProfile, person_id)
        assert profile is not None and profile.joined_at == LATER
        assert repo.pending_decisions(s) == []
    with pytest.raises(LookupError), db.transaction() as s:
        repo.decide(s, decision_id, approve=False, by="someone else", note=None, now=LATER)
    with db.transaction() as s:
        decision = s.get(ManagerDecision, decision_id)
        assert decision is not None and decision.status == "approved"  # the second decision changed nothing


def test_rejecting_a_decision_and_deciding_an_unknown_one(db: Database) -> None:
    person_id = borderline(db, "1", "modiin", date(2026, 11, 25))
    with db.transaction() as s:
        [(decision, _)] = repo.pending_decisions(s)
        repo.decide(s, decision.id, approve=False, by="Dana", note=None, now=LATER)
    with db.transaction() as s:
        latest = s.scalars(select(PrescreenOutcome).order_by(PrescreenOutcome.id.desc())).first()
        assert latest is not None and latest.outcome == "not_eligible"
        profile = s.get(ParticipantProfile, person_id)
        assert profile is not None and profile.joined_at is None
    with pytest.raises(LookupError), db.transaction() as s:
        repo.decide(s, 999_999, approve=True, by="Dana", note=None, now=LATER)


def test_two_managers_deciding_at_once_decide_once(db: Database) -> None:
    """The second manager waits for the first one's commit and then finds the case decided."""
    borderline(db, "1", "kfar-saba", date(2026, 11, 25))
    with db.transaction() as s:
        [(decision, _)] = repo.pending_decisions(s)
        decision_id = decision.id
    second: list[object] = []

    def reject() -> None:
        try:
            with db.transaction() as s:
                decided = repo.decide(s, decision_id, approve=False, by="Yossi", note=None, now=LATER)
                second.append(decided.status)
        except LookupError as error:
            second.append(error)

    with db.transaction() as s:
        repo.decide(s, decision_id, approve=True, by="Dana", note=None, now=LATER)
        s.flush()
        other = threading.Thread(target=reject)
        other.start()
        other.join(timeout=0.5)
        assert other.is_alive(), "the second manager should wait for the first one's transaction"
    other.join(timeout=30)
    assert len(second) == 1 and isinstance(second[0], LookupError)
    with db.transaction() as s:
        decision = s.get(ManagerDecision, decision_id)
        assert decision is not None and (decision.status, decision.decided_by) == ("approved", "Dana")
        outcomes = s.scalars(select(PrescreenOutcome.outcome).order_by(PrescreenOutcome.id)).all()
        assert outcomes == ["manager_decision", "eligible"]


# ---- centers ---------------------------------------------------------------------------------
def test_sync_centers_creates_the_shipped_centers_once(db_url: str) -> None:
    database = Database(db_url)
    database.upgrade()
    program = load_program(None)
    try:
        for _ in range(2):
            with database.transaction() as s:
                repo.sync_centers(s, program)
            with database.transaction() as s:
                centers = {c.slug: c for c in s.scalars(select(Center))}
                assert sorted(centers) == ["kfar-saba", "modiin", "tel-aviv"]
                for center in centers.values():
                    assert set(center.names) == {"he", "en", "ru", "ar"} and all(center.names.values())
                    assert center.cities and center.services and center.parent_id is None
                assert centers["kfar-saba"].names["he"] == "כפר סבא"
                assert centers["tel-aviv"].names["en"] == "Tel Aviv"
                assert {"*6070", "106"} <= {s["phone"] for s in centers["modiin"].services}
    finally:
        database.dispose()


def test_sqlite_syncs_at_checkpoints_unless_told_to_sync_every_commit(tmp_path: Path) -> None:
    def synchronous(db: Database) -> int:
        with db.transaction() as s:
            return int(s.execute(text("PRAGMA synchronous")).scalar_one())

    default = Database(f"sqlite:///{tmp_path / 'a.sqlite'}")
    full = Database(f"sqlite:///{tmp_path / 'b.sqlite'}", sqlite_synchronous="full")
    assert (synchronous(default), synchronous(full)) == (1, 2)  # NORMAL, FULL
    default.dispose()
    full.dispose()
    with pytest.raises(ValueError, match="NORMAL or FULL"):
        Database(f"sqlite:///{tmp_path / 'c.sqlite'}", sqlite_synchronous="OFF")

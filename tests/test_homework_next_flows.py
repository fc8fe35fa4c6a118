"""After a meeting, in the staff chat (flows/homework/next_task.py), the flows alone: the promoter marks
the meeting's attendance and gives "the next task" right there — a task of the catalog with its
count, or one in their own words — with a due date; in Hebrew and Russian. The state goes through
JSON after every step."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import pytest

from flows import Context, Input, PersonFacts, Reply, State, step
from flows.context import StaffMeetingFacts
from flows.homework import MeetingResult, meeting_result_replies
from flows.homework.effects import AssignHomework, MarkAttendance
from tests.kit import CATALOGS, START, FlowChat

PROMOTER = PersonFacts(channel="telegram", role="promoter", staff_center="kfar-saba")
ROUTER = replace(PROMOTER, role="router")
RUTH = StaffMeetingFacts("m3", "רות", START - timedelta(minutes=50), "confirmed", "Dana")
YOSSI = StaffMeetingFacts("m4", "יוסי", START - timedelta(days=1), "attended", "Dana")


@dataclass
class MeetingChat(FlowChat):
    meetings: tuple[StaffMeetingFacts, ...] = (RUTH, YOSSI)
    person: PersonFacts = field(default_factory=lambda: PROMOTER)

    def feed(self, inp: Input) -> FlowChat:
        ctx = Context(
            program=self.program,  # type: ignore[arg-type]
            lexicon=CATALOGS,
            person=self.person,
            staff_meeting_list=self.meetings,
        )
        sprint = step(self.state, inp, self.now, ctx)
        self.state = State.from_json(sprint.state.to_json())
        self.last_batch = [r for r in sprint.replies if isinstance(r, Reply)]
        self.replies += self.last_batch
        self.effects += sprint.effects
        self.now += timedelta(seconds=5)
        return self


WORDS = {
    "he": {
        "task": "נוכחות ומשימה",
        "attended": "הגעה",
        "no_show": "אי־הגעה",
        "next": "המשימה הבאה",
        "cv": "לשלוח קורות חיים",
        "free": "משימה אחרת",
        "none": "בלי משימה הפעם",
        "count": "לכמה משרות",
        "week": "בעוד שבוע",
        "due": "עד מתי",
        "give": "לשלוח את המשימה",
        "summary": "למצוא 5 משרות מתאימות",
        "not_ahead": "אחרי היום",
        "no_meetings": "אין פגישות מהשבוע האחרון",
    },
    "ru": {
        "task": "Встречи: явка",
        "attended": "Явка",
        "no_show": "Неявка",
        "next": "Следующее задание",
        "cv": "Отправить резюме",
        "free": "Другое задание",
        "none": "Без задания",
        "count": "На сколько вакансий",
        "week": "Через неделю",
        "due": "К какому сроку",
        "give": "Отправить задание",
        "summary": "Найти 5 подходящих вакансий",
        "not_ahead": "позже сегодняшней",
        "no_meetings": "нет встреч",
    },
}
LANGS = list(WORDS)


def at_meetings(lang: str, **kw: object) -> MeetingChat:
    chat = MeetingChat(lang=lang, **kw)  # type: ignore[arg-type]
    chat.send("/staff").click(WORDS[lang]["task"])
    return chat


@pytest.mark.parametrize("lang", LANGS)
def test_after_marking_attended_the_promoter_gives_a_counted_catalog_task_with_a_due_date(lang: str) -> None:
    w = WORDS[lang]
    chat = at_meetings(lang)
    assert [b.split(" ")[0] for b in chat.buttons()][:1] == ["רות"]  # the latest meeting first
    assert chat.buttons()[1].startswith("✓")  # Yossi's is marked already (it may be corrected)
    chat.click("רות")
    assert "רות" in chat.last_text()
    chat.click(w["attended"])
    assert chat.effects_of(MarkAttendance) == [MarkAttendance("m3", "attended")]
    assert w["next"] in chat.last_text() and "רות" in chat.last_text()
    assert len(chat.buttons()) == 8  # five tasks of the catalog, one's own words, none, back
    chat.click(w["cv"])
    assert w["count"] in chat.last_text()
    chat.send("5")  # typed: the count itself, not the fifth button
    assert w["due"] in chat.last_text()
    chat.send("22.11")  # today: not ahead
    assert w["not_ahead"] in chat.last_text()
    chat.click(w["week"])
    assert w["summary"] in chat.last_text()
    chat.click(w["give"])
    assert chat.effects_of(AssignHomework) == [
        AssignHomework("m3", "cv_to_jobs", date(2026, 11, 29), 5, None)
    ]


@pytest.mark.parametrize("lang", LANGS)
def test_a_task_in_the_promoters_own_words_by_a_typed_date(lang: str) -> None:
    w = WORDS[lang]
    chat = at_meetings(lang).click("רות").click(w["attended"]).click(w["free"])
    chat.send("לעדכן את הפרופיל בלינקדאין").send("3.12").click(w["give"])
    assert chat.effects_of(AssignHomework) == [
        AssignHomework("m3", "free", date(2026, 12, 3), None, "לעדכן את הפרופיל בלינקדאין")
    ]


@pytest.mark.parametrize("lang", LANGS)
def test_a_no_show_gets_no_next_task_and_none_this_time_gives_none(lang: str) -> None:
    w = WORDS[lang]
    chat = at_meetings(lang).click("רות").click(w["no_show"])
    assert chat.effects_of(MarkAttendance) == [MarkAttendance("m3", "no_show")]
    assert w["next"] not in chat.last_text()
    chat = at_meetings(lang).click("רות").click(w["attended"]).click(w["none"])
    assert not chat.effects_of(AssignHomework)


@pytest.mark.parametrize("lang", LANGS)
def test_with_no_meeting_begun_lately_the_staff_are_told(lang: str) -> None:
    chat = at_meetings(lang, meetings=())
    assert WORDS[lang]["no_meetings"] in chat.text()


def test_the_task_is_not_offered_to_a_role_the_program_does_not_allow() -> None:
    chat = MeetingChat(person=ROUTER).send("/staff")
    assert not any("נוכחות" in b for b in chat.buttons())


@pytest.mark.parametrize("lang", LANGS)
def test_what_the_shell_did_is_told_in_the_staff_members_words(lang: str) -> None:
    def said(result: MeetingResult) -> str:
        (reply,) = meeting_result_replies(result, lang)
        return CATALOGS.translator(lang).text(reply)  # type: ignore[arg-type]

    assert "רות" in said(MeetingResult("attendance", "done", "רות", "attended"))
    assert "רות" in said(MeetingResult("homework", "done", "רות", due=date(2026, 11, 29)))
    assert said(MeetingResult("homework", "unavailable")) != said(MeetingResult("homework", "not_allowed"))

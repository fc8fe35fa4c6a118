"""Homework in the chat, as the participant reads it (Hebrew and Russian): the check-in on the due
date and each of its answers, the one reminder and the silence after it, and "my tasks" from the menu."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import pytest

from flows import Context, Msg, PersonFacts
from flows.context import HomeworkFacts
from flows.effects import RequestHandoff, UpdateProfile
from flows.homework.effects import HomeworkUnanswered, ReportHomework
from tests.kit import CATALOGS, FlowChat

CV = HomeworkFacts("hw7", "cv_to_jobs", date(2026, 11, 22), count=5)
ASK = HomeworkFacts("hw8", "which_job", date(2026, 11, 30), overdue=True)
PARTICIPANT = PersonFacts(outcome="eligible", center="kfar-saba")


@dataclass
class HomeworkChat(FlowChat):
    """The chat kit with the person's open tasks, as the shell loads them."""

    tasks: tuple[HomeworkFacts, ...] = (CV,)
    person: PersonFacts = field(default_factory=lambda: PARTICIPANT)

    def context(self) -> Context:
        return replace(super().context(), homework_tasks=self.tasks)

    def checkin(self, task: HomeworkFacts = CV) -> HomeworkChat:
        """The scheduler's check-in on the due date (flows/homework/proactive.py)."""
        data = {
            "homework": task.ref,
            "kind": task.kind,
            "count": task.count,
            "text": task.text,
            "due": task.due.isoformat(),
            "progress": task.progress,
        }
        self.proactive("homework_checkin", data)
        return self


WORDS = {
    "he": {
        "done": "ביצעתי",
        "partly": "ביצעתי חלק",
        "help": "אשמח לעזרה",
        "dropped": "כבר לא רלוונטי",
        "no_note": "אין הערה",
        "menu": "תפריט",
        "mine": "המשימות שלי",
        "task": "5 משרות",
        "checkin": "היום מגיע המועד",
        "reminder": "תזכורת קטנה",
        "progress": "המטרה הייתה 5 משרות",
        "new_due": "עד מתי",
        "past": "אחרי היום",
        "none": "אין לכם משימות פתוחות",
        "ask_phone": "מה מספר הטלפון",
        "no_phone": "בלי מספר טלפון",
        "skip_phone": "בלי טלפון",
    },
    "ru": {
        "done": "Выполнено",
        "partly": "Сделано частично",
        "help": "Нужна помощь",
        "dropped": "Уже не актуально",
        "no_note": "Без комментария",
        "menu": "меню",
        "mine": "Мои задания",
        "task": "5 подходящих вакансий",
        "checkin": "Сегодня срок задания",
        "reminder": "Небольшое напоминание",
        "progress": "Цель — 5 вакансий",
        "new_due": "К какому числу",
        "past": "позже сегодняшней",
        "none": "нет открытых заданий",
        "ask_phone": "номер телефона",
        "no_phone": "Без номера телефона",
        "skip_phone": "Без телефона",
    },
}
LANGS = list(WORDS)


def reported(chat: FlowChat) -> ReportHomework:
    (found,) = chat.effects_of(ReportHomework)
    return found


@pytest.mark.parametrize("lang", LANGS)
def test_the_check_in_names_the_task_and_done_is_stored_with_the_note(lang: str) -> None:
    w = WORDS[lang]
    chat = HomeworkChat(lang=lang).checkin()
    assert w["checkin"] in chat.last_text() and w["task"] in chat.last_text()
    assert len(chat.buttons()) == 4
    chat.click(w["done"]).send("שלחתי לשש, אחת כבר התקשרה")
    assert reported(chat) == ReportHomework("hw7", "done", None, None, "שלחתי לשש, אחת כבר התקשרה")
    assert not chat.effects_of(RequestHandoff)


@pytest.mark.parametrize("lang", LANGS)
def test_partly_asks_how_many_and_a_new_date_ahead(lang: str) -> None:
    w = WORDS[lang]
    chat = HomeworkChat(lang=lang).checkin().click(w["partly"])
    assert w["progress"] in chat.last_text()
    chat.send("3")
    assert w["new_due"] in chat.last_text()
    chat.send("20.11")  # already past this year: taken as next year's, too far ahead
    chat.send("22.11")  # today is not ahead
    assert w["past"] in chat.last_text()
    chat.send("29.11").click(w["no_note"])
    assert reported(chat) == ReportHomework("hw7", "partly", 3, date(2026, 11, 29), None)


@pytest.mark.parametrize("lang", LANGS)
def test_need_help_hands_off_to_the_promoter(lang: str) -> None:
    w = WORDS[lang]
    chat = HomeworkChat(lang=lang, person=replace(PARTICIPANT, phone="+972501234567"))
    chat.checkin().click(w["help"])
    assert w["ask_phone"] not in chat.last_text()  # a number on file: no need to ask
    chat.send("לא יודעת איפה לחפש")
    assert reported(chat).status == "help" and reported(chat).note == "לא יודעת איפה לחפש"
    assert chat.effects_of(RequestHandoff) == [RequestHandoff("homework", None)]


@pytest.mark.parametrize("lang", LANGS)
def test_need_help_with_no_phone_on_file_asks_for_the_number_first(lang: str) -> None:
    w = WORDS[lang]
    chat = HomeworkChat(lang=lang).checkin().click(w["help"])
    assert w["ask_phone"] in chat.last_text()  # as "talk to a person" does (flows/handoff.py)
    chat.send("052-7654321").send("לא יודעת איפה לחפש")
    assert chat.effects_of(UpdateProfile) == [UpdateProfile({"phone": "+972527654321"})]
    assert reported(chat).status == "help" and reported(chat).note == "לא יודעת איפה לחפש"
    assert chat.effects_of(RequestHandoff) == [RequestHandoff("homework", None)]


@pytest.mark.parametrize("lang", LANGS)
def test_need_help_without_giving_a_number_still_hands_off_and_says_no_one_can_call(lang: str) -> None:
    w = WORDS[lang]
    chat = HomeworkChat(lang=lang).checkin().click(w["help"]).click(w["skip_phone"]).click(w["no_note"])
    assert w["no_phone"] in chat.text()
    assert not chat.effects_of(UpdateProfile)
    assert chat.effects_of(RequestHandoff) == [RequestHandoff("homework", None)]


@pytest.mark.parametrize("lang", LANGS)
def test_not_relevant_any_more_is_stored_without_a_note(lang: str) -> None:
    w = WORDS[lang]
    chat = HomeworkChat(lang=lang).checkin().click(w["dropped"]).click(w["no_note"])
    assert reported(chat) == ReportHomework("hw7", "dropped", None, None, None)


@pytest.mark.parametrize("lang", LANGS)
def test_no_answer_brings_one_reminder_then_overdue_in_silence_and_a_late_answer_still_counts(
    lang: str,
) -> None:
    w = WORDS[lang]
    chat = HomeworkChat(lang=lang).checkin()
    asked = chat.now
    chat.time_out()
    assert chat.now - asked == timedelta(hours=24)  # the program's reminder_after_hours
    assert w["reminder"] in chat.last_text() and len(chat.buttons()) == 4
    reminded = chat.now
    chat.time_out()
    assert chat.now - reminded == timedelta(hours=24)
    assert chat.last_batch == []  # nothing more is said to them
    assert chat.effects_of(HomeworkUnanswered) == [HomeworkUnanswered("hw7")]
    chat.send(w["done"]).click(w["no_note"])  # a typed answer to the question left standing
    assert reported(chat).status == "done"


def test_no_reminder_for_a_task_told_from_the_menu_meanwhile() -> None:
    chat = HomeworkChat().checkin()
    chat.tasks = ()  # reported meanwhile: no longer open
    chat.time_out()
    assert chat.last_batch == [] and not chat.effects_of(HomeworkUnanswered)


@pytest.mark.parametrize("lang", LANGS)
def test_my_tasks_from_the_menu_lists_the_open_ones_and_asks_about_the_chosen(lang: str) -> None:
    w = WORDS[lang]
    chat = HomeworkChat(lang=lang, tasks=(CV, ASK))
    chat.send("/menu").click(w["mine"])
    assert len(chat.buttons()) >= 2 and chat.buttons()[1].startswith("⏰")  # the overdue one marked
    chat.click("⏰").click(w["partly"])
    assert w["new_due"] in chat.last_text()  # no target count: no "how many"
    chat.send("1.12").send("הייתי חולה")
    assert reported(chat) == ReportHomework("hw8", "partly", None, date(2026, 12, 1), "הייתי חולה")


@pytest.mark.parametrize("lang", LANGS)
def test_with_no_open_tasks_the_menu_says_so(lang: str) -> None:
    chat = HomeworkChat(lang=lang, tasks=())
    chat.send("/menu").click(WORDS[lang]["mine"])
    assert WORDS[lang]["none"] in chat.last_text()


def test_my_tasks_is_in_the_menu_only_for_participants_of_a_center() -> None:
    newcomer = HomeworkChat(person=PersonFacts())
    newcomer.send("/menu")
    assert "המשימות שלי" not in newcomer.buttons()
    assert CATALOGS.knows("menu.homework", "ar")


def test_russian_reads_as_written_the_due_date_beside_a_task_and_no_gender_for_the_promoter() -> None:
    chat = HomeworkChat(lang="ru", tasks=(CV,))
    chat.send("/menu").click("Мои задания")
    (label,) = chat.buttons()[:1]
    assert "срок: воскресенье, 22 ноября 2026" in label and "до воскресенье" not in label
    thanks = chat.render(Msg("homework.thanks.help"))
    assert " он " not in thanks and "свяжутся" in thanks

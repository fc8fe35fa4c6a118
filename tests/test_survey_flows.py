"""The survey in the chat, as the participant reads it (Hebrew and English): the invitation and why
it asks, every branch (working, with the occupation search and its "none of these", the salary as a
number, a range or skipped, same job as last time; not working, looking, wanting help), the one
reminder and the silence after it, leaving and coming back, the survey closing with the answers so
far kept, and "I found a job! 🎉" from the menu."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import pytest

from flows import Context, PersonFacts
from flows.context import SurveyFacts
from flows.effects import RequestHandoff
from flows.employment import Salary
from flows.survey.effects import AnswerSurvey, ExpireSurvey, SurveyReminded, SurveyUnanswered
from storage.survey import occupation_index
from tests.kit import FlowChat

PARTICIPANT = PersonFacts(outcome="eligible", center="kfar-saba")


@dataclass
class SurveyChat(FlowChat):
    """The chat kit with what the shell loads for a survey step: the occupation search, the last job."""

    last_job: str | None = None
    last_job_code: str | None = None
    last_job_text: str | None = None
    person: PersonFacts = field(default_factory=lambda: PARTICIPANT)

    def context(self) -> Context:
        facts = SurveyFacts(
            occupations=occupation_index(),
            last_job=self.last_job,
            last_job_code=self.last_job_code,
            last_job_text=self.last_job_text,
        )
        return replace(super().context(), survey=facts)

    def invite(self, days: int = 21) -> SurveyChat:
        """The scheduler's invitation on the person's day (flows/survey.PROACTIVE)."""
        data = {
            "survey": "sv5",
            "expires": (self.now + timedelta(days=days)).isoformat(),
            "last_job": self.last_job,
        }
        self.proactive("survey_invite", data)
        return self

    def report(self):  # type: ignore[no-untyped-def]
        (answered,) = self.effects_of(AnswerSurvey)
        return answered.report


WORDS = {
    "he": {
        "why": "למה אנחנו שואלים",
        "start": "בואו נתחיל",
        "yes_work": "כן, בעבודה",
        "not_work": "לא כרגע",
        "since": "ממתי",
        "occupation": "במה אתם עובדים",
        "typed": "מנהלת חשבונות",
        "none": "אף אחד מאלה",
        "full": "משרה מלאה",
        "salary": "השכר החודשי",
        "skip": "מעדיפים לא לומר",
        "self": "בעצמי",
        "program": "דרך התוכנית",
        "same": "אותה עבודה",
        "yes": "כן",
        "no": "לא",
        "looking": "מחפשים עבודה כרגע",
        "help": "יחזור אליכם",
        "help_yes": "כן, אשמח",
        "thanks": "תודה רבה",
        "reminder": "תזכורת",
        "congrats": "מזל טוב",
        "found_job": "מצאתי עבודה",
    },
    "en": {
        "why": "Why we ask",
        "start": "Let's start",
        "yes_work": "Yes, I'm working",
        "not_work": "Not at the moment",
        "since": "Since when",
        "occupation": "What is your job",
        "typed": "bookkeeper",
        "none": "None of these",
        "full": "Full time",
        "salary": "monthly salary",
        "skip": "Prefer not to say",
        "self": "On my own",
        "program": "Through the program",
        "same": "same job",
        "yes": "Yes",
        "no": "No",
        "looking": "looking for work now",
        "help": "get in touch",
        "help_yes": "Yes, please",
        "thanks": "Thank you",
        "reminder": "reminder",
        "congrats": "ongratulations",
        "found_job": "I found a job",
    },
}
LANGS = ("he", "en")


def chat(lang: str, **kw) -> SurveyChat:  # type: ignore[no-untyped-def]
    return SurveyChat(lang=lang, **kw)


@pytest.mark.parametrize("lang", LANGS)
def test_the_invitation_says_why_first_then_asks_if_working(lang: str) -> None:
    w = WORDS[lang]
    c = chat(lang).invite()
    assert w["why"] in c.text()
    assert c.buttons()[0] == w["start"]
    c.click(w["start"])
    assert w["yes_work"] in c.buttons() and w["not_work"] in c.buttons()


@pytest.mark.parametrize("lang", LANGS)
def test_working_with_an_occupation_from_the_search_and_a_salary_range(lang: str) -> None:
    w = WORDS[lang]
    c = chat(lang).invite()
    c.click(w["start"]).click(w["yes_work"])
    assert w["since"] in c.text()
    c.send("3/2025")
    assert w["occupation"] in c.text()
    c.send(w["typed"])
    options = c.buttons()
    assert 2 <= len([o for o in options if o != w["none"]]) + 1 <= 6 and w["none"] in options
    c.press(c.last_choices()[0].payload)  # the best match
    assert w["full"] in c.buttons()
    c.click(w["full"])
    assert w["salary"] in c.text()
    c.send("8000-10000")
    c.click(w["program"])
    assert w["thanks"] in c.text()
    report = c.report()
    assert report.working and report.since == date(2025, 3, 1)
    best = occupation_index().search(w["typed"])[0]
    assert report.occupation_code == best.code and best.code in ("3313", "4311")  # accounting
    assert report.occupation_text == w["typed"]
    assert report.percent == 100 and report.salary == Salary(8000, 10000)
    assert report.found_via == "program" and report.same_job is None and report.survey_id == 5
    assert not c.effects_of(RequestHandoff)


@pytest.mark.parametrize("lang", LANGS)
def test_none_of_these_keeps_their_words_and_the_salary_may_be_skipped(lang: str) -> None:
    w = WORDS[lang]
    c = chat(lang).invite()
    c.click(w["start"]).click(w["yes_work"]).send("01.2026").send(w["typed"]).click(w["none"])
    c.send("60")  # a typed percentage
    c.click(w["skip"]).click(w["self"])
    report = c.report()
    assert report.occupation_code is None and report.occupation_text == w["typed"]
    assert report.percent == 60 and report.salary is None
    assert report.found_via == "self" and report.same_job is None


def on_record(lang: str) -> SurveyChat:
    return chat(lang, last_job="Bookkeeper", last_job_code="4311", last_job_text="מנהלת חשבונות")


@pytest.mark.parametrize("lang", LANGS)
def test_with_a_job_on_record_same_job_is_asked_first_and_skips_what_does_not_change(lang: str) -> None:
    w = WORDS[lang]
    c = on_record(lang).invite()
    c.click(w["start"]).click(w["yes_work"])
    assert w["same"] in c.text() and "Bookkeeper" in c.text() and w["since"] not in c.text()
    c.click(w["yes"])
    assert c.said() == ["survey.ask_percent"]  # not since when, not the occupation
    c.send("60")
    c.send("9 000")
    assert w["thanks"] in c.text()  # not how it was found either
    report = c.report()
    assert report.same_job is True and report.since is None and report.found_via is None
    assert (report.occupation_code, report.occupation_text) == ("4311", "מנהלת חשבונות")
    assert report.percent == 60 and report.salary == Salary(9000, 9000)


@pytest.mark.parametrize("lang", LANGS)
def test_with_a_job_on_record_a_new_job_asks_everything(lang: str) -> None:
    w = WORDS[lang]
    c = on_record(lang).invite()
    c.click(w["start"]).click(w["yes_work"]).click(w["no"])
    assert w["since"] in c.text()
    c.send("01.2026").send(w["typed"]).click(w["none"]).click(w["full"]).click(w["skip"]).click(w["self"])
    report = c.report()
    assert report.same_job is False and report.since == date(2026, 1, 1)
    assert report.occupation_code is None and report.occupation_text == w["typed"]
    assert report.found_via == "self"


@pytest.mark.parametrize("lang", LANGS)
def test_back_from_the_percentage_after_same_job_returns_to_that_question(lang: str) -> None:
    w = WORDS[lang]
    c = on_record(lang).invite()
    c.click(w["start"]).click(w["yes_work"]).click(w["yes"]).send("back")
    assert w["same"] in c.text()
    c.click(w["no"])
    assert w["since"] in c.text()


def test_i_found_a_job_does_not_ask_if_it_is_the_same_job() -> None:
    c = on_record("en")
    c.send("/menu").click(WORDS["en"]["found_job"])
    assert WORDS["en"]["congrats"] in c.text() and WORDS["en"]["since"] in c.text()
    c.click(c.buttons()[0]).send("bookkeeper").click(WORDS["en"]["none"])
    c.click(WORDS["en"]["full"]).click(WORDS["en"]["skip"]).click(WORDS["en"]["program"])
    assert WORDS["en"]["same"] not in " ".join(c.said()) and c.report().same_job is None


@pytest.mark.parametrize("lang", LANGS)
def test_not_working_looking_and_wanting_help_is_a_hand_off(lang: str) -> None:
    w = WORDS[lang]
    c = chat(lang).invite()
    c.click(w["start"]).click(w["not_work"])
    assert w["looking"] in c.text()
    c.click(w["yes"])
    assert w["help"] in c.text()
    c.click(w["help_yes"])
    report = c.report()
    assert not report.working and report.looking is True and report.wants_help is True
    assert report.occupation_code is None and report.percent is None
    assert c.effects_of(RequestHandoff)


@pytest.mark.parametrize("lang", LANGS)
def test_not_working_and_not_looking_ends_without_the_help_question(lang: str) -> None:
    w = WORDS[lang]
    c = chat(lang).invite()
    c.click(w["start"]).click(w["not_work"]).click(w["no"])
    assert w["thanks"] in c.text()
    report = c.report()
    assert report.looking is False and report.wants_help is None
    assert not c.effects_of(RequestHandoff)


@pytest.mark.parametrize("lang", LANGS)
def test_bad_answers_get_a_kind_explanation(lang: str) -> None:
    w = WORDS[lang]
    c = chat(lang).invite()
    c.click(w["start"]).click(w["yes_work"])
    c.send("sometime")
    assert "3/2025" in c.text()
    c.send("5/2099")
    assert c.said()[0] == "survey.since_in_future"
    c.send("5/2024").send(w["typed"]).click(w["none"])
    c.send("250")
    assert c.said()[0] == "survey.invalid_percent"
    c.click(w["full"]).send("a lot")
    assert c.said()[0] == "survey.invalid_salary"
    c.send("8500").click(w["self"])
    assert c.report().salary == Salary(8500, 8500)


@pytest.mark.parametrize("lang", LANGS)
def test_no_answer_one_reminder_then_the_promoter_then_silence(lang: str) -> None:
    w = WORDS[lang]
    c = chat(lang).invite()
    start = c.now
    c.time_out()
    assert c.now - start == timedelta(days=3)
    assert w["reminder"] in c.text().lower() or w["reminder"] in c.text()
    assert c.effects_of(SurveyReminded) == [SurveyReminded("sv5")]
    c.time_out()
    assert c.effects_of(SurveyUnanswered) == [SurveyUnanswered("sv5")]
    assert c.last_batch == []  # nothing more is said to them
    c.send(w["start"])  # a late answer still counts
    assert w["yes_work"] in c.buttons()


@pytest.mark.parametrize("lang", LANGS)
def test_left_halfway_it_closes_with_the_answers_so_far(lang: str) -> None:
    w = WORDS[lang]
    c = chat(lang).invite(days=21)
    c.click(w["start"]).click(w["yes_work"]).send("3/2025")
    c.send("/menu")  # they leave for the menu; the survey waits underneath
    c.time_out()
    (expired,) = c.effects_of(ExpireSurvey)
    assert expired.survey == "sv5" and expired.answers["working"] == "yes"
    assert expired.answers["since"] == "2025-03-01"
    assert c.last_batch == []


@pytest.mark.parametrize("lang", LANGS)
def test_i_found_a_job_from_the_menu_runs_the_working_branch(lang: str) -> None:
    w = WORDS[lang]
    c = chat(lang)
    c.send("/menu")
    c.click(w["found_job"])
    assert w["congrats"] in c.text() and w["since"] in c.text()
    c.click(c.buttons()[0])  # this month
    c.send(w["typed"]).press(c.last_choices()[0].payload)
    c.click(w["full"]).click(w["skip"]).click(w["program"])
    assert w["congrats"] in c.text()
    (answered,) = c.effects_of(AnswerSurvey)
    assert answered.survey is None and answered.report.working
    assert answered.report.since == c.now.date().replace(day=1)
    assert answered.report.found_via == "program"


def test_the_found_a_job_entry_is_only_for_participants() -> None:
    c = SurveyChat(person=PersonFacts())
    c.send("/menu")
    assert not any("מצאתי עבודה" in b for b in c.buttons())


@pytest.mark.parametrize("lang", LANGS)
def test_looking_but_no_help_wanted_is_no_hand_off(lang: str) -> None:
    w = WORDS[lang]
    c = chat(lang).invite()
    c.click(w["start"]).click(w["not_work"]).click(w["yes"]).click(w["no"])
    report = c.report()
    assert report.looking is True and report.wants_help is False
    assert not c.effects_of(RequestHandoff)


CONTINUE = {"he": "להמשיך", "en": "Continue"}


@pytest.mark.parametrize("lang", LANGS)
def test_left_for_the_menu_it_resumes_where_they_were(lang: str) -> None:
    w = WORDS[lang]
    c = chat(lang).invite()
    c.click(w["start"]).click(w["yes_work"]).send("3/2025")
    c.send("/menu")
    c.click(CONTINUE[lang])
    assert w["occupation"] in c.text()
    c.send(w["typed"]).click(w["none"]).click(w["full"]).click(w["skip"]).click(w["self"])
    report = c.report()
    assert report.since == date(2025, 3, 1) and report.occupation_text == w["typed"]


def test_a_new_quarters_invitation_replaces_last_quarters_unfinished_one() -> None:
    c = SurveyChat()
    c.invite()  # sv5, never answered
    c.click("בואו נתחיל").click("כן, בעבודה")  # and left at "since when?"
    data = {"survey": "sv9", "expires": (c.now + timedelta(days=21)).isoformat(), "last_job": None}
    c.proactive("survey_invite", data)
    assert [f.flow for f in c.state.frames] == ["survey"]
    c.click("בואו נתחיל").click("לא כרגע").click("לא")
    assert c.said() == ["survey.thanks_not_working"]  # and nothing of the old one after it
    (answered,) = c.effects_of(AnswerSurvey)
    assert answered.survey == "sv9"


@pytest.mark.parametrize(
    ("typed", "low", "high"),
    [
        ("8 000", 8000, 8000),  # thousands grouped by a space, as Russian and Hebrew speakers write
        ("8 000 - 10 000 ₪", 8000, 10000),
        ("8\u00a0500", 8500, 8500),  # a no-break space, as a phone keyboard may put it
        ("8 500", 8500, 8500),  # one salary, not a range from 500 to 8000
        ("8.000", 8000, 8000),
        ("₪8,000", 8000, 8000),
        ("12.500-15.000", 12500, 15000),
        ("8-10 אלף", 8000, 10000),
        ("8 тыс.", 8000, 8000),
        ("8,5 тыс.", 8500, 8500),  # a decimal comma: eight and a half thousand
        ("٨٠٠٠", 8000, 8000),  # Arabic-Indic digits
        ("٨٬٠٠٠", 8000, 8000),  # with the Arabic thousands separator
    ],
)
def test_a_salary_is_read_as_people_write_it(typed: str, low: int, high: int) -> None:
    c = chat("he").invite()
    c.click(WORDS["he"]["start"]).click(WORDS["he"]["yes_work"]).send("5/2024")
    c.send(WORDS["he"]["typed"]).click(WORDS["he"]["none"]).click(WORDS["he"]["full"])
    c.send(typed).click(WORDS["he"]["self"])
    assert c.report().salary == Salary(low, high)


@pytest.mark.parametrize(
    ("typed", "said"), [("8,0000", "survey.unclear_salary"), ("8,5.3", "survey.unclear_salary")]
)
def test_a_salary_that_reads_two_ways_is_asked_again_kindly(typed: str, said: str) -> None:
    c = chat("en").invite()
    c.click(WORDS["en"]["start"]).click(WORDS["en"]["yes_work"]).send("5/2024")
    c.send(WORDS["en"]["typed"]).click(WORDS["en"]["none"]).click(WORDS["en"]["full"])
    c.send(typed)
    assert c.said()[0] == said and "8500" in c.text()
    c.send("8500").click(WORDS["en"]["self"])
    assert c.report().salary == Salary(8500, 8500)


@pytest.mark.parametrize("lang", LANGS)
def test_a_bare_number_is_never_stored_as_the_job(lang: str) -> None:
    w = WORDS[lang]
    c = chat(lang).invite()
    c.click(w["start"]).click(w["yes_work"]).send("5/2024").send(w["typed"])
    shown = len(c.last_choices())
    c.send(str(shown + 3))  # not one of the options shown: asked again
    assert c.said()[0] == "survey.invalid_occupation" and w["none"] in c.buttons()
    c.click(c.buttons()[0]).send("back")  # from the percentage question back to "what is your job?"
    assert w["occupation"] in c.text()
    for typed in ("5", " 5. ", "٥", "#3"):  # no list shown: a number is no job
        c.send(typed)
        assert c.said() == ["survey.occupation_in_words", "survey.ask_occupation"], typed
    c.send(w["typed"]).click(w["none"]).click(w["full"]).click(w["skip"]).click(w["self"])
    assert c.report().occupation_text == w["typed"]

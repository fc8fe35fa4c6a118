"""The words people really type instead of pressing a button, per language, through whole conversations.

Gathered from how older job seekers write in chats: Hebrew slang for yes ("סבבה", "יאללה"); Arabic as
Arab Israelis write it (colloquial, Hebrew loanwords in Arabic letters: "دوام كامل", "نص دوام", "اللشكة");
Russian as immigrants from the FSU name Israeli institutions ("биржа", "лишка", "ирия"), with the case
endings a sentence gives them ("на бирже", "от соседки"); "skip" where the question says it may be
skipped. Each phrase is typed to the question on screen and the answer recorded is the one meant.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from flows.effects import SaveAnswer
from flows.meetings.effects import AnswerMeeting
from tests.kit import TZ, FlowChat
from tests.test_events_flows import EventsChat

# Answers that reach every question of the pre-screen in any language (typed replies are matched
# against every language's labels), up to the phone question of an eligible person.
ON_THE_WAY = {
    "consent": "1",
    "name": "Dana",
    "age": "57",
    "city": "Kfar Saba",
    "willing": "1",
    "out_of_work": "3 months",
    "job_share": "1",
    "experience": "25",
    "able": "1",
    "groups": "5",
    "source": "2",
    "summary": "1",
}  # the summary: "yes, all correct"


def typed_to(lang: str, question: str, phrase: str) -> object:
    """What the pre-screen records when `phrase` is typed to `question`, asked in `lang`."""
    chat = FlowChat(lang=lang)
    chat.send("hello")
    while (top := chat.state.top) is not None and top.node != question:
        assert top.flow == "prescreen" and top.node in ON_THE_WAY, (top.flow, top.node)
        chat.send(ON_THE_WAY[top.node])
    chat.send(phrase)
    saved = [e.value for e in chat.effects_of(SaveAnswer) if e.question == question]
    return saved[0] if saved else None


YES_NO = {
    "he": [
        ("סבבה", "yes"),
        ("יאללה", "yes"),
        ("ברור", "yes"),
        ("בטח שכן", "yes"),
        ("כמובן", "yes"),
        ("אין בעיה", "yes"),
        ("נכון", "yes"),
        ("ממש לא", "no"),
        ("לא יכול", "no"),
        ("לא יכולה", "no"),
    ],
    "ru": [
        ("конечно", "yes"),
        ("ладно", "yes"),
        ("согласна", "yes"),
        ("разумеется", "yes"),
        ("угу", "yes"),
        ("да нет", "no"),
        ("нет, конечно", "no"),
        ("не могу", "no"),
        ("неа", "no"),
    ],
    "ar": [
        ("أكيد", "yes"),
        ("اكيد", "yes"),
        ("تمام", "yes"),
        ("ماشي", "yes"),
        ("ايوا", "yes"),
        ("يلا", "yes"),
        ("بسيدر", "yes"),
        ("لأ", "no"),
        ("ما بقدر", "no"),
        ("مش قادرة", "no"),
        ("أبدًا", "no"),
    ],
    "en": [
        ("of course", "yes"),
        ("alright", "yes"),
        ("yup", "yes"),
        ("absolutely", "yes"),
        ("nah", "no"),
        ("not really", "no"),
        ("I can't", "no"),
    ],
}
SHARE = {
    "he": [
        ("מישרה מלאה", "1.0"),
        ("פול טיים", "1.0"),
        ("חצי מישרה", "0.5"),
        ("3/4 משרה", "0.75"),
        ("חצי יום", "0.5"),
    ],
    "ru": [
        ("на полную ставку", "1.0"),
        ("полный день", "1.0"),
        ("пол ставки", "0.5"),
        ("на полставки", "0.5"),
        ("три четверти", "0.75"),
    ],
    "ar": [
        ("دوام كامل", "1.0"),
        ("فول تايم", "1.0"),
        ("نص دوام", "0.5"),
        ("نصف دوام", "0.5"),
        ("ربع دوام", "0.25"),
        ("ثلث دوام", "0.33"),
        ("تلت دوام", "0.33"),
        ("تلات ارباع دوام", "0.75"),
    ],
    "en": [("full-time", "1.0"), ("half time", "0.5"), ("three quarters", "0.75"), ("3/4", "0.75")],
}
SOURCE = {
    "he": [
        ("בלשכה", "employment_service"),
        ("שירות תעסוקה", "employment_service"),
        ("מהשכנה", "friend"),
        ("מהבת שלי", "friend"),
        ("בעיתון", "municipal_ads"),
        ("מהעירייה", "municipal_ads"),
        ("באינטרנט", "social_networks"),
        ("בקבוצה בפייסבוק", "social_networks"),
    ],
    "ru": [
        ("на бирже", "employment_service"),
        ("с биржи", "employment_service"),
        ("в лишке", "employment_service"),
        ("шерут таасука", "employment_service"),
        ("от соседки", "friend"),
        ("от соседей", "friend"),
        ("от коллеги", "friend"),
        ("от дочки", "friend"),
        ("в газете", "municipal_ads"),
        ("от ирии", "municipal_ads"),
        ("в интернете", "social_networks"),
        ("одноклассники", "social_networks"),
        ("в центре занятости", "municipal_center"),
    ],
    "ar": [
        ("من اللشكة", "employment_service"),
        ("مكتب الشغل", "employment_service"),
        ("من جارتي", "friend"),
        ("من الجيران", "friend"),
        ("حدا خبرني", "friend"),
        ("عالفيس", "social_networks"),
        ("من الواتس", "social_networks"),
        ("بالجريدة", "municipal_ads"),
    ],
    "en": [
        ("the labour office", "employment_service"),
        ("a colleague", "friend"),
        ("my daughter", "friend"),
        ("the newspaper", "municipal_ads"),
        ("online", "social_networks"),
    ],
}
SKIP = {
    "he": ["דלג", "לדלג"],
    "ru": ["пропустить", "пропущу"],
    "ar": ["تخطي", "تخطّي", "تجاوز"],
    "en": ["skip", "pass"],
}


def table(rows: dict[str, list[tuple[str, str]]]) -> list[tuple[str, str, str]]:
    return [(lang, phrase, value) for lang, pairs in rows.items() for phrase, value in pairs]


@pytest.mark.parametrize(("lang", "phrase", "value"), table(YES_NO))
def test_yes_and_no_in_the_words_people_use(lang: str, phrase: str, value: str) -> None:
    assert typed_to(lang, "able", phrase) == value


@pytest.mark.parametrize(("lang", "phrase", "value"), table(SHARE))
def test_the_job_share_in_the_words_people_use(lang: str, phrase: str, value: str) -> None:
    assert typed_to(lang, "job_share", phrase) == value


@pytest.mark.parametrize(("lang", "phrase", "value"), table(SOURCE))
def test_how_they_heard_in_the_words_people_use(lang: str, phrase: str, value: str) -> None:
    assert typed_to(lang, "source", phrase) == value


@pytest.mark.parametrize(("lang", "phrase"), [(lang, p) for lang, words in SKIP.items() for p in words])
def test_skip_where_the_question_says_it_may_be_skipped(lang: str, phrase: str) -> None:
    assert typed_to(lang, "groups", phrase) == []  # "a question you may skip": none of them
    assert typed_to(lang, "phone", phrase) == "skip"  # the button "no phone for now"


@pytest.mark.parametrize(
    ("lang", "word"),
    [("he", "כן"), ("ru", "да"), ("ar", "نعم"), ("en", "yes"), ("ar", "أكيد"), ("ru", "конечно")],
)
def test_a_meeting_is_confirmed_with_a_typed_yes(lang: str, word: str) -> None:
    """The button says "Yes, I will come" / "Подтверждаю, приду"; without buttons people type yes."""
    when = datetime(2026, 11, 26, 10, tzinfo=TZ).isoformat()
    data = {"meeting": "m3", "when": when, "place": "room 4", "promoter": "Dana", "note": "scheduled"}
    chat = EventsChat(lang=lang).proactive("meeting", data)
    chat.send(word)
    assert chat.effects_of(AnswerMeeting) == [AnswerMeeting("m3", "confirm", None)]

"""The forgiving parsers: what people type to a question, and what the pre-screen understands by it.

Each case is a reply someone could really send, in one of the program's four languages.
"""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.context import Context
from flows.declare import Invalid, View
from flows.engine import KEYWORD_INTENTS, _Run
from flows.parsing.choices import Candidate, match_choice, match_many
from flows.parsing.durations import parse_duration_days
from flows.parsing.normalize import normalize
from flows.parsing.numbers import first_number
from flows.parsing.phones import to_e164
from flows.prescreen import PRESCREEN, parse_age, parse_city, parse_job_share, parse_out_of_work, parse_years
from flows.registry import FLOWS
from flows.state import State
from tests.kit import CATALOGS, PROGRAM, START

VIEW = View(answers={}, ctx=Context(program=PROGRAM, lexicon=CATALOGS), now=START, lang="he")


def offered(question: str) -> list[Candidate]:
    """The pre-screen question's options as the engine matches typed replies to them (every language)."""
    ask = PRESCREEN.step(question)
    assert ask is not None
    options = ask.options(VIEW) if callable(ask.options) else ask.options
    return _Run(State(), VIEW.ctx, START, FLOWS).candidates(options)


# ---- ages ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "reply",
    ["57", "בן 57", "בת 57", "57 שנים", "I am 57", "חמישים ושבע", "fifty seven", "fifty-seven",
     "пятьдесят семь", "٥٧", " 57 "],
)
def test_age_written_any_way_is_57(reply: str) -> None:
    assert parse_age(reply, VIEW) == {"age": 57, "birth_year": 1969}


def test_a_birth_year_is_read_as_a_year_not_an_age() -> None:
    assert parse_age("1968", VIEW) == {"age": 58, "birth_year": 1968}  # START is in 2026
    assert parse_age("נולדתי ב-1968", VIEW)["age"] == 58


@pytest.mark.parametrize("reply", ["abc", "300", "", "15", "111", "😀"])
def test_an_unreadable_age_asks_again_kindly(reply: str) -> None:
    with pytest.raises(Invalid) as error:
        parse_age(reply, VIEW)
    assert error.value.key == "prescreen.invalid_age"


def test_first_number_prefers_digits_over_words() -> None:
    assert first_number("שבע, כלומר 7") == 7
    assert first_number("seven") == 7
    assert first_number("nothing here") is None


# ---- durations -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("reply", "days"),
    [
        ("3 חודשים", 90), ("שנתיים", 730), ("חצי שנה", 180), ("half a year", 180), ("полгода", 180),
        ("سنتين", 730), ("2 years", 730), ("שבועיים", 14), ("two weeks", 14), ("חודש", 30), ("10 ימים", 10),
        ("2 года", 730), ("שלוש שנים", 1095), ("כבר חצי שנה.", 180),
        # "and a half" adds half a unit; it does not halve the unit
        ("שנה וחצי", 548), ("a year and a half", 548), ("שנתיים וחצי", 912), ("two and a half years", 912),
        ("2.5 years", 912), ("חודש וחצי", 45), ("سنة ونصف", 548),
    ],
)
def test_durations_in_days(reply: str, days: int) -> None:
    assert parse_duration_days(reply) == days


@pytest.mark.parametrize(
    ("reply", "days"),
    [
        # "one and a half" as one word, and "two and a half" with "с половиной"
        ("полтора года", 548), ("полтора месяца", 45), ("полторы недели", 10), ("два с половиной года", 912),
        ("сорок лет", 14600),
        # colloquial Arabic numbers, and the dual ending in -ان as well as -ين
        ("تلات سنين", 1095), ("تلت سنين", 1095), ("اتنين سنين", 730), ("تمان سنين", 2920),
        ("سنتان", 730), ("سنتين", 730), ("عامان", 730), ("شهران", 60), ("أسبوعان", 14), ("يومان", 2),
    ],
)
def test_durations_as_russian_and_arabic_speakers_write_them(reply: str, days: int) -> None:
    assert parse_duration_days(reply) == days


@pytest.mark.parametrize("reply", ["5", "abc", "half", "לא יודע", ""])
def test_a_duration_needs_a_unit_of_time(reply: str) -> None:
    assert parse_duration_days(reply) is None


def test_a_typed_duration_lands_in_the_bucket_that_holds_it() -> None:
    assert parse_out_of_work("3 חודשים", VIEW) == "2m1y"
    assert parse_out_of_work("a year and a half", VIEW) == "1y3y"  # was 182 days ("half a year") before
    assert parse_out_of_work("שבועיים", VIEW) == "2w1m"  # the 2-week threshold decides cleanly
    with pytest.raises(Invalid):
        parse_out_of_work("מזמן", VIEW)


def test_years_of_experience_accept_words_and_durations() -> None:
    assert parse_years("25", VIEW) == 25
    assert parse_years("עשרים וחמש", VIEW) == 25
    assert parse_years("שנתיים", VIEW) == 2
    with pytest.raises(Invalid):
        parse_years("100", VIEW)


# ---- job share -------------------------------------------------------------------------------
@pytest.mark.parametrize(("reply", "share"), [("50%", "0.5"), ("50", "0.5"), ("0.5", "0.5"), ("100%", "1.0"),
                                               ("30%", "0.33"), ("75 אחוז", "0.75")])
def test_job_share_as_a_percentage_snaps_to_the_nearest_option(reply: str, share: str) -> None:
    assert parse_job_share(reply, VIEW) == share


@pytest.mark.parametrize("reply", ["0", "150%", "חצי"])
def test_job_share_that_is_not_a_share_is_refused_by_the_parser(reply: str) -> None:
    with pytest.raises(Invalid):
        parse_job_share(reply, VIEW)


@pytest.mark.parametrize(("reply", "share"), [("חצי", "0.5"), ("half", "0.5"), ("חצי משרא", "0.5"),
                                               ("מלאה", "1.0"), ("Full time", "1.0"), ("שליש", "0.33"),
                                               ("I want a quarter of full time", "0.25")])
def test_job_share_in_words_is_matched_to_the_offered_choices(reply: str, share: str) -> None:
    assert match_choice(reply, offered("job_share")) == share


# ---- cities and centers ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("reply", "center"),
    [
        ("כפר סבא", "kfar-saba"), ("כפר סאבא", "kfar-saba"), ("kfar sava", "kfar-saba"),
        ("Кфар Саба", "kfar-saba"), ("אני גר בכפר סבא", "kfar-saba"),
        ("חולון", "modiin"), ("Holon", "modiin"), ("Бат-Ям", "modiin"), ("בת-ים", "modiin"),
        ("ראשון", "modiin"), ("Rishon", "modiin"), ("מודעין", "modiin"), ("بات يام", "modiin"),
        ("תל-אביב יפו", "tel-aviv"), ("telaviv", "tel-aviv"), ("Яффо", "tel-aviv"), ("יפו", "tel-aviv"),
    ],
)
def test_a_city_is_matched_to_the_center_that_serves_it(reply: str, center: str) -> None:
    assert parse_city(reply, VIEW) == {"text": reply, "center": center}


@pytest.mark.parametrize(
    "reply",
    ["ירושלים", "Jerusalem", "חיפה", "באר שבע", "רמת גן",
     # fragments and towns whose names only share a word with a served city
     "a", "ab", "תל", "כפר", "ים", "Bat", "תל מונד", "Tel Mond", "כפר יונה"],
)
def test_a_city_no_center_serves_matches_none(reply: str) -> None:
    assert parse_city(reply, VIEW)["center"] is None


def test_a_city_must_contain_letters() -> None:
    with pytest.raises(Invalid) as error:
        parse_city("12345", VIEW)
    assert error.value.key == "prescreen.invalid_city"


# ---- phones ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("050-1234567", "+972501234567"), ("0501234567", "+972501234567"),
        ("+972 52-555-1234", "+972525551234"), ("972501234567", "+972501234567"),
        ("whatsapp:+972525551234", "+972525551234"),
        ("٠٥٠١٢٣٤٥٦٧", "+972501234567"), ("03-1234567", "+97231234567"), ("+1 212 555 0100", "+12125550100"),
    ],
)
def test_phone_numbers_become_e164(raw: str, e164: str) -> None:
    assert to_e164(raw) == e164


@pytest.mark.parametrize("raw", ["12345", "", "abc", "050-123"])
def test_not_a_phone_number(raw: str) -> None:
    assert to_e164(raw) is None


# ---- choosing among options ------------------------------------------------------------------
YES_NO = offered("able")


@pytest.mark.parametrize(
    ("reply", "value"),
    [
        ("1", "yes"), ("2", "no"), ("٢", "no"),  # the option's number
        ("Yes", "yes"), ("YES!", "yes"), ("No", "no"),  # a label in another language than the person's
        ("כֵּן", "yes"), ("כנ", "yes"),  # niqqud, and a final letter written as a regular one
        ("כן בטח", "yes"), ("כן, בטח", "yes"), ("לא תודה", "no"), ("לא, לא ממש", "no"),  # extra words
        ("yess", "yes"), ("👍", "yes"),
    ],
)
def test_yes_no_replies(reply: str, value: str) -> None:
    assert match_choice(reply, YES_NO) == value


@pytest.mark.parametrize("reply", ["כן לא", "yes no", "3", "0", "", "ken", "   "])
def test_ambiguous_or_unknown_replies_choose_nothing(reply: str) -> None:
    assert match_choice(reply, YES_NO) is None


def test_the_out_of_work_buttons_can_be_typed() -> None:
    buckets = offered("out_of_work")
    assert match_choice("שבועיים עד חודש", buckets) == "2w1m"
    assert match_choice("יותר מ-20 שנה", buckets) == "gt20y"
    assert match_choice("More than 20 years", buckets) == "gt20y"
    assert match_choice("שנה", buckets) is None  # two buttons mention a year: the duration parser decides


def test_several_groups_at_once_by_number() -> None:
    groups = offered("groups")
    assert match_many("1, 3", groups) == ["disability", "released_prisoner"]
    assert match_many("1 3 1", groups) == ["disability", "released_prisoner"]
    assert match_many("١،٣", groups) == ["disability", "released_prisoner"]
    assert match_many("1 9", groups) is None  # one number is not an option: nothing is guessed
    assert match_many("אף אחד מאלה", groups) == ["none"]



@pytest.mark.parametrize(
    ("reply", "value"),
    [
        ("друг", "friend"), ("от друга", "friend"), ("подруга рассказала", "friend"), ("знакомые", "friend"),
        ("חבר", "friend"), ("מחברה", "friend"), ("from a friend", "friend"), ("word of mouth", "friend"),
        ("من صديق", "friend"), ("أصدقاء", "friend"),
        ("лишка", "employment_service"), ("биржа труда", "employment_service"),
        ("מהלשכה", "employment_service"), ("לשכת התעסוקה", "employment_service"),
        ("the employment office", "employment_service"), ("مكتب العمل", "employment_service"),
        ("в фейсбуке", "social_networks"), ("פייסבוק", "social_networks"), ("facebook", "social_networks"),
        ("فيسبوك", "social_networks"),
        ("объявление", "municipal_ads"), ("מודעה", "municipal_ads"), ("a poster", "municipal_ads"),
        ("إعلان", "municipal_ads"),
        ("центр занятости", "municipal_center"), ("מרכז התעסוקה", "municipal_center"),
        ("not sure, something else", "other"), ("не помню", "other"),
    ],
)
def test_how_they_heard_in_their_own_words(reply: str, value: str) -> None:
    assert match_choice(reply, offered("source")) == value


@pytest.mark.parametrize(
    ("reply", "value"),
    [
        ("لا شيء من هذا", "none"), ("لا شيء", "none"), ("لا ينطبق", "none"), ("нет", "none"),
        ("ничего", "none"), ("none of them", "none"), ("not applicable", "none"), ("אין", "none"),
        ("לא רלוונטי", "none"),
        ("инвалидность", "disability"), ("נכה", "disability"), ("disabled", "disability"),
        ("мать-одиночка", "single_parent"), ("אם חד הורית", "single_parent"), ("single mom", "single_parent"),
        ("أم عزباء", "single_parent"),
        ("חרדית", "haredi"), ("ультраортодокс", "haredi"), ("former prisoner", "released_prisoner"),
    ],
)
def test_special_groups_in_their_own_words(reply: str, value: str) -> None:
    assert match_many(reply, offered("groups")) == [value]


@pytest.mark.parametrize("question", ["source", "groups", "able", "job_share", "out_of_work"])
def test_no_phrase_names_two_options_of_one_question(question: str) -> None:
    """Labels and synonyms of every language count in every language: one phrase, one option."""
    meaning: dict[str, set[str]] = {}
    for candidate in offered(question):
        for text in candidate.texts:
            meaning.setdefault(normalize(text), set()).add(candidate.value)
    assert {text: values for text, values in meaning.items() if len(values) > 1} == {}


@pytest.mark.parametrize("question", ["source", "groups", "able"])
def test_no_option_phrase_hides_a_keyword(question: str) -> None:
    """A reply that names an option of the question is an answer, not a keyword (menu, stop ...)."""
    keywords = {normalize(p) for name in KEYWORD_INTENTS for t in CATALOGS.texts(f"keywords.{name}")
                for p in t.split(",")}
    phrases = {normalize(t) for c in offered(question) for t in c.texts}
    assert phrases & keywords == set()

# ---- properties ------------------------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(st.text())
def test_normalize_is_idempotent_and_never_raises(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    assert once == once.strip() and "  " not in once


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_typed_replies_never_crash_the_parsers(text: str) -> None:
    for candidates in (YES_NO, offered("job_share"), offered("groups"), []):
        value = match_choice(text, candidates)
        assert value is None or value in {c.value for c in candidates}
        many = match_many(text, candidates)
        assert many is None or set(many) <= {c.value for c in candidates}
    days = parse_duration_days(text)
    assert days is None or days >= 0
    to_e164(text)
    for parser in (parse_age, parse_city, parse_job_share, parse_years):
        with contextlib.suppress(Invalid):
            parser(text, VIEW)

"""The forgiving parsers: what people type to a question, and what the pre-screen understands by it.

Each case is a reply someone could really send, in one of the program's four languages.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.context import Context
from flows.declare import Invalid, View
from flows.engine import KEYWORD_INTENTS, _Run
from flows.parsing.choices import Candidate, match_choice, match_many
from flows.parsing.durations import parse_duration_days
from flows.parsing.normalize import normalize
from flows.parsing.numbers import find_numbers, first_number, words_number
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
    [
        "57",
        "בן 57",
        "בת 57",
        "57 שנים",
        "I am 57",
        "חמישים ושבע",
        "fifty seven",
        "fifty-seven",
        "пятьдесят семь",
        "٥٧",
        " 57 ",
    ],
)
def test_age_written_any_way_is_57(reply: str) -> None:
    assert parse_age(reply, VIEW) == {"age": 57, "birth_year": 1969}


def test_a_birth_year_is_read_as_a_year_not_an_age() -> None:
    assert parse_age("1968", VIEW) == {"age": 58, "birth_year": 1968}  # START is in 2026
    assert parse_age("נולדתי ב-1968", VIEW)["age"] == 58


@pytest.mark.parametrize("reply", ["abc", "", "😀"])
def test_an_unreadable_age_asks_again_kindly(reply: str) -> None:
    with pytest.raises(Invalid) as error:
        parse_age(reply, VIEW)
    assert error.value.key == "prescreen.invalid_age"


@pytest.mark.parametrize(
    ("reply", "key", "params"),
    [
        ("300", "prescreen.age_out_of_range", {"number": 300}),
        ("15", "prescreen.age_out_of_range", {"number": 15}),
        ("111", "prescreen.age_out_of_range", {"number": 111}),
        ("1900", "prescreen.birth_year_out_of_range", {"year": 1900, "age": 126}),
        ("2015", "prescreen.birth_year_out_of_range", {"year": 2015, "age": 11}),
        ("2030", "prescreen.age_out_of_range", {"number": 2030}),
    ],
)
def test_a_number_that_is_no_likely_age_says_what_it_was(reply: str, key: str, params: dict) -> None:  # type: ignore[type-arg]
    with pytest.raises(Invalid) as error:
        parse_age(reply, VIEW)
    assert (error.value.key, error.value.params) == (key, params)


def test_first_number_prefers_digits_over_words() -> None:
    assert first_number("שבע, כלומר 7") == 7
    assert first_number("seven") == 7
    assert first_number("nothing here") is None


def test_with_several_numbers_in_one_reply_the_first_is_the_answer() -> None:
    assert find_numbers("2,5 ו-3.5") == [2.5, 3.5]
    assert find_numbers("٥٧ או 12") == [57, 12]
    assert parse_age("57, נולדתי ב-1969", VIEW)["age"] == 57
    assert parse_age("1968 or 1969", VIEW) == {"age": 58, "birth_year": 1968}
    assert parse_job_share("50 או 75 אחוז", VIEW) == "0.5"
    assert parse_years("25 years, maybe 26", VIEW) == 25
    assert words_number("fifty and seven") == 57 and words_number("seven dogs and three cats") == 7
    assert words_number("fifty-seven") == 57
    assert words_number("אני בת חמישים ושבע") == 57  # words before the number are passed over


# ---- durations -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("reply", "days"),
    [
        ("3 חודשים", 90),
        ("שנתיים", 730),
        ("חצי שנה", 180),
        ("half a year", 180),
        ("полгода", 180),
        ("سنتين", 730),
        ("2 years", 730),
        ("שבועיים", 14),
        ("two weeks", 14),
        ("חודש", 30),
        ("10 ימים", 10),
        ("2 года", 730),
        ("שלוש שנים", 1095),
        ("כבר חצי שנה.", 180),
        # "and a half" adds half a unit; it does not halve the unit
        ("שנה וחצי", 548),
        ("a year and a half", 548),
        ("שנתיים וחצי", 912),
        ("two and a half years", 912),
        ("2.5 years", 912),
        ("חודש וחצי", 45),
        ("سنة ونصف", 548),
        ("שנה ומשהו", 365),  # "and something" is not "and a half"
    ],
)
def test_durations_in_days(reply: str, days: int) -> None:
    assert parse_duration_days(reply) == days


@pytest.mark.parametrize(
    ("reply", "days"),
    [
        ("בשנה האחרונה", 365),
        ("כבר בשנתיים האחרונות", 730),
        ("בחודש", 30),  # "in the last year": ב + unit
        ("half a month", 15),
        ("חצי חודש", 15),
        ("a month and a half", 45),  # half a unit, or one and a half
        ("2,5 שנים", 912),
        ("1,5 years", 548),
        ("٢٫٥ سنة", 912),  # a decimal comma, or the Arabic one
        ("3 או 4 חודשים", 90),
        ("between 2 and 3 years", 730),  # several numbers: the first one counts
    ],
)
def test_durations_with_a_prefix_a_half_or_more_than_one_number(reply: str, days: int) -> None:
    assert parse_duration_days(reply) == days


@pytest.mark.parametrize(
    ("reply", "days"),
    [
        # "one and a half" as one word, and "two and a half" with "с половиной"
        ("полтора года", 548),
        ("полтора месяца", 45),
        ("полторы недели", 10),
        ("два с половиной года", 912),
        ("сорок лет", 14600),
        # colloquial Arabic numbers, and the dual ending in -ان as well as -ين
        ("تلات سنين", 1095),
        ("تلت سنين", 1095),
        ("اتنين سنين", 730),
        ("تمان سنين", 2920),
        ("سنتان", 730),
        ("سنتين", 730),
        ("عامان", 730),
        ("شهران", 60),
        ("أسبوعان", 14),
        ("يومان", 2),
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
@pytest.mark.parametrize(
    ("reply", "share"),
    [("50%", "0.5"), ("50", "0.5"), ("0.5", "0.5"), ("100%", "1.0"), ("30%", "0.33"), ("75 אחוז", "0.75")],
)
def test_job_share_as_a_percentage_snaps_to_the_nearest_option(reply: str, share: str) -> None:
    assert parse_job_share(reply, VIEW) == share


@pytest.mark.parametrize("reply", ["0", "150%", "חצי"])
def test_job_share_that_is_not_a_share_is_refused_by_the_parser(reply: str) -> None:
    with pytest.raises(Invalid):
        parse_job_share(reply, VIEW)


@pytest.mark.parametrize(
    ("reply", "share"),
    [
        ("חצי", "0.5"),
        ("half", "0.5"),
        ("חצי משרא", "0.5"),
        ("מלאה", "1.0"),
        ("Full time", "1.0"),
        ("שליש", "0.33"),
        ("I want a quarter of full time", "0.25"),
    ],
)
def test_job_share_in_words_is_matched_to_the_offered_choices(reply: str, share: str) -> None:
    assert match_choice(reply, offered("job_share")) == share


# ---- cities and centers ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("reply", "center"),
    [
        ("כפר סבא", "kfar-saba"),
        ("כפר סאבא", "kfar-saba"),
        ("kfar sava", "kfar-saba"),
        ("Кфар Саба", "kfar-saba"),
        ("אני גר בכפר סבא", "kfar-saba"),
        ("חולון", "modiin"),
        ("Holon", "modiin"),
        ("Бат-Ям", "modiin"),
        ("בת-ים", "modiin"),
        ("ראשון", "modiin"),
        ("Rishon", "modiin"),
        ("מודעין", "modiin"),
        ("بات يام", "modiin"),
        ("תל-אביב יפו", "tel-aviv"),
        ("telaviv", "tel-aviv"),
        ("Яффо", "tel-aviv"),
        ("יפו", "tel-aviv"),
    ],
)
def test_a_city_is_matched_to_the_center_that_serves_it(reply: str, center: str) -> None:
    assert parse_city(reply, VIEW) == {"text": reply, "center": center}


@pytest.mark.parametrize(
    "reply",
    [
        "ירושלים",
        "Jerusalem",
        "חיפה",
        "באר שבע",
        "רמת גן",
        # fragments and towns whose names only share a word with a served city
        "a",
        "ab",
        "תל",
        "כפר",
        "ים",
        "Bat",
        "תל מונד",
        "Tel Mond",
        "כפר יונה",
    ],
)
def test_a_city_no_center_serves_matches_none(reply: str) -> None:
    assert parse_city(reply, VIEW)["center"] is None


# A city named inside a sentence: people aged 45–75 answer "where do you live?" in a sentence.
@pytest.mark.parametrize(
    ("reply", "center"),
    [
        ("אני גר כעת בכפר סבא", "kfar-saba"),
        ("אני גרה בכפר סבא כבר שלושים שנה, ליד הקניון", "kfar-saba"),
        ("גר בכפר סאבא", "kfar-saba"),  # a typo in the name
        ("אני גרה במודיעין", "modiin"),
        ("גר במודעין עם המשפחה", "modiin"),
        ("אני מחולון", "modiin"),
        ("ברחוב סוקולוב בחולון", "modiin"),
        ("אני גר בבת ים", "modiin"),
        ("אני גרה בראשון לציון", "modiin"),
        ("אני גר בראשון", "modiin"),
        ("אני גר בתל אביב", "tel-aviv"),
        ("גרה ביפו העתיקה", "tel-aviv"),
        ("I live in Kfar Saba now", "kfar-saba"),
        ("I live in kfar sava", "kfar-saba"),
        ("I'm from Holon", "modiin"),
        ("We have lived in Tel Aviv for 30 years", "tel-aviv"),
        ("in Bat Yam, near the beach", "modiin"),
        ("I live in Rishon", "modiin"),
        ("My home is in Modi'in", "modiin"),
        ("Я живу в Кфар-Сабе", "kfar-saba"),
        ("Живу в Модиине", "modiin"),
        ("Я живу в Тель-Авиве уже 25 лет", "tel-aviv"),
        ("Я из Тель-Авива", "tel-aviv"),
        ("Я живу в Холоне", "modiin"),
        ("Живу в Бат-Яме", "modiin"),
        ("Я живу в Ришон-ле-Ционе", "modiin"),
        ("Я из Яффо", "tel-aviv"),
        ("أسكن في كفر سابا", "kfar-saba"),
        ("أعيش في حولون", "modiin"),
        ("أنا من يافا", "tel-aviv"),
        ("أسكن في بات يام مع عائلتي", "modiin"),
        ("أنا ساكن بتل أبيب", "tel-aviv"),
        # two towns of the same center: the center is known
        ("בין חולון לבת ים", "modiin"),
    ],
)
def test_a_city_named_in_a_sentence_is_matched_to_its_center(reply: str, center: str) -> None:
    assert parse_city(reply, VIEW) == {"text": reply, "center": center}


@pytest.mark.parametrize(
    "reply",
    [
        # no city at all
        "אני לא בטוח",
        "אני גר ליד הים",
        "אני יושב ליד החלון",
        "ביום ראשון בבוקר",
        "I live near the sea with my family",
        "I would rather not say where I live",
        "Живу здесь давно",
        "Я живу в квартире",
        "أسكن في بيت صغير",
        # a town no center serves, named in a sentence
        "אני גר בירושלים",
        "אני גרה בתל מונד",
        "אני גר בכפר יונה",
        "I live in Jerusalem",
        "I live in Tel Mond",
        "Я живу в Хайфе",
        "أسكن في الناصرة",
        # two towns served by different centers: which one is asked
        "גרתי בחולון ועכשיו אני בכפר סבא",
        "Between Tel Aviv and Kfar Saba",
        "Я живу между Модиином и Тель-Авивом",
        "أسكن بين يافا وكفر سابا",
    ],
)
def test_a_sentence_naming_no_served_city_or_two_matches_none(reply: str) -> None:
    assert parse_city(reply, VIEW)["center"] is None


def test_a_city_must_contain_letters() -> None:
    with pytest.raises(Invalid) as error:
        parse_city("12345", VIEW)
    assert error.value.key == "prescreen.invalid_city"


# ---- phones ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("050-1234567", "+972501234567"),
        ("0501234567", "+972501234567"),
        ("+972 52-555-1234", "+972525551234"),
        ("972501234567", "+972501234567"),
        ("whatsapp:+972525551234", "+972525551234"),
        ("٠٥٠١٢٣٤٥٦٧", "+972501234567"),
        ("03-1234567", "+97231234567"),
        ("+1 212 555 0100", "+12125550100"),
        ("12125550100", "+12125550100"),  # a shared contact's number without its "+"
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
        ("1", "yes"),
        ("2", "no"),
        ("٢", "no"),  # the option's number
        ("Yes", "yes"),
        ("YES!", "yes"),
        ("No", "no"),  # a label in another language than the person's
        ("כֵּן", "yes"),
        ("כנ", "yes"),  # niqqud, and a final letter written as a regular one
        ("כן בטח", "yes"),
        ("כן, בטח", "yes"),
        ("לא תודה", "no"),
        ("לא, לא ממש", "no"),  # extra words
        ("yess", "yes"),
        ("👍", "yes"),
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
    assert match_many(str(len(groups)), groups) == [groups[-1].value]  # the last one can be chosen
    assert match_many("אף אחד מאלה", groups) == ["none"]

    assert match_many("0", groups) is None and match_many("0 1", groups) is None  # the list starts at 1
    assert match_many("2, 0", groups) is None


TRADES = [Candidate(v, (v,)) for v in ("painter", "printer", "gardener", "carpenter", "bookkeeper", "driver")]


@pytest.mark.parametrize(
    ("reply", "value"),
    [
        ("paintr", "painter"),
        ("bokkeepar", "bookkeeper"),  # 92 and 84 of 100 alike: close enough
        ("driwer", None),  # 83 of 100: too far from "driver" to guess
        ("pianter", None),
        ("prainter", None),  # as close to "painter" as to "printer": not a guess
        ("garpener", "gardener"),  # "carpenter" is more than 5 points behind: no rival
        ("0", None),
        ("7", None),
        ("6", "driver"),
    ],
)
def test_a_misspelling_is_guessed_only_when_close_and_without_a_rival(reply: str, value: str | None) -> None:
    assert match_choice(reply, TRADES) == value


def test_two_spellings_of_one_option_are_not_rivals() -> None:
    candidates = [Candidate("painter", ("painter", "paintor")), Candidate("driver", ("driver",))]
    assert match_choice("paintr", candidates) == "painter"
    assert match_choice("paintor", candidates, exact=True) == "painter"
    assert match_choice("paintr", candidates, exact=True) is None  # exact: no guessing


@pytest.mark.parametrize(
    ("reply", "value"),
    [
        ("друг", "friend"),
        ("от друга", "friend"),
        ("подруга рассказала", "friend"),
        ("знакомые", "friend"),
        ("חבר", "friend"),
        ("מחברה", "friend"),
        ("from a friend", "friend"),
        ("word of mouth", "friend"),
        ("من صديق", "friend"),
        ("أصدقاء", "friend"),
        ("лишка", "employment_service"),
        ("биржа труда", "employment_service"),
        ("מהלשכה", "employment_service"),
        ("לשכת התעסוקה", "employment_service"),
        ("the employment office", "employment_service"),
        ("مكتب العمل", "employment_service"),
        ("в фейсбуке", "social_networks"),
        ("פייסבוק", "social_networks"),
        ("facebook", "social_networks"),
        ("فيسبوك", "social_networks"),
        ("объявление", "municipal_ads"),
        ("מודעה", "municipal_ads"),
        ("a poster", "municipal_ads"),
        ("إعلان", "municipal_ads"),
        ("центр занятости", "municipal_center"),
        ("מרכז התעסוקה", "municipal_center"),
        ("not sure, something else", "other"),
        ("не помню", "other"),
    ],
)
def test_how_they_heard_in_their_own_words(reply: str, value: str) -> None:
    assert match_choice(reply, offered("source")) == value


@pytest.mark.parametrize(
    ("reply", "value"),
    [
        ("لا شيء من هذا", "none"),
        ("لا شيء", "none"),
        ("لا ينطبق", "none"),
        ("нет", "none"),
        ("ничего", "none"),
        ("none of them", "none"),
        ("not applicable", "none"),
        ("אין", "none"),
        ("לא רלוונטי", "none"),
        ("инвалидность", "disability"),
        ("נכה", "disability"),
        ("disabled", "disability"),
        ("мать-одиночка", "single_parent"),
        ("אם חד הורית", "single_parent"),
        ("single mom", "single_parent"),
        ("أم عزباء", "single_parent"),
        ("חרדית", "haredi"),
        ("ультраортодокс", "haredi"),
        ("former prisoner", "released_prisoner"),
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
    keywords = {
        normalize(p)
        for name in KEYWORD_INTENTS
        for t in CATALOGS.texts(f"keywords.{name}")
        for p in t.split(",")
    }
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
    phone = to_e164(text)
    assert phone is None or (phone.startswith("+") and phone[1:].isdecimal())
    # each parser answers with a value it can stand behind, or asks again with its own message
    age = refused_or(
        parse_age,
        text,
        "prescreen.invalid_age",
        "prescreen.age_out_of_range",
        "prescreen.birth_year_out_of_range",
        QUESTION,
    )  # not an age, or one no person has
    assert age is None or (16 <= age["age"] <= 110 and age["age"] + age["birth_year"] == START.year)
    share = refused_or(parse_job_share, text, "prescreen.invalid_job_share", QUESTION)
    assert share is None or share in {c.value for c in offered("job_share")}
    years = refused_or(parse_years, text, "prescreen.invalid_years", "prescreen.years_out_of_range", QUESTION)
    assert years is None or 0 <= years <= 70
    city = refused_or(parse_city, text, "prescreen.invalid_city", QUESTION)
    assert city is None or city["center"] in {None, *(c.slug for c in PROGRAM.centers)}


QUESTION = "common.looks_like_question"  # "מה?" is asked back, not taken for an answer


def refused_or(parser, text: str, *keys: str):  # type: ignore[no-untyped-def]
    """What `parser` makes of `text`, or None when it refuses it with one of the messages `keys`."""
    try:
        return parser(text, VIEW)
    except Invalid as error:
        assert error.key in keys
        return None


# A number written as people write it reads back as itself.
ENGLISH_TENS = {
    20: "twenty",
    30: "thirty",
    40: "forty",
    50: "fifty",
    60: "sixty",
    70: "seventy",
    80: "eighty",
}
ENGLISH_ONES = ("", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
HEBREW_TENS = {20: "עשרים", 30: "שלושים", 40: "ארבעים", 50: "חמישים", 60: "שישים", 70: "שבעים", 80: "שמונים"}
HEBREW_ONES = ("", "אחת", "שתיים", "שלוש", "ארבע", "חמש", "שש", "שבע", "שמונה", "תשע")
RUSSIAN_TENS = {
    20: "двадцать",
    30: "тридцать",
    40: "сорок",
    50: "пятьдесят",
    60: "шестьдесят",
    70: "семьдесят",
    80: "восемьдесят",
}
RUSSIAN_ONES = ("", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять")


@settings(max_examples=200, deadline=None)
@given(st.integers(20, 89), st.sampled_from(["en", "he", "ru"]))
def test_an_age_in_words_reads_back_as_that_age(age: int, lang: str) -> None:
    tens, ones = {
        "en": (ENGLISH_TENS, ENGLISH_ONES),
        "he": (HEBREW_TENS, HEBREW_ONES),
        "ru": (RUSSIAN_TENS, RUSSIAN_ONES),
    }[lang]
    one = ones[age % 10]
    joiner = {"en": "-", "he": " ו", "ru": " "}[lang]  # fifty-seven, חמישים ושבע, пятьдесят семь
    words = tens[age - age % 10] + (joiner + one if one else "")
    assert words_number(words) == age
    assert parse_age(words, VIEW)["age"] == age


@settings(max_examples=200, deadline=None)
@given(st.integers(16, 110), st.sampled_from(["{}", "בן {}", "I am {}", "{} שנים", "мне {}"]), st.booleans())
def test_an_age_in_digits_reads_back_as_that_age(age: int, phrase: str, arabic_digits: bool) -> None:
    digits = str(age).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")) if arabic_digits else str(age)
    assert parse_age(phrase.format(digits), VIEW) == {"age": age, "birth_year": START.year - age}


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 60),
    st.sampled_from(
        [
            ("days", 1),
            ("ימים", 1),
            ("дней", 1),
            ("weeks", 7),
            ("שבועות", 7),
            ("months", 30),
            ("חודשים", 30),
            ("месяцев", 30),
            ("أشهر", 30),
            ("years", 365),
            ("שנים", 365),
            ("лет", 365),
            ("سنوات", 365),
        ]
    ),
)
def test_a_count_of_units_reads_back_as_that_many_days(count: int, unit: tuple[str, int]) -> None:
    word, days = unit
    assert parse_duration_days(f"{count} {word}") == count * days
    assert parse_duration_days(f"{count},5 {word}") == round((count + 0.5) * days)

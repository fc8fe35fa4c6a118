"""Translations: every message the code can say exists in Hebrew, English, Russian and Arabic, with
the same placeholders; keyword lists are usable; right-to-left text isolates Latin names, numbers
and dates; dates are written out in Israel's time in each language; the Telegram app's language is
the first guess; and whole pre-screens in Russian and in Arabic.

The scan reads the code (flows/ and bot/) with `ast`: a catalog key is a string in a key position
(`Msg("…")`, `Invalid("…")`, `render_key("…")`, `say("…")`, `Option(value, "…")`,
`Ask(prompt="…", invalid="…")`, `synonyms="…"` …) or any dotted string that starts with one of the
catalogs' namespaces (`"prescreen.…"`, `"common.…"` …). Keys built with an f-string
(`f"reason.{reason}"`) are checked as patterns, and their known values one by one below.
"""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.bootstrap import App
from bot.dispatcher import Inbound, language_from_hint
from bot.i18n import FSI, PDI, Catalogs
from flows import Msg, MsgList, Text, eligibility, prescreen
from flows.effects import RecordOutcome, UpdateProfile
from flows.engine import KEYWORD_INTENTS
from flows.parsing.normalize import normalize
from flows.program import LANGUAGES
from tests.kit import FlowChat

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
CODE = sorted([*(ROOT / "flows").rglob("*.py"), *(ROOT / "bot").rglob("*.py")])
KEY = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+")
KEY_CALLS = {"Msg", "Invalid", "render_key", "template", "texts", "say", "Option", "yes_no"}
KEY_KEYWORDS = {"prompt", "invalid", "synonyms", "label", "greeting", "key", "caption"}
OTHERS = [lang for lang in LANGUAGES if lang != "he"]


def read_catalog(lang: str) -> tuple[dict[str, str], dict[str, tuple[str, tuple[str, ...]]]]:
    """msgid → msgstr, with empty and fuzzy translations as "" (Catalogs drops them); a counted
    message stands there by its last form (the one most numbers take), and in the second dict as
    (the parameter it counts, every form)."""
    with (LOCALES / lang / "LC_MESSAGES" / "midway.po").open("rb") as handle:
        catalog = read_po(handle, locale=lang, domain="midway")
    texts: dict[str, str] = {}
    plurals: dict[str, tuple[str, tuple[str, ...]]] = {}
    for m in catalog:
        if not m.id:
            continue
        if m.pluralizable:
            forms = tuple("" if m.fuzzy else form for form in m.string)
            plurals[m.id[0]] = (m.id[1].strip("{}"), forms)
            texts[m.id[0]] = forms[-1] if all(forms) else ""
        else:
            texts[m.id] = "" if m.fuzzy else m.string
    return texts, plurals


CATALOG, PLURAL = {}, {}
for _lang in LANGUAGES:
    CATALOG[_lang], PLURAL[_lang] = read_catalog(_lang)
NAMESPACES = {key.split(".")[0] for key in CATALOG["he"]}
CATALOGS = Catalogs()


# ---- the keys the code uses ------------------------------------------------------------------
@dataclass(frozen=True)
class Use:
    key: str  # a key, or a regular expression for an f-string key
    where: str
    pattern: bool = False


def _called(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _key_of(node: ast.AST, in_key_position: bool) -> tuple[str, bool] | None:
    """(key or pattern, is it a pattern) when `node` is a string that names a catalog message."""
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and KEY.fullmatch(node.value)
        and (in_key_position or node.value.split(".")[0] in NAMESPACES)
    ):
        return node.value, False
    if isinstance(node, ast.JoinedStr) and node.values:
        head = node.values[0]
        if not (isinstance(head, ast.Constant) and isinstance(head.value, str) and "." in head.value):
            return None
        if not (in_key_position or head.value.split(".")[0] in NAMESPACES):
            return None
        pattern = "".join(
            re.escape(v.value) if isinstance(v, ast.Constant) else r"[a-z0-9_.]+" for v in node.values
        )
        return pattern, True
    return None


def uses_in(path: Path) -> Iterator[Use]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    in_position: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if _called(node) in KEY_CALLS:
                in_position.update(id(arg) for arg in node.args)
            in_position.update(id(kw.value) for kw in node.keywords if kw.arg in KEY_KEYWORDS)
    name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    for node in ast.walk(tree):
        found = _key_of(node, id(node) in in_position)
        if found is not None:
            where = f"{name}:{getattr(node, 'lineno', '?')}"
            yield Use(found[0], where, found[1])


USES = [use for path in CODE for use in uses_in(path)]
KEYS = sorted({u.key for u in USES if not u.pattern})
PATTERNS = sorted({u.key for u in USES if u.pattern})


def test_the_scan_finds_the_keys_of_every_kind_of_declaration() -> None:
    """If this fails, the scan has gone blind (a file moved, a call renamed), not the catalogs."""
    for expected in (
        "prescreen.ask_age",  # Ask(prompt=…)
        "prescreen.invalid_age",  # Invalid(…) / Ask(invalid=…)
        "synonyms.yes",  # Option(…, synonyms=…)
        "menu.privacy",  # Option(value, "key")
        "common.apology",  # Msg(…) in bot/
        "prescreen.share_phone_button",
    ):  # render_key(…) in a channel
        assert expected in KEYS, expected
    assert any(p.startswith(re.escape("reason.")) for p in PATTERNS)
    assert len(KEYS) > 100


def test_the_scan_sees_keys_however_they_are_written(tmp_path: Path) -> None:
    source = tmp_path / "flow.py"
    source.write_text(
        "\n".join(
            [
                'a = Ask("x", prompt="prescren.ask_typo", invalid="prescreen.invalid_new")',
                'b = Option("yes", "menu.new_option", synonyms="synonyms.maybe")',
                'c = self.say("handoff.new"); d = render_key("common.new")',
                'e = "reason.new" if x else "status.new"',
                'f = Msg(f"prescreen.share.{k}")',
                'log.info("bot.channels.telegram"); g = "meeting.ics"; h = "1.0"',
            ]
        ),
        encoding="utf-8",
    )
    found = {(u.key, u.pattern) for u in uses_in(source)}
    assert found == {
        ("prescren.ask_typo", False),
        ("prescreen.invalid_new", False),
        ("menu.new_option", False),
        ("synonyms.maybe", False),
        ("handoff.new", False),
        ("common.new", False),
        ("reason.new", False),
        ("status.new", False),
        (r"prescreen\.share\.[a-z0-9_.]+", True),
    }


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_key_in_the_code_is_translated(lang: str) -> None:
    missing = [
        f"{u.key} ({u.where})" for u in USES if not u.pattern and not CATALOG[lang].get(u.key, "").strip()
    ]
    assert missing == [], f"missing or empty in locales/{lang}: {missing}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_key_built_in_the_code_matches_some_message(lang: str) -> None:
    unmatched = [
        f"{u.key} ({u.where})"
        for u in USES
        if u.pattern and not any(re.fullmatch(u.key, k) for k in CATALOG[lang])
    ]
    assert unmatched == []


def test_keys_built_from_values_exist_for_every_value() -> None:
    reasons = _reasons_in(eligibility.evaluate)
    assert {"age_below", "not_in_area", "not_able"} <= reasons  # the reading below still works
    needed = [
        *(f"reason.{r}" for r in reasons),
        *(f"prescreen.share.{k}" for _, k in prescreen.JOB_SHARES),
        *(f"prescreen.group.{g}" for g in eligibility.SPECIAL_GROUPS),
        *(f"prescreen.source.{s}" for s in prescreen.SOURCES),
        *(f"synonyms.group.{g}" for g in (*eligibility.SPECIAL_GROUPS, "none")),
        *(f"synonyms.source.{s}" for s in prescreen.SOURCES),
        *(f"language.name.{code}" for code in LANGUAGES),
        *(f"keywords.{name}" for name in KEYWORD_INTENTS),
        *(f"status.{o}" for o in ("eligible", "not_eligible", "manager_decision")),
    ]
    missing = [(lang, key) for key in needed for lang in LANGUAGES if not CATALOG[lang].get(key, "").strip()]
    assert missing == []


def _reasons_in(function: object) -> set[str]:
    """The reason codes `evaluate` can report: strings appended to a list or passed to `_below`."""
    source = Path(eligibility.__file__).read_text(encoding="utf-8")
    [tree] = [
        n
        for n in ast.walk(ast.parse(source))
        if isinstance(n, ast.FunctionDef) and n.name == getattr(function, "__name__", "")
    ]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _called(node) in ("append", "_below"):
            found |= {a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
    return found


# ---- the catalogs among themselves -----------------------------------------------------------
@pytest.mark.parametrize("lang", OTHERS)
def test_every_hebrew_message_is_translated_and_nothing_else(lang: str) -> None:
    he, other = CATALOG["he"], CATALOG[lang]
    assert sorted(k for k in he if not other.get(k, "").strip()) == []
    assert sorted(k for k in other if k not in he) == []  # Hebrew is the source: no orphans
    assert sorted(k for k, v in he.items() if not v.strip()) == []


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


@pytest.mark.parametrize("lang", OTHERS)
def test_placeholders_are_the_same_in_every_language(lang: str) -> None:
    differ = {
        key: (sorted(placeholders(he)), sorted(placeholders(CATALOG[lang][key])))
        for key, he in CATALOG["he"].items()
        if key in CATALOG[lang] and placeholders(he) != placeholders(CATALOG[lang][key])
    }
    assert differ == {}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_form_of_a_counted_message_has_the_same_placeholders(lang: str) -> None:
    """A form may spell its number out ("יומיים", "يومين"), never drop or add anything else."""
    differ = {}
    for key, (counted, forms) in PLURAL[lang].items():
        expected = placeholders(CATALOG["he"][key]) - {counted}
        for index, form in enumerate(forms):
            if placeholders(form) - {counted} != expected or not placeholders(form) <= expected | {counted}:
                differ[(key, index)] = sorted(placeholders(form))
    assert differ == {}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_renders_with_its_placeholders_filled(lang: str) -> None:
    """No stray brace or positional `{}` that would make str.format fail in front of a person."""
    strict = Catalogs(strict=True)
    translator = strict.translator(lang)
    for key, template in CATALOG[lang].items():
        if not template:
            continue
        params: dict[str, object] = {name: "X" for name in placeholders(template)}
        if key in PLURAL[lang]:
            params[PLURAL[lang][key][0]] = 3
        assert translator.render(Msg(key, params)).strip(), key
        assert all(name.isidentifier() for name in params), (key, params)


# ---- counting ----------------------------------------------------------------------------------
NUMBERS = {
    "days",
    "years",
    "experience",
    "count",
    "taken",
    "waiting",
    "capacity",
    "min_age",
    "max_age",
    "position",
    "high",
    "percent",
}
# Where a number stands on its own, no word agrees with it: a label ("מקומות: 3", "(3)"), a place in
# line, a range, a percentage.
STANDALONE = {
    "staff.seats",
    "staff.seats_waiting",
    "staff.seats_open",
    "staff.summary_capacity",
    "staff.task.handoffs",
    "staff.task.decisions",
    "handoffs.list_title",
    "decisions.list_title",
    "events.status.waitlisted",
    "events.waitlisted",
    "bookings.status.waitlisted",
    "staff.invalid_sessions",
    "staff.invalid_capacity",
    "reason.job_share_low",
    "homework_next.count",  # a button that is the number itself
    "homework_next.invalid_count",
}
STANDALONE |= {f"{key}.short" for key in STANDALONE}  # a label's shorter WhatsApp form stands alone too
NPLURALS = {"he": 4, "en": 2, "ru": 3, "ar": 6}
# the form each language takes for 1, 2, 3, 11, 100 (the order of the forms: each catalog's header)
FORM_OF = {
    "he": {1: 0, 2: 1, 3: 3, 11: 3, 100: 2},
    "en": {1: 0, 2: 1, 3: 1, 11: 1, 100: 1},
    "ru": {1: 0, 2: 1, 3: 1, 11: 2, 100: 2},
    "ar": {1: 1, 2: 2, 3: 3, 11: 5, 100: 4},
}


def test_every_message_with_a_number_counts_it_unless_the_number_stands_alone() -> None:
    numbered = {key for key, text in CATALOG["he"].items() if placeholders(text) & NUMBERS}
    assert sorted(numbered - STANDALONE) == sorted(PLURAL["he"])
    assert {"handoff.ack", "reason.out_of_work_short", "events.seats_left", "staff.people_told"} <= set(
        PLURAL["he"]
    )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_counted_message_is_a_plural_entry_with_each_form_of_the_language(lang: str) -> None:
    assert {key: counted for key, (counted, _) in PLURAL[lang].items()} == {
        key: counted for key, (counted, _) in PLURAL["he"].items()
    }
    assert {
        key: len(forms)
        for key, (_, forms) in PLURAL[lang].items()
        if len(forms) != NPLURALS[lang] or not all(form.strip() for form in forms)
    } == {}


@pytest.mark.parametrize("number", [1, 2, 3, 11, 100])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_counted_message_takes_the_form_of_its_number(lang: str, number: int) -> None:
    translator = Catalogs(strict=True).translator(lang)
    isolated = (lambda text: f"{FSI}{text}{PDI}") if lang in ("he", "ar") else str
    for key, (counted, forms) in PLURAL[lang].items():
        others = {name: "X" for name in placeholders(forms[-1]) if name != counted}
        form = forms[FORM_OF[lang][number]]
        expected = form.format_map({**{name: isolated("X") for name in others}, counted: isolated(number)})
        assert translator.render(Msg(key, {**others, counted: number})) == expected, (key, number)


@pytest.mark.parametrize(
    ("lang", "days", "says"),
    [
        ("he", 1, "בתוך יום עבודה אחד."),
        ("he", 2, "בתוך שני ימי עבודה."),
        ("he", 3, f"בתוך {FSI}3{PDI} ימי עבודה."),
        ("he", 11, f"בתוך {FSI}11{PDI} ימי עבודה."),
        ("he", 100, f"בתוך {FSI}100{PDI} ימי עבודה."),
        ("ar", 1, "خلال يوم عمل واحد."),
        ("ar", 2, "خلال يومَي عمل."),
        ("ar", 3, f"خلال {FSI}3{PDI} أيام عمل."),
        ("ar", 11, f"خلال {FSI}11{PDI} يوم عمل."),
        ("ar", 100, f"خلال {FSI}100{PDI} يوم عمل."),
        ("ru", 1, "в течение 1 рабочего дня."),
        ("ru", 2, "в течение 2 рабочих дней."),
        ("ru", 3, "в течение 3 рабочих дней."),
        ("ru", 11, "в течение 11 рабочих дней."),
        ("ru", 21, "в течение 21 рабочего дня."),
        ("ru", 100, "в течение 100 рабочих дней."),
        ("en", 1, "within 1 working day."),
        ("en", 2, "within 2 working days."),
        ("en", 100, "within 100 working days."),
    ],
)
def test_the_promised_call_counts_its_working_days_in_each_language(lang: str, days: int, says: str) -> None:
    assert CATALOGS.translator(lang).render(Msg("handoff.ack", {"days": days})).endswith(says)


@pytest.mark.parametrize(
    ("lang", "age", "says"),
    [
        ("ru", 45, "для людей от 45 лет."),
        ("ru", 41, "для людей от 41 года."),
        ("ar", 75, f"عن {FSI}75{PDI} عامًا."),
        ("ar", 10, f"عن {FSI}10{PDI} أعوام."),
    ],
)
def test_ages_are_counted_in_years_as_the_language_counts_them(lang: str, age: int, says: str) -> None:
    key, name = ("reason.age_below", "min_age") if lang == "ru" else ("reason.age_above", "max_age")
    assert CATALOGS.translator(lang).render(Msg(key, {name: age})).endswith(says)


def test_a_sentence_ending_in_a_russian_date_has_one_full_stop() -> None:
    """The Russian date ends with "г." itself: the sentence takes no second full stop after it."""
    text = CATALOGS.translator("ru").render(Msg("appeal.sent", {"date": date(2026, 11, 29)}))
    assert text.endswith("Срок ответа — воскресенье, 29 ноября 2026\u202fг.")
    he = CATALOGS.translator("he").render(Msg("appeal.sent", {"date": date(2026, 11, 29)}))
    assert he.endswith(f"עד {FSI}יום ראשון, 29 בנובמבר 2026{PDI}.")


@pytest.mark.parametrize("key", ["prescreen.manager", "appeal.sent", "decisions.due"])
def test_an_arabic_deadline_reads_no_later_than_not_until(key: str) -> None:
    text = CATALOGS.translator("ar").render(
        Msg(key, {"name": "X", "date": date(2026, 11, 29), "due": date(2026, 11, 29)})
    )
    assert "في موعد أقصاه" in text and "حتى" not in text


# ---- keywords ----------------------------------------------------------------------------------
def keyword_phrases(key: str) -> list[tuple[str, str]]:
    """(language, phrase) for a comma-separated keyword or synonym list."""
    return [(lang, phrase) for lang in LANGUAGES for phrase in CATALOG[lang].get(key, "").split(",")]


@pytest.mark.parametrize("key", sorted(k for k in CATALOG["he"] if k.startswith(("keywords.", "synonyms."))))
def test_keyword_lists_are_comma_separated_words(key: str) -> None:
    phrases = keyword_phrases(key)
    assert all(normalize(phrase) for _, phrase in phrases), phrases  # no empty item (",," or a trailing ",")
    assert {lang for lang, _ in phrases} == set(LANGUAGES)


def test_no_word_means_two_different_global_intents() -> None:
    """Keywords of every language work in every language, so one word must mean one thing."""
    meaning: dict[str, set[str]] = {}
    for name in KEYWORD_INTENTS:
        for _, phrase in keyword_phrases(f"keywords.{name}"):
            meaning.setdefault(normalize(phrase), set()).add(name)
    assert {word: names for word, names in meaning.items() if len(names) > 1} == {}


def test_yes_and_no_never_share_a_word() -> None:
    yes = {normalize(p) for _, p in keyword_phrases("synonyms.yes")}
    no = {normalize(p) for _, p in keyword_phrases("synonyms.no")}
    assert yes & no == set()


@pytest.mark.parametrize(
    ("lang", "word", "heading"),
    [
        ("he", "תפריט", "menu.ask"),
        ("en", "menu", "menu.ask"),
        ("ru", "меню", "menu.ask"),
        ("ar", "القائمة", "menu.ask"),
    ],
)
def test_the_menu_keyword_of_each_language_opens_the_menu(lang: str, word: str, heading: str) -> None:
    chat = begin_prescreen(lang)
    chat.send(word)
    assert CATALOGS.translator(lang).render_key(heading).split("\n")[0] in chat.last_text()


# ---- direction ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("lang", "isolated"), [("he", True), ("ar", True), ("en", False), ("ru", False)])
def test_latin_names_and_numbers_are_isolated_inside_right_to_left_text(lang: str, isolated: bool) -> None:
    translator = CATALOGS.translator(lang)
    eligible = translator.render(Msg("prescreen.eligible", {"name": "Ruth Adler", "center": "Kfar Saba"}))
    age = translator.render(Msg("reason.age_below", {"min_age": 45}))
    if isolated:
        assert f"{FSI}Ruth Adler{PDI}" in eligible and f"{FSI}Kfar Saba{PDI}" in eligible
        assert f"{FSI}45{PDI}" in age
    else:
        assert "Ruth Adler" in eligible and "45" in age
        assert FSI not in eligible + age and PDI not in eligible + age


def test_a_message_inside_a_message_is_rendered_in_the_same_language_and_isolated_once() -> None:
    he = CATALOGS.translator("he")
    items = MsgList((Msg("reason.age_below", {"min_age": 45}), Msg("reason.not_able")))
    text = he.render(Msg("common.list", {"items": items}))
    assert text.splitlines()[0] == f"• {he.render(Msg('reason.age_below', {'min_age': 45}))}"
    assert text.count(FSI) == 1 and text.count(PDI) == 1  # the number, not the whole list


# ---- dates -------------------------------------------------------------------------------------
# Israel moves to summer time on Friday 2026-03-27 at 02:00 and back on Sunday 2026-10-25 at 02:00.
DATES = {
    datetime(2026, 3, 26, 22, 30, tzinfo=UTC): {  # winter: UTC+2
        "he": "יום שישי, 27 במרץ 2026, 00:30",
        "en": "Friday, March 27, 2026, 00:30",
        "ru": "пятница, 27 марта 2026\u202fг., 00:30",
        "ar": "الجمعة، 27 مارس 2026، 00:30",
    },
    datetime(2026, 3, 27, 8, 0, tzinfo=UTC): {  # the same day, summer: UTC+3
        "he": "יום שישי, 27 במרץ 2026, 11:00",
        "en": "Friday, March 27, 2026, 11:00",
        "ru": "пятница, 27 марта 2026\u202fг., 11:00",
        "ar": "الجمعة، 27 مارس 2026، 11:00",
    },
    datetime(2026, 10, 24, 22, 30, tzinfo=UTC): {  # still summer
        "he": "יום ראשון, 25 באוקטובר 2026, 01:30",
        "en": "Sunday, October 25, 2026, 01:30",
        "ru": "воскресенье, 25 октября 2026\u202fг., 01:30",
        "ar": "الأحد، 25 أكتوبر 2026، 01:30",
    },
    datetime(2026, 10, 25, 8, 0, tzinfo=UTC): {  # winter again
        "he": "יום ראשון, 25 באוקטובר 2026, 10:00",
        "en": "Sunday, October 25, 2026, 10:00",
        "ru": "воскресенье, 25 октября 2026\u202fг., 10:00",
        "ar": "الأحد، 25 أكتوبر 2026، 10:00",
    },
}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("moment", list(DATES), ids=lambda d: d.isoformat())
def test_times_are_written_out_in_israel_time_across_daylight_saving(lang: str, moment: datetime) -> None:
    text = CATALOGS.translator(lang).render(Msg("common.raw", {"text": moment}))
    expected = DATES[moment][lang]
    assert text == (f"{FSI}{expected}{PDI}" if lang in ("he", "ar") else expected)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("he", "יום ראשון, 29 בנובמבר 2026"),
        ("en", "Sunday, November 29, 2026"),
        ("ru", "воскресенье, 29 ноября 2026\u202fг."),
        ("ar", "الأحد، 29 نوفمبر 2026"),
    ],
)
def test_a_decision_date_is_written_out_in_each_language(lang: str, expected: str) -> None:
    text = CATALOGS.translator(lang).render(Msg("common.raw", {"text": date(2026, 11, 29)}))
    assert text.strip(FSI + PDI) == expected


# ---- the first language ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("code", "lang"),
    [
        ("he", "he"),
        ("iw", "he"),
        ("he-IL", "he"),
        ("ru", "ru"),
        ("ru-RU", "ru"),
        ("ar", "ar"),
        ("ar-SA", "ar"),
        ("en", "en"),
        ("en-US", "en"),
        ("EN-gb", "en"),
        ("uk", "he"),
        ("de", "he"),
        ("", "he"),
        (None, "he"),
    ],
)
def test_the_language_comes_from_the_telegram_app_else_hebrew(code: str | None, lang: str) -> None:
    assert language_from_hint(code) == lang


@pytest.mark.parametrize(
    ("code", "greeting"),
    [
        ("ru", "Здравствуйте!"),
        ("ar-EG", "مرحبًا!"),
        ("en-US", "Hello!"),
        ("uk", "שלום!"),
    ],
)
def test_a_newcomer_is_greeted_in_their_app_language(app: App, code: str, greeting: str) -> None:
    delivery = app.dispatcher.handle(Inbound("telegram", "77", Text("hi"), "1", "Olga", code))
    assert delivery is not None
    translator = app.catalogs.translator(delivery.lang)
    assert translator.text(delivery.replies[0]).startswith(greeting)  # type: ignore[arg-type]


# ---- whole pre-screens in Russian and Arabic -----------------------------------------------------
def begin_prescreen(lang: str) -> FlowChat:
    chat = FlowChat(lang=lang)
    chat.send({"he": "שלום", "en": "hello", "ru": "Здравствуйте", "ar": "مرحبا"}[lang])
    return chat


def test_a_russian_speaker_typing_every_answer_hears_why_not_and_where_else_to_turn() -> None:
    chat = begin_prescreen("ru")
    assert "Это цифровой помощник программы «Midway»" in chat.last_text()
    assert chat.buttons()[:2] == ["Да, начнём", "Не сейчас"]
    chat.click("Да, начнём")
    assert "Как к вам обращаться?" in chat.last_text()
    for reply in ("Ольга", "сорок три", "Кфар-Саба"):  # near 45: asked everything
        chat.send(reply)
    assert "Занятия проходят в центре Кфар-Саба" in chat.last_text()
    for reply in ("да", "3 месяца", "полставки", "20", "да", "ничего из этого", "знакомый", "да"):
        chat.send(reply)

    text = chat.last_text()
    assert "Спасибо за уделённое время, Ольга" in text and "программа сейчас не подходит" in text
    assert "• Программа предназначена для людей от 45 лет." in text
    assert "• Служба занятости – отделение Кфар-Сабы – *6070" in text
    assert chat.buttons() == ["Да, прошу рассмотреть", "Нет, спасибо"]
    [outcome] = chat.effects_of(RecordOutcome)
    assert (outcome.outcome, outcome.center, outcome.reasons) == ("not_eligible", "kfar-saba", ("age_below",))

    chat.click("Нет, спасибо")
    assert "Желаем вам успеха" in chat.last_text()
    assert chat.state.frames == []


def test_an_arabic_speaker_at_44_is_told_the_manager_decides_by_a_date_written_in_arabic() -> None:
    chat = begin_prescreen("ar")
    assert "معكم المساعد الرقمي" in chat.last_text()
    chat.click("نعم، لنبدأ")
    chat.send("Ruth")
    assert "كم عمركم؟" in chat.last_text()
    chat.send("44").send("حولون")
    assert "تُقام الأنشطة في مركز موديعين" in chat.last_text()
    for reply in ("نعم", "3 أشهر", "نصف وظيفة", "25", "نعم", "لا شيء"):
        chat.send(reply)
    assert "كيف سمعتم عن البرنامج؟" in chat.last_text()
    chat.click("صديق أخبرني")
    assert "هل كل شيء صحيح؟" in chat.last_text()
    chat.click("نعم، كل شيء صحيح")
    chat.send("050-1234567")

    text = chat.last_text()
    assert "الأحد، 29 نوفمبر 2026" in text  # five working days after Sunday 22 November
    assert "Ruth" in text
    [profile] = chat.effects_of(UpdateProfile)
    assert (profile.fields["display_name"], profile.fields["phone"]) == ("Ruth", "+972501234567")
    [outcome] = chat.effects_of(RecordOutcome)
    assert (outcome.outcome, outcome.center) == ("manager_decision", "modiin")
    assert outcome.reasons == ("age_below",)
    raw = CATALOGS.translator("ar").text(chat.last_batch[0])
    assert f"{FSI}Ruth{PDI}" in raw  # the Latin name keeps its place in the Arabic sentence

"""What a person can do at any question, and what the engine does with input it cannot use.

Most tests stop at the age question of the pre-screen ("מה הגיל שלכם?" / "How old are you?") and check
that after the detour the same question is asked again and nothing was recorded by mistake.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import asdict, dataclass

import pytest

from flows import PersonFacts, State, Unsupported
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
from flows.program import LANGUAGES
from flows.state import Frame
from tests.kit import CATALOGS, FlowChat

AGE = {"he": "מה הגיל שלכם?", "en": "How old are you?"}
AGE_HINT = {
    "he": "אפשר לכתוב גיל (למשל 57) או שנת לידה (למשל 1968).",
    "en": "You can write your age (for example 57) or your year of birth (for example 1968).",
}
CITY = {"he": "באיזו עיר אתם גרים?", "en": "Which city do you live in?"}


def at_age(lang: str = "he", **kit: object) -> FlowChat:
    """A person who agreed to start and gave their name: the age question is on the screen."""
    chat = FlowChat(lang=lang, **kit)  # type: ignore[arg-type]
    chat.send("שלום" if lang == "he" else "hello")
    chat.click("כן, נתחיל" if lang == "he" else "Yes, let's start")
    chat.send("רונית" if lang == "he" else "Ruth")
    assert AGE[lang] in chat.last_text()
    return chat


def asks_age_again(chat: FlowChat) -> bool:
    """The last reply ends with the age question and the answer was not taken."""
    return chat.last_text().rstrip().endswith(AGE[chat.state.lang] + " " + AGE_HINT[chat.state.lang]) and (
        chat.state.top is not None and chat.state.top.node == "age" and "age" not in chat.state.top.answers
    )


def new_effects(chat: FlowChat, before: int) -> list:  # type: ignore[type-arg]
    return chat.effects[before:]


# ---- menu ------------------------------------------------------------------------------------
MENU = {  # "continue" last: every other entry keeps the number it has without a question pending
    "he": [
        "בדיקת התאמה לתוכנית",
        "שיחה עם אדם מהצוות",
        "🌐 שפה / Language",
        "פרטיות והמידע שלי",
        "להמשיך מאיפה שעצרנו",
    ],
    "en": [
        "Check if the program suits me",
        "Talk to someone from the team",
        "🌐 Language / שפה",
        "Privacy and my data",
        "Continue where we stopped",
    ],
}


@pytest.mark.parametrize(
    ("lang", "word"), [("he", "תפריט"), ("en", "menu"), ("en", "Main menu!"), ("he", "/menu")]
)
def test_the_menu_mid_flow_offers_to_continue_and_continue_asks_the_question(lang: str, word: str) -> None:
    chat = at_age(lang)
    chat.send(word)
    assert chat.buttons() == MENU[lang]
    chat.click(MENU[lang][-1])
    assert asks_age_again(chat)
    chat.send("57")
    assert CITY[lang] in chat.last_text()


def test_the_menu_after_the_pre_screen_has_status_and_no_continue() -> None:
    chat = FlowChat(lang="en", person=PersonFacts(outcome="eligible", center="kfar-saba"))
    chat.send("/start")
    assert chat.last_text().startswith("Hello again!")
    assert chat.buttons() == [
        "My status",
        "📅 Events and workshops – sign up",
        "🗂 My sign-ups and meetings",
        "🎉 I found a job!",
        "📝 My tasks",
        "Talk to someone from the team",
        "🌐 Language / שפה",
        "Privacy and my data",
    ]
    menu = chat.buttons()
    chat.click("My status")
    assert chat.last_text().startswith("You passed the eligibility check.")
    assert chat.buttons() == menu  # the same menu under it, each entry at its number
    chat.send("1")
    assert chat.last_text().startswith("You passed the eligibility check.") and chat.buttons() == menu


# ---- back ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("lang", "word"),
    [("he", "חזור"), ("he", "אחורה"), ("en", "back"), ("en", "Go back"), ("en", "/back"), ("he", "↩ חזרה")],
)
def test_back_returns_to_the_previous_question_and_forgets_its_answer(lang: str, word: str) -> None:
    chat = at_age(lang)
    chat.send("57")
    assert CITY[lang] in chat.last_text()
    if word.startswith("↩"):
        chat.click(word)
    else:
        chat.send(word)
    assert asks_age_again(chat)
    chat.send("62").send("Holon")
    assert chat.state.top.answers["age"]["age"] == 62


def test_on_a_numbered_list_the_number_of_back_goes_back_and_a_number_past_it_is_not_understood() -> None:
    chat = at_age("en")
    chat.send("57").send("Holon")  # "would you come to the meetings?": yes, no, then back
    assert chat.buttons()[-1] == "↩ Back" and chat.state.top is not None
    asked = chat.state.top.node
    chat.send(str(len(chat.buttons())))  # WhatsApp shows the list numbered; the last is back
    assert CITY["en"] in chat.last_text() and "city" not in chat.state.top.answers
    chat.send("Holon").send(str(len(chat.buttons()) + 1))  # no such number: asked again
    assert chat.state.top.node == asked and "willing" not in chat.state.top.answers
    chat.send("1")  # the first option, as before
    assert chat.state.top.answers.get("willing") == "yes"


def test_back_twice_reaches_the_name_and_the_new_name_is_the_one_kept() -> None:
    chat = at_age("en")
    chat.send("57").send("back").send("back")
    assert "What should we call you?" in chat.last_text()
    chat.send("Ruthie")
    for reply in ("57", "Holon", "yes", "3 months", "half", "25", "yes", "none of these", "friend", "yes"):
        chat.send(reply)
    chat.click("No phone for now")
    assert "Thank you, Ruthie!" in chat.last_text()
    [update] = chat.effects_of(UpdateProfile)
    assert update.fields["display_name"] == "Ruthie"


def test_back_at_the_first_question_opens_the_menu() -> None:
    chat = FlowChat(lang="en")
    chat.send("hello").send("back")
    assert "What would you like to do?" in chat.last_text()
    chat.click("Continue where we stopped")
    assert "Shall we start?" in chat.last_text()


def test_back_from_a_menu_opened_at_a_question_returns_to_that_question() -> None:
    chat = at_age("en")
    chat.send("menu")
    assert "What would you like to do?" in chat.last_text()
    before = len(chat.effects)
    chat.send("back")  # the menu has nothing answered: back closes it, the pre-screen is below
    assert asks_age_again(chat)
    assert [f.flow for f in chat.state.frames] == ["prescreen"] and new_effects(chat, before) == []


# ---- restart ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("lang", "word"), [("he", "/start"), ("he", "התחל מחדש"), ("en", "start over"), ("en", "/restart")]
)
def test_restart_starts_the_pre_screen_over(lang: str, word: str) -> None:
    chat = at_age(lang)
    chat.send("57")
    chat.send(word)
    assert chat.state.top.node == "consent" and chat.state.top.answers == {}
    assert ("נתחיל?" if lang == "he" else "Shall we start?") in chat.last_text()


# ---- language --------------------------------------------------------------------------------
@pytest.mark.parametrize("word", ["שפה", "/language", "Language", "החלף שפה"])
def test_switching_to_english_mid_flow(word: str) -> None:
    chat = at_age("he")
    before = len(chat.effects)
    chat.send(word)
    assert "באיזו שפה נמשיך?" in chat.last_text()
    assert chat.buttons() == ["עברית", "English", "Русский", "العربية"]
    chat.click("English")
    assert new_effects(chat, before) == [SetLanguage("en")]
    assert chat.last_text().startswith("We'll continue in English.")
    assert asks_age_again(chat)
    chat.send("57")
    assert "Which city do you live in?" in chat.last_text()


def test_the_language_button_on_the_first_question() -> None:
    chat = FlowChat()
    chat.send("שלום").click("Language").click("English")
    assert chat.state.lang == "en"
    assert "Shall we start?" in chat.last_text()
    assert chat.buttons() == ["Yes, let's start", "Not now", "🌐 Language / Язык / اللغة"]


# ---- talking to a person ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("lang", "word"),
    [("he", "נציג"), ("he", "אני רוצה לדבר עם מישהו"), ("en", "person"), ("en", "Human"), ("en", "/human")],
)
def test_asking_for_a_person_is_recorded_and_the_question_stays(lang: str, word: str) -> None:
    chat = at_age(lang, person=PersonFacts(phone="+972501234567"))
    before = len(chat.effects)
    chat.send(word)
    assert new_effects(chat, before) == [RequestHandoff("prescreen", "age")]
    assert ("בתוך שני ימי עבודה" if lang == "he" else "within 2 working days") in chat.last_text()
    assert asks_age_again(chat)


def test_asking_for_a_person_with_no_phone_asks_for_it_and_then_the_question_stays() -> None:
    chat = at_age("he")
    before = len(chat.effects)
    chat.send("נציג")
    assert new_effects(chat, before) == [RequestHandoff("prescreen", "age")]  # made before the phone
    assert "מספר הטלפון" in chat.last_text() and "ימי עבודה" not in chat.last_text()
    chat.send("052-9876543")
    assert "יתקשר אליכם" in chat.last_text() and asks_age_again(chat)
    assert UpdateProfile({"phone": "+972529876543"}) in chat.effects  # on their record, for staff


# ---- stop and join again ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("lang", "word"),
    [("he", "הסר"), ("he", "עצור"), ("en", "stop"), ("en", "STOP"), ("en", "unsubscribe"), ("he", "/stop")],
)
def test_stop_opts_out_and_changes_nothing_else(lang: str, word: str) -> None:
    chat = at_age(lang)
    before_state, before = chat.state, len(chat.effects)
    chat.send(word)
    assert new_effects(chat, before) == [SetOptOut(True)]
    assert len(chat.last_batch) == 1 and not chat.last_batch[0].choices
    assert ("לא נשלח לכם יותר" if lang == "he" else "We won't send you any more") in chat.last_text()
    assert (chat.state.frames, chat.state.seq) == (before_state.frames, before_state.seq)
    # the conversation goes on where it was: the age is still the question
    chat.send("57")
    assert CITY[lang] in chat.last_text()


def test_joining_again_after_stop() -> None:
    chat = at_age("he")
    chat.send("הסר")
    before = len(chat.effects)
    chat.send("הצטרף")
    assert new_effects(chat, before) == [SetOptOut(False)]
    assert "נחזור לשלוח לכם" in chat.last_text()
    assert asks_age_again(chat)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_word_the_stop_reply_gives_for_joining_again_joins_again(lang: str) -> None:
    """In Hebrew it is the plural "הצטרפו", as the rest of the text addresses people."""
    chat = FlowChat(lang=lang)
    chat.send({"he": "שלום", "en": "hello", "ru": "Здравствуйте", "ar": "مرحبا"}[lang])
    chat.send({"he": "הסר", "en": "stop", "ru": "стоп", "ar": "توقف"}[lang])
    [word] = re.findall(r'["«]([^"»]+)["»]', chat.last_text())
    if lang == "he":
        assert word == "הצטרפו"
    before = len(chat.effects)
    chat.send(word)
    assert new_effects(chat, before) == [SetOptOut(False)]


def test_joining_when_not_opted_out_changes_nothing() -> None:
    chat = at_age("he")
    before = len(chat.effects)
    chat.send("הצטרף")
    assert new_effects(chat, before) == []
    assert chat.last_text().startswith(AGE["he"])


@pytest.mark.parametrize("word", ["/start", "start over"])
def test_starting_over_after_stop_also_joins_again(word: str) -> None:
    chat = at_age("en")
    chat.send("stop")
    assert chat.person.opted_out
    before = len(chat.effects)
    chat.send(word)
    assert new_effects(chat, before) == [SetOptOut(False)] and not chat.person.opted_out
    assert "Shall we start?" in chat.last_text()


def test_start_in_english_begins_the_pre_screen_as_the_hints_say() -> None:
    chat = FlowChat(lang="en")
    chat.send("help")
    assert 'write "start"' in chat.last_text()
    chat.send("start")  # "start" is the English opt-in keyword; it used to answer with the same hint again
    assert "Shall we start?" in chat.last_text()

    opted_out = FlowChat(lang="en", person=PersonFacts(opted_out=True))
    opted_out.send("start")
    assert opted_out.effects == [SetOptOut(False)]
    assert "we'll send you reminders and updates again" in opted_out.last_text()
    assert "Shall we start?" in opted_out.last_text()


@pytest.mark.parametrize("never", ["أبدًا", "أبدا", "ابدا", "ابداً"])
def test_never_in_arabic_does_not_opt_back_in_though_it_looks_like_start(never: str) -> None:
    """The Arabic opt-in word is "ابدأ" (start); "أبدًا" (never) without diacritics used to read the same."""
    chat = FlowChat(lang="ar", person=PersonFacts(opted_out=True, outcome="eligible"))
    chat.send(never)
    assert SetOptOut(False) not in chat.effects
    chat.send("ابدأ")
    assert chat.effects[-1:] == [SetOptOut(False)]


# ---- privacy ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("lang", "word", "delete", "confirm"),
    [
        ("he", "פרטיות", "למחוק את המידע שלי", "כן, למחוק הכול"),
        ("en", "/privacy", "Delete my data", "Yes, delete everything"),
    ],
)
def test_privacy_delete_and_confirm_erases_everything(
    lang: str, word: str, delete: str, confirm: str
) -> None:
    chat = at_age(lang)
    chat.send("57")
    chat.send(word)
    assert ("מה אנחנו שומרים" if lang == "he" else "What we keep") in chat.last_text()
    chat.click(delete)
    assert ("אי אפשר לבטל" if lang == "he" else "cannot be undone") in chat.last_text()
    before = len(chat.effects)
    chat.click(confirm)
    assert new_effects(chat, before) == [DeleteMyData()]
    assert ("המידע שלכם נמחק" if lang == "he" else "has been deleted") in chat.last_text()
    assert chat.state.frames == [] and chat.state.lang == lang
    chat.send("שלום" if lang == "he" else "hello")
    assert chat.state.top.node == "consent" and chat.state.top.answers == {}


def test_privacy_keep_deletes_nothing_and_returns_to_the_question() -> None:
    chat = at_age("en")
    chat.send("privacy").click("Back")
    assert chat.last_text().startswith("All right, nothing was deleted.")
    assert asks_age_again(chat)
    chat.send("delete my data").click("Delete my data").click("Don't delete")
    assert chat.last_text().startswith("All right, nothing was deleted.")
    assert asks_age_again(chat)
    assert chat.effects_of(DeleteMyData) == []


# ---- help and unknown commands ---------------------------------------------------------------
@pytest.mark.parametrize(("lang", "word"), [("he", "עזרה"), ("en", "help"), ("en", "/help")])
def test_help_lists_the_words_and_asks_the_same_question(lang: str, word: str) -> None:
    chat = at_age(lang)
    chat.send(word)
    assert ('"תפריט"' if lang == "he" else '"menu"') in chat.last_text()
    assert asks_age_again(chat)


def test_an_unknown_command_gets_a_kind_reply_and_the_same_question() -> None:
    chat = at_age("he")
    chat.send("/foo")
    assert "לא הכרתי את הפקודה הזו" in chat.last_text()
    assert asks_age_again(chat)


# ---- buttons that are no longer active, or never were -----------------------------------------
def test_a_button_from_an_earlier_question_is_refused_and_not_recorded() -> None:
    chat = FlowChat()
    chat.send("שלום")
    consent_yes = chat.last_choices()[0]
    chat.press(consent_yes.payload).send("רונית")
    before = len(chat.effects)
    chat.press(consent_yes.payload)
    assert chat.last_text().startswith("הכפתור הזה כבר לא פעיל.")
    assert asks_age_again(chat)
    assert new_effects(chat, before) == []


def test_a_yes_from_an_earlier_yes_no_question_is_refused_at_a_later_one() -> None:
    chat = at_age("en")
    chat.send("57").send("Holon")  # "would you come to the meetings?": yes / no
    willing_yes = next(c.payload for c in chat.last_choices() if c.payload.endswith(":yes"))
    chat.press(willing_yes)
    for reply in ("3 months", "half", "25"):
        chat.send(reply)
    assert chat.state.top is not None and chat.state.top.node == "able"  # yes / no again
    assert willing_yes.split(":")[1] in {c.payload.split(":")[-1] for c in chat.last_choices()}
    before = len(chat.effects)
    chat.press(willing_yes)  # the same "yes" is an option here too, but it answered another question
    assert chat.last_text().startswith("That button is no longer active.")
    assert chat.state.top.node == "able" and "able" not in chat.state.top.answers
    assert new_effects(chat, before) == []


RANDOM_64_BYTES = bytes(random.Random(7).getrandbits(8) for _ in range(64)).decode("latin-1")


@pytest.mark.parametrize(
    "payload",
    [
        "999:yes",
        "g:nonsense",
        "",
        "::::",
        "g:",
        "0:yes",
        ":yes",
        "g:back:extra",
        RANDOM_64_BYTES,
        # the current question's number with something it never offered
        "{seq}:",
        "{seq}:yes",
        "{seq}:__done",
        "{seq}:g:language",
        "{seq}:g:stop",
    ],
)
def test_forged_payloads_are_treated_as_stale_buttons(payload: str) -> None:
    chat = at_age("en")
    before = len(chat.effects)
    chat.press(payload.replace("{seq}", str(chat.state.seq)))
    assert chat.last_text().startswith("That button is no longer active.")
    assert asks_age_again(chat)
    assert new_effects(chat, before) == []


# ---- input that is not an answer -------------------------------------------------------------
def test_a_sticker_gets_a_kind_reply_and_the_same_question() -> None:
    chat = at_age("he")
    chat.send_sticker()
    assert "מדבקות" in chat.last_text()
    assert asks_age_again(chat)


@pytest.mark.parametrize("lang", ["he", "en"])
def test_an_edited_message_is_asked_for_again_as_a_new_one_not_called_a_sticker(lang: str) -> None:
    chat = at_age(lang)
    before = len(chat.effects)
    chat.feed(Unsupported("edited"))
    edited = CATALOGS.translator(lang).render_key("common.edited")
    assert chat.last_text().startswith(edited)
    assert CATALOGS.translator(lang).render_key("common.unsupported") not in chat.last_text()
    assert asks_age_again(chat)
    assert new_effects(chat, before) == []


def test_an_edited_message_when_nothing_is_asked_gets_the_same_kind_reply() -> None:
    chat = FlowChat(lang="en", person=PersonFacts(outcome="eligible", center="kfar-saba"))
    chat.feed(Unsupported("edited"))
    assert chat.last_text().startswith(CATALOGS.translator("en").render_key("common.edited"))
    assert chat.state.top is not None and chat.state.top.flow == "menu"


@pytest.mark.parametrize("text", ["x" * 4000, "א" * 601])
def test_a_very_long_message_is_refused_kindly(text: str) -> None:
    chat = at_age("he")
    before = len(chat.effects)
    chat.send(text)
    assert chat.last_text().startswith("ההודעה ארוכה מדי")
    assert asks_age_again(chat)
    assert new_effects(chat, before) == []


def test_a_name_longer_than_the_name_question_allows() -> None:
    chat = FlowChat(lang="en")
    chat.send("hello").click("Yes")
    chat.send("Ruth " * 20)
    assert chat.last_text().startswith("That message is too long for me.")
    assert "What should we call you?" in chat.last_text()


def test_an_answer_of_500_characters_is_read_and_one_more_is_too_long() -> None:
    chat = at_age("en")
    chat.send("57 " + "y" * 498)  # 501 characters
    assert chat.last_text().startswith("That message is too long for me.") and asks_age_again(chat)
    chat.send("57 " + "y" * 497)  # 500
    assert CITY["en"] in chat.last_text() and chat.state.top.answers["age"]["age"] == 57
    [saved] = [e for e in chat.effects_of(SaveAnswer) if e.question == "age"]
    assert len(saved.raw) == 500


def test_a_message_of_600_characters_is_taken_and_one_more_is_refused_before_anything_else() -> None:
    chat = FlowChat(lang="en")
    chat.send("y" * 601)
    assert chat.last_text().startswith("That message is too long for me.")
    chat = FlowChat(lang="en")
    chat.send("y" * 600)  # nothing is asked yet: any message begins the conversation
    assert "too long" not in chat.last_text() and "Shall we start?" in chat.last_text()


@pytest.mark.parametrize(
    ("length", "reply"),
    [
        (60, "How old are you?"),
        (61, "Please write"),
        (80, "Please write"),
        (81, "That message is too long"),
    ],
)
def test_the_limits_of_a_name(length: int, reply: str) -> None:
    chat = FlowChat(lang="en")
    chat.send("hello").click("Yes")
    chat.send(("Ruth Adler-" * 10)[:length])
    assert reply in chat.last_text()


@pytest.mark.parametrize("text", ["😀😀", "!!!", "   ", "🙏"])
def test_a_reply_without_letters_or_digits_is_not_understood(text: str) -> None:
    chat = at_age("he")
    chat.send(text)
    assert chat.last_text().startswith("לא הצלחתי להבין.")
    assert asks_age_again(chat)


def test_a_shared_contact_outside_the_phone_question_is_saved_and_the_question_stays() -> None:
    chat = at_age("en", person=PersonFacts(channel="telegram", can_share_contact=True))
    chat.share_contact("+972 52-555-1234")
    assert chat.effects_of(SetPhone) == [SetPhone("+972525551234")]
    assert chat.last_text().startswith("Thank you, we saved your phone number.")
    assert asks_age_again(chat)
    chat.share_contact("+972 52-555-9999", own=False)
    assert chat.effects_of(SetPhone) == [SetPhone("+972525551234")]
    assert asks_age_again(chat)


# ---- coming back later -----------------------------------------------------------------------
def test_back_after_two_days_is_asked_to_continue_or_start_over() -> None:
    chat = at_age("he")
    chat.send("57")
    chat.wait(days=2).send("חולון")
    assert "עצרנו באמצע" in chat.last_text()
    assert chat.buttons() == ["להמשיך", "להתחיל מחדש"]
    assert [a.question for a in chat.effects_of(SaveAnswer)] == ["consent", "name", "age"]  # not taken
    chat.click("להמשיך")
    assert chat.last_text().startswith(CITY["he"])
    chat.send("חולון")
    assert chat.state.top.node == "willing"

    chat.wait(days=2).send("כן")
    chat.click("להתחיל מחדש")
    assert chat.state.frames[0].node == "consent" and chat.state.frames[0].answers == {}
    assert "נתחיל?" in chat.last_text()


def test_a_short_pause_just_goes_on() -> None:
    chat = at_age("he")
    chat.wait(hours=11).send("57")
    assert CITY["he"] in chat.last_text()


# ---- names that are also keywords ------------------------------------------------------------
def test_a_typed_name_that_is_a_keyword_acts_as_the_keyword() -> None:
    """Documented behaviour: keywords win over free text, so someone called "Stop" who types their name
    is opted out and asked for the name again. Only offered options win over keywords — which is why the
    channel's profile name, offered as a button, can be "Stop"."""
    chat = FlowChat(lang="en")
    chat.send("hello").click("Yes")
    chat.send("Stop")
    assert chat.effects_of(SetOptOut) == [SetOptOut(True)]
    assert chat.state.top.node == "name"
    chat.send("Menu")
    assert "What would you like to do?" in chat.last_text()

    named_stop = FlowChat(lang="en", person=PersonFacts(channel="telegram", profile_name="Stop"))
    named_stop.send("hello").click("Yes")
    assert named_stop.buttons()[0] == "Stop"
    named_stop.send("stop")
    assert named_stop.effects_of(SetOptOut) == []
    assert named_stop.state.top.node == "age"
    assert [a.value for a in named_stop.effects_of(SaveAnswer) if a.question == "name"] == ["profile"]


def test_an_option_that_looks_like_a_keyword_is_the_option() -> None:
    # In English the privacy question's "keep" button reads "Back": typing it picks the button.
    chat = at_age("en")
    chat.send("privacy").send("back")
    assert chat.last_text().startswith("All right, nothing was deleted.")
    assert asks_age_again(chat)


# ---- stored state from another version -------------------------------------------------------
def test_state_written_by_a_newer_version_starts_clean_without_crashing() -> None:
    newer = json.dumps(
        {
            "version": 999,
            "lang": "en",
            "seq": 40,
            "frames": [{"flow": "survey", "step": 3}],
            "something_new": True,
        }
    )
    state = State.from_json(newer)
    assert (state.lang, state.frames) == ("en", [])
    chat = FlowChat(lang="en")
    chat.state = state
    chat.send("hello")
    assert "Shall we start?" in chat.last_text()


def test_state_naming_a_flow_or_question_that_no_longer_exists() -> None:
    gone = (Frame("survey", "q1", history=["q0"]), Frame("prescreen", "favourite_colour", history=["age"]))
    for frame in gone:
        for text in ("help", "back", "57", "/menu"):
            chat = FlowChat(lang="en")
            chat.state = State(lang="en", seq=9, frames=[frame])
            chat.send(text)  # used to raise KeyError / StopIteration for "help" and "back"
            assert chat.last_text().startswith("Something changed on our side")
            assert all(f.flow in ("prescreen", "menu") for f in chat.state.frames)


def test_an_older_state_without_newer_fields_loads() -> None:
    old = json.dumps(
        {
            "lang": "he",
            "frames": [{"flow": "prescreen", "node": "age", "answers": {"consent": "yes", "name": "רונית"}}],
        }
    )
    chat = FlowChat()
    chat.state = State.from_json(old)
    chat.send("57")
    assert CITY["he"] in chat.last_text()


def test_a_state_is_saved_as_the_same_text_as_every_release_wrote_it() -> None:
    """The saved JSON is `asdict` of the state with the moment as ISO text, keys sorted — what the
    releases before wrote and read — for a conversation mid-walk and for an answer that is a dataclass."""
    chat = at_age("he")
    for reply in ("57", "כפר סבא", "כן"):
        chat.send(reply)

    @dataclass(frozen=True)
    class Picked:
        code: str
        names: tuple[str, ...]

    frame = Frame(
        "prescreen", "age", {"x": Picked("a1", ("אחד",)), "n": [1, {"b": None}]}, ["consent"], "e1", 4
    )
    for state in (chat.state, State(lang="ru", seq=3, frames=[frame]), State()):
        data = asdict(state)
        data["last_active"] = state.last_active.isoformat() if state.last_active else None
        assert state.to_json() == json.dumps(data, ensure_ascii=False, sort_keys=True)
        assert State.from_json(state.to_json()).to_json() == state.to_json()


def test_outcome_is_not_recorded_twice_when_the_last_answer_is_repeated() -> None:
    chat = at_age("en", person=PersonFacts(phone="+972501234567"))
    for reply in ("57", "Holon", "yes", "3 months", "half", "25", "yes", "none of these"):
        chat.send(reply)
    friend = next(c for c in chat.last_choices() if c.payload.endswith(":friend"))
    chat.press(friend.payload)
    chat.send("yes")  # the summary is right
    assert "the program suits you" in chat.last_text()
    chat.press(friend.payload)  # the same button pressed again (a double tap)
    assert len(chat.effects_of(RecordOutcome)) == 1
    assert chat.last_text().startswith("That button is no longer active.")

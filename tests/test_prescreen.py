"""The pre-screen (שיחת ניתוב) as whole conversations, one per outcome, in Hebrew and English.

The kit starts on Sunday 2026-11-22; five Israeli working days later (Sunday to Thursday) is
Sunday 2026-11-29, the date a center manager's decision is promised by.
"""

from __future__ import annotations

import copy
import re
from datetime import date
from pathlib import Path

import pytest

from flows import PersonFacts, program_from_dict
from flows.effects import RecordOutcome, SaveAnswer, SetLanguage, UpdateProfile
from tests.kit import CATALOGS, FlowChat
from tests.kit.prescreen import HE_TYPED

DUE = date(2026, 11, 29)
RU_CATALOG = Path(__file__).resolve().parent.parent / "locales" / "ru" / "LC_MESSAGES" / "midway.po"

EN = {
    "name": "Ruth",
    "age": "57",
    "city": "Kfar Saba",
    "willing": "yes",
    "out_of_work": "3 months",
    "job_share": "half",
    "experience": "25",
    "able": "yes",
    "groups": "none of these",
    "source": "friend",
    "summary": "yes",
}


def begin(chat: FlowChat) -> FlowChat:
    """Say hello and agree to start."""
    chat.send("שלום" if chat.lang == "he" else "hello")
    chat.click("כן, נתחיל" if chat.lang == "he" else "Yes, let's start")
    return chat


def answer(chat: FlowChat, until: str | None = None, **changes: str) -> FlowChat:
    """Type the answer to each question the pre-screen asks, from the language's defaults with `changes`,
    until it asks `until` or something not among them (the center, the phone) or ends."""
    replies = {**(HE_TYPED if chat.lang == "he" else EN), **changes}
    replies.pop(until or "", None)
    while (top := chat.state.top) is not None and top.flow == "prescreen" and top.node in replies:
        chat.send(replies.pop(top.node))
    return chat


def outcomes(chat: FlowChat) -> list[RecordOutcome]:
    return chat.effects_of(RecordOutcome)


def profile(chat: FlowChat) -> dict:  # type: ignore[type-arg]
    [update] = chat.effects_of(UpdateProfile)
    return update.fields


def choose(chat: FlowChat, value: str) -> FlowChat:
    """Press the button that answers `value`, whatever the language of its label."""
    [choice] = [c for c in chat.last_choices() if c.payload.endswith(f":{value}")]
    return chat.press(choice.payload)


# ---- eligible --------------------------------------------------------------------------------
def test_eligible_in_hebrew_invites_to_the_kfar_saba_center() -> None:
    chat = FlowChat()
    chat.send("שלום")
    assert "אמצע הדרך" in chat.last_text()
    assert chat.buttons()[:2] == ["כן, נתחיל", "לא עכשיו"]
    chat.click("כן, נתחיל")
    assert "איך לפנות אליכם" in chat.last_text()
    chat.send("רונית")
    assert "מה הגיל שלכם" in chat.last_text()
    chat.send("1968")
    chat.send("כפר סבא")
    assert "הפעילויות מתקיימות במרכז כפר סבא" in chat.last_text()
    chat.click("כן")
    chat.click("חודשיים עד שנה")
    chat.click("חצי משרה")
    chat.send("25")
    chat.click("כן")
    chat.click("אף אחד מאלה")
    chat.click("חבר מביא חבר")
    assert "לפני שנסיים, זה מה שרשמנו" in chat.last_text()
    chat.click("כן, הכול נכון")
    assert "טלפון" in chat.last_text()
    chat.send("050-1234567")

    assert "התוכנית מתאימה לכם" in chat.last_text()
    assert "רונית" in chat.last_text() and "במרכז כפר סבא" in chat.last_text()
    assert "כנס חשיפה" in chat.last_text()
    assert chat.state.frames == []
    assert outcomes(chat) == [RecordOutcome("eligible", "kfar-saba", (), False, None)]
    assert profile(chat) == {
        "display_name": "רונית",
        "birth_year": 1968,
        "city": "כפר סבא",
        "center": "kfar-saba",
        "out_of_work": "2m1y",
        "job_share": 0.5,
        "experience_years": 25,
        "able_to_work": True,
        "willing_to_attend": True,
        "recruitment_source": "friend",
        "phone": "+972501234567",
    }
    saved = {a.question: (a.raw, a.value) for a in chat.effects_of(SaveAnswer)}
    assert saved["age"] == ("1968", {"age": 58, "birth_year": 1968})
    assert saved["groups"][1] == []


def test_eligible_in_english_typing_every_answer() -> None:
    chat = answer(begin(FlowChat(lang="en")), city="Holon")
    assert "So that the team can contact you" in chat.last_text()
    chat.send("+972 52-555-1234")

    assert "the program suits you" in chat.last_text()
    assert "Ruth" in chat.last_text() and "the Modiin center" in chat.last_text()
    assert outcomes(chat) == [RecordOutcome("eligible", "modiin", (), False, None)]
    fields = profile(chat)
    assert (fields["birth_year"], fields["city"], fields["phone"]) == (1969, "Holon", "+972525551234")


def test_not_willing_to_come_to_the_center_is_a_reason_on_its_own() -> None:
    chat = answer(begin(FlowChat(lang="en")), willing="no")
    assert "Program activities require coming to the center." in chat.last_text()
    assert outcomes(chat)[0].reasons == ("not_willing",)


# ---- not eligible, and asking for a review ---------------------------------------------------
def test_not_eligible_at_30_lists_kfar_saba_services_and_a_review_goes_to_the_manager() -> None:
    chat = answer(begin(FlowChat()), age="30")

    text = chat.last_text()
    assert "התוכנית לא מתאימה כרגע" in text
    assert "התוכנית מיועדת לבני 45 ומעלה." in text
    assert "שירות התעסוקה – לשכת כפר סבא – *6070" in text
    assert "המחלקה לשירותים חברתיים, עיריית כפר סבא – 106" in text
    assert "טלפון" not in text  # no phone question for someone the program does not suit
    assert outcomes(chat) == [RecordOutcome("not_eligible", "kfar-saba", ("age_below",), False, None)]
    assert chat.buttons() == ["כן, לבקש בדיקה", "לא, תודה"]

    chat.click("כן, לבקש בדיקה")
    assert "העברנו את הבקשה" in chat.last_text() and "29 בנובמבר 2026" in chat.last_text()
    assert outcomes(chat)[1] == RecordOutcome(
        "manager_decision",
        "kfar-saba",
        ("special_circumstances", "age_below"),
        decision_due=DUE,
    )
    assert chat.state.frames == []


def test_not_eligible_in_english_and_no_review_wanted() -> None:
    chat = answer(begin(FlowChat(lang="en")), age="43", experience="1")
    text = chat.last_text()
    assert "The program is for people aged 45 and over." in text
    assert "The program is for people with at least 5 years of work experience." in text
    assert "Employment Service – Kfar Saba office – *6070" in text
    assert outcomes(chat)[0].reasons == ("age_below", "experience_low")

    chat.send("no thanks")
    assert "We wish you every success" in chat.last_text()
    assert len(outcomes(chat)) == 1


# ---- a clear no comes early -------------------------------------------------------------------
@pytest.mark.parametrize("age", ["30", "85"])
def test_an_age_far_outside_the_range_ends_once_the_place_is_known(age: str) -> None:
    chat = begin(FlowChat()).send("רונית").send(age)
    assert chat.state.top.node == "city"  # the center's services and manager follow from the place
    chat.send("כפר סבא")
    text = chat.last_text()
    assert "התוכנית לא מתאימה כרגע" in text and "אין צורך בשאר השאלות" in text
    assert ("45 ומעלה" if age == "30" else "עד גיל 75") in text
    assert "המחלקה לשירותים חברתיים, עיריית כפר סבא – 106" in text
    assert chat.buttons() == ["כן, לבקש בדיקה", "לא, תודה"]
    assert [a.question for a in chat.effects_of(SaveAnswer)] == ["consent", "name", "age", "city"]
    [recorded] = outcomes(chat)
    assert (recorded.outcome, recorded.center) == ("not_eligible", "kfar-saba")
    chat.click("כן, לבקש בדיקה")
    assert outcomes(chat)[1].outcome == "manager_decision"


def test_an_age_near_the_range_is_asked_everything() -> None:
    chat = answer(begin(FlowChat()), age="43")
    asked = [a.question for a in chat.effects_of(SaveAnswer)]
    assert "experience" in asked and "summary" in asked
    assert "אין צורך בשאר השאלות" not in chat.last_text()
    assert outcomes(chat)[0].reasons == ("age_below",)


# ---- the summary before the outcome ----------------------------------------------------------
def test_the_summary_shows_the_answers_and_one_can_be_changed() -> None:
    chat = answer(begin(FlowChat()), until="summary", groups="1, 4")
    text = chat.last_text()
    for line in (
        "שם: רונית",
        "גיל: 58",
        "עיר: כפר סבא",
        "זמן בלי עבודה: חודשיים עד שנה",
        "היקף משרה: חצי משרה",
        "שנות ניסיון: 25",
        "קבוצות: אדם עם מוגבלות, משפחה חד-הורית",
        "איך שמעתם עלינו: חבר מביא חבר",
    ):
        assert line in text, line
    assert chat.buttons()[:2] == ["כן, הכול נכון", "לשנות משהו"]
    assert outcomes(chat) == []
    chat.click("לשנות משהו")
    assert "מה תרצו לשנות?" in chat.last_text() and "שנות ניסיון" in chat.buttons()
    assert len(chat.buttons()) <= 10  # "back" included: a WhatsApp list holds ten rows
    chat.click("שנות ניסיון")
    assert "כמה שנות ניסיון" in chat.last_text()
    chat.send("30")
    assert "שנות ניסיון: 30" in chat.last_text() and "גיל: 58" in chat.last_text()  # back at the summary
    chat.click("כן, הכול נכון").send("050-1234567")
    assert outcomes(chat)[0].outcome == "eligible"
    assert profile(chat)["experience_years"] == 30


def test_changing_the_city_asks_what_depends_on_it_and_returns_to_the_summary() -> None:
    chat = answer(begin(FlowChat()), until="summary")
    chat.click("לשנות משהו").click("עיר")
    chat.send("ירושלים")
    assert "לא מצאתי מרכז" in chat.last_text()
    chat.click("תל אביב")
    assert "הפעילויות מתקיימות במרכז תל אביב" in chat.last_text()
    chat.click("כן")
    assert "עיר: ירושלים" in chat.last_text() and "מרכז: תל אביב" in chat.last_text()
    chat.click("כן, הכול נכון").send("050-1234567")
    assert outcomes(chat)[0].center == "tel-aviv"


def test_changing_the_age_to_one_far_out_ends_with_the_reason() -> None:
    chat = answer(begin(FlowChat()), until="summary")
    chat.click("לשנות משהו").click("גיל").send("30")
    assert "אין צורך בשאר השאלות" in chat.last_text()
    assert outcomes(chat)[0].reasons == ("age_below",)


# ---- the center manager decides --------------------------------------------------------------
def test_age_44_is_almost_and_the_manager_decides_within_five_working_days() -> None:
    chat = answer(begin(FlowChat()), age="44")
    chat.send("050-1234567")  # staff will call: the phone is asked for
    assert "הנהלת המרכז" in chat.last_text()
    assert "יום ראשון, 29 בנובמבר 2026" in chat.last_text()
    assert outcomes(chat) == [RecordOutcome("manager_decision", "kfar-saba", ("age_below",), False, DUE)]


@pytest.mark.parametrize(
    ("years", "outcome"),
    [("4", "manager_decision"), ("3", "manager_decision"), ("2", "not_eligible"), ("5", "eligible")],
)
def test_experience_within_the_margin_of_two_years_goes_to_the_manager(years: str, outcome: str) -> None:
    chat = answer(begin(FlowChat(lang="en")), experience=years)
    if outcome != "not_eligible":
        chat.click("No phone for now")
    [recorded] = outcomes(chat)
    assert recorded.outcome == outcome
    assert recorded.decision_due == (DUE if outcome == "manager_decision" else None)
    if outcome == "manager_decision":
        assert recorded.reasons == ("experience_low",)
        assert "by Sunday, November 29, 2026" in chat.last_text()


# ---- where they live -------------------------------------------------------------------------
def test_an_unserved_city_offers_the_centers_and_none_of_these_means_not_in_area() -> None:
    chat = answer(begin(FlowChat()), city="ירושלים")
    assert "לא מצאתי מרכז" in chat.last_text()
    assert chat.buttons() == ["תל אביב", "כפר סבא", "מודיעין", "אף אחד מהם", "↩ חזרה"]
    chat.click("אף אחד מהם")
    assert chat.state.top.node == "out_of_work"  # nowhere to come to: "willing" is not asked
    answer(chat)
    assert "אין עדיין מרכז של התוכנית באזור המגורים שלכם." in chat.last_text()
    [recorded] = outcomes(chat)
    assert (recorded.outcome, recorded.center, recorded.reasons) == ("not_eligible", None, ("not_in_area",))


def test_an_unserved_city_can_still_choose_a_center_it_can_reach() -> None:
    chat = begin(FlowChat(lang="en"))
    chat.send("Ruth").send("57").send("Ramat Gan")
    chat.click("Tel Aviv")
    assert "Activities take place at the Tel Aviv center. Will you be able to come" in chat.last_text()
    answer(chat).click("No phone for now")
    assert outcomes(chat) == [RecordOutcome("eligible", "tel-aviv", (), False, None)]
    assert profile(chat)["city"] == "Ramat Gan"


@pytest.mark.parametrize(
    ("lang", "sentence", "center"),
    [
        ("he", "אני גר כעת בכפר סבא", "כפר סבא"),
        ("en", "I live in Kfar Saba now", "Kfar Saba"),
        ("en", "Я живу в Тель-Авиве", "Tel Aviv"),
        ("en", "أسكن في حولون", "Modiin"),
    ],
)
def test_a_city_named_in_a_sentence_finds_its_center_without_asking_again(
    lang: str, sentence: str, center: str
) -> None:
    chat = answer(begin(FlowChat(lang=lang)), city=sentence, until="willing")
    assert chat.state.top.node == "willing"
    assert center in chat.last_text()
    assert (
        profile(answer(chat).click("בלי טלפון כרגע" if lang == "he" else "No phone for now"))["city"]
        == sentence
    )


def test_a_sentence_naming_towns_of_two_centers_asks_which_center() -> None:
    chat = begin(FlowChat(lang="en"))
    chat.send("Ruth").send("57").send("I moved from Holon to Kfar Saba")
    assert chat.state.top.node == "center"
    chat.click("Kfar Saba")
    assert "Activities take place at the Kfar Saba center." in chat.last_text()


# ---- saying no to starting -------------------------------------------------------------------
@pytest.mark.parametrize(("lang", "hello", "no"), [("he", "שלום", "לא עכשיו"), ("en", "hi", "Not now")])
def test_declining_consent_ends_kindly_and_records_nothing(lang: str, hello: str, no: str) -> None:
    chat = FlowChat(lang=lang)
    chat.send(hello).click(no)
    assert ("כשתרצו" if lang == "he" else "start") in chat.last_text()
    assert chat.state.frames == []
    assert outcomes(chat) == [] and chat.effects_of(UpdateProfile) == []
    assert [a.question for a in chat.effects_of(SaveAnswer)] == ["consent"]


# ---- per-center thresholds -------------------------------------------------------------------
STRICT_KFAR_SABA = program_from_dict(
    {
        "centers": [
            {
                "slug": "tel-aviv",
                "names": {"he": "תל אביב", "en": "Tel Aviv"},
                "cities": ["תל אביב", "Tel Aviv"],
            },
            {
                "slug": "kfar-saba",
                "names": {"he": "כפר סבא", "en": "Kfar Saba"},
                "cities": ["כפר סבא", "Kfar Saba"],
                "services": [{"names": {"he": "לשכת כפר סבא", "en": "Kfar Saba office"}, "phone": "*6070"}],
                "eligibility": {"min_age": 50},
            },
        ],
    }
)


def test_a_center_may_ask_for_an_older_age_than_the_program() -> None:
    from_kfar_saba = answer(begin(FlowChat(lang="en", program=STRICT_KFAR_SABA)), age="47")
    assert "The program is for people aged 50 and over." in from_kfar_saba.last_text()
    assert outcomes(from_kfar_saba)[0].reasons == ("age_below",)

    from_tel_aviv = answer(begin(FlowChat(lang="en", program=STRICT_KFAR_SABA)), age="47", city="Tel Aviv")
    from_tel_aviv.click("No phone for now")
    assert outcomes(from_tel_aviv) == [RecordOutcome("eligible", "tel-aviv", (), False, None)]


# ---- special groups --------------------------------------------------------------------------
def test_two_special_groups_suggest_a_referral() -> None:
    chat = answer(begin(FlowChat()), until="groups")
    chat.click("אדם עם מוגבלות")
    assert "✓ אדם עם מוגבלות" in chat.buttons()
    chat.click("משפחה חד-הורית")
    chat.click("משפחה חד-הורית")  # a second press takes it back
    assert "✓ משפחה חד-הורית" not in chat.buttons() and "משפחה חד-הורית" in chat.buttons()
    chat.click("מהציבור החרדי")
    chat.click("סיימתי")
    answer(chat).send("050-1234567")
    [recorded] = outcomes(chat)
    assert (recorded.outcome, recorded.referral_suggested) == ("eligible", True)
    groups = [a.value for a in chat.effects_of(SaveAnswer) if a.question == "groups"]
    assert groups == [["disability", "haredi"]]


@pytest.mark.parametrize(("groups", "referral"), [("1, 4", True), ("1", False), ("אף אחד מאלה", False)])
def test_groups_typed_as_numbers(groups: str, referral: bool) -> None:
    chat = answer(begin(FlowChat()), groups=groups)
    chat.click("בלי טלפון")
    assert outcomes(chat)[0].referral_suggested is referral


def test_groups_the_number_of_done_finishes_with_what_was_ticked_and_the_one_after_it_goes_back() -> None:
    chat = answer(begin(FlowChat()), until="groups")
    chat.click("אדם עם מוגבלות")
    labels = chat.buttons()  # as WhatsApp numbers them: the groups, "done", then "back"
    assert labels[-2:] == ["סיימתי ✔", "↩ חזרה"]
    chat.send(str(len(labels) - 1))  # "done"
    groups = [a.value for a in chat.effects_of(SaveAnswer) if a.question == "groups"]
    assert groups == [["disability"]]
    chat.send(str(len(chat.buttons())))  # at the next question, its last number is "back"
    assert chat.state.top is not None and chat.state.top.node == "groups"


@pytest.mark.parametrize("word", ["סיימתי", "סיימתי ✔", "Готово", "done", "انتهيت"])
def test_groups_typing_the_word_the_question_says_finishes_with_what_was_ticked(word: str) -> None:
    chat = answer(begin(FlowChat()), until="groups")
    assert '"סיימתי"' in chat.last_text()
    chat.click("אדם עם מוגבלות")
    chat.send(word)
    groups = [a.value for a in chat.effects_of(SaveAnswer) if a.question == "groups"]
    assert groups == [["disability"]]
    assert chat.state.top is not None and chat.state.top.node == "source"


QUOTED = re.compile(r'"([^"]+)"|«([^»]+)»|“([^”]+)”')


def walk_by_payload(chat: FlowChat) -> None:
    """Answer the question on the screen without words of any language: a button, or digits and names."""
    node = chat.state.top.node  # type: ignore[union-attr]
    typed = {"name": "Dana", "age": "57", "city": "Kfar Saba", "experience": "25", "phone": "050-1234567"}
    pressed = {
        "consent": "yes",
        "willing": "yes",
        "out_of_work": "2m1y",
        "job_share": "0.5",
        "able": "yes",
        "groups": "none",
        "source": "friend",
        "summary": "correct",
    }
    chat.send(typed[node]) if node in typed else choose(chat, pressed[node])


@pytest.mark.parametrize("lang", ["he", "en", "ru", "ar"])
def test_every_word_a_pre_screen_question_tells_people_to_type_is_understood(lang: str) -> None:
    chat = FlowChat(lang=lang)
    chat.send("hello")
    asked = []
    while (top := chat.state.top) is not None and top.flow == "prescreen":
        said = [chat.render(p) for p in chat.last_batch[-1].parts if p.key != "prescreen.intro"]  # the name
        for groups in QUOTED.findall("\n".join(said)):
            word = next(g for g in groups if g)
            typed = copy.deepcopy(chat).send(word)
            after = typed.state.top
            moved = after is None or (after.flow, after.node) != (top.flow, top.node)
            assert moved, f"{lang} {top.node}: typing {word!r} got {typed.last_text()!r}"
            asked.append(top.node)
        walk_by_payload(chat)
    assert "groups" in asked and "out_of_work" in asked


# ---- the phone and the contact button --------------------------------------------------------
def test_the_phone_is_not_asked_when_it_is_already_known() -> None:
    chat = answer(begin(FlowChat(person=PersonFacts(phone="+972501234567"))))
    assert "התוכנית מתאימה לכם" in chat.last_text()  # straight after "how did you hear of us"
    assert "phone" not in {a.question for a in chat.effects_of(SaveAnswer)}


def test_the_contact_button_is_offered_only_where_the_channel_can_share_a_contact() -> None:
    whatsapp = answer(begin(FlowChat(lang="en")))
    assert "share your phone number or write it" in whatsapp.last_text()
    assert not whatsapp.last_batch[-1].request_contact

    on_telegram = PersonFacts(channel="telegram", can_share_contact=True)
    telegram = answer(begin(FlowChat(lang="en", person=on_telegram)))
    assert telegram.last_batch[-1].request_contact
    telegram.share_contact("972501234567")
    assert outcomes(telegram)[0].outcome == "eligible"
    assert profile(telegram)["phone"] == "+972501234567"


def test_a_wrong_phone_is_asked_again_and_skipping_is_allowed() -> None:
    chat = answer(begin(FlowChat()))
    chat.send("12345")
    assert "המספר לא נראה תקין" in chat.last_text() and chat.state.top.node == "phone"
    chat.click("בלי טלפון כרגע")
    assert outcomes(chat)[0].outcome == "eligible"
    assert profile(chat)["phone"] is None


def test_the_telegram_profile_name_is_offered_as_a_button() -> None:
    chat = begin(FlowChat(person=PersonFacts(channel="telegram", profile_name="Dana Levi")))
    assert chat.buttons()[0] == "Dana Levi"
    chat.click("Dana Levi")
    answer(chat)
    chat.click("בלי טלפון")
    assert profile(chat)["display_name"] == "Dana Levi"
    assert "Dana Levi" in chat.last_text()


# ---- answers the flow cannot read ------------------------------------------------------------
def test_an_unreadable_age_is_explained_and_asked_again() -> None:
    chat = begin(FlowChat()).send("רונית").send("abc")
    assert "לא הצלחתי להבין את הגיל" in chat.last_text()
    assert "מה הגיל שלכם" in chat.last_text()
    chat.send("٥٧")
    assert chat.state.top.node == "city"


def test_a_question_instead_of_a_name_is_not_taken_as_the_name() -> None:
    chat = begin(FlowChat()).send("מה?")
    assert "נראה שזו שאלה" in chat.last_text()
    assert chat.state.top.node == "name" and "name" not in chat.state.top.answers
    chat.send("רונית")
    assert chat.state.top.node == "age"
    assert [a.value for a in chat.effects_of(SaveAnswer) if a.question == "name"] == ["רונית"]


@pytest.mark.parametrize("reply", ["👍", "😀😀", "!!!", "?", "🙏", "מה?"])
def test_a_question_without_buttons_never_mentions_buttons(reply: str) -> None:
    at_name = begin(FlowChat())
    at_age = begin(FlowChat()).send("רונית")
    at_city = begin(FlowChat()).send("רונית").send("57")
    at_experience = answer(begin(FlowChat()), until="experience")
    for chat in (at_name, at_age, at_city, at_experience):
        asked = chat.state.top.node
        assert not chat.last_choices() or chat.buttons() == ["↩ חזרה"]
        chat.send(reply)
        assert chat.state.top.node == asked and asked not in chat.state.top.answers
        assert "כפתור" not in chat.last_text(), (asked, chat.last_text())
    at_age.send_sticker()
    assert "כפתור" not in at_age.last_text()


def test_an_emoji_for_the_name_or_the_age_says_it_needs_words_or_digits() -> None:
    chat = begin(FlowChat()).send("👍")
    assert "בלי מילים" in chat.last_text() and chat.state.top.node == "name"
    chat.send("רונית").send("😀")
    assert "בלי מילים" in chat.last_text() and chat.state.top.node == "age"


@pytest.mark.parametrize(("reply", "said"), [("150", "150"), ("12", "12"), ("1900", "126"), ("2020", "6")])
def test_an_age_out_of_range_says_what_was_wrong_with_it(reply: str, said: str) -> None:
    chat = begin(FlowChat()).send("רונית").send(reply)
    text = chat.last_text()
    assert said in text and "נא לכתוב מספר" not in text
    assert "לא הצלחתי להבין" not in text  # it was understood: a number, but not a likely age
    assert chat.state.top.node == "age" and "age" not in chat.state.top.answers
    chat.send("1968")
    assert chat.state.top.node == "city"


def test_years_of_experience_out_of_range_says_what_was_wrong_with_it() -> None:
    chat = answer(begin(FlowChat()), until="experience").send("100")
    assert "100" in chat.last_text() and "נא לכתוב מספר" not in chat.last_text()
    assert chat.state.top.node == "experience"
    chat.send("25")
    assert chat.state.top.node == "able"


# ---- Russian ---------------------------------------------------------------------------------
def test_a_russian_speaker_switches_language_and_answers_in_russian() -> None:
    # The Russian catalog is required: without it the flow would quietly fall back to Hebrew.
    assert RU_CATALOG.is_file(), f"the Russian catalog is missing: {RU_CATALOG}"
    assert "prescreen.eligible" in CATALOGS.messages["ru"]
    chat = FlowChat()
    chat.send("Здравствуйте")
    chat.click("Language")
    chat.click("Русский")
    assert chat.effects_of(SetLanguage) == [SetLanguage("ru")]
    choose(chat, "yes")
    chat.send("Ольга").send("пятьдесят семь").send("Бат-Ям")
    choose(chat, "yes")
    chat.send("полгода")
    choose(chat, "0.5")
    chat.send("двадцать")
    choose(chat, "yes")
    choose(chat, "none")
    choose(chat, "friend")
    assert "Всё верно?" in chat.last_text()
    choose(chat, "correct")
    chat.send("050-1234567")

    assert outcomes(chat) == [RecordOutcome("eligible", "modiin", (), False, None)]
    assert "Модиин" in chat.last_text()
    assert any("а" <= ch <= "я" for ch in chat.last_text().lower())
    assert profile(chat)["birth_year"] == 1969

"""The staff queue in the chat, the flows alone (pure): "talk to a person" requests and borderline
cases, as each role and center sees them; and what a participant reads after the manager decided
(flows/decision_notice.py), in every language. The state goes through JSON after every step."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from flows import Context, Msg, PersonFacts, Pressed, Reply, State, Text
from flows.context import DecisionFacts, HandoffFacts, StaffQueue
from flows.decision_notice import decision_sprint
from flows.program import LANGUAGES
from flows.registry import FLOWS
from flows.staff_queue import QueueResult, queue_result_replies
from flows.staff_queue.effects import CloseHandoff, DecideCase
from tests.kit import CATALOGS, PROGRAM, START, TZ, FlowChat

MANAGER = PersonFacts(channel="telegram", role="manager", staff_center="kfar-saba")
PROMOTER = replace(MANAGER, role="promoter")
PARTICIPANT = PersonFacts(channel="telegram", outcome="eligible", center="kfar-saba")

RONIT = HandoffFacts(
    "h1", "רונית", START - timedelta(hours=3), "+972501234567", "telegram", "kfar-saba", "prescreen", "age"
)
NEWCOMER = HandoffFacts("h2", "", START - timedelta(hours=1), None, "whatsapp", None)
AMAL = HandoffFacts("h3", "אמל", START - timedelta(hours=5), None, "telegram", "modiin", "menu", "item")
DANA = DecisionFacts(
    "d1",
    "דנה",
    START - timedelta(days=1),
    ("age_below", "special_circumstances"),
    date(2026, 11, 27),
    None,
    "kfar-saba",
    answers={"age": 43},
)
OLGA = DecisionFacts(
    "d2", "Ольга", START - timedelta(days=2), ("experience_low",), date(2026, 11, 25), None, "modiin"
)
QUEUE = StaffQueue((RONIT, NEWCOMER, AMAL), (DANA, OLGA))


@dataclass
class QueueChat(FlowChat):
    queue: StaffQueue = field(default_factory=lambda: QUEUE)

    def context(self) -> Context:
        return replace(super().context(), staff_queue=self.queue)


def staff(person: PersonFacts = MANAGER, lang: str = "he", **kw: object) -> QueueChat:
    return QueueChat(lang=lang, person=person, **kw)  # type: ignore[arg-type]


# ---- requests to talk to a person --------------------------------------------------------------
def test_staff_see_their_centers_requests_and_the_unplaced_ones_the_longest_waiting_first() -> None:
    chat = staff(PROMOTER).send("/staff")
    assert chat.buttons() == ["📞 בקשות לשיחה עם הצוות (2)", "🤝 פגישות: נוכחות ומשימה הבאה"]
    chat.click("בקשות לשיחה")
    assert "מרכז כפר סבא: 2." in chat.last_text()
    assert [b.split(" – ")[0] for b in chat.buttons()] == ["רונית", "(בלי שם)"]  # never Modiin's Amal
    chat.click("(בלי שם)")
    text = chat.last_text()
    assert "• טלפון: לא ידוע" in text and "• ערוץ: whatsapp" in text and "לא באמצע שיחה" in text
    assert "עדיין בלי מרכז" in text
    chat.click("טיפלתי").click("בלי הערה")
    assert chat.effects_of(CloseHandoff) == [CloseHandoff("h2", None)]
    assert chat.buttons()[0] == "📞 בקשות לשיחה עם הצוות (1)"  # not counted again while the queue catches up


def test_a_note_is_kept_and_not_yet_changes_nothing() -> None:
    chat = staff().send("/staff").click("בקשות לשיחה").click("רונית")
    assert "• איפה היו בשיחה: prescreen › age" in chat.last_text()
    chat.click("עדיין לא")
    assert "הפנייה נשארת פתוחה" in chat.last_text() and chat.effects_of(CloseHandoff) == []
    chat.click("בקשות לשיחה").click("רונית").click("טיפלתי").send("  דיברנו,   תגיע  ")
    assert chat.effects_of(CloseHandoff) == [CloseHandoff("h1", "דיברנו, תגיע")]


def test_no_requests_says_so_and_many_show_the_longest_waiting() -> None:
    chat = staff(queue=StaffQueue()).send("/staff").click("בקשות לשיחה")
    assert "אין כרגע בקשות פתוחות לשיחה במרכז כפר סבא" in chat.last_text()
    many = tuple(
        replace(RONIT, ref=f"h{i}", name=f"n{i}", asked_at=START - timedelta(minutes=i)) for i in range(12)
    )
    chat = staff(queue=StaffQueue(many)).send("/staff").click("בקשות לשיחה")
    assert "מוצגים כאן 10 הראשונים בתור" in chat.last_text()
    assert [b.split(" – ")[0] for b in chat.buttons()] == [f"n{i}" for i in range(11, 1, -1)]


# ---- borderline cases ---------------------------------------------------------------------------
def test_a_manager_sees_why_a_case_is_borderline_and_decides_after_a_confirmation() -> None:
    chat = staff().send("/staff")
    assert "⚖️ ממתינים להחלטה שלכם (1)" in chat.buttons()  # Dana's; Olga is Modiin's
    chat.click("ממתינים להחלטה").click("דנה")
    text = chat.last_text()
    assert "• התוכנית מיועדת לבני 45 ומעלה. (מה שענו: 43)" in text  # the rule, and the answer behind it
    assert "• יש בקשה לשקול את המקרה בגלל נסיבות מיוחדות." in text
    assert "הבטחנו תשובה עד יום שישי, 27 בנובמבר 2026." in text
    assert chat.buttons() == ["✅ לאשר הצטרפות", "❌ לא לאשר", "אחליט אחר כך", "↩ חזרה"]
    chat.click("לא לאשר")
    assert "עם הסיבות ורשימת השירותים האחרים" in chat.last_text()
    chat.send("כן")
    assert chat.effects_of(DecideCase) == [DecideCase("d1", False)]


def test_only_the_roles_the_program_allows_decide() -> None:
    assert "⚖️" not in " ".join(staff(PROMOTER).send("/staff").buttons())
    assert "⚖️" not in " ".join(staff(replace(MANAGER, role="router")).send("/staff").buttons())
    chat = QueueChat(person=PARTICIPANT).send("/staff")
    assert "לא הכרתי את הפקודה" in chat.last_text()
    chat.press("g:staff")
    assert all(f.flow not in ("staff", "staff_decisions") for f in chat.state.frames)


def test_what_the_shell_did_is_said_in_the_staff_members_words() -> None:
    def said(result: QueueResult, lang: str = "he") -> str:
        [reply] = queue_result_replies(result)
        assert isinstance(reply, Reply)
        return CATALOGS.translator(lang).text(reply).replace("\u2068", "").replace("\u2069", "")

    assert "סגרנו את הפנייה של רונית" in said(QueueResult("handoff", "done", "רונית"))
    assert "כבר טופלה" in said(QueueResult("handoff", "unavailable"))
    assert "כבר הוחלט" in said(QueueResult("decision", "unavailable"))
    assert "You approved Dana" in said(QueueResult("decision", "done", "Dana", approved=True), "en")
    assert "will not join the program" in said(QueueResult("decision", "done", "Dana"), "en")
    assert "no longer allows" in said(QueueResult("decision", "not_allowed"), "en")


# ---- what the participant reads ------------------------------------------------------------------
def notice(approved: bool, lang: str, conferences: int = 2) -> Reply:
    data = {
        "decision": "d1",
        "approved": approved,
        "name": "Dana",
        "center": "kfar-saba",
        "reasons": ["age_below", "special_circumstances"],
        "conferences": [
            {
                "ref": f"e{i}",
                "title": "x",
                "place": "אולם",
                "when": datetime(2026, 12, 2 + i, 18, tzinfo=TZ).isoformat(),
            }
            for i in range(conferences)
        ],
    }
    ctx = Context(program=PROGRAM, lexicon=CATALOGS, person=PersonFacts())
    sprint = decision_sprint(State(lang=lang), data, START, ctx, FLOWS)
    [reply] = sprint.replies
    assert isinstance(reply, Reply)
    if approved and conferences:
        assert sprint.state.top is not None and sprint.state.top.flow == "conference"
        assert sprint.state.top.answers["center"] == "kfar-saba"
    else:
        assert sprint.state.frames == []
    return reply


def test_the_notice_reads_in_every_language() -> None:
    for lang in LANGUAGES:
        translator = CATALOGS.translator(lang)
        approved = notice(True, lang)
        assert len(approved.choices) == 3  # two dates and "later"
        assert translator.render(approved.parts[0]).strip()
        declined = translator.text(notice(False, lang))
        assert translator.render(Msg("reason.age_below", {"min_age": 45})) in declined
        intro = Msg("prescreen.services_intro", {"center": PROGRAM.center("kfar-saba").name(lang)})  # type: ignore[union-attr]
        assert translator.render(intro) in declined


def test_the_approved_notice_without_conferences_says_the_team_will_send_the_date() -> None:
    text = CATALOGS.translator("en").text(notice(True, "en", conferences=0))
    assert "good news" in text and "The next step is an exposure conference" in text


# ---- nothing a staff member types breaks the flows ----------------------------------------------
WORDS = [
    "/staff",
    "צוות",
    "בקשות",
    "1",
    "2",
    "3",
    "כן",
    "לא",
    "תפריט",
    "חזרה",
    "טיפלתי",
    "דיברנו",
    "",
    "😀",
    "x" * 600,
    "g:back",
    "g:staff",
]


@settings(max_examples=60, deadline=None)
@given(
    role=st.sampled_from(["manager", "router", "promoter", "participant"]),
    center=st.sampled_from([None, "kfar-saba", "modiin"]),
    moves=st.lists(
        st.one_of(
            st.sampled_from(WORDS).map(lambda w: ("text", w)),
            st.integers(0, 8).map(lambda i: ("press", str(i))),
        ),
        max_size=14,
    ),
)
def test_random_staff_input_never_breaks_the_queue_flows(
    role: str, center: str | None, moves: list[tuple[str, str]]
) -> None:
    chat = QueueChat(person=PersonFacts(channel="telegram", role=role, staff_center=center))
    chat.send("/staff")
    for kind, value in moves:
        if kind == "press":
            choices = chat.last_choices()
            chat.feed(Pressed(choices[int(value) % len(choices)].payload) if choices else Text(value))
        elif value.startswith("/"):
            chat.send(value)
        else:
            chat.feed(Text(value))
        for frame in chat.state.frames:
            assert FLOWS[frame.flow].step(frame.node) is not None
    refs = {e.handoff for e in chat.effects_of(CloseHandoff)}
    refs |= {e.decision for e in chat.effects_of(DecideCase)}
    visible = {h.ref for h in QUEUE.handoffs if h.center in (center, None)} if center else set()
    visible |= {d.ref for d in QUEUE.decisions if d.center == center and role == "manager"}
    assert refs <= visible  # only what the role and the center may see
    if role == "participant" or center is None:
        assert refs == set()

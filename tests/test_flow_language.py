"""The flow language: branching, sub-flows that return a value, repeated groups, questions that
wait with a timeout, and proactive starts as typed triggers. Each test declares a small flow the way
a feature would, runs it through the real engine beside the registered flows, and writes the state
to JSON and reads it back after every step, as the shell does."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from flows import FLOWS, Command, Context, Input, PersonFacts, Pressed, Reply, State, Text
from flows.declare import END, STAY, TIMED_OUT, Ask, Branch, Call, Done, Flow, Flows, Timeout, View, yes_no
from flows.effects import ArmTimeout, Effect, SaveAnswer
from flows.engine import Sprint, step, trigger
from flows.inputs import Timeout as TimedOut
from flows.messages import Msg
from flows.triggers import Trigger
from tests.kit import CATALOGS, PROGRAM, START, FlowChat


def free(key: str, **kw: Any) -> Ask:
    return Ask(key, prompt=f"t.ask_{key}", parse=lambda text, view: text.strip(), **kw)


def result_of(view: View) -> Done:
    return Done(replies=(Msg("t.done", dict(view.answers)),), result=dict(view.answers))


@dataclass
class Run:
    """One person in a set of flows; the state goes through JSON after every step."""

    flows: Flows
    now: datetime = START
    state: State = field(default_factory=State)
    effects: list[Effect] = field(default_factory=list)
    last: tuple[Any, ...] = ()

    def ctx(self) -> Context:
        return Context(
            program=PROGRAM, lexicon=CATALOGS, person=PersonFacts(outcome="eligible", center="kfar_saba")
        )

    def _keep(self, sprint: Sprint) -> Run:
        self.state = State.from_json(sprint.state.to_json())
        self.effects += sprint.effects
        self.last = sprint.replies
        return self

    def start(self, flow: str, key: str | None = None, **values: Any) -> Run:
        return self._keep(
            trigger(self.state, Trigger(flow, values, key=key), self.now, self.ctx(), self.flows)
        )

    def feed(self, inp: Input) -> Run:
        return self._keep(step(self.state, inp, self.now, self.ctx(), self.flows))

    def say(self, text: str) -> Run:
        return self.feed(Text(text))

    def press(self, value: str) -> Run:
        return self.feed(Pressed(f"{self.state.seq}:{value}"))

    def asked(self) -> str:
        """The message key of the question now asked."""
        reply = self.last[-1]
        assert isinstance(reply, Reply)
        return reply.parts[-1].key

    def said(self) -> list[str]:
        return [p.key for r in self.last if isinstance(r, Reply) for p in r.parts]

    @property
    def top(self) -> str | None:
        return self.state.top.flow if self.state.top else None


def run(*flows: Flow) -> Run:
    return Run(FLOWS.adding(*flows))


# ---- branching ---------------------------------------------------------------------------------
STATUS = Flow(
    "t_status",
    steps=(
        Ask(
            "working",
            prompt="t.ask_working",
            options=yes_no(),
            next=lambda v: "since" if v.answers["working"] == "yes" else "looking",
        ),
        free("since", next="percent"),
        Ask("looking", prompt="t.ask_looking", options=yes_no(), next=END),
        Branch("percent_or_not", to=lambda v: "percent" if v.answers.get("since") != "today" else END),
        free("percent"),
    ),
    finish=result_of,
)


def test_an_answer_routes_to_the_named_question_and_the_other_branch_is_never_asked() -> None:
    working = run(STATUS).start("t_status").press("yes")
    assert working.asked() == "t.ask_since"
    working.say("March 2025")
    assert working.asked() == "t.ask_percent"  # "since" routes past "looking" and the branch step
    working.say("50")
    assert working.said()[0] == "t.done"
    assert working.last[0].parts[0].params == {"working": "yes", "since": "March 2025", "percent": "50"}

    idle = run(STATUS).start("t_status").press("no")
    assert idle.asked() == "t.ask_looking"
    idle.press("yes")
    assert idle.last[0].parts[0].params == {"working": "no", "looking": "yes"}  # END: nothing after it
    assert idle.top is None


def test_back_after_a_branch_returns_to_the_question_that_branched() -> None:
    chat = run(STATUS).start("t_status").press("yes").say("May")
    chat.feed(Command("back"))
    assert chat.asked() == "t.ask_since"
    chat.feed(Command("back"))
    assert chat.asked() == "t.ask_working"
    chat.press("no")  # the other branch now, with nothing left of the first
    assert chat.asked() == "t.ask_looking" and "since" not in chat.state.top.answers


def test_a_branch_step_routes_without_asking() -> None:
    flow = Flow(
        "t_b",
        steps=(free("a"), Branch("route", to=lambda v: END if v.answers["a"] == "x" else "b"), free("b")),
        finish=result_of,
    )
    assert run(flow).start("t_b").say("x").said() == ["t.done"]
    assert run(flow).start("t_b").say("y").asked() == "t.ask_b"


def test_a_route_to_an_undeclared_step_is_a_declaration_error() -> None:
    flow = Flow("t_bad", steps=(free("a", next="nowhere"),), finish=result_of)
    with pytest.raises(ValueError, match="nowhere"):
        run(flow).start("t_bad").say("x")


def test_routes_that_go_round_without_asking_are_a_declaration_error() -> None:
    flow = Flow(
        "t_loop", steps=(Branch("a", to=lambda v: "b"), Branch("b", to=lambda v: "a")), finish=result_of
    )
    with pytest.raises(ValueError, match="circles"):
        run(flow).start("t_loop")


# ---- sub-flows that return a value -------------------------------------------------------------
PICKER = Flow(
    "t_picker",
    steps=(free("title"), Ask("sure", prompt="t.ask_sure", options=yes_no())),
    finish=lambda v: Done(result=v.answers["title"] if v.answers["sure"] == "yes" else None),
)
JOB = Flow(
    "t_job",
    steps=(
        free("employer"),
        Call("occupation", flow="t_picker", carry=lambda v: {"hint": v.answers["employer"]}),
        free("percent"),
    ),
    finish=result_of,
)


def test_a_called_flow_hands_its_result_back_and_the_caller_goes_on() -> None:
    chat = run(PICKER, JOB).start("t_job").say("Acme")
    assert chat.top == "t_picker" and chat.state.top.answers == {"hint": "Acme"}  # what the caller carried
    chat.say("bookkeeper").press("yes")
    assert chat.top == "t_job" and chat.asked() == "t.ask_percent"
    chat.say("100")
    assert chat.last[0].parts[0].params == {"employer": "Acme", "occupation": "bookkeeper", "percent": "100"}


def test_back_from_a_called_flows_first_question_goes_back_in_the_caller() -> None:
    chat = run(PICKER, JOB).start("t_job").say("Acme")
    assert chat.last[-1].choices[-1].payload == "g:back"  # the called flow offers "back" at once
    chat.feed(Command("back"))
    assert chat.top == "t_job" and chat.asked() == "t.ask_employer" and len(chat.state.frames) == 1


def test_a_menu_opened_inside_a_called_flow_returns_to_it() -> None:
    chat = run(PICKER, JOB).start("t_job").say("Acme").say("bookkeeper")
    chat.feed(Command("menu"))
    assert chat.top == "menu"
    chat.press("continue")
    assert chat.top == "t_picker" and chat.asked() == "t.ask_sure"
    chat.press("yes")
    assert chat.asked() == "t.ask_percent"


# ---- repeating a group ------------------------------------------------------------------------
ONE_JOB = Flow(
    "t_one",
    steps=(free("title"), Ask("more", prompt="t.ask_more", options=yes_no())),
    finish=lambda v: Done(result={"title": v.answers["title"], "more": v.answers["more"] == "yes"}),
)
JOBS = Flow(
    "t_jobs",
    steps=(Call("jobs", flow="t_one", repeat=lambda v: v.answers["_jobs"][-1]["more"]), free("note")),
    finish=result_of,
)


def test_a_repeated_group_collects_one_result_per_round() -> None:
    chat = run(ONE_JOB, JOBS).start("t_jobs")
    chat.say("cashier").press("yes").say("driver").press("yes").say("guard").press("no")
    assert chat.asked() == "t.ask_note"
    chat.say("nothing more")
    assert [job["title"] for job in chat.last[0].parts[0].params["jobs"]] == ["cashier", "driver", "guard"]


# ---- a question that waits with a timeout -------------------------------------------------------
def remind_or_give_up(view: View) -> Done:
    if view.answers.get(TIMED_OUT) == "reminder":  # the reminder went unanswered too
        return Done(replies=(Msg("t.gave_up"),), effects=(SaveAnswer("t_wait", "gave_up", "", True),))
    return Done(replies=(Msg("t.thanks"),))


WAIT = Flow(
    "t_wait",
    steps=(
        Ask(
            "answer",
            prompt="t.ask_answer",
            options=yes_no(),
            next=END,
            timeout=Timeout(after=timedelta(days=3), go="reminder"),
        ),
        Ask(
            "reminder",
            prompt="t.ask_again",
            options=yes_no(),
            timeout=Timeout(after=lambda v: timedelta(days=2)),
        ),
    ),
    finish=remind_or_give_up,
)


def armed(chat: Run) -> list[ArmTimeout]:
    return [e for e in chat.effects if isinstance(e, ArmTimeout)]


def test_no_answer_in_time_reminds_once_then_the_flow_gives_up() -> None:
    chat = run(WAIT).start("t_wait", key="s1")
    (first,) = armed(chat)
    assert first.at == START + timedelta(days=3) and first.seq == chat.state.seq
    active = chat.state.last_active
    chat.now = first.at
    chat.feed(TimedOut(first.seq))
    assert chat.asked() == "t.ask_again"
    assert chat.state.last_active == active  # the clock is not the person: not a return after a pause
    second = armed(chat)[-1]
    assert second.at == first.at + timedelta(days=2)
    chat.now = second.at
    chat.feed(TimedOut(second.seq))
    assert chat.said() == ["t.gave_up"] and chat.top is None
    assert [e.question for e in chat.effects if isinstance(e, SaveAnswer)] == ["gave_up"]


def test_a_timeout_for_a_question_answered_meanwhile_changes_nothing() -> None:
    chat = run(WAIT).start("t_wait")
    (timer,) = armed(chat)
    chat.press("yes")
    assert chat.said() == ["t.thanks"]
    before = chat.state.to_json()
    chat.now = timer.at
    chat.feed(TimedOut(timer.seq))
    assert chat.last == () and chat.state.to_json() == before
    assert len(armed(chat)) == 1


def test_a_timeout_reaches_the_waiting_question_under_a_menu() -> None:
    chat = run(WAIT).start("t_wait")
    (timer,) = armed(chat)
    chat.feed(Command("menu"))
    assert chat.top == "menu"
    chat.now = timer.at
    chat.feed(TimedOut(timer.seq))
    assert chat.top == "t_wait" and chat.asked() == "t.ask_again"  # the reminder is what they see now
    assert [f.flow for f in chat.state.frames] == ["menu", "t_wait"]


LAPSE = Flow(
    "t_lapse",
    steps=(
        Ask(
            "answer",
            prompt="t.ask_answer",
            options=yes_no(),
            timeout=Timeout(
                after=timedelta(hours=24),
                go=STAY,
                effects=lambda v: (SaveAnswer("t_lapse", "lapsed", "", v.answers["event"]),),
            ),
        ),
    ),
    finish=lambda v: Done(replies=(Msg("t.answered", {"late": bool(v.answers.get(TIMED_OUT))}),)),
)


def test_a_timeout_may_apply_effects_and_leave_the_question_as_it_stood() -> None:
    chat = run(LAPSE).start("t_lapse", key="e1", event="e1")
    (timer,) = armed(chat)
    seq = chat.state.seq
    chat.now = timer.at
    chat.feed(TimedOut(timer.seq))
    assert chat.last == () and chat.state.seq == seq  # nothing said, the buttons still the same
    assert [(e.question, e.value) for e in chat.effects if isinstance(e, SaveAnswer)] == [("lapsed", "e1")]
    chat.press("yes")  # a late press is still an answer, and the flow knows it came late
    assert chat.last[0].parts[0].params == {"late": True}


# ---- proactive starts ---------------------------------------------------------------------------
def test_a_trigger_starts_its_flow_on_top_and_replaces_one_about_the_same_thing() -> None:
    chat = run(WAIT)
    chat.start("menu")
    chat.start("t_wait", key="e1", event="e1")
    chat.start("t_wait", key="e2", event="e2")
    chat.start("t_wait", key="e1", event="e1")
    assert [(f.flow, f.key) for f in chat.state.frames] == [
        ("menu", None),
        ("t_wait", "e2"),
        ("t_wait", "e1"),
    ]
    assert chat.state.top.answers == {"event": "e1"}


def test_a_typed_answer_to_a_triggered_question_a_day_later_is_an_answer() -> None:
    chat = run(WAIT).start("t_wait", key="e1")
    chat.now += timedelta(days=1)
    chat.say("כן")
    assert chat.said() == ["t.thanks"]


# ---- the staff flow, now a menu of sub-flows ---------------------------------------------------
def test_the_staff_flow_is_a_menu_that_calls_one_sub_flow_per_task() -> None:
    staff = FLOWS["staff"]
    calls = {s.key: s.flow for s in staff.steps if isinstance(s, Call)}
    assert calls == {
        "add": "staff_add",
        "edit": "staff_edit",
        "cancel": "staff_cancel",
        "meetings": "staff_meeting",  # its attendance, then the next task (flows/homework/next_task.py)
    }
    assert not any(s.skip for name in calls.values() for s in FLOWS[name].steps)  # no skip-chains left


# ---- states saved by the previous release -------------------------------------------------------
SAVED = Path(__file__).parent / "fixtures" / "states"


def saved(name: str) -> State:
    return State.from_json(json.dumps(json.loads((SAVED / f"{name}.json").read_text())["state"]))


def test_a_pre_screen_saved_before_the_upgrade_goes_on_at_the_same_question() -> None:
    chat = FlowChat()
    chat.state = saved("v1_prescreen_at_age")
    assert chat.state.top.node == "age"
    chat.send("62")
    assert chat.state.top.answers["age"]["age"] == 62 and chat.state.top.node == "city"


def test_staff_adding_an_event_before_the_upgrade_goes_on_in_the_add_sub_flow() -> None:
    from tests.test_staff_flows import staff

    chat = staff()
    chat.state = saved("v1_staff_adding_at_date")
    assert [(f.flow, f.node) for f in chat.state.frames] == [("staff", "add"), ("staff_add", "date")]
    chat.send("מחר")
    assert chat.state.top.flow == "staff_add" and chat.state.top.node == "time"
    chat.send("10:00").send("אולם 2").click("מפגש אחד").click("ללא הגבלה")
    assert chat.state.top.node == "track"


def test_staff_editing_before_the_upgrade_keeps_the_chosen_event() -> None:
    from tests.test_staff_flows import staff

    chat = staff()
    chat.state = saved("v1_staff_editing_at_new_time")
    top = chat.state.top
    assert (top.flow, top.node, top.answers["field"]) == ("staff_edit", "new_time", "time")
    chat.send("12:30")
    assert chat.state.top.node == "change_ok"


def test_a_seat_offer_saved_before_the_upgrade_keeps_what_it_is_about() -> None:
    state = saved("v1_offer_on_top_of_prescreen")
    assert state.version == 2
    top = state.top
    assert top.flow == "offer" and top.key == "e3" and "subject" not in top.answers
    chat = FlowChat()
    chat.state = state
    chat.press(f"{state.seq}:take")  # the button of the offer as it was sent before the upgrade
    assert [(type(e).__name__, e.event, e.accept) for e in chat.effects] == [("AnswerOffer", "e3", True)]
    assert chat.state.top.flow == "prescreen"

"""The flow engine: one pure step from (state, input, now, context) to a sprint.

The shell calls `step` inside one DB transaction, applies the sprint's effects, stores the new
state and then sends the replies. Nothing here does I/O or reads the clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flows.context import Context, phone_needed
from flows.declare import (
    END,
    STAY,
    TIMED_OUT,
    Ask,
    Branch,
    Call,
    Done,
    Flow,
    Flows,
    Invalid,
    Option,
    Roles,
    Route,
    View,
)
from flows.effects import ArmTimeout, Effect, RequestHandoff, SaveAnswer, SetLanguage, SetOptOut, SetPhone
from flows.inputs import Command, Contact, Input, Pressed, Text, Timeout, Unsupported
from flows.messages import Choice, Msg, Outgoing, Reply
from flows.parsing.choices import Candidate, match_choice, match_many
from flows.parsing.normalize import has_letters_or_digits, normalize
from flows.parsing.numbers import to_ascii_digits
from flows.parsing.phones import to_e164
from flows.state import Frame, State
from flows.triggers import Trigger

GLOBAL = "g:"
DONE = "__done"
NONE = "none"  # in a multi-choice question: "none of these", chosen alone
MAX_RAW = 500  # longest raw answer we keep
MAX_HOPS = 200  # steps passed over or branched through in one go: more is a loop in a declaration
REVISIT = "__revisit"  # in a frame's answers: a `goto` answer sent the person back to change one answer

# Slash commands and the intent each one means.
COMMANDS = {
    "start": "restart",
    "restart": "restart",
    "menu": "menu",
    "back": "back",
    "help": "help",
    "language": "language",
    "lang": "language",
    "human": "human",
    "person": "human",
    "privacy": "privacy",
    "delete": "privacy",
    "stop": "stop",
    "staff": "staff",
}
# Intents recognised when the whole message is one of the keywords (from the catalogs, any language).
KEYWORD_INTENTS = (
    "menu",
    "back",
    "restart",
    "language",
    "human",
    "stop",
    "optin",
    "privacy",
    "help",
    "staff",
)


@dataclass(frozen=True)
class Sprint:
    state: State
    replies: tuple[Outgoing, ...]
    effects: tuple[Effect, ...]


def step(state: State, inp: Input, now: datetime, ctx: Context, flows: Flows) -> Sprint:
    run = _Run(State.from_json(state.to_json()), ctx, now, flows)
    if isinstance(inp, Timeout):  # the clock, not the person: their last activity stays as it was
        run.timed_out(inp.seq)
    else:
        run.handle(inp)
        run.state.last_active = now
    return Sprint(run.state, tuple(run.replies), tuple(run.effects))


def unsupported_key(inp: Unsupported, buttons: bool = True) -> str:
    """What to say to something the engine cannot read: an edited message asks to send it anew
    (it may be a corrected answer); stickers, photos, voice notes and the like get the general reply,
    which mentions buttons only where there are some."""
    if inp.kind == "edited":
        return "common.edited"
    return "common.unsupported" if buttons else "common.unsupported_typed"


def trigger(state: State, start: Trigger, now: datetime, ctx: Context, flows: Flows) -> Sprint:
    """Start a flow on top of whatever the person is in, without any input from them: a proactive
    message that asks something (a reminder's "will you come?"). The first question's buttons carry
    the new sequence number, so the person's press is matched like any other answer; when the flow
    ends, the question underneath is asked again. A frame of the same flow and key is replaced
    rather than stacked."""
    run = _Run(State.from_json(state.to_json()), ctx, now, flows)
    if start.key is not None:
        run.state.frames = [f for f in run.state.frames if not (f.flow == start.flow and f.key == start.key)]
    run.start(start.flow, carry=start.values, key=start.key)
    run.state.last_active = now  # a typed answer to it is an answer, not a return after a long pause
    return Sprint(run.state, tuple(run.replies), tuple(run.effects))


@dataclass
class _Run:
    state: State
    ctx: Context
    now: datetime
    flows: Flows
    replies: list[Outgoing] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
    _pending: list[Msg] = field(default_factory=list)  # said before the next question
    _candidates: tuple[tuple[Option, ...], list[Candidate]] | None = None  # the last options' candidates

    # ---- entry -------------------------------------------------------------------------------
    def handle(self, inp: Input) -> None:
        if not all(self.intact(frame) for frame in self.state.frames):  # a deploy removed a flow or question
            self.state.frames.clear()
            self.say("common.lost_place")
        # a flow this person may not be in (staff whose role changed since) is gone, without a word
        self.state.frames = [f for f in self.state.frames if self.flows[f.flow].allows(self.ctx)]
        if isinstance(inp, Command):
            intent = COMMANDS.get(inp.name)
            if intent is None or not self.available(intent):
                self.say("common.unknown_command")
                self.reprompt_or_menu()
            else:
                self.intent(intent)
            return
        if isinstance(inp, Pressed) and inp.payload.startswith(GLOBAL):
            name = inp.payload[len(GLOBAL) :]
            if name in KEYWORD_INTENTS and self.available(name):
                self.intent(name)
            else:
                self.stale()
            return
        if isinstance(inp, Text):
            if len(inp.text) > self.max_length():
                self.say("common.too_long")
                self.reprompt_or_menu()
                return
            intent = None if self.names_current_option(inp.text) else self.keyword_intent(inp.text)
            if intent:
                self.intent(intent)
                return
        if not self.state.frames:
            self.idle_input(inp)
            return
        if isinstance(inp, Text) and self.away_too_long():
            self.push(self.flows.roles.resume)
            return
        self.answer(inp)

    # ---- global intents ----------------------------------------------------------------------
    def intent(self, name: str) -> None:
        person = self.ctx.person
        if name == "restart":
            self.state.frames.clear()
            if person.opted_out:
                self.effects.append(SetOptOut(False))
            self.start(
                self.roles.newcomer if self.newcomer() else self.roles.menu,
                greeting="common.welcome_back" if person.outcome else None,
            )
        elif name == "menu":
            if self.top_flow() == self.roles.menu:
                self.reprompt_or_menu()
            else:
                self.push(self.roles.menu)
        elif name == "back":
            self.back()
        elif name == "human":
            # asked again at its phone question: the request is made already
            if self.top_flow() == self.roles.intents["human"]:
                self.reprompt()
                return
            top = self.state.top
            # the request is made now, so that leaving the phone question below keeps it
            self.effects.append(RequestHandoff(top.flow if top else None, top.node if top else None))
            if phone_needed(self.ctx):  # staff will call: the number first, then the promise
                self.start(self.roles.intents["human"])
            else:
                self.say("handoff.ack", days=self.ctx.program.handoff_reply_working_days)
                self.reprompt()
        elif name in self.roles.intents:
            opens = self.roles.intents[name]
            if self.top_flow() == opens:
                self.reprompt_or_menu()
            else:
                self.push(opens)
        elif name == "stop":
            self.effects.append(SetOptOut(True))
            self.reply(Msg("optout.done"))
        elif name == "optin":
            if person.opted_out:
                self.effects.append(SetOptOut(False))
                self.say("optout.resumed")
            if not self.state.frames and person.outcome is None:
                # English "start" is the opt-in word, and the idle hint says to write it to begin
                self.start(self.roles.newcomer)
            else:
                self.reprompt_or_menu()
        elif name == "help":
            self.say("common.help")
            self.reprompt_or_menu()

    def keyword_intent(self, text: str) -> str | None:
        reply = normalize(text)
        if not reply:
            return None
        for name in KEYWORD_INTENTS:
            if not self.available(name):
                continue
            for phrase in self.ctx.lexicon.texts(f"keywords.{name}"):
                if reply in {normalize(k) for k in phrase.split(",")}:
                    return name
        return None

    def idle_input(self, inp: Input) -> None:
        if isinstance(inp, Pressed):
            self.stale()
            return
        if isinstance(inp, Contact):
            self.take_contact(inp)
            return
        if isinstance(inp, Unsupported):
            self.say(unsupported_key(inp))
        if self.newcomer():
            self.start(self.roles.newcomer)
        else:
            self.start(self.roles.menu, greeting="common.welcome_back")

    # ---- moving through flows ----------------------------------------------------------------
    def start(
        self,
        name: str,
        greeting: str | None = None,
        carry: dict[str, Any] | None = None,
        key: str | None = None,
    ) -> None:
        if greeting:
            self.say(greeting)
        self.state.frames.append(Frame(flow=name, answers=dict(carry or {}), key=key))
        self.advance()

    def push(self, name: str) -> None:
        # The menu offers "continue where we stopped" when it opens on top of another flow.
        carry = {"can_continue": True} if name == self.roles.menu and self.state.frames else None
        self.start(name, carry=carry)

    def advance(self) -> None:
        """Go on from the top frame's step: where its route says, else to the next one declared."""
        frame = self.state.frames[-1]
        flow = self.flows[frame.flow]
        if frame.node is None:
            self.go(frame, flow, flow.steps[0].key if flow.steps else END)
            return
        current = flow.step(frame.node)
        self.go(frame, flow, self.route(current.next if current else None, frame), after=frame.node)

    def route(self, route: Route | None, frame: Frame) -> str | None:
        return route(self.view(frame)) if callable(route) else route

    def go(self, frame: Frame, flow: Flow, target: str | None, after: str | None = None) -> None:
        """Arrive at `target` (None: the step declared after `after`): ask it, call it, branch on,
        or finish at END. A step whose `skip` says so is passed over to the one declared after it."""
        for _ in range(MAX_HOPS):
            if target is None:
                index = flow.index(after) + 1 if after is not None else 0
                target = flow.steps[index].key if index < len(flow.steps) else END
            if target == END:
                self.finish(frame, flow)
                return
            found = flow.step(target)
            if found is None:
                raise ValueError(f"flow {flow.name!r} routes to {target!r}, which it does not declare")
            view = self.view(frame)
            # passed over: its `skip` says so, or it stands answered while one answer is changed
            revisited = frame.answers.get(REVISIT) and found.key in frame.answers
            if revisited or (found.skip is not None and found.skip(view)):
                target, after = None, found.key
                continue
            frame.node = found.key
            if isinstance(found, Branch):
                target, after = found.to(view), found.key
                continue
            if isinstance(found, Call):
                self.call(frame, found)
            else:
                self.ask(frame, found)
            return
        raise ValueError(f"flow {flow.name!r} goes round in circles")

    def call(self, frame: Frame, call: Call) -> None:
        carry = call.carry(self.view(frame)) if call.carry is not None else {}
        self.start(call.flow, carry=carry)

    def returned(self, frame: Frame, call: Call, result: Any) -> None:
        """The flow a `Call` started is done: its result is the call's answer (or one more of them)."""
        if call.repeat is not None:
            results = [*frame.answers.get(f"_{call.key}", []), result]
            frame.answers[f"_{call.key}"] = results
            if call.repeat(self.view(frame)):
                self.call(frame, call)
                return
            result = results
        self.accept(frame, self.flows[frame.flow], call, result, "")

    def finish(self, frame: Frame, flow: Flow) -> None:
        done: Done = flow.finish(self.view(frame))
        self.state.frames.pop()
        for item in done.replies:
            if isinstance(item, Msg):
                self.reply(item)
            else:
                self.flush()
                self.replies.append(item)
        for effect in done.effects:
            self.effects.append(effect)
            if isinstance(effect, SetLanguage):
                self.state.lang = effect.lang
        then = done.then
        if then == "pop":
            below = self.state.top
            call = self.flows[below.flow].step(below.node) if below else None
            if below is not None and isinstance(call, Call):
                self.returned(below, call, done.result)
            else:
                self.reprompt()
        elif then == "idle":
            self.state.frames.clear()
        elif then == "reset":
            self.state = State(lang=self.state.lang, seq=self.state.seq)
        elif then == "restart-below":
            underneath = self.state.frames.pop().flow if self.state.frames else self.roles.newcomer
            self.state.frames.clear()
            self.start(underneath)
        elif then.startswith("start:"):
            self.state.frames.clear()
            self.start(then.removeprefix("start:"), carry=done.carry)
        elif then.startswith("push:"):
            self.start(then.removeprefix("push:"), carry=done.carry)
        self.flush()

    def back(self) -> None:
        frame = self.state.top
        if frame is None:
            self.start(self.roles.menu)
            return
        if frame.history:
            key = frame.history.pop()
            flow = self.flows[frame.flow]
            # forget that answer and everything after it (declared later, or the question now open),
            # but not what is still behind it on the way here (a route may have come back to it)
            kept = set(frame.history)
            later = {s.key for s in flow.steps[flow.index(key) :]} - kept
            for name in {key, *later, frame.node or key}:
                frame.answers.pop(name, None)
                frame.answers.pop(f"_{name}", None)
            frame.node = key
            self.arrive(frame, flow.steps[flow.index(key)])
        elif len(self.state.frames) > 1:
            self.state.frames.pop()
            below = self.state.top
            if below is not None and isinstance(self.flows[below.flow].step(below.node), Call):
                self.back()  # back from a called flow's first question: before the call, in the caller
            else:
                self.reprompt()
        elif frame.flow != self.roles.menu:
            self.push(self.roles.menu)
        else:
            self.reprompt()

    # ---- questions and answers ---------------------------------------------------------------
    def arrive(self, frame: Frame, found: Ask | Call | Branch) -> None:
        """Stand at `found` again (back, or a question asked anew): ask it, or call it afresh."""
        if isinstance(found, Ask):
            self.ask(frame, found)
        else:
            self.go(frame, self.flows[frame.flow], found.key)

    def timed_out(self, seq: int) -> None:
        """Nobody answered the question asked at `seq`: its timeout decides. The frame that waited
        comes to the top (a menu opened on top of it stays underneath) unless the timeout leaves the
        question as it stood (STAY); a question answered since, or asked anew, is not waiting any
        more, and nothing happens."""
        frame = next((f for f in self.state.frames if f.asked == seq), None)
        flow = self.flows.get(frame.flow) if frame else None
        question = flow.question(frame.node) if flow and frame else None
        if frame is None or flow is None or question is None or question.timeout is None:
            return
        frame.asked = None
        frame.answers[TIMED_OUT] = question.key
        timeout = question.timeout
        if timeout.effects is not None:
            self.effects.extend(timeout.effects(self.view(frame)))
        target = self.route(timeout.go, frame)
        if target == STAY:
            return
        self.state.frames.remove(frame)
        self.state.frames.append(frame)
        self.go(frame, flow, target, after=question.key)
        self.flush()

    def ask(self, frame: Frame, question: Ask) -> None:
        self.state.seq += 1
        frame.asked = self.state.seq
        view = self.view(frame)
        if question.timeout is not None:
            wait = question.timeout.after
            after = wait(view) if callable(wait) else wait
            if after is not None:
                self.effects.append(ArmTimeout(self.now + max(after, timedelta(0)), self.state.seq))
        prompt = question.prompt(view) if callable(question.prompt) else Msg(question.prompt)
        parts = prompt if isinstance(prompt, tuple) else (prompt,)
        choices: list[Choice] = []
        chosen = frame.answers.get(f"_{question.key}", [])
        for option in self.options(question, view):
            label = Msg(option.label, dict(option.params))
            if question.multi and option.value in chosen:
                label = Msg("common.checked", {"label": label})
            choices.append(Choice(f"{self.state.seq}:{option.value}", label))
        if question.multi:
            choices.append(Choice(f"{self.state.seq}:{DONE}", Msg("common.done")))
        if self.can_go_back(frame):
            choices.append(Choice(f"{GLOBAL}back", Msg("common.back")))
        self.replies.append(
            Reply(
                parts=(*self._pending, *parts),
                choices=tuple(choices),
                request_contact=question.contact and self.ctx.person.can_share_contact,
                multi_select=question.multi,
                typed_numbers=question.typed_numbers,
            )
        )
        self._pending.clear()

    def answer(self, inp: Input) -> None:
        frame = self.state.frames[-1]
        flow = self.flows.get(frame.flow)
        question = flow.question(frame.node) if flow else None
        if flow is None or question is None:  # a deploy removed what this person was in
            self.state.frames.clear()
            self.say("common.lost_place")
            self.idle_input(Text(""))
            return
        view = self.view(frame)
        options = self.options(question, view)
        values = {o.value for o in options}
        if isinstance(inp, Pressed):
            seq, _, pressed = inp.payload.partition(":")
            finishing = question.multi and pressed == DONE
            if seq != str(self.state.seq) or (pressed not in values and not finishing):
                self.stale()
                return
            if question.multi and pressed not in (DONE, NONE):
                picked = list(frame.answers.get(f"_{question.key}", []))
                picked.remove(pressed) if pressed in picked else picked.append(pressed)
                frame.answers[f"_{question.key}"] = picked
                self.ask(frame, question)
                return
            if pressed.startswith(GLOBAL):  # an option that is a global action ("🌐 language")
                self.intent(pressed.removeprefix(GLOBAL))
                return
            if question.multi:
                chosen = [] if pressed == NONE else list(frame.answers.get(f"_{question.key}", []))
                self.accept(frame, flow, question, chosen, ",".join(chosen))
            else:
                self.accept(frame, flow, question, pressed, pressed)
            return
        if isinstance(inp, Contact):
            phone = to_e164(inp.phone)
            if question.contact and phone and inp.own:
                self.accept(frame, flow, question, phone, "contact")
            else:
                self.take_contact(inp)
            return
        if isinstance(inp, Unsupported):
            self.say(unsupported_key(inp, buttons=bool(options)))
            self.reprompt()
            return
        assert isinstance(inp, Text)
        text = inp.text.strip()
        limit = question.max_length or MAX_RAW
        if len(text) > limit:
            self.say("common.too_long")
            self.reprompt()
            return
        value: Any = None
        candidates = self.candidates(options)
        if options and not (question.typed_numbers and to_ascii_digits(text).strip().isdecimal()):
            if question.multi:
                # "done" is a choice too: the prompt tells people to type its word ("סיימתי")
                many = match_many(text, [*candidates, self.done_candidate()])
                if many is not None and DONE in many:
                    ticked = frame.answers.get(f"_{question.key}", [])
                    many = [*ticked, *(v for v in many if v not in ticked and v != DONE)]
                if many is not None:
                    value = [] if NONE in many else many
            else:
                value = match_choice(text, candidates, exact=question.suggestions)
        extra = None if value is not None else self.numbered_extra(frame, question, options, text)
        if extra == "back":  # the number the list gave "back" (WhatsApp, the console)
            self.intent("back")
            return
        if extra == DONE:  # the number of "done": what was ticked so far (nothing: none of them)
            chosen = list(frame.answers.get(f"_{question.key}", []))
            self.accept(frame, flow, question, chosen, ",".join(chosen))
            return
        if value is None and question.parse is not None and has_letters_or_digits(text):
            try:
                value = question.parse(text, view)
            except Invalid as error:
                self.say(error.key, **error.params)
                self.reprompt()
                return
        if value is None:
            if has_letters_or_digits(text):
                self.say(question.invalid)
            else:  # "👍" or "!!!": only a question with buttons may point to them
                self.say("common.not_understood" if options else "common.no_words")
            self.reprompt()
            return
        if isinstance(value, str) and value.startswith(GLOBAL):
            self.intent(value.removeprefix(GLOBAL))
            return
        self.accept(frame, flow, question, value, text)

    def accept(self, frame: Frame, flow: Flow, question: Ask | Call, value: Any, raw: str) -> None:
        frame.answers[question.key] = value
        frame.answers.pop(f"_{question.key}", None)
        frame.history.append(question.key)
        frame.asked = None
        if flow.record and isinstance(question, Ask):
            self.effects.append(SaveAnswer(flow.name, question.key, raw[:MAX_RAW], value))
        if isinstance(question, Ask) and question.goto and flow.step(value) is not None:
            self.revisit(frame, flow, value, question.goto)
            return
        self.advance()

    def revisit(self, frame: Frame, flow: Flow, key: str, back_to: str) -> None:
        """Ask `key` again; then the questions not answered, from `back_to` (the summary) on."""
        for stale in (key, *flow.depends.get(key, ()), *(s.key for s in flow.steps[flow.index(back_to) :])):
            frame.answers.pop(stale, None)
            frame.answers.pop(f"_{stale}", None)
        frame.answers[REVISIT] = True
        frame.node = key
        self.arrive(frame, flow.steps[flow.index(key)])

    def take_contact(self, inp: Contact) -> None:
        phone = to_e164(inp.phone)
        if phone and inp.own:
            self.effects.append(SetPhone(phone))
            self.say("contact.saved")
        else:
            self.say("contact.not_own")
        self.reprompt_or_menu()

    # ---- small pieces ------------------------------------------------------------------------
    def options(self, question: Ask, view: View) -> tuple[Option, ...]:
        return question.options(view) if callable(question.options) else question.options

    def candidates(self, options: tuple[Option, ...]) -> list[Candidate]:
        # asked twice a step for the same options (is the reply a global word or an option's name?
        # then the answer itself): the second time from the first
        if self._candidates is not None and self._candidates[0] == options:
            return self._candidates[1]
        lex = self.ctx.lexicon
        found = []
        for option in options:
            if option.params:
                names = _names(lex, option.label, option.synonyms, option.params)
            else:  # the same every step: the names of a label and its synonyms, once per lexicon
                names = _plain_names(lex, option.label, option.synonyms)
            found.append(Candidate(option.value, names))
        self._candidates = (options, found)
        return found

    def done_candidate(self) -> Candidate:
        """What finishes a multi-choice question when typed: its button's words or a synonym."""
        lex = self.ctx.lexicon
        texts = [*lex.texts("common.done"), *(p for t in lex.texts("synonyms.done") for p in t.split(","))]
        return Candidate(DONE, tuple(t.strip() for t in texts if t.strip()))

    def numbered_extra(
        self, frame: Frame, question: Ask, options: tuple[Option, ...], text: str
    ) -> str | None:
        """DONE or "back" when `text` is the number the numbered list `ask` showed gave to one of
        them. Choices are numbered in the order `ask` adds them: the options, "done" (several
        answers), then "back" — as long as there is an option to number (a lone "back" gets no
        number: a number is then an answer, an age or a count)."""
        if not options or question.typed_numbers:
            return None
        digits = to_ascii_digits(text).strip().rstrip(".")
        if not digits.isdecimal():
            return None
        extras = [*([DONE] if question.multi else []), *(["back"] if self.can_go_back(frame) else [])]
        index = int(digits) - len(options) - 1
        return extras[index] if 0 <= index < len(extras) else None

    def names_current_option(self, text: str) -> bool:
        frame = self.state.top
        question = self.flows[frame.flow].question(frame.node) if frame and frame.flow in self.flows else None
        if question is None:
            return False
        reply = normalize(text)
        options = self.options(question, self.view(frame))  # type: ignore[arg-type]
        return any(reply == normalize(t) for c in self.candidates(options) for t in c.texts)

    def can_go_back(self, frame: Frame) -> bool:
        """An answer of this frame to take back, or a caller it returns to (a `Call` started it)."""
        return bool(frame.history) or self.called(frame)

    def called(self, frame: Frame) -> bool:
        at = next((i for i, f in enumerate(self.state.frames) if f is frame), 0)
        below = self.state.frames[at - 1] if at > 0 else None
        return below is not None and isinstance(self.flows[below.flow].step(below.node), Call)

    @property
    def roles(self) -> Roles:
        return self.flows.roles

    def available(self, intent: str) -> bool:
        """An intent that opens a flow (menu, language, staff...) exists only for who may be in it."""
        opens = {**self.roles.intents, "menu": self.roles.menu}.get(intent)
        flow = self.flows.get(opens) if opens else None
        return flow is None or flow.allows(self.ctx)

    def newcomer(self) -> bool:
        """Someone to greet with the pre-screen: no outcome yet, and not staff with a staff menu."""
        return self.ctx.person.outcome is None and not self.ctx.on_staff

    def view(self, frame: Frame) -> View:
        return View(frame.answers, self.ctx, self.now, self.state.lang)

    def intact(self, frame: Frame) -> bool:
        flow = self.flows.get(frame.flow)
        if flow is None or flow.step(frame.node) is None:
            return False
        return all(flow.step(key) is not None for key in frame.history)

    def top_flow(self) -> str | None:
        return self.state.top.flow if self.state.top else None

    def max_length(self) -> int:
        return self.ctx.program.max_text_length

    def away_too_long(self) -> bool:
        last = self.state.last_active
        limit = timedelta(hours=self.ctx.program.resume_after_hours)
        top = self.state.top
        # A question a proactive message asked (`trigger`: its frame carries the trigger's key) is
        # the last thing we said, and may be answered a day later (a seat offer, a meeting): a typed
        # answer to it is an answer, not a return to a conversation left mid-way.
        asked_by_us = top is not None and top.key is not None
        here = self.top_flow()
        waiting_anyway = here in (self.roles.resume, self.roles.menu) or asked_by_us
        return last is not None and self.now - last > limit and not waiting_anyway

    def say(self, key: str, **params: Any) -> None:
        self._pending.append(Msg(key, params))

    def reply(self, msg: Msg) -> None:
        self._pending.append(msg)
        self.flush()

    def flush(self) -> None:
        if self._pending:
            self.replies.append(Reply(parts=tuple(self._pending)))
            self._pending.clear()

    def stale(self) -> None:
        self.say("common.stale_button")
        self.reprompt_or_menu()

    def reprompt(self) -> None:
        frame = self.state.top
        if frame is None:
            self.flush()
            return
        found = self.flows[frame.flow].step(frame.node)
        if found is None:
            self.flush()
            return
        self.arrive(frame, found)

    def reprompt_or_menu(self) -> None:
        if self.state.frames:
            self.reprompt()
        elif self.newcomer():
            self.say("common.start_hint")
            self.flush()
        else:
            self.start(self.roles.menu)


def _names(lex: Any, label: str, synonyms: str | None, params: dict[str, Any]) -> tuple[str, ...]:
    """An option's names in every language: its label (with its parameters), the parameters that
    are text, its synonyms."""
    texts = [t.format_map(_Blank(params)) for t in lex.texts(label)]
    texts += [str(v) for v in params.values() if isinstance(v, str)]
    if synonyms:
        texts += [part for t in lex.texts(synonyms) for part in t.split(",")]
    return tuple(t.strip() for t in texts if t.strip())


_PLAIN: dict[tuple[int, str, str | None], tuple[Any, tuple[str, ...]]] = {}


def _plain_names(lex: Any, label: str, synonyms: str | None) -> tuple[str, ...]:
    """`_names` of an option without parameters, kept per lexicon (its catalogs do not change while
    a process runs; the lexicon is kept with them, so its id is not taken by another)."""
    key = (id(lex), label, synonyms)
    kept = _PLAIN.get(key)
    if kept is None or kept[0] is not lex:
        if len(_PLAIN) > 20_000:
            _PLAIN.clear()
        kept = _PLAIN[key] = (lex, _names(lex, label, synonyms, {}))
    return kept[1]


class _Blank(dict):  # type: ignore[type-arg]
    """format_map helper: unknown placeholders render empty."""

    def __missing__(self, key: str) -> str:
        return ""

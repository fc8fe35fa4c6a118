"""The durable scheduler: sends due work (reminders, offers, notices) from `scheduled_jobs` rows.

    every tick (APScheduler, ~1 s, in-memory job store, one per process):
      1. claim a batch of due rows — one statement, committed (storage/jobs.py)
      2. per row, one transaction: still relevant? (event cancelled, started → dropped), quiet hours?
         (→ pending again at the next allowed moment), which channel, and — for a message that asks
         something — push the question's flow frame onto the person's conversation state
         (flows/proactive.py) and save it
         and — through a real channel — the message rendered and written as outbox rows
         (storage/outbox.py) in that same transaction
      3. send: the outbox rows right away (bot/delivery.py; a crash after step 2 leaves them to the
         drainer, and the job, claimed again, sees them and does not send twice), or a test's
         `ChannelSender` (bot/outbound.py), outside any transaction
      4. one transaction: sent, or retried later, or the other channel, or a "call them" task

Threads, not the event loop: the scheduler runs in APScheduler's background thread and does its
database work there, synchronously; senders are synchronous too (Telegram's sends plain HTTPS calls
to the Bot API with its own client, so it never touches the PTB application's event loop).

Two processes on one PostgreSQL never send a row twice: the claim skips rows another process has
locked or claimed. A process that dies after claiming leaves rows `claimed`; when their lease ends
they are due again, so the next tick anywhere takes them (at most one duplicate per crash).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.clock import Clock, system_clock
from bot.delivery import Outbox, OutboxSettings
from bot.i18n import Catalogs
from bot.outbound import ChannelSender, Proactive, Recipient, SendResult, SendStatus
from bot.presence import process_id
from bot.registry import EFFECT_HANDLERS, INTERNAL_JOBS, ON_START, PROACTIVE_DATA
from bot.stepping import run_step
from flows import Context, Msg, PersonFacts, Program, State
from flows.inputs import Timeout
from flows.messages import TimeSpan
from flows.proactive import TIMEOUT
from flows.registry import message_kind, message_variables, proactive_sprint
from storage import decisions, handoffs, jobs, outbox, repo
from storage.db import Database, locked
from storage.effects import Applying
from storage.effects import apply as apply_effects
from storage.events import catalog, proactive, signups
from storage.models import (
    ChannelIdentity,
    Person,
    ScheduledJob,
)

log = logging.getLogger(__name__)

INTERNAL = ("offer_expiry", "delivery_check", "waitlist")  # rows that send nothing themselves
REPORTS_DELIVERY = ("whatsapp",)  # channels whose platform reports delivery later (status callbacks)
# answers a person is waiting for, and the status survey the program owes a follow-up on: when they
# wrote "stop", staff call them instead of nothing
ANSWER_OWED = ("decision", "survey_invite")


@dataclass(frozen=True)
class Prepared:
    job_id: int
    lease_until: datetime
    recipient: Recipient
    message: Proactive
    state_before: str | None  # to undo the pushed question if the message does not go out
    state_after: str | None
    outbox_ids: tuple[int, ...] = ()  # the message as outbox rows, written with the preparation
    unsendable: SendResult | None = None  # the channel said at once it cannot go (held, opted out)


@dataclass
class TickReport:
    claimed: int = 0
    sent: int = 0
    other: int = 0


class Scheduler:
    def __init__(
        self,
        db: Database,
        program: Program,
        catalogs: Catalogs,
        clock: Clock,
        senders: Mapping[str, ChannelSender],
        identity: tuple[str, str] | None = None,
        outbox_settings: OutboxSettings | None = None,
    ) -> None:
        """`identity` (channel, external id): claim only that person's work (and no one's in
        particular): the console's scheduler, for the person at the terminal (`jobs.claim`)."""
        self.db = db
        self.program = program
        self.catalogs = catalogs
        self.clock = clock
        self.senders = dict(senders)
        self.identity = identity
        self.settings = program.scheduling.scheduler
        # senders that render into the outbox (the real channels): their messages are outbox rows
        # written with the preparation, sent right after it, and by a drainer after a crash
        self.outbox = Outbox(db, clock, outbox_settings)
        for sender in self.senders.values():
            transport = getattr(sender, "transport", None)
            if transport is not None:
                self.outbox.register(transport)
        self._apscheduler: Any = None
        self._lock = threading.Lock()  # one tick at a time in this process
        self._stopping = threading.Event()

    # ---- running -----------------------------------------------------------------------------
    def start(self) -> None:
        """Tick every `tick_seconds` in a background thread (APScheduler's in-memory job store:
        each process has its own; the rows in the database are what is shared)."""
        from apscheduler.schedulers.background import BackgroundScheduler

        self.queue_recurring()
        self._stopping.clear()
        scheduler = BackgroundScheduler(timezone="UTC")
        # A tick longer than the interval (catching up) makes APScheduler skip the next one and warn;
        # that is expected, the next tick runs when this one ends.
        logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)
        scheduler.add_job(
            self.tick_safely,
            "interval",
            seconds=self.settings.tick_seconds,
            id="midway-tick",
            max_instances=1,
            coalesce=True,
            next_run_time=system_clock(),  # APScheduler runs on real time, even when `clock` is moved
        )
        scheduler.start()
        self._apscheduler = scheduler
        log.info(
            "scheduler started: tick %.1fs, channels %s", self.settings.tick_seconds, ",".join(self.senders)
        )

    def queue_recurring(self) -> None:
        """Each feature's recurring work (the survey's daily planning) is queued once, at start."""
        with self.db.transaction() as session:
            for queue in ON_START:
                queue(session, self.clock(), self.program)

    def stop_claiming(self) -> None:
        """Claim nothing more (SIGTERM): the row being sent finishes, the rest of the batch is given
        back (`jobs.release`) for the other processes. Returns at once; `shutdown` waits."""
        self._stopping.set()

    def shutdown(self) -> None:
        self.stop_claiming()
        if self._apscheduler is not None:
            self._apscheduler.shutdown(wait=True)
            self._apscheduler = None

    def tick_safely(self) -> None:
        try:
            self.run_until_idle(max_batches=20)
        except Exception:
            log.exception("scheduler tick failed")

    def run_until_idle(self, max_batches: int = 1000) -> TickReport:
        """Tick until no due row is left (or `max_batches`): catching up after downtime."""
        total = TickReport()
        for _ in range(max_batches):
            if self._stopping.is_set():
                break
            report = self.tick()
            total.claimed += report.claimed
            total.sent += report.sent
            total.other += report.other
            if report.claimed == 0:
                break
        return total

    def tick(self) -> TickReport:
        with self._lock:
            now = self.clock()
            with self.db.transaction() as session:
                claimed = jobs.claim(
                    session,
                    now,
                    timedelta(seconds=self.settings.lease_seconds),
                    self.settings.batch_size,
                    self.identity,
                    by=process_id(),
                )
            report = TickReport(claimed=len(claimed))
            if claimed:
                lease = now + timedelta(seconds=self.settings.lease_seconds)
                for i, job_id in enumerate(claimed):
                    if self._stopping.is_set():
                        self._release(claimed[i:], lease)
                        break
                    if self.process(job_id, lease):
                        report.sent += 1
                    else:
                        report.other += 1
            return report

    def _release(self, job_ids: list[int], lease_until: datetime) -> None:
        try:
            with self.db.transaction() as session:
                given = jobs.release(session, job_ids, lease_until, self.clock())
            log.info("scheduler: stopping; %d claimed jobs given back untried", given)
        except Exception:  # their lease ends, and another process takes them then
            log.exception("scheduler: could not give back %d jobs", len(job_ids))

    # ---- one row -----------------------------------------------------------------------------
    def process(self, job_id: int, lease_until: datetime) -> bool:
        """Prepare, send, record. True when a message went out."""
        try:
            with self.db.transaction() as session:
                prepared = self.prepare(session, job_id, lease_until)
        except Exception:
            log.exception("scheduler: preparing job %s failed", job_id)
            self._give_back(job_id, lease_until, "prepare_error")
            return False
        if prepared is None:
            return False
        sender = self.senders[prepared.recipient.channel]
        if prepared.unsendable is not None:
            result = prepared.unsendable
        elif prepared.outbox_ids:
            result = self._deliver(prepared)
        else:
            try:
                result = sender.send(prepared.recipient, prepared.message, self.clock())
            except Exception as error:  # a sender must not raise; if one does, it is transient
                log.exception("scheduler: %s sender raised for job %s", prepared.recipient.channel, job_id)
                result = SendResult(SendStatus.RETRY, type(error).__name__)
        with self.db.transaction() as session:
            self.record(session, prepared, result)
        return result.status is SendStatus.SENT

    def _deliver(self, prepared: Prepared) -> SendResult:
        """The job's outbox rows, sent now; what the job's record makes of them. A row the outbox
        would retry is withdrawn: the job retries (or falls back to another channel) itself."""
        outcomes = {o.id: o for o in self.outbox.deliver(prepared.outbox_ids)}
        mine = [outcomes.get(i) for i in prepared.outbox_ids]
        if any(o is None for o in mine):  # another process holds a row: it records it (see `prepare`)
            return SendResult(SendStatus.RETRY, "in_outbox")
        done = [o for o in mine if o is not None]
        if all(o.platform_id is not None for o in done):
            return SendResult(SendStatus.SENT, done[-1].platform_id or "")
        stopped = next(o for o in done if o.platform_id is None)
        if stopped.status == "pending":
            with self.db.transaction() as session:
                outbox.withdraw(session, [o.id for o in done if o.status == "pending"], self.clock())
            return SendResult(SendStatus.RETRY, stopped.code or "retry", stopped.retry_after)
        code = stopped.code or stopped.status
        if stopped.status == "held":
            return SendResult(SendStatus.HELD, code)
        if stopped.status == "expired":
            return SendResult(SendStatus.FAILED, "passed")
        if code in ("telegram_403", "21610"):
            return SendResult(SendStatus.UNREACHABLE, code)
        return SendResult(SendStatus.FAILED, code)

    def prepare(self, session: Any, job_id: int, lease_until: datetime) -> Prepared | None:
        now = self.clock()
        job = jobs.held_by_us(session, job_id, lease_until)
        if job is None:
            return None
        if job.kind in INTERNAL or job.kind in INTERNAL_JOBS:
            self._internal(session, job, now)
            return None
        handed = outbox.job_rows(session, f"job:{job.id}")
        if handed is not None:  # written by a run that died: the outbox delivers it (or did)
            jobs.settle(job, "sent", now, None if handed == "sent" else "in_outbox")
            if job.kind == "offer" and handed == "sent":
                signups.offer_sent(session, int(job.payload["signup"]), now, self.program)
            return None
        if job.not_after is not None and now >= job.not_after:
            self._unsent(session, job, "dropped", now, "passed")
            return None
        person = repo.find_person(session, job.person_id)
        if person is not None and person.opted_out and job.kind in ANSWER_OWED:
            # they wrote "stop", but they are waiting for this answer: staff tell them by phone
            self._call_task(session, job, person, now, "opted_out", held=False)
            return None
        if person is None or person.opted_out:
            self._unsent(session, job, "dropped", now, "opted_out" if person else "no_person")
            return None
        quiet = self.program.scheduling.quiet_hours
        if quiet.quiet(now):
            moment = quiet.allowed_moment(now, job.not_after, now)
            if moment is None or moment <= now:
                self._unsent(session, job, "dropped", now, "quiet_until_event")
            else:
                jobs.postpone(job, moment, now, "quiet_hours")
            return None
        if job.kind == repo.TIMEOUT_JOB:
            return self._prepare_timeout(session, job, person, lease_until, now)
        state = repo.load_state(session, person.id) or State(lang=person.language)
        if job.kind == decisions.KIND:  # the manager decided: approved (conferences) or declined (reasons)
            data = decisions.proactive_data(
                session, job.payload, state.lang, now, self.settings.exposure_buttons
            )
        elif job.kind in PROACTIVE_DATA:  # a feature's own kinds (homework...)
            data = PROACTIVE_DATA[job.kind](session, job.kind, job.payload, state.lang, now)
        else:
            data = proactive.proactive_data(session, job.kind, job.payload, state.lang)
        if data is None:
            jobs.settle(job, "dropped", now, "no_longer_relevant")
            return None
        if job.kind == "offer":
            hours = timedelta(hours=self.settings.waitlist_confirm_hours)
            data["until"] = min(now + hours, job.not_after or now + hours).isoformat()
        identity = self._identity(session, person.id, job)
        if identity is None:
            self._fallback(session, job, person, now, "no_channel", held=False)
            return None
        ctx = Context(
            program=self.program,
            lexicon=self.catalogs,
            person=PersonFacts(channel=identity.channel, opted_out=person.opted_out),
        )
        state_before = repo.saved_state(session, person.id)
        sprint = proactive_sprint(state, job.kind, data, now, ctx)
        # a question's timeout armed, as for a step (the table of bot/registry.py)
        applying = Applying(session, person, now, self.program, state.lang)
        apply_effects(applying, sprint.effects, EFFECT_HANDLERS)
        state_after = None
        if sprint.state.to_json() != state.to_json():
            repo.save_state(session, person.id, sprint.state, now)
            state_after = sprint.state.to_json()
        job.channel = identity.channel
        message = Proactive(
            person_id=person.id,
            kind=message_kind(job.kind, data),
            lang=sprint.state.lang,
            replies=sprint.replies,
            variables=self._variables(data, sprint.state.lang, job.kind),
            reference=f"job:{job.id}",
        )
        recipient = Recipient(person.id, identity.channel, identity.external_id, identity.last_inbound_at)
        return self._into_outbox(
            session, job, Prepared(job.id, lease_until, recipient, message, state_before, state_after), now
        )

    def _prepare_timeout(
        self, session: Any, job: ScheduledJob, person: Person, lease_until: datetime, now: datetime
    ) -> Prepared | None:
        """A question waited in vain: the person's conversation takes the `Timeout` as an input (its
        flow decides: a reminder, a hand-off, letting go), effects applied as for a message."""
        seq = int(job.payload["seq"])
        state_before = repo.saved_state(session, person.id)
        state = repo.load_state(session, person.id) or State(lang=person.language)
        frame = next((f for f in state.frames if f.asked == seq), None)
        waited = frame.flow if frame is not None else None
        if frame is None or waited is None:  # answered, or asked anew, since: nothing waits any more
            jobs.settle(job, "dropped", now, "answered")
            return None
        identity = self._identity(session, person.id, job)
        facts = repo.person_facts(session, person, identity.channel if identity else "console", None)
        stepped = run_step(session, person, facts, state, Timeout(seq), now, self.program, self.catalogs)
        if not stepped.replies or not stepped.kept:
            jobs.settle(job, "sent", now, "nothing_to_say")
            return None
        if identity is None:
            self._fallback(session, job, person, now, "no_channel", held=False)
            return None
        job.channel = identity.channel
        about = {**frame.answers, "flow": waited}  # what the question that waited was about
        message = Proactive(
            person_id=person.id,
            kind=message_kind(TIMEOUT.kind, about),
            lang=stepped.sprint.state.lang,
            replies=stepped.replies,
            variables=self._variables(about, stepped.sprint.state.lang, TIMEOUT.kind),
            reference=f"job:{job.id}",
        )
        recipient = Recipient(person.id, identity.channel, identity.external_id, identity.last_inbound_at)
        prepared = Prepared(
            job.id, lease_until, recipient, message, state_before, stepped.sprint.state.to_json()
        )
        return self._into_outbox(session, job, prepared, now)

    def _into_outbox(self, session: Any, job: ScheduledJob, prepared: Prepared, now: datetime) -> Prepared:
        """Through a sender that renders (the real channels): the message as outbox rows, in this
        transaction (a crash after it loses nothing); else (a test's sender) sent as it is."""
        render = getattr(self.senders[prepared.recipient.channel], "render_proactive", None)
        if render is None:
            return prepared
        rendered = render(session, prepared.recipient, prepared.message, now)
        if isinstance(rendered, SendResult):
            return replace(prepared, unsendable=rendered)
        ids = outbox.enqueue(
            session,
            person_id=prepared.recipient.person_id,
            channel=prepared.recipient.channel,
            kind=prepared.message.kind,
            payloads=[{"to": prepared.recipient.external_id, "part": part} for part in rendered],
            now=now,
            priority=outbox.BULK,
            reference=prepared.message.reference,
            not_after=job.not_after,
            templates=[part.get("content_sid") for part in rendered],
        )
        if not ids:
            return replace(prepared, unsendable=SendResult(SendStatus.FAILED, "nothing_to_send"))
        return replace(prepared, outbox_ids=tuple(ids))

    def record(self, session: Any, prepared: Prepared, result: SendResult) -> None:
        now = self.clock()
        job = jobs.held_by_us(session, prepared.job_id, prepared.lease_until)
        if job is None:
            log.warning("scheduler: job %s was taken over while sending (lease expired)", prepared.job_id)
            return
        channel = prepared.recipient.channel
        status = result.status
        log.info(
            "scheduler: job %s %s person=%s via %s: %s %s",
            job.id,
            job.kind,
            job.person_id,
            channel,
            status.value,
            result.detail,
        )
        if status is SendStatus.SENT:
            jobs.settle(job, "sent", now)
            if job.kind == "offer":
                signups.offer_sent(session, int(job.payload["signup"]), now, self.program)
            if channel in REPORTS_DELIVERY:
                check = now + timedelta(minutes=self.settings.undelivered_after_minutes)
                jobs.enqueue(
                    session,
                    kind="delivery_check",
                    person_id=job.person_id,
                    due_at=check,
                    now=now,
                    payload={"job": job.id, "channel": channel},
                    dedupe_key=f"check:{job.id}:{channel}",
                )
            return
        self._undo_question(session, prepared)
        person = repo.find_person(session, job.person_id)
        if status is SendStatus.OPTED_OUT or person is None:
            self._unsent(session, job, "dropped", now, "opted_out")
            return
        if status is SendStatus.RETRY and result.retry_after is not None:
            # the platform's flood control: wait as told; not a failure of this message (the
            # event's start still bounds it: past `not_after` it is dropped)
            job.attempts = max(job.attempts - 1, 0)
            jobs.postpone(job, now + timedelta(seconds=result.retry_after), now, result.detail or "retry")
            return
        if status is SendStatus.RETRY and job.attempts < self.settings.max_attempts:
            wait = self.settings.retry_seconds * 2 ** max(job.attempts - 1, 0)
            jobs.postpone(job, now + timedelta(seconds=wait), now, result.detail or "retry")
            return
        if status is SendStatus.UNREACHABLE:
            outbox.mark_unreachable(session, channel, prepared.recipient.external_id)
        job.payload = {**job.payload, "tried": [*job.payload.get("tried", []), channel]}
        self._fallback(
            session, job, person, now, result.detail or status.value, held=status is SendStatus.HELD
        )

    def _variables(self, data: Mapping[str, Any], lang: str, job_kind: str) -> dict[str, str]:
        """Plain strings for a WhatsApp template, in the person's language: title, when, place,
        promoter, until (dates written out as in the chat); name and center (a manager's decision);
        and what the job's kind offers of its own (`ProactiveKind.variables`: a task, its date)."""
        translator = self.catalogs.translator(lang)
        values = {**data, **dict(data.get("params") or {})}
        found: dict[str, str] = {}
        for name in ("title", "place", "promoter", "name"):
            if isinstance(values.get(name), str):
                found[name] = values[name]
        if isinstance(values.get("center_name"), str):  # the center, in the person's language
            found["center"] = values["center_name"]
        for name in ("when", "until"):
            if isinstance(values.get(name), str) and values[name]:
                moment = datetime.fromisoformat(values[name])
                ends = values.get("ends") if name == "when" else None  # a session: until its end
                span = TimeSpan(moment, datetime.fromisoformat(ends) if isinstance(ends, str) else None)
                found[name] = translator.render(Msg("conference.option", {"when": span}))
        for name, value in message_variables(job_kind, data).items():
            found[name] = translator.render(
                value if isinstance(value, Msg) else Msg("conference.option", {"when": value})
            )
        return found

    # ---- when a message cannot get through ---------------------------------------------------
    def _unsent(self, session: Any, job: ScheduledJob, state: str, now: datetime, reason: str) -> None:
        """Settle a row that will not be sent. A seat offered from the waitlist that cannot be
        offered is not held for nobody: it passes to the next in line."""
        jobs.settle(job, state, now, reason)
        if job.kind == "offer":
            signups.withdraw_offer(session, int(job.payload["signup"]), now, self.program)

    def _identity(self, session: Any, person_id: int, job: ScheduledJob) -> ChannelIdentity | None:
        tried = set(job.payload.get("tried", []))
        found = [
            i
            for i in repo.identities_of(session, person_id)
            if not i.unreachable and i.channel in self.senders and i.channel not in tried
        ]
        if not found:
            return None
        epoch = datetime.min.replace(tzinfo=UTC)
        return max(found, key=lambda i: (i.last_inbound_at or epoch, -i.id))  # last written, else the first

    def _fallback(
        self, session: Any, job: ScheduledJob, person: Person, now: datetime, reason: str, held: bool
    ) -> None:
        """Try the person's other channel; if there is none, a "call them" task for their promoter."""
        if self._identity(session, person.id, job) is not None:
            jobs.postpone(job, now, now, reason)
            return
        self._call_task(session, job, person, now, reason, held)

    def _call_task(
        self, session: Any, job: ScheduledJob, person: Person, now: datetime, reason: str, held: bool
    ) -> None:
        """A "call them" task for the person's promoter (or their center) instead of this message."""
        handoffs.add_call_task(session, person, f"{job.kind}:{reason}", f"job:{job.id}", now)
        self._unsent(session, job, "held" if held else "failed", now, reason)
        log.info("scheduler: job %s could not reach person %s; call task created", job.id, person.id)

    def _undo_question(self, session: Any, prepared: Prepared) -> None:
        """The message did not go out: take its question off the person's state, unless they have
        moved on since (then their state is theirs)."""
        if prepared.state_after is not None:
            repo.take_back_state(
                session, prepared.recipient.person_id, prepared.state_after, prepared.state_before
            )

    def _give_back(self, job_id: int, lease_until: datetime, reason: str) -> None:
        try:
            with self.db.transaction() as session:
                job = jobs.held_by_us(session, job_id, lease_until)
                if job is not None:
                    now = self.clock()
                    if job.attempts >= self.settings.max_attempts:
                        self._unsent(session, job, "failed", now, reason)
                    else:
                        jobs.postpone(job, now + timedelta(seconds=self.settings.retry_seconds), now, reason)
        except Exception:
            log.exception("scheduler: could not give back job %s", job_id)

    def _internal(self, session: Any, job: ScheduledJob, now: datetime) -> None:
        if job.kind == "offer_expiry":
            signups.expire_offer(session, int(job.payload["signup"]), now, self.program)
        elif job.kind == "delivery_check":
            self._check_delivery(session, job, now)
        elif job.kind == "waitlist":  # a seat freed outside a step (two people joined): offer it on
            event = catalog.locked_event(session, int(job.payload["event"]))
            if event is not None:
                signups.promote_waitlist(session, event, now, self.program)
        elif job.kind in INTERNAL_JOBS:  # a feature's own (the survey's daily planning)
            INTERNAL_JOBS[job.kind](session, dict(job.payload), now, self.program)
        jobs.settle(job, "sent", now)

    def _check_delivery(self, session: Any, check: ScheduledJob, now: datetime) -> None:
        original = locked(session, ScheduledJob, int(check.payload["job"]))
        reference = f"job:{check.payload['job']}"
        status = outbox.last_status(session, reference)
        if original is None or status is None or status in ("delivered", "read"):
            return
        person = repo.find_person(session, original.person_id)
        if person is None or (original.not_after is not None and now >= original.not_after):
            return
        original.payload = {
            **original.payload,
            "tried": [*original.payload.get("tried", []), check.payload["channel"]],
        }
        self._fallback(session, original, person, now, f"undelivered:{status}", held=status == "held")

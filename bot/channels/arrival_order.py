"""One person's messages one after the other, in the order they came; different people's at once.

    place = order.line_up(person, message_id)   # on arrival, before the first `await`: the order
    ...                                         # (store the message, answer the platform)
    order.start(place, job)                     # the job runs in a worker thread once the person's
    order.leave(place)                          # previous one has ended, or: nothing to run

This orders one process's work only; across processes on one database the step itself keeps the
order (`bot/dispatcher.py`: the sender's lock, their earlier kept messages first).

Telegram gets the same from `OnePersonAtATime` (python-telegram-bot's update processor); this is
for a webhook whose handler runs the step itself (WhatsApp). Everything here runs on the event
loop, so it needs no lock; a job's end is its thread's end, even if its task was cancelled.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Place:
    person: str
    message_id: str
    before: asyncio.Future[None] | None  # the end of the person's previous job
    done: asyncio.Future[None]  # the end of this one


class ArrivalOrder:
    def __init__(self) -> None:
        self._last: dict[str, asyncio.Future[None]] = {}  # person → the end of their latest job
        self._tasks: set[asyncio.Task[None]] = set()
        self.lined_up: set[str] = set()  # ids of the messages whose job waits or runs here
        self.closing = False

    def line_up(self, person: str, message_id: str) -> Place:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        place = Place(person, message_id, self._last.get(person), done)
        self._last[person] = done
        return place

    def start(self, place: Place, job: Callable[[], object]) -> asyncio.Task[None]:
        self.lined_up.add(place.message_id)
        task = asyncio.create_task(self._run(place, job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def leave(self, place: Place) -> None:
        """Give the place up without running anything (the next job of the person goes on)."""
        if place.before is None or place.before.done():
            self._end(place)
        else:  # keep the order: the next one still waits for the one before
            place.before.add_done_callback(lambda _: self._end(place))

    async def _run(self, place: Place, job: Callable[[], object]) -> None:
        try:
            if place.before is not None:
                await asyncio.wait([place.before])  # never cancels the previous job's future
            if self.closing:
                self._end(place, ran=True)
                return
            running = asyncio.ensure_future(asyncio.to_thread(job))
        except BaseException:
            self._end(place, ran=True)
            raise
        running.add_done_callback(lambda _: self._end(place, ran=True))
        try:
            await asyncio.shield(running)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("message %s: its job failed", place.message_id)

    def _end(self, place: Place, ran: bool = False) -> None:
        if place.done.done():
            return
        place.done.set_result(None)
        if ran:  # (a place given up may share its id with a job: a message that came twice)
            self.lined_up.discard(place.message_id)
        if self._last.get(place.person) is place.done:
            del self._last[place.person]

    async def idle(self) -> None:
        """Wait until every job started so far (and any started meanwhile) has ended."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    async def close(self) -> None:
        """Start nothing more; jobs already running finish (their messages are stepped once)."""
        self.closing = True
        await self.idle()

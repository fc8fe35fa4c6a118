"""The assistant's parts, as `bot.bootstrap` builds them: the core (settings, program, catalogs,
database, dispatcher, clock) at once, and what talks to the platforms (senders, scheduler, web
channels) when a command first asks for it, from the channels the bootstrap gave.

Tests build the same app (`bootstrap`) and give it fakes: a clock, senders.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from bot.channels.base import Channel, WebChannel
from bot.clock import Clock
from bot.delivery import Outbox, OutboxSettings
from bot.dispatcher import Dispatcher
from bot.i18n import Catalogs
from bot.outbound import ChannelSender
from bot.presence import Presence
from bot.scheduler import Scheduler
from bot.settings import Settings
from flows import Program
from storage.db import Database


@dataclass
class App:
    settings: Settings
    program: Program
    catalogs: Catalogs
    db: Database
    dispatcher: Dispatcher
    clock: Clock
    channels: Sequence[Channel] = ()  # every channel the assistant knows; the settings enable some
    given_senders: Mapping[str, ChannelSender] | None = None  # instead of the channels' own (tests)
    _senders: dict[str, ChannelSender] | None = field(default=None, init=False, repr=False)
    _outbox: Outbox | None = field(default=None, init=False, repr=False)

    @property
    def outbox(self) -> Outbox:
        """The outbox's sender (bot/delivery.py); a channel registers its transport when it is built."""
        if self._outbox is None:
            s = self.settings
            settings = OutboxSettings(
                lease_seconds=float(s.outbox_lease_seconds),
                max_attempts=int(s.outbox_max_attempts),
                retry_seconds=float(s.outbox_retry_seconds),
                drain_seconds=float(s.outbox_drain_seconds),
            )
            self._outbox = Outbox(self.db, self.clock, settings, renderers=self.dispatcher.renderers)
            self.dispatcher.outbox_lease = timedelta(seconds=settings.lease_seconds)
        return self._outbox

    def presence(self) -> Presence:
        """This process's row in `processes` (bot/presence.py), for the channels it sends on."""
        s = self.settings
        return Presence(
            self.db,
            self.clock,
            [channel.name for channel in self.enabled()],
            heartbeat_seconds=float(s.heartbeat_seconds),
            gone_seconds=float(s.process_gone_seconds),
        )

    @contextmanager
    def background(self, scheduler: Scheduler) -> Iterator[None]:
        """What runs beside the channels in `midway run` / `serve`, started in this order and
        stopped at the end: the process's presence (a dead predecessor's claims released before
        anything is claimed here), the scheduler, the outbox's drainer (what a stopped process left,
        then whatever is left unsent), SQLite's checkpoints (off the steps' path)."""
        presence = self.presence()
        presence.start()
        try:
            scheduler.start()
            self.outbox.start()
            self.db.start_checkpoints()
            yield
        finally:
            scheduler.shutdown()
            self.outbox.shutdown()
            presence.shutdown()

    def enabled(self) -> list[Channel]:
        return [channel for channel in self.channels if channel.enabled(self.settings)]

    @property
    def senders(self) -> dict[str, ChannelSender]:
        """A sender for every channel the settings enable (the scheduler picks one per person);
        built once, on first use: a WhatsApp sender checks its settings then."""
        if self._senders is None:
            given = self.given_senders
            self._senders = (
                dict(given)
                if given is not None
                else {channel.name: channel.sender(self) for channel in self.enabled()}
            )
        return self._senders

    def scheduler(
        self, senders: Mapping[str, ChannelSender] | None = None, identity: tuple[str, str] | None = None
    ) -> Scheduler:
        """The durable scheduler, sending through `senders` (default: the app's); `identity`
        (channel, external id): only that person's work (the console)."""
        return Scheduler(
            self.db,
            self.program,
            self.catalogs,
            self.clock,
            self.senders if senders is None else senders,
            identity=identity,
            outbox_settings=self.outbox.settings,
        )

    def web_channels(self) -> list[WebChannel]:
        """Each enabled channel's part of the web server; raises `WebhookNotConfigured` when the
        settings cannot safely take webhooks."""
        return [channel.webhook(self) for channel in self.enabled() if channel.webhook is not None]

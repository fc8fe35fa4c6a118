"""WhatsApp benchmark: a signed Twilio webhook in → the replies out through Twilio's REST API.

    .venv/bin/python -m bench.whatsapp [--people 20] [--database sqlite|postgres]

`midway serve`'s web app runs under uvicorn on 127.0.0.1; Twilio is the test suite's fake REST
server (tests/fake_twilio.py), reached by the real twilio client. Each simulated person has a whole
pre-screen conversation (12 messages), one message at a time, as people do; people run concurrently.
Latency (bench.harness: a `Timeline` per person, `row_from`) is from the start of the webhook POST
to the fake receiving the last reply of that step; throughput is steps per second over the measured
run. A first round of two people warms up (imports, connections) and is not measured.

Pacing is set high enough not to throttle: it is a deliberate limit, not a cost of the code.
`run_whatsapp()` returns the `Row`, for a report that puts it beside the other channels.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import tempfile
import threading
import time
import uuid
from dataclasses import replace

import httpx
import uvicorn
from sqlalchemy import create_engine, text
from twilio.request_validator import RequestValidator

from bench.harness import Row, Timeline, machine, report, row_from
from bot.bootstrap import bootstrap, configure_logging
from bot.channels.whatsapp.adapter import WEBHOOK_PATH, WhatsApp
from bot.dispatcher import Delivery, Inbound
from bot.server import create_web_app
from bot.settings import Settings
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FROM, FakeTwilio

CONVERSATION = (
    "שלום",
    "1",
    "1",
    "57",
    "כפר סבא",
    "כן",
    "3 חודשים",
    "חצי",
    "25",
    "כן",
    "אף אחד מאלה",
    "חבר מביא חבר",
    "כן, הכול נכון",
)
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


class Done:
    """Per message id: set when the channel finished the step (all its replies sent)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: dict[str, threading.Event] = {}

    def event(self, key: str) -> threading.Event:
        with self._lock:
            return self._events.setdefault(key, threading.Event())


def instrument(wa: WhatsApp, fake: FakeTwilio, timeline: Timeline, done: Done) -> None:
    """Inside the server: each step's replies, at the time the fake received them; then done."""
    handle = wa.handle

    def timed(inbound: Inbound) -> Delivery | None:
        before = len(fake.sent_to(inbound.external_id))
        try:
            return handle(inbound)
        finally:
            for call in fake.sent_to(inbound.external_id)[before:]:
                timeline.reply_out(inbound.external_id, at=call.at)
            done.event(inbound.message_id or "").set()

    wa.handle = timed  # type: ignore[method-assign]


async def person(
    client: httpx.AsyncClient, base: str, timeline: Timeline, done: Done, phone: str, measured: bool
) -> None:
    validator = RequestValidator(AUTH_TOKEN)
    url = base + WEBHOOK_PATH
    for n, body in enumerate(CONVERSATION, start=1):
        sid = f"SM{int(phone[1:]):020x}{n:012x}"  # Twilio's form: SM and 32 hex digits
        form = {
            "MessageSid": sid,
            "AccountSid": ACCOUNT_SID,
            "From": f"whatsapp:{phone}",
            "To": FROM,
            "WaId": phone[1:],
            "ProfileName": "Bench",
            "Body": body,
            "NumMedia": "0",
        }
        headers = {"X-Twilio-Signature": validator.compute_signature(url, form)}
        timeline.message_in(phone, measured)
        response = await client.post(url, data=form, headers=headers)
        assert response.status_code == 200, response.status_code
        finished = await asyncio.to_thread(done.event(sid).wait, 60)
        assert finished, f"no reply to {sid} within 60 s"


async def drive(base: str, timeline: Timeline, done: Done, people: int) -> None:
    limits = httpx.Limits(max_connections=people + 2, max_keepalive_connections=people + 2)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        warm_up = (person(client, base, timeline, done, f"+97250{6000000 + i:07d}", False) for i in range(2))
        await asyncio.gather(*warm_up)
        await asyncio.gather(
            *(person(client, base, timeline, done, f"+97250{7000000 + i:07d}", True) for i in range(people))
        )


def run_whatsapp(people: int = 20, database: str = "sqlite") -> Row:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    timeline, done = Timeline(), Done()
    schema = f"bench_{uuid.uuid4().hex[:8]}" if database == "postgres" else None
    with tempfile.TemporaryDirectory() as tmp, FakeTwilio() as fake:
        url = pg_schema(schema) if schema else None
        settings = replace(
            Settings(),
            database_url=url,
            data_dir=tmp,
            public_base_url=base,
            twilio_account_sid=ACCOUNT_SID,
            twilio_auth_token=AUTH_TOKEN,
            twilio_whatsapp_from=FROM,
            twilio_api_base_url=fake.url,
            twilio_messages_per_second=1_000_000.0,
        )
        app = bootstrap(settings)
        web = create_web_app(app)
        instrument(web.state.whatsapp, fake, timeline, done)
        server = uvicorn.Server(
            uvicorn.Config(web, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="on")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.01)
        try:
            asyncio.run(drive(base, timeline, done, people))
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            app.db.dispose()
            if schema:
                drop_pg_schema(schema)
    label = "PostgreSQL" if database == "postgres" else "SQLite"
    return row_from(f"WhatsApp: signed webhook → REST reply ({label}, {people} people)", timeline.snapshot())


def pg_schema(schema: str) -> str:
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    return f"{PG_URL}?options=-csearch_path%3D{schema}"


def drop_pg_schema(schema: str) -> None:
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description="WhatsApp: signed webhook → reply through the fake REST API")
    parser.add_argument("--people", type=int, default=20)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    configure_logging("WARNING")
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    rows = [run_whatsapp(args.people, db) for db in databases]
    print(machine())
    print(report(rows))


if __name__ == "__main__":
    main()

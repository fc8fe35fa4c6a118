"""Rows of no one (`person_id` NULL: the confirmation to someone who deleted their data) each stand
alone: one's failure does not stop another's."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.bootstrap import App
from bot.delivery import Outbox
from storage import outbox
from storage.models import OutboundMessage
from tests.fake_telegram import FakeTelegram
from tests.test_outbox import box  # noqa: F401  (the fixture)

pytestmark = pytest.mark.app(db="both", telegram=True)


def confirmation(app: App, chat: int) -> int:
    with app.db.transaction() as s:
        [row_id] = outbox.enqueue(
            s,
            person_id=None,
            channel="telegram",
            kind="reply",
            payloads=[{"to": str(chat), "part": {"method": "sendMessage", "data": {"text": f"bye {chat}"}}}],
            now=app.clock(),
            priority=outbox.REPLY,
        )
        return row_id


def test_one_deleted_persons_blocked_chat_does_not_fail_anothers_confirmation(
    app: App,
    box: Outbox,  # noqa: F811
    fake_telegram: FakeTelegram,
) -> None:
    blocked, fine = confirmation(app, 2001), confirmation(app, 2002)
    fake_telegram.block(2001)
    box.drain_all()
    with app.db.transaction() as s:
        status = {r.id: r.status for r in s.scalars(select(OutboundMessage))}
    assert status[blocked] == "failed"
    assert [m.text for m in fake_telegram.sent_to(2002)] == ["bye 2002"]
    assert status[fine] == "sent"

"""Staff commands in the terminal: the center manager's pending decisions."""

from __future__ import annotations

import argparse

from bot.bootstrap import App
from storage import repo


def decisions_command(app: App, args: argparse.Namespace) -> int:
    now = app.clock()
    with app.db.transaction() as session:
        if args.action == "list":
            rows = repo.pending_decisions(session, args.center)
            if not rows:
                print("no pending decisions")
            for decision, person in rows:
                due = decision.due_by.isoformat() if decision.due_by else "-"
                print(f"#{decision.id}  due {due}  person {person.id} {person.display_name or ''}  "
                      f"reasons: {', '.join(decision.reasons)}")
            return 0
        if args.id is None:
            print("give the decision id: midway decisions approve ID")
            return 2
        try:
            decision = repo.decide(session, args.id, args.action == "approve", args.by, args.note, now)
        except LookupError as error:
            print(error)
            return 1
        print(f"decision #{decision.id}: {decision.status}")
        return 0


def whatsapp_command(app: App, args: argparse.Namespace) -> int:
    """`midway whatsapp held`: proactive messages that did not go out because of WhatsApp's 24-hour
    window (no approved template for their kind and language, or refused with 63016)."""
    from datetime import timedelta

    from storage import outbox

    since = app.clock() - timedelta(days=args.days)
    with app.db.transaction() as session:
        rows = outbox.held_messages(session, since)
        if not rows:
            print(f"no WhatsApp messages held in the last {args.days} days")
        for row in rows:
            why = f"error {row.error_code}" if row.error_code else "no template"
            print(f"{row.created_at:%Y-%m-%d %H:%M}  person {row.person_id}  {row.kind}  ({why})"
                  f"{'  ' + row.reference if row.reference else ''}")
    return 0

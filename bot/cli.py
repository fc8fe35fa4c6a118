"""The `midway` command.

    midway chat                 talk to the assistant in this terminal (SQLite, no tokens); what
                                falls due for you (reminders, offers, decisions) is printed too
    midway run                  Telegram with long polling
    midway serve                the web server: Telegram webhook, WhatsApp (Twilio) webhooks
    midway whatsapp held        proactive WhatsApp messages held back (no template outside the window)
    midway db upgrade           bring the database schema up to date
    midway decisions list|approve|reject   borderline pre-screens for the center manager (the person is told)
    midway handoffs list|done              "talk to a person" requests (each with a call task)
    midway staff add|list|remove           who is staff (role, center); staff manage events in the chat
    midway events|meetings|tasks|jobs ...  events, meetings, call-them tasks, due work (bot/events_cli.py)
    midway flows diagram [NAME] [--out DIR]  the flows drawn as Mermaid and SVG (bot/flows_cli.py)
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from bot.bootstrap import bootstrap, configure_logging
from bot.settings import Settings
from flows.program import STAFF_ROLES

LANGUAGES = ("he", "en", "ru", "ar")


class Parser(argparse.ArgumentParser):
    """A wrong argument is one line (what is wrong, and where to read more), not a usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see: {self.prog} --help)\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; a wrong configuration file is one line on stderr and exit status 2."""
    from bot.channels.whatsapp_templates import TemplateConfigError
    from bot.program_config import ProgramConfigError

    try:
        return _main(argv)
    except (ProgramConfigError, TemplateConfigError) as error:
        print(f"midway: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `midway events list | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as error:  # the last resort: one line, the details for whoever debugs
        logging.getLogger("midway.cli").debug("command failed", exc_info=True)
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        print(f"midway: the command failed: {reason} (MIDWAY_LOG_LEVEL=DEBUG shows the details)",
              file=sys.stderr)
        return 1


def _main(argv: Sequence[str] | None) -> int:
    parser = Parser(prog="midway", description="Midway assistant")
    commands = parser.add_subparsers(dest="command", required=True)

    chat = commands.add_parser("chat", help="talk to the assistant in this terminal")
    chat.add_argument("--user", default="local",
                      help="who you are in the console: each name is a person of their own (default: local)")
    chat.add_argument("--lang", default=None, help="first language: he, en, ru or ar (default: he)")
    chat.add_argument("--now", default=None, metavar='"YYYY-MM-DD HH:MM"',
                      help="start the console's clock at this Israel time, and run on from there "
                           "(to see the reminders and offers due then)")

    commands.add_parser(
        "run", help="run the Telegram bot with long polling",
        description="Telegram with long polling (no public address needed), and the scheduler that sends "
        "reminders and notices. Needs TELEGRAM_BOT_TOKEN.",
    )
    serve = commands.add_parser(
        "serve", help="run the web server for webhooks",
        description="The web server: the Telegram webhook (TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET, "
        "PUBLIC_BASE_URL), the WhatsApp webhooks when TWILIO_* are set, calendar-file links, "
        "/healthz, and the scheduler.",
    )
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on (default: 0.0.0.0)")
    serve.add_argument("--port", type=int, default=8080, help="port to listen on (default: 8080)")

    db = commands.add_parser(
        "db", help="database maintenance",
        description="Every command brings the schema up to date when it starts; `db upgrade` does only "
        "that (once after a deploy, before the processes start).",
    )
    db.add_argument("action", choices=["upgrade"], help="upgrade: bring the schema up to date")

    decisions = commands.add_parser("decisions", help="borderline cases waiting for the center manager")
    decisions.add_argument("action", choices=["list", "approve", "reject"])
    decisions.add_argument("id", nargs="?", type=int, help="decision id (approve/reject)")
    decisions.add_argument("--center", help="only this center (slug)")
    decisions.add_argument("--by", default="manager", help="who decides (name or role)")
    decisions.add_argument("--note", default=None)

    handoffs = commands.add_parser("handoffs", help='"talk to a person" requests: list, done')
    handoffs.add_argument("action", choices=["list", "done"])
    handoffs.add_argument("id", nargs="?", type=int, help="request id (done)")
    handoffs.add_argument("--center", help="list: only this center (slug), and people with no center yet")
    handoffs.add_argument("--all", action="store_true", help="list: also the requests already handled")
    handoffs.add_argument("--note", default=None, help="done: what was agreed, for the team")
    handoffs.add_argument("--by", default=None, help="done: who handled it (name or role)")

    staff = commands.add_parser("staff", help="staff members: add, list, remove (role and center)")
    staff.add_argument("action", choices=["add", "list", "remove"])
    staff.add_argument("--channel", choices=["telegram", "whatsapp", "console"], help="where they write")
    staff.add_argument("--id", dest="external_id",
                       help="their id on that channel: Telegram user id, WhatsApp number (+972...)")
    staff.add_argument("--role", choices=list(STAFF_ROLES))
    staff.add_argument("--center", help="the center they work at (slug); list: only this center")
    staff.add_argument("--name", help="add: their name, as staff lists show it")

    whatsapp = commands.add_parser("whatsapp", help="WhatsApp: messages held back, for staff to follow up")
    whatsapp.add_argument("action", choices=["held"])
    whatsapp.add_argument("--days", type=int, default=7, help="how far back (default: 7 days)")

    from bot.events_cli import add_commands

    add_commands(commands)  # events, meetings, tasks, jobs
    from bot.occupations_cli import add_parser, occupations_command

    add_parser(commands)  # occupations search
    from bot import flows_cli

    flows_cli.add_parser(commands)  # flows diagram

    args = parser.parse_args(argv)
    if args.command == "occupations":  # the list ships with the package: no settings, no database
        return occupations_command(args)
    if args.command == "flows":  # drawn from the declarations: no settings, no database
        return flows_cli.flows_command(args)
    settings = Settings.from_env()
    quiet = args.command in (
        "chat", "events", "meetings", "tasks", "jobs", "staff", "handoffs", "decisions", "whatsapp", "db"
    )
    configure_logging("WARNING" if quiet and settings.log_level != "DEBUG" else settings.log_level)

    if args.command == "chat" and args.lang is not None and args.lang not in LANGUAGES:
        print(f"midway chat: the language {args.lang!r} is not available; "
              f"choose one of {', '.join(LANGUAGES)}", file=sys.stderr)
        return 2
    if args.command == "db":
        app = bootstrap(settings)
        print("database is up to date")
        return 0
    if args.command == "chat":
        return _chat(settings, args)
    if args.command == "decisions":
        from bot.staff_cli import decisions_command

        return decisions_command(bootstrap(settings), args)
    if args.command == "handoffs":
        from bot.staff_cli import handoffs_command

        return handoffs_command(bootstrap(settings), args)
    if args.command in ("events", "meetings", "tasks", "jobs"):
        from bot.events_cli import run_command

        return run_command(bootstrap(settings), args)
    if args.command == "staff":
        from bot.staff_cli import staff_command

        return staff_command(bootstrap(settings), args)
    if args.command == "whatsapp":
        from bot.staff_cli import whatsapp_command

        return whatsapp_command(bootstrap(settings), args)
    if args.command in ("run", "serve"):
        if not settings.telegram_token and not (args.command == "serve" and settings.whatsapp_enabled):
            print("TELEGRAM_BOT_TOKEN is not set. To try the assistant without Telegram, run: midway chat",
                  file=sys.stderr)
            return 2
        app = bootstrap(settings)
        from bot.scheduler import build_scheduler
        from bot.web import WebhookNotConfigured, create_web_app

        # Everything the settings decide is built, and refused, before anything starts: a refused
        # `serve` must not have claimed (or sent) any due work.
        try:
            web_app = create_web_app(app) if args.command == "serve" else None
            scheduler = build_scheduler(app)  # reminders and other due work, beside the channels
        except WebhookNotConfigured as error:
            print(f"midway {args.command}: {error}", file=sys.stderr)
            app.db.dispose()
            return 2
        scheduler.start()
        try:
            if web_app is None:
                from bot.channels.telegram import run_polling

                run_polling(app)
            else:
                from bot.web import serve as serve_web

                serve_web(web_app, args.host, args.port)
        finally:
            scheduler.shutdown()
        return 0
    return 1


def _chat(settings: Settings, args: argparse.Namespace) -> int:
    """The console, with the scheduler for its user: what falls due for them is printed too."""
    from bot.channels.console import ConsoleChannel, console_scheduler, files_dir
    from bot.clock import local_moment, running_from, system_clock

    clock = system_clock
    if args.now is not None:
        try:
            clock = running_from(local_moment(args.now))
        except ValueError as error:
            print(f"midway chat: --now {error}", file=sys.stderr)
            return 2
    app = bootstrap(settings, clock=clock)
    console = ConsoleChannel(app.dispatcher, app.catalogs, user=args.user, lang=args.lang,
                             files_dir=files_dir(app))
    try:
        console.run(sys.stdin, interactive=sys.stdin.isatty(), scheduler=console_scheduler(app, console))
    except KeyboardInterrupt:  # Ctrl+C at the prompt ends the session like Ctrl+D
        pass
    finally:
        app.db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

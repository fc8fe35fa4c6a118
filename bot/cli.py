"""The `midway` command.

    midway chat                 talk to the assistant in this terminal (SQLite, no tokens); what
                                falls due for you (reminders, offers, decisions) is printed too
    midway run                  Telegram with long polling
    midway serve                the web server: Telegram webhook, WhatsApp (Twilio) webhooks
    midway db upgrade           bring the database schema up to date

and the commands of each feature, from its CLI module (`FEATURE_CLIS`):

    midway decisions|handoffs|staff|whatsapp ...  the staff's side (bot/staff_cli.py)
    midway events|meetings|tasks|jobs ...         events, meetings, call-them tasks, due work
                                                  (bot/events_cli.py)
    midway occupations search|unclassified|assign the occupation list (bot/occupations_cli.py)
    midway participants close|reopen|show ID      a participant's case and employment history
    midway export person ID                       everything stored about one person, as JSON
                                                  (both bot/participants_cli.py)
    midway flows diagram [NAME] [--out DIR]       the flows drawn as Mermaid and SVG (bot/flows_cli.py)
    midway homework assign|list                   participants' tasks between meetings (bot/homework_cli.py;
                                                  not `tasks`, which are staff's to-dos)
    midway survey send|status                     the employment-status survey (bot/survey_cli.py)

A feature's CLI module has `add_parser(subparsers)`, which adds its commands, and
`run(app, args)`, which runs one of them with the bootstrapped app (with None, before any settings
or database, when its `NEEDS_APP` is False, or is a function of the parsed arguments that says so).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import NoReturn

from bot import (
    events_cli,
    flows_cli,
    homework_cli,
    occupations_cli,
    participants_cli,
    staff_cli,
    survey_cli,
)
from bot.bootstrap import bootstrap, configure_logging
from bot.settings import Settings

LANGUAGES = ("he", "en", "ru", "ar")
FEATURE_CLIS: tuple[ModuleType, ...] = (  # in `--help`'s order
    staff_cli,
    events_cli,
    homework_cli,
    survey_cli,
    occupations_cli,
    participants_cli,
    flows_cli,
)


class Parser(argparse.ArgumentParser):
    """A wrong argument is one line (what is wrong, and where to read more), not a usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see: {self.prog} --help)\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; a wrong configuration file is one line on stderr and exit status 2."""
    from bot.channels.whatsapp.templates import TemplateConfigError
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
        print(
            f"midway: the command failed: {reason} (MIDWAY_LOG_LEVEL=DEBUG shows the details)",
            file=sys.stderr,
        )
        return 1


def _main(argv: Sequence[str] | None) -> int:
    parser = Parser(prog="midway", description="Midway assistant")
    commands = parser.add_subparsers(dest="command", required=True)

    chat = commands.add_parser("chat", help="talk to the assistant in this terminal")
    chat.add_argument(
        "--user",
        default="local",
        help="who you are in the console: each name is a person of their own (default: local)",
    )
    chat.add_argument("--lang", default=None, help="first language: he, en, ru or ar (default: he)")
    chat.add_argument(
        "--now",
        default=None,
        metavar='"YYYY-MM-DD HH:MM"',
        help="start the console's clock at this Israel time, and run on from there "
        "(to see the reminders and offers due then)",
    )

    commands.add_parser(
        "run",
        help="run the Telegram bot with long polling",
        description="Telegram with long polling (no public address needed), and the scheduler that sends "
        "reminders and notices. Needs TELEGRAM_BOT_TOKEN.",
    )
    serve = commands.add_parser(
        "serve",
        help="run the web server for webhooks",
        description="The web server: the Telegram webhook (TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET, "
        "PUBLIC_BASE_URL), the WhatsApp webhooks when TWILIO_* are set, calendar-file links, "
        "/healthz, and the scheduler.",
    )
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on (default: 0.0.0.0)")
    serve.add_argument("--port", type=int, default=8080, help="port to listen on (default: 8080)")

    db = commands.add_parser(
        "db",
        help="database maintenance",
        description="Every command brings the schema up to date when it starts; `db upgrade` does only "
        "that (once after a deploy, before the processes start).",
    )
    db.add_argument("action", choices=["upgrade"], help="upgrade: bring the schema up to date")

    for module in FEATURE_CLIS:
        before = set(commands.choices)
        module.add_parser(commands)
        for name in commands.choices.keys() - before:
            commands.choices[name].set_defaults(feature=module)

    args = parser.parse_args(argv)
    feature: ModuleType | None = getattr(args, "feature", None)
    needs_app = getattr(feature, "NEEDS_APP", True)
    if callable(needs_app):  # some of a feature's commands need no app (`occupations search`)
        needs_app = needs_app(args)
    if feature is not None and not needs_app:
        return int(feature.run(None, args))
    settings = Settings.from_env()
    quiet = args.command not in ("run", "serve")  # a terminal command prints its own lines only
    configure_logging("WARNING" if quiet and settings.log_level != "DEBUG" else settings.log_level)

    if feature is not None:
        return int(feature.run(bootstrap(settings), args))
    if args.command == "chat" and args.lang is not None and args.lang not in LANGUAGES:
        print(
            f"midway chat: the language {args.lang!r} is not available; choose one of {', '.join(LANGUAGES)}",
            file=sys.stderr,
        )
        return 2
    if args.command == "db":
        bootstrap(settings)
        print("database is up to date")
        return 0
    if args.command == "chat":
        return _chat(settings, args)
    if args.command in ("run", "serve"):
        if not settings.telegram_token and not (args.command == "serve" and settings.whatsapp_enabled):
            print(
                "TELEGRAM_BOT_TOKEN is not set. To try the assistant without Telegram, run: midway chat",
                file=sys.stderr,
            )
            return 2
        app = bootstrap(settings)
        from bot.server import WebhookNotConfigured, create_web_app

        # Everything the settings decide is built, and refused, before anything starts: a refused
        # `serve` must not have claimed (or sent) any due work.
        try:
            web_app = create_web_app(app) if args.command == "serve" else None
            scheduler = app.scheduler()  # reminders and other due work, beside the channels
        except WebhookNotConfigured as error:
            print(f"midway {args.command}: {error}", file=sys.stderr)
            app.db.dispose()
            return 2
        with app.background(scheduler):
            if web_app is None:
                from bot.channels.telegram.adapter import run_polling

                run_polling(app)
            else:
                from bot.server import serve as serve_web

                serve_web(web_app, args.host, args.port, on_stop=scheduler.stop_claiming)
        return 0
    return 1


def _chat(settings: Settings, args: argparse.Namespace) -> int:
    """The console, with the scheduler for its user: what falls due for them is printed too."""
    from bot.channels.console.adapter import ConsoleChannel, console_scheduler, files_dir
    from bot.clock import local_moment, running_from, system_clock

    clock = system_clock
    if args.now is not None:
        try:
            clock = running_from(local_moment(args.now))
        except ValueError as error:
            print(f"midway chat: --now {error}", file=sys.stderr)
            return 2
    app = bootstrap(settings, clock=clock)
    console = ConsoleChannel(
        app.dispatcher, app.catalogs, user=args.user, lang=args.lang, files_dir=files_dir(app)
    )
    try:
        console.run(sys.stdin, interactive=sys.stdin.isatty(), scheduler=console_scheduler(app, console))
    except KeyboardInterrupt:  # Ctrl+C at the prompt ends the session like Ctrl+D
        pass
    finally:
        app.db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

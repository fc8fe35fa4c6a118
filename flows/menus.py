"""The small flows every conversation can reach: the main menu, language, privacy, welcome back."""

from __future__ import annotations

from flows.declare import Ask, Done, Flow, Option, View
from flows.effects import DeleteMyData, RequestHandoff, SetLanguage
from flows.handoff import phone_needed
from flows.messages import Msg
from flows.program import LANGUAGES


# ---- main menu -------------------------------------------------------------------------------
def menu_options(view: View) -> tuple[Option, ...]:
    person = view.ctx.person
    items: list[Option] = []
    if view.answers.get("can_continue"):
        items.append(Option("continue", "menu.continue"))
    if view.ctx.on_staff:
        items.append(Option("staff", "menu.staff"))
    if person.outcome is not None:
        items.append(Option("status", "menu.status"))
    if person.outcome in (None, "not_eligible"):
        items.append(Option("prescreen", "menu.prescreen"))
    if person.outcome == "eligible" and person.center:
        items += [Option("events", "menu.events"), Option("bookings", "menu.bookings")]
    items += [
        Option("human", "menu.human"),
        Option("language", "menu.language"),
        Option("privacy", "menu.privacy"),
    ]
    return tuple(items)


def menu_finish(view: View) -> Done:
    item = view.answers.get("item")
    person = view.ctx.person
    if item == "prescreen":
        return Done(then="start:prescreen")
    if item == "status":
        return Done(replies=(Msg(f"status.{person.outcome}"),), then="pop")
    if item == "human":
        request = RequestHandoff("menu", None)
        if phone_needed(view.ctx):  # the number first, then the promise (flows/handoff.py)
            return Done(effects=(request,), then="push:handoff")
        days = view.ctx.program.handoff_reply_working_days
        return Done(replies=(Msg("handoff.ack", {"days": days}),), effects=(request,))
    if item in ("language", "privacy", "events", "bookings", "staff"):
        return Done(then=f"push:{item}")
    return Done()  # continue


MENU = Flow("menu", steps=(Ask("item", prompt="menu.ask", options=menu_options),), finish=menu_finish)


# ---- language --------------------------------------------------------------------------------
LANGUAGE = Flow(
    "language",
    steps=(Ask("lang", prompt="language.ask",
               options=tuple(Option(code, f"language.name.{code}") for code in LANGUAGES)),),
    finish=lambda view: Done(replies=(Msg("language.changed"),),
                             effects=(SetLanguage(view.answers["lang"]),)),
)


# ---- privacy and deleting one's data ---------------------------------------------------------
def privacy_finish(view: View) -> Done:
    if view.answers.get("confirm") == "yes":
        return Done(replies=(Msg("privacy.deleted"),), effects=(DeleteMyData(),), then="reset")
    return Done(replies=(Msg("privacy.kept"),))


PRIVACY = Flow(
    "privacy",
    steps=(
        Ask("action", prompt=lambda v: (Msg("privacy.what_we_keep"), Msg("privacy.ask_action")),
            options=(Option("delete", "privacy.delete"), Option("keep", "privacy.keep"))),
        Ask("confirm", prompt="privacy.confirm_delete",
            options=(Option("yes", "privacy.confirm_yes"),
                     Option("no", "privacy.confirm_no", synonyms="synonyms.no")),
            skip=lambda v: v.answers.get("action") != "delete"),
    ),
    finish=privacy_finish,
)


# ---- welcome back after a long pause ---------------------------------------------------------
RESUME = Flow(
    "resume",
    steps=(Ask("choice", prompt="resume.ask",
               options=(Option("continue", "resume.continue"), Option("restart", "resume.restart"))),),
    finish=lambda view: Done(then="restart-below" if view.answers.get("choice") == "restart" else "pop"),
)

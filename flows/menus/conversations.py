"""The small flows every conversation can reach: the main menu, language, privacy, welcome back."""

from __future__ import annotations

from flows.context import phone_needed
from flows.declare import Ask, Done, Flow, Option, View
from flows.effects import DeleteMyData, RequestHandoff, SetLanguage
from flows.feature import Feature, MenuEntry
from flows.messages import Msg
from flows.program import LANGUAGES


# ---- main menu: every feature's entries, in their fixed order --------------------------------
def main_menu(entries: tuple[MenuEntry, ...]) -> Flow:
    """The main menu of these entries (`flows/registry.py` builds it from every feature's)."""

    def options(view: View) -> tuple[Option, ...]:
        return tuple(Option(entry.value, entry.label) for entry in entries if entry.shown(view))

    def finish(view: View) -> Done:
        item = view.answers.get("item")
        person = view.ctx.person
        entry = next((e for e in entries if e.value == item), None)
        if entry is not None and entry.then is not None:
            return Done(then=entry.then)
        # An entry that only tells something shows the same menu again under it: its numbers stay
        # the ones on the screen, and a question left pending comes back only with "continue".
        again = {"can_continue": True} if view.answers.get("can_continue") else {}
        if item == "status":
            return Done(replies=(Msg(f"status.{person.outcome}"),), then="push:menu", carry=again)
        if item == "human":
            request = RequestHandoff("menu", None)
            if phone_needed(view.ctx):  # the number first, then the promise (flows/handoff/)
                return Done(effects=(request,), then="push:handoff")
            days = view.ctx.program.handoff_reply_working_days
            return Done(
                replies=(Msg("handoff.ack", {"days": days}),),
                effects=(request,),
                then="push:menu",
                carry=again,
            )
        return Done()  # continue

    return Flow(MENU_NAME, steps=(Ask("item", prompt="menu.ask", options=options),), finish=finish)


MENU_NAME = "menu"


# ---- language --------------------------------------------------------------------------------
LANGUAGE = Flow(
    "language",
    steps=(
        Ask(
            "lang",
            prompt="language.ask",
            options=tuple(Option(code, f"language.name.{code}") for code in LANGUAGES),
        ),
    ),
    finish=lambda view: Done(
        replies=(Msg("language.changed"),), effects=(SetLanguage(view.answers["lang"]),)
    ),
)


# ---- privacy and deleting one's data ---------------------------------------------------------
def privacy_finish(view: View) -> Done:
    if view.answers.get("confirm") == "yes":
        return Done(replies=(Msg("privacy.deleted"),), effects=(DeleteMyData(),), then="reset")
    return Done(replies=(Msg("privacy.kept"),))


PRIVACY = Flow(
    "privacy",
    steps=(
        Ask(
            "action",
            prompt=lambda v: (Msg("privacy.what_we_keep"), Msg("privacy.ask_action")),
            options=(Option("delete", "privacy.delete"), Option("keep", "privacy.keep")),
        ),
        Ask(
            "confirm",
            prompt="privacy.confirm_delete",
            options=(
                Option("yes", "privacy.confirm_yes"),
                Option("no", "privacy.confirm_no", synonyms="synonyms.no"),
            ),
            skip=lambda v: v.answers.get("action") != "delete",
        ),
    ),
    finish=privacy_finish,
)


# ---- welcome back after a long pause ---------------------------------------------------------
RESUME = Flow(
    "resume",
    steps=(
        Ask(
            "choice",
            prompt="resume.ask",
            options=(Option("continue", "resume.continue"), Option("restart", "resume.restart")),
        ),
    ),
    finish=lambda view: Done(then="restart-below" if view.answers.get("choice") == "restart" else "pop"),
)


FEATURE = Feature(
    "menus",
    flows=(LANGUAGE, PRIVACY, RESUME),  # and the main menu, built of every feature's entries
    roles={
        "menu": MENU_NAME,
        "resume": RESUME.name,
        "intent:language": LANGUAGE.name,
        "intent:privacy": PRIVACY.name,
    },
    storage="repo",
    menu=(
        MenuEntry("status", "menu.status", lambda v: v.ctx.person.outcome is not None, order=20),
        MenuEntry("human", "menu.human", lambda v: True, order=80),
        MenuEntry("language", "menu.language", lambda v: True, order=85, then="push:language"),
        MenuEntry("privacy", "menu.privacy", lambda v: True, order=90, then="push:privacy"),
        # Last, so that every other entry keeps its number whether or not a question is pending.
        MenuEntry("continue", "menu.continue", lambda v: bool(v.answers.get("can_continue")), order=1000),
    ),
)

"""Golden transcripts (goflow's test runner): a file holds a conversation's inputs and what the flows
answered, rendered; a test replays the inputs with the flow backend (the state through JSON after
every step) and compares. `pytest --update-golden` rewrites the files, so a change of wording or
behaviour shows in the diff for review.

    # what the conversation is (kept)
    @chat participant he            # the setup (named in tests/test_golden.py) and the language

    > שלום                           # typed
    < …the reply, one line per line of text…
    < [כן, נתחיל] [לא עכשיו]         # its buttons
    > [כן, נתחיל]                    # a button, by (part of) its label
    > {payload}                      # a button, by its payload
    > (contact +972501234567)        # the contact button / (sticker)
    = RecordOutcome(...)             # an effect the step asked the shell for

Lines starting with "#", "@" and ">" are the file's input; "<" and "=" lines are regenerated.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.kit.chat import plain
from tests.kit.flow import FlowChat


@dataclass
class Transcript:
    header: list[str]  # comments and the "@chat" line
    inputs: list[str]  # each input line without its "> "

    @property
    def setup(self) -> tuple[str, str]:
        """(setup name, language) from the "@chat NAME LANG" line."""
        [line] = [h for h in self.header if h.startswith("@chat ")]
        name, lang = line.split()[1:3]
        return name, lang


def read(path: Path) -> Transcript:
    header, inputs = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("> "):
            inputs.append(line[2:])
        elif line.startswith(("#", "@")) and not inputs:
            header.append(line)
    return Transcript(header, inputs)


def act(chat: FlowChat, line: str) -> None:
    if line.startswith("[") and line.endswith("]"):
        chat.click(line[1:-1])
    elif line.startswith("{") and line.endswith("}"):
        chat.press(line[1:-1])
    elif line.startswith("(contact ") and line.endswith(")"):
        chat.share_contact(line[len("(contact ") : -1])
    elif line == "(sticker)":
        chat.send_sticker()
    else:
        chat.send(line)


def rendered(chat: FlowChat) -> list[str]:
    """What the last step showed, one "<" line per line of text, and the effects it asked for."""
    lines: list[str] = []
    for n, reply in enumerate(chat.last_batch):
        if n:
            lines.append("<")
        lines += [f"< {t}".rstrip() for t in plain(chat.text_of(reply)).split("\n")]
        if reply.choices:
            lines.append("< " + " ".join(f"[{plain(chat.render(c.label))}]" for c in reply.choices))
    return lines


def replay(transcript: Transcript, chat: FlowChat) -> str:
    """The transcript as the flows answer it now."""
    out = [*transcript.header, ""]
    for line in transcript.inputs:
        effects_before = len(chat.effects)
        act(chat, line)
        out.append(f"> {line}")
        out += rendered(chat)
        out += [f"= {e!r}" for e in chat.effects[effects_before:]]
    return "\n".join(out) + "\n"

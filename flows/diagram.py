"""A flow drawn from its declaration: its steps as nodes, where each may lead as edges, and Mermaid
text of it (`midway flows diagram`, docs/flows/).

    start ─▶ each step in the order declared, or where its route says ─▶ … ─▶ finish

A question shows its prompt and its options (rendered by `text`, e.g. in Hebrew from the catalogs;
a prompt or options that are functions show the step's key); a sub-flow call links to the flow it
runs; a skip is a dotted edge to the step declared next; a timeout is a dashed edge labelled with
the wait. A route that is a function cannot be read without running it: the edges go to the
`targets` it declares, or to a "?" node when it declares none. The finish is a function too, so
each flow has one "finish" node.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flows.declare import END, STAY, Ask, Branch, Call, Flow, Route, Step, Timeout

START, FINISH, UNKNOWN = "start", "finish", "unknown"  # the node ids that are not steps


@dataclass(frozen=True)
class Node:
    id: str
    kind: str  # start | ask | call | branch | finish | unknown
    lines: tuple[str, ...]  # the label: a title, then details (the prompt, the options)
    link: str | None = None  # a call: the flow it runs


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: str = "route"  # route | skip | timeout | repeat
    label: str = ""


@dataclass(frozen=True)
class Graph:
    name: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]

    def node(self, node_id: str) -> Node:
        return next(n for n in self.nodes if n.id == node_id)


def node_id(key: str) -> str:
    """A step's node id: prefixed, so no key can be one of Mermaid's words ("end", "graph")."""
    return "s_" + re.sub(r"\W", "_", key)


def static_targets(route: Route | None, declared: tuple[str, ...], after: str) -> tuple[str, ...]:
    """Where a route may lead: the step declared next (`after`) when there is none, the key it names,
    or what a function declares it may give (nothing known: UNKNOWN)."""
    if route is None:
        return (after,)
    if callable(route):
        return declared or (UNKNOWN,)
    return (route,)


def wait(after: timedelta) -> str:
    days, seconds = after.days, after.seconds
    if days and not seconds:
        return f"{days} day" + ("s" if days != 1 else "")
    if seconds % 3600 == 0 and not days:
        hours = seconds // 3600
        return f"{hours} hour" + ("s" if hours != 1 else "")
    return f"{int(after.total_seconds() // 60)} min"


def timeout_edges(key: str, timeout: Timeout, after: str) -> list[Edge]:
    waits = timeout.after
    label = f"no answer in {wait(waits)}" if isinstance(waits, timedelta) else "no answer in time"
    if timeout.effects is not None:
        label += " (and effects)"
    if timeout.go == STAY:
        return [Edge(node_id(key), node_id(key), "timeout", label + ": stays")]
    return [
        Edge(node_id(key), node_id(key), "timeout", label + ": stays")
        if t == STAY
        else Edge(node_id(key), target_id(t), "timeout", label)
        for t in static_targets(timeout.go, timeout.targets, after)
    ]


def target_id(key: str) -> str:
    if key == END:
        return FINISH
    if key == UNKNOWN:
        return UNKNOWN
    return node_id(key)


def ask_lines(ask: Ask, text: Callable[[str], str]) -> tuple[str, ...]:
    lines = [ask.key]
    if isinstance(ask.prompt, str):
        lines.append(text(ask.prompt))
    if callable(ask.options):
        lines.append("(options from the answers)")
    else:
        lines += [f"• {text(option.label)}" for option in ask.options]
    if ask.parse is not None:
        lines.append("(or typed)" if ask.options else "(typed)")
    if ask.multi:
        lines.append("(several may be chosen)")
    return tuple(part for line in lines for part in line.splitlines() or [""])  # a label is lines


def step_node(step: Step, text: Callable[[str], str]) -> Node:
    if isinstance(step, Ask):
        return Node(node_id(step.key), "ask", ask_lines(step, text))
    if isinstance(step, Call):
        return Node(node_id(step.key), "call", (step.key, f"runs {step.flow}"), link=step.flow)
    return Node(node_id(step.key), "branch", (step.key,))


def step_edges(step: Step, after: str) -> list[Edge]:
    source = node_id(step.key)
    if isinstance(step, Branch):
        routes = static_targets(step.to, step.targets, after)
    else:
        routes = static_targets(step.next, step.targets, after)
    edges = [Edge(source, target_id(t)) for t in dict.fromkeys(routes)]
    if isinstance(step, Call) and step.repeat is not None:
        edges.append(Edge(source, source, "repeat", "again"))
    if isinstance(step, Ask) and step.timeout is not None:
        edges += timeout_edges(step.key, step.timeout, after)
    if step.skip is not None:
        edges.append(Edge(source, target_id(after), "skip", "skip"))
    return edges


def graph(flow: Flow, text: Callable[[str], str] = lambda key: key) -> Graph:
    """The flow's nodes and edges; `text` renders a message key (the catalogs' Hebrew, say)."""
    nodes = [Node(START, "start", (flow.name,))]
    edges = [Edge(START, node_id(flow.steps[0].key) if flow.steps else FINISH)]
    for index, step in enumerate(flow.steps):
        after = flow.steps[index + 1].key if index + 1 < len(flow.steps) else END
        nodes.append(step_node(step, text))
        edges += step_edges(step, after)
    nodes.append(Node(FINISH, "finish", ("finish",)))
    if any(e.target == UNKNOWN for e in edges):
        nodes.append(Node(UNKNOWN, "unknown", ("?",)))
    return Graph(flow.name, tuple(nodes), tuple(edges))


# ---- Mermaid -----------------------------------------------------------------------------------
SHAPES = {
    "start": ('(["', '"])'),
    "finish": ('(["', '"])'),
    "ask": ('("', '")'),
    "call": ('[["', '"]]'),
    "branch": ('{{"', '"}}'),
    "unknown": ('(("', '"))'),
}
ARROWS = {"route": "-->", "repeat": "-->", "skip": "-.->", "timeout": "-.->"}
STYLES = {
    "start": "fill:#eeeeee,stroke:#555555",
    "finish": "fill:#eeeeee,stroke:#555555",
    "ask": "fill:#e8f1fb,stroke:#3b6ea5",
    "call": "fill:#e6f4e6,stroke:#3d8b3d",
    "branch": "fill:#fff6d6,stroke:#b08900",
    "unknown": "fill:#ffffff,stroke:#999999,stroke-dasharray:4 3",
}
EDGE_STYLES = {"skip": "stroke:#999999", "timeout": "stroke:#d9822b", "repeat": "stroke:#3d8b3d"}


def escape(text: str) -> str:
    """Text inside a quoted Mermaid label (entity codes, as Mermaid reads them)."""
    for char, code in (("&", "#amp;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        text = text.replace(char, code)
    return text


def mermaid(g: Graph, link: Callable[[str], str] = lambda name: f"{name}.svg") -> str:
    """`flowchart TD` text of the graph; a call's node links to `link(flow)`."""
    title = f"The flow {g.name!r}, drawn from its declaration: midway flows diagram {g.name}"
    out = ["flowchart TD", f"    %% {title}"]
    for n in g.nodes:
        opening, closing = SHAPES[n.kind]
        out.append(f"    {n.id}{opening}{'<br/>'.join(escape(line) for line in n.lines)}{closing}")
    for e in g.edges:
        label = f'|"{escape(e.label)}"|' if e.label else ""
        out.append(f"    {e.source} {ARROWS[e.kind]}{label} {e.target}")
    out += [f'    click {n.id} "{link(n.link)}" "{n.link}"' for n in g.nodes if n.link]
    kinds = list(dict.fromkeys(n.kind for n in g.nodes))
    out += [f"    classDef k_{kind} {STYLES[kind]}" for kind in kinds]
    out += [f"    class {','.join(n.id for n in g.nodes if n.kind == kind)} k_{kind}" for kind in kinds]
    styled = [(i, e) for i, e in enumerate(g.edges) if e.kind in EDGE_STYLES]
    out += [f"    linkStyle {i} {EDGE_STYLES[e.kind]}" for i, e in styled]
    return "\n".join(out) + "\n"


def calls(flow: Flow) -> tuple[str, ...]:
    """The flows this one runs as sub-flows, in the order declared."""
    return tuple(dict.fromkeys(s.flow for s in flow.steps if isinstance(s, Call)))

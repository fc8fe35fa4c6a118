"""A flow's graph (flows/diagram.py) as an SVG picture, with no dependency: laid out top-down in
layers, the way Graphviz's `dot` and Mermaid do it, only simpler.

1. Edges that go back up (a loop, "back to the question") are set aside, so the rest has no cycle;
   each node's layer is the longest way to it from the start.
2. An edge that passes over layers gets a waypoint in each, so it can bend around the nodes there.
3. The order within each layer follows the neighbours' average place (a few sweeps down and up),
   which uncrosses most edges; then each node moves under its neighbours as far as its layer allows.

Edges going back are drawn on the right of everything between their ends, a loop to the same node
on its right side. Text widths are estimated from the characters (no font metrics here), a little
generously, so labels stay inside their boxes in any common sans-serif font.
"""

from __future__ import annotations

import textwrap
import unicodedata
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from flows.diagram import START, Edge, Graph

FONT, SMALL = 13, 11  # px: node text, edge labels
LINE = 18  # px between lines of a node's text
PAD_X, PAD_Y = 14, 8
GAP_X, GAP_Y = 30, 58  # between neighbours in a layer, between layers
MARGIN = 20
WRAP = 42  # characters in a line of a node's text
SWEEPS = 6

NODE_STYLE = {  # fill, stroke
    "start": ("#eeeeee", "#555555"),
    "finish": ("#eeeeee", "#555555"),
    "ask": ("#e8f1fb", "#3b6ea5"),
    "call": ("#e6f4e6", "#3d8b3d"),
    "branch": ("#fff6d6", "#b08900"),
    "unknown": ("#ffffff", "#999999"),
}
EDGE_STYLE = {  # stroke, dash pattern
    "route": ("#555555", ""),
    "repeat": ("#3d8b3d", ""),
    "skip": ("#999999", "2 4"),
    "timeout": ("#d9822b", "7 4"),
}


def char_width(char: str, size: float) -> float:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Cf") or char == "\ufe0f":
        return 0.0
    if unicodedata.east_asian_width(char) in ("W", "F"):  # emoji among them
        return size * 1.25
    return size * (0.68 if char.isupper() or char.isdigit() else 0.6)


def text_width(text: str, size: float = FONT) -> float:
    return sum(char_width(c, size) for c in text)


def right_to_left(text: str) -> bool:
    """The first strong character is Hebrew or Arabic: the line reads right to left."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


def num(value: float) -> str:
    return f"{round(value, 1):g}"


@dataclass
class Box:
    id: str
    kind: str
    lines: list[str]
    width: float
    height: float
    link: str | None = None
    dummy: bool = False
    right_pad: float = 0.0  # room on the right for a loop to itself and its label
    layer: int = 0
    x: float = 0.0  # centre
    y: float = 0.0  # top

    @property
    def left(self) -> float:
        return self.x - self.width / 2

    @property
    def right(self) -> float:
        return self.x + self.width / 2


@dataclass
class Layout:
    boxes: dict[str, Box]
    layers: list[list[str]]
    chains: dict[int, list[str]] = field(default_factory=dict)  # edge index → waypoints (dummy ids)
    back: set[int] = field(default_factory=set)  # indices of edges drawn going back up
    pairs: list[tuple[str, str]] = field(default_factory=list)  # edges between adjacent layers


def make_box(node_id: str, kind: str, label: tuple[str, ...], link: str | None) -> Box:
    lines = [part for line in label for part in (textwrap.wrap(line, WRAP) or [""])]
    width = max(text_width(line) for line in lines) + 2 * PAD_X
    if kind == "branch":
        width += 24  # the hexagon's points
    if kind == "call":
        width += 12  # the subroutine's side bars
    return Box(node_id, kind, lines, max(width, 60.0), len(lines) * LINE + 2 * PAD_Y, link)


def back_edges(g: Graph) -> set[int]:
    """Edges that close a cycle in a depth-first walk from the start, in the order declared."""
    out: dict[str, list[int]] = {n.id: [] for n in g.nodes}
    for i, e in enumerate(g.edges):
        if e.source != e.target:
            out[e.source].append(i)
    state: dict[str, int] = {}  # 1: on the walk's path, 2: done
    back: set[int] = set()
    for root in [START, *(n.id for n in g.nodes)]:
        if root in state:
            continue
        stack = [(root, iter(out[root]))]
        state[root] = 1
        while stack:
            node, edges = stack[-1]
            index = next(edges, None)
            if index is None:
                state[node] = 2
                stack.pop()
                continue
            target = g.edges[index].target
            if state.get(target) == 1:
                back.add(index)
            elif target not in state:
                state[target] = 1
                stack.append((target, iter(out[target])))
    return back


def layout(g: Graph) -> Layout:
    boxes = {n.id: make_box(n.id, n.kind, n.lines, n.link) for n in g.nodes}
    back = back_edges(g)
    forward = [(i, e) for i, e in enumerate(g.edges) if e.source != e.target]
    dag = [(e.target, e.source) if i in back else (e.source, e.target) for i, e in forward]
    # longest path from the start, nodes taken in the order declared
    order = list(boxes)
    preds: dict[str, set[str]] = {b: set() for b in boxes}
    for a, b in dag:
        preds[b].add(a)
    placed: set[str] = set()
    while len(placed) < len(order):
        ready = next((n for n in order if n not in placed and preds[n] <= placed), None)
        if ready is None:  # cannot happen without cycles; keep going rather than hang
            ready = next(n for n in order if n not in placed)
        boxes[ready].layer = max((boxes[p].layer + 1 for p in preds[ready] if p in placed), default=0)
        placed.add(ready)
    for e in g.edges:
        if e.source == e.target:
            loop = text_width(e.label, SMALL) + 48
            boxes[e.source].right_pad = max(boxes[e.source].right_pad, loop)
    lay = Layout(boxes, [[] for _ in range(max(b.layer for b in boxes.values()) + 1)], back=back)
    for box_id in order:
        lay.layers[boxes[box_id].layer].append(box_id)
    for (i, _), (a, b) in zip(forward, dag, strict=True):
        chain: list[str] = []
        lay.chains[i] = chain
        if i in back:  # drawn on the right, not through the layers
            continue
        lay.pairs += [(a, b)] if boxes[b].layer == boxes[a].layer + 1 else []
        for layer in range(boxes[a].layer + 1, boxes[b].layer):
            dummy = Box(f"_d{i}_{layer}", "dummy", [], 16.0, 0.0, dummy=True, layer=layer)
            boxes[dummy.id] = dummy
            lay.layers[layer].append(dummy.id)
            chain.append(dummy.id)
        if chain:
            path = [a, *chain, b]
            lay.pairs += list(zip(path, path[1:], strict=False))
    order_layers(lay)
    place(lay)
    return lay


def order_layers(lay: Layout) -> None:
    up: dict[str, list[str]] = {b: [] for b in lay.boxes}
    down: dict[str, list[str]] = {b: [] for b in lay.boxes}
    for a, b in lay.pairs:
        down[a].append(b)
        up[b].append(a)
    for sweep in range(SWEEPS):
        going_down = sweep % 2 == 0
        layers = range(1, len(lay.layers)) if going_down else range(len(lay.layers) - 2, -1, -1)
        for index in layers:
            near = lay.layers[index - 1] if going_down else lay.layers[index + 1]
            where = {b: i for i, b in enumerate(near)}
            current = lay.layers[index]

            def centre(b: str, position: int) -> float:
                seen = [where[n] for n in (up[b] if going_down else down[b]) if n in where]  # noqa: B023
                return sum(seen) / len(seen) if seen else float(position)

            keyed = sorted(enumerate(current), key=lambda item: (centre(item[1], item[0]), item[0]))
            lay.layers[index] = [b for _, b in keyed]


def pack(lay: Layout, ids: list[str], wanted: dict[str, float]) -> None:
    """Each box as near its wanted centre as the order and the gaps allow, the layer as a whole
    shifted to be on average where it is wanted."""
    boxes = lay.boxes
    edge = -1e9
    for b in ids:
        box = boxes[b]
        box.x = max(wanted[b], edge + box.width / 2)
        edge = box.x + box.width / 2 + box.right_pad + (GAP_X if not box.dummy else GAP_X / 2)
    shift = sum(wanted[b] - boxes[b].x for b in ids) / len(ids)
    for b in ids:
        boxes[b].x += shift


def place(lay: Layout) -> None:
    boxes = lay.boxes
    neighbours: dict[str, list[str]] = {b: [] for b in boxes}
    for a, b in lay.pairs:
        neighbours[a].append(b)
        neighbours[b].append(a)
    for ids in lay.layers:
        pack(lay, ids, {b: 0.0 for b in ids})
    for sweep in range(SWEEPS):
        layers = lay.layers if sweep % 2 == 0 else lay.layers[::-1]
        for ids in layers:
            wanted = {}
            for b in ids:
                near = [boxes[n].x for n in neighbours[b]]
                wanted[b] = sum(near) / len(near) if near else boxes[b].x
            pack(lay, ids, wanted)
    left = min(b.left for b in boxes.values())
    top = float(MARGIN)
    for ids in lay.layers:
        height = max(boxes[b].height for b in ids)
        for b in ids:
            boxes[b].x += MARGIN - left
            if boxes[b].dummy:  # the edge passes the whole layer straight down
                boxes[b].height = height
            boxes[b].y = top + (height - boxes[b].height) / 2
        top += height + GAP_Y


# ---- drawing ---------------------------------------------------------------------------------
def node_svg(box: Box) -> list[str]:
    fill, stroke = NODE_STYLE[box.kind]
    x, y, w, h = box.left, box.y, box.width, box.height
    paint = f'fill="{fill}" stroke="{stroke}" stroke-width="1.4"'
    if box.kind == "branch":
        points = [
            (x + 12, y),
            (x + w - 12, y),
            (x + w, y + h / 2),
            (x + w - 12, y + h),
            (x + 12, y + h),
            (x, y + h / 2),
        ]
        shape = [f'<polygon points="{" ".join(f"{num(px)},{num(py)}" for px, py in points)}" {paint}/>']
    else:
        radius = h / 2 if box.kind in ("start", "finish", "unknown") else 8 if box.kind == "ask" else 2
        dash = ' stroke-dasharray="4 3"' if box.kind == "unknown" else ""
        shape = [
            f'<rect x="{num(x)}" y="{num(y)}" width="{num(w)}" height="{num(h)}" rx="{num(radius)}" '
            f"{paint}{dash}/>"
        ]
        if box.kind == "call":
            shape += [
                f'<line x1="{num(px)}" y1="{num(y)}" x2="{num(px)}" y2="{num(y + h)}" stroke="{stroke}"/>'
                for px in (x + 7, x + w - 7)
            ]
    for i, line in enumerate(box.lines):
        weight = ' font-weight="bold"' if i == 0 else ""
        direction = ' direction="rtl"' if right_to_left(line) else ""
        baseline = y + PAD_Y + LINE * i + LINE - 5
        shape.append(f'<text x="{num(box.x)}" y="{num(baseline)}"{weight}{direction}>{escape(line)}</text>')
    if box.link:
        return [f"<a href={quoteattr(box.link + '.svg')}>", *shape, "</a>"]
    return shape


def edge_path(lay: Layout, index: int, e: Edge, back_offset: float) -> tuple[str, float, float, str]:
    """The path's `d`, where its label goes (x, y) and the label's anchor."""
    boxes = lay.boxes
    a, b = boxes[e.source], boxes[e.target]
    if e.source == e.target:
        r, mid = a.right, a.y + a.height / 2
        d = (
            f"M{num(r)},{num(mid - 8)} C{num(r + 40)},{num(mid - 26)} {num(r + 40)},{num(mid + 26)} "
            f"{num(r)},{num(mid + 8)}"
        )
        return d, r + 36, mid + 4, "start"
    if index in lay.back:  # up the right side of everything in between
        low, high = sorted((a.layer, b.layer))
        side = max(boxes[n].right + boxes[n].right_pad for layer in lay.layers[low : high + 1] for n in layer)
        out = side + 22 + back_offset
        y1, y2 = a.y + a.height / 2, b.y + b.height / 2
        d = f"M{num(a.right)},{num(y1)} L{num(out)},{num(y1)} L{num(out)},{num(y2)} L{num(b.right)},{num(y2)}"
        return d, out + 4, (y1 + y2) / 2, "start"
    through = [(w.x, y) for w in (boxes[c] for c in lay.chains[index]) for y in (w.y, w.y + w.height)]
    points = [(a.x, a.y + a.height), *through, (b.x, b.y)]
    d = f"M{num(points[0][0])},{num(points[0][1])}"
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        bend = (y1 - y0) / 2
        if x0 == x1:  # through a layer
            d += f" L{num(x1)},{num(y1)}"
        else:
            d += f" C{num(x0)},{num(y0 + bend)} {num(x1)},{num(y1 - bend)} {num(x1)},{num(y1)}"
    (x0, y0), (x1, y1) = points[0], points[1]
    return d, x0 + (x1 - x0) * 0.45, y0 + min(26.0, (y1 - y0) * 0.45) + 4, "middle"


def label_svg(text: str, x: float, y: float, anchor: str) -> list[str]:
    width = text_width(text, SMALL) + 8
    left = x - width / 2 if anchor == "middle" else x - 2
    return [
        f'<rect x="{num(left)}" y="{num(y - SMALL)}" width="{num(width)}" height="{SMALL + 5}" '
        f'fill="#ffffff" fill-opacity="0.9"/>',
        f'<text x="{num(x + (2 if anchor == "start" else 0))}" y="{num(y)}" font-size="{SMALL}" '
        f'text-anchor="{anchor}">{escape(text)}</text>',
    ]


def svg(g: Graph) -> str:
    """The picture of the graph: an SVG document; a call's node links to NAME.svg beside it."""
    lay = layout(g)
    body: list[str] = []
    labels: list[str] = []
    extent_x, extent_y = 0.0, 0.0
    backs = 0
    for index, e in enumerate(g.edges):
        offset = 0.0
        if index in lay.back:
            offset, backs = 14.0 * backs, backs + 1
        d, lx, ly, anchor = edge_path(lay, index, e, offset)
        stroke, dash = EDGE_STYLE[e.kind]
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        body.append(
            f'<path d="{d}" fill="none" stroke="{stroke}" stroke-width="1.4"{dashed} '
            f'marker-end="url(#arrow-{e.kind})"/>'
        )
        if e.label:
            labels += label_svg(e.label, lx, ly, anchor)
            extent_x = max(extent_x, lx + text_width(e.label, SMALL) + 12 if anchor == "start" else lx)
        if index in lay.back:
            extent_x = max(extent_x, float(d.split(" L")[1].split(",")[0]) + 10)
    for box in lay.boxes.values():
        if not box.dummy:
            body += node_svg(box)
        extent_x = max(extent_x, box.right + box.right_pad)
        extent_y = max(extent_y, box.y + box.height)
    width, height = extent_x + MARGIN, extent_y + MARGIN
    markers = [
        f'<marker id="arrow-{kind}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{stroke}"/></marker>'
        for kind, (stroke, _) in EDGE_STYLE.items()
    ]
    head = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{num(width)}" height="{num(height)}" '
        f'viewBox="0 0 {num(width)} {num(height)}" font-family="Arial, \'Noto Sans Hebrew\', sans-serif" '
        f'font-size="{FONT}" text-anchor="middle">',
        f"<title>{escape(g.name)}</title>",
        "<defs>",
        *markers,
        "</defs>",
        f'<rect width="{num(width)}" height="{num(height)}" fill="#ffffff"/>',
    ]
    return "\n".join([*head, *body, *labels, "</svg>"]) + "\n"

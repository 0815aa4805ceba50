"""Layout: the picture as plain nodes, edges and module boxes, folded to fit, then DOT.

Big graphs fold in three steps: above ``max_nodes`` every innermost module box becomes one
node; runs of identical layers (the same module and ops, one after another) then become one
box "x N"; and a long chain wraps onto several rows about ``ROW_WIDTH`` px wide (in the
rank direction LR/RL), a module box cut by a row end continuing on the next row.
"""

from __future__ import annotations

import math
from typing import Any

import graphviz

from . import flow
from .renderer import Graph
from .walk import esc, module_label

FONT = "Helvetica"
#: a graph whose one row would be estimated wider than this (px; Graphviz's real width is
#: about 1.25 times the estimate) wraps, onto rows of about ROW_WIDTH
WRAP_ABOVE = 1550
ROW_WIDTH = 1350
# Node roles (the small legend); a soft colour each, dark text stays readable on all of them.
ROLE_COLOUR = {
    "parameter": "#c7e9c0",
    "leaf": "#c7e9c0",
    "input": "#c6dbef",
    "constant": "#ffffff",
    "output": "#fdd49e",
    "intermediate": "#ffffff",
    "step": "#fff3c4",          # a step of an expanded composite op (draw(expand=True))
}
ROLE_NAME = {"step": "expanded step"}
#: the box around an expanded composite op: dashed, so it reads as "what this op computes"
EXPAND_BOX = {"style": "rounded,dashed,filled", "fillcolor": "#fffbea", "color": "#b8860b",
              "fontcolor": "#6b4e00"}
_ROLE_STYLE = {"constant": {"style": "filled,dashed", "color": "#999999",
                            "fontcolor": "#555555"},
               "output": {"penwidth": "2"}}
OP_FILL = "#eeeeee"
_CLUSTER_FILL = ("#f4f4f4", "#e8e8f0")


class Picture:
    """Nodes (name -> DOT attributes), edges, and module boxes (scopes) before DOT."""

    def __init__(self, scalar: bool, scale: tuple[float, float] | None) -> None:
        self.scalar, self.scale, self.computed = scalar, scale, True
        self.nodes: dict[str, dict[str, str]] = {}
        self.edges: list[tuple[str, str, dict[str, str]]] = []
        self.cluster_of: dict[str, Any] = {}     # node name -> scope key
        self.scopes: dict[Any, Any] = {}         # scope key -> Module
        self.parent: dict[Any, Any] = {}         # scope key -> enclosing scope key
        self.scope_label: dict[Any, str] = {}    # a box title other than the module's own
        self.box_style: dict[Any, dict[str, str]] = {}  # a box drawn other than a module's
        self.roles: set[str] = set()
        self.flow_states: set[str] = set()       # "zero", "unknown", "none" when present
        self.role_of: dict[str, str] = {}        # value node name -> its role
        self.param_names: dict[int, str] = {}    # id(parameter) -> attribute name in module
        self.rows: dict[str, int] = {}           # node name -> its row, when wrapped

    def add_value(self, name: str, label: str, role: str, mag: float | None, has_grad: bool,
                  tooltip: str) -> None:
        attrs = {"label": label, "shape": "record", "tooltip": tooltip}
        self.role_of[name] = role
        if self.scale is None:
            self.roles.add(role)
            attrs.update(style="filled", fillcolor=ROLE_COLOUR[role])
            attrs.update(_ROLE_STYLE.get(role, {}))
        elif not has_grad:
            self.flow_states.add("none")
            attrs.update(style="filled", fillcolor=flow.NO_GRAD_FILL)
            if role == "constant":
                attrs.update(style="filled,dashed", color="#999999", fontcolor="#555555")
        else:
            fill = self.mag_fill(mag)
            attrs.update(style="filled", fillcolor=fill, fontcolor=flow.text_colour(fill))
            if mag is None:
                attrs["style"] = "filled,dashed"
        self.nodes[name] = attrs

    def mag_fill(self, mag: float | None) -> str:
        assert self.scale is not None
        fill = flow.mag_colour(mag, self.scale)
        if fill is None:
            self.flow_states.add("unknown")
            return "#ffffff"
        if mag == 0.0:
            self.flow_states.add("zero")
        return fill

    def edge_attrs(self, mag: float | None, carries: bool) -> dict[str, str]:
        if self.scale is None:
            return {}
        if not carries:  # from a constant or data: no gradient flows back along it
            return {"color": "#bbbbbb"}
        if mag is None:
            self.flow_states.add("unknown")
            return {"color": "#aaaaaa", "style": "dashed"}
        if mag == 0.0:
            self.flow_states.add("zero")
            return {"color": "#bbbbbb", "style": "dotted"}
        t = flow.position(mag, self.scale) if math.isfinite(mag) else 1.0
        return {"color": flow.colour(t), "penwidth": f"{1.0 + 2.5 * t:.2f}"}

    def title(self, key: Any) -> str:
        return self.scope_label.get(key) or module_label(self.scopes[key])


# ---------------------------------------------------------------------------------------
# folding
# ---------------------------------------------------------------------------------------
def is_expansion(key: Any) -> bool:
    """Is this box an expanded composite op (not a module)?"""
    return isinstance(key, tuple) and len(key) == 2 and key[0] == "expand"


def fold(pic: Picture, max_nodes: int, node_mag: list[float | None],
         wrap: str | None) -> None:
    """Collapse above max_nodes; wrap (the rank direction, or None for no wrapping) a long
    LR/RL chain onto rows, a wide TB/BT graph onto bands."""
    if len(pic.nodes) > max_nodes:
        _collapse(pic, max_nodes, node_mag)
    if wrap in ("LR", "RL"):
        _wrap(pic)
    elif wrap in ("TB", "BT"):
        _wrap_wide(pic)


def _collapse(pic: Picture, max_nodes: int, node_mag: list[float | None]) -> None:
    """Replace each innermost module box by one node, fold runs of identical layers, or
    refuse with a clear message."""
    total = len(pic.nodes)
    n_ops = sum(1 for name in pic.nodes if name.startswith("op"))
    refuse = (f"draw: the graph has {total} nodes ({total - n_ops} values, {n_ops} ops), more "
              f"than max_nodes={max_nodes}")
    parents = {p for k, p in pic.parent.items() if p is not None and not is_expansion(k)}
    innermost = [k for k in pic.scopes if k not in parents and not is_expansion(k)]
    if not innermost:
        raise ValueError(f"{refuse}. Pass max_nodes={total} (or more) to draw it anyway - "
                         "Graphviz may take a while on a graph this big - or draw a smaller "
                         "piece of the computation.")
    group = {key: f"m{j}" for j, key in enumerate(innermost)}
    members: dict[str, list[str]] = {g: [] for g in group.values()}
    for name, key in pic.cluster_of.items():
        while is_expansion(key):  # an expanded op's steps go with its module
            key = pic.parent.get(key)
        if key in group:
            members[group[key]].append(name)
    boxes = {}
    for key, g in group.items():
        names = members[g]
        ops = [pic.nodes[n]["label"] for n in names if n.startswith("op")]
        n_params = sum(1 for n in names if pic.role_of.get(n) == "parameter")
        kinds = ", ".join(dict.fromkeys(ops))
        boxes[g] = {"title": module_label(pic.scopes[key]), "ops": len(ops), "kinds": kinds,
                    "params": n_params, "names": names, "parent": pic.parent.get(key),
                    "count": 1}
    _merge(pic, {n: g for g, b in boxes.items() for n in b["names"]}, boxes, node_mag)
    for key in innermost:
        pic.scopes.pop(key)
    for key in [k for k in pic.scopes if is_expansion(k) and pic.parent.get(k) in group]:
        pic.scopes.pop(key)
    _fold_repeats(pic, boxes, node_mag)
    if len(pic.nodes) > max_nodes:
        raise ValueError(f"{refuse}, and still {len(pic.nodes)} with one node per module. "
                         f"Pass max_nodes={total} (or more) to draw every node - Graphviz may "
                         "take a while - or draw a smaller piece of the computation.")


def _box_attrs(pic: Picture, box: dict[str, Any], node_mag: list[float | None]) -> dict:
    plural = "s" if box["ops"] != 1 else ""
    lines = [esc(box["title"]).replace("\\n", " ")]
    if box["count"] > 1:
        lines[0] += f"  x {box['count']}"
    lines.append(esc(f"{box['ops']} op{plural}: {box['kinds']}"))
    if box["params"]:
        lines.append(f"{box['params']} parameter{'s' * (box['params'] != 1)}")
    attrs = {"label": "\\n".join(lines), "shape": "box", "style": "rounded,filled",
             "fillcolor": "#f4f4f4",
             "tooltip": (f"{box['title']}" + (f" x {box['count']}" if box["count"] > 1 else "")
                         + f": {box['ops']} op{plural} ({box['kinds']}), {box['params']} "
                         "parameter tensors")}
    if pic.scale is not None:
        known = [node_mag[int(n[1:])] for n in box["names"] if n.startswith("v")]
        logs = [math.log10(m) for m in known if m]
        mag = 10 ** (sum(logs) / len(logs)) if logs else (0.0 if known else None)
        fill = pic.mag_fill(mag)
        attrs.update(fillcolor=fill, fontcolor=flow.text_colour(fill))
        if mag is not None:
            attrs["tooltip"] += f"; rms gradient (geometric mean) {mag:.3g}"
    return attrs


def _merge(pic: Picture, rename: dict[str, str], boxes: dict[str, dict[str, Any]],
           node_mag: list[float | None]) -> None:
    """Replace the nodes in rename by their box nodes; edges follow, doubles dropped."""
    new_nodes = {n: a for n, a in pic.nodes.items() if n not in rename}
    for g, box in boxes.items():
        if g in set(rename.values()):
            new_nodes[g] = _box_attrs(pic, box, node_mag)
            if box["parent"] is not None:
                pic.cluster_of[g] = box["parent"]
    seen: set[tuple[str, str]] = set()
    new_edges = []
    for a, b, attrs in pic.edges:
        a, b = rename.get(a, a), rename.get(b, b)
        if a == b or (a, b) in seen:
            continue
        seen.add((a, b))
        new_edges.append((a, b, attrs))
    for name in rename:
        pic.cluster_of.pop(name, None)
    pic.nodes, pic.edges = new_nodes, new_edges


def _fold_repeats(pic: Picture, boxes: dict[str, dict[str, Any]],
                  node_mag: list[float | None]) -> None:
    """A chain of module boxes repeating a block of 1-4 identical layers 3+ times becomes one
    box "x N"."""
    succ: dict[str, list[str]] = {}
    pred: dict[str, list[str]] = {}
    for a, b, _ in pic.edges:
        if a in boxes and b in boxes:
            succ.setdefault(a, []).append(b)
            pred.setdefault(b, []).append(a)

    def sig(g: str) -> tuple:
        b = boxes[g]
        return (b["title"], b["kinds"], b["ops"], b["params"], b["parent"])

    chains = []
    for g in boxes:
        if g not in pic.nodes or len(pred.get(g, [])) == 1 and len(succ.get(pred[g][0],
                                                                          [])) == 1:
            continue  # not the head of a chain
        chain = [g]
        while len(succ.get(chain[-1], [])) == 1 and len(pred.get(succ[chain[-1]][0], [])) == 1:
            chain.append(succ[chain[-1]][0])
        chains.append(chain)
    rename: dict[str, str] = {}
    merged: dict[str, dict[str, Any]] = {}
    for chain in chains:
        sigs = [sig(g) for g in chain]
        i = 0
        while i < len(chain):
            best = (1, 1)
            for p in range(1, 5):
                n = 1
                while sigs[i + n * p:i + (n + 1) * p] == sigs[i:i + p] and \
                        i + (n + 1) * p <= len(chain):
                    n += 1
                if n >= 3 and n * p > best[0] * best[1]:
                    best = (p, n)
            p, n = best
            if n >= 3:
                block = chain[i:i + p * n]
                first = [boxes[g] for g in block[:p]]
                name = f"{block[0]}r"
                merged[name] = {
                    "title": " -> ".join(b["title"] for b in first), "count": n,
                    "ops": sum(boxes[g]["ops"] for g in block),
                    "kinds": ", ".join(dict.fromkeys(b["kinds"] for b in first)),
                    "params": sum(boxes[g]["params"] for g in block),
                    "names": [m for g in block for m in boxes[g]["names"]],
                    "parent": first[0]["parent"]}
                for g in block:
                    rename[g] = name
                i += p * n
            else:
                i += 1
    if rename:
        _merge(pic, rename, merged, node_mag)


# ---------------------------------------------------------------------------------------
# wrapping long chains onto rows
# ---------------------------------------------------------------------------------------
def _est_width(attrs: dict[str, str], tb: bool = False) -> float:
    """A rough width in px of a node as Graphviz will draw it (fontsize 11 Helvetica), in
    a graph running left to right (tb=False) or top to bottom (a record's fields turn)."""
    label = attrs.get("label", "")
    per_char = 6.3
    if attrs.get("shape") == "record":
        across = label.startswith("{ ") != tb
        fields = label.strip("{} ").split(" | ")
        widths = [max(len(line) for line in f.split("\\n")) * per_char + 14 for f in fields]
        return sum(widths) if across else max(widths)
    lines = label.split("\\n")
    return max(len(line) for line in lines) * per_char + (34 if attrs.get("shape") ==
                                                           "ellipse" else 20)


def _wrap(pic: Picture) -> None:
    names = list(pic.nodes)
    preds: dict[str, list[str]] = {n: [] for n in names}
    succs: dict[str, list[str]] = {n: [] for n in names}
    for a, b, _ in pic.edges:
        succs[a].append(b)
        preds[b].append(a)
    # each node as late as it can go (its longest path to the end decides), which is where
    # dot puts a side branch such as a weight's transpose: just before its user
    order: list[str] = []
    waiting = {n: len(preds[n]) for n in names}
    ready = [n for n in names if not preds[n]]
    while ready:
        n = ready.pop()
        order.append(n)
        for s in succs[n]:
            waiting[s] -= 1
            if waiting[s] == 0:
                ready.append(s)
    if len(order) != len(names):
        return  # not a DAG (cannot happen for a computation graph): leave it as it is
    to_end: dict[str, int] = {}
    for n in reversed(order):
        to_end[n] = max((to_end[s] + 1 for s in succs[n]), default=0)
    longest = max(to_end.values(), default=0)
    rank = {n: longest - to_end[n] for n in names}
    if not rank:
        return
    depth = max(rank.values()) + 1
    width = [0.0] * depth
    for n in names:
        width[rank[n]] = max(width[rank[n]], _est_width(pic.nodes[n]))
    gap = 25.0 + 16.0  # ranksep, and room for box borders
    if sum(width) + gap * depth <= WRAP_ABOVE:
        return
    # clusters' rank spans: a row ends where no box is cut, when it can
    top: dict[Any, tuple[int, int]] = {}
    for n in names:
        if not preds[n]:
            continue  # a leaf follows its user onto that row
        key = pic.cluster_of.get(n)
        while key is not None:
            lo, hi = top.get(key, (rank[n], rank[n]))
            top[key] = (min(lo, rank[n]), max(hi, rank[n]))
            key = pic.parent.get(key)

    def cuts_through(b: int) -> int:
        return sum(1 for lo, hi in top.values() if lo < b <= hi and
                   sum(width[lo:hi + 1]) + gap * (hi - lo + 1) <= ROW_WIDTH)

    starts = [0]
    used = 0.0
    for r in range(depth):
        w = width[r] + gap
        if used + w > ROW_WIDTH and r > starts[-1]:
            lo = starts[-1] + 1
            best = min(range(lo, r + 1), key=lambda b: (cuts_through(b), -b))
            starts.append(best)
            used = sum(width[best:r]) + gap * (r - best)
        used += w
    row_of_rank = [0] * depth
    for k, s in enumerate(starts):
        for r in range(s, depth):
            row_of_rank[r] = k
    row = {n: row_of_rank[rank[n]] for n in names}
    for n in names:  # a leaf stays on its first user's row
        if not preds[n] and succs[n]:
            row[n] = min(row[s] for s in succs[n])
    pic.edges = _cut(pic, row, "row")
    pic.rows = row
    _split_boxes(pic, row)


def _first_line(pic: Picture, name: str) -> str:
    return pic.nodes[name].get("label", name).strip("{} ").split(" | ")[0].split("\\n")[0]


def _fan_in(pic: Picture, row: dict[str, int]) -> tuple[dict[str, int], set[str]]:
    """How many edges come into each node from other rows, counting those from nodes used
    only there (which can be bundled), and the nodes used more than once."""
    uses: dict[str, int] = {}
    for a, _, _ in pic.edges:
        uses[a] = uses.get(a, 0) + 1
    shared = {a for a, n in uses.items() if n > 1}
    groups: dict[str, int] = {}
    for a, b, _ in pic.edges:
        if row[a] != row[b] and a not in shared:
            groups[b] = groups.get(b, 0) + 1
    return groups, shared


def _cut(pic: Picture, row: dict[str, int], what: str
         ) -> list[tuple[str, str, dict[str, str]]]:
    """The edges once each row (or band) is a picture of its own: an edge into a later row
    starts there at a small "from ..." stub naming its source; when three or more edges come
    into one node from other rows, each row's edges meet at a "to ..." stub, and one
    "from N inputs above" stub carries them all on. Adds the stubs to pic.nodes and row."""
    groups, shared = _fan_in(pic, row)
    new_edges = []
    stubs: dict[tuple[Any, ...], str] = {}

    def stub(key: tuple[Any, ...], r: int, label: str, tip: str) -> tuple[str, bool]:
        made = key not in stubs
        if made:
            stubs[key] = name = f"c{len(stubs)}"
            pic.nodes[name] = {"label": label, "shape": "cds", "style": "dashed",
                               "fontsize": "10", "color": "#999999", "tooltip": tip}
            row[name] = r
        return stubs[key], made

    for a, b, attrs in pic.edges:
        if row[a] == row[b]:
            new_edges.append((a, b, attrs))
            continue
        n = groups.get(b, 0)
        if n >= 3 and a not in shared:
            target = _first_line(pic, b)
            out, _ = stub(("to", row[a], b), row[a], f"to {target}",
                          f"inputs of {target}, in the {what} below")
            new_edges.append((a, out, attrs))
            into, made = stub(("in", b), row[b], f"from {n} inputs above",
                              f"{n} inputs of {target}, continued from the {what} above")
            if made:
                new_edges.append((into, b, {**attrs, "style": "dashed"}))
            continue
        source = _first_line(pic, a)
        into, _ = stub(("from", a, row[b]), row[b], f"from {source}",
                       f"continued from the {what} above: {source}")
        new_edges.append((into, b, {**attrs, "style": "dashed"}))
    return new_edges


def _split_boxes(pic: Picture, row: dict[str, int]) -> None:
    """A module box with nodes on several rows becomes one box per row ("... (cont.)")."""
    rows_of: dict[Any, set[int]] = {}
    for n, key in pic.cluster_of.items():
        while key is not None:
            rows_of.setdefault(key, set()).add(row[n])
            key = pic.parent.get(key)
    split = {k for k, rs in rows_of.items() if len(rs) > 1}
    if not split:
        return
    piece: dict[tuple[Any, int], Any] = {}

    def key_for(key: Any, r: int) -> Any:
        if key is None or key not in split:
            return key
        if (key, r) not in piece:
            new = ("piece", key, r)
            piece[(key, r)] = new
            pic.scopes[new] = pic.scopes[key]
            first = min(rows_of[key])
            pic.scope_label[new] = pic.title(key) + ("" if r == first else " (cont.)")
            if key in pic.box_style:
                pic.box_style[new] = pic.box_style[key]
            pic.parent[new] = key_for(pic.parent.get(key), r)
        return piece[(key, r)]

    for n in list(pic.cluster_of):
        pic.cluster_of[n] = key_for(pic.cluster_of[n], row[n])
    for key in split:
        for sub, parent in list(pic.parent.items()):
            if parent == key and sub not in split:
                rs = rows_of.get(sub, {0})
                pic.parent[sub] = key_for(key, min(rs))
    for key in split:
        pic.scopes.pop(key, None)
        pic.parent.pop(key, None)


# ---------------------------------------------------------------------------------------
# DOT
# ---------------------------------------------------------------------------------------
def emit(pic: Picture, rankdir: str, title: str | None, legend: bool) -> Graph:
    g = Graph("computation_graph",
              graph_attr={"rankdir": rankdir, "fontname": FONT, "nodesep": "0.25",
                          "ranksep": "0.35", "bgcolor": "white"},
              node_attr={"fontname": FONT, "fontsize": "11", "color": "#555555"},
              edge_attr={"color": "#555555", "arrowsize": "0.7"})
    if title:
        g.attr(label=title, labelloc="t", fontsize="16")
    # clusters, deepest first, so a box is complete before it goes into its parent's box
    depth = {}
    for key in pic.scopes:
        d, p = 0, pic.parent.get(key)
        while p is not None and d < 64:
            d, p = d + 1, pic.parent.get(p)
        depth[key] = d
    keys = sorted(pic.scopes, key=lambda k: -depth[k])
    cluster_num = {key: j for j, key in enumerate(sorted(pic.scopes, key=lambda k: depth[k]))}
    subs: dict[Any, graphviz.Digraph] = {}
    for key in pic.scopes:
        sub = graphviz.Digraph(name=f"cluster_{cluster_num[key]}")
        look = {"style": "rounded,filled", "fillcolor": _CLUSTER_FILL[depth[key] % 2],
                "color": "#999999", **pic.box_style.get(key, {})}
        sub.attr(label=pic.title(key), fontname=FONT, fontsize="12", labeljust="l",
                 tooltip=pic.title(key), **look)
        subs[key] = sub
    # a wrapped graph: each row in an unframed box of its own, so each row is one component
    # of the layout; they are packed in one column in the order their boxes are met, which
    # Graphviz stacks from the bottom up (so the last row is added first)
    rows: dict[int, graphviz.Digraph] = {}
    if pic.rows:
        # Graphviz packs before it turns an LR drawing: one "row" of the array is a column then
        g.attr(pack="8", packmode="array_ic1" if rankdir in ("LR", "RL") else "array_i1")
        for r in sorted(set(pic.rows.values())):
            rows[r] = graphviz.Digraph(name=f"cluster_row{r}")
            rows[r].attr(label="", peripheries="0", style="", margin="4")
    top_row: dict[Any, int] = {}
    for name, key in pic.cluster_of.items():
        while key is not None:
            top_row[key] = min(top_row.get(key, 1 << 30), pic.rows.get(name, 0))
            key = pic.parent.get(key)

    def holder(key: Any, row: int) -> graphviz.Digraph:
        if key in subs:
            return subs[key]
        return rows[row] if rows else g

    for name, attrs in pic.nodes.items():
        holder(pic.cluster_of.get(name), pic.rows.get(name, 0)).node(name, **attrs)
    for key in keys:
        parent = pic.parent.get(key)
        holder(parent, top_row.get(key, 0)).subgraph(subs[key])
    for r in sorted(rows, reverse=rankdir in ("LR", "RL")):  # see packmode above
        g.subgraph(rows[r])
    for a, b, attrs in pic.edges:
        g.edge(a, b, **attrs)
    if legend:
        g.node("legend", label=_legend_html(pic), shape="plaintext", fontsize="10",
               tooltip="legend")
    return g


def _legend_html(pic: Picture) -> str:
    cell = '<td bgcolor="{}"{}><font color="{}">{}</font></td>'
    rows = []
    scale = pic.scale
    if scale is None:
        order = ["leaf", "constant"] if pic.scalar else ["parameter", "input", "constant"]
        order += ["intermediate", "step", "output"]
        cells = [cell.format(ROLE_COLOUR[r], ' style="dashed"' if r in ("constant", "step")
                             else "", "black", ROLE_NAME.get(r, r))
                 for r in order if r in pic.roles]
        cells.append(cell.format(OP_FILL, "", "black", "op"))
        rows.append("<tr>" + "".join(cells) + "</tr>")
        span = len(cells)
    else:
        lo, hi = scale
        decades = list(range(math.ceil(lo), math.floor(hi) + 1))
        if len(decades) > 9:
            decades = decades[::2]
        cells = []
        for d in decades:
            fill = flow.colour(flow.position(10.0 ** d, scale))
            cells.append(cell.format(fill, "", flow.text_colour(fill), f"1e{d}"))
        if "zero" in pic.flow_states:
            cells.append(cell.format(flow.ZERO_COLOUR, "", "black", "0"))
        if "unknown" in pic.flow_states:
            cells.append(cell.format("#ffffff", "", "black", "not kept"))
        if "none" in pic.flow_states:
            cells.append(cell.format(flow.NO_GRAD_FILL, "", "black", "no grad"))
        span = len(cells)
        what = "|d root / d node|" if pic.scalar else "rms of the gradient"
        # short lines, so the text never spills out of a narrow table
        rows.append(f'<tr><td colspan="{span}">colour: {what}<br/>(log scale)</td></tr>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
        if not pic.computed:
            rows.append(f'<tr><td colspan="{span}">interior gradients freed<br/>by backward();'
                        "<br/>use backward(retain_graph=True)</td></tr>")
    head = f'<tr><td colspan="{span}"><b>legend</b></td></tr>'
    return ('<<table border="0" cellborder="1" cellspacing="0" cellpadding="3">' + head
            + "".join(rows) + "</table>>")


def _wrap_wide(pic: Picture) -> None:
    """A top-to-bottom graph whose widest rank would be wider than WRAP_ABOVE: the nodes, in
    the order a depth-first walk from the output meets them (inputs first), fill bands about
    ROW_WIDTH wide, one under the other; an edge between bands continues at a stub."""
    names = list(pic.nodes)
    preds: dict[str, list[str]] = {n: [] for n in names}
    succs: dict[str, list[str]] = {n: [] for n in names}
    for a, b, _ in pic.edges:
        succs[a].append(b)
        preds[b].append(a)
    # post-order from the outputs (iterative): each node right after its inputs
    order: list[str] = []
    seen: set[str] = set()
    for sink in [n for n in names if not succs[n]]:
        stack: list[tuple[str, bool]] = [(sink, False)]
        while stack:
            n, done = stack.pop()
            if done:
                order.append(n)
                continue
            if n in seen:
                continue
            seen.add(n)
            stack.append((n, True))
            stack.extend((p, False) for p in reversed(preds[n]) if p not in seen)
    if len(order) != len(names):
        return
    to_end: dict[str, int] = {}
    for n in reversed(order):
        to_end[n] = max((to_end[s] + 1 for s in succs[n]), default=0)
    for n in order:  # dot puts a node one rank above its nearest user
        if succs[n]:
            to_end[n] = min(to_end[s] for s in succs[n]) + 1
    rank = {n: -to_end[n] for n in names}
    size = {n: _est_width(pic.nodes[n], tb=True) + 30.0 for n in names}  # + nodesep
    full: dict[int, float] = {}
    for n in names:
        full[rank[n]] = full.get(rank[n], 0.0) + size[n]
    if max(full.values(), default=0.0) <= WRAP_ABOVE:
        return
    # in a band of its own dot may line up a band's sources (and the stubs, which are
    # sources too) in one rank whatever their rank in the whole graph: counted together
    level = {n: rank[n] if preds[n] else 1 for n in names}
    limit = float(ROW_WIDTH)
    for _ in range(6):
        band: dict[str, int] = {}
        used: dict[tuple[int, int], float] = {}
        b = 0
        for n in order:
            k = (b, level[n])
            if used.get(k, 0.0) and used[k] + size[n] > limit:
                b += 1
                k = (b, level[n])
            band[n] = b
            used[k] = used.get(k, 0.0) + size[n]
        # what the stubs will add: one per source band of a node fed from other bands
        extra: dict[tuple[int, int], float] = {}
        groups, shared = _fan_in(pic, band)
        for c, m in groups.items():
            extra[band[c]] = extra.get(band[c], 0.0) + 150.0 * (1 if m >= 3 else m)
        for a, c, _ in pic.edges:
            if a in shared and band[a] != band[c]:
                extra[band[c]] = extra.get(band[c], 0.0) + 150.0
        worst = max(used.get((k, 1), 0.0) + e for k, e in extra.items()) if extra else 0.0
        if worst <= ROW_WIDTH * 1.15 or limit < 300:
            break
        limit *= 0.75
    pic.edges = _cut(pic, band, "band")
    pic.rows = band
    _split_boxes(pic, band)

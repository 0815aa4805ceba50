"""Computation graphs as pictures: ``draw(root)`` -> a ``graphviz.Digraph``, for Value and Tensor.

One iterative walk (inputs before outputs, no recursion) serves both engines. Every value is a
record node (label | data | grad), every op a small ellipse between its inputs and its output.
Tensor graphs colour parameters, inputs and the output, group each nn Module's ops in a box,
and ``grad_flow=True`` colours nodes and edges by the gradient they carry on a log scale, so a
vanishing gradient shows up blue and an exploding one red.

Rendering runs Graphviz's ``dot`` ourselves (with a timeout, so a huge layout cannot hang),
falling back to the standalone ``graphviz-pure`` binary (``pip install numbagrad[render]``)
when no ``dot`` is on PATH. The DOT text itself (``.source``, ``save_graph(root, "g.dot")``)
never needs either.

Command line, for a slide without writing code::

    python -m autograd.viz "tanh(x*w + b)" --at x=0.5 w=0.7 b=0 -o neuron.svg
"""

from __future__ import annotations

import argparse
import ast
import math
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import graphviz
import numpy as np

from .function import no_grad
from .scalar import Value
from .tensor import Tensor

__all__ = ["draw", "save_graph", "render", "find_dot", "evaluate", "main", "Graph",
           "GraphvizNotFoundError"]

#: seconds a Graphviz run may take before it is stopped
DEFAULT_TIMEOUT = 60.0
#: a tensor with at most this many elements shows its values, a bigger one summary statistics
HANDFUL = 6
#: grad_flow colour scale: log10 of the smallest and largest magnitude told apart
GRAD_DECADES = (-6, 2)

_FONT = "Helvetica"
# Node roles (the small legend); a soft colour each, dark text stays readable on all of them.
_ROLE_COLOUR = {
    "parameter": "#c7e9c0",
    "leaf": "#c7e9c0",
    "input": "#c6dbef",
    "constant": "#c6dbef",
    "output": "#fdd49e",
    "intermediate": "#ffffff",
}
_OP_FILL = "#eeeeee"
_CLUSTER_FILL = ("#f4f4f4", "#e8e8f0")
# grad_flow palette (samples of the "turbo" map), small to large: dark blue (vanishing) ->
# green -> orange -> dark red (exploding); every step stays visible as a line on white
_FLOW_ANCHORS = ("#30123b", "#4662d7", "#36aaf9", "#1ae4b6", "#72fe5e", "#c7ef34", "#fbb938",
                 "#f56918", "#7a0403")
_NO_GRAD_FILL = "#f7f7f7"
_ZERO_COLOUR = "#d9d9d9"
_UNKNOWN = None  # a gradient magnitude the graph no longer knows

# Tensor op (Function.name) -> the symbol drawn in its ellipse
_OP_SYMBOL = {"add": "+", "sub": "-", "mul": "*", "div": "/", "matmul": "@", "pow": "**",
              "neg": "neg"}
_INSTALL_HELP = (
    "Install Graphviz: `apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` "
    "(macOS), `conda install graphviz` (conda), or `pip install graphviz-pure` "
    "(numbagrad[render]: a standalone binary, svg and png only, no root needed).")


class GraphvizNotFoundError(RuntimeError):
    """No Graphviz program to render with; ``.source`` still holds the graph's DOT text."""

    def __init__(self, message: str, source: str = "") -> None:
        super().__init__(message)
        self.source = source


# ---------------------------------------------------------------------------------------
# one walk for both engines
# ---------------------------------------------------------------------------------------
def _inputs_of(node: Any) -> Sequence[Any]:
    if isinstance(node, Value):
        return node._prev
    fn = node._ctx
    return fn.inputs if fn is not None else ()


def _walk(root: Any) -> list[Any]:
    """Every node root depends on, each after its inputs (explicit stack, no recursion).

    The engines' own walks (``Value.topo``, ``function._topo``) do the same but the Tensor one
    stops at tensors that do not require grad; a drawing shows those constants too.
    """
    order: list[Any] = []
    seen: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        for inp in reversed(_inputs_of(node)):
            if id(inp) not in seen:
                stack.append((inp, False))
    return order


# ---------------------------------------------------------------------------------------
# gradient magnitudes (grad_flow)
# ---------------------------------------------------------------------------------------
def _rms(a: np.ndarray) -> float:
    a = np.asarray(a, dtype=np.float64)
    return float(np.sqrt(np.mean(a * a))) if a.size else 0.0


def _value_flow(order: list[Value], index: dict[int, int]
                ) -> tuple[list[float | None], dict[tuple[int, int], float | None]]:
    """|d root / d node| for every node and the part of it each edge carries, from ``_local``.

    Computed fresh from the stored local derivatives, so it needs no backward() and does not
    touch ``.grad`` (which may hold gradients accumulated over several backward calls).
    """
    g = [0.0] * len(order)
    g[-1] = 1.0
    edges: dict[tuple[int, int], float | None] = {}
    for i in range(len(order) - 1, -1, -1):
        node, gi = order[i], g[i]
        for k, (child, local) in enumerate(zip(node._prev, node._local)):
            c = local * gi
            edges[(i, k)] = abs(c)
            g[index[id(child)]] += c
    return [abs(x) for x in g], edges


def _tensor_flow(order: list[Tensor], index: dict[int, int]
                 ) -> tuple[list[float | None], dict[tuple[int, int], float | None], bool]:
    """RMS of the gradient each tensor and each edge carries, and whether it was computed.

    While the graph's buffers are alive (before backward, or after backward(retain_graph=True))
    the gradients of root (of root.sum() for a non-scalar root) are computed here by calling
    each op's backward, without touching any ``.grad``. After a plain backward() the buffers are
    gone: then only the ``.grad`` the engine kept (leaves, retain_grad() tensors) is known.
    """
    n = len(order)
    alive = all(t._ctx is None or not t._ctx.released for t in order)
    if alive and order[-1].requires_grad:
        try:
            return (*_tensor_flow_computed(order, index), True)
        except Exception:  # an op that cannot run its backward here: fall back to .grad
            pass
    mags: list[float | None] = [
        _rms(t.grad.data) if t.grad is not None else _UNKNOWN for t in order]
    edges: dict[tuple[int, int], float | None] = {}
    for i in range(n):
        for k, inp in enumerate(_inputs_of(order[i])):
            edges[(i, k)] = mags[index[id(inp)]] if inp.requires_grad else _UNKNOWN
    return mags, edges, False


def _tensor_flow_computed(order: list[Tensor], index: dict[int, int]
                          ) -> tuple[list[float | None], dict[tuple[int, int], float | None]]:
    n = len(order)
    root = order[-1]
    grads: dict[int, np.ndarray] = {n - 1: np.ones_like(root.data)}
    mags: list[float | None] = [_UNKNOWN] * n
    edges: dict[tuple[int, int], float | None] = {}
    with no_grad():
        for i in range(n - 1, -1, -1):
            t = order[i]
            if not t.requires_grad:
                continue
            g = grads.pop(i, None)
            mags[i] = _rms(g) if g is not None else 0.0
            fn = t._ctx
            if fn is None or g is None:
                continue
            in_grads = fn.backward(Tensor._make(g))
            for k, (inp, ig) in enumerate(zip(fn.inputs, in_grads)):
                if ig is None or not inp.requires_grad:
                    continue
                arr = ig.data if isinstance(ig, Tensor) else np.asarray(ig)
                edges[(i, k)] = _rms(arr)
                j = index[id(inp)]
                grads[j] = arr if j not in grads else grads[j] + arr
    return mags, edges


def _flow_scale(grad_flow: bool | tuple[float, float]) -> tuple[float, float]:
    if grad_flow is True:
        return float(GRAD_DECADES[0]), float(GRAD_DECADES[1])
    try:
        lo, hi = (float(v) for v in grad_flow)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise TypeError(f"draw: grad_flow must be True/False or a (smallest, largest) range of "
                        f"gradient magnitudes such as (1e-6, 1e2), got {grad_flow!r}") from None
    if not 0 < lo < hi:
        raise ValueError(f"draw: grad_flow range must satisfy 0 < smallest < largest, got "
                         f"({lo:g}, {hi:g})")
    return math.log10(lo), math.log10(hi)


def _flow_position(mag: float, scale: tuple[float, float]) -> float:
    """Where mag sits on the colour scale, 0 (smallest) .. 1 (largest), clamped."""
    lo, hi = scale
    return min(1.0, max(0.0, (math.log10(mag) - lo) / (hi - lo)))


def _flow_colour(t: float) -> str:
    x = t * (len(_FLOW_ANCHORS) - 1)
    k = min(int(x), len(_FLOW_ANCHORS) - 2)
    f = x - k
    a = _FLOW_ANCHORS[k]
    b = _FLOW_ANCHORS[k + 1]
    rgb = [round(int(a[j:j + 2], 16) * (1 - f) + int(b[j:j + 2], 16) * f) for j in (1, 3, 5)]
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _text_colour(fill: str) -> str:
    r, g, b = (int(fill[j:j + 2], 16) / 255 for j in (1, 3, 5))
    return "white" if 0.299 * r + 0.587 * g + 0.114 * b < 0.5 else "black"


# ---------------------------------------------------------------------------------------
# labels
# ---------------------------------------------------------------------------------------
def _num(x: float) -> str:
    """0.6667, -0.1234, 2.0000; tiny or huge numbers in e-notation so 1e-7 is not 0.0000."""
    x = float(x)
    if math.isnan(x) or math.isinf(x):
        return str(x)
    a = abs(x)
    if a == 0.0:
        x = 0.0  # no "-0.0000"
    if a == 0.0 or 1e-3 <= a < 1e5:
        return f"{x:.4f}"
    return f"{x:.3e}"


def _esc(text: str) -> str:
    """Escape the characters that mean structure inside a Graphviz record label."""
    out = []
    for ch in str(text):
        if ch in "{}|<>\\":
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        else:
            out.append(ch)
    return "".join(out)


def _array_lines(name: str, arr: np.ndarray, norm: bool) -> list[str]:
    if arr.size <= HANDFUL:
        body = np.array2string(np.asarray(arr, dtype=np.float64) if arr.dtype.kind != "b"
                               else arr, separator=", ",
                               formatter={"float_kind": _num}).replace("\n", "")
        return [f"{name} {body}"]
    a = np.asarray(arr, dtype=np.float64)
    with np.errstate(all="ignore"):
        lines = [f"{name} mean {_num(a.mean())} std {_num(a.std())}",
                 f"min {_num(a.min())} max {_num(a.max())}"]
        if norm:
            lines.insert(0, f"{name} norm {_num(np.sqrt(np.sum(a * a)))}")
            lines[1] = lines[1][len(name) + 1:]
    return lines


def _module_label(m: Any) -> str:
    """``Linear(3 -> 4)``, ``ReLU``, ``Block(dim=8)``: short enough for a cluster's title."""
    name = type(m).__name__
    fin, fout = getattr(m, "in_features", None), getattr(m, "out_features", None)
    if isinstance(fin, int) and isinstance(fout, int):
        return f"{name}({fin} -> {fout})"
    extra = ""
    if callable(getattr(m, "extra_repr", None)):
        try:
            extra = str(m.extra_repr())
        except Exception:
            extra = ""
    if len(extra) > 40:
        extra = extra[:37] + "..."
    return f"{name}({extra})" if extra else name


def _op_label(node: Any) -> str:
    if isinstance(node, Value):
        return node._op
    fn = node._ctx
    name = fn.name
    if name == "powscalar":
        p = fn.__dict__.get("p")
        return f"**{p:g}" if isinstance(p, (int, float)) else "**"
    if name == "linear":
        act = fn.__dict__.get("act")
        return f"linear+{act}" if act and act != "none" else "linear"
    return _OP_SYMBOL.get(name, name)


# ---------------------------------------------------------------------------------------
# draw
# ---------------------------------------------------------------------------------------
class Graph(graphviz.Digraph):
    """A ``graphviz.Digraph`` whose notebook display renders through ``render`` (timeout,
    graphviz-pure fallback, a clear error when Graphviz is missing)."""

    def _repr_image_svg_xml(self) -> str:
        return render(self, "svg").decode("utf-8")

    def _repr_image_png(self) -> bytes:
        return render(self, "png")

    def _repr_image_jpeg(self) -> bytes:
        return render(self, "jpeg")


class _Picture:
    """The graph as plain nodes, edges and clusters, before it becomes DOT (so big graphs can
    be collapsed first)."""

    def __init__(self) -> None:
        self.nodes: dict[str, dict[str, str]] = {}
        self.edges: list[tuple[str, str, dict[str, str]]] = []
        self.cluster_of: dict[str, int] = {}     # node name -> scope key
        self.scopes: dict[int, Any] = {}         # scope key -> Module
        self.parent: dict[int, int | None] = {}  # scope key -> enclosing scope key
        self.roles: set[str] = set()
        self.flow_states: set[str] = set()       # "zero", "unknown" when present
        self.role_of: dict[str, str] = {}        # value node name -> its role
        self.param_names: dict[int, str] = {}    # id(parameter) -> attribute name in module


def draw(root: Value | Tensor, *, rankdir: str = "LR", show_data: bool = True,
         show_grad: bool = True, max_nodes: int = 500, title: str | None = None,
         grad_flow: bool | tuple[float, float] = False, legend: bool = True) -> Graph:
    """The computation graph that produced ``root`` as a ``graphviz.Digraph``.

    Value and op nodes in topological order, named ``v0, v1, ...`` and ``op3, ...`` (the op
    that made ``v3``). Tensor ops run inside an nn Module are boxed per module. Above
    ``max_nodes`` drawn nodes each innermost module box becomes one node; a graph still too
    big is refused. ``grad_flow=True`` (or a (smallest, largest) magnitude range) colours by
    gradient magnitude; see ``_tensor_flow`` for when interior Tensor gradients are known.
    In Jupyter the returned graph displays itself as SVG.
    """
    if not isinstance(root, (Value, Tensor)):
        raise TypeError(f"draw: expected a Value or a Tensor, got {type(root).__name__}")
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw: rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"draw: max_nodes must be a positive int, got {max_nodes!r}")
    scale = _flow_scale(grad_flow) if grad_flow is not False else None

    order = _walk(root)
    index = {id(node): i for i, node in enumerate(order)}
    scalar = isinstance(root, Value)
    node_mag: list[float | None] = []
    edge_mag: dict[tuple[int, int], float | None] = {}
    computed = True
    if scale is not None:
        if scalar:
            node_mag, edge_mag = _value_flow(order, index)
        else:
            node_mag, edge_mag, computed = _tensor_flow(order, index)

    pic = _Picture()
    _layout_scopes(pic, order, index, scalar)
    for i, node in enumerate(order):
        _add_value_node(pic, i, node, i == len(order) - 1, scalar, show_data, show_grad,
                        node_mag[i] if scale is not None else None, scale, rankdir)
        inputs = _inputs_of(node)
        if not inputs:
            continue
        op = f"op{i}"
        pic.nodes[op] = {"label": _op_label(node), "shape": "ellipse", "style": "filled",
                         "fillcolor": _OP_FILL, "fontsize": "11", "height": "0.35",
                         "margin": "0.05,0.02"}
        key = pic.cluster_of.get(f"v{i}")
        if key is not None:
            pic.cluster_of[op] = key
        for k, inp in enumerate(inputs):
            pic.edges.append((f"v{index[id(inp)]}", op,
                              _edge_attrs(pic, edge_mag.get((i, k)), scale,
                                          scalar or inp.requires_grad)))
        pic.edges.append((op, f"v{i}", _edge_attrs(pic, node_mag[i] if scale else None,
                                                   scale)))

    if len(pic.nodes) > max_nodes:
        _collapse(pic, max_nodes, node_mag if scale is not None else None, scale)
    return _emit(pic, rankdir, title, scale, legend, scalar, computed)


def _layout_scopes(pic: _Picture, order: list[Any], index: dict[int, int],
                   scalar: bool) -> None:
    """Put each op's output (and parameters only its module uses) in that module's box."""
    if scalar:
        return
    consumers: dict[int, set[int | None]] = {}
    for i, t in enumerate(order):
        fn = t._ctx
        if fn is None:
            continue
        scope = fn.scope
        key = None
        if scope is not None:
            key = id(scope)
            pic.scopes[key] = scope
            pic.cluster_of[f"v{i}"] = key
        for inp in fn.inputs:
            consumers.setdefault(index[id(inp)], set()).add(key)
    for j, keys in consumers.items():
        t = order[j]
        if t._ctx is None and t.requires_grad and len(keys) == 1 and None not in keys:
            pic.cluster_of[f"v{j}"] = next(iter(keys))
    # nesting: a module's box sits inside the nearest drawn module that contains it
    inside: dict[int, set[int]] = {}
    for key, m in pic.scopes.items():
        subs = getattr(m, "modules", None)
        if callable(subs):
            try:
                inside[key] = {id(s) for s in subs() if s is not m}
            except Exception:
                inside[key] = set()
    for key in pic.scopes:
        holders = [p for p, subs in inside.items() if key in subs]
        pic.parent[key] = min(holders, key=lambda p: len(inside[p])) if holders else None
    # name unlabelled parameters after their attribute in the module (weight, bias)
    for m in pic.scopes.values():
        named = getattr(m, "named_parameters", None)
        if callable(named):
            try:
                for name, p in named():
                    pic.param_names.setdefault(id(p), name)
            except Exception:
                continue


def _add_value_node(pic: _Picture, i: int, node: Any, is_root: bool, scalar: bool,
                    show_data: bool, show_grad: bool, mag: float | None,
                    scale: tuple[float, float] | None, rankdir: str) -> None:
    fields: list[str] = []
    if scalar:
        leaf = not node._prev
        role = "output" if is_root else ("leaf" if node.label else "constant") if leaf \
            else "intermediate"
        fields.append(_esc(node.label))
        if show_data:
            fields.append(f"data {_num(node.data)}")
        if show_grad:
            fields.append(f"grad {_num(node.grad)}")
        if scale is not None and not (show_grad and _num(abs(node.grad)) == _num(mag)):
            fields.append(f"\\|grad\\| {_num(mag)}")  # differs from .grad: accumulated
    else:
        role = "output" if is_root else ("parameter" if node.requires_grad else "input") \
            if node._ctx is None else "intermediate"
        name = node.label or pic.param_names.get(id(node), "")
        shape = "(" + ", ".join(str(s) for s in node.shape) + ("," if node.ndim == 1 else "") \
            + ")"
        fields.append(_esc(f"{name} {shape} {node.dtype}".strip()))
        if show_data:
            fields.append("\\n".join(_esc(s) for s in _array_lines("data", node.data, False)))
        if show_grad:
            if node.grad is not None:
                fields.append("\\n".join(_esc(s) for s in
                                         _array_lines("grad", node.grad.data, True)))
            elif node.requires_grad and node._ctx is None:
                fields.append("grad None")  # a parameter before backward
        if scale is not None and node.requires_grad:
            fields.append("rms \\|grad\\| " + (_num(mag) if mag is not None else "not kept"))
    # A record's fields run across the rank direction; braces turn them. Values read as one
    # row (label | data | grad), tensors as a compact column, whichever way the graph runs.
    across = (rankdir in ("LR", "RL")) == scalar
    body = " | ".join(fields)
    attrs = {"label": "{ " + body + " }" if across else body, "shape": "record"}
    pic.role_of[f"v{i}"] = role
    if scale is None:
        pic.roles.add(role)
        attrs.update(style="filled", fillcolor=_ROLE_COLOUR[role])
        if role == "output":
            attrs["penwidth"] = "2"
    elif not scalar and not node.requires_grad:
        pic.flow_states.add("none")
        attrs.update(style="filled", fillcolor=_NO_GRAD_FILL)
    else:
        fill = _mag_colour(pic, mag, scale)
        attrs.update(style="filled", fillcolor=fill, fontcolor=_text_colour(fill))
        if mag is None:
            attrs["style"] = "filled,dashed"
    pic.nodes[f"v{i}"] = attrs


def _mag_colour(pic: _Picture, mag: float | None, scale: tuple[float, float]) -> str:
    if mag is None:
        pic.flow_states.add("unknown")
        return "#ffffff"
    if mag == 0.0 or not math.isfinite(mag):
        if mag == 0.0:
            pic.flow_states.add("zero")
            return _ZERO_COLOUR
        return _FLOW_ANCHORS[-1]
    return _flow_colour(_flow_position(mag, scale))


def _edge_attrs(pic: _Picture, mag: float | None, scale: tuple[float, float] | None,
                carries: bool = True) -> dict[str, str]:
    if scale is None:
        return {}
    if not carries:  # from a constant: no gradient flows back along it
        return {"color": "#bbbbbb"}
    if mag is None:
        pic.flow_states.add("unknown")
        return {"color": "#aaaaaa", "style": "dashed"}
    if mag == 0.0:
        pic.flow_states.add("zero")
        return {"color": "#bbbbbb", "style": "dotted"}
    t = _flow_position(mag, scale) if math.isfinite(mag) else 1.0
    return {"color": _flow_colour(t), "penwidth": f"{1.0 + 2.5 * t:.2f}"}


# ---------------------------------------------------------------------------------------
# big graphs
# ---------------------------------------------------------------------------------------
def _collapse(pic: _Picture, max_nodes: int, node_mag: list[float | None] | None,
              scale: tuple[float, float] | None) -> None:
    """Replace each innermost module box by one node, or refuse with a clear message."""
    total = len(pic.nodes)
    n_ops = sum(1 for name in pic.nodes if name.startswith("op"))
    refuse = (f"draw: the graph has {total} nodes ({total - n_ops} values, {n_ops} ops), more "
              f"than max_nodes={max_nodes}")
    parents = {p for p in pic.parent.values() if p is not None}
    innermost = [k for k in pic.scopes if k not in parents]
    if not innermost:
        raise ValueError(f"{refuse}. Pass max_nodes={total} (or more) to draw it anyway - "
                         "Graphviz may take a while on a graph this big - or draw a smaller "
                         "piece of the computation.")
    group = {key: f"m{j}" for j, key in enumerate(innermost)}
    members: dict[str, list[str]] = {g: [] for g in group.values()}
    rename: dict[str, str] = {}
    for name, key in pic.cluster_of.items():
        if key in group:
            rename[name] = group[key]
            members[group[key]].append(name)
    new_nodes: dict[str, dict[str, str]] = {}
    for name, attrs in pic.nodes.items():
        if name not in rename:
            new_nodes[name] = attrs
    for key, g in group.items():
        names = members[g]
        ops = [pic.nodes[n]["label"] for n in names if n.startswith("op")]
        kinds = ", ".join(dict.fromkeys(ops))
        n_params = sum(1 for n in names if pic.role_of.get(n) == "parameter")
        plural = "s" if len(ops) != 1 else ""
        lines = [_esc(_module_label(pic.scopes[key])), _esc(f"{len(ops)} op{plural}: {kinds}")]
        if n_params:
            lines.append(f"{n_params} parameter{'s' * (n_params != 1)}")
        attrs = {"label": "\\n".join(lines), "shape": "box", "style": "rounded,filled",
                 "fillcolor": "#f4f4f4"}
        if node_mag is not None and scale is not None:
            known = [node_mag[int(n[1:])] for n in names if n.startswith("v")]
            logs = [math.log10(m) for m in known if m]
            mag = 10 ** (sum(logs) / len(logs)) if logs else (0.0 if known else None)
            fill = _mag_colour(pic, mag, scale)
            attrs.update(fillcolor=fill, fontcolor=_text_colour(fill))
        new_nodes[g] = attrs
        parent = pic.parent.get(key)
        if parent is not None:
            pic.cluster_of[g] = parent
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
    for key in innermost:
        pic.scopes.pop(key)
    if len(new_nodes) > max_nodes:
        raise ValueError(f"{refuse}, and still {len(new_nodes)} with one node per module. "
                         f"Pass max_nodes={total} (or more) to draw every node - Graphviz may "
                         "take a while - or draw a smaller piece of the computation.")
    pic.nodes, pic.edges = new_nodes, new_edges


# ---------------------------------------------------------------------------------------
# DOT
# ---------------------------------------------------------------------------------------
def _emit(pic: _Picture, rankdir: str, title: str | None, scale: tuple[float, float] | None,
          legend: bool, scalar: bool, computed: bool) -> Graph:
    g = Graph("computation_graph",
              graph_attr={"rankdir": rankdir, "fontname": _FONT, "nodesep": "0.25",
                          "ranksep": "0.35", "bgcolor": "white"},
              node_attr={"fontname": _FONT, "fontsize": "11", "color": "#555555"},
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
    subs: dict[int, graphviz.Digraph] = {}
    for key in pic.scopes:
        sub = graphviz.Digraph(name=f"cluster_{cluster_num[key]}")
        sub.attr(label=_module_label(pic.scopes[key]), style="rounded,filled",
                 fillcolor=_CLUSTER_FILL[depth[key] % 2], color="#999999", fontname=_FONT,
                 fontsize="12", labeljust="l")
        subs[key] = sub
    for name, attrs in pic.nodes.items():
        key = pic.cluster_of.get(name)
        (subs[key] if key in subs else g).node(name, **attrs)
    for key in keys:
        parent = pic.parent.get(key)
        (subs[parent] if parent in subs else g).subgraph(subs[key])
    for a, b, attrs in pic.edges:
        g.edge(a, b, **attrs)
    if legend:
        g.node("legend", label=_legend_html(pic, scale, scalar, computed), shape="plaintext",
               fontsize="10")
    return g


def _legend_html(pic: _Picture, scale: tuple[float, float] | None, scalar: bool,
                 computed: bool) -> str:
    cell = '<td bgcolor="{}"><font color="{}">{}</font></td>'
    rows = []
    if scale is None:
        order = ["leaf", "constant"] if scalar else ["parameter", "input"]
        order += ["intermediate", "output"]
        cells = [cell.format(_ROLE_COLOUR[r], "black", r) for r in order if r in pic.roles]
        cells.append(cell.format(_OP_FILL, "black", "op"))
        rows.append("<tr>" + "".join(cells) + "</tr>")
        span = len(cells)
    else:
        lo, hi = scale
        decades = list(range(math.ceil(lo), math.floor(hi) + 1))
        if len(decades) > 9:
            decades = decades[::2]
        cells = []
        for d in decades:
            fill = _flow_colour(_flow_position(10.0 ** d, scale))
            cells.append(cell.format(fill, _text_colour(fill), f"1e{d}"))
        if "zero" in pic.flow_states:
            cells.append(cell.format(_ZERO_COLOUR, "black", "0"))
        if "unknown" in pic.flow_states:
            cells.append(cell.format("#ffffff", "black", "not kept"))
        if "none" in pic.flow_states:
            cells.append(cell.format(_NO_GRAD_FILL, "black", "no grad"))
        span = len(cells)
        what = "|d root / d node|" if scalar else "rms of the gradient"
        rows.append(f'<tr><td colspan="{span}">colour: {what} (log scale)</td></tr>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
        if not computed:
            rows.append(f'<tr><td colspan="{span}">interior gradients freed by backward(); '
                        "use backward(retain_graph=True)</td></tr>")
    head = f'<tr><td colspan="{span}"><b>legend</b></td></tr>'
    return ('<<table border="0" cellborder="1" cellspacing="0" cellpadding="3">' + head
            + "".join(rows) + "</table>>")


# ---------------------------------------------------------------------------------------
# rendering and saving
# ---------------------------------------------------------------------------------------
def find_dot() -> str | None:
    """The Graphviz program to render with: ``$NUMBAGRAD_DOT``, ``dot`` on PATH, or the
    ``graphviz-pure`` binary (on PATH or beside this Python); None when there is none."""
    chosen = os.environ.get("NUMBAGRAD_DOT")
    if chosen:
        found = shutil.which(chosen)
        if found is None and os.path.basename(chosen) == "graphviz-pure":
            found = _graphviz_pure_beside_python()
        return found
    found = shutil.which("dot") or shutil.which("graphviz-pure")
    if found:
        return found
    return _graphviz_pure_beside_python()


def _graphviz_pure_beside_python() -> str | None:
    """graphviz-pure installed in this environment whose scripts folder is not on PATH."""
    for folder in (sysconfig.get_path("scripts"), os.path.dirname(sys.executable)):
        if folder:
            cand = os.path.join(folder, "graphviz-pure")
            if os.path.isfile(cand) and os.access(cand, os.X_OK):
                return cand
    return None


def render(graph: graphviz.Digraph, format: str = "svg", timeout: float = DEFAULT_TIMEOUT
           ) -> bytes:
    """Run Graphviz on the graph and return the picture's bytes; stopped after ``timeout`` s.

    (We run the program ourselves: the graphviz package's ``pipe``/``render`` take no timeout.)
    """
    dot = find_dot()
    chosen = os.environ.get("NUMBAGRAD_DOT")
    if dot is None and chosen:
        raise GraphvizNotFoundError(
            f"cannot render the graph as {format}: NUMBAGRAD_DOT={chosen!r} is not a program "
            "that can be run; unset it to use `dot` from PATH. " + _INSTALL_HELP, graph.source)
    if dot is None:
        raise GraphvizNotFoundError(
            f"cannot render the graph as {format}: Graphviz's `dot` program was not found on "
            f"PATH. {_INSTALL_HELP} The DOT source needs no Graphviz: use the graph's "
            "`.source`, or save_graph(root, 'graph.dot').", graph.source)
    if "graphviz-pure" in os.path.basename(dot) and format in ("pdf", "ps"):
        raise GraphvizNotFoundError(
            f"cannot render {format}: the graphviz-pure binary ({dot}) writes svg and png but "
            f"not {format}. Save as .svg or .png, or install Graphviz for {format}. "
            + _INSTALL_HELP, graph.source)
    try:
        proc = subprocess.run([dot, f"-T{format}"], input=graph.source.encode("utf-8"),
                              capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise TimeoutError(
            f"Graphviz ({dot}) did not finish laying out the graph within {timeout:g} s and was "
            "stopped. Draw a smaller graph (a lower max_nodes collapses module boxes), or pass "
            "a larger timeout.") from None
    except OSError as e:
        raise GraphvizNotFoundError(f"cannot run Graphviz ({dot}): {e}. {_INSTALL_HELP}",
                                    graph.source) from None
    if proc.returncode != 0 or not proc.stdout:
        err = proc.stderr.decode("utf-8", "replace").strip() or "no output"
        raise RuntimeError(f"Graphviz ({dot} -T{format}) failed with exit code "
                           f"{proc.returncode}: {err}")
    return proc.stdout


_FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}


def save_graph(root: Value | Tensor | graphviz.Digraph, path: str | os.PathLike[str], *,
               timeout: float = DEFAULT_TIMEOUT, **draw_kwargs: Any) -> Path:
    """Draw root (or take a ready graph) and write it to path; the format is the extension
    (.svg .png .pdf .dot/.gv). .dot needs no Graphviz. The file appears whole or not at all:
    on any failure an existing file at path is left as it was."""
    path = Path(path)
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"save_graph: cannot tell the format from {path.name!r}; use one of "
                         f"{', '.join(sorted(_FORMATS))}")
    if isinstance(root, graphviz.Digraph):
        if draw_kwargs:
            raise TypeError(f"save_graph: got a ready graph, so draw options "
                            f"{sorted(draw_kwargs)} cannot apply")
        graph = root
    else:
        graph = draw(root, **draw_kwargs)
    data = graph.source.encode("utf-8") if fmt == "dot" else render(graph, fmt, timeout)
    _write_atomic(path, data)
    return path


def _file_mode(path: Path) -> int:
    """The mode the file would get from open(): the old file's, else 0666 less the umask."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def _write_atomic(path: Path, data: bytes) -> None:
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, _file_mode(path))  # mkstemp makes it private (0600); a picture is not
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


# ---------------------------------------------------------------------------------------
# expressions from text (the command line): ast + an allow-list, never eval
# ---------------------------------------------------------------------------------------
_FUNCTIONS: dict[str, Callable[[Value], Value]] = {
    "tanh": Value.tanh, "exp": Value.exp, "log": Value.log, "relu": Value.relu,
    "sigmoid": Value.sigmoid, "abs": Value.abs, "step": Value.step,
}
_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b, ast.Pow: lambda a, b: a ** b,
}
_ALLOWED = ("numbers, variables given with --at, + - * / ** and parentheses, and the "
            "functions " + ", ".join(sorted(_FUNCTIONS)))


class ExpressionError(ValueError):
    """A scalar expression that cannot be parsed or uses something not allowed."""


def evaluate(text: str, values: dict[str, float]) -> Value:
    """Build the Value graph of a scalar expression such as ``"tanh(x*w + b)"``.

    The text is parsed with ``ast`` and only numbers, the given variables (each becomes one
    labelled leaf Value), + - * / **, unary minus and the functions in ``_FUNCTIONS`` are
    evaluated; anything else is an ``ExpressionError`` naming what was wrong.
    """
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as e:
        col = f" at column {e.offset}" if e.offset else ""
        raise ExpressionError(f"cannot parse {text!r}: {e.msg}{col}") from None
    leaves = {name: Value(float(v), label=name) for name, v in values.items()}
    used: set[str] = set()
    # iterative post-order evaluation: (node, children evaluated?)
    results: dict[int, Any] = {}
    stack: list[tuple[ast.AST, bool]] = [(tree.body, False)]
    while stack:
        node, ready = stack.pop()
        kids = _expr_children(node, text)
        if not ready:
            stack.append((node, True))
            stack.extend((k, False) for k in reversed(kids))
            continue
        args = [results.pop(id(k)) for k in kids]
        results[id(node)] = _apply(node, args, leaves, used, text)
    out = results[id(tree.body)]
    if not isinstance(out, Value):
        out = Value(float(out), label="result")
    return out


def _expr_children(node: ast.AST, text: str) -> list[ast.AST]:
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.Call):  # check the function before evaluating its arguments
        fname = node.func.id if isinstance(node.func, ast.Name) else None
        if fname not in _FUNCTIONS:
            shown = fname or ast.get_source_segment(text.strip(), node.func) or "?"
            raise ExpressionError(f"unknown function {shown!r}; allowed functions: "
                                  f"{', '.join(sorted(_FUNCTIONS))}")
        if node.keywords or len(node.args) != 1:
            raise ExpressionError(f"{fname}() takes exactly one argument, e.g. {fname}(x)")
        return list(node.args)
    if isinstance(node, (ast.Constant, ast.Name)):
        return []
    piece = ast.get_source_segment(text.strip(), node) or type(node).__name__
    raise ExpressionError(f"{piece!r} ({type(node).__name__}) is not allowed in an expression;"
                          f" allowed: {_ALLOWED}")


def _apply(node: ast.AST, args: list[Any], leaves: dict[str, Value], used: set[str],
           text: str) -> Any:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise ExpressionError(f"{node.value!r} is not a number; allowed: {_ALLOWED}")
        return float(node.value)
    if isinstance(node, ast.Name):
        if node.id not in leaves:
            if node.id in _FUNCTIONS:
                raise ExpressionError(f"{node.id!r} is a function: call it, e.g. {node.id}(x)")
            known = ", ".join(sorted(leaves)) or "none"
            raise ExpressionError(f"unknown name {node.id!r} in {text!r}: give its value with "
                                  f"--at {node.id}=NUMBER (variables given: {known})")
        used.add(node.id)
        return leaves[node.id]
    if isinstance(node, ast.BinOp):
        op = _BINOPS.get(type(node.op))
        if op is None:
            raise ExpressionError(f"operator {type(node.op).__name__} is not allowed; allowed: "
                                  f"{_ALLOWED}")
        a, b = args
        if not isinstance(a, Value) and not isinstance(b, Value):
            a = Value(a)  # keep numbers as graph leaves so the picture shows them
        return op(a, b)
    if isinstance(node, ast.UnaryOp):
        (a,) = args
        if isinstance(node.op, ast.USub):
            return -a
        if isinstance(node.op, ast.UAdd):
            return a
        raise ExpressionError(f"operator {type(node.op).__name__} is not allowed; allowed: "
                              f"{_ALLOWED}")
    if isinstance(node, ast.Call):  # name and arity were checked in _expr_children
        (a,) = args
        return _FUNCTIONS[node.func.id](a if isinstance(a, Value) else Value(a))
    raise ExpressionError(f"{type(node).__name__} is not allowed; allowed: {_ALLOWED}")


def _parse_at(items: Sequence[str]) -> dict[str, float]:
    values: dict[str, float] = {}
    for item in items:
        name, sep, number = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise ExpressionError(f"bad --at {item!r}: expected NAME=NUMBER, e.g. x=0.5")
        try:
            values[name] = float(number)
        except ValueError:
            raise ExpressionError(f"bad --at {item!r}: {number!r} is not a number") from None
    return values


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m autograd.viz EXPR --at x=.. [-o out.svg]``: draw a scalar expression's graph
    after backward. Returns the exit code (0 ok, 1 could not evaluate/render, 2 bad input)."""
    parser = argparse.ArgumentParser(
        prog="python -m autograd.viz",
        description="Draw the computation graph of a scalar expression, after backward().",
        epilog='example: python -m autograd.viz "tanh(x*w + b)" --at x=0.5 w=0.7 b=0 '
               "-o neuron.svg")
    parser.add_argument("expr", help=f"the expression; may use {_ALLOWED}")
    parser.add_argument("--at", nargs="*", default=[], metavar="NAME=NUMBER",
                        help="the value of each variable")
    parser.add_argument("-o", "--output", default="graph.svg",
                        help="output file: .svg (default graph.svg), .png, .pdf or .dot")
    parser.add_argument("--rankdir", default="LR", choices=["LR", "TB", "RL", "BT"])
    parser.add_argument("--grad-flow", action="store_true",
                        help="colour nodes and edges by gradient magnitude")
    parser.add_argument("--title", default=None, help="a title above the graph")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                        help="seconds Graphviz may run (default %(default)s)")
    args = parser.parse_args(argv)
    try:
        out = evaluate(args.expr, _parse_at(args.at))
    except ExpressionError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except (ValueError, ZeroDivisionError, OverflowError) as e:
        print(f"error: cannot evaluate {args.expr!r}: {e}", file=sys.stderr)
        return 1
    out.backward()
    try:
        path = save_graph(out, args.output, rankdir=args.rankdir, grad_flow=args.grad_flow,
                          title=args.title, timeout=args.timeout)
    except (GraphvizNotFoundError, TimeoutError, RuntimeError, ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"{args.expr} = {_num(out.data)}; wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

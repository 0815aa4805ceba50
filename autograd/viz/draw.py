"""``draw(root)``: the computation graph behind a Value or a Tensor as a ``graphviz.Digraph``.

Every value is a record node (label | data | grad), every op a small ellipse between its
inputs and its output. Tensor graphs colour parameters, inputs, constants and the output,
and group each nn Module's ops in a box; ``grad_flow=True`` colours nodes and edges by the
gradient they carry on a log scale (``flow.py``), so a vanishing gradient shows up blue and
an exploding one red. Each node's tooltip (hover in a browser) holds its full summary. Big
graphs are folded by ``layout.py`` (module boxes collapse, repeated layers become one box
"x N", long chains wrap onto several rows, wide top-to-bottom graphs onto several bands).
``expand=True`` draws each composite op (mean, softmax, mse, cross-entropy, ...) as the steps
a learner would write, with their numbers (``expand.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..scalar import Value
from ..tensor import Tensor
from . import flow
from .expand import (
    Expansion,
    NotExpanded,
    cross_entropy_labels,
    expand_tensor_op,
    expand_value_op,
    expandable,
)
from .layout import EXPAND_BOX, OP_FILL, Picture, emit, fold
from .walk import (
    array_lines,
    esc,
    inputs_of,
    kept_grad,
    num,
    op_label,
    shape_text,
    summary,
    tensor_role,
    value_auto_label,
    value_role,
    walk,
)

__all__ = ["draw"]


def draw(root: Value | Tensor, *, rankdir: str = "LR", show_data: bool = True,
         show_grad: bool = True, max_nodes: int = 500, title: str | None = None,
         grad_flow: bool | tuple[float, float] = False, legend: bool = True,
         wrap: bool = True, expand: bool = False) -> Any:
    """The computation graph that produced ``root`` (a loss or an output) as a Digraph.

    Value and op nodes in topological order, named ``v0, v1, ...`` and ``op3, ...`` (the op
    that made ``v3``). Tensor ops run inside an nn Module are boxed per module. Above
    ``max_nodes`` drawn nodes each innermost module box becomes one node and runs of
    identical layers one box "x N"; a graph still too big is refused. A long chain wraps
    onto rows about 2,000 px wide, and a wide top-to-bottom graph (TB/BT) onto bands stacked
    one under the other (``wrap=False`` keeps one row). ``grad_flow=True`` (or a
    (smallest, largest) magnitude range) colours by gradient magnitude. ``expand=True``
    draws each composite op (mean, var, std, softmax, log_softmax, logsumexp, mse,
    cross-entropy, a fused linear layer; tanh, sigmoid and dot of Values) as a dashed box of
    the steps it stands for - mean = sum then * 1/n - with their values and gradients in
    this run, recomputed with numpy from the op's inputs. In Jupyter the returned graph
    displays itself as SVG.
    """
    if not isinstance(root, (Value, Tensor)):
        if callable(getattr(root, "parameters", None)) and callable(getattr(root, "forward",
                                                                            None)):
            raise TypeError(f"draw: got a Module ({type(root).__name__}), not a computation; "
                            "draw a loss or an output: draw(model(x)) or draw(loss)")
        raise TypeError(f"draw: expected a Value or a Tensor (a loss or an output), got "
                        f"{type(root).__name__}")
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw: rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"draw: max_nodes must be a positive int, got {max_nodes!r}")
    if not isinstance(expand, (bool, np.bool_)):
        raise TypeError(f"draw: expand must be True or False, got {expand!r}")
    scale = flow.flow_scale(grad_flow) if grad_flow is not False else None

    order = walk(root)
    index = {id(node): i for i, node in enumerate(order)}
    scalar = isinstance(root, Value)
    node_mag: list[float | None] = [None] * len(order)
    edge_mag: dict[tuple[int, int], float | None] = {}
    computed = True
    if scale is not None:
        if scalar:
            node_mag, edge_mag = flow.value_flow(order, index)
        else:
            node_mag, edge_mag, computed = flow.tensor_flow(order, index)

    pic = Picture(scalar, scale)
    pic.computed = computed
    if not scalar:
        _scopes(pic, order, index)
    backward_done = scalar or any(
        (t._ctx is not None and t._ctx.released) or (t._ctx is None and kept_grad(t) is not None)
        for t in order)
    upstream = (_upstream(order, backward_done) if expand and not scalar else {})
    labels: dict[int, str] = {}
    for i, node in enumerate(order):
        is_root = i == len(order) - 1
        if scalar:
            labels[id(node)] = node.label or value_auto_label(node, labels)
            _value_node(pic, i, node, is_root, labels[id(node)], show_data, show_grad,
                        node_mag[i], rankdir)
        else:
            _tensor_node(pic, i, node, is_root, is_root and backward_done, show_data,
                         show_grad, node_mag[i], rankdir)
        inputs = inputs_of(node)
        if not inputs:
            continue
        op = f"op{i}"
        text = op_label(node)
        shape = "" if scalar else f" -> {shape_text(node.shape)}"
        note = ""
        if expand and expandable(node):
            try:
                if scalar:
                    exp = expand_value_op(node, [labels.get(id(p), "?") for p in inputs])
                else:
                    exp = expand_tensor_op(node, upstream.get(i), cross_entropy_labels(node)
                                           if type(node._ctx).__name__ == "CrossEntropy"
                                           else None)
            except NotExpanded as e:
                note = f"not expanded: {e}"
            except (ValueError, IndexError, TypeError) as e:  # a drawing never fails on it
                note = f"not expanded: {type(e).__name__}: {e}"
            else:
                _expansion(pic, i, node, exp, text, index, edge_mag, node_mag[i], rankdir)
                continue
        pic.nodes[op] = {"label": text + ("\\n(not expanded)" if note else ""),
                         "shape": "ellipse", "style": "filled",
                         "fillcolor": OP_FILL, "fontsize": "11", "height": "0.35",
                         "margin": "0.05,0.02",
                         "tooltip": f"op {text}{shape}" + (f"; {note}" if note else "")}
        key = pic.cluster_of.get(f"v{i}")
        if key is not None:
            pic.cluster_of[op] = key
        for k, inp in enumerate(inputs):
            carries = scalar or inp.requires_grad
            pic.edges.append((f"v{index[id(inp)]}", op,
                              pic.edge_attrs(edge_mag.get((i, k)), carries)))
        pic.edges.append((op, f"v{i}", pic.edge_attrs(node_mag[i], True)))
    fold(pic, max_nodes, node_mag, rankdir if wrap else None)
    return emit(pic, rankdir, title, legend)


def _upstream(order: list[Tensor], backward_done: bool) -> dict[int, np.ndarray]:
    """d root / d output of each op that can be expanded, where the drawing knows it: the
    root's own (ones) after backward, a kept ``.grad``, or - while the graph's buffers are
    alive after backward(retain_graph=True) - one pass of the engine's ``autograd.grad``."""
    if not backward_done:
        return {}
    last = len(order) - 1
    out: dict[int, np.ndarray] = {}
    ask = []
    for i, t in enumerate(order):
        if not expandable(t):
            continue
        kept = kept_grad(t)
        if i == last:
            out[i] = np.ones_like(t.data)
        elif kept is not None:
            out[i] = kept.data
        else:
            ask.append(i)
    root = order[last]
    alive = all(t._ctx is None or not t._ctx.released for t in order)
    if ask and alive and root.requires_grad:
        from ..function import grad

        try:
            got = grad(root, [order[i] for i in ask],
                       grad_outputs=Tensor._make(np.ones_like(root.data)), retain_graph=True,
                       allow_unused=True)
        except RuntimeError:
            return out
        for i, g in zip(ask, got):
            out[i] = g.data if g is not None else np.zeros_like(order[i].data)
    return out


def _expansion(pic: Picture, i: int, node: Any, exp: Expansion, text: str,
               index: dict[int, int], edge_mag: dict[tuple[int, int], float | None],
               out_mag: float | None, rankdir: str) -> None:
    """Draw op i as a dashed box of its hand-written steps (``expand.py``) between its
    inputs and its output."""
    scalar = pic.scalar
    key = ("expand", i)
    pic.scopes[key] = None
    pic.scope_label[key] = f"{text} expanded (numpy, this run)"
    pic.box_style[key] = EXPAND_BOX
    pic.parent[key] = pic.cluster_of.get(f"v{i}")
    inputs = inputs_of(node)
    names = {k: f"v{index[id(inp)]}" for k, inp in enumerate(inputs)}
    n_in = exp.n_inputs
    last = len(exp.steps) - 1
    across = rankdir in (("LR", "RL") if scalar else ("TB", "BT"))
    for k, st in enumerate(exp.steps):
        op = f"op{i}_{k}"
        pic.nodes[op] = {"label": st.op, "shape": "ellipse", "style": "filled,dashed",
                         "fillcolor": OP_FILL, "fontsize": "11", "height": "0.35",
                         "margin": "0.05,0.02",
                         "tooltip": f"step {k + 1} of {len(exp.steps)} of {text}: "
                         + st.op.replace("\\n", " ")}
        pic.cluster_of[op] = key
        for a in st.args:
            if a < n_in:
                mag, carries = edge_mag.get((i, a)), scalar or inputs[a].requires_grad
            else:
                g = exp.steps[exp.ref(a)].grad
                mag, carries = (flow.rms(g) if g is not None else None), True
            pic.edges.append((names[a], op, pic.edge_attrs(mag, carries)))
        if k == last:
            pic.edges.append((op, f"v{i}", pic.edge_attrs(out_mag, True)))
            continue
        name = f"s{i}_{n_in + k}"
        names[n_in + k] = name
        mag = flow.rms(st.grad) if st.grad is not None else None
        if scalar:
            fields = [esc(st.name), f"data {num(float(st.value))}"]
            if st.grad is not None:
                fields.append(f"grad {num(float(st.grad))}")
        else:
            fields = [esc(f"{st.name} {shape_text(st.value.shape)}")]
            fields.append("\\n".join(esc(s) for s in array_lines("data", st.value, False)))
            if st.grad is not None:
                fields.append("\\n".join(esc(s) for s in array_lines("grad", st.grad, True)))
        tip = [f"{st.name}: step {k + 1} of {len(exp.steps)} of {text}, expanded: computed "
               "with numpy from the op's inputs", summary("data", st.value)]
        if st.grad is not None:
            tip.append(summary("grad", st.grad))
        pic.add_value(name, _record(fields, across), "step", mag, True, "\n".join(tip))
        pic.cluster_of[name] = key
        pic.edges.append((op, name, pic.edge_attrs(mag, True)))


def _scopes(pic: Picture, order: list[Tensor], index: dict[int, int]) -> None:
    """Put each op's output (and parameters only its module uses) in that module's box."""
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
                    pic.param_names.setdefault(id(p), name.rsplit(".", 1)[-1])
            except Exception:
                continue


def _record(fields: list[str], across: bool) -> str:
    body = " | ".join(fields)
    return "{ " + body + " }" if across else body


def _value_node(pic: Picture, i: int, node: Value, is_root: bool, label: str,
                show_data: bool, show_grad: bool, mag: float | None, rankdir: str) -> None:
    role = value_role(node, is_root)
    fields = [esc(label)]
    if show_data:
        fields.append(f"data {num(node.data)}")
    if show_grad:
        fields.append(f"grad {num(node.grad)}")
    if pic.scale is not None and not (show_grad and num(abs(node.grad)) == num(mag)):
        fields.append(f"\\|grad\\| {num(mag)}")  # differs from .grad: accumulated
    tip = f"{label} ({role}): data {node.data:.6g}, grad {node.grad:.6g}"
    if node._op:
        tip += f", made by {node._op}"
    # A record's fields run across the rank direction; braces turn them. Values read as one
    # row (label | data | grad), tensors as a compact column, whichever way the graph runs.
    across = rankdir in ("LR", "RL")
    pic.add_value(f"v{i}", _record(fields, across), role, mag, True, tip)


def _tensor_node(pic: Picture, i: int, t: Tensor, is_root: bool, root_grad: bool,
                 show_data: bool, show_grad: bool, mag: float | None, rankdir: str) -> None:
    role = tensor_role(t, is_root)
    name = t.label or pic.param_names.get(id(t), "")
    if not name and t._ctx is not None:
        name = op_label(t)  # an unlabelled intermediate is named by its op
    fields = [esc(f"{name} {shape_text(t.shape)} {t.dtype}".strip())]
    kept = kept_grad(t)
    grad = kept.data if kept is not None else None
    if grad is None and root_grad and t.requires_grad:
        grad = np.ones_like(t.data)  # d root / d root; the engine keeps no .grad for it
    if show_data:
        fields.append("\\n".join(esc(s) for s in array_lines("data", t.data, False)))
    if show_grad:
        if grad is not None:
            fields.append("\\n".join(esc(s) for s in array_lines("grad", grad, True)))
        elif t.requires_grad and t._ctx is None:
            fields.append("grad None")  # a parameter before backward
    if pic.scale is not None and t.requires_grad:
        fields.append("rms \\|grad\\| " + (num(mag) if mag is not None else "not kept"))
    tip = [f"{name or 'tensor'} ({role}), {t.dtype}", summary("data", t.data)]
    if grad is not None:
        tip.append(summary("grad", grad))
    elif t.requires_grad:
        tip.append("grad: not kept" if t._ctx is not None else "grad: None")
    if pic.scale is not None and mag is not None:
        tip.append(f"rms of the gradient flowing here: {num(mag)}")
    across = rankdir in ("TB", "BT")
    pic.add_value(f"v{i}", _record(fields, across), role, mag, t.requires_grad,
                  "\n".join(tip))


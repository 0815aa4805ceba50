"""Graphs that read well: roles, automatic labels, the root's grad, tooltips, folding to fit.

Rendered SVGs are parsed as XML and checked for what a reader sees."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from test_viz import Svg, needs_dot, svg_of

import autograd as ag
import nn
from autograd import Tensor, Value, viz


def width_of(graph) -> float:
    return Svg(viz.render(graph, "svg", timeout=60)).width_px()


@needs_dot
def test_every_node_has_a_tooltip_with_the_full_summary():
    w = nn.Parameter(np.array([[1.0, -2.0], [0.5, 3.0]], np.float32))
    x = Tensor(np.ones((3, 2), np.float32), requires_grad=True, label="x")
    loss = (x @ w).tanh().sum()
    loss.backward()
    svg = svg_of(ag.draw(loss))
    for name in svg.nodes:
        assert svg.tooltip(name), name
    wname = next(n for n in svg.names("v") if "(parameter)" in svg.tooltip(n))
    tip = svg.tooltip(wname)
    assert "shape (2, 2)" in tip and "min -2.0000" in tip and "max 3.0000" in tip
    assert f"norm {np.linalg.norm(w.data):.4f}" in tip
    assert f"norm {np.linalg.norm(w.grad.data):.4f}" in tip      # the grad's summary too
    # a requires_grad leaf that is not a Parameter is an input, not a parameter
    xname = next(n for n in svg.names("v") if Svg.text(svg.nodes[n]).startswith("x (3, 2)"))
    assert "(input)" in svg.tooltip(xname)
    assert svg.fill(xname) != svg.fill(wname)


@needs_dot
def test_root_shows_its_gradient_and_unlabelled_nodes_get_a_label():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True, label="x")
    y = (x * x).sum()
    before = svg_of(ag.draw(y))
    root = f"v{len(viz.walk(y)) - 1}"
    assert "grad" not in Svg.text(before.nodes[root])             # no backward yet
    y.backward()
    svg = svg_of(ag.draw(y))
    assert Svg.text(svg.nodes[root]) == "sum () float32 | data 14.0000 | grad 1.0000"
    texts = [Svg.text(svg.nodes[n]) for n in svg.names("v")]
    assert any(t.startswith("* (3,) float32") for t in texts)    # op and shape
    assert all(t.split(" | ")[0].strip() for t in texts)          # no empty label cell


@needs_dot
def test_constants_are_styled_as_constants():
    x = Tensor([1.0, 2.0], requires_grad=True, label="x")
    y = (x * 3.0 + 1.0).sum()
    svg = svg_of(ag.draw(y))
    consts = [n for n in svg.names("v") if "(constant)" in svg.tooltip(n)]
    assert len(consts) == 2
    for n in consts:
        assert next(svg.nodes[n].iter("{http://www.w3.org/2000/svg}polygon")).get(
            "stroke-dasharray")
    assert "constant" in Svg.text(svg.nodes["legend"])


@needs_dot
def test_mean_is_one_named_node():
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True, label="x")
    y = x.mean()
    assert "grad_fn=mean" in repr(y)
    svg = svg_of(ag.draw(y))
    ops = [Svg.text(svg.nodes[n]) for n in svg.names("op")]
    assert ops == ["mean"]
    assert len(svg.names("v")) == 2                              # x and the mean: no constant


@needs_dot
def test_value_graph_auto_labels_read_as_the_expression():
    x, w = Value(0.5, label="x"), Value(2.0, label="w")
    y = (x * w + 1.0).tanh()
    svg = svg_of(y.draw())
    firsts = {Svg.text(svg.nodes[n]).split(" | ")[0] for n in svg.names("v")}
    assert {"x", "w", "x*w", "1", "x*w+1", "tanh(x*w+1)"} == firsts


def test_op_descriptions_survive_backward():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x ** 3).sum()
    y.backward()                                 # releases the graph's buffers
    assert '"**3"' in ag.draw(y).source or "label=\"**3\"" in ag.draw(y).source
    assert y.grad_fn.inputs[0].grad_fn.describe() == "**3"


def test_draw_of_a_module_is_a_clear_error():
    model = nn.Linear(2, 3)
    with pytest.raises(TypeError, match=r"got a Module \(Linear\).*draw a loss or an output"):
        ag.draw(model)


def test_long_module_titles_are_not_truncated():
    class Block(nn.Module):
        def extra_repr(self) -> str:
            return "dim=8, heads=4, dropout=0.1, activation=gelu, norm_first=True, eps=1e-05"

        def forward(self, x):
            return x.tanh()

    y = Block()(Tensor([1.0], requires_grad=True)).sum()
    src = ag.draw(y).source
    title = re.search(r'label="(Block\([^"]*)"', src).group(1)
    assert "..." not in title and "eps=1e-05)" in title and "dim=8" in title


def mlp32():
    ag.manual_seed(0)
    model = nn.MLP(4, [8] * 31 + [1])
    loss = nn.MSELoss()(model(ag.randn(16, 4)), ag.randn(16, 1))
    loss.backward(retain_graph=True)
    return loss


@needs_dot
def test_a_32_layer_mlp_fits_2000_px_wide():
    loss = mlp32()
    full = svg_of(ag.draw(loss))
    assert full.width_px() < 2000                                # every node, wrapped in rows
    # the rows read top to bottom: the input above the loss
    root = f"v{len(viz.walk(loss)) - 1}"
    assert full._points(full.nodes["v0"])[:, 1].max() < full._points(full.nodes[root])[:, 1].min()
    one_row = width_of(ag.draw(loss, wrap=False))
    assert one_row > 4000
    small = ag.draw(loss, max_nodes=50)
    svg = svg_of(small)
    assert svg.width_px() < 2000
    boxes = [Svg.text(svg.nodes[n]) for n in svg.nodes if n.startswith("m")]
    folded = [t for t in boxes if "x 30" in t]
    assert len(folded) == 1 and folded[0].startswith("Linear(8 -> 8)")
    assert "60 parameters" in folded[0]


@needs_dot
def test_the_ten_layer_sigmoid_gradient_flow_picture_fits():
    ag.manual_seed(1)
    model = nn.MLP(16, [16] * 10 + [1], activation="sigmoid", dtype=np.float64)
    loss = nn.MSELoss()(model(Tensor(np.ones((8, 16)))), Tensor(np.zeros((8, 1))))
    loss.backward(retain_graph=True)
    g = ag.draw(loss, grad_flow=True, show_data=False, title="sigmoid")
    svg = svg_of(g)
    assert svg.width_px() < 2000
    # the first layer's weight gets a far smaller gradient than the last one's, and the
    # picture says so in its colours' order along the palette
    ws = [n for n in svg.names("v") if Svg.text(svg.nodes[n]).startswith("weight")]
    rms = [float(re.search(r"rms \|grad\| (\S+)", Svg.text(svg.nodes[n])).group(1)) for n in ws]
    assert min(rms) < max(rms) / 100


# -- draw(expand=True): composite ops as the steps a learner writes ----------------------
NUMBER = re.compile(r"-?\d+\.\d+(?:e[-+]\d+)?")


def steps_of(svg: Svg, i: int) -> list[tuple[str, str]]:
    """(op text, value text) of op i's expansion, in order (step values are named
    s{i}_{r}, r counting on from the op's inputs); the last value is the op's own output."""
    ops = sorted((int(n.split("_")[1]), n) for n in svg.nodes if n.startswith(f"op{i}_"))
    vals = sorted((int(n.split("_")[1]), n) for n in svg.nodes if n.startswith(f"s{i}_"))
    names = [n for _, n in vals] + [f"v{i}"]
    assert len(names) == len(ops)
    return [(Svg.text(svg.nodes[op]), Svg.text(svg.nodes[v])) for (_, op), v in zip(ops, names)]


def numbers(text: str, field: str) -> np.ndarray:
    """The numbers of one field ("data" or "grad") of a record's text."""
    part = next(p for p in text.split(" | ") if p.startswith(field))
    return np.array([float(v) for v in NUMBER.findall(part)])


def op_index(root, cls: str) -> int:
    return next(i for i, t in enumerate(viz.walk(root))
                if t._ctx is not None and type(t._ctx).__name__ == cls)


@needs_dot
def test_mean_expands_into_sum_then_times_one_over_n():
    x = Tensor(np.array([[1.0, -2.0, 3.5], [0.25, 4.0, -1.0]], np.float32),
               requires_grad=True, label="x")
    y = x.mean()
    y.backward()
    svg = svg_of(ag.draw(y, expand=True))
    steps = steps_of(svg, 1)
    assert [op for op, _ in steps] == ["sum", "* 1/6"]
    s_text = steps[0][1]
    assert s_text.startswith("sum ()")
    assert numbers(s_text, "data") == pytest.approx([float(np.sum(x.data))], abs=1e-4)
    assert numbers(s_text, "grad") == pytest.approx([1 / 6], abs=1e-4)
    assert steps[1][1].startswith("mean () float32")                  # the op's own output
    assert numbers(steps[1][1], "data") == pytest.approx([np.mean(x.data)], abs=1e-4)
    # marked as an expansion: a titled box, step nodes in the legend, tooltips saying so
    titles = [Svg.text(c) for c in svg.clusters.values()]
    assert titles == ["mean expanded (numpy, this run)"]
    assert "expanded step" in Svg.text(svg.nodes["legend"])
    tip = svg.tooltip("s1_1")
    assert "expanded" in tip and "numpy" in tip
    # without the option: one node
    plain = svg_of(ag.draw(y))
    assert [Svg.text(plain.nodes[n]) for n in plain.names("op")] == ["mean"]
    assert not any("_" in n for n in plain.nodes)


@needs_dot
def test_softmax_steps_carry_the_gradient_from_the_rest_of_the_graph():
    x = Tensor(np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]]), requires_grad=True, label="x")
    w = np.array([[1.0, 2.0, -1.0], [0.5, -3.0, 1.0]])
    y = (x.softmax(dim=-1) * Tensor(w)).sum()
    y.backward(retain_graph=True)                 # interior gradients still computable
    svg = svg_of(ag.draw(y, expand=True))
    steps = steps_of(svg, op_index(y, "Softmax"))
    assert [op for op, _ in steps] == ["exp", "sum(dim=1, keepdim)", "/"]
    e = np.exp(x.data)
    s = e.sum(axis=1, keepdims=True)
    g = w                                         # d y / d softmax
    g_s = -(g * e / s ** 2).sum(axis=1, keepdims=True)
    g_e = g / s + g_s
    assert steps[0][1].startswith("e (2, 3)")
    np.testing.assert_allclose(numbers(steps[0][1], "data"), e.ravel(), atol=1e-4)
    np.testing.assert_allclose(numbers(steps[0][1], "grad"), g_e.ravel(), atol=1e-4)
    np.testing.assert_allclose(numbers(steps[1][1], "data"), s.ravel(), atol=1e-4)
    np.testing.assert_allclose(numbers(steps[1][1], "grad"), g_s.ravel(), atol=1e-4)


@needs_dot
def test_mse_and_var_tell_their_parameters_from_shapes_and_values():
    x = Tensor(np.array([[1.0, 2.0], [4.0, -1.0], [0.5, 0.5]], np.float32),
               requires_grad=True, label="x")
    t = Tensor(np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 0.0]], np.float32), label="t")
    loss = nn.functional.mse_loss(x, t, reduction="sum") + x.var(dim=0, correction=0,
                                                                 keepdim=True).sum()
    loss.backward(retain_graph=True)
    svg = svg_of(ag.draw(loss, expand=True))
    mse = steps_of(svg, op_index(loss, "MSE"))
    assert [op for op, _ in mse] == ["-", "square", "sum"]
    d = x.data.astype(np.float64) - t.data
    np.testing.assert_allclose(numbers(mse[0][1], "data"), d.ravel(), atol=1e-4)
    np.testing.assert_allclose(numbers(mse[0][1], "grad"), (2 * d).ravel(), atol=1e-4)
    np.testing.assert_allclose(numbers(mse[1][1], "data"), (d * d).ravel(), atol=1e-4)
    var = steps_of(svg, op_index(loss, "Var"))
    assert [op for op, _ in var] == ["mean(dim=0, keepdim)", "-", "square",
                                     "sum(dim=0, keepdim)", "* 1/3"]     # correction 0
    xd = x.data.astype(np.float64)
    m = xd.mean(axis=0, keepdims=True)
    np.testing.assert_allclose(numbers(var[0][1], "data"), m.ravel(), atol=1e-4)
    np.testing.assert_allclose(numbers(var[3][1], "data"), ((xd - m) ** 2).sum(0), atol=1e-4)
    np.testing.assert_allclose(numbers(var[3][1], "grad"), [1 / 3, 1 / 3], atol=1e-4)
    lse = Tensor(xd[:2], requires_grad=True).logsumexp(dim=-1)
    steps = steps_of(svg_of(ag.draw(lse, expand=True)), 1)
    assert [op for op, _ in steps] == ["exp", "sum(dim=1)", "log"]
    np.testing.assert_allclose(numbers(steps[1][1], "data"), np.exp(xd[:2]).sum(1), atol=1e-4)
    std = Tensor(xd, requires_grad=True).std(dim=1)
    steps = steps_of(svg_of(ag.draw(std, expand=True)), 1)
    assert [op for op, _ in steps][-2:] == ["* 1/1 (n - 1)", "sqrt"]      # default correction


@needs_dot
def test_cross_entropy_expands_into_log_softmax_pick_and_mean():
    z = Tensor(np.array([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]], np.float32),
               requires_grad=True, label="z")
    labels = np.array([0, 2])
    loss = nn.functional.cross_entropy(z, labels)
    svg = svg_of(ag.draw(loss, expand=True))                 # before backward: no grads
    steps = steps_of(svg, 1)
    assert [op.split(" | ")[0] for op, _ in steps] == ["log_softmax(dim=1)",
                                                        "pick [i, label_i]", "neg", "mean"]
    assert "labels = [0, 2]" in steps[1][0]
    zd = z.data.astype(np.float64)
    logp = zd - np.log(np.exp(zd).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(numbers(steps[0][1], "data"), logp.ravel(), atol=1e-4)
    assert "grad" not in steps[0][1]
    picked = logp[np.arange(2), labels]
    np.testing.assert_allclose(numbers(steps[1][1], "data"), picked, atol=1e-4)
    loss.backward(retain_graph=True)
    steps = steps_of(svg_of(ag.draw(loss, expand=True)), 1)
    g_logp = np.zeros((2, 3))
    g_logp[np.arange(2), labels] = -1 / 2
    np.testing.assert_allclose(numbers(steps[0][1], "grad"), g_logp.ravel(), atol=1e-4)
    np.testing.assert_allclose(numbers(steps[2][1], "grad"), [1 / 2] * 2, atol=1e-4)
    # after a plain backward the labels are gone: one node, saying why
    loss2 = nn.functional.cross_entropy(z, labels)
    loss2.backward()
    svg2 = svg_of(ag.draw(loss2, expand=True))
    assert Svg.text(svg2.nodes["op1"]) == "crossentropy | (not expanded)"
    assert "freed by backward()" in svg2.tooltip("op1")


@needs_dot
def test_an_expansion_that_would_not_reproduce_the_op_is_not_drawn():
    z = Tensor(np.array([[2.0, 0.5], [0.1, 0.2]]), requires_grad=True)
    loss = nn.functional.cross_entropy(z, np.array([0, 1]), label_smoothing=0.2)
    svg = svg_of(ag.draw(loss, expand=True))
    assert "(not expanded)" in Svg.text(svg.nodes["op1"])
    assert "do not reproduce" in svg.tooltip("op1")
    with pytest.raises(TypeError, match="expand must be True or False"):
        ag.draw(loss, expand="yes")


@needs_dot
def test_value_tanh_expands_with_the_numbers_of_the_run():
    x, w = Value(0.5, label="x"), Value(-0.7, label="w")
    n = x * w + 0.1
    n.label = "n"
    o = n.tanh()
    o.backward()
    svg = svg_of(o.draw(expand=True))
    steps = steps_of(svg, len(viz.walk(o)) - 1)
    assert [op for op, _ in steps] == ["* 2", "exp", "- 1", "+ 1", "/"]
    e = math.exp(2 * n.data)
    num, den = e - 1, e + 1
    g_num, g_den = 1 / den, -num / den ** 2
    g_e = g_num + g_den
    assert steps[0][1] == f"2*n | data {2 * n.data:.4f} | grad {e * g_e:.4f}"
    assert steps[1][1] == f"e | data {e:.4f} | grad {g_e:.4f}"
    assert steps[2][1] == f"e - 1 | data {num:.4f} | grad {g_num:.4f}"
    assert steps[3][1] == f"e + 1 | data {den:.4f} | grad {g_den:.4f}"
    assert numbers(steps[4][1], "data") == pytest.approx([math.tanh(n.data)], abs=1e-4)
    # the weighted sum of a neuron: one product per input, then one sum
    ws = [Value(0.5, label="w0"), Value(-1.0, label="w1")]
    z = Value.dot(ws, [2.0, 3.0], Value(0.25, label="b"))
    z.backward()
    ops = [op for op, _ in steps_of(svg_of(z.draw(expand=True)), len(viz.walk(z)) - 1)]
    assert ops == ["*", "*", "+"]


def _layer_sum(n_out: int):
    from nn.scalar import Layer

    ag.manual_seed(0)
    layer = Layer(3, n_out, "tanh")
    xs = [Value(v, label=f"x{i}") for i, v in enumerate((1.0, -0.5, 2.0))]
    out = sum(layer(xs))
    out.backward()
    return out


@needs_dot
def test_wide_top_to_bottom_graphs_wrap_under_2000_px():
    xs = [Value(i / 10, label=f"x{i}") for i in range(32)]
    ws = [Value(0.5, label=f"w{i}") for i in range(32)]
    y = Value.dot(ws, xs)                        # one op with 64 inputs
    y.backward()
    assert width_of(ag.draw(y, rankdir="TB", wrap=False)) > 4000
    svg = svg_of(ag.draw(y, rankdir="TB"))
    assert svg.width_px() < 2000
    texts = [Svg.text(svg.nodes[n]) for n in svg.names("v")]
    assert len(texts) == 65                                      # every input still drawn
    assert any(t.startswith("from ") and "inputs above" in t
               for t in (Svg.text(g) for g in svg.nodes.values()))
    # the bands read top to bottom: the first inputs above the output
    root = "v64"
    assert svg._points(svg.nodes["v0"])[:, 1].max() < svg._points(svg.nodes[root])[:, 1].min()
    # a wide layer of 32 neurons, both ways up, and 64 tensors stacked
    for rankdir in ("TB", "BT"):
        loss = _layer_sum(32)
        wide = svg_of(ag.draw(loss, rankdir=rankdir))
        assert wide.width_px() < 2000, rankdir
        first = wide._points(wide.nodes["v0"])[:, 1]
        last = wide._points(wide.nodes[f"v{len(viz.walk(loss)) - 1}"])[:, 1]
        assert (first.max() < last.min()) == (rankdir == "TB")
    ts = [Tensor([float(i)], requires_grad=True, label=f"t{i}") for i in range(64)]
    s = ag.stack(ts).sum()
    s.backward()
    assert svg_of(ag.draw(s, rankdir="TB")).width_px() < 2000


@needs_dot
def test_expanded_ops_inside_folded_modules_still_fit():
    loss = mlp32()
    svg = svg_of(ag.draw(loss, expand=True, max_nodes=50))
    assert svg.width_px() < 2000
    boxes = [Svg.text(svg.nodes[n]) for n in svg.nodes if n.startswith("m")]
    folded = [t for t in boxes if "x 30" in t]
    assert len(folded) == 1 and "@ W.T, + b, relu" in folded[0]     # the layer's steps


@needs_dot
def test_a_linear_layer_expands_into_matmul_bias_and_activation():
    ag.manual_seed(0)
    layer = nn.Linear(2, 2, dtype=np.float64)
    x = Tensor(np.array([[1.0, -2.0], [0.5, 3.0]]), label="x")
    loss = nn.functional.relu(layer(x)).sum()
    loss.backward(retain_graph=True)
    svg = svg_of(ag.draw(loss, expand=True))
    i = next(i for i, t in enumerate(viz.walk(loss)) if t._ctx is not None
             and t._ctx.describe().startswith("linear"))
    steps = steps_of(svg, i)
    assert [op for op, _ in steps][:2] == ["@ W.T", "+ b"]
    w, b = layer.weight.data, layer.bias.data
    np.testing.assert_allclose(numbers(steps[0][1], "data"), (x.data @ w.T).ravel(), atol=1e-4)
    z = x.data @ w.T + b
    g = (z > 0).astype(float)                         # d loss / d (x @ W.T), through relu
    np.testing.assert_allclose(numbers(steps[0][1], "grad"), g.ravel(), atol=1e-4)

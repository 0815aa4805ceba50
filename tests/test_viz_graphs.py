"""Graphs that read well: roles, automatic labels, the root's grad, tooltips, folding to fit.

Rendered SVGs are parsed as XML and checked for what a reader sees."""

from __future__ import annotations

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

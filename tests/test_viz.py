"""Graph drawing: the rendered SVG is parsed as XML and checked (never compared as bytes)."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
import textwrap
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor, Value, _files, viz
from nn.module import Module, Parameter

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"


def expected_colour(mag: float, lo: float = 1e-6, hi: float = 1e2) -> str:
    """The documented grad_flow scale, computed here from the gradient magnitude: log10(mag)
    placed between log10(lo) and log10(hi), then linear RGB between the palette's anchors."""
    t = min(1.0, max(0.0, (math.log10(mag) - math.log10(lo)) / (math.log10(hi) -
                                                                 math.log10(lo))))
    anchors = [tuple(int(c[j:j + 2], 16) for j in (1, 3, 5)) for c in viz.PALETTE]
    x = t * (len(anchors) - 1)
    k = min(int(x), len(anchors) - 2)
    f = x - k
    rgb = [round(a * (1 - f) + b * f) for a, b in zip(anchors[k], anchors[k + 1])]
    return "#{:02x}{:02x}{:02x}".format(*rgb)
ROOT = Path(__file__).resolve().parents[1]
needs_dot = pytest.mark.skipif(viz.find_dot() is None, reason="no Graphviz program to render")


# -- helpers ----------------------------------------------------------------------------
class Svg:
    """The parts of a Graphviz SVG the tests look at: nodes, edges, clusters by title."""

    def __init__(self, data: bytes) -> None:
        root = self.root = ET.fromstring(data)
        self.nodes: dict[str, ET.Element] = {}
        self.edges: dict[str, ET.Element] = {}
        self.clusters: dict[str, ET.Element] = {}
        for g in root.iter(SVG + "g"):
            kind = g.get("class")
            title = g.find(SVG + "title")
            if title is None:
                continue
            if kind == "cluster" and not self.text(g).strip():
                continue  # an unframed, untitled box (a row of a wrapped graph): invisible
            {"node": self.nodes, "edge": self.edges, "cluster": self.clusters}.get(
                kind, {})[title.text] = g

    def names(self, prefix: str) -> set[str]:
        return {n for n in self.nodes if n.startswith(prefix) and n[len(prefix):].isdigit()}

    @staticmethod
    def text(g: ET.Element) -> str:
        return " | ".join(t.text or "" for t in g.iter(SVG + "text"))

    @staticmethod
    def _points(g: ET.Element) -> np.ndarray:
        shape = next(e for e in g.iter() if e.tag in (SVG + "polygon", SVG + "path"))
        raw = shape.get("points") or shape.get("d").replace("M", " ").replace("C", " ")
        return np.array([[float(v) for v in p.split(",")] for p in raw.split()])

    def inside(self, name: str, cluster: ET.Element) -> bool:
        """Does the node's outline lie within the cluster's outline (its bounding box)?"""
        box, node = self._points(cluster), self._points(self.nodes[name])
        return bool(np.all(node.min(0) >= box.min(0)) and np.all(node.max(0) <= box.max(0)))

    def tooltip(self, name: str) -> str:
        a = self.nodes[name].find(f".//{SVG}a")
        return a.get(XLINK + "title") if a is not None else ""

    def width_px(self) -> float:
        return float(self.root.get("width").removesuffix("pt")) * 4 / 3

    def fill(self, name: str) -> str:
        shape = next(e for e in self.nodes[name].iter() if e.tag in (
            SVG + "polygon", SVG + "path", SVG + "ellipse"))
        return shape.get("fill").lower()

    def stroke(self, edge: str) -> str:
        return next(self.edges[edge].iter(SVG + "path")).get("stroke").lower()


def svg_of(graph) -> Svg:
    return Svg(viz.render(graph, "svg", timeout=30))


def neuron() -> tuple[Value, dict[str, Value]]:
    x, w, b = Value(0.5, label="x"), Value(0.7, label="w"), Value(-0.1, label="b")
    n = x * w + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    return o, {"x": x, "w": w, "b": b, "n": n, "o": o}


class Affine(Module):
    def __init__(self, fan_in: int, fan_out: int) -> None:
        self.in_features, self.out_features = fan_in, fan_out
        self.weight = Parameter(ag.randn(fan_out, fan_in).data * 0.5)
        self.bias = Parameter(np.zeros(fan_out, dtype=np.float32))

    def forward(self, x: Tensor) -> Tensor:
        return x @ self.weight.T + self.bias


class Act(Module):
    def __init__(self, kind: str) -> None:
        self.kind = kind

    def extra_repr(self) -> str:
        return self.kind

    def forward(self, x: Tensor) -> Tensor:
        return x.sigmoid() if self.kind == "sigmoid" else x.relu()


class Net(Module):
    def __init__(self, sizes: list[int], act: str = "relu") -> None:
        self.layers = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            self.layers += [Affine(a, b), Act(act)]
        self.layers.pop()

    def forward(self, x: Tensor) -> Tensor:
        for layer in self.layers:
            x = layer(x)
        return x


def mlp_loss(sizes=(3, 4, 4, 1), act="relu", seed=0):
    ag.manual_seed(seed)
    net = Net(list(sizes), act)
    x = Tensor(ag.randn(8, sizes[0]).data, label="x")
    loss = (net(x) ** 2).mean()
    loss.label = "loss"
    return net, x, loss


# -- Value graphs -------------------------------------------------------------------------
@needs_dot
def test_value_graph_nodes_edges_and_labels():
    o, v = neuron()
    g = o.draw()
    assert isinstance(g, viz.Graph) and isinstance(g, __import__("graphviz").Digraph)
    svg = svg_of(g)
    assert len(svg.names("v")) == 6          # x, w, x*w, b, n, o
    assert len(svg.names("op")) == 3         # *, +, tanh
    assert set(svg.edges) == {"v0->op2", "v1->op2", "op2->v2", "v2->op4", "v3->op4",
                              "op4->v4", "v4->op5", "op5->v5"}
    assert {Svg.text(svg.nodes[f"op{i}"]) for i in (2, 4, 5)} == {"*", "+", "tanh"}
    by_label = {Svg.text(svg.nodes[n]).split(" | ")[0]: Svg.text(svg.nodes[n])
                for n in svg.names("v")}
    t = math.tanh(0.25)
    assert by_label["o"] == f"o | data {t:.4f} | grad 1.0000"
    assert by_label["x"] == f"x | data 0.5000 | grad {(1 - t * t) * 0.7:.4f}"
    assert by_label["b"] == f"b | data -0.1000 | grad {1 - t * t:.4f}"
    assert "legend" in svg.nodes
    # output, leaves, intermediates and ops each in their own colour, named in the legend
    assert svg.fill("v0") == svg.fill("v1") == svg.fill("v3")       # x, w, b: leaves
    fills = {svg.fill("v5"), svg.fill("v0"), svg.fill("v2"), svg.fill("op2")}
    assert len(fills) == 4
    assert all(w in Svg.text(svg.nodes["legend"]) for w in ("leaf", "output", "op"))


def test_value_options_hide_fields_and_title():
    o, _ = neuron()
    src = viz.draw(o, show_data=False, show_grad=False, title="my neuron", legend=False,
                   rankdir="TB").source
    labels = re.findall(r'\blabel=("[^"]*"|\S+)', src)
    assert len(labels) == 10 and not any("data " in t or "grad " in t for t in labels)
    assert 'label="my neuron"' in src and "rankdir=TB" in src and "legend" not in src
    with pytest.raises(ValueError, match="rankdir"):
        viz.draw(o, rankdir="XY")
    with pytest.raises(ValueError, match="max_nodes"):
        viz.draw(o, max_nodes=0)
    with pytest.raises(TypeError, match="Value or a Tensor"):
        viz.draw(3.0)


def test_number_format_and_record_escaping():
    a = Value(1.0, label="{a|b}<c>")
    src = (a * 2).draw().source
    assert r"\{a\|b\}\<c\>" in src


@needs_dot
def test_value_grad_flow_colours_follow_magnitudes():
    x = Value(2.0, label="x")
    small = x * 1e-5          # d out / d x-branch through here is tiny
    big = x * 10.0
    out = small + big
    out.backward()
    svg = svg_of(viz.draw(out, grad_flow=True))
    order = viz.walk(out)
    names = {id(n): f"v{i}" for i, n in enumerate(order)}
    # every node's fill is the palette colour of |d out / d node|; the constants 1e-5 and 10
    # both get d out / d const = x = 2
    consts = [n for n in order if not n._prev and n is not x]
    for node, mag in [(x, 10.00001), (small, 1.0), (out, 1.0), *[(c, 2.0) for c in consts]]:
        assert svg.fill(names[id(node)]) == expected_colour(mag), (node, mag)
    assert len(consts) == 2
    # the edge x -> (x*1e-5) carries 1e-5, the edge x -> (x*10) carries 10: far apart colours
    i_small, i_big = order.index(small), order.index(big)
    tiny, huge = svg.stroke(f"v0->op{i_small}"), svg.stroke(f"v0->op{i_big}")
    assert tiny == expected_colour(1e-5) and huge == expected_colour(10.0)
    assert tiny != huge
    # the .grad the user's backward left are untouched by the drawing
    assert x.grad == pytest.approx(10.00001) and out.grad == 1.0
    legend = Svg.text(svg.nodes["legend"])
    assert "1e-6" in legend and "1e2" in legend and "log scale" in legend


def test_grad_flow_range_argument():
    o, _ = neuron()
    src = viz.draw(o, grad_flow=(1e-3, 1e1)).source
    assert "1e-3" in src and "1e1" in src and "1e-6" not in src
    with pytest.raises(ValueError, match="smallest < largest"):
        viz.draw(o, grad_flow=(1.0, 0.1))
    with pytest.raises(TypeError, match="grad_flow"):
        viz.draw(o, grad_flow="yes")


def test_deep_value_graph_needs_no_recursion():
    x = Value(0.1, label="x")
    y = x
    for _ in range(5000):
        y = y * 1.0001
    src = viz.draw(y, max_nodes=20_000, show_grad=False).source
    assert src.count("shape=record") == 10_001 and src.count("shape=ellipse") == 5000


def test_big_value_graph_is_refused_with_advice():
    y = Value(1.0)
    for _ in range(300):
        y = y + 1.0
    with pytest.raises(ValueError, match=r"more than max_nodes=100.*max_nodes=901"):
        viz.draw(y, max_nodes=100)


# -- Tensor graphs ------------------------------------------------------------------------
@needs_dot
def test_tensor_graph_clusters_roles_and_labels():
    net, x, loss = mlp_loss()
    loss.backward()
    svg = svg_of(ag.draw(loss))
    labels = sorted(Svg.text(c).strip() for c in svg.clusters.values())
    assert labels == ["Act(relu)", "Act(relu)", "Affine(3 -> 4)", "Affine(4 -> 1)",
                      "Affine(4 -> 4)"]
    first = net.layers[0]
    texts = {n: Svg.text(g) for n, g in svg.nodes.items()}
    order = viz.walk(loss)
    weight = next(f"v{i}" for i, t in enumerate(order) if t is first.weight)
    assert texts[weight].startswith("weight (4, 3) float32")
    w = first.weight.data.astype(np.float64)
    assert f"data mean {w.mean():.4f} std {w.std():.4f}" in texts[weight]
    gw = first.weight.grad.data.astype(np.float64)
    assert f"grad norm {np.linalg.norm(gw):.4f}" in texts[weight]
    bias = next(f"v{i}" for i, t in enumerate(order) if t is first.bias)
    assert texts[bias].startswith("bias (4,) float32")
    assert "data [0.0000, 0.0000, 0.0000, 0.0000]" in texts[bias]   # a handful: the values
    xs = next(n for n, t in texts.items() if t.startswith("x (8, 3) float32"))
    out = next(n for n, t in texts.items() if t.startswith("loss () float32"))
    assert svg.fill(weight) == svg.fill(bias)
    assert len({svg.fill(weight), svg.fill(xs), svg.fill(out)}) == 3
    assert "(parameter)" in svg.tooltip(weight) and "(input)" in svg.tooltip(xs)
    assert "(output)" in svg.tooltip(out)
    assert f"data {loss.item():.4f}" in texts[out]
    # the first layer's parameters and ops sit inside its box, the input outside
    box = next(c for c in svg.clusters.values() if "Affine(3 -> 4)" in Svg.text(c))
    assert svg.inside(weight, box) and svg.inside(bias, box) and not svg.inside(xs, box)
    # graph nodes are value nodes and op nodes, in equal numbers but for leaves
    n_ops = len(svg.names("op"))
    assert n_ops == sum(1 for t in viz.walk(loss) if t._ctx is not None)
    assert len(svg.names("v")) == len(viz.walk(loss))


def test_nested_modules_nest_their_boxes():
    class Outer(Module):
        def __init__(self) -> None:
            self.inner = Affine(2, 2)

        def forward(self, x: Tensor) -> Tensor:
            return self.inner(x).tanh()  # tanh runs in Outer itself

    ag.manual_seed(1)
    y = Outer()(Tensor(np.ones((1, 2), np.float32))).sum()
    src = viz.draw(y, wrap=False).source
    outer_at = src.index("label=Outer")
    inner_at = src.index('label="Affine(2 -> 2)"')
    # the inner box is written inside the outer one: it opens before Outer's label closes it
    sub_outer = src.rfind("subgraph cluster_", 0, outer_at)
    sub_inner = src.rfind("subgraph cluster_", 0, inner_at)
    assert sub_outer < sub_inner < src.index("}", sub_inner) < len(src)
    assert src.count("subgraph cluster_") == 2


@needs_dot
def test_tensor_grad_flow_computed_while_graph_alive():
    _, _, loss = mlp_loss(act="sigmoid", sizes=(3, 4, 4, 4, 4, 1))
    loss.backward(retain_graph=True)
    g = viz.draw(loss, grad_flow=True)
    order = viz.walk(loss)
    svg = svg_of(g)
    params = [(i, t) for i, t in enumerate(order) if t._ctx is None and t.requires_grad]
    for i, t in params:  # the colour of each parameter is the rms of its gradient
        rms = math.sqrt(float(np.mean(t.grad.data.astype(np.float64) ** 2)))
        assert svg.fill(f"v{i}") == expected_colour(rms)
        shown = f"{rms:.4f}" if rms >= 1e-3 else f"{rms:.3e}"
        assert f"rms |grad| {shown}" in Svg.text(svg.nodes[f"v{i}"])
    # interior tensors are coloured too (computed here: no retain_grad needed)
    interior = [i for i, t in enumerate(order) if t._ctx is not None]
    assert all("not kept" not in Svg.text(svg.nodes[f"v{i}"]) for i in interior)
    # sigmoid layers shrink the gradient: the first weight gets less than the last one
    w_first = next(t for _, t in params if t.shape == (4, 3))
    w_last = next(t for _, t in params if t.shape == (1, 4))
    assert np.abs(w_first.grad.data).mean() < np.abs(w_last.grad.data).mean()
    # the backward pass in draw touched no .grad
    assert all(t._ctx is None or not t._retain for t in order)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert all(t.grad is None for t in order if t._ctx is not None)


@needs_dot
def test_tensor_grad_flow_after_plain_backward_marks_unknowns():
    _, x, loss = mlp_loss()
    loss.backward()
    svg = svg_of(viz.draw(loss, grad_flow=True))
    order = viz.walk(loss)
    texts = {n: Svg.text(svg.nodes[n]) for n in svg.names("v")}
    for i, t in enumerate(order):
        if t._ctx is not None:
            assert "not kept" in texts[f"v{i}"]
        elif t.requires_grad:
            assert "rms |grad|" in texts[f"v{i}"] and "not kept" not in texts[f"v{i}"]
    xi = next(i for i, t in enumerate(order) if t is x)
    assert svg.fill(f"v{xi}") != expected_colour(1.0)   # data: no gradient
    assert "no grad" in Svg.text(svg.nodes["legend"])
    legend = Svg.text(svg.nodes["legend"])
    assert "not kept" in legend and "retain_graph=True" in legend


@needs_dot
def test_big_module_graph_collapses_to_one_node_per_layer():
    _, _, loss = mlp_loss()
    full = len(viz.walk(loss)) * 2
    svg = svg_of(viz.draw(loss, max_nodes=25))
    boxes = {n: Svg.text(svg.nodes[n]) for n in svg.names("m")}
    assert len(boxes) == 5
    assert sorted(t.split(" | ")[0] for t in boxes.values()) == sorted(
        ["Affine(3 -> 4)", "Affine(4 -> 4)", "Affine(4 -> 1)", "Act(relu)", "Act(relu)"])
    assert any("2 parameters" in t for t in boxes.values())
    assert len(svg.nodes) - 1 <= 25 < full  # minus the legend
    # the boxes are chained: each layer feeds the next
    m_edges = [e for e in svg.edges if e.split("->")[0].startswith("m")
               and e.split("->")[1].startswith("m")]
    assert len(m_edges) == 4
    with pytest.raises(ValueError, match="still .* with one node per module"):
        viz.draw(loss, max_nodes=5)


# -- rendering, saving, notebooks -----------------------------------------------------------
@needs_dot
def test_save_graph_each_format(tmp_path):
    o, _ = neuron()
    for ext, magic in [("svg", b"<?xml"), ("png", b"\x89PNG"), ("pdf", b"%PDF"),
                       ("dot", b"digraph")]:
        if ext == "pdf" and "graphviz-pure" in os.path.basename(viz.find_dot()):
            continue  # graphviz-pure writes no pdf (tested below)
        p = ag.save_graph(o, tmp_path / f"g.{ext}", title="t")
        assert p.read_bytes().startswith(magic), ext
    assert len(Svg((tmp_path / "g.svg").read_bytes()).names("op")) == 3
    assert oct((tmp_path / "g.svg").stat().st_mode & 0o777) != "0o600"
    with pytest.raises(ValueError, match="cannot tell the format"):
        ag.save_graph(o, tmp_path / "g.jpg")
    assert not (tmp_path / "g.jpg").exists()
    assert not [f for f in tmp_path.iterdir() if f.name.endswith(".tmp")]
    # a ready graph can be saved too, but then draw options make no sense
    ag.save_graph(o.draw(grad_flow=True), tmp_path / "ready.dot")
    assert "log scale" in (tmp_path / "ready.dot").read_text()
    with pytest.raises(TypeError, match="ready graph"):
        ag.save_graph(o.draw(), tmp_path / "ready.dot", title="x")


def _fake_dot(folder: Path, body: str) -> Path:
    exe = folder / "dot"
    exe.write_text("#!/bin/sh\n" + body + "\n")
    exe.chmod(0o755)
    return exe


def test_failed_render_leaves_existing_file_intact(tmp_path, monkeypatch):
    o, _ = neuron()
    target = tmp_path / "graph.svg"
    target.write_text("precious")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _fake_dot(bin_dir, "cat >/dev/null; echo 'Error: layout exploded' >&2; exit 3")
    monkeypatch.setenv("NUMBAGRAD_DOT", str(bin_dir / "dot"))
    with pytest.raises(RuntimeError, match="exit code 3: Error: layout exploded"):
        ag.save_graph(o, target)
    assert target.read_text() == "precious"
    # a failure while writing (here: the final rename) leaves no temp file behind either
    monkeypatch.delenv("NUMBAGRAD_DOT")

    def broken_replace(a, b):
        raise OSError("disk full")

    monkeypatch.setattr(_files.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        ag.save_graph(o, tmp_path / "graph.dot")
    assert sorted(f.name for f in tmp_path.iterdir()) == ["bin", "graph.svg"]
    assert target.read_text() == "precious"


def test_render_timeout_stops_a_hanging_graphviz(tmp_path, monkeypatch):
    o, _ = neuron()
    target = tmp_path / "graph.png"
    target.write_bytes(b"old")
    _fake_dot(tmp_path, "sleep 20")
    monkeypatch.setenv("NUMBAGRAD_DOT", str(tmp_path / "dot"))
    with pytest.raises(TimeoutError, match="within 0.5 s"):
        ag.save_graph(o, target, timeout=0.5)
    assert target.read_bytes() == b"old"


@needs_dot
def test_jupyter_display_is_the_digraphs_own():
    o, _ = neuron()
    bundle = o.draw()._repr_mimebundle_()
    assert set(bundle) == {"image/svg+xml"}
    assert len(Svg(bundle["image/svg+xml"].encode()).names("v")) == 6
    t = (Tensor([1.0, 2.0], requires_grad=True) * 3).sum()
    assert t.draw()._repr_mimebundle_(include=["image/png"])["image/png"][:4] == b"\x89PNG"


def test_missing_dot_gives_one_clear_error_or_uses_graphviz_pure(tmp_path):
    """PATH emptied: graphviz-pure (if installed here) renders; without it, one clear error."""
    env = {"PATH": "", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}
    code = """
        import numpy as np
        import autograd as ag
        from autograd import Tensor, Value, _files, viz
        from nn.module import Module, Parameter

        class Layer(Module):
            in_features, out_features = 2, 3
            def __init__(self):
                self.weight = Parameter(np.ones((3, 2), np.float32))
            def forward(self, x):
                return (x @ self.weight.T).relu()

        loss = Layer()(Tensor(np.ones((4, 2), np.float32))).sum()
        loss.backward()
        from autograd.viz import renderer as R
        if R.graphviz_pure_beside_python() is not None:
            assert "graphviz-pure" in viz.find_dot()
            ag.save_graph(loss, "pure.svg", grad_flow=True)
            try:
                ag.save_graph(loss, "pure.pdf")
            except viz.GraphvizNotFoundError as e:
                print("PDF:", e)
        R.graphviz_pure_beside_python = lambda: None   # as if graphviz-pure is absent
        assert viz.find_dot() is None
        y = (Value(0.5, label="x") * 2.0).tanh()
        try:
            ag.save_graph(y, "g.svg")
        except viz.GraphvizNotFoundError as e:
            print(e)
            assert "digraph" in e.source and "tanh" in e.source
        else:
            raise SystemExit("no error")
        ag.save_graph(y, "g.dot")        # the DOT text needs no Graphviz
        print("dot ok")
    """
    r = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, cwd=tmp_path,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    msg = r.stdout
    for hint in ("`dot` program was not found", "apt-get install graphviz",
                 "brew install graphviz", "conda install graphviz", "graph.dot"):
        assert hint in msg
    assert msg.strip().endswith("dot ok")
    assert (tmp_path / "g.dot").read_text().startswith("digraph")
    assert not (tmp_path / "g.svg").exists()
    from autograd.viz import renderer as R
    if R.graphviz_pure_beside_python() is not None:  # numbagrad[render] installed here
        assert "writes svg and png but not pdf" in msg
        svg = Svg((tmp_path / "pure.svg").read_bytes())
        assert [Svg.text(c) for c in svg.clusters.values()] == ["Layer(2 -> 3)"]
        assert any(Svg.text(n).startswith("weight (3, 2) float32") for n in svg.nodes.values())
        assert "legend" in svg.nodes and len(svg.names("op")) == 4


# -- the command line -----------------------------------------------------------------------
@needs_dot
def test_cli_writes_an_svg_after_backward(tmp_path):
    out = tmp_path / "neuron.svg"
    r = subprocess.run([sys.executable, "-m", "autograd.viz", "tanh(x*w + b)", "--at", "x=0.5",
                        "w=0.7", "b=0", "-o", str(out)], cwd=ROOT, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    t = math.tanh(0.35)
    assert f"= {t:.4f}" in r.stdout and str(out) in r.stdout
    svg = Svg(out.read_bytes())
    assert len(svg.names("v")) == 6 and len(svg.names("op")) == 3
    texts = [Svg.text(svg.nodes[n]) for n in svg.names("v")]
    assert f"w | data 0.7000 | grad {(1 - t * t) * 0.5:.4f}" in texts


def test_cli_errors_are_clear(tmp_path, capsys):
    cases = [
        (["tanh(x*y)", "--at", "x=1"], 2, "unknown name 'y'", "--at y=NUMBER"),
        (["tanh(x*", "--at", "x=1"], 2, "cannot parse 'tanh(x*'", "column"),
        (["sin(x)", "--at", "x=1"], 2, "unknown function 'sin'", "tanh"),
        (["__import__('os').system('true')"], 2, "unknown function", "allowed functions"),
        (["x[0]", "--at", "x=1"], 2, "'x[0]' (Subscript) is not allowed", "allowed:"),
        (["x if x else x", "--at", "x=1"], 2, "(IfExp) is not allowed", "+ - * / **"),
        (["tanh", "--at", "x=1"], 2, "'tanh' is a function", "tanh(x)"),
        (["x", "--at", "x0.5"], 2, "bad --at 'x0.5'", "NAME=NUMBER"),
        (["x", "--at", "x=abc"], 2, "'abc' is not a number", "--at"),
        (["log(x)", "--at", "x=-1"], 1, "cannot evaluate 'log(x)'", "positive"),
        (["x/0", "--at", "x=1"], 1, "cannot evaluate", "division"),
    ]
    for argv, code, *needles in cases:
        assert viz.main([*argv, "-o", str(tmp_path / "never.dot")]) == code, argv
        err = capsys.readouterr().err
        for needle in needles:
            assert needle in err, (argv, err)
    assert not (tmp_path / "never.dot").exists()
    # allowed constructs evaluate as Python would, without eval
    v = viz.evaluate("2**x + x**2 - -x/3 + relu(-x) + exp(0)", {"x": 1.5})
    assert v.data == pytest.approx(2**1.5 + 1.5**2 + 1.5 / 3 + 1.0)
    assert viz.main(["x*x", "--at", "x=3", "-o", str(tmp_path / "sq.dot")]) == 0
    assert "grad 6.0000" in (tmp_path / "sq.dot").read_text()

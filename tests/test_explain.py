"""autograd.explain: the chain-rule ledger, checked against products computed by hand."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Tensor, Value, explain


def test_two_node_value_graph_matches_hand_products(capsys: pytest.CaptureFixture[str]) -> None:
    x, w = Value(0.5, label="x"), Value(0.7, label="w")
    y = w * x
    y.label = "y"
    ledger = explain(y)
    printed = capsys.readouterr().out.splitlines()
    assert printed == [
        "y.grad = 1 (the start: d(y)/d(y) = 1)",
        "w.grad = d(y)/d(w) x y.grad = x.data x y.grad = 0.5 x 1 = 0.5",
        "x.grad = d(y)/d(x) x y.grad = w.data x y.grad = 0.7 x 1 = 0.7",
    ]
    assert [e.name for e in ledger] == ["y", "w", "x"]
    assert ledger.grad_of("w") == pytest.approx(0.5)  # d(w x)/dw = x
    assert ledger.grad_of("x") == pytest.approx(0.7)


def test_chain_through_relu_and_square_by_hand() -> None:
    # L = (relu(w x + b) - 1)^2 at x=0.5, w=0.7, b=0.1: z = 0.45, dL/dz = 2(z - 1) = -1.1
    x, w, b = Value(0.5, label="x"), Value(0.7, label="w"), Value(0.1, label="b")
    z = (w * x + b).relu()
    z.label = "z"
    loss = (z - 1.0) ** 2
    loss.label = "L"
    ledger = explain(loss, show=False)
    assert ledger.grad_of("z") == pytest.approx(-1.1)
    assert ledger.grad_of("w") == pytest.approx(-1.1 * 0.5)
    assert ledger.grad_of("b") == pytest.approx(-1.1)
    text = str(ledger)
    assert "w.grad = d((w * x))/d(w)" in text and "0.5 x -1.1 = -0.55" in text
    assert "1.grad" not in text  # the constant 1 typed by the user gets no line
    # the same numbers as the engine's backward, and unchanged after it
    loss.backward()
    assert w.grad == pytest.approx(ledger.grad_of("w"))
    assert str(explain(loss, show=False)) == text


def test_a_node_used_twice_sums_both_terms() -> None:
    x = Value(3.0, label="x")
    y = x * x
    y.label = "y"
    e = explain(y, show=False)[1]
    assert e.name == "x" and e.grad == pytest.approx(6.0)
    assert e.text.endswith("= 3 x 1 + 3 x 1 = 6")


def test_tensor_matmul_relu_matches_hand_products() -> None:
    W = Tensor(np.array([[0.5, -1.0], [2.0, 0.3]]), requires_grad=True, label="W")
    x = Tensor(np.array([1.0, 2.0]), label="x")
    h = (W @ x).relu()  # W x = [-1.5, 2.6] -> h = [0, 2.6]
    h.label = "h"
    loss = (h * h).sum()
    loss.label = "loss"
    ledger = explain(loss, show=False)
    # dloss/dh = 2h = [0, 5.2]; through relu: [0, 5.2]; dW = outer([0, 5.2], x)
    np.testing.assert_allclose(ledger.grad_of("h"), [0.0, 5.2])
    np.testing.assert_allclose(ledger.grad_of("W"), [[0.0, 0.0], [5.2, 10.4]])
    assert "W.grad = d(matmul1)/d(W) x matmul1.grad = matmul1.grad @ x^T" in str(ledger)
    loss.backward()
    np.testing.assert_allclose(W.grad.data, ledger.grad_of("W"))


def test_tensor_broadcast_mean_and_transpose_agree_with_backward() -> None:
    autograd.manual_seed(0)
    a = autograd.randn(2, 3, requires_grad=True)
    b = autograd.randn(3, requires_grad=True)
    c = autograd.randn(3, 2, requires_grad=True)
    loss = ((a * b - 0.5).tanh() @ c.T.T).sigmoid().mean()
    ledger = explain(loss, show=False)
    loss.backward()
    for t, name in ((a, "leaf1"), (b, "leaf2"), (c, "leaf3")):
        np.testing.assert_allclose(ledger.grad_of(name), t.grad.data, rtol=1e-5, atol=1e-7)


def test_refuses_big_graphs_and_unknown_input() -> None:
    big = Tensor(np.ones((5, 5)), requires_grad=True)
    with pytest.raises(ValueError, match="25 numbers, more than max_elements=16"):
        explain(big.sum(), show=False)
    v = Value(1.0)
    for _ in range(40):
        v = v * 1.0
    with pytest.raises(ValueError, match="more than max_nodes=60"):
        explain(v, show=False)
    with pytest.raises(TypeError, match="expected a Value or a Tensor"):
        explain(1.0, show=False)
    with pytest.raises(ValueError, match="one-element result"):
        explain(Tensor(np.ones(2), requires_grad=True) * 2.0, show=False)

def test_other_ops_use_their_own_backward_while_the_graph_is_alive() -> None:
    x = Tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True, label="x")
    loss = autograd.max(x.exp())
    ledger = explain(loss, show=False)  # before backward: max's own backward gives the numbers
    np.testing.assert_allclose(ledger.grad_of("x"), [0.0, 0.0, np.exp(2.0)])
    loss.backward()
    with pytest.raises(ValueError, match="after backward\\(\\) freed its buffers"):
        explain(loss, show=False)


@settings(max_examples=40, deadline=None)
@given(st.floats(-2, 2), st.floats(-2, 2), st.floats(-2, 2))
def test_value_ledger_equals_backward(xv: float, wv: float, bv: float) -> None:
    x, w, b = Value(xv, label="x"), Value(wv, label="w"), Value(bv, label="b")
    y = ((w * x + b).tanh() * x - b.sigmoid() / (w.exp() + 1.0)) ** 2
    ledger = explain(y, show=False)
    y.backward()
    for v in (x, w, b):
        assert ledger.grad_of(v.label) == pytest.approx(v.grad, rel=1e-12, abs=1e-12)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_tensor_ledger_equals_backward(seed: int) -> None:
    rng = np.random.default_rng(seed)
    W = Tensor(rng.standard_normal((3, 2)), requires_grad=True, label="W")
    v = Tensor(rng.standard_normal((4, 3)), requires_grad=True, label="v")
    loss = ((v @ W).relu() - 0.3).sigmoid().sum() / 4.0
    ledger = explain(loss, show=False)
    loss.backward()
    np.testing.assert_allclose(ledger.grad_of("W"), W.grad.data, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ledger.grad_of("v"), v.grad.data, rtol=1e-10, atol=1e-12)

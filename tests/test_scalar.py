"""The scalar engine: every op against finite differences, graph cases, errors, nn.scalar."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import Value
from nn.scalar import MLP, Layer, Neuron

finite = st.floats(-3.0, 3.0, allow_nan=False)
positive = st.floats(0.1, 3.0)


def numeric(f, x: float, eps: float = 1e-6) -> float:
    return (f(x + eps) - f(x - eps)) / (2 * eps)


def check_unary(op, x: float, tol: float = 1e-5) -> None:
    v = Value(x)
    out = op(v)
    out.backward()
    expected = numeric(lambda t: op(Value(t)).data, x)
    assert v.grad == pytest.approx(expected, rel=tol, abs=tol)


UNARY = {
    "exp": lambda v: v.exp(),
    "tanh": lambda v: v.tanh(),
    "sigmoid": lambda v: v.sigmoid(),
    "neg": lambda v: -v,
    "square": lambda v: v**2,
    "cube": lambda v: v**3,
    "poly": lambda v: 3 * v * v - 2 * v + 1,
    "rsub": lambda v: 2.5 - v,
    "rdiv": lambda v: 1.0 / (v * v + 1.0),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@given(x=finite)
def test_unary_ops_match_finite_differences(name: str, x: float) -> None:
    check_unary(UNARY[name], x)


@given(x=positive)
def test_log_sqrt_and_negative_power(x: float) -> None:
    check_unary(lambda v: v.log(), x)
    check_unary(lambda v: v**0.5, x)
    check_unary(lambda v: v**-1.5, x)


@given(x=finite.filter(lambda t: abs(t) > 1e-3))
def test_relu_abs_away_from_the_kink(x: float) -> None:
    check_unary(lambda v: v.relu(), x)
    check_unary(lambda v: v.abs(), x)
    check_unary(lambda v: abs(v), x)


@given(a=finite, b=finite.filter(lambda t: abs(t) > 0.1))
def test_binary_ops_match_finite_differences(a: float, b: float) -> None:
    for op in (lambda x, y: x + y, lambda x, y: x - y, lambda x, y: x * y,
               lambda x, y: x / y, lambda x, y: (x * y).tanh() + x / y):
        va, vb = Value(a), Value(b)
        op(va, vb).backward()
        da = numeric(lambda t, op=op: op(Value(t), Value(b)).data, a)
        db = numeric(lambda t, op=op: op(Value(a), Value(t)).data, b)
        assert va.grad == pytest.approx(da, rel=1e-4, abs=1e-5)
        assert vb.grad == pytest.approx(db, rel=1e-4, abs=1e-5)


@given(a=positive, b=finite)
def test_value_exponent(a: float, b: float) -> None:
    va, vb = Value(a), Value(b)
    (va**vb).backward()
    assert va.grad == pytest.approx(numeric(lambda t: t**b, a), rel=1e-4, abs=1e-6)
    assert vb.grad == pytest.approx(numeric(lambda t: a**t, b), rel=1e-4, abs=1e-6)
    vb2 = Value(b)
    (2.0**vb2).backward()
    assert vb2.grad == pytest.approx(2.0**b * math.log(2.0), rel=1e-9)


@given(ws=st.lists(finite, min_size=1, max_size=5), data=st.data())
def test_dot_equals_chain_of_mul_and_add(ws: list[float], data) -> None:
    xs = data.draw(st.lists(finite, min_size=len(ws), max_size=len(ws)))
    w1 = [Value(w) for w in ws]
    x1 = [Value(x) for x in xs]
    b1 = Value(0.3)
    fused = Value.dot(w1, x1, b1).tanh()
    fused.backward()
    w2 = [Value(w) for w in ws]
    x2 = [Value(x) for x in xs]
    b2 = Value(0.3)
    chain = b2
    for w, x in zip(w2, x2):
        chain = chain + w * x
    chain = chain.tanh()
    chain.backward()
    assert fused.data == pytest.approx(chain.data, abs=1e-12)
    for p, q in zip(w1 + x1 + [b1], w2 + x2 + [b2]):
        assert p.grad == pytest.approx(q.grad, abs=1e-12)


def test_step_has_zero_gradient() -> None:
    v = Value(0.7)
    out = v.step()
    out.backward()
    assert out.data == 1.0 and v.grad == 0.0
    assert Value(-0.2).step().data == 0.0 and Value(0.0).step().data == 0.0


def test_reused_node_gets_the_summed_gradient() -> None:
    a = Value(3.0)
    b = a + a
    c = b * b  # c = 4 a^2, dc/da = 8 a
    c.backward()
    assert c.data == 36.0
    assert a.grad == 24.0
    assert b.grad == 12.0


def test_gradients_accumulate_across_backward_calls_until_zeroed() -> None:
    a = Value(2.0)
    y = a * a
    y.backward()
    y.backward()
    assert a.grad == 8.0
    a.zero_grad()
    y.backward()
    assert a.grad == 4.0


def test_million_node_chain_backward_is_iterative() -> None:
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y + 1e-6
    y.backward()
    assert x.grad == 1.0
    assert y.data == pytest.approx(2.0, abs=1e-6)


def test_extreme_inputs_are_stable() -> None:
    assert Value(1000.0).sigmoid().data == 1.0
    assert Value(-1000.0).sigmoid().data == 0.0
    assert Value(1000.0).tanh().data == 1.0
    assert Value(-1000.0).tanh().data == -1.0
    v = Value(-1000.0)
    s = v.sigmoid()
    s.backward()
    assert v.grad == 0.0 and not math.isnan(v.grad)


def test_exp_overflow_names_the_op() -> None:
    with pytest.raises(OverflowError, match="exp"):
        Value(1000.0).exp()


@pytest.mark.parametrize("x", [0.0, -1.0])
def test_log_of_non_positive_names_op_and_value(x: float) -> None:
    with pytest.raises(ValueError, match=rf"log.*{x!r}"):
        Value(x).log()


def test_non_numbers_are_rejected() -> None:
    with pytest.raises(TypeError, match="expected a real number"):
        Value("abc")
    with pytest.raises(TypeError, match="expected a real number"):
        Value(1.0) + "abc"
    with pytest.raises(TypeError, match="expected a real number"):
        Value(None)


def test_comparisons_are_not_defined() -> None:
    with pytest.raises(TypeError, match="not differentiable"):
        _ = Value(1.0) < Value(2.0)
    with pytest.raises(TypeError, match="not differentiable"):
        _ = Value(1.0) >= 2.0


def test_division_by_zero_and_bad_powers() -> None:
    with pytest.raises(ZeroDivisionError, match="division"):
        Value(1.0) / 0.0
    with pytest.raises(ValueError, match="negative base"):
        Value(-2.0) ** 0.5
    with pytest.raises(ZeroDivisionError, match="pow"):
        Value(0.0) ** -1


def test_repr_shows_data_grad_and_label() -> None:
    v = Value(0.5, label="x")
    assert repr(v) == "Value(data=0.5, grad=0, label='x')"


def test_graph_holds_no_reference_cycles() -> None:
    import gc
    import weakref

    gc.collect()
    gc.disable()
    try:
        a = Value(1.5)
        out = ((a * 2).tanh() + a.exp()).relu()
        out.backward()
        ref = weakref.ref(out)
        del out
        assert ref() is None  # freed by reference counting alone, no cycle collector
    finally:
        gc.enable()


# -- nn.scalar -----------------------------------------------------------------------
def test_neuron_computes_activation_of_weighted_sum() -> None:
    autograd.manual_seed(0)
    n = Neuron(2, activation="tanh")
    out = n([0.5, -1.0])
    expected = math.tanh(n.w[0].data * 0.5 - n.w[1].data + n.b.data)
    assert out.data == pytest.approx(expected)
    assert len(n.parameters()) == 3
    assert repr(n) == "Neuron(2, activation='tanh')"


def test_mlp_parameters_zero_grad_and_repr() -> None:
    autograd.manual_seed(0)
    m = MLP(3, [4, 4, 1])
    assert len(m.parameters()) == (3 * 4 + 4) + (4 * 4 + 4) + (4 + 1)
    assert m.num_parameters() == 41
    y = m([1.0, -2.0, 0.5])
    assert isinstance(y, Value)
    y.backward()
    assert any(p.grad != 0.0 for p in m.parameters())
    m.zero_grad()
    assert all(p.grad == 0.0 for p in m.parameters())
    assert repr(m).splitlines()[1].strip() == "Layer(3 -> 4, activation='relu'),"
    assert isinstance(Layer(2, 3)([1.0, 2.0]), list)


def test_seeded_init_is_reproducible() -> None:
    autograd.manual_seed(7)
    a = [p.data for p in MLP(2, [3, 1]).parameters()]
    autograd.manual_seed(7)
    b = [p.data for p in MLP(2, [3, 1]).parameters()]
    assert a == b


def test_scalar_nn_errors() -> None:
    with pytest.raises(ValueError, match="activation"):
        Neuron(2, activation="softplus")
    with pytest.raises(ValueError, match="expected 2 inputs, got 3"):
        Neuron(2)([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="n_inputs"):
        Neuron(0)


def test_scalar_mlp_learns_xor() -> None:
    autograd.manual_seed(3)
    m = MLP(2, [8, 1], activation="tanh")
    data = [([0.0, 0.0], -1.0), ([0.0, 1.0], 1.0), ([1.0, 0.0], 1.0), ([1.0, 1.0], -1.0)]
    for _ in range(300):
        loss = sum((m(x) - y) ** 2 for x, y in data)
        m.zero_grad()
        loss.backward()
        for p in m.parameters():
            p.data -= 0.05 * p.grad
    assert loss.data < 0.05
    assert all((m(x).data > 0) == (y > 0) for x, y in data)

"""Neural nets made of scalar ``Value``s: a Neuron, a Layer of them, an MLP of Layers.

The same Module vocabulary as the tensor layers (``parameters()``, ``zero_grad()``, a
``repr`` tree), one number per node, so a learner can watch every weight and gradient.
"""

from __future__ import annotations

from collections.abc import Sequence

from autograd import Value
from autograd.creation import rng

from .module import Module

_ACTIVATIONS = ("relu", "sigmoid", "tanh", "step", None)


class Neuron(Module):
    """out = activation(w . x + b), with weights drawn uniformly from [-1, 1]."""

    def __init__(self, n_inputs: int, activation: str | None = "relu") -> None:
        if isinstance(n_inputs, bool) or not isinstance(n_inputs, int) or n_inputs < 1:
            raise ValueError(f"Neuron: n_inputs must be a positive int, got {n_inputs!r}")
        if activation not in _ACTIVATIONS:
            raise ValueError(f"Neuron: unknown activation {activation!r}; expected one of "
                             f"{_ACTIVATIONS}")
        r = rng()
        self.w = [Value(float(r.uniform(-1, 1)), label=f"w{i}") for i in range(n_inputs)]
        self.b = Value(0.0, label="b")
        self.activation = activation

    def forward(self, x: Sequence[Value | float]) -> Value:
        if len(x) != len(self.w):
            raise ValueError(f"Neuron: expected {len(self.w)} inputs, got {len(x)}")
        z = Value.dot(self.w, x, self.b)  # one node for the weighted sum
        if self.activation is None:
            return z
        return getattr(z, self.activation)()

    def extra_repr(self) -> str:
        return f"{len(self.w)}, activation={self.activation!r}"


class Layer(Module):
    """n_outputs independent neurons reading the same inputs."""

    def __init__(self, n_inputs: int, n_outputs: int, activation: str | None = "relu") -> None:
        if isinstance(n_outputs, bool) or not isinstance(n_outputs, int) or n_outputs < 1:
            raise ValueError(f"Layer: n_outputs must be a positive int, got {n_outputs!r}")
        self.neurons = [Neuron(n_inputs, activation) for _ in range(n_outputs)]

    def forward(self, x: Sequence[Value | float]) -> Value | list[Value]:
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def __repr__(self) -> str:
        n = self.neurons[0]
        return f"Layer({len(n.w)} -> {len(self.neurons)}, activation={n.activation!r})"


class MLP(Module):
    """Layers of neurons; every layer but the last uses ``activation``, the last is linear."""

    def __init__(self, n_inputs: int, sizes: Sequence[int], activation: str | None = "relu",
                 output_activation: str | None = None) -> None:
        if not sizes:
            raise ValueError("MLP: sizes must list at least one layer size")
        dims = [n_inputs, *sizes]
        self.layers = [
            Layer(dims[i], dims[i + 1],
                  activation if i < len(sizes) - 1 else output_activation)
            for i in range(len(sizes))
        ]

    def forward(self, x: Sequence[Value | float]) -> Value | list[Value]:
        for layer in self.layers:
            x = layer(x)
            x = [x] if isinstance(x, Value) else x
        return x[0] if len(x) == 1 else x

    def __repr__(self) -> str:
        body = ",\n".join(f"  {layer!r}" for layer in self.layers)
        return f"MLP(\n{body}\n)"

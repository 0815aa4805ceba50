"""Layers: Linear, Sequential, Flatten, Dropout, Identity, and the MLP built from them."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from autograd import Tensor
from autograd.ops.fused import FUSED_ACTIVATIONS

from . import functional as F
from . import init
from .activation import LeakyReLU, get_activation
from .module import Module, Parameter

__all__ = ["MLP", "Dropout", "Flatten", "Identity", "Linear", "Sequential"]


def _positive_int(n: Any, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"{what} must be a positive int, got {n!r}")
    return int(n)


class Linear(Module):
    """y = x @ W.T + b with W of shape (out_features, in_features), as torch.nn.Linear.

    Initialised as PyTorch does: W and b uniform in +-1/sqrt(in_features) (that is
    kaiming_uniform_ with a = sqrt(5)). ``activation`` (keyword only) fuses an activation
    into the same graph node, one kernel instead of two; MLP uses it.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, *,
                 activation: str = "none", negative_slope: float = 0.01,
                 dtype: Any = np.float32) -> None:
        self.in_features = _positive_int(in_features, "Linear: in_features")
        self.out_features = _positive_int(out_features, "Linear: out_features")
        if activation not in FUSED_ACTIVATIONS:
            raise ValueError(f"Linear: activation must be one of {FUSED_ACTIVATIONS}, got "
                             f"{activation!r}")
        self.activation = activation
        self.negative_slope = float(negative_slope)
        dt = np.dtype(dtype)
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype=dt))
        self.bias = Parameter(np.empty(self.out_features, dtype=dt)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1.0 / math.sqrt(self.in_features)
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x, self.weight, self.bias, self.activation, self.negative_slope)

    def extra_repr(self) -> str:
        s = (f"in_features={self.in_features}, out_features={self.out_features}, "
             f"bias={self.bias is not None}")
        return s + (f", activation={self.activation}" if self.activation != "none" else "")


class Sequential(Module):
    """Modules applied one after another; parameters are named "0.weight", "1.bias", ..."""

    def __init__(self, *modules: Module) -> None:
        if len(modules) == 1 and isinstance(modules[0], (list, tuple)):
            modules = tuple(modules[0])
        for i, m in enumerate(modules):
            if not isinstance(m, Module):
                raise TypeError(f"Sequential: item {i} is a {type(m).__name__}, not a Module")
        self._modules = list(modules)

    def _items(self) -> Iterator[tuple[str, Any]]:
        for i, m in enumerate(self._modules):
            yield str(i), m

    def append(self, module: Module) -> Sequential:
        if not isinstance(module, Module):
            raise TypeError(f"Sequential.append: expected a Module, got "
                            f"{type(module).__name__}")
        self._modules.append(module)
        return self

    def __getitem__(self, i: int | slice) -> Module | Sequential:
        if isinstance(i, slice):
            return Sequential(*self._modules[i])
        return self._modules[i]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules)

    def forward(self, x: Any) -> Any:
        for m in self._modules:
            x = m(x)
        return x


class Flatten(Module):
    """Flatten axes start_axis..end_axis into one (default: all but the batch axis)."""

    def __init__(self, start_axis: int = 1, end_axis: int = -1) -> None:
        self.start_axis, self.end_axis = start_axis, end_axis

    def forward(self, x: Tensor) -> Tensor:
        return F.flatten(x, self.start_axis, self.end_axis)

    def extra_repr(self) -> str:
        return f"start_axis={self.start_axis}, end_axis={self.end_axis}"


class Dropout(Module):
    """Zero each element with probability p while training (scaling the rest by 1/(1-p));
    the identity in eval mode."""

    def __init__(self, p: float = 0.5) -> None:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be in [0, 1], got {p}")
        self.p = float(p)

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. to switch a layer off)."""

    def forward(self, x: Any) -> Any:
        return x


class MLP(Sequential):
    """A multilayer perceptron: Linear layers with an activation between them.

    ``MLP(784, [256, 10])`` is Linear(784, 256) + ReLU + Linear(256, 10). Activations the
    fused kernel knows (relu, leaky_relu, sigmoid, tanh, gelu) are fused into their Linear
    (one graph node per layer); others (step, softmax, a custom Module) follow as modules.
    ``dropout`` > 0 adds a Dropout after every hidden activation.
    """

    def __init__(self, n_inputs: int, layer_sizes: Sequence[int], activation: Any = "relu",
                 output_activation: Any = None, dropout: float = 0.0,
                 dtype: Any = np.float32) -> None:
        n_in = _positive_int(n_inputs, "MLP: n_inputs")
        if isinstance(layer_sizes, (int, np.integer)) or not len(layer_sizes):
            raise ValueError(f"MLP: layer_sizes must be a non-empty list like [hidden..., "
                             f"n_outputs], got {layer_sizes!r}")
        sizes = [_positive_int(n, "MLP: every layer size") for n in layer_sizes]
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"MLP: dropout must be in [0, 1), got {dropout}")
        get_activation(activation, "MLP")  # validate even when there is no hidden layer
        modules: list[Module] = []
        for i, n_out in enumerate(sizes):
            last = i == len(sizes) - 1
            spec = output_activation if last else activation
            act = get_activation(spec, "MLP")
            fused = getattr(act, "fused", None) if act is not None else "none"
            slope = act.negative_slope if isinstance(act, LeakyReLU) else 0.01
            if fused is not None:
                modules.append(Linear(n_in, n_out, activation=fused, negative_slope=slope,
                                      dtype=dtype))
            else:
                modules.append(Linear(n_in, n_out, dtype=dtype))
                modules.append(act)
            if dropout > 0 and not last:
                modules.append(Dropout(dropout))
            n_in = n_out
        super().__init__(*modules)
        self.sizes = [_positive_int(n_inputs, "MLP: n_inputs"), *sizes]

    def extra_repr(self) -> str:
        return " -> ".join(str(n) for n in self.sizes)

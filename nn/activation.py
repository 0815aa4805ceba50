"""Activation functions as Modules (so they can sit inside a Sequential)."""

from __future__ import annotations

from autograd import Tensor

from . import functional as F
from .module import Module

__all__ = ["GELU", "LeakyReLU", "LogSoftmax", "ReLU", "Sigmoid", "Softmax", "Step", "Tanh",
           "get_activation"]


class ReLU(Module):
    """max(x, 0)."""

    fused = "relu"  # the name the fused linear kernel knows this activation by

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(x)


class LeakyReLU(Module):
    """x where x > 0, negative_slope * x elsewhere."""

    fused = "leaky_relu"

    def __init__(self, negative_slope: float = 0.01) -> None:
        self.negative_slope = float(negative_slope)

    def forward(self, x: Tensor) -> Tensor:
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Sigmoid(Module):
    """1 / (1 + exp(-x)), computed without overflow at any x."""

    fused = "sigmoid"

    def forward(self, x: Tensor) -> Tensor:
        return F.sigmoid(x)


class Tanh(Module):
    fused = "tanh"

    def forward(self, x: Tensor) -> Tensor:
        return F.tanh(x)


class GELU(Module):
    """Exact GELU, x * Phi(x) (PyTorch's default, not the tanh approximation)."""

    fused = "gelu"

    def forward(self, x: Tensor) -> Tensor:
        return F.gelu(x)


class Step(Module):
    """Heaviside step: 1 where x > 0, else 0 (the perceptron's activation).

    Its gradient is zero everywhere (and undefined at 0), so a network using it cannot be
    trained by backpropagation: gradients reaching it stop there.
    """

    fused = None

    def forward(self, x: Tensor) -> Tensor:
        return F.step(x)


class Softmax(Module):
    """exp(x) / sum(exp(x)) along ``axis`` (max-shifted, so it never overflows)."""

    fused = None

    def __init__(self, axis: int = -1) -> None:
        self.axis = axis

    def forward(self, x: Tensor) -> Tensor:
        return F.softmax(x, self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


class LogSoftmax(Module):
    """x - logsumexp(x) along ``axis``; pair it with NLLLoss."""

    fused = None

    def __init__(self, axis: int = -1) -> None:
        self.axis = axis

    def forward(self, x: Tensor) -> Tensor:
        return F.log_softmax(x, self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


_BY_NAME = {"relu": ReLU, "leaky_relu": LeakyReLU, "sigmoid": Sigmoid, "tanh": Tanh,
            "gelu": GELU, "step": Step, "softmax": Softmax, "log_softmax": LogSoftmax}


def get_activation(spec: str | Module | type | None, who: str) -> Module | None:
    """An activation Module from a name ("relu", ...), a Module class or instance, or None."""
    if spec is None or spec == "none" or spec == "identity":
        return None
    if isinstance(spec, Module):
        return spec
    if isinstance(spec, type) and issubclass(spec, Module):
        return spec()
    if isinstance(spec, str) and spec.lower() in _BY_NAME:
        return _BY_NAME[spec.lower()]()
    raise ValueError(f"{who}: unknown activation {spec!r}; expected None, one of "
                     f"{sorted(_BY_NAME)} or a Module")

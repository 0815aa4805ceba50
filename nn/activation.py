"""Activation functions as Modules (so they can sit inside a Sequential), as torch.nn's.

Each is a thin wrapper over its ``nn.functional`` form (the math is in
``autograd/ops/activation.py`` and ``autograd/ops/elementwise.py``). ``inplace=`` is accepted
where torch takes it and shown in the repr; the result is computed out of place.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Tensor

from . import functional as F
from .module import Module, Parameter
from .utils import positive_int

__all__ = ["CELU", "ELU", "GELU", "GLU", "Hardshrink", "Hardsigmoid", "Hardswish", "Hardtanh",
           "LeakyReLU", "LogSigmoid", "LogSoftmax", "Mish", "PReLU", "RReLU", "ReLU", "ReLU6",
           "SELU", "SiLU", "Sigmoid", "Softmax", "Softmax2d", "Softmin", "Softplus", "Softshrink",
           "Softsign", "Step", "Tanh", "Tanhshrink", "Threshold", "get_activation"]


class _Act(Module):
    """An activation without parameters; ``fused`` is the name the fused linear kernel knows
    it by (None: not fusable). Arguments are kept as given, so the repr reads as torch's."""

    fused: str | None = None

    def __init__(self, inplace: bool = False) -> None:
        self.inplace = bool(inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class ReLU(_Act):
    """max(x, 0)."""

    fused = "relu"

    def forward(self, input: Tensor) -> Tensor:
        return F.relu(input)


class ReLU6(_Act):
    """min(max(x, 0), 6)."""

    def forward(self, input: Tensor) -> Tensor:
        return F.relu6(input)


class LeakyReLU(_Act):
    """x where x > 0, negative_slope * x elsewhere."""

    fused = "leaky_relu"

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__(inplace)
        self.negative_slope = negative_slope

    def forward(self, input: Tensor) -> Tensor:
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace
                                                           else "")


class Sigmoid(_Act):
    """1 / (1 + exp(-x)), computed without overflow at any x."""

    fused = "sigmoid"

    def __init__(self) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return F.sigmoid(input)


class Tanh(_Act):
    fused = "tanh"

    def __init__(self) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return F.tanh(input)


class GELU(Module):
    """GELU: exact x * Phi(x) (approximate='none', the default) or the tanh approximation."""

    def __init__(self, approximate: str = "none") -> None:
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got "
                             f"{approximate!r}")
        self.approximate = approximate

    @property
    def fused(self) -> str | None:  # the fused kernel has the exact form only
        return "gelu" if self.approximate == "none" else None

    def forward(self, input: Tensor) -> Tensor:
        return F.gelu(input, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class _Alpha(_Act):
    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__(inplace)
        self.alpha = alpha

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class ELU(_Alpha):
    """x for x > 0, alpha (exp(x) - 1) otherwise."""

    def forward(self, input: Tensor) -> Tensor:
        return F.elu(input, self.alpha)


class CELU(_Alpha):
    """max(0, x) + min(0, alpha (exp(x / alpha) - 1))."""

    def forward(self, input: Tensor) -> Tensor:
        return F.celu(input, self.alpha)


class SELU(_Act):
    def forward(self, input: Tensor) -> Tensor:
        return F.selu(input)


class SiLU(_Act):
    """x * sigmoid(x)."""

    def forward(self, input: Tensor) -> Tensor:
        return F.silu(input)


class Mish(_Act):
    """x * tanh(softplus(x))."""

    def forward(self, input: Tensor) -> Tensor:
        return F.mish(input)


class Hardsigmoid(_Act):
    def forward(self, input: Tensor) -> Tensor:
        return F.hardsigmoid(input)


class Hardswish(_Act):
    def forward(self, input: Tensor) -> Tensor:
        return F.hardswish(input)


class Softplus(Module):
    """log(1 + exp(beta x)) / beta, linear above ``threshold``."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        self.beta, self.threshold = beta, threshold

    def forward(self, input: Tensor) -> Tensor:
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardtanh(_Act):
    """clamp(x, min_val, max_val)."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0,
                 inplace: bool = False) -> None:
        super().__init__(inplace)
        if min_val > max_val:
            raise ValueError(f"Hardtanh: min_val ({min_val}) cannot be greater than max_val "
                             f"({max_val})")
        self.min_val, self.max_val = min_val, max_val

    def forward(self, input: Tensor) -> Tensor:
        return F.hardtanh(input, self.min_val, self.max_val)

    def extra_repr(self) -> str:
        return (f"min_val={self.min_val}, max_val={self.max_val}"
                + (", inplace=True" if self.inplace else ""))


class Threshold(_Act):
    """x where x > threshold, else value."""

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__(inplace)
        self.threshold, self.value = threshold, value

    def forward(self, input: Tensor) -> Tensor:
        return F.threshold(input, self.threshold, self.value)

    def extra_repr(self) -> str:
        return (f"threshold={self.threshold}, value={self.value}"
                + (", inplace=True" if self.inplace else ""))


class _Shrink(Module):
    def __init__(self, lambd: float = 0.5) -> None:
        self.lambd = lambd

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Hardshrink(_Shrink):
    def forward(self, input: Tensor) -> Tensor:
        return F.hardshrink(input, self.lambd)


class Softshrink(_Shrink):
    def forward(self, input: Tensor) -> Tensor:
        return F.softshrink(input, self.lambd)


class LogSigmoid(Module):
    def forward(self, input: Tensor) -> Tensor:
        return F.logsigmoid(input)


class Softsign(Module):
    def forward(self, input: Tensor) -> Tensor:
        return F.softsign(input)


class Tanhshrink(Module):
    def forward(self, input: Tensor) -> Tensor:
        return F.tanhshrink(input)


class Step(Module):
    """Heaviside step: 1 where x > 0, else 0 (the perceptron's activation).

    Its gradient is zero everywhere (and undefined at 0), so a network using it cannot be
    trained by backpropagation: gradients reaching it stop there.
    """

    fused = None

    def forward(self, input: Tensor) -> Tensor:
        return F.step(input)


class RReLU(_Act):
    """Randomized leaky ReLU: a random slope in [lower, upper] per negative element while
    training, their mean (lower + upper) / 2 in eval mode."""

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
                 inplace: bool = False) -> None:
        super().__init__(inplace)
        self.lower, self.upper = lower, upper

    def forward(self, input: Tensor) -> Tensor:
        return F.rrelu(input, self.lower, self.upper, self.training)

    def extra_repr(self) -> str:
        return (f"lower={self.lower}, upper={self.upper}"
                + (", inplace=True" if self.inplace else ""))


class PReLU(Module):
    """x where x > 0, a * x elsewhere, with a learnable slope a: one shared
    (num_parameters=1) or one per channel (dim 1 of the input), initialised to ``init``."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: Any = None,
                 dtype: Any = None) -> None:
        self.num_parameters = positive_int(num_parameters, "PReLU: num_parameters")
        self.init = float(init)
        from .conv import factory_dtype  # conv imports this module

        self.weight = Parameter(np.full(self.num_parameters, init,
                                        dtype=factory_dtype(device, dtype)))

    def reset_parameters(self) -> None:
        self.weight.data[...] = self.init

    def forward(self, input: Tensor) -> Tensor:
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class _SoftmaxLike(Module):
    def __init__(self, dim: int | None = None, *, axis: int | None = None) -> None:
        self.dim = F._dim_arg(dim, axis, type(self).__name__)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax(_SoftmaxLike):
    """exp(x) / sum(exp(x)) along ``dim`` (max-shifted, so it never overflows)."""

    def forward(self, input: Tensor) -> Tensor:
        return F.softmax(input, self.dim)


class LogSoftmax(_SoftmaxLike):
    """x - logsumexp(x) along ``dim``; pair it with NLLLoss."""

    def forward(self, input: Tensor) -> Tensor:
        return F.log_softmax(input, self.dim)


class Softmin(_SoftmaxLike):
    """softmax(-x) along ``dim``."""

    def forward(self, input: Tensor) -> Tensor:
        return F.softmin(input, self.dim)


class Softmax2d(Module):
    """Softmax over the channels (dim -3) of a (N, C, H, W) or (C, H, W) input."""

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected a 3-D or 4-D input (channels at dim -3), "
                             f"got shape {input.shape}")
        return F.softmax(input, -3)


class GLU(Module):
    """a * sigmoid(b), a and b the two halves of the input along ``dim``."""

    def __init__(self, dim: int = -1) -> None:
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


_BY_NAME = {"relu": ReLU, "relu6": ReLU6, "leaky_relu": LeakyReLU, "sigmoid": Sigmoid,
            "tanh": Tanh, "gelu": GELU, "elu": ELU, "celu": CELU, "selu": SELU, "silu": SiLU,
            "mish": Mish, "softplus": Softplus, "softsign": Softsign, "hardtanh": Hardtanh,
            "hardsigmoid": Hardsigmoid, "hardswish": Hardswish, "logsigmoid": LogSigmoid,
            "tanhshrink": Tanhshrink, "step": Step,
            "softmax": lambda: Softmax(dim=-1), "log_softmax": lambda: LogSoftmax(dim=-1)}


def get_activation(spec: str | Module | type | None, who: str) -> Module | None:
    """An activation Module from a name ("relu", ...), a Module class or instance, or None.

    The names "softmax" and "log_softmax" act along the last dim.
    """
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

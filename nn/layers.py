"""Layers and containers: Linear, Sequential, ModuleList, ModuleDict, Flatten, Unflatten,
Dropout, Identity, and the MLP built from them."""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from autograd import Tensor
from autograd.ops.fused import FUSED_ACTIVATIONS

from . import functional as F
from . import init
from .activation import LeakyReLU, get_activation
from .conv import factory_dtype
from .module import Container, Module, Parameter
from .utils import positive_int

__all__ = ["MLP", "AlphaDropout", "Bilinear", "CosineSimilarity", "Dropout", "Dropout1d",
           "Dropout2d", "Dropout3d", "PairwiseDistance",
           "FeatureAlphaDropout", "Flatten", "Identity", "Linear", "ModuleDict", "ModuleList",
           "ParameterDict", "ParameterList", "Sequential", "Unflatten"]


class Linear(Module):
    """y = x @ W.T + b with W of shape (out_features, in_features), as torch.nn.Linear.

    Initialised as PyTorch does: W and b uniform in +-1/sqrt(in_features) (that is
    kaiming_uniform_ with a = sqrt(5)). ``activation`` (keyword only) fuses an activation
    into the same graph node, one kernel instead of two; MLP uses it.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device: Any = None, dtype: Any = None, *, activation: str = "none",
                 negative_slope: float = 0.01) -> None:
        self.in_features = positive_int(in_features, "Linear: in_features")
        self.out_features = positive_int(out_features, "Linear: out_features")
        if activation not in FUSED_ACTIVATIONS:
            raise ValueError(f"Linear: activation must be one of {FUSED_ACTIVATIONS}, got "
                             f"{activation!r}")
        self.activation = activation
        self.negative_slope = float(negative_slope)
        dt = factory_dtype(device, dtype)
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


class Sequential(Container):
    """Modules applied one after another, named "0", "1", ... or by the keys of an
    OrderedDict (``Sequential(OrderedDict(fc=..., act=...))``, then ``seq.fc``), as torch."""

    def __init__(self, *modules: Any) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], Mapping):
            for name, m in modules[0].items():
                self._add(name, m, "Sequential")
            return
        if len(modules) == 1 and isinstance(modules[0], (list, tuple)):
            modules = tuple(modules[0])
        for i, m in enumerate(modules):
            if not isinstance(m, Module):
                raise TypeError(f"Sequential: item {i} is a {type(m).__name__}, not a Module")
            self._modules[str(i)] = m

    def _renumber(self) -> None:
        self._modules = OrderedDict((str(i), m) for i, m in enumerate(self._modules.values()))

    def append(self, module: Module) -> Sequential:
        self._add(len(self), module, "Sequential.append")
        return self

    def extend(self, modules: Iterable[Module]) -> Sequential:
        for m in modules:
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> Sequential:
        if not isinstance(module, Module):
            raise TypeError(f"Sequential.insert: expected a Module, got "
                            f"{type(module).__name__}")
        n = len(self)
        if not -n <= index <= n:
            raise IndexError(f"Sequential.insert: index {index} is out of range for {n} "
                             "modules")
        items = list(self._modules.values())
        items.insert(index % (n + 1) if index < 0 else index, module)
        self._modules = OrderedDict((str(i), m) for i, m in enumerate(items))
        return self

    def pop(self, index: int = -1) -> Module:
        m = self[index]
        del self[index]
        return m

    def __getitem__(self, idx: int | slice) -> Module | Sequential:
        if isinstance(idx, slice):
            return Sequential(OrderedDict(list(self._modules.items())[idx]))
        return list(self._modules.values())[self._index(idx, "Sequential")]

    def __setitem__(self, idx: int, module: Module) -> None:
        key = list(self._modules)[self._index(idx, "Sequential")]
        self._add(key, module, "Sequential")

    def __delitem__(self, idx: int | slice) -> None:
        keys = list(self._modules)
        for k in (keys[idx] if isinstance(idx, slice) else [keys[self._index(idx,
                                                                              "Sequential")]]):
            del self._modules[k]
        self._renumber()

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __add__(self, other: Sequential) -> Sequential:
        if not isinstance(other, Sequential):
            raise TypeError(f"Sequential + {type(other).__name__}: add two Sequentials")
        return Sequential(*self, *other)

    def forward(self, input: Any) -> Any:
        for m in self._modules.values():
            input = m(input)
        return input


class ModuleList(Container):
    """A list of Modules whose parameters the parent finds (named "0", "1", ...); it has no
    forward: iterate over it in yours."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def append(self, module: Module) -> ModuleList:
        self._add(len(self), module, "ModuleList.append")
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        if isinstance(modules, Module) or not isinstance(modules, Iterable):
            raise TypeError(f"ModuleList.extend: expected an iterable of Modules, got "
                            f"{type(modules).__name__}")
        for m in modules:
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> None:
        items = list(self._modules.values())
        if not isinstance(module, Module):
            raise TypeError(f"ModuleList.insert: expected a Module, got "
                            f"{type(module).__name__}")
        items.insert(index, module)
        self._modules = OrderedDict((str(i), m) for i, m in enumerate(items))

    def pop(self, index: int = -1) -> Module:
        m = self[index]
        del self[index]
        return m

    def __getitem__(self, idx: int | slice) -> Module | ModuleList:
        if isinstance(idx, slice):
            return ModuleList(list(self._modules.values())[idx])
        return self._modules[str(self._index(idx, "ModuleList"))]

    def __setitem__(self, idx: int, module: Module) -> None:
        self._add(self._index(idx, "ModuleList"), module, "ModuleList")

    def __delitem__(self, idx: int | slice) -> None:
        items = list(self._modules.values())
        del items[idx if isinstance(idx, slice) else self._index(idx, "ModuleList")]
        self._modules = OrderedDict((str(i), m) for i, m in enumerate(items))

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        return ModuleList([*self, *other])

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("ModuleList has no forward(); iterate over its modules")

    def __repr__(self) -> str:
        """torch's: runs of identical modules collapse into ``(0-2): 3 x Linear(...)``."""
        reprs = [repr(m) for m in self]
        name = type(self).__name__  # a subclass's own name, as torch
        if not reprs:
            return f"{name}()"
        runs: list[list[Any]] = []  # [start, end, repr]
        for i, r in enumerate(reprs):
            if runs and runs[-1][2] == r:
                runs[-1][1] = i
            else:
                runs.append([i, i, r])
        lines = [(f"({a}): {r}" if a == b else f"({a}-{b}): {b - a + 1} x {r}").replace(
            "\n", "\n  ") for a, b, r in runs]
        return f"{name}(\n  " + "\n  ".join(lines) + "\n)"


def _as_parameter(v: Any, who: str) -> Any:
    """What a ParameterList/ParameterDict stores: a Parameter as is, a plain Tensor wrapped
    into a Parameter that requires grad (as torch's ``Parameter(t)``; integer tensors cannot
    require grad and stay without), anything else (a number, None) as is."""
    if isinstance(v, Parameter) or not isinstance(v, Tensor):
        return v
    return Parameter(v.data, requires_grad=v.dtype.kind == "f")


class ParameterList(Container):
    """A list of Parameters whose parent finds them (named "0", "1", ...), as
    torch.nn.ParameterList; plain Tensors are wrapped into Parameters."""

    # the entries live in the container's ordered dict ``_modules`` (by index), which
    # Module._items already walks: parameters are found, named and saved from there

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        if values is not None:
            self.extend(values)

    def _add(self, name: Any, value: Any, who: str) -> None:
        self._modules[str(name)] = _as_parameter(value, who)

    def append(self, value: Any) -> ParameterList:
        self._add(len(self), value, "ParameterList.append")
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        if isinstance(values, Tensor) or not isinstance(values, Iterable):
            raise TypeError(f"ParameterList.extend: expected an iterable of Parameters, got "
                            f"{type(values).__name__}")
        for v in values:
            self.append(v)
        return self

    def __iadd__(self, values: Iterable[Any]) -> ParameterList:
        return self.extend(values)

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return ParameterList(list(self._modules.values())[idx])
        return self._modules[str(self._index(idx, "ParameterList"))]

    def __setitem__(self, idx: int, value: Any) -> None:
        self._add(self._index(idx, "ParameterList"), value, "ParameterList")

    def __iter__(self) -> Iterator[Any]:
        return iter(self._modules.values())

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("ParameterList has no forward(); index it in yours")

    def extra_repr(self) -> str:
        return "\n".join(f"({k}): Parameter containing: [{_kind(v)}]"
                         for k, v in self._modules.items())


def _kind(v: Any) -> str:
    if isinstance(v, Tensor):
        return f"{v.dtype} of size {'x'.join(map(str, v.shape))}"
    return type(v).__name__


class _KeyedContainer(Container):
    """The dict protocol ParameterDict and ModuleDict share (entries live in _modules)."""

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def keys(self) -> Any:
        return self._modules.keys()

    def values(self) -> Any:
        return self._modules.values()

    def items(self) -> Any:
        return self._modules.items()

    def get(self, key: str, default: Any = None) -> Any:
        return self._modules.get(key, default)

    def pop(self, key: str) -> Any:
        return self._modules.pop(key)

    def clear(self) -> None:
        self._modules.clear()


class ParameterDict(_KeyedContainer):
    """A dict of Parameters (insertion ordered) named by key, as torch.nn.ParameterDict."""

    def __init__(self, parameters: Mapping[str, Any] | Iterable[tuple[str, Any]] | None
                 = None) -> None:
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def _add(self, name: Any, value: Any, who: str) -> None:
        if not isinstance(name, str):
            raise TypeError(f"{who}: keys must be strings, got {type(name).__name__}")
        self._modules[name] = _as_parameter(value, who)

    def __getitem__(self, key: str) -> Any:
        if key not in self._modules:
            raise KeyError(key)
        return self._modules[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._add(key, value, "ParameterDict")


    def update(self, parameters: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> None:
        pairs = parameters.items() if isinstance(parameters, Mapping) else parameters
        for k, v in pairs:
            self._add(k, v, "ParameterDict.update")

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("ParameterDict has no forward(); index it in yours")

    def extra_repr(self) -> str:
        return "\n".join(f"({k}): Parameter containing: [{_kind(v)}]"
                         for k, v in self._modules.items())


class ModuleDict(_KeyedContainer):
    """A dict of Modules (insertion ordered) whose parameters the parent finds, named by
    key; it has no forward."""

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None
                 = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        pairs = modules.items() if isinstance(modules, Mapping) else modules
        for pair in pairs:
            if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
                raise TypeError("ModuleDict.update: expected a mapping or (key, module) "
                                f"pairs, got an element {pair!r}")
            self[pair[0]] = pair[1]

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        if not isinstance(key, str):
            raise TypeError(f"ModuleDict: keys must be strings, got {type(key).__name__}")
        self._add(key, module, "ModuleDict")


    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("ModuleDict has no forward(); call its modules by key")


class Flatten(Module):
    """Flatten dims start_dim..end_dim into one (default: all but the batch dim)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1, *, start_axis: int | None = None,
                 end_axis: int | None = None) -> None:
        self.start_dim = start_dim if start_axis is None else start_axis
        self.end_dim = end_dim if end_axis is None else end_axis

    def forward(self, input: Tensor) -> Tensor:
        return F.flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim ``dim`` into ``unflattened_size`` (one entry may be -1), as torch."""

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
            raise TypeError(f"Unflatten: dim must be an int, got {type(dim).__name__}")
        if isinstance(unflattened_size, (int, np.integer)) or not all(
                isinstance(n, (int, np.integer)) for n in unflattened_size):
            raise TypeError(f"Unflatten: unflattened_size must be a tuple of ints, got "
                            f"{unflattened_size!r}")
        self.dim, self.unflattened_size = int(dim), tuple(int(n) for n in unflattened_size)

    def forward(self, input: Tensor) -> Tensor:
        d = self.dim + input.ndim if self.dim < 0 else self.dim
        if not 0 <= d < input.ndim:
            raise IndexError(f"Unflatten: dim {self.dim} is out of range for a tensor with "
                             f"{input.ndim} dims")
        sizes = self.unflattened_size
        known = math.prod(n for n in sizes if n != -1)
        n = input.shape[d]
        if (sizes.count(-1) == 0 and known != n) or sizes.count(-1) > 1 or (
                sizes.count(-1) == 1 and (known == 0 or n % known)):
            raise RuntimeError(f"Unflatten: sizes {sizes} do not multiply to the size {n} of "
                               f"dim {self.dim}")
        return input.reshape(input.shape[:d] + sizes + input.shape[d + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class _DropoutNd(Module):
    """The dropout modules' shared constructor (p, inplace) and repr, as torch's base."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"{type(self).__name__}: p (the dropout probability) must be in "
                             f"[0, 1], got {p}")
        self.p = float(p)
        self.inplace = bool(inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero each element with probability p while training (scaling the rest by 1/(1-p));
    the identity in eval mode."""

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training)


class Dropout1d(_DropoutNd):
    """Zero whole channels of (N, C, L) or (C, L) with probability p while training,
    scaling the rest by 1/(1-p); the identity in eval mode."""

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout1d(input, self.p, self.training)


class Dropout2d(_DropoutNd):
    """Zero whole channels of (N, C, H, W) with probability p while training, scaling the
    rest by 1/(1-p); the identity in eval mode."""

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout2d(input, self.p, self.training)


class Dropout3d(_DropoutNd):
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) with probability p while
    training, scaling the rest by 1/(1-p); the identity in eval mode."""

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout3d(input, self.p, self.training)


class AlphaDropout(_DropoutNd):
    """Dropout for SELU networks (keeps the mean and variance); the identity in eval mode."""

    def forward(self, input: Tensor) -> Tensor:
        return F.alpha_dropout(input, self.p, self.training)


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels of (N, C, ...); the identity in eval mode."""

    def forward(self, input: Tensor) -> Tensor:
        return F.feature_alpha_dropout(input, self.p, self.training)


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. to switch a layer off); any
    constructor arguments are ignored, as torch."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def forward(self, input: Any) -> Any:
        return input


class MLP(Sequential):
    """A multilayer perceptron: Linear layers with an activation between them.

    ``MLP(784, [256, 10])`` is Linear(784, 256) + ReLU + Linear(256, 10). Activations the
    fused kernel knows (relu, leaky_relu, sigmoid, tanh, gelu) are fused into their Linear
    (one graph node per layer); others (step, softmax, a custom Module) follow as modules.
    ``dropout`` > 0 adds a Dropout after every hidden activation.
    """

    def __init__(self, n_inputs: int, layer_sizes: Sequence[int], activation: Any = "relu",
                 output_activation: Any = None, dropout: float = 0.0,
                 dtype: Any = None) -> None:
        n_in = positive_int(n_inputs, "MLP: n_inputs")
        if isinstance(layer_sizes, (int, np.integer)) or not len(layer_sizes):
            raise ValueError(f"MLP: layer_sizes must be a non-empty list like [hidden..., "
                             f"n_outputs], got {layer_sizes!r}")
        sizes = [positive_int(n, "MLP: every layer size") for n in layer_sizes]
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
        self.sizes = [positive_int(n_inputs, "MLP: n_inputs"), *sizes]

    def extra_repr(self) -> str:
        return " -> ".join(str(n) for n in self.sizes)

    def __repr__(self) -> str:  # the sizes on the first line: MLP(64 -> 64 -> 10 ...
        body = super().__repr__()
        return body.replace(f"(\n  {self.extra_repr()}\n", f"({self.extra_repr()}\n", 1)


class Bilinear(Module):
    """y = x1^T A x2 + b with weight A (out_features, in1_features, in2_features) and bias
    (out_features,), as torch.nn.Bilinear; both initialised uniform in +-1/sqrt(in1)."""

    def __init__(self, in1_features: int, in2_features: int, out_features: int,
                 bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        self.in1_features = positive_int(in1_features, "Bilinear: in1_features")
        self.in2_features = positive_int(in2_features, "Bilinear: in2_features")
        self.out_features = positive_int(out_features, "Bilinear: out_features")
        dt = factory_dtype(device, dtype)
        self.weight = Parameter(np.empty((self.out_features, self.in1_features,
                                          self.in2_features), dtype=dt))
        self.bias = Parameter(np.empty(self.out_features, dtype=dt)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.in1_features)
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


class CosineSimilarity(Module):
    """x1 . x2 / max(||x1|| ||x2||, eps) along ``dim`` (F.cosine_similarity)."""

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
            raise TypeError(f"CosineSimilarity: dim must be an int, got {dim!r}")
        if not eps >= 0:
            raise ValueError(f"CosineSimilarity: eps must be >= 0, got {eps!r}")
        self.dim, self.eps = int(dim), float(eps)

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """||x1 - x2 + eps||_p along the last dim (F.pairwise_distance)."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        if isinstance(p, bool) or not isinstance(p, (int, float, np.number)) or not p > 0:
            raise ValueError(f"PairwiseDistance: p must be a number > 0, got {p!r}")
        self.norm, self.eps, self.keepdim = float(p), float(eps), bool(keepdim)

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)

"""Module: the base of every layer and model, for the scalar (Value) and tensor engines alike.

A Module finds its parameters by looking at its attributes, in the order they were set:
Parameters (or Values, for the scalar nets), sub-Modules, and lists/tuples/dicts of them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from autograd import Tensor, Value
from autograd import function as _function


class Parameter(Tensor):
    """A Tensor that is a model's learnable weight: it always requires grad."""

    __slots__ = ()

    def __init__(self, data: Any, requires_grad: bool = True, dtype: Any = None) -> None:
        super().__init__(data, requires_grad=requires_grad, dtype=dtype)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


def _walk(prefix: str, obj: Any) -> Iterator[tuple[str, Any]]:
    """(name, item) for every Parameter/Value/Module inside obj (containers unpacked)."""
    if isinstance(obj, (Tensor, Value, Module)):
        yield prefix, obj
    elif isinstance(obj, (list, tuple)):
        for i, item in enumerate(obj):
            yield from _walk(f"{prefix}.{i}", item)
    elif isinstance(obj, dict):
        for k, item in obj.items():
            yield from _walk(f"{prefix}.{k}", item)


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict(strict=False)`` skipped: keys the model has that the dict
    lacks, and keys the dict has that the model does not."""

    missing_keys: list[str]
    unexpected_keys: list[str]


def _keys_list(keys: list[str], limit: int = 8) -> str:
    shown = ", ".join(repr(k) for k in keys[:limit])
    return shown + (f" ... ({len(keys)} in all)" if len(keys) > limit else "")


class Module:
    """Base class: subclass it, set layers/parameters as attributes, write ``forward``."""

    training: bool = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        stack = _function.scope_stack
        stack.append(self)  # so graph drawings can group this module's ops in a box
        try:
            return self.forward(*args, **kwargs)
        finally:
            stack.pop()

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    # -- discovery ------------------------------------------------------------------------
    def _items(self) -> Iterator[tuple[str, Any]]:
        for name, value in vars(self).items():
            if name.startswith("_") and name != "_modules":
                continue
            yield from _walk(name, value)

    def named_children(self) -> Iterator[tuple[str, Module]]:
        for name, item in self._items():
            if isinstance(item, Module):
                yield name, item

    def children(self) -> Iterator[Module]:
        for _, m in self.named_children():
            yield m

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, m = stack.pop()
            if id(m) in seen:
                continue
            seen.add(id(m))
            yield name, m
            kids = [(f"{name}.{n}" if name else n, c) for n, c in m.named_children()]
            stack.extend(reversed(kids))

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Any]]:
        """(dotted name, parameter) pairs in definition order, each parameter once."""
        seen: set[int] = set()
        for mname, m in self.named_modules(prefix):
            for name, item in m._items():
                if isinstance(item, Module):
                    continue
                if isinstance(item, Tensor) and not isinstance(item, Parameter):
                    continue  # plain tensors are buffers/state, not parameters
                if id(item) in seen:
                    continue
                seen.add(id(item))
                yield (f"{mname}.{name}" if mname else name), item

    def parameters(self) -> list[Any]:
        return [p for _, p in self.named_parameters()]

    # -- buffers: state that is saved but not trained (e.g. BatchNorm's running mean) -------
    def register_buffer(self, name: str, tensor: Tensor | None) -> None:
        """Keep ``tensor`` as ``self.<name>``: in ``state_dict()``, not in ``parameters()``."""
        if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
            raise ValueError(f"register_buffer: {name!r} is not a valid public attribute name")
        if tensor is not None and (not isinstance(tensor, Tensor) or isinstance(tensor,
                                                                                 Parameter)):
            raise TypeError(f"register_buffer: {name!r} must be a (non-Parameter) Tensor or "
                            f"None, got {type(tensor).__name__}")
        names = self.__dict__.setdefault("_buffer_names", [])
        if name not in names:
            names.append(name)
        setattr(self, name, tensor)

    def named_buffers(self, prefix: str = "") -> Iterator[tuple[str, Tensor]]:
        for mname, m in self.named_modules(prefix):
            for name in m.__dict__.get("_buffer_names", ()):
                t = getattr(m, name)
                if t is not None:
                    yield (f"{mname}.{name}" if mname else name), t

    def buffers(self) -> list[Tensor]:
        return [b for _, b in self.named_buffers()]

    # -- state_dict ------------------------------------------------------------------------
    def _state_items(self) -> Iterator[tuple[str, Any]]:
        yield from self.named_parameters()
        yield from self.named_buffers()

    def state_dict(self) -> dict[str, Tensor]:
        """A snapshot {dotted name: Tensor} of every parameter and buffer, in definition order.

        The tensors are copies, so training on afterwards does not change the snapshot.
        Scalar (Value) parameters appear as 0-d float64 tensors.
        """
        out: dict[str, Tensor] = {}
        for name, p in self._state_items():
            if isinstance(p, Value):
                out[name] = Tensor(np.asarray(p.data, dtype=np.float64))
            else:
                out[name] = Tensor(p.data.copy())
        return out

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True
                        ) -> IncompatibleKeys:
        """Copy values from ``state_dict`` into this module's parameters and buffers, in place.

        With ``strict`` every key must match both ways. A shape mismatch is always an error.
        Nothing is changed unless every check passes.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"load_state_dict: expected a dict of name -> tensor, got "
                            f"{type(state_dict).__name__}")
        own = dict(self._state_items())
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        problems = []
        if strict and missing:
            problems.append(f"missing keys: {_keys_list(missing)}")
        if strict and unexpected:
            problems.append(f"unexpected keys: {_keys_list(unexpected)}")
        arrays: dict[str, np.ndarray] = {}
        bad_shape = []
        for k, p in own.items():
            if k not in state_dict:
                continue
            v = state_dict[k]
            arr = v.data if isinstance(v, Tensor) else np.asarray(
                v.data if isinstance(v, Value) else v)
            want = () if isinstance(p, Value) else p.shape
            if arr.shape != want:
                bad_shape.append(f"{k!r}: saved {arr.shape}, model {want}")
            arrays[k] = arr
        if bad_shape:
            problems.append("shape mismatch for " + "; ".join(bad_shape))
        if problems:
            raise ValueError(f"load_state_dict into {type(self).__name__}: "
                             + "\n  ".join(problems))
        for k, arr in arrays.items():
            p = own[k]
            if isinstance(p, Value):
                p.data = float(arr)
            else:
                p.data[...] = arr  # in place: optimizers holding p keep working
                p._bump_version()
        return IncompatibleKeys(missing, unexpected)

    def num_parameters(self) -> int:
        return sum(p.size if isinstance(p, Tensor) else 1 for p in self.parameters())

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            if isinstance(p, Value):
                p.grad = 0.0
            elif set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad = Tensor._make(p.grad.data * 0)

    def train(self, mode: bool = True) -> Module:
        for m in self.modules():
            m.training = mode
        return self

    def eval(self) -> Module:
        return self.train(False)

    # -- printing -------------------------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        kids = list(self.named_children())
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not kids:
            return head + ")"
        lines = [head]
        for name, child in kids:
            body = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        return "\n".join(lines) + "\n)"

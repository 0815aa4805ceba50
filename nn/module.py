"""Module: the base of every layer and model, for the scalar (Value) and tensor engines alike.

A Module finds its parameters by looking at its attributes, in the order they were set:
Parameters (or Values, for the scalar nets), sub-Modules, and lists/tuples/dicts of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

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

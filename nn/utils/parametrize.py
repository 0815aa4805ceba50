"""torch.nn.utils.parametrize: a module's tensor computed from others, as torch.

``register_parametrization(module, "weight", P())`` makes ``module.weight`` the output of
the Module ``P`` applied to an original tensor, kept (a Parameter, trained in its place) at
``module.parametrizations.weight.original``; with a ``right_inverse`` returning several
tensors they are ``original0``, ``original1``, ... Several parametrizations of one tensor
chain in registration order. Assigning ``module.weight = X`` stores ``right_inverse(X)``
into the originals. The module's class becomes a generated subclass named
``Parametrized<Class>`` (as torch), holding the property; ``remove_parametrizations``
undoes it all.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import autograd
from autograd import Tensor

from ..layers import ModuleDict, ModuleList
from ..module import Module, Parameter

__all__ = ["ParametrizationList", "cached", "is_parametrized", "register_parametrization",
           "remove_parametrizations", "transfer_parametrizations_and_params",
           "type_before_parametrizations"]


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor (a ModuleList) and its original(s)."""

    def __init__(self, modules: list[Module], original: Tensor, unsafe: bool = False
                 ) -> None:
        super().__init__(modules)
        self.unsafe = unsafe
        first = modules[0]
        with autograd.no_grad():
            new = first.right_inverse(original) if hasattr(first, "right_inverse") \
                else original
        self.is_tensor = isinstance(new, Tensor)
        if self.is_tensor:
            if new is not original:  # the original keeps its identity, with the new value
                _check_same(original, new, "right_inverse")
                original.data[...] = new.data
                original._bump_version()
            self._keep("original", original, original)
        else:
            if not isinstance(new, (tuple, list)) or not new:
                raise ValueError("register_parametrization: right_inverse must return a "
                                 f"Tensor or a sequence of Tensors, got {type(new).__name__}")
            self.ntensors = len(new)
            for i, t in enumerate(new):
                if not isinstance(t, Tensor):
                    raise ValueError(f"register_parametrization: right_inverse returned a "
                                     f"{type(t).__name__} at position {i}, expected Tensors")
                self._keep(f"original{i}", Tensor._make(t.data.copy()), original)
        if not unsafe:
            with autograd.no_grad():
                z = self()
            if not isinstance(z, Tensor):
                raise ValueError("register_parametrization: a parametrization must return a "
                                 f"Tensor, got {type(z).__name__}")
            if z.shape != original.shape or z.dtype != original.dtype:
                raise ValueError(f"register_parametrization: the parametrization changed the "
                                 f"tensor from shape {original.shape} ({original.dtype}) to "
                                 f"{z.shape} ({z.dtype}); pass unsafe=True to allow it")

    def _keep(self, name: str, t: Tensor, like: Tensor) -> None:
        """An original: a Parameter when the parametrized tensor was one, else a buffer."""
        if isinstance(like, Parameter):
            p = t if isinstance(t, Parameter) else Parameter(t.data,
                                                             requires_grad=like.requires_grad)
            object.__setattr__(self, name, p)
        else:
            self.register_buffer(name, t.detach() if t.requires_grad else t)

    def originals(self) -> list[Tensor]:
        if self.is_tensor:
            return [self.original]
        return [getattr(self, f"original{i}") for i in range(self.ntensors)]

    def right_inverse(self, value: Tensor) -> None:
        """Store ``value`` into the originals: through every right_inverse, last first."""
        with autograd.no_grad():
            for m in reversed(list(self)):
                if not hasattr(m, "right_inverse"):
                    raise RuntimeError(f"parametrization {type(m).__name__} does not "
                                       "implement right_inverse (needed to assign the "
                                       "parametrized tensor)")
                value = m.right_inverse(value)
            news = [value] if self.is_tensor else list(value)
            if len(news) != len(self.originals()):
                raise ValueError(f"right_inverse returned {len(news)} tensors, expected "
                                 f"{len(self.originals())}")
            for o, n in zip(self.originals(), news):
                _check_same(o, n, "right_inverse")
                o.data[...] = n.data if isinstance(n, Tensor) else n
                o._bump_version()

    def forward(self) -> Tensor:  # type: ignore[override]
        mods = list(self)
        x = mods[0](*self.originals())
        for m in mods[1:]:
            x = m(x)
        return x


def _check_same(old: Tensor, new: Any, who: str) -> None:
    shape = getattr(new, "shape", None)
    if shape != old.shape:
        raise ValueError(f"{who}: expected a tensor of shape {old.shape}, got {shape}")


def _property(name: str) -> property:
    def get(self: Module) -> Tensor:
        return self.parametrizations[name]()

    def set_(self: Module, value: Any) -> None:
        self.parametrizations[name].right_inverse(value)
    return property(get, set_)


def register_parametrization(module: Module, tensor_name: str, parametrization: Module, *,
                             unsafe: bool = False) -> Module:
    """Parametrize ``module.<tensor_name>`` (a parameter or buffer) by the Module
    ``parametrization``; returns the module."""
    if not isinstance(module, Module):
        raise TypeError(f"register_parametrization: expected an nn.Module, got "
                        f"{type(module).__name__}")
    if not isinstance(parametrization, Module):
        raise TypeError(f"register_parametrization: the parametrization must be an "
                        f"nn.Module, got {type(parametrization).__name__}")
    if is_parametrized(module, tensor_name):
        plist = module.parametrizations[tensor_name]
        if not unsafe:
            with autograd.no_grad():
                y = getattr(module, tensor_name)
                z = parametrization(y)
            if not isinstance(z, Tensor) or z.shape != y.shape or z.dtype != y.dtype:
                raise ValueError("register_parametrization: the new parametrization changes "
                                 "the tensor's shape or dtype; pass unsafe=True to allow it")
        plist.append(parametrization)
        plist.unsafe = plist.unsafe or unsafe
        return module
    original = module.__dict__.get(tensor_name)
    if not isinstance(original, Tensor):
        raise ValueError(f"register_parametrization: {type(module).__name__} has no parameter "
                         f"or buffer named {tensor_name!r}")
    plist = ParametrizationList([parametrization], original, unsafe=unsafe)
    was_buffer = tensor_name in module.__dict__.get("_buffer_names", ())
    del module.__dict__[tensor_name]
    if was_buffer:
        module.__dict__["_buffer_names"].remove(tensor_name)
        module.__dict__.get("_non_persistent", set()).discard(tensor_name)
    if not is_parametrized(module):
        cls = type(module)
        sub = type(f"Parametrized{cls.__name__}", (cls,), {"_unparametrized_class": cls})
        object.__setattr__(module, "__class__", sub)
        object.__setattr__(module, "parametrizations", ModuleDict())
    module.parametrizations[tensor_name] = plist
    setattr(type(module), tensor_name, _property(tensor_name))
    return module


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    """Whether ``module`` (or its ``tensor_name``) has a parametrization."""
    plists = module.__dict__.get("parametrizations")
    if not isinstance(plists, ModuleDict) or "_unparametrized_class" not in vars(type(module)):
        return False
    return len(plists) > 0 if tensor_name is None else tensor_name in plists


def type_before_parametrizations(module: Module) -> type:
    """The module's class before any parametrization was registered."""
    return vars(type(module)).get("_unparametrized_class", type(module))


def remove_parametrizations(module: Module, tensor_name: str,
                            leave_parametrized: bool = True) -> Module:
    """Undo the parametrizations of ``module.<tensor_name>``: it becomes a plain parameter
    (or buffer) again, holding its current parametrized value (``leave_parametrized``) or
    the original."""
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"remove_parametrizations: {type(module).__name__} has no "
                         f"parametrization on {tensor_name!r}")
    plist = module.parametrizations[tensor_name]
    originals = plist.originals()
    if plist.is_tensor:
        kept = originals[0]
        if leave_parametrized:
            with autograd.no_grad():
                t = getattr(module, tensor_name)
            if t.shape != kept.shape:
                kept = type(kept)(t.data.copy()) if isinstance(kept, Parameter) else \
                    Tensor(t.data.copy())
            else:
                kept.data[...] = t.data
                kept._bump_version()
    else:
        if not leave_parametrized:
            raise ValueError("remove_parametrizations: cannot leave unparametrized "
                             "(leave_parametrized=False) a tensor parametrized in terms of a "
                             "sequence of tensors")
        with autograd.no_grad():
            t = getattr(module, tensor_name)
        like = originals[0]
        kept = Parameter(t.data.copy(), requires_grad=like.requires_grad) if isinstance(
            like, Parameter) else Tensor(t.data.copy())
    delattr(type(module), tensor_name)
    del module.parametrizations[tensor_name]
    if isinstance(kept, Parameter):
        object.__setattr__(module, tensor_name, kept)
    else:
        module.register_buffer(tensor_name, kept)
    if not len(module.parametrizations):
        object.__delattr__(module, "parametrizations")
        object.__setattr__(module, "__class__", type_before_parametrizations(module))
    return module


def transfer_parametrizations_and_params(from_module: Module, to_module: Module,
                                         tensor_name: str | None = None) -> Module:
    """Register ``from_module``'s parametrizations (all, or ``tensor_name``'s) on
    ``to_module``, copying the originals."""
    if not is_parametrized(from_module):
        return to_module
    names = [tensor_name] if tensor_name is not None else list(from_module.parametrizations)
    for name in names:
        src = from_module.parametrizations[name]
        if not hasattr(to_module, name) or is_parametrized(to_module, name):
            raise ValueError(f"transfer_parametrizations_and_params: {name!r} must be an "
                             "unparametrized tensor of to_module")
        for m in src:
            register_parametrization(to_module, name, m, unsafe=True)
        dst = to_module.parametrizations[name]
        with autograd.no_grad():
            for o, n in zip(dst.originals(), src.originals()):
                o.data = n.data.copy()
                o._bump_version()
    return to_module


@contextlib.contextmanager
def cached() -> Iterator[None]:
    """torch's cache of parametrized tensors inside the block: accepted; each access still
    recomputes (the same values, without the memory saving)."""
    yield

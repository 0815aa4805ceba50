"""Module: the base of every layer and model, for the scalar (Value) and tensor engines alike.

A Module finds its parameters by looking at its attributes, in the order they were set:
Parameters (or Values, for the scalar nets), sub-Modules, and lists/tuples/dicts of them.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from autograd import Tensor, Value, is_grad_enabled
from autograd import function as _function
from autograd._grads import zero_grads
from autograd.function import RemovableHandle


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


class StateDictError(RuntimeError, ValueError):
    """``load_state_dict``'s error: a RuntimeError as torch's (also a ValueError, what it
    was here before)."""


class _NameError(KeyError, ValueError):
    """A bad name to register: a KeyError as torch's (also a ValueError, what it was here
    before)."""

    def __str__(self) -> str:  # KeyError quotes its message; show it plain
        return str(self.args[0]) if self.args else ""


class _ExtraState:
    """A module's ``get_extra_state()`` slot in the state_dict walk."""

    __slots__ = ("module",)

    def __init__(self, module: Module) -> None:
        self.module = module


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict(strict=False)`` skipped: keys the model has that the dict
    lacks, and keys the dict has that the model does not."""

    missing_keys: list[str]
    unexpected_keys: list[str]

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"  # torch's wording
        return (f"IncompatibleKeys(missing_keys={self.missing_keys!r}, "
                f"unexpected_keys={self.unexpected_keys!r})")


def _keys_list(keys: list[str], limit: int = 8) -> str:
    shown = ", ".join(repr(k) for k in keys[:limit])
    return shown + (f" ... ({len(keys)} in all)" if len(keys) > limit else "")


class ParameterSeq(list):
    """What ``Module.parameters()`` returns: a list that ``next()`` also walks, as torch's
    generator (the list's own iteration is unaffected)."""

    _next = 0

    def __next__(self) -> Any:
        i = self._next
        if i >= len(self):
            raise StopIteration
        self._next = i + 1
        return self[i]


class _BackwardCall:
    """One call of a module with backward hooks: its Tensor inputs and outputs pass through
    views whose gradient hooks collect grad_output (running the pre-hooks) and grad_input
    (running the full hooks once every input's gradient has arrived)."""

    def __init__(self, module: Module) -> None:
        self.module = module
        self.grad_inputs: list[Any] = []
        self.grad_outputs: list[Any] = []
        self.pending = 0

    def wrap_inputs(self, args: tuple) -> tuple:
        out = []
        self.grad_inputs = [None] * len(args)
        for i, a in enumerate(args):
            if isinstance(a, Tensor) and a.requires_grad:
                a = a.view_as(a)
                a.register_hook(self._input_hook(i))
                self.pending += 1
            out.append(a)
        return tuple(out)

    def wrap_outputs(self, out: Any) -> Any:
        single = not isinstance(out, tuple)
        outs = (out,) if single else out
        self.grad_outputs = [None] * len(outs)
        wrapped = []
        for j, o in enumerate(outs):
            if isinstance(o, Tensor) and o.requires_grad:
                o = o.view_as(o)
                o.register_hook(self._output_hook(j))
            wrapped.append(o)
        return wrapped[0] if single else tuple(wrapped)

    def _output_hook(self, j: int) -> Callable:
        def hook(g: Tensor) -> Any:
            self.grad_outputs[j] = g
            m = self.module
            for fn, _ in list((m._backward_pre_hooks or {}).values()):
                res = fn(m, tuple(self.grad_outputs))
                if res is not None:
                    self.grad_outputs = list(res if isinstance(res, tuple) else (res,))
            g = self.grad_outputs[j]
            if self.pending == 0:  # no input needs a gradient: the hooks run now
                self._run_full()
            return g
        return hook

    def _input_hook(self, i: int) -> Callable:
        def hook(g: Tensor) -> Any:
            self.grad_inputs[i] = g
            self.pending -= 1
            if self.pending == 0:
                self._run_full()
            return self.grad_inputs[i]
        return hook

    def _run_full(self) -> None:
        m = self.module
        for fn, _ in list((m._backward_hooks or {}).values()):
            res = fn(m, tuple(self.grad_inputs), tuple(self.grad_outputs))
            if res is not None:
                res = res if isinstance(res, tuple) else (res,)
                if len(res) != len(self.grad_inputs):
                    raise RuntimeError(f"backward hook returned {len(res)} gradient(s) but "
                                       f"the module has {len(self.grad_inputs)} input(s)")
                self.grad_inputs = list(res)


class Module:
    """Base class: subclass it, set layers/parameters as attributes, write ``forward``."""

    training: bool = True
    # hooks {handle id: (hook, with_kwargs)}; class-level None until one is registered, so
    # a call without hooks costs one attribute read each
    _forward_pre_hooks: dict[int, Any] | None = None
    _forward_hooks: dict[int, Any] | None = None
    _backward_pre_hooks: dict[int, Any] | None = None
    _backward_hooks: dict[int, Any] | None = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        stack = _function.scope_stack
        stack.append(self)  # so graph drawings can group this module's ops in a box
        try:
            if self._forward_pre_hooks:
                for hook, with_kwargs in list(self._forward_pre_hooks.values()):
                    if with_kwargs:
                        res = hook(self, args, kwargs)
                        if res is not None:
                            if not (isinstance(res, tuple) and len(res) == 2):
                                raise RuntimeError("forward pre-hook with with_kwargs=True "
                                                   "must return None or a tuple (args, "
                                                   f"kwargs), got {type(res).__name__}")
                            args, kwargs = res
                    else:
                        res = hook(self, args)
                        if res is not None:
                            args = res if isinstance(res, tuple) else (res,)
            call = None
            if (self._backward_hooks or self._backward_pre_hooks) and is_grad_enabled():
                call = _BackwardCall(self)
                args = call.wrap_inputs(args)
            out = self.forward(*args, **kwargs)
            if self._forward_hooks:
                for hook, with_kwargs in list(self._forward_hooks.values()):
                    res = (hook(self, args, kwargs, out) if with_kwargs
                           else hook(self, args, out))
                    if res is not None:
                        out = res
            if call is not None:  # after the forward hooks, as torch
                out = call.wrap_outputs(out)
            return out
        finally:
            stack.pop()

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __setattr__(self, name: str, value: Any) -> None:
        """As torch: a parameter's name takes only a Parameter or None (a plain Tensor set
        there would silently drop out of ``parameters()``), a buffer's only a Tensor or
        None; a Parameter set under a buffer's name becomes a parameter."""
        d = self.__dict__
        old = d.get(name)
        if isinstance(old, Parameter) and value is not None and not isinstance(value,
                                                                               Parameter):
            raise TypeError(f"cannot assign {type(value).__name__!r} as parameter {name!r} "
                            "(nn.Parameter or None expected)")
        names = d.get("_buffer_names")
        if names and name in names:
            if isinstance(value, Parameter):
                names.remove(name)
                d.get("_non_persistent", set()).discard(name)
            elif value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign {type(value).__name__!r} as buffer {name!r} "
                                "(Tensor or None expected)")
        object.__setattr__(self, name, value)

    # -- hooks ----------------------------------------------------------------------------
    def _add_hook(self, attr: str, hook: Callable, prepend: bool, with_kwargs: bool
                  ) -> RemovableHandle:
        if not callable(hook):
            raise TypeError(f"register{attr[:-1]}: the hook must be callable, got "
                            f"{type(hook).__name__}")
        hooks = self.__dict__.get(attr)
        if hooks is None:
            hooks = {}
            object.__setattr__(self, attr, hooks)
        handle = RemovableHandle(hooks)
        hooks[handle.id] = (hook, with_kwargs)
        if prepend:
            for k in [k for k in hooks if k != handle.id]:
                hooks[k] = hooks.pop(k)
        return handle

    def register_forward_pre_hook(self, hook: Callable, *, prepend: bool = False,
                                  with_kwargs: bool = False) -> RemovableHandle:
        """``hook(module, args)`` runs before forward; a non-None result replaces the
        positional arguments (a non-tuple is wrapped into a 1-tuple), as torch."""
        return self._add_hook("_forward_pre_hooks", hook, prepend, with_kwargs)

    def register_full_backward_hook(self, hook: Callable, prepend: bool = False
                                    ) -> RemovableHandle:
        """``hook(module, grad_input, grad_output)`` runs once the gradients with respect to
        the module's positional Tensor inputs are computed (None for inputs that need no
        gradient); a non-None result (a tuple) replaces grad_input, as torch. With several
        inputs a replacement reaches the last input's gradient only."""
        return self._add_hook("_backward_hooks", hook, prepend, False)

    register_backward_hook = register_full_backward_hook  # torch's older spelling

    def register_full_backward_pre_hook(self, hook: Callable, prepend: bool = False
                                        ) -> RemovableHandle:
        """``hook(module, grad_output)`` runs when the gradients with respect to the
        module's outputs are computed; a non-None result replaces grad_output."""
        return self._add_hook("_backward_pre_hooks", hook, prepend, False)

    def register_forward_hook(self, hook: Callable, *, prepend: bool = False,
                              with_kwargs: bool = False) -> RemovableHandle:
        """``hook(module, args, output)`` runs after forward; a non-None result replaces
        the output, as torch."""
        return self._add_hook("_forward_hooks", hook, prepend, with_kwargs)

    # -- discovery ------------------------------------------------------------------------
    def _items(self) -> Iterator[tuple[str, Any]]:
        for name, value in vars(self).items():
            if name.startswith("_"):
                continue
            yield from _walk(name, value)
        held = self.__dict__.get("_modules")  # containers (Sequential, ModuleList, ...)
        if held:
            for name, m in held.items():
                yield from _walk(name, m)

    def _child_items(self) -> list[tuple[str, Module]]:
        """Every (name, direct sub-module) pair, a module held twice listed twice."""
        return [(name, item) for name, item in self._items() if isinstance(item, Module)]

    def named_children(self) -> Iterator[tuple[str, Module]]:
        seen: set[int] = set()
        for name, item in self._child_items():
            if id(item) not in seen:
                seen.add(id(item))
                yield name, item

    def children(self) -> Iterator[Module]:
        for _, m in self.named_children():
            yield m

    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """(dotted name, module) for this module and every descendant, depth first, each
        module once (torch's order and signature)."""
        if isinstance(memo, str):  # named_modules("prefix"), the old positional spelling
            memo, prefix = None, memo
        seen: set[int] = set() if memo is None else memo
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, m = stack.pop()
            if remove_duplicate:
                if id(m) in seen:
                    continue
                seen.add(id(m))
            yield name, m
            kids = [(f"{name}.{n}" if name else n, c) for n, c in m._child_items()]
            stack.extend(reversed(kids))

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Any]]:
        """(dotted name, parameter) pairs in definition order, each parameter once (under
        every name it is held by with ``remove_duplicate=False``, as torch)."""
        seen: set[int] = set()
        mods = (self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
                if recurse else [(prefix, self)])
        for mname, m in mods:
            for name, item in m._items():
                if isinstance(item, Module):
                    continue
                if isinstance(item, Tensor) and not isinstance(item, Parameter):
                    continue  # plain tensors are buffers/state, not parameters
                if remove_duplicate:
                    if id(item) in seen:
                        continue
                    seen.add(id(item))
                yield (f"{mname}.{name}" if mname else name), item

    def parameters(self, recurse: bool = True) -> ParameterSeq:
        """Every parameter once, in definition order: a list (``len()`` and indexing work)
        that is also an iterator like torch's (``next(model.parameters())``)."""
        return ParameterSeq(p for _, p in self.named_parameters(recurse=recurse))

    # -- registering by name (torch's spellings of ``self.name = ...``) ---------------------
    def add_module(self, name: str, module: Module | None) -> None:
        """Set ``self.<name> = module`` (a container keeps it among its modules)."""
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"add_module: module name must be a non-empty string without "
                           f"dots, got {name!r}")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {type(module).__name__} is not a Module subclass")
        held = self.__dict__.get("_modules")
        if not (isinstance(held, dict) and name in held) and hasattr(self, name) and \
                not isinstance(getattr(self, name), (Module, type(None))):
            raise _NameError(f"add_module: attribute {name!r} already exists (and is not a "
                             "module)")
        if isinstance(held, dict):
            held[name] = module
        else:
            setattr(self, name, module)

    register_module = add_module

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        if not isinstance(name, str) or not name.isidentifier():
            raise KeyError(f"register_parameter: {name!r} is not a valid attribute name")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: cannot assign {type(param).__name__} as "
                            f"parameter {name!r} (nn.Parameter or None expected)")
        if hasattr(self, name) and not isinstance(getattr(self, name), (Parameter,
                                                                          type(None))):
            raise _NameError(f"register_parameter: attribute {name!r} already exists (and is "
                             "not a parameter)")
        setattr(self, name, param)

    def get_submodule(self, target: str) -> Module:
        """The sub-module at dotted path ``target`` ("" is self), as torch."""
        if target == "":
            return self
        mods = dict(self.named_modules())
        if target not in mods:
            raise AttributeError(f"get_submodule: {type(self).__name__} has no submodule "
                                 f"{target!r}")
        return mods[target]

    def get_parameter(self, target: str) -> Any:
        params = dict(self.named_parameters())
        if target not in params:
            raise AttributeError(f"get_parameter: {type(self).__name__} has no parameter "
                                 f"{target!r}")
        return params[target]

    def get_buffer(self, target: str) -> Tensor:
        buffers = dict(self.named_buffers())
        if target not in buffers:
            raise AttributeError(f"get_buffer: {type(self).__name__} has no buffer "
                                 f"{target!r}")
        return buffers[target]

    # -- buffers: state that is saved but not trained (e.g. BatchNorm's running mean) -------
    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True
                        ) -> None:
        """Keep ``tensor`` as ``self.<name>``: not in ``parameters()``, in ``state_dict()``
        unless ``persistent=False`` (as torch)."""
        if not isinstance(name, str):
            raise TypeError(f"register_buffer: buffer name should be a string, got "
                            f"{type(name).__name__}")
        if not name.isidentifier() or name.startswith("_"):
            raise _NameError(f"register_buffer: {name!r} is not a valid public attribute name"
                             " (no dots, not empty, not starting with '_')")
        if hasattr(self, name) and name not in self.__dict__.get("_buffer_names", ()):
            raise _NameError(f"register_buffer: attribute {name!r} already exists (a buffer "
                             "cannot replace a parameter, module or other attribute)")
        if tensor is not None and (not isinstance(tensor, Tensor) or isinstance(tensor,
                                                                                 Parameter)):
            raise TypeError(f"register_buffer: {name!r} must be a (non-Parameter) Tensor or "
                            f"None, got {type(tensor).__name__}")
        names = self.__dict__.setdefault("_buffer_names", [])
        if name not in names:
            names.append(name)
        transient = self.__dict__.setdefault("_non_persistent", set())
        if persistent:
            transient.discard(name)
        else:
            transient.add(name)
        setattr(self, name, tensor)

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        """(dotted name, buffer) pairs, non-persistent ones included, as torch."""
        seen: set[int] = set()
        mods = (self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
                if recurse else [(prefix, self)])
        for mname, m in mods:
            for name in m.__dict__.get("_buffer_names", ()):
                t = getattr(m, name)
                if t is not None:
                    if remove_duplicate:
                        if id(t) in seen:
                            continue
                        seen.add(id(t))
                    yield (f"{mname}.{name}" if mname else name), t

    def buffers(self, recurse: bool = True) -> list[Tensor]:
        return [b for _, b in self.named_buffers(recurse=recurse)]

    # -- state_dict ------------------------------------------------------------------------
    def _state_items(self, prefix: str = "") -> Iterator[tuple[str, Any]]:
        """torch's state_dict walk: this module's own parameters, then its persistent
        buffers, then each child's (a module or parameter held under two names appears
        under both, as torch)."""
        for name, item in self._items():
            if isinstance(item, Module) or (isinstance(item, Tensor)
                                            and not isinstance(item, Parameter)):
                continue
            yield prefix + name, item
        skip = self.__dict__.get("_non_persistent", ())
        for name in self.__dict__.get("_buffer_names", ()):
            t = getattr(self, name)
            if t is not None and name not in skip:
                yield prefix + name, t
        if type(self).get_extra_state is not Module.get_extra_state:
            yield prefix + "_extra_state", _ExtraState(self)
        for name, child in self._child_items():
            yield from child._state_items(f"{prefix}{name}.")

    def get_extra_state(self) -> Any:
        """Override (with ``set_extra_state``) to save non-tensor state: what it returns is
        kept in ``state_dict()`` under ``"<prefix>_extra_state"``, as torch."""
        raise RuntimeError("get_extra_state: this module defines no extra state (override "
                           "get_extra_state and set_extra_state to have some)")

    def set_extra_state(self, state: Any) -> None:
        """Called by ``load_state_dict`` with what ``get_extra_state`` returned."""
        raise RuntimeError(f"set_extra_state: {type(self).__name__} returned extra state "
                           "from get_extra_state but does not define set_extra_state")

    def state_dict(self, *args: Any, destination: Any = None, prefix: str = "",
                   keep_vars: bool = False) -> OrderedDict[str, Tensor]:
        """{dotted name: tensor} of every parameter and persistent buffer, in torch's order.

        As torch, the tensors share memory with the parameters (detached; ``keep_vars=True``
        gives the parameters themselves): training on changes them, so snapshot with
        ``copy.deepcopy(model.state_dict())``. Scalar (Value) parameters appear as 0-d
        float64 tensors. ``destination`` (a dict to fill) and ``prefix`` as torch.
        """
        if args:  # torch's old positional order (destination, prefix, keep_vars)
            destination = args[0]
            prefix = args[1] if len(args) > 1 else prefix
            keep_vars = args[2] if len(args) > 2 else keep_vars
        out: OrderedDict[str, Tensor] = OrderedDict() if destination is None else destination
        for name, p in self._state_items(prefix):
            if isinstance(p, _ExtraState):
                out[name] = p.module.get_extra_state()
            elif isinstance(p, Value):
                out[name] = Tensor(np.asarray(p.data, dtype=np.float64))
            else:
                out[name] = p if keep_vars else p.detach()
        return out

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True,
                        assign: bool = False) -> IncompatibleKeys:
        """Copy values from ``state_dict`` into this module's parameters and buffers, in place.

        With ``strict`` every key must match both ways. A shape mismatch is always an error.
        Nothing is changed unless every check passes. ``assign=True`` (torch's) makes each
        parameter and buffer take the state dict's array itself (its memory and dtype; the
        Parameter objects, and so their ``requires_grad``, stay the same).
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"load_state_dict: expected a dict of name -> tensor, got "
                            f"{type(state_dict).__name__}")
        own = dict(self._state_items())
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        problems = []
        if strict and missing:
            problems.append(f"Missing key(s) in state_dict: {_keys_list(missing)}")
        if strict and unexpected:
            problems.append(f"Unexpected key(s) in state_dict: {_keys_list(unexpected)}")
        arrays: dict[str, np.ndarray] = {}
        bad_shape = []
        for k, p in own.items():
            if k not in state_dict:
                continue
            v = state_dict[k]
            if isinstance(p, _ExtraState):
                continue
            arr = v.data if isinstance(v, Tensor) else np.asarray(
                v.data if isinstance(v, Value) else v)
            want = () if isinstance(p, Value) else p.shape
            if arr.shape != want:
                bad_shape.append(f"size mismatch for {k!r}: copying a param with shape "
                                 f"{arr.shape} from checkpoint, the shape in current model is "
                                 f"{want}")
            arrays[k] = arr
        problems += bad_shape
        if problems:
            raise StateDictError(f"Error(s) in loading state_dict for {type(self).__name__}:\n  "
                               + "\n  ".join(problems))
        for k, p in own.items():
            if isinstance(p, _ExtraState) and k in state_dict:
                p.module.set_extra_state(state_dict[k])
        for k, arr in arrays.items():
            p = own[k]
            if isinstance(p, Value):
                p.data = float(arr)
            elif assign and (arr.dtype in (np.float32, np.float64) if p.data.dtype.kind == "f"
                             else arr.dtype.kind in "biu"):
                p.data = np.ascontiguousarray(arr)  # the state dict's memory and dtype
                p._bump_version()
            else:
                p.data[...] = arr  # in place: optimizers holding p keep working
                p._bump_version()
        return IncompatibleKeys(missing, unexpected)

    def num_parameters(self) -> int:
        return sum(p.size if isinstance(p, Tensor) else 1 for p in self.parameters())

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients of every parameter as torch (None, or zeroed in place with
        ``set_to_none=False``); the same rule as ``Optimizer.zero_grad``."""
        zero_grads(self.parameters(), set_to_none)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Switch gradient recording of every parameter on or off (e.g. to freeze layers)."""
        for p in self.parameters():
            if isinstance(p, Tensor):
                p.requires_grad_(requires_grad)
        return self

    def train(self, mode: bool = True) -> Module:
        if not isinstance(mode, bool):
            raise ValueError(f"train: mode is expected to be a bool, got {mode!r}")
        for m in self.modules():
            m.training = mode
        return self

    def eval(self) -> Module:
        return self.train(False)

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every submodule (children first) and then on self; returns self
        (e.g. ``model.apply(init_weights)``)."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # -- dtype ------------------------------------------------------------------------------
    def _cast_floats(self, dtype: np.dtype) -> Module:
        """Convert every floating parameter and buffer (and its grad) to dtype, in place:
        the Parameter objects stay the same, so optimizers holding them keep working."""
        done: set[int] = set()
        for m in self.modules():
            tensors = [t for _, t in m._items() if isinstance(t, Tensor)]
            tensors += [getattr(m, n) for n in m.__dict__.get("_buffer_names", ())]
            for t in tensors:
                if t is None or id(t) in done or t.data.dtype.kind != "f":
                    continue
                done.add(id(t))
                if t.data.dtype != dtype:
                    t.data = t.data.astype(dtype)
                    t._bump_version()
                if t.grad is not None and t.grad.data.dtype != dtype:
                    t.grad = Tensor._make(t.grad.data.astype(dtype))
        return self

    def double(self) -> Module:
        return self._cast_floats(np.dtype(np.float64))

    def float(self) -> Module:
        return self._cast_floats(np.dtype(np.float32))

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(tensor)`` or keywords
        ``dtype=``/``device=``: floating parameters and buffers take the dtype; the only
        device is the CPU."""
        dtype = kwargs.pop("dtype", None)
        device = kwargs.pop("device", None)
        kwargs.pop("non_blocking", None)
        if kwargs:
            raise TypeError(f"to: unexpected keyword argument(s) {sorted(kwargs)}")
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif isinstance(a, str) and not _is_dtype_name(a):
                device = a
            else:
                dtype = a
        if device is not None and str(device).split(":")[0] != "cpu":
            raise RuntimeError(f"to: device {device!r} is not available; numbagrad runs on "
                               "the CPU only ('cpu')")
        if dtype is None:
            return self
        try:
            dt = np.dtype(dtype)
        except TypeError:
            raise TypeError(f"to: {dtype!r} is not a dtype (expected e.g. np.float64, "
                            "'float32')") from None
        if dt.kind != "f":
            raise TypeError(f"to: nn.Module.to only accepts floating point dtypes, got {dt}")
        if dt not in (np.float32, np.float64):
            raise TypeError(f"to: {dt} is not supported (numbagrad computes in float32 or "
                            "float64; use .float() or .double())")
        return self._cast_floats(dt)

    def half(self) -> Module:
        """torch's ``half()``: not available, float16 is not supported here."""
        raise TypeError("half: float16 is not supported (numbagrad computes in float32 or "
                        "float64; use .float())")

    def bfloat16(self) -> Module:
        raise TypeError("bfloat16: bfloat16 is not supported (numbagrad computes in float32 "
                        "or float64; use .float())")

    def cpu(self) -> Module:
        return self

    def cuda(self, device: Any = None) -> Module:
        """torch's ``cuda()``: there is no GPU here, so a clear error."""
        raise RuntimeError("cuda: numbagrad runs on the CPU only; there is no CUDA device "
                           "(drop .cuda(), or use .to('cpu'))")

    def type(self, dst_type: Any) -> Module:
        """torch's ``type(dtype)``: every floating parameter and buffer cast to dst_type."""
        return self.to(dst_type)

    # -- printing -------------------------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        """torch's layout: extra_repr on the first line (alone when there are no children),
        then one ``(name): child`` line per child, indented."""
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): " + repr(child).replace("\n", "\n  ")
                       for name, child in self._child_items()]
        lines = extra_lines + child_lines
        head = f"{type(self).__name__}("
        if not lines:
            return head + ")"
        if len(extra_lines) == 1 and not child_lines:
            return head + extra_lines[0] + ")"
        return head + "\n  " + "\n  ".join(lines) + "\n)"


def _is_dtype_name(s: str) -> bool:
    try:
        return np.dtype(s).kind in "fiub"
    except TypeError:
        return False


class Container(Module):
    """Base of the containers (Sequential, ModuleList, ModuleDict): sub-modules held in an
    ordered dict ``_modules`` by name; ``container.name`` reads one."""

    def __init__(self) -> None:
        self._modules: OrderedDict[str, Module] = OrderedDict()

    def __getattr__(self, name: str) -> Any:  # only called when normal lookup fails
        held = self.__dict__.get("_modules")
        if held is not None and name in held:
            return held[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        """As torch: a Module set as an attribute joins the container's modules (replacing
        the one of that name in place: ``seq.fc = nn.Linear(...)`` changes what forward
        runs); a held module's name takes only a Module or None."""
        held = self.__dict__.get("_modules")
        if held is not None and not name.startswith("_") and name not in self.__dict__ and (
                isinstance(value, Module) or name in held):
            old = held.get(name)
            if isinstance(old, Module) and value is not None and not isinstance(value,
                                                                                Module):
                raise TypeError(f"cannot assign {type(value).__name__!r} as child module "
                                f"{name!r} (nn.Module or None expected)")
            held[name] = value
            return
        super().__setattr__(name, value)

    def __delattr__(self, name: str) -> None:
        held = self.__dict__.get("_modules")
        if held is not None and name not in self.__dict__ and name in held:
            del held[name]
            return
        object.__delattr__(self, name)

    def _add(self, name: Any, module: Any, who: str) -> None:
        if not isinstance(module, Module):
            raise TypeError(f"{who}: {name!r} is a {type(module).__name__}, not a Module")
        self._modules[str(name)] = module

    def __len__(self) -> int:
        return len(self._modules)

    def _index(self, idx: Any, who: str) -> int:
        if isinstance(idx, bool) or not isinstance(idx, (int, np.integer)):
            raise TypeError(f"{who}: indices must be integers or slices, got "
                            f"{type(idx).__name__}")
        n = len(self._modules)
        if not -n <= idx < n:
            raise IndexError(f"{who}: index {idx} is out of range for {n} modules")
        return int(idx) % n

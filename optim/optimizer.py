"""Optimizer: the base class holding parameter groups, per-parameter state and state_dict.

A subclass writes its rule once: ``_rule(p, g, state, group)`` on numbers and arrays, or
``_update_tensor`` when a fused kernel does it. Tensor parameters are updated in place
(``p.data`` keeps its identity, so anything holding the parameter sees the change) with
their ``_version`` bumped; a scalar ``Value`` goes through the same code as a 0-d array.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Iterable, Iterator
from numbers import Real
from typing import Any

import numpy as np

from autograd import Tensor, Value, enable_grad
from autograd import function as _function
from autograd._grads import zero_grads
from autograd.function import RemovableHandle

__all__ = ["Optimizer"]


def torch_flags(maximize: bool = False, foreach: bool | None = None, capturable: bool = False,
                differentiable: bool = False, fused: bool | None = None) -> dict[str, Any]:
    """The keyword options every torch.optim optimizer takes, for its defaults: ``maximize``
    (ascend: the gradient's sign is flipped) is honoured; ``foreach``, ``capturable``,
    ``differentiable`` and ``fused`` choose torch's implementation and are recorded only
    (there is one implementation here)."""
    return dict(maximize=bool(maximize), foreach=foreach, capturable=capturable,
                differentiable=differentiable, fused=fused)


def _check_param(p: Any, who: str) -> None:
    if isinstance(p, Value):
        return
    if not isinstance(p, Tensor):
        raise TypeError(f"{who}: parameters must be Tensors or Values, got "
                        f"{type(p).__name__}")
    if not p.requires_grad:
        raise ValueError(f"{who}: a parameter of shape {p.shape} does not require grad")
    if not p.is_leaf:
        raise ValueError(f"{who}: a parameter of shape {p.shape} is not a leaf tensor (it was "
                         "computed from others); optimize the leaves")


class ParamState(dict):
    """``optimizer.state``: per-parameter state dicts keyed by ``id(param)``. Indexing it by
    the parameter itself works too, as torch's ``optimizer.state[p]`` (a defaultdict: {} for
    a parameter without state yet); ``p in optimizer.state`` likewise."""

    # (the optimizers' own loop uses get/setitem with ids, which stay dict's C methods);
    # iterating names the parameters themselves, as torch's (keys(), items(), for p in ...)
    _owner: Any = None  # the Optimizer whose param_groups name the ids

    def _by_id(self) -> dict[int, Any]:
        owner = self._owner
        if owner is None:
            return {}
        return {id(p): p for g in owner.param_groups for p in g["params"]}

    def keys(self) -> list[Any]:  # type: ignore[override]
        names = self._by_id()
        return [names.get(k, k) for k in dict.keys(self)]

    def items(self) -> list[tuple[Any, dict[str, Any]]]:  # type: ignore[override]
        names = self._by_id()
        return [(names.get(k, k), v) for k, v in dict.items(self)]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.keys())

    def __getitem__(self, key: Any) -> dict[str, Any]:
        if isinstance(key, (Tensor, Value)):
            return self.setdefault(id(key), {})
        return dict.__getitem__(self, key)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, (Tensor, Value)):
            key = id(key)
        return dict.__contains__(self, key)


def _register(hooks: dict[int, Any], hook: Callable[..., Any]) -> RemovableHandle:
    """Put a step hook in its table; the handle's ``remove()`` takes it off again."""
    if not callable(hook):
        raise TypeError(f"the hook must be callable, got {type(hook).__name__}")
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    return handle


def _with_step_hooks(step: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(step)
    def wrapped(self: Any, *args: Any, **kwargs: Any) -> Any:
        self._opt_called = True  # for the schedulers' step-order warning, as torch
        d = self.__dict__
        pre, post = d.get("_step_pre_hooks"), d.get("_step_post_hooks")
        if not pre and not post:
            return step(self, *args, **kwargs)
        full = (self, *args)  # as torch, the hooks' args start with the optimizer
        for hook in list((pre or {}).values()):
            res = hook(self, full, kwargs)
            if res is not None:
                if not (isinstance(res, tuple) and len(res) == 2):
                    raise RuntimeError("a step pre-hook must return None or a tuple "
                                       f"(args, kwargs), got {type(res).__name__}")
                full, kwargs = res
        out = step(*full, **kwargs)
        for hook in list((post or {}).values()):
            hook(self, full, kwargs)
        return out
    wrapped._with_hooks = True  # type: ignore[attr-defined]
    return wrapped


class Optimizer:
    """Base class. ``params`` is an iterable of parameters or of dicts (parameter groups)
    ``{"params": [...], "lr": ...}`` whose keys override the defaults for that group."""

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        who = type(self).__name__
        if isinstance(params, (Tensor, Value)):
            raise TypeError(f"{who}: params must be an iterable of parameters (e.g. "
                            "model.parameters()), got a single " + type(params).__name__)
        if callable(getattr(params, "parameters", None)):  # a Module (optim never imports nn)
            name = type(params).__name__
            raise TypeError(f"{who}: got the model itself ({name}); pass its parameters: "
                            f"{who}(model.parameters(), ...)")
        if isinstance(params, (str, bytes)) or not hasattr(params, "__iter__"):
            raise TypeError(f"{who}: params must be an iterable of parameters (e.g. "
                            f"model.parameters()), got {type(params).__name__}")
        params = list(params)
        if not params:
            raise ValueError(f"{who}: got an empty parameter list (did the model define any "
                             "Parameters?)")
        self.defaults = dict(defaults)
        self.param_groups: list[dict[str, Any]] = []
        self.state: ParamState = ParamState()  # keyed by id(param)
        self.state._owner = self
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        for g in groups:
            self.add_param_group(g)

    def add_param_group(self, group: dict[str, Any]) -> None:
        who = type(self).__name__
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError(f"{who}: a parameter group must be a dict with a 'params' key")
        ps = group["params"]
        ps = [ps] if isinstance(ps, (Tensor, Value)) else list(ps)
        if not ps:
            raise ValueError(f"{who}: a parameter group has an empty parameter list")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for p in ps:
            _check_param(p, who)
            if id(p) in seen:
                shape = p.shape if isinstance(p, Tensor) else "scalar Value"
                raise ValueError(f"{who}: a parameter (shape {shape}) appears more than once "
                                 "in the parameter list; pass each parameter once")
            seen.add(id(p))
        unknown = set(group) - set(self.defaults) - {"params", "initial_lr"}
        if unknown:
            raise ValueError(f"{who}: unknown option(s) {sorted(unknown)} in a parameter group;"
                             f" expected {sorted(self.defaults)}")
        full = {**self.defaults, **group, "params": ps}
        self._check_group(full)
        self.param_groups.append(full)

    def _check_group(self, group: dict[str, Any]) -> None:
        lr = group.get("lr")
        if isinstance(lr, Tensor):  # torch takes a 1-element Tensor lr; kept as a float here
            if lr.size != 1:
                raise ValueError(f"{type(self).__name__}: a Tensor lr must have one element, "
                                 f"got shape {lr.shape}")
            lr = group["lr"] = float(lr.data.reshape(-1)[0])
        if isinstance(lr, bool) or not isinstance(lr, Real) or not lr >= 0:
            raise ValueError(f"{type(self).__name__}: lr must be a number >= 0, got {lr!r}")
        wd = group.get("weight_decay", 0.0)
        if wd < 0:
            raise ValueError(f"{type(self).__name__}: weight_decay must be >= 0, got {wd}")

    # -- step hooks (torch's) -----------------------------------------------------------
    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A subclass's own ``step`` (LBFGS, a user's optimizer) is wrapped like the base
        one: it runs the step hooks and marks the optimizer stepped (for the schedulers'
        order warning)."""
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "_with_hooks", False):
            cls.step = _with_step_hooks(step)  # type: ignore[method-assign]

    def register_step_pre_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """``hook(optimizer, args, kwargs)`` before each ``step``; a non-None result is the
        new ``(args, kwargs)``. Returns a handle whose ``remove()`` unregisters it."""
        return _register(self.__dict__.setdefault("_step_pre_hooks", {}), hook)

    def register_step_post_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """``hook(optimizer, args, kwargs)`` after each ``step``."""
        return _register(self.__dict__.setdefault("_step_post_hooks", {}), hook)

    # -- the loop every optimizer shares ---------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear gradients as torch: Tensor grads become None (``set_to_none=False``: zeroed
        in place), Value grads 0.0. The same rule as ``Module.zero_grad``."""
        zero_grads((p for group in self.param_groups for p in group["params"]), set_to_none)

    def step(self, closure: Any = None) -> Any:
        """Update every parameter that has a gradient, one fused pass per Tensor parameter.

        ``closure`` (optional, as torch) re-evaluates the model and returns the loss: it is
        called first, with gradients enabled, and its result returned.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        if _function._recorder is not None:  # autograd.compile replays this call
            _function._recorder.optimizer_step(self)
        state = self.state
        for group in self.param_groups:
            flip = group.get("maximize", False)
            for p in group["params"]:
                if isinstance(p, Value):
                    st = state.setdefault(id(p), {})
                    g = -p.grad if flip else p.grad
                    p.data = float(self._update_value(p.data, g, st, group))
                    continue
                g = p.grad
                if g is None:
                    continue
                st = state.get(id(p))
                if st is None:
                    st = state[id(p)] = {}
                self._update_tensor(p.data, -g.data if flip else g.data, st, group)
                p._bump_version()
        return loss

    def _rule(self, p: Any, g: Any, state: dict[str, Any], group: dict[str, Any]) -> Any:
        """The update rule written once for numbers and arrays alike: returns the new p."""
        raise NotImplementedError

    def _update_tensor(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any],
                       group: dict[str, Any]) -> None:
        """In place on the parameter's array; optimizers with a fused kernel override this."""
        p[...] = self._rule(p, g, state, group)

    def _update_value(self, p: float, g: float, state: dict[str, Any],
                      group: dict[str, Any]) -> float:
        """A scalar Value's step: the Tensor step on a 0-d float64 array (one rule)."""
        pa = np.array(p, dtype=np.float64)
        self._update_tensor(pa, np.array(g, dtype=np.float64), state, group)
        return float(pa)

    # -- state_dict ------------------------------------------------------------------------
    def _params(self) -> list[Any]:
        return [p for g in self.param_groups for p in g["params"]]

    def state_dict(self) -> dict[str, Any]:
        """{"state": {param index: {name: array or number}}, "param_groups": [hyper-params
        with "params" as indices]}, as torch.optim; a deep copy."""
        index = {id(p): i for i, p in enumerate(self._params())}
        # parameters that never got state (SGD without momentum) are left out, as torch
        state = {index[k]: copy.deepcopy(v) for k, v in dict.items(self.state)
                 if k in index and v}
        groups = []
        for g in self.param_groups:
            d = {k: v for k, v in g.items() if k != "params"}
            d["params"] = [index[id(p)] for p in g["params"]]
            groups.append(copy.deepcopy(d))
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyper-parameters and per-parameter state saved by ``state_dict()``."""
        who = f"{type(self).__name__}.load_state_dict"
        try:
            groups, state = state_dict["param_groups"], state_dict["state"]
        except (KeyError, TypeError):
            raise ValueError(f"{who}: expected a dict with 'state' and 'param_groups' (from "
                             "optimizer.state_dict())") from None
        if len(groups) != len(self.param_groups):
            raise ValueError(f"{who}: the saved state has {len(groups)} parameter group(s), "
                             f"this optimizer has {len(self.param_groups)}")
        for i, (saved, own) in enumerate(zip(groups, self.param_groups)):
            if len(saved["params"]) != len(own["params"]):
                raise ValueError(f"{who}: group {i} has {len(saved['params'])} saved "
                                 f"parameter(s) but {len(own['params'])} here")
        params = self._params()
        new_state: dict[int, dict[str, Any]] = {}
        for k, st in state.items():
            k = int(k)
            if not 0 <= k < len(params):
                raise ValueError(f"{who}: state for parameter index {k}, but there are only "
                                 f"{len(params)} parameters")
            p = params[k]
            st = copy.deepcopy(dict(st))
            for name, v in st.items():
                if isinstance(v, Tensor):
                    v = v.data.copy()
                if isinstance(v, np.ndarray) and isinstance(p, Tensor) and v.ndim:
                    if v.shape != p.shape:
                        raise ValueError(f"{who}: state {name!r} of parameter {k} has shape "
                                         f"{v.shape}, the parameter has shape {p.shape}")
                    v = v.astype(p.dtype, copy=False)
                st[name] = v
            new_state[id(p)] = st
        for saved, own in zip(groups, self.param_groups):
            for key, v in saved.items():
                if key != "params":
                    own[key] = copy.deepcopy(v)
        self.state = ParamState(new_state)
        self.state._owner = self

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for k in sorted(g):
                if k != "params":
                    lines.append(f"    {k}: {g[k]}")
        return "\n".join(lines) + "\n)"


Optimizer.step = _with_step_hooks(Optimizer.step)  # type: ignore[method-assign]

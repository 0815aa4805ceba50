"""numbagrad's autograd engine: ``Value`` (scalar) and ``Tensor`` (ndarray), differentiated
in reverse mode, with numba kernels behind the hot Tensor ops.

Note: the import name ``autograd`` is also used by the unrelated HIPS autograd package;
install numbagrad in its own virtual environment.

The public names are each op family's ``__all__`` (``ops/elementwise.py``, ``ops/reduce.py``,
...), gathered here. ``from autograd import *`` leaves out the few that would shadow a Python
builtin (``abs``, ``max``, ``min``, ``sum``...); use them as ``autograd.max``.
"""

from __future__ import annotations

import builtins as _builtins
import importlib as _importlib
import os as _os
import sys as _sys

from . import creation as _creation
from . import functional, kernels
from . import ops as _ops
from .compile import CompileWarning, compile
from .creation import *  # noqa: F403
from .explain import explain
from .function import (
    Function,
    FunctionCtx,
    backward,
    enable_grad,
    grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .functional import sum_to
from .gradcheck import gradcheck
from .kernels import get_backend, get_num_threads, set_backend, set_num_threads
from .ops import special
from .scalar import Value
from .tensor import Tensor

__version__ = "0.1.0"


def draw(root, **kwargs):
    """Render the computation graph of a Value or Tensor as a graphviz Digraph."""
    from .viz import draw as _draw

    return _draw(root, **kwargs)


def save_graph(root, path, **kwargs):
    """Render the graph of root and write it to path (.svg .png .pdf .dot)."""
    from .viz import save_graph as _save

    return _save(root, path, **kwargs)


# PyTorch code says torch.autograd.grad / .Function / .functional.jacobian: here all of
# that is this package itself, so ``autograd.autograd`` is an alias of it.
autograd = _sys.modules[__name__]

_CORE = ["CompileWarning", "Function", "FunctionCtx", "Tensor", "Value", "backward",
         "compile", "draw", "enable_grad",
         "explain", "functional", "get_backend", "get_num_threads",
         "grad", "gradcheck", "inference_mode", "is_grad_enabled",
         "is_inference_mode_enabled", "kernels", "no_grad", "save_graph", "set_backend",
         "set_grad_enabled", "set_num_threads", "special", "sum_to"]
# every op family in autograd/ops/ that lists public names in __all__ exports them here
_FAMILIES = [_creation] + [
    _importlib.import_module(f"{__name__}.ops.{name[:-3]}")
    for name in sorted(_os.listdir(_ops.__path__[0]))
    if name.endswith(".py") and not name.startswith("_")]
_owner: dict[str, str] = {}
for _m in _FAMILIES:
    for _name in getattr(_m, "__all__", ()):
        if _name in _owner:
            raise ImportError(f"autograd: {_name!r} is exported by both {_owner[_name]} and "
                              f"{_m.__name__}; one definition per name")
        _owner[_name] = _m.__name__
        globals()[_name] = getattr(_m, _name)
__all__ = sorted((set(_CORE) | set(_owner)) - set(dir(_builtins)))
del _m, _name

_SUBMODULES = ("data", "utils")  # loaded on first use (torch.utils.data's spelling included)
# torch.save / torch.load: nn.save and nn.load (nn builds on autograd, so looked up lazily)
_FROM_NN = ("save", "load")


def __getattr__(name: str):
    if name in _SUBMODULES:
        return _importlib.import_module(f"{__name__}.{name}")
    if name in _FROM_NN:
        return getattr(_importlib.import_module("nn.serialization"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

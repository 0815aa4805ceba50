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


def _tensor_first(fn):
    """fn as exported here: a number (or anything else without ``.data``) where its first
    argument, a Tensor, belongs fails inside with an AttributeError; torch raises TypeError
    (``abs(): argument 'input' must be Tensor, not float``), and so does this."""
    def checked(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except AttributeError as e:
            first = args[0] if args else kwargs.get("input", Tensor)
            if first is Tensor or isinstance(first, Tensor):
                raise
            raise TypeError(f"{fn.__name__}(): argument 'input' (position 1) must be Tensor, "
                            f"not {type(first).__name__}") from e

    # what functools.wraps copies, by hand: ~700 exports, and wraps cost 2 ms of import
    checked.__name__, checked.__qualname__ = fn.__name__, fn.__qualname__
    checked.__doc__, checked.__module__, checked.__wrapped__ = fn.__doc__, fn.__module__, fn
    return checked


_WRAPPED: dict[object, object] = {}  # one wrapper per function (aliases stay aliases)
for _m in _FAMILIES:
    for _name in getattr(_m, "__all__", ()):
        if _name in _owner:
            raise ImportError(f"autograd: {_name!r} is exported by both {_owner[_name]} and "
                              f"{_m.__name__}; one definition per name")
        _owner[_name] = _m.__name__
        _obj = getattr(_m, _name)
        if _m is not _creation and type(_obj) is type(_tensor_first):
            _obj = _WRAPPED.get(_obj) or _WRAPPED.setdefault(_obj, _tensor_first(_obj))
        globals()[_name] = _obj
# torch's deprecated top-level spellings whose signature differs from torch.linalg's
# (torch.cholesky(A, upper), torch.qr(A, some)); autograd.linalg keeps the linalg ones
from .ops.linalg import cholesky_top as cholesky  # noqa: E402
from .ops.linalg import qr_top as qr  # noqa: E402

_owner.update(cholesky="autograd.ops.linalg", qr="autograd.ops.linalg")
__all__ = sorted((set(_CORE) | set(_owner)) - set(dir(_builtins)))
del _m, _name, _obj

_SUBMODULES = ("data", "utils")  # loaded on first use (torch.utils.data's spelling included)
# torch.save / torch.load: nn.save and nn.load (nn builds on autograd, so looked up lazily)
_FROM_NN = ("save", "load")


# torch's top-level forms of nn.functional ops whose positional arguments are the same
# (torch.conv2d, torch.dropout(input, p, train), torch.threshold, ...)
_FROM_NN_FUNCTIONAL = ("alpha_dropout", "avg_pool1d", "bilinear", "celu", "channel_shuffle",
                       "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                       "cosine_similarity", "dropout", "feature_alpha_dropout", "group_norm",
                       "hardshrink", "layer_norm", "max_pool1d", "max_pool2d", "max_pool3d",
                       "pairwise_distance", "pixel_shuffle", "pixel_unshuffle",
                       "prelu", "rms_norm", "rrelu", "selu", "threshold")


def __getattr__(name: str):
    if name in _SUBMODULES:
        return _importlib.import_module(f"{__name__}.{name}")
    if name in _FROM_NN:
        return getattr(_importlib.import_module("nn.serialization"), name)
    if name in _FROM_NN_FUNCTIONAL:
        return getattr(_importlib.import_module("nn.functional"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

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

import numpy as _np

from . import creation as _creation
from . import kernels
from .creation import *  # noqa: F403
from .function import Function, enable_grad, grad, is_grad_enabled, no_grad
from .gradcheck import gradcheck
from .kernels import get_backend, get_num_threads, set_backend, set_num_threads
from .ops import elementwise as _elementwise
from .ops import linalg as _linalg
from .ops import reduce as _reduce
from .ops import shape as _shape
from .ops.elementwise import *  # noqa: F403
from .ops.linalg import *  # noqa: F403
from .ops.reduce import *  # noqa: F403
from .ops.shape import *  # noqa: F403
from .scalar import Value
from .tensor import Tensor

float32 = _np.float32
float64 = _np.float64
int64 = _np.int64

__version__ = "0.1.0"


def draw(root, **kwargs):
    """Render the computation graph of a Value or Tensor as a graphviz Digraph."""
    from .viz import draw as _draw

    return _draw(root, **kwargs)


def save_graph(root, path, **kwargs):
    """Render the graph of root and write it to path (.svg .png .pdf .dot)."""
    from .viz import save_graph as _save

    return _save(root, path, **kwargs)


_CORE = ["Function", "Tensor", "Value", "draw", "enable_grad", "float32", "float64",
         "get_backend", "get_num_threads", "grad", "gradcheck", "int64", "is_grad_enabled",
         "kernels", "no_grad", "save_graph", "set_backend", "set_num_threads"]
_FAMILIES = (_creation, _elementwise, _linalg, _reduce, _shape)
__all__ = sorted(set(_CORE).union(*(m.__all__ for m in _FAMILIES))
                 - set(dir(_builtins)))

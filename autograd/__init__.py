"""numbagrad's autograd engine: ``Value`` (scalar) and ``Tensor`` (ndarray), differentiated
in reverse mode, with numba kernels behind the hot Tensor ops.

Note: the import name ``autograd`` is also used by the unrelated HIPS autograd package;
install numbagrad in its own virtual environment.
"""

from __future__ import annotations

import numpy as _np

from . import kernels
from .creation import (
    arange,
    eye,
    from_numpy,
    full,
    manual_seed,
    ones,
    ones_like,
    rand,
    randn,
    rng,
    tensor,
    zeros,
    zeros_like,
)
from .function import Function, enable_grad, grad, is_grad_enabled, no_grad
from .gradcheck import gradcheck
from .kernels import get_backend, get_num_threads, set_backend, set_num_threads
from .ops.elementwise import (
    abs,
    clip,
    exp,
    gelu,
    leaky_relu,
    log,
    maximum,
    minimum,
    relu,
    sigmoid,
    sqrt,
    step,
    tanh,
    where,
)
from .ops.linalg import matmul
from .ops.reduce import (
    argmax,
    argmin,
    log_softmax,
    logsumexp,
    max,
    mean,
    min,
    softmax,
    std,
    sum,
    var,
)
from .ops.shape import (
    broadcast_to,
    cat,
    concatenate,
    expand_dims,
    flatten,
    pad,
    reshape,
    split,
    squeeze,
    stack,
    swapaxes,
    transpose,
)
from .scalar import Value
from .tensor import Tensor

float32 = _np.float32
float64 = _np.float64
int64 = _np.int64

__version__ = "0.1.0"


def unsqueeze(x: Tensor, axis: int) -> Tensor:
    return expand_dims(x, axis)


def permute(x: Tensor, *axes: int) -> Tensor:
    return x.permute(*axes)


def draw(root, **kwargs):
    """Render the computation graph of a Value or Tensor as a graphviz Digraph."""
    from .viz import draw as _draw

    return _draw(root, **kwargs)


def save_graph(root, path, **kwargs):
    """Render the graph of root and write it to path (.svg .png .pdf .dot)."""
    from .viz import save_graph as _save

    return _save(root, path, **kwargs)


__all__ = [name for name in dir() if not name.startswith("_")]

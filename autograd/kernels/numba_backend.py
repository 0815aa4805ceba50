"""The numba backend: jitted, fused kernels, one family per module.

This file is the contract: the names this backend provides (``NAMES``), each imported from
the module of its family, where the numba kernel sits beside its numpy reference.
``numpy_backend`` provides the same names (a test checks it). Ops call
``K.active.<name>`` and never import a family directly.
"""

from __future__ import annotations

from .conv import (
    avg_pool2d,
    avg_pool2d_backward,
    col2im,
    im2col,
    max_pool2d,
    max_pool2d_backward,
)
from .elementwise import (
    ACTIVATIONS,
    act_backward,
    add,
    bias_act,
    div,
    gelu,
    gelu_backward,
    leaky_relu,
    leaky_relu_backward,
    mul,
    relu,
    relu_backward,
    sigmoid,
    sigmoid_backward,
    sub,
    tanh,
    tanh_backward,
)
from .matmul import (
    matmul,
)
from .optim import (
    adam_update,
    sgd_update,
)
from .recurrent import (
    lstm_cell_backward,
    lstm_cell_forward,
)
from .reduce import (
    max,
    sum,
)
from .xent import (
    softmax_xent,
    softmax_xent_backward,
)

__all__ = ["ACTIVATIONS",
           "matmul",
           "relu",
           "relu_backward",
           "leaky_relu",
           "leaky_relu_backward",
           "sigmoid",
           "sigmoid_backward",
           "tanh",
           "tanh_backward",
           "gelu",
           "gelu_backward",
           "bias_act",
           "act_backward",
           "add",
           "sub",
           "mul",
           "div",
           "sum",
           "max",
           "softmax_xent",
           "softmax_xent_backward",
           "sgd_update",
           "adam_update",
           "im2col",
           "col2im",
           "max_pool2d",
           "max_pool2d_backward",
           "avg_pool2d",
           "avg_pool2d_backward",
           "lstm_cell_forward",
           "lstm_cell_backward",
           ]

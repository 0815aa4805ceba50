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
    conv_grad_wb,
    conv_output,
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

# The names this backend provides: everything imported above (a test checks the two
# backends provide the same ones).
__all__ = ["ACTIVATIONS"] + sorted(n for n, v in list(globals().items())
                                   if callable(v) and not n.startswith("_"))

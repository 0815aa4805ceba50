"""The numpy backend: the reference implementation of every kernel.

The same names as ``numba_backend`` (``NAMES``), each the ``*_ref`` function of its family
module. They are the specification the numba kernels are tested against: plain ndarrays in
and out, the output dtype is the input dtype.
"""

from __future__ import annotations

from .conv import avg_pool2d_backward_ref as avg_pool2d_backward
from .conv import avg_pool2d_ref as avg_pool2d
from .conv import col2im_ref as col2im
from .conv import conv_grad_wb_ref as conv_grad_wb
from .conv import conv_output_ref as conv_output
from .conv import im2col_ref as im2col
from .conv import max_pool2d_backward_ref as max_pool2d_backward
from .conv import max_pool2d_ref as max_pool2d
from .elementwise import ACTIVATIONS
from .elementwise import act_backward_ref as act_backward
from .elementwise import add_ref as add
from .elementwise import bias_act_ref as bias_act
from .elementwise import div_ref as div
from .elementwise import gelu_backward_ref as gelu_backward
from .elementwise import gelu_ref as gelu
from .elementwise import leaky_relu_backward_ref as leaky_relu_backward
from .elementwise import leaky_relu_ref as leaky_relu
from .elementwise import mul_ref as mul
from .elementwise import relu_backward_ref as relu_backward
from .elementwise import relu_ref as relu
from .elementwise import sigmoid_backward_ref as sigmoid_backward
from .elementwise import sigmoid_ref as sigmoid
from .elementwise import sub_ref as sub
from .elementwise import tanh_backward_ref as tanh_backward
from .elementwise import tanh_ref as tanh
from .matmul import matmul_ref as matmul
from .optim import adam_update_ref as adam_update
from .optim import sgd_update_ref as sgd_update
from .recurrent import lstm_cell_backward_ref as lstm_cell_backward
from .recurrent import lstm_cell_forward_ref as lstm_cell_forward
from .reduce import max_ref as max
from .reduce import sum_ref as sum
from .xent import softmax_xent_backward_ref as softmax_xent_backward
from .xent import softmax_xent_ref as softmax_xent

# The names this backend provides: everything imported above (a test checks the two
# backends provide the same ones).
__all__ = ["ACTIVATIONS"] + sorted(n for n, v in list(globals().items())
                                   if callable(v) and not n.startswith("_"))

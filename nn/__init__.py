"""Neural networks on the Tensor engine (and, in ``nn.scalar``, on Values).

PyTorch's names: ``nn.Linear``, ``nn.CrossEntropyLoss``, ``nn.functional``, ``nn.init``...
plus ``nn.MLP``, ``nn.Perceptron``, ``nn.fit``/``nn.evaluate`` and ``nn.save``/``nn.load``.
"""

from . import functional, init, utils
from .activation import GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Step, Tanh
from .layers import MLP, Dropout, Flatten, Identity, Linear, Sequential
from .loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HingeLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
)
from .module import Module, Parameter
from .perceptron import Perceptron
from .serialization import load, save
from .train import History, evaluate, fit

try:  # the scalar (Value) nets live in their own module, written separately
    from . import scalar
except ImportError:  # pragma: no cover - only while nn/scalar.py is missing
    pass

# --- conv / norm / recurrent (nn/conv.py, nn/norm.py, nn/rnn.py) ---
from .conv import AdaptiveAvgPool2d, AvgPool2d, Conv1d, Conv2d, MaxPool2d  # noqa: E402
from .norm import BatchNorm1d, BatchNorm2d, Embedding, LayerNorm  # noqa: E402
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell  # noqa: E402

"""Neural networks on the Tensor engine (and, in ``nn.scalar``, on Values).

PyTorch's names: ``nn.Linear``, ``nn.CrossEntropyLoss``, ``nn.functional``, ``nn.init``...
plus ``nn.MLP``, ``nn.Perceptron``, ``nn.fit``/``nn.evaluate`` and ``nn.save``/``nn.load``.
"""

from . import functional, init, scalar, utils
from .activation import GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Step, Tanh
from .conv import AdaptiveAvgPool2d, AvgPool2d, Conv1d, Conv2d, MaxPool2d
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
from .norm import BatchNorm1d, BatchNorm2d, Embedding, LayerNorm
from .perceptron import Perceptron
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from .serialization import load, save
from .train import History, evaluate, fit

"""Neural networks on the Tensor engine (and, in ``nn.scalar``, on Values).

PyTorch's names: ``nn.Linear``, ``nn.CrossEntropyLoss``, ``nn.functional``, ``nn.init``...
plus ``nn.MLP``, ``nn.Perceptron``, ``nn.fit``/``nn.evaluate`` and ``nn.save``/``nn.load``.
Each module file lists its public names in ``__all__``; they are gathered here.
"""

from . import functional, init, scalar, utils
from .activation import *  # noqa: F403
from .attention import *  # noqa: F403
from .conv import *  # noqa: F403
from .layers import *  # noqa: F403
from .loss import *  # noqa: F403
from .module import Module, Parameter
from .norm import *  # noqa: F403
from .onnx import *  # noqa: F403
from .perceptron import *  # noqa: F403
from .rnn import *  # noqa: F403
from .safetensors import *  # noqa: F403
from .serialization import *  # noqa: F403
from .train import *  # noqa: F403

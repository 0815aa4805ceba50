"""DLPack: zero-copy exchange with other array libraries (PyTorch, JAX, CuPy, numpy...).

``autograd.from_dlpack(obj)`` wraps the memory of any object with ``__dlpack__`` (a torch
tensor, a numpy array) in a Tensor without copying; ``Tensor.__dlpack__`` and
``__dlpack_device__`` (numpy's, on the Tensor's array) let ``torch.from_dlpack(t)`` and
``np.from_dlpack(t)`` do the reverse. Writes through one side show on the other.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor

__all__ = ["from_dlpack"]


def from_dlpack(ext_tensor: Any) -> Tensor:
    """A Tensor sharing memory with ``ext_tensor`` (anything with ``__dlpack__``), as
    ``torch.from_dlpack``. CPU memory only; the result does not require grad."""
    if isinstance(ext_tensor, Tensor):
        return Tensor._make(ext_tensor.data)
    if not hasattr(ext_tensor, "__dlpack__"):
        raise TypeError(f"from_dlpack: expected an object with __dlpack__ (a torch tensor, a "
                        f"numpy array, ...), got {type(ext_tensor).__name__}")
    try:
        arr = np.from_dlpack(ext_tensor)
    except (BufferError, TypeError, RuntimeError) as e:
        raise type(e)(f"from_dlpack: cannot share this {type(ext_tensor).__name__}'s memory "
                      f"({e}); only CPU tensors of numpy dtypes can be exchanged") from None
    return Tensor._make(arr)

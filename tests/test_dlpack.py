"""DLPack: Tensor.__dlpack__ / __dlpack_device__ and autograd.from_dlpack share memory with
numpy and PyTorch both ways."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
from autograd import Tensor


def test_numpy_both_ways_share_memory():
    t = Tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
    a = np.from_dlpack(t)
    a[0, 1] = 42
    assert t.data[0, 1] == 42
    src = np.arange(4, dtype=np.int64)
    back = autograd.from_dlpack(src)
    assert isinstance(back, Tensor) and back.dtype == np.int64 and not back.requires_grad
    back.data[2] = -7
    assert src[2] == -7
    assert t.__dlpack_device__() == (1, 0)  # kDLCPU, device 0


def test_from_dlpack_of_a_tensor_shares_and_detaches():
    t = Tensor(np.ones(3, np.float64), requires_grad=True)
    u = autograd.from_dlpack(t)
    assert not u.requires_grad and np.shares_memory(u.data, t.data)


def test_errors():
    with pytest.raises(TypeError, match="from_dlpack: expected an object with __dlpack__.*list"):
        autograd.from_dlpack([1, 2])
    t = Tensor(np.ones(2, np.float32), requires_grad=True)
    with pytest.raises(BufferError, match="require gradient, use tensor.detach"):
        t.__dlpack__()
    assert np.from_dlpack(t.detach()).shape == (2,)


torch = pytest.importorskip("torch", reason="torch not installed: pip install torch")


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.int32, np.uint8,
                                   np.bool_])
def test_torch_from_dlpack_shares_memory(dtype):
    t = Tensor(np.arange(6).reshape(2, 3).astype(dtype))
    tt = torch.from_dlpack(t)
    assert tuple(tt.shape) == (2, 3) and tt.numpy().dtype == np.dtype(dtype)
    tt[1, 2] = 0 if dtype is np.bool_ else 9
    assert t.data[1, 2] == (0 if dtype is np.bool_ else 9)  # written through torch


def test_torch_tensor_into_autograd_shares_memory_and_keeps_strides():
    tt = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    view = tt.t()  # non-contiguous: strides (1, 4) in elements
    a = autograd.from_dlpack(view)
    assert a.shape == (4, 3) and a.data.strides == (4, 16)
    a.data[3, 0] = -1.0  # written through numbagrad
    assert tt[0, 3].item() == -1.0
    tt[2, 1] = 100.0
    assert a.data[1, 2] == 100.0
    y = (a * 2).sum()  # and it is an ordinary Tensor
    assert y.item() == pytest.approx(2 * float(tt.sum()))


def test_round_trip_torch_to_autograd_to_torch():
    tt = torch.zeros(5, dtype=torch.float64)
    back = torch.from_dlpack(autograd.from_dlpack(tt))
    back[0] = 3.0
    assert tt[0].item() == 3.0 and back.data_ptr() == tt.data_ptr()


def test_unsupported_torch_dtype_is_a_clear_error():
    with pytest.raises((BufferError, RuntimeError, TypeError), match="from_dlpack: cannot share"):
        autograd.from_dlpack(torch.ones(2, dtype=torch.bfloat16))

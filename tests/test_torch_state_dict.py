"""PyTorch's names and layouts: numbagrad layers' state dicts equal torch.nn's, a safetensors
file written here loads into torch.nn, and a torch state dict loads into nn (same outputs)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor

torch = pytest.importorskip("torch", reason="torch not installed: pip install torch")
st_torch = pytest.importorskip("safetensors.torch",
                               reason="safetensors not installed: pip install safetensors")

rng = np.random.default_rng(7)


def _x(*shape):
    return rng.standard_normal(shape).astype(np.float32)


# (layer name, constructor args, kwargs, example input)
LAYERS = [
    ("Linear", (4, 3), {}, _x(2, 4)),
    ("Linear", (4, 3), {"bias": False}, _x(2, 4)),
    ("Conv1d", (2, 3, 3), {"padding": 1}, _x(2, 2, 7)),
    ("Conv2d", (2, 4, 3), {"groups": 2, "stride": 2}, _x(2, 2, 7, 7)),
    ("BatchNorm1d", (3,), {}, _x(4, 3)),
    ("BatchNorm2d", (3,), {}, _x(2, 3, 4, 4)),
    ("LayerNorm", (4,), {}, _x(2, 3, 4)),
    ("Embedding", (10, 4), {}, rng.integers(0, 10, (2, 3))),
    ("RNN", (3, 4), {"num_layers": 2}, _x(5, 2, 3)),
    ("LSTM", (3, 4), {"num_layers": 2, "batch_first": True}, _x(2, 5, 3)),
    ("GRU", (3, 4), {"num_layers": 2}, _x(5, 2, 3)),
]
IDS = [f"{name}-{i}" for i, (name, *_rest) in enumerate(LAYERS)]


def _pair(name, args, kwargs, x):
    ours = getattr(nn, name)(*args, **kwargs)
    theirs = getattr(torch.nn, name)(*args, **kwargs)
    if name.startswith("BatchNorm"):  # move the running statistics off their defaults
        ours.train()
        ours(Tensor(x * 2 + 1))
    ours.eval()
    theirs.eval()
    return ours, theirs


def _first(out):
    return out[0] if isinstance(out, tuple) else out


def _run_ours(m, x):
    with autograd.no_grad():
        return _first(m(Tensor(x))).data


def _run_torch(m, x):
    with torch.no_grad():
        return _first(m(torch.from_numpy(np.ascontiguousarray(x)))).numpy()


@pytest.mark.parametrize("name,args,kwargs,x", LAYERS, ids=IDS)
def test_state_dict_keys_shapes_and_dtypes_equal_torch(name, args, kwargs, x):
    ours, theirs = _pair(name, args, kwargs, x)
    got = [(k, tuple(v.shape), str(v.dtype)) for k, v in ours.state_dict().items()]
    want = [(k, tuple(v.shape), str(v.numpy().dtype)) for k, v in theirs.state_dict().items()]
    assert got == want


@pytest.mark.parametrize("name,args,kwargs,x", LAYERS, ids=IDS)
def test_safetensors_file_loads_into_torch_with_same_outputs(tmp_path, name, args, kwargs, x):
    ours, theirs = _pair(name, args, kwargs, x)
    p = tmp_path / "m.safetensors"
    nn.save_safetensors(ours, p)
    theirs.load_state_dict(st_torch.load_file(str(p)))
    np.testing.assert_allclose(_run_torch(theirs, x), _run_ours(ours, x), rtol=1e-5, atol=1e-5)
    for k, v in ours.state_dict().items():  # bit for bit
        assert theirs.state_dict()[k].numpy().tobytes() == v.data.tobytes(), k


@pytest.mark.parametrize("name,args,kwargs,x", LAYERS, ids=IDS)
def test_torch_state_dict_loads_into_nn_with_same_outputs(name, args, kwargs, x):
    ours, theirs = _pair(name, args, kwargs, x)
    if name.startswith("BatchNorm"):
        theirs.running_mean.uniform_(-1, 1)
        theirs.running_var.uniform_(0.5, 2)
        theirs.num_batches_tracked.fill_(3)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    np.testing.assert_allclose(_run_ours(ours, x), _run_torch(theirs, x), rtol=1e-5, atol=1e-5)
    if name.startswith("BatchNorm"):
        assert int(ours.num_batches_tracked.data) == 3


def test_whole_model_round_trips_through_torch(tmp_path):
    """A small CNN classifier: numbagrad -> safetensors -> torch.nn, same logits."""
    ours = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 4 * 4, 3))
    theirs = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.BatchNorm2d(4),
                                 torch.nn.ReLU(), torch.nn.MaxPool2d(2), torch.nn.Flatten(),
                                 torch.nn.Linear(4 * 4 * 4, 3))
    ours.train()
    ours(Tensor(_x(6, 1, 8, 8)))  # move the running statistics off their defaults
    ours.eval()
    theirs.eval()
    p = tmp_path / "cnn.safetensors"
    nn.save_safetensors(ours, p)
    theirs.load_state_dict(st_torch.load_file(str(p)))
    x = _x(3, 1, 8, 8)
    np.testing.assert_allclose(_run_torch(theirs, x), _run_ours(ours, x), rtol=1e-5, atol=1e-5)

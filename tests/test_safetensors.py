"""nn.save_safetensors / nn.load_safetensors: bit-identical round trips, header metadata,
atomic writes and clear errors naming the user's path."""

from __future__ import annotations

import os

import numpy as np
import pytest

import nn
from autograd import Tensor

pytest.importorskip("safetensors", reason="safetensors not installed: pip install safetensors")


def _model():
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))


def test_module_round_trip_is_bit_identical(tmp_path):
    m = _model()
    m.train()
    m(Tensor(np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)))
    p = tmp_path / "m.safetensors"
    nn.save_safetensors(m, p)
    back = nn.load_safetensors(p)
    want = m.state_dict()
    assert list(back) == sorted(want) or set(back) == set(want)
    for k, v in want.items():
        assert isinstance(back[k], Tensor)
        assert back[k].dtype == v.dtype and back[k].shape == v.shape, k
        assert back[k].data.tobytes() == v.data.tobytes(), k
    assert int(back["1.num_batches_tracked"].data) == 1
    fresh = _model()
    fresh.load_state_dict(back)
    for k, v in fresh.state_dict().items():
        assert v.data.tobytes() == want[k].data.tobytes(), k


def test_every_dtype_and_odd_values_survive(tmp_path):
    arrays = {
        "f16": np.array([1.5, -0.0, np.inf], dtype=np.float16),
        "f32": np.array([np.nan, -np.inf, 1e-45, 3.4e38], dtype=np.float32),
        "f64": np.frombuffer(np.array([0x7FF8000000000123], dtype=np.uint64).tobytes(),
                             dtype=np.float64),  # a NaN with a payload
        "i64": np.array(-(2**63), dtype=np.int64),  # 0-d
        "i8": np.arange(-4, 4, dtype=np.int8).reshape(2, 4),
        "u8": np.array([0, 255], dtype=np.uint8),
        "bool": np.array([True, False]),
        "empty": np.zeros((0, 3), dtype=np.float32),
        "strided": np.arange(12, dtype=np.float64).reshape(3, 4).T,  # not C-contiguous
    }
    p = tmp_path / "a.safetensors"
    nn.save_safetensors({k: Tensor(v) if k == "f32" else v for k, v in arrays.items()}, p)
    back = nn.load_safetensors(p)
    assert set(back) == set(arrays)
    for k, v in arrays.items():
        assert back[k].data.dtype == v.dtype and back[k].shape == v.shape, k
        assert back[k].data.tobytes() == np.ascontiguousarray(v).tobytes(), k


def test_metadata_lands_in_the_header(tmp_path):
    from safetensors import safe_open

    p = tmp_path / "m.safetensors"
    nn.save_safetensors(_model(), p, metadata={"epoch": "3", "task": "xor"})
    meta = nn.safetensors_metadata(p)
    assert meta["epoch"] == "3" and meta["task"] == "xor"
    assert meta["format"] == "np" and "numbagrad" in meta
    with safe_open(str(p), framework="np") as f:  # the package itself reads it back
        assert f.metadata()["epoch"] == "3"
    with pytest.raises(TypeError, match="metadata must map str to str"):
        nn.save_safetensors(_model(), p, metadata={"epoch": 3})


def test_bad_objects_are_refused_before_anything_is_written(tmp_path):
    p = tmp_path / "old.safetensors"
    nn.save_safetensors({"w": np.ones(2, np.float32)}, p)
    before = p.read_bytes()
    with pytest.raises(TypeError, match="'z' has dtype complex64"):
        nn.save_safetensors({"w": np.zeros(2, np.float32), "z": np.zeros(2, np.complex64)}, p)
    with pytest.raises(TypeError, match="expected a Module or a dict"):
        nn.save_safetensors([np.ones(2)], p)
    with pytest.raises(TypeError, match="'x' is a list"):
        nn.save_safetensors({"x": [1.0]}, p)
    with pytest.raises(TypeError, match="keys must be strings"):
        nn.save_safetensors({1: np.ones(2)}, p)
    assert p.read_bytes() == before
    assert os.listdir(tmp_path) == ["old.safetensors"]  # no temporary file left behind


def test_failed_write_keeps_the_old_file_and_names_the_path(tmp_path, monkeypatch):
    import autograd._files as files

    p = tmp_path / "m.safetensors"
    nn.save_safetensors(_model(), p)
    before = p.read_bytes()

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", boom)
    with pytest.raises(OSError, match="m.safetensors"):
        nn.save_safetensors(_model(), p)
    assert p.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.safetensors"]
    missing = tmp_path / "no_such_dir" / "m.safetensors"
    monkeypatch.undo()
    with pytest.raises(FileNotFoundError, match="does not exist") as e:
        nn.save_safetensors(_model(), missing)
    assert str(missing) in str(e.value)


def test_load_errors_name_the_path(tmp_path):
    missing = tmp_path / "nope.safetensors"
    with pytest.raises(FileNotFoundError, match="no file .*nope.safetensors"):
        nn.load_safetensors(missing)
    with pytest.raises(IsADirectoryError, match="is a directory"):
        nn.load_safetensors(tmp_path)
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}")
    with pytest.raises(ValueError, match="junk.safetensors.*not a valid safetensors file"):
        nn.load_safetensors(junk)
    good = tmp_path / "good.safetensors"
    nn.save_safetensors(_model(), good)
    cut = tmp_path / "cut.safetensors"
    cut.write_bytes(good.read_bytes()[:-10])  # truncated: the header promises more bytes
    with pytest.raises(ValueError, match="cut.safetensors"):
        nn.load_safetensors(cut)

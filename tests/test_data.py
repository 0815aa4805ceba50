"""DataLoader, toy generators, train_test_split, load_digits and IDX/MNIST reading."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

import autograd
from autograd import Tensor
from autograd import data as D


def _epochs(loader, n=2):
    return [[tuple(t.data.copy() for t in batch) for batch in loader] for _ in range(n)]


def test_dataloader_batches_and_drop_last():
    X = np.arange(20, dtype=np.float32).reshape(10, 2)
    y = np.arange(10)
    dl = D.DataLoader(D.TensorDataset(X, y), batch_size=4)
    batches = list(dl)
    assert len(dl) == 3 and [len(b[1]) for b in batches] == [4, 4, 2]
    assert isinstance(batches[0][0], Tensor) and batches[0][1].dtype == np.int64
    np.testing.assert_array_equal(np.concatenate([b[1].data for b in batches]), y)
    dl = D.DataLoader(D.TensorDataset(X, y), batch_size=4, drop_last=True)
    assert len(dl) == 2 and [len(b[1]) for b in dl] == [4, 4]


def test_shuffle_is_deterministic_with_a_seed_and_differs_per_epoch():
    X = np.arange(50, dtype=np.float32)[:, None]
    y = np.arange(50)
    a = _epochs(D.DataLoader(D.TensorDataset(X, y), 8, shuffle=True, seed=3))
    b = _epochs(D.DataLoader(D.TensorDataset(X, y), 8, shuffle=True, seed=3))
    for ea, eb in zip(a, b):
        for ba, bb in zip(ea, eb):
            np.testing.assert_array_equal(ba[1], bb[1])
    first, second = (np.concatenate([bt[1] for bt in e]) for e in a)
    assert sorted(first) == list(range(50)) and not np.array_equal(first, second)
    assert not np.array_equal(first, np.arange(50))
    for bt in a[0]:  # rows stay paired
        np.testing.assert_array_equal(bt[0][:, 0], bt[1])
    autograd.manual_seed(9)
    c = _epochs(D.DataLoader(D.TensorDataset(X, y), 8, shuffle=True))
    autograd.manual_seed(9)
    d = _epochs(D.DataLoader(D.TensorDataset(X, y), 8, shuffle=True))
    np.testing.assert_array_equal(c[1][0][1], d[1][0][1])


class _Squares(D.Dataset):
    def __len__(self):
        return 5

    def __getitem__(self, i):
        return np.array([i, i * i], dtype=np.float32), i % 2


def test_generic_dataset_is_collated():
    batches = list(D.DataLoader(_Squares(), batch_size=2))
    np.testing.assert_array_equal(batches[1][0].data, [[2, 4], [3, 9]])
    np.testing.assert_array_equal(batches[2][1].data, [0])


def test_loader_and_dataset_errors():
    with pytest.raises(ValueError, match="same first dimension"):
        D.TensorDataset(np.zeros((3, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        D.DataLoader(D.TensorDataset(np.zeros(3)), batch_size=0)
    with pytest.raises(TypeError, match="__len__"):
        D.DataLoader(42)


@pytest.mark.parametrize("gen", [D.xor, D.moons, D.circles, D.spirals, D.blobs])
def test_toy_generators_seeded(gen):
    X1, y1 = gen(n=90, seed=4)
    X2, y2 = gen(n=90, seed=4)
    X3, _ = gen(n=90, seed=5)
    assert X1.dtype == np.float32 and y1.dtype == np.int64 and X1.shape == (90, 2)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)
    assert len(np.unique(y1)) >= 2


def test_toy_generator_shapes_of_the_classes():
    X, y = D.xor(n=400, noise=0.0)
    np.testing.assert_array_equal(y, (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(int))
    X, y = D.circles(n=400, noise=0.0, factor=0.3)
    np.testing.assert_allclose(np.hypot(X[:, 0], X[:, 1]), np.where(y == 1, 0.3, 1.0),
                               rtol=1e-6)
    X, y = D.spirals(n=300, classes=3)
    assert np.bincount(y).tolist() == [100, 100, 100]
    X, y = D.blobs(n=60, centers=[[0, 0, 0], [10, 10, 10]], std=0.1)
    assert X.shape == (60, 3)
    np.testing.assert_allclose(X[y == 1].mean(0), 10, atol=0.1)


def test_train_test_split():
    X = np.arange(100)[:, None]
    y = np.arange(100)
    Xtr, Xte, ytr, yte = D.train_test_split(X, y, test_size=0.2, seed=1)
    assert len(Xte) == 20 and len(Xtr) == 80
    np.testing.assert_array_equal(Xtr[:, 0], ytr)
    assert sorted(np.concatenate([ytr, yte]).tolist()) == list(range(100))
    again = D.train_test_split(X, y, test_size=0.2, seed=1)
    np.testing.assert_array_equal(again[3], yte)
    with pytest.raises(ValueError, match="different lengths"):
        D.train_test_split(X, y[:5])
    with pytest.raises(ValueError, match="test_size"):
        D.train_test_split(X, test_size=1.5)


def test_load_digits():
    pytest.importorskip("sklearn")
    X, y = D.load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float32 and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0 and set(np.unique(y)) == set(range(10))


def test_load_digits_names_the_extra_when_sklearn_is_missing(monkeypatch):
    import builtins

    real = builtins.__import__

    def fake(name, *a, **k):
        if name.startswith("sklearn"):
            raise ImportError("no sklearn")
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", fake)
    with pytest.raises(ImportError, match=r"numbagrad\[demos\]"):
        D.load_digits()


def _idx(arr: np.ndarray, code: int) -> bytes:
    return struct.pack(">BBBB", 0, 0, code, arr.ndim) + b"".join(
        struct.pack(">I", n) for n in arr.shape) + arr.astype(arr.dtype.newbyteorder(">")
                                                             ).tobytes()


def test_load_mnist_plain_and_gzipped(tmp_path):
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, (7, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, 7, dtype=np.uint8)
    (tmp_path / "train-images-idx3-ubyte").write_bytes(_idx(imgs, 0x08))
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(_idx(labels, 0x08)))
    X, y = D.load_mnist(tmp_path)
    assert X.shape == (7, 784) and X.dtype == np.float32
    np.testing.assert_allclose(X.reshape(7, 28, 28), imgs / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(y, labels)
    X, _ = D.load_mnist(tmp_path, flatten=False)
    assert X.shape == (7, 28, 28)
    f = tmp_path / "floats.idx"
    vals = rng.standard_normal((3, 2)).astype(np.float32)
    f.write_bytes(_idx(vals, 0x0D))
    np.testing.assert_array_equal(D.read_idx(f), vals)


def test_load_mnist_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="t10k-images-idx3-ubyte"):
        D.load_mnist(tmp_path, kind="test")
    imgs = np.zeros((4, 28, 28), np.uint8)
    good = _idx(imgs, 0x08)
    (tmp_path / "train-images-idx3-ubyte").write_bytes(good[:-100])
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(_idx(np.zeros(4, np.uint8), 0x08))
    with pytest.raises(ValueError, match="corrupt or truncated"):
        D.load_mnist(tmp_path)
    (tmp_path / "train-images-idx3-ubyte").write_bytes(b"PK\x03\x04 not idx at all")
    with pytest.raises(ValueError, match="not an IDX file"):
        D.load_mnist(tmp_path)
    (tmp_path / "train-images-idx3-ubyte").write_bytes(gzip.compress(good)[:40])
    with pytest.raises(ValueError, match="gzip"):
        D.load_mnist(tmp_path)
    (tmp_path / "train-images-idx3-ubyte").write_bytes(good)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(_idx(np.zeros(3, np.uint8), 0x08))
    with pytest.raises(ValueError, match="4 images but 3 labels"):
        D.load_mnist(tmp_path)
    with pytest.raises(ValueError, match="kind"):
        D.load_mnist(tmp_path, kind="val")


def test_torch_style_utils_data():
    from autograd.utils.data import ConcatDataset, DataLoader, Subset, TensorDataset, random_split

    assert autograd.utils.data.DataLoader is D.DataLoader
    X = np.arange(20, dtype=np.float32).reshape(10, 2)
    y = np.arange(10)
    ds = TensorDataset(X, y)
    xi, yi = ds[3]  # Tensors, as torch's TensorDataset gives
    assert isinstance(xi, autograd.Tensor) and xi.tolist() == [6.0, 7.0] and yi.item() == 3
    a, b = random_split(ds, [0.7, 0.3], seed=0)
    assert (len(a), len(b)) == (7, 3)
    assert sorted(a.indices + b.indices) == list(range(10))
    c1, _ = random_split(ds, [0.7, 0.3], seed=0)
    assert c1.indices == a.indices  # the same seed, the same split
    got = [int(v) for _, yb in DataLoader(a, batch_size=3, num_workers=2) for v in yb.tolist()]
    assert got == a.indices  # in order without shuffle; the labels are the indices here
    assert [len(bt) for bt in DataLoader(ds, 4, collate_fn=lambda s: s)] == [4, 4, 2]
    cat = ConcatDataset([ds, Subset(ds, [9, 8])])
    assert len(cat) == 12 and cat[10][1].item() == 9 and cat[-1][1].item() == 8
    with pytest.raises(ValueError, match="sum to 9"):
        random_split(ds, [5, 4])
    with pytest.raises(IndexError, match="out of range"):
        Subset(ds, [10])
    with pytest.raises(ValueError, match="num_workers"):
        DataLoader(ds, num_workers=-1)

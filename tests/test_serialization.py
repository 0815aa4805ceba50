"""nn.fit / nn.evaluate / History on digits, and nn.save / nn.load."""

from __future__ import annotations

import os

import numpy as np
import pytest

import autograd
import nn
import optim
from autograd import Tensor
from autograd import data as D


@pytest.fixture(scope="module")
def digits_run():
    pytest.importorskip("sklearn")
    autograd.manual_seed(0)
    X, y = D.load_digits()
    Xtr, Xte, ytr, yte = D.train_test_split(X, y, test_size=0.2, seed=0)
    model = nn.MLP(64, [64, 10])
    opt = optim.Adam(model.parameters(), lr=1e-2)
    train = D.DataLoader(D.TensorDataset(Xtr, ytr), 32, shuffle=True, seed=0)
    val = D.DataLoader(D.TensorDataset(Xte, yte), 256)
    history = nn.fit(model, nn.CrossEntropyLoss(), opt, train, epochs=5, val_loader=val,
                     progress=False)
    return model, opt, history, Xte, yte, val


def test_digits_mlp_adam_learns(digits_run):
    model, _, history, _, _, val = digits_run
    assert len(history) == 5
    assert history["loss"][-1] < history["loss"][0]
    assert history["val_accuracy"][-1] >= 0.95
    result = nn.evaluate(model, nn.CrossEntropyLoss(), val)
    assert result["accuracy"] == pytest.approx(history["val_accuracy"][-1])
    assert model.training  # evaluate restores the mode


def test_save_load_bit_for_bit(digits_run, tmp_path):
    model, opt, _, Xte, _, _ = digits_run
    path = tmp_path / "digits.npz"
    nn.save(model, path)
    other = nn.MLP(64, [64, 10])
    other.load_state_dict(nn.load(path))
    with autograd.no_grad():
        a, b = model(Tensor(Xte)).data, other(Tensor(Xte)).data
    assert a.tobytes() == b.tobytes()
    # optimizer state too, nested with other things
    nn.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 5},
            tmp_path / "ckpt.npz")
    ck = nn.load(tmp_path / "ckpt.npz")
    assert ck["epoch"] == 5 and ck["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)
    opt2 = optim.Adam(other.parameters(), lr=1e-2)
    opt2.load_state_dict(ck["optimizer"])
    s1, s2 = opt.state_dict()["state"][0], opt2.state_dict()["state"][0]
    assert s1["step"] == s2["step"] and s1["exp_avg"].tobytes() == s2["exp_avg"].tobytes()
    nn.save(opt, tmp_path / "opt.npz")
    assert nn.load(tmp_path / "opt.npz")["state"][3]["step"] == s1["step"]


def test_fit_history_plot_and_regression_skips_accuracy():
    autograd.manual_seed(1)
    X = np.random.default_rng(0).standard_normal((64, 3)).astype(np.float32)
    y = X @ np.array([1.0, -2.0, 0.5], np.float32)
    model = nn.Linear(3, 1)
    loader = D.DataLoader(D.TensorDataset(X, y[:, None]), 16)
    h = nn.fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1), loader, epochs=3,
               progress=True)
    assert h.keys() == ["loss"] and h["loss"][2] < h["loss"][0]
    ax = h.plot()
    assert len(ax.get_lines()) == 1
    with pytest.raises(KeyError, match="has no 'accuracy'"):
        h["accuracy"]


def test_fit_nan_loss_names_epoch_and_batch():
    X = np.ones((8, 2), np.float32)
    X[5] = np.nan
    loader = D.DataLoader(D.TensorDataset(X, np.zeros(8, np.int64)), 2)
    model = nn.Linear(2, 2)
    with pytest.raises(FloatingPointError, match="epoch 1, batch 3"):
        nn.fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), loader,
               epochs=2, progress=False)


def test_binary_accuracy_thresholds():
    from nn.train import accuracy

    s = Tensor(np.array([[2.0], [-1.0], [0.3]]))
    assert accuracy(s, np.array([1, 0, 0])) == pytest.approx(2 / 3)
    assert accuracy(Tensor(np.array([0.9, 0.2, 0.6])), np.array([1, 0, 0]), 0.5) == \
        pytest.approx(2 / 3)
    assert accuracy(s.reshape(-1), np.array([1.0, -1.0, 1.0])) == 1.0
    assert accuracy(s, np.array([0.5, 1.5, 2.5])) is None


def test_atomic_save_keeps_old_file_and_bad_files_are_clear_errors(tmp_path):
    path = tmp_path / "m.npz"
    nn.save({"w": Tensor(np.arange(3.0))}, path)
    before = path.read_bytes()
    with pytest.raises(TypeError, match="cannot save a object"):
        nn.save({"w": object()}, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]  # no temp file left behind
    np.testing.assert_array_equal(nn.load(path)["w"].data, [0.0, 1.0, 2.0])

    trunc = tmp_path / "trunc.npz"
    trunc.write_bytes(before[: len(before) // 2])
    with pytest.raises(ValueError, match="truncated, corrupt or not a numbagrad file"):
        nn.load(trunc)
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, a=np.ones(2))
    with pytest.raises(ValueError, match="not written by nn.save"):
        nn.load(foreign)
    text = tmp_path / "notes.npz"
    text.write_text("hello")
    with pytest.raises(ValueError, match="not a numbagrad file"):
        nn.load(text)
    with pytest.raises(FileNotFoundError, match="no file"):
        nn.load(tmp_path / "missing.npz")
    assert os.path.exists(path)


def test_value_parameters_state_dict_roundtrip(tmp_path):
    scalar = pytest.importorskip("nn.scalar")
    autograd.manual_seed(2)
    a = scalar.MLP(2, [3, 1])
    nn.save(a, tmp_path / "s.npz")
    autograd.manual_seed(3)
    b = scalar.MLP(2, [3, 1])
    b.load_state_dict(nn.load(tmp_path / "s.npz"))
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]


def test_fit_steps_a_scheduler_each_epoch_and_one_hot():
    from optim import lr_scheduler

    X, y = D.blobs(n=40, centers=2, seed=0)
    model = nn.Linear(2, 2)
    opt = optim.SGD(model.parameters(), lr=0.1)
    sched = lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    loader = D.DataLoader(D.TensorDataset(X, y), 10)
    h = nn.fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=3, progress=False,
               scheduler=sched)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1 * 0.5**3)
    assert "accuracy" in h and 0.0 <= h["accuracy"][-1] <= 1.0
    oh = nn.functional.one_hot(np.array([2, 0]), 3)
    np.testing.assert_array_equal(oh.data, [[0, 0, 1], [1, 0, 0]])
    assert oh.dtype == np.int64  # as torch
    with pytest.raises(RuntimeError, match=r"class values must be in \[0, 3\)"):
        nn.functional.one_hot(np.array([3]), 3)


def test_torch_style_save_load_spellings(tmp_path):
    """torch.save(model.state_dict(), f) / torch.load(f, map_location=..., weights_only=...)."""
    m = nn.Linear(3, 2)
    p = tmp_path / "m.pt"
    autograd.save(m.state_dict(), p)
    sd = autograd.load(p, map_location="cpu", weights_only=True)
    assert autograd.save is nn.save and autograd.load is nn.load
    m2 = nn.Linear(3, 2)
    m2.load_state_dict(sd)
    np.testing.assert_array_equal(m2.weight.data, m.weight.data)
    sd2 = autograd.load(p, map_location=autograd.device("cpu"))
    np.testing.assert_array_equal(sd2["bias"].data, m.bias.data)
    with pytest.raises(ValueError, match="CPU only"):
        autograd.load(p, map_location="cuda:0")

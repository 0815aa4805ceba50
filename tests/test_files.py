"""The one atomic file writer (autograd._files) behind save_graph and nn.save: file modes
under the umask, errors naming the user's path, failed writes that change nothing."""

from __future__ import annotations

import os
import stat

import numpy as np
import pytest

import autograd as ag
import nn
from autograd import Tensor, Value, _files


def writers(tmp_path):
    y = Value(2.0, label="x") * 3.0
    return [("graph", lambda p: ag.save_graph(y, p), "g.dot"),
            ("nn.save", lambda p: nn.save({"w": Tensor(np.ones(3))}, p), "m.npz")]


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o077, 0o600)])
def test_new_files_get_the_umask_mode_and_existing_files_keep_theirs(tmp_path, mask, mode):
    old = os.umask(mask)
    try:
        for what, write, name in writers(tmp_path):
            p = tmp_path / name
            write(p)
            assert stat.S_IMODE(p.stat().st_mode) == mode, what
            p.chmod(0o644)
            write(p)
            assert stat.S_IMODE(p.stat().st_mode) == 0o644, what   # kept, as open() keeps it
            p.unlink()
    finally:
        os.umask(old)
    assert not list(tmp_path.iterdir())


def test_errors_name_the_users_path_never_the_temp_file(tmp_path):
    for what, write, name in writers(tmp_path):
        missing = tmp_path / "no_such_folder" / name
        with pytest.raises(FileNotFoundError) as e:
            write(missing)
        assert str(missing) in str(e.value) and "does not exist" in str(e.value)
        assert ".tmp" not in str(e.value), what
        folder = tmp_path / f"dir_{name}"
        folder.mkdir()
        with pytest.raises(IsADirectoryError) as e:
            write(folder)
        assert str(folder) in str(e.value) and ".tmp" not in str(e.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_read_only_folder_is_named(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        with pytest.raises(PermissionError) as e:
            nn.save({"w": Tensor(np.ones(2))}, ro / "m.npz")
        assert str(ro / "m.npz") in str(e.value) and "permission denied" in str(e.value)
    finally:
        ro.chmod(0o755)


def test_a_failed_write_leaves_the_old_file_byte_identical(tmp_path):
    p = tmp_path / "m.npz"
    nn.save({"w": Tensor(np.arange(4.0))}, p)
    before = p.read_bytes()

    def explode(f):
        f.write(b"half a file")
        raise OSError("disk full")

    with pytest.raises(OSError, match=r"cannot write .*m\.npz.*disk full"):
        _files.write_atomic(p, explode)
    with pytest.raises(TypeError):
        nn.save({"w": object()}, p)
    assert p.read_bytes() == before
    assert [f.name for f in tmp_path.iterdir()] == ["m.npz"]


def test_load_errors_never_suggest_pickle(tmp_path):
    cases = {"text.npz": b"hello", "empty.npz": b"", "p.npz": b"\x80\x04K\x01."}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(ValueError) as e:
            nn.load(tmp_path / name)
        said = str(e.value).replace(str(tmp_path), "")   # the folder is named after the test
        assert "pickle" not in said.lower() and name in said
        assert "not a numbagrad file" in str(e.value)
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    np.savez(tmp_path / "objects.npz", __numbagrad__=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError) as e:
        nn.load(tmp_path / "objects.npz")
    assert "pickle" not in str(e.value).replace(str(tmp_path), "").lower()
    with pytest.raises(IsADirectoryError, match="is a directory") as e:
        nn.load(tmp_path)
    assert str(tmp_path) in str(e.value)
    with pytest.raises(FileNotFoundError, match="no file"):
        nn.load(tmp_path / "missing.npz")


# -- other errors a careless user meets --------------------------------------------------
def test_optimizer_given_the_model_says_to_pass_its_parameters():
    import optim

    model = nn.Linear(2, 3)
    with pytest.raises(TypeError, match=r"SGD: got the model itself \(Linear\); pass its "
                                        r"parameters: SGD\(model.parameters\(\)"):
        optim.SGD(model, lr=0.1)
    with pytest.raises(TypeError, match=r"Adam: params must be an iterable .* got int"):
        optim.Adam(3, lr=0.1)
    assert len(optim.SGD(model.parameters(), lr=0.1).param_groups[0]["params"]) == 2


def test_fit_progress_bar_in_a_notebook_without_ipywidgets_is_quiet():
    import subprocess
    import sys

    code = """
import sys, types, warnings
sys.modules['ipykernel.zmqshell'] = types.ModuleType('zmqshell')   # as inside a Jupyter kernel
ipy = types.ModuleType('IPython')
ipy.get_ipython = lambda: type('ZMQInteractiveShell', (), {})()
sys.modules['IPython'] = ipy
sys.modules['ipywidgets'] = None                                    # the notebook extra missing
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter('always')
    from nn.train import _progress_bar
    bar = _progress_bar()
print(bar.__module__, [str(w.message) for w in caught if 'IProgress' in str(w.message)])
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().startswith("tqdm.") and r.stdout.strip().endswith("[]"), r.stdout

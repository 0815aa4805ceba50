"""mypy holds the engine core at zero errors (pyproject's [tool.mypy]; `make lint` runs it too).

Each test runs mypy in a subprocess from the repository root, so pyproject's settings apply
(strict, follow_imports = "silent": only the three files themselves must be clean).
"""

import os
import pathlib
import subprocess
import sys

import pytest

pytest.importorskip("mypy")

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORE = ["autograd/function.py", "autograd/tensor.py", "autograd/scalar.py"]


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    # a private cache: several test runs at once never share (or corrupt) one
    return str(tmp_path_factory.mktemp("mypy_cache"))


def _mypy(cache_dir: str, *files: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", cache_dir, "--no-color-output", *files],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "MYPYPATH": str(ROOT)})


def test_engine_core_has_no_mypy_errors(cache_dir: str) -> None:
    r = _mypy(cache_dir, *CORE)
    assert r.returncode == 0, f"mypy found errors in the engine core:\n{r.stdout}{r.stderr}"
    assert "Success: no issues found in 3 source files" in r.stdout, r.stdout + r.stderr


def test_config_is_strict_and_lists_the_core(cache_dir: str, tmp_path: pathlib.Path) -> None:
    # pyproject's settings reach a file mypy is given: an untyped def and a wrong type in a
    # call into the engine are both reported (so a clean run above means something)
    bad = tmp_path / "bad_typing_sample.py"
    bad.write_text("from autograd.tensor import Tensor\n\n\n"
                   "def untyped(x):\n    return x\n\n\n"
                   "def wrong() -> int:\n    return Tensor([1.0]).shape\n")
    r = _mypy(cache_dir, str(bad))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "[no-untyped-def]" in r.stdout, r.stdout
    assert "[return-value]" in r.stdout, r.stdout
    # with no files named, mypy checks exactly the core (what `make lint` runs)
    r = _mypy(cache_dir)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Success: no issues found in 3 source files" in r.stdout, r.stdout + r.stderr

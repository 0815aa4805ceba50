"""README.md's tour stays true: every python block followed by an output block is run, and
its printout must match that block exactly."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_BODY = r"((?:(?!```).)*)"  # a fenced block's text: anything up to the next fence
PAIRS = re.findall(rf"```python\n{_BODY}```\n```\n{_BODY}```", (ROOT / "README.md").read_text(),
                   flags=re.S)


def test_the_readme_has_examples_with_output() -> None:
    assert len(PAIRS) >= 3


# packages an example may use that are not numbagrad's dependencies (extras, torch)
_OPTIONAL = ("torch", "onnx", "onnxruntime", "safetensors")


@pytest.mark.parametrize("code,expected", PAIRS, ids=[f"example{i}" for i in range(len(PAIRS))])
def test_readme_example_prints_what_the_readme_says(code: str, expected: str,
                                                    tmp_path: Path) -> None:
    imported = set(re.findall(r"^import (.+)$", code, flags=re.M))
    names = {n.strip().split(" as ")[0].split(".")[0] for line in imported
             for n in line.split(",")}
    missing = [m for m in _OPTIONAL if m in names and importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"this example needs {', '.join(missing)} (pip install torch==2.13.0 / "
                    "numbagrad[onnx])")
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, timeout=300,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin",
                              "MPLBACKEND": "Agg"})
    assert run.returncode == 0, run.stderr
    assert run.stdout == expected

"""README.md's tour stays true: every python block followed by an output block is run, and
its printout must match that block exactly."""

from __future__ import annotations

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


@pytest.mark.parametrize("code,expected", PAIRS, ids=[f"example{i}" for i in range(len(PAIRS))])
def test_readme_example_prints_what_the_readme_says(code: str, expected: str,
                                                    tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, timeout=300,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin",
                              "MPLBACKEND": "Agg"})
    assert run.returncode == 0, run.stderr
    assert run.stdout == expected

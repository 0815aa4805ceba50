"""numbagrad's teaching demos: the classic introductions to neural networks, as programs.

Run ``python -m demos`` for the list and ``python -m demos NAME`` to run one. Every demo is
one module with a one-line ``DESCRIPTION`` and ``run(quick=False, out=None, seed=0) -> dict``
that prints its story, writes its pictures and returns its key numbers (tests assert them).
This file holds the little they share: where pictures go, and how they are saved.
"""

from __future__ import annotations

import importlib
import textwrap
from pathlib import Path
from types import ModuleType
from typing import Any

# In the order a learner meets them (the runner lists them in this order); the first five
# are the tour's stops, in the tour's order.
DEMOS = (
    "wine",
    "perceptron",
    "xor",
    "guests",
    "digits",
    "activations",
    "sgd",
    "approximation",
    "more_data",
    "animals",
    "optimizers",
    "scalar_moons",
    "moons",
    "gradients",
    "cnn",
    "rnn_memory",
    "ages",
    "gan",
    "tour",
)

ROOT = Path(__file__).resolve().parent.parent
IMAGES = Path(__file__).resolve().parent / "images"


def load(name: str) -> ModuleType:
    """The demo module called ``name``; a clear error listing the demos when there is none."""
    if name not in DEMOS:
        raise ValueError(f"no demo called {name!r}; the demos are: {', '.join(DEMOS)}")
    return importlib.import_module(f"demos.{name}")


def say(text: str) -> None:
    """Print a paragraph of the demo's story, dedented and wrapped to 88 columns."""
    text = textwrap.dedent(text).strip("\n")
    for para in text.split("\n\n"):
        print(textwrap.fill(" ".join(para.split()), width=88))
        print()


def heading(text: str) -> None:
    print(f"\n== {text} " + "=" * max(0, 84 - len(text)))
    print()


def eta(start: float, done: int, total: int) -> str:
    """A progress note for a training loop: how far along, and the time left at this pace."""
    import time

    spent = time.perf_counter() - start
    left = spent / max(done, 1) * (total - done)
    bar = "#" * round(20 * done / total)
    return f"[{bar:<20}] {done / total:4.0%}, ~{left:.0f} s left"


def seconds_per_step(steps: dict, args: tuple, n: int, warmup: int = 3) -> dict:
    """Each named step function's wall time per call over ``n`` calls on ``args``, after
    ``warmup`` calls (a compiled step records there), one step function after the other."""
    import time

    out = {}
    for name, step in steps.items():
        for _ in range(warmup):
            step(*args)
        t0 = time.perf_counter()
        for _ in range(n):
            step(*args)
        out[name] = (time.perf_counter() - t0) / n
    return out


def pyplot() -> Any:
    """matplotlib.pyplot on the Agg backend: the demos write files, they never open windows."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def show_path(path: Path) -> str:
    """path relative to the working directory when it is inside it, else absolute."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


class Outputs:
    """The folder a demo writes into, and the list of files it wrote there."""

    def __init__(self, name: str, out: Path | str | None) -> None:
        self.dir = Path(out) if out is not None else ROOT / "out" / name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.files: list[Path] = []

    def figure(self, fig: Any, filename: str, dpi: int = 150) -> Path:
        """Save a matplotlib figure at 150 dpi (readable on a slide) and close it."""
        path = self.dir / filename
        fig.savefig(path, dpi=dpi, bbox_inches="tight")
        pyplot().close(fig)
        return self._wrote(path)

    def graph(self, root: Any, filename: str, **options: Any) -> Path:
        """Render the graph behind ``root`` (a Value or Tensor, or a drawn graph) to a file."""
        import autograd

        path = self.dir / filename
        autograd.save_graph(root, path, **options)
        return self._wrote(path)

    def _wrote(self, path: Path) -> Path:
        self.files.append(path)
        print(f"  wrote {show_path(path)}")
        return path

    def report(self) -> None:
        print(f"Pictures are in {show_path(self.dir)}/:")
        for f in self.files:
            print(f"  {f.name}")

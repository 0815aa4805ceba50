"""Rendering: find a Graphviz program (``dot``, or the standalone ``graphviz-pure``), run it
with a timeout, and save pictures through the library's one atomic file writer.

We run the program ourselves: the graphviz package's ``pipe``/``render`` take no timeout, so
a huge layout could hang a notebook. The DOT text itself (``.source``, ``save_graph(root,
"g.dot")``) never needs Graphviz.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import graphviz

from .._files import write_atomic

__all__ = ["DEFAULT_TIMEOUT", "Graph", "GraphvizNotFoundError", "find_dot", "render"]

#: seconds a Graphviz run may take before it is stopped
DEFAULT_TIMEOUT = 60.0
FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}
_INSTALL_HELP = (
    "Install Graphviz: `apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` "
    "(macOS), `conda install graphviz` (conda), or `pip install graphviz-pure` "
    "(numbagrad[render]: a standalone binary, svg and png only, no root needed).")


class GraphvizNotFoundError(RuntimeError):
    """No Graphviz program to render with; ``.source`` still holds the graph's DOT text."""

    def __init__(self, message: str, source: str = "") -> None:
        super().__init__(message)
        self.source = source


class Graph(graphviz.Digraph):
    """A ``graphviz.Digraph`` whose notebook display renders through ``render`` (timeout,
    graphviz-pure fallback, a clear error when Graphviz is missing)."""

    def _repr_image_svg_xml(self) -> str:
        return render(self, "svg").decode("utf-8")

    def _repr_image_png(self) -> bytes:
        return render(self, "png")

    def _repr_image_jpeg(self) -> bytes:
        return render(self, "jpeg")


def check_timeout(timeout: Any, who: str = "render") -> float:
    """A timeout in seconds: a finite number > 0."""
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"{who}: timeout must be a number of seconds, got {timeout!r}")
    if not 0 < timeout < float("inf"):
        raise ValueError(f"{who}: timeout must be a number of seconds > 0, got {timeout!r}")
    return float(timeout)


def find_dot() -> str | None:
    """The Graphviz program to render with: ``$NUMBAGRAD_DOT``, ``dot`` on PATH, or the
    ``graphviz-pure`` binary (on PATH or beside this Python); None when there is none."""
    chosen = os.environ.get("NUMBAGRAD_DOT")
    if chosen:
        found = shutil.which(chosen)
        if found is None and os.path.basename(chosen) == "graphviz-pure":
            found = graphviz_pure_beside_python()
        return found
    found = shutil.which("dot") or shutil.which("graphviz-pure")
    if found:
        return found
    return graphviz_pure_beside_python()


def graphviz_pure_beside_python() -> str | None:
    """graphviz-pure installed in this environment whose scripts folder is not on PATH."""
    for folder in (sysconfig.get_path("scripts"), os.path.dirname(sys.executable)):
        if folder:
            cand = os.path.join(folder, "graphviz-pure")
            if os.path.isfile(cand) and os.access(cand, os.X_OK):
                return cand
    return None


def render(graph: graphviz.Digraph, format: str = "svg", timeout: float = DEFAULT_TIMEOUT
           ) -> bytes:
    """Run Graphviz on the graph and return the picture's bytes; stopped after ``timeout`` s."""
    timeout = check_timeout(timeout)
    dot = find_dot()
    chosen = os.environ.get("NUMBAGRAD_DOT")
    if dot is None and chosen:
        raise GraphvizNotFoundError(
            f"cannot render the graph as {format}: NUMBAGRAD_DOT={chosen!r} is not a program "
            "that can be run; unset it to use `dot` from PATH. " + _INSTALL_HELP, graph.source)
    if dot is None:
        raise GraphvizNotFoundError(
            f"cannot render the graph as {format}: Graphviz's `dot` program was not found on "
            f"PATH. {_INSTALL_HELP} The DOT source needs no Graphviz: use the graph's "
            "`.source`, or save_graph(root, 'graph.dot').", graph.source)
    if "graphviz-pure" in os.path.basename(dot) and format in ("pdf", "ps"):
        raise GraphvizNotFoundError(
            f"cannot render {format}: the graphviz-pure binary ({dot}) writes svg and png but "
            f"not {format}. Save as .svg or .png, or install Graphviz for {format}. "
            + _INSTALL_HELP, graph.source)
    try:
        proc = subprocess.run([dot, f"-T{format}"], input=graph.source.encode("utf-8"),
                              capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise TimeoutError(
            f"Graphviz ({dot}) did not finish laying out the graph within {timeout:g} s and was "
            "stopped. Draw a smaller graph (a lower max_nodes collapses module boxes), or pass "
            "a larger timeout.") from None
    except OSError as e:
        raise GraphvizNotFoundError(f"cannot run Graphviz ({dot}): {e}. {_INSTALL_HELP}",
                                    graph.source) from None
    if proc.returncode != 0 or not proc.stdout:
        err = proc.stderr.decode("utf-8", "replace").strip() or "no output"
        raise RuntimeError(f"Graphviz ({dot} -T{format}) failed with exit code "
                           f"{proc.returncode}: {err}")
    return proc.stdout


def save_graph(root: Any, path: str | os.PathLike[str], *, timeout: float = DEFAULT_TIMEOUT,
               **draw_kwargs: Any) -> Path:
    """Draw root (or take a ready graph) and write it to path; the format is the extension
    (.svg .png .pdf .dot/.gv). .dot needs no Graphviz. The file appears whole or not at all:
    on any failure an existing file at path is left as it was."""
    from .draw import draw

    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"save_graph: cannot tell the format from {path.name!r}; use one of "
                         f"{', '.join(sorted(FORMATS))}")
    if isinstance(root, graphviz.Digraph):
        if draw_kwargs:
            raise TypeError(f"save_graph: got a ready graph, so draw options "
                            f"{sorted(draw_kwargs)} cannot apply")
        graph = root
    else:
        graph = draw(root, **draw_kwargs)
    if path.is_dir():
        raise IsADirectoryError(f"save_graph: {os.fspath(path)!r} is a directory; give a file "
                                "name such as graph.svg")
    data = graph.source.encode("utf-8") if fmt == "dot" else render(graph, fmt, timeout)
    return write_atomic(path, data, who="save_graph")

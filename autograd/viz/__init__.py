"""Computation graphs as pictures: ``draw(root)`` -> a ``graphviz.Digraph``, for Value and
Tensor, and ``save_graph(root, "g.svg")``.

One job per file: ``walk`` (the graph walk, node roles, labels, tooltips), ``flow`` (the
gradient-flow magnitudes, from the engines, and their colour scale), ``expand`` (composite ops
as the steps a learner writes, for ``draw(root, expand=True)``), ``layout`` (module boxes,
folding big graphs, wrapping long and wide ones, DOT), ``draw`` (assembles a picture),
``render`` (finding and running Graphviz with a timeout, saving through ``autograd._files``),
``cli`` (the command line)::

    python -m autograd.viz "tanh(x*w + b)" --at x=0.5 w=0.7 b=0 -o neuron.svg
"""

from __future__ import annotations

from .cli import ExpressionError, evaluate, main
from .draw import draw
from .flow import GRAD_DECADES, PALETTE
from .renderer import DEFAULT_TIMEOUT, Graph, GraphvizNotFoundError, find_dot, render, save_graph
from .walk import HANDFUL, walk

__all__ = ["DEFAULT_TIMEOUT", "GRAD_DECADES", "HANDFUL", "PALETTE", "ExpressionError", "Graph",
           "GraphvizNotFoundError", "draw", "evaluate", "find_dot", "main", "render",
           "save_graph", "walk"]

"""gradients: why deep sigmoid networks were hard to train, seen in the gradient flow.

Backpropagation multiplies one local derivative per layer. The sigmoid's derivative is at
most 0.25, so through ten sigmoid layers the gradient shrinks by a factor of a million or
more before it reaches the first layer: it vanishes, and the early layers barely learn. The
ReLU's derivative is 1 wherever it is active, so its gradient arrives intact. Drawn as two
computation graphs coloured by gradient magnitude, and as a plot of per-layer norms.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import autograd
import nn
from autograd import Tensor
from demos import Outputs, heading, pyplot, say

DESCRIPTION = "vanishing gradients: deep sigmoid vs deep ReLU MLP, gradient-flow graphs"
IMAGE = "gradients.png"


def layer_grad_norms(model: nn.MLP) -> list[float]:
    """The norm of each Linear layer's weight gradient, first layer first."""
    return [float(np.linalg.norm(m.weight.grad.numpy()))
            for m in model if isinstance(m, nn.Linear)]


def run(quick: bool = False, out: Path | None = None, seed: int = 0) -> dict:
    outputs = Outputs("gradients", out)
    heading("gradients: what reaches the first layer?")
    depth, width = (8, 8) if quick else (10, 16)
    say(f"""
        Two MLPs of the same shape, {depth} hidden layers of {width} neurons: one with
        sigmoid activations (weights initialised the Xavier/Glorot way, made for sigmoid
        and tanh), one with ReLU (Kaiming/He initialisation, made for ReLU), so each starts
        as well as it can. One batch of 64 random inputs, a mean squared error against
        random targets, one backward pass. How big is each layer's weight gradient?
        """)
    autograd.manual_seed(seed)
    r = autograd.rng()
    X = Tensor(r.standard_normal((64, width)))
    target = Tensor(r.standard_normal((64, 1)))
    norms: dict[str, list[float]] = {}
    losses = {}
    for activation in ("sigmoid", "relu"):
        autograd.manual_seed(seed + 1)
        model = nn.MLP(width, [width] * depth + [1], activation=activation, dtype=np.float64)
        for layer in model:
            if isinstance(layer, nn.Linear):
                if activation == "sigmoid":
                    nn.init.xavier_uniform_(layer.weight)
                else:
                    nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
                nn.init.zeros_(layer.bias)
        loss = nn.MSELoss()(model(X), target)
        loss.backward(retain_graph=True)  # keep the buffers so the drawing can show the flow
        norms[activation] = layer_grad_norms(model)
        losses[activation] = loss
    lo = min(min(v) for v in norms.values())
    hi = max(max(v) for v in norms.values())

    print("  layer   sigmoid grad norm   relu grad norm")
    for i, (s, rl) in enumerate(zip(norms["sigmoid"], norms["relu"])):
        print(f"  {i + 1:5d}   {s:17.2e}   {rl:14.2e}")
    sig_ratio = norms["sigmoid"][0] / norms["sigmoid"][-1]
    relu_ratio = norms["relu"][0] / norms["relu"][-1]
    print()
    say(f"""
        Read from the bottom (last layer) up (first layer). With sigmoids the first layer
        gets {sig_ratio:.1e} times the last layer's gradient: each sigmoid multiplies the
        gradient by its slope, at most 0.25. With ReLUs the first layer gets
        {relu_ratio:.2g} times the last one's: the gradient arrives. In the graphs below each
        edge is coloured by the size of the gradient flowing back along it, on one shared
        scale, so the sigmoid network fades to nothing towards its inputs.
        """)

    scale = (lo / 10, hi)
    for activation in ("sigmoid", "relu"):
        title = f"{activation}: gradient flow through {depth} hidden layers"
        graph = autograd.draw(losses[activation], grad_flow=scale, show_data=False,
                              title=title)
        outputs.graph(graph, f"flow_{activation}.svg")
        graph.attr(dpi="110")  # each graph gets a full-width row of the combined picture
        outputs.graph(graph, f"flow_{activation}.png")

    plt = pyplot()
    from matplotlib.ticker import MaxNLocator

    fig = plt.figure(figsize=(14, 17))
    grid = fig.add_gridspec(2, 2, height_ratios=(3, 1), hspace=0.08, wspace=0.02)
    for col, activation in enumerate(("sigmoid", "relu")):
        pic = fig.add_subplot(grid[0, col])
        pic.imshow(plt.imread(outputs.dir / f"flow_{activation}.png"))
        pic.set_title(f"{activation}: gradient flow (colour = gradient size;\n"
                      f"flow_{activation}.svg to zoom)", fontsize=12)
        pic.axis("off")
    ax = fig.add_subplot(grid[1, :])
    layers = np.arange(1, depth + 2)
    ax.semilogy(layers, norms["sigmoid"], "o-", label="sigmoid (Xavier init)")
    ax.semilogy(layers, norms["relu"], "s-", label="ReLU (Kaiming init)")
    ax.set_xlabel("layer (1 = nearest the input)")
    ax.set_ylabel("norm of the weight gradient")
    ax.set_title("gradient reaching each layer", fontsize=10)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.suptitle(f"gradients: {depth}-layer sigmoid vs ReLU MLP, one backward pass")
    outputs.figure(fig, IMAGE)
    outputs.report()
    return {
        "sigmoid_norms": norms["sigmoid"],
        "relu_norms": norms["relu"],
        "sigmoid_first_over_last": sig_ratio,
        "relu_first_over_last": relu_ratio,
        "files": outputs.files,
    }

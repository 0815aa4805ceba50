"""activations: the functions a neuron applies to its weighted sum, and their slopes.

Step, sigmoid, tanh, ReLU, leaky ReLU and GELU, each defined in one line and drawn with its
derivative (computed by the engine's backward, not written by hand). Then why the sigmoid
replaced the step: the step's derivative is zero wherever it exists, so gradient descent
gets no signal through it and a step neuron cannot learn by backpropagation.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

import autograd
from autograd import Tensor, Value
from demos import Outputs, heading, pyplot, say

DESCRIPTION = "step, sigmoid, tanh, ReLU, leaky ReLU, GELU and their slopes; why not the step"
IMAGE = "activations.png"

LEAK = 0.1  # leaky ReLU's slope for x < 0 in the picture (PyTorch's default is 0.01)

DEFINITIONS = {
    "step": ("step(x) = 1 if x > 0 else 0: the perceptron's all-or-nothing threshold",
             lambda t: autograd.step(t)),
    "sigmoid": ("sigmoid(x) = 1 / (1 + e^-x): a smooth step from 0 to 1",
                lambda t: t.sigmoid()),
    "tanh": ("tanh(x) = (e^x - e^-x) / (e^x + e^-x): a smooth step from -1 to 1",
             lambda t: t.tanh()),
    "ReLU": ("relu(x) = max(0, x): zero for negatives, the identity for positives",
             lambda t: t.relu()),
    "leaky ReLU": (f"leaky_relu(x) = x if x > 0 else {LEAK} x: a ReLU that never goes flat",
                   lambda t: t.leaky_relu(LEAK)),
    "GELU": ("gelu(x) = x Phi(x), Phi the normal CDF: a ReLU with a smooth corner",
             lambda t: t.gelu()),
}

CORNERS = ((0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0))
AND = (0.0, 0.0, 0.0, 1.0)


def curves(lo: float = -4.0, hi: float = 4.0, n: int = 401) -> tuple[np.ndarray, dict]:
    """Each activation and its derivative on a grid; the derivative from backward()."""
    grid = np.linspace(lo, hi, n)
    out = {}
    for name, (_, fn) in DEFINITIONS.items():
        x = Tensor(grid, requires_grad=True)
        y = fn(x)
        y.sum().backward()
        out[name] = (y.data.copy(), x.grad.data.copy())
    return grid, out


def train_neuron(activation: str, steps: int, lr: float) -> tuple[list[float], list[float]]:
    """Gradient descent on one neuron (weights 0.5, 0.7, bias -0.6: the perceptron's start)
    for AND with the squared error; returns the losses and the final weights."""
    w = [Value(0.5), Value(0.7)]
    b = Value(-0.6)
    losses = []
    for _ in range(steps):
        loss = Value(0.0)
        for (x1, x2), y in zip(CORNERS, AND):
            out = getattr(Value.dot(w, (x1, x2), b), activation)()
            loss = loss + (out - y) ** 2
        loss = loss / len(CORNERS)
        for p in (*w, b):
            p.grad = 0.0
        loss.backward()
        losses.append(loss.data)
        for p in (*w, b):
            p.data -= lr * p.grad
    return losses, [w[0].data, w[1].data, b.data]


def run(quick: bool = False, out: Path | None = None, seed: int = 0) -> dict:
    outputs = Outputs("activations", out)
    heading("activations: what a neuron does with its weighted sum")
    say("""
        A neuron adds up its weighted inputs and passes the sum through an activation
        function. Without one, a stack of layers is still one weighted sum (a straight
        line); the bend is what lets a network draw curves. The common ones, each in a line:
        """)
    for name, (definition, _) in DEFINITIONS.items():
        print(f"  {name:10s}  {definition}")
    print()
    grid, result = curves()
    at = {v: int(np.argmin(np.abs(grid - v))) for v in (-2.0, 0.0, 2.0)}
    print("  slopes (from backward()) at x = -2, 0, 2:")
    slopes = {}
    for name, (_, d) in result.items():
        slopes[name] = [float(d[i]) for i in at.values()]
        print(f"    {name:10s}  " + "  ".join(f"{s:6.3f}" for s in slopes[name]))
    step_max = float(np.abs(result["step"][1]).max())
    sig_max = float(result["sigmoid"][1].max())
    print()
    say(f"""
        The step's slope is {step_max:g} everywhere on the grid (at 0 it jumps, and has no
        slope at all). The sigmoid's peaks at {sig_max:.3f} at 0 and fades on both sides;
        tanh's at {float(result['tanh'][1].max()):.3f}. ReLU's is 0 or 1, so a ReLU passes
        gradients through unchanged where it is on; leaky ReLU keeps a slope of {LEAK:g} where
        ReLU's is 0; GELU is a ReLU with the corner rounded off.
        """)

    heading("why the sigmoid replaced the step")
    steps = 200 if quick else 1000
    lr = 2.0
    step_losses, step_w = train_neuron("step", steps, lr)
    sig_losses, sig_w = train_neuron("sigmoid", steps, lr)
    sig_out = [1.0 / (1.0 + math.exp(-(sig_w[0] * a + sig_w[1] * b + sig_w[2])))
               for a, b in CORNERS]
    sig_right = sum((o > 0.5) == (y > 0.5) for o, y in zip(sig_out, AND))
    moved = max(abs(a - b) for a, b in zip(step_w, (0.5, 0.7, -0.6)))
    print(f"  step neuron,    {steps} steps of gradient descent on AND: loss "
          f"{step_losses[0]:.3f} -> {step_losses[-1]:.3f}, weights moved by {moved:g}")
    print(f"  sigmoid neuron, {steps} steps of gradient descent on AND: loss "
          f"{sig_losses[0]:.3f} -> {sig_losses[-1]:.3f}, {sig_right}/4 corners right")
    print()
    say(f"""
        Both start from the same weights, with the same learning rate lr = {lr:g}. The step
        neuron's gradient is {'exactly zero' if moved == 0 else 'not zero'}, so its weights
        {'never move' if moved == 0 else 'moved'}: backpropagation multiplies by the
        activation's slope, and the step's slope is 0. (The perceptron rule learns anyway
        because it is not gradient descent: it adds the error times the input directly.)
        The sigmoid is a step with a slope, so the same procedure has something to follow:
        its loss falls from {sig_losses[0]:.3f} to {sig_losses[-1]:.3f}.
        """)

    plt = pyplot()
    fig, axes = plt.subplots(2, 4, figsize=(16, 7.5))
    colours = ("#d62728", "#1f77b4", "#9467bd", "#2ca02c", "#17becf", "#ff7f0e")
    panels = list(axes.flat[:6])
    for ax, (name, (y, d)), colour in zip(panels, result.items(), colours):
        ax.plot(grid, y, color=colour, lw=2, label=name)
        ax.plot(grid, d, color=colour, lw=1.5, ls="--", label="its slope (backward)")
        ax.axhline(0, color="#bbb", lw=0.8)
        ax.axvline(0, color="#bbb", lw=0.8)
        ax.set_title(name)
        ax.set_xlabel("x (the weighted sum)")
        ax.set_ylabel("activation / slope")
        ax.legend(loc="upper left", fontsize=9)
    ax = axes.flat[6]
    ax.plot(grid, result["step"][0], color="#d62728", lw=2, label="step")
    ax.plot(grid, result["step"][1], color="#d62728", ls="--", label="step's slope: 0")
    ax.plot(grid, result["sigmoid"][0], color="#1f77b4", lw=2, label="sigmoid")
    ax.plot(grid, result["sigmoid"][1], color="#1f77b4", ls="--", label="sigmoid's slope")
    ax.set_title("step vs sigmoid")
    ax.set_xlabel("x (the weighted sum)")
    ax.set_ylabel("activation / slope")
    ax.legend(loc="upper left", fontsize=9)
    ax = axes.flat[7]
    ax.plot(range(1, steps + 1), step_losses, color="#d62728", label="step neuron")
    ax.plot(range(1, steps + 1), sig_losses, color="#1f77b4", label="sigmoid neuron")
    ax.set_title("gradient descent on AND")
    ax.set_xlabel("step")
    ax.set_ylabel("mean squared error")
    ax.set_ylim(bottom=0)
    ax.legend(loc="center right", fontsize=9)
    fig.suptitle("activations and their slopes (dashed), as backward() computes them")
    fig.tight_layout()
    outputs.figure(fig, IMAGE)
    outputs.report()
    return {
        "slopes": slopes,
        "step_max_slope": step_max,
        "sigmoid_max_slope": sig_max,
        "step_losses": step_losses,
        "sigmoid_losses": sig_losses,
        "step_weights_moved": moved,
        "sigmoid_corners_right": sig_right,
        "files": outputs.files,
    }

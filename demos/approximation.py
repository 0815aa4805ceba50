"""approximation: a network with one hidden layer can fit (nearly) any curve.

The universal approximation idea from the Introduction to Neural Networks article, shown
rather than proved: each hidden ReLU adds one bend to a piecewise-straight line, so with
more hidden neurons the network can follow a wigglier curve. We fit the same curve with
1, 3, 10 and 50 hidden ReLUs.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

import autograd
import nn
import optim
from autograd import Tensor
from demos import Outputs, eta, heading, pyplot, say

DESCRIPTION = "one hidden layer fits any curve: 1, 3, 10 and 50 hidden ReLUs, pictured"
IMAGE = "approximation.png"
WIDTHS = (1, 3, 10, 50)


def target(x: np.ndarray) -> np.ndarray:
    return np.sin(2.0 * x) + 0.3 * x


def fit(width: int, x: np.ndarray, y: np.ndarray, steps: int, seed: int
        ) -> tuple[nn.Module, float]:
    autograd.manual_seed(seed)
    model = nn.MLP(1, [width, 1])
    opt = optim.Adam(model.parameters(), lr=0.02)
    sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
    loss_fn = nn.MSELoss()
    X, Y = Tensor(x), Tensor(y)
    for _ in range(steps):
        loss = loss_fn(model(X), Y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
    with autograd.no_grad():
        return model, loss_fn(model(X), Y).item()


def run(quick: bool = False, out: Path | None = None, seed: int = 0) -> dict:
    outputs = Outputs("approximation", out)
    heading("approximation: how many hidden neurons does a curve need?")
    x = np.linspace(-3, 3, 200, dtype=np.float32).reshape(-1, 1)
    y = target(x).astype(np.float32)
    steps = 600 if quick else 2000
    say(f"""
        The curve y = sin(2x) + 0.3x on -3..3, 200 points. The networks: one input, one
        hidden layer of N ReLU neurons, one output; Adam for {steps} steps on the mean
        squared error. A ReLU network's output is a straight line with a bend wherever a
        hidden neuron switches on, so N neurons give at most N bends.
        """)
    models, errors = {}, {}
    start = time.perf_counter()
    for i, width in enumerate(WIDTHS):
        models[width], errors[width] = fit(width, x, y, steps, seed)
        print(f"  {width:2d} hidden ReLUs: mean squared error {errors[width]:.5f}   "
              f"{eta(start, i + 1, len(WIDTHS))}")
    print()
    falling = all(errors[a] > errors[b] for a, b in zip(WIDTHS, WIDTHS[1:]))
    trend = ("The error falls with every widening" if falling else
             "The error does not fall at every widening (training is not perfect), but overall")
    say(f"""
        {trend}: from {errors[WIDTHS[0]]:.3f} with one neuron (one bend: the best it can do is a
        bent line) to {errors[WIDTHS[-1]]:.5f} with {WIDTHS[-1]}. That is the universal
        approximation theorem's promise: with enough hidden neurons, one hidden layer can
        get as close to a continuous curve as you like (it does not promise that training
        finds those weights, or that the fit holds outside the data).
        """)

    plt = pyplot()
    fig, axes = plt.subplots(1, len(WIDTHS), figsize=(16, 4.2), sharey=True)
    fine = np.linspace(-3, 3, 600, dtype=np.float32).reshape(-1, 1)
    for ax, width in zip(axes, WIDTHS):
        with autograd.no_grad():
            pred = models[width](Tensor(fine)).numpy()
        ax.plot(fine, target(fine), color="#999", lw=3, label="the curve")
        ax.plot(fine, pred, color="#d62728", lw=1.5, label="the network")
        ax.set_title(f"{width} hidden ReLU{'s' if width > 1 else ''}: MSE {errors[width]:.4f}")
        ax.set_xlabel("x")
    axes[0].set_ylabel("y")
    axes[0].legend(loc="upper left")
    fig.suptitle("approximation: more hidden neurons, more bends, a closer fit")
    fig.tight_layout()
    outputs.figure(fig, IMAGE)
    outputs.report()
    return {"errors": errors, "falling": falling, "files": outputs.files}

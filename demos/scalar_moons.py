"""scalar_moons: a 2-16-16-1 network of scalar Values learns the two moons.

The classic micrograd exercise: 100 points in two interleaving half circles, a network
where every weight is one Value, a max-margin (hinge) loss, and plain gradient descent with
a shrinking step. Every one of the network's 337 parameters and tens of thousands of
intermediate numbers per step is a Python object you could print.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

import autograd
import optim
from autograd import Value
from autograd.data import moons
from demos import Outputs, heading, pyplot, say
from nn.scalar import MLP

DESCRIPTION = "2-16-16-1 scalar-Value MLP, hinge loss, 100 two-moons points, > 95% accuracy"
IMAGE = "decision_boundary.png"
STEPS, QUICK_STEPS = 100, 60


def hinge_loss(model: MLP, X: list[list[float]], y: list[float]) -> tuple[Value, float]:
    """Mean max-margin loss relu(1 - y * score) over the points, and the accuracy."""
    scores = [model(x) for x in X]
    losses = [(1.0 - yi * s).relu() for yi, s in zip(y, scores)]
    loss = sum(losses, Value(0.0)) / len(losses)
    accuracy = sum((yi > 0) == (s.data > 0) for yi, s in zip(y, scores)) / len(y)
    return loss, accuracy


def run(quick: bool = False, out: Path | None = None, seed: int = 0) -> dict:
    outputs = Outputs("scalar_moons", out)
    heading("scalar_moons: a network of single numbers learns two moons")
    autograd.manual_seed(seed)
    X_np, labels = moons(100, noise=0.1, seed=seed)
    X = X_np.astype(float).tolist()
    y = [1.0 if label == 1 else -1.0 for label in labels]  # the hinge loss wants labels +-1
    model = MLP(2, [16, 16, 1])
    params = model.parameters()
    print(model)
    say(f"""
        100 points in two interleaving half moons, labelled -1 and +1. The model above has
        {len(params)} parameters, each one scalar Value. The loss is the max-margin
        (hinge) loss: relu(1 - label x score) is zero once a point is on the right side with
        a margin of at least 1, so the network stops pushing on points it already gets right
        and spends its effort on the rest. Plain gradient descent, the step shrinking from
        1.0 to 0.1, with a little weight decay.
        """)

    steps = QUICK_STEPS if quick else STEPS
    optimizer = optim.SGD(params, lr=1.0, weight_decay=2e-4)
    schedule = optim.lr_scheduler.LambdaLR(optimizer, lambda k: 1.0 - 0.9 * k / steps)
    history = []
    start = time.perf_counter()
    bar = tqdm(range(steps), desc="training", unit="step")
    for k in bar:
        loss, accuracy = hinge_loss(model, X, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        history.append((loss.data, accuracy))
        bar.set_postfix(loss=f"{loss.data:.4f}", acc=f"{accuracy:.0%}")
        if k % 10 == 0:
            tqdm.write(f"  step {k:3d}: loss {loss.data:.4f}, accuracy {accuracy:.0%}")
    bar.close()
    seconds = time.perf_counter() - start
    loss, accuracy = hinge_loss(model, X, y)
    nodes = len(loss.topo())
    print(f"\n  after {steps} steps: loss {loss.data:.4f}, training accuracy {accuracy:.0%}")
    print(f"  {seconds / steps * 1000:.0f} ms per step (forward + backward + update over "
          f"{nodes:,} graph nodes)\n")

    plt = pyplot()
    h = 0.05
    xs = np.arange(X_np[:, 0].min() - 0.5, X_np[:, 0].max() + 0.5, h)
    ys = np.arange(X_np[:, 1].min() - 0.5, X_np[:, 1].max() + 0.5, h)
    gx, gy = np.meshgrid(xs, ys)
    scores = np.array([model([a, b]).data for a, b in zip(gx.ravel(), gy.ravel())])
    fig, ax = plt.subplots(figsize=(9, 7))
    ax.contourf(gx, gy, (scores > 0).reshape(gx.shape), levels=[-0.5, 0.5, 1.5],
                colors=["#c6dbef", "#fcbba1"], alpha=0.9)
    ax.scatter(X_np[:, 0], X_np[:, 1], c=labels, cmap="coolwarm", s=25, edgecolors="k",
               lw=0.5)
    ax.set_title(f"scalar_moons: 2-16-16-1 of Values, {accuracy:.0%} training accuracy")
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    outputs.figure(fig, IMAGE)
    outputs.report()
    return {
        "accuracy": accuracy,
        "loss": loss.data,
        "history": history,
        "ms_per_step": seconds / steps * 1000,
        "graph_nodes": nodes,
        "files": outputs.files,
    }

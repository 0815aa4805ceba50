"""more_data: more examples beat a cleverer guess. Test accuracy against training-set size.

The same small MLP trained on 25, 50, 100, 200, 400, 800 and all 1437 training digits,
tested on the same 360 held-out digits; then, on the smallest set, training and test loss
side by side: the network learns its few examples by heart (overfitting) while its test
loss stops improving and climbs.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

import autograd
import nn
import optim
from autograd import Tensor
from autograd.data import load_digits, train_test_split
from demos import Outputs, eta, heading, pyplot, say

DESCRIPTION = "digits test accuracy against training-set size, and overfitting on a small set"
IMAGE = "more_data.png"
SIZES = (25, 50, 100, 200, 400, 800, 1437)


def train(X: np.ndarray, y: np.ndarray, X_test: np.ndarray, y_test: np.ndarray, steps: int,
          seed: int, every: int = 0) -> tuple[float, list[tuple[int, float, float]]]:
    """Full-batch Adam on a 64-64-10 MLP; test accuracy, and (step, train, test loss)."""
    autograd.manual_seed(seed)
    model = nn.MLP(64, [64, 10])
    opt = optim.Adam(model.parameters(), lr=3e-3)
    loss_fn = nn.CrossEntropyLoss()
    X_t, X_v = Tensor(X), Tensor(X_test)
    curve = []
    for step in range(1, steps + 1):
        loss = loss_fn(model(X_t), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if every and (step % every == 0 or step == 1):
            with autograd.no_grad():
                curve.append((step, loss.item(), loss_fn(model(X_v), y_test).item()))
    with autograd.no_grad():
        acc = float(np.mean(model(X_v).numpy().argmax(axis=1) == y_test))
    return acc, curve


def run(quick: bool = False, out: Path | None = None, seed: int = 0) -> dict:
    outputs = Outputs("more_data", out)
    heading("more_data: how much does more data help?")
    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, seed=seed)
    sizes = SIZES[::2] if quick else SIZES  # (25, 100, 400, 1437) when quick
    steps = 150 if quick else 300
    say(f"""
        The same 64-64-10 MLP, trained for {steps} full-batch Adam steps on the first n of
        the {len(X_train)} training digits, and tested on the same {len(X_test)} digits it
        never sees. Only n changes.
        """)
    accs = {}
    start = time.perf_counter()
    for i, n in enumerate(sizes):
        accs[n], _ = train(X_train[:n], y_train[:n], X_test, y_test, steps, seed)
        print(f"  {n:5d} training digits: test accuracy {accs[n]:.1%}   "
              f"{eta(start, i + 1, len(sizes))}")
    small = sizes[0]
    _, curve = train(X_train[:small], y_train[:small], X_test, y_test, steps, seed,
                     every=max(1, steps // 30))
    best_test = min(curve, key=lambda c: c[2])
    rising = curve[-1][2] > best_test[2] * 1.05
    print()
    rises = all(accs[a] <= accs[b] for a, b in zip(sizes, sizes[1:]))
    trend = (", rising at every step up" if rises else
             " (not rising at every step: each run has its own luck)")
    say(f"""
        From {accs[sizes[0]]:.0%} with {sizes[0]} examples to {accs[sizes[-1]]:.1%} with
        {sizes[-1]}{trend}:
        the articles' point that more data makes a better network, measured.
        """)
    why = ("the network goes on fitting details of its few examples that do not hold for "
           "new digits." if rising else "this run shows no clear overfitting.")
    say(f"""
        Overfitting, on {small} examples: the training loss falls to {curve[-1][1]:.4f}, the
        network has learnt those {small} digits by heart. The test loss was lowest at step
        {best_test[0]} ({best_test[2]:.3f}) and {'climbs' if rising else 'stays'} after it, to
        {curve[-1][2]:.3f} at step {curve[-1][0]}: {why}
        """)

    plt = pyplot()
    from matplotlib.ticker import MaxNLocator

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14, 4.8))
    ax1.plot(sizes, [accs[n] for n in sizes], "o-")
    ax1.set_xscale("log")
    ax1.set_xticks(sizes, [str(n) for n in sizes])
    ax1.set_xlabel("training digits (log scale)")
    ax1.set_ylabel("test accuracy")
    ax1.set_ylim(0, 1)
    ax1.set_title("more data, better test accuracy")
    steps_axis = [c[0] for c in curve]
    ax2.plot(steps_axis, [c[1] for c in curve], label=f"training loss ({small} digits)")
    ax2.plot(steps_axis, [c[2] for c in curve], label="test loss (360 new digits)")
    ax2.axvline(best_test[0], color="#999", ls=":", label="lowest test loss")
    ax2.set_yscale("log")
    ax2.set_xlabel("step")
    ax2.set_ylabel("loss (cross-entropy)")
    ax2.set_title(f"overfitting: {small} training digits")
    ax2.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax2.legend(loc="lower left")
    fig.suptitle("more_data: the same network, different amounts of data")
    outputs.figure(fig, IMAGE)
    outputs.report()
    return {"accuracy": accs, "curve": curve, "best_test_step": best_test[0],
            "overfits": rising, "files": outputs.files}

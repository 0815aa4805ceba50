"""sgd: what makes gradient descent "stochastic". Full batch against minibatches.

Full-batch gradient descent computes the gradient of the loss over every example before each
step: the true downhill direction, one step per pass over the data. Stochastic gradient
descent estimates it from a small random minibatch: a noisy direction, but many steps per
pass. Same model, same data, same learning rate; the two loss curves side by side.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import autograd
import nn
import optim
from autograd import Tensor
from demos import Outputs, heading, pyplot, say

DESCRIPTION = "stochastic vs full-batch gradient descent: noisy and smooth loss curves, same lr"
IMAGE = "sgd.png"


def data(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """n noisy points around bottles = 0.67 x guests + 1 (guests scaled to 0..1 x 100)."""
    x = rng.uniform(0, 1, (n, 1)).astype(np.float32)
    y = (0.67 * 100 * x + 1 + 4 * rng.standard_normal((n, 1))).astype(np.float32)
    return x, y


def train(x: np.ndarray, y: np.ndarray, batch: int, steps: int, lr: float, seed: int
          ) -> tuple[list[float], float]:
    """Plain SGD on a line; the loss on ALL the data after every step, and the examples seen."""
    autograd.manual_seed(seed)
    model = nn.Linear(1, 1)
    opt = optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    rng = np.random.default_rng(seed)
    X, Y = Tensor(x), Tensor(y)
    curve = []
    for _ in range(steps):
        idx = rng.choice(len(x), batch, replace=False) if batch < len(x) else slice(None)
        loss = loss_fn(model(Tensor(x[idx])), Tensor(y[idx]))
        opt.zero_grad()
        loss.backward()
        opt.step()
        with autograd.no_grad():
            curve.append(loss_fn(model(X), Y).item())
    return curve, float(steps * min(batch, len(x)))


def run(quick: bool = False, out: Path | None = None, seed: int = 0) -> dict:
    outputs = Outputs("sgd", out)
    heading("sgd: full batch or minibatches?")
    rng = np.random.default_rng(seed)
    n = 512
    x, y = data(n, rng)
    steps, lr, batch = (60 if quick else 150), 0.5, 8
    say(f"""
        {n} parties, bottles against guests (guests in hundreds), noisy; the model is a line,
        bottles = a x guests + b, trained by plain gradient descent with learning rate
        lr = {lr:g}. Full batch: every step uses all {n} parties. Stochastic: every step uses
        a random minibatch of {batch}. We measure both on all the data after every step.
        """)
    full, seen_full = train(x, y, n, steps, lr, seed)
    mini, seen_mini = train(x, y, batch, steps, lr, seed)
    # a step "went up" when the loss grew by more than 0.1% (not float32 jitter at the floor)
    ups_full = sum(b > a * 1.001 for a, b in zip(full, full[1:]))
    ups_mini = sum(b > a * 1.001 for a, b in zip(mini, mini[1:]))
    floor = float(np.var(y - 0.67 * 100 * x - 1))
    for name, curve, ups, seen in (("full batch", full, ups_full, seen_full),
                                   (f"minibatch of {batch}", mini, ups_mini, seen_mini)):
        print(f"  {name:16s}: loss {curve[0]:8.2f} -> {curve[-1]:7.2f} after {steps} steps; "
              f"went up (> 0.1%) on {ups} of {steps - 1} steps; {seen:.0f} examples read")
    print(f"  (the noise in the data alone gives a loss of about {floor:.1f})\n")
    say(f"""
        The full-batch curve went up on {ups_full} of its steps, the minibatch one on
        {ups_mini}: each minibatch's gradient is an estimate from {batch} random parties, so
        some steps point the wrong way. That is what "stochastic" means. The payoff is cost:
        the {steps} minibatch steps read {seen_mini:.0f} examples, the full-batch ones
        {seen_full:.0f}, {seen_full / seen_mini:.0f} times as many, and got to a loss of
        {full[-1]:.2f} against the minibatches' {mini[-1]:.2f}. On big datasets, where one
        full pass is expensive, many cheap noisy steps get further for the same work.
        """)

    plt = pyplot()
    from matplotlib.ticker import MaxNLocator

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14, 4.8))
    steps_axis = range(1, steps + 1)
    ax1.plot(steps_axis, full, color="#1f77b4", lw=2, label=f"full batch ({n} per step)")
    ax1.plot(steps_axis, mini, color="#ff7f0e", lw=1, label=f"minibatch of {batch}")
    ax1.axhline(floor, color="#999", ls=":", label="the data's own noise")
    ax1.set_yscale("log")
    ax1.set_xlabel("step")
    ax1.set_ylabel("loss on all the data (MSE)")
    ax1.set_title(f"same lr = {lr:g}: smooth against noisy")
    ax1.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax1.legend(loc="upper right")
    ax2.plot(np.arange(1, steps + 1) * n, full, color="#1f77b4", lw=2, label="full batch")
    ax2.plot(np.arange(1, steps + 1) * batch, mini, color="#ff7f0e", lw=1,
             label=f"minibatch of {batch}")
    ax2.axhline(floor, color="#999", ls=":", label="the data's own noise")
    ax2.set_xscale("log")
    ax2.set_yscale("log")
    ax2.set_xlabel("examples read (log scale)")
    ax2.set_ylabel("loss on all the data (MSE)")
    ax2.set_title("the same curves against the work done")
    ax2.legend(loc="upper right")
    fig.suptitle("sgd: gradient descent with every example per step, or a few")
    outputs.figure(fig, IMAGE)
    outputs.report()
    return {"full_losses": full, "minibatch_losses": mini, "ups_full": ups_full,
            "ups_minibatch": ups_mini, "noise_floor": floor, "files": outputs.files}

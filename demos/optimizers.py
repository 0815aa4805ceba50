"""optimizers: five ways down the same valley.

Rosenbrock's function f(x, y) = (1 - x)^2 + 100 (y - x^2)^2 is a long, curved, nearly flat
valley with steep walls; its minimum is at (1, 1). Plain gradient descent must take tiny
steps (the walls are steep) and so crawls along the floor (which is flat). Momentum, and
the adaptive methods that give each coordinate its own step size, do better. Same start,
same number of steps, the library's optimizers, each at a learning rate that suits it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import optim
from autograd import Tensor
from demos import Outputs, heading, pyplot, say

DESCRIPTION = "SGD, momentum, Adagrad, RMSprop and Adam racing down the Rosenbrock valley"
IMAGE = "optimizers.png"

START = (-1.5, 2.0)
# name -> (optimizer class, its settings). Learning rates chosen by trying a few.
RACERS = {
    "SGD": (optim.SGD, dict(lr=1e-3)),
    "SGD + momentum": (optim.SGD, dict(lr=1e-3, momentum=0.9)),
    "Adagrad": (optim.Adagrad, dict(lr=0.5)),
    "RMSprop": (optim.RMSprop, dict(lr=1e-2)),
    "Adam": (optim.Adam, dict(lr=0.05)),
}


def rosenbrock(p: Tensor) -> Tensor:
    x, y = p[0], p[1]
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def race(make: type, settings: dict, steps: int) -> tuple[np.ndarray, list[float]]:
    """Run one optimizer from START; return its path and the loss at every step."""
    p = Tensor(np.array(START), requires_grad=True)  # float64: the valley floor is subtle
    optimizer = make([p], **settings)
    path, losses = [p.numpy().copy()], []
    for _ in range(steps):
        loss = rosenbrock(p)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        path.append(p.numpy().copy())
    return np.array(path), losses


def run(quick: bool = False, out: Path | None = None, seed: int = 0) -> dict:
    outputs = Outputs("optimizers", out)
    heading("optimizers: five ways down the same valley")
    say("""
        The Rosenbrock valley: f(x, y) = (1 - x)^2 + 100 (y - x^2)^2, minimum 0 at (1, 1).
        Every optimizer starts at (-1.5, 2) and gets the same number of steps. The parameter
        is one Tensor of two numbers; each step is zero_grad, loss, backward, step.
        """)
    steps = 300 if quick else 1500
    paths, curves, finals = {}, {}, {}
    for name, (make, settings) in RACERS.items():
        path, losses = race(make, settings, steps)
        paths[name], curves[name] = path, losses
        finals[name] = rosenbrock(Tensor(path[-1])).item()
        opts = ", ".join(f"{k}={v:g}" for k, v in settings.items())
        print(f"  {name:15s} ({opts:22s}): loss {losses[0]:8.3f} -> {finals[name]:.2e} "
              f"at ({path[-1][0]:+.3f}, {path[-1][1]:+.3f})")
    print()
    winner = min(finals, key=finals.get)
    say(f"""
        After {steps} steps {winner} is closest to the bottom. Plain SGD's step must stay
        small or the steep walls throw it out of the valley, so it creeps along the flat
        floor; momentum gathers speed there. The adaptive methods scale each coordinate's
        step by the size of its gradients, so steep and flat directions move at similar
        speeds. Adagrad divides by the sum of all past squared gradients, so its steps only
        ever shrink and it stalls on the long floor; RMSprop and Adam divide by a moving
        average instead, and Adam adds momentum on top.
        """)

    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(14, 5.4))
    ax = axes[0]
    gx, gy = np.meshgrid(np.linspace(-2, 2, 200), np.linspace(-1, 3, 200))
    f = (1 - gx) ** 2 + 100 * (gy - gx**2) ** 2
    ax.contour(gx, gy, np.log10(f + 1e-3), levels=20, cmap="Greys", linewidths=0.6)
    for name, path in paths.items():
        ax.plot(path[:, 0], path[:, 1], lw=1.4, label=name)
    ax.plot(*START, "ko", ms=5)
    ax.plot(1, 1, "r*", ms=12, label="minimum (1, 1)")
    ax.set_xlim(-2, 2)
    ax.set_ylim(-1, 3)
    ax.set_title("paths on the Rosenbrock surface")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3)
    ax = axes[1]
    for name, losses in curves.items():
        ax.plot(losses, lw=1.4, label=name)
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title("loss curves")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.suptitle("optimizers: the same valley, five ways down")
    outputs.figure(fig, IMAGE)
    outputs.report()
    return {"final_loss": finals, "winner": winner, "steps": steps, "files": outputs.files}

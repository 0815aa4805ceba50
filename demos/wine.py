"""wine: the dinner-party regression. How many bottles for how many guests?

The smallest model there is, bottles = A x guests, and the whole of machine learning in
miniature: guess A, measure the error, and let the gradient of the error say which way to
move A. The scalar engine computes that gradient; nobody writes the derivative by hand.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from autograd import Value
from demos import Outputs, heading, pyplot, say

DESCRIPTION = "bottles = A x guests: gradient descent, the learning rate too small/right/too large"
IMAGE = "loss_vs_A.png"  # (and the learning-rate runs)

GUESTS = (3.0, 10.0, 75.0)
BOTTLES = (2.0, 7.0, 50.0)


def predictions_table(A: float) -> tuple[list[float], list[float]]:
    """Print the predictions A x guests and their errors (prediction - truth); return both."""
    preds = [A * g for g in GUESTS]
    errors = [p - b for p, b in zip(preds, BOTTLES)]
    print(f"  A = {A:g}")
    print("    guests  drank  predicted  error")
    for g, b, p, e in zip(GUESTS, BOTTLES, preds, errors):
        print(f"    {g:6.0f}  {b:5.0f}  {p:9.4g}  {e:5.4g}")
    mse = sum(e * e for e in errors) / len(errors)
    print(f"    mean squared error: {mse:.4g}\n")
    return preds, errors


def mse(A: Value) -> Value:
    """Mean squared error of bottles = A x guests over the three parties, as a Value graph."""
    total = Value(0.0)
    for g, b in zip(GUESTS, BOTTLES):
        total = total + (A * g - b) ** 2
    return total / len(GUESTS)


def run(quick: bool = False, out: Path | None = None, seed: int = 0) -> dict:
    outputs = Outputs("wine", out)
    heading("wine: how many bottles for a party?")
    say("""
        Three dinner parties: 3 guests drank 2 bottles, 10 guests drank 7, and 75 guests
        drank 50. Our model is one number, A: bottles = A x guests. Start by guessing
        A = 1 (a bottle each) and look at how wrong that is.
        """)
    preds_1, errors_1 = predictions_table(1.0)
    say("""
        Every prediction is too high, and the big party is the most wrong. Try A = 0.8: all
        three errors shrink.
        """)
    preds_08, errors_08 = predictions_table(0.8)

    say("""
        Guessing works, but a computer should do it. Write the mean squared error as a
        computation on a Value A, call backward(), and A.grad (the gradient, dloss/dA) says
        how the error changes when A grows: positive means "A is too big". Step A against
        the gradient and repeat: gradient descent. How far to step is one number we choose,
        the learning rate lr: A <- A - lr x dloss/dA.
        """)
    lr = 1e-4
    steps = 15 if quick else 40
    path, losses, grads = descend(lr, steps)
    for step in range(steps):
        if step < 5 or step % 5 == 4:
            print(f"  step {step:2d}: A = {path[step]:.5f}  loss = {losses[step]:9.4f}  "
                  f"dloss/dA = {grads[step]:9.3f}  step = -lr x dloss/dA = "
                  f"{-lr * grads[step]:+.5f}")
    A = path[-1]
    best = sum(g * b for g, b in zip(GUESTS, BOTTLES)) / sum(g * g for g in GUESTS)
    print(f"\n  with lr = {lr:g}, gradient descent settles at A = {A:.4f}\n")
    say(f"""
        The steps shrink on their own, with lr fixed: the step is lr x gradient, and the
        gradient shrinks as the error curve flattens towards its bottom (from
        {grads[0]:.1f} at the start to {grads[steps - 1]:.3f} at step {steps - 1}). The
        least-squares answer is exact: the error is smallest where its derivative
        (2/3) sum(guests x (A guests - bottles)) is zero, at A = sum(guests x bottles) /
        sum(guests^2) = 3826/5734 = {best:.4f}. Gradient descent found it without being told,
        to {abs(A - best):.1e}. About two thirds of a bottle per guest.
        """)

    heading("the learning rate: too small, right, too large")
    rates = {"too small": 2e-5, "right": 1e-4, "too large": 5e-4, "far too large": 6e-4}
    n = 10 if quick else 20
    runs = {}
    for what, rate in rates.items():
        p, ls, _ = descend(rate, n)
        runs[what] = (rate, p, ls)
        crossings = sum((a - best) * (b - best) < 0 for a, b in zip(p, p[1:]))
        shown = ", ".join(f"{a:.3f}" for a in p[1:7])
        print(f"  lr = {rate:g} ({what}): A = {shown}, ...")
        print(f"      after {n} steps A = {p[-1]:.3f}; it jumped past the best A "
              f"{crossings} times\n")
    small, large, far = runs["too small"][1], runs["too large"][1], runs["far too large"][1]
    swings = (min(large[1:4]), max(large[1:4]))
    oscillates = all((a - best) * (b - best) < 0 for a, b in zip(large, large[1:]))
    diverged = abs(far[-1] - best) > abs(far[0] - best)
    shrinking = abs(large[-1] - best) < abs(large[0] - best)
    say(f"""
        Too small (lr = {rates['too small']:g}) crawls: after {n} steps A is still
        {small[-1]:.3f}. Too large (lr = {rates['too large']:g}) overshoots: every step jumps
        past the bottom to the other side, A swings between {swings[0]:.3f} and
        {swings[1]:.3f}, and {'the swings do shrink, slowly' if shrinking else 'the swings grow'}.
        A little larger still (lr = {rates['far too large']:g}) and each jump lands further
        out than the last: {'A runs away, to' if diverged else 'A reaches'}
        {far[-1]:.3g} after {n} steps{', and the loss grows with every step' if diverged
        else ''}. For this loss the border is lr = 2 / (its curvature d2loss/dA2 = 2/3 x
        5734 = 3823) = {2 / (2 / 3 * 5734):.2e}: below it the jumps shrink, above it they
        grow.
        """)
    plot(outputs, runs, best, path)
    outputs.report()
    return {
        "predictions_A1": preds_1,
        "errors_A1": errors_1,
        "predictions_A08": preds_08,
        "errors_A08": errors_08,
        "A": A,
        "lr": lr,
        "least_squares_A": best,
        "losses": losses,
        "runs": {what: (rate, p) for what, (rate, p, _) in runs.items()},
        "oscillates": oscillates,
        "swing": swings,
        "diverged": diverged,
        "files": outputs.files,
    }


def descend(lr: float, steps: int, start: float = 1.0
            ) -> tuple[list[float], list[float], list[float]]:
    """Gradient descent on A from ``start``: the A before each step (and the last), the loss
    and the gradient at each step, all from the scalar engine's backward."""
    A = Value(start, label="A")
    path, losses, grads = [A.data], [], []
    for _ in range(steps):
        loss = mse(A)
        A.grad = 0.0
        loss.backward()
        losses.append(loss.data)
        grads.append(A.grad)
        A.data -= lr * A.grad
        path.append(A.data)
    return path, losses, grads


def plot(outputs: Outputs, runs: dict, best: float, path: list[float]) -> None:
    plt = pyplot()
    from matplotlib.ticker import MaxNLocator

    fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(16, 4.8))
    colours = {"too small": "#1f77b4", "right": "#2ca02c", "too large": "#ff7f0e",
               "far too large": "#d62728"}
    for what, (rate, p, _) in runs.items():
        ax1.plot(range(len(p)), p, "o-", ms=3, color=colours[what], label=f"lr = {rate:g} ({what})")
    ax1.axhline(best, color="k", ls="--", lw=1, label=f"best A = {best:.3f}")
    ax1.set_ylim(0.0, 1.5)
    ax1.set_xlabel("step")
    ax1.set_ylabel("A (bottles per guest)")
    ax1.set_title("A after each step, four learning rates")
    ax1.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax1.legend(loc="upper left", bbox_to_anchor=(0.0, -0.15), ncol=2, fontsize=9)

    grid = np.linspace(0.2, 1.15, 200)
    ax2.plot(grid, [mse(Value(a)).data for a in grid], color="#555", label="loss (a bowl)")
    for what in ("right", "too large"):
        rate, p, ls = runs[what]
        ax2.plot(p[:len(ls)], ls, "o-", ms=4, color=colours[what], lw=1,
                 label=f"lr = {rate:g} ({what})")
    ax2.axvline(best, color="k", ls="--", lw=1)
    ax2.set_xlabel("A (bottles per guest)")
    ax2.set_ylabel("mean squared error (bottles²)")
    ax2.set_title("the loss bowl (linear axis) and two paths down it")
    ax2.set_ylim(bottom=0)
    ax2.legend(loc="upper left", bbox_to_anchor=(0.0, -0.15), ncol=2, fontsize=9)

    ax3.scatter(GUESTS, BOTTLES, s=60, color="#333", zorder=3, label="the three parties")
    xs = np.linspace(0, 80, 2)
    ax3.plot(xs, best * xs, color="#2ca02c", label=f"bottles = {best:.3f} x guests")
    ax3.plot(xs, 1.0 * xs, color="#999", ls=":", label="the first guess, A = 1")
    ax3.set_xlabel("guests")
    ax3.set_ylabel("bottles")
    ax3.set_title("the fitted line")
    ax3.legend(loc="upper left", bbox_to_anchor=(0.0, -0.15), ncol=2, fontsize=9)
    fig.suptitle("wine: gradient descent on one knob, A, and the learning rate")
    outputs.figure(fig, IMAGE)

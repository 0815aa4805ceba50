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

DESCRIPTION = "dinner-party regression: bottles = A x guests, A found by gradient descent"
IMAGE = "loss_vs_A.png"

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
        computation on a Value A, call backward(), and A.grad says how the error changes when
        A grows. Step A a little against the gradient and repeat: gradient descent.
        """)
    steps = 15 if quick else 40
    lr = 1e-4  # the error curves steeply (75 guests!): a bigger step would overshoot
    A = Value(1.0, label="A")
    path = [A.data]
    losses = []
    for step in range(steps):
        loss = mse(A)
        A.grad = 0.0
        loss.backward()
        losses.append(loss.data)
        if step < 5 or step % 5 == 4:
            print(f"  step {step:2d}: A = {A.data:.5f}  loss = {loss.data:9.4f}  "
                  f"dloss/dA = {A.grad:9.3f}")
        A.data -= lr * A.grad
        path.append(A.data)
    best = sum(g * b for g, b in zip(GUESTS, BOTTLES)) / sum(g * g for g in GUESTS)
    print(f"\n  gradient descent settles at A = {A.data:.4f}\n")
    say(f"""
        The least-squares answer is exact: the error is smallest where its derivative
        (2/3) sum(guests x (A guests - bottles)) is zero, at A = sum(guests x bottles) /
        sum(guests^2) = 3826/5734 = {best:.4f}. Gradient descent found it without being told,
        to {abs(A.data - best):.1e}. About two thirds of a bottle per guest.
        """)

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    grid = np.linspace(0.3, 1.1, 200)
    ax.plot(grid, [mse(Value(a)).data for a in grid], color="#555", label="mean squared error")
    ax.plot(path[:-1], losses, "o-", color="#d62728", ms=4, label="gradient descent")
    ax.axvline(best, color="#2ca02c", ls="--", lw=1, label=f"3826/5734 = {best:.3f}")
    ax.set_xlabel("A (bottles per guest)")
    ax.set_ylabel("loss")
    ax.set_yscale("log")
    ax.set_title("wine: the loss against A, and the path of gradient descent")
    ax.legend()
    outputs.figure(fig, IMAGE)
    outputs.report()
    return {
        "predictions_A1": preds_1,
        "errors_A1": errors_1,
        "predictions_A08": preds_08,
        "errors_A08": errors_08,
        "A": A.data,
        "least_squares_A": best,
        "losses": losses,
        "files": outputs.files,
    }

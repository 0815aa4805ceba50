"""perceptron: one neuron with a step activation, and what it can and cannot learn.

A weighted sum and a threshold; then the threshold turned into one more weight; then
Rosenblatt's learning rule, which learns AND and OR and cannot learn XOR, because no
straight line puts XOR's ones on one side and its zeros on the other.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

import autograd
from autograd import Value
from demos import Outputs, heading, pyplot, say
from nn import Perceptron

DESCRIPTION = "one step neuron: the weighted sum, the bias trick, AND/OR learned, XOR not"
IMAGE = "perceptron.png"

CORNERS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
GATES = {
    "AND": np.array([0, 0, 0, 1]),
    "OR": np.array([0, 1, 1, 1]),
    "XOR": np.array([0, 1, 1, 0]),
}


def run(quick: bool = False, out: Path | None = None, seed: int = 0) -> dict:
    outputs = Outputs("perceptron", out)
    heading("perceptron: a neuron that fires or does not")
    say("""
        A perceptron multiplies each input by a weight, adds them up, and fires (outputs 1)
        when the sum exceeds a threshold. Inputs 0.5 and 0.6, weights 0.5 and 0.7, bias 0,
        threshold 0.5:
        """)
    x = [Value(0.5, label="x1"), Value(0.6, label="x2")]
    w = [Value(0.5, label="w1"), Value(0.7, label="w2")]
    threshold = 0.5
    total = Value.dot(w, x, Value(0.0, label="b"))
    fired = 1 if total.data > threshold else 0
    print(f"  weighted sum = 0.5 x 0.5 + 0.6 x 0.7 + 0 = {total.data:.2f}")
    print(f"  {total.data:.2f} > {threshold} ?  {'yes' if fired else 'no'} -> output {fired}\n")

    say("""
        The threshold is awkward: it is a number we compare against, not a weight we can
        learn. Move it to the other side: sum - 0.5 > 0. That -0.5 is just another weight,
        on an input that is always 1 (the bias). Now every neuron compares against 0, and
        learning the threshold is learning a weight like any other:
        """)
    one = Value(1.0, label="1")
    z = Value.dot([*w, Value(-threshold, label="bias")], [*x, one])
    output_bias = z.step()
    print(f"  0.5 x 0.5 + 0.6 x 0.7 + (-0.5) x 1 = {z.data:.2f} > 0 ?  "
          f"-> step = {output_bias.data:.0f}  (the same answer)\n")
    output_bias.label = "output"
    z.label = "z"
    say("""
        Could gradient descent train this neuron? autograd.explain prints the chain rule
        for the output, node by node: every weight's gradient passes through the step.
        """)
    ledger = autograd.explain(output_bias)
    zero = all(e.grad == 0.0 for e in ledger[1:])
    print()
    say(f"""
        {'Every gradient below the step is 0' if zero else 'Some gradients are not 0'}:
        the step is flat on both sides of its jump, so its local derivative is 0 and the
        chain rule multiplies everything by it. The perceptron rule below is not gradient
        descent; backpropagation needs a neuron with a slope (the sigmoid: see the
        activations demo).
        """)

    say("""
        The perceptron learning rule: show it each example; when it is wrong, add
        (target - output) x input to the weights (and to the bias). When an epoch passes
        with no mistake, it has converged. Here it is on the logic gates, two inputs each.
        """)
    results = {}
    models = {}
    epochs = 20
    for gate, y in GATES.items():
        model = Perceptron(2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # XOR's failure is the lesson
            result = model.fit(CORNERS, y, epochs=epochs, lr=1.0)
        results[gate] = result
        models[gate] = model
        wv, b = model.weight.data, float(model.bias.data)
        print(f"  {gate:3s}: {result}")
        print(f"       w = ({wv[0]:+g}, {wv[1]:+g}), bias = {b:+g}; predictions "
              f"{model.predict(CORNERS).tolist()} for targets {y.tolist()}")
    print()
    say("""
        Why XOR fails: with weights w1, w2 and bias b, XOR needs b <= 0 (0,0 -> 0), w1 + b > 0
        and w2 + b > 0 (one input on -> 1), and w1 + w2 + b <= 0 (both on -> 0). Adding the
        middle two gives w1 + w2 + 2b > 0, so w1 + w2 + b > -b >= 0: a contradiction. The
        boundary of one neuron is a straight line, and no line separates XOR's ones from its
        zeros. Two layers can: see the xor demo.
        """)

    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.6))
    grid = np.linspace(-0.5, 1.5, 2)
    gx, gy = np.meshgrid(np.linspace(-0.5, 1.5, 161), np.linspace(-0.5, 1.5, 161))
    plane = np.column_stack([gx.ravel(), gy.ravel()])
    for ax, (gate, y) in zip(axes, GATES.items()):
        model = models[gate]
        wv, b = model.weight.data, float(model.bias.data)
        fires = model.predict(plane).reshape(gx.shape)
        ax.contourf(gx, gy, fires, levels=[-0.5, 0.5, 1.5], colors=["#dbe8f5", "#f7d9d9"])
        for cls, marker, color in ((0, "o", "#1f77b4"), (1, "s", "#d62728")):
            pts = CORNERS[y == cls]
            ax.scatter(pts[:, 0], pts[:, 1], marker=marker, s=120, color=color,
                       label=f"target {cls}", zorder=3)
        if abs(wv[1]) > 1e-12:
            ax.plot(grid, -(wv[0] * grid + b) / wv[1], color="k",
                    label="perceptron's line")
        elif abs(wv[0]) > 1e-12:
            ax.axvline(-b / wv[0], color="k", label="perceptron's line")
        on_line = CORNERS[np.abs(CORNERS @ wv + b) < 1e-9]
        if len(on_line):  # exactly on the line: step(0) = 0, so they count as "not firing"
            ax.scatter(on_line[:, 0], on_line[:, 1], marker="x", s=60, color="k", zorder=4,
                       label="on the line (step(0) = 0)")
        wrong = CORNERS[model.predict(CORNERS) != y]
        if len(wrong):
            ax.scatter(wrong[:, 0], wrong[:, 1], s=420, facecolors="none", edgecolors="k",
                       lw=1.5, label="still wrong", zorder=2)
        verdict = (f"converged in {results[gate].epochs} epochs" if results[gate].converged
                   else "no line separates these")
        ax.set_title(f"{gate}: {verdict}", fontsize=10)
        ax.set_xlim(-0.5, 1.5)
        ax.set_ylim(-0.5, 1.5)
        ax.set_aspect("equal")
        ax.set_xlabel("x1")
    axes[0].set_ylabel("x2")
    handles, labels = [], []
    for ax in axes:  # every entry once, whichever panel drew it
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=8,
               bbox_to_anchor=(0.5, -0.06))
    fig.suptitle("perceptron: one straight line per neuron (shaded: where it fires)")
    outputs.figure(fig, IMAGE)
    outputs.report()
    return {
        "weighted_sum": total.data,
        "output": fired,
        "output_with_bias": int(output_bias.data),
        "step_gradients_zero": zero,
        "converged": {gate: r.converged for gate, r in results.items()},
        "epochs": {gate: r.epochs for gate, r in results.items()},
        "files": outputs.files,
    }

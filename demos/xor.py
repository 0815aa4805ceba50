"""xor: what one neuron cannot do, two layers can. A hidden layer learns XOR by backprop.

One neuron draws one straight line, and XOR needs two. A 2-2-1 sigmoid network learns to
draw them itself: each hidden neuron learns a line, and together they move the four points
into a space where the output neuron's single line suffices. Then 2-4-1, which learns more
easily because it has lines to spare.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import autograd
import nn
import optim
from autograd import Tensor
from demos import Outputs, heading, pyplot, say

DESCRIPTION = "2-2-1 and 2-4-1 sigmoid nets learn XOR; the hidden neurons' lines, drawn"
IMAGE = "xor.png"

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], dtype=np.float32)
Y = np.array([[0.0], [1.0], [1.0], [0.0]], dtype=np.float32)
GATES = {(0, 1, 1, 1): "OR", (0, 0, 0, 1): "AND", (1, 0, 0, 0): "NOR", (1, 1, 1, 0): "NAND",
         (0, 1, 1, 0): "XOR", (1, 0, 0, 1): "XNOR", (0, 0, 1, 1): "x1", (0, 1, 0, 1): "x2",
         (1, 1, 0, 0): "NOT x1", (1, 0, 1, 0): "NOT x2", (0, 0, 1, 0): "x1 AND NOT x2",
         (0, 1, 0, 0): "x2 AND NOT x1", (1, 0, 1, 1): "x1 OR NOT x2",
         (1, 1, 0, 1): "x2 OR NOT x1", (0, 0, 0, 0): "never", (1, 1, 1, 1): "always"}


def train(hidden: int, seed: int, steps: int) -> tuple[nn.MLP, float, float]:
    """A fresh 2-hidden-1 sigmoid MLP trained with Adam on the binary cross-entropy."""
    autograd.manual_seed(seed)
    model = nn.MLP(2, [hidden, 1], activation="sigmoid", output_activation="sigmoid")
    optimizer = optim.Adam(model.parameters(), lr=0.1)
    loss_fn = nn.BCELoss()
    inputs, targets = Tensor(X), Tensor(Y)
    for _ in range(steps):
        loss = loss_fn(model(inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with autograd.no_grad():
        out = model(inputs).numpy()
    accuracy = float(np.mean((out > 0.5) == (Y > 0.5)))
    return model, loss.item(), accuracy


def train_until_solved(hidden: int, seed: int, steps: int) -> tuple[nn.MLP, float, float, int]:
    """Retry from the next seed when training lands in a local minimum (and say so)."""
    for s in range(seed, seed + 20):
        model, loss, accuracy = train(hidden, s, steps)
        if accuracy == 1.0:
            print(f"  2-{hidden}-1, seed {s}: loss {loss:.4f}, accuracy 100%")
            return model, loss, accuracy, s
        print(f"  2-{hidden}-1, seed {s}: stuck in a local minimum (loss {loss:.3f}, "
              f"accuracy {accuracy:.0%}) -> retrying with seed {s + 1}")
    raise RuntimeError(f"xor: 20 seeds in a row failed to train a 2-{hidden}-1 network")


def hidden_lines(model: nn.MLP) -> tuple[np.ndarray, np.ndarray]:
    """The first layer's weights and biases: hidden neuron i is 0.5 on w_i . x + b_i = 0."""
    return model[0].weight.numpy().astype(float), model[0].bias.numpy().astype(float)


def draw_surface(ax, model: nn.MLP, title: str) -> None:
    gx, gy = np.meshgrid(np.linspace(-0.5, 1.5, 121), np.linspace(-0.5, 1.5, 121))
    grid = Tensor(np.column_stack([gx.ravel(), gy.ravel()]).astype(np.float32))
    with autograd.no_grad():
        out = model(grid).numpy().reshape(gx.shape)
    ax.contourf(gx, gy, out, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.75)
    ax.contour(gx, gy, out, levels=[0.5], colors="k", linewidths=2)
    W, b = hidden_lines(model)
    xs = np.linspace(-0.5, 1.5, 2)
    for i, (w, bi) in enumerate(zip(W, b)):
        if abs(w[1]) > 1e-9:
            ax.plot(xs, -(w[0] * xs + bi) / w[1], "--", lw=1.5, label=f"hidden h{i + 1}")
        else:
            ax.axvline(-bi / w[0], ls="--", lw=1.5, label=f"hidden h{i + 1}")
    ax.scatter(X[:, 0], X[:, 1], c=Y.ravel(), cmap="RdBu_r", s=140, edgecolors="k", zorder=3)
    ax.set_xlim(-0.5, 1.5)
    ax.set_ylim(-0.5, 1.5)
    ax.set_aspect("equal")
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2)


def run(quick: bool = False, out: Path | None = None, seed: int = 0) -> dict:
    outputs = Outputs("xor", out)
    heading("xor: two layers draw two lines")
    say("""
        XOR is 1 when exactly one input is 1. The perceptron demo showed that no single
        straight line separates its ones from its zeros. Put a hidden layer of two sigmoid
        neurons in between and train the whole 2-2-1 network by backpropagation: binary
        cross-entropy loss, Adam, the four points as one batch.
        """)
    steps = 600 if quick else 1500
    small, small_loss, small_acc, small_seed = train_until_solved(2, seed, steps)
    with autograd.no_grad():
        hidden = small[0](Tensor(X)).numpy()
        output = small(Tensor(X)).numpy()
    print("\n   x1  x2 | XOR |   h1     h2  | output")
    for x, t, h, o in zip(X, Y, hidden, output):
        print(f"  {x[0]:3.0f} {x[1]:3.0f} | {t[0]:3.0f} | {h[0]:.3f}  {h[1]:.3f} | {o[0]:.3f}")
    W, b = hidden_lines(small)
    print()
    gates = []
    for i, (w, bi) in enumerate(zip(W, b)):
        gate = GATES[tuple(int(v > 0.5) for v in hidden[:, i])]
        gates.append(gate)
        print(f"  h{i + 1} = sigmoid({w[0]:+.2f} x1 {w[1]:+.2f} x2 {bi:+.2f})   acts as {gate}")
    print()
    say(f"""
        Each hidden neuron is a perceptron-like line (dashed in the picture), a logic gate of
        its own: here h1 acts as {gates[0]} and h2 as {gates[1]} (another seed may pick a
        different pair, such as OR and AND). In the hidden
        space (h1, h2) the four corners are no longer crossed: (0,1) and (1,0) land
        on the same spot, and one straight line from the output neuron separates them from
        (0,0) and (1,1). The hidden layer built the features the output can separate.
        """)
    say("""
        Two hidden neurons are just enough, so training sometimes gets stuck (a local minimum,
        above if it happened). With four hidden neurons there are lines to spare:
        """)
    big, big_loss, big_acc, big_seed = train_until_solved(4, seed, steps)
    print()

    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(15, 5.2))
    draw_surface(axes[0], small, "2-2-1: output surface, hidden lines dashed")
    ax = axes[1]
    ax.scatter(hidden[:, 0], hidden[:, 1], c=Y.ravel(), cmap="RdBu_r", s=140, edgecolors="k",
               zorder=3)
    spots: list[tuple[np.ndarray, list[str]]] = []  # points that land together share a label
    for x, h in zip(X, hidden):
        name = f"({x[0]:.0f},{x[1]:.0f})"
        for where, names in spots:
            if np.abs(where - h).max() < 0.1:
                names.append(name)
                break
        else:
            spots.append((h, [name]))
    for where, names in spots:
        ax.annotate(" ".join(names), where, textcoords="offset points", ha="center",
                    xytext=(0, 12 if where[1] < 0.5 else -18))
    w_out = small[1].weight.numpy().astype(float).ravel()
    b_out = float(small[1].bias.numpy()[0])
    hs = np.linspace(-0.1, 1.1, 2)
    if abs(w_out[1]) > 1e-9:
        ax.plot(hs, -(w_out[0] * hs + b_out) / w_out[1], "k-", label="output neuron's line")
    ax.set_xlim(-0.1, 1.1)
    ax.set_ylim(-0.1, 1.1)
    ax.set_aspect("equal")
    ax.set_xlabel("h1")
    ax.set_ylabel("h2")
    ax.set_title("2-2-1: the four points in hidden space", fontsize=10)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2)
    draw_surface(axes[2], big, "2-4-1: output surface, hidden lines dashed")
    fig.suptitle("xor: the hidden layer builds features one line can separate")
    outputs.figure(fig, IMAGE)
    outputs.report()
    return {
        "accuracy_221": small_acc,
        "accuracy_241": big_acc,
        "loss_221": small_loss,
        "loss_241": big_loss,
        "seed_221": small_seed,
        "seed_241": big_seed,
        "hidden_221": hidden,
        "hidden_gates_221": gates,
        "files": outputs.files,
    }

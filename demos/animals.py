"""animals: dogs, lizards and dolphins. No single feature says "dog"; a combination does.

Four legs? Lizards have them too. Warm blood? So do dolphins. Only "four legs AND warm
blood" picks out the dog. An AND is linearly separable (legs + warm - 1.5 > 0), so a softmax
with no hidden layer can already learn it; we train one, then a network with a hidden layer
(one output per animal, softmax), compare the two, and look inside the hidden layer for a
neuron that computes the AND, saying what the numbers show.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import autograd
import nn
import optim
from autograd import Tensor
from demos import Outputs, heading, pyplot, say

DESCRIPTION = "dogs/lizards/dolphins: 'four legs AND warm blood', with and without a hidden layer"
IMAGE = "animals.png"

ANIMALS = ("dog", "lizard", "dolphin")
FEATURES = ("four legs", "warm blood", "swims", "lays eggs", "bigger than a cat", "has a tail")
# The chance that an animal of each kind has each feature: individuals differ.
CHANCE = np.array([
    # legs warm  swims eggs  big   tail
    [1.0, 1.0, 0.5, 0.0, 0.6, 0.95],  # dog
    [1.0, 0.0, 0.3, 0.85, 0.1, 1.0],  # lizard
    [0.0, 1.0, 1.0, 0.0, 1.0, 1.0],   # dolphin
])


def make_animals(per_kind: int) -> tuple[np.ndarray, np.ndarray]:
    """per_kind individuals of each animal, features drawn from CHANCE (autograd's rng)."""
    r = autograd.rng()
    X = np.concatenate([r.random((per_kind, len(FEATURES))) < CHANCE[k]
                        for k in range(len(ANIMALS))]).astype(np.float32)
    y = np.repeat(np.arange(len(ANIMALS)), per_kind)
    return X, y


def run(quick: bool = False, out: Path | None = None, seed: int = 0) -> dict:
    outputs = Outputs("animals", out)
    heading("animals: what makes a dog a dog?")
    autograd.manual_seed(seed)
    X, y = make_animals(30 if quick else 60)
    say("""
        Each animal is described by six yes/no features. Individuals differ (some dogs swim,
        some lizards lay no eggs), but every dog and every lizard has four legs, and every
        dog and every dolphin is warm-blooded. Which animals have each feature:
        """)
    print("  feature             " + "  ".join(f"{a:>7s}" for a in ANIMALS))
    for j, f in enumerate(FEATURES):
        share = [X[y == k, j].mean() for k in range(len(ANIMALS))]
        print(f"  {f:18s}  " + "  ".join(f"{s:7.0%}" for s in share))
    print()
    legs, warm = X[:, 0] == 1, X[:, 1] == 1
    dogs_among = {name: float(np.mean(y[mask] == 0)) for name, mask in
                  (("four legs", legs), ("warm blood", warm), ("both", legs & warm))}
    say(f"""
        Of the animals with four legs, {dogs_among['four legs']:.0%} are dogs; of the
        warm-blooded ones, {dogs_among['warm blood']:.0%}. Of those with both,
        {dogs_among['both']:.0%}. No single feature identifies a dog; the combination does.
        """)

    say("""
        First the smallest model: one weighted sum per animal, then softmax (no hidden
        layer). "Dog" needs four legs AND warm blood, and an AND is one weighted sum and a
        threshold (legs + warm - 1.5 > 0), so this may be enough.
        """)
    linear = nn.Linear(len(FEATURES), len(ANIMALS))
    lin_opt = optim.Adam(linear.parameters(), lr=0.05)
    inputs, labels = Tensor(X), Tensor(y)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(200 if quick else 400):
        lin_loss = loss_fn(linear(inputs), labels)
        lin_opt.zero_grad()
        lin_loss.backward()
        lin_opt.step()
    with autograd.no_grad():
        lin_accuracy = float(np.mean(linear(inputs).numpy().argmax(axis=1) == y))
    print(f"  no hidden layer: loss {lin_loss.item():.4f}, accuracy {lin_accuracy:.0%}\n")

    hidden = 3
    model = nn.MLP(len(FEATURES), [hidden, len(ANIMALS)], activation="sigmoid")
    say(f"""
        The classifier: {len(FEATURES)} features -> {hidden} hidden sigmoid neurons -> 3 scores,
        one per animal, turned into probabilities by softmax; cross-entropy loss, Adam.
        """)
    optimizer = optim.Adam(model.parameters(), lr=0.05)
    steps = 200 if quick else 400
    for step in range(steps):
        loss = loss_fn(model(inputs), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % (steps // 4) == 0:
            print(f"  step {step:3d}: loss {loss.item():.4f}")
    with autograd.no_grad():
        probs = model(inputs).softmax(axis=1).numpy()
    accuracy = float(np.mean(probs.argmax(axis=1) == y))
    print(f"  after {steps} steps: loss {loss.item():.4f}, accuracy {accuracy:.0%}\n")
    if lin_accuracy >= accuracy - 0.005:
        adds = (f"The hidden layer adds no accuracy here: without it the model already scores "
                f"{lin_accuracy:.0%} (with it {accuracy:.0%}), because the AND that defines a "
                "dog is one weighted sum. A hidden layer is needed for what one weighted sum "
                "cannot draw, like XOR (see the xor demo); here it only re-describes the "
                "features.")
    else:
        adds = (f"The hidden layer helps: {accuracy:.0%} with it, {lin_accuracy:.0%} without.")
    say(adds)

    # Probe the hidden layer: each (legs, warm) combination, other features at their average.
    combos = [(0, 0), (0, 1), (1, 0), (1, 1)]
    probe = np.tile(X.mean(axis=0), (4, 1)).astype(np.float32)
    probe[:, :2] = combos
    with autograd.no_grad():
        h = model[0](Tensor(probe)).numpy()
    print("  hidden neurons on (four legs, warm blood), the rest at their average:")
    print("  legs warm   " + "  ".join(f"  h{i + 1} " for i in range(hidden)))
    for (lg, wm), row in zip(combos, h):
        print(f"  {lg:4d} {wm:4d}   " + "  ".join(f"{v:5.2f}" for v in row))
    with autograd.no_grad():
        h_all = model[0](inputs).numpy()
    by_animal = np.stack([h_all[y == k].mean(axis=0) for k in range(len(ANIMALS))])
    print("\n  mean hidden activation per animal:")
    print("  animal    " + "  ".join(f"  h{i + 1} " for i in range(hidden)))
    for name, row in zip(ANIMALS, by_animal):
        print(f"  {name:8s}  " + "  ".join(f"{v:5.2f}" for v in row))
    # The dog neuron: dogs on one side, lizards AND dolphins on the other, far apart.
    up = np.minimum(by_animal[0] - by_animal[1], by_animal[0] - by_animal[2])
    down = np.minimum(by_animal[1] - by_animal[0], by_animal[2] - by_animal[0])
    score = np.maximum(up, down)
    best = int(np.argmax(score))
    sign = "on" if up[best] >= down[best] else "off"
    w_out = model[1].weight.numpy()[:, best]
    w_in = model[0].weight.numpy()[best]
    b_in = float(model[0].bias.numpy()[best])
    and_gap = float(h[3, best] - max(h[1, best], h[2, best]))  # both on vs one alone
    nand_gap = float(min(h[1, best], h[2, best]) - h[3, best])
    if sign == "on" and and_gap > 0.3:
        reading = "close to an AND of the two: high only when both are there"
    elif sign == "off" and nand_gap > 0.3:
        reading = "close to NOT (four legs AND warm blood), an AND read with a negative weight"
    else:
        reading = ("not an AND: one feature alone moves it nearly as much as both (an AND "
                   "would stay low for one alone), so the dog is told apart by this neuron "
                   "together with the others")
    print()
    say(f"""
        Hidden neuron h{best + 1} separates dogs best: it is {"high" if sign == "on" else "low"}
        for dogs ({by_animal[0, best]:.2f} on average) and {"lower" if sign == "on" else
        "higher"} for lizards ({by_animal[1, best]:.2f}) and dolphins
        ({by_animal[2, best]:.2f}), which each share one of the dog's two features. Its
        weights: four legs {w_in[0]:+.1f}, warm blood {w_in[1]:+.1f}, bias {b_in:+.1f}, the
        other features between {w_in[2:].min():+.1f} and {w_in[2:].max():+.1f}; its weight
        into the dog score is {w_out[0]:+.1f} (lizard {w_out[1]:+.1f}, dolphin
        {w_out[2]:+.1f}). With the other features averaged out it reads {h[3, best]:.2f} for
        both, {h[2, best]:.2f} for four legs alone and {h[1, best]:.2f} for warm blood alone:
        {reading}.
        """)

    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.5), gridspec_kw={"width_ratios": (1.6, 1),
                                                                   "wspace": 0.55})
    W = model[0].weight.numpy().T
    lim = np.abs(W).max()
    ax = axes[0]
    ax.imshow(W, cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto")
    ax.set_yticks(range(len(FEATURES)), FEATURES)
    ax.set_xticks(range(hidden), [f"h{i + 1}" + (" (dog)" if i == best else "")
                                  for i in range(hidden)])
    for (i, j), v in np.ndenumerate(W):
        ax.text(j, i, f"{v:+.1f}", ha="center", va="center", fontsize=9,
                color="white" if abs(v) > 0.6 * lim else "black")
    ax.set_title("weights: feature -> hidden neuron")
    ax = axes[1]
    ax.imshow(h, cmap="viridis", vmin=0, vmax=1, aspect="auto")
    ax.set_yticks(range(4), [f"legs={a} warm={b}" for a, b in combos])
    ax.set_xticks(range(hidden), [f"h{i + 1}" for i in range(hidden)])
    for (i, j), v in np.ndenumerate(h):
        ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=8,
                color="white" if v < 0.5 else "black")
    ax.set_title("hidden activations")
    ax.set_xlabel("hidden neuron")
    axes[0].set_xlabel("hidden neuron")
    axes[0].set_ylabel("feature")
    ax.set_ylabel("input (other features at their average)")
    verdict = ("reads like 'four legs AND warm blood'" if and_gap > 0.3 or nand_gap > 0.3
               else "separates dogs best (not a clean AND)")
    fig.suptitle(f"animals: h{best + 1} {verdict}; no hidden layer: {lin_accuracy:.0%}, "
                 f"hidden layer: {accuracy:.0%}", y=1.04)
    outputs.figure(fig, IMAGE)
    outputs.report()
    return {
        "accuracy": accuracy,
        "linear_accuracy": lin_accuracy,
        "and_gap": and_gap if sign == "on" else nand_gap,
        "dogs_among": dogs_among,
        "and_neuron": best,
        "and_contrast": float(score[best]),
        "hidden_by_animal": by_animal,
        "hidden_on_combos": h,
        "files": outputs.files,
    }

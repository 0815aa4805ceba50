"""digits: a real dataset. An MLP reads 8x8 handwritten digits.

1797 small greyscale images of the digits 0-9 (the set that ships inside scikit-learn),
80% to learn from and 20% held back to test on. A 64-64-10 MLP, cross-entropy, Adam, a few
seconds of training with a progress bar; then where it still goes wrong.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

import autograd
import nn
import optim
from autograd import Tensor
from autograd.data import DataLoader, TensorDataset, load_digits, train_test_split
from demos import Outputs, heading, pyplot, say, seconds_per_step

DESCRIPTION = "8x8 handwritten digits: 64-64-10 MLP with Adam, >= 97% test accuracy"
IMAGE = "digits.png"
TARGET = 0.97


def compiled_vs_eager(X: np.ndarray, y: np.ndarray, seed: int, steps: int) -> dict:
    """The same Adam step on three identical models: eagerly, through autograd.compile's
    replay (``fuse=False``) and its fused step (the default): time per step of each,
    whether the replay's parameters agree bit for bit and how far the fused ones drift."""

    def setup():
        autograd.manual_seed(seed)
        model = nn.MLP(64, [64, 10])
        opt = optim.Adam(model.parameters(), lr=3e-3)

        def step(xb: Tensor, yb: Tensor) -> Tensor:
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            return loss

        return model, step

    xb, yb = Tensor(X[:32]), Tensor(y[:32])
    eager_model, eager = setup()
    fast_model, plain = setup()
    fast = autograd.compile(plain, fuse=False)  # the replay: bit-identical to eager
    fused_model, plain2 = setup()
    fused = autograd.compile(plain2)  # the default: this step fuses into one numba call
    seconds = seconds_per_step({"eager": eager, "compiled": fast, "fused": fused}, (xb, yb),
                               steps)
    same = all(np.array_equal(p.data, q.data)
               for p, q in zip(eager_model.parameters(), fast_model.parameters()))
    drift = max(float(np.max(np.abs(p.data - q.data)))
                for p, q in zip(eager_model.parameters(), fused_model.parameters()))
    e, c, f = seconds["eager"], seconds["compiled"], seconds["fused"]
    print(f"  one training step, batch 32: eager {e * 1e6:.0f} us, autograd.compile "
          f"{c * 1e6:.0f} us ({e / c:.1f}x {'faster' if c < e else 'slower'}); after "
          f"{steps + 3} steps each the two models' parameters are "
          f"{'bit-identical' if same else 'different'}"
          + ("" if fast.eager_reason is None else f" (ran eagerly: {fast.eager_reason})"))
    print(f"  the same step fused into one numba call (autograd.compile's default): "
          f"{f * 1e6:.0f} us ({e / f:.1f}x {'faster' if f < e else 'slower'} than eager"
          f"{'' if fused.fused else '; it did not fuse'}); its parameters differ from "
          f"eager's by at most {drift:.1e} (float rounding: its sums run in another order)")
    print()
    return {"eager_s": e, "compiled_s": c, "identical": same,
            "eager_reason": fast.eager_reason, "fused_s": f, "fused": fused.fused,
            "fused_drift": drift}


def run(quick: bool = False, out: Path | None = None, seed: int = 0) -> dict:
    outputs = Outputs("digits", out)
    heading("digits: reading handwriting")
    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, seed=seed)
    say(f"""
        {len(X)} handwritten digits, each 8x8 pixels flattened into 64 numbers between 0 and
        1. We train on {len(X_train)} and keep {len(X_test)} aside: accuracy on digits the
        network never saw is the only number that counts. The model is a 64-64-10 MLP (one
        hidden ReLU layer; ten outputs, one score per digit), the loss is cross-entropy on
        the scores, the optimizer Adam, in batches of 32 with the learning rate annealed
        to zero along a cosine.
        """)
    autograd.manual_seed(seed)
    model = nn.MLP(64, [64, 10])
    print(model, f"\n  {model.num_parameters():,} parameters\n")
    epochs = 5 if quick else 20
    optimizer = optim.Adam(model.parameters(), lr=3e-3)
    schedule = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    train_loader = DataLoader(TensorDataset(X_train, y_train), batch_size=32, shuffle=True,
                              seed=seed)
    test_loader = DataLoader(TensorDataset(X_test, y_test), batch_size=512)
    start = time.perf_counter()
    history = nn.fit(model, nn.CrossEntropyLoss(), optimizer, train_loader, epochs=epochs,
                     val_loader=test_loader, scheduler=schedule)
    seconds = time.perf_counter() - start

    model.eval()
    with autograd.no_grad():
        predicted = model(Tensor(X_test)).argmax(axis=1).numpy()
    accuracy = float(np.mean(predicted == y_test))
    wrong = np.flatnonzero(predicted != y_test)
    confusion = np.zeros((10, 10), dtype=np.int64)
    np.add.at(confusion, (y_test, predicted), 1)
    verdict = "above" if accuracy >= TARGET else "below"
    if quick:
        verdict = f"(quick mode, {epochs} epochs) {verdict}"
    print(f"\n  {epochs} epochs in {seconds:.1f} s: test accuracy {accuracy:.2%} "
          f"({len(wrong)} of {len(y_test)} wrong), {verdict} the {TARGET:.0%} mark")
    pairs = [(confusion[t, p], t, p) for t in range(10) for p in range(10) if t != p]
    pairs = [pair for pair in sorted(pairs, reverse=True) if pair[0] > 0][:6]
    if pairs:
        print("  its mistakes: " + ", ".join(f"{t} read as {p}" + (f" ({n}x)" if n > 1 else "")
                                             for n, t, p in pairs)
              + (", ..." if len(pairs) < len(wrong) and len(pairs) == 6 else ""))
    print()
    compiled = compiled_vs_eager(X_train, y_train, seed, steps=50 if quick else 300)
    say("""
        The confusion matrix counts, for each true digit (row), what the network answered
        (column): a perfect reader has numbers only on the diagonal. The grid shows the test
        digits it got wrong; many are hard for people too.
        """)

    plt = pyplot()
    fig = plt.figure(figsize=(13, 5.4))
    grid = fig.add_gridspec(1, 2, width_ratios=(1, 1.25), wspace=0.15)
    ax = fig.add_subplot(grid[0])
    ax.imshow(confusion, cmap="Blues")
    for t in range(10):
        for p in range(10):
            if confusion[t, p]:
                ax.text(p, t, str(confusion[t, p]), ha="center", va="center", fontsize=8,
                        color="white" if confusion[t, p] > confusion.max() / 2 else "black")
    ax.set_xticks(range(10))
    ax.set_yticks(range(10))
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"confusion matrix, test accuracy {accuracy:.1%}")
    shown = wrong[:18]
    cells = grid[1].subgridspec(3, 6, wspace=0.1, hspace=0.35)
    for k in range(18):
        cell = fig.add_subplot(cells[k // 6, k % 6])
        cell.axis("off")
        if k < len(shown):
            i = shown[k]
            cell.imshow(X_test[i].reshape(8, 8), cmap="gray_r")
            cell.set_title(f"{y_test[i]} read as {predicted[i]}", fontsize=8)
    fig.suptitle(f"digits: 64-64-10 MLP, {len(wrong)} of {len(y_test)} test digits wrong")
    outputs.figure(fig, IMAGE)

    from matplotlib.ticker import MaxNLocator

    fig, ax = plt.subplots(figsize=(9, 4.5))
    history.plot(ax)
    ax.set_title("digits: loss and accuracy per epoch")
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    for a in fig.axes:  # History.plot may add a twin axis: one legend, beside the plot
        if a.get_legend() is not None:
            a.get_legend().remove()
    handles, labels = [], []
    for a in fig.axes:
        h, lab = a.get_legend_handles_labels()
        handles += h
        labels += lab
    if handles:
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.12, 1.0))
    outputs.figure(fig, "training.png")
    outputs.report()
    return {
        "accuracy": accuracy,
        "compiled": compiled,
        "epochs": epochs,
        "seconds": seconds,
        "confusion": confusion,
        "history": history,
        "files": outputs.files,
    }

"""cnn: a small convolutional network reads the 8x8 handwritten digits.

Two 3x3 convolutions slide the same few weights over every position of the image, so the
network learns a local pattern once and finds it anywhere; max pooling keeps the strongest
response in each 2x2 patch; a linear layer reads the pooled maps. We show the first layer's
learned filters and their feature maps for one digit, on colour scales, and say only what
those pictures show.
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

DESCRIPTION = "a small CNN on the 8x8 digits: >= 98% test accuracy, learned filters, feature maps"
IMAGE = "cnn.png"


def make_model() -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),   # (16, 8, 8)
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),  # (32, 8, 8)
        nn.MaxPool2d(2),                             # (32, 4, 4)
        nn.Flatten(),
        nn.Linear(32 * 4 * 4, 10),
    )


def accuracy(model: nn.Module, X: np.ndarray, y: np.ndarray) -> float:
    with autograd.no_grad():
        return float(np.mean(model(Tensor(X)).numpy().argmax(axis=1) == y))


def run(quick: bool = False, out: Path | None = None, seed: int = 0) -> dict:
    outputs = Outputs("cnn", out)
    heading("cnn: convolutions on the 8x8 digits")
    autograd.manual_seed(seed)
    X, y = load_digits()
    X = X.reshape(-1, 1, 8, 8)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, seed=seed)
    if quick:
        X_train, y_train = X_train[:600], y_train[:600]
    epochs = 4 if quick else 20
    model = make_model()
    say(f"""
        {len(X_train)} training and {len(X_test)} test digits, each an 8x8 grey image. The
        network: two 3x3 convolutions (16 then 32 channels, zero padding keeps 8x8), ReLU,
        2x2 max pooling to 4x4, and a linear layer to the 10 classes:
        {model.num_parameters()} weights in all, most of them in the last layer. Adam,
        minibatches of 32, {epochs} epochs.
        """)
    loss_fn = nn.CrossEntropyLoss()
    opt = optim.Adam(model.parameters(), lr=3e-3)
    sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs) \
        if hasattr(optim.lr_scheduler, "CosineAnnealingLR") else None
    rng = autograd.rng()
    history = []
    start = time.perf_counter()
    for epoch in range(epochs):
        model.train()
        order = rng.permutation(len(X_train))
        total = 0.0
        for i in range(0, len(order), 32):
            idx = order[i:i + 32]
            loss = loss_fn(model(Tensor(X_train[idx])), y_train[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        if sched is not None:
            sched.step()
        model.eval()
        test_acc = accuracy(model, X_test, y_test)
        history.append((total / len(X_train), test_acc))
        print(f"  epoch {epoch + 1:2d}/{epochs}   loss {total / len(X_train):.4f}   test "
              f"accuracy {test_acc:.2%}   {eta(start, epoch + 1, epochs)}")
    seconds = time.perf_counter() - start
    train_acc = accuracy(model, X_train, y_train)
    test_acc = history[-1][1]
    with autograd.no_grad():
        pred = model(Tensor(X_test)).numpy().argmax(axis=1)
    wrong = int(np.sum(pred != y_test))
    conv1 = model[0]
    filters = conv1.weight.numpy()[:, 0]
    digit = X_test[:1]
    with autograd.no_grad():
        maps = model[1](conv1(Tensor(digit))).numpy()[0]
    blank = [k for k in range(len(maps)) if maps[k].max() <= 0.0]
    # how much a filter looks like a smooth pattern (an edge, a blob) rather than noise:
    # the correlation of each weight with its right and lower neighbours
    smooth = [float(np.corrcoef(np.concatenate([f[:, :-1].ravel(), f[:-1].ravel()]),
                                np.concatenate([f[:, 1:].ravel(), f[1:].ravel()]))[0, 1])
              for f in filters]
    n_smooth = sum(c > 0.5 for c in smooth)
    print()
    say(f"""
        Test accuracy {test_acc:.2%} ({wrong} of {len(y_test)} wrong), training accuracy
        {train_acc:.2%}, in {seconds:.1f} s. The first layer's 16 filters are the 3x3
        weights training found. {n_smooth} of them {'is' if n_smooth == 1 else 'are'} smooth
        (neighbouring weights correlate above 0.5, as in an edge or a blob); the others look
        like noise to the eye, and nothing here shows what each one detects. For this digit
        {len(blank)} of the 16 feature maps {'is' if len(blank) == 1 else 'are'} blank
        {'(marked)' if blank else ''}: the ReLU zeroed every position
        (the filter's pattern is nowhere in this digit, or its bias keeps it off). The later
        layers, not these pictures, turn the maps into the answer.
        """)
    plt = pyplot()
    fig = plt.figure(figsize=(14, 4.8))
    grid = fig.add_gridspec(4, 15, wspace=0.25, hspace=0.3,
                            width_ratios=[1] * 8 + [0.2, 1.1] + [1] * 4 + [0.2])
    ax = fig.add_subplot(grid[:, 0:4])
    ax.imshow(digit[0, 0], cmap="gray_r")
    ax.set_title(f"a test digit (label {y_test[0]}, predicted {pred[0]})", fontsize=9)
    ax.axis("off")
    lim = np.abs(filters).max()
    top = max(float(maps.max()), 1e-6)
    for k in range(16):
        a = fig.add_subplot(grid[k // 4, 4 + k % 4])
        im_f = a.imshow(filters[k], cmap="RdBu_r", vmin=-lim, vmax=lim)
        a.set_xticks([])
        a.set_yticks([])
        a.set_xlabel(f"f{k + 1}", fontsize=7, labelpad=1)
        if k == 0:
            a.set_title("learned 3x3 filters (conv1)", fontsize=9, loc="left")
        b = fig.add_subplot(grid[k // 4, 10 + k % 4])
        im_m = b.imshow(maps[k], cmap="viridis", vmin=0, vmax=top)
        b.set_xticks([])
        b.set_yticks([])
        b.set_xlabel(f"f{k + 1}" + (" (blank)" if k in blank else ""), fontsize=7, labelpad=1)
        if k == 0:
            b.set_title("their feature maps of the digit (after ReLU)", fontsize=9, loc="left")
    fig.colorbar(im_f, cax=fig.add_subplot(grid[:, 8]), label="filter weight")
    fig.colorbar(im_m, cax=fig.add_subplot(grid[:, 14]), label="feature map value")
    fig.suptitle(f"cnn: test accuracy {test_acc:.1%} on the 8x8 digits")
    outputs.figure(fig, IMAGE)
    from matplotlib.ticker import MaxNLocator

    fig, ax = plt.subplots(figsize=(9, 4.5))
    ep = range(1, len(history) + 1)
    ax.plot(ep, [h[0] for h in history], marker="o", label="training loss")
    ax2 = ax.twinx()
    ax2.plot(ep, [h[1] for h in history], color="C1", marker="o", label="test accuracy")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss (cross-entropy)")
    ax2.set_ylabel("test accuracy")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("cnn: training loss and test accuracy per epoch")
    fig.legend(loc="upper left", bbox_to_anchor=(1.02, 0.9), bbox_transform=ax.transAxes)
    outputs.figure(fig, "cnn_training.png")
    outputs.report()
    return {"test_accuracy": test_acc, "train_accuracy": train_acc, "epochs": epochs,
            "blank_maps": blank, "smooth_filters": n_smooth,
            "losses": [h[0] for h in history], "seconds": seconds, "files": outputs.files}

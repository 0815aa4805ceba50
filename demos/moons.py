"""moons: the same network on both engines, side by side.

The classic 2-16-16-1 on two moons, once as a web of scalar Values (one Python object per
number) and once as Tensors (one numpy array per layer). We copy the scalar network's
weights into the tensor one, train both with the same loss and optimizer, and watch them
compute the same numbers, at very different speeds.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

import autograd
import nn
import optim
from autograd import Tensor, Value
from autograd.data import moons
from demos import Outputs, heading, pyplot, say, seconds_per_step
from nn import scalar

DESCRIPTION = "2-16-16-1 on two moons, scalar and tensor engines side by side, step times"
IMAGE = "moons.png"


def copy_weights(source: scalar.MLP, target: nn.MLP) -> None:
    """Put the scalar net's weights into the tensor net (Linear keeps W as (out, in))."""
    linears = [m for m in target if isinstance(m, nn.Linear)]
    with autograd.no_grad():
        for layer, linear in zip(source.layers, linears):
            linear.weight.copy_(np.array([[w.data for w in n.w] for n in layer.neurons]))
            linear.bias.copy_(np.array([n.b.data for n in layer.neurons]))


def scalar_step(model: scalar.MLP, optimizer: optim.SGD, X: list, y: list) -> tuple[float, float]:
    scores = [model(x) for x in X]
    loss = sum(((1.0 - yi * s).relu() for yi, s in zip(y, scores)), Value(0.0)) / len(y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    accuracy = sum((yi > 0) == (s.data > 0) for yi, s in zip(y, scores)) / len(y)
    return loss.data, accuracy


def tensor_step(model: nn.MLP, optimizer: optim.SGD, loss_fn: nn.HingeLoss, X: Tensor,
                y: Tensor) -> tuple[float, float]:
    scores = model(X)
    loss = loss_fn(scores, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    accuracy = float(np.mean((scores.numpy() > 0) == (y.numpy() > 0)))
    return loss.item(), accuracy


def compiled_vs_eager(weights: dict, X: Tensor, y: Tensor, loss_fn: nn.HingeLoss,
                      steps: int) -> dict:
    """The tensor engine's step, eagerly and through autograd.compile, on two networks
    starting from the same weights: time per step, and whether they stay bit-identical."""

    def setup():
        net = nn.MLP(2, [16, 16, 1], dtype=np.float64)
        net.load_state_dict({k: v.copy() for k, v in weights.items()})
        opt = optim.SGD(net.parameters(), lr=0.5)

        def step(xb: Tensor, yb: Tensor) -> Tensor:
            loss = loss_fn(net(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            return loss

        return net, step

    eager_net, eager = setup()
    fast_net, plain = setup()
    fast = autograd.compile(plain)
    seconds = seconds_per_step({"eager": eager, "compiled": fast}, (X, y), steps)
    same = all(np.array_equal(p.data, q.data)
               for p, q in zip(eager_net.parameters(), fast_net.parameters()))
    e, c = seconds["eager"], seconds["compiled"]
    share = 1 - c / e
    say(f"""
        Each eager op also pays Python bookkeeping (a Tensor and a Function per op).
        autograd.compile records the step once and replays it as plain kernel calls:
        {e * 1e6:.0f} us eagerly, {c * 1e6:.0f} us compiled, so that bookkeeping was
        {max(share, 0):.0%} of this step's time; after {steps + 3} steps each, the two
        networks' weights are {'bit-identical' if same else 'different'}.
        """ + ("" if fast.eager_reason is None else f"(It ran eagerly: {fast.eager_reason}.)"))
    return {"eager_s": e, "compiled_s": c, "identical": same,
            "eager_reason": fast.eager_reason}


def run(quick: bool = False, out: Path | None = None, seed: int = 0) -> dict:
    outputs = Outputs("moons", out)
    heading("moons: one network, two engines")
    autograd.manual_seed(seed)
    X_np, labels = moons(100, noise=0.1, seed=seed)
    X_np = X_np.astype(np.float64)
    y_np = np.where(labels == 1, 1.0, -1.0)
    steps = 15 if quick else 100

    scalar_net = scalar.MLP(2, [16, 16, 1])
    tensor_net = nn.MLP(2, [16, 16, 1], dtype=np.float64)
    copy_weights(scalar_net, tensor_net)
    start_weights = {k: v.data.copy() for k, v in tensor_net.state_dict().items()}
    say(f"""
        Two copies of one 2-16-16-1 ReLU network with the same starting weights: one made
        of {len(scalar_net.parameters())} scalar Values, one of {len(tensor_net.parameters())}
        Tensors (a weight matrix and a bias vector per layer). Both minimise the mean hinge
        loss relu(1 - label x score) over the 100 points by full-batch SGD with the same
        shrinking learning rate, for {steps} steps.
        """)

    def schedule(k: int) -> float:
        return 1.0 - 0.9 * k / steps

    s_opt = optim.SGD(scalar_net.parameters(), lr=1.0)
    t_opt = optim.SGD(tensor_net.parameters(), lr=1.0)
    s_sched = optim.lr_scheduler.LambdaLR(s_opt, schedule)
    t_sched = optim.lr_scheduler.LambdaLR(t_opt, schedule)
    X_list, y_list = X_np.tolist(), y_np.tolist()
    X_t, y_t = Tensor(X_np), Tensor(y_np[:, None])
    loss_fn = nn.HingeLoss()

    s_times, t_times, s_hist, t_hist = [], [], [], []
    print("          scalar engine          tensor engine")
    print("  step    loss     acc           loss     acc      |difference|")
    for k in range(steps):
        start = time.perf_counter()
        s_loss, s_acc = scalar_step(scalar_net, s_opt, X_list, y_list)
        s_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        t_loss, t_acc = tensor_step(tensor_net, t_opt, loss_fn, X_t, y_t)
        t_times.append(time.perf_counter() - start)
        s_sched.step()
        t_sched.step()
        s_hist.append((s_loss, s_acc))
        t_hist.append((t_loss, t_acc))
        if k % max(1, steps // 10) == 0 or k == steps - 1:
            print(f"  {k:4d}   {s_loss:.5f}  {s_acc:4.0%}          {t_loss:.5f}  {t_acc:4.0%}"
                  f"      {abs(s_loss - t_loss):.1e}")
    # the first tensor steps include numba's compile or cache load: time the rest
    s_ms = 1000 * float(np.median(s_times))
    t_ms = 1000 * float(np.median(t_times[1:] if len(t_times) > 1 else t_times))
    gap = max(abs(a[0] - b[0]) for a, b in zip(s_hist, t_hist))
    print()
    say(f"""
        Same numbers: the two engines' losses never differ by more than {gap:.1e} (rounding
        in a different order of additions). Different speeds: a step takes {s_ms:.1f} ms on
        the scalar engine, which builds and walks a graph of about ten thousand Python
        objects, and {t_ms:.2f} ms on the tensor engine, which does each layer as one matrix
        product: {s_ms / t_ms:.0f}x faster. The scalar engine is for seeing every number;
        the tensor engine is for real work.
        """)

    compiled = compiled_vs_eager(start_weights, X_t, y_t, loss_fn, steps)

    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.4))
    h = 0.05
    gx, gy = np.meshgrid(np.arange(X_np[:, 0].min() - 0.5, X_np[:, 0].max() + 0.5, h),
                         np.arange(X_np[:, 1].min() - 0.5, X_np[:, 1].max() + 0.5, h))
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    s_scores = np.array([scalar_net(list(p)).data for p in grid])
    with autograd.no_grad():
        t_scores = tensor_net(Tensor(grid)).numpy().ravel()
    panels = ((axes[0], s_scores, f"scalar engine (Value): {s_ms:.1f} ms/step", s_hist),
              (axes[1], t_scores, f"tensor engine (Tensor): {t_ms:.2f} ms/step", t_hist))
    for ax, scores, title, hist in panels:
        ax.contourf(gx, gy, (scores > 0).reshape(gx.shape), levels=[-0.5, 0.5, 1.5],
                    colors=["#c6dbef", "#fcbba1"])
        ax.scatter(X_np[:, 0], X_np[:, 1], c=labels, cmap="coolwarm", s=22, edgecolors="k",
                   lw=0.5)
        ax.set_title(f"{title}\nfinal accuracy {hist[-1][1]:.0%}", fontsize=10)
        ax.set_xlabel("x1")
        ax.set_ylabel("x2")
    fig.suptitle("moons: the same 2-16-16-1 network, the same numbers, two engines", y=1.04)
    outputs.figure(fig, IMAGE)
    outputs.report()
    return {
        "scalar_accuracy": s_hist[-1][1],
        "tensor_accuracy": t_hist[-1][1],
        "scalar_losses": [h[0] for h in s_hist],
        "tensor_losses": [h[0] for h in t_hist],
        "max_loss_difference": gap,
        "scalar_ms_per_step": s_ms,
        "tensor_ms_per_step": t_ms,
        "compiled": compiled,
        "files": outputs.files,
    }

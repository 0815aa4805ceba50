"""guests: the guest-list network. Who comes to dinner decides how much wine is drunk.

Three possible guests, three hidden ReLU neurons, one ReLU output. First a "true" network
set by hand, whose every weight has a story; then a fresh network of the same shape that
learns those stories back from the eight guest lists alone, by backpropagation on the
scalar engine, where every number can be read.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import autograd
from autograd import Value
from demos import Outputs, heading, say
from nn.scalar import MLP

DESCRIPTION = "guest-list network: a hand-set 3-3-1 ReLU net, relearned by backprop"
IMAGE = "network_graph.svg"

NAMES = ("Agatha", "Dahlia", "Stiffy")
LISTS = [tuple(float(v) for v in bits) for bits in itertools.product((0, 1), repeat=3)]


def relu(x: float) -> float:
    return x if x > 0.0 else 0.0


def true_bottles(agatha: float, dahlia: float, stiffy: float) -> float:
    """The hand-set network: every weight is a fact about a guest."""
    n1 = relu(stiffy)                            # Stiffy drinks
    n2 = relu(1.5 * dahlia + 0.4 * stiffy - 0.5)  # Dahlia drinks, and more with Stiffy there
    n3 = relu(agatha)                            # Agatha disapproves
    return relu(0.5 * n1 + 2.0 * n2 - 5.0 * n3 + 1.0)


def who(guests: tuple[float, ...]) -> str:
    names = [n for n, here in zip(NAMES, guests) if here]
    return " + ".join(names) if names else "(nobody)"


def mse(model: MLP, targets: list[float]) -> Value:
    total = Value(0.0)
    for guests, bottles in zip(LISTS, targets):
        total = total + (model(guests) - bottles) ** 2
    return total / len(LISTS)


def dead_neurons(model: MLP) -> list[str]:
    """Neurons whose ReLU outputs 0 on every guest list: they pass no gradient, so never learn."""
    dead = []
    for li, layer in enumerate(model.layers):
        for ni, neuron in enumerate(layer.neurons):
            inputs = LISTS if li == 0 else [[n(g) for n in model.layers[0].neurons]
                                            for g in LISTS]
            if all(neuron(x).data == 0.0 for x in inputs):
                dead.append(f"{'hidden' if li == 0 else 'output'} neuron {ni + 1}")
    return dead


def train(seed: int, targets: list[float], steps: int, lr: float) -> tuple[MLP, float, str]:
    """Plain gradient descent on a fresh 3-3-1 net; returns the net, its loss and a verdict."""
    autograd.manual_seed(seed)
    model = MLP(3, [3, 1], activation="relu", output_activation="relu")
    loss = mse(model, targets)
    for step in range(steps):
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= lr * p.grad
        loss = mse(model, targets)
        if step == 100 and dead_neurons(model):
            break  # a dead ReLU will not come back; no point in training on
        if loss.data < 1e-6:
            break
    if loss.data < 1e-3:
        return model, loss.data, "ok"
    dead = dead_neurons(model)
    reason = f"dead ReLU ({', '.join(dead)})" if dead else "stuck in a local minimum"
    return model, loss.data, reason


def run(quick: bool = False, out: Path | None = None, seed: int = 0) -> dict:
    outputs = Outputs("guests", out)
    heading("guests: who is coming to dinner?")
    say("""
        Three people might come: Agatha, Dahlia and Stiffy (1 = coming, 0 = not). A network
        with three hidden ReLU neurons and one ReLU output predicts the bottles. Here is the
        "true" one, set by hand: n1 = relu(Stiffy); n2 = relu(1.5 Dahlia + 0.4 Stiffy - 0.5);
        n3 = relu(Agatha); bottles = relu(0.5 n1 + 2 n2 - 5 n3 + 1). Stiffy alone has half a
        bottle; Dahlia brings a couple of bottles and makes Stiffy drink more; with Agatha
        there nobody drinks; and with nobody there you drink one bottle yourself.
        """)
    targets = [true_bottles(*g) for g in LISTS]
    print("  Agatha Dahlia Stiffy   bottles   who")
    for g, t in zip(LISTS, targets):
        print(f"  {g[0]:6.0f} {g[1]:6.0f} {g[2]:6.0f}   {t:7.2f}   {who(g)}")
    print()

    say("""
        Now forget the weights. Start a fresh 3-3-1 ReLU network from random weights and
        train it on the eight lists: forward, mean squared error, backward, step every
        weight against its gradient. A ReLU that outputs 0 for every list gets no gradient
        and never wakes up (a "dead ReLU"); when that happens we start again from another
        seed, and say so.
        """)
    steps, lr = (1500 if quick else 3000), 0.05
    for attempt_seed in range(seed, seed + 20):
        model, loss, verdict = train(attempt_seed, targets, steps, lr)
        if verdict == "ok":
            print(f"  seed {attempt_seed}: trained, loss {loss:.2e}")
            break
        print(f"  seed {attempt_seed}: {verdict}, loss {loss:.3f} -> retrying with seed "
              f"{attempt_seed + 1}")
    else:
        raise RuntimeError("guests: 20 seeds in a row failed to train; this should not happen")
    retries = attempt_seed - seed

    preds = [model(g).data for g in LISTS]
    print("\n  who                       truth   learned")
    for g, t, p in zip(LISTS, targets, preds):
        print(f"  {who(g):24s}  {t:5.2f}   {p:7.3f}")
    print("\n  the learned weights (hidden neurons in any order; each its own story):")
    for i, n in enumerate(model.layers[0].neurons):
        ws = "  ".join(f"{w.data:+.2f} {name}" for w, name in zip(n.w, NAMES))
        print(f"    h{i + 1} = relu({ws}  {n.b.data:+.2f})")
    o = model.layers[1].neurons[0]
    ws = "  ".join(f"{w.data:+.2f} h{i + 1}" for i, w in enumerate(o.w))
    print(f"    bottles = relu({ws}  {o.b.data:+.2f})\n")
    say("""
        Different weights from the hand-set ones, the same answers: many networks fit eight
        examples. Below is the trained network's computation graph for one evening (Dahlia
        and Stiffy) with its squared error: every box shows a number (data) and how much the
        error would change if that number grew (grad).
        """)

    for i, n in enumerate(model.layers[0].neurons):  # name the weights for the picture
        for w, name in zip(n.w, NAMES):
            w.label = f"h{i + 1}.{name}"
        n.b.label = f"h{i + 1}.bias"
    for i, w in enumerate(o.w):
        w.label = f"out.h{i + 1}"
    o.b.label = "out.bias"
    evening = [Value(here, label=name) for here, name in zip((0.0, 1.0, 1.0), NAMES)]
    bottles = model(evening)
    bottles.label = "bottles"
    truth = Value(true_bottles(0.0, 1.0, 1.0), label="truth")
    error = (bottles - truth) ** 2
    error.label = "error²"
    model.zero_grad()
    error.backward()
    outputs.graph(error, IMAGE, title="guests: Dahlia + Stiffy, squared error")
    outputs.report()
    return {
        "targets": targets,
        "predictions": preds,
        "loss": loss,
        "seed_used": attempt_seed,
        "retries": retries,
        "files": outputs.files,
    }

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

DESCRIPTION = "guest-list network: the hand-set net traced (4.3), one backward pass, relearned"
IMAGE = "untrained_graph.svg"  # the README shows the untrained one

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


def trace_hand_set(guests: tuple[float, float, float]) -> dict:
    """Print the hand-set network's forward pass for one evening, as the article writes it."""
    agatha, dahlia, stiffy = guests
    z = (stiffy, 1.5 * dahlia + 0.4 * stiffy - 0.5, agatha)
    h = tuple(relu(v) for v in z)
    s = 0.5 * h[0] + 2.0 * h[1] - 5.0 * h[2] + 1.0
    print(f"  evening: {who(guests)} (Agatha={agatha:g}, Dahlia={dahlia:g}, Stiffy={stiffy:g})")
    print(f"    n1 = relu(Stiffy)                     = relu({z[0]:g}) = {h[0]:g}")
    print(f"    n2 = relu(1.5 x {dahlia:g} + 0.4 x {stiffy:g} - 0.5) = relu({z[1]:g}) = {h[1]:g}")
    print(f"    n3 = relu(Agatha)                     = relu({z[2]:g}) = {h[2]:g}")
    print(f"    bottles = relu(0.5 x {h[0]:g} + 2 x {h[1]:g} - 5 x {h[2]:g} + 1) = "
          f"{0.5 * h[0]:g} + {2.0 * h[1]:g} - {5.0 * h[2]:g} + 1 = {relu(s):g}\n")
    return {"hidden": h, "output": relu(s)}


def forward_labelled(model: MLP, guests: tuple[float, ...]) -> tuple[Value, list[Value],
                                                                     list[Value], Value]:
    """The model's forward pass for one evening, built node by node with names for the
    ledger and the picture: z_i and h_i = relu(z_i) per hidden neuron, s and bottles."""
    x = [Value(here, label=name) for here, name in zip(guests, NAMES)]
    zs, hs = [], []
    for i, n in enumerate(model.layers[0].neurons):
        z = Value.dot(n.w, x, n.b)
        z.label = f"z{i + 1}"
        h = z.relu()
        h.label = f"h{i + 1}"
        zs.append(z)
        hs.append(h)
    o = model.layers[1].neurons[0]
    s = Value.dot(o.w, hs, o.b)
    s.label = "s"
    bottles = s.relu()
    bottles.label = "bottles"
    return bottles, zs, hs, s


def name_weights(model: MLP) -> None:
    for i, n in enumerate(model.layers[0].neurons):
        for w, name in zip(n.w, NAMES):
            w.label = f"h{i + 1}.{name}"
        n.b.label = f"h{i + 1}.bias"
    o = model.layers[1].neurons[0]
    for i, w in enumerate(o.w):
        w.label = f"out.h{i + 1}"
    o.b.label = "out.bias"


def fresh_seed(seed: int, guests: tuple[float, ...]) -> int:
    """The first seed from ``seed`` whose fresh network's output ReLU is on for ``guests``."""
    for s in range(seed, seed + 100):
        autograd.manual_seed(s)
        model = MLP(3, [3, 1], activation="relu", output_activation="relu")
        if model(list(guests)).data > 0.0:
            return s
    raise RuntimeError("guests: no fresh network with a live output in 100 seeds")


def one_backward_pass(model: MLP, guests: tuple[float, ...], truth_value: float, lr: float,
                      outputs: Outputs, filename: str) -> dict:
    """Print one backward pass, last layer first, then the update; draw the untrained graph."""
    name_weights(model)
    bottles, zs, hs, s = forward_labelled(model, guests)
    truth = Value(truth_value, label="truth")
    error = bottles - truth
    error.label = "error"
    loss = error**2
    loss.label = "loss"
    model.zero_grad()
    loss.backward()
    o = model.layers[1].neurons[0]
    dl_dout = 2.0 * (bottles.data - truth_value)
    dl_ds = dl_dout * (1.0 if s.data > 0 else 0.0) + 0.0  # no -0
    print(f"  forward: hidden h = ({', '.join(f'{h.data:.3f}' for h in hs)}), "
          f"bottles = relu(s = {s.data:.3f}) = {bottles.data:.3f}, truth {truth_value:g}")
    print(f"  loss = (bottles - truth)^2 = ({bottles.data:.3f} - {truth_value:g})^2 = "
          f"{loss.data:.4f}\n")
    print("  output layer (last layer first):")
    print(f"    dL/d(bottles) = 2 x (bottles - truth) = {dl_dout:.4f}")
    print(f"    dL/ds = dL/d(bottles) x relu'(s) = {dl_dout:.4f} x "
          f"{1 if s.data > 0 else 0} = {dl_ds:.4f}")
    checks = []
    for i, (w, h) in enumerate(zip(o.w, hs)):
        by_hand = h.data * dl_ds + 0.0
        checks.append((by_hand, w.grad))
        print(f"    dL/d(out.h{i + 1}) = h{i + 1} x dL/ds = {h.data:.3f} x {dl_ds:.4f} = "
              f"{by_hand:.4f}   (engine: {w.grad:.4f})")
    checks.append((dl_ds, o.b.grad))
    print(f"    dL/d(out.bias) = 1 x dL/ds = {dl_ds:.4f}   (engine: {o.b.grad:.4f})")
    print("  hidden layer:")
    for i, (n, z, w_out) in enumerate(zip(model.layers[0].neurons, zs, o.w)):
        dl_dh = w_out.data * dl_ds
        dl_dz = dl_dh * (1.0 if z.data > 0 else 0.0) + 0.0
        state = "passes it" if z.data > 0 else "blocks it (z <= 0: off)"
        print(f"    dL/dh{i + 1} = out.h{i + 1} x dL/ds = {w_out.data:.3f} x {dl_ds:.4f} = "
              f"{dl_dh:.4f}")
        print(f"      relu(z{i + 1} = {z.data:.3f}) {state}: dL/dz{i + 1} = {dl_dz:.4f}")
        parts = []
        for w, name, here in zip(n.w, NAMES, guests):
            checks.append((here * dl_dz, w.grad))
            parts.append(f"{name} {here:g} x {dl_dz:.3f} = {w.grad:.3f}")
        checks.append((dl_dz, n.b.grad))
        print(f"      weights: {'; '.join(parts)}; bias {n.b.grad:.3f}")
    for h, z in zip(hs, zs):  # the picture names each hidden node by what it computes
        h.label = f"{h.label} = relu({z.label})"
    outputs.graph(loss, filename, title="guests, untrained: one evening's loss and gradients")
    params = [*o.w, o.b]
    before = [p.data for p in params]
    for p in model.parameters():
        p.data -= lr * p.grad
    print(f"\n  the update, learning rate lr = {lr:g}: every weight w <- w - lr x dL/dw")
    for p, b in zip(params, before):
        print(f"    {p.label:9s} {b:+.4f} - {lr:g} x {p.grad:+.4f} = {p.data:+.4f}")
    new_loss = (model(list(guests)) - truth_value) ** 2
    print(f"  loss on this evening after one step: {loss.data:.4f} -> {new_loss.data:.4f}\n")
    return {"loss_before": loss.data, "loss_after": new_loss.data,
            "max_check_error": max(abs(a - b) for a, b in checks),
            "any_nonzero_grad": any(abs(b) > 0 for _, b in checks)}


def run(quick: bool = False, out: Path | None = None, seed: int = 0) -> dict:
    outputs = Outputs("guests", out)
    heading("guests: who is coming to dinner?")
    say("""
        Three people might come: Agatha, Dahlia and Stiffy (1 = coming, 0 = not). A network
        with three hidden ReLU neurons and one ReLU output predicts the bottles (ReLU, the
        rectified linear unit: relu(z) = z when z > 0, else 0). Here is the "true" one, set
        by hand as the guest-list article does: n1 = relu(Stiffy); n2 = relu(1.5 Dahlia +
        0.4 Stiffy - 0.5); n3 = relu(Agatha); bottles = relu(0.5 n1 + 2 n2 - 5 n3 + 1).
        Stiffy alone has half a bottle; Dahlia brings a couple of bottles and makes Stiffy
        drink more; with Agatha there nobody drinks; and with nobody there you drink one
        bottle yourself.
        """)
    targets = [true_bottles(*g) for g in LISTS]
    print("  Agatha Dahlia Stiffy   bottles   who")
    for g, t in zip(LISTS, targets):
        print(f"  {g[0]:6.0f} {g[1]:6.0f} {g[2]:6.0f}   {t:7.2f}   {who(g)}")
    print()
    say("""
        Feed forward, by hand, for the evening Dahlia and Stiffy come: each hidden neuron
        takes its weighted sum and its ReLU, and the output neuron adds up the hidden
        neurons' answers.
        """)
    evening = (0.0, 1.0, 1.0)
    traced = trace_hand_set(evening)
    say(f"""
        Neuron 2 is a feature made of two inputs: it is {traced['hidden'][1]:g} only because
        Dahlia and Stiffy are both there (Dahlia alone gives relu(1.5 - 0.5) = 1, Stiffy
        alone relu(0.4 - 0.5) = 0). The article's "are people from Friend Group A and Friend
        Group B present?" is such a feature. No single weighted sum of the inputs can compute
        every such interaction (the perceptron demo proves it for XOR); a hidden layer
        computes the features, the last layer combines them.
        """)

    steps, lr = (1500 if quick else 3000), 0.05
    log = []
    for attempt_seed in range(seed, seed + 20):
        model, loss, verdict = train(attempt_seed, targets, steps, lr)
        if verdict == "ok":
            log.append(f"  seed {attempt_seed}: trained, loss {loss:.2e}")
            break
        log.append(f"  seed {attempt_seed}: {verdict}, loss {loss:.3f} -> retrying with seed "
                   f"{attempt_seed + 1}")
    else:
        raise RuntimeError("guests: 20 seeds in a row failed to train; this should not happen")
    retries = attempt_seed - seed

    walk_seed = fresh_seed(seed, evening)
    say(f"""
        Now forget the weights. A fresh 3-3-1 network starts from random weights (seed
        {walk_seed}: the first seed from {seed} whose output ReLU is on for this evening;
        when it is off, relu blocks every gradient and this pass would print zeros).
        Backpropagation works out, for every weight, how the loss would
        change if that weight grew: last layer first, then backwards, each layer's gradients
        made from the ones after it (the chain rule). Here is one backward pass for the
        Dahlia + Stiffy evening, with the loss (bottles - truth)^2.
        """)
    autograd.manual_seed(walk_seed)
    fresh = MLP(3, [3, 1], activation="relu", output_activation="relu")
    first = one_backward_pass(fresh, evening, true_bottles(*evening), lr, outputs,
                              "untrained_graph.svg")
    say("""
        autograd.explain prints the same pass as a ledger, one line per node, for the output
        neuron's part of it: each gradient is (local derivative) x (the gradient of the node
        that used it).
        """)
    autograd.manual_seed(walk_seed)
    fresh = MLP(3, [3, 1], activation="relu", output_activation="relu")
    name_weights(fresh)
    bottles, _, hs, _ = forward_labelled(fresh, evening)
    for h in hs:  # the hidden values as inputs: the ledger of the last layer alone
        h._prev, h._local = (), ()
    error = bottles - Value(true_bottles(*evening), label="truth")
    error.label = "error"
    square = error**2
    square.label = "loss"
    ledger = autograd.explain(square)
    print()

    say(f"""
        Training repeats that pass over all eight guest lists, {steps} times at most, with
        the same learning rate lr = {lr:g}. A ReLU that outputs 0 for every list gets no
        gradient and never wakes up (a "dead ReLU"); when that happens we start again from
        another seed, and say so.
        """)
    print("\n".join(log))
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
    worst = max(abs(a - b) for a, b in zip(preds, targets))
    say(f"""
        Different weights from the hand-set ones, answers within {worst:.3f} bottles of
        them: many networks fit eight examples. The computation graphs of the untrained
        network (untrained_graph.svg, gradients everywhere) and of the trained one
        (network_graph.svg, where the loss is near zero and so are most gradients) show the
        same evening: every box shows a number (data) and how much the loss would change if
        that number grew (grad).
        """)
    name_weights(model)
    bottles, zs, hs, _ = forward_labelled(model, evening)
    for h, z in zip(hs, zs):
        h.label = f"{h.label} = relu({z.label})"
    truth = Value(true_bottles(*evening), label="truth")
    error = (bottles - truth) ** 2
    error.label = "loss"
    model.zero_grad()
    error.backward()
    outputs.graph(error, "network_graph.svg",
                  title="guests, trained: Dahlia + Stiffy, squared error")
    outputs.report()
    return {
        "targets": targets,
        "predictions": preds,
        "traced_hidden": traced["hidden"],
        "traced_output": traced["output"],
        "first_pass": first,
        "ledger": ledger,
        "loss": loss,
        "seed_used": attempt_seed,
        "retries": retries,
        "files": outputs.files,
    }

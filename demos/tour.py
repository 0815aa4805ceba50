"""tour: the main demo (``make demo``). From one neuron to reading handwriting, in a minute.

Five of the demos in the order the ideas build on each other: one knob found by gradient
descent and its learning rate, a perceptron and the wall it hits (XOR), a hidden layer that
gets past it, a small network whose every number and gradient we can draw, and a real
dataset.
"""

from __future__ import annotations

import time
from pathlib import Path

from demos import ROOT, guests, heading, perceptron, say, show_path, wine, xor
from demos import digits as digits_demo

DESCRIPTION = "the main demo, under a minute: wine -> perceptron -> XOR -> guests -> digits"
IMAGE = None  # the tour's pictures are the other demos' pictures

STOPS = (
    ("wine", wine, """
        Stop 1 of 5. Learning is turning a knob: one number A in bottles = A x guests,
        moved against the gradient of the error by a step the learning rate sets. Too small
        a learning rate crawls, too large overshoots.
        """),
    ("perceptron", perceptron, """
        Stop 2 of 5. A neuron is a weighted sum and a threshold. We work one example by
        hand, then let the perceptron learning rule find the weights for AND, OR and XOR.
        """),
    ("xor", xor, """
        Stop 3 of 5. The perceptron could not learn XOR: one neuron draws one straight line.
        A hidden layer, trained by backpropagation, can.
        """),
    ("guests", guests, """
        Stop 4 of 5. Backpropagation on the scalar engine, where every number is visible: a
        hand-set 3-3-1 network traced for one evening, one backward pass printed layer by
        layer, and a fresh network that learns the dinner party's rules back.
        """),
    ("digits", digits_demo, """
        Stop 5 of 5. Real data on the tensor engine: 1797 handwritten digits, an MLP, Adam,
        a few seconds of training.
        """),
)


def run(quick: bool = False, out: Path | None = None, seed: int = 0) -> dict:
    base = Path(out) if out is not None else ROOT / "out" / "tour"
    start = time.perf_counter()
    heading("numbagrad tour: from one neuron to reading handwriting")
    say("""
        numbagrad is a reverse-mode autograd engine written from scratch: a scalar engine
        (Value) for seeing every number and a tensor engine (Tensor, with numba kernels) for
        real work, with nn and optim on top. This tour runs five of its demos; each writes
        its pictures into its own folder. Run any of them alone with python -m demos NAME
        (python -m demos lists them all).
        """)
    results, files = {}, []
    for name, module, intro in STOPS:
        print("\n" + "#" * 88)
        say(intro)
        results[name] = module.run(quick=quick, out=base / name, seed=seed)
        files.extend(results[name]["files"])
    seconds = time.perf_counter() - start

    heading("what the tour showed")
    w, p, x, g, d = (results[n] for n in ("wine", "perceptron", "xor", "guests", "digits"))
    worst = max(abs(a - b) for a, b in zip(g["predictions"], g["targets"]))
    overshoot = (f" (a learning rate of {w['runs']['too large'][0]:g} overshot it, back and "
                 "forth)" if w["oscillates"] else "")
    say(f"""
        Gradient descent with learning rate {w['lr']:g} found A = {w['A']:.3f} bottles per
        guest{overshoot}. A perceptron
        computed 0.5 x 0.5 + 0.6 x 0.7 = {p['weighted_sum']:.2f} > 0.5 and fired
        {p['output']}; the perceptron rule learned
        {', '.join(k for k, v in p['converged'].items() if v) or 'no gate'} and not
        {', '.join(k for k, v in p['converged'].items() if not v) or 'every gate'}. A
        2-2-1 network classified XOR's corners {x['accuracy_221']:.0%} right. A 3-3-1
        ReLU network relearned the dinner-party rules (largest error {worst:.3f} bottles).
        A 64-64-10 MLP read unseen handwritten digits with {d['accuracy']:.1%}
        accuracy.
        """)
    print(f"The tour took {seconds:.1f} s and wrote {len(files)} files:")
    for f in files:
        print(f"  {show_path(f)}")
    graphs = {f.name: f for f in files if f.suffix == ".svg"}
    if "untrained_graph.svg" in graphs and "network_graph.svg" in graphs:
        print(f"\nOpen {show_path(graphs['untrained_graph.svg'])} and "
              f"{show_path(graphs['network_graph.svg'])}\nin a browser to see the guest "
              "network's computation graph before and after training, with every value and "
              "gradient.")
    return {"results": results, "files": files, "seconds": seconds}

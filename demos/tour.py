"""tour: the main demo (``make demo``). From one neuron to reading handwriting, in a minute.

Four of the demos in the order the ideas build on each other: a perceptron and the wall it
hits (XOR), a hidden layer that gets past it, a small network whose every number and
gradient we can draw, and a real dataset.
"""

from __future__ import annotations

import time
from pathlib import Path

from demos import ROOT, guests, heading, perceptron, say, show_path, xor
from demos import digits as digits_demo

DESCRIPTION = "the main demo, under a minute: perceptron -> XOR -> guests -> digits"
IMAGE = None  # the tour's pictures are the other demos' pictures

STOPS = (
    ("perceptron", perceptron, """
        Stop 1 of 4. A neuron is a weighted sum and a threshold. We work one example by
        hand, then let the perceptron learning rule find the weights for AND, OR and XOR.
        """),
    ("xor", xor, """
        Stop 2 of 4. The perceptron could not learn XOR: one neuron draws one straight line.
        A hidden layer, trained by backpropagation, can.
        """),
    ("guests", guests, """
        Stop 3 of 4. Backpropagation on the scalar engine, where every number is visible: a
        3-3-1 network learns who drinks how much at a dinner party, and we draw its
        computation graph with the value and gradient of every node.
        """),
    ("digits", digits_demo, """
        Stop 4 of 4. Real data on the tensor engine: 1797 handwritten digits, an MLP, Adam,
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
        real work, with nn and optim on top. This tour runs four of its demos; each writes
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
    p, x, g, d = (results[n] for n in ("perceptron", "xor", "guests", "digits"))
    say(f"""
        A perceptron computed 0.5 x 0.5 + 0.6 x 0.7 = {p['weighted_sum']:.2f} > 0.5 and fired
        {p['output']}; it learned AND and OR but not XOR. A 2-2-1 network learned XOR
        ({x['accuracy_221']:.0%}). A 3-3-1 ReLU network relearned the dinner-party rules
        (largest error {max(abs(a - b) for a, b in zip(g['predictions'], g['targets'])):.3f}
        bottles). A 64-64-10 MLP read unseen handwritten digits with {d['accuracy']:.1%}
        accuracy.
        """)
    print(f"The tour took {seconds:.1f} s and wrote {len(files)} files:")
    for f in files:
        print(f"  {show_path(f)}")
    graph = [f for f in files if f.suffix == ".svg"]
    if graph:
        print(f"\nOpen {show_path(graph[0])} in a browser to see a trained network's\n"
              "computation graph, with every value and gradient.")
    return {"results": results, "files": files, "seconds": seconds}

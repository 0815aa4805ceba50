"""``python -m demos`` lists the demos; ``python -m demos NAME`` runs one.

``python -m demos images`` reruns every demo and copies its picture into ``demos/images/``
(the pictures the README shows; ``make images`` does this).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from demos import DEMOS, IMAGES, load, show_path


def list_demos() -> None:
    print("numbagrad demos (python -m demos NAME [--quick] [--out DIR] [--seed N]):\n")
    width = max(len(n) for n in DEMOS)
    for name in DEMOS:
        print(f"  {name:<{width}}  {load(name).DESCRIPTION}")
    print(f"  {'images':<{width}}  regenerate the README pictures in demos/images/")


def make_images(seed: int) -> None:
    """Run each demo into a scratch folder and keep the one picture its module names (IMAGE)."""
    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name in DEMOS:
            module = load(name)
            image = getattr(module, "IMAGE", None)
            if image is None:
                continue
            print(f"\n##### {name} #####")
            module.run(quick=False, out=Path(tmp) / name, seed=seed)
            source = Path(tmp) / name / image
            target = IMAGES / f"{name}{source.suffix}"
            shutil.copyfile(source, target)
            print(f"-> {show_path(target)} ({target.stat().st_size // 1024} KB)")
    # the README's graph pictures: one neuron, as `python -m autograd.viz` draws it, and a
    # small MLP whose layers draw as labelled boxes
    import autograd
    import nn
    from autograd.viz import main as viz_main

    viz_main(["tanh(x*w + b)", "--at", "x=0.5", "w=0.7", "b=0", "-o",
              str(IMAGES / "neuron.svg")])
    autograd.manual_seed(seed)
    model = nn.MLP(3, [4, 4, 1])
    loss = nn.MSELoss()(model(autograd.randn(8, 3)), autograd.randn(8, 1))
    loss.backward(retain_graph=True)  # keep the ops' details (e.g. "linear+relu") to draw
    autograd.save_graph(loss, IMAGES / "mlp_graph.svg", title="nn.MLP(3, [4, 4, 1]) + MSELoss")
    print(f"-> {show_path(IMAGES / 'mlp_graph.svg')}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demos", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("name", nargs="?", help="the demo to run (omit to list them)")
    parser.add_argument("--quick", action="store_true", help="small sizes, a few seconds each")
    parser.add_argument("--out", type=Path, default=None,
                        help="folder for the pictures (default: out/NAME/)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    args = parser.parse_args(argv)

    if args.name is None:
        list_demos()
        return 0
    if args.name == "images":
        make_images(args.seed)
        return 0
    if args.name not in DEMOS:
        print(f"no demo called {args.name!r}; the demos are: {', '.join(DEMOS)} "
              "(and 'images')", file=sys.stderr)
        return 2
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        print(f"--out {args.out}: that is an existing file, not a folder; give a folder for "
              "the pictures (it is made if it does not exist)", file=sys.stderr)
        return 2
    start = time.perf_counter()
    load(args.name).run(quick=args.quick, out=args.out, seed=args.seed)
    print(f"\n({args.name} took {time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

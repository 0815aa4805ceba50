"""JIT cost: `import autograd` time, the first training step, and the whole kernel set cold.

Each figure comes from a fresh subprocess with its own numba cache directory: the first run
compiles everything cold (and fills the cache), the next ones start warm.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap

from ._common import header, row

# Exercises every kernel family for both dtypes: activations (forward, backward, fused with
# the bias), matmul, binary ops, reductions, softmax + cross-entropy, SGD and Adam updates.
_WORKLOAD = textwrap.dedent("""
    import json, sys, time
    t0 = time.perf_counter()
    import numpy as np
    import autograd as ag
    import nn, optim
    t_import = time.perf_counter() - t0
    first_step = None
    for dtype in (np.float32, np.float64):
        for act in ("relu", "leaky_relu", "sigmoid", "tanh", "gelu"):
            ag.manual_seed(0)
            model = nn.MLP(20, [32, 10], activation=act, dtype=dtype)
            opt = (optim.Adam if act == "relu" else optim.SGD)(
                model.parameters(), lr=0.01, **({} if act == "relu" else {"momentum": 0.9}))
            x = ag.Tensor(np.random.default_rng(0).standard_normal((64, 20)).astype(dtype))
            y = ag.Tensor(np.arange(64) % 10)
            t1 = time.perf_counter()
            loss = nn.CrossEntropyLoss()(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            (x * 2.0 - x.sum(axis=1, keepdims=True) / x.max()).mean().item()
            if first_step is None:
                first_step = time.perf_counter() - t1
    json.dump({"import": t_import, "first_step": first_step,
               "total": time.perf_counter() - t0}, sys.stdout)
""")


def _run(cache_dir: str) -> dict[str, float]:
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    out = subprocess.run([sys.executable, "-c", _WORKLOAD], env=env, capture_output=True,
                         text=True, check=True, cwd=os.path.dirname(os.path.dirname(__file__)))
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> dict[str, float]:
    header("JIT cost (fresh processes; numba cache in a new directory)")
    with tempfile.TemporaryDirectory() as cache:
        cold = _run(cache)
        warm = [_run(cache) for _ in range(3)]
    warm_import = sorted(w["import"] for w in warm)[1]
    warm_step = sorted(w["first_step"] for w in warm)[1]
    row("cold: whole kernel set", f"{cold['total']:8.2f} s",
        f"compile every kernel, both dtypes  [target < 60 s: "
        f"{'PASS' if cold['total'] < 60 else 'MISS'}]")
    row("warm: import autograd", f"{warm_import:8.3f} s",
        f"[target < 0.5 s: {'PASS' if warm_import < 0.5 else 'MISS'}]")
    row("warm: first training step", f"{warm_step:8.3f} s",
        f"[target < 1 s: {'PASS' if warm_step < 1 else 'MISS'}]")
    return {"cold_total_s": cold["total"], "warm_import_s": warm_import,
            "warm_first_step_s": warm_step}


if __name__ == "__main__":
    main()

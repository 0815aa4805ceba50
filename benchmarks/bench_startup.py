"""Start-up cost: `import autograd, nn, optim` against `import numpy`, the README's digits MLP's
first training step with an empty numba cache (and then a warm one), the whole kernel set
compiled cold.

Every figure comes from fresh subprocesses. Imports: the two programs alternate, 9 runs
each after one untimed run of each (Python's bytecode cache lives in a temporary
PYTHONPYCACHEPREFIX, so both read compiled bytecode, as an installed package does); each
run times its own import statement. Cold steps: each run gets a new NUMBA_CACHE_DIR (so
numba compiles every kernel the step uses, and the dispatch cut-offs are the defaults: the
measured ones are cached beside numba's cache).

Targets: import <= 1.5x numpy's, numba not imported by the import; the digits MLP's cold
first step <= 5 s.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap

from ._common import ForeignLoad, header, machine_header, row

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMPORT_RUNS = 9
IMPORT_TARGET = 1.5
COLD_STEP_TARGET = 5.0

_IMPORT = textwrap.dedent("""
    import json, sys, time
    t0 = time.perf_counter()
    {stmt}
    t = time.perf_counter() - t0
    json.dump({{"s": t, "numba": "numba" in sys.modules}}, sys.stdout)
""")

# The README's digits example: MLP(64, [64, 10]), Adam lr 1e-2, batch 64, cross-entropy.
_DIGITS = textwrap.dedent("""
    import json, sys, time
    t0 = time.perf_counter()
    import autograd as ag
    import nn
    import optim
    from autograd.data import DataLoader, TensorDataset, load_digits, train_test_split
    t_import = time.perf_counter() - t0
    numba_after_import = "numba" in sys.modules
    t1 = time.perf_counter()
    ag.manual_seed(0)
    X, y = load_digits()
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, seed=0)
    model = nn.MLP(64, [64, 10])
    opt = optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = nn.CrossEntropyLoss()
    loader = DataLoader(TensorDataset(Xtr, ytr), batch_size=64, shuffle=True, seed=0)
    t_setup = time.perf_counter() - t1
    steps = []
    for xb, yb in loader:
        t2 = time.perf_counter()
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        loss.item()
        steps.append(time.perf_counter() - t2)
    from autograd.kernels import tuning
    json.dump({"import": t_import, "numba_after_import": numba_after_import,
               "setup": t_setup, "first_step": steps[0], "second_step": steps[1],
               "rest_of_epoch": sum(steps[1:]), "steps": len(steps),
               "thresholds": tuning.describe()["thresholds_from"]}, sys.stdout)
""")

# Every kernel family for both dtypes: activations (forward, backward, fused with the bias),
# matmul, binary ops, reductions, softmax + cross-entropy, SGD and Adam updates.
_WORKLOAD = textwrap.dedent("""
    import json, sys, time
    t0 = time.perf_counter()
    import numpy as np
    import autograd as ag
    import nn, optim
    for dtype in (np.float32, np.float64):
        for act in ("relu", "leaky_relu", "sigmoid", "tanh", "gelu"):
            ag.manual_seed(0)
            model = nn.MLP(20, [32, 10], activation=act, dtype=dtype)
            opt = (optim.Adam if act == "relu" else optim.SGD)(
                model.parameters(), lr=0.01, **({} if act == "relu" else {"momentum": 0.9}))
            x = ag.Tensor(np.random.default_rng(0).standard_normal((64, 20)).astype(dtype))
            y = ag.Tensor(np.arange(64) % 10)
            loss = nn.CrossEntropyLoss()(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            (x * 2.0 - x.sum(axis=1, keepdims=True) / x.max()).mean().item()
    json.dump({"total": time.perf_counter() - t0}, sys.stdout)
""")


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.0%}"


def _run(code: str, env: dict) -> dict:
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True, cwd=ROOT, timeout=600)
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_import() -> dict:
    header(f"import time (fresh processes, {IMPORT_RUNS} alternating runs each, median)")
    progs = {"numpy": "import numpy", "numbagrad": "import autograd, nn, optim"}
    with tempfile.TemporaryDirectory() as pyc:
        env = dict(os.environ, PYTHONPYCACHEPREFIX=pyc)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        for stmt in progs.values():  # writes the bytecode cache; not timed
            _run(_IMPORT.format(stmt=stmt), env)
        runs: dict[str, list[dict]] = {name: [] for name in progs}
        load = ForeignLoad().start()
        for _ in range(IMPORT_RUNS):
            for name, stmt in progs.items():
                runs[name].append(_run(_IMPORT.format(stmt=stmt), env))
        ext = load.stop()
    t = {name: statistics.median(r["s"] for r in rs) for name, rs in runs.items()}
    spread = {name: max(r["s"] for r in rs) / min(r["s"] for r in rs) - 1
              for name, rs in runs.items()}
    numba_loaded = any(r["numba"] for r in runs["numbagrad"])
    ratio = t["numbagrad"] / t["numpy"]
    row("import numpy", f"{t['numpy'] * 1e3:8.1f} ms", f"spread {spread['numpy']:.0%}")
    row("import autograd, nn, optim", f"{t['numbagrad'] * 1e3:8.1f} ms",
        f"spread {spread['numbagrad']:.0%}; x{ratio:.2f} numpy's  "
        f"[target <= {IMPORT_TARGET}x: {'PASS' if ratio <= IMPORT_TARGET else 'MISS'}]")
    row("'numba' in sys.modules", f"{str(numba_loaded):>11}",
        "after `import autograd, nn, optim` (numba loads on the first kernel call)  "
        f"[{'PASS' if not numba_loaded else 'MISS'}]")
    print(f"  (other processes used {_pct(ext)} of the machine meanwhile)")
    return {"import_numpy_s": t["numpy"], "import_numbagrad_s": t["numbagrad"],
            "import_ratio": ratio, "numba_imported": numba_loaded}


def bench_digits_first_step() -> dict:
    header("the README's digits MLP (64-64-10, Adam, batch 64): first training step")
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as cache:
        env["NUMBA_CACHE_DIR"] = cache
        load = ForeignLoad().start()
        cold = _run(_DIGITS, env)
        ext = load.stop()
        warm = _run(_DIGITS, env)
    ok = cold["first_step"] <= COLD_STEP_TARGET
    row("cold: first step", f"{cold['first_step']:8.2f} s",
        f"empty numba cache: loads numba, compiles what the step uses  "
        f"[target <= {COLD_STEP_TARGET:g} s: {'PASS' if ok else 'MISS'}]")
    row("cold: second step", f"{cold['second_step'] * 1e3:8.2f} ms",
        f"rest of the epoch ({cold['steps'] - 1} steps) {cold['rest_of_epoch']:.3f} s")
    row("cold: import", f"{cold['import']:8.3f} s",
        f"numba imported by it: {cold['numba_after_import']}; data + model setup "
        f"{cold['setup']:.2f} s (scikit-learn loads the digits)")
    row("warm: first step", f"{warm['first_step']:8.3f} s",
        "next process, same cache: loads the compiled kernels")
    print(f"  (thresholds in the subprocess: {cold['thresholds']}; other processes used "
          f"{_pct(ext)} of the machine during the cold run)")
    return {"cold_first_step_s": cold["first_step"], "warm_first_step_s": warm["first_step"]}


def bench_kernel_set() -> dict:
    header("the whole kernel set, cold (every family, float32 and float64, empty cache)")
    with tempfile.TemporaryDirectory() as cache:
        cold = _run(_WORKLOAD, dict(os.environ, NUMBA_CACHE_DIR=cache))
        warm = _run(_WORKLOAD, dict(os.environ, NUMBA_CACHE_DIR=cache))
    row("cold: whole kernel set", f"{cold['total']:8.2f} s",
        f"import + compile every kernel used  [target < 60 s: "
        f"{'PASS' if cold['total'] < 60 else 'MISS'}]")
    row("warm: the same", f"{warm['total']:8.2f} s", "from the cache")
    return {"cold_total_s": cold["total"], "warm_total_s": warm["total"]}


def main() -> dict:
    machine_header()  # once per process (python -m benchmarks prints it first)
    out = bench_import()
    out.update(bench_digits_first_step())
    out.update(bench_kernel_set())
    return out


if __name__ == "__main__":
    main()

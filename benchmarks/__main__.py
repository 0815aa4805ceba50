"""`make bench`: every benchmark, in one run, each comparison a ratio measured in that run."""

from __future__ import annotations

import importlib
import sys
import traceback

from ._common import machine_header

SUITES = [
    "bench_scalar",
    "bench_kernels",
    "bench_mlp",
    "bench_compile",
    "bench_conv_rnn",
    "bench_load",
    "bench_startup",
]


def main(argv: list[str]) -> int:
    wanted = argv or SUITES
    unknown = [w for w in wanted if w not in SUITES]
    if unknown:
        print(f"unknown benchmark(s) {unknown}; choose from {SUITES}", file=sys.stderr)
        return 2
    print(f"# numbagrad benchmarks: {', '.join(wanted)}")
    machine_header()
    failed = []
    for name in wanted:
        try:
            module = importlib.import_module(f"benchmarks.{name}")
        except ModuleNotFoundError as e:
            print(f"\n## {name}: not available ({e})")
            continue
        try:
            module.main()
        except Exception:  # one broken suite should not hide the others' numbers
            traceback.print_exc()
            failed.append(name)
    if failed:
        print(f"\nbenchmarks that crashed: {failed}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Shared printing for the benchmark tables: machine line, section headers, rows."""

from __future__ import annotations

import datetime
import os
import platform


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine_line() -> str:
    import numba

    return (f"{datetime.date.today().isoformat()} | {cpu_name()} | {os.cpu_count()} cores | "
            f"numba threads {numba.get_num_threads()} | Python {platform.python_version()}")


def header(title: str) -> None:
    print(f"\n## {title}")


def row(name: str, value: str, note: str = "") -> None:
    print(f"  {name:<28} {value:>14}   {note}")

"""One line on stderr when compiling the kernels takes longer than about a second.

A kernel compiles once per machine (numba caches the machine code on disk); a first
training step with an empty cache would otherwise pause for seconds without a word. A
listener on numba's ``numba:compile`` events starts a timer when one of this package's
kernels begins compiling (outermost compile only) and cancels it when compiling ends; if
the timer fires first, the line is printed (once per process). ``AUTOGRAD_QUIET=1``
silences it.
"""

from __future__ import annotations

import os
import sys
import threading

DELAY = 1.0  # seconds of compiling before the notice
_installed = False


def _cache_location() -> str:
    from . import tuning

    return str(tuning.cache_dir())


class _Notice:
    def __init__(self) -> None:
        self.depth = 0
        self.timer: threading.Timer | None = None
        self.what = ""
        self.printed = False

    def _announce(self) -> None:
        self.printed = True
        print(f"numbagrad: compiling numba kernels (first: {self.what}); this happens once "
              f"per machine, the cache is {_cache_location()}", file=sys.stderr, flush=True)

    def on_start(self, event) -> None:
        self.depth += 1
        if self.depth != 1 or self.printed:
            return
        disp = (event.data or {}).get("dispatcher")
        mod = getattr(getattr(disp, "py_func", None), "__module__", "") or ""
        if not mod.startswith("autograd."):
            return
        self.what = f"{mod.rsplit('.', 1)[-1]}.{disp.py_func.__name__}"
        self.timer = threading.Timer(DELAY, self._announce)
        self.timer.daemon = True
        self.timer.start()

    def on_end(self, event) -> None:
        self.depth = max(0, self.depth - 1)
        if self.depth == 0 and self.timer is not None:
            self.timer.cancel()
            self.timer = None


def install() -> None:
    """Register the listener once per process (cheap; numba is imported here)."""
    global _installed
    if _installed or os.environ.get("AUTOGRAD_QUIET", "") not in ("", "0"):
        _installed = True
        return
    from numba.core import event

    notice = _Notice()

    class _Listener(event.Listener):
        def on_start(self, ev):
            notice.on_start(ev)

        def on_end(self, ev):
            notice.on_end(ev)

    event.register("numba:compile", _Listener())
    _installed = True

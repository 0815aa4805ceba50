"""When the parallel drivers may run: the thread count and the busy-core back-off.

numba's OpenMP layer splits a ``prange`` statically, half the work per thread on 2 cores,
and the thread that finishes first spins at the barrier. When another process holds one of
the cores (a browser, a compile), the descheduled thread's half waits for a whole scheduler
slice: on a 2-core AMD EPYC Zen 3 an empty parallel region took 8 ms under load instead of
4 us, matmul 128x784x256 fell from 90 to 12 GFLOP/s and relu forward+backward to 0.26x
numpy. Dynamic chunks do not help there (``set_parallel_chunksize`` still splits
statically under omp; workqueue too), a passive wait policy costs 13-18 us per region and
the quiet speed-up, a Python thread pool 13-40 us per call. The serial kernels, though,
run at 0.7-0.9x BLAS (matmul) and ~2x numpy (element-wise) on one core.

So: keep the parallel drivers, time each parallel call against the best rate seen for that
driver, and when two calls in a row stall (over ``FACTOR`` x the best time + ``SLACK``),
run serially for ``HOLD0`` seconds, doubling up to ``HOLD_MAX`` while the stalls go on; a
clean parallel call resets the hold. Under constant load this costs at most two stalled
calls per 4 s; on a quiet machine requiring two in a row gave no false back-offs.
"""

from __future__ import annotations

import contextlib
import time

import numba
import numba.np.ufunc.parallel as _npp

FACTOR, SLACK = 3.0, 5e-4  # a call stalled if it took > FACTOR x best + SLACK seconds
NEED = 2  # stalls in a row that mean "the other core is busy"
HOLD0, HOLD_MAX = 0.25, 4.0  # seconds of serial running after a back-off, doubling

_best: dict = {}  # parallel driver -> best seconds per element of work
_state = {"until": 0.0, "hold": HOLD0, "run": 0, "backoffs": 0}


def worth_it(size: int) -> bool:
    """May a parallel driver run now (more than one thread, no back-off in force)?"""
    return time.perf_counter() >= _state["until"] and threads() > 1


def threads() -> int:
    """``numba.get_num_threads()`` (this thread's count, which ``set_num_threads`` changes),
    without the two locks that function takes at every call once the threading layer is up:
    ~2.5 us per call, paid by every parallel-sized kernel call of a training step (Intel
    Xeon, AVX-512). Falls back to the public function before the layer starts or where
    numba's internals differ."""
    if getattr(_npp, "_is_initialized", False):
        get = getattr(_npp, "_get_num_threads", None)
        if get is not None:
            n = get()
            if n > 0:
                return n
    return numba.get_num_threads()


def timed(parallel, args: tuple, size: int) -> None:
    """Run ``parallel(*args)`` and feed its wall time to the stall detector."""
    t0 = time.perf_counter()
    parallel(*args)
    done(parallel, size, time.perf_counter() - t0)


def done(key, size: int, seconds: float) -> None:
    per = seconds / max(size, 1)
    best = _best.get(key)
    if best is None or per < best:
        _best[key] = best = per
    if seconds > FACTOR * best * size + SLACK:
        _state["run"] += 1
        if _state["run"] >= NEED:
            _state["run"] = 0
            _state["until"] = time.perf_counter() + _state["hold"]
            _state["hold"] = min(2 * _state["hold"], HOLD_MAX)
            _state["backoffs"] += 1
    else:
        _state["run"], _state["hold"] = 0, HOLD0


@contextlib.contextmanager
def suspended():
    """No back-off inside (``tune`` measures the parallel drivers as they run quietly: one
    slow call there must not switch the drivers it is comparing to serial)."""
    saved = dict(_state)
    _state["until"], _state["run"] = 0.0, 0
    global NEED
    need, NEED = NEED, 1 << 30
    try:
        yield
    finally:
        NEED = need
        _state.update(saved)


def backoffs() -> int:
    """How many times this process has fallen back to serial (for benchmarks and tests)."""
    return _state["backoffs"]

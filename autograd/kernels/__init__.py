"""The kernel backend seam.

Callers write ``from autograd import kernels as K; K.active.matmul(a, b)``. ``active`` is
the backend module currently selected, ``numba_backend`` or ``numpy_backend``: each lists
the names it provides (the same names; a test checks it), imported from one module per
kernel family (``matmul``, ``elementwise``, ``reduce``, ``xent``, ``optim``, ``conv``,
``recurrent``), where every numba kernel sits beside its numpy reference. ``tuning`` holds
every assumption about the CPU.

Importing this package imports neither numba nor a backend: the backend (and numba) load
on the first ``K.active`` lookup, and numba kernels compile lazily on first call (cached on
disk with ``cache=True``). ``python -m autograd.kernels warm`` compiles them ahead of time.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

__all__ = [
    "active",
    "get_backend",
    "get_num_threads",
    "numba_backend",
    "numpy_backend",
    "set_backend",
    "set_num_threads",
]

_MODULES = {"numba": "numba_backend", "numpy": "numpy_backend"}
_CHOICES = " | ".join(repr(k) for k in _MODULES)
_name: str = "numba"


def _check_name(name) -> str:
    if not isinstance(name, str) or name.strip().lower() not in _MODULES:
        raise ValueError(f"unknown kernel backend {name!r}; expected one of {_CHOICES}")
    return name.strip().lower()


def _load(name: str) -> ModuleType:
    return importlib.import_module(f".{_MODULES[name]}", __name__)


def set_backend(name: str) -> None:
    """Select the kernel backend: "numba" (default, jitted) or "numpy" (reference).

    The numba backend runs its own thread pool, so while it is active numpy's BLAS is held
    to one thread (it only gets the small products): two pools of spinning threads on the
    same cores stall each other. Measured on 2 cores, an MLP 784-512-512-10 training step:
    28 ms with both pools at 2 threads, 3.1 ms with BLAS at 1. Selecting the numpy backend
    gives BLAS its threads back.
    """
    global active, _name
    _name = _check_name(name)
    active = _load(_name)
    _hold_blas(_name == "numba")


_blas_limit = None


def _hold_blas(one_thread: bool) -> None:
    global _blas_limit
    if one_thread and _blas_limit is None:
        from threadpoolctl import threadpool_limits

        _blas_limit = threadpool_limits(limits=1, user_api="blas")
    elif not one_thread and _blas_limit is not None:
        _blas_limit.restore_original_limits()
        _blas_limit = None


def get_backend() -> str:
    """Name of the active backend ("numba" or "numpy")."""
    return _name


def __getattr__(attr: str):
    # The first K.active loads the selected backend; afterwards it is a plain global.
    if attr == "active":
        set_backend(_name)
        return globals()["active"]
    if attr in _MODULES.values():
        return importlib.import_module(f".{attr}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {attr!r}")


def _max_threads() -> int:
    import numba

    return int(numba.config.NUMBA_NUM_THREADS)


def set_num_threads(n: int) -> None:
    """Set the number of threads numba's parallel kernels use (1..NUMBA_NUM_THREADS)."""
    import numba

    hi = _max_threads()
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= hi:
        raise ValueError(f"set_num_threads: n must be an int in 1..{hi}, got {n!r}")
    numba.set_num_threads(n)


def get_num_threads() -> int:
    """Number of threads numba's parallel kernels currently use."""
    import numba

    return int(numba.get_num_threads())


_env = os.environ.get("AUTOGRAD_BACKEND", "numba")
try:
    _name = _check_name(_env)
except ValueError:
    raise ValueError(
        f"environment variable AUTOGRAD_BACKEND={_env!r} is not a kernel backend; "
        f"expected one of {_CHOICES}"
    ) from None
del _env

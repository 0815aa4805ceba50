"""When the parallel drivers may run: thread count and the busy-core rule.

``worth_it(size)`` is asked before every parallel call; ``done(size)`` after it.
"""

from __future__ import annotations

import numba


def worth_it(size: int) -> bool:
    return numba.get_num_threads() > 1


def done(size: int) -> None:
    return None

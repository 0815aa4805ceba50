"""Window geometry of convolution and pooling (no numba: ops import it at load time).

``geom = (kh, kw, sh, sw, ph, pw, dh, dw)``: kernel size, stride, zero padding and dilation
along height and width.
"""

from __future__ import annotations

import numpy as np

Geom = tuple[int, int, int, int, int, int, int, int]


def out_size(h: int, w: int, geom: Geom) -> tuple[int, int]:
    """Output (height, width) of a window sweep over an (h, w) plane."""
    kh, kw, sh, sw, ph, pw, dh, dw = geom
    return ((h + 2 * ph - dh * (kh - 1) - 1) // sh + 1,
            (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1)


def windows(xp: np.ndarray, i: int, j: int, geom: Geom, oh: int, ow: int) -> np.ndarray:
    """View of the padded input at kernel offset (i, j) for every output position."""
    kh, kw, sh, sw, ph, pw, dh, dw = geom
    return xp[:, :, i * dh: i * dh + sh * (oh - 1) + 1: sh, j * dw: j * dw + sw * (ow - 1) + 1: sw]

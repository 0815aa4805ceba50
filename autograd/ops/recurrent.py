"""The fused LSTM layer op: a whole sequence through one LSTM layer as one Function.

nn.LSTM calls it once per layer; the per-step cell arithmetic runs in the numba cell kernels
(autograd/kernels/recurrent.py), the recurrent matmuls through the kernel seam.
"""

from __future__ import annotations

import numpy as np

from .. import kernels as K
from ..function import Function, grad, is_grad_enabled
from ..tensor import Tensor
from .shape import stack


class LSTMSequence(Function):
    """One LSTM layer over T steps.

    Inputs: xw (T, B, 4H) = x W_ih^T + b_ih + b_hh for every step, h0 and c0 (B, H), and
    w_hh (4H, H). Output (T, 2, B, H): h_t and c_t of every step (slices of it give the
    layer's output sequence and its final state).

    Forward: z_t = xw_t + h_{t-1} W_hh^T, then the cell kernel. Backward (through time):
    the cell kernel's backward turns (dh_t, dc_t) into dz_t and dc_{t-1}; dh_{t-1} gets
    dz_t W_hh. dW_hh = sum_t dz_t^T h_{t-1} is one matmul over all steps, and dxw = dz.
    """

    def forward(self, xw, h0, c0, w_hh):
        t_n, b_n, _ = xw.shape
        hsz = h0.shape[1]
        whT = np.ascontiguousarray(w_hh.T)
        out = np.empty((t_n, 2, b_n, hsz), dtype=xw.dtype)
        act = np.empty_like(xw)
        h, c = h0, c0
        for t in range(t_n):
            z = K.active.matmul(h, whT)
            z += xw[t]
            h, c, _ = K.active.lstm_cell_forward(z, c, (out[t, 0], out[t, 1], act[t]))
        self.act, self.hc = act, out
        return out

    def backward(self, g):
        if is_grad_enabled():
            return self._backward_graph(g)
        xw, h0, c0, w_hh = self.inputs
        act, hc, gd = self.act, self.hc, g.data
        t_n, b_n, gsz = act.shape
        w = np.ascontiguousarray(w_hh.data)
        dz = np.empty_like(act)
        dh = np.zeros_like(h0.data)
        dc = np.zeros_like(c0.data)
        for t in range(t_n - 1, -1, -1):
            c_prev = hc[t - 1, 1] if t > 0 else c0.data
            _, dc = K.active.lstm_cell_backward(act[t], hc[t, 1], c_prev, gd[t, 0] + dh,
                                          gd[t, 1] + dc, dz[t])
            dh = K.active.matmul(dz[t], w)
        gw = None
        if w_hh.requires_grad:
            h_prev = np.concatenate([h0.data[None], hc[:-1, 0]]).reshape(-1, h0.shape[1])
            gw = Tensor._make(K.active.matmul(dz.reshape(-1, gsz).T, h_prev))
        return Tensor._make(dz), Tensor._make(dh), Tensor._make(dc), gw

    def _backward_graph(self, g: Tensor) -> tuple[Tensor | None, ...]:
        """Under create_graph: rebuild the steps from Tensor ops and differentiate those."""
        xw, h0, c0, w_hh = self.inputs
        h, c = h0, c0
        steps = []
        for t in range(xw.shape[0]):
            zi, zf, zg, zo = (xw[t] + h @ w_hh.T).chunk(4, -1)
            c = zf.sigmoid() * c + zi.sigmoid() * zg.tanh()
            h = zo.sigmoid() * c.tanh()
            steps.append(stack([h, c]))
        out = stack(steps)
        wrt = [t for t in self.inputs if t.requires_grad]
        grads = iter(grad(out, wrt, g, create_graph=True, allow_unused=True))
        return tuple(next(grads) if t.requires_grad else None for t in self.inputs)

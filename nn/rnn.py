"""Recurrent layers: RNN, LSTM, GRU (multi-layer, batch_first) and their single-step cells.

PyTorch's shapes, gate order and parameter names: layer k holds ``weight_ih_l{k}`` (G*H, in),
``weight_hh_l{k}`` (G*H, H), ``bias_ih_l{k}``, ``bias_hh_l{k}``, with G = 1 (RNN), 4 (LSTM:
gates i, f, g, o) or 3 (GRU: r, z, n), all initialised U(-1/sqrt(H), 1/sqrt(H)).

Every layer first projects the whole input sequence in one matmul (x @ W_ih^T + b_ih for all
time steps), then steps through time. The LSTM steps inside one fused op (``LSTMSequence``):
numba cell kernels forward, hand-written backpropagation through time backward, with the
weight gradients as single matmuls over all steps. RNN and GRU step with Tensor ops.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import autograd
from autograd import Tensor
from autograd.ops.recurrent import LSTMSequence

from . import functional as F
from . import init
from .conv import factory_dtype
from .module import Module, Parameter
from .utils import positive_int as _positive

__all__ = ["GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNCell"]


def _check_x(x: Any, size: int, who: str, ndims: tuple[int, ...], layout: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{who}: input must be a Tensor, got {type(x).__name__}")
    if x.ndim not in ndims or x.shape[-1] != size:
        raise ValueError(f"{who}: input must be {layout} with input_size {size}, got shape "
                         f"{x.shape}")
    return x


def _check_state(h: Any, shape: tuple[int, ...], who: str, what: str) -> Tensor:
    if not isinstance(h, Tensor) or h.shape != shape:
        raise ValueError(f"{who}: {what} must be a Tensor of shape {shape}, got "
                         f"{getattr(h, 'shape', type(h).__name__)}")
    return h


# ---------------------------------------------------------------------------------------
# cells: one time step, written with Tensor ops
# ---------------------------------------------------------------------------------------
def _split(z: Tensor, n: int) -> list[Tensor]:
    return list(z.chunk(n, -1))


def rnn_step(x: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None,
             b_hh: Tensor | None, nonlinearity: str) -> Tensor:
    """h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    z = F.linear(x, w_ih, b_ih) + F.linear(h, w_hh, b_hh)
    return z.tanh() if nonlinearity == "tanh" else z.relu()


def lstm_step(x: Tensor, h: Tensor, c: Tensor, w_ih: Tensor, w_hh: Tensor,
              b_ih: Tensor | None, b_hh: Tensor | None) -> tuple[Tensor, Tensor]:
    """i, f, g, o = sig, sig, tanh, sig of (x W_ih^T + b_ih + h W_hh^T + b_hh);
    c' = f c + i g; h' = o tanh(c')."""
    zi, zf, zg, zo = _split(F.linear(x, w_ih, b_ih) + F.linear(h, w_hh, b_hh), 4)
    c2 = zf.sigmoid() * c + zi.sigmoid() * zg.tanh()
    return zo.sigmoid() * c2.tanh(), c2


def gru_step(x: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None,
             b_hh: Tensor | None, xw: Tensor | None = None) -> Tensor:
    """r, z = sig(x W_i{r,z} + b_i{r,z} + h W_h{r,z} + b_h{r,z});
    n = tanh(x W_in + b_in + r (h W_hn + b_hn)); h' = (1 - z) n + z h.

    ``xw`` is x W_ih^T + b_ih when the caller has already computed it.
    """
    xr, xz, xn = _split(F.linear(x, w_ih, b_ih) if xw is None else xw, 3)
    hr, hz, hn = _split(F.linear(h, w_hh, b_hh), 3)
    r = (xr + hr).sigmoid()
    z = (xz + hz).sigmoid()
    n = (xn + r * hn).tanh()
    return n + z * (h - n)


class _CellBase(Module):
    def __init__(self, input_size: int, hidden_size: int, bias: bool, gates: int, device: Any,
                 dtype: Any, who: str) -> None:
        self.input_size = _positive(input_size, f"{who}: input_size")
        self.hidden_size = _positive(hidden_size, f"{who}: hidden_size")
        dt = factory_dtype(device, dtype)
        gh = gates * self.hidden_size
        self.weight_ih = Parameter(np.empty((gh, self.input_size), dtype=dt))
        self.weight_hh = Parameter(np.empty((gh, self.hidden_size), dtype=dt))
        self.bias_ih = Parameter(np.empty(gh, dtype=dt)) if bias else None
        self.bias_hh = Parameter(np.empty(gh, dtype=dt)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def _input(self, x: Any, who: str) -> tuple[Tensor, bool]:
        x = _check_x(x, self.input_size, who, (1, 2), "(batch, input_size) or (input_size,)")
        return (x.reshape(1, -1), True) if x.ndim == 1 else (x, False)

    def _zeros(self, x: Tensor) -> Tensor:
        return Tensor._make(np.zeros((x.shape[0], self.hidden_size), dtype=x.dtype))

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias_ih is None:
            s += ", bias=False"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s


class RNNCell(_CellBase):
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device: Any = None, dtype: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: nonlinearity must be 'tanh' or 'relu', got "
                             f"{nonlinearity!r}")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, 1, device, dtype, "RNNCell")

    def forward(self, x: Tensor, h: Tensor | None = None) -> Tensor:
        x, single = self._input(x, "RNNCell")
        h = self._zeros(x) if h is None else _check_state(
            h.reshape(1, -1) if single and isinstance(h, Tensor) else h,
            (x.shape[0], self.hidden_size), "RNNCell", "h")
        h2 = rnn_step(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh,
                      self.nonlinearity)
        return h2.reshape(-1) if single else h2


class LSTMCell(_CellBase):
    """One LSTM step: (x, (h, c)) -> (h', c'), gates i, f, g, o."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype, "LSTMCell")

    def forward(self, x: Tensor, hx: tuple[Tensor, Tensor] | None = None
                ) -> tuple[Tensor, Tensor]:
        x, single = self._input(x, "LSTMCell")
        shape = (x.shape[0], self.hidden_size)
        if hx is None:
            h, c = self._zeros(x), self._zeros(x)
        else:
            h, c = (t.reshape(1, -1) if single and isinstance(t, Tensor) else t for t in hx)
            h = _check_state(h, shape, "LSTMCell", "h")
            c = _check_state(c, shape, "LSTMCell", "c")
        h2, c2 = lstm_step(x, h, c, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return (h2.reshape(-1), c2.reshape(-1)) if single else (h2, c2)


class GRUCell(_CellBase):
    """One GRU step: (x, h) -> h', gates r, z, n."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype, "GRUCell")

    def forward(self, x: Tensor, h: Tensor | None = None) -> Tensor:
        x, single = self._input(x, "GRUCell")
        h = self._zeros(x) if h is None else _check_state(
            h.reshape(1, -1) if single and isinstance(h, Tensor) else h,
            (x.shape[0], self.hidden_size), "GRUCell", "h")
        h2 = gru_step(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return h2.reshape(-1) if single else h2


# ---------------------------------------------------------------------------------------
# multi-layer sequence modules
# ---------------------------------------------------------------------------------------
class _RNNBase(Module):
    gates = 1
    who = "RNN"

    def __init__(self, input_size: int, hidden_size: int, num_layers: int, bias: bool,
                 batch_first: bool, dropout: float, bidirectional: bool, device: Any,
                 dtype: Any) -> None:
        who = self.who
        self.input_size = _positive(input_size, f"{who}: input_size")
        self.hidden_size = _positive(hidden_size, f"{who}: hidden_size")
        self.num_layers = _positive(num_layers, f"{who}: num_layers")
        if not 0.0 <= float(dropout) <= 1.0:
            raise ValueError(f"{who}: dropout must be in [0, 1], got {dropout!r}")
        self.bias, self.batch_first, self.dropout = bool(bias), bool(batch_first), float(dropout)
        self.bidirectional = bool(bidirectional)
        dirs = self._suffixes()
        dt = factory_dtype(device, dtype)
        gh = self.gates * self.hidden_size
        for k in range(self.num_layers):  # torch's order: per layer, per direction
            n_in = self.input_size if k == 0 else self.hidden_size * len(dirs)
            for sfx in dirs:
                setattr(self, f"weight_ih_l{k}{sfx}", Parameter(np.empty((gh, n_in), dtype=dt)))
                setattr(self, f"weight_hh_l{k}{sfx}",
                        Parameter(np.empty((gh, self.hidden_size), dtype=dt)))
                if bias:
                    setattr(self, f"bias_ih_l{k}{sfx}", Parameter(np.empty(gh, dtype=dt)))
                    setattr(self, f"bias_hh_l{k}{sfx}", Parameter(np.empty(gh, dtype=dt)))
        self.reset_parameters()

    def _suffixes(self) -> tuple[str, ...]:
        return ("", "_reverse") if self.bidirectional else ("",)

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def _layer(self, k: int, sfx: str = "") -> tuple[Tensor, Tensor, Tensor | None,
                                                      Tensor | None]:
        return (getattr(self, f"weight_ih_l{k}{sfx}"), getattr(self, f"weight_hh_l{k}{sfx}"),
                getattr(self, f"bias_ih_l{k}{sfx}", None),
                getattr(self, f"bias_hh_l{k}{sfx}", None))

    def _prepare(self, x: Any) -> tuple[Tensor, bool]:
        """x as (T, B, input_size); True when the input had no batch axis."""
        layout = "(batch, seq, input_size)" if self.batch_first else "(seq, batch, input_size)"
        x = _check_x(x, self.input_size, self.who, (2, 3), layout + " or (seq, input_size)")
        if x.ndim == 2:
            return x.reshape(x.shape[0], 1, x.shape[1]), True
        return (x.swapaxes(0, 1) if self.batch_first else x), False

    def _state(self, h: Any, x: Tensor, single: bool, what: str) -> Tensor:
        shape = (self.num_layers * len(self._suffixes()), x.shape[1], self.hidden_size)
        if h is None:
            return Tensor._make(np.zeros(shape, dtype=x.dtype))
        if single and isinstance(h, Tensor) and h.ndim == 2:
            h = h.reshape(h.shape[0], 1, h.shape[1])
        return _check_state(h, shape, self.who, what)

    def _finish(self, y: Tensor, single: bool) -> Tensor:
        if single:
            return y.reshape(y.shape[0], y.shape[2])
        return y.swapaxes(0, 1) if self.batch_first else y

    def forward(self, x: Tensor, h0: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """Step each layer's cell through time (RNN and GRU; LSTM has a fused op); the
        reverse direction of a bidirectional layer steps through the flipped sequence."""
        x, single = self._prepare(x)
        h0 = self._state(h0, x, single, "h0")
        dirs = self._suffixes()
        finals = []
        y = x
        for k in range(self.num_layers):
            outs = []
            for d, sfx in enumerate(dirs):
                w_ih, w_hh, b_ih, b_hh = self._layer(k, sfx)
                seq = y.flip(0) if d else y
                xw = _project(seq, w_ih, b_ih)  # the input projection of every step at once
                h = h0[k * len(dirs) + d]
                hs = []
                for t in range(x.shape[0]):
                    h = self._cell(seq[t], xw[t], h, w_ih, w_hh, b_ih, b_hh)
                    hs.append(h)
                finals.append(h)
                out = autograd.stack(hs)
                outs.append(out.flip(0) if d else out)
            y = self._between_layers(outs[0] if len(outs) == 1 else autograd.cat(outs, -1), k)
        h_n = autograd.stack(finals)
        return self._finish(y, single), (h_n.reshape(h_n.shape[0], -1) if single else h_n)

    def _cell(self, x_t: Tensor, xw_t: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor,
              b_ih: Tensor | None, b_hh: Tensor | None) -> Tensor:
        raise NotImplementedError

    def _between_layers(self, y: Tensor, k: int) -> Tensor:
        if self.dropout and k < self.num_layers - 1:
            return F.dropout(y, self.dropout, self.training)
        return y

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


def _project(x: Tensor, w_ih: Tensor, b: Tensor | None) -> Tensor:
    """x (T, B, I) @ W_ih^T + b for all steps at once: (T, B, G*H)."""
    t_n, b_n, _ = x.shape
    return F.linear(x.reshape(t_n * b_n, -1), w_ih, b).reshape(t_n, b_n, w_ih.shape[0])


class RNN(_RNNBase):
    """Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) per layer.

    forward(x, h0=None) -> (output, h_n); output (T, B, H) (batch first if batch_first),
    h_n (num_layers, B, H).
    """

    who = "RNN"

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False,
                 device: Any = None, dtype: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device, dtype)

    def _cell(self, x_t: Tensor, xw_t: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor,
              b_ih: Tensor | None, b_hh: Tensor | None) -> Tensor:
        z = xw_t + F.linear(h, w_hh, b_hh)
        return z.tanh() if self.nonlinearity == "tanh" else z.relu()


class LSTM(_RNNBase):
    """Long short-term memory, gates i, f, g, o (PyTorch's order), stepped by a fused op.

    forward(x, (h0, c0)=None) -> (output, (h_n, c_n)); output (T, B, H) (batch first if
    batch_first), h_n and c_n (num_layers, B, H).
    """

    gates = 4
    who = "LSTM"

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device, dtype)

    def forward(self, x: Tensor, hx: tuple[Tensor, Tensor] | None = None
                ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        x, single = self._prepare(x)
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise ValueError("LSTM: the initial state must be a pair (h0, c0)")
        h0 = self._state(None if hx is None else hx[0], x, single, "h0")
        c0 = self._state(None if hx is None else hx[1], x, single, "c0")
        dirs = self._suffixes()
        hs, cs = [], []
        y = x
        for k in range(self.num_layers):
            outs = []
            for d, sfx in enumerate(dirs):
                w_ih, w_hh, b_ih, b_hh = self._layer(k, sfx)
                b = None if b_ih is None else b_ih + b_hh
                xw = _project(y, w_ih, b)
                j = k * len(dirs) + d
                hc = LSTMSequence.apply(xw.flip(0) if d else xw, h0[j], c0[j], w_hh)
                hs.append(hc[-1, 0])
                cs.append(hc[-1, 1])
                outs.append(hc[:, 0].flip(0) if d else hc[:, 0])
            y = self._between_layers(outs[0] if len(outs) == 1 else autograd.cat(outs, -1), k)
        h_n, c_n = autograd.stack(hs), autograd.stack(cs)
        if single:
            h_n, c_n = h_n.reshape(h_n.shape[0], -1), c_n.reshape(c_n.shape[0], -1)
        return self._finish(y, single), (h_n, c_n)


class GRU(_RNNBase):
    """Gated recurrent unit, gates r, z, n (PyTorch's order and formula).

    forward(x, h0=None) -> (output, h_n), shapes as RNN.
    """

    gates = 3
    who = "GRU"

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device, dtype)

    def _cell(self, x_t: Tensor, xw_t: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor,
              b_ih: Tensor | None, b_hh: Tensor | None) -> Tensor:
        return gru_step(x_t, h, w_ih, w_hh, b_ih, b_hh, xw=xw_t)

"""Recurrent layers: RNN, LSTM, GRU (multi-layer, batch_first) and their single-step cells.

PyTorch's shapes, gate order and parameter names: layer k holds ``weight_ih_l{k}`` (G*H, in),
``weight_hh_l{k}`` (G*H, H), ``bias_ih_l{k}``, ``bias_hh_l{k}``, with G = 1 (RNN), 4 (LSTM:
gates i, f, g, o) or 3 (GRU: r, z, n), all initialised U(-1/sqrt(H), 1/sqrt(H)).

Every layer first projects the whole input sequence in one matmul (x @ W_ih^T + b_ih for all
time steps), then steps through time. The LSTM steps inside one fused op (``LSTMSequence``):
numba cell kernels forward, hand-written backpropagation through time backward, with the
weight gradients as single matmuls over all steps. RNN and GRU step with Tensor ops.

A ``PackedSequence`` input (nn.utils.rnn) runs on the padded (T, B) grid of its sorted batch,
each sequence reversed within its own length for a reverse direction, so the same layer code
serves it; the valid steps are gathered back into a PackedSequence, and each sequence's final
state is taken at its own last step (outputs, states and gradients as torch's).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import autograd
from autograd import Tensor
from autograd.ops.recurrent import LSTMSequence
from autograd.tensor import ShapeError

from . import functional as F
from . import init
from .conv import factory_dtype
from .module import Module, Parameter
from .utils import positive_int as _positive
from .utils.rnn import PackedSequence, _packed_rows

__all__ = ["GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNCell"]


def _check_x(x: Any, size: int, who: str, ndims: tuple[int, ...], layout: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{who}: input must be a Tensor, got {type(x).__name__}")
    if x.ndim not in ndims or x.shape[-1] != size:
        raise ShapeError(f"{who}: input must be {layout} with input_size {size}, got shape "
                         f"{x.shape}")
    return x


def _check_state(h: Any, shape: tuple[int, ...], who: str, what: str) -> Tensor:
    if not isinstance(h, Tensor):
        got = type(h).__name__ + (f" of shape {h.shape}" if hasattr(h, "shape") else "")
        raise TypeError(f"{who}: {what} must be a Tensor of shape {shape}, got a {got}")
    if h.shape != shape:
        raise ShapeError(f"{who}: {what} must be a Tensor of shape {shape}, got {h.shape}")
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
        self.bias = bool(bias)
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
        self.proj_size = 0  # torch's attribute (projections are not supported)
        self.mode = {"RNN": "RNN_" + getattr(self, "nonlinearity", "tanh").upper()}.get(who, who)
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

    def flatten_parameters(self) -> None:
        """Nothing to do: torch's cuDNN weight-compaction call, kept so user code runs."""

    @property
    def all_weights(self) -> list[list[Tensor]]:
        """[[w_ih, w_hh, b_ih, b_hh] per layer and direction], as torch."""
        return [[p for p in self._layer(k, sfx) if p is not None]
                for k in range(self.num_layers) for sfx in self._suffixes()]

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

    def _state(self, h: Any, b_n: int, dtype: np.dtype, single: bool, what: str) -> Tensor:
        shape = (self.num_layers * len(self._suffixes()), b_n, self.hidden_size)
        if h is None:
            return Tensor._make(np.zeros(shape, dtype=dtype))
        if single and isinstance(h, Tensor) and h.ndim == 2:
            h = h.reshape(h.shape[0], 1, h.shape[1])
        return _check_state(h, shape, self.who, what)

    def _states(self, hx: Any, b_n: int, dtype: np.dtype, single: bool) -> tuple[Tensor, ...]:
        """The initial state as a tuple of (layers * directions, B, H) tensors: (h0,) here,
        (h0, c0) for the LSTM."""
        return (self._state(hx, b_n, dtype, single, "h0"),)

    def _result_state(self, finals: tuple[Tensor, ...], single: bool) -> Any:
        """What forward returns as the final state: h_n here, (h_n, c_n) for the LSTM."""
        h_n = finals[0]
        return h_n.reshape(h_n.shape[0], -1) if single else h_n

    def _finish(self, y: Tensor, single: bool) -> Tensor:
        if single:
            return y.reshape(y.shape[0], y.shape[2])
        return y.swapaxes(0, 1) if self.batch_first else y

    def forward(self, input: Any, hx: Any = None) -> tuple[Any, Any]:
        """input (T, B, I) ((B, T, I) with batch_first, (T, I) unbatched) or a
        PackedSequence -> (output of the same kind, final state). Each layer steps through
        time; the reverse direction of a bidirectional layer steps through the flipped
        sequence."""
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        x, single = self._prepare(input)
        y, finals = self._run(x, self._states(hx, x.shape[1], x.dtype, single), None)
        return self._finish(y, single), self._result_state(finals, single)

    def _forward_packed(self, x: PackedSequence, hx: Any) -> tuple[PackedSequence, Any]:
        """Run on the padded (T, B) grid of the sorted batch (each sequence reversed within
        its own length for a reverse direction), read back the valid steps, and take each
        sequence's final state at its own last step. States given and returned are in the
        caller's batch order (torch permutes them by sorted_indices / unsorted_indices)."""
        data = _check_x(x.data, self.input_size, self.who, (2,),
                        "a PackedSequence whose data is (sum of lengths, input_size)")
        grid = _PackedGrid(x.batch_sizes.data)
        state = self._states(hx, grid.b_n, data.dtype, False)
        if hx is not None and x.sorted_indices is not None:
            state = tuple(s[:, x.sorted_indices.data] for s in state)
        y, finals = self._run(data, state, grid)
        if x.unsorted_indices is not None:
            finals = tuple(f[:, x.unsorted_indices.data] for f in finals)
        out = PackedSequence(y, x.batch_sizes, x.sorted_indices, x.unsorted_indices)
        return out, self._result_state(finals, False)

    def _run(self, y: Tensor, state: tuple[Tensor, ...], grid: _PackedGrid | None
             ) -> tuple[Tensor, tuple[Tensor, ...]]:
        """All layers over y ((T, B, I), or packed rows (N, I) laid out by ``grid``) from
        ``state``: (the last layer's output, the final states stacked per layer/direction)."""
        dirs = self._suffixes()
        finals: list[list[Tensor]] = [[] for _ in state]
        for k in range(self.num_layers):
            outs = []
            for d, sfx in enumerate(dirs):
                s0 = tuple(s[k * len(dirs) + d] for s in state)
                if grid is None:
                    out, last, _ = self._direction(y.flip(0) if d else y, s0, k, sfx)
                    outs.append(out.flip(0) if d else out)
                else:
                    out, _, steps = self._direction(grid.pad(y, d), s0, k, sfx)
                    outs.append(grid.unpad(out, d))
                    last = tuple(grid.last(st) for st in steps)
                for f, s in zip(finals, last):
                    f.append(s)
            y = self._between_layers(outs[0] if len(outs) == 1 else autograd.cat(outs, -1), k)
        return y, tuple(autograd.stack(f) for f in finals)

    def _direction(self, seq: Tensor, s0: tuple[Tensor, ...], k: int, sfx: str
                   ) -> tuple[Tensor, tuple[Tensor, ...], tuple[Tensor, ...]]:
        """Layer k in one direction over seq (T, B, I) from the state s0: (the outputs
        (T, B, H), the state after the last step, the states after every step (T, B, H)).
        RNN and GRU step their cell with Tensor ops."""
        w_ih, w_hh, b_ih, b_hh = self._layer(k, sfx)
        xw = _project(seq, w_ih, b_ih)  # the input projection of every step at once
        h = s0[0]
        hs = []
        for t in range(seq.shape[0]):
            h = self._cell(seq[t], xw[t], h, w_ih, w_hh, b_ih, b_hh)
            hs.append(h)
        out = autograd.stack(hs)
        return out, (h,), (out,)

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


class _PackedGrid:
    """Where the rows of a packed batch (sorted by decreasing length) sit on the padded
    (T, B) grid, read forward in time or with each sequence reversed within its own length.

    ``pad`` lays packed rows (N, F) out as (T, B, F), zeros where a sequence has no step;
    ``unpad`` reads a (T, B, H) result back into packed rows; ``last`` takes each sequence's
    value at its own last step, (B, H). All three are differentiable gathers.
    """

    def __init__(self, batch_sizes: np.ndarray) -> None:
        bs = np.asarray(batch_sizes, dtype=np.int64)
        t_n, b_n, n = bs.size, int(bs[0]), int(bs.sum())
        self.t_n, self.b_n = t_n, b_n
        lens = (bs[None, :] > np.arange(b_n)[:, None]).sum(1)
        rows = _packed_rows(bs, t_n, n)                 # (T, B): packed row, or n
        src = lens[None, :] - 1 - np.arange(t_n)[:, None]  # reversed step t reads step src
        b = np.arange(b_n)
        rev = np.where(src >= 0, rows[np.maximum(src, 0), b[None, :]], n)
        self.rows = (rows, rev)
        t_idx = np.repeat(np.arange(t_n), bs)           # each packed row's step and entry
        b_idx = np.concatenate([np.arange(m) for m in bs])
        self.back = (t_idx * b_n + b_idx, (lens[b_idx] - 1 - t_idx) * b_n + b_idx)
        self.final = (lens - 1) * b_n + b

    def pad(self, y: Tensor, reverse: int) -> Tensor:
        zero = Tensor._make(np.zeros((1, y.shape[1]), dtype=y.dtype))
        return autograd.cat([y, zero])[self.rows[reverse]]

    def _flat(self, z: Tensor) -> Tensor:
        return z.reshape(self.t_n * self.b_n, z.shape[-1])

    def unpad(self, out: Tensor, reverse: int) -> Tensor:
        return self._flat(out)[self.back[reverse]]

    def last(self, steps: Tensor) -> Tensor:
        return self._flat(steps)[self.final]


def _project(x: Tensor, w_ih: Tensor, b: Tensor | None) -> Tensor:
    """x (T, B, I) @ W_ih^T + b for all steps at once: (T, B, G*H)."""
    t_n, b_n, _ = x.shape
    return F.linear(x.reshape(t_n * b_n, -1), w_ih, b).reshape(t_n, b_n, w_ih.shape[0])


class RNN(_RNNBase):
    """Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) per layer.

    forward(input, hx=None) -> (output, h_n); output (T, B, H) (batch first if batch_first),
    h_n (num_layers, B, H); a PackedSequence input gives a PackedSequence output.
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

    forward(input, (h0, c0)=None) -> (output, (h_n, c_n)); output (T, B, H) (batch first if
    batch_first), h_n and c_n (num_layers, B, H); PackedSequence in, PackedSequence out.
    """

    gates = 4
    who = "LSTM"

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: Any = None,
                 dtype: Any = None) -> None:
        if proj_size:
            raise NotImplementedError(f"LSTM: proj_size={proj_size!r} is not supported "
                                      "(only 0, no projection)")
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device, dtype)

    def _states(self, hx: Any, b_n: int, dtype: np.dtype, single: bool) -> tuple[Tensor, ...]:
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise ValueError("LSTM: the initial state must be a pair (h0, c0)")
        return (self._state(None if hx is None else hx[0], b_n, dtype, single, "h0"),
                self._state(None if hx is None else hx[1], b_n, dtype, single, "c0"))

    def _result_state(self, finals: tuple[Tensor, ...], single: bool) -> Any:
        h_n, c_n = finals
        if single:
            h_n, c_n = h_n.reshape(h_n.shape[0], -1), c_n.reshape(c_n.shape[0], -1)
        return h_n, c_n

    def _direction(self, seq: Tensor, s0: tuple[Tensor, ...], k: int, sfx: str
                   ) -> tuple[Tensor, tuple[Tensor, ...], tuple[Tensor, ...]]:
        """The fused LSTMSequence op over the whole sequence; its (T, 2, B, H) output holds
        h_t and c_t of every step."""
        w_ih, w_hh, b_ih, b_hh = self._layer(k, sfx)
        xw = _project(seq, w_ih, None if b_ih is None else b_ih + b_hh)
        hc = LSTMSequence.apply(xw, s0[0], s0[1], w_hh)
        return hc[:, 0], (hc[-1, 0], hc[-1, 1]), (hc[:, 0], hc[:, 1])


class GRU(_RNNBase):
    """Gated recurrent unit, gates r, z, n (PyTorch's order and formula).

    forward(input, hx=None) -> (output, h_n), shapes as RNN (PackedSequence too).
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

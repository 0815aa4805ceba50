"""Variable-length sequences for the recurrent layers, as torch.nn.utils.rnn.

A ``PackedSequence`` holds a batch of sequences of different lengths without padding: the
steps of all sequences time-major in ``data`` (N, *), sorted by decreasing length, with
``batch_sizes[t]`` = how many sequences have a step t. ``sorted_indices`` gives the batch
order used (None when the input was sorted already), ``unsorted_indices`` its inverse.
nn.RNN, nn.LSTM and nn.GRU take one and return one.

Every conversion here (pack, pad, unpad) is one differentiable gather of rows, so the
gradients flow back to the padded input or to the sequences.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np

import autograd
from autograd import Tensor

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pack_sequence",
           "pad_packed_sequence", "pad_sequence", "unpack_sequence", "unpad_sequence"]


class _PackedFields(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(_PackedFields):
    """``PackedSequence(data, batch_sizes, sorted_indices=None, unsorted_indices=None)``;
    ``unsorted_indices`` defaults to the inverse of ``sorted_indices``. Build one with
    ``pack_padded_sequence`` or ``pack_sequence`` rather than by hand."""

    __slots__ = ()

    def __new__(cls, data: Any, batch_sizes: Any = None, sorted_indices: Any = None,
                unsorted_indices: Any = None) -> PackedSequence:
        if batch_sizes is None:  # PackedSequence((data, batch_sizes)), as torch allows
            if not isinstance(data, (tuple, list)) or len(data) != 2:
                raise ValueError("PackedSequence: without batch_sizes, data must be a pair "
                                 "(data, batch_sizes)")
            data, batch_sizes = data
        if not isinstance(data, Tensor):
            raise TypeError(f"PackedSequence: data must be a Tensor, got {type(data).__name__}")
        batch_sizes = _index_tensor(batch_sizes, "PackedSequence: batch_sizes")
        if sorted_indices is not None:
            sorted_indices = _index_tensor(sorted_indices, "PackedSequence: sorted_indices")
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        else:
            unsorted_indices = _index_tensor(unsorted_indices,
                                             "PackedSequence: unsorted_indices")
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """data converted as ``Tensor.to`` does (self when nothing changes); the index
        tensors stay int64."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def cpu(self, *args: Any, **kwargs: Any) -> PackedSequence:
        return self

    def cuda(self, *args: Any, **kwargs: Any) -> PackedSequence:
        raise RuntimeError("cuda: numbagrad runs on the CPU only")

    def pin_memory(self) -> PackedSequence:
        return self

    def double(self) -> PackedSequence:
        return self.to(np.float64)

    def float(self) -> PackedSequence:
        return self.to(np.float32)

    def long(self) -> PackedSequence:
        return self.to(np.int64)

    def int(self) -> PackedSequence:
        return self.to(np.int32)

    def short(self) -> PackedSequence:
        return self.to(np.int16)

    def char(self) -> PackedSequence:
        return self.to(np.int8)

    def byte(self) -> PackedSequence:
        return self.to(np.uint8)

    def half(self) -> PackedSequence:
        return type(self)(self.data.half(), self.batch_sizes, self.sorted_indices,
                          self.unsorted_indices)

    @property
    def is_cuda(self) -> bool:
        return False

    def is_pinned(self) -> bool:
        return False


def _index_tensor(x: Any, what: str) -> Tensor:
    arr = np.asarray(x.data if isinstance(x, Tensor) else x)
    if arr.ndim != 1 or (arr.size and arr.dtype.kind not in "iu"):
        raise TypeError(f"{what} must be a 1-D integer tensor, got "
                        f"{'shape ' + str(arr.shape) if arr.ndim != 1 else arr.dtype}")
    return x if isinstance(x, Tensor) and arr.dtype == np.int64 else Tensor(
        arr.astype(np.int64))


def invert_permutation(permutation: Any) -> Tensor | None:
    """The inverse of a 1-D permutation tensor (None for None)."""
    if permutation is None:
        return None
    p = np.asarray(permutation.data if isinstance(permutation, Tensor) else permutation)
    out = np.empty_like(p, dtype=np.int64)
    out[p] = np.arange(p.size)
    return Tensor(out)


def _lengths(lengths: Any) -> np.ndarray:
    arr = np.asarray(lengths.data if isinstance(lengths, Tensor) else lengths)
    if arr.ndim != 1:
        raise ValueError(f"pack_padded_sequence: lengths must be 1-D (one length per "
                         f"sequence), got shape {arr.shape}")
    if arr.size and arr.dtype.kind not in "iuf":
        raise TypeError(f"pack_padded_sequence: lengths must be integers, got {arr.dtype}")
    return arr.astype(np.int64)


def _batch_sizes(lens_sorted: np.ndarray) -> np.ndarray:
    """batch_sizes[t] = how many of the (decreasingly sorted) lengths exceed t."""
    t = np.arange(int(lens_sorted[0]))
    return (lens_sorted[None, :] > t[:, None]).sum(1).astype(np.int64)


def pack_padded_sequence(input: Tensor, lengths: Any, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch (T, B, *) ((B, T, *) with batch_first) of sequences of the given
    lengths. With ``enforce_sorted`` the lengths must be decreasing; otherwise the batch is
    sorted here (stably) and the order kept in ``sorted_indices``."""
    if not isinstance(input, Tensor):
        raise TypeError(f"pack_padded_sequence: input must be a Tensor, got "
                        f"{type(input).__name__}")
    if input.ndim < 2:
        raise ValueError(f"pack_padded_sequence: input must have a time and a batch dim "
                         f"(at least 2-D), got shape {input.shape}")
    lens = _lengths(lengths)
    b_n = input.shape[0 if batch_first else 1]
    t_n = input.shape[1 if batch_first else 0]
    if lens.size != b_n:
        raise RuntimeError(f"pack_padded_sequence: expected `len(lengths)` to be equal to "
                           f"batch_size, but got {lens.size} (batch_size={b_n})")
    if enforce_sorted:
        if np.any(lens[:-1] < lens[1:]):
            raise RuntimeError(
                "pack_padded_sequence: `lengths` array must be sorted in decreasing order "
                "when `enforce_sorted` is True. You can pass `enforce_sorted=False` to "
                "pack_padded_sequence and/or pack_sequence to sidestep this requirement if "
                "you do not need ONNX exportability.")
        order, sorted_indices = np.arange(b_n), None
    else:
        order = np.argsort(-lens, kind="stable")
        lens = lens[order]
        sorted_indices = Tensor(order.astype(np.int64))
    if lens.size == 0 or lens[-1] <= 0:
        raise RuntimeError("pack_padded_sequence: length of all samples has to be greater "
                           "than 0, but found an element in 'lengths' that is <= 0")
    if lens[0] > t_n:
        raise ValueError(f"pack_padded_sequence: a length is {int(lens[0])} but the input "
                         f"has only {t_n} time steps")
    bs = _batch_sizes(lens)
    t_idx = np.repeat(np.arange(bs.size), bs)                # time step of each packed row
    b_idx = order[np.concatenate([np.arange(n) for n in bs])]  # its batch entry
    flat = b_idx * t_n + t_idx if batch_first else t_idx * b_n + b_idx
    data = input.reshape((t_n * b_n,) + input.shape[2:])[flat]
    return PackedSequence(data, Tensor(bs), sorted_indices, None)


def _packed_rows(batch_sizes: np.ndarray, total: int, filler: int) -> np.ndarray:
    """(total, B) row numbers into the packed data of each (time, sorted batch entry);
    ``filler`` where that sequence has no step."""
    b_n = int(batch_sizes[0])
    offsets = np.concatenate([[0], np.cumsum(batch_sizes)[:-1]])
    rows = np.full((total, b_n), filler, dtype=np.int64)
    b = np.arange(b_n)
    valid = b[None, :] < batch_sizes[:, None]
    rows[:batch_sizes.size][valid] = (offsets[:, None] + b[None, :])[valid]
    return rows


def _padding_row(like: Tensor, value: Any) -> Tensor:
    return Tensor._make(np.full((1,) + like.shape[1:], value).astype(like.dtype))


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0, total_length: int | None = None
                        ) -> tuple[Tensor, Tensor]:
    """Undo ``pack_padded_sequence``: (padded (T, B, *) or (B, T, *), lengths int64 (B,)),
    in the original batch order; ``total_length`` pads to that many steps."""
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"pad_packed_sequence: expected a PackedSequence, got "
                        f"{type(sequence).__name__}")
    bs = sequence.batch_sizes.data
    t_n = bs.size
    if total_length is not None:
        if total_length < t_n:
            raise ValueError("Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and "
                             f"max sequence length being {t_n}")
        t_n = int(total_length)
    data = sequence.data
    rows = _packed_rows(bs, t_n, data.shape[0])
    lens = (bs[None, :] > np.arange(int(bs[0]))[:, None]).sum(1).astype(np.int64)
    if sequence.unsorted_indices is not None:
        un = sequence.unsorted_indices.data
        rows, lens = rows[:, un], lens[un]
    if batch_first:
        rows = rows.T
    ext = autograd.cat([data, _padding_row(data, padding_value)])
    return ext[rows], Tensor(lens)


def pad_sequence(sequences: Any, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack sequences (L_i, *) into (T, B, *) ((B, T, *) with batch_first), T the longest,
    filling with ``padding_value`` after each sequence (before, with padding_side='left')."""
    if isinstance(sequences, Tensor):
        seqs = [sequences[i] for i in range(sequences.shape[0])]
    elif isinstance(sequences, Iterable):
        seqs = list(sequences)
    else:
        raise RuntimeError(f"pad_sequence: Expected iterable for input sequences, but got arg "
                           f"of type: {type(sequences)}")
    if padding_side not in ("left", "right"):
        raise ValueError(f"pad_sequence: expected padding_side to be one of left or right, "
                         f"but got {padding_side!r}")
    if not seqs:
        raise RuntimeError("pad_sequence: received an empty list of sequences")
    for s in seqs:
        if not isinstance(s, Tensor):
            raise TypeError(f"pad_sequence: expected a list of Tensors, got "
                            f"{type(s).__name__}")
        if s.ndim == 0 or s.shape[1:] != seqs[0].shape[1:]:
            raise RuntimeError(f"pad_sequence: every sequence must be (L, *) with the same "
                               f"trailing dims {seqs[0].shape[1:]}, got shape {s.shape}")
    dt = seqs[0].dtype
    seqs = [s if s.dtype == dt else s.to(dt) for s in seqs]
    lens = np.array([s.shape[0] for s in seqs], dtype=np.int64)
    t_n, total = int(lens.max()), int(lens.sum())
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
    t = np.arange(t_n)[:, None]
    step = t - (t_n - lens[None, :]) if padding_side == "left" else t + 0 * lens[None, :]
    rows = np.where((step >= 0) & (step < lens[None, :]), starts[None, :] + step, total)
    ext = autograd.cat(seqs + [_padding_row(seqs[0], padding_value)])
    return ext[rows.T if batch_first else rows]


def unpad_sequence(padded_sequences: Tensor, lengths: Any, batch_first: bool = False
                   ) -> list[Tensor]:
    """Split a padded batch back into its sequences: [padded[:len_b, b] for each b]."""
    if not isinstance(padded_sequences, Tensor) or padded_sequences.ndim < 2:
        raise TypeError("unpad_sequence: padded_sequences must be a Tensor (T, B, *) or "
                        "(B, T, *)")
    lens = _lengths(lengths)
    x = padded_sequences if batch_first else padded_sequences.swapaxes(0, 1)
    if lens.size != x.shape[0]:
        raise ValueError(f"unpad_sequence: {lens.size} lengths for a batch of {x.shape[0]}")
    return [x[b, :int(n)] for b, n in enumerate(lens)]


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences (L_i, *): pad_sequence, then pack_padded_sequence."""
    seqs = list(sequences)
    lengths = [s.shape[0] if isinstance(s, Tensor) and s.ndim else 0 for s in seqs]
    return pack_padded_sequence(pad_sequence(seqs), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The list of sequences a PackedSequence holds, in the original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)

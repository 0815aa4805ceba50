"""Data: Dataset, TensorDataset, DataLoader, seeded toy datasets and real-data loaders.

Toy generators return ``(X, y)`` numpy arrays: X float32 of shape (n, 2) (blobs: (n, d)),
y int64 class labels. Pass ``seed`` for a fixed draw; ``seed=None`` draws from
``autograd.rng()`` (so ``autograd.manual_seed`` still makes the run reproducible).
"""

from __future__ import annotations

import copy
import gzip
import math
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from .creation import _gen as _generator
from .creation import rng as _global_rng
from .tensor import Tensor

__all__ = [
    "BatchSampler",
    "ChainDataset",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "IterableDataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "SubsetRandomSampler",
    "WeightedRandomSampler",
    "Subset",
    "TensorDataset",
    "blobs",
    "circles",
    "default_collate",
    "default_convert",
    "get_worker_info",
    "load_digits",
    "load_mnist",
    "moons",
    "random_split",
    "read_idx",
    "spirals",
    "train_test_split",
    "xor",
]


# ----------------------------------------------------------------------------- datasets
class Dataset:
    """Anything with ``__len__`` and ``__getitem__(i)`` returning one sample (a tuple)."""

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    def __getitem__(self, i: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        """``a + b`` is ``ConcatDataset([a, b])``, as torch's."""
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A stream of samples: define ``__iter__`` (``__len__`` optional). A DataLoader batches
    consecutive samples, in the stream's order (``shuffle`` and samplers do not apply)."""

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __len__(self) -> int:  # a TypeError, so list() and len(loader) act as on torch's
        raise TypeError(f"{type(self).__name__} has no len() (define __len__ to give one)")

    def __add__(self, other: Dataset) -> ChainDataset:  # type: ignore[override]
        """``a + b`` streams a, then b (a ChainDataset), as torch's."""
        return ChainDataset([self, other])


class ChainDataset(IterableDataset):
    """IterableDatasets one after another: iterating gives every sample of the first, then
    of the second, ... (torch's ChainDataset)."""

    def __init__(self, datasets: Sequence[IterableDataset]) -> None:
        self.datasets = list(datasets)
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise TypeError(f"ChainDataset only supports IterableDataset, got "
                                f"{type(d).__name__}")

    def __iter__(self) -> Iterator[Any]:
        for d in self.datasets:
            yield from d

    def __len__(self) -> int:
        return sum(len(d) for d in self.datasets)


class TensorDataset(Dataset):
    """Samples are rows of equally long arrays: ``TensorDataset(X, y)[i] == (X[i], y[i])``."""

    def __init__(self, *arrays: Any) -> None:
        if not arrays:
            raise ValueError("TensorDataset: give at least one array")
        self.arrays = [np.asarray(a.data if isinstance(a, Tensor) else a) for a in arrays]
        n = self.arrays[0].shape[0] if self.arrays[0].ndim else None
        for i, a in enumerate(self.arrays):
            if a.ndim == 0 or a.shape[0] != n:
                raise ValueError(f"TensorDataset: every array needs the same first dimension; "
                                 f"array 0 has {n} rows, array {i} has shape {a.shape}")

    @property
    def tensors(self) -> tuple[Tensor, ...]:
        """The arrays as Tensors (sharing memory), as torch's ``TensorDataset.tensors``."""
        return tuple(Tensor._make(a) for a in self.arrays)

    def __len__(self) -> int:
        return self.arrays[0].shape[0]

    def __getitem__(self, i: Any) -> tuple[Tensor, ...]:
        """One sample as Tensors sharing the arrays' memory (as torch's TensorDataset)."""
        return tuple(Tensor._make(np.asarray(a[i])) for a in self.arrays)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = [int(i) for i in indices]
        n = len(dataset)
        bad = [i for i in self.indices if not -n <= i < n]
        if bad:
            raise IndexError(f"Subset: index {bad[0]} is out of range for a dataset of {n} "
                             "samples")

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, (list, np.ndarray)):
            return [self.dataset[self.indices[int(j)]] for j in i]
        return self.dataset[self.indices[i]]


class ConcatDataset(Dataset):
    """Datasets one after another: sample ``len(a)`` of ``ConcatDataset([a, b])`` is b[0]."""

    def __init__(self, datasets: Sequence[Dataset]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: give at least one dataset")
        if any(isinstance(d, IterableDataset) for d in self.datasets):
            raise TypeError("ConcatDataset does not support IterableDataset (it needs "
                            "indexable datasets)")
        self.ends = np.cumsum([len(d) for d in self.datasets]).tolist()

    @property
    def cumulative_sizes(self) -> list[int]:
        """The running totals of the datasets' lengths (torch's attribute)."""
        return list(self.ends)

    def __len__(self) -> int:
        return self.ends[-1] if self.ends else 0

    def __getitem__(self, i: Any) -> Any:
        n = len(self)
        if not isinstance(i, (int, np.integer)) or isinstance(i, bool):
            raise TypeError(f"ConcatDataset: index must be an int, got {type(i).__name__}")
        if not -n <= i < n:
            raise IndexError(f"ConcatDataset: index {i} is out of range for {n} samples")
        i = int(i) % n
        k = int(np.searchsorted(self.ends, i, side="right"))
        start = self.ends[k - 1] if k else 0
        return self.datasets[k][i - start]


def random_split(dataset: Dataset, lengths: Sequence[int | float], generator: Any = None,
                 seed: int | None = None) -> list[Subset]:
    """Split a dataset into non-overlapping random Subsets of the given lengths.

    As torch: ``lengths`` are counts summing to ``len(dataset)``, or fractions summing to 1
    (each gets ``floor(n * f)`` and the remainder goes one by one to the first splits). The
    order comes from ``generator`` (an autograd or numpy Generator), else ``seed``, else
    ``autograd.rng()``.
    """
    n = len(dataset)
    lengths = list(lengths)
    if not lengths:
        raise ValueError("random_split: give at least one length")
    if all(isinstance(x, (float, np.floating)) for x in lengths) and math.isclose(
            sum(lengths), 1.0, abs_tol=1e-6):
        if any(x < 0 for x in lengths):
            raise ValueError(f"random_split: fractions must be >= 0, got {lengths}")
        counts = [int(math.floor(n * f)) for f in lengths]
        for k in range(n - sum(counts)):
            counts[k % len(counts)] += 1
    else:
        if any(isinstance(x, bool) or not isinstance(x, (int, np.integer)) or x < 0
               for x in lengths):
            raise ValueError(f"random_split: lengths must be non-negative ints (or fractions "
                             f"summing to 1), got {lengths}")
        counts = [int(x) for x in lengths]
        if sum(counts) != n:
            raise ValueError(f"random_split: the lengths sum to {sum(counts)}, but the dataset "
                             f"has {n} samples")
    gen = _generator(generator, "random_split") if generator is not None else _gen(seed)
    order = gen.permutation(n)
    out, start = [], 0
    for c in counts:
        out.append(Subset(dataset, order[start:start + c].tolist()))
        start += c
    return out


# ----------------------------------------------------------------------------- samplers
class Sampler:
    """Base of the index samplers: iterating gives dataset indices (``__len__`` their
    count). Any iterable of ints can serve as a DataLoader's ``sampler``."""

    def __init__(self, data_source: Any = None) -> None:
        pass

    def _order(self) -> np.ndarray:
        return np.fromiter((int(i) for i in self), dtype=np.int64)

    def __iter__(self) -> Iterator[int]:
        return iter(self._order().tolist())

    def __len__(self) -> int:
        raise TypeError(f"{type(self).__name__} has no len()")


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source: Any) -> None:
        self.data_source = data_source

    def _order(self) -> np.ndarray:
        return np.arange(len(self.data_source))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A new random order of the indices each pass (``replacement=True``: ``num_samples``
    independent draws), from ``generator`` (autograd or numpy) or ``autograd.rng()``."""

    def __init__(self, data_source: Any, replacement: bool = False,
                 num_samples: int | None = None, generator: Any = None) -> None:
        if not isinstance(replacement, bool):
            raise TypeError(f"RandomSampler: replacement must be a bool, got {replacement!r}")
        if num_samples is not None and (isinstance(num_samples, bool) or not isinstance(
                num_samples, (int, np.integer)) or num_samples < 1):
            raise ValueError(f"RandomSampler: num_samples must be a positive int, got "
                             f"{num_samples!r}")
        self.data_source, self.replacement = data_source, replacement
        self._num_samples, self.generator = num_samples, generator

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else int(self._num_samples)

    def _order(self) -> np.ndarray:
        gen = _generator(self.generator, "RandomSampler")
        n, k = len(self.data_source), self.num_samples
        if self.replacement:
            return gen.integers(0, n, size=k)
        if k == n:
            return gen.permutation(n)
        # without replacement, more samples than the dataset: whole permutations, as torch
        reps = [gen.permutation(n) for _ in range(-(-k // n))]
        return np.concatenate(reps)[:k]

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices, in a new random order each pass."""

    def __init__(self, indices: Sequence[int], generator: Any = None) -> None:
        self.indices, self.generator = indices, generator

    def _order(self) -> np.ndarray:
        idx = np.asarray(self.indices, dtype=np.int64).reshape(-1)
        return idx[_generator(self.generator, "SubsetRandomSampler").permutation(len(idx))]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices in [0, len(weights)) drawn with probability proportional to
    ``weights`` (with replacement unless ``replacement=False``)."""

    def __init__(self, weights: Any, num_samples: int, replacement: bool = True,
                 generator: Any = None) -> None:
        if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)) \
                or num_samples < 1:
            raise ValueError(f"WeightedRandomSampler: num_samples must be a positive int, got "
                             f"{num_samples!r}")
        if not isinstance(replacement, bool):
            raise ValueError(f"WeightedRandomSampler: replacement must be a bool, got "
                             f"{replacement!r}")
        w = np.asarray(weights.data if isinstance(weights, Tensor) else weights,
                       dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(f"WeightedRandomSampler: weights must be 1-D, got shape {w.shape}")
        if not np.all(np.isfinite(w)) or np.any(w < 0) or not w.sum() > 0:
            raise RuntimeError("WeightedRandomSampler: weights must be finite, >= 0 and not "
                               "all zero")
        if not replacement and num_samples > np.count_nonzero(w):
            raise RuntimeError(f"WeightedRandomSampler: cannot draw {num_samples} samples "
                               f"without replacement from {np.count_nonzero(w)} non-zero "
                               "weights")
        self.weights = Tensor(w)
        self.num_samples, self.replacement, self.generator = int(num_samples), replacement, \
            generator

    def _order(self) -> np.ndarray:
        w = self.weights.data
        gen = _generator(self.generator, "WeightedRandomSampler")
        return gen.choice(len(w), size=self.num_samples, replace=self.replacement,
                          p=w / w.sum())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Lists of ``batch_size`` indices from ``sampler`` (the last one shorter unless
    ``drop_last``)."""

    def __init__(self, sampler: Any, batch_size: int, drop_last: bool) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"BatchSampler: batch_size must be a positive int, got "
                             f"{batch_size!r}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"BatchSampler: drop_last must be a bool, got {drop_last!r}")
        self.sampler, self.batch_size, self.drop_last = sampler, batch_size, drop_last

    def __iter__(self) -> Iterator[list[int]]:
        order = _indices(self.sampler)
        n, bs = len(order), self.batch_size
        stop = n - n % bs if self.drop_last else n
        for start in range(0, stop, bs):
            yield order[start:start + bs].tolist()

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


def _indices(sampler: Any) -> np.ndarray:
    """One pass of a sampler as an index array (a library sampler draws it in one call)."""
    if isinstance(sampler, Sampler) and type(sampler).__iter__ is Sampler.__iter__:
        return np.asarray(sampler._order(), dtype=np.int64)
    return np.fromiter((int(i) for i in sampler), dtype=np.int64)


class DataLoader:
    """Iterate a dataset in batches of Tensors, as ``torch.utils.data.DataLoader``.

    ``shuffle`` draws a new order every epoch (a ``RandomSampler``): from ``generator`` (an
    ``autograd.Generator`` or numpy Generator, read at each epoch, so re-seeding it replays
    the order), else from ``np.random.default_rng(seed)`` when a ``seed`` is given (the same
    sequence of orders in every run), else from ``autograd.rng()`` (``autograd.manual_seed``
    makes it reproducible). ``drop_last`` drops a final short batch. ``loader.sampler`` and
    ``loader.batch_sampler`` are torch's (``SequentialSampler`` / ``RandomSampler`` and a
    ``BatchSampler``). Batches of a TensorDataset are sliced directly (one fancy-index per
    array, no per-sample Python loop).

    **No worker processes**: ``num_workers > 0`` is accepted but every batch is made in this
    process, in order (as ``num_workers=0``), so ``worker_init_fn`` is never called and
    ``get_worker_info()`` is None; ``pin_memory`` is a no-op (there is no device memory).
    """

    def __init__(self, dataset: Dataset, batch_size: int | None = 1,
                 shuffle: bool | None = None, sampler: Any = None, batch_sampler: Any = None,
                 num_workers: int = 0, collate_fn: Any = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn: Any = None,
                 multiprocessing_context: Any = None, generator: Any = None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True,
                 seed: int | None = None) -> None:
        """The arguments in torch's order (``seed``, numbagrad's, is keyword-only). torch's
        ``num_workers``, ``pin_memory``, ``persistent_workers``, ``timeout``,
        ``worker_init_fn``, ``prefetch_factor`` and the like are accepted (and checked as
        torch checks them): batches are always made in this process (no worker processes)
        and there is no device memory to pin. ``collate_fn`` turns a list of samples into a
        batch (its result is yielded as is; the default is :func:`default_collate`);
        ``generator`` (autograd or numpy) drives the shuffle. ``sampler`` (any iterable of
        indices, e.g. ``SubsetRandomSampler``) replaces the order, ``batch_sampler`` (an
        iterable of index lists) the batching, with torch's exclusivity rules."""
        if isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError(f"DataLoader: num_workers must be an int >= 0 (0 disables "
                             f"worker processes), got {num_workers!r}")
        if not isinstance(timeout, (int, float)) or timeout < 0:
            raise ValueError(f"DataLoader: timeout option should be non-negative, got "
                             f"{timeout!r}")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("DataLoader: prefetch_factor option could only be specified in "
                             "multiprocessing; let num_workers > 0 or set prefetch_factor "
                             "to None")
        if persistent_workers and num_workers == 0:
            raise ValueError("DataLoader: persistent_workers option needs num_workers > 0")
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"DataLoader: collate_fn must be callable, got "
                            f"{type(collate_fn).__name__}")
        iterable = isinstance(dataset, IterableDataset)
        if iterable and (shuffle or sampler is not None or batch_sampler is not None):
            what = ("shuffle" if shuffle else "sampler" if sampler is not None
                    else "batch_sampler")
            raise ValueError(f"DataLoader with IterableDataset: expected unspecified {what} "
                             f"option (a stream has no indices to order)")
        if not iterable and (not hasattr(dataset, "__len__")
                             or not hasattr(dataset, "__getitem__")):
            raise TypeError(f"DataLoader: dataset must have __len__ and __getitem__ (or be "
                            f"an IterableDataset), got {type(dataset).__name__}")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None and (batch_size != 1 or shuffle or sampler is not None
                                          or drop_last):
            raise ValueError("DataLoader: batch_sampler option is mutually exclusive with "
                             "batch_size, shuffle, sampler, and drop_last")
        if batch_sampler is not None:
            batch_size = None
        elif batch_size is None:  # torch: no automatic batching
            if drop_last:
                raise ValueError("DataLoader: batch_size=None disables automatic batching and "
                                 "is mutually exclusive with drop_last")
        elif isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive int or None, got "
                             f"{batch_size!r}")
        self.dataset, self.batch_size = dataset, batch_size
        self.shuffle, self.drop_last = bool(shuffle), bool(drop_last)
        self.collate_fn, self.num_workers, self.pin_memory = collate_fn, num_workers, pin_memory
        self.timeout, self.worker_init_fn = timeout, worker_init_fn
        self.prefetch_factor, self.persistent_workers = prefetch_factor, persistent_workers
        self.seed, self.generator = seed, generator
        if generator is not None:
            _generator(generator, "DataLoader")  # a clear TypeError now, not at iteration
        # which parts came from the user (their own iteration) and which are the defaults
        self._own_sampler = sampler is not None
        self._own_batch_sampler = batch_sampler is not None
        if sampler is None and not iterable:
            if shuffle:
                gen = generator if generator is not None else (
                    np.random.default_rng(seed) if seed is not None else None)
                sampler = RandomSampler(dataset, generator=gen)
            else:
                sampler = SequentialSampler(dataset)
        if batch_sampler is None and batch_size is not None and not iterable:
            batch_sampler = BatchSampler(sampler, batch_size, self.drop_last)
        self.sampler, self.batch_sampler = sampler, batch_sampler

    def __len__(self) -> int:
        if isinstance(self.dataset, IterableDataset):
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        return len(self.sampler)

    def _batch(self, idx: Any) -> Any:
        ds = self.dataset
        if self.collate_fn is not None:
            return self.collate_fn([ds[int(i)] for i in idx])
        if isinstance(ds, TensorDataset):
            return [Tensor(a[np.asarray(idx, dtype=np.int64)]) for a in ds.arrays]
        return _collate([ds[int(i)] for i in idx])

    def _iter_stream(self) -> Iterator[Any]:
        """An IterableDataset: consecutive samples grouped into batches."""
        bs = self.batch_size
        if bs is None:
            for sample in self.dataset:
                yield self.collate_fn(sample) if self.collate_fn is not None else _convert(sample)
            return
        chunk: list[Any] = []
        for sample in self.dataset:
            chunk.append(sample)
            if len(chunk) == bs:
                yield self.collate_fn(chunk) if self.collate_fn is not None else _collate(chunk)
                chunk = []
        if chunk and not self.drop_last:
            yield self.collate_fn(chunk) if self.collate_fn is not None else _collate(chunk)

    def __iter__(self) -> Iterator[Any]:
        """Batches as torch's default collate makes them: a dataset of (x, y) samples gives
        ``[X, Y]`` lists, a dataset of single tensors gives one Tensor, dict samples a dict
        of batched values; with ``batch_size=None`` each sample, arrays made Tensors."""
        if isinstance(self.dataset, IterableDataset):
            yield from self._iter_stream()
            return
        if self._own_batch_sampler or (
                self.batch_sampler is not None and not isinstance(self.batch_sampler,
                                                                  BatchSampler)):
            for idx in self.batch_sampler:
                yield self._batch(idx)
            return
        ds = self.dataset
        if self.batch_size is None:
            for i in _indices(self.sampler):
                sample = ds[int(i)]
                yield self.collate_fn(sample) if self.collate_fn is not None else _convert(sample)
            return
        # the default BatchSampler over self.sampler, drawn in one call
        bsamp = self.batch_sampler
        order = _indices(bsamp.sampler)
        n, bs = len(order), bsamp.batch_size
        stop = n - n % bs if bsamp.drop_last else n
        contiguous = (type(bsamp.sampler) is SequentialSampler
                      and bsamp.sampler.data_source is ds)
        for start in range(0, stop, bs):
            idx = order[start:start + bs]
            if self.collate_fn is not None:
                yield self.collate_fn([ds[int(i)] for i in idx])
            elif isinstance(ds, TensorDataset):
                if contiguous:
                    cols = [a[start:start + bs] for a in ds.arrays]  # views, no copy
                else:
                    cols = [a[idx] for a in ds.arrays]
                yield [Tensor(c) for c in cols]
            else:
                yield _collate([ds[int(i)] for i in idx])


def get_worker_info() -> None:
    """torch's ``get_worker_info``: always None here, as in torch's main process (a
    DataLoader makes every batch in this process; see :class:`DataLoader`)."""
    return None


def default_collate(batch: Sequence[Any]) -> Any:
    """torch's ``default_collate``: a list of samples into one batch. Tensors, numpy arrays
    and numbers are stacked into one Tensor (Python floats as float64, ints as int64, bools
    as bool); tuples and lists collate element-wise into a list (a namedtuple stays one),
    dicts key by key (the mapping type kept); strings are left as the sequence they came
    in."""
    return _collate(batch)


def default_convert(data: Any) -> Any:
    """torch's ``default_convert`` (the collate of ``batch_size=None``): numpy arrays and
    scalars become Tensors, sequences and dicts are converted element-wise."""
    return _convert(data)


def _collate(samples: Sequence[Any]) -> Any:
    first = samples[0]
    if isinstance(first, (str, bytes)):
        return samples
    if isinstance(first, Mapping):
        out = {k: _collate([s[k] for s in samples]) for k in first}
        if type(first) is not dict:
            try:
                clone = copy.copy(first)
                clone.update(out)
                return clone
            except (TypeError, AttributeError):
                pass
        return out
    if isinstance(first, (tuple, list)):
        if any(len(s) != len(first) for s in samples):
            raise RuntimeError("DataLoader: each element in list of batch should be of equal "
                               f"size (the first sample has {len(first)} elements)")
        cols = [_collate(col) for col in zip(*samples)]
        return type(first)(*cols) if hasattr(first, "_fields") else cols
    try:
        arr = np.stack([np.asarray(s.data if isinstance(s, Tensor) else s) for s in samples])
    except ValueError as e:
        raise RuntimeError(f"DataLoader: cannot stack the samples of a batch ({e}); give "
                           "samples of one shape, or a collate_fn") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"DataLoader: default_collate: batch must contain tensors, numpy "
                        f"arrays, numbers, dicts or lists; found {type(first).__name__} "
                        "(pass a collate_fn)")
    return Tensor(arr)


def _convert(sample: Any) -> Any:
    if isinstance(sample, (np.ndarray, np.generic)) and sample.dtype.kind in "biuf":
        return Tensor(np.asarray(sample))
    if isinstance(sample, (str, bytes)):
        return sample
    if isinstance(sample, Mapping):
        return {k: _convert(v) for k, v in sample.items()}
    if isinstance(sample, (tuple, list)):
        cols = [_convert(v) for v in sample]
        return type(sample)(*cols) if hasattr(sample, "_fields") else cols
    return sample


# ----------------------------------------------------------------------------- toy data
def _gen(seed: int | None) -> np.random.Generator:
    return np.random.default_rng(seed) if seed is not None else _global_rng()


def _check_n(n: Any, who: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"{who}: n must be a positive int, got {n!r}")
    return int(n)


def _out(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return X.astype(np.float32), y.astype(np.int64)


def xor(n: int = 200, noise: float = 0.1, seed: int | None = 0
        ) -> tuple[np.ndarray, np.ndarray]:
    """Points near the four corners (+-1, +-1); label 1 where the signs differ (XOR)."""
    g = _gen(seed)
    signs = g.choice([-1.0, 1.0], size=(_check_n(n, "xor"), 2))
    X = signs + noise * g.standard_normal((n, 2))
    return _out(X, signs[:, 0] != signs[:, 1])


def moons(n: int = 200, noise: float = 0.1, seed: int | None = 0
          ) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (as sklearn.datasets.make_moons)."""
    g = _gen(seed)
    n = _check_n(n, "moons")
    n0 = n // 2
    t0 = np.linspace(0, math.pi, n0)
    t1 = np.linspace(0, math.pi, n - n0)
    X = np.concatenate([np.stack([np.cos(t0), np.sin(t0)], 1),
                        np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], 1)])
    y = np.concatenate([np.zeros(n0), np.ones(n - n0)])
    X = X + noise * g.standard_normal(X.shape)
    perm = g.permutation(n)
    return _out(X[perm], y[perm])


def circles(n: int = 200, noise: float = 0.05, factor: float = 0.5, seed: int | None = 0
            ) -> tuple[np.ndarray, np.ndarray]:
    """A small circle (label 1, radius ``factor``) inside a big one (label 0, radius 1)."""
    if not 0 < factor < 1:
        raise ValueError(f"circles: factor must be in (0, 1), got {factor}")
    g = _gen(seed)
    n = _check_n(n, "circles")
    n0 = n // 2
    t = g.uniform(0, 2 * math.pi, n)
    r = np.where(np.arange(n) < n0, 1.0, factor)
    X = np.stack([r * np.cos(t), r * np.sin(t)], 1) + noise * g.standard_normal((n, 2))
    y = (np.arange(n) >= n0)
    perm = g.permutation(n)
    return _out(X[perm], y[perm])


def spirals(n: int = 300, classes: int = 2, noise: float = 0.2, seed: int | None = 0
            ) -> tuple[np.ndarray, np.ndarray]:
    """``classes`` interleaved spiral arms (the cs231n spiral), n points in all."""
    if isinstance(classes, bool) or not isinstance(classes, int) or classes < 2:
        raise ValueError(f"spirals: classes must be an int >= 2, got {classes!r}")
    g = _gen(seed)
    n = _check_n(n, "spirals")
    y = np.arange(n) % classes
    r = np.empty(n)
    for c in range(classes):
        idx = np.flatnonzero(y == c)
        r[idx] = np.linspace(0.05, 1.0, idx.size)
    theta = r * 4.0 + y * (2 * math.pi / classes) + noise * g.standard_normal(n) * 0.5
    X = np.stack([r * np.sin(theta), r * np.cos(theta)], 1)
    perm = g.permutation(n)
    return _out(X[perm], y[perm])


def blobs(n: int = 300, centers: int | Sequence[Sequence[float]] = 3, std: float = 1.0,
          n_features: int = 2, seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian blobs around ``centers`` (a count, drawn in [-10, 10]^d, or coordinates)."""
    g = _gen(seed)
    n = _check_n(n, "blobs")
    if isinstance(centers, (int, np.integer)):
        if centers < 1:
            raise ValueError(f"blobs: centers must be >= 1, got {centers}")
        C = g.uniform(-10, 10, (int(centers), n_features))
    else:
        C = np.asarray(centers, dtype=np.float64)
        if C.ndim != 2:
            raise ValueError(f"blobs: centers must be an int or a (k, d) array, got shape "
                             f"{C.shape}")
    y = np.arange(n) % C.shape[0]
    X = C[y] + std * g.standard_normal((n, C.shape[1]))
    perm = g.permutation(n)
    return _out(X[perm], y[perm])


def train_test_split(*arrays: Any, test_size: float | int = 0.2, seed: int | None = 0,
                     shuffle: bool = True) -> list[np.ndarray]:
    """Split arrays row-wise: returns [a_train, a_test, b_train, b_test, ...] (sklearn order).

    ``test_size`` is a fraction in (0, 1) or a count of rows.
    """
    if not arrays:
        raise ValueError("train_test_split: give at least one array")
    arrs = [np.asarray(a.data if isinstance(a, Tensor) else a) for a in arrays]
    n = arrs[0].shape[0]
    for a in arrs:
        if a.shape[0] != n:
            raise ValueError(f"train_test_split: arrays have different lengths ({n} and "
                             f"{a.shape[0]})")
    if isinstance(test_size, float):
        if not 0.0 < test_size < 1.0:
            raise ValueError(f"train_test_split: a fractional test_size must be in (0, 1), "
                             f"got {test_size}")
        n_test = math.ceil(test_size * n)
    else:
        n_test = int(test_size)
    if not 0 < n_test < n:
        raise ValueError(f"train_test_split: test_size={test_size!r} leaves {n - n_test} "
                         f"training and {n_test} test rows out of {n}; both must be > 0")
    order = _gen(seed).permutation(n) if shuffle else np.arange(n)
    test, train = order[:n_test], order[n_test:]
    out = []
    for a in arrs:
        out += [a[train], a[test]]
    return out


# ----------------------------------------------------------------------------- real data
def load_digits(normalize: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The 1797 8x8 handwritten digits that ship inside scikit-learn, as (X, y).

    X is float32 (1797, 64), scaled from 0..16 to 0..1 when ``normalize``; y int64 in 0..9.
    """
    try:
        from sklearn.datasets import load_digits as _sk_digits
    except ImportError:
        raise ImportError("load_digits needs scikit-learn, which is not installed; install "
                          "the demos extra: pip install 'numbagrad[demos]'") from None
    d = _sk_digits()
    X = d.data.astype(np.float32)
    if normalize:
        X /= 16.0
    return X, d.target.astype(np.int64)


_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4",
               0x0E: ">f8"}


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read one IDX file (the MNIST format), gzipped or not; clear errors when it is not."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"read_idx: no file {path!r}")
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as e:
            raise ValueError(f"read_idx: {path!r} is a corrupt or truncated gzip file ({e})"
                             ) from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(f"read_idx: {path!r} is not an IDX file (bad magic number "
                         f"{raw[:4].hex() or 'empty'}; expected 0000 then a type byte and "
                         "the number of dimensions)")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"read_idx: {path!r} is truncated inside its header")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    dt = np.dtype(_IDX_DTYPES[raw[2]])
    need = int(np.prod(shape)) * dt.itemsize
    if len(raw) - header != need:
        raise ValueError(f"read_idx: {path!r} is corrupt or truncated: its header says shape "
                         f"{shape} ({need} bytes of data) but it holds {len(raw) - header}")
    return np.frombuffer(raw, dtype=dt, count=int(np.prod(shape)), offset=header
                         ).reshape(shape).astype(dt.newbyteorder("="))


def _find(folder: str, stem: str) -> str:
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"),
                 stem.replace("-idx", ".idx") + ".gz"):
        p = os.path.join(folder, name)
        if os.path.isfile(p):
            return p
    raise FileNotFoundError(f"load_mnist: no {stem}[.gz] in {folder!r}; download the four "
                            "MNIST IDX files (train/t10k images and labels) into that folder")


def load_mnist(path: str | os.PathLike, kind: str = "train", flatten: bool = True
               ) -> tuple[np.ndarray, np.ndarray]:
    """MNIST from a local folder of IDX files: (X float32 in [0, 1], y int64).

    ``kind`` is "train" (train-images-idx3-ubyte, ...) or "test" (t10k-...); X has shape
    (N, 784) when ``flatten`` else (N, 28, 28).
    """
    folder = os.fspath(path)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"load_mnist: {folder!r} is not a folder")
    prefix = {"train": "train", "test": "t10k"}.get(kind)
    if prefix is None:
        raise ValueError(f"load_mnist: kind must be 'train' or 'test', got {kind!r}")
    images = read_idx(_find(folder, f"{prefix}-images-idx3-ubyte"))
    labels = read_idx(_find(folder, f"{prefix}-labels-idx1-ubyte"))
    if images.ndim != 3 or labels.ndim != 1:
        raise ValueError(f"load_mnist: expected images (N, rows, cols) and labels (N,), got "
                         f"{images.shape} and {labels.shape}")
    if images.shape[0] != labels.shape[0]:
        raise ValueError(f"load_mnist: {images.shape[0]} images but {labels.shape[0]} labels")
    X = images.astype(np.float32) / 255.0
    if flatten:
        X = X.reshape(X.shape[0], -1)
    return X, labels.astype(np.int64)

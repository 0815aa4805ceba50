"""State dicts in the safetensors format (read by PyTorch and the model-hub world; no pickle).

``save_safetensors(model, "m.safetensors")`` writes every parameter and buffer under its
``state_dict`` name (PyTorch's names and layouts, so ``torch_model.load_state_dict(
safetensors.torch.load_file(p))`` reads it); ``load_safetensors(p)`` gives back the
{name: Tensor} dict for ``model.load_state_dict``. String metadata goes into the file's header
(``safetensors_metadata(p)`` reads it). Writes go through ``autograd._files.write_atomic``: a
failed save leaves an existing file untouched. Needs the ``safetensors`` package
(``pip install numbagrad[onnx]``).
"""

from __future__ import annotations

import errno
import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from autograd import Tensor, Value
from autograd._files import os_error, write_atomic

from .module import Module

__all__ = ["load_safetensors", "safetensors_metadata", "save_safetensors"]

# the dtypes the safetensors format stores (numpy's names)
_DTYPES = frozenset("bool int8 int16 int32 int64 uint8 uint16 uint32 uint64 float16 float32 "
                    "float64".split())


def _package(who: str) -> Any:
    try:
        import safetensors.numpy as stn
    except ImportError:
        raise ImportError(f"{who}: the safetensors format needs the 'safetensors' package "
                          "(pip install safetensors, or pip install numbagrad[onnx])") from None
    return stn


def _arrays(obj: Any) -> dict[str, np.ndarray]:
    """{name: C-contiguous ndarray} from a Module or a flat dict of tensors/arrays."""
    if isinstance(obj, Module):
        obj = obj.state_dict()
    if not isinstance(obj, Mapping):
        raise TypeError(f"save_safetensors: expected a Module or a dict of name -> tensor, got "
                        f"{type(obj).__name__} (safetensors holds one flat dict of arrays; use "
                        "a .npz file for optimizer state or nested dicts)")
    out: dict[str, np.ndarray] = {}
    for k, v in obj.items():
        if not isinstance(k, str):
            raise TypeError(f"save_safetensors: keys must be strings, got {k!r}")
        if isinstance(v, Value):
            arr = np.asarray(v.data, dtype=np.float64)
        elif isinstance(v, Tensor):
            arr = v.data
        elif isinstance(v, np.ndarray):
            arr = v
        else:
            raise TypeError(f"save_safetensors: {k!r} is a {type(v).__name__}; safetensors "
                            "holds tensors and arrays only")
        if arr.dtype.name not in _DTYPES:
            raise TypeError(f"save_safetensors: {k!r} has dtype {arr.dtype}, which the "
                            f"safetensors format does not store (it takes {sorted(_DTYPES)})")
        out[k] = arr if arr.flags.c_contiguous else arr.copy(order="C")  # 0-d stays 0-d
    return out


def save_safetensors(obj: Any, path: str | os.PathLike, metadata: Mapping[str, str] | None
                     = None) -> None:
    """Write a Module's state_dict (or a dict {name: Tensor/ndarray}) to ``path``.

    ``metadata`` (str -> str) is stored in the header beside ``format`` and ``numbagrad``
    (the version that wrote it). The write is atomic.
    """
    from autograd import __version__

    stn = _package("save_safetensors")
    arrays = _arrays(obj)
    meta = {"format": "np", "numbagrad": __version__}
    for k, v in (metadata or {}).items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise TypeError(f"save_safetensors: metadata must map str to str, got {k!r}: {v!r}")
        meta[k] = v
    blob = stn.save(arrays, metadata=meta)
    write_atomic(path, blob, who="nn.save")


def _check_readable(path: str, who: str) -> None:
    if os.path.isdir(path):
        raise os_error(IsADirectoryError, errno.EISDIR, f"{who}: {path!r} is a directory, not "
                       "a .safetensors file", path)
    if not os.path.exists(path):
        raise os_error(FileNotFoundError, errno.ENOENT, f"{who}: no file {path!r}", path)


def _open(path: str | os.PathLike, who: str) -> Any:
    path = os.fspath(path)
    _package(who)
    from safetensors import safe_open

    _check_readable(path, who)
    try:
        return safe_open(path, framework="np")
    except OSError as e:
        raise os_error(type(e), e.errno, f"{who}: cannot read {path!r}: {e.strerror}", path
                       ) from None
    except Exception as e:  # SafetensorError: bad header, truncated file, not safetensors
        raise ValueError(f"{who}: {path!r} is not a valid safetensors file (truncated or "
                         f"corrupt: {e})") from None


def load_safetensors(path: str | os.PathLike) -> dict[str, Tensor]:
    """Read a safetensors file into {name: Tensor} (for ``model.load_state_dict``)."""
    who = "nn.load"
    with _open(path, who) as f:
        try:
            # _make keeps every dtype as stored (Tensor() would widen float16)
            return {k: Tensor._make(np.array(f.get_tensor(k))) for k in f.keys()}  # noqa: SIM118
        except Exception as e:
            raise ValueError(f"{who}: {os.fspath(path)!r} is truncated or corrupt ({e})"
                             ) from None


def safetensors_metadata(path: str | os.PathLike) -> dict[str, str]:
    """The string metadata in a safetensors file's header ({} when it has none)."""
    with _open(path, "safetensors_metadata") as f:
        return dict(f.metadata() or {})

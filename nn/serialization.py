"""nn.save / nn.load: state dicts (and optimizer state) in a plain ``.npz`` file.

The file holds one array per tensor plus a JSON entry ``__numbagrad__`` describing the
saved structure (dicts, lists, numbers, strings) and each array's name, shape and dtype.
No pickle: loading a file never runs code. Writes go through ``autograd._files.write_atomic``
(the library's one file writer): a failed save leaves any existing file untouched, and the
new file gets the permissions ``open(path, "w")`` would give it.
"""

from __future__ import annotations

import errno
import os
from typing import Any

import numpy as np

from autograd import Tensor, Value
from autograd._files import os_error, write_atomic

from .module import Module

__all__ = ["load", "save"]

FORMAT = "numbagrad-npz"
FORMAT_VERSION = 1
_META = "__numbagrad__"


def _encode(obj: Any, arrays: dict[str, np.ndarray], where: str) -> Any:
    """A JSON-able tree for obj; arrays are stored aside and referenced by key."""
    if isinstance(obj, (Tensor, np.ndarray)):
        key = f"a{len(arrays)}"
        arr = obj.data if isinstance(obj, Tensor) else obj
        if arr.dtype.kind not in "fiub":
            raise TypeError(f"save: cannot save an array of dtype {arr.dtype} at {where}")
        arrays[key] = arr if arr.flags.c_contiguous else arr.copy(order="C")
        kind = "tensor" if isinstance(obj, Tensor) else "ndarray"
        return {"$": kind, "key": key, "name": where, "shape": list(arr.shape),
                "dtype": arr.dtype.str}
    if isinstance(obj, Value):
        return {"$": "float", "v": obj.data}
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return {"$": "float", "v": float(obj)} if not np.isfinite(obj) else float(obj)
    if isinstance(obj, dict):
        items = []
        for k, v in obj.items():
            if not isinstance(k, (str, int)) or isinstance(k, bool):
                raise TypeError(f"save: dict keys must be str or int, got {k!r} at {where}")
            items.append([k, _encode(v, arrays, f"{where}.{k}" if where else str(k))])
        return {"$": "dict", "items": items}
    if isinstance(obj, (list, tuple)):
        return {"$": "tuple" if isinstance(obj, tuple) else "list",
                "items": [_encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(obj)]}
    raise TypeError(f"save: cannot save a {type(obj).__name__} at {where or 'the top level'}; "
                    "save a Module, an Optimizer, or dicts/lists of tensors, arrays and numbers")


def _decode(node: Any, arrays: Any, path: str) -> Any:
    if not isinstance(node, dict):
        return node
    kind = node.get("$")
    if kind in ("tensor", "ndarray"):
        key = node["key"]
        try:
            arr = arrays[key]
        except KeyError:
            raise ValueError(f"load: {path!r} is corrupt: array {node['name']!r} is missing"
                             ) from None
        if list(arr.shape) != node["shape"] or arr.dtype.str != node["dtype"]:
            raise ValueError(f"load: {path!r} is corrupt: {node['name']!r} has shape "
                             f"{arr.shape} {arr.dtype}, the metadata says {node['shape']} "
                             f"{node['dtype']}")
        return Tensor(arr) if kind == "tensor" else arr
    if kind == "float":
        return float(node["v"])
    if kind == "dict":
        return {k: _decode(v, arrays, path) for k, v in node["items"]}
    if kind in ("list", "tuple"):
        items = [_decode(v, arrays, path) for v in node["items"]]
        return tuple(items) if kind == "tuple" else items
    raise ValueError(f"load: {path!r} is corrupt: unknown entry {kind!r}")


def save(obj: Any, path: str | os.PathLike) -> None:
    """Save a Module's state_dict, an Optimizer's state_dict, or a (nested) dict of them.

    ``nn.save(model, "m.npz")`` is ``nn.save(model.state_dict(), "m.npz")``; restore with
    ``model.load_state_dict(nn.load("m.npz"))``. The write is atomic. A path ending in
    ``.safetensors`` writes that format instead (flat {name: array} only: a model's or a
    state_dict's tensors, readable by PyTorch's ``safetensors.torch.load_file``).
    """
    from autograd import __version__

    if os.fspath(path).endswith(".safetensors"):
        from .safetensors import save_safetensors

        return save_safetensors(obj, path)

    what = "object"
    if isinstance(obj, Module):
        obj, what = obj.state_dict(), "state_dict"
    elif hasattr(obj, "state_dict") and hasattr(obj, "param_groups"):
        obj, what = obj.state_dict(), "optimizer"
    arrays: dict[str, np.ndarray] = {}
    tree = _encode(obj, arrays, "")
    meta = {"format": FORMAT, "format_version": FORMAT_VERSION, "numbagrad": __version__,
            "kind": what, "tree": tree}
    import json  # here, not at `import nn` (as zipfile below)

    blob = np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)

    def write(f: Any) -> None:
        np.savez(f, **{_META: blob}, **arrays)

    write_atomic(path, write, who="nn.save")


def load(path: str | os.PathLike, map_location: Any = None, *,
         weights_only: bool | None = None) -> Any:
    """Read what ``save`` wrote: a state_dict {name: Tensor}, an optimizer state, or a dict.

    A missing file, a truncated file, or a file not written by ``nn.save`` is a clear error.
    A ``.safetensors`` path is read as that format (a flat state_dict). torch.load's
    ``map_location`` (None or "cpu": everything lives on the CPU) and ``weights_only`` (the
    format holds arrays and plain values only, never pickled code, so either value is
    safe) are accepted.
    """
    loc = getattr(map_location, "type", map_location)
    if loc not in (None, "cpu"):
        raise ValueError(f"nn.load: map_location={map_location!r}: numbagrad runs on the CPU "
                         "only; pass None or 'cpu'")
    if weights_only not in (None, True, False):
        raise TypeError(f"nn.load: weights_only must be a bool, got {weights_only!r}")
    import json
    import zipfile  # here: np.load needs it anyway, and `import nn` should not pay for it

    path = os.fspath(path)
    if path.endswith(".safetensors"):
        from .safetensors import load_safetensors

        return load_safetensors(path)
    if os.path.isdir(path):
        raise os_error(IsADirectoryError, errno.EISDIR, f"nn.load: {path!r} is a directory, "
                       "not a file written by nn.save", path)
    if not os.path.exists(path):
        raise os_error(FileNotFoundError, errno.ENOENT, f"nn.load: no file {path!r}", path)
    bad = f"nn.load: {path!r} is not a numbagrad file"
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError as e:
        raise os_error(type(e), e.errno, f"nn.load: cannot read {path!r}: {e.strerror}", path
                       ) from None
    if head != b"PK\x03\x04":  # every .npz is a zip archive
        raise ValueError(f"{bad} (it is not an .npz archive"
                         + (": it is empty)" if not head else ")"))
    try:
        with np.load(path, allow_pickle=False) as z:
            if _META not in z.files:
                raise ValueError(f"nn.load: {path!r} is an .npz archive but was not written by "
                                 "nn.save (no numbagrad metadata)")
            meta = json.loads(bytes(z[_META]).decode("utf-8"))
            if not isinstance(meta, dict) or meta.get("format") != FORMAT:
                raise ValueError(f"{bad}: its metadata is not numbagrad's")
            if meta.get("format_version", 0) > FORMAT_VERSION:
                raise ValueError(f"nn.load: {path!r} was written by a newer numbagrad "
                                 f"({meta.get('numbagrad')}); upgrade to read it")
            arrays = {k: z[k] for k in z.files if k != _META}
            return _decode(meta["tree"], arrays, path)
    except (zipfile.BadZipFile, EOFError, OSError, UnicodeDecodeError,
            json.JSONDecodeError, KeyError) as e:
        raise ValueError(f"nn.load: {path!r} is truncated, corrupt or not a numbagrad file "
                         f"({type(e).__name__})") from None
    except ValueError as e:
        if str(e).startswith(("nn.load:", "load:")):
            raise
        # numpy's own wording may advise allow_pickle/pickle.load: unsafe, and not ours
        raise ValueError(f"nn.load: {path!r} is truncated, corrupt or not a numbagrad file "
                         "(an entry could not be read as a plain array)") from None

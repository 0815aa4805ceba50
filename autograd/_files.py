"""The one way the library writes a file: ``write_atomic(path, data_or_writer)``.

Everything numbagrad saves (graphs, ``nn.save``) goes through here, so every file behaves
alike: the data goes to a hidden temporary file in the same folder, which is renamed over
the target only when complete. A failed write leaves an existing file byte-identical and no
temporary file behind. The new file gets the permissions a plain ``open(path, "w")`` would
give it (an existing file keeps its mode; a new one gets 0666 less the umask), and errors
name the path the caller gave, never the temporary file.
"""

from __future__ import annotations

import errno
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO

__all__ = ["os_error", "write_atomic"]

_umask_lock = threading.Lock()


def _umask() -> int:
    """The process umask (reading it means setting it, so briefly and under a lock)."""
    with _umask_lock:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def _target_mode(path: Path) -> int:
    """The mode open(path, "w") would leave: the existing file's, else 0666 less the umask."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        return 0o666 & ~_umask()


def _error(e: OSError, path: Path, who: str) -> OSError:
    """e re-told about the user's path (the temp file's name means nothing to them)."""
    shown = os.fspath(path)
    folder = os.fspath(path.parent) if str(path.parent) else "."
    code = e.errno
    if code == errno.ENOENT:
        msg = f"{who}: cannot write {shown!r}: the folder {folder!r} does not exist"
    elif code in (errno.EACCES, errno.EPERM, errno.EROFS):
        msg = (f"{who}: cannot write {shown!r}: permission denied (the folder {folder!r} "
               "or the file is read-only)")
    elif code == errno.EISDIR:
        msg = f"{who}: cannot write {shown!r}: it is a directory; give a file name"
    elif code == errno.ENOTDIR:
        msg = f"{who}: cannot write {shown!r}: part of the folder path is a file, not a folder"
    elif code == errno.ENOSPC:
        msg = f"{who}: cannot write {shown!r}: no space left on the device"
    else:
        msg = f"{who}: cannot write {shown!r}: {e.strerror or e}"
    return os_error(type(e), code, msg, shown)


def os_error(cls: type[OSError], code: int | None, msg: str, filename: str) -> OSError:
    """An OSError subclass whose str() is msg alone (no "[Errno N]" prefix, no repeated
    path) but which still carries errno and filename for code that inspects them."""
    err = cls(msg)
    err.errno = code  # type: ignore[misc]
    err.strerror = msg
    err.filename = filename
    return err


def write_atomic(path: str | os.PathLike[str], data: bytes | Callable[[IO[bytes]], None],
                 who: str = "save") -> Path:
    """Write ``data`` (bytes, or a function writing to a binary file object) to ``path``.

    The file appears whole or not at all. ``who`` starts error messages (``"nn.save"``).
    Returns the path as a ``Path``.
    """
    path = Path(path)
    if path.is_dir():
        raise os_error(IsADirectoryError, errno.EISDIR, f"{who}: cannot write "
                       f"{os.fspath(path)!r}: it is a directory; give a file name",
                       os.fspath(path))
    folder = path.parent if str(path.parent) else Path(".")
    mode = _target_mode(path)
    try:
        import tempfile  # here, not at import: it costs ~2 ms and few programs save

        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise _error(e, path, who) from None
    try:
        try:
            os.fchmod(fd, mode)  # mkstemp makes it private (0600); open() would not
        except (OSError, AttributeError):
            os.chmod(tmp, mode)
        with os.fdopen(fd, "wb") as f:
            if callable(data):
                data(f)
            else:
                f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError) and (e.filename in (tmp, None) or e.filename2 is not None):
            raise _error(e, path, who) from None
        raise
    return path

"""Output paths, checked before any work: one clear line for each way a path cannot be written.

A command that writes calls :func:`check_output` for every file or folder it will write, with the
files it reads as ``inputs``, before it computes anything. The rules:

- never over an input of the same command (``plot hr c.parquet -o c.parquet``), nor two outputs
  onto one path;
- never over anything that is not a regular file: a directory, a device (``/dev/full``), a fifo,
  a socket, or a symbolic link to one of those (for a folder output: never over a non-folder);
- the name is legal: not empty, no NUL byte, each part at most ``NAME_MAX`` bytes and the whole
  at most ``PATH_MAX`` bytes (POSIX ``pathconf``; 255 and 4096 on Linux);
- the folder exists, or its nearest existing ancestor is a folder (not a file) where we may make
  it, and it is writable (``access(2)``, which also reports a read-only file system).

Each refusal is a :class:`~starmaker.errors.OutputError` (a StarmakerError) naming the path and the reason.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from ..errors import OutputError, shorten

__all__ = ["check_output", "check_outputs", "os_error", "NAME_MAX", "PATH_MAX"]

#: longest file name (one path part) and longest path, in bytes (Linux: 255 and 4096)
NAME_MAX = 255
PATH_MAX = 4096

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a fifo (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
)


def _show(path: object) -> str:
    return shorten(os.fsdecode(path) if isinstance(path, bytes | os.PathLike) else str(path), 120)


def os_error(exc: OSError, path: object = None, doing: str = "write") -> OutputError:
    """The project error for an ``OSError`` at a read/write boundary: the path and the reason,
    on one line (disk full, read-only file system, permission denied...)."""
    where = path if path is not None else (exc.filename or "")
    reason = exc.strerror or str(exc) or type(exc).__name__
    hint = {
        28: " Free some space or choose another folder.",  # ENOSPC
        30: " The file system is read-only; choose another folder.",  # EROFS
        13: " Choose a folder you may write to.",  # EACCES
        1: " Choose a folder you may write to.",  # EPERM
        36: f" Use a shorter name (at most {NAME_MAX} bytes a part).",  # ENAMETOOLONG
    }.get(exc.errno or 0, "")
    return OutputError(f"cannot {doing} {_show(where)}: {reason}.{hint}")


def _kind(mode: int) -> str | None:
    for test, name in _KINDS:
        if test(mode):
            return name
    return None


def _same(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
        return os.path.realpath(a) == os.path.realpath(b)
    except (OSError, ValueError):  # a NUL byte in an input's name: not a file we could write
        return False


def check_output(
    path: str | os.PathLike,
    *,
    inputs: Iterable[str | os.PathLike | None] = (),
    folder: bool = False,
    what: str = "output",
) -> Path:
    """Check that ``path`` may be written (see the module's rules); return it as a Path.

    ``folder=True`` for an output that is a folder of files. ``inputs`` are the files the same
    command reads (None entries are skipped). Nothing is created.
    """
    if not isinstance(path, str | os.PathLike):
        raise OutputError(f"{what} path {_show(path)} is not allowed: a file name (str or Path).")
    raw = os.fspath(path)
    text = os.fsdecode(raw)
    if not text.strip():
        raise OutputError(f"the {what} path is empty: give a file name.")
    if "\0" in text:
        raise OutputError(f"{what} path {_show(text)!r} is not allowed: it contains a NUL byte.")
    try:
        encoded = os.fsencode(text)
    except UnicodeError as exc:
        raise OutputError(f"{what} path {_show(text)!r} is not allowed: it cannot be encoded "
                             "for this file system.") from exc
    if len(encoded) > PATH_MAX:
        raise OutputError(f"{what} path {_show(text)} is too long: {len(encoded)} bytes, at most "
                             f"{PATH_MAX}.")
    for part in encoded.split(b"/"):
        if len(part) > NAME_MAX:
            raise OutputError(f"{what} path {_show(text)} is not allowed: the name "
                                 f"{_show(os.fsdecode(part))} is {len(part)} bytes, at most {NAME_MAX}.")
    p = Path(text).expanduser()
    for src in inputs:
        if src is not None and _same(p, Path(os.fsdecode(os.fspath(src))).expanduser()):
            raise OutputError(f"{what} {_show(p)} is also an input of this command: writing it would "
                                 "destroy the input. Choose another output name.")
    # what is there now (a symbolic link is judged by what it points to)
    try:
        st = p.stat()
    except FileNotFoundError:
        st = None
        if p.is_symlink():
            raise OutputError(f"{what} {_show(p)} is a broken symbolic link; remove it or choose "
                                 "another name.") from None
    except NotADirectoryError:
        st = None  # a part of the path is a file: reported below
    except OSError as exc:
        raise os_error(exc, p) from exc
    if st is not None:
        kind = _kind(st.st_mode)
        if folder:
            if not stat.S_ISDIR(st.st_mode):
                raise OutputError(f"{what} folder {_show(p)} exists and is not a folder "
                                     f"({kind or 'a file'}); choose another name.")
            if not os.access(p, os.W_OK | os.X_OK):
                raise OutputError(f"cannot write into {_show(p)}: the folder is not writable "
                                     "(permission or a read-only file system).")
            return p
        if kind is not None or not stat.S_ISREG(st.st_mode):
            raise OutputError(f"{what} {_show(p)} is {kind or 'not a regular file'}: starmaker writes "
                                 "only over regular files. Choose a file name.")
    # the folder: the nearest existing ancestor must be a folder we may write into
    parent = p.parent if not folder else p
    ancestor = parent
    while not ancestor.exists() and not ancestor.is_symlink():
        if ancestor.parent == ancestor:
            break
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise OutputError(f"cannot write {_show(p)}: {_show(ancestor)} is a file, not a folder.")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {_show(p)}: the folder {_show(ancestor)} is not writable "
                             "(permission or a read-only file system).")
    return p


def check_outputs(
    outputs: Iterable[tuple[str | os.PathLike | None, bool]],
    inputs: Iterable[str | os.PathLike | None] = (),
) -> None:
    """:func:`check_output` for each ``(path, is_folder)`` (None paths skipped), and no two outputs
    onto the same path."""
    inputs = [i for i in inputs if i is not None]
    seen: list[Path] = []
    for path, is_folder in outputs:
        if path is None:
            continue
        p = check_output(path, inputs=inputs, folder=is_folder)
        for q in seen:
            if _same(p, q):
                raise OutputError(f"two outputs of this command are the same path, {_show(p)}: give "
                                     "each its own name.")
        seen.append(p)

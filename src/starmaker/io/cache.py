"""The user's cache of built arrays (the MIST and PARSEC grids, MIST's BC tables, the survey's
mass tables): one folder, one file format, read back memory-mapped or decompressed.

The folder is ``$STARMAKER_CACHE``, else ``$XDG_CACHE_HOME/starmaker`` or ``~/.cache/starmaker``;
``STARMAKER_CACHE=off`` (or ``0``, ``no``, ``false``) turns the cache off.

A cache file holds named arrays, each at an offset aligned to 64 bytes, behind a small header: a
magic string, the header's length, a CRC-32 of everything after the fixed prefix, and a JSON
header with the file's key, the codec and each array's name, dtype, shape, offset, memory order
(an array is read back C- or Fortran-ordered as it was written) and stored size. Arrays are
stored raw and read back by mapping the file copy-on-write (writable, aligned and laid out as
built; only what is read is loaded): the grids and BC tables, one entry per install. Entries of
which there are many (the survey's mass tables: per population, band and epoch) are stored
compressed with Zstandard (``codec="zstd"``, through pyarrow: a tenth of the size, read back about
as fast, into memory). A file is written atomically (:class:`~starmaker.io.atomic.atomic_path`:
a temporary file renamed into place when complete), so a file under its final name was written
whole by one process, and an interrupted one leaves no file to read. Before its arrays are used
a file is checked: one of another key (copied or renamed into place), truncated, padded or
altered is not trusted (:func:`load_arrays` gives None) and the caller rebuilds and overwrites
it. The key of an entry hashes everything the arrays are built from (:func:`source_key`): the
code that builds them, the data files' identity and the library versions, so a changed source
is never read.

A new code version or model gives new keys, so old entries would pile up: the folder is kept
under a size (:func:`cache_limit`: 2 GiB, or ``$STARMAKER_CACHE_MAX`` such as ``500MB``) by
removing the least recently used entries after each write (:func:`prune`; an entry read back is
marked used by its modification time). A process that has an entry mapped keeps reading it after
it is removed (POSIX unlinks a mapped file only when it is closed). ``starmaker cache`` shows the
folder and ``starmaker cache --clear`` empties it.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import struct
import zlib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import numpy as np

__all__ = ["cache_dir", "source_key", "file_identity", "cached", "save_arrays", "load_arrays",
           "cache_limit", "entries", "prune", "mark_used", "clear", "ENTRY_SUFFIXES"]

#: the first bytes of a cache file: the format and its version
MAGIC = b"SMARRAY1"
#: the codecs a file's arrays may be stored with (None: raw)
CODECS = (None, "zstd")
#: MAGIC, the header's length (u64) and the CRC-32 (u32) of all that follows the prefix
_PREFIX = struct.Struct("<8sQI4x")
_ALIGN = 64
#: the files the cache holds (arrays here, the sky glow's maps as .npy); nothing else is removed
ENTRY_SUFFIXES = (".arrays", ".npy")
#: the cache folder's default size limit (bytes)
DEFAULT_LIMIT = 2 * 1024**3
_SIZE_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
               "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def cache_dir() -> Path | None:
    """The cache folder (it may not exist yet), or None where the cache is turned off."""
    env = os.environ.get("STARMAKER_CACHE")
    if env and env.lower() in ("off", "0", "no", "false"):
        return None
    return Path(env) if env else Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "starmaker"


def cache_limit() -> int:
    """The cache folder's size limit in bytes: ``$STARMAKER_CACHE_MAX`` (a number of bytes, or
    with a unit: ``500MB``, ``4GB``, ``2GiB``), else 2 GiB."""
    import re

    from ..errors import InvalidParameterError

    text = os.environ.get("STARMAKER_CACHE_MAX", "").strip()
    if not text:
        return DEFAULT_LIMIT
    m = re.fullmatch(r"(\d+(?:\.\d*)?|\.\d+)\s*([a-zA-Z]*)", text)
    if m is None or m.group(2).lower() not in _SIZE_UNITS:
        raise InvalidParameterError("STARMAKER_CACHE_MAX", text, "a size in bytes, or with a unit: "
                                    + ", ".join(u for u in _SIZE_UNITS if u) + " (e.g. 500MB, 4GB)")
    return int(float(m.group(1)) * _SIZE_UNITS[m.group(2).lower()])


def entries(folder: str | os.PathLike | None = None) -> list[tuple[Path, int, int]]:
    """The cache's entries (path, size in bytes, last used in ns), least recently used first;
    an empty list where the cache is off or its folder does not exist."""
    folder = cache_dir() if folder is None else Path(folder)
    out = []
    if folder is None:
        return out
    try:
        names = list(os.scandir(folder))
    except OSError:
        return out
    for e in names:
        if e.name.startswith(".") or not e.name.endswith(ENTRY_SUFFIXES):
            continue  # another program's file, or a temporary file being written
        try:
            st = e.stat(follow_symlinks=False)
        except OSError:
            continue  # removed meanwhile
        if e.is_file(follow_symlinks=False):
            out.append((Path(e.path), st.st_size, st.st_mtime_ns))
    return sorted(out, key=lambda t: (t[2], t[0].name))


def mark_used(path: str | os.PathLike) -> None:
    """Mark a cache entry as just used (its modification time), so :func:`prune` keeps it; a
    read-only cache is left as it is."""
    try:
        os.utime(path)
    except OSError:
        pass


def prune(limit: int | None = None, folder: str | os.PathLike | None = None,
          keep: Iterable[str | os.PathLike] = ()) -> list[Path]:
    """Remove the least recently used entries until the cache holds at most ``limit`` bytes
    (default :func:`cache_limit`), never one named in ``keep``; the paths removed. Entries
    another process removes meanwhile are skipped."""
    limit = cache_limit() if limit is None else int(limit)
    found = entries(folder)
    total = sum(size for _, size, _ in found)
    kept = {os.path.realpath(k) for k in keep}
    removed = []
    for path, size, _ in found:
        if total <= limit:
            break
        if os.path.realpath(path) in kept:
            continue
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        except OSError:
            continue
        total -= size
        removed.append(path)
    return removed


def clear(folder: str | os.PathLike | None = None) -> list[Path]:
    """Remove every cache entry (files with :data:`ENTRY_SUFFIXES` only); the paths removed."""
    return prune(0, folder)


def file_identity(path: str | os.PathLike) -> tuple[str, int, int]:
    """What tells a data file's versions apart without reading it: its real path, size and
    modification time (ns). Any rewrite or reinstall of the file changes it."""
    real = os.path.realpath(path)
    st = os.stat(real)
    return real, st.st_size, st.st_mtime_ns


def source_key(what: object, files: Iterable[str | os.PathLike] = ()) -> str:
    """A key (24 hex digits of a SHA-256) of ``repr(what)`` and the bytes of ``files`` (the
    source files of the code that builds an entry), with NumPy's version and this format's."""
    h = hashlib.sha256()
    h.update(repr((MAGIC, np.__version__, what)).encode())
    for f in files:
        h.update(Path(f).read_bytes())
    return h.hexdigest()[:24]


def cached(stem: str, key: str, build: Callable[[], Mapping[str, np.ndarray]],
           codec: str | None = None) -> dict[str, np.ndarray]:
    """The arrays ``build()`` makes, from the cache file ``STEM-KEY.arrays`` where it holds them,
    else built and written there (stored with ``codec``, see :func:`save_arrays`) for the next
    process; kept in memory only where the cache is off or its folder cannot be written. ``key``
    must hash all they are built from (:func:`source_key`)."""
    folder = cache_dir()
    path = folder / f"{stem}-{key}.arrays" if folder is not None else None
    if path is not None:
        arrays = load_arrays(path, key)
        if arrays is not None:
            mark_used(path)
            return arrays
    built = dict(build())
    if path is not None:
        try:
            save_arrays(path, key, built, codec=codec)
        except OSError:
            pass  # a read-only home: kept in memory only
        else:
            prune(keep=[path])
    return built


def _aligned(n: int) -> int:
    return -(-n // _ALIGN) * _ALIGN


def save_arrays(path: str | os.PathLike, key: str, arrays: Mapping[str, np.ndarray],
                codec: str | None = None) -> None:
    """Write ``arrays`` (plain dtypes, no objects) under ``key`` to ``path``, atomically, raw
    (``codec=None``: read back memory-mapped) or compressed (``"zstd"``; raw where pyarrow lacks
    the codec). Raises OSError (an :class:`~starmaker.errors.OutputError`) where it cannot be
    written."""
    from .atomic import atomic_path

    if codec not in CODECS:
        raise ValueError(f"cache codec {codec!r}: one of {CODECS}")
    packer = _codec(codec) if codec else None
    compress = packer.compress if packer is not None else None
    layout, body, offset = [], [], 0
    for name, a in arrays.items():
        a = np.asarray(a)
        if a.dtype.hasobject:
            raise TypeError(f"cache array {name!r} holds Python objects")
        order = "F" if a.flags.f_contiguous and not a.flags.c_contiguous else "C"
        raw = np.ascontiguousarray(a.T if order == "F" else a).reshape(-1).view(np.uint8)
        if compress is not None:
            raw = compress(raw, asbytes=True)
        start = _aligned(offset)
        layout.append([name, a.dtype.str, list(a.shape), start, order, len(raw)])
        body += [bytes(start - offset), raw]
        offset = start + len(raw)
    header = json.dumps({"key": key, "codec": codec if compress else None, "size": offset,
                         "arrays": layout}).encode()
    body = [header, bytes(_aligned(_PREFIX.size + len(header)) - _PREFIX.size - len(header)), *body]
    crc = 0
    for chunk in body:
        crc = zlib.crc32(chunk, crc)
    with atomic_path(path, suffix=Path(path).suffix) as tmp, open(tmp, "wb") as fh:
        _write(fh, _PREFIX.pack(MAGIC, len(header), crc), *body)


def _codec(name: str):
    """pyarrow's codec ``name`` (level 1), or None where this pyarrow lacks it."""
    import pyarrow as pa

    return pa.Codec(name, compression_level=1) if pa.Codec.is_available(name) else None


def _write(fh, *chunks) -> None:
    """Write the file's pieces in order (apart, so tests can interrupt a write)."""
    for chunk in chunks:
        fh.write(chunk)


def load_arrays(path: str | os.PathLike, key: str) -> dict[str, np.ndarray] | None:
    """The arrays in the cache file ``path`` (raw ones mapped copy-on-write, compressed ones
    decompressed; all writable and laid out as written), or None where there is no such file or
    it cannot be trusted: not of this format, of another key, of another length than its header
    says, failing its CRC-32, or of a codec this pyarrow lacks."""
    try:
        with open(path, "rb") as fh:
            mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_COPY)
    except (OSError, ValueError):  # missing, unreadable, a folder, empty (ValueError)
        return None
    try:
        magic, n_header, crc = _PREFIX.unpack_from(mm, 0)
        if magic != MAGIC or _PREFIX.size + n_header > len(mm):
            return None
        header = json.loads(mm[_PREFIX.size:_PREFIX.size + n_header])
        if not isinstance(header, dict) or header.get("key") != key or header.get("codec") not in CODECS:
            return None
        start = _aligned(_PREFIX.size + n_header)
        if start + int(header["size"]) != len(mm):
            return None
        with memoryview(mm) as view, view[_PREFIX.size:] as body:
            if zlib.crc32(body) != crc:
                return None
        codec = _codec(header["codec"]) if header["codec"] else None
        if header["codec"] and codec is None:
            return None
        out = {}
        for name, dtype, shape, offset, order, stored in header["arrays"]:
            dt = np.dtype(dtype)
            if dt.hasobject or order not in ("C", "F"):
                return None
            count = int(np.prod(shape, dtype=np.int64))
            if codec is None:
                a = np.frombuffer(mm, dt, count, start + int(offset))
            else:
                with memoryview(mm) as view, view[start + offset:start + offset + stored] as part:
                    raw = codec.decompress(part, decompressed_size=count * dt.itemsize)
                a = np.frombuffer(raw, dt, count)  # a pyarrow buffer: writable, 64-byte aligned
            out[str(name)] = a.reshape(shape[::-1]).T if order == "F" else a.reshape(shape)
        return out
    except (ValueError, TypeError, KeyError, struct.error, UnicodeDecodeError, OSError):
        return None

"""Atomic writes: a temporary file beside the output, renamed onto it only when complete.

The rules (issue 16):

- the target is checked first (:func:`starmaker.io.paths.check_output`): never a directory,
  device, fifo, socket or a link to one; the folder exists or can be made and is writable;
- the temporary file is clearly marked and hidden: ``.NAME.starmaker-tmp.PID.RANDOM.part.SUFFIX``
  (NAME cut to 100 characters plus a hash of the whole name, so the temp name stays legal);
  nothing reads such files as output;
- on an exception, Ctrl-C (SIGINT) or SIGTERM the temporary file is removed (SIGTERM gets a
  handler that raises :class:`Terminated`, so the ``with`` block unwinds as for Ctrl-C; the
  process then exits with status 143);
- a SIGKILL cannot be caught: the temporary file stays. The next write of the same output removes
  the stale temporary files of that output name whose writing process (the PID in the name) is
  no longer running; those of a live process (a concurrent run) are left alone;
- an ``OSError`` while writing or renaming (disk full, read-only file system, permission denied)
  becomes one :class:`~starmaker.errors.OutputError` (a StarmakerError) naming the path and the reason.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import signal
import stat
import tempfile
import threading
from pathlib import Path

from ..errors import OutputError
from .paths import check_output, os_error

__all__ = ["atomic_path", "Terminated", "TEMP_MARK", "temp_prefix", "remove_stale_temps"]

#: the mark in every temporary file's name
TEMP_MARK = ".starmaker-tmp."

#: temporary files alive in this process (removed by the SIGTERM handler's unwinding, and at exit)
_LIVE: set[Path] = set()
_LOCK = threading.Lock()
_DEPTH = [0]
_OLD_HANDLER: list = [None]


class Terminated(SystemExit):
    """Raised in the main thread on SIGTERM while an atomic write is open (exit status 143)."""

    def __init__(self) -> None:
        super().__init__(128 + signal.SIGTERM)


@atexit.register
def _remove_live_temps() -> None:
    """At interpreter exit, remove temporary files still open (a thread's unfinished write)."""
    for tmp in list(_LIVE):
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass


#: in the main thread, between creating a temporary file and recording it: a SIGTERM there is
#: held (``_PENDING``) and raised once the file is recorded, so that it is removed
_CRITICAL = [0]
_PENDING = [False]


def _on_sigterm(signum, frame) -> None:  # pragma: no cover - exercised in a subprocess test
    if _CRITICAL[0]:
        _PENDING[0] = True
        return
    raise Terminated()


def temp_prefix(path: Path) -> str:
    """The name prefix of ``path``'s temporary files: ``.NAME.HASH.starmaker-tmp.``."""
    name = path.name
    digest = hashlib.sha1(os.fsencode(name)).hexdigest()[:8]
    return f".{name[:100]}.{digest}{TEMP_MARK}"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def remove_stale_temps(path: str | os.PathLike) -> list[Path]:
    """Remove the temporary files of ``path`` left by processes that are no longer running
    (a SIGKILL, a power cut); return what was removed."""
    path = Path(path)
    prefix = temp_prefix(path)
    removed = []
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(prefix):
            continue
        try:
            pid = int(entry.name[len(prefix):].split(".", 1)[0])
        except ValueError:
            continue
        if _alive(pid):
            continue
        try:
            if entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            pass
    return removed


class atomic_path:
    """Context manager giving a temporary path beside ``path``; renamed onto it on success.

    An interrupted run leaves no file at ``path`` (only nothing, or the old complete file), and
    no temporary file (except after SIGKILL: see the module's notes).
    """

    def __init__(self, path: str | os.PathLike, suffix: str = "") -> None:
        self.path = check_output(path)
        if self.path.is_symlink():  # a link to a regular file: write the file it points to
            self.path = Path(os.path.realpath(self.path))
        self.suffix = suffix or self.path.suffix

    def __enter__(self) -> Path:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise os_error(exc, self.path.parent, "make the folder") from exc
        remove_stale_temps(self.path)
        self.tmp = None
        with _LOCK:  # the SIGTERM handler first: no moment with a temp file and no handler
            if _DEPTH[0] == 0 and threading.current_thread() is threading.main_thread():
                if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
                    _OLD_HANDLER[0] = signal.signal(signal.SIGTERM, _on_sigterm)
            _DEPTH[0] += 1
        main = threading.current_thread() is threading.main_thread()
        try:
            # a SIGTERM between mkstemp and recording its file would leave the file behind
            _CRITICAL[0] += main
            try:
                fd, tmp = tempfile.mkstemp(
                    prefix=f"{temp_prefix(self.path)}{os.getpid()}.", suffix=".part" + self.suffix,
                    dir=self.path.parent,
                )
                self.tmp = Path(tmp)
                _LIVE.add(self.tmp)
            finally:
                _CRITICAL[0] -= main
            os.close(fd)
            if main and _PENDING[0]:
                _PENDING[0] = False
                raise Terminated()
        except BaseException as exc:
            if self.tmp is not None:
                self.tmp.unlink(missing_ok=True)
            self._release()
            if isinstance(exc, OSError):
                raise os_error(exc, self.path) from exc
            raise
        return self.tmp

    def _release(self) -> None:
        with _LOCK:
            _LIVE.discard(self.tmp)
            _DEPTH[0] -= 1
            if _DEPTH[0] == 0 and _OLD_HANDLER[0] is not None:
                if threading.current_thread() is threading.main_thread():
                    signal.signal(signal.SIGTERM, _OLD_HANDLER[0])
                    _OLD_HANDLER[0] = None

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                try:
                    # never rename over something that became a non-regular file meanwhile
                    try:
                        st = os.stat(self.path)
                    except FileNotFoundError:
                        st = None
                    if st is not None and not stat.S_ISREG(st.st_mode):
                        raise OutputError(f"{self.path} is no longer a regular file; not written.")
                    # mkstemp makes the file private (0600); give it the mode a plain open() would
                    umask = os.umask(0)
                    os.umask(umask)
                    os.chmod(self.tmp, 0o666 & ~umask)
                    os.replace(self.tmp, self.path)
                except OSError as err:
                    raise os_error(err, self.path) from err
        finally:
            try:
                self.tmp.unlink(missing_ok=True)
            except OSError:
                pass
            self._release()
        if isinstance(exc, OSError) and not isinstance(exc, OutputError):
            raise os_error(exc, self.path) from exc

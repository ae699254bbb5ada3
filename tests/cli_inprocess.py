"""Run the CLI in-process (``starmaker.cli.main(argv)``) and check that a failure is clean.

Much faster than a subprocess per case; the few subprocess tests in test_guard.py prove that what
reaches a real stderr matches.
"""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path


def run_cli(*args: str, cwd: str | os.PathLike | None = None) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of ``starmaker ARGS``. Exceptions other than SystemExit
    propagate: in the CLI they would be tracebacks."""
    from starmaker.cli import main

    out, err = io.StringIO(), io.StringIO()
    here = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main([str(a) for a in args])
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        os.chdir(here)
    return code, out.getvalue(), err.getvalue()


def listing(folder: str | os.PathLike) -> dict[str, tuple[int, int]]:
    """Every entry under ``folder`` (hidden ones too), with size and mtime, to see what appeared."""
    found = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            p = Path(root, name)
            st = p.lstat()
            found[str(p.relative_to(folder))] = (st.st_size, st.st_mtime_ns)
    return found


def assert_clean_failure(result: tuple[int, str, str], folder=None, before=None) -> str:
    """One line on stderr, a non-zero exit, no traceback, and nothing new or changed in
    ``folder`` (compared with ``before``). Returns the error line."""
    code, out, err = result
    assert code not in (0, None), f"exit {code}; stdout {out[-300:]!r}; stderr {err[-300:]!r}"
    assert "Traceback" not in err and "Traceback" not in out, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"{len(lines)} lines on stderr: {err[:1000]!r}"
    assert lines[0].startswith("error: "), lines[0]
    assert len(lines[0]) <= 1200, f"error line of {len(lines[0])} characters"
    if folder is not None:
        assert listing(folder) == before, f"files changed: {set(listing(folder)) ^ set(before)}"
    return lines[0]

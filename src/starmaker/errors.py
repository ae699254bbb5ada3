"""The one project error type, and its few specific subclasses.

Every error raised at the boundary of starmaker (public functions, recipe files, the CLI) is a
:class:`StarmakerError`. Each says what was asked, what is allowed, and what to do; the CLI prints
the message on one line and exits non-zero.
"""

from __future__ import annotations

__all__ = [
    "StarmakerError",
    "OutOfGridError",
    "InvalidParameterError",
    "UnknownNameError",
    "OutputError",
    "shorten",
]

#: the longest echoed value: longer ones are cut, with their length said (a 60 KB value on one
#: line helps nobody)
SHOWN_CHARS = 200


def shorten(text: object, limit: int = SHOWN_CHARS) -> str:
    """``text`` as a string of at most ``limit`` characters plus a note of the full length."""
    s = text if isinstance(text, str) else str(text)
    if len(s) <= limit:
        return s
    return f"{s[:limit]}… ({len(s)} characters)"


class StarmakerError(ValueError):
    """Base class of every error starmaker raises on bad input."""


class InvalidParameterError(StarmakerError):
    """A parameter has a value that is not allowed (negative mass, unparsable age...)."""

    def __init__(self, name: str, value: object, allowed: str, hint: str = "") -> None:
        self.name, self.value, self.allowed = name, value, allowed
        msg = f"{shorten(name)}={shorten(repr(value))} is not allowed: {allowed}."
        if hint:
            msg += f" {hint}"
        super().__init__(msg)


class OutOfGridError(InvalidParameterError):
    """A value lies outside what a data grid covers (age beyond the isochrones, [Fe/H] ...).

    Carries ``lo`` and ``hi``, the covered range, and ``unit``.
    """

    def __init__(self, name: str, value: object, lo: float, hi: float, unit: str, grid: str) -> None:
        self.lo, self.hi, self.unit, self.grid = lo, hi, unit, grid
        u = f" {unit}" if unit else ""
        super().__init__(
            name,
            value,
            f"the {grid} covers {lo:g}{u} to {hi:g}{u}",
            "Choose a value inside that range.",
        )


class UnknownNameError(StarmakerError):
    """A name (IMF, band, phase, command option) that starmaker does not know."""

    def __init__(self, kind: str, name: str, known: list[str] | tuple[str, ...]) -> None:
        self.kind, self.name, self.known = kind, name, tuple(known)
        super().__init__(f"unknown {kind} {shorten(repr(name))}; known: {shorten(', '.join(self.known))}.")


class OutputError(StarmakerError, OSError):
    """A file or folder cannot be written: a path that is not allowed (an input of the same
    command, a directory, a device...), a full disk, a read-only file system, no permission.

    Also an ``OSError``, so that code which treats a failed write as non-fatal (a cache) still
    catches it."""

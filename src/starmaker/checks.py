"""Checks of table arguments at the public edge: a :class:`~starmaker.stars.Stars` with the
columns a function needs, or one clear project error (never a TypeError or KeyError)."""

from __future__ import annotations

from collections.abc import Iterable

from .errors import InvalidParameterError, StarmakerError
from .stars import Stars

__all__ = ["require_stars"]


def require_stars(stars: object, columns: Iterable[str] = (), name: str = "stars", what: str = "") -> Stars:
    """``stars`` if it is a Stars table holding ``columns``; else the project's error saying
    what is needed (``what``: for what, e.g. "integrated light")."""
    columns = tuple(columns)
    need = f" with {', '.join(columns)}" if columns else ""
    if not isinstance(stars, Stars):
        raise InvalidParameterError(name, type(stars).__name__, f"a starmaker Stars table{need}")
    missing = [c for c in columns if c not in stars]
    if missing:
        purpose = f" for {what}" if what else ""
        raise StarmakerError(f"{name} has no column {', '.join(map(repr, missing))}: a table{need} is "
                             f"needed{purpose}.")
    return stars

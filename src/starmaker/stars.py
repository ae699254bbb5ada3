"""A population of stars: a table of columns (NumPy arrays), one row per star.

A star is a row, never an object. Text columns of the schema (``phase``, ``component``) are kept
as small integer codes inside and decoded when read by name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from .errors import StarmakerError, UnknownNameError
from .schema import CATEGORIES, COLUMNS

__all__ = ["Stars"]

_ORDER = {c.name: i for i, c in enumerate(COLUMNS)}


class Stars:
    """A table of stars. ``stars["log_L"]`` is a NumPy array; ``len(stars)`` is the count.

    ``meta`` holds provenance (the recipe, the seed, grid versions); it is written into the
    Parquet file's metadata.
    """

    def __init__(self, columns: Mapping[str, np.ndarray], meta: Mapping[str, Any] | None = None):
        if not isinstance(columns, Mapping) or not isinstance(meta, Mapping | None):
            raise StarmakerError("Stars(columns, meta) takes a mapping of column name to array, and a "
                                 "mapping of metadata (or None).")
        cols = {k: np.asarray(v) for k, v in columns.items()}
        if any(v.ndim == 0 for v in cols.values()):
            raise StarmakerError(f"every column must be an array, one value a star: "
                                 f"{ {k: v.shape for k, v in cols.items()} }")
        sizes = {len(v) for v in cols.values()}
        if len(sizes) > 1:
            raise StarmakerError(f"columns differ in length: { {k: len(v) for k, v in cols.items()} }")
        # schema columns first, in schema order; extra columns after, in the order given
        self._cols = dict(sorted(cols.items(), key=lambda kv: _ORDER.get(kv[0], len(_ORDER))))
        self.meta: dict[str, Any] = dict(meta or {})

    # -- table protocol -------------------------------------------------------------------
    def __len__(self) -> int:
        return len(next(iter(self._cols.values()))) if self._cols else 0

    def __contains__(self, name: object) -> bool:
        return name in self._cols

    @property
    def columns(self) -> list[str]:
        """Column names, schema order first."""
        return list(self._cols)

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self._cols:
            raise UnknownNameError("column", name, self.columns)
        values = self._cols[name]
        if name in CATEGORIES:
            return np.asarray(CATEGORIES[name], dtype=object)[values]
        return values

    def codes(self, name: str) -> np.ndarray:
        """The integer codes of a text column (index into schema.PHASES / COMPONENTS)."""
        return self._cols[name]

    def with_columns(self, **columns: np.ndarray) -> Stars:
        """A new table with these columns added or replaced (the arrays are not copied)."""
        return Stars({**self._cols, **columns}, self.meta)

    def select(self, rows: np.ndarray | slice) -> Stars:
        """The stars picked by a boolean mask, an index array or a slice."""
        if not isinstance(rows, slice):
            rows = np.asarray(rows)
            if rows.dtype == bool and rows.ndim == 1 and len(self._cols):
                if len(rows) != len(self):
                    raise IndexError(f"boolean index of length {len(rows)} for {len(self)} stars")
                rows = np.flatnonzero(rows)  # the mask read once, not once per column
        return Stars({k: v[rows] for k, v in self._cols.items()}, self.meta)

    @classmethod
    def concat(cls, parts: Iterable[Stars]) -> Stars:
        """Stack tables with the same columns, keeping the first one's metadata."""
        parts = list(parts)
        if not parts:
            return cls({})
        names = parts[0].columns
        return cls({n: np.concatenate([p._cols[n] for p in parts]) for n in names}, parts[0].meta)

    def __repr__(self) -> str:
        return f"<Stars: {len(self)} stars, columns {', '.join(self.columns)}>"

    # -- edges ------------------------------------------------------------------------------
    def to_arrow(self):
        """A pyarrow Table with the schema's units and descriptions as field metadata."""
        from .io.parquet import to_arrow

        return to_arrow(self)

    def write(self, path, *, overwrite: bool = True) -> None:
        """Write atomically (temporary file, then rename) in the format the suffix names:
        ``.parquet``, ``.fits``, ``.vot``/``.xml`` (VOTable), ``.ecsv``, ``.csv``; units and
        descriptions go with the columns (see :mod:`starmaker.io.tables`)."""
        from .io.tables import write_table

        write_table(self, path, overwrite=overwrite)

    @classmethod
    def read(cls, path) -> Stars:
        """Read a file written by starmaker (or any file using the schema's names) in any of
        the formats :meth:`write` writes, chosen by suffix."""
        from .io.tables import read_table

        return cls(*read_table(path))

    def to_table(self):
        """An astropy ``QTable`` with the schema's units (``log10(...)`` as ``dex(...)``),
        descriptions and the meta (see :mod:`starmaker.io.tables`)."""
        from .io.tables import to_table

        return to_table(self)

    def to_pandas(self):
        """A pandas DataFrame; text columns categorical, units and meta in ``df.attrs``."""
        from .io.tables import to_pandas

        return to_pandas(self)

    def skycoord(self):
        """ICRS ``SkyCoord`` from ra/dec, with distance, proper motions and radial velocity
        where the table has them (obstime from a ``J…`` epoch in the meta)."""
        from .io.tables import skycoord

        return skycoord(self)

    def _repr_html_(self) -> str:
        from .io.tables import repr_html

        return repr_html(self)

    def row(self, i: int) -> dict[str, Any]:
        """One star as a plain dict keyed by column name (for printing and JSON)."""
        out: dict[str, Any] = {}
        for name in self._cols:
            v = self[name][i]
            out[name] = v.item() if hasattr(v, "item") else v
        return out

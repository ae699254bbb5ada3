"""Parquet files: atomic writes with the schema's units and the recipe in the metadata."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import StarmakerError
from ..schema import CATEGORIES, column
from .atomic import atomic_path  # noqa: F401 - re-exported: its home before issue 16

__all__ = ["to_arrow", "write_parquet", "read_parquet", "atomic_path"]

META_KEY = b"starmaker"
#: rows per Parquet row group (pyarrow's default, spelled out: streamed writes match it)
ROW_GROUP_ROWS = 1024 * 1024
#: how every starmaker Parquet file is written (streamed or whole: the same bytes). Only the
#: text columns are dictionary-encoded: trying it on float columns costs time and gains nothing.
PARQUET_OPTIONS = {"compression": "zstd", "use_dictionary": list(CATEGORIES)}


def to_arrow(stars) -> pa.Table:
    """Convert to a pyarrow Table; text columns become dictionary-encoded strings."""
    arrays, fields = [], []
    for name in stars.columns:
        values = stars.codes(name)
        if name in CATEGORIES:
            arr = pa.DictionaryArray.from_arrays(
                pa.array(values.astype(np.int8)), pa.array(list(CATEGORIES[name]))
            )
        else:
            arr = pa.array(values)
        md = {}
        try:
            c = column(name)
            md = {b"unit": c.unit.encode(), b"description": c.description.encode()}
        except StarmakerError:
            pass
        arrays.append(arr)
        fields.append(pa.field(name, arr.type, metadata=md or None))
    meta = {META_KEY: json.dumps(stars.meta, default=str).encode()}
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields, metadata=meta))


def write_parquet(stars, path: str | os.PathLike, *, overwrite: bool = True) -> None:
    """Write ``stars`` to ``path`` atomically (temporary file in the same folder, then rename)."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise StarmakerError(f"{path} exists; pass overwrite=True or choose another name.")
    table = to_arrow(stars)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, row_group_size=ROW_GROUP_ROWS, **PARQUET_OPTIONS)


def _encode(col: pa.ChunkedArray, names: tuple[str, ...], what: str) -> np.ndarray:
    """Codes of a text column, vectorised through its dictionary."""
    arr = col.combine_chunks()
    if not pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_encode()
    lookup = {v: i for i, v in enumerate(names)}
    dictionary = arr.dictionary.to_pylist()
    unknown = [d for d in dictionary if d not in lookup]
    if unknown:
        raise StarmakerError(f"column {what!r} has values {unknown} not in {list(names)}.")
    mapping = np.array([lookup[d] for d in dictionary], dtype=np.int8)
    return mapping[arr.indices.to_numpy(zero_copy_only=False)]


def read_parquet(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], dict]:
    """Read a Parquet table of stars (text columns are re-encoded to the schema's codes)."""
    path = Path(path)
    if not path.is_file():
        what = "not a regular file" if path.exists() else "no such file"
        raise StarmakerError(f"{what}: {path}")
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise StarmakerError(f"{path} is not a readable Parquet file ({exc}).") from exc
    cols: dict[str, np.ndarray] = {}
    for name in table.column_names:
        col = table.column(name)
        if name in CATEGORIES:
            cols[name] = _encode(col, CATEGORIES[name], name)
        else:
            cols[name] = col.to_numpy()
    raw = (table.schema.metadata or {}).get(META_KEY)
    try:
        meta = json.loads(raw) if raw else {}
    except ValueError as exc:
        raise StarmakerError(f"{path}: its starmaker metadata is not valid JSON ({exc}).") from exc
    return cols, meta

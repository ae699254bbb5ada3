"""Parquet files: atomic writes with the schema's units and the recipe in the metadata."""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import StarmakerError
from ..schema import CATEGORIES, column
from .atomic import atomic_path  # noqa: F401 - re-exported: its home before issue 16

__all__ = ["to_arrow", "write_parquet", "read_parquet", "count_values", "arrow_array", "atomic_path",
           "astropy_unit_string"]

META_KEY = b"starmaker"
#: the key under which astropy's Parquet reader finds the columns' units, descriptions and the
#: table's meta (the ECSV header's YAML; JSON is YAML, so it is written without astropy)
ASTROPY_META_KEY = b"table_meta_yaml"
#: rows per Parquet row group (pyarrow's default, spelled out: streamed writes match it)
ROW_GROUP_ROWS = 1024 * 1024
#: how every starmaker Parquet file is written (streamed or whole: the same bytes). Only the
#: text columns are dictionary-encoded: trying it on float columns costs time and gains nothing.
#: They are plain strings in the Arrow schema (a Parquet reader that does not know Arrow
#: dictionaries, astropy's among them, reads them), dictionary-encoded in the file's pages.
PARQUET_OPTIONS = {"compression": "zstd", "use_dictionary": list(CATEGORIES)}


def astropy_unit_string(unit: str) -> str | None:
    """The schema's unit as a string astropy parses (its generic format); None for no unit.

    ``log10(X)`` becomes astropy's ``dex(X)`` (a logarithmic unit: ``u.dex(u.Lsun)``), with
    ``^`` dropped from powers (``log10(cm s^-2)`` → ``dex(cm s-2)``); ``dex``, ``Msun``, ``mag``,
    ``mas/yr`` … parse as they are.
    """
    if not unit:
        return None
    if unit.startswith("log10(") and unit.endswith(")"):
        return "dex(" + unit[len("log10("):-1].replace("^", "") + ")"
    return unit


def _text_length(name: str, values: np.ndarray) -> int:
    """Characters a fixed-width reader needs for a text column (astropy's ``table::len::``)."""
    if name in CATEGORIES:
        return max(len(v) for v in CATEGORIES[name])
    return max([1, *(len(str(v)) for v in values)])


def arrow_array(values: np.ndarray) -> pa.Array:
    """``pa.array(values)``: for a plain numeric or boolean NumPy column the same Arrow array,
    built from its buffer, because ``pa.array`` imports pandas (half a second) to check whether
    it was given a pandas object."""
    v = np.asarray(values)
    if v.ndim != 1 or v.dtype.kind not in "biuf" or not v.dtype.isnative:
        return pa.array(v)
    if v.dtype.kind == "b":
        data = pa.py_buffer(np.packbits(v, bitorder="little"))  # Arrow's booleans are bits
        return pa.Array.from_buffers(pa.bool_(), len(v), [None, data])
    data = pa.py_buffer(np.ascontiguousarray(v))
    return pa.Array.from_buffers(pa.from_numpy_dtype(v.dtype), len(v), [None, data])


def _category_strings(name: str, codes: np.ndarray) -> pa.Array:
    """The text column ``name`` (its schema values by code) as an Arrow string array: what
    ``pa.DictionaryArray.from_arrays(codes, values).dictionary_decode()`` gives, built from the
    string buffers with NumPy (that route imports ``pyarrow.compute``, a tenth of a second)."""
    codes = np.asarray(codes).astype(np.intp)
    encoded, lengths, table = _category_bytes(name)
    if codes.size and (codes.min() < 0 or codes.max() >= len(encoded)
                       or int(lengths[codes].sum()) > np.iinfo(np.int32).max):
        return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int8)),
                                              pa.array(list(CATEGORIES[name]))).dictionary_decode()
    n = len(codes)
    offsets = np.zeros(n + 1, np.int32)
    np.cumsum(lengths[codes], out=offsets[1:])
    data = np.empty(int(offsets[-1]), np.uint8)
    width = np.arange(table.shape[1])
    for s in range(0, n, 1 << 16):  # in blocks: the padded rows stay small
        c = codes[s:s + (1 << 16)]
        data[offsets[s]:offsets[s + len(c)]] = table[c][width < lengths[c][:, None]]  # row by row
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))


@functools.cache
def _category_bytes(name: str) -> tuple[list[bytes], np.ndarray, np.ndarray]:
    """A text column's schema values in UTF-8: the strings, their lengths and a padded byte table."""
    encoded = [v.encode() for v in CATEGORIES[name]]
    lengths = np.array([len(e) for e in encoded], np.int32)
    table = np.zeros((len(encoded), max(1, int(lengths.max(initial=0)))), np.uint8)
    for i, e in enumerate(encoded):
        table[i, :len(e)] = np.frombuffer(e, np.uint8)
    return encoded, lengths, table


def to_arrow(stars) -> pa.Table:
    """Convert to a pyarrow Table with the schema's units and descriptions.

    Each field carries ``unit`` and ``description`` metadata; the table carries ``starmaker``
    (the meta as JSON) and ``table_meta_yaml`` with ``table::len::<text column>``, which is what
    astropy's ``QTable.read`` needs to read the file with units (astropy.io.misc.parquet).
    """
    arrays, fields, datatype, lengths = [], [], [], {}
    for name in stars.columns:
        values = stars.codes(name)
        if name in CATEGORIES:
            arr = _category_strings(name, values)
        else:
            arr = arrow_array(values)
        md, entry = {}, {"name": name}
        try:
            c = column(name)
            md = {b"unit": c.unit.encode(), b"description": c.description.encode()}
            if astropy_unit_string(c.unit):
                entry["unit"] = astropy_unit_string(c.unit)
            entry["description"] = c.description
        except StarmakerError:
            pass
        if pa.types.is_string(arr.type):
            entry["datatype"] = "string"
            lengths[f"table::len::{name}".encode()] = str(_text_length(name, values)).encode()
        else:
            entry["datatype"] = np.dtype(arr.type.to_pandas_dtype()).name
        datatype.append(entry)
        arrays.append(arr)
        fields.append(pa.field(name, arr.type, metadata=md or None))
    meta_json = json.dumps(stars.meta, default=str)
    header = {"datatype": datatype, "meta": json.loads(meta_json)}
    meta = {
        META_KEY: meta_json.encode(),
        ASTROPY_META_KEY: json.dumps(header, ensure_ascii=False).encode(),
        **lengths,
    }
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields, metadata=meta))


def write_parquet(stars, path: str | os.PathLike, *, overwrite: bool = True) -> None:
    """Write ``stars`` to ``path`` atomically (temporary file in the same folder, then rename)."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise StarmakerError(f"{path} exists; pass overwrite=True or choose another name.")
    table = to_arrow(stars)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, row_group_size=ROW_GROUP_ROWS, **PARQUET_OPTIONS)


def count_values(path: str | os.PathLike, name: str) -> dict[str, int]:
    """How many rows of the Parquet file ``path`` hold each value of its text column ``name``
    (values that occur only). Read as dictionary codes and counted with NumPy: ``pq.read_table``,
    ``to_numpy`` and ``value_counts`` would import pandas and pyarrow.compute (more than half a
    second)."""
    counts: dict[str, int] = {}
    with pq.ParquetFile(path, read_dictionary=[name]) as pf:
        for chunk in pf.read(columns=[name]).column(name).chunks:
            if chunk.null_count:
                raise StarmakerError(f"column {name!r} of {path} has missing values")
            idx = chunk.indices
            dtype = np.dtype(idx.type.to_pandas_dtype())
            codes = np.frombuffer(idx.buffers()[1], dtype, len(idx), idx.offset * dtype.itemsize)
            k = np.bincount(codes, minlength=len(chunk.dictionary))
            for value, c in zip(chunk.dictionary.to_pylist(), k.tolist(), strict=True):
                if c:
                    counts[value] = counts.get(value, 0) + c
    return counts


def _encode(col: pa.ChunkedArray, names: tuple[str, ...], what: str) -> np.ndarray:
    """Codes of a text column, vectorised through its dictionary."""
    arr = col.combine_chunks()  # dictionary-typed (read_dictionary) in old and new files
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
        # text columns come back as dictionaries whether the file's Arrow schema says
        # dictionary (older files) or string (since astropy reads them): no per-row strings
        names = pq.read_schema(path).names
        table = pq.read_table(path, read_dictionary=[n for n in CATEGORIES if n in names])
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

"""HATS catalogues: a made sky cut into HEALPix partitions that LSDB and other HATS readers open.

HATS (Hierarchical Adaptive Tiling Scheme; Caplar et al. 2025, IVOA Note "HATS"; the ``hats``
package of the LINCC Frameworks) stores a catalogue as Parquet files, one per HEALPix pixel
(nested, ICRS) of an order chosen so that no file holds more than a given number of rows::

    catalogue/
    ├── hats.properties, properties     (written last: a catalogue without them is unfinished)
    ├── partition_info.csv
    ├── skymap.fits                     (row counts at the histogram's order)
    └── dataset/
        ├── _metadata, _common_metadata
        └── Norder=K/Dir=D/Npix=N.parquet

Every row carries ``_healpix_29``, its order-29 nested pixel (``hats.pixel_math.spatial_index.
compute_spatial_index``), and the rows of a file are sorted by it (a stable sort: rows with the
same index keep the order they were made in). Partitions are planned by
``hats.pixel_math.partition_stats.generate_alignment`` over a histogram of row counts at
``histogram_order``, with at most ``partition_rows`` rows a partition.

This module writes the catalogue from *tiles*: sorted Parquet pieces of the sky written by
independent tasks into a staging folder beside ``dataset/`` (never inside it: ``hats``' metadata
writer reads every file there), each with a manifest (rows, sha256, the histogram of its rows).
Everything is written atomically (a temporary file renamed into place), every byte depends only on
the stars and the run's parameters (no dates, no paths, no task boundaries), so a run split in any
number of tiles or workers, or resumed after an interruption, gives the same files.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import InvalidParameterError, StarmakerError
from ..schema import CATEGORIES

__all__ = [
    "SPATIAL_INDEX_COLUMN", "SPATIAL_INDEX_ORDER", "DEFAULT_PARTITION_ROWS", "DEFAULT_HISTOGRAM_ORDER",
    "CREATION_DATE", "spatial_index", "sort_by_spatial_index", "TileManifest", "TileRun", "write_tile",
    "read_tile_manifest", "plan_partitions", "partition_range", "write_catalog", "catalog_files",
    "write_json_atomic",
]

SPATIAL_INDEX_COLUMN = "_healpix_29"
SPATIAL_INDEX_ORDER = 29
#: rows a partition may hold at most (HATS' own default threshold)
DEFAULT_PARTITION_ROWS = 1_000_000
#: order of the row-count histogram partitions are planned on (786 432 pixels of 0.05 deg²);
#: ``generate_alignment`` walks it in Python: ~2 s at order 8 (measured), 16x the pixels at 10
DEFAULT_HISTOGRAM_ORDER = 8
#: ``hats_creation_date`` of every catalogue: fixed so that the same run gives the same bytes
#: (``$SOURCE_DATE_EPOCH``, the reproducible-builds convention, overrides it)
CREATION_DATE = "1970-01-01T00:00UTC"
#: the partitions' compression: zstd level 3 (level 15 is ~10x slower for ~3 % smaller files)
PARTITION_OPTIONS = {"compression": "zstd", "compression_level": 3, "use_dictionary": list(CATEGORIES)}
#: the staged tiles' compression (read once, then deleted; the catalogue's bytes do not depend on
#: it): LZ4, 1.29 µs a star staged against zstd level 1's 1.58 for 8 % more bytes (282 a star
#: against 262; benchmarks/hats_staging_cpu.py)
TILE_OPTIONS = {"compression": "lz4", "use_dictionary": list(CATEGORIES)}
TILE_ROW_GROUP_ROWS = 128 * 1024   # small row groups: a partition reads only the groups it needs
STAGING = "_staging"               # beside dataset/, removed once the catalogue is complete


def spatial_index(ra_deg: np.ndarray, dec_deg: np.ndarray) -> np.ndarray:
    """``_healpix_29``: the nested order-29 HEALPix pixel (ICRS) of each (ra, dec), in degrees."""
    from hats.pixel_math.spatial_index import compute_spatial_index

    ra, dec = np.asarray(ra_deg, np.float64), np.asarray(dec_deg, np.float64)
    if ra.size == 0:
        return np.empty(0, np.int64)
    return np.asarray(compute_spatial_index(ra, dec, SPATIAL_INDEX_ORDER), np.int64)


def sort_by_spatial_index(table: pa.Table) -> pa.Table:
    """``table`` with ``_healpix_29`` (from its ra, dec columns) as first column, its rows in
    stable order of it. The column's schema metadata says what it is."""
    hpx = spatial_index(table.column("ra").to_numpy(), table.column("dec").to_numpy())
    field = pa.field(SPATIAL_INDEX_COLUMN, pa.int64(), metadata={
        b"unit": b"", b"description": b"nested HEALPix pixel of order 29 (ICRS), the HATS spatial index"})
    out = table.add_column(0, field, pa.array(hpx, pa.int64()))
    order = np.argsort(hpx, kind="stable")
    if np.any(order != np.arange(len(order))):
        out = out.take(pa.array(order))
    return out


def _sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _replace_atomic(tmp: Path, path: Path) -> None:
    """Give ``tmp`` the mode a plain ``open()`` would and rename it onto ``path``."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    os.replace(tmp, path)


def _tmp_in(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=folder)
    os.close(fd)
    return Path(tmp)


def write_json_atomic(obj: Any, path: Path) -> None:
    """Write ``obj`` as JSON (sorted keys) at ``path`` atomically."""
    tmp = _tmp_in(path.parent, path.name)
    try:
        tmp.write_text(json.dumps(obj, sort_keys=True, indent=1))
        _replace_atomic(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


# --------------------------------------------------------------------------- tiles
@dataclass(frozen=True)
class TileRun:
    """One staged file of a tile: its name, sha256, rows and ``_healpix_29`` range."""

    file: str
    sha256: str
    rows: int
    hpx_min: int
    hpx_max: int


@dataclass(frozen=True)
class TileManifest:
    """What a finished tile holds: its rows, its runs (the staged files, each sorted by
    ``_healpix_29``, in the order their stars were made), the row counts at ``hist_order``
    (sparse), and the key of the run it belongs to."""

    tile: int
    rows: int
    runs: tuple[TileRun, ...]
    hist_order: int
    hist_pix: tuple[int, ...]
    hist_counts: tuple[int, ...]
    run_key: str


def _tile_names(staging: Path, tile: int) -> tuple[Path, Path]:
    base = staging / "tiles" / f"tile-{tile:06d}"
    return base.with_suffix(".parquet"), base.with_suffix(".json")


def _run_name(tile: int, k: int) -> str:
    return f"tile-{tile:06d}-{k:04d}.parquet"


def write_tile(staging: str | os.PathLike, tile: int, runs: Iterable[pa.Table],
               hist_order: int, run_key: str) -> TileManifest:
    """Write one tile and then its manifest, each file atomically. ``runs``: the tile's stars as
    consecutive runs (each with ``_healpix_29`` first and sorted by it), each written to its own
    file as it comes, so a tile never needs to be held in memory whole. Writing the same tile
    again gives the same bytes (a task may be run twice)."""
    staging = Path(staging)
    data, man = _tile_names(staging, tile)
    written: list[TileRun] = []
    pix_parts, count_parts = [], []
    for table in runs:
        n = table.num_rows
        if not n:
            continue
        hpx = table.column(SPATIAL_INDEX_COLUMN).to_numpy()
        if np.any(np.diff(hpx) < 0):
            raise StarmakerError(f"tile {tile}: rows are not sorted by {SPATIAL_INDEX_COLUMN}")
        target = data.parent / _run_name(tile, len(written))
        tmp = _tmp_in(data.parent, target.name)
        try:
            pq.write_table(table, tmp, row_group_size=TILE_ROW_GROUP_ROWS, **TILE_OPTIONS)
            digest = _sha256(tmp)
            _replace_atomic(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        written.append(TileRun(target.name, digest, n, int(hpx[0]), int(hpx[-1])))
        pix, counts = np.unique(hpx >> (2 * (SPATIAL_INDEX_ORDER - hist_order)), return_counts=True)
        pix_parts.append(pix)
        count_parts.append(counts)
    if written:
        allpix = np.concatenate(pix_parts)
        pix, inv = np.unique(allpix, return_inverse=True)
        counts = np.bincount(inv, weights=np.concatenate(count_parts), minlength=len(pix)).astype(np.int64)
    else:
        pix = counts = np.empty(0, np.int64)
    manifest = TileManifest(tile, sum(r.rows for r in written), tuple(written), hist_order,
                            tuple(int(p) for p in pix), tuple(int(c) for c in counts), run_key)
    write_json_atomic(asdict(manifest), man)
    return manifest


def read_tile_manifest(staging: str | os.PathLike, tile: int, run_key: str,
                       verify: bool = True) -> TileManifest | None:
    """The tile's manifest if the tile is finished, belongs to run ``run_key`` and (``verify``)
    every one of its files' sha256 matches; else None (the tile must be made again)."""
    data, man = _tile_names(Path(staging), tile)
    try:
        raw = json.loads(man.read_text())
        m = TileManifest(**{**raw, "runs": tuple(TileRun(**r) for r in raw["runs"]),
                            "hist_pix": tuple(raw["hist_pix"]), "hist_counts": tuple(raw["hist_counts"])})
    except (OSError, ValueError, TypeError, KeyError):
        return None
    if m.run_key != run_key or m.tile != tile:
        return None
    if verify:
        for r in m.runs:
            f = data.parent / r.file
            if not f.is_file() or _sha256(f) != r.sha256:
                return None
    return m


# --------------------------------------------------------------------------- partitions
def partition_range(order: int, pixel: int) -> tuple[int, int]:
    """The ``_healpix_29`` values [lo, hi) of the order-``order`` pixel ``pixel``."""
    shift = 2 * (SPATIAL_INDEX_ORDER - order)
    return pixel << shift, (pixel + 1) << shift


def plan_partitions(histogram: np.ndarray, histogram_order: int,
                    partition_rows: int) -> list[tuple[int, int, int]]:
    """Partitions (order, pixel, rows), in order of ``_healpix_29``, from a histogram of row
    counts at ``histogram_order`` by ``hats.pixel_math.partition_stats.generate_alignment`` (each
    pixel of the largest order, down to 0, that holds at most ``partition_rows`` rows)."""
    from hats.pixel_math.partition_stats import generate_alignment

    if int(np.max(histogram, initial=0)) > partition_rows:
        raise InvalidParameterError(
            "partition_rows", partition_rows,
            f"at least the largest count in one pixel of order {histogram_order} "
            f"({int(np.max(histogram))})", "Raise partition_rows or the histogram order.")
    alignment = generate_alignment(np.asarray(histogram, np.int64), highest_order=histogram_order,
                                   lowest_order=0, threshold=partition_rows)
    parts = {(int(a[0]), int(a[1])): int(a[2]) for a in alignment if a is not None}
    return sorted(((o, p, n) for (o, p), n in parts.items()), key=lambda t: partition_range(t[0], t[1]))


def _partition_file(catalog: Path, order: int, pixel: int) -> Path:
    from hats.io import paths

    return Path(str(paths.pixel_catalog_file(catalog, _pixel(order, pixel))))


def _pixel(order: int, pixel: int):
    from hats.pixel_math.healpix_pixel import HealpixPixel

    return HealpixPixel(order, pixel)


def _run_rows(file: Path, lo: int, hi: int) -> tuple[pq.ParquetFile, list[int], int, np.ndarray]:
    """Where a sorted run's rows with ``_healpix_29`` in [lo, hi) lie: the file, the row groups
    that can hold them (their statistics), the first such row within those groups, and the
    rows' ``_healpix_29`` (only that column is read)."""
    pf = pq.ParquetFile(file)
    md = pf.metadata
    col = pf.schema_arrow.get_field_index(SPATIAL_INDEX_COLUMN)
    groups = []
    for g in range(md.num_row_groups):
        st = md.row_group(g).column(col).statistics
        if st is None or not st.has_min_max or (st.max >= lo and st.min < hi):
            groups.append(g)
    if not groups:
        return pf, groups, 0, np.empty(0, np.int64)
    hpx = pf.read_row_groups(groups, columns=[SPATIAL_INDEX_COLUMN]).column(0).to_numpy()
    a, b = np.searchsorted(hpx, [lo, hi], side="left")
    return pf, groups, int(a), hpx[a:b].copy()


def _read_column(pf: pq.ParquetFile, groups: list[int], start: int, n: int, field: pa.Field) -> pa.Array:
    """Rows ``start``… (``n`` of them) of the row groups ``groups`` of one column, in one
    canonical in-memory form, so that written bytes never depend on where the rows were read
    from: one chunk, of the schema's type (text columns are plain strings, as the flat writer's
    ``to_arrow`` makes them; the file's pages dictionary-encode them, ``PARTITION_OPTIONS``)."""
    col = pf.read_row_groups(groups, columns=[field.name]).column(0).slice(start, n)
    arr = pa.concat_arrays(col.chunks) if col.num_chunks != 1 else col.chunk(0)
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    return arr.cast(field.type) if arr.type != field.type else arr


def _merged_column(located: list, field: pa.Field, order: np.ndarray | None,
                   inverse: np.ndarray | None) -> pa.Array:
    """One column of a partition: its rows from every run (``located``: ``_run_rows``' answers
    with rows), in the merged order (``order`` the stable argsort of the runs' rows one after
    another, ``inverse`` its inverse; None: no reordering). A numeric column is scattered run by
    run into its place in one NumPy array (no run's rows held beyond its own); others (text)
    are gathered, then taken in order."""
    from .parquet import arrow_array

    t = field.type
    if inverse is not None and (pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t)):
        out = np.empty(len(inverse), t.to_pandas_dtype())
        at = 0
        for pf, groups, start, hpx in located:
            part = _read_column(pf, groups, start, len(hpx), field)
            if part.null_count:
                break
            out[inverse[at:at + len(hpx)]] = part.to_numpy(zero_copy_only=False)
            at += len(hpx)
            del part
        else:
            return arrow_array(out)
    parts = [_read_column(pf, groups, start, len(hpx), field) for pf, groups, start, hpx in located]
    arr = pa.concat_arrays(parts) if len(parts) != 1 else parts[0]
    del parts
    return arr.take(arrow_array(order)) if order is not None else arr


def _serial(fn: Callable, args: list[tuple]) -> Iterable:
    return (fn(*a) for a in args)


def write_partition(catalog: str, order: int, pixel: int, rows: int, runs: Sequence[TileRun],
                    schema: pa.Schema) -> tuple[str, str]:
    """Write one partition of the catalogue at ``catalog`` (atomically): the rows of the staged
    ``runs`` that fall in it, stably sorted by ``_healpix_29``; returns its key ("order/pixel")
    and the file's sha256. Runs are sorted each and come in the order their stars were made, so
    a stable sort of them together is the stable sort of the whole sky's rows (the flat
    writer's order)."""
    catalog_ = Path(catalog)
    staging = catalog_ / STAGING
    target = _partition_file(catalog_, order, pixel)
    key = f"{order}/{pixel}"
    lo, hi = partition_range(order, pixel)
    if not runs:
        raise StarmakerError(f"partition {key}: no staged run holds its rows")
    located = [loc for r in runs if len((loc := _run_rows(staging / "tiles" / r.file, lo, hi))[3])]
    n = sum(len(loc[3]) for loc in located)
    if n != rows:
        raise StarmakerError(f"partition {key}: {n} rows read, {rows} counted")
    # built column by column: each read only from the row groups that hold the partition's rows,
    # placed by one stable merge order of the runs' _healpix_29 (runs sorted each, in making order)
    merge = inverse = None
    if len(located) > 1:
        merge = np.argsort(np.concatenate([loc[3] for loc in located]), kind="stable")
        inverse = np.empty_like(merge)
        inverse[merge] = np.arange(len(merge))
    if not located:
        table = schema.empty_table()
    else:
        table = pa.Table.from_arrays([_merged_column(located, f, merge, inverse) for f in schema],
                                     schema=schema)
    del located, merge, inverse
    tmp = _tmp_in(staging / "tmp", target.name)
    try:
        pq.write_table(table, tmp, row_group_size=max(rows, 1), **PARTITION_OPTIONS)
        digest = _sha256(tmp)
        target.parent.mkdir(parents=True, exist_ok=True)
        _replace_atomic(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return key, digest


def write_catalog(path: str | os.PathLike, manifests: Sequence[TileManifest], schema: pa.Schema, *,
                  histogram_order: int = DEFAULT_HISTOGRAM_ORDER,
                  partition_rows: int = DEFAULT_PARTITION_ROWS, name: str = "starmaker",
                  properties: dict[str, str] | None = None, builder: str | None = None,
                  progress: Callable[[int, int], None] | None = None,
                  mapper: Callable[[Callable, list[tuple]], Iterable[tuple[str, str]]] | None = None) -> int:
    """Write the HATS catalogue at ``path`` from finished tiles (staged in ``path/_staging``):
    plan the partitions over the histogram of all tiles, write each partition (its rows merged
    from the tiles that overlap it, in tile order, stably sorted by ``_healpix_29``; skipped when
    a partition file already there matches its recorded sha256), then ``_metadata`` and
    ``_common_metadata`` (``hats.io.write_parquet_metadata``), ``partition_info.csv``,
    ``skymap.fits`` and, last, the properties. ``schema`` (with ``_healpix_29`` first) fixes the
    columns and the file metadata (the whole run's provenance). ``mapper(fn, args)`` runs
    ``fn(*a)`` for each ``a`` of ``args`` and yields the results in any order (e.g. as Dask tasks;
    default: one after another here): the partitions are independent. Returns the number of rows."""
    from hats.catalog import PartitionInfo, TableProperties
    from hats.io import paths, write_parquet_metadata
    from hats.io.skymap import write_skymap

    catalog = Path(path)
    staging = catalog / STAGING
    dataset = catalog / "dataset"
    for prop in ("properties", "hats.properties"):   # unfinished from here until the end
        (catalog / prop).unlink(missing_ok=True)
    histogram = np.zeros(12 * 4**histogram_order, np.int64)
    for m in manifests:
        if m.hist_order != histogram_order:
            raise StarmakerError(f"tile {m.tile} was counted at order {m.hist_order}, not {histogram_order}")
        np.add.at(histogram, np.asarray(m.hist_pix, np.int64), np.asarray(m.hist_counts, np.int64))
    total = int(histogram.sum())
    if total == 0:
        raise StarmakerError("no star is brighter than the limit in this field: a HATS catalogue "
                             "needs at least one row. Choose a fainter limit or a larger field.")
    plan = plan_partitions(histogram, histogram_order, partition_rows)
    done_file = staging / "partitions.json"
    try:
        done = json.loads(done_file.read_text())
    except (OSError, ValueError):
        done = {}
    # partition files not in the plan (an older, interrupted plan) would make the set invalid
    planned = {_partition_file(catalog, o, p) for o, p, _ in plan}
    if dataset.is_dir():
        for f in dataset.rglob("Npix=*"):
            if f not in planned:
                f.unlink()
    # every run of every tile, in the order their stars were made (tiles in pixel order)
    runs = [r for m in sorted(manifests, key=lambda m: m.tile) for r in m.runs]
    run_min = np.array([r.hpx_min for r in runs], np.int64)
    run_max = np.array([r.hpx_max for r in runs], np.int64)
    tmp_dir = staging / "tmp"
    todo, finished = [], 0
    for order, pixel, rows in plan:
        target = _partition_file(catalog, order, pixel)
        key = f"{order}/{pixel}"
        if key in done and target.is_file() and _sha256(target) == done[key]:
            finished += 1
            continue
        lo, hi = partition_range(order, pixel)
        todo.append((str(catalog), order, pixel, rows,
                     tuple(runs[i] for i in np.flatnonzero((run_max >= lo) & (run_min < hi))), schema))
    if progress:
        progress(finished, len(plan))
    for key, digest in (mapper or _serial)(write_partition, todo):
        done[key] = digest
        write_json_atomic(done, done_file)
        finished += 1
        if progress:
            progress(finished, len(plan))
    # dataset-level metadata, partition list and sky map: written beside, then renamed in
    meta_dir = tmp_dir / "meta"
    shutil.rmtree(meta_dir, ignore_errors=True)
    meta_dir.mkdir(parents=True)
    rows_written = write_parquet_metadata(catalog, output_path=meta_dir)
    if rows_written != total:
        raise StarmakerError(f"the dataset holds {rows_written} rows, the tiles {total}")
    for f in ("_metadata", "_common_metadata"):
        os.replace(meta_dir / "dataset" / f, dataset / f)
    pixels = [_pixel(o, p) for o, p, _ in plan]
    PartitionInfo.from_healpix(pixels).write_to_file(partition_info_file=meta_dir / "partition_info.csv")
    write_skymap(histogram, meta_dir)
    for f in ("partition_info.csv", Path(str(paths.get_skymap_file_pointer(meta_dir))).name):
        os.replace(meta_dir / f, catalog / f)
    date = CREATION_DATE
    if os.environ.get("SOURCE_DATE_EPOCH", "").isdigit():
        from datetime import UTC, datetime

        date = datetime.fromtimestamp(int(os.environ["SOURCE_DATE_EPOCH"]), tz=UTC).strftime(
            "%Y-%m-%dT%H:%M%Z")
    provenance = TableProperties.new_provenance_dict(dataset, builder=builder)
    provenance["hats_creation_date"] = date     # new_provenance_dict stamps the present time
    sky_fraction = sum(4.0 ** -o for o, _, _ in plan) / 12.0
    props = TableProperties(
        catalog_name=name, catalog_type="object", total_rows=total, ra_column="ra", dec_column="dec",
        healpix_column=SPATIAL_INDEX_COLUMN, healpix_order=SPATIAL_INDEX_ORDER,
        hats_max_rows=partition_rows, skymap_order=histogram_order, npix_suffix=".parquet",
        moc_sky_fraction=f"{sky_fraction:0.5f}", **provenance, **(properties or {}))
    props.to_properties_file(meta_dir)
    os.replace(meta_dir / "hats.properties", catalog / "hats.properties")
    os.replace(meta_dir / "properties", catalog / "properties")    # complete from here on
    shutil.rmtree(meta_dir, ignore_errors=True)
    return total


def catalog_files(path: str | os.PathLike) -> dict[str, str]:
    """sha256 of every file of a catalogue (the staging folder left out), by relative path."""
    root = Path(path)
    return {str(f.relative_to(root)): _sha256(f) for f in sorted(root.rglob("*"))
            if f.is_file() and STAGING not in f.relative_to(root).parts}


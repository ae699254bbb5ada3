"""A magnitude-limited survey made on many processes (Dask) and written as a HATS catalogue.

The sky's order-4 HEALPix pixels (nside 16, nested, ICRS: the survey's making pixels) are grouped
into *tiles*, the order-``tile_order`` pixels that hold them; each tile is one Dask task, which
makes its stars piece by piece (every pixel from its own ``SeedSequence(seed, spawn_key=(pixel,))``,
so a star does not depend on which tile or worker made it) and stages them in runs sorted by
``_healpix_29`` with a manifest (:func:`starmaker.io.hats.write_tile`). The client then plans the
partitions over the histogram of all tiles; each partition, merged from the runs that overlap it,
is another task (:func:`starmaker.io.hats.write_partition`); the client writes the metadata last
(:func:`starmaker.io.hats.write_catalog`). The catalogue's bytes depend on neither the number of
workers nor the tile size, and its rows are the flat Parquet writer's (``write_sky``) sorted
stably by ``_healpix_29``.

Before any worker starts, the client builds (or reads from the disk cache) the mass-window
tables and compiles the Numba kernels into their cache; each worker then loads them once
(``client.run``). Workers run one thread each with ``NUMBA_NUM_THREADS=1`` (one core a worker,
no oversubscription).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InvalidParameterError, StarmakerError
from ..galaxy.limits import Field, Limit, parse_limit
from .hats import (
    DEFAULT_HISTOGRAM_ORDER,
    DEFAULT_PARTITION_ROWS,
    STAGING,
    TileManifest,
    read_tile_manifest,
    sort_by_spatial_index,
    spatial_index,
    write_catalog,
    write_json_atomic,
    write_tile,
)

__all__ = ["write_survey", "require_hats", "local_cluster", "DEFAULT_TILE_ORDER", "DEFAULT_RUN_ROWS",
           "WORKER_ENV", "MALLOC_ENV"]

#: 768 tiles of 4 making pixels each over the whole sky: at G < 20.7 the costliest tile (the
#: bulge's) takes 965 CPU s, at order 2 2,847 s, which bounds 16 workers to 6x (benchmarks/README.md)
DEFAULT_TILE_ORDER = 3
#: rows a staged run of a tile holds: a worker holds one run (~0.3 kB a row as Stars, and again
#: as Arrow while it is sorted) beside one piece of the making
DEFAULT_RUN_ROWS = 500_000
WORKER_ENV = {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "OPENBLAS_NUM_THREADS": "1"}
#: glibc's allocator settings for the workers, set before they start (Dask's nanny otherwise sets
#: ``MALLOC_TRIM_THRESHOLD_=65536``, which also switches off glibc's sliding mmap threshold: every
#: array over 128 kB is then mapped and unmapped afresh, and a worker spent 0.66 s of kernel time
#: on page faults for each 1.45 s of making). These are the values glibc's sliding threshold
#: settles at on 64-bit systems (mmap at 32 MiB, trim at twice that; mallopt(3)): the making's
#: kernel time falls back to the in-process 0.23 s, its peak memory unchanged.
MALLOC_ENV = {"MALLOC_MMAP_THRESHOLD_": str(32 * 2**20), "MALLOC_TRIM_THRESHOLD_": str(64 * 2**20)}


def _making_order(nside: int) -> int:
    """The HEALPix order of the survey's making pixels (nside = 2**order)."""
    order = int(nside).bit_length() - 1
    if nside < 1 or 2**order != nside:
        raise InvalidParameterError("nside", nside, "a power of two (the making pixels' HEALPix nside)")
    return order


def _make(pixels: Sequence[int], spec: dict[str, Any], mw):
    """THE one place that makes stars for this module (the Milky Way's
    :meth:`~starmaker.galaxy.survey.MilkyWay.make_pixels`, that is
    :func:`starmaker.galaxy.survey.make_pixels` with its components, dust and nside): every star
    brighter than the limit in the making ``pixels`` that lies in the run's field (a cone keeps
    only its stars), measured by the run's survey errors if any."""
    return mw.make_pixels(pixels, spec["seed"], epoch=spec["epoch"], limit=spec["limit"], field=_field(spec),
                          errors=spec["errors"])


def _iter_make(pixels: Sequence[int], spec: dict[str, Any], mw):
    """:func:`_make`'s stars a piece at a time (:meth:`MilkyWay.iter_pixels`: the same stars)."""
    return mw.iter_pixels(pixels, spec["seed"], epoch=spec["epoch"], limit=spec["limit"], field=_field(spec),
                          errors=spec["errors"])


def _field(spec: dict[str, Any]) -> Field:
    return Field(**{**spec["field"], "pixels": tuple(spec["field"]["pixels"])})


@functools.lru_cache(maxsize=4)
def _schema_of(meta_json: str, columns: tuple[str, ...]):
    return _schema_from(json.loads(meta_json), columns)


def _schema_from(meta: dict[str, Any], columns: tuple[str, ...]):
    """The catalogue's Arrow schema: ``_healpix_29``, then the survey's ``columns``; ``meta`` (the
    whole run's provenance, the flat writer's) in its metadata."""
    from ..schema import COLUMNS
    from ..stars import Stars
    from .parquet import to_arrow

    dtypes = {c.name: c.numpy_dtype for c in COLUMNS}
    empty = Stars({k: np.empty(0, dtypes.get(k, float)) for k in columns}, meta)
    return sort_by_spatial_index(to_arrow(empty)).schema


def _tiles(field: Field, tile_order: int, nside: int) -> list[tuple[int, tuple[int, ...]]]:
    """(tile, its making pixels in the field), tiles in order, empty ones left out."""
    pix = np.sort(field.pixel_list(nside))
    tile = pix >> (2 * (_making_order(nside) - tile_order))
    uniq, start = np.unique(tile, return_index=True)
    bounds = np.append(start, len(pix))
    return [(int(t), tuple(int(p) for p in pix[bounds[k]:bounds[k + 1]])) for k, t in enumerate(uniq)]


def _make_tile(staging: str, tile: int, pixels: tuple[int, ...], spec: dict[str, Any], mw,
               one_thread: bool) -> TileManifest:
    """A Dask task: make a tile's stars piece by piece (:meth:`MilkyWay.iter_pixels`), gather
    them into runs of ``spec["run_rows"]`` rows, sort each run by ``_healpix_29`` and stage
    it (atomically), then the tile's manifest. A worker holds at most one run and one piece of the
    making (memory bounded however dense the tile and faint the limit); the catalogue's bytes do
    not depend on the runs (:func:`~starmaker.io.hats.write_catalog` merges them stably)."""
    if one_thread:
        import numba

        numba.set_num_threads(1)
    schema = _schema_of(json.dumps(spec["meta"], sort_keys=True), tuple(spec["columns"]))
    runs = _runs(pixels, spec, mw, schema)
    return write_tile(staging, tile, runs, spec["histogram_order"], spec["run_key"])


def _runs(pixels: tuple[int, ...], spec: dict[str, Any], mw, schema):
    """The tile's stars in runs of ``spec["run_rows"]`` rows (the last one fewer), in the order
    they were made, each sorted by ``_healpix_29`` as an Arrow table of the catalogue's schema."""
    size = spec["run_rows"]
    held: list = []
    rows = 0
    for stars in _iter_make(pixels, spec, mw):
        start = 0
        while len(stars) - start >= size - rows:      # this piece fills the run being held
            cut = start + size - rows
            held.append(stars.select(slice(start, cut)))
            yield _sorted_run(held, schema)
            held, rows, start = [], 0, cut
        if start < len(stars):
            held.append(stars.select(slice(start, None)) if start else stars)
            rows += len(stars) - start
    if held:
        yield _sorted_run(held, schema)


def _sorted_run(held: list, schema):
    import pyarrow as pa

    from ..stars import Stars
    from .parquet import to_arrow

    stars = Stars.concat(held) if len(held) > 1 else held[0]
    held.clear()
    table = sort_by_spatial_index(to_arrow(stars))
    del stars
    return pa.Table.from_arrays(table.columns, schema=schema.remove_metadata()).replace_schema_metadata(
        schema.metadata)


def _prepare(spec: dict[str, Any], mw) -> None:
    """Build (or read from the disk cache) every population's mass-window table for the limit's
    band and make the stars of one pixel, so that the tables and the Numba kernels' caches are on
    disk (and loaded in this process) before the tiles are made."""
    _make([0], spec, mw)
    spatial_index(np.zeros(1), np.zeros(1))      # imports hats (astropy, cdshealpix): ~2 s


def _warm_worker(spec: dict[str, Any], mw) -> int:
    """Run once in each worker (``client.run``): one Numba thread, tables and kernels loaded."""
    import numba

    numba.set_num_threads(1)
    _prepare(spec, mw)
    return os.getpid()


def _run_key(spec: dict[str, Any], tile_order: int) -> str:
    """What the staged tiles depend on: the run's parameters, the tiling and the code and data
    versions (the survey's table key digest)."""
    from ..galaxy.windows import source_digest

    what = {k: spec[k] for k in ("limit", "seed", "field", "epoch", "errors", "histogram_order",
                                 "partition_rows", "run_rows")}
    what |= {"tile_order": tile_order, "meta": spec["meta"],
             "source": source_digest(parse_limit(spec["limit"]).band)}
    return hashlib.sha256(json.dumps(what, sort_keys=True, default=str).encode()).hexdigest()[:32]


def write_survey(milky_way, path: str | os.PathLike, limit: str | Limit | None = None, seed: int = 0, *,
                 field: Field | str | None = None, epoch: float | str = 0.0, errors: str | None = None,
                 client=None, workers: int | None = None, tile_order: int = DEFAULT_TILE_ORDER,
                 partition_rows: int = DEFAULT_PARTITION_ROWS,
                 histogram_order: int = DEFAULT_HISTOGRAM_ORDER, resume: bool = False,
                 keep_tiles: bool = False, progress: bool = True,
                 extra_meta: dict[str, Any] | None = None, run_rows: int = DEFAULT_RUN_ROWS) -> int:
    """Make every star brighter than ``limit`` (e.g. "G<10"; default the Milky Way's) of
    ``milky_way`` (a :class:`~starmaker.galaxy.survey.MilkyWay`: its components, dust and nside)
    in ``field`` (default the Milky Way's, all sky), as seen at ``epoch``, and write them as a
    HATS catalogue at ``path``; returns the number of stars. The rows are those
    :meth:`MilkyWay.write` writes to one Parquet file, stably sorted by ``_healpix_29``. Called
    as :meth:`MilkyWay.write_hats` (or :func:`starmaker.write_hats`).

    Tiles (order-``tile_order`` pixels, 0…4, of the survey's order-4 pixels) are made as Dask
    tasks on ``client``, or on a ``LocalCluster`` of ``workers`` processes of one thread each, or,
    with neither, one after another in this process. Partitions hold at most ``partition_rows``
    rows, planned over a histogram at ``histogram_order``. The files are the same for any number
    of workers and any tile order. ``resume=True`` continues an interrupted run at ``path`` (same
    parameters): tiles whose manifest and sha256 check out are kept, the others made again, and
    partitions already written and checked are kept. The catalogue is complete only once its
    properties are written, last. ``keep_tiles`` keeps the staged tiles (``path/_staging``);
    ``progress`` shows a progress bar over tiles and partitions. ``errors`` ("gaia-dr3",
    "gaia-dr4", "gaia-dr5"): the stars as that Gaia release would measure them, beside the true
    values (each pixel's noise from its own generator, so any tiling gives the same bytes).
    ``extra_meta`` (e.g. the recipe of a placed Milky Way) joins the catalogue's provenance.
    ``run_rows``: a tile is made piece by piece and staged in sorted runs of this many rows,
    so a worker's memory does not grow with the tile (the catalogue's bytes do not depend on it).
    """
    _require("hats", "distributed")
    from ..births.history import parse_epoch

    mw = milky_way
    if not (callable(getattr(mw, "make_pixels", None)) and hasattr(mw, "nside")):
        raise InvalidParameterError("milky_way", mw, "a starmaker MilkyWay")
    if limit is None and mw.limit is None:
        raise InvalidParameterError("limit", None, "a magnitude limit like 'G<10' (or MilkyWay(limit=...))")
    lim = parse_limit(limit if limit is not None else mw.limit)
    field = Field.parse(field) if field is not None else mw.field
    making = _making_order(mw.nside)
    if not (isinstance(tile_order, int | np.integer) and 0 <= tile_order <= making):
        raise InvalidParameterError("tile_order", tile_order, f"an integer from 0 to {making} "
                                    f"(tiles of order-{making} making pixels)")
    if not (isinstance(histogram_order, int | np.integer) and 0 <= histogram_order <= 10):
        raise InvalidParameterError("histogram_order", histogram_order, "an integer from 0 to 10 "
                                    "(hats walks the histogram in Python: ~2 s at order 8, 16x longer at 10)")
    if not (isinstance(partition_rows, int | np.integer) and partition_rows >= 1):
        raise InvalidParameterError("partition_rows", partition_rows, "a positive integer")
    if workers is not None and (not isinstance(workers, int | np.integer) or workers < 1):
        raise InvalidParameterError("workers", workers, "a positive number of worker processes")
    if workers is not None and client is not None:
        raise InvalidParameterError("workers", workers, "None when a client is given")
    if not (isinstance(run_rows, int | np.integer) and not isinstance(run_rows, bool) and run_rows >= 1):
        raise InvalidParameterError("run_rows", run_rows, "a positive number of rows")
    catalog = Path(path)
    staging = catalog / STAGING
    # the flat writer's columns and provenance (errors checked here, once)
    empty = mw.make_pixels([], int(seed), epoch=epoch, limit=lim, field=field, errors=errors)
    meta = json.loads(json.dumps({**empty.meta, **(extra_meta or {})}, default=str))
    spec = {"limit": str(lim), "seed": int(seed), "field": asdict(field), "meta": meta,
            "epoch": parse_epoch(epoch), "errors": empty.meta.get("errors"), "columns": list(empty.columns),
            "histogram_order": int(histogram_order), "partition_rows": int(partition_rows),
            "run_rows": int(run_rows)}
    spec["run_key"] = _run_key(spec, int(tile_order))
    run_file = staging / "run.json"
    if catalog.exists() and any(catalog.iterdir()):
        if not resume:
            raise StarmakerError(f"{catalog} exists and is not empty; pass resume=True to continue an "
                                 "interrupted run there, or choose a new path.")
        try:
            old = json.loads(run_file.read_text())["run_key"]
        except (OSError, ValueError, KeyError):
            old = None
        if old is None and (catalog / "dataset").exists():
            raise StarmakerError(f"{catalog} has no staged run to resume (a finished run removes "
                                 f"{STAGING}/ unless keep_tiles=True); write to a new path.")
        if old != spec["run_key"] and (catalog / "dataset").exists():
            raise StarmakerError(f"{catalog} holds another run (other limit, seed, field, tiling, "
                                 "partitioning or code version): it cannot be resumed with these.")
    for prop in ("properties", "hats.properties"):
        (catalog / prop).unlink(missing_ok=True)
    staging.mkdir(parents=True, exist_ok=True)
    write_json_atomic({"run_key": spec["run_key"], "spec": spec, "tile_order": int(tile_order)}, run_file)

    tiles = _tiles(field, int(tile_order), mw.nside)
    manifests: dict[int, TileManifest] = {}
    if resume:
        for t, _ in tiles:
            m = read_tile_manifest(staging, t, spec["run_key"])
            if m is not None:
                manifests[t] = m
    todo = [(t, px) for t, px in tiles if t not in manifests]

    bar = _Bar(progress)
    with bar, _dask_client(client, workers) as dask_client:
        bar.add("tiles", len(tiles), len(tiles) - len(todo))
        _prepare(spec, mw)
        if todo and dask_client is None:
            _run_in_process(todo, str(staging), spec, mw, manifests, bar)
        elif todo:
            _run_on_dask(dask_client, todo, str(staging), spec, mw, manifests, bar)
        bar.add("partitions", 1, 0)
        total = write_catalog(
            catalog, [manifests[t] for t, _ in tiles], _schema_from(meta, tuple(spec["columns"])),
            histogram_order=int(histogram_order),
            partition_rows=int(partition_rows), builder=f"starmaker v{meta['starmaker']}",
            properties={"starmaker_limit": str(lim), "starmaker_seed": str(int(seed)),
                        "starmaker_field": json.dumps(asdict(field), sort_keys=True),
                        "starmaker_version": str(meta["starmaker"])},
            progress=lambda k, n: bar.update("partitions", k, n),
            mapper=None if dask_client is None else _dask_mapper(dask_client, spec["run_key"]))
    if not keep_tiles:
        shutil.rmtree(staging, ignore_errors=True)
    return total


def _run_in_process(todo, staging: str, spec, mw, manifests: dict[int, TileManifest],
                    bar: _Bar) -> None:
    """Tiles made by a pool of threads of this process, one per CPU it may use (NumPy and Numba
    release the GIL for the heavy parts), as ``iter_sky`` makes its blocks."""
    from concurrent.futures import ThreadPoolExecutor, as_completed

    n = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=max(1, n)) as pool:
        futures = [pool.submit(_make_tile, staging, t, px, spec, mw, False) for t, px in todo]
        for fut in as_completed(futures):
            m = fut.result()
            manifests[m.tile] = m
            bar.advance("tiles")


def require_hats() -> None:
    """Raise a :class:`StarmakerError` saying what to install when the ``hats`` extra is missing."""
    _require("hats", "distributed")


def _require(*modules: str) -> None:
    import importlib.util

    missing = [m for m in modules if importlib.util.find_spec(m.split(".")[0]) is None]
    if missing:
        names = {"distributed": "dask[distributed]"}
        raise StarmakerError(f"writing HATS catalogues needs {', '.join(names.get(m, m) for m in missing)}: "
                             "pip install 'starmaker[hats]'")


def local_cluster(workers: int):
    """A Dask ``LocalCluster`` of ``workers`` processes of one thread each, as the survey wants
    them: one Numba thread each (``WORKER_ENV``) and glibc's allocator as it is outside Dask
    (``MALLOC_ENV``, in the nanny's ``pre-spawn-environ``: it must be set before a worker
    starts). For a cluster of your own, set the same in its Dask configuration
    (``distributed.nanny.pre-spawn-environ``)."""
    import dask
    from dask.distributed import LocalCluster

    spawn = dict(dask.config.get("distributed.nanny.pre-spawn-environ", {})) | MALLOC_ENV
    with dask.config.set({"distributed.nanny.pre-spawn-environ": spawn}):
        return LocalCluster(n_workers=int(workers), threads_per_worker=1, processes=True,
                            dashboard_address=":0", env=dict(WORKER_ENV))


@contextlib.contextmanager
def _dask_client(client, workers):
    """``client``; or a :func:`local_cluster` of ``workers`` processes (closed at the end); or
    None (the work is done in this process)."""
    if client is not None or workers is None:
        yield client
        return
    from dask.distributed import Client

    with local_cluster(workers) as cluster, Client(cluster) as own:
        yield own


def _run_on_dask(client, todo, staging: str, spec, mw, manifests: dict[int, TileManifest], bar: _Bar) -> None:
    from dask.distributed import as_completed

    client.run(_warm_worker, spec, mw)
    futures = [client.submit(_make_tile, staging, t, px, spec, mw, True,
                             key=f"starmaker-tile-{t}-{spec['run_key']}") for t, px in todo]
    for fut in as_completed(futures):
        m = fut.result()
        manifests[m.tile] = m
        bar.advance("tiles")


def _dask_mapper(client, run_key: str):
    """The partitions written as Dask tasks, one a worker at a time (each holds at most
    ``partition_rows`` rows); the results as they come."""
    def mapper(fn, args):
        from dask.distributed import as_completed

        futures = [client.submit(fn, *a, key=f"starmaker-partition-{a[1]}-{a[2]}-{run_key}") for a in args]
        for fut in as_completed(futures):
            yield fut.result()
    return mapper


class _Bar:
    """A rich progress bar over named tasks (nothing shown when ``enabled`` is false)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.ids: dict[str, Any] = {}

    def __enter__(self) -> _Bar:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.progress = Progress("{task.description}", BarColumn(), MofNCompleteColumn(),
                                     TimeElapsedColumn(), TimeRemainingColumn(),
                                     console=Console(stderr=True))
            self.progress.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self.enabled:
            self.progress.__exit__(*exc)

    def add(self, name: str, total: int, done: int) -> None:
        if self.enabled:
            self.ids[name] = self.progress.add_task(name, total=total, completed=done)

    def advance(self, name: str) -> None:
        if self.enabled:
            self.progress.advance(self.ids[name])

    def update(self, name: str, done: int, total: int) -> None:
        if self.enabled:
            self.progress.update(self.ids[name], completed=done, total=total)


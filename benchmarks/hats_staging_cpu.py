"""CPU seconds and disk bytes a star of staging a tile (``io.distributed._make_tile`` less the
making: runs gathered, ``_healpix_29`` computed, sorted, written with ``TILE_OPTIONS``, sha256),
for a few tile-run encodings, on the plane pixel 1891 ((l, b) = (30°, 1°), order 4).

    PYTHONPATH=src python benchmarks/hats_staging_cpu.py ['G<20' [repeats [run_rows]]]

The pixel's stars are made once (``iter_pixels``' pieces, held in memory), then staged
``repeats`` times with each encoding in turn, in this process; the staged runs are internal (the
catalogue's bytes do not depend on them). Prints CPU s, µs a star (the best of the repeats), the
parts (``_healpix_29``, ``pq.write_table``, sha256; the rest is gathering, sorting and the
histogram) and the runs' bytes a star.
"""

import hashlib
import json
import shutil
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import pyarrow.parquet as pq

from starmaker.galaxy.limits import Field
from starmaker.galaxy.survey import MilkyWay
from starmaker.io import distributed as dist
from starmaker.io import hats as h
from starmaker.schema import CATEGORIES

PIXEL = 1891
ENCODINGS = {
    "zstd 1": {"compression": "zstd", "compression_level": 1, "use_dictionary": list(CATEGORIES)},
    "lz4": {"compression": "lz4", "use_dictionary": list(CATEGORIES)},
    "snappy": {"compression": "snappy", "use_dictionary": list(CATEGORIES)},
    "none": {"compression": "none", "use_dictionary": list(CATEGORIES)},
}


def main(limit: str, repeats: int, run_rows: int) -> None:
    mw = MilkyWay()
    empty = mw.make_pixels([], 1, limit=limit, field=Field())
    spec = {"limit": limit, "seed": 1, "field": asdict(Field()), "epoch": 0.0, "errors": None,
            "meta": json.loads(json.dumps(empty.meta, default=str)), "columns": list(empty.columns),
            "histogram_order": h.DEFAULT_HISTOGRAM_ORDER, "partition_rows": h.DEFAULT_PARTITION_ROWS,
            "run_rows": run_rows}
    spec["run_key"] = hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()[:32]
    dist._prepare(spec, mw)
    pieces = list(dist._iter_make((PIXEL,), spec, mw))
    n = sum(len(p) for p in pieces)
    dist._iter_make = lambda *a: iter(pieces)
    parts: dict[str, float] = {}

    def timed(name, fn):
        def run(*a, **k):
            t = time.process_time()
            try:
                return fn(*a, **k)
            finally:
                parts[name] = parts.get(name, 0.0) + time.process_time() - t
        return run

    h.spatial_index = timed("_healpix_29", h.spatial_index)
    pq.write_table = timed("write_table", pq.write_table)
    h._sha256 = timed("sha256", h._sha256)
    best: dict[str, tuple] = {}
    for _ in range(repeats):
        for name, options in ENCODINGS.items():
            h.TILE_OPTIONS = options
            root = Path(tempfile.mkdtemp(prefix="hats-staging-"))
            try:
                parts.clear()
                c = time.process_time()
                m = dist._make_tile(str(root), PIXEL, (PIXEL,), spec, mw, True)
                cpu = time.process_time() - c
                size = sum(f.stat().st_size for f in (root / "tiles").glob("*.parquet"))
            finally:
                shutil.rmtree(root, ignore_errors=True)
            assert m.rows == n
            if name not in best or cpu < best[name][0]:
                best[name] = (cpu, dict(parts), size, len(m.runs))
    print(f"{limit} pixel {PIXEL}: {n} stars in {len(pieces)} pieces, runs of {run_rows} rows, "
          f"best of {repeats}")
    for name, (cpu, p, size, runs) in best.items():
        rest = cpu - sum(p.values())
        print(f"{name:7s} cpu {cpu:6.2f} s {1e6 * cpu / n:5.2f} µs/star  ("
              + ", ".join(f"{k} {1e6 * v / n:.2f}" for k, v in p.items())
              + f", rest {1e6 * rest / n:.2f})  {size / n:6.1f} bytes/star, {runs} runs", flush=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "G<20", int(sys.argv[2]) if len(sys.argv) > 2 else 2,
         int(sys.argv[3]) if len(sys.argv) > 3 else dist.DEFAULT_RUN_ROWS)

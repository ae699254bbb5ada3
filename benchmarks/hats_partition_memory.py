"""Peak memory of one HATS partition task (``io.hats.write_partition``) alone, in a fresh process.

    PYTHONPATH=src python benchmarks/hats_partition_memory.py stage DIR ['G<20' [run_rows [partition_rows]]]
    PYTHONPATH=src python benchmarks/hats_partition_memory.py write DIR [--warm] [k]

``stage`` makes the plane pixel 1891 ((l, b) = (30°, 1°), order 4) as a tile of its own into
``DIR/tile.hats`` (``write_hats``, staged tiles kept) and records every partition task's
arguments and its file's sha256 in ``DIR/partitions.pkl``. ``write``, in a new process, writes
again the largest partition (or the ``k``-th) from the staged runs and prints the process's
resident size before the call and its peak (``ru_maxrss``), Arrow's pool peak, the CPU seconds,
and whether the file's sha256 is the one recorded (the code under ``PYTHONPATH`` writes it: stage
once, then run ``write`` with each version of the code to compare). ``--warm`` first loads what a
Dask worker holds (``_warm_worker``: MIST, the mass tables, one pixel made, hats imported).
"""

import json
import pickle
import resource
import sys
import time
from pathlib import Path


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def stage(folder: Path, limit: str, run_rows: int, partition_rows: int) -> None:
    import starmaker.io.hats as h
    from starmaker.galaxy.survey import MilkyWay

    calls = []
    original = h.write_partition

    def recording(*args):
        key, digest = original(*args)
        calls.append((args, digest))
        return key, digest

    h.write_partition = recording
    try:
        c = time.process_time()
        n = MilkyWay().write_hats(folder / "tile.hats", limit, 1, field="pixels:1891", tile_order=4,
                                  progress=False, keep_tiles=True, run_rows=run_rows,
                                  partition_rows=partition_rows)
    finally:
        h.write_partition = original
    with open(folder / "partitions.pkl", "wb") as fh:
        pickle.dump({"limit": limit, "calls": calls}, fh)
    print(f"{limit} pixel 1891: {n} stars, {len(calls)} partitions "
          f"{sorted(a[3] for a, _ in calls)}, cpu {time.process_time() - c:.1f} s")


def write(folder: Path, warm: bool, k: int | None) -> None:
    import pyarrow as pa

    import starmaker.io.hats as h

    with open(folder / "partitions.pkl", "rb") as fh:
        saved = pickle.load(fh)
    calls = saved["calls"]
    if k is None:
        k = max(range(len(calls)), key=lambda i: calls[i][0][3])
    args, digest = calls[k]
    if warm:
        from starmaker.galaxy.survey import MilkyWay
        from starmaker.io.distributed import _warm_worker

        spec = json.loads((folder / "tile.hats" / h.STAGING / "run.json").read_text())["spec"]
        _warm_worker(spec, MilkyWay())
    else:
        h.spatial_index([0.0], [0.0])      # hats imported, as in a worker
    base = _rss_mb()
    c = time.process_time()
    key, got = h.write_partition(*args)
    cpu = time.process_time() - c
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"partition {key} ({args[3]} rows, {len(args[4])} runs): RSS before {base:.0f} MB, "
          f"peak {peak:.0f} MB (+{peak - base:.0f} MB), Arrow pool peak "
          f"{pa.default_memory_pool().max_memory() / 2**20:.0f} MB, cpu {cpu:.2f} s, "
          f"sha256 {'same' if got == digest else 'DIFFERENT'}{' (warm worker)' if warm else ''}")


if __name__ == "__main__":
    what, folder = sys.argv[1], Path(sys.argv[2])
    rest = sys.argv[3:]
    if what == "stage":
        folder.mkdir(parents=True, exist_ok=True)
        stage(folder, rest[0] if rest else "G<20", int(rest[1]) if len(rest) > 1 else 500_000,
              int(rest[2]) if len(rest) > 2 else 1_000_000)
    elif what == "write":
        warm = "--warm" in rest
        rest = [r for r in rest if r != "--warm"]
        write(folder, warm, int(rest[0]) if rest else None)
    else:
        sys.exit(__doc__)

"""Peak memory of a HATS run over one dense tile: the plane pixel 1891 ((l, b) = (30°, 1°), 13.4
deg², order 4) written by ``write_hats`` in this process as a tile of its own.

    PYTHONPATH=src python benchmarks/hats_tile_memory.py 'G<20' [run_rows [partition_rows]]

Prints the stars, CPU seconds and the process's peak resident size (``ru_maxrss``: the
interpreter, MIST, the mass tables and the catalogue's making and writing together). Run it once
per code version in a fresh process (old code: ``git archive`` into a folder, ``PYTHONPATH``).
"""

import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from starmaker.galaxy.survey import MilkyWay

if __name__ == "__main__":
    limit = sys.argv[1] if len(sys.argv) > 1 else "G<20"
    extra = {"run_rows": int(sys.argv[2])} if len(sys.argv) > 2 else {}
    if len(sys.argv) > 3:
        extra["partition_rows"] = int(sys.argv[3])
    root = Path(tempfile.mkdtemp(prefix="hats-tile-"))
    try:
        t, c = time.perf_counter(), time.process_time()
        n = MilkyWay().write_hats(root / "tile.hats", limit, 1, field="pixels:1891", tile_order=4,
                                  progress=False, **extra)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
        print(f"{limit} pixel 1891: {n} stars, cpu {time.process_time() - c:.1f} s, "
              f"wall {time.perf_counter() - t:.1f} s, peak RSS {peak:.2f} GB {extra}", flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)

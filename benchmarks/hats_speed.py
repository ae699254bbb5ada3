"""Wall time, CPU time and stars/s of write_hats (HATS catalogue) against the flat Parquet writer.

    PYTHONPATH=src python benchmarks/hats_speed.py 'G<9' [tile_order]

Runs the flat writer, then write_hats in this process (a thread a CPU), and on a fresh
LocalCluster of 1 and of 2 worker processes (one thread each; the wall time includes starting
the cluster, the workers' start-up and Numba cache loading), and checks that the three
catalogues have the same bytes. CPU seconds add this process's and the workers' (from their
start): on a shared machine they say more than the wall time.
"""

import shutil
import sys
import tempfile
import time
from pathlib import Path

from starmaker import write_hats
from starmaker.galaxy.survey import MilkyWay
from starmaker.io.distributed import local_cluster
from starmaker.io.hats import catalog_files


def _line(name, n, wall, cpu):
    print(f"{name:18s} {n:9d} stars  wall {wall:7.1f} s {n / wall:9.0f} stars/s  "
          f"cpu {cpu:7.1f} s {n / cpu:9.0f} stars/cpu-s", flush=True)


if __name__ == "__main__":
    from dask.distributed import Client

    limit = sys.argv[1] if len(sys.argv) > 1 else "G<9"
    tile_order = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    root = Path(tempfile.mkdtemp(prefix="hats-speed-"))
    try:
        t, c = time.perf_counter(), time.process_time()
        n = MilkyWay().write(root / "flat.parquet", limit, seed=1)
        _line("flat write_sky", n, time.perf_counter() - t, time.process_time() - c)
        files = {}
        t, c = time.perf_counter(), time.process_time()
        n = write_hats(root / "in", limit, 1, tile_order=tile_order, progress=False)
        _line("hats in-process", n, time.perf_counter() - t, time.process_time() - c)
        files["in"] = catalog_files(root / "in")
        for w in (1, 2):
            t, c = time.perf_counter(), time.process_time()
            with local_cluster(w) as cluster, Client(cluster) as client:
                n = write_hats(root / f"w{w}", limit, 1, client=client, tile_order=tile_order, progress=False)
                wcpu = sum(client.run(time.process_time).values())
            _line(f"hats {w} worker(s)", n, time.perf_counter() - t, time.process_time() - c + wcpu)
            files[w] = catalog_files(root / f"w{w}")
        print("same bytes:", all(f == files["in"] for f in files.values()))
    finally:
        shutil.rmtree(root, ignore_errors=True)

"""Two Dask workers against one (issue 13: "2 workers ≥ 1.8× one"): ``write_hats`` on a fresh
local cluster of 1 and of 2 worker processes, alternately, ``repeats`` times each.

    PYTHONPATH=src python benchmarks/hats_workers.py 'G<16' [repeats [every [malloc]]]

The field is every ``every``-th nside-16 pixel (default 4: a quarter of the sky, spread over all
of it, so the plane, the bulge and the poles are in it in their share). Each run's wall time
includes the cluster's start, the workers' warm-up, the tiles and the partitions; CPU seconds
are the workers' (user + system, ``resource.getrusage`` in each worker) and this process's.
``malloc``: ``starmaker`` (default: ``local_cluster``, glibc's allocator as outside Dask) or
``dask`` (Dask's own nanny environment, ``MALLOC_TRIM_THRESHOLD_=65536``: the before). Every
run's files are checked to have the same bytes. Wall times mean something only on a machine
with two idle cores.
"""

import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _cluster(workers: int, malloc: str):
    from dask.distributed import LocalCluster

    from starmaker.io.distributed import WORKER_ENV, local_cluster

    if malloc == "starmaker":
        return local_cluster(workers)
    return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                        env=dict(WORKER_ENV))


def run(limit: str, workers: int, field: str, root: Path, malloc: str) -> tuple[int, float, float, dict]:
    from dask.distributed import Client

    from starmaker import write_hats
    from starmaker.io.hats import catalog_files

    path = root / f"w{workers}"
    shutil.rmtree(path, ignore_errors=True)
    t, c = time.perf_counter(), _cpu()
    with _cluster(workers, malloc) as cluster, Client(cluster) as client:
        n = write_hats(path, limit, 1, client=client, field=field, progress=False)
        wcpu = sum(client.run(_cpu).values())
    wall = time.perf_counter() - t
    return n, wall, _cpu() - c + wcpu, catalog_files(path)


if __name__ == "__main__":
    limit = sys.argv[1] if len(sys.argv) > 1 else "G<16"
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    every = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    malloc = sys.argv[4] if len(sys.argv) > 4 else "starmaker"
    field = "pixels:" + ",".join(str(p) for p in range(0, 3072, every))
    root = Path(tempfile.mkdtemp(prefix="hats-workers-"))
    walls: dict[int, list[float]] = {1: [], 2: []}
    hashes = []
    try:
        for _ in range(repeats):
            for w in (1, 2):
                n, wall, cpu, files = run(limit, w, field, root, malloc)
                walls[w].append(wall)
                hashes.append(files)
                print(f"{limit} every {every}th pixel, {w} worker(s), malloc {malloc}: {n} stars, "
                      f"wall {wall:.1f} s "
                      f"({n / wall:,.0f} stars/s), cpu {cpu:.1f} s ({n / cpu:,.0f} stars/cpu-s)", flush=True)
        one, two = statistics.median(walls[1]), statistics.median(walls[2])
        print(f"median wall: 1 worker {one:.1f} s, 2 workers {two:.1f} s: {one / two:.2f}x; "
              f"same bytes: {all(h == hashes[0] for h in hashes)}")
    finally:
        shutil.rmtree(root, ignore_errors=True)

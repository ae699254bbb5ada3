"""Speed of making the magnitude-limited Milky Way: stars per second (per core) and peak memory.

Each limit runs in a fresh subprocess pinned to one core (NUMBA_NUM_THREADS=1, the process
bound to CPU 0), so "per core" means what it says and the peak resident set size
(``ru_maxrss`` of that process: interpreter, imports, grids, tables and the output table) is
its own. ``cold`` is the first call in the process (imports done; grid loading, Numba cache
loading and the per-population mass tables included): what a user of the CLI waits for.
``warm`` is the median of the following calls (tables cached).

    python benchmarks/bench_sky.py                       # G<10, G<12, V<12 (the Galaxia survey)
    python benchmarks/bench_sky.py --limits G<8 G<14     # any limits
    python benchmarks/bench_sky.py --all-cores           # let Numba use every core

The peer: Galaxia 0.7.2 (C++) made the all-sky V < 12 survey, 5.36 million stars, in 776 s on
one core (6.9 thousand stars per second, 534 MB peak) after a 618 s, 3 GB one-time setup,
measured on this project's 2-core machine when the issue was filed; it is not built here, so
that figure is quoted, not re-measured.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

GALAXIA_V12 = {"stars": 5.36e6, "seconds": 776.0, "peak_mb": 534.0}


def _worker(limit: str, repeats: int) -> None:
    import resource

    import starmaker as sm

    mw = sm.MilkyWay()
    t0 = time.perf_counter()
    n = len(mw.make(limit, seed=1))
    cold = time.perf_counter() - t0
    warm = []
    for r in range(repeats):
        t0 = time.perf_counter()
        mw.make(limit, seed=2 + r)
        warm.append(time.perf_counter() - t0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"limit": limit, "stars": n, "cold_s": cold,
                      "warm_s": statistics.median(warm) if warm else float("nan"), "peak_bytes": peak}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limits", nargs="+", default=["G<10", "G<12", "V<12"])
    ap.add_argument("--repeats", type=int, default=2, help="warm calls per limit (median)")
    ap.add_argument("--all-cores", action="store_true", help="do not pin to one core")
    ap.add_argument("--worker", nargs=2, metavar=("LIMIT", "REPEATS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        _worker(args.worker[0], int(args.worker[1]))
        return
    env = dict(os.environ)
    prefix = []
    if not args.all_cores:
        env.update(NUMBA_NUM_THREADS="1", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
        prefix = ["taskset", "-c", "0"] if _has_taskset() else []
    print(f"{'limit':>6} {'stars':>10} {'cold s':>8} {'warm s':>8} {'stars/s/core (cold)':>20} "
          f"{'(warm)':>10} {'peak MB':>8}")
    for limit in args.limits:
        reps = args.repeats if not limit.endswith(("14", "13")) else 0
        res = subprocess.run([*prefix, sys.executable, __file__, "--worker", limit, str(reps)],
                             env=env, capture_output=True, text=True, check=False)
        if res.returncode != 0:
            print(f"{limit:>6} failed: {res.stderr.strip().splitlines()[-1:]}")
            continue
        r = json.loads(res.stdout.strip().splitlines()[-1])
        cores = 1 if not args.all_cores else os.cpu_count()
        cold_rate = r["stars"] / r["cold_s"] / cores
        warm_rate = r["stars"] / r["warm_s"] / cores if r["warm_s"] == r["warm_s"] else float("nan")
        print(f"{limit:>6} {r['stars']:>10} {r['cold_s']:>8.2f} {r['warm_s']:>8.2f} {cold_rate:>20,.0f} "
              f"{warm_rate:>10,.0f} {r['peak_bytes'] / 2**20:>8.0f}")
        if limit == "V<12":
            g = GALAXIA_V12["stars"] / GALAXIA_V12["seconds"]
            print(f"       Galaxia 0.7.2, V<12 (quoted): {g:,.0f} stars/s/core, "
                  f"{GALAXIA_V12['peak_mb']:.0f} MB; ratio starmaker/Galaxia: cold {cold_rate / g:.0f}x, "
                  f"warm {warm_rate / g:.0f}x")


def _has_taskset() -> bool:
    from shutil import which

    return which("taskset") is not None


if __name__ == "__main__":
    main()

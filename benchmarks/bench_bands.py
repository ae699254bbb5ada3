"""Speed of MIST bolometric-correction photometry (``starmaker.photometry.mist_bc``): stars per
second on one core for K bands, without and with extinction, and of ``starmaker.shine`` (a table
of stars in, the table with M_<band> columns out) in the default bands.

    python benchmarks/bench_bands.py              # 10^6 stars of a 1 Gyr cluster, 10 bands
    python benchmarks/bench_bands.py --n 5000000 --bands all
    python benchmarks/bench_bands.py --bands default

The stars are a MIST isochrone population (``Cluster(mass, age="1Gyr").make``) resampled to
``--n``, in their made order (not sorted): what a real call sees. Timings are medians of
``--repeats`` calls after one warm-up call (which reads the tables and compiles the kernel);
stars/s/core is computed from the process's CPU time (the wall clock is printed too: on a busy
machine it is the larger).
The kernel is serial (no ``parallel=True``): one core. The issue's goal: >= 5e6 stars/s/core for
10 bands.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np  # noqa: E402

TEN = "G,BP,RP,B,V,J,H,Ks,W1,SDSS_r"


def stars(n: int, seed: int = 1):
    import starmaker

    t = starmaker.Cluster(mass=1e5, age="1Gyr", feh=0.0).make(seed=seed)
    cols = [np.asarray(t[k], float) for k in ("log_L", "log_Teff", "log_g", "feh")]
    ok = np.all([np.isfinite(c) for c in cols], axis=0)
    rng = np.random.default_rng(seed)
    idx = rng.choice(np.flatnonzero(ok), size=n)
    a_v = rng.uniform(0.0, 3.0, n)
    return [c[idx] for c in cols], a_v, t.select(idx)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--bands", default=TEN)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()

    from starmaker.photometry.magnitudes import shine
    from starmaker.photometry.mist_bc import absolute_magnitudes, resolve_bands

    k = len(resolve_bands(args.bands))
    (lL, lT, lg, fe), a_v, table = stars(args.n)
    for label, av in (("no extinction", None), ("with A_V", a_v)):
        absolute_magnitudes(lL[:1000], lT[:1000], lg[:1000], fe[:1000], args.bands,
                            None if av is None else av[:1000])
        wall, cpu = [], []
        for _ in range(args.repeats):
            t0, c0 = time.perf_counter(), time.process_time()
            absolute_magnitudes(lL, lT, lg, fe, args.bands, av)
            wall.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        t, c = statistics.median(wall), statistics.median(cpu)
        print(f"{label:14s} {args.n:>10,d} stars x {k} bands: wall {t:.3f} s, cpu {c:.3f} s  ->  "
              f"{args.n / c / 1e6:.2f} M stars/s/core (cpu time; {args.n / t / 1e6:.2f} by wall clock)")
    wall, cpu = [], []
    for _ in range(args.repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        shine(table)
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    t, c = statistics.median(wall), statistics.median(cpu)
    print(f"{'shine(default)':14s} {len(table):>10,d} stars x 8 bands: wall {t:.3f} s, cpu {c:.3f} s  ->  "
          f"{len(table) / c / 1e6:.2f} M stars/s/core (cpu time; {len(table) / t / 1e6:.2f} by wall clock)")


if __name__ == "__main__":
    main()

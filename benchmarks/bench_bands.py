"""Speed of MIST bolometric-correction photometry (``starmaker.photometry.mist_bc``): stars per
second on one core in K bands (default 10: the 8 default bands + SDSS_r + WISE_W1), for two star
mixes and three paths, and of ``starmaker.shine`` in the default bands.

    python benchmarks/bench_bands.py                          # 10^6 stars, 10 bands, both mixes
    python benchmarks/bench_bands.py --n 5000000 --bands all --mix cluster
    python benchmarks/bench_bands.py --baseline 451bd5d       # A/B against an older mist_bc.py

Mixes (each resampled to ``--n`` stars, in random order: what a real call sees):
  cluster  a MIST isochrone population (``Cluster(1e5 Msun, age="1Gyr", feh=0).make``), A_V
           uniform in 0–3 mag;
  survey   the stars of a made sky (``MilkyWay().make("G<9")``: every [Fe/H], age and phase the
           survey keeps) with their own A_V from the default dust model.
Paths:
  M          ``mist_bc.absolute_magnitudes`` without A_V (what ``shine`` and the survey's cut use);
  M+A        ``magnitudes.absolute_and_extinctions``: M and A_band in one pass (the survey's
             ``_observe`` for the stars it keeps);
  M, then A  ``magnitudes.absolute_magnitudes`` then ``magnitudes.extinctions``: two calls.
Timings are the best (and median) of ``--repeats`` calls after one warm-up call (which reads the
tables and compiles or loads the kernel); stars/s/core is from the process's CPU time. The kernel
is serial: the benchmark sets NUMBA_NUM_THREADS=1; pin it with ``taskset -c 0`` for one core.
On a machine shared with other work the best of N is the figure to compare, taken under the same
load: ``--baseline REV`` also times REV's ``mist_bc.py`` (read with ``git show``) in the same
process, call for call alternating with today's (its M+A is its ``absolute_magnitudes(...,
a_v)``, its two calls those the registry made: ``absolute_magnitudes(0, ..., a_v)`` for A).
The issue's goal: >= 5e6 stars/s/core for 10 bands.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np  # noqa: E402

TEN = "G,BP,RP,B,V,J,H,Ks,W1,SDSS_r"


def cluster_mix(n: int, seed: int = 1):
    import starmaker

    t = starmaker.Cluster(mass=1e5, age="1Gyr", feh=0.0).make(seed=seed)
    cols = [np.asarray(t[k], float) for k in ("log_L", "log_Teff", "log_g", "feh")]
    ok = np.all([np.isfinite(c) for c in cols], axis=0)
    rng = np.random.default_rng(seed)
    idx = rng.choice(np.flatnonzero(ok), size=n)
    return [c[idx] for c in cols], rng.uniform(0.0, 3.0, n), t.select(idx)


def survey_mix(n: int, seed: int = 1, limit: str = "G<9"):
    import starmaker

    t = starmaker.MilkyWay().make(limit, seed=seed)
    cols = [np.asarray(t[k], float) for k in ("log_L", "log_Teff", "log_g", "feh", "A_V")]
    idx = np.random.default_rng(seed).integers(0, len(t), n)
    return [c[idx] for c in cols[:4]], cols[4][idx], t.select(idx)


def timed(fs, repeats: int) -> list[tuple[float, float]]:
    """(best, median) CPU seconds of each function of ``fs`` over ``repeats`` rounds, after one
    warm-up call each; a round calls them one after the other (so they share the load)."""
    for f in fs:
        f()
    cpu: list[list[float]] = [[] for _ in fs]
    for _ in range(repeats):
        for f, c in zip(fs, cpu, strict=True):
            c0 = time.process_time()
            f()
            c.append(time.process_time() - c0)
    return [(min(c), statistics.median(c)) for c in cpu]


def load_baseline(rev: str):
    """``mist_bc.py`` of git revision ``rev``, imported as a module of its own."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    src = subprocess.run(["git", "-C", root, "show", f"{rev}:src/starmaker/photometry/mist_bc.py"],
                         capture_output=True, text=True, check=True).stdout
    path = os.path.join(tempfile.mkdtemp(prefix="bench_bands_"), "mist_bc_baseline.py")
    with open(path, "w") as f:
        f.write(src)
    spec = importlib.util.spec_from_file_location("mist_bc_baseline", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def line(label: str, n: int, k: int, best: float, median: float) -> str:
    return (f"  {label:24s} {n:>10,d} stars x {k:2d} bands: cpu best {best:.3f} s (median {median:.3f})"
            f"  ->  {n / best / 1e6:6.2f} M stars/s/core (median {n / median / 1e6:.2f})")


def run_mix(mix: str, args, names: tuple[str, ...], base, with_shine: bool) -> None:
    from starmaker.photometry import magnitudes as mag
    from starmaker.photometry.mist_bc import absolute_magnitudes

    k = len(names)
    (lL, lT, lg, fe), a_v, table = (cluster_mix if mix == "cluster" else survey_mix)(args.n)
    print(f"{mix} mix (A_V median {np.median(a_v):.2f} mag):")
    paths = [
        ("M", lambda: absolute_magnitudes(lL, lT, lg, fe, names),
         lambda: base.absolute_magnitudes(lL, lT, lg, fe, names)),
        ("M+A (one pass)", lambda: mag.absolute_and_extinctions(lL, lT, lg, fe, a_v, names),
         lambda: base.absolute_magnitudes(lL, lT, lg, fe, names, a_v)),
        ("M, then A (two calls)", lambda: (mag.absolute_magnitudes(lL, lT, lg, fe, names),
                                           mag.extinctions(a_v, lT, lg, fe, names)),
         lambda: (base.absolute_magnitudes(lL, lT, lg, fe, names),
                  base.absolute_magnitudes(0.0, lT, lg, fe, names, a_v))),
    ]
    for label, f, g in paths:
        res = timed([f, g] if base is not None else [f], args.repeats)
        print(line(label, args.n, k, *res[0]))
        if base is not None:
            print(line(f"  [{args.baseline}]", args.n, k, *res[1]), flush=True)
    if with_shine:
        print(line("shine(default)", len(table), 8, *timed([lambda: mag.shine(table)], args.repeats)[0]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--bands", default=TEN)
    ap.add_argument("--mix", choices=("cluster", "survey", "both"), default="both")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--baseline", metavar="REV", help="also time this git revision's mist_bc.py")
    args = ap.parse_args()

    from starmaker.photometry.mist_bc import resolve_bands

    names = resolve_bands(args.bands)
    base = load_baseline(args.baseline) if args.baseline else None
    print(f"NUMBA_NUM_THREADS={os.environ['NUMBA_NUM_THREADS']}, CPUs allowed: "
          f"{sorted(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else '?'}")
    mixes = ("cluster", "survey") if args.mix == "both" else (args.mix,)
    for mix in mixes:
        run_mix(mix, args, names, base, with_shine=mix == mixes[0])


if __name__ == "__main__":
    main()

"""Where the survey's time goes: one core, a G<16 sky over a few order-4 pixels, end to end.

``MilkyWay.make_pixels`` (draw, evolve, shine, dim, select, velocities) and then the Parquet
write of its stars, timed as a whole (stars/s end to end, best and median of ``--repeats``
warm runs after one untimed run that loads grids, Numba caches and mass tables) and stage by
stage: the survey's functions are wrapped with ``time.perf_counter`` timers that count each
stage's own time (a stage called inside another is taken out of the outer one):

* draw        ``draw.expected_rows``, ``pixel_counts``, ``births_for_rows``, less what is below
              (expected counts, Poisson, rows, cells)
* windows     ``windows.window_cdf``, ``dying_mass_in_cell``, ``ppf_without_holes`` (the IMF)
* dust        ``a_v`` and ``a_v_profile`` of the dust model (draw and observe)
* evolve      ``evolve_through`` (MIST)
* photometry  ``absolute_magnitudes``, ``absolute_and_extinctions``, ``apparent_magnitudes``
* observe     the rest of ``observed.observe`` (frames, masks, the cut, the columns)
* select      ``Stars.select`` (row selection of whole tables)
* kinematics  ``observed.velocities``
* write       ``Stars.write`` to Parquet (``to_arrow`` and the zstd-compressed write)
* other       the rest (the plan, concatenation)

Stages are timed in CPU seconds of the process (``time.process_time``: on one thread, the time
the work itself took, which other jobs on a shared machine disturb far less than the wall
clock); the end to end rate is given both ways.

Run pinned to one core (the machine is shared: quote best and median)::

    NUMBA_NUM_THREADS=1 taskset -c 0 python benchmarks/profile_survey.py --repeats 5
    ... --cprofile            # also cProfile one run: the top functions by own time
    ... --limit G<14 --pixels 1000 2000

The pixels (nested, ICRS, nside 16 = HEALPix order 4) default to two in the Galactic plane and
two at high latitude (see ``DEFAULT_LB``).
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

#: (l, b) in degrees of the default pixels' centres: two in the plane, two at high latitude
DEFAULT_LB = ((30.0, 1.0), (280.0, -3.0), (150.0, 50.0), (270.0, -75.0))
STAGES = ("draw", "windows", "dust", "evolve", "photometry", "observe", "select", "kinematics", "write",
          "other")


class Timers:
    """Own time per stage: a stage's time less that of the stages called inside it."""

    def __init__(self) -> None:
        self.own = dict.fromkeys(STAGES, 0.0)
        self.stack: list[list] = []

    def wrap(self, stage: str, fn):
        @functools.wraps(fn)
        def timed(*args, **kwargs):
            frame = [stage, 0.0]  # time spent in stages below this one
            self.stack.append(frame)
            t0 = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                dt = time.process_time() - t0
                self.stack.pop()
                self.own[stage] += dt - frame[1]
                if self.stack:
                    self.stack[-1][1] += dt
        return timed

    def reset(self) -> None:
        self.own = dict.fromkeys(STAGES, 0.0)


def instrument(timers: Timers) -> None:
    from starmaker import stars as stars_mod
    from starmaker.galaxy import draw, observed, survey
    from starmaker.place import dust

    for name in ("expected_rows", "pixel_counts", "births_for_rows"):
        setattr(draw, name, timers.wrap("draw", getattr(draw, name)))
    for name in ("window_cdf", "dying_mass_in_cell", "ppf_without_holes"):
        setattr(draw, name, timers.wrap("windows", getattr(draw, name)))
    observed.evolve_through = timers.wrap("evolve", observed.evolve_through)
    for name in ("absolute_magnitudes", "absolute_and_extinctions", "apparent_magnitudes"):
        setattr(observed, name, timers.wrap("photometry", getattr(observed, name)))
    survey._observe = timers.wrap("observe", survey._observe)
    observed.velocities = timers.wrap("kinematics", observed.velocities)
    stars_mod.Stars.select = timers.wrap("select", stars_mod.Stars.select)
    for cls in (dust.DustDisk, dust.MapScaledDust):
        for name in ("a_v", "a_v_profile"):
            setattr(cls, name, timers.wrap("dust", getattr(cls, name)))


def default_pixels() -> list[int]:
    from starmaker.galaxy import healpix
    from starmaker.place.frames import galactic_to_icrs

    return [int(healpix.radec_pixel(*galactic_to_icrs(lon, lat), 16)) for lon, lat in DEFAULT_LB]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", default="G<16")
    ap.add_argument("--pixels", type=int, nargs="+", help="nested nside-16 pixels (default: DEFAULT_LB's)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=5, help="timed warm runs (best and median quoted)")
    ap.add_argument("--cprofile", action="store_true", help="also cProfile one run (top own times)")
    ap.add_argument("--no-stages", action="store_true", help="time end to end only (no stage timers)")
    args = ap.parse_args()

    import starmaker as sm

    pixels = args.pixels or default_pixels()
    mw = sm.MilkyWay()
    timers = Timers()
    if not args.no_stages:
        instrument(timers)
    tmp = Path(tempfile.mkdtemp(prefix="profile_survey_"))
    out = tmp / "sky.parquet"

    def run():
        w0, t0 = time.perf_counter(), time.process_time()
        stars = mw.make_pixels(pixels, seed=args.seed, limit=args.limit)
        t1 = time.process_time()
        stars.write(out)
        t2 = time.process_time()
        return len(stars), time.perf_counter() - w0, t2 - t0, t2 - t1

    n, *_ = run()  # warm-up: grids, Numba caches, mass tables
    results = []
    for _ in range(args.repeats):
        timers.reset()
        n, wall, total, write = run()
        own = dict(timers.own)
        own["write"] = write
        own["other"] = total - sum(v for k, v in own.items() if k != "other")
        results.append((total, own, wall))
    best_total, best_own, _ = min(results, key=lambda r: r[0])
    totals = [r[0] for r in results]
    walls = [r[2] for r in results]
    threads = os.environ.get("NUMBA_NUM_THREADS")
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    print(f"{args.limit}, pixels {pixels} (nside 16), seed {args.seed}: {n:,} stars, "
          f"{out.stat().st_size / n:.1f} bytes/star in Parquet; NUMBA_NUM_THREADS={threads}, {cpus} CPU(s)")
    for what, t in (("CPU", totals), ("wall", walls)):
        best, med = min(t), statistics.median(t)
        print(f"end to end (make_pixels + write), {what}: best {best:.3f} s = "
              f"{n / best / 1e3:,.0f} k stars/s, median {med:.3f} s = {n / med / 1e3:,.0f} k stars/s "
              f"({args.repeats} runs)")
    if not args.no_stages:
        print("\n| stage | CPU seconds (best run) | share |\n|---|---:|---:|")
        for k in STAGES:
            print(f"| {k} | {best_own[k]:.3f} | {100 * best_own[k] / best_total:.0f} % |")
    if args.cprofile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.runcall(run)
        pstats.Stats(prof, stream=sys.stdout).sort_stats("tottime").print_stats(30)
    out.unlink(missing_ok=True)
    tmp.rmdir()


if __name__ == "__main__":
    main()

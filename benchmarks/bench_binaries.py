"""What binaries cost in the survey (issue 14): CPU seconds of ``MilkyWay(...).make_pixels`` of
an eighth of the sky (nested pixels 0-383 at nside 16) with and without a multiplicity model,
and where the binaries' time goes.

::

    NUMBA_NUM_THREADS=1 taskset -c 0 python benchmarks/bench_binaries.py            # G<8, seed 1
    ... --limit G<7 --seed 2 --repeats 5 --models none moe2017@0.4 spisea@0.4 trilegal@none

Each model is made once untimed (grids, tables, Numba caches), then ``--repeats`` times, timed
in CPU seconds of the process (``time.process_time``: the work itself, little disturbed by other
jobs on a shared machine); the median and the spread are printed, with the rows made. With a
model, the median run's time is also split (CPU seconds spent inside, each counted with what it
calls):

* primaries  ``draw.births_for_rows`` of the primaries (the windows' draw to the widened limit)
* hosts      ``draw.births_for_rows`` of the hosts (dead primaries drawn from their own tables)
* host comp. the hosts' companions' keyed draw: ``systems._companion_in`` (each host accepted
             or not, its companions drawn with one in its window; an older starmaker's spisea:
             ``systems._companions``, every companion)
* judge      ``systems._bright_companions``: which hosts' companions pass (evolved and made to
             shine; spisea's judged first, most of those out of the window found faint without
             being evolved)

and the hosts drawn (the rows of the hosts' draw kept by its thinning, as they reach
``systems._host_systems``) in the median run.
* rest       everything else (the primaries shone, their companions, the rows, velocities)
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

from starmaker.galaxy import draw, survey, systems  # noqa: E402

STAGES = ("primaries", "hosts", "host comp.", "judge")


def _timed(own: dict, module, name: str, stage) -> None:
    """Wrap ``module.name`` so that its CPU time is added to ``own[stage(args, kwargs)]``."""
    f = getattr(module, name, None)
    if f is None:  # (an older starmaker: not there)
        return

    def wrapper(*args, **kwargs):
        t = time.process_time()
        try:
            return f(*args, **kwargs)
        finally:
            own[stage(args, kwargs)] += time.process_time() - t

    setattr(module, name, wrapper)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", default="G<8")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pixels", type=int, nargs=2, default=(0, 384), help="first and end pixel (nside 16)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--models", nargs="+", default=["none", "moe2017@0.4"],
                    help="MODEL@RESOLUTION_ARCSEC (none: single stars; @none: every companion resolved)")
    a = ap.parse_args()
    own = dict.fromkeys(STAGES, 0.0)
    own["rest"] = 0.0  # (the primaries' companions: not printed apart)
    own["hosts drawn"] = 0
    _timed(own, draw, "births_for_rows",  # the hosts' tables are the eighth argument
           lambda args, kw: "hosts" if len(args) > 7 or kw.get("cells") else "primaries")
    _timed(own, systems, "_companions", lambda args, kw: "host comp." if kw.get("key") == (3, 1) else "rest")
    _timed(own, systems, "_companion_in", lambda args, kw: "host comp.")
    _timed(own, systems, "_bright_companions", lambda args, kw: "judge")
    timed = draw.births_for_rows

    def counted(*args, **kwargs):  # the hosts drawn
        out = timed(*args, **kwargs)
        if out is not None and (len(args) > 7 or kwargs.get("cells")):
            own["hosts drawn"] += len(out["m"])
        return out

    draw.births_for_rows = counted
    pixels = range(*a.pixels)
    print(f"{a.limit}, seed {a.seed}, pixels {a.pixels[0]}-{a.pixels[1] - 1}, {a.repeats} runs after one "
          f"untimed, CPU s", flush=True)
    base = None
    for spec in a.models:
        model, res = (spec.split("@") + ["none"])[:2]
        mw = survey.MilkyWay(multiplicity=None if model == "none" else model,
                             resolution_arcsec=None if res == "none" else float(res))
        mw.make_pixels(pixels, seed=a.seed, limit=a.limit)
        runs = []
        for _ in range(a.repeats):
            for k in own:
                own[k] = 0.0
            t = time.process_time()
            n = len(mw.make_pixels(pixels, seed=a.seed, limit=a.limit))
            runs.append((time.process_time() - t, dict(own)))
        runs.sort(key=lambda r: r[0])
        med, split = runs[len(runs) // 2]
        base = med if model == "none" else base
        ratio = f", {med / base:.1f}x single stars" if base and model != "none" else ""
        print(f"{spec:14s} rows {n:7d}  median {med:7.2f} s (min {runs[0][0]:.2f}, max {runs[-1][0]:.2f})"
              f"{ratio}", flush=True)
        if model != "none":
            inside = sum(split[k] for k in STAGES)
            print("    " + "  ".join(f"{k} {split[k]:.2f}" for k in STAGES) + f"  rest {med - inside:.2f}"
                  f"  (hosts drawn {int(split['hosts drawn']):,})", flush=True)


if __name__ == "__main__":
    main()

"""Faint-end counts and a cost model for the whole sky to Gaia's depth, from a sample of pixels.

Making the whole sky to G < 20.7 (≈ 1.6 × 10⁹ stars from ≈ 4.3 × 10⁹ drawn rows) is too slow to do
here, but the survey knows, before making anything, how many rows it will draw in each order-4
pixel (nside 16, 3072 pixels) for any limit: ``draw.expected_rows`` (the expected rows per
population, window and shell) and ``draw.pixel_counts`` (their Poisson draw, from the pixel's
own generator). So a stratified random sample of pixels is made, each streamed on its own, and
the rest is estimated:

* ``plan DIR``: every pixel's centre (l, b), its expected rows at the limit and at G < 12 … 20,
  and its drawn rows (the Poisson counts' sum) at the limit, into ``DIR/plan.csv`` (≈ 1 CPU s a
  limit, once the mass tables are built or read from the cache);
* ``sample DIR``: a stratified random sample into ``DIR/sample.json``: strata by |b| of the
  pixel's centre, the plane's by drawn rows, the two heaviest cut by the bulge's box
  (``strata``); ``--n`` sets the sizes (a larger size extends the same sample);
* ``measure DIR``: each sampled pixel not yet in ``DIR/pixels.jsonl`` made to the limit in a fresh
  process (a warm-up first: import, then a small cone at the limit, so MIST, the mass tables and
  the kernels are loaded, timed apart), streamed with ``iter_sky`` on one thread: CPU seconds
  (``process_time``), peak RSS (``ru_maxrss`` of the process: interpreter, MIST and tables
  included, as a worker has them), stars and their counts in G bins of 0.1 mag; one process at a
  time, cheapest pixel first, appended as they come (a cache: run again to resume).
  ``--tile PIXEL[:LIMIT]``: the path a Dask task takes (``io.distributed._make_tile``: the pixel's
  stars made piece by piece, staged in runs sorted by ``_healpix_29``): peak RSS and the sort and
  write's CPU per star, into ``DIR/tiles.jsonl`` (records of the older path, which held a tile
  whole, give its memory per star). ``--catalog P1,P2[:LIMIT]``:
  ``write_hats`` of those pixels in this process, ``write_catalog`` (the client's merge of the tiles
  into partitions) timed apart, into ``DIR/catalog.jsonl``. ``--whole LIMIT``: the whole sky to a
  bright limit, counted, into ``DIR/whole.jsonl`` (a check of the estimator: another draw);
* ``model DIR``: the full-sky N(<G), G = 12 … 20 and the limit, by separate regression, ratio and
  expansion estimators per stratum (covariate: the pixel's expected rows at that G, known for
  every pixel) with their standard errors; a fit of a pixel's CPU seconds to its drawn rows and
  stars; every pixel's predicted stars and cost; the tiles ``io.distributed`` builds (order 2 by
  default, also 3 and 4), the largest tile's memory on the task's path, and the wall time on 1, 16
  and 256 workers (tiles handed in submission order to the first free worker, as Dask hands them
  out, and longest first), with the warm-ups and the client's catalogue write. Markdown tables.

Run it on one core, one process at a time (the numbers are CPU seconds of one core)::

    NUMBA_NUM_THREADS=1 taskset -c 0 python benchmarks/cost_model.py plan out/cost
    python benchmarks/cost_model.py sample out/cost
    NUMBA_NUM_THREADS=1 taskset -c 0 python benchmarks/cost_model.py measure out/cost --budget 2400
    NUMBA_NUM_THREADS=1 taskset -c 0 python benchmarks/cost_model.py measure out/cost --whole "G<12"
    NUMBA_NUM_THREADS=1 taskset -c 0 python benchmarks/cost_model.py measure out/cost --tile 1867
    NUMBA_NUM_THREADS=1 taskset -c 0 python benchmarks/cost_model.py measure out/cost --catalog 1296,934
    python benchmarks/cost_model.py model out/cost
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import math
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

NSIDE = 16
NPIX = 12 * NSIDE**2
LIMIT = "G<20.7"
SEED = 1
#: the G values whose cumulative counts N(<G) are estimated
COUNT_MAGS = tuple(range(12, 21))
#: histogram edges of the measured stars' G (0.1 mag from 12 to 20.7; below 12 one bin)
G_EDGES = np.round(np.arange(12.0, 20.7001, 0.1), 1)
#: |b| strata edges (deg); the plane's strata are split further by planned rows (see ``sample``)
B_EDGES = (0.0, 5.0, 10.0, 20.0, 30.0, 50.0, 90.01)
#: sample sizes per stratum (plane strata first: |b| < 5 cut by rows at the quantiles below)
DEFAULT_N = {"b0-5:top:bulge": 4, "b0-5:top": 5, "b0-5:mid": 6, "b0-5:low": 6, "b5-10:top:bulge": 4,
             "b5-10:top": 4, "b5-10:low": 6, "b10-20": 8, "b20-30": 8, "b30-50": 10, "b50-90": 10}
#: the bulge's box (|l|, |b| in deg), a stratum of its own within the plane's heaviest strata
BULGE_DEG = (10.0, 10.0)


# --------------------------------------------------------------------------- the plan
def _galactic_centres():
    from starmaker.galaxy import healpix
    from starmaker.place.frames import icrs_to_galactic

    pix = np.arange(NPIX)
    return icrs_to_galactic(*healpix.pixel_radec(pix, NSIDE, 0.5, 0.5))


def _expected_rows(limit: str) -> tuple[np.ndarray, np.ndarray]:
    """Every pixel's expected rows at ``limit`` and its drawn rows (the Poisson counts' sum)."""
    import starmaker.galaxy.survey as sv
    from starmaker.galaxy import draw
    from starmaker.galaxy.components import milky_way_components

    plan = sv._plan(milky_way_components(), limit, SEED, None, NSIDE, None, 0.0)
    pix = np.arange(NPIX)
    flat, _, _ = draw.expected_rows(pix, draw.shells(NSIDE), plan.pops, plan.tables, plan.lim, plan.dust)
    drawn = np.array([int(draw.pixel_counts(SEED, p, flat[p])[0].sum()) for p in pix])
    return flat.sum(axis=1), drawn


def cmd_plan(out: Path, limit: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    c0 = time.process_time()
    l_c, b_c = _galactic_centres()
    cols = {"pixel": np.arange(NPIX), "l": l_c, "b": b_c}
    cols["rows_exp"], cols["rows_drawn"] = _expected_rows(limit)
    for m in COUNT_MAGS:
        cols[f"rows_exp_{m}"], _ = _expected_rows(f"G<{m}")
    with open(out / "plan.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(cols)
        for k in range(NPIX):
            w.writerow([_fmt(cols[c][k]) for c in cols])
    (out / "plan.json").write_text(json.dumps({"limit": limit, "seed": SEED, "nside": NSIDE,
                                               "cpu_s": round(time.process_time() - c0, 2)}))
    print(f"plan: {NPIX} pixels, {cols['rows_drawn'].sum():.4g} drawn rows at {limit} "
          f"({time.process_time() - c0:.1f} CPU s) -> {out / 'plan.csv'}")


def _fmt(v) -> str:
    if isinstance(v, int | np.integer):
        return str(int(v))
    return repr(float(v))


def read_plan(out: Path) -> dict[str, np.ndarray]:
    with open(out / "plan.csv") as f:
        rows = list(csv.reader(f))
    head, body = rows[0], np.array(rows[1:], dtype=float)
    cols = {h: body[:, k] for k, h in enumerate(head)}
    cols["pixel"] = cols["pixel"].astype(np.int64)
    cols["rows_drawn"] = cols["rows_drawn"].astype(np.int64)
    return cols


# --------------------------------------------------------------------------- strata and sample
def base_strata(plan: dict[str, np.ndarray]) -> np.ndarray:
    """Each pixel's base stratum: by |b| of its centre; |b| < 5 split at the 50th and 85th
    percentiles of its drawn rows, 5–10 at the 75th."""
    ab = np.abs(plan["b"])
    rows = plan["rows_drawn"]
    name = np.empty(NPIX, dtype=object)
    for lo, hi in itertools.pairwise(B_EDGES):
        s = (ab >= lo) & (ab < hi)
        name[s] = f"b{lo:g}-{min(hi, 90):g}"
    plane = name == "b0-5"
    q50, q85 = np.percentile(rows[plane], [50, 85])
    name[plane & (rows > q85)] = "b0-5:top"
    name[plane & (rows > q50) & (rows <= q85)] = "b0-5:mid"
    name[plane & (rows <= q50)] = "b0-5:low"
    near = name == "b5-10"
    q75 = np.percentile(rows[near], 75)
    name[near & (rows > q75)] = "b5-10:top"
    name[near & (rows <= q75)] = "b5-10:low"
    return name


def strata(plan: dict[str, np.ndarray]) -> np.ndarray:
    """The strata: the base strata, the two with the most rows (``b0-5:top``, ``b5-10:top``) cut
    in two by the bulge's box (|l| < BULGE_DEG[0], |b| < BULGE_DEG[1]), where the rows per pixel
    are largest and the stars per row fewest (the dust)."""
    name = base_strata(plan)
    l_c = (plan["l"] + 180.0) % 360.0 - 180.0
    bulge = (np.abs(l_c) < BULGE_DEG[0]) & (np.abs(plan["b"]) < BULGE_DEG[1])
    for h in ("b0-5:top", "b5-10:top"):
        name[(name == h) & bulge] = h + ":bulge"
    return name


def cmd_sample(out: Path, sizes: dict[str, int], draw_seed: int) -> None:
    """Per base stratum a random order of its pixels (one generator, strata in name order); a
    stratum's sample is the first n of that order among its pixels. So a larger n extends the
    same sample, and a stratum cut from a base one (the bulge's box) has a random sample of it."""
    plan = read_plan(out)
    base, st = base_strata(plan), strata(plan)
    rng = np.random.default_rng(draw_seed)
    order = {h: rng.permutation(plan["pixel"][base == h]) for h in sorted(set(base))}
    chosen: dict[str, list[int]] = {}
    for h in sorted(set(st)):
        members = [p for p in order[base[st == h][0]] if st[p] == h]
        chosen[h] = sorted(int(p) for p in members[:sizes.get(h, 2)])
    info = {"draw_seed": draw_seed, "sizes": {h: len(v) for h, v in chosen.items()},
            "stratum_pixels": {h: int((st == h).sum()) for h in chosen}, "pixels": chosen}
    (out / "sample.json").write_text(json.dumps(info, indent=1))
    for h, v in chosen.items():
        rows = plan["rows_drawn"][v]
        print(f"{h:16s} N={int((st == h).sum()):4d} n={len(v):2d} drawn rows {rows.sum():.3g} pixels {v}")


# --------------------------------------------------------------------------- measurement
def _rss_mb() -> float:
    return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _warm(limit: str) -> dict:
    """Import, then a first make at ``limit`` (tables read or built, kernels loaded): the fixed
    cost of a process, as a worker pays it."""
    c0, w0 = time.process_time(), time.perf_counter()
    import starmaker.galaxy.survey as sv
    from starmaker.galaxy.components import milky_way_components
    from starmaker.galaxy.limits import Field

    c1 = time.process_time()
    field = Field.cone(192.9, 27.1, 0.05)  # a small cone at the north galactic pole: few rows to read
    n = sum(len(p) for p in sv.iter_sky(milky_way_components(), limit, seed=SEED, field=field, threads=1))
    return {"import_cpu_s": round(c1 - c0, 3), "first_make_cpu_s": round(time.process_time() - c1, 3),
            "warm_cpu_s": round(time.process_time() - c0, 3),
            "warm_wall_s": round(time.perf_counter() - w0, 3),
            "warm_rss_mb": round(_rss_mb(), 1),
            "warm_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "stars": n}


def _pixel_in_child(pixel: int, limit: str) -> dict:
    import starmaker.galaxy.survey as sv
    from starmaker.galaxy.components import milky_way_components
    from starmaker.galaxy.limits import Field

    c0, w0 = time.process_time(), time.perf_counter()
    hist = np.zeros(len(G_EDGES) + 1, np.int64)   # [< 12, 12–12.1, …, 20.6–20.7, ≥ 20.7]
    n = pieces = 0
    rss_max = 0.0
    for part in sv.iter_sky(milky_way_components(), limit, seed=SEED, field=Field.from_pixels([pixel]),
                            threads=1):
        g = np.asarray(part["G"])
        hist += np.bincount(np.searchsorted(G_EDGES, g, side="right"), minlength=len(hist))
        n += len(part)
        pieces += 1
        del part
        rss_max = max(rss_max, _rss_mb())
    cpu = time.process_time() - c0
    return {"pixel": pixel, "limit": limit, "seed": SEED, "stars": n, "pieces": pieces,
            "cpu_s": round(cpu, 3), "wall_s": round(time.perf_counter() - w0, 3),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "rss_max_between_pieces_mb": round(rss_max, 1), "g_hist": hist.tolist()}


def _tile_in_child(pixel: int, limit: str, staging: str) -> dict:
    """The Dask task's path for a one-pixel tile: ``io.distributed._make_tile`` (the pixel's stars
    made whole in memory by ``make_pixels``, ``_healpix_29`` computed, sorted, written as a staged
    Parquet tile with its manifest), after ``_prepare``'s import of hats."""
    import hashlib
    from dataclasses import asdict

    from starmaker.galaxy.limits import Field
    from starmaker.galaxy.survey import MilkyWay
    from starmaker.io import distributed as dist
    from starmaker.io.hats import DEFAULT_HISTOGRAM_ORDER, DEFAULT_PARTITION_ROWS

    mw = MilkyWay()
    empty = mw.make_pixels([], SEED, limit=limit, field=Field())
    meta = json.loads(json.dumps(empty.meta, default=str))
    spec = {"limit": limit, "seed": SEED, "field": asdict(Field()), "meta": meta, "epoch": 0.0,
            "errors": None, "columns": list(empty.columns), "histogram_order": DEFAULT_HISTOGRAM_ORDER,
            "partition_rows": DEFAULT_PARTITION_ROWS, "run_rows": dist.DEFAULT_RUN_ROWS}
    spec["run_key"] = hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()[:32]
    c0 = time.process_time()
    dist.spatial_index(np.zeros(1), np.zeros(1))      # what _prepare does after its pixel: imports hats
    hats_cpu = time.process_time() - c0
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    made = {"cpu": 0.0, "stars": 0, "nbytes": 0, "rss_mb": 0.0}
    iter_make = dist._iter_make

    def timed_iter(*args):   # the making, piece by piece, timed apart from the sort and the write
        it = iter_make(*args)
        while True:
            t = time.process_time()
            try:
                stars = next(it)
            except StopIteration:
                made["cpu"] += time.process_time() - t
                return
            made["cpu"] += time.process_time() - t
            made["stars"] += len(stars)
            made["nbytes"] += sum(np.asarray(stars[c]).nbytes for c in stars.columns)
            made["rss_mb"] = max(made["rss_mb"], _rss_mb())
            yield stars

    dist._iter_make = timed_iter
    c1 = time.process_time()
    dist._make_tile(staging, pixel, (pixel,), spec, mw, True)
    total = time.process_time() - c1
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"pixel": pixel, "limit": limit, "stars": made["stars"], "hats_import_cpu_s": round(hats_cpu, 3),
            "make_cpu_s": round(made["cpu"], 3), "sort_write_cpu_s": round(total - made["cpu"], 3),
            "table_mb": round(made["nbytes"] / 2**20, 1), "base_peak_rss_mb": round(base, 1),
            "rss_max_while_making_mb": round(made["rss_mb"], 1), "peak_rss_mb": round(peak, 1),
            "streamed": True, "run_rows": spec["run_rows"]}


def _whole_in_child(limit: str) -> dict:
    """The whole sky to ``limit``, streamed (``iter_sky``, one thread): the exact count the
    sample's estimate of N(< that limit) can be checked against (another draw of the same model)."""
    import starmaker.galaxy.survey as sv
    from starmaker.galaxy.components import milky_way_components

    c0 = time.process_time()
    hist = np.zeros(len(G_EDGES) + 1, np.int64)
    n = 0
    for part in sv.iter_sky(milky_way_components(), limit, seed=SEED, threads=1):
        g = np.asarray(part["G"])
        hist += np.bincount(np.searchsorted(G_EDGES, g, side="right"), minlength=len(hist))
        n += len(part)
    return {"limit": limit, "seed": SEED, "stars": n, "cpu_s": round(time.process_time() - c0, 3),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "g_hist": hist.tolist()}


def _catalog_in_child(pixels: list[int], limit: str, folder: str) -> dict:
    """``MilkyWay.write_hats`` of a few pixels in this process (tiles made one after another, no
    Dask), the client's serial steps timed apart: ``_prepare`` and ``write_catalog`` (the
    partitions merged from the staged tiles and written, then the catalogue's metadata)."""
    from starmaker.galaxy.limits import Field
    from starmaker.galaxy.survey import MilkyWay
    from starmaker.io import distributed as dist

    times: dict = {}

    def timed(name, fn):
        def run(*args, **kw):
            t = time.process_time()
            try:
                return fn(*args, **kw)
            finally:
                times[name] = times.get(name, 0.0) + time.process_time() - t
        return run

    dist._prepare = timed("prepare", dist._prepare)
    dist.write_catalog = timed("write_catalog", dist.write_catalog)
    dist._make_tile = timed("tiles", dist._make_tile)
    c0 = time.process_time()
    n = MilkyWay().write_hats(os.path.join(folder, "sky.hats"), limit, SEED, field=Field.from_pixels(pixels),
                              tile_order=4, progress=False)
    total = time.process_time() - c0
    return {"pixels": pixels, "limit": limit, "stars": n, "total_cpu_s": round(total, 3),
            **{f"{k}_cpu_s": round(v, 3) for k, v in times.items()},
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def _child(kind: str, pixel, limit: str) -> dict:
    """In a fresh process: the warm-up, then the pixel (``kind`` "pixel": streamed; "tile": the
    Dask task's path). Its CPU time and peak RSS are its own: ``ru_maxrss`` is the whole process
    (interpreter, MIST, mass tables, kernels), as a worker has it."""
    warm = _warm(limit)
    if kind == "whole":
        res = _whole_in_child(limit)
    elif kind == "catalog":
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            res = _catalog_in_child([int(p) for p in str(pixel).split(",")], limit, tmp)
    elif kind == "tile":
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            res = _tile_in_child(pixel, limit, tmp)
    else:
        res = _pixel_in_child(pixel, limit)
    res["warm"] = warm
    return res


def _run_child(kind: str, pixel, limit: str) -> dict:
    import subprocess

    proc = subprocess.run([sys.executable, __file__, "--child", kind, str(pixel), limit], check=False,
                          capture_output=True, text=True, env=dict(os.environ))
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        return {"pixel": pixel, "error": proc.stderr.strip().splitlines()[-1:]}
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    res["children_ru_maxrss_mb"] = round(usage.ru_maxrss / 1024, 1)
    return res


def _done(path: Path) -> dict[int, dict]:
    if not path.exists():
        return {}
    out = {}
    for line in path.read_text().splitlines():
        if line.strip():
            r = json.loads(line)
            if "error" not in r:
                out[int(r["pixel"])] = r
    return out


def cmd_measure(out: Path, limit: str, budget: float, only: list[int] | None, tile: str | None,
                catalog: str | None = None, whole: str | None = None) -> None:
    def record(name: str, res: dict) -> None:
        res.update(time=time.strftime("%Y-%m-%d %H:%M"), loadavg=round(os.getloadavg()[0], 2))
        with open(out / name, "a") as f:
            f.write(json.dumps(res) + "\n")
        print(json.dumps({k: v for k, v in res.items() if k != "g_hist"}), flush=True)

    if whole:
        record("whole.jsonl", _run_child("whole", 0, whole))
        return
    if catalog:
        pix, _, lim = catalog.partition(":")
        record("catalog.jsonl", _run_child("catalog", pix, lim or limit))
        return
    if tile:
        pix, _, lim = tile.partition(":")
        record("tiles.jsonl", _run_child("tile", int(pix), lim or limit))
        return
    plan = read_plan(out)
    if only:
        todo = only
    else:
        sample = json.loads((out / "sample.json").read_text())["pixels"]
        todo = [p for h in sample for p in sample[h]]
        todo.sort(key=lambda p: plan["rows_drawn"][p])   # cheapest first: a cut budget keeps most pixels
    done = _done(out / "pixels.jsonl")
    spent = 0.0
    for p in todo:
        if p in done:
            continue
        if spent >= budget:
            left = sum(q not in done for q in todo)
            print(f"budget of {budget:g} CPU s spent; {left} pixels left", flush=True)
            break
        res = _run_child("pixel", int(p), limit)
        res["rows_drawn"] = int(plan["rows_drawn"][p])
        record("pixels.jsonl", res)
        spent += res.get("cpu_s", 0.0) + res.get("warm", {}).get("warm_cpu_s", 0.0)
        done[p] = res


# --------------------------------------------------------------------------- the model
def ratio_estimate(y: np.ndarray, x: np.ndarray, st: np.ndarray, X: np.ndarray, pop_st: np.ndarray):
    """Separate ratio estimator of Σ y over all pixels: per stratum h, R_h = Σ_s y / Σ_s x and
    Ŷ_h = R_h X_h (X_h the stratum's known Σ x); variance N_h² (1 − n_h/N_h) s²_e / n_h with
    e = y − R_h x (Cochran 1977, §6.4, 6.12). Returns the total, its standard error and the
    per-stratum ratios."""
    total, var, ratios = 0.0, 0.0, {}
    for h in sorted(set(pop_st)):
        s = st == h
        n, N = int(s.sum()), int((pop_st == h).sum())
        Xh = X[pop_st == h].sum()
        if n == 0:
            raise SystemExit(f"stratum {h} has no measured pixel")
        R = y[s].sum() / x[s].sum()
        total += R * Xh
        ratios[h] = R
        if n > 1:
            e = y[s] - R * x[s]
            var += N**2 * (1 - n / N) * (e @ e) / (n - 1) / n
    return total, math.sqrt(var), ratios


def regression_estimate(y: np.ndarray, x: np.ndarray, st: np.ndarray, X: np.ndarray, pop_st: np.ndarray):
    """Separate regression estimator of Σ y: per stratum, Ŷ_h = N_h (ȳ + b (X̄_h − x̄)) with b the
    least-squares slope of y on x in the sample; variance N_h² (1 − f) s²_e / n_h, s²_e = Σ e² /
    (n_h − 2) (Cochran 1977, §7.3, 7.9). Strata of fewer than 3 pixels fall back to the ratio."""
    total, var = 0.0, 0.0
    for h in sorted(set(pop_st)):
        s = st == h
        n, N = int(s.sum()), int((pop_st == h).sum())
        if n < 3:
            t, se, _ = ratio_estimate(y[s], x[s], st[s], X[pop_st == h], pop_st[pop_st == h])
            total, var = total + t, var + se**2
            continue
        xs, ys = x[s], y[s]
        b = np.sum((xs - xs.mean()) * (ys - ys.mean())) / np.sum((xs - xs.mean()) ** 2)
        total += N * (ys.mean() + b * (X[pop_st == h].mean() - xs.mean()))
        e = ys - ys.mean() - b * (xs - xs.mean())
        var += N**2 * (1 - n / N) * (e @ e) / (n - 2) / n
    return total, math.sqrt(var)


def _lpt(costs: np.ndarray, workers: int, order: np.ndarray) -> float:
    """Makespan of tiles handed, in ``order``, each to the worker that is free first."""
    import heapq

    free = [0.0] * min(workers, max(1, len(costs)))
    heapq.heapify(free)
    for k in order:
        heapq.heappush(free, heapq.heappop(free) + costs[k])
    return max(free)


def _jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    rows = [json.loads(x) for x in path.read_text().splitlines() if x.strip()]
    return [r for r in rows if "error" not in r]


def cmd_model(out: Path, workers: list[int], tile_orders: list[int], worker_gb: float) -> None:
    plan = read_plan(out)
    st_all = strata(plan)
    meas = _done(out / "pixels.jsonl")
    sample = json.loads((out / "sample.json").read_text())["pixels"]
    chosen = sorted(p for h in sample for p in sample[h])
    missing = [p for p in chosen if p not in meas]
    if missing:
        print(f"not yet measured: {missing} (the estimates use the measured part of the sample)")
    pix = np.array([p for p in chosen if p in meas])
    st = st_all[pix]
    stars = np.array([meas[p]["stars"] for p in pix], float)
    rows = plan["rows_drawn"][pix].astype(float)
    cum = np.cumsum(np.array([meas[p]["g_hist"] for p in pix], float), axis=1)   # [:, k]: G < G_EDGES[k]
    drawn_all = plan["rows_drawn"].astype(float)

    allm = np.array(sorted(meas))     # every measured pixel (the sample and any other) for the cost fit
    m_rows = plan["rows_drawn"][allm].astype(float)
    m_stars = np.array([meas[p]["stars"] for p in allm], float)
    m_cpu = np.array([meas[p]["cpu_s"] for p in allm])
    m_rss = np.array([meas[p]["peak_rss_mb"] for p in allm])
    warm = [meas[p]["warm"] for p in allm]

    share = rows.sum() / drawn_all.sum()
    print(f"sample: {len(pix)} pixels, {m_cpu[np.isin(allm, pix)].sum():.0f} CPU s (and "
          f"{sum(w['warm_cpu_s'] for w in warm):.0f} s of warm-ups), {stars.sum():,.0f} stars, drawn rows "
          f"{rows.sum():.4g} of {drawn_all.sum():.4g} ({share:.1%})")
    print("\n| stratum | pixels | sampled | drawn rows (all) | measured CPU s | stars / drawn row |")
    print("|---|---:|---:|---:|---:|---:|")
    for h in sorted(set(st_all)):
        s = st == h
        print(f"| {h} | {(st_all == h).sum()} | {s.sum()} | {drawn_all[st_all == h].sum():.3g} | "
              f"{sum(meas[p]['cpu_s'] for p in pix[s]):.0f} | {stars[s].sum() / rows[s].sum():.4f} |")

    # N(<G): covariate the expected rows at G < m (known for every pixel)
    whole = {r["limit"]: r for r in _jsonl(out / "whole.jsonl")}
    print("\n| G < | regression estimator | s.e. | ratio estimator | s.e. | expansion (no covariate) "
          "| s.e. |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    counts = {}
    ones = np.ones(NPIX)
    for m in (*COUNT_MAGS, 20.7):
        k = int(np.searchsorted(G_EDGES, m - 1e-9))   # cum[:, k]: stars with G < m
        y = cum[:, k] if m < 20.7 else stars
        X = plan[f"rows_exp_{m}" if m != 20.7 else "rows_exp"]
        treg, sereg = regression_estimate(y, X[pix], st, X, st_all)
        tot, se, _ = ratio_estimate(y, X[pix], st, X, st_all)
        texp, seexp, _ = ratio_estimate(y, ones[pix], st, ones, st_all)
        counts[m] = {"regression": (treg, sereg), "ratio": (tot, se), "expansion": (texp, seexp)}
        print(f"| {m:g} | {treg:,.0f} | {sereg:,.0f} ({sereg / treg:.1%}) | {tot:,.0f} | {se:,.0f} "
              f"({se / tot:.1%}) | {texp:,.0f} | {seexp:,.0f} ({seexp / texp:.1%}) |")
    for lim, r in whole.items():
        print(f"\nthe whole sky made to {lim} (seed {r['seed']}): {r['stars']:,} stars, "
              f"{r['cpu_s']:.0f} CPU s")
    (out / "counts.json").write_text(json.dumps({str(m): v for m, v in counts.items()}, indent=1))

    # cost of a pixel: CPU = a + b rows + c stars (non-negative least squares over every measured
    # pixel, weighted by 1 / CPU so the cheap pixels' share is fitted too: relative residuals)
    from scipy.optimize import nnls

    A = np.column_stack([np.ones_like(m_rows), m_rows, m_stars])
    coef, _ = nnls(A / m_cpu[:, None], np.ones_like(m_cpu))
    rel = (m_cpu - A @ coef) / m_cpu
    big = m_cpu > 5
    print(f"\nCPU s per pixel = {coef[0]:.3f} + {coef[1] * 1e6:.3f} µs × drawn rows + {coef[2] * 1e6:.3f} µs "
          f"× stars (residuals: pixels over 5 s median |rel| {np.median(np.abs(rel[big])):.1%}, "
          f"max {np.max(np.abs(rel[big])):.1%}; all, median {np.median(np.abs(rel)):.1%})")
    # stars of the pixels not measured: their stratum's stars per drawn row (the ratio estimator)
    _, _, ratio = ratio_estimate(stars, rows, st, drawn_all, st_all)
    all_stars = np.array([ratio[h] for h in st_all]) * drawn_all
    all_stars[allm] = m_stars
    all_cpu = coef[0] + coef[1] * drawn_all + coef[2] * all_stars
    all_cpu[allm] = m_cpu
    print(f"whole sky {LIMIT}: {all_stars.sum():.4g} stars, {all_cpu.sum():,.0f} CPU s "
          f"({all_cpu.sum() / 3600:.2f} CPU h) on one core of this machine; the most costly pixel "
          f"{int(np.argmax(all_cpu))}: {all_cpu.max():.0f} CPU s, {all_stars[np.argmax(all_cpu)]:.3g} stars")

    # fixed costs and memory
    imp = np.median([w["import_cpu_s"] for w in warm])
    first = np.median([w["first_make_cpu_s"] for w in warm])
    base_mb = np.median([w["warm_peak_rss_mb"] for w in warm])
    print(f"\na process's warm-up (median of {len(warm)}): import {imp:.2f} CPU s, first make {first:.2f} "
          f"CPU s (MIST, mass tables from the cache, kernels), peak RSS then {base_mb:.0f} MB")
    print(f"streamed peak RSS of a pixel (iter_sky, one thread; the whole process): "
          f"{m_rss.min():.0f}–{m_rss.max():.0f} MB, median {np.median(m_rss):.0f} MB")
    tiles = _jsonl(out / "tiles.jsonl")
    bps, sw, hats_s = float("nan"), 0.0, 0.0
    if tiles:
        t = max((r for r in tiles if r.get("streamed")), key=lambda r: r["stars"], default=None) or \
            max(tiles, key=lambda r: r["stars"])
        # a streamed tile (staged in runs of run_rows rows) peaks at the same memory whatever its
        # stars; a tile held whole (before) grew by so many bytes a star
        bps = 0.0 if t.get("streamed") else (t["peak_rss_mb"] - t["base_peak_rss_mb"]) * 2**20 / t["stars"]
        sw, hats_s = t["sort_write_cpu_s"] / t["stars"], t["hats_import_cpu_s"]
        print(f"a tile as a Dask task makes it (pixel {t['pixel']}, {t['limit']}, {t['stars']:,} stars): "
              f"table "
              f"{t['table_mb'] * 2**20 / t['stars']:.0f} bytes/star, peak RSS {t['peak_rss_mb']:.0f} MB over "
              f"{t['base_peak_rss_mb']:.0f}: {bps:.0f} bytes/star; make {t['make_cpu_s']:.1f} CPU s, "
              f"_healpix_29 + sort + write {t['sort_write_cpu_s']:.1f} s ({sw * 1e6:.2f} µs/star); "
              f"hats import {hats_s:.1f} s")
    cat = _jsonl(out / "catalog.jsonl")
    cat_fixed, cat_s = 0.0, 0.0
    if len(cat) > 1:   # write_catalog = fixed (partition plan, metadata) + per star (merge, write)
        n_cat = np.array([c["stars"] for c in cat], float)
        t_cat = np.array([c["write_catalog_cpu_s"] for c in cat])
        cat_s, cat_fixed = np.polyfit(n_cat, t_cat, 1)
        print(f"write_catalog (the client, after the tiles: the partitions merged from the tiles and "
              f"written, then the metadata) over {len(cat)} runs of {n_cat.min():,.0f}–{n_cat.max():,.0f} "
              f"stars: {cat_fixed:.2f} CPU s + {cat_s * 1e6:.2f} µs/star")
    if tiles:   # a worker after _warm_worker (hats imported too); a streamed tile's whole peak
        base_mb = t["peak_rss_mb"] if t.get("streamed") else t["base_peak_rss_mb"]
    prepare = imp + first + all_cpu[0] + hats_s     # _prepare / _warm_worker: pixel 0 made whole
    catalog = cat_fixed + cat_s * all_stars.sum()
    print(f"fixed: a worker's warm-up (_warm_worker) {prepare:.1f} CPU s (the client's _prepare the same, "
          f"before); the catalogue written by the client at the end {catalog:,.0f} CPU s "
          f"({catalog / 3600:.2f} h) for {all_stars.sum():.3g} stars")

    cols = " | ".join(f"{k} worker{'s' if k > 1 else ''}" for k in workers)
    print(f"\nwall hours (tiles handed out in submission order / longest first):\n\n| tile order | tiles | "
          f"most stars | its memory | tiles over {worker_gb:g} GiB | costliest tile, CPU s | {cols} |")
    print("|---:|---:|---:|---:|---:|---:|" + "---:|" * len(workers))
    for t_order in tile_orders:
        tile = plan["pixel"] >> (2 * (4 - t_order))
        ntile = 12 * 4**t_order
        t_cpu = np.bincount(tile, all_cpu + sw * all_stars, minlength=ntile)
        t_stars = np.bincount(tile, all_stars, minlength=ntile)
        t_mem = (base_mb + bps * t_stars / 2**20) / 1024
        big = int(np.argmax(t_stars))
        walls = []
        for k in workers:
            head = prepare if k == 1 else 2 * prepare   # in process; or the client's, then the workers'
            # the partitions are Dask tasks too (io.hats.write_partition): ~1,500 of ≤ 10⁶ rows
            # over the sky, spread evenly; the plan and metadata (cat_fixed) stay the client's
            part = cat_fixed + cat_s * all_stars.sum() / k
            sub = head + _lpt(t_cpu, k, np.arange(ntile)) + part
            lpt = head + _lpt(t_cpu, k, np.argsort(-t_cpu, kind="stable")) + part
            walls.append(f"{sub / 3600:.2f} / {lpt / 3600:.2f}")
        dear = int(np.argmax(t_cpu))
        print(f"| {t_order} | {ntile} | {t_stars[big]:.3g} (tile {big}) | {t_mem[big]:.1f} GiB | "
              f"{(t_mem > worker_gb).sum()} | {t_cpu[dear]:,.0f} (tile {dear}) | " + " | ".join(walls) + " |")
    np.savetxt(out / "predicted.csv", np.column_stack([plan["pixel"], drawn_all, all_stars, all_cpu]),
               delimiter=",", header="pixel,rows_drawn,stars,cpu_s", comments="",
               fmt=["%d", "%d", "%.0f", "%.3f"])


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("step", choices=("plan", "sample", "measure", "model"))
    ap.add_argument("out", type=Path, help="folder of the cached plan, sample and measurements")
    ap.add_argument("--limit", default=LIMIT)
    ap.add_argument("--n", default="", help="stratum sizes, e.g. 'b0-5:top=3,b50-90=8'")
    ap.add_argument("--draw-seed", type=int, default=13, help="seed of the sample's draw")
    ap.add_argument("--budget", type=float, default=2400.0, help="CPU seconds for this measure run")
    ap.add_argument("--pixels", default="", help="measure these pixels (P1,P2,...) instead of the sample")
    ap.add_argument("--tile", default="", help="PIXEL[:LIMIT]: measure the Dask task's path for one pixel")
    ap.add_argument("--catalog", default="", help="P1,P2,...[:LIMIT]: write_hats of these pixels in process")
    ap.add_argument("--whole", default="", help="LIMIT: make the whole sky to LIMIT (streamed) and count it")
    ap.add_argument("--workers", default="1,16,256")
    ap.add_argument("--tile-orders", default="2,3,4")
    ap.add_argument("--worker-gb", type=float, default=8.0, help="memory a worker may use (GiB)")
    if argv[:1] == ["--child"]:
        print(json.dumps(_child(argv[1], argv[2] if argv[1] == "catalog" else int(argv[2]), argv[3])))
        return
    a = ap.parse_args(argv)
    if a.step == "plan":
        cmd_plan(a.out, a.limit)
    elif a.step == "sample":
        sizes = dict(DEFAULT_N)
        for item in filter(None, a.n.split(",")):
            k, _, v = item.partition("=")
            sizes[k] = int(v)
        cmd_sample(a.out, sizes, a.draw_seed)
    elif a.step == "measure":
        only = [int(p) for p in a.pixels.split(",") if p.strip()] or None
        cmd_measure(a.out, a.limit, a.budget, only, a.tile or None, a.catalog or None, a.whole or None)
    else:
        cmd_model(a.out, [int(k) for k in a.workers.split(",")], [int(t) for t in a.tile_orders.split(",")],
                  a.worker_gb)


if __name__ == "__main__":
    main(sys.argv[1:])

"""Depth and fields (issue 13): what a run costs before its first star, a pencil beam to
Gaia's depth, and a dense field in the plane.

Cases (each in a fresh subprocess, so its peak memory is its own: ``ru_maxrss`` of that process,
interpreter, imports and mass tables included):

* ``fixed``: a process that makes a cone of 0.01° (almost no star) to G < 16: import, then the
  first make (tables read from the on-disk cache, Numba's cache loaded), then the same again
  (what a second run in the same process costs);
* ``pencil:LIM``: a pencil beam of π deg² (a cone of 1°) at l = 90°, b = +30° to G < LIM;
* ``plane:LIM``: a cone of 0.25° in the plane at l = 30°, b = 0° to G < LIM;
* ``pixel:LIM``: the whole nside-16 pixel (13.4 deg²) holding l = 30°, b = 0° to G < LIM: the
  memory a dense plane pixel needs, streamed to Parquet (``MilkyWay.write``; its rows are made in
  pieces of ``PIECE_ROWS``);
* ``stream:LIM[:ROWS]``: that pixel's stars from ``iter_sky`` (one thread), discarded, the
  resident size read after every piece: whether memory stays flat as the stars go by (``ROWS``:
  ``PIECE_ROWS`` for the run);
* ``cli:LIM[:RADIUS]``: the whole command ``starmaker make milkyway --limit G<LIM --field
  cone:RA,DEC,RADIUS -o FILE.parquet`` at l = 90°, b = +30° (``RADIUS`` in degrees, default 1: the
  pencil beam), run as a process of its own: its CPU seconds (user + system, ``RUSAGE_CHILDREN``)
  and wall seconds, start-up, imports, caches and the Parquet file included — what one run costs.

Each case first makes the same thing once untimed with a tiny cone (so the mass tables and
compiled kernels are ready: they are the fixed cost, measured by ``fixed``), then times the
make: stars, CPU seconds (``time.process_time``), stars per CPU second, wall seconds, peak RSS.

    NUMBA_NUM_THREADS=1 taskset -c 0 python benchmarks/bench_depth.py            # every case
    NUMBA_NUM_THREADS=1 taskset -c 0 python benchmarks/bench_depth.py pencil:16 plane:18
    NUMBA_NUM_THREADS=1 taskset -c 0 python benchmarks/bench_depth.py cli:16:0.01 cli:21   # whole commands
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time

CASES = ("fixed", "pencil:16", "pencil:18", "pencil:20", "pencil:21", "plane:18", "plane:21", "pixel:18",
         "pixel:21", "stream:21")


def _cone(l_deg: float, b_deg: float, radius: float):
    from starmaker.galaxy.limits import Field
    from starmaker.place.frames import galactic_to_icrs

    ra, dec = galactic_to_icrs(l_deg, b_deg)
    return Field.cone(float(ra), float(dec), radius)


def cli(case: str) -> dict:
    """``cli:LIM[:RADIUS]``: the command as a process of its own (see the module notes)."""
    import tempfile

    lim, _, radius = case.partition(":")[2].partition(":")
    field = _cone(90.0, 30.0, float(radius or 1.0))
    cone = f"cone:{field.ra!r},{field.dec!r},{field.radius!r}"
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "cone.parquet")
        cmd = [sys.executable, "-m", "starmaker.cli", "make", "milkyway", "--limit", f"G<{lim}",
               "--seed", "1", "--field", cone, "-o", out]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        w0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        wall = time.perf_counter() - w0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        import pyarrow.parquet as pq

        stars = pq.ParquetFile(out).metadata.num_rows
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"case": case, "limit": f"G<{lim}", "field": cone, "stars": stars, "process_cpu_s": round(cpu, 3),
            "process_wall_s": round(wall, 3), "peak_rss_mb": round(after.ru_maxrss / 1024)}


def worker(case: str) -> dict:
    if case.startswith("cli:"):
        return cli(case)
    t0, c0 = time.perf_counter(), time.process_time()
    from starmaker.galaxy.survey import MilkyWay

    mw = MilkyWay()
    out: dict = {"case": case, "import_s": round(time.process_time() - c0, 3)}
    kind, _, lim = case.partition(":")
    if kind == "fixed":
        tiny = _cone(90.0, 30.0, 0.01)
        c1 = time.process_time()
        mw.make("G<16", seed=1, field=tiny)
        out["first_make_cpu_s"] = round(time.process_time() - c1, 3)
        c2 = time.process_time()
        mw.make("G<16", seed=1, field=tiny)
        out["second_make_cpu_s"] = round(time.process_time() - c2, 3)
        out["process_cpu_s"] = round(time.process_time() - c0, 3)
        out["process_wall_s"] = round(time.perf_counter() - t0, 3)
    elif kind == "stream":
        import starmaker.galaxy.survey as sv
        from starmaker.galaxy.components import milky_way_components
        from starmaker.galaxy.healpix import radec_pixel
        from starmaker.galaxy.limits import Field

        lim, _, rows = lim.partition(":")
        if rows:
            sv.PIECE_ROWS = int(float(rows))
        c = _cone(30.0, 0.0, 0.01)
        field = Field.from_pixels([int(radec_pixel(c.ra, c.dec, 16))])
        page = os.sysconf("SC_PAGE_SIZE")
        resident = []
        n = 0
        c1 = time.process_time()
        for part in sv.iter_sky(milky_way_components(), f"G<{lim}", seed=1, field=field, threads=1):
            n += len(part)
            del part
            resident.append(int(open("/proc/self/statm").read().split()[1]) * page / 2**20)
        cpu = time.process_time() - c1
        out.update(limit=f"G<{lim}", piece_rows=sv.PIECE_ROWS, pieces=len(resident), stars=n,
                   cpu_s=round(cpu, 3), stars_per_cpu_s=round(n / cpu), rss_mb_first_piece=round(resident[0]),
                   rss_mb_max=round(max(resident)), rss_mb_last=round(resident[-1]))
    else:
        l, b, r = (90.0, 30.0, 1.0) if kind == "pencil" else (30.0, 0.0, 0.25)
        limit = f"G<{lim}"
        mw.make(limit, seed=1, field=_cone(l, b, 0.01))  # tables and kernels ready
        field = _cone(l, b, r)
        if kind == "pixel":
            from starmaker.galaxy.healpix import radec_pixel
            from starmaker.galaxy.limits import Field

            field = Field.from_pixels([int(radec_pixel(field.ra, field.dec, 16))])
            r = 0.0
        c1, w1 = time.process_time(), time.perf_counter()
        if kind == "pixel":  # streamed to Parquet: never the whole pixel in memory
            import tempfile

            with tempfile.TemporaryDirectory() as tmp:
                n = mw.write(os.path.join(tmp, "pixel.parquet"), limit, seed=1, field=field)
            stars = range(n)
        else:
            stars = mw.make(limit, seed=1, field=field)
        cpu = time.process_time() - c1
        out.update(limit=limit, l=l, b=b, radius_deg=r, stars=len(stars), cpu_s=round(cpu, 3),
                   wall_s=round(time.perf_counter() - w1, 3), stars_per_cpu_s=round(len(stars) / cpu))
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


def main(argv: list[str]) -> None:
    if argv[:1] == ["--worker"]:
        print(json.dumps(worker(argv[1])))
        return
    for case in argv or CASES:
        res = subprocess.run([sys.executable, __file__, "--worker", case], capture_output=True, text=True,
                             env=dict(os.environ))
        if res.returncode:
            print(json.dumps({"case": case, "error": res.stderr.strip().splitlines()[-1:]}), flush=True)
        else:
            print(res.stdout.strip().splitlines()[-1], flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])

"""Speed of making stars that live and die: stars per second and peak memory.

Times starmaker's whole pipeline (make = draw births + evolve with MIST + photometry) for 10^7
stars of mixed ages (0.1 Myr to 13 Gyr, constant star formation) and metallicities ([Fe/H] from a
Gaussian, mean -0.2, sigma 0.3 dex), and each stage on its own, side by side with the peers that
install here:

* ``initial-mass-function`` (``import imf``) sampling the same Kroupa (2001) IMF, 0.1-100 Msun,
  for the same number of stars, against starmaker's IMF sampling;
* ``cosmic-popsynth`` (``import cosmic``, SSE) evolving single stars (a massless companion, no
  orbit: the way COSMIC's own sampler writes single stars) for ``--cosmic-n`` stars, in this
  process (``pool=schwimmbad.SerialPool()``), against starmaker evolving the very same masses,
  ages and metallicities. Both on one core.

Every case runs in a fresh subprocess (``--worker``), so its peak memory is its own: the peak
resident set size (``ru_maxrss``) that ``os.wait4`` reports for that process, which includes the
interpreter, the imports, the loaded grids and the case's inputs. Each worker also reports its
peak after warm-up, before the timed calls; their difference over N is the memory per star.

Warm-up (imports, grid loading, the first call: Numba compilation or loading its on-disk cache)
is timed separately from the steady state; the steady state is the median of ``--repeats``
timed calls, with the user and system (kernel) CPU time they used. Pipeline cases run twice: with
all cores (Numba's default thread count) and pinned to one core (NUMBA_NUM_THREADS=OMP_NUM_THREADS=1
and the process bound to one CPU).

    python benchmarks/bench_make.py                 # the full run (about six minutes)
    python benchmarks/bench_make.py --n 1e5         # a quick smoke run
    python benchmarks/bench_make.py --profile       # also: where make() spends its time

A peer that is not installed, or fails, is reported as such; the benchmark goes on.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from importlib.metadata import PackageNotFoundError, version

#: the recipe every case uses
AGE_MIN, AGE_MAX = 1e5, 13e9  # yr: constant star formation from 13 Gyr ago until 0.1 Myr ago
FEH_MEAN, FEH_SIGMA = -0.2, 0.3  # dex (clipped by starmaker to its grid's -2.5 ... +0.5)
M_MIN, M_MAX = 0.1, 100.0  # Msun: Kroupa (2001) between these limits
GOAL_PER_CORE = 5e6  # stars per second per core (the goal)
#: COSMIC's SSE takes metallicities Z in [1e-4, 0.03]; Z = Z_SUN 10^[Fe/H] with COSMIC's zsun
COSMIC_ZSUN, COSMIC_Z_RANGE = 0.014, (1e-4, 0.03)
_THREAD_VARS = ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


# ------------------------------------------------------------------------------------ workers
def _rss_peak_bytes() -> int:
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(r if sys.platform == "darwin" else r * 1024)


def _cpu() -> tuple[float, float]:
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)  # all threads of this process
    return r.ru_utime, r.ru_stime


def _timed(fn, repeats: int, min_time: float = 0.0) -> dict:
    """Seconds per call of ``fn`` for each of ``repeats`` rounds, after one untimed call; a round
    repeats the call until it has run ``min_time`` seconds (for fast small cases). Also the user
    and system (kernel) CPU seconds per call over all rounds."""
    t0 = time.perf_counter()
    fn()
    once = time.perf_counter() - t0
    k = max(1, int(min_time / once) + 1) if once < min_time else 1
    times = []
    u0, s0 = _cpu()
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(k):
            fn()
        times.append((time.perf_counter() - t0) / k)
    u1, s1 = _cpu()
    calls = repeats * k
    return {"times": times, "calls": k, "cpu_user_s": (u1 - u0) / calls, "cpu_sys_s": (s1 - s0) / calls}


def _population(n: int):
    import starmaker as sm

    return sm.Population(
        sm.Constant(AGE_MIN, AGE_MAX), sm.GaussianFeH(FEH_MEAN, FEH_SIGMA), imf=sm.Kroupa2001(), n=n
    )


def _starmaker_warmup(grids: bool) -> dict[str, float]:
    """Import starmaker; with ``grids``, load its grids and make 1000 stars once (Numba JIT or
    cache load), else only draw 1000 births (the IMF and births cases need no grid)."""
    t0 = time.perf_counter()
    import starmaker  # noqa: F401
    from starmaker.evolution.isochrones import load_mist
    from starmaker.photometry.kurucz import load_bc_grid

    t1 = time.perf_counter()
    if grids:
        load_mist()
        load_bc_grid()
    t2 = time.perf_counter()
    if grids:
        _population(1000).make(seed=0)
    else:
        _population(1000).births(0)
    t3 = time.perf_counter()
    return {"import_s": t1 - t0, "grids_s": t2 - t1, "first_call_s": t3 - t2}


def _cosmic_births(n: int):
    """starmaker's births for n stars, [Fe/H] clipped to what COSMIC's SSE accepts."""
    import numpy as np

    b = _population(n).births(7)
    lo, hi = (float(np.log10(z / COSMIC_ZSUN)) for z in COSMIC_Z_RANGE)
    b["feh"] = np.clip(b["feh"], lo, hi)
    return b


def _cosmic_bse_defaults() -> dict:
    """COSMIC's documented default BSE flags, read from the settings file it ships."""
    from importlib.resources import files

    settings = json.loads(files("cosmic.data").joinpath("cosmic-settings.json").read_text("utf-8"))
    bse = {}
    for cat in settings:
        if cat["category"] != "bse":
            continue
        for s in cat["settings"]:
            value = next(o["name"] for o in s["options"] if o.get("default"))
            if isinstance(value, str):
                value = json.loads(value) if s["name"] != "fprimc_array" else [2.0 / 21.0] * 16
            bse[s["name"]] = value
    return bse


def run_case(case: str, n: int, repeats: int, profile: bool) -> dict:
    """Run one case in this process; returns its timings and notes (JSON-able)."""
    res: dict = {"case": case, "n": n}
    if case in ("make", "births", "imf", "evolve", "photometry", "evolve_cosmic_stars", "warmup"):
        res["warmup"] = _starmaker_warmup(grids=case not in ("imf", "births"))
        res["rss_warm"] = _rss_peak_bytes()
        import numba
        import numpy as np

        import starmaker as sm

        res["threads"] = numba.get_num_threads()
        try:
            res["threading_layer"] = numba.threading_layer()
        except ValueError:
            res["threading_layer"] = "none"
        if case == "warmup":
            return res
        pop = _population(n)
        seeds = iter(range(1, 10**6))
        if case == "make":
            holder: list = [None]

            def fn():
                holder[0] = None  # free the previous table first: the peak is one call's
                holder[0] = pop.make(seed=next(seeds))

            res |= _timed(fn, repeats)
            if profile:
                import cProfile
                import io
                import pstats

                prof = cProfile.Profile()
                prof.enable()
                fn()  # one more call, after the timed ones: the steady state
                prof.disable()
                out = io.StringIO()
                pstats.Stats(prof, stream=out).strip_dirs().sort_stats("tottime").print_stats(14)
                res["profile"] = out.getvalue()
            s = holder[0]
            res["check"] = {"alive_fraction": float(np.mean(s["alive"])), "columns": len(s.columns)}
        elif case == "births":
            res |= _timed(lambda: pop.births(next(seeds)), repeats)
        elif case == "imf":
            imf = sm.Kroupa2001(M_MIN, M_MAX)
            rng = np.random.default_rng(1)
            holder = [None]

            def fn():
                holder[0] = None
                holder[0] = imf.sample(n, rng)

            res |= _timed(fn, repeats)
            res["check"] = {"mean_mass": float(holder[0].mean()), "exact_mean_mass": imf.mean_mass()}
        elif case in ("evolve", "evolve_cosmic_stars"):
            b = pop.births(1) if case == "evolve" else _cosmic_births(n)
            holder = [None]

            def fn():
                holder[0] = None
                holder[0] = sm.evolve(b["mass_initial"], b["age"], b["feh"])

            res |= _timed(fn, repeats, min_time=0.5)
            res["check"] = {"dead_fraction": float(1.0 - np.mean(holder[0]["alive"]))}
        elif case == "photometry":
            b = pop.births(1)
            stars = sm.evolve(b["mass_initial"], b["age"], b["feh"])
            del b
            holder = [None]

            def fn():
                holder[0] = None
                holder[0] = sm.shine(stars)

            res |= _timed(fn, repeats)
        return res

    if case == "imf_peer":
        import numpy as np

        t0 = time.perf_counter()
        import imf as imf_pkg

        res["warmup"] = {"import_s": time.perf_counter() - t0}
        res["rss_warm"] = _rss_peak_bytes()
        res["threads"] = 1
        # Kroupa (2001) between 0.1 and 100 Msun: imf.Kroupa(mmin=0.1) is refused (its 0.08 Msun
        # break would lie below mmin), so give the two pieces above 0.1 Msun, as starmaker does.
        mf = imf_pkg.BrokenPowerLaw(mmin=M_MIN, mmax=M_MAX, powers=[1.3, 2.3], breaks=[0.5])
        np.random.seed(1)  # noqa: NPY002  (the peer draws from NumPy's legacy global generator)
        holder = [None]

        def fn():
            holder[0] = None
            holder[0] = imf_pkg.make_star_cluster(nstars=n, massfunc=mf, silent=True)

        res |= _timed(fn, repeats)
        res["check"] = {"mean_mass": float(holder[0].mean())}
        return res

    if case == "cosmic_peer":
        import warnings

        import numpy as np

        warnings.filterwarnings("ignore")
        t0 = time.perf_counter()
        from cosmic.evolve import Evolve
        from cosmic.sample.initialbinarytable import InitialBinaryTable

        res["warmup"] = {"import_s": time.perf_counter() - t0}
        res["threads"] = 1
        b = _cosmic_births(n)
        m = b["mass_initial"]
        z = COSMIC_ZSUN * 10.0 ** b["feh"]
        bse = _cosmic_bse_defaults()

        def table(sel):
            k = len(m[sel])
            return InitialBinaryTable.InitialBinaries(
                m[sel],
                np.zeros(k),  # mass2: a massless companion ...
                np.full(k, -1.0),  # porb: ... and no orbit: a single star
                np.full(k, -1.0),  # ecc
                b["age"][sel] / 1e6,  # tphysf, Myr: evolve up to the star's age
                np.where(m[sel] < 0.7, 0, 1),  # kstar1: MS (fully convective below 0.7 Msun)
                np.full(k, 15),  # kstar2: massless remnant
                z[sel],
            )

        ibt = table(slice(None))

        # in this process, through the ``pool`` argument: COSMIC's default (even with nproc=1) is
        # a one-worker process pool, whose start-up and pickling cost more than the evolution
        try:
            from schwimmbad import SerialPool

            pool, res["pool"] = SerialPool(), "schwimmbad.SerialPool (in process)"
        except ImportError:
            pool, res["pool"] = None, "COSMIC's default process pool, nproc=1"

        def evolve(t):
            return Evolve.evolve(
                initialbinarytable=t, BSEDict=bse, SSEDict={"stellar_engine": "sse"}, nproc=1, pool=pool
            )

        t0 = time.perf_counter()
        evolve(table(slice(0, 10)))
        res["warmup"]["first_call_s"] = time.perf_counter() - t0
        res["rss_warm"] = _rss_peak_bytes()
        holder = [None]

        def fn():
            holder[0] = None
            holder[0] = evolve(ibt)

        res |= _timed(fn, repeats)
        bcm = holder[0][1]
        last = bcm.groupby("bin_num").tail(1)
        res["check"] = {
            "dead_fraction": float(np.mean(last["kstar_1"].to_numpy() >= 10)),
            "n_out": len(last),
            "pool": res["pool"],
        }
        return res

    raise SystemExit(f"unknown case {case!r}")


def _worker(args) -> int:
    if args.threads == 1 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    try:
        res = run_case(args.worker, args.n, args.repeats, args.profile)
    except BaseException as exc:  # report any failure to the parent, never crash the run
        res = {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
    with open(args.out, "w") as f:
        json.dump(res, f)
    return 0


# ------------------------------------------------------------------------------------ parent
def spawn(case: str, n: int, repeats: int, threads: int | None, extra_env=None, profile=False, timeout=1800):
    """Run one case in a fresh subprocess; returns its result with ``peak_rss`` (bytes)."""
    env = dict(os.environ)
    for k in _THREAD_VARS:
        env.pop(k, None)
    if threads is not None:
        env.update({k: str(threads) for k in _THREAD_VARS})
    env.update(extra_env or {})
    with tempfile.TemporaryDirectory() as tmp:
        out, log = os.path.join(tmp, "result.json"), os.path.join(tmp, "log.txt")
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", case, "--n", str(n)]
        cmd += ["--repeats", str(repeats), "--out", out, "--threads", str(threads or 0)]
        cmd += ["--profile"] if profile else []
        t0 = time.perf_counter()
        with open(log, "w") as logf:
            p = subprocess.Popen(cmd, env=env, stdout=logf, stderr=subprocess.STDOUT)
            while True:  # os.wait4 gives this child's own rusage (its peak RSS)
                pid, status, ru = os.wait4(p.pid, os.WNOHANG)
                if pid:
                    break
                if time.perf_counter() - t0 > timeout:
                    p.kill()
                    pid, status, ru = os.wait4(p.pid, 0)
                    break
                time.sleep(0.02)
        p.returncode = os.waitstatus_to_exitcode(status)
        res: dict = {"case": case, "n": n}
        if os.path.exists(out):
            with open(out) as f:
                res.update(json.load(f))
        elif time.perf_counter() - t0 > timeout:
            res["error"] = f"timed out after {timeout} s"
        else:
            with open(log) as f:
                tail = f.read()[-2000:]
            res["error"] = f"worker exited with {p.returncode}: {tail.strip().splitlines()[-1:] or ''}"
    rss = ru.ru_maxrss
    res["peak_rss"] = int(rss if sys.platform == "darwin" else rss * 1024)
    res["wall_s"] = time.perf_counter() - t0
    res["pinned"] = threads
    if "times" in res:
        res["median_s"] = statistics.median(res["times"])
        res["rate"] = n / res["median_s"]
        res["per_core"] = res["rate"] / max(1, res.get("threads", 1))
    return res


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kib = int(next(ln.split()[1] for ln in f if ln.startswith("MemTotal")))
        mem = f"{kib / 2**20:.1f} GiB"
    except (OSError, StopIteration):
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()

    def v(name):
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    return {
        "cpu": f"{cpu}, {cores} cores usable ({os.cpu_count()} logical CPUs)",
        "memory": mem,
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": ", ".join(
            f"{p} {v(p)}" for p in ("starmaker", "numpy", "numba", "initial-mass-function", "cosmic-popsynth")
        ),
    }


def _fmt_rate(r: float) -> str:
    return f"{r / 1e6:.2f} M" if r >= 1e5 else f"{r:,.0f}"


def _fmt_mem(b: int) -> str:
    return f"{b / 2**30:.2f} GiB" if b >= 2**30 else f"{b / 2**20:.0f} MiB"


LABELS = {
    "make": "starmaker make (births + evolve + photometry)",
    "births": "starmaker births (IMF masses, ages, [Fe/H])",
    "imf": "starmaker IMF sampling (Kroupa 2001)",
    "imf_peer": "initial-mass-function IMF sampling (Kroupa 2001)",
    "evolve": "starmaker evolve (MIST)",
    "photometry": "starmaker photometry (G, BP, RP, B, V)",
    "evolve_cosmic_stars": "starmaker evolve, COSMIC's stars",
    "cosmic_peer": "cosmic-popsynth evolve single stars (SSE)",
}


def report(results: list[dict], mach: dict, cmd: str, cold: dict | None) -> str:
    by = {(r["case"], r["pinned"]): r for r in results}
    ratio_of = {("imf", 1): ("imf_peer", 1), ("evolve_cosmic_stars", 1): ("cosmic_peer", 1)}
    lines = [
        "| case | threads | N | median s | stars/s | stars/s per core | CPU in kernel | peak RSS "
        "| bytes/star | ratio to peer |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        label = LABELS.get(r["case"], r["case"])
        if "error" in r:
            lines.append(f"| {label} | | {r['n']:.0e} | — | not run: {r['error'][:120]} | | | | | |")
            continue
        ratio = ""
        peer = by.get(ratio_of.get((r["case"], r["pinned"]), ("", 0)))
        if peer is not None and "rate" in peer:
            name = "initial-mass-function" if peer["case"] == "imf_peer" else "COSMIC"
            x = r["rate"] / peer["rate"]
            ratio = f"{x:,.0f}× {name}" if x >= 100 else f"{x:.2g}× {name}"
        elif peer is not None:
            ratio = "peer not run"
        cpu = r.get("cpu_user_s", 0.0) + r.get("cpu_sys_s", 0.0)
        sys_share = f"{r['cpu_sys_s'] / cpu:.0%}" if cpu > 0 else "—"
        grown = r["peak_rss"] - r.get("rss_warm", r["peak_rss"])
        per_star = f"{grown / r['n']:.0f}" if grown > 0.1 * r["peak_rss"] else "—"
        lines.append(
            f"| {label} | {r.get('threads', '?')} | {r['n']:.0e} | {r['median_s']:.3g} "
            f"| {_fmt_rate(r['rate'])} | {_fmt_rate(r['per_core'])} | {sys_share} "
            f"| {_fmt_mem(r['peak_rss'])} | {per_star} | {ratio} |"
        )
    out = ["## Results", "", *lines, ""]
    w = [r for r in results if r["case"] == "make" and "warmup" in r]
    if w or cold:
        out += ["Warm-up (seconds, not in the rates above):", ""]
        out += ["| process | import | grid loading | first make(1000) |", "|---|---:|---:|---:|"]
        for r in w:
            wu = r["warmup"]
            out.append(
                f"| make, {r['threads']} thread(s), Numba cache on disk | {wu['import_s']:.2f} "
                f"| {wu['grids_s']:.2f} | {wu['first_call_s']:.2f} |"
            )
        if cold and "warmup" in cold:
            wu = cold["warmup"]
            out.append(
                f"| fresh Numba cache (compiles) | {wu['import_s']:.2f} | {wu['grids_s']:.2f} "
                f"| {wu['first_call_s']:.2f} |"
            )
        out.append("")
    make1 = by.get(("make", 1))
    if make1 and "per_core" in make1:
        pc = make1["per_core"]
        verdict = "meets" if pc >= GOAL_PER_CORE else "is below"
        out += [
            f"Goal {GOAL_PER_CORE / 1e6:g} M stars/s per core: make on one core runs {_fmt_rate(pc)} "
            f"stars/s, which {verdict} the goal ({pc / GOAL_PER_CORE:.0%} of it).",
            "",
        ]
    checks = [f"{r['case']} ({r['threads']} thr.): {r['check']}" for r in results if "check" in r]
    if checks:
        out += ["Sanity checks (like-for-like samples):", "", *(f"* {c}" for c in checks), ""]
    layers = {f"{r['threads']} thread(s): {r['threading_layer']}" for r in results if "threading_layer" in r}
    if layers:
        out += ["Numba threading layer: " + "; ".join(sorted(layers)), ""]
    for r in results:
        if "profile" in r:
            out += ["cProfile of one make() on one core, top functions by own time:", "", "```"]
            out += [ln for ln in r["profile"].splitlines() if ln.strip()][:24]
            out += ["```", ""]
    loads = [r["load_before"] for r in results if "load_before" in r]
    if loads:
        out += [
            f"1-minute load average before each case: {min(loads):.2f} to {max(loads):.2f} "
            "(other work on the machine makes the timings noisier).",
            "",
        ]
    out += ["Machine:", ""] + [f"* {k}: {v}" for k, v in mach.items()] + ["", f"Command: `{cmd}`"]
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=float, default=1e7, help="stars per pipeline case (default 1e7)")
    ap.add_argument("--repeats", type=int, default=3, help="timed calls per case; medians are quoted")
    ap.add_argument("--cosmic-n", type=float, default=1e4, help="stars COSMIC evolves (default 1e4)")
    ap.add_argument("--no-peers", action="store_true", help="skip the peer packages")
    ap.add_argument("--profile", action="store_true", help="cProfile one make() and print the top")
    ap.add_argument("--json", help="also write every result here")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    ap.add_argument("--threads", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    args.n = int(args.n)
    if args.worker:
        return _worker(args)

    n, nc, rep = args.n, int(args.cosmic_n), args.repeats
    plan: list[tuple[str, int, int | None]] = []
    for threads in (None, 1):  # all cores (Numba's default), then pinned to one core
        plan += [(c, n, threads) for c in ("make", "births", "evolve", "photometry")]
    plan += [("imf", n, 1)]
    if not args.no_peers:
        plan += [("imf_peer", n, 1), ("evolve_cosmic_stars", nc, 1), ("cosmic_peer", nc, 1)]
    results = []
    for case, size, threads in plan:
        label = f"{case} n={size:.0e} threads={'all' if threads is None else threads}"
        print(f"... {label}", file=sys.stderr, flush=True)
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        r = spawn(case, size, rep, threads, profile=args.profile and case == "make" and threads == 1)
        r["load_before"] = load
        if "error" in r:
            print(f"    not run: {r['error']}", file=sys.stderr, flush=True)
        else:
            print(
                f"    {_fmt_rate(r['rate'])} stars/s ({r.get('threads')} threads), "
                f"median {r['median_s']:.3g} s, peak RSS {_fmt_mem(r['peak_rss'])}",
                file=sys.stderr,
                flush=True,
            )
        results.append(r)
    print("... warm-up with a fresh Numba cache", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory() as cache:
        cold = spawn("warmup", 1000, 1, None, extra_env={"NUMBA_CACHE_DIR": cache})
    cmd = "python benchmarks/bench_make.py" + (" " + " ".join(sys.argv[1:]) if len(sys.argv) > 1 else "")
    text = report(results, machine(), cmd, cold)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"results": results, "cold_warmup": cold, "machine": machine()}, f, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

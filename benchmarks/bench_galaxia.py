"""Side by side with Galaxia (issue 13): the same surveys made by starmaker and by Galaxia 0.7.2
(Sharma et al. 2011), one core each, in one run.

Every run is a whole command in a fresh process, pinned to one CPU (``taskset -c CPU``, with
``NUMBA_NUM_THREADS=OMP_NUM_THREADS=1``): ``starmaker make milkyway --limit V<LIM --field
cone:RA,DEC,R -o OUT.parquet`` and ``galaxia -r PARAM MODELPARAMS`` (Galaxia's run: stars, then
its magnitudes and E(B-V) appended, written as EBF). The parent reads the process's CPU time
(user + system) and peak resident size from ``os.wait4``'s rusage, and its wall time; the stars
each wrote are the rows of starmaker's Parquet file and Galaxia's "Total stars written".

Surveys (a cone of radius R at galactic (l, b); Galaxia's ``geometryOption 1`` patch of the same
solid angle, ``surveyArea = 2π(1 − cos R)`` in deg²):

* ``pencil:16``, ``pencil:20``: π deg² (a 1° cone) at l = 90°, b = +30° to V < 16 and V < 20;
* ``wide:16``: a 10° cone at l = 90°, b = +60° to V < 16 (313 deg²);
* ``allsky:12`` (only with ``--allsky``, one run: Galaxia needs 14–21 CPU minutes): the whole sky
  to V < 12;
* ``fixed:LIM``, run before the first survey at each limit: a cone of 0.1° (0.031 deg², a few
  stars; Galaxia stops with an error when it writes none) at l = 90°, b = +30° to V < LIM: what a
  process costs before its stars (starmaker: imports, MIST, the mass tables; Galaxia: reading
  the isochrones twice and the ten populations' trees, walking them).

Before each fixed case, each tool runs it once untimed: that fills starmaker's on-disk cache of
mass tables for the limit (built once per limit, as Galaxia's trees are by ``galaxia -s``) and
the page cache. Each case runs ``--repeats`` times per tool (tools alternating) and the run of
median CPU time is quoted. *Past the fixed cost* = (stars − the fixed case's stars) / (CPU − the
fixed case's CPU), the same tool at the same limit: the rate with the per-process cost excluded.
Also, for starmaker, the same survey made twice by ``MilkyWay.write`` in one pinned process
(``--no-second-make`` skips it): the second call's CPU is the survey's cost with every table
loaded, the fixed cost excluded by measurement rather than by subtraction (which the noise of a
shared machine can swamp when the stars cost little). Ratios: starmaker ÷ Galaxia in stars per
CPU second, whole processes; starmaker past its fixed cost ÷ Galaxia whole; both past their fixed
costs. The goal (issue 13) is ≥ 50×.

Compare counts with care: Galaxia does not dim its magnitudes by extinction (it only reports
E(B-V)), while starmaker does (its default smooth dust disc); Galaxia's V is the Padova
isochrones' UBV V, starmaker's is MIST's Bessell V. Galaxia's parameters: photoSys UBV,
magcolorNames V,B-V, appMagLimits -1000 .. LIM, absMagLimits and colorLimits -1000 .. 1000,
fSample 1, popID -1 (every population), warpFlareOn 1, starType 0, photoError 0, seed 17,
r_max 1000.

    python benchmarks/bench_galaxia.py --galaxia /path/to/galaxia-install        # or GALAXIA_DIR=...
    python benchmarks/bench_galaxia.py --galaxia DIR --cases pencil:16 --repeats 1
    python benchmarks/bench_galaxia.py --galaxia DIR --allsky                     # + all-sky V < 12

The Galaxia folder is the OUT of ``build_galaxia.sh`` (``galaxia/bin/galaxia``,
``galaxyModelParams.txt``, ``GalaxiaData/`` with the trees made by ``galaxia -s warp``). Without
it, Galaxia's rows say "not run" and starmaker's are still measured.
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL = 50.0  # starmaker's stars per CPU second over Galaxia's (issue 13)
#: case -> (l, b, cone radius in deg, V limit)
SURVEYS = {
    "pencil:16": (90.0, 30.0, 1.0, 16.0),
    "pencil:20": (90.0, 30.0, 1.0, 20.0),
    "wide:16": (90.0, 60.0, 10.0, 16.0),
    "allsky:12": (0.0, 90.0, 180.0, 12.0),
}
DEFAULT_CASES = ("pencil:16", "pencil:20", "wide:16")
FIXED_AT = (90.0, 30.0, 0.1)  # the fixed case: a cone of 0.1° (0.031 deg²) at l = 90°, b = +30°
_THREAD_VARS = ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
_TOTAL_RE = re.compile(r"Total stars written\s+(\d+)")


def area_deg2(radius_deg: float) -> float:
    """Solid angle of a cone of this radius, deg²."""
    return 2.0 * math.pi * (1.0 - math.cos(math.radians(radius_deg))) * (180.0 / math.pi) ** 2


def fixed_case(case: str) -> str:
    return "fixed:" + case.partition(":")[2]


def survey(case: str) -> tuple[float, float, float, float]:
    """(l, b, cone radius in deg, V limit) of a case: one of SURVEYS or 'fixed:LIM'."""
    kind, _, lim = case.partition(":")
    return FIXED_AT + (float(lim),) if kind == "fixed" else SURVEYS[case]


def describe(case: str) -> str:
    l, b, r, lim = survey(case)
    if case.startswith("allsky"):
        return f"all sky, V < {lim:g}"
    if case.startswith("fixed"):
        return f"fixed cost: cone {r:g}° at l = {l:g}°, b = {b:+g}°, V < {lim:g}"
    return f"cone {r:g}° ({area_deg2(r):.4g} deg²) at l = {l:g}°, b = {b:+g}°, V < {lim:g}"


def pinned_env(cpu: int) -> tuple[list[str], dict]:
    env = dict(os.environ)
    for v in _THREAD_VARS:
        env[v] = "1"
    taskset = shutil.which("taskset")
    if taskset is None:
        raise SystemExit("taskset not found (util-linux): cannot pin the runs to one core")
    return [taskset, "-c", str(cpu)], env


def measure(cmd: list[str], env: dict, cwd: str) -> dict:
    """Run ``cmd`` to its end; its CPU (user + sys), wall time and peak RSS from ``os.wait4``."""
    with open(os.path.join(cwd, "stdout.txt"), "w") as out, open(os.path.join(cwd, "stderr.txt"), "w") as err:
        w0 = time.perf_counter()
        p = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - w0
    p.returncode = os.waitstatus_to_exitcode(status)
    text = Path(cwd, "stdout.txt").read_text(errors="replace")
    res = {"rc": p.returncode, "cpu_s": ru.ru_utime + ru.ru_stime, "user_s": ru.ru_utime,
           "sys_s": ru.ru_stime, "wall_s": wall, "rss_mb": ru.ru_maxrss / 1024, "stdout": text}
    if p.returncode:
        tail = (Path(cwd, "stderr.txt").read_text(errors="replace") + text).strip().splitlines()[-3:]
        res["error"] = " | ".join(tail)[:300]
    return res


# ------------------------------------------------------------------------------------ the tools
def starmaker_cmd() -> list[str]:
    script = Path(sys.executable).with_name("starmaker")
    if script.exists():
        return [sys.executable, str(script)]
    return [sys.executable, "-c", "import sys; from starmaker.cli import main; sys.argv[0] = 'starmaker'; "
            "sys.exit(main())"]


def run_starmaker(case: str, prefix: list[str], env: dict, seed: int) -> dict:
    lim, field = survey(case)[3], sm_field(case)
    with tempfile.TemporaryDirectory(prefix="bench_sm_") as tmp:
        args = ["make", "milkyway", "--limit", f"V<{lim:g}", "--field", field, "--seed", str(seed),
                "-o", "out.parquet"]
        res = measure(prefix + starmaker_cmd() + args, env, tmp)
        res["command"] = "starmaker " + " ".join(a if "<" not in a else f'"{a}"' for a in args)
        if not res["rc"]:
            import pyarrow.parquet as pq

            res["stars"] = pq.ParquetFile(os.path.join(tmp, "out.parquet")).metadata.num_rows
    return res


def sm_worker(field: str, limit: str, seed: int, outdir: str) -> None:
    """In a pinned process: the same survey made twice by ``MilkyWay.write`` (as the command does),
    the CPU of each call: the second is what the stars cost with every table already loaded."""
    import json

    c0 = time.process_time()
    from starmaker.galaxy.survey import MilkyWay

    mw = MilkyWay(limit=limit, field=field, dust="disk")
    c1 = time.process_time()
    n1 = mw.write(os.path.join(outdir, "first.parquet"), seed=seed)
    c2, w2 = time.process_time(), time.perf_counter()
    n2 = mw.write(os.path.join(outdir, "second.parquet"), seed=seed)
    c3, w3 = time.process_time(), time.perf_counter()
    print(json.dumps({"import_cpu_s": c1 - c0, "first_cpu_s": c2 - c1, "stars_first": n1, "stars": n2,
                      "second_cpu_s": c3 - c2, "second_wall_s": w3 - w2}))


def sm_field(case: str) -> str:
    from starmaker.place.frames import galactic_to_icrs

    l, b, r, _ = survey(case)
    if r >= 180.0:
        return "all"
    ra, dec = galactic_to_icrs(l, b)
    return f"cone:{float(ra):.6f},{float(dec):.6f},{r:g}"


def run_starmaker_warm(case: str, prefix: list[str], env: dict, seed: int) -> dict:
    import json

    lim = survey(case)[3]
    with tempfile.TemporaryDirectory(prefix="bench_sm_") as tmp:
        cmd = [sys.executable, os.path.abspath(__file__), "--sm-worker", sm_field(case), f"V<{lim:g}",
               str(seed), tmp]
        res = measure(prefix + cmd, env, tmp)
    res["command"] = "MilkyWay(limit, field, dust='disk').write(path, seed) twice in one process"
    if not res["rc"]:
        got = json.loads(res["stdout"].strip().splitlines()[-1])
        res.update(process_cpu_s=res["cpu_s"], stars=got["stars"], cpu_s=got["second_cpu_s"],
                   wall_s=got["second_wall_s"], first_cpu_s=got["first_cpu_s"])
        if got["stars_first"] != got["stars"]:
            res["rc"] = -1
            res["error"] = f"the two makes differ: {got['stars_first']} and {got['stars']} stars"
    return res


def galaxia_install(path: str | None) -> tuple[Path | None, str]:
    if not path:
        return None, "no Galaxia folder given (--galaxia or GALAXIA_DIR)"
    d = Path(path)
    exe, model = d / "galaxia" / "bin" / "galaxia", d / "galaxyModelParams.txt"
    trees = d / "GalaxiaData" / "BHTree-2.2" / "bhtree_with_wf"
    if not exe.is_file() or not model.is_file():
        return None, f"no Galaxia build in {d} (galaxia/bin/galaxia, galaxyModelParams.txt)"
    if not any(trees.glob("*.ebf")):
        return None, f"Galaxia's trees not made in {trees} (galaxia -s warp)"
    return d, ""


def galaxia_param(case: str, outdir: str, seed: int) -> str:
    l, b, r, lim = survey(case)
    allsky = r >= 180.0
    return "\n".join([
        "outputFile galaxia_out", f"outputDir {outdir}/", "photoSys UBV", "magcolorNames V,B-V",
        "appMagLimits[0] -1000", f"appMagLimits[1] {lim:g}", "absMagLimits[0] -1000", "absMagLimits[1] 1000",
        "colorLimits[0] -1000", "colorLimits[1] 1000", f"geometryOption {0 if allsky else 1}",
        f"longitude {l:g}", f"latitude {b:g}", f"surveyArea {0 if allsky else area_deg2(r):.10g}",
        "fSample 1.0", "popID -1", "warpFlareOn 1", f"seed {seed}", "r_max 1000", "starType 0",
        "photoError 0", ""])


def run_galaxia(case: str, prefix: list[str], env: dict, gdir: Path, seed: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench_galaxia_") as tmp:
        Path(tmp, "survey.param").write_text(galaxia_param(case, tmp, seed))
        exe, model = gdir / "galaxia" / "bin" / "galaxia", gdir / "galaxyModelParams.txt"
        cmd = [str(exe), "-r", "survey.param", str(model)]
        res = measure(prefix + cmd, env, tmp)
        res["command"] = "galaxia -r survey.param galaxyModelParams.txt"
        m = _TOTAL_RE.search(res["stdout"])
        # Galaxia's main() returns 1 when it has run to its end ("Total Time=")
        if res["rc"] in (0, 1) and m and "Total Time=" in res["stdout"]:
            res["rc"], res["stars"] = 0, int(m.group(1))
            res.pop("error", None)
        elif not res["rc"]:
            res["rc"], res["error"] = -1, "no 'Total stars written' in Galaxia's output"
    return res


# ------------------------------------------------------------------------------------ report
def median_run(runs: list[dict]) -> dict:
    ok = [r for r in runs if not r["rc"]]
    if not ok:
        return runs[-1]
    by_cpu = sorted(ok, key=lambda r: r["cpu_s"])
    med = dict(by_cpu[(len(by_cpu) - 1) // 2])
    med["cpu_all"] = [r["cpu_s"] for r in ok]
    if len({r["stars"] for r in ok}) > 1:
        med["note"] = f"star counts differ between runs: {sorted({r['stars'] for r in ok})}"
    return med


def fmt_rate(x: float | None) -> str:
    return "—" if x is None or not math.isfinite(x) else f"{x:,.0f}"


def fmt_ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or not (math.isfinite(a) and math.isfinite(b)) or b <= 0:
        return "—"
    r = a / b
    return f"{r:,.1f}× ({'met' if r >= GOAL else 'not met'})"


def rates(res: dict | None, fixed: dict | None) -> tuple[float | None, float | None]:
    """Stars per CPU second of the whole process, and past the fixed case: (N − N_fixed) / (CPU −
    CPU_fixed), None where that difference is within the fixed case's noise (under 10 % of its CPU or
    under the spread of its runs)."""
    if res is None or res.get("rc") or "stars" not in res:
        return None, None
    whole = res["stars"] / res["cpu_s"]
    marginal = None
    if fixed and not fixed.get("rc"):
        extra = res["cpu_s"] - fixed["cpu_s"]
        spread = max(fixed.get("cpu_all", [0])) - min(fixed.get("cpu_all", [0]))
        if extra > max(0.1 * fixed["cpu_s"], spread):
            marginal = (res["stars"] - fixed["stars"]) / extra
    return whole, marginal


TOOLS = (("starmaker", "starmaker"), ("starmaker-warm", "starmaker, a second make in the same process"),
         ("galaxia", "Galaxia 0.7.2"))


def report(cases: list[str], results: dict, why_not: dict, args) -> str:
    lines = ["| survey | tool | stars | CPU s (median) | CPU s, each run | wall s | peak RSS | "
             "stars / CPU s | past the fixed cost: stars / CPU s | ÷ Galaxia, whole processes | "
             "÷ Galaxia, starmaker's fixed cost excluded | ÷ Galaxia, both fixed costs excluded |",
             "|---|---|---:|---:|---|---:|---:|---:|---:|---|---|---|"]
    for case in cases:
        fixed = {k: results.get((fixed_case(case), k)) for k, _ in TOOLS}
        got = {k: results.get((case, k)) for k, _ in TOOLS}
        is_fixed = case.startswith("fixed")
        for key, name in TOOLS:
            res = got[key]
            if key == "starmaker-warm" and (is_fixed or res is None):
                continue
            if res is None or res.get("rc"):
                why = f"not run: {why_not[key]}" if res is None else f"failed: {res.get('error', '')}"
                lines.append(f"| {describe(case)} | {name} | {why} | | | | | | | | | |")
                continue
            whole, marg = (None, None) if is_fixed else rates(res, fixed[key])
            ratios = ["", "", ""]
            ga_ok = got["galaxia"] and not got["galaxia"].get("rc")
            if key == "starmaker" and not is_fixed and ga_ok:
                gw, gm = rates(got["galaxia"], fixed["galaxia"])
                ratios = [fmt_ratio(whole, gw), fmt_ratio(marg, gw), fmt_ratio(marg, gm)]
            if key == "starmaker-warm":  # its CPU is the second make's alone: past the fixed cost
                whole, marg = None, res["stars"] / res["cpu_s"]
                if ga_ok:
                    gw, gm = rates(got["galaxia"], fixed["galaxia"])
                    ratios = ["", fmt_ratio(marg, gw), fmt_ratio(marg, gm)]
            each = ", ".join(f"{c:.2f}" for c in res.get("cpu_all", []))
            lines.append(f"| {describe(case)} | {name} | {res['stars']:,} | {res['cpu_s']:.2f} | {each} | "
                         f"{res['wall_s']:.2f} | {res['rss_mb']:.0f} MB | {fmt_rate(whole)} | "
                         f"{fmt_rate(marg)} | " + " | ".join(ratios) + " |")
    notes = [
        "",
        f"One core each (taskset -c {args.cpu}, NUMBA_NUM_THREADS=OMP_NUM_THREADS=1); whole commands in "
        "fresh processes; CPU = user + sys of the process (os.wait4), peak RSS = its ru_maxrss; the run of "
        f"median CPU of {args.repeats} quoted (all-sky: one run). Past the fixed cost = (stars − the fixed "
        "case's stars) / (CPU − the fixed case's CPU), the fixed case being the same tool's 0.1° cone at "
        "the same limit ('—': within the fixed case's noise). 'A second make in the same process': "
        "MilkyWay.write of the same survey called twice in one pinned process, the second call's CPU "
        "(every table loaded): starmaker's cost per survey without its fixed cost, measured directly. "
        "Goal: starmaker ≥ 50× Galaxia's stars / CPU s.",
        "Galaxia does not dim by extinction (it reports E(B-V) only) while starmaker does (smooth dust "
        "disc): compare counts with care. starmaker's V is MIST's Bessell V; Galaxia's is the Padova UBV V.",
    ]
    for (case, tool), res in results.items():
        if res and res.get("note"):
            notes.append(f"{tool} {case}: {res['note']}")
    return "\n".join(lines + notes)


def plan(requested: list[str], allsky: bool) -> list[str]:
    """The cases in order, each limit's fixed case before the first survey at that limit."""
    cases: list[str] = []
    for case in list(requested) + (["allsky:12"] if allsky else []):
        f = fixed_case(case)
        for c in (f, case):
            if c not in cases:
                cases.append(c)
    return cases


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--galaxia", default=os.environ.get("GALAXIA_DIR"),
                    help="Galaxia folder (build_galaxia.sh's OUT); default $GALAXIA_DIR")
    ap.add_argument("--cases", nargs="+", default=list(DEFAULT_CASES), choices=list(SURVEYS))
    ap.add_argument("--allsky", action="store_true", help="also the whole sky to V < 12, once per tool")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--cpu", type=int, default=0, help="the CPU both tools are pinned to")
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--no-starmaker", action="store_true", help="Galaxia only")
    ap.add_argument("--no-warmup", dest="warmup", action="store_false",
                    help="skip the untimed fixed-case run of each tool at each limit")
    ap.add_argument("--no-second-make", dest="second_make", action="store_false",
                    help="skip the in-process runs (starmaker's second make in one process)")
    ap.add_argument("--sm-worker", nargs=4, metavar=("FIELD", "LIMIT", "SEED", "OUTDIR"),
                    help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.sm_worker:
        field, limit, seed, outdir = args.sm_worker
        sm_worker(field, limit, int(seed), outdir)
        return
    cases = plan(args.cases, args.allsky)
    gdir, gnote = galaxia_install(args.galaxia)
    if gdir is None:
        print(f"Galaxia: not run ({gnote})", file=sys.stderr, flush=True)
    why_not = {"starmaker": "--no-starmaker", "galaxia": gnote}
    prefix, env = pinned_env(args.cpu)
    stamp = datetime.datetime.now().astimezone().isoformat(timespec="minutes")
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                cwd=Path(__file__).parent).stdout.strip() or "?"
    except OSError:
        commit = "?"
    tools = ([] if args.no_starmaker else ["starmaker"]) + (["galaxia"] if gdir else [])

    def run(tool: str, case: str) -> dict:
        if tool == "starmaker":
            return run_starmaker(case, prefix, env, args.seed)
        if tool == "starmaker-warm":
            return run_starmaker_warm(case, prefix, env, args.seed)
        return run_galaxia(case, prefix, env, gdir, args.seed)

    results: dict = {}
    for case in cases:
        if case.startswith("fixed") and args.warmup:  # untimed: starmaker's tables for the limit, page cache
            for tool in tools:
                res = run(tool, case)
                print(f"{case} {tool} warm-up (untimed): CPU {res['cpu_s']:.2f} s", file=sys.stderr,
                      flush=True)
        n = 1 if case.startswith("allsky") else args.repeats
        these = list(tools)
        if args.second_make and "starmaker" in tools and not case.startswith(("fixed", "allsky")):
            these.insert(1, "starmaker-warm")
        runs: dict = {t: [] for t in these}
        for i in range(n):
            for tool in these:
                res = run(tool, case)
                runs[tool].append(res)
                msg = (f"failed: {res.get('error')}" if res["rc"] else
                       f"{res['stars']:,} stars, CPU {res['cpu_s']:.2f} s, wall {res['wall_s']:.2f} s, "
                       f"{res['rss_mb']:.0f} MB")
                print(f"{case} {tool} run {i + 1}/{n}: {msg}   [{res['command']}]", file=sys.stderr,
                      flush=True)
        for tool, rs in runs.items():
            results[(case, tool)] = median_run(rs)
    try:
        load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "?"
    cpu = platform.processor() or platform.machine()
    print(f"\n{stamp}, commit {commit}, {cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
          f"load average at the end {load}")
    given = sys.argv[1:] if argv is None else argv
    print("command: python benchmarks/bench_galaxia.py " + " ".join(given) + "\n")
    print(report(cases, results, why_not, args))


if __name__ == "__main__":
    main()

"""Issue 16: fuzz every CLI command's options and the recipe files with bad input.

Each case breaks exactly one option (or one thing in a recipe) of an otherwise valid, cheap
command line and runs the CLI in-process (``starmaker.cli.main``). Every case must end cleanly:
one line on stderr starting ``error:``, a non-zero exit, no traceback, and no file new or changed
in the case's own folder. The bad values are bad by construction (lists of known-bad values, or
random text filtered through the parser that would accept it), so no case launches real work.

Bounded: ``MAX_EXAMPLES`` cases per test (``STARMAKER_FUZZ_EXAMPLES`` overrides), no deadline;
derandomized, so CI runs the same cases each time (``STARMAKER_FUZZ_RANDOM=1`` explores).
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
import tomllib
from pathlib import Path

import pytest
from cli_inprocess import assert_clean_failure, listing, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
MAX_EXAMPLES = int(os.environ.get("STARMAKER_FUZZ_EXAMPLES", "100"))
#: STARMAKER_FUZZ_RANDOM=1 explores new examples each run (default: the same examples every run)
FUZZ = settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
                derandomize=not os.environ.get("STARMAKER_FUZZ_RANDOM"),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# --- bad values ------------------------------------------------------------------------------------
NASTY = ["", " ", "nan", "inf", "-inf", "1e999", "-1e999", "abc", "[/x]", "[bold]x", "\u00e9\u2603",
         "x" * 5000, "1,5", "--", "0x10", "None", "\t", "1e", "../", "a\nb"]


def _text(bad_if):
    """Random short text (and the nasty list) kept only where ``bad_if(text)`` holds."""
    return (st.sampled_from(NASTY) | st.text(min_size=0, max_size=40)).filter(
        lambda s: "\0" not in s and bad_if(s))


def _rejects(parse):
    def bad(s):
        try:
            parse(s)
        except Exception:  # noqa: BLE001 - any refusal makes the value bad
            return True
        return False
    return bad


def _bad_mass(s):
    from starmaker.units import parse_mass

    try:
        m = parse_mass(s)
    except Exception:  # noqa: BLE001
        return True
    return not (0 < m <= 1e7)


def _bad_age(s):
    from starmaker.units import parse_age

    try:
        a = parse_age(s)
    except Exception:  # noqa: BLE001
        return True
    return not (1e5 <= a <= 1.99e10)


def _not_name(known):
    return lambda s: s.strip().lower() not in known


def floats(lo, hi):
    """Floats outside [lo, hi], non-finite, and text that is no number."""
    outside = st.floats(allow_nan=True, allow_infinity=True).filter(lambda x: not (lo <= x <= hi))
    return st.one_of(outside.map(repr), st.sampled_from(["nan", "inf", "-inf", "abc", "", "1e999"]))


SEEDS = st.sampled_from(["-1", "-99999999999999999999", "abc", "1.5", "", "nan"])

#: output kinds, resolved inside each case's folder (see _setup)
RECIPES_ALL = sorted((ROOT / "recipes").glob("*.toml"))
FILE_OUT = st.sampled_from(["adir", "fifo", "to_fifo", "to_dir", "broken", "under_file", "long_name",
                            "long_path"])
FOLDER_OUT = st.sampled_from(["afile", "fifo", "under_file", "long_name", "long_path"])


def _setup(folder: Path) -> None:
    (folder / "afile").write_text("x")
    (folder / "adir").mkdir()
    os.mkfifo(folder / "fifo")
    (folder / "to_fifo").symlink_to(folder / "fifo")
    (folder / "to_dir").symlink_to(folder / "adir")
    (folder / "broken").symlink_to(folder / "nothing")


def _path(folder: Path, kind: str) -> str:
    special = {"under_file": folder / "afile" / "x.out", "long_name": folder / ("n" * 300),
               "long_path": folder / ("d/" * 2100 + "x")}
    return str(special.get(kind, folder / kind))


@pytest.fixture(scope="module")
def catalogue():
    """A small made cluster, read-only input for the plot commands."""
    from starmaker import Cluster

    folder = Path(tempfile.mkdtemp(prefix="fuzz-cat-"))
    path = folder / "c.parquet"
    Cluster(mass=300, age="100Myr").make(seed=1).write(path)
    yield path
    shutil.rmtree(folder, ignore_errors=True)


def _case(base: dict[str, str], bad: dict[str, object], command: list[str], outputs=(), args=(), files=None):
    """Run ``command`` with ``base`` options, one replaced by a bad value, in a fresh folder;
    assert it ends cleanly. Output-kind values (see _setup) are resolved in the folder."""
    folder = Path(tempfile.mkdtemp(prefix="fuzz-"))
    try:
        _setup(folder)
        for name, text in (files or {}).items():
            (folder / name).write_text(text)
        opts = {**base, **bad}
        argv = list(command)
        for a in args:
            argv.append(str(a).replace("{dir}", str(folder)))
        for k, v in opts.items():
            if "{dir}" in str(v):
                v = str(v).replace("{dir}", str(folder))
            elif k in outputs and not os.path.isabs(str(v)):
                v = _path(folder, v)
            argv += [k, str(v)]
        before = listing(folder)
        assert_clean_failure(run_cli(*argv, cwd=folder), folder, before)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _one_bad(spec):
    """A strategy of {option: bad value} with exactly one option broken."""
    return st.sampled_from(sorted(spec)).flatmap(lambda k: spec[k].map(lambda v: {k: v}))


# --- the commands ----------------------------------------------------------------------------------
CLUSTER = {
    "--mass": _text(_bad_mass),
    "--age": _text(_bad_age),
    "--feh": floats(-4.0, 0.5),
    "--imf": _text(_not_name({"kroupa", "chabrier", "salpeter", "broken_power_law"})),
    "--seed": SEEDS,
    "-o": FILE_OUT,
}


@FUZZ
@given(bad=_one_bad(CLUSTER))
def test_fuzz_make_cluster(bad):
    _case({"--mass": "100", "--age": "100Myr", "-o": "{dir}/x.parquet"}, bad, ["make", "cluster"],
          outputs=("-o",))


MILKYWAY = {
    "--limit": st.sampled_from(["G<nan", "G<inf", "X<5", "G>5", "G<", "<5", "G<99", "G<-99", "abc", "",
                                "G<1e999", "[/x]"]),
    "--components": st.sampled_from(["", ",", "thin_disk,thin_disk", "disc", "halo,Halo", "[/x]",
                                     "thin_disk,,thin_disk"]) | _text(lambda s: True).map(lambda s: "zz" + s),
    "--field": st.sampled_from(["cone:1,2", "cone:a,b,c", "square:1", "pixels:-1", "pixels:99999",
                                "pixels:", "cone:0,0,-5", "pixels:1.5", "[/x]"]),
    "--seed": SEEDS,
    "-o": FILE_OUT,
}


@FUZZ
@given(bad=_one_bad(MILKYWAY))
def test_fuzz_make_milkyway(bad):
    _case({"--limit": "G<2", "-o": "{dir}/x.parquet"}, bad, ["make", "milkyway"], outputs=("-o",))


RECIPE_OPTS = {"--seed": SEEDS, "-o": FILE_OUT | st.just("SAME")}


@FUZZ
@given(bad=_one_bad(RECIPE_OPTS), recipe=st.sampled_from(RECIPES_ALL))
def test_fuzz_make_recipe_options(bad, recipe):
    folder_recipe = "{dir}/r.toml"
    if bad.get("-o") == "SAME":
        bad["-o"] = folder_recipe
    _case({"-o": "{dir}/x.parquet"}, bad, ["make", "recipe"], outputs=("-o",), args=[folder_recipe],
          files={"r.toml": recipe.read_text()})


STAR = {
    "--mass": floats(0.1, 300.0),
    "--age": _text(_bad_age),
    "--feh": floats(-4.0, 0.5),
}


@FUZZ
@given(bad=_one_bad(STAR))
def test_fuzz_star(bad):
    _case({"--mass": "1", "--age": "1Gyr"}, bad, ["star"])


def _bad_epoch(s):
    from starmaker.births.history import parse_epoch

    try:
        y = parse_epoch(s)
    except Exception:  # noqa: BLE001
        return True
    return not math.isfinite(y) or abs(y) > 1e8


SKY = {
    "--lat": floats(-90, 90),
    "--lon": floats(-180, 360),
    "--elevation": floats(-500, 9000),
    "--time": st.sampled_from(["1800-01-01T00:00Z", "2100-01-01T00:00Z", "2026-13-01T00:00Z",
                               "2026-01-01T25:00Z", "9999-12-31T23:59Z",
                               "0001-01-01T00:00Z", "yesterday", "", "[/x]"]),
    "--tz": st.sampled_from(["+25:00", "-15:00", "Mars/Olympus", "[/x]", "UTC+99", "abc"]),
    "--epoch": _text(_bad_epoch),
    "--bortle": st.sampled_from(["0", "10", "-1", "abc", "nan", "3.5"]),
    "--sky-brightness": floats(14.0, 23.0),
    "--acuity": floats(0.0, 4.0).filter(lambda s: s not in ("0.0", "-0.0")),
    "--top": st.sampled_from(["-1", "abc", "1.5"]),
    "--stars": _text(lambda s: s.strip().lower() not in ("real", "made", "both")),
    "-o": FILE_OUT,
    "--list": FILE_OUT,
    "--html": FILE_OUT,
}


@FUZZ
@given(bad=_one_bad(SKY))
def test_fuzz_sky(bad):
    _case({"--time": "2026-12-24T18:30+09:00", "-o": "{dir}/x.png"}, bad, ["sky"],
          outputs=("-o", "--list", "--html"))


WISH = {k: SKY[k] for k in ("--lat", "--lon", "--elevation", "--tz", "--bortle", "--sky-brightness",
                            "--acuity")}
WISH["--date"] = st.sampled_from(["9999-12-31", "0001-01-01", "1899-12-31", "2053-10-02", "2026-02-30",
                                  "tomorrow", "", "[/x]", "2026-1-1x"])
WISH["--stars"] = _text(lambda s: True).map(lambda s: "no-such-" + s)


@FUZZ
@given(bad=_one_bad(WISH))
def test_fuzz_wish(bad):
    _case({"--date": "2026-12-24"}, bad, ["wish"])


TIMELINE = {
    "--limit": MILKYWAY["--limit"],
    "--from": _text(_bad_epoch),
    "--to": _text(_bad_epoch),
    "--steps": st.sampled_from(["0", "1", "-5", "1000000000", "abc", "2.5"]),
    "--stop-forming-at": _text(_bad_epoch),
    "--seed": SEEDS,
    "-o": FOLDER_OUT,
}


@FUZZ
@given(bad=_one_bad(TIMELINE))
def test_fuzz_timeline(bad):
    _case({"--limit": "V<3", "--from": "-10Myr", "--to": "+10Myr", "--steps": "2", "-o": "{dir}/tl"}, bad,
          ["timeline"], outputs=("-o",))


VALIDATE = {
    "--limit": st.sampled_from(["G<3", "G<11", "V<6", "G<nan", "abc", "", "G<inf"]),
    "--seed": SEEDS,
    "-o": FOLDER_OUT,
}


@FUZZ
@given(bad=_one_bad(VALIDATE))
def test_fuzz_validate(bad):
    _case({"--limit": "G<4", "-o": "{dir}/val"}, bad, ["validate"], outputs=("-o",))


COMPARE = {
    "--epochs": st.sampled_from(["", ",", "abc", "-1Gyr", "nan", "1e30yr", "0", "[/x]", "1Gyr,abc"]),
    "--seed": SEEDS,
    "-o": FOLDER_OUT,
}


@FUZZ
@given(bad=_one_bad(COMPARE))
def test_fuzz_compare(bad):
    recipes = [ROOT / "recipes" / "apprentice.toml", ROOT / "recipes" / "thick_disk_kroupa.toml"]
    _case({"-o": "{dir}/cmp"}, bad, ["compare"], outputs=("-o",), args=recipes)


@FUZZ
@given(files=st.lists(st.sampled_from(["missing.toml", "afile", "adir", "fifo", "{dir}/junk.toml"]),
                      min_size=1, max_size=3))
def test_fuzz_compare_recipe_files(files):
    folder_args = [f if f.startswith("{dir}") else "{dir}/" + f for f in files]
    _case({"-o": "{dir}/cmp"}, {}, ["compare"], outputs=("-o",), args=folder_args)


PLOT_CATS = st.sampled_from(["{dir}/missing.parquet", "{dir}/afile", "{dir}/adir", "{dir}/fifo",
                             "{dir}/broken", "{dir}/to_dir"])
HR = {"cat": PLOT_CATS, "-o": FILE_OUT | st.just("SAME")}
SKYMAP = {"cat": PLOT_CATS, "-o": FILE_OUT, "--band": st.sampled_from(["Q", "[/x]", "", "g2"]),
          "--limit": st.sampled_from(["nan", "inf", "-inf", "abc"])}


@FUZZ
@given(bad=_one_bad(HR))
def test_fuzz_plot_hr(catalogue, bad):
    cat = bad.pop("cat", str(catalogue))
    if bad.get("-o") == "SAME":
        bad["-o"] = cat
    _case({"-o": "{dir}/x.png"}, bad, ["plot", "hr"], outputs=("-o",), args=[cat])


@FUZZ
@given(bad=_one_bad(SKYMAP))
def test_fuzz_plot_skymap(bad):
    cat = bad.pop("cat", "hipparcos")
    _case({"-o": "{dir}/x.png"}, bad, ["plot", "skymap"], outputs=("-o",), args=[cat])


# --- recipes ----------------------------------------------------------------------------------------
RECIPES = sorted((ROOT / "recipes").glob("*.toml"))


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + "}"
    raise TypeError(value)


def _dump(data: dict) -> str:
    lines = [f"{k} = {_toml(v)}" for k, v in data.items() if not isinstance(v, dict)]
    for k, v in data.items():
        if isinstance(v, dict):
            lines.append(f"\n[{k}]")
            lines += [f"{kk} = {_toml(vv)}" for kk, vv in v.items()]
    return "\n".join(lines) + "\n"


#: values that no key of a recipe accepts
WRONG = st.sampled_from([float("nan"), float("inf"), float("-inf"), {"a": 1}, [[1]], True,
                         "[/x] no such thing", "x" * 3000, -1e308])


@st.composite
def bad_recipes(draw):
    data = tomllib.loads(draw(st.sampled_from(RECIPES)).read_text())
    how = draw(st.sampled_from(["unknown_top", "unknown_in_table", "wrong_value", "drop_table", "huge"]))
    tables = [k for k, v in data.items() if isinstance(v, dict)]
    if how == "unknown_top":
        data["zz_" + draw(st.from_regex(r"[a-z_]{1,12}", fullmatch=True))] = 1
    elif how == "unknown_in_table":
        data[draw(st.sampled_from(tables))]["zz_" + draw(st.from_regex(r"[a-z_]{1,12}", fullmatch=True))] = 1
    elif how == "wrong_value":
        sec = draw(st.sampled_from(tables + [None]))
        where = data if sec is None else data[sec]
        keys = [k for k in where if not isinstance(where[k], dict) and k not in ("description", "name")]
        where[draw(st.sampled_from(keys)) if keys else "zz_key"] = draw(WRONG)
    elif how == "drop_table":
        del data[draw(st.sampled_from([t for t in tables if t in ("imf", "sfh", "metallicity")]))]
    else:  # a size that cannot fit in memory
        data.pop("n", None)
        data.pop("mass", None)
        if data.get("place", {}).get("kind") == "milky_way":  # sized by rho0: see test_huge_rho0
            data["zz_size"] = 1
        else:
            data[draw(st.sampled_from(["mass", "n"]))] = draw(st.sampled_from([1e300, 10**18]))
    return _dump(data)


@FUZZ
@given(text=bad_recipes())
def test_fuzz_recipes(text):
    folder = Path(tempfile.mkdtemp(prefix="fuzz-recipe-"))
    try:
        (folder / "r.toml").write_text(text, encoding="utf-8")
        before = listing(folder)
        assert_clean_failure(run_cli("make", "recipe", folder / "r.toml", "-o", folder / "x.parquet"),
                             folder, before)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@FUZZ
@given(text=st.text(max_size=300).filter(lambda s: "\0" not in s))
def test_fuzz_recipe_text(text):
    """Arbitrary text as a recipe: never a valid one (no [imf]/[sfh]/[metallicity] tables with
    a size), so always one line."""
    folder = Path(tempfile.mkdtemp(prefix="fuzz-text-"))
    try:
        (folder / "r.toml").write_text(text, encoding="utf-8")
        before = listing(folder)
        assert_clean_failure(run_cli("make", "recipe", folder / "r.toml", "-o", folder / "x.parquet"),
                             folder, before)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_huge_rho0_is_refused_up_front(tmp_path):
    data = tomllib.loads((ROOT / "recipes" / "thick_disk_kroupa.toml").read_text())
    data["place"]["rho0"] = 1e300
    (tmp_path / "r.toml").write_text(_dump(data), encoding="utf-8")
    before = listing(tmp_path)
    assert_clean_failure(run_cli("make", "recipe", tmp_path / "r.toml", "-o", tmp_path / "x.parquet"),
                         tmp_path, before)


@FUZZ
@given(name=st.text(max_size=300), folder_out=st.booleans())
def test_fuzz_check_output(name, folder_out):
    """Any name: check_output returns a path or raises OutputError (never another error), and
    creates nothing."""
    from starmaker.errors import OutputError
    from starmaker.io.paths import check_output

    folder = Path(tempfile.mkdtemp(prefix="fuzz-path-"))
    try:
        _setup(folder)
        before = listing(folder)
        try:
            check_output(folder / name, folder=folder_out, inputs=[folder / "afile"])
        except OutputError as exc:
            assert "\n" not in str(exc) or "\n" in name
        assert listing(folder) == before
    finally:
        shutil.rmtree(folder, ignore_errors=True)

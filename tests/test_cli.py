"""The command line: the README's commands work, and errors are one line, exit non-zero."""

import json
import subprocess
import sys

import numpy as np
import pytest

from starmaker import Stars


def run(*args):
    return subprocess.run(
        [sys.executable, "-m", "starmaker.cli", *args], capture_output=True, text=True, timeout=300
    )


def test_make_cluster_and_plot(tmp_path):
    out = tmp_path / "cluster.parquet"
    r = run(
        "make", "cluster", "--mass", "2e3", "--age", "100Myr", "--feh", "0", "--seed", "1", "-o", str(out)
    )
    assert r.returncode == 0, r.stderr
    s = Stars.read(out)
    assert s["mass_initial"].sum() == pytest.approx(2e3, rel=0.02)
    png = tmp_path / "hr.png"
    r = run("plot", "hr", str(out), "-o", str(png))
    assert r.returncode == 0, r.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_star_json_is_keyed_by_schema_columns():
    r = run("star", "--mass", "1", "--age", "4.57Gyr", "--feh", "0", "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["phase"] == "MS" and d["alive"] is True
    assert d["age"] == pytest.approx(4.57e9)
    assert {"mass_initial", "lifespan", "M_G", "M_V", "log_Teff"} <= set(d)
    assert np.isclose(d["M_G"], 4.67, atol=0.1)


@pytest.mark.parametrize(
    "args,needle",
    [
        (("star", "--mass", "-1", "--age", "1Gyr"), "mass"),
        (("star", "--mass", "1", "--age", "40Gyr"), "age"),
        (("star", "--mass", "1", "--age", "1Gyr", "--feh", "-4"), "feh"),
        (("star", "--mass", "1", "--age", "tomorrow"), "age"),
        (("make", "cluster", "--imf", "top-heavy", "-o", "x.parquet"), "unknown IMF"),
        (("plot", "hr", "missing.parquet", "-o", "x.png"), "no such file"),
    ],
)
def test_errors_are_one_line_without_traceback(args, needle, tmp_path):
    # README: bad input prints one line saying what is allowed, and the CLI exits 1
    r = run(*args)
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    assert needle in r.stderr
    assert r.stderr.strip().count("\n") == 0
    assert r.stdout == ""


def test_out_of_grid_error_says_what_the_grid_covers():
    r = run("star", "--mass", "1", "--age", "30Gyr")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "covers 100000 yr to 1.99526e+10 yr" in r.stderr


def test_readme_column_table_is_the_schema():
    """The README's column table is the schema's, so the documented contract cannot drift."""
    from pathlib import Path

    from starmaker.schema import markdown_table, tables_markdown

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert markdown_table() in readme
    assert tables_markdown() in readme

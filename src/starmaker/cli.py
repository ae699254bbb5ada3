"""The command line: a thin layer over the public API (parse, call, print with rich)."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from .errors import StarmakerError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="starmaker: make stars the way nature does, and see them.",
)
make_app = typer.Typer(no_args_is_help=True, help="Make stars from a recipe.")
plot_app = typer.Typer(no_args_is_help=True, help="Draw pictures of made or real stars.")
app.add_typer(make_app, name="make")
app.add_typer(plot_app, name="plot")

out = Console()
err = Console(stderr=True)


@make_app.command("cluster")
def make_cluster(
    mass: str = typer.Option("1e4", help="Total initial mass (Msun)."),
    age: str = typer.Option("100Myr", help="Age, with unit: yr, kyr, Myr, Gyr."),
    feh: float = typer.Option(0.0, help="[Fe/H] (dex)."),
    imf: str = typer.Option("kroupa", help="IMF: kroupa, chabrier, salpeter."),
    seed: int = typer.Option(0, help="Random seed: the same seed gives the same stars."),
    output: Path = typer.Option(..., "-o", "--output", help="Parquet file to write."),
) -> None:
    """Make a single-age star cluster and write it as Parquet."""
    from .imf import imf_from_name
    from .maker import Cluster
    from .units import parse_mass

    cluster = Cluster(mass=parse_mass(mass), age=age, feh=feh, imf=imf_from_name(imf))
    with err.status(f"making {cluster.mass:g} Msun of stars (seed {seed})..."):
        stars = cluster.make(seed=seed)
    stars.write(output)
    _summary(stars, f"Cluster {cluster.mass:g} Msun, {cluster.sfh.age / 1e6:g} Myr, [Fe/H] {feh:+g}")
    out.print(f"wrote [bold]{output}[/] ({len(stars)} stars)")


@make_app.command("milkyway")
def make_milkyway(
    limit: str = typer.Option("G<10", help="Magnitude limit, e.g. 'G<10' (bands G, BP, RP, B, V)."),
    seed: int = typer.Option(0, help="Random seed: the same seed gives the same sky, however split."),
    field: str = typer.Option("all", help="'all', 'cone:RA,DEC,RADIUS' (deg) or 'pixels:P1,P2,...' "
                              "(HEALPix nested, nside 16, ICRS)."),
    components: str = typer.Option("thin_disk,thick_disk,halo,bulge", help="Components, comma-separated."),
    output: Path = typer.Option(..., "-o", "--output", help="Parquet file to write."),
) -> None:
    """Make the Milky Way's stars brighter than a limit, as seen from the Sun."""
    from .survey import Field, MilkyWay, parse_limit

    lim, fld = parse_limit(limit), Field.parse(field)
    mw = MilkyWay([c.strip() for c in components.split(",") if c.strip()])
    with _progress(f"making the sky to {lim}") as bar:
        n = mw.write(output, lim, seed=seed, field=fld, progress=bar)
    import pyarrow.parquet as pq

    counted = pq.read_table(output, columns=["component"]).column("component").value_counts()
    counts = {v["values"]: v["counts"] for v in counted.to_pylist()}
    t = Table(title=f"Milky Way, {lim}, seed {seed}, field {field}")
    t.add_column("component")
    t.add_column("stars", justify="right")
    for c in mw.components:
        t.add_row(c.name, str(counts.get(c.name, 0)))
    t.add_row("[bold]all", f"[bold]{n}")
    out.print(t)
    out.print(f"wrote [bold]{output}[/] ({n} stars)")


class _progress:
    """A rich progress bar driven by ``callback(done, total)``; a context manager."""

    def __init__(self, what: str) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        self.bar = Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                            "pixels", TimeElapsedColumn(), console=err, transient=False)
        self.what = what
        self.task = None

    def __enter__(self):
        self.bar.__enter__()
        self.task = self.bar.add_task(self.what, total=None)
        return self

    def __call__(self, done: int, total: int) -> None:
        self.bar.update(self.task, completed=done, total=total)

    def __exit__(self, *exc) -> None:
        self.bar.__exit__(*exc)


@app.command("timeline")
def timeline_cmd(
    limit: str = typer.Option("V<6.5", help="Magnitude limit, e.g. 'V<6.5' (bands G, BP, RP, B, V)."),
    start: str = typer.Option("-1Gyr", "--from", help="First epoch, relative to today, e.g. -1Gyr."),
    stop: str = typer.Option("+1Gyr", "--to", help="Last epoch, relative to today, e.g. +1Gyr."),
    steps: int = typer.Option(21, help="Number of epochs, evenly spaced."),
    stop_forming_at: str = typer.Option(None, "--stop-forming-at",
                                        help="Star formation stops at this epoch, e.g. 0 (today)."),
    seed: int = typer.Option(0, help="Random seed (the same at every epoch)."),
    animate: bool = typer.Option(True, help="Write sky.gif, the sky maps as an animation."),
    output: Path = typer.Option(Path("timeline"), "-o", "--output", help="Folder for the CSV, PNG and GIF."),
) -> None:
    """The naked-eye sky through the ages: counts per epoch (CSV), plots and an animated sky map."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from .timeline import plan, timeline

    plan(limit, start, stop, steps, stop_forming_at)  # bad input: one line before the bar starts
    bar = Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(), "epochs",
                   TimeElapsedColumn(), console=err)
    with bar:
        task = bar.add_task(f"making the sky to {limit} from {start} to {stop}", total=steps)
        result = timeline(limit, start, stop, steps, stop_forming_at=stop_forming_at, seed=seed,
                          outdir=output, animate=animate,
                          progress=lambda done, total: bar.update(task, completed=done, total=total))
    t = Table(title=f"The sky through the ages, {limit}, seed {seed}"
              + (f", star formation stops at {stop_forming_at}" if stop_forming_at is not None else ""))
    for c in ("epoch (Gyr)", "visible", "O/B", "giants", "brightest V", "born", "died"):
        t.add_column(c, justify="right")
    for r in result.rows:
        t.add_row(f"{r['epoch'] / 1e9:+.3f}", str(r["n_visible"]), str(r["n_OB"]), str(r["n_giants"]),
                  f"{r['brightest']:.2f}", "" if r["n_born"] is None else str(r["n_born"]),
                  "" if r["n_died"] is None else str(r["n_died"]))
    out.print(t)
    out.print(f"wrote [bold]{output}/[/]: " + ", ".join(p.name for p in result.files))


@app.command("validate")
def validate_cmd(
    limit: str = typer.Option("G<10", help="G-band limit, G<4 ... G<10 (Gaia DR3 is complete to G = 10)."),
    seed: int = typer.Option(1, help="Random seed."),
    output: Path = typer.Option(Path("validation"), "-o", "--output", help="Folder for the report and PNGs."),
) -> None:
    """Compare the made sky with the real one (Gaia DR3, Hipparcos 2): counts, colours, local HR."""
    from .validate import validate

    with _progress(f"making the sky to {limit}") as bar:
        result = validate(limit, seed=seed, outdir=output, progress=bar)
    t = Table(title=f"Made / real star counts N(<G), {result.limit}, seed {seed}")
    keys = [k for k in result.counts[0] if k.startswith("ratio_b")]
    for c in ["G <", "made", "real", "ratio", *[f"|b| {k[7:].replace('_', '-')}" for k in keys]]:
        t.add_column(c, justify="right")
    for r in result.counts:
        t.add_row(f"{r['mag']:g}", str(r["n_made"]), str(r["n_real"]), f"{r['ratio']:.3f}",
                  *[f"{r[k]:.3f}" for k in keys])
    out.print(t)
    loc = result.local
    out.print(f"within 100 pc, M_V < 3: made {loc['n_made']}, Hipparcos {loc['n_real']} "
              f"(ratio {loc['ratio']:.3f})")
    out.print(f"wrote [bold]{output}/[/]: " + ", ".join(p.name for p in result.files))


def _summary(stars, title: str) -> None:

    from .schema import PHASES

    t = Table(title=title)
    t.add_column("phase")
    t.add_column("stars", justify="right")
    t.add_column("initial mass range (Msun)", justify="right")
    codes = stars.codes("phase")
    for code, name in enumerate(PHASES):
        sel = codes == code
        if sel.any():
            m = stars["mass_initial"][sel]
            t.add_row(name, str(int(sel.sum())), f"{m.min():.3g} – {m.max():.3g}")
    alive = stars["alive"]
    t.add_row("[bold]all", f"[bold]{len(stars)}", f"{int(np.sum(~alive))} dead")
    out.print(t)


@app.command("star")
def star(
    mass: float = typer.Option(..., help="Initial mass (Msun)."),
    age: str = typer.Option(..., help="Age, with unit: yr, kyr, Myr, Gyr."),
    feh: float = typer.Option(0.0, help="[Fe/H] (dex)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object keyed by column."),
) -> None:
    """One star's life: its properties at this age, from MIST."""
    from .evolution import evolve
    from .photometry import shine
    from .schema import column
    from .units import parse_age

    if not (math.isfinite(mass) and mass > 0):
        raise StarmakerError(f"--mass {mass} is not allowed: a positive initial mass in Msun.")
    stars = shine(evolve(mass, parse_age(age), feh))
    row = stars.row(0)
    if as_json:
        clean = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
        sys.stdout.write(json.dumps(clean) + "\n")
        return
    t = Table(title=f"A star of {mass:g} Msun, age {age}, [Fe/H] {feh:+g}")
    t.add_column("column")
    t.add_column("value", justify="right")
    t.add_column("unit")
    for k, v in row.items():
        unit = column(k).unit
        if isinstance(v, float):
            s = f"{v:.6g}" if k not in ("age", "lifespan") else f"{v:.4g}"
        else:
            s = str(v)
        t.add_row(k, s, unit)
    out.print(t)


@plot_app.command("hr")
def plot_hr(
    catalogue: Path = typer.Argument(..., help="Parquet file of stars."),
    output: Path = typer.Option(..., "-o", "--output", help="PNG file to write."),
) -> None:
    """HR and colour–magnitude diagrams, coloured by phase."""
    from .plots import hr_diagram
    from .stars import Stars

    stars = Stars.read(catalogue)
    hr_diagram(stars, output)
    out.print(f"wrote [bold]{output}[/]")


@plot_app.command("skymap")
def plot_skymap(
    catalogue: Path = typer.Argument(..., help="Parquet file of stars with l, b and magnitudes."),
    output: Path = typer.Option(..., "-o", "--output", help="PNG file to write."),
    band: str = typer.Option("G", help="Band that sets the dot sizes (G or V)."),
) -> None:
    """An all-sky map in galactic coordinates, stars sized by brightness, coloured by colour."""
    from .photometry import check_band
    from .plots import skymap
    from .stars import Stars

    stars = Stars.read(catalogue)
    for col in ("l", "b"):
        if col not in stars:
            raise StarmakerError(f"{catalogue} has no column {col!r}: a sky map needs positions "
                                 "(make one with 'starmaker make milkyway').")
    skymap(stars, output, band=check_band(band))
    out.print(f"wrote [bold]{output}[/]")


@app.command("schema")
def schema() -> None:
    """The output columns, with units (the contract)."""
    from .schema import COLUMNS

    t = Table(title="starmaker columns")
    for c in ("column", "unit", "meaning"):
        t.add_column(c)
    for c in COLUMNS:
        t.add_row(c.name, c.unit, c.description)
    out.print(t)


def main() -> None:
    """Entry point: run the app; a StarmakerError becomes one line on stderr and exit 1.

    Usage errors (a missing or malformed option) are reported by typer itself, exit 2.
    """
    try:
        app()
    except StarmakerError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(1)


if __name__ == "__main__":
    main()

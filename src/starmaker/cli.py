"""The command line: a thin layer over the public API (parse, call, print with rich)."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

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


def _summary(stars, title: str) -> None:
    import numpy as np

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

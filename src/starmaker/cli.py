"""The command line: a thin layer over the public API (parse, call, print with rich)."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
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


def _version(value: bool) -> None:
    if value:
        from ._version import __version__

        out.print(f"starmaker {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """starmaker: make stars the way nature does, and see them."""
app.add_typer(plot_app, name="plot")

out = Console()
err = Console(stderr=True)
_CATALOGUE_HELP = "Catalogue to write; the suffix picks the format: .parquet, .fits, .vot/.xml, .ecsv, .csv."


@make_app.command("cluster")
def make_cluster(
    mass: str = typer.Option("1e4", help="Total initial mass (Msun)."),
    age: str = typer.Option("100Myr", help="Age, with unit: yr, kyr, Myr, Gyr."),
    feh: float = typer.Option(0.0, help="[Fe/H] (dex)."),
    imf: str = typer.Option("kroupa", help="IMF: kroupa, chabrier, salpeter."),
    seed: int = typer.Option(0, min=0, help="Random seed: the same seed gives the same stars."),
    output: Path = typer.Option(..., "-o", "--output", help=_CATALOGUE_HELP),
    models: str = typer.Option("mist", help="Stellar models: mist (default) or parsec."),
    bands: str = typer.Option("default", help="Photometric bands: 'default' (G,BP,RP,B,V,J,H,Ks), "
                              "'all', or names/aliases, e.g. 'G,BP,RP,SDSS_r,W1'."),
) -> None:
    """Make a single-age star cluster and write it (Parquet, FITS, VOTable, ECSV or CSV)."""
    _writes((output, False))
    from .births.imf import imf_from_name
    from .maker import Cluster
    from .photometry.bands import resolve
    from .units import parse_mass

    names = resolve(bands)
    cluster = Cluster(mass=parse_mass(mass), age=age, feh=feh, imf=imf_from_name(imf), models=models)
    _table_format(output)  # an unknown suffix stops here, before the making
    with err.status(f"making {cluster.mass:g} Msun of stars (seed {seed})..."):
        stars = cluster.make(seed=seed, bands=names)
    stars.write(output)
    _summary(stars, f"Cluster {cluster.mass:g} Msun, {cluster.sfh.age / 1e6:g} Myr, [Fe/H] {feh:+g}")
    out.print(f"wrote [bold]{escape(str(output))}[/] ({len(stars)} stars)")


@make_app.command("recipe")
def make_recipe(
    recipe: Path = typer.Argument(..., help="TOML recipe file (see recipes/ and the README)."),
    seed: int = typer.Option(0, min=0, help="Random seed: the same recipe and seed give the same stars."),
    output: Path = typer.Option(..., "-o", "--output", help=_CATALOGUE_HELP),
    bands: str = typer.Option("default", help="Photometric bands: 'default' (G,BP,RP,B,V,J,H,Ks), "
                              "'all', or names/aliases, e.g. 'G,BP,RP,SDSS_r,W1'."),
) -> None:
    """Make the stars a recipe file describes; the recipe's text goes into the file's metadata."""
    _writes((output, False), inputs=[recipe])
    from .maker import Maker
    from .photometry.bands import resolve
    from .recipe import read_recipe

    names = resolve(bands)
    maker = read_recipe(recipe)  # a bad recipe stops here: nothing is written
    _table_format(output)
    kw = {} if bands == "default" else {"bands": names}
    if kw and not isinstance(maker, Maker):  # a sky in the Milky Way: the survey's bands
        raise StarmakerError(f"--bands {bands} is not allowed for {recipe}: a Milky Way recipe makes a sky "
                             "in the default bands (--bands works for clusters and populations).")
    with err.status(escape(f"making {maker.name!r} (seed {seed})...")):
        stars = maker.make(seed=seed, **kw)
    stars.write(output)
    if "phase" in stars and len(stars):
        _summary(stars, escape(f"{maker.name} ({recipe})"))
    out.print(f"wrote [bold]{escape(str(output))}[/] ({len(stars)} stars)")


@app.command("compare")
def compare_cmd(
    recipes: list[Path] = typer.Argument(..., help="Two or more TOML recipe files."),
    output: Path = typer.Option(Path("compare"), "-o", "--output", help="Folder for the table and PNGs."),
    epochs: str = typer.Option("10Myr,100Myr,1Gyr,10Gyr",
                               help="Times since each maker's first stars formed, comma-separated."),
    seed: int = typer.Option(0, min=0, help="Random seed."),
    sky: bool = typer.Option(False, "--sky", help="Also draw every maker's stars in one sky map."),
) -> None:
    """Put makers side by side: stars still shining, lifespans, brightness, M/L over time."""
    from .maker import Maker
    _writes((output, True), inputs=recipes)
    from .recipe import read_recipe
    from .reports.compare import compare

    makers = [read_recipe(r) for r in recipes]
    for r, m in zip(recipes, makers, strict=True):
        if not isinstance(m, Maker):  # a population's births can be followed; a sky's cannot
            raise StarmakerError(f"{r}: a Milky Way recipe cannot be compared yet; compare cluster or field "
                                 "recipes (no [place] or a cluster place).")
    with err.status(f"making and evolving {len(makers)} makers..."):
        result = compare(makers, [e.strip() for e in epochs.split(",") if e.strip()], seed=seed)
        files = result.write(output, sky=sky)
    t = Table(title=f"{' vs '.join(result.names)} (seed {seed})")
    for c in ("maker", "epoch", "shining", "fraction", "median life left", "brightest M_V", "L (Lsun)",
              "M_V", "B-V", "M/L_V", "remnants"):
        t.add_column(c, justify="right")
    for r in result.rows:
        t.add_row(r["maker"], f"{r['epoch']:.3g} yr", str(r["n_shining"]), f"{r['shining_fraction']:.4f}",
                  f"{r['median_remaining_life']:.3g} yr", f"{r['brightest_M_V']:.2f}", f"{r['L_bol']:.4g}",
                  f"{r['M_V']:.2f}", f"{r['B_V']:.3f}", f"{r['ML_V']:.3g}", f"{r['remnant_fraction']:.3f}")
    out.print(t)
    out.print(f"wrote [bold]{escape(str(output))}/[/]: " + ", ".join(p.name for p in files))


_MULT_HELP = ("Binaries and multiples: 'moe2017' (Moe & Di Stefano 2017), 'spisea', 'trilegal' or 'none' "
              "(single stars, the default).")
_RES_HELP = ("With --multiplicity: companions closer than this (arcsec) to their primary are unresolved, "
             "their light in the primary's magnitudes (0.4 Gaia, 60 the eye); default: every companion "
             "resolved.")


@make_app.command("milkyway")
def make_milkyway(
    limit: str = typer.Option("G<10", help="Magnitude limit, e.g. 'G<10' (any registered band: G, BP, RP, "
                              "B, V, ...)."),
    seed: int = typer.Option(0, min=0, help="Random seed: the same seed gives the same sky, however split."),
    field: str = typer.Option("all", help="'all', 'cone:RA,DEC,RADIUS' (deg) or 'pixels:P1,P2,...' "
                              "(HEALPix nested, nside 16, ICRS)."),
    components: str = typer.Option("thin_disk,thick_disk,halo,bulge", help="Components, comma-separated."),
    output: Path = typer.Option(..., "-o", "--output", help=_CATALOGUE_HELP + " A folder ending in .hats "
                                "(or --format hats): a HATS catalogue (needs starmaker[hats])."),
    dust: str = typer.Option("disk", help="Dust: 'disk' (smooth disc), 'sfd' or 'planck' (the disc scaled "
                             "to that all-sky map)."),
    errors: str = typer.Option("none", help="Survey errors: 'gaia-dr3', 'gaia-dr4', 'gaia-dr5' (observed "
                               "parallax, proper motions, G/BP/RP with errors; true values kept) or 'none'."),
    multiplicity: str = typer.Option("none", help=_MULT_HELP),
    resolution_arcsec: float = typer.Option(None, help=_RES_HELP),
    format: str = typer.Option(None, "--format", help="'hats' to write a HATS catalogue whatever the name."),
    workers: int = typer.Option(None, help="HATS: worker processes of a local Dask cluster (default: "
                                "threads of this process)."),
    scheduler: str = typer.Option(None, help="HATS: address of a running Dask scheduler, e.g. "
                                  "tcp://host:8786."),
    partition_rows: int = typer.Option(None, help="HATS: rows a partition holds at most (default 1e6)."),
    tile_order: int = typer.Option(None, help="HATS: a task makes the nside-16 pixels of one HEALPix pixel "
                                   "of this order, 0-4 (default 3: 768 tasks over the sky; the bytes "
                                   "do not depend on it)."),
    resume: bool = typer.Option(False, help="HATS: continue an interrupted run in the same folder."),
) -> None:
    """Make the Milky Way's stars brighter than a limit, as seen from the Sun."""
    hats = _is_hats(output, format, workers=workers, scheduler=scheduler, partition_rows=partition_rows,
                    tile_order=tile_order, resume=resume)
    _writes((output, hats))
    from .galaxy.limits import Field, parse_limit
    from .galaxy.survey import MilkyWay, parse_errors

    lim, fld = parse_limit(limit), Field.parse(field)  # parsed once, here
    mw = MilkyWay(_distinct("--components", components), limit=lim, field=fld, dust=dust,
                  multiplicity=multiplicity, resolution_arcsec=resolution_arcsec)
    errors = parse_errors(errors)
    if hats:
        _make_hats(mw, output, seed, field, workers, scheduler, partition_rows, resume, errors, tile_order)
        return
    streamed = _table_format(output) == "parquet"  # Parquet streams; other formats are made whole
    with _progress(f"making the sky to {lim}") as bar:
        if streamed:
            n = mw.write(output, seed=seed, progress=bar, errors=errors)
        else:
            sky = mw.make(seed=seed, progress=bar, errors=errors)
            sky.write(output)
            n = len(sky)
    if streamed:
        from .io.parquet import count_values

        counts = count_values(output, "component")
    else:
        import numpy as np

        names, k = np.unique(sky["component"], return_counts=True) if n else ([], [])
        counts = {str(c): int(m) for c, m in zip(names, k, strict=True)}
    _component_counts(mw, counts, n, f"Milky Way, {lim}, seed {seed}, field {field}")
    out.print(f"wrote [bold]{escape(str(output))}[/] ({n} stars)")


def _component_counts(mw, counts: dict, n: int, title: str) -> None:
    """Print how many stars each component of ``mw`` made."""
    t = Table(title=escape(title))
    t.add_column("component")
    t.add_column("stars", justify="right")
    for c in mw.components:
        t.add_row(c.name, str(counts.get(c.name, 0)))
    t.add_row("[bold]all", f"[bold]{n}")
    out.print(t)


def _is_hats(output: Path, fmt: str | None, **hats_only) -> bool:
    """Whether ``output`` is to be a HATS catalogue (a name ending in .hats, or --format hats);
    the HATS-only options are refused for other outputs."""
    from .errors import InvalidParameterError

    if fmt is not None and fmt.lower() != "hats":
        raise InvalidParameterError("--format", fmt, "'hats' (other formats follow the output's suffix)")
    if (fmt or "").lower() == "hats" or output.suffix.lower() == ".hats":
        return True
    given = [k for k, v in hats_only.items() if v is not None and v is not False]
    if given:
        raise InvalidParameterError("--" + given[0].replace("_", "-"), hats_only[given[0]],
                                    "used only with a HATS output (-o NAME.hats or --format hats)")
    _table_format(output)  # an unknown suffix stops here, before the making
    return False


def _make_hats(mw, output: Path, seed: int, field: str, workers, scheduler, partition_rows, resume,
               errors: str | None = None, tile_order: int | None = None) -> None:
    """``make milkyway`` to a HATS catalogue (:meth:`starmaker.galaxy.survey.MilkyWay.write_hats`),
    with its progress bar over tiles and partitions."""
    from .io.distributed import require_hats

    require_hats()
    client = None
    if scheduler is not None:
        from dask.distributed import Client

        client = Client(scheduler)
    try:
        n = mw.write_hats(output, seed=seed, errors=errors, client=client, workers=workers, resume=resume,
                          partition_rows=partition_rows, tile_order=tile_order, progress=True)
    finally:
        if client is not None:
            client.close()
    import pyarrow.parquet as pq

    counted = pq.read_table(output / "dataset", columns=["component"]).column("component").value_counts()
    counts = {v["values"]: v["counts"] for v in counted.to_pylist()}
    _component_counts(mw, counts, n, f"Milky Way, {mw.limit}, seed {seed}, field {field}")
    out.print(f"wrote the HATS catalogue [bold]{escape(str(output))}/[/] ({n} stars)")


def _table_format(path: Path) -> str:
    """The catalogue format ``path``'s suffix names (StarmakerError listing them otherwise)."""
    from .io.tables import table_format

    return table_format(path)


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
        if exc[0] is not None:  # on an error, the error is the one line left on stderr
            self.bar.live.transient = True
        self.bar.__exit__(*exc)


@app.command("timeline")
def timeline_cmd(
    limit: str = typer.Option("V<6.5", help="Magnitude limit, e.g. 'V<6.5' (bands G, BP, RP, B, V)."),
    start: str = typer.Option("-1Gyr", "--from", help="First epoch, relative to today, e.g. -1Gyr."),
    stop: str = typer.Option("+1Gyr", "--to", help="Last epoch, relative to today, e.g. +1Gyr."),
    steps: int = typer.Option(21, help="Number of epochs, evenly spaced."),
    stop_forming_at: str = typer.Option(None, "--stop-forming-at",
                                        help="Star formation stops at this epoch, e.g. 0 (today)."),
    seed: int = typer.Option(0, min=0, help="Random seed (the same at every epoch)."),
    animate: bool = typer.Option(True, help="Write sky.gif, the sky maps as an animation."),
    output: Path = typer.Option(Path("timeline"), "-o", "--output", help="Folder for the CSV, PNG and GIF."),
) -> None:
    """The naked-eye sky through the ages: counts per epoch (CSV), plots and an animated sky map."""
    _writes((output, True))
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from .reports.timeline import plan, timeline

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
    out.print(f"wrote [bold]{escape(str(output))}/[/]: " + ", ".join(p.name for p in result.files))


@app.command("validate")
def validate_cmd(
    limit: str = typer.Option("G<10", help="G-band limit, G<4 ... G<10 (Gaia DR3 is complete to G = 10)."),
    seed: int = typer.Option(1, min=0, help="Random seed."),
    output: Path = typer.Option(Path("validation"), "-o", "--output", help="Folder for the report and PNGs."),
    dust: str = typer.Option("disk", help="Dust: 'disk', 'sfd' or 'planck' (see make milkyway)."),
    multiplicity: str = typer.Option("none", help=_MULT_HELP),
    resolution_arcsec: float = typer.Option(None, help=_RES_HELP),
) -> None:
    """Compare the made sky with the real one (Gaia DR3, Hipparcos 2): counts, colours, local HR."""
    _writes((output, True))
    from .galaxy.survey import MilkyWay
    from .reports.validate import check_limit, validate

    check_limit(limit)  # bad input: one line before the bar starts
    mw = MilkyWay(dust=dust, multiplicity=multiplicity, resolution_arcsec=resolution_arcsec)
    with _progress(f"making the sky to {limit}") as bar:
        result = validate(limit, seed=seed, outdir=output, progress=bar, milky_way=mw)
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
    if result.pixels:
        p = result.pixels
        out.print(f"per-pixel counts (nside {p['nside']}, {p['npix']} pixels): chi2 {p['chi2']:.0f}, "
                  f"chi2 / pixel {p['chi2_per_pixel']:.1f}; by |b|: "
                  + ", ".join(f"{r['b_lo']:g}-{r['b_hi']:g} deg {r['chi2_per_pixel']:.1f}"
                              for r in p.get("by_latitude", [])))
    out.print(f"wrote [bold]{escape(str(output))}/[/]: " + ", ".join(p.name for p in result.files))


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
    t.add_row("[bold]all", f"[bold]{len(stars)}", f"{int((~alive).sum())} dead")
    out.print(t)


@app.command("star")
def star(
    mass: float = typer.Option(..., help="Initial mass (Msun)."),
    age: str = typer.Option(..., help="Age, with unit: yr, kyr, Myr, Gyr."),
    feh: float = typer.Option(0.0, help="[Fe/H] (dex)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object keyed by column."),
    models: str = typer.Option("mist", help="Stellar models: mist (default) or parsec."),
    bands: str = typer.Option("default", help="Photometric bands: 'default' (G,BP,RP,B,V,J,H,Ks), "
                              "'all' (every band), or names/aliases, e.g. 'G,BP,RP,SDSS_r,W1'."),
) -> None:
    """One star's life: its properties at this age, from MIST (or PARSEC with --models parsec)."""
    from .evolution.evolve import evolve
    from .photometry.bands import resolve
    from .photometry.magnitudes import shine
    from .schema import column
    from .units import parse_age

    if not (math.isfinite(mass) and mass > 0):
        raise StarmakerError(f"--mass {mass} is not allowed: a positive initial mass in Msun.")
    stars = shine(evolve(mass, parse_age(age), feh, models=models), resolve(bands))
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
    x: str = typer.Option("M_BP-M_RP", "--x", help="Colour or band on the x axis of the colour–magnitude "
                          "panel: a column of the file or a band ('BP-RP', 'B-V', 'J-Ks'); a band is its "
                          "apparent column where the file has one, else its absolute M_<band>."),
    y: str = typer.Option("M_G", "--y", help="Magnitude (or colour) on the y axis, e.g. 'G', 'M_V', 'Ks'."),
) -> None:
    """HR and colour–magnitude diagrams, coloured by phase."""
    _writes((output, False), inputs=[catalogue])
    from .plots import hr_diagram
    from .stars import Stars

    stars = Stars.read(catalogue)
    _needs(stars, catalogue, ("phase", "log_Teff", "log_L"), "an HR diagram",
           "make one with 'starmaker make cluster'")
    hr_diagram(stars, output, x=x, y=y)
    out.print(f"wrote [bold]{escape(str(output))}[/]")


@plot_app.command("skymap")
def plot_skymap(
    catalogue: str = typer.Argument(..., help="Parquet file of stars with l, b and magnitudes, or "
                                    "'hipparcos' / 'gaia' for the real sky."),
    output: Path = typer.Option(..., "-o", "--output", help="PNG file to write."),
    band: str = typer.Option("G", help="Band that sets the dot sizes (G or V)."),
    limit: float = typer.Option(None, help="Draw only stars brighter than this in --band."),
    glow: str = typer.Option("none", help="Draw the Milky Way's glow under the stars: the light of the "
                             "model's stars fainter than this limit (e.g. 'V<6.5'), or 'none'."),
) -> None:
    """An all-sky map in galactic coordinates, stars sized by brightness, coloured by colour."""
    real_names = ("hipparcos", "gaia")
    _writes((output, False), inputs=[None if catalogue.strip().lower() in real_names else catalogue])
    if limit is not None and not math.isfinite(limit):
        raise StarmakerError(f"--limit {limit} is not allowed: a finite magnitude.")
    from .io.catalogues import gaia, hipparcos
    from .photometry.bands import band as check_band
    from .plots import skymap
    from .stars import Stars

    real = {"hipparcos": hipparcos, "gaia": gaia}
    stars = real[catalogue.lower()]() if catalogue.lower() in real else Stars.read(catalogue)
    band = check_band(band).name
    if limit is not None:
        stars = stars.select(stars[band] < limit)
    for col in ("l", "b"):
        if col not in stars:
            raise StarmakerError(f"{catalogue} has no column {col!r}: a sky map needs positions "
                                 "(make one with 'starmaker make milkyway').")
    skymap(stars, output, band=band, glow=_glow(glow))
    out.print(f"wrote [bold]{escape(str(output))}[/]")


def _glow(limit: str | None):
    """The glow map (nside 32) of the default Milky Way's stars fainter than ``limit``, or None."""
    if limit is None or limit.strip().lower() in ("", "none", "off", "no"):
        return None
    from .galaxy.glow import glow_map

    return glow_map(limit, nside=32)


# --- the observer's sky ---------------------------------------------------------------------------
def _site(lat: float | None, lon: float | None, elevation: float | None):
    from .observe.observer import DEFAULT_SITE, Observer

    if lat is None and lon is None:
        if elevation is None:
            return DEFAULT_SITE
        return Observer(DEFAULT_SITE.latitude_degrees, DEFAULT_SITE.longitude_degrees, elevation,
                        DEFAULT_SITE.name)
    if lat is None or lon is None:
        raise StarmakerError("give both --lat and --lon (or neither, for the default site "
                             "Karatsu, Saga, Japan)")
    return Observer(lat, lon, 0.0 if elevation is None else elevation)


def _made_sky(catalogue: Path | None, seed: int):
    from .galaxy.survey import MilkyWay
    from .stars import Stars

    if catalogue is not None:
        stars = Stars.read(catalogue)
        for col in ("ra", "dec", "V"):
            if col not in stars:
                raise StarmakerError(f"{catalogue} has no column {col!r}: the sky needs positions and V "
                                     "(make one with 'starmaker make milkyway --limit \"V<6.5\"').")
        return stars, str(catalogue)
    with err.status(f"making the naked-eye Milky Way (V<6.5, seed {seed})..."):
        return MilkyWay().make("V<6.5", seed=seed), f"made V<6.5, seed {seed}"


def _write_list(table, path: Path) -> None:
    import csv

    from .io.parquet import atomic_path
    from .schema import TABLES

    cols = [c.name for c in TABLES["visible.csv (starmaker sky --list)"]]
    with atomic_path(path, suffix=".csv") as tmp, open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(cols)
        for i in range(len(table)):
            row = []
            for c in cols:
                v = table[c][i]
                if c == "hip":
                    row.append(int(v) if v else "")
                elif isinstance(v, float) or getattr(v, "dtype", None) is not None and v.dtype.kind == "f":
                    row.append(f"{v:.3f}")
                else:
                    row.append(str(v))
            w.writerow(row)


@app.command("sky")
def sky_cmd(
    lat: float = typer.Option(None, help="Latitude (deg, north positive). Default: Karatsu, Japan."),
    lon: float = typer.Option(None, help="Longitude (deg, east positive)."),
    elevation: float = typer.Option(None, help="Elevation (m)."),
    time: str = typer.Option("now", help="ISO 8601 time with offset (2026-12-24T18:30+09:00), 'now', or "
                             "'tonight' (the end of twilight today at the site)."),
    tz: str = typer.Option(None, help="Time zone for a time without offset and for 'tonight' "
                           "(+09:00, Asia/Tokyo); default: the site's civil zone (IANA, by date)."),
    stars: str = typer.Option("real", help="'real' (Hipparcos), 'made', 'both' (side by side), or a "
                              "Parquet catalogue of made stars."),
    catalogue: Path = typer.Option(None, help="Made stars for --stars made/both (from 'make milkyway'); "
                                   "default: make the V<6.5 sky now."),
    seed: int = typer.Option(1, min=0, help="Seed when the made sky is made on the fly."),
    epoch: str = typer.Option("0", help="Move the stars by their motions this long after the time, e.g. "
                              "+50000yr or -100kyr (the Earth keeps the time's orientation)."),
    bortle: int = typer.Option(None, help="Light pollution, Bortle class 1 (darkest) to 9 (inner city). "
                               "Default: 3, a dark rural sky."),
    sky_brightness: float = typer.Option(None, help="Zenith night-sky brightness, V mag/arcsec² "
                                         "(instead of --bortle)."),
    acuity: float = typer.Option(1.0, help="The observer's eyesight, Snellen ratio: 1 = 20/20, "
                                 "1.33 = 20/15."),
    experience: str = typer.Option("average", help="'average' (Schaefer's observer) or 'experienced' "
                                   "(Bortle's scale: +0.97 mag)."),
    output: Path = typer.Option(Path("sky.png"), "-o", "--output", help="PNG of the dome to write."),
    glow: str = typer.Option("V<6.5", help="Draw the Milky Way's glow: the light of the model's stars "
                             "fainter than this limit (V or B), or 'none'."),
    list_: Path = typer.Option(None, "--list", help="CSV of the visible objects to write."),
    top: int = typer.Option(10, min=0,
                            help="Print the N brightest visible objects with their names (0: none)."),
    html: Path = typer.Option(None, "--html", help="Also write a planetarium page (one self-contained HTML "
                              "file: the night from sunset to sunrise, time and epoch sliders)."),
) -> None:
    """The sky a person sees from a place at a time: the dome picture, the visible list."""
    keyword = stars.strip().lower() in ("real", "made", "both")
    extra_list = (list_.with_name(list_.stem + "_made" + list_.suffix)
                  if list_ is not None and stars.strip().lower() == "both" else None)
    _writes((output, False), (list_, False), (extra_list, False), (html, False),
            inputs=[catalogue, None if keyword else stars])
    from .births.history import parse_epoch
    from .io.catalogues import hipparcos
    from .observe.observer import parse_timezone
    from .observe.sky import at_epoch, bodies, conditions_for, look, sky_grid, visible_list
    from .plots import dome

    years = parse_epoch(epoch)
    site = _site(lat, lon, elevation)
    zone = parse_timezone(tz, site.longitude_degrees) if tz else site.timezone
    view = site.at(time, tz=zone)
    cond = conditions_for(site, bortle=bortle, zenith_mag=sky_brightness, acuity=acuity,
                          experience=experience)
    kind = stars.strip().lower()
    skies = []
    if kind in ("real", "both"):
        skies.append(("real sky (Hipparcos)", hipparcos()))
    if kind in ("made", "both"):
        made, label = _made_sky(catalogue, seed)
        skies.append((f"made sky ({label})", made))
    if not skies:
        made, label = _made_sky(Path(stars), seed)
        skies.append((f"made sky ({label})", made))
    if years:
        skies = [(f"{title}, stars moved {years:+,.0f} yr", at_epoch(cat, view, years))
                 for title, cat in skies]
    objs = bodies(view, cond)
    seen = [(title, look(cat, view, cond)) for title, cat in skies]
    local = view.datetime.astimezone(zone).isoformat(timespec="minutes")
    panels = [(f"{title}: {int(s['visible'].sum())} stars visible", s, objs) for title, s in seen]
    glow_sky = _glow(glow)
    grid = sky_grid(view, cond, glow=glow_sky)
    t = Table(title=f"{site.label} at {local}")
    for c in ("sky", "visible stars", "brightest visible"):
        t.add_column(c)
    for title, s in seen:
        lst = visible_list(s, objs)
        names = ", ".join(str(n) for n in lst["name"][:5])
        t.add_row(title, str(int(s["visible"].sum())), names)
    out.print(t)
    if top > 0:
        lst = visible_list(seen[0][1], objs)
        b = Table(title=f"the {min(top, len(lst))} brightest things to see ({seen[0][0]})")
        for c in ("name", "V", "altitude", "direction"):
            b.add_column(c, justify="left" if c in ("name", "direction") else "right")
        for i in range(min(top, len(lst))):
            b.add_row(str(lst["name"][i]), f"{lst['V'][i]:.1f}", f"{lst['alt'][i]:.0f}°",
                      f"{_compass(lst['az'][i])} ({lst['az'][i]:.0f}°)")
        out.print(b)
    try:  # the evening this moment belongs to may start before the ephemeris (1900-01-01 02:00Z)
        evening = site.night_of(view, zone)
    except StarmakerError as exc:
        if html is not None:
            raise StarmakerError(f"--html needs the whole evening of this time inside the ephemeris: {exc}") \
                from exc
        evening = None
    if evening is not None:
        times = [("sunset", evening.sunset)] + [(f"{k} dusk", v) for k, v in evening.dusk.items()]
        events = ", ".join(f"{k} {v:%H:%M}" if v else f"no {k}" for k, v in times)
        out.print(f"evening of {evening.day}: {events}; now the Sun is at {view.sun.alt:+.1f}°, the Moon "
                  f"{view.moon.fraction:.0%} lit at {view.moon.alt:+.1f}°", highlight=False)
    else:
        out.print(f"(the evening of this time lies partly outside the ephemeris); now the Sun is at "
                  f"{view.sun.alt:+.1f}°, the Moon {view.moon.fraction:.0%} lit at {view.moon.alt:+.1f}°",
                  highlight=False)
    out.print(f"sky assumed: {cond.describe()}", highlight=False)
    lists = [visible_list(s, objs) for _, s in seen] if list_ is not None else []
    # everything is computed: now write (the dome, the lists, the page)
    dome(panels, output, grid=grid,
         suptitle=f"{site.label}, {local}. Sun {view.sun.alt:+.1f}°, Moon {view.moon.fraction:.0%} lit, "
         f"{'up' if view.moon.alt > 0 else 'down'}.\n{cond.describe()}")
    if list_ is not None:
        _write_list(lists[0], list_)
        out.print(f"wrote [bold]{escape(str(list_))}[/]")
        if len(seen) > 1:
            _write_list(lists[1], extra_list)
            out.print(f"wrote [bold]{escape(str(extra_list))}[/]")
    out.print(f"wrote [bold]{escape(str(output))}[/]")
    if html is not None:
        from .observe.sky import first_star
        from .web.page import write_page

        cats = {"real" if t.startswith("real") else "made": c for t, c in skies}
        try:
            wish = first_star(evening, conditions=cond) if evening.sunset is not None else None
        except StarmakerError:
            wish = None
        write_page(html, site, evening, real=cats.get("real"), made=cats.get("made"), conditions=cond,
                   wish=wish, when=view.datetime, glow=glow_sky)
        out.print(f"wrote [bold]{escape(str(html))}[/]")


@app.command("wish")
def wish_cmd(
    lat: float = typer.Option(None, help="Latitude (deg, north positive). Default: Karatsu, Japan."),
    lon: float = typer.Option(None, help="Longitude (deg, east positive)."),
    elevation: float = typer.Option(None, help="Elevation (m)."),
    date: str = typer.Option("today", help="Local date of the evening, YYYY-MM-DD, or 'today'."),
    tz: str = typer.Option(None, help="Time zone (+09:00, Asia/Tokyo); default: the site's civil zone "
                           "(IANA, by date)."),
    bortle: int = typer.Option(None, help="Bortle class 1-9 (default 3, dark rural)."),
    sky_brightness: float = typer.Option(None, help="Zenith night-sky brightness, V mag/arcsec²."),
    acuity: float = typer.Option(1.0, help="The observer's eyesight, Snellen ratio: 1 = 20/20, "
                                 "1.33 = 20/15."),
    experience: str = typer.Option("average", help="'average' (Schaefer's observer) or 'experienced' "
                                   "(Bortle's scale: +0.97 mag)."),
    stars: Path = typer.Option(None, help="Parquet catalogue of made stars (default: the real sky)."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON object instead of text."),
) -> None:
    """The star to wish on: the first star or planet to appear after sunset."""
    from .observe.sky import conditions_for, first_star

    site = _site(lat, lon, elevation)
    evening = site.evening(date, tz)
    cond = conditions_for(site, bortle=bortle, zenith_mag=sky_brightness, acuity=acuity,
                          experience=experience)
    catalogue = _made_sky(stars, 0)[0] if stars is not None else None
    wish = first_star(evening, catalogue, cond)
    if as_json:
        print(json.dumps({**wish.to_dict(), "site": site.label, "date": evening.day.isoformat()},
                         ensure_ascii=False))
        return
    what = "the planet" if wish.kind == "planet" else "the star"
    began = (f"sunset {wish.sunset:%H:%M}" if wish.sunset else
             "no sunset (polar night: the evening counted from the Sun's highest point)")
    out.print(f"[bold]{site.label}[/], evening of {evening.day}: {began}; "
              f"the first to appear is {what} [bold]{wish.name}[/] (V {wish.V:.1f}) at "
              f"[bold]{wish.time:%H:%M:%S}[/] (UTC{wish.time:%z}), {wish.alt:.0f}° up in the "
              f"{_compass(wish.az)} (azimuth {wish.az:.0f}°), the Sun {-wish.sun_alt:.1f}° below the "
              "horizon. Make a wish.", highlight=False)
    out.print(f"sky assumed: {cond.describe()}", highlight=False)


def _compass(az: float) -> str:
    names = ["north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west"]
    return names[int(((az % 360) + 22.5) // 45) % 8]


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


@app.command("cache")
def cache_cmd(
    clear: bool = typer.Option(False, "--clear", help="Remove every entry (they are rebuilt when needed)."),
) -> None:
    """The cache of built grids and tables: where it is, what it holds, its size limit
    ($STARMAKER_CACHE, $STARMAKER_CACHE_MAX; the least recently used entries go past the limit)."""
    from .io import cache

    folder = cache.cache_dir()
    if folder is None:
        out.print("The cache is off (STARMAKER_CACHE=off): grids and tables are built in each process.")
        return
    limit = cache.cache_limit()
    if clear:
        removed = cache.clear(folder)
        out.print(f"Removed {_count(len(removed), 'entry', 'entries')} from {escape(str(folder))}.")
        return
    found = cache.entries(folder)
    total = sum(size for _, size, _ in found)
    out.print(f"{escape(str(folder))}: {_count(len(found), 'entry', 'entries')}, {total / 1e6:,.1f} MB "
              f"(limit {limit / 1e6:,.0f} MB; the least recently used go past it).")


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


# --- checks before any work, and the one-line error ---------------------------------------------
def _writes(*outputs: tuple[Path | None, bool], inputs=()) -> None:
    """Check every ``(path, is_folder)`` this command will write, before any work (io.paths)."""
    from .io.paths import check_outputs

    check_outputs(outputs, inputs)


def _distinct(option: str, text: str) -> list[str]:
    """A comma-separated option's items: stripped, at least one, no duplicates."""
    items = [c.strip() for c in text.split(",") if c.strip()]
    if not items:
        raise StarmakerError(f"{option} is empty: give one or more names, comma-separated.")
    dups = sorted({c for c in items if items.count(c) > 1})
    if dups:
        raise StarmakerError(f"{option} names {', '.join(dups)} more than once: give each once.")
    return items


def _needs(stars, source, columns, what: str, hint: str) -> None:
    """Refuse a catalogue that lacks a column ``what`` needs."""
    missing = [c for c in columns if c not in stars]
    if missing:
        raise StarmakerError(f"{source} has no column {', '.join(map(repr, missing))}: {what} needs "
                             f"{', '.join(columns)} ({hint}).")


def _fail(message: str, code: int = 1) -> None:
    """Print ``error: message`` on one line of stderr, literally (no Rich markup), and exit."""
    from rich.text import Text

    from .errors import shorten

    line = shorten(" ".join(str(message).split()), 1000)
    err.print(Text.assemble(("error:", "bold red"), " ", line), highlight=False, soft_wrap=True)
    sys.exit(code)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app. Every error is one line on stderr, without a traceback:
    a StarmakerError (bad input) and an OSError at a file (disk full, read-only, permission)
    exit 1; a usage error (a missing or malformed option) exits 2; Ctrl-C 130, SIGTERM 143.
    ``argv`` (default ``sys.argv[1:]``) lets tests run the CLI in-process.
    """
    from .io.paths import os_error

    usage = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")
    abort = typer.Abort
    try:
        code = app(args=argv, prog_name="starmaker", standalone_mode=False)
    except StarmakerError as exc:
        _fail(str(exc), 1)
    except usage as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # 'starmaker' or 'starmaker make' alone: help
            sys.stderr.write(exc.format_message() + "\n")
            sys.exit(2)
        where = exc.ctx.command_path if exc.ctx is not None else "starmaker"
        _fail(f"{exc.format_message()} (see '{where} --help')", 2)
    except (abort, KeyboardInterrupt):
        _fail("interrupted; no partial file was left (writes are atomic).", 130)
    except OSError as exc:
        _fail(str(os_error(exc, doing="read or write")), 1)
    except MemoryError:
        _fail("out of memory: ask for fewer stars (a smaller mass, a brighter limit or a smaller field).", 1)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()

"""Pictures (matplotlib, headless, saved atomically as PNG): HR and colour–magnitude
diagrams, all-sky maps, and the made-vs-real comparisons of ``starmaker validate``."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .io.parquet import atomic_path
from .schema import PHASES
from .stars import Stars

__all__ = ["hr_diagram", "axis_values", "skymap", "counts_plot", "colour_plot", "local_hr_plot", "dome",
           "PHASE_COLOURS", "survival_plot", "compare_brightness_plot", "compare_hr_plot", "timeline_plot",
           "sky_animation", "constellation_plot"]

PHASE_COLOURS = {
    "PMS": "#9e9ac8",
    "MS": "#2b8cbe",
    "RGB": "#fd8d3c",
    "CHeB": "#e6550d",
    "EAGB": "#a63603",
    "TPAGB": "#7f2704",
    "postAGB": "#dd3497",
    "WR": "#6a51a3",
    "WD": "#636363",
    "NS": "#000000",
    "BH": "#000000",
}


def _figure(*args, **kw):
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt, plt.figure(*args, **kw)


def axis_values(stars: Stars, expr: str) -> np.ndarray:
    """The values of ``expr`` in a table: a column ("M_G", "log_Teff"), a band or alias ("G",
    "2MASS_Ks": its apparent column where the table has one, else its absolute ``M_<band>``),
    or a colour of two of these ("BP-RP", "M_B-M_V")."""
    from .errors import InvalidParameterError, UnknownNameError
    from .photometry.bands import band

    terms = [t.strip() for t in str(expr).split("-")]
    if not (1 <= len(terms) <= 2 and all(terms)):
        raise InvalidParameterError("axis", expr, "a column or band, or a colour of two, like 'BP-RP'")
    vals = []
    for t in terms:
        cols = [t]
        if t not in stars:
            try:
                name = band(t).name
            except UnknownNameError:
                name = None
            cols = [name, f"M_{name}"] if name else []
        found = [c for c in cols if c in stars]
        if not found:
            have = ", ".join(stars.columns)
            raise InvalidParameterError("axis", expr, "columns or bands the file has: " + have)
        vals.append(np.asarray(stars[found[0]], float))
    return vals[0] - vals[1] if len(vals) == 2 else vals[0]


def hr_diagram(stars: Stars, path: str | os.PathLike, title: str | None = None,
               x: str = "M_BP-M_RP", y: str = "M_G") -> None:
    """Save a two-panel picture: a colour–magnitude diagram (by default Gaia BP−RP vs M_G; ``x``
    and ``y`` take any column, band or colour of the table, see :func:`axis_values`) and the HR
    diagram (log Teff vs log L), stars coloured by phase. Neutron stars and black holes, which
    have no light, are counted in the legend."""
    xs, ys = axis_values(stars, x), axis_values(stars, y)
    plt, fig = _figure(figsize=(12, 6.2), dpi=110)
    ax1, ax2 = fig.subplots(1, 2)
    phase = stars.codes("phase")
    n = len(stars)
    size = 4 if n > 20000 else 8
    for code, name in enumerate(PHASES):
        sel = phase == code
        k = int(sel.sum())
        if k == 0:
            continue
        if name in ("NS", "BH"):
            ax2.plot([], [], " ", label=f"{name}: {k} (no light)")
            continue
        c = PHASE_COLOURS[name]
        ax1.scatter(
            xs[sel],
            ys[sel],
            s=size,
            c=c,
            lw=0,
            alpha=0.8,
            rasterized=True,
        )
        ax2.scatter(
            stars["log_Teff"][sel],
            stars["log_L"][sel],
            s=size,
            c=c,
            lw=0,
            alpha=0.8,
            label=f"{name}: {k}",
            rasterized=True,
        )
    if "-" not in y:  # a magnitude: bright at the top
        ax1.invert_yaxis()
    ax1.set_xlabel(("BP − RP" if x == "M_BP-M_RP" else x.replace("-", " − ")) + " (mag)")
    ax1.set_ylabel(y.replace("-", " − ") + " (mag)")
    ax1.set_title("Colour–magnitude diagram" + (" (Gaia)" if (x, y) == ("M_BP-M_RP", "M_G") else ""))
    ax2.invert_xaxis()
    ax2.set_xlabel("log10 Teff (K)")
    ax2.set_ylabel("log10 L (L☉)")
    ax2.set_title("Hertzsprung–Russell diagram")
    ax2.legend(loc="lower left", fontsize=8, markerscale=2, frameon=False)
    for ax in (ax1, ax2):
        ax.grid(alpha=0.25)
    if title is None:
        ages = stars["age"] if len(stars) else np.array([np.nan])
        title = f"{n} stars, age {np.median(ages) / 1e6:.4g} Myr (median)"
    fig.suptitle(title)
    fig.tight_layout()
    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)


def _save(plt, fig, path) -> Path:
    fig.tight_layout()
    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)
    return Path(path)


def _colour_index(stars: Stars) -> np.ndarray:
    """BP−RP where known, else B−V converted roughly (BP−RP ≈ 1.3 (B−V) + 0.05, a fit to the
    Gaia main sequence good to ~0.1 mag, only used to colour the points)."""
    if "BP" in stars and np.isfinite(stars["BP"]).any():
        c = stars["BP"] - stars["RP"]
    else:
        c = np.full(len(stars), np.nan)
    if "B" in stars:
        bv = stars["B"] - stars["V"]
        c = np.where(np.isfinite(c), c, 1.3 * bv + 0.05)
    return c


def skymap(stars: Stars, path: str | os.PathLike, title: str | None = None, band: str = "G",
           glow=None) -> Path:
    """An all-sky map in galactic coordinates (Mollweide, l = 0 at the centre, l increasing to
    the left as on the sky): stars sized by brightness and coloured by their colour index; with
    a ``glow`` (:func:`starmaker.galaxy.glow.glow_map`) the Milky Way's light under them, as it
    shows against a dark sky of 22 mag/arcsec²."""
    plt, fig = _figure(figsize=(12, 6.6), dpi=110)
    ax = fig.add_subplot(111, projection="mollweide")
    ax.set_facecolor("#05070f")
    if glow is not None:
        _glow_background(ax, glow)
    mag = stars[band] if band in stars and np.isfinite(stars[band]).any() else stars["V"]
    order = np.argsort(-mag)  # faint first, bright on top
    l_wrapped = np.radians(np.where(stars["l"] > 180.0, stars["l"] - 360.0, stars["l"]))[order]
    b = np.radians(stars["b"])[order]
    m = mag[order]
    brightest = np.nanmin(m) if len(m) else 0.0
    size = np.clip(0.15 + 18.0 * 10 ** (-0.25 * (m - brightest)), 0.15, 40.0)
    ax.scatter(-l_wrapped, b, s=size, c=_colour_index(stars)[order], cmap="RdYlBu_r", vmin=-0.3, vmax=2.5,
               lw=0, alpha=0.9, rasterized=True)
    ax.set_xticklabels(["150°", "120°", "90°", "60°", "30°", "0°", "330°", "300°", "270°", "240°", "210°"],
                       color="#aaaaaa", fontsize=8)
    ax.tick_params(axis="y", colors="#666666", labelsize=8)
    ax.grid(alpha=0.2, color="#888888")
    ax.set_title(title or f"{len(stars)} stars", pad=14)
    return _save(plt, fig, path)


def counts_plot(rows: list[dict[str, float]], path: str | os.PathLike, title: str = "") -> Path:
    """Cumulative counts made vs real (top) and their ratio, whole sky and per latitude band."""
    plt, fig = _figure(figsize=(8, 7), dpi=110)
    ax1, ax2 = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [2, 1]})
    m = np.array([r["mag"] for r in rows])
    ax1.semilogy(m, [r["n_real"] for r in rows], "ko-", label="real (Gaia DR3)")
    ax1.semilogy(m, [r["n_made"] for r in rows], "s--", color="#e6550d", label="made")
    ax1.set_ylabel("N(< m) whole sky")
    ax1.legend()
    ax2.axhspan(0.85, 1.15, color="#bbbbbb", alpha=0.3, label="±15 %")
    ax2.plot(m, [r["ratio"] for r in rows], "ko-", label="whole sky")
    for k, c in zip([k for k in rows[0] if k.startswith("ratio_b")], ("#3182bd", "#31a354", "#756bb1"),
                    strict=False):
        ax2.plot(m, [r[k] for r in rows], "--", color=c, marker=".", label=f"|b| {k[7:].replace('_', '–')}°")
    ax2.axhline(1.0, color="k", lw=0.5)
    ax2.set_ylim(0.6, 1.4)
    ax2.set_xlabel("G (mag)")
    ax2.set_ylabel("made / real")
    ax2.legend(fontsize=8, ncol=2)
    for ax in (ax1, ax2):
        ax.grid(alpha=0.25)
    fig.suptitle(title)
    return _save(plt, fig, path)


def colour_plot(made: Stars, hip: Stars, gaia: Stars, path: str | os.PathLike) -> Path:
    """B−V of the naked-eye stars (V < 6) made vs Hipparcos; BP−RP of G < 8 made vs Gaia."""
    plt, fig = _figure(figsize=(12, 4.8), dpi=110)
    ax1, ax2 = fig.subplots(1, 2)
    _made_vs_real(ax1, made, hip, ("B", "V"), ("V", 6.0), np.arange(-0.4, 2.2, 0.05), "Hipparcos 2")
    ax1.set_ylabel("stars per 0.05 mag")
    ax1.set_title("Naked-eye stars, V < 6")
    _made_vs_real(ax2, made, gaia, ("BP", "RP"), ("G", 8.0), np.arange(-0.6, 3.0, 0.05), "Gaia DR3")
    ax2.set_title("G < 8")
    return _save(plt, fig, path)


def _made_vs_real(ax, made: Stars, real: Stars, colour: tuple[str, str], cut: tuple[str, float],
                  bins: np.ndarray, real_name: str) -> None:
    """Histograms of one colour index, real (filled) and made (outlined), below a magnitude."""
    for s, kw in ((real, {"histtype": "stepfilled", "color": "#bbbbbb", "label": real_name}),
                  (made, {"histtype": "step", "lw": 1.6, "color": "#e6550d", "label": "made"})):
        c = (s[colour[0]] - s[colour[1]])[s[cut[0]] < cut[1]]
        ax.hist(c[np.isfinite(c)], bins, **kw)
    ax.set_xlabel(f"{colour[0]} − {colour[1]} (mag)")
    ax.legend()
    ax.grid(alpha=0.25)


def local_hr_plot(samples: dict[str, tuple[np.ndarray, np.ndarray]], path: str | os.PathLike,
                  dist_pc: float, mv_max: float) -> Path:
    """HR diagrams (M_V against B−V) side by side, one per named sample of (B−V, M_V) arrays
    (the stars within ``dist_pc``), on the same axes, with the M_V = ``mv_max`` line."""
    plt, fig = _figure(figsize=(12, 6), dpi=110)
    axes = np.atleast_1d(fig.subplots(1, len(samples), sharex=True, sharey=True))
    for ax, (name, (bv, mv)) in zip(axes, samples.items(), strict=True):
        sel = mv < mv_max + 2.0
        colour = np.where(mv[sel] < mv_max, "#08306b", "#9ecae1")
        ax.scatter(bv[sel], mv[sel], s=3, c=colour, lw=0, rasterized=True)
        ax.axhline(mv_max, color="#e6550d", lw=0.8)
        ax.set_title(f"{name}: {int(np.sum(mv < mv_max))} stars within {dist_pc:g} pc with M_V < {mv_max:g}")
        ax.set_xlabel("B − V (mag)")
        ax.grid(alpha=0.25)
    axes[0].set_ylabel("M_V (mag)")
    axes[0].invert_yaxis()
    axes[0].set_xlim(-0.4, 2.0)
    return _save(plt, fig, path)


# --- the observer's dome ---------------------------------------------------------------------------
#: the glow's colour: integrated starlight, a warm white (B − V ≈ 0.8)
GLOW_RGB = np.array([0.80, 0.78, 0.70])


def _glow_background(ax, glow, sky_mag: float = 22.0) -> None:
    """The glow on a galactic Mollweide axis: a 0.5° grid, each cell its pixel's light."""
    from .galaxy.glow import glow_alpha, glow_on_grid
    from .place.frames import galactic_to_icrs

    lw = np.linspace(-180.0, 180.0, 721)
    bb = np.linspace(-90.0, 90.0, 361)
    L, B = np.meshgrid(0.5 * (lw[1:] + lw[:-1]), 0.5 * (bb[1:] + bb[:-1]))
    a = glow_alpha(glow_on_grid(glow, *galactic_to_icrs(L % 360.0, B)), sky_mag)
    rgba = np.zeros(a.shape + (4,))
    rgba[..., :3] = np.array([0.02, 0.027, 0.059]) * (1 - a[..., None]) + GLOW_RGB * a[..., None]
    rgba[..., 3] = 1.0
    Xe, Ye = np.meshgrid(-np.radians(lw), np.radians(bb))
    mesh = ax.pcolormesh(Xe, Ye, np.zeros(a.shape), shading="flat", zorder=0, antialiased=False,
                         rasterized=True)
    mesh.set_array(None)
    mesh.set_facecolor(rgba.reshape(-1, 4))
    mesh.set_edgecolor("face")


#: Sky colours by surface brightness (V mag/arcsec²): night, deep twilight, twilight blue, day.
_SKY_STOPS = [(5.0, "#d4e6f8"), (8.0, "#9fc4ea"), (11.0, "#5f8fcc"), (14.0, "#2d5595"), (17.0, "#15295a"),
              (19.5, "#0a1330"), (22.0, "#03040b")]


def _sky_cmap():
    from matplotlib.colors import LinearSegmentedColormap

    lo, hi = _SKY_STOPS[0][0], _SKY_STOPS[-1][0]
    stops = [((m - lo) / (hi - lo), c) for m, c in _SKY_STOPS]
    return LinearSegmentedColormap.from_list("sky", stops), lo, hi


def _edges(centres: np.ndarray, lo: float, hi: float) -> np.ndarray:
    mid = 0.5 * (centres[1:] + centres[:-1])
    return np.concatenate([[lo], mid, [hi]])


def _draw_dome(fig, pos, seen: Stars, objects: Stars | None, grid: dict | None, title: str,
               highlight: str | None, labels: int) -> tuple:
    from matplotlib import patheffects

    from .observe.sky import star_labels as names_of

    halo = [patheffects.withStroke(linewidth=1.6, foreground="#0a1330")]
    ax = fig.add_subplot(*pos, projection="polar")
    ax.set_theta_zero_location("N")
    ax.set_theta_direction(1)  # looking up: north at the top, east to the left
    ax.set_facecolor("#03040b")
    if grid is not None:
        cmap, lo, hi = _sky_cmap()
        rgba = cmap((np.clip(grid["sky_mag"], lo, hi) - lo) / (hi - lo))
        if "sun_alt" in grid and -14.0 < grid["sun_alt"] < 3.0:
            # the glow of sunset: warm toward the Sun's azimuth, low in the sky, fading as it sinks
            daz = np.radians(grid["az"][None, :] - grid["sun_az"])
            near = np.clip(np.cos(daz), 0.0, None) ** 3 * np.exp(-grid["alt"][:, None] / 12.0)
            strength = 0.65 * near * np.clip((grid["sun_alt"] + 14.0) / 12.0, 0.0, 1.0)
            warm = np.array([1.0, 0.55, 0.25])
            rgba[..., :3] = rgba[..., :3] * (1 - strength[..., None]) + warm * strength[..., None]
        if "glow_mag" in grid:  # the Milky Way, as strong as it shows against this sky
            from .galaxy.glow import glow_alpha

            a = glow_alpha(grid["glow_mag"], grid["sky_mag"])[..., None]
            rgba[..., :3] = rgba[..., :3] * (1 - a) + GLOW_RGB * a
        alt_e, az_e = _edges(grid["alt"], 0.0, 90.0), _edges(grid["az"], 0.0, 360.0)
        Te, Re = np.meshgrid(np.radians(az_e), 90.0 - alt_e)
        mesh = ax.pcolormesh(Te, Re, np.zeros(rgba.shape[:2]), shading="flat", zorder=0, antialiased=False)
        mesh.set_array(None)
        mesh.set_facecolor(rgba.reshape(-1, 4))
        mesh.set_edgecolor("face")
    ax.set_ylim(0, 90)
    star_labels: list[tuple[str, float, float]] = []
    vis = np.nonzero(seen["visible"])[0]
    s = seen.select(vis)
    if "row" not in s:
        s = s.with_columns(row=vis)
    if len(s):
        margin = np.clip(s["V_limit"] - (s["V_eye"] if "V_eye" in s else s["V"]), 0, None)
        size = np.clip(0.6 + 5.0 * margin**1.7, 0.6, 140.0)
        bv = s["B"] - s["V"] if "B" in s else np.zeros(len(s))
        order = np.argsort(-s["V"])
        ax.scatter(np.radians(s["az"][order]), 90.0 - s["alt"][order], s=size[order],
                   c=np.nan_to_num(bv[order]), cmap="RdYlBu_r", vmin=-0.3, vmax=1.8, zorder=3,
                   edgecolors="#0a1330", linewidths=0.25)
        v_seen = s["V_eye"] if "V_eye" in s else s["V"]
        top = np.argsort(v_seen)[:labels]
        for i, name in zip(top, names_of(s.select(top)), strict=True):
            if name.startswith(("HIP", "#")) or " #" in name:
                continue  # only names a person would know
            star_labels.append((name, np.radians(s["az"][i]), 90.0 - s["alt"][i]))
        if highlight:
            hit = np.nonzero(names_of(s) == highlight)[0]
            for i in hit:
                ax.scatter(np.radians(s["az"][i]), 90.0 - s["alt"][i], s=260, facecolors="none",
                           edgecolors="#ff5fa2", lw=1.4, zorder=6)
    body_labels: list[tuple[str, float, float]] = []
    if objects is not None:
        for r in range(len(objects)):
            if objects["alt"][r] <= 0:
                continue
            moon = objects["kind"][r] == "moon"
            th, rr = np.radians(objects["az"][r]), 90.0 - objects["alt"][r]
            ax.scatter(th, rr, s=220 if moon else 34, c="#f4f1e0" if moon else "#ffd27a",
                       edgecolors="#ffffff" if moon else "none", lw=0.5, zorder=5,
                       alpha=1.0 if objects["visible"][r] else 0.35)
            body_labels.append((str(objects["name"][r]), th, rr))
            if highlight and objects["name"][r] == highlight:
                ax.scatter(th, rr, s=300, facecolors="none", edgecolors="#ff5fa2", lw=1.4, zorder=6)
    ax.set_xticks(np.radians([0, 90, 180, 270]))
    ax.set_xticklabels(["N", "E", "S", "W"], color="#333333", fontsize=11, fontweight="bold")
    ax.set_yticks([30, 60])
    ax.set_yticklabels([])
    ax.grid(color="#8899aa", alpha=0.25, lw=0.6)
    ax.set_title(_wrap(title, fig.get_figwidth() / pos[1], 10), fontsize=10, pad=16)
    # labels are placed once the layout is final (dome): the Moon and planets first, then stars
    return ax, [(n, t, r, "#ffd27a", 8, 6) for n, t, r in body_labels] + \
        [(n, t, r, "#dbe4f2", 7, 4) for n, t, r in star_labels], halo


#: where a label may go around its point (offset points: right-above, right-below, left-above,
#: left-below, above, below); the first that collides with no label already placed is taken
_LABEL_OFFSETS = ((5, 3), (5, -10), (-5, 3), (-5, -10), (0, 8), (0, -15))


def _place_labels(fig, ax, labels, halo) -> list:
    """Greedy label placement: each label in turn (most important first) at the first offset of
    :data:`_LABEL_OFFSETS` where its box overlaps no label placed before; a label that fits
    nowhere is left out. Returns the placed annotations."""
    renderer = fig.canvas.get_renderer()
    placed, boxes = [], []
    for name, th, rr, colour, size, z in labels:
        for dx, dy in _LABEL_OFFSETS:
            ann = ax.annotate(name, (th, rr), xytext=(dx, dy), textcoords="offset points", color=colour,
                              fontsize=size, zorder=z, path_effects=halo,
                              ha="right" if dx < 0 else ("center" if dx == 0 else "left"))
            box = ann.get_window_extent(renderer).expanded(1.05, 1.1)
            if not any(box.overlaps(b) for b in boxes):
                placed.append(ann)
                boxes.append(box)
                break
            ann.remove()
    return placed


def _wrap(text: str, width_in: float, fontsize: float) -> str:
    """``text`` broken into lines that fit ``width_in`` inches at ``fontsize`` points (an
    average glyph taken as 0.55 of the font size wide)."""
    import textwrap

    n = max(20, int(0.92 * width_in * 72.0 / (0.55 * fontsize)))
    return "\n".join(textwrap.fill(line, n) for line in text.split("\n"))


def dome(panels: list[tuple[str, Stars, Stars | None]], path: str | os.PathLike, *, grid: dict | None = None,
         suptitle: str = "", labels: int = 14, highlight: str | None = None) -> Path:
    """The observer's dome, one panel per sky (e.g. real and made side by side): zenith at the
    centre, the horizon as the rim, north up and east to the left as when looking up; visible
    stars sized by how far they are above the eye's limit and coloured by B − V; the planets and
    the Moon marked (faded where not visible); the sky's twilight colour from ``grid`` (``alt``,
    ``az`` in deg and ``sky_mag`` in V mag/arcsec²) behind them; ``highlight`` rings the object
    of that name (the wishing star)."""
    plt, fig = _figure(figsize=(7.0 * len(panels), 8.0), dpi=110)
    top = 1.0
    if suptitle:
        suptitle = _wrap(suptitle, fig.get_figwidth(), 10)
        top = 1.0 - (suptitle.count("\n") + 1) * 10 * 1.45 / 72.0 / fig.get_figheight()
        fig.suptitle(suptitle, fontsize=10)
    drawn = [_draw_dome(fig, (1, len(panels), k + 1), seen, objects, grid, title, highlight, labels)
             for k, (title, seen, objects) in enumerate(panels)]
    fig.tight_layout(rect=(0, 0.01, 1, top))
    renderer = fig.canvas.get_renderer()
    for ax, names, halo in drawn:
        # tight_layout leaves a square polar panel's rim letters ("S") off the page under a long
        # title: shrink the panel about its centre until all of it (rim letters, title) fits
        box = ax.get_tightbbox(renderer).transformed(fig.transFigure.inverted())
        p = ax.get_position()
        scale = min(1.0, (top - 0.01) / box.height)
        w, h = p.width * scale, p.height * scale
        y0 = 0.01 + (p.y0 - box.y0) * scale  # the panel's bottom, its labels' box at 0.01
        ax.set_position((p.x0 + (p.width - w) / 2, y0, w, h))
        _place_labels(fig, ax, names, halo)
    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, format="png")


# --------------------------------------------------------------------------- time
def timeline_plot(rows: list[dict], path: str | os.PathLike, title: str = "") -> Path:
    """The timeline's counts against epoch (Gyr): visible, O/B and giant stars; births and
    deaths since the previous epoch; the brightest star's V."""
    plt, fig = _figure(figsize=(8, 9), dpi=110)
    e = np.array([r["epoch"] for r in rows]) / 1e9
    col = lambda k: np.array([np.nan if r[k] is None else r[k] for r in rows], float)  # noqa: E731
    ax1, ax2, ax3 = fig.subplots(3, 1, sharex=True)
    ax1.plot(e, col("n_visible"), "k-o", ms=3, label="visible")
    ax1.plot(e, col("n_giants"), "-o", color="#e6550d", ms=3, label="red giants (RGB, CHeB, AGB)")
    ax1.plot(e, col("n_OB"), "-o", color="#2b8cbe", ms=3, label="O and B (Teff ≥ 10,000 K)")
    ax1.set_ylabel("stars")
    ax1.set_ylim(bottom=0)
    ax1.legend(fontsize=8)
    ax2.plot(e, col("n_born"), "-o", color="#31a354", ms=3, label="born since the previous epoch")
    ax2.plot(e, col("n_died"), "-o", color="#636363", ms=3, label="died since the previous epoch")
    ax2.set_ylabel("visible stars per step")
    ax2.legend(fontsize=8)
    ax3.plot(e, col("brightest"), "-o", color="#756bb1", ms=3)
    ax3.invert_yaxis()
    ax3.set_ylabel("brightest star, V (mag)")
    ax3.set_xlabel("epoch (Gyr from today)")
    for ax in (ax1, ax2, ax3):
        ax.axvline(0.0, color="#bbbbbb", lw=0.8, zorder=0)
        ax.grid(alpha=0.3)
    ax1.set_title(title)
    return _save(plt, fig, path)


def sky_animation(skies: list[Stars], labels: list[str], path: str | os.PathLike, fps: float = 4.0,
                  band: str = "V") -> Path:
    """An animated GIF of all-sky maps (galactic Mollweide, as :func:`skymap`), one frame per
    sky, written atomically with matplotlib's PillowWriter."""
    plt, fig = _figure(figsize=(9, 5.4), dpi=80)
    from matplotlib.animation import FuncAnimation, PillowWriter

    ax = fig.add_subplot(111, projection="mollweide")
    fig.patch.set_facecolor("#05070f")
    ax.set_facecolor("#05070f")
    ax.grid(alpha=0.2, color="#888888")
    ax.set_xticklabels([])
    ax.set_yticklabels([])
    scat = ax.scatter([], [], s=[], c=[], cmap="RdYlBu_r", vmin=-0.3, vmax=2.5, lw=0)
    text = ax.set_title("", color="white", fontsize=10)

    def frame(i):
        s = skies[i]
        order = np.argsort(-s[band])
        lw = np.radians(np.where(s["l"] > 180.0, s["l"] - 360.0, s["l"]))[order]
        scat.set_offsets(np.column_stack([-lw, np.radians(s["b"])[order]]))
        # fixed scale across frames: 1 pt² at mag 6.5, 27 at mag 0
        scat.set_sizes(np.clip(10 ** (0.22 * (6.5 - s[band][order])), 0.5, 80.0))
        scat.set_array(_colour_index(s)[order])
        text.set_text(labels[i])
        return scat, text

    fig.tight_layout()
    anim = FuncAnimation(fig, frame, frames=len(skies), blit=False)
    with atomic_path(path, suffix=".gif") as tmp:
        anim.save(tmp, writer=PillowWriter(fps=fps))
    plt.close(fig)
    return Path(path)


# ------------------------------------------------------------------ makers side by side (compare)
MAKER_COLOURS = ("#08519c", "#e6550d", "#31a354", "#756bb1", "#636363", "#d6616b")


def _time_axis(ax) -> None:
    ax.set_xscale("log")
    ax.set_xlabel("time since the first stars formed (yr)")
    ax.grid(alpha=0.25, which="both")


def survival_plot(curves: dict[str, dict[str, np.ndarray]], path: str | os.PathLike) -> Path:
    """Fraction of each maker's stars still shining (burning nuclear fuel) against time."""
    plt, fig = _figure(figsize=(8, 5.2), dpi=110)
    ax = fig.add_subplot(111)
    for (name, c), colour in zip(curves.items(), MAKER_COLOURS * 4, strict=False):
        ax.plot(c["t"], c["shining_fraction"], "-", color=colour, lw=2, label=name)
    _time_axis(ax)
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("fraction of stars still shining")
    ax.set_title("Survival: whose stars last longer")
    ax.legend()
    return _save(plt, fig, path)


def compare_brightness_plot(curves: dict[str, dict[str, np.ndarray]], path: str | os.PathLike) -> Path:
    """Integrated M_V (top) and M/L_V (bottom) of each maker against time."""
    plt, fig = _figure(figsize=(8, 7.5), dpi=110)
    ax1, ax2 = fig.subplots(2, 1, sharex=True)
    for (name, c), colour in zip(curves.items(), MAKER_COLOURS * 4, strict=False):
        ax1.plot(c["t"], c["M_V"], "-", color=colour, lw=2, label=name)
        ax2.plot(c["t"], c["ML_V"], "-", color=colour, lw=2, label=name)
    ax1.invert_yaxis()
    ax1.set_ylabel("integrated M_V (mag)")
    ax1.set_title("Integrated brightness: whose stars shine brighter")
    ax1.legend()
    ax2.set_yscale("log")
    ax2.set_ylabel("M/L_V (Msun/Lsun)")
    for ax in (ax1, ax2):
        _time_axis(ax)
    return _save(plt, fig, path)


def compare_hr_plot(snapshots: dict[str, dict[float, Stars]], path: str | os.PathLike,
                    max_panels: int = 3) -> Path:
    """Every maker's stars in one colour–magnitude diagram (BP−RP vs M_G), one column per
    epoch (at most ``max_panels``: the first, a middle and the last); below each, the makers'
    luminosity functions (stars per 0.25 mag of M_G). Makers of one age and [Fe/H] share one
    isochrone, so the diagram shows where each puts its stars: the most numerous maker is drawn
    first with the largest dots, the others on top with smaller ones."""
    epochs = sorted({t for snap in snapshots.values() for t in snap})
    if len(epochs) > max_panels:
        epochs = [epochs[0], epochs[len(epochs) // 2], epochs[-1]][:max_panels]
    plt, fig = _figure(figsize=(5.2 * len(epochs), 9), dpi=110)
    axes = np.asarray(fig.subplots(2, len(epochs), sharex="row", sharey="row",
                                   gridspec_kw={"height_ratios": [2, 1]})).reshape(2, -1)
    colours = dict(zip(snapshots, MAKER_COLOURS * 4, strict=False))
    bins = np.arange(-12.0, 18.0, 0.25)
    for ax, lf, t in zip(axes[0], axes[1], epochs, strict=True):
        order = sorted(snapshots, key=lambda k: -len(snapshots[k].get(t, ())))
        for rank, name in enumerate(order):
            s = snapshots[name].get(t)
            if s is None or len(s) == 0:
                continue
            c, m = s["M_BP"] - s["M_RP"], s["M_G"]
            ok = np.isfinite(c) & np.isfinite(m)
            ax.scatter(c[ok], m[ok], s=18.0 / (1 + 3 * rank), c=colours[name], lw=0,
                       alpha=0.6 if rank else 0.35,
                       label=f"{name}: {int(s['alive'].sum())} shining", rasterized=True)
            lf.stairs(np.histogram(m[ok], bins)[0], bins, color=colours[name], lw=1.6, label=name)
        ax.set_title(f"{t / 1e9:.3g} Gyr" if t >= 1e9 else f"{t / 1e6:.3g} Myr")
        ax.set_xlabel("BP − RP (mag)")
        ax.legend(loc="lower left", fontsize=8, markerscale=2)
        lf.set_yscale("log")
        lf.set_xlabel("M_G (mag)")
        for a in (ax, lf):
            a.grid(alpha=0.25)
    axes[0, 0].set_ylabel("M_G (mag)")
    axes[0, 0].invert_yaxis()
    axes[1, 0].set_ylabel("stars per 0.25 mag")
    axes[1, 0].legend(fontsize=8)
    fig.suptitle("Both populations in one colour–magnitude diagram, and their luminosity functions")
    return _save(plt, fig, path)


def constellation_plot(tracks: dict[str, tuple[np.ndarray, np.ndarray]], lines: list[tuple[str, str]],
                       years: list[float], path: str | os.PathLike, title: str = "") -> Path:
    """A constellation's stars at several epochs: ``tracks[name] = (ra, dec)`` arrays (deg)
    over ``years``; ``lines`` the stick figure, drawn at the first, middle and last epoch."""
    plt, fig = _figure(figsize=(8, 5.5), dpi=110)
    ax = fig.add_subplot(111)
    colours = {0: "#2b8cbe", len(years) // 2: "#999999", len(years) - 1: "#e6550d"}
    for k, c in colours.items():
        for a, b in lines:
            ax.plot([tracks[a][0][k], tracks[b][0][k]], [tracks[a][1][k], tracks[b][1][k]], "-", color=c,
                    lw=1.2, label=f"{years[k]:+,.0f} yr" if (a, b) == lines[0] else None)
    for name, (ra, dec) in tracks.items():
        ax.plot(ra, dec, ":", color="#bbbbbb", lw=0.8)
        ax.plot(ra[[0, len(years) // 2, -1]], dec[[0, len(years) // 2, -1]], "k.", ms=4)
        ax.annotate(name, (ra[len(years) // 2], dec[len(years) // 2]), fontsize=7, xytext=(3, 3),
                    textcoords="offset points")
    ax.invert_xaxis()
    ax.set_xlabel("right ascension (deg)")
    ax.set_ylabel("declination (deg)")
    ax.set_aspect(1.0 / np.cos(np.radians(np.nanmean([t[1][0] for t in tracks.values()]))))
    ax.legend(fontsize=8)
    ax.set_title(title)
    return _save(plt, fig, path)


def residual_map(rows: list[dict[str, float]], nside: int, path: str | os.PathLike, title: str = "") -> Path:
    """An all-sky map in galactic coordinates (Mollweide, l = 0 at the centre, increasing to the
    left) of each HEALPix pixel's ``residual`` (rows of
    :func:`starmaker.reports.validate.pixel_residuals`: (made − real) / √real): red where the
    made sky has too many stars, blue too few."""
    from .galaxy.healpix import radec_pixel
    from .place.frames import galactic_to_icrs

    value = np.full(12 * nside * nside, np.nan)
    for r in rows:
        value[int(r["pixel"])] = r["residual"]
    lon = np.linspace(-np.pi, np.pi, 721)
    lat = np.linspace(-np.pi / 2, np.pi / 2, 361)
    lc, bc = np.meshgrid(0.5 * (lon[1:] + lon[:-1]), 0.5 * (lat[1:] + lat[:-1]))
    # the plot's x runs to the left in l: x = −l
    ra, dec = galactic_to_icrs(np.degrees(-lc) % 360.0, np.degrees(bc))
    grid = value[radec_pixel(ra, dec, nside)]
    lim = float(np.nanmax(np.abs(value))) if np.isfinite(value).any() else 1.0
    plt, fig = _figure(figsize=(12, 6.6), dpi=110)
    ax = fig.add_subplot(111, projection="mollweide")
    mesh = ax.pcolormesh(lon, lat, grid, cmap="RdBu_r", vmin=-lim, vmax=lim, shading="flat", rasterized=True)
    fig.colorbar(mesh, ax=ax, orientation="horizontal", fraction=0.05, pad=0.06,
                 label="(made − real) / √real")
    ax.set_xticklabels(["150°", "120°", "90°", "60°", "30°", "0°", "330°", "300°", "270°", "240°", "210°"],
                       fontsize=8)
    ax.grid(alpha=0.3)
    ax.set_title(title, pad=14)
    return _save(plt, fig, path)

"""Pictures (matplotlib, headless, saved atomically as PNG): HR and colour–magnitude
diagrams, all-sky maps, and the made-vs-real comparisons of ``starmaker validate``."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .io import atomic_path
from .schema import PHASES
from .stars import Stars

__all__ = ["hr_diagram", "skymap", "counts_plot", "colour_plot", "local_hr_plot", "PHASE_COLOURS",
           "timeline_plot", "sky_animation", "constellation_plot"]

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


def hr_diagram(stars: Stars, path: str | os.PathLike, title: str | None = None) -> None:
    """Save a two-panel picture: Gaia CMD (BP−RP vs M_G) and HR diagram (log Teff vs log L),
    stars coloured by phase. Neutron stars and black holes, which have no light, are counted
    in the legend."""
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
            stars["M_BP"][sel] - stars["M_RP"][sel],
            stars["M_G"][sel],
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
    ax1.invert_yaxis()
    ax1.set_xlabel("BP − RP (mag)")
    ax1.set_ylabel("M_G (mag)")
    ax1.set_title("Colour–magnitude diagram (Gaia)")
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


def skymap(stars: Stars, path: str | os.PathLike, title: str | None = None, band: str = "G") -> Path:
    """An all-sky map in galactic coordinates (Mollweide, l = 0 at the centre, l increasing to
    the left as on the sky): stars sized by brightness and coloured by their colour index."""
    plt, fig = _figure(figsize=(12, 6.6), dpi=110)
    ax = fig.add_subplot(111, projection="mollweide")
    ax.set_facecolor("#05070f")
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

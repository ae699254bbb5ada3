"""Pictures: HR and colour–magnitude diagrams (matplotlib, headless, saved as PNG)."""

from __future__ import annotations

import os

import numpy as np

from .io import atomic_path
from .schema import PHASES
from .stars import Stars

__all__ = ["hr_diagram", "PHASE_COLOURS"]

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

"""Makers side by side: whose stars shine brighter, and whose last longer.

``compare(makers, epochs)`` makes each maker's stars once (one seed) and follows the same births
through time. An *epoch* is the time since the maker began forming stars: at epoch t a star
born τ after the start has age t − τ (a star whose recipe age is a, in a recipe whose oldest
possible star is A old, was born τ = A − a after the start). Stars not yet born at an epoch
(or younger than the MIST grid's 10⁵ yr) are not counted as shining; the fraction shining is
out of every star the maker ever forms. So a burst is seen at ages t, and two recipes with
different present-day ages are compared at the same time since their first stars formed.

For each maker and epoch the table holds: stars formed and still shining (burning nuclear
fuel), the median remaining lifespan of those shining, the brightest star's M_V, and the
integrated light (total L, M_V, B−V, M_G, BP−RP, M/L_V, remnant mass fraction; see
:mod:`starmaker.reports.integrated`).
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import InvalidParameterError
from ..schema import TABLES
from ..stars import Stars
from ..units import parse_age
from .integrated import AGE_RANGE, evolve_by, weighted_light

__all__ = ["compare", "Comparison", "formation_span", "COMPARE_COLUMNS", "DEFAULT_EPOCHS"]

#: default epochs (yr since the first stars formed)
DEFAULT_EPOCHS = (1e7, 1e8, 1e9, 1e10)
#: the columns of the comparison table, with units (described in schema.TABLES)
COMPARE_COLUMNS = {c.name: c.unit for c in TABLES["compare.csv (starmaker compare)"]}


def formation_span(maker) -> float:
    """The age (yr) of the oldest star a maker can form: when its star formation began."""
    p = maker.sfh.params()
    inner = p.get("sfh", p)  # a stopped history: its parent's span
    for key in ("age_max", "age"):
        if key in inner:
            return float(inner[key])
    if "ages" in inner:
        return float(max(inner["ages"]))
    raise InvalidParameterError("sfh", maker.sfh, "a history with an oldest age (age, age_max or ages)")


@dataclass
class Comparison:
    """The result of :func:`compare`: ``rows`` (one dict per maker and epoch, keys
    ``COMPARE_COLUMNS``), and what the pictures need."""

    names: list[str]
    epochs: np.ndarray
    rows: list[dict]
    stars: dict[str, Stars] = field(repr=False)
    curves: dict[str, dict[str, np.ndarray]] = field(repr=False)
    snapshots: dict[str, dict[float, Stars]] = field(repr=False)

    def row(self, maker: str, epoch) -> dict:
        """The row of one maker at one epoch (yr or '1Gyr')."""
        t = parse_age(epoch, "epoch")
        for r in self.rows:
            if r["maker"] == maker and math.isclose(r["epoch"], t, rel_tol=1e-9):
                return r
        raise InvalidParameterError("maker/epoch", (maker, epoch), f"a maker among {self.names} and an epoch "
                                    f"among {[float(e) for e in self.epochs]}")

    def write_csv(self, path: str | os.PathLike) -> Path:
        """The table as CSV (atomic), one row per maker and epoch."""
        from ..io.parquet import atomic_path

        with atomic_path(path) as tmp, open(tmp, "w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(COMPARE_COLUMNS))
            w.writeheader()
            for r in self.rows:
                w.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in r.items()})
        return Path(path)

    def write(self, outdir: str | os.PathLike, sky: bool = False) -> list[Path]:
        """Write ``compare.csv``, ``survival.png``, ``brightness.png``, ``hr.png`` (and with
        ``sky``, ``sky.png``: every maker's stars, as made, in one sky map) into ``outdir``."""
        from ..plots import compare_brightness_plot, compare_hr_plot, skymap, survival_plot

        out = Path(outdir)
        out.mkdir(parents=True, exist_ok=True)
        files = [self.write_csv(out / "compare.csv"),
                 survival_plot(self.curves, out / "survival.png"),
                 compare_brightness_plot(self.curves, out / "brightness.png"),
                 compare_hr_plot(self.snapshots, out / "hr.png")]
        if sky:
            missing = [n for n, s in self.stars.items() if "l" not in s]
            if missing:
                raise InvalidParameterError(
                    "sky", True, f"makers with a place (recipes with a [place] table); {', '.join(missing)} "
                    "have none")
            both = Stars.concat([s.select(np.isfinite(s["V"])) for s in self.stars.values()])
            files.append(skymap(both, out / "sky.png", band="V",
                                title=" and ".join(f"{n} ({len(s)} stars)" for n, s in self.stars.items())))
        return files


def _epochs(epochs) -> np.ndarray:
    t = np.array([parse_age(e, "epochs") for e in epochs], float)
    if t.size == 0 or np.any(~(t >= AGE_RANGE[0])) or np.any(t > AGE_RANGE[1]):
        raise InvalidParameterError("epochs", list(epochs), f"times since the first stars formed between "
                                    f"{AGE_RANGE[0]:g} and {AGE_RANGE[1]:.4g} yr (the MIST grid's ages)")
    return np.unique(t)


def _row(name: str, t: float, stars: Stars, n_formed: int) -> dict:
    light = weighted_light(stars, np.ones(len(stars)))
    alive = stars["alive"]
    remaining = (stars["lifespan"] - stars["age"])[alive]
    mv = stars["M_V"]
    return {"maker": name, "epoch": t, "n_formed": n_formed, "n_shining": int(alive.sum()),
            "shining_fraction": float(alive.sum()) / n_formed if n_formed else math.nan,
            "median_remaining_life": float(np.median(remaining)) if remaining.size else math.nan,
            "brightest_M_V": float(np.nanmin(mv)) if np.isfinite(mv).any() else math.nan,
            "L_bol": light.L_bol, "M_V": light.M_V, "B_V": light.B_V, "M_G": light.M_G,
            "BP_RP": light.BP_RP, "ML_V": light.ML_V, "remnant_fraction": light.remnant_fraction}


def compare(makers: Sequence, epochs=DEFAULT_EPOCHS, seed: int = 0, names: Sequence[str] | None = None,
            curve_points: int = 40) -> Comparison:
    """Put makers side by side at ``epochs`` (yr since each began forming stars, or '1Gyr').

    Each maker is made once with ``seed``; its births are then evolved to every epoch. Returns
    a :class:`Comparison` (rows, and the survival and brightness curves on ``curve_points``
    log-spaced epochs from 1 Myr to the last epoch, for the pictures)."""
    if not makers:
        raise InvalidParameterError("makers", list(makers), "at least one maker")
    t_epochs = _epochs(epochs)
    names = list(names) if names is not None else [m.name for m in makers]
    if len(set(names)) != len(names):  # two recipes of the same name: number them
        names = [f"{n} ({i + 1})" for i, n in enumerate(names)]
    grid = np.unique(np.concatenate([np.geomspace(1e6, t_epochs[-1], curve_points), t_epochs]))
    grid = grid[grid >= AGE_RANGE[0]]
    rows, made, curves, snaps = [], {}, {}, {}
    for name, maker in zip(names, makers, strict=True):
        stars = maker.make(seed=seed)
        made[name] = stars
        n = len(stars)
        shift = -formation_span(maker)
        birth_age = stars["age"] + shift  # age at epoch t is birth_age + t
        life = stars["lifespan"]
        # survival needs no re-evolution: alive at t iff born (age >= 1e5 yr) and age < lifespan
        surv = np.array([np.count_nonzero((birth_age + t >= AGE_RANGE[0]) & (birth_age + t < life))
                         for t in grid]) / max(n, 1)
        light = {"L_bol": [], "M_V": [], "ML_V": [], "B_V": []}
        snaps[name] = {}
        for t in grid:
            s = evolve_by(stars, shift + t)
            if t in t_epochs:
                rows.append(_row(name, float(t), s, n))
                snaps[name][float(t)] = s
            li = weighted_light(s, np.ones(len(s)))
            for k in light:
                light[k].append(getattr(li, k))
        curves[name] = {"t": grid, "shining_fraction": surv, **{k: np.array(v) for k, v in light.items()}}
    rows.sort(key=lambda r: (r["epoch"], names.index(r["maker"])))
    return Comparison(names, t_epochs, rows, made, curves, snaps)

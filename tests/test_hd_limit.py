"""The Humphreys–Davidson limit (starmaker.evolution.hd_limit): MIST's most massive tracks cross
into the region of the HR diagram that real stars avoid; evolve() moves those stars to the
region's hot edge at the same luminosity and mass."""

from __future__ import annotations

import numpy as np
import pytest

from starmaker.evolution import hd_limit as hd
from starmaker.evolution.evolve import evolve
from starmaker.evolution.isochrones import evolve_arrays, lifespan
from starmaker.photometry.magnitudes import shine

#: Stefan–Boltzmann with T☉ = 5772 K (IAU 2015 B3): R/R☉ = √(L/L☉) (T☉/T)²
T_SUN = 5772.0


def _track(m, feh=0.0, n=3000):
    life, _ = lifespan(np.array([float(m)]), np.array([float(feh)]))
    return np.linspace(0.03, 0.999, n) * life[0]


@pytest.mark.parametrize("m", [50.0, 60.0, 70.0])
def test_mist_crosses_the_limit(m):
    """The reason for the module: MIST v1.2 at solar [Fe/H] puts 50–70 M☉ stars cooler than
    20 kK above log L = 5.8 (Humphreys & Davidson 1979; the Galaxy has none there) for about
    2–4 % of their lives (measured 3.1 %, 2.3 %, 3.1 %)."""
    a = _track(m)
    c = evolve_arrays(np.full(a.size, m), a, np.zeros(a.size))
    frac = np.mean(hd.in_empty_region(c["log_L"], c["log_Teff"]) & c["alive"])
    assert 0.01 < frac < 0.06, frac


def test_evolved_stars_avoid_the_empty_region_and_keep_their_luminosity():
    m = np.repeat([30.0, 40.0, 45.0, 50.0, 60.0, 70.0, 80.0], 2000)
    a = np.concatenate([_track(x, n=2000) for x in (30.0, 40.0, 45.0, 50.0, 60.0, 70.0, 80.0)])
    raw = evolve_arrays(m, a, np.zeros(m.size))
    s = evolve(m, a, 0.0)
    alive = s["alive"]
    assert not np.any(hd.in_empty_region(s["log_L"], s["log_Teff"]) & alive)
    moved = hd.in_empty_region(raw["log_L"], raw["log_Teff"]) & raw["alive"]
    assert moved.sum() > 100
    np.testing.assert_array_equal(s["log_L"], raw["log_L"])
    np.testing.assert_array_equal(s["mass"], raw["mass"])
    np.testing.assert_allclose(s["log_Teff"][moved], np.log10(hd.TEFF_HD_K))
    r = np.sqrt(10 ** s["log_L"][moved]) * (T_SUN / hd.TEFF_HD_K) ** 2
    np.testing.assert_allclose(s["radius"][moved], r, rtol=1e-9)
    # log g = log g☉ + log M − 2 log R, log g☉ = 4.438 (cgs)
    want_g = 4.438 + np.log10(s["mass"][moved]) - 2 * np.log10(r)
    np.testing.assert_allclose(s["log_g"][moved], want_g, atol=1e-9)
    # everything else is the grid's
    keep = ~moved
    for c in ("log_Teff", "log_g", "radius"):
        np.testing.assert_array_equal(s[c][keep & alive], raw[c][keep & alive])


def test_no_yellow_hypergiant_brighter_than_the_galaxys():
    """The brightest cool (T_eff < 10⁴ K) star the models can make is at the limit: M_V ≳ −9.8
    (log L = 5.8 with BC_V ≈ 0; the brightest Galactic yellow hypergiant, ρ Cas, has M_V ≈ −9.5
    and log L ≈ 5.7: Humphreys 1978, ApJS 38, 309), and the moved stars, B supergiants of 20 kK,
    are no brighter than M_V = −9.1 (Humphreys 1978: the brightest blue supergiants at M_V ≈
    −8.5, Cyg OB2 No. 12 at −9.9 excepted). Before the limit MIST made M_V ≈ −10.5 here."""
    ms = [40.0, 45.0, 50.0, 60.0, 70.0, 80.0]
    m = np.repeat(ms, 2000)
    a = np.concatenate([_track(x, n=2000) for x in ms])
    s = shine(evolve(m, a, 0.0))
    cool = s["alive"] & (s["log_Teff"] < 4.0)
    assert np.nanmin(s["M_V"][cool]) > -9.9
    moved = s["alive"] & (s["log_Teff"] == hd.LOG_TEFF_HD)
    assert moved.any() and np.nanmin(s["M_V"][moved]) > -9.1
    assert not np.any(s["phot_extrapolated"][moved])

"""Brightness: the Sun, an A0 V star, and published colour–temperature relations."""

import numpy as np
import pytest
from scipy.optimize import brentq

from starmaker import absolute_magnitudes, evolve, shine
from starmaker.photometry.kurucz import bv_from_teff, g_minus_v, load_bc_grid


def mags(teff, logg=4.5, feh=0.0, log_l=0.0):
    return absolute_magnitudes(log_l, np.log10(teff), logg, feh)


def test_the_sun_through_the_whole_chain():
    """The 4.57 Gyr, 1 Msun MIST star: M_G within 0.1 mag of 4.67 and BP−RP within 0.05 of
    0.82 (Casagrande & VandenBerg 2018, MNRAS 479, L102); B−V within 0.05 of 0.653
    (Ramírez et al. 2012, ApJ 752, 5). M_G absorbs the grid's ≈ 7 % (0.07 mag) excess L."""
    s = shine(evolve(1.0, 4.57e9, 0.0))
    assert s["M_G"][0] == pytest.approx(4.67, abs=0.1)
    assert s["M_BP"][0] - s["M_RP"][0] == pytest.approx(0.82, abs=0.05)
    assert s["M_B"][0] - s["M_V"][0] == pytest.approx(0.653, abs=0.05)


def test_solar_tie_is_exact_for_the_nominal_sun():
    # The zero points are defined by the nominal Sun (Teff 5772 K, log g 4.438, M_bol 4.74).
    m = mags(5772.0, 4.438)
    assert m["M_G"] == pytest.approx(4.67, abs=1e-9)
    assert m["M_BP"] - m["M_RP"] == pytest.approx(0.82, abs=1e-9)
    # V is not tied: M_V,sun = 4.81 (Willmer 2018, ApJS 236, 47), within 0.03
    assert m["M_V"] == pytest.approx(4.81, abs=0.03)


def test_a0v_star_has_zero_colour():
    # An A0 V star (9550 K, log g 3.95; Vega-like) has BP−RP ≈ 0 in the Vega system, which the
    # solar tie does not fix. Within 0.05 mag.
    m = mags(9550.0, 3.95)
    assert m["M_BP"] - m["M_RP"] == pytest.approx(0.0, abs=0.05)
    assert m["M_B"] - m["M_V"] == pytest.approx(0.0, abs=0.05)


def casagrande2021_teff(x, logg=4.5, feh=0.0):
    """Casagrande et al. 2021 (MNRAS 507, 2684), eq. 1 with the Gaia DR3 BP−RP coefficients of
    their Table 1, as published with the authors' code (casaluca/colte)."""
    c = [
        7980.8845,
        -4138.3457,
        1264.9366,
        -130.4388,
        0.0,
        285.8393,
        -324.2196,
        106.8511,
        -4.9825,
        0.0,
        4.5138,
        -203.7774,
        126.6981,
        -14.7442,
        40.7376,
    ]
    g, f = logg, feh
    return (
        c[0]
        + c[1] * x
        + c[2] * x**2
        + c[3] * x**3
        + c[4] * x**5
        + c[5] * g
        + c[6] * g * x
        + c[7] * g * x**2
        + c[8] * g * x**3
        + c[9] * g * x**5
        + c[10] * f
        + c[11] * f * x
        + c[12] * f * x**2
        + c[13] * f * x**3
        + c[14] * f * g * x
    )


@pytest.mark.parametrize("teff", np.arange(4000.0, 7001.0, 250.0))
def test_dwarf_colour_temperature_relation(teff):
    # Dwarf BP−RP at log g 4.5, [Fe/H] 0 against Casagrande et al. 2021: within 0.05 mag.
    m = mags(teff)
    ours = m["M_BP"] - m["M_RP"]
    theirs = brentq(lambda x: casagrande2021_teff(x) - teff, 0.2, 2.0)
    assert ours == pytest.approx(theirs, abs=0.05)


@pytest.mark.parametrize(
    "teff,bv",
    [(9700, 0.000), (7220, 0.295), (5770, 0.650), (4440, 1.150)],
    ids=["A0V", "F0V", "G2V", "K5V"],
)
def test_b_minus_v_against_pecaut_mamajek(teff, bv):
    # Pecaut & Mamajek 2013 (ApJS 208, 9), dwarf table v2024.05.15: Teff and B−V.
    # Flower (1996)/Torres (2010) relation: within 0.08 mag (K5V is the worst, 0.08).
    assert bv_from_teff(teff) == pytest.approx(bv, abs=0.08)


def test_riello_g_minus_v_at_known_points():
    # Riello et al. 2021 Table C.2 polynomial; at BP−RP = 0.82 (the Sun) G−V = −0.1525,
    # consistent with Pecaut & Mamajek's G2V G−V = −0.155.
    assert g_minus_v(0.82) == pytest.approx(-0.155, abs=0.01)
    assert g_minus_v(0.0) == pytest.approx(-0.02704)


def test_hotter_stars_are_bluer_and_extrapolation_is_flagged():
    teff = np.array([3000.0, 3600.0, 5000.0, 10000.0, 30000.0, 80000.0])
    m = mags(teff)
    bprp = m["M_BP"] - m["M_RP"]
    assert np.all(np.diff(bprp) < 0)
    assert m["phot_extrapolated"].tolist() == [True, False, False, False, False, True]
    # white dwarfs (log g 8) are outside the grid's log g: flagged
    assert mags(12000.0, 8.0)["phot_extrapolated"]


def test_bolometric_scaling():
    # 100 times the luminosity is exactly 5 magnitudes brighter in every band
    a, b = mags(6000.0, log_l=0.0), mags(6000.0, log_l=2.0)
    for band in ("M_G", "M_BP", "M_RP", "M_B", "M_V"):
        assert a[band] - b[band] == pytest.approx(5.0)


def test_no_light_stays_nan():
    m = absolute_magnitudes(np.nan, np.nan, np.nan, 0.0)
    assert all(np.isnan(m[b]) for b in ("M_G", "M_BP", "M_RP", "M_B", "M_V"))


def test_grid_has_no_holes_after_filling():
    g = load_bc_grid()
    assert not np.isnan(g.mag0).any()
    assert g.mag0.shape == (3, len(g.feh), len(g.logg), len(g.teff))

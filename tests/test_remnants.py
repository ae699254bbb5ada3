"""Dead stars: remnant kinds, masses and radii against published relations."""

import numpy as np
import pytest

from starmaker import evolve, lifespan
from starmaker.evolution.remnants import ifmr_cummings2018, ns_bh_mass, wd_luminosity, wd_radius


def test_ifmr_published_points():
    # Cummings et al. 2018 (ApJ 866, 21), MIST-based fit: segment ends 2.85 -> 0.717 and
    # 3.60 -> 0.857 Msun (their quoted final masses), 1 Msun -> 0.569.
    assert ifmr_cummings2018(2.85) == pytest.approx(0.717, abs=0.002)
    assert ifmr_cummings2018(3.60) == pytest.approx(0.857, abs=0.002)
    assert ifmr_cummings2018(1.0) == pytest.approx(0.569, abs=1e-9)


def test_wd_radius_nauenberg():
    # Nauenberg 1972: 0.6 Msun -> 0.0126 Rsun (≈ 8,700 km); radius shrinks with mass.
    assert wd_radius(0.6) == pytest.approx(0.0126, rel=0.02)
    r = wd_radius(np.array([0.5, 0.8, 1.2, 1.4]))
    assert np.all(np.diff(r) < 0)


def test_wd_cooling_fades_and_follows_the_grid_cooling_rows():
    """Mestel's law (the fallback where the grid has no rows) against MIST's own white-dwarf
    cooling rows, for progenitors of 1.5-3 Msun: within 0.3 dex from 0.1 to 3 Gyr of cooling."""
    m = np.array([1.5, 2.0, 3.0])
    life, _ = lifespan(m, 0.0)
    for tc in (1e8, 3e8, 1e9, 3e9):
        s = evolve(m, life + tc, 0.0)
        assert (s["phase"] == "WD").all()
        mestel = np.log10(wd_luminosity(s["mass"], tc))
        assert np.all(np.abs(mestel - s["log_L"]) < 0.3), (tc, mestel, s["log_L"])
    lum = wd_luminosity(0.6, np.array([1e7, 1e8, 1e9, 1e10]))
    assert np.all(np.diff(np.log10(lum)) == pytest.approx(-1.4))  # L ∝ t^-7/5


def test_raithel_remnant_masses():
    m, bh = ns_bh_mass(np.array([10.0, 20.0, 30.0, 80.0]))
    assert bh.tolist() == [False, False, True, True]
    assert m[0] == m[1] == 1.36
    # Raithel et al. 2018 eq. 4 (f_ej = 0.9) at 30 Msun: ≈ 10.5 Msun; eq. 3 at 80: ≈ 5.8 Msun
    assert m[2] == pytest.approx(
        0.9 * (-2.024 + 0.413 * 30)
        + 0.1 * (16.28 + 0.00694 * 8.128 - 0.05973 * 8.128**2 + 0.003112 * 8.128**3)
    )
    assert 5.5 < m[3] < 6.5


def test_dead_stars_become_the_right_remnants():
    s = evolve([1.5, 6.0, 7.5, 12.0, 40.0], 3e9, 0.0)
    assert not s["alive"].any()
    assert s["phase"].tolist() == ["WD", "WD", "WD", "NS", "BH"]
    assert np.all(s["mass"] < s["mass_initial"])
    wd = s["phase"] == "WD"
    assert np.all((s["mass"][wd] > 0.5) & (s["mass"][wd] < 1.4))
    assert np.isnan(s["log_L"][~wd]).all()

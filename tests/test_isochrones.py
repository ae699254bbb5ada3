"""Stellar evolution and lifespans from MIST, against the grid itself and the Sun."""

import numpy as np
import pytest

from conftest import raw_isochrone
from starmaker import OutOfGridError, evolve, lifespan
from starmaker.isochrones import load_mist

NUCLEAR = (-1, 0, 2, 3, 4, 5, 9)  # MIST phase codes of nuclear-burning rows (Choi et al. 2016)
EEP_POSTAGB = 1409  # first post-AGB EEP (Dotter 2016, Table 1)


def direct_lifespans(raw, i_feh, masses):
    """The age at which the grid isochrones' last nuclear-burning row passes each mass.

    An independent, loop-based reading of the raw file: for each isochrone, the initial mass of
    its last nuclear-burning row; the lifespan of M is where that mass crosses M, linear in
    (log M, log age) between the two isochrones that bracket it.
    """
    c = raw["cols"]
    ages = raw["age"]
    mdie = []
    for j in range(len(ages)):
        v = raw_isochrone(raw, i_feh, j)
        nuc = np.isin(v[:, c.index("phase")], NUCLEAR) & (v[:, c.index("eep")] < EEP_POSTAGB)
        mdie.append(v[nuc, c.index("initial_mass")][-1])
    mdie = np.array(mdie)
    out = []
    for m in masses:
        # first isochrone (after the youngest ones, where no star has died yet) below m
        j = next(j for j in range(1, len(ages)) if mdie[j] < m and mdie[j - 1] >= m)
        x0, x1 = np.log10(mdie[j - 1]), np.log10(mdie[j])
        t = (np.log10(m) - x0) / (x1 - x0)
        out.append(10 ** (ages[j - 1] + t * (ages[j] - ages[j - 1])))
    return np.array(out)


def test_lifespans_agree_with_direct_reading_of_the_grid(mist_raw):
    i0 = int(np.argmin(np.abs(mist_raw["feh"] - 0.0)))
    masses = np.geomspace(0.9, 100.0, 40)
    expected = direct_lifespans(mist_raw, i0, masses)
    got, extrap = lifespan(masses, 0.0)
    assert not extrap.any()
    assert np.allclose(got, expected, rtol=0.02)


def test_lifespans_at_another_grid_metallicity(mist_raw):
    i = int(np.argmin(np.abs(mist_raw["feh"] - (-1.0))))
    masses = np.geomspace(1.0, 60.0, 20)
    got, _ = lifespan(masses, -1.0)
    assert np.allclose(got, direct_lifespans(mist_raw, i, masses), rtol=0.02)


def test_lifespans_between_metallicities_interpolate():
    m = np.array([1.0, 3.0, 20.0])
    a, _ = lifespan(m, -0.25)
    b, _ = lifespan(m, 0.0)
    mid, _ = lifespan(m, -0.125)
    assert np.allclose(np.log10(mid), 0.5 * (np.log10(a) + np.log10(b)))


def test_sun_leaves_main_sequence_near_10_gyr_and_lives_10_to_13(mist_raw):
    # 1 Msun at [Fe/H]=0: the MS ends (MIST TAMS, EEP 454) near 10 Gyr; nuclear life ends
    # (end of TP-AGB) between 10 and 13 Gyr.
    c = mist_raw["cols"]
    i0 = int(np.argmin(np.abs(mist_raw["feh"] - 0.0)))
    tams = []
    for j, a in enumerate(mist_raw["age"]):
        v = raw_isochrone(mist_raw, i0, j)
        row = v[v[:, c.index("eep")] == 454]
        if len(row):
            tams.append((a, row[0, c.index("initial_mass")]))
    tams = np.array(tams)
    k = np.nonzero(tams[:, 1] < 1.0)[0][0]
    t_ms = 10 ** np.interp(0.0, np.log10(tams[[k, k - 1], 1]), tams[[k, k - 1], 0])
    assert 8.5e9 < t_ms < 11e9
    life, extrap = lifespan(1.0, 0.0)
    assert 10e9 < life < 13e9 and life > t_ms and not extrap


def test_ten_solar_masses_lives_a_few_tens_of_myr():
    life, _ = lifespan(10.0, 0.0)
    assert 20e6 < life < 35e6  # ≈ 27 Myr on this grid


def test_low_masses_are_extrapolated_and_flagged():
    life, extrap = lifespan(np.array([0.1, 0.5, 0.85, 1.0]), 0.0)
    assert extrap.tolist() == [True, True, True, False]
    assert np.all(np.diff(life) < 0)  # lighter stars live longer
    assert life[0] > 1e12  # 0.1 Msun: far beyond the age of the Universe


def test_the_sun():
    """1 Msun, [Fe/H] = 0, 4.57 Gyr against the Sun.

    L☉ = 1 (IAU 2015 B3 nominal): this grid's solar model comes out ≈ 7 % bright at 4.57 Gyr,
    so the tolerance is 10 %. Teff☉ = 5772 K (IAU 2015 B3; Prša et al. 2016), within 1.5 %.
    """
    s = evolve(1.0, 4.57e9, 0.0)
    assert s["phase"][0] == "MS" and s["alive"][0]
    assert 10 ** s["log_L"][0] == pytest.approx(1.0, rel=0.10)
    assert 10 ** s["log_Teff"][0] == pytest.approx(5772.0, rel=0.015)
    assert s["radius"][0] == pytest.approx(1.0, rel=0.05)
    assert s["log_g"][0] == pytest.approx(4.438, abs=0.03)


def test_phases_follow_a_star_through_life():
    ages = np.array([1e6, 1e9, 10.5e9, 11.5e9, 11.66e9, 13e9])
    s = evolve(np.full(6, 1.0), ages, 0.0)
    assert s["phase"].tolist()[:2] == ["PMS", "MS"]
    assert s["phase"][2] in ("MS", "RGB")
    assert s["phase"][3] == "RGB"
    assert s["phase"][-1] == "WD"
    assert s["alive"].tolist() == [True, True, True, True, True, False]
    # a white dwarf from the grid's own cooling rows: M ≈ 0.53-0.6, R ~ 0.013 Rsun
    assert 0.5 < s["mass"][-1] < 0.62 and 0.008 < s["radius"][-1] < 0.02


def test_scalars_and_arrays_broadcast():
    s = evolve([1.0, 2.0, 5.0], 1e8, 0.0)
    assert len(s) == 3
    l1, e1 = lifespan(2.0, 0.0)
    assert np.ndim(l1) == 0
    l2, _ = lifespan([[1.0], [2.0]], [0.0, -1.0])
    assert l2.shape == (2, 2)


def test_young_low_mass_stars_are_clamped_and_flagged():
    s = evolve([0.1, 1.0], 2e5, 0.0)
    assert s["grid_clamped"].tolist() == [True, False]


@pytest.mark.parametrize(
    "mass,age,feh,match",
    [
        (0.05, 1e9, 0.0, "mass_initial"),
        (1.0, 3e10, 0.0, "age"),
        (1.0, 1e4, 0.0, "age"),
        (1.0, 1e9, -3.0, "feh"),
        (1.0, 1e9, 0.7, "feh"),
        (-1.0, 1e9, 0.0, "mass_initial"),
        (1.0, -5.0, 0.0, "age"),
        (float("nan"), 1e9, 0.0, "mass_initial"),
    ],
)
def test_outside_the_grid_is_a_clear_error(mass, age, feh, match):
    with pytest.raises(OutOfGridError, match=match) as info:
        evolve(mass, age, feh)
    assert "covers" in str(info.value)


def test_grid_loads_once_and_is_complete():
    g = load_mist()
    assert load_mist() is g
    assert g.feh[0] == -2.5 and g.feh[-1] == 0.5
    assert not np.isnan(g.data).any()

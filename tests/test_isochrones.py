"""Stellar evolution and lifespans from MIST, against the grid itself and the Sun."""

import numpy as np
import pytest

from conftest import raw_isochrone
from starmaker import OutOfGridError, evolve, lifespan
from starmaker.evolution.isochrones import dying_mass, load_mist

NUCLEAR = (-1, 0, 2, 3, 4, 5, 9)  # MIST phase codes of nuclear-burning rows (Choi et al. 2016)
EEP_POSTAGB = 1409  # first post-AGB EEP (Dotter 2016, Table 1)
EEP_TAMS, EEP_RGBTIP, EEP_CBURN = 454, 605, 808  # primary EEPs (Dotter 2016, Table 1)


def feh_index(raw, feh):
    return int(np.argmin(np.abs(raw["feh"] - feh)))


def raw_last_mass(raw, i_feh, select):
    """Per grid isochrone (in age order): the initial mass of the last row that ``select(v, c)``
    keeps, NaN where it keeps none. Reads the raw file only (no starmaker code)."""
    c = raw["cols"]
    out = np.full(len(raw["age"]), np.nan)
    for j in range(len(raw["age"])):
        v = raw_isochrone(raw, i_feh, j)
        keep = select(v, c)
        if keep.any():
            out[j] = v[keep, c.index("initial_mass")][-1]
    return out


def nuclear_rows(v, c):
    # nuclear phases before the post-AGB EEP: 569 white-dwarf rows of the [Fe/H] = -2.5
    # isochrones carry phase 5 in this grid, but their EEP says what they are
    return np.isin(v[:, c.index("phase")], NUCLEAR) & (v[:, c.index("eep")] < EEP_POSTAGB)


def raw_dying_masses(raw, i_feh):
    """M_die(t): the initial mass of each grid isochrone's last nuclear-burning row."""
    return raw_last_mass(raw, i_feh, nuclear_rows)


def crossing_ages(ages, marker, masses):
    """The age at which ``marker`` (a mass per grid log age, decreasing) passes each mass: the first
    pair of grid isochrones that brackets it, linear in (log M, log age) between them."""
    out = []
    for m in masses:
        j = next(j for j in range(1, len(ages)) if marker[j] < m <= marker[j - 1])
        x0, x1 = np.log10(marker[j - 1]), np.log10(marker[j])
        t = (np.log10(m) - x0) / (x1 - x0)
        out.append(10 ** (ages[j - 1] + t * (ages[j] - ages[j - 1])))
    return np.array(out)


def direct_lifespans(raw, i_feh, masses):
    """The age at which the grid isochrones' last nuclear-burning row passes each mass.

    An independent, loop-based reading of the raw file: for each isochrone, the initial mass of
    its last nuclear-burning row; the lifespan of M is where that mass crosses M, linear in
    (log M, log age) between the two isochrones that bracket it (the youngest isochrones, where
    no star has died yet and the top row is the grid's 300 Msun cap, lie above every M here).
    """
    return crossing_ages(raw["age"], raw_dying_masses(raw, i_feh), masses)


@pytest.mark.parametrize("feh,m_lo", [(0.0, 0.9), (-1.0, 0.75), (-2.5, 0.7), (0.5, 0.92)])
def test_lifespans_agree_with_direct_reading_of_the_grid(mist_raw, feh, m_lo):
    # The requirement: within 2 % of the direct reading over 0.9-100 Msun at [Fe/H] = 0
    # (and here from the lightest star dying within 20 Gyr at three other grid metallicities).
    masses = np.geomspace(m_lo, 100.0, 40)
    expected = direct_lifespans(mist_raw, feh_index(mist_raw, feh), masses)
    got, extrap = lifespan(masses, feh)
    assert not extrap.any()
    assert np.allclose(got, expected, rtol=0.02)


def test_lifespan_of_each_grid_isochrones_dying_mass_is_that_isochrones_age(mist_raw):
    # At the grid's own ages no interpolation is involved: the star on the last nuclear row of
    # the log t isochrone dies at t. Within 0.1 %, which tells the end of the TP-AGB from the
    # RGB tip (≈ 1 % earlier at 1 Msun, 15 % at 2 Msun) and from the turn-off.
    ages = mist_raw["age"]
    mdie = raw_dying_masses(mist_raw, feh_index(mist_raw, 0.0))
    sel = (mdie >= 0.9) & (mdie <= 100.0) & (ages >= 6.5)
    assert sel.sum() > 60
    got, extrap = lifespan(mdie[sel], 0.0)
    assert not extrap.any()
    assert np.allclose(got, 10 ** ages[sel], rtol=1e-3)
    assert np.allclose(dying_mass(10 ** ages[sel], 0.0), mdie[sel], rtol=1e-4)


def test_lifespans_between_metallicities_interpolate():
    m = np.array([1.0, 3.0, 20.0])
    a, _ = lifespan(m, -0.25)
    b, _ = lifespan(m, 0.0)
    mid, _ = lifespan(m, -0.125)
    assert np.allclose(np.log10(mid), 0.5 * (np.log10(a) + np.log10(b)))


def test_one_solar_mass_leaves_the_main_sequence_near_10_gyr_and_lives_10_to_13(mist_raw):
    """1 Msun at [Fe/H] = 0, read from the raw grid: the main sequence (last phase-0 row) ends
    near 10 Gyr (10.3 Gyr here), the RGB tip (EEP 605) comes at 11.5 Gyr, and nuclear burning
    ends (end of the TP-AGB) between the grid ages log t = 10.05 (11.2 Gyr; the last nuclear row
    is 1.011 Msun) and 10.10 (12.6 Gyr; 0.979 Msun): 11.67 Gyr, within the issue's 10-13 Gyr."""
    i0, ages = feh_index(mist_raw, 0.0), mist_raw["age"]
    ms_end = raw_last_mass(mist_raw, i0, lambda v, c: v[:, c.index("phase")] == 0)
    tip = raw_last_mass(mist_raw, i0, lambda v, c: v[:, c.index("eep")] == EEP_RGBTIP)
    (t_ms,) = crossing_ages(ages, ms_end, [1.0])
    (t_tip,) = crossing_ages(ages, tip, [1.0])
    mdie = raw_dying_masses(mist_raw, i0)
    j = int(np.argmin(np.abs(ages - 10.05)))
    assert mdie[j] > 1.0 > mdie[j + 1]  # the grid brackets the death of 1 Msun
    assert 9e9 < t_ms < 11e9
    life, extrap = lifespan(1.0, 0.0)
    assert not extrap
    assert 10e9 < life < 13e9
    assert t_ms < t_tip < life
    assert 10 ** ages[j] < life < 10 ** ages[j + 1]
    assert life == pytest.approx(11.67e9, rel=0.005)


def test_ten_solar_masses_lives_a_few_tens_of_myr(mist_raw):
    # raw grid: the last nuclear row is 10.36 Msun at log t = 7.40, 9.71 Msun at 7.45
    mdie = raw_dying_masses(mist_raw, feh_index(mist_raw, 0.0))
    j = int(np.argmin(np.abs(mist_raw["age"] - 7.40)))
    assert mdie[j] > 10.0 > mdie[j + 1]
    life, _ = lifespan(10.0, 0.0)
    assert 10**7.40 < life < 10**7.45  # 25.1-28.2 Myr; 26.7 Myr interpolated
    assert 20e6 < life < 35e6


def test_the_heaviest_star_present_is_not_the_dying_star(mist_raw):
    """The issue's fact: the grid's isochrones go on past the AGB into post-AGB and white-dwarf
    rows (MIST phase 6, down to log L ≈ -5.3), so the highest initial mass on an isochrone is
    not the mass dying at its age. At log t = 10.1, [Fe/H] = 0: a ≈ 5.7 Msun white dwarf tops it,
    the dying mass is 0.979 Msun."""
    c = mist_raw["cols"]
    i0 = feh_index(mist_raw, 0.0)
    j = int(np.argmin(np.abs(mist_raw["age"] - 10.1)))
    v = raw_isochrone(mist_raw, i0, j)
    nuc = nuclear_rows(v, c)
    m_die = v[nuc, c.index("initial_mass")][-1]
    after = v[np.nonzero(nuc)[0][-1] + 1 :]
    assert m_die == pytest.approx(0.979, abs=0.001)
    assert v[:, c.index("initial_mass")].max() > 5.0
    assert np.all(after[:, c.index("eep")] >= EEP_POSTAGB)
    assert set(np.unique(after[:, c.index("phase")])) <= {6.0, -9.0}
    assert after[:, c.index("log_L")].min() < -5.0
    assert float(dying_mass(10**10.1, 0.0)) == pytest.approx(m_die, rel=1e-4)
    assert lifespan(0.99, 0.0)[0] < 10**10.1  # so 0.99 Msun is dead at 12.6 Gyr


def test_low_masses_are_extrapolated_flagged_and_join_the_grid(mist_raw):
    """Stars lighter than the mass dying at the grid's last age (log t = 10.3, 19.95 Gyr;
    0.858 Msun at [Fe/H] = 0, read from the raw grid) outlive the grid: power-law lifespans
    t ∝ M^s through that point (s ≈ -3.5, the README and module notes), flagged."""
    m_b = raw_dying_masses(mist_raw, feh_index(mist_raw, 0.0))[-1]
    assert m_b == pytest.approx(0.858, abs=0.001)
    life, extrap = lifespan(np.array([m_b * (1 - 1e-6), m_b * (1 + 1e-6)]), 0.0)
    assert extrap.tolist() == [True, False]
    assert life == pytest.approx(10**10.3, rel=1e-5)  # continuous where it joins the grid
    (l3, l6), _ = lifespan(np.array([0.3, 0.6]), 0.0)
    assert np.log10(l3 / l6) / np.log10(0.3 / 0.6) == pytest.approx(-3.5, abs=0.1)
    life, extrap = lifespan(np.array([0.1, 0.5, 0.85, 1.0]), 0.0)
    assert extrap.tolist() == [True, True, True, False]
    assert life[0] > 1e12  # 0.1 Msun: far beyond the age of the Universe


def test_high_masses_above_the_first_dying_star_are_extrapolated_and_flagged(mist_raw):
    """The youngest isochrones end at the grid's 300 Msun cap while it still burns (at
    log t = 6.40, [Fe/H] = 0, the top row, 298 Msun, is in core He burning, EEP 646); the first star to
    die on the grid is the last nuclear row of the first isochrone that ends a track (EEP 808):
    267 Msun at log t = 6.45. Heavier stars' lifespans are extrapolated and flagged."""
    c = mist_raw["cols"]
    i0 = feh_index(mist_raw, 0.0)
    mdie = raw_dying_masses(mist_raw, i0)
    ends = []
    for j in range(len(mist_raw["age"])):
        v = raw_isochrone(mist_raw, i0, j)
        ends.append(v[nuclear_rows(v, c), c.index("eep")][-1] >= EEP_CBURN)
    j1 = int(np.argmax(ends))
    assert mist_raw["age"][j1] == pytest.approx(6.45)
    m_first = mdie[j1]
    v = raw_isochrone(mist_raw, i0, j1 - 1)
    top = v[nuclear_rows(v, c)][-1]
    # still burning at log t = 6.40: core He burning (EEP 631-707), labelled WR (phase 9)
    assert top[c.index("phase")] in NUCLEAR and 631 <= top[c.index("eep")] < EEP_CBURN
    life, extrap = lifespan(np.array([m_first * 0.999, m_first * 1.001, top[c.index("initial_mass")]]), 0.0)
    assert extrap.tolist() == [False, True, True]
    assert life[2] > 10 ** mist_raw["age"][j1 - 1]  # alive where the grid shows it burning


@pytest.mark.parametrize("feh", [-2.5, -2.3, -1.0, -0.1, 0.0, 0.37, 0.5])
def test_lifespans_decrease_with_mass_and_dying_mass_inverts_them(feh):
    m = np.geomspace(0.1, 300.0, 3000)
    life, _ = lifespan(m, feh)
    assert np.all(np.diff(np.log10(life)) < 0)  # strictly: heavier stars die sooner
    assert np.allclose(dying_mass(life, feh), m, rtol=1e-9)


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


@pytest.mark.parametrize(
    "mass,feh,match",
    [
        (0.05, 0.0, "mass_initial"),
        (400.0, 0.0, "mass_initial"),
        (1.0, -3.0, "feh"),
        (float("nan"), 0.0, "mass_initial"),
    ],
)
def test_lifespan_outside_the_grid_is_a_clear_error(mass, feh, match):
    with pytest.raises(OutOfGridError, match=match):
        lifespan(mass, feh)

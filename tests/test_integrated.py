"""Integrated light: against a published SSP table, the Sun, made populations, and its trends."""

import math

import numpy as np
import pytest

from starmaker import (
    Chabrier2003,
    Cluster,
    Kroupa2001,
    OutOfGridError,
    Salpeter1955,
    evolve,
    integrate,
    shine,
    ssp,
)
from starmaker.integrated import M_V_SUN, evolve_by

# Bruzual & Charlot (2003, MNRAS 344, 1000), the 2003 release, Padova 1994 tracks, Chabrier
# IMF 0.1-100 Msun, Z = 0.02: file bc2003_hr_m62_chab_ssp.4color, row log-age-yr = 10.000:
# M*/L_V = 3.15 (stars + remnants, per Msun formed), B - V = Bmag - Vmag = 0.9574.
# (Read back from the distributed table as pinned in a public repository's reference test; the
# other ages of this table were not found with our search tools, so only this row is pinned.)
BC03_10GYR = {"ML_V": 3.15, "B_V": 0.9574}
#: Tolerances. BC03 and starmaker differ in every ingredient: Padova 1994 against MIST v2.5
#: tracks, the BaSeL library against Kurucz bolometric corrections with a Riello et al. (2021)
#: G->V transformation, and the Sun's M_V (4.81 here). Maraston (2005, MNRAS 362, 799, abstract
#: and sect. 4) finds that changing the tracks alone moves B - V of an old SSP by 0.03 mag, and
#: published models of old SSPs scatter by 10-15 % in M/L_V (Conroy 2013, ARA&A 51, 393,
#: sect. 4.1). We ask for 10 % and 0.05 mag.
ML_TOL, BV_TOL = 0.10, 0.05


def test_ssp_against_bruzual_charlot_2003_at_10_gyr():
    r = ssp("10Gyr", 0.0, Chabrier2003())
    assert r.ML_V == pytest.approx(BC03_10GYR["ML_V"], rel=ML_TOL)     # measured: 3.26 (+3.5 %)
    assert r.B_V == pytest.approx(BC03_10GYR["B_V"], abs=BV_TOL)       # measured: 0.977 (+0.02)
    # mass left in stars and remnants per Msun formed: BC03 row M*_liv+M_rem is ~0.55 at 10 Gyr
    # for this IMF; we only require the budget to close (gas returned <= half the mass)
    assert 0.5 < r.mass_current < 0.6


AGES = ["10Myr", "30Myr", "100Myr", "300Myr", "1Gyr", "3Gyr", "6Gyr", "12Gyr"]


@pytest.fixture(scope="module")
def track():
    return [ssp(a, 0.0, Kroupa2001()) for a in AGES]


def test_ssp_ages_10_myr_to_12_gyr_behave_as_populations_do(track):
    ml = np.array([r.ML_V for r in track])
    bv = np.array([r.B_V for r in track])
    rem = np.array([r.remnant_fraction for r in track])
    shining = np.array([r.n_shining for r in track])
    # M/L_V grows with age from 30 Myr on (the light fades as the turn-off falls, the mass stays)
    assert np.all(np.diff(ml[1:]) > 0)
    # B - V reddens from 100 Myr to 12 Gyr (blue turn-off stars die first)
    assert np.all(np.diff(bv[2:]) > 0)
    # remnants only accumulate and stars only die in a single burst
    assert np.all(np.diff(rem) > 0) and np.all(np.diff(shining) < 0)
    # the span the published tables show for solar SSPs (BC03, Maraston 2005): M/L_V from
    # ~0.03 at 10 Myr to 3-6 at 12 Gyr, B - V from ~0 (blue) to ~0.9-1.0
    assert ml[0] < 0.1 and 2.5 < ml[-1] < 6.0
    assert -0.3 < bv[0] < 0.3 and 0.85 < bv[-1] < 1.05


def test_salpeter_is_heavier_per_light_than_chabrier_by_the_known_factor():
    # Madau & Dickinson (2014, ARA&A 52, 415, sect. 3.1): stellar masses for a Chabrier (2003)
    # IMF are 0.61 times those for Salpeter (0.1-100 Msun) at the same light: a factor 1.64.
    # Their factor is for whole galaxies of mixed ages; we allow 8 % for our one old SSP
    ratio = ssp("10Gyr", 0.0, Salpeter1955()).ML_V / ssp("10Gyr", 0.0, Chabrier2003()).ML_V
    assert ratio == pytest.approx(1 / 0.61, rel=0.08)   # measured: 1.71


def test_the_sun_alone_has_m_over_l_of_one():
    # one star of 1 Msun at 4.57 Gyr: its M/L_V is 1 by definition of the solar units, if its
    # M_V is the Sun's (4.81, Willmer 2018); MIST's Sun is within the 10 % of test_photometry
    sun = integrate(shine(evolve(1.0, 4.57e9, 0.0)))
    assert sun.ML_V == pytest.approx(1.0, rel=0.10)
    assert sun.M_V == pytest.approx(M_V_SUN, abs=0.1)
    assert sun.n_shining == 1 and sun.remnant_fraction == 0.0


def test_a_large_made_cluster_agrees_with_the_ssp():
    # 2e5 Msun at 1 Gyr has a few hundred giants: the made population's integrated light scatters
    # about the expected (SSP) value by ~0.02 mag from seed to seed; we allow 0.1 mag, 0.03 in
    # B - V and 8 % in M/L_V
    made = Cluster(mass=2e5, age="1Gyr", feh=0.0).make(seed=1).integrated()
    expect = ssp("1Gyr", 0.0, Kroupa2001(), mass=made.mass_initial)
    assert made.M_V == pytest.approx(expect.M_V, abs=0.1)
    assert made.B_V == pytest.approx(expect.B_V, abs=0.03)
    assert made.ML_V == pytest.approx(expect.ML_V, rel=0.08)
    assert made.remnant_fraction == pytest.approx(expect.remnant_fraction, rel=0.05)


def test_the_ssp_grid_catches_the_supergiants_at_10_myr():
    # at 10 Myr red supergiants carry much of the V light; 1e6 Msun of made stars (1.6 million,
    # ~400 of them helium-burning supergiants) scatter by 0.01 mag from seed to seed, so the grid,
    # which crowds its masses just below the dying mass, must agree with them to a few hundredths
    made = Cluster(mass=1e6, age="10Myr", feh=0.0).make(seed=4).integrated()
    expect = ssp("10Myr", 0.0, Kroupa2001(), mass=made.mass_initial)
    assert made.M_V == pytest.approx(expect.M_V, abs=0.05)
    assert made.B_V == pytest.approx(expect.B_V, abs=0.03)


def test_integrated_later_is_the_same_births_evolved_later(cluster_1e4):
    later = cluster_1e4.integrated(dt=9e8)  # 100 Myr + 900 Myr = 1 Gyr
    direct = evolve_by(cluster_1e4, 9e8)
    assert np.allclose(direct["age"], 1e9)
    np.testing.assert_array_equal(direct["mass_initial"], cluster_1e4["mass_initial"])
    assert later == integrate(direct)
    now = cluster_1e4.integrated()
    assert later.n_shining < now.n_shining and later.L_bol < now.L_bol
    assert math.isclose(now.mass_initial, cluster_1e4["mass_initial"].sum())


def test_bad_ages_are_refused(cluster_1e4):
    with pytest.raises(OutOfGridError):
        ssp("25Gyr")
    with pytest.raises(OutOfGridError):
        ssp("10Gyr", feh=-4.0)
    with pytest.raises(Exception, match="dt="):
        cluster_1e4.integrated(dt=2e10)

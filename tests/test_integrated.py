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
from starmaker.evolution.isochrones import dying_mass
from starmaker.evolution.remnants import M_WD_MAX, ns_bh_mass
from starmaker.reports.integrated import M_V_SUN, evolve_by

# Bruzual & Charlot (2003, MNRAS 344, 1000), the 2003 release, Padova 1994 tracks, Chabrier
# IMF 0.1-100 Msun, Z = 0.02: file bc2003_hr_m62_chab_ssp.4color, row log-age-yr = 10.000:
# M*/L_V = 3.15 (stars + remnants, per Msun formed), B - V = Bmag - Vmag = 0.9574.
# (Read back from the distributed table as pinned in a public repository's reference test; the
# other ages are pinned below from the BaSeL ("lr") version of the same model.)
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
    # this raw agreement hides two conventions that nearly cancel: BC03's M* leaves out neutron
    # stars and black holes (8 % of our mass) and its M*/Lv implies a Sun of M_V = 4.91-4.92, not
    # 4.81 (9 % in L_V); our V light is 0.16 mag brighter. The tests below match both conventions.


# Bruzual & Charlot (2003, MNRAS 344, 1000), the 2003 release ("Fri Aug 15 2003" in the file
# headers): Padova 1994 tracks, BaSeL 3.1 spectra ("lr"), Z = 0.02, IMF 0.1-100 Msun, files
# bc2003_lr_m62_chab_ssp.4color (Chabrier 2003) and bc2003_lr_m62_salp_ssp.4color (Salpeter),
# as redistributed by CIGALE (github.com/JohannesBuchner/cigale, database_builder/bc03/, commit
# 77681cbc). Columns (1) log-age-yr, (3) Bmag, (4) Vmag (absolute, Vega, per Msun formed),
# (6) M*/Lv (solar units), (7) M* (Msun per Msun formed), copied from the rows at these ages:
#            log-age-yr  Bmag    Vmag    M*/Lv       M*
BC03_CHABRIER = [
    (6.999999, 1.0426, 0.9652, 2.2958e-02, 0.87506),  # 10 Myr
    (7.477121, 2.0758, 2.0097, 5.4746e-02, 0.79789),  # 30 Myr
    (8.006543, 2.9329, 2.8204, 1.0454e-01, 0.72212),  # 101.5 Myr
    (8.506547, 3.8282, 3.5727, 1.9269e-01, 0.66461),  # 321 Myr
    (9.006547, 5.1452, 4.5531, 4.3788e-01, 0.60963),  # 1.015 Gyr
    (9.477121, 6.5759, 5.7473, 1.2010e+00, 0.55442),  # 3 Gyr
    (9.778152, 7.2979, 6.4146, 2.1207e+00, 0.52896),  # 6 Gyr
    (10.000000, 7.8256, 6.8845, 3.1681e+00, 0.51206),  # 10 Gyr
    (10.079182, 8.0318, 7.0761, 3.7514e+00, 0.50811),  # 12 Gyr
]
BC03_SALPETER = [
    (8.006543, 3.3584, 3.2469, 1.7860e-01, 0.83292),  # 101.5 Myr
    (9.006547, 5.5292, 4.9371, 7.7418e-01, 0.75669),  # 1.015 Gyr
    (10.000000, 8.1498, 7.2043, 5.7147e+00, 0.68785),  # 10 Gyr
]
BC03_ROWS = [(Chabrier2003, *r) for r in BC03_CHABRIER] + [(Salpeter1955, *r) for r in BC03_SALPETER]

#: (IMF, log age): what MIST's own bolometric corrections (the default bands since issue 12) miss
#: by, measured; the Kurucz path (Riello G−V, Flower B−V) passed every row (its measured values
#: are in the docstrings). MIST's V is 0.05-0.09 mag brighter than the Kurucz path's for these
#: populations, 0.04 of it already for the Sun (MIST's nominal Sun: M_V 4.770, Willmer 2018: 4.81).
_MIST_BC03_MISSES = {
    ("Chabrier2003", 6.999999): "B - V +0.102 (allowed 0.10)",
    ("Chabrier2003", 8.006543): "B - V +0.062 (allowed 0.05)",
    ("Chabrier2003", 9.778152): "M_V -0.213 (allowed 0.2)",
    ("Chabrier2003", 10.0): "M_V -0.246 (allowed 0.2)",
    ("Chabrier2003", 10.079182): "M_V -0.231 (allowed 0.2)",
    ("Salpeter1955", 8.006543): "B - V +0.062 (allowed 0.05)",
    ("Salpeter1955", 10.0): "M_V -0.243 (allowed 0.2)",
}


def _bc03_params():
    for row in BC03_ROWS:
        miss = _MIST_BC03_MISSES.get((row[0].__name__, row[1]))
        marks = [pytest.mark.xfail(strict=True, reason=f"MIST BCs: ours - BC03 = {miss}")] if miss else []
        yield pytest.param(*row, marks=marks)


def _ns_bh_mass(imf, age, feh):
    """Msun in neutron stars and black holes per Msun formed (our remnant masses)."""
    lo = max(M_WD_MAX, float(dying_mass(age, feh)))
    e = np.geomspace(lo, imf.m_max, 4001)
    return float(np.sum(np.diff(imf.cdf(e)) * ns_bh_mass(np.sqrt(e[1:] * e[:-1]))[0])) / imf.mean_mass()


def _bc03_convention(r, imf, age, feh, row):
    """Our mass in living stars and white dwarfs, and our M/L_V in BC03's conventions.

    Two conventions differ. (1) BC03 2003's M* counts living stars and white dwarfs but not neutron
    stars and black holes: its 10 Myr row, before any white dwarf, has M* = 0.8751, the mass of
    the stars still alive (0.8750 by our dying mass), and our living + white-dwarf mass is within
    -0.5 to +1.7 % of its M* at every age here, while ours with neutron stars and black holes
    (0.041 Msun per Msun formed, Chabrier) is 3-9 % above. (2) Its M*/Lv implies, row by row, a
    Sun of M_V = Vmag + 2.5 log10(M* / (M*/Lv)) = 4.905-4.920, not 4.81 (Willmer 2018).
    """
    _, _, v, ml, mstar = row
    m_v_sun = v + 2.5 * math.log10(mstar / ml)
    mass = r.mass_current - _ns_bh_mass(imf, age, feh)
    return mass, mass / 10 ** (-0.4 * (r.M_V - m_v_sun))


@pytest.mark.parametrize("imf_cls, log_age, b, v, ml, mstar", list(_bc03_params()))
def test_ssp_against_bruzual_charlot_2003_from_10_myr_to_12_gyr(imf_cls, log_age, b, v, ml, mstar):
    """Light per Msun formed (M_V), B - V, mass and M/L_V against BC03 at Z = 0.02 ([Fe/H] = 0).

    Tolerances. MIST's [Fe/H] = 0 is Z = 0.0142 (Asplund et al. 2009), BC03's is Z = 0.02
    (Anders & Grevesse 1989): 0.15 dex apart. BC03's own tables (m52 Z = 0.008 against m62) move
    by 0.13-0.29 mag in V and 0.01-0.10 mag in B - V per 0.4 dex from 30 Myr to 12 Gyr, so this
    alone is 0.05-0.11 mag in V and up to 0.04 in B - V; the test at BC03's metallicity below
    shows it is what makes us 0.1-0.16 mag brighter at 3-12 Gyr. At >= 1 Gyr we allow 0.2 mag in V
    (that plus Padova 1994 against MIST tracks) and 0.05 in B - V (that plus the spectral library:
    BC03's own STELIB "hr" and BaSeL "lr" 10 Gyr rows differ by 0.016). Below 1 Gyr the massive
    stars' physics differ: MIST's massive stars rotate (v/v_crit = 0.4, Choi et al. 2016, ApJ 823,
    102), which lengthens their lives by roughly 10-25 %, and BC03's V changes by 2.2 mag per dex
    of age at 10-30 Myr, so about 0.13 mag; with the Z scale we allow 0.25 mag in V. At 10 Myr red
    supergiants are switching on: BC03's B - V jumps from 0.005 to 0.077 between 8 and 10 Myr
    (rows 6.90 and 7.00) and by 0.12 between Z = 0.008 and 0.02, so there we allow 0.1 in B - V.
    The mass in living stars and white dwarfs: 3 % (the initial-final mass relations: Cummings et
    al. 2018 here gives white dwarfs 0.01 Msun heavier than Renzini & Ciotti 1993 at 1 Msun, 0.14
    Msun at 5 Msun). M/L_V, in BC03's conventions, follows from the light and the mass:
    10^(0.4 x 0.25) x 1.03 - 1 = 30 % below 1 Gyr and 10^(0.4 x 0.2) x 1.03 - 1 = 25 % above.

    Measured (Chabrier; ours - BC03) with the Kurucz path: M_V +0.10, -0.17, -0.10, +0.03, -0.06,
    -0.12, -0.14, -0.16, -0.15; B - V +0.03, +0.02, +0.04, -0.03, +0.01, -0.00, +0.01, +0.04, +0.04;
    mass -0.2 to +1.7 %; M/L_V (BC03 conventions) +10, -15, -8, +4, -4, -9, -10, -13, -12 %.
    With MIST's BCs (the default): M_V -0.01, -0.22, -0.15, -0.02, -0.12, -0.19, -0.21, -0.25,
    -0.23; B - V +0.10, +0.02, +0.06, -0.03, +0.02, +0.00, +0.01, +0.04, +0.04; M/L_V -1, -18, -12,
    -1, -9, -15, -17, -19, -18 % (the misses are strict xfails, see _MIST_BC03_MISSES).
    """
    age, imf = 10**log_age, imf_cls()
    r = ssp(age, 0.0, imf)
    young = age < 1e9
    tol_v, tol_bv, tol_ml = (0.25, 0.10 if age < 1.5e7 else 0.05, 0.30) if young else (0.2, 0.05, 0.25)
    assert r.M_V == pytest.approx(v, abs=tol_v)
    assert r.B_V == pytest.approx(b - v, abs=tol_bv)
    mass, ml_bc03 = _bc03_convention(r, imf, age, 0.0, (log_age, b, v, ml, mstar))
    assert mass == pytest.approx(mstar, rel=0.03)
    assert ml_bc03 == pytest.approx(ml, rel=tol_ml)


def _old_params():
    for row, name in zip(BC03_CHABRIER[4:], ["1Gyr", "3Gyr", "6Gyr", "10Gyr", "12Gyr"], strict=True):
        miss = {"3Gyr": -0.079, "6Gyr": -0.084, "10Gyr": -0.088, "12Gyr": -0.086}.get(name)
        marks = [pytest.mark.xfail(strict=True, reason=f"MIST BCs: M_V - BC03 = {miss:+.3f} (allowed 0.07; "
                                   "the Kurucz path: +0.004, +0.002, +0.002, +0.005)")] if miss else []
        yield pytest.param(row, marks=marks, id=name)


@pytest.mark.parametrize("row", list(_old_params()))
def test_old_ssp_at_bc03s_metallicity_agrees_closely(row):
    """At BC03's Z = 0.02 on MIST's scale ([Fe/H] = log10(0.02 / 0.0142) = +0.15) the old SSP's V
    light per Msun formed agrees with BC03 to 0.07 mag and M/L_V (BC03's conventions) to 10 %:
    the 0.1-0.16 mag offset at [Fe/H] = 0 is the solar-metallicity scale, not missing light.
    Measured with the Kurucz path: M_V +0.055, +0.004, +0.002, +0.002, +0.005; M/L_V +7.5, +2.4,
    +2.1, +2.0, +2.2 %. With MIST's BCs (the default): M_V -0.009, -0.079, -0.084, -0.088, -0.086;
    M/L_V +1.4, -5.2, -5.7, -6.2, -6.1 %; B - V +0.047, +0.036, +0.040, +0.053, +0.060.
    The 0.07 mag left for the tracks (Padova 1994 against MIST) and bolometric corrections is
    half the young-age allowance; B - V is not tested here (it was the Kurucz path's Teff-only
    Flower 1996 relation when these tolerances were set)."""
    log_age, b, v, ml, mstar = row
    age, imf = 10**log_age, Chabrier2003()
    r = ssp(age, 0.15, imf)
    assert r.M_V == pytest.approx(v, abs=0.07)
    _, ml_bc03 = _bc03_convention(r, imf, age, 0.15, row)
    assert ml_bc03 == pytest.approx(ml, rel=0.10)


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


@pytest.mark.xfail(strict=True, reason="with MIST's BCs the 4.57 Gyr MIST Sun has M_V 4.693 (allowed "
                   "4.81 +- 0.1) and M/L_V 0.898 (allowed 1 +- 10 %): the star is 62 K hotter and 7 % "
                   "brighter than the Sun, and MIST's V of the nominal Sun is 4.770; the Kurucz path: 4.744")
def test_the_sun_alone_has_m_over_l_of_one():
    # one star of 1 Msun at 4.57 Gyr: its M/L_V is 1 by definition of the solar units, if its
    # M_V is the Sun's (4.81, Willmer 2018); MIST's Sun is within the 10 % of test_photometry
    sun = integrate(shine(evolve(1.0, 4.57e9, 0.0)))
    assert sun.ML_V == pytest.approx(1.0, rel=0.10)
    assert sun.M_V == pytest.approx(M_V_SUN, abs=0.1)


def test_one_star_is_one_shining_star_without_remnants():
    sun = integrate(shine(evolve(1.0, 4.57e9, 0.0)))
    assert sun.n_shining == 1 and sun.remnant_fraction == 0.0


def test_a_large_made_cluster_agrees_with_the_ssp():
    # 2e5 Msun at 1 Gyr has a few hundred giants: the made population's integrated light scatters
    # about the expected (SSP) value by ~0.02 mag from seed to seed; we allow 0.1 mag, 0.03 in
    # B - V and 8 % in M/L_V
    made = integrate(Cluster(mass=2e5, age="1Gyr", feh=0.0).make(seed=1))
    expect = ssp("1Gyr", 0.0, Kroupa2001(), mass=made.mass_initial)
    assert made.M_V == pytest.approx(expect.M_V, abs=0.1)
    assert made.B_V == pytest.approx(expect.B_V, abs=0.03)
    assert made.ML_V == pytest.approx(expect.ML_V, rel=0.08)
    assert made.remnant_fraction == pytest.approx(expect.remnant_fraction, rel=0.05)


def test_the_ssp_grid_catches_the_supergiants_at_10_myr():
    # at 10 Myr red supergiants carry much of the V light; 1e6 Msun of made stars (1.6 million,
    # ~400 of them helium-burning supergiants) scatter by 0.01 mag from seed to seed, so the grid,
    # which crowds its masses just below the dying mass, must agree with them to a few hundredths
    made = integrate(Cluster(mass=1e6, age="10Myr", feh=0.0).make(seed=4))
    expect = ssp("10Myr", 0.0, Kroupa2001(), mass=made.mass_initial)
    assert made.M_V == pytest.approx(expect.M_V, abs=0.05)
    assert made.B_V == pytest.approx(expect.B_V, abs=0.03)


def test_integrated_later_is_the_same_births_evolved_later(cluster_1e4):
    later = integrate(cluster_1e4, 9e8)  # 100 Myr + 900 Myr = 1 Gyr
    direct = evolve_by(cluster_1e4, 9e8)
    assert np.allclose(direct["age"], 1e9)
    np.testing.assert_array_equal(direct["mass_initial"], cluster_1e4["mass_initial"])
    assert later == integrate(direct)
    now = integrate(cluster_1e4)
    assert later.n_shining < now.n_shining and later.L_bol < now.L_bol
    assert math.isclose(now.mass_initial, cluster_1e4["mass_initial"].sum())


def test_bad_ages_are_refused(cluster_1e4):
    with pytest.raises(OutOfGridError):
        ssp("25Gyr")
    with pytest.raises(OutOfGridError):
        ssp("10Gyr", feh=-4.0)
    with pytest.raises(Exception, match="dt="):
        integrate(cluster_1e4, 2e10)

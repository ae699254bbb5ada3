"""MIST bolometric-correction photometry (starmaker.photometry.mist_bc) against published numbers.

The BC tables are MIST v1.2's (Choi et al. 2016, ApJ 823, 102; Dotter 2016, ApJS 222, 8) as
shipped in the astrolachesis wheel; these tests are skipped when that package is not installed.
"""

import importlib.util

import numpy as np
import pytest

from starmaker.errors import InvalidParameterError, UnknownNameError

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("lachesis") is None, reason="astrolachesis (MIST BC tables) not installed"
)

from starmaker.photometry import bands as registry  # noqa: E402
from starmaker.photometry import mist_bc  # noqa: E402
from starmaker.photometry.mist_bc import (  # noqa: E402
    absolute_magnitudes,
    column_of,
    load_table,
    mist_bands,
    resolve_bands,
)

LOG_T_SUN = np.log10(5772.0)  # IAU 2015 Resolution B3 nominal Teff
LOGG_SUN = 4.438  # IAU 2015 B3: GM/R^2 of the nominal Sun, cgs


def mags(teff, logg, feh=0.0, log_l=0.0, bands="all", a_v=None):
    return absolute_magnitudes(log_l, np.log10(teff), logg, feh, bands, a_v)


def M(r, band, kind="M"):
    """r's magnitude (or extinction, kind "A") of a band given by any of its names."""
    return r[f"{kind}_{registry.band(band).name}"]


def colour(r, a, b):
    return float(M(r, a) - M(r, b))


# --- the file and the band table ------------------------------------------------------------------


def test_every_band_of_the_file_has_one_entry():
    import h5py

    with h5py.File(mist_bc.bc_file(), "r") as f:
        in_file = {(g, n.decode()) for g in f for n in f[g]["band_names"][()]}
        assert set(f) == set(mist_bc.TABLES)
    in_table = {column_of(n) for n in mist_bands()}
    assert in_table == in_file
    assert len(in_table) == len(mist_bands()) == 48
    assert {c for _, c in in_file} == set(mist_bc.VEGA_TO_AB)
    names = [b.name for b in registry.bands()] + list(registry.aliases())
    assert len(names) == len(set(names))
    assert all(n.isidentifier() for n in mist_bands())


def test_magnitude_systems_are_mists():
    # MIST zeropoints.txt: SDSS, Pan-STARRS, SkyMapper, GALEX are AB; UBVRIplus and WISE Vega
    ab = {"SDSSugriz", "PanSTARRS", "SkyMapper", "GALEX"}
    for n in mist_bands():
        b = registry.band(n)
        assert b.zero_point == ("AB" if column_of(n)[0] in ab else "Vega"), b.name
        assert f"({b.zero_point})" in b.label


def test_resolve_bands():
    assert resolve_bands("default") == registry.DEFAULT_BANDS
    assert resolve_bands() == registry.DEFAULT_BANDS
    assert resolve_bands("all") == mist_bands()
    assert resolve_bands("Gaia_G_EDR3, BP,RP,Ks,2MASS_Ks,SDSS_g") == ("G", "BP", "RP", "Ks", "SDSS_g")
    assert resolve_bands(["WISE_W1", "default"])[:2] == ("W1", "G")
    with pytest.raises(UnknownNameError, match="G_DR2"):
        resolve_bands("G,Gmag")
    with pytest.raises(UnknownNameError, match="MIST band"):
        resolve_bands("G_kurucz")  # a band of another source
    with pytest.raises(UnknownNameError):
        resolve_bands("ks")  # case-sensitive: g is SDSS, G is Gaia
    with pytest.raises(InvalidParameterError):
        resolve_bands([])


def test_holes_are_filled_from_the_nearest_metallicity():
    # MIST marks 468 missing nodes per band with -99 in every table but UBVRIplus:
    # [Fe/H] = +0.75, Teff 45 000 and 50 000 K, log g <= 5.5, all 13 A_V
    t = load_table("SDSSugriz")
    assert t.bc.shape == (5, 18, 26, 70, 13)
    assert t.bc.min() > -98.0
    assert t.filled.sum() == 5 * 468
    b, f, g, k, a = np.nonzero(t.filled)
    assert set(t.feh[f]) == {0.75} and set(t.teff[k]) == {45000.0, 50000.0} and t.logg[g].max() == 5.5
    np.testing.assert_array_equal(t.bc[b, f, g, k, a], t.bc[b, f - 1, g, k, a])  # [Fe/H] = +0.5
    assert not load_table("UBVRIplus").filled.any()


def test_grid_nodes_are_reproduced_exactly():
    t = load_table("UBVRIplus")
    ib, i, j, k, a = t.bands.index("Gaia_G_EDR3"), 14, 15, 13, 9  # [Fe/H] 0, log g 4.5, 5750 K, A_V 1
    assert (t.feh[i], t.logg[j], t.teff[k], t.av[a]) == (0.0, 4.5, 5750.0, 1.0)
    r = mags(t.teff[k], t.logg[j], t.feh[i], 0.3, "G", a_v=t.av[a])
    assert r["M_G"] == pytest.approx(4.74 - 0.75 - float(t.bc[ib, i, j, k, 0]), abs=1e-12)
    assert r["A_G"] == pytest.approx(float(t.bc[ib, i, j, k, 0]) - float(t.bc[ib, i, j, k, a]),
                                               abs=1e-12)


def test_interpolation_matches_scipy_multilinear():
    """Inside the grid the kernel is plain multilinear interpolation in ([Fe/H], log g, log10 Teff,
    A_V): scipy's RegularGridInterpolator on the same table agrees to 1e-9 mag at random points."""
    from scipy.interpolate import RegularGridInterpolator

    t = load_table("UBVRIplus")
    ib = t.bands.index("2MASS_Ks")
    axes = (t.feh, t.logg, np.log10(t.teff), t.av)
    bc = RegularGridInterpolator(axes, t.bc[ib].astype(np.float64))
    rng = np.random.default_rng(3)
    n = 3000
    pts = np.column_stack([rng.uniform(a[0], a[-1], n) for a in axes])
    pts[:50, 2] = np.log10(t.teff[rng.integers(0, t.teff.size, 50)])  # exactly on Teff nodes
    log_l = rng.uniform(-2, 4, n)
    r = absolute_magnitudes(log_l, pts[:, 2], pts[:, 1], pts[:, 0], "Ks", a_v=pts[:, 3])
    at0 = pts.copy()
    at0[:, 3] = 0.0
    np.testing.assert_allclose(r["M_Ks"], 4.74 - 2.5 * log_l - bc(at0), rtol=0, atol=1e-9)
    np.testing.assert_allclose(r["A_Ks"], bc(at0) - bc(pts), rtol=0, atol=1e-9)
    assert not r["phot_extrapolated"].any()


# --- the Sun ----------------------------------------------------------------------------------

#: Willmer (2018, ApJS 236, 47), Table 3: apparent magnitudes of the Sun at 1 au, in the band's
#: usual system (Vega for Johnson-Cousins, Tycho, Hipparcos, 2MASS; AB for SDSS and PS1).
#: M = m + 5 log10(10 pc / 1 au) = m + 31.572.
WILLMER_M_1AU = {
    "Bessell_B": -26.13, "Bessell_V": -26.76, "Bessell_R": -27.15, "Bessell_I": -27.47,
    "Tycho_B": -25.99, "Tycho_V": -26.69, "Hipparcos_Hp": -26.70,
    "2MASS_J": -27.90, "2MASS_H": -28.25, "2MASS_Ks": -28.30,
    "SDSS_g": -26.47, "SDSS_r": -26.93, "SDSS_i": -27.05, "SDSS_z": -27.07,
    "PS1_g": -26.54, "PS1_r": -26.93, "PS1_i": -27.05, "PS1_z": -27.07, "PS1_y": -27.07,
}
DM_1AU = 31.572
SUN_TOL = 0.05


@pytest.mark.parametrize("band", list(WILLMER_M_1AU))
def test_the_sun_against_willmer(band):
    """The nominal Sun (5772 K, log g 4.438, [Fe/H] 0, L = L☉) within 0.05 mag of Willmer's M☉
    (his uncertainty: 0.02 from solar analogues, 3-4 % with the Vega calibration)."""
    r = mags(5772.0, LOGG_SUN, bands=band)
    assert M(r, band) == pytest.approx(WILLMER_M_1AU[band] + DM_1AU, abs=SUN_TOL)


@pytest.mark.xfail(strict=True, reason="MIST's Sun in SDSS u (AB) is 6.341, Willmer's 6.392 (Table 3, "
                   "m = -25.18): 0.051 mag apart, just past 0.05")
def test_the_sun_in_sdss_u():
    assert mags(5772.0, LOGG_SUN, bands="SDSS_u")["M_SDSS_u"] == pytest.approx(-25.18 + DM_1AU, abs=SUN_TOL)


@pytest.mark.xfail(strict=True, reason="MIST's Sun in Bessell U is 5.491, Willmer's Johnson U 5.60 (Table 3, "
                   "m = -25.97): 0.11 mag apart")
def test_the_sun_in_u():
    assert mags(5772.0, LOGG_SUN, bands="U")["M_U"] == pytest.approx(-25.97 + DM_1AU, abs=SUN_TOL)


def test_the_sun_in_wise_w1():
    # Willmer (2018) Table 3 M☉(W1, Vega) = 3.26 (as quoted in public code; W2 not checked)
    assert mags(5772.0, LOGG_SUN, bands="W1")["M_W1"] == pytest.approx(3.26, abs=SUN_TOL)


def test_the_sun_in_gaia_dr2():
    # Casagrande & VandenBerg (2018, MNRAS 479, L102): M_G☉ = 4.67, (BP - RP)☉ = 0.82 (Gaia DR2
    # passbands; Willmer 2018 lists no Gaia band)
    r = mags(5772.0, LOGG_SUN, bands="Gaia_G_DR2,Gaia_BP_DR2,Gaia_RP_DR2")
    assert r["M_G_DR2"] == pytest.approx(4.67, abs=SUN_TOL)
    assert colour(r, "Gaia_BP_DR2", "Gaia_RP_DR2") == pytest.approx(0.82, abs=SUN_TOL)


# --- Vega -------------------------------------------------------------------------------------

VEGA_COLOURS = [("Bessell_U", "Bessell_B"), ("Bessell_B", "Bessell_V"), ("Bessell_V", "Bessell_R"),
                ("Bessell_V", "Bessell_I"), ("Bessell_V", "2MASS_Ks"), ("2MASS_J", "2MASS_H"),
                ("2MASS_H", "2MASS_Ks"), ("Gaia_BP_EDR3", "Gaia_RP_EDR3"), ("Gaia_G_EDR3", "Bessell_V"),
                ("Tycho_B", "Tycho_V"), ("Hipparcos_Hp", "Bessell_V"), ("WISE_W1", "WISE_W2"),
                ("WISE_W2", "WISE_W3")]


@pytest.mark.parametrize("blue, red", VEGA_COLOURS)
def test_vega_has_zero_colours_in_vega_systems(blue, red):
    """A Vega model star (Teff 9550 K, log g 3.95, [Fe/H] -0.5: Castelli & Kurucz 1994, A&A 281,
    817) has colour 0 in a Vega system by definition, within 0.05 mag: the systems are zeroed on
    Vega's observed spectrum, which a plane-parallel model of this pole-on rapid rotator matches
    to a few 0.01 mag (worst here V - Ks, 0.03), and the grid is interpolated between 9500 and
    9750 K and log g 3.5 and 4.0."""
    r = mags(9550.0, 3.95, -0.5, bands=f"{blue},{red}")
    assert colour(r, blue, red) == pytest.approx(0.0, abs=0.05)


# --- the dwarf sequence -----------------------------------------------------------------------

#: Mamajek, "A Modern Mean Dwarf Stellar Color and Effective Temperature Sequence", version
#: 2024.05.15 (the table behind Pecaut & Mamajek 2013, ApJS 208, 9), excerpt:
#: SpT, Teff (K), R (R☉), M (M☉), G - V, Bp - Rp (Gaia DR2), V - Ks, J - H, H - Ks.
#: log g = 4.438 + log10 M - 2 log10 R from the table's own mass and radius.
MAMAJEK = [
    ("F2V", 6820, 1.622, 1.43, -0.08, 0.490, 0.925, 0.140, 0.050),
    ("F5V", 6550, 1.473, 1.32, -0.11, 0.587, 1.079, 0.173, 0.054),
    ("F8V", 6180, 1.221, 1.16, -0.127, 0.694, 1.290, 0.225, 0.061),
    ("G0V", 5930, 1.100, 1.07, -0.155, 0.784, 1.437, 0.262, 0.067),
    ("G2V", 5770, 1.012, 1.00, -0.155, 0.823, 1.564, 0.293, 0.073),
    ("G5V", 5660, 0.977, 0.98, -0.160, 0.850, 1.635, 0.310, 0.076),
    ("G8V", 5480, 0.914, 0.93, -0.200, 0.900, 1.768, 0.342, 0.082),
    ("K0V", 5290, 0.813, 0.86, -0.21, 0.983, 1.953, 0.387, 0.091),
    ("K2V", 5100, 0.783, 0.82, -0.25, 1.10, 2.13, 0.427, 0.098),
    ("K3V", 4870, 0.755, 0.76, -0.31, 1.19, 2.35, 0.490, 0.110),
    ("K5V", 4440, 0.701, 0.70, -0.43, 1.43, 2.88, 0.568, 0.132),
    ("K7V", 4090, 0.630, 0.64, -0.59, 1.70, 3.35, 0.619, 0.164),
    ("M0V", 3850, 0.588, 0.585, -0.69, 1.84, 3.65, 0.627, 0.190),
    ("M1V", 3660, 0.501, 0.51, -0.81, 2.09, 4.00, 0.614, 0.222),
    ("M2V", 3560, 0.446, 0.45, -0.925, 2.23, 4.23, 0.600, 0.234),
    ("M3V", 3430, 0.361, 0.36, -1.10, 2.50, 4.60, 0.579, 0.252),
    ("M4V", 3210, 0.274, 0.24, -1.40, 2.94, 5.25, 0.557, 0.280),
    ("M5V", 3060, 0.196, 0.155, -1.70, 3.35, 5.95, 0.580, 0.312),
    ("M6V", 2810, 0.137, 0.105, -2.37, 4.16, 7.10, 0.605, 0.352),
    ("M7V", 2680, 0.120, 0.090, -2.98, 4.65, 8.00, 0.613, 0.390),
    ("M8V", 2570, 0.114, 0.086, -3.11, 4.86, 8.70, 0.677, 0.450),
]

#: (SpT, colour): MIST − Mamajek measured beyond the tolerance (a known weakness of MIST's cool
#: atmospheres in the optical; recorded, not adjusted)
_MDWARF_MISSES = {
    ("M2V", "BP-RP"): -0.106, ("M3V", "BP-RP"): -0.204, ("M4V", "BP-RP"): -0.299,
    ("M5V", "BP-RP"): -0.317, ("M6V", "BP-RP"): -0.311, ("M7V", "BP-RP"): -0.274,
    ("M5V", "G-Ks"): -0.190, ("M8V", "G-Ks"): -0.264,
}


def _dwarf_cases():
    for row in MAMAJEK:
        for c in ("BP-RP", "G-Ks", "J-Ks"):
            miss = _MDWARF_MISSES.get((row[0], c))
            marks = []
            if miss is not None:
                marks = [pytest.mark.xfail(strict=True, reason=f"MIST - Mamajek = {miss:+.3f} mag")]
            yield pytest.param(row, c, marks=marks, id=f"{row[0]}-{c}")


@pytest.mark.parametrize("row, which", list(_dwarf_cases()))
def test_dwarf_sequence_against_mamajek(row, which):
    """BP - RP (Gaia DR2 passbands, as the table), G - Ks and J - Ks of the mean dwarf sequence
    within 0.1 mag (0.15 below 3000 K), at the table's Teff and log g, [Fe/H] 0."""
    spt, teff, radius, mass, g_v, bp_rp, v_ks, j_h, h_ks = row
    logg = 4.438 + np.log10(mass) - 2.0 * np.log10(radius)
    r = mags(teff, logg, bands="Gaia_G_DR2,Gaia_BP_DR2,Gaia_RP_DR2,2MASS_J,2MASS_Ks")
    ours, theirs = {
        "BP-RP": (colour(r, "Gaia_BP_DR2", "Gaia_RP_DR2"), bp_rp),
        "G-Ks": (colour(r, "Gaia_G_DR2", "2MASS_Ks"), g_v + v_ks),
        "J-Ks": (colour(r, "2MASS_J", "2MASS_Ks"), j_h + h_ks),
    }[which]
    assert ours == pytest.approx(theirs, abs=0.15 if teff < 3000 else 0.1)


# --- white dwarfs -----------------------------------------------------------------------------

#: Montreal synthetic photometry of DA white dwarfs (pure-H atmospheres; Holberg & Bergeron 2006,
#: AJ 132, 1221; Tremblay et al. 2011; Bergeron et al. 2011; Gaia EDR3 columns G3, G3_BP, G3_RP),
#: file Table_DA of 13 Jan 2021, log g = 8.0 rows: Teff (K), B, V, Ks (2MASS), G, BP, RP.
MONTREAL_DA_LOGG8 = [
    (6000, 14.710, 14.174, 12.767, 14.012, 14.299, 13.554),
    (7000, 13.882, 13.524, 12.546, 13.417, 13.600, 13.087),
    (8000, 13.274, 13.007, 12.374, 12.939, 13.059, 12.701),
    (10000, 12.363, 12.170, 12.090, 12.173, 12.215, 12.081),
    (12000, 11.792, 11.648, 11.929, 11.695, 11.687, 11.712),
    (15000, 11.317, 11.264, 11.743, 11.315, 11.265, 11.419),
    (20000, 10.691, 10.763, 11.433, 10.787, 10.692, 10.973),
    (25000, 10.202, 10.353, 11.161, 10.357, 10.232, 10.601),
    (30000, 9.750, 9.965, 10.879, 9.951, 9.803, 10.240),
]


@pytest.mark.parametrize("row", MONTREAL_DA_LOGG8, ids=lambda r: f"{r[0]}K")
def test_white_dwarf_colours_against_montreal_da(row):
    """BP - RP, B - V and G - Ks of log g 8 DA white dwarfs, 6 000-30 000 K, within 0.05 mag."""
    teff, b, v, ks, g, bp, rp = row
    r = mags(teff, 8.0, bands="G,BP,RP,B,V,Ks")
    assert colour(r, "Gaia_BP_EDR3", "Gaia_RP_EDR3") == pytest.approx(bp - rp, abs=0.05)
    assert colour(r, "Bessell_B", "Bessell_V") == pytest.approx(b - v, abs=0.05)
    assert colour(r, "Gaia_G_EDR3", "2MASS_Ks") == pytest.approx(g - ks, abs=0.05)


# --- extinction -------------------------------------------------------------------------------


def _ccm_ir(lam_um, r_v=3.1):
    """Cardelli, Clayton & Mathis (1989, ApJ 345, 245) Eqs. 2a-b, 0.3 <= x <= 1.1 um^-1:
    A(λ)/A_V = 0.574 x^1.61 - 0.527 x^1.61 / R_V."""
    y = (1.0 / lam_um) ** 1.61
    return 0.574 * y - 0.527 * y / r_v


def test_v_band_extinction_of_a_sun_like_star_is_a_v():
    # MIST's A_V is the CCM law's A(5494.5 Å); a solar spectrum's Johnson V shares it within 0.01
    r = mags(5772.0, LOGG_SUN, bands="V", a_v=1.0)
    assert r["A_V"] == pytest.approx(1.0, abs=0.01)


@pytest.mark.parametrize("band, lam_um", [("2MASS_J", 1.235), ("2MASS_H", 1.662), ("2MASS_Ks", 2.159)])
def test_near_ir_extinction_follows_ccm(band, lam_um):
    """A_band/A_V of a Sun-like star at A_V = 1 within 0.01 of CCM at the 2MASS isophotal
    wavelengths (Cohen, Wheaton & Megeath 2003, AJ 126, 1090, Table 2): 0.289, 0.179, 0.117;
    A_Ks/A_V ≈ 0.12."""
    r = mags(5772.0, LOGG_SUN, bands=band, a_v=1.0)
    assert M(r, band, "A") == pytest.approx(_ccm_ir(lam_um), abs=0.01)


#: Gaia EDR3 extinction law of DPAC (Riello et al. 2021, A&A 649, A3; Fitzpatrick et al. 2019 curve),
#: https://www.cosmos.esa.int/web/gaia/edr3-extinction-law, Fitz19_EDR3_MainSequence.csv "TeffNorm"
#: rows: k = A_x/A0 = c0 + c1 X + c2 X^2 + c3 X^3 + c4 A + c5 A^2 + c6 A^3 + c7 X A + c8 X^2 A
#: + c9 X A^2, X = Teff/5040 K, A = A0 (the same coefficients as tests/test_extinction.py)
EDR3_LAW = {
    "G": (0.259021858973784, 0.93676111876298, -0.437446499585492, 0.0783508476444952,
          -0.00136127433235224, 0.000797222688660053, -2.52364537395233e-05,
          -0.029981504413869, 0.00555506017434798, 0.000402778419603886),
    "BP": (0.888088914696666, 0.11318390480077, 0.0846337732558566, -0.0371265818793239,
           -0.00296140793334905, 0.000538660562947277, -1.31018008013512e-05,
           -0.0164152179931537, 0.00323902299833464, 0.000169011297620409),
    "RP": (0.382719668454633, 0.505895415656219, -0.314981478333036, 0.0665302085130136,
           -0.00383780468169498, 6.50490784002505e-05, 1.57894227640801e-06,
           -0.00348740736346628, 0.00110877159426768, -1.8313141658225e-05),
}


def _edr3_k(band, teff, a0):
    c, x = EDR3_LAW[band], teff / 5040.0
    return (c[0] + c[1] * x + c[2] * x**2 + c[3] * x**3 + c[4] * a0 + c[5] * a0**2 + c[6] * a0**3
            + c[7] * x * a0 + c[8] * x**2 * a0 + c[9] * x * a0**2)


@pytest.mark.parametrize("teff", [4000.0, 5772.0, 8000.0])
@pytest.mark.parametrize("a_v", [0.1, 1.0, 3.0])
def test_gaia_extinction_against_the_edr3_law(teff, a_v):
    """A_G/A_V, A_BP/A_V, A_RP/A_V of dwarfs (log g 4.44) within 0.02 of the DPAC EDR3 law (taking
    A0 = A_V; the law's fit scatter is 3.5 %, 1.5 %, 1 %): MIST uses CCM, DPAC Fitzpatrick 2019.
    Measured: Sun-like at A_V = 1: A_G/A_V 0.849 vs 0.849, BP 1.058 vs 1.056, RP 0.640 vs 0.643."""
    r = mags(teff, 4.44, bands="G,BP,RP", a_v=a_v)
    for band in ("G", "BP", "RP"):
        assert r[f"A_{band}"] / a_v == pytest.approx(_edr3_k(band, teff, a_v), abs=0.02)


def test_extinction_grows_with_teff_and_is_linear_past_the_grid():
    r = mags(np.array([4000.0, 8000.0]), 4.5, bands="G", a_v=1.0)["A_G"]
    assert r[1] > r[0] + 0.15  # a bluer spectrum sees more extinction in the broad G band
    a = mags(5772.0, 4.44, bands="Ks", a_v=np.array([4.0, 6.0, 8.0]))
    assert a["A_Ks"][2] - a["A_Ks"][1] == pytest.approx(a["A_Ks"][1] - a["A_Ks"][0], abs=1e-12)
    np.testing.assert_array_equal(a["phot_extrapolated"], [False, False, True])


# --- behaviour --------------------------------------------------------------------------------


def test_scalars_give_scalar_shaped_arrays_and_shapes_broadcast():
    r = absolute_magnitudes(0.0, LOG_T_SUN, LOGG_SUN, 0.0, "G,V", a_v=0.5)
    assert set(r) == {"M_G", "M_V", "A_G", "A_V", "phot_extrapolated"}
    assert all(v.shape == () for v in r.values())
    r = absolute_magnitudes(np.zeros((3, 1)), np.full(4, LOG_T_SUN), LOGG_SUN, 0.0, "G")
    assert r["M_G"].shape == (3, 4) and r["phot_extrapolated"].shape == (3, 4)
    assert "A_G" not in r


def test_blocks_and_repeats_change_no_bit():
    rng = np.random.default_rng(7)
    n = 2 * mist_bc._BLOCK + 17
    args = (rng.uniform(-3, 5, n), rng.uniform(3.4, 5.0, n), rng.uniform(-1, 9, n), rng.uniform(-3, 0.7, n))
    av = rng.uniform(0, 7, n)
    a = absolute_magnitudes(*args, "default", av)
    b = absolute_magnitudes(*args, "default", av)
    idx = np.array([0, mist_bc._BLOCK - 1, mist_bc._BLOCK, n - 1])
    c = absolute_magnitudes(*(x[idx] for x in args), "default", av[idx])
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
        np.testing.assert_array_equal(a[k][idx], c[k])


def test_nan_in_nan_out():
    nan = np.nan
    r = absolute_magnitudes([nan, 0.0, 0.0, 0.0, 0.0], [LOG_T_SUN, nan, LOG_T_SUN, LOG_T_SUN, LOG_T_SUN],
                            [LOGG_SUN, LOGG_SUN, nan, LOGG_SUN, LOGG_SUN], [0.0, 0.0, 0.0, nan, 0.0],
                            "G,Ks", a_v=[0.0, 0.0, 0.0, 0.0, nan])
    for k in ("M_G", "A_Ks"):
        assert np.all(np.isnan(r[k][:4]))
    assert np.isnan(r["A_Ks"][4]) and np.isfinite(r["M_Ks"][4])
    assert not r["phot_extrapolated"].any()


def test_out_of_grid_is_clamped_and_flagged():
    r = mags(np.array([2000.0, 2500.0, 5772.0, 5772.0, 5772.0]), np.array([5.0, 5.0, 10.0, 4.4, 4.4]),
             np.array([0.0, 0.0, 0.0, -5.0, 1.0]), bands="G")
    np.testing.assert_array_equal(r["phot_extrapolated"], [True, False, True, True, True])
    assert r["M_G"][0] == r["M_G"][1]  # BC of the 2500 K edge


def test_bad_input_raises():
    with pytest.raises(InvalidParameterError, match="a_v"):
        absolute_magnitudes(0.0, LOG_T_SUN, LOGG_SUN, 0.0, "G", a_v=-0.1)
    with pytest.raises(UnknownNameError):
        absolute_magnitudes(0.0, LOG_T_SUN, LOGG_SUN, 0.0, "Gaia_G")
    with pytest.raises(UnknownNameError):
        load_table("HST_WFC3")


def _wide_mix(n=4000, seed=11):
    """Stars over and past every axis: off-grid Teff, log g and [Fe/H], A_V 0, inside and > 6,
    and NaN or infinite inputs."""
    rng = np.random.default_rng(seed)
    cols = [rng.uniform(-5, 6, n), rng.uniform(3.3, 6.1, n), rng.uniform(-4.5, 10, n),
            rng.uniform(-4.5, 1.0, n), rng.uniform(0, 8, n)]
    cols[4][::7] = 0.0
    for c in cols:
        c[rng.integers(0, n, 40)] = np.nan
    cols[0][rng.integers(0, n, 10)] = np.inf
    return cols


def test_a_bands_numbers_do_not_depend_on_the_other_bands():
    """The survey cuts on the limit's band alone, then computes every band for the kept stars:
    a band's M, A and flags must be the same bits whatever else is asked for."""
    lL, lT, lg, fe, av = _wide_mix()
    alone = absolute_magnitudes(lL, lT, lg, fe, "Ks", a_v=av)
    every = absolute_magnitudes(lL, lT, lg, fe, "all", a_v=av)
    for k in ("M_Ks", "A_Ks", "phot_extrapolated"):
        np.testing.assert_array_equal(alone[k], every[k])


def test_one_pass_gives_the_two_calls_numbers_bit_for_bit():
    """magnitudes.absolute_and_extinctions (one pass) against absolute_magnitudes then extinctions
    (the survey's former two calls): same bits, NaN where they have NaN, and the absolute
    magnitudes' flag (which does not count A_V > 6)."""
    from starmaker.photometry import magnitudes as mag

    lL, lT, lg, fe, av = _wide_mix()
    bands = ("G", "BP", "RP", "B", "V", "J", "H", "Ks", "W1", "SDSS_r")
    m0 = mag.absolute_magnitudes(lL, lT, lg, fe, bands)
    e0 = mag.extinctions(av, lT, lg, fe, bands)
    m1, e1 = mag.absolute_and_extinctions(lL, lT, lg, fe, av, bands)
    assert list(m1) == list(m0) and list(e1) == list(e0)
    for k in m0:
        np.testing.assert_array_equal(m1[k], m0[k])
    for k in e0:
        np.testing.assert_array_equal(e1[k], e0[k])
    assert np.isfinite(e1["G"][~np.isfinite(lL) & np.isfinite(lT) & np.isfinite(lg) & np.isfinite(fe)
                                & np.isfinite(av)]).all()  # A does not depend on L
    with pytest.raises(InvalidParameterError, match="a_v"):
        mag.absolute_and_extinctions(0.0, LOG_T_SUN, LOGG_SUN, 0.0, -0.1, ("G",))

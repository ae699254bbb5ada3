"""Dust: the analytic A_V of the double-exponential disc against brute-force integration and its
closed forms, and the Gaia band extinctions against the Gaia EDR3 extinction law."""

import numpy as np
import pytest

from starmaker.photometry.kurucz import R_V, band_extinction
from starmaker.photometry.magnitudes import extinctions
from starmaker.place.dust import DustDisk

#: the accuracy DustDisk.a_v claims against numerical integration (its docstring)
A_V_CLAIMED = 0.02
#: midpoint rule with 4000 steps: within 0.02 % of 16000 steps everywhere on this grid
NUMERIC_STEPS = 4000
#: closed forms evaluated two ways: rounding only
EXACT = 1e-12
#: tolerance on A_x/A_V against the published law, as asked
BAND_TOLERANCE = 0.03

DUST = DustDisk()

# the grid: every quadrant, the plane, both poles, 10 pc to 20 kpc
L_GRID = np.arange(0.0, 360.0, 30.0)
B_GRID = np.array([-90.0, -60.0, -30.0, -10.0, -5.0, -2.0, -1.0, 0.0, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 90.0])
D_GRID = np.array([10.0, 30.0, 100.0, 300.0, 500.0, 700.0, 1000.0, 3000.0, 8000.0, 15000.0, 20000.0])


@pytest.fixture(scope="module")
def grid():
    L, B, D = np.meshgrid(L_GRID, B_GRID, D_GRID, indexing="ij")
    return L, B, D, DUST.a_v(L, B, D), DUST.a_v_numeric(L, B, D, steps=NUMERIC_STEPS)


def test_analytic_a_v_matches_numeric_integration_everywhere(grid):
    """DustDisk.a_v's docstring: within 2 % of numerical integration, over the whole grid."""
    *_, analytic, numeric = grid
    np.testing.assert_allclose(analytic, numeric, rtol=A_V_CLAIMED)


def test_analytic_a_v_matches_numeric_integration_within_700_pc(grid):
    """Where the 2 % claim does hold: every direction (b = 0 and the poles included) out to
    700 pc (measured: 1.6 % at most, at (l 0, b -30, 700 pc); 2.5 % at 1 kpc, (0, -20))."""
    _, _, D, analytic, numeric = grid
    near = D <= 700.0
    np.testing.assert_allclose(analytic[near], numeric[near], rtol=A_V_CLAIMED)


def test_a_v_toward_the_poles_is_the_closed_form():
    """At |b| = 90 the path stays at R = R_sun, and the z integral is exact:
    A_V = a0 h_z e^{-z_sun/h_z} (1 - e^{-d/h_z}) north; south the path crosses the plane at
    s = z_sun: a0 h_z [(1 - e^{-z_sun/h_z}) + (1 - e^{-(d - z_sun)/h_z})]."""
    a0, h, z0 = DUST.a0_mag_per_kpc / 1000.0, DUST.h_z_pc, DUST.z_sun_pc
    d = np.geomspace(20.0, 20_000.0, 40)
    north = a0 * h * np.exp(-z0 / h) * -np.expm1(-d / h)
    south = a0 * h * (-np.expm1(-z0 / h) - np.expm1(-(d - z0) / h))
    # a_v leaves out the dust beyond 8 scale heights of the plane: at most e^-8 = 3.4e-4 of it
    np.testing.assert_allclose(DUST.a_v(0.0, 90.0, d), north, rtol=np.exp(-8.0))
    np.testing.assert_allclose(DUST.a_v(0.0, -90.0, d), south, rtol=np.exp(-8.0))


def test_no_dust_at_zero_distance():
    L, B = np.meshgrid(L_GRID, B_GRID)
    assert np.all(DUST.a_v(L, B, 0.0) == 0.0)


def test_a_v_never_decreases_with_distance():
    l = np.arange(0.0, 360.0, 10.0)[:, None, None]
    b = np.array([-90.0, -10.0, -2.0, -1.0, 0.0, 1.0, 2.0, 10.0, 90.0])[None, :, None]
    d = np.geomspace(10.0, 20_000.0, 300)[None, None, :]
    assert np.all(np.diff(DUST.a_v(l, b, d), axis=-1) >= 0.0)


def test_a_v_increases_with_distance_where_the_model_holds():
    # every direction out to 5 kpc, and |b| >= 2 deg all the way to 20 kpc (see the xfail above)
    l = np.arange(0.0, 360.0, 10.0)[:, None, None]
    b = np.array([-90.0, -30.0, -10.0, -2.0, -1.0, 0.0, 1.0, 2.0, 10.0, 30.0, 90.0])[None, :, None]
    d = np.geomspace(10.0, 5000.0, 200)[None, None, :]
    # strictly while the path is in the dust (within 8 scale heights of the plane), then flat
    a = DUST.a_v(l, b, d)
    z = np.broadcast_to(np.abs(DUST.z_sun_pc + d * np.sin(np.radians(b))), a.shape)
    assert np.all(np.diff(a, axis=-1)[(z < 7.5 * DUST.h_z_pc)[..., 1:]] > 0.0)
    assert np.all(np.diff(a, axis=-1) >= 0.0)
    b = np.array([-90.0, -30.0, -10.0, -2.0, 2.0, 10.0, 30.0, 90.0])[None, :, None]
    d = np.geomspace(10.0, 20_000.0, 200)[None, None, :]
    assert np.all(np.diff(DUST.a_v(l, b, d), axis=-1) >= 0.0)


def test_a_v_in_the_plane_toward_l90():
    """Toward l = 90 in the plane the path stays within 16 pc of R_sun over 1 kpc, so
    A_V ≈ a0 × 1 kpc × e^{-z_sun/h_z} (= 0.898 mag for a0 = 1 mag/kpc, h_z = 140 pc), within 2 %."""
    expected = DUST.a0_mag_per_kpc * 1.0 * np.exp(-DUST.z_sun_pc / DUST.h_z_pc)
    assert DUST.a_v(90.0, 0.0, 1000.0) == pytest.approx(expected, rel=0.02)
    assert DUST.a_v(270.0, 0.0, 1000.0) == pytest.approx(expected, rel=0.02)


def test_north_south_symmetry_but_for_the_sun_offset():
    """With the Sun in the plane (z_sun = 0) the disc is mirror-symmetric: A_V(l, b) = A_V(l, -b).
    With z_sun = 15 pc above it, the south sees more dust, by at most e^{2 z_sun/h_z} = 1.239
    (the density ratio at mirror points is between 1 and that)."""
    l = L_GRID[:, None, None]
    b = np.array([1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 90.0])[None, :, None]
    d = D_GRID[None, None, :]
    flat = DustDisk(z_sun_pc=0.0)
    np.testing.assert_allclose(flat.a_v(l, b, d), flat.a_v(l, -b, d), rtol=EXACT)
    north, south = DUST.a_v(l, b, d), DUST.a_v(l, -b, d)
    ratio = south / north
    assert np.all(ratio >= 1.0)
    assert np.all(ratio <= np.exp(2 * DUST.z_sun_pc / DUST.h_z_pc) * (1 + EXACT))


def test_a_v_broadcasts():
    assert np.shape(DUST.a_v(10.0, 5.0, 100.0)) == ()
    assert DUST.a_v(np.zeros((3, 1)), np.zeros(4), 100.0).shape == (3, 4)
    assert DUST.a_v(np.zeros((3, 4)), 0.0, np.full((3, 4), 100.0)).shape == (3, 4)


# --- band extinction ------------------------------------------------------------------------------

#: The Gaia EDR3 extinction law of DPAC (Riello et al. 2021, A&A 649, A3; Fitzpatrick et al. 2019
#: curve, Kurucz spectra, EDR3 passbands), https://www.cosmos.esa.int/web/gaia/edr3-extinction-law,
#: file Fitz19_EDR3_MainSequence.csv (as shipped in dustapprox 0.2.0), rows "TeffNorm":
#: k_x = A_x/A0 = c0 + c1 X + c2 X^2 + c3 X^3 + c4 A + c5 A^2 + c6 A^3 + c7 X A + c8 X^2 A + c9 X A^2,
#: X = Teff / 5040 K, A = A0. Fit uncertainty 3.5 %, 1.5 %, 1 % in G, BP, RP (that page).
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


def edr3_k(band, teff, a0):
    c = EDR3_LAW[band]
    x = teff / 5040.0
    return (c[0] + c[1] * x + c[2] * x**2 + c[3] * x**3 + c[4] * a0 + c[5] * a0**2 + c[6] * a0**3
            + c[7] * x * a0 + c[8] * x**2 * a0 + c[9] * x * a0**2)


def test_edr3_law_transcription():
    # the DPAC law at a solar-type star, A0 -> 0: k_G 0.877, k_BP 1.074, k_RP 0.649 (to 0.001)
    assert edr3_k("G", 5800.0, 0.01) == pytest.approx(0.877, abs=1e-3)
    assert edr3_k("BP", 5800.0, 0.01) == pytest.approx(1.074, abs=1e-3)
    assert edr3_k("RP", 5800.0, 0.01) == pytest.approx(0.649, abs=1e-3)


_BP_XFAIL = pytest.mark.xfail(
    strict=True,
    reason="the Kurucz path (bands *_kurucz, and the survey's until it moves to the registry): A_BP/A_V "
    "of a 5800 K dwarf from the dustapprox Kurucz grid (F99 law) is 1.117, the Gaia EDR3 law (F19) "
    "1.073 at A0 = 0.05 and 1.057 at A0 = 1: 0.044 and 0.060 apart (G and RP agree within 0.03); "
    "E(BP-RP)/A_V is 0.472 against 0.424. The default (MIST) bands agree: 1.058 at A_V = 1",
)


def _edr3_cases():
    for a_v in (0.05, 1.0):
        for band in ("G", "RP", "BP"):
            yield pytest.param("mist", band, a_v, id=f"mist-{band}-{a_v:g}")
            marks = [_BP_XFAIL] if band == "BP" else []
            yield pytest.param("kurucz", band, a_v, marks=marks, id=f"kurucz-{band}-{a_v:g}")


@pytest.mark.parametrize("source, band, a_v", list(_edr3_cases()))
def test_solar_type_band_extinction_matches_the_gaia_edr3_law(source, band, a_v):
    """A_x/A_V of a 5800 K dwarf (log g 4.44, [Fe/H] 0) against the DPAC EDR3 law (A0 taken as
    A_V, as starmaker does), within 0.03, at small A_V and at 1 mag: the default bands (MIST's
    own extinction, CCM R_V = 3.1 through each star's spectrum; measured: G, BP, RP 0.877, 1.075,
    0.648 at A_V = 0.05 and 0.850, 1.059, 0.641 at 1 mag) and the Kurucz path."""
    if source == "mist":
        ours = extinctions(a_v, np.log10(5800.0), 4.44, 0.0, (band,))[band] / a_v
    else:
        ours = band_extinction(a_v, 5800.0)[band] / a_v
    assert ours == pytest.approx(edr3_k(band, 5800.0, a_v), abs=BAND_TOLERANCE)


def test_hotter_stars_have_larger_a_g_over_a_v():
    # a bluer spectrum puts the G band's effective wavelength where dust extinguishes more
    # (EDR3 law: k_G 0.77 at 4000 K, 0.96 at 8000 K)
    teff = np.linspace(3500.0, 40_000.0, 300)
    for a_v in (0.1, 1.0, 3.0, 8.0):
        ratio = band_extinction(a_v, teff)["G"] / a_v
        assert np.all(np.diff(ratio) > 0.0)
    assert band_extinction(1.0, 8000.0)["G"] > band_extinction(1.0, 4000.0)["G"] + 0.15


def test_johnson_bands_follow_r_v():
    # Cardelli, Clayton & Mathis (1989): R_V = A_V / E(B - V) = 3.1
    a_v = np.array([0.0, 0.3, 1.0, 5.0])
    e = band_extinction(a_v, 5800.0)
    assert R_V == 3.1
    np.testing.assert_allclose(e["V"], a_v, rtol=EXACT)
    np.testing.assert_allclose(e["B"] - e["V"], a_v / 3.1, rtol=EXACT, atol=EXACT)


def test_no_dust_no_extinction():
    e = band_extinction(0.0, np.array([3500.0, 5800.0, 20_000.0]))
    for band in ("G", "BP", "RP", "B", "V"):
        assert np.all(e[band] == 0.0)


def test_nan_teff_gives_nan():
    e = band_extinction(np.array([1.0, 1.0]), np.array([np.nan, 5800.0]))
    for band in ("G", "BP", "RP"):
        assert np.isnan(e[band][0]) and np.isfinite(e[band][1])


def test_band_extinction_broadcasts():
    e = band_extinction(1.0, 5800.0)
    assert all(np.shape(v) == () for v in e.values())
    e = band_extinction(1.0, np.full((3, 4), 5800.0))
    assert all(v.shape == (3, 4) for v in e.values())
    e = band_extinction(np.linspace(0.0, 5.0, 4), np.full((3, 1), 5800.0))
    assert all(v.shape == (3, 4) for v in e.values())

"""The Milky Way components against the Besançon model as published (Robin et al. 2003, A&A 409,
523, "R03", Tables 2 and 3; as set up in Galaxia, Sharma et al. 2011, ApJ 730, 3, "S11",
Table 1), and against the measured local stellar surface density (McKee et al. 2015).

Generic checks run over every component of ``milky_way_components()``, the way galpy's
tests/test_potential.py runs the same checks over every potential."""

import math

import numpy as np
import pytest

from starmaker.errors import UnknownNameError
from starmaker.galaxy.components import (
    COMPONENT_NAMES,
    THIN_DISK_BINS,
    THIN_DISK_EPS,
    THIN_DISK_LOCAL_SCALE,
    YOUNG_THIN_EPS,
    Bulge,
    Halo,
    ThickDisk,
    ThinDisk,
    milky_way_components,
)

#: a density evaluated at the point it is normalised at: rounding only
NORMALISATION = 1e-9
#: R03 Table 3 / S11 Table 1: local densities (Msun pc^-3) of living stars of the seven thin-disc
#: age bins (0-0.15, 0.15-1, 1-2, 2-3, 3-5, 5-7, 7-10 Gyr), the thick disc and the stellar halo
R03_THIN_RHO0 = (4.0e-3, 7.9e-3, 6.2e-3, 4.0e-3, 5.8e-3, 4.9e-3, 6.6e-3)
R03_THICK_RHO0 = 1.34e-3
R03_HALO_RHO0 = 9.32e-6
#: R03 Table 3: axis ratios eps of the seven thin-disc bins (Einasto laws), youngest first
R03_THIN_EPS = (0.0140, 0.0268, 0.0375, 0.0551, 0.0696, 0.0785, 0.0791)
#: R03 sect. 2.4 / S11: bulge N = 13.7 stars pc^-3 at the centre; S11's code takes 0.255 Msun per
#: star (mean mass of the Salpeter IMF from 0.07 to 100 Msun)
R03_BULGE_CENTRE = 13.7 * 0.255
#: McKee, Parravano & Hollenbach (2015, ApJ 814, 13), abstract: local surface density of visible
#: stars (main sequence and giants, i.e. living stars) 27.0 +- 2.7 Msun pc^-2; the local density
#: of all matter (stars, remnants, gas, dark matter) 0.097 +- 0.013 Msun pc^-3
MCKEE_SIGMA_STARS, MCKEE_SIGMA_STARS_ERR = 27.0, 2.7
MCKEE_RHO_TOTAL, MCKEE_RHO_TOTAL_ERR = 0.097, 0.013
#: agreement with a measurement: within 2 sigma (95 %)
N_SIGMA = 2.0

SUN = (-8000.0, 0.0, 15.0)  # galactocentric (x, y, z) pc, starmaker.place.frames


@pytest.fixture(scope="module")
def components():
    return {c.name: c for c in milky_way_components()}


# --- generic checks over every component ---------------------------------------------------------


def test_components_are_the_four_of_r03(components):
    assert tuple(components) == COMPONENT_NAMES == ("thin_disk", "thick_disk", "halo", "bulge")
    assert isinstance(components["thin_disk"], ThinDisk)
    assert isinstance(components["bulge"], Bulge)


@pytest.mark.parametrize("name", COMPONENT_NAMES)
def test_density_is_finite_non_negative_and_broadcasts(components, name):
    c = components[name]
    # scalar in, scalar-shaped out
    assert np.shape(c.density(*SUN)) == ()
    # arrays of one shape, and arrays that broadcast to it
    rng = np.random.default_rng(1)
    x, y, z = (rng.uniform(-30_000.0, 30_000.0, (3, 4)) for _ in range(3))
    rho = c.density(x, y, z)
    assert rho.shape == (3, 4)
    assert np.all(np.isfinite(rho)) and np.all(rho >= 0.0)
    assert c.density(x, 0.0, z).shape == (3, 4)
    assert c.density(np.zeros((3, 1)), np.zeros(4), 100.0).shape == (3, 4)
    # including the centre, the plane and far away
    pts = np.array([[0.0, 0.0, 0.0], [-8000.0, 0.0, 0.0], [1e5, 1e5, 1e5], [0.0, 0.0, -5000.0]]).T
    rho = c.density(*pts)
    assert np.all(np.isfinite(rho)) and np.all(rho >= 0.0)


@pytest.mark.parametrize("name", COMPONENT_NAMES)
def test_density_is_mirror_symmetric_about_the_plane(components, name):
    c = components[name]
    x = np.linspace(-15_000.0, 15_000.0, 31)[:, None]
    z = np.linspace(0.0, 5000.0, 21)[None, :]
    np.testing.assert_allclose(c.density(x, 300.0, z), c.density(x, 300.0, -z), rtol=1e-13)


def test_unknown_component_name():
    with pytest.raises(UnknownNameError, match="spiral_arms"):
        milky_way_components(["thin_disk", "spiral_arms"])


def test_a_subset_by_name():
    assert [c.name for c in milky_way_components(["halo"])] == ["halo"]


# --- normalisation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, published",
    [
        # R03 Table 3: the sum of the seven bins, times starmaker's Hipparcos renormalisation
        ("thin_disk", sum(R03_THIN_RHO0) * THIN_DISK_LOCAL_SCALE),
        ("thick_disk", R03_THICK_RHO0),  # R03 Table 3
        ("halo", R03_HALO_RHO0),  # R03 Table 3
    ],
)
def test_density_at_the_sun_is_the_published_local_density(components, name, published):
    assert components[name].density(*SUN) == pytest.approx(published, rel=NORMALISATION)


def test_thin_disc_bins_are_r03_table3():
    pops = ThinDisk().populations
    assert len(pops) == 7
    for p, rho, k in zip(pops, R03_THIN_RHO0, range(7), strict=True):
        assert p.rho0 == pytest.approx(rho * THIN_DISK_LOCAL_SCALE, rel=NORMALISATION)
        assert p.density_key == k
    # as published, without the renormalisation: 0.0394 Msun pc^-3
    assert ThinDisk(local_scale=1.0).density(*SUN) == pytest.approx(0.0394, rel=NORMALISATION)


def test_bulge_is_normalised_at_the_centre(components):
    # R03 normalises the bulge by its central star density, not at the Sun
    assert components["bulge"].density(0.0, 0.0, 0.0) == pytest.approx(R03_BULGE_CENTRE, rel=NORMALISATION)
    assert components["bulge"].shape(0.0, 0.0, 0.0) == pytest.approx(1.0, rel=NORMALISATION)
    # and it is negligible at the Sun
    assert components["bulge"].density(*SUN) < 1e-20


@pytest.mark.parametrize("name", ["thin_disk", "thick_disk", "halo"])
def test_shape_is_one_at_the_sun(components, name):
    c = components[name]
    for p in c.populations:
        assert c.shape(*SUN, p.density_key) == pytest.approx(1.0, rel=NORMALISATION)


# --- shapes: R03 Table 2 ----------------------------------------------------------------------------


def falls(s):
    """Non-increasing, and strictly decreasing until it underflows to 0."""
    d = np.diff(s)
    return bool(np.all(d <= 0.0) and np.all(d[s[1:] > 0.0] < 0.0))


@pytest.mark.parametrize("name", COMPONENT_NAMES)
def test_density_falls_away_from_the_plane(components, name):
    """At every R for the thick disc, halo and bulge; for the thin disc outside R03's Einasto hole
    (the hole is in a^2 = R^2 + z^2/eps^2, so inside R = 3.8 kpc the thin disc's density first
    rises with |z|: R03 Table 2 as published; the halo is flat inside its core)."""
    c = components[name]
    z = np.linspace(0.0, 10_000.0, 2001)
    radii = (4000.0, 8000.0, 15_000.0) if name == "thin_disk" else (0.0, 3000.0, 8000.0, 15_000.0)
    for R in radii:
        for p in c.populations:
            s = c.shape(-R + 0 * z, 0 * z, z, p.density_key)
            if name == "halo" and R < Halo.A_C:  # flat inside the 500 pc core, then falls
                assert np.all(np.diff(s) <= 0.0) and falls(s[z > Halo.EPS * Halo.A_C]), R
            else:
                assert falls(s), (R, p.name)
            assert s[-1] < s[0], (R, p.name)


def test_density_falls_outward_in_r(components):
    """Outward from 4 kpc in the plane (and 500 pc above it) every law falls. (R03's Einasto
    thin-disc laws have a central hole: they peak at R = 3.8 kpc for the youngest bin, 2.2 kpc for
    the others; the halo is flat inside its 500 pc core; the bulge is cut beyond R_c = 2.54 kpc.)"""
    R = np.linspace(4000.0, 30_000.0, 2601)
    for c in components.values():
        for p in c.populations:
            for z in (0.0, 500.0):
                s = c.shape(-R, 0 * R, z + 0 * R, p.density_key)
                assert falls(s), (c.name, p.name, z)
    # the thick disc and the halo (beyond its core) fall from the centre out
    R = np.linspace(500.0, 30_000.0, 2951)
    for name in ("thick_disk", "halo"):
        s = components[name].density(-R, 0 * R, 0 * R)
        assert falls(s), name


def test_thin_disc_hole_is_where_r03_puts_it():
    # R03 Table 2 Einasto laws: the youngest bin peaks at R^2 = ln(h+^2/h-^2)/(1/h-^2 - 1/h+^2)
    # with h+ = 5000, h- = 3000 pc: R = 3.79 kpc
    R = np.linspace(0.0, 10_000.0, 10_001)
    s = ThinDisk().shape(-R, 0 * R, 0 * R, 0)
    peak = math.sqrt(math.log(5000.0**2 / 3000.0**2) / (1 / 3000.0**2 - 1 / 5000.0**2))
    assert R[np.argmax(s)] == pytest.approx(peak, abs=1.0)


def test_older_thin_disc_bins_are_thicker():
    """R03 Table 3: the axis ratio eps grows with age (0.0140 ... 0.0791), so the height at which
    the density at the Sun falls to half grows bin by bin (measured: 59, 115, 215, 316, 399, 450,
    454 pc; 154 pc for the 0.15-1 Gyr bin with R03's 0.0268 instead of YOUNG_THIN_EPS = 0.020,
    which the A stars' scale height sets: tests/test_populations.py)."""
    assert tuple(b[2] for b in THIN_DISK_BINS) == R03_THIN_EPS
    assert THIN_DISK_EPS == (R03_THIN_EPS[0], YOUNG_THIN_EPS, *R03_THIN_EPS[2:])
    assert np.all(np.diff(R03_THIN_EPS) > 0) and np.all(np.diff(THIN_DISK_EPS) > 0)
    td = ThinDisk()
    z = np.linspace(0.0, 3000.0, 30_001)
    half = []
    for k in range(7):
        s = td.shape(-8000.0 + 0 * z, 0 * z, z, k)
        half.append(z[np.argmax(s < 0.5 * s[0])])
    assert np.all(np.diff(half) > 0.0), half


def test_thick_disc_is_continuous_at_x_l():
    """R03 Table 2: parabolic within x_l = 400 pc, exponential (h_z = 800 pc) beyond; the two
    meet at |z| = x_l in value and slope (both 2 h_z / (2 h_z + x_l) and -2 / (2 h_z + x_l))."""
    td = ThickDisk()
    assert (td.X_L, td.H_Z, td.H_R) == (400.0, 800.0, 2500.0)

    def f(z):
        return td.shape(-8000.0, 0.0, z) * math.exp(-8000.0 / 2500.0) / td.shape(-8000.0, 0.0, 0.0)

    xl, hz, h = 400.0, 800.0, 1.0
    below, above = f(xl - 1e-9), f(xl + 1e-9)
    assert below == pytest.approx(above, rel=1e-9)
    # second-order one-sided slopes (exact for the parabola; O(h^2/h_z^2) for the exponential)
    inner = (3 * f(xl) - 4 * f(xl - h) + f(xl - 2 * h)) / (2 * h)
    outer = (-3 * f(xl) + 4 * f(xl + h) - f(xl + 2 * h)) / (2 * h)
    assert inner == pytest.approx(outer, rel=1e-5)
    # and the values R03 gives, relative to the plane
    f0 = f(0.0)
    assert f(xl) / f0 == pytest.approx(2 * hz / (2 * hz + xl), rel=1e-12)
    assert inner / f0 == pytest.approx(-2 / (2 * hz + xl), rel=1e-5)


def test_halo_axis_ratio():
    """R03 Table 2: the halo's density depends on a^2 = R^2 + z^2/eps^2, eps = 0.76, flat inside
    a_c = 500 pc, and falls as a^-2.44 beyond."""
    h = Halo()
    R = np.geomspace(600.0, 100_000.0, 50)
    np.testing.assert_allclose(h.density(-R, 0 * R, 0 * R), h.density(0 * R, 0 * R, 0.76 * R), rtol=1e-12)
    slope = np.diff(np.log(h.density(-R, 0 * R, 0 * R))) / np.diff(np.log(R))
    np.testing.assert_allclose(slope, -2.44, rtol=1e-10)
    core = np.linspace(0.0, 490.0, 10)
    np.testing.assert_allclose(h.density(-core, 0 * core, 0 * core), h.density(0.0, 0.0, 0.0), rtol=1e-14)


def test_bulge_peaks_at_the_centre_and_its_bar_points_at_11_degrees():
    """R03 sect. 2.4, Table 5: the bar's major axis is at 90 - 78.9 = 11.1 deg from the Sun-centre
    line, its near end at positive longitude (first quadrant)."""
    b = Bulge()
    x, y, z = np.meshgrid(*(np.linspace(-4000.0, 4000.0, 41),) * 3, indexing="ij")
    assert b.density(x, y, z).max() == pytest.approx(b.density(0.0, 0.0, 0.0), rel=1e-14)
    # the direction of the densest point on circles around the centre, in the plane; phi is
    # measured from the centre toward the Sun (-x), positive toward +y (l > 0 from the Sun)
    phi = np.radians(np.linspace(-90.0, 90.0, 18_001))
    for r in (500.0, 1000.0, 2000.0):
        s = b.shape(-r * np.cos(phi), r * np.sin(phi), 0 * phi)
        assert math.degrees(phi[np.argmax(s)]) == pytest.approx(11.1, abs=0.02)
    # the near end is on the positive-longitude side: seen from the Sun, at l > 0
    r, t = 1000.0, math.radians(11.1)
    near, far = (-r * math.cos(t), r * math.sin(t)), (-r * math.cos(t), -r * math.sin(t))
    assert b.density(*near, 0.0) > b.density(*far, 0.0)
    # and its axis ratio: x0 / y0 = 1590 / 424 (R03 Table 3)
    ax = b.shape(-1590.0 * math.cos(t), 1590.0 * math.sin(t), 0.0)
    perp = b.shape(424.0 * math.sin(t), 424.0 * math.cos(t), 0.0)
    assert ax == pytest.approx(perp, rel=1e-12)


# --- populations ------------------------------------------------------------------------------------


def test_alive_fractions(components):
    """The fraction of the initial mass still in living stars is in (0, 1]; the youngest thin-disc
    bin (< 150 Myr) has lost only its massive stars (> 0.9 left: measured 0.943), and the fraction
    falls bin by bin with age (measured 0.943, 0.865, 0.796, 0.750, 0.706, 0.662, 0.608)."""
    for c in components.values():
        for p in c.populations:
            assert 0.0 < p.alive_fraction <= 1.0, p.name
    thin = [p.alive_fraction for p in components["thin_disk"].populations]
    assert thin[0] > 0.9
    assert np.all(np.diff(thin) < 0.0)
    for p in components["thin_disk"].populations:
        assert p.rho0_initial == pytest.approx(p.rho0 / p.alive_fraction, rel=1e-12)


def surface_density(component, zmax=20_000.0, n=400_001):
    """Sigma = integral of rho(R_sun, z) dz over |z| < 20 kpc (Msun pc^-2); 0.1 pc steps."""
    z = np.linspace(-zmax, zmax, n)
    return float(np.trapezoid(component.density(-8000.0, 0.0, z), z))


def test_stellar_surface_density_at_the_sun():
    """McKee et al. (2015): living stars at the solar circle, 27.0 +- 2.7 Msun pc^-2; R03's rho0
    is also living-star mass, so the two compare directly. Measured: thin disc 19.06 (R03's local
    densities: 25.18), thick disc 2.72, halo 0.13 Msun pc^-2; total 21.91, 1.9 sigma below
    McKee's value (R03's densities: 28.02, 0.4 sigma above). Both within 2 sigma. (With R03's
    axis ratio for the 0.15-1 Gyr bin instead of YOUNG_THIN_EPS the thin disc held 19.58 and the
    total 22.42 Msun pc^-2.)"""
    thin, thick, halo = ThinDisk(), ThickDisk(), Halo()
    sigma_thin = surface_density(thin)
    sigma_thin_r03 = surface_density(ThinDisk(local_scale=1.0))
    rest = surface_density(thick) + surface_density(halo)
    assert sigma_thin == pytest.approx(THIN_DISK_LOCAL_SCALE * sigma_thin_r03, rel=1e-12)
    # the integral converged: 20 kpc and 0.1 pc steps
    assert surface_density(thin, zmax=10_000.0, n=100_001) == pytest.approx(sigma_thin, rel=1e-6)
    for total in (sigma_thin + rest, sigma_thin_r03 + rest):
        assert total == pytest.approx(MCKEE_SIGMA_STARS, abs=N_SIGMA * MCKEE_SIGMA_STARS_ERR)


def remnant_fraction(p, n_ages=41):
    """Mass in remnants per unit initial mass of a population today: white dwarfs (Cummings et al.
    2018 IFMR) below 8 Msun, neutron stars and black holes (Raithel et al. 2018) above, for the
    stars whose MIST lifespan is shorter than their age; ages at quantiles of the population's
    star-formation history."""
    from starmaker.evolution.isochrones import lifespan
    from starmaker.evolution.remnants import M_WD_MAX, ifmr_cummings2018, ns_bh_mass

    edges = np.geomspace(p.imf.m_min, p.imf.m_max, 4001)
    m = np.sqrt(edges[1:] * edges[:-1])
    w = p.imf.pdf(m) * np.diff(edges)  # number per mass bin
    rem = np.where(m < M_WD_MAX, ifmr_cummings2018(m), ns_bh_mass(m)[0])
    life, _ = lifespan(m, np.clip(p.feh_mean, -2.5, 0.5))
    ages = np.quantile(p.sfh.sample_ages(4001, np.random.default_rng(1)), np.linspace(0.0, 1.0, n_ages))
    dead = np.mean([(w * rem * (life < a)).sum() for a in ages])
    return dead / (w * m).sum()


@pytest.mark.parametrize(
    "name",
    [
        "thin_disk",
        "thick_disk",
        "halo",
    ],
)
def test_remnants_at_the_sun_fit_in_the_local_mass_budget(components, name):
    """Dead stars follow from each population's initial mass (rho0 / alive_fraction). Their mass
    density at the Sun cannot exceed that of all matter there, 0.097 +- 0.013 Msun pc^-3 (McKee
    et al. 2015), within 2 sigma. Measured: thin disc 0.0029, halo 0.0023, thick disc 0.27."""
    c = components[name]
    rho_remnants = sum(p.rho0_initial * remnant_fraction(p) for p in c.populations)
    assert rho_remnants < MCKEE_RHO_TOTAL + N_SIGMA * MCKEE_RHO_TOTAL_ERR

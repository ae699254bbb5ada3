"""Stellar motions: made velocities against the published kinematics (through astropy's
independent frame transformation), and real stars moved through time against astropy's
``SkyCoord.apply_space_motion`` (ERFA's starpm)."""

import numpy as np
import pytest

import starmaker as sm
from starmaker.errors import StarmakerError
from starmaker.place.frames import galactic_to_icrs, galactocentric
from starmaker.place.kinematics import SUN_UVW_KMS, THIN_DISK_AVR, propagate, space_motion
from starmaker.schema import COMPONENTS

ARCSEC = 1.0 / 3600.0


@pytest.fixture(autouse=True, scope="module")
def _no_iers_download():
    from astropy.utils import iers

    iers.conf.auto_download = False


def _uvw_by_astropy(ra, dec, d, pmra, pmdec, rv):
    """Heliocentric (U, V, W) in km/s from the made columns, by astropy's Galactic frame."""
    import astropy.units as u
    from astropy.coordinates import SkyCoord

    c = SkyCoord(ra=ra * u.deg, dec=dec * u.deg, distance=d * u.pc, pm_ra_cosdec=pmra * u.mas / u.yr,
                 pm_dec=pmdec * u.mas / u.yr, radial_velocity=rv * u.km / u.s, frame="icrs").galactic
    v = c.velocity
    return v.d_x.to_value(u.km / u.s), v.d_y.to_value(u.km / u.s), v.d_z.to_value(u.km / u.s)


def _local_stars(n, component, age, seed=1):
    rng = np.random.default_rng(seed)
    v = rng.standard_normal((n, 3))
    v /= np.linalg.norm(v, axis=1)[:, None]
    l_deg = np.degrees(np.arctan2(v[:, 1], v[:, 0])) % 360
    b_deg = np.degrees(np.arcsin(v[:, 2]))
    d = 20.0 + 30.0 * rng.random(n)  # 20-50 pc: the solar neighbourhood
    ra, dec = galactic_to_icrs(l_deg, b_deg)
    x, y, z, _ = galactocentric(l_deg, b_deg, d)
    codes = np.full(n, COMPONENTS.index(component), np.int8)
    pmra, pmdec, rv = space_motion(codes, np.full(n, age), ra, dec, d, x, y, z, rng.standard_normal((n, 3)))
    return _uvw_by_astropy(ra, dec, d, pmra, pmdec, rv)


@pytest.mark.parametrize("k", [0, 2, 4, 6])
def test_thin_disk_velocity_ellipsoid_is_robin2003(k):
    """Solar-neighbourhood thin-disc stars of one age bin: σ_U, σ_V, σ_W as in Robin et al.
    (2003, Table 2; Galaxia, Sharma et al. 2011, Table 1) within 3 % (20,000 stars: sampling
    error 0.5 %), recovered through astropy's ICRS -> Galactic transformation of the written
    pmra, pmdec and radial_velocity; the mean motion is the Sun's reflex (Dehnen & Binney
    1998: U, W = -10.00, -7.17 km/s) and V = -(5.25 + v_a), v_a = σ_U²/80 km/s (Strömberg's
    relation with DB98's own intercept), within 0.6 km/s plus 3 standard errors."""
    age = [0.1e9, 0.5e9, 1.5e9, 2.5e9, 4e9, 6e9, 8e9][k]
    su, sv, sw = THIN_DISK_AVR[k][1:]
    U, V, W = _local_stars(20_000, "thin_disk", age)
    np.testing.assert_allclose([np.std(U), np.std(V), np.std(W)], [su, sv, sw], rtol=0.03)
    assert SUN_UVW_KMS == (10.00, 5.25, 7.17)
    lag = su**2 / 80.0
    expected = [-SUN_UVW_KMS[0], -(SUN_UVW_KMS[1] + lag), -SUN_UVW_KMS[2]]
    standard_error = su / np.sqrt(len(U))
    np.testing.assert_allclose([np.mean(U), np.mean(V), np.mean(W)], expected, atol=0.6 + 3 * standard_error)


def test_halo_does_not_rotate():
    """The halo (R03: σ = 131, 106, 85 km/s, no rotation) lags the Sun by Θ0 + V⊙ = 243.25 km/s
    (Bland-Hawthorn & Gerhard 2016: Θ0 = 238; Dehnen & Binney 1998: V⊙ = 5.25) within 3 σ/√n."""
    U, V, W = _local_stars(20_000, "halo", 13e9)
    assert np.mean(V) == pytest.approx(-(238.0 + 5.25), abs=3 * 106 / np.sqrt(20_000))
    np.testing.assert_allclose([np.std(U), np.std(V), np.std(W)], [131, 106, 85], rtol=0.03)


@pytest.fixture(scope="module")
def sky_v65():
    return sm.MilkyWay().make("V<6.5", seed=1)


def test_made_naked_eye_proper_motions_match_hipparcos(sky_v65):
    """The made V < 6.5 sky moves like the real one: the median total proper motion of made
    stars against Hipparcos 2's (van Leeuwen 2007) V < 6.5 stars, within 25 % (measured:
    1.067 (38.3 against 35.9 mas/yr); 1.18 with SBD10's V⊙ and Strömberg's drift; the made
    sky's A and F stars are nearer than Hipparcos'), and the made stars each have a velocity."""
    h = sm.hipparcos()
    real = np.hypot(h["pmra"], h["pmdec"])[h["V"] < 6.5]
    made = np.hypot(sky_v65["pmra"], sky_v65["pmdec"])
    assert np.isfinite(made).all() and np.isfinite(sky_v65["radial_velocity"]).all()
    assert np.nanmedian(made) / np.nanmedian(real) == pytest.approx(1.0, abs=0.25)


def test_local_tangential_velocities_match_hipparcos():
    """The volume Hipparcos 2 covers completely (M_V < 3 within 100 pc, 4,795 stars; as in the
    thin disc's local normalisation): the made stars' median tangential velocity against the
    real one within 15 % (measured 22.6 against 22.8 km/s, 0.99; the 90th percentiles 48.7
    against 48.6 km/s; with SBD10's V⊙ = 12.24 and Strömberg's drift it was 25.6, 1.12)."""
    s = sm.MilkyWay().make("V<8", seed=1)
    h = sm.hipparcos()
    made = (s["distance"] < 100.0) & (s["M_V"] < 3.0)
    near = h["parallax"] > 10.0
    d_real = 1000.0 / h["parallax"][near]
    real = (h["V"][near] - 5.0 * np.log10(d_real) + 5.0) < 3.0
    vt_made = 4.74047 * np.hypot(s["pmra"], s["pmdec"])[made] * s["distance"][made] / 1000.0
    vt_real = 4.74047 * np.hypot(h["pmra"], h["pmdec"])[near][real] * d_real[real] / 1000.0
    assert made.sum() == pytest.approx(real.sum(), rel=0.1)
    assert np.median(vt_made) / np.nanmedian(vt_real) == pytest.approx(1.0, abs=0.15)


def test_made_velocities_do_not_depend_on_how_the_sky_is_split():
    mw = sm.MilkyWay()
    whole = mw.make("V<4.5", seed=3)
    pixels = np.unique(whole["healpix"])[:40]
    part = mw.make("V<4.5", seed=3, field=sm.Field.from_pixels(pixels))
    sel = np.isin(whole["healpix"], pixels)
    for c in ("pmra", "pmdec", "radial_velocity"):
        np.testing.assert_array_equal(whole[c][sel], part[c])


# --------------------------------------------------------------------------- real stars
@pytest.fixture(scope="module")
def hip_sample():
    h = sm.hipparcos()
    ok = np.flatnonzero((h["parallax"] > 2.0) & np.isfinite(h["pmra"]) & np.isfinite(h["pmdec"]))
    pick = np.random.default_rng(7).choice(ok, 500, replace=False)
    s = h.select(np.sort(pick))
    rv = np.random.default_rng(8).normal(0.0, 40.0, len(s))  # made-up radial velocities, km/s
    return s.with_columns(radial_velocity=rv)


# ERFA warns that leap seconds are unknown 10,000 yr ahead ("dubious year"): irrelevant here
@pytest.mark.filterwarnings("ignore:ERFA function:erfa.ErfaWarning")
@pytest.mark.parametrize("with_rv", [False, True])
def test_propagation_matches_astropy_after_10000_years(hip_sample, with_rv):
    """500 Hipparcos stars moved 10,000 yr: positions within 1″ of astropy's
    ``apply_space_motion`` (ERFA starpm), parallaxes within 0.1 %."""
    import astropy.units as u
    from astropy.coordinates import SkyCoord
    from astropy.time import Time

    s = hip_sample if with_rv else hip_sample.with_columns(radial_velocity=np.zeros(len(hip_sample)))
    moved = propagate(s, 10_000.0)
    c = SkyCoord(ra=s["ra"] * u.deg, dec=s["dec"] * u.deg, distance=(1000.0 / s["parallax"]) * u.pc,
                 pm_ra_cosdec=s["pmra"] * u.mas / u.yr, pm_dec=s["pmdec"] * u.mas / u.yr,
                 radial_velocity=s["radial_velocity"] * u.km / u.s, obstime=Time("J1991.25"))
    ref = c.apply_space_motion(dt=10_000.0 * u.yr)
    mine = SkyCoord(ra=moved["ra"] * u.deg, dec=moved["dec"] * u.deg)
    sep = mine.separation(SkyCoord(ra=ref.ra, dec=ref.dec)).to_value(u.arcsec)
    assert sep.max() < 1.0
    np.testing.assert_allclose(moved["parallax"], 1000.0 / ref.distance.to_value(u.pc), rtol=1e-3)
    # they did move: the median star by 10⁴ yr × its proper motion (≈ 100″)
    assert np.median(np.hypot(s["pmra"], s["pmdec"])) * 10.0 > 50.0


def test_propagation_there_and_back(hip_sample):
    back = propagate(propagate(hip_sample, 1e5), -1e5)
    for c in ("ra", "dec", "parallax", "pmra", "pmdec", "radial_velocity"):
        np.testing.assert_allclose(back[c], hip_sample[c], rtol=1e-9, atol=1e-9)
    assert back.meta["moved_by_yr"] == 0.0
    with pytest.raises(StarmakerError, match="finite"):
        propagate(hip_sample, float("nan"))


def test_unknown_motions_stay_put():
    s = sm.Stars({"ra": np.array([10.0, 20.0]), "dec": np.array([5.0, -5.0]),
                  "parallax": np.array([np.nan, 10.0]), "pmra": np.array([100.0, np.nan]),
                  "pmdec": np.array([0.0, np.nan])})
    m = propagate(s, 3600.0)  # 100 mas/yr × 3600 yr = 0.1 deg east at dec 5
    assert m["ra"][0] - 10.0 == pytest.approx(0.1 / np.cos(np.radians(5.0)), rel=1e-4)
    assert (m["ra"][1], m["dec"][1], m["parallax"][1]) == pytest.approx((20.0, -5.0, 10.0))


# the Big Dipper (Ursa Major's plough): HIP numbers
BIG_DIPPER = {"Dubhe": 54061, "Merak": 53910, "Phecda": 58001, "Megrez": 59774, "Alioth": 62956,
              "Mizar": 65378, "Alkaid": 67301}
LINES = [("Dubhe", "Merak"), ("Merak", "Phecda"), ("Phecda", "Megrez"), ("Megrez", "Dubhe"),
         ("Megrez", "Alioth"), ("Alioth", "Mizar"), ("Mizar", "Alkaid")]


def test_the_big_dipper_deforms_over_100000_years(tmp_path):
    """Five of the Big Dipper's stars (Merak, Phecda, Megrez, Alioth, Mizar) belong to the Ursa
    Major moving group and move together; Dubhe and Alkaid do not (Eggen 1958; King et al. 2003,
    AJ 125, 1980). Over 100,000 yr the five keep their mutual separations to within 10 %
    (measured: at most 8 %, the group's perspective and internal motions), while Dubhe's and
    Alkaid's separations from them change by more than 20 % on average (measured: 45 % and
    24 %): the dipper's handle and bowl come apart. The figure is drawn."""
    from starmaker.place.frames import unit_vector

    h = sm.hipparcos()
    idx = [int(np.flatnonzero(h["hip"] == hip)[0]) for hip in BIG_DIPPER.values()]
    stars = h.select(np.array(idx))
    years = np.linspace(-100_000, 100_000, 9)
    tracks = [propagate(stars, t) for t in years]
    ra = np.array([t["ra"] for t in tracks]).T
    dec = np.array([t["dec"] for t in tracks]).T

    def separations(k):
        u = unit_vector(ra[:, k], dec[:, k])
        return np.degrees(np.arccos(np.clip(u @ u.T, -1.0, 1.0)))

    s0, s1 = separations(4), separations(8)  # today, +100,000 yr
    names = list(BIG_DIPPER)
    group = [names.index(n) for n in ("Merak", "Phecda", "Megrez", "Alioth", "Mizar")]
    change = np.abs(s1 - s0) / np.where(s0 > 0, s0, 1.0)
    inside = change[np.ix_(group, group)][~np.eye(len(group), dtype=bool)]
    assert inside.max() < 0.10
    for outsider in ("Dubhe", "Alkaid"):
        assert change[names.index(outsider), group].mean() > 0.20
    from starmaker.plots import constellation_plot

    title = "The Big Dipper, 100,000 yr ago, today and in 100,000 yr"
    png = constellation_plot({n: (ra[i], dec[i]) for i, n in enumerate(names)}, LINES, list(years),
                             tmp_path / "big_dipper.png", title=title)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

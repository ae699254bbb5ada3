"""Units at the edge: numbers in documented units, unit strings and astropy Quantities are
accepted at every public boundary that takes a time, and give the same result."""

from __future__ import annotations

import astropy.units as u
import numpy as np
import pytest

from starmaker import Cluster, Observer, StarmakerError, hipparcos, integrate, propagate
from starmaker.units import parse_age, parse_mass


@pytest.fixture(scope="module")
def cluster():
    return Cluster(mass=2000, age="100Myr", feh=0.0).make(seed=5)


def test_integrate_takes_strings_and_quantities(cluster):
    ref = integrate(cluster, 9e8)
    assert integrate(cluster, "900Myr") == ref
    assert integrate(cluster, 0.9 * u.Gyr) == ref
    assert integrate(cluster, "0yr") == integrate(cluster)


def test_propagate_takes_strings_and_quantities():
    stars = hipparcos().select(slice(0, 50))
    ref = propagate(stars, -5e4)
    for same in ("-50kyr", -50 * u.kyr):
        moved = propagate(stars, same)
        assert np.array_equal(moved["ra"], ref["ra"]) and np.array_equal(moved["dec"], ref["dec"])


def test_parsers_agree_with_astropy():
    assert parse_age("4.57 Gyr") == pytest.approx((4.57 * u.Gyr).to_value(u.yr))
    assert parse_age(3 * u.Myr) == pytest.approx(3e6)
    assert parse_mass(2e30 * u.kg) == pytest.approx((2e30 * u.kg).to_value(u.solMass))
    with pytest.raises(StarmakerError, match="yr"):
        parse_age(3 * u.m)
    with pytest.raises(StarmakerError):
        integrate(Cluster(mass=100, age="1Gyr").make(seed=1), "soon")


def test_observer_uses_skyfields_spellings():
    site = Observer(latitude_degrees=33.45, longitude_degrees=129.97, elevation_m=20.0, temperature_C=5.0)
    assert site.latitude_degrees == 33.45 and site.elevation_m == 20.0


def test_tonight_and_the_night_a_moment_belongs_to():
    site = Observer(latitude_degrees=33.45, longitude_degrees=129.97)
    view = site.at("2026-12-25T02:00+09:00")
    assert str(site.night_of(view, "+09:00").day) == "2026-12-24"
    view = site.at("2026-12-24T21:00+09:00")
    assert str(site.night_of(view, "+09:00").day) == "2026-12-24"
    dark = site.at("tonight", "+09:00")
    assert dark.sun.alt == pytest.approx(-18.0, abs=0.01)  # the end of astronomical twilight

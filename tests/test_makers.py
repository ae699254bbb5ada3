"""The maker base (``starmaker.maker.MakerBase``), checked the same way for every maker: a cluster,
a field population, a placed cluster, the magnitude-limited Milky Way and a recipe put into it.
Each is deterministic by seed, has a recipe that is plain data and reads back, and is equal to
(and hashes like) another maker exactly when their recipes are equal."""

from __future__ import annotations

import json

import numpy as np
import pytest

import starmaker as sm
from starmaker.errors import InvalidParameterError, StarmakerError
from starmaker.galaxy.limits import Field, parse_limit
from starmaker.galaxy.survey import MilkyWay
from starmaker.maker import MakerBase

#: 40 nside-16 pixels (nested) of base pixel 2: a small, fast field
PIXELS = tuple(range(600, 640))
PLACED = """
name = "kroupa_thick"
[imf]
kind = "kroupa"
[sfh]
kind = "constant"
age_min = "10.9Gyr"
age_max = "11.1Gyr"
[metallicity]
kind = "gaussian"
mean = -0.78
sigma = 0.3
[place]
kind = "milky_way"
component = "thick_disk"
limit = "G<6"
field = "pixels:600,601,602,603,604,605,606,607,608,609,610,611,612,613,614,615,616,617,618,619"
"""


def _makers() -> dict[str, MakerBase]:
    """Fresh makers, built in code each time (so equality is not identity)."""
    return {
        "cluster": sm.Cluster(mass=500, age="300Myr", feh=-0.2),
        "population": sm.Population(sm.Constant("1Gyr", "3Gyr"), sm.GaussianFeH(-0.2, 0.1), n=2000),
        "placed_cluster": sm.Maker(sm.Kroupa2001(), sm.Burst("100Myr"), sm.FixedFeH(0.0), mass=800,
                                   component="cluster", place=sm.ClusterPlace(56.75, 24.12, 136.0, 2.0)),
        "milky_way": MilkyWay(limit="G<6", field=Field.from_pixels(PIXELS)),
        "milky_way_recipe": sm.parse_recipe(PLACED),
    }


NAMES = tuple(_makers())
#: makers whose recipe is a TOML recipe file's (the Milky Way itself is made in code)
FROM_RECIPES = ("cluster", "population", "placed_cluster", "milky_way_recipe")


@pytest.fixture(scope="module")
def made() -> dict[str, tuple]:
    """Each maker's stars at seeds 3, 3 (again, from a fresh maker) and 4."""
    a, b = _makers(), _makers()
    return {k: (a[k].make(seed=3), b[k].make(seed=3), a[k].make(seed=4)) for k in NAMES}


@pytest.mark.parametrize("name", NAMES)
def test_every_maker_is_a_maker_base(name):
    m = _makers()[name]
    assert isinstance(m, MakerBase)
    assert m.source_text is None or name == "milky_way_recipe"


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_stars_other_seed_other_stars(made, name):
    first, again, other = made[name]
    assert len(first) > 0, name
    assert first.columns == again.columns
    for c in first.columns:
        assert np.array_equal(first.codes(c), again.codes(c), equal_nan=True), (name, c)
    assert len(other) != len(first) or not np.array_equal(other["mass_initial"], first["mass_initial"])


@pytest.mark.parametrize("name", NAMES)
def test_recipe_is_plain_data_and_in_the_metadata(made, name):
    m = _makers()[name]
    r = m.recipe()
    assert json.loads(json.dumps(r)) == r
    stars = made[name][0]
    if name != "milky_way":  # a sky made in code records its request (limit, field, ...) instead
        assert stars.meta["recipe"] == r


@pytest.mark.parametrize("name", FROM_RECIPES)
def test_recipe_round_trip(name):
    m = _makers()[name]
    back = sm.parse_recipe(sm.recipe_to_toml(m))
    assert back == m and hash(back) == hash(m)
    assert back.recipe() == m.recipe()
    assert type(back) is type(m) or (isinstance(m, sm.Maker) and type(back) is sm.Maker)


@pytest.mark.parametrize("name", NAMES)
def test_equal_and_hashed_by_recipe(name):
    a, b = _makers()[name], _makers()[name]
    assert a is not b and a == b and hash(a) == hash(b)
    assert len({a, b}) == 1
    others = [m for k, m in _makers().items() if k != name]
    assert all(a != o for o in others)
    assert a != a.recipe()  # a recipe is data, not a maker


def test_a_changed_maker_is_not_equal():
    assert sm.Cluster(mass=500, age="300Myr") != sm.Cluster(mass=501, age="300Myr")
    mw = MilkyWay(limit="G<6")
    assert mw != MilkyWay(limit="G<7") and mw != MilkyWay(["thin_disk"], limit="G<6")
    assert mw != mw.quenched(0) and mw.quenched(0) == MilkyWay(limit="G<6").quenched(0)
    placed = sm.parse_recipe(PLACED)
    assert placed != sm.parse_recipe(PLACED.replace("G<6", "G<5"))


def test_source_text_is_a_field_not_a_patch(made, tmp_path):
    """A recipe's text is the maker's ``source_text``: written into the metadata as read, and
    no part of equality (a maker read from a file equals one built in code)."""
    path = tmp_path / "c.toml"
    sm.write_recipe(_makers()["cluster"], path)
    text = path.read_text()
    m = sm.read_recipe(path)
    assert m.source_text == text and m == _makers()["cluster"]
    assert m.make(seed=1).meta["recipe_toml"] == text
    assert "recipe_toml" not in _makers()["cluster"].make(seed=1).meta
    placed = made["milky_way_recipe"][0]
    assert placed.meta["recipe_toml"] == PLACED
    assert not hasattr(m, "recipe_text")


def test_milky_way_takes_the_base_signature_and_its_limit_first():
    """``make(seed=..., epoch=...)`` as every maker, with the limit and field the maker holds;
    the limit may still be given first, as before."""
    mw = MilkyWay(limit="G<5", field="cone:0,90,12")
    a = mw.make(seed=2)
    b = MilkyWay().make("G<5", seed=2, field="cone:0,90,12")
    assert len(a) > 5 and a.meta == b.meta
    assert np.array_equal(a["ra"], b["ra"]) and np.array_equal(a["G"], b["G"])
    with pytest.raises(InvalidParameterError, match="limit"):
        MilkyWay().make(seed=1)


def test_milky_way_refuses_what_is_not_a_dust_model():
    class OnlyAv:
        def a_v(self, l_deg, b_deg, distance_pc):
            return np.zeros(np.shape(distance_pc))

    with pytest.raises(StarmakerError, match="dust"):
        MilkyWay(dust=OnlyAv())


def test_limits_take_any_registered_band():
    """The limit's band is any band of the registry (aliases too), and its dust bound k_min is
    the registry's (tests/test_bands.py checks that bound against each source's own table)."""
    from starmaker.photometry import bands as registry

    assert {b: parse_limit(f"{b}<5").k_min for b in registry.names()} == {
        b.name: b.k_min for b in registry.bands()}
    assert parse_limit("2MASS_Ks<12").band == "Ks"
    registry.register(registry.Band("Xlim", "Test", "AB", "G", 0.8, 0.55, "kurucz"))
    try:
        lim = parse_limit("Xlim<7.5")
        assert (lim.band, lim.mag, lim.k_min) == ("Xlim", 7.5, 0.55)
    finally:
        registry.unregister("Xlim")
    with pytest.raises(StarmakerError, match="limit"):
        parse_limit("Xlim<7.5")


def test_a_field_is_one_field_however_given():
    assert MilkyWay(field="cone:1,2,3") == MilkyWay(field=Field.cone(1.0, 2.0, 3.0))
    assert MilkyWay(field="pixels:3,1,2") == MilkyWay(field=Field.from_pixels([1, 2, 3]))
    assert MilkyWay(field="all") == MilkyWay() != MilkyWay(field="cone:1,2,3")

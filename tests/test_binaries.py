"""Issue 14: binaries and multiples in clusters and populations (``multiplicity=``): the total
mass kept, the fraction of primaries with companions as the model's, companions born and placed
with their primary, unresolved light added to the primary's magnitudes, recipes."""

from __future__ import annotations

import numpy as np
import pytest

from starmaker.births.multiplicity import multiplicity_fraction
from starmaker.errors import UnknownNameError
from starmaker.maker import Cluster, Population
from starmaker.place.clusters import ClusterPlace
from starmaker.recipe import parse_recipe, recipe_to_toml
from starmaker.schema import PHASES, SYSTEM_COLUMNS

#: −2.5 log10 2: a pair of equal stars is this much brighter than either
TWIN_MAG = 2.5 * np.log10(2.0)


def _placed(resolution, model="moe2017", mass=2e4, age="300Myr"):
    c = Cluster(mass=mass, age=age, feh=0.0, multiplicity=model, resolution_arcsec=resolution)
    c.place = ClusterPlace(56.75, 24.12, 136.0, 1.0)  # the Pleiades' place (Gaia DR2 HRD paper: 136 pc)
    return c


@pytest.fixture(scope="module")
def big():
    return Cluster(mass=1e5, age="10Myr", feh=0.0, multiplicity="moe2017").make(seed=3)


def test_none_is_the_single_star_table():
    """The default ("none") makes the same stars as before, with no system columns."""
    a = Cluster(mass=2e3, age="100Myr").make(seed=1)
    b = Cluster(mass=2e3, age="100Myr", multiplicity="none").make(seed=1)
    assert a.columns == b.columns and not set(SYSTEM_COLUMNS) & set(a.columns)
    for c in a.columns:
        np.testing.assert_array_equal(a.codes(c), b.codes(c))


@pytest.mark.parametrize("model", ["moe2017", "spisea", "trilegal"])
def test_total_mass_is_kept_within_a_system(model):
    """trim_to_mass: primaries + companions add up to the cluster's mass, short by less than one
    system (at most two IMF upper limits, 2 × 100 M☉ for Kroupa 2001 here)."""
    s = Cluster(mass=1e4, age="100Myr", multiplicity=model).make(seed=2)
    total = s["mass_initial"].sum()
    assert 1e4 - 200.0 < total <= 1e4
    assert np.any(s["system_size"] > 1)


def test_fraction_of_multiples_by_primary_mass_is_the_models(big):
    """The share of primaries with a companion, in bins of primary mass, is the mean of
    multiplicity_fraction (Moe & Di Stefano 2017, ApJS 230, 15, sect. 9.4: 1 − the single-star
    fraction, e.g. 0.40 at 1 M☉) over the bin's primaries, within 4 binomial σ. Primaries from
    1 M☉ up (below, companions under the grid's 0.1 M☉ are not made)."""
    prim = np.isnan(big["q"])
    m1 = big["mass_initial"][prim]
    multiple = big["system_size"][prim] > 1
    for lo, hi in ((1.0, 2.0), (2.0, 5.0), (5.0, 100.0)):
        sel = (m1 >= lo) & (m1 < hi)
        p = multiplicity_fraction(m1[sel]).mean()
        n = sel.sum()
        assert n > 300
        assert abs(multiple[sel].mean() - p) < 4 * np.sqrt(p * (1 - p) / n), (lo, hi, multiple[sel].mean(), p)


def test_companions_share_age_feh_and_are_lighter(big):
    first = np.flatnonzero(np.r_[True, np.diff(big["system_id"]) != 0])
    prim_row = np.repeat(first, np.diff(np.r_[first, len(big)]))
    comp = np.flatnonzero(~np.isnan(big["q"]))
    for c in ("age", "feh"):
        np.testing.assert_array_equal(big[c][comp], big[c][prim_row[comp]])
    m1 = big["mass_initial"][prim_row[comp]]
    np.testing.assert_allclose(big["mass_initial"][comp], big["q"][comp] * m1, rtol=1e-12)
    assert np.all(big["q"][comp] <= 1.0)
    assert np.all(big["system_size"][first] == np.diff(np.r_[first, len(big)]))


def test_unresolved_light_is_added_to_the_primary():
    """With every companion unresolved (resolution 1e6″), the primary's magnitudes are those of
    the pair, −2.5 log10(10^(−0.4 m1) + 10^(−0.4 m2)) (exactly), never fainter; where the
    companion is the fainter (both on the main sequence, V), brighter by at most 2.5 log10 2 =
    0.753 mag, reached by the twins (M&dS 2017 sect. 5: the twin excess at q > 0.95). With
    resolution 0 nothing is combined; the stars are the same."""
    single = _placed(0.0).make(seed=4)
    joint = _placed(1e6).make(seed=4)
    assert not single["unresolved"].any()
    comp = np.flatnonzero(~np.isnan(joint["q"]))
    assert joint["unresolved"][comp].all() and comp.size > 1000
    first = np.flatnonzero(np.r_[True, np.diff(joint["system_id"]) != 0])
    prim_of = np.repeat(first, np.diff(np.r_[first, len(joint)]))[comp]
    for c in ("mass_initial", "log_L", "ra", "distance"):
        np.testing.assert_array_equal(single[c], joint[c])
    for band in ("V", "M_V", "G", "M_Ks"):
        m1, m2 = single[band][prim_of], single[band][comp]
        both = np.isfinite(m1) & np.isfinite(m2)
        want = -2.5 * np.log10(10 ** (-0.4 * m1[both]) + 10 ** (-0.4 * m2[both]))
        np.testing.assert_allclose(joint[band][prim_of][both], want, atol=1e-9)
        assert np.all(joint[band][prim_of][both] <= m1[both] + 1e-12)
    ms = PHASES.index("MS")
    pair = (single.codes("phase")[prim_of] == ms) & (single.codes("phase")[comp] == ms)
    dv = joint["V"][prim_of][pair] - single["V"][prim_of][pair]
    assert dv.min() >= -TWIN_MAG - 1e-9 and dv.min() < -0.7
    # companions sit at their primary's place
    np.testing.assert_array_equal(joint["distance"][comp], joint["distance"][prim_of])


def test_resolution_splits_by_angular_separation():
    """Companions with semi-major axis / distance below the resolution are unresolved (1 au at
    1 pc is 1″): at 136 pc and 1″, those within 136 au."""
    s = _placed(1.0).make(seed=5)
    comp = ~np.isnan(s["q"])
    np.testing.assert_array_equal(s["unresolved"][comp], s["separation_au"][comp] / s["distance"][comp] < 1.0)
    assert 0 < s["unresolved"].sum() < comp.sum()


def test_population_with_binaries_and_unknown_model():
    from starmaker.births.history import Constant

    s = Population(Constant(1e8, 1e9), n=2000, multiplicity="trilegal").make(seed=1)
    prim = np.isnan(s["q"])
    assert prim.sum() == 2000
    frac = (s["system_size"][prim] > 1).mean()  # TRILEGAL: 30 % (Girardi et al. 2005)
    assert abs(frac - 0.3) < 4 * np.sqrt(0.3 * 0.7 / 2000)
    with pytest.raises(UnknownNameError, match="moe2017"):
        Cluster(multiplicity="kroupa")


def test_recipe_multiplicity_round_trip():
    text = """name = "pleiades_binaries"
mass = 800.0

[imf]
kind = "kroupa"

[sfh]
kind = "burst"
age = "100Myr"

[metallicity]
kind = "fixed"
feh = 0.0

[place]
kind = "cluster"
ra = 56.75
dec = 24.12
distance = 136.0

[multiplicity]
model = "moe2017"
resolution_arcsec = 0.4
"""
    m = parse_recipe(text)
    assert m.multiplicity == "moe2017" and m.resolution_arcsec == 0.4
    assert parse_recipe(recipe_to_toml(m)) == m
    s = m.make(seed=1)
    assert "system_id" in s and s.meta["recipe"]["multiplicity"]["model"] == "moe2017"


def test_systems_born_by_today_are_the_same_at_a_later_epoch():
    """A history still forming stars: seen 200 Myr on, the systems born by today come first and
    are today's (their companions from the same stream), the later ones follow with their own
    companions (one stream per future slab)."""
    from starmaker.births.history import Constant

    p = Population(Constant(1e6, 1e9), mass=2e4, multiplicity="moe2017")
    now, later = p.make(seed=1), p.make(seed=1, epoch="+200Myr")
    assert len(later) > len(now)
    for c in ("mass_initial", "system_id", "q", "system_size"):
        np.testing.assert_array_equal(now[c], later[c][: len(now)])
    assert np.all(np.diff(later["system_id"]) >= 0)
    assert np.any(~np.isnan(later["q"][len(now):]))


@pytest.mark.parametrize("suffix", [".parquet", ".fits"])
def test_system_columns_travel_through_files(tmp_path, suffix):
    from astropy.table import QTable

    s = _placed(1.0, mass=2e3).make(seed=6)
    path = tmp_path / f"pairs{suffix}"
    s.write(path)
    t = QTable.read(path)
    for c in SYSTEM_COLUMNS:
        values = t[c].value if getattr(t[c], "unit", None) is not None else np.asarray(t[c])
        np.testing.assert_array_equal(values, s[c], err_msg=c)
    assert str(t["period"].unit) == "d" and str(t["separation_au"].unit) == "AU"

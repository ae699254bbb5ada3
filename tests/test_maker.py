"""Making stars: the 10^4 Msun cluster, determinism, and the Parquet contract."""

import json

import numpy as np
import pyarrow.parquet as pq
import pytest
from scipy import stats

from conftest import raw_isochrone
from starmaker import (
    COLUMNS,
    Cluster,
    Constant,
    Exponential,
    GaussianFeH,
    InvalidParameterError,
    Kroupa2001,
    OutOfGridError,
    Population,
    Stars,
    lifespan,
)


def test_cluster_total_mass_within_one_percent(cluster_1e4):
    assert cluster_1e4["mass_initial"].sum() == pytest.approx(1e4, rel=0.01)


def test_cluster_masses_follow_the_imf(cluster_1e4):
    assert stats.kstest(cluster_1e4["mass_initial"], Kroupa2001().cdf).pvalue > 0.01


def test_no_main_sequence_star_above_the_turn_off(cluster_1e4, mist_raw):
    # The turn-off at 100 Myr, [Fe/H] 0: the initial mass at MIST's terminal-age main sequence
    # (EEP 454) on the grid's log age = 8.0 isochrone, read directly from the file.
    c = mist_raw["cols"]
    i = int(np.argmin(np.abs(mist_raw["feh"])))
    j = int(np.argmin(np.abs(mist_raw["age"] - 8.0)))
    v = raw_isochrone(mist_raw, i, j)
    m_tams = v[v[:, c.index("eep")] == 454, c.index("initial_mass")][0]
    ms = cluster_1e4["phase"] == "MS"
    assert ms.sum() > 1000
    assert cluster_1e4["mass_initial"][ms].max() <= m_tams
    post = np.isin(cluster_1e4["phase"], ["RGB", "CHeB", "EAGB", "TPAGB"])
    assert cluster_1e4["mass_initial"][post].min() > cluster_1e4["mass_initial"][ms].max()


def test_dead_stars_are_exactly_those_older_than_their_lifespans(cluster_1e4, mist_raw):
    s = cluster_1e4
    dead = ~s["alive"]
    assert np.array_equal(dead, s["age"] >= s["lifespan"])
    # the lifespan column is the star's lifespan (not some other number the alive flag matches)
    life, _ = lifespan(s["mass_initial"], s["feh"])
    assert np.allclose(s["lifespan"], life, rtol=1e-12)
    # independently of starmaker: 100 Myr is a grid age (log t = 8.0), so the stars that have
    # died are exactly those heavier than the initial mass on the last nuclear-burning row
    # (MIST phases -1..5, 9, before the post-AGB EEP 1409; Dotter 2016) of that raw isochrone
    c = mist_raw["cols"]
    v = raw_isochrone(
        mist_raw, int(np.argmin(np.abs(mist_raw["feh"]))), int(np.argmin(np.abs(mist_raw["age"] - 8.0)))
    )
    nuc = np.isin(v[:, c.index("phase")], (-1, 0, 2, 3, 4, 5, 9)) & (v[:, c.index("eep")] < 1409)
    m_die = v[nuc, c.index("initial_mass")][-1]
    assert m_die == pytest.approx(5.32, abs=0.01)
    assert np.array_equal(dead, s["mass_initial"] > m_die)
    assert set(s["phase"][dead]) <= {"postAGB", "WD", "NS", "BH"}
    assert not set(s["phase"][~dead]) & {"postAGB", "WD", "NS", "BH"}
    assert dead.sum() > 100


def test_same_seed_same_stars_bit_for_bit():
    a = Cluster(mass=2e3, age="1Gyr", feh=-0.5).make(seed=3)
    b = Cluster(mass=2e3, age="1Gyr", feh=-0.5).make(seed=3)
    c = Cluster(mass=2e3, age="1Gyr", feh=-0.5).make(seed=4)
    for name in a.columns:
        assert np.array_equal(a.codes(name), b.codes(name), equal_nan=True), name
    assert not np.array_equal(a["mass_initial"][:10], c["mass_initial"][:10])


def test_population_with_extended_history():
    p = Population(Exponential(tau="3Gyr", age_max="10Gyr"), GaussianFeH(-0.2, 0.2), n=20000)
    s = p.make(seed=5)
    assert len(s) == 20000
    assert s["age"].min() >= 1e5 and s["age"].max() <= 1e10
    # declining SFR: more old stars than young ones
    assert np.mean(s["age"] > 5e9) > 0.5
    assert -2.5 <= s["feh"].min() and s["feh"].max() <= 0.5
    assert s["lifespan_extrapolated"].any()
    c = Population(Constant("1Myr", "2Gyr"), n=5000).make(seed=0)
    assert stats.kstest(c["age"], stats.uniform(1e6, 2e9 - 1e6).cdf).pvalue > 0.01


def test_parquet_round_trip_keeps_values_units_and_recipe(cluster_1e4, tmp_path):
    p = tmp_path / "c.parquet"
    cluster_1e4.write(p)
    back = Stars.read(p)
    assert back.columns == cluster_1e4.columns
    for n in back.columns:
        assert np.array_equal(back.codes(n), cluster_1e4.codes(n), equal_nan=True)
    schema = pq.read_schema(p)
    assert schema.field("age").metadata[b"unit"] == b"yr"
    assert schema.field("phase").type == "string"  # dictionary-encoded in the pages (test_tables)
    meta = json.loads(schema.metadata[b"starmaker"])
    assert meta["recipe"]["imf"]["kind"] == "kroupa" and meta["seed"] == 1
    assert "MIST" in meta["evolution"]["grid"]


def test_interrupted_write_leaves_no_file(cluster_1e4, tmp_path, monkeypatch):
    import pyarrow.parquet

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(pyarrow.parquet, "write_table", boom)
    p = tmp_path / "c.parquet"
    with pytest.raises(KeyboardInterrupt):
        cluster_1e4.write(p)
    assert list(tmp_path.iterdir()) == []


def test_written_files_have_the_usual_mode(cluster_1e4, tmp_path):
    """Atomic writes go through a private temporary file; the catalogue itself gets the mode a
    plain open() would give (0666 less the umask), so others can read it where the umask allows."""
    import os
    import stat

    umask = os.umask(0o022)
    try:
        p = tmp_path / "c.parquet"
        cluster_1e4.write(p)
        assert stat.S_IMODE(p.stat().st_mode) == 0o644
    finally:
        os.umask(umask)


def test_every_column_written_is_in_the_schema(cluster_1e4):
    names = {c.name for c in COLUMNS}
    assert set(cluster_1e4.columns) <= names


@pytest.mark.parametrize(
    "kwargs,err,match",
    [
        ({"mass": -5}, InvalidParameterError, "mass"),
        ({"age": "30Gyr"}, OutOfGridError, "age"),
        ({"age": "soon"}, InvalidParameterError, "age"),
        ({"feh": 1.0}, OutOfGridError, "feh"),
        ({"imf": Kroupa2001(m_min=0.01)}, InvalidParameterError, "imf mass limits"),
    ],
)
def test_bad_recipes_are_clear_errors(kwargs, err, match):
    with pytest.raises(err, match=match):
        Cluster(**kwargs)

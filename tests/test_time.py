"""Time and neglect: makers and the Milky Way at any epoch, quenched and scaled histories,
conservation of stars between epochs, and the timeline."""

import csv

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import starmaker as sm
from starmaker.births.history import EPOCH_RANGE, Quenched, Scaled, parse_epoch
from starmaker.errors import StarmakerError
from starmaker.evolution.evolve import evolve_through
from starmaker.maker import FUTURE_SLAB_YR

POP = dict(sfh=sm.Constant(1e5, 10e9), metallicity=sm.GaussianFeH(0.0, 0.1), mass=3e4)


def _formation(stars):
    return stars.meta["epoch"] - stars["age"]


# --------------------------------------------------------------------------- epochs
def test_parse_epoch_units_and_range():
    assert parse_epoch("-1Gyr") == -1e9
    assert parse_epoch("+50000yr") == 5e4
    assert parse_epoch(0) == 0.0
    assert parse_epoch("10Gyr") == EPOCH_RANGE[1]


@settings(max_examples=25, deadline=None)
@given(st.one_of(st.floats(max_value=-4.5e9 - 1e6), st.floats(min_value=1e10 + 1e6), st.just(float("nan")),
                 st.sampled_from(["-5Gyr", "soon", "+11Gyr", ""])))
def test_bad_epochs_raise_with_the_allowed_range(epoch):
    with pytest.raises(StarmakerError, match="-4.5 Gyr .* \\+10 Gyr"):
        sm.Cluster(mass=100, age="1Gyr").make(seed=1, epoch=epoch)


def test_bad_epoch_for_the_milky_way():
    with pytest.raises(StarmakerError, match="epoch"):
        sm.MilkyWay(["halo"]).make("V<3", epoch="+20Gyr")


def test_today_is_unchanged_by_the_epoch_machinery():
    """epoch=0 draws exactly the births the maker drew before epochs existed."""
    p = sm.Population(**POP)
    a, b = p.make(seed=3), p.make(seed=3, epoch=0)
    for c in ("mass_initial", "age", "feh", "M_V"):
        np.testing.assert_array_equal(a[c], b[c])


def test_a_cluster_seen_later_is_the_same_cluster_older():
    """Same seed: a 100 Myr cluster seen 1 Gyr from now is the 1.1 Gyr cluster, star for star;
    seen 200 Myr ago it is not born yet."""
    later = sm.Cluster(mass=2e3, age="100Myr").make(seed=5, epoch="+1Gyr")
    older = sm.Cluster(mass=2e3, age="1.1Gyr").make(seed=5)
    for c in ("mass_initial", "age", "alive", "phase", "M_V"):
        np.testing.assert_array_equal(later[c], older[c])
    assert len(sm.Cluster(mass=2e3, age="100Myr").make(seed=5, epoch="-200Myr")) == 0


# --------------------------------------------------------------------------- conservation
@pytest.mark.parametrize("e1,e2", [(-2e9, -0.5e9), (-1e9, 1e9), (0.3e9, 2.5e9)])
def test_conservation_between_two_epochs(e1, e2):
    """Stars are neither created nor lost between two epochs except by birth and death: the
    stars at e1 are exactly the stars at e2 born by e1 (same masses, metallicities and
    formation times, in the same order); the others were born in between; the ones that died
    in between are exactly those whose lifespans end in between."""
    p = sm.Population(**POP)
    s1, s2 = p.make(seed=11, epoch=e1), p.make(seed=11, epoch=e2)
    t1, t2 = _formation(s1), _formation(s2)
    was = t2 <= e1 - 1e5
    assert was.sum() == len(s1)
    np.testing.assert_array_equal(s2["mass_initial"][was], s1["mass_initial"])
    np.testing.assert_array_equal(s2["feh"][was], s1["feh"])
    np.testing.assert_allclose(t2[was], t1, atol=1e-3)  # yr (float rounding of age ± epoch)
    born = ~was
    assert np.all((t2[born] > e1 - 1e5 - 1e-3) & (t2[born] <= e2 - 1e5 + 1e-3))
    if e2 <= 0:  # all births are past births: the future adds none
        assert born.sum() == np.sum((-p.births(11)["age"] > e1 - 1e5) & (-p.births(11)["age"] <= e2 - 1e5))
    # deaths: alive at e1, dead at e2  <=>  age at e1 < lifespan <= age at e2
    a1, a2, life = s1["age"], s2["age"][was], s2["lifespan"][was]
    np.testing.assert_array_equal(s1["lifespan"], life)
    died = s1["alive"] & ~s2["alive"][was]
    assert np.array_equal(died, (a1 < life) & (life <= a2))
    assert not np.any(~s1["alive"] & s2["alive"][was])  # no one comes back
    assert died.sum() > 0 and born.sum() > 0


def test_the_future_goes_on_at_the_present_rate():
    """Constant(1e5 yr, 10 Gyr) forms 3e4 Msun over 10 Gyr; in the next 2 Gyr it forms 2/10 of
    that at the same rate (stop-nearest sampling: within a star per 100 Myr slab)."""
    p = sm.Population(**POP)
    s = p.make(seed=2, epoch="+2Gyr")
    new = _formation(s) > 0
    assert s["mass_initial"][new].sum() == pytest.approx(3e4 * 2e9 / (10e9 - 1e5), rel=0.03)
    # at the same rate throughout: each 100 Myr slab forms its share (to within its stars)
    slab = (_formation(s)[new] // FUTURE_SLAB_YR).astype(int)
    per_slab = np.bincount(slab, weights=s["mass_initial"][new])
    assert len(per_slab) == 20
    np.testing.assert_allclose(per_slab, 3e4 * FUTURE_SLAB_YR / (10e9 - 1e5), rtol=0.1)


def test_a_stopped_history_forms_nothing_more():
    """Constant(1 Gyr, 3 Gyr) stopped forming a Gyr ago: later epochs hold the same births."""
    p = sm.Population(sm.Constant("1Gyr", "3Gyr"), mass=5e3)
    assert len(p.make(seed=1, epoch="+3Gyr")) == len(p.make(seed=1))


# --------------------------------------------------------------------------- neglect
def test_quenched_history_has_no_younger_stars():
    q = sm.Population(Quenched(sm.Constant(1e5, 10e9), at="-1Gyr"), sm.GaussianFeH(0.0, 0.1), mass=3e4)
    full = sm.Population(**POP)
    for epoch in (-0.5e9, 0.0, 2e9):
        s = q.make(seed=4, epoch=epoch)
        assert _formation(s).max() <= -1e9
        assert s["age"].min() >= epoch + 1e9 - 1.0
    # the stars it keeps are the unneglected history's, unchanged
    a, b = q.make(seed=4), full.make(seed=4, epoch=-1e9)
    np.testing.assert_array_equal(np.sort(a["mass_initial"]), np.sort(b["mass_initial"]))


def test_scaled_history_thins_and_speeds_up():
    """Scaled(0.5) from -2 Gyr keeps half the births after then (binomial, 4σ); Scaled(3)
    from today forms three times as much in the future (3 %)."""
    base = sm.Population(**POP).make(seed=9)
    half = sm.Population(Scaled(sm.Constant(1e5, 10e9), 0.5, since="-2Gyr"), mass=3e4).make(seed=9)
    n_after = np.sum(_formation(base) > -2e9)
    kept = np.sum(_formation(half) > -2e9)
    assert abs(kept - 0.5 * n_after) < 4 * np.sqrt(0.25 * n_after)
    assert np.sum(_formation(half) <= -2e9) == np.sum(_formation(base) <= -2e9)
    fast = sm.Population(Scaled(sm.Constant(1e5, 10e9), 3.0), mass=3e4).make(seed=9, epoch="+1Gyr")
    new = _formation(fast) > 0
    assert fast["mass_initial"][new].sum() == pytest.approx(3 * 3e4 * 1e9 / (10e9 - 1e5), rel=0.03)
    with pytest.raises(StarmakerError, match="at most 1"):
        Scaled(sm.Constant(1e5, 1e9), 2.0, since="-1Gyr")
    with pytest.raises(StarmakerError, match="non-negative"):
        Scaled(sm.Constant(1e5, 1e9), -1.0)


# --------------------------------------------------------------------------- beyond the grid
def test_ages_beyond_the_grid():
    """At +10 Gyr the halo is 24 Gyr old, beyond MIST's 19.95 Gyr: stars dead by then are
    remnants (a 1 Msun star, lifespan 11.7 Gyr, is a white dwarf of Cummings et al. 2018's
    0.569 Msun), a 0.7 Msun dwarf (lifespan > 30 Gyr by the extrapolation) is still alive
    on the last isochrone, flagged grid_clamped."""
    s = evolve_through([1.0, 0.7, 0.7], [24e9, 24e9, 19e9], 0.0)
    assert list(s["phase"][:2]) == ["WD", "MS"]
    assert s["mass"][0] == pytest.approx(0.080 * 1.0 + 0.489)
    assert list(s["alive"]) == [False, True, True]
    assert list(s["grid_clamped"]) == [False, True, False]
    np.testing.assert_allclose(s["age"], [24e9, 24e9, 19e9])
    halo = sm.Population(sm.Constant("13.9Gyr", "14.1Gyr"), sm.FixedFeH(-1.5), mass=2e3).make(1, "+10Gyr")
    assert halo["age"].min() > 23.8e9 and halo["alive"].any() and (~halo["alive"]).any()
    # a living star near the end of its life is a giant: it is placed as the star at the same
    # fraction of the dying mass on the last isochrone (here 0.999 and 0.99: AGB, RGB)
    from starmaker.evolution.isochrones import dying_mass

    md = float(dying_mass(np.array([24e9]), np.array([-1.5]))[0])
    g = evolve_through([0.999 * md, 0.99 * md, 0.8 * md], 24e9, -1.5)
    assert list(g["phase"]) in (["EAGB", "RGB", "MS"], ["TPAGB", "RGB", "MS"], ["CHeB", "RGB", "MS"])
    assert g["log_L"][1] > 0.3 and np.all(g["mass"] <= g["mass_initial"])


# --------------------------------------------------------------------------- the Milky Way
def test_milky_way_components_through_time():
    """The thin disc seen at other epochs: the unborn are left out (at -1 Gyr the youngest
    stars are 1e5 yr old again, formed by the bins then 1-2 Gyr old), the initial mass formed
    per unit area at the Sun is kept when stars change layer, and the future goes on forming
    stars at the present rate of the youngest bin (R03: 4.0e-3 Msun/pc^3 living over 0.15 Gyr)."""
    td = sm.ThinDisk()
    now = td.populations

    def surface(pops):
        return sum(p.rho0_initial * td.column(p.density_key) for p in pops)

    past = td.at_epoch(-1e9).populations
    assert min(p.sfh.age_min for p in past) == pytest.approx(1e5)
    # formation times -a1 ... -a0; formed by -1 Gyr - 1e5 yr: the part up to then
    formed_before = sum(p.rho0_initial * td.column(p.density_key)
                        * max(0.0, min(-p.sfh.age_min, -1e9 - 1e5) + p.sfh.age_max)
                        / (p.sfh.age_max - p.sfh.age_min) for p in now)
    assert surface(past) == pytest.approx(formed_before, rel=1e-6)
    fut = td.at_epoch(1e9).populations
    young = now[0]
    rate = young.rho0_initial * td.column(0) / (young.sfh.age_max - young.sfh.age_min)
    assert surface(fut) == pytest.approx(surface(now) + rate * (1e9 - 1e5), rel=1e-6)
    assert surface(sm.MilkyWay(["thin_disk"]).quenched(0).components[0].at_epoch(1e9).populations) == \
        pytest.approx(surface(now), rel=1e-6)
    assert td.at_epoch(0.0) is td


def test_milky_way_epoch_is_recorded_and_deterministic():
    mw = sm.MilkyWay()
    a = mw.make("V<4", seed=2, epoch="+300Myr")
    b = mw.make("V<4", seed=2, epoch=3e8)
    assert a.meta["epoch"] == 3e8
    np.testing.assert_array_equal(a["V"], b["V"])
    assert {"pmra", "pmdec", "radial_velocity"} <= set(a.columns)


@pytest.mark.slow
def test_after_the_makers_stop_the_blue_stars_go_and_the_giants_stay():
    """With star formation stopped today, the naked-eye O and B stars (Teff >= 10,000 K, B9.5 V;
    Pecaut & Mamajek 2013) are gone within a Gyr — the main-sequence lifetime of the least
    massive B star (MIST: 2.4 Msun, ~0.6 Gyr) — while most red giants stay (their
    progenitors, 1-2 Msun, live for Gyr). Without stopping the sky stays as it is (20 %)."""
    mw = sm.MilkyWay()
    now = mw.make("V<6.5", seed=1)
    going = mw.make("V<6.5", seed=1, epoch="+1Gyr")
    stopped = mw.quenched(0).make("V<6.5", seed=1, epoch="+1Gyr")

    def ob(s):
        return int(np.sum(10 ** s["log_Teff"] >= 1e4))

    def giants(s):
        return int(np.isin(s["phase"], ["RGB", "CHeB", "EAGB", "TPAGB"]).sum())

    assert ob(now) > 1000
    assert ob(stopped) <= 0.005 * ob(now)
    assert giants(stopped) > 0.5 * giants(now)
    assert ob(going) == pytest.approx(ob(now), rel=0.2)
    assert len(going) == pytest.approx(len(now), rel=0.2)


# --------------------------------------------------------------------------- timeline
def test_timeline_writes_csv_plots_and_animation(tmp_path):
    from starmaker.reports.timeline import COLUMNS, timeline

    r = timeline("V<4", "-0.2Gyr", "+0.4Gyr", 4, stop_forming_at=0, seed=1, outdir=tmp_path)
    names = {p.name for p in r.files}
    assert names == {"timeline.csv", "timeline.png", "sky.gif"}
    with open(tmp_path / "timeline.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == list(COLUMNS)
    np.testing.assert_allclose([float(x["epoch"]) for x in rows], [-2e8, 0, 2e8, 4e8])
    assert rows[0]["n_born"] == "" and rows[1]["n_born"] != ""
    assert [int(x["n_born"]) for x in rows[2:]] == [0, 0]  # nothing is born after the stop
    assert int(rows[-1]["n_OB"]) < int(rows[1]["n_OB"])
    assert (tmp_path / "timeline.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image

    with Image.open(tmp_path / "sky.gif") as im:
        assert im.n_frames == 4


def test_timeline_bad_input():
    from starmaker.reports.timeline import timeline

    with pytest.raises(StarmakerError, match="steps"):
        timeline("V<4", steps=1)
    with pytest.raises(StarmakerError, match="after start"):
        timeline("V<4", "+1Gyr", "-1Gyr", 3)
    with pytest.raises(StarmakerError, match="stop_forming_at"):
        timeline("V<4", steps=2, stop_forming_at="-9Gyr")


def test_cli_timeline(tmp_path):
    """`starmaker timeline` writes the CSV, plots and animation; a bad epoch is one line, exit 1."""
    import subprocess
    import sys

    def run(*args):
        return subprocess.run([sys.executable, "-m", "starmaker.cli", "timeline", *args],
                              capture_output=True, text=True, timeout=300)

    r = run("--limit", "V<3.5", "--from", "-100Myr", "--to", "+100Myr", "--steps", "3",
            "--stop-forming-at", "0", "--no-animate", "-o", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["timeline.csv", "timeline.png"]
    assert "+0.100" in r.stdout
    r = run("--from", "-6Gyr", "-o", str(tmp_path))
    assert r.returncode == 1
    assert r.stderr.strip().count("\n") == 0 and "-4.5 Gyr" in r.stderr


@pytest.mark.slow
@pytest.mark.parametrize("name, epoch, d_max, limit, pixels", [
    ("halo", 8e9, 3000.0, "G<10", range(3072)),          # 22 Gyr old: beyond the grid
    ("thick_disk", -4e9, 700.0, "G<8", range(3072)),     # 7 Gyr old
    ("thin_disk", 1e9, 400.0, "G<8", range(1024, 1216)),  # with a Gyr of new stars
])
def test_shifted_skies_against_brute_force(monkeypatch, name, epoch, d_max, limit, pixels):
    """The magnitude-limited draw at another epoch (cells and mass windows built for the
    shifted ages) gives the stars that making every star in the volume gives, within 4σ
    (the brute force of tests/test_survey.py, run on the shifted populations)."""
    import math

    import test_survey

    from starmaker.galaxy.components import milky_way_components

    shifted = [c.at_epoch(epoch) for c in milky_way_components([name])]
    monkeypatch.setattr(test_survey, "milky_way_components", lambda: shifted)
    pixels = tuple(pixels)
    brute = len(test_survey._brute_force(limit, pixels, d_max, seed=3))
    sky = sm.MilkyWay([name]).make(limit, seed=4, epoch=epoch, field=sm.Field.from_pixels(pixels))
    made = int((sky["distance"] < d_max).sum())
    assert made > 300
    assert abs(made - brute) < 4 * math.sqrt(made + brute), (made, brute)


def test_exponential_history_goes_on_at_its_present_rate():
    """SFR ∝ exp(-t/τ) from 10 Gyr ago (τ = 3 Gyr): today's rate is the pdf at t = 10 Gyr,
    e^(-10/3) / (τ (1 - e^(-10/3))) of the births per yr; the next Gyr forms that × 1 Gyr × M
    (to within 3 %)."""
    import math

    tau, span = 3e9, 10e9 - 1e5
    rate = math.exp(-span / tau) / (tau * -math.expm1(-span / tau))
    p = sm.Population(sm.Exponential(tau="3Gyr", age_max="10Gyr"), mass=2e5)
    assert p.sfh.future_rate() == pytest.approx(rate)
    s = p.make(seed=1, epoch="+1Gyr")
    assert s["mass_initial"][_formation(s) > 0].sum() == pytest.approx(2e5 * rate * 1e9, rel=0.03)
    assert sm.Burst("1Gyr").future_rate() == 0.0

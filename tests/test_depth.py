"""Fields cost what they cover, and depth (issue 13, items 1 and 2): a cone makes only the stars
inside it — the very stars of the whole sky cut to the cone, bit for bit — and a pixel's draw is
made in pieces of rows that change no star (memory bounded at any depth)."""

from __future__ import annotations

import numpy as np
import pytest

from starmaker.galaxy import survey as sv
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
    counts, state = sv._pixel_counts(4, 123, expected)
    rng = np.random.default_rng(np.random.SeedSequence(4, spawn_key=(123,)))
    np.testing.assert_array_equal(rng.poisson(expected), counts)
    full = rng.random((int(counts.sum()), sv.ROW_WIDTH))
    got = np.concatenate([sv._rows(state, i, min(i + 97, len(full))) for i in range(0, len(full), 97)])
    np.testing.assert_array_equal(got, full)
    pieces = list(sv._pieces([np.array([5, 0]), np.array([0]), np.array([7])], 4))
    assert pieces == [[(0, 0, 4)], [(0, 4, 5), (2, 0, 3)], [(2, 3, 7)]]


def test_keyed_normals_are_standard_normal_and_keyed():
    """The velocity and error normals: N(0, 1), and a star's depend only on (seed, pixel, row)."""
    rows = np.arange(200_000)
    z = sv.row_normals(3, np.full(len(rows), 77), rows, 1, 3)
    assert abs(z.mean()) < 4 / np.sqrt(z.size) and abs(z.std() - 1) < 0.01
    assert abs(np.corrcoef(z[:, 0], z[:, 1])[0, 1]) < 0.01
    some = rows[::1000]
    np.testing.assert_array_equal(sv.row_normals(3, np.full(len(some), 77), some, 1, 3), z[::1000])
    assert not np.array_equal(sv.row_normals(3, np.full(10, 78), rows[:10], 1, 3), z[:10])
    assert np.isfinite(sv._keyed_uniforms(0, np.arange(10))).all()

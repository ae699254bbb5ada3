"""A drawn star made into a catalogue star: evolved, made to shine in the sky's bands, dimmed by
distance and dust, cut to the limit, given its velocity and, for a survey's errors, measured —
each star's random numbers keyed to its pixel and its row there (:func:`row_normals`), so a
star does not depend on how the sky is split nor on which other stars are kept.

The survey (:mod:`starmaker.galaxy.survey`) draws the rows; this module observes them; the
binaries (:mod:`starmaker.galaxy.systems`) observe their members with the same functions.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from scipy.special import ndtri

from ..evolution.evolve import evolve_through
from ..photometry import bands as registry
from ..photometry.magnitudes import absolute_and_extinctions, absolute_magnitudes, apparent_magnitudes
from ..place.dust import DustModel
from ..place.frames import galactocentric, icrs_to_galactic
from ..stars import Stars
from .limits import Field, Limit

__all__ = ["sky_bands", "observe", "shine", "velocities", "measure", "measured", "row_normals",
           "keyed_uniforms", "order_in_pixel", "MEASURE_NORMALS", "RowNormals", "row_pieces"]


def sky_bands(lim: Limit) -> tuple[str, ...]:
    """The bands a sky made to ``lim`` carries: the registry's defaults, and the limit's band."""
    bands = registry.DEFAULT_BANDS
    return bands if lim.band in bands else (*bands, lim.band)


class RowNormals(np.random.Generator):
    """A generator whose ``standard_normal`` gives, call by call, the columns of a fixed (n, k)
    array of normal numbers: the ones keyed to each star (:func:`row_normals`), handed to a
    measurement that draws one normal per star per quantity, in a fixed order."""

    def __init__(self, normals: np.ndarray) -> None:
        super().__init__(np.random.PCG64(0))
        self._normals = normals
        self._next = 0

    def standard_normal(self, size=None, dtype=np.float64, out=None):
        col = self._normals[:, self._next]  # an IndexError if a measurement wants more than k
        self._next += 1
        return col.reshape(size if size is not None else col.shape).astype(dtype, copy=True)


#: normal numbers per star a Gaia measurement draws (parallax, pmra, pmdec, G, BP, RP)
MEASURE_NORMALS = 6


def measure(stars: Stars, errors: str, seed: int, row: np.ndarray) -> Stars:
    """The Gaia measurement of made stars (:func:`~starmaker.observe.gaia_errors.gaia_errors`),
    its noise keyed to each star by its pixel and its row there (:func:`row_normals`, stream 2:
    ``SeedSequence(seed, spawn_key=(pixel, 2))``): a stream of its own (the stars, drawn from
    ``(pixel,)`` and ``(pixel, 1)``, do not change), and a star's noise depends neither on how
    the sky is split nor on which other stars are kept."""
    return measured(stars, errors, row_normals(seed, stars["healpix"], row, 2, MEASURE_NORMALS))


def measured(stars: Stars, errors: str, normals: np.ndarray) -> Stars:
    """``stars`` as the survey ``errors`` measures them, from their (n, ``MEASURE_NORMALS``)
    keyed normal numbers."""
    from ..observe.gaia_errors import gaia_errors

    return stars.with_columns(**gaia_errors(stars, errors.removeprefix("gaia-"), RowNormals(normals)))


def observe(b: dict[str, np.ndarray], dust: DustModel, lim: Limit, field: Field, seed: int = 0,
             errors: str | None = None) -> Stars:
    """Evolve the drawn stars, make them shine, dim them by distance and dust, and keep those
    brighter than the limit (and inside ``field``, a cone; the survey cuts its rows to the cone
    before, so it passes the whole sky). Dust only dims, so stars already too faint without it
    are dropped before the dust is computed. The kept stars get their velocities
    (``kinematics``) and, with ``errors``, their measurement, keyed by their pixel and row
    (:func:`row_normals`)."""
    s, row = shine(b, dust, lim, field)
    s = s.with_columns(**velocities(s, row, seed))
    return measure(s, errors, seed, row) if errors and len(s) else s


def shine(b: dict[str, np.ndarray], dust: DustModel, lim: Limit, field: Field) -> tuple[Stars, np.ndarray]:
    """The stars of :func:`observe` before their velocities and measurement, and each one's
    row in its pixel (the key of its velocity and errors)."""
    bands = sky_bands(lim)
    s = evolve_through(b["m"], b["age"], b["feh"])
    # the limit's band only for every drawn star; all bands, with extinction, in one pass for
    # those kept (a star's magnitudes in a band do not depend on the other bands asked for)
    m_lim = absolute_magnitudes(s["log_L"], s["log_Teff"], s["log_g"], s["feh"], (lim.band,))["M_" + lim.band]
    dm = 5.0 * np.log10(b["d"]) - 5.0
    # the windows overlap near the dying mass (both are padded): a star counts only if drawn
    # from the window of what it turned out to be, living or dead, so none is made twice
    # (births drawn without windows, from the whole IMF, carry no "window" and all count)
    own = s["alive"] == (b["window"] == 0) if "window" in b else np.ones(len(s), bool)
    near = np.flatnonzero(own & (m_lim + dm < lim.mag) & field.contains(b["ra"], b["dec"]))
    # the near stars' columns that the light needs, once; the evolved table is cut once, below,
    # straight to the stars kept (the same values as cutting it to the near ones first)
    dm = dm[near]
    b = {k: b[k][near] for k in ("ra", "dec", "d", "comp", "pix", "row") if k in b}
    l, bb = icrs_to_galactic(b["ra"], b["dec"])
    av = dust.a_v(l, bb, b["d"])
    star = [s[k][near] for k in ("log_L", "log_Teff", "log_g", "feh")]
    mags, ext = absolute_and_extinctions(*star, av, bands)
    # the limit's band decides; every band's apparent magnitude only for the stars kept
    kept = np.flatnonzero(apparent_magnitudes(mags, dm, ext, (lim.band,))[lim.band] < lim.mag)
    mags = {k: v[kept] for k, v in mags.items()}
    app = apparent_magnitudes(mags, dm[kept], {k: v[kept] for k, v in ext.items()}, bands)
    new = {"ra": b["ra"], "dec": b["dec"], "l": l, "b": bb, "distance": b["d"], "A_V": av,
           "component": b["comp"], "healpix": b["pix"]}
    new = {**mags, **{k: new[k][kept] for k in ("ra", "dec", "l", "b", "distance", "A_V")}, **app,
           **{k: new[k][kept] for k in ("component", "healpix")}}
    s = s.select(near[kept]).with_columns(**new)
    # a star's row in its pixel keys its velocity; births drawn otherwise (the brute-force tests)
    # number their stars in order within each pixel
    row = b["row"][kept] if "row" in b else order_in_pixel(s["healpix"])
    return s, row


def order_in_pixel(pix: np.ndarray) -> np.ndarray:
    """Each star's number among the stars of its pixel, in order."""
    order = np.argsort(pix, kind="stable")
    ps = pix[order]
    start = np.flatnonzero(np.r_[True, ps[1:] != ps[:-1]]) if len(ps) else np.zeros(0, np.int64)
    first = np.repeat(start, np.diff(np.append(start, len(ps))))
    out = np.empty(len(pix), np.int64)
    out[order] = np.arange(len(ps)) - first
    return out


#: SplitMix64 (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number generators",
#: OOPSLA; the constants of its reference code): a counter-based generator, so the n-th number
#: of a stream is had without the n − 1 before it
_SM_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_SM_M1, _SM_M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


def keyed_uniforms(key: int, counter: np.ndarray) -> np.ndarray:
    """Uniform numbers in (0, 1), the ``counter``-th outputs of the SplitMix64 stream seeded
    with ``key`` (53 bits, offset by half a step: never 0 or 1)."""
    with np.errstate(over="ignore"):
        z = np.uint64(key) + (np.asarray(counter, np.uint64) + np.uint64(1)) * _SM_GAMMA
        z = (z ^ (z >> np.uint64(30))) * _SM_M1
        z = (z ^ (z >> np.uint64(27))) * _SM_M2
        z = z ^ (z >> np.uint64(31))
    return ((z >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53


def row_normals(seed: int, pix: np.ndarray, row: np.ndarray, stream: int | tuple[int, ...],
                width: int) -> np.ndarray:
    """(n, ``width``) standard normal numbers (exact inverse CDF of :func:`keyed_uniforms`) for
    stars keyed by (``pix``, ``row``): a pixel's stream ``SeedSequence(seed, spawn_key=(pixel,
    stream))`` seeds a SplitMix64 stream, whose numbers ``width × row`` … are the star's. A star's
    numbers depend on nothing but its seed, pixel and row: not on which other stars are made.
    ``stream`` may be a tuple (``spawn_key=(pixel, *stream)``: the binaries' members)."""
    tail = (int(stream),) if isinstance(stream, int | np.integer) else tuple(int(k) for k in stream)
    pix = np.asarray(pix, np.int64)
    out = np.empty((len(pix), width))
    counter = np.asarray(row, np.int64)[:, None] * width + np.arange(width)[None, :]
    order = np.argsort(pix, kind="stable")
    ps = pix[order]
    start = np.flatnonzero(np.r_[True, ps[1:] != ps[:-1]]) if len(ps) else np.zeros(0, np.int64)
    bounds = np.append(start, len(ps))
    for k, p in enumerate(ps[start]):
        key = int(np.random.SeedSequence(seed, spawn_key=(int(p), *tail)).generate_state(1, np.uint64)[0])
        sel = order[bounds[k]:bounds[k + 1]]
        out[sel] = ndtri(keyed_uniforms(key, counter[sel]))
    return out


def velocities(s: Stars, row: np.ndarray, seed: int, stream: int = 1) -> dict[str, np.ndarray]:
    """pmra, pmdec (mas/yr) and radial_velocity (km/s) of made stars, from three normal numbers
    per star keyed by its pixel and its row there (:func:`row_normals`, stream 1), so a star's
    velocity does not depend on how the sky is split nor on which other stars are kept.
    (``stream``: another for stars drawn from another row space, the binaries' hosts.)"""
    from ..place.kinematics import space_motion

    normals = row_normals(seed, s["healpix"], row, stream, 3)
    x, y, z, _ = galactocentric(s["l"], s["b"], s["distance"])
    pmra, pmdec, rv = space_motion(s.codes("component"), s["age"], s["ra"], s["dec"], s["distance"],
                                   x, y, z, normals)
    return {"pmra": pmra, "pmdec": pmdec, "radial_velocity": rv}


def row_pieces(sizes, rows_per_piece: int) -> Iterator[list[tuple]]:
    """Runs of drawn rows, ``sizes`` = [(key, n), …] in order, cut into pieces of at most
    ``rows_per_piece`` rows: each piece a list of (key, first row, end row), in order (the survey
    cuts a block's pixels' rows with it; the binaries cut primaries' and hosts' rows)."""
    piece: list[tuple] = []
    room = rows_per_piece
    for key, n in sizes:
        i = 0
        while i < n:
            j = min(n, i + room)
            piece.append((key, i, j))
            room -= j - i
            i = j
            if room == 0:
                yield piece
                piece, room = [], rows_per_piece
    if piece:
        yield piece

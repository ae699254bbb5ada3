"""Magnitude-limited making: the stars brighter than a limit, without making the whole galaxy.

The sky is cut into HEALPix pixels (nested, ICRS, ``nside`` 16 by default: 3072 pixels of
3.7°) and each line of sight into distance shells (0.2 mag in distance modulus). Each
population's births are cut into cells of age (0.05 dex) and [Fe/H] (at most 0.1 dex). For every
cell a table built once from MIST (and cached on disk) gives, for any absolute-magnitude limit L,
the window of x = m / m_dying(age, [Fe/H]) in which a star can be brighter than L, for living
stars and for remnants apart: giants sit a hair below x = 1 at every age, so their windows are
narrow. In a shell at distance d behind at least A_V of dust (the least anywhere in the pixel:
:func:`~starmaker.place.dust.a_v_least`, a bound the dust model gives) only stars with
M < limit − DM(d) − k_min·A_V can be seen, so only those windows are drawn, less up to two
faint runs of x inside the living stars' window (the red clump between the bright upper RGB and
the AGB, the lower RGB: x where every sampled point of the cell is fainter than the limit by a
margin): the expected number is (initial mass in the shell / mean IMF mass) × Σ cells (weight ×
the window's largest IMF fraction over the cell); the count is Poisson; each star gets its cell,
age, [Fe/H] and place (uniform in the shell's volume inside the pixel), and is kept with
probability (its own window's fraction at its own distance / the largest) — an exact thinning —
with its mass from the IMF truncated to its window by exact inverse CDF. The drawn stars are
evolved, made to shine, dimmed by dust, and kept if brighter than the limit and drawn from the
window of what they turned out to be (living or dead), so none is made twice. Brute-force tests
(every star in a volume) check that nothing bright is missed; another puts stars in the holes
and checks none is bright.

Determinism: each pixel draws from its own generator,
``SeedSequence(seed, spawn_key=(pixel,))``: its Poisson counts, then one row of 8 uniform
numbers per drawn star; the output is ordered by pixel and row, so the same seed gives the same
stars (and the same Parquet bytes) whether the sky is made in one piece, in fields, pixel by
pixel, in any block size or on any number of threads. A pixel's rows are made in pieces of at
most ``PIECE_ROWS`` rows (its PCG64 stream advanced past the rows before), so memory is bounded
at any depth and no star depends on the pieces. A cone field reads a row's place first and makes
only the rows inside it: the very stars of the whole sky cut to the cone. Velocities (three
normal numbers) and a survey's measurement errors (``errors="gaia-dr3"``..., six) are keyed to
the star's row: SplitMix64 streams seeded from ``(pixel, 1)`` and ``(pixel, 2)``
(:func:`.observed.row_normals`), so a star's are the same however the sky is split, whichever other stars
are kept, and with or without errors. (A versioned change, issue 13: before, velocities and
errors were drawn in turn for the kept stars of a pixel, so a cone's differed from the whole
sky.s; every other column is unchanged.)

Here: :class:`MilkyWay` (the maker), :func:`make_pixels` (the unit of work: the stars of a list
of pixels, a pure function), the driver (:func:`iter_sky`, :func:`make_sky`, :func:`write_sky`:
chunks of pixels on threads, streamed to Parquet) and the blocks of pixels it draws. Beside it:
``draw`` (the shells, expected rows, counts, rows and births of a piece), ``limits`` (Limit,
Field), ``healpix`` (the pixel geometry), ``windows`` (the mass tables and their cache).
"""

from __future__ import annotations

import dataclasses
import functools
import math
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, is_dataclass
from typing import Any

import numpy as np

from .._version import __version__
from ..errors import InvalidParameterError
from ..maker import MakerBase
from ..photometry import bands as registry
from ..place.dust import DustDisk, DustModel
from ..schema import COLUMNS, GAIA_COLUMNS, OBSERVED_COLUMNS, SYSTEM_COLUMNS
from ..stars import Stars
from . import draw, healpix, hosts, systems
from .components import COMPONENT_NAMES, Component, GalacticPopulation, milky_way_components
from .limits import Field, Limit, parse_limit
from .observed import observe as _observe
from .observed import sky_bands
from .windows import (
    WINDOWS,
    mass_table,
)

__all__ = ["Limit", "parse_limit", "Field", "make_pixels", "iter_pixels", "make_sky", "iter_sky", "write_sky",
           "MilkyWay", "Placement", "sky_columns", "write_hats", "DEFAULT_NSIDE", "parse_dust", "DUST_NAMES",
           "parse_errors", "ERRORS"]

DEFAULT_NSIDE = 16
MAX_DRAWS = 3_000_000     # expected draws per block of pixels (memory: ~300 bytes each)
PIECE_ROWS = 250_000      # drawn rows made at once (a pixel's rows are made in such pieces: ~0.4 GB)
#: the columns of a made sky (default bands), in schema order
_REAL_ONLY = ("hip", "source_id", "parallax")
SKY_COLUMNS = tuple(c.name for c in COLUMNS if c.name not in _REAL_ONLY and c.name not in OBSERVED_COLUMNS
                    and c.name not in SYSTEM_COLUMNS)
COLUMN_DTYPES = {c.name: c.numpy_dtype for c in COLUMNS}


def sky_columns(bands: Sequence[str] = registry.DEFAULT_BANDS) -> tuple[str, ...]:
    """The columns of a sky with ``bands``, in the order the survey makes them (the schema's for
    the default bands: ``SKY_COLUMNS``)."""
    default = {f"M_{b}" for b in registry.DEFAULT_BANDS} | set(registry.DEFAULT_BANDS)
    out: list[str] = []
    for c in SKY_COLUMNS:
        if c == "phot_extrapolated":
            out += [f"M_{b}" for b in bands]
        elif c == "component":
            out += list(bands)
        if c not in default:
            out.append(c)
    return tuple(out)


# --------------------------------------------------------------------------- a request, parsed once
@dataclass(frozen=True)
class _Plan:
    """A sky request parsed once, at the boundary: the components shifted to the epoch, the limit,
    field, dust and epoch as objects, and the populations' mass tables."""

    components: tuple[Component, ...]
    lim: Limit
    seed: int
    field: Field
    nside: int
    dust: DustModel
    epoch: float
    errors: str | None = None
    multiplicity: str | None = None       # binaries and multiples: galaxy.systems
    resolution_arcsec: float | None = None

    @functools.cached_property
    def pops(self) -> list[tuple[Component, GalacticPopulation]]:
        return [(comp, pop) for comp in self.components for pop in comp.populations]

    @functools.cached_property
    def tables(self) -> list:
        return [mass_table(pop, self.lim.band) for _, pop in self.pops]

    @functools.cached_property
    def drawn(self) -> _Plan:
        """The plan the draw uses: this one, or with binaries whose companions can be unresolved
        this one with its limit widened (:func:`~starmaker.galaxy.systems.widened`), its own
        ``pops`` and ``tables`` (the mass tables, one per band, hold every limit: the widened
        limit reads their columns)."""
        lim = systems.widened(self.lim, self.multiplicity, self.resolution_arcsec)
        return self if lim == self.lim else dataclasses.replace(self, lim=lim)

    def meta(self) -> dict[str, Any]:
        return {**sky_meta(self.components, self.lim, self.seed, self.field, self.nside, self.dust),
                "epoch": self.epoch, **({"errors": self.errors} if self.errors else {}),
                **systems.system_meta(self.multiplicity, self.resolution_arcsec)}

    def empty(self) -> Stars:
        cols = (sky_columns(sky_bands(self.lim)) + (SYSTEM_COLUMNS if self.multiplicity else ())
                + (ERROR_COLUMNS if self.errors else ()))
        return Stars({k: np.empty(0, COLUMN_DTYPES.get(k, float)) for k in cols}, self.meta())


def _components(components: Sequence[Component | str]) -> list[Component]:
    comps: list[Component] = []
    for c in components:
        comps.extend(milky_way_components([c]) if isinstance(c, str) else [c])
    if not comps:
        raise InvalidParameterError("components", list(components), "at least one component")
    return comps


#: the dust models a name chooses: the smooth disc, or the disc scaled to an all-sky 2-D map
DUST_NAMES = ("disk", "sfd", "planck")


def parse_dust(dust: DustModel | str | None) -> DustModel:
    """The dust model (default :class:`~starmaker.place.dust.DustDisk`), checked against the
    :class:`~starmaker.place.dust.DustModel` protocol. A name chooses one: ``"disk"`` (the smooth
    disc, :class:`~starmaker.place.dust.DustDisk`), ``"sfd"`` or ``"planck"`` (the disc scaled to
    that all-sky map, :class:`~starmaker.place.dust.MapScaledDust`)."""
    if dust is None:
        return DustDisk()
    if isinstance(dust, str):
        from ..errors import UnknownNameError
        from ..place.dust import MapScaledDust

        name = dust.strip().lower()
        if name not in DUST_NAMES:
            raise UnknownNameError("dust", dust, list(DUST_NAMES))
        return DustDisk() if name == "disk" else MapScaledDust(map=name)
    if not isinstance(dust, DustModel):
        raise InvalidParameterError("dust", dust, "a dust model with a_v(l, b, distance) and "
                                    "a_v_profile(l, b, edges) (the DustModel protocol), e.g. DustDisk()")
    return dust


#: what ``errors=`` may name: a Gaia release's measurement (:mod:`starmaker.observe.gaia_errors`)
ERRORS = ("gaia-dr3", "gaia-dr4", "gaia-dr5")
#: the columns a measured sky adds: the observed parallax, then the schema's GAIA_COLUMNS
#: (``pmra``, ``pmdec`` become the observed ones; the true ones are ``pmra_true``, ``pmdec_true``)
ERROR_COLUMNS = ("parallax", *GAIA_COLUMNS)


def parse_errors(errors: str | None) -> str | None:
    """The survey whose errors a made sky gets: None (true values only) or one of ``ERRORS``."""
    if errors is None or (isinstance(errors, str) and errors.strip().lower() in ("", "none")):
        return None
    name = str(errors).strip().lower()
    if name not in ERRORS:
        from ..errors import UnknownNameError

        raise UnknownNameError("survey errors", errors, [*ERRORS, "none"])
    return name


def _plan(components: Sequence[Component], limit: str | Limit, seed: int, field: Field | str | None,
          nside: int, dust: DustModel | None, epoch: float | str, errors: str | None = None,
          multiplicity: str | None = None, resolution_arcsec: float | None = None) -> _Plan:
    from ..births.history import parse_epoch

    e = parse_epoch(epoch)
    if isinstance(nside, bool) or int(nside) != nside or nside < 1:
        raise InvalidParameterError("nside", nside, "a positive whole number (HEALPix nside, e.g. 16)")
    model = systems.parse_multiplicity(multiplicity)
    comps = systems.scaled_components([c.at_epoch(e) for c in components], model)  # primaries' share
    return _Plan(tuple(comps), parse_limit(limit), seed, Field.parse(field),
                 int(nside), parse_dust(dust), e, parse_errors(errors), model,
                 systems.parse_resolution(resolution_arcsec))


# --------------------------------------------------------------------------- the unit of work
def make_pixels(pixels: Sequence[int], limit: str | Limit, seed: int = 0, *,
                components: Sequence[Component | str] = COMPONENT_NAMES, dust: DustModel | None = None,
                nside: int = DEFAULT_NSIDE, epoch: float | str = 0.0, field: Field | str | None = None,
                max_draws: int | None = None, errors: str | None = None, multiplicity: str | None = None,
                resolution_arcsec: float | None = None) -> Stars:
    """The stars brighter than ``limit`` in the HEALPix ``pixels`` (nested, ICRS, ``nside``), as
    seen at ``epoch``: a pure function of its arguments, the unit of work a distributed run
    calls (one task per list of pixels).

    Every pixel draws from its own generators (``SeedSequence(seed, spawn_key=(pixel,))`` and
    ``(pixel, 1)``) and the stars come in the order of ``pixels``, so any split of a pixel list,
    made anywhere and put back in order, gives the same stars (and the same Parquet bytes) as the
    whole. A ``field`` (a cone) makes only the stars inside it (the whole sky's stars there);
    ``max_draws`` bounds the draws held at once (blocks are halved until their expected draws fit,
    and a block's rows are made in pieces of at most that many; it changes no star). The metadata is
    that of a sky of these pixels. ``errors`` ("gaia-dr3", "gaia-dr4", "gaia-dr5" or None): the
    stars as that Gaia release would measure them (see :func:`.observed.measure`; the true columns are
    the same as without). ``multiplicity`` ("moe2017", "spisea", "trilegal" or None) and
    ``resolution_arcsec``: binaries and multiples (:mod:`starmaker.galaxy.systems`; companions
    from ``(pixel, 3)``)."""
    plan, pix = _pixels_plan(pixels, limit, seed, components, dust, nside, epoch, field, errors, multiplicity,
                             resolution_arcsec)
    parts = list(_blocks(plan, pix, MAX_DRAWS if max_draws is None else max_draws))
    if not parts:
        return plan.empty()
    stars = Stars.concat(parts) if len(parts) > 1 else parts[0]
    stars.meta = plan.meta()
    return stars


def iter_pixels(pixels: Sequence[int], limit: str | Limit, seed: int = 0, *,
                components: Sequence[Component | str] = COMPONENT_NAMES, dust: DustModel | None = None,
                nside: int = DEFAULT_NSIDE, epoch: float | str = 0.0, field: Field | str | None = None,
                max_draws: int | None = None, errors: str | None = None, multiplicity: str | None = None,
                resolution_arcsec: float | None = None) -> Iterator[Stars]:
    """:func:`make_pixels` a piece at a time, in this thread: the non-empty tables whose
    concatenation is ``make_pixels``' stars (each with its metadata), so that a dense pixel at a
    faint limit is never held whole (a HATS tile streams through it)."""
    plan, pix = _pixels_plan(pixels, limit, seed, components, dust, nside, epoch, field, errors, multiplicity,
                             resolution_arcsec)
    meta = plan.meta()
    for stars in _blocks(plan, pix, MAX_DRAWS if max_draws is None else max_draws):
        stars.meta = dict(meta)
        yield stars


def _pixels_plan(pixels, limit, seed, components, dust, nside, epoch, field, errors, multiplicity,
                 resolution_arcsec) -> tuple[_Plan, np.ndarray]:
    plan = _plan(_components(components), limit, seed, field or Field.from_pixels(pixels), nside, dust, epoch,
                 errors, multiplicity, resolution_arcsec)
    pix = np.asarray(pixels, np.int64).reshape(-1)
    npix = healpix.npix(plan.nside)
    if pix.size and (pix.min() < 0 or pix.max() >= npix or len(np.unique(pix)) != pix.size):
        raise InvalidParameterError("pixels", pix.tolist()[:20], f"distinct pixel numbers 0..{npix - 1} "
                                    f"(nside {plan.nside}, nested)")
    return plan, pix


# --------------------------------------------------------------------------- the driver
def iter_sky(components: Sequence[Component], limit: str | Limit, seed: int = 0,
             field: Field | str | None = None, nside: int = DEFAULT_NSIDE,
             dust: DustModel | None = None, progress: Callable[[int, int], None] | None = None,
             chunk: int = 256, max_draws: int | None = None, threads: int | None = None,
             epoch: float | str = 0.0, errors: str | None = None, multiplicity: str | None = None,
             resolution_arcsec: float | None = None) -> Iterator[Stars]:
    """The stars brighter than ``limit`` in ``field``, a piece at a time (the stars of a block of
    pixels or of a piece of a pixel's rows, as :func:`make_pixels` makes them), in pixel order
    (empty pieces are skipped). Memory stays bounded however faint the limit (``max_draws``,
    default ``MAX_DRAWS``, and ``PIECE_ROWS``: see :func:`make_pixels`). Chunks of ``chunk``
    pixels are made by ``threads`` threads (default: the CPUs this process may use), at most that
    many ahead of the one being yielded, each holding at most two pieces ahead; NumPy and Numba
    release the GIL for the heavy parts.

    ``epoch`` (yr relative to today, −4.5 … +10 Gyr): the sky as seen then. Every population
    is shifted in time (:meth:`starmaker.galaxy.components.Component.at_epoch`: ages grow, the unborn are
    left out, the thin disc goes on forming stars at its present rate unless its history is
    quenched or scaled); the mass tables are built for the shifted ages, so the windows follow
    the dying mass of the epoch. Positions, density laws and dust stay today's."""
    plan = _plan(components, limit, seed, field, nside, dust, epoch, errors, multiplicity, resolution_arcsec)
    return _iter_plan(plan, list(components), progress, chunk, max_draws, threads)


def _iter_plan(plan: _Plan, components: list[Component], progress, chunk: int, max_draws: int | None,
               threads: int | None) -> Iterator[Stars]:
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor
    from itertools import islice

    pixels = plan.field.pixel_list(plan.nside)
    plan.tables  # noqa: B018 - built (or read) once, before the threads start
    if plan.multiplicity:
        plan.drawn.tables  # noqa: B018 - the binaries' draw: its tables and the hosts'
        hosts.host_tables(plan)
    meta = plan.meta()

    import queue
    import threading

    end = object()
    stop = threading.Event()
    draws = MAX_DRAWS if max_draws is None else max_draws

    def put(q, item):  # wait for room, unless the reader has gone
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def run(start, q):
        """A chunk's stars, piece by piece, into ``q`` (bounded: a chunk ahead of the one being
        read holds at most two pieces, so memory is bounded however faint the limit)."""
        try:
            for stars in _blocks(plan, pixels[start:start + chunk], draws):
                put(q, stars)
                if stop.is_set():
                    return
        except BaseException as exc:  # handed to the reader
            put(q, exc)
            return
        put(q, end)

    done = 0
    workers = max(1, threads or (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1))
    starts = iter(range(0, len(pixels), chunk))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        def submit(start):
            q: queue.Queue = queue.Queue(maxsize=2)
            pool.submit(run, start, q)
            return start, q

        try:
            ahead = deque(submit(st) for st in islice(starts, workers))
            while ahead:
                start, q = ahead.popleft()
                while (item := q.get()) is not end:
                    if isinstance(item, BaseException):
                        raise item
                    item.meta = dict(meta)
                    yield item
                nxt = next(starts, None)
                if nxt is not None:
                    ahead.append(submit(nxt))
                done += len(pixels[start:start + chunk])
                if progress:
                    progress(done, len(pixels))
        finally:
            stop.set()


def check_nside(nside) -> int:
    """``nside`` if it is a HEALPix resolution the survey can use: a power of two, 1 to 1024."""
    ok = isinstance(nside, int | np.integer) and not isinstance(nside, bool) and 1 <= nside <= 1024
    if not ok or (int(nside) & (int(nside) - 1)):
        raise InvalidParameterError("nside", nside, "a power of two from 1 to 1024 (default 16)")
    return int(nside)


def sky_meta(components, lim: Limit, seed: int, field: Field, nside: int, dust) -> dict[str, Any]:
    """The provenance written with a made sky: recipe, seed, field, dust and data versions."""
    from ..evolution.isochrones import load_mist

    sources = sorted({registry.band(b).source for b in sky_bands(lim)})
    photometry = (registry.source(sources[0]).provenance() if len(sources) == 1
                  else {s: registry.source(s).provenance() for s in sources})
    return {"starmaker": __version__, "limit": str(lim), "seed": seed, "nside": nside,
            "field": asdict(field),
            "dust": {"kind": type(dust).__name__, **(asdict(dust) if is_dataclass(dust) else {})},
            "components": [c.name for c in components],
            "evolution": load_mist().provenance(), "photometry": photometry}


def make_sky(components: Sequence[Component], limit: str | Limit, seed: int = 0,
             field: Field | str | None = None, nside: int = DEFAULT_NSIDE,
             dust: DustModel | None = None, progress: Callable[[int, int], None] | None = None,
             chunk: int = 256, max_draws: int | None = None, epoch: float | str = 0.0,
             errors: str | None = None, multiplicity: str | None = None,
             resolution_arcsec: float | None = None) -> Stars:
    """Make every star brighter than ``limit`` in ``field`` (default: the whole sky), as seen
    at ``epoch`` (yr relative to today; see :func:`iter_sky`).

    Returns a :class:`Stars` table with the evolution and photometry columns plus ra, dec, l, b,
    distance, A_V, apparent magnitudes, component and healpix (the making pixel), ordered by
    pixel. ``progress(done, total)`` is called as pixels are done. For faint limits, write with
    :func:`write_sky` instead, which never holds the whole sky in memory.
    """
    plan = _plan(components, limit, seed, field, nside, dust, epoch, errors, multiplicity, resolution_arcsec)
    parts = list(_iter_plan(plan, list(components), progress, chunk, max_draws, None))
    if not parts:
        return plan.empty()
    sky_stars = Stars.concat(parts)
    sky_stars.meta = dict(parts[0].meta)
    return sky_stars


def write_sky(path, components: Sequence[Component], limit: str | Limit, seed: int = 0,
              field: Field | str | None = None, nside: int = DEFAULT_NSIDE, dust: DustModel | None = None,
              progress: Callable[[int, int], None] | None = None, epoch: float | str = 0.0,
              extra_meta: dict[str, Any] | None = None, errors: str | None = None,
              multiplicity: str | None = None, resolution_arcsec: float | None = None) -> int:
    """Make the sky (as seen at ``epoch``, yr relative to today) and stream it to a Parquet
    file, chunk by chunk, atomically (a temporary file renamed at the end: an interrupted run
    leaves nothing at ``path``). Row groups hold a fixed number of rows, so the file is byte for
    byte the one ``make_sky(...).write(path)`` gives, whatever the chunks. ``extra_meta`` is
    added to the metadata. Returns the number of stars written."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ..io.parquet import PARQUET_OPTIONS, ROW_GROUP_ROWS, atomic_path, to_arrow

    plan = _plan(components, limit, seed, field, nside, dust, epoch, errors, multiplicity, resolution_arcsec)
    empty = plan.empty()
    empty.meta.update(extra_meta or {})
    schema = to_arrow(empty).schema
    n = 0
    with atomic_path(path) as tmp, pq.ParquetWriter(tmp, schema, **PARQUET_OPTIONS) as writer:
        pending: list = []
        rows = 0
        for stars in _iter_plan(plan, list(components), progress, 256, None, None):
            table = to_arrow(stars).replace_schema_metadata(schema.metadata)
            pending.append(table)
            rows += table.num_rows
            n += table.num_rows
            while rows >= ROW_GROUP_ROWS:
                whole = pa.concat_tables(pending)
                writer.write_table(whole.slice(0, ROW_GROUP_ROWS), row_group_size=ROW_GROUP_ROWS)
                pending, rows = [whole.slice(ROW_GROUP_ROWS)], whole.num_rows - ROW_GROUP_ROWS
        if rows or n == 0:
            writer.write_table(pa.concat_tables(pending) if pending else schema.empty_table(),
                               row_group_size=ROW_GROUP_ROWS)
    return n


# --------------------------------------------------------------------------- the maker
@dataclass(frozen=True)
class Placement:
    """A recipe's population put into the Milky Way: it replaces one of the Galaxy's components
    (``mode = "replace"``, keeping that component's density law and, unless ``rho0`` is given,
    its local density) or joins them as a new component with that density law (``mode = "add"``,
    ``rho0`` required: the local density of living stars at the Sun, M☉ pc⁻³); ``others`` are
    the Galaxy's components it goes among. The survey draws ages uniformly within an age range
    and [Fe/H] from a Gaussian, so the history is a ``Burst`` (made a ±1 % range) or a
    ``Constant``, and the metallicity a ``FixedFeH`` or a ``GaussianFeH``; the recipe reader
    (:mod:`starmaker.recipe`) checks them and names the key at fault."""

    name: str
    imf: Any
    sfh: Any
    metallicity: Any
    component: str
    mode: str = "replace"
    rho0: float | None = None
    others: tuple[str, ...] = COMPONENT_NAMES

    def ages(self) -> tuple[float, float]:
        from ..births.history import Burst, Constant

        if isinstance(self.sfh, Burst):
            return (self.sfh.age * 0.99, self.sfh.age * 1.01)
        if isinstance(self.sfh, Constant):
            return (self.sfh.age_min, self.sfh.age_max)
        raise InvalidParameterError("sfh.kind", self.sfh.kind, "'burst' or 'constant' (without stop) for a "
                                    "Milky Way place")

    def feh(self):
        """The metallicity as the survey draws it: a Gaussian clipped to the MIST grid."""
        from ..births.history import FixedFeH, GaussianFeH
        from .components import grid_feh

        m = self.metallicity
        if isinstance(m, FixedFeH):
            return grid_feh(m.feh, 0.0)
        if isinstance(m, GaussianFeH):
            return grid_feh(m.mean, m.sigma)
        raise InvalidParameterError("metallicity.kind", m.kind, "'fixed' or 'gaussian' for a Milky Way place")

    def components(self) -> list[Component]:
        """The Galaxy's components with this population put in."""
        import copy

        from ..births.history import Constant
        from .components import THIN_DISK_BINS

        (base,) = milky_way_components([self.component])
        ages = self.ages()
        key = 0
        if self.component == "thin_disk":  # the age bin whose density law fits the recipe's ages
            mid = math.sqrt(ages[0] * ages[1])
            key = next((k for k, b in enumerate(THIN_DISK_BINS) if b[0] <= mid < b[1]),
                       len(THIN_DISK_BINS) - 1)
        rho0 = self.rho0 if self.rho0 is not None else sum(p.rho0 for p in base.populations)
        pop = GalacticPopulation(self.name, self.imf, Constant(*ages), self.feh(), rho0,
                                 density_key=key, rho0_is_initial=base.populations[0].rho0_is_initial)
        mine = copy.copy(base)
        mine.populations = (pop,)
        if self.mode == "add":
            mine.name = self.name
            return [*milky_way_components(self.others), mine]
        return [mine if c == self.component else milky_way_components([c])[0] for c in self.others]


def _recipe_of(comp: Component) -> dict[str, Any]:
    return {"name": comp.name, "kind": type(comp).__name__,
            "populations": [{"name": p.name, "imf": {"kind": p.imf.name, **p.imf.params()},
                             "sfh": {"kind": p.sfh.kind, **p.sfh.params()},
                             "metallicity": {"kind": p.metallicity.kind, **p.metallicity.params()},
                             "rho0": p.rho0, "density_key": p.density_key,
                             "rho0_is_initial": p.rho0_is_initial} for p in comp.populations]}


class MilkyWay(MakerBase):
    """The master's recipe: the Milky Way as seen from the Sun, made to a magnitude limit.

    ``MilkyWay(limit="G<10").make(seed=1)`` (or ``MilkyWay().make("G<10", seed=1)``) makes every
    star of the thin disc, thick disc, halo and bulge brighter than G = 10 over the whole sky (or
    a ``field``). Components can be chosen by name, replaced or added (any
    :class:`~starmaker.galaxy.components.Component`), and the dust model swapped (any
    :class:`~starmaker.place.dust.DustModel`, or a name: "disk", "sfd", "planck", see
    :func:`parse_dust`). A recipe's population can be put in
    (``placement``, see :class:`Placement`; ``starmaker.recipe`` builds these from a recipe's
    ``[place] kind = "milky_way"``). Limit, field and dust are parsed here, once.

    ``multiplicity`` ("moe2017", "spisea", "trilegal"; None, the default: single stars, the
    sky of before) gives the stars companions, ``resolution_arcsec`` (None: every companion
    resolved) decides which are sources of their own: see :mod:`starmaker.galaxy.systems`.
    """

    def __init__(self, components: Sequence[Component | str] = COMPONENT_NAMES,
                 dust: DustModel | str | None = None, *, limit: str | Limit | None = None,
                 field: Field | str | None = None, nside: int = DEFAULT_NSIDE,
                 placement: Placement | None = None, source_text: str | None = None,
                 multiplicity: str | None = None, resolution_arcsec: float | None = None) -> None:
        self.multiplicity = systems.parse_multiplicity(multiplicity)
        self.resolution_arcsec = systems.parse_resolution(resolution_arcsec)
        self.placement = placement
        self.components = placement.components() if placement is not None else _components(components)
        names = [c.name for c in self.components]
        if len(set(names)) != len(names):
            raise InvalidParameterError("components", ",".join(names), "each component once")
        self.dust = parse_dust(dust)
        self.limit = parse_limit(limit) if limit is not None else None
        self.field = Field.parse(field)
        self.nside = check_nside(nside)
        self.source_text = source_text

    def _args(self, limit, field, nside) -> tuple[Limit, Field, int]:
        limit = limit if limit is not None else self.limit
        if limit is None:
            raise InvalidParameterError("limit", None, "a magnitude limit like 'G<10' (to make, or to "
                                        "MilkyWay(limit=...))")
        fld = Field.parse(field) if field is not None else self.field
        return parse_limit(limit), fld, check_nside(nside) if nside is not None else self.nside

    def _systems(self) -> dict[str, Any]:
        return {"multiplicity": self.multiplicity, "resolution_arcsec": self.resolution_arcsec}

    def _recipe_meta(self) -> dict[str, Any]:
        """What a sky made from a recipe adds to its metadata: the recipe and its text."""
        if self.placement is None:
            return {}
        return {"recipe": self.recipe(), **({"recipe_toml": self.source_text} if self.source_text else {})}

    def make(self, limit: str | Limit | None = None, seed: int = 0, field: Field | str | None = None,
             nside: int | None = None, progress: Callable[[int, int], None] | None = None,
             epoch: float | str = 0.0, errors: str | None = None) -> Stars:
        """Every star brighter than ``limit`` (e.g. "G<10"; default this maker's) in ``field``
        (default this maker's, all sky), as seen at ``epoch`` (yr relative to today, or '-1Gyr';
        −4.5 … +10 Gyr); with ``errors`` ("gaia-dr3", "gaia-dr4", "gaia-dr5"), as that Gaia
        release would measure them (observed parallax, pmra, pmdec and photometry with their
        errors; the true values kept)."""
        lim, fld, nside = self._args(limit, field, nside)
        stars = make_sky(self.components, lim, seed=seed, field=fld, nside=nside, dust=self.dust,
                         progress=progress, epoch=epoch, errors=errors, **self._systems())
        stars.meta.update(self._recipe_meta())
        return stars

    def write(self, path, limit: str | Limit | None = None, seed: int = 0, field: Field | str | None = None,
              nside: int | None = None, progress: Callable[[int, int], None] | None = None,
              epoch: float | str = 0.0, errors: str | None = None) -> int:
        """Make the sky and stream it to Parquet (atomic, bounded memory); returns the count.
        The file is the same as ``self.make(...).write(path)`` would give."""
        lim, fld, nside = self._args(limit, field, nside)
        return write_sky(path, self.components, lim, seed=seed, field=fld, nside=nside, dust=self.dust,
                         progress=progress, epoch=epoch, extra_meta=self._recipe_meta(), errors=errors,
                         **self._systems())

    def make_pixels(self, pixels: Sequence[int], seed: int = 0, epoch: float | str = 0.0,
                    limit: str | Limit | None = None, errors: str | None = None,
                    field: Field | str | None = None) -> Stars:
        """The stars of these pixels (see :func:`make_pixels`), kept to ``field`` (default this
        maker's field if it is a cone)."""
        lim, fld, nside = self._args(limit, field, None)
        if field is None and fld.kind != "cone":
            fld = None
        return make_pixels(pixels, lim, seed, components=self.components, dust=self.dust, nside=nside,
                           epoch=epoch, field=fld, errors=errors, **self._systems())

    def iter_pixels(self, pixels: Sequence[int], seed: int = 0, epoch: float | str = 0.0,
                    limit: str | Limit | None = None, errors: str | None = None,
                    field: Field | str | None = None) -> Iterator[Stars]:
        """:meth:`make_pixels` a piece at a time (see :func:`iter_pixels`)."""
        lim, fld, nside = self._args(limit, field, None)
        if field is None and fld.kind != "cone":
            fld = None
        return iter_pixels(pixels, lim, seed, components=self.components, dust=self.dust, nside=nside,
                           epoch=epoch, field=fld, errors=errors, **self._systems())

    def write_hats(self, path, limit: str | Limit | None = None, seed: int = 0, *,
                   field: Field | str | None = None, epoch: float | str = 0.0, errors: str | None = None,
                   client=None, workers: int | None = None, tile_order: int | None = None,
                   partition_rows: int | None = None, resume: bool = False, keep_tiles: bool = False,
                   progress: bool = True, run_rows: int | None = None) -> int:
        """Make the sky and write it as a HATS catalogue at ``path`` (a folder; needs
        ``starmaker[hats]``), its tiles made on Dask: on ``client`` (an existing cluster's
        ``dask.distributed.Client``), on a local cluster of ``workers`` processes, or in this
        process. The same seed gives the same files for any number of workers and any
        ``tile_order``; ``resume=True`` continues an interrupted run. Returns the number of stars.
        See :func:`starmaker.io.distributed.write_survey` for every option."""
        from ..io.distributed import DEFAULT_RUN_ROWS, DEFAULT_TILE_ORDER, require_hats, write_survey
        from ..io.hats import DEFAULT_PARTITION_ROWS

        require_hats()
        rows = DEFAULT_PARTITION_ROWS if partition_rows is None else partition_rows
        tiles = DEFAULT_TILE_ORDER if tile_order is None else tile_order
        return write_survey(self, path, limit, seed, field=field, epoch=epoch, errors=errors, client=client,
                            workers=workers, tile_order=tiles, partition_rows=rows, resume=resume,
                            keep_tiles=keep_tiles, progress=progress,
                            extra_meta=self._recipe_meta(),
                            run_rows=DEFAULT_RUN_ROWS if run_rows is None else run_rows)

    def recipe(self) -> dict[str, Any]:
        """Everything that defines this Milky Way. Built from a recipe, it is that recipe (the
        form :func:`starmaker.recipe.recipe_to_toml` writes back)."""
        lim = str(self.limit) if self.limit is not None else None
        field = _field_text(self.field)  # one text per field, however it was given
        p = self.placement
        mult = ({"multiplicity": {"model": self.multiplicity, "resolution_arcsec": self.resolution_arcsec}}
                if self.multiplicity else {})
        if p is not None:
            return {**mult, "name": p.name, "imf": {"kind": p.imf.name, **p.imf.params()},
                    "sfh": {"kind": p.sfh.kind, **p.sfh.params()},
                    "metallicity": {"kind": p.metallicity.kind, **p.metallicity.params()},
                    "place": {"kind": "milky_way", "component": p.component, "mode": p.mode,
                              "limit": lim, "field": field, "rho0": p.rho0, "components": list(p.others)}}
        return {"name": "milky_way", "place": {"kind": "milky_way", "limit": lim, "field": field,
                                               "nside": self.nside},
                "components": [_recipe_of(c) for c in self.components],
                "dust": {"kind": type(self.dust).__name__,
                         **(asdict(self.dust) if is_dataclass(self.dust) else {"repr": repr(self.dust)})},
                **mult}

    @property
    def name(self) -> str:
        return self.placement.name if self.placement is not None else "milky_way"

    def quenched(self, at: float | str = 0.0) -> MilkyWay:
        """The same Milky Way whose star formation stops at ``at`` (yr relative to today):
        every population's history wrapped in :class:`~starmaker.births.history.Quenched`."""
        from ..births.history import Quenched

        return self._neglected(lambda sfh: Quenched(sfh, at=at))

    def scaled(self, factor: float, since: float | str = 0.0) -> MilkyWay:
        """The same Milky Way forming stars ``factor`` times as fast from ``since`` on (yr
        relative to today; see :class:`~starmaker.births.history.Scaled`)."""
        from ..births.history import Scaled

        return self._neglected(lambda sfh: Scaled(sfh, factor, since=since))

    def _neglected(self, wrap) -> MilkyWay:
        import copy

        out = copy.copy(self)
        out.components = [c.neglected(wrap) for c in self.components]
        out.placement = None  # no longer the recipe's Galaxy
        out.source_text = None
        return out

    def __repr__(self) -> str:
        lim = f", limit={str(self.limit)!r}" if self.limit is not None else ""
        mult = f", multiplicity={self.multiplicity!r}" if self.multiplicity else ""
        return f"MilkyWay({[c.name for c in self.components]}, dust={self.dust!r}{lim}{mult})"


def write_hats(path, limit: str | Limit | None = None, seed: int = 0, *, milky_way: MilkyWay | None = None,
               **options) -> int:
    """Make a Milky Way's sky (default ``MilkyWay()``) and write it as a HATS catalogue:
    ``milky_way.write_hats(path, limit, seed, **options)`` (see :meth:`MilkyWay.write_hats`)."""
    mw = MilkyWay() if milky_way is None else milky_way
    if not isinstance(mw, MilkyWay):
        raise InvalidParameterError("milky_way", mw, "a starmaker MilkyWay (or None for the default)")
    return mw.write_hats(path, limit, seed, **options)


def _field_text(field: Field) -> str:
    """The field as text, one text per field: numbers exactly (shortest repr, no trailing '.0')."""
    if field.kind == "cone":
        num = [repr(float(v)).removesuffix(".0") for v in (field.ra, field.dec, field.radius)]
        return "cone:" + ",".join(num)
    if field.kind == "pixels":
        return "pixels:" + ",".join(str(p) for p in field.pixels)
    return "all"


def _blocks(plan: _Plan, block: np.ndarray, max_draws: int) -> Iterator[Stars]:
    """The stars of a block of pixels, a non-empty table per piece: a block whose expected draws
    exceed ``max_draws`` is halved until they do not (or it is one pixel), and a block's drawn
    rows are made in pieces of at most ``max_draws`` (and ``PIECE_ROWS``) rows (memory bounded
    however faint the limit: a dense pixel at G < 21 streams). No star depends on the halving
    or the pieces."""
    if block.size == 0:
        return
    sky = draw.shells(plan.nside)
    if plan.multiplicity:  # binaries: primaries to the widened limit, and hosts (galaxy.systems)
        yield from _system_blocks(plan, block, max_draws, sky)
        return
    flat_e, iL, av_in = draw.expected_rows(block, sky, plan.pops, plan.tables, plan.lim, plan.dust)
    if len(block) > 1 and flat_e.sum() > max_draws:
        half = len(block) // 2
        yield from _blocks(plan, block[:half], max_draws)
        yield from _blocks(plan, block[half:], max_draws)
        return
    drawn = [draw.pixel_counts(plan.seed, p, flat_e[k]) for k, p in enumerate(block)]
    counts = [c for c, _ in drawn]
    for piece in draw.pieces(counts, max(1, min(int(max_draws), PIECE_ROWS))):
        b = draw.births_for_rows(block, piece, drawn, iL, av_in, sky, plan)
        if b is None:
            continue
        stars = _observe(b, plan.dust, plan.lim, Field(), plan.seed, plan.errors)
        if len(stars):
            yield stars


def _system_blocks(plan: _Plan, block: np.ndarray, max_draws: int, sky: draw.Shells) -> Iterator[Stars]:
    """:func:`_blocks` with binaries (:mod:`~starmaker.galaxy.systems`): the primaries drawn as
    single stars are, but to the widened limit (``plan.drawn``), from ``(pixel,)``; the hosts
    (dead primaries seen through a companion) by the same draw from their own tables
    (:func:`~starmaker.galaxy.hosts.host_tables`) and ``SeedSequence([seed, 3],
    spawn_key=(pixel,))``. A block is halved while the two kinds' expected draws exceed
    ``max_draws``; its rows are made in pieces of at most ``max_draws`` (and ``PIECE_ROWS``)
    rows (:func:`~starmaker.galaxy.systems.pieces`), each observed with its companions by
    :func:`~starmaker.galaxy.systems.observe_systems`. No star depends on the halving or the
    pieces (companions are keyed by their primary's row)."""
    primaries = plan.drawn
    host_tabs = hosts.host_tables(plan)
    flat_e, iL, av_in = draw.expected_rows(block, sky, primaries.pops + primaries.pops,
                                           primaries.tables + host_tabs, primaries.lim, primaries.dust)
    if len(block) > 1 and flat_e.sum() > max_draws:
        half = len(block) // 2
        yield from _blocks(plan, block[:half], max_draws)
        yield from _blocks(plan, block[half:], max_draws)
        return
    n1 = len(primaries.pops) * len(WINDOWS) * len(sky.d_in)  # the primaries' (population, window, shell)
    drawn = [draw.pixel_counts(plan.seed, p, flat_e[k, :n1]) for k, p in enumerate(block)]
    hdrawn = [draw.pixel_counts([plan.seed, systems.SYSTEM_TAG], p, flat_e[k, n1:])
              for k, p in enumerate(block)]
    rows = max(1, min(int(max_draws), PIECE_ROWS))
    for piece in systems.pieces([c for c, _ in drawn], [c for c, _ in hdrawn], rows):
        prim = [(k, i0, i1) for k, kind, i0, i1 in piece if kind == 0]
        host = [(k, i0, i1) for k, kind, i0, i1 in piece if kind == 1]
        b = draw.births_for_rows(block, prim, drawn, iL, av_in, sky, primaries) if prim else None
        hb = (draw.births_for_rows(block, host, hdrawn, iL, av_in, sky, primaries, host_tabs, cells=True)
              if host else None)
        stars = systems.observe_systems(b, hb, block, plan)
        if len(stars):
            yield stars

"""The survey's mass windows: for each Galactic population and band, which stars can be bright.

Each population's births are cut into cells of age (``AGE_CELL_DEX`` in log age) and [Fe/H] (at
most ``FEH_CELL_DEX``). For every cell a table built once from MIST (and cached on disk) gives,
for any absolute-magnitude limit L (``L_GRID``), the window of x = m / m_dying(age, [Fe/H]) in
which a star can be brighter than L, for living stars and for remnants apart (giants sit a hair
below x = 1 at every age, so their windows are narrow), less up to ``N_HOLES`` faint runs of x
inside the living stars' window (the red clump between the bright upper RGB and the AGB, the
lower RGB). The draw (:mod:`starmaker.galaxy.survey`) reads the tables: :func:`mass_table`,
:func:`window_cdf`, :func:`ppf_without_holes` and :func:`dying_mass_in_cell`.

Magnitudes come from :mod:`starmaker.photometry.magnitudes` by band name, so a table can be built
for any band of the registry.
"""

from __future__ import annotations

import functools
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numba as nb
import numpy as np
from scipy.special import ndtr, ndtri

from ..arrays import broadcast
from ..evolution.evolve import evolve_through
from ..evolution.isochrones import FEH_RANGE, dying_mass
from ..io import cache
from ..photometry import bands as registry
from ..photometry.magnitudes import absolute_magnitudes
from .components import GalacticPopulation

__all__ = ["Table", "mass_table", "limit_index", "source_digest", "build_mass_table", "window_cdf",
           "draw_arrays", "ppf_without_holes", "dying_mass_in_cell", "L_GRID", "L_COLUMNS", "MARGIN",
           "WINDOWS", "N_HOLES"]

L_STEP = 0.1
L_GRID = np.arange(-14.0, 22.0 + 1e-9, L_STEP)  # absolute-magnitude limits tabulated
#: the limits the tables' columns are built for: L_GRID, but the last column holds every star
#: of finite magnitude (any limit at or beyond the grid's top, where the draw's index is
#: clipped: the nearest shell, whose limit is unbounded, and the faint ends of bands where white
#: dwarfs reach M ≈ 24 (U, u) or more (GALEX): no star is left out however faint the limit)
L_COLUMNS = np.append(L_GRID[:-1], np.inf)
MARGIN = 0.2             # mag added to every limit for the mass tables

FEH_CELL_DEX = 0.1        # largest width of the [Fe/H] cells
AGE_CELL_DEX = 0.05       # width of the age cells in log age
WINDOWS = ("alive", "remnant")  # a star is drawn from one of two mass windows
X_PAD = 0.005             # relative padding of the windows in x = m / m_dying
F_PAD = 0.02              # relative padding of the largest window fraction in a cell
MD_SUB = 8                # the dying mass is interpolated on an MD_SUB × MD_SUB grid per cell
HOLE_MARGIN = 0.3         # mag: holes need samples fainter than the limit + MARGIN + this
ALIVE_KEEP = 3e-4         # living stars' holes end below x = 1 − this (AGB stars seen to 2e-4)
HOLE_PAD_DEX = 0.1        # holes are narrowed by this much in log |x − 1| at both ends
N_HOLES = 2               # faint runs of x cut out of each window (the red clump, the lower RGB)


@dataclass(frozen=True)
class Table:
    """For one population and band: its (age × [Fe/H]) cells and, for every window (living,
    remnant), cell and tabulated absolute-magnitude limit L, the interval of x = m / m_dying
    in which a star can be brighter than L, and what the draw needs to pick cells."""

    age_lo: np.ndarray    # (C,) cell age edges (yr)
    age_hi: np.ndarray
    q_lo: np.ndarray      # (C,) cell edges as quantiles of the [Fe/H] Gaussian
    q_hi: np.ndarray
    x_lo: np.ndarray      # (W, C, L) window in x = m / dying mass(age, [Fe/H])
    x_hi: np.ndarray
    hole_lo: np.ndarray   # (W, H, C, L) parts of the window faint everywhere in the cell, in
    hole_hi: np.ndarray   # order of x (empty when lo >= hi): the red clump, the lower RGB…
    feh_lo: np.ndarray    # (C,) [Fe/H] range of the cell's stars (the end cells reach the grid's
    feh_hi: np.ndarray    # edges: their tails beyond 4σ are drawn too)
    log_md: np.ndarray    # (C, S+1, S+1) ln dying mass (M☉) on a grid over (log age, [Fe/H])
    f_max: np.ndarray     # (W, C, L) upper bound of the IMF fraction in the window over the cell
    total: np.ndarray     # (W, L): sum over cells of weight × f_max
    cum: np.ndarray       # (W, L, C) flattened as row + cumulative share: picks a cell per star

    def row_window(self, w, cell, il, lq, md, u):
        """The window each drawn row's mass comes from (its window ``w``, ``cell``, the shell's
        limit index ``il``, its own ``lq``, dying mass ``md``, uniform number ``u``): x_lo, x_hi,
        the holes' lo and hi (H, n), the IMF fraction the cell was drawn with (the thinning's
        bound), the uniform number for the mass and what else the table says of the row (none
        here; the binaries' hosts' table, ``hosts.HostTable``, gives its part and envelope)."""
        return (self.x_lo[w, cell, lq], self.x_hi[w, cell, lq], self.hole_lo[w, :, cell, lq].T,
                self.hole_hi[w, :, cell, lq].T, self.f_max[w, cell, il], u, {})


def limit_index(L) -> np.ndarray:
    """The index in ``L_GRID`` of the tabulated limit at or just fainter than each absolute
    magnitude ``L`` (clipped to the grid): a star brighter than ``L`` is inside its windows."""
    return np.clip(np.ceil((np.asarray(L, float) - L_GRID[0]) / L_STEP), 0, len(L_GRID) - 1).astype(np.int64)


def _cells(pop: GalacticPopulation):
    """The population's (age × [Fe/H]) cells: ages in steps of AGE_CELL_DEX in log age; [Fe/H]
    in steps of at most FEH_CELL_DEX over μ ± 4σ (clipped to the MIST grid), each cell holding
    its share of the Gaussian (the end cells also hold the tails beyond, which are clipped to the
    grid or lie beyond 4σ). Returns age edges, quantile edges and weights, one per cell."""
    a0, a1 = pop.sfh.age_min, pop.sfh.age_max  # a Constant history (MilkyWay shifts every one to it)
    n = max(1, math.ceil(math.log10(a1 / a0) / AGE_CELL_DEX))
    edges = np.geomspace(a0, a1, n + 1)
    if pop.feh_sigma > 0:
        f_lo = max(pop.feh_mean - 4.0 * pop.feh_sigma, FEH_RANGE[0])
        f_hi = min(pop.feh_mean + 4.0 * pop.feh_sigma, FEH_RANGE[1])
        k = max(1, math.ceil((f_hi - f_lo) / FEH_CELL_DEX))
        q = ndtr((np.linspace(f_lo, f_hi, k + 1) - pop.feh_mean) / pop.feh_sigma)
        q[0], q[-1] = 0.0, 1.0
    else:
        q = np.array([0.0, 1.0])
    nq = len(q) - 1
    ia, iq = np.meshgrid(np.arange(n), np.arange(nq), indexing="ij")
    ia, iq = ia.ravel(), iq.ravel()
    weight = (np.diff(edges) / (a1 - a0))[ia] * np.diff(q)[iq]  # Constant SFH: linear in age
    return edges[ia], edges[ia + 1], q[iq], q[iq + 1], weight


def _feh_at(pop: GalacticPopulation, q) -> np.ndarray:
    """[Fe/H] at quantile q of the population's Gaussian, clipped to the MIST grid (quantiles
    0 and 1 are taken at 4σ, the end cells' far edges)."""
    z = ndtri(np.clip(q, ndtr(-4.0), ndtr(4.0)))
    return np.clip(pop.feh_mean + pop.feh_sigma * z, *FEH_RANGE)


@functools.lru_cache(maxsize=64)
def mass_table(pop: GalacticPopulation, band: str) -> Table:
    """The population's table for ``band``: built once (about a second for the youngest thin-disc
    bin), then kept in memory and in the user's cache folder (:mod:`starmaker.io.cache`:
    ``$STARMAKER_CACHE``, else ``$XDG_CACHE_HOME/starmaker`` or ``~/.cache/starmaker``;
    ``STARMAKER_CACHE=off`` turns it off), compressed (Zstandard: the tables of a band and epoch
    take about 5 MB), read back by later processes in a few milliseconds each.
    The cache key hashes the population, the band, the table constants and the source of every
    module the table depends on plus the data versions, so a stale table is never read. Each file
    holds its own key and a CRC-32 of its contents: a file that is truncated, unreadable, of
    another key (copied or renamed into place) or altered is not trusted, but rebuilt and
    overwritten; the arrays read back are the very ones written."""

    def build() -> dict[str, np.ndarray]:
        table = build_mass_table(pop, band)
        return {f: getattr(table, f) for f in Table.__dataclass_fields__}

    return Table(**cache.cached("mass-table", _table_key(pop, band), build, codec="zstd"))


@functools.cache
def _source_digest(band: str) -> str:
    """What a table depends on besides its population: code and data versions, the band's
    definition and the code and data of its source."""
    import hashlib

    from ..births import imf
    from ..evolution import evolve as evolution
    from ..evolution import grid, isochrones, mist, remnants
    from ..evolution.isochrones import load_mist
    from ..photometry import magnitudes

    b = registry.band(band)
    src = registry.source(b.source)
    h = hashlib.sha256()
    mods = (evolution, grid, imf, isochrones, magnitudes, mist, registry, remnants,
            sys.modules.get(type(src).__module__), sys.modules[__name__])
    for mod in mods:
        if getattr(mod, "__file__", None):  # a source defined interactively has no file
            h.update(Path(mod.__file__).read_bytes())
    h.update(repr((load_mist().provenance(), b, src.provenance())).encode())
    return h.hexdigest()


def source_digest(band: str) -> str:
    """The code and data versions a mass table for ``band`` depends on (a sha256 hex digest):
    what a cache of made stars must be keyed on besides its parameters."""
    return _source_digest(band)


def _table_key(pop: GalacticPopulation, band: str) -> str:
    import hashlib

    what = repr((pop.imf, pop.sfh, pop.feh_mean, pop.feh_sigma, band, _source_digest(band)))
    return hashlib.sha256(what.encode()).hexdigest()[:24]


def build_mass_table(pop: GalacticPopulation, band: str) -> Table:
    """Evolve, for every cell corner (2 ages × 2 [Fe/H]), a set of masses (log-spaced, plus a
    dense set just below the dying mass where giants are) and record, for each magnitude
    limit, the window of x = m / m_dying(age, [Fe/H]) brighter than it, among living stars and
    among remnants separately. Windows in x hardly move across a cell (giants always sit just
    below the dying mass), so few drawn stars are wasted. Conservative: ``X_PAD`` in x and
    ``MARGIN`` in magnitude are added."""
    age_lo, age_hi, q_lo, q_hi, weight = _cells(pop)
    imf = pop.imf
    C = len(age_lo)
    ca = np.concatenate([age_lo, age_hi, age_lo, age_hi])            # (4C,) corners
    c_feh_lo, c_feh_hi = _feh_at(pop, q_lo), _feh_at(pop, q_hi)
    cf = np.concatenate([c_feh_lo, c_feh_lo, c_feh_hi, c_feh_hi])
    cid = np.tile(np.arange(C), 4)
    md = dying_mass(ca, cf)
    base = np.geomspace(imf.m_min, imf.m_max, 400)
    # dense in x = m / m_dying on both sides of 1: giants just below, the brief bright start of
    # a white dwarf's cooling just above (without these the remnant window spans whole % in x)
    dense = np.concatenate([1.0 - np.geomspace(1e-6, 0.3, 300), 1.0 + np.geomspace(1e-6, 0.1, 100)])
    m2 = np.concatenate([np.broadcast_to(base, (len(ca), len(base))), md[:, None] * dense[None, :]], axis=1)
    a = np.broadcast_to(ca[:, None], m2.shape)
    f = np.broadcast_to(cf[:, None], m2.shape)
    c = np.broadcast_to(cid[:, None], m2.shape)
    x = m2 / md[:, None]
    ok2 = (m2 >= imf.m_min) & (m2 <= imf.m_max)
    m, a, f, c, x = m2[ok2], a[ok2], f[ok2], c[ok2], x[ok2]
    mag = np.empty(len(m))
    dead = np.empty(len(m), bool)
    step = 400_000
    for i in range(0, len(m), step):
        s = evolve_through(m[i:i + step], np.maximum(a[i:i + step], 1e5), f[i:i + step])
        mag[i:i + step] = _magnitude(s, band)
        dead[i:i + step] = ~s["alive"]
    mag2 = np.full(m2.shape, np.inf)    # the corners' samples on the 2-D grid, for the holes
    dead2 = np.zeros(m2.shape, bool)
    mag2[ok2], dead2[ok2] = mag, dead
    good = np.isfinite(mag)
    nL = len(L_GRID)
    x_lo = np.ones((len(WINDOWS), C, nL))
    x_hi = np.zeros((len(WINDOWS), C, nL))
    order = np.lexsort((mag, c))
    x, mag, dead, c, good = x[order], mag[order], dead[order], c[order], good[order]
    bounds = np.searchsorted(c, np.arange(C + 1))
    for k in range(C):
        sl = slice(bounds[k], bounds[k + 1])
        for w, want_dead in enumerate((False, True)):
            sel = good[sl] & (dead[sl] == want_dead)
            xx, gg = x[sl][sel], mag[sl][sel]  # sorted by magnitude
            if len(xx) == 0:
                continue
            j = np.searchsorted(gg, L_COLUMNS + MARGIN, side="left")  # samples brighter than L
            has = j > 0
            jj = np.maximum(j - 1, 0)
            x_lo[w, k] = np.where(has, np.minimum.accumulate(xx)[jj] * (1.0 - X_PAD), 1.0)
            x_hi[w, k] = np.where(has, np.maximum.accumulate(xx)[jj] * (1.0 + X_PAD), 0.0)
    feh_lo = np.where(q_lo <= 0.0, FEH_RANGE[0], c_feh_lo) if pop.feh_sigma > 0 else c_feh_lo
    feh_hi = np.where(q_hi >= 1.0, FEH_RANGE[1], c_feh_hi) if pop.feh_sigma > 0 else c_feh_hi
    t = np.linspace(0.0, 1.0, MD_SUB + 1)
    log_md = np.log(dying_mass(*_cell_points(age_lo, age_hi, feh_lo, feh_hi, t)))
    grid = Table(age_lo, age_hi, q_lo, q_hi, *([None] * 4), feh_lo, feh_hi, log_md, None, None, None)
    eps = _interpolation_error(grid)
    # a living star has a true x below 1, a remnant above: with the drawn x off by at most eps,
    # the windows need not reach further across x = 1 than that (X_PAD may be wider)
    x_hi[0] = np.minimum(x_hi[0], (1.0 + eps)[:, None])
    x_lo[1] = np.maximum(x_lo[1], (1.0 - eps)[:, None])
    x_lo, x_hi = np.where(x_hi > x_lo, x_lo, 1.0), np.where(x_hi > x_lo, x_hi, 0.0)
    # holes are judged at the corners and on a 3 × 3 grid over all the cell's stars can reach
    # (the end cells' [Fe/H] tails included)
    t3 = np.array([0.0, 0.5, 1.0])
    pa, pf = (v.reshape(C, -1).T.ravel() for v in _cell_points(age_lo, age_hi, feh_lo, feh_hi, t3))
    mag9, dead9 = _dense_samples(pa, pf, dense, imf, band)
    nd = len(dense)
    hole_lo, hole_hi = _holes(np.concatenate([mag2.reshape(4, C, -1)[:, :, -nd:], mag9.reshape(9, C, -1)]),
                              np.concatenate([dead2.reshape(4, C, -1)[:, :, -nd:], dead9.reshape(9, C, -1)]),
                              dense, eps, x_lo, x_hi)
    # the largest IMF fraction of a window over the cell: the dying mass inside a cell lies
    # between its corners' (it is interpolated between them), and the fraction is not always
    # monotonic in it (the IMF's slope changes at its breaks), so scan that range finely;
    # F_PAD covers what falls between the scan's points (tests count the stars above it)
    f_max = np.zeros_like(x_lo)
    md_min, md_max = np.exp(log_md.min(axis=(1, 2))), np.exp(log_md.max(axis=(1, 2)))
    for t in np.linspace(0.0, 1.0, 17):
        md_t = md_min ** (1.0 - t) * md_max ** t
        f_max = np.maximum(f_max, window_cdf(imf, x_lo, x_hi, hole_lo.transpose(1, 0, 2, 3),
                                                   hole_hi.transpose(1, 0, 2, 3), md_t[None, :, None])[2])
    f_max = np.where(x_hi > x_lo, f_max * (1.0 + F_PAD), 0.0)
    total, cum = draw_arrays(f_max, weight)
    return Table(age_lo, age_hi, q_lo, q_hi, x_lo, x_hi, hole_lo, hole_hi, feh_lo, feh_hi, log_md,
                  f_max, total, cum)


def draw_arrays(f_max: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What the survey's draw reads of a table (``Table.total``, ``Table.cum``) from its IMF
    fraction bounds ``f_max`` (W, C, L) and its cells' weights (C,): per window and limit the sum
    over cells of weight × f_max, and the cells' cumulative shares, flattened as row + share."""
    W, _, nL = f_max.shape
    frac = f_max * weight[None, :, None]                               # (W, C, L)
    total = frac.sum(axis=1)                                           # (W, L)
    share = np.cumsum(np.transpose(frac, (0, 2, 1)), axis=2)           # (W, L, C)
    share /= np.where(total > 0, total, 1.0)[:, :, None]
    rows = np.arange(W * nL, dtype=float).reshape(W, nL, 1)
    return total, (rows + np.minimum(share, 1.0)).ravel()


def window_cdf(imf, x_lo, x_hi, hole_lo, hole_hi, md):
    """IMF CDF at a window's lower edge and its holes' (masses = x × ``md``, clipped to the
    IMF's range and the holes to the window; ``hole_lo``, ``hole_hi``: (H, ...), disjoint and in
    order) and the window's IMF fraction without the holes."""
    lo = np.clip(x_lo * md, imf.m_min, imf.m_max)
    hi = np.clip(x_hi * md, lo, imf.m_max)
    c_lo = imf.cdf(lo)
    c_hi = _cdf_reusing(imf, hi, ((lo, c_lo),))  # an empty window: hi = lo
    frac = c_hi - c_lo
    holes = []
    for h in range(len(hole_lo)):
        h_lo = np.clip(hole_lo[h] * md, lo, hi)
        ch_lo = _cdf_reusing(imf, h_lo, ((lo, c_lo), (hi, c_hi)))
        ch_hi = _cdf_reusing(imf, np.clip(hole_hi[h] * md, h_lo, hi), ((h_lo, ch_lo), (hi, c_hi)))
        frac = frac - (ch_hi - ch_lo)
        holes.append((ch_lo, ch_hi))
    return c_lo, holes, np.maximum(frac, 0.0)


def _cdf_reusing(imf, m, known):
    """``imf.cdf(m)``, taken from ``known`` (masses, their CDF) where ``m`` equals a mass there
    (the CDF is a function of each mass alone: the same bits in, the same out) and computed
    only for the rest: an empty hole sits on an edge of its window, so most holes cost nothing."""
    m = np.asarray(m, float)
    if m.ndim == 0 or any(np.shape(x) != m.shape or np.shape(c) != m.shape for x, c in known):
        return imf.cdf(m)
    out = np.empty(m.shape)
    todo = np.ones(m.shape, bool)
    for x, c in known:
        same = todo & (m == x)
        out[same] = c[same]
        todo &= ~same
    rest = np.flatnonzero(todo.reshape(-1))
    if rest.size:
        out.reshape(-1)[rest] = imf.cdf(m.reshape(-1)[rest])
    return out


def ppf_without_holes(imf, c_lo, holes, frac, u) -> np.ndarray:
    """Masses from the IMF truncated to a window less its holes (exact inverse CDF): the
    holes' shares are skipped, in order."""
    v = c_lo + u * frac
    for ch_lo, ch_hi in holes:
        v = np.where(v >= ch_lo, v + (ch_hi - ch_lo), v)
    return imf.ppf(v)


def _cell_points(age_lo, age_hi, feh_lo, feh_hi, t):
    """Ages and [Fe/H] (C, n, n) at fractions ``t`` of each cell's log age and [Fe/H] ranges."""
    age = age_lo[:, None, None] * (age_hi / age_lo)[:, None, None] ** t[None, :, None]
    feh = feh_lo[:, None, None] + (feh_hi - feh_lo)[:, None, None] * t[None, None, :]
    return broadcast(age, feh)


def _interpolation_error(grid: Table) -> np.ndarray:
    """Per cell, a bound on |true dying mass / the draw's interpolated one − 1| anywhere a star
    of the cell can be drawn: the largest on a grid 4× finer than the interpolation's, offset
    from its nodes, × 1.5 + 2·10⁻⁵."""
    C = len(grid.age_lo)
    t = (np.arange(4 * MD_SUB) + 0.5) / (4 * MD_SUB)
    age, feh = (v.ravel() for v in _cell_points(grid.age_lo, grid.age_hi, grid.feh_lo, grid.feh_hi, t))
    cell = np.repeat(np.arange(C), len(t) ** 2)
    err = np.abs(dying_mass(age, feh) / dying_mass_in_cell(grid, cell, age, feh) - 1.0)
    return 1.5 * err.reshape(C, -1).max(axis=1) + 2e-5


def _magnitude(s, band: str) -> np.ndarray:
    """Absolute magnitudes in ``band`` of evolved stars ``s`` (the band's source, by name)."""
    return absolute_magnitudes(s["log_L"], s["log_Teff"], s["log_g"], s["feh"], (band,))["M_" + band]


def _dense_samples(age, feh, dense, imf, band):
    """Absolute magnitudes in ``band`` and death flags (len(age), len(dense)) of stars of x =
    ``dense`` at each (``age``, ``feh``); masses outside the IMF get +inf (never drawn)."""
    md = dying_mass(age, feh)
    m = md[:, None] * dense[None, :]
    ok = (m >= imf.m_min) & (m <= imf.m_max)
    mag = np.full(m.shape, np.inf)
    dead = np.zeros(m.shape, bool)
    a = np.broadcast_to(np.maximum(age, 1e5)[:, None], m.shape)[ok]
    f = np.broadcast_to(np.asarray(feh)[:, None], m.shape)[ok]
    s = evolve_through(m[ok], a, f)
    mag[ok] = _magnitude(s, band)
    dead[ok] = ~s["alive"]
    return mag, dead


def _toward_one(x, up: int) -> np.ndarray:
    """A hole's edge ``x`` moved inwards (``up`` = +1 for a lower edge, −1 for an upper one)
    by ``HOLE_PAD_DEX`` in |x − 1|, the distance to the dying mass on whose log scale the
    phases are sampled: the edges of a phase can move a little across a cell in ways its
    corners do not show (near the mass where helium ignition stops being degenerate)."""
    k = 10.0 ** HOLE_PAD_DEX
    below = x < 1.0
    y = np.abs(x - 1.0)
    grow = (below & (up < 0)) | (~below & (up > 0))   # moving away from 1
    y = np.where(grow, y * k, y / k)
    return np.where(below, 1.0 - y, 1.0 + y)


def _holes(mag, dead, dense, eps, x_lo, x_hi):
    """Per cell and limit, the ``N_HOLES`` runs of the dense x samples that take most out of
    the living stars' window [``x_lo``, ``x_hi``], among the runs where every point sampled in
    the cell (its corners, a 3 × 3 grid) is fainter than the limit (+ ``MARGIN`` +
    ``HOLE_MARGIN``) or dead. A run spans from its first to its last faint sample, narrowed by
    ``HOLE_PAD_DEX`` and by 2 × the dying mass's interpolation error ``eps`` at both ends, and
    ends below x = 1 − ``ALIVE_KEEP``, so no star drawn in it could be brighter than the
    limit. ``mag``, ``dead``: (points, C, dense samples); a non-finite magnitude counts as
    bright. Returns (W, N_HOLES, C, L) edges, a window's holes in order of x (the remnants'
    window has none)."""
    nC, nL = mag.shape[1], len(L_GRID)
    nd = len(dense)
    order = np.argsort(dense)
    xs, mag, dead = dense[order], mag[:, :, order], dead[:, :, order]
    hole_lo = np.ones((len(WINDOWS), N_HOLES, nC, nL))
    hole_hi = np.zeros((len(WINDOWS), N_HOLES, nC, nL))
    idx = np.arange(nd)
    rows = np.arange(nL)[:, None]
    # living stars only: a remnant's brightness (post-AGB stars, white dwarfs cooling) changes
    # too fast across a cell for its corners and centre to bound it (tried and seen)
    for w, want_dead in enumerate((False,)):
        eff = np.where(dead != want_dead, np.inf, np.where(np.isnan(mag), -np.inf, mag))
        faintest_ok = eff.min(axis=0)                                   # (C, samples)
        for k in range(nC):
            faint = faintest_ok[k][None, :] >= (L_COLUMNS + MARGIN + HOLE_MARGIN)[:, None]  # (L, samples)
            start = np.minimum(np.maximum.accumulate(np.where(faint, -1, idx[None, :]), axis=1) + 1, nd - 1)
            last = faint & np.concatenate([~faint[:, 1:], np.ones((nL, 1), bool)], axis=1)
            lo_all = _toward_one(xs[start], +1) * (1.0 + 2.0 * eps[k])   # runs, at their ends
            hi_all = np.broadcast_to(_toward_one(xs, -1)[None, :] * (1.0 - 2.0 * eps[k]), lo_all.shape)
            # never cut the end of a living star's life (the AGB: its brightness jumps)
            hi_all = np.minimum(hi_all, 1.0 - ALIVE_KEEP)
            inside = (np.minimum(hi_all, x_hi[w, k][:, None]) - np.maximum(lo_all, x_lo[w, k][:, None]))
            width = np.where(last & (hi_all > lo_all), inside, -1.0)
            j = np.sort(np.argsort(width, axis=1)[:, -N_HOLES:], axis=1)    # (L, H), in x order
            lo, hi = lo_all[rows, j], hi_all[rows, j]
            use = width[rows, j] > 0
            hole_lo[w, :, k] = np.where(use, lo, 1.0).T
            hole_hi[w, :, k] = np.where(use, hi, 0.0).T
    return hole_lo, hole_hi



def dying_mass_in_cell(tab: Table, cell, age, feh) -> np.ndarray:
    """The dying mass inside a cell, bilinear in (log age, [Fe/H]) on the cell's grid of
    ``MD_SUB`` × ``MD_SUB`` (its largest error in the cell, ``eps`` of the table's build, narrows
    the windows only where that is safe)."""
    n = tab.log_md.shape[1] - 1
    cell, age, feh = broadcast(np.asarray(cell, np.intp), np.asarray(age, float),
                                         np.asarray(feh, float))
    out = np.empty(cell.shape)
    lm = np.ascontiguousarray(tab.log_md).reshape(-1)
    _dying_mass_kernel(cell.ravel(), age.ravel(), feh.ravel(), tab.age_lo, np.log(tab.age_hi / tab.age_lo),
                       tab.feh_lo, tab.feh_hi, lm, n, out.reshape(-1))
    return out if out.ndim else out[()]


@nb.njit(cache=True, nogil=True)
def _dying_mass_kernel(cell, age, feh, age_lo, log_ratio, feh_lo, feh_hi, lm, n, out):
    """:func:`dying_mass_in_cell` star by star, with the array form's operations in its order
    (the cells' log age ratios are taken once, by NumPy, as the array form took them per star)."""
    for i in range(cell.shape[0]):
        c = cell[i]
        ta = np.log(age[i] / age_lo[c]) / log_ratio[c] * n
        f0, f1 = feh_lo[c], feh_hi[c]
        tf = ((feh[i] - f0) / (f1 - f0) if f1 > f0 else 0.0) * n
        if ta != ta or tf != tf:
            out[i] = np.nan  # (the array form raised IndexError here)
            continue
        ia = int(min(max(np.floor(ta), 0.0), n - 1.0))
        jf = int(min(max(np.floor(tf), 0.0), n - 1.0))
        ta, tf = ta - ia, tf - jf
        k = (c * (n + 1) + ia) * (n + 1) + jf
        out[i] = np.exp((1 - ta) * ((1 - tf) * lm[k] + tf * lm[k + 1])
                        + ta * ((1 - tf) * lm[k + n + 1] + tf * lm[k + n + 2]))

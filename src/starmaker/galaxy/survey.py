"""Magnitude-limited making: the stars brighter than a limit, without making the whole galaxy.

The sky is cut into HEALPix pixels (nested, ICRS, ``nside`` 16 by default: 3072 pixels of
3.7°) and each line of sight into distance shells (0.2 mag in distance modulus). Each
population's births are cut into cells of age (0.05 dex) and [Fe/H] (at most 0.1 dex). For every
cell a table built once from MIST (and cached on disk) gives, for any absolute-magnitude limit L,
the window of x = m / m_dying(age, [Fe/H]) in which a star can be brighter than L, for living
stars and for remnants apart: giants sit a hair below x = 1 at every age, so their windows are
narrow. In a shell at distance d behind at least A_V of dust only stars with
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
``SeedSequence(seed, spawn_key=(pixel,))``, and the output is ordered by pixel, so the same
seed gives the same stars (and the same Parquet bytes) whether the sky is made in one piece,
in fields, pixel by pixel, in any block size or on any number of threads.
"""

from __future__ import annotations

import functools
import math
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.special import ndtr, ndtri

from .._version import __version__
from ..errors import InvalidParameterError
from ..evolution.evolve import evolve_through
from ..evolution.isochrones import FEH_RANGE, dying_mass
from ..photometry.kurucz import absolute_magnitudes, band_extinction, load_bc_grid
from ..place.dust import DustDisk
from ..place.frames import galactocentric, icrs_to_galactic
from ..schema import COLUMNS, COMPONENTS, OBSERVED_COLUMNS
from ..stars import Stars
from .components import COMPONENT_NAMES, Component, Population

__all__ = ["Limit", "parse_limit", "Field", "make_sky", "iter_sky", "write_sky", "MilkyWay", "DEFAULT_NSIDE"]

DEFAULT_NSIDE = 16
DM_STEP = 0.2            # shell width in distance modulus (mag)
DM_MIN, DM_MAX = -2.0, 20.0  # 0.4 pc to 100 kpc
L_GRID = np.arange(-14.0, 22.0 + 1e-9, 0.1)  # absolute-magnitude limits tabulated
MARGIN = 0.2             # mag added to every limit for the mass tables
MAX_DRAWS = 3_000_000     # expected draws per block of pixels (memory: ~300 bytes each)
_TOO_MANY = object()      # a block that must be halved
K_MIN = {"G": 0.60, "BP": 0.95, "RP": 0.50, "B": 1.32, "V": 1.0}  # min A_band/A_V over Teff
LIMIT_RANGE = (-2.0, 16.0)
#: the columns of a made sky, in schema order
_REAL_ONLY = ("hip", "source_id", "parallax")
SKY_COLUMNS = tuple(c.name for c in COLUMNS if c.name not in _REAL_ONLY and c.name not in OBSERVED_COLUMNS)
COLUMN_DTYPES = {c.name: c.numpy_dtype for c in COLUMNS}
_LIMIT_RE = re.compile(r"^\s*(G|BP|RP|B|V)\s*<\s*([-+]?\d+(?:\.\d*)?)\s*$")


@dataclass(frozen=True)
class Limit:
    """A magnitude limit: stars with apparent ``band`` < ``mag``."""

    band: str
    mag: float

    def __str__(self) -> str:
        return f"{self.band}<{self.mag:g}"


def parse_limit(text: str | Limit) -> Limit:
    """Parse 'G<10' (bands G, BP, RP, B, V) and check the model's range."""
    if isinstance(text, Limit):
        lim = text
    else:
        m = _LIMIT_RE.match(str(text))
        if not m:
            raise InvalidParameterError(
                "limit", text, "a band and a magnitude like 'G<10' (bands G, BP, RP, B, V)")
        lim = Limit(m.group(1), float(m.group(2)))
    lo, hi = LIMIT_RANGE
    if not (lo <= lim.mag <= hi):
        raise InvalidParameterError(
            "limit", str(text), f"a magnitude between {lo:g} and {hi:g} (the model is made and "
            "checked for bright, nearby-to-kiloparsec stars; fainter needs a finer model)")
    return lim


@dataclass(frozen=True)
class Field:
    """Which part of the sky: all of it, a cone, or a list of HEALPix pixels (nested, ICRS)."""

    kind: str = "all"
    ra: float = 0.0
    dec: float = 0.0
    radius: float = 0.0
    pixels: tuple[int, ...] = ()

    @classmethod
    def cone(cls, ra_deg: float, dec_deg: float, radius_deg: float) -> Field:
        if not (0.0 <= dec_deg + 90.0 <= 180.0):
            raise InvalidParameterError("dec", dec_deg, "a declination between -90 and 90 deg")
        if not (0.0 < radius_deg <= 180.0):
            raise InvalidParameterError("radius", radius_deg, "a radius in (0, 180] deg")
        return cls("cone", float(ra_deg) % 360.0, float(dec_deg), float(radius_deg))

    @classmethod
    def from_pixels(cls, pixels: Sequence[int]) -> Field:
        return cls("pixels", pixels=tuple(sorted({int(p) for p in pixels})))

    @classmethod
    def parse(cls, text: str | None) -> Field:
        """'all', 'cone:RA,DEC,RADIUS' (deg) or 'pixels:1,2,3' (nested, nside 16, ICRS)."""
        if text is None or text.strip().lower() in ("", "all", "full"):
            return cls()
        kind, _, rest = text.partition(":")
        try:
            vals = [float(v) for v in rest.split(",") if v.strip()]
        except ValueError:
            vals = []
        if kind == "cone" and len(vals) == 3:
            return cls.cone(*vals)
        if kind == "pixels" and vals and all(v == int(v) for v in vals):
            return cls.from_pixels([int(v) for v in vals])
        raise InvalidParameterError(
            "field", text, "'all', 'cone:RA,DEC,RADIUS' in degrees, or 'pixels:P1,P2,...'")

    def pixel_list(self, nside: int) -> np.ndarray:
        npix = 12 * nside * nside
        if self.kind == "all":
            return np.arange(npix)
        if self.kind == "pixels":
            p = np.asarray(self.pixels, np.int64)
            if p.size == 0 or p.min() < 0 or p.max() >= npix:
                raise InvalidParameterError("field pixels", list(self.pixels),
                                            f"pixel numbers 0..{npix - 1} (nside {nside}, nested)")
            return p
        from astropy_healpix import HEALPix

        hp = HEALPix(nside=nside, order="nested")
        import astropy.units as u
        from astropy.coordinates import Latitude, Longitude

        pix = hp.cone_search_lonlat(Longitude(self.ra * u.deg), Latitude(self.dec * u.deg),
                                    radius=self.radius * u.deg)
        return np.sort(np.asarray(pix, np.int64))

    def contains(self, ra, dec) -> np.ndarray:
        if self.kind != "cone":
            return np.ones(np.shape(ra), bool)
        from ..place.frames import unit_vector

        c = unit_vector(self.ra, self.dec)
        return unit_vector(ra, dec) @ c >= math.cos(math.radians(self.radius))


# --------------------------------------------------------------------------- mass tables
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
class _Table:
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


def _cells(pop: Population):
    """The population's (age × [Fe/H]) cells: ages in steps of AGE_CELL_DEX in log age; [Fe/H]
    in steps of at most FEH_CELL_DEX over μ ± 4σ (clipped to the MIST grid), each cell holding
    its share of the Gaussian (the end cells also hold the tails beyond, which are clipped to the
    grid or lie beyond 4σ). Returns age edges, quantile edges and weights, one per cell."""
    p = pop.sfh.params()
    a0, a1 = p["age_min"], p["age_max"]
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


def _feh_at(pop: Population, q) -> np.ndarray:
    """[Fe/H] at quantile q of the population's Gaussian, clipped to the MIST grid (quantiles
    0 and 1 are taken at 4σ, the end cells' far edges)."""
    z = ndtri(np.clip(q, ndtr(-4.0), ndtr(4.0)))
    return np.clip(pop.feh_mean + pop.feh_sigma * z, *FEH_RANGE)


@functools.lru_cache(maxsize=64)
def _mass_table(pop: Population, band: str) -> _Table:
    """The population's table for ``band``: built once (about a second for the youngest thin-disc
    bin), then kept in memory and in the user's cache folder (``$STARMAKER_CACHE``, else
    ``$XDG_CACHE_HOME/starmaker`` or ``~/.cache/starmaker``; ``STARMAKER_CACHE=off`` turns it off).
    The cache key hashes the population, the band, the table constants and the source of every
    module the table depends on plus the data versions, so a stale table is never read; the
    arrays read back are the very ones written."""
    folder = _cache_dir()
    key = _table_key(pop, band)
    path = folder / f"mass-table-{key}.npz" if folder else None
    if path is not None and path.is_file():
        try:
            with np.load(path) as z:
                return _Table(**{f: z[f] for f in _Table.__dataclass_fields__})
        except (OSError, ValueError, KeyError):
            pass  # unreadable: rebuild and overwrite
    table = _build_mass_table(pop, band)
    if path is not None:
        try:
            from ..io.parquet import atomic_path

            with atomic_path(path, suffix=".npz") as tmp, open(tmp, "wb") as fh:
                np.savez_compressed(fh, **asdict(table))  # about 6x smaller, ~10 ms to read
        except OSError:
            pass  # a read-only home: keep it in memory only
    return table


def _cache_dir() -> Path | None:
    env = os.environ.get("STARMAKER_CACHE")
    if env and env.lower() in ("off", "0", "no", "false"):
        return None
    base = Path(env) if env else Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "starmaker"
    return base


@functools.cache
def _source_digest() -> str:
    """What a table depends on besides its population: code and data versions."""
    import hashlib

    from ..births import imf
    from ..evolution import evolve as evolution
    from ..evolution import grid, isochrones, mist, remnants
    from ..evolution.isochrones import load_mist
    from ..photometry import kurucz as photometry

    h = hashlib.sha256()
    for mod in (evolution, imf, isochrones, grid, mist, photometry, remnants, sys.modules[__name__]):
        h.update(Path(mod.__file__).read_bytes())
    h.update(repr((load_mist().provenance(), load_bc_grid().provenance())).encode())
    return h.hexdigest()


def _table_key(pop: Population, band: str) -> str:
    import hashlib

    what = repr((pop.imf, pop.sfh, pop.feh_mean, pop.feh_sigma, band, _source_digest()))
    return hashlib.sha256(what.encode()).hexdigest()[:24]


def _build_mass_table(pop: Population, band: str) -> _Table:
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
        mag[i:i + step] = absolute_magnitudes(s["log_L"], s["log_Teff"], s["log_g"], s["feh"])["M_" + band]
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
            j = np.searchsorted(gg, L_GRID + MARGIN, side="left")  # samples brighter than L
            has = j > 0
            jj = np.maximum(j - 1, 0)
            x_lo[w, k] = np.where(has, np.minimum.accumulate(xx)[jj] * (1.0 - X_PAD), 1.0)
            x_hi[w, k] = np.where(has, np.maximum.accumulate(xx)[jj] * (1.0 + X_PAD), 0.0)
    feh_lo = np.where(q_lo <= 0.0, FEH_RANGE[0], c_feh_lo) if pop.feh_sigma > 0 else c_feh_lo
    feh_hi = np.where(q_hi >= 1.0, FEH_RANGE[1], c_feh_hi) if pop.feh_sigma > 0 else c_feh_hi
    t = np.linspace(0.0, 1.0, MD_SUB + 1)
    log_md = np.log(dying_mass(*_cell_points(age_lo, age_hi, feh_lo, feh_hi, t)))
    grid = _Table(age_lo, age_hi, q_lo, q_hi, *([None] * 4), feh_lo, feh_hi, log_md, None, None, None)
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
        f_max = np.maximum(f_max, _window_cdf(imf, x_lo, x_hi, hole_lo.transpose(1, 0, 2, 3),
                                                   hole_hi.transpose(1, 0, 2, 3), md_t[None, :, None])[2])
    f_max = np.where(x_hi > x_lo, f_max * (1.0 + F_PAD), 0.0)
    frac = f_max * weight[None, :, None]                               # (W, C, L)
    total = frac.sum(axis=1)                                           # (W, L)
    share = np.cumsum(np.transpose(frac, (0, 2, 1)), axis=2)           # (W, L, C)
    share /= np.where(total > 0, total, 1.0)[:, :, None]
    rows = np.arange(len(WINDOWS) * nL, dtype=float).reshape(len(WINDOWS), nL, 1)
    cum = (rows + np.minimum(share, 1.0)).ravel()
    return _Table(age_lo, age_hi, q_lo, q_hi, x_lo, x_hi, hole_lo, hole_hi, feh_lo, feh_hi, log_md,
                  f_max, total, cum)


def _window_cdf(imf, x_lo, x_hi, hole_lo, hole_hi, md):
    """IMF CDF at a window's lower edge and its holes' (masses = x × ``md``, clipped to the
    IMF's range and the holes to the window; ``hole_lo``, ``hole_hi``: (H, ...), disjoint and in
    order) and the window's IMF fraction without the holes."""
    lo = np.clip(x_lo * md, imf.m_min, imf.m_max)
    hi = np.clip(x_hi * md, lo, imf.m_max)
    c_lo = imf.cdf(lo)
    frac = imf.cdf(hi) - c_lo
    holes = []
    for h in range(len(hole_lo)):
        h_lo = np.clip(hole_lo[h] * md, lo, hi)
        ch_lo, ch_hi = imf.cdf(h_lo), imf.cdf(np.clip(hole_hi[h] * md, h_lo, hi))
        frac = frac - (ch_hi - ch_lo)
        holes.append((ch_lo, ch_hi))
    return c_lo, holes, np.maximum(frac, 0.0)


def _ppf_without_holes(imf, c_lo, holes, frac, u) -> np.ndarray:
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
    return np.broadcast_arrays(age, feh)


def _interpolation_error(grid: _Table) -> np.ndarray:
    """Per cell, a bound on |true dying mass / the draw's interpolated one − 1| anywhere a star
    of the cell can be drawn: the largest on a grid 4× finer than the interpolation's, offset
    from its nodes, × 1.5 + 2·10⁻⁵."""
    C = len(grid.age_lo)
    t = (np.arange(4 * MD_SUB) + 0.5) / (4 * MD_SUB)
    age, feh = (v.ravel() for v in _cell_points(grid.age_lo, grid.age_hi, grid.feh_lo, grid.feh_hi, t))
    cell = np.repeat(np.arange(C), len(t) ** 2)
    err = np.abs(dying_mass(age, feh) / _dying_mass_in_cell(grid, cell, age, feh) - 1.0)
    return 1.5 * err.reshape(C, -1).max(axis=1) + 2e-5


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
    mag[ok] = absolute_magnitudes(s["log_L"], s["log_Teff"], s["log_g"], s["feh"])["M_" + band]
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
            faint = faintest_ok[k][None, :] >= (L_GRID + MARGIN + HOLE_MARGIN)[:, None]  # (L, samples)
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


# --------------------------------------------------------------------------- making
def iter_sky(components: Sequence[Component], limit: str | Limit, seed: int = 0,
             field: Field | None = None, nside: int = DEFAULT_NSIDE,
             dust: DustDisk | None = None, progress: Callable[[int, int], None] | None = None,
             chunk: int = 256, max_draws: int = MAX_DRAWS, threads: int | None = None,
             epoch: float | str = 0.0) -> Iterator[Stars]:
    """The stars brighter than ``limit`` in ``field``, a block of pixels at a time, in pixel
    order (empty blocks are skipped). A block whose expected draws exceed ``max_draws`` is
    halved until they do not, so memory stays bounded however faint the limit; since every
    pixel draws from its own generator, the blocks change no star. Blocks are made by
    ``threads`` threads (default: the CPUs this process may use), at most that many ahead of
    the one being yielded; NumPy and Numba release the GIL for the heavy parts.

    ``epoch`` (yr relative to today, −4.5 … +10 Gyr): the sky as seen then. Every population
    is shifted in time (:meth:`starmaker.galaxy.components.Component.at_epoch`: ages grow, the unborn are
    left out, the thin disc goes on forming stars at its present rate unless its history is
    quenched or scaled); the mass tables are built for the shifted ages, so the windows follow
    the dying mass of the epoch. Positions, density laws and dust stay today's."""
    from ..births.history import parse_epoch

    epoch = parse_epoch(epoch)
    components = [c.at_epoch(epoch) for c in components]
    lim = parse_limit(limit)
    field = field or Field()
    dust = dust or DustDisk()
    pixels = field.pixel_list(nside)
    sky = _Shells(nside)
    pops = [(comp, pop) for comp in components for pop in comp.populations]
    tables = [_mass_table(pop, lim.band) for _, pop in pops]
    meta = {**sky_meta(components, lim, seed, field, nside, dust), "epoch": epoch}
    done = 0

    def blocks(block):
        b = _births_for_pixels(block, sky, pops, tables, lim, dust, seed, max_draws)
        if b is _TOO_MANY:
            half = len(block) // 2
            yield from blocks(block[:half])
            yield from blocks(block[half:])
        elif b is not None:
            yield _observe(b, dust, lim, field, seed), len(block)
        else:
            yield None, len(block)

    def chunk_of(start):
        return list(blocks(pixels[start : start + chunk]))

    from collections import deque
    from concurrent.futures import ThreadPoolExecutor
    from itertools import islice

    workers = max(1, threads or (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1))
    starts = iter(range(0, len(pixels), chunk))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        ahead = deque(pool.submit(chunk_of, st) for st in islice(starts, workers))
        while ahead:
            made = ahead.popleft().result()
            nxt = next(starts, None)
            if nxt is not None:
                ahead.append(pool.submit(chunk_of, nxt))
            for stars, n in made:
                done += n
                if progress:
                    progress(done, len(pixels))
                if stars is not None and len(stars):
                    stars.meta = dict(meta)
                    yield stars


def sky_meta(components, lim: Limit, seed: int, field: Field, nside: int, dust) -> dict[str, Any]:
    """The provenance written with a made sky: recipe, seed, field, dust and data versions."""
    from ..evolution.isochrones import load_mist

    return {"starmaker": __version__, "limit": str(lim), "seed": seed, "nside": nside,
            "field": asdict(field), "dust": {"kind": type(dust).__name__, **asdict(dust)},
            "components": [c.name for c in components],
            "evolution": load_mist().provenance(), "photometry": load_bc_grid().provenance()}


def make_sky(components: Sequence[Component], limit: str | Limit, seed: int = 0,
             field: Field | None = None, nside: int = DEFAULT_NSIDE,
             dust: DustDisk | None = None, progress: Callable[[int, int], None] | None = None,
             chunk: int = 256, max_draws: int = MAX_DRAWS, epoch: float | str = 0.0) -> Stars:
    """Make every star brighter than ``limit`` in ``field`` (default: the whole sky), as seen
    at ``epoch`` (yr relative to today; see :func:`iter_sky`).

    Returns a :class:`Stars` table with the evolution and photometry columns plus ra, dec, l, b,
    distance, A_V, apparent G, BP, RP, B, V, component and healpix (the making pixel), ordered
    by pixel. ``progress(done, total)`` is called as pixels are done. For faint limits, write
    with :func:`write_sky` instead, which never holds the whole sky in memory.
    """
    lim, field, dust = parse_limit(limit), field or Field(), dust or DustDisk()
    parts = list(iter_sky(components, lim, seed, field, nside, dust, progress, chunk, max_draws,
                          epoch=epoch))
    if not parts:
        from ..births.history import parse_epoch

        meta = {**sky_meta(components, lim, seed, field, nside, dust), "epoch": parse_epoch(epoch)}
        return Stars({k: np.empty(0, COLUMN_DTYPES.get(k, float)) for k in SKY_COLUMNS}, meta)
    sky_stars = Stars.concat(parts)
    sky_stars.meta = dict(parts[0].meta)
    return sky_stars


def write_sky(path, components: Sequence[Component], limit: str | Limit, seed: int = 0,
              field: Field | None = None, nside: int = DEFAULT_NSIDE, dust: DustDisk | None = None,
              progress: Callable[[int, int], None] | None = None, epoch: float | str = 0.0) -> int:
    """Make the sky (as seen at ``epoch``, yr relative to today) and stream it to a Parquet
    file, block by block, atomically (a temporary file renamed at the end: an interrupted run
    leaves nothing at ``path``). Row groups hold a fixed number of rows, so the file is byte for
    byte the one ``make_sky(...).write(path)`` gives, whatever the blocks. Returns the number of
    stars written."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ..births.history import parse_epoch
    from ..io.parquet import PARQUET_OPTIONS, ROW_GROUP_ROWS, atomic_path, to_arrow

    lim, field, dust = parse_limit(limit), field or Field(), dust or DustDisk()
    meta = {**sky_meta(components, lim, seed, field, nside, dust), "epoch": parse_epoch(epoch)}
    empty = Stars({k: np.empty(0, COLUMN_DTYPES.get(k, float)) for k in SKY_COLUMNS}, meta)
    schema = to_arrow(empty).schema
    n = 0
    with atomic_path(path) as tmp, pq.ParquetWriter(tmp, schema, **PARQUET_OPTIONS) as writer:
        pending: list = []
        rows = 0
        for stars in iter_sky(components, lim, seed, field, nside, dust, progress, epoch=epoch):
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


class MilkyWay:
    """The master's recipe: the Milky Way as seen from the Sun, made to a magnitude limit.

    ``MilkyWay().make("G<10", seed=1)`` makes every star of the thin disc, thick disc, halo and
    bulge brighter than G = 10 over the whole sky (or a ``field``). Components can be chosen by
    name, replaced or added (any :class:`~starmaker.galaxy.components.Component`), and the dust model
    swapped (anything with ``a_v(l, b, distance)``).
    """

    def __init__(self, components: Sequence[Component | str] = COMPONENT_NAMES,
                 dust: DustDisk | None = None) -> None:
        from .components import milky_way_components

        comps = []
        for c in components:
            comps.extend(milky_way_components([c]) if isinstance(c, str) else [c])
        if not comps:
            raise InvalidParameterError("components", list(components), "at least one component")
        self.components = comps
        self.dust = dust or DustDisk()

    def make(self, limit: str | Limit, seed: int = 0, field: Field | str | None = None,
             nside: int = DEFAULT_NSIDE, progress: Callable[[int, int], None] | None = None,
             epoch: float | str = 0.0) -> Stars:
        """Every star brighter than ``limit`` (e.g. "G<10") in ``field`` (default all sky), as
        seen at ``epoch`` (yr relative to today, or '-1Gyr'; −4.5 … +10 Gyr)."""
        if isinstance(field, str):
            field = Field.parse(field)
        return make_sky(self.components, limit, seed=seed, field=field, nside=nside, dust=self.dust,
                        progress=progress, epoch=epoch)

    def write(self, path, limit: str | Limit, seed: int = 0, field: Field | str | None = None,
              nside: int = DEFAULT_NSIDE, progress: Callable[[int, int], None] | None = None,
              epoch: float | str = 0.0) -> int:
        """Make the sky and stream it to Parquet (atomic, bounded memory); returns the count.
        The file is the same as ``self.make(...).write(path)`` would give."""
        if isinstance(field, str):
            field = Field.parse(field)
        return write_sky(path, self.components, limit, seed=seed, field=field, nside=nside,
                         dust=self.dust, progress=progress, epoch=epoch)

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
        out = MilkyWay.__new__(MilkyWay)
        out.components = [c.neglected(wrap) for c in self.components]
        out.dust = self.dust
        return out

    def __repr__(self) -> str:
        return f"MilkyWay({[c.name for c in self.components]}, dust={self.dust!r})"


class _Shells:
    """Distance shells shared by every pixel: edges (pc), volumes per pixel (pc³)."""

    def __init__(self, nside: int) -> None:
        self.nside = nside
        omega = 4.0 * math.pi / (12 * nside * nside)
        dm_edges = np.arange(DM_MIN, DM_MAX + 1e-9, DM_STEP)
        edges = np.concatenate([[0.0], 10.0 ** (dm_edges / 5.0 + 1.0)])
        self.d_in, self.d_out = edges[:-1], edges[1:]
        self.d_mid = np.where(self.d_in > 0, np.sqrt(np.maximum(self.d_in, 1e-9) * self.d_out),
                              0.5 * self.d_out)
        self.vol = omega * (self.d_out**3 - self.d_in**3) / 3.0
        # distance modulus at the inner edge (the first shell starts at the Sun: no limit)
        self.dm_in = np.where(self.d_in > 0, 5.0 * np.log10(np.maximum(self.d_in, 1e-9)) - 5.0, -50.0)


def _births_for_pixels(block, sky: _Shells, pops, tables, lim: Limit, dust: DustDisk, seed: int,
                       max_draws: int = MAX_DRAWS):
    """Draw the births of a block of pixels.

    Expected counts per (pixel, population, window, shell) are computed for the whole block;
    each pixel then draws, from its own generator, its Poisson counts and one row of uniform
    numbers per star (in a fixed order), so a pixel's stars do not depend on which other
    pixels are made with it. Everything after that is vectorised over the block: the star's
    (age × [Fe/H]) cell, its mass from the IMF truncated to the cell's window, its age, [Fe/H]
    and place in the shell.
    """
    nside = sky.nside
    l_c, b_c = icrs_to_galactic(*_healpix_radec(block, nside, 0.5, 0.5))
    # the pixel's four corners
    cl, cb = icrs_to_galactic(*_healpix_radec(block[:, None], nside, np.array([0.0, 1.0, 1.0, 0.0]),
                                              np.array([0.0, 0.0, 1.0, 1.0])))
    lls = np.concatenate([l_c[:, None], cl], axis=1)
    bbs = np.concatenate([b_c[:, None], cb], axis=1)
    # least dust seen anywhere in the pixel, at each shell's inner edge
    profile = getattr(dust, "a_v_profile", None) or dust.a_v  # any a_v(l, b, d) model works
    av_in = np.min(profile(lls[:, :, None], bbs[:, :, None], sky.d_in[None, None, :]), axis=1)
    L_shell = lim.mag - sky.dm_in[None, :] - K_MIN[lim.band] * av_in  # (pix, shells)
    iL = np.clip(np.ceil((L_shell - L_GRID[0]) / 0.1), 0, len(L_GRID) - 1).astype(np.int64)
    x, y, z, _ = galactocentric(l_c[:, None], b_c[:, None], sky.d_mid[None, :])
    nW, nS = len(WINDOWS), len(sky.d_in)
    expected = np.empty((len(block), len(pops), nW, nS))
    for q, ((comp, pop), tab) in enumerate(zip(pops, tables, strict=True)):
        nstar = (pop.rho0_initial * comp.shape(x, y, z, pop.density_key) * sky.vol[None, :]
                 / pop.imf.mean_mass())  # (pix, shells)
        expected[:, q] = nstar[:, None, :] * tab.total[:, iL].transpose(1, 0, 2)
    flat_e = expected.reshape(len(block), -1)
    if len(block) > 1 and flat_e.sum() > max_draws:
        return _TOO_MANY
    counts, uni = [], []
    for k, pix in enumerate(block):
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(int(pix),)))
        c = rng.poisson(flat_e[k])
        counts.append(c)
        uni.append(rng.random((int(c.sum()), 8)))
    counts = np.concatenate(counts)
    n = int(counts.sum())
    if n == 0:
        return None
    u = np.concatenate(uni)
    flat = np.repeat(np.arange(counts.size), counts)
    kpix, rest = np.divmod(flat, len(pops) * nW * nS)
    qpop, rest = np.divmod(rest, nW * nS)
    win, shell = np.divmod(rest, nS)
    il = iL[kpix, shell]
    # each star's own place in its shell, and the limit there (the shell's is taken at its inner
    # edge): a star is kept only from the window of its own distance, which lies inside the
    # shell's, so the thinning below stays exact and fewer faint stars are evolved
    d3 = sky.d_in[shell] ** 3 + u[:, 4] * (sky.d_out[shell] ** 3 - sky.d_in[shell] ** 3)
    d = np.cbrt(d3)
    L_own = lim.mag - (5.0 * np.log10(np.maximum(d, 1e-9)) - 5.0) - K_MIN[lim.band] * av_in[kpix, shell]
    il_own = np.minimum(np.clip(np.ceil((L_own - L_GRID[0]) / 0.1), 0, len(L_GRID) - 1).astype(np.int64), il)
    m = np.empty(n)
    age = np.empty(n)
    feh = np.empty(n)
    comp_code = np.empty(n, np.int8)
    keep = np.zeros(n, bool)
    for q, ((comp, pop), tab) in enumerate(zip(pops, tables, strict=True)):
        sel = np.flatnonzero(qpop == q)
        if sel.size == 0:
            continue
        w, lq = win[sel], il_own[sel]
        row = w * len(L_GRID) + il[sel]
        C = len(tab.age_lo)
        cell = np.searchsorted(tab.cum, row + u[sel, 0], side="right") - row * C
        cell = np.clip(cell, 0, C - 1)
        a = tab.age_lo[cell] + u[sel, 2] * (tab.age_hi[cell] - tab.age_lo[cell])
        qq = tab.q_lo[cell] + u[sel, 3] * (tab.q_hi[cell] - tab.q_lo[cell])
        f = np.clip(pop.feh_mean + pop.feh_sigma * ndtri(qq), *FEH_RANGE)
        md = _dying_mass_in_cell(tab, cell, a, f)
        c_lo, holes, frac = _window_cdf(pop.imf, tab.x_lo[w, cell, lq], tab.x_hi[w, cell, lq],
                                        tab.hole_lo[w, :, cell, lq].T, tab.hole_hi[w, :, cell, lq].T, md)
        # thinning: the cell was drawn with its largest fraction; keep each star with its own
        k = u[sel, 7] * tab.f_max[w, cell, il[sel]] < frac
        keep[sel] = k
        sk = sel[k]
        m[sk] = _ppf_without_holes(pop.imf, c_lo[k], [(h0[k], h1[k]) for h0, h1 in holes], frac[k], u[sk, 1])
        age[sk], feh[sk] = a[k], f[k]
        comp_code[sk] = COMPONENTS.index(_component_label(comp))
    # the kept stars only, from here on
    m, age, feh, comp_code = m[keep], age[keep], feh[keep], comp_code[keep]
    u, d, pix, win = u[keep], d[keep], block[kpix[keep]], win[keep]
    # HEALPix is an equal-area projection, so uniform (dx, dy) is uniform on the sky in a pixel
    ra, dec = _healpix_radec(pix, nside, u[:, 5], u[:, 6])
    return {"m": m, "age": age, "feh": feh, "d": d, "ra": ra, "dec": dec,
            "comp": comp_code, "pix": pix, "window": win}


_JRLL = np.array([2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4])  # HEALPix base pixels: ring and
_JPLL = np.array([1, 3, 5, 7, 0, 2, 4, 6, 1, 3, 5, 7])  # longitude numbers (Górski et al. 2005)


def _compress_bits(v: np.ndarray) -> np.ndarray:
    """The even bits of ``v`` packed together (de-interleaves a nested HEALPix index)."""
    v = v & 0x5555555555555555
    v = (v | (v >> 1)) & 0x3333333333333333
    v = (v | (v >> 2)) & 0x0F0F0F0F0F0F0F0F
    v = (v | (v >> 4)) & 0x00FF00FF00FF00FF
    v = (v | (v >> 8)) & 0x0000FFFF0000FFFF
    return (v | (v >> 16)) & 0x00000000FFFFFFFF


def _healpix_radec(pix, nside: int, dx, dy) -> tuple[np.ndarray, np.ndarray]:
    """RA, Dec (deg) of the point at offsets (``dx``, ``dy``) in [0, 1] inside nested HEALPix
    pixels (0.5, 0.5: the centre; the corners at 0 and 1), as ``astropy_healpix``'s
    ``healpix_to_lonlat`` gives them (to 1e-13 rad, tested) without importing astropy, which
    took a third of a second of every run. The face-coordinate formulae of HEALPix C++
    (``xyf2loc``)."""
    pix = np.asarray(pix, np.int64)
    face, ipf = np.divmod(pix, nside * nside)
    x = (_compress_bits(ipf) + np.asarray(dx, float)) / nside
    y = (_compress_bits(ipf >> 1) + np.asarray(dy, float)) / nside
    jr = _JRLL[face] - x - y
    polar = (jr < 1) | (jr > 3)
    nr = np.where(jr < 1, jr, np.where(jr > 3, 4.0 - jr, 1.0))
    tmp = nr * nr / 3.0
    z = np.where(jr < 1, 1.0 - tmp, np.where(jr > 3, tmp - 1.0, (2.0 - jr) * 2.0 / 3.0))
    sth = np.where(polar, np.sqrt(tmp * (2.0 - tmp)), np.sqrt(np.maximum(1.0 - z * z, 0.0)))
    t = (_JPLL[face] * nr + x - y) % 8.0
    phi = np.where(nr > 1e-15, 0.25 * np.pi * t / np.where(nr > 1e-15, nr, 1.0), 0.0)
    ra = np.degrees(phi)
    return np.where(ra >= 360.0, ra - 360.0, ra), np.degrees(np.arctan2(z, sth))


def _dying_mass_in_cell(tab: _Table, cell, age, feh) -> np.ndarray:
    """The dying mass inside a cell, bilinear in (log age, [Fe/H]) on the cell's grid of
    ``MD_SUB`` × ``MD_SUB`` (its largest error in the cell, ``eps`` of the table's build, narrows
    the windows only where that is safe)."""
    n = tab.log_md.shape[1] - 1
    ta = np.log(age / tab.age_lo[cell]) / np.log(tab.age_hi[cell] / tab.age_lo[cell]) * n
    f0, f1 = tab.feh_lo[cell], tab.feh_hi[cell]
    tf = np.where(f1 > f0, (feh - f0) / np.where(f1 > f0, f1 - f0, 1.0), 0.0) * n
    ia = np.clip(np.floor(ta), 0, n - 1).astype(np.intp)
    jf = np.clip(np.floor(tf), 0, n - 1).astype(np.intp)
    ta, tf = ta - ia, tf - jf
    lm = tab.log_md.reshape(-1)
    k = (cell * (n + 1) + ia) * (n + 1) + jf
    return np.exp((1 - ta) * ((1 - tf) * lm[k] + tf * lm[k + 1])
                  + ta * ((1 - tf) * lm[k + n + 1] + tf * lm[k + n + 2]))


def _component_label(comp: Component) -> str:
    return comp.name if comp.name in COMPONENTS else "population"


def _observe(b: dict[str, np.ndarray], dust: DustDisk, lim: Limit, field: Field, seed: int = 0) -> Stars:
    """Evolve the drawn stars, make them shine, dim them by distance and dust, and keep those
    brighter than the limit (and inside a cone field). Dust only dims, so stars already too
    faint without it are dropped before the dust is computed. The kept stars get their
    velocities (``kinematics``) from a generator of their pixel's own,
    ``SeedSequence(seed, spawn_key=(pixel, 1))``."""
    s = evolve_through(b["m"], b["age"], b["feh"])
    mags = absolute_magnitudes(s["log_L"], s["log_Teff"], s["log_g"], s["feh"])
    dm = 5.0 * np.log10(b["d"]) - 5.0
    # the windows overlap near the dying mass (both are padded): a star counts only if drawn
    # from the window of what it turned out to be, living or dead, so none is made twice
    # (births drawn without windows, from the whole IMF, carry no "window" and all count)
    own = s["alive"] == (b["window"] == 0) if "window" in b else np.ones(len(s), bool)
    near = own & (mags["M_" + lim.band] + dm < lim.mag) & field.contains(b["ra"], b["dec"])
    s, dm = s.select(near), dm[near]
    mags = {k: v[near] for k, v in mags.items()}
    b = {k: v[near] for k, v in b.items() if k != "window"}
    l, bb = icrs_to_galactic(b["ra"], b["dec"])
    av = dust.a_v(l, bb, b["d"])
    ext = band_extinction(av, 10.0 ** s["log_Teff"])
    app = {band: mags["M_" + band] + dm + ext[band] for band in ("G", "BP", "RP", "B", "V")}
    s = s.with_columns(**mags, ra=b["ra"], dec=b["dec"], l=l, b=bb, distance=b["d"], A_V=av,
                       **app, component=b["comp"], healpix=b["pix"])
    s = s.select(app[lim.band] < lim.mag)
    return s.with_columns(**_velocities(s, seed))


def _velocities(s: Stars, seed: int) -> dict[str, np.ndarray]:
    """pmra, pmdec (mas/yr) and radial_velocity (km/s) of made stars, from a generator per
    pixel (so a star's velocity does not depend on how the sky is split)."""
    from ..place.kinematics import space_motion

    pix = s["healpix"]
    order = np.argsort(pix, kind="stable")
    normals = np.empty((len(pix), 3))
    uniq, start = np.unique(pix[order], return_index=True)
    bounds = np.append(start, len(pix))
    for k, p in enumerate(uniq):
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(int(p), 1)))
        normals[order[bounds[k]:bounds[k + 1]]] = rng.standard_normal((bounds[k + 1] - bounds[k], 3))
    x, y, z, _ = galactocentric(s["l"], s["b"], s["distance"])
    pmra, pmdec, rv = space_motion(s.codes("component"), s["age"], s["ra"], s["dec"], s["distance"],
                                   x, y, z, normals)
    return {"pmra": pmra, "pmdec": pmdec, "radial_velocity": rv}

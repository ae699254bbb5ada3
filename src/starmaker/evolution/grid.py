"""What the EEP kernels need from a stellar-model grid, and the tables they derive from it.

A grid (MIST: :mod:`.mist`; PARSEC: :mod:`.parsec`) is a set of isochrones on a rectangular
axis of [Fe/H] × log age, each a run of rows indexed by *equivalent evolutionary phase* (EEP):
the same EEP number marks the same evolutionary stage on every isochrone, so isochrones can be
blended at fixed EEP (Dotter 2016, ApJS 222, 8, sect. 4). A loader reads its grid into
:func:`build_grid`'s arguments — per row initial mass, current mass, log Teff, log g, log L,
log R and phase; per isochrone its first EEP, its length and its last nuclear-burning EEP — and
:func:`build_grid` adds the grid-agnostic tables the kernels of :mod:`.isochrones` read: the
lifespan table (the initial mass dying at each grid age), its extrapolations, and the
mass → EEP lookup. :class:`Grid` lists exactly what the kernels use.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from typing import Any, Protocol

import numpy as np

__all__ = ["Grid", "EEPGrid", "build_grid", "cached_grid", "COLUMNS", "TAB_LOGM0", "TAB_DLOGM", "TAB_N",
           "N_EXTRAP"]

#: columns of ``data``, in this order
COLUMNS = ("initial_mass", "star_mass", "log_Teff", "log_g", "log_L", "log_R")
#: points used to extrapolate lifespans beyond either end of the grid
N_EXTRAP = 6
#: the mass -> EEP lookup: bins of log10 initial mass from TAB_LOGM0, TAB_DLOGM wide (0.1–300 M☉)
TAB_LOGM0, TAB_DLOGM, TAB_N = -1.0, (np.log10(300.0) + 1.0 + 1e-6) / 2048, 2048


class Grid(Protocol):
    """What the evolve, lifespan and dying-mass kernels read from a grid.

    Isochrone (i, j) at ``feh[i]``, ``log_age[j]`` holds rows ``row0[i, j]`` … ``row0 + n − 1``
    of ``data`` (columns :data:`COLUMNS`) and ``phase`` (codes into ``schema.PHASES``), for EEPs
    ``eep0[i, j]`` … ``eep0 + n − 1``; its last nuclear-burning row is EEP ``nuc_last[i, j]``;
    rows from EEP ``eep_postnuc`` on are post-nuclear (post-AGB, white dwarf). The lifespan
    table of metallicity i is ``lt_logm[i, :lt_n[i]]`` (log initial mass, increasing) →
    ``lt_logt`` (log age at which it dies), with power laws ``lt_lo``/``lt_hi``
    (intercept, slope in log–log) beyond either end.
    """

    name: str
    feh: np.ndarray
    log_age: np.ndarray
    row0: np.ndarray
    eep0: np.ndarray
    n: np.ndarray
    data: np.ndarray
    phase: np.ndarray
    mass0: np.ndarray
    eep_tab: np.ndarray
    mass_monotone: bool
    nuc_last: np.ndarray
    eep_postnuc: int
    lt_logm: np.ndarray
    lt_logt: np.ndarray
    lt_n: np.ndarray
    lt_lo: np.ndarray
    lt_hi: np.ndarray
    lt_guess: np.ndarray
    feh_range: tuple[float, float]
    log_age_range: tuple[float, float]
    mass_range: tuple[float, float]


@dataclass(frozen=True)
class EEPGrid:
    """A grid in memory, as flat arrays the kernels can read (see :class:`Grid`)."""

    feh: np.ndarray
    log_age: np.ndarray
    row0: np.ndarray
    eep0: np.ndarray
    n: np.ndarray
    data: np.ndarray
    phase: np.ndarray
    mass0: np.ndarray  # data[:, 0] (initial mass) contiguous: the bisection reads only this
    # mass -> EEP lookup per isochrone (a starting bracket for the bisection, see _eep_table):
    # eep_tab[i, j, k] = the last EEP whose initial mass is <= 10**(TAB_LOGM0 + k * TAB_DLOGM)
    eep_tab: np.ndarray
    mass_monotone: bool  # initial mass non-decreasing along every isochrone (the table is usable)
    nuc_last: np.ndarray  # absolute EEP of the last nuclear-burning row, per isochrone
    log_mdie: np.ndarray  # log10 initial mass at that row
    # lifespan inversion table per feh: log M (increasing) -> log t
    lt_logm: np.ndarray
    lt_logt: np.ndarray
    lt_n: np.ndarray
    lt_lo: np.ndarray  # (intercept, slope) of the low-mass power-law extrapolation
    lt_hi: np.ndarray  # (intercept, slope) of the high-mass extrapolation
    # per feh and lookup bin edge k: the row of lt_logm to start from (see _log_lifespan_from)
    lt_guess: np.ndarray
    source: str  # the file read, relative to the lachesis_grids package
    name: str  # how errors name the grid, e.g. "MIST v2.5 grid"
    eep_postnuc: int  # first post-nuclear EEP (post-AGB); beyond every row if the grid has none
    feh_range: tuple[float, float]  # what the grid covers completely (check_inputs reads these)
    log_age_range: tuple[float, float]
    mass_range: tuple[float, float]
    info: tuple[tuple[str, str], ...]  # provenance entries, e.g. (("grid", "MIST v2.5 ..."),)

    def provenance(self) -> dict[str, str]:
        from importlib.metadata import version

        return {**dict(self.info), "file": self.source, "lachesis-grids": version("lachesis-grids")}


def build_grid(
    *,
    feh,
    log_age,
    row0,
    eep0,
    n,
    data,
    phase,
    nuclear,
    keep,
    eep_track_end: int,
    **meta,
) -> EEPGrid:
    """The grid the kernels read, from a loader's arrays.

    ``row0``, ``eep0``, ``n``: (n_feh, n_age) layout of all isochrones in ``data`` (rows ×
    :data:`COLUMNS`) and ``phase`` (schema codes); ``nuclear``: per row, whether it is still
    nuclear burning (its last True row per isochrone is the mass dying at that age); ``keep``: the
    [Fe/H] nodes used; ``eep_track_end``: an isochrone whose last nuclear row lies at or past
    this EEP ends on a finished track (its top is a dying star, not the grid's mass cap): the
    lifespan table starts at the first such isochrone. ``meta``: the :class:`EEPGrid` fields
    ``source``, ``name``, ``eep_postnuc``, ranges and ``info`` (provenance).

    Lifespans: the last nuclear row of each isochrone carries the initial mass M_die(t) dying at
    age t; per [Fe/H] the run M_die(t) is made non-increasing in age, plateaus reduced to their
    last point, and stored with log M increasing. Beyond either end it is extrapolated as a power
    law t ∝ M^s through the end point, s fitted (least squares in log–log, through that point)
    to the :data:`N_EXTRAP` end points.
    """
    nf, na = row0.shape
    nuc_last = np.zeros((nf, na), np.int64)
    log_mdie = np.zeros((nf, na))
    for i in range(nf):
        for j in range(na):
            r0, m = row0[i, j], n[i, j]
            if m == 0:
                continue
            r = r0 + np.nonzero(nuclear[r0 : r0 + m])[0][-1]
            nuc_last[i, j] = eep0[i, j] + (r - r0)
            log_mdie[i, j] = np.log10(data[r, 0])

    # lifespan table: from the first isochrone whose last nuclear row ends a track (before that
    # the top row is only the grid's mass cap, still burning), made non-increasing in age, with
    # plateaus reduced to their last point; stored with log M increasing.
    nmax = na
    lt_logm = np.full((nf, nmax), np.nan)
    lt_logt = np.full((nf, nmax), np.nan)
    lt_n = np.zeros(nf, np.int64)
    lt_lo = np.zeros((nf, 2))
    lt_hi = np.zeros((nf, 2))
    for i in range(nf):
        dying = np.nonzero(nuc_last[i] >= eep_track_end)[0]
        if len(dying) == 0:
            continue
        j1 = dying[0]
        lm = np.minimum.accumulate(log_mdie[i, j1:])
        la = log_age[j1:]
        keepj = np.concatenate([lm[:-1] > lm[1:], [True]])
        lm, la = lm[keepj], la[keepj]
        m, t = lm[::-1], la[::-1]
        lt_n[i] = len(m)
        lt_logm[i, : len(m)], lt_logt[i, : len(m)] = m, t
        lt_lo[i] = _anchored_line(m[:N_EXTRAP], t[:N_EXTRAP], 0)
        lt_hi[i] = _anchored_line(m[-N_EXTRAP:], t[-N_EXTRAP:], -1)

    sel = np.nonzero(keep)[0]
    r0s, ns = row0[sel].ravel(), n[sel].ravel()
    return EEPGrid(
        feh=feh[sel],
        log_age=log_age,
        row0=row0[sel],
        eep0=eep0[sel],
        n=n[sel],
        data=data,
        phase=phase,
        mass0=np.ascontiguousarray(data[:, 0]),
        eep_tab=_eep_table(data[:, 0], row0[sel], eep0[sel], n[sel]),
        mass_monotone=bool(
            all(np.all(np.diff(data[r0 : r0 + m, 0]) >= 0) for r0, m in zip(r0s, ns, strict=True))
        ),
        nuc_last=nuc_last[sel],
        log_mdie=log_mdie[sel],
        lt_logm=lt_logm[sel],
        lt_logt=lt_logt[sel],
        lt_n=lt_n[sel],
        lt_lo=lt_lo[sel],
        lt_hi=lt_hi[sel],
        lt_guess=_lifespan_guess(lt_logm[sel], lt_n[sel]),
        **meta,
    )


def cached_grid(tag: str, data_file: str | os.PathLike, read: Callable[[], dict[str, Any]], /, *,
                code: Iterable[str | os.PathLike] = (), what: object = (), **meta) -> EEPGrid:
    """``build_grid(**read(), **meta)``, kept in the user's cache folder
    (:mod:`starmaker.io.cache`; ``STARMAKER_CACHE=off`` turns it off) and read back from there,
    memory-mapped, by later processes: the same arrays, bit for bit, in milliseconds instead of
    the second or more that reading ``data_file`` (HDF5) and building the tables take.

    The entry (``TAG-grid-KEY.arrays``) has a key that hashes ``tag``, ``data_file``'s identity
    (real path, size, modification time: a reinstalled or changed file is a new entry), ``what``
    (the loader's constants), ``meta``, the source of this module and of the loader's modules
    ``code``, NumPy's version and the cache format: changed data or code is never read. A file
    that cannot be trusted (see :func:`starmaker.io.cache.load_arrays`) is rebuilt and
    overwritten; where the folder cannot be written the grid is built and kept in memory only."""
    from ..io import cache

    def build() -> dict[str, np.ndarray]:
        grid = build_grid(**read(), **meta)
        arrays = {f.name: getattr(grid, f.name) for f in fields(grid)}
        return {k: v for k, v in arrays.items() if isinstance(v, np.ndarray)} | {
            "mass_monotone": np.array(grid.mass_monotone)}

    key = cache.source_key((tag, cache.file_identity(data_file), what, meta),
                           files=(__file__, *code))
    arrays = cache.cached(f"{tag}-grid", key, build)
    return EEPGrid(**{k: v for k, v in arrays.items() if k != "mass_monotone"},
                   mass_monotone=bool(arrays["mass_monotone"]), **meta)


def _eep_table(mass, row0, eep0, n):
    """Per isochrone and log-mass bin edge k, the last EEP whose initial mass is at most
    10**(TAB_LOGM0 + k TAB_DLOGM) (the first EEP where none is). A star of mass in bin k lies,
    on each of its four isochrones, between the entries k and k + 1: the evolve kernel uses
    them to start its bisection on a few EEPs, after checking that they do bracket the star."""
    edges = 10.0 ** (TAB_LOGM0 + TAB_DLOGM * np.arange(TAB_N + 1))
    tab = np.empty(row0.shape + (TAB_N + 1,), np.int16)
    for i in range(row0.shape[0]):
        for j in range(row0.shape[1]):
            m = mass[row0[i, j] : row0[i, j] + n[i, j]]
            k = np.searchsorted(m, edges, side="right") - 1
            tab[i, j] = eep0[i, j] + np.clip(k, 0, n[i, j] - 1)
    return tab


def _lifespan_guess(lt_logm, lt_n):
    """Per [Fe/H] and lookup bin edge k, the last row of the lifespan table at or below the edge's
    log mass (clipped to 0 … n − 2): where the evolve kernel starts its search."""
    edges = TAB_LOGM0 + TAB_DLOGM * np.arange(TAB_N + 1)
    out = np.zeros((len(lt_n), TAB_N + 1), np.int64)
    for i, n in enumerate(lt_n):
        if n >= 2:
            out[i] = np.clip(np.searchsorted(lt_logm[i, :n], edges, side="right") - 1, 0, n - 2)
    return out


def _anchored_line(x, y, k):
    """(intercept, slope) of the least-squares line through (x[k], y[k]) fitted to x, y."""
    dx, dy = x - x[k], y - y[k]
    slope = float(np.dot(dx, dy) / np.dot(dx, dx))
    return y[k] - slope * x[k], slope

"""Stellar evolution from the MIST v2.5 isochrone grid shipped by ``lachesis-grids``.

The grid (Choi et al. 2016, ApJ 823, 102; Dotter 2016, ApJS 222, 8; v2.5 with v/vcrit = 0.4)
holds isochrones at 15 [Fe/H] (−4 … +0.5) × 107 log ages (5.0 … 10.3, step 0.05), each a list of
rows indexed by *equivalent evolutionary phase* (EEP). It is read once, lazily, and cached.

How a star (initial mass M, age t, [Fe/H]) is evolved — the way MIST isochrones are meant to be
interpolated (Dotter 2016, sect. 4):

1. The four grid isochrones around (log t, [Fe/H]) are combined **at fixed EEP** with bilinear
   weights, giving the isochrone at the star's own age and metallicity.
2. On that isochrone the initial mass increases with EEP; the star's (fractional) EEP is found by
   bisection where the interpolated initial mass equals M.
3. Every property (current mass, log L, log Teff, log g, log R) is read at that EEP, and the
   phase from the nearest grid row.

Lifespans: the **last nuclear-burning row** of each grid isochrone (the end of the TP-AGB, EEP
1408, or the end of core carbon burning, EEP 808, for massive stars; MIST phases −1…5 and 9 before
the post-AGB EEP 1409, Dotter 2016, Table 1) carries the initial mass M_die(t) that is dying at
age t. (The grid's isochrones go on into post-AGB and white-dwarf rows, MIST phase 6, down to
log L ≈ −5.3, so the highest mass present at an age is *not* the mass dying then: at
[Fe/H] = 0 and 12.6 Gyr it is a 5.7 M☉ white dwarf, while the dying mass is 0.979 M☉.)
``lifespan(M)`` inverts M_die(t) at each grid [Fe/H] by linear interpolation in
(log M, log t) between the grid's ages (0.05 dex apart), and is interpolated linearly (in log t)
in [Fe/H] between grid metallicities. At [Fe/H] = 0 this gives 11.67 Gyr for 1 M☉ (the grid's
M_die is 1.0112 M☉ at log t = 10.05 and 0.9787 M☉ at 10.10; the main sequence, last phase-0 row,
ends at 10.3 Gyr and the RGB tip, EEP 605, at 11.5 Gyr), 1.33 Gyr for 2 M☉, 26.7 Myr for 10 M☉
and 16.9 Gyr for 0.9 M☉. Reading instead the first grid age at which M has died, without
interpolating, gives upper bounds a grid step (12 %) too long: 12.59 Gyr for 1 M☉, 28.2 Myr for
10 M☉.

The table starts at the first isochrone whose last nuclear-burning row ends a track (EEP ≥ 808;
log t = 6.45 or 6.5): before that the top row is only the grid's 300 M☉ mass cap, still burning.

* Stars lighter than the mass dying at the grid's last age (20 Gyr; 0.858 M☉ at [Fe/H] = 0)
  outlive the grid: their lifespans are **extrapolated** as a power law t ∝ M^s through the
  last grid point, with s fitted (least squares in log–log, through that point) to the grid's
  six oldest dying masses, and flagged in ``lifespan_extrapolated``. s ≈ −3.5 at every grid
  metallicity. This only decides that such stars are alive; it is not meant as their true
  lifespan (it gives 4×10¹³ yr for 0.1 M☉, where detailed models give ≈ 6×10¹² yr, Laughlin,
  Bodenheimer & Adams 1997, ApJ 482, 420).
* Stars heavier than the first dying mass (≈ 180–280 M☉) are extrapolated likewise (through
  the youngest point, slope ≈ −0.2 to −0.4 fitted to the six youngest points), and flagged.

Both extrapolations join the table continuously, so lifespans decrease strictly with mass, and
:func:`dying_mass` is their exact inverse at every [Fe/H].

A star is **alive** while age < lifespan. Alive stars are placed on the nuclear-burning part of
the interpolated isochrone; dead stars are placed on its post-AGB/white-dwarf rows when the grid
has them, and otherwise handed to :mod:`starmaker.evolution.remnants`.

Coverage: [Fe/H] from −2.5 to +0.5. The grid's isochrones below −2.5 are incomplete for
massive stars (at −4.0 they stop at 6.5 M☉ at every age; at −3.5 and −3.0 the masses between
≈ 6 and ≈ 40 M☉ are missing from 7 to 56 Myr), so they are not used. Ages from 10^5 yr to
10^10.3 yr ≈ 19.95 Gyr, initial masses 0.1–300 M☉. Young isochrones
(below ≈ 2.5 Myr) lack the lowest masses, whose pre-main-sequence tracks start later; such stars
are placed at the lowest-mass end of the isochrone and flagged in ``grid_clamped``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numba as nb
import numpy as np

from ..errors import OutOfGridError
from ..schema import PHASES
from ..units import check_numbers

__all__ = ["MistGrid", "load_mist", "lifespan", "evolve_arrays", "FEH_RANGE", "LOG_AGE_RANGE"]

GRID_FILE = "mist_v2.5_vvcrit0.4.h5"
#: columns read from the grid, in this order
_COLS = ("initial_mass", "star_mass", "log_Teff", "log_g", "log_L", "log_R")
#: the [Fe/H] range over which the grid is complete in mass (see the module notes)
FEH_RANGE = (-2.5, 0.5)
LOG_AGE_RANGE = (5.0, 10.3)
MASS_RANGE = (0.1, 300.0)
#: the first post-AGB EEP of MIST (Dotter 2016, Table 1)
EEP_POSTAGB = 1409
#: the TP-AGB primary EEP, where massive-star tracks end at core carbon depletion (Dotter 2016)
EEP_TRACK_END = 808
#: log g above which a MIST phase-6 row is on the white-dwarf cooling sequence
_WD_LOGG = 7.0
#: points used to extrapolate lifespans beyond either end of the grid
_N_EXTRAP = 6

_PH = {name: i for i, name in enumerate(PHASES)}
# MIST phase code -> our phase code (phase 6 is split into postAGB / WD by log g at load)
_MIST_PHASE = {
    -1: _PH["PMS"],
    0: _PH["MS"],
    2: _PH["RGB"],
    3: _PH["CHeB"],
    4: _PH["EAGB"],
    5: _PH["TPAGB"],
    6: _PH["postAGB"],
    9: _PH["WR"],
    -9: _PH["WD"],
}


@dataclass(frozen=True)
class MistGrid:
    """The MIST grid in memory, as flat arrays the kernels can read.

    Isochrone (i, j) at ``feh[i]``, ``log_age[j]`` holds rows ``row0[i, j]`` … ``row0 + n − 1``
    of ``data`` (columns ``_COLS``) and ``phase``, for EEPs ``eep0[i, j]`` … ``eep0 + n − 1``.
    """

    feh: np.ndarray
    log_age: np.ndarray
    row0: np.ndarray
    eep0: np.ndarray
    n: np.ndarray
    data: np.ndarray
    phase: np.ndarray
    mass0: np.ndarray  # data[:, 0] (initial mass) contiguous: the bisection reads only this
    # mass -> EEP lookup per isochrone (a starting bracket for the bisection, see _eep_table):
    # eep_tab[i, j, k] = the last EEP whose initial mass is <= 10**(_TAB_LOGM0 + k * _TAB_DLOGM)
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
    source: str

    def provenance(self) -> dict[str, str]:
        from importlib.metadata import version

        return {
            "grid": "MIST v2.5 v/vcrit=0.4",
            "file": self.source,
            "lachesis-grids": version("lachesis-grids"),
        }


def mist_grid_path():
    from lachesis_grids import grid_path

    return grid_path(GRID_FILE)


@functools.cache
def load_mist() -> MistGrid:
    """Read and prepare the MIST grid (once per process; about half a second)."""
    import h5py

    path = mist_grid_path()
    with h5py.File(path, "r") as f:
        cols = [str(c) for c in f.attrs["columns"]]
        feh = f["feh_values"][:].astype(float)
        log_age = f["age_values"][:].astype(float)
        lengths = f["lengths"][:].astype(np.int64)
        offsets = f["offsets"][:].astype(np.int64)
        values = f["values"][:]
    nf, na = len(feh), len(log_age)
    keep = feh >= FEH_RANGE[0] - 1e-9
    idx = [cols.index(c) for c in _COLS]
    data = values[:, idx].astype(np.float64)
    mist_phase = values[:, cols.index("phase")]
    row0_all = np.concatenate([[0], np.cumsum(lengths)[:-1]]).reshape(nf, na)
    eep0_all = offsets.reshape(nf, na)
    n_all = lengths.reshape(nf, na)

    # fill interior gaps (NaN rows) of each isochrone by linear interpolation in EEP
    bad = np.isnan(data[:, 0])
    for k in np.unique(np.searchsorted(row0_all.ravel(), np.nonzero(bad)[0], side="right") - 1):
        s = slice(row0_all.flat[k], row0_all.flat[k] + n_all.flat[k])
        block, ph = data[s], mist_phase[s]
        good = ~np.isnan(block[:, 0])
        x = np.arange(len(block))
        for c in range(block.shape[1]):
            block[~good, c] = np.interp(x[~good], x[good], block[good, c])
        # a filled row takes the phase of the row before it
        last = np.maximum.accumulate(np.where(good, x, 0))
        ph[~good] = ph[last[~good]]
        data[s], mist_phase[s] = block, ph

    # EEP of every row; rows from the post-AGB EEP on are post-nuclear whatever their label
    # (569 white-dwarf rows of the metal-poor isochrones carry phase 5 in this grid)
    row_eep = np.repeat(eep0_all.ravel() - row0_all.ravel(), n_all.ravel()) + np.arange(len(data))
    mist_phase[(row_eep >= EEP_POSTAGB) & (mist_phase != -9)] = 6
    phase = np.vectorize(_MIST_PHASE.get, otypes=[np.int8])(mist_phase.astype(int))
    wd = (mist_phase == 6) & (data[:, 3] >= _WD_LOGG)
    phase[wd] = _PH["WD"]

    nuclear = np.isin(mist_phase, [-1, 0, 2, 3, 4, 5, 9])
    nuc_last = np.zeros((nf, na), np.int64)
    log_mdie = np.zeros((nf, na))
    last_phase = np.zeros((nf, na), np.int64)
    for i in range(nf):
        for j in range(na):
            r0, n = row0_all[i, j], n_all[i, j]
            r = r0 + np.nonzero(nuclear[r0 : r0 + n])[0][-1]
            nuc_last[i, j] = eep0_all[i, j] + (r - r0)
            log_mdie[i, j] = np.log10(data[r, 0])
            last_phase[i, j] = mist_phase[r]

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
        dying = np.nonzero(nuc_last[i] >= EEP_TRACK_END)[0]
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
        lt_lo[i] = _anchored_line(m[:_N_EXTRAP], t[:_N_EXTRAP], 0)
        lt_hi[i] = _anchored_line(m[-_N_EXTRAP:], t[-_N_EXTRAP:], -1)

    sel = np.nonzero(keep)[0]
    r0s, ns = row0_all[sel].ravel(), n_all[sel].ravel()
    return MistGrid(
        feh=feh[sel],
        log_age=log_age,
        row0=row0_all[sel],
        eep0=eep0_all[sel],
        n=n_all[sel],
        data=data,
        phase=phase,
        mass0=np.ascontiguousarray(data[:, 0]),
        eep_tab=_eep_table(data[:, 0], row0_all[sel], eep0_all[sel], n_all[sel]),
        mass_monotone=bool(
            all(np.all(np.diff(data[r0 : r0 + n, 0]) >= 0) for r0, n in zip(r0s, ns, strict=True))
        ),
        nuc_last=nuc_last[sel],
        log_mdie=log_mdie[sel],
        lt_logm=lt_logm[sel],
        lt_logt=lt_logt[sel],
        lt_n=lt_n[sel],
        lt_lo=lt_lo[sel],
        lt_hi=lt_hi[sel],
        lt_guess=_lifespan_guess(lt_logm[sel], lt_n[sel]),
        source=f"lachesis_grids/grids/{GRID_FILE}",
    )


#: the mass -> EEP lookup: bins of log10 initial mass from _TAB_LOGM0, _TAB_DLOGM wide
_TAB_LOGM0, _TAB_DLOGM, _TAB_N = -1.0, (np.log10(MASS_RANGE[1]) + 1.0 + 1e-6) / 2048, 2048


def _eep_table(mass, row0, eep0, n):
    """Per isochrone and log-mass bin edge k, the last EEP whose initial mass is at most
    10**(_TAB_LOGM0 + k _TAB_DLOGM) (the first EEP where none is). A star of mass in bin k lies,
    on each of its four isochrones, between the entries k and k + 1: the evolve kernel uses
    them to start its bisection on a few EEPs, after checking that they do bracket the star."""
    edges = 10.0 ** (_TAB_LOGM0 + _TAB_DLOGM * np.arange(_TAB_N + 1))
    tab = np.empty(row0.shape + (_TAB_N + 1,), np.int16)
    for i in range(row0.shape[0]):
        for j in range(row0.shape[1]):
            m = mass[row0[i, j] : row0[i, j] + n[i, j]]
            k = np.searchsorted(m, edges, side="right") - 1
            tab[i, j] = eep0[i, j] + np.clip(k, 0, n[i, j] - 1)
    return tab


def _lifespan_guess(lt_logm, lt_n):
    """Per [Fe/H] and lookup bin edge k, the last row of the lifespan table at or below the edge's
    log mass (clipped to 0 … n − 2): where the evolve kernel starts its search."""
    edges = _TAB_LOGM0 + _TAB_DLOGM * np.arange(_TAB_N + 1)
    out = np.zeros((len(lt_n), _TAB_N + 1), np.int64)
    for i, n in enumerate(lt_n):
        if n >= 2:
            out[i] = np.clip(np.searchsorted(lt_logm[i, :n], edges, side="right") - 1, 0, n - 2)
    return out


def _anchored_line(x, y, k):
    """(intercept, slope) of the least-squares line through (x[k], y[k]) fitted to x, y."""
    dx, dy = x - x[k], y - y[k]
    slope = float(np.dot(dx, dy) / np.dot(dx, dx))
    return y[k] - slope * x[k], slope


# ----------------------------------------------------------------------------- validation
def check_inputs(mass_initial, log_age, feh) -> None:
    """Raise OutOfGridError if any star lies outside the grid (mass, age, [Fe/H])."""
    for name, arr, (lo, hi), unit, conv in (
        ("mass_initial", mass_initial, MASS_RANGE, "Msun", lambda v: v),
        ("age", log_age, LOG_AGE_RANGE, "yr", lambda v: 10.0**v),
        ("feh", feh, FEH_RANGE, "dex", lambda v: v),
    ):
        a = np.asarray(arr, dtype=float)
        bad = ~((a >= lo - 1e-9) & (a <= hi + 1e-9))
        if bad.any():
            v = a[bad][0]
            raise OutOfGridError(name, float(conv(v)), conv(lo), conv(hi), unit, "MIST v2.5 grid")


# ----------------------------------------------------------------------------- kernels

@nb.njit(cache=True, inline="always")
def _weight(x, lo, v):  # pragma: no cover - numba
    """Linear-interpolation weight of v between x[lo] and x[lo + 1], clamped to [0, 1]."""
    w = (v - x[lo]) / (x[lo + 1] - x[lo])
    if w < 0.0:
        w = 0.0
    elif w > 1.0:
        w = 1.0
    return w


@nb.njit(cache=True, inline="always")
def _bracket(x, v):
    """Index i with x[i] <= v <= x[i+1] (clipped to the ends) and the weight of x[i+1]."""
    n = x.shape[0]
    lo, hi = 0, n - 1
    while hi - lo > 1:
        mid = (lo + hi) >> 1
        if x[mid] <= v:
            lo = mid
        else:
            hi = mid
    return lo, _weight(x, lo, v)


@nb.njit(cache=True)
def _log_lifespan_node(lt_logm, lt_logt, lt_n, lt_lo, lt_hi, i, logm):
    """log10 lifespan at grid metallicity i; second value True when extrapolated."""
    n = lt_n[i]
    if logm < lt_logm[i, 0]:
        return lt_lo[i, 0] + lt_lo[i, 1] * logm, True
    if logm > lt_logm[i, n - 1]:
        return lt_hi[i, 0] + lt_hi[i, 1] * logm, True
    lo, hi = 0, n - 1
    while hi - lo > 1:
        mid = (lo + hi) >> 1
        if lt_logm[i, mid] <= logm:
            lo = mid
        else:
            hi = mid
    t = (logm - lt_logm[i, lo]) / (lt_logm[i, hi] - lt_logm[i, lo])
    return lt_logt[i, lo] + t * (lt_logt[i, hi] - lt_logt[i, lo]), False


@nb.njit(cache=True)
def _log_lifespan(g_feh, lt_logm, lt_logt, lt_n, lt_lo, lt_hi, logm, feh):
    i, w = _bracket(g_feh, feh)
    a, ea = _log_lifespan_node(lt_logm, lt_logt, lt_n, lt_lo, lt_hi, i, logm)
    if w == 0.0:
        return a, ea
    b, eb = _log_lifespan_node(lt_logm, lt_logt, lt_n, lt_lo, lt_hi, i + 1, logm)
    if w == 1.0:
        return b, eb
    return (1.0 - w) * a + w * b, ea or eb


@nb.njit(cache=True, parallel=True)
def _lifespan_kernel(g_feh, lt_logm, lt_logt, lt_n, lt_lo, lt_hi, logm, feh, out, extrap):
    for s in nb.prange(logm.shape[0]):
        out[s], extrap[s] = _log_lifespan(g_feh, lt_logm, lt_logt, lt_n, lt_lo, lt_hi, logm[s], feh[s])


@nb.njit(cache=True, inline="always")
def _bracket_scan(x, v):
    """:func:`_bracket` (the same index and weight: the largest i <= n − 2 with x[i] <= v, or 0),
    found from a guess for a nearly uniform ``x`` corrected by a scan, not by bisection."""
    n = x.shape[0]
    g = (v - x[0]) / (x[n - 1] - x[0]) * (n - 1)
    lo = int(g) if g > 0.0 else 0
    if lo > n - 2:
        lo = n - 2
    while lo > 0 and x[lo] > v:
        lo -= 1
    while lo < n - 2 and x[lo + 1] <= v:
        lo += 1
    return lo, _weight(x, lo, v)


@nb.njit(cache=True, inline="always")
def _log_lifespan_node_from(lt_logm, lt_logt, lt_n, lt_lo, lt_hi, i, logm, guess):
    """:func:`_log_lifespan_node`, its table row found by a scan from ``guess`` (the same row:
    the largest k <= n − 2 with lt_logm[i, k] <= logm) instead of by bisection."""
    n = lt_n[i]
    if logm < lt_logm[i, 0]:
        return lt_lo[i, 0] + lt_lo[i, 1] * logm, True
    if logm > lt_logm[i, n - 1]:
        return lt_hi[i, 0] + lt_hi[i, 1] * logm, True
    lo = min(max(guess, 0), n - 2)
    while lo > 0 and lt_logm[i, lo] > logm:
        lo -= 1
    while lo < n - 2 and lt_logm[i, lo + 1] <= logm:
        lo += 1
    hi = lo + 1
    t = (logm - lt_logm[i, lo]) / (lt_logm[i, hi] - lt_logm[i, lo])
    return lt_logt[i, lo] + t * (lt_logt[i, hi] - lt_logt[i, lo]), False


@nb.njit(cache=True, inline="always")
def _log_lifespan_from(lt_logm, lt_logt, lt_n, lt_lo, lt_hi, lt_guess, i, w, logm, kb):
    """:func:`_log_lifespan` with the [Fe/H] bracket (i, w) given and the lifespan tables' rows
    guessed from the log-mass bin ``kb`` (``lt_guess``); the same result."""
    a, ea = _log_lifespan_node_from(lt_logm, lt_logt, lt_n, lt_lo, lt_hi, i, logm, lt_guess[i, kb])
    if w == 0.0:
        return a, ea
    b, eb = _log_lifespan_node_from(lt_logm, lt_logt, lt_n, lt_lo, lt_hi, i + 1, logm, lt_guess[i + 1, kb])
    if w == 1.0:
        return b, eb
    return (1.0 - w) * a + w * b, ea or eb


@nb.njit(cache=True, inline="always")
def _first_above(x, n, v):
    """The first index k < n with x[k] > v (n if none); x increasing."""
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) >> 1
        if x[mid] <= v:
            lo = mid + 1
        else:
            hi = mid
    return lo


@nb.njit(cache=True, inline="always")
def _blend(lt_logm, lt_logt, lt_n, lt_lo, lt_hi, i, w, logm):
    """:func:`_log_lifespan` with the [Fe/H] bracket (i, w) already found."""
    a = _log_lifespan_node(lt_logm, lt_logt, lt_n, lt_lo, lt_hi, i, logm)[0]
    if w == 0.0:
        return a
    b = _log_lifespan_node(lt_logm, lt_logt, lt_n, lt_lo, lt_hi, i + 1, logm)[0]
    if w == 1.0:
        return b
    return (1.0 - w) * a + w * b


@nb.njit(cache=True)
def _invert_node(lt_logm, lt_logt, lt_n, lt_lo, lt_hi, i, logt):
    """The log M whose log lifespan at grid metallicity i is ``logt``."""
    n = lt_n[i]
    if logt >= lt_logt[i, 0]:
        return (logt - lt_lo[i, 0]) / lt_lo[i, 1]
    if logt <= lt_logt[i, n - 1]:
        return (logt - lt_hi[i, 0]) / lt_hi[i, 1]
    lo, hi = 0, n - 1  # lt_logt decreasing: lt_logt[lo] > logt >= lt_logt[hi]
    while hi - lo > 1:
        mid = (lo + hi) >> 1
        if lt_logt[i, mid] > logt:
            lo = mid
        else:
            hi = mid
    t = (logt - lt_logt[i, lo]) / (lt_logt[i, hi] - lt_logt[i, lo])
    return lt_logm[i, lo] + t * (lt_logm[i, hi] - lt_logm[i, lo])


@nb.njit(cache=True)
def _log_dying_mass(g_feh, lt_logm, lt_logt, lt_n, lt_lo, lt_hi, logt, feh):
    """log10 of the initial mass whose log lifespan is ``logt`` at ``feh``: the exact inverse of
    :func:`_log_lifespan`, which is continuous and strictly decreasing in log M."""
    i, w = _bracket(g_feh, feh)
    if w == 0.0:
        return _invert_node(lt_logm, lt_logt, lt_n, lt_lo, lt_hi, i, logt)
    if w == 1.0:
        return _invert_node(lt_logm, lt_logt, lt_n, lt_lo, lt_hi, i + 1, logt)
    # the blend of two decreasing functions crosses logt between the nodes' own crossings
    x0 = _invert_node(lt_logm, lt_logt, lt_n, lt_lo, lt_hi, i, logt)
    x1 = _invert_node(lt_logm, lt_logt, lt_n, lt_lo, lt_hi, i + 1, logt)
    a, b = min(x0, x1), max(x0, x1)
    fa = _blend(lt_logm, lt_logt, lt_n, lt_lo, lt_hi, i, w, a)
    fb = _blend(lt_logm, lt_logt, lt_n, lt_lo, lt_hi, i, w, b)
    if fa <= logt:
        return a
    if fb >= logt:
        return b
    # narrow [a, b] (f(a) > logt > f(b)) to a stretch holding no tabulated mass of either
    # node, where the blend is linear, by a binary search over each node's masses in turn
    for node in (i, i + 1):
        x = lt_logm[node]
        k0 = _first_above(x, lt_n[node], a)  # the node's masses strictly inside (a, b): k0..k1
        k1 = _first_above(x, lt_n[node], b) - 1
        while k1 >= k0 and x[k1] >= b:
            k1 -= 1
        best = k0 - 1
        lo_k, hi_k = k0, k1
        while lo_k <= hi_k:
            mid = (lo_k + hi_k) >> 1
            if _blend(lt_logm, lt_logt, lt_n, lt_lo, lt_hi, i, w, x[mid]) >= logt:
                best = mid
                lo_k = mid + 1
            else:
                hi_k = mid - 1
        if best >= k0:
            a = x[best]
            fa = _blend(lt_logm, lt_logt, lt_n, lt_lo, lt_hi, i, w, a)
        if best < k1:
            b = x[best + 1]
            fb = _blend(lt_logm, lt_logt, lt_n, lt_lo, lt_hi, i, w, b)
    if fa == fb:
        return a
    return a + (logt - fa) * (b - a) / (fb - fa)


@nb.njit(cache=True, parallel=True)
def _dying_mass_kernel(g_feh, lt_logm, lt_logt, lt_n, lt_lo, lt_hi, logt, feh, out):
    for s in nb.prange(logt.shape[0]):
        out[s] = _log_dying_mass(g_feh, lt_logm, lt_logt, lt_n, lt_lo, lt_hi, logt[s], feh[s])


@nb.njit(cache=True, inline="always")
def _mass_at(mass0, base, ws, nk, e):
    """Initial mass at EEP ``e`` of the isochrone blended from the ``nk`` grid isochrones whose
    row of EEP e is ``base[q] + e``, with weights ``ws``."""
    m = 0.0
    for q in range(nk):
        m += ws[q] * mass0[base[q] + e]
    return m


#: stars per parallel chunk of :func:`_evolve_kernel`
_CHUNK = 4096


@nb.njit(cache=True, parallel=True)
def _evolve_kernel(
    g_feh,
    g_age,
    row0,
    eep0,
    nrow,
    data,
    mass0,
    eep_tab,
    use_tab,
    phase,
    nuc_last,
    lt_logm,
    lt_logt,
    lt_n,
    lt_lo,
    lt_hi,
    lt_guess,
    mass_initial,
    log_age,
    feh,
    out,
    out_phase,
    out_logt_life,
    out_status,
):
    """Evolve every star. ``out`` columns: mass, log_Teff, log_g, log_L, log_R.

    out_status: 0 alive on the grid, 1 alive and clamped at the isochrone's low-mass end,
    2 dead and on the grid's post-AGB/WD rows, 3 dead and off the grid (-> remnants),
    +4 added when the lifespan was extrapolated.
    """
    ncol = data.shape[1]
    nstar = mass_initial.shape[0]
    for chunk in nb.prange((nstar + _CHUNK - 1) // _CHUNK):
        ks_i = np.empty(4, np.int64)
        ks_j = np.empty(4, np.int64)
        base = np.empty(4, np.int64)  # row of EEP e in isochrone q: base[q] + e
        ws = np.empty(4)
        for s in range(chunk * _CHUNK, min(nstar, (chunk + 1) * _CHUNK)):
            M = mass_initial[s]
            la = log_age[s]
            fe = feh[s]
            logm = np.log10(M)
            kb = int((logm - _TAB_LOGM0) / _TAB_DLOGM)  # the star's bin in the lookup tables
            kb = min(max(kb, 0), _TAB_N - 1)
            i0, wf = _bracket_scan(g_feh, fe)
            j0, wa = _bracket_scan(g_age, la)
            logt, extrap = _log_lifespan_from(
                lt_logm, lt_logt, lt_n, lt_lo, lt_hi, lt_guess, i0, wf, logm, kb
            )
            out_logt_life[s] = logt
            alive = la < logt
            nk = 0
            for di in range(2):
                for dj in range(2):
                    w = (wf if di else 1.0 - wf) * (wa if dj else 1.0 - wa)
                    if w > 0.0:
                        ks_i[nk] = i0 + di
                        ks_j[nk] = j0 + dj
                        base[nk] = row0[i0 + di, j0 + dj] - eep0[i0 + di, j0 + dj]
                        ws[nk] = w
                        nk += 1
            lo = -1
            hi_all = 1 << 30
            hi_nuc = 1 << 30
            for q in range(nk):
                a, b = ks_i[q], ks_j[q]
                lo = max(lo, eep0[a, b])
                hi_all = min(hi_all, eep0[a, b] + nrow[a, b] - 1)
                hi_nuc = min(hi_nuc, nuc_last[a, b])
            status = 0
            if alive:
                hi = hi_nuc
            else:
                lo = max(lo, 1409)
                hi = hi_all
            if hi < lo:
                status = 3
            else:
                mlo = _mass_at(mass0, base, ws, nk, lo)
                mhi = _mass_at(mass0, base, ws, nk, hi)
                if not alive and (M < mlo or M > mhi):
                    status = 3
                else:
                    if alive:
                        status = 0
                    else:
                        status = 2
                    # bisection: largest e in [lo, hi] with m(e) <= M
                    if M <= mlo:
                        e, t = lo, 0.0
                        if M < mlo and alive:
                            status = 1
                    elif M >= mhi:
                        e, t = hi, 0.0
                    else:
                        a, b = lo, hi
                        if use_tab:
                            # start from the lookup's bracket [a0, b0] when it holds the answer:
                            # m(e) is non-decreasing, so the largest e with m(e) <= M is unique
                            # and bisecting any bracket with m(a0) <= M < m(b0) finds the same e
                            a0 = 1 << 30
                            b0 = -1
                            for q in range(nk):
                                a0 = min(a0, eep_tab[ks_i[q], ks_j[q], kb])
                                b0 = max(b0, eep_tab[ks_i[q], ks_j[q], kb + 1] + 1)
                            a0 = max(a0, lo)
                            b0 = min(b0, hi)
                            if (
                                a0 < b0
                                and _mass_at(mass0, base, ws, nk, a0) <= M
                                and _mass_at(mass0, base, ws, nk, b0) > M
                            ):
                                a, b = a0, b0
                        while b - a > 1:
                            mid = (a + b) >> 1
                            if _mass_at(mass0, base, ws, nk, mid) <= M:
                                a = mid
                            else:
                                b = mid
                        ma = _mass_at(mass0, base, ws, nk, a)
                        mb = _mass_at(mass0, base, ws, nk, b)
                        e = a
                        t = (M - ma) / (mb - ma) if mb > ma else 0.0
                    for c in range(1, ncol):
                        v = 0.0
                        for q in range(nk):
                            r = base[q] + e
                            if t > 0.0:
                                v += ws[q] * ((1.0 - t) * data[r, c] + t * data[r + 1, c])
                            else:
                                v += ws[q] * data[r, c]
                        out[s, c - 1] = v
                    # phase: the row nearest in EEP of the heaviest-weighted isochrone
                    qbest = 0
                    for q in range(1, nk):
                        if ws[q] > ws[qbest]:
                            qbest = q
                    en = e + 1 if t > 0.5 else e
                    out_phase[s] = phase[base[qbest] + en]
            if status == 3:
                for c in range(ncol - 1):
                    out[s, c] = np.nan
                out_phase[s] = -1
            out_status[s] = status + (4 if extrap else 0)


# ----------------------------------------------------------------------------- public API
def lifespan(mass_initial, feh=0.0):
    """Lifespan (yr) of stars of initial mass ``mass_initial`` (M☉) and ``feh`` (dex).

    The age at which nuclear burning ends (end of the TP-AGB, or core collapse), read from the
    MIST grid's last nuclear-burning rows, interpolated in (log M, log t) between grid ages;
    extrapolated and flagged (see module notes) below the mass dying at 20 Gyr (0.858 M☉ at
    [Fe/H] = 0) and above the most massive dying star (≈ 270 M☉ at [Fe/H] = 0).
    Returns ``(lifespan_yr, extrapolated)`` arrays.
    """
    check_numbers(mass_initial=mass_initial, feh=feh)
    m, fe = np.broadcast_arrays(np.asarray(mass_initial, float), np.asarray(feh, float))
    m, fe = np.ascontiguousarray(m.ravel()), np.ascontiguousarray(fe.ravel())
    check_inputs(m, np.full_like(m, LOG_AGE_RANGE[0]), fe)
    g = load_mist()
    out = np.empty_like(m)
    ext = np.empty(m.shape, np.bool_)
    _lifespan_kernel(g.feh, g.lt_logm, g.lt_logt, g.lt_n, g.lt_lo, g.lt_hi, np.log10(m), fe, out, ext)
    shape = np.broadcast(np.asarray(mass_initial), np.asarray(feh)).shape
    return (10.0**out).reshape(shape), ext.reshape(shape)


def evolve_arrays(mass_initial, age, feh) -> dict[str, np.ndarray]:
    """Evolve stars given initial mass (M☉), age (yr) and [Fe/H] (dex), all arrays.

    Returns a dict of columns: ``mass``, ``log_Teff``, ``log_g``, ``log_L``, ``radius``,
    ``phase`` (int8 codes into ``schema.PHASES``; -1 where the remnant step must decide),
    ``lifespan``, ``alive``, ``lifespan_extrapolated``, ``grid_clamped``, and ``_status``
    (the kernel's status codes, used by :mod:`starmaker.evolution.remnants`).
    """
    m = np.ascontiguousarray(mass_initial, dtype=np.float64)
    a = np.ascontiguousarray(age, dtype=np.float64)
    fe = np.ascontiguousarray(feh, dtype=np.float64)
    if np.any(~(a > 0)):
        raise OutOfGridError(
            "age",
            float(a[~(a > 0)][0]),
            10 ** LOG_AGE_RANGE[0],
            10 ** LOG_AGE_RANGE[1],
            "yr",
            "MIST v2.5 grid",
        )
    la = np.log10(a)
    check_inputs(m, la, fe)
    g = load_mist()
    n = len(m)
    out = np.empty((n, 5))
    ph = np.empty(n, np.int8)
    logt = np.empty(n)
    status = np.empty(n, np.int8)
    _evolve_kernel(
        g.feh,
        g.log_age,
        g.row0,
        g.eep0,
        g.n,
        g.data,
        g.mass0,
        g.eep_tab,
        g.mass_monotone,
        g.phase,
        g.nuc_last,
        g.lt_logm,
        g.lt_logt,
        g.lt_n,
        g.lt_lo,
        g.lt_hi,
        g.lt_guess,
        m,
        la,
        fe,
        out,
        ph,
        logt,
        status,
    )
    base = status & 3
    return {
        "mass": out[:, 0],
        "log_Teff": out[:, 1],
        "log_g": out[:, 2],
        "log_L": out[:, 3],
        "radius": 10.0 ** out[:, 4],
        "phase": ph,
        "lifespan": 10.0**logt,
        "alive": base <= 1,
        "lifespan_extrapolated": status >= 4,
        "grid_clamped": base == 1,
        "_status": base,
    }


def dying_mass(age, feh=0.0) -> np.ndarray:
    """The initial mass (M☉) whose lifespan equals ``age`` (yr) at ``feh``: the exact inverse of
    :func:`lifespan` (same tables, interpolation and extrapolations), vectorised."""
    g = load_mist()
    la, fe = np.broadcast_arrays(np.log10(np.asarray(age, float)), np.asarray(feh, float))
    shape = la.shape
    la = np.ascontiguousarray(la, dtype=np.float64).ravel()
    fe = np.ascontiguousarray(fe, dtype=np.float64).ravel()
    out = np.empty_like(la)
    _dying_mass_kernel(g.feh, g.lt_logm, g.lt_logt, g.lt_n, g.lt_lo, g.lt_hi, la, fe, out)
    return (10.0**out).reshape(shape)

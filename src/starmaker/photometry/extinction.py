"""Band extinction: A_band for a star of given Teff behind A_V of dust.

A_G, A_BP, A_RP depend on the star's spectrum: the Kurucz grid that ``dustapprox`` ships gives
A_x for A0 = 1…10 mag (Fitzpatrick 1999 law, R_V = 3.1) at each (Teff, log g, [Fe/H]);
starmaker interpolates A_x / A0 in Teff and A0 (at log g 4.5, [Fe/H] 0, where the grid is
complete) and takes A0 = A_V. Johnson B and V use A_V and E(B − V) = A_V / R_V with R_V = 3.1
(Cardelli, Clayton & Mathis 1989). How much dust lies along a line of sight is
:mod:`starmaker.place.dust`'s business.
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["band_extinction", "R_V"]

R_V = 3.1
_PASSBANDS = {"G": "GAIA_GAIA3.G", "BP": "GAIA_GAIA3.Gbp", "RP": "GAIA_GAIA3.Grp"}


@functools.cache
def _ratio_table():
    """(teff, a0, ratio[band, teff, a0]) of A_x / A0 from the dustapprox Kurucz grid."""
    import pyarrow.csv as pacsv

    from .kurucz import kurucz_grid_path

    t = pacsv.read_csv(kurucz_grid_path()).to_pydict()
    teff, logg, feh = (np.asarray(t[k], float) for k in ("teff", "logg", "feh"))
    band, a0, ax = np.asarray(t["passband"]), np.asarray(t["A0"], float), np.asarray(t["Ax"], float)
    sel = (logg == 4.5) & (feh == 0.0) & (a0 > 0)
    T, A = np.unique(teff[sel]), np.unique(a0[sel])
    ratio = np.zeros((3, len(T), len(A)))
    cnt = np.zeros_like(ratio)
    for b, name in enumerate(_PASSBANDS.values()):
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
    a_v, teff = np.broadcast_arrays(a_v, teff)
    tc = np.clip(teff, T[0], T[-1])
    ac = np.clip(a_v, A[0], A[-1])
    i = np.clip(np.searchsorted(T, tc) - 1, 0, len(T) - 2)
    j = np.clip(np.searchsorted(A, ac) - 1, 0, len(A) - 2)
    wi = (tc - T[i]) / (T[i + 1] - T[i])
    wj = (ac - A[j]) / (A[j + 1] - A[j])
    out = {}
    for b, name in enumerate(_PASSBANDS):
        r = ratio[b]
        k = ((1 - wi) * (1 - wj) * r[i, j] + wi * (1 - wj) * r[i + 1, j]
             + (1 - wi) * wj * r[i, j + 1] + wi * wj * r[i + 1, j + 1])
        out[name] = np.where(np.isnan(teff), np.nan, k * a_v)
    out["V"] = a_v.copy()
    out["B"] = a_v * (1.0 + 1.0 / R_V)
    return out

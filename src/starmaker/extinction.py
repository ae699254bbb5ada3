"""Interstellar dust: A_V along a line of sight, and band extinctions that depend on the star.

**Dust along the line of sight.** :class:`DustDisk` is an analytic double-exponential dust disc,
dA_V/ds = a0 exp(−(R − R☉)/h_R) exp(−|z|/h_z), integrated numerically along each line of sight
(the form used for the diffuse absorption in the Besançon model, Robin et al. 2003, sect. 2.6;
see the class for the numbers). A 3-D map can replace it: anything with an
``a_v(l_deg, b_deg, distance_pc)`` method works.

**Band extinction.** A_G, A_BP, A_RP depend on the star's spectrum: the Kurucz grid that
``dustapprox`` ships gives A_x for A0 = 1…10 mag (Fitzpatrick 1999 law, R_V = 3.1) at each
(Teff, log g, [Fe/H]); starmaker interpolates A_x / A0 in Teff and A0 (at log g 4.5,
[Fe/H] 0, where the grid is complete) and takes A0 = A_V. Johnson B and V use A_V and
E(B − V) = A_V / R_V with R_V = 3.1 (Cardelli, Clayton & Mathis 1989).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from .frames import R_SUN_PC, Z_SUN_PC, galactocentric

__all__ = ["DustDisk", "band_extinction", "R_V"]

R_V = 3.1
_PASSBANDS = {"G": "GAIA_GAIA3.G", "BP": "GAIA_GAIA3.Gbp", "RP": "GAIA_GAIA3.Grp"}


@dataclass(frozen=True)
class DustDisk:
    """Double-exponential dust disc: the shape of the Besançon model's diffuse absorption
    (Robin et al. 2003, A&A 409, 523, sect. 2.6: scale height 140 pc, scale length 4.5 kpc)
    with the commonly quoted mean extinction in the Galactic plane near the Sun,
    a0 = 1 mag/kpc in V (e.g. Carroll & Ostlie 2007, An Introduction to Modern Astrophysics,
    sect. 12.1), instead of R03's 0.7 mag/kpc. With 0.7 the made sky has 16 % more stars to
    G = 10 than Gaia DR3 (21 % in |b| < 10°); with 1.0 it agrees within 5 % in every latitude
    band (``starmaker validate`` shows both, see the README).

    ``a_v(l, b, d)`` gives A_V from the Sun out to each distance ``d`` (pc).
    """

    a0_mag_per_kpc: float = 1.0
    h_z_pc: float = 140.0
    h_r_pc: float = 4500.0
    r_sun_pc: float = R_SUN_PC
    z_sun_pc: float = Z_SUN_PC

    def density(self, R, z):
        """dA_V/ds in mag/pc at galactocentric radius R and height z (pc)."""
        return (self.a0_mag_per_kpc / 1000.0) * np.exp(-(np.asarray(R) - self.r_sun_pc) / self.h_r_pc
                                                      - np.abs(z) / self.h_z_pc)

    def a_v(self, l_deg, b_deg, distance_pc, segments: int = 24) -> np.ndarray:
        """A_V (mag) from the Sun to each star at (l, b, distance); arrays broadcast.

        The path is cut into ``segments`` equal pieces; in each, the steep vertical factor
        exp(−|z|/h_z) is integrated exactly (closed form) and the slow radial factor
        exp(−(R − R☉)/h_R) taken at the piece's middle (midpoint rule: error ≈ (Δs/h_R)²/24,
        under 2 % out to 20 kpc with 24 pieces over the dusty part of the direction, within 8
        scale heights of the plane; see the tests).
        """
        l_deg, b_deg, d = np.broadcast_arrays(np.asarray(l_deg, float), np.asarray(b_deg, float),
                                              np.asarray(distance_pc, float))
        h = self.h_z_pc
        mu = np.sin(np.radians(b_deg))
        amu = np.abs(mu)
        z0 = self.z_sun_pc

        def F(z):  # antiderivative of exp(−|z|/h) in z
            return np.sign(z) * h * -np.expm1(-np.abs(z) / h)

        total = np.zeros(d.shape)
        steep = amu > 1e-9
        safe_mu = np.where(steep, mu, 1.0)
        # the dusty part of the direction: until 8 scale heights from the plane (beyond, e^-8 =
        # 3e-4 of the dust is left out), at most 50 kpc; its pieces are fixed by the direction
        # alone and cut at d, so A_V never decreases with d (a cut piece only gains path)
        with np.errstate(divide="ignore"):
            s_dust = np.minimum(50_000.0, (8.0 * h + abs(z0)) / np.where(steep, amu, 1e-300))
        edges = [np.minimum(d, s_dust * (k / segments)) for k in range(segments + 1)]
        # the path's direction in galactocentric x, y, once (not per piece)
        cb = np.cos(np.radians(b_deg))
        ux, uy = cb * np.cos(np.radians(l_deg)), cb * np.sin(np.radians(l_deg))
        for s0, s1 in zip(edges[:-1], edges[1:], strict=True):
            za, zb = z0 + mu * s0, z0 + mu * s1
            vertical = np.where(steep, (F(zb) - F(za)) / safe_mu, (s1 - s0) * np.exp(-abs(z0) / h))
            sm = 0.5 * (s0 + s1)
            R = np.hypot(sm * ux - self.r_sun_pc, sm * uy)
            total += np.exp(-(R - self.r_sun_pc) / self.h_r_pc) * vertical
        return (self.a0_mag_per_kpc / 1000.0) * total

    def a_v_numeric(self, l_deg, b_deg, distance_pc, steps: int = 2000) -> np.ndarray:
        """A_V by brute-force midpoint integration (a reference for tests)."""
        l_deg, b_deg, d = np.broadcast_arrays(np.asarray(l_deg, float), np.asarray(b_deg, float),
                                              np.asarray(distance_pc, float))
        total = np.zeros(d.shape)
        for fi in (np.arange(steps) + 0.5) / steps:
            _, _, z, R = galactocentric(l_deg, b_deg, d * fi, self.r_sun_pc, self.z_sun_pc)
            total += self.density(R, z)
        return total * d / steps

    def a_v_profile(self, l_deg, b_deg, edges_pc) -> np.ndarray:
        """A_V (mag) at each distance of an increasing array ``edges_pc`` (last axis) along the
        directions (l, b) (broadcast against it), by summing the pieces between consecutive
        edges: the vertical factor exact, the radial one at each piece's middle. One pass for a
        whole set of distance shells, not one integral per shell."""
        l_deg, b_deg, e = np.broadcast_arrays(np.asarray(l_deg, float), np.asarray(b_deg, float),
                                              np.asarray(edges_pc, float))
        h, z0 = self.h_z_pc, self.z_sun_pc
        mu = np.sin(np.radians(b_deg))
        steep = np.abs(mu) > 1e-9
        safe_mu = np.where(steep, mu, 1.0)
        s0 = np.concatenate([np.zeros(e.shape[:-1] + (1,)), e[..., :-1]], axis=-1)

        def F(z):
            return np.sign(z) * h * -np.expm1(-np.abs(z) / h)

        vertical = np.where(steep, (F(z0 + mu * e) - F(z0 + mu * s0)) / safe_mu,
                            (e - s0) * np.exp(-abs(z0) / h))
        _, _, _, R = galactocentric(l_deg, b_deg, 0.5 * (s0 + e), self.r_sun_pc, self.z_sun_pc)
        pieces = np.exp(-(R - self.r_sun_pc) / self.h_r_pc) * vertical
        return (self.a0_mag_per_kpc / 1000.0) * np.cumsum(pieces, axis=-1)


@functools.cache
def _ratio_table():
    """(teff, a0, ratio[band, teff, a0]) of A_x / A0 from the dustapprox Kurucz grid."""
    import pyarrow.csv as pacsv

    from .photometry import _grid_path

    t = pacsv.read_csv(_grid_path()).to_pydict()
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

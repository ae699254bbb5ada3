"""The survey's HEALPix geometry (Górski et al. 2005, ApJ 622, 759), nested ordering, ICRS: every
question the survey asks of the pixelisation is answered here, once.

* :func:`npix`, :func:`pixel_area_sr` — how many pixels, how large;
* :func:`pixel_radec` — the point at offsets (dx, dy) ∈ [0, 1]² inside pixels (the centre at
  0.5, 0.5; corners at 0 and 1), as ``astropy_healpix.healpix_to_lonlat`` gives it (to 1e-13 rad,
  tested), without importing astropy (a third of a second of every run): the face-coordinate
  formulae of HEALPix C++ (``xyf2loc``);
* :func:`radec_pixel` — the pixel holding a point (``ang2pix``);
* :func:`cone_pixels` — the pixels a cone touches.

Nothing here imports astropy; the tests check every function against ``astropy_healpix``.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from ..arrays import broadcast
from ..place.frames import unit_vector

__all__ = ["npix", "pixel_area_sr", "pixel_radec", "radec_pixel", "cone_pixels"]

_JRLL = np.array([2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4])  # HEALPix base pixels: ring and
_JPLL = np.array([1, 3, 5, 7, 0, 2, 4, 6, 1, 3, 5, 7])  # longitude numbers (Górski et al. 2005)


def npix(nside: int) -> int:
    """The number of pixels at ``nside``: 12 nside²."""
    return 12 * nside * nside


def pixel_area_sr(nside: int) -> float:
    """The solid angle of one pixel (sr): HEALPix pixels have equal areas, 4π / (12 nside²)."""
    return 4.0 * math.pi / npix(nside)


def pixel_radec(pix, nside: int, dx, dy) -> tuple[np.ndarray, np.ndarray]:
    """RA, Dec (deg) of the point at offsets (``dx``, ``dy``) in [0, 1] inside nested HEALPix
    pixels (0.5, 0.5: the centre; the corners at 0 and 1), as ``astropy_healpix``'s
    ``healpix_to_lonlat`` gives them (to 1e-13 rad, tested) without importing astropy. The
    face-coordinate formulae of HEALPix C++ (``xyf2loc``). HEALPix is an equal-area projection,
    so uniform (dx, dy) is uniform on the sky inside a pixel."""
    pix, dx, dy = broadcast(np.asarray(pix, np.int64), np.asarray(dx, float), np.asarray(dy, float))
    ra, dec = np.empty(pix.shape), np.empty(pix.shape)
    _pixel_radec_kernel(pix.ravel(), int(nside), dx.ravel(), dy.ravel(), _JRLL, _JPLL, ra.reshape(-1),
                        dec.reshape(-1))
    return ra, (dec if dec.ndim else dec[()])  # as the array form gave them for scalars


_RAD_TO_DEG = 180.0 / np.pi  # np.degrees multiplies by this


@nb.njit(cache=True, nogil=True, inline="always")
def _compress_bits_one(v):
    v = v & 0x5555555555555555
    v = (v | (v >> 1)) & 0x3333333333333333
    v = (v | (v >> 2)) & 0x0F0F0F0F0F0F0F0F
    v = (v | (v >> 4)) & 0x00FF00FF00FF00FF
    v = (v | (v >> 8)) & 0x0000FFFF0000FFFF
    return (v | (v >> 16)) & 0x00000000FFFFFFFF


@nb.njit(cache=True, nogil=True)
def _pixel_radec_kernel(pix, nside, dx, dy, jrll, jpll, ra, dec):
    """:func:`pixel_radec` point by point, with the operations of the array form it replaced in
    their order (bit for bit): only the branch a point takes is computed."""
    n2 = nside * nside
    for i in range(pix.shape[0]):
        face, ipf = pix[i] // n2, pix[i] % n2
        x = (_compress_bits_one(ipf) + dx[i]) / nside
        y = (_compress_bits_one(ipf >> 1) + dy[i]) / nside
        jr = jrll[face] - x - y
        if jr < 1:
            nr = jr
            tmp = nr * nr / 3.0
            z = 1.0 - tmp
            sth = np.sqrt(tmp * (2.0 - tmp))
        elif jr > 3:
            nr = 4.0 - jr
            tmp = nr * nr / 3.0
            z = tmp - 1.0
            sth = np.sqrt(tmp * (2.0 - tmp))
        else:
            nr = 1.0
            z = (2.0 - jr) * 2.0 / 3.0
            zz = 1.0 - z * z
            sth = np.sqrt(zz if (zz != zz or zz >= 0.0) else 0.0)  # np.maximum(., 0.0)
        a = jpll[face] * nr + x - y
        t = np.fmod(a, 8.0)  # a % 8.0, NumPy's (and Python's) floor remainder
        if t != 0.0:
            if t < 0.0:
                t += 8.0
        else:
            t = 0.0
        phi = 0.25 * np.pi * t / nr if nr > 1e-15 else 0.0
        r = phi * _RAD_TO_DEG
        ra[i] = r - 360.0 if r >= 360.0 else r
        dec[i] = np.arctan2(z, sth) * _RAD_TO_DEG


def _spread_bits(v: np.ndarray) -> np.ndarray:
    """The bits of ``v`` (< 2³²) moved to the even positions (interleaves a nested index)."""
    v = v & 0x00000000FFFFFFFF
    v = (v | (v << 16)) & 0x0000FFFF0000FFFF
    v = (v | (v << 8)) & 0x00FF00FF00FF00FF
    v = (v | (v << 4)) & 0x0F0F0F0F0F0F0F0F
    v = (v | (v << 2)) & 0x3333333333333333
    return (v | (v << 1)) & 0x5555555555555555


def radec_pixel(ra_deg, dec_deg, nside: int) -> np.ndarray:
    """The nested pixel holding each (RA, Dec) (deg): HEALPix ``ang2pix`` (Górski et al. 2005,
    sect. 4: the equatorial zone |z| ≤ 2/3 and the polar caps), as ``astropy_healpix``'s
    ``lonlat_to_healpix`` gives it (tested)."""
    z = np.sin(np.radians(np.asarray(dec_deg, float)))
    tt = np.mod(np.radians(np.asarray(ra_deg, float)), 2.0 * np.pi) / (0.5 * np.pi)  # in [0, 4)
    z, tt = broadcast(z, tt)
    za = np.abs(z)
    # equatorial zone
    t1 = nside * (0.5 + tt)
    t2 = nside * z * 0.75
    jp = (t1 - t2).astype(np.int64)
    jm = (t1 + t2).astype(np.int64)
    ifp, ifm = jp // nside, jm // nside
    face_eq = np.where(ifp == ifm, ifp | 4, np.where(ifp < ifm, ifp, ifm + 8))
    ix_eq = jm & (nside - 1)
    iy_eq = nside - (jp & (nside - 1)) - 1
    # polar caps
    ntt = np.minimum(tt.astype(np.int64), 3)
    tp = tt - ntt
    tmp = nside * np.sqrt(3.0 * (1.0 - za))
    jpp = np.minimum((tp * tmp).astype(np.int64), nside - 1)
    jmp = np.minimum(((1.0 - tp) * tmp).astype(np.int64), nside - 1)
    north = z > 0
    face_p = np.where(north, ntt, ntt + 8)
    ix_p = np.where(north, nside - jmp - 1, jpp)
    iy_p = np.where(north, nside - jpp - 1, jmp)
    eq = za <= 2.0 / 3.0
    face = np.where(eq, face_eq, face_p).astype(np.int64)
    ix, iy = np.where(eq, ix_eq, ix_p), np.where(eq, iy_eq, iy_p)
    return face * nside * nside + _spread_bits(ix) + (_spread_bits(iy) << 1)


#: points per pixel edge at which a cone's reach is judged (the edges are smooth curves: the
#: distance to the nearest of these exceeds the distance to the edge by < 1e-6 of a pixel)
EDGE_POINTS = 64
#: the boundary is sampled this far inside the pixel (in pixel widths): on an edge that is a face's
#: edge too, x − y + nr rounds to −1e-17 and the longitude formula jumps by 2π/nr
_INSET = 1e-9


def cone_pixels(ra_deg: float, dec_deg: float, radius_deg: float, nside: int) -> np.ndarray:
    """The nested pixels that a cone of ``radius_deg`` around (``ra_deg``, ``dec_deg``) touches
    (holds some point of), in increasing order: the pixel holding the centre, and every pixel
    with a point of its boundary (``EDGE_POINTS`` per edge) within the radius. Pixels far from
    the cone are left out first by their centres' distance (a pixel lies within 1.5 × its
    largest centre-to-corner distance of its centre)."""
    centre = unit_vector(ra_deg, dec_deg)
    cos_r = math.cos(math.radians(radius_deg))
    pix = np.arange(npix(nside), dtype=np.int64)
    lo, hi = _INSET, 1.0 - _INSET
    corners = np.array([[lo, lo], [hi, lo], [hi, hi], [lo, hi]])
    c = unit_vector(*pixel_radec(pix, nside, 0.5, 0.5))
    k = unit_vector(*pixel_radec(pix[:, None], nside, corners[:, 0], corners[:, 1]))
    reach = 1.5 * np.arccos(np.clip(np.einsum("pk,pck->pc", c, k).min(axis=1), -1.0, 1.0))
    near = np.arccos(np.clip(c @ centre, -1.0, 1.0)) <= math.radians(radius_deg) + reach
    cand = pix[near]
    t = lo + (hi - lo) * np.linspace(0.0, 1.0, EDGE_POINTS + 1)[:-1]
    dx = np.concatenate([t, np.full_like(t, hi), 1.0 - t, np.full_like(t, lo)])
    dy = np.concatenate([np.full_like(t, lo), t, np.full_like(t, hi), 1.0 - t])
    edge = unit_vector(*pixel_radec(cand[:, None], nside, dx, dy)) @ centre
    hit = cand[(edge >= cos_r).any(axis=1)]
    return np.unique(np.concatenate([hit, radec_pixel(ra_deg, dec_deg, nside).reshape(1)]))

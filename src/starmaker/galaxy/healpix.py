"""The survey's HEALPix geometry (Górski et al. 2005, ApJ 622, 759), nested ordering, ICRS: every
question the survey asks of the pixelisation is answered here, once.

* :func:`npix`, :func:`pixel_area_sr` — how many pixels, how large;
* :func:`pixel_radec` — the point at offsets (dx, dy) ∈ [0, 1]² inside pixels (the centre at
  0.5, 0.5; corners at 0 and 1), as ``astropy_healpix.healpix_to_lonlat`` gives it (to 1e-13 rad,
  tested), without importing astropy (a third of a second of every run): the face-coordinate
  formulae of HEALPix C++ (``xyf2loc``);
* :func:`cone_pixels` — the pixels a cone touches, the set ``astropy_healpix``'s cone search
  gives (the one call that imports it, only for cone fields).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["npix", "pixel_area_sr", "pixel_radec", "cone_pixels"]

_JRLL = np.array([2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4])  # HEALPix base pixels: ring and
_JPLL = np.array([1, 3, 5, 7, 0, 2, 4, 6, 1, 3, 5, 7])  # longitude numbers (Górski et al. 2005)


def npix(nside: int) -> int:
    """The number of pixels at ``nside``: 12 nside²."""
    return 12 * nside * nside


def pixel_area_sr(nside: int) -> float:
    """The solid angle of one pixel (sr): HEALPix pixels have equal areas, 4π / (12 nside²)."""
    return 4.0 * math.pi / npix(nside)


def _compress_bits(v: np.ndarray) -> np.ndarray:
    """The even bits of ``v`` packed together (de-interleaves a nested HEALPix index)."""
    v = v & 0x5555555555555555
    v = (v | (v >> 1)) & 0x3333333333333333
    v = (v | (v >> 2)) & 0x0F0F0F0F0F0F0F0F
    v = (v | (v >> 4)) & 0x00FF00FF00FF00FF
    v = (v | (v >> 8)) & 0x0000FFFF0000FFFF
    return (v | (v >> 16)) & 0x00000000FFFFFFFF


def pixel_radec(pix, nside: int, dx, dy) -> tuple[np.ndarray, np.ndarray]:
    """RA, Dec (deg) of the point at offsets (``dx``, ``dy``) in [0, 1] inside nested HEALPix
    pixels (0.5, 0.5: the centre; the corners at 0 and 1), as ``astropy_healpix``'s
    ``healpix_to_lonlat`` gives them (to 1e-13 rad, tested) without importing astropy. The
    face-coordinate formulae of HEALPix C++ (``xyf2loc``). HEALPix is an equal-area projection,
    so uniform (dx, dy) is uniform on the sky inside a pixel."""
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


def cone_pixels(ra_deg: float, dec_deg: float, radius_deg: float, nside: int) -> np.ndarray:
    """The nested pixels that a cone of ``radius_deg`` around (``ra_deg``, ``dec_deg``) touches,
    in increasing order: ``astropy_healpix``'s cone search (imported only here)."""
    import astropy.units as u
    from astropy.coordinates import Latitude, Longitude
    from astropy_healpix import HEALPix

    hp = HEALPix(nside=nside, order="nested")
    pix = hp.cone_search_lonlat(Longitude(ra_deg * u.deg), Latitude(dec_deg * u.deg),
                                radius=radius_deg * u.deg)
    return np.sort(np.asarray(pix, np.int64))

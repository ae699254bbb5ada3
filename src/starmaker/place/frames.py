"""Sky frames: ICRS ↔ galactic directions, and heliocentric → galactocentric positions.

The ICRS → galactic rotation is the one that defines galactic coordinates for Hipparcos
(ESA 1997, The Hipparcos Catalogue, Vol. 1, sect. 1.5.3, eq. 1.5.11): its rows are the
galactic x (toward l = 0, b = 0), y (l = 90°) and z (north galactic pole) axes in ICRS.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from ..arrays import broadcast

__all__ = ["ICRS_TO_GALACTIC", "icrs_to_galactic", "galactic_to_icrs", "unit_vector", "rotate",
           "galactocentric", "lonlat", "R_SUN_PC", "Z_SUN_PC"]

ICRS_TO_GALACTIC = np.array([
    [-0.0548755604162154, -0.8734370902348850, -0.4838350155487132],
    [+0.4941094278755837, -0.4448296299600112, +0.7469822444972189],
    [-0.8676661490190047, -0.1980763734312015, +0.4559837761750669],
])

#: the Sun's galactocentric radius and height above the plane (pc), as in the Besançon model
#: used by Galaxia (Robin et al. 2003; Sharma et al. 2011, Table 1)
R_SUN_PC = 8000.0
Z_SUN_PC = 15.0


def unit_vector(lon_deg, lat_deg) -> np.ndarray:
    """Unit vectors (..., 3) from longitude and latitude in degrees."""
    lon, lat = np.radians(lon_deg), np.radians(lat_deg)
    lon, lat = broadcast(lon, lat)
    out = np.empty(lon.shape + (3,))
    if lon.dtype == np.float64 and lat.dtype == np.float64:
        _unit_vector_kernel(lon.ravel(), lat.ravel(), out.reshape(-1, 3))
        return out
    c = np.cos(lat)
    out[..., 0] = c * np.cos(lon)
    out[..., 1] = c * np.sin(lon)
    out[..., 2] = np.sin(lat)
    return out


@nb.njit(cache=True, nogil=True)
def _unit_vector_kernel(lon, lat, out):
    for i in range(lon.shape[0]):
        c = np.cos(lat[i])
        out[i, 0] = c * np.cos(lon[i])
        out[i, 1] = c * np.sin(lon[i])
        out[i, 2] = np.sin(lat[i])


_RAD_TO_DEG = 180.0 / np.pi  # np.degrees multiplies by this


def lonlat(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    v = np.asarray(v)
    if v.dtype == np.float64 and v.ndim >= 1 and v.shape[-1] == 3:
        lon, lat = np.empty(v.shape[:-1]), np.empty(v.shape[:-1])
        _lonlat_kernel(v.reshape(-1, 3), lon.reshape(-1), lat.reshape(-1))
        return lon, (lat if lat.ndim else lat[()])  # as the array form gave them
    lon = np.degrees(np.arctan2(v[..., 1], v[..., 0])) % 360.0
    lon = np.where(lon >= 360.0, 0.0, lon)  # a rounding error below 0 wraps to exactly 360
    lat = np.degrees(np.arctan2(v[..., 2], np.hypot(v[..., 0], v[..., 1])))  # exact near the poles
    return lon, lat


def rotate(v: np.ndarray, m: np.ndarray) -> np.ndarray:
    """``v @ m.T`` for vectors ``v`` (..., 3), element by element: the same bits for a vector
    however many others it comes with (a matrix product through BLAS rounds a row differently
    by where it falls in the blocks of its kernels)."""
    v = np.asarray(v, float)
    out = np.empty(np.broadcast_shapes(v.shape[:-1] + (3,)))
    for i in range(3):
        out[..., i] = v[..., 0] * m[i, 0] + v[..., 1] * m[i, 1] + v[..., 2] * m[i, 2]
    return out


@nb.njit(cache=True, nogil=True)
def _lonlat_kernel(v, lon, lat):
    """:func:`lonlat`'s array form, vector by vector, the same operations in order."""
    for i in range(v.shape[0]):
        x, y, z = v[i, 0], v[i, 1], v[i, 2]
        a = np.arctan2(y, x) * _RAD_TO_DEG
        t = np.fmod(a, 360.0)  # a % 360.0, NumPy's floor remainder
        if t != 0.0:
            if t < 0.0:
                t += 360.0
        else:
            t = 0.0
        lon[i] = 0.0 if t >= 360.0 else t  # a rounding error below 0 wraps to exactly 360
        lat[i] = np.arctan2(z, np.hypot(x, y)) * _RAD_TO_DEG  # exact near the poles


def icrs_to_galactic(ra_deg, dec_deg) -> tuple[np.ndarray, np.ndarray]:
    """Galactic (l, b) in degrees from ICRS (ra, dec) in degrees."""
    return lonlat(rotate(unit_vector(ra_deg, dec_deg), ICRS_TO_GALACTIC))


def galactic_to_icrs(l_deg, b_deg) -> tuple[np.ndarray, np.ndarray]:
    """ICRS (ra, dec) in degrees from galactic (l, b) in degrees."""
    return lonlat(rotate(unit_vector(l_deg, b_deg), ICRS_TO_GALACTIC.T))


def galactocentric(l_deg, b_deg, distance_pc, r_sun=R_SUN_PC, z_sun=Z_SUN_PC):
    """Galactocentric Cartesian (x, y, z) in pc, with the Sun at (−r_sun, 0, z_sun): x points
    from the Sun toward the centre (l = 0), y toward l = 90°, z toward the north galactic
    pole (the disc's tilt is neglected). Also returns R = √(x² + y²)."""
    lr, br, d = broadcast(np.radians(l_deg), np.radians(b_deg), np.asarray(distance_pc, float))
    dc = d * np.cos(br)
    x = dc * np.cos(lr) - r_sun
    y = dc * np.sin(lr)
    z = d * np.sin(br) + z_sun
    return x, y, z, np.hypot(x, y)

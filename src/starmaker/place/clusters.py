"""Places: where a maker's stars are in the sky (the ``place`` step of the flow).

A place takes stars that already shine (absolute magnitudes) and gives them positions (ra, dec,
l, b, distance), extinction and apparent magnitudes, drawing from an explicit generator.
"""

from __future__ import annotations

import math

import numpy as np

from ..births.history import ByParams
from ..errors import InvalidParameterError
from ..photometry import bands as registry
from ..photometry.magnitudes import apparent_magnitudes, extinctions
from ..stars import Stars
from ..units import as_float
from .frames import icrs_to_galactic, lonlat, unit_vector

__all__ = ["Place", "ClusterPlace"]

#: the Plummer sphere is cut at this many scale radii (it holds 99.85 % of the mass there)
PLUMMER_CUT = 10.0


class Place(ByParams):
    """Base class: ``place(stars, rng) -> Stars`` and ``params()``."""

    kind = "place"

    def place(self, stars: Stars, rng: np.random.Generator) -> Stars:
        raise NotImplementedError



class ClusterPlace(Place):
    """A star cluster at (``ra``, ``dec``) deg (ICRS), ``distance`` pc from the Sun, its stars
    spread as a Plummer (1911, MNRAS 71, 460) sphere of scale radius ``radius`` pc (the radius
    holding 35 % of the mass; the half-mass radius is 1.305 × ``radius``), cut at 10 scale radii,
    behind a uniform foreground extinction ``a_v`` (mag in V; band extinctions by Teff as in
    :func:`starmaker.photometry.kurucz.band_extinction`)."""

    kind = "cluster"

    def __init__(self, ra: float, dec: float, distance: float, radius: float = 1.0, a_v: float = 0.0) -> None:
        self.ra, self.dec = as_float(ra, "ra", "degrees"), as_float(dec, "dec", "degrees")
        self.distance, self.radius = as_float(distance, "distance", "pc"), as_float(radius, "radius", "pc")
        self.a_v = as_float(a_v, "a_v", "mag")
        if not (math.isfinite(self.ra) and 0.0 <= self.ra < 360.0):
            raise InvalidParameterError("ra", ra, "a right ascension in degrees, 0 <= ra < 360")
        if not (math.isfinite(self.dec) and -90.0 <= self.dec <= 90.0):
            raise InvalidParameterError("dec", dec, "a declination in degrees, -90 <= dec <= 90")
        if not (math.isfinite(self.distance) and self.distance > 0):
            raise InvalidParameterError("distance", distance, "a positive distance in pc")
        if not (math.isfinite(self.radius) and 0 < self.radius * PLUMMER_CUT < self.distance):
            raise InvalidParameterError(
                "radius", radius, f"a positive Plummer scale radius in pc below distance/{PLUMMER_CUT:g}")
        if not (math.isfinite(self.a_v) and self.a_v >= 0):
            raise InvalidParameterError("a_v", a_v, "a non-negative V-band extinction in mag")

    def offsets(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """(n, 3) positions (pc) about the centre, drawn from the cut Plummer sphere exactly:
        the enclosed mass fraction is r³/(r² + a²)^{3/2}, inverted in closed form."""
        c = PLUMMER_CUT
        u = rng.random(n) * (c**3 / (c * c + 1.0) ** 1.5)
        r = self.radius / np.sqrt(np.maximum(u, 1e-300) ** (-2.0 / 3.0) - 1.0)
        cos_t = 2.0 * rng.random(n) - 1.0
        phi = 2.0 * math.pi * rng.random(n)
        s = np.sqrt(1.0 - cos_t * cos_t)
        return r[:, None] * np.stack([s * np.cos(phi), s * np.sin(phi), cos_t], axis=1)

    def place(self, stars: Stars, rng: np.random.Generator) -> Stars:
        n = len(stars)
        pos = self.distance * unit_vector(self.ra, self.dec)[None, :] + self.offsets(n, rng)
        d = np.sqrt(np.einsum("ij,ij->i", pos, pos))
        ra, dec = lonlat(pos)
        gl, gb = icrs_to_galactic(ra, dec)
        av = np.full(n, self.a_v)
        shining = tuple(b for b in registry.names() if f"M_{b}" in stars)
        ext = extinctions(av, stars["log_Teff"], stars["log_g"], stars["feh"], shining)
        mags = apparent_magnitudes(stars, 5.0 * np.log10(d) - 5.0, ext, shining)
        return stars.with_columns(ra=ra, dec=dec, l=gl, b=gb, distance=d, A_V=av, **mags)

    def params(self):
        return {"ra": self.ra, "dec": self.dec, "distance": self.distance, "radius": self.radius,
                "a_v": self.a_v}

"""What part of the sky, to what magnitude: a survey's :class:`Limit` and :class:`Field`, parsed
once at the boundary (``MilkyWay``, the command line) and passed on as objects.

A limit names any band of the registry (:mod:`starmaker.photometry.bands`): ``"G<10"``,
``"V<6.5"``, or a band registered later (``"X<12"``); its magnitude must lie in the range the
model is made and checked for (``LIMIT_RANGE``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import InvalidParameterError
from ..photometry import bands as registry
from . import healpix

__all__ = ["Limit", "parse_limit", "Field", "LIMIT_RANGE"]

#: the magnitudes a limit may have, in any band: to Gaia's depth (G ≈ 21). The survey is made
#: to 100 kpc (``draw.DM_MAX``): at the faint end the halo's giants beyond it are not made
LIMIT_RANGE = (-2.0, 21.0)
#: a band name (a column suffix: letters, digits, _) and a magnitude
_LIMIT_RE = re.compile(r"^\s*([A-Za-z0-9_]+)\s*<\s*([-+]?\d+(?:\.\d*)?)\s*$")


@dataclass(frozen=True)
class Limit:
    """A magnitude limit: stars with apparent ``band`` < ``mag``."""

    band: str
    mag: float

    def __str__(self) -> str:
        return f"{self.band}<{self.mag:g}"

    @property
    def k_min(self) -> float:
        """The band's lowest A_band / A_V (the registry's): a star behind A_V of dust is at
        least ``k_min · A_V`` fainter in the band."""
        return registry.band(self.band).k_min


def parse_limit(text: str | Limit) -> Limit:
    """Parse 'G<10' (any registered band: :func:`starmaker.photometry.bands.names`) and check the
    model's range."""
    known = registry.names()
    if isinstance(text, Limit):
        lim = text
    else:
        m = _LIMIT_RE.match(str(text))
        name = m and (m.group(1) if m.group(1) in known else registry.aliases().get(m.group(1)))
        lim = Limit(name, float(m.group(2))) if name else None
    if lim is None or lim.band not in known:
        raise InvalidParameterError(
            "limit", text, f"a band and a magnitude like 'G<10' (bands {', '.join(known)})")
    lo, hi = LIMIT_RANGE
    if not (lo <= lim.mag <= hi):
        raise InvalidParameterError(
            "limit", str(text), f"a magnitude between {lo:g} and {hi:g} (the model is made and "
            "checked to Gaia's depth, G ≈ 21, and to 100 kpc)")
    return lim


@dataclass(frozen=True)
class Field:
    """Which part of the sky: all of it, a cone, or a list of HEALPix pixels (nested, ICRS)."""

    kind: str = "all"
    ra: float = 0.0
    dec: float = 0.0
    radius: float = 0.0
    pixels: tuple[int, ...] = ()

    @classmethod
    def cone(cls, ra_deg: float, dec_deg: float, radius_deg: float) -> Field:
        if not math.isfinite(ra_deg):
            raise InvalidParameterError("ra", ra_deg, "a finite right ascension in deg")
        if not (0.0 <= dec_deg + 90.0 <= 180.0):
            raise InvalidParameterError("dec", dec_deg, "a declination between -90 and 90 deg")
        if not (0.0 < radius_deg <= 180.0):
            raise InvalidParameterError("radius", radius_deg, "a radius in (0, 180] deg")
        return cls("cone", float(ra_deg) % 360.0, float(dec_deg), float(radius_deg))

    @classmethod
    def from_pixels(cls, pixels: Sequence[int]) -> Field:
        return cls("pixels", pixels=tuple(sorted({int(p) for p in pixels})))

    @classmethod
    def parse(cls, text: str | Field | None) -> Field:
        """'all', 'cone:RA,DEC,RADIUS' (deg) or 'pixels:1,2,3' (nested, nside 16, ICRS)."""
        if isinstance(text, Field):
            return text
        if text is None or text.strip().lower() in ("", "all", "full"):
            return cls()
        kind, _, rest = text.partition(":")
        try:
            vals = [float(v) for v in rest.split(",") if v.strip()]
        except ValueError:
            vals = []
        if kind == "cone" and len(vals) == 3:
            return cls.cone(*vals)
        if kind == "pixels" and vals and all(v == int(v) for v in vals):
            return cls.from_pixels([int(v) for v in vals])
        raise InvalidParameterError(
            "field", text, "'all', 'cone:RA,DEC,RADIUS' in degrees, or 'pixels:P1,P2,...'")

    def pixel_list(self, nside: int) -> np.ndarray:
        """The field's pixels (nested), in increasing order."""
        npix = healpix.npix(nside)
        if self.kind == "all":
            return np.arange(npix)
        if self.kind == "pixels":
            p = np.asarray(self.pixels, np.int64)
            if p.size == 0 or p.min() < 0 or p.max() >= npix:
                raise InvalidParameterError("field pixels", list(self.pixels),
                                            f"pixel numbers 0..{npix - 1} (nside {nside}, nested)")
            return p
        return healpix.cone_pixels(self.ra, self.dec, self.radius, nside)

    def contains(self, ra, dec) -> np.ndarray:
        if self.kind != "cone":
            return np.ones(np.shape(ra), bool)
        from ..place.frames import unit_vector

        c = unit_vector(self.ra, self.dec)
        v = unit_vector(ra, dec)  # the dot product element by element: the same bits for a star
        return v[..., 0] * c[0] + v[..., 1] * c[1] + v[..., 2] * c[2] >= math.cos(math.radians(self.radius))

"""The band registry: every photometric band once.

A :class:`Band` says what a band is — its name (the suffix of the columns ``M_<name>``,
``<name>`` and ``A_<name>``), its photometric system, its zero point (Vega or AB), where its
bolometric correction comes from, its extinction ratio A_band/A_V for a Sun-like star, and its
lowest A_band/A_V over the stars' temperatures (the magnitude-limited survey uses that lower
bound: a star behind A_V of dust is at least ``k_min · A_V`` fainter in the band).

Each band belongs to a *source*: an object that computes absolute magnitudes and extinctions of
a group of bands at once (see :class:`BandSource`). The built-in bands' sources live in this
package and are imported only when first used; :func:`register` adds a band, with its own source
if it brings one, and from then on the schema, limits (``"X<12"``), apparent magnitudes, the
epoch shift and integrated light know it.

This module imports nothing heavy: the schema and the limit parser read it.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from ..errors import InvalidParameterError, UnknownNameError

__all__ = ["Band", "BandSource", "register", "band", "bands", "names", "source", "resolve",
           "DEFAULT_BANDS"]


@dataclass(frozen=True)
class Band:
    """One photometric band.

    ``k_min`` is the smallest A_band / A_V over the temperatures a source covers (a lower bound
    the survey may rely on); ``a_over_av`` the ratio for a Sun-like star (for documentation and
    quick estimates).
    """

    name: str
    system: str
    zero_point: str
    bc_source: str
    a_over_av: float
    k_min: float
    source: str
    description: str = ""

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise InvalidParameterError("band name", self.name, "letters, digits and _ (a column suffix)")
        if self.zero_point not in ("Vega", "AB"):
            raise InvalidParameterError("zero_point", self.zero_point, "'Vega' or 'AB'")
        if not (0.0 <= self.k_min <= self.a_over_av):
            raise InvalidParameterError("k_min", self.k_min, f"0 ≤ k_min ≤ a_over_av ({self.a_over_av})")

    @property
    def label(self) -> str:
        """e.g. 'Gaia EDR3 G (Vega)'."""
        return f"{self.system} {self.name} ({self.zero_point})"


@runtime_checkable
class BandSource(Protocol):
    """Computes a group of bands at once, from the star's own parameters.

    ``absolute`` returns ``{band: M_band}`` and may add a boolean ``"phot_extrapolated"``;
    ``extinction`` returns ``{band: A_band}`` for stars behind ``a_v`` (mag).
    """

    def absolute(self, log_L, log_Teff, log_g, feh, bands: tuple[str, ...]) -> dict[str, Any]: ...

    def extinction(self, a_v, log_Teff, log_g, feh, bands: tuple[str, ...]) -> dict[str, Any]: ...

    def provenance(self) -> dict[str, str]: ...


#: sources by name: an object, or "module:attribute" imported on first use
_SOURCES: dict[str, Any] = {"kurucz": "starmaker.photometry.kurucz:KURUCZ"}
_BANDS: dict[str, Band] = {}

# Extinction ratios for a Sun-like star (Teff 5772 K) and their lower bounds over Teff
# 3,500–50,000 K, from the dustapprox Kurucz grid (Fitzpatrick 1999, R_V = 3.1) for the Gaia
# bands; B from E(B−V) = A_V / R_V (Cardelli, Clayton & Mathis 1989). The survey's mass windows
# were built with these k_min since the first magnitude-limited sky.
for _b in (
    Band("G", "Gaia EDR3", "Vega", "Kurucz grid (dustapprox), Sun-tied zero point", 0.875, 0.60, "kurucz",
         "Gaia G"),
    Band("BP", "Gaia EDR3", "Vega", "Kurucz grid (dustapprox), Sun-tied zero point", 1.116, 0.95, "kurucz",
         "Gaia BP"),
    Band("RP", "Gaia EDR3", "Vega", "Kurucz grid (dustapprox), Sun-tied zero point", 0.645, 0.50, "kurucz",
         "Gaia RP"),
    Band("B", "Johnson", "Vega", "V + (B−V)(Teff), Flower 1996 / Torres 2010", 1.323, 1.32, "kurucz",
         "Johnson B"),
    Band("V", "Johnson", "Vega", "G − (G−V)(BP−RP), Riello et al. 2021", 1.0, 1.0, "kurucz",
         "Johnson V"),
):
    _BANDS[_b.name] = _b
del _b

#: the bands every made table carries unless asked otherwise
DEFAULT_BANDS: tuple[str, ...] = ("G", "BP", "RP", "B", "V")


def register(new: Band, source_impl: BandSource | None = None, *, replace: bool = False) -> Band:
    """Add a band (and, if given, the source that computes it) to the registry."""
    if new.name in _BANDS and not replace:
        raise InvalidParameterError("band", new.name, "a name not yet registered (or replace=True)")
    if source_impl is not None:
        _SOURCES[new.source] = source_impl
    elif new.source not in _SOURCES:
        raise UnknownNameError("band source", new.source, list(_SOURCES))
    _BANDS[new.name] = new
    return new


def unregister(name: str) -> None:
    """Remove a band added with :func:`register` (tests use it to leave the registry clean)."""
    if name in DEFAULT_BANDS:
        raise InvalidParameterError("band", name, "a band that is not one of the defaults")
    _BANDS.pop(name, None)


def band(name: str) -> Band:
    """The registered band ``name`` (UnknownNameError with the known names otherwise)."""
    try:
        return _BANDS[name]
    except KeyError:
        raise UnknownNameError("band", name, list(_BANDS)) from None


def names() -> tuple[str, ...]:
    """Every registered band's name, in registration order."""
    return tuple(_BANDS)


def bands() -> tuple[Band, ...]:
    """Every registered band."""
    return tuple(_BANDS.values())


def resolve(spec: str | Iterable[str] | None = None) -> tuple[str, ...]:
    """Band names from a user's choice: None or "default", "all", "G,BP,RP" or a sequence."""
    if spec is None or spec == "default":
        return DEFAULT_BANDS
    if spec == "all":
        return names()
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    out: list[str] = []
    for item in items:
        name = band(str(item).strip()).name
        if name not in out:
            out.append(name)
    if not out:
        raise InvalidParameterError("bands", spec, "one or more of " + ", ".join(names()))
    return tuple(out)


def source(name: str) -> BandSource:
    """The source object called ``name`` (imported on first use)."""
    impl = _SOURCES[name]
    if isinstance(impl, str):
        module, _, attr = impl.partition(":")
        impl = _SOURCES[name] = getattr(importlib.import_module(module), attr)
    return impl

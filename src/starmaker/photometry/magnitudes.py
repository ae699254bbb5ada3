"""Magnitudes in any registered band: the stage that makes stars shine.

Bands are grouped by their source (:mod:`starmaker.photometry.bands`), each source computes its
group at once, and the results are returned in the order asked for.
"""

from __future__ import annotations

import numpy as np

from ..checks import require_stars
from ..units import check_numbers
from . import bands as registry

__all__ = ["absolute_magnitudes", "extinctions", "absolute_and_extinctions", "apparent_magnitudes",
           "shine"]


def _by_source(names: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(registry.band(name).source, []).append(name)
    return {k: tuple(v) for k, v in groups.items()}


def absolute_magnitudes(log_L, log_Teff, log_g, feh, bands=None) -> dict[str, np.ndarray]:
    """``M_<band>`` for each band (default: :data:`~starmaker.photometry.bands.DEFAULT_BANDS`)
    from log L (L☉), log Teff (K), log g (cgs) and [Fe/H], plus ``phot_extrapolated`` (True where
    any source left its grid). Arrays broadcast; NaN stays NaN."""
    check_numbers(log_L=log_L, log_Teff=log_Teff, log_g=log_g, feh=feh)
    names = registry.resolve(bands)
    found: dict[str, np.ndarray] = {}
    flag = None
    for src, group in _by_source(names).items():
        res = registry.source(src).absolute(log_L, log_Teff, log_g, feh, group)
        ext = res.pop("phot_extrapolated", None)
        if ext is not None:
            flag = ext if flag is None else (flag | ext)
        found.update(res)
    out = {f"M_{b}": found[b] for b in names}
    if flag is None:
        flag = np.zeros(np.shape(out[f"M_{names[0]}"]), bool)
    out["phot_extrapolated"] = flag
    return out


def extinctions(a_v, log_Teff, log_g, feh, bands=None) -> dict[str, np.ndarray]:
    """``{band: A_band}`` (mag) for stars behind ``a_v`` magnitudes of dust in V."""
    names = registry.resolve(bands)
    found: dict[str, np.ndarray] = {}
    for src, group in _by_source(names).items():
        found.update(registry.source(src).extinction(a_v, log_Teff, log_g, feh, group))
    return {b: found[b] for b in names}


def absolute_and_extinctions(log_L, log_Teff, log_g, feh, a_v, bands=None
                             ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """``(absolute_magnitudes(log_L, log_Teff, log_g, feh, bands), extinctions(a_v, log_Teff,
    log_g, feh, bands))`` with the same numbers, computed in one pass by a source that can (it
    has ``absolute_and_extinction``, as MIST's has: each star's cell and weights found once),
    else by the two calls."""
    check_numbers(log_L=log_L, log_Teff=log_Teff, log_g=log_g, feh=feh)
    names = registry.resolve(bands)
    found: dict[str, np.ndarray] = {}
    dimmed: dict[str, np.ndarray] = {}
    flag = None
    for src, group in _by_source(names).items():
        impl = registry.source(src)
        both = getattr(impl, "absolute_and_extinction", None)
        if both is not None:
            res, ext = both(log_L, log_Teff, log_g, feh, a_v, group)
        else:
            res = impl.absolute(log_L, log_Teff, log_g, feh, group)
            ext = impl.extinction(a_v, log_Teff, log_g, feh, group)
        res = dict(res)
        e = res.pop("phot_extrapolated", None)
        if e is not None:
            flag = e if flag is None else (flag | e)
        found.update(res)
        dimmed.update(ext)
    out = {f"M_{b}": found[b] for b in names}
    if flag is None:
        flag = np.zeros(np.shape(out[f"M_{names[0]}"]), bool)
    out["phot_extrapolated"] = flag
    return out, {b: dimmed[b] for b in names}


def apparent_magnitudes(absolute: dict[str, np.ndarray], distance_modulus, ext: dict[str, np.ndarray],
                        bands=None) -> dict[str, np.ndarray]:
    """``{band: M_band + DM + A_band}``."""
    return {b: absolute[f"M_{b}"] + distance_modulus + ext[b] for b in registry.resolve(bands)}


def shine(stars, bands=None):
    """Add ``M_<band>`` for each band and ``phot_extrapolated`` to a table of stars with log_L,
    log_Teff, log_g and feh; the sources' provenance goes into its metadata. ``bands``: None
    (:data:`~starmaker.photometry.bands.DEFAULT_BANDS`), "all", or names/aliases ("G,2MASS_Ks")."""
    require_stars(stars, ("log_L", "log_Teff", "log_g", "feh"), what="magnitudes")
    names = registry.resolve(bands)
    mags = absolute_magnitudes(stars["log_L"], stars["log_Teff"], stars["log_g"], stars["feh"], names)
    stars = stars.with_columns(**mags)
    sources = sorted({registry.band(b).source for b in names})
    if len(sources) == 1:
        stars.meta.setdefault("photometry", registry.source(sources[0]).provenance())
    else:
        stars.meta.setdefault("photometry", {s: registry.source(s).provenance() for s in sources})
    return stars

"""evolve: births (initial mass, age, [Fe/H]) -> stars alive or dead, with their lifespans."""

from __future__ import annotations

from typing import Any

import numpy as np

from .isochrones import LOG_AGE_RANGE, evolve_arrays, load_mist
from .remnants import apply_remnants
from .stars import Stars

__all__ = ["evolve", "evolve_through"]


def evolve(mass_initial, age, feh, meta: dict[str, Any] | None = None) -> Stars:
    """Evolve stars of initial mass (M☉), age (yr) and [Fe/H] (dex) with MIST.

    Arrays broadcast against each other. Returns a :class:`Stars` table with the birth columns
    and ``mass``, ``log_L``, ``log_Teff``, ``log_g``, ``radius``, ``phase``, ``lifespan``,
    ``alive``, ``lifespan_extrapolated``, ``grid_clamped``. Raises OutOfGridError for a star
    outside the grid (mass 0.1–300 M☉, age 10⁵ yr–19.95 Gyr, [Fe/H] −2.5…+0.5).
    """
    m, a, fe = (
        np.ascontiguousarray(x, dtype=float).ravel()
        for x in np.broadcast_arrays(
            np.asarray(mass_initial, float), np.asarray(age, float), np.asarray(feh, float)
        )
    )
    cols = evolve_arrays(m, a, fe)
    apply_remnants(cols, m, a, fe)
    cols.pop("_status")
    meta = dict(meta or {})
    meta.setdefault("evolution", load_mist().provenance())
    return Stars({"mass_initial": m, "age": a, "feh": fe, **cols}, meta)


def evolve_through(mass_initial, age, feh, meta: dict[str, Any] | None = None) -> Stars:
    """:func:`evolve`, but ages beyond the grid's last isochrone (19.95 Gyr) are allowed, as
    the sky made billions of years ahead needs (the halo is 24 Gyr old at +10 Gyr).

    A star that has died by its true age becomes a remnant cooled for its true time since death
    (``remnants``); one still alive (a dwarf below ≈ 0.86 M☉, whose lifespan is extrapolated)
    is placed on the last isochrone — such dwarfs barely move on the main sequence in a few Gyr
    — and flagged ``grid_clamped``. ``age`` and ``alive`` are the true ones.
    """
    from .remnants import apply_remnants

    m, a, fe = (
        np.ascontiguousarray(x, dtype=float).ravel()
        for x in np.broadcast_arrays(
            np.asarray(mass_initial, float), np.asarray(age, float), np.asarray(feh, float)
        )
    )
    a_max = 10.0 ** LOG_AGE_RANGE[1]
    old = a > a_max
    if not old.any():
        return evolve(m, a, fe, meta=meta)
    cols = evolve_arrays(m, np.minimum(a, a_max), fe)
    dead = old & (a >= cols["lifespan"])
    cols["_status"] = np.where(dead, 3, cols["_status"]).astype(np.int8)
    cols["alive"] = a < cols["lifespan"]
    cols["grid_clamped"] = cols["grid_clamped"] | (old & ~dead)
    apply_remnants(cols, m, a, fe)
    cols.pop("_status")
    meta = dict(meta or {})
    meta.setdefault("evolution", load_mist().provenance())
    return Stars({"mass_initial": m, "age": a, "feh": fe, **cols}, meta)

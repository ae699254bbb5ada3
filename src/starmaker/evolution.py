"""evolve: births (initial mass, age, [Fe/H]) -> stars alive or dead, with their lifespans."""

from __future__ import annotations

from typing import Any

import numpy as np

from .isochrones import evolve_arrays, load_mist
from .remnants import apply_remnants
from .stars import Stars

__all__ = ["evolve"]


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

"""evolve: births (initial mass, age, [Fe/H]) -> stars alive or dead, with their lifespans."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..arrays import broadcast
from ..stars import Stars
from ..units import check_numbers
from .hd_limit import apply_hd_limit
from .isochrones import evolve_arrays, grid_ranges, load_grid
from .remnants import apply_remnants

__all__ = ["evolve", "evolve_through"]


def evolve(mass_initial, age, feh, meta: dict[str, Any] | None = None, models: str = "mist") -> Stars:
    """Evolve stars of initial mass (M☉), age (yr) and [Fe/H] (dex) with MIST (the default) or
    PARSEC (``models="parsec"``).

    Arrays broadcast against each other. Returns a :class:`Stars` table with the birth columns
    and ``mass``, ``log_L``, ``log_Teff``, ``log_g``, ``radius``, ``phase``, ``lifespan``,
    ``alive``, ``lifespan_extrapolated``, ``grid_clamped``. Raises OutOfGridError for a star
    outside the grid (MIST: mass 0.1–300 M☉, age 10⁵ yr–19.95 Gyr, [Fe/H] −2.5…+0.5; PARSEC:
    0.1–300 M☉, 2.8 Myr–17.8 Gyr, −2…+0.5; ``isochrones.grid_ranges``). Living stars the
    grid puts above the Humphreys–Davidson limit on the cool side are moved to its hot edge
    (:mod:`starmaker.evolution.hd_limit`).
    """
    check_numbers(mass_initial=mass_initial, age=age, feh=feh)
    m, a, fe = (
        np.ascontiguousarray(x, dtype=float).ravel()
        for x in broadcast(
            np.asarray(mass_initial, float), np.asarray(age, float), np.asarray(feh, float)
        )
    )
    cols = evolve_arrays(m, a, fe, models)
    apply_hd_limit(cols)
    apply_remnants(cols, m, a, fe)
    cols.pop("_status")
    meta = dict(meta or {})
    meta.setdefault("evolution", load_grid(models).provenance())
    return Stars({"mass_initial": m, "age": a, "feh": fe, **cols}, meta)


def evolve_through(mass_initial, age, feh, meta: dict[str, Any] | None = None, models: str = "mist") -> Stars:
    """:func:`evolve`, but ages beyond the grid's last isochrone (19.95 Gyr) are allowed, as
    the sky made billions of years ahead needs (the halo is 24 Gyr old at +10 Gyr).

    A star that has died by its true age (lifespans below ≈ 0.86 M☉ are extrapolated, see
    ``isochrones.lifespan``) becomes a remnant cooled for its true time since death
    (``remnants``). A star still alive is placed where the star at the *same fraction of the
    dying mass* sits on the last isochrone: mass m at age t looks like m × m_dying(19.95 Gyr) /
    m_dying(t) at 19.95 Gyr — so a star about to die is a giant, as it should be, and a dwarf
    far from death a dwarf (the homology the survey's mass windows assume) — and flagged
    ``grid_clamped``; its current ``mass`` is that star's scaled by the same ratio. ``mass_initial``, ``age``,
    ``lifespan`` and ``alive`` are the star's own. Ages within the grid: exactly :func:`evolve`.
    ``models``: "mist" (default) or "parsec" (whose last isochrone is 17.8 Gyr).
    """
    from .isochrones import dying_mass, lifespan
    from .remnants import apply_remnants

    check_numbers(mass_initial=mass_initial, age=age, feh=feh)
    m, a, fe = (
        np.ascontiguousarray(x, dtype=float).ravel()
        for x in broadcast(
            np.asarray(mass_initial, float), np.asarray(age, float), np.asarray(feh, float)
        )
    )
    r = grid_ranges(models)
    a_max = 10.0 ** r["log_age"][1]
    old = np.flatnonzero(a > a_max)
    if old.size == 0:
        return evolve(m, a, fe, meta=meta, models=models)
    life, ext = lifespan(m[old], fe[old], models)
    living = a[old] < life
    m_eval = m.copy()
    k = old[living]
    ratio = dying_mass(np.full(k.size, a_max), fe[k], models) / dying_mass(a[k], fe[k], models)
    m_eval[k] = np.maximum(m[k] * ratio, r["mass"][0])
    cols = evolve_arrays(m_eval, np.minimum(a, a_max), fe, models)
    cols["mass"][k] *= m[k] / m_eval[k]
    cols["lifespan"][old], cols["lifespan_extrapolated"][old] = life, ext
    cols["_status"][old[~living]] = 3
    cols["alive"] = a < cols["lifespan"]
    cols["grid_clamped"][k] = True
    apply_hd_limit(cols)
    apply_remnants(cols, m, a, fe)
    cols.pop("_status")
    meta = dict(meta or {})
    meta.setdefault("evolution", load_grid(models).provenance())
    return Stars({"mass_initial": m, "age": a, "feh": fe, **cols}, meta)

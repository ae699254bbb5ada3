"""Binaries and multiples in the magnitude-limited Milky Way (``MilkyWay(multiplicity=...)``).

The survey (:mod:`starmaker.galaxy.survey`) draws, per pixel, the stars that can be brighter than
the limit; with a multiplicity model (:mod:`starmaker.births.multiplicity`: ``"moe2017"``,
``"spisea"``, ``"trilegal"``) those draws are the systems' *primaries* and here they get their
companions:

* **Windows.** An unresolved system can pass the limit when no member alone can: n members
  are at most n times as bright as the brightest, so the primaries are drawn from the windows of
  the limit widened by ``2.5 log10 n`` (:func:`brightening`: 0.753 mag for the binaries of
  ``"moe2017"`` and ``"trilegal"``; ``"spisea"`` can give more than one companion: its bound is
  taken at n = 4, 1.505 mag, systems of five or more near-equal stars being vanishingly rare
  for its p(q) ∝ q^−0.4). After the light is combined the rows are cut to the real limit. Not
  drawn: systems whose initially more massive star (the primary) is dead and faint while its
  companion is bright (a Sirius-like pair seen through its A star); see the README.
* **Companions** are drawn for the primaries kept at the widened limit, per pixel, from
  ``SeedSequence(seed, spawn_key=(pixel, 3))``: the primaries' stream ``(pixel,)``, the
  velocities' ``(pixel, 1)`` and the errors' ``(pixel, 2)`` are untouched, and any split of the
  sky gives the same companions. They share the primary's age, [Fe/H], position, distance, dust
  and velocity (the system's centre of mass is the primary's place), evolve as single stars of
  their own initial mass (no interaction: no mass transfer, mergers or common envelopes), and
  shine in every band. Companions below the stellar grid's least mass (0.1 M☉ for MIST) are not
  made, as in clusters.
* **Resolution.** A companion whose separation / distance is below ``resolution_arcsec`` (or
  of a model without orbits) is unresolved: its flux adds into the primary's apparent and
  absolute magnitudes in every band, its row is kept (flagged ``unresolved``) when the
  system passes the limit; count sources with ``~unresolved``. A resolved companion is a
  source of its own and is kept when it is itself brighter than the limit.
  ``resolution_arcsec=None`` resolves every companion (each star keeps its own light), as
  :class:`~starmaker.maker.Maker` does.
* **Mass.** The components' local densities are densities of stellar mass. As clusters keep
  their total mass (:func:`~starmaker.births.multiplicity.trim_to_mass`), the survey keeps
  each population's initial mass per volume: the primaries' rate is multiplied by
  :func:`primary_share` = ⟨m1⟩ / ⟨m1 + Σ m2⟩ over the IMF (companions as made), so primaries +
  companions hold the mass single stars held.
* **Columns.** ``system_id`` = healpix × 2³² + the system's number among its pixel's
  primaries, ``system_size`` (members made, dark ones included), ``q``, ``period`` (d),
  ``separation_au`` (NaN for primaries and single stars), ``unresolved``; each system's rows
  together, primary first.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import math
from collections.abc import Sequence

import numpy as np

from ..errors import InvalidParameterError, UnknownNameError
from ..stars import Stars
from .limits import Field, Limit

__all__ = ["MODELS", "SYSTEM_TAG", "parse_multiplicity", "parse_resolution", "brightening", "widened",
           "primary_share", "scaled_components", "observe_systems", "system_meta"]

#: the models a survey can use (None or "none": single stars)
MODELS = ("moe2017", "spisea", "trilegal")
#: the third key of a pixel's companion stream, SeedSequence(seed, spawn_key=(pixel, SYSTEM_TAG))
SYSTEM_TAG = 3
#: the most members a system is bounded by when widening the windows (see the module notes)
MEMBERS_BOUND = {"moe2017": 2, "trilegal": 2, "spisea": 4}
_ID_SHIFT = 32


def parse_multiplicity(model) -> str | None:
    """The survey's multiplicity model: None (single stars; also "none") or one of ``MODELS``."""
    if model is None:
        return None
    name = str(model).strip().lower() if isinstance(model, str) else model
    if name in ("none", ""):
        return None
    if name not in MODELS:
        raise UnknownNameError("multiplicity model", model, [*MODELS, "none"])
    return name


def parse_resolution(res) -> float | None:
    """The angle (arcsec) below which a companion is not a source of its own, or None (all
    resolved)."""
    if res is None:
        return None
    ok = isinstance(res, int | float | np.integer | np.floating) and not isinstance(res, bool)
    if not ok or not math.isfinite(float(res)) or res < 0:
        raise InvalidParameterError("resolution_arcsec", res, "a non-negative angle in arcsec (e.g. 0.4 "
                                    "for Gaia, 60 for the naked eye), or None (every companion resolved)")
    return float(res)


def brightening(model: str | None) -> float:
    """The most (mag) an unresolved system of ``model`` can be brighter than its brightest
    member: 2.5 log10 n for n equal members."""
    return 0.0 if model is None else 2.5 * math.log10(MEMBERS_BOUND[model])


def widened(lim: Limit, model: str | None, resolution: float | None) -> Limit:
    """The limit the primaries are drawn to: ``lim`` widened by :func:`brightening` where
    companions can be unresolved."""
    if model is None or resolution is None:
        return lim
    return Limit(lim.band, lim.mag + brightening(model))


@functools.lru_cache(maxsize=64)
def primary_share(imf, model: str) -> float:
    """⟨m1⟩ / ⟨m1 + Σ m2⟩ over ``imf``: the share of a population's initial mass in primaries
    when each primary gets its companions (those made: ≥ the grid's least mass). The mean
    companion mass per primary, m1 · g(m1), is found on 64 masses log-spaced over the IMF from
    40 000 draws each (fixed seed: the same number every run) and integrated over the IMF by
    quadrature."""
    from ..births.multiplicity import draw_companions
    from ..maker import grid_ranges

    m_grid_min = grid_ranges("mist")["mass"][0]
    nodes = np.geomspace(imf.m_min, imf.m_max, 64)
    k = 40_000
    m1 = np.repeat(nodes, k)
    c = draw_companions(m1, np.random.default_rng(20170115), model)
    made = c["m2_msun"] >= m_grid_min
    g = np.bincount(c["primary"][made], weights=c["q"][made], minlength=m1.size).reshape(len(nodes), k).mean(1)
    m = np.geomspace(imf.m_min, imf.m_max, 20_000)
    w = imf.pdf(m) * m
    gm = np.interp(np.log(m), np.log(nodes), g)
    return float(np.trapezoid(w, m) / np.trapezoid(w * (1.0 + gm), m))


def scaled_components(components: Sequence, model: str | None) -> list:
    """The components with every population's primaries' rate scaled by :func:`primary_share`
    (its initial mass density kept: ``rho0`` made initial and multiplied)."""
    if model is None:
        return list(components)
    out = []
    for comp in components:
        c = copy.copy(comp)
        c.populations = tuple(dataclasses.replace(p, rho0=p.rho0_initial * primary_share(p.imf, model),
                                                  rho0_is_initial=True) for p in comp.populations)
        out.append(c)
    return out


def system_meta(model: str | None, resolution: float | None) -> dict:
    return {} if model is None else {"multiplicity": {"model": model, "resolution_arcsec": resolution}}


def _pixel_runs(pix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start of each run of equal pixels (a pixel's stars are contiguous) and the run bounds."""
    start = np.flatnonzero(np.r_[True, pix[1:] != pix[:-1]]) if len(pix) else np.zeros(0, np.int64)
    return start, np.append(start, len(pix))


def _companions(s: Stars, seed: int, model: str) -> dict[str, np.ndarray]:
    """Companions of the primaries ``s`` (``primary`` indexes the rows of ``s``), drawn per
    pixel from ``SeedSequence(seed, spawn_key=(pixel, SYSTEM_TAG))``; those below the grid's
    least mass left out."""
    from ..births.multiplicity import draw_companions
    from ..maker import grid_ranges

    pix = s["healpix"]
    start, bounds = _pixel_runs(pix)
    parts = []
    for k, p in enumerate(pix[start]):
        lo, hi = int(bounds[k]), int(bounds[k + 1])
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(int(p), SYSTEM_TAG)))
        c = draw_companions(s["mass_initial"][lo:hi], rng, model)
        c["primary"] = c["primary"] + lo
        parts.append(c)
    if not parts:
        from ..births.multiplicity import draw_companions as dc

        return dc(np.zeros(0), np.random.default_rng(0), model)
    c = {key: np.concatenate([q[key] for q in parts]) for key in parts[0]}
    made = c["m2_msun"] >= grid_ranges("mist")["mass"][0]
    return {key: v[made] for key, v in c.items()}


def _shine_companions(s: Stars, c: dict[str, np.ndarray], bands: tuple[str, ...]) -> Stars:
    """The companions as rows like the primaries': evolved (age, [Fe/H] of their primary), made
    to shine in ``bands`` at their primary's distance and A_V, with its place and velocity."""
    from ..evolution.evolve import evolve_through
    from ..photometry.magnitudes import absolute_and_extinctions, apparent_magnitudes

    pi = c["primary"]
    sc = evolve_through(c["m2_msun"], s["age"][pi], s["feh"][pi])
    av, d = s["A_V"][pi], s["distance"][pi]
    mags, ext = absolute_and_extinctions(sc["log_L"], sc["log_Teff"], sc["log_g"], sc["feh"], av, bands)
    app = apparent_magnitudes(mags, 5.0 * np.log10(d) - 5.0, ext, bands)
    shared = {k: s.codes(k)[pi] for k in ("ra", "dec", "l", "b", "distance", "A_V", "component", "healpix",
                                           "pmra", "pmdec", "radial_velocity") if k in s}
    sc = sc.with_columns(**mags, **app, **shared)
    return Stars({k: sc.codes(k) for k in s.columns}, s.meta)


def observe_systems(b: dict[str, np.ndarray], dust, lim: Limit, field: Field, seed: int, model: str,
                    resolution: float | None) -> Stars:
    """The stars of drawn primaries ``b`` (drawn to :func:`widened` ``lim``) with their
    companions: the primaries observed to the widened limit (``survey._observe``, velocities
    from their pixel's stream), companions drawn and made to shine, unresolved light combined
    into the primaries' magnitudes, every row cut to ``lim``. Rows: each system's together,
    primary first, in the primaries' order (so by pixel)."""
    from ..births.multiplicity import combine_unresolved, unresolved
    from .survey import _observe, sky_bands

    bands = sky_bands(lim)
    s = _observe(b, dust, widened(lim, model, resolution), field, seed)
    n = len(s)
    pix = s["healpix"]
    start, bounds = _pixel_runs(pix)
    number = np.arange(n, dtype=np.int64) - np.repeat(start, np.diff(bounds)).astype(np.int64)
    sys_id = (pix.astype(np.int64) << _ID_SHIFT) + number
    c = _companions(s, seed, model)
    pi = c["primary"]
    sc = _shine_companions(s, c, bands)
    un = (unresolved(c["separation_au"], s["distance"][pi], resolution) if resolution is not None
          else np.zeros(len(pi), bool))
    # unresolved light into the primaries' magnitudes, every band, apparent and absolute
    cols = {}
    for name in [*bands, *(f"M_{x}" for x in bands)]:
        col = np.array(s[name], float)
        if un.any():
            comb = combine_unresolved(col, sc[name][un], primary=pi[un])
            got = np.zeros(n, bool)
            got[pi[un]] = True
            col = np.where(got, comb, col)
        cols[name] = col
    s = s.with_columns(**cols)
    size = 1 + np.bincount(pi, minlength=n).astype(np.int64)
    nan = np.full(n, np.nan)
    s = s.with_columns(system_id=sys_id, system_size=size, q=nan, period=nan.copy(), separation_au=nan.copy(),
                       unresolved=np.zeros(n, bool))
    sc = sc.with_columns(system_id=sys_id[pi], system_size=size[pi], q=c["q"], period=10.0 ** c["log_p_days"],
                         separation_au=c["separation_au"], unresolved=un)
    keep_p = s[lim.band] < lim.mag
    keep_c = np.where(un, keep_p[pi], sc[lim.band] < lim.mag)
    # each system's rows together, primary first, companions in drawing order
    member = np.arange(len(pi)) - np.searchsorted(pi, pi, side="left") + 1 if len(pi) else np.zeros(0, np.int64)
    order_key = np.concatenate([np.arange(n) * (1 + int(member.max(initial=0))),
                                pi * (1 + int(member.max(initial=0))) + member])
    keep = np.concatenate([keep_p, keep_c])
    both = Stars.concat([s, sc]) if len(sc) else s
    order = np.argsort(order_key, kind="stable")
    return both.select(order[keep[order]])

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
  for its p(q) ∝ q^−0.4). After the light is combined the rows are cut to the real limit.
* **Hosts.** A dead primary (the initially more massive star, now a white dwarf, neutron star
  or black hole) can be seen through a bright living companion (Sirius through Sirius A): no
  primary window holds it. Hosts are drawn by the survey's own draw from tables of their own
  (:mod:`starmaker.galaxy.hosts`: x = m1 / m_dying from 0.995 to the living window's top /
  the least q) from ``SeedSequence([seed, 3], spawn_key=(pixel,))`` (its counts and rows, as
  the survey's ``(pixel,)``: :func:`~starmaker.galaxy.draw.pixel_counts`), their companions
  keyed by the host's row from ``(pixel, 3, 1)`` and motions from ``(pixel, 4)`` (keyed by the
  host's row, :func:`~starmaker.galaxy.observed.row_normals`), and kept when dead, fainter
  alone than the widened limit (brighter ones are the remnant window's: none is made twice)
  and with a companion that passes it (evolved, with no dust). Only a companion in the
  survey's own mass windows for its cell at a limit 0.5 mag fainter, 2 % wider in x
  (``hosts.may_be_bright``), can pass. Only the hosts with a companion there are drawn
  (``hosts.thinned_host_table``, issue 14), each kept with probability p / E (p its own, E its
  part's envelope; keyed number ``ACCEPT_COLUMN`` of its row) and given its companions drawn
  with at least one in its window (:func:`~starmaker.births.multiplicity.draw_companion_in`;
  the window judged at the host's own limit behind the least dust of its pixel and shell, the
  survey's own bound for single stars: a companion that passes, dimmed by at least that, lies
  in it): by thinning, exactly the hosts of every dead primary with a companion there, with
  their companions (for ``"spisea"``, several: those outside the window too, judged as ever;
  why no host system is lost: :func:`_host_systems`). Rows drawn on an eighth of the sky to
  G < 8: moe2017 0.25 M for 5.9 M; spisea 0.29 M for 10.5 M. (A versioned change: the hosts of
  skies with ``multiplicity="moe2017"`` or ``"trilegal"``, and later ``"spisea"``, differ from
  those made before, in the same distribution; skies without ``multiplicity`` are unchanged.)
* **Companions** are drawn for the primaries kept at the widened limit, each from uniform
  numbers keyed by its pixel and row (SplitMix64 seeded from ``SeedSequence(seed,
  spawn_key=(pixel, 3))``: :func:`_companions`): the primaries' stream ``(pixel,)``, the
  velocities' ``(pixel, 1)`` and the errors' ``(pixel, 2)`` are untouched, and a primary's
  companions are the same however the sky is split, cut into pieces or to a cone. They share
  the primary's age, [Fe/H], position, distance, dust and velocity (the system's centre of
  mass is the primary's place: a cone keeps a system whose primary is inside), evolve as
  single stars of their own initial mass (no interaction: no mass transfer, mergers or common
  envelopes), and shine in every band. Companions below the stellar grid's least mass (0.1 M☉
  for MIST) are not made, as in clusters.
* **Errors** (``errors="gaia-dr3"``...) are drawn once, for the rows kept, keyed by the pixel,
  the row of the system's primary in its draw and the member (:func:`_keys`): a window
  primary at ``(pixel, 2)`` (a single star's key), its m-th companion at ``(pixel, 2, m)``, a
  host at ``(pixel, 2, 0)``, its m-th companion at ``(pixel, 2, 0, m)``.
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
* **Columns.** ``system_id`` = healpix × 2³² + the primary's row in its pixel's draw (hosts:
  + 2³¹ + the host's row), ``system_size`` (members made, dark ones included), ``q``, ``period`` (d),
  ``separation_au`` (NaN for primaries and single stars), ``unresolved``; each system's rows
  together, primary first.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import math
from collections.abc import Iterator, Sequence

import numpy as np

from ..errors import InvalidParameterError, UnknownNameError
from ..stars import Stars
from .hosts import host_tables, limit_index_of, may_be_bright
from .limits import Limit

__all__ = ["MODELS", "SYSTEM_TAG", "parse_multiplicity", "parse_resolution", "brightening", "widened",
           "primary_share", "scaled_components", "observe_systems", "systems_of",
           "pieces", "system_meta"]

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
    g = np.bincount(c["primary"][made], weights=c["q"][made], minlength=m1.size)
    g = g.reshape(len(nodes), k).mean(axis=1)
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


def _companions(s: Stars, row: np.ndarray, seed: int, model: str,
                key: tuple[int, ...] = (SYSTEM_TAG,)) -> dict[str, np.ndarray]:
    """Companions of the primaries ``s`` (``primary`` indexes the rows of ``s``), each primary's
    from uniform numbers keyed by its pixel and ``row`` (its row in its pixel's draw): the
    SplitMix64 stream seeded from ``SeedSequence(seed, spawn_key=(pixel, *key))`` (the window
    primaries': ``(pixel, 3)``), numbers ``KEYED_COLUMNS × row`` … (see
    :func:`~starmaker.births.multiplicity.draw_companions_keyed`). So a primary's companions are
    the same whichever other primaries are kept (a cone's, the whole sky's) and however the
    rows are cut into pieces. Those below the grid's least mass are left out."""
    from ..births.multiplicity import draw_companions_keyed
    from ..maker import grid_ranges

    c = draw_companions_keyed(s["mass_initial"], _keyed(s["healpix"], row, seed, key), model)
    made = c["m2_msun"] >= grid_ranges("mist")["mass"][0]
    return {k: v[made] for k, v in c.items()}


def _keyed(pix: np.ndarray, row: np.ndarray, seed: int, key: tuple[int, ...]):
    """``uniforms(col, idx)``: the uniform numbers of the rows ``idx``, each row's own, keyed by
    its pixel and ``row``: SplitMix64 seeded from ``SeedSequence(seed, spawn_key=(pixel, *key))``,
    numbers ``KEYED_COLUMNS × row + col``."""
    from ..births.multiplicity import KEYED_COLUMNS
    from .observed import keyed_uniforms

    pix = np.asarray(pix, np.int64)
    row = np.asarray(row, np.int64)
    ukeys = np.zeros(len(pix), np.uint64)
    for p in np.unique(pix):
        k = np.random.SeedSequence(seed, spawn_key=(int(p), *key)).generate_state(1, np.uint64)[0]
        ukeys[pix == p] = k

    def uniforms(col, idx):
        return keyed_uniforms(ukeys[idx], row[idx] * KEYED_COLUMNS + col)

    return uniforms


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


def pieces(counts: list[np.ndarray], host_counts: list[np.ndarray],
           rows_per_piece: int) -> Iterator[list[tuple[int, int, int, int]]]:
    """A block's rows, primaries' and hosts', cut into pieces of at most ``rows_per_piece``
    rows (as :func:`~starmaker.galaxy.draw.pieces` cuts single stars'): each piece a list of
    (pixel index, kind (0 primaries, 1 hosts), first row, end row), in pixel, kind and row order."""
    from .observed import row_pieces

    sizes = [((k, kind), int(c.sum())) for k, cs in enumerate(zip(counts, host_counts, strict=True))
             for kind, c in enumerate(cs)]
    for piece in row_pieces(sizes, rows_per_piece):
        yield [(k, kind, i, j) for (k, kind), i, j in piece]


def _observe_all(b: dict[str, np.ndarray], dust, bands, seed: int) -> Stars:
    """Drawn hosts evolved, made to shine and dimmed, with no cut; velocities keyed by their
    pixel and row in the hosts' draw (:func:`~starmaker.galaxy.observed.row_normals`, stream
    ``HOST_VELOCITIES``)."""
    from ..evolution.evolve import evolve_through
    from ..photometry.magnitudes import absolute_and_extinctions, apparent_magnitudes
    from ..place.frames import icrs_to_galactic
    from .observed import velocities

    s = evolve_through(b["m"], b["age"], b["feh"])
    l, bb = icrs_to_galactic(b["ra"], b["dec"])
    av = dust.a_v(l, bb, b["d"])
    mags, ext = absolute_and_extinctions(s["log_L"], s["log_Teff"], s["log_g"], s["feh"], av, bands)
    app = apparent_magnitudes(mags, 5.0 * np.log10(b["d"]) - 5.0, ext, bands)
    s = s.with_columns(**mags, ra=b["ra"], dec=b["dec"], l=l, b=bb, distance=b["d"], A_V=av, **app,
                       component=b["comp"], healpix=b["pix"])
    return s.with_columns(**velocities(s, b["row"], seed, HOST_VELOCITIES))


#: the keyed uniform number (its column) that accepts a host drawn from a thinned table
ACCEPT_COLUMN = 63


def _host_companions(b: dict[str, np.ndarray], plan) -> dict[str, np.ndarray]:
    """The companions of the drawn hosts ``b``, keyed by the host's pixel and row in the hosts'
    draw (``SeedSequence(seed, spawn_key=(pixel, 3, 1))``). For the models drawn in a window
    (``multiplicity.IN_WINDOW``: hosts from ``hosts.thinned_host_table``) each host is kept with
    probability p / its envelope and its companions drawn with at least one in its judged
    window (:func:`_companion_in`), so those left are exactly the hosts with a companion there,
    with all their companions; else every host's companions (:func:`_companions`: the draw of
    before, the tests' reference)."""
    from ..births.multiplicity import IN_WINDOW

    if plan.multiplicity in IN_WINDOW:
        return _companion_in(b, plan)
    pseudo = Stars({"mass_initial": b["m"], "healpix": b["pix"]})
    return _companions(pseudo, b["row"], plan.seed, plan.multiplicity, key=(SYSTEM_TAG, 1))


def _companion_in(b: dict[str, np.ndarray], plan) -> dict[str, np.ndarray]:
    """The hosts ``b`` drawn from ``hosts.thinned_host_table`` thinned to those with a companion in the
    judged window at their own limit (``L_own``: x_c = q m1 / m_dying in
    ``hosts.HostTable.j_lo`` … ``j_hi``, inside their shell's), each kept with probability
    p / envelope (p: :func:`~starmaker.births.multiplicity.draw_companion_in`, one per host),
    keyed number ``ACCEPT_COLUMN``), with its companions (one for moe2017 and trilegal, one or
    more for spisea, at least one in the window; keyed by the host's pixel and row,
    ``(pixel, 3, 1)``: columns as ``draw_companion_in`` reads them, 63 left to the acceptance).
    Companions below the grid's least mass are left out."""
    from ..births.multiplicity import draw_companion_in
    from ..maker import grid_ranges

    n = len(b["m"])
    x = b["m"] / b["md"]
    q_lo, q_hi = np.full(n, 2.0), np.zeros(n)
    for q, tab in enumerate(host_tables(plan)):
        sel = np.flatnonzero(b["pop"] == q)
        if sel.size:
            jl, cell = limit_index_of(b["L_own"][sel]), b["cell"][sel]
            lo, hi = tab.j_lo[cell, jl], tab.j_hi[cell, jl]
            shut = ~(hi > lo)
            q_lo[sel] = np.where(shut, 2.0, lo / x[sel])
            q_hi[sel] = np.where(shut, 0.0, hi / x[sel])
    uni = _keyed(b["pix"], b["row"], plan.seed, (SYSTEM_TAG, 1))
    c = draw_companion_in(b["m"], q_lo, q_hi, uni, plan.multiplicity)
    every = np.arange(n)
    accepted = uni(ACCEPT_COLUMN, every) * b["envelope"] < c.pop("p")
    made = accepted[c["primary"]] & (c["m2_msun"] >= grid_ranges("mist")["mass"][0])
    return {k: v[made] for k, v in c.items()}


def _bright_companions(b: dict[str, np.ndarray], c: dict[str, np.ndarray], plan, lim: Limit,
                       judge: bool = True) -> np.ndarray:
    """The hosts' companions ``c`` (of the hosts ``b``, as drawn) brighter than ``lim`` with no
    dust (the least there can be), in order: only those that ``hosts.may_be_bright`` (all with
    ``judge=False``) are evolved and made to shine."""
    from ..evolution.evolve import evolve_through
    from ..photometry.magnitudes import absolute_magnitudes

    pi = c["primary"]
    dm = 5.0 * np.log10(b["d"]) - 5.0
    if judge:
        may = np.flatnonzero(may_be_bright(plan, lim.band, c["m2_msun"] / b["md"][pi], b["pop"][pi],
                                           b["cell"][pi], lim.mag - dm[pi]))
    else:
        may = np.arange(len(pi))
    sc = evolve_through(c["m2_msun"][may], b["age"][pi[may]], b["feh"][pi[may]])
    band = (lim.band,)
    mc = absolute_magnitudes(sc["log_L"], sc["log_Teff"], sc["log_g"], sc["feh"], band)["M_" + lim.band]
    return may[mc + dm[pi[may]] < lim.mag]


def _host_systems(b: dict[str, np.ndarray], plan) -> tuple[Stars, dict[str, np.ndarray], np.ndarray]:
    """Hosts that count: dead (a living one is the living window's) and fainter alone than the
    widened limit (a brighter one is the remnant window's: none is made twice), with a companion
    bright enough to pass it with no dust (:func:`_bright_companions`: evolved; those of spisea
    judged first, most found faint without being evolved); their companions (keyed by the
    host's pixel and row: ``SeedSequence(seed, spawn_key=(pixel, 3, 1))``,
    :func:`_host_companions`) and the hosts' rows in their draw. (A cone was cut at the draw.)

    Why the thinned draw (hosts with a companion in the judged window only, the others never
    drawn) keeps exactly the host systems of the draw of every dead primary: the rules here are
    the same for both, applied to all of a host's companions (in and out of the window), so
    only a host without a companion in its window could be lost, and none such makes a row. A
    host system's row passes the real limit with the combined light of its members, each
    dimmed by at least the least dust of its pixel and shell. With at most n = 4 members
    (``MEMBERS_BOUND``, the bound the widening itself rests on) its brightest member is within
    2.5 log10 4 of the system: it passes the widened limit behind that dust. The host does not
    (fainter alone than the widened limit), so a companion does, and a star that passes a limit
    lies in the survey's windows for it (their guarantee), so in the host's judged window. A
    resolved companion (no widening) passes the real limit itself. Systems of five or more
    near-equal members are the widening's own approximation, for window primaries as for
    hosts; tests check further that every companion of the drawn hosts brighter than the
    widened limit with no dust lies in its window (then the hosts kept here, before the rows'
    cut, are the same too)."""
    from ..births.multiplicity import IN_WINDOW, ONE_COMPANION
    from ..evolution.evolve import evolve_through
    from ..photometry.magnitudes import absolute_magnitudes
    from .observed import sky_bands

    lim = widened(plan.lim, plan.multiplicity, plan.resolution_arcsec)
    c = _host_companions(b, plan)
    pi = c["primary"]
    # (a lone companion drawn in its judged window needs no judging; spisea's others may lie outside)
    alone_in = plan.multiplicity in ONE_COMPANION and plan.multiplicity in IN_WINDOW
    hosts = np.unique(pi[_bright_companions(b, c, plan, lim, judge=not alone_in)])
    # only the remnant window is drawn from host tables
    b = {k: v for k, v in b.items() if k not in ("window", "pop", "cell", "md", "part", "envelope", "L_own")}
    dm = 5.0 * np.log10(b["d"]) - 5.0
    band = (lim.band,)
    if len(hosts) == 0:
        return Stars({}), c, np.zeros(0, np.int64)
    sp = evolve_through(b["m"][hosts], b["age"][hosts], b["feh"][hosts])
    mp = absolute_magnitudes(sp["log_L"], sp["log_Teff"], sp["log_g"], sp["feh"], band)["M_" + lim.band]
    ok = ~sp["alive"] & ~(mp + dm[hosts] < lim.mag)
    hosts = hosts[ok]
    s = _observe_all({k: v[hosts] for k, v in b.items()}, plan.dust, sky_bands(plan.lim), plan.seed)
    keep_c = np.isin(pi, hosts)
    new = np.full(len(b["m"]), -1, np.int64)
    new[hosts] = np.arange(len(hosts))
    c = {k: v[keep_c] for k, v in c.items()}
    c["primary"] = new[c["primary"]]
    return s, c, b["row"][hosts]


def observe_systems(b, hb, block, plan) -> Stars:
    """The systems of a piece of a block's rows: the drawn primaries ``b`` (drawn to the
    :func:`widened` limit; None if none) made to shine (``observed.shine``), with their
    velocities (``(pixel, 1)``, keyed by row as single stars') and companions (``(pixel, 3)``),
    and the drawn hosts ``hb`` (``hosts.host_table``: dead primaries seen through a companion;
    None if none) with theirs; unresolved light combined into the primaries' magnitudes, every
    row cut to the limit, and with ``plan.errors`` every row measured once (keys: :func:`_keys`).
    Rows: by pixel in the block's order, a pixel's window systems then its hosts', each by row,
    each system's rows together, primary first."""
    from .limits import Field
    from .observed import measured, shine, velocities

    model, res, seed = plan.multiplicity, plan.resolution_arcsec, plan.seed
    parts, flags, keys = [], [], []
    if b is not None:
        s, row = shine(b, plan.dust, widened(plan.lim, model, res), Field())
        if len(s):
            s = s.with_columns(**velocities(s, row, seed))
            rows, key_row, member = _rows(s, _companions(s, row, seed, model), plan, 0, row)
            parts.append(rows)
            flags.append(0)
            keys.append((key_row, member))
    if hb is not None:
        s, c, row = _host_systems(hb, plan)
        if len(s):
            rows, key_row, member = _rows(s, c, plan, 1 << (_ID_SHIFT - 1), row)
            parts.append(rows)
            flags.append(1)
            keys.append((key_row, member))
    if not any(len(p) for p in parts):
        return plan.empty()
    both = Stars.concat(parts) if len(parts) > 1 else parts[0]
    host = np.repeat(flags, [len(p) for p in parts])
    key_row = np.concatenate([k[0] for k in keys])
    member = np.concatenate([k[1] for k in keys])
    pix = both["healpix"]
    order_b = np.argsort(block, kind="stable")
    pos = order_b[np.searchsorted(block[order_b], pix)]
    order = np.lexsort((np.arange(len(both)), host, pos))
    both, host, key_row, member = both.select(order), host[order], key_row[order], member[order]
    if plan.errors:
        both = measured(both, plan.errors, _keys(seed, both["healpix"], key_row, host, member))
    return both


#: the stream of the hosts' velocities, keyed by their row in the hosts' draw (:func:`row_normals`)
HOST_VELOCITIES = 4


def _keys(seed: int, pix: np.ndarray, row: np.ndarray, host: np.ndarray, member: np.ndarray) -> np.ndarray:
    """The normal numbers of each row's measurement errors (:func:`~starmaker.galaxy.observed.row_normals`,
    stream 2 as single stars'), keyed by its pixel, its system's primary's row in its draw and
    its place in the system: a window primary ``(pixel, 2)`` at its row (a single star's key);
    its m-th companion ``(pixel, 2, m)`` at the primary's row; a host ``(pixel, 2, 0)`` at its
    row in the hosts' draw, its m-th companion ``(pixel, 2, 0, m)``. So every row has its own
    numbers, and none depends on how the sky is split or which other rows are kept."""
    from .observed import MEASURE_NORMALS, row_normals

    out = np.empty((len(pix), MEASURE_NORMALS))
    for h in (0, 1):
        for m in np.unique(member[host == h]):
            sel = np.flatnonzero((host == h) & (member == m))
            stream = (2, *((0,) if h else ()), *((int(m),) if m else ()))
            out[sel] = row_normals(seed, pix[sel], row[sel], stream, MEASURE_NORMALS)
    return out


def systems_of(b: dict[str, np.ndarray], dust, lim: Limit, field, seed: int, model: str,
               resolution: float | None) -> Stars:
    """The systems of primaries ``b`` drawn without windows (every star in a volume, as the
    brute-force tests draw them): observed to the widened limit, with their companions, light
    combined, cut to ``lim``."""
    from types import SimpleNamespace

    from .observed import shine, velocities

    s, row = shine(b, dust, widened(lim, model, resolution), field)
    s = s.with_columns(**velocities(s, row, seed))
    plan = SimpleNamespace(lim=lim, resolution_arcsec=resolution)
    return _rows(s, _companions(s, row, seed, model), plan, 0, row)[0]


def _rows(s: Stars, c: dict[str, np.ndarray], plan, id_base: int,
          row: np.ndarray) -> tuple[Stars, np.ndarray, np.ndarray]:
    """Primaries ``s`` and their companions ``c`` as rows: companions made to shine, unresolved
    light combined into the primaries' magnitudes, every row cut to the limit (a resolved
    companion on its own, an unresolved one with its primary). ``system_id``: pixel × 2³² +
    ``id_base`` + the primary's ``row`` in its pixel's draw (the same however the sky is split
    or cut). Also each kept row's primary's row and its member number (0 the primary, m the
    m-th companion): the keys of its errors (:func:`_keys`)."""
    from ..births.multiplicity import combine_unresolved, unresolved
    from .observed import sky_bands

    lim, resolution = plan.lim, plan.resolution_arcsec
    bands = sky_bands(lim)
    n = len(s)
    pix = s["healpix"]
    row = np.asarray(row, np.int64)
    sys_id = (pix.astype(np.int64) << _ID_SHIFT) + id_base + row
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
    member = np.arange(len(pi)) - np.searchsorted(pi, pi, side="left") + 1
    width = 1 + int(member.max(initial=0))
    order_key = np.concatenate([np.arange(n) * width, pi * width + member])
    keep = np.concatenate([keep_p, keep_c])
    both = Stars.concat([s, sc]) if len(sc) else s
    order = np.argsort(order_key, kind="stable")
    sel = order[keep[order]]
    key_row = np.concatenate([row, row[pi]])[sel]
    members = np.concatenate([np.zeros(n, np.int64), member.astype(np.int64)])[sel]
    return both.select(sel), key_row, members

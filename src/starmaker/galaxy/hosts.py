"""The binaries' hosts: dead primaries seen through a bright companion (Sirius B through Sirius A).

No window of the survey's draw (:mod:`starmaker.galaxy.windows`) holds such a primary: it is dead
and fainter than the limit, its companion is what passes. With a multiplicity model
(:mod:`starmaker.galaxy.systems`) the survey draws them from mass tables of their own, made here:

* :func:`host_table` — per population, the window x = m1 / m_dying from 0.995 to the living
  window's top / ``Q_MIN`` (the least mass ratio the model draws), drawn as the 'remnant' window.
  Only the hosts with a companion that may pass are drawn (:func:`thinned_host_table`,
  :class:`HostTable`: the window cut into parts, each with an envelope on P(a companion in the
  judged window | m1); drawn at IMF × envelope and thinned by the systems), for every model
  (``"moe2017"``, ``"trilegal"``: one companion at most; ``"spisea"``: several, since the
  versioned change that cut its CPU time from 91× to 6.8× single stars). Every dead primary of
  the window (:func:`_host_table_all`, the draw of before) is kept as the tests' reference.
* :func:`may_be_bright` — whether a host's companion may pass the limit, judged without evolving
  it, by the survey's own mass windows at a limit ``JUDGE_MARGIN`` fainter, ``JUDGE_X_PAD`` wider.

What is done with the drawn hosts (their companions, light, rows) is
:mod:`starmaker.galaxy.systems`' business.
"""

from __future__ import annotations

import dataclasses
import functools
import math

import numba as nb
import numpy as np

from ..births import multiplicity

__all__ = ["Q_MIN", "JUDGE_MARGIN", "JUDGE_X_PAD", "HOST_PARTS_PER_DEX", "HostTable", "host_table",
           "host_tables", "thinned_host_table", "limit_index_of", "may_be_bright"]

#: how much wider than the survey's own windows a host's companion is judged (see
#: :func:`may_be_bright`): the limit fainter by this (mag), the window wider by this in x
JUDGE_MARGIN = 0.5
JUDGE_X_PAD = 0.02


def may_be_bright(plan, band: str, x: np.ndarray, pop: np.ndarray, cell: np.ndarray,
                  limit: np.ndarray) -> np.ndarray:
    """Whether a hosts' companion may be brighter than the absolute magnitude ``limit`` in
    ``band`` (its apparent limit less its distance modulus: no dust, the least there can be),
    judged without evolving it: ``x`` = its mass / the dying mass of its host's (age, [Fe/H])
    (:func:`~starmaker.galaxy.windows.dying_mass_in_cell`, the x of the survey's draw), ``pop``
    its host's population (index in ``plan.pops``), ``cell`` its host's (age × [Fe/H]) cell,
    which is its own (it shares its host's age and [Fe/H]). It may be when x lies in the
    living or the remnant window of the population's mass table (:func:`~starmaker.galaxy.windows.mass_table`,
    the very windows the survey draws every single star and primary from) at a limit
    ``JUDGE_MARGIN`` fainter, each widened by ``JUDGE_X_PAD`` in x, holes ignored. The survey
    takes a star of the cell outside its windows to be fainter than their limit (they are built
    from MIST samples at the cell's corners, padded) and draws none there; so the companions
    judged faint here are those the survey would not draw as stars of their own, with room to
    spare. This is the windows' own guarantee, not a proof: tests evolve every companion of the
    drawn hosts and check that none bright enough was judged faint, and skies written before and
    after are the same bytes (benchmarks/binaries_bytes.py)."""
    from .windows import WINDOWS, limit_index, mass_table

    il = limit_index(np.asarray(limit, float) + JUDGE_MARGIN)
    out = np.zeros(len(x), bool)
    for q, (_, p) in enumerate(plan.pops):
        sel = np.flatnonzero(pop == q)
        if sel.size == 0:
            continue
        tab = mass_table(p, band)
        c, lq, xq = cell[sel], il[sel], x[sel]
        ok = np.zeros(sel.size, bool)
        for w in range(len(WINDOWS)):
            lo, hi = tab.x_lo[w, c, lq], tab.x_hi[w, c, lq]
            ok |= (hi > lo) & (xq >= lo * (1.0 - JUDGE_X_PAD)) & (xq <= hi * (1.0 + JUDGE_X_PAD))
        out[sel] = ok
    return out


#: the least mass ratio each model draws: a dead primary can have a living companion only below
#: its dying mass / this (moe2017: q ≥ 0.1, M&dS; spisea: q ≥ 0.01; trilegal: q ≥ 0.7)
Q_MIN = {"moe2017": multiplicity.Q_LO, "spisea": multiplicity.SPISEA_Q_LO,
         "trilegal": multiplicity.TRILEGAL_Q_LO}
#: x = m / m_dying where the hosts' window starts (the living stars' windows end at 1 + X_PAD)
_HOST_X_LO = 0.995


def host_table(pop, band: str, model: str):
    """The hosts' table of a population: :func:`thinned_host_table` for the models whose
    companions can be drawn in a window (``multiplicity.IN_WINDOW``: all three), else every dead
    primary of the window (:func:`_host_table_all`: the draw of before, kept as the tests'
    reference)."""
    from ..births.multiplicity import IN_WINDOW

    if model in IN_WINDOW:
        return thinned_host_table(pop, band, model)
    return _host_table_all(pop, band, model)


@functools.lru_cache(maxsize=64)
def _host_table_all(pop, band: str, model: str):
    """The mass table of every host of the window (the draw of before, for ``"spisea"`` until it
    was thinned, now the tests' reference: ``multiplicity.IN_WINDOW`` emptied): dead
    primaries that may have a living companion bright enough to pass the limit (a Sirius-like
    pair, seen through the companion). For every cell
    and limit L where the living stars' window (:func:`~starmaker.galaxy.windows.mass_table`) is
    not empty, the window x = m1 / m_dying from 0.995 to its upper edge / ``Q_MIN[model]`` (no
    holes), drawn as the 'remnant' window; the living window is left empty. Its largest IMF
    fraction over a cell is found as the survey's tables find theirs."""
    from .windows import F_PAD, draw_arrays, mass_table, window_cdf

    tab = mass_table(pop, band)
    open_ = tab.x_hi[0] > tab.x_lo[0]                                   # (C, L)
    x_lo = np.ones_like(tab.x_lo)
    x_hi = np.zeros_like(tab.x_hi)
    x_lo[1] = np.where(open_, _HOST_X_LO, 1.0)
    x_hi[1] = np.where(open_, tab.x_hi[0] / Q_MIN[model], 0.0)
    hole_lo, hole_hi = np.ones_like(tab.hole_lo), np.zeros_like(tab.hole_hi)
    md_min, md_max = np.exp(tab.log_md.min(axis=(1, 2))), np.exp(tab.log_md.max(axis=(1, 2)))
    f_max = np.zeros_like(x_lo)
    for t in np.linspace(0.0, 1.0, 17):
        md_t = md_min ** (1.0 - t) * md_max ** t
        f_max = np.maximum(f_max, window_cdf(pop.imf, x_lo, x_hi, hole_lo.transpose(1, 0, 2, 3),
                                             hole_hi.transpose(1, 0, 2, 3), md_t[None, :, None])[2])
    f_max = np.where(x_hi > x_lo, f_max * (1.0 + F_PAD), 0.0)
    # the cells' weights, back from the table (its f_max > 0 somewhere in every drawn cell)
    total, cum = draw_arrays(f_max, _cell_weights(tab))
    return dataclasses.replace(tab, x_lo=x_lo, x_hi=x_hi, hole_lo=hole_lo, hole_hi=hole_hi, f_max=f_max,
                               total=total, cum=cum)


#: the hosts' window in x = m1 / m_dying is cut into parts of this many per decade (a companion's
#: q window, x_c / x, is bounded over each part: the narrower, the tighter)
HOST_PARTS_PER_DEX = 64


@dataclasses.dataclass(frozen=True)
class HostTable:
    """The hosts' table of a population (see :func:`thinned_host_table`): the cells of its mass
    table (``base``) and, per cell and tabulated limit, the rate of hosts worth drawing."""

    base: object          # the population's mass table (windows.Table): cells, dying masses
    model: str
    edges: np.ndarray     # (K+1,) the parts of the hosts' window in x = m1 / m_dying
    f_part: np.ndarray    # (C, K) largest IMF fraction of each part over the cell (padded)
    f_mult: np.ndarray    # (C, K) largest multiplicity fraction of the part's masses
    renorm: np.ndarray    # (C, K) largest stretch of q's distribution by its low-mass cut
    lam: np.ndarray       # (C, K) largest mean number of extra companions (spisea's λ; else 0)
    j_lo: np.ndarray      # (C, L) the companions' window judged at each limit index, its hull
    j_hi: np.ndarray      #        over the living and remnant windows and brighter limits
    x_top: np.ndarray     # (C, L) the hosts' window's top (the living window's / Q_MIN), 0: shut
    q_nodes: np.ndarray   # nodes and bounds of q's distributions (multiplicity.q_window_bounds)
    q_bound: np.ndarray
    rate: np.ndarray      # (C, L) sum over the parts of envelope × IMF fraction (_part_sums)
    total: np.ndarray     # (W, L) as windows.Table: what the survey's draw reads
    cum: np.ndarray

    def __getattr__(self, name):  # the cells' arrays (age_lo, log_md…) are the base table's
        if name in ("base", "__setstate__"):
            raise AttributeError(name)
        return getattr(self.base, name)

    def row_window(self, w, cell, il, lq, md, u):
        """As :meth:`~starmaker.galaxy.windows.Table.row_window` (``w`` is the remnant window,
        the only one drawn): the part of the hosts' window each row is drawn from (chosen in
        proportion to envelope × IMF fraction, :func:`_choose_parts`), as ``x_lo``, ``x_hi`` (at
        the row's own limit; no holes), the bound of its IMF fraction (the thinning's), the
        uniform number left for the mass, and the part and its envelope."""
        from .windows import L_GRID

        cell = np.asarray(cell, np.int64)
        jl = limit_index_of(L_GRID[il])
        n = len(cell)
        part, u_m, f_row, env = np.empty(n, np.int64), np.empty(n), np.empty(n), np.empty(n)
        _choose_parts(cell, np.asarray(il, np.int64), jl, np.asarray(u, float), self.rate, self.j_lo,
                      self.j_hi, self.x_top, self.edges, self.f_part, self.f_mult, self.renorm, self.lam,
                      self.q_nodes, self.q_bound, part, u_m, f_row, env)
        x_lo = self.edges[part]
        x_hi = np.minimum(self.edges[part + 1], self.x_top[cell, lq])
        none = np.zeros((0, n))
        return x_lo, x_hi, none, none, f_row, u_m, {"part": part, "envelope": env}


@functools.lru_cache(maxsize=64)
def thinned_host_table(pop, band: str, model: str) -> HostTable:
    """The hosts' table: the hosts worth drawing. A host counts only if a companion may pass the
    limit (its x_c = q m1 / m_dying in the judged window of :func:`may_be_bright`), so of the
    dead primaries of :func:`_host_table_all`'s window (x = m1 / m_dying from 0.995 to the
    living window's top / ``Q_MIN``) only the rate × P(a companion in that window | m1) need be
    drawn. The window is cut into parts (``HOST_PARTS_PER_DEX`` per decade of x); over a part
    and a cell the probability is bounded by an envelope E = (largest multiplicity fraction of
    its masses, :func:`~starmaker.births.multiplicity.fraction_bound`) × g(s, λ), s the largest
    share of any q distribution in [x_c lo / x hi, x_c hi / x lo]
    (:func:`~starmaker.births.multiplicity.q_window_bounds`, × the low-mass cut's stretch), at
    the shell's limit (a star's own is brighter: its window inside), λ the largest mean number
    of extra companions of its masses (:func:`~starmaker.births.multiplicity.extra_bound`:
    spisea's CSF / MF − 1; 0 for one companion) and g(s, λ) = 1 − (1 − s) e^(−λ s) (s for λ =
    0), P(at least one of 1 + Poisson(λ) companions in the window), rising in both s and λ. Hosts
    are drawn at the rate IMF × E (a part chosen ∝ E × its IMF fraction, the mass from the IMF
    on the part), then each kept with probability p / E, p its own probability (given its
    companion's mass node and period for moe2017), and its companions drawn with one in the
    window (:func:`~starmaker.births.multiplicity.draw_companion_in`): exactly the hosts with a
    companion in the window, with their companions (thinning). The judged window here is the
    hull over the living and remnant windows and all brighter limits (monotone: a star's own
    limit gets a window inside its shell's)."""
    from ..births.multiplicity import extra_bound, fraction_bound, q_renorm_bound, q_window_bounds
    from .windows import F_PAD, L_GRID, WINDOWS, draw_arrays, mass_table

    tab = mass_table(pop, band)
    C, nL = tab.x_lo.shape[1], tab.x_lo.shape[2]
    open_ = tab.x_hi[0] > tab.x_lo[0]                                   # (C, L)
    x_top = np.where(open_, tab.x_hi[0] / Q_MIN[model], 0.0)
    # the judged window: hull over the windows (padded as may_be_bright) and over brighter limits
    # (so a star's own limit, brighter than its shell's, gets a window inside the shell's)
    lo = np.full((C, nL), np.inf)
    hi = np.zeros((C, nL))
    for w in range(len(WINDOWS)):
        ok = tab.x_hi[w] > tab.x_lo[w]
        lo = np.where(ok, np.minimum(lo, tab.x_lo[w] * (1.0 - JUDGE_X_PAD)), lo)
        hi = np.where(ok, np.maximum(hi, tab.x_hi[w] * (1.0 + JUDGE_X_PAD)), hi)
    j_lo = np.minimum.accumulate(lo, axis=1)
    j_hi = np.maximum.accumulate(hi, axis=1)
    top = float(x_top.max(initial=_HOST_X_LO))
    k = max(1, math.ceil(math.log10(max(top, _HOST_X_LO * 1.0001) / _HOST_X_LO) * HOST_PARTS_PER_DEX))
    edges = _HOST_X_LO * 10.0 ** (np.arange(k + 1) / HOST_PARTS_PER_DEX)
    md_min, md_max = np.exp(tab.log_md.min(axis=(1, 2))), np.exp(tab.log_md.max(axis=(1, 2)))
    f_part = np.zeros((C, k))
    for t in np.linspace(0.0, 1.0, 17):
        md_t = (md_min ** (1.0 - t) * md_max ** t)[:, None]
        lo_m = np.clip(edges[None, :-1] * md_t, pop.imf.m_min, pop.imf.m_max)
        hi_m = np.clip(edges[None, 1:] * md_t, lo_m, pop.imf.m_max)
        f_part = np.maximum(f_part, pop.imf.cdf(hi_m) - pop.imf.cdf(lo_m))
    f_part *= 1.0 + F_PAD
    m_lo, m_hi = edges[None, :-1] * md_min[:, None], edges[None, 1:] * md_max[:, None]
    f_mult = fraction_bound(m_lo, m_hi, model)
    renorm = q_renorm_bound(m_lo, model)
    lam = extra_bound(m_lo, m_hi, model)
    q_nodes, q_bound = q_window_bounds(model)
    # each cell's rate at each limit: sum over the parts of envelope × IMF fraction
    rate = np.zeros((C, nL))
    jl = limit_index_of(L_GRID)
    _part_sums(j_lo, j_hi, x_top, jl, edges, f_part, f_mult, renorm, lam, q_nodes, q_bound, rate)
    f_max = np.stack([np.zeros((C, nL)), rate])         # (W, C, L): drawn as the 'remnant' window
    total, cum = draw_arrays(f_max, _cell_weights(tab))
    return HostTable(base=tab, model=model, edges=edges, f_part=f_part, f_mult=f_mult, renorm=renorm,
                     lam=lam, j_lo=j_lo, j_hi=j_hi, x_top=x_top, q_nodes=q_nodes, q_bound=q_bound, rate=rate,
                     total=total, cum=cum)


def limit_index_of(L) -> np.ndarray:
    """The column of the hosts' judged window (``HostTable.j_lo``, ``j_hi``) for an
    absolute-magnitude limit (a shell's, a star's own): ``JUDGE_MARGIN`` fainter."""
    from .windows import limit_index

    return limit_index(np.asarray(L, float) + JUDGE_MARGIN)


@nb.njit(cache=True, nogil=True, inline="always")
def _node_at_or_below(nodes, v):
    """The index of the last of the evenly spaced ``nodes`` at or below ``v`` (-1: none)."""
    n = nodes.shape[0]
    if v < nodes[0]:
        return -1
    i = min(int((v - nodes[0]) / (nodes[1] - nodes[0])), n - 1)
    while i > 0 and nodes[i] > v:
        i -= 1
    while i + 1 < n and nodes[i + 1] <= v:
        i += 1
    return i


@nb.njit(cache=True, nogil=True)
def _envelope(c, k, a, b, edges, f_mult, renorm, lam, q_nodes, q_bound):
    """The envelope of part ``k`` of cell ``c`` (see :func:`thinned_host_table`) for the
    companions' judged window x_c in [``a``, ``b``]: a bound on P(a companion in it | m1) over
    the part's masses, from the q range it allows, [a / its top, b / its bottom]: the largest
    multiplicity fraction × g(s, λ), s the bound on one companion's share of that range, λ the
    largest mean number of extra companions, g = 1 − (1 − s) e^(−λ s) (s where λ = 0: one
    companion), which rises with both (:func:`~starmaker.births.multiplicity._at_least_one_in`)."""
    if not (b > a):
        return 0.0
    nq = q_nodes.shape[0]
    qa, qb = a / edges[k + 1], b / edges[k]
    i = max(_node_at_or_below(q_nodes, qa), 0)            # a node at or below qa
    j = _node_at_or_below(q_nodes, qb)
    if j < 0:
        return 0.0
    if q_nodes[j] < qb:                                   # the node at or above qb
        j = min(j + 1, nq - 1)
    if j <= i:
        return 0.0
    s = min(1.0, q_bound[i, j] * renorm[c, k])
    if lam[c, k] > 0.0:
        s = -math.expm1(-lam[c, k] * s) + s * math.exp(-lam[c, k] * s)
    return min(1.0, f_mult[c, k] * s)


@nb.njit(cache=True, nogil=True)
def _part_sums(j_lo, j_hi, x_top, jl, edges, f_part, f_mult, renorm, lam, q_nodes, q_bound, rate):
    """Each cell's and limit's sum over the parts below the hosts' window's top of envelope ×
    IMF fraction (in the order :func:`_choose_parts` adds them: the same sums, bit for bit)."""
    K = f_part.shape[1]
    for c in range(rate.shape[0]):
        for L in range(rate.shape[1]):
            a, b, top = j_lo[c, jl[L]], j_hi[c, jl[L]], x_top[c, L]
            s = 0.0
            for k in range(K):
                if edges[k] >= top:
                    break
                s += _envelope(c, k, a, b, edges, f_mult, renorm, lam, q_nodes, q_bound) * f_part[c, k]
            rate[c, L] = s


@nb.njit(cache=True, nogil=True)
def _choose_parts(cell, il, jl, u, rate, j_lo, j_hi, x_top, edges, f_part, f_mult, renorm, lam, q_nodes,
                  q_bound, part, u_m, f_row, env_out):
    """Each drawn row's part, chosen by ``u`` in proportion to envelope × IMF fraction (their sum,
    ``rate``, is what its cell was drawn with: :func:`_part_sums`), the uniform number left
    (``u`` rescaled in the part), the part's IMF fraction bound and envelope (a row whose cell
    has no rate: a bound of inf, never kept). The parts are added from the bottom until ``u``'s
    share is reached (most rows stop in the first few: the IMF falls steeply)."""
    K = f_part.shape[1]
    for r in range(cell.shape[0]):
        c = cell[r]
        a, b, top = j_lo[c, jl[r]], j_hi[c, jl[r]], x_top[c, il[r]]
        v = u[r] * rate[c, il[r]]
        acc = 0.0
        chosen, w_c, e_c, found = -1, 0.0, 0.0, False
        for k in range(K):
            if edges[k] >= top:
                break
            e = _envelope(c, k, a, b, edges, f_mult, renorm, lam, q_nodes, q_bound)
            w = e * f_part[c, k]
            if w > 0.0:
                chosen, w_c, e_c = k, w, e
                if acc + w > v:
                    found = True
                    break
                acc += w
        if chosen < 0:
            part[r], u_m[r], f_row[r], env_out[r] = 0, 0.0, np.inf, 1.0
            continue
        if not found:  # (rounding at the top: the last part with a rate)
            acc -= w_c
        part[r] = chosen
        u_m[r] = min(max((v - acc) / w_c, 0.0), 1.0 - 1e-16)
        f_row[r] = f_part[c, chosen]
        env_out[r] = e_c


def _cell_weights(tab) -> np.ndarray:
    """Each cell's share of the population's births (age × [Fe/H]), as the tables were built:
    a Constant history is linear in age, the [Fe/H] cells hold their Gaussian quantiles."""
    span = tab.age_hi.max() - tab.age_lo.min()
    return (tab.age_hi - tab.age_lo) / span * (tab.q_hi - tab.q_lo)


def host_tables(plan) -> list:
    """The hosts' mass tables (:func:`host_table`), one per population of the plan."""
    return [host_table(pop, plan.lim.band, plan.multiplicity) for _, pop in plan.pops]



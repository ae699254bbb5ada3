"""Binaries and multiples: which primaries have companions, and the companions' mass ratio q,
orbital period P, eccentricity e and separation, drawn for millions of primaries at once.

Three recipes (``model=``):

``"moe2017"`` (default)
    Moe & Di Stefano (2017, ApJS 230, 15; "M&dS"), sect. 9: the analytic fits to the
    selection-corrected statistics of companions with q = M2/M1 ≥ 0.1 and 0.2 < log P (days) < 8
    to primaries of 0.8–40 M☉ —

    * the frequency of companions with q > 0.3 per decade of period, f_logP;q>0.3(M1, P),
      Eqs. 20–23 (with the slope α = 0.018 across log P = 2.7 ± 0.7 of their code's version 2);
    * the mass-ratio distribution, a broken power law q^γ_smallq (0.1 ≤ q < 0.3),
      q^γ_largeq (0.3 ≤ q ≤ 1), Eqs. 9–15, plus an excess fraction F_twin of twins
      (0.95 < q ≤ 1), Eqs. 5–7;
    * the eccentricity distribution p(e) ∝ e^η, Eqs. 17–18, up to e_max(P) = 1 − (P / 2 d)^(−2/3)
      (Eq. 3), turning linearly down to 0 over 0.8 e_max < e < e_max; orbits with P ≤ 2 d are
      circular.

    Periods are drawn over 0.15 < log P < 8 (as Moe's sampler; M&dS's f_mult counts from
    log P = 0.2). Like M&dS's own Monte Carlo code (its Python port is COSMIC's ``multidim`` sampler,
    Breivik et al. 2020, ApJ 898, 71), one companion is drawn per multiple system: the *inner*
    binary. A companion at period P is the inner one with probability 1 for log P ≤ 1.5 and
    1 − 0.11 (log P − 1.5)^1.43 (M1 / 10 M☉)^0.56 beyond (that code's approximation, which gives
    back the single-star fractions of M&dS sect. 9.4: 60 % for M1 = 1 M☉, 4–6 % for O stars).
    Outer tertiaries (mostly log P > 5, a ≳ 100 au, i.e. resolved beyond a few hundred pc only
    with Gaia-like resolution) are not drawn. Outside 0.8–40 M☉ (no corrected statistics):
    above 40 M☉ the 40 M☉ distributions; below 0.8 M☉ the 0.8 M☉ period and eccentricity
    distributions, the multiplicity fraction interpolated in log M1 down to 20 % at 0.08 M☉
    (as COSMIC's multidim since v3.5; M dwarfs: Winters et al. 2019, AJ 157, 216, 26.8 ± 1.4 %
    for 0.075–0.6 M☉) and the q distribution truncated at q ≥ 0.08 M☉ / M1 (no brown
    dwarfs). Primaries below 0.08 M☉ get no companion.

``"spisea"``
    SPISEA's ``MultiplicityUnresolved`` defaults (Hosek et al. 2020, AJ 160, 143; parameters of
    Lu et al. 2013, ApJ 764, 155): multiplicity fraction MF = min(0.44 M1^0.51, 1), companion
    star fraction CSF = min(0.50 M1^0.45, 3); a multiple has 1 + Poisson(CSF/MF − 1) companions,
    each with p(q) ∝ q^−0.4 on 0.01 ≤ q ≤ 1. No orbits (log P, e, separation are NaN): every
    companion is unresolved.

``"trilegal"``
    TRILEGAL (Girardi et al. 2005, A&A 436, 895): 30 % of the stars are unresolved binaries with
    q uniform in 0.7–1. No orbits (NaN), all unresolved.

``"none"``
    No companions.

Companions are born with their primary: same age, same [Fe/H], same place and motion (the
system's centre of mass is the primary's position). There is **no binary interaction** (no mass
transfer, mergers, common envelopes, stripped stars, blue stragglers): each star evolves as a
single star of its own initial mass. Index the primary's columns with ``out["primary"]``.

Mass budget. M&dS (and COSMIC, SPISEA) describe *primaries*: the masses the maker draws from
its IMF are read as primary masses, and each companion adds q M1. To keep a population's total
initial mass (the local mass density of a Galaxy component), draw primaries, draw companions,
then keep primaries in drawing order until primaries + companions reach the target:
:func:`trim_to_mass` (the stopping rule of COSMIC and SPISEA). The IMF of all stars then differs
from the input IMF by the companions (more low-mass stars), as it does in nature (the field IMF
of Kroupa 2001 was fitted to systems partly unresolved).
"""

from __future__ import annotations

from functools import lru_cache

import numba as nb
import numpy as np

from ..errors import InvalidParameterError, UnknownNameError

__all__ = [
    "MODELS",
    "draw_companions",
    "draw_companions_keyed",
    "multiplicity_fraction",
    "companion_frequency",
    "twin_fraction",
    "combine_unresolved",
    "unresolved",
    "trim_to_mass",
    "separation_au",
]

MODELS = ("moe2017", "spisea", "trilegal", "none")

#: M&dS's corrected range of primary masses (M☉), periods (log10 days) and mass ratios; periods
#: are drawn from 10^0.15 d (Moe's sampler, as COSMIC's multidim), M&dS's f_mult counts from 10^0.2 d
M1_LO, M1_HI = 0.8, 40.0
LOGP_LO, LOGP_HI = 0.15, 8.0
LOGP_FMULT = 0.2
Q_LO = 0.1
#: the smallest companion (M☉): hydrogen burning limit, as M&dS's and COSMIC's samplers
M2_MIN = 0.08
#: TRILEGAL (Girardi et al. 2005, A&A 436, 895): the share of stars that are binaries, and their
#: mass ratios, uniform from TRILEGAL_Q_LO over TRILEGAL_Q_WIDTH (0.7–1)
TRILEGAL_FRACTION, TRILEGAL_Q_LO, TRILEGAL_Q_WIDTH = 0.3, 0.7, 0.3
#: multiplicity fraction at M1 = 0.08 M☉ below the corrected range (COSMIC multidim, v3.5+)
LOW_MASS_FRACTION = 0.20

_N_M = 61
_DLOGP = 0.05
_N_Q = 181  # q step 0.005: 0.3 and 0.95 are nodes
_N_E = 200
_DAYS_PER_YEAR = 365.25


def _power_integral(g, a, b):
    """∫_a^b q^g dq, elementwise; the g = −1 limit (ln b/a) where |g + 1| is tiny."""
    g = np.asarray(g, float)
    g1 = g + 1.0
    near = np.abs(g1) < 1e-8
    safe = np.where(near, 1.0, g1)
    return np.where(near, np.log(b / a), (np.power(b, safe) - np.power(a, safe)) / safe)


def _gamma_large(logm, logp):
    """γ_largeq(M1, P): M&dS Eqs. 9 (M1 ≤ 1.2), 10 (M1 = 3.5), 11 (M1 ≥ 6), interpolated in
    log M1 between."""
    g12 = np.where(logp <= 5.0, -0.5, -0.5 - 0.3 * (logp - 5.0))
    g35 = np.select([logp <= 1.0, logp <= 4.5, logp <= 6.5],
                    [-0.5, -0.5 - 0.2 * (logp - 1.0), -1.2 - 0.4 * (logp - 4.5)], -2.0)
    g6 = np.select([logp <= 1.0, logp <= 2.0, logp <= 4.0],
                   [-0.5, -0.5 - 0.9 * (logp - 1.0), -1.4 - 0.3 * (logp - 2.0)], -2.0)
    return _piecewise_m(logm, g12, g35, g6)


def _gamma_small(logm, logp):
    """γ_smallq(M1, P): M&dS Eqs. 13 (M1 ≤ 1.2), 14 (M1 = 3.5), 15 (M1 ≥ 6)."""
    g12 = np.full(np.shape(logp), 0.3)
    g35 = np.select([logp <= 2.5, logp <= 5.5], [0.2, 0.2 - 0.3 * (logp - 2.5)],
                    -0.7 - 0.2 * (logp - 5.5))
    g6 = np.select([logp <= 1.0, logp <= 3.0, logp <= 5.6],
                   [0.1, 0.1 - 0.15 * (logp - 1.0), -0.2 - 0.5 * (logp - 3.0)], -1.5)
    return _piecewise_m(logm, g12, g35, g6)


def _piecewise_m(logm, v12, v35, v6):
    """Value at M1 ≤ 1.2, = 3.5, ≥ 6 M☉, linear in log M1 between (M&dS sect. 9.1)."""
    l12, l35, l6 = np.log10(1.2), np.log10(3.5), np.log10(6.0)
    t1 = np.clip((logm - l12) / (l35 - l12), 0.0, 1.0)
    t2 = np.clip((logm - l35) / (l6 - l35), 0.0, 1.0)
    return np.where(logm <= l35, v12 + t1 * (v35 - v12), v35 + t2 * (v6 - v35))


def _f_twin(logm, logp):
    """Excess twin fraction F_twin(M1, P) among companions with q > 0.3: M&dS Eqs. 5–7."""
    m = 10.0**logm
    f1 = 0.3 - 0.15 * logm  # Eq. 6
    lp_twin = np.where(m < 6.5, 8.0 - m, 1.5)  # Eq. 7
    f = np.where(logp <= 1.0, f1, f1 * (1.0 - (logp - 1.0) / (lp_twin - 1.0)))
    return np.clip(np.where(logp >= lp_twin, 0.0, f), 0.0, None)


def _f_logp_q03(logm, logp):
    """Companions with q > 0.3 per decade of period, f_logP;q>0.3(M1, P): M&dS Eqs. 20–23."""
    x = logm
    f1 = 0.020 + 0.04 * x + 0.07 * x**2  # Eq. 20, log P < 1
    f27 = 0.039 + 0.07 * x + 0.01 * x**2  # Eq. 21, log P = 2.7
    f55 = 0.078 - 0.05 * x + 0.04 * x**2  # Eq. 22, log P = 5.5
    alpha, dlp = 0.018, 0.7
    return np.select(
        [logp <= 1.0, logp <= 2.7 - dlp, logp <= 2.7 + dlp, logp <= 5.5],
        [f1,
         f1 + (logp - 1.0) / (1.7 - dlp) * (f27 - f1 - alpha * dlp),
         f27 + alpha * (logp - 2.7),
         f27 + alpha * dlp + (logp - 2.7 - dlp) / (2.8 - dlp) * (f55 - f27 - alpha * dlp)],
        f55 * np.exp(-0.3 * (logp - 5.5)),
    )


def _q_cdf(gl, gs, ft, q):
    """CDF over 0.1 ≤ q ≤ 1 (last axis of ``q``) and the factor (all q > 0.1) / (q > 0.3),
    for slopes γ_largeq ``gl``, γ_smallq ``gs`` and twin fraction ``ft`` (broadcast): the
    q > 0.3 part normalised to 1, the twins uniform in 0.95–1, continuous at q = 0.3."""
    gl, gs, ft = (np.asarray(a, float)[..., None] for a in (gl, gs, ft))
    n_l = _power_integral(gl, 0.3, 1.0)
    p03 = (1.0 - ft) * 0.3**gl / n_l  # the density just above q = 0.3
    small_total = p03 * 0.3 ** (-gs) * _power_integral(gs, Q_LO, 0.3)
    qs = np.minimum(q, 0.3)
    ql = np.maximum(q, 0.3)
    small = p03 * 0.3 ** (-gs) * _power_integral(gs, Q_LO, qs)
    large = (1.0 - ft) * _power_integral(gl, 0.3, ql) / n_l + ft * np.clip((q - 0.95) / 0.05, 0.0, 1.0)
    cdf = np.where(q < 0.3, small, small_total + large)
    total = small_total + 1.0
    return cdf / total, total[..., 0]


def _eta(logm, logp):
    """Power-law index η of p(e) ∝ e^η: M&dS Eq. 17 (M1 ≤ 3) and 18 (M1 ≥ 7), linear in log M1
    between; below log P = 0.7 the values at 0.7."""
    lp = np.maximum(logp, 0.7)
    e3 = 0.6 - 0.7 / (lp - 0.5)
    e7 = 0.9 - 0.2 / (lp - 0.5)
    t = np.clip((logm - np.log10(3.0)) / (np.log10(7.0) - np.log10(3.0)), 0.0, 1.0)
    return e3 + t * (e7 - e3)


def _e_max(logp):
    """Largest eccentricity at period P (M&dS Eq. 3): 1 − (P / 2 d)^(−2/3), 0 for P ≤ 2 d."""
    return np.clip(1.0 - (10.0**logp / 2.0) ** (-2.0 / 3.0), 0.0, None)


@lru_cache(maxsize=1)
def _tables():
    """The M&dS distributions tabulated on (log M1, log P, q / e) grids, once."""
    logm = np.linspace(np.log10(M1_LO), np.log10(M1_HI), _N_M)
    logp = np.arange(LOGP_LO, LOGP_HI + _DLOGP / 2, _DLOGP)
    q = np.linspace(Q_LO, 1.0, _N_Q)
    LM, LP = np.meshgrid(logm, logp, indexing="ij")
    gl, gs, ft = _gamma_large(LM, LP), _gamma_small(LM, LP), _f_twin(LM, LP)
    qcdf, qfac = _q_cdf(gl, gs, ft, q)
    f_all = _f_logp_q03(LM, LP) * qfac  # companions with q > 0.1 per decade
    prob_inner = np.where(LP <= 1.5, 1.0,
                          np.clip(1.0 - 0.11 * np.clip(LP - 1.5, 0, None) ** 1.43
                                  * (10.0**LM / 10.0) ** 0.56, 0.0, 1.0))
    f_bin = f_all * prob_inner
    # cumulative over log P, trapezoid
    cum = np.concatenate([np.zeros((_N_M, 1)),
                          np.cumsum(0.5 * (f_bin[:, 1:] + f_bin[:, :-1]) * _DLOGP, axis=1)], axis=1)
    binfrac = cum[:, -1]
    from_02 = logp >= LOGP_FMULT - 1e-9
    comp_freq = np.trapezoid(f_all[:, from_02], logp[from_02], axis=1)
    pcdf = cum / binfrac[:, None]
    # eccentricities: e^η up to 0.8 e_max, linear to 0 at e_max; grid from 1e-4 (η can be < −1)
    e = np.linspace(0.0, 0.99, _N_E) + 1e-4
    emax = _e_max(LP)[..., None]
    eta = _eta(LM, LP)[..., None]
    pe = np.power(e, eta)
    knee = np.power(np.maximum(0.8 * emax, 1e-4), eta)
    pe = np.where(e < 0.8 * emax, pe, knee * np.clip((emax - e) / np.maximum(0.2 * emax, 1e-12), 0, 1))
    pe[..., 0] = np.where(pe[..., 1:].sum(-1) > 0, pe[..., 0], 1.0)  # circular rows: mass at e≈0
    ecum = np.concatenate([np.zeros(pe.shape[:-1] + (1,)),
                           np.cumsum(0.5 * (pe[..., 1:] + pe[..., :-1]) * np.diff(e), axis=-1)], axis=-1)
    ecdf = ecum / ecum[..., -1:]
    return dict(logm=logm, logp=logp, q=q, e=e, qcdf=qcdf, pcdf=pcdf, binfrac=binfrac,
                comp_freq=comp_freq, ecdf=ecdf, ftwin=ft)


def _check_masses(m1_msun) -> np.ndarray:
    m1 = np.asarray(m1_msun, float)
    if m1.ndim > 1 or not np.all(np.isfinite(m1)) or np.any(m1 <= 0):
        raise InvalidParameterError("m1_msun", "array with non-finite or non-positive values" if m1.size
                                    else m1_msun, "a 1-D array of finite positive primary masses in M☉")
    return np.atleast_1d(m1)


def _low_mass_scale(m1):
    """Factor on M&dS's 0.8 M☉ multiplicity below 0.8 M☉: the fraction goes linearly in log M1
    from 20 % at 0.08 M☉ to M&dS's value at 0.8 M☉; 0 below 0.08 M☉."""
    t = _tables()
    f08 = t["binfrac"][0]
    target = np.interp(np.log10(np.maximum(m1, 1e-3)), np.log10([M2_MIN, M1_LO]), [LOW_MASS_FRACTION, f08])
    return np.where(m1 < M2_MIN, 0.0, np.where(m1 < M1_LO, target / f08, 1.0))


def multiplicity_fraction(m1_msun, model: str = "moe2017") -> np.ndarray:
    """Expected fraction of primaries of mass ``m1_msun`` (M☉) that have at least one companion
    (1 − the single-star fraction F_n=0 of M&dS sect. 9.4; inner companions with q ≥ 0.1 and
    0.15 < log P < 8 for ``"moe2017"``, as drawn)."""
    model = _check_model(model)
    m1 = _check_masses(m1_msun)
    if model == "moe2017":
        t = _tables()
        return np.interp(np.log10(m1), t["logm"], t["binfrac"]) * _low_mass_scale(m1)
    if model == "spisea":
        return np.minimum(0.44 * m1**0.51, 1.0)
    if model == "trilegal":
        return np.full(m1.shape, TRILEGAL_FRACTION)
    return np.zeros(m1.shape)


def companion_frequency(m1_msun, model: str = "moe2017") -> np.ndarray:
    """Expected number of companions per primary (M&dS's f_mult, all companions with q ≥ 0.1 and
    0.2 < log P < 8, inner and outer, Eqs. 20–23 integrated over P with the q > 0.1 / q > 0.3
    factor). For ``"moe2017"`` this counts the outer tertiaries that :func:`draw_companions`
    does not draw; for the other models it is the mean number drawn."""
    model = _check_model(model)
    m1 = _check_masses(m1_msun)
    if model == "moe2017":
        t = _tables()
        return np.interp(np.log10(m1), t["logm"], t["comp_freq"]) * _low_mass_scale(m1)
    if model == "spisea":
        return np.minimum(0.50 * m1**0.45, 3.0) * (m1 > 0)
    return multiplicity_fraction(m1, model)


def twin_fraction(m1_msun, log_p_days) -> np.ndarray:
    """M&dS's excess twin fraction F_twin (Eqs. 5–7): the share of companions with q > 0.3 that
    are in the twin excess at 0.95 < q ≤ 1 (above the power law), for primaries in 0.8–40 M☉."""
    m1 = np.clip(_check_masses(m1_msun), M1_LO, M1_HI)
    return _f_twin(np.log10(m1), np.asarray(log_p_days, float))


def _check_model(model: str) -> str:
    if model not in MODELS:
        raise UnknownNameError("multiplicity model", model, MODELS)
    return model


_OFFSET_ROWS: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _offset_rows(cdf: np.ndarray) -> np.ndarray:
    """The rows of ``cdf`` flattened, row r offset by 2r (one sorted array to search), kept for the
    few tables drawn from again and again (the survey draws per pixel: building this each call
    cost more than the draws)."""
    hit = _OFFSET_ROWS.get(id(cdf))
    if hit is not None and hit[0] is cdf:
        return hit[1]
    n = cdf.shape[-1]
    flat = (cdf.reshape(-1, n) + 2.0 * np.arange(cdf.size // n)[:, None]).ravel()
    if len(_OFFSET_ROWS) < 16:
        _OFFSET_ROWS[id(cdf)] = (cdf, flat)  # holds cdf: its id is not reused
    return flat


def _inverse_cdf_rows(cdf: np.ndarray, x: np.ndarray, rows: np.ndarray, u: np.ndarray) -> np.ndarray:
    """x where each row's tabulated CDF (rows of ``cdf``, non-decreasing from 0 to 1, on the
    common grid ``x``) reaches u; linear between grid nodes. Vectorised over many rows at once."""
    n = cdf.shape[-1]
    flat = _offset_rows(cdf)
    rows = np.asarray(rows, np.int64)
    v = np.asarray(u + 2.0 * rows, float)
    j = np.empty(v.shape, np.int64)
    _search_rows(flat, n, np.ascontiguousarray(rows.ravel()), np.ascontiguousarray(v.ravel()), j.reshape(-1))
    j -= 1
    k = np.clip(j - rows * n, 0, n - 2)
    base = rows * n + k
    c0, c1 = flat[base] - 2.0 * rows, flat[base + 1] - 2.0 * rows
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(c1 > c0, (u - c0) / (c1 - c0), 0.0)
    return x[k] + np.clip(frac, 0.0, 1.0) * (x[k + 1] - x[k])


@nb.njit(cache=True, nogil=True)
def _search_rows(flat, n, rows, v, out):
    """``np.searchsorted(flat, v, side="right")`` for ``flat`` the offset rows of a CDF table
    (:func:`_offset_rows`) and each v in (2 row, 2 row + 1): the answer lies in its row's n
    entries or just past them (the row before ends at 2 row − 1, the next starts at 2 row + 2),
    so each is searched for there, the same index found without searching the whole table."""
    for i in range(v.shape[0]):
        lo = rows[i] * n
        hi = lo + n
        while lo < hi:
            mid = (lo + hi) >> 1
            if flat[mid] <= v[i]:
                lo = mid + 1
            else:
                hi = mid
        out[i] = lo


def _cdf_at(cdf: np.ndarray, x: np.ndarray, rows: np.ndarray, xv: np.ndarray) -> np.ndarray:
    """Each row's tabulated CDF at xv (linear between nodes)."""
    n = cdf.shape[-1]
    flat = cdf.reshape(-1, n)
    k = np.clip(np.searchsorted(x, xv, side="right") - 1, 0, n - 2)
    t = np.clip((xv - x[k]) / (x[k + 1] - x[k]), 0.0, 1.0)
    return flat[rows, k] + t * (flat[rows, k + 1] - flat[rows, k])


def _stochastic_node(v, nodes, u):
    """Index of a grid node for each v: the lower or upper neighbour, with the probability of
    linear interpolation (``u``: a uniform number each), so that draws from the chosen nodes'
    distributions follow the distribution interpolated linearly between nodes."""
    v = np.clip(v, nodes[0], nodes[-1])
    k = np.clip(np.searchsorted(nodes, v, side="right") - 1, 0, len(nodes) - 2)
    w = (v - nodes[k]) / (nodes[k + 1] - nodes[k])
    return k + (u < w)


def separation_au(m1_msun, m2_msun, log_p_days) -> np.ndarray:
    """Semi-major axis (au) of the relative orbit from Kepler's third law,
    a³ = (M1 + M2) P² with a in au, M in M☉, P in years (Julian, 365.25 d)."""
    p_yr = 10.0 ** np.asarray(log_p_days, float) / _DAYS_PER_YEAR
    return np.cbrt((np.asarray(m1_msun, float) + np.asarray(m2_msun, float)) * p_yr**2)


def draw_companions(m1_msun, rng: np.random.Generator, model: str = "moe2017") -> dict[str, np.ndarray]:
    """Companions for the primaries of mass ``m1_msun`` (M☉, 1-D), drawn with ``rng``.

    Returns a dict of equal-length arrays, one entry per companion:

    ``primary`` (int64, index into ``m1_msun``), ``q`` (M2/M1), ``m2_msun``, ``log_p_days``
    (log10 of the orbital period in days), ``e`` (eccentricity), ``separation_au`` (semi-major
    axis of the relative orbit, Kepler's third law). ``log_p_days``, ``e`` and
    ``separation_au`` are NaN for the recipes without orbits (``"spisea"``, ``"trilegal"``).
    ``"moe2017"`` and ``"trilegal"`` give at most one companion per primary, ``"spisea"``
    possibly several (sorted by primary). See the module docstring for the recipes and what the
    companions share with their primary (age, [Fe/H], position; no interaction).
    """
    model = _check_model(model)
    m1 = _check_masses(m1_msun)
    if not isinstance(rng, np.random.Generator):
        raise InvalidParameterError("rng", rng, "a numpy.random.Generator (numpy.random.default_rng(seed))")
    return _draw(m1, model, lambda col, idx: rng.random(len(idx)), rng.poisson)


#: the most uniform numbers a keyed draw reads per primary (:func:`draw_companions_keyed`)
KEYED_COLUMNS = 64


def draw_companions_keyed(m1_msun, uniforms, model: str = "moe2017") -> dict[str, np.ndarray]:
    """:func:`draw_companions`, each primary's companions from uniform numbers of its own:
    ``uniforms(col, idx)`` gives, for the primaries ``idx``, their number ``col`` (an int, or one
    per primary), 0 ≤ col < ``KEYED_COLUMNS``. A primary's companions then depend on nothing but
    its own numbers (not on the other primaries drawn with it). Columns: 0 multiplicity; moe2017
    1 mass node, 2 period, 3 period node, 4 q, 5 e; trilegal 1 q; spisea 1 the number of
    companions (Poisson by its inverse CDF, capped at ``KEYED_COLUMNS`` − 2: for λ ≤ 2 a
    probability below 1e-60), 2 + j the j-th companion's q."""
    return _draw(_check_masses(m1_msun), _check_model(model), uniforms, None)


def _draw(m1: np.ndarray, model: str, uni, poisson) -> dict[str, np.ndarray]:
    """The draws of :func:`draw_companions` from ``uni(col, idx)`` (uniform numbers for the
    primaries ``idx``, draw ``col``) and ``poisson`` (a generator's, or None: by inverse CDF
    from column 1)."""
    n = m1.size
    if model == "none" or n == 0:
        return _result(np.zeros(0, np.int64), np.zeros(0), m1)
    every = np.arange(n)
    if model == "trilegal":
        idx = np.flatnonzero(uni(0, every) < TRILEGAL_FRACTION)
        q = TRILEGAL_Q_LO + TRILEGAL_Q_WIDTH * uni(1, idx)
        return _result(idx, q, m1)
    if model == "spisea":
        mf = multiplicity_fraction(m1, "spisea")
        multiple = uni(0, every) < mf
        lam = _spisea_extra_mean(m1[multiple])
        count = np.zeros(n, np.int64)
        if poisson is not None:
            count[multiple] = 1 + poisson(lam)
        else:
            from scipy.stats import poisson as poisson_dist

            k = poisson_dist.ppf(uni(1, np.flatnonzero(multiple)), np.maximum(lam, 1e-300))
            count[multiple] = 1 + np.minimum(np.where(lam > 0, k, 0.0), KEYED_COLUMNS - 3).astype(np.int64)
        idx = np.repeat(np.arange(n), count)
        j = np.arange(idx.size) - np.searchsorted(idx, idx, side="left")  # the companion's number
        return _result(idx, _spisea_q_ppf(uni(2 + j, idx)), m1)
    return _draw_moe2017(m1, uni)


#: SPISEA's mass ratios (Lu et al. 2013, as SPISEA's MultiplicityUnresolved): p(q) ∝ q^SPISEA_Q_POWER
#: on SPISEA_Q_LO ≤ q ≤ 1
SPISEA_Q_LO, SPISEA_Q_POWER = 0.01, -0.4


def _spisea_extra_mean(m1: np.ndarray) -> np.ndarray:
    """λ = CSF / MF − 1 (≥ 0): the mean number of companions beyond the first of a ``"spisea"``
    multiple (Lu et al. 2013: CSF = min(0.50 M1^0.45, 3), MF = min(0.44 M1^0.51, 1))."""
    return np.clip(companion_frequency(m1, "spisea") / multiplicity_fraction(m1, "spisea") - 1.0, 0.0, None)


def _spisea_q_ppf(u):
    """SPISEA's q from a uniform number: the closed-form inverse CDF of p(q) ∝ q^−0.4 on [0.01, 1]."""
    b = 1.0 + SPISEA_Q_POWER
    return (u * (1.0 - SPISEA_Q_LO**b) + SPISEA_Q_LO**b) ** (1.0 / b)


def _spisea_q_cdf(q):
    """The CDF of SPISEA's q (:func:`_spisea_q_ppf`'s inverse), q clipped to [0.01, 1]."""
    b = 1.0 + SPISEA_Q_POWER
    q = np.clip(q, SPISEA_Q_LO, 1.0)
    return (q**b - SPISEA_Q_LO**b) / (1.0 - SPISEA_Q_LO**b)


def _node_and_period(t: dict, m1: np.ndarray, uni, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """M&dS's mass node for primaries of mass ``m1`` (keyed column 1), the inner binary's period
    from that node's cumulative distribution (column 2) and its period node (column 3): log P
    and the row of the q and e tables."""
    logm = np.log10(np.clip(m1, M1_LO, M1_HI))
    im = _stochastic_node(logm, t["logm"], uni(1, idx))
    logp = _inverse_cdf_rows(t["pcdf"], t["logp"], im, uni(2, idx))
    ip = _stochastic_node(logp, t["logp"], uni(3, idx))
    return logp, im * t["logp"].size + ip


def _draw_moe2017(m1: np.ndarray, uni) -> dict[str, np.ndarray]:
    t = _tables()
    has = uni(0, np.arange(m1.size)) < multiplicity_fraction(m1)
    idx = np.flatnonzero(has)
    mp = m1[idx]
    logp, row = _node_and_period(t, mp, uni, idx)
    # mass ratio; below 0.8 M☉ only q ≥ 0.08 M☉ / M1 (a star, not a brown dwarf)
    q_min = np.maximum(Q_LO, M2_MIN / mp)
    c_min = np.where(q_min > Q_LO, _cdf_at(t["qcdf"], t["q"], row, q_min), 0.0)
    u = c_min + (1.0 - c_min) * uni(4, idx)
    q = np.maximum(_inverse_cdf_rows(t["qcdf"], t["q"], row, u), q_min)
    # eccentricity, ≤ e_max(P); circular for P ≤ 2 d
    e = _inverse_cdf_rows(t["ecdf"], t["e"], row, uni(5, idx))
    e = np.minimum(e, _e_max(logp))
    return _result(idx, q, m1, logp, e)


#: the models whose primaries have at most one companion
ONE_COMPANION = ("moe2017", "trilegal")
#: the models :func:`draw_companion_in` draws for (companions conditioned on one in a window):
#: the survey draws their binaries' hosts thinned (:func:`~starmaker.galaxy.hosts.thinned_host_table`)
IN_WINDOW = ("moe2017", "trilegal", "spisea")


def draw_companion_in(m1_msun, q_lo, q_hi, uniforms, model: str = "moe2017") -> dict[str, np.ndarray]:
    """For each primary of mass ``m1_msun``, its companions drawn as :func:`draw_companions_keyed`
    would draw them but conditioned on at least one existing with its mass ratio in
    [``q_lo``, ``q_hi``], and ``p`` (one per primary): the probability of that, given what was
    drawn before q. Accepting a primary with probability ``p`` / (a bound on ``p``), then keeping
    these companions, gives exactly the primaries with a companion in the window, with all their
    companions (the survey's hosts: :mod:`starmaker.galaxy.systems`). ``p`` = 0 where the window
    is empty. Models: ``IN_WINDOW``.

    * ``"moe2017"`` (one companion; the same ``uniforms(col, idx)`` columns as
      :func:`draw_companions_keyed`): p = the multiplicity fraction × the share of the drawn mass
      node's and period's q distribution in the window (below 0.8 M☉ of its part above
      0.08 M☉ / M1). One row per primary.
    * ``"trilegal"`` (one companion, column 1 its q): p = 0.3 × the window's share of 0.7–1.
      One row per primary.
    * ``"spisea"`` (:func:`_spisea_in`): p = MF (1 − (1 − s) e^(−λ s)), s the window's share of
      p(q) ∝ q^−0.4 on [0.01, 1], λ = CSF / MF − 1; several rows per primary (sorted by
      primary, none where p = 0)."""
    m1 = _check_masses(m1_msun)
    if model not in IN_WINDOW:
        raise UnknownNameError("model drawn in a window", model, IN_WINDOW)
    every = np.arange(m1.size)
    q_lo = np.broadcast_to(np.asarray(q_lo, float), m1.shape)
    q_hi = np.broadcast_to(np.asarray(q_hi, float), m1.shape)
    if model == "spisea":
        return _spisea_in(m1, q_lo, q_hi, uniforms)
    if model == "trilegal":
        qa, qb = np.maximum(q_lo, TRILEGAL_Q_LO), np.minimum(q_hi, 1.0)
        width = np.clip(qb - qa, 0.0, None)
        q = np.clip(qa + width * uniforms(1, every), qa, np.maximum(qa, qb))
        return {**_result(every, q, m1), "p": TRILEGAL_FRACTION * (width / TRILEGAL_Q_WIDTH)}
    t = _tables()
    logp, row = _node_and_period(t, m1, uniforms, every)
    q_min = np.maximum(Q_LO, M2_MIN / m1)
    c_min = np.where(q_min > Q_LO, _cdf_at(t["qcdf"], t["q"], row, q_min), 0.0)
    qa = np.minimum(np.maximum(q_lo, q_min), 1.0)
    qb = np.clip(q_hi, qa, 1.0)
    ca = _cdf_at(t["qcdf"], t["q"], row, qa)
    cb = np.maximum(_cdf_at(t["qcdf"], t["q"], row, qb), ca)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(c_min < 1.0, (cb - ca) / (1.0 - c_min), 0.0)
    p = multiplicity_fraction(m1) * share
    q = np.clip(_inverse_cdf_rows(t["qcdf"], t["q"], row, ca + (cb - ca) * uniforms(4, every)), qa, qb)
    e = np.minimum(_inverse_cdf_rows(t["ecdf"], t["e"], row, uniforms(5, every)), _e_max(logp))
    return {**_result(every, q, m1, logp, e), "p": p}


#: the most companions :func:`_spisea_in` draws per primary (its q columns, 3 … 62; column 63 is
#: left to the caller: the survey's acceptance, ``systems.ACCEPT_COLUMN``)
SPISEA_IN_MAX = KEYED_COLUMNS - 4


def _spisea_in(m1: np.ndarray, q_lo: np.ndarray, q_hi: np.ndarray, uniforms) -> dict[str, np.ndarray]:
    """``"spisea"``'s companions conditioned on at least one in [q_lo, q_hi] (see
    :func:`draw_companion_in`). A multiple (probability MF) has 1 + N companions, N ~ Poisson(λ),
    each q i.i.d. from p(q), in the window with probability s. By Poisson thinning the N extra
    companions are N_in ~ Poisson(λ s) in the window and, independently, N_out ~ Poisson(λ (1 − s))
    outside; so P(none in | multiple) = (1 − s) e^(−λ s) and p = MF (1 − (1 − s) e^(−λ s)).
    Given at least one in: the first companion is in with probability s / (1 − (1 − s) e^(−λ s));
    if it is, N_in ~ Poisson(λ s) freely, else N_in ~ Poisson(λ s) truncated at zero; N_out ~
    Poisson(λ (1 − s)) in both cases; the extras come in a uniformly random order of in and out
    (as the free draw's i.i.d. companions do), each q from p(q) restricted to the window or to its
    complement in [0.01, 1] (closed-form inverse CDFs). Keyed columns: 0 whether the first is in
    the window, 1 N_in, 2 N_out (inverse CDFs), 3 + j the j-th companion's q (j = 0 the first;
    for an extra the same number first chooses in or out, with probability (ins left) / (extras
    left), and is rescaled to a uniform number for q). At most ``SPISEA_IN_MAX`` companions (60:
    for λ ≤ 2 more has a probability below 1e-50; the free draw caps at 62)."""
    qa = np.clip(q_lo, SPISEA_Q_LO, 1.0)
    qb = np.clip(q_hi, qa, 1.0)
    fa, fb = _spisea_q_cdf(qa), _spisea_q_cdf(qb)
    s = np.clip(fb - fa, 0.0, 1.0)
    lam = _spisea_extra_mean(m1)
    pin = _at_least_one_in(s, lam)
    p = multiplicity_fraction(m1, "spisea") * pin
    idx = np.flatnonzero(pin > 0.0)
    si, li, fai = s[idx], lam[idx], fa[idx]
    with np.errstate(invalid="ignore", divide="ignore"):
        first_in = uniforms(0, idx) < si / pin[idx]
    n_in = _poisson_inverse(uniforms(1, idx), li * si, np.where(first_in, 0, 1), SPISEA_IN_MAX - 1)
    n_out = _poisson_inverse(uniforms(2, idx), li * (1.0 - si), np.zeros(idx.size, np.int64),
                             SPISEA_IN_MAX - 1 - n_in)
    count = 1 + n_in + n_out
    rows = np.repeat(np.arange(idx.size), count)
    j = np.arange(rows.size) - np.searchsorted(rows, rows, side="left")  # the companion's number
    inside = np.zeros(rows.size, bool)
    u = np.empty(rows.size)
    first = j == 0
    inside[first] = first_in
    u[first] = uniforms(3, idx)
    # the extras in turn: in with probability (ins left) / (extras left), the number rescaled
    ins_left, left = n_in.astype(float), (n_in + n_out).astype(float)
    start = np.searchsorted(rows, np.arange(idx.size), side="left")
    for k in range(1, int(count.max(initial=1))):
        h = np.flatnonzero(count > k)
        pr = ins_left[h] / left[h]
        v = uniforms(3 + k, idx[h])
        ins = v < pr
        with np.errstate(invalid="ignore", divide="ignore"):
            u[start[h] + k] = np.where(ins, v / pr, (v - pr) / (1.0 - pr))
        inside[start[h] + k] = ins
        ins_left[h] -= ins
        left[h] -= 1.0
    u = np.clip(u, 0.0, 1.0)
    r = rows
    q_in = _spisea_q_ppf(fai[r] + si[r] * u)
    v = (1.0 - si[r]) * u  # the complement: [0.01, qa) then (qb, 1]
    q_out = _spisea_q_ppf(np.where(v < fai[r], v, v + si[r]).clip(0.0, 1.0))
    q = np.where(inside, np.clip(q_in, qa[idx][r], qb[idx][r]), q_out)
    return {**_result(idx[r], q, m1), "p": p}


def _at_least_one_in(s, lam):
    """P(at least one companion in a window | multiple) for a window's share ``s`` of each
    companion's q distribution and ``lam`` the mean number of extra companions: 1 − (1 − s)
    e^(−λ s), written (1 − e^(−λ s)) + s e^(−λ s) (no cancellation for small s; s where λ = 0).
    It rises with s (its derivative e^(−λ s) (1 + λ (1 − s)) > 0) and with λ (s (1 − s) e^(−λ s)
    ≥ 0) for 0 ≤ s ≤ 1, so bounds on both bound it (``hosts._envelope`` computes the same)."""
    s, lam = np.asarray(s, float), np.asarray(lam, float)
    return -np.expm1(-lam * s) + s * np.exp(-lam * s)


def _poisson_inverse(u, mu, start, cap):
    """The inverse CDF of Poisson(``mu``) at ``u`` (``start`` 0), or of Poisson(``mu``) truncated
    at zero (``start`` 1: P(k) = e^−μ μ^k / (k! (1 − e^−μ)), k ≥ 1), capped at ``cap``: the least
    k ≥ start whose CDF exceeds u (summed term by term: μ ≤ 2 here, few terms)."""
    u, mu = np.asarray(u, float), np.asarray(mu, float)
    k = np.asarray(start, np.int64).copy()
    cap = np.broadcast_to(np.asarray(cap, np.int64), k.shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        zt = np.where(mu > 0.0, mu * np.exp(-mu) / -np.expm1(-mu), 1.0)
    term = np.where(k == 0, np.exp(-mu), zt)
    cdf = term.copy()
    live = np.flatnonzero((u >= cdf) & (k < cap))
    while live.size:
        k[live] += 1
        term[live] *= mu[live] / k[live]
        cdf[live] += term[live]
        live = live[(u[live] >= cdf[live]) & (k[live] < cap[live])]
    return np.minimum(k, np.maximum(cap, start))


@lru_cache(maxsize=4)
def q_window_bounds(model: str) -> tuple[np.ndarray, np.ndarray]:
    """Nodes q_i and a table B[i, j] ≥ the share of any companion's q distribution (any mass node
    and period of ``"moe2017"``, before the cut below 0.8 M☉: :func:`q_renorm_bound`) in
    [q_i, q_j]: so the share in [qa, qb] is at most B[i, j] for q_i ≤ qa, q_j ≥ qb (each row's
    CDF is non-decreasing and linear between its nodes, the very nodes of the draw). ``"spisea"``:
    its one q distribution's exact share between nodes 0.001 apart from 0.01 to 1 (its CDF,
    :func:`_spisea_q_cdf`, the draw's, rises: the share of [qa, qb] is at most that of [q_i, q_j])."""
    if model == "trilegal":
        q = np.linspace(TRILEGAL_Q_LO, 1.0, 121)
        return q, np.clip((q[None, :] - q[:, None]) / TRILEGAL_Q_WIDTH, 0.0, 1.0)
    if model == "spisea":
        q = np.linspace(SPISEA_Q_LO, 1.0, 991)
        c = _spisea_q_cdf(q)
        return q, np.clip(c[None, :] - c[:, None], 0.0, 1.0)
    if model != "moe2017":
        raise UnknownNameError("model drawn in a window", model, IN_WINDOW)
    t = _tables()
    c = t["qcdf"].reshape(-1, t["q"].size)
    out = np.zeros((t["q"].size, t["q"].size))
    for i in range(t["q"].size):
        out[i, i:] = (c[:, i:] - c[:, i:i + 1]).max(axis=0)
    return t["q"], out


def q_renorm_bound(m1_lo, model: str = "moe2017") -> np.ndarray:
    """The most a primary's q distribution is stretched by its cut at q ≥ 0.08 M☉ / M1 (M&dS
    below 0.8 M☉: divided by 1 − its CDF there), for primaries of at least ``m1_lo``: 1 / (1 −
    the largest CDF of any row at the node at or above 0.08 / ``m1_lo``)."""
    m1_lo = np.asarray(m1_lo, float)
    if model != "moe2017":
        return np.ones(m1_lo.shape)
    t = _tables()
    cmax = t["qcdf"].reshape(-1, t["q"].size).max(axis=0)
    j = np.clip(np.searchsorted(t["q"], M2_MIN / np.maximum(m1_lo, 1e-300), side="left"), 0, t["q"].size - 1)
    # (finite: at most 1e12 where the cut leaves nearly nothing, q ≥ 0.08 / M1 near 1)
    return np.where(M2_MIN / np.maximum(m1_lo, 1e-300) > Q_LO, 1.0 / np.maximum(1.0 - cmax[j], 1e-12), 1.0)


def fraction_bound(m_lo, m_hi, model: str = "moe2017") -> np.ndarray:
    """The largest multiplicity fraction (:func:`multiplicity_fraction`) of primaries of mass in
    [``m_lo``, ``m_hi``]: it is linear in log M1 between nodes (M&dS's mass grid, 0.08 and
    0.8 M☉), so its largest value is at an end or a node inside."""
    m_lo, m_hi = np.broadcast_arrays(np.asarray(m_lo, float), np.asarray(m_hi, float))
    if model in ("trilegal", "spisea"):  # constant, or rising with mass (saturating at 1): the top's
        return multiplicity_fraction(np.clip(m_hi.ravel(), 1e-6, 1e6), model).reshape(m_lo.shape)
    t = _tables()
    nodes = np.concatenate([10.0 ** t["logm"], [M2_MIN, M1_LO]])
    out = np.maximum(multiplicity_fraction(np.maximum(m_lo.ravel(), 1e-6)),
                     multiplicity_fraction(np.maximum(m_hi.ravel(), 1e-6)))
    f_nodes = multiplicity_fraction(nodes)
    inside = (nodes[None, :] >= m_lo.ravel()[:, None]) & (nodes[None, :] <= m_hi.ravel()[:, None])
    out = np.maximum(out, np.where(inside, f_nodes[None, :], 0.0).max(axis=1, initial=0.0))
    return out.reshape(m_lo.shape)


def extra_bound(m_lo, m_hi, model: str = "moe2017") -> np.ndarray:
    """The largest mean number of companions beyond the first (``"spisea"``'s λ = CSF / MF − 1,
    :func:`_spisea_extra_mean`) of primaries of mass in [``m_lo``, ``m_hi``]; 0 for the models
    with one companion at most. Below M1 = 0.44^(−1/0.51) ≈ 4.99 M☉ (MF < 1) λ = 1.136 M1^−0.06
    − 1 falls, above it (MF = 1) λ = min(0.50 M1^0.45, 3) − 1 rises or stays: so its largest
    value over a range is at an end."""
    m_lo, m_hi = np.broadcast_arrays(np.asarray(m_lo, float), np.asarray(m_hi, float))
    if model != "spisea":
        return np.zeros(m_lo.shape)
    lo = _spisea_extra_mean(np.clip(m_lo.ravel(), 1e-6, 1e6))
    hi = _spisea_extra_mean(np.clip(m_hi.ravel(), 1e-6, 1e6))
    return np.maximum(lo, hi).reshape(m_lo.shape)


def _result(idx, q, m1, logp=None, e=None) -> dict[str, np.ndarray]:
    m2 = q * m1[idx]
    if logp is None:
        logp = e = sep = np.full(idx.size, np.nan)
    else:
        sep = separation_au(m1[idx], m2, logp)
    return {"primary": idx.astype(np.int64), "q": np.asarray(q, float), "m2_msun": m2,
            "log_p_days": logp, "e": e, "separation_au": sep}


def combine_unresolved(mag_primary, mag_companion, primary=None) -> np.ndarray:
    """Magnitude of the unresolved system: −2.5 log10 of the summed fluxes.

    Without ``primary``, ``mag_primary`` and ``mag_companion`` broadcast (one companion each).
    With ``primary`` (index of each companion's primary, as ``draw_companions`` gives), every
    companion's flux is added to its primary's: the result has the shape of ``mag_primary``.
    A NaN magnitude is a dark star (a neutron star, a black hole, a companion below the
    isochrones): it adds no flux; the system is NaN only where every member is dark.
    """
    mp = np.asarray(mag_primary, float)
    mc = np.asarray(mag_companion, float)
    fp = np.where(np.isfinite(mp), 10.0 ** (-0.4 * np.where(np.isfinite(mp), mp, 0.0)), 0.0)
    fc = np.where(np.isfinite(mc), 10.0 ** (-0.4 * np.where(np.isfinite(mc), mc, 0.0)), 0.0)
    if primary is None:
        total = fp + fc
    else:
        primary = np.asarray(primary, np.int64)
        if mp.ndim != 1 or primary.shape != mc.shape or (primary.size and (primary.min() < 0
                                                                           or primary.max() >= mp.size)):
            raise InvalidParameterError("primary", "indices",
                                        "one index into mag_primary (1-D) per companion")
        total = fp + np.bincount(primary, weights=fc, minlength=mp.size)
    with np.errstate(divide="ignore"):
        return np.where(total > 0, -2.5 * np.log10(np.where(total > 0, total, 1.0)), np.nan)


def unresolved(sep_au, distance_pc, resolution_arcsec) -> np.ndarray:
    """True where a companion is not resolved from its primary: its angular separation,
    ``sep_au`` / distance_pc arcsec (1 au at 1 pc subtends 1″, the parsec's definition), is
    below ``resolution_arcsec`` (e.g. ≈ 0.4″ for Gaia DR3 pairs of similar brightness,
    ≈ 1′ = 60″ for the naked eye). The semi-major axis stands for the projected separation
    (on average a factor ≈ 0.9–1 of it for random orientations and thermal eccentricities).
    NaN separations (recipes without orbits) count as unresolved."""
    sep = np.asarray(sep_au, float)
    ang = sep / np.asarray(distance_pc, float)
    return ~(ang >= np.asarray(resolution_arcsec, float))


def trim_to_mass(m1_msun, companions: dict[str, np.ndarray], total_mass_msun: float):
    """Keep a population's total initial mass with companions added.

    Primaries (in their drawing order, which is random) are kept while the running sum of system
    masses (primary + its companions) stays within ``total_mass_msun``. Returns
    ``(keep_primary, keep_companion)`` boolean masks. Draw at least ``total_mass_msun`` of
    primaries first; the systems left out are a random subset, so no mass range is favoured."""
    m1 = _check_masses(m1_msun)
    if not (np.isfinite(total_mass_msun) and total_mass_msun > 0):
        raise InvalidParameterError("total_mass_msun", total_mass_msun, "a finite positive mass in M☉")
    idx = np.asarray(companions["primary"], np.int64)
    system = m1 + np.bincount(idx, weights=companions["m2_msun"], minlength=m1.size)
    keep = np.cumsum(system) <= total_mass_msun
    return keep, keep[idx]

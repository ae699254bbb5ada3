"""Initial mass functions: pdf, cdf, exact inverse-CDF sampling, by number or by total mass.

An IMF here is a chain of analytic pieces (power laws in m, log-normals in log10 m), joined
continuously, between ``m_min`` and ``m_max`` (M☉). The base class does normalisation,
validation, vectorisation and sampling; each model only lists its pieces and its reference.

Sampling is exact: one uniform number per star picks the piece and is mapped through that
piece's closed-form inverse CDF.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba as nb
import numpy as np
from scipy.special import ndtr, ndtri

from ..errors import InvalidParameterError, UnknownNameError
from ..sizes import check_star_count
from ..units import as_float, as_floats

__all__ = ["IMF", "Kroupa2001", "Chabrier2003", "Salpeter1955", "BrokenPowerLaw", "imf_from_name"]


@dataclass(frozen=True)
class _PowerLaw:
    """dN/dm ∝ m^-alpha on [lo, hi] (unnormalised, coefficient 1)."""

    lo: float
    hi: float
    alpha: float

    def f(self, m):
        return np.power(m, -self.alpha)

    def F(self, m):  # integral from lo to m
        a1 = 1.0 - self.alpha
        if abs(a1) < 1e-12:
            return np.log(m / self.lo)
        return (np.power(m, a1) - self.lo**a1) / a1

    def Finv(self, y):  # m such that F(m) = y
        a1 = 1.0 - self.alpha
        if abs(a1) < 1e-12:
            return self.lo * np.exp(y)
        return np.power(self.lo**a1 + a1 * y, 1.0 / a1)

    def m_moment(self, lo, hi):  # integral of m f(m) dm
        a2 = 2.0 - self.alpha
        if abs(a2) < 1e-12:
            return math.log(hi / lo)
        return (hi**a2 - lo**a2) / a2


@dataclass(frozen=True)
class _LogNormal:
    """dN/dlog10(m) ∝ exp(-(log10 m - log10 mc)^2 / (2 sigma^2)) on [lo, hi], i.e.
    dN/dm = that / (m ln 10) (unnormalised, peak coefficient 1)."""

    lo: float
    hi: float
    mc: float
    sigma: float

    def _z(self, m):
        return (np.log10(m) - math.log10(self.mc)) / self.sigma

    def f(self, m):
        return np.exp(-0.5 * self._z(m) ** 2) / (m * math.log(10.0))

    def F(self, m):
        k = math.sqrt(2.0 * math.pi) * self.sigma
        return k * (ndtr(self._z(m)) - ndtr(self._z(self.lo)))

    def Finv(self, y):
        k = math.sqrt(2.0 * math.pi) * self.sigma
        z = ndtri(ndtr(self._z(self.lo)) + y / k)
        return np.power(10.0, math.log10(self.mc) + self.sigma * z)

    def m_moment(self, lo, hi):
        # ∫ m dN/dm dm = ∫ m dN/dlog10 m dlog10 m: a shifted Gaussian integral
        mu, s, ln10 = math.log10(self.mc), self.sigma, math.log(10.0)
        shift = mu + s * s * ln10
        k = math.sqrt(2.0 * math.pi) * s * math.exp(ln10 * mu + 0.5 * (s * ln10) ** 2)
        return k * (ndtr((math.log10(hi) - shift) / s) - ndtr((math.log10(lo) - shift) / s))


@nb.njit(cache=True, nogil=True, inline="always")
def _clip(x, lo, hi):
    """np.clip's rule for one float: NaN stays NaN, a bound wins a tie."""
    x = x if (x != x or x > lo) else lo
    return x if (x != x or x < hi) else hi


@nb.njit(cache=True, nogil=True, inline="always")
def _pow(x, e):
    """np.power(x, e) for an array x and a scalar e, bit for bit: NumPy takes a shortcut for
    these exponents (a reciprocal, a square root, a square), libm's pow otherwise."""
    if e == -1.0:
        return 1.0 / x
    if e == 0.0:
        return 1.0
    if e == 0.5:
        return np.sqrt(x)
    if e == 1.0:
        return x
    if e == 2.0:
        return x * x
    return np.power(x, e)


@nb.njit(cache=True, nogil=True)
def _power_law_cdf(m, m_min, m_max, lo, hi, a1, lo_a1, coef, cumw, out):
    """:meth:`IMF.cdf` of a chain of power laws, one mass at a time, with the same operations
    as the array form (the last piece holding a mass wins, as there; NaN gives 0)."""
    for j in range(m.shape[0]):
        x = _clip(m[j], m_min, m_max)
        v = 0.0
        for i in range(lo.shape[0]):
            if x >= lo[i] and x <= hi[i]:
                if abs(a1[i]) < 1e-12:
                    f = np.log(x / lo[i])
                else:
                    f = (_pow(x, a1[i]) - lo_a1[i]) / a1[i]
                v = cumw[i] + coef[i] * f
        out[j] = _clip(v, 0.0, 1.0)


@nb.njit(cache=True, nogil=True)
def _power_law_ppf(u, m_min, m_max, lo, a1, lo_a1, coef, cumw, out):
    """:meth:`IMF.ppf` of a chain of power laws, one fraction at a time, with the same
    operations as the array form."""
    n_edges = cumw.shape[0] - 1
    for j in range(u.shape[0]):
        x = u[j]
        k = 0
        for e in range(1, n_edges):
            if x >= cumw[e]:
                k += 1
        y = (x - cumw[k]) / coef[k]
        if abs(a1[k]) < 1e-12:
            v = lo[k] * np.exp(y)
        else:
            v = _pow(lo_a1[k] + a1[k] * y, 1.0 / a1[k])
        out[j] = _clip(v, m_min, m_max)


class IMF:
    """An initial mass function between ``m_min`` and ``m_max`` (M☉).

    Subclasses define ``_shape()``: a list of ``(kind, break_lo, break_hi, params)`` pieces in
    increasing mass covering (0, inf); the base class clips them to the mass limits, joins them
    continuously and normalises.
    """

    name = "imf"
    reference = ""

    def __init__(self, m_min: float = 0.1, m_max: float = 100.0) -> None:
        m_min = as_float(m_min, "m_min", "a positive mass in Msun")
        m_max = as_float(m_max, "m_max", "a mass in Msun")
        if not (np.isfinite(m_min) and m_min > 0):
            raise InvalidParameterError("m_min", m_min, "a positive mass in Msun")
        if not (np.isfinite(m_max) and m_max > m_min):
            raise InvalidParameterError("m_max", m_max, f"a mass in Msun above m_min={m_min:g}")
        self.m_min, self.m_max = m_min, m_max
        pieces = []
        for kind, lo, hi, params in self._shape():
            lo, hi = max(lo, m_min), min(hi, m_max)
            if hi <= lo:
                continue
            pieces.append(_PowerLaw(lo, hi, *params) if kind == "pl" else _LogNormal(lo, hi, *params))
        # continuity: coefficient of each piece so that the pdf is continuous at the breaks
        coef = [1.0]
        for a, b in zip(pieces[:-1], pieces[1:], strict=True):
            coef.append(coef[-1] * float(a.f(a.hi)) / float(b.f(b.lo)))
        integrals = np.array([c * float(p.F(p.hi)) for c, p in zip(coef, pieces, strict=True)])
        self._pieces = pieces
        self._coef = np.array(coef) / integrals.sum()
        self._weights = integrals / integrals.sum()
        self._edges = np.array([p.lo for p in pieces] + [pieces[-1].hi])
        self._cumw = np.concatenate([[0.0], np.cumsum(self._weights)])
        self._cumw[-1] = 1.0
        # a chain of power laws (every IMF but Chabrier's) has Numba kernels for cdf and ppf;
        # lo**a1 is taken here by Python, as the pieces' F and Finv take it
        self._pl = None
        if all(isinstance(p, _PowerLaw) for p in pieces):
            a1 = [1.0 - p.alpha for p in pieces]
            self._pl = (float(m_min), float(m_max), np.array([p.lo for p in pieces], float),
                        np.array([p.hi for p in pieces], float), np.array(a1, float),
                        np.array([p.lo**a for p, a in zip(pieces, a1, strict=True)], float),
                        self._coef.astype(float), self._cumw.astype(float))

    def _shape(self) -> list[tuple[str, float, float, tuple[float, ...]]]:
        raise NotImplementedError

    def params(self) -> dict[str, float | list[float]]:
        """The parameters that rebuild this IMF (for recipes and metadata)."""
        return {"m_min": self.m_min, "m_max": self.m_max}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self.params().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.params() == other.params()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, repr(self)))

    # -- the public verbs ------------------------------------------------------------------
    def pdf(self, m):
        """dN/dm, normalised to 1 over [m_min, m_max] (per M☉); 0 outside."""
        m = np.asarray(m, dtype=float)
        out = np.zeros_like(m)
        for c, p in zip(self._coef, self._pieces, strict=True):
            sel = (m >= p.lo) & (m <= p.hi)
            out[sel] = c * p.f(m[sel])
        return out

    def cdf(self, m):
        """Fraction of stars with initial mass below ``m``."""
        if self._pl is not None:
            m = np.asarray(m, dtype=float)
            out = np.empty(m.shape)
            _power_law_cdf(m.ravel(), *self._pl, out.reshape(-1))
            return out if out.ndim else out[()]
        m = np.clip(np.asarray(m, dtype=float), self.m_min, self.m_max)
        out = np.zeros_like(m)
        for i, (c, p) in enumerate(zip(self._coef, self._pieces, strict=True)):
            sel = (m >= p.lo) & (m <= p.hi)
            out[sel] = self._cumw[i] + c * p.F(m[sel])
        return np.clip(out, 0.0, 1.0)

    def ppf(self, u):
        """Inverse CDF: the mass below which a fraction ``u`` of stars lie (exact)."""
        u = np.asarray(u, dtype=float)
        if self._pl is not None:
            out = np.empty(u.shape)
            m_min, m_max, lo, _, a1, lo_a1, coef, cumw = self._pl
            _power_law_ppf(u.ravel(), m_min, m_max, lo, a1, lo_a1, coef, cumw, out.reshape(-1))
            return out if out.ndim else out[()]
        # piece index: how many interior edges lie at or below u (= searchsorted(side="right")
        # - 1, clipped to the pieces; one comparison per edge is several times faster)
        i = np.zeros(u.shape, np.intp)
        for edge in self._cumw[1:-1]:
            i += u >= edge
        out = np.empty_like(u)
        for k, (c, p) in enumerate(zip(self._coef, self._pieces, strict=True)):
            sel = i == k
            out[sel] = p.Finv((u[sel] - self._cumw[k]) / c)
        return np.clip(out, self.m_min, self.m_max)

    def mean_mass(self) -> float:
        """Mean initial mass of a star drawn from this IMF (M☉)."""
        return float(sum(c * p.m_moment(p.lo, p.hi) for c, p in zip(self._coef, self._pieces, strict=True)))

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` initial masses (M☉), drawn exactly by inverse CDF."""
        if n < 0:
            raise InvalidParameterError("n", n, "a non-negative number of stars")
        check_star_count(n, "n", n)
        return self.ppf(rng.random(int(n)))

    def sample_mass(self, total_mass: float, rng: np.random.Generator) -> np.ndarray:
        """Stars whose initial masses add up to ``total_mass`` (M☉).

        Stopping rule ("stop nearest"): stars are drawn one after another (in blocks, for speed)
        and the draw stops at the star that brings the running total closest to
        ``total_mass``, i.e. the last star is kept only if that lands nearer to the target than
        leaving it out. The total therefore differs from the target by at most half the mass of
        one star (≤ m_max/2), and the masses are an unbiased IMF sample.
        """
        if not (np.isfinite(total_mass) and total_mass > 0):
            raise InvalidParameterError("total_mass", total_mass, "a positive mass in Msun")
        check_star_count(total_mass / self.mean_mass(), "total_mass", total_mass, self.mean_mass(), "Msun")
        chunk = int(1.05 * total_mass / self.mean_mass()) + 64
        parts: list[np.ndarray] = []
        have = 0.0
        while True:
            m = self.sample(chunk, rng)
            cum = have + np.cumsum(m)
            k = int(np.searchsorted(cum, total_mass))
            if k < len(m):
                below = cum[k - 1] if k > 0 else have
                keep = k + 1 if abs(cum[k] - total_mass) < abs(total_mass - below) else k
                parts.append(m[:keep])
                return np.concatenate(parts)
            parts.append(m)
            have = float(cum[-1])
            chunk = int(1.05 * (total_mass - have) / self.mean_mass()) + 64


class Salpeter1955(IMF):
    """Salpeter (1955, ApJ 121, 161): dN/dm ∝ m^-2.35 (one power law)."""

    name = "salpeter"
    reference = "Salpeter 1955, ApJ 121, 161"

    def __init__(self, m_min: float = 0.1, m_max: float = 100.0, alpha: float = 2.35) -> None:
        self.alpha = as_float(alpha, "alpha", "a finite slope >= 0")
        if not (math.isfinite(self.alpha) and 0 <= self.alpha <= 10):
            raise InvalidParameterError("alpha", alpha,
                                        "a finite slope from 0 to 10 (Salpeter 1955: 2.35)")
        super().__init__(m_min, m_max)

    def _shape(self):
        return [("pl", 0.0, math.inf, (self.alpha,))]

    def params(self):
        return {**super().params(), "alpha": self.alpha}


class BrokenPowerLaw(IMF):
    """A general broken power law: dN/dm ∝ m^-alpha_i between successive ``breaks`` (M☉).

    ``alphas`` has one more entry than ``breaks``. Kroupa (2001) is the special case
    alphas=(0.3, 1.3, 2.3), breaks=(0.08, 0.5).
    """

    name = "broken_power_law"
    reference = "user-defined"

    def __init__(
        self,
        alphas: tuple[float, ...] | list[float],
        breaks: tuple[float, ...] | list[float] = (),
        m_min: float = 0.1,
        m_max: float = 100.0,
    ) -> None:
        alphas = as_floats(alphas, "alphas", "a list of slopes")
        breaks = as_floats(breaks, "breaks", "a list of masses in Msun")
        if len(alphas) != len(breaks) + 1:
            raise InvalidParameterError(
                "alphas", alphas, f"one more slope than breaks (got {len(breaks)} breaks)"
            )
        if any(b <= 0 for b in breaks) or any(
            b2 <= b1 for b1, b2 in zip(breaks[:-1], breaks[1:], strict=True)
        ):
            raise InvalidParameterError("breaks", breaks, "positive masses in increasing order")
        if not all(np.isfinite(alphas)):
            raise InvalidParameterError("alphas", alphas, "finite numbers")
        self.alphas, self.breaks = tuple(alphas), tuple(breaks)
        super().__init__(m_min, m_max)

    def _shape(self):
        edges = [0.0, *self.breaks, math.inf]
        return [("pl", edges[i], edges[i + 1], (a,)) for i, a in enumerate(self.alphas)]

    def params(self):
        return {**super().params(), "alphas": list(self.alphas), "breaks": list(self.breaks)}


class Kroupa2001(BrokenPowerLaw):
    """Kroupa (2001, MNRAS 322, 231, eq. 2): alpha = 0.3 (m < 0.08), 1.3 (0.08-0.5), 2.3 (> 0.5)."""

    name = "kroupa"
    reference = "Kroupa 2001, MNRAS 322, 231, eq. 2"

    def __init__(self, m_min: float = 0.1, m_max: float = 100.0) -> None:
        super().__init__((0.3, 1.3, 2.3), (0.08, 0.5), m_min, m_max)

    def params(self):
        return {"m_min": self.m_min, "m_max": self.m_max}


class Chabrier2003(IMF):
    """Chabrier (2003, PASP 115, 763, Table 1, single stars): log-normal in log10 m below 1 M☉
    (m_c = 0.079 M☉, sigma = 0.69), and dN/dm ∝ m^-2.3 above, joined continuously
    (which reproduces the paper's A = 4.43e-2 of the power-law part)."""

    name = "chabrier"
    reference = "Chabrier 2003, PASP 115, 763, Table 1"

    def __init__(self, m_min: float = 0.1, m_max: float = 100.0) -> None:
        super().__init__(m_min, m_max)

    def _shape(self):
        return [("ln", 0.0, 1.0, (0.079, 0.69)), ("pl", 1.0, math.inf, (2.3,))]


_IMFS: dict[str, type[IMF]] = {
    "kroupa": Kroupa2001,
    "chabrier": Chabrier2003,
    "salpeter": Salpeter1955,
    "broken_power_law": BrokenPowerLaw,
}


def imf_from_name(name: str, **params) -> IMF:
    """Build an IMF by name ('kroupa', 'chabrier', 'salpeter', 'broken_power_law')."""
    if not isinstance(name, str):
        raise UnknownNameError("IMF", repr(name), list(_IMFS))
    key = name.lower().replace("-", "_")
    if key not in _IMFS:
        raise UnknownNameError("IMF", name, list(_IMFS))
    try:
        return _IMFS[key](**params)
    except TypeError as exc:
        raise InvalidParameterError(f"imf.{name}", params, f"parameters of {name} ({exc})") from exc

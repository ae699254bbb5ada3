"""Star-formation histories (when stars are born) and metallicities (what they are born with).

A history draws birth ages (yr before the epoch of observation); a metallicity model draws
[Fe/H] (dex) given those ages. Both take an explicit ``numpy.random.Generator``.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import InvalidParameterError
from ..units import as_float, as_floats, parse_age

__all__ = [
    "StarFormationHistory",
    "Burst",
    "Constant",
    "Exponential",
    "Bursts",
    "Stopped",
    "Metallicity",
    "FixedFeH",
    "GaussianFeH",
    "AgeMetallicityRelation",
    "Quenched",
    "Scaled",
    "EPOCH_RANGE",
    "parse_epoch",
]

#: Epochs a sky can be made at, yr relative to today (negative: the past): from when the Sun was
#: young (−4.5 Gyr) to 10 Gyr ahead.
EPOCH_RANGE = (-4.5e9, 1.0e10)
#: A history whose youngest stars are at most this old (yr) is still forming stars today; its
#: present rate carries on into the future (see ``StarFormationHistory.future_rate``).
ONGOING_AGE = 1e6


def parse_epoch(value, name: str = "epoch") -> float:
    """An epoch in yr relative to today, from a number (yr) or a string like '-1Gyr',
    '+50000yr', '0'; must lie in ``EPOCH_RANGE`` (−4.5 Gyr … +10 Gyr)."""
    try:
        e = parse_age(value, name)
    except InvalidParameterError:
        e = math.nan
    lo, hi = EPOCH_RANGE
    if not (math.isfinite(e) and lo <= e <= hi):
        raise InvalidParameterError(
            name, value, "an epoch in yr relative to today from -4.5 Gyr (the young Sun) to "
            "+10 Gyr, e.g. '-1Gyr', '0', '+500Myr'")
    return e


def _age(value, name):
    a = parse_age(value, name)
    if not (math.isfinite(a) and a > 0):
        raise InvalidParameterError(name, value, "a positive age, e.g. '100Myr'")
    return a


class ByParams:
    """A value object described by its ``params()``: shown, compared and hashed by them (the
    parts of a recipe: histories, metallicities, places)."""

    def params(self) -> dict:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.params().items())})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.params() == other.params()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(repr(self))


class StarFormationHistory(ByParams):
    """Base class: ``sample_ages(n, rng)`` and ``params()``.

    Through time: a history describes the births up to today (ages before today). Made at a
    later epoch, a history that is still forming stars today (its youngest stars at most
    ``ONGOING_AGE`` old) goes on at its present rate, ``future_rate()`` (a fraction of the
    births up to today per yr); one that has stopped forms nothing more. ``rate_factor(t)``
    multiplies the rate at formation time ``t`` (yr relative to today): 1 here; the neglect
    wrappers :class:`Quenched` and :class:`Scaled` change it.
    """

    kind = "sfh"

    def sample_ages(self, n: int, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

    def future_rate(self) -> float:
        """Fraction of the births up to today formed per yr at present (0: stopped)."""
        return 0.0

    def rate_factor(self, t) -> np.ndarray:
        """Multiplier of the formation rate at formation times ``t`` (yr relative to today)."""
        return np.ones(np.shape(t))

    def breaks(self) -> tuple[float, ...]:
        """Formation times (yr relative to today) where ``rate_factor`` changes."""
        return ()



class Burst(StarFormationHistory):
    """All stars born at once, ``age`` ago (a star cluster)."""

    kind = "burst"

    def __init__(self, age) -> None:
        self.age = _age(age, "age")

    def sample_ages(self, n, rng):
        return np.full(int(n), self.age)

    def params(self):
        return {"age": self.age}


class Constant(StarFormationHistory):
    """Constant star-formation rate between ``age_min`` and ``age_max`` ago."""

    kind = "constant"

    def __init__(self, age_min, age_max) -> None:
        self.age_min, self.age_max = _age(age_min, "age_min"), _age(age_max, "age_max")
        if self.age_max <= self.age_min:
            raise InvalidParameterError("age_max", age_max, f"an age above age_min={age_min}")

    def sample_ages(self, n, rng):
        return self.age_min + (self.age_max - self.age_min) * rng.random(int(n))

    def future_rate(self):
        return 1.0 / (self.age_max - self.age_min) if self.age_min <= ONGOING_AGE else 0.0

    def params(self):
        return {"age_min": self.age_min, "age_max": self.age_max}


class Exponential(StarFormationHistory):
    """SFR ∝ exp(−t/τ), t the time since formation began ``age_max`` ago, until ``age_min`` ago.

    A negative ``tau`` gives a rising history. Ages are drawn by the exact inverse CDF.
    """

    kind = "exponential"

    def __init__(self, tau, age_max, age_min=1e5) -> None:
        self.tau = parse_age(tau, "tau")
        if self.tau == 0 or not math.isfinite(self.tau):
            raise InvalidParameterError("tau", tau, "a non-zero time scale, e.g. '3Gyr'")
        self.age_min, self.age_max = _age(age_min, "age_min"), _age(age_max, "age_max")
        if self.age_max <= self.age_min:
            raise InvalidParameterError("age_max", age_max, f"an age above age_min={age_min}")

    def sample_ages(self, n, rng):
        u = rng.random(int(n))
        span = self.age_max - self.age_min
        # t (time since start) has pdf ∝ exp(-t/tau) on [0, span]
        t = -self.tau * np.log1p(-u * (-np.expm1(-span / self.tau)))
        return self.age_max - t

    def future_rate(self):
        if self.age_min > ONGOING_AGE:
            return 0.0
        span = self.age_max - self.age_min
        # pdf of t = age_max - age at t = span (today), normalised over [0, span]
        return math.exp(-span / self.tau) / (self.tau * -math.expm1(-span / self.tau))

    def params(self):
        return {"tau": self.tau, "age_max": self.age_max, "age_min": self.age_min}


class Bursts(StarFormationHistory):
    """Several bursts: ``ages`` (yr ago), each forming a share ``weights`` of the stars (any
    positive numbers, normalised to 1). Each star picks its burst by one uniform draw."""

    kind = "bursts"

    def __init__(self, ages, weights=None) -> None:
        if ages is None or not (isinstance(ages, str | float | int) or hasattr(ages, "__iter__")):
            raise InvalidParameterError("ages", ages, "a list of burst ages, e.g. ['1Gyr', '5Gyr']")
        ages = list(ages) if not isinstance(ages, str | float | int) else [ages]
        if not ages:
            raise InvalidParameterError("ages", ages,
                                        "a list of at least one burst age, e.g. ['1Gyr', '5Gyr']")
        self.ages = tuple(_age(a, f"ages[{i}]") for i, a in enumerate(ages))
        w = ([1.0] * len(self.ages) if weights is None
             else as_floats(weights, "weights", "a list of positive numbers"))
        if len(w) != len(self.ages):
            raise InvalidParameterError("weights", list(w), f"one weight per burst ({len(self.ages)})")
        if not all(math.isfinite(x) and x > 0 for x in w):
            raise InvalidParameterError("weights", list(w), "positive numbers (shares of the stars)")
        total = math.fsum(w)
        self.weights = tuple(x / total for x in w)

    def sample_ages(self, n, rng):
        cum = np.cumsum(self.weights)
        cum[-1] = 1.0
        i = np.searchsorted(cum, rng.random(int(n)), side="right")
        return np.asarray(self.ages)[np.minimum(i, len(self.ages) - 1)]

    def params(self):
        return {"ages": list(self.ages), "weights": list(self.weights)}


class Stopped(StarFormationHistory):
    """Another history whose star formation stopped ``stop`` (yr) ago: no star is younger.

    The stars of ``sfh`` younger than ``stop`` are never formed; the rest keep their ages (the
    history is truncated, not shifted). Drawn exactly by rejection in blocks, so the ages follow
    the parent history restricted to ages ≥ ``stop``, and the maker's mass or star count is all
    formed before the stop (what a recipe's ``stop`` means). To take stars away from a history
    from some time on instead — the makers neglecting their work, the same births as without it
    up to then, and at any epoch — use :class:`Quenched`.
    """

    kind = "stopped"

    def __init__(self, sfh: StarFormationHistory, stop) -> None:
        if not isinstance(sfh, StarFormationHistory):
            raise InvalidParameterError("sfh", sfh, "a star-formation history to stop")
        self.sfh, self.stop = sfh, _age(stop, "stop")
        # is any star older than the stop? (a quick check with a fixed generator)
        probe = sfh.sample_ages(4096, np.random.default_rng(0))
        if not np.any(probe >= self.stop):
            raise InvalidParameterError(
                "stop", stop, f"a time before the oldest stars of {sfh!r} were born (else none form)")
        self._accept = float(np.mean(probe >= self.stop))  # sizes the blocks only

    def sample_ages(self, n, rng):
        n = int(n)
        out = np.empty(0)
        while len(out) < n:
            draw = self.sfh.sample_ages(int(1.1 * (n - len(out)) / self._accept) + 64, rng)
            out = np.concatenate([out, draw[draw >= self.stop]])
        return out[:n]

    def params(self):
        return {"sfh": {"kind": self.sfh.kind, **self.sfh.params()}, "stop": self.stop}


class _Neglect(StarFormationHistory):
    """A history changed from some time on. Births are drawn from the unchanged history (so
    they do not depend on the change) and kept with probability ``rate_factor(t)``."""

    def __init__(self, sfh: StarFormationHistory) -> None:
        if not isinstance(sfh, StarFormationHistory):
            raise InvalidParameterError("sfh", sfh, "a star-formation history, e.g. Constant(...)")
        self.sfh = sfh

    def sample_ages(self, n, rng):
        return self.sfh.sample_ages(n, rng)

    def future_rate(self):
        return self.sfh.future_rate()

    def __getattr__(self, name):  # the wrapped history's parameters (age_min, age_max, ...)
        if name == "sfh":
            raise AttributeError(name)
        return getattr(self.sfh, name)


class Quenched(_Neglect):
    """Star formation stops at ``at`` (yr relative to today; negative: it stopped in the past):
    no star is born after it. ``Quenched(Constant(1e5, 10e9), at=0)`` — the makers stop today.

    The births are those of ``sfh`` up to ``at``, star for star, and those after are dropped, so
    the total formed is smaller; :class:`Stopped` instead forms the whole size before its stop.
    """

    kind = "quenched"

    def __init__(self, sfh: StarFormationHistory, at=0.0) -> None:
        super().__init__(sfh)
        self.at = parse_epoch(at, "at")

    def rate_factor(self, t):
        return np.where(np.asarray(t) > self.at, 0.0, 1.0) * self.sfh.rate_factor(t)

    def breaks(self):
        return tuple(sorted({self.at, *self.sfh.breaks()}))

    def params(self):
        return {"sfh": {"kind": self.sfh.kind, **self.sfh.params()}, "at": self.at}


class Scaled(_Neglect):
    """The formation rate times ``factor`` (≥ 0) from ``since`` on (yr relative to today).
    In the past (``since`` < 0) only slowing down (``factor`` ≤ 1) is possible: the births up to
    today are given, and a fraction ``factor`` of those after ``since`` is kept."""

    kind = "scaled"

    def __init__(self, sfh: StarFormationHistory, factor: float, since=0.0) -> None:
        super().__init__(sfh)
        self.factor = as_float(factor, "factor", "a non-negative rate multiplier")
        if not (math.isfinite(self.factor) and self.factor >= 0):
            raise InvalidParameterError("factor", factor, "a non-negative rate multiplier")
        self.since = parse_epoch(since, "since")
        if self.since < 0 and self.factor > 1:
            raise InvalidParameterError(
                "factor", factor, "at most 1 when since < 0 (the past can only be thinned)",
                "Use since >= 0 to speed star formation up from today on.")

    def rate_factor(self, t):
        return np.where(np.asarray(t) > self.since, self.factor, 1.0) * self.sfh.rate_factor(t)

    def breaks(self):
        return tuple(sorted({self.since, *self.sfh.breaks()}))

    def params(self):
        return {"sfh": {"kind": self.sfh.kind, **self.sfh.params()}, "factor": self.factor,
                "since": self.since}


class Metallicity(ByParams):
    """Base class: ``sample_feh(ages, rng)`` and ``params()``."""

    kind = "metallicity"

    def sample_feh(self, ages: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError


class FixedFeH(Metallicity):
    """Every star has the same [Fe/H]."""

    kind = "fixed"

    def __init__(self, feh: float = 0.0) -> None:
        self.feh = as_float(feh, "feh", "a finite [Fe/H] in dex")
        if not math.isfinite(self.feh):
            raise InvalidParameterError("feh", feh, "a finite [Fe/H] in dex")

    def sample_feh(self, ages, rng):
        return np.full(len(ages), self.feh)

    def params(self):
        return {"feh": self.feh}


def _dex(value: object, name: str) -> float:
    """A number in dex, or the project's error."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise InvalidParameterError(name, value, "a number in dex")
    return float(value)


def _check_clip(lo: float, hi: float) -> None:
    """The [Fe/H] clip range of a metallicity model: finite, ``lo < hi``."""
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise InvalidParameterError("lo, hi", (lo, hi), "a finite [Fe/H] clip range with lo < hi (dex)")


class GaussianFeH(Metallicity):
    """[Fe/H] drawn from a Gaussian (mean, sigma in dex), clipped to ``[lo, hi]``."""

    kind = "gaussian"

    def __init__(self, mean: float, sigma: float, lo: float = -2.5, hi: float = 0.5) -> None:
        self.mean, self.sigma = _dex(mean, "mean"), _dex(sigma, "sigma")
        self.lo, self.hi = _dex(lo, "lo"), _dex(hi, "hi")
        if not (self.sigma >= 0 and math.isfinite(self.sigma)):
            raise InvalidParameterError("sigma", sigma, "a non-negative spread in dex")
        _check_clip(self.lo, self.hi)
        if not (self.lo <= self.mean <= self.hi):
            raise InvalidParameterError("mean", mean, f"a mean [Fe/H] inside the clip range {self.lo:g} "
                                        f"to {self.hi:g} dex (outside it every star would sit at the edge)")

    def sample_feh(self, ages, rng):
        return np.clip(self.mean + self.sigma * rng.standard_normal(len(ages)), self.lo, self.hi)

    def params(self):
        return {"mean": self.mean, "sigma": self.sigma, "lo": self.lo, "hi": self.hi}


class AgeMetallicityRelation(Metallicity):
    """[Fe/H] that depends on age: the mean is interpolated (linearly in age) through the points
    (``ages`` yr, ``feh`` dex), constant beyond the ends, plus a Gaussian scatter ``sigma``
    (dex), clipped to ``[lo, hi]``. E.g. the solar-neighbourhood relation of the Besançon thin
    disc (Robin et al. 2003, Table 3): ages 0.15, 1, 2, 3, 5, 7, 10 Gyr with [Fe/H] 0.01, 0.03,
    0.03, 0.01, −0.07, −0.14, −0.37."""

    kind = "age_metallicity"

    def __init__(self, ages, feh, sigma: float = 0.0, lo: float = -2.5, hi: float = 0.5) -> None:
        if isinstance(ages, str) or not hasattr(ages, "__iter__"):
            raise InvalidParameterError("ages", ages, "a list of ages, e.g. ['1Gyr', '5Gyr']")
        a = [_age(x, f"ages[{i}]") for i, x in enumerate(ages)]
        f = as_floats(feh, "feh", "a list of [Fe/H] values in dex")
        if len(a) < 1 or len(a) != len(f):
            raise InvalidParameterError("feh", f, f"one [Fe/H] per age ({len(a)} ages)")
        if any(b <= c for c, b in zip(a[:-1], a[1:], strict=True)):
            raise InvalidParameterError("ages", list(ages), "ages in increasing order")
        if not all(math.isfinite(x) for x in f):
            raise InvalidParameterError("feh", f, "finite [Fe/H] values in dex")
        self.ages, self.feh = tuple(a), tuple(f)
        self.sigma, self.lo, self.hi = _dex(sigma, "sigma"), _dex(lo, "lo"), _dex(hi, "hi")
        if not (self.sigma >= 0 and math.isfinite(self.sigma)):
            raise InvalidParameterError("sigma", sigma, "a non-negative spread in dex")
        _check_clip(self.lo, self.hi)
        if not all(self.lo <= x <= self.hi for x in f):
            raise InvalidParameterError("feh", f, f"[Fe/H] values inside the clip range {self.lo:g} to "
                                        f"{self.hi:g} dex")

    def mean_feh(self, ages) -> np.ndarray:
        """The relation's mean [Fe/H] (dex) at ``ages`` (yr)."""
        return np.interp(np.asarray(ages, float), self.ages, self.feh)

    def sample_feh(self, ages, rng):
        mean = self.mean_feh(ages)
        return np.clip(mean + self.sigma * rng.standard_normal(len(mean)), self.lo, self.hi)

    def params(self):
        return {"ages": list(self.ages), "feh": list(self.feh), "sigma": self.sigma, "lo": self.lo,
                "hi": self.hi}

"""Star-formation histories (when stars are born) and metallicities (what they are born with).

A history draws birth ages (yr before the epoch of observation); a metallicity model draws
[Fe/H] (dex) given those ages. Both take an explicit ``numpy.random.Generator``.
"""

from __future__ import annotations

import math

import numpy as np

from .errors import InvalidParameterError
from .units import parse_age

__all__ = [
    "StarFormationHistory",
    "Burst",
    "Constant",
    "Exponential",
    "Metallicity",
    "FixedFeH",
    "GaussianFeH",
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


class StarFormationHistory:
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

    def params(self) -> dict:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.params().items())})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.params() == other.params()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(repr(self))


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
        self.factor = float(factor)
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


class Metallicity:
    """Base class: ``sample_feh(ages, rng)`` and ``params()``."""

    kind = "metallicity"

    def sample_feh(self, ages: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

    def params(self) -> dict:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.params().items())})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.params() == other.params()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(repr(self))


class FixedFeH(Metallicity):
    """Every star has the same [Fe/H]."""

    kind = "fixed"

    def __init__(self, feh: float = 0.0) -> None:
        self.feh = float(feh)
        if not math.isfinite(self.feh):
            raise InvalidParameterError("feh", feh, "a finite [Fe/H] in dex")

    def sample_feh(self, ages, rng):
        return np.full(len(ages), self.feh)

    def params(self):
        return {"feh": self.feh}


class GaussianFeH(Metallicity):
    """[Fe/H] drawn from a Gaussian (mean, sigma in dex), clipped to ``[lo, hi]``."""

    kind = "gaussian"

    def __init__(self, mean: float, sigma: float, lo: float = -2.5, hi: float = 0.5) -> None:
        self.mean, self.sigma, self.lo, self.hi = float(mean), float(sigma), float(lo), float(hi)
        if not (self.sigma >= 0):
            raise InvalidParameterError("sigma", sigma, "a non-negative spread in dex")

    def sample_feh(self, ages, rng):
        return np.clip(self.mean + self.sigma * rng.standard_normal(len(ages)), self.lo, self.hi)

    def params(self):
        return {"mean": self.mean, "sigma": self.sigma, "lo": self.lo, "hi": self.hi}

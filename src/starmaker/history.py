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
]


def _age(value, name):
    a = parse_age(value, name)
    if not (math.isfinite(a) and a > 0):
        raise InvalidParameterError(name, value, "a positive age, e.g. '100Myr'")
    return a


class StarFormationHistory:
    """Base class: ``sample_ages(n, rng)`` and ``params()``."""

    kind = "sfh"

    def sample_ages(self, n: int, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

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

    def params(self):
        return {"tau": self.tau, "age_max": self.age_max, "age_min": self.age_min}


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

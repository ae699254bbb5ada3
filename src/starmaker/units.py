"""Units at the edge: parse '100Myr', '4.57 Gyr', '1e4', astropy Quantities, into plain floats.

Inside starmaker everything is a plain float in documented units (M☉, yr, pc, deg, mag);
conversion happens once, here.
"""

from __future__ import annotations

import math
import re

from .errors import InvalidParameterError

__all__ = ["parse_age", "parse_mass", "as_float", "as_floats", "check_numbers"]

_AGE_UNITS = {"yr": 1.0, "kyr": 1e3, "myr": 1e6, "gyr": 1e9, "y": 1.0}
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_PATTERN = re.compile(rf"^\s*({_NUMBER})\s*([A-Za-z]*)\s*$")


def _finite(x: float, value: object, name: str) -> float:
    if not math.isfinite(x):
        raise InvalidParameterError(name, value, "a finite number")
    return x


def _parse(value: object, name: str, units: dict[str, float], default: str, astropy_unit: str,
           example: str = "'100Myr'") -> float:
    if hasattr(value, "to_value"):  # an astropy Quantity, without importing astropy
        try:
            return float(value.to_value(astropy_unit))  # type: ignore[union-attr]
        except Exception as exc:  # noqa: BLE001 - astropy raises UnitConversionError
            raise InvalidParameterError(name, value, f"a quantity convertible to {astropy_unit}") from exc
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _finite(float(value), value, name)
    if isinstance(value, str):
        m = _PATTERN.match(value)
        if m:
            unit = (m.group(2) or default).lower()
            if unit in units:
                return _finite(float(m.group(1)) * units[unit], value, name)
    allowed = ", ".join(u for u in units if u not in ("y", ""))
    raise InvalidParameterError(name, value, f"a number with an optional unit ({allowed}), e.g. {example}")


def parse_age(value: object, name: str = "age") -> float:
    """An age or time span in years, from a number (yr), a string like '100Myr', or a Quantity."""
    return _parse(value, name, _AGE_UNITS, "yr", "yr")


def parse_mass(value: object, name: str = "mass") -> float:
    """A mass in M☉, from a number, a string like '1e4' or '1e4Msun', or a Quantity."""
    return _parse(value, name, {"msun": 1.0, "": 1.0}, "msun", "solMass", "'1e4' or '1e4Msun'")


def as_float(value: object, name: str, allowed: str = "a number") -> float:
    """``value`` as a float (numbers, and strings of numbers as ``float()`` reads them), or the
    project's error naming the parameter and what is allowed (never a bare TypeError)."""
    if isinstance(value, bool):
        raise InvalidParameterError(name, value, allowed)
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError) as exc:
        raise InvalidParameterError(name, value, allowed) from exc


def as_floats(values: object, name: str, allowed: str = "a list of numbers") -> list[float]:
    """A list of floats from an iterable of numbers (a string or a single number is refused)."""
    if isinstance(values, str | bytes | int | float) or not hasattr(values, "__iter__"):
        raise InvalidParameterError(name, values, allowed)
    return [as_float(v, f"{name}[{i}]", allowed) for i, v in enumerate(values)]  # type: ignore[union-attr]


def check_numbers(**values: object) -> None:
    """Refuse, with the project's error, any argument that is not numbers (a number, or an array
    or list of numbers): ``check_numbers(log_L=log_L, feh=feh)``. Nothing is converted or copied
    for NumPy arrays of numbers (the hot path)."""
    for name, value in values.items():
        kind = getattr(getattr(value, "dtype", None), "kind", None)
        if kind is not None and kind in "fiub":
            continue
        if isinstance(value, str | bytes | dict):
            raise InvalidParameterError(name, value, "a number or an array of numbers")
        try:
            import numpy as np

            np.asarray(value, dtype=float)
        except (TypeError, ValueError) as exc:
            raise InvalidParameterError(name, value, "a number or an array of numbers") from exc

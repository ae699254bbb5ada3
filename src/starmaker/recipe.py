"""Recipes as files: a maker written as a small TOML text, read and checked, and written back.

A recipe names its maker, its size (total initial ``mass`` in M☉, or ``n`` stars) and four
tables::

    name = "master"
    mass = 1e5                       # or: n = 100000
    component = "cluster"            # optional label of the stars: cluster | population (the
                                     # default: cluster with a cluster place, else population)

    [imf]                            # kroupa | chabrier | salpeter | broken_power_law
    kind = "broken_power_law"
    slopes = [1.3, 2.7]              # dN/dm ∝ m^-slope between the breaks
    breaks = [0.5]                   # M☉
    m_min = 0.1
    m_max = 100.0

    [sfh]                            # burst | constant | exponential | bursts
    kind = "constant"
    age_min = "1Gyr"
    age_max = "12Gyr"
    stop = "2Gyr"                    # optional: star formation stopped this long ago

    [metallicity]                    # fixed | gaussian | age_metallicity
    kind = "gaussian"
    mean = -0.2
    sigma = 0.15

    [place]                          # optional: cluster | milky_way
    kind = "cluster"
    ra = 56.75                       # deg (ICRS)
    dec = 24.12
    distance = 136.0                 # pc
    radius = 2.0                     # pc, Plummer scale radius

Ages are numbers in years or strings with a unit ("100Myr", "12Gyr"). Every key is checked: an
unknown key, a value of the wrong type or out of range, an unknown kind, raise
:class:`RecipeError` naming the key (``imf.slopes``), the value and what is allowed.

``read_recipe(path)`` / ``parse_recipe(text)`` give a :class:`~starmaker.maker.Maker` (or, for a
Milky Way place, a :class:`~starmaker.galaxy.survey.MilkyWay`, see :func:`GalaxyMaker`), its
``source_text`` the recipe's text; ``recipe_to_toml(maker)`` writes one back, so that
``parse_recipe(recipe_to_toml(m)) == m``.
"""

from __future__ import annotations

import difflib
import math
import os
import tomllib
from pathlib import Path
from typing import Any

import numpy as np

from .births.history import (
    AgeMetallicityRelation,
    Burst,
    Bursts,
    Constant,
    Exponential,
    FixedFeH,
    GaussianFeH,
    Metallicity,
    StarFormationHistory,
    Stopped,
)
from .births.imf import IMF, BrokenPowerLaw, Chabrier2003, Kroupa2001, Salpeter1955
from .errors import InvalidParameterError, StarmakerError
from .place.clusters import ClusterPlace
from .units import parse_age, parse_mass

__all__ = ["RecipeError", "GalaxyMaker", "parse_recipe", "read_recipe", "recipe_to_toml", "write_recipe",
           "RECIPE_KEYS"]


#: the largest local density a placed population may ask for (Msun/pc^3): 2000 times the stars near
#: the Sun, far beyond any field population, before the survey's star counts outgrow memory
RHO0_MAX = 100.0


class RecipeError(InvalidParameterError):
    """A recipe file has a key or value that is not allowed; ``name`` is the dotted key."""


_TOP = {"name", "description", "component", "mass", "n", "imf", "sfh", "metallicity", "place", "models",
        "multiplicity"}
#: [multiplicity]: model (births.multiplicity.MODELS) and resolution_arcsec (optional)
_MULT_KEYS = {"model", "resolution_arcsec"}
#: what a recipe's stars may be labelled (the ``component`` column); the default is "cluster" for a
#: cluster place, "population" otherwise
_MAKER_COMPONENTS = ("cluster", "population")
_IMF_KEYS = {
    "kroupa": {"m_min", "m_max"},
    "chabrier": {"m_min", "m_max"},
    "salpeter": {"m_min", "m_max", "alpha"},
    "broken_power_law": {"m_min", "m_max", "slopes", "breaks"},
}
_SFH_KEYS = {
    "burst": ({"age"}, set()),
    "constant": ({"age_min", "age_max"}, set()),
    "exponential": ({"tau", "age_max"}, {"age_min"}),
    "bursts": ({"ages"}, {"weights"}),
}
_FEH_KEYS = {
    "fixed": ({"feh"}, set()),
    "gaussian": ({"mean", "sigma"}, {"lo", "hi"}),
    "age_metallicity": ({"ages", "feh"}, {"sigma", "lo", "hi"}),
}
_PLACE_KEYS = {
    "cluster": ({"ra", "dec", "distance"}, {"radius", "a_v"}),
    "milky_way": ({"component", "limit"}, {"mode", "field", "rho0", "components"}),
}
#: every key a recipe may hold, by table and kind (for documentation and error messages)
RECIPE_KEYS = {"": _TOP, "imf": _IMF_KEYS, "sfh": _SFH_KEYS, "metallicity": _FEH_KEYS, "place": _PLACE_KEYS,
               "multiplicity": _MULT_KEYS}


# ----------------------------------------------------------------------------- reading
def read_recipe(path: str | os.PathLike):
    """The maker described by the TOML recipe file at ``path``."""
    path = Path(path)
    if not path.is_file():
        raise StarmakerError(f"no such recipe file: {path}")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise RecipeError("file", str(path), f"a TOML text file in UTF-8 (byte {exc.start} is not)") from None
    except OSError as exc:
        raise StarmakerError(f"cannot read the recipe {path}: {exc.strerror or exc}") from None
    return parse_recipe(text, source=str(path))


def parse_recipe(text: str, source: str = "recipe"):
    """The maker described by the text of a TOML recipe (see the module docstring)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise StarmakerError(f"{source} is not valid TOML: {exc}.") from exc
    return _build(data, text)


def _unknown(section: str, key: str, value: object, allowed: set[str], what: str) -> RecipeError:
    near = difflib.get_close_matches(key, sorted(allowed), n=1)
    hint = f" Did you mean {near[0]!r}?" if near else ""
    return RecipeError(f"{section}{key}", value, f"an unknown key; {what} takes {', '.join(sorted(allowed))}",
                       hint.strip())


def _check(table: dict, section: str, required: set[str], optional: set[str], what: str) -> None:
    allowed = required | optional | {"kind"}
    for k, v in table.items():
        if k not in allowed:
            raise _unknown(f"{section}.", k, v, allowed, what)
    for k in sorted(required):
        if k not in table:
            raise RecipeError(f"{section}.{k}", None, f"a value: {what} needs {', '.join(sorted(required))}")


def _kind(table: object, section: str, kinds) -> str:
    if not isinstance(table, dict):
        raise RecipeError(section, table, f"a table [{section}] with a 'kind' key")
    kind = table.get("kind")
    if kind not in kinds:
        raise RecipeError(f"{section}.kind", kind, f"one of {', '.join(kinds)}")
    return kind


def _number(table: dict, section: str, key: str, default=None, lo=None, positive=False) -> float:
    v = table.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise RecipeError(f"{section}.{key}", v, "a finite number")
    if positive and not v > 0:
        raise RecipeError(f"{section}.{key}", v, "a positive number")
    if lo is not None and v < lo:
        raise RecipeError(f"{section}.{key}", v, f"a number >= {lo:g}")
    return float(v)


def _numbers(table: dict, section: str, key: str, default=None, lo=None, positive=False) -> list[float]:
    v = table.get(key, default)
    if not isinstance(v, list):
        raise RecipeError(f"{section}.{key}", v, "a list of numbers, e.g. [1.3, 2.3]")
    return [_number({key: x}, section, key, lo=lo, positive=positive) for x in v]


def _ages(table: dict, section: str, key: str) -> list[float]:
    v = table[key]
    if not isinstance(v, list) or not v:
        raise RecipeError(f"{section}.{key}", v, "a non-empty list of ages, e.g. ['1Gyr', '5Gyr']")
    return [_age(x, f"{section}.{key}") for x in v]


def _age(v: object, name: str) -> float:
    from .evolution.isochrones import LOG_AGE_RANGE

    if isinstance(v, bool):
        raise RecipeError(name, v, "an age: a number in yr or a string like '100Myr'")
    try:
        a = parse_age(v, name)
    except InvalidParameterError as exc:
        raise RecipeError(name, v, exc.allowed) from exc
    if not (math.isfinite(a) and a > 0):
        raise RecipeError(name, v, "a positive age: a number in yr or a string like '100Myr'")
    if a > 10 ** LOG_AGE_RANGE[1] and not name.endswith(".tau"):
        raise RecipeError(name, v, f"an age the MIST v2.5 grid covers, up to {10 ** LOG_AGE_RANGE[1]:.4g} yr")
    return a


def _wrap(section: str, build):
    """Call ``build()``; a parameter error from a constructor is re-raised naming the recipe key."""
    try:
        return build()
    except RecipeError:
        raise
    except InvalidParameterError as exc:
        raise RecipeError(f"{section}.{exc.name}", exc.value, exc.allowed) from exc


def _imf(t: dict) -> IMF:
    kind = _kind(t, "imf", tuple(_IMF_KEYS))
    _check(t, "imf", set(), _IMF_KEYS[kind], f"imf kind {kind!r}")
    lim = {"m_min": _number(t, "imf", "m_min", 0.1, positive=True),
           "m_max": _number(t, "imf", "m_max", 100.0, positive=True)}
    if kind == "kroupa":
        return _wrap("imf", lambda: Kroupa2001(**lim))
    if kind == "chabrier":
        return _wrap("imf", lambda: Chabrier2003(**lim))
    if kind == "salpeter":
        alpha = _number(t, "imf", "alpha", 2.35)
        if alpha < 0:
            raise RecipeError("imf.alpha", alpha, _SLOPE_RULE)
        return _wrap("imf", lambda: Salpeter1955(alpha=alpha, **lim))
    if "slopes" not in t:
        raise RecipeError("imf.slopes", None, "a list of slopes: broken_power_law needs slopes (and breaks)")
    slopes = _numbers(t, "imf", "slopes")
    for s in slopes:
        if s < 0:
            raise RecipeError("imf.slopes", slopes, _SLOPE_RULE)
    breaks = _numbers(t, "imf", "breaks", [], positive=True)
    return _wrap("imf", lambda: BrokenPowerLaw(slopes, breaks, **lim))


_SLOPE_RULE = ("slopes >= 0 (dN/dm ∝ m^-slope: a negative slope makes more heavy stars than light "
               "ones, which no measured IMF does)")


def _sfh(t: dict) -> StarFormationHistory:
    kind = _kind(t, "sfh", tuple(_SFH_KEYS))
    req, opt = _SFH_KEYS[kind]
    _check(t, "sfh", req, opt | {"stop"}, f"sfh kind {kind!r}")
    if kind == "burst":
        sfh = Burst(_age(t["age"], "sfh.age"))
    elif kind == "constant":
        lo, hi = _age(t["age_min"], "sfh.age_min"), _age(t["age_max"], "sfh.age_max")
        sfh = _wrap("sfh", lambda: Constant(lo, hi))
    elif kind == "exponential":
        tau = t["tau"]
        try:
            tau_yr = parse_age(tau, "sfh.tau")
        except InvalidParameterError as exc:
            raise RecipeError("sfh.tau", tau, exc.allowed) from exc
        sfh = _wrap("sfh", lambda: Exponential(tau_yr, _age(t["age_max"], "sfh.age_max"),
                                               _age(t.get("age_min", 1e5), "sfh.age_min")))
    else:
        ages = _ages(t, "sfh", "ages")
        weights = _numbers(t, "sfh", "weights", positive=True) if "weights" in t else None
        sfh = _wrap("sfh", lambda: Bursts(ages, weights))
    if "stop" in t:
        stop = _age(t["stop"], "sfh.stop")
        sfh = _wrap("sfh", lambda: Stopped(sfh, stop))
    return sfh


def _metallicity(t: dict) -> Metallicity:
    kind = _kind(t, "metallicity", tuple(_FEH_KEYS))
    req, opt = _FEH_KEYS[kind]
    _check(t, "metallicity", req, opt, f"metallicity kind {kind!r}")
    sec = "metallicity"
    if kind == "fixed":
        from .evolution.isochrones import FEH_RANGE

        feh = _number(t, sec, "feh")
        if not FEH_RANGE[0] <= feh <= FEH_RANGE[1]:
            raise RecipeError(f"{sec}.feh", feh, f"a [Fe/H] the MIST v2.5 grid covers, {FEH_RANGE[0]:g} to "
                              f"{FEH_RANGE[1]:+g} dex")
        return FixedFeH(feh)
    clip = {"lo": _number(t, sec, "lo", -2.5), "hi": _number(t, sec, "hi", 0.5)}
    if kind == "gaussian":
        return _wrap(sec, lambda: GaussianFeH(_number(t, sec, "mean"), _number(t, sec, "sigma", lo=0.0),
                                              **clip))
    return _wrap(sec, lambda: AgeMetallicityRelation(_ages(t, sec, "ages"), _numbers(t, sec, "feh"),
                                                     _number(t, sec, "sigma", 0.0, lo=0.0), **clip))


def _build(data: dict[str, Any], text: str):
    from .maker import Maker

    for k, v in data.items():
        if k not in _TOP:
            raise _unknown("", k, v, _TOP, "a recipe")
    name = data.get("name", "recipe")
    if not isinstance(name, str) or not name.strip():
        raise RecipeError("name", name, "a non-empty string")
    if "description" in data and not isinstance(data["description"], str):
        raise RecipeError("description", data["description"], "a string")
    for sec in ("imf", "sfh", "metallicity"):
        if sec not in data:
            raise RecipeError(sec, None, f"a table [{sec}]: every recipe has [imf], [sfh] and [metallicity]")
    imf, sfh, feh = _imf(data["imf"]), _sfh(data["sfh"]), _metallicity(data["metallicity"])
    place = data.get("place")
    models = data.get("models", "mist")
    if models not in ("mist", "parsec"):
        raise RecipeError("models", models, "mist (the default) or parsec")
    mult = _multiplicity(data.get("multiplicity"))
    if place is not None and _kind(place, "place", tuple(_PLACE_KEYS)) == "milky_way":
        if models != "mist":
            raise RecipeError("models", models, "mist: the Milky Way survey uses MIST only")
        return _galaxy_maker(name, imf, sfh, feh, place, data, text, mult)
    mass, n = data.get("mass"), data.get("n")
    if (mass is None) == (n is None):
        raise RecipeError("mass", mass, "exactly one of mass (total initial Msun) or n (a star count)")
    if mass is not None:
        if isinstance(mass, bool):
            raise RecipeError("mass", mass, "a positive total initial mass in Msun, e.g. 1e5")
        try:
            mass = parse_mass(mass, "mass")
        except InvalidParameterError as exc:
            raise RecipeError("mass", mass, exc.allowed) from exc
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 0):
        raise RecipeError("n", n, "a non-negative whole number of stars")
    where = None
    if place is not None:
        _check(place, "place", *_PLACE_KEYS["cluster"], "place kind 'cluster'")
        args = {k: _number(place, "place", k) for k in ("ra", "dec", "distance", "radius", "a_v")
                if k in place}
        where = _wrap("place", lambda: ClusterPlace(**args))
    component = data.get("component", "cluster" if where is not None else "population")
    if component not in _MAKER_COMPONENTS:
        raise RecipeError("component", component, f"one of {', '.join(_MAKER_COMPONENTS)}")
    try:
        return Maker(imf, sfh, feh, mass=mass, n=n, name=name, component=component, place=where,
                     models=models, source_text=text, **mult)
    except InvalidParameterError as exc:
        raise RecipeError(exc.name, exc.value, exc.allowed) from exc


def _multiplicity(t: object) -> dict[str, Any]:
    """[multiplicity] model = "moe2017" | "spisea" | "trilegal" | "none", resolution_arcsec = 1.0:
    the Maker's ``multiplicity`` and ``resolution_arcsec``."""
    from .births.multiplicity import MODELS

    if t is None:
        return {"multiplicity": "none", "resolution_arcsec": None}
    if not isinstance(t, dict):
        raise RecipeError("multiplicity", t, "a table [multiplicity] with model = " + " | ".join(MODELS))
    for k, v in t.items():
        if k not in _MULT_KEYS:
            raise _unknown("multiplicity.", k, v, _MULT_KEYS, "[multiplicity]")
    model = t.get("model", "none")
    if model not in MODELS:
        raise RecipeError("multiplicity.model", model, "one of " + ", ".join(MODELS))
    res = _number(t, "multiplicity", "resolution_arcsec", lo=0.0) if "resolution_arcsec" in t else None
    return {"multiplicity": model, "resolution_arcsec": res}


# ----------------------------------------------------------------------------- Milky Way
def GalaxyMaker(name: str, imf: IMF, sfh: StarFormationHistory, metallicity: Metallicity,
                component: str, limit: str, mode: str = "replace", field: str = "all",
                rho0: float | None = None, components: tuple[str, ...] | None = None,
                source_text: str | None = None, multiplicity: str = "none",
                resolution_arcsec: float | None = None):
    """A recipe placed in the Milky Way: a :class:`~starmaker.galaxy.survey.MilkyWay` with a
    :class:`~starmaker.galaxy.survey.Placement` (its population replaces one of the Galaxy's
    components, ``mode = "replace"``, or joins them, ``mode = "add"`` with ``rho0``), made to
    ``limit`` in ``field``. The arguments are checked here and a bad one raises a
    :class:`RecipeError` naming its recipe key.

    The survey draws ages uniformly within an age range and [Fe/H] from a Gaussian, so only
    ``burst`` and ``constant`` histories (without ``stop``) and ``fixed`` or ``gaussian``
    metallicities can be placed in the Milky Way. ``multiplicity`` and ``resolution_arcsec`` (the
    recipe's ``[multiplicity]`` table): binaries and multiples in every component
    (:mod:`starmaker.galaxy.systems`).
    """
    from .galaxy.components import COMPONENT_NAMES
    from .galaxy.survey import MilkyWay, Placement

    if component not in COMPONENT_NAMES:
        raise RecipeError("place.component", component, f"one of {', '.join(COMPONENT_NAMES)}")
    if mode not in ("replace", "add"):
        raise RecipeError("place.mode", mode, "'replace' or 'add'")
    if not isinstance(sfh, Burst | Constant):
        raise RecipeError("sfh.kind", sfh.kind, "'burst' or 'constant' (without stop) for a Milky Way place")
    if not isinstance(metallicity, FixedFeH | GaussianFeH):
        raise RecipeError("metallicity.kind", metallicity.kind, "'fixed' or 'gaussian' for a Milky Way place")
    if mode == "add" and rho0 is None:
        raise RecipeError("place.rho0", None, "a local density of living stars (Msun/pc^3) for mode 'add'")
    if rho0 is not None and not (math.isfinite(rho0) and 0 < rho0 <= RHO0_MAX):
        raise RecipeError("place.rho0", rho0, f"a positive density in Msun/pc^3, at most {RHO0_MAX:g} (the "
                          "solar neighbourhood holds ~0.05 in stars: McKee et al. 2015, ApJ 814, 13)")
    others = tuple(components) if components is not None else COMPONENT_NAMES
    for c in others:
        if c not in COMPONENT_NAMES:
            raise RecipeError("place.components", list(others), f"names among {', '.join(COMPONENT_NAMES)}")
    placement = Placement(name, imf, sfh, metallicity, component, mode, rho0, others)
    return _wrap("place", lambda: MilkyWay(placement=placement, limit=limit, field=field,
                                           source_text=source_text, multiplicity=multiplicity,
                                           resolution_arcsec=resolution_arcsec))


def _galaxy_maker(name, imf, sfh, feh, place: dict, data: dict, text: str, mult: dict | None = None):
    _check(place, "place", *_PLACE_KEYS["milky_way"], "place kind 'milky_way'")
    if "component" in data:
        raise RecipeError("component", data["component"], "nothing: a Milky Way place names its component "
                          "in place.component")
    for k in ("mass", "n"):
        if k in data:
            raise RecipeError(k, data[k], "nothing: a Milky Way place is sized by its local density "
                              "(place.rho0, or the replaced component's)")
    comps = place.get("components")
    if comps is not None and not (isinstance(comps, list) and all(isinstance(c, str) for c in comps)):
        raise RecipeError("place.components", comps, "a list of component names")
    for k in ("component", "limit", "mode", "field"):
        if k in place and not isinstance(place[k], str):
            raise RecipeError(f"place.{k}", place[k], "a string")
    rho0 = _number(place, "place", "rho0", positive=True) if "rho0" in place else None
    return GalaxyMaker(name, imf, sfh, feh, place["component"], place["limit"], place.get("mode", "replace"),
                       place.get("field", "all"), rho0, tuple(comps) if comps is not None else None,
                       source_text=text, **(mult or {}))


# ----------------------------------------------------------------------------- writing
def _fmt_age(v: float) -> str:
    """An age in yr as TOML: a string with the largest unit that reads back exactly."""
    for unit, f in (("Gyr", 1e9), ("Myr", 1e6), ("kyr", 1e3)):
        text = f"{v / f!r}{unit}"
        if parse_age(text) == v:
            return f'"{text}"'
    return repr(float(v))


def _fmt(v: object, age: bool = False) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_fmt(x, age) for x in v) + "]"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, int | np.integer):
        return str(int(v))
    if age:
        return _fmt_age(float(v))
    return repr(float(v))


_AGE_KEYS = {"age", "age_min", "age_max", "tau", "ages", "stop"}


def _table(name: str, d: dict, age_keys=_AGE_KEYS) -> list[str]:
    lines = [f"[{name}]"]
    for k, v in d.items():
        if v is None:
            continue
        lines.append(f"{k} = {_fmt(v, age=k in age_keys and not (name == 'metallicity' and k == 'feh'))}")
    return lines


def recipe_to_toml(maker) -> str:
    """The TOML recipe text of a maker; ``parse_recipe`` of it gives an equal maker."""
    r = maker.recipe()
    lines = [f"name = {_fmt(r['name'])}"]
    if r.get("models"):
        lines.append(f"models = {_fmt(r['models'])}")
    if "component" in r and r["component"] != ("cluster" if r.get("place") else "population"):
        lines.append(f"component = {_fmt(r['component'])}")  # a Cluster without a place, say
    if r.get("mass") is not None:
        lines.append(f"mass = {_fmt(float(r['mass']))}")
    elif r.get("n") is not None:
        lines.append(f"n = {int(r['n'])}")
    imf = dict(r["imf"])
    if imf["kind"] == "broken_power_law":
        imf["slopes"] = imf.pop("alphas")
    sfh = dict(r["sfh"])
    if sfh["kind"] == "stopped":
        sfh = {**sfh["sfh"], "stop": sfh["stop"]}
    lines += ["", *_table("imf", imf), "", *_table("sfh", sfh), "", *_table("metallicity", r["metallicity"])]
    if r.get("place"):
        lines += ["", *_table("place", r["place"], age_keys=set())]
    if r.get("multiplicity"):
        lines += ["", *_table("multiplicity", {"model": r["multiplicity"]["model"],
                                               "resolution_arcsec": r["multiplicity"]["resolution_arcsec"]},
                              age_keys=set())]
    return "\n".join(lines) + "\n"


def write_recipe(maker, path: str | os.PathLike) -> None:
    """Write a maker's recipe to ``path`` as TOML (atomically)."""
    from .io.parquet import atomic_path

    with atomic_path(path) as tmp:
        Path(tmp).write_text(recipe_to_toml(maker), encoding="utf-8")

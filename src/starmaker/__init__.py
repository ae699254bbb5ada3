"""starmaker: make stars the way nature does, and show them to the people who look up.

The public API, imported lazily (``import starmaker`` loads nothing heavy; each name's module is
imported on first use, so the command line starts fast)::

    import starmaker as sm
    stars = sm.Cluster(mass=1e4, age="100Myr", feh=0.0).make(seed=1)

The house follows the stars' flow: ``births`` → ``evolution`` → ``photometry`` → ``place`` →
``galaxy`` → ``observe``, with ``io`` and ``reports`` beside; see the README's layout section.
"""

from __future__ import annotations

import importlib
from typing import Any

from ._version import __version__

#: public name -> the module (relative to this package) that defines it
_PUBLIC = {
    "StarmakerError": ".errors",
    "OutOfGridError": ".errors",
    "InvalidParameterError": ".errors",
    "UnknownNameError": ".errors",
    "OutputError": ".errors",
    "IMF": ".births.imf",
    "Kroupa2001": ".births.imf",
    "Chabrier2003": ".births.imf",
    "Salpeter1955": ".births.imf",
    "BrokenPowerLaw": ".births.imf",
    "imf_from_name": ".births.imf",
    "draw_companions": ".births.multiplicity",
    "combine_unresolved": ".births.multiplicity",
    "MapScaledDust": ".place.dust",
    "gaia_errors": ".observe.gaia_errors",
    "Burst": ".births.history",
    "Constant": ".births.history",
    "Exponential": ".births.history",
    "FixedFeH": ".births.history",
    "GaussianFeH": ".births.history",
    "Quenched": ".births.history",
    "Scaled": ".births.history",
    "parse_epoch": ".births.history",
    "propagate": ".place.kinematics",
    "timeline": ".reports.timeline",
    "Maker": ".maker",
    "MakerBase": ".maker",
    "Cluster": ".maker",
    "Population": ".maker",
    "evolve": ".evolution.evolve",
    "lifespan": ".evolution.isochrones",
    "shine": ".photometry.magnitudes",
    "absolute_magnitudes": ".photometry.magnitudes",
    "Stars": ".stars",
    "Observer": ".observe.observer",
    "View": ".observe.observer",
    "Evening": ".observe.observer",
    "DEFAULT_SITE": ".observe.observer",
    "look": ".observe.sky",
    "bodies": ".observe.sky",
    "visible_list": ".observe.sky",
    "first_star": ".observe.sky",
    "conditions_for": ".observe.sky",
    "Wish": ".observe.sky",
    "MilkyWay": ".galaxy.survey",
    "write_hats": ".galaxy.survey",
    "Placement": ".galaxy.survey",
    "make_pixels": ".galaxy.survey",
    "Field": ".galaxy.limits",
    "Limit": ".galaxy.limits",
    "glow_map": ".galaxy.glow",
    "parse_limit": ".galaxy.limits",
    "validate": ".reports.validate",
    "Conditions": ".observe.eye",
    "visible": ".observe.eye",
    "DustDisk": ".place.dust",
    "Component": ".galaxy.components",
    "GalacticPopulation": ".galaxy.components",
    "ThinDisk": ".galaxy.components",
    "ThickDisk": ".galaxy.components",
    "Halo": ".galaxy.components",
    "Bulge": ".galaxy.components",
    "hipparcos": ".io.catalogues",
    "gaia": ".io.catalogues",
    "v_from_hp": ".io.catalogues",
    "COLUMNS": ".schema",
    "PHASES": ".schema",
    "parse_age": ".units",
    "parse_mass": ".units",
    "AgeMetallicityRelation": ".births.history",
    "Bursts": ".births.history",
    "Stopped": ".births.history",
    "ClusterPlace": ".place.clusters",
    "GalaxyMaker": ".recipe",
    "RecipeError": ".recipe",
    "parse_recipe": ".recipe",
    "read_recipe": ".recipe",
    "recipe_to_toml": ".recipe",
    "write_recipe": ".recipe",
    "IntegratedLight": ".reports.integrated",
    "integrate": ".reports.integrated",
    "ssp": ".reports.integrated",
    "Comparison": ".reports.compare",
    "compare": ".reports.compare",
}

__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'starmaker' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # the next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))

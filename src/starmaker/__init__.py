"""starmaker: make stars the way nature does, and show them to the people who look up.

The public API, re-exported here::

    from starmaker import Cluster, Kroupa2001, lifespan
    stars = Cluster(mass=1e4, age="100Myr", feh=0.0).make(seed=1)
"""

__version__ = "0.1.0"

from .compare import Comparison, compare  # noqa: E402
from .errors import InvalidParameterError, OutOfGridError, StarmakerError, UnknownNameError  # noqa: E402
from .evolution import evolve  # noqa: E402
from .extinction import DustDisk  # noqa: E402
from .galaxy import Bulge, Component, Halo, ThickDisk, ThinDisk  # noqa: E402
from .history import (  # noqa: E402
    AgeMetallicityRelation,
    Burst,
    Bursts,
    Constant,
    Exponential,
    FixedFeH,
    GaussianFeH,
    Quenched,
    Scaled,
    Stopped,
    parse_epoch,
)
from .imf import IMF, BrokenPowerLaw, Chabrier2003, Kroupa2001, Salpeter1955, imf_from_name  # noqa: E402
from .integrated import IntegratedLight, integrate, ssp  # noqa: E402
from .isochrones import lifespan  # noqa: E402
from .kinematics import propagate  # noqa: E402
from .maker import Cluster, Maker, Population  # noqa: E402
from .observer import DEFAULT_SITE, Evening, Observer, View  # noqa: E402
from .photometry import absolute_magnitudes, shine  # noqa: E402
from .places import ClusterPlace  # noqa: E402
from .realsky import gaia, hipparcos, v_from_hp  # noqa: E402
from .recipe import GalaxyMaker, RecipeError, parse_recipe, read_recipe  # noqa: E402
from .schema import COLUMNS, PHASES  # noqa: E402
from .sky import Wish, bodies, conditions_for, first_star, look, visible_list  # noqa: E402
from .stars import Stars  # noqa: E402
from .survey import Field, MilkyWay, parse_limit  # noqa: E402
from .timeline import timeline  # noqa: E402
from .units import parse_age, parse_mass  # noqa: E402
from .validate import validate  # noqa: E402
from .visibility import Conditions, visible  # noqa: E402

__all__ = [
    "__version__",
    "StarmakerError",
    "OutOfGridError",
    "InvalidParameterError",
    "UnknownNameError",
    "IMF",
    "Kroupa2001",
    "Chabrier2003",
    "Salpeter1955",
    "BrokenPowerLaw",
    "imf_from_name",
    "Burst",
    "Constant",
    "Exponential",
    "FixedFeH",
    "GaussianFeH",
    "Quenched",
    "Scaled",
    "parse_epoch",
    "propagate",
    "timeline",
    "Maker",
    "Cluster",
    "Population",
    "evolve",
    "lifespan",
    "shine",
    "absolute_magnitudes",
    "Stars",
    "Observer",
    "View",
    "Evening",
    "DEFAULT_SITE",
    "look",
    "bodies",
    "visible_list",
    "first_star",
    "conditions_for",
    "Wish",
    "MilkyWay",
    "Field",
    "parse_limit",
    "validate",
    "Conditions",
    "visible",
    "DustDisk",
    "Component",
    "ThinDisk",
    "ThickDisk",
    "Halo",
    "Bulge",
    "hipparcos",
    "gaia",
    "v_from_hp",
    "COLUMNS",
    "PHASES",
    "parse_age",
    "parse_mass",
    "AgeMetallicityRelation",
    "Bursts",
    "Stopped",
    "ClusterPlace",
    "GalaxyMaker",
    "RecipeError",
    "parse_recipe",
    "read_recipe",
    "IntegratedLight",
    "integrate",
    "ssp",
    "Comparison",
    "compare",
]

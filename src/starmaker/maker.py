"""The maker: a star-formation recipe (IMF + history + metallicity + size) that makes stars.

``maker.make(seed=1)`` draws the births, evolves them and makes them shine:

    births (mass_initial, age, feh) ──evolve──▶ stars ──shine──▶ stars with magnitudes

Randomness is explicit and reproducible: the user's seed becomes a ``numpy.random.SeedSequence``
whose spawned children drive each kind of draw (masses, ages, metallicities), so one seed gives
the same stars bit for bit.

Epochs: ``maker.make(seed, epoch="-1Gyr")`` makes the stars as seen at an epoch (yr relative to
today, −4.5 … +10 Gyr). Births are keyed by *formation time*, never by the epoch: the births up to
today are drawn exactly as for today; those after today (a history still forming stars goes on
at its present rate) are drawn in slabs of ``FUTURE_SLAB_YR``, each from its own generator keyed
by the slab's number; a neglected history (``Quenched``, ``Scaled``) keeps each birth with a
probability set by its formation time, from a stream of its own. The stars at an epoch are then
exactly the births formed at least 10⁵ yr (the grid's youngest age) before it, in the same
order, with age = epoch − formation time: the same seed at two epochs gives the same stars, and
those that died in between are exactly those whose lifespans ended in between.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._version import __version__
from .births.history import Burst, FixedFeH, Metallicity, StarFormationHistory, parse_epoch
from .births.imf import IMF, Kroupa2001
from .errors import InvalidParameterError
from .evolution.isochrones import LOG_AGE_RANGE, grid_ranges
from .photometry.magnitudes import shine
from .place.clusters import Place
from .schema import COMPONENTS
from .stars import Stars
from .units import parse_age, parse_mass

__all__ = ["MakerBase", "Maker", "Cluster", "Population"]

_STREAMS = ("mass", "age", "feh")
#: future births are drawn in slabs of formation time this long (yr), one generator each
FUTURE_SLAB_YR = 1e8
#: spawn keys (appended to the seed's) of the neglect stream and of the future slabs
_KEEP_KEY, _FUTURE_KEY = 1_000_001, 1_000_002
#: spawn key of the companions' stream (one per future slab too: (_MULT_KEY, k))
_MULT_KEY = 1_000_003
#: the youngest age a made star can have (yr): the MIST grid's first isochrone
AGE_MIN = 10.0 ** LOG_AGE_RANGE[0]


def _age_min(models: str) -> float:
    """The youngest age a made star can have with grid ``models`` (yr): its first isochrone."""
    return 10.0 ** grid_ranges(models)["log_age"][0]


class MakerBase:
    """What every maker shares (:class:`Maker` and so :class:`Cluster` and :class:`Population`;
    :class:`starmaker.galaxy.survey.MilkyWay`):

    * ``make(seed=..., epoch=...)`` gives its :class:`~starmaker.stars.Stars`: the same seed, the
      same stars; ``epoch`` (yr relative to today, or '-1Gyr') the stars as seen then;
    * ``recipe()`` gives everything that defines it as plain data (written into the metadata);
      makers are equal, and hash alike, when their recipes are equal;
    * ``source_text`` is the text of the recipe file it was read from (None when it was built
      in code); ``make`` keeps it in the metadata (``recipe_toml``) as written.
    """

    #: the text of the recipe file this maker was read from (None: built in code)
    source_text: str | None = None

    def make(self, seed: int | np.random.SeedSequence = 0, epoch: float | str = 0.0) -> Stars:
        raise NotImplementedError

    def recipe(self) -> dict[str, Any]:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MakerBase) and self.recipe() == other.recipe()

    def __hash__(self) -> int:
        return hash(repr(self.recipe()))


class Maker(MakerBase):
    """A star-formation recipe.

    Parameters
    ----------
    imf : IMF
        Initial mass function (its mass limits must lie in MIST's 0.1–300 M☉).
    sfh : StarFormationHistory
        When stars were born (ages before the epoch of observation).
    metallicity : Metallicity
        Their [Fe/H].
    mass : float or str, optional
        Total initial mass made (M☉) up to today; or give ``n``, the number of stars. A history
        still forming stars forms more after today at its present rate; a neglected one
        (``Quenched``, ``Scaled``) keeps its share of these births.
    name : str
        A label, written into the metadata.
    component : str
        The ``component`` column's value for these stars.
    models : str
        Stellar models: "mist" (default; the only grid the Milky Way survey uses) or "parsec".
    place : Place, optional
        Where the stars are (e.g. a :class:`~starmaker.place.clusters.ClusterPlace`).
    source_text : str, optional
        The recipe file's text, when read from one (see :class:`MakerBase`).
    multiplicity : str
        Binaries and multiples (:mod:`starmaker.births.multiplicity`): "none" (default: single
        stars, the tables of before), "moe2017", "spisea" or "trilegal". The IMF's draws are the
        primaries; each gets its companions (same age, [Fe/H] and place; evolved and made to
        shine as single stars of their own masses); with ``mass``, primaries are kept in drawing
        order while primaries + companions stay within the mass
        (:func:`~starmaker.births.multiplicity.trim_to_mass`); with ``n``, ``n`` primaries. The
        table gets the system columns (``system_id``, ``system_size``, ``q``, ``period``,
        ``separation_au``, ``unresolved``), each system's stars in a row, primary first.
    resolution_arcsec : float, optional
        With a ``place`` (which gives distances): companions closer to their primary than this
        (semi-major axis / distance; models without orbits: always) are unresolved, their light
        added to the primary's apparent and absolute magnitudes in every band
        (:func:`~starmaker.births.multiplicity.combine_unresolved`). None (default): every star
        keeps its own light.
    """

    def __init__(
        self,
        imf: IMF,
        sfh: StarFormationHistory,
        metallicity: Metallicity,
        mass: float | str | None = None,
        n: int | None = None,
        name: str = "population",
        component: str = "population",
        place: Place | None = None,
        models: str = "mist",
        source_text: str | None = None,
        multiplicity: str = "none",
        resolution_arcsec: float | None = None,
    ) -> None:
        from .births.multiplicity import MODELS

        if multiplicity not in MODELS:
            from .errors import UnknownNameError

            raise UnknownNameError("multiplicity model", multiplicity, MODELS)
        res = resolution_arcsec
        if res is not None and not (isinstance(res, int | float) and math.isfinite(res) and res >= 0):
            raise InvalidParameterError("resolution_arcsec", resolution_arcsec,
                                        "a non-negative angle in arcsec (e.g. 0.4 for Gaia), or None")
        self.multiplicity = multiplicity
        self.resolution_arcsec = None if resolution_arcsec is None else float(resolution_arcsec)
        grid = grid_ranges(models)
        if (mass is None) == (n is None):
            raise InvalidParameterError("mass/n", (mass, n), "exactly one of a total mass or a star count")
        if mass is not None:
            mass = parse_mass(mass, "mass")
            if not (math.isfinite(mass) and mass > 0):
                raise InvalidParameterError("mass", mass, "a positive total mass in Msun, e.g. 1e4")
        if n is not None and (int(n) != n or n < 0):
            raise InvalidParameterError("n", n, "a non-negative whole number of stars")
        if imf.m_min < grid["mass"][0] - 1e-12 or imf.m_max > grid["mass"][1] + 1e-9:
            raise InvalidParameterError(
                "imf mass limits",
                (imf.m_min, imf.m_max),
                f"limits inside the {grid['name']}'s {grid['mass'][0]:g}-{grid['mass'][1]:g} Msun",
            )
        if component not in COMPONENTS:
            raise InvalidParameterError("component", component, f"one of {', '.join(COMPONENTS)}")
        self.imf, self.sfh, self.metallicity = imf, sfh, metallicity
        self.mass, self.n = mass, (int(n) if n is not None else None)
        self.name, self.component = name, component
        self.place = place
        self.models = models
        self.source_text = source_text

    def recipe(self) -> dict[str, Any]:
        """Everything that defines this maker, as plain data (written into the metadata)."""
        return {
            "name": self.name,
            "component": self.component,
            "imf": {"kind": self.imf.name, **self.imf.params()},
            "sfh": {"kind": self.sfh.kind, **self.sfh.params()},
            "metallicity": {"kind": self.metallicity.kind, **self.metallicity.params()},
            "mass": self.mass,
            "n": self.n,
            **({"place": {"kind": self.place.kind, **self.place.params()}} if self.place else {}),
            **({"models": self.models} if self.models != "mist" else {}),
            **({"multiplicity": {"model": self.multiplicity, "resolution_arcsec": self.resolution_arcsec}}
               if self.multiplicity != "none" else {}),
        }

    def __repr__(self) -> str:
        size = f"mass={self.mass:g}" if self.mass is not None else f"n={self.n}"
        return f"Maker({self.name!r}, {self.imf!r}, {self.sfh!r}, {self.metallicity!r}, {size})"

    def births(self, seed: int | np.random.SeedSequence, epoch: float | str = 0.0) -> dict[str, np.ndarray]:
        """Draw initial masses (M☉), ages at ``epoch`` (yr) and [Fe/H] (dex): the births up to
        the epoch (yr relative to today), not yet evolved. See the module notes on epochs."""
        e = parse_epoch(epoch)
        ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        keyed = lambda *key: np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, *key))  # noqa: E731
        rngs = dict(zip(_STREAMS, (np.random.default_rng(s) for s in ss.spawn(len(_STREAMS))), strict=True))
        if self.mass is not None:
            m = self.imf.sample_mass(self.mass, rngs["mass"])
        else:
            m = self.imf.sample(self.n, rngs["mass"])
        comps = []
        if self.multiplicity != "none":
            m, c = self._companions(m, keyed(_MULT_KEY), self.mass)
        ages = self.sfh.sample_ages(len(m), rngs["age"])
        feh = self.metallicity.sample_feh(ages, rngs["feh"])
        t_form = -ages
        keep = t_form <= e - _age_min(self.models)
        factor = self.sfh.rate_factor(t_form)
        if np.any(factor < 1.0):
            u = np.random.default_rng(keyed(_KEEP_KEY)).random(len(m))
            keep &= u < factor
        parts = [(m[keep], t_form[keep], feh[keep])]
        if self.multiplicity != "none":
            comps.append(_kept_companions(c, keep))
        parts += self._future_births(e, keyed, comps)
        m, t_form, feh = (np.concatenate(p) for p in zip(*parts, strict=True))
        if self.multiplicity != "none":
            return _systems(m, e - t_form, feh, [len(p[0]) for p in parts], comps)
        return {"mass_initial": m, "age": e - t_form, "feh": feh}

    def _companions(self, m: np.ndarray, seq: np.random.SeedSequence, mass: float | None):
        """The primaries ``m`` (those kept, with a total ``mass``: primaries + companions within
        it) and their companions (``draw_companions``' dict, ``primary`` indexing the kept)."""
        from .births.multiplicity import draw_companions, trim_to_mass

        c = draw_companions(m, np.random.default_rng(seq), self.multiplicity)
        # companions below the grid's least mass (0.1 M☉ for MIST: M&dS's reach 0.08 M☉, SPISEA's
        # q = 0.01) are not made: they would have no tracks (and shine too little to matter)
        low = c["m2_msun"] >= grid_ranges(self.models)["mass"][0]
        c = {k: v[low] for k, v in c.items()}
        if mass is None or len(m) == 0:
            return m, c
        keep_p, _ = trim_to_mass(m, c, mass)
        return m[keep_p], _kept_companions(c, keep_p)

    def _future_births(self, e: float, keyed, comps: list | None = None
                       ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Births after today, up to epoch ``e``: slab k (formation times k·Δ … (k+1)·Δ) holds
        the present rate × Δ × the largest rate factor in the slab, thinned to the factor at
        each star's own formation time; slab k always draws the same stars."""
        rate = self.sfh.future_rate()
        out = []
        if e <= 0 or rate <= 0:
            return out
        dt = FUTURE_SLAB_YR
        breaks = np.asarray(self.sfh.breaks(), float)
        for k in range(math.ceil(e / dt)):
            t0, t1 = k * dt, (k + 1) * dt
            probe = np.concatenate([[t0 + 1e-6 * dt, t1], breaks[(breaks >= t0) & (breaks < t1)] + 1e-6 * dt])
            fmax = float(np.max(self.sfh.rate_factor(probe)))
            if fmax <= 0:
                continue
            rng = np.random.default_rng(keyed(_FUTURE_KEY, k))
            if self.mass is not None:
                m = self.imf.sample_mass(self.mass * rate * dt * fmax, rng)
            else:
                m = self.imf.sample(rng.poisson(self.n * rate * dt * fmax), rng)
            if self.multiplicity != "none":
                m, c = self._companions(m, keyed(_MULT_KEY, k), self.mass * rate * dt * fmax
                                        if self.mass is not None else None)
            t = t0 + dt * rng.random(len(m))
            u = rng.random(len(m))
            # the metallicity of the youngest stars carries on
            feh = self.metallicity.sample_feh(np.zeros(len(m)), rng)
            keep = (u * fmax < self.sfh.rate_factor(t)) & (t <= e - _age_min(self.models))
            out.append((m[keep], t[keep], feh[keep]))
            if self.multiplicity != "none" and comps is not None:
                comps.append(_kept_companions(c, keep))
        return out

    def make(self, seed: int | np.random.SeedSequence = 0, epoch: float | str = 0.0, bands=None) -> Stars:
        """Make the stars: draw births, evolve them, make them shine. Same seed, same stars.

        ``epoch`` (yr relative to today, or '-1Gyr', '+500Myr'; −4.5 … +10 Gyr): the stars as
        seen then — born by then, aged to then, dead or alive then. ``bands``: the photometric
        bands (None: the defaults; "all"; or names, see :func:`starmaker.shine`)."""
        e = parse_epoch(epoch)
        b = self.births(seed, e)
        _check_births(b, self.models)
        meta = {
            "starmaker": __version__,
            "recipe": self.recipe(),
            "seed": seed if isinstance(seed, int) else repr(seed),
            "epoch": e,
        }
        if self.source_text:  # read from a recipe file: keep its text as written
            meta["recipe_toml"] = self.source_text
        from .evolution.evolve import evolve_through

        stars = shine(evolve_through(b["mass_initial"], b["age"], b["feh"], meta=meta, models=self.models),
                      bands)
        code = COMPONENTS.index(self.component)
        stars = stars.with_columns(component=np.full(len(stars), code, np.int8))
        if self.multiplicity != "none":
            stars = stars.with_columns(**{k: b[k] for k in _SYSTEM_KEYS})
        if self.place is not None:  # its own stream: the births are those of the same maker unplaced
            ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
            child = np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, len(_STREAMS)))
            stars = self.place.place(stars, np.random.default_rng(child))
            if self.multiplicity != "none":
                # a system's members at its primary's place (the centre of mass, as multiplicity says)
                stars = _at_primary(stars)
                if self.resolution_arcsec is not None:
                    stars = _combine(stars, self.resolution_arcsec)
        return stars


_SYSTEM_KEYS = ("system_id", "system_size", "q", "period", "separation_au", "unresolved")


def _kept_companions(c: dict[str, np.ndarray], keep: np.ndarray) -> dict[str, np.ndarray]:
    """The companions of the kept primaries (``keep``: a mask over the primaries), ``primary``
    renumbered to index the kept ones."""
    sel = keep[c["primary"]]
    new_index = np.cumsum(keep) - 1
    out = {k: v[sel] for k, v in c.items()}
    out["primary"] = new_index[out["primary"]]
    return out


def _systems(m, age, feh, sizes: list[int], comps: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """The births as systems: each primary followed by its companions (same age and [Fe/H]),
    with the system columns. ``sizes``: primaries per part; ``comps``: each part's companions."""
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    prim = np.concatenate([c["primary"] + o for c, o in zip(comps, offsets, strict=True)])
    cq, cm2, clogp, csep = (np.concatenate([c[k] for c in comps]) for k in ("q", "m2_msun", "log_p_days",
                                                                              "separation_au"))
    order = np.argsort(prim, kind="stable")
    prim, cq, cm2, clogp, csep = prim[order], cq[order], cm2[order], clogp[order], csep[order]
    n_p = len(m)
    n_comp = np.bincount(prim, minlength=n_p)
    size = 1 + n_comp
    start = np.concatenate([[0], np.cumsum(size)[:-1]])  # each system's first row (its primary)
    n = int(size.sum())
    is_comp = np.ones(n, bool)
    is_comp[start] = False
    rows_c = np.flatnonzero(is_comp)  # companions, in primary order (prim is sorted)
    sys_id = np.repeat(np.arange(n_p, dtype=np.int64), size)
    mass = np.empty(n)
    mass[start], mass[rows_c] = m, cm2
    nan = np.full(n, np.nan)
    q, logp, sep = nan.copy(), nan.copy(), nan.copy()
    q[rows_c], logp[rows_c], sep[rows_c] = cq, clogp, csep
    return {"mass_initial": mass, "age": np.repeat(age, size), "feh": np.repeat(feh, size),
            "system_id": sys_id, "system_size": np.repeat(size, size).astype(np.int64), "q": q,
            "period": 10.0**logp, "separation_au": sep, "unresolved": np.zeros(n, bool)}


def _first_rows(system_id: np.ndarray) -> np.ndarray:
    """Each row's system's first row (its primary): rows of a system are contiguous."""
    first = np.flatnonzero(np.r_[True, system_id[1:] != system_id[:-1]])
    return np.repeat(first, np.diff(np.r_[first, len(system_id)]))


def _at_primary(stars: Stars) -> Stars:
    """Companions moved to their primary's position (ra, dec, l, b, distance, A_V), their apparent
    magnitudes shifted by the change in distance modulus and extinction taken at the new A_V."""
    from .photometry import bands as registry
    from .photometry.magnitudes import apparent_magnitudes, extinctions

    p = _first_rows(stars["system_id"])
    moved = {k: stars[k][p] for k in ("ra", "dec", "l", "b", "distance", "A_V") if k in stars}
    if "distance" not in moved:
        return stars
    shining = tuple(b for b in registry.names() if f"M_{b}" in stars and b in stars)
    ext = extinctions(moved["A_V"], stars["log_Teff"], stars["log_g"], stars["feh"], shining)
    mags = apparent_magnitudes(stars, 5.0 * np.log10(moved["distance"]) - 5.0, ext, shining)
    return stars.with_columns(**moved, **mags)


def _combine(stars: Stars, resolution_arcsec: float) -> Stars:
    """Unresolved companions' light added to their primary's apparent and absolute magnitudes in
    every band; the companions flagged ``unresolved``."""
    from .births.multiplicity import combine_unresolved, unresolved
    from .photometry import bands as registry

    p = _first_rows(stars["system_id"])
    comp = np.flatnonzero(p != np.arange(len(stars)))
    un = unresolved(stars["separation_au"][comp], stars["distance"][comp], resolution_arcsec)
    comp = comp[un]
    flag = np.zeros(len(stars), bool)
    flag[comp] = True
    prim = np.unique(p[comp])
    cols = {}
    for b in registry.names():
        for name in (b, f"M_{b}"):
            if name in stars:
                col = np.array(stars[name], float)
                total = combine_unresolved(col, col[comp], primary=p[comp])
                col[prim] = total[prim]
                cols[name] = col
    return stars.with_columns(**cols, unresolved=flag)


def _check_births(b: dict[str, np.ndarray], models: str = "mist") -> None:
    from .evolution.isochrones import check_inputs

    if len(b["age"]):
        # ages beyond the grid's last isochrone are allowed (evolve_through), not below its first
        la = np.minimum(np.log10(np.maximum(b["age"], 1e-300)), grid_ranges(models)["log_age"][1])
        check_inputs(b["mass_initial"], la, b["feh"], models)


class Cluster(Maker):
    """A single-age star cluster: total initial ``mass`` (M☉), ``age``, ``feh``, IMF.

    >>> stars = Cluster(mass=1e4, age="100Myr", feh=0.0).make(seed=1)   # doctest: +SKIP
    """

    def __init__(
        self,
        mass: float | str = 1e4,
        age: float | str = "100Myr",
        feh: float = 0.0,
        imf: IMF | None = None,
        name: str = "cluster",
        models: str = "mist",
        multiplicity: str = "none",
        resolution_arcsec: float | None = None,
    ) -> None:
        age_yr = parse_age(age, "age")
        r = grid_ranges(models)
        lo, hi = 10 ** r["log_age"][0], 10 ** r["log_age"][1]
        if not (lo <= age_yr <= hi):
            from .errors import OutOfGridError

            raise OutOfGridError("age", age, lo, hi, "yr", r["name"])
        if not (r["feh"][0] <= float(feh) <= r["feh"][1]):
            from .errors import OutOfGridError

            raise OutOfGridError("feh", feh, r["feh"][0], r["feh"][1], "dex", r["name"])
        super().__init__(
            imf or Kroupa2001(),
            Burst(age_yr),
            FixedFeH(float(feh)),
            mass=mass,
            name=name,
            component="cluster",
            models=models,
            multiplicity=multiplicity,
            resolution_arcsec=resolution_arcsec,
        )


class Population(Maker):
    """A field population: an IMF, a star-formation history, a metallicity model and a size."""

    def __init__(
        self,
        sfh: StarFormationHistory,
        metallicity: Metallicity | None = None,
        imf: IMF | None = None,
        mass: float | str | None = None,
        n: int | None = None,
        name: str = "population",
        models: str = "mist",
        multiplicity: str = "none",
        resolution_arcsec: float | None = None,
    ) -> None:
        super().__init__(
            imf or Kroupa2001(),
            sfh,
            metallicity or FixedFeH(0.0),
            mass=mass,
            n=n,
            name=name,
            component="population",
            models=models,
            multiplicity=multiplicity,
            resolution_arcsec=resolution_arcsec,
        )

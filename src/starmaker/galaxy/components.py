"""The Milky Way as makers: thin disc, thick disc, stellar halo and bulge/bar.

Each component is a :class:`Component`: a density law (present-day stellar mass per pc³,
normalised to the published local value at the Sun) and one or more stellar populations (an
IMF, a star-formation history and an [Fe/H] distribution). The model is the Besançon model of
Robin et al. (2003, A&A 409, 523; "R03") as set up in Galaxia (Sharma et al. 2011, ApJ 730, 3;
"S11", their Tables 1 and 2). Every number below cites its table.

Normalisation. R03's local densities ρ0 are the present-day mass density of *living* stars
(white dwarfs are counted separately there). starmaker makes stars from their *initial* mass, so
each population's initial mass density is ρ0 / f_alive, where f_alive is the fraction of the
initial mass still in living stars today for that population's IMF and ages — computed once from
the same MIST evolution that makes the stars (so the two agree by construction). Dead stars
(white dwarfs, neutron stars, black holes) then follow from the model instead of a separate
normalisation.

Metallicity: MIST covers [Fe/H] −2.5…+0.5, so drawn metallicities are clipped to that range
(this affects the metal-poor tail of the halo, whose mean is −1.78 with σ = 0.5).

Users can swap or add components: any :class:`Component` with a ``density(x, y, z)`` method and
populations works, including a :class:`~starmaker.maker.Maker`-like recipe at a place.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from ..births.history import Constant, GaussianFeH, StarFormationHistory
from ..births.imf import IMF, BrokenPowerLaw
from ..evolution.isochrones import FEH_RANGE
from ..place.frames import R_SUN_PC, Z_SUN_PC

__all__ = ["GalacticPopulation", "Component", "ThinDisk", "ThickDisk", "Halo", "Bulge",
           "milky_way_components", "COMPONENT_NAMES"]

COMPONENT_NAMES = ("thin_disk", "thick_disk", "halo", "bulge")


def grid_feh(mean: float, sigma: float) -> GaussianFeH:
    """[Fe/H] ~ N(``mean``, ``sigma``) dex clipped to the MIST grid (the survey's metallicities)."""
    return GaussianFeH(mean, sigma, *FEH_RANGE)


@dataclass(frozen=True)
class GalacticPopulation:
    """A stellar population inside a component: an IMF, a star-formation history (a
    :class:`~starmaker.births.history.Constant`, possibly ``Quenched`` or ``Scaled``), a
    :class:`~starmaker.births.history.GaussianFeH` metallicity clipped to the MIST grid
    (:func:`grid_feh`), and its share of the component's local density (``rho0``, present-day
    living-star mass, M☉/pc³). (The maker of a field population is
    :class:`starmaker.maker.Population`; this is a part of a Galactic component.)"""

    name: str
    imf: IMF
    sfh: StarFormationHistory
    metallicity: GaussianFeH
    rho0: float  # M☉ pc⁻³ of living stars where the density law is 1 (the Sun, mostly)
    density_key: int = 0  # which density law of the component (thin disc age bins differ)
    rho0_is_initial: bool = False  # rho0 is already the initial (formed) mass density

    def __post_init__(self) -> None:
        m = self.metallicity
        if not (isinstance(m, GaussianFeH) and (m.lo, m.hi) == tuple(FEH_RANGE)):
            from ..errors import InvalidParameterError

            raise InvalidParameterError("metallicity", m, "a GaussianFeH clipped to the MIST grid: "
                                        "grid_feh(mean, sigma)")

    @property
    def feh_mean(self) -> float:
        return self.metallicity.mean

    @property
    def feh_sigma(self) -> float:
        return self.metallicity.sigma

    def sample_feh(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return self.metallicity.sample_feh(np.empty(n), rng)

    @functools.cached_property
    def alive_fraction(self) -> float:
        """Fraction of the initial mass in living stars today (MIST, by quadrature)."""
        return _alive_fraction(self.imf, self.sfh, self.feh_mean)

    @property
    def rho0_initial(self) -> float:
        """Initial stellar mass formed per pc³ where the density law is 1 (the Sun; the
        centre for the bulge), M☉ pc⁻³."""
        return self.rho0 if self.rho0_is_initial else self.rho0 / self.alive_fraction


def _alive_fraction(imf: IMF, sfh: StarFormationHistory, feh: float) -> float:
    from ..evolution.isochrones import lifespan

    rng = np.random.default_rng(12345)
    ages = np.sort(sfh.sample_ages(4001, rng))[::100]  # 41 age quantiles
    m = np.geomspace(imf.m_min, imf.m_max, 4000)
    w = imf.pdf(m) * m  # mass-weighted
    mid = 0.5 * (m[1:] + m[:-1])
    wm = 0.5 * (w[1:] + w[:-1]) * np.diff(m)
    life, _ = lifespan(mid, np.clip(feh, *FEH_RANGE))
    total = wm.sum()
    alive = np.mean([(wm * (life > a)).sum() for a in ages])
    # current mass of living stars is slightly below initial (winds): ignored, < 1 % here
    return float(alive / total)


@dataclass
class Component:
    """A Galactic component: populations and a density law.

    Subclasses implement ``_shape(x, y, z, key)``: the density law's shape (dimensionless,
    1 at the Sun's position); ``density`` multiplies by each population's local density.
    """

    name: str
    populations: tuple[GalacticPopulation, ...]
    r_sun: float = R_SUN_PC
    z_sun: float = Z_SUN_PC

    def _shape(self, x, y, z, key: int):
        raise NotImplementedError

    def _norm_point(self) -> tuple[float, float, float]:
        """Where the density law is normalised to 1 (galactocentric pc): the Sun."""
        return (-self.r_sun, 0.0, self.z_sun)

    def density(self, x, y, z) -> np.ndarray:
        """Present-day living-star mass density (M☉ pc⁻³) at galactocentric (x, y, z) pc
        (for the bulge: initial mass density, as R03 normalises it by star counts)."""
        return sum(p.rho0 * self.shape(x, y, z, p.density_key) for p in self.populations)

    def shape(self, x, y, z, key: int = 0):
        """The density law normalised to 1 at the Sun."""
        x, y, z = (np.asarray(v, float) for v in (x, y, z))
        return self._shape(x, y, z, key) / self._norm(key)

    @functools.cache  # noqa: B019 - components are long-lived, few
    def _norm(self, key: int) -> float:
        x, y, z = (np.array([v]) for v in self._norm_point())
        return float(self._shape(x, y, z, key)[0])

    def __hash__(self) -> int:
        return id(self)

    def at_epoch(self, epoch: float) -> Component:
        """This component as seen at ``epoch`` (yr relative to today). Its populations become
        populations of constant formation rate with ages shifted to the epoch:

        * each population formed its initial mass (``rho0_initial``, fixed by today's
          normalisation) at a constant rate over formation times −age_max … −age_min (yr
          relative to today); only the stars formed at least 10⁵ yr (the grid's youngest age)
          before the epoch are there, aged epoch − formation time;
        * a history still forming stars today (``sfh.future_rate() > 0``: the thin disc's
          youngest bin) goes on at that rate into the future, with the same IMF and [Fe/H];
          one that has stopped forms nothing more;
        * a neglected history (``Quenched``, ``Scaled``) multiplies the rate by its
          ``rate_factor``, piecewise between its ``breaks``;
        * where the density law depends on age (the thin disc: older stars in thicker
          layers), stars take the law of their age *at the epoch*, keeping their surface
          density at the Sun (local density × the law's column ∫ρ dz); positions otherwise
          keep today's laws (no disc growth or radial migration), and dust is today's.

        Today (and no neglect) gives the component itself.
        """
        pops = tuple(q for p in self.populations for q in self._population_at(p, epoch))
        if pops == self.populations:
            return self
        import copy

        out = copy.copy(self)
        out.populations = pops
        return out

    def neglected(self, wrap) -> Component:
        """A copy whose every population's history is ``wrap(sfh)`` (e.g. a ``Quenched``)."""
        import copy
        from dataclasses import replace

        out = copy.copy(self)
        out.populations = tuple(replace(p, sfh=wrap(p.sfh)) for p in self.populations)
        return out

    def age_keys(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Age edges (yr) and the density-law key of each age range between them, where the
        law depends on age (None: it does not)."""
        return None

    @functools.cache  # noqa: B019 - components are long-lived, few
    def column(self, key: int) -> float:
        """∫ shape dz (pc) through the Sun's position, for law ``key``."""
        z = np.linspace(-20000.0, 20000.0, 400001)
        f = self.shape(np.full_like(z, -self.r_sun), np.zeros_like(z), z, key)
        return float(np.sum(f) * (z[1] - z[0]))

    def _population_at(self, pop: GalacticPopulation, epoch: float) -> tuple[GalacticPopulation, ...]:
        from ..births.history import Constant

        sfh = pop.sfh
        base = sfh
        while hasattr(base, "sfh") and not isinstance(base, Constant):
            base = base.sfh
        if not isinstance(base, Constant):
            from ..errors import InvalidParameterError

            raise InvalidParameterError("sfh", sfh, "a Constant history (possibly Quenched or "
                                        "Scaled) for a Milky Way population")
        if epoch == 0 and sfh is base:
            return (pop,)
        a0, a1 = base.age_min, base.age_max
        rate = pop.rho0_initial / (a1 - a0)  # M☉ pc⁻³ yr⁻¹
        spans = [(-a1, -a0)]
        if sfh.future_rate() > 0 and epoch > 0:
            spans.append((0.0, float(epoch)))
        keys = self.age_keys()
        age_edges = [] if keys is None else [epoch - a for a in keys[0]]
        out = []
        for t0, t1 in spans:
            t1 = min(t1, epoch - 1e5)
            if t1 <= t0:
                continue
            cuts = sorted({t0, t1, *(b for b in (*sfh.breaks(), *age_edges) if t0 < b < t1)})
            for s0, s1 in zip(cuts[:-1], cuts[1:], strict=False):
                mid = 0.5 * (s0 + s1)
                f = float(sfh.rate_factor(np.array([mid]))[0])
                if s1 <= s0 or f <= 0:
                    continue
                key, scale = pop.density_key, 1.0
                if keys is not None:
                    key = int(keys[1][np.searchsorted(keys[0], epoch - mid)])
                    scale = self.column(pop.density_key) / self.column(key)
                out.append(GalacticPopulation(pop.name, pop.imf, Constant(epoch - s1, epoch - s0),
                                              pop.metallicity, rate * (s1 - s0) * f * scale,
                                              key, rho0_is_initial=True))
        return tuple(out)


# --------------------------------------------------------------------------- thin disc
# R03 Table 3 / S11 Table 1: age bins (Gyr), axis ratio eps, local density rho0 (M☉ pc⁻³),
# [Fe/H] mean and dispersion of the age-metallicity relation.
THIN_DISK_BINS = (
    # age_min, age_max (yr),  eps,    rho0,    feh,   sigma
    (1e5, 0.15e9, 0.0140, 4.0e-3, 0.01, 0.12),
    (0.15e9, 1e9, 0.0268, 7.9e-3, 0.03, 0.12),
    (1e9, 2e9, 0.0375, 6.2e-3, 0.03, 0.10),
    (2e9, 3e9, 0.0551, 4.0e-3, 0.01, 0.11),
    (3e9, 5e9, 0.0696, 5.8e-3, -0.07, 0.18),
    (5e9, 7e9, 0.0785, 4.9e-3, -0.14, 0.17),
    (7e9, 10e9, 0.0791, 6.6e-3, -0.37, 0.20),
)
#: The axis ratio of the 0.15–1 Gyr bin: 0.020 instead of R03's 0.0268. That bin holds all the
#: model's A stars (B−V 0–0.3: MIST's main sequence is A-type only younger than ≈ 1 Gyr), and with
#: R03's ε they lie in too thick a layer: the A stars (B−V 0–0.3, M_V < 1.8) within 200 pc of
#: the Sun have a sech²(z / 2h) scale height h = 65 pc made, 54 pc in Hipparcos 2 (maximum
#: likelihood, ``starmaker.reports.validate.a_star_scale_height``; Bovy 2017, MNRAS 470, 1360,
#: finds h ≈ 50 pc for A stars with Gaia DR1 TGAS). ε = 0.020 gives 56 pc. The bin keeps R03's
#: local density ρ0, so its column (surface density) falls by a quarter — a star-formation rate
#: over the last Gyr below the older bins', as Gaia's colour–magnitude diagram shows (Mor et al.
#: 2019, A&A 624, L1; del Alcázar-Julià et al. 2025, A&A 697, A128: SFR dropped ≈ 1–1.5 Gyr
#: ago). Checked against Gaia DR3, not fitted to it: the counts of BP−RP 0–0.4 stars with
#: G < 10 in |b| bands above 10° went from 1.33–1.76 times Gaia's, growing with latitude, to
#: 0.82–1.06 (tests/test_populations.py).
YOUNG_THIN_EPS = 0.020
#: the axis ratios the thin disc uses: R03's, the 0.15–1 Gyr bin's replaced by YOUNG_THIN_EPS
THIN_DISK_EPS = tuple(YOUNG_THIN_EPS if k == 1 else b[2] for k, b in enumerate(THIN_DISK_BINS))
#: R03 eq. for the thin disc (Einasto 1979 law): h_R+ and h_R- (pc), youngest bin / others
THIN_HR = ((5000.0, 3000.0), (2530.0, 1320.0))
#: thin-disc IMF (R03, after Haywood et al. 1997): dN/dm ∝ m^-1.6 below 1 M☉, m^-3.0 above
THIN_IMF = ((1.6, 3.0), (1.0,))
#: Local normalisation of the thin disc against the real sky. R03 normalised the Besançon disc
#: to the local luminosity function of its day; with MIST evolution that normalisation makes
#: 1.32 times as many stars with M_V < 3 within 100 pc as Hipparcos 2 holds (4,793 when this was
#: measured; 4,795 since the main catalogue's V for close pairs, 0.04 %, well inside the factor's
#: Poisson error; a volume Hipparcos covers completely: V < 8 there). We renormalise the same way
#: Besançon did, to the local luminosity function, now measured by Hipparcos: every thin-disc age
#: bin's ρ0 is scaled by this factor, their ratios kept.
#: ``starmaker.reports.validate.local_normalisation()`` recomputes it (a slow test checks it); the
#: whole-sky counts to G = 10 are then a test of the model, not of the fit.
THIN_DISK_LOCAL_SCALE = 0.757


class ThinDisk(Component):
    """The thin disc: seven age bins with Einasto (1979) density laws (R03 eq. in Table 2), the
    axis ratios of THIN_DISK_EPS (R03's but for the 0.15–1 Gyr bin: see YOUNG_THIN_EPS)."""

    def __init__(self, m_max: float = 100.0, local_scale: float = THIN_DISK_LOCAL_SCALE) -> None:
        imf = BrokenPowerLaw(*THIN_IMF, m_min=0.1, m_max=m_max)
        pops = tuple(
            GalacticPopulation(f"thin_disk_{k}", imf, Constant(a0, a1), grid_feh(feh, sig), local_scale * rho,
                               density_key=k)
            for k, (a0, a1, _eps, rho, feh, sig) in enumerate(THIN_DISK_BINS)
        )
        super().__init__("thin_disk", pops)

    def age_keys(self):
        """The seven age bins' laws: a star of age a (at the epoch made) takes its bin's."""
        edges = np.array([b[1] for b in THIN_DISK_BINS[:-1]])
        return edges, np.arange(len(THIN_DISK_BINS))

    def _shape(self, x, y, z, key):
        eps = THIN_DISK_EPS[key]
        a2 = x * x + y * y + (z / eps) ** 2
        hp, hm = THIN_HR[0] if key == 0 else THIN_HR[1]
        if key == 0:
            return np.exp(-a2 / hp**2) - np.exp(-a2 / hm**2)
        return np.exp(-np.sqrt(0.25 + a2 / hp**2)) - np.exp(-np.sqrt(0.25 + a2 / hm**2))


#: IMF of the old components (thick disc, halo): R03 Table 1 gives dN/dm ∝ m^-0.5, measured by
#: Reylé & Robin (2001) from star counts of 0.2–0.8 M☉ stars only. Run up to 100 M☉ that slope
#: puts 99.9 % of the initial mass into stars long dead (black holes at 2.7 times the local
#: density of all matter). Above 1 M☉ we therefore take Salpeter's (1955) α = 2.35: the living
#: stars (all below ≈ 1 M☉ at 11–14 Gyr) are R03's, and the dead ones a normal population.
OLD_IMF = ((0.5, 2.35), (1.0,))


class ThickDisk(Component):
    """The thick disc (R03 Table 2): exponential in R (h_R = 2500 pc); parabolic in z within
    x_l = 400 pc of the plane and exponential beyond (h_z = 800 pc); ρ0 = 1.34e-3 M☉ pc⁻³;
    one burst 11 Gyr ago; [Fe/H] = −0.78 ± 0.30; IMF dN/dm ∝ m^-0.5 below 1 M☉ (R03 Table 1; see OLD_IMF)."""

    H_R, H_Z, X_L = 2500.0, 800.0, 400.0

    def __init__(self) -> None:
        imf = BrokenPowerLaw(*OLD_IMF, m_min=0.1, m_max=100.0)
        pop = GalacticPopulation("thick_disk", imf, Constant(10.9e9, 11.1e9), grid_feh(-0.78, 0.30), 1.34e-3)
        super().__init__("thick_disk", (pop,))

    def _shape(self, x, y, z, key):
        R = np.hypot(x, y)
        az = np.abs(z)
        h, xl = self.H_Z, self.X_L
        # R03 Table 2: 1 - z²/(x_l (2 h_z + x_l)) inside, exp(x_l/h_z)/(1 + x_l/2h_z) e^{-|z|/h_z}
        # outside; the two meet at |z| = x_l
        inner = 1.0 - az**2 / (xl * (2.0 * h + xl))
        outer = np.exp(xl / h) / (1.0 + xl / (2.0 * h)) * np.exp(-az / h)
        return np.exp(-R / self.H_R) * np.where(az <= xl, inner, outer)


class Halo(Component):
    """The stellar halo (R03 Table 2): ρ ∝ (a/R☉)^−2.44 with a² = R² + z²/ε², ε = 0.76, a
    core below a_c = 500 pc; ρ0 = 9.32e-6 M☉ pc⁻³; 14 Gyr; [Fe/H] = −1.78 ± 0.50; IMF
    dN/dm ∝ m^-0.5 below 1 M☉ (R03 Table 1; see OLD_IMF)."""

    EPS, A_C, N = 0.76, 500.0, 2.44

    def __init__(self) -> None:
        imf = BrokenPowerLaw(*OLD_IMF, m_min=0.1, m_max=100.0)
        pop = GalacticPopulation("halo", imf, Constant(13.9e9, 14.1e9), grid_feh(-1.78, 0.50), 9.32e-6)
        super().__init__("halo", (pop,))

    def _shape(self, x, y, z, key):
        a = np.sqrt(x * x + y * y + (z / self.EPS) ** 2)
        return np.maximum(a, self.A_C) ** (-self.N)


class Bulge(Component):
    """The bulge/bar (R03 sect. 2.4, Tables 1, 3 and 5): N exp(−0.5 r_s²) with
    r_s² = √{[(x/x0)² + (y/y0)²]² + (z/z0)⁴} in the bar frame, times
    exp(−0.5 ((R − R_c)/0.5 kpc)²) beyond R_c; x0 = 1.59, y0 = z0 = 0.424, R_c = 2.54 kpc; the
    major axis at 90° − α = 11.1° from the Sun–centre line (α = 78.9°; the 3.5° tilt β and the
    roll γ are neglected); N = 13.7 stars pc⁻³ at the centre. One burst 10 Gyr ago,
    [Fe/H] = 0.00 ± 0.40, Salpeter IMF (α = 2.35). R03 counts stars, not mass: as in Galaxia
    (S11 code, ``rho0 = 0.255*13.7e9``) the initial mass density at the centre is N times
    0.255 M☉, the mean mass of that IMF from 0.07 to 100 M☉."""

    X0, Y0, Z0, RC, ANGLE_DEG = 1590.0, 424.0, 424.0, 2540.0, 90.0 - 78.9
    N_CENTRE, MEAN_MASS = 13.7, 0.255

    def __init__(self) -> None:
        imf = BrokenPowerLaw((2.35,), (), m_min=0.1, m_max=100.0)
        pop = GalacticPopulation("bulge", imf, Constant(9.9e9, 10.1e9), grid_feh(0.0, 0.40),
                                 self.N_CENTRE * self.MEAN_MASS, rho0_is_initial=True)
        super().__init__("bulge", (pop,))

    def _norm_point(self) -> tuple[float, float, float]:
        """R03 normalise the bulge at the Galactic centre."""
        return (0.0, 0.0, 0.0)

    def _shape(self, x, y, z, key):
        t = math.radians(self.ANGLE_DEG)
        # bar frame: x along the major axis, which points 11.1° from the Sun-centre line
        xb = -x * math.cos(t) + y * math.sin(t)
        yb = x * math.sin(t) + y * math.cos(t)
        rs2 = np.sqrt(((xb / self.X0) ** 2 + (yb / self.Y0) ** 2) ** 2 + (z / self.Z0) ** 4)
        R = np.hypot(x, y)
        cut = np.where(R <= self.RC, 1.0, np.exp(-0.5 * ((R - self.RC) / 500.0) ** 2))
        return np.exp(-0.5 * rs2) * cut



def milky_way_components(names=COMPONENT_NAMES) -> list[Component]:
    """The default Milky Way: thin disc, thick disc, halo, bulge (any subset, by name)."""
    from ..errors import UnknownNameError

    table = {"thin_disk": ThinDisk, "thick_disk": ThickDisk, "halo": Halo, "bulge": Bulge}
    out = []
    for n in names:
        if n not in table:
            raise UnknownNameError("component", n, list(table))
        out.append(table[n]())
    return out

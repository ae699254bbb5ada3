"""Dead stars: white dwarfs, neutron stars and black holes, where the MIST grid has no row.

The grid's own post-AGB and white-dwarf cooling rows are used wherever they reach (see
:mod:`starmaker.evolution.isochrones`). This module covers the rest, with documented prescriptions:

* **White dwarfs** (initial mass < 8 M☉): final mass from the MIST-based initial–final mass
  relation of Cummings et al. (2018, ApJ 866, 21): M_f = 0.080 M_i + 0.489 (M_i < 2.85),
  0.187 M_i + 0.184 (2.85–3.60), 0.107 M_i + 0.471 (above; extrapolated past 7.2 M☉ to 8 M☉).
  Luminosity from Mestel's cooling law (Mestel 1952, MNRAS 112, 583),
  t_cool = C (A/12)^−1 (M/M☉)^(5/7) (μ/2)^(−2/7) (L/L☉)^(−5/7), with C = 6×10⁶ yr, A = 12 and
  μ = 2. Against this grid's own white-dwarf cooling rows it is 0.1–0.2 dex fainter for cooling
  times of 0.1–3 Gyr and 0.4 dex fainter at 8 Gyr, where real white dwarfs crystallise and cool
  more slowly (tests/test_remnants.py measures this). The cooling law of Hurley, Pols & Tout
  (2000, eq. 90) was tried and rejected: it is 0.8 dex fainter than the grid throughout.
  Radius from the mass–radius relation of Nauenberg (1972, ApJ 175, 417) with μ_e = 2:
  R/R☉ = 0.01125 [(M/M₃)^(−2/3) − (M/M₃)^(2/3)]^(1/2), M₃ = 1.454 M☉.
* **Neutron stars and black holes** (initial mass ≥ 8 M☉): a deterministic reading of Raithel,
  Sukhbold & Özel (2018, ApJ 856, 35) as implemented in SPISEA (Hosek et al. 2020): stars below
  21.7 M☉ leave neutron stars of 1.36 M☉ (the mean of the observed NS mass distribution used
  there), stars above leave black holes of M_BH = 0.9 (−2.024 + 0.4130 M) + 0.1 (16.28 +
  0.00694 x − 0.05973 x² + 0.003112 x³), x = M − 21.872 (their eqs. 1, 2, 4 with f_ej = 0.9), for
  M < 42.22 M☉, and M_BH = 5.795 + 1.007×10⁹ M^−4.926 (eq. 3) above. The paper's islands of
  partial black-hole formation (15–21.7 M☉ and 25.2–27.5 M☉, 60–120 M☉) are not drawn at random:
  the majority outcome is taken. Neutron stars get a 12 km radius; black holes their
  Schwarzschild radius. Neither has a photosphere, so log L, log Teff and magnitudes are NaN.
"""

from __future__ import annotations

import numpy as np

from ..schema import PHASES

__all__ = [
    "ifmr_cummings2018",
    "wd_radius",
    "wd_luminosity",
    "ns_bh_mass",
    "apply_remnants",
    "M_WD_MAX",
    "M_BH_MIN",
]

_PH = {name: i for i, name in enumerate(PHASES)}
M_WD_MAX = 8.0  # M☉: heaviest progenitor of a white dwarf
M_BH_MIN = 21.7  # M☉: lightest progenitor of a black hole (Raithel et al. 2018)
M_NS = 1.36  # M☉
R_NS_KM = 12.0
MESTEL_C_YR, MESTEL_A, MESTEL_MU = 6e6, 12.0, 2.0
_RSUN_KM = 695700.0
_LOG_G_SUN = 4.438  # log10(G M☉ / R☉²), cgs
_TEFF_SUN = 5772.0


def ifmr_cummings2018(mass_initial):
    """White-dwarf mass (M☉) from initial mass (M☉): Cummings et al. 2018, MIST-based fit."""
    m = np.asarray(mass_initial, float)
    return np.where(m < 2.85, 0.080 * m + 0.489, np.where(m < 3.60, 0.187 * m + 0.184, 0.107 * m + 0.471))


def wd_radius(mass):
    """White-dwarf radius (R☉) from its mass (M☉): Nauenberg 1972, μ_e = 2."""
    x = np.clip(np.asarray(mass, float), 0.05, 1.44) / 1.454
    return 0.01125 * np.sqrt(x ** (-2.0 / 3.0) - x ** (2.0 / 3.0))


def wd_luminosity(mass, cooling_time_yr):
    """White-dwarf luminosity (L☉) after ``cooling_time_yr``: Mestel's law, C = 6×10⁶ yr."""
    m = np.asarray(mass, float)
    t = np.maximum(np.asarray(cooling_time_yr, float), 1e3)
    t0 = MESTEL_C_YR * (MESTEL_A / 12.0) ** -1 * m ** (5.0 / 7.0) * (MESTEL_MU / 2.0) ** (-2.0 / 7.0)
    return (t0 / t) ** 1.4


def ns_bh_mass(mass_initial):
    """Remnant mass (M☉) of a star of initial mass ≥ 8 M☉, and whether it is a black hole."""
    m = np.asarray(mass_initial, float)
    x = m - 21.872
    core = -2.024 + 0.4130 * m
    whole = 16.28 + 0.00694 * x - 0.05973 * x**2 + 0.003112 * x**3
    low = 0.9 * core + 0.1 * whole
    high = 5.795 + 1.007e9 * m**-4.926
    bh = m >= M_BH_MIN
    mass = np.where(bh, np.where(m < 42.22, low, high), M_NS)
    return mass, bh


def apply_remnants(cols: dict[str, np.ndarray], mass_initial, age, feh) -> None:
    """Fill, in place, the rows that the grid could not place (``_status == 3``)."""
    todo = np.nonzero(cols["_status"] == 3)[0]
    if len(todo) == 0:
        return
    mi, a = mass_initial[todo], age[todo]
    life = cols["lifespan"][todo]
    wd = mi < M_WD_MAX
    mass = np.empty(len(todo))
    radius = np.empty(len(todo))
    log_l = np.full(len(todo), np.nan)
    log_t = np.full(len(todo), np.nan)
    log_g = np.full(len(todo), np.nan)
    phase = np.empty(len(todo), np.int8)

    # white dwarfs
    mw = ifmr_cummings2018(mi[wd])
    rw = wd_radius(mw)
    lw = wd_luminosity(mw, a[wd] - life[wd])
    mass[wd], radius[wd] = mw, rw
    log_l[wd] = np.log10(lw)
    log_t[wd] = np.log10(_TEFF_SUN) + 0.25 * np.log10(lw) - 0.5 * np.log10(rw)
    log_g[wd] = _LOG_G_SUN + np.log10(mw) - 2 * np.log10(rw)
    phase[wd] = _PH["WD"]

    # neutron stars and black holes
    nb_ = ~wd
    mr, bh = ns_bh_mass(mi[nb_])
    r_km = np.where(bh, 2.953 * mr, R_NS_KM)  # Schwarzschild radius 2GM/c² = 2.953 km per M☉
    mass[nb_], radius[nb_] = mr, r_km / _RSUN_KM
    log_g[nb_] = np.where(bh, np.nan, _LOG_G_SUN + np.log10(mr) - 2 * np.log10(r_km / _RSUN_KM))
    phase[nb_] = np.where(bh, _PH["BH"], _PH["NS"])

    cols["mass"][todo] = mass
    cols["radius"][todo] = radius
    cols["log_L"][todo] = log_l
    cols["log_Teff"][todo] = log_t
    cols["log_g"][todo] = log_g
    cols["phase"][todo] = phase

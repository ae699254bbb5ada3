"""The upper edge of the HR diagram: no cool supergiants above the Humphreys–Davidson limit.

Humphreys (1978, ApJS 38, 309) found in the Milky Way's supergiants "a lack of evolved
supergiants at these very high luminosities" and an upper limit to the luminosities of the
supergiants later than B5 near M_bol = −9.5; Humphreys & Davidson (1979, ApJ 232, 409) drew the
limit across the HR diagram. The Galactic value of the cool limit is log L/L☉ ≈ 5.8 (Higgins &
Vink 2020, A&A 635, A175, who reproduce it with efficient semiconvection); in the Magellanic
Clouds and M31 the red supergiants stop at log L ≈ 5.5 (Davies, Crowther & Beasor 2018, MNRAS
478, 3138). Gilkis et al. (2021, MNRAS 503, 1884) describe the empty region as log L > 5.5 and
T_eff < 20 kK, and show that stellar models with standard mixing over-populate it. Stars above
the limit lose their hydrogen envelopes in eruptions (luminous blue variables) that the models'
steady winds do not include.

MIST (v1.2 winds; Choi et al. 2016, ApJ 823, 102) sends its 45–75 M☉ tracks at solar [Fe/H] to
log T_eff = 3.7–4.0 at log L = 5.85–6.2 for about 3 % of their lives (measured with
:func:`starmaker.evolution.isochrones.evolve_arrays`; tests/test_hd_limit.py): yellow and red
hypergiants of M_V ≈ −10 that the Galaxy does not have. This module keeps the star's
luminosity, mass and age but puts it on the hot side of the empty region, at
T_eff = :data:`TEFF_HD_K` (the edge of Gilkis et al.'s region), as the star that has shed its
envelope appears — radius and log g follow from L, T_eff and the mass (Stefan–Boltzmann). Its
``phase`` is MIST's. Stars below :data:`LOG_L_HD`, or hotter than the edge, are untouched.
"""

from __future__ import annotations

import numpy as np

__all__ = ["LOG_L_HD", "TEFF_HD_K", "LOG_TEFF_HD", "in_empty_region", "apply_hd_limit"]

#: log L/L☉ above which no cool supergiant is seen in the Galaxy (Humphreys & Davidson 1979;
#: log L ≈ 5.8 for the Galaxy in Higgins & Vink 2020, A&A 635, A175)
LOG_L_HD = 5.8
#: the hot edge of the empty region (Gilkis et al. 2021, MNRAS 503, 1884: T_eff < 20 kK)
TEFF_HD_K = 20000.0
LOG_TEFF_HD = float(np.log10(TEFF_HD_K))
_LOG_G_SUN = 4.438  # log10(G M☉ / R☉²), cgs
_LOG_TEFF_SUN = float(np.log10(5772.0))


def in_empty_region(log_L, log_Teff) -> np.ndarray:
    """True where (log L, log T_eff) lies in the region above the limit that real stars avoid."""
    log_L, log_Teff = np.asarray(log_L, float), np.asarray(log_Teff, float)
    return (log_L > LOG_L_HD) & (log_Teff < LOG_TEFF_HD)


def apply_hd_limit(cols: dict[str, np.ndarray]) -> np.ndarray:
    """Move the living stars of ``cols`` (``evolve_arrays``' dict: ``log_L``, ``log_Teff``,
    ``log_g``, ``radius``, ``mass``, ``alive``) that lie in the empty region to T_eff =
    :data:`TEFF_HD_K` at the same luminosity and mass, in place. Returns the mask of stars moved."""
    moved = in_empty_region(cols["log_L"], cols["log_Teff"]) & np.asarray(cols["alive"], bool)
    if not moved.any():
        return moved
    log_l = cols["log_L"][moved]
    # L = 4π R² σ T⁴: log R = ½ log L − 2 (log T − log T☉)
    log_r = 0.5 * log_l - 2.0 * (LOG_TEFF_HD - _LOG_TEFF_SUN)
    cols["log_Teff"][moved] = LOG_TEFF_HD
    cols["radius"][moved] = 10.0**log_r
    cols["log_g"][moved] = _LOG_G_SUN + np.log10(cols["mass"][moved]) - 2.0 * log_r
    return moved

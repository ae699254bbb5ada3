"""What Gaia would measure: uncertainties and noisy observed values for made stars, with the
Gaia archive's column names.

The uncertainties are PyGaia's (A. G. A. Brown, BSD; ``pygaia.errors``, version 3.2), which
reproduce the Gaia science-performance models (https://www.cosmos.esa.int/web/gaia/
science-performance) as functions of G (astrometry) and of each band's own magnitude
(photometry), sky-averaged:

* parallax σ_ϖ = √(40 + 800 z + 30 z²) µas × t-factor, z = 10^(0.4 (max(G, 13) − 15))
  (Gaia EDR3 performance, Lindegren et al. 2021, A&A 649, A2; t-factor 1, 0.749, 0.527 for
  DR3, DR4 (66 months), DR5 (10.5 years));
* positions σ_α* = 0.80 σ_ϖ, σ_δ = 0.70 σ_ϖ; proper motions σ_µα* = 1.03, 0.58, 0.29 σ_ϖ and
  σ_µδ = 0.89, 0.50, 0.25 σ_ϖ for DR3, DR4, DR5 (PyGaia's scaling with mission length, proper
  motions ∝ t^−1.5);
* G, BP, RP mean-magnitude uncertainties from Riello et al. (2021, A&A 649, A3) EDR3 splines for
  351, 40, 40 (DR3), 620, 70, 70 (DR4), 1240, 140, 140 (DR5) observations, valid for 4–21 mag
  (outside, the value at the nearer end is used: bright stars' real errors are larger).

Selection: Gaia's catalogue reaches G ≈ 20.7 (Gaia Collaboration, Vallenari et al. 2023, A&A
674, A1: complete to G ≈ 19–20, with a faint limit near 21 that varies over the sky); stars
fainter than ``g_limit_mag`` (default 20.7), or with no G (dark remnants), get NaN observed
values and errors, as stars absent from the catalogue. No scanning-law (sky position) dependence,
no crowding, no binaries' orbital motion: the sky-averaged model only.

Names: the Gaia archive's names (``parallax``, ``pmra``, ``pmdec``, ``phot_g_mean_mag``...) are
the *observed* values, because that is what a Gaia user's queries and cuts
(``parallax / parallax_error > 5``, ``phot_g_mean_mag < 18``) mean; the *true* values keep their
own columns: ``parallax_true`` = 1000 / distance, ``pmra_true``, ``pmdec_true`` (the made
kinematics), and the apparent magnitudes ``G``, ``BP``, ``RP`` (already true, with extinction).
The same convention as the Ananke Gaia mock catalogues (Sanderson et al. 2020, ApJS 246, 6,
``parallax_true``...). For catalogue stars (hipparcos, gaia) ``parallax``, ``pmra``, ``pmdec``
were measured already, so the name means "measured" for every star. Positions (``ra``, ``dec``)
are not perturbed (σ ≤ 0.5 mas for DR3 at G = 20.7, far below anything starmaker draws or
matches); their errors are given.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..errors import InvalidParameterError, UnknownNameError

__all__ = ["RELEASES", "gaia_errors", "G_LIMIT_MAG"]

RELEASES = ("dr3", "dr4", "dr5")
#: faint limit of the made Gaia catalogue (G, mag)
G_LIMIT_MAG = 20.7
#: PyGaia's photometric splines cover these magnitudes
_PHOT_RANGE = (4.0, 21.0)


def gaia_errors(stars: Mapping, release: str, rng: np.random.Generator, *,
                g_limit_mag: float = G_LIMIT_MAG) -> dict[str, np.ndarray]:
    """Gaia uncertainties and noisy observed values for ``stars`` (any mapping of columns with
    ``G``, ``BP``, ``RP`` (apparent, mag) and ``distance`` (pc); ``pmra``, ``pmdec`` (mas/yr,
    true) when present), for ``release`` "dr3", "dr4" or "dr5", noise drawn with ``rng``.

    Returns the new columns (add them with ``stars.with_columns(**out)``): ``parallax_true``,
    ``parallax``, ``parallax_error`` (mas); ``ra_error``, ``dec_error`` (mas); with proper motions
    ``pmra_true``, ``pmdec_true``, ``pmra``, ``pmdec``, ``pmra_error``, ``pmdec_error`` (mas/yr);
    ``phot_g_mean_mag``, ``phot_bp_mean_mag``, ``phot_rp_mean_mag`` and their ``_error``,
    ``bp_rp`` (observed BP − RP). Observed values and errors are NaN for stars fainter than
    ``g_limit_mag`` or without G. The observed values are true + σ N(0, 1), drawn in a fixed
    order (parallax, pmra, pmdec, G, BP, RP; one normal per star each), so a seed gives the same
    catalogue.
    """
    from pygaia.errors import astrometric, photometric

    release = str(release).lower()
    if release not in RELEASES:
        raise UnknownNameError("Gaia release", release, RELEASES)
    if not isinstance(rng, np.random.Generator):
        raise InvalidParameterError("rng", rng, "a numpy.random.Generator (numpy.random.default_rng(seed))")
    missing = [c for c in ("G", "BP", "RP", "distance") if c not in stars]
    if missing:
        raise InvalidParameterError("stars", f"columns without {missing}",
                                    "a table with G, BP, RP (mag) and distance (pc)")
    g = np.asarray(stars["G"], float)
    d = np.asarray(stars["distance"], float)
    if np.any(d[np.isfinite(d)] <= 0):
        raise InvalidParameterError("distance", "values <= 0", "positive distances in pc")
    seen = np.isfinite(g) & (g <= g_limit_mag)
    nan = np.full(g.shape, np.nan)

    def only_seen(x):
        return np.where(seen, x, np.nan)

    g_eval = np.where(seen, g, 15.0)  # any valid value where unseen; masked afterwards
    sigma_plx = only_seen(astrometric.parallax_uncertainty(g_eval, release=release) / 1000.0)
    sigma_ra, sigma_dec = (only_seen(s / 1000.0)
                           for s in astrometric.position_uncertainty(g_eval, release=release))
    out: dict[str, np.ndarray] = {}
    out["parallax_true"] = 1000.0 / d
    out["parallax"] = only_seen(out["parallax_true"] + sigma_plx * rng.standard_normal(g.shape))
    out["parallax_error"] = sigma_plx
    out["ra_error"], out["dec_error"] = sigma_ra, sigma_dec
    if "pmra" in stars and "pmdec" in stars:
        s_pmra, s_pmdec = (only_seen(s / 1000.0)
                           for s in astrometric.proper_motion_uncertainty(g_eval, release=release))
        for name, sigma in (("pmra", s_pmra), ("pmdec", s_pmdec)):
            true = np.asarray(stars[name], float)
            out[f"{name}_true"] = true
            out[name] = only_seen(true + sigma * rng.standard_normal(g.shape))
            out[f"{name}_error"] = sigma
    for band, col in (("g", "G"), ("bp", "BP"), ("rp", "RP")):
        mag = np.asarray(stars[col], float)
        ok = seen & np.isfinite(mag)
        m_eval = np.clip(np.where(ok, mag, 15.0), *_PHOT_RANGE)
        sigma = np.where(ok, photometric.magnitude_uncertainty(band, m_eval, release) / 1000.0, np.nan)
        noise = rng.standard_normal(g.shape)
        out[f"phot_{band}_mean_mag"] = np.where(ok, mag + sigma * noise, nan)
        out[f"phot_{band}_mean_mag_error"] = sigma
    out["bp_rp"] = out["phot_bp_mean_mag"] - out["phot_rp_mean_mag"]
    return out

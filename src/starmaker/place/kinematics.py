"""Stellar motions: 3-D velocities for made stars, and real stars moved through time.

**Made stars** get a velocity from their component's published kinematics, the Besançon model
of Robin et al. (2003, A&A 409, 523, Table 2; "R03") as tabulated in Galaxia (Sharma et al.
2011, ApJ 730, 3, Table 1):

* velocity ellipsoids (σ_U, σ_V, σ_W) in km/s — the thin disc by age (its age–velocity
  relation): 16.7/10.8/6.0 (0–0.15 Gyr), 19.8/12.8/8.0 (0.15–1), 27.2/17.6/10.0 (1–2),
  30.2/19.5/13.2 (2–3), 36.7/23.7/15.8 (3–5), 43.1/27.8/17.4 (5–7), 43.1/27.8/17.5 (7–10 Gyr,
  and older); thick disc 67/51/42; halo 131/106/85; bulge 113/115/100. A thin-disc star takes
  the ellipsoid of its age *at the epoch it is made at*, so a disc made in the future is hotter;
* rotation: a flat rotation curve, Θ0 = 238 km/s (Bland-Hawthorn & Gerhard 2016, ARA&A 54,
  529, sect. 5.3.3), tapered linearly inside 1 kpc; the halo does not rotate, and the bulge
  is taken as not rotating (few bulge stars are bright enough to matter here);
* asymmetric drift: for the thin disc Strömberg's relation v_a = σ_U²/k with k = 80 km/s
  (Dehnen & Binney 1998, MNRAS 298, 387; Binney & Merrifield 1998, Galactic
  Astronomy, sect. 10.3.1; 3.5 km/s for the youngest, 23 km/s for the oldest stars); for the
  thick disc R03's lag of 53 km/s;
* the Sun's motion relative to the local standard of rest (U, V, W)⊙ = (10.00, 5.25,
  7.17) km/s (Dehnen & Binney 1998, abstract): the zero-dispersion intercept *of that same
  Strömberg fit* to Hipparcos stars, so that a population of dispersion σ_U lags the Sun by
  V⊙ + σ_U²/k as DB98 measured. Schönrich, Binney & Dehnen (2010, MNRAS 403, 1829) find
  V⊙ = 12.24 km/s, but relative to an LSR defined with their own, metallicity-gradient-aware
  asymmetric drift, which is smaller than Strömberg's for young stars; combined with
  Strömberg's relation (as starmaker did before) it made every population lag the Sun by
  ≈ 7 km/s more than Hipparcos shows (``reports.validate.kinematics_table``: V⊙ fitted
  from proper motions 21.9 ± 0.3 km/s made against 15.2 ± 0.3 for Hipparcos stars with
  V < 6.5 within 200 pc, and larger in every B−V bin).

The ellipsoid's axes are radial (U, positive toward the Galactic centre), azimuthal (V, along
rotation) and vertical (W, toward the north Galactic pole) at the star's own place; the
heliocentric velocity is the star's minus the Sun's, and gives ``pmra``, ``pmdec`` (mas/yr)
and ``radial_velocity`` (km/s).

**Real stars** are moved by :func:`propagate`: straight-line space motion from their proper
motions, parallax and radial velocity (zero where unknown), the model ERFA's ``starpm`` (and
astropy's ``apply_space_motion``) uses, less its light-time correction: for 500 Hipparcos stars
with radial velocities of ±40 km/s the two agree to 0.014″ after 10⁴ yr and 1.4″ after 10⁵ yr.
"""

from __future__ import annotations

import numpy as np

from ..schema import COMPONENTS
from ..stars import Stars
from .frames import ICRS_TO_GALACTIC, rotate, unit_vector

__all__ = ["space_motion", "propagate", "THIN_DISK_AVR", "ELLIPSOIDS", "THETA0_KMS", "SUN_UVW_KMS",
           "K_KMS_PER_MASYR_KPC"]

#: km/s of one mas/yr at 1 kpc (1 au/yr in km/s)
K_KMS_PER_MASYR_KPC = 4.740470463533348
#: circular speed at the Sun, km/s (Bland-Hawthorn & Gerhard 2016)
THETA0_KMS = 238.0
#: the Sun's peculiar motion (U toward the centre, V along rotation, W to the NGP), km/s: Dehnen
#: & Binney (1998), the intercept of the Strömberg relation used below (not SBD10's 12.24)
SUN_UVW_KMS = (10.00, 5.25, 7.17)
#: Strömberg constant of the thin disc's asymmetric drift, km/s
STROMBERG_K_KMS = 80.0
#: thin-disc age–velocity relation (R03 Table 2; S11 Table 1): upper age edge (yr), σ_U, σ_V, σ_W
THIN_DISK_AVR = (
    (0.15e9, 16.7, 10.8, 6.0),
    (1e9, 19.8, 12.8, 8.0),
    (2e9, 27.2, 17.6, 10.0),
    (3e9, 30.2, 19.5, 13.2),
    (5e9, 36.7, 23.7, 15.8),
    (7e9, 43.1, 27.8, 17.4),
    (np.inf, 43.1, 27.8, 17.5),
)
#: the other components (R03 Table 2): σ_U, σ_V, σ_W (km/s), rotation lag below Θ (km/s)
ELLIPSOIDS = {
    "thick_disk": (67.0, 51.0, 42.0, 53.0),
    "halo": (131.0, 106.0, 85.0, THETA0_KMS),
    "bulge": (113.0, 115.0, 100.0, THETA0_KMS),
}
_R_TAPER_PC = 1000.0


def _ellipsoid(component_codes, age):
    """σ_U, σ_V, σ_W and the rotation lag (km/s) of every star."""
    codes = np.asarray(component_codes)
    n = codes.shape[0]
    sig = np.zeros((n, 3))
    lag = np.zeros(n)
    edges = np.array([row[0] for row in THIN_DISK_AVR])
    avr = np.array([row[1:] for row in THIN_DISK_AVR])
    thin = codes == COMPONENTS.index("thin_disk")
    k = np.searchsorted(edges, np.asarray(age, float)[thin], side="right").clip(0, len(edges) - 1)
    sig[thin] = avr[k]
    lag[thin] = avr[k, 0] ** 2 / STROMBERG_K_KMS
    for name, (su, sv, sw, drift) in ELLIPSOIDS.items():
        sel = codes == COMPONENTS.index(name)
        sig[sel] = (su, sv, sw)
        lag[sel] = drift
    return sig, lag


def space_motion(component_codes, age, ra, dec, distance, x, y, z, normals):
    """Proper motions (mas/yr) and radial velocities (km/s) of made stars.

    ``component_codes`` index ``schema.COMPONENTS`` (stars of components without published
    kinematics — clusters, populations — get NaN);
    ``age`` in yr at the epoch made; ``ra``, ``dec`` (deg), ``distance`` (pc); galactocentric
    ``x, y, z`` (pc, see ``frames.galactocentric``); ``normals`` an (n, 3) array of standard
    normal draws (the caller's generator). Returns ``(pmra, pmdec, radial_velocity)``.
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    sig, lag = _ellipsoid(component_codes, age)
    R = np.hypot(x, y)
    e_r = np.stack([x, y], axis=-1) / np.maximum(R, 1e-9)[:, None]   # outward
    e_phi = np.stack([y, -x], axis=-1) / np.maximum(R, 1e-9)[:, None]  # along rotation
    v_phi = THETA0_KMS * np.minimum(R / _R_TAPER_PC, 1.0) - lag
    v_phi = np.where(lag >= THETA0_KMS, 0.0, np.maximum(v_phi, 0.0))
    dv = normals * sig
    # U is toward the centre: v_R = -U
    v = np.empty((len(x), 3))
    v[:, :2] = e_r * (-dv[:, 0])[:, None] + e_phi * (v_phi + dv[:, 1])[:, None]
    v[:, 2] = dv[:, 2]
    u_sun, v_sun, w_sun = SUN_UVW_KMS
    v -= np.array([u_sun, THETA0_KMS + v_sun, w_sun])  # the Sun: at (-R0, 0), rotating to +y
    known = np.isin(np.asarray(component_codes), [COMPONENTS.index(c) for c in ("thin_disk", *ELLIPSOIDS)])
    v[~known] = np.nan
    return _project(rotate(v, ICRS_TO_GALACTIC.T), ra, dec, distance)  # v @ M, row by row


def _basis(ra, dec):
    """ICRS unit vectors toward the star, east (increasing ra) and north, each (n, 3)."""
    a, d = np.radians(ra), np.radians(dec)
    r = unit_vector(ra, dec)
    east = np.stack([-np.sin(a), np.cos(a), np.zeros_like(a)], axis=-1)
    north = np.stack([-np.sin(d) * np.cos(a), -np.sin(d) * np.sin(a), np.cos(d)], axis=-1)
    return r, east, north


def _project(v_icrs, ra, dec, distance):
    r, east, north = _basis(np.asarray(ra, float), np.asarray(dec, float))
    scale = 1000.0 / (K_KMS_PER_MASYR_KPC * np.asarray(distance, float))  # mas/yr per km/s
    pmra = np.einsum("ij,ij->i", v_icrs, east) * scale
    pmdec = np.einsum("ij,ij->i", v_icrs, north) * scale
    return pmra, pmdec, np.einsum("ij,ij->i", v_icrs, r)


#: pc per yr of 1 km/s
_PC_PER_YR_PER_KMS = 1.0 / 977792.2216807891


def propagate(stars: Stars, years: float | str) -> Stars:
    """The stars moved by ``years`` (yr, "-50kyr" or a Quantity; negative: back in time) along
    straight lines.

    Uses ``ra``, ``dec`` (deg), ``parallax`` (mas) or else ``distance`` (pc), ``pmra``,
    ``pmdec`` (mas/yr) and ``radial_velocity`` (km/s); unknown (NaN) motions count as zero, and
    a star without a positive parallax or distance moves by its proper motion on the sky
    only. Returns a new table with ``ra``, ``dec``, ``pmra``, ``pmdec`` updated, and
    ``parallax``, ``distance``, ``radial_velocity`` where present (``l`` and ``b`` too);
    apparent magnitudes are not changed. Vectorised.
    """
    from ..errors import InvalidParameterError
    from ..units import parse_age

    t = parse_age(years, "years")
    if not np.isfinite(t):
        raise InvalidParameterError("years", years, "a finite time in yr (negative: the past)")
    if not isinstance(stars, Stars) or "ra" not in stars or "dec" not in stars:
        raise InvalidParameterError("stars", type(stars).__name__ if not isinstance(stars, Stars) else stars,
                                    "a Stars table with ra and dec (deg)")
    n = len(stars)
    ra, dec = stars["ra"], stars["dec"]
    if "parallax" in stars:
        plx = np.asarray(stars["parallax"], float)
        d = np.where(plx > 0, 1000.0 / np.where(plx > 0, plx, 1.0), np.nan)
    else:
        d = np.full(n, np.nan)
    if "distance" in stars:
        d = np.where(np.isfinite(d), d, stars["distance"])
    known_d = np.isfinite(d) & (d > 0)
    d_used = np.where(known_d, d, 1e9)  # unknown: far away, moves on the sky only

    def col(name):
        return np.nan_to_num(np.asarray(stars[name], float)) if name in stars else np.zeros(n)

    pmra, pmdec = col("pmra"), col("pmdec")
    rv = np.where(known_d, col("radial_velocity"), 0.0)
    r, east, north = _basis(ra, dec)
    kms = K_KMS_PER_MASYR_KPC * d_used / 1000.0  # km/s per mas/yr
    v = (east * (pmra * kms)[:, None] + north * (pmdec * kms)[:, None] + r * rv[:, None])
    pos = r * d_used[:, None] + v * (t * _PC_PER_YR_PER_KMS)
    dist = np.linalg.norm(pos, axis=1)
    from .frames import icrs_to_galactic, lonlat

    new_ra, new_dec = lonlat(pos)
    new_pmra, new_pmdec, new_rv = _project(v, new_ra, new_dec, dist)
    cols = {"ra": new_ra, "dec": new_dec,
            "pmra": np.where(np.isnan(stars["pmra"]) if "pmra" in stars else True, np.nan, new_pmra),
            "pmdec": np.where(np.isnan(stars["pmdec"]) if "pmdec" in stars else True, np.nan, new_pmdec)}
    if "parallax" in stars:
        cols["parallax"] = np.where(known_d, 1000.0 / dist, stars["parallax"])
    if "distance" in stars:
        cols["distance"] = np.where(known_d, dist, stars["distance"])
    if "radial_velocity" in stars:
        cols["radial_velocity"] = np.where(np.isnan(stars["radial_velocity"]), np.nan, new_rv)
    if "l" in stars:
        cols["l"], cols["b"] = icrs_to_galactic(new_ra, new_dec)
    out = stars.with_columns(**cols)
    out.meta = {**stars.meta, "moved_by_yr": stars.meta.get("moved_by_yr", 0.0) + t}
    return out


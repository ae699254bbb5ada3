"""What the eye can see: sky brightness, atmospheric extinction and the naked-eye limit.

Schaefer's visibility model, written as vectorised NumPy over directions:

* **Airmass** of a direction: Rozenberg (1966, *Twilight*, Plenum), the formula Schaefer's
  program uses for the sky, X = 1 / (cos z + 0.025 e^(−11 cos z)): sec z high up, 40 at the
  horizon (Kasten & Young 1989 give 38; plane-parallel sec z diverges).
* **Extinction** (mag/airmass) in U B V R I from Rayleigh scattering, aerosols, ozone and
  water vapour, with the site's elevation, relative humidity, temperature, latitude and
  season; each component has its own airmass (gas, aerosol, ozone shell) when a star is
  dimmed (Schaefer 1998, Sky & Telescope 95(5), 57, program VISLIMIT.BAS, lines 1000–1300;
  the physics is in Schaefer 1993, Vistas Astron. 36, 311).
* **Sky surface brightness** in V, in nanolamberts (nL) and mag/arcsec², as a sum of

  - the *night sky*: the zenith brightness of the site (a Bortle class or a measured
    mag/arcsec², see :data:`BORTLE_ZENITH_MAG`), brightening toward the horizon as
    B(z) = B_zen 10^(−0.4 k (X − 1)) X with X = (1 − 0.96 sin² z)^(−1/2) (K&S 1991 eq. 2,
    after Garstang 1989: a glowing layer seen through more air, dimmed by the extra
    extinction). Schaefer's program (lines 2150–2160) uses the Rozenberg airmass for that
    dimming, which puts the sea-level horizon over 10 mag *darker* than the zenith; K&S's
    form gives the modest brightening (0.4–0.6 mag at sea level) that skies show;
  - *moonlight*: Krisciunas & Schaefer (1991, PASP 103, 1033; "K&S"), eqs. 3, 8, 9, 15 and 21,
    from the Moon's phase angle, its zenith distance and its separation from the direction;
  - *twilight* and *daylight*: VISLIMIT.BAS lines 2260–2410 (after Schaefer 1993), the
    fainter of the two being the one that applies (each formula overshoots on the other
    side of sunset).

  Zodiacal light, the Milky Way and the city glow's own horizon gradient are not modelled:
  a Bortle class sets the zenith brightness and the gradient is the natural one.
* **Limiting magnitude**: Hecht's threshold for a point source as calibrated by Schaefer
  (VISLIMIT.BAS lines 250–320; Schaefer 1990, PASP 102, 212): the illuminance a star must
  give, I = C1 (1 + √(C2 B))² foot-candles, with night (scotopic, B ≤ 1500 nL:
  C1 = 10^−9.8, C2 = 10^−1.9) and day (photopic: C1 = 10^−8.35, C2 = 10^−5.9) branches
  (joined here across the mesopic range instead of switched at 1500 nL, see :func:`_limit_seen`),
  m = −16.57 − 2.5 log10 I + 5 log10 SN, where SN is the observer's Snellen acuity ratio
  (20/20 vision = 1, the program's default; 20/10 = 2). The limit returned is the magnitude
  *above the atmosphere* (comparable with catalogue V), extinction along the line of sight
  taken off.

Conversions: B(nL) = 34.08 exp(20.7233 − 0.92104 m) (K&S eq. 1; Garstang 1986), i.e.
34.08 × 10^(−0.4 (m − 22.5)); Schaefer's program works in units of 1.11 × 10⁻¹⁵ of a
nanolambert-equivalent (line 260), used here only inside the twilight/daylight terms.

Use it through :class:`Conditions`::

    sky = Conditions(bortle=3, elevation_m=500)
    sky.limiting_magnitude(alt, az, sun=Sun(alt_deg=-20, az_deg=300),
                           moon=Moon(alt_deg=40, az_deg=120, phase_angle_deg=30))
    sky.sees(V, alt, az, sun=..., moon=...)      # boolean mask
    sky.describe()                               # 'Bortle 3 rural sky, zenith 21.40 mag/arcsec² V, ...'

Every function takes scalars or arrays of directions (and of Sun/Moon positions) and
broadcasts them together; there are no Python loops over directions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InvalidParameterError
from ..units import check_numbers

__all__ = [
    "BANDS",
    "BORTLE_ZENITH_MAG",
    "BORTLE_RANGES",
    "BORTLE_TITLES",
    "BORTLE_NELM",
    "EXPERIENCE_GAIN_MAG",
    "Conditions",
    "Moon",
    "Sun",
    "airmass",
    "extinction_coefficients",
    "mag_to_nanolambert",
    "nanolambert_to_mag",
    "moonlight_nl",
    "moon_magnitude",
    "limiting_magnitude_seen",
    "visible",
]

# --- constants of Schaefer 1998 (VISLIMIT.BAS DATA lines), in the order U B V R I ----------
BANDS = ("U", "B", "V", "R", "I")
_WAVELENGTH_UM = np.array([0.365, 0.44, 0.55, 0.70, 0.90])  # line 40
_OZONE = np.array([0.000, 0.000, 0.031, 0.008, 0.000])  # line 1020, mag/airmass
_WATER = np.array([0.074, 0.045, 0.031, 0.020, 0.015])  # line 1040, mag/airmass
_V = 2  # index of V
_MOON_ZP_V = -11.05  # MO(3), line 60: magnitude of Schaefer's brightness unit in V
_SUN_MAG_V = -26.74  # MS(3), line 2060
_SCHAEFER_UNIT_PER_NL = 1.11e-15  # line 260
_LN10 = np.log(10.0)


def _exp10(x):
    """10**x (through exp, faster than power on arrays)."""
    return np.exp(_LN10 * x)

#: Rozenberg (1966) airmass at the horizon (the value Schaefer's program also gives a body
#: below the horizon, lines 2090/2110)
HORIZON_AIRMASS = 40.0

# --- light pollution ---------------------------------------------------------------------
#: Bortle (2001, Sky & Telescope 101(2), 126) class titles
BORTLE_TITLES = {
    1: "excellent dark-sky site",
    2: "typical truly dark site",
    3: "rural sky",
    4: "rural/suburban transition",
    5: "suburban sky",
    6: "bright suburban sky",
    7: "suburban/urban transition",
    8: "city sky",
    9: "inner-city sky",
}
#: zenith V sky brightness (mag/arcsec²) of each Bortle class. Classes 1–5: the ranges
#: tabulated in the Wikipedia "Bortle scale" article, which cites Crumey (2014, MNRAS 442,
#: 2600). For 6–9 that table and the World Atlas legend (Cinzano, Falchi & Elvidge 2001,
#: MNRAS 328, 689) give only 18.0–19.1 for classes 6–7 together and "brighter than 18.0"
#: for 8–9, so those are split here (our choice, see BORTLE_ZENITH_MAG).
BORTLE_RANGES = {
    1: (21.7, 22.0),
    2: (21.5, 21.7),
    3: (21.3, 21.5),
    4: (20.4, 21.3),
    5: (19.1, 20.4),
    6: (18.55, 19.1),
    7: (18.0, 18.55),
    8: (17.25, 18.0),
    9: (16.5, 17.25),
}
#: naked-eye limiting magnitude (zenith) of each class as Bortle (2001) states it, for an
#: experienced observer: 7.6–8.0, 7.1–7.5, 6.6–7.0, 6.1–6.5, 5.6–6.0, 5.1–5.5, 4.6–5.0, 4.1–4.5 and
#: "4.0 at best" for class 9 (taken here as 3.6–4.0, a step as wide as the others)
BORTLE_NELM = {1: (7.6, 8.0), 2: (7.1, 7.5), 3: (6.6, 7.0), 4: (6.1, 6.5), 5: (5.6, 6.0), 6: (5.1, 5.5),
               7: (4.6, 5.0), 8: (4.1, 4.5), 9: (3.6, 4.0)}
#: the value used for each class: the middle of its range (for 8 and 9, open-ended in the
#: source, the middle of 0.75-mag steps below 18.0: our choice, typical of SQM readings in
#: city centres)
BORTLE_ZENITH_MAG = {k: round(0.5 * (lo + hi), 3) for k, (lo, hi) in BORTLE_RANGES.items()}
DEFAULT_BORTLE = 3


# --- validation helpers ------------------------------------------------------------------
def _angles(name: str, value, lo: float, hi: float) -> np.ndarray:
    """``value`` as a float array, every element finite and within [lo, hi] degrees."""
    try:
        a = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InvalidParameterError(name, value, f"angles in degrees from {lo:g} to {hi:g}") from None
    if a.size and not (lo <= a.min() and a.max() <= hi):  # NaN fails both comparisons
        bad = a[~((a >= lo) & (a <= hi))].ravel()[0].item()
        raise InvalidParameterError(name, bad, f"finite angles from {lo:g} to {hi:g} degrees")
    return a


def _altitude(name: str, value) -> np.ndarray:
    return _angles(name, value, -90.0, 90.0)


def _azimuth(name: str, value) -> np.ndarray:
    try:
        a = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InvalidParameterError(name, value, "finite azimuths in degrees") from None
    if a.size and not np.isfinite(a.min() + a.max()):
        raise InvalidParameterError(name, value, "finite azimuths in degrees")
    return a


def _scalar_in(name: str, value, lo: float, hi: float, unit: str, lo_open: bool = False,
               hi_open: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InvalidParameterError(name, value, f"a number from {lo:g} to {hi:g} {unit}".strip()) from None
    ok = np.isfinite(v) and (v > lo if lo_open else v >= lo) and (v < hi if hi_open else v <= hi)
    if not ok:
        lb, hb = ("(" if lo_open else "["), (")" if hi_open else "]")
        raise InvalidParameterError(name, value, f"a number in {lb}{lo:g}, {hi:g}{hb} {unit}".strip())
    return v


# --- conversions -------------------------------------------------------------------------
def mag_to_nanolambert(mag_arcsec2):
    """Surface brightness: V mag/arcsec² → nanolamberts (K&S 1991 eq. 1)."""
    return 34.08 * np.power(10.0, -0.4 * (np.asarray(mag_arcsec2, dtype=float) - 22.5))


def nanolambert_to_mag(b_nl):
    """Surface brightness: nanolamberts → V mag/arcsec² (inverse of K&S 1991 eq. 1)."""
    return 22.5 - 2.5 * np.log10(np.asarray(b_nl, dtype=float) / 34.08)


# --- airmass and extinction --------------------------------------------------------------
def airmass(alt_deg):
    """Airmass along a direction at altitude ``alt_deg`` (deg, −90…90), Rozenberg (1966):
    X = 1 / (cos z + 0.025 e^(−11 cos z)); 1 at the zenith, 40 at the horizon. Below the
    horizon there is no line of sight through the air to a star: ``inf``."""
    alt = _altitude("alt_deg", alt_deg)
    return _airmass(alt)


def _airmass(alt):
    return np.where(alt >= 0.0, _rozenberg(np.sin(np.radians(np.maximum(alt, 0.0)))), np.inf)


def _rozenberg(cos_z):
    """Rozenberg's airmass from cos z (≥ 0)."""
    return 1.0 / (cos_z + 0.025 * np.exp(-11.0 * cos_z))


def _body_airmass(alt):
    """Airmass of the Sun or Moon: Rozenberg, and 40 below the horizon (VISLIMIT 2090/2110)."""
    return np.where(alt >= 0.0, _rozenberg(np.sin(np.radians(np.maximum(alt, 0.0)))), HORIZON_AIRMASS)


def _component_airmasses(cz, sz):
    """Airmasses for the gas, aerosol and ozone layers from cos z and sin z (z ≤ 90°)
    (VISLIMIT.BAS lines 1100–1120)."""
    xg = 1.0 / (cz + 0.0286 * np.exp(-10.5 * cz))
    xa = 1.0 / (cz + 0.0123 * np.exp(-24.5 * cz))
    xo = 1.0 / np.sqrt(1.0 - (sz / (1.0 + 20.0 / 6378.0)) ** 2)
    return xg, xa, xo


def _extinction_components(elevation_m, humidity_percent, temperature_c, latitude_deg, month):
    """Rayleigh, aerosol, ozone and water extinction coefficients (mag/airmass) in U B V R I,
    arrays of shape (5,) (VISLIMIT.BAS lines 1050–1200). ``month`` None: no seasonal term."""
    lat = np.radians(latitude_deg)
    if month is None:
        season_sin, season_cos = 0.0, 1.0  # the equinox: the aerosol season factor is 1
    else:
        ra = np.radians((month - 3) * 30.0)
        season_sin, season_cos = np.sin(ra), np.cos(ra)
    w = _WAVELENGTH_UM / 0.55
    kr = 0.1066 * np.exp(-elevation_m / 8200.0) * w**-4
    rh = humidity_percent / 100.0
    hum = 1.0 if rh <= 0.0 else (1.0 - 0.32 / np.log(rh)) ** 1.33
    season = 1.0 + 0.33 * np.sign(latitude_deg) * season_sin
    ka = 0.1 * w**-1.3 * np.exp(-elevation_m / 1500.0) * hum * season
    ko = _OZONE * (3.0 + 0.4 * (lat * season_cos - np.cos(3.0 * lat))) / 3.0
    kw = _WATER * 0.94 * rh * np.exp(temperature_c / 15.0) * np.exp(-elevation_m / 8200.0)
    return kr, ka, ko, kw


def extinction_coefficients(elevation_m: float = 0.0, humidity_percent: float = 40.0,
                            temperature_c: float = 15.0, latitude_deg: float = 30.0,
                            month: int | None = None) -> dict[str, float]:
    """Zenith extinction coefficient k (mag/airmass) in each of U B V R I: Rayleigh + aerosol
    + ozone + water vapour (Schaefer 1998, VISLIMIT.BAS; defaults are the program's: 40 %
    humidity, 15 °C, latitude 30°; ``month`` None leaves out the seasonal aerosol term)."""
    c = _check_site(elevation_m, humidity_percent, temperature_c, latitude_deg, month)
    k = sum(_extinction_components(*c))
    return {b: float(v) for b, v in zip(BANDS, k, strict=True)}


# --- moonlight (Krisciunas & Schaefer 1991) ----------------------------------------------
def moon_magnitude(phase_angle_deg):
    """The Moon's V magnitude at phase angle α (deg; 0 full, 180 new): K&S 1991 eq. 9,
    m = −12.73 + 0.026 |α| + 4 × 10⁻⁹ α⁴."""
    a = np.abs(np.asarray(phase_angle_deg, dtype=float))
    return -12.73 + 0.026 * a + 4e-9 * a**4


def _ks_airmass(alt):
    """K&S 1991 eq. 3: X = (1 − 0.96 sin² z)^(−1/2), z the zenith distance."""
    return _ks_airmass_sin(np.cos(np.radians(alt)))


def _ks_airmass_sin(sin_z):
    return 1.0 / np.sqrt(1.0 - 0.96 * sin_z * sin_z)


def _cos_separation(sin1, cos1, az1, alt2, az2):
    """cos of the angle between (alt1, az1), given as sin/cos of alt1, and (alt2, az2)."""
    a2 = np.radians(alt2)
    c = sin1 * np.sin(a2) + cos1 * np.cos(a2) * _cos_deg(np.asarray(az1) - az2)
    return np.clip(c, -1.0, 1.0)


def _moonlight(k, x, cos_rho, moon_alt, alpha):
    """K&S eqs. 8, 15, 21; ``x`` the K&S airmass of the direction, ``cos_rho`` the cosine
    of its separation from the Moon; nL. No masking."""
    rho = np.degrees(np.arccos(cos_rho))
    f = 10.0**5.36 * (1.06 + cos_rho * cos_rho) + _exp10(6.15 - rho / 40.0)
    i_star = _exp10(-0.4 * (moon_magnitude(alpha) + 16.57))  # foot-candles, eq. 8
    x_moon = _ks_airmass(moon_alt)
    return f * i_star * _exp10(-0.4 * k * x_moon) * -np.expm1(-0.4 * _LN10 * k * x)


def moonlight_nl(alt_deg, moon_alt_deg, separation_deg, phase_angle_deg, k_v):
    """Scattered moonlight (nL) at a direction of altitude ``alt_deg`` that is
    ``separation_deg`` from a Moon at ``moon_alt_deg`` and phase angle ``phase_angle_deg``,
    with V extinction coefficient ``k_v`` (mag/airmass): Krisciunas & Schaefer 1991, eq. 15
    with eqs. 3, 8, 9, 21; zero while the Moon is below the horizon. All arrays broadcast.

    Schaefer's 1998 program adds an aureole term 6.2 × 10⁷ ρ⁻² (ρ in degrees, line 2210)
    that this K&S form leaves out: within a few degrees of the Moon the light is
    underestimated.
    """
    alt = _altitude("alt_deg", alt_deg)
    malt = _altitude("moon_alt_deg", moon_alt_deg)
    rho = _angles("separation_deg", separation_deg, 0.0, 180.0)
    alpha = _angles("phase_angle_deg", phase_angle_deg, 0.0, 180.0)
    k = _scalar_in("k_v", k_v, 0.0, 5.0, "mag/airmass", lo_open=True)
    b = _moonlight(k, _ks_airmass(alt), np.cos(np.radians(rho)), malt, alpha)
    return np.where(malt > 0.0, b, 0.0)


# --- twilight and daylight (Schaefer 1998) -----------------------------------------------
def _sunlight(k, z, x, cos_rho_sun, sun_alt):
    """Twilight or daylight (nL), whichever is fainter (VISLIMIT.BAS lines 2260–2410);
    ``z`` zenith distance (deg) and ``x`` Rozenberg airmass of the direction."""
    rho = np.maximum(np.degrees(np.arccos(cos_rho_sun)), 0.25)  # within the Sun's disc: its edge
    scatter = -np.expm1(-0.4 * _LN10 * k * x)  # 1 − 10^(−0.4 k X)
    offset = _SUN_MAG_V - _MOON_ZP_V
    twilight = _exp10(-0.4 * (offset + 32.5 - sun_alt - z / (360.0 * k))) * (100.0 / rho) * scatter
    c4 = _exp10(-0.4 * k * _body_airmass(sun_alt))
    fs = 6.2e7 / rho**2 + _exp10(6.15 - rho / 40.0) + 10.0**5.36 * (1.06 + cos_rho_sun**2)
    daylight = 10.0 ** (-0.4 * (offset + 43.27)) * scatter * (fs * c4 + 440000.0 * (1.0 - c4))
    return np.minimum(twilight, daylight) / _SCHAEFER_UNIT_PER_NL


#: below this Sun altitude (deg) the twilight term is left out: at −30° it is below 10⁻⁴ of
#: the darkest natural night sky (22 mag/arcsec²) in every direction above the horizon, for
#: any k_V the extinction model gives (≥ 0.07, at 9000 m in dry air)
SUN_NEGLIGIBLE_ALT = -30.0


def _sin_deg(x):
    """sin of angles in degrees, computed in float32 (vectorised by the CPU, 3× faster than
    float64 here; error below 10⁻⁷, i.e. 10⁻⁵ deg) and returned as float64."""
    return np.sin(np.radians(x, dtype=np.float32)).astype(np.float64)


def _cos_deg(x):
    """cos of angles in degrees, as :func:`_sin_deg`."""
    return np.cos(np.radians(x, dtype=np.float32)).astype(np.float64)


def _trig(alt):
    """sin and cos of the altitude clipped to the horizon (one sine; cos = √(1 − sin²))."""
    sa = _sin_deg(np.maximum(alt, 0.0))
    return sa, np.sqrt(np.maximum(1.0 - sa * sa, 0.0))


# --- the threshold -----------------------------------------------------------------------
def limiting_magnitude_seen(b_nl, snellen_ratio: float = 1.0):
    """Faintest point source the eye sees against a background of ``b_nl`` nanolamberts,
    as it arrives at the eye (no extinction taken off): Schaefer 1998 VISLIMIT.BAS lines
    270–320 (Hecht's threshold, night branch up to 1571 nL, day branch above 3.14 × 10⁷ nL, the
    two joined across the mesopic range between) for Schaefer's average observer."""
    b = np.asarray(b_nl, dtype=float)
    if np.any(~(b >= 0.0)):
        raise InvalidParameterError("b_nl", b_nl, "sky brightnesses of 0 nL or more")
    sn = _scalar_in("snellen_ratio", snellen_ratio, 0.0, 4.0, "", lo_open=True)
    return _limit_seen(b, sn)


#: the mesopic range over which the eye's threshold passes from the rods' (night) branch to the
#: cones' (day) branch, nL: from 0.005 cd/m² (the lower limit of mesopic vision, CIE 191:2010;
#: 1 nL = 3.183 × 10⁻⁶ cd/m², so 1571 nL, where Schaefer's program switches branches, at 1500 nL)
#: to 100 cd/m² (3.14 × 10⁷ nL), where the rods saturate (Aguilar & Stiles 1954, Optica Acta 1,
#: 59: rod saturation at some 100 cd/m² of white light)
MESOPIC_NL = (1571.0, 3.14e7)

#: the observer's experience, as a gain in limiting magnitude over Schaefer's average observer
#: (his program's default, Snellen 1). "experienced": Bortle's (2001, Sky & Telescope 101(2), 126)
#: observers, whose nine naked-eye limits (the middles of BORTLE_NELM) stand on average 0.97 mag
#: above this model's average-observer zenith limit at sea level under each class's zenith sky
#: (BORTLE_ZENITH_MAG). One number for all skies (no per-class value), the same as a Snellen
#: ratio of 10^(0.97/5) = 1.56. Classes 1–3 cannot all be met by any one observer: Bortle's
#: limits rise 1.0 mag from class 3 to 1 while the sky darkens by 0.45 mag/arcsec², and a Hecht
#: threshold never gains more than 1 mag per mag/arcsec² (dm/dS = y/(1 + y) < 1, y = √(C2 B)).
#: No physical parameter of the threshold changes that: an observer's field factor (Crumey 2014's
#: F, Schaefer 1990's correction factors) multiplies the threshold illuminance, a constant shift of
#: 2.5 log10 F in magnitude, which is what this gain is (0.97 mag: F ratio 2.44), and a site at
#: 2000 m gains only 0.14 mag of extinction (class 1: 7.34, still short of 7.6). Class 4 spans
#: 20.4–21.3 mag/arcsec², over which the experienced limit runs 6.40–6.93: Bortle's 6.1–6.5 meets
#: only the bright end, so its 0.18 mag is the choice of the range's middle, not of the eye.
EXPERIENCE_GAIN_MAG = {"average": 0.0, "experienced": 0.97}


def _limit_seen(b, sn):
    """Hecht's threshold with Schaefer's constants. Night (scotopic) branch up to 1571 nL; through
    the mesopic range (:data:`MESOPIC_NL`) log threshold moves linearly in log B from the night
    to the day branch; above it the day branch. Schaefer's program switches branch at 1500 nL,
    where the two cross: above it the day branch stays flat (its C2 B ≪ 1 up to ~10⁵ nL), so
    every light-polluted sky brighter than 18.4 mag/arcsec² gave nearly one limit (Bortle 7, 8,
    9: 3.89, 3.86, 3.81). The night branch is, term for term, Crumey's (2014, MNRAS 442, 2600)
    naked-eye relation m = 7.93 − 5 log10(10^(4.316 − S/5) + 1) (S in V mag/arcsec²): m0 = −16.57
    + 24.5 = 7.93 and √(C2 B) = 1 at S = 21.58; it falls 0.5–0.9 mag per mag/arcsec² through
    the light-polluted range as Bortle's limits do (0.5 mag per class)."""
    b = np.asarray(b, dtype=float)
    lo, hi = MESOPIC_NL
    night = 10.0**-9.8 * (1.0 + np.sqrt(10.0**-1.9 * b)) ** 2  # foot-candles
    day = 10.0**-8.35 * (1.0 + np.sqrt(10.0**-5.9 * b)) ** 2
    w = np.clip(np.log10(np.maximum(b, lo) / lo) / np.log10(hi / lo), 0.0, 1.0)
    log_th = (1.0 - w) * np.log10(night) + w * np.log10(day)
    return -16.57 - 2.5 * log_th + 5.0 * np.log10(sn)


# --- the Sun and the Moon as seen from the site --------------------------------------------
@dataclass(frozen=True)
class Sun:
    """Where the Sun stands: altitude and azimuth (deg; scalars or arrays that broadcast
    with the directions, e.g. one per time)."""

    alt_deg: object
    az_deg: object

    def __post_init__(self):
        object.__setattr__(self, "alt_deg", _altitude("sun alt_deg", self.alt_deg))
        object.__setattr__(self, "az_deg", _azimuth("sun az_deg", self.az_deg))


@dataclass(frozen=True)
class Moon:
    """Where the Moon stands and how lit it is: altitude, azimuth and phase angle α
    (deg; α = 0 full, 90 quarter, 180 new). :meth:`lit` builds one from the illuminated
    fraction instead, f = (1 + cos α) / 2."""

    alt_deg: object
    az_deg: object
    phase_angle_deg: object

    def __post_init__(self):
        object.__setattr__(self, "alt_deg", _altitude("moon alt_deg", self.alt_deg))
        object.__setattr__(self, "az_deg", _azimuth("moon az_deg", self.az_deg))
        alpha = _angles("phase_angle_deg", self.phase_angle_deg, 0.0, 180.0)
        object.__setattr__(self, "phase_angle_deg", alpha)

    @classmethod
    def lit(cls, alt_deg, az_deg, illuminated_fraction) -> Moon:
        """A Moon from its illuminated fraction (0 new … 1 full)."""
        f = np.asarray(illuminated_fraction, dtype=float)
        if not np.all(np.isfinite(f)) or np.any(f < 0.0) or np.any(f > 1.0):
            raise InvalidParameterError("illuminated_fraction", illuminated_fraction, "fractions from 0 to 1")
        return cls(alt_deg, az_deg, np.degrees(np.arccos(2.0 * f - 1.0)))

    @property
    def magnitude(self):
        """V magnitude (K&S 1991 eq. 9)."""
        return moon_magnitude(self.phase_angle_deg)


# --- the site and the observer -------------------------------------------------------------
def _check_site(elevation_m, humidity_percent, temperature_c, latitude_deg, month):
    """The site's air parameters, checked: (elevation, humidity, temperature, latitude, month)."""
    e = _scalar_in("elevation_m", elevation_m, -500.0, 9000.0, "m")
    h = _scalar_in("humidity_percent", humidity_percent, 0.0, 100.0, "%", hi_open=True)
    t = _scalar_in("temperature_c", temperature_c, -80.0, 60.0, "°C")
    la = _scalar_in("latitude_deg", latitude_deg, -90.0, 90.0, "deg")
    if month is not None:
        if isinstance(month, bool) or not isinstance(month, int | np.integer) or not 1 <= month <= 12:
            raise InvalidParameterError("month", month, "a month number 1 to 12, or None")
        month = int(month)
    return e, h, t, la, month


@dataclass(frozen=True)
class Conditions:
    """The sky a person looks at, and the person: site (elevation, air), night-sky
    brightness (a Bortle class or a measured zenith mag/arcsec² in V), and eyesight.

    ``bortle`` (1–9) and ``zenith_mag`` are alternatives; with neither, a dark rural sky
    (Bortle 3, 21.4 mag/arcsec²: the middle of the class's 21.3–21.5) is assumed. Air:
    relative humidity, temperature, latitude and month enter Schaefer's extinction (defaults
    of VISLIMIT.BAS; month None = no seasonal aerosol term). ``snellen_ratio``: acuity,
    20/20 vision = 1 (Schaefer's default), 20/10 = 2 (+1.5 mag). ``experience``: "average"
    (Schaefer's observer, the default) or "experienced" (Bortle's, +0.97 mag, see
    :data:`EXPERIENCE_GAIN_MAG`); with it the zenith limits under the nine Bortle skies fall in or
    within 0.4 mag of the ranges Bortle states.
    """

    elevation_m: float = 0.0
    bortle: int | None = None
    zenith_mag: float | None = None
    humidity_percent: float = 40.0
    temperature_c: float = 15.0
    latitude_deg: float = 30.0
    month: int | None = None
    snellen_ratio: float = 1.0
    experience: str = "average"

    def __post_init__(self):
        e, h, t, la, m = _check_site(self.elevation_m, self.humidity_percent, self.temperature_c,
                                     self.latitude_deg, self.month)
        for name, v in (("elevation_m", e), ("humidity_percent", h), ("temperature_c", t),
                        ("latitude_deg", la), ("month", m)):
            object.__setattr__(self, name, v)
        if self.bortle is not None and self.zenith_mag is not None:
            raise InvalidParameterError("bortle", self.bortle,
                                        "either a Bortle class or zenith_mag, not both")
        if self.bortle is not None:
            if isinstance(self.bortle, bool) or not isinstance(self.bortle, int | np.integer) \
                    or not 1 <= self.bortle <= 9:
                raise InvalidParameterError("bortle", self.bortle,
                                            "a Bortle class, an integer 1 (darkest) to 9")
            object.__setattr__(self, "bortle", int(self.bortle))
        if self.zenith_mag is not None:
            object.__setattr__(self, "zenith_mag", _scalar_in(
                "zenith_mag", self.zenith_mag, 14.0, 23.0,
                "mag/arcsec² (V); 22 is a pristine sky, 17 a city centre"))
        object.__setattr__(self, "snellen_ratio", _scalar_in(
            "snellen_ratio", self.snellen_ratio, 0.0, 4.0, "(20/20 vision = 1)", lo_open=True))
        if self.experience not in EXPERIENCE_GAIN_MAG:
            raise InvalidParameterError("experience", self.experience,
                                        " or ".join(repr(k) for k in EXPERIENCE_GAIN_MAG))

    # -- the sky assumed --
    @property
    def sky_zenith_mag(self) -> float:
        """Zenith night-sky brightness, V mag/arcsec² (moonless, after full darkness)."""
        if self.zenith_mag is not None:
            return self.zenith_mag
        return BORTLE_ZENITH_MAG[self.bortle if self.bortle is not None else DEFAULT_BORTLE]

    @property
    def bortle_class(self) -> int:
        """The Bortle class: as given, or the one whose range holds ``zenith_mag``."""
        if self.bortle is not None:
            return self.bortle
        if self.zenith_mag is None:
            return DEFAULT_BORTLE
        for cls_, (lo, _hi) in BORTLE_RANGES.items():
            if self.zenith_mag >= lo:
                return cls_
        return 9

    @property
    def k(self) -> dict[str, float]:
        """Extinction coefficients, mag/airmass, U B V R I."""
        return extinction_coefficients(self.elevation_m, self.humidity_percent, self.temperature_c,
                                       self.latitude_deg, self.month)

    @property
    def k_v(self) -> float:
        """V extinction coefficient, mag/airmass."""
        return self.k["V"]

    def describe(self) -> str:
        """One line saying which sky, air and eye were assumed."""
        b = self.bortle_class
        if self.zenith_mag is not None:
            how = "given"
        else:
            how = "default" if self.bortle is None else "middle of the class"
        return (f"Bortle {b} {BORTLE_TITLES[b]}, zenith {self.sky_zenith_mag:.2f} mag/arcsec² V ({how}); "
                f"site {self.elevation_m:g} m, k_V {self.k_v:.3f} mag/airmass; "
                f"eye acuity Snellen {self.snellen_ratio:g} (20/20 = 1), {self.experience} observer")

    # -- the verbs --
    def extinction(self, alt_deg):
        """Extinction in V (mag) toward each altitude (deg); ``inf`` below the horizon."""
        alt = _altitude("alt_deg", alt_deg)
        out = self._extinction_block(self._constants(), alt)
        return out if out.ndim else out[()]

    def sky_brightness(self, alt_deg, az_deg, sun: Sun | None = None, moon: Moon | None = None):
        """Sky surface brightness in V (nL) toward each (alt, az) (deg), from the night sky,
        the Moon (if given and up) and the Sun (twilight/day, if given). Directions below
        the horizon get the horizon's brightness."""
        return self._blockwise(self._sky_block, alt_deg, az_deg, sun, moon)

    def sky_mag(self, alt_deg, az_deg, sun: Sun | None = None, moon: Moon | None = None):
        """Sky surface brightness in V mag/arcsec² (see :meth:`sky_brightness`)."""
        return nanolambert_to_mag(self.sky_brightness(alt_deg, az_deg, sun=sun, moon=moon))

    def limiting_magnitude(self, alt_deg, az_deg, sun: Sun | None = None, moon: Moon | None = None):
        """Faintest V magnitude (above the atmosphere, like a catalogue's) a person sees
        toward each (alt, az) (deg); ``-inf`` below the horizon."""
        return self._blockwise(self._limit_block, alt_deg, az_deg, sun, moon)

    # -- the machinery: validate once, then evaluate block by block --
    _BLOCK = 1 << 15  # directions per block: the temporaries stay in the CPU cache

    def _blockwise(self, kernel, alt_deg, az_deg, sun, moon):
        ops = [_altitude("alt_deg", alt_deg), _azimuth("az_deg", az_deg)]
        has_sun, has_moon = sun is not None, moon is not None
        if has_sun and not isinstance(sun, Sun):
            raise InvalidParameterError("sun", sun, "a visibility.Sun(alt_deg=..., az_deg=...) or None")
        if has_moon and not isinstance(moon, Moon):
            raise InvalidParameterError("moon", moon, "a visibility.Moon(alt_deg=..., az_deg=..., "
                                        "phase_angle_deg=...) or None")
        if has_sun:
            ops += [sun.alt_deg, sun.az_deg]
        if has_moon:
            ops += [moon.alt_deg, moon.az_deg, moon.phase_angle_deg]
        consts = self._constants()
        it = np.nditer(ops + [None], flags=["external_loop", "buffered", "zerosize_ok"],
                       op_flags=[["readonly"]] * len(ops) + [["writeonly", "allocate"]],
                       op_dtypes=[np.float64] * (len(ops) + 1), buffersize=self._BLOCK)
        with it:
            for chunk in it:
                alt, az, rest = chunk[0], chunk[1], list(chunk[2:-1])
                s = (rest.pop(0), rest.pop(0)) if has_sun else None
                m = (rest.pop(0), rest.pop(0), rest.pop(0)) if has_moon else None
                chunk[-1][...] = kernel(consts, alt, az, s, m)
            out = it.operands[-1]
        return out if out.ndim else out[()]

    def _constants(self):
        kr, ka, ko, kw = (float(c[_V]) for c in _extinction_components(
            self.elevation_m, self.humidity_percent, self.temperature_c, self.latitude_deg, self.month))
        return {"k": kr + ka + ko + kw, "k_gas": kr + kw, "k_aerosol": ka, "k_ozone": ko,
                "b_zenith": float(mag_to_nanolambert(self.sky_zenith_mag)),
                "snellen": self.snellen_ratio * 10.0 ** (EXPERIENCE_GAIN_MAG[self.experience] / 5.0)}

    @staticmethod
    def _sky_block(c, alt, az, sun, moon, trig=None):
        """Sky brightness (nL) of one block of directions; below the horizon, the horizon's.
        ``trig``: (sin, cos) of the clipped altitudes, if already known."""
        sa, ca = trig if trig is not None else _trig(alt)
        k = c["k"]
        x_ks = _ks_airmass_sin(ca)
        b = c["b_zenith"] * x_ks * _exp10(-0.4 * k * (x_ks - 1.0))
        if moon is not None and np.any(moon[0] > 0.0):
            malt, maz, phase = moon
            bm = _moonlight(k, x_ks, _cos_separation(sa, ca, az, malt, maz), malt, phase)
            b += np.where(malt > 0.0, bm, 0.0)
        if sun is not None and np.any(sun[0] > SUN_NEGLIGIBLE_ALT):
            salt, saz = sun
            z = 90.0 - np.maximum(alt, 0.0)
            bs = _sunlight(k, z, _rozenberg(sa), _cos_separation(sa, ca, az, salt, saz), salt)
            b += np.where(salt > SUN_NEGLIGIBLE_ALT, bs, 0.0)
        return b

    @staticmethod
    def _extinction_block(c, alt, trig=None):
        sa, ca = trig if trig is not None else _trig(alt)
        xg, xa, xo = _component_airmasses(sa, ca)
        return np.where(alt >= 0.0, c["k_gas"] * xg + c["k_aerosol"] * xa + c["k_ozone"] * xo, np.inf)

    @classmethod
    def _limit_block(cls, c, alt, az, sun, moon):
        trig = _trig(alt)
        m = _limit_seen(cls._sky_block(c, alt, az, sun, moon, trig), c["snellen"]) \
            - cls._extinction_block(c, alt, trig)
        return np.where(alt >= 0.0, m, -np.inf)

    def sees(self, v_mag, alt_deg, az_deg, sun: Sun | None = None, moon: Moon | None = None):
        """Boolean mask: which objects of V magnitude ``v_mag`` (above the atmosphere) at
        (alt, az) (deg) the naked eye sees. NaN magnitudes are not seen."""
        v = np.asarray(v_mag, dtype=float)
        return v <= self.limiting_magnitude(alt_deg, az_deg, sun=sun, moon=moon)


def visible(v_mag, alt_deg, az_deg, sun: Sun | None = None, moon: Moon | None = None,
            conditions: Conditions | None = None):
    """Boolean mask: which objects of V magnitude ``v_mag`` (above the atmosphere) at
    (alt, az) (deg) a person sees, under ``conditions`` (default: :class:`Conditions()`,
    a Bortle 3 rural sky at sea level, 20/20 eyes)."""
    check_numbers(v_mag=v_mag, alt_deg=alt_deg, az_deg=az_deg)
    if conditions is not None and not isinstance(conditions, Conditions):
        raise InvalidParameterError("conditions", conditions, "a Conditions object (or None)")
    sky = conditions if conditions is not None else Conditions()
    return sky.sees(v_mag, alt_deg, az_deg, sun=sun, moon=moon)

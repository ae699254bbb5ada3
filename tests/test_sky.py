"""The sky a person sees: naked-eye counts against the literature, the wishing star against an
independent computation, pictures and the CLI."""

from __future__ import annotations

import csv
import json
import warnings
from datetime import timedelta

import numpy as np
import pytest
from typer.testing import CliRunner

import starmaker as sm
from starmaker.cli import app
from starmaker.observe.eye import Conditions, Moon, Sun
from starmaker.observe.observer import DEFAULT_SITE, Observer, _data_folder
from starmaker.observe.sky import (
    RESOLUTION_ARCMIN,
    bodies,
    conditions_for,
    first_star,
    look,
    merge_unresolved,
    visible_list,
)

runner = CliRunner()

# A moonless December night at Karatsu (New Moon 2026-12-09; the Moon sets before 21:30) and the
# Christmas full Moon (2026-12-24).
MOONLESS = "2026-12-10T21:30+09:00"
FULL_MOON = "2026-12-24T21:30+09:00"


@pytest.fixture(scope="module")
def hip():
    return sm.hipparcos()


def test_naked_eye_counts(hip):
    """Moonless nights. The literature: "seldom possible to see more than 2500 naked-eye stars at
    any one time" (Moore & Rees 2011, Patrick Moore's Data Book of Astronomy, ch. 18); under dark
    rural skies with a limit near 5.5, "under 1,000" (BBC Sky at Night, 2023, "How many stars can
    you see"); the Yale Bright Star Catalogue's 9,110 stars to V = 6.5 over the whole sky, half
    of them up at once, are the ceiling before extinction. Schaefer's 20/20 observer at a sea-level
    Bortle 3 site (the default) sees ~1,300; at a pristine mountain site (Bortle 1, 1,000 m) ~2,000;
    with keen eyes (20/15) there, about 3,000. Under a full Moon, or from a city (Bortle 8), far
    fewer: a few hundred at most."""
    mountain = Observer(DEFAULT_SITE.latitude_degrees, DEFAULT_SITE.longitude_degrees, 1000.0)
    best = look(hip, mountain.at(MOONLESS), conditions_for(mountain, bortle=1))
    keen = look(hip, mountain.at(MOONLESS), conditions_for(mountain, bortle=1, acuity=4 / 3))
    assert 1500 <= int(best["visible"].sum()) <= 2600
    assert int(keen["visible"].sum()) >= 2600
    dark = look(hip, DEFAULT_SITE.at(MOONLESS), conditions_for(DEFAULT_SITE, bortle=3))
    moonlit = look(hip, DEFAULT_SITE.at(FULL_MOON), conditions_for(DEFAULT_SITE, bortle=3))
    city = look(hip, DEFAULT_SITE.at(MOONLESS), conditions_for(DEFAULT_SITE, bortle=8))
    n_dark, n_moon, n_city = (int(s["visible"].sum()) for s in (dark, moonlit, city))
    assert DEFAULT_SITE.at(MOONLESS).moon.alt < 0 < DEFAULT_SITE.at(FULL_MOON).moon.alt
    assert 900 <= n_dark <= 2600
    assert n_moon < n_dark / 3 and n_city < n_dark / 3
    assert n_city < 500 and n_moon < 500
    # all visible stars are up, and their light (with unresolved companions) brighter than the limit
    v = dark.select(dark["visible"])
    assert (v["alt"] > 0).all() and (v["V_eye"] <= v["V_limit"]).all() and (v["V_eye"] <= v["V"]).all()


def test_made_and_real_skies_through_the_same_code(hip):
    """A made naked-eye sky goes through the same look(); its visible count is within 25 % of the
    real one (the Milky Way's V < 10 counts agree with Gaia to 5 %, tests/test_survey.py)."""
    made = sm.MilkyWay().make("V<6.5", seed=1)
    view = DEFAULT_SITE.at(MOONLESS)
    n_made = int(look(made, view)["visible"].sum())
    n_real = int(look(hip, view)["visible"].sum())
    assert abs(n_made / n_real - 1) < 0.25


def test_visible_list_columns(hip):
    view = DEFAULT_SITE.at("2026-12-24T20:00+09:00")
    table = visible_list(look(hip, view), bodies(view))
    for col in ("name", "hip", "alt", "az", "V", "airmass"):
        assert col in table
    assert table["name"][0] == "Moon"  # brightest first
    assert "Sirius" in set(table["name"]) and "Betelgeuse" in set(table["name"])
    assert (np.diff(table["V"]) >= 0).all()


# --- the wishing star against an independent computation -----------------------------------------
def _bennett(h):
    """Refraction (deg) for a geometric altitude h (deg): Sæmundsson 1986 (Sky & Telescope 72,
    70), the inverse of Bennett's formula, 1.02 / tan(h + 10.3 / (h + 5.11)) arcmin."""
    h = np.asarray(h, dtype=float)
    r = 1.02 / np.tan(np.radians(h + 10.3 / (h + 5.11))) / 60.0
    return np.where(h > -1.0, r, 0.0)


def _independent_first(site: Observer, day: str, cond: Conditions, hip, step_s: float = 20.0):
    """Brute force with astropy: positions of the stars (V < 4.5), planets, Sun and Moon from
    astropy (ICRS → AltAz without air, then Sæmundsson refraction), every ``step_s`` seconds from
    sunset, judged by the same visibility model; the first object seen and when."""
    import astropy.units as u
    from astropy.coordinates import AltAz, Distance, EarthLocation, SkyCoord, get_body
    from astropy.time import Time
    from astropy.utils import iers

    iers.conf.auto_download = False
    iers.conf.auto_max_age = None
    iers.earth_orientation_table.set(iers.IERS_A.open(str(_data_folder() / "finals2000A.all")))
    evening = site.evening(day)
    start = evening.sunset
    times = Time(start) + np.arange(0, 2.5 * 3600 / step_s) * step_s * u.s
    loc = EarthLocation(lon=site.longitude_degrees * u.deg, lat=site.latitude_degrees * u.deg,
                        height=site.elevation_m * u.m)
    bright = hip.select(hip["V"] < 4.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = AltAz(obstime=times, location=loc, pressure=0 * u.hPa)
        plx = np.where(bright["parallax"] > 0.5, bright["parallax"], 0.5)
        stars = SkyCoord(ra=bright["ra"] * u.deg, dec=bright["dec"] * u.deg,
                         pm_ra_cosdec=np.nan_to_num(bright["pmra"]) * u.mas / u.yr,
                         pm_dec=np.nan_to_num(bright["pmdec"]) * u.mas / u.yr,
                         distance=Distance(parallax=plx * u.mas), radial_velocity=0 * u.km / u.s,
                         obstime=Time(1991.25, format="jyear", scale="tt"))
        stars = stars.apply_space_motion(new_obstime=times[0])
        s_aa = SkyCoord(stars.ra, stars.dec)[:, None].transform_to(frame[None, :])
        sun = get_body("sun", times, loc)
        moon = get_body("moon", times, loc)
        sun_aa, moon_aa = sun.transform_to(frame), moon.transform_to(frame)
        # the Moon's phase angle from the Sun-Moon elongation seen from the Earth
        elong = sun.separation(moon).rad
        rs, rm = sun.distance.au, moon.distance.au
        phase = np.degrees(np.arctan2(rs * np.sin(elong), rm - rs * np.cos(elong)))
        planets = {}
        view = site.at(start + timedelta(minutes=30))
        mags = {p.name: p.V for p in view.planets}  # V over an evening changes by < 0.01 mag
        for name in mags:
            planets[name] = get_body(name.lower(), times, loc).transform_to(frame)
    names = [*(f"hip {h}" for h in bright["hip"]), *planets]
    V = np.concatenate([bright["V"], [mags[n] for n in planets]])
    for k in range(len(times)):
        alt = np.concatenate([s_aa.alt.deg[:, k], [planets[n].alt.deg[k] for n in planets]])
        az = np.concatenate([s_aa.az.deg[:, k], [planets[n].az.deg[k] for n in planets]])
        alt = alt + _bennett(alt)
        up = alt > 0
        sa = sun_aa.alt.deg[k] + float(_bennett(sun_aa.alt.deg[k]))
        ma = moon_aa.alt.deg[k] + float(_bennett(moon_aa.alt.deg[k]))
        lim = cond.limiting_magnitude(alt[up], az[up], sun=Sun(sa, sun_aa.az.deg[k]),
                                      moon=Moon(ma, moon_aa.az.deg[k], phase[k]))
        # stars closer than the eye resolves are one light (α Cen A + B), as in look()
        v_eye = merge_unresolved(alt, az, V, up, RESOLUTION_ARCMIN / cond.snellen_ratio)[0]
        seen = np.nonzero(up)[0][v_eye[up] <= lim]
        if len(seen):
            best = seen[np.argmin(v_eye[seen] - lim[v_eye[up] <= lim])] if len(seen) > 1 else seen[0]
            return names[best], times[k].to_datetime(timezone=start.tzinfo), [names[i] for i in seen]
    raise AssertionError("nothing seen")


@pytest.mark.slow
@pytest.mark.parametrize(
    "lat,lon,elev,day",
    [
        (33.45, 129.97, 20.0, "2026-12-24"),  # Vega in a full-Moon twilight
        (33.45, 129.97, 20.0, "2026-10-20"),  # Vega overhead
        (-33.87, 151.21, 50.0, "2026-10-20"),  # α Centauri (A and B, one light)
        (-33.87, 151.21, 50.0, "2027-09-01"),  # Rigil Kentaurus
        (-33.87, 151.21, 50.0, "2026-08-15"),  # Venus, already at sunset
        (64.14, -21.94, 10.0, "2026-03-25"),  # Jupiter, Reykjavik
    ],
)
def test_wishing_star_matches_independent_computation(hip, lat, lon, elev, day):
    """Same first object, at the same time within a minute (the brute force steps 20 s)."""
    site = Observer(lat, lon, elev)
    cond = conditions_for(site)
    wish = first_star(site.evening(day), hip, cond)
    name, when, seen = _independent_first(site, day, cond, hip)
    ours = wish.name if wish.kind == "planet" else f"hip {wish.hip}"
    assert ours in seen, (ours, name, seen)
    assert abs(when - wish.time) <= timedelta(seconds=60)


def test_wish_needs_a_sunset():
    with pytest.raises(sm.StarmakerError, match="does not set"):
        first_star(Observer(78.22, 15.65).evening("2026-06-21"))


# --- the CLI ------------------------------------------------------------------------------------
def test_cli_sky_real(tmp_path):
    png, lst = tmp_path / "sky.png", tmp_path / "visible.csv"
    r = runner.invoke(app, ["sky", "--lat", "33.45", "--lon", "129.97", "--time", "2026-12-24T18:30+09:00",
                            "--stars", "real", "-o", str(png), "--list", str(lst)])
    assert r.exit_code == 0, r.output
    assert png.stat().st_size > 50_000
    with lst.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert {"name", "hip", "alt", "az", "V", "airmass"} <= set(rows[0])
    names = {row["name"] for row in rows}
    assert {"Betelgeuse", "Rigel", "Capella"} <= names  # Orion rising in a December evening
    hips = {row["hip"] for row in rows if row["name"] == "Rigel"}
    assert hips == {"24436"}
    assert "Bortle 3" in r.output


def test_cli_wish_json():
    r = runner.invoke(app, ["wish", "--lat", "33.45", "--lon", "129.97", "--date", "2026-12-24", "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert {"time", "name", "alt", "az", "V"} <= set(d)
    # Vega, 0.0 mag high in the west, before Saturn since the eye's threshold joins its night and
    # day branches across the mesopic range (visibility._limit_seen)
    assert d["time"].endswith("+09:00") and d["name"] == "Vega"


@pytest.mark.parametrize(
    "args,message",
    [
        (["sky", "--lat", "95", "--lon", "0"], "latitude"),
        (["sky", "--time", "yesterday"], "time"),
        (["sky", "--bortle", "12"], "bortle"),
        (["wish", "--date", "2026-02-30"], "date"),
        (["sky", "--stars", "nosuchfile.parquet"], "nosuchfile"),
    ],
)
def test_cli_bad_input(args, message, tmp_path):
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "starmaker.cli", *args, "-o" if args[0] == "sky" else "--json",
                        *([str(tmp_path / "x.png")] if args[0] == "sky" else [])],
                       capture_output=True, text=True)
    assert r.returncode == 1
    assert message in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "x.png").exists()


def test_cli_real_sky_map(tmp_path):
    """The all-sky map draws the real sky through the same code as a made one."""
    png = tmp_path / "map.png"
    r = runner.invoke(app, ["plot", "skymap", "hipparcos", "--band", "V", "--limit", "6.5", "-o", str(png)])
    assert r.exit_code == 0, r.output
    assert png.stat().st_size > 50_000


def test_stars_at_an_epoch_match_astropy(hip):
    """``--epoch``: Hipparcos stars 10,000 yr after the view's date, moved by proper motion and
    parallax (radial velocity unknown, 0), within 1″ of astropy's apply_space_motion; Sirius
    fades as it moves away sideways (5 log10 of the distance ratio)."""
    import astropy.units as u
    from astropy.coordinates import Distance, SkyCoord
    from astropy.time import Time

    from starmaker.observe.sky import at_epoch

    view = DEFAULT_SITE.at("2026-12-24T21:00+09:00")
    sample = hip.select((hip["parallax"] > 100) & np.isfinite(hip["pmra"]))  # within 10 pc
    moved = at_epoch(sample, view, 10_000.0)
    now = 2000.0 + (view.t.tt - 2451545.0) / 365.25
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = SkyCoord(ra=sample["ra"] * u.deg, dec=sample["dec"] * u.deg,
                     pm_ra_cosdec=sample["pmra"] * u.mas / u.yr, pm_dec=sample["pmdec"] * u.mas / u.yr,
                     distance=Distance(parallax=sample["parallax"] * u.mas), radial_velocity=0 * u.km / u.s,
                     obstime=Time(1991.25, format="jyear", scale="tt"))
        ref = c.apply_space_motion(new_obstime=Time(now + 10_000.0, format="jyear", scale="tt"))
    sep = SkyCoord(moved["ra"] * u.deg, moved["dec"] * u.deg).separation(SkyCoord(ref.ra, ref.dec)).arcsec
    assert sep.max() < 1.0
    assert moved.meta["epoch"].startswith("J2026")
    # the view then leaves them where they are (no second proper-motion step)
    alt0, _ = view.altaz(moved)
    alt1, _ = view.site.altaz(view.t, moved["ra"], moved["dec"])
    assert np.abs(alt0 - alt1).max() < 1e-9
    sirius = np.nonzero(sample["hip"] == 32349)[0]
    d0, d1 = sample["distance"][sirius], moved["distance"][sirius]
    assert np.allclose(moved["V"][sirius] - sample["V"][sirius], 5 * np.log10(d1 / d0))
    assert d1 > d0


def _separation_deg(alt1, az1, alt2, az2):
    a1, a2, dz = np.radians(alt1), np.radians(alt2), np.radians(az1 - az2)
    return np.degrees(np.arccos(np.sin(a1) * np.sin(a2) + np.cos(a1) * np.cos(a2) * np.cos(dz)))


def test_cli_sky_epoch(tmp_path):
    """--epoch moves the stars: Sirius (1.3″/yr) stands elsewhere 50,000 yr on, about 18°."""
    rows = {}
    for epoch in ("0", "+50000yr"):
        png, lst = tmp_path / f"sky{epoch}.png", tmp_path / f"v{epoch}.csv"
        r = runner.invoke(app, ["sky", "--time", "2026-12-24T21:00+09:00", "--epoch", epoch, "-o", str(png),
                                "--list", str(lst)])
        assert r.exit_code == 0, r.output
        assert png.stat().st_size > 50_000
        with lst.open(encoding="utf-8") as f:
            rows[epoch] = {row["name"]: row for row in csv.DictReader(f)}
    a, b = rows["0"]["Sirius"], rows["+50000yr"]["Sirius"]
    sep = _separation_deg(float(a["alt"]), float(a["az"]), float(b["alt"]), float(b["az"]))
    assert 12.0 < sep < 24.0
    r = runner.invoke(app, ["sky", "--epoch", "+20Gyr", "-o", str(png)])
    assert r.exit_code == 1


def test_recognisable_skies(hip):
    """What a person would recognise: Orion's bright stars up in the east on a December evening
    from Japan, and the Southern Cross high in the south from Sydney on a May evening (all four
    of its bright stars seen; it culminates near 56° at Sydney's latitude in May evenings)."""
    jp = DEFAULT_SITE.at("2026-12-24T21:00+09:00")
    seen = visible_list(look(hip, jp), bodies(jp))
    orion = {"Betelgeuse", "Rigel", "Bellatrix", "Alnilam", "Alnitak", "Mintaka", "Saiph"}
    assert orion <= set(seen["name"])
    rows = np.isin(seen["name"], list(orion))
    assert (seen["az"][rows] > 60).all() and (seen["az"][rows] < 160).all()  # east to south-east
    syd = Observer(-33.87, 151.21, 50.0).at("2026-05-15T20:00+10:00")
    seen = visible_list(look(hip, syd), bodies(syd))
    cross = {"Acrux", "Mimosa", "Gacrux", "Imai"}
    assert cross <= set(seen["name"])
    rows = np.isin(seen["name"], list(cross))
    assert (seen["alt"][rows] > 40).all() and (np.abs(seen["az"][rows] - 180) < 30).all()


def test_made_wishing_star_named_by_its_catalogue_row():
    """A made sky's wishing star is named by its row in the catalogue given, so it can be found."""
    made = sm.MilkyWay().make("V<6.5", seed=1)
    wish = first_star(DEFAULT_SITE.evening("2026-12-24"), made)
    comp, row = wish.name.split(" #")
    assert made["component"][int(row)] == comp
    assert made["V"][int(row)] == pytest.approx(wish.V)

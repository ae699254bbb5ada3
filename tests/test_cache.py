"""The user's cache of built arrays (starmaker.io.cache): what is read back is exactly what was
built, laid out as built; a file that cannot be trusted (another key, truncated, altered, not a
cache file, left by an interrupted write) is never read; a changed source is a new entry.
"""

from __future__ import annotations

import dataclasses
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from starmaker.io import cache

SAMPLE = {
    "c": np.arange(24.0).reshape(2, 3, 4),
    "f": np.asfortranarray(np.arange(12.0).reshape(3, 4)),  # Fortran order, as MIST's data column block
    "i16": np.arange(-5, 5, dtype=np.int16),
    "flag": np.array([True, False, True]),
    "scalar": np.array(True),
    "empty": np.zeros((0, 3)),
    "f32": np.array([np.nan, -0.0, np.inf], np.float32),
    "names": np.array(["Gaia_G_EDR3", "V"]),
}


def _same(a: np.ndarray, b: np.ndarray) -> None:
    assert type(a) is np.ndarray and a.dtype == b.dtype and a.shape == b.shape
    assert a.tobytes(order="A") == b.tobytes(order="A")
    for flag in ("C_CONTIGUOUS", "F_CONTIGUOUS", "WRITEABLE", "ALIGNED"):
        assert a.flags[flag] == b.flags[flag], flag


@pytest.mark.parametrize("codec", cache.CODECS)
def test_arrays_come_back_bit_for_bit_and_laid_out_as_written(tmp_path, codec):
    path = tmp_path / "x.arrays"
    cache.save_arrays(path, "k1", SAMPLE, codec=codec)
    got = cache.load_arrays(path, "k1")
    assert list(got) == list(SAMPLE)
    for name in SAMPLE:
        _same(got[name], SAMPLE[name])
    got["c"][0, 0, 0] = -1.0  # copy-on-write: the file is not changed
    assert cache.load_arrays(path, "k1")["c"][0, 0, 0] == 0.0


def test_compressed_files_are_small(tmp_path):
    """Mass tables are stored compressed: their windows are mostly empty (x from 1 to 0)."""
    table = {"x_lo": np.ones((2, 300, 361)), "x_hi": np.zeros((2, 300, 361))}
    for codec in cache.CODECS:
        cache.save_arrays(tmp_path / f"{codec}.arrays", "k", table, codec=codec)
        got = cache.load_arrays(tmp_path / f"{codec}.arrays", "k")
        for name in table:
            _same(got[name], table[name])
    assert (tmp_path / "zstd.arrays").stat().st_size < (tmp_path / "None.arrays").stat().st_size / 50


@pytest.mark.parametrize("codec", cache.CODECS)
def test_a_file_that_cannot_be_trusted_is_not_read(tmp_path, codec):
    path = tmp_path / "x.arrays"
    cache.save_arrays(path, "k1", SAMPLE, codec=codec)
    good = path.read_bytes()
    assert cache.load_arrays(path, "k2") is None  # another key (copied or renamed into place)
    assert cache.load_arrays(tmp_path / "missing.arrays", "k1") is None
    for bad in (good[: len(good) // 2], good[:10], b"", good + b"\0",
                good[:-1] + bytes([good[-1] ^ 1]),  # one bit of the last array altered
                good[:200] + bytes([good[200] ^ 0x80]) + good[201:],
                b"PK\x03\x04" + good[4:]):  # not this format
        path.write_bytes(bad)
        assert cache.load_arrays(path, "k1") is None
    path.unlink()
    path.mkdir()
    assert cache.load_arrays(path, "k1") is None


def test_an_interrupted_write_leaves_nothing_to_read(tmp_path, monkeypatch):
    path = tmp_path / "x.arrays"
    real = cache._write

    def half_then_interrupt(fh, *parts):
        real(fh, *parts[:2])  # the prefix and the header only
        raise KeyboardInterrupt

    monkeypatch.setattr(cache, "_write", half_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        cache.save_arrays(path, "k1", SAMPLE)
    assert list(tmp_path.iterdir()) == []  # neither the file nor its temporary
    assert cache.load_arrays(path, "k1") is None


def test_cached_builds_once_then_reads(tmp_path, monkeypatch):
    monkeypatch.setenv("STARMAKER_CACHE", str(tmp_path))
    calls = []

    def build():
        calls.append(1)
        return SAMPLE

    first = cache.cached("t", "k1", build)
    again = cache.cached("t", "k1", build)
    other = cache.cached("t", "k2", build)
    assert len(calls) == 2 and sorted(p.name for p in tmp_path.iterdir()) == ["t-k1.arrays", "t-k2.arrays"]
    for name in SAMPLE:
        _same(again[name], first[name])
        _same(other[name], SAMPLE[name])
    monkeypatch.setenv("STARMAKER_CACHE", "off")
    cache.cached("t", "k1", build)
    assert len(calls) == 3


def test_a_cache_folder_that_cannot_be_written_keeps_arrays_in_memory(tmp_path, monkeypatch):
    (tmp_path / "afile").write_text("x")
    monkeypatch.setenv("STARMAKER_CACHE", str(tmp_path / "afile" / "cache"))  # under a file
    got = cache.cached("t", "k1", lambda: SAMPLE)
    assert got["c"] is SAMPLE["c"] and sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_source_key_follows_code_and_data(tmp_path):
    code = tmp_path / "code.py"
    data = tmp_path / "data.h5"
    code.write_text("x = 1\n")
    data.write_bytes(b"grid")
    key = cache.source_key(("t", cache.file_identity(data)), files=[code])
    assert key == cache.source_key(("t", cache.file_identity(data)), files=[code])
    code.write_text("x = 2\n")
    assert cache.source_key(("t", cache.file_identity(data)), files=[code]) != key
    code.write_text("x = 1\n")
    st = data.stat()
    os.utime(data, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))  # the data file rewritten
    assert cache.source_key(("t", cache.file_identity(data)), files=[code]) != key


def test_the_mist_grid_read_back_is_the_one_built(tmp_path, monkeypatch):
    """The grid from the cache file equals the one built from the HDF5 file in every field, with
    the same dtypes and memory layout (so the Numba kernels see the same types), and a grid of
    changed data is built anew."""
    from starmaker.evolution import grid as eep
    from starmaker.evolution import mist

    monkeypatch.setenv("STARMAKER_CACHE", str(tmp_path))
    reads = []

    def read():
        reads.append(1)
        return mist._read_mist()

    fake = tmp_path / "grid-file"  # stands in for the data file: the key follows its identity
    fake.write_bytes(b"v1")
    meta = dict(source="s", name=mist.NAME, eep_postnuc=mist.EEP_POSTAGB, feh_range=mist.FEH_RANGE,
                log_age_range=mist.LOG_AGE_RANGE, mass_range=mist.MASS_RANGE, info=(("grid", "g"),))
    built = eep.cached_grid("t", fake, read, code=(mist.__file__,), **meta)
    again = eep.cached_grid("t", fake, read, code=(mist.__file__,), **meta)
    assert len(reads) == 1
    for f in dataclasses.fields(built):
        a, b = getattr(again, f.name), getattr(built, f.name)
        if isinstance(b, np.ndarray):
            _same(a, b)
        else:
            assert a == b and type(a) is type(b), f.name
    assert not built.data.flags.c_contiguous  # MIST's rows × columns block is Fortran-ordered
    fake.write_bytes(b"v2")
    os.utime(fake, ns=(0, fake.stat().st_mtime_ns + 1_000_000))
    eep.cached_grid("t", fake, read, code=(mist.__file__,), **meta)
    assert len(reads) == 2 and len(list(tmp_path.glob("t-grid-*.arrays"))) == 2


def test_the_bc_table_read_back_is_the_one_read(monkeypatch):
    from starmaker.photometry import mist_bc

    read = mist_bc._read_table("WISE")
    first = mist_bc.load_table.__wrapped__("WISE")  # the session's cache: written or read
    again = mist_bc.load_table.__wrapped__("WISE")  # read
    for t in (first, again):
        assert t.name == read.name and t.bands == read.bands and type(t.bands[0]) is str
        for f in ("teff", "logg", "feh", "av", "bc", "filled"):
            _same(getattr(t, f), getattr(read, f))


# --------------------------------------------------------------------------- the folder's size
def _entry(folder, name: str, size: int, used_ns: int):
    p = folder / name
    p.write_bytes(b"x" * size)
    os.utime(p, ns=(used_ns, used_ns))
    return p


def test_prune_removes_the_least_recently_used_until_under_the_limit(tmp_path):
    s = 1_000_000_000_000_000_000
    old = _entry(tmp_path, "mass-table-a.arrays", 400, s)
    mid = _entry(tmp_path, "glow-b.npy", 300, s + 10)
    new = _entry(tmp_path, "mist-grid-c.arrays", 200, s + 20)
    kept = _entry(tmp_path, "mass-table-d.arrays", 500, s - 5)       # oldest, but asked to be kept
    other = _entry(tmp_path, "notes.txt", 10_000, s - 100)            # not the cache's: never touched
    hidden = _entry(tmp_path, ".mass-table-e.arrays.tmp", 10_000, s)  # a write under way
    assert [p for p, _, _ in cache.entries(tmp_path)] == [kept, old, mid, new]
    removed = cache.prune(900, tmp_path, keep=[kept])  # 1,400 bytes: 400 and 300 go
    assert removed == [old, mid] and sorted(tmp_path.iterdir()) == sorted([kept, new, other, hidden])
    assert cache.prune(10_000, tmp_path) == []
    assert cache.clear(tmp_path) == [kept, new] and sorted(tmp_path.iterdir()) == sorted([other, hidden])
    assert cache.entries(tmp_path / "none") == [] and cache.prune(0, tmp_path / "none") == []


def test_cached_marks_what_it_reads_and_keeps_the_folder_under_its_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("STARMAKER_CACHE", str(tmp_path))
    cache.cached("t", "k1", lambda: SAMPLE)
    size = (tmp_path / "t-k1.arrays").stat().st_size
    long_ago = 1_000_000_000 * 10**9
    os.utime(tmp_path / "t-k1.arrays", ns=(long_ago, long_ago))
    cache.cached("t", "k1", lambda: SAMPLE)                      # read back: marked as used now
    assert (tmp_path / "t-k1.arrays").stat().st_mtime_ns > long_ago
    cache.cached("t", "k2", lambda: SAMPLE)
    os.utime(tmp_path / "t-k1.arrays", ns=(long_ago, long_ago))  # k1 least recently used
    monkeypatch.setenv("STARMAKER_CACHE_MAX", str(2 * size + size // 2))
    cache.cached("t", "k3", lambda: SAMPLE)                      # a third entry: k1 goes
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t-k2.arrays", "t-k3.arrays"]
    monkeypatch.setenv("STARMAKER_CACHE_MAX", "1")
    cache.cached("t", "k4", lambda: SAMPLE)                      # the entry just written stays
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t-k4.arrays"]


@pytest.mark.parametrize(("text", "limit"), [("", cache.DEFAULT_LIMIT), ("123", 123), ("500MB", 500_000_000),
                                             ("4 GB", 4_000_000_000), ("2GiB", 2 * 2**30), ("1.5kb", 1500)])
def test_the_size_limit_is_read_from_the_environment(monkeypatch, text, limit):
    monkeypatch.setenv("STARMAKER_CACHE_MAX", text)
    assert cache.cache_limit() == limit


@pytest.mark.parametrize("text", ["5XB", "-1GB", "GB", "1e9", "lots", "1 2"])
def test_a_bad_size_limit_is_refused_with_what_is_allowed(monkeypatch, text):
    from starmaker.errors import InvalidParameterError

    monkeypatch.setenv("STARMAKER_CACHE_MAX", text)
    with pytest.raises(InvalidParameterError, match="STARMAKER_CACHE_MAX.*500MB"):
        cache.cache_limit()


def test_cli_shows_and_clears_the_cache(tmp_path, monkeypatch):
    from cli_inprocess import run_cli

    monkeypatch.setenv("STARMAKER_CACHE", str(tmp_path))
    cache.cached("t", "k1", lambda: SAMPLE)
    (tmp_path / "keep.txt").write_text("mine")
    code, out, _ = run_cli("cache")
    out = " ".join(out.split())  # as rich wraps it
    assert code == 0 and f"{tmp_path}: 1 entry," in out and "limit 2,147 MB" in out
    code, out, _ = run_cli("cache", "--clear")
    assert code == 0 and "Removed 1 entry" in " ".join(out.split())
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]
    monkeypatch.setenv("STARMAKER_CACHE_MAX", "lots")
    code, out, err = run_cli("cache")
    assert code == 1 and err.startswith("error: STARMAKER_CACHE_MAX='lots' is not allowed")
    assert "Traceback" not in err
    monkeypatch.setenv("STARMAKER_CACHE", "off")
    assert "The cache is off" in run_cli("cache")[1]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=12))
def test_any_size_limit_text_is_a_size_or_one_clear_error(text):
    """Whatever $STARMAKER_CACHE_MAX holds, the limit is a size in bytes ≥ 0 or the project's one
    error naming what is allowed; never another exception."""
    from starmaker.errors import InvalidParameterError

    with pytest.MonkeyPatch.context() as mp:
        if "\x00" in text:
            return  # an environment variable cannot hold NUL
        mp.setenv("STARMAKER_CACHE_MAX", text)
        try:
            limit = cache.cache_limit()
        except InvalidParameterError as exc:
            assert "500MB" in str(exc)
        else:
            assert isinstance(limit, int) and limit >= 0

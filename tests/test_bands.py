"""The band registry: every band once, and a new band flows from the registry to a file."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import numpy as np
import pyarrow.parquet as pq
import pytest

from starmaker import Cluster, StarmakerError, shine
from starmaker.photometry import bands as registry
from starmaker.photometry.kurucz import _ratio_table
from starmaker.photometry.magnitudes import absolute_magnitudes, extinctions
from starmaker.schema import COLUMNS, column


@pytest.mark.parametrize("name", registry.names())
def test_sun_like_extinction_ratio_is_the_sources_own(name):
    """a_over_av is the source's A_band/A_V for a Sun-like star (Teff 5772 K, IAU 2015 B3)."""
    b = registry.band(name)
    a = extinctions(1.0, np.log10(5772.0), 4.438, 0.0, (name,))[name]
    assert a == pytest.approx(b.a_over_av, abs=0.005)


@pytest.mark.parametrize("name", ["G_kurucz", "BP_kurucz", "RP_kurucz"])
def test_k_min_bounds_the_kurucz_ratios(name):
    """k_min is the survey's lower bound on A_band/A_V: it holds over the whole Kurucz grid
    (Teff 3,500–49,000 K) up to A_V = 9 mag; beyond, where the grid's ratios (clamped at 10 mag)
    dip below it, the shortfall k_min·A_V − A_band stays under the windows' 0.2 mag margin to
    A_V = 30."""
    from starmaker.galaxy.windows import MARGIN

    T, A, ratio = _ratio_table()
    r = ratio[("G", "BP", "RP").index(name.removesuffix("_kurucz"))]
    k = registry.band(name).k_min
    assert k <= r[:, A <= 9.0].min()
    assert (k - r.min()) * 30.0 < MARGIN


def test_made_up_band_flows_to_a_file(tmp_path):
    class Flat:
        """A band 0.5 mag fainter than V everywhere, extinction 0.9 A_V."""

        def absolute(self, log_L, log_Teff, log_g, feh, bands):
            mv = absolute_magnitudes(log_L, log_Teff, log_g, feh, ("V",))["M_V"]
            return {b: mv + 0.5 for b in bands}

        def extinction(self, a_v, log_Teff, log_g, feh, bands):
            return {b: 0.9 * np.asarray(a_v, float) for b in bands}

        def provenance(self):
            return {"flat": "test"}

    registry.register(registry.Band("Xtest", "Test", "AB", "V + 0.5", 0.9, 0.9, "flat-test"), Flat())
    try:
        stars = Cluster(mass=300, age="100Myr", feh=0.0).make(seed=3)
        stars = shine(stars, bands=("V", "Xtest"))
        assert np.allclose(stars["M_Xtest"], stars["M_V"] + 0.5, equal_nan=True)
        assert column("M_Xtest").unit == "mag" and "Test Xtest (AB)" in column("M_Xtest").description
        assert column("A_Xtest").unit == "mag" and column("Xtest").unit == "mag"
        path = tmp_path / "x.parquet"
        stars.write(path)
        field = pq.read_schema(path).field("M_Xtest")
        assert field.metadata[b"unit"] == b"mag"
        assert b"Test Xtest" in field.metadata[b"description"]
        assert registry.resolve("all")[-1] == "Xtest"
    finally:
        registry.unregister("Xtest")
    with pytest.raises(StarmakerError, match="Xtest"):
        registry.band("Xtest")


_MIST = importlib.util.find_spec("lachesis") is not None
needs_mist = pytest.mark.skipif(not _MIST, reason="astrolachesis (MIST BC tables) not installed")


@needs_mist
@pytest.mark.parametrize("name", [b.name for b in registry.bands() if b.source == "mist"])
def test_mist_ratios_are_the_tables(name):
    """a_over_av and k_min of every MIST band are its table's (rounded to 1e-4; k_min rounded
    down): mist_bc.extinction_ratios reads them from the file."""
    from starmaker.photometry.mist_bc import extinction_ratios

    b = registry.band(name)
    a, k = extinction_ratios(name)
    assert b.a_over_av == pytest.approx(a, abs=5e-5)
    assert k - 1e-4 < b.k_min <= k


@needs_mist
def test_mist_k_min_bounds_every_star_at_every_a_v():
    """k_min · A_V ≤ A_band for stars anywhere in the table (Teff 2500 K – 10⁶ K, log g −4…9.5,
    [Fe/H] −4…+0.75) behind A_V up to 30 mag (past 6, the table's last segment extrapolated)."""
    from starmaker.photometry.mist_bc import load_table, mist_bands

    t = load_table("UBVRIplus")
    rng = np.random.default_rng(12)
    n = 20_000
    log_t = rng.uniform(np.log10(t.teff[0]), np.log10(t.teff[-1]), n)
    log_g = rng.uniform(t.logg[0], t.logg[-1], n)
    feh = rng.uniform(t.feh[0], t.feh[-1], n)
    a_v = np.concatenate([rng.uniform(0.001, 6.0, n - n // 4), rng.uniform(6.0, 30.0, n // 4)])
    names = mist_bands()
    ext = extinctions(a_v, log_t, log_g, feh, names)
    worst = {b: float(np.min(ext[b] / a_v)) for b in names}
    assert all(worst[b] >= registry.band(b).k_min for b in names), {
        b: (worst[b], registry.band(b).k_min) for b in names if worst[b] < registry.band(b).k_min}
    # and the bound is tight: the table's minimum is reached at its coolest nodes
    assert worst["G"] < registry.band("G").k_min + 0.05


def test_every_band_name_is_a_column_and_aliases_resolve():
    assert all(n.isidentifier() for n in registry.names())
    spec = "2MASS_Ks,SDSS_r,WISE_W1,Gaia_G_EDR3,Bessell_B"
    assert registry.resolve(spec) == ("Ks", "SDSS_r", "W1", "G", "B")
    assert registry.band("2MASS_Ks") is registry.band("Ks")
    assert registry.band("PS_g").name == "PS1_g" and registry.band("SkyMapper_u").name == "SM_u"
    assert registry.resolve("default,W1") == (*registry.DEFAULT_BANDS, "W1")
    assert registry.DEFAULT_BANDS == ("G", "BP", "RP", "B", "V", "J", "H", "Ks")
    assert all(registry.band(b).source == "mist" for b in registry.DEFAULT_BANDS)
    mist = [b for b in registry.bands() if b.source == "mist"]
    assert len(mist) == 48
    assert {b.zero_point for b in mist if b.system in ("SDSS", "Pan-STARRS1", "SkyMapper", "GALEX")} == {"AB"}
    assert registry.band("G").label == "Gaia EDR3 G (Vega)" and registry.band("SDSS_u").label == "SDSS u (AB)"
    for b in registry.DEFAULT_BANDS:  # the defaults' columns are the schema's own
        label = registry.band(b).label
        assert column("M_" + b).description == f"absolute {label} magnitude; NaN for NS and BH"
        assert b in [c.name for c in COLUMNS]


def test_the_registry_is_light():
    """Importing the registry and the schema reads no table: neither h5py nor numba is imported."""
    code = ("import sys, starmaker.photometry.bands, starmaker.schema; "
            "print(sorted(m for m in ('h5py', 'numba', 'starmaker.photometry.mist_bc') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_resolve():
    assert registry.resolve(None) == registry.DEFAULT_BANDS
    assert registry.resolve("V, G,V") == ("V", "G")
    with pytest.raises(StarmakerError, match="allowed|one of|known"):
        registry.resolve("G,Q")


def test_bad_bands_are_refused():
    with pytest.raises(StarmakerError):
        registry.Band("a b", "S", "Vega", "x", 1.0, 0.5, "kurucz")
    with pytest.raises(StarmakerError):
        registry.Band("Y", "S", "ST", "x", 1.0, 0.5, "kurucz")
    with pytest.raises(StarmakerError):
        registry.register(registry.Band("G", "S", "Vega", "x", 1.0, 0.5, "kurucz"))
    with pytest.raises(StarmakerError):
        registry.register(registry.Band("Z", "S", "Vega", "x", 1.0, 0.5, "nowhere"))
    with pytest.raises(StarmakerError, match="2MASS_Ks"):  # an alias another band has
        registry.register(registry.Band("Z", "S", "Vega", "x", 1.0, 0.5, "kurucz", aliases=("2MASS_Ks",)))
    assert "Z" not in registry.names()


# --- the command line and the plot's axes ----------------------------------------------------


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "starmaker.cli", *args], capture_output=True, text=True,
                          timeout=300)


@needs_mist
def test_cli_bands(tmp_path):
    from starmaker import Stars

    out = tmp_path / "c.parquet"
    r = _cli("make", "cluster", "--mass", "500", "--age", "100Myr", "--bands", "default,SDSS_r,WISE_W1",
             "-o", str(out))
    assert r.returncode == 0, r.stderr
    s = Stars.read(out)
    assert {"M_J", "M_Ks", "M_SDSS_r", "M_W1"} <= set(s.columns) and "M_W2" not in s.columns
    png = tmp_path / "hr.png"
    r = _cli("plot", "hr", str(out), "--x", "B-V", "--y", "W1", "-o", str(png))
    assert r.returncode == 0, r.stderr
    assert png.read_bytes()[:4] == b"\x89PNG"
    r = _cli("plot", "hr", str(out), "--x", "B-W4", "-o", str(png))
    assert r.returncode == 1 and "B-W4" in r.stderr
    r = _cli("star", "--mass", "1", "--age", "4.57Gyr", "--bands", "all", "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert {f"M_{b}" for b in registry.names()} <= set(d)
    r = _cli("star", "--mass", "1", "--age", "4.57Gyr", "--bands", "G,Gmag")
    assert r.returncode == 1 and "Gmag" in r.stderr


@needs_mist
def test_plot_axes_take_columns_bands_and_colours():
    from starmaker import evolve
    from starmaker.plots import axis_values

    s = shine(evolve(np.array([1.0, 2.0]), 1e8, 0.0), "default,W1")
    np.testing.assert_array_equal(axis_values(s, "BP-RP"), s["M_BP"] - s["M_RP"])  # no apparent BP here
    np.testing.assert_array_equal(axis_values(s, "M_G"), s["M_G"])
    np.testing.assert_array_equal(axis_values(s, "WISE_W1"), s["M_W1"])  # an alias
    placed = s.with_columns(G=s["M_G"] + 5.0)
    np.testing.assert_array_equal(axis_values(placed, "G"), s["M_G"] + 5.0)  # apparent where it exists
    with pytest.raises(StarmakerError, match="BP-RP-G"):
        axis_values(s, "BP-RP-G")

"""The band registry: every band once, and a new band flows from the registry to a file."""

from __future__ import annotations

import numpy as np
import pyarrow.parquet as pq
import pytest

from starmaker import Cluster, StarmakerError, shine
from starmaker.photometry import bands as registry
from starmaker.photometry.kurucz import _ratio_table
from starmaker.photometry.magnitudes import absolute_magnitudes, extinctions
from starmaker.schema import column


@pytest.mark.parametrize("name", registry.names())
def test_sun_like_extinction_ratio_is_the_sources_own(name):
    """a_over_av is the source's A_band/A_V for a Sun-like star (Teff 5772 K, IAU 2015 B3)."""
    b = registry.band(name)
    a = extinctions(1.0, np.log10(5772.0), 4.438, 0.0, (name,))[name]
    assert a == pytest.approx(b.a_over_av, abs=0.005)


@pytest.mark.parametrize("name", ["G", "BP", "RP"])
def test_k_min_bounds_the_kurucz_ratios(name):
    """k_min is the survey's lower bound on A_band/A_V: it holds over the whole Kurucz grid
    (Teff 3,500–49,000 K) up to A_V = 9 mag; beyond, where the grid's ratios (clamped at 10 mag)
    dip below it, the shortfall k_min·A_V − A_band stays under the windows' 0.2 mag margin to
    A_V = 30."""
    from starmaker.galaxy.windows import MARGIN

    T, A, ratio = _ratio_table()
    r = ratio[("G", "BP", "RP").index(name)]
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

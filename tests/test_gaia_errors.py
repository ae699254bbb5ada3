"""What Gaia would measure (starmaker.observe.gaia_errors): PyGaia's uncertainties per release,
noise that is N(0, σ), the G ≤ 20.7 selection, the archive's column names, determinism."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

pytest.importorskip("pygaia", reason="Gaia uncertainties come from pygaia (a dependency)")

from pygaia.errors import astrometric, photometric  # noqa: E402

from starmaker.errors import InvalidParameterError, UnknownNameError  # noqa: E402
from starmaker.observe.gaia_errors import RELEASES, gaia_errors  # noqa: E402
from starmaker.schema import GAIA_COLUMNS, column  # noqa: E402
from starmaker.stars import Stars  # noqa: E402


def _stars(g, rng):
    g = np.asarray(g, float)
    n = g.size
    return Stars({"G": g, "BP": g + 0.5, "RP": g - 0.7, "distance": rng.uniform(10.0, 5000.0, n),
                  "pmra": rng.normal(0, 20, n), "pmdec": rng.normal(0, 20, n)})


@pytest.mark.parametrize("release", RELEASES)
def test_errors_are_pygaias(release):
    s = _stars([15.0, 20.0], np.random.default_rng(0))
    out = gaia_errors(s, release, np.random.default_rng(1))
    g = np.array([15.0, 20.0])
    want = astrometric.parallax_uncertainty(g, release=release) / 1e3
    np.testing.assert_allclose(out["parallax_error"], want, rtol=1e-12)
    s_ra, s_dec = astrometric.position_uncertainty(g, release=release)
    np.testing.assert_allclose(out["ra_error"], s_ra / 1e3, rtol=1e-12)
    np.testing.assert_allclose(out["dec_error"], s_dec / 1e3, rtol=1e-12)
    s_pmra, s_pmdec = astrometric.proper_motion_uncertainty(g, release=release)
    np.testing.assert_allclose(out["pmra_error"], s_pmra / 1e3, rtol=1e-12)
    np.testing.assert_allclose(out["pmdec_error"], s_pmdec / 1e3, rtol=1e-12)
    for band, off in (("g", 0.0), ("bp", 0.5), ("rp", -0.7)):
        want = photometric.magnitude_uncertainty(band, g + off, release) / 1e3
        np.testing.assert_allclose(out[f"phot_{band}_mean_mag_error"], want, rtol=1e-12)


def test_dr3_parallax_errors_are_lindegren_2021s():
    # Lindegren et al. 2021 (A&A 649, A2, abstract): EDR3 parallax uncertainties 0.02–0.03 mas
    # at G < 15, 0.07 mas at G = 17, 0.5 mas at G = 20; PyGaia's sky average carries a 10 %
    # science margin, so within 25 % (measured 0.0295, 0.0793, 0.616 mas)
    s = _stars([15.0, 17.0, 20.0], np.random.default_rng(0))
    err = gaia_errors(s, "dr3", np.random.default_rng(1))["parallax_error"]
    np.testing.assert_allclose(err, [0.025, 0.07, 0.5], rtol=0.25)
    # later releases: σ_ϖ ∝ t^-1/2 (66 and 126 months vs 34): DR4 0.749, DR5 0.527 of DR3
    for rel, f in (("dr4", 0.749), ("dr5", 0.527)):
        e = gaia_errors(s, rel, np.random.default_rng(1))["parallax_error"]
        np.testing.assert_allclose(e / err, f, rtol=1e-9)


@pytest.mark.parametrize("release", RELEASES)
def test_noise_is_standard_normal(release):
    rng = np.random.default_rng(7)
    n = 100_000
    s = _stars(rng.uniform(6.0, 20.6, n), rng)
    out = gaia_errors(s, release, np.random.default_rng(8))
    pairs = [("parallax", out["parallax_true"]), ("pmra", s["pmra"]), ("pmdec", s["pmdec"]),
             ("phot_g_mean_mag", s["G"]), ("phot_bp_mean_mag", s["BP"]), ("phot_rp_mean_mag", s["RP"])]
    for name, true in pairs:
        z = (out[name] - true) / out[f"{name}_error"]
        assert abs(z.mean()) < 5 / np.sqrt(n), name
        assert abs(z.std() - 1) < 0.01, name  # sd of the sd: 1/sqrt(2n) = 0.002
        assert stats.kstest(z, "norm").pvalue > 1e-3, name
    np.testing.assert_allclose(out["bp_rp"], out["phot_bp_mean_mag"] - out["phot_rp_mean_mag"])


def test_selection_and_truth():
    rng = np.random.default_rng(3)
    s = _stars([10.0, 20.6, 20.8, np.nan], rng)
    out = gaia_errors(s, "dr3", rng)
    np.testing.assert_allclose(out["parallax_true"], 1000.0 / s["distance"])  # always
    np.testing.assert_array_equal(out["pmra_true"], s["pmra"])
    for name in ("parallax", "parallax_error", "pmra", "phot_g_mean_mag", "bp_rp", "ra_error"):
        assert np.all(np.isfinite(out[name][:2])), name
        assert np.all(np.isnan(out[name][2:])), name  # fainter than 20.7 or dark: not in Gaia
    # a looser limit lets the G = 20.8 star in
    assert np.isfinite(gaia_errors(s, "dr3", rng, g_limit_mag=21.0)["parallax"][2])


def test_columns_are_in_the_schema_and_join_a_table():
    rng = np.random.default_rng(4)
    s = _stars(rng.uniform(10, 20, 50), rng)
    out = gaia_errors(s, "dr5", rng)
    assert set(out) <= set(GAIA_COLUMNS) | {"parallax", "pmra", "pmdec"}
    for name in out:
        assert column(name).unit in ("mas", "mas/yr", "mag")
    joined = s.with_columns(**out)
    np.testing.assert_array_equal(joined["pmra"], out["pmra"])  # observed under the Gaia name
    np.testing.assert_array_equal(joined["pmra_true"], s["pmra"])


def test_determinism_by_seed():
    rng = np.random.default_rng(5)
    s = _stars(rng.uniform(10, 20, 1000), rng)
    a = gaia_errors(s, "dr4", np.random.default_rng(9))
    b = gaia_errors(s, "dr4", np.random.default_rng(9))
    c = gaia_errors(s, "dr4", np.random.default_rng(10))
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    assert not np.array_equal(a["parallax"], c["parallax"])


def test_without_proper_motions_and_bad_input():
    rng = np.random.default_rng(6)
    s = Stars({"G": np.array([12.0]), "BP": np.array([12.5]), "RP": np.array([11.4]),
               "distance": np.array([100.0])})
    out = gaia_errors(s, "dr3", rng)
    assert "pmra" not in out and out["parallax_true"][0] == pytest.approx(10.0)
    with pytest.raises(UnknownNameError):
        gaia_errors(s, "dr2", rng)
    with pytest.raises(InvalidParameterError):
        gaia_errors(s, "dr3", 1)
    with pytest.raises(InvalidParameterError):
        gaia_errors({"G": np.array([12.0])}, "dr3", rng)

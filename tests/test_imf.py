"""Initial mass functions: normalisation, published shapes, exact sampling, bad input."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import integrate, stats

from starmaker import (
    BrokenPowerLaw,
    Chabrier2003,
    InvalidParameterError,
    Kroupa2001,
    Salpeter1955,
    StarmakerError,
    imf_from_name,
)

ALL = [
    Kroupa2001(),
    Chabrier2003(),
    Salpeter1955(),
    BrokenPowerLaw((1.3, 2.3), (0.5,)),
    Kroupa2001(m_min=0.5, m_max=150.0),
    Salpeter1955(m_min=1.0, m_max=10.0),
]


@pytest.mark.parametrize("imf", ALL, ids=repr)
def test_pdf_integrates_to_one_and_cdf_agrees(imf):
    pts = [b for b in (0.08, 0.5, 1.0) if imf.m_min < b < imf.m_max]
    total = integrate.quad(imf.pdf, imf.m_min, imf.m_max, points=pts or None, limit=400)[0]
    assert total == pytest.approx(1.0, abs=1e-8)
    for m in np.geomspace(imf.m_min, imf.m_max, 7)[1:-1]:
        part = integrate.quad(imf.pdf, imf.m_min, m, points=[p for p in pts if p < m] or None, limit=400)[0]
        assert imf.cdf(m) == pytest.approx(part, abs=1e-8)


@pytest.mark.parametrize("imf", ALL, ids=repr)
def test_ppf_inverts_cdf(imf):
    u = np.linspace(0.0, 1.0, 1001)
    assert np.allclose(imf.cdf(imf.ppf(u)), u, atol=1e-10)


@pytest.mark.parametrize("imf", ALL, ids=repr)
def test_sample_passes_ks_test(imf):
    m = imf.sample(50_000, np.random.default_rng(42))
    assert m.min() >= imf.m_min and m.max() <= imf.m_max
    assert stats.kstest(m, imf.cdf).pvalue > 0.01


@pytest.mark.parametrize("imf", ALL, ids=repr)
def test_mean_mass_matches_integral(imf):
    mm = integrate.quad(lambda x: x * imf.pdf(x), imf.m_min, imf.m_max, points=[0.5, 1.0], limit=400)[0]
    assert imf.mean_mass() == pytest.approx(mm, rel=1e-8)


def test_kroupa_slopes_are_the_published_ones():
    # Kroupa 2001, eq. 2: alpha = 1.3 for 0.08-0.5 Msun and 2.3 above 0.5 Msun
    k = Kroupa2001(m_min=0.1, m_max=100.0)
    for lo, hi, alpha in ((0.1, 0.45, 1.3), (0.6, 90.0, 2.3)):
        slope = -np.log(k.pdf(hi) / k.pdf(lo)) / np.log(hi / lo)
        assert slope == pytest.approx(alpha, abs=1e-12)
    # continuous at the break
    assert k.pdf(0.5 - 1e-9) == pytest.approx(k.pdf(0.5 + 1e-9), rel=1e-6)


def test_chabrier_power_law_coefficient_is_the_published_one():
    # Chabrier 2003, Table 1 (single stars): xi(log m) = 0.158 exp(-(log m - log 0.079)^2 / (2 0.69^2))
    # below 1 Msun and A m^-1.3 with A = 4.43e-2 above: their ratio is fixed by continuity.
    c = Chabrier2003(m_min=0.1, m_max=100.0)
    xi = lambda m: c.pdf(m) * m * math.log(10)  # noqa: E731  dN/dlog10 m
    ratio = (
        xi(2.0)
        * 2.0**1.3
        / (xi(0.2) / math.exp(-((math.log10(0.2) - math.log10(0.079)) ** 2) / (2 * 0.69**2)))
    )
    assert ratio == pytest.approx(4.43e-2 / 0.158, rel=0.01)


def test_salpeter_slope():
    # Salpeter 1955: dN/dm ∝ m^-2.35
    s = Salpeter1955()
    assert -np.log(s.pdf(10.0) / s.pdf(1.0)) / np.log(10.0) == pytest.approx(2.35)


def test_sample_by_total_mass_stop_nearest():
    imf = Kroupa2001()
    diffs = []
    for seed in range(40):
        m = imf.sample_mass(1e4, np.random.default_rng(seed))
        d = m.sum() - 1e4
        # stop-nearest: off by at most half a star (<= m_max/2), and if over, by at most half
        # of the last star kept
        assert abs(d) <= imf.m_max / 2
        assert d <= m[-1] / 2 + 1e-9
        assert abs(d) / 1e4 < 0.01
        diffs.append(d)
    # no bias toward over- or under-shooting: the mean offset is within 3 sigma of zero
    assert abs(np.mean(diffs)) < 3 * np.std(diffs) / np.sqrt(len(diffs))


def test_sampling_is_deterministic():
    a = Kroupa2001().sample_mass(1e3, np.random.default_rng(7))
    b = Kroupa2001().sample_mass(1e3, np.random.default_rng(7))
    assert np.array_equal(a, b)


def test_imf_by_name_and_unknown():
    assert imf_from_name("Kroupa") == Kroupa2001()
    with pytest.raises(StarmakerError, match="unknown IMF 'nope'; known: kroupa"):
        imf_from_name("nope")


@given(st.floats(max_value=0.0, allow_nan=False) | st.just(float("nan")) | st.just(float("inf")))
def test_bad_lower_limit_is_rejected(m_min):
    with pytest.raises(InvalidParameterError, match="m_min"):
        Kroupa2001(m_min=m_min)


@given(st.floats(allow_nan=True, allow_infinity=True).filter(lambda x: not (x > 0 and math.isfinite(x))))
def test_bad_total_mass_is_rejected(total):
    with pytest.raises(InvalidParameterError, match="total_mass"):
        Kroupa2001().sample_mass(total, np.random.default_rng(0))


def test_broken_power_law_validation():
    with pytest.raises(InvalidParameterError, match="one more slope than breaks"):
        BrokenPowerLaw((1.3, 2.3), (0.5, 1.0))
    with pytest.raises(InvalidParameterError, match="increasing order"):
        BrokenPowerLaw((1.3, 2.3, 2.7), (1.0, 0.5))

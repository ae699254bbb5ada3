"""validate's colour distributions: made against Hipparcos (B−V, V < 6.5) and Gaia DR3 (BP−RP)."""

from __future__ import annotations

import numpy as np
import pytest

import starmaker as sm
from starmaker.reports.validate import BPRP_HIST_BINS, BV_BINS, Validation, colour_histograms


@pytest.fixture(scope="module")
def rows():
    made = sm.MilkyWay().make("G<8", seed=1)
    return colour_histograms(made, sm.hipparcos(), sm.gaia(), g_max=8.0)


def test_fractions_sum_to_one_per_colour(rows):
    for colour, bins in (("B−V", BV_BINS), ("BP−RP", BPRP_HIST_BINS)):
        sel = [r for r in rows if r["colour"] == colour]
        assert len(sel) == len(bins) - 1
        for who in ("made", "real"):
            assert sum(r[who] for r in sel) == pytest.approx(1.0, abs=1e-12)


def test_the_bulk_of_the_colours_agree(rows):
    """Where most stars are (B−V −0.2…1.4; BP−RP 0…2), each bin's made fraction is within a
    factor 1.6 of the real one (measured at G<10, seed 1: worst B−V 0.6–0.8 0.029 vs 0.035, BP−RP
    0–0.25 0.110 vs 0.073)."""
    for r in rows:
        core = (-0.2 <= r["lo"] < 1.4) if r["colour"] == "B−V" else (0.0 <= r["lo"] < 2.0)
        if core:
            assert 1 / 1.6 < r["made"] / r["real"] < 1.6, r


@pytest.mark.xfail(strict=True, reason="the reddest stars (BP−RP > 3) are ~7x too few at G<10 "
                   "(made 0.005 against Gaia 0.034, seed 1) and B−V 1.6–2.0 are 1.6x too many: cool "
                   "giants' MIST colours; recorded for issue 12")
def test_the_reddest_stars_are_as_common_as_in_gaia(rows):
    made = sum(r["made"] for r in rows if r["colour"] == "BP−RP" and r["lo"] >= 3.0)
    real = sum(r["real"] for r in rows if r["colour"] == "BP−RP" and r["lo"] >= 3.0)
    assert made / real == pytest.approx(1.0, abs=0.3)


def test_the_report_has_the_section(rows):
    v = Validation("G<8", 1, [{"mag": 8, "n_made": 1, "n_real": 1, "ratio": 1.0}],
                   {k: 0.0 for k in ("bv_made_median", "bv_real_median", "bv_made_blue", "bv_real_blue",
                                     "bv_made_red", "bv_real_red", "bprp_made_median", "bprp_real_median")},
                   {"n_made": 1, "n_real": 1, "ratio": 1.0, "giants_made": 0, "giants_real": 0},
                   colour_hist=rows)
    text = v.markdown()
    assert "## Colour distributions" in text and text.count("| BP−RP |") == len(BPRP_HIST_BINS) - 1
    assert np.isfinite([r["made"] for r in rows]).all()

"""The naked-eye sky's colours: B − V of a made V < 6.5 sky against Hipparcos (issue 12).

The made sky comes from the survey as it is (``MilkyWay().make``, read-only here) to V < 7.5, and
its B and V are recomputed with the default (MIST) bands from each star's own columns (log L,
Teff, log g, [Fe/H], distance, A_V), then cut at V < 6.5: the survey's own photometry (the
Kurucz path until it moves to the registry) differs from MIST's by at most 0.43 mag in V for the
stars kept (measured), well inside the 1 mag deeper limit. Hipparcos: ESA (1997) V and B − V as
read by :func:`starmaker.io.catalogues.hipparcos`.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("lachesis") is None, reason="astrolachesis (MIST BC tables) not installed"
)

#: the pile the issue names
PILE = (1.7, 1.9)


@pytest.fixture(scope="module")
def colours():
    from starmaker.galaxy.survey import MilkyWay
    from starmaker.io.catalogues import hipparcos
    from starmaker.photometry.magnitudes import absolute_magnitudes, extinctions

    s = MilkyWay().make("V<7.5", seed=1)
    dm = 5.0 * np.log10(s["distance"]) - 5.0
    m = absolute_magnitudes(s["log_L"], s["log_Teff"], s["log_g"], s["feh"], ("B", "V"))
    a = extinctions(s["A_V"], s["log_Teff"], s["log_g"], s["feh"], ("B", "V"))
    v, b = m["M_V"] + dm + a["V"], m["M_B"] + dm + a["B"]
    made = v < 6.5
    h = hipparcos()
    h = h.select(h["V"] < 6.5)
    hbv = np.asarray(h["B"] - h["V"])
    return {
        "mist": (b - v)[made],
        "hipparcos": hbv[np.isfinite(hbv)],
        "v_shift": np.asarray(s["V"] - v)[made],
    }


def _pile(bv):
    return float(np.mean((bv >= PILE[0]) & (bv < PILE[1])))


def test_the_deeper_survey_holds_every_mist_selected_star(colours):
    # the survey's V (Kurucz path) is within 1 mag of MIST's for every star MIST puts at V < 6.5
    # (measured: -0.89 … +0.43; only a survey V more than 1 mag fainter could drop a star)
    assert np.max(colours["v_shift"]) < 1.0
    assert 8_000 < len(colours["mist"]) < 11_000  # measured 9 916; Hipparcos 8 912 with B - V


_PILE_REMAINS = (
    "not resolved by MIST's BCs: the made V < 6.5 sky has 4.5 % of its stars at 1.7 <= B - V < 1.9 "
    "(450 of 9916), the Kurucz path 2.3 % (212 of 9198), Hipparcos 0.77 % (69 of 8912). They are giants "
    "at 3470-3960 K and log g ~0.5 (RGB 273, TP-AGB 97, CHeB 52, E-AGB 28), where MIST's B - V grows as "
    "log g falls (3600 K: 1.63 at log g 1, 1.73 at 0.5); 99 % of Hipparcos's are bluer than 1.73"
)


@pytest.mark.xfail(strict=True, reason=_PILE_REMAINS)
def test_the_naked_eye_b_minus_v_is_not_piled_at_1_7_to_1_9(colours):
    """The issue's aim: the made sky's share at 1.7 ≤ B − V < 1.9 at most twice Hipparcos's."""
    assert _pile(colours["mist"]) <= 2.0 * _pile(colours["hipparcos"])


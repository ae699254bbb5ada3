"""The lower main sequence as the models make it — evolution grid plus MIST's bolometric
corrections — against Mamajek's mean dwarf table at the same luminosity and the same M_G.

``tests/test_mist_bc.py`` checks the corrections at the table's own Teff and log g; this file
checks what a made catalogue shows: a 5 Gyr, [Fe/H] = 0 isochrone of each grid ("mist",
"parsec"), its Teff at the table's log L (the models' temperature scale, independent of any
bolometric correction) and its BP − RP at the table's M_G (the colour–magnitude diagram). The
split between the two tells which part of the M-dwarf colour miss is the atmospheres and which is
the models' Teff (README, "Why the M dwarfs are too blue"). Misses are strict xfails with the
measured numbers; at 2 and 10 Gyr they move by at most 0.01 mag and 15 K (measured).
"""

import functools
import importlib.util

import numpy as np
import pytest

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("lachesis") is None or importlib.util.find_spec("lachesis_grids") is None,
    reason="astrolachesis (MIST BC tables) or lachesis-grids not installed",
)

from starmaker.evolution.isochrones import evolve_arrays  # noqa: E402
from starmaker.photometry.mist_bc import absolute_magnitudes  # noqa: E402

#: Mamajek, "A Modern Mean Dwarf Stellar Color and Effective Temperature Sequence", version
#: 2024.05.15 (the table behind Pecaut & Mamajek 2013, ApJS 208, 9): SpT, Teff (K), log L (L☉),
#: M_G, Bp − Rp (both Gaia DR2), M☉. M dwarfs' Teff and L there follow Mann et al. (2015, ApJ 804,
#: 64), whose Teff uncertainty is ±60 K.
MAMAJEK_LOWER_MS = [
    ("K3V", 4870, -0.570, 6.22, 1.19, 0.76),
    ("K5V", 4440, -0.780, 6.85, 1.43, 0.70),
    ("K7V", 4090, -0.992, 7.57, 1.70, 0.64),
    ("M0V", 3850, -1.164, 8.10, 1.84, 0.585),
    ("M1V", 3660, -1.336, 8.82, 2.09, 0.51),
    ("M2V", 3560, -1.540, 9.29, 2.23, 0.45),
    ("M3V", 3430, -1.788, 10.05, 2.50, 0.36),
    ("M3.5V", 3270, -2.032, 10.82, 2.78, 0.29),
    ("M4V", 3210, -2.144, 11.21, 2.94, 0.24),
    ("M4.5V", 3110, -2.400, 12.04, 3.16, 0.18),
    ("M5V", 3060, -2.520, 12.45, 3.35, 0.155),
    ("M5.5V", 2930, -2.792, 13.35, 3.71, 0.122),
]
AGE_YR = 5e9
TEFF_TOL = 100.0  # K: Mann et al.'s ±60 K and the table's 0.1-subtype rounding
COLOUR_TOL = 0.1  # mag (issue 12; 0.15 below 3000 K)

#: (grid, SpT): model Teff − Mamajek at the table's log L, measured, where beyond TEFF_TOL
_TEFF_MISSES = {
    ("mist", "K7V"): +119, ("mist", "M0V"): +165, ("mist", "M1V"): +166, ("mist", "M4V"): +110,
    ("mist", "M4.5V"): +113, ("mist", "M5V"): +111,
    ("parsec", "K5V"): +103, ("parsec", "K7V"): +118, ("parsec", "M0V"): +104,
    ("parsec", "M3V"): -106, ("parsec", "M5V"): -115, ("parsec", "M5.5V"): -149,
}
#: (grid, SpT): model BP − RP − Mamajek at the table's M_G (MIST's DR2-passband corrections),
#: measured, where beyond COLOUR_TOL
_COLOUR_MISSES = {
    ("mist", "K5V"): -0.12, ("mist", "K7V"): -0.17, ("mist", "M0V"): -0.16, ("mist", "M1V"): -0.19,
    ("mist", "M2V"): -0.16, ("mist", "M3V"): -0.24, ("mist", "M3.5V"): -0.36, ("mist", "M4V"): -0.44,
    ("mist", "M4.5V"): -0.44, ("mist", "M5V"): -0.44, ("mist", "M5.5V"): -0.28,
    ("parsec", "K5V"): -0.13, ("parsec", "K7V"): -0.17, ("parsec", "M0V"): -0.12,
    ("parsec", "M3.5V"): -0.14, ("parsec", "M4V"): -0.16, ("parsec", "M5.5V"): +0.17,
}


@functools.cache
def lower_main_sequence(models: str) -> dict[str, np.ndarray]:
    """A 5 Gyr, [Fe/H] = 0 isochrone of grid ``models`` from 0.1 to 1 M☉, with MIST's Gaia DR2
    magnitudes (the passbands of Mamajek's columns)."""
    m = np.geomspace(0.1, 1.0, 400)
    e = evolve_arrays(m, np.full(m.size, AGE_YR), np.zeros(m.size), models)
    r = absolute_magnitudes(e["log_L"], e["log_Teff"], e["log_g"], 0.0, "Gaia_G_DR2,Gaia_BP_DR2,Gaia_RP_DR2")
    return {"teff": 10 ** e["log_Teff"], "log_L": e["log_L"], "M_G": r["M_G_DR2"],
            "bp_rp": r["M_BP_DR2"] - r["M_RP_DR2"]}


def _at(x, xs, ys):
    o = np.argsort(xs)
    assert xs[o[0]] <= x <= xs[o[-1]], "outside the isochrone"
    return float(np.interp(x, xs[o], ys[o]))


def _cases(misses, what):
    for models in ("mist", "parsec"):
        for row in MAMAJEK_LOWER_MS:
            miss = misses.get((models, row[0]))
            marks = []
            if miss is not None:
                marks = [pytest.mark.xfail(strict=True, reason=f"{models} − Mamajek = {miss:+g} {what}")]
            yield pytest.param(models, row, marks=marks, id=f"{models}-{row[0]}")


@pytest.mark.parametrize("models, row", list(_cases(_TEFF_MISSES, "K")))
def test_teff_at_the_tables_luminosity(models, row):
    spt, teff, log_l, m_g, bp_rp, mass = row
    s = lower_main_sequence(models)
    assert _at(log_l, s["log_L"], s["teff"]) == pytest.approx(teff, abs=TEFF_TOL)


@pytest.mark.parametrize("models, row", list(_cases(_COLOUR_MISSES, "mag")))
def test_bp_rp_at_the_tables_absolute_g(models, row):
    spt, teff, log_l, m_g, bp_rp, mass = row
    s = lower_main_sequence(models)
    tol = 0.15 if teff < 3000 else COLOUR_TOL
    assert _at(m_g, s["M_G"], s["bp_rp"]) == pytest.approx(bp_rp, abs=tol)

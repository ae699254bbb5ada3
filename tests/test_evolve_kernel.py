"""The evolve kernel's shortcuts give exactly the results of the searches they replace.

The kernel starts its EEP bisection from a per-isochrone mass -> EEP lookup (when that bracket
holds the star) and finds its [Fe/H], age and lifespan-table brackets by a guess and a scan. These
are speed-ups only: every output must be bit-for-bit what plain bisection gives. No literature
values here (the physics is checked in test_isochrones.py); the reference is the slow path.
"""

from __future__ import annotations

import numba as nb
import numpy as np
import pytest

from starmaker.evolution import isochrones as iso


@pytest.fixture(scope="module")
def grid():
    return iso.load_mist()


def _stars(grid, rng, n):
    """Random stars over the whole grid, plus stars exactly on grid nodes and range ends."""
    m = 10.0 ** rng.uniform(-1.0, np.log10(300.0), n)
    la = rng.uniform(*iso.LOG_AGE_RANGE, n)
    fe = rng.uniform(*iso.FEH_RANGE, n)
    k = n // 4
    la[:k] = rng.choice(grid.log_age, k)
    fe[:k] = rng.choice(grid.feh, k)
    m[: k // 4] = rng.choice([0.1, 0.5, 1.0, 2.0, 8.0, 100.0, 300.0], k // 4)
    return m, la, fe


def _run(grid, m, la, fe, use_tab):
    n = len(m)
    out, ph = np.empty((n, 5)), np.empty(n, np.int8)
    logt, status = np.empty(n), np.empty(n, np.int8)
    g = grid
    iso._evolve_kernel(
        g.feh, g.log_age, g.row0, g.eep0, g.n, g.data, g.mass0, g.eep_tab, use_tab, g.phase,
        g.nuc_last, g.lt_logm, g.lt_logt, g.lt_n, g.lt_lo, g.lt_hi, g.lt_guess, g.eep_postnuc,
        m, la, fe, out, ph, logt, status,
    )  # fmt: skip
    return out, ph, logt, status


def test_grid_mass_increases_along_every_isochrone(grid):
    # the lookup is only valid (and only used) when initial mass never decreases with EEP
    assert grid.mass_monotone


def test_eep_lookup_changes_no_bit(grid):
    rng = np.random.default_rng(11)
    m, la, fe = _stars(grid, rng, 200_000)
    # also stars at and next to the mass dying at their age (alive/dead boundary)
    md = iso.dying_mass(10.0 ** la[:20_000], fe[:20_000])
    md = np.clip(np.concatenate([md, np.nextafter(md, 0), np.nextafter(md, 1e3)]), 0.1, 300.0)
    m = np.concatenate([m, md])
    la = np.concatenate([la, np.tile(la[:20_000], 3)])
    fe = np.concatenate([fe, np.tile(fe[:20_000], 3)])
    fast, slow = _run(grid, m, la, fe, True), _run(grid, m, la, fe, False)
    for a, b in zip(fast, slow, strict=True):
        assert a.tobytes() == b.tobytes()
    status = fast[3] & 3
    assert {0, 1, 2, 3} <= set(np.unique(status))  # every branch of the kernel was taken


def test_bracket_scan_is_bisection(grid):
    rng = np.random.default_rng(12)
    for x in (grid.log_age, grid.feh):
        v = np.concatenate(
            [
                x,
                np.nextafter(x, -np.inf),
                np.nextafter(x, np.inf),
                rng.uniform(x[0] - 0.1, x[-1] + 0.1, 20_000),
            ]
        )
        for vi in v:
            assert iso._bracket_scan(x, vi) == iso._bracket(x, vi)


@nb.njit
def _lifespans_by_bisection(g, m, fe):
    """log10 lifespans the way the kernel did before its scans (log10 taken in Numba, as there)."""
    out = np.empty_like(m)
    for s in range(m.shape[0]):
        out[s] = iso._log_lifespan(g[0], g[1], g[2], g[3], g[4], g[5], np.log10(m[s]), fe[s])[0]
    return out


def test_kernel_lifespans_are_the_bisection_lifespans(grid):
    rng = np.random.default_rng(13)
    m, la, fe = _stars(grid, rng, 100_000)
    logt = _run(grid, m, la, fe, True)[2]
    g = (grid.feh, grid.lt_logm, grid.lt_logt, grid.lt_n, grid.lt_lo, grid.lt_hi)
    assert logt.tobytes() == _lifespans_by_bisection(g, m, fe).tobytes()

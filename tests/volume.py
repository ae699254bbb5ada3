"""Brute-force births for the survey's "nothing missed" tests: every star of a population inside
HEALPix pixels (nside 16, nested) and within a distance, with no mass window, by thinning a
uniform process in the volume at a bound on the population's density (found from a pilot sample,
x1.3, and checked)."""

from __future__ import annotations

import math

import numpy as np
from astropy_healpix import HEALPix

from starmaker.place.frames import galactocentric, icrs_to_galactic


def uniform_in_volume(rng, pixels, d_max, n):
    """``n`` points uniform in the pixels' cone out to ``d_max`` pc: pixel, ra, dec (deg), d."""
    hp = HEALPix(nside=16, order="nested")
    pix = rng.choice(np.asarray(pixels), n)
    lon, lat = hp.healpix_to_lonlat(pix, dx=rng.random(n), dy=rng.random(n))
    return pix, np.degrees(lon.rad), np.degrees(lat.rad), d_max * np.cbrt(rng.random(n))


def births_in_volume(rng, comp, pop, pixels, d_max: float, *, by_pixel: bool = False) -> dict:
    """The births of ``pop`` (of ``comp``) in the volume, drawn from its full IMF, age and [Fe/H]
    laws; ``by_pixel``: a pixel's births together (as the survey gives its systems)."""
    vol = 4 * math.pi * len(pixels) / 3072 * d_max**3 / 3

    def shape(ra, dec, d):
        l, b = icrs_to_galactic(ra, dec)
        x, y, z, _ = galactocentric(l, b, d)
        return comp.shape(x, y, z, pop.density_key)

    bound = 1.3 * shape(*uniform_in_volume(rng, pixels, d_max, 20000)[1:]).max()
    n_max = rng.poisson(bound * pop.rho0_initial * vol / pop.imf.mean_mass())
    pix, ra, dec, d = uniform_in_volume(rng, pixels, d_max, n_max)
    dens = shape(ra, dec, d)
    assert (dens <= bound).all(), "the thinning bound must hold"
    keep = rng.random(n_max) * bound < dens
    order = np.argsort(pix[keep], kind="stable") if by_pixel else slice(None)
    n = int(keep.sum())
    return {"m": pop.imf.sample(n, rng), "age": pop.sfh.sample_ages(n, rng), "feh": pop.sample_feh(n, rng),
            "d": d[keep][order], "ra": ra[keep][order], "dec": dec[keep][order],
            "comp": np.zeros(n, np.int8), "pix": pix[keep][order]}

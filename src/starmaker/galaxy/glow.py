"""The Milky Way's glow: the surface brightness of the made Galaxy's stars fainter than a limit.

The made sky holds the stars brighter than a catalogue's limit (``make milkyway --limit V<6.5``);
the millions fainter than it merge into the band of light a person sees on a dark night. This
module computes that light from the very model the survey draws its stars from — the same
components' densities, the same populations (IMF, star-formation history, [Fe/H]) evolved with
MIST and shone with the package's photometry, the same dust — as *expected values*, without
drawing a star (Leinert et al. 1998, A&AS 127, 1, sect. 10.1, eq. 28: the integrated starlight
is the line-of-sight integral of the light of the stars fainter than the resolved limit).

For every population a table is built once: the mean light, in ``band``, of a star born, counting
only the stars whose absolute magnitude in the limit's band is fainter than L, for every L on a
fine grid (:func:`faint_light_table`). For every HEALPix pixel (nested, ICRS, as the survey's),
the line of sight is cut into thin shells (0.1 mag in distance modulus, 0.4 pc to 100 kpc); a
shell at distance d behind A_V of dust (the dust model's ``a_v_profile``) adds

    n(d) · ΔV / Ω · 10^(−0.4 (DM + k_band A_V)) · light(limit − DM − k_limit A_V),

n(d) the number density of stars born (initial mass density / the IMF's mean mass), so a star
counts only if it is too faint to be in the catalogue at its own distance and behind its own
dust. Pixels are computed at twice the resolution and averaged (the disc's light changes within
a pixel near the plane).

Units: S10(V) — the light of one star of V = 10 per square degree (Leinert et al. 1998, sect. 2,
"Brightness units": a tenth-magnitude star's flux spread over one square degree, so 1 S10 =
10 + 2.5 log10(3600²) = 27.78 mag arcsec⁻²) — and mag arcsec⁻².

What is left out: scattered light (the diffuse galactic light, Leinert et al. 1998 sect. 11),
clumpy dust (the dust model is smooth: no Cygnus rift, no Coalsack), open clusters' own light.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from ..arrays import broadcast
from ..errors import InvalidParameterError
from ..evolution.evolve import evolve_through
from ..evolution.isochrones import FEH_RANGE, dying_mass
from ..photometry import bands as registry
from ..photometry.magnitudes import absolute_magnitudes
from ..place.frames import galactocentric, icrs_to_galactic
from .components import GalacticPopulation as Population
from .limits import Limit, parse_limit

__all__ = ["GlowMap", "glow_map", "faint_light_table", "light_grid", "glow_alpha", "glow_on_grid",
           "glow_altaz", "S10_MAG_ARCSEC2", "GLOW_BANDS"]

#: one S10 unit (a star of magnitude 10 per square degree) in mag/arcsec²: 10 + 2.5 log10(3600²)
S10_MAG_ARCSEC2 = 10.0 + 5.0 * math.log10(3600.0)
#: bands whose extinction is a fixed multiple of A_V in the package's photometry (V: A_V; B:
#: A_V (1 + 1/R_V)), so the glow's dust is exact; the limit's band must be one of them too
GLOW_BANDS = ("V", "B")
DM_STEP = 0.1                  # shell width in distance modulus (mag)
DM_MIN, DM_MAX = -2.0, 20.0    # 0.4 pc … 100 kpc, as the survey
L_STEP = 0.02                  # the light tables' grid in absolute magnitude
L_MIN, L_MAX = -16.0, 30.0
AGE_CELL_DEX = 0.05            # age nodes: one per 0.05 dex of a constant history, as the survey
N_FEH = 7                      # [Fe/H] nodes: midpoints of equal-probability slices of the Gaussian
N_BASE = 400                   # masses per (age, [Fe/H]) node, log-spaced over the IMF …
N_GIANT = 240                  # … and dense just below the dying mass (giants), and just above it
N_DEAD = 24
OVERSAMPLE = 1                 # each pixel is the mean of 4**OVERSAMPLE sub-pixels (nside × 2**OVERSAMPLE)
_BLOCK = 2048                  # sub-pixels per block (memory: 221 shells × block × 8 B per array)
_SR_DEG2 = (180.0 / math.pi) ** 2


def _k(band: str) -> float:
    """A_band / A_V of a Sun-like star in the package's photometry (the band registry's
    ``a_over_av``): the glow is the light of many stars, so one mean ratio per band."""
    if band not in GLOW_BANDS:
        raise InvalidParameterError("band", band, f"one of {', '.join(GLOW_BANDS)} (their extinction "
                                    "is a fixed multiple of A_V)")
    return float(registry.band(band).a_over_av)


def _age_nodes(pop: Population) -> tuple[np.ndarray, np.ndarray]:
    """Ages (yr) and weights of the population's births: for a constant history (every Milky Way
    population is one) the midpoints, in log age, of cells 0.05 dex wide, weighted by each
    cell's share of the time; otherwise 64 quantiles of 4096 ages drawn with a fixed seed."""
    p = pop.sfh.params()
    if set(p) == {"age_min", "age_max"}:
        a0, a1 = float(p["age_min"]), float(p["age_max"])
        n = max(1, math.ceil(math.log10(a1 / a0) / AGE_CELL_DEX))
        edges = np.geomspace(a0, a1, n + 1)
        return np.sqrt(edges[1:] * edges[:-1]), np.diff(edges) / (a1 - a0)
    ages = np.sort(pop.sfh.sample_ages(4096, np.random.default_rng(12345)))
    q = ages[32::64]
    return q, np.full(len(q), 1.0 / len(q))


def _feh_nodes(pop: Population) -> tuple[np.ndarray, np.ndarray]:
    """[Fe/H] at the midpoints of N_FEH equal-probability slices of N(mean, sigma), clipped to
    the MIST grid (as the survey clips its draws), equal weights."""
    if pop.feh_sigma <= 0:
        return np.array([np.clip(pop.feh_mean, *FEH_RANGE)]), np.array([1.0])
    from scipy.special import ndtri

    q = (np.arange(N_FEH) + 0.5) / N_FEH
    return np.clip(pop.feh_mean + pop.feh_sigma * ndtri(q), *FEH_RANGE), np.full(N_FEH, 1.0 / N_FEH)


@functools.lru_cache(maxsize=64)
def faint_light_table(pop: Population, limit_band: str = "V", band: str = "V") -> np.ndarray:
    """The mean light in ``band`` of one star born in ``pop`` (units of a star of absolute
    magnitude 0), counting only the stars fainter than L in ``limit_band``, for each L of
    ``light_grid()`` (−16 … 30 mag in steps of 0.02). Dead stars count with their own light
    (white dwarfs), neutron stars and black holes with none.

    Quadrature over the births: ages and [Fe/H] at nodes (``_age_nodes``, ``_feh_nodes``); at
    each, N_BASE masses log-spaced over the IMF plus N_GIANT masses crowding toward the dying mass
    from below (the giant branches, whose few stars give much of an old population's light) and
    N_DEAD above it; each mass stands for the IMF's number between the midpoints to its
    neighbours (exact IMF fractions, ``imf.cdf``)."""
    _k(limit_band), _k(band)
    ages, wa = _age_nodes(pop)
    fehs, wf = _feh_nodes(pop)
    A, F = (v.ravel() for v in np.meshgrid(ages, fehs, indexing="ij"))
    W = np.outer(wa, wf).ravel()
    imf = pop.imf
    md = dying_mass(A, F)
    base = np.geomspace(imf.m_min, imf.m_max, N_BASE)
    x = np.concatenate([1.0 - np.geomspace(1e-5, 0.5, N_GIANT), 1.0 + np.geomspace(1e-5, 0.2, N_DEAD)])
    m = np.concatenate([np.broadcast_to(base, (len(A), N_BASE)), md[:, None] * x[None, :]], axis=1)
    m = np.sort(np.clip(m, imf.m_min, imf.m_max), axis=1)
    edges = np.concatenate([np.full((len(A), 1), imf.m_min), 0.5 * (m[:, 1:] + m[:, :-1]),
                            np.full((len(A), 1), imf.m_max)], axis=1)
    w = np.diff(imf.cdf(edges), axis=1) * W[:, None]          # number fraction of all births
    s = evolve_through(m.ravel(), np.broadcast_to(A[:, None], m.shape).ravel(),
                       np.broadcast_to(F[:, None], m.shape).ravel())
    mags = absolute_magnitudes(s["log_L"], s["log_Teff"], s["log_g"], s["feh"], (limit_band, band))
    flux = np.nan_to_num(10.0 ** (-0.4 * mags["M_" + band]), nan=0.0, posinf=0.0)
    m_lim = np.nan_to_num(mags["M_" + limit_band], nan=np.inf)
    order = np.argsort(m_lim)
    light = (w.ravel() * flux)[order]
    # light of the stars fainter than L = the total less those at or brighter than L
    cum = np.concatenate([[0.0], np.cumsum(light)])
    j = np.searchsorted(m_lim[order], light_grid(), side="right")
    return cum[-1] - cum[j]


def light_grid() -> np.ndarray:
    """The absolute-magnitude limits of :func:`faint_light_table` (mag)."""
    return np.arange(L_MIN, L_MAX + 1e-9, L_STEP)


@dataclass(frozen=True)
class GlowMap:
    """The glow of the stars fainter than ``limit``: a HEALPix map (nested, ICRS, ``nside``) of
    surface brightness in ``band``, in S10 units (stars of magnitude 10 per square degree)."""

    nside: int
    s10: np.ndarray
    limit: Limit
    band: str

    @property
    def mag_arcsec2(self) -> np.ndarray:
        """Surface brightness in mag/arcsec² (``band``)."""
        with np.errstate(divide="ignore"):
            return S10_MAG_ARCSEC2 - 2.5 * np.log10(self.s10)

    def pixel(self, ra_deg, dec_deg) -> np.ndarray:
        """The map's pixel holding each (RA, Dec) (deg, ICRS)."""
        import astropy.units as u
        from astropy_healpix import HEALPix

        hp = HEALPix(nside=self.nside, order="nested")
        return np.asarray(hp.lonlat_to_healpix(np.asarray(ra_deg, float) * u.deg,
                                               np.asarray(dec_deg, float) * u.deg), np.int64)

    def at(self, ra_deg, dec_deg) -> np.ndarray:
        """S10 at each (RA, Dec) (deg, ICRS): the value of its pixel."""
        return self.s10[self.pixel(ra_deg, dec_deg)]

    def at_galactic(self, l_deg, b_deg) -> np.ndarray:
        """S10 at each galactic (l, b) (deg)."""
        from ..place.frames import galactic_to_icrs

        return self.at(*galactic_to_icrs(l_deg, b_deg))


def _pixel_centres(nside: int) -> tuple[np.ndarray, np.ndarray]:
    from astropy_healpix import HEALPix

    hp = HEALPix(nside=nside, order="nested")
    lon, lat = hp.healpix_to_lonlat(np.arange(12 * nside * nside))
    return np.asarray(lon.deg, float), np.asarray(lat.deg, float)


def glow_map(limit: str | Limit = "V<6.5", nside: int = 32, milky_way=None, band: str = "V",
             cache: bool = True) -> GlowMap:
    """The surface brightness of the stars of ``milky_way`` (default :class:`MilkyWay()`: its
    components and dust) fainter than ``limit`` (bands V or B), per HEALPix pixel (nested,
    ICRS, ``nside`` a power of 2 from 1 to 256), in ``band`` (V or B). Deterministic (expected
    values); the populations' light tables are kept in memory after the first call, and the map
    in the user's cache folder (as the survey's mass tables: ``$STARMAKER_CACHE``, else
    ``$XDG_CACHE_HOME/starmaker`` or ``~/.cache/starmaker``; ``STARMAKER_CACHE=off`` or
    ``cache=False`` turns it off), keyed by the model (components, populations, dust), the
    limit, nside, band, and the source of every module the light depends on plus the data
    versions."""
    from .survey import MilkyWay

    lim = parse_limit(limit)
    if not (isinstance(nside, int | np.integer) and 1 <= nside <= 256 and (nside & (nside - 1)) == 0):
        raise InvalidParameterError("nside", nside, "a power of 2 from 1 to 256")
    nside = int(nside)
    k_lim, k_band = _k(lim.band), _k(band)
    mw = milky_way if milky_way is not None else _default_milky_way()
    if not isinstance(mw, MilkyWay) and not (hasattr(mw, "components") and hasattr(mw, "dust")):
        raise InvalidParameterError("milky_way", mw, "a MilkyWay (components and dust)")
    if cache:
        from ..io.cache import mark_used, prune

        path = _cache_path(mw, lim, nside, band)
        if path is not None and path.is_file():
            try:
                s10 = np.load(path)
                if s10.shape == (12 * nside * nside,) and s10.dtype == np.float64:
                    mark_used(path)
                    return GlowMap(nside, s10, lim, band)
            except (OSError, ValueError):
                pass  # unreadable: compute and overwrite
        out = glow_map(lim, nside, mw, band, cache=False)
        if path is not None:
            try:
                from ..io.parquet import atomic_path

                path.parent.mkdir(parents=True, exist_ok=True)
                with atomic_path(path, suffix=".npy") as tmp, open(tmp, "wb") as fh:
                    np.save(fh, out.s10)
            except OSError:
                pass  # a read-only home: no cache
            else:
                prune(keep=[path])
        return out
    fine = nside * 2**OVERSAMPLE
    ra, dec = _pixel_centres(fine)
    l, b = icrs_to_galactic(ra, dec)
    dm_edges = np.arange(DM_MIN, DM_MAX + 1e-9, DM_STEP)
    edges = np.concatenate([[0.0], 10.0 ** (dm_edges / 5.0 + 1.0)])
    d_in, d_out = edges[:-1], edges[1:]
    d_mid = np.where(d_in > 0, np.sqrt(np.maximum(d_in, 1e-9) * d_out), 0.5 * d_out)
    vol = (d_out**3 - d_in**3) / 3.0                                   # pc³ per sr
    dm = 5.0 * np.log10(d_mid) - 5.0
    grid = light_grid()
    # per population: the faint-light table per star born, and stars born per pc³ at shape 1
    pops = [(c, p) for c in mw.components for p in c.populations]
    tables = [faint_light_table(p, lim.band, band) for _, p in pops]
    per_pc3 = [p.rho0_initial / p.imf.mean_mass() for _, p in pops]
    profile = mw.dust.a_v_profile  # the DustModel protocol
    out = np.empty(len(l))
    for s in range(0, len(l), _BLOCK):
        ll, bb = l[s:s + _BLOCK, None], b[s:s + _BLOCK, None]
        av = profile(ll, bb, d_mid[None, :])
        L = lim.mag - dm[None, :] - k_lim * av                         # faintest seen, absolute
        t = np.clip((L - grid[0]) / L_STEP, 0.0, len(grid) - 1.000001)
        i0 = t.astype(np.intp)
        f = t - i0
        x, y, z, _ = galactocentric(ll, bb, d_mid[None, :])
        dim = vol[None, :] * 10.0 ** (-0.4 * (dm[None, :] + k_band * av))
        total = np.zeros(ll.shape[0])
        shapes = {}
        for (comp, pop), tab, n0 in zip(pops, tables, per_pc3, strict=True):
            key = (id(comp), pop.density_key)
            if key not in shapes:
                shapes[key] = comp.shape(x, y, z, pop.density_key)
            light = (1.0 - f) * tab[i0] + f * tab[i0 + 1]
            total += n0 * np.sum(shapes[key] * light * dim, axis=1)
        out[s:s + _BLOCK] = total
    # flux per sr in units of a magnitude-0 star → per square degree, in units of a 10th-mag star
    s10 = out.reshape(-1, 4**OVERSAMPLE).mean(axis=1) / _SR_DEG2 * 1e4
    return GlowMap(nside, s10, lim, band)


def _cache_path(mw, lim: Limit, nside: int, band: str):
    import hashlib

    from ..io.cache import cache_dir

    folder = cache_dir()
    if folder is None:
        return None
    comps = [(type(c).__module__, type(c).__qualname__, repr(c)) for c in mw.components]
    what = repr((comps, repr(mw.dust), str(lim), int(nside), band, _source_digest()))
    return folder / f"glow-{hashlib.sha256(what.encode()).hexdigest()[:24]}.npy"


@functools.cache
def _source_digest() -> str:
    """What a glow map depends on besides the model's parameters: code and data versions."""
    import hashlib
    import sys
    from pathlib import Path

    from ..births import imf
    from ..evolution import evolve, grid, isochrones, mist, remnants
    from ..evolution.isochrones import load_mist
    from ..photometry import magnitudes, mist_bc
    from ..place import dust, frames
    from . import components

    h = hashlib.sha256()
    for mod in (imf, evolve, grid, isochrones, mist, remnants, registry, magnitudes, mist_bc, dust, frames,
                components, sys.modules[__name__]):
        h.update(Path(mod.__file__).read_bytes())
    h.update(repr((load_mist().provenance(), registry.source("mist").provenance())).encode())
    return h.hexdigest()


@functools.cache
def _default_milky_way():
    from .survey import MilkyWay

    return MilkyWay()


def glow_alpha(glow_mag_arcsec2, sky_mag_arcsec2) -> np.ndarray:
    """How strongly the glow shows against the sky (0 … 1), for the pictures: its share of the
    light, glow / (glow + sky), less a threshold contrast of 5 % (a large faint patch is seen
    against the sky at a few per cent of contrast: Blackwell 1946, J. Opt. Soc. Am. 36, 624,
    for fields of degrees at night), so it vanishes in daylight, twilight, moonlight and a city's
    sky glow, and is strongest on a dark night. Both arguments in mag/arcsec² (the glow
    already dimmed by the air)."""
    r = 10.0 ** (-0.4 * (np.asarray(glow_mag_arcsec2, float) - np.asarray(sky_mag_arcsec2, float)))
    share = r / (1.0 + r)
    return np.clip((share - 0.05) / 0.95, 0.0, 1.0)


def glow_on_grid(glow: GlowMap, ra_deg, dec_deg) -> np.ndarray:
    """mag/arcsec² of the glow at each (RA, Dec) (deg, ICRS), interpolated bilinearly in S10
    between the pixels' centres (``astropy_healpix``), for pictures without the pixels' steps;
    ``inf`` where it is zero."""
    import astropy.units as u
    from astropy_healpix import HEALPix

    ra, dec = broadcast(np.asarray(ra_deg, float), np.asarray(dec_deg, float))
    hp = HEALPix(nside=glow.nside, order="nested")
    s10 = hp.interpolate_bilinear_lonlat(ra.ravel() * u.deg, dec.ravel() * u.deg, glow.s10).reshape(ra.shape)
    with np.errstate(divide="ignore"):
        return S10_MAG_ARCSEC2 - 2.5 * np.log10(np.maximum(s10, 0.0))


def glow_altaz(glow: GlowMap, lst_deg: float, lat_deg: float, alt_deg, az_deg) -> np.ndarray:
    """The glow's mag/arcsec² (above the air) toward each (alt, az) (deg; azimuth from north
    through east) for an observer at latitude ``lat_deg`` and local sidereal time ``lst_deg``:
    the direction turned into RA, Dec by spherical trigonometry (no refraction, precession or
    nutation: they move the sky by well under a degree, and the map's pixels are 2–4° wide)."""
    a, z = np.radians(np.asarray(alt_deg, float)), np.radians(np.asarray(az_deg, float))
    phi = math.radians(lat_deg)
    sin_dec = np.sin(phi) * np.sin(a) + np.cos(phi) * np.cos(a) * np.cos(z)
    ha = np.arctan2(-np.sin(z) * np.cos(a), np.cos(phi) * np.sin(a) - np.sin(phi) * np.cos(a) * np.cos(z))
    ra = (lst_deg - np.degrees(ha)) % 360.0
    dec = np.degrees(np.arcsin(np.clip(sin_dec, -1.0, 1.0)))
    return glow_on_grid(glow, ra, dec)

"""Magnitude-limited making: the stars brighter than a limit, without making the whole galaxy.

The sky is cut into HEALPix pixels (nested, ICRS, ``nside`` 16 by default: 3072 pixels of
3.7°), each line of sight into distance shells (0.2 mag in distance modulus), and each
population's ages into cells (≤ 0.05 dex). For every population and age cell, a table built once
from MIST gives, for any absolute-magnitude limit L, the range of initial masses
[m_lo(L), m_hi(L)] that can be brighter than L there (over the cell's ages and ±2σ of its
[Fe/H], with a 0.3 mag margin). In a shell at distance d behind A_V of dust, only stars with
M < limit − DM(d) − k_min·A_V(d) can be seen, so only those masses are drawn: the expected
number is (initial mass in the shell / mean IMF mass) × (age-cell weight) × (IMF fraction in
[m_lo, m_hi]); the count is Poisson; masses come from the truncated IMF by exact inverse CDF;
positions are uniform in the shell's volume inside the pixel. The drawn stars are evolved, made
to shine, dimmed by dust, and kept if brighter than the limit. Nothing bright is missed
(the ranges are conservative) and nothing is drawn twice.

Determinism: each pixel draws from its own generator,
``SeedSequence(seed, spawn_key=(pixel,))``, and the output is ordered by pixel, so the same
seed gives the same stars whether the sky is made in one piece, in several fields, or by
several workers.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .errors import InvalidParameterError
from .evolution import evolve
from .extinction import DustDisk, band_extinction
from .frames import galactocentric, icrs_to_galactic
from .galaxy import COMPONENT_NAMES, Component, Population
from .isochrones import FEH_RANGE, dying_mass
from .photometry import absolute_magnitudes
from .schema import COMPONENTS
from .stars import Stars

__all__ = ["Limit", "parse_limit", "Field", "make_sky", "DEFAULT_NSIDE"]

DEFAULT_NSIDE = 16
DM_STEP = 0.2            # shell width in distance modulus (mag)
DM_MIN, DM_MAX = -2.0, 20.0  # 0.4 pc to 100 kpc
L_GRID = np.arange(-14.0, 22.0 + 1e-9, 0.1)  # absolute-magnitude limits tabulated
MARGIN = 0.3             # mag added to every limit for the mass tables
K_MIN = {"G": 0.60, "BP": 0.95, "RP": 0.50, "B": 1.32, "V": 1.0}  # min A_band/A_V over Teff
LIMIT_RANGE = (-2.0, 16.0)
_LIMIT_RE = re.compile(r"^\s*(G|BP|RP|B|V)\s*<\s*([-+]?\d+(?:\.\d*)?)\s*$")


@dataclass(frozen=True)
class Limit:
    """A magnitude limit: stars with apparent ``band`` < ``mag``."""

    band: str
    mag: float

    def __str__(self) -> str:
        return f"{self.band}<{self.mag:g}"


def parse_limit(text: str | Limit) -> Limit:
    """Parse 'G<10' (bands G, BP, RP, B, V) and check the model's range."""
    if isinstance(text, Limit):
        lim = text
    else:
        m = _LIMIT_RE.match(str(text))
        if not m:
            raise InvalidParameterError(
                "limit", text, "a band and a magnitude like 'G<10' (bands G, BP, RP, B, V)")
        lim = Limit(m.group(1), float(m.group(2)))
    lo, hi = LIMIT_RANGE
    if not (lo <= lim.mag <= hi):
        raise InvalidParameterError(
            "limit", str(text), f"a magnitude between {lo:g} and {hi:g} (the model is made and "
            "checked for bright, nearby-to-kiloparsec stars; fainter needs a finer model)")
    return lim


@dataclass(frozen=True)
class Field:
    """Which part of the sky: all of it, a cone, or a list of HEALPix pixels (nested, ICRS)."""

    kind: str = "all"
    ra: float = 0.0
    dec: float = 0.0
    radius: float = 0.0
    pixels: tuple[int, ...] = ()

    @classmethod
    def cone(cls, ra_deg: float, dec_deg: float, radius_deg: float) -> Field:
        if not (0.0 <= dec_deg + 90.0 <= 180.0):
            raise InvalidParameterError("dec", dec_deg, "a declination between -90 and 90 deg")
        if not (0.0 < radius_deg <= 180.0):
            raise InvalidParameterError("radius", radius_deg, "a radius in (0, 180] deg")
        return cls("cone", float(ra_deg) % 360.0, float(dec_deg), float(radius_deg))

    @classmethod
    def from_pixels(cls, pixels: Sequence[int]) -> Field:
        return cls("pixels", pixels=tuple(sorted({int(p) for p in pixels})))

    @classmethod
    def parse(cls, text: str | None) -> Field:
        """'all', 'cone:RA,DEC,RADIUS' (deg) or 'pixels:1,2,3' (nested, nside 16, ICRS)."""
        if text is None or text.strip().lower() in ("", "all", "full"):
            return cls()
        kind, _, rest = text.partition(":")
        try:
            vals = [float(v) for v in rest.split(",") if v.strip()]
        except ValueError:
            vals = []
        if kind == "cone" and len(vals) == 3:
            return cls.cone(*vals)
        if kind == "pixels" and vals and all(v == int(v) for v in vals):
            return cls.from_pixels([int(v) for v in vals])
        raise InvalidParameterError(
            "field", text, "'all', 'cone:RA,DEC,RADIUS' in degrees, or 'pixels:P1,P2,...'")

    def pixel_list(self, nside: int) -> np.ndarray:
        npix = 12 * nside * nside
        if self.kind == "all":
            return np.arange(npix)
        if self.kind == "pixels":
            p = np.asarray(self.pixels, np.int64)
            if p.size == 0 or p.min() < 0 or p.max() >= npix:
                raise InvalidParameterError("field pixels", list(self.pixels),
                                            f"pixel numbers 0..{npix - 1} (nside {nside}, nested)")
            return p
        from astropy_healpix import HEALPix

        hp = HEALPix(nside=nside, order="nested")
        import astropy.units as u
        from astropy.coordinates import Latitude, Longitude

        pix = hp.cone_search_lonlat(Longitude(self.ra * u.deg), Latitude(self.dec * u.deg),
                                    radius=self.radius * u.deg)
        return np.sort(np.asarray(pix, np.int64))

    def contains(self, ra, dec) -> np.ndarray:
        if self.kind != "cone":
            return np.ones(np.shape(ra), bool)
        from .frames import unit_vector

        c = unit_vector(self.ra, self.dec)
        return unit_vector(ra, dec) @ c >= math.cos(math.radians(self.radius))


# --------------------------------------------------------------------------- mass tables
@dataclass(frozen=True)
class _Table:
    cell_lo: np.ndarray   # cell age edges (yr)
    cell_hi: np.ndarray
    weight: np.ndarray    # fraction of the population's births in each cell
    u_lo: np.ndarray      # (cells, L) IMF CDF at m_lo
    u_hi: np.ndarray      # (cells, L) IMF CDF at m_hi


def _cells(pop: Population) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    p = pop.sfh.params()
    a0, a1 = p["age_min"], p["age_max"]
    n = max(1, math.ceil(math.log10(a1 / a0) / 0.05))
    edges = np.geomspace(a0, a1, n + 1)
    return edges[:-1], edges[1:], np.diff(edges) / (a1 - a0)


@functools.lru_cache(maxsize=64)
def _mass_table(pop: Population, band: str) -> _Table:
    lo_e, hi_e, w = _cells(pop)
    imf = pop.imf
    fehs = np.unique(np.clip(pop.feh_mean + np.array([-2.0, 0.0, 2.0]) * pop.feh_sigma, *FEH_RANGE))
    base = np.geomspace(imf.m_min, imf.m_max, 1200)
    u_lo = np.ones((len(lo_e), len(L_GRID)))
    u_hi = np.zeros_like(u_lo)
    key = "M_" + band
    for c in range(len(lo_e)):
        ages = np.array([lo_e[c], hi_e[c]])
        ms, aa, ff = [], [], []
        for a in ages:
            for f in fehs:
                md = float(dying_mass(a, f))
                dense = md * (1.0 - np.geomspace(1e-6, 0.25, 500))
                m = np.concatenate([base, dense, [md]])
                m = m[(m >= imf.m_min) & (m <= imf.m_max)]
                ms.append(m)
                aa.append(np.full(len(m), a))
                ff.append(np.full(len(m), f))
        m, a, f = np.concatenate(ms), np.concatenate(aa), np.concatenate(ff)
        s = evolve(m, np.clip(a, 1e5, 10**10.3), f)
        mag = absolute_magnitudes(s["log_L"], s["log_Teff"], s["log_g"], s["feh"])[key]
        ok = np.isfinite(mag)
        m, mag = m[ok], mag[ok]
        order = np.argsort(mag)
        m_sorted, mag_sorted = m[order], mag[order]
        run_min = np.minimum.accumulate(m_sorted)
        run_max = np.maximum.accumulate(m_sorted)
        k = np.searchsorted(mag_sorted, L_GRID + MARGIN, side="left")  # stars with mag < L
        has = k > 0
        mlo = np.where(has, run_min[np.maximum(k - 1, 0)] * 0.99, np.inf)
        mhi = np.where(has, run_max[np.maximum(k - 1, 0)] * 1.01, 0.0)
        mlo = np.clip(mlo, imf.m_min, imf.m_max)
        mhi = np.clip(mhi, imf.m_min, imf.m_max)
        u_lo[c] = np.where(has, imf.cdf(mlo), 1.0)
        u_hi[c] = np.where(has, imf.cdf(mhi), 1.0)
    return _Table(lo_e, hi_e, w, u_lo, u_hi)


# --------------------------------------------------------------------------- making
def _lonlat_from_vec(v):
    lon = np.degrees(np.arctan2(v[..., 1], v[..., 0])) % 360
    lat = np.degrees(np.arcsin(np.clip(v[..., 2], -1, 1)))
    return lon, lat


def make_sky(components: Sequence[Component], limit: str | Limit, seed: int = 0,
             field: Field | None = None, nside: int = DEFAULT_NSIDE,
             dust: DustDisk | None = None, progress: Callable[[int, int], None] | None = None,
             chunk: int = 512) -> Stars:
    """Make every star brighter than ``limit`` in ``field`` (default: the whole sky).

    Returns a :class:`Stars` table with the evolution and photometry columns plus ra, dec, l, b,
    distance, A_V, apparent G, BP, RP, B, V, component and healpix (the making pixel).
    ``progress(done, total)`` is called after each chunk of pixels.
    """
    lim = parse_limit(limit)
    field = field or Field()
    dust = dust or DustDisk()
    pixels = field.pixel_list(nside)
    sky = _Shells(nside)
    pops = [(ci, comp, pop) for ci, comp in enumerate(components) for pop in comp.populations]
    tables = [_mass_table(pop, lim.band) for _, _, pop in pops]
    parts = []
    done = 0
    for start in range(0, len(pixels), chunk):
        block = pixels[start : start + chunk]
        b = _births_for_pixels(block, sky, pops, tables, lim, dust, seed)
        if b is not None:
            parts.append(_finish(_observe(b, dust), lim, field))
        done += len(block)
        if progress:
            progress(done, len(pixels))
    parts = [p for p in parts if len(p)]
    if not parts:
        return Stars({})
    return Stars.concat(parts)


class _Shells:
    """Distance shells shared by every pixel: edges (pc), volumes per pixel (pc³)."""

    def __init__(self, nside: int) -> None:
        self.nside = nside
        omega = 4.0 * math.pi / (12 * nside * nside)
        dm_edges = np.arange(DM_MIN, DM_MAX + 1e-9, DM_STEP)
        edges = np.concatenate([[0.0], 10.0 ** (dm_edges / 5.0 + 1.0)])
        self.d_in, self.d_out = edges[:-1], edges[1:]
        self.d_mid = np.where(self.d_in > 0, np.sqrt(np.maximum(self.d_in, 1e-9) * self.d_out),
                              0.5 * self.d_out)
        self.vol = omega * (self.d_out**3 - self.d_in**3) / 3.0
        # distance modulus at the inner edge (the first shell starts at the Sun: no limit)
        self.dm_in = np.where(self.d_in > 0, 5.0 * np.log10(np.maximum(self.d_in, 1e-9)) - 5.0, -50.0)


def _births_for_pixels(block, sky: _Shells, pops, tables, lim: Limit, dust: DustDisk, seed: int):
    """Draw the births of a block of pixels: per pixel only Poisson counts and uniform numbers
    (from the pixel's own generator); the rest is vectorised over the block."""
    from astropy_healpix import healpix_to_lonlat
    from astropy_healpix import healpy as hp

    nside = sky.nside
    ra_c, dec_c = hp.pix2ang(nside, block, nest=True, lonlat=True)
    l_c, b_c = icrs_to_galactic(np.asarray(ra_c), np.asarray(dec_c))
    corners = np.asarray(hp.boundaries(nside, block, step=1, nest=True))  # (n, 3, 4)
    cl, cb = icrs_to_galactic(*_lonlat_from_vec(np.transpose(corners, (0, 2, 1))))
    lls = np.concatenate([l_c[:, None], cl], axis=1)
    bbs = np.concatenate([b_c[:, None], cb], axis=1)
    # least dust seen anywhere in the pixel, at each shell's inner edge
    av_in = np.min(dust.a_v(lls[:, :, None], bbs[:, :, None], sky.d_in[None, None, :]), axis=1)
    L_shell = lim.mag - sky.dm_in[None, :] - K_MIN[lim.band] * av_in  # (pix, shells)
    iL = np.clip(np.ceil((L_shell - L_GRID[0]) / 0.1), 0, len(L_GRID) - 1).astype(np.int64)
    x, y, z, _ = galactocentric(l_c[:, None], b_c[:, None], sky.d_mid[None, :])
    expected = []
    for (_ci, comp, pop), tab in zip(pops, tables, strict=True):
        nstar = (pop.rho0_initial * comp.shape(x, y, z, pop.density_key) * sky.vol[None, :]
                 / pop.imf.mean_mass())  # (pix, shells)
        frac = np.maximum(tab.u_hi[:, iL] - tab.u_lo[:, iL], 0.0)  # (cells, pix, shells)
        expected.append(nstar[None] * tab.weight[:, None, None] * frac)
    # per pixel, in a fixed order: counts, then uniforms, from the pixel's generator
    rec = {k: [] for k in ("pop", "cell", "shell", "pix", "u", "z")}
    for k, pix in enumerate(block):
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(int(pix),)))
        for q, e in enumerate(expected):
            ek = e[:, k, :]
            nz = np.flatnonzero(ek > 0)
            if nz.size == 0:
                continue
            counts = rng.poisson(ek.ravel()[nz])
            n = int(counts.sum())
            if n == 0:
                continue
            flat = np.repeat(nz, counts)
            cell, shell = np.divmod(flat, ek.shape[1])
            rec["pop"].append(np.full(n, q, np.int16))
            rec["cell"].append(cell)
            rec["shell"].append(shell)
            rec["pix"].append(np.full(n, k, np.int64))
            rec["u"].append(rng.random((n, 5)))
            rec["z"].append(rng.standard_normal(n))
    if not rec["pop"]:
        return None
    r = {k: np.concatenate(v) for k, v in rec.items()}
    n = len(r["pop"])
    u, shell, cell, kpix = r["u"], r["shell"], r["cell"], r["pix"]
    m = np.empty(n)
    age = np.empty(n)
    feh = np.empty(n)
    comp_code = np.empty(n, np.int8)
    for q, ((_ci, comp, pop), tab) in enumerate(zip(pops, tables, strict=True)):
        sel = r["pop"] == q
        if not sel.any():
            continue
        c, sh, kp = cell[sel], shell[sel], kpix[sel]
        ul = tab.u_lo[c, iL[kp, sh]]
        uh = tab.u_hi[c, iL[kp, sh]]
        m[sel] = pop.imf.ppf(ul + u[sel, 0] * (uh - ul))
        age[sel] = tab.cell_lo[c] + u[sel, 1] * (tab.cell_hi[c] - tab.cell_lo[c])
        feh[sel] = np.clip(pop.feh_mean + pop.feh_sigma * r["z"][sel], *FEH_RANGE)
        comp_code[sel] = COMPONENTS.index(_component_label(comp))
    d3 = sky.d_in[shell] ** 3 + u[:, 2] * (sky.d_out[shell] ** 3 - sky.d_in[shell] ** 3)
    lon, lat = healpix_to_lonlat(block[kpix], nside, dx=u[:, 3], dy=u[:, 4], order="nested")
    return {"m": m, "age": age, "feh": feh, "d": np.cbrt(d3),
            "ra": np.degrees(np.asarray(lon.rad)), "dec": np.degrees(np.asarray(lat.rad)),
            "comp": comp_code, "pix": block[kpix]}


def _component_label(comp: Component) -> str:
    return comp.name if comp.name in COMPONENTS else "population"


def _observe(b: dict[str, np.ndarray], dust: DustDisk) -> Stars:
    s = evolve(b["m"], b["age"], b["feh"])
    mags = absolute_magnitudes(s["log_L"], s["log_Teff"], s["log_g"], s["feh"])
    l, bb = icrs_to_galactic(b["ra"], b["dec"])
    av = dust.a_v(l, bb, b["d"])
    ext = band_extinction(av, 10.0 ** s["log_Teff"])
    dm = 5.0 * np.log10(b["d"]) - 5.0
    app = {band: mags["M_" + band] + dm + ext[band] for band in ("G", "BP", "RP", "B", "V")}
    return s.with_columns(**mags, ra=b["ra"], dec=b["dec"], l=l, b=bb, distance=b["d"], A_V=av,
                          **app, component=b["comp"], healpix=b["pix"])


def _finish(stars: Stars, lim: Limit, field: Field | None = None) -> Stars:
    keep = stars[lim.band] < lim.mag
    if field is not None:
        keep &= field.contains(stars["ra"], stars["dec"])
    return stars.select(keep)


def default_components(names: Sequence[str] = COMPONENT_NAMES) -> list[Component]:
    from .galaxy import milky_way_components

    return milky_way_components(names)

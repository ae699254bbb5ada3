"""The default photometry (MIST's own bolometric corrections, ``starmaker.photometry.mist_bc``)
against the Kurucz/dustapprox path that was the default before (bands ``*_kurucz``) on one made
cluster.

    python benchmarks/compare_mist_bc.py              # 1e4 Msun, 100 Myr, [Fe/H] 0, seed 1
    python benchmarks/compare_mist_bc.py --age 1Gyr

Prints, by Teff range and for M dwarfs (MS/PMS below 3500 K) and white dwarfs, the median and
the 16-84 % range of MIST − Kurucz for M_G, BP − RP (Gaia EDR3) and B − V (Johnson).
"""

from __future__ import annotations

import argparse

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mass", type=float, default=1e4)
    ap.add_argument("--age", default="100Myr")
    ap.add_argument("--feh", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    import starmaker
    kur = "G_kurucz,BP_kurucz,RP_kurucz,B_kurucz,V_kurucz"
    t = starmaker.Cluster(mass=args.mass, age=args.age, feh=args.feh).make(seed=args.seed,
                                                                           bands="default," + kur)
    cols = {k: np.asarray(t[k]) for k in t.columns}
    d = {
        "M_G": cols["M_G"] - cols["M_G_kurucz"],
        "BP-RP": (cols["M_BP"] - cols["M_RP"]) - (cols["M_BP_kurucz"] - cols["M_RP_kurucz"]),
        "B-V": (cols["M_B"] - cols["M_V"]) - (cols["M_B_kurucz"] - cols["M_V_kurucz"]),
    }
    teff = 10.0 ** cols["log_Teff"]
    phase = cols["phase"]
    star = np.isin(phase, ["MS", "PMS", "RGB", "CHeB", "EAGB", "TPAGB", "postAGB"])
    groups = [
        ("stars < 3500 K (M dwarfs)", star & (teff < 3500) & (cols["log_g"] > 4.0)),
        ("stars 3500-5000 K", star & (teff >= 3500) & (teff < 5000)),
        ("stars 5000-6500 K", star & (teff >= 5000) & (teff < 6500)),
        ("stars 6500-10000 K", star & (teff >= 6500) & (teff < 10000)),
        ("stars >= 10000 K", star & (teff >= 10000)),
        ("white dwarfs", phase == "WD"),
    ]
    print(f"{args.mass:g} Msun, {args.age}, [Fe/H] {args.feh:g}, seed {args.seed}: {teff.size} stars")
    print("MIST - Kurucz: median [16 %, 84 %]")
    print(f"{'group':28s} {'n':>6s}  " + "  ".join(f"{k:>22s}" for k in d))
    for name, sel in groups:
        row = []
        for v in d.values():
            x = v[sel & np.isfinite(v)]
            if x.size:
                lo, med, hi = np.percentile(x, [16, 50, 84])
                row.append(f"{med:+.3f} [{lo:+.3f},{hi:+.3f}]")
            else:
                row.append(f"{'-':>22s}")
        print(f"{name:28s} {int(sel.sum()):6d}  " + "  ".join(f"{r:>22s}" for r in row))


if __name__ == "__main__":
    main()

"""MIST bolometric corrections (``starmaker.shine.mist_bc``) against starmaker's current
Kurucz/dustapprox photometry (``starmaker.photometry``) on one made cluster.

    python benchmarks/compare_mist_bc.py              # 1e4 Msun, 1 Gyr, [Fe/H] 0, seed 1

Prints, by Teff range and for M dwarfs (MS/PMS below 3500 K) and white dwarfs, the median and
the 16-84 % half-spread of MIST − current for M_G, BP − RP (Gaia EDR3) and B − V (Johnson).
"""

from __future__ import annotations

import argparse

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mass", type=float, default=1e4)
    ap.add_argument("--age", default="1Gyr")
    ap.add_argument("--feh", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    import starmaker
    from starmaker.shine.mist_bc import absolute_magnitudes

    t = starmaker.Cluster(mass=args.mass, age=args.age, feh=args.feh).make(seed=args.seed)
    cols = {k: np.asarray(t[k]) for k in ("log_L", "log_Teff", "log_g", "feh", "phase",
                                          "M_G", "M_BP", "M_RP", "M_B", "M_V")}
    m = absolute_magnitudes(cols["log_L"], cols["log_Teff"], cols["log_g"], cols["feh"], "G,BP,RP,B,V")
    d = {
        "M_G": m["M_Gaia_G_EDR3"] - cols["M_G"],
        "BP-RP": (m["M_Gaia_BP_EDR3"] - m["M_Gaia_RP_EDR3"]) - (cols["M_BP"] - cols["M_RP"]),
        "B-V": (m["M_Bessell_B"] - m["M_Bessell_V"]) - (cols["M_B"] - cols["M_V"]),
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
    print("MIST - current: median [16 %, 84 %]")
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

"""Made / real (Gaia DR3) star counts of the whole sky with and without binaries (README,
"Binaries in the Milky Way survey"): ``python benchmarks/binaries_counts.py "G<8" 1 none moe2017@0.4``
— a limit, a seed, then models as MODEL@RESOLUTION_ARCSEC ("none": single stars)."""

import sys
import time

from starmaker.galaxy.survey import MilkyWay
from starmaker.io.catalogues import gaia
from starmaker.reports.validate import _sources, count_table


def main(lim: str, seed: int, specs: list[str]) -> None:
    real = gaia()
    mag = float(lim.split("<")[1])
    for spec in specs:
        model, res = (spec.split("@") + [None])[:2]
        res = None if res in (None, "none") else float(res)
        t = time.time()
        mw = MilkyWay(multiplicity=None if model == "none" else model, resolution_arcsec=res)
        sky = mw.make(lim, seed=seed)
        src = _sources(sky)
        rows = count_table(src, real, "G", [m for m in range(4, 11) if m <= mag])
        print(f"{spec:16s} rows {len(sky):7d} sources {len(src):7d}  "
              + "  ".join(f"G<{r['mag']:g}: {r['n_made']}/{r['n_real']}={r['ratio']:.3f}" for r in rows)
              + f"  ({time.time() - t:.0f}s)", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3:])

"""How many drawn rows a finer dust bound would save (issue 13: "a draw that knows each star's
dust"): a pixel's rows are drawn per distance shell from the mass windows of the limit behind the
least dust anywhere in the pixel; drawing each nside-16 pixel as its 16 nside-64 children, each
with its own least dust, draws fewer rows where the dust varies across the pixel.

    PYTHONPATH=src python benchmarks/plane_subpixels.py 'G<16' [every]

Expected rows (the Poisson means the survey draws from, ``draw.expected_rows``) per nside-16 pixel,
in bands of |b|, over every ``every``-th pixel (default 8), with the pixel's own least dust and
summed over its children's.
"""

import sys

import numpy as np

from starmaker.galaxy import healpix
from starmaker.galaxy.components import COMPONENT_NAMES
from starmaker.galaxy.draw import expected_rows, shells
from starmaker.galaxy.limits import Field
from starmaker.galaxy.survey import _components, _plan
from starmaker.place.frames import icrs_to_galactic

if __name__ == "__main__":
    limit = sys.argv[1] if len(sys.argv) > 1 else "G<16"
    every = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    plan = _plan(_components(COMPONENT_NAMES), limit, 1, Field(), 16, None, 0.0)
    _, b = icrs_to_galactic(*healpix.pixel_radec(np.arange(3072), 16, 0.5, 0.5))
    for lo, hi in ((0, 5), (5, 15), (15, 30), (30, 91)):
        sel = np.flatnonzero((np.abs(b) >= lo) & (np.abs(b) < hi))[::every]
        e16, _, _ = expected_rows(sel, shells(16), plan.pops, plan.tables, plan.lim, plan.dust)
        kids = (sel[:, None] * 16 + np.arange(16)).ravel()
        e64, _, _ = expected_rows(kids, shells(64), plan.pops, plan.tables, plan.lim, plan.dust)
        print(f"{limit} |b| {lo}-{hi}°: rows per pixel {e16.sum() / len(sel):,.0f}, "
              f"as 16 children {e64.sum() / len(sel):,.0f} ({e64.sum() / e16.sum():.3f})")

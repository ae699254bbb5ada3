"""The PARSEC isochrone grid shipped by ``lachesis-grids``, read into the kernels' arrays.

**Models.** PARSEC (Bressan et al. 2012, MNRAS 427, 127), version 1.2S (low-mass stars: Chen et
al. 2014, MNRAS 444, 2525; massive stars to 350 M☉: Chen et al. 2015, MNRAS 452, 1068), scaled
solar with Z☉ = 0.0152 ([M/H] = [Fe/H]). The file is ``lachesis_grids/grids/parsec_v1.25.h5``
(lachesis-grids 0.0.9, built by LACHESIS, J. Vines): it carries no version attribute beyond its
name; its coverage ([M/H] −2 … +0.5, initial masses 0.09–350 M☉) is that of v1.2S, which we
take "v1.25" to mean. It holds 11 [Fe/H] (−2 … +0.5, step 0.25) × 106 log ages (5.0 … 10.25,
step 0.05).

**EEPs.** PARSEC isochrones have no EEPs of their own; every row carries a phase ``label``
(CMD: 0 PMS, 1 MS, 2 SGB, 3 RGB, 4–6 stages of core He burning, 7 E-AGB, 8 TP-AGB, 9 post-AGB
/ WD). lachesis-grids gives them an EEP axis (LACHESIS Technical Note 1, sect. 4.2): the label
boundaries are the *primary* points, placed at MIST's numbers (Dotter 2016, Table 1) — end of
the main sequence (label 1 → 2) at EEP 454 (MIST's TAMS), SGB → RGB at 500, end of label 3 at
605 (MIST's RGB tip), start of core He burning (label 4) at 631 (MIST's ZACHeB), then 707, 808
and the end of core He burning at 1200 — and the rows between two primary points are spaced
uniformly in EEP by their order along the isochrone (the normalised row index within the
phase, standing in for Dotter's normalised path length), and resampled onto integer EEPs. The
gap 606–630 (the He flash) is filled by linear interpolation. Because the same EEP marks the
same label boundary on every isochrone, blending isochrones at fixed EEP (what the kernels of
:mod:`.isochrones` do) blends like with like at and between these points. Below EEP 454 the
pre-main sequence and the main sequence share one stretch (the label 0 → 1 change falls at EEPs
92–452 depending on the isochrone), so there the EEP is the fraction of the way, in rows, from
the lightest star to the end of the main sequence. Measured (tests/test_models.py): the mean of
two solar-metallicity isochrones 0.1 dex apart in age, taken at fixed EEP, reproduces the
post-main-sequence rows of the isochrone between them to a median 0.006 dex in log L (90 %:
0.037) and 0.0014 dex in log Teff — closer than MIST's own EEPs do on its grid (0.020 and 0.0027).

**Phases.** lachesis-grids interpolated the labels along with the other columns, so rows next
to a label change carry fractional labels: each row takes the nearest label, mapped to
``schema.PHASES`` as 0 → PMS, 1 → MS, 2 (SGB) and 3 → RGB (MIST too counts the subgiant branch
as phase 2, RGB), 4–6 → CHeB. The file holds **no E-AGB, TP-AGB, post-AGB or white-dwarf
rows** (CMD labels 7–9 were dropped when it was built: its last rows are He-burning giants,
e.g. log L = 2.18 at log Teff = 3.667 for the 2.29 M☉ top of the 1 Gyr solar isochrone), so
every PARSEC isochrone ends at the end of core helium burning. PARSEC's label 0 (PMS) lasts
longer than MIST's pre-main sequence (whose end is its ZAMS EEP): on the main sequence the two
grids agree in L and Teff, but a 1 M☉ star is labelled PMS up to ≈ 0.2 Gyr (MIST: ≈ 0.03 Gyr),
2 M☉ up to ≈ 40 Myr (MIST: ≈ 10 Myr) and 0.5 M☉ up to ≈ 3 Gyr (MIST: ≈ 0.25 Gyr); the labels
are kept as PARSEC gives them.

**Lifespans** are read, as for MIST, from the last row of each isochrone (:func:`.grid.
build_grid`): here the end of core He burning, which precedes MIST's end of the TP-AGB by the
AGB's duration, ≈ 1–2 % of the lifetime; dead stars have no grid rows and go to
:mod:`starmaker.evolution.remnants`. The table starts at the first isochrone whose last row lies
past the RGB (EEP ≥ 605: the top is a finished track, not the mass cap).

**Coverage.** [Fe/H] −2 … +0.5; log age 6.45 … 10.25 (2.8 Myr … 17.8 Gyr); initial mass
0.1–300 M☉. Younger isochrones are not used: below log t = 6.3 those at [Fe/H] ≠ 0 stop at
20–64 M☉, and at 6.3–6.4 the top rows are the grid's still-burning mass cap (196–350 M☉); from
6.45 on every isochrone ends on a dying star at every [Fe/H]. At [Fe/H] = −2 and +0.25 the oldest
isochrones start at 0.12 M☉: lighter stars are placed at the isochrone's lowest mass and flagged
``grid_clamped``. Ten of the 1166 isochrones have initial mass decreasing along EEP (by up to
5.9 M☉ over one EEP, at EEPs 499, 605 and 618 of young massive isochrones: resampling artefacts
at label boundaries); it is made non-decreasing (running maximum) so that the mass → EEP search
is well defined.
"""

from __future__ import annotations

import functools

import numpy as np

from ..schema import PHASES
from .grid import COLUMNS, EEPGrid, cached_grid

__all__ = ["load_parsec", "FEH_RANGE", "LOG_AGE_RANGE", "MASS_RANGE", "NAME"]

GRID_FILE = "parsec_v1.25.h5"
NAME = "PARSEC v1.2S grid"
FEH_RANGE = (-2.0, 0.5)
LOG_AGE_RANGE = (6.45, 10.25)
MASS_RANGE = (0.1, 300.0)
#: the last EEP of the file (end of core He burning); no post-nuclear rows follow
EEP_LAST = 1200
#: an isochrone whose last row lies at or past this EEP (end of label 3) ends on a dying star
EEP_TRACK_END = 605

_PH = {name: i for i, name in enumerate(PHASES)}
#: PARSEC (CMD) label -> our phase code
_LABEL = np.array([_PH[p] for p in ("PMS", "MS", "RGB", "RGB", "CHeB", "CHeB", "CHeB")], np.int8)


def parsec_grid_path():
    from lachesis_grids import grid_path

    return grid_path(GRID_FILE)


@functools.cache
def load_parsec() -> EEPGrid:
    """The PARSEC grid, read once per process: from the user's cache folder where an earlier
    process built it, else read and built (about half a second; see :func:`.grid.cached_grid`)."""
    return cached_grid(
        "parsec",
        parsec_grid_path(),
        _read_parsec,
        code=(__file__,),
        what=(PHASES,),
        source=f"lachesis_grids/grids/{GRID_FILE}",
        name=NAME,
        eep_postnuc=EEP_LAST + 1,
        feh_range=FEH_RANGE,
        log_age_range=LOG_AGE_RANGE,
        mass_range=MASS_RANGE,
        info=(("grid", "PARSEC v1.2S (Bressan et al. 2012)"),),
    )


def _read_parsec() -> dict:
    """The grid file's arrays as :func:`.grid.build_grid` takes them."""
    import h5py

    with h5py.File(parsec_grid_path(), "r") as f:
        cols = [str(c) for c in f.attrs["columns"]]
        feh = f["feh_values"][:].astype(float)
        log_age = f["age_values"][:].astype(float)
        lengths = f["lengths"][:].astype(np.int64)
        values = f["values"][:]
    nf, na = len(feh), len(log_age)
    data = values[:, [cols.index(c) for c in COLUMNS]].astype(np.float64)
    row0 = np.concatenate([[0], np.cumsum(lengths)[:-1]]).reshape(nf, na)
    n = lengths.reshape(nf, na)
    eep = values[:, cols.index("eep")].astype(np.int64)
    eep0 = np.where(n > 0, eep[np.minimum(row0, len(eep) - 1)], 0)
    label = np.clip(np.rint(values[:, cols.index("phase")]), 0, len(_LABEL) - 1).astype(np.int64)
    # initial mass non-decreasing along every isochrone (see the module notes)
    for r0, m in zip(row0.ravel(), n.ravel(), strict=True):
        if m:
            data[r0 : r0 + m, 0] = np.maximum.accumulate(data[r0 : r0 + m, 0])
    j0 = int(np.searchsorted(log_age, LOG_AGE_RANGE[0] - 1e-9))
    return dict(
        feh=feh,
        log_age=log_age[j0:],
        row0=np.ascontiguousarray(row0[:, j0:]),
        eep0=np.ascontiguousarray(eep0[:, j0:]),
        n=np.ascontiguousarray(n[:, j0:]),
        data=data,
        phase=_LABEL[label],
        nuclear=np.ones(len(data), np.bool_),
        keep=feh >= FEH_RANGE[0] - 1e-9,
        eep_track_end=EEP_TRACK_END,
    )

"""The MIST v2.5 isochrone grid shipped by ``lachesis-grids``, read into the kernels' arrays.

The grid (Choi et al. 2016, ApJ 823, 102; Dotter 2016, ApJS 222, 8; v2.5 with v/vcrit = 0.4)
holds isochrones at 15 [Fe/H] (−4 … +0.5) × 107 log ages (5.0 … 10.3, step 0.05), each a list of
rows indexed by MIST's own *equivalent evolutionary phases* (EEPs; Dotter 2016, Table 1). It is
read once, lazily, and cached. How the kernels of :mod:`.isochrones` use it is described there;
this module holds what is particular to MIST.

Lifespans: the **last nuclear-burning row** of each grid isochrone (the end of the TP-AGB, EEP
1408, or the end of core carbon burning, EEP 808, for massive stars; MIST phases −1…5 and 9 before
the post-AGB EEP 1409, Dotter 2016, Table 1) carries the initial mass M_die(t) that is dying at
age t. (The grid's isochrones go on into post-AGB and white-dwarf rows, MIST phase 6, down to
log L ≈ −5.3, so the highest mass present at an age is *not* the mass dying then: at
[Fe/H] = 0 and 12.6 Gyr it is a 5.7 M☉ white dwarf, while the dying mass is 0.979 M☉.)
At [Fe/H] = 0 the lifespan is 11.67 Gyr for 1 M☉ (the grid's
M_die is 1.0112 M☉ at log t = 10.05 and 0.9787 M☉ at 10.10; the main sequence, last phase-0 row,
ends at 10.3 Gyr and the RGB tip, EEP 605, at 11.5 Gyr), 1.33 Gyr for 2 M☉, 26.7 Myr for 10 M☉
and 16.9 Gyr for 0.9 M☉. Reading instead the first grid age at which M has died, without
interpolating, gives upper bounds a grid step (12 %) too long: 12.59 Gyr for 1 M☉, 28.2 Myr for
10 M☉.

The table starts at the first isochrone whose last nuclear-burning row ends a track (EEP ≥ 808;
log t = 6.45 or 6.5): before that the top row is only the grid's 300 M☉ mass cap, still burning.

* Stars lighter than the mass dying at the grid's last age (20 Gyr; 0.858 M☉ at [Fe/H] = 0)
  outlive the grid: their lifespans are **extrapolated** (see :func:`.grid.build_grid`);
  s ≈ −3.5 at every grid metallicity. This only decides that such stars are alive; it is not
  meant as their true lifespan (it gives 4×10¹³ yr for 0.1 M☉, where detailed models give
  ≈ 6×10¹² yr, Laughlin, Bodenheimer & Adams 1997, ApJ 482, 420).
* Stars heavier than the first dying mass (≈ 180–280 M☉) are extrapolated likewise (through
  the youngest point, slope ≈ −0.2 to −0.4 fitted to the six youngest points), and flagged.

Dead stars are placed on the grid's post-AGB/white-dwarf rows (from EEP 1409; phase 6 split into
post-AGB and white dwarf at log g = 7) when it has them, and otherwise handed to
:mod:`starmaker.evolution.remnants`.

Coverage: [Fe/H] from −2.5 to +0.5. The grid's isochrones below −2.5 are incomplete for
massive stars (at −4.0 they stop at 6.5 M☉ at every age; at −3.5 and −3.0 the masses between
≈ 6 and ≈ 40 M☉ are missing from 7 to 56 Myr), so they are not used. Ages from 10^5 yr to
10^10.3 yr ≈ 19.95 Gyr, initial masses 0.1–300 M☉. Young isochrones
(below ≈ 2.5 Myr) lack the lowest masses, whose pre-main-sequence tracks start later; such stars
are placed at the lowest-mass end of the isochrone and flagged in ``grid_clamped``.
"""

from __future__ import annotations

import functools

import numpy as np

from ..schema import PHASES
from .grid import COLUMNS, EEPGrid, cached_grid

__all__ = ["load_mist", "MistGrid", "FEH_RANGE", "LOG_AGE_RANGE", "MASS_RANGE", "NAME"]

GRID_FILE = "mist_v2.5_vvcrit0.4.h5"
NAME = "MIST v2.5 grid"
#: the [Fe/H] range over which the grid is complete in mass (see the module notes)
FEH_RANGE = (-2.5, 0.5)
LOG_AGE_RANGE = (5.0, 10.3)
MASS_RANGE = (0.1, 300.0)
#: the first post-AGB EEP of MIST (Dotter 2016, Table 1)
EEP_POSTAGB = 1409
#: the TP-AGB primary EEP, where massive-star tracks end at core carbon depletion (Dotter 2016)
EEP_TRACK_END = 808
#: log g above which a MIST phase-6 row is on the white-dwarf cooling sequence
WD_LOGG = 7.0

MistGrid = EEPGrid

_PH = {name: i for i, name in enumerate(PHASES)}
# MIST phase code -> our phase code (phase 6 is split into postAGB / WD by log g at load)
_MIST_PHASE = {
    -1: _PH["PMS"],
    0: _PH["MS"],
    2: _PH["RGB"],
    3: _PH["CHeB"],
    4: _PH["EAGB"],
    5: _PH["TPAGB"],
    6: _PH["postAGB"],
    9: _PH["WR"],
    -9: _PH["WD"],
}


def mist_grid_path():
    from lachesis_grids import grid_path

    return grid_path(GRID_FILE)


@functools.cache
def load_mist() -> EEPGrid:
    """The MIST grid, read once per process: from the user's cache folder, memory-mapped (a few
    milliseconds), where an earlier process built it from the same file with the same code,
    else read and built (about a second; see :func:`.grid.cached_grid`)."""
    return cached_grid(
        "mist",
        mist_grid_path(),
        _read_mist,
        code=(__file__,),
        what=(PHASES, _MIST_PHASE),
        source=f"lachesis_grids/grids/{GRID_FILE}",
        name=NAME,
        eep_postnuc=EEP_POSTAGB,
        feh_range=FEH_RANGE,
        log_age_range=LOG_AGE_RANGE,
        mass_range=MASS_RANGE,
        info=(("grid", "MIST v2.5 v/vcrit=0.4"),),
    )


def _read_mist() -> dict:
    """The grid file's arrays as :func:`.grid.build_grid` takes them."""
    import h5py

    path = mist_grid_path()
    with h5py.File(path, "r") as f:
        cols = [str(c) for c in f.attrs["columns"]]
        feh = f["feh_values"][:].astype(float)
        log_age = f["age_values"][:].astype(float)
        lengths = f["lengths"][:].astype(np.int64)
        offsets = f["offsets"][:].astype(np.int64)
        values = f["values"][:]
    nf, na = len(feh), len(log_age)
    keep = feh >= FEH_RANGE[0] - 1e-9
    idx = [cols.index(c) for c in COLUMNS]
    data = values[:, idx].astype(np.float64)
    mist_phase = values[:, cols.index("phase")]
    row0_all = np.concatenate([[0], np.cumsum(lengths)[:-1]]).reshape(nf, na)
    eep0_all = offsets.reshape(nf, na)
    n_all = lengths.reshape(nf, na)

    # fill interior gaps (NaN rows) of each isochrone by linear interpolation in EEP
    bad = np.isnan(data[:, 0])
    for k in np.unique(np.searchsorted(row0_all.ravel(), np.nonzero(bad)[0], side="right") - 1):
        s = slice(row0_all.flat[k], row0_all.flat[k] + n_all.flat[k])
        block, ph = data[s], mist_phase[s]
        good = ~np.isnan(block[:, 0])
        x = np.arange(len(block))
        for c in range(block.shape[1]):
            block[~good, c] = np.interp(x[~good], x[good], block[good, c])
        # a filled row takes the phase of the row before it
        last = np.maximum.accumulate(np.where(good, x, 0))
        ph[~good] = ph[last[~good]]
        data[s], mist_phase[s] = block, ph

    # EEP of every row; rows from the post-AGB EEP on are post-nuclear whatever their label
    # (569 white-dwarf rows of the metal-poor isochrones carry phase 5 in this grid)
    row_eep = np.repeat(eep0_all.ravel() - row0_all.ravel(), n_all.ravel()) + np.arange(len(data))
    mist_phase[(row_eep >= EEP_POSTAGB) & (mist_phase != -9)] = 6
    keys = np.array(sorted(_MIST_PHASE))  # MIST's phase labels to ours, by a sorted lookup
    at = np.minimum(np.searchsorted(keys, mist_phase.astype(int)), len(keys) - 1)
    if not np.array_equal(keys[at], mist_phase.astype(int)):
        raise ValueError(f"MIST phases without a label: {sorted(set(mist_phase.astype(int)) - set(keys))}")
    phase = np.array([_MIST_PHASE[k] for k in keys], np.int8)[at]
    wd = (mist_phase == 6) & (data[:, 3] >= WD_LOGG)
    phase[wd] = _PH["WD"]

    return dict(
        feh=feh,
        log_age=log_age,
        row0=row0_all,
        eep0=eep0_all,
        n=n_all,
        data=data,
        phase=phase,
        nuclear=np.isin(mist_phase, [-1, 0, 2, 3, 4, 5, 9]),
        keep=keep,
        eep_track_end=EEP_TRACK_END,
    )

"""Shared fixtures. Tests cite the published values they compare with, next to the number."""

import atexit
import os
import shutil
import tempfile

import numpy as np
import pytest

# the grids, BC tables and the survey's mass tables are cached on disk (starmaker.io.cache): the
# tests build their own, in a fresh folder (read by their subprocesses too), removed at the end.
# Under pytest-xdist the controller makes the folder and its workers inherit it (the cache's
# writes are atomic, so workers filling it at once are safe)
if "PYTEST_XDIST_WORKER" not in os.environ:
    os.environ["STARMAKER_CACHE"] = tempfile.mkdtemp(prefix="starmaker-cache-")
    atexit.register(shutil.rmtree, os.environ["STARMAKER_CACHE"], ignore_errors=True)


@pytest.fixture(scope="session")
def cluster_1e4():
    """A 10^4 Msun, 100 Myr, solar-metallicity Kroupa cluster (seed 1)."""
    from starmaker import Cluster

    return Cluster(mass=1e4, age="100Myr", feh=0.0).make(seed=1)


@pytest.fixture(scope="session")
def mist_raw():
    """The raw MIST grid file, read independently of starmaker's loader (h5py only)."""
    import h5py
    from lachesis_grids import grid_path

    with h5py.File(grid_path("mist_v2.5_vvcrit0.4.h5"), "r") as f:
        cols = [str(c) for c in f.attrs["columns"]]
        d = {
            "cols": cols,
            "feh": f["feh_values"][:],
            "age": f["age_values"][:],
            "lengths": f["lengths"][:],
            "offsets": f["offsets"][:],
            "values": f["values"][:],
        }
    d["start"] = np.concatenate([[0], np.cumsum(d["lengths"])])
    return d


def raw_isochrone(raw, i_feh, j_age):
    """Rows (EEP, initial mass, phase) of one raw grid isochrone, NaN rows dropped."""
    k = i_feh * len(raw["age"]) + j_age
    v = raw["values"][raw["start"][k] : raw["start"][k + 1]]
    c = raw["cols"]
    ok = ~np.isnan(v[:, c.index("initial_mass")])
    return v[ok]

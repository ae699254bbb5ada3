"""sha256 of the Parquet files ``MilkyWay(multiplicity=..., resolution_arcsec=...).write`` gives for
several models, resolutions, limits, seeds, fields and errors: run it with two versions of the
source (``PYTHONPATH=<src>``) and compare, to show a change that should change no byte changes
none (issue 14)::

    PYTHONPATH=src python benchmarks/binaries_bytes.py OUT.txt [CONFIG ...]   # default: all
"""

import hashlib
import os
import sys
import tempfile
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

from starmaker.galaxy.survey import MilkyWay  # noqa: E402

EIGHTH = "pixels:" + ",".join(str(p) for p in range(384))
PIX2 = "pixels:" + ",".join(str(p) for p in range(2000, 2200))
CONFIGS = {
    "moe0.4_G8_s1_eighth": ("moe2017", 0.4, "G<8", 1, EIGHTH, None),
    "moe0.4_G8_s2_pix2": ("moe2017", 0.4, "G<8", 2, PIX2, None),
    "moeNone_G9_s3_cone": ("moe2017", None, "G<9", 3, "cone:266.4,-29.0,12", None),
    "moe60_G7_s4_pix2": ("moe2017", 60.0, "G<7", 4, PIX2, None),
    "moe0.4_G11_s5_cone_err": ("moe2017", 0.4, "G<11", 5, "cone:120,40,4", "gaia-dr3"),
    "moe0.4_V7_s6_pix2": ("moe2017", 0.4, "V<7", 6, PIX2, None),
    "spisea0.4_G8_s1_pix2": ("spisea", 0.4, "G<8", 1, PIX2, None),
    "spiseaNone_G9_s7_cone": ("spisea", None, "G<9", 7, "cone:300,-60,10", None),
    "trilegal0.4_G8_s1_eighth": ("trilegal", 0.4, "G<8", 1, EIGHTH, None),
    "trilegalNone_G10_s8_cone_err": ("trilegal", None, "G<10", 8, "cone:30,5,6", "gaia-dr3"),
    "none_G8_s1_eighth": (None, None, "G<8", 1, EIGHTH, None),
}
out = sys.argv[1]
names = sys.argv[2:] or list(CONFIGS)
with open(out, "a") as fh, tempfile.TemporaryDirectory() as tmp:
    for name in names:
        model, res, lim, seed, field, err = CONFIGS[name]
        t = time.process_time()
        mw = MilkyWay(multiplicity=model, resolution_arcsec=res)
        path = os.path.join(tmp, name + ".parquet")
        n = mw.write(path, lim, seed=seed, field=field, errors=err)
        h = hashlib.sha256(open(path, "rb").read()).hexdigest()
        line = f"{name} rows={n} sha256={h} cpu={time.process_time() - t:.1f}"
        print(line, flush=True)
        fh.write(line + "\n")

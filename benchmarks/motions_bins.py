"""Issue 14 diagnostics (tests/test_motions.py's xfail reasons): per B−V bin, what the made
V<6.5 stars within 200 pc are (components, thin-disc age bins, phases, M_V) and how they move
(DB98's proper-motion fit and its residual dispersion S; the made 3-D velocities), against
Hipparcos 2, also by M_V slice (M_V = V + 5 − 5 log d for both, no extinction term); then the
B−V histograms by M_V slice and the made clump giants and dwarfs by age.

usage: PYTHONPATH=$PWD/src python benchmarks/motions_bins.py [seed]  (~30 s of CPU)
The made sky is cached in /tmp as an npz (the columns used here) so later runs take seconds."""

# ruff: noqa: E501  (a table of measured numbers: long f-strings)
import os
import sys

import numpy as np

import starmaker as sm
from starmaker.place.frames import ICRS_TO_GALACTIC, unit_vector
from starmaker.place.kinematics import K_KMS_PER_MASYR_KPC, SUN_UVW_KMS, THIN_DISK_AVR, _ellipsoid
from starmaker.reports.validate import KIN_BV_BINS, tangential_velocities
from starmaker.schema import COMPONENTS, PHASES

seed = int(sys.argv[1]) if len(sys.argv) > 1 else 1
cache = f"/tmp/motions_made_seed{seed}.npz"
COLS = (
    "ra",
    "dec",
    "distance",
    "pmra",
    "pmdec",
    "radial_velocity",
    "B",
    "V",
    "M_V",
    "age",
    "mass",
    "feh",
    "A_V",
    "log_Teff",
    "log_g",
)


def load_made():
    if os.path.exists(cache):
        z = np.load(cache)
        return {k: z[k] for k in z.files}
    import time

    t = time.process_time()
    s = sm.MilkyWay().make("V<6.5", seed=seed)
    print(f"made seed {seed}: {len(s)} stars, {time.process_time() - t:.0f} s CPU", flush=True)
    d = {k: np.asarray(s[k]) for k in COLS if k in s}
    d["component"] = np.asarray(s.codes("component"))
    d["phase"] = np.asarray(s.codes("phase"))
    np.savez(cache, **d)
    return d


def as_stars(d):
    return sm.Stars({k: d[k] for k in ("ra", "dec", "pmra", "pmdec", "distance")})


def fit(d, sel):
    """DB98 eqs 1-3 on the selected stars: the Sun's (U, V, W) and S = rms |p − A v̄| (km/s)."""
    s = sm.Stars({k: d[k][sel] for k in ("ra", "dec", "pmra", "pmdec", "distance")})
    r, p = tangential_velocities(s)
    A = np.eye(3)[None] - r[:, :, None] * r[:, None, :]
    vbar = np.linalg.solve(A.mean(0), p.mean(0))
    res = p - A @ vbar
    return -vbar, float(np.sqrt((res**2).sum(1).mean()))


def uvw(d):
    """Heliocentric Galactic (U, V, W) of made stars from pm, rv and distance (km/s)."""
    a, de = np.radians(d["ra"]), np.radians(d["dec"])
    east = np.stack([-np.sin(a), np.cos(a), np.zeros_like(a)], axis=-1)
    north = np.stack([-np.sin(de) * np.cos(a), -np.sin(de) * np.sin(a), np.cos(de)], axis=-1)
    kms = K_KMS_PER_MASYR_KPC * d["distance"] / 1000.0
    v = (
        east * (d["pmra"] * kms)[:, None]
        + north * (d["pmdec"] * kms)[:, None]
        + unit_vector(d["ra"], d["dec"]) * d["radial_velocity"][:, None]
    )
    return v @ ICRS_TO_GALACTIC.T


made = load_made()
hip = sm.hipparcos()
real = {k: np.asarray(hip[k], float) for k in ("ra", "dec", "pmra", "pmdec", "B", "V", "parallax")}
with np.errstate(divide="ignore", invalid="ignore"):
    real["distance"] = np.where(real["parallax"] > 0, 1000.0 / real["parallax"], np.nan)
    real["M_V"] = real["V"] + 5 * np.log10(real["parallax"] / 100.0)
made["M_V_obs"] = made["V"] + 5 - 5 * np.log10(made["distance"])  # as real (no extinction term)
real["M_V_obs"] = real["M_V"]

for d in (made, real):
    d["bv"] = d["B"] - d["V"]
    d["ok"] = (
        (d["V"] < 6.5)
        & np.isfinite(d["distance"])
        & (d["distance"] < 200)
        & np.isfinite(d["pmra"])
        & np.isfinite(d["pmdec"])
    )

sig, lag = _ellipsoid(made["component"], made["age"])
made["lag"] = lag
vel = uvw(made)
thin, thick, halo = (COMPONENTS.index(c) for c in ("thin_disk", "thick_disk", "halo"))
edges = np.array([0.0] + [row[0] for row in THIN_DISK_AVR])
MV_SLICES = ((-np.inf, -1.0), (-1.0, 0.5), (0.5, 2.0), (2.0, 3.5), (3.5, np.inf))

print(f"seed {seed}; V<6.5, d<200 pc; V⊙ expected = {SUN_UVW_KMS[1]} + mean lag (kinematics.py)")
for lo, hi in ((-np.inf, np.inf), *KIN_BV_BINS):
    ms = made["ok"] & (made["bv"] >= lo) & (made["bv"] < hi)
    rs = real["ok"] & (real["bv"] >= lo) & (real["bv"] < hi)
    (um, vm, wm), sm_ = fit(made, ms)
    (ur, vr, wr), sr = fit(real, rs)
    print(f"\n=== B−V {lo}–{hi}: n made {ms.sum()} real {rs.sum()}")
    print(
        f"  fit U,V,W made {um:.2f} {vm:.2f} {wm:.2f} S {sm_:.1f} | real {ur:.2f} {vr:.2f} {wr:.2f} S {sr:.1f}"
    )
    v = vel[ms]
    print(
        f"  made 3D: -mean U,V,W {-v[:, 0].mean():.2f} {-v[:, 1].mean():.2f} {-v[:, 2].mean():.2f}; "
        f"σ_U,V,W {v[:, 0].std():.1f} {v[:, 1].std():.1f} {v[:, 2].std():.1f}; "
        f"law: {SUN_UVW_KMS[1]} + mean lag {made['lag'][ms].mean():.2f} = {SUN_UVW_KMS[1] + made['lag'][ms].mean():.2f}"
    )
    c = made["component"][ms]
    print("  components: " + ", ".join(f"{COMPONENTS[k]} {np.mean(c == k):.3f}" for k in np.unique(c)))
    a = made["age"][ms & (made["component"] == thin)]
    h, _ = np.histogram(a, np.r_[edges[:-1], 1e11])
    print(
        "  thin-disc age bins (Gyr edges 0,.15,1,2,3,5,7,10): "
        + " ".join(f"{x / max(len(a), 1):.3f}" for x in h)
        + f"; median age all {np.median(made['age'][ms]) / 1e9:.2f} Gyr"
    )
    p = made["phase"][ms]
    print("  phases: " + ", ".join(f"{PHASES[k]} {np.mean(p == k):.3f}" for k in np.unique(p)))
    # by M_V (from V and distance, as for the real stars): counts and V⊙ made / real
    for m0, m1 in MV_SLICES:
        mm = ms & (made["M_V_obs"] >= m0) & (made["M_V_obs"] < m1)
        rr = rs & (real["M_V_obs"] >= m0) & (real["M_V_obs"] < m1)
        if mm.sum() < 30 or rr.sum() < 30:
            print(f"    M_V {m0}..{m1}: n {mm.sum()}/{rr.sum()}")
            continue
        (_, vmm, wmm), smm = fit(made, mm)
        (_, vrr, wrr), srr = fit(real, rr)
        tk = np.mean(made["component"][mm] != thin)
        print(
            f"    M_V {m0}..{m1}: n {mm.sum()}/{rr.sum()}  V⊙ {vmm:.1f}/{vrr:.1f}  W⊙ {wmm:.1f}/{wrr:.1f}  "
            f"S {smm:.1f}/{srr:.1f}  made: non-thin {tk:.3f}, median age {np.median(made['age'][mm]) / 1e9:.2f} Gyr, "
            f"law V⊙ {SUN_UVW_KMS[1] + made['lag'][mm].mean():.1f}, giants(phase>MS) {np.mean(made['phase'][mm] > 1):.2f}"
        )

# B−V of the V<6.5 stars within 200 pc by M_V slice, made against Hipparcos; the made clump by age
edges = np.round(np.arange(0.2, 1.41, 0.1), 2)
for m0, m1, lab in ((3.5, 9, "dwarfs M_V>3.5"), (0.5, 2.0, "M_V 0.5-2 (clump)"), (-1, 0.5, "M_V -1-0.5")):
    print(lab, "B-V edges", edges.tolist())
    for name, d in (("made", made), ("real", real)):
        s = (d["V"] < 6.5) & (d["distance"] < 200) & (d["M_V_obs"] >= m0) & (d["M_V_obs"] < m1)
        h, _ = np.histogram(d["bv"][s], edges)
        print(
            f"  {name}: {h.tolist()}  median {np.median(d['bv'][s & (d['bv'] > edges[0]) & (d['bv'] < edges[-1])]):.3f}"
        )
ok = (made["V"] < 6.5) & (made["distance"] < 200)
cheb = ok & (made["phase"] == PHASES.index("CHeB")) & (made["M_V_obs"] > 0) & (made["M_V_obs"] < 1.5)
for a0, a1 in ((0, 1e9), (1e9, 3e9), (3e9, 7e9), (7e9, 1.5e10)):
    s = cheb & (made["age"] >= a0) & (made["age"] < a1)
    print(
        f"made CHeB M_V 0-1.5 age {a0 / 1e9:g}-{a1 / 1e9:g} Gyr: n {s.sum()}, median B-V {np.median(made['bv'][s]):.3f}, "
        f"median [Fe/H] {np.median(made['feh'][s]):.2f}, median Teff {np.median(10 ** made['log_Teff'][s]):.0f} K, "
        f"thick {np.mean(made['component'][s] == COMPONENTS.index('thick_disk')):.2f}"
    )
s = cheb & (made["feh"] > -0.1) & (made["feh"] < 0.1) & (made["age"] > 1e9)
print(
    f"made CHeB, [Fe/H] -0.1..0.1, age>1 Gyr: n {s.sum()} median Teff {np.median(10 ** made['log_Teff'][s]):.0f} K, B-V {np.median(made['bv'][s]):.3f}"
)
dw = ok & (made["M_V_obs"] > 3.5) & (made["phase"] == PHASES.index("MS"))
for a0, a1 in ((0, 2e9), (2e9, 5e9), (5e9, 1.5e10)):
    s = dw & (made["age"] >= a0) & (made["age"] < a1)
    print(
        f"made MS M_V>3.5 age {a0 / 1e9:g}-{a1 / 1e9:g}: n {s.sum()}, median B-V {np.median(made['bv'][s]):.3f}, [Fe/H] {np.median(made['feh'][s]):.2f}, "
        f"frac B-V<0.6 {np.mean(made['bv'][s] < 0.6):.2f}"
    )

"""Issue 14: why the made naked-eye clump giants (M_V 0.5–2, B−V 0.6–1.4) are too many at
B−V 0.8–1.0 and too few at 1.1–1.4 against Hipparcos 2 (tests/test_motions.py's ``_OLD_CLUMP``).

Three parts, each printed with its numbers:
1. MIST's own core-He-burning (CHeB) stars, made by ``starmaker.Cluster`` (the project's
   isochrone + bolometric-correction path, no Galaxy model): median B−V, Teff, M_V, M_Ks per
   [Fe/H] and age — is MIST's solar-metallicity clump too blue?
2. The made V < 6.5 stars within 200 pc at M_V 0.5–2 (M_V from V and distance, as for
   Hipparcos): phases, components, thin-disc age bins, [Fe/H] of the CHeB stars.
3. Each cause's share of the colour offset: the made slice recoloured as if every CHeB star
   had [Fe/H] = 0 (B−V shifted by MIST's CHeB ΔB−V(age, [Fe/H] → 0) from part 1's grid), and
   the slice without the thick disc.

usage: PYTHONPATH=$PWD/src python benchmarks/clump_colours.py [seed]  (~25 s CPU the first
time; the made sky is cached in /tmp as benchmarks/motions_bins.py caches it)."""

# ruff: noqa: E501  (a table of measured numbers: long f-strings)
import os
import sys
import time
from statistics import NormalDist

import numpy as np

import starmaker as sm
from starmaker.schema import COMPONENTS, PHASES

seed = int(sys.argv[1]) if len(sys.argv) > 1 else 1
cache = f"/tmp/motions_made_seed{seed}.npz"
CHEB = PHASES.index("CHeB")
t0 = time.process_time()

# ---------------------------------------------------------------- 1. MIST's own clump
AGES = (1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 7.0, 9.0, 11.0)  # Gyr
FEHS = (-1.0, -0.7, -0.5, -0.3, -0.15, 0.0, 0.15, 0.3)
grid = np.full((len(FEHS), len(AGES)), np.nan)
print("1. MIST CHeB stars of one age and [Fe/H] (starmaker.Cluster, 3e5 M☉, seed 1): median B−V / Teff K / M_V / M_Ks")
for i, feh in enumerate(FEHS):
    row = []
    for j, age in enumerate(AGES):
        s = sm.Cluster(mass=3e5, age=f"{age}Gyr", feh=feh).make(seed=1)
        c = np.asarray(s.codes("phase")) == CHEB
        bv = (np.asarray(s["M_B"]) - np.asarray(s["M_V"]))[c]
        grid[i, j] = np.median(bv)
        row.append(
            f"{grid[i, j]:.3f}/{np.median(10 ** np.asarray(s['log_Teff'])[c]):.0f}/"
            f"{np.median(np.asarray(s['M_V'])[c]):.2f}/{np.median(np.asarray(s['M_Ks'])[c]):.2f}"
        )
    print(f"  [Fe/H] {feh:+.2f}: " + "  ".join(f"{a:g} Gyr {r}" for a, r in zip(AGES, row, strict=True)))


def cheb_bv(age_yr, feh):
    """MIST's median CHeB B−V at (age, [Fe/H]), bilinear in (log age, [Fe/H]) over the grid."""
    la = np.clip(np.log10(np.asarray(age_yr) / 1e9), np.log10(AGES[0]), np.log10(AGES[-1]))
    f = np.clip(np.asarray(feh), FEHS[0], FEHS[-1])
    lag = np.log10(AGES)
    j = np.clip(np.searchsorted(lag, la) - 1, 0, len(AGES) - 2)
    i = np.clip(np.searchsorted(FEHS, f) - 1, 0, len(FEHS) - 2)
    ta = (la - lag[j]) / (lag[j + 1] - lag[j])
    tf = (f - np.asarray(FEHS)[i]) / (np.asarray(FEHS)[i + 1] - np.asarray(FEHS)[i])
    return (
        grid[i, j] * (1 - ta) * (1 - tf)
        + grid[i, j + 1] * ta * (1 - tf)
        + grid[i + 1, j] * (1 - ta) * tf
        + grid[i + 1, j + 1] * ta * tf
    )


# ---------------------------------------------------------------- 2. the made clump
if os.path.exists(cache):
    z = np.load(cache)
    made = {k: z[k] for k in z.files}
else:
    s = sm.MilkyWay().make("V<6.5", seed=seed)
    made = {k: np.asarray(s[k]) for k in ("ra", "dec", "distance", "pmra", "pmdec", "radial_velocity", "B", "V", "M_V", "age", "mass", "feh", "A_V", "log_Teff", "log_g")}
    made["component"] = np.asarray(s.codes("component"))
    made["phase"] = np.asarray(s.codes("phase"))
    np.savez(cache, **made)
hip = sm.hipparcos()
real = {k: np.asarray(hip[k], float) for k in ("B", "V", "parallax")}
with np.errstate(divide="ignore", invalid="ignore"):
    real["distance"] = np.where(real["parallax"] > 0, 1000.0 / real["parallax"], np.nan)
for d in (made, real):
    d["bv"] = d["B"] - d["V"]
    d["MV"] = d["V"] + 5 - 5 * np.log10(d["distance"])  # no extinction term, as for Hipparcos
    d["sl"] = (d["V"] < 6.5) & (d["distance"] < 200) & (d["MV"] >= 0.5) & (d["MV"] < 2.0) & (d["bv"] >= 0.6) & (d["bv"] < 1.4)

EDGES = np.round(np.arange(0.6, 1.41, 0.1), 2)
m, r = made["sl"], real["sl"]
print(f"\n2. V<6.5, d<200 pc, M_V 0.5–2, B−V 0.6–1.4 (seed {seed}): made {m.sum()}, Hipparcos 2 {r.sum()}")
print(f"  B−V edges {EDGES.tolist()}")
print(f"  made {np.histogram(made['bv'][m], EDGES)[0].tolist()} median {np.median(made['bv'][m]):.3f}")
print(f"  real {np.histogram(real['bv'][r], EDGES)[0].tolist()} median {np.median(real['bv'][r]):.3f}")
ph, co = made["phase"][m], made["component"][m]
print("  made phases: " + ", ".join(f"{PHASES[k]} {np.sum(ph == k)}" for k in np.unique(ph)))
print("  made components: " + ", ".join(f"{COMPONENTS[k]} {np.sum(co == k)}" for k in np.unique(co)))
for k in np.unique(ph):
    s = m & (made["phase"] == k)
    print(f"    {PHASES[k]}: B−V hist {np.histogram(made['bv'][s], EDGES)[0].tolist()}")
thin, thick = COMPONENTS.index("thin_disk"), COMPONENTS.index("thick_disk")
AGE_EDGES = (0, 0.15e9, 1e9, 2e9, 3e9, 5e9, 7e9, 10e9)
c = m & (made["phase"] == CHEB)
print(f"  made CHeB in the slice: {c.sum()}; [Fe/H] mean {made['feh'][c].mean():+.3f} median {np.median(made['feh'][c]):+.3f} σ {made['feh'][c].std():.3f}; "
      f"thin disc only: mean {made['feh'][c & (made['component'] == thin)].mean():+.3f} σ {made['feh'][c & (made['component'] == thin)].std():.3f}")
print("  made CHeB [Fe/H] quantiles 10/25/50/75/90 %: " + " ".join(f"{q:+.2f}" for q in np.percentile(made["feh"][c], [10, 25, 50, 75, 90])))
for k in range(len(AGE_EDGES) - 1):
    s = c & (made["component"] == thin) & (made["age"] >= AGE_EDGES[k]) & (made["age"] < AGE_EDGES[k + 1])
    if s.sum():
        print(f"    thin {AGE_EDGES[k] / 1e9:g}–{AGE_EDGES[k + 1] / 1e9:g} Gyr: n {s.sum()} ({s.sum() / c.sum():.3f}), [Fe/H] {np.median(made['feh'][s]):+.2f}, median B−V {np.median(made['bv'][s]):.3f}")
for k in (thick, COMPONENTS.index("halo")):
    s = c & (made["component"] == k)
    if s.sum():
        print(f"    {COMPONENTS[k]}: n {s.sum()} ({s.sum() / c.sum():.3f}), [Fe/H] {np.median(made['feh'][s]):+.2f}, median B−V {np.median(made['bv'][s]):.3f}")
s = c & (made["component"] == thin)
print(f"  made thin-disc CHeB: median age {np.median(made['age'][s]) / 1e9:.2f} Gyr, mass {np.median(made['mass'][s]):.2f} M☉")
v = (made["V"] < 6.5) & (made["distance"] < 300) & (made["phase"] == CHEB)
print(f"  made CHeB V<6.5 within 300 pc (any M_V): n {v.sum()}, [Fe/H] mean {made['feh'][v].mean():+.3f} σ {made['feh'][v].std():.3f}, thick {np.mean(made['component'][v] == thick):.3f}, Teff median {np.median(10 ** made['log_Teff'][v]):.0f} K")

# ---------------------------------------------------------------- 3. shares
shift = np.zeros_like(made["bv"])
shift[c] = cheb_bv(made["age"][c], 0.0) - cheb_bv(made["age"][c], made["feh"][c])
bv0 = made["bv"] + shift
# a milder bound: only the metal-poor tail moved, to Puzeras et al. 2010's mean − 2σ
# (MNRAS 2010, arXiv:1006.3857, abstract: 62 Hipparcos clump giants, [Fe/H] = −0.04 ± 0.15) = −0.34
FLOOR = -0.04 - 2 * 0.15
clip = np.zeros_like(made["bv"])
clip[c] = cheb_bv(made["age"][c], np.maximum(made["feh"][c], FLOOR)) - cheb_bv(made["age"][c], made["feh"][c])
bv1 = made["bv"] + clip
# Puzeras et al.'s distribution itself: each CHeB star's [Fe/H] replaced, rank for rank, by the
# same quantile of N(−0.04, 0.15) (the made order kept: the oldest stay the most metal-poor)
q = (np.argsort(np.argsort(made["feh"][c])) + 0.5) / c.sum()
fq = np.array([NormalDist(-0.04, 0.15).inv_cdf(x) for x in q])
pz = np.zeros_like(made["bv"])
pz[c] = cheb_bv(made["age"][c], fq) - cheb_bv(made["age"][c], made["feh"][c])
bv2 = made["bv"] + pz
print("\n3. the slice's B−V histogram and median under each change (real above)")
print(f"  as made:                      {np.histogram(made['bv'][m], EDGES)[0].tolist()} median {np.median(made['bv'][m]):.3f}")
print(f"  CHeB recoloured at [Fe/H]=0:  {np.histogram(bv0[m], EDGES)[0].tolist()} median {np.median(bv0[m]):.3f} (CHeB median {np.median(made['bv'][c]):.3f} → {np.median(bv0[c]):.3f}; mean shift {shift[c].mean():+.3f})")
print(f"  CHeB [Fe/H] floored at {FLOOR:+.2f}: {np.histogram(bv1[m], EDGES)[0].tolist()} median {np.median(bv1[m]):.3f} ({np.sum(c & (made['feh'] < FLOOR))} CHeB moved)")
print(f"  CHeB [Fe/H] → N(−0.04, 0.15): {np.histogram(bv2[m], EDGES)[0].tolist()} median {np.median(bv2[m]):.3f}")
nt = m & (made["component"] != thick)
print(f"  without the thick disc:       {np.histogram(made['bv'][nt], EDGES)[0].tolist()} median {np.median(made['bv'][nt]):.3f}")
for lab, sel in (("thin disc, CHeB", c & (made["component"] == thin)), ("thick disc, CHeB", c & (made["component"] == thick))):
    print(f"  shift of {lab}: mean {shift[sel].mean():+.3f}, sum over stars/all CHeB {shift[sel].sum() / shift[c].sum():.2f} of the total shift")

# the 0.6–1.0 bin's count at M_V 0.5–2 and its DB98 solar motion (all M_V) with the recoloured B−V
from starmaker.reports.validate import tangential_velocities  # noqa: E402


def fit_v(d, sel):
    st = sm.Stars({k: d[k][sel] for k in ("ra", "dec", "pmra", "pmdec", "distance")})
    rr, p = tangential_velocities(st)
    A = np.eye(3)[None] - rr[:, :, None] * rr[:, None, :]
    return -np.linalg.solve(A.mean(0), p.mean(0))[1]


hp = {k: np.asarray(hip[k], float) for k in ("ra", "dec", "pmra", "pmdec")}
real.update(hp)
for d in (made, real):
    d["ok"] = (d["V"] < 6.5) & (d["distance"] < 200) & np.isfinite(d["pmra"]) & np.isfinite(d["pmdec"])
cm = (made["MV"] >= 0.5) & (made["MV"] < 2.0)
cr = (real["MV"] >= 0.5) & (real["MV"] < 2.0)
for lab, bv in (("as made", made["bv"]), ("CHeB at [Fe/H]=0", bv0), (f"CHeB [Fe/H] ≥ {FLOOR:+.2f}", bv1), ("CHeB [Fe/H] → N(−0.04, 0.15)", bv2)):
    b = made["ok"] & (bv >= 0.6) & (bv < 1.0)
    print(f"  B−V 0.6–1.0, {lab}: M_V 0.5–2 n {np.sum(b & cm)}, at 1.1–1.4 n {np.sum(made['ok'] & cm & (bv >= 1.1) & (bv < 1.4))}; DB98 V⊙ (all M_V, n {b.sum()}) {fit_v(made, b):.1f} km/s")
b = real["ok"] & (real["bv"] >= 0.6) & (real["bv"] < 1.0)
print(f"  B−V 0.6–1.0, Hipparcos 2: M_V 0.5–2 n {np.sum(b & cr)}, at 1.1–1.4 n {np.sum(real['ok'] & cr & (real['bv'] >= 1.1) & (real['bv'] < 1.4))}; DB98 V⊙ (all M_V, n {b.sum()}) {fit_v(real, b):.1f} km/s")

# 4. the red side of the whole giant branch, M_V −1…2 (B−V > 0.6): made against Hipparcos 2
print("\n4. V<6.5, d<200 pc, B−V>0.6 by M_V: n made/real, B−V 75th percentile made/real; made RGB median B−V, [Fe/H], age")
RGB = PHASES.index("RGB")
for a, b in ((-1, -0.5), (-0.5, 0), (0, 0.5), (0.5, 1.0), (1.0, 1.5), (1.5, 2.0)):
    sm_ = (made["V"] < 6.5) & (made["distance"] < 200) & (made["bv"] > 0.6) & (made["MV"] >= a) & (made["MV"] < b)
    sr = (real["V"] < 6.5) & (real["distance"] < 200) & (real["bv"] > 0.6) & (real["MV"] >= a) & (real["MV"] < b)
    g = sm_ & (made["phase"] == RGB)
    print(f"  M_V {a:+.1f}..{b:+.1f}: n {sm_.sum()}/{sr.sum()}, 75 % {np.percentile(made['bv'][sm_], 75):.3f}/{np.percentile(real['bv'][sr], 75):.3f}; "
          f"RGB n {g.sum()} B−V {np.median(made['bv'][g]):.3f} [Fe/H] {np.median(made['feh'][g]):+.2f} age {np.median(made['age'][g]) / 1e9:.1f} Gyr")
for age in (2.0, 4.0, 8.0):  # MIST's RGB B−V at fixed M_V against [Fe/H]
    out = []
    for feh in (0.0, 0.3):
        s = sm.Cluster(mass=3e5, age=f"{age}Gyr", feh=feh).make(seed=1)
        mvc = np.asarray(s["M_V"])
        bvc = np.asarray(s["M_B"]) - mvc
        rg = np.asarray(s.codes("phase")) == RGB
        out.append(" ".join(f"{np.median(bvc[rg & (mvc >= a) & (mvc < a + 0.5)]):.3f}" for a in (-0.5, 0.0, 0.5, 1.0)))
    print(f"  MIST RGB {age:g} Gyr, B−V at M_V −0.5,0,0.5,1 (+0.5): [Fe/H] 0: {out[0]}; +0.3: {out[1]}")
# parallax errors (made M_V have none): an assumed Gaussian σϖ, not Hipparcos 2's own (not in the table)
rng = np.random.default_rng(5)
for sig in (0.3, 0.5, 0.8):
    plx = 1000.0 / made["distance"] + rng.normal(0.0, sig, len(made["bv"]))
    with np.errstate(divide="ignore", invalid="ignore"):
        dd = np.where(plx > 0, 1000.0 / plx, np.nan)
        mv = made["V"] + 5 - 5 * np.log10(dd)
    s5 = (made["V"] < 6.5) & (dd < 200) & (mv >= 0.5) & (mv < 2.0)
    print(f"  made M_V with σϖ = {sig} mas (assumed): M_V 0.5–2 at B−V 0.6–1.0 n {np.sum(s5 & (made['bv'] >= 0.6) & (made['bv'] < 1.0))}, at 1.1–1.4 n {np.sum(s5 & (made['bv'] >= 1.1) & (made['bv'] < 1.4))}")
print(f"\nCPU {time.process_time() - t0:.0f} s")

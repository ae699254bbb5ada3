"""Issue 14 diagnostics (tests/test_motions.py, the plane's A-star share): what the A-coloured
(B−V 0–0.3) V < 6.5 stars at |b| < 10° are, made against Hipparcos 2.

1. The census (``reports.validate.plane_census``) per seed and dust: Hipparcos by the main
   catalogue's spectral types (O/B supergiants and bright giants, other O/B stars, A/F
   supergiants, A stars by their own colour), the made stars by T_eff and log g.
2. The reddening of the plane's hot stars by distance: E(B−V) = (B−V) − (B−V)₀, the made
   (B−V)₀ = M_B − M_V, the real one from the spectral subtype on the dwarf sequence (coarse:
   Pecaut & Mamajek 2013, ApJS 208, 9, Table 5, to ≈ 0.02; supergiants are up to ≈ 0.06 redder
   intrinsically, so their E(B−V) is overstated by as much).
3. B−V histograms of V < 6.5 stars within 150 pc, every latitude: the made late-B excess.
4. MIST's Hertzsprung gap: the share of a star's life spent hotter than 10,000 K at log g < 3.

usage: PYTHONPATH=$PWD/src python benchmarks/a_stars_plane.py [seed ...]  (default 1 2 3; ≈ 30 s
of CPU a sky on a warm cache, and the SFD-dust sky of the first seed). Skies are cached in /tmp."""

# ruff: noqa: E501  (a table of measured numbers: long f-strings)
import os
import sys

import numpy as np

import starmaker as sm
from starmaker.evolution.evolve import evolve
from starmaker.io.catalogues import hipparcos_spectral_types
from starmaker.reports.validate import HOT_TEFF_K, mk_class, plane_census

COLS = ("V", "B", "M_V", "M_B", "b", "distance", "log_Teff", "log_g", "A_V")
seeds = [int(a) for a in sys.argv[1:]] or [1, 2, 3]


def sky(seed, dust=None):
    path = f"/tmp/a_stars_plane_seed{seed}_{dust or 'disk'}.npz"
    if not os.path.exists(path):
        s = (sm.MilkyWay(dust=dust) if dust else sm.MilkyWay()).make("V<6.5", seed=seed)
        np.savez(path, **{c: np.asarray(s[c]) for c in COLS})
    with np.load(path) as f:
        return sm.Stars({c: f[c] for c in COLS})


hip = sm.hipparcos()
sptype = hipparcos_spectral_types(hip["hip"])

# 1. census
print("| sky | n | A-coloured | O/B I–II | other O/B | A/F I–II | A by colour | share | hot (all colours) | hot I–II |")
print("|---|---|---|---|---|---|---|---|---|---|")
skies = [(f"seed {s}", sky(s)) for s in seeds] + [(f"seed {seeds[0]}, dust sfd", sky(seeds[0], "sfd"))]
for i, (name, made) in enumerate(skies):
    c = plane_census(made, hip, sptype)
    rows = ([("Hipparcos 2", "real")] if i == 0 else []) + [(name, "made")]
    for label, w in rows:
        print(f"| {label} | {c[f'n_{w}']} | {c[f'n_a_{w}']} | {c[f'n_a_hot_bright_{w}']} | {c[f'n_a_hot_{w}']} | "
              f"{c[f'n_a_cool_bright_{w}']} | {c[f'n_a_cool_{w}']} | {c[f'n_a_{w}'] / c[f'n_{w}']:.3f} | "
              f"{c[f'n_hot_{w}']} | {c[f'n_hot_bright_{w}']} |")

# 2. reddening of hot stars by distance (|b| < 10°, V < 6.5)
SUB = [0, 1, 2, 3, 5, 6, 7, 8, 9, 9.5]
BV0_B = [-0.30, -0.28, -0.23, -0.20, -0.16, -0.14, -0.12, -0.10, -0.07, -0.04]


def bv0(t):
    letter = mk_class(t)[0]
    if letter == "O":
        return -0.32
    if letter != "B":
        return np.nan
    digits = "".join(ch for ch in t[1:5] if ch.isdigit() or ch == ".").rstrip(".")
    try:
        sub = float(digits) if digits else 0.0
    except ValueError:
        sub = 0.0
    return float(np.interp(sub, SUB, BV0_B))


v, b, d = np.asarray(hip["V"]), np.asarray(hip["b"]), np.asarray(hip["distance"])
sel = (v < 6.5) & (np.abs(b) < 10)
real_bv0 = np.array([bv0(t) for t in sptype[sel]])
real_ebv = (np.asarray(hip["B"]) - v)[sel] - real_bv0
real_d = d[sel]
print("\nE(B−V) of O/B stars at |b| < 10°, V < 6.5: median [16th, 84th percentile] (n)")
print("| d (pc) | Hipparcos | " + " | ".join(n for n, _ in skies) + " |")
print("|---|---|" + "---|" * len(skies))
for lo, hi in ((0, 150), (150, 300), (300, 500), (500, 1000), (1000, 3000)):
    k = np.isfinite(real_bv0) & (real_d >= lo) & (real_d < hi)
    cells = [f"{np.median(real_ebv[k]):.2f} [{np.percentile(real_ebv[k], 16):.2f}, {np.percentile(real_ebv[k], 84):.2f}] ({k.sum()})"]
    for _, made in skies:
        mk = (np.asarray(made["V"]) < 6.5) & (np.abs(np.asarray(made["b"])) < 10) & (np.asarray(made["log_Teff"]) > np.log10(HOT_TEFF_K))
        md = np.asarray(made["distance"])
        e = (np.asarray(made["B"]) - np.asarray(made["V"]) - (np.asarray(made["M_B"]) - np.asarray(made["M_V"])))
        k2 = mk & (md >= lo) & (md < hi)
        cells.append(f"{np.median(e[k2]):.2f} [{np.percentile(e[k2], 16):.2f}, {np.percentile(e[k2], 84):.2f}] ({k2.sum()})" if k2.any() else "–")
    print(f"| {lo}–{hi} | " + " | ".join(cells) + " |")

# 3. local B−V histograms
edges = [-0.2, -0.1, -0.05, 0.0, 0.05, 0.1, 0.2, 0.3]
print("\nV < 6.5 within 150 pc, all latitudes, by B−V:", " ".join(f"{a:g}…{c:g}" for a, c in zip(edges[:-1], edges[1:], strict=True)))
k = (v < 6.5) & (d < 150)
print("  Hipparcos 2 ", np.histogram((np.asarray(hip["B"]) - v)[k], edges)[0])
for name, made in skies:
    mv = np.asarray(made["V"])
    k = (mv < 6.5) & (np.asarray(made["distance"]) < 150)
    print(f"  {name:13s}", np.histogram((np.asarray(made["B"]) - mv)[k], edges)[0])

# 4. MIST's Hertzsprung gap
print("\nMIST v2.5, [Fe/H] = 0: share of the life hotter than 10,000 K at log g < 3; smallest MS log g")
for m in (9.0, 12.0, 15.0, 20.0, 25.0):
    life = float(evolve(np.array([m]), np.array([1e6]), np.array([0.0]))["lifespan"][0])
    age = np.maximum(np.linspace(0.0005, 1.0, 20001) * life, 1.01e5)
    s = evolve(np.full(age.size, m), age, np.zeros(age.size))
    t, g, ok = np.asarray(s["log_Teff"]), np.asarray(s["log_g"]), np.asarray(s["alive"])
    gap = ok & (t > np.log10(HOT_TEFF_K)) & (g < 3.0)
    ms = ok & (np.asarray(s["phase"]) == "MS")
    print(f"  {m:4.0f} M☉: life {life / 1e6:5.1f} Myr, {100 * gap.mean():.2f} % ({gap.mean() * life:,.0f} yr), MS log g ≥ {g[ms].min():.2f}")

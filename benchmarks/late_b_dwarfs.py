"""Issue 14, the late-B dwarfs near the Sun: the made sky against Hipparcos 2 and Bovy (2017).

1. Hot dwarfs by spectral type (``reports.validate.dwarf_census``: Hipparcos by the main
   catalogue's types, classes III–V; made by T_eff on Mamajek's dwarf scale, log g ≥ 3.3), V < 7.9
   within 100…1000 pc, and the made share younger than 0.15 Gyr.
2. The same by B−V (no spectral types; made colours include the smooth dust disc's reddening).
3. The made midplane density of main-sequence stars by initial mass (R < 150 pc, |z| < 20 pc)
   against Bovy's (2017, MNRAS 470, 1360, abstract) present-day mass function
   dn/dM = 0.016 (M/M☉)^-4.7 pc⁻³ M☉⁻¹ (M > 1 M☉; his table stops at A0V: B stars were cut).
4. The thin disc's star formation by age bin: local and surface rates of initial mass.
5. What scaling the 0–0.15 Gyr bin's local density would do (made stars reweighted, 150 pc).

usage: PYTHONPATH=$PWD/src python benchmarks/late_b_dwarfs.py [seed]  (default 1; one V < 8.5 sky,
≈ 17 s of CPU, cached in /tmp)."""

# ruff: noqa: E501  (a table of measured numbers: long f-strings)
import os
import sys

import numpy as np

import starmaker as sm
from starmaker.galaxy.components import THIN_DISK_BINS, ThinDisk
from starmaker.io.catalogues import hipparcos_spectral_types
from starmaker.place.frames import Z_SUN_PC
from starmaker.reports.validate import DWARF_TYPES, dwarf_census, dwarf_masks

seed = int(sys.argv[1]) if len(sys.argv) > 1 else 1
COLS = ("V", "B", "b", "distance", "mass_initial", "age", "phase", "log_Teff", "log_g")
path = f"/tmp/late_b_dwarfs_seed{seed}.npz"
if not os.path.exists(path):
    s = sm.MilkyWay().make("V<8.5", seed=seed)
    np.savez(path, **{c: np.asarray(s[c]).astype(str) if c == "phase" else np.asarray(s[c]) for c in COLS})
with np.load(path) as f:
    made = {c: f[c] for c in COLS}
stars = sm.Stars({c: made[c] for c in COLS if c != "phase"})
hip = sm.hipparcos()
sptype = hipparcos_spectral_types(hip["hip"])

print("1. V < 7.9, within R: made / Hipparcos 2 (made share younger than 0.15 Gyr)")
print("| R (pc) | " + " | ".join(t[0] for t in DWARF_TYPES) + " |")
print("|---|" + "---|" * len(DWARF_TYPES))
for r in (100, 150, 200, 300, 1000):
    c = dwarf_census(stars, hip, sptype, r_max=r)
    cells = [f"{c[f'n_made_{t[0]}']} / {c[f'n_real_{t[0]}']} = {c[f'n_made_{t[0]}'] / c[f'n_real_{t[0]}']:.2f} ({c[f'n_young_{t[0]}'] / max(c[f'n_made_{t[0]}'], 1):.2f})" for t in DWARF_TYPES]
    print(f"| {r} | " + " | ".join(cells) + " |")

print("\n2. B−V, V < 8.5 and M_V < 2 (from V and distance), within 150 pc: made / Hipparcos 2")
edges = [-0.20, -0.15, -0.10, -0.05, 0.0, 0.05, 0.10, 0.20, 0.30]
hist = {}
for name, s in (("made", made), ("real", hip)):
    v, d = np.asarray(s["V"], float), np.asarray(s["distance"], float)
    with np.errstate(invalid="ignore", divide="ignore"):
        k = (d < 150) & (v < 8.5) & (v - 5 * np.log10(d) + 5 < 2.0)
    hist[name] = np.histogram((np.asarray(s["B"], float) - v)[k], edges)[0]
for a, b, m, r in zip(edges[:-1], edges[1:], hist["made"], hist["real"], strict=True):
    print(f"  {a:+.2f}…{b:+.2f}: {m} / {r} = {m / r:.2f}")

print("\n3. Main-sequence midplane density (R < 150 pc, |z| < 20 pc) against Bovy 2017's PDMF")
d, b = made["distance"], np.radians(made["b"])
z, rr = d * np.sin(b) + Z_SUN_PC, d * np.cos(b)
m = made["mass_initial"]
k = (made["phase"] == "MS") & (rr < 150) & (np.abs(z) < 20)
vol = np.pi * 150.0**2 * 40.0
for lo, hi in ((1.6, 1.9), (1.9, 2.2), (2.2, 2.5), (2.5, 2.8), (2.8, 3.9), (3.9, 6.0)):
    n = int(np.sum(k & (m >= lo) & (m < hi)))
    bovy = 0.016 / 3.7 * (lo**-3.7 - hi**-3.7)
    print(f"  {lo}–{hi} M☉: made {n / vol:.2e} pc⁻³ (n = {n}), Bovy {bovy:.2e}: {n / vol / bovy:.2f} ± {np.sqrt(n) / vol / bovy:.2f}"
          + ("  (beyond Bovy's A0V)" if lo >= 2.4 else ""))

print("\n4. Thin disc by age bin (THIN_DISK_LOCAL_SCALE applied)")
disc = ThinDisk()
for key, p in enumerate(disc.populations):
    a0, a1 = THIN_DISK_BINS[key][:2]
    col = disc.column(key)
    rate = p.rho0_initial / (a1 - a0) * 1e9
    print(f"  {a0 / 1e9:.2f}–{a1 / 1e9:.2f} Gyr: ρ0 {p.rho0:.2e} M☉ pc⁻³ (initial {p.rho0_initial:.2e}), column {col:.0f} pc, "
          f"local rate {rate:.2e} M☉ pc⁻³ Gyr⁻¹, surface rate {rate * col:.2f} M☉ pc⁻² Gyr⁻¹")

print("\n5. The 0–0.15 Gyr bin's local density times f (made stars reweighted, 150 pc, V < 7.9)")
c = dwarf_census(stars, hip, sptype, r_max=150)
for f in (1.0, 0.5, 0.31):
    cells = [f"{t[0]} {(f * c[f'n_young_{t[0]}'] + c[f'n_made_{t[0]}'] - c[f'n_young_{t[0]}']) / c[f'n_real_{t[0]}']:.2f}" for t in DWARF_TYPES]
    print(f"  f = {f}: " + ", ".join(cells))

print("\n6. The layer: the step 1 stars within 300 pc by |z| from the Sun, made / Hipparcos per slab, and rms z")
edges = [0, 25, 50, 75, 100, 150, 300]
zmade = made["distance"] * np.sin(np.radians(made["b"]))
zreal = np.asarray(hip["distance"], float) * np.sin(np.radians(np.asarray(hip["b"], float)))
for name, (km, kr) in dwarf_masks(stars, hip, sptype, r_max=300.0).items():
    hm, hr = np.histogram(np.abs(zmade[km]), edges)[0], np.histogram(np.abs(zreal[kr]), edges)[0]
    cells = ", ".join(f"{a}–{b}: {x}/{y}" for a, b, x, y in zip(edges[:-1], edges[1:], hm, hr, strict=True))
    print(f"  {name}: {cells}; rms z {np.sqrt(np.mean(zmade[km] ** 2)):.0f} made, {np.sqrt(np.mean(zreal[kr] ** 2)):.0f} real")

"""Speed of the observer's sky: placing stars (apparent alt/az) and judging their visibility
(Schaefer's model) for one site and one instant, stars per second and peak memory.

    python benchmarks/bench_observer.py                # Hipparcos (117,955 stars) and 10^7 stars
    python benchmarks/bench_observer.py --n 1000000    # another size for the made sky

The made sky here is 10^7 stars spread uniformly over the sphere with V uniform in −1…12 (so
that two thirds are bright enough to be judged): what ``look`` costs does not depend on how the
stars were made, only on how many are up and brighter than V = 8.5. The issue's goals: < 0.2 s
for Hipparcos, < 5 s for 10^7 made stars. Timings are medians of ``--repeats`` calls after one
warm-up call (which loads the ephemeris and the catalogue).

Peers, side by side on the same Hipparcos stars and instant (positions only, no visibility):
skyfield's own vectorised ``Star`` → ``observe`` → ``apparent`` → ``altaz`` (the reference for
our rotation; it adds light-time, deflection and parallax), and astropy's ``SkyCoord`` →
``AltAz`` (ERFA), with IERS downloads off and skyfield-data's table as its Earth orientation.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time

import numpy as np


def _time(fn, repeats: int) -> list[float]:
    fn()  # warm-up: ephemeris, caches
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000_000, help="made stars (default 10^7)")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()

    import starmaker as sm

    site = sm.DEFAULT_SITE
    view = site.at("2026-12-10T21:30+09:00")
    cond = sm.conditions_for(site)
    hip = sm.hipparcos()
    t = _time(lambda: sm.look(hip, view, cond), args.repeats)
    n_vis = int(sm.look(hip, view, cond)["visible"].sum())
    med = statistics.median(t)
    print(f"Hipparcos: {len(hip):,} stars placed and judged in {med * 1e3:.0f} ms (median of {len(t)}), "
          f"{len(hip) / med / 1e6:.2f} M stars/s; {n_vis:,} visible (goal < 0.2 s)")

    # peers: the same stars, the same instant, positions only
    ours = _time(lambda: view.altaz(hip), args.repeats)
    print(f"  positions only: starmaker {statistics.median(ours) * 1e3:.0f} ms")
    from skyfield.api import Star

    from starmaker.observer import _data_folder, ephemeris

    star = Star(ra_hours=hip["ra"] / 15.0, dec_degrees=hip["dec"],
                ra_mas_per_year=np.nan_to_num(hip["pmra"]),
                dec_mas_per_year=np.nan_to_num(hip["pmdec"]), epoch=view.t.ts.J(1991.25))
    place = ephemeris()["earth"] + site._topos
    sf = _time(lambda: place.at(view.t).observe(star).apparent().altaz(pressure_mbar=site.pressure_mbar),
               args.repeats)
    print(f"  positions only: skyfield {statistics.median(sf) * 1e3:.0f} ms "
          f"({statistics.median(sf) / statistics.median(ours):.1f}x starmaker's time)")
    import warnings

    import astropy.units as u
    from astropy.coordinates import AltAz, EarthLocation, SkyCoord
    from astropy.time import Time
    from astropy.utils import iers

    iers.conf.auto_download = False
    iers.conf.auto_max_age = None
    iers.earth_orientation_table.set(iers.IERS_A.open(str(_data_folder() / "finals2000A.all")))
    loc = EarthLocation(lon=site.longitude_degrees * u.deg, lat=site.latitude_degrees * u.deg,
                        height=site.elevation_m * u.m)
    coords = SkyCoord(ra=hip["ra"] * u.deg, dec=hip["dec"] * u.deg)
    frame = AltAz(obstime=Time(view.datetime), location=loc, pressure=site.pressure_mbar * u.hPa,
                  temperature=10 * u.deg_C, relative_humidity=0.0, obswl=0.55 * u.um)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ap = _time(lambda: coords.transform_to(frame), args.repeats)
    print(f"  positions only: astropy {statistics.median(ap) * 1e3:.0f} ms "
          f"({statistics.median(ap) / statistics.median(ours):.1f}x starmaker's time; without proper motion)")

    rng = np.random.default_rng(1)
    n = args.n
    ra = rng.uniform(0.0, 360.0, n)
    dec = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, n)))
    V = rng.uniform(-1.0, 12.0, n)
    made = sm.Stars({"ra": ra, "dec": dec, "V": V}, {"epoch": "J2000.0"})
    t = _time(lambda: sm.look(made, view, cond), max(1, args.repeats // 2))
    med = statistics.median(t)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(f"made: {n:,} stars placed and judged in {med:.2f} s (median of {len(t)}), "
          f"{n / med / 1e6:.2f} M stars/s; peak RSS {peak:.2f} GB (goal < 5 s for 10^7)")


if __name__ == "__main__":
    main()

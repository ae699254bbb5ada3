"""Time the Milky Way's glow map (starmaker.galaxy.glow.glow_map): the populations' light tables
(once per process), then the map at nside 16 and 32 (no disk cache). Prints wall and CPU seconds."""

from __future__ import annotations

import time

from starmaker.galaxy.glow import glow_map


def _timed(label, fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    print(f"{label}: {time.perf_counter() - w:.2f} s wall, {time.process_time() - c:.2f} s CPU")
    return out


if __name__ == "__main__":
    _timed("light tables + nside 4 map", lambda: glow_map("V<6.5", nside=4, cache=False))
    for nside in (16, 32, 64):
        _timed(f"map nside {nside}", lambda nside=nside: glow_map("V<6.5", nside=nside, cache=False))
    _timed("map nside 32 from the disk cache (2nd call)",
           lambda: (glow_map("V<6.5", nside=32), glow_map("V<6.5", nside=32)))

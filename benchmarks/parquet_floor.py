"""The least a star can cost to write (issue 13's "≥ 1 M stars/s per core end to end"): encoding a
made sky's 41 columns into Parquet, in memory, with no making at all.

    NUMBA_NUM_THREADS=1 taskset -c 0 python benchmarks/parquet_floor.py [limit [first [count]]]

Makes nside-16 pixels ``first`` … ``first + count − 1`` (default 1800…1815, plane pixels) to the
limit (default G<16), then times ``to_arrow`` and ``pyarrow.parquet.write_table`` into memory with
the catalogue's settings (zstd), LZ4 (the HATS staging runs') and no compression: the best of 3,
CPU µs per star, and the bytes per star. A HATS catalogue writes every star twice (a staged run,
then its partition), so twice the encode is a floor under the end-to-end cost per star.
"""

import io
import sys
import time

import pyarrow.parquet as pq

from starmaker.galaxy.survey import make_pixels
from starmaker.io.parquet import PARQUET_OPTIONS, to_arrow

if __name__ == "__main__":
    limit = sys.argv[1] if len(sys.argv) > 1 else "G<16"
    first = int(sys.argv[2]) if len(sys.argv) > 2 else 1800
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 16
    stars = make_pixels(list(range(first, first + count)), limit, 1)
    n = len(stars)
    c = time.process_time()
    table = to_arrow(stars)
    print(f"{n:,} stars, {table.num_columns} columns, {table.nbytes / n:.0f} bytes a star in Arrow; "
          f"to_arrow {1e6 * (time.process_time() - c) / n:.3f} µs a star")
    for compression in ("zstd", "lz4", "none"):
        opts = {**PARQUET_OPTIONS, "compression": compression}
        best = float("inf")
        for _ in range(3):
            buf = io.BytesIO()
            c = time.process_time()
            pq.write_table(table, buf, **opts)
            best = min(best, time.process_time() - c)
        print(f"{compression}: encode {1e6 * best / n:.3f} µs a star, {buf.tell() / n:.1f} bytes a star")

"""Sizes that cannot fit in memory, refused up front with the limit in the message.

``starmaker make cluster --mass 1e99`` would ask NumPy for 10^99 stars; instead the request is
compared with this machine's memory before anything is drawn.

The budget per star: ``Cluster(mass=2e6, age="100Myr").make()`` (3.1 million stars) raised the
peak resident memory by 106 bytes a star over a 10^5 Msun cluster (``ru_maxrss``, Linux, NumPy
float64 columns); :data:`BYTES_PER_STAR` allows 256, so the limit is conservative by ~2.4x.
"""

from __future__ import annotations

import math
import os

from .errors import InvalidParameterError

__all__ = ["BYTES_PER_STAR", "memory_bytes", "max_stars", "check_star_count"]

#: peak memory a star costs while a population is made (bytes; measured 106, see above)
BYTES_PER_STAR = 256


def memory_bytes() -> int:
    """Physical memory of this machine in bytes (POSIX ``sysconf``; 16 GiB if unknown)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 16 * 2**30


def max_stars() -> int:
    """The most stars one population may have on this machine."""
    return memory_bytes() // BYTES_PER_STAR


def check_star_count(n: float, name: str, value: object, per_star: float = 1.0, unit: str = "") -> None:
    """Refuse ``n`` expected stars when they cannot fit in memory. ``value`` of parameter
    ``name`` asked for them; ``per_star`` (in ``unit``) converts the star limit back to that
    parameter's terms for the message (e.g. the IMF's mean mass, in Msun)."""
    limit = max_stars()
    if not (isinstance(n, int | float) and math.isfinite(n)) or n > limit:
        u = f" {unit}" if unit else ""
        raise InvalidParameterError(
            name, value,
            f"at most {limit * per_star:.3g}{u} on this machine (about {limit:.3g} stars in "
            f"{memory_bytes() / 2**30:.0f} GiB of memory at {BYTES_PER_STAR} bytes a star)",
        )

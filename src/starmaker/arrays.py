"""Arrays broadcast together for the Numba kernels.

``np.broadcast_arrays`` returns views that NumPy marks "warn on write" wherever it repeated an
input; NumPy 2.4.6 warns (``FutureWarning``) as soon as such a view's ``flags.writeable`` is read,
which Numba does for every array it is given. :func:`broadcast` gives the same values: an input
that already has the common shape is returned as it is, one that must be repeated is repeated
into a new, writeable array (what ``.ravel()`` of the repeated view made before).
"""

from __future__ import annotations

import numpy as np

__all__ = ["broadcast"]


def broadcast(*arrays) -> list[np.ndarray]:
    """The arrays at their common broadcast shape (``np.broadcast_arrays``' values)."""
    arrays = [np.asarray(a) for a in arrays]
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    return [a if a.shape == shape else np.array(np.broadcast_to(a, shape)) for a in arrays]

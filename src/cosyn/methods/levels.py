"""Classification of a value into labelled intervals ``(lower, upper]`` (METHOD.md §5)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["STAGE_EDGES", "STAGE_NAMES", "SYNERGY_EDGES", "SYNERGY_LEVELS", "classify"]

#: Upper edges of the synergy levels; ``U ≤ 0`` is the first level (METHOD.md §5).
SYNERGY_EDGES: tuple[float, ...] = (0.0, 0.3, 0.6, 0.9)
SYNERGY_LEVELS: tuple[str, ...] = ("non-synergy", "low", "moderate", "high", "extreme")
#: The paper's development stages with edges chosen to agree with its conclusions.
STAGE_EDGES: tuple[float, ...] = (0.0, 0.3, 0.5, 0.8)
STAGE_NAMES: tuple[str, ...] = (
    "not synergistic",
    "initial",
    "development",
    "expansion",
    "mature",
)


def classify(values: ArrayLike, edges: Sequence[float]) -> NDArray[np.intp]:
    """Index of the interval ``(edges[i-1], edges[i]]`` that holds each value.

    Values ``≤ edges[0]`` get 0, values in ``(edges[i-1], edges[i]]`` get ``i``, values
    above the last edge get ``len(edges)``. Intervals are closed on the right, as the
    level tables of METHOD.md §5 (``U = 0.3`` is "low", not "moderate").

    Parameters
    ----------
    values : array_like
        Values to classify; NaN is refused (a NaN synergy has no level).
    edges : sequence of float
        Strictly increasing, finite upper edges.

    Raises
    ------
    ValueError
        If a value is NaN (METHOD.md §8: a NaN never reaches the level or stage lookup;
        ``searchsorted`` would put it above the last edge, "extreme" / "mature"), or if
        the edges are not finite and strictly increasing. ``±inf`` values are ordered
        as numbers (below the first edge, above the last).
    """
    e = np.asarray(edges, dtype=float)
    if e.ndim != 1 or not np.all(np.isfinite(e)) or np.any(np.diff(e) <= 0):
        raise ValueError(f"edges must be finite and strictly increasing, got {list(edges)!r}")
    v = np.asarray(values, dtype=float)
    nan = np.isnan(v)
    if nan.any():
        where = tuple(int(i) for i in np.argwhere(nan)[0]) if v.ndim else ()
        raise ValueError(
            f"cannot classify NaN ({int(nan.sum())} NaN value(s), the first at index {where})"
        )
    return np.searchsorted(e, v, side="left")

"""Kernel density of a series across entities, per period, and its peaks.

pandas in, pandas out, around :mod:`cosyn.methods.density`: a Gaussian kernel with
Silverman's rule-of-thumb bandwidth by default (Silverman 1986, eq. 3.31), every period
on one common grid (for a ridgeline figure), and a table of the main peak's location and
height, the number of peaks and the width at half height per period.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

from cosyn.analysis.inequality import _Fields, _wide
from cosyn.errors import DataError, quote
from cosyn.methods import density as kernels

__all__ = ["KernelDensity", "kernel_density"]


@dataclass(frozen=True)
class KernelDensity(_Fields):
    """Densities on a common grid and their peaks (see :func:`kernel_density`).

    ``density``: DataFrame indexed by the grid (name ``x``), one column per period.
    ``peaks``: DataFrame indexed by period with columns ``bandwidth``, ``peak_location``,
    ``peak_height``, ``n_peaks``, ``width`` (full width at half height of the main peak).
    ``bandwidth_rule``: the rule or number asked for; ``threshold``: the relative height a
    local maximum needs to count as a peak.
    """

    density: pd.DataFrame
    peaks: pd.DataFrame
    bandwidth_rule: str | float
    threshold: float

    def __iter__(self) -> Iterator[pd.DataFrame]:
        """``density, peaks = kernel_density(...)``."""
        return iter((self.density, self.peaks))


def kernel_density(
    wide: pd.DataFrame | pd.Series,
    bandwidth: str | float = "silverman",
    *,
    points: int = 256,
    cut: float = 3.0,
    threshold: float = 0.05,
) -> KernelDensity:
    """Gaussian kernel density of the entities' values, per period, on one grid.

    ``f_t(x) = (1/(n h_t)) Σ_i φ((x − y_it)/h_t)`` with a bandwidth per period:
    ``"silverman"`` ``0.9·min(σ, IQR/1.34)·n^(−1/5)`` (default), ``"scott"``
    ``1.06·σ·n^(−1/5)``, or a number for every period (σ with ``ddof = 1``; details in
    :func:`cosyn.methods.density.bandwidth`). The grid has ``points`` equally spaced
    values from the smallest value of all periods minus ``cut`` × the largest bandwidth
    to the largest plus the same.

    Peaks (per period): the main peak is the grid point of greatest density; the number
    of peaks counts the local maxima at least ``threshold`` (5%) as high as the main
    peak; the width is the full width at half height of the main peak, by linear
    interpolation between grid points.

    Parameters
    ----------
    wide : DataFrame or Series
        Entities × periods (a Series is one period), at least 2 entities, no missing
        values.
    bandwidth : {"silverman", "scott"} or float
    points : int, default 256
    cut : float, default 3
    threshold : float, default 0.05

    Returns
    -------
    KernelDensity
        Also unpacks as ``density, peaks = kernel_density(wide)``.

    Raises
    ------
    DataError
        A missing value (entity and period named), fewer than 2 entities, a period whose
        values are all equal (no spread for a bandwidth rule; give a number), or a bad
        bandwidth.
    """
    what = "kernel_density"
    frame, _ = _wide(wide, what)
    if frame.shape[0] < 2:
        raise DataError(f"{what}: a density needs at least 2 entities, got {frame.shape[0]}")
    if not 0 <= threshold < 1:
        raise DataError(f"{what}: threshold must be in [0, 1), got {threshold!r}")
    if isinstance(bandwidth, str) and bandwidth not in kernels.BANDWIDTHS:
        raise DataError(
            f"{what}: unknown bandwidth {bandwidth!r}; use one of "
            f"{', '.join(kernels.BANDWIDTHS)} or a number > 0"
        )
    a = frame.to_numpy()
    if isinstance(bandwidth, str):
        flat = (a.max(axis=0) == a.min(axis=0)).nonzero()[0]
        if len(flat):
            raise DataError(
                f"{what}: every value in period {quote(frame.columns[flat[0]])} is the same: "
                f"the {bandwidth} rule has no spread to work with; give a number as the "
                "bandwidth"
            )
    try:
        grid, f, h = kernels.kde_grid(a, bandwidth, points=points, cut=cut)
    except ValueError as exc:
        raise DataError(f"{what}: {exc}") from None
    peaks = kernels.density_peaks(grid, f, threshold)
    density = pd.DataFrame(f, index=pd.Index(grid, name="x"), columns=frame.columns)
    table = pd.DataFrame(
        {
            "bandwidth": h,
            "peak_location": peaks.location,
            "peak_height": peaks.height,
            "n_peaks": peaks.count,
            "width": peaks.width,
        },
        index=frame.columns,
    )
    return KernelDensity(
        density=density, peaks=table, bandwidth_rule=bandwidth, threshold=threshold
    )

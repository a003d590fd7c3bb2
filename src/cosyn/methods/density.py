"""Shape of a distribution: Gaussian kernel density per period and its peaks.

Pure NumPy kernels; values entity axis first, ``y`` of shape ``(n,)`` or ``(n, T)``.
Every period is estimated with its own bandwidth on one common grid, so the curves of a
ridgeline figure line up.

References
----------
Silverman B. W. (1986). *Density Estimation for Statistics and Data Analysis*. London:
Chapman & Hall, eq. (3.31): ``h = 0.9 · min(σ, IQR/1.34) · n^(−1/5)``.

Scott D. W. (1992). *Multivariate Density Estimation*. New York: Wiley, the normal
reference rule ``h = 1.06 · σ · n^(−1/5)`` (σ the sample standard deviation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["BANDWIDTHS", "Peaks", "bandwidth", "density_peaks", "kde", "kde_grid"]

BANDWIDTHS: tuple[str, ...] = ("silverman", "scott")

#: Entries of ``grid points × entities`` evaluated at once (memory ≈ 8 bytes each).
_CHUNK = 2_000_000


def _panel(y: ArrayLike) -> tuple[NDArray[np.float64], bool]:
    a = np.asarray(y, dtype=float)
    if a.ndim not in (1, 2):
        raise ValueError(f"values must have shape (n,) or (n, T), got {a.shape}")
    single = a.ndim == 1
    a = a[:, None] if single else a
    if a.shape[0] < 2:
        raise ValueError(f"a kernel density needs at least 2 entities, got {a.shape[0]}")
    bad = ~np.isfinite(a)
    if bad.any():
        i, t = np.argwhere(bad)[0]
        raise ValueError(f"value of entity {i} in period {t} is not finite")
    return a.T, single


def bandwidth(y: ArrayLike, method: str | float = "silverman") -> NDArray[np.float64]:
    """Bandwidth of a Gaussian kernel per period.

    ``"silverman"`` (default): ``0.9 · min(σ, IQR/1.34) · n^(−1/5)`` (Silverman 1986,
    eq. 3.31; R's ``bw.nrd0``, Stata's ``kdensity`` default up to its 1.349); when the
    IQR is 0 but σ is not, ``σ`` alone is used (as ``bw.nrd0`` does).
    ``"scott"``: ``1.06 · σ · n^(−1/5)`` (Scott 1992's normal reference rule).
    A positive number is used as the bandwidth of every period.

    σ is the sample standard deviation (``ddof = 1``) and the IQR the difference of the
    75th and 25th percentiles by linear interpolation (NumPy's default, R's type 7).

    Note the names in :class:`scipy.stats.gaussian_kde` differ: its ``"scott"`` factor
    is ``n^(−1/5)`` (``h = σ·n^(−1/5)``) and its ``"silverman"`` factor
    ``(3n/4)^(−1/5)`` (``h ≈ 1.06·σ·n^(−1/5)``); neither is Silverman's rule above. To
    reproduce ``h`` with SciPy, pass ``bw_method = h / σ``.

    Parameters
    ----------
    y : array_like, shape (n,) or (n, T)
    method : {"silverman", "scott"} or float

    Returns
    -------
    ndarray
        Shape ``(T,)`` (a scalar array for one period).

    Raises
    ------
    ValueError
        For an unknown method, a number ≤ 0, or a period whose values are all equal
        (no spread: a rule gives h = 0).
    """
    a, single = _panel(y)
    h = _bandwidth(a, method)
    return h[0] if single else h


def _bandwidth(a: NDArray[np.float64], method: str | float) -> NDArray[np.float64]:
    T, n = a.shape
    if isinstance(method, str):
        if method not in BANDWIDTHS:
            raise ValueError(f"unknown bandwidth {method!r}; use one of {BANDWIDTHS} or a number")
        sd = a.std(axis=1, ddof=1)
        if method == "silverman":
            q75, q25 = np.percentile(a, [75, 25], axis=1)
            iqr = (q75 - q25) / 1.34
            spread = np.where(iqr > 0, np.minimum(sd, iqr), sd)
            h = 0.9 * spread * n ** (-0.2)
        else:
            h = 1.06 * sd * n ** (-0.2)
        if (h <= 0).any():
            t = int(np.flatnonzero(h <= 0)[0])
            raise ValueError(
                f"every value in period {t} is the same: a density has no spread to estimate"
            )
        return h
    h_value = float(method)
    if not (np.isfinite(h_value) and h_value > 0):
        raise ValueError(f"a bandwidth must be a number > 0, got {method!r}")
    return np.full(T, h_value)


def kde(y: ArrayLike, points: ArrayLike, h: ArrayLike) -> NDArray[np.float64]:
    """Gaussian kernel density of each period at the given points.

    ``f_t(x) = (1 / (n h_t)) Σ_i φ((x − y_it) / h_t)``, ``φ`` the standard normal density.

    Parameters
    ----------
    y : array_like, shape (n,) or (n, T)
    points : array_like, shape (m,)
    h : array_like, shape () or (T,)
        Bandwidth per period, > 0.

    Returns
    -------
    ndarray
        Shape ``(m, T)`` (``(m,)`` for one period).
    """
    a, single = _panel(y)
    x = np.asarray(points, dtype=float).ravel()
    hh = np.broadcast_to(np.asarray(h, dtype=float), (a.shape[0],))
    if not (hh > 0).all():
        raise ValueError("bandwidths must be > 0")
    T, n = a.shape
    out = np.empty((x.size, T))
    step = max(1, _CHUNK // max(1, x.size * n))
    for start in range(0, T, step):  # chunks of periods keep memory bounded
        sl = slice(start, start + step)
        z = (x[None, :, None] - a[sl, None, :]) / hh[sl, None, None]  # (t, m, n)
        f = np.exp(-0.5 * z * z).sum(axis=2) / (n * hh[sl, None] * np.sqrt(2 * np.pi))
        out[:, sl] = f.T
    return out[:, 0] if single else out


def kde_grid(
    y: ArrayLike, method: str | float = "silverman", points: int = 256, cut: float = 3.0
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Densities of every period on one common grid.

    The grid has ``points`` equally spaced values from ``min(y) − cut·max(h)`` to
    ``max(y) + cut·max(h)``, minimum and maximum over all periods, so every curve reaches
    (nearly) zero at both ends.

    Returns
    -------
    grid : ndarray, shape (points,)
    density : ndarray, shape (points, T) (``(points,)`` for one period)
    h : ndarray, shape (T,) (scalar for one period)
    """
    a, single = _panel(y)
    if points < 3:
        raise ValueError(f"points must be ≥ 3, got {points}")
    h = _bandwidth(a, method)
    lo = a.min() - cut * h.max()
    hi = a.max() + cut * h.max()
    grid = np.linspace(lo, hi, points)
    f = kde(a.T, grid, h)
    if single:
        return grid, f[:, 0], h[0]
    return grid, f, h


@dataclass(frozen=True)
class Peaks:
    """Peaks of densities on a grid, one entry per period (see :func:`density_peaks`)."""

    location: NDArray[np.float64]
    height: NDArray[np.float64]
    count: NDArray[np.int64]
    width: NDArray[np.float64]


def density_peaks(grid: ArrayLike, density: ArrayLike, threshold: float = 0.05) -> Peaks:
    """Main peak, number of peaks and width at half height of densities on a grid.

    - Main peak: the grid point of greatest density (the first, if several tie); its
      location and height are those of the grid (resolution ``grid[1] − grid[0]``).
    - Number of peaks: grid points that are local maxima (``f[i−1] < f[i] ≥ f[i+1]``; a
      flat top counts once) with height ≥ ``threshold`` × the main peak's height
      (default 5%, so a bump of noise in a tail is not counted).
    - Width: full width at half maximum of the main peak — the length of the connected
      run of the curve at or above half the main height that contains the main peak, its
      ends found by linear interpolation between grid points. A second peak that does not
      dip below half height is inside that run.

    Parameters
    ----------
    grid : array_like, shape (m,), increasing
    density : array_like, shape (m,) or (m, T)
    threshold : float, default 0.05

    Returns
    -------
    Peaks
        Arrays of shape ``(T,)`` (scalars for one curve).
    """
    x = np.asarray(grid, dtype=float)
    f = np.asarray(density, dtype=float)
    single = f.ndim == 1
    f = (f[:, None] if single else f).T  # (T, m)
    T, m = f.shape
    if x.shape != (m,) or m < 3:
        raise ValueError(f"grid {x.shape} and density {f.shape[::-1]} do not match")
    main = f.argmax(axis=1)
    rows = np.arange(T)
    height = f[rows, main]
    location = x[main]
    # local maxima: rising into i, not rising out of it; ends count when the curve falls
    # away from them (padding with -inf)
    pad = np.concatenate([np.full((T, 1), -np.inf), f, np.full((T, 1), -np.inf)], axis=1)
    is_peak = (pad[:, 1:-1] > pad[:, :-2]) & (pad[:, 1:-1] >= pad[:, 2:])
    count = (is_peak & (f >= threshold * height[:, None])).sum(axis=1)

    half = height / 2
    above = f >= half[:, None]
    idx = np.arange(m)
    # last grid point below half height left of the main peak, first one right of it
    left_below = np.where(~above & (idx[None, :] < main[:, None]), idx[None, :], -1).max(axis=1)
    right_below = np.where(~above & (idx[None, :] > main[:, None]), idx[None, :], m).min(axis=1)

    def crossing(i0: NDArray[np.intp], i1: NDArray[np.intp]) -> NDArray[np.float64]:
        f0, f1 = f[rows, i0], f[rows, i1]
        with np.errstate(divide="ignore", invalid="ignore"):  # rows not ``ok`` are dropped
            return x[i0] + (half - f0) / (f1 - f0) * (x[i1] - x[i0])

    ok = (left_below >= 0) & (right_below < m)
    li = np.clip(left_below, 0, m - 2)
    ri = np.clip(right_below, 1, m - 1)
    width = np.where(ok, crossing(ri - 1, ri) - crossing(li, li + 1), np.nan)
    out = Peaks(location=location, height=height, count=count, width=width)
    if single:
        return Peaks(
            location=out.location[0], height=out.height[0], count=out.count[0], width=out.width[0]
        )
    return out

"""Filling missing values in indicator series (METHOD.md §0)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "IMPUTATIONS",
    "impute_linear",
    "impute_regression",
    "observed_counts",
    "outside_observed",
]

IMPUTATIONS: tuple[str, ...] = ("regression", "linear", "none")


def observed_counts(x: ArrayLike) -> NDArray[np.intp]:
    """Number of observed (non-NaN) points of each series along the period axis (-2)."""
    return np.asarray((~np.isnan(np.asarray(x, dtype=float))).sum(axis=-2))


def outside_observed(missing: ArrayLike) -> NDArray[np.bool_]:
    """Missing cells before the first or after the last observed point of their series.

    Filling them is an extrapolation (METHOD.md §8: noted per entity), not an
    interpolation between two observed neighbours.

    Parameters
    ----------
    missing : array_like of bool, shape (..., T, m)
        True where a value is missing; series along axis -2.

    Returns
    -------
    ndarray of bool, same shape
        True where a cell is missing with no observed point before it, or none after it.
    """
    miss = np.asarray(missing, dtype=bool)
    observed = ~miss
    seen = np.maximum.accumulate(observed, axis=-2)  # observed at or before t
    ahead = np.flip(np.maximum.accumulate(np.flip(observed, axis=-2), axis=-2), axis=-2)
    return np.asarray(miss & ~(seen & ahead))


def _check(x: ArrayLike, t: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    arr = np.asarray(x, dtype=float)
    tt = np.asarray(t, dtype=float)
    if tt.shape != (arr.shape[-2],):
        raise ValueError(f"t must have shape ({arr.shape[-2]},), got {tt.shape}")
    if np.any(observed_counts(arr) < 2):
        raise ValueError("every series needs at least 2 observed points")
    return arr, tt


def impute_regression(x: ArrayLike, t: ArrayLike) -> NDArray[np.float64]:
    """Fill each missing value with the OLS line ``x = a + b·t`` of its series.

    The line is fitted per series (along axis -2) on its observed points only and used
    for every missing period, inside and outside the observed range (the paper's
    "simple regression method", Zhang 2023 §3.2; METHOD.md §0).

    .. math::

        b = \\frac{n Σ t x − Σ t Σ x}{n Σ t^2 − (Σ t)^2},\\qquad a = (Σ x − b Σ t)/n

    Parameters
    ----------
    x : array_like, shape (..., T, m)
        Series with NaN for missing values; each needs ≥ 2 observed points.
    t : array_like, shape (T,)
        Position of each period on the time axis (the period values when numeric).

    Returns
    -------
    ndarray
        A copy of ``x`` with every NaN replaced; observed values are unchanged.

    Notes
    -----
    Each series is fitted on its values divided by a power of two near its largest
    ``|x|`` and the line scaled back, so data near ±1e308 are filled right; only a filled
    value that is itself beyond the largest double comes out as ``±inf`` (callers check:
    :func:`cosyn.fit` refuses it with a message).
    """
    arr, tt = _check(x, t)
    obs = ~np.isnan(arr)
    tcol = tt[:, None]
    tc = tcol - tt.mean()  # centring keeps the normal equations well conditioned
    # Each series divided by a power of two near its largest |x| (exact): the sums of the
    # normal equations cannot overflow, whatever the magnitude of the data.
    scale = _power_of_two_scale(np.where(obs, np.abs(arr), 0.0).max(axis=-2, keepdims=True))
    xo = np.where(obs, arr / scale, 0.0)
    n = obs.sum(axis=-2)
    st = (obs * tc).sum(axis=-2)
    sx = xo.sum(axis=-2)
    stt = (obs * tc * tc).sum(axis=-2)
    stx = (xo * tc).sum(axis=-2)
    b = (n * stx - st * sx) / (n * stt - st * st)
    a = (sx - b * st) / n
    fitted = (a[..., None, :] + b[..., None, :] * tc) * scale
    return np.asarray(np.where(obs, arr, fitted), dtype=float)


def _power_of_two_scale(m: NDArray[np.float64]) -> NDArray[np.float64]:
    """``2^(e−1)`` for ``m = f·2^e`` (``0.5 ≤ f < 1``): at most ``m``, more than ``m/4``;
    1 where ``m`` is 0. Dividing by it is exact (no rounding)."""
    _, exponent = np.frexp(m)
    return np.where(m > 0, np.ldexp(1.0, exponent - 1), 1.0)


def impute_linear(x: ArrayLike, t: ArrayLike) -> NDArray[np.float64]:
    """Fill missing values by linear interpolation in ``t``, nearest value outside.

    Inside the observed range each gap is interpolated between its two observed
    neighbours; before the first (after the last) observed point the first (last)
    observed value is carried (METHOD.md §0, ``impute = "linear"``).

    Parameters
    ----------
    x : array_like, shape (..., T, m)
    t : array_like, shape (T,)

    Returns
    -------
    ndarray
        A copy of ``x`` with every NaN replaced.
    """
    arr, tt = _check(x, t)
    T = arr.shape[-2]
    obs = ~np.isnan(arr)
    pos = np.arange(T)[:, None]
    prev = np.maximum.accumulate(np.where(obs, pos, -1), axis=-2)
    nxt = np.flip(np.minimum.accumulate(np.flip(np.where(obs, pos, T), axis=-2), axis=-2), axis=-2)
    has_prev = prev >= 0
    has_next = nxt < T
    prev_i = np.where(has_prev, prev, nxt)
    next_i = np.where(has_next, nxt, prev)
    x_prev = np.take_along_axis(arr, prev_i, axis=-2)
    x_next = np.take_along_axis(arr, next_i, axis=-2)
    t_prev = tt[prev_i]
    t_next = tt[next_i]
    span = np.where(t_next > t_prev, t_next - t_prev, 1.0)
    frac = np.where(t_next > t_prev, (tt[:, None] - t_prev) / span, 0.0)
    filled = x_prev + (x_next - x_prev) * frac
    return np.asarray(np.where(obs, arr, filled), dtype=float)

"""Order degree of an order parameter by the efficacy coefficient (METHOD.md §1)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["efficacy", "widen", "widened_bounds"]

Axis = int | tuple[int, ...]


def widened_bounds(
    x: ArrayLike, margin: float = 0.1, axis: Axis = 0
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Lower and upper limits of an order parameter, widened by a margin.

    ``upper = max + a·|max|`` and ``lower = min − a·|min|`` over ``axis`` (kept as
    length-1 dimensions so the result broadcasts against ``x``). For positive data this is
    the paper's ``max·(1+a)`` and ``min·(1−a)`` (Zhang 2023, §3.1); the absolute value
    keeps ``lower ≤ min`` and ``upper ≥ max`` for negative values too.

    Parameters
    ----------
    x : array_like
        Raw values, no NaN.
    margin : float
        The widening ``a ≥ 0`` (the paper's α).
    axis : int or tuple of int
        Axis or axes over which min and max are taken.
    """
    arr = np.asarray(x, dtype=float)
    return widen(arr.min(axis=axis, keepdims=True), arr.max(axis=axis, keepdims=True), margin)


def widen(
    lo: ArrayLike, hi: ArrayLike, margin: float = 0.1
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The observed range ``[lo, hi]`` widened by a margin: ``lo − a·|lo|``, ``hi + a·|hi|``.

    Parameters
    ----------
    lo, hi : array_like
        Observed minimum and maximum of each series.
    margin : float
        ``a``, finite and ``≥ 0``.

    Notes
    -----
    Finite inputs can widen past the largest double (``1.7e308·(1 + a)``): the result is
    then ``±inf``, without a warning; callers check (:func:`cosyn.fit` names the cell).
    """
    if not np.isfinite(margin) or margin < 0:
        raise ValueError(f"margin must be finite and >= 0, got {margin!r}")
    lo_arr = np.asarray(lo, dtype=float)
    hi_arr = np.asarray(hi, dtype=float)
    with np.errstate(over="ignore"):
        return lo_arr - margin * np.abs(lo_arr), hi_arr + margin * np.abs(hi_arr)


def efficacy(
    x: ArrayLike,
    positive: ArrayLike = True,
    margin: float = 0.1,
    axis: Axis = 0,
    *,
    lower: ArrayLike | None = None,
    upper: ArrayLike | None = None,
    clip: bool | None = None,
    out: NDArray[np.float64] | None = None,
    data_max: ArrayLike | None = None,
) -> NDArray[np.float64]:
    """Order degree ``u ∈ [0, 1]`` of each value by the efficacy coefficient.

    .. math::

        u = (x − lower) / (upper − lower)   \\text{(positive indicator)}

        u = (upper − x) / (upper − lower)   \\text{(negative indicator)}

    with bounds from :func:`widened_bounds` over ``axis`` (METHOD.md §1; Meng & Han's
    composite system synergy model as used by Zhang 2023, eq. 1).

    Parameters
    ----------
    x : array_like
        Raw values; indicators on the last axis.
    positive : bool or array_like of bool
        Direction of each indicator, broadcast against the last axis (True: larger is
        better).
    margin : float
        Widening of the observed range, ``a`` in METHOD.md.
    axis : int or tuple of int
        Axis or axes over which the bounds are taken (e.g. the period axis for bounds per
        entity, the entity and period axes for bounds over the panel).
    lower, upper : array_like, optional
        Explicit bounds, broadcast against ``x``; they replace the widened observed ones
        (no margin is applied to them).
    clip : bool, optional
        Clip ``u`` to [0, 1] (values outside explicit bounds). Default: True when
        ``lower`` or ``upper`` is given; bounds from the data need no clipping.
    out : ndarray, optional
        Array of the shape of ``x`` to write ``u`` into (no new array is made).
    data_max : array_like, optional
        The largest value of ``x`` in the scope of the bounds (shaped as ``upper``), when
        the caller has it: where no value of a negative indicator reaches its upper bound,
        the pass that makes a zero ``u`` positive (``+0.0``) is skipped.

    Returns
    -------
    ndarray
        ``u`` with the shape of ``x``.

    Raises
    ------
    ValueError
        If ``upper == lower`` anywhere (a series constant at 0, or any constant series
        with ``margin = 0``): ``u`` is undefined there; or if ``upper − lower`` is not
        finite (bounds near ±1.8e308 overflow).

    Notes
    -----
    Both forms round exactly as the formula, so ``u`` from data bounds lies in [0, 1]
    without clipping, flipping the direction
    maps ``u`` to ``1 − u`` (up to rounding), and multiplying an indicator by a positive
    constant leaves ``u`` unchanged (bounds scale with the data).
    """
    arr = np.asarray(x, dtype=float)
    if clip is None:
        clip = lower is not None or upper is not None
    if lower is None or upper is None:
        top = arr.max(axis=axis, keepdims=True)
        lo, hi = widen(arr.min(axis=axis, keepdims=True), top, margin)
        data_max = top
    if lower is not None:
        lo = np.asarray(lower, dtype=float)
    if upper is not None:
        hi = np.asarray(upper, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        span = hi - lo
    if not np.all(span > 0):  # NaN bounds fail here too
        raise ValueError("upper bound equals lower bound for some indicator: u is undefined")
    if not np.all(np.isfinite(span)):
        raise ValueError("upper − lower is not finite (the bounds overflow): rescale the data")
    pos = np.asarray(positive, dtype=bool)
    # (x − lower)/span, or (x − upper)/(−span) = (upper − x)/span: a negation is exact and
    # rounding is symmetric in sign, so each is exactly as the formula rounds it.
    u = np.subtract(arr, np.where(pos, lo, hi), out=out)
    u /= np.where(pos, span, -span)
    if clip:
        np.clip(u, 0.0, 1.0, out=u)
    # x = upper on a negative indicator gives (+0.0)/(−span) = −0.0: u is +0.0 there.
    if not pos.all() and (data_max is None or np.any(~pos & (np.asarray(data_max) >= hi))):
        u += 0.0
    return u

"""Obstacle degree: which indicators hold the composite system back (METHOD.md §7).

Factor contribution ``F_i = W_j·φ_i`` (subsystem weight times indicator weight, computed
by the caller), indicator deviation ``I_i = 1 − u_i`` (how far the order degree is from
its upper bound), obstacle degree ``O_i = F_i·I_i / Σ_m F_m·I_m`` — the share of the total
weighted shortfall that indicator ``i`` accounts for, per entity and period.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["obstacle_degree", "obstacle_terms", "top_obstacles"]


def obstacle_degree(u: ArrayLike, factor_weights: ArrayLike) -> NDArray[np.float64]:
    """Obstacle degree of every indicator: its share of the weighted shortfall.

    .. math::

        I_i = 1 − u_i, \\qquad O_i = \\frac{F_i \\, I_i}{\\sum_{m} F_m \\, I_m}

    (METHOD.md §7; ``F_i = W_j φ_i`` is the factor contribution, ``W_j`` the weight of
    indicator ``i``'s subsystem and ``φ_i`` its weight within the subsystem.)

    Parameters
    ----------
    u : array_like, shape (..., m)
        Order degrees ``u ∈ [0, 1]`` of the ``m`` indicators (all subsystems together) on
        the last axis; leading axes (entity, period…) are computed at once.
    factor_weights : array_like, shape (m,) or broadcastable to (..., m)
        Factor contributions ``F ≥ 0``, finite. Only their ratios matter: multiplying
        every ``F`` by the same positive constant leaves ``O`` unchanged.

    Returns
    -------
    ndarray, shape of ``u`` broadcast against ``factor_weights``
        Shares ``O_i ∈ [0, 1]`` that sum to 1 over the last axis — except where
        ``Σ F·I = 0``, see Notes.

    Raises
    ------
    ValueError
        ``u`` outside [0, 1] or NaN; ``factor_weights`` negative or not finite; the two
        disagree on ``m`` or do not broadcast.

    Notes
    -----
    Convention: where ``Σ_m F_m·I_m = 0`` — every indicator at its upper bound
    (``u = 1``), or every shortfall on an indicator of weight 0 — nothing holds the system
    back, and every share is 0 (not NaN, and no division warning). So the shares sum to 1
    except in exactly that case, where they sum to 0.
    """
    return obstacle_terms(u, factor_weights)[1]


def obstacle_terms(
    u: ArrayLike, factor_weights: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Unscaled obstacle terms ``F_i·I_i`` and the shares ``O_i``.

    .. math::

        F_i I_i = F_i (1 − u_i), \\qquad O_i = \\frac{F_i I_i}{\\sum_m F_m I_m}

    Some published work reports the unscaled product ``F·I`` (the weighted shortfall of
    each indicator, comparable across periods: it shrinks as the system develops), others
    the share ``O`` (which sums to 1 in every entity and period); METHOD.md §8 asks for
    both. Parameters, errors and the ``Σ F·I = 0`` convention as :func:`obstacle_degree`.

    Returns
    -------
    FI, O : ndarray, shape of ``u`` broadcast against ``factor_weights``
        ``F·I ≥ 0`` and the shares ``O ∈ [0, 1]``.
    """
    uu = np.asarray(u, dtype=float)
    f = np.asarray(factor_weights, dtype=float)
    if uu.ndim == 0 or f.ndim == 0:
        raise ValueError(
            f"obstacle_degree needs u of shape (..., m) and factor weights of shape (m,), "
            f"got shapes {uu.shape} and {f.shape}"
        )
    if uu.shape[-1] != f.shape[-1]:
        raise ValueError(
            f"u has {uu.shape[-1]} indicators on its last axis, factor_weights has "
            f"{f.shape[-1]}; give one factor weight per indicator"
        )
    try:
        np.broadcast_shapes(uu.shape, f.shape)
    except ValueError:
        raise ValueError(
            f"factor_weights of shape {f.shape} do not broadcast against u of shape {uu.shape}"
        ) from None
    bad = ~((uu >= 0.0) & (uu <= 1.0))  # NaN fails both comparisons
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"order degrees u must be in [0, 1] (no NaN); got {float(uu[where])!r} at index {where}"
        )
    if not np.all(np.isfinite(f)) or np.any(f < 0):
        raise ValueError("factor_weights must be finite and non-negative")
    weighted = f * (1.0 - uu)  # F·I, shape of the broadcast
    total = weighted.sum(axis=-1, keepdims=True)
    out = np.divide(weighted, total, out=np.zeros_like(weighted), where=total > 0)
    return np.asarray(weighted, dtype=float), np.asarray(out, dtype=float)


def top_obstacles(shares: ArrayLike, n: int) -> NDArray[np.intp]:
    """Indices of the ``n`` largest obstacle degrees, largest first.

    Parameters
    ----------
    shares : array_like, shape (..., m)
        Obstacle degrees (any finite scores) on the last axis.
    n : int
        How many to list, ``n ≥ 0``; clipped to ``m``.

    Returns
    -------
    ndarray of int, shape (..., min(n, m))
        Indices into the last axis, in descending order of share. Pair them with the
        shares by ``numpy.take_along_axis(shares, idx, axis=-1)``.

    Notes
    -----
    Ties are broken by the lower index first (a stable sort on the negated shares), so
    the order is reproducible; ``0.0`` and ``−0.0`` count as equal.
    """
    s = np.asarray(shares, dtype=float)
    if s.ndim == 0:
        raise ValueError(f"top_obstacles needs shares of shape (..., m), got shape {s.shape}")
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n!r}")
    if not np.all(np.isfinite(s)):
        raise ValueError("shares must be finite (no NaN or inf)")
    keep = min(int(n), s.shape[-1])
    order = np.argsort(-s, axis=-1, kind="stable")
    return np.asarray(order[..., :keep], dtype=np.intp)

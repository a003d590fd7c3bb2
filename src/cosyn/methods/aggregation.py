"""Order degree of a subsystem from its order parameters (METHOD.md §3)."""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["AGGREGATIONS", "subsystem_order"]

Aggregation = Literal["weighted_sum", "geometric", "weighted_geometric"]
AGGREGATIONS: tuple[str, ...] = ("weighted_sum", "geometric", "weighted_geometric")


def subsystem_order(
    u: ArrayLike,
    weights: ArrayLike,
    membership: ArrayLike,
    aggregation: Aggregation = "weighted_sum",
    active: ArrayLike | None = None,
) -> NDArray[np.float64]:
    """Order degree ``μ_j`` of every subsystem.

    .. math::

        \\text{weighted\\_sum:}\\quad μ_j = \\sum_{i∈j} φ_i u_i \\qquad
        \\text{geometric:}\\quad μ_j = (\\prod_{i∈j} u_i)^{1/n_j} \\qquad
        \\text{weighted\\_geometric:}\\quad μ_j = \\prod_{i∈j} u_i^{φ_i}

    (Zhang 2023, eq. 2; METHOD.md §3.)

    Parameters
    ----------
    u : array_like, shape (..., T, m)
        Order degrees of the ``m`` order parameters.
    weights : array_like, shape (..., m)
        Weights φ, summing to 1 within each subsystem (broadcast over the period axis).
    membership : array_like of bool, shape (m, k)
        ``membership[i, j]`` is True when indicator ``i`` belongs to subsystem ``j``; each
        indicator belongs to exactly one subsystem.
    aggregation : {"weighted_sum", "geometric", "weighted_geometric"}
    active : array_like of bool, shape (..., m), optional
        The order parameters in use (broadcast over the period axis). An inactive one — an
        indicator that ``on_constant = "drop"`` left out for an entity, whose ``u`` is
        undefined (NaN) — is left out of its subsystem under every aggregation: its ``u``
        is ignored, its weight taken as 0, and ``geometric`` takes the mean over the
        ``n_j`` active indicators only. The weights of the active ones must sum to 1
        (:func:`~cosyn.methods.weights.normalize_weights` with ``active``). Each
        subsystem needs at least one active indicator in every row.

    Returns
    -------
    ndarray, shape (..., T, k)

    Notes
    -----
    The weighted sum is clipped to [0, 1]: with u = 1 everywhere it equals Σφ, which
    rounding can put one ulp above 1. In the geometric forms ``0^0 = 1``: an indicator
    with weight 0 does not pull ``μ`` to 0 even where its ``u`` is 0; ``u = 0`` with a
    positive weight gives ``μ = 0``.
    """
    uu = np.asarray(u, dtype=float)
    w = np.asarray(weights, dtype=float)[..., None, :]  # (..., 1, m)
    mem = np.asarray(membership, dtype=float)
    if active is not None:
        act = np.asarray(active, dtype=bool)[..., None, :]  # (..., 1, m)
        if np.any((act.astype(float) @ mem) == 0):
            raise ValueError("every subsystem needs at least one active indicator")
        # 0 for the left-out u with weight 0: no term in Σφu, and 0^0 = 1 in Π u^φ.
        uu = np.where(act, uu, 0.0)
        w = np.where(act, w, 0.0)
        if aggregation == "geometric":
            # 1/n_j over the active indicators of each subsystem, row by row
            per_subsystem = 1.0 / (act.astype(float) @ mem)  # (..., 1, k)
            equal = np.where(act, per_subsystem @ mem.T, 0.0)
            return _weighted_geometric(uu, equal, mem)
    if aggregation == "weighted_sum":
        out = np.empty((*np.broadcast_shapes(uu.shape[:-1], w.shape[:-1]), mem.shape[1]))
        for j in range(mem.shape[1]):  # per subsystem: u[..., members] @ φ[..., members]
            members = _members(mem[:, j])
            out[..., j] = _weighted_sum(uu[..., members], w[..., 0, members])
        # Weights sum to 1 only up to rounding: Σφ·1 can be 1 + 2⁻⁵²; μ stays in [0, 1].
        return np.clip(out, 0.0, 1.0, out=out)
    if aggregation == "geometric":
        equal = (mem / mem.sum(axis=0)).sum(axis=1)  # 1/n_j for each indicator of j
        return _weighted_geometric(uu, np.broadcast_to(equal, w.shape), mem)
    if aggregation == "weighted_geometric":
        return _weighted_geometric(uu, w, mem)
    raise ValueError(f"aggregation must be one of {AGGREGATIONS}, got {aggregation!r}")


def _weighted_sum(u: NDArray[np.float64], w: NDArray[np.float64]) -> NDArray[np.float64]:
    """``u @ w`` over the last axis: ``u`` (..., T, m), ``w`` (..., m) → (..., T).

    One subsystem's contiguous columns of a C-ordered (E, T, I) array are multiplied in
    place (rows a stride apart, as BLAS takes them): copying them out first costs more
    than it saves, and gives the same numbers.
    """
    return np.asarray((u @ w[..., None])[..., 0], dtype=float)


def _members(column: NDArray[np.float64]) -> slice | NDArray[np.intp]:
    """Indicator positions of one subsystem: a slice when contiguous (no copy of u)."""
    idx = np.flatnonzero(column)
    if idx.size and idx[-1] - idx[0] + 1 == idx.size:
        return slice(int(idx[0]), int(idx[-1]) + 1)
    return idx


def _weighted_geometric(
    u: NDArray[np.float64], w: NDArray[np.float64], mem: NDArray[np.float64]
) -> NDArray[np.float64]:
    """``Π u^w`` per subsystem as ``exp(Σ w·ln u)``, with ``0^0 = 1``."""
    zero = (((u <= 0) & (w > 0)).astype(float) @ mem) > 0
    logu = np.log(np.where(u > 0, u, 1.0))
    return np.asarray(np.where(zero, 0.0, np.exp((w * logu) @ mem)), dtype=float)

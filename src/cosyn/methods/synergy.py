"""Synergy degree of the composite system (METHOD.md §4)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["synergy_degree", "synergy_path"]


def synergy_degree(before: ArrayLike, after: ArrayLike) -> NDArray[np.float64]:
    """Synergy degree ``U`` between two states of the composite system.

    .. math::

        Δ_j = μ_j(t_1) − μ_j(t_0),\\qquad
        U = θ \\Big(\\prod_{j=1}^k |Δ_j|\\Big)^{1/k},\\qquad
        θ = \\begin{cases} +1 & \\min_j Δ_j > 0 \\\\ −1 & \\text{otherwise} \\end{cases}

    (Meng & Han's composite system synergy model; Zhang 2023 eq. 3 with the paper's ω as
    θ; METHOD.md §4.) For k = 2 this is ``θ·sqrt(|Δ1|·|Δ2|)``.

    Parameters
    ----------
    before, after : array_like, shape (..., k)
        Subsystem order degrees ``μ`` at ``t0`` and ``t1``; subsystems on the last axis.

    Returns
    -------
    ndarray, shape (...)
        ``U ∈ [−1, 1]`` when the ``μ`` are in [0, 1].

    Notes
    -----
    ``U > 0`` only when every subsystem moved up. When some ``Δ_j = 0``, ``U = +0.0``
    (never ``−0.0``). The result is symmetric in the order of the subsystems.
    """
    b = np.asarray(before, dtype=float)
    a = np.asarray(after, dtype=float)
    k = np.broadcast_shapes(a.shape, b.shape)[-1]
    rising: NDArray[np.bool_] | bool = True
    magnitude: NDArray[np.float64] | float = 1.0
    for j in range(k):  # k subsystems: a handful; each step is a whole-panel operation
        delta = a[..., j] - b[..., j]
        rising = rising & (delta > 0)
        # The root of each factor, not of the product: Π|Δ| underflows for tiny moves.
        root = np.sqrt(np.abs(delta)) if k == 2 else np.abs(delta) ** (1.0 / k)
        magnitude = magnitude * root
    u = np.where(rising, magnitude, -np.asarray(magnitude))
    return np.asarray(u + 0.0, dtype=float)  # + 0.0 turns −0.0 into +0.0


def synergy_path(
    mu: ArrayLike, base: str | int = "first"
) -> tuple[NDArray[np.float64], NDArray[np.intp], NDArray[np.intp]]:
    """Synergy degrees along the period axis.

    Parameters
    ----------
    mu : array_like, shape (..., T, k)
        Subsystem order degrees over ``T`` periods.
    base : "first", "adjacent" or int
        ``"first"``: ``t0`` is the first period and ``t1`` every later one (cumulative
        path); ``"adjacent"``: ``t0 = t1 − 1`` (period-on-period); an int: the index of a
        fixed base period, with ``t1`` every later period.

    Returns
    -------
    U : ndarray, shape (..., P)
    t0, t1 : ndarray of int, shape (P,)
        The base and the compared period index of each column of ``U``.
    """
    m = np.asarray(mu, dtype=float)
    T = m.shape[-2]
    if base == "adjacent":
        t1 = np.arange(1, T)
        t0 = t1 - 1
        return synergy_degree(m[..., :-1, :], m[..., 1:, :]), t0, t1
    start = 0 if base == "first" else int(base)
    if not 0 <= start < T:
        raise ValueError(f"base index {start} is outside 0..{T - 1}")
    t1 = np.arange(start + 1, T)
    t0 = np.full_like(t1, start)
    return synergy_degree(m[..., start : start + 1, :], m[..., start + 1 :, :]), t0, t1

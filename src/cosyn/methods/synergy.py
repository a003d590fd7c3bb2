"""Synergy degree of the composite system (METHOD.md §4)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["SYNERGY_ROUNDOFF", "synergy_degree", "synergy_path"]

#: A change ``|Δ_j|`` at or below this counts as no change (``Δ_j = 0``): METHOD.md §8.
#: μ lies in [0, 1], so its round-off is a few times 2⁻⁵³ ≈ 1.1e-16; a real change of
#: an order degree below 1e-12 carries nothing a reader could use.
SYNERGY_ROUNDOFF = 1e-12


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

    Round-off tolerance (METHOD.md §8): a change ``|Δ_j| ≤`` :data:`SYNERGY_ROUNDOFF`
    (``1e-12``) counts as ``Δ_j = 0``. Without it a subsystem that did not move, but whose
    ``μ`` differs by one ulp (``2.2e-16``) through the rounding of its weighted sum,
    would give ``U = sqrt(1 ulp · |Δ_other|) ≈ 1e-8`` — a "low" synergy out of nothing.
    So ``U`` is either ``+0.0`` or ``|U| > 1e-12``: never in ``(0, 1e-12]`` and never
    ``−0.0``.
    """
    b = np.asarray(before, dtype=float)
    a = np.asarray(after, dtype=float)
    k = np.broadcast_shapes(a.shape, b.shape)[-1]
    rising: NDArray[np.bool_] | bool = True
    magnitude: NDArray[np.float64] | float = 1.0
    for j in range(k):  # k subsystems: a handful; each step is a whole-panel operation
        change = np.abs(a[..., j] - b[..., j])
        moved = change > SYNERGY_ROUNDOFF  # round-off is no change (METHOD.md §8)
        rising = rising & moved & (a[..., j] > b[..., j])
        # The root of each factor, not of the product: Π|Δ| underflows for small moves.
        root = np.sqrt(change) if k == 2 else change ** (1.0 / k)
        magnitude = magnitude * np.where(moved, root, 0.0)
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

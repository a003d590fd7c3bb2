"""Coupling coordination degree of k subsystems (METHOD.md §7).

From the comprehensive indices ``U_j ∈ [0, 1]`` of ``k ≥ 2`` subsystems (``U_j = μ_j`` in
the pipeline): the coupling degree ``C`` (how evenly the subsystems stand), the
comprehensive development index ``T`` (how high they stand together) and the coupling
coordination degree ``D = sqrt(C·T)``.

:func:`coupling_arrays` is the NumPy kernel, over any leading batch axes. The labelled
wrapper :func:`coupling_coordination` returns a DataFrame with the level of ``D`` and the
coupling stage of ``C``; it is the one place in :mod:`cosyn.methods` that uses pandas,
because its contract is a table.

References
----------
Wang Shujia, Kong Wei, Ren Liang, Zhi Dandan & Dai Binting (2021). 国内耦合协调度模型的
误区及修正 [Research on misuses and modification of coupling coordination degree model in
China]. *Journal of Natural Resources* (自然资源学报) 36(3), 793–810.
doi:10.31497/zrzyxb.20210319 — the normative classic model and the corrected ("wang")
coupling degree.

Fan D., Ke H. & Cao R. (2024). Modification and improvement of coupling coordination
degree model. *Statistics & Decision* (统计与决策) 40, 41–46.
doi:10.13546/j.cnki.tjyjc.2024.22.007 — the "fan" coupling degree (cited as given by the
R package ``coupling``, stscl/coupling, ``vignettes/ccd.Rmd``; the paper itself was not
read here).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from cosyn.methods.levels import classify

__all__ = [
    "COORDINATION_EDGES",
    "COORDINATION_LEVELS",
    "COORDINATION_LEVELS_ZH",
    "COUPLING_EDGES",
    "COUPLING_METHODS",
    "COUPLING_STAGES",
    "COUPLING_STAGES_ZH",
    "LAG_EDGES",
    "RESCALE_RANGE",
    "coupling_arrays",
    "coupling_coordination",
    "relative_development",
    "rescale_scores",
]

CouplingMethod = Literal["classic", "wang", "fan"]
COUPLING_METHODS: tuple[str, ...] = ("classic", "wang", "fan")

#: Upper edges of the ten levels of ``D``: ``D ≤ 0.1`` (``D = 0`` included) is the first
#: level, ``(0.1, 0.2]`` the second, …, ``(0.9, 1]`` the tenth. Written as literals, so
#: each edge is the double nearest its decimal (``0.3``, not ``3·0.1``).
COORDINATION_EDGES: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
COORDINATION_LEVELS: tuple[str, ...] = (
    "extreme imbalance",
    "severe imbalance",
    "moderate imbalance",
    "mild imbalance",
    "near imbalance",
    "barely coordinated",
    "primary coordination",
    "intermediate coordination",
    "good coordination",
    "quality coordination",
)
#: The same ten levels under the names Chinese reports use.
COORDINATION_LEVELS_ZH: tuple[str, ...] = (
    "极度失调",
    "严重失调",
    "中度失调",
    "轻度失调",
    "濒临失调",
    "勉强协调",
    "初级协调",
    "中级协调",
    "良好协调",
    "优质协调",
)
#: Upper edges of the four stages of ``C``: ``C ≤ 0.3`` (``C = 0`` included) is the first.
COUPLING_EDGES: tuple[float, ...] = (0.3, 0.5, 0.8)
COUPLING_STAGES: tuple[str, ...] = (
    "low-level coupling",
    "antagonism",
    "running-in",
    "high-level coupling",
)
COUPLING_STAGES_ZH: tuple[str, ...] = ("低水平耦合", "拮抗", "磨合", "高水平耦合")


def _scores(scores: ArrayLike) -> NDArray[np.float64]:
    """Scores as a float array ``(..., k)``, checked to lie in [0, 1] with ``k ≥ 2``."""
    u = np.asarray(scores, dtype=float)
    if u.ndim == 0 or u.shape[-1] < 2:
        raise ValueError(
            f"coupling needs the scores of at least 2 subsystems on the last axis, "
            f"got shape {u.shape}"
        )
    bad = ~((u >= 0.0) & (u <= 1.0))  # NaN fails both comparisons
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"coupling scores must be in [0, 1] (no NaN); got {float(u[where])!r} at index "
            f"{where} ({int(bad.sum())} bad value(s) in all); rescale the subsystem "
            f"indices into [0, 1] first"
        )
    return u


def _subsystem_weights(weights: ArrayLike | None, shape: tuple[int, ...]) -> NDArray[np.float64]:
    """β over the last axis: ``1/k`` each by default, else the user's, normalised."""
    k = shape[-1]
    if weights is None:
        return np.full(k, 1.0 / k)
    w = np.asarray(weights, dtype=float)
    if w.ndim == 0 or w.shape[-1] != k:
        raise ValueError(
            f"weights must have one value per subsystem: got shape {w.shape}, k is {k}"
        )
    try:
        fits = np.broadcast_shapes(w.shape, shape) == shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(
            f"weights of shape {w.shape} do not broadcast to the scores' shape {shape}; "
            f"give shape ({k},) or the scores' shape"
        )
    bad = ~(np.isfinite(w) & (w >= 0))
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"weights must be finite and non-negative; got {float(w[where])!r} at index {where}"
        )
    total = w.sum(axis=-1, keepdims=True)
    if np.any(total <= 0):
        raise ValueError("weights must not all be 0; give at least one subsystem a positive weight")
    return np.asarray(w / total, dtype=float)


def _product_of_roots(x: NDArray[np.float64], p: int) -> NDArray[np.float64]:
    """``(Π_j x_j)^(1/p)`` over the last axis as ``Π_j x_j^(1/p)`` (no underflow of Π x)."""
    roots = np.sqrt(x) if p == 2 else x ** (1.0 / p)
    return np.asarray(np.prod(roots, axis=-1), dtype=float)


def coupling_arrays(
    scores: ArrayLike,
    method: CouplingMethod = "classic",
    weights: ArrayLike | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Coupling degree ``C``, development index ``T`` and coordination degree ``D``.

    .. math::

        \\text{classic:}\\quad C = \\frac{k \\, (\\prod_j U_j)^{1/k}}{\\sum_j U_j}
        \\qquad (k = 2:\\ C = 2\\sqrt{U_1 U_2}/(U_1 + U_2))

        \\text{wang:}\\quad C = \\sqrt{\\Big[1 − \\operatorname{mean}_{i<j} |U_i − U_j|\\Big]
        \\cdot \\Big(\\prod_j \\frac{U_j}{\\max U}\\Big)^{1/(k−1)}}
        \\qquad (k = 2:\\ C = \\sqrt{(1 − |U_1 − U_2|)\\,\\min U / \\max U})

        \\text{fan:}\\quad C = 1 − 2\\,σ(U), \\quad
        σ = \\sqrt{\\tfrac{1}{k} \\sum_j (U_j − \\bar U)^2} \\ \\text{(population, ddof = 0)}

        T = \\sum_j β_j U_j, \\qquad D = \\sqrt{C \\, T}

    (METHOD.md §7. Classic and wang: Wang Shujia et al. 2021, *Journal of Natural
    Resources* 36(3): 793–810, the normative traditional model and the corrected one;
    the mean over pairs is their ``Σ_{i<j}|U_i − U_j| / Σ_{m=1}^{k−1} m``. Fan: Fan, Ke &
    Cao 2024, *Statistics & Decision* 40: 41–46.)

    Parameters
    ----------
    scores : array_like, shape (..., k)
        Comprehensive indices ``U_j ∈ [0, 1]`` of ``k ≥ 2`` subsystems on the last axis;
        any leading axes (entity, period…) are computed at once.
    method : {"classic", "wang", "fan"}
    weights : array_like, shape (k,) or broadcastable to (..., k), optional
        Contribution coefficients β of the subsystems to ``T``; non-negative, not all 0,
        normalised to sum to 1. Default: equal, ``β_j = 1/k`` (α = β = 0.5 for k = 2).

    Returns
    -------
    C, T, D : ndarray, shape (...)
        Each in [0, 1].

    Raises
    ------
    ValueError
        A score outside [0, 1] or NaN (the message gives the first one's index), fewer
        than 2 subsystems, an unknown method, negative, non-finite or all-zero weights.

    Notes
    -----
    Conventions:

    * Where every ``U_j = 0`` (for wang: ``max U = 0``, the same thing), ``C = T = D = 0``
      for every method, with no division warning. The formulas themselves are 0/0 there
      (classic, wang) or give 1 (fan: a zero spread), so this is a choice: nothing has
      developed, so nothing is coupled. ``C`` jumps there: ``U = (ε, ε)`` gives ``C = 1``.
    * One ``U_j = 0`` (others positive) gives classic ``C = 0`` (the product is 0) and
      wang ``C = 0`` (its ratio to the maximum is 0); fan only sees the spread, so e.g.
      fan ``C(0, 0.1) = 1 − 2·0.05 = 0.9``.
    * ``0 ≤ C ≤ 1`` holds mathematically for all three: classic by the AM–GM inequality;
      wang because both factors lie in [0, 1]; fan because the population variance of
      values in [0, 1] is at most 1/4 (Popoviciu's inequality; reached only when k is
      even and half the scores are 0, half 1), so ``σ ≤ 1/2``. In floating point classic
      can exceed 1 by an ulp when the scores are equal, and fan could dip below 0 by an
      ulp at the extreme; ``C`` is clipped to [0, 1], which removes only that round-off.
      ``T`` is clipped to at most 1 for the same reason (β summing to 1 + ulp with every
      ``U = 1``). Wang needs no clip.
    * fan uses the population standard deviation (``ddof = 0``), as its ``k²``
      denominator says; the sample one would let ``C`` fall below 0.
    * ``C`` depends on the order of the subsystems for none of the methods; ``T`` does
      only through the weights.
    """
    u = _scores(scores)
    if method not in COUPLING_METHODS:
        raise ValueError(f"unknown coupling method {method!r}; choose one of {COUPLING_METHODS!r}")
    beta = _subsystem_weights(weights, u.shape)
    k = u.shape[-1]
    top = u.max(axis=-1)
    developed = top > 0  # False exactly where every U_j = 0

    if method == "classic":
        total = u.sum(axis=-1)
        geo = _product_of_roots(u, k)
        c = np.divide(k * geo, total, out=np.zeros_like(total), where=developed)
    elif method == "wang":
        i, j = np.triu_indices(k, 1)
        spread = np.abs(u[..., i] - u[..., j]).mean(axis=-1)  # mean over the k(k−1)/2 pairs
        safe = np.where(developed, top, 1.0)[..., None]
        balance = _product_of_roots(u / safe, k - 1)  # Π (U_j / max U), root k − 1
        c = np.sqrt((1.0 - spread) * balance)
    else:  # fan
        c = 1.0 - 2.0 * np.std(u, axis=-1, ddof=0)
    c = np.where(developed, np.clip(c, 0.0, 1.0), 0.0)

    t = np.minimum(np.sum(beta * u, axis=-1), 1.0)
    d = np.sqrt(c * t)
    return np.asarray(c, dtype=float), np.asarray(t, dtype=float), np.asarray(d, dtype=float)


#: SPSSAU's range for the comprehensive indices before coupling (``coupling_input =
#: "rescale"``).
RESCALE_RANGE: tuple[float, float] = (0.01, 0.99)
#: Edges of the relative development degree E: ``E < 0.8`` lags, ``0.8 ≤ E ≤ 1.2``
#: synchronous, ``E > 1.2`` leads (METHOD.md §8).
LAG_EDGES: tuple[float, float] = (0.8, 1.2)


def rescale_scores(
    scores: ArrayLike,
    low: float = RESCALE_RANGE[0],
    high: float = RESCALE_RANGE[1],
    *,
    observed: tuple[ArrayLike, ArrayLike] | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Min-max rescale each subsystem's scores into ``[low, high]`` over every observation.

    .. math::

        U'_j = low + (high − low)\\,\\frac{U_j − \\min U_j}{\\max U_j − \\min U_j}

    with the minimum and maximum of subsystem ``j`` over every leading index (all
    entities and periods of the panel). SPSSAU's coupling coordination rescales the
    indices into ``[0.01, 0.99]`` this way before the coupling (its default "data
    intervalization", ``a + (b − a)·(X − Min)/(Max − Min)`` with a = 0.01, b = 0.99, per
    column, each row a research object; SPSSAU help, "Coupling Coordination Degree",
    https://www.spssau.net/helps/coupling.html), so that no index is exactly 0.

    Parameters
    ----------
    scores : array_like, shape (..., k)
        Scores of ``k`` subsystems on the last axis, finite.
    low, high : float
        The target range, ``low < high``.
    observed : (array_like, array_like) of shape (k,), optional
        ``(min U_j, max U_j)`` over the whole panel, when ``scores`` holds a part of it
        (the Dask engine's chunks of entities); by default those of ``scores``.

    Returns
    -------
    rescaled : ndarray, shape (..., k)
    constant : ndarray of bool, shape (k,)
        Subsystems whose scores are the same everywhere (``max = min``): min-max scaling
        is 0/0 there, so they are set to the middle of the range, ``(low + high)/2`` —
        every observation equal, as the data are. The caller should say so.
    """
    u = np.asarray(scores, dtype=float)
    if u.ndim == 0 or not np.all(np.isfinite(u)):
        raise ValueError("rescale_scores needs finite scores of shape (..., k)")
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(f"rescale range must be finite with low < high, got {(low, high)!r}")
    flat = u.reshape(-1, u.shape[-1])
    if observed is None:
        lo, hi = flat.min(axis=0), flat.max(axis=0)
    else:
        lo, hi = np.asarray(observed[0], dtype=float), np.asarray(observed[1], dtype=float)
    constant = ~(hi > lo)
    span = np.where(constant, 1.0, hi - lo)
    out = low + (high - low) * ((u - lo) / span)
    out = np.where(constant, 0.5 * (low + high), out)
    return np.asarray(np.clip(out, low, high), dtype=float), np.asarray(constant, dtype=bool)


def relative_development(
    scores: ArrayLike, edges: Sequence[float] = LAG_EDGES
) -> tuple[NDArray[np.float64], NDArray[np.int8]]:
    """Relative development degree ``E`` and its lag type.

    .. math::

        k = 2:\\ E = U_1 / U_2, \\qquad k > 2:\\ E_j = U_j / \\bar U

    Lag types, with ``edges = (low, high)`` (default 0.8, 1.2), closed in the middle:
    ``E < low`` → code 0, ``low ≤ E ≤ high`` → code 1 (synchronous), ``E > high`` →
    code 2. For ``k = 2`` code 0 reads "subsystem 1 lags" and code 2 "subsystem 2 lags";
    for ``k > 2`` each subsystem has its own code: 0 "lags", 1 "synchronous", 2 "leads"
    (METHOD.md §8: the relative development degree reported beside the coupling
    coordination degree in the coupling literature, with the common edges 0.8 and 1.2).

    Parameters
    ----------
    scores : array_like, shape (..., k)
        Comprehensive indices ``U_j ≥ 0`` of ``k ≥ 2`` subsystems, finite.
    edges : (low, high)
        ``0 < low ≤ high``.

    Returns
    -------
    E : ndarray, shape (...) for k = 2, (..., k) for k > 2
        NaN where the denominator is 0 (see Notes).
    lag : ndarray of int8, same shape as ``E``

    Notes
    -----
    Zero denominators (the ratio is undefined, so ``E`` is NaN — never ±inf):

    * ``k = 2``, ``U_2 = 0 < U_1``: ``E`` would be +∞, beyond any edge: code 2,
      subsystem 2 lags. The same where ``U_1/U_2`` overflows.
    * ``k = 2``, ``U_1 = U_2 = 0``: nothing has developed and the two stand level:
      code 1, synchronous.
    * ``k > 2``, every ``U_j = 0`` (mean 0): code 1 for every subsystem.
    """
    u = np.asarray(scores, dtype=float)
    if u.ndim == 0 or u.shape[-1] < 2:
        raise ValueError(
            f"relative_development needs the scores of at least 2 subsystems on the last "
            f"axis, got shape {u.shape}"
        )
    if not np.all(np.isfinite(u)) or np.any(u < 0):
        raise ValueError("relative_development needs finite scores >= 0")
    low, high = (float(v) for v in edges)
    if not (0 < low <= high and np.isfinite(high)):
        raise ValueError(f"edges must be (low, high) with 0 < low <= high, got {edges!r}")
    if u.shape[-1] == 2:
        num, den = u[..., 0], u[..., 1]
    else:
        num, den = u, np.broadcast_to(u.mean(axis=-1, keepdims=True), u.shape)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = num / den
    defined = np.isfinite(ratio)
    code = np.where(ratio < low, 0, np.where(ratio > high, 2, 1)).astype(np.int8)
    code = np.where(defined, code, np.where(num > 0, 2, 1)).astype(np.int8)
    return np.asarray(np.where(defined, ratio, np.nan), dtype=float), code


def _check_scale(edges: Sequence[float], names: Sequence[str], what: str) -> None:
    """Refuse a scale whose names do not match its edges, or whose edges do not increase."""
    if len(names) != len(edges) + 1:
        raise ValueError(
            f"{what} needs one name per class, len(edges) + 1 = {len(edges) + 1}, "
            f"got {len(names)} names for edges {list(edges)!r}"
        )
    classify(np.zeros(0), edges)  # raises unless the edges are strictly increasing


def _labels(
    values: NDArray[np.float64], edges: Sequence[float], names: Sequence[str]
) -> NDArray[np.object_]:
    """Name of each value's ``(lower, upper]`` class, as an object array of str."""
    return np.asarray(list(names), dtype=object)[classify(values, edges)]


def coupling_coordination(
    scores: ArrayLike | pd.DataFrame,
    method: CouplingMethod = "classic",
    weights: ArrayLike | None = None,
    *,
    level_edges: Sequence[float] = COORDINATION_EDGES,
    level_names: Sequence[str] = COORDINATION_LEVELS,
    stage_edges: Sequence[float] = COUPLING_EDGES,
    stage_names: Sequence[str] = COUPLING_STAGES,
) -> pd.DataFrame:
    """Coupling coordination table: ``C``, ``T``, ``D``, level of ``D``, stage of ``C``.

    ``C``, ``T`` and ``D`` are those of :func:`coupling_arrays` (see there for the
    formulas, conventions and sources). Levels and stages are intervals
    ``(lower, upper]`` (:func:`cosyn.methods.levels.classify`):

    ===========================  =========================  ========
    ``D``                        level                      中文
    ===========================  =========================  ========
    [0, 0.1] (``D = 0`` here)    extreme imbalance          极度失调
    (0.1, 0.2]                   severe imbalance           严重失调
    (0.2, 0.3]                   moderate imbalance         中度失调
    (0.3, 0.4]                   mild imbalance             轻度失调
    (0.4, 0.5]                   near imbalance             濒临失调
    (0.5, 0.6]                   barely coordinated         勉强协调
    (0.6, 0.7]                   primary coordination       初级协调
    (0.7, 0.8]                   intermediate coordination  中级协调
    (0.8, 0.9]                   good coordination          良好协调
    (0.9, 1]                     quality coordination       优质协调
    ===========================  =========================  ========

    Stages of ``C``: [0, 0.3] low-level coupling (低水平耦合, ``C = 0`` included),
    (0.3, 0.5] antagonism (拮抗), (0.5, 0.8] running-in (磨合), (0.8, 1] high-level
    coupling (高水平耦合). METHOD.md §7.

    Parameters
    ----------
    scores : array_like or DataFrame, shape (n, k)
        One row per observation (entity-period…), one column per subsystem, in [0, 1].
        A DataFrame's index is kept.
    method : {"classic", "wang", "fan"}
    weights : array_like, shape (k,) or (n, k), optional
        Contribution coefficients β of the subsystems to ``T`` (normalised; default equal).
    level_edges, level_names : sequence
        Upper edges of the classes of ``D`` and their ``len(level_edges) + 1`` names;
        default :data:`COORDINATION_EDGES`, :data:`COORDINATION_LEVELS` (pass
        :data:`COORDINATION_LEVELS_ZH` for the Chinese names).
    stage_edges, stage_names : sequence
        The same for ``C``; default :data:`COUPLING_EDGES`, :data:`COUPLING_STAGES`
        (or :data:`COUPLING_STAGES_ZH`).

    Returns
    -------
    DataFrame
        Columns ``C``, ``T``, ``D`` (float), ``level``, ``coupling_stage`` (str); one row
        per row of ``scores``.

    Notes
    -----
    Reading the numbers: ``C`` near 1 says the subsystems stand at similar heights, even
    if all are low; ``T`` says how high they stand on average; ``D`` combines both, so a
    high ``D`` needs the subsystems to be both balanced and developed.
    """
    index = scores.index if isinstance(scores, pd.DataFrame) else None
    u = scores.to_numpy(dtype=float) if isinstance(scores, pd.DataFrame) else np.asarray(scores)
    if u.ndim != 2:
        raise ValueError(
            f"coupling_coordination needs a table of shape (n, k), got shape {u.shape}; "
            f"use coupling_arrays for other shapes"
        )
    _check_scale(level_edges, level_names, "level_names")
    _check_scale(stage_edges, stage_names, "stage_names")
    c, t, d = coupling_arrays(u, method, weights)
    return pd.DataFrame(
        {
            "C": c,
            "T": t,
            "D": d,
            "level": _labels(d, level_edges, level_names),
            "coupling_stage": _labels(c, stage_edges, stage_names),
        },
        index=index,
    )

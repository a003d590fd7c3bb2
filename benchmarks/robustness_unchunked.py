"""The robustness kernel as it was before its draws ran in chunks of entities (commit
85b1dc3 of ``src/cosyn/methods/robustness.py``), kept as the baseline of
``bench_robustness.py``: every draw's μ, U and rank of every entity is held in memory, the
percentiles taken at the end. One change since: weights per entity are drawn from each
entity's own stream, as the kernel now draws them (``SeedSequence(seed, spawn_key=(2**32,
e))``, one call per entity and block of draws, the blocks in draw order), so that the two
give the same numbers; their log-space redraws at tiny concentrations are not reproduced
here (the benchmark's κ = 50 has none).

Robustness of the synergy degree to the margin and the weights (METHOD.md §7).

Monte Carlo over the two choices the analyst makes by hand: the margin ``a`` that widens the
bounds (METHOD.md §1) and the weights φ (§2). Each draw takes ``a ~ Uniform(margin_range)``
and, within each subsystem, weights ``~ Dirichlet(κ·φ_j)`` around the point weights, then
runs §1, §3 and §4 exactly as the point fit does. The result holds percentile bands of the
subsystem order degree μ and of the synergy degree U, and how often each entity keeps its
stage and its rank.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cosyn.methods.aggregation import AGGREGATIONS, subsystem_order
from cosyn.methods.efficacy import efficacy
from cosyn.methods.levels import STAGE_EDGES, classify
from cosyn.methods.synergy import synergy_path

__all__ = ["QUANTILES", "RobustnessResult", "robustness_draws"]

Aggregation = Literal["weighted_sum", "geometric", "weighted_geometric"]
Array = NDArray[np.float64]
IntArray = NDArray[np.int32]
_In = TypeVar("_In")
_Out = TypeVar("_Out")

#: Probabilities of the bands: 5th percentile, median, 95th percentile.
QUANTILES: tuple[float, float, float] = (0.05, 0.5, 0.95)


@dataclass(frozen=True, repr=False)
class RobustnessResult:
    """Bands of μ and U over the Monte Carlo draws of :func:`robustness_draws`.

    Shapes: ``E`` entities, ``T`` periods, ``k`` subsystems, ``P`` compared periods,
    ``D`` draws. The point estimate (the margin ``point_margin`` and the weights φ as
    given) sits beside its bands.

    Attributes
    ----------
    t0, t1 : ndarray of int, shape (P,)
        Base and compared period index of each column (as :func:`synergy_path`).
    margins : ndarray, shape (D,)
        The margin ``a`` of each draw.
    synergy : ndarray, shape (E, P)
        Point synergy degree U.
    synergy_p5, synergy_median, synergy_p95 : ndarray, shape (E, P)
        5th percentile, median and 95th percentile of U over the draws.
    stage : ndarray of int, shape (E, P)
        Stage index of the point U (``classify(synergy, stage_edges)``).
    stage_agreement : ndarray, shape (E, P)
        Share of draws, in [0, 1], whose stage equals the point stage.
    rank : ndarray of int, shape (E, P)
        Rank of the point U among the entities in each compared period (1 = highest;
        ties share the smallest rank).
    rank_p5, rank_median, rank_p95 : ndarray, shape (E, P)
        Percentiles of the rank over the draws (linear interpolation: may be fractional).
    rank_agreement : ndarray, shape (E, P)
        Share of draws whose rank equals the point rank.
    mu : ndarray, shape (E, T, k)
        Point subsystem order degrees μ.
    mu_p5, mu_median, mu_p95 : ndarray, shape (E, T, k)
        Percentiles of μ over the draws.
    weight_draws : ndarray, shape (D, E or 1, I), or None
        The weights of each draw (``return_draws=True``; second axis 1 when the weights are
        one vector for the panel; None for ``"geometric"``, whose μ ignores the weights).
    synergy_draws : ndarray, shape (D, E, P), or None
        U of every draw (``return_draws=True``).
    rank_draws : ndarray of int, shape (D, E, P), or None
        Rank of every draw (``return_draws=True``; a transposed view).
    mu_draws : ndarray, shape (D, E, T, k), or None
        μ of every draw (``return_draws=True``; a transposed view).
    """

    t0: NDArray[np.intp]
    t1: NDArray[np.intp]
    margins: Array
    synergy: Array
    synergy_p5: Array
    synergy_median: Array
    synergy_p95: Array
    stage: NDArray[np.intp]
    stage_agreement: Array
    rank: IntArray
    rank_p5: Array
    rank_median: Array
    rank_p95: Array
    rank_agreement: Array
    mu: Array
    mu_p5: Array
    mu_median: Array
    mu_p95: Array
    weight_draws: Array | None = None
    synergy_draws: Array | None = None
    rank_draws: IntArray | None = None
    mu_draws: Array | None = None

    @property
    def draws(self) -> int:
        """Number of Monte Carlo draws ``D``."""
        return int(self.margins.shape[0])

    def __repr__(self) -> str:
        E, P = self.synergy.shape
        k = self.mu.shape[-1]
        return (
            f"RobustnessResult(entities={E}, compared_periods={P}, subsystems={k}, "
            f"draws={self.draws})"
        )


def robustness_draws(
    x: ArrayLike,
    positive: ArrayLike,
    weights: ArrayLike,
    membership: ArrayLike,
    *,
    bounds_axis: int | tuple[int, ...],
    margin_range: tuple[float, float] = (0.05, 0.2),
    point_margin: float = 0.1,
    draws: int = 1000,
    concentration: float = 50.0,
    seed: int = 0,
    base: str | int = "first",
    aggregation: Aggregation = "weighted_sum",
    stage_edges: Sequence[float] = STAGE_EDGES,
    lower: ArrayLike | None = None,
    upper: ArrayLike | None = None,
    active: ArrayLike | None = None,
    weights_scope: Literal["entity", "panel"] | None = None,
    return_draws: bool = False,
    chunk_bytes: int = 2**28,
    workers: int | None = None,
) -> RobustnessResult:
    """Percentile bands of μ and U, and stage and rank stability, over random draws.

    Draw ``d`` takes one margin and one set of weights,

    .. math::

        a_d \\sim \\mathrm{Uniform}(a_{lo}, a_{hi}), \\qquad
        φ^{(d)}_{e, j} \\sim \\mathrm{Dirichlet}(κ\\, φ_{e, j})
        \\text{ within each subsystem } j,

    then computes, exactly as the point fit (METHOD.md §1, §3, §4), the bounds
    ``lower = min − a_d·|min|``, ``upper = max + a_d·|max|`` (same scope as the point fit),
    ``u`` by the efficacy coefficient, ``μ_j`` by ``aggregation`` and
    ``U = θ·(Π_j |Δ_j|)^(1/k)`` from ``base``. METHOD.md §7 ("Robustness").

    Parameters
    ----------
    x : array_like, shape (E, T, I)
        Complete raw values (no NaN), entity axis first.
    positive : bool or array_like of bool, shape (I,)
        Direction of each indicator (True: larger is better).
    weights : array_like, shape (E, I), (1, I) or (I,)
        Point weights φ ≥ 0, one row per entity or one for the panel. Each row is
        normalised to sum to 1 within each subsystem (rows that already do, to 1e-9, are
        used as given, so the point estimate is the point fit's to the last bit).
    membership : array_like of bool, shape (I, k)
        ``membership[i, j]``: indicator ``i`` belongs to subsystem ``j`` (exactly one).
    bounds_axis : 1 or (0, 1)
        Scope of the bounds, as in the point fit: ``1`` per entity over its periods
        (``bounds = "entity"``), ``(0, 1)`` over all entity-periods (``bounds = "panel"``).
    margin_range : (float, float)
        ``(a_lo, a_hi)`` with ``0 ≤ a_lo ≤ a_hi``; ``a_lo == a_hi`` fixes the margin.
    point_margin : float
        Margin of the point estimate (METHOD.md default 0.1).
    draws : int
        Number of draws ``D ≥ 1``.
    concentration : float
        Dirichlet concentration ``κ > 0``: the larger, the closer the draws stay to φ
        (each weight has variance ``φ_i(1 − φ_i)/(κ + 1)``). ``math.inf`` keeps φ fixed.
    seed : int
        Seed of the random draws; the same seed gives identical output.
    base : "first", "adjacent" or int
        Base period of U, as :func:`synergy_path`.
    aggregation : {"weighted_sum", "geometric", "weighted_geometric"}
        Subsystem order degree, as :func:`subsystem_order`.
    stage_edges : sequence of float
        Upper edges of the stages, intervals ``(lower, upper]`` (:func:`classify`).
    lower, upper : array_like, shape (I,), optional
        Explicit bounds per indicator (METHOD.md §1), NaN where the bound is widened from
        the data. An explicit bound stays fixed in every draw — only widened bounds move
        with the margin — and ``u`` is clipped to [0, 1], as in the point fit.
    active : array_like of bool, shape (E, I), optional
        The indicators in use for each entity (False where ``on_constant = "drop"`` left
        one out for an entity). An inactive indicator has weight 0 for that entity in the
        point and in every draw (the others renormalised) and its ``u`` plays no part;
        with ``"geometric"`` it leaves the mean (the mean runs over the active ones).
    weights_scope : {"entity", "panel"}, optional
        ``"entity"``: one Dirichlet draw per entity (each row of ``weights`` its own, even
        where rows happen to be equal). ``"panel"``: one draw per Monte Carlo draw,
        shared by every entity (an entity without some indicator takes the shared draw
        without it, renormalised). Default: ``"panel"`` for weights of shape ``(1, I)``
        or ``(I,)``, ``"entity"`` for ``(E, I)``.
    return_draws : bool
        Also return the weights, U, ranks and μ of every draw (memory: see Notes).
    chunk_bytes : int
        Working memory per chunk of draws (default 256 MiB); it sets the chunk size, never
        a draw (see Notes).
    workers : int, optional
        Threads working on chunks at once (default: the CPUs available to the process);
        the result does not depend on it.

    Returns
    -------
    RobustnessResult

    Raises
    ------
    ValueError
        On inconsistent shapes or options, an active indicator whose order degree is
        undefined at some margin of the range (constant at 0, so ``upper == lower`` for
        every margin; or an explicit bound on the wrong side of a widened one), or a
        subsystem without a positive weight in some row.

    Notes
    -----
    Conventions (each pinned by a test):

    - **Random streams.** Draw ``d`` has its own generator,
      ``np.random.default_rng(np.random.SeedSequence(seed).spawn(draws)[d])``, and takes
      from it, in this order: the margin ``a_d = rng.uniform(a_lo, a_hi)``; then (unless
      ``aggregation = "geometric"`` or ``κ = inf``) one ``rng.standard_gamma(κ·φ_i)`` per
      *positive* point weight, in C order over the ``(E, I)`` weight array (entity by
      entity, indicators in order; the ``(1, I)`` panel vector with
      ``weights_scope = "panel"``). So the draws depend only on ``seed`` and the inputs,
      never on ``chunk_bytes`` or ``workers``, and the first ``n`` draws of a run are the
      ``n`` draws of a run with ``draws = n``. The output is bitwise identical for the
      same seed, inputs and ``chunk_bytes``, whatever ``workers``; another ``chunk_bytes``
      can change the last bit of a weighted-sum μ or U (the rounding of the matrix
      products), never a draw.
    - **Margin.** One ``a_d`` per draw, shared by every entity and indicator: the margin
      is one global choice of the analyst (METHOD.md §1).
    - **Weights.** Dirichlet by normalised gamma variates: ``g_i ~ Gamma(κφ_i, 1)``,
      ``φ_i^{(d)} = g_i / Σ_{i'∈j} g_{i'}``, so the mean is φ. A zero point weight stays
      exactly 0 (the Dirichlet needs α > 0, so it is drawn over the positive weights of
      the subsystem only). With ``"geometric"`` the weights play no part (§3), so none
      are drawn. With ``weights_scope = "panel"`` the panel vector is the first row of
      ``weights``, an indicator with weight 0 there taking its weight from the first row
      that uses it; each entity's weights are the shared draw restricted to its own
      positive weights and renormalised (a Dirichlet restricted to some coordinates and
      renormalised is the Dirichlet of those coordinates).
    - **Tiny concentrations.** When ``κ·φ`` is so small that the gamma variates of a
      subsystem underflow (their sum below 1e-300, possible when ``κ·max φ`` is around
      0.05 or less), that draw's weights are drawn again in log space from the same
      stream after its first variates: ``ln g_i = ln Gamma(κφ_i + 1) + ln(V_i)/(κφ_i)``,
      ``V_i ~ Uniform(0, 1]`` (the same Gamma(κφ_i) law), normalised by a log-sum-exp.
      No weight is ever NaN; as ``κ → 0`` each draw puts weight ≈ 1 on one indicator,
      indicator ``i`` with probability ``φ_i`` — the limit of the Dirichlet.
    - **Explicit bounds** (``lower``/``upper``) are the same in every draw; only the
      widened ones move with ``a_d``. Values outside explicit bounds get ``u`` clipped to
      [0, 1] (as the point fit): the data are clipped to the explicit bounds first, which
      gives the same ``u`` for every margin.
    - **Margin 0 and a constant series.** Where the span ``upper − lower`` is 0 at margin
      0 but grows with the margin (a series constant at ``c ≠ 0``: ``u = 1/2`` for every
      ``a > 0``; or constant at an explicit bound), ``u`` is constant in ``a > 0`` and a
      draw at ``a = 0`` takes that limit instead of 0/0. A series constant at 0 has no
      order degree at any margin: an error, unless ``active`` leaves it out.
    - **Point estimate.** Computed inside with the existing kernels (:func:`efficacy` with
      ``point_margin`` over ``bounds_axis`` and the explicit bounds, :func:`subsystem_order`,
      :func:`synergy_path`), so it equals the point fit's U.
    - **Percentiles.** Over the draw axis, Hyndman & Fan type 7 ("linear", numpy's
      default): equal to ``np.quantile(draws, QUANTILES, axis=0, method="linear")`` of
      the draws (draw axis first), computed by a sort along the draw axis.
    - **Ranks.** Within each compared period and draw, over the entities: rank 1 is the
      highest U; ties share the smallest rank ("min", competition ranking 1, 2, 2, 4).
      Ranks lie in 1..E. Their percentiles interpolate linearly (may be fractional);
      ``rank_agreement`` counts draws with exactly the point rank.
    - **Stage agreement.** Share of draws with ``classify(U_d, stage_edges)`` equal to the
      stage of the point U (tested as ``lower < U_d ≤ upper`` of the point's interval).
      A U within rounding of an edge (e.g. U = 0 where some ``Δ_j = 0`` exactly) may flip
      stage between the point and a draw that reproduces it.

    Speed and memory. For ``"weighted_sum"`` no ``u`` is materialised: with
    ``m_i = lower_i`` (positive) or ``upper_i`` (negative) and ``s_i = ±1``,
    ``u_i = s_i·(x_i − m_i(a))/span_i(a)`` is affine in ``x``, so
    ``μ_j = Σ_{i∈j} [φ_i s_i / span_i]·(x_i − r_i) + c_j`` with ``r_i`` the entity's
    minimum (subtracted first, for accuracy) and ``c_j = Σ_{i∈j} [φ_i s_i/span_i]·(r_i − m_i)``:
    one batched matrix product over entities of (draws × indicators) @ (indicators ×
    periods) per subsystem (BLAS). The geometric aggregations have no such shortcut:
    ``u`` (E·T·I values per draw) is materialised chunk by chunk and passed to
    :func:`subsystem_order` — several times slower. The random numbers are drawn with one
    vectorised call per draw (its own stream, above); all other work is vectorised over
    the draws of a chunk and the entities. Draws run in chunks of
    ``max(1, chunk_bytes // bytes_per_draw)`` (``bytes_per_draw`` counts the temporaries
    of one draw generously: ten (E, I) arrays, three (E, T, k), ten (E, P), and five
    (E, T, I) for the geometric forms), ``workers`` chunks at a time on threads (NumPy
    releases the GIL). Every draw's μ, U and rank is kept for the percentiles: about
    ``D·E·(8·T·k + 12·P)`` bytes (2.3 GiB for 1,000 draws of 3,000 × 30 × 40 with k = 2),
    plus ``8·D·E·I`` for ``weight_draws``, plus ``workers × chunk_bytes`` of working
    memory; the percentiles then sort blocks of about ``chunk_bytes / 2``.
    """
    # -- inputs -----------------------------------------------------------------------
    xx = np.asarray(x, dtype=float)
    if xx.ndim != 3:
        raise ValueError(f"x must have shape (E, T, I), got shape {xx.shape}")
    E, T, n_ind = xx.shape
    if T < 2:
        raise ValueError(f"x has {T} period; synergy compares periods, so at least 2 are needed")
    if not np.isfinite(xx).all():
        raise ValueError("x has missing or infinite values; fill them first (METHOD.md §0)")
    pos = np.broadcast_to(np.asarray(positive, dtype=bool), (n_ind,))
    mem = np.asarray(membership, dtype=bool)
    if mem.shape[0] != n_ind or mem.ndim != 2:
        raise ValueError(f"membership must have shape ({n_ind}, k), got shape {mem.shape}")
    if not (mem.sum(axis=1) == 1).all():
        raise ValueError("membership: each indicator must belong to exactly one subsystem")
    k = mem.shape[1]
    if not mem.any(axis=0).all():
        raise ValueError("membership: every subsystem needs at least one indicator")
    if aggregation not in AGGREGATIONS:
        raise ValueError(f"aggregation must be one of {AGGREGATIONS}, got {aggregation!r}")
    phi = np.asarray(weights, dtype=float)
    if phi.ndim == 1:
        phi = phi[None, :]
    if phi.ndim != 2 or phi.shape[1] != n_ind or phi.shape[0] not in (1, E):
        raise ValueError(
            f"weights must have shape ({E}, {n_ind}), (1, {n_ind}) or ({n_ind},), "
            f"got shape {np.shape(weights)}"
        )
    if not (np.isfinite(phi).all() and (phi >= 0).all()):
        raise ValueError("weights must be finite and >= 0")
    scope = weights_scope or ("panel" if phi.shape[0] == 1 else "entity")
    if scope not in ("entity", "panel"):
        raise ValueError(f"weights_scope must be 'entity' or 'panel', got {weights_scope!r}")
    act = None if active is None else np.asarray(active, dtype=bool)
    if act is not None:
        if act.shape != (E, n_ind):
            raise ValueError(f"active must have shape ({E}, {n_ind}), got shape {act.shape}")
        if act.all():
            act = None
        else:
            phi = np.where(act, phi, 0.0)  # (E, I): an inactive indicator weighs nothing
    memf = mem.astype(float)
    if aggregation != "geometric":
        phi = _normalised(phi, memf)
    fixed_lo, fixed_hi = (
        _explicit(v, n_ind, name) for v, name in ((lower, "lower"), (upper, "upper"))
    )
    axes = _bounds_axes(bounds_axis)
    a_lo, a_hi = (float(v) for v in margin_range)
    if not 0 <= a_lo <= a_hi or not math.isfinite(a_hi):
        raise ValueError(
            f"margin_range must be (low, high) with 0 <= low <= high, got {margin_range!r}"
        )
    if not math.isfinite(point_margin) or point_margin < 0:
        raise ValueError(f"point_margin must be finite and >= 0, got {point_margin!r}")
    if int(draws) != draws or draws < 1:
        raise ValueError(f"draws must be a positive integer, got {draws!r}")
    if not concentration > 0:
        raise ValueError(f"concentration must be > 0, got {concentration!r}")
    D = int(draws)
    # "geometric" with some indicator left out: the equal-weight mean over the active ones
    geo_weights = None
    if aggregation == "geometric" and act is not None:
        geo_weights = _normalised(act.astype(float), memf)

    # -- the point estimate, by the kernels of the point fit ----------------------------
    lo0 = xx.min(axis=axes, keepdims=True)[:, 0, :]  # (Eb, I), Eb = E or 1
    hi0 = xx.max(axis=axes, keepdims=True)[:, 0, :]
    explicit = bool(np.isfinite(fixed_lo).any() or np.isfinite(fixed_hi).any())
    p_lo = np.where(np.isfinite(fixed_lo), fixed_lo, lo0 - point_margin * np.abs(lo0))
    p_hi = np.where(np.isfinite(fixed_hi), fixed_hi, hi0 + point_margin * np.abs(hi0))
    if act is not None:  # left-out cells: any positive span; their u is set to 0 below
        p_lo, p_hi = np.broadcast_to(p_lo, (E, n_ind)), np.broadcast_to(p_hi, (E, n_ind))
        p_hi = np.where(act, p_hi, p_lo + 1.0)
    u_point = efficacy(xx, pos, lower=p_lo[:, None, :], upper=p_hi[:, None, :], clip=explicit)
    if act is not None:
        u_point[~np.broadcast_to(act[:, None, :], u_point.shape)] = 0.0
    if geo_weights is not None:
        mu_point = subsystem_order(u_point, geo_weights, mem, "weighted_geometric")
    else:
        mu_point = subsystem_order(u_point, phi, mem, aggregation)
    U_point, t0, t1 = synergy_path(mu_point, base)
    P = t1.size
    stage_point = classify(U_point, stage_edges)
    rank_point = min_rank(U_point.T).T  # ranks over entities, per compared period

    # -- what every draw shares ---------------------------------------------------------
    draw_weights = aggregation != "geometric" and math.isfinite(concentration)
    if geo_weights is not None:
        phi_draw, reference_phi, support_mask = geo_weights, geo_weights, None
    elif scope == "entity":
        phi_draw = reference_phi = np.broadcast_to(phi, (E, n_ind))
        support_mask = None
    else:
        reference_phi = _panel_vector(phi)
        same = bool((phi == phi[:1]).all())
        phi_draw = phi[:1] if same else phi
        support_mask = None if same else phi > 0  # (E, I): each entity's own indicators
    shared = _Draws(
        x=xx,
        positive=pos,
        phi=phi_draw,
        reference=reference_phi,
        support_mask=support_mask,
        membership=mem,
        lo=lo0,
        hi=hi0,
        fixed_lo=fixed_lo,
        fixed_hi=fixed_hi,
        active=act,
        concentration=concentration if draw_weights else None,
        margin_range=(a_lo, a_hi),
        children=np.random.SeedSequence(seed).spawn(D),
        base=base,
        aggregation="weighted_geometric" if geo_weights is not None else aggregation,
    )
    # the interval (lower, upper] of each point stage: a draw keeps the stage iff inside
    edges = np.concatenate(([-np.inf], np.asarray(stage_edges, dtype=float), [np.inf]))
    stage_lower = edges[stage_point]  # (E, P)
    stage_upper = edges[stage_point + 1]
    rank_point_t = np.ascontiguousarray(rank_point.T)  # (P, E)

    # Draw-major stores: each chunk writes one contiguous block.
    store_mu = np.empty((D, E, k, T))
    store_U = np.empty((D, E, P))
    store_rank = np.empty((D, P, E), dtype=np.int32)
    margins = np.empty(D)
    keep_weights = return_draws and aggregation != "geometric"
    weight_store = np.empty((D, *phi_draw.shape)) if keep_weights else None

    per_draw = _bytes_per_draw(E, T, n_ind, k, P, aggregation)
    size = max(1, min(D, chunk_bytes // per_draw))
    chunks = [(d0, min(D, d0 + size)) for d0 in range(0, D, size)]
    n_workers = _workers(workers, len(chunks))

    def run(chunk: tuple[int, int]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        d0, d1 = chunk
        a, w = shared.draw(d0, d1)  # (dc,), (dc, E or 1, I)
        margins[d0:d1] = a
        if weight_store is not None:
            weight_store[d0:d1] = w
        mu = store_mu[d0:d1]  # (dc, E, k, T), filled in place
        shared.fill_mu(mu, a, w)
        U = synergy_path(mu.transpose(0, 1, 3, 2), base)[0]  # (dc, E, P)
        store_U[d0:d1] = U
        same_stage = ((U > stage_lower) & (U <= stage_upper)).sum(axis=0)
        ranks = store_rank[d0:d1]  # (dc, P, E)
        ranks[...] = min_rank(np.ascontiguousarray(U.transpose(0, 2, 1)))
        same_rank = (ranks == rank_point_t).sum(axis=0).T
        return same_stage, same_rank

    stage_count = np.zeros((E, P), dtype=np.int64)
    rank_count = np.zeros((E, P), dtype=np.int64)
    for same_stage, same_rank in _map(run, chunks, n_workers):
        stage_count += same_stage
        rank_count += same_rank

    # -- percentiles over the draw axis, in blocks -----------------------------------------
    U_bands = _bands(store_U, chunk_bytes, n_workers)  # (3, E, P)
    rank_bands = np.ascontiguousarray(_bands(store_rank, chunk_bytes, n_workers).swapaxes(1, 2))
    mu_bands = np.ascontiguousarray(_bands(store_mu, chunk_bytes, n_workers).swapaxes(2, 3))

    return RobustnessResult(
        t0=t0,
        t1=t1,
        margins=margins,
        synergy=U_point,
        synergy_p5=U_bands[0],
        synergy_median=U_bands[1],
        synergy_p95=U_bands[2],
        stage=stage_point,
        stage_agreement=stage_count / D,
        rank=rank_point,
        rank_p5=rank_bands[0],
        rank_median=rank_bands[1],
        rank_p95=rank_bands[2],
        rank_agreement=rank_count / D,
        mu=mu_point,
        mu_p5=mu_bands[0],
        mu_median=mu_bands[1],
        mu_p95=mu_bands[2],
        weight_draws=weight_store,
        synergy_draws=store_U if return_draws else None,
        rank_draws=store_rank.transpose(0, 2, 1) if return_draws else None,
        mu_draws=store_mu.transpose(0, 1, 3, 2) if return_draws else None,
    )


# -- the draws -----------------------------------------------------------------------------


class _Draws:
    """Random draws and their μ; read-only after construction, so chunks run in threads.

    Arrays of a chunk are draw-major, ``(dc, E, …)``: the draws of one chunk are written
    as one contiguous block of each store.
    """

    def __init__(
        self,
        *,
        x: Array,
        positive: NDArray[np.bool_],
        phi: Array,
        reference: Array,
        support_mask: NDArray[np.bool_] | None,
        membership: NDArray[np.bool_],
        lo: Array,
        hi: Array,
        fixed_lo: Array,
        fixed_hi: Array,
        active: NDArray[np.bool_] | None,
        concentration: float | None,
        margin_range: tuple[float, float],
        children: list[np.random.SeedSequence],
        base: str | int,
        aggregation: Aggregation,
    ) -> None:
        self.x = x
        self.positive = positive
        self.phi = phi  # (E or 1, I): the point weights, returned when none are drawn
        self.support_mask = support_mask  # (E, I) or None: each entity's own indicators
        self.membership = membership
        self.memf = membership.astype(float)
        self.columns = [_positions(col) for col in membership.T]
        self.subsystem_of = membership.argmax(axis=1)
        # Gamma shapes κ·φ of the positive weights, in C order of the reference array.
        self.support = reference > 0
        self.dense = bool(self.support.all())
        self.ref_shape = reference.shape
        self.alpha = None if concentration is None else concentration * reference[self.support]
        self.margin_range = margin_range
        self.children = children
        # weights per entity: each entity's stream, drawn block of draws by block in order
        self.per_entity = self.alpha is not None and self.ref_shape[0] > 1 and support_mask is None
        self.starts = np.concatenate(([0], np.cumsum(self.support.sum(axis=1))))
        self.entity_streams = [
            np.random.default_rng(np.random.SeedSequence(children[0].entropy, spawn_key=(2**32, e)))
            for e in range(self.ref_shape[0] if self.per_entity else 0)
        ]
        self.next_draw = 0
        self.turn = threading.Condition()
        self.base = base
        self.aggregation = aggregation
        # Bounds at margin a: lower = L0 − a·Ls, upper = U0 + a·Us (METHOD.md §1); an
        # explicit bound has Ls = 0 or Us = 0 and stays where it is.
        has_lo, has_hi = np.isfinite(fixed_lo), np.isfinite(fixed_hi)
        self.L0 = np.where(has_lo, fixed_lo, lo)  # (Eb, I)
        self.Ls = np.where(has_lo, 0.0, np.abs(lo))
        self.U0 = np.where(has_hi, fixed_hi, hi)
        self.Us = np.where(has_hi, 0.0, np.abs(hi))
        if has_lo.any() or has_hi.any():  # outside explicit bounds: u clipped, as the fit
            x = np.clip(x, np.where(has_lo, fixed_lo, -np.inf), np.where(has_hi, fixed_hi, np.inf))
            self.x = x
        sign = np.where(positive, 1.0, -1.0)
        span0 = self.U0 - self.L0
        slope = self.Us + self.Ls
        lo_a = margin_range[0]
        # Span 0 at margin 0 but growing with a: u is the same for every a > 0 (the limit).
        flat = (span0 == 0) & (slope > 0)
        bad = ~(span0 + lo_a * slope > 0) & ~flat
        if active is not None:
            bad = bad & active
            flat = flat | ~active
        if bad.any():
            e, i = (int(v) for v in np.argwhere(bad)[0])
            raise ValueError(
                f"upper bound equals or falls below the lower bound for indicator {i}"
                + (f" of entity {e}" if bad.shape[0] > 1 else "")
                + f" at margin {lo_a!r}: u is undefined (a series constant at 0, or an "
                "explicit bound on the wrong side of the data)"
            )
        self.flat = flat if flat.any() else None
        # the limit of u as a → 0+, where the span is 0 at a = 0 (0 for left-out cells)
        with np.errstate(divide="ignore", invalid="ignore"):
            off_slope = np.where(positive, self.Ls, -self.Us)
            self.limit = np.where(flat & (slope > 0), off_slope / (sign * slope), 0.0)
        if active is not None:
            self.limit = np.where(active, self.limit, 0.0)
        if aggregation == "weighted_sum":
            # span(a)·s = (U0 − L0)·s + a·(Us + Ls)·s, with s = ±1 the direction
            self.signed_range = sign * span0
            self.signed_slope = sign * slope
            # r: each entity's minimum, subtracted from x before the products (accuracy).
            ref = x.min(axis=1)  # (E, I)
            centred = (x - ref[:, None, :]).transpose(0, 2, 1)  # (E, I, T)
            self.xs = [np.ascontiguousarray(centred[:, c, :]) for c in self.columns]
            # r − m(a) = (r − m(0)) + a·(Ls for a positive indicator, −Us for a negative)
            self.offset_0 = ref - np.where(positive, self.L0, self.U0)  # (E, I)
            self.offset_slope = off_slope  # (Eb, I)

    def draw(self, d0: int, d1: int) -> tuple[Array, Array]:
        """Margins (dc,) and weights (dc, E or 1, I) of draws ``d0..d1−1``."""
        a = np.empty(d1 - d0)
        g = np.zeros((d1 - d0, *self.ref_shape)) if self.alpha is not None else None
        for n, d in enumerate(range(d0, d1)):  # RNG only: one vectorised call per draw
            rng = np.random.default_rng(self.children[d])
            a[n] = rng.uniform(*self.margin_range)
            if g is not None and not self.per_entity:
                assert self.alpha is not None
                if self.dense:
                    g[n].reshape(-1)[:] = rng.standard_gamma(self.alpha)
                else:
                    g[n][self.support] = rng.standard_gamma(self.alpha)
        if g is None:
            return a, np.broadcast_to(self.phi, (d1 - d0, *self.phi.shape))
        if self.per_entity:
            assert self.alpha is not None
            with self.turn:  # the blocks of draws in order: each entity's stream goes on
                self.turn.wait_for(lambda: self.next_draw == d0)
                for e, rng in enumerate(self.entity_streams):
                    alpha = self.alpha[self.starts[e] : self.starts[e + 1]]
                    g[:, e, self.support[e]] = rng.standard_gamma(alpha, (d1 - d0, alpha.size))
                self.next_draw = d1
                self.turn.notify_all()
        if self.support_mask is not None:
            g = g * self.support_mask  # (dc, E, I): the shared draw, each entity's part
        sums = g @ self.memf  # (dc, E or 1, k)
        owned = (self.phi > 0) @ self.memf > 0 if self.support_mask is not None else None
        small = sums < _SMALLEST_SUM
        if owned is not None:
            small &= owned
        for m in np.flatnonzero(small.any(axis=(1, 2))):  # rare: tiny concentrations only
            g[m] = self._log_space(d0 + int(m))
            sums[m] = 1.0
        g /= sums[..., self.subsystem_of]
        return a, g

    def _log_space(self, d: int) -> Array:
        """Weights of draw ``d`` from log-space gamma variates (no underflow).

        The draw's stream continues after its margin and gamma variates:
        ``ln g = ln Gamma(α + 1) + ln(V)/α`` with ``V ~ Uniform(0, 1]`` has the law of
        ``ln Gamma(α)``; each subsystem is then normalised by a log-sum-exp.
        """
        assert self.alpha is not None
        rng = np.random.default_rng(self.children[d])
        rng.uniform(*self.margin_range)
        rng.standard_gamma(self.alpha)
        log_g = np.full(self.ref_shape, -np.inf)
        log_g[self.support] = np.log(rng.standard_gamma(self.alpha + 1.0)) + (
            np.log1p(-rng.random(self.alpha.size)) / self.alpha
        )
        if self.support_mask is not None:
            log_g = np.where(self.support_mask, log_g, -np.inf)
        top = np.full((*log_g.shape[:-1], len(self.columns)), -np.inf)
        for j, cols in enumerate(self.columns):  # k subsystems: a handful
            top[..., j] = log_g[..., cols].max(axis=-1)
        top = np.where(np.isfinite(top), top, 0.0)
        g = np.exp(log_g - top[..., self.subsystem_of])
        total = g @ self.memf
        return np.asarray(g / np.where(total > 0, total, 1.0)[..., self.subsystem_of])

    def fill_mu(self, mu: Array, a: Array, w: Array) -> None:
        """Write μ of the draws with margins ``a`` (dc,) and weights ``w`` into ``mu``.

        ``mu`` has shape (dc, E, k, T).
        """
        a3 = a[:, None, None]
        if self.aggregation == "weighted_sum":
            self._fill_affine(mu, a3, w)
            return
        # u = x·(±1) + (−lower or upper), then / span — exactly as efficacy rounds it.
        lower = self.L0 - a3 * self.Ls  # (dc, Eb, I) — METHOD.md §1
        upper = self.U0 + a3 * self.Us
        offset = np.where(self.positive, -lower, upper)[:, :, None, :]
        u = np.multiply(self.x, np.where(self.positive, 1.0, -1.0)) + offset
        span = upper - lower
        if self.flat is not None:
            span = np.where(self.flat, 1.0, span)
        u /= span[:, :, None, :]  # (dc, E, T, I)
        if self.flat is not None:
            u = np.where(self.flat[:, None, :], self.limit[:, None, :], u)
        np.clip(u, 0.0, 1.0, out=u)
        order = subsystem_order(u, w, self.membership, self.aggregation)  # (dc, E, T, k)
        mu[...] = order.transpose(0, 1, 3, 2)

    def _fill_affine(self, mu: Array, a3: Array, w: Array) -> None:
        """Weighted sum by the affine form of u (METHOD.md §1, §3): no u materialised.

        ``μ_j = Σ_{i∈j} c_i·(x_i − r_i) + Σ_{i∈j} c_i·(r_i − m_i)``, ``c_i = φ_i s_i/span_i``.
        """
        den = self.signed_range + self.signed_slope * a3  # (dc, Eb, I)
        if self.flat is not None:
            den = np.where(self.flat, 1.0, den)
        coef = w / den  # (dc, E or 1, I)
        const = coef * (self.offset_0 + self.offset_slope * a3)  # (dc, E, I)
        if self.flat is not None:  # u is its limit there: no part of x, a constant
            coef = np.where(self.flat, 0.0, coef)
            const = np.where(self.flat, w * self.limit, const)
        coef_e = coef.transpose(1, 0, 2)  # (E or 1, dc, I)
        for j, cols in enumerate(self.columns):  # k subsystems: a handful
            block = mu[:, :, j, :]  # (dc, E, T)
            # (E, dc, I_j) @ (E, I_j, T), written straight into the block
            np.matmul(coef_e[:, :, cols], self.xs[j], out=block.transpose(1, 0, 2))
            block += const[:, :, cols].sum(axis=-1)[..., None]
        # As subsystem_order: Σφ·u can leave [0, 1] by an ulp.
        np.maximum(mu, 0.0, out=mu)
        np.minimum(mu, 1.0, out=mu)


#: A subsystem's gamma variates summing below this are drawn again in log space.
_SMALLEST_SUM = 1e-300


def _normalised(phi: Array, memf: Array) -> Array:
    """Each row normalised to sum 1 within each subsystem; rows within 1e-9 kept as they are."""
    sums = phi @ memf  # (rows, k)
    if not (sums > 0).all():
        raise ValueError("weights: every subsystem needs a positive weight in every row")
    if np.allclose(sums, 1.0, rtol=0.0, atol=1e-9):
        return phi
    return np.asarray(phi / sums[:, memf.argmax(axis=1)], dtype=float)


def _explicit(value: ArrayLike | None, n_ind: int, name: str) -> Array:
    """Explicit bounds as an (I,) array, NaN where the bound is widened from the data."""
    if value is None:
        return np.full(n_ind, np.nan)
    v = np.asarray(value, dtype=float)
    if v.shape != (n_ind,):
        raise ValueError(f"{name} must have shape ({n_ind},), got shape {v.shape}")
    if np.isinf(v).any():
        raise ValueError(f"{name}: explicit bounds must be finite (NaN for none)")
    return v


def _panel_vector(phi: Array) -> Array:
    """The panel's weight vector (1, I): the first row, an indicator with weight 0 there
    taking its weight from the first row that uses it."""
    used = phi > 0
    first = np.where(used.any(axis=0), used.argmax(axis=0), 0)
    return phi[first, np.arange(phi.shape[1])][None, :]


def _positions(column: NDArray[np.bool_]) -> slice | NDArray[np.intp]:
    """Indicator positions of one subsystem: a slice when contiguous (a view, no copy)."""
    idx = np.flatnonzero(column)
    if idx[-1] - idx[0] + 1 == idx.size:
        return slice(int(idx[0]), int(idx[-1]) + 1)
    return idx


def _bounds_axes(bounds_axis: int | tuple[int, ...]) -> int | tuple[int, int]:
    """1 (per entity) or (0, 1) (over the panel); anything else is an error."""
    axes = (bounds_axis,) if isinstance(bounds_axis, int | np.integer) else tuple(bounds_axis)
    norm = sorted({int(v) % 3 for v in axes})
    if norm == [1]:
        return 1
    if norm == [0, 1]:
        return (0, 1)
    raise ValueError(
        f"bounds_axis must be 1 (per entity over its periods) or (0, 1) (over the panel), "
        f"got {bounds_axis!r}"
    )


def _bytes_per_draw(E: int, T: int, n_ind: int, k: int, P: int, aggregation: str) -> int:
    """Working memory of one draw in a chunk (float64 temporaries, counted generously)."""
    per_indicator = 10 * E * n_ind  # gammas, weights, bounds, coefficients, constants
    per_period = E * T * k * 3 + E * P * 10  # μ, U, its stage, the rank sort
    if aggregation != "weighted_sum":
        per_indicator += 5 * E * T * n_ind  # u, ln u, φ·ln u, the zero mask
    return 8 * (per_indicator + per_period)


def _workers(workers: int | None, n_jobs: int) -> int:
    if workers is None:
        try:
            workers = len(os.sched_getaffinity(0))
        except AttributeError:  # not on Linux
            workers = os.cpu_count() or 1
    if int(workers) != workers or workers < 1:
        raise ValueError(f"workers must be a positive integer, got {workers!r}")
    return max(1, min(int(workers), n_jobs))


def _map(func: Callable[[_In], _Out], jobs: Sequence[_In], workers: int) -> list[_Out]:
    """``[func(j) for j in jobs]``, on ``workers`` threads (NumPy releases the GIL)."""
    if workers == 1:
        return [func(j) for j in jobs]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(func, jobs))


# -- ranks and percentiles -----------------------------------------------------------------


def min_rank(values: Array) -> IntArray:
    """Rank along the last axis, 1 = largest; ties share the smallest rank ("min")."""
    n = values.shape[-1]
    neg = -values.reshape(-1, n)
    order = np.argsort(neg, axis=-1)
    order += (np.arange(neg.shape[0]) * n)[:, None]  # positions in the flat array
    ordered = neg.reshape(-1)[order]
    new = np.empty(ordered.shape, dtype=bool)  # a run of equal values starts here
    new[:, :1] = True
    np.not_equal(ordered[:, 1:], ordered[:, :-1], out=new[:, 1:])
    ranks = np.empty(neg.size, dtype=np.int32)
    if new.all():  # no ties: the sorted position is the rank
        ranks[order] = np.arange(1, n + 1, dtype=np.int32)
    else:  # the position where each run starts, carried along the run
        start = np.maximum.accumulate(np.where(new, np.arange(n, dtype=np.int32), 0), axis=-1)
        start += 1
        ranks[order] = start
    return ranks.reshape(values.shape)


def _bands(store: NDArray[Any], chunk_bytes: int, workers: int) -> Array:
    """``np.quantile(store, QUANTILES, axis=0, method="linear")`` for a draw-major store.

    Block by block over the other axes: transpose the block so the draws are contiguous,
    sort them (a full SIMD sort is several times faster than numpy's multi-point partition
    for three quantiles), and interpolate as numpy's ``_lerp`` does, so the result is the
    same number.
    """
    n = store.shape[0]
    flat = store.reshape(n, -1)
    out = np.empty((len(QUANTILES), flat.shape[1]))
    q = np.asarray(QUANTILES)
    h = (n - 1) * q  # numpy's virtual index for method "linear" (H&F type 7)
    below = np.clip(np.floor(h), 0, n - 1).astype(np.intp)
    above = np.clip(below + 1, 0, n - 1)
    gamma = h - below
    size = max(1, min(flat.shape[1], chunk_bytes // (16 * n)))

    def block(c0: int) -> None:
        c1 = min(flat.shape[1], c0 + size)
        part = np.sort(flat[:, c0:c1].T, axis=-1)  # (columns, draws)
        for n_q in range(len(QUANTILES)):
            lo = part[:, below[n_q]].astype(float)
            hi = part[:, above[n_q]].astype(float)
            diff = hi - lo
            g = gamma[n_q]
            out[n_q, c0:c1] = hi - diff * (1 - g) if g >= 0.5 else lo + diff * g

    _map(block, list(range(0, flat.shape[1], size)), workers)
    return out.reshape(len(QUANTILES), *store.shape[1:])

"""Robustness of the synergy degree to the margin and the weights (METHOD.md §7).

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
import tempfile
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
from cosyn.methods.synergy import SYNERGY_ROUNDOFF, synergy_path

__all__ = [
    "CHUNK_BYTES",
    "ENTITY_STREAMS",
    "QUANTILES",
    "RobustnessResult",
    "min_rank",
    "rank_figures",
    "robustness_draws",
]

Aggregation = Literal["weighted_sum", "geometric", "weighted_geometric"]
Array = NDArray[np.float64]
IntArray = NDArray[np.int32]
_In = TypeVar("_In")
_Out = TypeVar("_Out")

#: Probabilities of the bands: 5th percentile, median, 95th percentile.
QUANTILES: tuple[float, float, float] = (0.05, 0.5, 0.95)
#: Default memory budget of one chunk of entities, in bytes (128 MiB).
CHUNK_BYTES = 2**27
#: First word of the spawn key of an entity's random streams: its weights, and the two of
#: its log-space redraws (see :func:`robustness_draws`, Notes). The streams of the draws
#: (margins, panel weight vectors) have spawn keys of one word, the draw's index.
ENTITY_STREAMS = {"weights": 2**32, "log_gamma": 2**32 + 1, "log_uniform": 2**32 + 2}


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
    rank : ndarray of int, shape (E, P), or None
        Rank of the point U among the entities in each compared period (1 = highest;
        ties share the smallest rank). None with ``ranks=False`` (the entities are a part
        of the panel, ranked elsewhere: :func:`min_rank` and :func:`rank_figures`).
    rank_p5, rank_median, rank_p95 : ndarray, shape (E, P), or None
        Percentiles of the rank over the draws (linear interpolation: may be fractional).
    rank_agreement : ndarray, shape (E, P), or None
        Share of draws whose rank equals the point rank.
    mu : ndarray, shape (E, T, k)
        Point subsystem order degrees μ.
    mu_p5, mu_median, mu_p95 : ndarray, shape (E, T, k)
        Percentiles of μ over the draws.
    weight_draws : ndarray, shape (D, E or 1, I), or None
        The weights of each draw (``return_draws=True``; second axis 1 when the weights are
        one vector for the panel; None for ``"geometric"``, whose μ ignores the weights).
    synergy_draws : ndarray, shape (D, E, P), or None
        U of every draw (``return_draws=True``, or ``ranks=False``: what the ranks of a
        panel in parts are found from).
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
    rank: IntArray | None
    rank_p5: Array | None
    rank_median: Array | None
    rank_p95: Array | None
    rank_agreement: Array | None
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
    entity_keys: ArrayLike | None = None,
    panel_weights: ArrayLike | None = None,
    data_range: tuple[ArrayLike, ArrayLike] | None = None,
    ranks: bool = True,
    return_draws: bool = False,
    chunk_bytes: int = CHUNK_BYTES,
    chunk_entities: int | None = None,
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
    entity_keys : array_like of int, shape (E,) or (E, w), optional
        A key of each entity (non-negative integers, one row per entity, no two rows
        equal) that seeds its own random stream of weights (see Notes), so that an
        entity's draws depend on the seed and its key only — not on the other entities,
        their order, or how the panel is split. Default: the entity's position
        ``0..E−1``. ``cosyn.fit`` keys each entity by its label.
    panel_weights : array_like, shape (I,), optional
        With ``weights_scope = "panel"``: the panel's weight vector the draws are made
        around (normalised within each subsystem), when the rows of ``weights`` differ
        because some indicators are left out for some entities. Default: each
        indicator's weight in the first row that uses it. Every weight in use in a row
        must be positive here.
    data_range : (array_like, array_like), optional
        The minimum and maximum of each indicator, shape (I,), over the whole panel, with
        ``bounds_axis = (0, 1)`` when ``x`` holds a part of the panel (they give the
        bounds of every draw); by default those of ``x``.
    ranks : bool
        Rank the entities (default). False when ``x`` holds a part of the panel: the
        rank fields are None and ``synergy_draws`` holds U of every draw, from which the
        ranks over the whole panel are found (:func:`min_rank`, :func:`rank_figures`).
    return_draws : bool
        Also return the weights, U, ranks and μ of every draw (memory: see Notes).
    chunk_bytes : int
        Memory budget of one chunk (default :data:`CHUNK_BYTES`, 128 MiB): the number of
        entities in a chunk is the most whose draws fit in it, at least 1 (see Notes). It
        never changes a number of the result.
    chunk_entities : int, optional
        Entities per chunk, instead of the number ``chunk_bytes`` gives (for tests).
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
      ``np.random.default_rng(np.random.SeedSequence(seed).spawn(draws)[d])``, which
      gives its margin ``a_d = rng.uniform(a_lo, a_hi)`` and then, with
      ``weights_scope = "panel"``, one ``rng.standard_gamma(κ·φ_i)`` per positive weight
      of the panel vector. Weights per entity come from the entity's own generator,
      ``np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(2**32, *key)))``
      with ``key`` its row of ``entity_keys`` (:data:`ENTITY_STREAMS`): one call
      ``rng.standard_gamma(κ·φ, size=(draws, n))`` over its ``n`` positive point weights
      (draw by draw, indicators in order). None are drawn for ``"geometric"`` or
      ``κ = inf``. So an entity's draws depend only on ``seed``, its key and its own
      inputs — never on the other entities, the chunks or ``workers`` — and the first
      ``n`` draws of a run are the ``n`` draws of a run with ``draws = n``. The output is
      bitwise identical for the same seed and inputs, whatever ``chunk_bytes``,
      ``chunk_entities`` and ``workers`` (every sum runs over one entity's own values in
      a fixed order); another number of draws can change the last bit of a weighted-sum
      μ or U (the rounding of the matrix products), never a draw.
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
      0.05 or less), that draw's weights are drawn again in log space:
      ``ln g_i = ln Gamma(κφ_i + 1) + ln(V_i)/(κφ_i)``, ``V_i ~ Uniform(0, 1]`` (the same
      Gamma(κφ_i) law), normalised by a log-sum-exp. The variates come from two more
      streams of the same kind (spawn keys ``(2**32 + 1, *key)`` for the gamma variates
      and ``(2**32 + 2, *key)`` for the uniforms per entity; for the panel vector, from
      the draw's stream after its first variates), one row of ``n`` for each such draw in
      draw order. No weight is ever NaN; as ``κ → 0`` each draw puts weight ≈ 1 on one
      indicator, indicator ``i`` with probability ``φ_i`` — the limit of the Dirichlet.
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
      the draws (draw axis first), computed from the order statistics along the draw
      axis (found by partitions; the ranks' by a radix sort).
    - **Ranks.** Within each compared period and draw, over the entities: rank 1 is the
      highest U; ties share the smallest rank ("min", competition ranking 1, 2, 2, 4).
      Ranks lie in 1..E. Their percentiles interpolate linearly (may be fractional);
      ``rank_agreement`` counts draws with exactly the point rank.
    - **Stage agreement.** Share of draws with ``classify(U_d, stage_edges)`` equal to the
      stage of the point U (tested as ``lower < U_d ≤ upper`` of the point's interval).
      A U within rounding of an edge (e.g. U = 0 where some ``Δ_j = 0`` exactly) may flip
      stage between the point and a draw that reproduces it.

    Speed and memory. The draws run in chunks of whole entities: a chunk draws the
    weights of its entities for every draw (each entity from its own stream), computes μ
    and U of every draw, and reduces them at once to the percentiles of μ and U and the
    stage agreement; then its draws are dropped. What is not per entity is done before the
    first chunk: the bounds of ``bounds = "panel"`` (min and max over the panel), the
    margins of every draw, and with ``weights_scope = "panel"`` the shared weight vector
    of every draw (``D × I`` numbers). Ranks compare the entities within a draw, so they
    cannot be reduced chunk by chunk: each chunk writes U of its draws to a store
    (``8·D·E·P`` bytes), which is then read back a block of draws at a time (every
    entity) to rank them, and the ranks (2 bytes each up to 65,535 entities, else 4)
    are read back a chunk of entities at a time for their percentiles. A store larger
    than ``chunk_bytes`` is a temporary file (in :func:`tempfile.gettempdir`, deleted at
    the end), not memory — 830 MiB of disk for 1,000 draws of 3,000 entities × 29
    compared periods.

    Chunk size, from the memory budget ``chunk_bytes``: half of it holds the weights of
    the chunk's entities over all ``D`` draws, ``8·D·(I + k)`` bytes an entity, so a
    chunk has ``max(1, chunk_bytes // 2 // (8·D·(I + k)))`` entities, and there are at
    least ``workers`` chunks when there are that many entities; the other half computes and
    reduces them in parts of ``max(1, chunk_bytes // 2 // (8·D·(3·I + k·T + 3·P)))``
    entities (coefficients, μ, U and the temporaries of one entity over all draws). A
    block of draws for the ranks holds ``max(1, chunk_bytes // (48·E·P))`` draws. Peak
    memory is about ``workers × chunk_bytes`` above the inputs and the point fit,
    whatever ``D × E`` (with ``return_draws``, plus every draw:
    ``D·E·(8·I + 8·T·k + 12·P)`` bytes).

    For ``"weighted_sum"`` no ``u`` is materialised: with ``m_i = lower_i`` (positive) or
    ``upper_i`` (negative) and ``s_i = ±1``, ``u_i = s_i·(x_i − m_i(a))/span_i(a)`` is
    affine in ``x``, so ``μ_j = Σ_{i∈j} [φ_i s_i / span_i]·(x_i − r_i) + c_j`` with ``r_i``
    the entity's minimum (subtracted first, for accuracy) and
    ``c_j = Σ_{i∈j} [φ_i s_i/span_i]·(r_i − m_i)``: one matrix product per entity and
    subsystem of (periods × indicators) @ (indicators × draws) (BLAS), which leaves the
    draws of each (entity, period) side by side for the percentiles. Each product is cut
    into blocks of draws of at most 2^18 multiply-adds, below which OpenBLAS runs it on
    the calling thread (starting its threads for each small product took several times
    the work itself). The geometric aggregations have no such shortcut: ``u`` is
    materialised for blocks of draws within the chunk and passed to
    :func:`subsystem_order` — several times slower. The random numbers are drawn with one
    vectorised call per entity (all its draws; a new generator per entity costs about
    10 µs); all other work is vectorised over the draws and the entities of a chunk.
    ``workers`` chunks run at a time on threads (NumPy releases the GIL). Ranks are found by
    sorting integer keys that carry each entity's position beside the high bits of its
    U (an argsort only for a row with ties); the percentiles of the ranks by numpy's radix
    sort.
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

    keys = _entity_keys(entity_keys, E)

    # -- the point estimate, by the kernels of the point fit ----------------------------
    if data_range is not None:
        if axes != (0, 1):
            raise ValueError("data_range gives the panel's range: only with bounds_axis (0, 1)")
        lo0, hi0 = (_explicit(v, n_ind, "data_range")[None, :] for v in data_range)
        if not (np.isfinite(lo0).all() and np.isfinite(hi0).all() and (lo0 <= hi0).all()):
            raise ValueError("data_range must be finite, with each minimum <= its maximum")
    else:
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
    rank_point = min_rank(U_point.T).T if ranks else None  # over entities, per period

    # -- what every draw shares, drawn or reduced before the chunks ----------------------
    draw_weights = aggregation != "geometric" and math.isfinite(concentration)
    if geo_weights is not None:
        phi_draw, reference_phi, support_mask = geo_weights, geo_weights, None
    elif scope == "entity":
        phi_draw = reference_phi = np.broadcast_to(phi, (E, n_ind))
        support_mask = None
    else:
        reference_phi = _panel_vector(phi)
        if panel_weights is not None:
            reference_phi = _normalised(
                _explicit(panel_weights, n_ind, "panel_weights")[None, :], memf
            )
            if not (reference_phi >= 0).all() or ((phi > 0) & ~(reference_phi > 0)).any():
                raise ValueError(
                    "panel_weights must be >= 0 and positive for every weight in use in a row"
                )
        same = bool((phi == phi[:1]).all())
        phi_draw = phi[:1] if same else phi
        support_mask = None if same else phi > 0  # (E, I): each entity's own indicators
    shared = _Draws(
        x=xx,
        positive=pos,
        phi=phi_draw,
        reference=reference_phi,
        support_mask=support_mask,
        panel_vector=scope == "panel" and geo_weights is None,
        membership=mem,
        lo=lo0,
        hi=hi0,
        fixed_lo=fixed_lo,
        fixed_hi=fixed_hi,
        active=act,
        concentration=concentration if draw_weights else None,
        margin_range=(a_lo, a_hi),
        seed=seed,
        keys=keys,
        draws=D,
        aggregation="weighted_geometric" if geo_weights is not None else aggregation,
        chunk_bytes=chunk_bytes,
    )
    # the interval (lower, upper] of each point stage: a draw keeps the stage iff inside
    edges = np.concatenate(([-np.inf], np.asarray(stage_edges, dtype=float), [np.inf]))
    stage_lower = edges[stage_point]  # (E, P)
    stage_upper = edges[stage_point + 1]

    # -- chunks of entities ---------------------------------------------------------------
    # A chunk draws the weights of its entities (half the budget), then computes and
    # reduces them in parts of a few entities (the other half).
    if chunk_entities is None:
        draws_per_entity, reduce_per_entity = _bytes_per_entity(D, T, n_ind, k, P)
        size = max(1, min(E, chunk_bytes // 2 // draws_per_entity))
        size = min(size, -(-E // _workers(workers, E)))  # a chunk for each worker at least
        part = max(1, min(size, chunk_bytes // 2 // reduce_per_entity))
    elif int(chunk_entities) != chunk_entities or chunk_entities < 1:
        raise ValueError(f"chunk_entities must be a positive integer, got {chunk_entities!r}")
    else:
        size = part = min(E, int(chunk_entities))
    chunks = [(e0, min(E, e0 + size)) for e0 in range(0, E, size)]
    # the parts, in order: the store of U holds part (e0, e1) as (D, P, e1 − e0) at e0·D·P
    parts = [(s0, min(c1, s0 + part)) for c0, c1 in chunks for s0 in range(c0, c1, part)]
    n_workers = _workers(workers, len(chunks))

    U_bands = np.empty((len(QUANTILES), E, P))
    mu_bands = np.empty((len(QUANTILES), E, T, k))
    stage_count = np.empty((E, P), dtype=np.int64)
    keep_weights = return_draws and aggregation != "geometric"
    weight_store = np.empty((D, *phi_draw.shape)) if keep_weights else None
    synergy_store = np.empty((D, E, P)) if return_draws or not ranks else None
    mu_store = np.empty((D, E, k, T)) if return_draws else None

    # Ranks need every entity of a draw: U goes to a store, chunk by chunk, laid out so
    # that a chunk's block of draws is contiguous: chunk (e0, e1) holds (D, P, e1 − e0)
    # values from offset e0·D·P.
    rank_dtype = np.uint16 if E <= np.iinfo(np.uint16).max else np.int32
    stored = D * E * P if ranks else 0  # without ranks, U of every draw is returned
    in_memory = stored * (8 + np.dtype(rank_dtype).itemsize) <= chunk_bytes
    u_store = _Store(stored, np.float64, in_memory)
    rank_store = _Store(stored, rank_dtype, in_memory)

    def reduce_chunk(chunk: tuple[int, int]) -> None:
        w = shared.weights(chunk)
        for s0 in range(chunk[0], chunk[1], part):  # parts of the chunk, a few entities each
            s1 = min(chunk[1], s0 + part)
            reduce_part(s0, s1, w if w.shape[1] == 1 else w[:, s0 - chunk[0] : s1 - chunk[0]])

    def reduce_part(e0: int, e1: int, w: Array) -> None:
        n = e1 - e0
        ws = shared.workspace
        mu = ws.get("mu", (n, k, T, D))  # the draws of each (entity, subsystem, period) together
        shared.fill_mu(e0, e1, w, mu)
        if weight_store is not None:
            if weight_store.shape[1] == 1:
                weight_store[...] = w[:, :1]
            else:
                weight_store[:, e0:e1] = w
        U = ws.get("U", (n, P, D))  # (entity, compared period, draw)
        _synergy_by_draw(mu, base, U, ws)
        inside, above = ws.get("inside", U.shape, bool), ws.get("above", U.shape, bool)
        np.greater(U, stage_lower[e0:e1, :, None], out=inside)
        np.less_equal(U, stage_upper[e0:e1, :, None], out=above)
        inside &= above
        stage_count[e0:e1] = np.count_nonzero(inside, axis=-1)
        if ranks:
            by_draw = ws.get("by_draw", (D, P, n))
            np.copyto(by_draw, U.transpose(2, 1, 0))
            u_store.write(e0 * D * P, by_draw)
        if synergy_store is not None:
            synergy_store[:, e0:e1] = U.transpose(2, 0, 1)
        if mu_store is not None:
            mu_store[:, e0:e1] = mu.transpose(3, 0, 1, 2)
        U_bands[:, e0:e1] = _quantiles(U.reshape(-1, D)).reshape(-1, n, P)
        mu_bands[:, e0:e1] = _quantiles(mu.reshape(-1, D)).reshape(-1, n, k, T).swapaxes(2, 3)

    rank_bands = rank_agreement = rank_store_full = None
    try:
        _map(reduce_chunk, chunks, n_workers)
        if rank_point is not None:
            # -- ranks: blocks of draws over every entity ----------------------------------
            rank_point_t = np.ascontiguousarray(rank_point.T)  # (P, E)
            rank_store_full = np.empty((D, P, E), dtype=np.int32) if return_draws else None
            block = max(1, min(D, chunk_bytes // (48 * E * P)))

            def rank_block(d0: int) -> None:
                d1 = min(D, d0 + block)
                values = np.empty((d1 - d0, P, E))
                for e0, e1 in parts:  # one contiguous read per part
                    piece = np.empty((d1 - d0, P, e1 - e0))
                    u_store.read(e0 * D * P + d0 * P * (e1 - e0), piece)
                    values[:, :, e0:e1] = piece
                ranked = min_rank(values)  # (db, P, E)
                del values
                if rank_store_full is not None:
                    rank_store_full[d0:d1] = ranked
                for e0, e1 in parts:
                    piece = np.ascontiguousarray(ranked[:, :, e0:e1], dtype=rank_dtype)
                    rank_store.write(e0 * D * P + d0 * P * (e1 - e0), piece)

            _map(rank_block, list(range(0, D, block)), _workers(workers, D))

            # -- percentiles of the ranks: chunks of entities again ------------------------
            bands = np.empty((len(QUANTILES), E, P))
            agreement = np.empty((E, P))

            def rank_chunk(chunk: tuple[int, int]) -> None:
                e0, e1 = chunk
                ranked = np.empty((D, P, e1 - e0), dtype=rank_dtype)
                rank_store.read(e0 * D * P, ranked)
                bands[:, e0:e1], agreement[e0:e1] = rank_figures(ranked, rank_point_t[:, e0:e1])

            _map(rank_chunk, parts, n_workers)
            rank_bands, rank_agreement = bands, agreement
    finally:
        u_store.close()
        rank_store.close()

    return RobustnessResult(
        t0=t0,
        t1=t1,
        margins=shared.margins,
        synergy=U_point,
        synergy_p5=U_bands[0],
        synergy_median=U_bands[1],
        synergy_p95=U_bands[2],
        stage=stage_point,
        stage_agreement=stage_count / D,
        rank=rank_point,
        rank_p5=None if rank_bands is None else rank_bands[0],
        rank_median=None if rank_bands is None else rank_bands[1],
        rank_p95=None if rank_bands is None else rank_bands[2],
        rank_agreement=rank_agreement,
        mu=mu_point,
        mu_p5=mu_bands[0],
        mu_median=mu_bands[1],
        mu_p95=mu_bands[2],
        weight_draws=weight_store,
        synergy_draws=synergy_store,
        rank_draws=None if rank_store_full is None else rank_store_full.transpose(0, 2, 1),
        mu_draws=None if mu_store is None else mu_store.transpose(0, 1, 3, 2),
    )


def rank_figures(
    ranks: NDArray[np.integer[Any]], point: NDArray[np.integer[Any]]
) -> tuple[Array, Array]:
    """Percentile bands of the ranks over the draws, and the share of draws with the
    point rank, for some entities.

    Parameters
    ----------
    ranks : ndarray of int, shape (D, P, n)
        Rank of each of ``n`` entities among all entities (:func:`min_rank`), in each of
        ``D`` draws and ``P`` compared periods.
    point : ndarray of int, shape (P, n)
        Rank of the point estimate of each entity.

    Returns
    -------
    bands : ndarray, shape (3, n, P)
        The :data:`QUANTILES` of the ranks over the draws (Hyndman & Fan type 7, as
        ``np.quantile(ranks, QUANTILES, axis=0)``).
    agreement : ndarray, shape (n, P)
        Share of draws whose rank equals the point rank.
    """
    D, P, n = ranks.shape
    same = np.count_nonzero(ranks == point, axis=0)  # (P, n)
    by_entity = np.ascontiguousarray(ranks.transpose(2, 1, 0))  # (n, P, D)
    bands = _quantiles(by_entity.reshape(-1, D)).reshape(-1, n, P)
    return bands, np.ascontiguousarray(same.T) / D


# -- the draws -----------------------------------------------------------------------------


class _Draws:
    """Random draws and their μ, chunk of entities by chunk of entities.

    Everything here that is not per entity — the margins, the bounds of
    ``bounds = "panel"``, the shared weight vectors of ``weights_scope = "panel"`` — is
    drawn or computed once, in ``__init__``. Per-entity weights are drawn by
    :meth:`weights`, each entity from its own stream; :meth:`weights` and
    :meth:`fill_mu` read only what ``__init__`` set, so chunks run in threads, in any
    order.
    """

    def __init__(
        self,
        *,
        x: Array,
        positive: NDArray[np.bool_],
        phi: Array,
        reference: Array,
        support_mask: NDArray[np.bool_] | None,
        panel_vector: bool,
        membership: NDArray[np.bool_],
        lo: Array,
        hi: Array,
        fixed_lo: Array,
        fixed_hi: Array,
        active: NDArray[np.bool_] | None,
        concentration: float | None,
        margin_range: tuple[float, float],
        seed: int,
        keys: list[tuple[int, ...]],
        draws: int,
        aggregation: Aggregation,
        chunk_bytes: int,
    ) -> None:
        self.x = x
        self.seed = seed
        self.keys = keys  # each entity's key: the spawn key of its streams
        self.positive = positive
        self.phi = phi  # (E or 1, I): the point weights, returned when none are drawn
        self.support_mask = support_mask  # (E, I) or None: each entity's own indicators
        self.membership = membership
        self.columns = [_positions(col) for col in membership.T]
        # subsystem j is indicators j·m .. (j + 1)·m − 1, every one of the same length m
        m = membership.shape[0] // membership.shape[1]
        self.runs = all(
            isinstance(cols, slice) and (cols.start, cols.stop) == (j * m, (j + 1) * m)
            for j, cols in enumerate(self.columns)
        )
        self.subsystem_of = membership.argmax(axis=1)
        self.aggregation = aggregation
        self.chunk_bytes = chunk_bytes
        self.D = draws
        self.workspace = _Workspace()
        # Gamma shapes κ·φ of the positive weights, in C order of the reference array;
        # the variates of entity rows e0..e1 are alpha[start[e0]:start[e1]].
        self.support = reference > 0
        self.dense = bool(self.support.all())
        self.ref_shape = reference.shape
        self.alpha = None if concentration is None else concentration * reference[self.support]
        self.start = np.concatenate(([0], np.cumsum(self.support.sum(axis=1))))
        self.margin_range = margin_range
        self.children = np.random.SeedSequence(seed).spawn(draws)
        # Each draw's stream: the margin first (one per draw, for every entity).
        self.streams = [np.random.default_rng(child) for child in self.children]
        self.margins = np.array([rng.uniform(*margin_range) for rng in self.streams])
        # Draws whose gamma variates underflow, for panel weights: their log-space vector.
        self.shared: Array | None = None  # (D, 1, I) panel weights, normalised
        self.shared_gammas: Array | None = None  # (D, 1, I) raw, with a support mask
        self.shared_log: dict[int, Array] = {}
        if self.alpha is not None and panel_vector:  # one vector per draw, for every entity
            self._draw_panel_vectors()
        # Bounds at margin a: lower = L0 − a·Ls, upper = U0 + a·Us (METHOD.md §1); an
        # explicit bound has Ls = 0 or Us = 0 and stays where it is.
        has_lo, has_hi = np.isfinite(fixed_lo), np.isfinite(fixed_hi)
        self.L0 = np.where(has_lo, fixed_lo, lo)  # (Eb, I)
        self.Ls = np.where(has_lo, 0.0, np.abs(lo))
        self.U0 = np.where(has_hi, fixed_hi, hi)
        self.Us = np.where(has_hi, 0.0, np.abs(hi))
        # outside explicit bounds: u clipped, as the fit (the data clipped chunk by chunk)
        self.clip = None
        if has_lo.any() or has_hi.any():
            self.clip = (np.where(has_lo, fixed_lo, -np.inf), np.where(has_hi, fixed_hi, np.inf))
        self.sign = np.where(positive, 1.0, -1.0)
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
            self.limit = np.where(flat & (slope > 0), off_slope / (self.sign * slope), 0.0)
        if active is not None:
            self.limit = np.where(active, self.limit, 0.0)
        # span(a)·s = (U0 − L0)·s + a·(Us + Ls)·s, with s = ±1 the direction
        self.signed_range = self.sign * span0  # (Eb, I)
        self.signed_slope = self.sign * slope
        # r − m(a) = (r − m(0)) + a·(Ls for a positive indicator, −Us for a negative)
        self.offset_slope = off_slope  # (Eb, I)

    # -- weights --------------------------------------------------------------------------

    def _subsystem_sums(self, g: Array, out: Array | None = None) -> Array:
        """Σ over each subsystem's indicators (last axis), entity by entity, in a fixed
        order: the same for a row whatever the other rows (unlike a matrix product)."""
        if out is None:
            out = np.empty((*g.shape[:-1], len(self.columns)))
        for j, cols in enumerate(self.columns):
            np.add.reduce(g[..., cols], axis=-1, out=out[..., j])
        return out

    def _draw_panel_vectors(self) -> None:
        """The shared (1, I) weight vector of every draw (``weights_scope = "panel"``)."""
        assert self.alpha is not None
        g = np.zeros((self.D, *self.ref_shape))
        for d, rng in enumerate(self.streams):  # RNG only: one vectorised call per draw
            g[d][self.support] = rng.standard_gamma(self.alpha)
        if self.support_mask is None:
            sums = self._subsystem_sums(g)  # (D, 1, k)
            for m in np.flatnonzero((sums < _SMALLEST_SUM).any(axis=(1, 2))):
                g[m] = self._normalised_log(self._panel_log(int(m)))
                sums[m] = 1.0
            g /= sums[..., self.subsystem_of]
            self.shared = g
            return
        # Each entity takes the shared draw restricted to its own indicators: a draw is
        # drawn again in log space when it underflows for any entity (any pattern of
        # indicators in use).
        self.shared_gammas = g
        patterns = np.unique(self.support_mask, axis=0)  # (n_patterns, I)
        owned = self._subsystem_sums(patterns.astype(float)) > 0
        for d in range(self.D):
            sums = self._subsystem_sums(g[d] * patterns)
            if ((sums < _SMALLEST_SUM) & owned).any():
                self.shared_log[d] = self._panel_log(d)

    def _panel_log(self, d: int) -> Array:
        """Log-space gamma variates (1, I) of draw ``d`` with one panel vector."""
        assert self.alpha is not None
        rng = np.random.default_rng(self.children[d])
        rng.uniform(*self.margin_range)
        rng.standard_gamma(self.alpha)
        log_g = np.full(self.ref_shape, -np.inf)
        log_g[self.support] = np.log(rng.standard_gamma(self.alpha + 1.0)) + (
            np.log1p(-rng.random(self.alpha.size)) / self.alpha
        )
        return log_g

    def _normalised_log(self, log_g: Array) -> Array:
        """Weights from log-space gamma variates, normalised per subsystem (log-sum-exp).

        ``ln g = ln Gamma(α + 1) + ln(V)/α`` with ``V ~ Uniform(0, 1]`` has the law of
        ``ln Gamma(α)``; each subsystem is normalised by its largest ``ln g`` first.
        """
        top = np.stack([log_g[..., cols].max(axis=-1) for cols in self.columns], axis=-1)
        top = np.where(np.isfinite(top), top, 0.0)
        g = np.exp(log_g - top[..., self.subsystem_of])
        total = self._subsystem_sums(g)
        return np.asarray(g / np.where(total > 0, total, 1.0)[..., self.subsystem_of])

    def _stream(self, e: int, purpose: str) -> np.random.Generator:
        """Entity ``e``'s generator for ``purpose`` (:data:`ENTITY_STREAMS`)."""
        key = (ENTITY_STREAMS[purpose], *self.keys[e])
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=key))

    def weights(self, chunk: tuple[int, int]) -> Array:
        """Weights (D, n or 1, I) of every draw for the entities ``e0..e1−1``."""
        e0, e1 = chunk
        if self.alpha is None:
            rows = _rows(self.phi, e0, e1)
            return np.broadcast_to(rows, (self.D, *rows.shape))
        if self.shared is not None:
            return self.shared
        if self.shared_gammas is not None:
            assert self.support_mask is not None
            mask = self.support_mask[e0:e1]
            g = self.shared_gammas * mask  # (D, n, I): the shared draw, each entity's part
            sums = self._subsystem_sums(g)
            for d, log_g in self.shared_log.items():
                g[d] = self._normalised_log(np.where(mask, log_g, -np.inf))
                sums[d] = 1.0
            g /= sums[..., self.subsystem_of]
            return g
        n, n_ind, k = e1 - e0, self.ref_shape[1], len(self.columns)
        g = self.workspace.get("g", (n, self.D, n_ind))  # each entity's draws together
        if not self.dense:
            g.fill(0.0)
        for e in range(e0, e1):  # RNG only: one vectorised call per entity, all its draws
            alpha = self.alpha[self.start[e] : self.start[e + 1]]
            rng = self._stream(e, "weights")
            if self.dense:
                rng.standard_gamma(alpha, size=(self.D, n_ind), out=g[e - e0])
            else:
                g[e - e0][:, self.support[e]] = rng.standard_gamma(alpha, (self.D, alpha.size))
        sums = self.workspace.get("sums", (n, self.D, k))
        # subsystems in runs of equal length, in order: one view (n, draws, k, I/k)
        runs = g.reshape(n, self.D, k, -1) if self.runs else None
        if runs is not None:
            np.add.reduce(runs, axis=-1, out=sums)
        else:
            self._subsystem_sums(g, sums)
        small: NDArray[np.bool_] = np.any(sums < _SMALLEST_SUM, axis=-1)  # (n, D)
        for row in np.flatnonzero(small.any(axis=-1)):  # entities with a log-space draw
            e = e0 + int(row)
            alpha = self.alpha[self.start[e] : self.start[e + 1]]
            again = np.flatnonzero(small[row])
            size = (again.size, alpha.size)
            log_g = np.full((again.size, n_ind), -np.inf)
            log_g[:, self.support[e]] = np.log(
                self._stream(e, "log_gamma").standard_gamma(alpha + 1.0, size)
            ) + (np.log1p(-self._stream(e, "log_uniform").random(size)) / alpha)
            g[row, again] = self._normalised_log(log_g)
            sums[row, again] = 1.0
        if runs is not None:  # the same divisions, in longer loops
            np.divide(runs, sums[..., None], out=runs)
        else:
            for j, cols in enumerate(self.columns):  # φ_i = g_i / Σ_{i'∈j} g_i'
                g[..., cols] /= sums[..., j : j + 1]
        return g.transpose(1, 0, 2)

    # -- μ ------------------------------------------------------------------------------

    def fill_mu(self, e0: int, e1: int, w: Array, mu: Array) -> None:
        """Write μ of every draw of the entities ``e0..e1−1`` into ``mu`` (n, k, T, D).

        ``w`` holds the weights of :meth:`weights` (D, n or 1, I).
        """
        x = self.x[e0:e1]
        if self.clip is not None:
            x = np.clip(x, *self.clip)
        if self.aggregation == "weighted_sum":
            self._fill_affine(e0, e1, x, w, mu)
            return
        # u = x·(±1) + (−lower or upper), then / span — exactly as efficacy rounds it;
        # materialised for blocks of draws (D_b, n, T, I).
        n, T, n_ind = x.shape
        L0, Ls, U0, Us = (_rows(v, e0, e1) for v in (self.L0, self.Ls, self.U0, self.Us))
        flat = None if self.flat is None else _rows(self.flat, e0, e1)
        limit = _rows(self.limit, e0, e1)
        size = max(1, self.chunk_bytes // (48 * n * T * n_ind))
        for d0 in range(0, self.D, size):  # blocks of draws within the chunk
            d1 = min(self.D, d0 + size)
            a3 = self.margins[d0:d1, None, None]
            lower = L0 - a3 * Ls  # (db, Eb, I) — METHOD.md §1
            upper = U0 + a3 * Us
            offset = np.where(self.positive, -lower, upper)[:, :, None, :]
            u = np.multiply(x, self.sign) + offset
            span = upper - lower
            if flat is not None:
                span = np.where(flat, 1.0, span)
            u /= span[:, :, None, :]  # (db, n, T, I)
            if flat is not None:
                u = np.where(flat[:, None, :], limit[:, None, :], u)
            np.clip(u, 0.0, 1.0, out=u)
            order = subsystem_order(u, w[d0:d1], self.membership, self.aggregation)
            mu[..., d0:d1] = order.transpose(1, 3, 2, 0)  # (db, n, T, k) → (n, k, T, db)

    def _fill_affine(self, e0: int, e1: int, x: Array, w: Array, mu: Array) -> None:
        """Weighted sum by the affine form of u (METHOD.md §1, §3): no u materialised.

        ``μ_j = Σ_{i∈j} c_i·(x_i − r_i) + Σ_{i∈j} c_i·(r_i − m_i)``, ``c_i = φ_i s_i/span_i``,
        with the draws on the last axis: (n, T, I_j) @ (n, I_j, D) per subsystem.
        """
        a = self.margins
        ws = self.workspace
        n, _, n_ind = x.shape
        ref = x.min(axis=1)  # (n, I): r, each entity's minimum, subtracted first (accuracy)
        centred = x - ref[:, None, :]  # (n, T, I)
        offset_0 = ref - np.where(self.positive, _rows(self.L0, e0, e1), _rows(self.U0, e0, e1))
        signed_range = _rows(self.signed_range, e0, e1)
        den = ws.get("den", (signed_range.shape[0], n_ind, self.D))  # (Eb, I, D)
        np.multiply(_rows(self.signed_slope, e0, e1)[..., None], a, out=den)
        den += signed_range[..., None]
        flat = None if self.flat is None else _rows(self.flat, e0, e1)[..., None]
        if flat is not None:
            den = np.where(flat, 1.0, den)
        w_t = w.transpose(1, 2, 0)  # (n or 1, I, D)
        coef = ws.get("coef", np.broadcast_shapes(w_t.shape, den.shape))  # (n or 1, I, D)
        np.divide(w_t, den, out=coef)
        const = ws.get("const", (n, n_ind, self.D))
        np.multiply(_rows(self.offset_slope, e0, e1)[..., None], a, out=const)
        const += offset_0[..., None]
        const *= coef
        if flat is not None:  # u is its limit there: no part of x, a constant
            coef = np.where(flat, 0.0, coef)
            const[...] = np.where(flat, w_t * _rows(self.limit, e0, e1)[..., None], const)
        total = ws.get("total", (n, self.D))
        for j, cols in enumerate(self.columns):  # k subsystems: a handful
            block = mu[:, j]  # (n, T, D)
            xj = np.ascontiguousarray(centred[:, :, cols])
            # products of at most _SERIAL_PRODUCT multiply-adds: BLAS runs them on one thread
            step = max(1, _SERIAL_PRODUCT // (xj.shape[1] * xj.shape[2]))
            for d0 in range(0, self.D, step):
                d1 = min(self.D, d0 + step)
                np.matmul(xj, coef[:, cols, d0:d1], out=block[..., d0:d1])
            np.add.reduce(const[:, cols], axis=1, out=total)
            block += total[:, None, :]
        # As subsystem_order: Σφ·u can leave [0, 1] by an ulp.
        np.clip(mu, 0.0, 1.0, out=mu)


def _synergy_by_draw(mu: Array, base: str | int, out: Array, ws: _Workspace) -> None:
    """U of every draw from μ laid out (n, k, T, D), into ``out`` (n, P, D).

    The operations of :func:`~cosyn.methods.synergy.synergy_degree`, in the same order
    (so the same numbers), on the draws side by side: ``Δ_j = μ_j(t1) − μ_j(t0)``, a
    change ``|Δ_j| ≤`` :data:`SYNERGY_ROUNDOFF` counts as none,
    ``U = θ·Π_j |Δ_j|^(1/k)`` with ``θ = +1`` only when every subsystem rose, ``+0.0``
    never ``−0.0``. METHOD.md §4, §8.
    """
    T, k = mu.shape[2], mu.shape[1]
    if base == "adjacent":
        before, after = mu[:, :, :-1], mu[:, :, 1:]
    else:
        start = 0 if base == "first" else int(base)
        if not 0 <= start < T:
            raise ValueError(f"base index {start} is outside 0..{T - 1}")
        before, after = mu[:, :, start : start + 1], mu[:, :, start + 1 :]
    change = ws.get("change", out.shape)
    moved = ws.get("moved", out.shape, bool)
    fell = ws.get("fell", out.shape, bool)  # some subsystem did not rise: θ = −1
    fall = ws.get("fall", out.shape, bool)
    for j in range(k):  # k subsystems: a handful
        factor = out if j == 0 else change
        np.subtract(after[:, j], before[:, j], out=factor)
        # moved and rose (|Δ| > R and μ(t1) > μ(t0)) is Δ > R: a difference of two
        # floats is positive exactly when the first is larger; so it did not is Δ ≤ R
        np.less_equal(factor, SYNERGY_ROUNDOFF, out=fell if j == 0 else fall)
        if j > 0:
            fell |= fall
        np.abs(factor, out=factor)
        np.greater(factor, SYNERGY_ROUNDOFF, out=moved)
        # the root of each factor, not of the product: Π|Δ| underflows for small moves
        if k == 2:
            np.sqrt(factor, out=factor)
        else:
            np.power(factor, 1.0 / k, out=factor)
        factor *= moved  # where(moved, root, 0): the roots are finite and ≥ 0
        if j > 0:
            out *= change
    # θ = −1: 0 − U, which leaves +0.0 (never −0.0) where U = 0
    np.subtract(0.0, out, out=out, where=fell)


class _Workspace(threading.local):
    """Arrays reused from chunk to chunk, one set per thread (no new pages per chunk)."""

    def __init__(self) -> None:
        self.arrays: dict[str, NDArray[Any]] = {}

    def get(self, name: str, shape: tuple[int, ...], dtype: Any = np.float64) -> NDArray[Any]:
        """An uninitialised array of this shape, sharing memory with the last one of the
        same name in this thread."""
        size = math.prod(shape)
        array = self.arrays.get(name)
        if array is None or array.size < size or array.dtype != np.dtype(dtype):
            array = np.empty(size, dtype)
            self.arrays[name] = array
        return array[:size].reshape(shape)


#: Multiply-adds of one matrix product below which OpenBLAS uses one thread (its
#: threshold is 65,536 × GEMM_MULTITHREAD_THRESHOLD = 4): a product of one entity is small,
#: and starting threads for each costs far more than it saves.
_SERIAL_PRODUCT = 2**18

#: A subsystem's gamma variates summing below this are drawn again in log space.
_SMALLEST_SUM = 1e-300


def _rows(values: NDArray[Any], e0: int, e1: int) -> NDArray[Any]:
    """Rows ``e0..e1−1`` of a per-entity array, or its one row when it is the panel's."""
    return values if values.shape[0] == 1 else values[e0:e1]


class _Store:
    """A flat array of the draws that cannot be reduced per chunk of entities (U for the
    ranks, and the ranks): in memory, or in a temporary file when large."""

    def __init__(self, size: int, dtype: Any, in_memory: bool) -> None:
        self.dtype = np.dtype(dtype)
        self.array: NDArray[Any] | None = np.empty(size, self.dtype) if in_memory else None
        self.file = None if in_memory else tempfile.TemporaryFile(buffering=0)
        if self.file is not None:  # its full size at once (sparse): cheaper writes
            self.file.truncate(size * self.dtype.itemsize)
        self.lock = threading.Lock()

    def write(self, offset: int, values: NDArray[Any]) -> None:
        """Write ``values`` (in C order) from element ``offset`` on."""
        values = np.ascontiguousarray(values, dtype=self.dtype)
        if self.array is not None:
            self.array[offset : offset + values.size] = values.reshape(-1)
            return
        assert self.file is not None
        data = values.reshape(-1).data.cast("B")
        position = offset * self.dtype.itemsize
        if hasattr(os, "pwrite"):  # no shared file position: no lock
            done = 0
            while done < len(data):
                done += os.pwrite(self.file.fileno(), data[done:], position + done)
            return
        with self.lock:
            self.file.seek(position)
            self.file.write(data)

    def read(self, offset: int, out: NDArray[Any]) -> None:
        """Fill ``out`` (C-contiguous, this store's dtype) from element ``offset`` on."""
        if self.array is not None:
            out.reshape(-1)[:] = self.array[offset : offset + out.size]
            return
        assert self.file is not None
        view = out.reshape(-1).data.cast("B")
        position = offset * self.dtype.itemsize
        done = 0
        with self.lock:
            if not hasattr(os, "preadv"):
                self.file.seek(position)
            while done < len(view):
                if hasattr(os, "preadv"):
                    got = os.preadv(self.file.fileno(), [view[done:]], position + done)
                else:
                    got = self.file.readinto(view[done:]) or 0
                if not got:
                    raise OSError("robustness: the temporary store of the draws is short")
                done += got

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
        self.array = None


def _entity_keys(keys: ArrayLike | None, E: int) -> list[tuple[int, ...]]:
    """Each entity's key as a tuple of non-negative ints (its position by default)."""
    if keys is None:
        return [(e,) for e in range(E)]
    k = np.asarray(keys)
    if k.ndim == 1:
        k = k[:, None]
    if k.ndim != 2 or k.shape[0] != E or k.shape[1] < 1:
        raise ValueError(f"entity_keys must have shape ({E},) or ({E}, w), got {np.shape(keys)}")
    if k.dtype.kind not in "iu" or (k < 0).any():
        raise ValueError("entity_keys must be non-negative integers")
    if len(np.unique(k, axis=0)) != E:
        raise ValueError("entity_keys: two entities have the same key (the same draws)")
    return [tuple(int(v) for v in row) for row in k]


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


def _bytes_per_entity(D: int, T: int, n_ind: int, k: int, P: int) -> tuple[int, int]:
    """Working memory of one entity's draws: drawing its weights (the gamma variates and
    their subsystem sums), and computing and reducing them (the denominators,
    coefficients and constants of the affine form, three of I × D; μ, k·T × D; U, the
    changes of the synergy degree and U by draw, three of P × D, and three boolean masks).
    The geometric forms materialise u in blocks of draws within the same budget."""
    return 8 * D * (n_ind + k), 8 * D * (3 * n_ind + k * T + 3 * P) + 3 * D * P


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
    """Rank along the last axis, 1 = largest; ties share the smallest rank ("min").

    By a sort of integer keys that carry each value's position: the bits of a float
    mapped to an unsigned integer in the same order (the sign bit flipped, and every bit
    of a negative number), the lowest ``b`` bits replaced by the position (``2^b ≥ n``).
    Where the kept high bits of the keys all differ, the sorted keys give the order of the
    values and their positions at once (no ties), so the value at sorted place ``p`` has
    rank ``n − p``; a row where two high parts are equal (a tie, or values that differ
    only in their lowest ``b`` bits) is ranked exactly by :func:`_min_rank_exact`. A sort
    of keys is several times faster than an argsort of the floats.
    """
    n = values.shape[-1]
    rows = values.reshape(-1, n)
    ranks = np.empty(rows.shape, dtype=np.int32)
    bits = max(1, (n - 1).bit_length())
    if bits > 32:  # no room for the value in the key
        return _min_rank_exact(values)
    low = np.uint64((1 << bits) - 1)
    high = ~low
    top = np.uint64(1 << 63)
    position = np.arange(n, dtype=np.uint64)
    descending = np.arange(n, 0, -1, dtype=np.int32)
    step = max(1, min(rows.shape[0], 2**16 // n))  # rows of a block: keys in cache
    floats = np.empty((step, n))
    flip = np.empty((step, n), dtype=np.uint64)
    same = np.empty((step, n - 1), dtype=bool)
    for r0 in range(0, rows.shape[0], step):
        r1 = min(rows.shape[0], r0 + step)
        m = r1 - r0
        keys = np.add(rows[r0:r1], 0.0, out=floats[:m]).view(np.uint64)  # −0.0 is +0.0
        up = flip[:m]
        np.right_shift(keys.view(np.int64), 63, out=up.view(np.int64))  # −1 or 0: the sign
        up |= top  # all ones for a negative number, else the sign bit alone
        keys ^= up
        keys &= high
        keys |= position
        keys.sort(axis=-1)
        np.right_shift(keys, np.uint64(bits), out=up)
        np.equal(up[:, 1:], up[:, :-1], out=same[:m])
        keys &= low
        for r in range(m):  # a row at a time: faster than put_along_axis
            ranks[r0 + r][keys[r].view(np.int64)] = descending
        tied = np.flatnonzero(same[:m].any(axis=-1))
        if tied.size:
            ranks[r0 + tied] = _min_rank_exact(rows[r0 + tied])
    return ranks.reshape(values.shape)


def _min_rank_exact(values: Array) -> IntArray:
    """:func:`min_rank` by an argsort of the values, ties and all.

    From the ascending order: the value at position ``p`` of a row of ``n`` has
    ``n − 1 − q`` values above it, ``q`` the last position of its run of equal values.
    """
    n = values.shape[-1]
    rows = values.reshape(-1, n)
    order = np.argsort(rows, axis=-1)
    order += (np.arange(rows.shape[0]) * n)[:, None]  # positions in the flat array
    ordered = rows.reshape(-1)[order]
    tie = ordered[:, 1:] == ordered[:, :-1]  # position p holds the value of p + 1
    ranks = np.empty(rows.size, dtype=np.int32)
    if not tie.any():  # the sorted position gives the rank
        ranks[order] = np.arange(n, 0, -1, dtype=np.int32)
    else:  # the last position of each run, carried back along the run
        ends = np.empty(order.shape, dtype=np.int32)
        ends[:, :-1] = np.where(tie, n, np.arange(n - 1, dtype=np.int32))
        ends[:, -1] = n - 1
        last = np.minimum.accumulate(ends[:, ::-1], axis=-1)[:, ::-1]
        ranks[order] = n - last
    return ranks.reshape(values.shape)


def _quantiles(rows: NDArray[Any]) -> Array:
    """``np.quantile(rows, QUANTILES, axis=1, method="linear")``, reordering ``rows`` in place.

    ``rows`` (columns, draws) holds the draws of each column side by side. Floats: only
    the order statistics the interpolation reads are found, by partitions
    (:func:`_order_statistics`, about a fifth faster than numpy's vectorised sort here);
    integers of 16 bits (the ranks): by numpy's radix sort (``kind="stable"``), faster
    still. The interpolation is numpy's ``_lerp``, so the result is the same number.
    Returns (3, columns).
    """
    n = rows.shape[-1]
    out = np.empty((len(QUANTILES), rows.shape[0]))
    h = (n - 1) * np.asarray(QUANTILES)  # numpy's virtual index for "linear" (H&F type 7)
    below = np.clip(np.floor(h), 0, n - 1).astype(np.intp)
    above = np.clip(below + 1, 0, n - 1)
    gamma = h - below
    if rows.dtype.kind in "iu" and rows.dtype.itemsize <= 2:
        rows.sort(axis=-1, kind="stable")
        stats = {int(p): rows[:, p] for p in (*below, *above)}
    else:
        stats = {}
        _order_statistics(rows, 0, n, sorted({int(p) for p in (*below, *above)}), stats)
    for n_q in range(len(QUANTILES)):
        lo = stats[int(below[n_q])].astype(float)
        hi = stats[int(above[n_q])].astype(float)
        diff = hi - lo
        g = gamma[n_q]
        out[n_q] = hi - diff * (1 - g) if g >= 0.5 else lo + diff * g
    return out


def _order_statistics(
    rows: NDArray[Any], lo: int, hi: int, wanted: list[int], found: dict[int, NDArray[Any]]
) -> None:
    """Put in ``found[p]`` the value at position ``p`` of each row sorted, for ``p`` in
    ``wanted`` (ascending, within ``lo..hi−1``), reordering ``rows[:, lo:hi]`` in place.

    ``rows[:, lo:hi]`` must hold the values at positions ``lo..hi−1`` of the sorted rows,
    in any order. One partition at the middle wanted position ``m`` leaves the smaller
    values before it; the value at ``m − 1``, when wanted too, is the largest of those
    (no partition); each side is then done the same way, on its part of the rows only.
    """
    if not wanted:
        return
    m = wanted[len(wanted) // 2]
    rows[:, lo:hi].partition(m - lo, axis=-1)
    found[m] = rows[:, m]
    left = [p for p in wanted if p < m]
    if left and left[-1] == m - 1:
        found[m - 1] = rows[:, lo:m].max(axis=-1)
        left.pop()
    _order_statistics(rows, lo, m, left, found)
    _order_statistics(rows, m + 1, hi, [p for p in wanted if p > m], found)

"""Robustness of the synergy degree to the margin and the weights (METHOD.md §7).

Each draw: margin ``a ~ Uniform(margin_range)`` (one per draw, shared by all entities),
weights ``~ Dirichlet(κ·φ_j)`` within each subsystem, then §1, §3, §4 as the point fit.
The references here are the existing kernels (``efficacy``, ``subsystem_order``,
``synergy_path``, ``classify``) run draw by draw in a plain Python loop, a hand calculation,
and ``np.quantile(..., method="linear")`` for the bands.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import robustness_cases
from hypothesis import given, settings
from hypothesis import strategies as st

from cosyn.methods.aggregation import subsystem_order
from cosyn.methods.efficacy import efficacy
from cosyn.methods.levels import STAGE_EDGES, classify
from cosyn.methods.robustness import (
    QUANTILES,
    RobustnessResult,
    min_rank,
    rank_figures,
    robustness_draws,
)
from cosyn.methods.synergy import synergy_path

# indicators 0, 1, 2 → subsystem 0; indicators 3, 4 → subsystem 1
MEMBERSHIP = np.array([[1, 0], [1, 0], [1, 0], [0, 1], [0, 1]], dtype=bool)
POSITIVE = np.array([True, False, True, True, False])


def random_panel(seed: int = 7, E: int = 6, T: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Values with trends, some negative; weights per entity with one zero weight."""
    rng = np.random.default_rng(seed)
    x = rng.lognormal(1.0, 0.6, size=(E, 1, 5)) * np.exp(
        rng.normal(0.1, 0.1, size=(E, 1, 5)) * np.arange(T)[None, :, None]
        + rng.normal(0, 0.1, size=(E, T, 5))
    )
    x[..., 1] -= 3.0  # an indicator with negative values (and a negative direction)
    w = rng.uniform(0.2, 1.0, size=(E, 5))
    w[min(2, E - 1), 0] = 0.0  # a zero weight for entity 2 (or the last)
    w /= (w @ MEMBERSHIP)[:, MEMBERSHIP.argmax(axis=1)]
    return x, w


def reference(x, weights, result, *, axis, aggregation, base, point_margin=0.1):
    """The draws of ``result`` redone one by one with the kernels of the point fit."""
    U_all, mu_all = [], []
    for d in range(result.draws):
        w = weights if result.weight_draws is None else result.weight_draws[d]
        u = efficacy(x, POSITIVE, result.margins[d], axis=axis)
        mu = subsystem_order(u, w, MEMBERSHIP, aggregation)
        U, t0, t1 = synergy_path(mu, base)
        U_all.append(U)
        mu_all.append(mu)
    U = np.stack(U_all)  # (D, E, P)
    mu = np.stack(mu_all)  # (D, E, T, k)
    # rank: 1 + the number of entities with a strictly higher U, per draw and period
    rank = 1 + (U[:, None, :, :] > U[:, :, None, :]).sum(axis=2)
    u_p = efficacy(x, POSITIVE, point_margin, axis=axis)
    mu_p = subsystem_order(u_p, weights, MEMBERSHIP, aggregation)
    U_p, t0, t1 = synergy_path(mu_p, base)
    rank_p = 1 + (U_p[None, :, :] > U_p[:, None, :]).sum(axis=1)
    stage_p = classify(U_p, STAGE_EDGES)
    return {
        "U": U,
        "mu": mu,
        "rank": rank,
        "U_point": U_p,
        "mu_point": mu_p,
        "rank_point": rank_p,
        "stage_point": stage_p,
        "t0": t0,
        "t1": t1,
        "stage_agreement": (classify(U, STAGE_EDGES) == stage_p).mean(axis=0),
        "rank_agreement": (rank == rank_p).mean(axis=0),
    }


def quantiles(a: np.ndarray) -> np.ndarray:
    return np.quantile(a, QUANTILES, axis=0, method="linear")


# ---------------------------------------------------------------------------------------
# a hand calculation
# ---------------------------------------------------------------------------------------


def test_hand_calculation_one_entity():
    # One entity, three periods, one indicator per subsystem (weight 1: the Dirichlet of a
    # single weight is 1 whatever κ). A = 2, 4, 10; B = 1, 2, 5.
    # Point, margin 0: A: u = (x − 2)/8 = 0, .25, 1; B: u = (x − 1)/4 = 0, .25, 1;
    #   U(t1=1) = sqrt(.25)·sqrt(.25) = .25 (initial); U(t1=2) = 1 (mature).
    # Every draw, margin 0.5: A: lower = 2 − 0.5·2 = 1, upper = 10 + 0.5·10 = 15,
    #   u = (x − 1)/14 = 1/14, 3/14, 9/14; B: lower = 0.5, upper = 7.5, u = (x − .5)/7, the
    #   same; Δ = 2/14 and 8/14 for both, so U = 1/7 ≈ .143 (initial) and 4/7 ≈ .571
    #   (expansion).
    x = np.array([[[2.0, 1.0], [4.0, 2.0], [10.0, 5.0]]])
    mem = np.eye(2, dtype=bool)
    res = robustness_draws(
        x,
        True,
        [1.0, 1.0],
        mem,
        bounds_axis=1,
        margin_range=(0.5, 0.5),
        point_margin=0.0,
        draws=5,
        return_draws=True,
    )
    np.testing.assert_array_equal(res.margins, 0.5)
    np.testing.assert_allclose(res.synergy_draws, [[[1 / 7, 4 / 7]]] * 5, rtol=1e-14)
    for band in (res.synergy_p5, res.synergy_median, res.synergy_p95):
        np.testing.assert_allclose(band, [[1 / 7, 4 / 7]], rtol=1e-14)
    np.testing.assert_allclose(res.mu_median[0, :, 0], [1 / 14, 3 / 14, 9 / 14], rtol=1e-14)
    np.testing.assert_allclose(res.mu_median[0, :, 1], [1 / 14, 3 / 14, 9 / 14], rtol=1e-14)
    np.testing.assert_array_equal(res.synergy, [[0.25, 1.0]])
    np.testing.assert_array_equal(res.stage, [[1, 4]])  # initial, mature
    # t1 = 1: initial in every draw; t1 = 2: expansion in every draw, mature at the point
    np.testing.assert_array_equal(res.stage_agreement, [[1.0, 0.0]])
    np.testing.assert_array_equal(res.rank, [[1, 1]])  # a single entity ranks first
    np.testing.assert_array_equal(res.rank_agreement, [[1.0, 1.0]])
    np.testing.assert_array_equal(res.t0, [0, 0])
    np.testing.assert_array_equal(res.t1, [1, 2])


@pytest.mark.parametrize("concentration", [1e24, math.inf])
@pytest.mark.parametrize("axis", [1, (0, 1)])
def test_degenerate_draws_reproduce_the_point_fit(concentration, axis):
    # κ → ∞ and margin_range = (a, a): every draw is the point estimate with margin a.
    x, w = random_panel()
    res = robustness_draws(
        x,
        POSITIVE,
        w,
        MEMBERSHIP,
        bounds_axis=axis,
        margin_range=(0.15, 0.15),
        point_margin=0.15,
        draws=3,
        concentration=concentration,
        return_draws=True,
    )
    u = efficacy(x, POSITIVE, 0.15, axis=axis)
    mu = subsystem_order(u, w, MEMBERSHIP)
    U, _, _ = synergy_path(mu)
    np.testing.assert_array_equal(res.synergy, U)  # the point: the same kernels
    np.testing.assert_array_equal(res.mu, mu)
    for band in (res.synergy_p5, res.synergy_median, res.synergy_p95):
        np.testing.assert_allclose(band, U, rtol=0, atol=1e-9)
    for band in (res.mu_p5, res.mu_median, res.mu_p95):
        np.testing.assert_allclose(band, mu, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(res.stage_agreement, 1.0)
    np.testing.assert_array_equal(res.rank_agreement, 1.0)
    for band in (res.rank_p5, res.rank_median, res.rank_p95):
        np.testing.assert_array_equal(band, res.rank)
    if math.isinf(concentration):
        np.testing.assert_array_equal(res.weight_draws, np.broadcast_to(w, (3, *w.shape)))


# ---------------------------------------------------------------------------------------
# agreement with the draws redone one by one
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("aggregation", ["weighted_sum", "weighted_geometric", "geometric"])
@pytest.mark.parametrize("axis", [1, (0, 1)])
@pytest.mark.parametrize("base", ["first", "adjacent", 2])
def test_agrees_with_a_loop_over_draws(aggregation, axis, base):
    x, w = random_panel()
    res = robustness_draws(
        x,
        POSITIVE,
        w,
        MEMBERSHIP,
        bounds_axis=axis,
        draws=41,
        seed=3,
        base=base,
        aggregation=aggregation,
        return_draws=True,
        chunk_bytes=1,  # one draw per chunk: many chunks
    )
    ref = reference(x, w, res, axis=axis, aggregation=aggregation, base=base)
    # the geometric forms run the kernels themselves: the same numbers to the last bit;
    # the weighted sum takes the affine shortcut: the same up to rounding
    tol = {"rtol": 0, "atol": 1e-13 if aggregation == "weighted_sum" else 0}
    np.testing.assert_array_equal(res.t0, ref["t0"])
    np.testing.assert_array_equal(res.t1, ref["t1"])
    np.testing.assert_allclose(res.synergy_draws, ref["U"], **tol)
    np.testing.assert_allclose(res.mu_draws, ref["mu"], **tol)
    np.testing.assert_array_equal(res.rank_draws, ref["rank"])
    np.testing.assert_array_equal(res.synergy, ref["U_point"])
    np.testing.assert_array_equal(res.mu, ref["mu_point"])
    np.testing.assert_array_equal(res.rank, ref["rank_point"])
    np.testing.assert_array_equal(res.stage, ref["stage_point"])
    q_U, q_mu, q_rank = quantiles(ref["U"]), quantiles(ref["mu"]), quantiles(ref["rank"])
    for n, name in enumerate(("p5", "median", "p95")):
        np.testing.assert_allclose(getattr(res, f"synergy_{name}"), q_U[n], **tol)
        np.testing.assert_allclose(getattr(res, f"mu_{name}"), q_mu[n], **tol)
        np.testing.assert_array_equal(getattr(res, f"rank_{name}"), q_rank[n])
    np.testing.assert_array_equal(res.stage_agreement, ref["stage_agreement"])
    np.testing.assert_array_equal(res.rank_agreement, ref["rank_agreement"])


def test_interleaved_subsystems_agree_with_the_loop():
    # indicators of the two subsystems interleaved: (0, 3, 1, 4, 2) → membership 0 1 0 1 0
    order = [0, 3, 1, 4, 2]
    x, w = random_panel()
    x, w, mem, pos = x[..., order], w[:, order], MEMBERSHIP[order], POSITIVE[order]
    res = robustness_draws(x, pos, w, mem, bounds_axis=1, draws=12, return_draws=True)
    for d in range(12):
        u = efficacy(x, pos, res.margins[d], axis=1)
        U, _, _ = synergy_path(subsystem_order(u, res.weight_draws[d], mem))
        np.testing.assert_allclose(res.synergy_draws[d], U, rtol=0, atol=1e-13)


def test_bands_are_numpy_quantiles_of_the_draws_exactly():
    x, w = random_panel(E=9, T=7)
    res = robustness_draws(x, POSITIVE, w, MEMBERSHIP, bounds_axis=1, draws=57, return_draws=True)
    q = quantiles(res.synergy_draws)
    np.testing.assert_array_equal(res.synergy_p5, q[0])
    np.testing.assert_array_equal(res.synergy_median, q[1])
    np.testing.assert_array_equal(res.synergy_p95, q[2])
    np.testing.assert_array_equal(res.mu_p95, quantiles(res.mu_draws)[2])
    np.testing.assert_array_equal(res.rank_p5, quantiles(res.rank_draws)[0])


# ---------------------------------------------------------------------------------------
# the random draws: their order, reproducibility, the Dirichlet
# ---------------------------------------------------------------------------------------


# subsystems of 3 and 2 indicators; of 2 and 2 (equal runs, weights normalised in one
# view); interleaved
SUBSYSTEMS = {
    "3+2": (slice(None), MEMBERSHIP),
    "2+2": (slice(0, 4), np.array([[1, 0], [1, 0], [0, 1], [0, 1]], dtype=bool)),
    "interleaved": ([0, 3, 1, 4, 2], MEMBERSHIP[[0, 3, 1, 4, 2]]),
}


def entity_stream(seed: int, purpose: int, *key: int) -> np.random.Generator:
    """The documented stream of one entity: spawn key (2**32 + purpose, *key)."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(2**32 + purpose, *key)))


@pytest.mark.parametrize("subsystems", list(SUBSYSTEMS))
@pytest.mark.parametrize("workers", [1, 2, 3])
@pytest.mark.parametrize("keyed", [False, True])
def test_random_stream_is_the_documented_one(subsystems, workers, keyed):
    # draw d: default_rng(SeedSequence(seed).spawn(D)[d]) gives the margin; entity e's
    # weights: default_rng(SeedSequence(seed, spawn_key=(2**32, *key_e))), one call
    # standard_gamma(κφ, size=(D, n)) over its n positive weights; normalised per
    # subsystem. The chunks run on `workers` threads: the same numbers.
    x, w = random_panel()
    columns, membership = SUBSYSTEMS[subsystems]
    x, w, positive = x[..., columns], w[:, columns], POSITIVE[columns]
    w = w / (w @ membership)[:, membership.argmax(axis=1)]
    seed, D, kappa, (lo, hi) = 11, 5, 30.0, (0.05, 0.2)
    E = x.shape[0]
    keys = np.arange(E)[:, None] * 7 + np.array([[3, 1]]) if keyed else None
    res = robustness_draws(
        x,
        positive,
        w,
        membership,
        workers=workers,
        chunk_entities=2,
        bounds_axis=1,
        draws=D,
        seed=seed,
        concentration=kappa,
        margin_range=(lo, hi),
        entity_keys=keys,
        return_draws=True,
    )
    for d, child in enumerate(np.random.SeedSequence(seed).spawn(D)):
        assert res.margins[d] == np.random.default_rng(child).uniform(lo, hi)
    for e in range(E):
        key = tuple(int(v) for v in keys[e]) if keyed else (e,)
        g = np.zeros((D, w.shape[1]))
        g[:, w[e] > 0] = entity_stream(seed, 0, *key).standard_gamma(
            kappa * w[e, w[e] > 0], size=(D, int((w[e] > 0).sum()))
        )
        expected = g / (g @ membership)[:, membership.argmax(axis=1)]
        np.testing.assert_array_equal(res.weight_draws[:, e], expected)


def test_an_entity_draws_the_same_whatever_the_other_entities():
    # keyed by entity: a panel of some of the entities, in another order, gives each of
    # them the same weight draws and (bounds per entity) the same bands, bit for bit
    x, w = random_panel(seed=3, E=9)
    keys = np.arange(100, 109)
    kw = {"bounds_axis": 1, "draws": 20, "seed": 5, "return_draws": True}
    whole = robustness_draws(x, POSITIVE, w, MEMBERSHIP, entity_keys=keys, **kw)
    some = [7, 2, 4]
    part = robustness_draws(
        x[some], POSITIVE, w[some], MEMBERSHIP, entity_keys=keys[some], chunk_entities=1, **kw
    )
    np.testing.assert_array_equal(part.weight_draws, whole.weight_draws[:, some])
    for field in ("synergy_p5", "synergy_median", "synergy_p95", "stage_agreement", "mu_p95"):
        np.testing.assert_array_equal(getattr(part, field), getattr(whole, field)[some])


@pytest.mark.parametrize("scope", ["entity", "panel"])
@pytest.mark.parametrize("axis", [1, (0, 1)])
def test_parts_ranked_together_are_the_whole_panel(scope, axis):
    # the Dask engine's way: each part with ranks=False (and the panel's range for panel
    # bounds) gives the whole's per-entity bands; min_rank over U of every draw of every
    # part, and rank_figures per part, give the whole's ranks — the same numbers
    x, w = random_panel(seed=4, E=10)
    if scope == "panel":  # cosyn.fit's panel weights: one vector, every row the same
        w = np.broadcast_to(w[:1], w.shape)
    keys = np.arange(10)
    kw = {"bounds_axis": axis, "draws": 40, "seed": 6, "weights_scope": scope}
    whole = robustness_draws(x, POSITIVE, w, MEMBERSHIP, entity_keys=keys, **kw)
    data_range = (x.min(axis=(0, 1)), x.max(axis=(0, 1))) if axis != 1 else None
    pieces = [
        robustness_draws(
            x[s], POSITIVE, w[s], MEMBERSHIP, entity_keys=keys[s], data_range=data_range,
            ranks=False, **kw,
        )
        for s in (slice(0, 3), slice(3, 4), slice(4, 10))
    ]  # fmt: skip
    for field in ("synergy", "synergy_p5", "synergy_median", "synergy_p95", "stage_agreement"):
        np.testing.assert_array_equal(
            np.concatenate([getattr(p, field) for p in pieces]), getattr(whole, field)
        )
    assert all(p.rank is None and p.rank_p5 is None and p.rank_agreement is None for p in pieces)
    # U of every draw and of the point, (D + 1, P, E), ranked over the entities
    by_draw = np.concatenate(
        [np.concatenate([p.synergy_draws, p.synergy[None]]).transpose(0, 2, 1) for p in pieces],
        axis=2,
    )
    ranked = min_rank(by_draw)
    np.testing.assert_array_equal(ranked[-1].T, whole.rank)
    bands, agreement = rank_figures(ranked[:-1], ranked[-1])
    np.testing.assert_array_equal(bands, [whole.rank_p5, whole.rank_median, whole.rank_p95])
    np.testing.assert_array_equal(agreement, whole.rank_agreement)


def test_panel_weights_make_the_shared_draws_the_same_in_any_part():
    # weights per row differ where an indicator is left out (weights_scope = "panel"):
    # with the panel's vector given, each part draws around it as the whole panel does
    x, w = random_panel(seed=9, E=6)
    vector = w[0]
    active = np.ones(w.shape, dtype=bool)
    active[0, 0] = active[3, 4] = False
    rows = np.where(active, vector, 0.0)
    rows /= (rows @ MEMBERSHIP)[:, MEMBERSHIP.argmax(axis=1)]
    kw = {"bounds_axis": 1, "draws": 30, "seed": 2, "weights_scope": "panel"}
    whole = robustness_draws(
        x, POSITIVE, rows, MEMBERSHIP, active=active, panel_weights=vector, **kw
    )
    for part in (slice(0, 2), slice(2, 6)):
        got = robustness_draws(
            x[part], POSITIVE, rows[part], MEMBERSHIP, active=active[part],
            panel_weights=vector, ranks=False, **kw,
        )  # fmt: skip
        np.testing.assert_array_equal(got.synergy_p95, whole.synergy_p95[part])
    # without it, the first row that uses an indicator gives its weight: the part from
    # entity 0 on (indicator 0 left out there) draws around another vector
    first = robustness_draws(x[0:2], POSITIVE, rows[0:2], MEMBERSHIP, active=active[0:2], **kw)
    assert not np.array_equal(first.synergy_p95, whole.synergy_p95[0:2])
    with pytest.raises(ValueError, match="positive for every weight in use"):
        robustness_draws(x, POSITIVE, rows, MEMBERSHIP, panel_weights=np.r_[0.0, vector[1:]], **kw)


def test_rank_figures_by_hand():
    # 4 draws of the ranks of 2 entities in 1 period; point ranks 1 and 2
    ranks = np.array([[[1, 2]], [[2, 1]], [[1, 2]], [[1, 2]]])
    bands, agreement = rank_figures(ranks, np.array([[1, 2]]))
    # entity 0: ranks 1, 2, 1, 1 → sorted 1, 1, 1, 2: p5 = 1, median = 1, p95 = 1 + 0.85·1
    np.testing.assert_allclose(bands[:, 0, 0], [1.0, 1.0, 1.85])
    np.testing.assert_allclose(bands[:, 1, 0], [1.15, 2.0, 2.0])
    np.testing.assert_array_equal(agreement, [[0.75], [0.75]])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"entity_keys": [0, 1, 1, 2, 3, 4]}, "two entities have the same key"),
        ({"entity_keys": [0, 1, 2, 3, 4, -5]}, "non-negative integers"),
        ({"entity_keys": [0.5] * 6}, "non-negative integers"),
        ({"entity_keys": [0, 1, 2]}, "entity_keys must have shape"),
        ({"data_range": (np.zeros(5), np.ones(5))}, "only with bounds_axis"),
        (
            {"bounds_axis": (0, 1), "data_range": (np.ones(5), np.zeros(5))},
            "each minimum <= its maximum",
        ),
    ],
)
def test_bad_keys_and_ranges_are_errors(kwargs, message):
    x, w = random_panel()
    kw = {"bounds_axis": 1, "draws": 3, **kwargs}
    with pytest.raises(ValueError, match=message):
        robustness_draws(x, POSITIVE, w, MEMBERSHIP, **kw)


def fields(res: RobustnessResult) -> dict[str, np.ndarray]:
    return {k: v for k, v in vars(res).items() if v is not None}


def test_same_seed_same_output_and_other_seed_other_output():
    x, w = random_panel()
    kw = {"bounds_axis": 1, "draws": 30, "return_draws": True}
    one = fields(robustness_draws(x, POSITIVE, w, MEMBERSHIP, seed=5, **kw))
    two = fields(robustness_draws(x, POSITIVE, w, MEMBERSHIP, seed=5, **kw))
    other = robustness_draws(x, POSITIVE, w, MEMBERSHIP, seed=6, **kw)
    assert one.keys() == two.keys()
    for name in one:
        np.testing.assert_array_equal(one[name], two[name], err_msg=name)
    assert not np.array_equal(one["margins"], other.margins)
    assert not np.array_equal(one["synergy_draws"], other.synergy_draws)


def test_output_does_not_depend_on_threads():
    x, w = random_panel()
    kw = {"bounds_axis": 1, "draws": 25, "seed": 2, "return_draws": True, "chunk_bytes": 1}
    one = fields(robustness_draws(x, POSITIVE, w, MEMBERSHIP, workers=1, **kw))
    three = fields(robustness_draws(x, POSITIVE, w, MEMBERSHIP, workers=3, **kw))
    for name in one:
        np.testing.assert_array_equal(one[name], three[name], err_msg=name)


@pytest.mark.parametrize("aggregation", ["weighted_sum", "weighted_geometric"])
def test_chunks_change_no_draw_and_at_most_the_last_bits(aggregation):
    # The draws never depend on the chunks. The matrix products of the weighted sum may
    # round the last bit differently for another chunk size (BLAS kernels); the geometric
    # forms are elementwise and agree exactly.
    x, w = random_panel()
    kw = {"bounds_axis": 1, "draws": 25, "seed": 2, "return_draws": True}
    whole = robustness_draws(x, POSITIVE, w, MEMBERSHIP, aggregation=aggregation, **kw)
    pieces = robustness_draws(
        x, POSITIVE, w, MEMBERSHIP, aggregation=aggregation, chunk_bytes=1, **kw
    )
    np.testing.assert_array_equal(whole.margins, pieces.margins)
    np.testing.assert_array_equal(whole.weight_draws, pieces.weight_draws)
    np.testing.assert_array_equal(whole.rank_draws, pieces.rank_draws)
    tol = {"rtol": 0, "atol": 1e-15 if aggregation == "weighted_sum" else 0}
    np.testing.assert_allclose(whole.synergy_draws, pieces.synergy_draws, **tol)
    np.testing.assert_allclose(whole.mu_draws, pieces.mu_draws, **tol)


def test_first_draws_of_a_longer_run_are_a_shorter_run():
    x, w = random_panel()
    kw = {"bounds_axis": (0, 1), "seed": 9, "return_draws": True}
    short = robustness_draws(x, POSITIVE, w, MEMBERSHIP, draws=10, **kw)
    long = robustness_draws(x, POSITIVE, w, MEMBERSHIP, draws=40, **kw)
    np.testing.assert_array_equal(short.margins, long.margins[:10])
    np.testing.assert_array_equal(short.weight_draws, long.weight_draws[:10])
    np.testing.assert_allclose(short.synergy_draws, long.synergy_draws[:10], rtol=0, atol=1e-15)


def test_margins_are_uniform_in_the_range():
    x, w = random_panel(E=2, T=3)
    res = robustness_draws(
        x, POSITIVE, w, MEMBERSHIP, bounds_axis=1, draws=2000, margin_range=(0.05, 0.2)
    )
    assert res.margins.min() >= 0.05 and res.margins.max() < 0.2
    # Uniform(0.05, 0.2): mean 0.125, sd 0.15/sqrt(12) ≈ 0.0433; sd of the mean ≈ 0.001
    assert abs(res.margins.mean() - 0.125) < 0.005


def test_dirichlet_mean_and_variance_around_the_point_weights():
    # Dirichlet(κφ): E[w_i] = φ_i, Var[w_i] = φ_i(1 − φ_i)/(κ + 1)
    x, w = random_panel(E=3, T=3)
    kappa, D = 20.0, 4000
    res = robustness_draws(
        x,
        POSITIVE,
        w,
        MEMBERSHIP,
        bounds_axis=1,
        draws=D,
        concentration=kappa,
        return_draws=True,
    )
    draws = res.weight_draws
    var = w * (1 - w) / (kappa + 1)
    np.testing.assert_allclose(draws.mean(axis=0), w, atol=5 * np.sqrt(var.max() / D))
    np.testing.assert_allclose(draws.var(axis=0), var, rtol=0.15, atol=1e-12)
    np.testing.assert_allclose(draws @ MEMBERSHIP, 1.0, rtol=1e-14)


def test_zero_weights_stay_zero():
    x, w = random_panel()
    assert w[2, 0] == 0.0
    res = robustness_draws(x, POSITIVE, w, MEMBERSHIP, bounds_axis=1, draws=50, return_draws=True)
    np.testing.assert_array_equal(res.weight_draws[:, 2, 0], 0.0)
    assert (res.weight_draws[:, w > 0] > 0).all()
    np.testing.assert_allclose(res.weight_draws @ MEMBERSHIP, 1.0, rtol=1e-14)


def test_panel_weights_are_drawn_once_per_draw_for_every_entity():
    x, w = random_panel()
    res = robustness_draws(
        x, POSITIVE, w[0], MEMBERSHIP, bounds_axis=(0, 1), draws=20, return_draws=True
    )
    assert res.weight_draws.shape == (20, 1, 5)
    ref = reference(x, w[0], res, axis=(0, 1), aggregation="weighted_sum", base="first")
    np.testing.assert_allclose(res.synergy_draws, ref["U"], rtol=0, atol=1e-13)


def test_equal_rows_are_one_panel_vector_with_panel_scope():
    # (E, I) weights whose rows are all equal, with weights_scope = "panel": one choice for
    # the panel, drawn once per draw, exactly as the (I,) vector.
    x, w = random_panel()
    rows = np.repeat(w[:1], x.shape[0], axis=0)
    kw = {"bounds_axis": 1, "draws": 15, "return_draws": True}
    full = robustness_draws(x, POSITIVE, rows, MEMBERSHIP, weights_scope="panel", **kw)
    one = robustness_draws(x, POSITIVE, w[0], MEMBERSHIP, **kw)
    assert full.weight_draws.shape == (15, 1, 5)
    np.testing.assert_array_equal(full.weight_draws, one.weight_draws)
    np.testing.assert_allclose(full.synergy_draws, one.synergy_draws, rtol=0, atol=1e-15)
    # the point keeps the weights as given: fit's numbers
    u = efficacy(x, POSITIVE, 0.1, axis=1)
    np.testing.assert_array_equal(
        full.synergy, synergy_path(subsystem_order(u, rows, MEMBERSHIP))[0]
    )


def test_scope_decides_shared_or_per_entity_draws_not_equal_rows():
    # Two entities with exactly equal weights: with weights_scope = "entity" each has its
    # own Dirichlet draw (so their weights differ in every draw); with "panel" they share
    # one (equal in every draw).
    x, w = random_panel(E=2)
    rows = np.repeat(w[:1], 2, axis=0)
    kw = {"bounds_axis": 1, "draws": 10, "return_draws": True}
    own = robustness_draws(x, POSITIVE, rows, MEMBERSHIP, weights_scope="entity", **kw)
    assert own.weight_draws.shape == (10, 2, 5)
    assert (own.weight_draws[:, 0] != own.weight_draws[:, 1]).any(axis=-1).all()
    panel = robustness_draws(x, POSITIVE, rows, MEMBERSHIP, weights_scope="panel", **kw)
    shared = np.broadcast_to(panel.weight_draws, (10, 2, 5))
    np.testing.assert_array_equal(shared[:, 0], shared[:, 1])
    # entity scope with one (I,) vector: drawn per entity too
    own_vec = robustness_draws(x, POSITIVE, w[0], MEMBERSHIP, weights_scope="entity", **kw)
    np.testing.assert_array_equal(own_vec.weight_draws, own.weight_draws)
    # the default for (E, I) weights is per entity, whatever the rows hold
    default = robustness_draws(x, POSITIVE, rows, MEMBERSHIP, **kw)
    np.testing.assert_array_equal(default.weight_draws, own.weight_draws)


def test_panel_scope_with_an_indicator_left_out_for_one_entity():
    # Panel weights (0.2, 0.3, 0.5 | 0.4, 0.6); entity 1 does without indicator 1 (active
    # False), so its point weights are (0.2, 0, 0.5)/0.7. The shared draw g restricted to
    # entity 1's indicators and renormalised: w1 = (g0, 0, g2)/(g0 + g2).
    x, _ = random_panel(E=3)
    phi = np.array([0.2, 0.3, 0.5, 0.4, 0.6])
    active = np.ones((3, 5), dtype=bool)
    active[1, 1] = False
    rows = np.where(active, phi, 0.0)
    rows[:, :3] /= rows[:, :3].sum(axis=1, keepdims=True)
    res = robustness_draws(
        x, POSITIVE, rows, MEMBERSHIP, bounds_axis=1, draws=6, weights_scope="panel",
        active=active, return_draws=True,
    )  # fmt: skip
    wd = res.weight_draws
    assert wd.shape == (6, 3, 5)
    np.testing.assert_array_equal(wd[:, 0], wd[:, 2])  # shared by the full entities
    assert (wd[:, 1, 1] == 0).all()
    g = wd[:, 0, :3]
    np.testing.assert_allclose(wd[:, 1, [0, 2]], g[:, [0, 2]] / g[:, [0, 2]].sum(1, keepdims=True))
    # the point: weights as given, the left-out u irrelevant
    u = efficacy(x, POSITIVE, 0.1, axis=1)
    point = synergy_path(subsystem_order(u, rows, MEMBERSHIP))[0]
    np.testing.assert_array_equal(res.synergy, point)


def test_concentration_sets_the_spread():
    x, w = random_panel()
    kw = {"bounds_axis": 1, "draws": 200, "margin_range": (0.1, 0.1)}
    tight = robustness_draws(x, POSITIVE, w, MEMBERSHIP, concentration=1e4, **kw)
    loose = robustness_draws(x, POSITIVE, w, MEMBERSHIP, concentration=5.0, **kw)
    width = lambda r: (r.synergy_p95 - r.synergy_p5).mean()  # noqa: E731
    assert width(tight) < width(loose) / 5


def test_tiny_concentration_that_underflows_is_drawn_in_log_space():
    # κφ = 5e-5: each gamma variate is 0 in floating point with probability ≈ 0.97, so most
    # draws of subsystem 0 (φ = 0.5, 0.5) underflow. They are drawn again in log space:
    # every weight finite, each subsystem summing to 1, and (the κ → 0 limit of the
    # Dirichlet) nearly all the weight on one indicator, each of the two about half the time.
    x = np.array([[[1.0, 2.0, 1.0], [2.0, 3.0, 2.0], [3.0, 5.0, 4.0]]])
    mem = np.array([[1, 0], [1, 0], [0, 1]], dtype=bool)
    res = robustness_draws(
        x, True, [0.5, 0.5, 1.0], mem, bounds_axis=1, draws=400, concentration=1e-4,
        return_draws=True,
    )  # fmt: skip
    wd = res.weight_draws[:, 0, :]
    assert np.isfinite(wd).all() and np.isfinite(res.synergy_draws).all()
    np.testing.assert_allclose(wd @ mem, 1.0, rtol=1e-14)
    assert (np.maximum(wd[:, 0], wd[:, 1]) > 1 - 1e-6).all()
    assert 140 < (wd[:, 0] > 0.5).sum() < 260  # Binomial(400, 1/2): sd 10
    # draws that did not underflow are the documented stream, unchanged
    for d, child in enumerate(np.random.SeedSequence(0).spawn(400)[:50]):
        rng = np.random.default_rng(child)
        rng.uniform(0.05, 0.2)
        g = rng.standard_gamma(1e-4 * np.array([0.5, 0.5, 1.0]))
        if g[:2].sum() >= 1e-300:
            np.testing.assert_array_equal(wd[d, :2], g[:2] / g[:2].sum())


def test_concentration_at_the_spec_floor_gives_finite_bands():
    x, w = random_panel()
    res = robustness_draws(x, POSITIVE, w, MEMBERSHIP, bounds_axis=1, draws=30, concentration=1e-9)
    for band in (res.synergy_p5, res.synergy_median, res.synergy_p95, res.mu_median):
        assert np.isfinite(band).all()


# ---------------------------------------------------------------------------------------
# properties of the result
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wide() -> tuple[RobustnessResult, int]:
    x, w = random_panel(seed=1, E=25, T=8)
    return robustness_draws(x, POSITIVE, w, MEMBERSHIP, bounds_axis=1, draws=300), 25


def test_shapes(wide):
    res, E = wide
    P, T = 7, 8
    assert res.draws == 300 and res.margins.shape == (300,)
    for name in ("synergy", "stage", "stage_agreement", "rank", "rank_agreement"):
        assert getattr(res, name).shape == (E, P), name
    for name in ("p5", "median", "p95"):
        assert getattr(res, f"synergy_{name}").shape == (E, P)
        assert getattr(res, f"rank_{name}").shape == (E, P)
        assert getattr(res, f"mu_{name}").shape == (E, T, 2)
    assert res.synergy_draws is None and res.weight_draws is None
    assert repr(res) == "RobustnessResult(entities=25, compared_periods=7, subsystems=2, draws=300)"


def test_percentiles_are_ordered(wide):
    res, _ = wide
    assert (res.synergy_p5 <= res.synergy_median).all()
    assert (res.synergy_median <= res.synergy_p95).all()
    assert (res.mu_p5 <= res.mu_median).all() and (res.mu_median <= res.mu_p95).all()
    assert (res.rank_p5 <= res.rank_median).all() and (res.rank_median <= res.rank_p95).all()
    assert (res.synergy_p5 >= -1).all() and (res.synergy_p95 <= 1).all()
    assert (res.mu_p5 >= 0).all() and (res.mu_p95 <= 1).all()


def test_agreements_are_shares_and_ranks_lie_in_1_to_E(wide):
    res, E = wide
    for share in (res.stage_agreement, res.rank_agreement):
        assert (share >= 0).all() and (share <= 1).all()
        # a share of 300 draws is a multiple of 1/300
        np.testing.assert_allclose(share * 300, np.round(share * 300), atol=1e-9)
    assert 0 < res.stage_agreement.mean() < 1  # the draws move some stages, not all
    for ranks in (res.rank, res.rank_p5, res.rank_median, res.rank_p95):
        assert (ranks >= 1).all() and (ranks <= E).all()
    # the point ranks of each period are a permutation of 1..E (no ties in random data)
    permutation = np.broadcast_to(np.arange(1, E + 1)[:, None], res.rank.shape)
    np.testing.assert_array_equal(np.sort(res.rank, axis=0), permutation)


def test_stage_agreement_counts_the_stage_intervals_closed_on_the_right():
    # A U that lands on an edge belongs to the stage below it: (lower, upper].
    # One entity, periods 0, 1; both subsystems rise by the same Δ, so U = Δ.
    # Margin 0: u = 0 → 1, U = 1; stage edges (0, 1) put U = 1 in stage 1, not 2.
    x = np.array([[[1.0, 1.0], [2.0, 2.0]]])
    res = robustness_draws(
        x,
        True,
        [1.0, 1.0],
        np.eye(2, dtype=bool),
        bounds_axis=1,
        margin_range=(0.0, 0.0),
        point_margin=0.0,
        draws=4,
        stage_edges=(0.0, 1.0),
    )
    np.testing.assert_array_equal(res.synergy, [[1.0]])
    np.testing.assert_array_equal(res.stage, [[1]])
    np.testing.assert_array_equal(res.stage_agreement, [[1.0]])


# ---------------------------------------------------------------------------------------
# ranks: 1 = highest, ties share the smallest rank
# ---------------------------------------------------------------------------------------


def test_min_rank_hand_values():
    # U = .3, .5, .3, .1, .5 → .5 and .5 share rank 1, then .3 and .3 share rank 3, .1 is 5
    values = np.array([[0.3, 0.5, 0.3, 0.1, 0.5], [0.4, 0.3, 0.2, 0.1, 0.0]])
    np.testing.assert_array_equal(min_rank(values), [[3, 1, 3, 5, 1], [1, 2, 3, 4, 5]])


@pytest.mark.parametrize("n", [1, 2, 3, 64, 65, 300])
def test_min_rank_is_one_plus_the_number_of_higher_values(n):
    # ranks by sorted integer keys: exact ties, values one ulp apart (equal in every bit
    # the key keeps), −0.0 beside +0.0, negative and tiny and huge values, infinities
    rng = np.random.default_rng(n)
    rows = [
        rng.normal(size=n),
        rng.integers(-2, 3, size=n) * 0.1,
        rng.normal(size=n) * 1e-300,
        rng.normal(size=n) * 1e300,
    ]
    near = rng.normal(size=n)
    near[1::2] = np.nextafter(near[::2][: n // 2], np.inf)
    rows.append(near)
    zeros = rng.normal(size=n)
    zeros[::3] = -0.0
    zeros[1::3] = 0.0
    rows.append(zeros)
    extreme = rng.normal(size=n)
    extreme[::4] = np.inf
    extreme[2::4] = -np.inf
    rows.append(extreme)
    values = np.stack(rows)
    expected = 1 + (values[:, None, :] > values[:, :, None]).sum(axis=2)
    np.testing.assert_array_equal(min_rank(values), expected)
    np.testing.assert_array_equal(min_rank(values.reshape(7, 1, n)), expected[:, None, :])


def test_identical_entities_tie_with_the_smallest_rank():
    x, w = random_panel(E=4)
    x[1] = x[0]  # entity 1 is a copy of entity 0
    res = robustness_draws(
        x, POSITIVE, w[0], MEMBERSHIP, bounds_axis=1, draws=20, return_draws=True
    )
    np.testing.assert_array_equal(res.synergy_draws[:, 0], res.synergy_draws[:, 1])
    np.testing.assert_array_equal(res.rank_draws[:, 0], res.rank_draws[:, 1])
    np.testing.assert_array_equal(res.rank[0], res.rank[1])
    U = res.synergy_draws
    expected = 1 + (U[:, None, :, :] > U[:, :, None, :]).sum(axis=2)
    np.testing.assert_array_equal(res.rank_draws, expected)


# ---------------------------------------------------------------------------------------
# options and errors
# ---------------------------------------------------------------------------------------


def test_geometric_draws_no_weights():
    x, w = random_panel()
    res = robustness_draws(
        x,
        POSITIVE,
        w,
        MEMBERSHIP,
        bounds_axis=1,
        draws=5,
        aggregation="geometric",
        return_draws=True,
    )
    assert res.weight_draws is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"aggregation": "mean"}, "aggregation must be one of"),
        ({"bounds_axis": 0}, "bounds_axis must be 1"),
        ({"bounds_axis": 2}, "bounds_axis must be 1"),
        ({"margin_range": (0.2, 0.1)}, "margin_range"),
        ({"margin_range": (-0.1, 0.1)}, "margin_range"),
        ({"draws": 0}, "draws must be a positive integer"),
        ({"concentration": 0.0}, "concentration must be > 0"),
        ({"weights": np.ones(4)}, "weights must have shape"),
        ({"weights": -np.ones(5)}, "weights must be finite and >= 0"),
        ({"weights": np.array([1.0, 0, 0, 0, 0])}, "every subsystem needs a positive"),
        ({"workers": 0}, "workers must be a positive integer"),
        ({"weights_scope": "region"}, "weights_scope must be"),
        ({"active": np.ones((2, 5), dtype=bool)}, "active must have shape"),
        ({"lower": np.zeros(4)}, "lower must have shape"),
        ({"upper": np.full(5, np.inf)}, "explicit bounds must be finite"),
        ({"point_margin": math.nan}, "point_margin must be finite"),
        ({"base": 9}, "base index 9 is outside"),
    ],
)
def test_bad_options_are_errors(kwargs, message):
    x, w = random_panel()
    args = {"bounds_axis": 1, "draws": 3, "weights": w}
    args.update(kwargs)
    weights = args.pop("weights")
    with pytest.raises(ValueError, match=message):
        robustness_draws(x, POSITIVE, weights, MEMBERSHIP, **args)


def test_constant_indicator_is_an_error():
    x, w = random_panel()
    x[..., 3] = 0.0  # constant at 0: upper == lower whatever the margin
    with pytest.raises(ValueError, match="upper bound equals lower bound"):
        robustness_draws(x, POSITIVE, w, MEMBERSHIP, bounds_axis=1, draws=3)


def test_missing_values_are_an_error():
    x, w = random_panel()
    x[0, 1, 2] = np.nan
    with pytest.raises(ValueError, match="missing"):
        robustness_draws(x, POSITIVE, w, MEMBERSHIP, bounds_axis=1, draws=3)


# ---------------------------------------------------------------------------------------
# with the point fit
# ---------------------------------------------------------------------------------------


def test_point_equals_fit_on_the_bundled_guangzhou_trade_model():
    # cosyn.fit on the bundled Guangzhou trade data (trade_model.toml: bounds per entity,
    # margin 0.1, entropy weights per entity, weighted sum, base first); the kernel gets
    # fit's arrays and must report fit's synergy values as its point estimate.
    import warnings

    import cosyn
    from cosyn.datasets import load_dataset, load_spec

    spec = load_spec("trade_model")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cosyn.CosynWarning)
        fitted = cosyn.fit(load_dataset("guangzhou_trade"), spec)
    names = [s.name for s in spec.subsystems]
    membership = np.array([[ind.subsystem == n for n in names] for ind in spec.indicators])
    positive = np.array([ind.positive for ind in spec.indicators])
    res = robustness_draws(
        fitted.x,
        positive,
        fitted.weight_values,
        membership,
        bounds_axis=1,
        point_margin=spec.method.margin,
        draws=200,
    )
    np.testing.assert_array_equal(res.synergy, fitted.synergy_values)
    np.testing.assert_array_equal(res.mu, fitted.mu)
    assert (res.synergy_p5 <= res.synergy_median).all()
    assert (res.synergy_median <= res.synergy_p95).all()


# ---------------------------------------------------------------------------------------
# explicit bounds, margin 0 with a constant series, weights that do not sum to 1
# ---------------------------------------------------------------------------------------


def test_explicit_bounds_stay_fixed_in_every_draw_by_hand():
    # One entity, three periods. A has explicit bounds [0, 20]; B is widened from its data.
    # A = 2, 4, 25 → u = 0.1, 0.2, 1 (25 > 20: clipped to 1), for every margin.
    # Point (margin 0): B = 1, 2, 5 → u = (x − 1)/4 = 0, .25, 1;
    #   U = sqrt(0.1·0.25) = 0.158114 and sqrt(0.9·1) = 0.948683.
    # Draws (margin 0.5): B: lower = 0.5, upper = 7.5, u = (x − .5)/7 = 1/14, 3/14, 9/14;
    #   Δ_B = 1/7, 4/7, so U = sqrt(0.1/7) and sqrt(0.9·4/7).
    x = np.array([[[2.0, 1.0], [4.0, 2.0], [25.0, 5.0]]])
    res = robustness_draws(
        x, True, [1.0, 1.0], np.eye(2, dtype=bool), bounds_axis=1, margin_range=(0.5, 0.5),
        point_margin=0.0, draws=4, lower=[0.0, np.nan], upper=[20.0, np.nan],
        return_draws=True,
    )  # fmt: skip
    np.testing.assert_allclose(res.synergy, [[math.sqrt(0.025), math.sqrt(0.9)]], rtol=1e-14)
    expected = [[math.sqrt(0.1 / 7), math.sqrt(3.6 / 7)]]
    np.testing.assert_allclose(res.synergy_draws, [expected] * 4, rtol=1e-13)
    np.testing.assert_allclose(res.mu_median[0, :, 0], [0.1, 0.2, 1.0], rtol=1e-14)
    # the geometric path (u materialised) gives the same
    geo = robustness_draws(
        x, True, [1.0, 1.0], np.eye(2, dtype=bool), bounds_axis=1, margin_range=(0.5, 0.5),
        point_margin=0.0, draws=2, lower=[0.0, np.nan], upper=[20.0, np.nan],
        aggregation="weighted_geometric", return_draws=True,
    )  # fmt: skip
    np.testing.assert_allclose(geo.synergy_draws, [expected] * 2, rtol=1e-13)


@pytest.mark.parametrize("aggregation", ["weighted_sum", "weighted_geometric"])
def test_explicit_bounds_agree_with_a_loop_over_draws(aggregation):
    # every draw redone with efficacy: explicit bounds fixed, the others widened by a_d
    x, w = random_panel()
    lower = np.array([np.nan, -2.2, np.nan, 0.0, np.nan])
    upper = np.array([np.nan, np.nan, 12.0, np.nan, 5.0])
    res = robustness_draws(
        x, POSITIVE, w, MEMBERSHIP, bounds_axis=1, draws=20, lower=lower, upper=upper,
        aggregation=aggregation, return_draws=True,
    )  # fmt: skip
    assert (x[..., 2] > 12).any() and (x[..., 4] > 5).any() and (x[..., 1] < -2.2).any()
    for d in range(20):
        lo, hi = (b.copy() for b in (x.min(axis=1, keepdims=True), x.max(axis=1, keepdims=True)))
        lo, hi = lo - res.margins[d] * abs(lo), hi + res.margins[d] * abs(hi)
        lo = np.where(np.isnan(lower), lo, lower)
        hi = np.where(np.isnan(upper), hi, upper)
        u = efficacy(x, POSITIVE, lower=lo, upper=hi, clip=True)
        U = synergy_path(subsystem_order(u, res.weight_draws[d], MEMBERSHIP, aggregation))[0]
        np.testing.assert_allclose(res.synergy_draws[d], U, rtol=0, atol=1e-13)


def test_margin_range_from_0_with_a_constant_series():
    # a1 is constant at 100 (weight 0.5 given), a2 = 1, 2, 3; B: b = 1, 3, 5.
    # At margin 0 a1's span is 0, but for every a > 0 its u is (100 − 100(1 − a))/(200a)
    # = 1/2: the draws take that limit. Draws at a = 0: a2 u = 0, .5, 1, so
    # μ_A = .25, .5, .75; B u = 0, .5, 1; U = sqrt(.25·.5) and sqrt(.5·1).
    x = np.array([[[100.0, 1.0, 1.0], [100.0, 2.0, 3.0], [100.0, 3.0, 5.0]]])
    mem = np.array([[1, 0], [1, 0], [0, 1]], dtype=bool)
    for positive in (True, [False, True, True]):
        res = robustness_draws(
            x, positive, [0.5, 0.5, 1.0], mem, bounds_axis=1, margin_range=(0.0, 0.0),
            draws=3, concentration=math.inf, return_draws=True,
        )  # fmt: skip
        np.testing.assert_allclose(res.mu_draws[:, 0, :, 0], [[0.25, 0.5, 0.75]] * 3)
        np.testing.assert_allclose(
            res.synergy_draws, [[[math.sqrt(0.125), math.sqrt(0.5)]]] * 3, rtol=1e-14
        )
        geo = robustness_draws(
            x, positive, [0.5, 0.5, 1.0], mem, bounds_axis=1, margin_range=(0.0, 0.0),
            draws=2, concentration=math.inf, aggregation="weighted_geometric",
            return_draws=True,
        )  # fmt: skip
        assert np.isfinite(geo.synergy_draws).all()
        # μ_A = sqrt(0.5·u2): sqrt(.25) = .5 and sqrt(.5)
        np.testing.assert_allclose(geo.mu_draws[:, 0, 1:, 0], [[0.5, 0.5**0.5]] * 2)


def test_weights_that_do_not_sum_to_1_are_renormalised():
    # weights left after an indicator is dropped, e.g. (0.5, 0.5, 0.5 | 1, 1): the same
    # bands as the normalised (1/3, 1/3, 1/3 | 1/2, 1/2)
    x, _ = random_panel()
    kw = {"bounds_axis": 1, "draws": 12, "return_draws": True}
    raw = robustness_draws(x, POSITIVE, [0.5, 0.5, 0.5, 1.0, 1.0], MEMBERSHIP, **kw)
    norm = robustness_draws(x, POSITIVE, [1 / 3] * 3 + [0.5, 0.5], MEMBERSHIP, **kw)
    np.testing.assert_allclose(raw.synergy, norm.synergy, rtol=1e-14)
    np.testing.assert_allclose(raw.synergy_draws, norm.synergy_draws, rtol=1e-12)


def test_left_out_indicator_constant_at_0_is_no_error():
    # entity 0 has indicator 3 constant at 0 (undefined u); left out for it (active False)
    # with weight 0, the run goes on, and entity 0's μ_B is indicator 4's u alone.
    x, w = random_panel()
    x[0, :, 3] = 0.0
    active = np.ones(w.shape, dtype=bool)
    active[0, 3] = False
    w[0, 3:] = [0.0, 1.0]
    res = robustness_draws(
        x, POSITIVE, w, MEMBERSHIP, bounds_axis=1, draws=8, active=active, return_draws=True
    )
    assert np.isfinite(res.synergy_draws).all()
    u4 = efficacy(x[0, :, 4], False, 0.1)
    np.testing.assert_allclose(res.mu[0, :, 1], u4, rtol=1e-14)
    with pytest.raises(ValueError, match="u is undefined"):
        robustness_draws(x, POSITIVE, w, MEMBERSHIP, bounds_axis=1, draws=2)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    scope=st.sampled_from(["entity", "panel"]),
    aggregation=st.sampled_from(["weighted_sum", "weighted_geometric"]),
    spread=st.floats(0.0, 0.5),
)
def test_no_spread_reproduces_the_point_with_explicit_bounds(seed, scope, aggregation, spread):
    # Random explicit bounds (some inside the data: clipping) and κ = ∞ with the margin
    # fixed at the point margin: every draw is the point, which is efficacy with the same
    # bounds; the bands are finite and equal it to 1e-12.
    x, w = random_panel(seed=seed)
    rng = np.random.default_rng(seed)
    lo_data, hi_data = x.min(axis=(0, 1)), x.max(axis=(0, 1))
    lower = np.where(rng.random(5) < 0.5, lo_data + spread * (hi_data - lo_data) / 2, np.nan)
    upper = np.where(rng.random(5) < 0.5, hi_data - spread * (hi_data - lo_data) / 2, np.nan)
    res = robustness_draws(
        x, POSITIVE, w, MEMBERSHIP, bounds_axis=(0, 1), margin_range=(0.1, 0.1), draws=3,
        concentration=math.inf, lower=lower, upper=upper, weights_scope=scope,
        aggregation=aggregation,
    )  # fmt: skip
    lo = np.where(np.isnan(lower), lo_data - 0.1 * abs(lo_data), lower)
    hi = np.where(np.isnan(upper), hi_data + 0.1 * abs(hi_data), upper)
    u = efficacy(x, POSITIVE, lower=lo, upper=hi, clip=True)
    U = synergy_path(subsystem_order(u, w, MEMBERSHIP, aggregation))[0]
    np.testing.assert_array_equal(res.synergy, U)
    for band in (res.synergy_p5, res.synergy_median, res.synergy_p95):
        np.testing.assert_allclose(band, U, rtol=0, atol=1e-12)


# ---------------------------------------------------------------------------------------
# chunks of entities: the same numbers as every draw held at once, whatever the chunk
# ---------------------------------------------------------------------------------------

STORED = np.load(robustness_cases.REFERENCE)


@pytest.mark.parametrize("chunk", [1, 7, None])
@pytest.mark.parametrize("name", list(robustness_cases.kernel_cases()))
def test_kernel_equals_the_stored_unchunked_output(name, chunk):
    # the stored outputs come from the kernel that kept every draw of every entity
    # (robustness_cases.py says which commit); chunks of 1, 7 and all entities
    args, kw = robustness_cases.kernel_cases()[name]()
    res = robustness_draws(*args, **kw, chunk_entities=chunk)
    for field in robustness_cases.FIELDS:
        expected = STORED[f"kernel/{name}/{field}"]
        np.testing.assert_allclose(
            getattr(res, field), expected, rtol=0, atol=1e-12, err_msg=f"{name}: {field}"
        )


@pytest.mark.parametrize("name", list(robustness_cases.fit_cases()))
def test_fit_table_equals_the_stored_unchunked_output(name):
    table = robustness_cases.fit_result(robustness_cases.fit_cases()[name]).robustness
    for column in robustness_cases.TABLE_COLUMNS:
        expected = STORED[f"fit/{name}/{column}"]
        np.testing.assert_allclose(
            table[column].to_numpy(dtype=float), expected, rtol=0, atol=1e-12,
            err_msg=f"{name}: {column}",
        )  # fmt: skip


def test_draws_and_figures_are_bitwise_the_same_for_any_chunks_and_threads():
    # the same seed gives the same numbers, to the last bit, whatever the chunks of
    # entities (1, 7, all), the memory budget (a store in memory or in a temporary file)
    # and the threads
    x, w = random_panel(E=9, T=6)
    kw = {"bounds_axis": 1, "draws": 23, "seed": 12, "return_draws": True}
    whole = fields(robustness_draws(x, POSITIVE, w, MEMBERSHIP, chunk_entities=None, **kw))
    for extra in (
        {"chunk_entities": 1},
        {"chunk_entities": 7, "workers": 3},
        {"chunk_bytes": 1},  # one entity a chunk, one draw a block, stores in a file
        {"chunk_bytes": 32_292},  # chunks of 9 entities reduced in parts of 2
        {"chunk_bytes": 2**40, "workers": 1},  # one chunk, stores in memory
    ):
        other = fields(robustness_draws(x, POSITIVE, w, MEMBERSHIP, **kw, **extra))
        for name in whole:
            np.testing.assert_array_equal(other[name], whole[name], err_msg=f"{extra} {name}")


@settings(max_examples=20, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    axis=st.sampled_from([1, (0, 1)]),
    scope=st.sampled_from(["entity", "panel"]),
    aggregation=st.sampled_from(["weighted_sum", "weighted_geometric", "geometric"]),
    explicit=st.booleans(),
    left_out=st.booleans(),
    chunk=st.integers(1, 8),
)
def test_any_chunks_give_the_numbers_of_one_chunk(
    seed, axis, scope, aggregation, explicit, left_out, chunk
):
    x, w = random_panel(seed=seed, E=8, T=5)
    kw: dict = {
        "bounds_axis": axis,
        "draws": 17,
        "seed": seed,
        "aggregation": aggregation,
        "weights_scope": scope,
    }
    if explicit:
        kw.update(robustness_cases._explicit(x))
    if left_out:
        active = np.ones(w.shape, dtype=bool)
        active[3, 4] = False
        w = np.where(active, w, 0.0)
        w /= (w @ MEMBERSHIP)[:, MEMBERSHIP.argmax(axis=1)]
        kw["active"] = active
    try:
        one = robustness_draws(x, POSITIVE, w, MEMBERSHIP, chunk_entities=None, **kw)
    except ValueError:  # explicit bounds that cross a widened one for this panel
        return
    many = robustness_draws(x, POSITIVE, w, MEMBERSHIP, chunk_entities=chunk, **kw)
    for name, value in fields(one).items():
        np.testing.assert_array_equal(getattr(many, name), value, err_msg=name)


def test_tiny_concentration_per_entity_is_drawn_again_from_the_entity_log_streams():
    # κφ tiny, weights per entity: a draw whose subsystem sum underflows is drawn again
    # from the entity's two log-space streams (spawn keys 2**32 + 1 and 2**32 + 2), one
    # row per such draw in draw order; the others are its weight stream, unchanged
    x = np.array([[[1.0, 2.0, 1.0], [2.0, 3.0, 2.0], [3.0, 5.0, 4.0]]] * 2)
    x[1] += 1.0
    mem = np.array([[1, 0], [1, 0], [0, 1]], dtype=bool)
    w = np.array([[0.5, 0.5, 1.0], [0.3, 0.7, 1.0]])
    D, kappa = 200, 1e-3
    res = robustness_draws(
        x, True, w, mem, bounds_axis=1, draws=D, concentration=kappa, seed=3,
        weights_scope="entity", chunk_entities=1, return_draws=True,
    )  # fmt: skip
    for e in range(2):
        alpha = kappa * w[e]
        g = entity_stream(3, 0, e).standard_gamma(alpha, size=(D, 3))
        again = (g @ mem < 1e-300).any(axis=1)
        assert 50 < again.sum() < D  # about 3 draws in 4 underflow, not all
        kept = g[~again] / (g[~again] @ mem)[:, mem.argmax(axis=1)]
        np.testing.assert_array_equal(res.weight_draws[~again, e], kept)
        size = (int(again.sum()), 3)
        log_g = np.log(entity_stream(3, 1, e).standard_gamma(alpha + 1.0, size)) + (
            np.log1p(-entity_stream(3, 2, e).random(size)) / alpha
        )
        top = np.stack([log_g[:, :2].max(axis=1), log_g[:, 2]], axis=1)[:, mem.argmax(axis=1)]
        redo = np.exp(log_g - top)
        redo /= (redo @ mem)[:, mem.argmax(axis=1)]
        np.testing.assert_allclose(res.weight_draws[again, e], redo, rtol=1e-15, atol=0)
    assert np.isfinite(res.synergy_draws).all()


def test_bad_chunk_entities_is_an_error():
    x, w = random_panel()
    with pytest.raises(ValueError, match="chunk_entities must be a positive integer"):
        robustness_draws(x, POSITIVE, w, MEMBERSHIP, bounds_axis=1, draws=3, chunk_entities=0)


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("base", ["first", "adjacent", 1])
def test_synergy_of_the_draws_side_by_side_is_synergy_path_bit_for_bit(k, base):
    # μ laid out (entity, subsystem, period, draw) gives, draw by draw, synergy_path's U
    # to the last bit: rising and falling subsystems, no change (U = +0.0), changes at
    # and just above the round-off limit 1e-12
    from cosyn.methods.robustness import _synergy_by_draw, _Workspace

    rng = np.random.default_rng(k)
    mu = rng.uniform(0, 1, size=(4, k, 6, 9))
    mu[0, :, 2] = mu[0, :, 1]  # no change from period 1 to 2
    mu[1, 0, 3] = mu[1, 0, 0] + 1e-12  # a change at the round-off limit
    mu[2, 1, 4] = mu[2, 1, 0] + 2e-12  # just above it
    mu[3, :, 5] = mu[3, :, 0] - 0.1  # every subsystem falls
    reference = synergy_path(mu.transpose(0, 3, 2, 1), base)[0]  # (4, 9, P)
    out = np.empty((4, reference.shape[-1], 9))
    _synergy_by_draw(mu, base, out, _Workspace())
    np.testing.assert_array_equal(out.transpose(0, 2, 1), reference)
    assert not np.signbit(out[out == 0]).any()  # +0.0, never −0.0

"""Order degree of a subsystem from its order parameters (METHOD.md §3).

``weighted_sum``: μ = Σ φ·u; ``geometric``: μ = (Π u)^(1/n); ``weighted_geometric``:
μ = Π u^φ, with the convention 0^0 = 1. Hand calculations with numbers exact in binary
where possible; the arithmetic is beside each expected value.
"""

from __future__ import annotations

import numpy as np
import pytest

from cosyn.methods.aggregation import AGGREGATIONS, subsystem_order

# indicators 0 and 1 belong to subsystem 0, indicator 2 to subsystem 1
MEMBERSHIP = np.array([[True, False], [True, False], [False, True]])
# two periods × three indicators
U = np.array(
    [
        [0.25, 0.64, 0.5],
        [0.16, 1.0, 0.9],
    ]
)
WEIGHTS = np.array([0.25, 0.75, 1.0])


def test_aggregations_are_the_three_of_method_md():
    assert AGGREGATIONS == ("weighted_sum", "geometric", "weighted_geometric")


def test_weighted_sum_is_the_default():
    mu = subsystem_order(U, WEIGHTS, MEMBERSHIP)
    assert mu.shape == (2, 2)  # (T, k)
    np.testing.assert_allclose(
        mu,
        [
            [0.5425, 0.5],  # 0.25·0.25 + 0.75·0.64 = 0.0625 + 0.48; 1·0.5
            [0.79, 0.9],  # 0.25·0.16 + 0.75·1.0 = 0.04 + 0.75; 1·0.9
        ],
        rtol=1e-12,
    )


def test_geometric_ignores_the_weights():
    mu = subsystem_order(U, WEIGHTS, MEMBERSHIP, "geometric")
    np.testing.assert_allclose(
        mu,
        [
            [0.4, 0.5],  # (0.25·0.64)^(1/2) = 0.16^(1/2) = 0.4; 0.5^(1/1)
            [0.4, 0.9],  # (0.16·1.0)^(1/2) = 0.4; 0.9
        ],
        rtol=1e-12,
    )


def test_geometric_three_indicators_cube_root():
    u = np.array([[0.5, 0.25, 0.125]])
    mem = np.ones((3, 1), dtype=bool)
    mu = subsystem_order(u, np.full(3, 1 / 3), mem, "geometric")
    assert mu[0, 0] == pytest.approx(0.25, rel=1e-12)  # (0.5·0.25·0.125)^(1/3) = (1/64)^(1/3)


def test_weighted_geometric():
    u = np.array([[0.0625, 0.4096, 0.5]])
    mu = subsystem_order(u, WEIGHTS, MEMBERSHIP, "weighted_geometric")
    np.testing.assert_allclose(
        mu,
        [
            # 0.0625^0.25 · 0.4096^0.75 = (0.5^4)^(1/4) · (0.8^4)^(3/4) = 0.5 · 0.512
            [0.256, 0.5],  # and 0.5^1 = 0.5
        ],
        rtol=1e-12,
    )


def test_weighted_geometric_with_equal_weights_is_geometric():
    w = np.array([0.5, 0.5, 1.0])
    np.testing.assert_allclose(
        subsystem_order(U, w, MEMBERSHIP, "weighted_geometric"),
        subsystem_order(U, w, MEMBERSHIP, "geometric"),
        rtol=1e-12,
    )


# ---------------------------------------------------------------------------------------
# 0^0 = 1
# ---------------------------------------------------------------------------------------

ONE_SUBSYSTEM = np.ones((2, 1), dtype=bool)


def test_weighted_geometric_zero_u_with_zero_weight_does_not_zero_mu():
    u = np.array([[0.0, 0.25]])
    mu = subsystem_order(u, [0.0, 1.0], ONE_SUBSYSTEM, "weighted_geometric")
    assert mu[0, 0] == 0.25  # 0^0 · 0.25^1 = 1 · 0.25


def test_weighted_geometric_zero_u_with_positive_weight_gives_zero():
    u = np.array([[0.0, 0.25]])
    mu = subsystem_order(u, [0.5, 0.5], ONE_SUBSYSTEM, "weighted_geometric")
    assert mu[0, 0] == 0.0  # 0^0.5 · 0.25^0.5 = 0 · 0.5


def test_weighted_geometric_zero_is_per_subsystem():
    # the zero of indicator 0 (subsystem 0) must not leak into subsystem 1
    u = np.array([[0.0, 0.25, 0.5]])
    mu = subsystem_order(u, [0.5, 0.5, 1.0], MEMBERSHIP, "weighted_geometric")
    np.testing.assert_array_equal(mu, [[0.0, 0.5]])  # 0^0.5·0.25^0.5 = 0; 0.5^1


def test_geometric_zero_u_gives_zero():
    u = np.array([[0.0, 0.25]])
    mu = subsystem_order(u, [0.0, 1.0], ONE_SUBSYSTEM, "geometric")
    assert mu[0, 0] == 0.0  # (0 · 0.25)^(1/2) = 0; the weights play no part


def test_weighted_sum_zero_u_with_zero_weight():
    u = np.array([[0.0, 0.25]])
    mu = subsystem_order(u, [0.0, 1.0], ONE_SUBSYSTEM, "weighted_sum")
    assert mu[0, 0] == 0.25  # 0·0 + 1·0.25


def test_weighted_geometric_all_ones_is_one():
    u = np.ones((1, 2))
    mu = subsystem_order(u, [0.3, 0.7], ONE_SUBSYSTEM, "weighted_geometric")
    assert mu[0, 0] == pytest.approx(1.0, rel=1e-15)  # 1^0.3 · 1^0.7


# ---------------------------------------------------------------------------------------
# shapes and batches
# ---------------------------------------------------------------------------------------


def test_weights_per_entity_broadcast_over_periods():
    # shape (E=2, T=2, m=2), one subsystem; entity 0 weighs (1, 0), entity 1 (0.5, 0.5)
    u = np.array([[[0.2, 0.8], [0.4, 0.6]], [[0.2, 0.8], [0.4, 0.6]]])
    w = np.array([[1.0, 0.0], [0.5, 0.5]])
    mu = subsystem_order(u, w, ONE_SUBSYSTEM)
    assert mu.shape == (2, 2, 1)
    np.testing.assert_allclose(
        mu[..., 0],
        [
            [0.2, 0.4],  # 1·u0 + 0·u1
            [0.5, 0.5],  # 0.5·(0.2 + 0.8), 0.5·(0.4 + 0.6)
        ],
        rtol=1e-12,
    )


def test_indicator_order_within_membership_need_not_be_contiguous():
    # indicators 0 and 2 in subsystem 0, indicator 1 in subsystem 1
    mem = np.array([[True, False], [False, True], [True, False]])
    u = np.array([[0.2, 0.7, 0.6]])
    mu = subsystem_order(u, [0.5, 1.0, 0.5], mem)
    np.testing.assert_allclose(mu, [[0.4, 0.7]], rtol=1e-12)  # 0.5·0.2 + 0.5·0.6; 1·0.7


def test_unknown_aggregation_is_refused():
    with pytest.raises(ValueError, match="aggregation must be one of"):
        subsystem_order(U, WEIGHTS, MEMBERSHIP, "harmonic")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------
# indicators left out for some rows (active mask, METHOD.md §8)
# ---------------------------------------------------------------------------------------

# One subsystem of three indicators, two rows (entities); the third indicator is left out
# in row 0 (its u is NaN there), in use in row 1.
U3 = np.array([[[0.5, 0.25, np.nan]], [[0.5, 0.25, 0.8]]])  # (E=2, T=1, m=3)
MEM3 = np.ones((3, 1), dtype=bool)
ACTIVE3 = np.array([[True, True, False], [True, True, True]])


def test_left_out_indicator_under_every_aggregation_by_hand():
    w = np.array([[0.4, 0.6, 0.0], [0.2, 0.3, 0.5]])
    # weighted sum: row 0 = 0.4·0.5 + 0.6·0.25 = 0.35; row 1 = 0.1 + 0.075 + 0.4 = 0.575
    out = subsystem_order(U3, w, MEM3, "weighted_sum", ACTIVE3)
    np.testing.assert_allclose(out[:, 0, 0], [0.35, 0.575])
    # geometric over the active ones: row 0 sqrt(0.5·0.25) = 0.353553 (n_j = 2, not 3);
    # row 1 (0.5·0.25·0.8)^(1/3) = 0.1^(1/3) = 0.464159
    out = subsystem_order(U3, w, MEM3, "geometric", ACTIVE3)
    np.testing.assert_allclose(out[:, 0, 0], [np.sqrt(0.125), 0.1 ** (1 / 3)])
    # weighted geometric: row 0 = 0.5^0.4 · 0.25^0.6 = 0.329877
    out = subsystem_order(U3, w, MEM3, "weighted_geometric", ACTIVE3)
    assert out[0, 0, 0] == pytest.approx(0.5**0.4 * 0.25**0.6, rel=1e-14)
    assert np.isfinite(out).all()


def test_a_subsystem_with_no_active_indicator_is_refused():
    with pytest.raises(ValueError, match="at least one active indicator"):
        subsystem_order(U3, np.full((2, 3), 1 / 3), MEM3, "weighted_sum", ~ACTIVE3 & False)


def test_weighted_sum_of_a_wide_stack_is_the_batched_product_bit_for_bit():
    # 700 entities (more than one buffer), subsystems of 3 and 4 of 7 columns
    rng = np.random.default_rng(2)
    u = rng.random((700, 30, 7))
    w = rng.random((700, 7))
    w[:, :3] /= w[:, :3].sum(axis=1, keepdims=True)
    w[:, 3:] /= w[:, 3:].sum(axis=1, keepdims=True)
    mem = np.zeros((7, 2), dtype=bool)
    mem[:3, 0] = mem[3:, 1] = True
    mu = subsystem_order(u, w, mem)
    for j, cols in enumerate((slice(0, 3), slice(3, 7))):
        expected = np.clip((u[..., cols] @ w[:, cols, None])[..., 0], 0.0, 1.0)
        assert mu[..., j].tobytes() == np.ascontiguousarray(expected).tobytes()

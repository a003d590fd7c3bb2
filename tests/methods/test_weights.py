"""Hand calculations for the weight kernels (METHOD.md §2), one per documented convention.

Every expected value is worked out in the comment above it, small enough to check on
paper; closed forms are written with ln and sqrt rather than as rounded decimals.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from cosyn.methods.weights import (
    RANDOM_INDEX,
    ahp_weights,
    combine_weights,
    critic_information,
    critic_weights,
    cv_weights,
    entropy_divergence,
    entropy_weights,
    equal_weights,
    normalize_weights,
)

LN2 = math.log(2.0)
LN3 = math.log(3.0)
SQRT3 = math.sqrt(3.0)


# ---------------------------------------------------------------------------------------
# normalize_weights, equal_weights
# ---------------------------------------------------------------------------------------


def test_normalize_weights_by_hand():
    # [1, 3] / 4 = [0.25, 0.75]; a row of zeros gets 1/m each (row-wise over leading axes).
    out = normalize_weights([[1.0, 3.0], [0.0, 0.0]])
    np.testing.assert_allclose(out, [[0.25, 0.75], [0.5, 0.5]])


def test_equal_weights():
    np.testing.assert_allclose(equal_weights(4), [0.25] * 4)
    with pytest.raises(ValueError, match="need at least one indicator, got 0"):
        equal_weights(0)


# ---------------------------------------------------------------------------------------
# Entropy
# ---------------------------------------------------------------------------------------


def test_entropy_by_hand_with_zero_entry():
    # n = 3 rows, so E = −Σ p ln p / ln 3.
    # column 0 = (0, 1, 1): p = (0, 1/2, 1/2); with 0·ln 0 = 0,
    #   −Σ p ln p = −2·(1/2)·ln(1/2) = ln 2  →  E0 = ln2/ln3,  d0 = 1 − ln2/ln3 ≈ 0.36907
    # column 1 = (1, 2, 1): p = (1/4, 1/2, 1/4);
    #   −Σ p ln p = 2·(1/4)·ln 4 + (1/2)·ln 2 = ln2 + ln2/2 = 1.5·ln2
    #   →  E1 = 1.5·ln2/ln3,  d1 = 1 − 1.5·ln2/ln3 ≈ 0.05361
    # w = d / (d0 + d1) ≈ (0.87318, 0.12682). No RuntimeWarning from ln 0 (pytest turns
    # RuntimeWarning into an error).
    x = np.array([[0.0, 1.0], [1.0, 2.0], [1.0, 1.0]])
    d0 = 1.0 - LN2 / LN3
    d1 = 1.0 - 1.5 * LN2 / LN3
    np.testing.assert_allclose(entropy_divergence(x), [d0, d1], rtol=1e-14)
    np.testing.assert_allclose(entropy_weights(x), [d0 / (d0 + d1), d1 / (d0 + d1)], rtol=1e-14)


def test_entropy_single_nonzero_entry_has_zero_entropy():
    # column (0, 0, 5): p = (0, 0, 1) → −Σ p ln p = −1·ln 1 = 0 → E = 0, d = 1 (0·ln 0 = 0).
    # column (1, 1, 1): p = 1/3 each → E = ln3/ln3 = 1, d = 0.  w = (1, 0).
    x = np.array([[0.0, 1.0], [0.0, 1.0], [5.0, 1.0]])
    np.testing.assert_allclose(entropy_divergence(x), [1.0, 0.0], atol=1e-15)
    np.testing.assert_allclose(entropy_weights(x), [1.0, 0.0], atol=1e-15)


def test_entropy_zero_sum_column_gets_weight_zero():
    # column 0 = (0, 0): sums to 0 → no information: E = 1, d = 0, weight 0.
    # column 1 = (1, 3): p = (1/4, 3/4), n = 2:
    #   E = −(¼ ln ¼ + ¾ ln ¾)/ln 2 = 2 − (3/4)·log2(3) ≈ 0.81128, d ≈ 0.18872
    # so w = (0, 1).
    x = np.array([[0.0, 1.0], [0.0, 3.0]])
    d1 = 1.0 - (2.0 - 0.75 * math.log2(3.0))
    np.testing.assert_allclose(entropy_divergence(x), [0.0, d1], rtol=1e-14)
    np.testing.assert_allclose(entropy_weights(x), [0.0, 1.0], atol=1e-15)


def test_entropy_all_columns_uniform_gives_equal_weights():
    # Every column constant: p = 1/3 each → E = 1 for all → every d = 0 → w = 1/3 each.
    x = np.tile([2.0, 5.0, 7.0], (3, 1))
    np.testing.assert_allclose(entropy_divergence(x), 0.0, atol=1e-15)
    np.testing.assert_allclose(entropy_weights(x), [1 / 3] * 3, rtol=1e-14)


def test_entropy_all_columns_zero_gives_equal_weights():
    # Every column sums to 0 → every d = 0 → equal weights, not NaN.
    np.testing.assert_allclose(entropy_weights(np.zeros((4, 2))), [0.5, 0.5])


def test_entropy_is_per_column_scale_free():
    # p = x / Σx does not change when a column is multiplied by c > 0.
    x = np.array([[1.0, 4.0], [2.0, 1.0], [4.0, 2.0]])
    np.testing.assert_allclose(entropy_weights(x * [10.0, 0.5]), entropy_weights(x), rtol=1e-14)


def test_entropy_refuses_negative_values():
    with pytest.raises(ValueError, match="entropy weights need non-negative values"):
        entropy_weights([[1.0, -1.0], [2.0, 3.0]])


def test_entropy_refuses_fewer_than_two_observations():
    with pytest.raises(ValueError, match="entropy weights need at least 2 observations, got 1"):
        entropy_weights([[1.0, 2.0, 3.0]])


def test_entropy_refuses_non_matrix_and_non_finite():
    with pytest.raises(ValueError, match=re.escape("got shape (3,)")):
        entropy_weights([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="needs finite values"):
        entropy_weights([[1.0, np.nan], [2.0, 3.0]])


# ---------------------------------------------------------------------------------------
# CRITIC
# ---------------------------------------------------------------------------------------


def test_critic_constant_column_by_hand():
    # Columns a = (0, 1, 2), b = (0, 0, 3), c = (5, 5, 5) (constant), n = 3.
    # Sample σ (ddof = 1):
    #   a: mean 1, deviations (−1, 0, 1), Σdev² = 2, σa = sqrt(2/2) = 1
    #   b: mean 1, deviations (−1, −1, 2), Σdev² = 6, σb = sqrt(6/2) = √3
    #   c: σc = 0
    # Pearson r_ab = Σ(dev_a·dev_b) / sqrt(2·6) = (1 + 0 + 2)/√12 = √3/2.
    # Correlations with the constant column are taken as 0 (r_ac = r_bc = 0).
    #   C_a = σa·[(1 − 1) + (1 − √3/2) + (1 − 0)] = 2 − √3/2        ≈ 1.13397
    #   C_b = σb·[(1 − √3/2) + (1 − 1) + (1 − 0)] = √3·(2 − √3/2) = 2√3 − 3/2 ≈ 1.96410
    #   C_c = 0·(...) = 0
    # w = C / ΣC = (1, √3, 0) / (1 + √3) ≈ (0.36603, 0.63397, 0).
    x = np.array([[0.0, 0.0, 5.0], [1.0, 0.0, 5.0], [2.0, 3.0, 5.0]])
    np.testing.assert_allclose(
        critic_information(x), [2 - SQRT3 / 2, 2 * SQRT3 - 1.5, 0.0], rtol=1e-14, atol=1e-15
    )
    np.testing.assert_allclose(
        critic_weights(x), [1 / (1 + SQRT3), SQRT3 / (1 + SQRT3), 0.0], rtol=1e-14, atol=1e-15
    )


def test_critic_pins_ddof_one_and_zero_correlation_with_constant():
    # a = (0, 1, 2), b = (0, 2, 1), c constant. σa = σb = 1 with ddof = 1 (Σdev² = 2,
    # /(n−1) = 1); with ddof = 0 they would be sqrt(2/3). r_ab = (1 + 0 + 0)/sqrt(2·2) = 1/2.
    # C_a = 1·[(1 − 1) + (1 − 1/2) + (1 − 0)] = 1.5 = C_b (had r_ac been taken as 1, C_a
    # would be 0.5; had it been NaN, NaN), C_c = 0.
    x = np.array([[0.0, 0.0, 5.0], [1.0, 2.0, 5.0], [2.0, 1.0, 5.0]])
    np.testing.assert_allclose(critic_information(x), [1.5, 1.5, 0.0], rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(critic_weights(x), [0.5, 0.5, 0.0], atol=1e-15)


def test_critic_all_columns_constant_gives_equal_weights():
    # Every σ = 0 → every C = 0 → equal weights (not NaN).
    x = np.tile([1.0, 2.0, 3.0, 4.0], (5, 1))
    np.testing.assert_allclose(critic_weights(x), [0.25] * 4)


def test_critic_refuses_fewer_than_two_observations():
    with pytest.raises(ValueError, match="CRITIC weights need at least 2 observations, got 1"):
        critic_weights([[0.1, 0.2]])


# ---------------------------------------------------------------------------------------
# Coefficient of variation
# ---------------------------------------------------------------------------------------


def test_cv_by_hand():
    # column 0 = (1, 3, 5): mean 3, deviations (−2, 0, 2), s² = 8/2 = 4, s = 2, cv = 2/3
    # column 1 = (2, 2, 8): mean 4, deviations (−2, −2, 4), s² = 24/2 = 12, s = 2√3,
    #   cv = 2√3/4 = √3/2
    # w = (2/3, √3/2) / (2/3 + √3/2) = (4, 3√3) / (4 + 3√3) ≈ (0.43496, 0.56504)
    x = np.array([[1.0, 2.0], [3.0, 2.0], [5.0, 8.0]])
    np.testing.assert_allclose(
        cv_weights(x), [4 / (4 + 3 * SQRT3), 3 * SQRT3 / (4 + 3 * SQRT3)], rtol=1e-14
    )


def test_cv_constant_columns():
    # A constant positive column has s = 0 → weight 0; all constant → equal weights.
    np.testing.assert_allclose(cv_weights([[1.0, 7.0], [3.0, 7.0]]), [1.0, 0.0], atol=1e-15)
    np.testing.assert_allclose(cv_weights([[1.0, 7.0], [1.0, 7.0]]), [0.5, 0.5])


@pytest.mark.parametrize(
    "x",
    [
        [[-1.0, 1.0], [0.0, 2.0]],  # mean −0.5
        [[-1.0, 1.0], [1.0, 2.0]],  # mean exactly 0
    ],
)
def test_cv_refuses_non_positive_mean(x):
    with pytest.raises(ValueError, match="CV weights need every column mean to be positive"):
        cv_weights(x)


def test_cv_refuses_fewer_than_two_observations():
    with pytest.raises(ValueError, match="CV weights need at least 2 observations, got 1"):
        cv_weights([[1.0, 2.0]])


# ---------------------------------------------------------------------------------------
# AHP
# ---------------------------------------------------------------------------------------


def test_ahp_order_two_is_always_consistent():
    # [[1, a], [1/a, 1]] has eigenvalues 0 and 2 (trace 2, determinant 1 − a·(1/a) = 0),
    # principal eigenvector (a, 1): with a = 3, w = (3/4, 1/4); λmax = n → CR = 0.
    w, cr = ahp_weights([[1.0, 3.0], [1 / 3, 1.0]])
    np.testing.assert_allclose(w, [0.75, 0.25], rtol=1e-14)
    assert cr == 0.0


def test_ahp_order_one():
    w, cr = ahp_weights([[1.0]])
    np.testing.assert_allclose(w, [1.0])
    assert cr == 0.0


def test_ahp_consistent_matrix_recovers_weights():
    # P[i, j] = w_i / w_j with w ∝ (4, 2, 1) is perfectly consistent: λmax = 3, CI = 0,
    # CR = 0, and the eigenvector is w = (4, 2, 1)/7.
    p = [[1.0, 2.0, 4.0], [0.5, 1.0, 2.0], [0.25, 0.5, 1.0]]
    w, cr = ahp_weights(p)
    np.testing.assert_allclose(w, [4 / 7, 2 / 7, 1 / 7], rtol=1e-14)
    assert cr == pytest.approx(0.0, abs=1e-12)


def test_ahp_inconsistent_three_by_three_closed_form():
    # For a 3×3 reciprocal matrix with P01 = a, P02 = b, P12 = c, put k = a·c/b. Then
    # λmax = 1 + k^(1/3) + k^(−1/3) and the principal eigenvector is proportional to the
    # row geometric means. Here a = 2, b = 1, c = 2 → k = 4:
    #   λmax = 1 + 4^(1/3) + 4^(−1/3) ≈ 3.21736, CI = (λmax − 3)/2 ≈ 0.10868,
    #   CR = CI / RI(3) = CI / 0.58 ≈ 0.18738
    #   row geometric means: (2·1)^(1/3) = 2^(1/3), (½·2)^(1/3) = 1, (1·½)^(1/3) = 2^(−1/3)
    #   w = (2^(1/3), 1, 2^(−1/3)) / (2^(1/3) + 1 + 2^(−1/3)) ≈ (0.41260, 0.32748, 0.25992)
    p = np.array([[1.0, 2.0, 1.0], [0.5, 1.0, 2.0], [1.0, 0.5, 1.0]])
    lam = 1 + 4 ** (1 / 3) + 4 ** (-1 / 3)
    g = np.array([2 ** (1 / 3), 1.0, 2 ** (-1 / 3)])
    w, cr = ahp_weights(p)
    np.testing.assert_allclose(w, g / g.sum(), rtol=1e-12)
    assert cr == pytest.approx((lam - 3) / 2 / RANDOM_INDEX[3], rel=1e-12)
    assert cr > 0.1


def test_ahp_refuses_non_square():
    with pytest.raises(ValueError, match=re.escape("AHP matrix must be square, got shape (2, 3)")):
        ahp_weights(np.ones((2, 3)))
    with pytest.raises(ValueError, match=re.escape("AHP matrix must be square, got shape (3,)")):
        ahp_weights([1.0, 2.0, 3.0])


@pytest.mark.parametrize(
    "p",
    [
        [[1.0, 0.0], [0.0, 1.0]],  # zero
        [[1.0, -2.0], [-0.5, 1.0]],  # negative (and reciprocal!)
        [[1.0, np.inf], [0.0, 1.0]],  # not finite
    ],
)
def test_ahp_refuses_non_positive(p):
    with pytest.raises(ValueError, match="AHP matrix entries must be positive and finite"):
        ahp_weights(p)


def test_ahp_refuses_non_reciprocal_naming_the_cell():
    # P[0,1] = 3 but P[1,0] = 0.5 instead of 1/3: the message names the first bad cell,
    # both values and the expected one.
    msg = "AHP matrix must be reciprocal: P[0,1] = 3 but P[1,0] = 0.5 (expected 0.333333)"
    with pytest.raises(ValueError, match=re.escape(msg)):
        ahp_weights([[1.0, 3.0], [0.5, 1.0]])


def test_ahp_reciprocity_tolerance():
    # Three printed decimals (1/3 as 0.333: 3·0.333 = 0.999) are accepted; two
    # (0.33: 3·0.33 = 0.99) are not — the check is |P_ij·P_ji − 1| ≤ 1e-3 + 1e-3.
    w, _ = ahp_weights([[1.0, 3.0], [0.333, 1.0]])
    np.testing.assert_allclose(w, [0.75, 0.25], atol=1e-3)
    with pytest.raises(ValueError, match="must be reciprocal"):
        ahp_weights([[1.0, 3.0], [0.33, 1.0]])


def test_ahp_refuses_order_beyond_random_index_table():
    with pytest.raises(ValueError, match=re.escape("AHP matrix order must be 1..15")):
        ahp_weights(np.ones((16, 16)))


# ---------------------------------------------------------------------------------------
# Combined weights
# ---------------------------------------------------------------------------------------

WS = [0.5, 0.3, 0.2]  # subjective
WO = [0.2, 0.2, 0.6]  # objective


def test_combine_additive_by_hand():
    # λ = 0.25: 0.25·(0.5, 0.3, 0.2) + 0.75·(0.2, 0.2, 0.6)
    #         = (0.125 + 0.15, 0.075 + 0.15, 0.05 + 0.45) = (0.275, 0.225, 0.5); Σ = 1.
    np.testing.assert_allclose(combine_weights(WS, WO, lam=0.25), [0.275, 0.225, 0.5], rtol=1e-14)
    # The ends of [0, 1]: λ = 1 → subjective, λ = 0 → objective; default λ = 0.5 → mean.
    np.testing.assert_allclose(combine_weights(WS, WO, lam=1.0), WS)
    np.testing.assert_allclose(combine_weights(WS, WO, lam=0.0), WO)
    np.testing.assert_allclose(combine_weights(WS, WO), [0.35, 0.25, 0.4], rtol=1e-14)


def test_combine_multiplicative_by_hand():
    # w_s·w_o = (0.10, 0.06, 0.12), Σ = 0.28 → (10, 6, 12)/28 = (5/14, 3/14, 6/14).
    np.testing.assert_allclose(
        combine_weights(WS, WO, form="multiplicative"), [5 / 14, 3 / 14, 6 / 14], rtol=1e-14
    )
    # Every product 0 → equal weights.
    np.testing.assert_allclose(
        combine_weights([1.0, 0.0], [0.0, 1.0], form="multiplicative"), [0.5, 0.5]
    )


def test_combine_broadcasts_over_leading_axes():
    # One subjective vector against objective weights of two entities.
    wo = np.array([WO, [0.6, 0.2, 0.2]])
    out = combine_weights(WS, wo, lam=0.5)
    np.testing.assert_allclose(out, [[0.35, 0.25, 0.4], [0.55, 0.25, 0.2]], rtol=1e-14)


@pytest.mark.parametrize("lam", [-0.1, 1.5, float("nan")])
def test_combine_refuses_lambda_outside_unit_interval(lam):
    with pytest.raises(ValueError, match=re.escape(f"lambda must be in [0, 1], got {lam!r}")):
        combine_weights(WS, WO, lam=lam)


def test_combine_refuses_unknown_form():
    msg = "form must be 'additive' or 'multiplicative', got 'geometric'"
    with pytest.raises(ValueError, match=re.escape(msg)):
        combine_weights(WS, WO, form="geometric")


# ---------------------------------------------------------------------------------------
# columns left out (active mask, METHOD.md §8) and scale
# ---------------------------------------------------------------------------------------


def test_normalize_weights_keeps_a_nan_row_nan():
    out = normalize_weights([[np.nan, 1.0], [0.0, 0.0]])
    assert np.isnan(out[0]).all()
    np.testing.assert_array_equal(out[1], [0.5, 0.5])


def test_normalize_weights_over_active_columns_by_hand():
    # (1, 1, 2) with the third left out → (0.5, 0.5, 0); a row of zeros → 1/n_active
    out = normalize_weights([[1.0, 1.0, 2.0], [0.0, 0.0, 0.0]], [[True, True, False]] * 2)
    np.testing.assert_array_equal(out, [[0.5, 0.5, 0.0], [0.5, 0.5, 0.0]])
    with pytest.raises(ValueError, match="at least one active column"):
        normalize_weights([1.0, 2.0], [False, False])


def test_critic_inactive_column_is_as_if_absent():
    # The matrix of test_critic_constant_column_by_hand with its constant column c left
    # out: C_a = σa·(1 − √3/2), C_b = σb·(1 − √3/2) — the "+ (1 − 0)" term of c is gone,
    # so w = (1, √3)/(1 + √3) stays, but C differs from the kept-constant case.
    x = np.array([[0.0, 0.0, 5.0], [1.0, 0.0, 5.0], [2.0, 3.0, 5.0]])
    active = np.array([True, True, False])
    np.testing.assert_allclose(
        critic_information(x, active), [1 - SQRT3 / 2, SQRT3 * (1 - SQRT3 / 2), 0.0], rtol=1e-14
    )
    np.testing.assert_allclose(critic_information(x, active)[:2], critic_information(x[:, :2]))
    # a third varying column left out: the other two get exactly their two-column values
    y = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 7.0], [2.0, 3.0, 2.0]])
    np.testing.assert_allclose(critic_information(y, active)[:2], critic_information(y[:, :2]))


def test_cv_of_values_near_the_largest_double():
    # σ/mean of (1, 2, 3)·1e300 is that of (1, 2, 3): the squares of σ would overflow
    x = np.array([[1.0, 2.0], [2.0, 2.0], [3.0, 5.0]])
    np.testing.assert_allclose(cv_weights(x * 1e300), cv_weights(x), rtol=1e-14)
    np.testing.assert_allclose(cv_weights(x / 5 * 1.5e308), cv_weights(x), rtol=1e-14)


def test_entropy_column_whose_sums_overflow_is_nan_not_zero():
    # Σx = 3e308 overflows: the divergence cannot be computed — NaN, never a silent 0
    # (which would give the column weight 0); the other column is unaffected.
    d = entropy_divergence(np.array([[1e308, 1.0], [1e308, 2.0], [1e308, 4.0]]))
    assert np.isnan(d[0])
    assert d[1] == pytest.approx(entropy_divergence(np.array([[1.0], [2.0], [4.0]]))[0])


def test_entropy_divergence_of_a_stack_equals_each_matrix_alone():
    # a stack larger than the logarithm buffer, zeros in some columns (0·ln 0 = 0)
    rng = np.random.default_rng(5)
    X = rng.random((700, 30, 7))
    X[3, :, 2] = 0.0
    X[650, 4, 5] = 0.0
    stacked = entropy_divergence(X)
    alone = np.array([entropy_divergence(m) for m in X])
    np.testing.assert_array_equal(stacked, alone)
    # the same numbers when the stack is not C-ordered
    np.testing.assert_allclose(entropy_divergence(np.asfortranarray(X)), alone, rtol=0, atol=1e-15)

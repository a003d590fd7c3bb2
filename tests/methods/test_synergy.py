"""Synergy degree of the composite system (METHOD.md §4).

``Δ_j = μ_j(t1) − μ_j(t0)``, ``U = θ·(Π_j |Δ_j|)^(1/k)``, ``θ = +1`` if ``min_j Δ_j > 0``
else ``−1``; ``U = +0.0`` (never ``−0.0``) when some ``Δ_j = 0``. Hand calculations with
the arithmetic beside each expected number.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from cosyn.methods.synergy import synergy_degree, synergy_path


def U(before, after) -> float:
    return float(synergy_degree(before, after))


# ---------------------------------------------------------------------------------------
# synergy_degree, k = 2 (the paper's θ·sqrt(|Δ1|·|Δ2|))
# ---------------------------------------------------------------------------------------


def test_k2_both_up():
    # Δ = (0.75 − 0.25, 0.375 − 0.25) = (0.5, 0.125); sqrt(0.5·0.125) = sqrt(0.0625) = 0.25
    assert U([0.25, 0.25], [0.75, 0.375]) == pytest.approx(0.25, rel=1e-15)


def test_k2_not_round_numbers():
    # Δ = (0.6 − 0.2, 0.4 − 0.3) = (0.4, 0.1); sqrt(0.04) = 0.2
    assert U([0.2, 0.3], [0.6, 0.4]) == pytest.approx(0.2, rel=1e-12)


def test_k2_one_down_is_negative():
    # Δ = (0.5, −0.125): θ = −1 since min Δ < 0; −sqrt(0.5·0.125) = −0.25
    assert U([0.25, 0.375], [0.75, 0.25]) == pytest.approx(-0.25, rel=1e-15)


def test_k2_both_down_is_negative():
    # Δ = (−0.5, −0.125): the product of |Δ| is positive, but θ = −1 → −0.25
    assert U([0.75, 0.375], [0.25, 0.25]) == pytest.approx(-0.25, rel=1e-15)


def test_k2_extremes_are_plus_and_minus_one():
    assert U([0.0, 0.0], [1.0, 1.0]) == 1.0  # Δ = (1, 1): sqrt(1) = 1
    assert U([1.0, 1.0], [0.0, 0.0]) == -1.0  # Δ = (−1, −1): −sqrt(1)
    assert U([0.0, 1.0], [1.0, 0.0]) == -1.0  # Δ = (1, −1): −sqrt(1)


# ---------------------------------------------------------------------------------------
# synergy_degree, k = 3
# ---------------------------------------------------------------------------------------


def test_k3_all_up():
    # Δ = (0.5, 0.25, 0.125); (0.5·0.25·0.125)^(1/3) = (1/64)^(1/3) = 0.25
    assert U([0.25, 0.5, 0.125], [0.75, 0.75, 0.25]) == pytest.approx(0.25, rel=1e-12)


def test_k3_one_down():
    # Δ = (0.5, −0.25, 0.125): θ = −1 → −0.25
    assert U([0.25, 0.75, 0.125], [0.75, 0.5, 0.25]) == pytest.approx(-0.25, rel=1e-12)


def test_k3_all_down():
    # Δ = (−0.5, −0.25, −0.125): θ = −1 → −0.25 (an odd k must not make the sign +)
    assert U([0.75, 0.75, 0.25], [0.25, 0.5, 0.125]) == pytest.approx(-0.25, rel=1e-12)


def test_k3_is_not_the_k2_formula():
    # Δ = (0.8, 0.4, 0.2): (0.8·0.4·0.2)^(1/3) = 0.064^(1/3) = 0.4;
    # a square root of the product would give sqrt(0.064) ≈ 0.253
    assert U([0.1, 0.1, 0.1], [0.9, 0.5, 0.3]) == pytest.approx(0.4, rel=1e-12)


# ---------------------------------------------------------------------------------------
# zero change gives +0.0, never −0.0
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param([0.5, 0.25], [0.5, 0.75], id="k2-zero-and-up"),  # Δ = (0, 0.5)
        pytest.param([0.5, 0.75], [0.5, 0.25], id="k2-zero-and-down"),  # Δ = (0, −0.5)
        pytest.param([0.5, 0.5], [0.5, 0.5], id="k2-all-zero"),  # Δ = (0, 0)
        pytest.param([0.2, 0.5, 0.1], [0.4, 0.5, 0.0], id="k3-one-zero"),  # Δ = (.2, 0, −.1)
        pytest.param([0.0, 0.0], [0.0, 0.0], id="k2-zeros"),
    ],
)
def test_some_delta_zero_gives_positive_zero(before, after):
    value = U(before, after)
    assert value == 0.0
    assert math.copysign(1.0, value) == 1.0  # +0.0: θ = −1 times 0 must not show as −0.0


def test_positive_zero_in_a_batch():
    out = synergy_degree([[0.5, 0.5], [0.5, 0.7]], [[0.5, 0.9], [0.5, 0.1]])
    assert [math.copysign(1.0, v) for v in out] == [1.0, 1.0]


# ---------------------------------------------------------------------------------------
# shape, symmetry, range
# ---------------------------------------------------------------------------------------


def test_batch_shape_is_kept_and_last_axis_reduced():
    before = np.zeros((2, 3, 2))
    after = np.full((2, 3, 2), 0.25)  # every Δ = (0.25, 0.25) → 0.25
    out = synergy_degree(before, after)
    assert out.shape == (2, 3)
    np.testing.assert_allclose(out, 0.25)


def test_symmetric_in_the_order_of_the_subsystems():
    before = [0.1, 0.7, 0.3]
    after = [0.6, 0.2, 0.35]  # Δ = (0.5, −0.5, 0.05): −(0.0125)^(1/3)
    expected = -((0.5 * 0.5 * 0.05) ** (1 / 3))
    for perm in itertools.permutations(range(3)):
        b = [before[i] for i in perm]
        a = [after[i] for i in perm]
        assert U(b, a) == pytest.approx(expected, rel=1e-12)


def test_roundoff_change_counts_as_no_change():
    # METHOD.md §8. The case: a = [1, 2], b1 = [1, 2], b2 = [10, 5] with the
    # default margin 0.1. b1: bounds 0.9, 2.2 → u = [0.1/1.3, 1.1/1.3]; b2 (positive):
    # bounds 4.5, 11 → u = [5.5/6.5, 0.5/6.5]. Entropy weights are equal by symmetry
    # (p = [1/12, 11/12] in both), so μ_B = 0.5·(1/13 + 11/13) = 6/13 at both periods:
    # exactly Δ_B = 0, but the two weighted sums round to values one ulp apart.
    # Without the tolerance U = sqrt(Δ_A · 1 ulp) ≈ 6.5e-9, "low"; with it U = +0.0.
    one_ulp = math.ulp(6 / 13)
    value = U([1 / 13, 6 / 13], [12 / 13, 6 / 13 + one_ulp])
    assert value == 0.0 and math.copysign(1.0, value) == 1.0
    # Falling by round-off is no change either: +0.0, not −0.0 and not −6.5e-9.
    value = U([1 / 13, 6 / 13], [12 / 13, 6 / 13 - one_ulp])
    assert value == 0.0 and math.copysign(1.0, value) == 1.0


@pytest.mark.parametrize(
    ("b0", "b1", "expected"),
    [
        # Δ_A = 0.5 throughout; Δ_B exactly representable (from or to 0)
        pytest.param(0.0, 1e-12, 0.0, id="at-tolerance-is-zero"),
        # 2e-12 is a change: U = sqrt(0.5 · 2e-12) = 1e-6
        pytest.param(0.0, 2e-12, 1e-6, id="above-tolerance-counts"),
        pytest.param(1e-12, 0.0, 0.0, id="fall-at-tolerance-is-zero"),
        # a fall of 2e-12 is a change: U = −sqrt(0.5 · 2e-12) = −1e-6
        pytest.param(2e-12, 0.0, -1e-6, id="fall-above-tolerance-counts"),
    ],
)
def test_roundoff_tolerance_edge(b0, b1, expected):
    value = U([0.0, b0], [0.5, b1])
    assert value == pytest.approx(expected, rel=1e-12, abs=0.0)
    assert math.copysign(1.0, value) == math.copysign(1.0, expected)


def test_small_real_rises_of_three_subsystems_stay_positive():
    # Δ = (1e-9, 1e-9, 1e-9), each above the tolerance: U = (1e-27)^(1/3) = 1e-9 > 0
    value = U([0.0, 0.0, 0.0], [1e-9, 1e-9, 1e-9])
    assert value == pytest.approx(1e-9, rel=1e-9, abs=0.0)


# ---------------------------------------------------------------------------------------
# synergy_path
# ---------------------------------------------------------------------------------------

# four periods × two subsystems
MU = np.array(
    [
        [0.125, 0.125],  # t = 0
        [0.25, 0.625],  # t = 1
        [0.375, 0.375],  # t = 2
        [0.875, 0.25],  # t = 3
    ]
)


def test_path_base_first():
    out, t0, t1 = synergy_path(MU)  # default base "first"
    np.testing.assert_array_equal(t0, [0, 0, 0])
    np.testing.assert_array_equal(t1, [1, 2, 3])
    np.testing.assert_allclose(
        out,
        [
            0.25,  # Δ = (0.125, 0.5): sqrt(0.0625)
            0.25,  # Δ = (0.25, 0.25): sqrt(0.0625)
            math.sqrt(0.75 * 0.125),  # Δ = (0.75, 0.125): sqrt(0.09375)
        ],
        rtol=1e-12,
    )


def test_path_base_adjacent():
    out, t0, t1 = synergy_path(MU, "adjacent")
    np.testing.assert_array_equal(t0, [0, 1, 2])
    np.testing.assert_array_equal(t1, [1, 2, 3])
    np.testing.assert_allclose(
        out,
        [
            0.25,  # t0→t1: Δ = (0.125, 0.5)
            -math.sqrt(0.125 * 0.25),  # t1→t2: Δ = (0.125, −0.25), θ = −1
            -0.25,  # t2→t3: Δ = (0.5, −0.125): −sqrt(0.0625)
        ],
        rtol=1e-12,
    )


def test_path_base_index():
    out, t0, t1 = synergy_path(MU, 1)
    np.testing.assert_array_equal(t0, [1, 1])
    np.testing.assert_array_equal(t1, [2, 3])
    np.testing.assert_allclose(
        out,
        [
            -math.sqrt(0.125 * 0.25),  # t1→t2: Δ = (0.125, −0.25)
            -math.sqrt(0.625 * 0.375),  # t1→t3: Δ = (0.625, −0.375)
        ],
        rtol=1e-12,
    )


def test_path_base_index_zero_is_first():
    a = synergy_path(MU, 0)
    b = synergy_path(MU, "first")
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)


def test_path_base_last_period_gives_no_columns():
    out, t0, t1 = synergy_path(MU, 3)
    assert out.shape == (0,)
    assert t0.shape == t1.shape == (0,)


@pytest.mark.parametrize("base", [4, -1])
def test_path_base_index_outside_is_refused(base):
    with pytest.raises(ValueError, match="outside"):
        synergy_path(MU, base)


def test_path_over_entities():
    mu = np.stack([MU, MU[::-1]])  # (E=2, T=4, k=2); entity 1 runs backwards
    out, t0, t1 = synergy_path(mu, "first")
    assert out.shape == (2, 3)
    np.testing.assert_array_equal(t0, [0, 0, 0])  # one set of periods for every entity
    np.testing.assert_array_equal(t1, [1, 2, 3])
    np.testing.assert_allclose(out[0], synergy_path(MU)[0])
    np.testing.assert_allclose(
        out[1],
        [
            # base (0.875, 0.25)
            -math.sqrt(0.5 * 0.125),  # → (0.375, 0.375): Δ = (−0.5, 0.125)
            -math.sqrt(0.625 * 0.375),  # → (0.25, 0.625): Δ = (−0.625, 0.375)
            -math.sqrt(0.75 * 0.125),  # → (0.125, 0.125): Δ = (−0.75, −0.125)
        ],
        rtol=1e-12,
    )

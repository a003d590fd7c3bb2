"""Obstacle degree (METHOD.md §7).

``F_i = W_j·φ_i`` (given), ``I_i = 1 − u_i``, ``O_i = F_i·I_i / Σ_m F·I``. Convention: where
``Σ F·I = 0`` every share is 0 (no NaN, no warning). ``top_obstacles`` lists the indices
of the largest shares, ties to the lower index. Hand calculations with the arithmetic
beside each expected number; property tests at the end.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from cosyn.methods.obstacle import obstacle_degree, top_obstacles

# ---------------------------------------------------------------------------------------
# obstacle_degree
# ---------------------------------------------------------------------------------------


def test_hand_calculation():
    # u = (0.2, 0.5, 1.0), F = (0.5, 0.3, 0.2)
    # I = 1 − u = (0.8, 0.5, 0.0);  F·I = (0.40, 0.15, 0.00);  Σ = 0.55
    # O = (0.40/0.55, 0.15/0.55, 0) = (0.727273, 0.272727, 0)
    o = obstacle_degree([0.2, 0.5, 1.0], [0.5, 0.3, 0.2])
    np.testing.assert_allclose(o, [0.40 / 0.55, 0.15 / 0.55, 0.0], rtol=1e-14)
    assert o[2] == 0.0  # an indicator at its upper bound holds nothing back


def test_two_subsystems_factor_weights_from_the_caller():
    # W = (0.5, 0.5); φ_A = (0.6, 0.4), φ_B = (1.0,) → F = (0.3, 0.2, 0.5)
    # u = (0.5, 0.0, 0.8): I = (0.5, 1.0, 0.2); F·I = (0.15, 0.20, 0.10); Σ = 0.45
    # O = (1/3, 4/9, 2/9)
    f = np.array([0.5 * 0.6, 0.5 * 0.4, 0.5 * 1.0])
    o = obstacle_degree([0.5, 0.0, 0.8], f)
    np.testing.assert_allclose(o, [1 / 3, 4 / 9, 2 / 9], rtol=1e-14)


def test_batch_axes_and_per_row_weights():
    # (E=2, T=2, m=2); F per entity (2, 1, 2) broadcast over periods
    u = np.array([[[0.0, 0.0], [0.5, 1.0]], [[0.0, 0.5], [1.0, 1.0]]])
    f = np.array([[[1.0, 1.0]], [[3.0, 1.0]]])
    o = obstacle_degree(u, f)
    assert o.shape == (2, 2, 2)
    # e0 t0: F·I = (1, 1) → (1/2, 1/2);  e0 t1: F·I = (0.5, 0) → (1, 0)
    # e1 t0: F·I = (3·1, 1·0.5) = (3, 0.5) → (6/7, 1/7);  e1 t1: all u = 1 → (0, 0)
    np.testing.assert_allclose(
        o, [[[0.5, 0.5], [1.0, 0.0]], [[6 / 7, 1 / 7], [0.0, 0.0]]], rtol=1e-14
    )


def test_nothing_holds_back_gives_all_zero_without_warning():
    # every u = 1: I = 0, Σ F·I = 0 → shares 0, not 0/0 = NaN
    with np.errstate(divide="raise", invalid="raise"):
        o = obstacle_degree([[1.0, 1.0, 1.0], [0.0, 1.0, 1.0]], [0.2, 0.3, 0.5])
    np.testing.assert_array_equal(o[0], [0.0, 0.0, 0.0])
    np.testing.assert_allclose(o[1], [1.0, 0.0, 0.0])  # F·I = (0.2, 0, 0)
    assert o[0].sum() == 0.0 and o[1].sum() == pytest.approx(1.0)


def test_shortfall_only_on_zero_weight_also_gives_zero():
    # F·I = (0·1, 0.5·0, 0.5·0) = 0 → same convention
    o = obstacle_degree([0.0, 1.0, 1.0], [0.0, 0.5, 0.5])
    np.testing.assert_array_equal(o, [0.0, 0.0, 0.0])


@pytest.mark.parametrize(
    ("u", "f", "match"),
    [
        pytest.param([0.2, 1.5], [0.5, 0.5], r"1\.5 at index \(1,\)", id="u-above-1"),
        pytest.param([0.2, np.nan], [0.5, 0.5], "no NaN", id="u-nan"),
        pytest.param([0.2, 0.5], [0.5, -0.5], "non-negative", id="negative-weight"),
        pytest.param([0.2, 0.5], [0.5, np.nan], "finite", id="nan-weight"),
        pytest.param([0.2, 0.5], [0.5, 0.3, 0.2], r"u has 2 .* has 3", id="sizes"),
        pytest.param([[0.2, 0.5]] * 2, [[0.5, 0.5]] * 3, "do not broadcast", id="broadcast"),
        pytest.param(0.5, [1.0], r"shape \(\.\.\., m\)", id="scalar"),
    ],
)
def test_bad_input_refused(u, f, match):
    with pytest.raises(ValueError, match=match):
        obstacle_degree(u, f)


# ---------------------------------------------------------------------------------------
# top_obstacles
# ---------------------------------------------------------------------------------------


def test_top_obstacles_descending():
    # shares 0.1, 0.5, 0.3, 0.1 → largest 0.5 (index 1), then 0.3 (index 2)
    np.testing.assert_array_equal(top_obstacles([0.1, 0.5, 0.3, 0.1], 2), [1, 2])


def test_ties_go_to_the_lower_index():
    # 0.4 at indices 1 and 2 → 1 first; 0.1 at 0 and 3 → 0 before 3
    np.testing.assert_array_equal(top_obstacles([0.1, 0.4, 0.4, 0.1], 4), [1, 2, 0, 3])
    np.testing.assert_array_equal(top_obstacles([0.0, 0.0, 0.0], 3), [0, 1, 2])
    np.testing.assert_array_equal(top_obstacles([0.0, -0.0, 0.0], 3), [0, 1, 2])


def test_n_is_clipped_to_m_and_zero_is_empty():
    assert top_obstacles([0.2, 0.8], 5).tolist() == [1, 0]
    assert top_obstacles([[0.2, 0.8], [0.6, 0.4]], 0).shape == (2, 0)


def test_top_obstacles_over_batch_axes():
    shares = np.array([[[0.2, 0.5, 0.3]], [[0.6, 0.1, 0.3]]])  # (2, 1, 3)
    idx = top_obstacles(shares, 2)
    assert idx.shape == (2, 1, 2)
    np.testing.assert_array_equal(idx, [[[1, 2]], [[0, 2]]])
    np.testing.assert_allclose(
        np.take_along_axis(shares, idx, axis=-1), [[[0.5, 0.3]], [[0.6, 0.3]]]
    )


@pytest.mark.parametrize("n", [-1, 1.5, True])
def test_bad_n_refused(n):
    with pytest.raises(ValueError, match="non-negative integer"):
        top_obstacles([0.2, 0.8], n)


def test_nan_shares_refused():
    with pytest.raises(ValueError, match="finite"):
        top_obstacles([0.2, np.nan], 1)


# ---------------------------------------------------------------------------------------
# properties
# ---------------------------------------------------------------------------------------

PROPERTIES = settings(max_examples=150, deadline=None)


@st.composite
def cases(draw) -> tuple[np.ndarray, np.ndarray]:
    m = draw(st.integers(1, 6))
    n = draw(st.integers(1, 5))
    u = draw(hnp.arrays(float, (n, m), elements=st.floats(0.0, 1.0)))
    f = draw(hnp.arrays(float, (m,), elements=st.floats(1e-3, 1e3)))
    return u, f


@PROPERTIES
@given(case=cases())
def test_shares_non_negative_and_sum_to_one_unless_nothing_holds_back(case):
    u, f = case
    o = obstacle_degree(u, f)
    assert o.shape == u.shape
    assert np.all((o >= 0.0) & (o <= 1.0))
    held_back = np.any(u < 1.0, axis=1)  # F > 0, so Σ F·I > 0 exactly where some u < 1
    np.testing.assert_allclose(o.sum(axis=1)[held_back], 1.0, rtol=1e-12)
    np.testing.assert_array_equal(o[~held_back], 0.0)


@PROPERTIES
@given(case=cases(), scale=st.floats(1e-3, 1e3))
def test_shares_unchanged_by_scaling_the_weights(case, scale):
    u, f = case
    np.testing.assert_allclose(
        obstacle_degree(u, scale * f), obstacle_degree(u, f), rtol=1e-12, atol=1e-15
    )


@PROPERTIES
@given(case=cases(), n=st.integers(0, 8))
def test_top_obstacles_sorted_and_stable(case, n):
    u, f = case
    o = obstacle_degree(u, f)
    idx = top_obstacles(o, n)
    assert idx.shape == (u.shape[0], min(n, u.shape[1]))
    picked = np.take_along_axis(o, idx, axis=-1)
    assert np.all(np.diff(picked, axis=-1) <= 0)  # descending
    # stable: an equal share at a later position never comes first
    ties = np.diff(picked, axis=-1) == 0
    assert np.all(np.diff(idx, axis=-1)[ties] > 0)
    # what is left out is no larger than what is listed
    if 0 < idx.shape[1] < u.shape[1]:
        rest = o.copy()
        np.put_along_axis(rest, idx, -1.0, axis=-1)
        assert np.all(rest.max(axis=-1) <= picked[:, -1])


def test_obstacle_terms_are_the_unscaled_products_and_the_shares():
    # F = (.5, .3, .2), u = (.2, .5, 1): F·I = (.4, .15, 0), Σ = .55; O = (.4/.55, .15/.55, 0)
    from cosyn.methods.obstacle import obstacle_terms

    fi, o = obstacle_terms([0.2, 0.5, 1.0], [0.5, 0.3, 0.2])
    np.testing.assert_allclose(fi, [0.4, 0.15, 0.0], rtol=1e-15)
    np.testing.assert_allclose(o, [0.4 / 0.55, 0.15 / 0.55, 0.0], rtol=1e-15)
    # nothing holds back: both 0
    fi, o = obstacle_terms([1.0, 1.0], [0.5, 0.5])
    assert fi.tolist() == [0.0, 0.0] and o.tolist() == [0.0, 0.0]

"""Order degree of an order parameter by the efficacy coefficient (METHOD.md §1).

Hand calculations small enough to check on paper; the arithmetic is written beside each
expected number. Bounds: ``upper = max + a·|max|``, ``lower = min − a·|min|``;
``u = (x − lower)/(upper − lower)`` for a positive indicator, ``(upper − x)/(upper − lower)``
for a negative one.
"""

from __future__ import annotations

import numpy as np
import pytest

from cosyn.methods.efficacy import efficacy, widen, widened_bounds


def col(*values: float) -> np.ndarray:
    """One indicator observed over len(values) periods, shape (T, 1)."""
    return np.array(values, dtype=float)[:, None]


# ---------------------------------------------------------------------------------------
# widened_bounds
# ---------------------------------------------------------------------------------------


def test_widened_bounds_positive_data_is_the_papers_form():
    lower, upper = widened_bounds(col(10.0, 20.0, 50.0), margin=0.1)
    assert lower.shape == upper.shape == (1, 1)  # kept dimension, broadcasts against x
    assert lower[0, 0] == pytest.approx(9.0)  # 10 − 0.1·|10| = 10·(1 − 0.1) = 9
    assert upper[0, 0] == pytest.approx(55.0)  # 50 + 0.1·|50| = 50·(1 + 0.1) = 55


def test_widened_bounds_negative_data_uses_absolute_values():
    lower, upper = widened_bounds(col(-50.0, -20.0, -10.0), margin=0.1)
    # the paper's min·(1 − a) would give −45 > min; the |·| form widens outwards
    assert lower[0, 0] == pytest.approx(-55.0)  # −50 − 0.1·|−50| = −50 − 5 = −55
    assert upper[0, 0] == pytest.approx(-9.0)  # −10 + 0.1·|−10| = −10 + 1 = −9


def test_widened_bounds_data_crossing_zero():
    lower, upper = widened_bounds(col(-10.0, 0.0, 30.0), margin=0.1)
    assert lower[0, 0] == pytest.approx(-11.0)  # −10 − 0.1·10 = −11
    assert upper[0, 0] == pytest.approx(33.0)  # 30 + 0.1·30 = 33


def test_widened_bounds_margin_zero_is_min_and_max():
    lower, upper = widened_bounds(col(-3.0, 7.0, 2.0), margin=0.0)
    assert (lower[0, 0], upper[0, 0]) == (-3.0, 7.0)


def test_widened_bounds_per_indicator():
    x = np.array([[1.0, -4.0], [3.0, -2.0]])  # two periods, two indicators
    lower, upper = widened_bounds(x, margin=0.5)
    # indicator 0: 1 − 0.5·1 = 0.5, 3 + 0.5·3 = 4.5
    # indicator 1: −4 − 0.5·4 = −6, −2 + 0.5·2 = −1
    np.testing.assert_allclose(lower, [[0.5, -6.0]])
    np.testing.assert_allclose(upper, [[4.5, -1.0]])


def test_widened_bounds_entity_axis_and_panel_axes():
    # shape (E=2, T=2, I=1): entity 0 has 1, 2; entity 1 has 4, 8
    x = np.array([[[1.0], [2.0]], [[4.0], [8.0]]])
    lower, upper = widened_bounds(x, margin=0.5, axis=1)  # per entity
    assert lower.shape == (2, 1, 1)
    np.testing.assert_allclose(lower[:, 0, 0], [0.5, 2.0])  # 1·0.5, 4·0.5
    np.testing.assert_allclose(upper[:, 0, 0], [3.0, 12.0])  # 2·1.5, 8·1.5
    lower, upper = widened_bounds(x, margin=0.5, axis=(0, 1))  # over the panel
    assert lower.shape == (1, 1, 1)
    assert lower[0, 0, 0] == pytest.approx(0.5)  # panel min 1 → 1 − 0.5 = 0.5
    assert upper[0, 0, 0] == pytest.approx(12.0)  # panel max 8 → 8 + 4 = 12


def test_widened_bounds_refuses_negative_margin():
    with pytest.raises(ValueError, match="margin"):
        widened_bounds(col(1.0, 2.0), margin=-0.1)


# ---------------------------------------------------------------------------------------
# efficacy with widened bounds
# ---------------------------------------------------------------------------------------


def test_efficacy_positive_indicator_default_margin():
    u = efficacy(col(10.0, 20.0, 50.0))  # margin 0.1: lower 9, upper 55, span 46
    np.testing.assert_allclose(
        u[:, 0],
        [
            1 / 46,  # (10 − 9)/46
            11 / 46,  # (20 − 9)/46
            41 / 46,  # (50 − 9)/46
        ],
        rtol=1e-12,
    )


def test_efficacy_negative_indicator_default_margin():
    u = efficacy(col(10.0, 20.0, 50.0), positive=False)  # lower 9, upper 55, span 46
    np.testing.assert_allclose(
        u[:, 0],
        [
            45 / 46,  # (55 − 10)/46
            35 / 46,  # (55 − 20)/46
            5 / 46,  # (55 − 50)/46
        ],
        rtol=1e-12,
    )


def test_efficacy_negative_data_positive_direction():
    u = efficacy(col(-50.0, -20.0, -10.0))  # lower −55, upper −9, span 46
    np.testing.assert_allclose(
        u[:, 0],
        [
            5 / 46,  # (−50 + 55)/46
            35 / 46,  # (−20 + 55)/46
            45 / 46,  # (−10 + 55)/46
        ],
        rtol=1e-12,
    )


def test_efficacy_negative_data_negative_direction():
    u = efficacy(col(-50.0, -20.0, -10.0), positive=False)  # lower −55, upper −9
    np.testing.assert_allclose(
        u[:, 0],
        [
            41 / 46,  # (−9 + 50)/46
            11 / 46,  # (−9 + 20)/46
            1 / 46,  # (−9 + 10)/46
        ],
        rtol=1e-12,
    )


def test_efficacy_data_crossing_zero():
    u = efficacy(col(-10.0, 0.0, 30.0))  # lower −11, upper 33, span 44
    np.testing.assert_allclose(
        u[:, 0],
        [
            1 / 44,  # (−10 + 11)/44
            11 / 44,  # (0 + 11)/44 = 0.25
            41 / 44,  # (30 + 11)/44
        ],
        rtol=1e-12,
    )


def test_efficacy_margin_zero_reaches_0_and_1():
    u = efficacy(col(2.0, 4.0, 10.0), margin=0.0)  # lower 2, upper 10, span 8
    np.testing.assert_allclose(u[:, 0], [0.0, 0.25, 1.0])  # 0/8, 2/8, 8/8


def test_efficacy_mixed_directions_per_indicator():
    x = np.array([[10.0, 10.0], [20.0, 20.0], [50.0, 50.0]])
    u = efficacy(x, positive=[True, False])  # both columns: lower 9, upper 55, span 46
    np.testing.assert_allclose(u[:, 0], [1 / 46, 11 / 46, 41 / 46])  # (x − 9)/46
    np.testing.assert_allclose(u[:, 1], [45 / 46, 35 / 46, 5 / 46])  # (55 − x)/46


def test_efficacy_direction_given_per_entity():
    # shape (E=2, T=2, I=1); entity 0 positive, entity 1 negative (a 3-D direction mask)
    x = np.array([[[1.0], [3.0]], [[1.0], [3.0]]])
    pos = np.array([True, False])[:, None, None]
    u = efficacy(x, pos, margin=0.0, axis=1)  # lower 1, upper 3, span 2 in both
    np.testing.assert_allclose(u[0, :, 0], [0.0, 1.0])  # (x − 1)/2
    np.testing.assert_allclose(u[1, :, 0], [1.0, 0.0])  # (3 − x)/2


def test_efficacy_flipping_direction_is_one_minus_u():
    x = np.array([[3.0, -7.0], [5.0, 1.0], [11.0, 4.0]])
    up = efficacy(x, positive=[True, True])
    down = efficacy(x, positive=[False, False])
    np.testing.assert_allclose(down, 1.0 - up, rtol=0, atol=1e-12)  # up to rounding


def test_efficacy_bounds_per_entity_and_over_the_panel():
    # shape (E=2, T=2, I=1): entity 0 has 1, 2; entity 1 has 4, 8; margin 0.5
    x = np.array([[[1.0], [2.0]], [[4.0], [8.0]]])
    per_entity = efficacy(x, margin=0.5, axis=1)
    # entity 0: lower 0.5, upper 3, span 2.5 → (0.5/2.5, 1.5/2.5) = (0.2, 0.6)
    # entity 1: lower 2, upper 12, span 10  → (2/10, 6/10)     = (0.2, 0.6)
    np.testing.assert_allclose(per_entity[..., 0], [[0.2, 0.6], [0.2, 0.6]])
    panel = efficacy(x, margin=0.5, axis=(0, 1))
    # panel: lower 0.5, upper 12, span 11.5 → (0.5, 1.5, 3.5, 7.5)/11.5
    np.testing.assert_allclose(
        panel[..., 0], [[0.5 / 11.5, 1.5 / 11.5], [3.5 / 11.5, 7.5 / 11.5]], rtol=1e-12
    )


def test_efficacy_unchanged_by_a_positive_scale():
    x = col(10.0, 20.0, 50.0)
    # 3x: lower 27, upper 165, span 138 → (3/138, 33/138, 123/138) = (1/46, 11/46, 41/46)
    np.testing.assert_allclose(efficacy(3.0 * x), efficacy(x), rtol=1e-12)


def test_efficacy_constant_nonzero_series_sits_in_the_middle():
    u = efficacy(col(5.0, 5.0, 5.0))  # lower 4.5, upper 5.5, span 1
    np.testing.assert_allclose(u[:, 0], [0.5, 0.5, 0.5])  # (5 − 4.5)/1


def test_efficacy_returns_a_new_array():
    x = col(10.0, 20.0, 50.0)
    before = x.copy()
    efficacy(x, positive=False)
    np.testing.assert_array_equal(x, before)


# ---------------------------------------------------------------------------------------
# explicit bounds, clipping
# ---------------------------------------------------------------------------------------


def test_efficacy_explicit_bounds_positive_with_clipping():
    u = efficacy(col(0.0, 5.0, 10.0, 15.0), lower=2.0, upper=12.0)  # span 10, no margin
    np.testing.assert_allclose(
        u[:, 0],
        [
            0.0,  # (0 − 2)/10 = −0.2, clipped to 0
            0.3,  # (5 − 2)/10
            0.8,  # (10 − 2)/10
            1.0,  # (15 − 2)/10 = 1.3, clipped to 1
        ],
    )


def test_efficacy_explicit_bounds_negative_with_clipping():
    u = efficacy(col(0.0, 5.0, 10.0, 15.0), positive=False, lower=2.0, upper=12.0)
    np.testing.assert_allclose(
        u[:, 0],
        [
            1.0,  # (12 − 0)/10 = 1.2, clipped to 1
            0.7,  # (12 − 5)/10
            0.2,  # (12 − 10)/10
            0.0,  # (12 − 15)/10 = −0.3, clipped to 0
        ],
    )


def test_efficacy_explicit_bounds_take_no_margin():
    a = efficacy(col(0.0, 5.0, 10.0, 15.0), margin=0.5, lower=2.0, upper=12.0)
    b = efficacy(col(0.0, 5.0, 10.0, 15.0), margin=0.0, lower=2.0, upper=12.0)
    np.testing.assert_array_equal(a, b)


def test_efficacy_only_lower_explicit():
    u = efficacy(col(10.0, 20.0, 50.0), lower=0.0)  # upper widened: 50 + 5 = 55, span 55
    np.testing.assert_allclose(u[:, 0], [10 / 55, 20 / 55, 50 / 55], rtol=1e-12)  # x/55


def test_efficacy_only_upper_explicit():
    u = efficacy(col(10.0, 20.0, 50.0), upper=100.0)  # lower widened: 10 − 1 = 9, span 91
    np.testing.assert_allclose(u[:, 0], [1 / 91, 11 / 91, 41 / 91], rtol=1e-12)  # (x − 9)/91


def test_efficacy_explicit_bounds_without_clipping():
    u = efficacy(col(0.0, 5.0, 15.0), lower=2.0, upper=12.0, clip=False)  # span 10
    np.testing.assert_allclose(u[:, 0], [-0.2, 0.3, 1.3])  # (0 − 2)/10, (5 − 2)/10, 13/10


def test_efficacy_on_a_bound_is_positive_zero():
    u = efficacy(np.array([[1.0, 1.0], [3.0, 3.0]]), positive=[True, False], margin=0.0)
    # positive: (1 − 1)/2 at the minimum; negative: (3 − 3)/2 at the maximum
    assert np.copysign(1.0, u[0, 0]) == 1.0
    assert np.copysign(1.0, u[1, 1]) == 1.0


def test_efficacy_explicit_bounds_per_indicator():
    x = np.array([[0.0, 0.0], [4.0, 4.0]])
    u = efficacy(x, lower=[0.0, -4.0], upper=[8.0, 4.0])  # spans 8 and 8
    np.testing.assert_allclose(u, [[0.0, 0.5], [0.5, 1.0]])  # x/8 and (x + 4)/8


# ---------------------------------------------------------------------------------------
# upper == lower is refused
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "kwargs"),
    [
        pytest.param(col(0.0, 0.0, 0.0), {}, id="constant-at-zero"),  # 0 ± 0.1·0 = 0
        pytest.param(col(5.0, 5.0), {"margin": 0.0}, id="constant-margin-zero"),  # 5 = 5
        pytest.param(col(1.0, 2.0), {"lower": 3.0, "upper": 3.0}, id="explicit-equal"),
        pytest.param(col(1.0, 2.0), {"lower": 4.0, "upper": 3.0}, id="explicit-reversed"),
        pytest.param(col(1.0, 2.0), {"lower": 30.0}, id="lower-above-widened-upper"),
    ],
)
def test_efficacy_refuses_upper_equal_to_lower(x, kwargs):
    with pytest.raises(ValueError, match="upper bound equals lower bound"):
        efficacy(x, **kwargs)


def test_efficacy_refuses_when_one_of_several_indicators_is_constant_at_zero():
    x = np.array([[1.0, 0.0], [2.0, 0.0]])
    with pytest.raises(ValueError, match="upper bound equals lower bound"):
        efficacy(x)


def test_widen_overflow_gives_infinity_and_efficacy_refuses_it():
    # 1.7e308·1.1 is past the largest double (1.797e308): the bound is inf, not a number
    lo, hi = widen(np.array([1.0]), np.array([1.7e308]), 0.1)
    assert lo[0] == pytest.approx(0.9) and hi[0] == np.inf
    with pytest.raises(ValueError, match="not finite"):
        efficacy([[1.0], [1.7e308]], True, 0.1)
    # margin 0: −1e308 and 1e308 are finite bounds, but their difference is not
    with pytest.raises(ValueError, match="not finite"):
        efficacy([[-1e308], [1e308]], True, 0.0)


@pytest.mark.parametrize("margin", [np.inf, np.nan, -0.1])
def test_widen_refuses_a_margin_that_is_not_finite_and_non_negative(margin):
    with pytest.raises(ValueError, match="margin must be finite and >= 0"):
        widen(0.0, 1.0, margin)


def test_efficacy_refuses_nan_bounds():
    with pytest.raises(ValueError, match="upper bound equals lower bound"):
        efficacy([[1.0], [2.0]], True, lower=np.nan, upper=3.0)


def test_a_value_on_a_bound_has_order_degree_plus_zero():
    # margin 0: lower = min, upper = max; the negative indicator's maximum sits on its
    # upper bound, u = (10 − 10)/8 = +0.0 (never −0.0), with or without data_max
    x = col(2.0, 4.0, 10.0).repeat(2, axis=1)
    for given in ({}, {"lower": col(2.0)[0], "upper": col(10.0)[0], "data_max": col(10.0)[0]}):
        u = efficacy(x, [True, False], margin=0.0, **given)
        assert u[0, 0] == 0.0 and not np.signbit(u[0, 0])  # positive: x = lower
        assert u[2, 1] == 0.0 and not np.signbit(u[2, 1])  # negative: x = upper
    u = efficacy(x, [True, False], lower=col(2.0)[0], upper=col(10.0)[0])  # no data_max
    assert not np.signbit(u).any()


def test_explicit_upper_reached_by_a_negative_indicator_gives_plus_zero():
    x = col(1.0, 5.0, 9.0)
    u = efficacy(x, False, lower=0.0, upper=5.0, data_max=9.0)  # 9 > upper: clipped
    np.testing.assert_array_equal(u[:, 0], [0.8, 0.0, 0.0])  # (5 − 1)/5, 0/5, clip(−4/5)
    assert not np.signbit(u).any()

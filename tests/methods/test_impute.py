"""Filling missing values in indicator series (METHOD.md §0).

``impute_regression``: OLS line ``x = a + b·t`` on the observed points of each series,
used for every missing period inside and outside the observed range.
``impute_linear``: linear interpolation in ``t`` inside the range, the nearest observed
value outside. Hand calculations with the arithmetic beside each expected number.
"""

from __future__ import annotations

import numpy as np
import pytest

from cosyn.methods.impute import (
    IMPUTATIONS,
    impute_linear,
    impute_regression,
    observed_counts,
    outside_observed,
)

nan = np.nan


def col(*values: float) -> np.ndarray:
    """One series over len(values) periods, shape (T, 1)."""
    return np.array(values, dtype=float)[:, None]


def test_imputations_of_method_md():
    assert IMPUTATIONS == ("regression", "linear", "none")


def test_observed_counts_along_the_period_axis():
    x = np.array([[1.0, nan], [nan, nan], [3.0, 4.0]])
    np.testing.assert_array_equal(observed_counts(x), [2, 1])


# ---------------------------------------------------------------------------------------
# regression
# ---------------------------------------------------------------------------------------


def test_regression_three_points_fills_inside_and_outside():
    t = [2009, 2010, 2011, 2012, 2013, 2014, 2015]
    x = col(nan, 1.0, nan, 2.0, nan, 6.0, nan)
    # observed (2010, 1), (2012, 2), (2014, 6): mean t = 2012, mean x = 3
    # b = Σ(t − 2012)(x − 3) / Σ(t − 2012)² = ((−2)(−2) + 0·(−1) + 2·3) / (4 + 0 + 4)
    #   = 10/8 = 1.25;  fitted x(t) = 3 + 1.25·(t − 2012)
    out = impute_regression(x, t)
    np.testing.assert_allclose(
        out[:, 0],
        [
            -0.75,  # 2009, outside: 3 + 1.25·(−3) = 3 − 3.75
            1.0,  # observed (the line would give 0.5: observed values are kept)
            1.75,  # 2011, inside: 3 + 1.25·(−1)
            2.0,  # observed
            4.25,  # 2013, inside: 3 + 1.25·1
            6.0,  # observed
            6.75,  # 2015, outside: 3 + 1.25·3
        ],
        rtol=1e-12,
    )


def test_regression_uneven_spacing_uses_the_period_values():
    t = [2010, 2011, 2013]
    out = impute_regression(col(1.0, 3.0, nan), t)
    # line through (2010, 1) and (2011, 3): b = 2; at 2013: 1 + 2·3 = 7
    # (with periods taken as evenly spaced positions it would be 5)
    np.testing.assert_allclose(out[:, 0], [1.0, 3.0, 7.0], rtol=1e-12)


def test_regression_uneven_spacing_before_and_inside():
    t = [2010, 2011, 2013]
    out = impute_regression(col(nan, 2.0, 5.0), t)
    # line through (2011, 2) and (2013, 5): b = 3/2 = 1.5; at 2010: 2 − 1.5 = 0.5
    np.testing.assert_allclose(out[:, 0], [0.5, 2.0, 5.0], rtol=1e-12)
    out = impute_regression(col(1.0, nan, 7.0), t)
    # line through (2010, 1) and (2013, 7): b = 6/3 = 2; at 2011: 1 + 2·1 = 3
    np.testing.assert_allclose(out[:, 0], [1.0, 3.0, 7.0], rtol=1e-12)


def test_regression_each_series_has_its_own_line():
    t = [0, 1, 2, 3]
    x = np.array(
        [
            [0.0, nan],
            [nan, 10.0],
            [2.0, 8.0],
            [4.0, nan],
        ]
    )
    out = impute_regression(x, t)
    # series 0: (0, 0), (2, 2), (3, 4): mean t 5/3, mean x 2;
    #   Σ dt·dx = (−5/3)(−2) + (1/3)(0) + (4/3)(2) = 10/3 + 8/3 = 6
    #   Σ dt² = 25/9 + 1/9 + 16/9 = 42/9 = 14/3;  b = 6/(14/3) = 9/7
    #   at t = 1: 2 + (9/7)(1 − 5/3) = 2 − 6/7 = 8/7
    # series 1: (1, 10), (2, 8): b = −2; at 0: 12; at 3: 6
    np.testing.assert_allclose(out[:, 0], [0.0, 8 / 7, 2.0, 4.0], rtol=1e-12)
    np.testing.assert_allclose(out[:, 1], [12.0, 10.0, 8.0, 6.0], rtol=1e-12)


def test_regression_over_entities():
    t = [1, 2, 3]
    x = np.array([[[1.0], [nan], [3.0]], [[nan], [5.0], [4.0]]])  # (E=2, T=3, m=1)
    out = impute_regression(x, t)
    # entity 0: (1, 1), (3, 3): b = 1 → at 2: 2;  entity 1: (2, 5), (3, 4): b = −1 → at 1: 6
    np.testing.assert_allclose(out[..., 0], [[1.0, 2.0, 3.0], [6.0, 5.0, 4.0]], rtol=1e-12)


def test_regression_without_gaps_is_a_copy():
    x = col(1.0, 2.0, 4.0)
    out = impute_regression(x, [0, 1, 2])
    np.testing.assert_array_equal(out, x)
    assert out is not x


def test_regression_does_not_modify_its_input():
    x = col(1.0, nan, 4.0)
    impute_regression(x, [0, 1, 2])
    assert np.isnan(x[1, 0])


def test_regression_large_period_values_stay_accurate():
    # periods near 2e3 squared and summed in the normal equations must not lose the slope
    t = np.arange(2000, 2010, dtype=float)
    x = col(*(0.5 * (t - 2000) + 3.0))  # x = 3 + 0.5·(t − 2000), exact on the line
    x[4, 0] = nan  # 2004: 3 + 2 = 5
    x[9, 0] = nan  # 2009: 3 + 4.5 = 7.5
    out = impute_regression(x, t)
    assert out[4, 0] == pytest.approx(5.0, rel=1e-12)
    assert out[9, 0] == pytest.approx(7.5, rel=1e-12)


# ---------------------------------------------------------------------------------------
# linear
# ---------------------------------------------------------------------------------------


def test_linear_interpolates_inside_and_carries_outside():
    t = [1, 2, 3, 4, 5, 6]
    out = impute_linear(col(nan, 2.0, nan, nan, 8.0, nan), t)
    np.testing.assert_allclose(
        out[:, 0],
        [
            2.0,  # t = 1, before the first observation: nearest observed value (t = 2)
            2.0,  # observed
            4.0,  # t = 3: 2 + (8 − 2)·(3 − 2)/(5 − 2) = 2 + 6/3
            6.0,  # t = 4: 2 + 6·(4 − 2)/3 = 2 + 4
            8.0,  # observed
            8.0,  # t = 6, after the last observation: nearest observed value (t = 5)
        ],
        rtol=1e-12,
    )


def test_linear_uneven_spacing_uses_the_period_values():
    t = [2010, 2011, 2013]
    out = impute_linear(col(1.0, nan, 7.0), t)
    # 1 + (7 − 1)·(2011 − 2010)/(2013 − 2010) = 1 + 6/3 = 3 (evenly spaced would give 4)
    np.testing.assert_allclose(out[:, 0], [1.0, 3.0, 7.0], rtol=1e-12)


def test_linear_extrapolation_is_nearest_not_a_line():
    t = [2010, 2011, 2013]
    out = impute_linear(col(1.0, 3.0, nan), t)
    # after the last observation (2011, 3): carried, not extended to 7 as regression does
    np.testing.assert_allclose(out[:, 0], [1.0, 3.0, 3.0])
    out = impute_linear(col(nan, 2.0, 5.0), t)
    np.testing.assert_allclose(out[:, 0], [2.0, 2.0, 5.0])  # before the first: 2


def test_linear_several_series_and_entities():
    t = [0, 1, 2, 3]
    x = np.array(
        [
            [[0.0, nan], [nan, 10.0], [nan, nan], [3.0, 4.0]],
            [[nan, 1.0], [5.0, nan], [6.0, nan], [nan, 7.0]],
        ]
    )  # (E=2, T=4, m=2)
    out = impute_linear(x, t)
    # e0 s0: 0 → 3 over t 0..3: 1, 2 at t = 1, 2
    # e0 s1: 10 at t 1, 4 at t 3: before → 10; t 2: 10 + (4 − 10)·1/2 = 7
    # e1 s0: 5 at 1, 6 at 2: t 0 → 5, t 3 → 6
    # e1 s1: 1 at 0, 7 at 3: t 1: 1 + 6/3 = 3, t 2: 1 + 6·2/3 = 5
    np.testing.assert_allclose(out[0, :, 0], [0.0, 1.0, 2.0, 3.0], rtol=1e-12)
    np.testing.assert_allclose(out[0, :, 1], [10.0, 10.0, 7.0, 4.0], rtol=1e-12)
    np.testing.assert_allclose(out[1, :, 0], [5.0, 5.0, 6.0, 6.0], rtol=1e-12)
    np.testing.assert_allclose(out[1, :, 1], [1.0, 3.0, 5.0, 7.0], rtol=1e-12)


def test_linear_without_gaps_is_unchanged():
    x = col(1.0, 2.0, 4.0)
    np.testing.assert_array_equal(impute_linear(x, [0, 1, 2]), x)


# ---------------------------------------------------------------------------------------
# refusals
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("impute", [impute_regression, impute_linear])
@pytest.mark.parametrize(
    "x",
    [
        pytest.param(col(nan, 5.0, nan), id="one-point"),
        pytest.param(col(nan, nan, nan), id="no-point"),
        pytest.param(np.array([[1.0, nan], [2.0, 3.0], [3.0, nan]]), id="one-short-series"),
    ],
)
def test_fewer_than_two_points_refused(impute, x):
    with pytest.raises(ValueError, match="at least 2 observed points"):
        impute(x, [0, 1, 2])


@pytest.mark.parametrize("impute", [impute_regression, impute_linear])
def test_t_of_the_wrong_length_refused(impute):
    with pytest.raises(ValueError, match="t must have shape"):
        impute(col(1.0, nan, 3.0), [0, 1])


def test_outside_observed_by_hand():
    # one series over 6 periods, observed at t = 1 and t = 3 (0-based):
    #   t0 missing, none before → outside; t2 between 1 and 3 → inside;
    #   t4, t5 missing, none after → outside
    missing = np.array([True, False, True, False, True, True])[:, None]
    np.testing.assert_array_equal(
        outside_observed(missing)[:, 0], [True, False, False, False, True, True]
    )
    # batch axes are kept; a complete series has nothing outside
    both = np.stack([missing, np.zeros_like(missing)])
    assert outside_observed(both).shape == (2, 6, 1)
    assert not outside_observed(both)[1].any()


def test_regression_of_values_near_the_largest_double():
    # The series (1, 2, ·, 4)·4e307 has raw sums past 1.8e308; fitted on the series
    # divided by 2^1021 (exact) and scaled back, the gap is 3·4e307 as for (1, 2, ·, 4).
    x = np.array([1.0, 2.0, np.nan, 4.0])[:, None] * 4e307
    out = impute_regression(x, [1, 2, 3, 4])
    assert out[2, 0] == pytest.approx(3 * 4e307, rel=1e-14)
    np.testing.assert_array_equal(out[[0, 1, 3], 0], x[[0, 1, 3], 0])

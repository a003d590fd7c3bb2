"""Grey relational grades (METHOD.md §6) and GM(1,1) (METHOD.md §7).

Hand calculations with the arithmetic beside each expected number, one test per
documented convention, and property tests (hypothesis) for the invariants. Published
cases and the cross-check against greytheory are in tests/reference/test_grey_published.py.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from cosyn.methods.grey import (
    GM11,
    GM11_FLAT,
    GM11_GRADES,
    GM11_NO_TREND,
    GM11_NOT_FINITE,
    GM11_OVERFLOW,
    GM11_SHORT,
    GM11_STATUS,
    GRA_NORMALIZATIONS,
    gm11,
    gm11_batch,
    gm11_grade_codes,
    gm11_status,
    grey_relational_coefficients,
    grey_relational_grade,
    grey_relational_grades,
    level_ratio_bounds,
    posterior_error_check,
)

FEW = settings(max_examples=60, deadline=None)


# ---------------------------------------------------------------------------------------
# grey relational grade: hand calculations
# ---------------------------------------------------------------------------------------


def test_gra_by_hand():
    # x0 = (1, 2, 3); x1 = (1, 2, 4), x2 = (2, 2, 2).
    # Δ1 = (0, 0, 1), Δ2 = (1, 0, 1); Δmin = 0, Δmax = 1; ρ = 0.5:
    # ξ = (0 + 0.5)/(Δ + 0.5) → ξ1 = (1, 1, 1/3), ξ2 = (1/3, 1, 1/3)
    # r1 = (1 + 1 + 1/3)/3 = 7/9, r2 = (1/3 + 1 + 1/3)/3 = 5/9
    x0 = [1.0, 2.0, 3.0]
    X = [[1.0, 2.0], [2.0, 2.0], [4.0, 2.0]]
    np.testing.assert_allclose(grey_relational_grade(x0, X), [7 / 9, 5 / 9], rtol=1e-15)
    np.testing.assert_allclose(
        grey_relational_coefficients(x0, X),
        [[1.0, 1 / 3], [1.0, 1.0], [1 / 3, 1 / 3]],
        rtol=1e-15,
    )


def test_gra_rho_one_by_hand():
    # Same Δ as above, ρ = 1: ξ = 1/(Δ + 1) → ξ1 = (1, 1, 1/2), ξ2 = (1/2, 1, 1/2)
    # r1 = 2.5/3 = 5/6, r2 = 2/3
    out = grey_relational_grade([1.0, 2.0, 3.0], [[1.0, 2.0], [2.0, 2.0], [4.0, 2.0]], rho=1.0)
    np.testing.assert_allclose(out, [5 / 6, 2 / 3], rtol=1e-15)


def test_gra_positive_two_level_minimum_by_hand():
    # x0 = (0, 0); x1 = (1, 2), x2 = (3, 3): Δ1 = (1, 2), Δ2 = (3, 3); Δmin = 1, Δmax = 3.
    # ξ = (1 + 1.5)/(Δ + 1.5) = 2.5/(Δ + 1.5): ξ1 = (1, 5/7), ξ2 = (5/9, 5/9)
    # r1 = (1 + 5/7)/2 = 6/7, r2 = 5/9
    out = grey_relational_grade([0.0, 0.0], [[1.0, 3.0], [2.0, 3.0]])
    np.testing.assert_allclose(out, [6 / 7, 5 / 9], rtol=1e-15)


def test_gra_zero_and_negative_values_are_fine_without_normalisation():
    # Only differences enter: x0 = (−1, 0, 1), x1 = (−1, 0, 2), x2 = (0, 0, 0) give the
    # Δ of test_gra_by_hand, hence 7/9 and 5/9.
    out = grey_relational_grade([-1.0, 0.0, 1.0], [[-1.0, 0.0], [0.0, 0.0], [2.0, 0.0]])
    np.testing.assert_allclose(out, [7 / 9, 5 / 9], rtol=1e-15)


def test_gra_normalize_initial_by_hand():
    # x0 = (2, 4, 6) → (1, 2, 3); x1 = (3, 6, 12) → (1, 2, 4); x2 = (5, 5, 5) → (1, 1, 1).
    # Δ1 = (0, 0, 1), Δ2 = (0, 1, 2); Δmin = 0, Δmax = 2; ξ = 1/(Δ + 1):
    # ξ1 = (1, 1, 1/2) → 5/6; ξ2 = (1, 1/2, 1/3) → (11/6)/3 = 11/18
    out = grey_relational_grade(
        [2.0, 4.0, 6.0], [[3.0, 5.0], [6.0, 5.0], [12.0, 5.0]], normalize="initial"
    )
    np.testing.assert_allclose(out, [5 / 6, 11 / 18], rtol=1e-15)


def test_gra_normalize_mean_by_hand():
    # x0 = (1, 2, 3)/2 = (.5, 1, 1.5); x1 = (2, 4, 6)/4 = the same; x2 = (1, 1, 4)/2 =
    # (.5, .5, 2). Δ1 = 0, Δ2 = (0, .5, .5); Δmax = .5; ξ = .25/(Δ + .25):
    # ξ1 = 1 → 1; ξ2 = (1, 1/3, 1/3) → 5/9
    out = grey_relational_grade(
        [1.0, 2.0, 3.0], [[2.0, 1.0], [4.0, 1.0], [6.0, 4.0]], normalize="mean"
    )
    np.testing.assert_allclose(out, [1.0, 5 / 9], rtol=1e-15)


def test_gra_normalize_minmax_by_hand():
    # x0 = (1, 3, 2) → (0, 1, .5); x1 = (10, 30, 20) → the same; x2 = (5, 1, 3) →
    # (1, 0, .5). Δ2 = (1, 1, 0), Δmax = 1; ξ2 = .5/(Δ + .5) = (1/3, 1/3, 1) → 5/9
    out = grey_relational_grade(
        [1.0, 3.0, 2.0], [[10.0, 5.0], [30.0, 1.0], [20.0, 3.0]], normalize="minmax"
    )
    np.testing.assert_allclose(out, [1.0, 5 / 9], rtol=1e-15)


def test_gra_all_identical_is_one_without_warning():
    # Δmax = 0: every ξ = 1 by convention, no 0/0 (RuntimeWarning is an error here).
    constant = np.full(4, 0.3)
    out = grey_relational_grade(constant, np.column_stack([constant, constant]))
    np.testing.assert_array_equal(out, [1.0, 1.0])
    ramp = np.array([0.1, 0.4, 0.2, 0.9])
    np.testing.assert_array_equal(grey_relational_grade(ramp, ramp[:, None]), [1.0])
    np.testing.assert_array_equal(
        grey_relational_coefficients(ramp, ramp[:, None]), np.ones((4, 1))
    )


def test_gra_identical_column_gets_one_among_others():
    # Δ of the identical column is 0 everywhere = Δmin, so each ξ = 1 and r = 1.
    x0 = np.array([0.2, 0.5, 0.4])
    X = np.column_stack([x0, [0.9, 0.1, 0.3]])
    assert grey_relational_grade(x0, X)[0] == 1.0


def test_gra_single_point():
    # n = 1: x0 = (2), x1 = (3), x2 = (5). Δ = (1, 3); ξ = (1 + 1.5)/(Δ + 1.5) = (1, 5/9)
    np.testing.assert_allclose(grey_relational_grade([2.0], [[3.0, 5.0]]), [1.0, 5 / 9])


# ---------------------------------------------------------------------------------------
# grey relational grade: refusals, with the problem named
# ---------------------------------------------------------------------------------------


def test_gra_initial_with_first_value_zero_is_refused():
    with pytest.raises(ValueError, match=r"comparison series 1 starts with 0.*'initial'"):
        grey_relational_grade([1.0, 2.0], [[1.0, 0.0], [2.0, 3.0]], normalize="initial")
    with pytest.raises(ValueError, match=r"the reference series starts with 0"):
        grey_relational_grade([0.0, 2.0], [[1.0], [2.0]], normalize="initial")


def test_gra_mean_zero_is_refused():
    with pytest.raises(ValueError, match=r"comparison series 0 has mean 0"):
        grey_relational_grade([1.0, 2.0], [[-1.0], [1.0]], normalize="mean")


def test_gra_minmax_of_a_constant_series_is_refused():
    with pytest.raises(ValueError, match=r"the reference series is constant.*'minmax'"):
        grey_relational_grade([1.0, 1.0, 1.0], [[1.0], [2.0], [3.0]], normalize="minmax")


def test_gra_negative_divisor_is_used_as_it_is():
    # "initial" with x[0] = −2: x0 = (−2, −4) → (1, 2); x1 = (1, 2) → (1, 2): grade 1.
    assert grey_relational_grade([-2.0, -4.0], [[1.0], [2.0]], normalize="initial")[0] == 1.0


def test_gra_refusal_names_the_batch_index():
    x0 = np.ones((2, 3))
    X = np.ones((2, 3, 2))
    X[1, 0, 1] = 0.0
    with pytest.raises(ValueError, match=re.escape("comparison series 1 at batch index (1,)")):
        grey_relational_grades(x0, X, normalize="initial")


@pytest.mark.parametrize("rho", [0.0, -0.5, 1.5, float("nan"), True, "0.5"])
def test_gra_rho_outside_the_unit_interval_is_refused(rho):
    with pytest.raises(ValueError, match=r"rho .* must be in \(0, 1\]"):
        grey_relational_grade([1.0, 2.0], [[1.0], [3.0]], rho=rho)


def test_gra_rho_one_and_numpy_scalars_are_accepted():
    grey_relational_grade([1.0, 2.0], [[1.0], [3.0]], rho=1)
    grey_relational_grade([1.0, 2.0], [[1.0], [3.0]], rho=np.float64(0.25))


def test_gra_unknown_normalisation_is_refused():
    with pytest.raises(ValueError, match=r"normalize must be one of .*'zscore'"):
        grey_relational_grade([1.0, 2.0], [[1.0], [3.0]], normalize="zscore")
    assert GRA_NORMALIZATIONS == ("none", "initial", "mean", "minmax")


def test_gra_refuses_nan_inf_and_mismatched_shapes():
    with pytest.raises(ValueError, match="finite"):
        grey_relational_grade([1.0, np.nan], [[1.0], [3.0]])
    with pytest.raises(ValueError, match="finite"):
        grey_relational_grade([1.0, 2.0], [[1.0], [np.inf]])
    with pytest.raises(ValueError, match="reference has 3 points but the comparison series have 2"):
        grey_relational_grade([1.0, 2.0, 3.0], [[1.0], [3.0]])
    with pytest.raises(ValueError, match=r"shape \(n,\).*\(n, m\)"):
        grey_relational_grade([1.0, 2.0], [1.0, 3.0])
    with pytest.raises(ValueError, match="do not broadcast"):
        grey_relational_grades(np.ones((3, 2)), np.ones((2, 2, 1)))


def test_gra_overflowing_differences_are_refused():
    with pytest.raises(ValueError, match="overflow"):
        grey_relational_grade([1e308, -1e308], [[-1e308], [1e308]])


# ---------------------------------------------------------------------------------------
# grey relational grades: batches
# ---------------------------------------------------------------------------------------


def test_gra_batch_takes_min_and_max_per_block():
    # Block 1 is block 0 times 10: with per-block Δmin/Δmax the grades are the same; a
    # two-level minimum and maximum over the whole batch would differ.
    rng = np.random.default_rng(7)
    x0 = rng.uniform(0, 1, 5)
    X = rng.uniform(0, 1, (5, 3))
    out = grey_relational_grades(np.stack([x0, 10 * x0]), np.stack([X, 10 * X]))
    assert out.shape == (2, 3)
    np.testing.assert_allclose(out[1], out[0], rtol=1e-13)
    np.testing.assert_allclose(out[0], grey_relational_grade(x0, X), rtol=1e-15)


def test_gra_batch_equals_one_call_per_element():
    rng = np.random.default_rng(11)
    x0 = rng.uniform(0.1, 1, (4, 2, 6))  # (entities, subsystems, periods)
    X = rng.uniform(0.1, 1, (4, 2, 6, 5))
    out = grey_relational_grades(x0, X, normalize="initial")
    assert out.shape == (4, 2, 5)
    for e in range(4):
        for j in range(2):
            np.testing.assert_allclose(
                out[e, j], grey_relational_grade(x0[e, j], X[e, j], normalize="initial")
            )


def test_gra_reference_broadcasts_over_batch_axes():
    # Cross matrix: every A indicator (as reference) against every B indicator.
    rng = np.random.default_rng(3)
    A = rng.uniform(0, 1, (2, 6, 3))  # (entities, periods, A indicators)
    B = rng.uniform(0, 1, (2, 6, 4))  # (entities, periods, B indicators)
    ref = np.moveaxis(A, -1, -2)  # (2, 3, 6): one reference per A indicator
    out = grey_relational_grades(ref, B[:, None, :, :])  # → (2, 3, 4)
    assert out.shape == (2, 3, 4)
    np.testing.assert_allclose(out[1, 2], grey_relational_grade(A[1, :, 2], B[1]))


# ---------------------------------------------------------------------------------------
# grey relational grades: properties
# ---------------------------------------------------------------------------------------

SERIES_LEN = st.integers(1, 8)
VALUES = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, allow_subnormal=False)
POSITIVE = st.floats(0.01, 1e3, allow_nan=False, allow_infinity=False)


@st.composite
def reference_and_comparison(draw, elements=VALUES):
    n = draw(SERIES_LEN)
    m = draw(st.integers(1, 5))
    x0 = draw(hnp.arrays(float, n, elements=elements))
    X = draw(hnp.arrays(float, (n, m), elements=elements))
    return x0, X


@FEW
@given(reference_and_comparison(), st.floats(0.01, 1.0))
def test_gra_grades_are_in_the_half_open_unit_interval(case, rho):
    x0, X = case
    r = grey_relational_grade(x0, X, rho=rho)
    assert r.shape == (X.shape[1],)
    # ξ ≥ ρ/(1+ρ) > 0 (up to rounding) and ≤ 1
    assert np.all(r >= rho / (1 + rho) * (1 - 1e-12))
    assert np.all(r <= 1.0)


@FEW
@given(hnp.arrays(float, st.integers(1, 8), elements=VALUES), st.integers(1, 4))
def test_gra_identical_series_grade_one(x0, m):
    r = grey_relational_grade(x0, np.repeat(x0[:, None], m, axis=1))
    np.testing.assert_array_equal(r, np.ones(m))


def test_gra_differences_of_rounding_are_no_differences():
    # 0.01·(1 + 2⁻⁵²) differs from 0.01 in the last bit only: after the division by the
    # initial value Δmax is ~2e-16, which must not be read as a pattern of differences.
    x0 = np.array([0.01, 0.01, 0.01])
    X = np.array([[0.01], [np.nextafter(0.01, 1.0)], [0.01]])
    for c in (1.0, 0.01, 1e3):
        np.testing.assert_array_equal(
            grey_relational_grade(c * x0, c * X, normalize="initial"), [1.0]
        )
    # a real difference of 1e-9 of the series' size is kept
    X[1, 0] = 0.01 * (1 + 1e-9)
    assert grey_relational_grade(x0, X, normalize="initial")[0] < 1.0


@FEW
@given(reference_and_comparison(POSITIVE), st.floats(0.01, 1e3))
def test_gra_initial_is_invariant_under_a_common_positive_scaling(case, c):
    x0, X = case
    r = grey_relational_grade(x0, X, normalize="initial")
    np.testing.assert_allclose(
        grey_relational_grade(c * x0, c * X, normalize="initial"), r, rtol=1e-9, atol=1e-12
    )


@FEW
@given(reference_and_comparison(POSITIVE), st.floats(0.01, 1e3))
def test_gra_none_is_invariant_under_a_common_positive_scaling(case, c):
    # Every Δ scales by c, so every ξ is unchanged.
    x0, X = case
    np.testing.assert_allclose(
        grey_relational_grade(c * x0, c * X), grey_relational_grade(x0, X), rtol=1e-9, atol=1e-12
    )


# ---------------------------------------------------------------------------------------
# GM(1,1): hand calculations
# ---------------------------------------------------------------------------------------


def restored_by_hand(a: float, b: float, x1: float, k: np.ndarray) -> np.ndarray:
    """x̂0(k+1) = x̂1(k+1) − x̂1(k) with x̂1(k+1) = (x0(1) − b/a)·e^(−ak) + b/a."""
    x1hat = lambda j: (x1 - b / a) * np.exp(-a * j) + b / a  # noqa: E731
    return x1hat(k) - x1hat(k - 1)


def test_gm11_by_hand():
    # x0 = (4, 4, 5, 5); level ratios (1, 0.8, 1) within [e^−0.4, e^0.4] = [0.670, 1.492].
    # x1 = (4, 8, 13, 18); z = (6, 10.5, 15.5); y = x0(2..4) = (4, 5, 5).
    # z̄ = 32/3, ȳ = 14/3; z − z̄ = (−14/3, −1/6, 29/6); y − ȳ = (−2/3, 1/3, 1/3)
    # Σ(z−z̄)(y−ȳ) = 28/9 − 1/18 + 29/18 = 14/3; Σ(z−z̄)² = 196/9 + 1/36 + 841/36 = 271/6
    # a = −(14/3)/(271/6) = −28/271;  b = ȳ + a·z̄ = 14/3 − 896/813 = 966/271
    fit = gm11([4.0, 4.0, 5.0, 5.0], horizon=2)
    a, b = -28 / 271, 966 / 271
    assert fit.a == pytest.approx(a, rel=1e-14)
    assert fit.b == pytest.approx(b, rel=1e-14)
    assert fit.level_ratio_ok is True
    assert fit.shift == 0.0
    k = np.arange(1.0, 6.0)  # x̂0(2..6)
    expected = np.concatenate([[4.0], restored_by_hand(a, b, 4.0, k)])
    np.testing.assert_allclose(np.r_[fit.fitted, fit.forecast], expected, rtol=1e-12)
    assert fit.fitted.shape == (4,) and fit.forecast.shape == (2,)


def test_gm11_restored_values_equal_the_differenced_time_response():
    # The kernel writes x̂0(k+1) = (b − a·x0(1))·(e^a − 1)/a·e^(−ak); the same numbers
    # as differencing x̂1 (METHOD.md §7), on a series with a clear trend.
    x = np.array([2.874, 3.278, 3.337, 3.390, 3.679])
    fit = gm11(x, horizon=3)
    k = np.arange(1.0, 8.0)
    np.testing.assert_allclose(
        np.r_[fit.fitted[1:], fit.forecast], restored_by_hand(fit.a, fit.b, x[0], k), rtol=1e-11
    )


def test_gm11_first_fitted_value_is_the_first_observation():
    for x in ([4.0, 4.0, 5.0, 5.0], [-3.0, -1.0, 2.0, 0.5, 4.0], [1.0, 50.0, 2.0, 3.0]):
        assert gm11(x).fitted[0] == x[0]


def test_gm11_pure_exponential_has_the_known_background_value_bias():
    # x0(k) = c·r^k, r = e^β, satisfies x0(k) + a·z(k) = b exactly with
    # a = −2(r − 1)/(r + 1) = −2·tanh(β/2) and b = 2c·r/(r + 1), so OLS returns these —
    # not a = −β. The fitted growth factor is e^(−a), slightly below e^β for β > 0.
    c, beta = 3.0, 0.1
    r = math.exp(beta)
    x = c * r ** np.arange(1, 7)
    fit = gm11(x, horizon=2)
    assert fit.level_ratio_ok is True  # 1/r = 0.905 ≥ e^(−2/7) = 0.751
    assert fit.a == pytest.approx(-2 * math.tanh(beta / 2), rel=1e-12)
    assert fit.b == pytest.approx(2 * c * r / (r + 1), rel=1e-12)
    path = np.r_[fit.fitted[1:], fit.forecast]
    np.testing.assert_allclose(path[1:] / path[:-1], math.exp(-fit.a), rtol=1e-12)
    # −a = 0.0999167, so the model drifts below the exponential by ≈ 1e−4 per step.
    assert np.all(np.abs(path / (c * r ** np.arange(2, 9)) - 1) < 2e-3)


def test_gm11_trendless_series_is_refused_as_a_equal_0():
    # x0 = (1, 5, 2, 8, 3): x0(2..5) = (5, 2, 8, 3) is uncorrelated with k, so after any
    # shift Σ(z−z̄)(y−ȳ) = 0 in exact arithmetic and a ≈ 1e−17 in floating point: a = 0 up
    # to rounding, refused as a = 0 is (no exponential trend).
    with pytest.raises(ValueError, match="fitted a = 0"):
        gm11([1.0, 5.0, 2.0, 8.0, 3.0], horizon=2)
    # 1, 3, 1, 3: x1 = 1, 4, 5, 8; z = 2.5, 4.5, 6.5 (centred −2, 0, 2); x0(2..4) = 3, 1, 3
    # (centred 2/3, −4/3, 2/3): Σ = −4/3 + 0 + 4/3 = 0, so a = 0 exactly (the level-ratio
    # shift keeps the symmetry)
    assert gm11_status([1.0, 3.0, 1.0, 3.0], 2) == GM11_NO_TREND


def test_gm11_status_names_every_unusable_series():
    series = np.array(
        [
            [1.0, 1.2, 1.5, 1.7, 2.0],  # fitted
            [1.0, 2.0, 2.0, 2.0, 2.0],  # constant from the second value on
            [1.0, np.nan, 2.0, 3.0, 4.0],  # not finite
        ]
    )
    status = gm11_status(series, 3)
    assert status.tolist() == [0, GM11_FLAT, GM11_NOT_FINITE]
    assert GM11_STATUS[0] == "fitted"
    ok = status == 0
    batch = gm11_batch(series[ok], 3)  # the usable ones fit without an error
    assert batch.forecast.shape == (int(ok.sum()), 3)
    assert (gm11_status(series[:, :3], 1) == GM11_SHORT).all()


def test_gm11_forecast_overflow_is_a_status_and_an_error():
    # 1, 1.5, 2.2, 3.3, 5: a ≈ −0.39, so e^(−a·k) passes the largest double near k ≈ 1800
    x = np.array([1.0, 1.5, 2.2, 3.3, 5.0])
    assert gm11_status(x, 3000) == GM11_OVERFLOW and gm11_status(x, 10) == 0
    with pytest.raises(ValueError, match="forecast overflows"):
        gm11(x, 3000)


# ---------------------------------------------------------------------------------------
# GM(1,1): level-ratio test and shift
# ---------------------------------------------------------------------------------------


def test_level_ratio_bounds():
    lo, hi = level_ratio_bounds(7)  # [e^(−2/8), e^(2/8)] = [0.7788, 1.2840]
    assert lo == pytest.approx(0.7788007830714049, rel=1e-15)
    assert hi == pytest.approx(1.2840254166877414, rel=1e-15)


def test_level_ratio_interval_is_closed():
    # σ(2) = x0(1)/x0(2) = 2·e^(2/5)/2 = e^(2/5) exactly: on the bound, admissible
    # (σ(3) = 2/2.5 = 0.8, σ(4) = 2.5/3 = 0.833 are inside [0.670, 1.492]).
    hi = level_ratio_bounds(4)[1]
    fit = gm11([2 * hi, 2.0, 2.5, 3.0])
    assert fit.level_ratio_ok is True and fit.shift == 0.0
    beyond = gm11([2 * hi * (1 + 1e-9), 2.0, 2.5, 3.0])
    assert beyond.level_ratio_ok is False and beyond.shift > 0.0


def test_shift_is_the_smallest_admissible_constant():
    # x0 = (1, 2, 3, 4): σ(2) = 0.5 < e^(−0.4) = 0.6703 fails. The binding pair is
    # (p, q) = (1, 2): (1 + c)/(2 + c) = L gives c = (2L − 1)/(1 − L) = 1.0661;
    # then σ = (2.0661/3.0661, 3.0661/4.0661, 4.0661/5.0661) = (0.6703, 0.7541, 0.8026).
    x = np.array([1.0, 2.0, 3.0, 4.0])
    lo, hi = level_ratio_bounds(4)
    fit = gm11(x, horizon=1)
    assert fit.level_ratio_ok is False
    assert fit.shift == pytest.approx((2 * lo - 1) / (1 - lo), rel=1e-13)
    y = x + fit.shift
    sigma = y[:-1] / y[1:]
    assert sigma.min() == pytest.approx(lo, rel=1e-13)  # on the edge: the least shift
    assert np.all(sigma >= lo * (1 - 1e-13)) and np.all(sigma <= hi)


def test_shift_is_undone_in_fitted_and_forecast():
    # Fit of x0 equals the closed-form fit of x0 + c, minus c (and x̂0(1) = x0(1)).
    x = np.array([1.0, 2.0, 3.0, 4.0])
    fit = gm11(x, horizon=2)
    c = fit.shift
    y = x + c
    z = 0.5 * (np.cumsum(y)[1:] + np.cumsum(y)[:-1])
    B = np.column_stack([-z, np.ones(3)])
    a, b = np.linalg.lstsq(B, y[1:], rcond=None)[0]
    assert (fit.a, fit.b) == pytest.approx((a, b), rel=1e-12)
    expected = restored_by_hand(a, b, y[0], np.arange(1.0, 6.0)) - c
    np.testing.assert_allclose(np.r_[fit.fitted[1:], fit.forecast], expected, rtol=1e-12)
    assert fit.fitted[0] == 1.0


def test_values_at_or_below_zero_fail_the_test_and_are_shifted():
    # A value ≤ 0 fails the level-ratio test by definition; the shift makes all positive.
    for x in ([0.0, 1.0, 1.2, 1.3], [-5.0, -4.0, -4.5, -3.0, -2.0]):
        fit = gm11(x, horizon=1)
        assert fit.level_ratio_ok is False
        assert fit.shift > -min(x)
        assert np.all(np.isfinite(fit.fitted)) and np.all(np.isfinite(fit.forecast))


def test_an_admissible_positive_series_is_not_shifted():
    fit = gm11([10.0, 11.0, 12.5, 13.0, 14.2])
    assert fit.level_ratio_ok is True and fit.shift == 0.0


# ---------------------------------------------------------------------------------------
# GM(1,1): posterior-error check and grades
# ---------------------------------------------------------------------------------------


def test_posterior_error_check_by_hand_pins_ddof_zero():
    # x = (1, 2, 3, 4): mean 2.5, S1² = (2.25 + .25 + .25 + 2.25)/4 = 1.25 (ddof 0).
    # e = (0, .8, −.8, 0): ē = 0, S2² = (.64 + .64)/4 = .32; C = sqrt(.32/1.25) = sqrt(.256).
    # 0.6745·S1 = 0.6745·1.1180 = 0.7541: |e − ē| = (0, .8, .8, 0) → 2 of 4 below, P = 0.5.
    # (With ddof 1, S1 = 1.2910, the threshold 0.8708 would let all 4 in: P = 1.)
    x = np.array([1.0, 2.0, 3.0, 4.0])
    C, P = posterior_error_check(x, x - np.array([0.0, 0.8, -0.8, 0.0]))
    assert float(C) == pytest.approx(math.sqrt(0.256), rel=1e-14)
    assert float(P) == 0.5


def test_posterior_error_check_of_gm11_uses_all_n_residuals():
    x = np.array([2.874, 3.278, 3.337, 3.390, 3.679])
    fit = gm11(x)
    e = x - fit.fitted  # e(1) = 0 counts
    assert e[0] == 0.0
    assert fit.C == pytest.approx(e.std() / x.std(), rel=1e-14)
    assert fit.P == np.mean(np.abs(e - e.mean()) < 0.6745 * x.std())


@pytest.mark.parametrize(
    ("C", "P", "grade"),
    [
        (0.2, 1.0, "good"),
        (0.3499, 0.96, "good"),
        (0.35, 0.96, "qualified"),  # C < 0.35 is strict
        (0.2, 0.95, "qualified"),  # P > 0.95 is strict
        (0.4999, 0.81, "qualified"),
        (0.5, 0.81, "barely"),
        (0.2, 0.8, "barely"),
        (0.6499, 0.71, "barely"),
        (0.65, 0.9, "unqualified"),
        (0.1, 0.7, "unqualified"),
        (0.1, 0.0, "unqualified"),
        (float("nan"), 1.0, "unqualified"),
    ],
)
def test_grade_boundaries_are_strict(C, P, grade):
    assert GM11_GRADES[int(gm11_grade_codes(C, P))] == grade


def test_grade_codes_broadcast():
    codes = gm11_grade_codes([0.1, 0.4, 0.6, 0.9], 1.0)
    np.testing.assert_array_equal(codes, [0, 1, 2, 3])
    assert codes.dtype == np.int8


# ---------------------------------------------------------------------------------------
# GM(1,1): refusals
# ---------------------------------------------------------------------------------------


def test_gm11_refuses_fewer_than_four_points():
    with pytest.raises(ValueError, match="at least 4 points"):
        gm11([1.0, 2.0, 3.0])


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_gm11_refuses_nan_and_inf(bad):
    with pytest.raises(ValueError, match="finite"):
        gm11([1.0, 2.0, bad, 3.0])


def test_gm11_refuses_a_constant_series():
    # x0(k) + a·z(k) = b holds with a = 0, b = x0: b/a is undefined.
    with pytest.raises(ValueError, match=r"is constant: the least squares .* give a = 0"):
        gm11([2.0, 2.0, 2.0, 2.0, 2.0])
    # Only x0(2..n) enters the least squares: constant after the first value is the same.
    with pytest.raises(ValueError, match=r"is constant after its first value: .* a = 0"):
        gm11([1.0, 0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match=re.escape("at batch index (1,) is constant")):
        gm11_batch([[1.0, 2.0, 3.0, 3.5], [0.0, 0.0, 0.0, 0.0]])


@pytest.mark.parametrize("horizon", [-1, 1.5, True, "2"])
def test_gm11_refuses_a_bad_horizon(horizon):
    with pytest.raises(ValueError, match="horizon must be a whole number"):
        gm11([1.0, 1.1, 1.2, 1.3], horizon=horizon)


def test_gm11_accepts_numpy_integer_horizon():
    assert gm11([1.0, 1.1, 1.2, 1.3], horizon=np.int64(2)).forecast.shape == (2,)


def test_gm11_refuses_a_batch_and_gm11_batch_a_scalar():
    with pytest.raises(ValueError, match=r"shape \(n,\)"):
        gm11([[1.0, 1.1, 1.2, 1.3]])
    with pytest.raises(ValueError, match=r"shape \(\.\.\., n\)"):
        gm11_batch(1.0)


def test_gm11_refuses_an_overflowing_forecast():
    # Growth factor e^(−a) ≈ 1.4 per step: 3000 steps overflow float64.
    with pytest.raises(ValueError, match="overflows"):
        gm11([1.0, 1.4, 1.96, 2.744], horizon=3000)


# ---------------------------------------------------------------------------------------
# GM(1,1): batches and the result objects
# ---------------------------------------------------------------------------------------


def test_gm11_batch_equals_one_fit_per_series():
    rng = np.random.default_rng(5)
    X = rng.uniform(0.2, 1.0, (3, 2, 7))  # (entities, subsystems, periods); some shifted
    X[0, 1] = np.linspace(-0.5, 0.5, 7)  # non-positive values: shifted
    out = gm11_batch(X, horizon=3)
    assert out.fitted.shape == (3, 2, 7) and out.forecast.shape == (3, 2, 3)
    assert out.a.shape == out.C.shape == out.grade.shape == (3, 2)
    assert not out.level_ratio_ok.all()
    for e in range(3):
        for j in range(2):
            one = gm11(X[e, j], horizon=3)
            assert (one.a, one.b, one.shift) == (out.a[e, j], out.b[e, j], out.shift[e, j])
            np.testing.assert_array_equal(one.fitted, out.fitted[e, j])
            np.testing.assert_array_equal(one.forecast, out.forecast[e, j])
            assert one.level_ratio_ok == out.level_ratio_ok[e, j]
            assert (one.C, one.P) == (out.C[e, j], out.P[e, j])
            assert one.grade == out.grade_names[e, j] == GM11_GRADES[out.grade[e, j]]


def test_gm11_results_are_frozen_and_read_only():
    fit = gm11([1.0, 1.1, 1.2, 1.3], horizon=1)
    assert isinstance(fit, GM11)
    with pytest.raises(AttributeError):
        fit.a = 0.0  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        fit.fitted[0] = 0.0
    batch = gm11_batch([[1.0, 1.1, 1.2, 1.3]])
    with pytest.raises(ValueError, match="read-only"):
        batch.shift[0] = 1.0


def test_gm11_horizon_zero_gives_an_empty_forecast():
    assert gm11([1.0, 1.1, 1.2, 1.3]).forecast.shape == (0,)


# ---------------------------------------------------------------------------------------
# GM(1,1): properties
# ---------------------------------------------------------------------------------------

GM_VALUES = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, allow_subnormal=False)


@FEW
@given(hnp.arrays(float, st.integers(4, 10), elements=GM_VALUES), st.integers(0, 4))
def test_gm11_first_fitted_is_x0_and_everything_is_finite(x, horizon):
    if np.ptp(x[1:]) <= 1e-9 * max(1.0, np.abs(x).max()):
        return  # x0(2..n) constant (up to rounding): a = 0, refused by design (tested above)
    try:
        fit = gm11(x, horizon)
    except ValueError as err:  # x0(2..n) exactly uncorrelated with z: documented refusal
        assert "fitted a = 0" in str(err)
        return
    assert fit.fitted[0] == x[0]
    assert np.all(np.isfinite(fit.fitted)) and np.all(np.isfinite(fit.forecast))
    assert fit.shift >= 0.0 and (fit.shift == 0.0) == fit.level_ratio_ok
    assert 0.0 <= fit.P <= 1.0 and fit.C >= 0.0
    assert fit.grade in GM11_GRADES


@FEW
@given(
    st.floats(0.01, 1e3),  # c
    st.floats(-0.2, 0.2).filter(lambda b: abs(b) > 1e-3),  # β inside 2/(n+1) = 0.25, n ≤ 7
    st.integers(4, 7),
)
def test_gm11_pure_exponential_closed_form(c, beta, n):
    # a = −2·tanh(β/2), b = 2c·e^β/(e^β + 1) exactly; the path continues with factor e^(−a).
    r = math.exp(beta)
    x = c * np.exp(beta * np.arange(1, n + 1))
    fit = gm11(x, horizon=3)
    assert fit.level_ratio_ok and fit.shift == 0.0
    assert fit.a == pytest.approx(-2 * math.tanh(beta / 2), rel=1e-9)
    assert fit.b == pytest.approx(2 * c * r / (r + 1), rel=1e-9)
    path = np.r_[fit.fitted[1:], fit.forecast]
    np.testing.assert_allclose(path[1:] / path[:-1], math.exp(-fit.a), rtol=1e-9)


def test_missing_series_are_skipped_and_leave_the_others_unchanged():
    # reference 1, 2, 3; comparisons a = 1, 2, 4 and b = NaN (not in use): with
    # missing = "skip", b has no grade and a's grade is the one computed without b.
    # By hand: Δ_a = 0, 0, 1; Δmin = 0, Δmax = 1; ξ = .5/(Δ + .5) = 1, 1, 1/3; r = 7/9.
    ref = np.array([1.0, 2.0, 3.0])
    cmp = np.array([[1.0, np.nan], [2.0, np.nan], [4.0, np.nan]])
    g = grey_relational_grades(ref, cmp, missing="skip")
    assert g[0] == pytest.approx(7 / 9, rel=1e-15) and np.isnan(g[1])
    assert g[0] == grey_relational_grades(ref, cmp[:, :1])[0]
    with pytest.raises(ValueError, match="finite"):
        grey_relational_grades(ref, cmp)
    # every series missing: NaN grades, no warning
    assert np.isnan(grey_relational_grades(ref, np.full((3, 2), np.nan), missing="skip")).all()

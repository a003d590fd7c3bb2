"""Coupling coordination degree (METHOD.md §7).

classic ``C = k·(Π U)^(1/k) / Σ U``; wang ``C = sqrt{[1 − mean_{i<j}|U_i − U_j|] ·
(Π U_j / max U)^(1/(k−1))}``; fan ``C = 1 − 2·σ`` (population σ, ddof = 0);
``T = Σ β U`` (β equal by default); ``D = sqrt(C·T)``. Conventions: all ``U = 0`` gives
``C = T = D = 0`` with no warning; ``C`` clipped into [0, 1] (round-off only). Levels of
``D`` and stages of ``C`` are intervals ``(lower, upper]``. Hand calculations with the
arithmetic beside each expected number; property tests at the end.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from cosyn.methods.coupling import (
    COORDINATION_EDGES,
    COORDINATION_LEVELS,
    COORDINATION_LEVELS_ZH,
    COUPLING_EDGES,
    COUPLING_METHODS,
    COUPLING_STAGES,
    COUPLING_STAGES_ZH,
    coupling_arrays,
    coupling_coordination,
)
from cosyn.methods.levels import classify

METHODS = list(COUPLING_METHODS)


def ctd(scores, method="classic", weights=None) -> tuple[float, float, float]:
    c, t, d = coupling_arrays(scores, method, weights)
    return float(c), float(t), float(d)


# ---------------------------------------------------------------------------------------
# classic
# ---------------------------------------------------------------------------------------


def test_classic_k2():
    # C = 2·sqrt(0.2·0.8)/(0.2 + 0.8) = 2·sqrt(0.16)/1 = 2·0.4 = 0.8
    # T = 0.5·0.2 + 0.5·0.8 = 0.5;  D = sqrt(0.8·0.5) = sqrt(0.4) = 0.632455532…
    c, t, d = ctd([0.2, 0.8])
    assert c == pytest.approx(0.8, rel=1e-14)
    assert t == pytest.approx(0.5, rel=1e-15)
    assert d == pytest.approx(math.sqrt(0.4), rel=1e-14)


def test_classic_k2_second_case():
    # C = 2·sqrt(0.1·0.4)/0.5 = 2·0.2/0.5 = 0.8;  T = 0.25;  D = sqrt(0.8·0.25) = sqrt(0.2)
    c, t, d = ctd([0.1, 0.4])
    assert (c, t, d) == pytest.approx((0.8, 0.25, math.sqrt(0.2)), rel=1e-14)


def test_classic_k3():
    # Π U = 0.2·0.4·0.8 = 0.064, ∛0.064 = 0.4;  Σ U = 1.4
    # C = 3·0.4/1.4 = 6/7 = 0.857142…;  T = 1.4/3 = 0.466667
    # D = sqrt(6/7 · 1.4/3) = sqrt(8.4/21) = sqrt(0.4) = 0.632456
    c, t, d = ctd([0.2, 0.4, 0.8])
    assert c == pytest.approx(6 / 7, rel=1e-14)
    assert t == pytest.approx(1.4 / 3, rel=1e-14)
    assert d == pytest.approx(math.sqrt(0.4), rel=1e-14)


def test_classic_one_zero_gives_zero_coupling():
    # Π U = 0.0·0.5·0.9 = 0 → C = 0; T = 1.4/3 still counts the others; D = sqrt(0·T) = 0
    c, t, d = ctd([0.0, 0.5, 0.9])
    assert c == 0.0
    assert t == pytest.approx(1.4 / 3, rel=1e-14)
    assert d == 0.0


def test_classic_equal_scores_clipped_to_exactly_one():
    # By AM–GM C = 1 when U1 = U2; in floating point sqrt(0.01)·sqrt(0.01) =
    # 0.010000000000000002, so the raw ratio is 1.0000000000000002. The clip removes that.
    raw = 2 * math.sqrt(0.01) * math.sqrt(0.01) / (0.01 + 0.01)
    assert raw > 1.0  # the round-off the clip exists for
    c, t, d = ctd([0.01, 0.01])
    assert c == 1.0
    assert t == 0.01
    assert d == 0.1  # sqrt(1·0.01)


# ---------------------------------------------------------------------------------------
# wang (Wang Shujia et al. 2021, the corrected model)
# ---------------------------------------------------------------------------------------


def test_wang_k2_is_sqrt_of_one_minus_gap_times_min_over_max():
    # 1 − |0.2 − 0.8| = 0.4;  min/max = 0.2/0.8 = 0.25;  C = sqrt(0.4·0.25) = sqrt(0.1)
    # = 0.316228;  T = 0.5;  D = sqrt(0.316228·0.5) = 0.397635
    c, t, d = ctd([0.2, 0.8], "wang")
    assert c == pytest.approx(math.sqrt(0.1), rel=1e-14)
    assert t == 0.5
    assert d == pytest.approx(math.sqrt(math.sqrt(0.1) * 0.5), rel=1e-14)


def test_wang_k2_second_case_order_does_not_matter():
    # (1 − |0.6 − 0.3|)·(0.3/0.6) = 0.7·0.5 = 0.35;  C = sqrt(0.35) = 0.591608
    for scores in ([0.3, 0.6], [0.6, 0.3]):
        c, _, _ = ctd(scores, "wang")
        assert c == pytest.approx(math.sqrt(0.35), rel=1e-14)


def test_wang_k3_divides_by_the_largest_and_takes_root_k_minus_1():
    # pairs i<j: |0.2−0.4| = 0.2, |0.2−0.8| = 0.6, |0.4−0.8| = 0.4; mean = 1.2/3 = 0.4
    # first factor 1 − 0.4 = 0.6
    # U/max U = (0.25, 0.5, 1); product 0.125; root k − 1 = 2: sqrt(0.125) = 0.353553
    # C = sqrt(0.6·0.353553) = sqrt(0.212132) = 0.460579
    c, t, d = ctd([0.2, 0.4, 0.8], "wang")
    expected = math.sqrt(0.6 * math.sqrt(0.125))
    assert c == pytest.approx(expected, rel=1e-14)
    assert t == pytest.approx(1.4 / 3, rel=1e-14)
    assert d == pytest.approx(math.sqrt(expected * 1.4 / 3), rel=1e-14)
    # what the pinned choices rule out:
    no_max = math.sqrt(0.6 * math.sqrt(0.2 * 0.4 * 0.8))  # without dividing by max U: 0.3896
    root_k = math.sqrt(0.6 * 0.125 ** (1 / 3))  # root k instead of k − 1: 0.5477
    assert abs(c - no_max) > 0.05 and abs(c - root_k) > 0.05


def test_wang_one_zero_gives_zero_coupling():
    # U/max U contains 0/0.7 = 0 → product 0 → C = 0
    assert ctd([0.7, 0.0, 0.4], "wang")[0] == 0.0


def test_wang_equal_scores_give_one():
    # gap 0, ratios 1 → C = sqrt(1·1) = 1 exactly (no clip needed)
    assert ctd([0.3, 0.3, 0.3], "wang")[0] == 1.0


# ---------------------------------------------------------------------------------------
# fan (population standard deviation)
# ---------------------------------------------------------------------------------------


def test_fan_k2_population_std():
    # mean 0.5, deviations ±0.3 → σ (ddof = 0) = sqrt((0.09 + 0.09)/2) = 0.3
    # C = 1 − 2·0.3 = 0.4;  T = 0.5;  D = sqrt(0.2) = 0.447214
    c, t, d = ctd([0.2, 0.8], "fan")
    assert c == pytest.approx(0.4, rel=1e-14)
    assert (t, d) == pytest.approx((0.5, math.sqrt(0.2)), rel=1e-14)
    # ddof = 1 would give σ = sqrt(0.18/1) = 0.424264 and C = 0.151472: ruled out
    assert c != pytest.approx(1 - 2 * math.sqrt(0.18), abs=0.1)


def test_fan_k3():
    # mean = 1.4/3; deviations (−0.8, −0.2, 1.0)/3; squares (0.64 + 0.04 + 1.00)/9 = 1.68/9
    # σ² = 1.68/27 = 0.062222, σ = 0.249444;  C = 1 − 0.498888 = 0.501112
    c, _, _ = ctd([0.2, 0.4, 0.8], "fan")
    assert c == pytest.approx(1 - 2 * math.sqrt(1.68 / 27), rel=1e-14)


def test_fan_sees_only_the_spread():
    # (0, 0.1): σ = 0.05 → C = 0.9, though one subsystem is at 0 (classic, wang: C = 0)
    assert ctd([0.0, 0.1], "fan")[0] == pytest.approx(0.9, rel=1e-14)
    assert ctd([0.0, 0.1], "classic")[0] == 0.0
    assert ctd([0.0, 0.1], "wang")[0] == 0.0


@pytest.mark.parametrize("scores", [[0.0, 1.0], [1.0, 0.0, 1.0, 0.0]])
def test_fan_extreme_spread_is_exactly_zero(scores):
    # σ of half 0s and half 1s is exactly 0.5 (Popoviciu's bound) → C = 1 − 1 = 0, not < 0
    c, t, d = ctd(scores, "fan")
    assert c == 0.0 and t == 0.5 and d == 0.0


# ---------------------------------------------------------------------------------------
# T with weights; the all-zero convention
# ---------------------------------------------------------------------------------------


def test_weights_are_normalised_and_only_change_t():
    # β = (3, 1)/4 = (0.75, 0.25): T = 0.75·0.2 + 0.25·0.8 = 0.15 + 0.2 = 0.35
    # C stays 0.8 (classic); D = sqrt(0.8·0.35) = sqrt(0.28)
    c, t, d = ctd([0.2, 0.8], weights=[3, 1])
    assert c == pytest.approx(0.8, rel=1e-14)
    assert t == pytest.approx(0.35, rel=1e-14)
    assert d == pytest.approx(math.sqrt(0.28), rel=1e-14)
    assert ctd([0.2, 0.8], weights=[0.75, 0.25]) == pytest.approx((c, t, d), rel=1e-15)


def test_weights_per_row():
    # row 0: β = (1, 0) → T = 0.2; row 1: β = (0, 1) → T = 0.8
    _, t, _ = coupling_arrays([[0.2, 0.8], [0.2, 0.8]], weights=[[1, 0], [0, 1]])
    np.testing.assert_allclose(t, [0.2, 0.8], rtol=1e-15)


@pytest.mark.parametrize("method", METHODS)
def test_all_zero_gives_zero_without_warning(method):
    with np.errstate(divide="raise", invalid="raise"):
        c, t, d = coupling_arrays([[0.0, 0.0, 0.0], [0.5, 0.5, 0.5]], method)
    assert c[0] == 0.0 and t[0] == 0.0 and d[0] == 0.0
    # every method gives C = 1 for equal positive scores, so the convention is a jump
    assert c[1] == 1.0 and t[1] == 0.5


def test_batch_axes_are_kept():
    u = np.array([[[0.2, 0.8], [0.1, 0.4]], [[0.0, 0.0], [0.5, 0.5]]])  # (E=2, T=2, k=2)
    for method in METHODS:
        c, t, d = coupling_arrays(u, method)
        assert c.shape == t.shape == d.shape == (2, 2)
        for e in range(2):
            for p in range(2):
                assert (c[e, p], t[e, p], d[e, p]) == ctd(u[e, p], method)


# ---------------------------------------------------------------------------------------
# refusals
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scores", "match"),
    [
        pytest.param([[0.2, 0.5], [1.2, 0.3]], r"1\.2 at index \(1, 0\)", id="above-1"),
        pytest.param([0.2, -0.1], r"-0\.1 at index \(1,\)", id="negative"),
        pytest.param([0.2, np.nan], "no NaN", id="nan"),
        pytest.param([0.3], "at least 2 subsystems", id="k=1"),
        pytest.param(0.3, "at least 2 subsystems", id="scalar"),
    ],
)
def test_bad_scores_refused(scores, match):
    with pytest.raises(ValueError, match=match):
        coupling_arrays(scores)


def test_unknown_method_lists_the_allowed_ones():
    with pytest.raises(ValueError, match=r"'geometric'.*'classic', 'wang', 'fan'"):
        coupling_arrays([0.2, 0.8], "geometric")


@pytest.mark.parametrize(
    ("weights", "match"),
    [
        pytest.param([1.0, -0.5], "non-negative", id="negative"),
        pytest.param([0.0, 0.0], "not all be 0", id="all-zero"),
        pytest.param([1.0, np.inf], "finite", id="inf"),
        pytest.param([0.5, 0.3, 0.2], r"one value per subsystem.*k is 2", id="length"),
        pytest.param([[0.5, 0.5]] * 3, "do not broadcast", id="too-many-rows"),
    ],
)
def test_bad_weights_refused(weights, match):
    with pytest.raises(ValueError, match=match):
        coupling_arrays([[0.2, 0.8], [0.4, 0.4]], weights=weights)


# ---------------------------------------------------------------------------------------
# scales and the table
# ---------------------------------------------------------------------------------------


def test_default_scales_are_method_md():
    assert COORDINATION_EDGES == (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
    assert COORDINATION_LEVELS == (
        "extreme imbalance",
        "severe imbalance",
        "moderate imbalance",
        "mild imbalance",
        "near imbalance",
        "barely coordinated",
        "primary coordination",
        "intermediate coordination",
        "good coordination",
        "quality coordination",
    )
    assert COORDINATION_LEVELS_ZH == (
        "极度失调",
        "严重失调",
        "中度失调",
        "轻度失调",
        "濒临失调",
        "勉强协调",
        "初级协调",
        "中级协调",
        "良好协调",
        "优质协调",
    )
    assert COUPLING_EDGES == (0.3, 0.5, 0.8)
    assert COUPLING_STAGES == (
        "low-level coupling",
        "antagonism",
        "running-in",
        "high-level coupling",
    )
    assert COUPLING_STAGES_ZH == ("低水平耦合", "拮抗", "磨合", "高水平耦合")


def test_d_exactly_one_half_is_near_imbalance():
    # (0.25, 0.25): C = 1, T = 0.25, D = sqrt(0.25) = 0.5 exactly, for every method;
    # 0.5 is the upper end of (0.4, 0.5] → the 5th level, not "barely coordinated"
    for method in METHODS:
        table = coupling_coordination([[0.25, 0.25]], method)
        assert table["D"].iloc[0] == 0.5
        assert table["level"].iloc[0] == "near imbalance" == COORDINATION_LEVELS[4]


def test_every_level_edge_belongs_to_the_level_below():
    # equal scores v = e² (wang): C = 1, T = e², D = sqrt(e²) = e exactly for e = 0.1 … 0.9
    edges = np.array(COORDINATION_EDGES)
    table = coupling_coordination(np.repeat((edges**2)[:, None], 2, axis=1), "wang")
    np.testing.assert_array_equal(table["D"].to_numpy(), edges)
    assert list(table["level"]) == list(COORDINATION_LEVELS[:9])  # 0.1 → 1st … 0.9 → 9th


def test_level_ends_and_just_above_an_edge():
    # D = 0 is in the first level; D = 1 in the last; the next double above 0.5 is 6th
    table = coupling_coordination([[0.0, 0.0], [1.0, 1.0]], "classic")
    assert list(table["D"]) == [0.0, 1.0]
    assert list(table["level"]) == ["extreme imbalance", "quality coordination"]
    assert classify([np.nextafter(0.5, 1.0)], COORDINATION_EDGES)[0] == 5


def test_coupling_stages_closed_on_the_right():
    # C = 0 → 1st; 0.3 → 1st; 0.5 → 2nd; 0.8 → 3rd; just above 0.8 → 4th; 1 → 4th
    codes = classify([0.0, 0.3, 0.3000001, 0.5, 0.8, 0.8000001, 1.0], COUPLING_EDGES)
    np.testing.assert_array_equal(codes, [0, 0, 1, 1, 2, 3, 3])


def test_stage_of_zero_and_of_an_exact_edge_in_the_table():
    # all zero: C = 0 → "low-level coupling" (pinned: 0 is in the first stage)
    # fan (0.25, 0.75): σ = 0.25 exactly → C = 0.5 exactly → (0.3, 0.5] "antagonism"
    table = coupling_coordination([[0.0, 0.0], [0.25, 0.75]], "fan")
    assert list(table["C"]) == [0.0, 0.5]
    assert list(table["coupling_stage"]) == ["low-level coupling", "antagonism"]


def test_table_columns_rows_and_index():
    frame = pd.DataFrame(
        {"economy": [0.2, 0.1, 0.0], "environment": [0.8, 0.4, 0.0]},
        index=pd.Index(["a", "b", "c"], name="region"),
    )
    table = coupling_coordination(frame)
    assert list(table.columns) == ["C", "T", "D", "level", "coupling_stage"]
    assert table.index.equals(frame.index)
    c, t, d = coupling_arrays(frame.to_numpy())
    np.testing.assert_array_equal(table["C"].to_numpy(), c)
    np.testing.assert_array_equal(table["T"].to_numpy(), t)
    np.testing.assert_array_equal(table["D"].to_numpy(), d)
    # D = sqrt(0.4) = 0.632 → primary; sqrt(0.2) = 0.447 → near imbalance; 0 → extreme
    assert list(table["level"]) == ["primary coordination", "near imbalance", "extreme imbalance"]
    # C = 0.8 (up to one ulp below) → running-in; C = 0 → low-level coupling
    assert list(table["coupling_stage"]) == ["running-in", "running-in", "low-level coupling"]


def test_array_input_gets_a_range_index():
    table = coupling_coordination(np.array([[0.2, 0.8], [0.5, 0.5]]))
    assert list(table.index) == [0, 1]


def test_chinese_names():
    table = coupling_coordination(
        [[0.2, 0.8], [0.0, 0.0]],
        level_names=COORDINATION_LEVELS_ZH,
        stage_names=COUPLING_STAGES_ZH,
    )
    assert list(table["level"]) == ["初级协调", "极度失调"]
    assert list(table["coupling_stage"]) == ["磨合", "低水平耦合"]


def test_custom_scale():
    # two classes of D split at 0.5, closed on the right: D = 0.5 is "not yet"
    table = coupling_coordination(
        [[0.25, 0.25], [0.36, 0.36]],
        "wang",
        level_edges=[0.5],
        level_names=["not yet", "coordinated"],
        stage_edges=[0.9],
        stage_names=["weak", "strong"],
    )
    assert list(table["level"]) == ["not yet", "coordinated"]  # D = 0.5, 0.6
    assert list(table["coupling_stage"]) == ["strong", "strong"]  # C = 1


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        pytest.param({"level_names": COORDINATION_LEVELS[:9]}, "level_names needs", id="short"),
        pytest.param({"stage_edges": [0.5, 0.3, 0.8]}, "strictly increasing", id="not-increasing"),
    ],
)
def test_bad_scales_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        coupling_coordination([[0.2, 0.8]], **kwargs)


def test_table_needs_two_dimensions():
    with pytest.raises(ValueError, match=r"shape \(n, k\)"):
        coupling_coordination([0.2, 0.8])


# ---------------------------------------------------------------------------------------
# properties
# ---------------------------------------------------------------------------------------

UNIT = st.floats(0.0, 1.0, allow_nan=False)
PROPERTIES = settings(max_examples=150, deadline=None)


@st.composite
def score_tables(draw, min_k: int = 2, max_k: int = 5) -> np.ndarray:
    k = draw(st.integers(min_k, max_k))
    n = draw(st.integers(1, 6))
    return draw(hnp.arrays(float, (n, k), elements=UNIT))


@PROPERTIES
@given(u=score_tables(), method=st.sampled_from(METHODS))
def test_c_t_d_in_unit_interval(u, method):
    c, t, d = coupling_arrays(u, method)
    for x in (c, t, d):
        assert x.shape == (u.shape[0],)
        assert np.all((x >= 0.0) & (x <= 1.0))
    # T is a mean of the scores: between the smallest and the largest
    assert np.all(t >= u.min(axis=1) - 1e-15) and np.all(t <= u.max(axis=1) + 1e-15)


@PROPERTIES
@given(
    u=score_tables(),
    method=st.sampled_from(METHODS),
    w=st.lists(st.floats(1e-3, 1e3), min_size=5, max_size=5),
)
def test_weighted_t_in_unit_interval(u, method, w):
    _, t, d = coupling_arrays(u, method, w[: u.shape[1]])
    assert np.all((t >= 0.0) & (t <= 1.0)) and np.all((d >= 0.0) & (d <= 1.0))


@PROPERTIES
@given(u=score_tables(), method=st.sampled_from(METHODS), data=st.data())
def test_symmetric_under_permuting_subsystems(u, method, data):
    perm = data.draw(st.permutations(range(u.shape[1])))
    before = coupling_arrays(u, method)
    after = coupling_arrays(u[:, perm], method)
    for x, y in zip(before, after, strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-12)


@PROPERTIES
@given(u=score_tables(), method=st.sampled_from(METHODS))
def test_d_is_sqrt_of_c_times_t(u, method):
    c, t, d = coupling_arrays(u, method)
    np.testing.assert_array_equal(d, np.sqrt(c * t))


# ---------------------------------------------------------------------------------------
# coupling_input = "rescale" and the relative development degree (METHOD.md §8)
# ---------------------------------------------------------------------------------------


def test_rescale_scores_by_hand():
    # subsystem 0: 0.2, 0.4, 0.6 (min .2, max .6) → 0.01 + 0.98·(0, .5, 1) = .01, .5, .99
    # subsystem 1: constant 0.3 → 0.5 (the middle of [0.01, 0.99]), flagged
    from cosyn.methods.coupling import rescale_scores

    u = np.array([[[0.2, 0.3], [0.4, 0.3]], [[0.6, 0.3], [0.4, 0.3]]])  # (E=2, T=2, k=2)
    out, constant = rescale_scores(u)
    np.testing.assert_allclose(out[..., 0], [[0.01, 0.5], [0.99, 0.5]], rtol=1e-15)
    np.testing.assert_array_equal(out[..., 1], 0.5)
    assert constant.tolist() == [False, True]
    with pytest.raises(ValueError, match="finite"):
        rescale_scores([[np.nan, 0.1]])


def test_relative_development_by_hand():
    from cosyn.methods.coupling import relative_development

    # k = 2: E = U1/U2 = .2/.4 = .5 (1 lags), .4/.4 = 1 (synchronous), .6/.4 = 1.5 (2 lags);
    # edges closed: .4/.5 = .8 and .6/.5 = 1.2 (exact in binary: division by .5) are
    # synchronous
    u = np.array([[0.2, 0.4], [0.4, 0.4], [0.6, 0.4], [0.4, 0.5], [0.6, 0.5]])
    E, lag = relative_development(u)
    np.testing.assert_allclose(E, [0.5, 1.0, 1.5, 0.8, 1.2], rtol=1e-15)
    assert lag.tolist() == [0, 1, 2, 1, 1]
    # zero denominators: U2 = 0 < U1 → NaN, subsystem 2 lags; both 0 → NaN, synchronous
    E, lag = relative_development([[0.3, 0.0], [0.0, 0.0], [1.0, 5e-324]])
    assert np.isnan(E).all() and lag.tolist() == [2, 1, 2]  # 1/5e-324 overflows: NaN too
    # k = 3: E_j = U_j / mean = (.1, .3, .5)/.3 = 1/3, 1, 5/3 → lags, synchronous, leads
    E, lag = relative_development([[0.1, 0.3, 0.5], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(E[0], [1 / 3, 1.0, 5 / 3], rtol=1e-15)
    assert lag.tolist() == [[0, 1, 2], [1, 1, 1]] and np.isnan(E[1]).all()
    with pytest.raises(ValueError, match="edges"):
        relative_development(u, (1.2, 0.8))

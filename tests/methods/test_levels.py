"""Classification into labelled intervals ``(lower, upper]`` (METHOD.md §5).

Synergy levels: ``U ≤ 0`` non-synergy · (0, 0.3] low · (0.3, 0.6] moderate ·
(0.6, 0.9] high · (0.9, 1] extreme. Stages: ``U ≤ 0`` not synergistic · (0, 0.3]
initial · (0.3, 0.5] development · (0.5, 0.8] expansion · (0.8, 1] mature.
"""

from __future__ import annotations

import numpy as np
import pytest

from cosyn.methods.levels import (
    STAGE_EDGES,
    STAGE_NAMES,
    SYNERGY_EDGES,
    SYNERGY_LEVELS,
    classify,
)


def test_default_scales_are_method_md():
    assert SYNERGY_EDGES == (0.0, 0.3, 0.6, 0.9)
    assert SYNERGY_LEVELS == ("non-synergy", "low", "moderate", "high", "extreme")
    assert STAGE_EDGES == (0.0, 0.3, 0.5, 0.8)
    assert STAGE_NAMES == ("not synergistic", "initial", "development", "expansion", "mature")


def test_synergy_levels_closed_on_the_right():
    values = [-0.5, -0.0, 0.0, 1e-12, 0.1, 0.3, 0.30000000000000004, 0.6, 0.61, 0.9, 0.95, 1.0]
    expected = [
        0,  # −0.5 ≤ 0
        0,  # −0.0 ≤ 0
        0,  # 0 ≤ 0: non-synergy, not low
        1,  # just above 0 → (0, 0.3]
        1,  # 0.1 ∈ (0, 0.3]
        1,  # exactly 0.3 is the upper end of (0, 0.3]: low, not moderate
        2,  # the next double above 0.3 → (0.3, 0.6]
        2,  # 0.6 ∈ (0.3, 0.6]
        3,  # 0.61 ∈ (0.6, 0.9]
        3,  # 0.9 ∈ (0.6, 0.9]
        4,  # 0.95 ∈ (0.9, 1]
        4,  # 1.0 ∈ (0.9, 1]
    ]
    np.testing.assert_array_equal(classify(values, SYNERGY_EDGES), expected)


def test_level_names_on_the_edges():
    codes = classify([0.0, 0.3, 0.6, 0.9], SYNERGY_EDGES)
    assert [SYNERGY_LEVELS[c] for c in codes] == ["non-synergy", "low", "moderate", "high"]


def test_stages_agree_with_the_papers_conclusions():
    # luggage ≈ 0.6 → expansion; food ≈ 0.4 → development; jewelry ≈ 0.2 → initial;
    # beauty ≈ 0.3 sits on the first edge → initial; textile < 0.2 → initial
    codes = classify([0.6, 0.4, 0.2, 0.3, 0.15], STAGE_EDGES)
    assert [STAGE_NAMES[c] for c in codes] == [
        "expansion",
        "development",
        "initial",
        "initial",
        "initial",
    ]


def test_stage_edges_closed_on_the_right():
    np.testing.assert_array_equal(
        classify([0.0, 0.5, 0.8, 0.800001, 1.0], STAGE_EDGES),
        [0, 2, 3, 4, 4],  # 0 ≤ 0; 0.5 ∈ (0.3, 0.5]; 0.8 ∈ (0.5, 0.8]; above 0.8 → 4
    )


def test_nan_is_refused():
    # METHOD.md §8: searchsorted would put NaN above the last edge — "extreme", "mature".
    with pytest.raises(
        ValueError, match=r"cannot classify NaN \(2 NaN value\(s\), the first at index \(1,\)"
    ):
        classify([0.5, np.nan, np.nan], SYNERGY_EDGES)
    with pytest.raises(ValueError, match=r"the first at index \(1, 0\)"):
        classify([[0.1, 0.7], [np.nan, -1.0]], STAGE_EDGES)


def test_infinities_go_to_the_end_classes():
    np.testing.assert_array_equal(classify([-np.inf, np.inf], SYNERGY_EDGES), [0, 4])


def test_shape_is_kept():
    values = np.array([[0.1, 0.7], [0.0, -1.0]])
    out = classify(values, SYNERGY_EDGES)
    assert out.shape == (2, 2)
    np.testing.assert_array_equal(out, [[1, 3], [0, 0]])
    assert np.issubdtype(out.dtype, np.integer)


def test_custom_edges():
    # a single edge at 1: values ≤ 1 are class 0, values > 1 class 1
    np.testing.assert_array_equal(classify([0.5, 1.0, 1.5], [1.0]), [0, 0, 1])


@pytest.mark.parametrize(
    "edges",
    [
        pytest.param([0.0, 0.3, 0.3, 0.9], id="repeated"),
        pytest.param([0.6, 0.3], id="decreasing"),
        pytest.param([[0.0, 0.3], [0.6, 0.9]], id="two-dimensional"),
        pytest.param([0.0, 0.3, np.nan], id="nan-edge"),
        pytest.param([0.0, 0.3, np.inf], id="infinite-edge"),
    ],
)
def test_non_increasing_edges_refused(edges):
    with pytest.raises(ValueError, match="finite and strictly increasing"):
        classify([0.1], edges)

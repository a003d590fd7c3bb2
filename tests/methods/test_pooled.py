"""Pooled column statistics: merged over pieces, they give the stacked matrix's weights.

The reference is the stacked matrix itself through the kernels the NumPy engine uses
(:func:`cosyn.entropy_divergence`, :func:`cosyn.critic_information`, ``np.std``), and a
hand calculation for the merge formula.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from cosyn.methods import critic_information, entropy_divergence
from cosyn.methods.pooled import ColumnMoments, EntropySums


def pieces(matrix: np.ndarray, cuts: list[int]) -> list[np.ndarray]:
    edges = sorted({0, matrix.shape[0], *(c % matrix.shape[0] for c in cuts)})
    return [matrix[a:b] for a, b in itertools.pairwise(edges) if b > a]


def merged(cls: type, parts: list[np.ndarray]) -> object:
    out = cls.of(parts[0])
    for p in parts[1:]:
        out = out.merge(cls.of(p))
    return out


values = st.floats(0.0, 1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(
    arrays(np.float64, st.tuples(st.integers(2, 40), st.integers(1, 5)), elements=values),
    st.lists(st.integers(0, 1000), max_size=6),
)
def test_entropy_sums_merged_give_the_stacked_divergence(m: np.ndarray, cuts: list[int]) -> None:
    m[:, 0] = 0.0  # a column of zeros: d = 0
    expected = entropy_divergence(m)
    got = merged(EntropySums, pieces(m, cuts)).divergence()
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@settings(max_examples=200, deadline=None)
@given(
    arrays(np.float64, st.tuples(st.integers(2, 40), st.integers(1, 5)), elements=values),
    st.lists(st.integers(0, 1000), max_size=6),
)
def test_column_moments_merged_give_the_stacked_critic(m: np.ndarray, cuts: list[int]) -> None:
    m = m / 1e6  # order degrees live in [0, 1]
    m[:, -1] = 0.25  # a constant column: σ = 0 and its correlations count as 0
    moments = merged(ColumnMoments, pieces(m, cuts))
    scale = max(1.0, float(np.abs(critic_information(m)).max()))
    np.testing.assert_allclose(
        moments.critic_information(), critic_information(m), rtol=0, atol=1e-12 * scale
    )
    np.testing.assert_allclose(
        moments.std(), np.where(m.max(0) == m.min(0), 0, m.std(0, ddof=1)), rtol=1e-12, atol=1e-15
    )
    np.testing.assert_allclose(moments.mean, m.mean(axis=0), rtol=1e-13, atol=1e-16)
    assert moments.n == m.shape[0]


def test_the_merge_by_hand() -> None:
    # rows (1, 2) and (3, 6) in one piece, (5, 10) in the other: mean (3, 6);
    # C = Σ (x − x̄)(x − x̄)ᵀ = [[8, 16], [16, 32]] (deviations (−2,−4), (0,0), (2,4))
    a = ColumnMoments.of(np.array([[1.0, 2.0], [3.0, 6.0]]))
    b = ColumnMoments.of(np.array([[5.0, 10.0]]))
    both = a.merge(b)
    np.testing.assert_array_equal(both.mean, [3.0, 6.0])
    np.testing.assert_array_equal(both.comoment, [[8.0, 16.0], [16.0, 32.0]])
    np.testing.assert_array_equal(both.std(), [2.0, 4.0])
    # perfectly correlated: r = 1, so Σ(1 − r) = 0 and C = 0 for both columns
    np.testing.assert_allclose(both.critic_information(), [0.0, 0.0], atol=1e-14)


def test_entropy_of_two_pieces_by_hand() -> None:
    # p = (1/4, 1/4, 1/2) over n = 3: E = −(2·¼ln¼ + ½ln½)/ln 3 = 1.5·ln 2/ln 3
    sums = EntropySums.of(np.array([[1.0], [1.0]])).merge(EntropySums.of(np.array([[2.0]])))
    assert sums.n == 3
    np.testing.assert_allclose(sums.divergence(), [1 - 1.5 * np.log(2) / np.log(3)], rtol=1e-14)


def test_one_row_is_not_enough() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        EntropySums.of(np.ones((1, 2))).divergence()
    with pytest.raises(ValueError, match="at least 2"):
        ColumnMoments.of(np.ones((1, 2))).std()

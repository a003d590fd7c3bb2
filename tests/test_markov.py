"""Markov and spatial Markov chains (cosyn.analysis.markov) against giddy's documented example.

Published reference: the docstrings of giddy 2.3 (PySAL; Rey, Kang and Wolf 2016),
``giddy.markov.Markov`` and ``giddy.markov.Spatial_Markov``, "US nominal per capita
income 48 states 81 years 1929-2009" (libpysal's bundled ``us_income``/``usjoin.csv``
with the contiguity ``states48.gal``). The printed matrices are re-entered below; the
neighbour list goes through cosyn's own pairs path (names, not GAL ids).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cosyn.errors import DataError, SpecError

libpysal = pytest.importorskip("libpysal")
pytest.importorskip("giddy")

from cosyn.analysis.markov import _stationary, markov, spatial_markov  # noqa: E402


@pytest.fixture(scope="module")
def usjoin() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per capita income, states × 1929–2009, and the states48 contiguity as name pairs."""
    from libpysal.examples import get_path

    us = pd.read_csv(get_path("usjoin.csv"))
    wide = us.set_index("Name")[[str(y) for y in range(1929, 2010)]].astype(float)
    gal = libpysal.io.open(get_path("states48.gal")).read()
    names = list(wide.index)  # the GAL ids 0…47 are the rows of usjoin.csv
    pairs = pd.DataFrame(
        [(names[int(a)], names[int(b)]) for a, nb in gal.neighbors.items() for b in nb],
        columns=["entity_a", "entity_b"],
    )
    return wide, pairs


# giddy.markov.Markov docstring: quintiles of each year.
GIDDY_TRANSITIONS = [
    [729, 71, 1, 0, 0],
    [72, 567, 80, 3, 0],
    [0, 81, 631, 86, 2],
    [0, 3, 86, 573, 56],
    [0, 0, 1, 57, 741],
]
GIDDY_P = [
    [0.91011236, 0.0886392, 0.00124844, 0.0, 0.0],
    [0.09972299, 0.78531856, 0.11080332, 0.00415512, 0.0],
    [0.0, 0.10125, 0.78875, 0.1075, 0.0025],
    [0.0, 0.00417827, 0.11977716, 0.79805014, 0.07799443],
    [0.0, 0.0, 0.00125156, 0.07133917, 0.92740926],
]
GIDDY_STEADY = [0.20774716, 0.18725774, 0.20740537, 0.18821787, 0.20937187]
# The same docstring, relative incomes, quintiles pooled over all years.
GIDDY_RELATIVE_TRANSITIONS = [
    [707, 58, 7, 1, 0],
    [50, 629, 80, 1, 1],
    [4, 79, 610, 73, 2],
    [0, 7, 72, 650, 37],
    [0, 0, 0, 48, 724],
]
GIDDY_RELATIVE_STEADY = [0.17957376, 0.21631443, 0.21499942, 0.21134662, 0.17776576]

# giddy.markov.Spatial_Markov docstring, case (1): k = m = 5 pooled quintiles of rpci.
GIDDY_SM_P = [
    [
        [0.96341463, 0.0304878, 0.00609756, 0.0, 0.0],
        [0.06040268, 0.83221477, 0.10738255, 0.0, 0.0],
        [0.0, 0.14, 0.74, 0.12, 0.0],
        [0.0, 0.03571429, 0.32142857, 0.57142857, 0.07142857],
        [0.0, 0.0, 0.0, 0.16666667, 0.83333333],
    ],
    [
        [0.79831933, 0.16806723, 0.03361345, 0.0, 0.0],
        [0.0754717, 0.88207547, 0.04245283, 0.0, 0.0],
        [0.00537634, 0.06989247, 0.8655914, 0.05913978, 0.0],
        [0.0, 0.0, 0.06372549, 0.90196078, 0.03431373],
        [0.0, 0.0, 0.0, 0.19444444, 0.80555556],
    ],
    [
        [0.84693878, 0.15306122, 0.0, 0.0, 0.0],
        [0.08133971, 0.78947368, 0.1291866, 0.0, 0.0],
        [0.00518135, 0.0984456, 0.79274611, 0.0984456, 0.00518135],
        [0.0, 0.0, 0.09411765, 0.87058824, 0.03529412],
        [0.0, 0.0, 0.0, 0.10204082, 0.89795918],
    ],
    [
        [0.8852459, 0.09836066, 0.0, 0.01639344, 0.0],
        [0.03875969, 0.81395349, 0.13953488, 0.0, 0.00775194],
        [0.0049505, 0.09405941, 0.77722772, 0.11881188, 0.0049505],
        [0.0, 0.02339181, 0.12865497, 0.75438596, 0.09356725],
        [0.0, 0.0, 0.0, 0.09661836, 0.90338164],
    ],
    [
        [0.33333333, 0.66666667, 0.0, 0.0, 0.0],
        [0.0483871, 0.77419355, 0.16129032, 0.01612903, 0.0],
        [0.01149425, 0.16091954, 0.74712644, 0.08045977, 0.0],
        [0.0, 0.01036269, 0.06217617, 0.89637306, 0.03108808],
        [0.0, 0.0, 0.0, 0.02352941, 0.97647059],
    ],
]
GIDDY_SM_GLOBAL_P = [
    [0.91461837, 0.07503234, 0.00905563, 0.00129366, 0.0],
    [0.06570302, 0.82654402, 0.10512484, 0.00131406, 0.00131406],
    [0.00520833, 0.10286458, 0.79427083, 0.09505208, 0.00260417],
    [0.0, 0.00913838, 0.09399478, 0.84856397, 0.04830287],
    [0.0, 0.0, 0.0, 0.06217617, 0.93782383],
]
GIDDY_SM_S = [
    [0.43509425, 0.2635327, 0.20363044, 0.06841983, 0.02932278],
    [0.13391287, 0.33993305, 0.25153036, 0.23343016, 0.04119356],
    [0.12124869, 0.21137444, 0.2635101, 0.29013417, 0.1137326],
    [0.0776413, 0.19748806, 0.25352636, 0.22480415, 0.24654013],
    [0.01776781, 0.19964349, 0.19009833, 0.25524697, 0.3372434],
]


def test_markov_giddy_docstring_quintiles_each_year(usjoin) -> None:
    wide, _ = usjoin
    r = markov(wide, k=5, scope="period")
    np.testing.assert_array_equal(r.counts.to_numpy(), GIDDY_TRANSITIONS)
    np.testing.assert_allclose(r.P.to_numpy(), GIDDY_P, atol=5e-9)
    np.testing.assert_allclose(r.steady_state.to_numpy(), GIDDY_STEADY, atol=5e-9)
    assert r.classes == ["Q1", "Q2", "Q3", "Q4", "Q5"]
    assert r.counts.to_numpy().sum() == 48 * 80


def test_markov_giddy_docstring_relative_income_pooled(usjoin) -> None:
    wide, _ = usjoin
    r = markov(wide / wide.mean(axis=0), k=5)
    np.testing.assert_array_equal(r.counts.to_numpy(), GIDDY_RELATIVE_TRANSITIONS)
    np.testing.assert_allclose(r.steady_state.to_numpy(), GIDDY_RELATIVE_STEADY, atol=5e-9)
    assert len(r.edges) == 4


def test_spatial_markov_giddy_docstring_case_1(usjoin) -> None:
    wide, pairs = usjoin
    sm = spatial_markov(wide / wide.mean(axis=0), pairs, k=5)
    np.testing.assert_allclose(sm.edges, [0.83999133, 0.94707545, 1.03242697, 1.14911154])
    np.testing.assert_allclose(sm.lag_edges, [0.88973386, 0.95891917, 1.01469758, 1.1183566])
    np.testing.assert_allclose(sm.P, GIDDY_SM_P, atol=5e-9)
    np.testing.assert_allclose(sm.markov.P.to_numpy(), GIDDY_SM_GLOBAL_P, atol=5e-9)
    np.testing.assert_allclose(sm.S, GIDDY_SM_S, atol=5e-9)
    assert f"{sm.LR:.3f}" == "170.659" and f"{sm.Q:.3f}" == "200.624"
    assert sm.dof == 60 and sm.LR_p < 5e-4 and sm.Q_p < 5e-4
    assert sm.T.sum() == 48 * 80


def test_spatial_markov_giddy_docstring_case_3_empty_rows_nan(usjoin) -> None:
    """Case (3), cutoffs [0.8, 0.9, 1, 1.2] for values and lags: giddy prints rows of
    zeros where no transition starts; cosyn gives NaN rows and says so."""
    wide, pairs = usjoin
    sm = spatial_markov(wide / wide.mean(axis=0), pairs, edges=[0.8, 0.9, 1, 1.2])
    np.testing.assert_allclose(sm.P[0, 0], [0.96703297, 0.03296703, 0, 0, 0], atol=5e-9)
    np.testing.assert_allclose(sm.P[4, 2], [0, 0.06666667, 0.9, 0.03333333, 0], atol=5e-9)
    empty = np.isnan(sm.P).all(axis=2)
    assert [tuple(x) for x in np.argwhere(empty)] == [(0, 4), (4, 0), (4, 1)]
    assert not np.isnan(sm.P[~empty]).any()
    assert any("no transition" in n for n in sm.notes)
    # giddy's S[2] (lag class 2 has every row observed).
    np.testing.assert_allclose(
        sm.S[2], [0.03607655, 0.22667277, 0.25883041, 0.43607249, 0.04234777], atol=5e-9
    )
    # giddy's first recurrent class of S[0]; class >1.2 is never entered, share 0.
    np.testing.assert_allclose(
        sm.S[0], [0.54148249, 0.16780007, 0.24991499, 0.04080245, 0.0], atol=5e-9
    )
    assert sm.lag_classes[0] == "lag ≤0.8" and sm.classes[-1] == ">1.2"
    table = sm.table()
    assert len(table) == 5 * 5 * 5 and table["count"].sum() == 48 * 80


# ---------------------------------------------------------------- hand calculations


def test_two_classes_by_hand() -> None:
    """Counts 0→0: 9, 0→1: 1, 1→0: 2, 1→1: 8 give P = [[0.9, 0.1], [0.2, 0.8]] and the
    steady state π with π0·0.1 = π1·0.2: π = (2/3, 1/3)."""
    starts = [0.2] * 10 + [0.7] * 10
    ends = [0.2] * 9 + [0.7] + [0.2] * 2 + [0.7] * 8
    wide = pd.DataFrame({"2020": starts, "2021": ends}, index=[f"e{i}" for i in range(20)])
    r = markov(wide, edges=[0.5], labels=["low", "high"])
    np.testing.assert_array_equal(r.counts.to_numpy(), [[9, 1], [2, 8]])
    np.testing.assert_allclose(r.P.to_numpy(), [[0.9, 0.1], [0.2, 0.8]])
    np.testing.assert_allclose(r.steady_state.to_numpy(), [2 / 3, 1 / 3])
    np.testing.assert_allclose(r.initial.to_numpy(), [0.5, 0.5])
    np.testing.assert_allclose(r.final.to_numpy(), [0.55, 0.45])


def test_edges_closed_on_the_right_like_the_level_tables() -> None:
    """A value equal to an edge belongs to the lower class: 0.3 is in (0, 0.3]."""
    wide = pd.DataFrame({"a": [0.3, 0.31, 0.1], "b": [0.31, 0.3, 0.1]}, index=list("xyz"))
    r = markov(wide, edges=[0.0, 0.3])
    assert r.classes == ["≤0", "(0, 0.3]", ">0.3"]
    np.testing.assert_array_equal(r.counts.to_numpy(), [[0, 0, 0], [0, 1, 1], [0, 1, 0]])


def test_unvisited_class_nan_row_with_a_note() -> None:
    wide = pd.DataFrame({"a": [0.1, 0.5, 0.5], "b": [0.5, 0.5, 0.95]}, index=list("xyz"))
    r = markov(wide, edges=[0.3, 0.9])
    assert r.P.loc[">0.9"].isna().all()
    assert r.P.loc["≤0.3"].tolist() == [0.0, 1.0, 0.0]
    assert any("never the start" in n for n in r.notes)
    # 0.3–0.9 leads into >0.9, a class never left in the data: no steady state.
    assert r.steady_state.isna().all()
    assert any("not estimable" in n for n in r.notes)


def test_reducible_chain_has_no_unique_steady_state() -> None:
    wide = pd.DataFrame({"a": [0.1, 0.9], "b": [0.1, 0.9]}, index=list("xy"))
    r = markov(wide, edges=[0.5])
    np.testing.assert_array_equal(r.P.to_numpy(), np.eye(2))
    assert r.steady_state.isna().all()
    assert any("not unique" in n for n in r.notes)


def test_spatial_markov_three_regions_by_hand() -> None:
    """Path a–b–c, 3 periods, edges [0.5] for values and lags. Lags (row-standardised
    means of the neighbours): period 1 y = (0, 1, 0) → lag (1, 0, 1); period 2
    y = (1, 1, 0) → lag (1, 0.5, 1). Transitions: from lag class high: a 0→1, c 0→0
    (period 1), a 1→1, c 0→1 (period 2); from lag class low: b 1→1 twice."""
    wide = pd.DataFrame(
        {"p1": [0.0, 1.0, 0.0], "p2": [1.0, 1.0, 0.0], "p3": [1.0, 1.0, 1.0]},
        index=list("abc"),
    )
    pairs = pd.DataFrame({"entity_a": ["a", "b"], "entity_b": ["b", "c"]})
    sm = spatial_markov(wide, pairs, edges=[0.5])
    np.testing.assert_array_equal(sm.T[0], [[0, 0], [0, 2]])
    np.testing.assert_array_equal(sm.T[1], [[1, 2], [0, 1]])
    assert np.isnan(sm.P[0, 0]).all()
    np.testing.assert_allclose(sm.P[1], [[1 / 3, 2 / 3], [0, 1]])


# ---------------------------------------------------------------- input checks


def test_bad_inputs_refused() -> None:
    wide = pd.DataFrame({"a": [0.1, 0.5, 0.7], "b": [0.2, 0.4, 0.9]}, index=list("xyz"))
    with pytest.raises(SpecError, match="either edges"):
        markov(wide, edges=[0.5], k=3)
    with pytest.raises(SpecError, match="either edges"):
        markov(wide)
    with pytest.raises(SpecError, match="strictly increasing"):
        markov(wide, edges=[0.5, 0.2])
    with pytest.raises(DataError, match="at least 2 periods"):
        markov(wide[["a"]], k=2)
    bad = wide.copy()
    bad.loc["y", "b"] = np.nan
    with pytest.raises(DataError, match="'y' in 'b'"):
        markov(bad, k=2)
    with pytest.raises(SpecError, match="3 labels"):
        markov(wide, edges=[0.3, 0.6], labels=["low", "high"])


def test_quantiles_of_tied_or_constant_values() -> None:
    flat = pd.DataFrame(0.5, index=list("abcd"), columns=["t1", "t2"])
    with pytest.raises(DataError, match=r"every value is 0\.5"):
        markov(flat, k=3)
    pairs = pd.DataFrame({"entity_a": list("abc"), "entity_b": list("bcd")})
    with pytest.raises(DataError, match=r"every value is 0\.5"):
        spatial_markov(flat, pairs, k=3)
    tied = pd.DataFrame({"t1": [0, 0, 0, 1.0], "t2": [0, 0, 0, 2.0]}, index=list("abcd"))
    r = markov(tied, k=4)
    assert len(r.classes) < 4 and any("tied values" in n for n in r.notes)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.lists(st.floats(0, 1, allow_nan=False), min_size=4, max_size=4),
        min_size=3,
        max_size=8,
    )
)
def test_rows_sum_to_one_or_are_nan_and_counts_add_up(rows: list[list[float]]) -> None:
    wide = pd.DataFrame(rows, columns=["t1", "t2", "t3", "t4"])
    r = markov(wide, edges=[0.25, 0.5, 0.75])
    assert r.counts.to_numpy().sum() == len(rows) * 3
    sums = r.P.sum(axis=1, min_count=1)
    assert ((sums - 1).abs() < 1e-12).where(sums.notna(), r.P.isna().all(axis=1)).all()
    ss = r.steady_state.to_numpy()
    if not np.isnan(ss).any():
        assert ss.sum() == pytest.approx(1.0)
        p = r.P.fillna(0).to_numpy()
        np.testing.assert_allclose(ss @ p, ss, atol=1e-9)


@given(st.integers(2, 7), st.integers(0, 2**32 - 1), st.floats(0.0, 0.8))
@settings(max_examples=60, deadline=None)
def test_stationary_distributions_equal_giddy_steady_state(k: int, seed: int, sparsity: float):
    # giddy.ergodic.steady_state (quantecon MarkovChain, numba-compiled) is the peer: one
    # row per recurrent class, irreducible, reducible and periodic chains alike.
    ergodic = pytest.importorskip("giddy.ergodic")
    rng = np.random.default_rng(seed)
    p = rng.random((k, k)) * (rng.random((k, k)) >= sparsity)
    p[np.arange(k), rng.integers(0, k, k)] += 0.1  # every row leads somewhere
    p /= p.sum(axis=1, keepdims=True)
    got = _stationary(p)
    want = np.atleast_2d(ergodic.steady_state(p))
    assert got.shape == want.shape
    # the same classes, in either order: sort the rows by where their mass is
    got, want = (a[np.lexsort((a > 0).T)] for a in (got, want))
    np.testing.assert_allclose(got, want, atol=1e-12)

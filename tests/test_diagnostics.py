"""Diagnostics in the model: spec [diagnostics] → Result tables → summary (METHOD.md §6–§7).

The kernels have their own hand-calculated and published tests (tests/methods,
tests/reference); here each table is checked against the kernel called directly on the
fitted arrays, and against hand calculations on a panel small enough for paper.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

import cosyn
from cosyn import DataError, SpecError
from cosyn.datasets import data_path, load_spec

HAND = pd.DataFrame(
    {
        "t": [2001, 2002, 2003, 2004, 2005],
        "a1": [1.0, 2.0, 3.0, 5.0, 8.0],
        "a2": [4.0, 3.0, 3.5, 2.0, 1.0],
        "b1": [10.0, 12.0, 15.0, 14.0, 20.0],
    }
)


def hand_spec(**diagnostics: object) -> dict:
    return {
        "period": "t",
        "method": {"margin": 0.0},
        "subsystems": {
            "A": {"indicators": {"a1": "+", "a2": "-"}},
            "B": {"indicators": {"b1": "+"}},
        },
        "diagnostics": diagnostics,
    }


@pytest.fixture(scope="module")
def trade() -> cosyn.Result:
    spec = load_spec("trade_model").to_dict()
    spec["diagnostics"] = {
        "gra": True,
        "coupling": "wang",
        "obstacles": 2,
        "forecast": 2,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cosyn.CosynWarning)
        return cosyn.fit(data_path("trade.csv"), spec)


def test_tables_not_asked_for_say_how_to_ask():
    res = cosyn.fit(HAND, hand_spec())
    assert res.diagnostics is None
    with pytest.raises(SpecError, match=r"Result.gra was not computed: add gra = true"):
        _ = res.grey_relation
    with pytest.raises(SpecError, match=r"add forecast = 3 under \[diagnostics\]"):
        _ = res.forecast


def test_grey_relation_against_the_kernel_and_flags(trade):
    g = trade.grey_relation
    assert list(g.columns) == ["entity", "subsystem", "indicator", "grade", "weak"]
    e, j = 2, 0  # luggage_leather, cluster_trade: its two indicators against its μ
    expected = cosyn.methods.grey_relational_grades(trade.mu[e, :, j], trade.u[e, :, :2])
    rows = g[(g.entity == "luggage_leather") & (g.subsystem == "cluster_trade")]
    np.testing.assert_allclose(rows.grade, expected)
    assert (g.weak == (g.grade < 0.6)).all()
    assert g.grade.between(0, 1, inclusive="right").all()


def test_grey_cross_matrix(trade):
    c = trade.grey_cross
    assert len(c) == 5 * 2 * 2
    row = c[
        (c.entity == "jewelry")
        & (c.indicator == "cluster_export")
        & (c.other_indicator == "city_import")
    ]
    expected = cosyn.grey_relational_grade(trade.u[3, :, 1], trade.u[3, :, 2:])
    assert row.grade.item() == pytest.approx(expected[0])


def test_gra_by_hand():
    # One indicator per subsystem B: b1's u is μ_B itself, so its grade is exactly 1.
    res = cosyn.fit(HAND, hand_spec(gra=True))
    g = res.grey_relation
    assert g[g.indicator == "b1"].grade.item() == pytest.approx(1.0)


def test_coupling_table_by_hand():
    res = cosyn.fit(HAND, hand_spec(coupling="classic"))
    c = res.coupling
    assert list(c.columns) == ["entity", "period", "C", "T", "D", "level", "coupling_stage"]
    mu = res.mu[0]
    t = 2  # 2003
    u1, u2 = mu[t]
    C = 2 * math.sqrt(u1 * u2) / (u1 + u2)
    T = (u1 + u2) / 2
    assert c.C.iloc[t] == pytest.approx(C) and c["T"].iloc[t] == pytest.approx(T)
    assert c.D.iloc[t] == pytest.approx(math.sqrt(C * T))
    # 2001: both μ are 0 with margin 0 → C = T = D = 0, the first level and stage.
    assert c.iloc[0][["C", "T", "D"]].tolist() == [0.0, 0.0, 0.0]
    assert c.level.iloc[0] == "extreme imbalance" and c.coupling_stage.iloc[0] == (
        "low-level coupling"
    )


def test_coupling_weights_enter_T():
    res = cosyn.fit(HAND, hand_spec(coupling="classic", coupling_weights={"A": 3, "B": 1}))
    mu = res.mu[0, 3]
    assert res.coupling["T"].iloc[3] == pytest.approx(0.75 * mu[0] + 0.25 * mu[1])


def test_obstacles_by_hand():
    res = cosyn.fit(HAND, hand_spec(obstacles=2))
    o = res.obstacles
    assert list(o.columns) == ["entity", "period", "rank", "subsystem", "indicator", "obstacle"]
    assert o.groupby("period").size().tolist() == [2] * 5
    # F_i = W_j·φ_i with W = 1/2 each; I = 1 − u. In 2005 b1 and a1 are at their maxima
    # (u = 1) and a2 at its minimum, which for a negative indicator is u = 1: nothing holds
    # the system back, all shares 0 (the documented convention).
    last = o[o.period == 2005]
    assert last.obstacle.tolist() == [0.0, 0.0]
    # 2003: by hand from the fitted u and φ.
    u, phi = res.u[0, 2], res.weight_values[0]
    f = phi * np.array([0.5, 0.5, 0.5])
    shares = f * (1 - u) / (f * (1 - u)).sum()
    year = o[o.period == 2003]
    assert year.obstacle.tolist() == pytest.approx(sorted(shares, reverse=True)[:2])
    assert year.indicator.iloc[0] == ["a1", "a2", "b1"][int(np.argmax(shares))]


def test_forecast_table_and_future_periods(trade):
    f = trade.forecast
    assert {"entity", "series", "period", "kind", "value", "grade"} <= set(f.columns)
    one = f[(f.entity == "jewelry") & (f.series == "city_trade")]
    assert one[one.kind == "forecast"].period.tolist() == [2022, 2023]
    expected = cosyn.gm11(trade.mu[3, :, 1], horizon=2)
    np.testing.assert_allclose(one[one.kind == "forecast"].value, expected.forecast)
    np.testing.assert_allclose(one[one.kind == "fit"].observed, trade.mu[3, :, 1])
    syn = f[(f.entity == "jewelry") & (f.series == "synergy")]
    assert syn.period.tolist()[0] == 2011 and syn.period.tolist()[-1] == 2023
    assert "forecast" in trade.summary() and "GM(1,1)" in trade.summary()


def test_forecast_needs_four_periods():
    with pytest.raises(DataError, match="forecast needs at least 4 periods"):
        cosyn.fit(HAND.iloc[:3], hand_spec(forecast=2))


def test_forecast_skips_flat_series_with_a_note():
    data = HAND.assign(b1=[10.0, 12.0, 12.0, 12.0, 12.0])
    with pytest.warns(cosyn.CosynWarning, match="forecast skipped for series that are too"):
        res = cosyn.fit(data, hand_spec(forecast=1))
    assert "B" not in set(res.forecast.series)


def test_summary_has_a_line_per_diagnostic(trade):
    text = trade.summary()
    for word in ("grey relation", "coupling       wang", "obstacles", "forecast"):
        assert word in text


@pytest.mark.parametrize(
    ("periods", "expected"),
    [
        ([2000, 2002, 2004, 2006, 2008], [2010, 2012]),
        (
            list(pd.period_range("2020Q1", periods=5, freq="Q")),
            list(pd.period_range("2021Q2", periods=2, freq="Q")),
        ),
        (["w", "x", "y", "z", "zz"], ["t+1", "t+2"]),
    ],
)
def test_forecast_periods_continue_the_data(periods, expected):
    data = HAND.assign(t=periods)
    if isinstance(periods[0], str):
        data["t"] = pd.Categorical(periods, categories=periods, ordered=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cosyn.CosynWarning)
        res = cosyn.fit(data, hand_spec(forecast=2))
    f = res.forecast
    assert f[f.kind == "forecast"].period.tolist()[:2] == expected


def test_forecast_table_is_empty_when_every_series_is_skipped():
    data = HAND.assign(
        a1=[1.0, 2.0, 2.0, 2.0, 2.0], a2=[4.0, 3.0, 3.0, 3.0, 3.0], b1=[1.0, 5.0, 5.0, 5.0, 5.0]
    )
    with pytest.warns(cosyn.CosynWarning, match="forecast skipped"):
        res = cosyn.fit(data, hand_spec(forecast=1))
    assert res.forecast.empty and "value" in res.forecast.columns


def test_robustness_table_and_reproducibility():
    spec = hand_spec(robustness={"draws": 200, "seed": 3})
    spec["entity"] = "e"
    data = pd.concat([HAND.assign(e="p"), HAND.assign(e="q", b1=HAND.b1[::-1].to_numpy())])
    res = cosyn.fit(data, spec)
    r = res.robustness
    assert list(r.columns) == [
        "entity",
        "base_period",
        "period",
        "synergy",
        "median",
        "p5",
        "p95",
        "stage_agreement",
        "rank",
        "rank_p5",
        "rank_p95",
    ]
    np.testing.assert_allclose(r.synergy, res.synergy.synergy)
    assert (r.p5 <= r["median"]).all() and (r["median"] <= r.p95).all()
    assert r.stage_agreement.between(0, 1).all() and r["rank"].isin([1, 2]).all()
    again = cosyn.fit(data, spec).robustness
    pd.testing.assert_frame_equal(r, again)
    assert "robustness     200 draws" in res.summary()

"""Diagnostics in the model: spec [diagnostics] → Result tables → summary (METHOD.md §6–§7).

The kernels have their own hand-calculated and published tests (tests/methods,
tests/reference); here each table is checked against the kernel called directly on the
fitted arrays, and against hand calculations on a panel small enough for paper.
"""

from __future__ import annotations

import math
import re
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


def fit_noting(data: pd.DataFrame, spec: dict, pattern: str) -> cosyn.Result:
    """Fit, and check that one of the notes (CosynWarnings) matches ``pattern``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = cosyn.fit(data, spec)
    notes = [str(w.message) for w in caught if issubclass(w.category, cosyn.CosynWarning)]
    assert any(re.search(pattern, n) for n in notes), notes
    return res


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
    assert list(c.columns) == [
        "entity", "period", "C", "T", "D", "level", "coupling_stage", "E", "lag"
    ]  # fmt: skip
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
    assert list(o.columns) == [
        "entity", "period", "rank", "subsystem", "indicator", "obstacle", "FI"
    ]  # fmt: skip
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
    pattern = r"forecast skipped for series it cannot fit: B of .all. \(constant"
    res = fit_noting(data, hand_spec(forecast=1), pattern)
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
    res = fit_noting(data, hand_spec(forecast=1), "forecast skipped")
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


# ---------------------------------------------------------------------------------------
# published conventions (METHOD.md §8), each by hand
# ---------------------------------------------------------------------------------------

TWO = pd.DataFrame(
    {
        "t": [1, 2, 3, 4],
        "a": [0.0, 1.0, 2.0, 4.0],
        "b": [0.0, 2.0, 1.0, 4.0],
    }
)


def two_spec(**diagnostics: object) -> dict:
    return {
        "period": "t",
        "method": {"margin": 0.0},
        "subsystems": {
            "A": {"label": "Trade", "indicators": {"a": "+"}},
            "B": {"label": "Cluster", "indicators": {"b": "+"}},
        },
        "diagnostics": diagnostics,
    }


def test_relative_development_degree_and_lag_by_hand():
    # margin 0, one indicator each: μ_A = a/4 = 0, .25, .5, 1; μ_B = b/4 = 0, .5, .25, 1.
    # E = μ_A/μ_B: t=1: 0/0 → undefined (empty), both at 0: synchronous;
    # t=2: .25/.5 = 0.5 < 0.8 → Trade lags; t=3: .5/.25 = 2 > 1.2 → Cluster lags;
    # t=4: 1/1 = 1 → synchronous.
    c = cosyn.fit(TWO, two_spec(coupling="classic")).coupling
    assert c.E.iloc[1:].tolist() == [0.5, 2.0, 1.0] and math.isnan(c.E.iloc[0])
    assert c.lag.tolist() == ["synchronous", "Trade lags", "Cluster lags", "synchronous"]
    # edges [0.4, 2.5]: 0.5 and 2 are both inside → synchronous
    c = cosyn.fit(TWO, two_spec(coupling="classic", lag_edges=[0.4, 2.5])).coupling
    assert c.lag.tolist() == ["synchronous"] * 4
    # the edges are closed: E = 0.5 with edges [0.5, 2] is synchronous, so is E = 2
    c = cosyn.fit(TWO, two_spec(coupling="classic", lag_edges=[0.5, 2.0])).coupling
    assert c.lag.tolist() == ["synchronous"] * 4


def test_relative_development_zero_denominator_when_subsystem_2_lags():
    # b = 0, 0, 1, 2 → μ_B = 0, 0, .5, 1; a = 0, 2, 3, 4 → μ_A = 0, .5, .75, 1.
    # t=2: U_2 = 0 < U_1 = .5: E undefined (would be +∞) → Cluster lags.
    data = TWO.assign(a=[0.0, 2.0, 3.0, 4.0], b=[0.0, 0.0, 1.0, 2.0])
    c = cosyn.fit(data, two_spec(coupling="classic")).coupling
    assert math.isnan(c.E.iloc[1]) and c.lag.iloc[1] == "Cluster lags"
    assert c.E.iloc[2] == pytest.approx(1.5) and c.lag.iloc[2] == "Cluster lags"


def test_coupling_input_rescale_by_hand():
    # μ_A = 0, .25, .5, 1 (min 0, max 1) → 0.01 + 0.98·μ = .01, .255, .5, .99;
    # μ_B = 0, .5, .25, 1 → .01, .5, .255, .99. t = 2: classic C = 2·sqrt(.255·.5)/(.755)
    # = 0.945987…, T = .3775, D = sqrt(C·T).
    c = cosyn.fit(TWO, two_spec(coupling="classic", coupling_input="rescale")).coupling
    C = 2 * math.sqrt(0.255 * 0.5) / 0.755
    assert c.C.iloc[1] == pytest.approx(C, rel=1e-12)
    assert c["T"].iloc[1] == pytest.approx(0.3775, rel=1e-12)
    assert c.D.iloc[1] == pytest.approx(math.sqrt(C * 0.3775), rel=1e-12)
    # t = 1: both .01 → C = 1 (where the order input gives C = 0: nothing developed)
    assert c.C.iloc[0] == pytest.approx(1.0) and c.E.iloc[0] == pytest.approx(1.0)


def test_coupling_input_rescale_with_a_constant_order_degree():
    # B has one indicator constant at 5 and margin 0.1: u = 0.5 in every period, so μ_B
    # is constant over the panel; min-max is 0/0 → 0.5 (the middle of [0.01, 0.99]),
    # with a note. μ_A rescaled: a = 0..4 → μ_A = (a + 0)/… any; check B only.
    spec = two_spec(coupling="classic", coupling_input="rescale")
    spec["method"] = {"margin": 0.1}
    data = TWO.assign(b=[5.0, 5.0, 5.0, 5.0], a=[1.0, 2.0, 3.0, 4.0])
    res = fit_noting(data, spec, r"subsystem 'B' is the same in every")
    scores = res.diagnostics.coupling_scores
    np.testing.assert_array_equal(scores[0, :, 1], 0.5)
    np.testing.assert_allclose(scores[0, :, 0], [0.01, 0.01 + 0.98 / 3, 0.01 + 1.96 / 3, 0.99])


def test_coupling_scales_from_the_spec():
    # custom scales: D ≤ 0.5 "low", else "high"; C ≤ 0.9 "loose", else "tight".
    # t = 4: μ = (1, 1): C = 1, D = 1 → high, tight; t = 2: C = 2·sqrt(.125)/.75 = .9428
    # → tight, T = .375, D = sqrt(.9428·.375) = .5946 → high.
    spec = two_spec(
        coupling="classic",
        coupling_levels={"edges": [0.5], "names": ["low", "high"]},
        coupling_stages={"edges": [0.9], "names": ["loose", "tight"]},
    )
    c = cosyn.fit(TWO, spec).coupling
    assert c.level.tolist() == ["low", "high", "high", "high"]
    assert c.coupling_stage.tolist() == ["loose", "tight", "tight", "tight"]


def test_obstacles_shares_and_unscaled_products_by_hand():
    # t = 2: u = (.25, .5), φ = 1 each, W = 1/2: F·I = .5·.75 = .375 and .5·.5 = .25;
    # O = .375/.625 = .6 and .4.
    o = cosyn.fit(TWO, two_spec(obstacles=2)).obstacles
    year = o[o.period == 2]
    assert year.indicator.tolist() == ["a", "b"]
    assert year.FI.tolist() == pytest.approx([0.375, 0.25], rel=1e-15)
    assert year.obstacle.tolist() == pytest.approx([0.6, 0.4], rel=1e-15)
    # t = 4: every u = 1 — nothing holds the system back: F·I = 0 and O = 0
    assert o[o.period == 4].FI.tolist() == [0.0, 0.0]


def test_gm11_with_a_equal_0_is_skipped_with_a_note():
    # a = 1, 3, 1, 3 (margin 0.1): μ_A = (x − 0.9)/2.4 alternates, so GM(1,1)'s a = 0
    # (no exponential trend). The series is skipped, named in a note; the rest is fitted.
    data = pd.DataFrame({"t": [1, 2, 3, 4], "a": [1.0, 3.0, 1.0, 3.0], "b": [1.0, 2, 3, 4]})
    spec = two_spec(forecast=2)
    spec["method"] = {"margin": 0.1}
    res = fit_noting(data, spec, r"Trade of 'all' \(no exponential trend \(a = 0\)\)")
    f = res.forecast
    assert "A" not in set(f.series) and "B" in set(f.series)
    assert np.isfinite(f.value).all()


def test_forecast_outside_the_range_is_clipped_and_flagged():
    # μ_A grows fast to 1 (u = 0, .5, .9, 1 with margin 0): GM(1,1) forecasts pass 1 and
    # are clipped to 1, with clipped = True; μ stays in [0, 1] in the table.
    data = pd.DataFrame({"t": [1, 2, 3, 4], "a": [0.0, 5.0, 9.0, 10.0], "b": [1.0, 2, 3, 5]})
    res = fit_noting(data, two_spec(forecast=3), "clipped")
    f = res.forecast
    mu = f[f.series != "synergy"]
    assert mu.value.between(0, 1).all() and f[f.series == "synergy"].value.between(-1, 1).all()
    assert f.clipped.any() and (f[f.clipped].value.abs() == 1).all()
    assert set(f.level_ratio) <= {"passed", "shifted"}
    assert (f.level_ratio == np.where(f.level_ratio_ok, "passed", "shifted")).all()


def test_gra_normalize_initial_with_a_series_starting_at_0_names_it():
    # margin 0: every u starts at its minimum 0 when the series starts at its minimum
    with pytest.raises(DataError, match=r"gra_normalize = 'initial'.*indicator 'a1'.*'none'"):
        cosyn.fit(HAND, hand_spec(gra=True, gra_normalize="initial"))


def test_robustness_point_equals_the_fit_with_explicit_bounds():
    # explicit bounds on a1 (0 to 10) and b1 (5 to 25): the robustness point estimate is
    # the fit's U; with margin fixed at the point margin and κ → ∞ (no spread), so are the
    # median and the band.
    spec = hand_spec(robustness={"draws": 20, "margin": [0.1, 0.1], "concentration": 1e30})
    spec["method"] = {"margin": 0.1}
    spec["subsystems"]["A"]["indicators"] = {
        "a1": {"direction": "+", "lower": 0, "upper": 10},
        "a2": "-",
    }
    spec["subsystems"]["B"]["indicators"] = {"b1": {"direction": "+", "lower": 5, "upper": 25}}
    res = cosyn.fit(HAND, spec)
    r = res.robustness
    np.testing.assert_array_equal(r.synergy, res.synergy.synergy)
    np.testing.assert_allclose(r["median"], res.synergy.synergy, rtol=0, atol=1e-12)
    np.testing.assert_allclose(r.p5, res.synergy.synergy, rtol=0, atol=1e-9)
    assert (r.stage_agreement == 1).all()


def test_robustness_scope_entity_or_panel():
    # two entities with the same data and weights: per-entity draws differ, so their U
    # bands differ; one shared draw gives them identical bands
    data = pd.concat([HAND.assign(e="p"), HAND.assign(e="q")])
    bands = {}
    for scope in ("entity", "panel"):
        spec = hand_spec(robustness={"draws": 50, "seed": 1})
        spec["entity"] = "e"
        spec["method"] = {"margin": 0.0, "weights_scope": scope}
        r = cosyn.fit(data, spec).robustness
        bands[scope] = (r[r.entity == "p"].p95.to_numpy(), r[r.entity == "q"].p95.to_numpy())
    assert not np.array_equal(*bands["entity"])
    np.testing.assert_array_equal(*bands["panel"])


def test_robustness_draws_of_an_entity_are_keyed_by_its_label():
    # each entity's weights come from a stream keyed by its label: fitting some of the
    # entities, in another order, gives them the same bands (bounds and weights per
    # entity); the key is the first 16 bytes of BLAKE2b of the label, as 4 words
    import hashlib

    from cosyn.diagnostics import entity_keys

    digest = hashlib.blake2b("北京".encode(), digest_size=16).digest()
    expected = [int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4)]
    np.testing.assert_array_equal(entity_keys(["北京", 7])[0], expected)
    assert entity_keys([7])[0].tolist() == entity_keys(["7"])[0].tolist()
    rng = np.random.default_rng(5)
    frames = []
    for n, name in enumerate(["北京", "上海", "广州", "深圳"]):
        frame = HAND.copy()
        frame[["a1", "a2", "b1"]] *= rng.uniform(0.8, 1.2, size=(5, 3)) * (1 + n)
        frames.append(frame.assign(e=name))
    data = pd.concat(frames, ignore_index=True)
    spec = hand_spec(robustness={"draws": 60, "seed": 4})
    spec["entity"] = "e"
    whole = cosyn.fit(data, spec).robustness.set_index(["entity", "period"])
    some = data[data.e.isin(["深圳", "上海"])].iloc[::-1]
    part = cosyn.fit(some, spec).robustness.set_index(["entity", "period"])
    columns = ["synergy", "median", "p5", "p95", "stage_agreement"]
    pd.testing.assert_frame_equal(part[columns], whole.loc[part.index, columns])
    assert part["rank"].max() == 2 and whole["rank"].max() == 4  # ranks: among those fitted


def test_gm11_overflow_is_skipped_with_a_note_never_inf():
    # the spec bounds the horizon (diagnostics.forecast ≤ 100), so a horizon long enough to
    # overflow e^(−a·k) is reached here through the pipeline's own function: the series
    # whose forecast overflows is skipped and named; no value is infinite.
    from cosyn.diagnostics import _forecast
    from cosyn.spec import Spec

    spec = Spec.from_dict(two_spec())
    mu = np.array([[[0.05, 0.1], [0.1, 0.2], [0.2, 0.3], [0.4, 0.45]]])  # μ_A doubles
    synergy = np.array([[0.1, 0.2, 0.3]])
    notes: list[str] = []
    fc = _forecast(mu, synergy, 2500, spec, pd.Index(["r"]), notes)
    assert any("Trade of 'r' (forecast overflows)" in n for n in notes)
    assert not fc.order_fitted[0]
    for batch in (fc.order, fc.synergy):
        if batch is not None:
            assert np.isfinite(batch.forecast).all()


def test_relative_development_for_three_subsystems_by_hand():
    # margin 0, one indicator each, t = 2: μ = (.25, .5, .75) (a, b, c at a quarter, half
    # and three quarters of their range): mean .5, E = (.5, 1, 1.5) → A lags (C leads,
    # but a lagging subsystem is named first); t = 4: all 1 → synchronous.
    data = pd.DataFrame(
        {"t": [1, 2, 3, 4], "a": [0.0, 1, 2, 4], "b": [0.0, 2, 3, 4], "c": [0.0, 3, 1, 4]}
    )
    spec = {
        "period": "t",
        "method": {"margin": 0.0},
        "subsystems": {n.upper(): {"indicators": {n: "+"}} for n in "abc"},
        "diagnostics": {"coupling": "classic"},
    }
    c = cosyn.fit(data, spec).coupling
    assert ["E_A", "E_B", "E_C", "lag"] == list(c.columns[-4:])
    assert c.loc[1, ["E_A", "E_B", "E_C"]].tolist() == pytest.approx([0.5, 1.0, 1.5])
    assert c.lag.tolist() == ["synchronous", "A lags", "C lags", "synchronous"]
    # t = 3: μ = (.5, .75, .25), mean .5: E = (1, 1.5, .5) → C lags
    assert c.loc[2, ["E_A", "E_B", "E_C"]].tolist() == pytest.approx([1.0, 1.5, 0.5])

"""The whole pipeline against hand calculations, option by option (METHOD.md §0–§5)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

import cosyn
from cosyn import CosynWarning, DataError, SpecError

# One entity, three periods; subsystem A = {a1, a2}, subsystem B = {b1}.
# With margin 0 the bounds are the observed min and max, so by hand:
#   u(a1) = [0, 0.5, 1]      from a1 = [1, 2, 3]
#   u(a2) = [0, 0.25, 1]     from a2 = [1, 1.5, 3]
#   u(b1) = [0, 1/3, 1]      from b1 = [10, 20, 40]
# Entropy of u over the 3 periods:
#   a1: p = [0, 1/3, 2/3], E = (1/3 ln 3 + 2/3 ln 1.5)/ln 3 = 0.579380, d = 0.420620
#   a2: p = [0, 0.2, 0.8], E = (0.2 ln 5 + 0.8 ln 1.25)/ln 3 = 0.455486, d = 0.544514
#   φ(a1) = 0.420620/0.965134 = 0.435815, φ(a2) = 0.564185, φ(b1) = 1
#   μ_A = [0, 0.435815·0.5 + 0.564185·0.25, 1] = [0, 0.358954, 1];  μ_B = [0, 1/3, 1]
#   U(t1→t2) = sqrt(0.358954 · 1/3) = 0.345906;  U(t1→t3) = sqrt(1 · 1) = 1
HAND = pd.DataFrame(
    {
        "t": [1, 2, 3],
        "a1": [1.0, 2.0, 3.0],
        "a2": [1.0, 1.5, 3.0],
        "b1": [10.0, 20.0, 40.0],
    }
)


def hand_spec(**method: object) -> dict:
    return {
        "period": "t",
        "method": {"margin": 0.0, **method},
        "subsystems": {
            "A": {"indicators": {"a1": "+", "a2": "+"}},
            "B": {"indicators": {"b1": "+"}},
        },
    }


def test_hand_calculation_default_weighted_sum_entropy():
    res = cosyn.fit(HAND, hand_spec())
    np.testing.assert_allclose(res.u[0, :, 0], [0, 0.5, 1])
    np.testing.assert_allclose(res.u[0, :, 1], [0, 0.25, 1])
    np.testing.assert_allclose(res.u[0, :, 2], [0, 1 / 3, 1])
    np.testing.assert_allclose(res.weight_values[0], [0.435815, 0.564185, 1.0], atol=1e-6)
    np.testing.assert_allclose(res.mu[0, :, 0], [0, 0.358954, 1], atol=1e-6)
    np.testing.assert_allclose(res.synergy_values[0], [0.345906, 1.0], atol=1e-6)
    table = res.synergy
    assert list(table.columns) == ["entity", "base_period", "period", "synergy", "level", "stage"]
    assert table.entity.tolist() == ["all", "all"]
    assert table.base_period.tolist() == [1, 1] and table.period.tolist() == [2, 3]
    # 0.345906 is in (0.3, 0.6] "moderate" and (0.3, 0.5] "development"; 1 in (0.9, 1].
    assert table.level.tolist() == ["moderate", "extreme"]
    assert table.stage.tolist() == ["development", "mature"]


def test_margin_widens_bounds():
    # a1 = [1, 2, 3], a = 0.1: lower = 1 − 0.1 = 0.9, upper = 3 + 0.3 = 3.3, span 2.4
    # u = [0.1, 1.1, 2.1] / 2.4 = [0.041667, 0.458333, 0.875]
    res = cosyn.fit(HAND, hand_spec(margin=0.1))
    np.testing.assert_allclose(res.u[0, :, 0], [0.1 / 2.4, 1.1 / 2.4, 2.1 / 2.4])
    assert res.bounds.loc[0, ["lower", "upper"]].tolist() == pytest.approx([0.9, 3.3])


def test_negative_direction():
    spec = hand_spec()
    spec["subsystems"]["B"]["indicators"]["b1"] = "-"
    res = cosyn.fit(HAND, spec)
    # u(b1) reversed: [1, 2/3, 0]; μ_B falls, so every U is negative:
    # U(t2) = −sqrt(0.358954 · 1/3) = −0.345906, U(t3) = −sqrt(1 · 1) = −1
    np.testing.assert_allclose(res.u[0, :, 2], [1, 2 / 3, 0])
    np.testing.assert_allclose(res.synergy_values[0], [-0.345906, -1.0], atol=1e-6)
    assert res.synergy.level.tolist() == ["non-synergy"] * 2
    assert res.synergy.stage.tolist() == ["not synergistic"] * 2


def test_geometric_aggregations():
    # geometric: μ_A(t2) = sqrt(0.5 · 0.25) = 0.353553, U = sqrt(0.353553/3) = 0.343295
    res = cosyn.fit(HAND, hand_spec(aggregation="geometric"))
    assert res.mu[0, 1, 0] == pytest.approx(math.sqrt(0.125))
    assert res.synergy_values[0, 0] == pytest.approx(0.343295, abs=1e-6)
    # weighted_geometric: μ_A(t2) = 0.5^0.435815 · 0.25^0.564185 = 0.338169
    res = cosyn.fit(HAND, hand_spec(aggregation="weighted_geometric"))
    assert res.mu[0, 1, 0] == pytest.approx(0.338169, abs=1e-6)
    assert res.synergy_values[0, 0] == pytest.approx(0.335742, abs=1e-6)


def test_base_adjacent_and_named():
    # adjacent: t1→t2 as before; t2→t3: Δ_A = 1 − 0.358954, Δ_B = 1 − 1/3
    # U = sqrt(0.641046 · 0.666667) = 0.653731
    res = cosyn.fit(HAND, hand_spec(base="adjacent"))
    np.testing.assert_allclose(res.synergy_values[0], [0.345906, 0.653731], atol=1e-6)
    assert res.synergy.base_period.tolist() == [1, 2]
    named = cosyn.fit(HAND, hand_spec(base=2))
    np.testing.assert_allclose(named.synergy_values[0], [0.653731], atol=1e-6)
    assert named.synergy.base_period.tolist() == [2] and named.synergy.period.tolist() == [3]
    assert cosyn.fit(HAND, hand_spec(base="2")).synergy.base_period.tolist() == [2]


def test_base_not_a_period_or_last():
    with pytest.raises(
        SpecError,
        match=r"'method.base': 2030 is not a period of the data "
        r"\(periods: 1, 2, 3\)",
    ):
        cosyn.fit(HAND, hand_spec(base=2030))
    with pytest.raises(SpecError, match="is the last period"):
        cosyn.fit(HAND, hand_spec(base=3))


def test_equal_given_ahp_and_combined_weights():
    spec = hand_spec(weights="equal")
    assert cosyn.fit(HAND, spec).weight_values[0].tolist() == [0.5, 0.5, 1.0]
    spec = hand_spec(weights="given")
    spec["subsystems"]["A"]["weights"] = {"a1": 3, "a2": 1}  # normalised to 0.75, 0.25
    spec["subsystems"]["B"]["weights"] = {"b1": 5}
    res = cosyn.fit(HAND, spec)
    np.testing.assert_allclose(res.weight_values[0], [0.75, 0.25, 1.0])
    # μ_A(t2) = 0.75·0.5 + 0.25·0.25 = 0.4375
    assert res.mu[0, 1, 0] == pytest.approx(0.4375)
    # AHP with a1 three times as important as a2: eigenvector (0.75, 0.25), CR = 0 (n = 2)
    spec = hand_spec(weights="ahp")
    spec["subsystems"]["A"]["ahp"] = [[1, 3], ["1/3", 1]]
    spec["subsystems"]["B"]["ahp"] = [[1]]
    res = cosyn.fit(HAND, spec)
    np.testing.assert_allclose(res.weight_values[0], [0.75, 0.25, 1.0])
    assert res.ahp_cr == {"A": 0.0, "B": 0.0}
    # combined, additive λ = 0.4: 0.4·0.75 + 0.6·0.435815 = 0.561489
    spec["method"].update(weights="combined", combine_lambda=0.4)
    res = cosyn.fit(HAND, spec)
    assert res.weight_values[0, 0] == pytest.approx(0.4 * 0.75 + 0.6 * 0.435815, abs=1e-6)
    # multiplicative: 0.75·0.435815 / (0.75·0.435815 + 0.25·0.564185) = 0.698568
    spec["method"].update(combine="multiplicative")
    res = cosyn.fit(HAND, spec)
    expected = 0.75 * 0.435815 / (0.75 * 0.435815 + 0.25 * 0.564185)
    assert res.weight_values[0, 0] == pytest.approx(expected, abs=1e-6)


def test_critic_and_cv_weights_by_hand():
    # CRITIC on u(a1) = [0, .5, 1], u(a2) = [0, .25, 1] (ddof 1):
    # σ1 = sqrt((.25 + 0 + .25)/2) = 0.5; u(a2) has mean 5/12, squared deviations
    # .173611 + .027778 + .340278 = .541667, σ2 = sqrt(.270833) = 0.520416.
    # Both C_i = σ_i·(1 − r) share the factor (1 − r): φ1 = 0.5/(0.5 + 0.520416) = 0.489996
    res = cosyn.fit(HAND, hand_spec(weights="critic"))
    assert res.weight_values[0, 0] == pytest.approx(0.5 / (0.5 + math.sqrt(0.541667 / 2)), abs=1e-6)
    # CV on raw a1 = [1, 2, 3]: σ/mean = 1/2; a2 = [1, 1.5, 3]: σ = 1.040833, mean 1.833333,
    # cv = 0.567727; φ1 = 0.5/(0.5 + 0.567727) = 0.468284
    res = cosyn.fit(HAND, hand_spec(weights="cv"))
    cv2 = math.sqrt(((1 - 11 / 6) ** 2 + (1.5 - 11 / 6) ** 2 + (3 - 11 / 6) ** 2) / 2) / (11 / 6)
    assert res.weight_values[0, 0] == pytest.approx(0.5 / (0.5 + cv2))


def test_cv_refuses_non_positive_mean():
    data = HAND.assign(a2=[-3.0, -2.0, -1.0])
    with pytest.raises(
        DataError,
        match=r"'cv' needs positive means, but indicator 'a2' has "
        r"mean -2",
    ):
        cosyn.fit(data, hand_spec(weights="cv"))


@pytest.mark.parametrize(
    ("how", "a1", "a2"),
    [
        # minmax of raw values equals u with margin 0
        ("minmax", [0, 0.5, 1], [0, 0.25, 1]),
        # rescale: 0.002 + 0.996·minmax
        ("rescale", [0.002, 0.5, 0.998], [0.002, 0.251, 0.998]),
        # shift: positive raw values are used as they are
        ("shift", [1, 2, 3], [1, 1.5, 3]),
    ],
)
def test_entropy_inputs(how, a1, a2):
    res = cosyn.fit(HAND, hand_spec(entropy_input=how))
    expected = cosyn.entropy_weights(np.array([a1, a2]).T)
    np.testing.assert_allclose(res.weight_values[0, :2], expected)


def test_entropy_input_shift_moves_non_positive_columns():
    # a2 negative: shift uses −x for a negative indicator? no — a2 is positive here with
    # values [−1, 0, 2]: min −1 ≤ 0, shifted by |−1| + 0.01 → [0.01, 1.01, 3.01]
    data = HAND.assign(a2=[-1.0, 0.0, 2.0])
    res = cosyn.fit(data, hand_spec(entropy_input="shift"))
    expected = cosyn.entropy_weights(np.array([[1, 2, 3], [0.01, 1.01, 3.01]]).T)
    np.testing.assert_allclose(res.weight_values[0, :2], expected)


def two_entities() -> pd.DataFrame:
    other = HAND.assign(a1=[2.0, 2.5, 5.0], a2=[3.0, 2.0, 6.0], b1=[1.0, 4.0, 2.0])
    return pd.concat([HAND.assign(e="x"), other.assign(e="y")], ignore_index=True)


def test_panel_bounds_and_panel_weights():
    spec = hand_spec(bounds="panel")
    spec["entity"] = "e"
    res = cosyn.fit(two_entities(), spec)
    # a1 over the panel: min 1, max 5 → u(x) = [0, 0.25, 0.5]
    np.testing.assert_allclose(res.u[0, :, 0], [0, 0.25, 0.5])
    assert res.bounds.entity.tolist() == ["*", "*", "*"]
    spec["method"]["weights_scope"] = "panel"
    res = cosyn.fit(two_entities(), spec)
    pooled = cosyn.entropy_weights(res.u[:, :, :2].reshape(6, 2))
    np.testing.assert_allclose(res.weight_values[:, :2], [pooled, pooled])


def test_entity_scope_weights_differ_per_entity():
    spec = hand_spec()
    spec["entity"] = "e"
    res = cosyn.fit(two_entities(), spec)
    np.testing.assert_allclose(res.weight_values[0], [0.435815, 0.564185, 1.0], atol=1e-6)
    np.testing.assert_allclose(res.weight_values[1, :2], cosyn.entropy_weights(res.u[1, :, :2]))
    assert res.weights.groupby(["entity", "subsystem"]).weight.sum().tolist() == pytest.approx(
        [1, 1, 1, 1]
    )


def test_three_subsystems():
    data = HAND.assign(c1=[5.0, 6.0, 9.0])
    spec = hand_spec()
    spec["subsystems"]["C"] = {"indicators": {"c1": "+"}}
    res = cosyn.fit(data, spec)
    # μ_C = [0, 0.25, 1]; U(t2) = (0.358954 · 1/3 · 0.25)^(1/3) = 0.310490
    expected = (0.3589537 * (1 / 3) * 0.25) ** (1 / 3)
    assert res.synergy_values[0, 0] == pytest.approx(expected, abs=1e-6)
    assert res.subsystem_order.subsystem.unique().tolist() == ["A", "B", "C"]


def test_imputation_regression_and_linear_are_flagged():
    data = pd.DataFrame(
        {
            "t": [2010, 2011, 2012, 2013],
            "a1": [1.0, np.nan, 3.0, 4.0],
            "b1": [np.nan, 2.0, 4.0, 6.0],
        }
    )
    spec = {
        "period": "t",
        "subsystems": {"A": {"indicators": {"a1": "+"}}, "B": {"indicators": {"b1": "+"}}},
    }
    res = cosyn.fit(data, spec)
    # a1: OLS on (2010, 1), (2012, 3), (2013, 4) gives x = 1 + (t − 2010), so 2011 → 2
    # b1: OLS on (2011, 2), (2012, 4), (2013, 6) gives x = 2 + 2(t − 2011), so 2010 → 0
    np.testing.assert_allclose(res.x[0, :, 0], [1, 2, 3, 4])
    np.testing.assert_allclose(res.x[0, :, 1], [0, 2, 4, 6], atol=1e-12)
    assert res.imputed.sum() == 2
    table = res.order_degree
    filled = table[table.imputed]
    assert list(zip(filled.period, filled.indicator, strict=True)) == [(2010, "b1"), (2011, "a1")]
    assert "2 of 8 cells filled" in res.summary()
    spec["method"] = {"impute": "linear"}
    res = cosyn.fit(data, spec)
    # linear: 2011 between 1 and 3 → 2; 2010 before the first observed → nearest, 2
    np.testing.assert_allclose(res.x[0, :, 1], [2, 2, 4, 6])


def test_impute_none_names_every_missing_cell():
    data = pd.DataFrame(
        {"e": ["p", "p", "p"], "t": [1, 2, 3], "a1": [1.0, np.nan, 3.0], "b1": [1.0, 2.0, 4.0]}
    )
    spec = hand_spec(impute="none")
    spec["entity"] = "e"
    spec["subsystems"]["A"]["indicators"] = {"a1": "+"}
    with pytest.raises(DataError) as info:
        cosyn.fit(data, spec)
    text = str(info.value)
    assert "missing values in the DataFrame with method.impute = 'none'" in text
    assert "entity 'p', period 2, indicator 'a1'" in text
    assert "set method.impute to 'regression' or 'linear'" in text


def test_single_period_refused():
    with pytest.raises(DataError, match="has a single period"):
        cosyn.fit(HAND.iloc[:1], hand_spec())


def test_constant_zero_indicator_error_and_drop():
    data = HAND.assign(a3=[0.0, 0.0, 0.0])
    spec = hand_spec(margin=0.1)
    spec["subsystems"]["A"]["indicators"]["a3"] = "+"
    with pytest.raises(DataError) as info:
        cosyn.fit(data, spec)
    assert "indicator 'a3' is constant at 0" in str(info.value)
    assert "method.on_constant = 'drop'" in str(info.value)
    spec["method"]["on_constant"] = "drop"
    with pytest.warns(CosynWarning, match="dropped"):
        res = cosyn.fit(data, spec)
    assert res.dropped == ("a3",) and "a3" not in res.indicators
    expected = cosyn.fit(HAND, hand_spec(margin=0.1))
    np.testing.assert_allclose(res.synergy_values, expected.synergy_values)


def test_constant_nonzero_indicator_gets_weight_zero():
    # With a margin, a constant 5 has bounds 4.5 and 5.5, u = 0.5 everywhere: p uniform,
    # E = 1, d = 0, weight 0 — the other indicators decide.
    data = HAND.assign(a3=[5.0, 5.0, 5.0])
    spec = hand_spec(margin=0.1)
    spec["subsystems"]["A"]["indicators"]["a3"] = "+"
    res = cosyn.fit(data, spec)
    assert res.weight_values[0, 2] == 0.0


def test_every_constant_indicator_gives_equal_weights_with_warning():
    data = HAND.assign(a1=[5.0] * 3, a2=[7.0] * 3)
    with pytest.warns(CosynWarning, match="no indicator of subsystem 'A' carries entropy"):
        res = cosyn.fit(data, hand_spec(margin=0.1))
    np.testing.assert_allclose(res.weight_values[0, :2], [0.5, 0.5])
    assert "no indicator of subsystem 'A'" in res.summary()


def test_explicit_bounds_clip_with_warning():
    spec = hand_spec()
    spec["subsystems"]["A"]["indicators"] = [
        {"column": "a1", "lower": 0, "upper": 2.5},
        {"column": "a2"},
    ]
    with pytest.warns(CosynWarning, match=r"period 3, indicator 'a1' = 3"):
        res = cosyn.fit(HAND, spec)
    # u(a1) = x / 2.5 = [0.4, 0.8, 1.2 → clipped to 1]
    np.testing.assert_allclose(res.u[0, :, 0], [0.4, 0.8, 1.0])


def test_custom_stage_edges():
    spec = hand_spec()
    spec["stages"] = {"edges": [0, 0.5], "names": ["none", "early", "late"]}
    res = cosyn.fit(HAND, spec)
    assert res.synergy.stage.tolist() == ["early", "late"]


def test_synergy_zero_is_positive_zero():
    # b1 does not move from t1 to t2: Δ_B = 0 → U = +0.0
    data = HAND.assign(b1=[10.0, 10.0, 40.0])
    res = cosyn.fit(data, hand_spec())
    assert res.synergy_values[0, 0] == 0.0
    assert math.copysign(1.0, res.synergy_values[0, 0]) == 1.0
    assert res.synergy.level.tolist()[0] == "non-synergy"


def test_spec_as_path_or_dict(tmp_path):
    path = tmp_path / "m.toml"
    path.write_text(
        'period = "t"\n[method]\nmargin = 0.0\n'
        '[subsystems.A]\nindicators = { a1 = "+", a2 = "+" }\n'
        '[subsystems.B]\nindicators = { b1 = "+" }\n',
        encoding="utf-8",
    )
    np.testing.assert_allclose(
        cosyn.fit(HAND, path).synergy_values, cosyn.fit(HAND, hand_spec()).synergy_values
    )
    with pytest.raises(SpecError, match=r"spec must be a cosyn\.Spec"):
        cosyn.fit(HAND, 42)  # type: ignore[arg-type]


def test_tables_and_xarray_shapes():
    res = cosyn.fit(two_entities(), {**hand_spec(), "entity": "e"})
    assert res.order_degree.shape == (2 * 3 * 3, 8)
    assert list(res.order_degree.columns) == [
        "entity",
        "period",
        "subsystem",
        "indicator",
        "value",
        "imputed",
        "u",
        "in_use",
    ]
    assert res.order_degree.in_use.all()
    assert list(res.weights.columns) == ["entity", "subsystem", "indicator", "weight"]
    assert list(res.subsystem_order.columns) == ["entity", "period", "subsystem", "order"]
    assert res.synergy.shape == (4, 6)
    ds = res.to_xarray()
    assert ds.u.dims == ("entity", "period", "indicator")
    assert ds.synergy.sel(entity="x").values.tolist() == pytest.approx([0.345906, 1.0], abs=1e-6)
    assert "cosyn.Result" in repr(res)


def test_no_warning_on_clean_data():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cosyn.fit(HAND, hand_spec())


def test_entity_blocks_in_threads_give_identical_results(monkeypatch):
    import importlib

    fit_module = importlib.import_module("cosyn.fit")
    rng = np.random.default_rng(5)
    E, T = 7, 6
    data = pd.DataFrame(
        {
            "e": np.repeat([f"r{i}" for i in range(E)], T),
            "t": np.tile(np.arange(T), E),
            "a1": rng.uniform(1, 9, E * T),
            "a2": rng.uniform(1, 9, E * T),
            "b1": rng.uniform(1, 9, E * T),
        }
    )
    spec = {**hand_spec(margin=0.1), "entity": "e"}
    monkeypatch.setattr(fit_module, "MIN_BLOCK_ENTITIES", 10**9)
    assert len(fit_module._entity_blocks(E)) == 1
    serial = cosyn.fit(data, spec)
    monkeypatch.setattr(fit_module, "MIN_BLOCK_ENTITIES", 1)
    monkeypatch.setattr(fit_module.os, "cpu_count", lambda: 3)
    if hasattr(fit_module.os, "sched_getaffinity"):
        monkeypatch.setattr(fit_module.os, "sched_getaffinity", lambda _: {0, 1, 2})
    assert len(fit_module._entity_blocks(E)) == 3
    blocked = cosyn.fit(data, spec)
    np.testing.assert_array_equal(blocked.u, serial.u)
    np.testing.assert_array_equal(blocked.weight_values, serial.weight_values)
    np.testing.assert_array_equal(blocked.synergy_values, serial.synergy_values)


# ---------------------------------------------------------------------------------------
# Edges (METHOD.md §8): round-off, overflow, constant series, explicit bounds, weights
# after a drop, extrapolation, critic_input
# ---------------------------------------------------------------------------------------

ROUNDOFF = pd.DataFrame({"period": [2020, 2021], "a": [1, 2], "b1": [1, 2], "b2": [10, 5]})
ROUNDOFF_SPEC = {
    "subsystems": {
        "A": {"indicators": {"a": "+"}},
        "B": {"indicators": {"b1": "+", "b2": "+"}},
    }
}


def test_roundoff_delta_is_no_synergy():
    # Margin 0.1. a: bounds 0.9, 2.2 → u = [1/13, 12/13]. b1 likewise [1/13, 11/13];
    # b2: bounds 4.5, 11 → u = [11/13, 1/13]. Entropy weights of b1, b2 are equal (both
    # p = {1/12, 11/12}), so μ_B = (1/13 + 11/13)/2 = 6/13 in both periods: Δ_B = 0
    # exactly, U = +0.0 and "non-synergy" (it was 6.5e-9, "low", before METHOD.md §8).
    res = cosyn.fit(ROUNDOFF, ROUNDOFF_SPEC)
    np.testing.assert_allclose(res.mu[0, :, 1], [6 / 13, 6 / 13], rtol=1e-15)
    U = res.synergy_values[0, 0]
    assert U == 0.0 and math.copysign(1.0, U) == 1.0
    assert res.synergy.level.tolist() == ["non-synergy"]
    assert res.synergy.stage.tolist() == ["not synergistic"]


def test_nan_synergy_never_reaches_the_level_lookup(monkeypatch):
    import importlib

    fit_module = importlib.import_module("cosyn.fit")
    real = fit_module.synergy_path

    def broken(mu, base):
        U, t0, t1 = real(mu, base)
        U[0, -1] = np.nan
        return U, t0, t1

    monkeypatch.setattr(fit_module, "synergy_path", broken)
    with pytest.raises(DataError, match=r"synergy degree of period 3 is not a number"):
        cosyn.fit(HAND, hand_spec())


@pytest.mark.parametrize(
    ("column", "values", "fragment"),
    [
        # 1.7e308 · 1.1 > 1.797e308, the largest double
        ("a1", [1.0, 2.0, 1.7e308], r"period 3, indicator 'a1' = 1\.7e\+308: widened by "),
        ("a1", [-1.7e308, 2.0, 3.0], r"period 1, indicator 'a1' = -1\.7e\+308: .* its lower"),
    ],
)
def test_widened_bound_that_overflows_names_the_cell(column, values, fragment):
    with pytest.raises(DataError, match=fragment) as info:
        cosyn.fit(HAND.assign(**{column: values}), hand_spec(margin=0.1))
    assert "rescale the column" in str(info.value)


def test_range_wider_than_a_double_names_the_indicator():
    # margin 0: bounds −1e308 and 1e308 are finite, but upper − lower = 2e308 is not
    data = HAND.assign(a2=[-1e308, 0.0, 1e308])
    with pytest.raises(DataError, match=r"indicator 'a2' spans -1e\+308 to 1e\+308: upper − lower"):
        cosyn.fit(data, hand_spec())


def test_imputation_of_huge_values():
    spec = {
        "period": "t",
        "subsystems": {"A": {"indicators": {"a1": "+"}}, "B": {"indicators": {"b1": "+"}}},
    }
    # OLS through (1, 8e307), (2, 4e307), (4, 8e307), whose raw sum 2e308 overflows. In
    # units of 1e307: t̄ = 7/3, x̄ = 20/3; t − t̄ = (−4, −1, 5)/3, x − x̄ = (4, −8, 4)/3;
    # b = (−16 + 8 + 20)/9 / ((16 + 1 + 25)/9) = 12/42 = 2/7, a = x̄ − b·t̄ = 20/3 − 2/3 = 6
    # → x(3) = 6 + 6/7 = 48/7 · 1e307 = 6.857143e307.
    data = pd.DataFrame(
        {"t": [1, 2, 3, 4], "a1": [8e307, 4e307, np.nan, 8e307], "b1": [1.0, 2.0, 3.0, 4.0]}
    )
    res = cosyn.fit(data, {**spec, "method": {"margin": 0.0}})
    assert res.x[0, 2, 0] == pytest.approx(48 / 7 * 1e307, rel=1e-12)
    # a filled value beyond the largest double: (1, 1e308), (2, 1.7e308) → 2.4e308 at t = 3
    data = pd.DataFrame({"t": [1, 2, 3], "a1": [1e308, 1.7e308, np.nan], "b1": [1.0, 2.0, 3.0]})
    with pytest.raises(DataError, match=r"too large for double precision .* indicator 'a1'"):
        cosyn.fit(data, spec)


def test_cv_weights_of_huge_values_are_right():
    # σ/mean does not depend on the unit: a1·1e300 gives the weights of a1 (σ² of the raw
    # values would overflow).
    big = HAND.assign(a1=HAND.a1 * 1e300, a2=HAND.a2 * 1e300)
    expected = cosyn.fit(HAND, hand_spec(weights="cv")).weight_values
    np.testing.assert_allclose(cosyn.fit(big, hand_spec(weights="cv")).weight_values, expected)


def test_cv_mean_sign_of_huge_values():
    # a1 = 0.85e308 three times, then −0.85e308 four times: range 1.7e308 (finite), mean
    # −0.85e308/7 = −1.21429e307 < 0, though the raw running sum overflows to +inf after
    # the first three values. Refused with the true mean, not passed on.
    v = 0.85e308
    data = pd.DataFrame(
        {"t": range(7), "a1": [v, v, v, -v, -v, -v, -v], "b1": [1.0, 2, 3, 4, 5, 6, 8]}
    )
    spec = {
        "period": "t",
        "method": {"weights": "cv", "margin": 0.0},
        "subsystems": {"A": {"indicators": {"a1": "+"}}, "B": {"indicators": {"b1": "+"}}},
    }
    with pytest.raises(DataError, match=r"indicator 'a1' has mean -1\.21429e\+307"):
        cosyn.fit(data, spec)


def test_entropy_shift_of_huge_values():
    # p = x/Σx is scale free: (1, 2, 3)·1e307 sums past 1.8e308 and x·ln x overflows,
    # yet the weights are those of (1, 2, 3)
    data = HAND.assign(a1=HAND.a1 * 1e307)
    expected = cosyn.fit(HAND, hand_spec(entropy_input="shift")).weight_values
    np.testing.assert_allclose(
        cosyn.fit(data, hand_spec(entropy_input="shift")).weight_values, expected, rtol=1e-12
    )


def test_entropy_shift_that_overflows_is_refused():
    # Bounds per entity are finite (x: around 1e308, y: around −1e308), but pooled over
    # the panel (weights_scope = "panel") the shift by |min| + 0.01 of a1 overflows.
    data = two_entities().assign(a1=[1.0e308, 1.1e308, 1.2e308, -1.0e308, -1.1e308, -1.2e308])
    spec = {
        **hand_spec(entropy_input="shift", weights_scope="panel"),
        "entity": "e",
    }
    with pytest.raises(DataError, match=r"weights .* overflow double precision .* 'a1'"):
        cosyn.fit(data, spec)


def test_minmax_of_a_range_wider_than_a_double():
    import importlib

    fit_module = importlib.import_module("cosyn.fit")
    raw = np.array([[-1.5e308], [0.0], [1.5e308]])
    np.testing.assert_allclose(fit_module._minmax(raw, np.array([True]))[:, 0], [0, 0.5, 1])
    np.testing.assert_allclose(fit_module._minmax(raw, np.array([False]))[:, 0], [1, 0.5, 0])


def test_constant_nonzero_indicator_is_noted():
    # constant 100 with margin 0.1: bounds 90, 110, u = 0.5 in every period — a note
    data = HAND.assign(a3=[100.0] * 3)
    spec = hand_spec(margin=0.1)
    spec["subsystems"]["A"]["indicators"]["a3"] = "+"
    with pytest.warns(CosynWarning, match=r"indicator 'a3' is constant at 100 — a series with no"):
        res = cosyn.fit(data, spec)
    np.testing.assert_allclose(res.u[0, :, 2], 0.5)
    assert res.weight_values[0, 2] == 0.0
    assert "indicator 'a3' is constant at 100" in res.summary()


def test_constant_nonzero_per_entity_names_the_entities():
    data = two_entities().assign(a3=[100.0, 100.0, 100.0, 1.0, 2.0, 3.0])
    spec = {**hand_spec(margin=0.1), "entity": "e"}
    spec["subsystems"]["A"]["indicators"]["a3"] = "+"
    with pytest.warns(CosynWarning, match=r"indicator 'a3' is constant at 100 for entity 'x'"):
        cosyn.fit(data, spec)


def test_constant_at_different_values_per_entity_names_each_value():
    # margin 0: a constant series has upper = lower whatever its value → an error that
    # names each entity with its value
    data = two_entities().assign(a3=[5.0, 5.0, 5.0, 7.0, 7.0, 7.0])
    spec = {**hand_spec(), "entity": "e"}
    spec["subsystems"]["A"]["indicators"]["a3"] = "+"
    with pytest.raises(
        DataError, match=r"indicator 'a3' is constant for entities 'x' \(at 5\), 'y' \(at 7\)"
    ):
        cosyn.fit(data, spec)


def drop_data() -> pd.DataFrame:
    """two_entities() with a3 constant at 0 for entity x only."""
    return two_entities().assign(a3=[0.0, 0.0, 0.0, 1.0, 2.0, 4.0])


def drop_spec(**method: object) -> dict:
    spec = {**hand_spec(on_constant="drop", **method), "entity": "e"}
    spec["subsystems"]["A"]["indicators"]["a3"] = "+"
    return spec


def test_drop_acts_per_entity_with_bounds_per_entity():
    # Entity x: a3 = [0, 0, 0] has upper = lower = 0 → left out for x only. x is then
    # the hand calculation at the top: φ = (0.435815, 0.564185, 0) in A, μ_A(t2) =
    # 0.358954, U = [0.345906, 1]. Entity y keeps a3 and equals a fit of y alone.
    with pytest.warns(CosynWarning, match=r"left out where constant .* 'a3' is constant at 0 "):
        res = cosyn.fit(drop_data(), drop_spec())
    assert res.dropped == () and res.indicators == ("a1", "a2", "a3", "b1")
    np.testing.assert_allclose(res.weight_values[0], [0.435815, 0.564185, 0.0, 1.0], atol=1e-6)
    np.testing.assert_allclose(res.mu[0, :, 0], [0, 0.358954, 1], atol=1e-6)
    np.testing.assert_allclose(res.synergy_values[0], [0.345906, 1.0], atol=1e-6)
    alone = cosyn.fit(drop_data().query("e == 'y'"), drop_spec())
    np.testing.assert_allclose(res.weight_values[1], alone.weight_values[0], rtol=1e-12)
    np.testing.assert_allclose(res.synergy_values[1], alone.synergy_values[0], rtol=1e-12)
    # tables: weight 0 and an empty u marked in_use = False for x's a3 only
    w = res.weights.set_index(["entity", "indicator"]).weight
    assert w[("x", "a3")] == 0.0 and w[("y", "a3")] > 0
    od = res.order_degree
    gone = od[~od.in_use]
    assert set(zip(gone.entity, gone.indicator, strict=True)) == {("x", "a3")}
    assert gone.u.isna().all() and od[od.in_use].u.notna().all()
    assert res.active is not None and res.active.tolist() == [
        [True, True, False, True],
        [True, True, True, True],
    ]
    assert "left out       a3 for 1 entity (constant there" in res.summary()
    ds = res.to_xarray()
    assert not ds.in_use.sel(entity="x", indicator="a3") and ds.in_use.sum() == 7


@pytest.mark.parametrize(
    ("aggregation", "mu_a2"),
    [
        # geometric over the two active indicators: sqrt(0.5 · 0.25) = 0.353553
        ("geometric", math.sqrt(0.125)),
        # weighted geometric: 0.5^0.435815 · 0.25^0.564185 = 0.338169
        ("weighted_geometric", 0.338169),
    ],
)
def test_drop_per_entity_under_geometric_aggregations(aggregation, mu_a2):
    res = cosyn.fit(drop_data(), drop_spec(aggregation=aggregation))
    assert res.mu[0, 1, 0] == pytest.approx(mu_a2, abs=1e-6)
    assert np.isfinite(res.mu).all() and np.isfinite(res.synergy_values).all()


@pytest.mark.parametrize(
    ("weights", "expected_x"),
    [
        # CRITIC of x without a3: σ1 = 0.5, σ2 = 0.520416 (see test_critic_and_cv_…)
        ("critic", 0.5 / (0.5 + math.sqrt(0.541667 / 2))),
        ("equal", 0.5),
        # CV of x's raw a1, a2: 0.5 and 0.567727
        ("cv", 0.5 / (0.5 + 0.567727)),
    ],
)
def test_drop_per_entity_renormalises_objective_weights(weights, expected_x):
    res = cosyn.fit(drop_data(), drop_spec(weights=weights))
    assert res.weight_values[0, 0] == pytest.approx(expected_x, abs=1e-6)
    assert res.weight_values[0, 2] == 0.0
    assert res.weight_values[0, :3].sum() == pytest.approx(1.0)


def test_drop_per_entity_with_pooled_weights():
    # weights_scope = "panel": one set of scores over both entities (x's a3 cells count
    # as u = 0); then a3's weight is 0 for x and a1, a2 are renormalised for x.
    res = cosyn.fit(drop_data(), drop_spec(weights_scope="panel"))
    wy = res.weight_values[1, :3]
    np.testing.assert_allclose(res.weight_values[0, :3], [*(wy[:2] / wy[:2].sum()), 0.0])


def test_drop_with_panel_bounds_drops_for_all():
    # a3 constant at 0 in both entities: over the panel upper = lower → dropped for all
    data = two_entities().assign(a3=0.0)
    res = cosyn.fit(data, drop_spec(bounds="panel"))
    assert res.dropped == ("a3",) and res.active is None


def test_every_indicator_of_a_subsystem_constant_for_one_entity():
    data = drop_data().assign(b1=[0.0, 0.0, 0.0, 1.0, 4.0, 2.0])
    with pytest.raises(
        DataError, match=r"every indicator of subsystem 'B' is constant for entity 'x';"
    ):
        cosyn.fit(data, drop_spec())


def test_given_weights_are_renormalised_after_a_drop():
    # given a1 : a2 : a3 = 1 : 1 : 2 → (0.25, 0.25, 0.5); a3 dropped → (0.5, 0.5), not
    # (0.25, 0.25) summing to 0.5. μ_A(t2) = 0.5·0.5 + 0.5·0.25 = 0.375 (margin 0);
    # U(t2) = sqrt(0.375 · 1/3) = 0.353553.
    data = HAND.assign(a3=0.0)
    spec = hand_spec(weights="given", on_constant="drop")
    spec["subsystems"]["A"]["indicators"]["a3"] = "+"
    spec["subsystems"]["A"]["weights"] = {"a1": 1, "a2": 1, "a3": 2}
    spec["subsystems"]["B"]["weights"] = {"b1": 1}
    spec["diagnostics"] = {"robustness": {"draws": 20}}
    with pytest.warns(CosynWarning, match="dropped"):
        res = cosyn.fit(data, spec)
    np.testing.assert_allclose(res.weight_values[0], [0.5, 0.5, 1.0])
    assert res.mu[0, 1, 0] == pytest.approx(0.375)
    assert res.synergy_values[0, 0] == pytest.approx(math.sqrt(0.375 / 3))
    assert len(res.robustness) == 2
    # the same per entity: x drops a3, its given weights become (0.5, 0.5, 0)
    spec = drop_spec(weights="given")
    spec["subsystems"]["A"]["weights"] = {"a1": 1, "a2": 1, "a3": 2}
    spec["subsystems"]["B"]["weights"] = {"b1": 1}
    res = cosyn.fit(drop_data(), spec)
    np.testing.assert_allclose(res.weight_values, [[0.5, 0.5, 0, 1], [0.25, 0.25, 0.5, 1]])


def test_combined_weights_after_a_drop_per_entity():
    # x: subjective 1 : 1 : 2 with a3 left out → (0.5, 0.5, 0); objective entropy
    # (0.435815, 0.564185, 0). Additive λ = 0.4: a1 = 0.4·0.5 + 0.6·0.435815 = 0.461489,
    # a2 = 0.4·0.5 + 0.6·0.564185 = 0.538511.
    spec = drop_spec(weights="combined", combine_lambda=0.4)
    spec["subsystems"]["A"]["weights"] = {"a1": 1, "a2": 1, "a3": 2}
    spec["subsystems"]["B"]["weights"] = {"b1": 1}
    res = cosyn.fit(drop_data(), spec)
    np.testing.assert_allclose(res.weight_values[0], [0.461489, 0.538511, 0, 1], atol=1e-6)
    # multiplicative: ∝ 0.5·0.435815 : 0.5·0.564185 → the entropy weights themselves
    spec["method"]["combine"] = "multiplicative"
    res = cosyn.fit(drop_data(), spec)
    np.testing.assert_allclose(res.weight_values[0], [0.435815, 0.564185, 0, 1], atol=1e-6)


def test_given_weights_of_a_spec_built_directly_are_normalised():
    from dataclasses import replace

    spec = cosyn.Spec.from_dict(
        {
            **hand_spec(weights="given"),
            "subsystems": {
                "A": {"indicators": {"a1": "+", "a2": "+"}, "weights": {"a1": 1, "a2": 1}},
                "B": {"indicators": {"b1": "+"}, "weights": {"b1": 1}},
            },
        }
    )
    a, b = spec.subsystems
    spec = replace(spec, subsystems=(replace(a, weights=(2.0, 6.0)), replace(b, weights=(3.0,))))
    res = cosyn.fit(HAND, spec)
    # (2, 6) → (0.25, 0.75): μ_A(t2) = 0.25·0.5 + 0.75·0.25 = 0.3125
    np.testing.assert_allclose(res.weight_values[0], [0.25, 0.75, 1.0])
    assert res.mu[0, 1, 0] == pytest.approx(0.3125)


def test_explicit_upper_below_the_data_says_so():
    spec = hand_spec(margin=0.1)
    spec["subsystems"]["A"]["indicators"] = [{"column": "a1", "upper": 0.5}, {"column": "a2"}]
    with pytest.raises(DataError) as info:
        cosyn.fit(HAND, spec)
    text = str(info.value)
    # a1 = [1, 2, 3]: lower from the data 1 − 0.1 = 0.9 ≥ 0.5
    assert "the explicit upper bound 0.5 (spec key 'subsystems.A.indicators.a1.upper')" in text
    assert "is not above the lower bound 0.9 that the data give" in text
    assert "constant" not in text
    spec["subsystems"]["A"]["indicators"] = [{"column": "a1", "lower": 5}, {"column": "a2"}]
    with pytest.raises(
        DataError, match=r"explicit lower bound 5 .* not below the upper bound 3\.3"
    ):
        cosyn.fit(HAND, spec)


def misaligned() -> pd.DataFrame:
    """x observed 2000–2009, y 2000–2003 only: y is extrapolated over 2004–2009."""
    t = np.arange(2000, 2010)
    x = pd.DataFrame({"e": "x", "t": t, "a1": t - 1990.0, "b1": (t - 1995.0) ** 2})
    y = pd.DataFrame({"e": "y", "t": t[:4], "a1": [3.0, 5.0, 4.0, 6.0], "b1": [1.0, 2.0, 4.0, 3.0]})
    return pd.concat([x, y], ignore_index=True)


@pytest.mark.parametrize("how", ["regression", "linear"])
def test_extrapolation_is_noted_per_entity(how):
    spec = {
        "entity": "e",
        "period": "t",
        "method": {"impute": how},
        "subsystems": {"A": {"indicators": {"a1": "+"}}, "B": {"indicators": {"b1": "+"}}},
    }
    with pytest.warns(CosynWarning) as caught:
        res = cosyn.fit(misaligned(), spec)
    text = " ".join(str(w.message) for w in caught)
    assert f"method.impute = {how!r} extrapolated past the observed periods" in text
    assert "for 1 entity, of 10 periods: 'y' 2004–2009 (6 periods)" in text
    # 6 extrapolated > 4 observed, in both series of y
    assert "2 series are filled for more periods than observed" in text
    assert res.imputed[1, 4:].all() and not res.imputed[0].any()


def test_interpolation_inside_the_range_is_noted_as_filled_not_extrapolated():
    data = HAND.assign(a1=[1.0, np.nan, 3.0])
    with pytest.warns(cosyn.CosynWarning) as caught:
        cosyn.fit(data, hand_spec())
    (message,) = [str(w.message) for w in caught]
    assert message.startswith("1 missing cell filled by a regression on time")
    assert "period 2, indicator 'a1'" in message and "extrapolated" not in message


def test_critic_input_minmax_by_hand():
    # a1 = [1, 2, 3], a2 = [2, 3, 8], margin 0.1 (so u is not the min-max scaling).
    # With two indicators both C_i = σ_i·(1 − r) share (1 − r): φ1 = σ1 / (σ1 + σ2).
    #   raw σ (ddof 1): σ(a1) = 1; a2 mean 13/3, squared deviations 49/9 + 16/9 + 121/9
    #   = 186/9, σ(a2) = sqrt(93/9) = 3.214550
    # minmax: a1 → [0, .5, 1], σ = 0.5; a2 → (x − 2)/6, σ = 3.214550/6 = 0.535758
    #   φ1 = 0.5 / (0.5 + 0.535758) = 0.482738
    # order (u): a1 bounds 0.9, 3.3 (span 2.4), σ = 1/2.4 = 0.416667; a2 bounds 1.8, 8.8
    #   (span 7), σ = 3.214550/7 = 0.459221; φ1 = 0.416667/0.875888 = 0.475708
    data = HAND.assign(a2=[2.0, 3.0, 8.0])
    s2 = math.sqrt(93 / 9)
    res = cosyn.fit(data, hand_spec(margin=0.1, weights="critic", critic_input="minmax"))
    assert res.weight_values[0, 0] == pytest.approx(0.5 / (0.5 + s2 / 6), abs=1e-12)
    assert res.weight_values[0, 0] == pytest.approx(0.482738, abs=1e-6)
    assert "weights        critic (input minmax)" in res.summary()
    res = cosyn.fit(data, hand_spec(margin=0.1, weights="critic"))
    assert res.weight_values[0, 0] == pytest.approx((1 / 2.4) / (1 / 2.4 + s2 / 7), abs=1e-12)
    assert res.weight_values[0, 0] == pytest.approx(0.475708, abs=1e-6)


def test_critic_input_minmax_reverses_negative_indicators():
    # Three indicators, a3 negative: min-max reversed (max − x)/(max − min), as the
    # published convention (Diakoulaki et al. 1995, eq. 2-3); compared with the kernel on
    # a matrix scaled here by hand.
    data = HAND.assign(a3=[5.0, 1.0, 2.0])
    spec = hand_spec(margin=0.1, weights="critic", critic_input="minmax")
    spec["subsystems"]["A"]["indicators"]["a3"] = "-"
    res = cosyn.fit(data, spec)
    scaled = np.array([[0, 0.5, 1], [0, 0.25, 1], [0, 1, 0.75]]).T  # a3: (5 − x)/4
    np.testing.assert_allclose(res.weight_values[0, :3], cosyn.critic_weights(scaled))


@pytest.mark.parametrize(
    "method",
    [
        {},
        {"weights": "critic"},
        {"margin": 0.0, "on_constant": "drop"},
        {"weights_scope": "panel"},
        {"base": "adjacent"},
    ],
)
def test_one_pass_over_the_data_gives_the_numbers_of_step_by_step(monkeypatch, method):
    import importlib

    fit_module = importlib.import_module("cosyn.fit")
    rng = np.random.default_rng(8)
    E, T = 9, 6
    data = pd.DataFrame(
        {
            "e": np.repeat([f"r{i}" for i in range(E)], T),
            "t": np.tile(np.arange(T), E),
            "a1": rng.uniform(1, 9, E * T),
            "a2": rng.uniform(-9, 9, E * T),
            "b1": rng.uniform(0, 9, E * T),
        }
    )
    data.loc[data.e == "r4", "a1"] = 3.0  # constant, not at 0: a note, and weight 0
    data.loc[7, "b1"] = 0.0
    spec = {**hand_spec(margin=0.1), "entity": "e", "method": {"margin": 0.1, **method}}
    monkeypatch.setattr(fit_module, "AHEAD_CELLS", 2 * T * 3)  # pieces of 2 entities
    with pytest.warns(cosyn.CosynWarning, match="constant at 3"):
        one_pass = cosyn.fit(data, spec)
    monkeypatch.setattr(fit_module._Ahead, "plan", classmethod(lambda cls, spec, pos: None))
    with pytest.warns(cosyn.CosynWarning, match="constant at 3"):
        steps = cosyn.fit(data, spec)
    for name in ("lower", "upper", "u", "weight_values", "mu", "synergy_values"):
        a, b = getattr(one_pass, name), getattr(steps, name)
        assert a.tobytes() == b.tobytes(), name  # the same bits, signs of zero included
    assert one_pass.notes == steps.notes


def test_order_degrees_computed_in_the_pass_are_taken_only_for_the_same_inputs():
    import importlib

    fit_module = importlib.import_module("cosyn.fit")
    rng = np.random.default_rng(5)
    weights = np.array([[0.25, 0.75, 1.0]] * 4)
    membership = np.array([[True, False], [True, False], [False, True]])
    mu = rng.uniform(0, 1, (4, 5, 2))
    done = fit_module._AheadOrder(weights, membership, "weighted_sum", mu)
    assert done.matches(weights.copy(), membership, "weighted_sum", None)
    other = weights.copy()
    other[2, 0] = np.nextafter(0.25, 1.0)  # one ulp off: computed afresh
    for args in (
        (other, membership, "weighted_sum", None),
        (weights, membership, "geometric", None),
        (weights, membership[:, ::-1], "weighted_sum", None),
        (weights, membership, "weighted_sum", np.ones((4, 3), dtype=bool)),
        (weights[:2], membership, "weighted_sum", None),
    ):
        assert not done.matches(*args)

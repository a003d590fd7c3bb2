"""The tables papers print (cosyn.report.tables): hand calculations small enough to check
on paper, agreement with the Result's own numbers, Chinese headers and the spec's labels."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cosyn
from cosyn.datasets import load_dataset, load_spec
from cosyn.errors import SpecError
from cosyn.methods.coupling import COORDINATION_LEVELS_ZH, COUPLING_STAGES_ZH
from cosyn.report.tables import (
    HEADERS,
    coupling_table,
    descriptive_table,
    header,
    paper_tables,
    weight_caption,
    weight_table,
    weights_by_entity,
    wide_table,
)

ROOT = Path(__file__).resolve().parents[2]
PROVINCES = ROOT / "examples" / "provinces"


def _fit(data: pd.DataFrame, spec: dict) -> cosyn.Result:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cosyn.CosynWarning)
        return cosyn.fit(data, spec)


def _two_subsystems(method: dict | None = None, **extra: object) -> dict:
    """Subsystem 'econ' (label 经济: x, y) and 'env' (label 环境: z, w)."""
    return {
        "entity": "region",
        "period": "year",
        "method": {"margin": 0.0, **(method or {})},
        "subsystems": {
            "econ": {
                "label": "经济",
                "indicators": [
                    {"column": "x", "label": "GDP", "unit": "亿元", "direction": "+"},
                    {"column": "y", "direction": "+"},
                ],
            },
            "env": {
                "label": "环境",
                "indicators": [
                    {"column": "z", "label": "PM2.5", "unit": "μg/m³", "direction": "-"},
                    {"column": "w", "direction": "+"},
                ],
            },
        },
        **extra,
    }


@pytest.fixture(scope="module")
def trade() -> cosyn.Result:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cosyn.CosynWarning)
        return cosyn.fit(load_dataset("guangzhou_trade"), load_spec("trade_model"))


@pytest.fixture(scope="module")
def trade_coupled() -> cosyn.Result:
    spec = load_spec("trade_model").to_dict()
    spec["diagnostics"] = {"coupling": "classic"}
    return _fit(load_dataset("guangzhou_trade"), spec)


# -- descriptive statistics ---------------------------------------------------------------
def test_descriptive_statistics_by_hand() -> None:
    # x observed: A 1, 2, (missing); B 3, 4, 5 → n = 5, mean 3, sd = sqrt(10/4), 1 imputed
    data = pd.DataFrame(
        {
            "region": ["A"] * 3 + ["B"] * 3,
            "year": [1, 2, 3] * 2,
            "x": [1.0, 2.0, np.nan, 3.0, 4.0, 5.0],
            "y": [1.0, 2.0, 4.0, 2.0, 3.0, 1.0],
            "z": [5.0, 4.0, 3.0, 2.0, 1.0, 0.5],
            "w": [1.0, 3.0, 2.0, 2.0, 2.0, 5.0],
        }
    )
    res = _fit(data, _two_subsystems())
    table = descriptive_table(res, "en")
    assert list(table.columns) == [
        "Subsystem",
        "Indicator",
        "Unit",
        "Direction",
        "N",
        "Imputed",
        "Mean",
        "SD",
        "Min",
        "Max",
    ]
    x = table.iloc[0]
    assert (x["Subsystem"], x["Indicator"], x["Unit"], x["Direction"]) == (
        "经济",
        "GDP",
        "亿元",
        "positive",
    )
    assert (x["N"], x["Imputed"], x["Min"], x["Max"]) == (5, 1, 1.0, 5.0)
    assert x["Mean"] == pytest.approx(3.0, abs=1e-15)
    assert x["SD"] == pytest.approx(math.sqrt(2.5), rel=1e-14)  # ddof = 1
    # y: 1, 2, 4, 2, 3, 1 → mean 13/6; Σ(x − mean)² = 35 − 169/6 = 41/6; sd = sqrt(41/30)
    y = table.iloc[1]
    assert y["Indicator"] == "y"  # no label: the column
    assert (y["N"], y["Imputed"]) == (6, 0)
    assert y["SD"] == pytest.approx(math.sqrt(41 / 30), rel=1e-14)
    zh = descriptive_table(res, "zh")
    assert list(zh.columns[:4]) == ["子系统", "指标", "单位", "方向"]
    assert list(zh["方向"]) == ["正向", "正向", "负向", "正向"]
    assert "econ" not in set(zh["子系统"]) and "env" not in set(zh["子系统"])


# -- weights ------------------------------------------------------------------------------
def _entropy_example() -> cosyn.Result:
    # One entity, 3 periods, margin 0: u = (x − min)/(max − min).
    # x = 1, 2, 3 → u = 0, ½, 1 → p = 0, ⅓, ⅔ → e = (⅓ ln 3 + ⅔ ln 1.5)/ln 3 ≈ 0.579380
    # y = 1, 1, 3 → u = 0, 0, 1 → p = 0, 0, 1 → e = 0 (0·ln 0 = 0), d = 1
    data = pd.DataFrame(
        {
            "year": [1, 2, 3],
            "x": [1.0, 2.0, 3.0],
            "y": [1.0, 1.0, 3.0],
            "z": [3.0, 2.0, 1.0],
            "w": [1.0, 2.0, 4.0],
        }
    )
    spec = _two_subsystems()
    del spec["entity"]
    return _fit(data, spec)


def test_entropy_weight_table_by_hand() -> None:
    res = _entropy_example()
    table = weight_table(res, "en")
    assert list(table.columns) == [
        "Subsystem",
        "Indicator",
        "Entropy e",
        "Utility d = 1 − e",
        "Weight w",
        "Weight (%)",
    ]
    e_x = (math.log(3) / 3 + 2 / 3 * math.log(1.5)) / math.log(3)
    assert e_x == pytest.approx(0.579380, abs=1e-6)  # the number worked on paper
    x, y = table.iloc[0], table.iloc[1]
    assert x["Entropy e"] == pytest.approx(e_x, rel=1e-14)
    assert y["Entropy e"] == 0.0 and y["Utility d = 1 − e"] == 1.0
    d_x = 1 - e_x  # ≈ 0.420620; w_x = 0.420620 / 1.420620 ≈ 0.29608
    assert x["Weight w"] == pytest.approx(d_x / (d_x + 1), rel=1e-13)
    assert y["Weight w"] == pytest.approx(1 / (d_x + 1), rel=1e-13)
    assert x["Weight w"] == pytest.approx(0.29608, abs=1e-5)
    assert table["Weight (%)"].iloc[:2].sum() == pytest.approx(100.0, rel=1e-14)
    assert not weights_by_entity(res)


def test_entropy_weights_reproduce_result_weights(trade: cosyn.Result) -> None:
    long = weight_table(trade, "en", per_entity=True)
    assert len(long) == len(trade.weights)
    np.testing.assert_array_equal(long["Weight w"].to_numpy(), trade.weights["weight"].to_numpy())
    d = long["Utility d = 1 − e"].to_numpy()
    np.testing.assert_allclose(long["Entropy e"].to_numpy(), 1 - d, rtol=0, atol=1e-15)
    key = [long["Cluster"], long["Subsystem"]]
    ratio = d / long.groupby(key, sort=False)["Utility d = 1 − e"].transform("sum").to_numpy()
    np.testing.assert_allclose(ratio, trade.weights["weight"].to_numpy(), rtol=0, atol=1e-12)
    # the mean table is the mean over the entities, and still sums to 1 per subsystem
    mean = weight_table(trade, "en")
    by_ind = trade.weights.groupby("indicator", sort=False)["weight"].mean()
    np.testing.assert_allclose(mean["Weight w"].to_numpy(), by_ind.to_numpy(), atol=1e-15)
    np.testing.assert_allclose(mean.groupby("Subsystem")["Weight w"].sum(), 1.0, atol=1e-14)
    assert weights_by_entity(trade)
    assert "mean over 5 entities" in weight_caption(trade, "en")
    assert "5个对象的均值" in weight_caption(trade, "zh")


def test_entropy_e_independent_of_the_fit(trade: cosyn.Result) -> None:
    # e recomputed here from the order degrees with numpy only (p ln p, 0·ln 0 = 0)
    u = trade.u  # (E, T, I)
    p = u / u.sum(axis=1, keepdims=True)
    plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    e = -plogp.sum(axis=1) / np.log(u.shape[1])
    long = weight_table(trade, "en", per_entity=True)
    np.testing.assert_allclose(long["Entropy e"].to_numpy(), e.ravel(), rtol=0, atol=1e-13)


def test_panel_scope_gives_one_table() -> None:
    spec = load_spec("trade_model").to_dict()
    spec["method"]["weights_scope"] = "panel"
    res = _fit(load_dataset("guangzhou_trade"), spec)
    table = weight_table(res, "zh")
    assert len(table) == 4 and not weights_by_entity(res)
    np.testing.assert_allclose(table["权重系数 w"].to_numpy(), res.weight_values[0], atol=0)
    d = table["信息效用值 d"].to_numpy()
    expected = np.concatenate([d[:2] / d[:2].sum(), d[2:] / d[2:].sum()])
    np.testing.assert_allclose(table["权重系数 w"].to_numpy(), expected, rtol=0, atol=1e-12)
    assert "全样本" in weight_caption(res, "zh")


@pytest.mark.parametrize("scope", ["entity", "panel"])
def test_weight_table_with_an_indicator_left_out(scope: str) -> None:
    # x is constant at 0 for entity 2: on_constant = "drop" leaves it out there
    data = pd.DataFrame(
        {
            "e": [1] * 4 + [2] * 4,
            "t": [1, 2, 3, 4] * 2,
            "x": [1.0, 2.0, 3.0, 4.0, 0.0, 0.0, 0.0, 0.0],
            "y": [2.0, 1.0, 3.0, 5.0, 1.0, 2.0, 3.0, 1.0],
            "z": [1.0, 2.0, 3.0, 4.0, 4.0, 3.0, 2.0, 5.0],
        }
    )
    spec = {
        "entity": "e",
        "period": "t",
        "method": {"on_constant": "drop", "weights_scope": scope},
        "subsystems": {"a": {"indicators": {"x": "+", "y": "+"}}, "b": {"indicators": {"z": "-"}}},
    }
    res = _fit(data, spec)
    long = weight_table(res, "en", per_entity=True)
    np.testing.assert_array_equal(long["Weight w"], res.weights["weight"])
    assert long["Weight w"].iloc[3] == 0.0  # entity 2, x
    if scope == "entity":
        assert long["Entropy e"].iloc[3] == 1.0 and long["Utility d = 1 − e"].iloc[3] == 0.0
    assert weights_by_entity(res)
    main = weight_table(res, "en")
    np.testing.assert_allclose(main["Weight w"], res.weight_values.mean(axis=0), atol=1e-15)
    if scope == "panel":
        assert "weights the mean over 2 entities" in weight_caption(res, "en")


def test_critic_table_against_numpy(trade: cosyn.Result) -> None:
    spec = load_spec("trade_model").to_dict()
    spec["method"]["weights"] = "critic"
    res = _fit(load_dataset("guangzhou_trade"), spec)
    long = weight_table(res, "en", per_entity=True)
    assert {"SD σ", "Conflict Σ(1 − r)", "Information C"} <= set(long.columns)
    # entity 0, subsystem 1 (two indicators): σ by numpy, conflict = 1 − r for the pair
    u = res.u[0, :, :2]
    r = np.corrcoef(u.T)[0, 1]
    row = long.iloc[:2]
    np.testing.assert_allclose(row["SD σ"], u.std(axis=0, ddof=1), rtol=1e-13)
    np.testing.assert_allclose(row["Conflict Σ(1 − r)"], [1 - r, 1 - r], rtol=1e-12)
    info = row["Information C"].to_numpy()
    np.testing.assert_allclose(info, u.std(axis=0, ddof=1) * (1 - r), rtol=1e-12)
    np.testing.assert_allclose(row["Weight w"], info / info.sum(), rtol=1e-12)


def test_cv_table_against_numpy() -> None:
    spec = load_spec("trade_model").to_dict()
    spec["method"]["weights"] = "cv"
    res = _fit(load_dataset("guangzhou_trade"), spec)
    long = weight_table(res, "zh", per_entity=True)
    x = res.x[0, :, :2]
    row = long.iloc[:2]
    np.testing.assert_allclose(row["平均值"], x.mean(axis=0), rtol=1e-13)
    np.testing.assert_allclose(row["标准差"], x.std(axis=0, ddof=1), rtol=1e-13)
    cv = x.std(axis=0, ddof=1) / x.mean(axis=0)
    np.testing.assert_allclose(row["变异系数 CV"], cv, rtol=1e-13)
    np.testing.assert_allclose(row["权重系数 w"], cv / cv.sum(), rtol=1e-12)


def test_given_ahp_and_combined_tables() -> None:
    base = load_spec("trade_model").to_dict()
    given = {**base, "method": {**base["method"], "weights": "given"}}
    given["subsystems"] = {
        name: {
            **s,
            "weights": {i["column"]: v for i, v in zip(s["indicators"], (3, 1), strict=True)},
        }
        for name, s in base["subsystems"].items()
    }
    res = _fit(load_dataset("guangzhou_trade"), given)
    table = weight_table(res, "en")
    assert list(table.columns) == ["Subsystem", "Indicator", "Weight w", "Weight (%)"]
    np.testing.assert_allclose(table["Weight w"], [0.75, 0.25, 0.75, 0.25], atol=1e-15)
    ahp = {**given, "method": {**base["method"], "weights": "ahp"}}
    ahp["subsystems"] = {
        name: {**s, "ahp": [[1, 3], [1 / 3, 1]]} for name, s in base["subsystems"].items()
    }
    res = _fit(load_dataset("guangzhou_trade"), ahp)
    table = weight_table(res, "zh")
    assert "一致性比率 CR" in table.columns
    np.testing.assert_allclose(table["权重系数 w"], [0.75, 0.25, 0.75, 0.25], atol=1e-12)
    combined = {**given, "method": {**base["method"], "weights": "combined"}}
    res = _fit(load_dataset("guangzhou_trade"), combined)
    long = weight_table(res, "en", per_entity=True)
    assert {"Entropy e", "Subjective weight", "Objective weight"} <= set(long.columns)
    np.testing.assert_allclose(
        long["Weight w"],
        0.5 * long["Subjective weight"] + 0.5 * long["Objective weight"],
        atol=1e-15,
    )


# -- wide tables --------------------------------------------------------------------------
def _three_entities(base: str = "first") -> cosyn.Result:
    # One indicator per subsystem, margin 0: μ = u = (x − min)/(max − min) per entity.
    # A: u_x = u_y = 0, ½, 1             → U = ½, 1
    # B: u_x = 0, ¼, 1; u_y = 0, ½, 1    → U = sqrt(⅛) ≈ 0.353553, 1
    # C: u_x = 1, ½, 0 (falls); u_y = 0, ½, 1 → U = −½, −1
    data = pd.DataFrame(
        {
            "region": ["A"] * 3 + ["B"] * 3 + ["C"] * 3,
            "year": [2020, 2021, 2022] * 3,
            "x": [0.0, 1.0, 2.0, 0.0, 0.5, 2.0, 2.0, 1.0, 0.0],
            "y": [0.0, 1.0, 2.0, 0.0, 2.0, 4.0, 0.0, 1.0, 2.0],
        }
    )
    spec = {
        "entity": "region",
        "period": "year",
        "method": {"margin": 0.0, "base": base},
        "subsystems": {
            "econ": {"label": "经济", "indicators": {"x": "+"}},
            "env": {"label": "环境", "indicators": {"y": "+"}},
        },
    }
    return _fit(data, spec)


def test_wide_synergy_ranks_and_means_by_hand() -> None:
    res = _three_entities()
    table = wide_table(res, "synergy", "en", groups={"A": "north", "B": "north", "C": "south"})
    assert list(table.columns) == ["Region", "Group", "2020", "2021", "2022", "Rank (2022)"]
    assert list(table["Region"]) == ["A", "B", "C", "Mean", "north mean", "south mean"]
    assert table["2020"].isna().all()  # base period: empty, not 0
    np.testing.assert_allclose(
        table["2021"],
        [0.5, math.sqrt(1 / 8), -0.5, math.sqrt(1 / 8) / 3, (0.5 + math.sqrt(1 / 8)) / 2, -0.5],
        atol=1e-12,
    )
    np.testing.assert_allclose(table["2022"], [1, 1, -1, 1 / 3, 1, -1], atol=1e-12)
    # A and B tie at 1 in 2022: both rank 1 ('min'), C is 3; mean rows have no rank
    assert list(table["Rank (2022)"]) == [1, 1, 3, None, None, None]
    assert list(table["Group"][3:]) == ["All", "north", "south"]


def test_wide_synergy_adjacent_by_hand() -> None:
    # 2021 → 2022: A Δ = ½, ½ → ½; B Δ = ¾, ½ → sqrt(⅜) ≈ 0.612372; C Δx = −½ → −½
    table = wide_table(_three_entities("adjacent"), "synergy", "en")
    assert table["2020"].isna().all()
    np.testing.assert_allclose(
        table["2022"], [0.5, math.sqrt(3 / 8), -0.5, math.sqrt(3 / 8) / 3], atol=1e-12
    )
    assert list(table["Rank (2022)"]) == [2, 1, 3, None]


def test_wide_order_is_one_table_per_subsystem_label() -> None:
    res = _three_entities()
    tables = wide_table(res, "order", "zh")
    assert list(tables) == ["经济", "环境"]
    econ = tables["经济"]
    assert list(econ.columns) == ["地区", "2020", "2021", "2022", "排名（2022）"]
    np.testing.assert_allclose(econ["2021"], [0.5, 0.25, 0.5, 1.25 / 3], atol=1e-12)
    assert list(econ["排名（2022）"]) == [1, 1, 3, None]  # 1, 1, 0
    assert econ["地区"].iloc[-1] == "均值"


def test_wide_coupling_needs_the_diagnostic(trade: cosyn.Result) -> None:
    with pytest.raises(SpecError, match=r"coupling = \"classic\".*\[diagnostics\]"):
        wide_table(trade, "coupling")
    with pytest.raises(SpecError, match="series must be"):
        wide_table(trade, "nonsense")  # type: ignore[call-overload]


def test_wide_groups_naming_unknown_entities(trade: cosyn.Result) -> None:
    with pytest.raises(SpecError, match=r"jewelery.*nearest known: jewelry"):
        wide_table(trade, "synergy", groups={"jewelery": "a"})


def test_wide_coupling_values(trade_coupled: cosyn.Result) -> None:
    table = wide_table(trade_coupled, "coupling", "en")
    d = trade_coupled.coupling.pivot(index="entity", columns="period", values="D")
    d = d.loc[list(trade_coupled.entities)]
    np.testing.assert_array_equal(table.iloc[:5, 1:13].to_numpy(dtype=float), d.to_numpy())
    np.testing.assert_allclose(table.iloc[5, 1:13].to_numpy(dtype=float), d.mean().to_numpy())


# -- coupling coordination ----------------------------------------------------------------
def test_coupling_table_equals_result_coupling(trade_coupled: cosyn.Result) -> None:
    base = trade_coupled.coupling
    en = coupling_table(trade_coupled, "en")
    assert list(en.columns) == [
        "Cluster",
        "Year",
        "Coupling degree C",
        "Coordination index T",
        "Coupling coordination degree D",
        "Coordination level",
        "Coupling stage",
        "Relative development E",
        "Lag type",
    ]
    for ours, theirs in (
        ("Cluster", "entity"),
        ("Year", "period"),
        ("Coordination level", "level"),
        ("Coupling stage", "coupling_stage"),
        ("Lag type", "lag"),
    ):
        assert list(en[ours]) == list(base[theirs])
    for ours, theirs in (
        ("Coupling degree C", "C"),
        ("Coordination index T", "T"),
        ("Coupling coordination degree D", "D"),
        ("Relative development E", "E"),
    ):
        np.testing.assert_array_equal(en[ours].to_numpy(), base[theirs].to_numpy())
    zh = coupling_table(trade_coupled, "zh")
    assert list(zh.columns[:3]) == ["产业集群", "年份", "耦合度 C"]
    assert set(zh["协调等级"]) <= set(COORDINATION_LEVELS_ZH)
    assert set(zh["耦合阶段"]) <= set(COUPLING_STAGES_ZH)
    assert set(zh["滞后类型"]) <= {"Cluster trade滞后", "同步", "City trade滞后"}


def test_coupling_table_needs_the_diagnostic(trade: cosyn.Result) -> None:
    with pytest.raises(SpecError, match="coupling"):
        coupling_table(trade)


# -- headers ------------------------------------------------------------------------------
def test_headers() -> None:
    spec = load_spec("trade_model")
    assert header("entity", "en", spec) == "Cluster"
    assert header("entity", "zh", spec) == "产业集群"
    assert header("period", "zh", spec) == "年份"
    assert header("entity", "zh") == "对象"
    own = cosyn.Spec.from_dict({**spec.to_dict(), "entity": "省份", "period": "年份"})
    assert header("entity", "en", own) == "省份" and header("entity", "zh", own) == "省份"
    assert all(zh and zh != en for en, zh in HEADERS.values())
    with pytest.raises(KeyError, match="no table header 'colour'"):
        header("colour")
    with pytest.raises(ValueError, match="language"):
        header("mean", "fr")


def test_labels_not_toml_keys(trade: cosyn.Result) -> None:
    for table in (descriptive_table(trade, "zh"), weight_table(trade, "zh")):
        assert set(table["子系统"]) == {"Cluster trade", "City trade"}
        assert "cluster_import" not in set(table["指标"])
        assert "Cluster imports" in set(table["指标"])


# -- the bundled province example ---------------------------------------------------------
@pytest.mark.skipif(not (PROVINCES / "model.toml").exists(), reason="province example absent")
def test_province_example_tables() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cosyn.CosynWarning)
        res = cosyn.fit(PROVINCES / "panel.csv", PROVINCES / "model.toml")
    desc = descriptive_table(res, "zh")
    assert len(desc) == len(res.indicators)
    assert int(desc["插补数"].sum()) == int(res.imputed.sum()) >= 1
    assert (desc["样本量"] + desc["插补数"] == res.x.shape[0] * res.x.shape[1]).all()
    assert set(desc["子系统"]) == {"数字经济", "产业集群", "生态环境"}
    wide = wide_table(res, "synergy", "zh")
    assert wide.columns[0] == "省份" and len(wide) == len(res.entities) + 1
    last = wide.columns[-2]
    top = wide.iloc[: len(res.entities)].sort_values(last, ascending=False).iloc[0]
    assert top[wide.columns[-1]] == 1
    coupling = coupling_table(res, "zh")
    assert len(coupling) == len(res.entities) * len(res.periods)
    assert "滞后类型" in coupling.columns
    # three subsystems: one E column per subsystem, lag texts as Result.coupling's
    en = coupling_table(res, "en")
    assert list(en["Lag type"]) == list(res.coupling["lag"])
    for s in res.spec.subsystems:
        np.testing.assert_array_equal(
            en[f"Relative development E ({s.label})"], res.coupling[f"E_{s.name}"]
        )
    assert all(t == "同步" or t.endswith(("滞后", "超前")) for t in coupling["滞后类型"])


def test_paper_tables_keys_and_titles(trade_coupled: cosyn.Result) -> None:
    tables = paper_tables(trade_coupled, "zh")
    assert [t.key for t in tables] == [
        "descriptive",
        "weights",
        "weights_by_entity",
        "synergy",
        "order_cluster_trade",
        "order_city_trade",
        "coupling_wide",
        "coupling",
    ]
    titles = {t.key: t.title for t in tables}
    assert titles["synergy"] == "复合系统协同度 U（基期 2010）"
    assert titles["order_city_trade"] == "City trade子系统有序度 μ"
    assert all(isinstance(t.table, pd.DataFrame) for t in tables)
    # one indicator per subsystem: weight 1 for every entity, no per-entity table
    plain = paper_tables(_three_entities(), "en")
    assert [t.key for t in plain] == [
        "descriptive",
        "weights",
        "synergy",
        "order_econ",
        "order_env",
    ]


# -- invariants on random panels ----------------------------------------------------------
@settings(max_examples=8, deadline=None)
@given(
    entities=st.integers(2, 4),
    periods=st.integers(3, 6),
    seed=st.integers(0, 2**32 - 1),
    scope=st.sampled_from(["entity", "panel"]),
    base=st.sampled_from(["first", "adjacent"]),
)
def test_table_invariants(entities: int, periods: int, seed: int, scope: str, base: str) -> None:
    rng = np.random.default_rng(seed)
    n = entities * periods
    data = pd.DataFrame(
        {
            "region": np.repeat([f"r{i}" for i in range(entities)], periods),
            "year": np.tile(np.arange(2000, 2000 + periods), entities),
            **{c: rng.uniform(1.0, 100.0, n) for c in "xyzw"},
        }
    )
    data.loc[1, "x"] = np.nan  # one missing cell, imputed
    res = _fit(data, _two_subsystems({"weights_scope": scope, "base": base, "margin": 0.1}))
    desc = descriptive_table(res, "en")
    assert (desc["N"] + desc["Imputed"] == n).all() and desc["Imputed"].sum() == 1
    long = weight_table(res, "en", per_entity=True)
    np.testing.assert_array_equal(long["Weight w"], res.weights["weight"])
    d = long["Utility d = 1 − e"]
    total = d.groupby([long["Region"], long["Subsystem"]], sort=False).transform("sum")
    np.testing.assert_allclose(d / total, long["Weight w"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(long["Entropy e"] + d, 1.0, rtol=0, atol=1e-15)
    wide = wide_table(res, "synergy", "en")
    body = wide.iloc[:entities, 1:-1].to_numpy(dtype=float)
    assert np.isnan(body[:, 0]).all() and not np.isnan(body[:, 1:]).any()
    np.testing.assert_allclose(
        wide.iloc[entities, 2:-1].to_numpy(dtype=float),
        body[:, 1:].mean(axis=0),
        rtol=1e-14,
        atol=1e-15,
    )
    last = body[:, -1]
    expected = [1 + int((last > v).sum()) for v in last]
    assert list(wide.iloc[:entities, -1]) == expected


@pytest.mark.parametrize("weights", ["equal", "entropy"])
def test_per_entity_weight_table_only_when_weights_differ(weights):
    # Entity scope with equal weights gives every entity the same weights: a per-entity
    # table would repeat the main one. Entropy weights per entity differ on this panel.
    data = pd.DataFrame(
        {
            "e": ["p", "p", "p", "q", "q", "q"],
            "t": [1, 2, 3, 1, 2, 3],
            "a1": [1.0, 2.0, 4.0, 1.0, 1.5, 3.0],
            "a2": [1.0, 3.0, 4.0, 2.0, 2.5, 2.7],
            "b1": [5.0, 6.0, 8.0, 5.0, 7.0, 9.0],
        }
    )
    spec = {
        "entity": "e",
        "period": "t",
        "method": {"weights": weights, "weights_scope": "entity"},
        "subsystems": {
            "A": {"indicators": {"a1": "+", "a2": "+"}},
            "B": {"indicators": {"b1": "+"}},
        },
    }
    res = cosyn.fit(data, spec)
    assert weights_by_entity(res) is (weights == "entropy")


@pytest.mark.parametrize(("lang", "east"), [("en", "East"), ("zh", "东部")])
def test_wide_tables_take_group_means_from_analysis_groups(lang, east):
    # [analysis] groups = "china_4": each group's mean row is the plain mean of its
    # provinces' U (NBS: 北京 天津 河北 上海 江苏 浙江 福建 山东 广东 海南 are the East).
    spec = cosyn.Spec.from_toml(PROVINCES / "model.toml").to_dict()
    spec["diagnostics"] = {}
    spec["analysis"] = {"groups": "china_4"}
    res = _fit(PROVINCES / "panel.csv", spec)
    table = next(t.table for t in paper_tables(res, lang) if t.key == "synergy")
    first = table.columns[0]
    row = table[table[first] == f"{east}{'均值' if lang == 'zh' else ' mean'}"]
    assert len(row) == 1
    eastern = ["北京", "天津", "河北", "上海", "江苏", "浙江", "福建", "山东", "广东", "海南"]
    u = res.synergy.query("period == 2022").set_index("entity")["synergy"]
    assert row["2022"].iloc[0] == pytest.approx(u[eastern].mean(), rel=1e-12)
    assert set(table.iloc[:, 1].dropna()) >= {east}

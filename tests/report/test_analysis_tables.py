"""The analysis tables papers print (cosyn.report.analysis_tables).

A six-province panel in three groups of the bundled china_3 scheme (北京, 天津 East;
山西, 安徽 Central; 四川, 贵州 West), with one indicator per subsystem, panel-wide bounds,
no margin and equal weights, so that each order degree is the indicator over 10
(μ = x/10): the Dagum numbers of 2020 are then small enough to work out on paper. Every
other number is checked against the tidy ``Result.analysis`` table it is taken from.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import cosyn
from cosyn.report.analysis_tables import (
    ANALYSIS_HEADERS,
    ANALYSIS_TABLES,
    analysis_paper_tables,
    analysis_series_label,
    series_key,
)

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("giddy") is None, reason="needs the spatial extra"
)

PROVINCES = ["北京", "天津", "山西", "安徽", "四川", "贵州"]
# x (subsystem econ) and z (env) per period, in the order of PROVINCES; min 0, max 10.
X = [[1, 2, 3, 5, 6, 10], [0, 3, 4, 5, 7, 9], [2, 3, 5, 6, 8, 9], [3, 4, 6, 7, 8, 10]]
Z = [[0, 1, 4, 3, 6, 5], [2, 2, 5, 4, 7, 6], [3, 3, 6, 5, 8, 7], [4, 4, 7, 6, 9, 10]]


def small_panel() -> pd.DataFrame:
    rows = [
        {"province": e, "year": 2020 + t, "x": x, "z": z}
        for t, (xs, zs) in enumerate(zip(X, Z, strict=True))
        for e, x, z in zip(PROVINCES, xs, zs, strict=True)
    ]
    return pd.DataFrame(rows)


def small_spec(neighbours: Path | None, **analysis: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "entity": "province",
        "period": "year",
        "method": {"margin": 0.0, "bounds": "panel", "weights": "equal"},
        "subsystems": {
            "econ": {"label": "经济", "indicators": [{"column": "x", "direction": "+"}]},
            "env": {"label": "环境", "indicators": [{"column": "z", "direction": "+"}]},
        },
        "diagnostics": {"coupling": "classic"},
        "analysis": {
            "series": ["synergy", "order", "coupling"],
            "groups": "china_3",
            "permutations": 0,
            "classes": "quantiles",
            "k": 3,
            **analysis,
        },
    }
    if neighbours is not None:
        spec["analysis"]["weights"] = str(neighbours)
    return spec


def ring_neighbours(path: Path) -> Path:
    """Each province linked to the next, the last to the first (a ring of six)."""
    ring = PROVINCES[1:] + PROVINCES[:1]
    pd.DataFrame({"entity_a": PROVINCES, "entity_b": ring}).to_csv(path, index=False)
    return path


def _fit(spec: dict[str, Any]) -> cosyn.Result:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cosyn.CosynWarning)
        return cosyn.fit(small_panel(), spec)


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> cosyn.Result:
    folder = tmp_path_factory.mktemp("analysis_tables")
    res = _fit(small_spec(ring_neighbours(folder / "neighbours.csv")))
    assert res.analysis is not None
    return res


def _by_key(res: cosyn.Result, lang: str = "en") -> dict[str, pd.DataFrame]:
    return {t.key: t.table for t in analysis_paper_tables(res, lang)}


# -- hand calculation ----------------------------------------------------------------------


def test_dagum_by_hand_in_three_groups(result: cosyn.Result) -> None:
    # μ_econ in 2020 = x/10 = 0.1, 0.2 | 0.3, 0.5 | 0.6, 1.0 (East | Central | West).
    tables = _by_key(result)
    gini = tables["analysis_gini"].set_index(["Series", "Year"])
    row = gini.loc[("μ 经济", 2020)]
    # Σ_i Σ_r |y_i − y_r| over ordered pairs = 2 · 5.9 = 11.8; mean 0.45:
    # G = 11.8 / (2 · 6² · 0.45) = 59/162.
    assert row["Overall G"] == pytest.approx(59 / 162, rel=1e-12)
    # G_w = Σ_j G_jj p_j s_j with p_j = 1/3, s = (0.3, 0.8, 1.6)/2.7:
    g_w = (1 / 6 * 0.3 + 0.125 * 0.8 + 0.125 * 1.6) / 2.7 / 3
    assert row["Within G_w"] == pytest.approx(g_w, rel=1e-12)
    # Groups do not overlap: no transvariation, G_nb = G − G_w.
    assert row["Transvariation G_t"] == pytest.approx(0.0, abs=1e-15)
    assert row["Between G_nb"] == pytest.approx(59 / 162 - g_w, rel=1e-12)
    shares = row[["Within share (%)", "Between share (%)", "Transvariation share (%)"]]
    assert shares.sum() == pytest.approx(100.0, rel=1e-12)
    assert row["Within share (%)"] == pytest.approx(100 * g_w / (59 / 162), rel=1e-12)

    within = tables["analysis_gini_within"].set_index(["Series", "Year"])
    assert list(within.columns) == ["East", "Central", "West"]
    # G_jj = Σ|y_i − y_r| / (2 n_j² μ_j): 0.2 / (8 · 0.15), 0.4 / (8 · 0.4), 0.8 / (8 · 0.8)
    assert within.loc[("μ 经济", 2020)].tolist() == pytest.approx([1 / 6, 0.125, 0.125])

    between = tables["analysis_gini_between"].set_index(["Series", "Year"])
    assert list(between.columns) == ["East–Central", "East–West", "Central–West"]
    # G_jh = Σ|y_ji − y_hr| / (n_j n_h (μ_j + μ_h)):
    # East–Central (0.2 + 0.4 + 0.1 + 0.3) / (4 · 0.55); East–West 2.6 / (4 · 0.95);
    # Central–West 1.6 / (4 · 1.2)
    expected = [1.0 / 2.2, 2.6 / 3.8, 1.6 / 4.8]
    assert between.loc[("μ 经济", 2020)].tolist() == pytest.approx(expected, rel=1e-12)


def test_group_stats_by_hand(result: cosyn.Result) -> None:
    stats = _by_key(result)["analysis_group_stats"]
    rows = stats[(stats["Series"] == "μ 经济") & (stats["Year"] == 2020)]
    assert rows["Group"].tolist() == ["East", "Central", "West"]
    assert rows["N"].tolist() == [2, 2, 2]
    assert rows["Mean"].tolist() == pytest.approx([0.15, 0.4, 0.8])
    # ddof = 1: sd of (0.1, 0.2) is 0.1/√2
    assert rows["SD"].tolist() == pytest.approx([0.1 / 2**0.5, 0.2 / 2**0.5, 0.4 / 2**0.5])
    assert rows["Rank"].tolist() == [3, 2, 1]


def test_theil_and_sigma_by_hand(result: cosyn.Result) -> None:
    tables = _by_key(result)
    y = np.array(X[0]) / 10
    s = y / y.mean()
    theil_t = float(np.mean(s * np.log(s)))  # Theil 1967: T = (1/n) Σ (y/μ) ln(y/μ)
    theil = tables["analysis_theil"].set_index(["Series", "Year"])
    assert theil.loc[("μ 经济", 2020), "Theil T"] == pytest.approx(theil_t, rel=1e-12)
    assert list(theil.columns[-3:]) == ["T (East)", "T (Central)", "T (West)"]
    sigma = tables["analysis_sigma"]
    whole = sigma[(sigma["Series"] == "μ 经济") & (sigma["Group"] == "All")]
    first = whole[whole["Year"] == 2020].iloc[0]
    assert first["SD σ"] == pytest.approx(float(np.std(y)), rel=1e-12)  # ddof = 0
    assert first["Coefficient of variation"] == pytest.approx(np.std(y) / y.mean(), rel=1e-12)


# -- agreement with Result.analysis --------------------------------------------------------


def test_keys_order_and_only_tables_with_rows(result: cosyn.Result) -> None:
    keys = [t.key for t in analysis_paper_tables(result)]
    a = result.analysis
    assert a is not None
    series = list(dict.fromkeys(a.markov["series"]))
    markov = [f"analysis_markov_{series_key(s)}" for s in series]
    spatial = [f"analysis_spatial_markov_{series_key(s)}" for s in series]
    fixed = [k for k in ANALYSIS_TABLES if k not in ("analysis_markov", "analysis_spatial_markov")]
    # permutations = 0: no LISA
    fixed.remove("analysis_lisa")
    lisa_at = ANALYSIS_TABLES.index("analysis_lisa")
    assert keys == [*fixed[:lisa_at], *markov, *spatial, *fixed[lisa_at:]]
    assert markov[1] == "analysis_markov_order_econ"
    assert len(keys) == len(set(keys))


def test_without_weights_no_spatial_tables() -> None:
    res = _fit(small_spec(None, series=["order"]))
    keys = [t.key for t in analysis_paper_tables(res)]
    assert "analysis_moran" not in keys and "analysis_spatial_markov_tests" not in keys
    assert not any(k.startswith("analysis_spatial_markov") for k in keys)
    assert "analysis_markov_order_env" in keys and "analysis_gini" in keys


def test_no_analysis_gives_no_tables() -> None:
    spec = small_spec(None)
    del spec["analysis"]
    assert analysis_paper_tables(_fit(spec)) == []


def _match(shown: pd.Series, source: pd.Series) -> None:
    np.testing.assert_array_equal(shown.to_numpy(dtype=float), source.to_numpy(dtype=float))


#: Every number column of the long tables: shown header → (source table, column, factor).
SOURCES: dict[str, dict[str, tuple[str, float]]] = {
    "analysis_group_stats": {
        "N": ("n", 1),
        "Mean": ("mean", 1),
        "SD": ("sd", 1),
        "Rank": ("rank", 1),
    },
    "analysis_gini": {
        "Overall G": ("G", 1),
        "Within G_w": ("Gw", 1),
        "Between G_nb": ("Gnb", 1),
        "Transvariation G_t": ("Gt", 1),
        "Within share (%)": ("share_w", 100),
        "Between share (%)": ("share_nb", 100),
        "Transvariation share (%)": ("share_t", 100),
    },
    "analysis_theil": {
        "Theil T": ("T", 1),
        "Within T_w": ("Tw", 1),
        "Between T_b": ("Tb", 1),
        "Within share (%)": ("share_w", 100),
        "Between share (%)": ("share_b", 100),
    },
    "analysis_sigma": {
        "Mean": ("mean", 1),
        "SD σ": ("sd", 1),
        "Coefficient of variation": ("cv", 1),
    },
    "analysis_beta": {
        "N": ("n", 1),
        "Span T": ("span", 1),
        "β": ("beta", 1),
        "SE": ("se", 1),
        "t": ("t", 1),
        "p": ("p", 1),
        "R²": ("r2", 1),
        "Speed of convergence": ("speed", 1),
    },
    "analysis_density": {
        "Bandwidth": ("bandwidth", 1),
        "Main peak location": ("peak_location", 1),
        "Main peak height": ("peak_height", 1),
        "Number of peaks": ("n_peaks", 1),
        "Width at half height": ("width", 1),
    },
    "analysis_moran": {
        "Moran's I": ("I", 1),
        "E[I]": ("EI", 1),
        "z": ("z", 1),
        "p (normal)": ("p_norm", 1),
        "p (permutations)": ("p_sim", 1),
    },
    "analysis_spatial_markov_tests": {
        "LR": ("LR", 1),
        "p (LR)": ("LR_p", 1),
        "Q": ("Q", 1),
        "p (Q)": ("Q_p", 1),
        "Degrees of freedom": ("dof", 1),
    },
}


def test_numbers_equal_the_analysis_tables(result: cosyn.Result) -> None:
    a = result.analysis
    assert a is not None
    t = _by_key(result)
    for key, columns in SOURCES.items():
        source = getattr(a, key.removeprefix("analysis_"))
        shown = t[key]
        assert len(shown) == len(source)
        numeric = [c for c in shown.columns if c not in ("Series", "Year", "Group")]
        assert set(numeric) - {"Converging", "First period", "Last period"} - set(
            c for c in numeric if c.startswith("T (")
        ) == set(columns), key
        for header_, (column, factor) in columns.items():
            _match(shown[header_], source[column] * factor)
        labels = [analysis_series_label(result, s, "en") for s in source["series"]]
        assert shown["Series"].tolist() == labels
    assert t["analysis_beta"]["Converging"].tolist() == [
        "yes" if c else "no" for c in a.beta["converging"]
    ]
    # wide tables: one column per group (pair), values in the long table's order
    within = t["analysis_gini_within"][["East", "Central", "West"]].to_numpy().ravel()
    np.testing.assert_array_equal(within, a.gini_within["G_jj"].to_numpy(dtype=float))
    pairs = ["East–Central", "East–West", "Central–West"]
    between = t["analysis_gini_between"][pairs].to_numpy().ravel()
    np.testing.assert_array_equal(between, a.gini_between["G_jh"].to_numpy(dtype=float))
    groups = ["T (East)", "T (Central)", "T (West)"]
    theil_g = t["analysis_theil"][groups].to_numpy().ravel()
    np.testing.assert_array_equal(theil_g, a.theil_groups["T_g"].to_numpy(dtype=float))


def test_markov_matrix_equals_the_long_table(result: cosyn.Result) -> None:
    a = result.analysis
    assert a is not None
    matrix = _by_key(result)["analysis_markov_order_econ"]
    long = a.markov[a.markov["series"] == "order:econ"]
    classes = a.markov_classes[a.markov_classes["series"] == "order:econ"]
    names = classes["class"].tolist()
    assert list(matrix.columns) == ["Class at t", "n", *names]
    body = matrix.iloc[: len(names)]
    assert body["Class at t"].tolist() == names
    for c in names:
        src = long[long["from"] == c]
        assert body.loc[body["Class at t"] == c, "n"].item() == src["count"].sum()
        _match(body.loc[body["Class at t"] == c, names].iloc[0], src["probability"])
    # 6 entities × 3 consecutive pairs of periods
    assert body["n"].sum() == 18
    steady = matrix.iloc[-1]
    assert steady["Class at t"] == "Steady state" and steady["n"] is None
    _match(steady[names], classes["steady_state"])


def test_spatial_markov_blocks(result: cosyn.Result) -> None:
    a = result.analysis
    assert a is not None
    table = _by_key(result)["analysis_spatial_markov_order_econ"]
    long = a.spatial_markov[a.spatial_markov["series"] == "order:econ"]
    assert table["Spatial lag class"].unique().tolist() == ["Q1", "Q2", "Q3"]
    assert len(table) == 9
    assert table["n"].sum() == long["count"].sum()
    cells = table[["Q1", "Q2", "Q3"]].to_numpy().ravel()
    np.testing.assert_array_equal(cells, long["probability"].to_numpy(dtype=float))


def test_lisa_lists_the_entities_of_each_cluster(result: cosyn.Result) -> None:
    a = result.analysis
    assert a is not None
    lisa = pd.DataFrame(
        {
            "series": "order:econ",
            "period": [2020] * 6 + [2021] * 6,
            "entity": PROVINCES * 2,
            "Ii": 0.5,
            "z": 1.0,
            "lag": 0.1,
            "quadrant": ["HH", "HH", "LL", "HL", "LH", "LL"] * 2,
            "p_sim": [0.01, 0.02, 0.03, 0.2, 0.04, 0.5] + [0.5] * 6,
            "significant": [True, True, True, False, True, False] + [False] * 6,
            "cluster": ["HH", "HH", "LL", "not significant", "LH", "not significant"]
            + ["not significant"] * 6,
        }
    )
    fake = dataclasses.replace(a, lisa=lisa)
    copy = dataclasses.replace(result)
    vars(copy)["analysis"] = fake  # the cached property, given
    en = _by_key(copy)["analysis_lisa"]
    assert list(en.columns) == [
        "Series",
        "Year",
        "HH (high–high)",
        "LH (low–high)",
        "LL (low–low)",
        "HL (high–low)",
        "Not significant (n)",
    ]
    first = en.iloc[0]
    assert first["HH (high–high)"] == "北京, 天津"
    assert first["LH (low–high)"] == "四川"
    assert first["LL (low–low)"] == "山西"
    assert first["HL (high–low)"] == ""
    assert first["Not significant (n)"] == 2
    assert en.iloc[1]["Not significant (n)"] == 6
    zh = _by_key(copy, "zh")["analysis_lisa"]
    assert zh.iloc[0]["高-高集聚（HH）"] == "北京、天津"
    titles = {t.key: t.title for t in analysis_paper_tables(copy, "zh")}
    assert titles["analysis_lisa"] == "LISA 集聚类型（局部莫兰指数，p < 0.05）"


# -- languages -----------------------------------------------------------------------------


def test_chinese_headers_series_and_groups(result: cosyn.Result) -> None:
    zh = {t.key: t for t in analysis_paper_tables(result, "zh")}
    gini = zh["analysis_gini"].table
    assert list(gini.columns) == [
        "指标",
        "年份",
        "总体基尼系数 G",
        "区域内差异 G_w",
        "区域间差异 G_nb",
        "超变密度 G_t",
        "区域内贡献率（%）",
        "区域间贡献率（%）",
        "超变密度贡献率（%）",
    ]
    assert gini["指标"].unique().tolist() == ["μ（经济）", "μ（环境）", "μ（均值）", "D"]
    assert zh["analysis_gini"].title == "Dagum 基尼系数及其分解"
    assert list(zh["analysis_gini_within"].table.columns[2:]) == ["东部", "中部", "西部"]
    assert list(zh["analysis_gini_between"].table.columns[2:]) == [
        "东部-中部",
        "东部-西部",
        "中部-西部",
    ]
    stats = zh["analysis_group_stats"].table
    assert list(stats.columns) == ["指标", "年份", "分组", "样本量", "平均值", "标准差", "排名"]
    assert stats["指标"].iloc[0] == "U"
    sigma = zh["analysis_sigma"].table
    assert "全部" in sigma["分组"].tolist()
    beta = zh["analysis_beta"].table
    assert set(beta["是否收敛"]) <= {"是", "否"}
    markov = zh["analysis_markov_synergy"]
    assert markov.title == "U 的马尔可夫转移概率矩阵"
    assert markov.table.iloc[-1]["t 期类型"] == "稳态分布"
    # every Chinese header is a word of the dictionary or a group, class or period name
    words = {zh_word for _, zh_word in ANALYSIS_HEADERS.values()}
    assert "莫兰指数 I" in zh["analysis_moran"].table.columns and "莫兰指数 I" in words


def test_level_classes_are_translated() -> None:
    spec = small_spec(None, series=["synergy"], classes="levels")
    del spec["analysis"]["k"]
    res = _fit(spec)
    zh = _by_key(res, "zh")["analysis_markov_synergy"]
    assert "低度协同" in zh.columns and "低度协同" in zh["t 期类型"].tolist()
    en = _by_key(res, "en")["analysis_markov_synergy"]
    assert "low" in en.columns


def test_series_labels(result: cosyn.Result) -> None:
    assert analysis_series_label(result, "synergy", "zh") == "U"
    assert analysis_series_label(result, "coupling", "en") == "D"
    assert analysis_series_label(result, "order:econ", "en") == "μ 经济"
    assert analysis_series_label(result, "order:env", "zh") == "μ（环境）"
    assert analysis_series_label(result, "order:mean", "en") == "mean μ"
    assert analysis_series_label(result, "order:mean", "zh") == "μ（均值）"
    with pytest.raises(ValueError, match="language"):
        analysis_series_label(result, "synergy", "fr")


def test_groups_of_a_data_column_as_written() -> None:
    # a groups column of numbers: the group statistics show them as written, the wide
    # tables name their columns by them as text
    data = small_panel()
    zone = dict(zip(PROVINCES, [2, 2, 1, 1, 3, 3], strict=True))
    data["zone"] = data["province"].map(zone)
    spec = small_spec(None, series=["order"], groups="zone")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cosyn.CosynWarning)
        res = cosyn.fit(data, spec)
    tables = _by_key(res, "zh")
    stats = tables["analysis_group_stats"]
    assert stats["分组"].iloc[:3].tolist() == [2, 1, 3]  # in order of appearance
    within = tables["analysis_gini_within"]
    assert list(within.columns[2:]) == ["2", "1", "3"]
    assert list(tables["analysis_gini_between"].columns[2:]) == ["2-1", "2-3", "1-3"]
    assert list(tables["analysis_theil"].columns[-3:]) == ["T（2）", "T（1）", "T（3）"]


def test_lisa_table_from_the_permutations(tmp_path: Path) -> None:
    ring = ring_neighbours(tmp_path / "ring.csv")
    res = _fit(small_spec(ring, series=["order"], permutations=99))
    a = res.analysis
    assert a is not None and len(a.lisa)
    table = _by_key(res)["analysis_lisa"]
    assert len(table) == a.lisa.groupby(["series", "period"]).ngroups == 3 * 4
    quadrants = ["HH (high–high)", "LH (low–high)", "LL (low–low)", "HL (high–low)"]
    for row, (_, block) in zip(
        table.itertuples(index=False), a.lisa.groupby(["series", "period"], sort=False), strict=True
    ):
        shown = dict(zip(table.columns, row, strict=True))
        listed = [e for q in quadrants for e in str(shown[q]).split(", ") if e]
        significant = block[block["significant"]]
        assert sorted(listed) == sorted(significant["entity"])
        assert shown["Not significant (n)"] == len(block) - len(significant)
        for q in quadrants:
            members = significant.loc[significant["quadrant"] == q[:2], "entity"]
            assert str(shown[q]) == ", ".join(members)


def test_a_shared_subsystem_label_names_its_key(result: cosyn.Result) -> None:
    import dataclasses as dc

    spec = result.spec
    subsystems = tuple(dc.replace(s, label="同一") for s in spec.subsystems)
    copy = dc.replace(result, spec=dc.replace(spec, subsystems=subsystems))
    assert analysis_series_label(copy, "order:econ", "en") == "μ 同一 (econ)"
    assert analysis_series_label(copy, "order:env", "zh") == "μ（同一，env）"

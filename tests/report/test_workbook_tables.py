"""The workbook's paper tables, its Chinese, and its forecast grades
(cosyn.report.workbook with cosyn.report.tables), on the bundled province example and
on small hand-made panels."""

from __future__ import annotations

import dataclasses
import re
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell

import cosyn
from cosyn.report import workbook
from cosyn.report.tables import HEADERS, header
from cosyn.report.workbook import DECIMALS, write_workbook

ROOT = Path(__file__).resolve().parents[2]
PROVINCES = ROOT / "examples" / "provinces"
SUBSYSTEMS = ["数字经济", "产业集群", "生态环境"]
KEYS = {"digital", "cluster", "ecology"}
#: The paper tables' header words in Chinese (cosyn.report.tables), by name.
ZH = {name: header(name, "zh") for name in HEADERS}
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def provinces() -> cosyn.Result:
    """The bundled 31-province example, without its robustness draws (kept fast)."""
    spec = cosyn.Spec.from_toml(PROVINCES / "model.toml")
    spec = dataclasses.replace(
        spec, diagnostics=dataclasses.replace(spec.diagnostics, robustness=None)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cosyn.CosynWarning)  # GM(1,1)'s shifted series
        return cosyn.fit(PROVINCES / "panel.csv", spec)


@pytest.fixture(scope="module")
def zh_book(provinces: cosyn.Result, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("zh") / "results.xlsx"
    return write_workbook(provinces, path, lang="zh")


@pytest.fixture(scope="module")
def en_book(provinces: cosyn.Result, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_workbook(provinces, tmp_path_factory.mktemp("en") / "results.xlsx")


@pytest.fixture(scope="module")
def zh_wb(zh_book: Path) -> Workbook:
    return load_workbook(zh_book)


def rows(book: Path | Workbook, sheet: str) -> list[list[Any]]:
    wb = load_workbook(book, read_only=True) if isinstance(book, Path) else book
    return [list(r) for r in wb[sheet].iter_rows(values_only=True)]


def body(path: Path, sheet: str) -> pd.DataFrame:
    """A paper table's sheet read back: title in row 1, header in row 2."""
    return pd.read_excel(path, sheet_name=sheet, header=1)


# -- sheets and Chinese ---------------------------------------------------------------------
def test_zh_sheet_names_paper_tables_first(zh_wb: Workbook) -> None:
    assert zh_wb.sheetnames == [
        "描述性统计",
        "指标权重",
        "指标权重（分对象）",
        "协同度",
        "有序度（数字经济）",
        "有序度（产业集群）",
        "有序度（生态环境）",
        "耦合协调度",
        "耦合协调",
        "说明",
        "数据",
        "上下限",
        "指标有序度",
        "权重明细",
        "子系统有序度",
        "协同度明细",
        "灰色关联度",
        "跨子系统灰色关联度",
        "耦合协调明细",
        "障碍度",
        "GM(1,1)预测",
    ]


def test_zh_headers_are_chinese_and_name_subsystems_by_label(
    zh_book: Path, zh_wb: Workbook
) -> None:
    wb = zh_wb
    head = {ws.title: [c.value for c in ws[2 if ws.title in PAPER_ZH else 1]] for ws in wb}
    assert head["描述性统计"] == [
        ZH["subsystem"],
        ZH["indicator"],
        ZH["unit"],
        ZH["direction"],
        ZH["n"],
        ZH["imputed"],
        ZH["mean"],
        ZH["sd"],
        ZH["min"],
        ZH["max"],
    ]
    assert head["指标权重"] == [
        ZH["subsystem"],
        ZH["indicator"],
        ZH["e"],
        ZH["d"],
        ZH["weight"],
        ZH["weight_pct"],
    ]
    assert head["子系统有序度"] == ["省份", "年份", *SUBSYSTEMS]
    assert head["协同度明细"] == [
        "省份",
        "基期",
        "年份",
        ZH["synergy"],
        "协同等级",
        "发展阶段",
    ]
    assert head["权重明细"] == ["省份", ZH["subsystem"], ZH["indicator"], ZH["weight"]]
    assert head["上下限"] == ["省份", ZH["indicator"], "下限", "上限"]
    assert head["障碍度"] == [
        "省份",
        "年份",
        "排名",
        ZH["subsystem"],
        ZH["indicator"],
        "障碍度 O",
        "障碍因子乘积 FI",
    ]
    assert head["耦合协调明细"][-4:] == [
        *(ZH["E_of"].format(label) for label in SUBSYSTEMS),
        ZH["lag"],
    ]
    assert "精度等级" in head["GM(1,1)预测"] and "级比检验" in head["GM(1,1)预测"]
    for title, names in head.items():  # every header is Chinese, bar data and symbols
        if title not in ("数据", "说明"):
            assert all(CJK.search(str(n)) or str(n).isdigit() for n in names), (title, names)
    # no header anywhere is a TOML key or an English column name of the result tables
    english = {"entity", "period", "synergy", "level", "stage", "weight", "grade", "kind"}
    for title, names in head.items():
        if title != "数据":  # the data sheet keeps the data's own column names
            assert not (KEYS | english) & set(names), title
    # subsystem values are labels too
    weights = pd.read_excel(zh_book, sheet_name="权重明细")
    assert set(weights[ZH["subsystem"]]) == set(SUBSYSTEMS)


PAPER_ZH = {
    "描述性统计",
    "指标权重",
    "指标权重（分对象）",
    "协同度",
    "有序度（数字经济）",
    "有序度（产业集群）",
    "有序度（生态环境）",
    "耦合协调度",
    "耦合协调",
}


def test_en_subsystem_order_is_headed_by_labels(en_book: Path) -> None:
    head = rows(en_book, "subsystem_order")[0]
    assert head == ["entity", "period", *SUBSYSTEMS]


def test_zh_readme_says_options_in_words(zh_wb: Workbook) -> None:
    readme = rows(zh_wb, "说明")
    cells = {str(r[0]): r[1] for r in readme if r and r[0] is not None and len(r) > 1}
    assert cells["赋权方法（method.weights）"] == "熵值法（entropy）"
    assert cells["上下限范围（method.bounds）"] == "按主体（entity）"
    assert cells["基期（method.base）"] == "首期（first）"
    assert cells["耦合度模型（diagnostics.coupling）"] == "传统耦合度模型（classic）"
    assert cells["灰色关联分析（diagnostics.gra）"] == "是"
    assert cells["数据来源"].startswith("数据文件 ")
    assert "sheet='数据'" in " ".join(str(r[1]) for r in readme if len(r) > 1)


# -- numbers of the paper tables --------------------------------------------------------------
def test_wide_tables_hold_the_result_to_full_precision(
    provinces: cosyn.Result, zh_book: Path, zh_wb: Workbook
) -> None:
    E, T = len(provinces.entities), len(provinces.periods)
    years = [str(p) for p in provinces.periods]
    title = zh_wb["协同度"]["A1"].value
    assert title == "复合系统协同度 U（基期 2011）"
    u = body(zh_book, "协同度")
    assert (
        u["省份"].tolist()[:E] == list(provinces.entities) and u["省份"].iloc[E] == ZH["mean_row"]
    )
    expected = np.full((E, T), np.nan)
    expected[:, provinces.t1] = provinces.synergy_values
    got = u[years].to_numpy(dtype=float)
    np.testing.assert_array_equal(got[:E], expected)  # exact: full precision stored
    np.testing.assert_allclose(got[E, 1:], expected[:, 1:].mean(axis=0), rtol=1e-15)
    assert np.isnan(got[E, 0])  # the base period compares nothing
    # rank in the last period: 1 = highest U, integers
    rank = u[ZH["rank"].format(years[-1])].iloc[:E].to_numpy()
    order = np.argsort(-expected[:, -1], kind="stable")
    assert rank[order[0]] == 1 and rank[order[-1]] == E
    for j, label in enumerate(SUBSYSTEMS):
        mu = body(zh_book, f"有序度（{label}）")
        np.testing.assert_array_equal(mu[years].to_numpy(dtype=float)[:E], provinces.mu[:, :, j])
    d = body(zh_book, "耦合协调度")
    coupling = provinces.coupling
    np.testing.assert_array_equal(
        d[years].to_numpy(dtype=float)[:E], coupling["D"].to_numpy().reshape(E, T)
    )


def test_paper_numbers_are_shown_with_four_decimals(zh_wb: Workbook) -> None:
    wb = zh_wb
    ws = wb["协同度"]
    assert ws["A1"].font.b and ws.freeze_panes == "B3"
    assert all(c.font.b for c in ws[2])
    c2 = ws["C3"]  # 北京, 2012
    assert c2.data_type == "n" and c2.number_format == DECIMALS
    weights = wb["指标权重"]
    assert weights.freeze_panes == "A3"
    head = [c.value for c in weights[2]]
    w_cell = weights.cell(3, head.index(ZH["weight"]) + 1)
    pct_cell = weights.cell(3, head.index(ZH["weight_pct"]) + 1)
    assert w_cell.number_format == DECIMALS and pct_cell.number_format == "0.00"
    assert pct_cell.value == pytest.approx(100 * w_cell.value, rel=1e-15)
    stats = wb["描述性统计"]
    n_cell = stats.cell(3, 5)
    assert isinstance(n_cell.value, int) and n_cell.number_format == "General"


def test_descriptive_statistics_match_the_data_file(zh_book: Path) -> None:
    """Independent of cosyn: pandas on the CSV, "—" and empty cells as missing."""
    raw = pd.read_csv(PROVINCES / "panel.csv", na_values=["—", "-"])
    stats = body(zh_book, "描述性统计").set_index(ZH["indicator"])
    spec = cosyn.Spec.from_toml(PROVINCES / "model.toml")
    for ind in spec.indicators:
        column = raw[ind.column].astype(float)
        row = stats.loc[ind.label]
        assert row[ZH["n"]] == column.notna().sum(), ind.column
        assert row[ZH["mean"]] == pytest.approx(column.mean(), rel=1e-12)
        assert row[ZH["sd"]] == pytest.approx(column.std(ddof=1), rel=1e-12)
        assert row[ZH["min"]] == column.min() and row[ZH["max"]] == column.max()
        assert row[ZH["unit"]] == ind.unit
    assert stats[ZH["imputed"]].sum() == 2  # the empty cell and the "—" cell


def test_weight_tables_sum_to_one_per_subsystem(provinces: cosyn.Result, zh_book: Path) -> None:
    main = body(zh_book, "指标权重")
    for label, group in main.groupby(ZH["subsystem"]):
        assert group[ZH["weight"]].sum() == pytest.approx(1.0, abs=1e-12), label
        assert group[ZH["weight_pct"]].sum() == pytest.approx(100.0, abs=1e-10), label
        d = group[ZH["d"]].to_numpy()
        assert np.all((d >= 0) & (d <= 1))
    by_entity = body(zh_book, "指标权重（分对象）")
    np.testing.assert_array_equal(
        by_entity[ZH["weight"]].to_numpy(), provinces.weight_values.ravel()
    )
    e = by_entity[ZH["e"]].to_numpy()
    np.testing.assert_allclose(by_entity[ZH["d"]].to_numpy(), 1 - e, rtol=0, atol=1e-15)


def test_coupling_table_holds_c_t_d(provinces: cosyn.Result, zh_book: Path) -> None:
    table = body(zh_book, "耦合协调")
    for zh, en in ((ZH["C"], "C"), (ZH["T"], "T"), (ZH["D"], "D")):
        np.testing.assert_array_equal(table[zh].to_numpy(), provinces.coupling[en].to_numpy())
    np.testing.assert_allclose(table[ZH["D"]], np.sqrt(table[ZH["C"]] * table[ZH["T"]]), rtol=1e-12)
    assert set(table[ZH["level"]]) <= {
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
    }


# -- forecasts --------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_forecast_grade_never_reads_good_when_the_level_ratio_test_failed(
    provinces: cosyn.Result, zh_book: Path, en_book: Path, lang: str
) -> None:
    path, sheet = (zh_book, "GM(1,1)预测") if lang == "zh" else (en_book, "forecast")
    table = pd.read_excel(path, sheet_name=sheet)
    words = {
        "en": ("grade", "level_ratio", "level_ratio_ok", "clipped", "good", "shifted"),
        "zh": (
            "精度等级",
            "级比检验",
            "级比检验通过",
            "超出范围被截断",
            "好",
            "未通过，平移后建模",
        ),
    }[lang]
    grade, ratio, ok, clipped, good, shifted = words
    assert clipped in table.columns and ratio in table.columns
    failed = ~table[ok].astype(bool)
    assert failed.all()  # every series of the example fails the level-ratio test …
    assert (provinces.forecast["grade"] == "good").any()  # … while C and P say "good"
    assert not (table.loc[failed, grade] == good).any()
    assert (table.loc[failed, ratio] == shifted).all()
    prefix = "level-ratio test failed" if lang == "en" else "级比检验未通过"
    assert table.loc[failed, grade].str.startswith(prefix).all()
    np.testing.assert_array_equal(table[clipped], provinces.forecast["clipped"])


def test_forecast_grade_stays_when_the_level_ratio_test_passed(tmp_path: Path) -> None:
    # μ rising by a steady 8 % a year from 0.5 passes the level-ratio test
    # (λ = 1/1.08 ≈ 0.926 inside [e^(−2/7), e^(2/7)] ≈ [0.751, 1.331] for n = 6)
    n = 6
    growth = 1.08 ** np.arange(n)
    frame = pd.DataFrame(
        {
            "who": ["p"] * n + ["q"] * n,
            "year": list(range(2010, 2010 + n)) * 2,
            "a1": np.r_[growth, growth * 1.5],
            "a2": np.r_[growth * 2, growth * 3],
            "b1": np.r_[growth * 5, growth * 4],
            "b2": np.r_[growth, growth * 2],
        }
    )
    spec = cosyn.Spec.from_dict(
        {
            "entity": "who",
            "period": "year",
            "method": {"bounds": "panel", "weights": "equal"},
            "subsystems": {
                "a": {"indicators": {"a1": "+", "a2": "+"}},
                "b": {"indicators": {"b1": "+", "b2": "+"}},
            },
            "diagnostics": {"forecast": 1},
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cosyn.CosynWarning)
        res = cosyn.fit(frame, spec)
    table = pd.read_excel(write_workbook(res, tmp_path / "r.xlsx"), sheet_name="forecast")
    passed = table["level_ratio_ok"].astype(bool)
    assert passed.any()
    np.testing.assert_array_equal(
        table.loc[passed, "grade"], res.forecast.loc[passed.to_numpy(), "grade"]
    )


# -- formula safety and the row limit ---------------------------------------------------------
def risky() -> cosyn.Result:
    rng = np.random.default_rng(3)
    n = 4
    frame = pd.DataFrame(
        {
            "who": ["=1+1"] * n + ["@SUM(A1)"] * n,
            "year": list(range(2010, 2010 + n)) * 2,
            "-x": rng.random(2 * n) + 1,
            "a2": rng.random(2 * n) + 1,
            "b1": rng.random(2 * n) + 1,
            "b2": rng.random(2 * n) + 1,
        }
    )
    spec = {
        "entity": "who",
        "period": "year",
        "subsystems": {
            "a": {
                "label": "+plus",
                "indicators": [
                    {"column": "-x", "label": "=HYPERLINK(1)", "direction": "+"},
                    {"column": "a2", "direction": "+"},
                ],
            },
            "b": {"label": "-minus", "indicators": {"b1": "+", "b2": "+"}},
        },
        "diagnostics": {"coupling": "classic"},
    }
    return cosyn.fit(frame, cosyn.Spec.from_dict(spec))


def assert_text(cell: Cell, text: str) -> None:
    assert cell.value == text and cell.data_type == "s" and cell.quotePrefix, cell.coordinate


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_formula_looking_names_in_paper_tables_are_text(tmp_path: Path, lang: str) -> None:
    path = write_workbook(risky(), tmp_path / "r.xlsx", lang=lang)
    wb = load_workbook(path)
    synergy = wb["Synergy U" if lang == "en" else "协同度"]
    assert_text(synergy["A3"], "=1+1")
    assert_text(synergy["A4"], "@SUM(A1)")
    stats = wb["Table 1" if lang == "en" else "描述性统计"]
    assert_text(stats["A3"], "+plus")
    assert_text(stats["B3"], "=HYPERLINK(1)")
    order = wb["Order μ -minus" if lang == "en" else "有序度（-minus）"]
    assert order["A1"].value.endswith("μ") or "-minus" in order["A1"].value
    assert_text(wb["subsystem_order" if lang == "en" else "子系统有序度"]["D1"], "-minus")
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<f[ >]", z.read(name)), name


def test_a_paper_sheet_beyond_the_row_limit_is_cut_with_a_message(
    provinces: cosyn.Result, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workbook, "MAX_ROWS", 10)
    with pytest.warns(cosyn.CosynWarning) as caught:
        path = write_workbook(provinces, tmp_path / "r.xlsx", lang="zh")
    said = " ".join(str(w.message) for w in caught)
    assert "工作表 '协同度' 只含 32 行中的前 9 行" in said  # 31 provinces and the mean row
    assert "工作表 '协同度明细' 只含 341 行中的前 10 行" in said
    wb = load_workbook(path)
    assert wb["协同度"].max_row == 1 + 1 + 9  # title, header, 9 rows
    assert wb["协同度明细"].max_row == 1 + 10
    assert wb["描述性统计"].max_row == 1 + 1 + 9
    notes = [r[1] for r in rows(path, "说明") if r and r[0] == "说明与警告"]
    assert any("'协同度' 只含 32 行中的前 9 行" in str(n) for n in notes)
    # where the full table is, in Chinese too
    assert any("Python 中的 cosyn.report.tables.paper_tables(result)" in str(n) for n in notes)
    assert any("synergy.csv（由 `cosyn run` 写出）" in str(n) for n in notes)


def test_no_message_below_the_row_limit(provinces: cosyn.Result, tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", cosyn.CosynWarning)
        write_workbook(provinces, tmp_path / "r.xlsx")


def test_paper_sheet_names_are_legal_and_distinct(tmp_path: Path) -> None:
    # Excel refuses [ ] : * ? / \ in a sheet name and more than 31 characters
    rng = np.random.default_rng(5)
    n = 4
    frame = pd.DataFrame(
        {
            "who": ["p"] * n + ["q"] * n,
            "year": list(range(2010, 2010 + n)) * 2,
            **{c: rng.random(2 * n) + 1 for c in ("a1", "a2", "b1", "b2", "c1", "c2")},
        }
    )
    long = "一个名称很长很长的子系统，超过了工作表名称允许的三十一个字符"
    spec = {
        "entity": "who",
        "period": "year",
        "subsystems": {
            "a": {"label": "trade/export: [a]*?", "indicators": {"a1": "+", "a2": "+"}},
            "b": {"label": long + "甲", "indicators": {"b1": "+", "b2": "+"}},
            "c": {"label": long + "乙", "indicators": {"c1": "+", "c2": "+"}},
        },
    }
    res = cosyn.fit(frame, cosyn.Spec.from_dict(spec))
    names = load_workbook(write_workbook(res, tmp_path / "r.xlsx", lang="zh")).sheetnames
    orders = [s for s in names if s.startswith("有序度")]
    assert len(orders) == 3 and len({s.lower() for s in names}) == len(names)
    assert orders[0] == "有序度（trade_export_ _a___）"
    assert all(len(s) <= 31 and not set("[]:*?/\\") & set(s) for s in names)
    assert orders[2].endswith("~2")  # cut to the same 31 characters as the one before


def test_subsystems_sharing_a_label_get_distinct_headers(tmp_path: Path) -> None:
    rng = np.random.default_rng(6)
    n = 4
    frame = pd.DataFrame(
        {
            "who": ["p"] * n + ["q"] * n,
            "year": list(range(2010, 2010 + n)) * 2,
            **{c: rng.random(2 * n) + 1 for c in ("a1", "a2", "b1", "b2")},
        }
    )
    spec = {
        "entity": "who",
        "period": "year",
        "subsystems": {
            "city": {"label": "Trade", "indicators": {"a1": "+", "a2": "+"}},
            "cluster": {"label": "Trade", "indicators": {"b1": "+", "b2": "+"}},
        },
    }
    res = cosyn.fit(frame, cosyn.Spec.from_dict(spec))
    path = write_workbook(res, tmp_path / "r.xlsx")
    head = rows(path, "subsystem_order")[0]
    assert head == ["entity", "period", "Trade (city)", "Trade (cluster)"]

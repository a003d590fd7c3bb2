"""The XLSX workbook: sheets, numbers read back, README, highlights, formula safety,
row limit and atomic writing (cosyn.report.workbook)."""

from __future__ import annotations

import hashlib
import re
import warnings
import zipfile
from dataclasses import fields
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

import cosyn
from cosyn.methods.coupling import (
    COORDINATION_LEVELS,
    COORDINATION_LEVELS_ZH,
    COUPLING_STAGES,
    COUPLING_STAGES_ZH,
)
from cosyn.methods.grey import GM11_GRADES
from cosyn.report import DIAGNOSTIC_TABLES, diagnostic_tables, workbook
from cosyn.report.tables import header as word
from cosyn.report.text import translate
from cosyn.report.workbook import DECIMALS, IMPUTED_FILL, SHEETS, write_workbook
from cosyn.spec import Method

TRADE = cosyn.datasets.data_path("trade.csv")
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


@pytest.fixture(scope="module")
def trade() -> cosyn.Result:
    return cosyn.fit(TRADE, cosyn.datasets.load_spec("trade_model"))


@pytest.fixture(params=["arrow", "python"])
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test with Arrow formatting (when pyarrow is installed) and without."""
    if request.param == "arrow":
        pytest.importorskip("pyarrow")
        monkeypatch.setattr(workbook, "_ENGINE", "auto")
    else:
        monkeypatch.setattr(workbook, "_ENGINE", "python")
    return str(request.param)


def readme(path: Path) -> dict[str, list[Any]]:
    """README rows keyed by their first cell, empty cells at the end left off (rows with
    the same first cell are listed in order)."""
    wb = load_workbook(path)
    ws = wb["README" if "README" in wb.sheetnames else "说明"]
    out: dict[str, list[Any]] = {}
    for row in ws.iter_rows(values_only=True):
        values = list(row)
        while values and values[-1] is None:
            values.pop()
        if values and values[0] is not None:
            out.setdefault(str(values[0]), []).append(values[1:])
    return out


def trade_with_gaps() -> tuple[pd.DataFrame, cosyn.Spec]:
    frame = pd.read_csv(TRADE)
    frame.loc[3, "cluster_import"] = np.nan  # textile_clothing 2013
    frame.loc[20, "city_export"] = np.nan  # beauty_daily_chemical 2018
    frame.loc[21, "city_export"] = np.nan
    return frame, cosyn.datasets.load_spec("trade_model")


# -- structure ---------------------------------------------------------------------------
#: The paper tables' sheets of the trade model, first in the workbook.
PAPER_EN = [
    "Table 1",
    "Weight table",
    "Weights by entity",
    "Synergy U",
    "Order μ Cluster trade",
    "Order μ City trade",
]
PAPER_ZH = [
    "描述性统计",
    "指标权重",
    "指标权重（分对象）",
    "协同度",
    "有序度（Cluster trade）",
    "有序度（City trade）",
]
BASE_ZH = ["说明", "数据", "上下限", "指标有序度", "权重明细", "子系统有序度", "协同度明细"]


def test_sheets_in_order(trade: cosyn.Result, tmp_path: Path) -> None:
    out = write_workbook(trade, tmp_path / "results.xlsx")
    assert out == tmp_path / "results.xlsx"
    wb = load_workbook(out)
    assert wb.sheetnames == [*PAPER_EN, *SHEETS]
    assert wb.active.title == "Table 1"  # the workbook opens on the paper tables
    assert SHEETS == (
        "README",
        "data",
        "bounds",
        "order_degree",
        "weights",
        "subsystem_order",
        "synergy",
    )


def test_headers_bold_frozen_and_widths(trade: cosyn.Result, tmp_path: Path) -> None:
    wb = load_workbook(write_workbook(trade, tmp_path / "r.xlsx"))
    expected_freeze = {
        "data": "C2",
        "bounds": "A2",
        "order_degree": "C2",
        "weights": "A2",
        "subsystem_order": "C2",
        "synergy": "A2",
    }
    for name, freeze in expected_freeze.items():
        ws = wb[name]
        assert ws.freeze_panes == freeze, name
        assert all(c.font.b for c in ws[1]), name
        assert ws.column_dimensions["A"].width >= len("beauty_daily_chemical"), name
    assert [c.value for c in wb["data"][1]] == ["cluster", "year", *trade.indicators]
    assert [c.value for c in wb["synergy"][1]] == [
        "entity",
        "base_period",
        "period",
        "synergy",
        "level",
        "stage",
    ]


# -- numbers -----------------------------------------------------------------------------
def test_numbers_read_back_equal_the_result(
    trade: cosyn.Result, tmp_path: Path, engine: str
) -> None:
    path = write_workbook(trade, tmp_path / "r.xlsx")
    E, T, n_ind = trade.x.shape
    ind = list(trade.indicators)

    data = pd.read_excel(path, sheet_name="data")
    assert list(data.columns) == ["cluster", "year", *ind]
    np.testing.assert_array_equal(data[ind].to_numpy(), trade.x.reshape(E * T, n_ind))
    assert data["cluster"].tolist() == list(np.repeat(trade.entities, T))
    assert data["year"].dtype == np.int64  # numeric periods stay numbers
    assert data["year"].tolist() == list(np.tile(trade.periods, E))

    order = pd.read_excel(path, sheet_name="order_degree")
    np.testing.assert_array_equal(order[ind].to_numpy(), trade.u.reshape(E * T, n_ind))
    assert order["entity"].tolist() == list(np.repeat(trade.entities, T))

    mu = pd.read_excel(path, sheet_name="subsystem_order")
    labels = ["Cluster trade", "City trade"]  # headed by the labels, not the TOML keys
    assert list(mu.columns) == ["entity", "period", *labels]
    np.testing.assert_array_equal(mu[labels].to_numpy(), trade.mu.reshape(E * T, -1))

    for name, table in [
        ("weights", trade.weights),
        ("bounds", trade.bounds),
        ("synergy", trade.synergy),
    ]:
        sheet = pd.read_excel(path, sheet_name=name)
        pd.testing.assert_frame_equal(sheet, table, check_exact=True, check_dtype=False)


def test_cells_are_numbers_with_four_decimals_shown(trade: cosyn.Result, tmp_path: Path) -> None:
    wb = load_workbook(write_workbook(trade, tmp_path / "r.xlsx"))
    data = wb["data"]
    assert data["B2"].value == 2010 and data["B2"].data_type == "n"
    assert data["C2"].value == trade.x[0, 0, 0] and data["C2"].data_type == "n"
    for name in ("order_degree", "subsystem_order"):
        for row in wb[name].iter_rows(min_row=2, min_col=3):
            assert all(c.data_type == "n" and c.number_format == DECIMALS for c in row)
    for name, col in (("weights", "D"), ("synergy", "D")):
        cells = wb[name][col][1:]
        assert all(c.data_type == "n" and c.number_format == DECIMALS for c in cells)
    assert wb["synergy"]["D2"].value == trade.synergy_values[0, 0]
    assert wb["bounds"]["C2"].value == trade.lower[0, 0, 0]


def test_cells_of_one_sheet_do_not_depend_on_the_engine(
    trade: cosyn.Result, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("pyarrow")
    frame, spec = trade_with_gaps()
    res = cosyn.fit(frame, spec)
    sheets = {}
    for engine in ("auto", "python"):
        monkeypatch.setattr(workbook, "_ENGINE", engine)
        wb = load_workbook(write_workbook(res, tmp_path / f"{engine}.xlsx"))
        sheets[engine] = {
            name: [
                [(c.value, c.data_type, c.style_id) for c in row] for row in wb[name].iter_rows()
            ]
            for name in SHEETS[1:]
        }
    assert sheets["auto"] == sheets["python"]


def cells_of(chunks: list[bytes]) -> list[tuple[str, str | None, str | None]]:
    root = ElementTree.fromstring(b"<sheetData>" + b"".join(chunks) + b"</sheetData>")
    return [
        (c.get("r", ""), c.get("s"), c.findtext("v"))
        for row in root
        for c in row
        if c.tag in ("c", f"{MAIN}c")
    ]


def test_engines_write_the_same_cells_for_missing_and_highlighted_numbers() -> None:
    pa = pytest.importorskip("pyarrow")
    values = np.array([[1.5, np.nan, 3.0], [np.inf, 2.0, 0.1], [4.0, 5.0, 6.0]])
    alt = np.array([[False, True, False], [False, True, False], [False, False, False]])
    table = workbook._Table(
        "t",
        ("a", "b", "c"),
        (workbook._Numbers(values, 3, alt, 7),),
        3,
        "A2",
    )
    arrow = cells_of(list(workbook._chunks_arrow(pa, table, 2, 2)))
    python = cells_of(list(workbook._chunks_python(table, 2, 2)))
    parsed = [(r, s, None if v is None else float(v)) for r, s, v in arrow]
    assert parsed == [(r, s, None if v is None else float(v)) for r, s, v in python]
    # NaN and inf leave no number: an empty styled cell keeps the format and highlight
    assert parsed == [
        ("A2", "3", 1.5),
        ("B2", "7", None),
        ("C2", "3", 3.0),
        ("A3", "3", None),
        ("B3", "7", 2.0),
        ("C3", "3", 0.1),
        ("A4", "3", 4.0),
        ("B4", "3", 5.0),
        ("C4", "3", 6.0),
    ]


# -- README ------------------------------------------------------------------------------
def test_readme_lists_every_parameter_and_the_provenance(
    trade: cosyn.Result, tmp_path: Path
) -> None:
    path = write_workbook(trade, tmp_path / "r.xlsx", data_file=TRADE)
    doc = readme(path)
    for f in fields(Method):
        assert doc[f"method.{f.name}"][0][0] == getattr(trade.spec.method, f.name), f.name
    assert doc["data file SHA-256"][0][0] == hashlib.sha256(TRADE.read_bytes()).hexdigest()
    assert doc["data file"][0][0] == str(TRADE.resolve())
    assert doc["cosyn version"][0][0] == cosyn.__version__
    written = datetime.fromisoformat(doc["written (UTC)"][0][0])
    offset = written.utcoffset()
    assert offset is not None and offset.total_seconds() == 0
    assert doc["imputed cells"][0][0] == int(trade.imputed.sum())
    assert doc["entity column"][0][0] == "cluster"
    assert doc["period column"][0][0] == "year"
    assert doc["levels.edges"][0][0] == "0, 0.3, 0.6, 0.9"
    assert doc["stages.edges"][0][0] == "0, 0.3, 0.5, 0.8"
    assert doc["(0, 0.3]"] == [["low"], ["initial"]]
    assert doc["dropped indicators (constant)"][0][0] == "(none)"
    indicators = {row[1]: row for row in doc["cluster_trade"] + doc["city_trade"]}
    assert indicators["cluster_import"][:5] == [
        "Cluster trade",
        "cluster_import",
        "Cluster imports",
        "10,000 USD",
        "+",
    ]
    for name in SHEETS:  # one line for each sheet
        assert isinstance(doc[name][0][0], str) and doc[name][0][0]


def test_readme_without_data_file_names_the_source(trade: cosyn.Result, tmp_path: Path) -> None:
    doc = readme(write_workbook(trade, tmp_path / "r.xlsx"))
    assert "data file SHA-256" not in doc
    assert doc["data source"][0][0] == trade.panel.source


def test_readme_lists_notes_and_ahp_ratio(tmp_path: Path) -> None:
    spec = cosyn.datasets.load_spec("trade_model").to_dict()
    spec["method"]["weights"] = "ahp"
    spec["subsystems"]["cluster_trade"]["ahp"] = [[1, 2], [0.5, 1]]
    spec["subsystems"]["city_trade"]["ahp"] = [[1, 3], [1 / 3, 1]]
    res = cosyn.fit(TRADE, cosyn.Spec.from_dict(spec))
    doc = readme(write_workbook(res, tmp_path / "r.xlsx"))
    for name, cr in res.ahp_cr.items():
        assert doc[f"AHP consistency ratio: {name}"][0][0] == pytest.approx(cr, abs=0)
    assert doc["AHP pairwise matrix: cluster_trade"]


# -- highlights ----------------------------------------------------------------------------
def test_imputed_cells_are_highlighted(tmp_path: Path, engine: str) -> None:
    frame, spec = trade_with_gaps()
    res = cosyn.fit(frame, spec)
    assert res.imputed.sum() == 3
    wb = load_workbook(write_workbook(res, tmp_path / "r.xlsx"))
    ws = wb["data"]
    E, T, n_ind = res.x.shape
    for e in range(E):
        for t in range(T):
            for i in range(n_ind):
                cell = ws.cell(row=2 + e * T + t, column=3 + i)
                assert cell.value == res.x[e, t, i]
                if res.imputed[e, t, i]:
                    assert cell.fill.fill_type == "solid"
                    assert cell.fill.fgColor.rgb.endswith(IMPUTED_FILL)
                else:
                    assert cell.fill.fill_type is None
    # the header of an indicator with imputed cells says how many
    assert ws["C1"].comment is not None and ws["C1"].comment.text.startswith("1 imputed")
    assert ws["F1"].comment is not None and ws["F1"].comment.text.startswith("2 imputed")
    assert ws["D1"].comment is None
    legend = readme(tmp_path / "r.xlsx")["highlight"][0][0]
    assert "imputed" in legend
    legend_cell = next(r[1] for r in wb["README"].iter_rows() if r[0].value == "highlight")
    assert legend_cell.fill.fgColor.rgb.endswith(IMPUTED_FILL)


# -- formula safety ----------------------------------------------------------------------
def risky_result(diagnostics: dict[str, Any] | None = None) -> cosyn.Result:
    rng = np.random.default_rng(1)
    n = 5
    frame = pd.DataFrame(
        {
            "who": ["=1+1"] * n + ["ok"] * n,
            "year": list(range(2010, 2010 + n)) * 2,
            "-net exports": rng.random(2 * n) + 1,
            "a2": rng.random(2 * n) + 1,
            "b1": rng.random(2 * n) + 1,
            "b2": rng.random(2 * n) + 1,
        }
    )
    spec: dict[str, Any] = {
        "entity": "who",
        "period": "year",
        "subsystems": {
            "a": {
                "label": "+plus",
                "indicators": [
                    {"column": "-net exports", "label": "@SUM(A1)", "direction": "+"},
                    {"column": "a2", "direction": "+"},
                ],
            },
            "b": {"indicators": {"b1": "+", "b2": "+"}},
        },
    }
    if diagnostics:
        spec["diagnostics"] = diagnostics
    return cosyn.fit(frame, cosyn.Spec.from_dict(spec))


def assert_text(cell: Any, text: str) -> None:
    assert cell.value == text
    assert cell.data_type == "s"
    assert cell.quotePrefix  # Excel's "this is text" flag, as after typing '=1+1


def test_formula_looking_labels_are_stored_as_text(tmp_path: Path, engine: str) -> None:
    res = risky_result()
    path = write_workbook(res, tmp_path / "r.xlsx")
    wb = load_workbook(path)
    assert_text(wb["data"]["A2"], "=1+1")
    assert_text(wb["data"]["C1"], "-net exports")
    assert_text(wb["order_degree"]["A2"], "=1+1")
    assert_text(wb["order_degree"]["C1"], "-net exports")
    assert_text(wb["synergy"]["A2"], "=1+1")
    assert_text(wb["weights"]["C2"], "-net exports")
    assert_text(wb["bounds"]["B2"], "-net exports")
    ok = wb["data"].cell(row=2 + 5, column=1)
    assert ok.value == "ok" and not ok.quotePrefix
    readme_cells = {c.value: c for row in wb["README"].iter_rows() for c in row if c.value}
    assert_text(readme_cells["@SUM(A1)"], "@SUM(A1)")
    assert_text(readme_cells["+plus"], "+plus")
    # no formula anywhere in the package
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<f[ >]", z.read(name)), name
    # and pandas reads the labels back as they were
    data = pd.read_excel(path, sheet_name="data")
    assert data["who"].iloc[0] == "=1+1"


def test_awkward_text_is_kept(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    names = ["a & b <c>", " padded ", "广州 纺织", "bell\x07"]
    frame = pd.DataFrame(
        {
            "e": np.repeat(names, 4),
            "t": list(range(4)) * 4,
            "x1": rng.random(16) + 1,
            "y1": rng.random(16) + 1,
        }
    )
    spec = cosyn.Spec.from_dict(
        {
            "entity": "e",
            "period": "t",
            "subsystems": {"x": {"indicators": {"x1": "+"}}, "y": {"indicators": {"y1": "+"}}},
        }
    )
    res = cosyn.fit(frame, spec)
    data = pd.read_excel(write_workbook(res, tmp_path / "r.xlsx"), sheet_name="data")
    assert data["e"].unique().tolist() == ["a & b <c>", " padded ", "广州 纺织", "bell\ufffd"]


# -- labels of other kinds -----------------------------------------------------------------
def small_frame(periods: list[Any]) -> tuple[pd.DataFrame, cosyn.Spec]:
    rng = np.random.default_rng(3)
    n = len(periods)
    frame = pd.DataFrame({"t": periods, "x1": rng.random(n) + 1, "y1": rng.random(n) + 1})
    spec = cosyn.Spec.from_dict(
        {
            "period": "t",
            "subsystems": {"x": {"indicators": {"x1": "+"}}, "y": {"indicators": {"y1": "+"}}},
        }
    )
    return frame, spec


def test_pandas_periods_are_text_and_timestamps_are_dates(tmp_path: Path) -> None:
    frame, spec = small_frame(list(pd.period_range("2020Q1", periods=4, freq="Q")))
    wb = load_workbook(write_workbook(cosyn.fit(frame, spec), tmp_path / "p.xlsx"))
    assert [c.value for c in wb["data"]["B"][1:]] == ["2020Q1", "2020Q2", "2020Q3", "2020Q4"]
    assert wb["data"]["A2"].value == "all"

    frame, spec = small_frame(list(pd.date_range("2020-01-01", periods=4, freq="YS")))
    wb = load_workbook(write_workbook(cosyn.fit(frame, spec), tmp_path / "d.xlsx"))
    cells = wb["synergy"]["C"][1:]
    assert all(c.is_date for c in cells)
    assert [c.value for c in cells] == [
        datetime(2021, 1, 1),
        datetime(2022, 1, 1),
        datetime(2023, 1, 1),
    ]


# -- language ------------------------------------------------------------------------------
def test_chinese_level_and_stage_names(trade: cosyn.Result, tmp_path: Path) -> None:
    path = write_workbook(trade, tmp_path / "zh.xlsx", lang="zh")
    synergy = pd.read_excel(path, sheet_name="协同度明细")
    assert list(synergy.columns) == [
        "产业集群",  # the spec's entity column "cluster", said in Chinese
        "基期",
        "年份",
        word("synergy", "zh"),
        "协同等级",
        "发展阶段",
    ]
    assert synergy["协同等级"].tolist() == [translate(v, "zh") for v in trade.synergy["level"]]
    assert synergy["发展阶段"].tolist() == [translate(v, "zh") for v in trade.synergy["stage"]]
    assert "低度协同" in synergy["协同等级"].tolist()
    wb = load_workbook(path)
    assert wb["说明"]["A1"].value == "cosyn 复合系统协同度模型：结果工作簿"
    assert wb.sheetnames == [*PAPER_ZH, *BASE_ZH]


def test_unknown_language_and_missing_data_file(trade: cosyn.Result, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="language"):
        write_workbook(trade, tmp_path / "r.xlsx", lang="fr")
    with pytest.raises(cosyn.DataError, match="does not exist"):
        write_workbook(trade, tmp_path / "r.xlsx", data_file=tmp_path / "nope.csv")
    assert list(tmp_path.iterdir()) == []


# -- row limit -------------------------------------------------------------------------------
def test_a_sheet_beyond_the_row_limit_is_cut_and_the_readme_says_so(
    trade: cosyn.Result, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: str
) -> None:
    monkeypatch.setattr(workbook, "MAX_ROWS", 7)
    with pytest.warns(cosyn.CosynWarning, match="sheet 'order_degree' holds the first 7 of"):
        path = write_workbook(trade, tmp_path / "r.xlsx")
    wb = load_workbook(path)
    E, T, _ = trade.x.shape
    for name in SHEETS[1:]:
        assert wb[name].max_row == 1 + 7, name
    order = pd.read_excel(path, sheet_name="order_degree")
    np.testing.assert_array_equal(order[list(trade.indicators)], trade.u.reshape(E * T, -1)[:7])
    notes = " ".join(row[0] for row in readme(path)["notes and warnings"])
    for name, csv in [
        ("order_degree", "order_degree.csv"),
        ("synergy", "synergy.csv"),
        ("weights", "weights.csv"),
        ("subsystem_order", "subsystem_order.csv"),
    ]:
        assert f"sheet {name!r} holds the first 7 of" in notes
        assert csv in notes


# -- atomic writing --------------------------------------------------------------------------
def test_write_leaves_no_temporary_files(trade: cosyn.Result, tmp_path: Path) -> None:
    write_workbook(trade, tmp_path / "r.xlsx")
    write_workbook(trade, tmp_path / "r.xlsx")  # replacing an existing file
    assert [p.name for p in tmp_path.iterdir()] == ["r.xlsx"]


def test_a_failure_mid_write_keeps_the_previous_file(
    trade: cosyn.Result, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_workbook(trade, tmp_path / "r.xlsx")
    before = path.read_bytes()
    chunks = workbook._chunks

    def failing(table: Any, first_row: int) -> Any:
        if table.name == "weights":  # after three sheets are in the new file
            yield next(iter(chunks(table, first_row)))
            raise OSError("disk full")
        yield from chunks(table, first_row)

    monkeypatch.setattr(workbook, "_chunks", failing)
    with pytest.raises(OSError, match="disk full"):
        write_workbook(trade, path, lang="zh")
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["r.xlsx"]


# -- diagnostic sheets (METHOD.md §6–§7) -----------------------------------------------------
ALL_DIAGNOSTICS = {
    "gra": True,
    "coupling": "wang",
    "obstacles": 3,
    "forecast": 3,
    "robustness": {"draws": 20, "concentration": 30, "margin": [0.05, 0.15], "seed": 4},
}


def trade_with(**diagnostics: Any) -> cosyn.Result:
    spec = cosyn.datasets.load_spec("trade_model").to_dict()
    spec["diagnostics"] = diagnostics
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cosyn.CosynWarning)  # GM(1,1)'s shifted series
        return cosyn.fit(TRADE, spec)


def honest(forecast: pd.DataFrame) -> pd.DataFrame:
    """The forecast table as the sheet shows it: a grade does not read "good" (or any
    grade alone) when the series failed the level-ratio test."""
    out = forecast.copy()
    failed = ~forecast["level_ratio_ok"]
    out.loc[failed, "grade"] = [
        f"level-ratio test failed (after shift: {g})" for g in forecast.loc[failed, "grade"]
    ]
    return out


@pytest.fixture(scope="module")
def diagnosed() -> cosyn.Result:
    return trade_with(**ALL_DIAGNOSTICS)


def test_diagnostic_sheets_only_when_asked(
    trade: cosyn.Result, diagnosed: cosyn.Result, tmp_path: Path
) -> None:
    assert diagnostic_tables(trade) == ()
    none = load_workbook(write_workbook(trade, tmp_path / "none.xlsx")).sheetnames
    assert none == [*PAPER_EN, *SHEETS]
    gra = trade_with(gra=True)
    assert load_workbook(write_workbook(gra, tmp_path / "gra.xlsx")).sheetnames == [
        *PAPER_EN,
        *SHEETS,
        "grey_relation",
        "grey_cross",
    ]
    coupling = trade_with(coupling="classic", obstacles=2)
    coupling_paper = [*PAPER_EN, "Coupling D", "Coupling coordination"]
    assert load_workbook(write_workbook(coupling, tmp_path / "c.xlsx")).sheetnames == [
        *coupling_paper,
        *SHEETS,
        "coupling",
        "obstacles",
    ]
    # every diagnostic: after the base sheets, in the order of the CSV files
    wb = load_workbook(write_workbook(diagnosed, tmp_path / "all.xlsx"))
    assert wb.sheetnames == [*coupling_paper, *SHEETS, *DIAGNOSTIC_TABLES]
    for name in DIAGNOSTIC_TABLES:
        ws = wb[name]
        assert ws.freeze_panes == "A2" and all(c.font.b for c in ws[1]), name
        assert [c.value for c in ws[1]] == list(getattr(diagnosed, name).columns), name


def test_diagnostic_sheets_read_back_equal_the_result(
    diagnosed: cosyn.Result, tmp_path: Path, engine: str
) -> None:
    path = write_workbook(diagnosed, tmp_path / "r.xlsx")
    for name in DIAGNOSTIC_TABLES:
        sheet = pd.read_excel(path, sheet_name=name)
        table = honest(getattr(diagnosed, name)) if name == "forecast" else getattr(diagnosed, name)
        pd.testing.assert_frame_equal(sheet, table, check_exact=True, check_dtype=False)
        for column in table.columns:  # booleans stay booleans, integers integers
            if table[column].dtype == bool or table[column].dtype == np.int64:
                assert sheet[column].dtype == table[column].dtype, (name, column)
    forecast = pd.read_excel(path, sheet_name="forecast")
    assert forecast["observed"].isna().sum() == (diagnosed.forecast["kind"] == "forecast").sum()


def test_diagnostic_cells_are_typed_and_formatted(diagnosed: cosyn.Result, tmp_path: Path) -> None:
    wb = load_workbook(write_workbook(diagnosed, tmp_path / "r.xlsx"))
    first = diagnosed.grey_relation.iloc[0]
    row = wb["grey_relation"][2]
    assert [c.value for c in row] == first.tolist()
    assert row[3].data_type == "n" and row[3].number_format == DECIMALS  # grade
    assert row[4].data_type == "b" and row[4].value is bool(first["weak"])
    coupling = wb["coupling"][2]
    assert coupling[1].value == 2010 and coupling[1].data_type == "n"  # period
    assert all(c.number_format == DECIMALS for c in coupling[2:5])  # C, T, D
    obstacles = wb["obstacles"][2]
    assert obstacles[2].value == 1 and obstacles[2].data_type == "n"  # rank
    assert obstacles[5].number_format == DECIMALS
    header = [c.value for c in wb["forecast"][1]]
    cells = dict(zip(header, wb["forecast"][2], strict=True))
    for column in ("a", "b", "shift"):  # coefficients: General, not 4 decimals
        assert cells[column].data_type == "n" and cells[column].number_format == "General"
    for column in ("observed", "value", "C", "P"):
        assert cells[column].number_format == DECIMALS
    assert cells["level_ratio_ok"].data_type == "b"
    header = [c.value for c in wb["robustness"][1]]
    cells = dict(zip(header, wb["robustness"][2], strict=True))
    assert cells["rank"].data_type == "n" and cells["rank_p95"].number_format == "General"
    assert cells["p5"].number_format == DECIMALS and cells["stage_agreement"].data_type == "n"


def test_readme_lists_the_diagnostics_parameters(diagnosed: cosyn.Result, tmp_path: Path) -> None:
    doc = readme(write_workbook(diagnosed, tmp_path / "r.xlsx"))
    assert doc["diagnostics.gra"] == [[True]]
    assert doc["diagnostics.gra_rho"] == [[0.5]]
    assert doc["diagnostics.gra_threshold"] == [[0.6]]
    assert doc["diagnostics.gra_normalize"] == [["none"]]
    assert doc["diagnostics.coupling"] == [["wang"]]
    assert doc["diagnostics.coupling_weights"] == [["equal (1/k each)"]]
    assert doc["diagnostics.obstacles"] == [[3]]
    assert doc["diagnostics.obstacle_weights"] == [["equal (1/k each)"]]
    assert doc["diagnostics.forecast"] == [[3]]
    assert doc["diagnostics.robustness.draws"] == [[20]]
    assert doc["diagnostics.robustness.concentration"] == [[30]]
    assert doc["diagnostics.robustness.margin"] == [["0.05, 0.15"]]
    assert doc["diagnostics.robustness.seed"] == [[4]]
    # each diagnostic sheet is described, with the values it was computed with
    assert "ρ = 0.5" in doc["grey_relation"][0][0] and "below 0.6" in doc["grey_relation"][0][0]
    assert "other_indicator" in doc["grey_cross"][0][0]
    assert "'wang' model" in doc["coupling"][0][0]
    assert doc["obstacles"][0][0].startswith("the 3 indicators")
    assert "forecasts 3 period(s) ahead" in doc["forecast"][0][0]
    text = doc["robustness"][0][0]
    assert "20 draws" in text and "κ = 30" in text and "[0.05, 0.15]" in text and "seed 4" in text
    # the scales the diagnostic sheets use
    assert doc["D ≤ 0.1"] == [["extreme imbalance"]]
    assert doc["D > 0.9"] == [["quality coordination"]]
    assert doc["C ≤ 0.3"] == [["low-level coupling"]]
    assert doc["C < 0.35 and P > 0.95"] == [["good"]]
    assert doc["otherwise"] == [["unqualified"]]


def test_readme_of_given_weights_and_of_no_diagnostics(trade: cosyn.Result, tmp_path: Path) -> None:
    res = trade_with(coupling="fan", coupling_weights={"cluster_trade": 3, "city_trade": 1})
    doc = readme(write_workbook(res, tmp_path / "r.xlsx"))
    assert doc["diagnostics.coupling_weights"] == [["cluster_trade = 0.75, city_trade = 0.25"]]
    assert "diagnostics.gra_rho" not in doc and "grey_relation" not in doc
    doc = readme(write_workbook(trade, tmp_path / "none.xlsx"))
    assert doc["diagnostics"] == [["(none)"]]
    assert not [key for key in doc if key.startswith("diagnostics.")]


def test_chinese_names_in_the_diagnostic_sheets(diagnosed: cosyn.Result, tmp_path: Path) -> None:
    path = write_workbook(diagnosed, tmp_path / "zh.xlsx", lang="zh")
    coupling = pd.read_excel(path, sheet_name="耦合协调明细")
    levels = dict(zip(COORDINATION_LEVELS, COORDINATION_LEVELS_ZH, strict=True))
    stages = dict(zip(COUPLING_STAGES, COUPLING_STAGES_ZH, strict=True))
    assert coupling[word("level", "zh")].tolist() == [
        levels[v] for v in diagnosed.coupling["level"]
    ]
    assert coupling[word("coupling_stage", "zh")].tolist() == [
        stages[v] for v in diagnosed.coupling["coupling_stage"]
    ]
    forecast = pd.read_excel(path, sheet_name="GM(1,1)预测")
    grades = dict(zip(GM11_GRADES, ("好", "合格", "勉强合格", "不合格"), strict=True))
    expected = [
        grades[g] if ok else f"级比检验未通过（平移后：{grades[g]}）"
        for g, ok in zip(
            diagnosed.forecast["grade"], diagnosed.forecast["level_ratio_ok"], strict=True
        )
    ]
    assert forecast["精度等级"].tolist() == expected
    kinds = {"fit": "拟合", "forecast": "预测"}
    assert forecast["类型"].tolist() == [kinds[k] for k in diagnosed.forecast["kind"]]
    series = {
        "cluster_trade": "Cluster trade",
        "city_trade": "City trade",
        "synergy": word("synergy", "zh"),
    }
    assert forecast["序列"].tolist() == [series[k] for k in diagnosed.forecast["series"]]
    doc = readme(path)
    assert doc["D ≤ 0.1"] == [["极度失调"]] and doc["C < 0.35 且 P > 0.95"] == [["好"]]
    assert "邓氏灰色关联度" in doc["灰色关联度"][0][0]  # the README names the sheets as shown


def test_diagnostic_sheets_beyond_the_row_limit_are_cut(
    diagnosed: cosyn.Result, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workbook, "MAX_ROWS", 7)
    with pytest.warns(cosyn.CosynWarning, match="sheet 'forecast' holds the first 7 of"):
        path = write_workbook(diagnosed, tmp_path / "r.xlsx")
    wb = load_workbook(path)
    for name in DIAGNOSTIC_TABLES:
        assert wb[name].max_row == 1 + 7, name
        sheet = pd.read_excel(path, sheet_name=name)
        table = getattr(diagnosed, name).head(7)
        table = honest(table) if name == "forecast" else table
        pd.testing.assert_frame_equal(sheet, table, check_exact=True, check_dtype=False)
    notes = " ".join(row[0] for row in readme(path)["notes and warnings"])
    for name in DIAGNOSTIC_TABLES:
        assert f"sheet {name!r} holds the first 7 of" in notes
        assert f"{name}.csv" in notes and f"result.{name}" in notes


def test_formula_looking_labels_in_diagnostic_sheets(tmp_path: Path, engine: str) -> None:
    res = risky_result({"gra": True, "coupling": "classic", "obstacles": 2})
    wb = load_workbook(write_workbook(res, tmp_path / "r.xlsx"))
    assert_text(wb["grey_relation"]["A2"], "=1+1")
    assert_text(wb["grey_relation"]["C2"], "-net exports")
    assert_text(wb["grey_cross"]["C2"], "-net exports")
    assert_text(wb["coupling"]["A2"], "=1+1")
    rows = list(wb["obstacles"].iter_rows(min_row=2))
    labels = [r[4] for r in rows if r[4].value == "-net exports"]
    assert labels and all(c.quotePrefix for c in labels)
    path = tmp_path / "r.xlsx"
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<f[ >]", z.read(name)), name


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_coupling_sheet_has_lag_and_the_spec_scales(tmp_path: Path, lang: str) -> None:
    # custom level names are shown as the user wrote them in both languages; the default
    # stage names are translated; the lag type is translated with the subsystems' labels
    res = risky_result(
        {
            "coupling": "classic",
            "obstacles": 2,
            "coupling_levels": {"edges": [0.5], "names": ["weak link", "strong link"]},
        }
    )
    path = write_workbook(res, tmp_path / "r.xlsx", lang=lang)
    ws = load_workbook(path)["coupling" if lang == "en" else "耦合协调明细"]
    header = [c.value for c in ws[1]]
    zh = [word("E", "zh"), word("lag", "zh"), word("level", "zh")]
    words = {"en": ["E", "lag", "level"], "zh": zh}[lang]
    assert header[-2:] == words[:2]
    levels = {row[header.index(words[2])] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert levels <= {"weak link", "strong link"}
    lags = {row[-1] for row in ws.iter_rows(min_row=2, values_only=True)}
    if lang == "zh":
        assert all(t == "同步" or t.endswith("滞后") for t in lags)
    else:
        assert all(t == "synchronous" or t.endswith(" lags") for t in lags)
    ob = load_workbook(path)["obstacles" if lang == "en" else "障碍度"]
    obstacle = {"en": ["obstacle", "FI"], "zh": ["障碍度 O", "障碍因子乘积 FI"]}[lang]
    assert [c.value for c in ob[1]][-2:] == obstacle
    rows = readme(path)
    assert rows["D ≤ 0.5"] == [["weak link"]] and rows["D > 0.5"] == [["strong link"]]

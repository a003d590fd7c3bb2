"""The workbook's sheets of the spatio-temporal analysis (cosyn.report.workbook with
cosyn.report.analysis_tables): one sheet per analysis table in English and Chinese, read
back with openpyxl, every number equal to the table and to ``Result.analysis`` to full
precision, the analysis notes on the README sheet."""

from __future__ import annotations

import importlib.util
import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

import cosyn
from cosyn.report.analysis_tables import analysis_paper_tables
from cosyn.report.methods import analysis_notes
from cosyn.report.workbook import write_workbook

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("giddy") is None, reason="needs the spatial extra"
)

PROVINCES = ["北京", "天津", "山西", "安徽", "四川", "贵州"]


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> cosyn.Result:
    """Six provinces in the three china_3 groups over four years, a ring of neighbours,
    no permutations (no LISA), bounds per entity (the default: the bounds note)."""
    folder = tmp_path_factory.mktemp("wb_analysis")
    rows = [
        {"province": e, "year": 2020 + t, "x": 1 + t + k * (t + 1), "z": 3 + 2 * t + (k % 3)}
        for t in range(4)
        for k, e in enumerate(PROVINCES)
    ]
    ring = PROVINCES[1:] + PROVINCES[:1]
    neighbours = folder / "neighbours.csv"
    pd.DataFrame({"entity_a": PROVINCES, "entity_b": ring}).to_csv(neighbours, index=False)
    spec: dict[str, Any] = {
        "entity": "province",
        "period": "year",
        "subsystems": {
            "econ": {"label": "经济", "indicators": [{"column": "x", "direction": "+"}]},
            "env": {"label": "环境", "indicators": [{"column": "z", "direction": "+"}]},
        },
        "diagnostics": {"coupling": "classic"},
        "analysis": {
            "series": ["synergy", "order", "coupling"],
            "groups": "china_3",
            "weights": str(neighbours),
            "permutations": 0,
        },
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cosyn.CosynWarning)
        res = cosyn.fit(pd.DataFrame(rows), spec)
    assert res.analysis is not None
    return res


def _cell(value: Any) -> Any:
    """A table value as the workbook stores it: NaN and None as an empty cell."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_one_sheet_per_analysis_table_read_back_equal(
    result: cosyn.Result, tmp_path: Path, lang: str
) -> None:
    path = write_workbook(result, tmp_path / "results.xlsx", lang=lang)
    wb = load_workbook(path)
    tables = analysis_paper_tables(result, lang)
    assert len(tables) >= 10
    by_caption = {ws["A1"].value: ws for ws in wb.worksheets}
    names = [ws.title for ws in wb.worksheets]
    assert len({n.lower() for n in names}) == len(names)
    for table in tables:
        ws = by_caption[table.title]
        assert len(ws.title) <= 31
        frame = table.table
        rows = list(ws.iter_rows(min_row=2, values_only=True))
        assert list(rows[0][: frame.shape[1]]) == list(frame.columns)
        assert len(rows) - 1 == len(frame)
        for got, want in zip(rows[1:], frame.itertuples(index=False), strict=True):
            expected = [_cell(v) for v in want]
            assert list(got[: frame.shape[1]]) == expected, (table.key, got, expected)
    # the sheets come after the paper tables, before README
    readme = "README" if lang == "en" else "说明"
    first = names.index(by_caption[tables[0].title].title)
    last = names.index(by_caption[tables[-1].title].title)
    assert first < last < names.index(readme)


def test_numbers_equal_the_analysis_result(result: cosyn.Result, tmp_path: Path) -> None:
    a = result.analysis
    assert a is not None
    wb = load_workbook(write_workbook(result, tmp_path / "results.xlsx"))
    gini = wb["Dagum Gini"]
    header = [c.value for c in gini[2]]
    body = list(gini.iter_rows(min_row=3, values_only=True))
    column = {name: [row[j] for row in body] for j, name in enumerate(header)}

    def cells(values: pd.Series) -> list[Any]:
        return [_cell(v) for v in values.tolist()]

    assert column["Overall G"] == cells(a.gini["G"])  # full precision, no rounding
    assert column["Transvariation G_t"] == cells(a.gini["Gt"])
    assert column["Within share (%)"] == cells(a.gini["share_w"] * 100)
    moran = wb["Moran's I"]
    header = [c.value for c in moran[2]]
    body = list(moran.iter_rows(min_row=3, values_only=True))
    assert [row[header.index("z")] for row in body] == cells(a.moran["z"])
    assert [row[header.index("p (normal)")] for row in body] == cells(a.moran["p_norm"])
    # p-values in General format (4 decimals would show a small p as 0.0000), shares 0.00
    assert moran.cell(3, header.index("p (normal)") + 1).number_format == "General"
    share = [c.value for c in gini[2]].index("Within share (%)") + 1
    assert gini.cell(3, share).number_format == "0.00"
    assert moran.cell(3, header.index("z") + 1).number_format == "0.0000"
    markov = wb["Markov μ 经济"]
    assert markov["A2"].value == "Class at t" and markov["B2"].value == "n"
    assert wb["Spatial Markov D"]["A2"].value == "Spatial lag class"
    assert wb["Spatial Markov tests"]["A2"].value == "Series"


def test_chinese_sheet_names_and_analysis_notes(result: cosyn.Result, tmp_path: Path) -> None:
    from cosyn.analysis.run import BOUNDS_NOTE

    a = result.analysis
    assert a is not None
    wb = load_workbook(write_workbook(result, tmp_path / "results.xlsx", lang="zh"))
    for name in (
        "Dagum基尼系数",
        "区域内基尼系数",
        "全局莫兰指数",
        "马尔可夫（U）",
        "空间马尔可夫（μ（环境））",
    ):
        assert name in wb.sheetnames, wb.sheetnames
    assert wb["区域内基尼系数"]["C2"].value == "东部"
    readme = [row for row in wb["说明"].iter_rows(values_only=True)]
    notes = [row[1] for row in readme if row[0] == "说明与警告"]
    assert BOUNDS_NOTE in a.notes
    zh = analysis_notes(result, "zh")
    assert len(zh) == len(a.notes) and all(note in notes for note in zh)
    assert BOUNDS_NOTE not in zh  # said in Chinese
    en = load_workbook(write_workbook(result, tmp_path / "en.xlsx"))
    readme = [row for row in en["README"].iter_rows(values_only=True)]
    assert BOUNDS_NOTE in [row[1] for row in readme]

"""The bundled 31-province example as a new user meets it: init, check, run --lang zh.

examples/provinces/ is a synthetic panel (made-up values) with Chinese column names, one
empty cell and one "—" cell, in UTF-8 and in GB18030. These tests run it through the
command line and read what a researcher would hand in.
"""

from __future__ import annotations

import re
import tomllib
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

import cosyn
from cosyn.cli import main
from cosyn.report.text import stage_meaning, translate
from cosyn.spec import STAGE_FOCUS

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "provinces"
PANEL = EXAMPLE / "panel.csv"
PANEL_GBK = EXAMPLE / "panel_gbk.csv"
MODEL = EXAMPLE / "model.toml"
SUBSYSTEMS = ("数字经济", "产业集群", "生态环境")


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def run_zh(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("provinces_zh")
    code, output = invoke(
        "run", str(MODEL), "--data", str(PANEL_GBK), "--lang", "zh", "--out", str(out)
    )
    assert code == 0, output
    return out, output


def test_the_example_is_labelled_synthetic():
    assert "made up" in (EXAMPLE / "README.md").read_text(encoding="utf-8")
    assert "合成" in tomllib.loads(MODEL.read_text(encoding="utf-8"))["title"]


def test_check_passes_with_both_missing_cells_read_as_missing():
    code, output = invoke("check", str(MODEL), "--data", str(PANEL))
    assert code == 0, output


def test_gbk_file_gives_the_same_numbers_as_utf8():
    with pytest.warns(cosyn.CosynWarning) as caught:
        gbk = cosyn.fit(PANEL_GBK, MODEL)
    assert any("GB18030" in str(w.message) or "GBK" in str(w.message) for w in caught)
    with pytest.warns(cosyn.CosynWarning):
        utf8 = cosyn.fit(PANEL, MODEL)
    pd.testing.assert_frame_equal(gbk.synergy, utf8.synergy)
    pd.testing.assert_frame_equal(gbk.order_degree, utf8.order_degree)


@pytest.mark.parametrize("token", ["-", "—", "--", "NA", ""])
def test_yearbook_missing_tokens_are_imputed_with_a_note(tmp_path, token):
    text = PANEL.read_text(encoding="utf-8").replace(",—,", f",{token},")
    path = tmp_path / "panel.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.warns(cosyn.CosynWarning) as caught:
        res = cosyn.fit(path, MODEL)
    cell = res.order_degree.query(
        "entity == '青海' and period == 2019 and indicator == '工业废水排放量(万吨)'"
    )
    assert bool(cell["imputed"].iloc[0]) and np.isfinite(cell["value"].iloc[0])
    assert any("青海" in str(w.message) for w in caught)


def test_init_lists_a_text_cell_column_instead_of_dropping_it(tmp_path):
    text = PANEL.read_text(encoding="utf-8").replace(",12913.47,", ",约12913,", 1)
    assert "约12913" in text
    data = tmp_path / "panel.csv"
    data.write_text(text, encoding="utf-8")
    model = tmp_path / "model.toml"
    code, output = invoke("init", str(data), "-o", str(model))
    assert code == 0, output
    assert "制造业增加值(亿元)" in output and "约12913" in output
    skeleton = model.read_text(encoding="utf-8")
    # Either a column of the model, or named in a comment with its reason: never absent.
    assert "制造业增加值(亿元)" in skeleton
    assert "[diagnostics]" in skeleton and "weights_scope" in skeleton


def test_run_zh_writes_neutral_stage_cards(run_zh):
    # The Guangzhou paper's stage advice (in either language) is for its own model only.
    out, _ = run_zh
    html = (out / "report.html").read_text(encoding="utf-8")
    advice = [*STAGE_FOCUS, *(translate(text, "zh") for text in STAGE_FOCUS)]
    assert len(set(advice)) == 2 * len(STAGE_FOCUS)
    for text in advice:
        assert text not in html
    assert "发展重点" not in html
    meanings = stage_meaning(cosyn.fit(PANEL, MODEL), "zh")
    assert sum(escape(text, quote=False) in html for text in meanings) >= 1


def test_run_zh_terminal_summary_is_chinese(run_zh):
    _, output = run_zh
    assert "熵值法" in output
    for english in ("order degree   ", "weights        ", "synergy base"):
        assert english not in output


def test_run_zh_workbook_headers_are_chinese_and_labels(run_zh):
    out, _ = run_zh
    book = load_workbook(out / "results.xlsx", read_only=True)
    headers = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows(max_row=6, values_only=True):
            headers.update(str(v) for v in row if isinstance(v, str))
    book.close()
    for label in SUBSYSTEMS:
        assert label in headers
    assert not {"digital", "cluster", "ecology"} & headers  # TOML keys never a header
    assert any("协同度" in h for h in headers)


def test_run_zh_draws_every_province(run_zh):
    out, _ = run_zh
    figures = sorted(p.name for p in (out / "figures").glob("*.png"))
    assert {"synergy_path.png", "order_degree.png", "weights.png"} <= set(figures)
    html = (out / "report.html").read_text(encoding="utf-8")
    shown = set(re.findall(r'<figure id="figure-(\w+)"', html))
    assert {Path(f).stem for f in figures} <= shown


def test_csv_headers_stay_english_under_zh(run_zh):
    out, _ = run_zh
    columns = pd.read_csv(out / "synergy.csv", nrows=1).columns
    assert {"entity", "period", "synergy"} <= set(columns)

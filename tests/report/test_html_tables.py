"""The HTML report's paper tables, figure sizes and lightbox; sorting and paging in Chromium."""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

import cosyn
from cosyn.report.html import (
    DIAGNOSTIC_FIGURE_NAMES,
    FIGURE_NAMES,
    MAX_ROWS,
    PAGE_ROWS,
    _max_width,
    render_html,
)
from cosyn.report.tables import paper_tables

matplotlib.use("Agg")
import matplotlib.pyplot as plt

PROVINCES = ["北京", "天津", "河北", "内蒙古", "黑龙江", "上海"]
CHROMIUM = Path("/usr/bin/chromium")


def svg(name: str, width_in: float = 7.2) -> str:
    fig, ax = plt.subplots(figsize=(width_in, 3))
    ax.plot([0, 1, 2], [0.1, 0.4, 0.3])
    ax.set_title(name)
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    plt.close(fig)
    return buf.getvalue()


@pytest.fixture(scope="module")
def provinces() -> cosyn.Result:
    rows = []
    for p, name in enumerate(PROVINCES):
        for t, year in enumerate(range(2011, 2017)):
            g = 1 + 0.06 * t + 0.02 * p + 0.01 * ((t * (p + 1)) % 3)
            rows.append(
                {
                    "省份": name,
                    "年份": year,
                    "数字经济增加值": 100 * g,
                    "宽带用户": 40 * g**1.2,
                    "制造业增加值": 300 * g**0.8,
                    "能耗": 1.5 / g,
                }
            )
    model = {
        "entity": "省份",
        "period": "年份",
        "subsystems": {
            "digital": {
                "label": "数字经济",
                "indicators": {"数字经济增加值": "+", "宽带用户": "+"},
            },
            "cluster": {"label": "产业集群", "indicators": {"制造业增加值": "+", "能耗": "负向"}},
        },
        "diagnostics": {"gra": True, "coupling": "classic", "obstacles": 2, "forecast": 1},
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cosyn.fit(pd.DataFrame(rows), model)


@pytest.fixture(scope="module")
def figures() -> dict[str, str]:
    out = {name: svg(name) for name in (*FIGURE_NAMES, *DIAGNOSTIC_FIGURE_NAMES)}
    out["weights"] = svg("weights", width_in=3.5)  # a narrow figure
    return out


@pytest.fixture(scope="module")
def zh_doc(provinces, figures) -> str:
    return render_html(provinces, figures=figures, lang="zh")


def tables_of(doc: str) -> dict[str, str]:
    """The tables of the Tables section, by key."""
    [part] = re.findall(r'<section id="tables">.*?</section>', doc, re.S)
    return dict(re.findall(r'<table class="[^"]*" data-table="([^"]+)">(.*?)</table>', part, re.S))


def test_every_figure_is_in_the_page(zh_doc, figures):
    shown = re.findall(r'<figure id="[^"]+" class="zoomable" data-figure="([^"]+)"', zh_doc)
    assert sorted(shown) == sorted(figures)
    assert zh_doc.count("<svg") == len(figures)


def test_paper_tables_with_chinese_headers(provinces, zh_doc):
    tables = tables_of(zh_doc)
    expected = paper_tables(provinces, "zh")
    assert list(tables) == [t.key for t in expected]
    for t in expected:
        heads = re.findall(r"<th scope=\"col\"[^>]*>(.*?)</th>", tables[t.key])
        for column in t.table.columns:
            if t.key == "synergy" and column == "2011":
                continue  # the base period compares nothing: left out of the U table
            assert str(column) in heads, (t.key, column)
        assert f">{t.title}</h3>" in zh_doc
    assert "信息熵值 e" in tables["weights"] and "权重系数 w" in tables["weights"]
    assert "样本量" in tables["descriptive"] and "标准差" in tables["descriptive"]
    assert "排名（2016）" in tables["synergy"] and "2016 协同等级" in tables["synergy"]
    assert "耦合协调度 D" in tables["coupling"] and "滞后类型" in tables["coupling"]
    # U of 北京 in 2012 as a number that sorts, and the mean row in the foot
    u = provinces.synergy_values[0, 0]
    assert f'data-sort="{float(u)!r}">{u:.3f}</td>' in tables["synergy"]
    assert "<tfoot>" in tables["synergy"] and ">均值</th>" in tables["synergy"]


def test_lightbox_markup_and_figure_widths(zh_doc):
    assert re.search(
        r'<div class="lightbox" id="lightbox" role="dialog" aria-modal="true"[^>]*hidden>', zh_doc
    )
    assert '<button type="button" class="lb-close" aria-label="关闭">×</button>' in zh_doc
    assert "点击图可放大" in zh_doc
    # a figure drawn 7.2 in (518.4 pt = 691.2 px) wide may be shown up to twice that; the
    # narrow weights figure (3.5 in = 252 pt = 336 px) at most 672 px
    assert re.search(r'data-figure="synergy_path" style="--fig-max: 1382px"', zh_doc)
    assert re.search(r'data-figure="weights" style="--fig-max: 672px"', zh_doc)
    assert _max_width('<svg width="100pt" height="50pt">') == "267px"
    assert _max_width('<svg width="300px">') == "600px"
    assert _max_width("<svg viewBox='0 0 1 1'>") == "100%"


def test_long_tables_are_folded_and_capped(provinces):
    from cosyn.report.html import _frame_table

    n = MAX_ROWS + 7
    frame = pd.DataFrame({"省份": [f"p{i}" for i in range(n)], "x": np.arange(n) / n})
    table = _frame_table("coupling", "t", frame, n, "zh")
    assert len(table["body"]) == MAX_ROWS and table["paged"] and table["folded"]
    assert table["more"].startswith(f"仅显示共 {n} 行中的前 {MAX_ROWS} 行")
    wide = _frame_table("synergy", "t", frame.iloc[: PAGE_ROWS + 1], PAGE_ROWS, "zh")
    assert wide["paged"] is False and not wide["folded"] and len(wide["foot"]) == 1


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Chromium")
def test_lightbox_sorting_and_paging_in_chromium(tmp_path, provinces, figures, monkeypatch):
    sync_api = pytest.importorskip("playwright.sync_api")
    monkeypatch.setattr("cosyn.report.html.PAGE_ROWS", 10)  # page the 36-row coupling table
    page_file = tmp_path / "report.html"
    page_file.write_text(render_html(provinces, figures=figures, lang="zh"), encoding="utf-8")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(page_file.as_uri())
        # figures at the full text width (not half of it)
        width = page.eval_on_selector(
            'figure[data-figure="synergy_path"] svg', "s => s.getBoundingClientRect().width"
        )
        content = page.eval_on_selector(".page", "p => p.clientWidth")
        assert width > 0.9 * (content - 40)
        # click to enlarge, Esc to close: the figure goes back where it was
        page.click('figure[data-figure="synergy_path"] svg')
        assert page.is_visible("#lightbox")
        assert (
            page.eval_on_selector("#lightbox .lb-body", "b => b.querySelectorAll('svg').length")
            == 1
        )
        page.keyboard.press("Escape")
        assert not page.is_visible("#lightbox")
        assert page.eval_on_selector(
            'figure[data-figure="synergy_path"]', "f => !!f.querySelector('svg')"
        )
        # sort the U table by its last period, largest first on the second click
        table = 'table[data-table="synergy"]'
        last = page.eval_on_selector(table, "t => t.tHead.rows[0].cells.length") - 4
        page.click(f"{table} thead th >> nth={last}")
        page.click(f"{table} thead th >> nth={last}")
        shown = page.eval_on_selector(
            table, "t => Array.from(t.tBodies[0].rows, r => r.cells[0].textContent)"
        )
        u_last = provinces.synergy_values[:, -1]
        assert shown == [PROVINCES[i] for i in np.argsort(-u_last, kind="stable")]
        assert shown != PROVINCES  # the data's order is not already the sorted one
        # the long coupling table: folded, and shown a page at a time once opened
        coupling = 'table[data-table="coupling"]'
        assert not page.is_visible(coupling)
        page.click(f"details.long-table:has({coupling}) > summary")
        rows = "t => Array.from(t.tBodies[0].rows).filter(r => !r.hidden).length"
        assert page.eval_on_selector(coupling, rows) == 10
        pager = f"details.long-table:has({coupling}) .pager"
        assert page.inner_text(f"{pager} span") == "第 1–10 行，共 36 行"
        page.click(f"{pager} button >> nth=1")
        assert page.inner_text(f"{pager} span") == "第 11–20 行，共 36 行"
        first = page.eval_on_selector(
            coupling, "t => Array.from(t.tBodies[0].rows).find(r => !r.hidden).cells[1].textContent"
        )
        assert first == "2015"  # row 11: 天津 (the second province), its fifth year
        browser.close()


def test_number_formats_of_the_paper_tables(provinces, zh_doc):
    from cosyn.report.html import _cell, _decimals

    big, small_ = np.array([125395.12, 8.0]), np.array([0.5, 0.25])
    assert _decimals("descriptive", "平均值", big, "权重（%）") == 2
    assert _decimals("descriptive", "平均值", np.array([1.5, 99.0]), "权重（%）") == 3
    assert _decimals("descriptive", "平均值", small_, "权重（%）") == 4
    assert _decimals("weights", "权重系数 w", small_, "权重（%）") == 4
    assert _decimals("weights", "权重（%）", small_ * 100, "权重（%）") == 2
    assert _decimals("synergy", "2012", small_, "权重（%）") == 3
    assert _cell(12345.678, 2)["text"] == "12345.68"  # no thousands separator
    assert _cell(float("nan"), 3)["text"] == "—" and _cell(None, None)["sort"] == ""
    assert _cell(np.int64(7), None) == {"text": "7", "sort": "7", "num": True, "neg": False}
    # the indicator list says the direction in words in Chinese
    assert "<td>负向</td>" in zh_doc and "<td>正向</td>" in zh_doc


def test_text_summary_in_the_report_is_in_its_language(provinces, zh_doc):
    [pre] = re.findall(r"<pre>(.*?)</pre>", zh_doc, re.S)
    assert "序参量权重 φ" in pre and "熵值法" in pre and "Weights" not in pre

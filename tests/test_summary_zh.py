"""The terminal summary in Chinese: every word of cosyn's own translated, columns aligned
by display width with Chinese names."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from rich.cells import cell_len

import cosyn
from cosyn.spec import Spec
from cosyn.summary import render_summary, text_table

PROVINCES = ["北京", "内蒙古", "黑龙江", "上海", "广西壮族"]


@pytest.fixture(scope="module")
def provinces() -> cosyn.Result:
    rng = np.random.default_rng(7)
    rows = []
    for p, name in enumerate(PROVINCES):
        for t, year in enumerate(range(2011, 2019)):
            grow = 1 + 0.05 * t + 0.01 * p
            rows.append(
                {
                    "省份": name,
                    "年份": year,
                    "数字经济增加值(亿元)": 100 * grow + rng.normal(0, 2),
                    "宽带用户(万户)": 50 * grow + rng.normal(0, 1),
                    "制造业增加值(亿元)": 300 * grow + rng.normal(0, 3),
                    "单位GDP能耗(吨标准煤/万元)": 1.2 / grow + rng.normal(0, 0.01),
                }
            )
    spec = Spec.from_dict(
        {
            "entity": "省份",
            "period": "年份",
            "method": {"weights": "entropy", "weights_scope": "panel"},
            "subsystems": {
                "digital": {
                    "label": "数字经济",
                    "indicators": {"数字经济增加值(亿元)": "正向", "宽带用户(万户)": "正向"},
                },
                "cluster": {
                    "label": "产业集群",
                    "indicators": {
                        "制造业增加值(亿元)": "+",
                        "单位GDP能耗(吨标准煤/万元)": "负向",
                    },
                },
            },
            "diagnostics": {"coupling": "classic", "obstacles": 2, "gra": True},
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cosyn.fit(pd.DataFrame(rows), spec)


#: Every option value and English word of the summary's own that could leak into zh.
ENGLISH = re.compile(
    r"\b(entropy|critic|order|minmax|weighted_sum|weighted sum|geometric|regression|linear|"
    r"panel|entity|entities|periods?|indicators?|first|previous|base|level|stage|weights?|"
    r"margin|bounds|efficacy|coefficient|imputation|cells?|filled|synergy|non-synergy|low|"
    r"moderate|high|extreme|initial|development|expansion|mature|classic|grey|coupling|"
    r"obstacles?|forecast|mean|min|max|all|data file|model|subsystems?|diagnostics|notes)\b",
    re.I,
)


def test_zh_summary_has_no_english_words_of_its_own(provinces):
    text = render_summary(provinces, "zh")
    # names from the data and the model (column names, file paths) are the user's words
    own = text
    for name in (*provinces.indicators, str(provinces.panel.source)):
        own = own.replace(name, "")
    assert not ENGLISH.search(own), ENGLISH.search(own)
    for word in ("熵值法", "按面板合并计算", "线性加权和", "时期回归插补", "第一期", "经典模型"):
        assert word in text
    assert "数字经济 (2)、产业集群 (2)" in text
    en = render_summary(provinces)
    assert "entropy (input order), computed per panel" in en and "熵值法" not in en


def test_zh_summary_columns_line_up_with_cjk_names(provinces):
    text = render_summary(provinces, "zh")
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("协同度 U"))
    table = lines[start + 1 : start + 2 + len(PROVINCES)]
    assert [line.split()[0] for line in table[1:]] == PROVINCES
    # every column ends at the same display column in every row: the header's year labels
    # and the values below them are right-aligned, the level and stage names left-aligned
    header = table[0]
    years = [str(y) for y in range(2012, 2019)]
    ends = [cell_len(header[: header.index(y) + len(y)]) for y in years]
    for row in table[1:]:
        values = re.findall(r"[+-]\d\.\d{3}", row)
        assert len(values) == len(years)
        pos = 0
        for value, end in zip(values, ends, strict=True):
            pos = row.index(value, pos) + len(value)
            assert cell_len(row[:pos]) == end, (row, value)
    level_col = cell_len(header[: header.index("协同等级")])
    for row in table[1:]:
        cut = re.search(r"[+-]\d\.\d{3}\s+(?=\S+\s+\S+$)", row)
        assert cut is not None and cell_len(row[: cut.end()]) == level_col, row


def test_text_table_pads_by_display_width():
    lines = text_table(["省份", "U"], [["北京", "0.500"], ["黑龙江", "0.25"], ["x", "1"]])
    # widths by hand: column 0 is 6 columns (黑龙江), column 1 is 5 (0.500), gap 2
    assert lines == ["省份" + " " * 8 + "U", "北京    0.500", "黑龙江   0.25", "x" + " " * 11 + "1"]
    assert len({cell_len(line) for line in lines}) == 1


def test_unknown_language_is_refused(provinces):
    with pytest.raises(ValueError, match="language"):
        render_summary(provinces, "fr")


def test_summary_shows_the_entities_the_spec_names(provinces):
    import dataclasses

    report = dataclasses.replace(provinces.spec.report, entities=("上海", "北京"))
    res = dataclasses.replace(provinces, spec=dataclasses.replace(provinces.spec, report=report))
    lines = render_summary(res, "zh").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("协同度 U"))
    assert [line.split()[0] for line in lines[start + 2 : start + 4]] == ["上海", "北京"]
    assert lines[start + 4].strip() == "……另有 3 个个体"


def test_result_summary_takes_the_language(provinces):
    assert provinces.summary("zh") == render_summary(provinces, "zh")
    assert provinces.summary() == render_summary(provinces)

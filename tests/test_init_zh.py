"""``cosyn init`` on a researcher's own files (issue 9, items 1, 3, 4 and the skeleton):
no column left out without its reason, long layout, the optional tables, Chinese comments."""

from __future__ import annotations

import re
import tomllib
import warnings
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import cosyn
from cosyn.cli import main
from cosyn.errors import CosynWarning
from cosyn.io.guess import excluded_columns, guess_columns
from cosyn.io.read import read_table

ROOT = Path(__file__).resolve().parents[1]
PROVINCES = ROOT / "examples" / "provinces"

WIDE = """\
省份,年份,数字经济(亿元),制造业(亿元),能耗(吨/万元),备注,空列
北京,2019,10.5,40,0.9,a,
北京,2020,—,42,0.8,b,
北京,2021,13.5,"1,234",0.75,c,
北京,2022,15.0,47,-,d,
上海,2019,9.0,50,0.6,e,
上海,2020,9.5,52,0.58,f,
上海,2021,11.0,53,0.55,g,
上海,2022,12.5,12%,0.5,h,
"""


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output + (result.stderr or "")


def write(tmp_path: Path, text: str, name: str = "panel.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def quiet_frame(path: Path) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CosynWarning)
        return read_table(path)


def test_init_lists_every_column_it_leaves_out_with_row_and_cell(tmp_path: Path) -> None:
    data = write(tmp_path, WIDE)
    code, out = invoke("init", str(data), "-o", str(tmp_path / "m.toml"))
    assert code == 0, out
    # "—" and "-" are missing values, not reasons: those columns stay indicators
    assert "entity column '省份', period column '年份', 2 indicators" in out
    assert "3 columns not used as indicators (listed in the skeleton too):" in out
    thousands = "row 4 '1,234' is text (a thousands separator: write 1234); 2 such cells in all"
    assert f"'制造业(亿元)': {thousands}" in out
    assert "'备注': a text column (row 2 'a' is text)" in out
    assert "'空列': every cell is empty" in out
    text = (tmp_path / "m.toml").read_text(encoding="utf-8")
    model = tomllib.loads(text)
    assert model["subsystems"]["subsystem_1"]["indicators"] == {
        "数字经济(亿元)": "+",
        "能耗(吨/万元)": "+",
    }
    assert f'#   "制造业(亿元)": {thousands}' in text
    assert '#   "空列": every cell is empty' in text


def test_excluded_columns_for_the_web_page(tmp_path: Path) -> None:
    frame = quiet_frame(write(tmp_path, WIDE))
    found = dict(excluded_columns(frame))
    assert list(found) == ["制造业(亿元)", "备注", "空列"]
    assert found["制造业(亿元)"].startswith("row 4 '1,234' is text")
    # with the axes chosen by hand: the entity column is never "excluded"
    assert "省份" not in dict(excluded_columns(frame, entity="省份", period="年份"))
    # 备注 as the entity: not excluded; 省份 now is, as a text column
    chosen = dict(excluded_columns(frame, entity="备注", period="年份"))
    assert "备注" not in chosen and chosen["省份"] == "a text column (row 2 '北京' is text)"
    zh = dict(excluded_columns(frame, lang="zh"))
    assert zh["制造业(亿元)"].startswith("第 4 行 '1,234' 是文本（含千位分隔符：写成 1234）")
    assert zh["空列"] == "所有单元格均为空"


@pytest.mark.parametrize(
    ("cell", "hint"),
    [
        ("12%", "a percent sign"),
        ("1,5", "a decimal comma"),
        ("12 kg", "a number with a unit"),
        ("3亿元", "a number with a unit"),
        ("#DIV/0!", "a spreadsheet error"),
        ("abc", None),
    ],
)
def test_reasons_say_what_to_write(cell: str, hint: str | None) -> None:
    frame = pd.DataFrame({"year": [2020, 2021, 2022], "x": [1.0, cell, 3.0]})
    ((column, reason),) = excluded_columns(frame)
    assert column == "x"
    assert reason.startswith(f"row 3 {cell!r} is text")
    assert (f"({hint}" in reason) if hint else ("(" not in reason)


def test_blank_header_and_true_false_columns_are_listed() -> None:
    frame = pd.DataFrame({"year": [2020, 2021], "x": [1.0, 2.0], "column 4": [1, 2]})
    frame["flag"] = [True, False]
    frame.attrs["cosyn_unnamed_columns"] = ["column 4"]
    found = dict(guess_columns(frame).excluded)
    assert found == {
        "column 4": "its header cell is blank; write the column's name there to use it",
        "flag": "its cells are true/false values, not numbers",
    }


LONG = """\
地区,年份,指标,数值,单位
北京,2019,数字经济,10.5,亿元
北京,2019,制造业,40,亿元
北京,2019,能耗,0.9,吨/万元
北京,2019,备注,见附表,
北京,2020,数字经济,—,亿元
北京,2020,制造业,42,亿元
北京,2020,能耗,0.8,吨/万元
北京,2020,备注,,
北京,2021,数字经济,13.5,亿元
北京,2021,制造业,45,亿元
北京,2021,能耗,0.75,吨/万元
上海,2019,数字经济,9.0,亿元
上海,2019,制造业,50,亿元
上海,2019,能耗,0.6,吨/万元
上海,2020,数字经济,9.5,亿元
上海,2020,制造业,52,亿元
上海,2020,能耗,0.58,吨/万元
上海,2021,数字经济,11.0,亿元
上海,2021,制造业,53,亿元
上海,2021,能耗,0.55,吨/万元
"""


def test_init_on_a_long_chinese_file_writes_one_indicator_per_name(tmp_path: Path) -> None:
    data = write(tmp_path, LONG)
    target = tmp_path / "m.toml"
    code, out = invoke("init", str(data), "-o", str(target))
    assert code == 0, out
    assert "3 indicators (long layout: names in '指标', values in '数值')" in out
    assert "'备注': a text column (row 5 '见附表' is text)" in out
    assert "'单位': a column beside the long layout's indicator and value columns" in out
    text = target.read_text(encoding="utf-8")
    model = tomllib.loads(text)
    assert (model["entity"], model["period"]) == ("地区", "年份")
    assert list(model["subsystems"]["subsystem_1"]["indicators"]) == ["数字经济", "制造业", "能耗"]
    # moved into two subsystems as the skeleton asks, the model runs on the long file
    model["subsystems"]["subsystem_1"]["indicators"] = {"数字经济": "+"}
    model["subsystems"]["subsystem_2"]["indicators"] = {"制造业": "+", "能耗": "-"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CosynWarning)
        result = cosyn.fit(data, cosyn.Spec.from_dict(model))
    assert list(result.entities) == ["北京", "上海"] and result.x.shape == (2, 3, 3)
    assert result.imputed.sum() == 1 and result.imputed[0, 1, 0]  # the "—" of 北京 2020
    assert result.x[1, 2, 2] == 0.55


def test_the_skeleton_shows_the_optional_tables_and_they_parse(tmp_path: Path) -> None:
    data = write(tmp_path, WIDE)
    target = tmp_path / "m.toml"
    assert invoke("init", str(data), "-o", str(target))[0] == 0
    text = target.read_text(encoding="utf-8")
    assert re.search(r'^weights_scope = "entity"   # or "panel": one set of weights', text, re.M)
    for line in (
        "# [diagnostics]",
        "# gra = true",
        "# [stages]",
        '# focus = "zhang2023"',
        "# [analysis]",
        '# groups = "china_3"',
    ):
        assert f"\n{line}" in text, line
    assert '# entities = ["北京", "上海"]' in text  # the data's own entities as the example
    assert '\n# na_values = ["-", "—", "NA"]' in text
    # Uncommenting them (and assigning the indicators) gives a valid spec.
    optional = text.split("# [diagnostics]")[1]
    enabled = "[diagnostics]" + re.sub(r"(?m)^# ?(?=[a-z\[])", "", optional)
    body = text.split("# [diagnostics]")[0].replace("# na_values", "na_values", 1)
    model = tomllib.loads(body.replace("#   cells;", "# cells;") + enabled)
    model["subsystems"]["subsystem_2"]["indicators"] = {
        "能耗(吨/万元)": model["subsystems"]["subsystem_1"]["indicators"].pop("能耗(吨/万元)")
    }
    spec = cosyn.Spec.from_dict(model)
    assert spec.diagnostics.gra and spec.diagnostics.forecast == 3
    assert spec.diagnostics.coupling == "classic" and spec.diagnostics.obstacles == 5
    assert spec.stages.preset == "zhang2023" and spec.report.entities == ("北京", "上海")
    assert spec.na_values == ("-", "—", "NA")
    assert spec.analysis is not None and spec.analysis.groups == "china_3"
    assert spec.analysis.weights == "china_provinces"


def test_init_in_chinese(tmp_path: Path) -> None:
    data = write(tmp_path, WIDE)
    en, zh = tmp_path / "en.toml", tmp_path / "zh.toml"
    assert invoke("init", str(data), "-o", str(en))[0] == 0
    code, out = invoke("init", str(data), "-o", str(zh), "--lang", "zh")
    assert code == 0, out
    assert "已写入" in out and "实体列 '省份'，时期列 '年份'，2 个指标" in out
    assert "3 列未作为指标使用" in out and "'空列': 所有单元格均为空" in out
    assert "下一步：为每个指标指定子系统和方向" in out
    text = zh.read_text(encoding="utf-8")
    assert "# 1. 检查实体列和时期列。" in text
    assert '# 或 "panel"：全部实体合并定权' in text and "# [diagnostics]" in text
    assert "#   \"制造业(亿元)\": 第 4 行 '1,234' 是文本" in text
    # the same keys and values, only the words of the comments and labels differ
    a, b = tomllib.loads(en.read_text(encoding="utf-8")), tomllib.loads(text)
    assert b["subsystems"]["subsystem_1"]["label"] == "子系统 1"
    for m in (a, b):
        for sub in m["subsystems"].values():
            del sub["label"]
    assert a == b


@pytest.mark.skipif(not (PROVINCES / "panel_gbk.csv").exists(), reason="example not present")
def test_init_on_the_province_example_in_gb18030(tmp_path: Path) -> None:
    code, out = invoke(
        "init", str(PROVINCES / "panel_gbk.csv"), "-o", str(tmp_path / "m.toml"), "--lang", "zh"
    )
    assert code == 0, out
    assert "as GB18030" in out  # the encoding is said
    assert "实体列 '省份'，时期列 '年份'，10 个指标" in out  # the "—" cell drops nothing
    assert "未作为指标使用" not in out

"""Write the synthetic 31-province panel of this example (``panel.csv``, ``panel_gbk.csv``).

The values are made up: plausible magnitudes and trends for China's 31 mainland
provincial-level divisions, 2011–2022, drawn from a seeded random generator. They are
not statistics and must not be cited as such. Run ``python make_panel.py`` to rebuild
the files; the output is the same on every machine.

Two cells are missing on purpose, as in a real yearbook extract: one empty cell and
one "—" (the yearbooks' sign for "no data").
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent

#: Province and a rough economic size (arbitrary units) used to scale the made-up values.
PROVINCES = {
    "北京": 3.0,
    "天津": 1.8,
    "河北": 2.6,
    "山西": 1.3,
    "内蒙古": 1.4,
    "辽宁": 2.0,
    "吉林": 1.0,
    "黑龙江": 1.1,
    "上海": 3.2,
    "江苏": 6.5,
    "浙江": 4.8,
    "安徽": 2.4,
    "福建": 2.8,
    "江西": 1.7,
    "山东": 5.2,
    "河南": 3.6,
    "湖北": 3.0,
    "湖南": 2.7,
    "广东": 7.0,
    "广西": 1.5,
    "海南": 0.4,
    "重庆": 1.8,
    "四川": 3.2,
    "贵州": 1.2,
    "云南": 1.5,
    "西藏": 0.15,
    "陕西": 1.9,
    "甘肃": 0.7,
    "青海": 0.25,
    "宁夏": 0.3,
    "新疆": 0.9,
}
YEARS = range(2011, 2023)

#: column: (subsystem, 2011 level per size unit, yearly growth, noise sd, direction)
INDICATORS = {
    "数字经济增加值(亿元)": ("digital", 1500.0, 0.14, 0.05),
    "互联网宽带接入用户(万户)": ("digital", 300.0, 0.09, 0.04),
    "电子商务交易额(亿元)": ("digital", 2200.0, 0.16, 0.07),
    "制造业增加值(亿元)": ("cluster", 3500.0, 0.06, 0.04),
    "规模以上工业企业数(个)": ("cluster", 4000.0, 0.03, 0.03),
    "高新技术企业数(个)": ("cluster", 900.0, 0.15, 0.06),
    "单位GDP能耗(吨标准煤/万元)": ("ecology", 0.0, -0.045, 0.03),
    "森林覆盖率(%)": ("ecology", 0.0, 0.012, 0.01),
    "工业废水排放量(万吨)": ("ecology", 9000.0, -0.05, 0.06),
    "PM2.5年均浓度(微克/立方米)": ("ecology", 0.0, -0.055, 0.05),
}


def make_panel(seed: int = 2024) -> pd.DataFrame:
    """The panel as a DataFrame (before the two missing cells are written)."""
    rng = np.random.default_rng(seed)
    names = list(PROVINCES)
    size = np.array(list(PROVINCES.values()))
    t = np.arange(len(YEARS))
    rows = pd.MultiIndex.from_product([names, list(YEARS)], names=["省份", "年份"])
    out = pd.DataFrame(index=rows)
    for column, (_, level, growth, noise) in INDICATORS.items():
        pace = growth * rng.uniform(0.7, 1.3, size=len(names))
        trend = np.exp(np.outer(pace, t))
        shock = np.exp(rng.normal(0.0, noise, size=(len(names), len(YEARS))))
        if column.startswith("单位GDP能耗"):
            start = rng.uniform(0.4, 1.8, size=len(names)) / np.sqrt(size / size.mean())
            values = np.clip(start, 0.25, 2.5)[:, None] * trend * shock
        elif column.startswith("森林覆盖率"):
            start = rng.uniform(5.0, 62.0, size=len(names))
            values = np.minimum(start[:, None] * trend * shock, 70.0)
        elif column.startswith("PM2.5"):
            start = rng.uniform(25.0, 95.0, size=len(names))
            values = np.maximum(start[:, None] * trend * shock, 8.0)
        else:
            values = level * size[:, None] * rng.uniform(0.6, 1.4, len(names))[:, None]
            values = values * trend * shock
        digits = 0 if column.endswith("(个)") else 2
        rounded = np.round(values.ravel(), digits)
        out[column] = rounded.astype(np.int64) if digits == 0 else rounded
    return out.reset_index()


def write(folder: Path = HERE) -> None:
    """Write ``panel.csv`` (UTF-8) and ``panel_gbk.csv`` (GB18030, Chinese Excel's CSV)."""
    frame = make_panel().astype({c: object for c in INDICATORS})
    # One empty cell and one "—": both mean "no data" and are imputed, with a note.
    frame.loc[(frame["省份"] == "西藏") & (frame["年份"] == 2015), "高新技术企业数(个)"] = ""
    frame.loc[(frame["省份"] == "青海") & (frame["年份"] == 2019), "工业废水排放量(万吨)"] = "—"
    frame.to_csv(folder / "panel.csv", index=False, encoding="utf-8", lineterminator="\n")
    frame.to_csv(folder / "panel_gbk.csv", index=False, encoding="gb18030", lineterminator="\r\n")


if __name__ == "__main__":
    write()

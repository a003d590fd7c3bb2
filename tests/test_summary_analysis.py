"""The terminal summary's spatio-temporal analysis block, in English and Chinese.

Every number shown is read back from the ``AnalysisResult`` tables (themselves tested
against hand calculations and PySAL in ``tests/methods`` and ``tests/test_space.py``);
here the test checks that the summary shows those numbers, for the right series and
periods, and counts what it counts (significant periods, LISA clusters) on its own.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import cosyn
from cosyn.summary import render_summary

pytest.importorskip("esda")
pytest.importorskip("giddy")

REGIONS = ["Ash", "Birch", "Cedar", "Elm", "Fir", "Hazel", "Oak", "Pine"]
MODEL = """
title = "Eight regions on a ring"
entity = "region"
period = "year"

[method]
bounds = "panel"

[subsystems.econ]
label = "Economy"
indicators = { gdp = "+", jobs = "+" }

[subsystems.env]
label = "Environment"
indicators = { green = "+", waste = "-" }

[diagnostics]
coupling = "classic"

[analysis]
series = ["synergy", "coupling", "order"]
groups = "zone"
weights = "neighbours.csv"
permutations = 99
seed = 3
"""


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> cosyn.Result:
    folder: Path = tmp_path_factory.mktemp("ring")
    rows = [
        {
            "region": r,
            "year": 2015 + t,
            "zone": "North" if k < 4 else "South",
            "gdp": 10 + 3 * (k < 4) + t * (1 + k % 3),
            "jobs": 5 + 2 * t + (k * t) % 4,
            "green": 20 + t * (1 + k % 4) + 2 * (k < 4),
            "waste": 30 - t - (k % 2) * t,
        }
        for t in range(6)
        for k, r in enumerate(REGIONS)
    ]
    pd.DataFrame(rows).to_csv(folder / "panel.csv", index=False)
    ring = REGIONS[1:] + REGIONS[:1]
    pd.DataFrame({"entity_a": REGIONS, "entity_b": ring}).to_csv(
        folder / "neighbours.csv", index=False
    )
    (folder / "model.toml").write_text(MODEL, encoding="utf-8")
    return cosyn.fit(folder / "panel.csv", folder / "model.toml")


def _block(text: str, title: str) -> str:
    start = text.index("\n" + title + "\n")
    end = text.find("\n\n", start + 1)
    return text[start : end if end > 0 else None]


def test_analysis_block_shows_the_tables_numbers(result: cosyn.Result) -> None:
    a = result.analysis
    block = _block(render_summary(result, "en"), "Spatio-temporal analysis")
    # U can be negative: the inequality lines are of D, the first series with rows
    gini = a.gini[a.gini.series == "coupling"]
    last = gini.iloc[-1]
    assert f"Dagum Gini of D in 2020: G = {last.G:.3f}" in block
    assert f"(within {last.share_w:.0%}, net between {last.share_nb:.0%}" in block
    assert f"2015: {gini.G.iloc[0]:.3f}" in block
    beta = a.beta[a.beta.series == "coupling"].iloc[0]
    assert f"β = {beta.beta:.4f}" in block
    # Moran's I: U is the first series; count the significant periods here
    m = a.moran[a.moran.series == "synergy"]
    k = int((m.p_sim < 0.05).sum())
    assert f"U in 2020: I = {m.I.iloc[-1]:.3f}" in block
    assert f"99 permutations); significant at α = 0.05 in {k} of {len(m)} periods" in block
    lisa = a.lisa[(a.lisa.series == "synergy") & (a.lisa.period == 2020)]
    counts = lisa.cluster.value_counts()
    shown = re.search(r"LISA +U in 2020: (.*)", block)
    assert shown is not None
    parts = dict(p.rsplit(" ", 1) for p in shown.group(1).split(", "))
    assert {q: int(n) for q, n in parts.items()} == {
        "HH": int(counts.get("HH", 0)),
        "LL": int(counts.get("LL", 0)),
        "LH": int(counts.get("LH", 0)),
        "HL": int(counts.get("HL", 0)),
        "not significant": int(counts.get("not significant", 0)),
    }
    assert sum(int(n) for n in parts.values()) == len(REGIONS)
    mk = a.markov[a.markov.series == "synergy"]
    assert f"{int(mk['count'].sum())} transitions" in block
    assert int(mk["count"].sum()) == len(REGIONS) * 4  # 5 compared periods, 4 transitions


def test_analysis_block_in_chinese_and_its_notes(result: cosyn.Result) -> None:
    text = render_summary(result, "zh")
    block = _block(text, "时空分析")
    for label in ("区域差异", "收敛性", "Moran's I", "LISA", "马尔可夫链"):
        assert "\n  " + label in block
    assert "D 的 Dagum 基尼系数：2020 期" in block
    assert "置换 99 次" in block and "不显著" in block
    notes = text[text.index("说明（原文为英文）") :]
    for note in result.analysis.notes:
        assert note in notes


def test_no_analysis_block_without_an_analysis_table() -> None:
    res = cosyn.fit(
        cosyn.datasets.data_path("trade.csv"), cosyn.datasets.data_path("trade_model.toml")
    )
    assert "Spatio-temporal analysis" not in render_summary(res, "en")
    assert "时空分析" not in render_summary(res, "zh")

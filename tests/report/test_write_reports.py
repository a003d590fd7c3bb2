"""write_reports: the base files plus a CSV for each diagnostic table asked for, each read
back equal to its table and formula-safe (cosyn.report)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import cosyn
from cosyn.report import DIAGNOSTIC_TABLES, TABLES, diagnostic_tables, write_reports

TRADE = cosyn.datasets.data_path("trade.csv")


def fit(data: Any, spec: dict[str, Any]) -> cosyn.Result:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cosyn.CosynWarning)  # GM(1,1)'s shifted series
        return cosyn.fit(data, spec)


def trade(**diagnostics: Any) -> cosyn.Result:
    spec = cosyn.datasets.load_spec("trade_model").to_dict()
    if diagnostics:
        spec["diagnostics"] = diagnostics
    return fit(TRADE, spec)


@pytest.fixture
def no_drawing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Skip figures and HTML (tested in test_figures / test_html): the tables are what
    these tests look at."""
    import cosyn.report.figures
    import cosyn.report.html

    def html(result: Any, path: str | Path, **_: Any) -> Path:
        Path(path).write_text("<html></html>", encoding="utf-8")
        return Path(path)

    monkeypatch.setattr(cosyn.report.figures, "render_figures", lambda *a, **k: {})
    monkeypatch.setattr(cosyn.report.html, "write_html", html)


def listing(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def csvs(folder: Path) -> set[str]:
    return {p.name for p in folder.glob("*.csv")}


def read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path)


BASE = {f"{name}.csv" for name in TABLES} | {"results.xlsx", "report.html"}


def test_without_diagnostics_only_the_base_files(tmp_path: Path, no_drawing: None) -> None:
    res = trade()
    assert diagnostic_tables(res) == ()
    written = write_reports(res, tmp_path)
    assert listing(tmp_path) == BASE
    assert sorted(p.relative_to(tmp_path).as_posix() for p in written) == sorted(BASE)


@pytest.mark.parametrize(
    ("diagnostics", "tables"),
    [
        ({"gra": True}, ("grey_relation", "grey_cross")),
        ({"coupling": "fan"}, ("coupling",)),
        ({"obstacles": 2, "forecast": 3}, ("obstacles", "forecast")),
        ({"robustness": {"draws": 20}}, ("robustness",)),
    ],
)
def test_a_csv_for_each_diagnostic_asked_for(
    tmp_path: Path, no_drawing: None, diagnostics: dict[str, Any], tables: tuple[str, ...]
) -> None:
    res = trade(**diagnostics)
    assert diagnostic_tables(res) == tables
    steps: list[str] = []
    written = write_reports(res, tmp_path, step=steps.append)
    expected = BASE | {f"{name}.csv" for name in tables}
    assert listing(tmp_path) == expected
    assert {p.relative_to(tmp_path).as_posix() for p in written} == expected
    assert [s for s in steps if s.endswith(".csv")] == [
        f"writing {name}.csv" for name in (*TABLES, *tables)
    ]


def test_every_diagnostic_end_to_end(tmp_path: Path) -> None:
    """The whole of write_reports, figures and HTML included, with every diagnostic."""
    res = trade(gra=True, coupling="wang", obstacles=3, forecast=3, robustness={"draws": 20})
    assert diagnostic_tables(res) == DIAGNOSTIC_TABLES
    written = write_reports(res, tmp_path)
    files = listing(tmp_path)
    assert {p.relative_to(tmp_path).as_posix() for p in written} == files
    assert csvs(tmp_path) == {f"{name}.csv" for name in (*TABLES, *DIAGNOSTIC_TABLES)}
    others = {f for f in files if not f.endswith(".csv") and not f.startswith("figures/")}
    assert others == {"results.xlsx", "report.html"}
    figures = {f for f in files if f.startswith("figures/")}
    assert figures and {f.rsplit(".", 1)[0] + ".png" for f in figures} == {
        f for f in figures if f.endswith(".png")
    }  # every figure as SVG and PNG
    for name in DIAGNOSTIC_TABLES:
        table = getattr(res, name)
        back = read_csv(tmp_path / f"{name}.csv")
        pd.testing.assert_frame_equal(back, table, check_exact=True, check_dtype=False)


def test_diagnostic_csvs_read_back_equal_the_tables(tmp_path: Path, no_drawing: None) -> None:
    res = trade(gra=True, coupling="classic", obstacles=3, forecast=2, robustness=True)
    write_reports(res, tmp_path)
    for name in diagnostic_tables(res):
        table = getattr(res, name)
        back = read_csv(tmp_path / f"{name}.csv")
        assert list(back.columns) == list(table.columns), name
        pd.testing.assert_frame_equal(back, table, check_exact=True, check_dtype=False)
        for column in table.columns:  # booleans and integers come back as such
            if table[column].dtype in (np.dtype(bool), np.dtype(np.int64)):
                assert back[column].dtype == table[column].dtype, (name, column)
    forecast = read_csv(tmp_path / "forecast.csv")
    assert forecast.loc[forecast["kind"] == "forecast", "observed"].isna().all()
    assert forecast["period"].max() == 2023  # 2021 + 2 periods


def test_formula_looking_names_are_escaped_in_the_csvs(tmp_path: Path, no_drawing: None) -> None:
    rng = np.random.default_rng(5)
    n = 6
    frame = pd.DataFrame(
        {
            "who": ["=HYPERLINK(1)"] * n + ["ok"] * n,
            "year": list(range(2010, 2010 + n)) * 2,
            "-net exports": rng.random(2 * n) + 1,
            "a2": rng.random(2 * n) + 1,
            "b1": rng.random(2 * n) + 1,
            "b2": rng.random(2 * n) + 1,
        }
    )
    spec = {
        "entity": "who",
        "period": "year",
        "subsystems": {
            "a": {"indicators": {"-net exports": "+", "a2": "+"}},
            "b": {"indicators": {"b1": "+", "b2": "+"}},
        },
        "diagnostics": {"gra": True, "coupling": "classic", "obstacles": 4, "forecast": 2},
    }
    res = fit(frame, spec)
    write_reports(res, tmp_path)
    for name in diagnostic_tables(res):
        text = (tmp_path / f"{name}.csv").read_text(encoding="utf-8")
        assert not any(line.startswith(("=", "+", "-", "@")) for line in text.splitlines())
        back = read_csv(tmp_path / f"{name}.csv")
        assert back["entity"].iloc[0] == "'=HYPERLINK(1)", name  # the apostrophe: text
        assert set(back["entity"]) == {"'=HYPERLINK(1)", "ok"}, name
    relation = read_csv(tmp_path / "grey_relation.csv")
    assert "'-net exports" in set(relation["indicator"])
    cross = read_csv(tmp_path / "grey_cross.csv")
    assert "'-net exports" in set(cross["indicator"])
    obstacles = read_csv(tmp_path / "obstacles.csv")
    assert "'-net exports" in set(obstacles["indicator"])
    # numbers are not touched: a negative number stays a number
    assert read_csv(tmp_path / "forecast.csv")["value"].dtype == np.float64


def test_robustness_table_only_when_asked() -> None:
    res = trade(gra=True, robustness={"draws": 20})
    assert diagnostic_tables(res) == ("grey_relation", "grey_cross", "robustness")
    assert diagnostic_tables(trade(gra=True)) == ("grey_relation", "grey_cross")


def test_an_unknown_report_entity_fails_before_any_file(tmp_path: Path) -> None:
    spec = cosyn.datasets.load_spec("trade_model").to_dict()
    spec["report"] = {"entities": ["jewelry", "jewelery"]}
    res = fit(TRADE, spec)
    with pytest.raises(cosyn.SpecError, match="jewelery"):
        write_reports(res, tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_groups_that_name_no_province_fail_before_any_file(tmp_path: Path) -> None:
    # The Guangzhou clusters are not provinces: [analysis] groups = "china_3" cannot
    # place them, and the message comes before any file is written.
    spec = cosyn.datasets.load_spec("trade_model").to_dict()
    spec["analysis"] = {"groups": "china_3"}
    res = fit(TRADE, spec)
    with pytest.raises(cosyn.DataError, match="jewelry"):
        write_reports(res, tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


# -- the spatio-temporal analysis -----------------------------------------------------------

PROVINCES = ["北京", "天津", "山西", "安徽", "四川", "贵州"]


def provinces_with_analysis(folder: Path, **analysis: Any) -> cosyn.Result:
    """Six provinces in the three china_3 groups over four years, neighbours a ring
    (a CSV), no permutations (no LISA: kept fast)."""
    rows = [
        {"province": e, "year": 2020 + t, "x": 1 + t + k * (t + 1), "z": 3 + 2 * t + (k % 3)}
        for t in range(4)
        for k, e in enumerate(PROVINCES)
    ]
    neighbours = folder / "neighbours.csv"
    ring = PROVINCES[1:] + PROVINCES[:1]
    pd.DataFrame({"entity_a": PROVINCES, "entity_b": ring}).to_csv(neighbours, index=False)
    spec = {
        "entity": "province",
        "period": "year",
        "method": {"bounds": "panel"},
        "subsystems": {
            "econ": {"label": "经济", "indicators": [{"column": "x", "direction": "+"}]},
            "env": {"label": "环境", "indicators": [{"column": "z", "direction": "+"}]},
        },
        "diagnostics": {"coupling": "classic"},
        "analysis": {
            "series": ["order", "coupling"],
            "groups": "china_3",
            "weights": str(neighbours),
            "permutations": 0,
            **analysis,
        },
    }
    return fit(pd.DataFrame(rows), spec)


@pytest.fixture
def catch_html(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The report figures skipped, the analysis figures two small stand-ins, and the
    ``figures`` the HTML report is handed kept."""
    import matplotlib.pyplot as plt

    import cosyn.report.analysis_figures
    import cosyn.report.figures
    import cosyn.report.html

    seen: dict[str, Any] = {}

    def html(result: Any, path: str | Path, **kw: Any) -> Path:
        seen.update(kw)
        Path(path).write_text("<html></html>", encoding="utf-8")
        return Path(path)

    def analysis_figures(result: Any, lang: str = "en", **_: Any) -> dict[str, Any]:
        seen["analysis_lang"] = lang
        return {"analysis_gini": plt.figure(figsize=(1, 1)), "moran": plt.figure(figsize=(1, 1))}

    monkeypatch.setattr(cosyn.report.figures, "render_figures", lambda *a, **k: {})
    monkeypatch.setattr(cosyn.report.analysis_figures, "render_analysis_figures", analysis_figures)
    monkeypatch.setattr(cosyn.report.html, "write_html", html)
    return seen


def test_analysis_tables_figures_and_steps(tmp_path: Path, catch_html: dict[str, Any]) -> None:
    res = provinces_with_analysis(tmp_path)
    a = res.analysis
    assert a is not None
    steps: list[str] = []
    out = tmp_path / "out"
    written = write_reports(res, out, lang="zh", step=steps.append)
    full = {name for name, t in a.tables.items() if len(t)}
    assert {"gini", "moran", "markov", "spatial_markov_tests", "values", "groups"} <= full
    assert "lisa" not in full  # permutations = 0: no rows, no file
    assert {p.name for p in (out / "analysis").glob("*.csv")} == {f"{n}.csv" for n in full}
    for name in full:  # tidy, English columns, every number read back equal
        back = pd.read_csv(out / "analysis" / f"{name}.csv")
        table = a.tables[name]
        assert list(back.columns) == list(table.columns)
        for column in table.columns:
            if pd.api.types.is_float_dtype(table[column].dtype):
                np.testing.assert_array_equal(back[column].to_numpy(float), table[column])
    # the figures: every one the analysis draws, saved twice and handed to the report,
    # each named analysis_… (a name without the prefix gets it)
    assert catch_html["analysis_lang"] == "zh"
    assert set(catch_html["figures"]) == {"analysis_gini", "analysis_moran"}
    for name in ("analysis_gini", "analysis_moran"):
        assert (out / "figures" / f"{name}.svg") in written
        assert (out / "figures" / f"{name}.png").is_file()
    assert steps[0] == "正在进行时空分析"
    assert "正在写出 analysis/gini.csv" in steps and "正在绘制时空分析图" in steps


def test_without_analysis_no_analysis_files(tmp_path: Path, catch_html: dict[str, Any]) -> None:
    res = trade()
    write_reports(res, tmp_path / "out", step=lambda _: None)
    assert not (tmp_path / "out" / "analysis").exists()
    assert "analysis_lang" not in catch_html and catch_html["figures"] == {}


def test_a_missing_neighbours_file_fails_before_any_file(tmp_path: Path) -> None:
    res = provinces_with_analysis(tmp_path)
    (tmp_path / "neighbours.csv").unlink()
    out = tmp_path / "out"
    with pytest.raises(cosyn.DataError, match=r"neighbours file .* does not exist"):
        write_reports(res, out)
    assert not out.exists()


def test_a_missing_spatial_extra_fails_before_any_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    res = provinces_with_analysis(tmp_path)
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "giddy" else real(name, *a)
    )
    out = tmp_path / "out"
    with pytest.raises(cosyn.SpecError, match=r"pip install 'cosyn\[spatial\]' \(missing: giddy\)"):
        write_reports(res, out)
    assert not out.exists()


def test_report_figures_are_those_written(tmp_path: Path, catch_html: dict[str, Any]) -> None:
    from cosyn.report import report_figures

    res = provinces_with_analysis(tmp_path)
    steps: list[str] = []
    drawn = report_figures(res, "en", step=steps.append)
    assert set(drawn) == {"analysis_gini", "analysis_moran"}
    assert steps == ["drawing figures", "drawing the figures of the analysis"]
    assert report_figures(trade(), "en") == {}

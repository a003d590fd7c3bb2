"""The bundled spatio-temporal example, examples/provinces/analysis.toml, end to end.

The model fits the synthetic 31-province panel with bounds and weights over the whole
panel and asks for every analysis (groups china_4, the bundled contiguity, 999
permutations). The fit, the PySAL imports and LISA's permutations take longer than the
default run allows: those tests are marked slow (``pytest -m slow``).
"""

from __future__ import annotations

import tomllib
import warnings
from pathlib import Path

import numpy as np
import pytest
from matplotlib.text import Text

import cosyn

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "provinces"
MODEL = EXAMPLE / "analysis.toml"
DATA = EXAMPLE / "panel.csv"


def test_the_model_makes_provinces_comparable_and_asks_for_every_analysis() -> None:
    raw = tomllib.loads(MODEL.read_text(encoding="utf-8"))
    assert raw["method"]["bounds"] == "panel"
    assert raw["method"]["weights_scope"] == "panel"
    assert raw["diagnostics"]["coupling"]
    spec = cosyn.Spec.from_toml(MODEL)
    a = spec.analysis
    assert a is not None
    assert a.series == ("synergy", "order", "coupling")
    assert (a.groups, a.weights, a.permutations, a.seed) == ("china_4", "china_provinces", 999, 0)
    # the same subsystems and indicators as model.toml, which the other examples use
    base = cosyn.Spec.from_toml(EXAMPLE / "model.toml")
    assert [s.name for s in spec.subsystems] == [s.name for s in base.subsystems]
    assert [len(s.indicators) for s in spec.subsystems] == [
        len(s.indicators) for s in base.subsystems
    ]


def test_the_readme_gives_the_command_line() -> None:
    readme = (EXAMPLE / "README.md").read_text(encoding="utf-8")
    command = "cosyn run examples/provinces/analysis.toml --data examples/provinces/panel.csv"
    assert command in readme
    assert "时空分析" in readme


@pytest.fixture(scope="module")
def result() -> cosyn.Result:
    pytest.importorskip("esda")
    pytest.importorskip("giddy")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = cosyn.fit(DATA, cosyn.Spec.from_toml(MODEL))
        assert res.analysis is not None  # computed here, with the warnings of the fit
    return res


@pytest.mark.slow
def test_every_analysis_table_has_rows(result: cosyn.Result) -> None:
    a = result.analysis
    empty = [name for name, table in a.tables.items() if not len(table)]
    assert not empty, (empty, a.notes)
    series = set(a.values["series"])
    assert series == {
        "coupling",
        "synergy",
        "order:digital",
        "order:cluster",
        "order:ecology",
        "order:mean",
    }
    # the methods that need values ≥ 0 ran on D and μ but not on U
    assert "synergy" not in set(a.gini["series"]) and "coupling" in set(a.gini["series"])
    assert set(a.groups["group"]) == {"East", "Central", "West", "Northeast"}
    assert (a.moran["permutations"] == 999).all()


@pytest.mark.slow
def test_the_example_shows_differences_between_provinces(result: cosyn.Result) -> None:
    """Panel-wide bounds give values that differ across provinces: an analysis of nearly
    equal values would show nothing."""
    a = result.analysis
    d = a.values[a.values["series"] == "coupling"]
    last = d[d["period"] == d["period"].max()]["value"].to_numpy(dtype=float)
    assert np.std(last) / np.mean(last) > 0.15  # CV of D across the 31 provinces
    sigma = a.sigma[(a.sigma["series"] == "coupling") & a.sigma["group"].isna()]
    assert np.allclose(sigma["cv"].to_numpy(dtype=float)[-1], np.std(last) / np.mean(last))
    lisa = a.lisa[a.lisa["series"] == "coupling"]
    assert (lisa["cluster"] != "not significant").any()
    markov = a.markov[(a.markov["series"] == "coupling") & (a.markov["count"] > 0)]
    assert (markov["from"] != markov["to"]).any()  # some provinces change class


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_figure_renders(result: cosyn.Result, lang: str) -> None:
    from cosyn.report.analysis_figures import ANALYSIS_FIGURES, render_analysis_figures
    from cosyn.report.figures import cjk_font, png_bytes

    figs = render_analysis_figures(result, lang)
    assert tuple(figs) == ANALYSIS_FIGURES

    def text(name: str) -> str:
        return " ".join(t.get_text() for t in figs[name].findobj(Text))

    # each figure draws the first series with its rows: U has Moran's I but no Gini, so
    # the Gini figure draws the first μ (数字经济)
    u, mu = ("协同度 U", "数字经济有序度") if lang == "zh" else ("synergy degree U", "数字经济")
    assert u in text("analysis_moran") and u in text("analysis_markov")
    assert mu in text("analysis_gini") and u not in text("analysis_gini")
    d = render_analysis_figures(result, lang, series="coupling")
    assert tuple(d) == ANALYSIS_FIGURES
    for name, fig in figs.items():
        assert png_bytes(fig, dpi=40)[:4] == b"\x89PNG", name
    mu = render_analysis_figures(result, lang, series="order:digital")
    assert "analysis_beta" in mu and "analysis_spatial_markov" in mu
    texts = [t for t in figs["analysis_lisa_map"].findobj(Text) if t.get_text()]
    if lang == "zh":
        assert any(t.get_text() == "北京" for t in texts)
        assert "数字经济" in " ".join(t.get_text() for f in mu.values() for t in f.findobj(Text))
        font = cjk_font()
        if font is None:
            pytest.skip("no CJK font installed: apt-get install fonts-wqy-zenhei")
        beijing = next(t for t in texts if t.get_text() == "北京")
        assert font in beijing.get_fontfamily()
    else:
        assert any(t.get_text() == "Beijing" for t in texts)


@pytest.mark.slow
def test_the_paper_tables_have_rows(result: cosyn.Result) -> None:
    from cosyn.report.analysis_tables import analysis_paper_tables

    for lang in ("en", "zh"):
        tables = analysis_paper_tables(result, lang)
        keys = [t.key for t in tables]
        for key in ("analysis_gini", "analysis_theil", "analysis_beta", "analysis_moran"):
            assert key in keys, (lang, key)
        assert all(len(t.table) for t in tables)

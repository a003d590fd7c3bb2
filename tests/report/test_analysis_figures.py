"""Figures of the spatio-temporal analysis, drawn from hand-made tables (no PySAL run)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection
from matplotlib.colors import to_hex
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from cosyn.analysis.run import AnalysisResult, _empty
from cosyn.datasets import china_regions, china_tiles
from cosyn.report.analysis_figures import (
    ANALYSIS_FIGURES,
    LISA_COLOURS,
    render_analysis_figures,
)
from cosyn.report.figures import cjk_font, png_bytes

PERIODS = [2020, 2021, 2022]
CLUSTERS = ["HH", "LL", "LH", "HL", "not significant"]


def _tables(entities: list[str], groups: pd.Series | None) -> AnalysisResult:
    rng = np.random.default_rng(1)
    E, T = len(entities), len(PERIODS)
    empty = {
        f.name: _empty(f.name) for f in dataclasses.fields(AnalysisResult) if f.name != "notes"
    }
    values = pd.DataFrame(
        {
            "series": "coupling",
            "entity": np.repeat(entities, T),
            "period": np.tile(PERIODS, E),
            "value": rng.uniform(0.2, 0.9, E * T),
        }
    )
    gini = pd.DataFrame(
        {
            "series": "coupling",
            "period": PERIODS,
            "G": [0.3, 0.25, 0.2],
            "Gw": [0.1, 0.08, 0.07],
            "Gnb": [0.15, 0.12, 0.09],
            "Gt": [0.05, 0.05, 0.04],
        }
    )
    for k, s in (("Gw", "share_w"), ("Gnb", "share_nb"), ("Gt", "share_t")):
        gini[s] = gini[k] / gini["G"]
    names = ["East", "West"]
    within = pd.DataFrame(
        [("coupling", p, g, 0.5, 0.1 + i / 10) for p in PERIODS for i, g in enumerate(names)],
        columns=["series", "period", "group", "mean", "G_jj"],
    )
    between = pd.DataFrame(
        [("coupling", p, "East", "West", 0.2, 0.5) for p in PERIODS],
        columns=["series", "period", "group_j", "group_h", "G_jh", "D_jh"],
    )
    x = np.linspace(0, 1, 50)
    curves = pd.DataFrame(
        {
            "series": "coupling",
            "period": np.repeat(PERIODS, x.size),
            "x": np.tile(x, T),
            "density": np.exp(-((np.tile(x, T) - 0.5) ** 2) / 0.02),
        }
    )
    density = pd.DataFrame(
        {
            "series": "coupling",
            "period": PERIODS,
            "bandwidth": 0.05,
            "peak_location": 0.5,
            "peak_height": 1.0,
            "n_peaks": 1,
            "width": 0.2,
        }
    )
    moran = pd.DataFrame(
        {
            "series": "coupling",
            "period": PERIODS,
            "I": [0.4, 0.05, 0.3],
            "EI": -1 / (E - 1),
            "z": [3.0, 0.5, 2.5],
            "p_norm": [0.003, 0.6, 0.01],
            "p_sim": [0.001, 0.4, 0.02],
            "n": E,
            "permutations": 99,
        }
    )
    cluster = [CLUSTERS[i % 5] for i in range(E)] * T
    lisa = pd.DataFrame(
        {
            "series": "coupling",
            "period": np.repeat(PERIODS, E),
            "entity": np.tile(entities, T),
            "Ii": 0.1,
            "z": rng.normal(size=E * T),
            "lag": rng.normal(size=E * T),
            "quadrant": [c if c != "not significant" else "HH" for c in cluster],
            "p_sim": [0.01 if c != "not significant" else 0.5 for c in cluster],
            "significant": [c != "not significant" for c in cluster],
            "cluster": cluster,
        }
    )
    g = (
        pd.DataFrame({"entity": list(groups.index), "group": list(groups)})
        if groups is not None
        else empty["groups"]
    )
    return AnalysisResult(
        **{
            **empty,
            "values": values,
            "groups": g,
            "gini": gini,
            "gini_within": within,
            "gini_between": between,
            "density": density,
            "density_curves": curves,
            "moran": moran,
            "lisa": lisa,
        }
    )


@pytest.fixture(scope="module")
def provinces() -> AnalysisResult:
    names = list(china_regions("china_4").index)
    return _tables(names, china_regions("china_4"))


@pytest.fixture(scope="module")
def towns() -> AnalysisResult:
    return _tables([f"town {i}" for i in range(12)], None)


def _texts(fig) -> str:
    return " ".join(t.get_text() for t in fig.findobj(Text))


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "en",
            {
                "analysis_gini": ["Dagum", "coupling coordination degree D", "G_w", "% of G"],
                "analysis_gini_groups": ["within group", "between groups", "East–West"],
                "analysis_density": ["Kernel density", "2021", "bandwidth 0.05"],
                "analysis_moran": ["Moran's I", "p_sim < 0.05", "99 permutations"],
                "analysis_moran_scatter": ["Moran scatter", "2022", "I = 0.300", "HH", "LH"],
                "analysis_lisa_map": ["LISA", "2022", "not significant", "Beijing"],
                "analysis_level_map": ["by province", "2022", "quantile"],
            },
        ),
        (
            "zh",
            {
                "analysis_gini": ["基尼系数分解", "耦合协调度", "组内差异"],
                "analysis_gini_groups": ["组内", "组间", "东部–西部"],
                "analysis_density": ["核密度", "带宽"],
                "analysis_moran": ["莫兰指数", "次置换"],
                "analysis_moran_scatter": ["莫兰散点图", "空间滞后"],
                "analysis_lisa_map": ["LISA集聚图", "不显著", "北京", "内蒙古"],
                "analysis_level_map": ["分省分布", "分位数"],
            },
        ),
    ],
)
def test_each_figure_is_drawn_with_its_words(provinces, lang, words):
    figs = render_analysis_figures(provinces, lang)
    assert tuple(figs) == ANALYSIS_FIGURES
    for name, expected in words.items():
        text = _texts(figs[name])
        for w in expected:
            assert w in text, (name, w)
        fig = figs[name]
        assert fig.get_figwidth() <= 7.2
        sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_text()]
        assert min(sizes) >= 7
    assert png_bytes(figs["analysis_lisa_map"], dpi=50)[:4] == b"\x89PNG"


def test_chinese_text_uses_the_cjk_font(provinces):
    font = cjk_font()
    if font is None:
        pytest.skip("no CJK font installed: apt-get install fonts-wqy-zenhei")
    fig = render_analysis_figures(provinces, "zh")["analysis_lisa_map"]
    beijing = [t for t in fig.findobj(Text) if t.get_text() == "北京"]
    assert beijing and font in beijing[0].get_fontfamily()


def test_lisa_tiles_one_per_province_coloured_by_cluster(provinces):
    fig = render_analysis_figures(provinces)["analysis_lisa_map"]
    tiles = {
        r.get_gid()[5:]: to_hex(r.get_facecolor())
        for r in fig.findobj(Rectangle)
        if (r.get_gid() or "").startswith("tile:")
    }
    assert set(tiles) == set(china_tiles()["province"]) and len(tiles) == 31
    last = provinces.lisa[provinces.lisa["period"] == 2022]
    for entity, cluster in zip(last["entity"], last["cluster"], strict=True):
        assert tiles[entity] == to_hex(LISA_COLOURS[cluster]), entity
    # 31 provinces cycling through 5 clusters: HH 7, LL 6, LH 6, HL 6, not significant 6
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["HH (7)", "LL (6)", "LH (6)", "HL (6)", "not significant (6)"]


def test_lisa_map_of_a_chosen_period(provinces):
    lisa = provinces.lisa.copy()
    first = lisa["period"] == 2020
    lisa.loc[first, "cluster"] = "HH"
    a = dataclasses.replace(provinces, lisa=lisa)
    fig = render_analysis_figures(a, period=2020)["analysis_lisa_map"]
    colours = {
        to_hex(r.get_facecolor())
        for r in fig.findobj(Rectangle)
        if (r.get_gid() or "").startswith("tile:")
    }
    assert colours == {to_hex(LISA_COLOURS["HH"])}
    assert "2020" in _texts(fig)


def test_ridgeline_has_one_line_per_period(provinces):
    fig = render_analysis_figures(provinces)["analysis_density"]
    ridges = [ln for ln in fig.axes[0].get_lines() if ln.get_gid() == "ridge"]
    assert len(ridges) == len(PERIODS)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["2020", "2021", "2022"]


def test_moran_marks_significant_periods_filled(provinces):
    ax = render_analysis_figures(provinces)["analysis_moran"].axes[0]
    by_gid = {c.get_gid(): c for c in ax.findobj(PathCollection)}
    filled = by_gid["significant"].get_offsets()
    hollow = by_gid["not_significant"].get_offsets()
    # p_sim 0.001, 0.4, 0.02: periods 0 and 2 significant at 0.05
    assert np.allclose(np.asarray(filled)[:, 0], [0, 2])
    assert np.allclose(np.asarray(hollow)[:, 0], [1])
    # a stricter alpha leaves only the first
    ax = render_analysis_figures(provinces, alpha=0.01)["analysis_moran"].axes[0]
    by_gid = {c.get_gid(): c for c in ax.findobj(PathCollection)}
    assert np.allclose(np.asarray(by_gid["significant"].get_offsets())[:, 0], [0])


def test_scatter_slope_is_morans_i_and_names_significant_points(provinces):
    fig = render_analysis_figures(provinces)["analysis_moran_scatter"]
    ax = fig.axes[0]
    (slope,) = [ln for ln in ax.get_lines() if ln.get_gid() == "slope"]
    x, y = slope.get_data()
    assert (y[1] - y[0]) / (x[1] - x[0]) == pytest.approx(0.3)
    last = provinces.lisa[provinces.lisa["period"] == 2022]
    named = {t.get_text() for t in ax.texts} - {"HH", "LH", "LL", "HL"}
    assert len(named) == int(last["significant"].sum())


def test_other_entities_get_no_tile_map(towns):
    figs = render_analysis_figures(towns)
    assert "analysis_lisa_map" not in figs
    assert "analysis_level_map" not in figs
    assert "analysis_moran_scatter" in figs
    assert "town 0" in _texts(figs["analysis_moran_scatter"])


def test_only_figures_with_tables_and_unknown_series(towns):
    a = dataclasses.replace(towns, lisa=_empty("lisa"), gini=_empty("gini"))
    figs = render_analysis_figures(a)
    assert "analysis_gini" not in figs and "analysis_moran_scatter" not in figs
    assert "analysis_moran" in figs
    with pytest.raises(ValueError, match="order:mean"):
        render_analysis_figures(a, series="order:mean")


def test_period_given_as_text_and_unknown_period(provinces):
    fig = render_analysis_figures(provinces, period="2021")["analysis_moran_scatter"]
    assert "2021" in _texts(fig) and "I = 0.050" in _texts(fig)
    with pytest.raises(ValueError, match="2020, 2021, 2022"):
        render_analysis_figures(provinces, period=1999)


def test_a_result_gives_its_analysis_subsystem_labels_and_alpha(provinces):
    from types import SimpleNamespace

    values = provinces.values.assign(series="order:digital")
    moran = provinces.moran.assign(series="order:digital")
    a = dataclasses.replace(provinces, values=values, moran=moran)
    spec = SimpleNamespace(
        analysis=SimpleNamespace(alpha=0.01),
        subsystems=[SimpleNamespace(name="digital", label="数字经济")],
    )
    figs = render_analysis_figures(SimpleNamespace(analysis=a, spec=spec), "zh")
    assert "数字经济有序度" in _texts(figs["analysis_moran"])
    assert "p_sim < 0.01" in _texts(figs["analysis_moran"])
    assert render_analysis_figures(SimpleNamespace(analysis=None, spec=spec)) == {}


@pytest.mark.slow
def test_the_province_example_draws_every_figure(tmp_path):
    """The bundled province example through the whole pipeline (esda's LISA compiles)."""
    pytest.importorskip("esda")
    import warnings
    from pathlib import Path

    import cosyn

    example = Path(__file__).resolve().parents[2] / "examples" / "provinces"
    if not example.is_dir():
        pytest.skip("examples/provinces is not in this tree")
    model = (example / "model.toml").read_text(encoding="utf-8")
    model = "\n".join(
        line
        for line in model.splitlines()
        if not line.startswith(("robustness", "forecast", "obstacles", "gra"))
    )
    model += (
        '\n[analysis]\nseries = ["coupling"]\ngroups = "china_4"\n'
        'weights = "china_provinces"\npermutations = 99\n'
    )
    (tmp_path / "model.toml").write_text(model, encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = cosyn.fit(example / "panel.csv", cosyn.Spec.from_toml(tmp_path / "model.toml"))
    for lang in ("en", "zh"):
        figs = render_analysis_figures(result, lang)
        assert tuple(figs) == ANALYSIS_FIGURES
        assert "99" in _texts(figs["analysis_lisa_map"])
        for fig in figs.values():
            assert png_bytes(fig, dpi=40)[:4] == b"\x89PNG"

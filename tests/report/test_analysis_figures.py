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
    analysis_figure_names,
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
    theil = pd.DataFrame(
        {
            "series": "coupling",
            "period": PERIODS,
            "T": [0.05, 0.04, 0.03],
            "Tw": [0.03, 0.025, 0.02],
            "Tb": [0.02, 0.015, 0.01],
        }
    )
    theil["share_w"] = theil["Tw"] / theil["T"]
    theil["share_b"] = theil["Tb"] / theil["T"]
    sigma = pd.DataFrame(
        [("coupling", p, np.nan, 0.5, 0.1, 0.2 - i / 100) for i, p in enumerate(PERIODS)]
        + [
            ("coupling", p, grp, 0.5, 0.1, 0.1 + j / 10 - i / 100)
            for i, p in enumerate(PERIODS)
            for j, grp in enumerate(names)
        ],
        columns=["series", "period", "group", "mean", "sd", "cv"],
    )
    beta = pd.DataFrame(
        {
            "series": ["coupling"],
            "first_period": [PERIODS[0]],
            "last_period": [PERIODS[-1]],
            "n": [E],
            "span": [2.0],
            "beta": [-0.25],
            "se": [0.05],
            "t": [-5.0],
            "p": [0.0004],
            "r2": [0.5],
            "speed": [0.3466],
            "converging": [True],
        }
    )
    classes = ["low", "mid", "high"]
    counts = np.array([[5, 3, 0], [1, 6, 2], [0, 0, 0]])
    with np.errstate(invalid="ignore"):
        probs = counts / counts.sum(axis=1, keepdims=True)
    markov = pd.DataFrame(
        {
            "series": "coupling",
            "from": np.repeat(classes, 3),
            "to": np.tile(classes, 3),
            "count": counts.ravel(),
            "probability": probs.ravel(),
        }
    )
    markov_classes = pd.DataFrame(
        {
            "series": "coupling",
            "class": classes,
            "upper_edge": [0.4, 0.7, np.nan],
            "initial": [0.5, 0.3, 0.2],
            "final": [0.2, 0.3, 0.5],
            "steady_state": np.nan,
        }
    )
    spatial_markov = pd.concat(
        [markov.assign(lag_class=f"lag {c}") for c in ("≤0.4", "(0.4, 0.7]", ">0.7")],
        ignore_index=True,
    )[["series", "lag_class", "from", "to", "count", "probability"]]
    spatial_markov.loc[spatial_markov["lag_class"] == "lag >0.7", "count"] = 0
    tests = pd.DataFrame(
        {"series": ["coupling"], "LR": [3.2], "LR_p": [0.52], "Q": [3.1], "Q_p": [0.54], "dof": [4]}
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
            "theil": theil,
            "sigma": sigma,
            "beta": beta,
            "markov": markov,
            "markov_classes": markov_classes,
            "spatial_markov": spatial_markov,
            "spatial_markov_tests": tests,
        }
    )


@pytest.fixture(scope="module")
def provinces() -> AnalysisResult:
    names = list(china_regions("china_4").index)
    return _tables(names, china_regions("china_4"))


@pytest.fixture(scope="module")
def drawn(provinces: AnalysisResult) -> dict[str, dict]:
    """The figures of ``provinces`` in each language, drawn once for the tests that only
    look at them."""
    return {lang: render_analysis_figures(provinces, lang) for lang in ("en", "zh")}


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
                "analysis_level_map": ["by province", "2022", "low ≤ 0.4", "mid (0.4, 0.7]"],
                "analysis_level_maps": ["by province in 2020, 2021, 2022", "mid (0.4, 0.7]"],
                "analysis_theil": ["Theil", "T_w", "63% of T", "total T"],  # (60 + 62.5 + 66.7) / 3
                "analysis_sigma": ["σ-convergence", "all entities", "East", "West"],
                "analysis_beta": ["β = −0.25", "SE 0.05", "p < 0.001", "34.66%", "East"],
                "analysis_markov": ["Markov", "low  ≤ 0.4", "(0.4, 0.7]", "0.62\n(5)"],
                "analysis_spatial_markov": ["Spatial Markov", "Q = 3.10", "(n = 17)"],
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
                "analysis_lisa_map": ["LISA 集聚图", "不显著", "北京", "内蒙古"],
                "analysis_level_map": ["分省分布", "等级"],
                "analysis_level_maps": ["分省分布：2020、2021、2022"],
                "analysis_theil": ["泰尔指数", "组间差异"],
                "analysis_sigma": ["σ 收敛", "变异系数", "东部"],
                "analysis_beta": ["β 收敛", "收敛速度", "标准误"],
                "analysis_markov": ["马尔可夫", "t 期类型"],
                "analysis_spatial_markov": ["空间马尔可夫", "邻域滞后", "同质性检验"],
            },
        ),
    ],
)
def test_each_figure_is_drawn_with_its_words(drawn, lang, words):
    figs = drawn[lang]
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


def test_chinese_text_uses_the_cjk_font(provinces, drawn):
    font = cjk_font()
    if font is None:
        pytest.skip("no CJK font installed: apt-get install fonts-wqy-zenhei")
    fig = drawn["zh"]["analysis_lisa_map"]
    beijing = [t for t in fig.findobj(Text) if t.get_text() == "北京"]
    assert beijing and font in beijing[0].get_fontfamily()


def test_lisa_tiles_one_per_province_coloured_by_cluster(provinces, drawn):
    fig = drawn["en"]["analysis_lisa_map"]
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


def test_ridgeline_has_one_line_per_period(provinces, drawn):
    fig = drawn["en"]["analysis_density"]
    ridges = [ln for ln in fig.axes[0].get_lines() if ln.get_gid() == "ridge"]
    assert len(ridges) == len(PERIODS)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["2020", "2021", "2022"]


def test_moran_marks_significant_periods_filled(provinces, drawn):
    ax = drawn["en"]["analysis_moran"].axes[0]
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


def test_scatter_slope_is_morans_i_and_names_significant_points(provinces, drawn):
    fig = drawn["en"]["analysis_moran_scatter"]
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


def test_theil_bars_stack_to_the_total(provinces, drawn):
    ax = drawn["en"]["analysis_theil"].axes[0]
    within = [b.get_height() for b in ax.patches if b.get_gid() == "part:Tw"]
    between = [b for b in ax.patches if b.get_gid() == "part:Tb"]
    assert within == pytest.approx([0.03, 0.025, 0.02])
    assert [b.get_y() + b.get_height() for b in between] == pytest.approx([0.05, 0.04, 0.03])
    assert between[0].get_hatch()  # the parts differ in black-and-white print


def test_sigma_lines_are_the_cv_of_the_panel_and_each_group(provinces, drawn):
    ax = drawn["en"]["analysis_sigma"].axes[0]
    lines = {ln.get_gid(): ln for ln in ax.get_lines()}
    assert np.allclose(lines["cv:all"].get_ydata(), [0.2, 0.19, 0.18])
    assert np.allclose(lines["cv:West"].get_ydata(), [0.2, 0.19, 0.18])
    assert np.allclose(lines["cv:East"].get_ydata(), [0.1, 0.09, 0.08])
    assert lines["cv:East"].get_marker() != lines["cv:West"].get_marker()


def test_beta_points_are_log_initial_value_and_average_growth(provinces, drawn):
    fig = drawn["en"]["analysis_beta"]
    ax = fig.axes[0]
    v = provinces.values.pivot(index="entity", columns="period", values="value")
    # by hand: g_i = (1/T) ln(y_iT / y_i0), T = 2 periods
    expected = pd.DataFrame(
        {"x": np.log(v[2020]), "y": np.log(v[2022] / v[2020]) / 2}, index=v.index
    )
    points = np.vstack(
        [c.get_offsets() for c in ax.collections if c.get_gid().startswith("points")]
    )
    got = pd.DataFrame(points, columns=["x", "y"]).sort_values("x", ignore_index=True)
    want = expected.sort_values("x", ignore_index=True)
    assert np.allclose(got.to_numpy(), want.to_numpy())
    (fit,) = [ln for ln in ax.get_lines() if ln.get_gid() == "fit"]
    x, y = fit.get_data()
    assert (y[1] - y[0]) / (x[1] - x[0]) == pytest.approx(-0.25)


def test_markov_cells_give_probability_and_count_and_grey_unleft_rows(provinces, drawn):
    ax = drawn["en"]["analysis_markov"].axes[0]
    cells = {t.get_gid(): t.get_text() for t in ax.texts}
    # counts [[5, 3, 0], [1, 6, 2], [0, 0, 0]]: row sums 8, 9; "high" is never left
    assert cells["cell:0:0"] == "0.62\n(5)" and cells["cell:0:1"] == "0.38\n(3)"
    assert cells["cell:1:2"] == "0.22\n(2)" and cells["cell:0:2"] == "0"
    assert not any(k.startswith("cell:2:") for k in cells)
    rows = [t.get_text() for t in ax.get_yticklabels()]
    assert rows == ["low  ≤ 0.4", "mid  (0.4, 0.7]", "high  > 0.7"]
    zh = drawn["zh"]["analysis_markov"]
    assert "(0.4, 0.7]" in _texts(zh)


def test_spatial_markov_one_panel_per_lag_class_with_transitions(provinces, drawn):
    fig = drawn["en"]["analysis_spatial_markov"]
    panels = [ax for ax in fig.axes if (ax.get_gid() or "").startswith("lag:")]
    # the third lag class has no transition: no panel
    assert [ax.get_gid() for ax in panels] == ["lag:lag ≤0.4", "lag:lag (0.4, 0.7]"]
    assert "neighbours' lag ≤0.4 (n = 17)" in _texts(fig)
    assert "LR = 3.20 (p = 0.520)" in _texts(fig).replace("\n", " ")


def _grid_geojson(path, names):
    """A 4 × 4 grid of unit squares, row-major from the south-west, named ``names``."""
    import json

    features = []
    for i, name in enumerate(names):
        r, c = divmod(i, 4)
        ring = [[c, r], [c + 1, r], [c + 1, r + 1], [c, r + 1], [c, r]]
        features.append(
            {
                "type": "Feature",
                "properties": {"name": name},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        )
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))


def test_maps_on_the_users_geometry(tmp_path):
    """With a geometry file as weights, the LISA and level maps are choropleths of it."""
    pytest.importorskip("geopandas")
    from types import SimpleNamespace

    from matplotlib.patches import PathPatch

    from cosyn.spec import Analysis

    names = [f"zone {i}" for i in range(16)]
    _grid_geojson(tmp_path / "zones.geojson", names)
    full = _tables(names, None)
    keep = ("values", "lisa", "moran", "markov_classes")  # what the maps need
    a = dataclasses.replace(
        full, **{k: _empty(k) for k in full.tables if k not in keep and k != "groups"}
    )
    spec = SimpleNamespace(
        analysis=Analysis(series=("coupling",), weights="zones.geojson"),
        subsystems=[],
        entity="name",
        source=str(tmp_path / "model.toml"),
    )
    (tmp_path / "model.toml").write_text("")
    result = SimpleNamespace(analysis=a, spec=spec, entities=pd.Index(names))
    figs = {lang: render_analysis_figures(result, lang) for lang in ("en", "zh")}
    for lang in ("en", "zh"):
        assert "analysis_lisa_map" in figs[lang] and "analysis_level_map" in figs[lang]
    fig = figs["en"]["analysis_lisa_map"]
    regions = {
        p.get_gid()[7:]: p
        for p in fig.findobj(PathPatch)
        if (p.get_gid() or "").startswith("region:")
    }
    assert set(regions) == set(names)
    last = a.lisa[a.lisa["period"] == 2022]
    for entity, cluster in zip(last["entity"], last["cluster"], strict=True):
        assert to_hex(regions[entity].get_facecolor()) == to_hex(LISA_COLOURS[cluster])
    # zone 5 is the square (1, 1)–(2, 2)
    box = regions["zone 5"].get_path().get_extents()
    assert (box.x0, box.y0, box.x1, box.y1) == (1, 1, 2, 2)
    assert "zone 5" in _texts(fig)
    level = figs["en"]["analysis_level_map"]
    shaded = {
        p.get_gid()[7:]: to_hex(p.get_facecolor())
        for p in level.findobj(PathPatch)
        if (p.get_gid() or "").startswith("region:")
    }
    values = a.values[a.values["period"] == 2022].set_index("entity")["value"]
    # darker blue for a higher class: the highest value's zone is the darkest
    lum = {e: sum(int(c[i : i + 2], 16) for i in (1, 3, 5)) for e, c in shaded.items()}
    assert lum[values.idxmax()] == min(lum.values())
    assert lum[values.idxmin()] == max(lum.values())
    several = figs["zh"]["analysis_level_maps"]
    drawn_regions = [
        p.get_gid()[7:]
        for p in several.findobj(PathPatch)
        if (p.get_gid() or "").startswith("region:")
    ]
    assert sorted(drawn_regions) == sorted(names * len(PERIODS))
    assert "分地区分布" in _texts(several)
    # without the geometry, zones are no provinces: no map
    plain = render_analysis_figures(a)
    assert "analysis_lisa_map" not in plain and "analysis_level_map" not in plain


@pytest.mark.slow
def test_a_fit_with_a_geometry_file_draws_its_maps(tmp_path):
    """A model whose weights are a GeoJSON of 16 zones (no provinces): fit, analyse and
    draw the LISA and level maps on the zones, the file found next to the model."""
    pytest.importorskip("geopandas")
    pytest.importorskip("esda")
    import warnings

    from matplotlib.patches import PathPatch

    import cosyn

    names = [f"zone {i}" for i in range(16)]
    _grid_geojson(tmp_path / "zones.geojson", names)
    rng = np.random.default_rng(3)
    rows = []
    for i, zone in enumerate(names):
        level = 1 + (i % 4) + (i // 4)  # rising to the north-east: neighbours alike
        for year in range(2016, 2022):
            growth = 1 + 0.05 * (year - 2016)
            rows.append(
                {
                    "name": zone,
                    "year": year,
                    **{k: level * growth * rng.uniform(0.9, 1.1) for k in ("x1", "x2", "y1", "y2")},
                }
            )
    pd.DataFrame(rows).to_csv(tmp_path / "panel.csv", index=False)
    (tmp_path / "model.toml").write_text(
        """
entity = "name"
period = "year"
[method]
bounds = "panel"
weights = "entropy"
weights_scope = "panel"
[subsystems.a]
indicators = [{column = "x1"}, {column = "x2"}]
[subsystems.b]
indicators = [{column = "y1"}, {column = "y2"}]
[diagnostics]
coupling = "classic"
[analysis]
series = ["coupling"]
weights = "zones.geojson"
permutations = 49
classes = "quantiles"
k = 4
""",
        encoding="utf-8",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = cosyn.fit(tmp_path / "panel.csv", cosyn.Spec.from_toml(tmp_path / "model.toml"))
        assert len(result.analysis.lisa)
    for lang in ("en", "zh"):
        figs = render_analysis_figures(result, lang)
        for name in ("analysis_lisa_map", "analysis_level_map"):
            regions = [
                p
                for p in figs[name].findobj(PathPatch)
                if (p.get_gid() or "").startswith("region:")
            ]
            assert sorted(p.get_gid()[7:] for p in regions) == sorted(names), (lang, name)
            assert png_bytes(figs[name], dpi=40)[:4] == b"\x89PNG"


def test_level_maps_of_several_periods_share_one_scale(provinces, drawn):
    fig = drawn["en"]["analysis_level_maps"]
    panels = [ax for ax in fig.axes if (ax.get_gid() or "").startswith("period:")]
    assert [ax.get_gid() for ax in panels] == ["period:2020", "period:2021", "period:2022"]
    colour_of_class: dict[int, set[str]] = {}
    for ax, period in zip(panels, PERIODS, strict=True):
        tiles = {
            r.get_gid()[5:]: to_hex(r.get_facecolor())
            for r in ax.patches
            if (r.get_gid() or "").startswith("tile:")
        }
        v = provinces.values[provinces.values["period"] == period]
        # the level classes of the tables: ≤ 0.4, (0.4, 0.7], > 0.7
        for entity, value in zip(v["entity"], v["value"], strict=True):
            c = int(np.searchsorted([0.4, 0.7], value, side="left"))
            colour_of_class.setdefault(c, set()).add(tiles[entity])
    assert all(len(colours) == 1 for colours in colour_of_class.values())
    assert len({next(iter(c)) for c in colour_of_class.values()}) == len(colour_of_class)


def _with_synergy_first(a: AnalysisResult) -> AnalysisResult:
    """The tables with a series U before D that has values, Moran's I and LISA but none of
    the tables that need values ≥ 0 (as the pipeline leaves it)."""
    u = {
        name: pd.concat([getattr(a, name).assign(series="synergy"), getattr(a, name)])
        for name in ("values", "moran", "lisa")
    }
    u["moran"] = u["moran"].assign(
        I=np.where(u["moran"]["series"] == "synergy", 0.111, u["moran"]["I"])
    )
    return dataclasses.replace(a, **u)


def test_by_default_each_figure_draws_the_first_series_with_its_rows(provinces):
    a = _with_synergy_first(provinces)
    figs = render_analysis_figures(a)
    assert tuple(figs) == ANALYSIS_FIGURES
    # U comes first: the figures it has rows for draw U, the others D
    for name in ("analysis_moran", "analysis_moran_scatter", "analysis_lisa_map"):
        assert "synergy degree U" in _texts(figs[name]), name
    assert "I = 0.111" in _texts(figs["analysis_moran_scatter"])
    for name in ("analysis_gini", "analysis_theil", "analysis_sigma", "analysis_beta"):
        text = _texts(figs[name])
        assert "coupling coordination degree D" in text and "synergy" not in text, name
    # a series asked for is drawn alone
    only_u = render_analysis_figures(a, series="synergy")
    assert "analysis_gini" not in only_u and "analysis_moran" in only_u


def test_figure_names_without_drawing_and_a_chosen_few(provinces, towns):
    a = _with_synergy_first(provinces)
    assert analysis_figure_names(a) == ANALYSIS_FIGURES
    u_only = (
        "analysis_moran",
        "analysis_moran_scatter",
        "analysis_lisa_map",
        "analysis_level_map",
        "analysis_level_maps",
    )
    assert analysis_figure_names(a, series="synergy") == u_only
    assert tuple(render_analysis_figures(a, series="synergy")) == u_only
    assert analysis_figure_names(towns) == tuple(render_analysis_figures(towns))
    few = render_analysis_figures(a, names=["analysis_markov", "analysis_moran"])
    assert tuple(few) == ("analysis_moran", "analysis_markov")
    with pytest.raises(ValueError, match="analysis_gini"):
        render_analysis_figures(a, names=["analysis_nothing"])


def test_ridgeline_peaks_of_very_different_heights_each_on_its_own_scale(provinces):
    curves = provinces.density_curves.copy()
    curves.loc[curves["period"] == 2020, "density"] *= 10  # a narrow first period
    fig = render_analysis_figures(
        dataclasses.replace(provinces, density_curves=curves), names=["analysis_density"]
    )["analysis_density"]
    ridges = [ln for ln in fig.axes[0].get_lines() if ln.get_gid() == "ridge"]
    bases = list(fig.axes[0].get_yticks())
    heights = [float(np.max(r.get_ydata())) - b for r, b in zip(ridges, bases, strict=True)]
    assert heights == pytest.approx([1.0, 1.0, 1.0])
    assert "each curve scaled to its own peak" in _texts(fig)
    # on one scale (peaks alike), the highest peak is 1 and the others in proportion
    same = render_analysis_figures(provinces, names=["analysis_density"])["analysis_density"]
    assert "own peak" not in _texts(same)


def test_region_paths_keep_holes_and_every_part():
    shapely = pytest.importorskip("shapely")
    from cosyn.report.analysis_figures import _path

    ring = shapely.Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], [[(1, 1), (3, 1), (3, 3), (1, 3)]])
    island = shapely.Polygon([(10, 0), (11, 0), (11, 1), (10, 1)])
    path = _path(shapely.MultiPolygon([ring, island]))

    def signed_area(xy):  # shoelace: > 0 counter-clockwise
        x, y = np.asarray(xy, dtype=float).T
        return 0.5 * float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))

    # outline, hole, island; the hole wound against the outline so that the non-zero
    # filling rule (matplotlib's) leaves it empty
    areas = [signed_area(xy) for xy in path.to_polygons(closed_only=False)]
    assert areas == pytest.approx([16.0, -4.0, 1.0])
    assert _path(shapely.LineString([(0, 0), (1, 1)])) is None


def test_lisa_clusters_alike_in_grey_print_are_hatched(provinces, drawn):
    fig = drawn["en"]["analysis_lisa_map"]
    hatches = [p for p in fig.axes[0].patches if p.get_gid() == "hatch"]
    last = provinces.lisa[provinces.lisa["period"] == 2022]
    # LL, LH and HL are hatched (HH and not significant differ from them in grey)
    assert len(hatches) == int(last["cluster"].isin(["LL", "LH", "HL"]).sum())
    by_hatch = {p.get_hatch(): to_hex(p.get_edgecolor()) for p in hatches}
    assert by_hatch == {"..": "#ffffff", "//": "#666666", "\\\\": "#666666"}


def test_a_period_u_lacks_is_drawn_from_the_next_series(provinces):
    """U has no base period: asked for it, the maps and scatter plot draw D."""
    a = _with_synergy_first(provinces)
    keep = ~((a.values["series"] == "synergy") & (a.values["period"] == 2020))
    lisa_keep = ~((a.lisa["series"] == "synergy") & (a.lisa["period"] == 2020))
    a = dataclasses.replace(a, values=a.values[keep], lisa=a.lisa[lisa_keep])
    figs = render_analysis_figures(a, period=2020)
    assert "coupling coordination degree D, 2020" in _texts(figs["analysis_moran_scatter"])
    assert "synergy degree U" in _texts(
        render_analysis_figures(a, period=2022)["analysis_moran_scatter"]
    )
    with pytest.raises(ValueError, match="2021, 2022"):
        render_analysis_figures(a, series="synergy", period=2020)

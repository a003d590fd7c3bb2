"""Figures for many entities, chosen entities, units in labels, both scales of U, honest
forecasts, one font warning and sizes that read in the HTML report."""

from __future__ import annotations

import itertools
import logging
import warnings

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

import cosyn
from cosyn import CosynWarning
from cosyn.report import figures
from cosyn.report.figures import (
    OKABE_ITO,
    figure_coupling,
    figure_forecast,
    figure_grey_relation,
    figure_order_degree,
    figure_synergy_heatmap,
    figure_synergy_path,
    figure_weights,
    png_bytes,
    render_figures,
)

PROVINCES = (
    "北京 天津 河北 山西 内蒙古 辽宁 吉林 黑龙江 上海 江苏 浙江 安徽 福建 江西 山东 河南 "
    "湖北 湖南 广东 广西 海南 重庆 四川 贵州 云南 西藏 陕西 甘肃 青海 宁夏 新疆"
).split()
YEARS = [2017, 2018, 2019, 2020, 2021, 2022]
LONG = "制造业增加值占地区生产总值比重(%)"


def province_frame(seed: int = 0, n: int = 31) -> pd.DataFrame:
    """The first ``n`` of 31 provinces × 6 years, rising indicators with Chinese headers
    and units."""
    rng = np.random.default_rng(seed)
    rows = []
    for p in PROVINCES[:n]:
        level = rng.uniform(0.5, 2.0)
        for t, year in enumerate(YEARS):
            g = level * (1 + 0.1 * t)
            rows.append(
                {
                    "省份": p,
                    "年份": year,
                    "数字经济规模(亿元)": g * 1000 * rng.uniform(0.9, 1.1),
                    "宽带端口(万个)": g * 300 * rng.uniform(0.9, 1.1),
                    LONG: 30 + t + rng.normal(0, 1),
                    "单位GDP能耗": 1.5 / g * rng.uniform(0.9, 1.1),
                }
            )
    return pd.DataFrame(rows)


def province_spec(**extra) -> dict:
    return {
        "entity": "省份",
        "period": "年份",
        "subsystems": {
            "digital": {
                "label": "数字经济",
                "indicators": {"数字经济规模(亿元)": "+", "宽带端口(万个)": "+"},
            },
            "industry": {
                "label": "产业集群",
                "indicators": {
                    LONG: "+",
                    "单位GDP能耗": {"direction": "-", "unit": "吨标准煤/万元"},
                },
            },
        },
        **extra,
    }


def fit_quietly(frame: pd.DataFrame, spec: dict) -> cosyn.Result:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CosynWarning)
        return cosyn.fit(frame, spec)


@pytest.fixture(scope="module")
def provinces() -> cosyn.Result:
    return fit_quietly(province_frame(), province_spec(diagnostics={"coupling": "classic"}))


@pytest.fixture(scope="module")
def ten() -> cosyn.Result:
    """Ten provinces: more than MAX_LINES, so small multiples, but quick to draw."""
    spec = province_spec(diagnostics={"coupling": "classic", "gra": True})
    return fit_quietly(province_frame(n=10), spec)


@pytest.fixture(scope="module")
def two() -> cosyn.Result:
    return fit_quietly(province_frame(n=2), province_spec())


def left_titles(fig: Figure) -> list[str]:
    return [ax.get_title(loc="left").strip() for ax in fig.axes if ax.get_title(loc="left")]


def all_texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


# -- every entity is drawn ---------------------------------------------------------------
def test_all_31_provinces_have_a_panel_sorted_by_the_last_value(provinces):
    fig = figure_synergy_path(provinces, "zh")
    titles = left_titles(fig)
    assert sorted(titles) == sorted(PROVINCES)  # 云南…新疆 included
    last = dict(zip(provinces.entities, provinces.synergy_values[:, -1], strict=True))
    assert [last[t] for t in titles] == sorted(last.values(), reverse=True)
    assert "全部 31 个主体，按 2022 的协同度 U 从高到低排列" in fig.get_suptitle()


@pytest.mark.parametrize("build", [figure_order_degree, figure_coupling])
def test_more_than_eight_entities_are_small_multiples_sorted_by_the_last_value(ten, build):
    fig = build(ten, "en")
    titles = left_titles(fig)
    assert sorted(titles) == sorted(PROVINCES[:10])
    if build is figure_order_degree:
        key = ten.mu[:, -1, :].mean(axis=1)
        assert "all 10 entities, sorted by mean μ in 2022, highest first" in fig.get_suptitle()
    else:
        key = ten.diagnostics.coupling[2][:, -1]
        assert "all 10 entities, sorted by D in 2022, highest first" in fig.get_suptitle()
    by_name = dict(zip(ten.entities, key, strict=True))
    assert [by_name[t] for t in titles] == sorted(key, reverse=True)


def test_heatmap_rows_are_every_province_in_data_order(provinces):
    fig = figure_synergy_heatmap(provinces, "zh")
    rows = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert rows == PROVINCES
    assert "31 个主体" in fig.get_suptitle()


def test_beyond_the_panel_limit_the_median_band_names_the_extremes(provinces, monkeypatch):
    monkeypatch.setattr(figures, "MAX_PANELS", 20)
    fig = figure_synergy_path(provinces, "en")
    (ax,) = fig.axes
    last = dict(zip(provinces.entities, provinces.synergy_values[:, -1], strict=True))
    ranked = sorted(last, key=last.get, reverse=True)
    named = {t.get_text() for t in ax.texts}
    assert set(ranked[:5]) <= named and set(ranked[-5:]) <= named
    assert not set(ranked[5:-5]) & named
    # the median line is the median of the 31 paths
    median = np.median(provinces.synergy_values, axis=0)
    paths = [ln.get_ydata() for ln in ax.get_lines() if len(ln.get_ydata()) == median.size]
    assert any(np.allclose(y, median) for y in paths)
    title = fig.get_suptitle()
    assert "31 entities: median, interquartile range and min–max" in title
    assert "the 5 highest and 5 lowest in 2022 named" in title


# -- chosen entities ---------------------------------------------------------------------
def chosen(names: list[str], **diagnostics) -> cosyn.Result:
    extra = {"report": {"entities": names}}
    if diagnostics:
        extra["diagnostics"] = diagnostics
    return fit_quietly(province_frame(), province_spec(**extra))


def test_chosen_entities_only_and_in_their_order():
    names = ["新疆", "北京", "云南"]
    result = chosen(names)
    path = figure_synergy_path(result, "en")
    lines = [ln.get_label() for ln in path.axes[0].get_lines() if ln.get_label()[0] != "_"]
    assert lines == names
    rows = np.asarray([list(result.entities).index(n) for n in names])
    drawn = [ln.get_ydata() for ln in path.axes[0].get_lines() if ln.get_label() in names]
    np.testing.assert_allclose(np.vstack(drawn), result.synergy_values[rows])
    assert "3 of 31 entities, as chosen in [report]\u00a0entities" in path.get_suptitle()
    heat = figure_synergy_heatmap(result, "en")
    assert [t.get_text() for t in heat.axes[0].get_yticklabels()] == names
    order = figure_order_degree(result, "en")
    assert left_titles(order) == names


def test_many_chosen_entities_keep_their_order_in_small_multiples():
    names = PROVINCES[::-1][:12]
    fig = figure_synergy_path(chosen(names), "zh")
    assert left_titles(fig) == names
    assert "[report]\u00a0entities 选定的 12 个主体（共\u00a031\u00a0个）" in fig.get_suptitle()


def test_an_unknown_entity_names_the_spec_key_and_the_nearest_names():
    result = chosen(["北京", "新彊"])  # the spec does not know the data; the figures do
    with pytest.raises(cosyn.SpecError) as caught:
        figure_synergy_path(result)
    message = str(caught.value)
    assert message.startswith("[report] entities: '新彊' (nearest: '新疆'")
    assert "not among the 31 entities" in message and "'省份'" in message


# -- labels ------------------------------------------------------------------------------
def test_long_indicator_names_keep_their_unit(ten):
    labels = [t.get_text() for ax in figure_weights(ten).axes for t in ax.get_yticklabels()]
    assert labels[0] == "数字经济规模(亿元)"
    long = labels[2]
    assert long.endswith("(%)") and "\n" in long  # wrapped, not cut
    assert long.replace("\n", "") == LONG or "…" in long.split("\n")[0]
    assert labels[3].replace("\n", "") == "单位GDP能耗（吨标准煤/万元）"  # the spec's unit
    texts = [t.get_text() for ax in figure_grey_relation(ten).axes for t in ax.get_yticklabels()]
    assert all(t.endswith(("(亿元)", "(万个)", "(%)", "（吨标准煤/万元）")) for t in texts)


@pytest.mark.parametrize(
    ("name", "unit", "width", "expected"),
    [
        ("Exports", "(USD)", 2.0, "Exports (USD)"),
        ("Very long name of an indicator", "(10,000 USD)", 1.6, None),
        ("制造业增加值占地区生产总值比重", "(%)", 1.0, None),
    ],
)
def test_a_name_may_be_wrapped_or_cut_but_never_its_unit(name, unit, width, expected):
    text = figures._name_with_unit(name, unit, width, 7.0)
    if expected:
        assert text == expected
    lines = text.split("\n")
    assert len(lines) <= 2
    assert lines[-1].endswith(unit)
    assert all(figures._text_width(ln, 7.0) <= width for ln in lines)


def test_rho_stays_with_its_value_in_the_grey_relation_title(ten):
    for lang in ("en", "zh"):
        lines = figure_grey_relation(ten, lang).get_suptitle().split("\n")
        assert any("ρ\u00a0=\u00a00.5" in ln for ln in lines), lines


def test_every_text_lies_inside_the_figure():
    # a long label pushes the axes right: an x label centred on them was cut at the right
    spec = province_spec()
    spec["subsystems"]["digital"]["indicators"] = {
        "数字经济规模(亿元)": {
            "direction": "+",
            "label": "Scale of the digital economy in the province",
            "unit": "100 million yuan",
        },
        "宽带端口(万个)": "+",
    }
    result = fit_quietly(province_frame(n=3), spec)
    for lang in ("en", "zh"):
        for fig in (figure_weights(result, lang), figure_synergy_path(chosen(["北京"]), lang)):
            fig.canvas.draw()
            box = fig.get_tightbbox(fig.canvas.get_renderer())  # what is drawn, inches
            assert box.x0 >= -0.01 and box.x1 <= fig.get_figwidth() + 0.01, box
            assert box.y0 >= -0.01 and box.y1 <= fig.get_figheight() + 0.01, box


# -- both scales of U --------------------------------------------------------------------
def test_synergy_path_names_levels_and_stages_and_draws_the_shared_edge_as_both():
    result = chosen(["北京", "上海"])
    fig = figure_synergy_path(result, "en")
    ax = fig.axes[0]
    texts = {t.get_text() for t in ax.texts}
    lo, hi = ax.get_ylim()
    for scale, header in ((result.spec.levels, "level"), (result.spec.stages, "stage")):
        assert header in texts
        bounds = [-1.0, *scale.edges, 1.0]
        for name, (a, b) in zip(scale.names, itertools.pairwise(bounds), strict=True):
            if min(b, hi) - max(a, lo) >= 0.06 * (hi - lo):
                assert name in texts, name
    # 0.3 is an edge of both scales: drawn dash-dot, ruled in both columns
    shared = [ln for ln in ax.get_lines() if np.allclose(ln.get_ydata(), 0.3)]
    assert [ln.get_linestyle() for ln in shared] == ["-."]
    rules = [a for a in ax.texts if hasattr(a, "xy") and np.isclose(a.xy[1], 0.3)]
    assert len(rules) == 2
    key = {t.get_text() for t in fig.legends[0].get_texts()}
    assert {"level and stage edge", "stage edge"} <= key


# -- forecasts ---------------------------------------------------------------------------
def test_forecast_marks_shifted_series_and_clipped_values():
    result = fit_quietly(province_frame(), province_spec(diagnostics={"forecast": 4}))
    fc = result.diagnostics.forecast
    assert fc.synergy is not None and fc.synergy_clipped is not None
    assert (~fc.synergy.level_ratio_ok).any() and fc.synergy_clipped.any()
    fig = figure_forecast(result, "en")
    key = {t.get_text() for t in fig.legends[0].get_texts()}
    assert "level ratio failed — shifted fit" in key
    assert "clipped to the range [−1,\u00a01]" in key
    assert "clipped to it (marked ▲▼)" in fig.get_suptitle()
    row = np.cumsum(fc.synergy_fitted) - 1
    entities = list(result.entities)
    for ax in fig.axes:
        i = entities.index(ax.get_title(loc="left").strip())
        r = int(row[i])
        dashdot = [ln for ln in ax.get_lines() if ln.get_linestyle() == "-."]
        if fc.synergy.level_ratio_ok[r]:
            assert not dashdot
        else:
            assert len(dashdot) == 2 and ax.get_title(loc="right").endswith("*")
            assert all(ln.get_color() == OKABE_ITO[4] for ln in dashdot)
        ups = [ln for ln in ax.get_lines() if ln.get_marker() == "^"]
        assert bool(ups) == bool(fc.synergy_clipped[r].any())
        for ln in ax.get_lines():  # nothing drawn beyond U's range
            y = np.asarray(ln.get_ydata(), dtype=float)
            assert np.all(y[np.isfinite(y)] <= 1.0) and np.all(y[np.isfinite(y)] >= -1.0)


# -- the CJK font warning ----------------------------------------------------------------
@pytest.fixture
def no_cjk_font(monkeypatch):
    monkeypatch.setattr(figures, "cjk_font", lambda: None)
    monkeypatch.setattr(figures, "_CJK_WARNED", False)


def test_the_font_warning_is_said_once_per_process(two, no_cjk_font):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # as the CLI records them
        png_bytes(figure_synergy_path(two, "zh"), dpi=30)
        png_bytes(figure_weights(two, "zh"), dpi=30)
        png_bytes(figure_order_degree(two, "en"), dpi=30)  # Chinese names, English words
    ours = [w for w in caught if issubclass(w.category, CosynWarning)]
    assert len(ours) == 1
    assert "no CJK font installed" in str(ours[0].message)
    assert not [w for w in caught if "missing from" in str(w.message)]  # matplotlib's


def test_no_font_warning_when_no_chinese_text_is_drawn(no_cjk_font):
    frame = province_frame(n=2)
    frame.columns = ["e", "t", "a", "b", "c", "d"]
    frame["e"] = frame["e"].map({p: f"r{i:02d}" for i, p in enumerate(PROVINCES)})
    spec = {
        "entity": "e",
        "period": "t",
        "subsystems": {
            "A": {"indicators": {"a": "+", "b": "+"}},
            "B": {"indicators": {"c": "+", "d": "-"}},
        },
    }
    result = fit_quietly(frame, spec)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png_bytes(figure_synergy_path(result, "en"), dpi=30)
    assert not [w for w in caught if issubclass(w.category, CosynWarning)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png_bytes(figure_synergy_path(result, "zh"), dpi=30)  # Chinese words: warned
    assert len([w for w in caught if issubclass(w.category, CosynWarning)]) == 1


def test_matplotlib_font_weight_notes_are_not_logged(caplog):
    if figures.cjk_font() is None:
        pytest.skip("no CJK font installed")
    with caplog.at_level(logging.WARNING, logger="matplotlib.font_manager"):
        for size in (6.3, 7.7, 9.1):  # sizes no other test used: not in findfont's cache
            fig = Figure()
            fig.text(0.5, 0.5, "协同度", fontproperties=figures._style("zh").font(size))
            png_bytes(fig, dpi=30)
    assert not [r for r in caplog.records if "Failed to find font weight" in r.getMessage()]


# -- sizes -------------------------------------------------------------------------------
def test_text_reads_at_9_px_or_more_when_shown_1000_px_wide(ten):
    for name, fig in render_figures(ten, "zh").items():
        width_in = fig.get_figwidth()
        assert width_in <= figures.DOUBLE_COLUMN_IN, name
        sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_text()]
        px = min(sizes) / 72 * 1000 / width_in
        assert px >= 9, (name, min(sizes))

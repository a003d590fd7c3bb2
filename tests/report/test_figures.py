"""Figures: every figure builds on small and larger panels, files are written, text renders."""

from __future__ import annotations

import io
import warnings
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.container import ErrorbarContainer
from matplotlib.figure import Figure
from PIL import Image

import cosyn
from cosyn import CosynWarning
from cosyn.report import figures
from cosyn.report.figures import (
    DIAGNOSTIC_FIGURES,
    FIGURES,
    cjk_font,
    figure_coupling,
    figure_forecast,
    figure_grey_relation,
    figure_names,
    figure_obstacles,
    figure_order_degree,
    figure_robustness,
    figure_synergy_heatmap,
    figure_synergy_path,
    figure_weights,
    png_bytes,
    render_figures,
    svg_text,
    write_figures,
)
from cosyn.report.text import GM11_GRADES_ZH

ORDER_LABEL = "order degree μ (0–1)"
SYNERGY_LABEL = "synergy degree U (−1 to 1)"
#: The Guangzhou spec's first two indicator labels with their unit (on a second line)
IMPORTS_EXPORTS = ["Cluster imports\n(10,000 USD)", "Cluster exports\n(10,000 USD)"]
SPEC = {
    "entity": "e",
    "period": "t",
    "subsystems": {
        "A": {"indicators": {"a1": "+", "a2": "-"}},
        "B": {"indicators": {"b1": "+"}},
    },
}


def random_panel(n_entities: int, periods: list, *, entity: bool = True, seed: int = 0):
    """Random positive indicators with an upward trend, one row per entity-period."""
    rng = np.random.default_rng(seed)
    T = len(periods)
    n = n_entities * T
    trend = np.tile(np.arange(T, dtype=float), n_entities)
    frame = pd.DataFrame(
        {
            "t": np.tile(np.asarray(periods, dtype=object), n_entities),
            "a1": rng.uniform(1, 10, n) + trend,
            "a2": rng.uniform(1, 10, n),
            "b1": rng.uniform(1, 10, n) + 0.5 * trend,
        }
    )
    spec = {k: v for k, v in SPEC.items() if entity or k != "entity"}
    if entity:
        frame.insert(0, "e", np.repeat([f"region_{i:02d}" for i in range(n_entities)], T))
    return frame, spec


@pytest.fixture(scope="module")
def guangzhou() -> cosyn.Result:
    return cosyn.fit(cosyn.datasets.data_path("trade.csv"), cosyn.datasets.load_spec("trade_model"))


@pytest.fixture(scope="module")
def single() -> cosyn.Result:
    """One entity, no entity column, yearly dates as periods."""
    periods = list(pd.date_range("2001-01-01", periods=8, freq="YS"))
    frame, spec = random_panel(1, periods, entity=False, seed=1)
    frame["t"] = pd.to_datetime(frame["t"])
    return cosyn.fit(frame, spec)


@pytest.fixture(scope="module")
def forty() -> cosyn.Result:
    """40 entities, six quarterly periods as strings."""
    frame, spec = random_panel(40, ["2020Q1", "2020Q2", "2020Q3", "2020Q4", "2021Q1", "2021Q2"])
    return cosyn.fit(frame, spec)


def axis_labels(fig: Figure) -> set[str]:
    """Every axis label of the figure, figure-wide labels included."""
    labels = {fig.get_supxlabel(), fig.get_supylabel()}
    for ax in fig.axes:
        labels |= {ax.get_xlabel(), ax.get_ylabel()}
    return labels - {""}


def x_ticklabels(fig: Figure) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.get_xticklabels()]


@pytest.mark.parametrize("case", ["guangzhou", "single", "forty"])
@pytest.mark.parametrize("name", FIGURES)
def test_every_figure_builds_with_labelled_axes(name, case, request):
    result = request.getfixturevalue(case)
    fig = getattr(figures, f"figure_{name}")(result, "en")
    assert isinstance(fig, Figure)
    assert isinstance(fig.canvas, FigureCanvasAgg)
    fig.canvas.draw()
    labels = axis_labels(fig)
    if name == "order_degree":
        assert ORDER_LABEL in labels
        assert result.spec.period in labels
        assert all(ax.get_ylim() == (0.0, 1.0) for ax in fig.axes)
    elif name in ("synergy_path", "synergy_heatmap"):
        assert SYNERGY_LABEL in labels
        assert result.spec.period in labels
    else:
        assert any(label.startswith("weight φ") for label in labels)
    assert fig.get_suptitle()


def test_figures_list_and_builders():
    assert FIGURES == ("order_degree", "synergy_path", "synergy_heatmap", "weights")
    builders = [figure_order_degree, figure_synergy_path, figure_synergy_heatmap, figure_weights]
    assert [b.__name__ for b in builders] == [f"figure_{n}" for n in FIGURES]


def test_single_panel_without_entity_column_labels_its_own_axes(single):
    fig = figure_order_degree(single)
    (ax,) = fig.axes
    assert ax.get_ylabel() == ORDER_LABEL
    assert ax.get_xlabel() == "t"
    path = figure_synergy_path(single)
    assert path.axes[0].get_ylabel() == SYNERGY_LABEL
    path.canvas.draw()
    # dates at midnight are shown as days, not "2002-01-01 00:00:00"
    assert "2002-01-01" in x_ticklabels(path)


def test_path_shows_one_line_per_entity_and_reference_lines(guangzhou):
    fig = figure_synergy_path(guangzhou)
    ax = fig.axes[0]
    lines = [ln for ln in ax.get_lines() if ln.get_label() in set(guangzhou.entities)]
    assert len(lines) == 5
    horizontal = {ln.get_ydata()[0] for ln in ax.get_lines() if len(set(ln.get_ydata())) == 1}
    assert {0.0, 0.3} <= {round(float(y), 9) for y in horizontal}
    texts = {t.get_text() for t in ax.texts}
    assert "initial" in texts


def test_many_entities_are_all_drawn_and_the_title_says_how(forty, monkeypatch):
    every = {f"region_{i:02d}" for i in range(40)}
    order = figure_order_degree(forty)
    assert "all 40 entities, sorted by mean μ in 2021Q2" in order.get_suptitle()
    assert {ax.get_title(loc="left") for ax in order.axes} == every
    path = figure_synergy_path(forty)
    assert "all 40 entities, sorted by U in 2021Q2, highest first" in path.get_suptitle()
    titles = [ax.get_title(loc="left") for ax in path.axes]
    assert set(titles) == every
    last = dict(zip(forty.entities, forty.synergy_values[:, -1], strict=True))
    assert [last[t] for t in titles] == sorted(last.values(), reverse=True)
    heat = figure_synergy_heatmap(forty)
    assert "40 entities" in heat.get_suptitle()
    rows = [t.get_text() for t in heat.axes[0].get_yticklabels()]
    assert rows == [f"region_{i:02d}" for i in range(40)]  # data order
    monkeypatch.setattr(figures, "MAX_HEATMAP_ROWS", 10)
    heat = figure_synergy_heatmap(forty)
    assert "the 5 highest and 5 lowest of 40 entities by U in 2021Q2" in heat.get_suptitle()
    rows = [t.get_text() for t in heat.axes[0].get_yticklabels()]
    ranked = sorted(last, key=last.get, reverse=True)
    assert rows == ranked[:5] + ranked[-5:]


def test_heatmap_colour_scale_is_fixed_and_centred(guangzhou):
    fig = figure_synergy_heatmap(guangzhou)
    mesh = fig.axes[0].collections[0]
    assert mesh.norm.vmin == -1.0 and mesh.norm.vmax == 1.0
    assert mesh.get_cmap().name.startswith("RdBu")
    np.testing.assert_array_equal(
        np.asarray(mesh.get_array()).reshape(5, -1), guangzhou.synergy_values
    )


def test_weights_use_spec_labels_and_show_spread_only_where_weights_differ(guangzhou, forty):
    fig = figure_weights(guangzhou)
    first, second = fig.axes
    assert [t.get_text() for t in first.get_yticklabels()] == IMPORTS_EXPORTS
    assert first.get_title(loc="left") == "Cluster trade"
    # cluster trade weights differ by cluster; the city's are the same for every cluster
    assert any(isinstance(c, ErrorbarContainer) for c in first.containers)
    assert not any(isinstance(c, ErrorbarContainer) for c in second.containers)
    bars = [p.get_width() for p in first.patches]
    np.testing.assert_allclose(bars, guangzhou.weight_values[:, :2].mean(axis=0))
    labels = [t.get_text() for ax in figure_weights(forty).axes for t in ax.get_yticklabels()]
    assert labels == ["a1", "a2", "b1"]  # no label in the spec: the column


def test_write_figures_writes_png_at_300_dpi_and_svg(guangzhou, tmp_path):
    out = write_figures(guangzhou, tmp_path / "figures")
    assert list(out) == list(FIGURES)
    files = sorted(p.name for p in (tmp_path / "figures").iterdir())
    assert files == sorted(f"{n}.{ext}" for n in FIGURES for ext in ("png", "svg"))
    for name, paths in out.items():
        png, svg = paths
        assert png == tmp_path / "figures" / f"{name}.png"
        with Image.open(png) as im:
            assert im.info["dpi"] == pytest.approx((300, 300), abs=0.01)
            assert im.width >= 3.5 * 300 - 5
        root = ET.parse(svg).getroot()
        assert root.tag.endswith("svg")


def test_png_bytes_and_svg_text(guangzhou):
    fig = figure_synergy_heatmap(guangzhou)
    data = png_bytes(fig, dpi=100)
    assert data.startswith(b"\x89PNG")
    with Image.open(io.BytesIO(data)) as im:
        assert im.width == round(7.2 * 100)
    text = svg_text(fig)
    assert ET.fromstring(text.encode()).tag.endswith("svg")
    assert "<dc:date>" not in text


def test_bad_language_and_format_are_refused(guangzhou, tmp_path):
    with pytest.raises(ValueError, match="lang must be one of"):
        figure_weights(guangzhou, lang="fr")
    with pytest.raises(ValueError, match="unknown figure format 'gif'"):
        write_figures(guangzhou, tmp_path, formats=("png", "gif"))
    assert list(tmp_path.iterdir()) == []


def test_global_rcparams_are_left_alone(guangzhou):
    before = dict(matplotlib.rcParams)
    render_figures(guangzhou, lang="zh")
    assert dict(matplotlib.rcParams) == before


def test_figures_build_in_parallel_threads(guangzhou):
    with ThreadPoolExecutor(max_workers=4) as pool:
        pngs = list(pool.map(lambda _: png_bytes(figure_synergy_path(guangzhou), dpi=50), range(4)))
    assert len(set(pngs)) == 1


@pytest.fixture(scope="module")
def chinese() -> cosyn.Result:
    """Chinese entity names, periods, subsystem and indicator labels."""
    years = ["2020年", "2021年", "2022年", "2023年"]
    frame, _ = random_panel(2, years, seed=3)
    frame["t"] = pd.Categorical(frame["t"], categories=years, ordered=True)
    frame["e"] = frame["e"].map({"region_00": "纺织服装", "region_01": "美妆日化"})
    spec = {
        "entity": "e",
        "period": "t",
        "subsystems": {
            "trade": {
                "label": "数字贸易",
                "indicators": {
                    "a1": {"direction": "+", "label": "跨境电商出口额", "unit": "亿元"},
                    "a2": "-",
                },
            },
            "cluster": {"label": "产业集群", "indicators": {"b1": "+"}},
        },
    }
    return cosyn.fit(frame, spec)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_chinese_text_renders_without_missing_glyphs(chinese, lang):
    if cjk_font() is None:
        pytest.skip("no CJK font installed: apt-get install fonts-wqy-zenhei")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figs = render_figures(chinese, lang=lang)
        for fig in figs.values():
            fig.canvas.draw()
        png_bytes(figs["weights"], dpi=72)
        svg_text(figs["order_degree"])
    weights = [t.get_text() for t in figs["weights"].axes[0].get_yticklabels()]
    assert weights[0] == "跨境电商出口额（亿元）"  # the spec's unit kept
    if lang == "zh":
        assert "协同度" in figs["synergy_path"].get_suptitle()
        assert "初始阶段" in {t.get_text() for t in figs["synergy_path"].axes[0].texts}


def test_without_a_cjk_font_figures_are_still_drawn(chinese, monkeypatch):
    monkeypatch.setattr(figures, "cjk_font", lambda: None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = figure_weights(chinese, lang="zh")
        data = png_bytes(fig, dpi=72)
    assert data.startswith(b"\x89PNG")
    assert any(issubclass(w.category, CosynWarning) for w in caught)
    assert fig.axes[0].get_yticklabels()[0].get_fontfamily() == ["DejaVu Sans"]


# -- diagnostics ------------------------------------------------------------------------
ALL_DIAGNOSTICS = {
    "gra": True,
    "coupling": "classic",
    "obstacles": 3,
    "forecast": 3,
    "robustness": {"draws": 40},
}


def fit_quietly(data, spec) -> cosyn.Result:
    """Fit without the forecast's level-ratio note (a CosynWarning)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CosynWarning)
        return cosyn.fit(data, spec)


def with_diagnostics(spec: dict, **diagnostics) -> dict:
    return {**spec, "diagnostics": diagnostics}


@pytest.fixture(scope="module")
def diag_guangzhou() -> cosyn.Result:
    """The Guangzhou example with every diagnostic asked for."""
    spec = cosyn.datasets.load_spec("trade_model").to_dict()
    return fit_quietly(
        cosyn.datasets.data_path("trade.csv"), with_diagnostics(spec, **ALL_DIAGNOSTICS)
    )


@pytest.fixture(scope="module")
def diag_forty() -> cosyn.Result:
    """40 entities, six quarters, every diagnostic (the corrected coupling model)."""
    frame, spec = random_panel(40, ["2020Q1", "2020Q2", "2020Q3", "2020Q4", "2021Q1", "2021Q2"])
    diagnostics = {**ALL_DIAGNOSTICS, "coupling": "wang", "obstacles": 2, "forecast": 2}
    return fit_quietly(frame, with_diagnostics(spec, **diagnostics))


@pytest.fixture(scope="module")
def diag_single() -> cosyn.Result:
    """One entity without an entity column, every diagnostic."""
    frame, spec = random_panel(1, list(range(2001, 2009)), entity=False, seed=1)
    return fit_quietly(frame, with_diagnostics(spec, **ALL_DIAGNOSTICS))


def texts(fig: Figure) -> set[str]:
    """Every text drawn in the axes of ``fig``, titles included."""
    out = set()
    for ax in fig.axes:
        out |= {t.get_text() for t in ax.texts}
        out |= {ax.get_title(loc=loc) for loc in ("left", "center", "right")}
    return out - {""}


def test_diagnostic_figure_names():
    assert FIGURES == ("order_degree", "synergy_path", "synergy_heatmap", "weights")
    assert DIAGNOSTIC_FIGURES == (
        "grey_relation",
        "coupling",
        "obstacles",
        "forecast",
        "robustness",
    )
    for name in DIAGNOSTIC_FIGURES:
        assert callable(getattr(figures, f"figure_{name}"))
        assert f"figure_{name}" in figures.__all__


@pytest.mark.parametrize("case", ["diag_guangzhou", "diag_single", "diag_forty"])
@pytest.mark.parametrize("name", DIAGNOSTIC_FIGURES)
def test_every_diagnostic_figure_builds(name, case, request):
    result = request.getfixturevalue(case)
    fig = getattr(figures, f"figure_{name}")(result, "en")
    assert isinstance(fig.canvas, FigureCanvasAgg)
    fig.canvas.draw()
    assert fig.get_suptitle()
    labels = axis_labels(fig)
    expected = {
        "grey_relation": "grey relational grade r (0–1)",
        "coupling": "coordination degree D",
        "obstacles": "obstacle share O (sums to 1 per entity)",
        "forecast": SYNERGY_LABEL,
        "robustness": SYNERGY_LABEL,
    }[name]
    assert any(label.startswith(expected) for label in labels), labels
    if name not in ("grey_relation", "obstacles"):
        assert result.spec.period in labels
    if case == "diag_forty" and name in ("coupling", "forecast", "robustness"):
        assert "all 40 entities, sorted by" in fig.get_suptitle()
        assert len({ax.get_title(loc="left").strip() for ax in fig.axes}) == 40


def test_diagnostic_figures_need_their_diagnostic(guangzhou):
    for name in DIAGNOSTIC_FIGURES:
        with pytest.raises(cosyn.SpecError, match=r"\[diagnostics\]"):
            getattr(figures, f"figure_{name}")(guangzhou)


def test_render_figures_adds_only_the_diagnostics_asked_for(guangzhou, diag_guangzhou):
    assert figure_names(guangzhou) == FIGURES
    expected = FIGURES + DIAGNOSTIC_FIGURES
    assert figure_names(diag_guangzhou) == expected
    spec = cosyn.datasets.load_spec("trade_model").to_dict()
    some = fit_quietly(
        cosyn.datasets.data_path("trade.csv"), with_diagnostics(spec, coupling="fan", obstacles=2)
    )
    assert figure_names(some) == (*FIGURES, "coupling", "obstacles")
    assert list(render_figures(some)) == [*FIGURES, "coupling", "obstacles"]


def test_write_figures_writes_the_diagnostics_asked_for(tmp_path):
    frame, spec = random_panel(3, [2001, 2002, 2003, 2004, 2005])
    some = fit_quietly(frame, with_diagnostics(spec, gra=True, forecast=1))
    out = write_figures(some, tmp_path, dpi=40)
    names = [*FIGURES, "grey_relation", "forecast"]
    assert list(out) == names
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == sorted(f"{n}.{ext}" for n in names for ext in ("png", "svg"))
    with Image.open(tmp_path / "forecast.png") as im:
        assert im.info["dpi"] == pytest.approx((40, 40), abs=0.01)
    assert ET.parse(tmp_path / "grey_relation.svg").getroot().tag.endswith("svg")


def test_grey_relation_shows_mean_spread_threshold_and_weak_ones(diag_guangzhou):
    fig = figure_grey_relation(diag_guangzhou)
    grades = diag_guangzhou.diagnostics.gra
    first, _ = fig.axes
    assert [t.get_text() for t in first.get_yticklabels()] == IMPORTS_EXPORTS
    bars = sorted((p.get_y(), p.get_width()) for p in first.patches)
    np.testing.assert_allclose([w for _, w in bars], grades[:, :2].mean(axis=0))
    # threshold line at 0.6 in every panel
    for ax in fig.axes:
        assert any(np.allclose(ln.get_xdata(), 0.6) for ln in ax.get_lines())
    weak = (grades < 0.6).sum(axis=0)
    shown = texts(fig)
    for i, count in enumerate(weak):
        if count:
            assert any(t.endswith(f"weak in {count}/5") for t in shown), i
    assert any(isinstance(c, ErrorbarContainer) for c in first.containers)


def test_coupling_lines_levels_and_stages(diag_guangzhou):
    fig = figure_coupling(diag_guangzhou)
    ax_d, ax_c = fig.axes
    c, _, d = diag_guangzhou.diagnostics.coupling
    lines = {ln.get_label(): ln.get_ydata() for ln in ax_d.get_lines() if ln.get_label()[0] != "_"}
    assert list(lines) == list(diag_guangzhou.entities)
    np.testing.assert_allclose(np.vstack(list(lines.values())), d)
    assert 0 <= ax_d.get_ylim()[0] + 0.021 and ax_d.get_ylim()[1] <= 1.021
    assert "good coordination" in {t.get_text() for t in ax_d.texts}
    assert "high-level coupling" in {t.get_text() for t in ax_c.texts}
    assert "classic model" in fig.get_suptitle()
    np.testing.assert_allclose(ax_c.get_lines()[0].get_ydata(), c[0])


def test_obstacles_heat_map_of_the_last_period_with_the_top_ones_outlined(diag_guangzhou):
    fig = figure_obstacles(diag_guangzhou)
    ax = fig.axes[0]
    mesh = ax.collections[0]
    shares = diag_guangzhou.diagnostics.obstacles[:, -1, :]
    np.testing.assert_allclose(np.asarray(mesh.get_array()).reshape(shares.shape), shares)
    assert mesh.norm.vmin == 0 and mesh.norm.vmax >= shares.max()
    outlined = [p for p in ax.patches if not p.get_fill()]
    assert len(outlined) == 5 * 3
    corners = {(round(p.get_x()), round(p.get_y())) for p in outlined}
    top = diag_guangzhou.obstacles
    last = top[top["period"] == diag_guangzhou.periods[-1]]
    cols = {c: i for i, c in enumerate(diag_guangzhou.indicators)}
    ents = {e: i for i, e in enumerate(diag_guangzhou.entities)}
    assert corners == {
        (cols[i], ents[e]) for e, i in zip(last["entity"], last["indicator"], strict=True)
    }
    assert f"{100 * shares[0, 0]:.0f}%" in {t.get_text() for t in ax.texts}
    assert "2021" in fig.get_suptitle()


def test_forecast_panels_show_grade_and_forecast(diag_guangzhou):
    fig = figure_forecast(diag_guangzhou)
    fc = diag_guangzhou.diagnostics.forecast
    grades = fc.synergy.grade_names
    for ax, grade, ok, entity in zip(
        fig.axes, grades, fc.synergy.level_ratio_ok, diag_guangzhou.entities, strict=False
    ):
        assert ax.get_title(loc="left") == entity
        assert ax.get_title(loc="right") == grade + ("" if ok else "*")
    first = fig.axes[0]
    # the forecast: from the last fitted value on, one point per period ahead
    [ahead] = [ln for ln in first.get_lines() if len(ln.get_xdata()) == fc.horizon + 1]
    np.testing.assert_allclose(ahead.get_ydata()[1:], fc.synergy.forecast[0])
    assert ahead.get_xdata()[-1] == diag_guangzhou.synergy_values.shape[1] - 1 + fc.horizon
    fig.canvas.draw()
    ticks = x_ticklabels(fig)
    assert "2023" in ticks  # periods continue past 2021
    zh = figure_forecast(diag_guangzhou, lang="zh")
    assert {ax.get_title(loc="right").rstrip("*") for ax in zh.axes[:5]} <= set(GM11_GRADES_ZH)


def test_single_entity_panels_have_no_entity_title(diag_single):
    fig = figure_forecast(diag_single)
    assert fig.axes[0].get_title(loc="left") == ""
    assert fig.axes[0].get_title(loc="right")
    assert fig.axes[0].get_ylabel() == SYNERGY_LABEL


def test_robustness_band_and_stage_agreement(diag_guangzhou):
    fig = figure_robustness(diag_guangzhou)
    table = diag_guangzhou.robustness
    last = table[table["period"] == diag_guangzhou.periods[-1]]
    for ax, entity, agree in zip(fig.axes, last["entity"], last["stage_agreement"], strict=False):
        assert ax.get_title(loc="left") == entity
        assert ax.get_title(loc="right") == f"{100 * agree:.0f}%"
        assert ax.collections  # the p5–p95 band
    point = fig.axes[0].get_lines()[1].get_ydata()
    np.testing.assert_allclose(point, diag_guangzhou.synergy_values[0])


def test_diagnostic_figures_in_chinese(diag_guangzhou):
    if cjk_font() is None:
        pytest.skip("no CJK font installed: apt-get install fonts-wqy-zenhei")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        coupling = figure_coupling(diag_guangzhou, "zh")
        png_bytes(coupling, dpi=40)
        gra = figure_grey_relation(diag_guangzhou, "zh")
        png_bytes(gra, dpi=40)
    shown = {t.get_text() for ax in coupling.axes for t in ax.texts}
    assert "良好协调" in shown and "高水平耦合" in shown
    assert not shown & {"good coordination", "high-level coupling"}
    assert "经典模型" in coupling.get_suptitle()
    assert "灰色关联度" in gra.get_suptitle()
    assert any("个主体偏弱" in t for t in texts(gra))


def test_forecast_of_a_path_too_short_to_fit_shows_the_observed_values():
    # 4 periods: μ can be fitted, U (3 compared periods) cannot
    frame, spec = random_panel(2, [2001, 2002, 2003, 2004])
    result = fit_quietly(frame, with_diagnostics(spec, forecast=1))
    assert result.diagnostics.forecast.synergy is None
    fig = figure_forecast(result)
    assert [ax.get_title(loc="right") for ax in fig.axes] == ["not fitted"] * 2
    for ax in fig.axes:  # the observed points, no fit (a zero line at most)
        assert [ln.get_marker() for ln in ax.get_lines()] in (["o"], ["o", "None"])
    fig.canvas.draw()

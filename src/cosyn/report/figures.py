"""Publication figures of a fitted model: order degrees, synergy path, heat map, weights
and — for each diagnostic the spec's ``[diagnostics]`` asked for — its figure.

The four base figures (:data:`FIGURES`) are always drawn; the diagnostic figures
(:data:`DIAGNOSTIC_FIGURES`) only when asked for (:func:`figure_names`): grey relational
grades (:func:`figure_grey_relation`), coupling coordination (:func:`figure_coupling`),
obstacle degrees (:func:`figure_obstacles`), GM(1,1) forecasts (:func:`figure_forecast`)
and robustness bands (:func:`figure_robustness`). :func:`render_figures` and
:func:`write_figures` draw all of them.

Every figure is a :class:`matplotlib.figure.Figure` drawn on its own Agg canvas; pyplot
and its global figure registry are never used, and no global ``rcParams`` are changed
(fonts, sizes and colours are set on each artist), so figures can be built in several
threads at once and nothing is left behind once a figure is dropped.

Conventions
-----------
Sizes
    Journal column widths: single column 3.5 in, double column 7.2 in; text 7–9 pt
    (tick labels 7 pt, axis labels and legends 7–8 pt, titles 9 pt).
Colours
    Lines use the Okabe–Ito colour-blind-safe palette (six colours; yellow and black are
    left out: yellow is too pale on white and black is the zero line), combined with four
    dash patterns, which gives 24 distinguishable line styles. The heat map uses
    ColorBrewer's diverging "RdBu" (red negative, blue positive; marked colour-blind safe
    by ColorBrewer) on the fixed range [−1, 1], centred on 0; the obstacle heat map the
    sequential "YlOrRd" from 0 to the largest share shown.
Many entities
    The small multiples (order degree, forecast, robustness) and the line charts (synergy
    path, coupling) show at most :data:`MAX_ENTITIES` (24) entities, the heat maps
    (synergy, obstacles) at most :data:`MAX_HEATMAP_ROWS` (60); when there are more, the
    *first* ones in data order are shown and the title says "first 24 of N entities".
    Pick or reorder entities before fitting to show others. The weights and the grey
    relational grades are summarised over every entity (mean, whiskers min–max).
Periods
    Tick labels are ``str(period)`` (dates at midnight as ``YYYY-MM-DD``, whole floats
    without ``.0``); labels are thinned and rotated when they would overlap.
Chinese text
    :func:`cjk_font` finds an installed CJK font; every text then uses the family list
    ``["DejaVu Sans", <CJK font>]`` (matplotlib's per-glyph font fallback, ≥ 3.6), so Latin
    text keeps DejaVu Sans and Chinese characters come from the CJK font — for ``lang="zh"``
    and for Chinese labels in English figures alike. Without a CJK font the figures are
    still drawn (Chinese glyphs show as boxes, matplotlib warns) and ``lang="zh"`` warns
    with a :class:`~cosyn.errors.CosynWarning` saying what to install.
"""

from __future__ import annotations

import io
import itertools
import math
import threading
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import PercentFormatter
from numpy.typing import NDArray

from cosyn.errors import CosynWarning, SpecError
from cosyn.io.write import atomic_path
from cosyn.report.text import (
    LANGS,
    coupling_level_names,
    coupling_stage_names,
    gm11_grades,
    period_text,
    stage_names,
)

if TYPE_CHECKING:
    from cosyn.diagnostics import DiagnosticArrays
    from cosyn.result import Result

__all__ = [
    "CJK_FAMILIES",
    "DIAGNOSTIC_FIGURES",
    "FIGURES",
    "MAX_ENTITIES",
    "MAX_HEATMAP_ROWS",
    "cjk_font",
    "figure_coupling",
    "figure_forecast",
    "figure_grey_relation",
    "figure_names",
    "figure_obstacles",
    "figure_order_degree",
    "figure_robustness",
    "figure_synergy_heatmap",
    "figure_synergy_path",
    "figure_weights",
    "png_bytes",
    "render_figures",
    "svg_text",
    "write_figures",
]

#: Names of the figures, in the order reports show them; also their file names.
FIGURES: tuple[str, ...] = ("order_degree", "synergy_path", "synergy_heatmap", "weights")
#: Names of the diagnostic figures, in the order reports show them; each is drawn only
#: when its diagnostic was asked for under ``[diagnostics]`` (see :func:`figure_names`).
DIAGNOSTIC_FIGURES: tuple[str, ...] = (
    "grey_relation",
    "coupling",
    "obstacles",
    "forecast",
    "robustness",
)
#: Most entities drawn as panels (order degree) or lines (synergy path): 6 colours × 4
#: dash patterns stay distinguishable, and 24 panels fill one journal page.
MAX_ENTITIES = 24
#: Most entities drawn as rows of the heat map (about one page at 7 pt row labels).
MAX_HEATMAP_ROWS = 60
#: Installed font families tried for Chinese text, first found wins.
CJK_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "Heiti SC",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
    "Source Han Sans",
    "Arial Unicode MS",
)
#: Formats :func:`write_figures` accepts (matplotlib writers).
FORMATS: tuple[str, ...] = ("png", "svg", "pdf")

SINGLE_COLUMN_IN = 3.5
DOUBLE_COLUMN_IN = 7.2
TITLE_PT = 9.0
LABEL_PT = 8.0
TICK_PT = 7.0
LEGEND_PT = 7.0
BASE_FAMILY = "DejaVu Sans"

# Okabe & Ito (2008), "Color universal design": blue, vermillion, bluish green, orange,
# reddish purple, sky blue (yellow and black left out, see the module notes).
OKABE_ITO: tuple[str, ...] = ("#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9")
DASHES: tuple[Any, ...] = ("-", (0, (4, 1.5)), (0, (1, 1)), (0, (5, 1.5, 1, 1.5)))
DIVERGING_CMAP = "RdBu"
SEQUENTIAL_CMAP = "YlOrRd"
REFERENCE_GREY = "0.55"

_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "order_title": "Order degree of the subsystems",
        "order_ylabel": "order degree μ (0–1)",
        "path_title": "Synergy degree of the composite system",
        "heatmap_title": "Synergy degree by entity and period",
        "synergy_ylabel": "synergy degree U (−1 to 1)",
        "weights_title": "Indicator weights",
        "weights_xlabel": "weight φ (sums to 1 within a subsystem)",
        "entity": "entity",
        "subset": "first {shown:,} of {total:,} entities",
        "entities": "{total:,} entities",
        "base": "base period {base}",
        "adjacent": "each period against the previous one",
        "pairs": "base → compared period",
        "weights_spread": "{method}; mean over {n:,} entities, whiskers min–max",
        "weights_same": "{method}; the same for all {n:,} entities",
        "level_edges": "level edges",
        "stage_edges": "stage edges",
        "stages": "stage",
        "entropy": "entropy method",
        "critic": "CRITIC method",
        "cv": "coefficient of variation",
        "equal": "equal weights",
        "given": "given weights",
        "ahp": "AHP",
        "combined": "combined weights",
        # diagnostics
        "gra_title": "Grey relational grade of the indicators",
        "gra_xlabel": "grey relational grade r (0–1)",
        "gra_spread": "mean over {n:,} entities, whiskers min–max",
        "gra_rho": "against their subsystem's order degree μ, ρ = {rho:g}",
        "gra_threshold": "threshold {t:g}",
        "gra_weak_mean": "mean below the threshold",
        "gra_weak_count": "weak in {k:,}/{n:,}",
        "gra_weak_one": "weak",
        "coupling_title": "Coupling coordination degree of the subsystems",
        "coupling_d": "coordination degree D (0–1)",
        "coupling_c": "coupling degree C (0–1)",
        "coupling_classic": "classic model",
        "coupling_wang": "corrected model (Wang et al. 2021)",
        "coupling_fan": "corrected model (Fan et al. 2024)",
        "coupling_subsystems": "{k} subsystems",
        "coupling_stage_edges": "coupling stage edges",
        "obstacles_title": "Obstacle degree of the indicators in {period}",
        "obstacles_clabel": "obstacle share O (sums to 1 per entity)",
        "obstacles_top": "outlined: the top {n} of each entity",
        "indicator": "indicator",
        "forecast_title": "GM(1,1) forecast of the synergy degree",
        "forecast_ahead": "{h} periods ahead; top right: accuracy grade of the fit",
        "forecast_one_ahead": "1 period ahead; top right: accuracy grade of the fit",
        "forecast_shifted": "* fitted after a level-ratio shift",
        "forecast_observed": "observed",
        "forecast_fit": "GM(1,1) fit",
        "forecast_forecast": "forecast",
        "forecast_skipped": "not fitted",
        "robustness_title": "Robustness of the synergy degree",
        "robustness_band": "band: 5th–95th percentile of {draws:,} draws of the weights "
        "(Dirichlet, κ\u00a0=\u00a0{kappa:g}) and the margin a in [{lo:g},\u00a0{hi:g}]",
        "robustness_agreement": "top right: share of draws keeping the stage of {period}",
        "robustness_point": "point estimate",
        "robustness_median": "median",
        "robustness_p": "5th–95th percentile",
    },
    "zh": {
        "order_title": "各子系统有序度",
        "order_ylabel": "有序度 μ (0–1)",
        "path_title": "复合系统协同度",
        "heatmap_title": "各主体各时期协同度",
        "synergy_ylabel": "协同度 U (−1 至 1)",
        "weights_title": "指标权重",
        "weights_xlabel": "权重 φ（子系统内合计为 1）",
        "entity": "主体",
        "subset": "数据顺序前 {shown:,} 个主体（共 {total:,} 个）",
        "entities": "{total:,} 个主体",
        "base": "基期 {base}",
        "adjacent": "各期相对上一期",
        "pairs": "基期 → 比较期",
        "weights_spread": "{method}；{n:,} 个主体的均值，误差线为最小–最大值",
        "weights_same": "{method}；{n:,} 个主体权重相同",
        "level_edges": "协同等级分界",
        "stage_edges": "发展阶段分界",
        "stages": "阶段",
        "entropy": "熵权法",
        "critic": "CRITIC 法",
        "cv": "变异系数法",
        "equal": "等权重",
        "given": "给定权重",
        "ahp": "层次分析法",
        "combined": "组合赋权",
        # diagnostics
        "gra_title": "指标的灰色关联度",
        "gra_xlabel": "灰色关联度 r (0–1)",
        "gra_spread": "{n:,} 个主体的均值，误差线为最小–最大值",
        "gra_rho": "与所属子系统有序度 μ 的关联，分辨系数 ρ = {rho:g}",
        "gra_threshold": "阈值 {t:g}",
        "gra_weak_mean": "均值低于阈值",
        "gra_weak_count": "{k:,}/{n:,} 个主体偏弱",
        "gra_weak_one": "偏弱",
        "coupling_title": "子系统耦合协调度",
        "coupling_d": "耦合协调度 D (0–1)",
        "coupling_c": "耦合度 C (0–1)",
        "coupling_classic": "经典模型",
        "coupling_wang": "修正模型（王淑佳等，2021）",
        "coupling_fan": "修正模型（范等，2024）",
        "coupling_subsystems": "{k} 个子系统",
        "coupling_stage_edges": "耦合阶段分界",
        "obstacles_title": "{period} 各指标障碍度",
        "obstacles_clabel": "障碍度 O（每个主体合计为 1）",
        "obstacles_top": "框出：各主体前 {n} 位障碍因子",
        "indicator": "指标",
        "forecast_title": "协同度的 GM(1,1) 预测",
        "forecast_ahead": "向后预测 {h} 期；右上角为拟合精度等级",
        "forecast_one_ahead": "向后预测 1 期；右上角为拟合精度等级",
        "forecast_shifted": "* 级比检验未通过，平移后拟合",
        "forecast_observed": "观测值",
        "forecast_fit": "GM(1,1) 拟合值",
        "forecast_forecast": "预测值",
        "forecast_skipped": "未拟合",
        "robustness_title": "协同度的稳健性",
        "robustness_band": "区间：对权重（Dirichlet，κ\u00a0=\u00a0{kappa:g}）和调整幅度 a"
        "（[{lo:g},\u00a0{hi:g}] 内均匀）抽样 {draws:,} 次的第 5–95 百分位数",
        "robustness_agreement": "右上角：{period} 期发展阶段保持不变的抽样占比",
        "robustness_point": "点估计",
        "robustness_median": "中位数",
        "robustness_p": "第 5–95 百分位数",
    },
}

_FONT_LOCK = threading.Lock()
_CJK_SEARCHED = False
_CJK_FAMILY: str | None = None


# -- fonts ------------------------------------------------------------------------------
def _installed_families() -> set[str]:
    return {f.name for f in font_manager.fontManager.ttflist}


def _register_system_fonts() -> None:
    """Add system font files that matplotlib's font cache does not know yet.

    matplotlib caches the font list on first use; a font installed afterwards (say
    ``apt-get install fonts-wqy-zenhei``) stays invisible until the cache is rebuilt.
    Registering the missing files in this process finds it without touching the cache.
    """
    known = {f.fname for f in font_manager.fontManager.ttflist}
    for path in font_manager.findSystemFonts():
        if path in known:
            continue
        try:
            font_manager.fontManager.addfont(path)
        except (OSError, RuntimeError, ValueError):  # unreadable or not a font
            continue


def cjk_font() -> str | None:
    """The family name of an installed font with Chinese glyphs, or None.

    Families are tried in the order of :data:`CJK_FAMILIES` (simplified-Chinese Noto /
    Source Han Sans first, then WenQuanYi, then Windows and macOS fonts). Fonts installed
    after matplotlib built its font cache are found too. The answer is looked up once per
    process.

    Returns
    -------
    str or None
        For example ``"WenQuanYi Zen Hei"``; None when no CJK font is installed (install
        one with ``apt-get install fonts-wqy-zenhei`` or ``fonts-noto-cjk``).
    """
    global _CJK_SEARCHED, _CJK_FAMILY
    with _FONT_LOCK:
        if not _CJK_SEARCHED:
            names = _installed_families()
            found = next((f for f in CJK_FAMILIES if f in names), None)
            if found is None:
                _register_system_fonts()
                names = _installed_families()
                found = next((f for f in CJK_FAMILIES if f in names), None)
            _CJK_FAMILY, _CJK_SEARCHED = found, True
        return _CJK_FAMILY


# -- style ------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Style:
    """The language and font family of one figure; every text takes its font from here."""

    lang: str
    family: tuple[str, ...]

    def font(self, size: float = LABEL_PT, weight: str = "normal") -> FontProperties:
        return FontProperties(family=list(self.family), size=size, weight=weight)

    def word(self, key: str, **values: Any) -> str:
        return _WORDS[self.lang][key].format(**values)

    def join(self, parts: Sequence[str]) -> str:
        """Non-empty ``parts`` joined by the language's semicolon."""
        return ("；" if self.lang == "zh" else "; ").join(p for p in parts if p)


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")


def _style(lang: str) -> _Style:
    _check_lang(lang)
    cjk = cjk_font()
    if cjk is None and lang == "zh":
        warnings.warn(
            CosynWarning(
                "no CJK font installed, Chinese text will show as boxes; install one "
                "(Debian/Ubuntu: apt-get install fonts-wqy-zenhei) and draw again"
            ),
            stacklevel=3,
        )
    return _Style(lang, (BASE_FAMILY, cjk) if cjk else (BASE_FAMILY,))


def _new_figure(width: float, height: float) -> Figure:
    """A figure on its own Agg canvas with constrained layout (no pyplot)."""
    layout = ConstrainedLayoutEngine(w_pad=0.04, h_pad=0.04, wspace=0.03, hspace=0.03)
    fig = Figure(figsize=(width, height), layout=layout)
    FigureCanvasAgg(fig)
    return fig


def _style_axes(ax: Axes, style: _Style, *, frame: bool = False) -> None:
    """Thin spines (top and right hidden unless ``frame``), 7 pt ticks in the family."""
    for side, spine in ax.spines.items():
        spine.set_linewidth(0.6)
        if side in ("top", "right") and not frame:
            spine.set_visible(False)
    family: dict[str, Any] = (
        {"labelfontfamily": list(style.family)} if matplotlib.__version_info__ >= (3, 8) else {}
    )
    ax.tick_params(labelsize=TICK_PT, width=0.6, length=2.5, pad=2, **family)


def _title(fig: Figure, style: _Style, title: str, subtitle: str = "", margin: float = 0.0) -> None:
    """Title and an optional subtitle (its "; "-separated parts packed into as few lines
    as fit the figure's width less ``margin`` inches on each side — the width of a
    legend beside the plot, since the title is centred on the figure)."""
    room = fig.get_figwidth() - 0.3 - 2 * margin
    if _text_width(subtitle, TITLE_PT) > room:
        sep = "；" if "；" in subtitle else "; "
        lines: list[str] = []
        for part in subtitle.split(sep):
            if lines and _text_width(lines[-1] + sep + part, TITLE_PT) <= room:
                lines[-1] += sep + part
            else:  # a part wider than the figure is itself broken at spaces
                lines += _lines(part, room, TITLE_PT)
        subtitle = "\n".join(lines)
    text = f"{title}\n{subtitle}" if subtitle else title
    fig.suptitle(text, fontproperties=style.font(TITLE_PT), linespacing=1.3)


def _wide(text: str) -> float:
    """Average glyph width factor: CJK characters are about twice as wide as Latin ones."""
    if not text:
        return 1.0
    return 1.0 + sum(ord(c) > 0x2E80 for c in text) / len(text)


def _text_width(text: str, size: float) -> float:
    """Rough width in inches of ``text`` at ``size`` pt (0.6 em Latin, 1 em CJK)."""
    return len(text) * _wide(text) * 0.6 * size / 72


def _fit(text: str, width_in: float, size: float) -> str:
    """``text`` cut with an ellipsis so that it is about ``width_in`` inches wide at most."""
    if _text_width(text, size) <= width_in:
        return text
    while len(text) > 2 and _text_width(text + "…", size) > width_in:
        text = text[:-1]
    return text.rstrip() + "…"


def _lines(text: str, width_in: float, size: float) -> list[str]:
    """``text`` broken greedily at spaces into lines of about ``width_in`` inches at
    ``size`` pt (text without spaces but with CJK characters between any two characters);
    a word wider than that keeps a line of its own."""
    cjk = " " not in text and _wide(text) > 1.5
    tokens, sep = (list(text), "") if cjk else (text.split(" "), " ")
    lines: list[str] = []
    for token in tokens:
        if lines and _text_width(f"{lines[-1]}{sep}{token}", size) <= width_in:
            lines[-1] += sep + token
        else:
            lines.append(token)
    return lines


def _wrap(text: str, width_in: float, size: float, max_lines: int = 2) -> str | None:
    """``text`` broken into at most ``max_lines`` lines of about ``width_in`` inches at
    ``size`` pt (see :func:`_lines`); None when it does not fit."""
    lines = _lines(text, width_in, size)
    if len(lines) > max_lines or any(_text_width(ln, size) > width_in for ln in lines):
        return None
    return "\n".join(lines)


def _line_style(i: int) -> dict[str, Any]:
    """Colour and dash pattern of line ``i``: colours first, then the next dash pattern."""
    return {
        "color": OKABE_ITO[i % len(OKABE_ITO)],
        "linestyle": DASHES[(i // len(OKABE_ITO)) % len(DASHES)],
    }


# -- labels -----------------------------------------------------------------------------
def _period_labels(result: Result) -> list[str]:
    return [period_text(p) for p in result.periods]


def _compared_labels(result: Result, style: _Style) -> tuple[list[str], str]:
    """Tick labels of the compared periods and a subtitle naming the base."""
    periods = _period_labels(result)
    t0 = np.asarray(result.t0)
    t1 = np.asarray(result.t1)
    ticks = [periods[i] for i in t1]
    if t0.size and np.all(t0 == t0[0]):
        return ticks, style.word("base", base=periods[int(t0[0])])
    if np.array_equal(t0, t1 - 1):
        return ticks, style.word("adjacent")
    return [f"{periods[a]}→{periods[b]}" for a, b in zip(t0, t1, strict=True)], style.word("pairs")


def _entity_labels(result: Result, n: int, width_in: float = 1.9) -> list[str]:
    """Labels of the first ``n`` entities, cut to about ``width_in`` inches at 7 pt."""
    return [_fit(str(e), width_in, TICK_PT) for e in result.entities[:n]]


def _subset_note(style: _Style, shown: int, total: int) -> str:
    """The "first 24 of 10,000 entities" note when some are left out, else the count."""
    if shown < total:
        return style.word("subset", shown=shown, total=total)
    return style.word("entities", total=total) if total > 1 else ""


def _subsystem_labels(result: Result) -> list[str]:
    return [s.label or s.name for s in result.spec.subsystems]


def _period_ticks(
    ax: Axes,
    labels: Sequence[str],
    style: _Style,
    width_in: float,
    offset: float = 0.0,
    every: bool = False,
) -> None:
    """Period tick labels at positions ``offset + 0..n−1`` that do not clash.

    ``width_in`` is the (estimated) axis length in inches. Short labels (years) are kept
    horizontal and thinned to every 2nd, 3rd… label; longer ones — and, with ``every``
    (heat map columns), any that do not fit — are rotated by 45° and thinned only when
    even rotated they would overlap.
    """
    n = len(labels)
    if n == 0:
        return
    horizontal = max(_text_width(s, TICK_PT) for s in labels) + 0.1
    rotate = n * horizontal > width_in and (every or max(len(s) for s in labels) > 6)
    per_label = 1.6 * TICK_PT / 72 if rotate else horizontal
    step = math.ceil(n / max(1, int(width_in // per_label)))
    positions = list(range(0, n, step))
    extra: dict[str, Any] = (
        {"rotation": 45, "ha": "right", "rotation_mode": "anchor"} if rotate else {}
    )
    ax.set_xticks(
        [p + offset for p in positions],
        [labels[i] for i in positions],
        fontproperties=style.font(TICK_PT),
        **extra,
    )


# -- figures ----------------------------------------------------------------------------
def figure_order_degree(result: Result, lang: str = "en") -> Figure:
    """Small multiples of the subsystem order degrees μ over the periods.

    One panel per entity (at most :data:`MAX_ENTITIES`, the first in data order), one
    line per subsystem, shared axes with μ on [0, 1].

    Parameters
    ----------
    result : Result
        A fitted model (:func:`cosyn.fit`).
    lang : {"en", "zh"}
        Language of titles and axis labels.

    Returns
    -------
    matplotlib.figure.Figure
        Double column wide (single column for one entity).
    """
    style = _style(lang)
    total = len(result.entities)
    shown = min(total, MAX_ENTITIES)
    ncols, nrows, width, panel_h = _grid_shape(shown)
    fig = _new_figure(width, 0.75 + nrows * panel_h)
    axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False)
    periods = _period_labels(result)
    subsystems = _subsystem_labels(result)
    x = np.arange(len(periods))
    mu = result.mu
    panel_w = (width - 0.6) / ncols
    for i, ax in enumerate(axes.flat):
        if i >= shown:
            ax.remove()
            continue
        _style_axes(ax, style)
        for j in range(mu.shape[2]):
            ax.plot(x, mu[i, :, j], linewidth=1.0, **_line_style(j))
        ax.set_ylim(0, 1)
        ax.set_yticks([0, 0.5, 1])
        ax.grid(axis="y", color="0.9", linewidth=0.5)
        ax.set_axisbelow(True)
        _period_ticks(ax, periods, style, panel_w)
        bottom = i + ncols >= shown
        ax.tick_params(labelbottom=bottom, labelleft=i % ncols == 0)
        if bottom:  # the period name under each bottom panel (a figure-wide x label
            # would collide with the legend below the panels)
            ax.set_xlabel(result.spec.period, fontproperties=style.font(LABEL_PT))
        if total > 1:
            name = _fit(str(result.entities[i]), panel_w - 0.1, LABEL_PT)
            ax.set_title(name, fontproperties=style.font(LABEL_PT), pad=3)
    handles = [
        Line2D([], [], linewidth=1.0, label=label, **_line_style(j))
        for j, label in enumerate(subsystems)
    ]
    note = _subset_note(style, shown, total)
    if shown == 1:
        axes[0, 0].set_ylabel(style.word("order_ylabel"), fontproperties=style.font(LABEL_PT))
        if total == 1 and result.spec.entity is not None:
            note = str(result.entities[0])
    else:
        fig.supylabel(style.word("order_ylabel"), fontproperties=style.font(LABEL_PT))
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncols=min(len(handles), 4),
        frameon=False,
        prop=style.font(LEGEND_PT),
        handlelength=2.2,
        columnspacing=1.2,
    )
    _title(fig, style, style.word("order_title"), note)
    return fig


def _reference_lines(ax: Axes, result: Result, style: _Style, lo: float, hi: float) -> list[Line2D]:
    """Zero line, faint level (dashed) and stage (dotted) edges, stage names at the right.

    Returns legend handles naming the two kinds of edge.
    """
    ax.axhline(0.0, color="0.15", linewidth=0.7, zorder=1)
    level_edges = [e for e in result.spec.levels.edges if lo < e < hi and e != 0]
    stage_edges = [e for e in result.spec.stages.edges if lo < e < hi and e != 0]
    for e in level_edges:
        ax.axhline(e, color=REFERENCE_GREY, linewidth=0.5, linestyle=(0, (4, 2)), zorder=0)
    for e in stage_edges:
        if e not in level_edges:
            ax.axhline(e, color=REFERENCE_GREY, linewidth=0.6, linestyle=(0, (1, 1.5)), zorder=0)
    # stage bands (lower, upper], named at the middle of their visible part
    bounds = [-1.0, *result.spec.stages.edges, 1.0]
    _name_bands(ax, style, bounds, stage_names(result, style.lang), lo, hi)
    level = style.word("level_edges")
    stage = style.word("stage_edges")
    return [
        Line2D([], [], color=REFERENCE_GREY, lw=0.5, linestyle=(0, (4, 2)), label=level),
        Line2D([], [], color=REFERENCE_GREY, lw=0.6, linestyle=(0, (1, 1.5)), label=stage),
    ]


def _synergy_limits(values: NDArray[np.float64], edges: Sequence[float]) -> tuple[float, float]:
    """y range: the data with a margin, 0 included, up to the next edge above the maximum."""
    finite = values[np.isfinite(values)]
    vmin = float(finite.min()) if finite.size else 0.0
    vmax = float(finite.max()) if finite.size else 0.0
    above = [e for e in (*edges, 1.0) if e >= vmax]
    top = min(above) if above else 1.0
    hi = min(1.05, max(top, vmax) + 0.05)
    lo = max(-1.05, min(vmin, 0.0) - 0.08)
    return lo, hi


def figure_synergy_path(result: Result, lang: str = "en") -> Figure:
    """Synergy degree U of each entity over the compared periods, one line per entity.

    At most :data:`MAX_ENTITIES` entities (the first in data order) are drawn. Faint
    horizontal lines mark the synergy level edges (dashed) and development stage edges
    (dotted; an edge shared by both, 0.3 by default, is drawn dashed), with the stage
    names at the right of their bands; a solid line marks U = 0. The y range follows the
    data (with 0 and the next edge above the largest U), within [−1, 1].

    Parameters
    ----------
    result : Result
        A fitted model (:func:`cosyn.fit`).
    lang : {"en", "zh"}
        Language of titles, axis labels and stage names.

    Returns
    -------
    matplotlib.figure.Figure
        Double column wide (single column for one entity).
    """
    style = _style(lang)
    total = len(result.entities)
    shown = min(total, MAX_ENTITIES)
    ticks, base_note = _compared_labels(result, style)
    width = SINGLE_COLUMN_IN if shown == 1 else DOUBLE_COLUMN_IN
    fig = _new_figure(width, 2.8 if shown == 1 else 3.4)
    ax = fig.subplots()
    _style_axes(ax, style)
    values = result.synergy_values[:shown]
    edges = sorted({*result.spec.levels.edges, *result.spec.stages.edges})
    lo, hi = _synergy_limits(values, edges)
    x = np.arange(len(ticks))
    marker: dict[str, Any] = {"marker": "o", "markersize": 2.5} if len(ticks) <= 15 else {}
    handles = []
    for i, name in enumerate(_entity_labels(result, shown)):
        handles += ax.plot(
            x, values[i], linewidth=1.0, label=name, zorder=3, **marker, **_line_style(i)
        )
    ax.set_ylim(lo, hi)
    key = _reference_lines(ax, result, style, lo, hi)
    plot_w = width - (0.9 if shown == 1 else 2.9 if shown > 12 else 2.2)
    _period_ticks(ax, ticks, style, plot_w)
    ax.set_xlabel(result.spec.period, fontproperties=style.font(LABEL_PT))
    ax.set_ylabel(style.word("synergy_ylabel"), fontproperties=style.font(LABEL_PT))
    if shown > 1:  # entities, then the two kinds of reference line, right of the plot
        fig.legend(
            handles=[*handles, *key],
            loc="outside right upper",
            ncols=1 if shown <= 12 else 2,
            frameon=False,
            prop=style.font(LEGEND_PT),
            handlelength=2.2,
        )
    else:
        fig.legend(
            handles=key,
            loc="outside lower center",
            ncols=2,
            frameon=False,
            prop=style.font(LEGEND_PT),
            handlelength=2.2,
        )
    notes = [base_note, _subset_note(style, shown, total)]
    if total == 1 and result.spec.entity is not None:
        notes.append(str(result.entities[0]))
    _title(fig, style, style.word("path_title"), style.join(notes))
    return fig


def figure_synergy_heatmap(result: Result, lang: str = "en") -> Figure:
    """Heat map of the synergy degree U, entities × compared periods.

    A diverging colour map ("RdBu": red U < 0, white U = 0, blue U > 0) on the fixed
    range [−1, 1], so colours compare across figures. Cells carry their value when the
    map is small enough to read (at most 20 rows and 16 columns). At most
    :data:`MAX_HEATMAP_ROWS` entities (the first in data order) are drawn.

    Parameters
    ----------
    result : Result
        A fitted model (:func:`cosyn.fit`).
    lang : {"en", "zh"}
        Language of titles and labels.

    Returns
    -------
    matplotlib.figure.Figure
        Double column wide; the height grows with the number of rows.
    """
    style = _style(lang)
    total = len(result.entities)
    shown = min(total, MAX_HEATMAP_ROWS)
    ticks, base_note = _compared_labels(result, style)
    values = np.ma.masked_invalid(result.synergy_values[:shown])
    n_cols = values.shape[1]
    row_h = 0.22 if shown <= 20 else 0.13
    fig = _new_figure(DOUBLE_COLUMN_IN, 1.35 + shown * row_h + (0.6 if shown <= 4 else 0.0))
    ax = fig.subplots()
    _style_axes(ax, style, frame=True)
    cmap = matplotlib.colormaps[DIVERGING_CMAP].with_extremes(bad="0.85")
    mesh = ax.pcolormesh(
        values,
        cmap=cmap,
        norm=Normalize(vmin=-1.0, vmax=1.0),
        edgecolors="white",
        linewidth=0.4 if shown <= 20 else 0.2,
    )
    ax.set_xlim(0, n_cols)
    ax.set_ylim(shown, 0)  # first entity at the top
    row_labels = _entity_labels(result, shown)
    ax.set_yticks(np.arange(shown) + 0.5, row_labels, fontproperties=style.font(TICK_PT))
    ax.tick_params(length=0)
    label_w = max((_text_width(r, TICK_PT) for r in row_labels), default=0.3)
    plot_w = DOUBLE_COLUMN_IN - label_w - (0.6 if shown <= 4 else 1.1)  # room for the colour bar
    _period_ticks(ax, ticks, style, plot_w, offset=0.5, every=True)
    ax.set_xlabel(result.spec.period, fontproperties=style.font(LABEL_PT))
    ax.set_ylabel(result.spec.entity or style.word("entity"), fontproperties=style.font(LABEL_PT))
    if shown <= 20 and plot_w / max(n_cols, 1) >= _text_width("−0.00", TICK_PT) + 0.04:
        rows, cols = np.nonzero(~np.ma.getmaskarray(values))
        cells = values.data[rows, cols]
        for r, c, v in zip(rows, cols, cells, strict=True):
            ax.text(
                c + 0.5,
                r + 0.5,
                f"{v:.2f}".replace("-", "−"),
                ha="center",
                va="center",
                color="white" if abs(v) > 0.55 else "0.15",
                fontproperties=style.font(TICK_PT),
            )
    if shown <= 4:  # too low for a vertical colour bar label: horizontal, below
        cbar = fig.colorbar(
            mesh, ax=ax, location="bottom", fraction=0.5, shrink=0.45, aspect=30, pad=0.02
        )
    else:
        cbar = fig.colorbar(mesh, ax=ax, fraction=0.05, pad=0.02, aspect=25 if shown > 8 else 12)
    cbar.set_label(style.word("synergy_ylabel"), fontproperties=style.font(LABEL_PT))
    cbar.set_ticks([-1, -0.5, 0, 0.5, 1])
    cbar.outline.set_linewidth(0.6)
    cbar.ax.tick_params(labelsize=TICK_PT, width=0.6, length=2.5)
    notes = [base_note, _subset_note(style, shown, total)]
    _title(fig, style, style.word("heatmap_title"), style.join(notes))
    return fig


def figure_weights(result: Result, lang: str = "en") -> Figure:
    """Indicator weights φ, one panel per subsystem.

    Horizontal bars give the mean weight of each indicator over the entities, with the
    value written beside the bar; when weights differ between entities a whisker spans
    their minimum to maximum. Indicators are named by their spec ``label`` (else their
    column), in spec order from the top.

    Parameters
    ----------
    result : Result
        A fitted model (:func:`cosyn.fit`).
    lang : {"en", "zh"}
        Language of titles and labels.

    Returns
    -------
    matplotlib.figure.Figure
        Single column wide; the height grows with the number of indicators.
    """
    style = _style(lang)
    w = np.asarray(result.weight_values, dtype=float)
    mean = w.mean(axis=0)
    low = w.min(axis=0)
    high = w.max(axis=0)
    differs = (high - low) > 1e-9
    n_entities = w.shape[0]
    spec = result.spec
    sizes = [len(s.indicators) for s in spec.subsystems]
    fig = _new_figure(SINGLE_COLUMN_IN, 0.85 + 0.2 * sum(sizes) + 0.32 * len(sizes))
    axes = fig.subplots(
        len(sizes), 1, sharex=True, squeeze=False, gridspec_kw={"height_ratios": sizes}
    )[:, 0]
    right = float(np.nanmax(high)) if high.size else 1.0
    xmax = min(1.0, right * 1.2 + 0.08) if right < 0.9 else 1.12
    start = 0
    for j, (ax, sub) in enumerate(zip(axes, spec.subsystems, strict=True)):
        idx = np.arange(start, start + sizes[j])
        start += sizes[j]
        _style_axes(ax, style)
        y = np.arange(idx.size)
        color = OKABE_ITO[j % len(OKABE_ITO)]
        ax.barh(y, mean[idx], height=0.65, color=color, alpha=0.85, linewidth=0)
        spread = differs[idx]
        if spread.any():
            ax.errorbar(
                mean[idx][spread],
                y[spread],
                xerr=np.vstack([(mean - low)[idx][spread], (high - mean)[idx][spread]]),
                fmt="none",
                ecolor="0.2",
                elinewidth=0.7,
                capsize=1.5,
                capthick=0.7,
            )
        for yy, xx, v in zip(y, high[idx], mean[idx], strict=True):
            ax.text(
                xx + 0.012 * xmax,
                yy,
                f"{v:.2f}",
                va="center",
                ha="left",
                color="0.2",
                fontproperties=style.font(TICK_PT),
            )
        labels = [_fit(ind.label or ind.column, 1.6, TICK_PT) for ind in sub.indicators]
        ax.set_yticks(y, labels, fontproperties=style.font(TICK_PT))
        ax.set_ylim(idx.size - 0.5, -0.5)
        ax.tick_params(axis="y", length=0)
        ax.set_xlim(0, xmax)
        ax.set_title(
            sub.label or sub.name,
            loc="left",
            fontproperties=style.font(LABEL_PT, weight="bold"),
            pad=2,
        )
    axes[-1].set_xlabel(style.word("weights_xlabel"), fontproperties=style.font(LABEL_PT))
    method = spec.method.weights
    method_text = _WORDS[lang].get(method, method)
    if differs.any():
        note = style.word("weights_spread", method=method_text, n=n_entities)
    elif n_entities > 1:
        note = style.word("weights_same", method=method_text, n=n_entities)
    else:
        note = method_text
    _title(fig, style, style.word("weights_title"), note)
    return fig


# -- diagnostics (METHOD.md §6–§7) ------------------------------------------------------
def _diagnostics(result: Result, table: str) -> DiagnosticArrays:
    """The diagnostic arrays of ``result``; the :class:`~cosyn.errors.SpecError` of
    ``result.<table>`` (naming the ``[diagnostics]`` key to add) when not asked for."""
    getattr(result, table)
    if result.diagnostics is None:  # pragma: no cover - the table access raised already
        raise SpecError(f"Result.{table} was not computed; ask for it under [diagnostics]")
    return result.diagnostics


def _spread(values: NDArray[np.float64]) -> tuple[NDArray[np.float64], ...]:
    """Mean, minimum and maximum over axis 0 of the finite values (NaN where none)."""
    finite = np.isfinite(values)
    count = finite.sum(axis=0)
    some = count > 0
    mean = np.where(some, np.where(finite, values, 0.0).sum(axis=0) / np.maximum(count, 1), np.nan)
    low = np.where(some, np.where(finite, values, np.inf).min(axis=0), np.nan)
    high = np.where(some, np.where(finite, values, -np.inf).max(axis=0), np.nan)
    return mean, low, high


def _grid_shape(shown: int) -> tuple[int, int, float, float]:
    """Columns, rows, figure width and panel height of ``shown`` small multiples."""
    ncols = 1 if shown == 1 else 2 if shown <= 4 else 3 if shown <= 9 else 4
    width = SINGLE_COLUMN_IN if shown == 1 else DOUBLE_COLUMN_IN
    panel_h = 2.2 if shown == 1 else 1.55 if ncols <= 2 else 1.3
    return ncols, math.ceil(shown / ncols), width, panel_h


def _name_bands(
    ax: Axes,
    style: _Style,
    bounds: Sequence[float],
    names: Sequence[str],
    lo: float,
    hi: float,
) -> None:
    """Each band ``(bounds[i], bounds[i+1]]`` named at the right of the axes, at the middle
    of its visible part (bands thinner than 7 % of the y range are left unnamed)."""
    trans = ax.get_yaxis_transform()
    for name, (a, b) in zip(names, itertools.pairwise(bounds), strict=False):
        top, bottom = min(b, hi), max(a, lo)
        if top - bottom < 0.07 * (hi - lo):  # too thin a sliver to name
            continue
        ax.text(
            1.01,
            (top + bottom) / 2,
            name,
            transform=trans,
            va="center",
            ha="left",
            color="0.35",
            fontproperties=style.font(TICK_PT),
            clip_on=False,
        )


def _unit_limits(values: NDArray[np.float64], edges: Sequence[float]) -> tuple[float, float]:
    """A y range within [0, 1] that starts and ends at the band edges around the data."""
    finite = values[np.isfinite(values)]
    if not finite.size:
        return 0.0, 1.0
    vmin, vmax = float(finite.min()), float(finite.max())
    bounds = [0.0, *edges, 1.0]
    lo = max((e for e in bounds if e <= vmin), default=0.0)
    hi = min((e for e in bounds if e >= vmax), default=1.0)
    pad = 0.03 * max(hi - lo, 0.1)
    return max(lo - pad, -0.02), min(hi + pad, 1.02)


def _grade_text(code: int, lang: str) -> str:
    """A GM(1,1) accuracy grade (index into ``GM11_GRADES``) in ``lang``."""
    return gm11_grades(lang)[code]


def figure_grey_relation(result: Result, lang: str = "en") -> Figure:
    """Grey relational grade of each indicator with its subsystem's order degree.

    One panel per subsystem, as :func:`figure_weights`: horizontal bars give the mean
    grade over the entities, whiskers their minimum to maximum, and the value is written
    beside the bar with the number of entities in which the indicator is a weak order
    parameter (grade below ``gra_threshold``, METHOD.md §6). A dashed vertical line marks
    the threshold; a bar whose mean falls below it is hatched.

    Parameters
    ----------
    result : Result
        A model fitted with ``gra = true`` under ``[diagnostics]``.
    lang : {"en", "zh"}
        Language of titles and labels.

    Returns
    -------
    matplotlib.figure.Figure
        Single column wide; the height grows with the number of indicators.

    Raises
    ------
    SpecError
        When the grey relational analysis was not asked for.
    """
    style = _style(lang)
    grades = _diagnostics(result, "grey_relation").gra
    assert grades is not None
    spec = result.spec
    threshold = spec.diagnostics.gra_threshold
    mean, low, high = _spread(grades)
    weak = (grades < threshold).sum(axis=0)  # NaN compares False
    n_entities = grades.shape[0]
    sizes = [len(s.indicators) for s in spec.subsystems]
    fig = _new_figure(SINGLE_COLUMN_IN, 1.1 + 0.2 * sum(sizes) + 0.32 * len(sizes))
    axes = fig.subplots(
        len(sizes), 1, sharex=True, squeeze=False, gridspec_kw={"height_ratios": sizes}
    )[:, 0]
    xmax = 1.55 if n_entities > 1 and weak.any() else 1.2
    start = 0
    for j, (ax, sub) in enumerate(zip(axes, spec.subsystems, strict=True)):
        idx = np.arange(start, start + sizes[j])
        start += sizes[j]
        _style_axes(ax, style)
        y = np.arange(idx.size)
        color = OKABE_ITO[j % len(OKABE_ITO)]
        below = mean[idx] < threshold
        ax.barh(y[~below], mean[idx][~below], height=0.65, color=color, alpha=0.85, linewidth=0)
        ax.barh(
            y[below],
            mean[idx][below],
            height=0.65,
            facecolor="white",
            edgecolor=color,
            hatch="/////",
            linewidth=0.8,
        )
        if n_entities > 1:
            ok = np.isfinite(mean[idx])
            ax.errorbar(
                mean[idx][ok],
                y[ok],
                xerr=np.vstack([(mean - low)[idx][ok], (high - mean)[idx][ok]]),
                fmt="none",
                ecolor="0.2",
                elinewidth=0.7,
                capsize=1.5,
                capthick=0.7,
            )
        ax.axvline(threshold, color="0.2", linewidth=0.8, linestyle=(0, (3, 2)), zorder=4)
        for yy, i in zip(y, idx, strict=True):
            if not np.isfinite(mean[i]):
                continue
            text = f"{mean[i]:.2f}"
            if weak[i] and n_entities > 1:
                text += "  " + style.word("gra_weak_count", k=int(weak[i]), n=n_entities)
            elif weak[i]:
                text += "  " + style.word("gra_weak_one")
            ax.text(
                high[i] + 0.015,
                yy,
                text,
                va="center",
                ha="left",
                color="0.2",
                fontproperties=style.font(TICK_PT),
            )
        labels = [_fit(ind.label or ind.column, 1.45, TICK_PT) for ind in sub.indicators]
        ax.set_yticks(y, labels, fontproperties=style.font(TICK_PT))
        ax.set_ylim(idx.size - 0.5, -0.5)
        ax.tick_params(axis="y", length=0)
        ax.set_xlim(0, xmax)
        ax.spines["bottom"].set_bounds(0, 1)
        ax.set_xticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
        ax.set_title(
            sub.label or sub.name,
            loc="left",
            fontproperties=style.font(LABEL_PT, weight="bold"),
            pad=2,
        )
    axes[-1].set_xlabel(style.word("gra_xlabel"), fontproperties=style.font(LABEL_PT))
    key = [
        Line2D(
            [],
            [],
            color="0.2",
            lw=0.8,
            linestyle=(0, (3, 2)),
            label=style.word("gra_threshold", t=threshold),
        ),
        Patch(
            facecolor="white",
            edgecolor="0.3",
            hatch="/////",
            linewidth=0.8,
            label=style.word("gra_weak_mean"),
        ),
    ]
    fig.legend(
        handles=key,
        loc="outside lower center",
        ncols=2,
        frameon=False,
        prop=style.font(LEGEND_PT),
        handlelength=2.2,
    )
    rho = style.word("gra_rho", rho=spec.diagnostics.gra_rho)
    notes = [rho, style.word("gra_spread", n=n_entities)] if n_entities > 1 else [rho]
    _title(fig, style, style.word("gra_title"), style.join(notes))
    return fig


def figure_coupling(result: Result, lang: str = "en") -> Figure:
    """Coupling coordination degree D (top) and coupling degree C (bottom) by period.

    One line per entity (at most :data:`MAX_ENTITIES`, the first in data order), styled
    as in :func:`figure_synergy_path`. Faint dashed lines mark the edges of the ten
    coordination levels of D (0.1, 0.2, …) and dotted ones the four coupling stages of C
    (0.3, 0.5, 0.8), each band named at the right. The y ranges run from the band edge
    below the data to the band edge above it, within [0, 1].

    Parameters
    ----------
    result : Result
        A model fitted with ``coupling = "classic"`` (or "wang", "fan").
    lang : {"en", "zh"}
        Language of titles, labels and level names.

    Returns
    -------
    matplotlib.figure.Figure
        Double column wide (single column for one entity).

    Raises
    ------
    SpecError
        When the coupling coordination degree was not asked for.
    """
    style = _style(lang)
    c, _, d = _diagnostics(result, "coupling").coupling or (None, None, None)
    assert c is not None and d is not None
    total = len(result.entities)
    shown = min(total, MAX_ENTITIES)
    periods = _period_labels(result)
    width = SINGLE_COLUMN_IN if shown == 1 else DOUBLE_COLUMN_IN
    below = shown > 12  # many entities: the legend goes below (4 columns), not right
    names = _entity_labels(result, shown, 1.3 if below else 1.9)
    legend_rows = math.ceil((shown + 2) / 4) if below else 0
    fig = _new_figure(width, 3.9 if shown == 1 else 4.6 + 0.14 * legend_rows)
    ax_d, ax_c = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    x = np.arange(len(periods))
    marker: dict[str, Any] = {"marker": "o", "markersize": 2.5} if len(periods) <= 15 else {}
    handles = []
    for i, name in enumerate(names):
        handles += ax_d.plot(
            x, d[i], linewidth=1.0, label=name, zorder=3, **marker, **_line_style(i)
        )
        ax_c.plot(x, c[i], linewidth=1.0, zorder=3, **marker, **_line_style(i))
    zh = lang == "zh"
    panels = (
        (
            ax_d,
            d[:shown],
            result.spec.diagnostics.coupling_levels.edges,
            coupling_level_names(result, "zh" if zh else "en"),
            "coupling_d",
            (0, (4, 2)),
        ),
        (
            ax_c,
            c[:shown],
            result.spec.diagnostics.coupling_stages.edges,
            coupling_stage_names(result, "zh" if zh else "en"),
            "coupling_c",
            (0, (1, 1.5)),
        ),
    )
    for ax, values, edges, band_names, label, dash in panels:
        _style_axes(ax, style)
        lo, hi = _unit_limits(values, edges)
        ax.set_ylim(lo, hi)
        for e in edges:
            if lo < e < hi:
                ax.axhline(e, color=REFERENCE_GREY, linewidth=0.5, linestyle=dash, zorder=0)
        _name_bands(ax, style, [-np.inf, *edges, np.inf], band_names, lo, hi)
        ax.set_ylabel(style.word(label), fontproperties=style.font(LABEL_PT))
    legend_w = 0.0 if shown == 1 or below else max(_text_width(n, LEGEND_PT) for n in names) + 0.4
    plot_w = width - 1.9 - max(legend_w, 0.0 if shown == 1 else 1.6)
    _period_ticks(ax_c, periods, style, plot_w)
    ax_c.set_xlabel(result.spec.period, fontproperties=style.font(LABEL_PT))
    key = [
        Line2D(
            [],
            [],
            color=REFERENCE_GREY,
            lw=0.5,
            linestyle=(0, (4, 2)),
            label=style.word("level_edges"),
        ),
        Line2D(
            [],
            [],
            color=REFERENCE_GREY,
            lw=0.5,
            linestyle=(0, (1, 1.5)),
            label=style.word("coupling_stage_edges"),
        ),
    ]
    if shown > 1 and not below:
        fig.legend(
            handles=[*handles, *key],
            loc="outside right upper",
            ncols=1,
            frameon=False,
            prop=style.font(LEGEND_PT),
            handlelength=2.2,
        )
    else:
        fig.legend(
            handles=[*handles, *key] if below else key,
            loc="outside lower center",
            ncols=4 if below else 2,
            frameon=False,
            prop=style.font(LEGEND_PT),
            handlelength=2.2,
        )
    method = str(result.spec.diagnostics.coupling)
    notes = [
        _WORDS[lang].get(f"coupling_{method}", method),
        style.word("coupling_subsystems", k=len(result.subsystems)),
        _subset_note(style, shown, total),
    ]
    if total == 1 and result.spec.entity is not None:
        notes.append(str(result.entities[0]))
    _title(fig, style, style.word("coupling_title"), style.join(notes), legend_w)
    return fig


def figure_obstacles(result: Result, lang: str = "en") -> Figure:
    """Heat map of the obstacle shares O of the last period, entities × indicators.

    A heat map rather than bars of the mean share: obstacles differ between entities —
    that is what the analysis is for — and a mean over entities would hide it; the map
    shows every entity's profile, and the top ``obstacles = N`` cells of each entity are
    outlined, the same as the report's table. Colours are ColorBrewer's sequential
    "YlOrRd" from 0 to the largest share shown (rounded up to a tenth); cells carry their
    share in per cent when the map is small enough to read (at most 20 rows). Columns
    follow the spec's order, subsystems separated by a white gap and named at the top.
    At most :data:`MAX_HEATMAP_ROWS` entities (the first in data order) are drawn.

    Parameters
    ----------
    result : Result
        A model fitted with ``obstacles = N`` under ``[diagnostics]``.
    lang : {"en", "zh"}
        Language of titles and labels.

    Returns
    -------
    matplotlib.figure.Figure
        Double column wide; the height grows with the number of rows.

    Raises
    ------
    SpecError
        When the obstacle degree was not asked for.
    """
    style = _style(lang)
    shares_all = _diagnostics(result, "obstacles").obstacles
    assert shares_all is not None
    total = len(result.entities)
    shown = min(total, MAX_HEATMAP_ROWS)
    shares = shares_all[:shown, -1, :]
    n_top = result.spec.diagnostics.obstacles
    spec = result.spec
    n_cols = shares.shape[1]
    names = [ind.label or ind.column for ind in spec.indicators]
    row_labels = _entity_labels(result, shown)
    label_w = max((_text_width(r, TICK_PT) for r in row_labels), default=0.3)
    plot_w = DOUBLE_COLUMN_IN - label_w - 1.3
    # column labels: horizontal (wrapped onto two lines) when they fit, else at 45°
    wrapped = [_wrap(t, plot_w / max(n_cols, 1) - 0.08, TICK_PT) for t in names]
    rotate = any(w is None for w in wrapped)
    if rotate:
        col_labels = [_fit(t, 1.3, TICK_PT) for t in names]
        col_h = max(_text_width(t, TICK_PT) for t in col_labels) * 0.72
    else:
        col_labels = [w or "" for w in wrapped]
        col_h = 0.13 * max(w.count("\n") + 1 for w in col_labels)
    row_h = 0.22 if shown <= 20 else 0.13
    fig = _new_figure(DOUBLE_COLUMN_IN, 1.5 + col_h + shown * row_h + (0.5 if shown <= 4 else 0.0))
    ax = fig.subplots()
    _style_axes(ax, style, frame=True)
    finite = shares[np.isfinite(shares)]
    vmax = max(0.1, math.ceil(float(finite.max()) * 10 - 1e-9) / 10) if finite.size else 1.0
    cmap = matplotlib.colormaps[SEQUENTIAL_CMAP].with_extremes(bad="0.85")
    values = np.ma.masked_invalid(shares)
    mesh = ax.pcolormesh(
        values,
        cmap=cmap,
        norm=Normalize(vmin=0.0, vmax=vmax),
        edgecolors="white",
        linewidth=0.4 if shown <= 20 else 0.2,
    )
    ax.set_xlim(0, n_cols)
    ax.set_ylim(shown, 0)  # first entity at the top
    ax.set_yticks(np.arange(shown) + 0.5, row_labels, fontproperties=style.font(TICK_PT))
    extra: dict[str, Any] = (
        {"rotation": 45, "ha": "right", "rotation_mode": "anchor"} if rotate else {}
    )
    ax.set_xticks(np.arange(n_cols) + 0.5, col_labels, fontproperties=style.font(TICK_PT), **extra)
    ax.tick_params(length=0)
    ax.set_xlabel(style.word("indicator"), fontproperties=style.font(LABEL_PT))
    ax.set_ylabel(spec.entity or style.word("entity"), fontproperties=style.font(LABEL_PT))
    # subsystems: a white gap between them, their names on a top axis
    sizes = [len(s.indicators) for s in spec.subsystems]
    edges = np.cumsum(sizes)
    for e in edges[:-1]:
        ax.axvline(e, color="white", linewidth=2.5, zorder=3)
    top = ax.secondary_xaxis("top")
    centres = edges - np.asarray(sizes) / 2
    sub_labels = [
        _fit(s.label or s.name, max(0.4, plot_w * n / n_cols - 0.1), TICK_PT)
        for s, n in zip(spec.subsystems, sizes, strict=True)
    ]
    top.set_xticks(centres, sub_labels, fontproperties=style.font(TICK_PT, weight="bold"))
    top.tick_params(length=0, pad=2)
    for side in top.spines.values():
        side.set_visible(False)
    # the top N of each entity, outlined
    if n_top > 0 and n_cols:
        filled = np.where(np.isfinite(shares), shares, -np.inf)  # NaN never on top
        top_idx = np.argsort(-filled, axis=-1, kind="stable")[:, :n_top]
        for row, top_cols in enumerate(top_idx.tolist()):
            for col in top_cols:
                if np.isfinite(shares[row, col]):
                    ax.add_patch(
                        Rectangle(
                            (col + 0.04, row + 0.06),
                            0.92,
                            0.88,
                            fill=False,
                            edgecolor="0.1",
                            linewidth=0.9 if shown <= 20 else 0.6,
                            zorder=4,
                        )
                    )
    if shown <= 20 and plot_w / max(n_cols, 1) >= _text_width("100%", TICK_PT) + 0.04:
        rows, cols = np.nonzero(~np.ma.getmaskarray(values))
        for r, col, v in zip(rows, cols, values.data[rows, cols].tolist(), strict=True):
            ax.text(
                col + 0.5,
                r + 0.5,
                f"{100 * v:.0f}%",
                ha="center",
                va="center",
                color="white" if v > 0.6 * vmax else "0.15",
                fontproperties=style.font(TICK_PT),
                zorder=5,
            )
    if shown <= 4:
        cbar = fig.colorbar(
            mesh, ax=ax, location="bottom", fraction=0.5, shrink=0.45, aspect=30, pad=0.02
        )
    else:
        cbar = fig.colorbar(mesh, ax=ax, fraction=0.05, pad=0.02, aspect=25 if shown > 8 else 12)
    cbar.set_label(style.word("obstacles_clabel"), fontproperties=style.font(LABEL_PT))
    cbar.ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    cbar.ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    cbar.outline.set_linewidth(0.6)
    cbar.ax.tick_params(labelsize=TICK_PT, width=0.6, length=2.5)
    last = _period_labels(result)[-1]
    notes = [
        style.word("obstacles_top", n=n_top) if n_top else "",
        _subset_note(style, shown, total),
    ]
    _title(fig, style, style.word("obstacles_title", period=last), style.join(notes))
    return fig


def _small_multiples(
    result: Result, style: _Style, extra_h: float = 0.0
) -> tuple[Figure, Any, int, int, float]:
    """A figure of panels for the first :data:`MAX_ENTITIES` entities (shared axes).

    Returns the figure, its axes (rows × columns), the number of entities shown, their
    total and the (estimated) width of one panel in inches.
    """
    total = len(result.entities)
    shown = min(total, MAX_ENTITIES)
    ncols, nrows, width, panel_h = _grid_shape(shown)
    fig = _new_figure(width, 0.85 + extra_h + nrows * panel_h)
    axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False)
    return fig, axes, shown, total, (width - 0.6) / ncols


def _panel_title(ax: Axes, style: _Style, result: Result, i: int, tag: str, panel_w: float) -> None:
    """Entity ``i``'s name at the left above a panel (cut to fit), ``tag`` at the right.

    The name is left out when the data has a single entity and no entity column."""
    ax.set_title(tag, loc="right", fontproperties=style.font(TICK_PT), color="0.3", pad=3)
    if len(result.entities) > 1 or result.spec.entity is not None:
        room = panel_w - 0.25 - _text_width(tag, TICK_PT)
        name = _fit(str(result.entities[i]), max(room, 0.4), LABEL_PT)
        ax.set_title(name, loc="left", fontproperties=style.font(LABEL_PT), pad=3)


def figure_forecast(result: Result, lang: str = "en") -> Figure:
    """GM(1,1) fit and forecast of each entity's synergy path, one panel per entity.

    Each panel shows the observed synergy degree U over the compared periods (dots),
    the GM(1,1) fitted values (solid) and the forecast beyond the last period (dashed,
    right of a faint vertical line); the panel title carries the entity and the accuracy
    grade of its fit (good, qualified, barely, unqualified — METHOD.md §7), starred when
    the series was fitted after a level-ratio shift. Series that could not be fitted
    (too short or flat) show the observed path only, titled "not fitted". At most
    :data:`MAX_ENTITIES` panels (the first entities in data order).

    Parameters
    ----------
    result : Result
        A model fitted with ``forecast = h`` under ``[diagnostics]``.
    lang : {"en", "zh"}
        Language of titles, labels and grades.

    Returns
    -------
    matplotlib.figure.Figure
        Double column wide (single column for one entity).

    Raises
    ------
    SpecError
        When the forecast was not asked for.
    """
    style = _style(lang)
    fc = _diagnostics(result, "forecast").forecast
    assert fc is not None
    ticks, base_note = _compared_labels(result, style)
    P = len(ticks)
    future: list[str] = []
    if fc.synergy is not None:  # the synergy series are the last rows of the table
        h = fc.synergy.forecast.shape[-1]
        future = [period_text(p) for p in result.forecast["period"].iloc[-h:]]
    labels = [*ticks, *future]
    x = np.arange(P)
    xf = np.arange(P - 1, P + len(future))
    row = np.cumsum(fc.synergy_fitted) - 1  # entity → row of the fitted batch
    fig, axes, shown, total, panel_w = _small_multiples(result, style, 0.15)
    observed = result.synergy_values
    marker = 2.5 if P <= 15 else 1.5
    shifted_any = False
    for i, ax in enumerate(axes.flat):
        if i >= shown:
            ax.remove()
            continue
        _style_axes(ax, style)
        ax.grid(axis="y", color="0.9", linewidth=0.5)
        ax.set_axisbelow(True)
        ax.plot(
            x,
            observed[i],
            linestyle="none",
            marker="o",
            markersize=marker,
            color=OKABE_ITO[0],
            zorder=3,
        )
        grade = style.word("forecast_skipped")
        if fc.synergy is not None and fc.synergy_fitted[i]:
            r = int(row[i])
            ax.plot(x, fc.synergy.fitted[r], color=OKABE_ITO[1], linewidth=1.0, zorder=2)
            ax.plot(
                xf,
                [fc.synergy.fitted[r, -1], *fc.synergy.forecast[r]],
                color=OKABE_ITO[1],
                linewidth=1.0,
                linestyle=(0, (3, 1.5)),
                zorder=2,
            )
            grade = _grade_text(int(fc.synergy.grade[r]), lang)
            if not fc.synergy.level_ratio_ok[r]:
                grade += "*"
                shifted_any = True
        if future:
            ax.axvline(P - 0.5, color=REFERENCE_GREY, linewidth=0.5, linestyle=(0, (1, 1.5)))
        _period_ticks(ax, labels, style, panel_w)
        bottom = i + axes.shape[1] >= shown
        ax.tick_params(labelbottom=bottom, labelleft=i % axes.shape[1] == 0)
        if bottom:
            ax.set_xlabel(result.spec.period, fontproperties=style.font(LABEL_PT))
        _panel_title(ax, style, result, i, grade, panel_w)
    ax0 = axes.flat[0]
    # U lies in [−1, 1]: a forecast beyond it leaves the panel rather than squash the rest
    lo, hi = ax0.get_ylim()
    lo, hi = max(lo, -1.05), min(hi, 1.05)
    ax0.set_ylim(lo, hi)
    if lo < 0 < hi:
        for ax in axes.flat[:shown]:
            ax.axhline(0.0, color="0.15", linewidth=0.6, zorder=1)
    handles = [
        Line2D(
            [],
            [],
            linestyle="none",
            marker="o",
            markersize=3,
            color=OKABE_ITO[0],
            label=style.word("forecast_observed"),
        ),
        Line2D([], [], color=OKABE_ITO[1], linewidth=1.0, label=style.word("forecast_fit")),
        Line2D(
            [],
            [],
            color=OKABE_ITO[1],
            linewidth=1.0,
            linestyle=(0, (3, 1.5)),
            label=style.word("forecast_forecast"),
        ),
    ]
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncols=3,
        frameon=False,
        prop=style.font(LEGEND_PT),
        handlelength=2.2,
    )
    if shown == 1:
        ax0.set_ylabel(style.word("synergy_ylabel"), fontproperties=style.font(LABEL_PT))
    else:
        fig.supylabel(style.word("synergy_ylabel"), fontproperties=style.font(LABEL_PT))
    ahead = (
        style.word("forecast_ahead", h=fc.horizon)
        if fc.horizon != 1
        else style.word("forecast_one_ahead")
    )
    notes = [base_note, ahead, style.word("forecast_shifted") if shifted_any else ""]
    notes.append(_subset_note(style, shown, total))
    _title(fig, style, style.word("forecast_title"), style.join(notes))
    return fig


def _robustness_arrays(result: Result) -> dict[str, NDArray[np.float64]]:
    """The columns of ``result.robustness`` as (E, P) arrays, entities in data order."""
    table = result.robustness
    E, P = result.synergy_values.shape
    codes = result.entities.get_indexer(pd.Index(table["entity"]))
    order = np.argsort(codes, kind="stable")
    return {
        col: np.asarray(table[col], dtype=float)[order].reshape(E, P)
        for col in ("synergy", "median", "p5", "p95", "stage_agreement")
    }


def figure_robustness(result: Result, lang: str = "en") -> Figure:
    """Robustness of the synergy degree: the point U in its 5–95 % band, per entity.

    One panel per entity (at most :data:`MAX_ENTITIES`): the shaded band spans the 5th to
    95th percentile of U over the Monte Carlo draws (weights around φ, margin ``a`` in
    its range — METHOD.md §7), the thin dashed line is their median and the solid line
    with dots the point estimate. Faint lines mark the stage edges. The panel title gives
    the share of draws that keep the entity's stage of the last compared period.

    Parameters
    ----------
    result : Result
        A model fitted with ``[diagnostics.robustness]`` (or ``robustness = true``).
    lang : {"en", "zh"}
        Language of titles and labels.

    Returns
    -------
    matplotlib.figure.Figure
        Double column wide (single column for one entity).

    Raises
    ------
    SpecError
        When the robustness analysis was not asked for.
    """
    style = _style(lang)
    band = _robustness_arrays(result)
    ticks, base_note = _compared_labels(result, style)
    x = np.arange(len(ticks))
    fig, axes, shown, total, panel_w = _small_multiples(result, style, 0.15)
    values = np.concatenate([band[k][:shown] for k in ("synergy", "p5", "p95")], axis=None)
    edges = sorted({*result.spec.stages.edges})
    lo, hi = _synergy_limits(values, edges)
    marker = 2.5 if len(ticks) <= 15 else 1.5
    color = OKABE_ITO[0]
    for i, ax in enumerate(axes.flat):
        if i >= shown:
            ax.remove()
            continue
        _style_axes(ax, style)
        ax.fill_between(
            x, band["p5"][i], band["p95"][i], color=color, alpha=0.22, linewidth=0, zorder=1
        )
        ax.plot(x, band["median"][i], color=color, linewidth=0.7, linestyle=(0, (3, 1.5)), zorder=2)
        ax.plot(
            x,
            band["synergy"][i],
            color=color,
            linewidth=1.0,
            marker="o",
            markersize=marker,
            zorder=3,
        )
        ax.axhline(0.0, color="0.15", linewidth=0.6, zorder=1)
        for e in edges:
            if lo < e < hi and e != 0:
                ax.axhline(
                    e, color=REFERENCE_GREY, linewidth=0.5, linestyle=(0, (1, 1.5)), zorder=0
                )
        ax.set_ylim(lo, hi)
        _period_ticks(ax, ticks, style, panel_w)
        bottom = i + axes.shape[1] >= shown
        ax.tick_params(labelbottom=bottom, labelleft=i % axes.shape[1] == 0)
        if bottom:
            ax.set_xlabel(result.spec.period, fontproperties=style.font(LABEL_PT))
        agree = band["stage_agreement"][i, -1]
        share = f"{100 * agree:.0f}%" if np.isfinite(agree) else "—"
        _panel_title(ax, style, result, i, share, panel_w)
    handles = [
        Line2D(
            [],
            [],
            color=color,
            linewidth=1.0,
            marker="o",
            markersize=3,
            label=style.word("robustness_point"),
        ),
        Line2D(
            [],
            [],
            color=color,
            linewidth=0.7,
            linestyle=(0, (3, 1.5)),
            label=style.word("robustness_median"),
        ),
        Patch(facecolor=color, alpha=0.22, linewidth=0, label=style.word("robustness_p")),
        Line2D(
            [],
            [],
            color=REFERENCE_GREY,
            lw=0.5,
            linestyle=(0, (1, 1.5)),
            label=style.word("stage_edges"),
        ),
    ]
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncols=2 if shown == 1 else 4,
        frameon=False,
        prop=style.font(LEGEND_PT),
        handlelength=2.2,
    )
    if shown == 1:
        axes[0, 0].set_ylabel(style.word("synergy_ylabel"), fontproperties=style.font(LABEL_PT))
    else:
        fig.supylabel(style.word("synergy_ylabel"), fontproperties=style.font(LABEL_PT))
    rob = result.spec.diagnostics.robustness
    notes = [base_note]
    if rob is not None:
        lo_a, hi_a = rob.margin
        band_note = style.word(
            "robustness_band", draws=rob.draws, kappa=rob.concentration, lo=lo_a, hi=hi_a
        )
        notes.append(band_note)
    notes.append(style.word("robustness_agreement", period=ticks[-1] if ticks else ""))
    notes.append(_subset_note(style, shown, total))
    _title(fig, style, style.word("robustness_title"), style.join(notes))
    return fig


# -- rendering --------------------------------------------------------------------------
_BUILDERS: dict[str, Callable[[Result, str], Figure]] = {
    "order_degree": figure_order_degree,
    "synergy_path": figure_synergy_path,
    "synergy_heatmap": figure_synergy_heatmap,
    "weights": figure_weights,
    "grey_relation": figure_grey_relation,
    "coupling": figure_coupling,
    "obstacles": figure_obstacles,
    "forecast": figure_forecast,
    "robustness": figure_robustness,
}


def figure_names(result: Result) -> tuple[str, ...]:
    """The figures of ``result``: :data:`FIGURES`, then each of
    :data:`DIAGNOSTIC_FIGURES` whose diagnostic the spec's ``[diagnostics]`` asked for."""
    d = result.spec.diagnostics
    asked = {
        "grey_relation": d.gra,
        "coupling": bool(d.coupling),
        "obstacles": d.obstacles > 0,
        "forecast": d.forecast > 0,
        # Result.robustness arrived after the other diagnostics: check it is there
        "robustness": d.robustness is not None,
    }
    return FIGURES + tuple(n for n in DIAGNOSTIC_FIGURES if asked[n])


def render_figures(result: Result, lang: str = "en") -> dict[str, Figure]:
    """Every figure of :func:`figure_names` (base figures and diagnostics asked for).

    Parameters
    ----------
    result : Result
        A fitted model.
    lang : {"en", "zh"}
        Language of the texts.

    Returns
    -------
    dict of str to Figure
        Keys in the order of :data:`FIGURES`, then of :data:`DIAGNOSTIC_FIGURES`.
    """
    return {name: _BUILDERS[name](result, lang) for name in figure_names(result)}


def svg_text(fig: Figure) -> str:
    """The figure as an SVG document (text drawn as paths, no date), for inlining in HTML."""
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue().decode("utf-8")


def png_bytes(fig: Figure, dpi: int = 300) -> bytes:
    """The figure as PNG bytes at ``dpi`` dots per inch (recorded in the file)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def write_figures(
    result: Result,
    folder: str | Path,
    lang: str = "en",
    formats: Sequence[str] = ("png", "svg"),
    dpi: int = 300,
) -> dict[str, list[Path]]:
    """Write every figure of :func:`figure_names` as ``folder/<name>.<format>``, atomically.

    Figures are built and written one at a time and cleared afterwards, so memory stays
    bounded; each file appears complete or not at all (temporary file + rename).

    Parameters
    ----------
    result : Result
        A fitted model.
    folder : str or Path
        Output folder, created when missing.
    lang : {"en", "zh"}
        Language of the texts.
    formats : sequence of {"png", "svg", "pdf"}
        File formats to write.
    dpi : int
        Resolution of raster formats (PNG), dots per inch.

    Returns
    -------
    dict of str to list of Path
        The files written for each figure name, in the order of ``formats``.
    """
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise ValueError(f"unknown figure format {bad[0]!r}; choose from {FORMATS}")
    _check_lang(lang)
    out_dir = Path(folder)
    written: dict[str, list[Path]] = {}
    for name in figure_names(result):
        fig = _BUILDERS[name](result, lang)
        try:
            paths = []
            for fmt in formats:
                target = out_dir / f"{name}.{fmt}"
                with atomic_path(target) as tmp:
                    meta = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}.get(fmt)
                    fig.savefig(tmp, format=fmt, dpi=dpi, metadata=meta)
                paths.append(target)
            written[name] = paths
        finally:
            fig.clear()
    return written

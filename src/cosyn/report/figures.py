"""Publication figures of a fitted model: order degrees, synergy path, heat map, weights.

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
    by ColorBrewer) on the fixed range [−1, 1], centred on 0.
Many entities
    The small multiples and the synergy path show at most :data:`MAX_ENTITIES` (24)
    entities, the heat map at most :data:`MAX_HEATMAP_ROWS` (60); when there are more,
    the *first* ones in data order are shown and the title says "first 24 of N entities".
    Pick or reorder entities before fitting to show others.
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
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.lines import Line2D
from numpy.typing import NDArray

from cosyn.errors import CosynWarning
from cosyn.io.write import atomic_path
from cosyn.report.text import LANGS, period_text, stage_names

if TYPE_CHECKING:
    from cosyn.result import Result

__all__ = [
    "CJK_FAMILIES",
    "FIGURES",
    "MAX_ENTITIES",
    "MAX_HEATMAP_ROWS",
    "cjk_font",
    "figure_order_degree",
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


def _title(fig: Figure, style: _Style, title: str, subtitle: str = "") -> None:
    """Title and an optional subtitle line (split at "; " when wider than the figure)."""
    if _text_width(subtitle, TITLE_PT) > fig.get_figwidth() - 0.3:
        subtitle = subtitle.replace("; ", "\n").replace("；", "\n")
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
    ncols = 1 if shown == 1 else 2 if shown <= 4 else 3 if shown <= 9 else 4
    nrows = math.ceil(shown / ncols)
    width = SINGLE_COLUMN_IN if shown == 1 else DOUBLE_COLUMN_IN
    panel_h = 2.2 if shown == 1 else 1.55 if ncols <= 2 else 1.3
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
    names = stage_names(result, style.lang)
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


# -- rendering --------------------------------------------------------------------------
_BUILDERS: dict[str, Callable[[Result, str], Figure]] = {
    "order_degree": figure_order_degree,
    "synergy_path": figure_synergy_path,
    "synergy_heatmap": figure_synergy_heatmap,
    "weights": figure_weights,
}


def render_figures(result: Result, lang: str = "en") -> dict[str, Figure]:
    """Every figure of :data:`FIGURES`, by name.

    Parameters
    ----------
    result : Result
        A fitted model.
    lang : {"en", "zh"}
        Language of the texts.

    Returns
    -------
    dict of str to Figure
        Keys in the order of :data:`FIGURES`.
    """
    return {name: _BUILDERS[name](result, lang) for name in FIGURES}


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
    """Write every figure as ``folder/<name>.<format>``, atomically.

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
    for name in FIGURES:
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

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
    Journal column widths: single column 3.5 in, double column 7.2 in (5 in for the
    synergy path of one entity); text 7–9 pt (tick labels 7 pt, axis labels and legends
    7–8 pt, titles 9 pt). No figure is wider than 7.2 in, so shown at the HTML report's
    column width (about 1000 px) the smallest text is 7/72 × 1000/7.2 ≈ 13.5 px, and a
    single-column figure shown at its own size (3.5 in = 336 CSS px) ≈ 9.3 px. Small
    multiples keep 7 pt text and grow in height (6 columns of 1.1 in panels for 31–48
    entities). PNG files are written at 300 dpi.
Colours
    Lines use the Okabe–Ito colour-blind-safe palette (six colours; yellow and black are
    left out: yellow is too pale on white and black is the zero line), combined with four
    dash patterns, which gives 24 distinguishable line styles. The heat map uses
    ColorBrewer's diverging "RdBu" (red negative, blue positive; marked colour-blind safe
    by ColorBrewer) on the fixed range [−1, 1], centred on 0; the obstacle heat map the
    sequential "YlOrRd" from 0 to the largest share shown.
Entities
    ``[report] entities = [...]`` (``Spec.report.entities``) chooses the entities the
    per-entity figures show, in the order given; names are matched as the labels print
    (``str``) and an unknown one raises :class:`~cosyn.errors.SpecError` naming the
    nearest known names (:func:`chosen_entities`). The weights and grey relational grade
    figures summarise every entity of the model (mean, whiskers min–max).
Many entities
    Up to :data:`MAX_LINES` (8) entities are drawn as lines in one plot (synergy path,
    coupling); more lines cannot be told apart. With more, the figures draw what still
    reads: small multiples — one panel per entity, sorted by the value of the last
    period, highest first (unless the entities were chosen, which keeps their order) — up
    to :data:`MAX_PANELS` (48) panels; beyond that the line figures show the median with
    the interquartile and min–max bands and name the :data:`EXTREMES` highest and lowest
    entities, and the panel figures (forecast, robustness) the highest and lowest 24. The
    heat maps show up to :data:`MAX_HEATMAP_ROWS` (60) rows in data order, beyond that
    the highest and lowest 30. No entity is left out without the title saying which are
    shown.
Periods
    Tick labels are ``str(period)`` (dates at midnight as ``YYYY-MM-DD``, whole floats
    without ``.0``); labels are thinned and rotated when they would overlap.
Chinese text
    :func:`cjk_font` finds an installed CJK font; every text then uses the family list
    ``["DejaVu Sans", <CJK font>]`` (matplotlib's per-glyph font fallback, ≥ 3.6), so Latin
    text keeps DejaVu Sans and Chinese characters come from the CJK font — for ``lang="zh"``
    and for Chinese labels in English figures alike. Without a CJK font the figures are
    still drawn (Chinese glyphs show as boxes); the first figure of the process that
    draws Chinese text warns once with a :class:`~cosyn.errors.CosynWarning` saying what
    to install, and matplotlib's per-character "Glyph … missing" warnings are silenced
    when figures are written (:func:`png_bytes`, :func:`svg_text`,
    :func:`write_figures`). matplotlib's log note that a single-weight CJK font has no
    "normal" weight ("findfont: Failed to find font weight …", once per font size) is
    filtered out: that font's one weight is the right one.
"""

from __future__ import annotations

import difflib
import functools
import io
import itertools
import logging
import math
import re
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.text import Text
from matplotlib.ticker import PercentFormatter
from matplotlib.transforms import offset_copy
from numpy.typing import NDArray

from cosyn.errors import CosynWarning, SpecError
from cosyn.io.write import atomic_path
from cosyn.report.text import (
    LANGS,
    coupling_level_names,
    coupling_stage_names,
    gm11_grades,
    level_names,
    period_text,
    stage_names,
)

if TYPE_CHECKING:
    from cosyn.diagnostics import DiagnosticArrays
    from cosyn.result import Result

__all__ = [
    "CJK_FAMILIES",
    "DIAGNOSTIC_FIGURES",
    "EXTREMES",
    "FIGURES",
    "MAX_HEATMAP_ROWS",
    "MAX_LINES",
    "MAX_PANELS",
    "chosen_entities",
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
#: Most entities drawn as lines in one plot (synergy path, coupling): more lines cannot be
#: told apart, so more entities are drawn as small multiples.
MAX_LINES = 8
#: Most entities drawn as small-multiple panels (8 rows of 6 fill one page); more are
#: summarised (median and bands) or shown as the highest and lowest half.
MAX_PANELS = 48
#: Most entities drawn as rows of the heat map (about one page at 7 pt row labels).
MAX_HEATMAP_ROWS = 60
#: Entities named at each end (highest, lowest) when many are summarised as bands.
EXTREMES = 5
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

#: The range of the synergy degree U, to which GM(1,1) forecasts are clipped.
SYNERGY_BOUNDS: tuple[float, float] = (-1.0, 1.0)

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
        "sorted": "all {n:,} entities, sorted by {what} in {period}, highest first",
        "chosen": "{n:,} of {total:,} entities, as chosen in [report]\u00a0entities",
        "extremes": "the {top:,} highest and {bottom:,} lowest of {n:,} entities by {what} "
        "in {period} (choose others with [report]\u00a0entities)",
        "band_note": "{n:,} entities: median, interquartile range and min–max; the {k:,} "
        "highest and {k:,} lowest in {period} named",
        "band_median": "median",
        "band_iqr": "interquartile range",
        "band_range": "min–max",
        "band_high": "highest in {period}",
        "band_low": "lowest in {period}",
        "this_entity": "the panel's entity",
        "other_entities": "the other entities",
        "what_u": "U",
        "what_mu": "mean μ",
        "what_d": "D",
        "level_col": "level",
        "stage_col": "stage",
        "shared_edges": "level and stage edge",
        "level_edge": "level edge",
        "stage_edge": "stage edge",
        "forecast_failed": "level ratio failed — shifted fit",
        "forecast_clipped": "clipped to the range [−1,\u00a01]",
        "forecast_clipped_note": "GM(1,1) values beyond [−1,\u00a01] clipped to it (marked ▲▼)",
        # diagnostics
        "gra_title": "Grey relational grade of the indicators",
        "gra_xlabel": "grey relational grade r (0–1)",
        "gra_spread": "mean over {n:,} entities, whiskers min–max",
        "gra_rho": "against their subsystem's order degree μ, ρ\u00a0=\u00a0{rho:g}",
        "gra_threshold": "threshold {t:g}",
        "gra_weak_mean": "mean below the threshold",
        "gra_weak_count": "weak in {k:,}/{n:,}",
        "gra_weak_one": "weak",
        "coupling_title": "Coupling coordination degree of the subsystems",
        "coupling_d": "coordination degree D (0–1)",
        "coupling_c": "coupling degree C (0–1)",
        "coupling_dc": "coordination degree D and coupling degree C (0–1)",
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
        "sorted": "全部 {n:,} 个主体，按 {period} 的{what} 从高到低排列",
        "chosen": "[report]\u00a0entities 选定的 {n:,} 个主体（共\u00a0{total:,}\u00a0个）",
        "extremes": "按 {period} 的{what}，{n:,} 个主体中最高的 {top:,} 个和最低的 {bottom:,} 个"
        "（可用 [report]\u00a0entities 选择其他主体）",
        "band_note": "{n:,} 个主体：中位数、四分位距与最小–最大值范围；标出 {period} 最高和最低各 "
        "{k:,} 个",
        "band_median": "中位数",
        "band_iqr": "四分位距",
        "band_range": "最小–最大值",
        "band_high": "{period} 最高",
        "band_low": "{period} 最低",
        "this_entity": "本主体",
        "other_entities": "其他主体",
        "what_u": "协同度 U",
        "what_mu": "平均有序度 μ",
        "what_d": "耦合协调度 D",
        "level_col": "协同等级",
        "stage_col": "发展阶段",
        "shared_edges": "等级与阶段共同分界",
        "level_edge": "协同等级分界",
        "stage_edge": "发展阶段分界",
        "forecast_failed": "级比检验未通过——平移后拟合",
        "forecast_clipped": "截断至取值范围 [−1,\u00a01]",
        "forecast_clipped_note": "超出 [−1,\u00a01] 的 GM(1,1) 值已截断（以 ▲▼ 标记）",
        # diagnostics
        "gra_title": "指标的灰色关联度",
        "gra_xlabel": "灰色关联度 r (0–1)",
        "gra_spread": "{n:,} 个主体的均值，误差线为最小–最大值",
        "gra_rho": "与所属子系统有序度 μ 的关联，分辨系数\u00a0ρ\u00a0=\u00a0{rho:g}",
        "gra_threshold": "阈值 {t:g}",
        "gra_weak_mean": "均值低于阈值",
        "gra_weak_count": "{k:,}/{n:,} 个主体偏弱",
        "gra_weak_one": "偏弱",
        "coupling_title": "子系统耦合协调度",
        "coupling_d": "耦合协调度 D (0–1)",
        "coupling_c": "耦合度 C (0–1)",
        "coupling_dc": "耦合协调度 D 与耦合度 C (0–1)",
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


class _CJKWeightFilter(logging.Filter):
    """Drops matplotlib's "findfont: Failed to find font weight normal for <CJK font>,
    now using 500" — logged once per font size: CJK fonts such as WenQuanYi Zen Hei come
    in one weight only (medium), which is the right one to use."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith("findfont: Failed to find font weight"):
            return True
        args = record.args if isinstance(record.args, tuple) else ()
        return not (len(args) >= 2 and str(args[1]) in CJK_FAMILIES)


_FONT_LOG_FILTER = _CJKWeightFilter()


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
            if found is not None:  # once: adding a filter twice is a no-op anyway
                logging.getLogger("matplotlib.font_manager").addFilter(_FONT_LOG_FILTER)
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
    return _Style(lang, (BASE_FAMILY, cjk) if cjk else (BASE_FAMILY,))


_CJK_WARNED = False
_GLYPH_WARNING = r"Glyph \d+ .*missing from (current )?font"


def _has_cjk(text: str) -> bool:
    """Whether ``text`` holds a character only a CJK font draws."""
    return any(ord(c) >= 0x2E80 for c in text)


def _warn_missing_cjk(fig: Figure) -> None:
    """Warn once per process when ``fig`` draws Chinese text and no CJK font is installed.

    matplotlib's own "Glyph … missing" warnings, one per character and per drawing, are
    silenced when the figures are written (:func:`_quiet_glyphs`): this one says it all.
    """
    global _CJK_WARNED
    if _CJK_WARNED or cjk_font() is not None:
        return
    if not any(_has_cjk(t.get_text()) for t in fig.findobj(Text)):
        return
    with _FONT_LOCK:
        if _CJK_WARNED:
            return
        _CJK_WARNED = True
    warnings.warn(
        CosynWarning(
            "no CJK font installed, Chinese text in the figures shows as boxes; install one "
            "(Debian/Ubuntu: apt-get install fonts-wqy-zenhei) and draw again"
        ),
        stacklevel=3,
    )


@contextmanager
def _quiet_glyphs() -> Iterator[None]:
    """Drawing without matplotlib's per-character "Glyph … missing" warnings when no CJK
    font is installed (:func:`_warn_missing_cjk` has said so once)."""
    if cjk_font() is not None:
        yield
        return
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_GLYPH_WARNING, category=UserWarning)
        yield


_Builder = Callable[["Result", str], Figure]


def _figure(build: _Builder) -> _Builder:
    """A figure builder that warns (once) when Chinese text has no font to draw with."""

    @functools.wraps(build)
    def wrapper(result: Result, lang: str = "en") -> Figure:
        fig = build(result, lang)
        _warn_missing_cjk(fig)
        return fig

    return wrapper


# -- entities ---------------------------------------------------------------------------
def chosen_entities(result: Result) -> NDArray[np.intp]:
    """Rows (entity indices) of the entities the figures show, in the order to show them.

    ``[report] entities`` (``result.spec.report.entities``) when given — names matched
    as the entity labels print (``str``), duplicates dropped — else every entity in data
    order.

    Raises
    ------
    SpecError
        Naming ``[report] entities``, each name that is not an entity of the data and the
        nearest known names (:func:`difflib.get_close_matches`).
    """
    names = _report_entities(result)
    E = len(result.entities)
    if not names:
        return np.arange(E, dtype=np.intp)
    labels = [str(e) for e in result.entities]
    where: dict[str, int] = {}
    for i, label in enumerate(labels):
        where.setdefault(label, i)
    unknown = [n for n in dict.fromkeys(names) if n not in where]
    if unknown:
        parts = []
        for name in unknown:
            near = difflib.get_close_matches(name, labels, n=3, cutoff=0.4)
            hint = (
                "nearest: " + ", ".join(repr(n) for n in near)
                if near
                else "the entities include " + ", ".join(repr(n) for n in labels[:5])
            )
            parts.append(f"{name!r} ({hint})")
        column = f" (column {result.spec.entity!r})" if result.spec.entity else ""
        raise SpecError(
            f"[report] entities: {'; '.join(parts)} — not among the {E:,} entities of the "
            f"data{column}; write each name as the entity column writes it"
        )
    return np.asarray([where[n] for n in dict.fromkeys(names)], dtype=np.intp)


def _report_entities(result: Result) -> tuple[str, ...]:
    """``[report] entities`` as the labels print (empty: not set)."""
    return tuple(str(n) for n in result.spec.report.entities)


@dataclass(frozen=True)
class _Shown:
    """The entities one figure draws (rows, in drawing order) and what the title says."""

    idx: NDArray[np.intp]
    total: int  # entities the figure is about (chosen ones, else all)
    note: str
    split: int = 0  # > 0: the first ``split`` rows are the highest, the rest the lowest


def _last_finite(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """The value of the last period of each row (NaN when that period is missing)."""
    return values[:, -1] if values.shape[1] else np.full(values.shape[0], np.nan)


def _pick(
    result: Result,
    style: _Style,
    last: NDArray[np.float64],
    what: str,
    period: str,
    *,
    sort_above: int = MAX_LINES,
    limit: int | None = None,
) -> _Shown:
    """The entities a figure draws and the note naming them.

    Chosen entities (``[report] entities``) keep their order; otherwise more than
    ``sort_above`` entities are sorted by ``last`` (the value of the last period, NaN
    last), highest first. More than ``limit`` entities: the highest and lowest halves.
    """
    idx = chosen_entities(result)
    total = len(result.entities)
    chosen = bool(_report_entities(result))
    n = len(idx)
    what_text = style.word(what)

    def ranked(rows: NDArray[np.intp]) -> NDArray[np.intp]:
        key = last[rows]
        key = np.where(np.isfinite(key), -key, np.inf)
        return rows[np.argsort(key, kind="stable")]

    if limit is not None and n > limit:
        rows = ranked(idx)
        bottom = limit // 2
        top = limit - bottom
        note = style.word("extremes", top=top, bottom=bottom, n=n, what=what_text, period=period)
        return _Shown(np.concatenate([rows[:top], rows[-bottom:]]), n, note, split=top)
    if chosen:
        return _Shown(idx, n, style.word("chosen", n=n, total=total))
    if n > sort_above:
        return _Shown(ranked(idx), n, style.word("sorted", n=n, what=what_text, period=period))
    return _Shown(idx, n, style.word("entities", total=n) if n > 1 else "")


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
    ``size`` pt (text without spaces but with CJK characters between any two CJK
    characters; a run of other characters, such as ``ρ\u00a0=\u00a00.5``, stays whole);
    a word wider than that keeps a line of its own."""
    cjk = " " not in text and _wide(text) > 1.5
    if cjk:
        tokens, sep = re.findall(r"[\u2e80-\uffff]|[^\u2e80-\uffff]+", text), ""
    else:
        tokens, sep = text.split(" "), " "
    lines: list[str] = []
    for token in tokens:
        if lines and _text_width(f"{lines[-1]}{sep}{token}", size) <= width_in:
            lines[-1] += sep + token
        else:
            lines.append(token)
    return lines


_UNIT = re.compile(r"\s*([（(][^（()）]*[)）])\s*$")


def _indicator_text(column: str, label: str | None, unit: str | None) -> tuple[str, str]:
    """An indicator's name and its unit in brackets ("" when it has none): the spec's
    ``unit``, else a trailing "(…)" or "（…）" of the label or column."""
    text = (label or column).strip()
    if unit:
        bracket = f"（{unit}）" if _has_cjk(text) else f" ({unit})"
        if unit in text:
            bracket = ""
        return text, bracket.strip()
    found = _UNIT.search(text)
    if found and found.start() > 0:
        return text[: found.start()], found.group(1)
    return text, ""


def _name_with_unit(name: str, unit: str, width_in: float, size: float, max_lines: int = 2) -> str:
    """``name`` and its ``unit`` in at most ``max_lines`` lines of about ``width_in``
    inches: on one line when they fit, else wrapped with the unit kept whole, else the
    name cut with "…" and the unit on a line of its own — the unit is never cut."""
    sep = "" if _has_cjk(name) or not unit else " "
    whole = f"{name}{sep}{unit}"
    if _text_width(whole, size) <= width_in:
        return whole
    lines = _lines(name, width_in, size)
    if unit:
        if lines and _text_width(f"{lines[-1]}{sep}{unit}", size) <= width_in:
            lines[-1] += sep + unit
        else:
            lines.append(unit)
    if len(lines) <= max_lines and all(_text_width(ln, size) <= width_in for ln in lines):
        return "\n".join(lines)
    if unit:
        return _fit(name, width_in, size) + "\n" + unit
    first = lines[0] if _text_width(lines[0], size) <= width_in else _fit(lines[0], width_in, size)
    rest = name[len(first) :].lstrip() if not first.endswith("…") else ""
    return first + ("\n" + _fit(rest, width_in, size) if rest else "")


def _one_line(name: str, unit: str, width_in: float, size: float) -> str:
    """``name`` and ``unit`` on one line of about ``width_in`` inches: the name is cut
    with "…" to make room, the unit never."""
    sep = "" if _has_cjk(name) or not unit else " "
    room = width_in - _text_width(sep + unit, size)
    return _fit(name, max(room, 0.3), size) + sep + unit


def _indicator_labels(indicators: Sequence[Any], width_in: float, size: float) -> list[str]:
    """Each indicator's spec label (else its column) with its unit, fitted by
    :func:`_name_with_unit`."""
    return [
        _name_with_unit(*_indicator_text(ind.column, ind.label, ind.unit), width_in, size)
        for ind in indicators
    ]


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


def _entity_labels(
    result: Result, rows: Sequence[int] | NDArray[np.intp], width_in: float = 1.9
) -> list[str]:
    """Labels of the entities ``rows``, cut to about ``width_in`` inches at 7 pt."""
    return [_fit(str(result.entities[i]), width_in, TICK_PT) for i in rows]


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
def _row_mean(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """Mean of the finite values of each row (NaN when there is none)."""
    finite = np.isfinite(values)
    count = finite.sum(axis=1)
    total = np.where(finite, values, 0.0).sum(axis=1)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _legend_below(fig: Figure, style: _Style, handles: Sequence[Any], ncols: int) -> None:
    fig.legend(
        handles=list(handles),
        loc="outside lower center",
        ncols=max(1, min(ncols, len(handles))),
        frameon=False,
        prop=style.font(LEGEND_PT),
        handlelength=2.2,
        columnspacing=1.2,
    )


@_figure
def figure_order_degree(result: Result, lang: str = "en") -> Figure:
    """Small multiples of the subsystem order degrees μ over the periods.

    One panel per entity, one line per subsystem, shared axes with μ on [0, 1]. The
    entities are those of ``[report] entities`` when given, else all of them; more than
    :data:`MAX_LINES` are sorted by their mean μ in the last period (written at the top
    right of each panel), highest first; more than :data:`MAX_PANELS` are summarised, one
    panel per subsystem, by the median and the interquartile and min–max bands of μ_j
    with the highest and lowest entities named (:func:`_band_chart`).

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

    Raises
    ------
    SpecError
        When ``[report] entities`` names an entity the data does not have.
    """
    style = _style(lang)
    periods = _period_labels(result)
    subsystems = _subsystem_labels(result)
    mu = result.mu
    last = _row_mean(mu[:, -1, :])
    shown = _pick(result, style, last, "what_mu", periods[-1])
    n = len(shown.idx)
    x = np.arange(len(periods))
    if n > MAX_PANELS:
        return _order_bands(result, style, shown, periods, subsystems)
    fig, axes, panel_w = _small_multiples(style, n, -0.1)
    ncols = axes.shape[1]
    sorted_ = n > MAX_LINES and not _report_entities(result)
    for k, ax in enumerate(axes.flat):
        if k >= n:
            ax.remove()
            continue
        i = int(shown.idx[k])
        _style_axes(ax, style)
        for j in range(mu.shape[2]):
            ax.plot(x, mu[i, :, j], linewidth=1.0, **_line_style(j))
        ax.set_ylim(0, 1)
        ax.set_yticks([0, 0.5, 1])
        ax.grid(axis="y", color="0.9", linewidth=0.5)
        ax.set_axisbelow(True)
        _period_ticks(ax, periods, style, panel_w)
        bottom = k + ncols >= n
        ax.tick_params(labelbottom=bottom, labelleft=k % ncols == 0)
        if bottom:  # the period name under each bottom panel (a figure-wide x label
            # would collide with the legend below the panels)
            ax.set_xlabel(result.spec.period, fontproperties=style.font(LABEL_PT))
        if len(result.entities) > 1:
            tag = f"{last[i]:.2f}" if sorted_ and np.isfinite(last[i]) else ""
            _panel_title(ax, style, result, i, tag, panel_w)
    _same_limits(list(axes.flat[:n]))
    handles = [
        Line2D([], [], linewidth=1.0, label=label, **_line_style(j))
        for j, label in enumerate(subsystems)
    ]
    note = shown.note
    if n == 1:
        axes[0, 0].set_ylabel(style.word("order_ylabel"), fontproperties=style.font(LABEL_PT))
        if len(result.entities) == 1 and result.spec.entity is not None:
            note = str(result.entities[0])
    else:
        fig.supylabel(style.word("order_ylabel"), fontproperties=style.font(LABEL_PT))
    _legend_below(fig, style, handles, 4)
    _title(fig, style, style.word("order_title"), note)
    return fig


def _order_bands(
    result: Result,
    style: _Style,
    shown: _Shown,
    periods: list[str],
    subsystems: list[str],
) -> Figure:
    """The order degree of many entities: one panel per subsystem, median and bands."""
    k = len(subsystems)
    ncols = 1 if k == 1 else 2 if k <= 4 else 3
    nrows = math.ceil(k / ncols)
    fig = _new_figure(DOUBLE_COLUMN_IN, 1.0 + 2.2 * nrows)
    axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False)
    names = [str(result.entities[i]) for i in shown.idx]
    x = np.arange(len(periods))
    panel_w = (DOUBLE_COLUMN_IN - 0.6) / ncols - 1.2
    handles: list[Any] = []
    for j, ax in enumerate(axes.flat):
        if j >= k:
            ax.remove()
            continue
        _style_axes(ax, style)
        ax.set_ylim(0, 1)
        ax.set_yticks([0, 0.5, 1])
        ax.grid(axis="y", color="0.9", linewidth=0.5)
        handles, _ = _band_chart(ax, style, x, result.mu[shown.idx, :, j], names, periods[-1])
        ax.set_title(
            subsystems[j], loc="left", fontproperties=style.font(LABEL_PT, weight="bold"), pad=3
        )
        _period_ticks(ax, periods, style, panel_w)
        bottom = j + ncols >= k
        ax.tick_params(labelbottom=bottom)
        if bottom:
            ax.set_xlabel(result.spec.period, fontproperties=style.font(LABEL_PT))
    fig.supylabel(style.word("order_ylabel"), fontproperties=style.font(LABEL_PT))
    _legend_below(fig, style, handles, 5)
    note = style.join(
        [
            shown.note if _report_entities(result) else "",
            style.word("band_note", n=len(shown.idx), k=EXTREMES, period=periods[-1]),
        ]
    )
    _title(fig, style, style.word("order_title"), note)
    return fig


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


@_figure
def figure_synergy_path(result: Result, lang: str = "en") -> Figure:
    """Synergy degree U of the entities over the compared periods.

    The entities are those of ``[report] entities`` when given, else all of them. Up to
    :data:`MAX_LINES` entities are drawn as lines in one plot; up to :data:`MAX_PANELS` as
    small multiples (one panel per entity, the others faint behind it, sorted by U of the
    last period, highest first, unless chosen); more as the median with the
    interquartile and min–max bands, the :data:`EXTREMES` highest and lowest named.

    Both scales of U are shown: faint horizontal lines mark the synergy level edges
    (dashed), the development stage edges (dotted) and the edges the two share (0.3 by
    default; dash-dot), and right of the plot a column names the level bands and one the
    stage bands, each with its own edges ruled. A solid line marks U = 0. The y range
    follows the data (with 0 and the next edge above the largest U), within [−1, 1].

    Parameters
    ----------
    result : Result
        A fitted model (:func:`cosyn.fit`).
    lang : {"en", "zh"}
        Language of titles, axis labels and stage names.

    Returns
    -------
    matplotlib.figure.Figure
        Double column wide (5 in for one entity).

    Raises
    ------
    SpecError
        When ``[report] entities`` names an entity the data does not have.
    """
    style = _style(lang)
    ticks, base_note = _compared_labels(result, style)
    values_all = result.synergy_values
    last_tick = ticks[-1] if ticks else ""
    shown = _pick(result, style, _last_finite(values_all), "what_u", last_tick)
    n = len(shown.idx)
    values = values_all[shown.idx]
    edges = sorted({*result.spec.levels.edges, *result.spec.stages.edges})
    lo, hi = _synergy_limits(values, edges)
    x = np.arange(len(ticks))
    marker: dict[str, Any] = {"marker": "o", "markersize": 2.5} if len(ticks) <= 15 else {}
    if MAX_LINES < n <= MAX_PANELS:
        return _synergy_panels(result, style, shown, ticks, base_note, lo, hi)
    width = 5.0 if n == 1 else DOUBLE_COLUMN_IN
    legend_rows = math.ceil((n + 3) / 4) if n <= MAX_LINES else 2
    fig = _new_figure(width, (3.0 if n == 1 else 3.4) + 0.15 * legend_rows)
    ax = fig.subplots()
    _style_axes(ax, style)
    ax.set_ylim(lo, hi)
    _synergy_edges(ax, result, lo, hi)
    names = [str(result.entities[i]) for i in shown.idx]
    note = shown.note
    if n > MAX_PANELS:
        handles, label_pt = _band_chart(ax, style, x.astype(float), values, names, last_tick)
        note = style.join(
            [
                shown.note if _report_entities(result) else "",
                style.word("band_note", n=n, k=EXTREMES, period=last_tick),
            ]
        )
    else:
        handles = []
        for k, name in enumerate(names):
            handles += ax.plot(
                x,
                values[k],
                linewidth=1.0,
                label=_fit(name, 1.9, LEGEND_PT),
                zorder=3,
                **marker,
                **_line_style(k),
            )
        label_pt = 0.0
    _synergy_scales(ax, result, style, lo, hi, start_pt=label_pt + 6)
    key = _edge_key(result, style, lo, hi)
    scales_w = 1.7 + label_pt / 72
    plot_w = width - 0.8 - scales_w
    _period_ticks(ax, ticks, style, plot_w)
    ax.set_xlabel(result.spec.period, fontproperties=style.font(LABEL_PT))
    ax.set_ylabel(style.word("synergy_ylabel"), fontproperties=style.font(LABEL_PT))
    # entities, then the kinds of reference line, below: the right holds the two scales
    _legend_below(fig, style, [*handles, *key], 4 if n <= MAX_LINES else 5)
    notes = [base_note, note]
    if len(result.entities) == 1 and result.spec.entity is not None:
        notes.append(str(result.entities[0]))
    _title(fig, style, style.word("path_title"), style.join(notes))
    return fig


def _synergy_panels(
    result: Result,
    style: _Style,
    shown: _Shown,
    ticks: list[str],
    base_note: str,
    lo: float,
    hi: float,
) -> Figure:
    """The synergy path of 9 to :data:`MAX_PANELS` entities as small multiples."""
    n = len(shown.idx)
    values = result.synergy_values[shown.idx]
    fig, axes, panel_w = _small_multiples(style, n, 0.15)
    ncols = axes.shape[1]
    x = np.arange(len(ticks))
    levels, stages = result.spec.levels.edges, result.spec.stages.edges
    yticks: list[float] = []
    for e in sorted({0.0, *(e for e in (*levels, *stages) if lo < e < hi)}):
        if not yticks or e - yticks[-1] >= 0.12 * (hi - lo):  # no two labels overlap
            yticks.append(e)
    last = _last_finite(values)
    for k, ax in enumerate(axes.flat):
        if k >= n:
            ax.remove()
            continue
        _style_axes(ax, style)
        _synergy_edges(ax, result, lo, hi, lw=0.45)
        others = [np.column_stack([x, values[o]]) for o in range(n) if o != k]
        ax.add_collection(  # the others, faint, for comparison (one artist: fast)
            LineCollection(others, colors="0.82", linewidths=0.5, zorder=2)
        )
        ax.plot(
            x,
            values[k],
            color=OKABE_ITO[0],
            linewidth=1.2,
            marker="o" if len(ticks) <= 15 else None,
            markersize=1.8,
            zorder=3,
        )
        ax.set_ylim(lo, hi)
        ax.set_yticks(yticks, [f"{t:g}" for t in yticks])
        _period_ticks(ax, ticks, style, panel_w)
        bottom = k + ncols >= n
        ax.tick_params(labelbottom=bottom, labelleft=k % ncols == 0)
        if bottom:
            ax.set_xlabel(result.spec.period, fontproperties=style.font(LABEL_PT))
        tag = f"{last[k]:.2f}".replace("-", "−") if np.isfinite(last[k]) else "—"
        _panel_title(ax, style, result, int(shown.idx[k]), tag, panel_w)
    _same_limits(list(axes.flat[:n]))
    fig.supylabel(style.word("synergy_ylabel"), fontproperties=style.font(LABEL_PT))
    handles = [
        Line2D([], [], color=OKABE_ITO[0], linewidth=1.2, label=style.word("this_entity")),
        Line2D([], [], color="0.82", linewidth=0.8, label=style.word("other_entities")),
        *_edge_key(result, style, lo, hi),
    ]
    _legend_below(fig, style, handles, 5)
    _title(fig, style, style.word("path_title"), style.join([base_note, shown.note]))
    return fig


@_figure
def figure_synergy_heatmap(result: Result, lang: str = "en") -> Figure:
    """Heat map of the synergy degree U, entities × compared periods.

    A diverging colour map ("RdBu": red U < 0, white U = 0, blue U > 0) on the fixed
    range [−1, 1], so colours compare across figures. Cells carry their value when the
    map is small enough to read (at most 20 rows and 16 columns). The rows are the
    entities of ``[report] entities`` when given, else all of them in data order; more
    than :data:`MAX_HEATMAP_ROWS` rows do not read, so then the highest and lowest halves
    by U of the last period are drawn, split by a black rule, and the title says so.

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

    Raises
    ------
    SpecError
        When ``[report] entities`` names an entity the data does not have.
    """
    style = _style(lang)
    ticks, base_note = _compared_labels(result, style)
    picked = _pick(
        result,
        style,
        _last_finite(result.synergy_values),
        "what_u",
        ticks[-1] if ticks else "",
        sort_above=MAX_HEATMAP_ROWS,
        limit=MAX_HEATMAP_ROWS,
    )
    shown = len(picked.idx)
    values = np.ma.masked_invalid(result.synergy_values[picked.idx])
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
    row_labels = _entity_labels(result, picked.idx)
    ax.set_yticks(np.arange(shown) + 0.5, row_labels, fontproperties=style.font(TICK_PT))
    ax.tick_params(length=0)
    if picked.split:
        ax.axhline(picked.split, color="0.05", linewidth=1.6, zorder=4)
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
    notes = [base_note, picked.note]
    _title(fig, style, style.word("heatmap_title"), style.join(notes))
    return fig


@_figure
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
    labels = [_indicator_labels(s.indicators, 1.6, TICK_PT) for s in spec.subsystems]
    rows = sum(max(0.2, 0.15 * (t.count("\n") + 1)) for sub in labels for t in sub)
    fig = _new_figure(SINGLE_COLUMN_IN, 1.0 + rows + 0.32 * len(sizes))
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
        ax.set_yticks(y, labels[j], fontproperties=style.font(TICK_PT))
        ax.set_ylim(idx.size - 0.5, -0.5)
        ax.tick_params(axis="y", length=0)
        ax.set_xlim(0, xmax)
        ax.set_title(
            sub.label or sub.name,
            loc="left",
            fontproperties=style.font(LABEL_PT, weight="bold"),
            pad=2,
        )
    # centred on the figure, not on the axes (which the indicator names push right):
    # the label is about as wide as the figure
    xlabel = "\n".join(_lines(style.word("weights_xlabel"), SINGLE_COLUMN_IN - 0.4, LABEL_PT))
    fig.supxlabel(xlabel, fontproperties=style.font(LABEL_PT))
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
    if shown == 1:
        ncols = 1
    elif shown <= 4:
        ncols = 2
    elif shown <= 9:
        ncols = 3
    elif shown <= 16:
        ncols = 4
    elif shown <= 30:
        ncols = 5
    else:
        ncols = 6
    width = SINGLE_COLUMN_IN if shown == 1 else DOUBLE_COLUMN_IN
    panel_h = 2.2 if shown == 1 else 1.55 if ncols <= 2 else 1.3 if ncols <= 4 else 1.1
    return ncols, math.ceil(shown / ncols), width, panel_h


def _band_chart(
    ax: Axes,
    style: _Style,
    x: NDArray[Any],
    values: NDArray[np.float64],
    names: Sequence[str],
    period: str,
    *,
    named: bool = True,
) -> tuple[list[Any], float]:
    """Many entities' series as the median with interquartile and min–max bands, the
    :data:`EXTREMES` highest and lowest in the last period drawn and named at the right.

    Percentiles per column over the finite values only (a column without any is left
    empty). Returns the legend handles and the width in points of the name column.
    """
    X = values.shape[1]
    stats = np.full((5, X), np.nan)
    for c in range(X):
        col = values[:, c]
        col = col[np.isfinite(col)]
        if col.size:
            stats[:, c] = np.percentile(col, [0, 25, 50, 75, 100])
    color = OKABE_ITO[0]
    ax.fill_between(x, stats[0], stats[4], color=color, alpha=0.12, linewidth=0, zorder=1)
    ax.fill_between(x, stats[1], stats[3], color=color, alpha=0.28, linewidth=0, zorder=1)
    ax.plot(x, stats[2], color=color, linewidth=1.6, zorder=4)
    handles: list[Any] = [
        Line2D([], [], color=color, linewidth=1.6, label=style.word("band_median")),
        Patch(facecolor=color, alpha=0.28 + 0.12, linewidth=0, label=style.word("band_iqr")),
        Patch(facecolor=color, alpha=0.12, linewidth=0, label=style.word("band_range")),
    ]
    if not named:
        return handles, 0.0
    last = _last_finite(values)
    ok = np.flatnonzero(np.isfinite(last))
    ranked = ok[np.argsort(-last[ok], kind="stable")]
    k = min(EXTREMES, ranked.size // 2)
    high, low = ranked[:k], ranked[ranked.size - k :] if k else ranked[:0]
    ends: list[tuple[float, str, str]] = []
    for rank, (rows, color_of) in enumerate(((high, OKABE_ITO[1]), (low, OKABE_ITO[2]))):
        for r in rows:
            ax.plot(
                x,
                values[r],
                color=color_of,
                linewidth=0.8,
                linestyle="-" if rank == 0 else (0, (3, 1.5)),
                zorder=3,
            )
            ends.append((float(last[r]), _fit(names[r], 1.3, TICK_PT), color_of))
    handles += [
        Line2D([], [], color=OKABE_ITO[1], lw=0.8, label=style.word("band_high", period=period)),
        Line2D(
            [],
            [],
            color=OKABE_ITO[2],
            lw=0.8,
            linestyle=(0, (3, 1.5)),
            label=style.word("band_low", period=period),
        ),
    ]
    return handles, _end_labels(ax, style, ends)


def _end_labels(ax: Axes, style: _Style, ends: Sequence[tuple[float, str, str]]) -> float:
    """Names at the right of the axes at the height of their line's last value, moved
    apart so that none overlap (after the y limits are set). Returns the column width
    in points."""
    if not ends:
        return 0.0
    lo, hi = ax.get_ylim()
    gap = (hi - lo) * 0.065
    order = sorted(ends, key=lambda e: e[0])
    ys = [min(max(y, lo), hi) for y, _, _ in order]
    for i in range(1, len(ys)):  # push up, then pull back below the top
        ys[i] = max(ys[i], ys[i - 1] + gap)
    over = ys[-1] - hi
    if over > 0:
        ys = [y - over for y in ys]
        for i in range(len(ys) - 2, -1, -1):
            ys[i] = min(ys[i], ys[i + 1] - gap)
    trans = offset_copy(ax.get_yaxis_transform(), fig=_root(ax), x=3, units="points")
    for y, (_, name, color) in zip(ys, order, strict=True):
        ax.text(
            1.0,
            y,
            name,
            transform=trans,
            va="center",
            ha="left",
            color=color,
            fontproperties=style.font(TICK_PT),
            clip_on=False,
        )
    return 6 + 72 * max(_text_width(name, TICK_PT) for _, name, _ in order)


def _root(ax: Axes) -> Figure:
    """The figure ``ax`` is drawn on (the figures here have no subfigures)."""
    return cast(Figure, ax.figure)


def _edge_kind(e: float, levels: Sequence[float], stages: Sequence[float]) -> str:
    return "shared" if e in levels and e in stages else "level" if e in levels else "stage"


_EDGE_DASH: dict[str, Any] = {
    "level": (0, (4, 2)),
    "stage": (0, (1, 1.5)),
    "shared": "-.",
}


def _synergy_edges(ax: Axes, result: Result, lo: float, hi: float, lw: float = 0.55) -> None:
    """The zero line and the level (dashed), stage (dotted) and shared (dash-dot)
    edges inside ``(lo, hi)`` across ``ax``."""
    levels, stages = result.spec.levels.edges, result.spec.stages.edges
    ax.axhline(0.0, color="0.15", linewidth=0.7, zorder=1)
    for e in sorted({*levels, *stages}):
        if lo < e < hi and e != 0:
            kind = _edge_kind(e, levels, stages)
            ax.axhline(e, color=REFERENCE_GREY, linewidth=lw, linestyle=_EDGE_DASH[kind], zorder=0)


def _edge_key(result: Result, style: _Style, lo: float, hi: float) -> list[Line2D]:
    """Legend entries for the kinds of edge drawn between ``lo`` and ``hi``."""
    levels, stages = result.spec.levels.edges, result.spec.stages.edges
    kinds = {_edge_kind(e, levels, stages) for e in {*levels, *stages} if lo < e < hi and e != 0}
    words = {"level": "level_edge", "stage": "stage_edge", "shared": "shared_edges"}
    return [
        Line2D([], [], color=REFERENCE_GREY, lw=0.6, linestyle=_EDGE_DASH[k], label=style.word(w))
        for k, w in words.items()
        if k in kinds
    ]


def _synergy_scales(
    ax: Axes, result: Result, style: _Style, lo: float, hi: float, start_pt: float = 4.0
) -> None:
    """Both scales of U named right of the axes, ``start_pt`` points from its edge: a
    column of synergy levels and one of development stages, each band named at the
    middle of its visible part and each edge of the scale marked by a rule across its
    column — so an edge shared by both scales (0.3 by default) is marked in both."""
    fig = _root(ax)
    trans = ax.get_yaxis_transform()
    x0 = start_pt
    scales = (
        ("level_col", result.spec.levels.edges, level_names(result, style.lang)),
        ("stage_col", result.spec.stages.edges, stage_names(result, style.lang)),
    )
    for key, edges, names in scales:
        header = style.word(key)
        width = 72 * max(_text_width(t, TICK_PT) for t in (header, *names)) + 4
        at = offset_copy(trans, fig=fig, x=x0, units="points")
        ax.text(
            1.0,
            hi,
            header,
            transform=at,
            va="bottom",
            ha="left",
            color="0.2",
            fontproperties=style.font(TICK_PT, weight="bold"),
            clip_on=False,
        )
        _name_bands(ax, style, [-1.0, *edges, 1.0], names, lo, hi, transform=at, thinnest=0.06)
        for e in edges:
            if lo < e < hi:
                ax.annotate(
                    "",
                    xy=(1.0, e),
                    xycoords=at,
                    xytext=(width - 4, 0),
                    textcoords="offset points",
                    arrowprops={
                        "arrowstyle": "-",
                        "color": REFERENCE_GREY,
                        "lw": 0.6,
                        "shrinkA": 0,
                        "shrinkB": 0,
                    },
                    annotation_clip=False,
                )
        x0 += width + 6


def _name_bands(
    ax: Axes,
    style: _Style,
    bounds: Sequence[float],
    names: Sequence[str],
    lo: float,
    hi: float,
    offset_pt: float = 3.0,
    *,
    transform: Any = None,
    thinnest: float = 0.07,
) -> None:
    """Each band ``(bounds[i], bounds[i+1]]`` named at the right of the axes, ``offset_pt``
    points from it (or at x = 1 of ``transform``), at the middle of its visible part
    (bands thinner than ``thinnest`` of the y range are left unnamed)."""
    trans = transform or offset_copy(
        ax.get_yaxis_transform(), fig=_root(ax), x=offset_pt, units="points"
    )
    for name, (a, b) in zip(names, itertools.pairwise(bounds), strict=False):
        top, bottom = min(b, hi), max(a, lo)
        if top - bottom < thinnest * (hi - lo):  # too thin a sliver to name
            continue
        ax.text(
            1.0,
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


@_figure
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
    labels = [_indicator_labels(s.indicators, 1.45, TICK_PT) for s in spec.subsystems]
    rows = sum(max(0.2, 0.15 * (t.count("\n") + 1)) for sub in labels for t in sub)
    fig = _new_figure(SINGLE_COLUMN_IN, 1.25 + rows + 0.32 * len(sizes))
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
        ax.set_yticks(y, labels[j], fontproperties=style.font(TICK_PT))
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


@_figure
def figure_coupling(result: Result, lang: str = "en") -> Figure:
    """Coupling coordination degree D (top) and coupling degree C (bottom) by period.

    The entities are those of ``[report] entities`` when given, else all of them. Up to
    :data:`MAX_LINES` entities: one line per entity, styled as in
    :func:`figure_synergy_path`; faint dashed lines mark the edges of the ten
    coordination levels of D (0.1, 0.2, …) and dotted ones the four coupling stages of C
    (0.3, 0.5, 0.8), each band named at the right; the y ranges run from the band edge
    below the data to the band edge above it, within [0, 1]. Up to :data:`MAX_PANELS`
    entities: small multiples of D and C, sorted by D of the last period (unless chosen).
    More: the median with the interquartile and min–max bands of D and of C, the
    :data:`EXTREMES` highest and lowest D named.

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
        When the coupling coordination degree was not asked for, or ``[report]
        entities`` names an entity the data does not have.
    """
    style = _style(lang)
    c, _, d = _diagnostics(result, "coupling").coupling or (None, None, None)
    assert c is not None and d is not None
    periods = _period_labels(result)
    shown = _pick(result, style, _last_finite(d), "what_d", periods[-1])
    n = len(shown.idx)
    method = str(result.spec.diagnostics.coupling)
    head = [
        _WORDS[lang].get(f"coupling_{method}", method),
        style.word("coupling_subsystems", k=len(result.subsystems)),
    ]
    if MAX_LINES < n <= MAX_PANELS:
        return _coupling_panels(result, style, shown, c, d, periods, head)
    width = SINGLE_COLUMN_IN if n == 1 else DOUBLE_COLUMN_IN
    many = n > MAX_PANELS
    names = [str(result.entities[i]) for i in shown.idx]
    fig = _new_figure(width, 3.9 if n == 1 else 4.8)
    ax_d, ax_c = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    x = np.arange(len(periods))
    marker: dict[str, Any] = {"marker": "o", "markersize": 2.5} if len(periods) <= 15 else {}
    D, C = d[shown.idx], c[shown.idx]
    lo_d, hi_d = _unit_limits(D, result.spec.diagnostics.coupling_levels.edges)
    lo_c, hi_c = _unit_limits(C, result.spec.diagnostics.coupling_stages.edges)
    ax_d.set_ylim(lo_d, hi_d)
    ax_c.set_ylim(lo_c, hi_c)
    handles: list[Any] = []
    label_pt = 0.0
    if many:
        handles, label_pt = _band_chart(ax_d, style, x.astype(float), D, names, periods[-1])
        _band_chart(ax_c, style, x.astype(float), C, names, periods[-1], named=False)
    else:
        for k, name in enumerate(names):
            handles += ax_d.plot(
                x,
                D[k],
                linewidth=1.0,
                label=_fit(name, 1.9, LEGEND_PT),
                zorder=3,
                **marker,
                **_line_style(k),
            )
            ax_c.plot(x, C[k], linewidth=1.0, zorder=3, **marker, **_line_style(k))
    zh = lang == "zh"
    panels = (
        (
            ax_d,
            result.spec.diagnostics.coupling_levels.edges,
            coupling_level_names(result, "zh" if zh else "en"),
            "coupling_d",
            (0, (4, 2)),
            label_pt,
        ),
        (
            ax_c,
            result.spec.diagnostics.coupling_stages.edges,
            coupling_stage_names(result, "zh" if zh else "en"),
            "coupling_c",
            (0, (1, 1.5)),
            0.0,
        ),
    )
    for ax, edges, band_names, label, dash, offset in panels:
        _style_axes(ax, style)
        lo, hi = ax.get_ylim()
        for e in edges:
            if lo < e < hi:
                ax.axhline(e, color=REFERENCE_GREY, linewidth=0.5, linestyle=dash, zorder=0)
        _name_bands(ax, style, [-np.inf, *edges, np.inf], band_names, lo, hi, offset + 3)
        ax.set_ylabel(style.word(label), fontproperties=style.font(LABEL_PT))
    legend_w = 0.0 if n == 1 or many else max(_text_width(t, LEGEND_PT) for t in names[:n]) + 0.4
    plot_w = width - 1.9 - label_pt / 72 - max(legend_w, 0.0 if n == 1 else 1.6)
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
    if 1 < n <= MAX_LINES:
        fig.legend(
            handles=[*handles, *key],
            loc="outside right upper",
            ncols=1,
            frameon=False,
            prop=style.font(LEGEND_PT),
            handlelength=2.2,
        )
    else:
        _legend_below(fig, style, [*handles, *key], 4)
    note = shown.note
    if many:
        note = style.join(
            [
                shown.note if _report_entities(result) else "",
                style.word("band_note", n=n, k=EXTREMES, period=periods[-1]),
            ]
        )
    notes = [*head, note]
    if len(result.entities) == 1 and result.spec.entity is not None:
        notes.append(str(result.entities[0]))
    _title(fig, style, style.word("coupling_title"), style.join(notes), legend_w)
    return fig


def _coupling_panels(
    result: Result,
    style: _Style,
    shown: _Shown,
    c: NDArray[np.float64],
    d: NDArray[np.float64],
    periods: list[str],
    head: list[str],
) -> Figure:
    """D and C of 9 to :data:`MAX_PANELS` entities as small multiples (y on [0, 1])."""
    n = len(shown.idx)
    fig, axes, panel_w = _small_multiples(style, n, 0.15)
    ncols = axes.shape[1]
    x = np.arange(len(periods))
    for k, ax in enumerate(axes.flat):
        if k >= n:
            ax.remove()
            continue
        i = int(shown.idx[k])
        _style_axes(ax, style)
        ax.grid(axis="y", color="0.9", linewidth=0.5)
        ax.set_axisbelow(True)
        ax.plot(x, c[i], color=OKABE_ITO[3], linewidth=0.8, linestyle=(0, (1, 1)), zorder=2)
        ax.plot(x, d[i], color=OKABE_ITO[0], linewidth=1.2, zorder=3)
        ax.set_ylim(0, 1)
        ax.set_yticks([0, 0.5, 1])
        _period_ticks(ax, periods, style, panel_w)
        bottom = k + ncols >= n
        ax.tick_params(labelbottom=bottom, labelleft=k % ncols == 0)
        if bottom:
            ax.set_xlabel(result.spec.period, fontproperties=style.font(LABEL_PT))
        tag = f"D {d[i, -1]:.2f}" if np.isfinite(d[i, -1]) else "—"
        _panel_title(ax, style, result, i, tag, panel_w)
    _same_limits(list(axes.flat[:n]))
    fig.supylabel(style.word("coupling_dc"), fontproperties=style.font(LABEL_PT))
    handles = [
        Line2D([], [], color=OKABE_ITO[0], linewidth=1.2, label=style.word("coupling_d")),
        Line2D(
            [],
            [],
            color=OKABE_ITO[3],
            linewidth=0.8,
            linestyle=(0, (1, 1)),
            label=style.word("coupling_c"),
        ),
    ]
    _legend_below(fig, style, handles, 2)
    _title(fig, style, style.word("coupling_title"), style.join([*head, shown.note]))
    return fig


@_figure
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
    last_period = _period_labels(result)[-1]
    ticks, _ = _compared_labels(result, style)
    picked = _pick(
        result,
        style,
        _last_finite(result.synergy_values),
        "what_u",
        ticks[-1] if ticks else last_period,
        sort_above=MAX_HEATMAP_ROWS,
        limit=MAX_HEATMAP_ROWS,
    )
    shown = len(picked.idx)
    shares = shares_all[picked.idx, -1, :]
    n_top = result.spec.diagnostics.obstacles
    spec = result.spec
    n_cols = shares.shape[1]
    parts = [_indicator_text(ind.column, ind.label, ind.unit) for ind in spec.indicators]
    row_labels = _entity_labels(result, picked.idx)
    label_w = max((_text_width(r, TICK_PT) for r in row_labels), default=0.3)
    plot_w = DOUBLE_COLUMN_IN - label_w - 1.3
    # column labels: horizontal (wrapped onto two lines) when they fit, else at 45°;
    # a name is cut before its unit is
    cell_w = plot_w / max(n_cols, 1) - 0.08
    wrapped = [_name_with_unit(name, unit, cell_w, TICK_PT, 3) for name, unit in parts]
    rotate = any("…" in w for w in wrapped) or cell_w < 0.3
    if rotate:
        col_labels = [_one_line(name, unit, 1.8, TICK_PT) for name, unit in parts]
        col_h = max(_text_width(t, TICK_PT) for t in col_labels) * 0.72
    else:
        col_labels = wrapped
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
    if picked.split:
        ax.axhline(picked.split, color="0.05", linewidth=1.6, zorder=6)
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
    notes = [style.word("obstacles_top", n=n_top) if n_top else "", picked.note]
    _title(fig, style, style.word("obstacles_title", period=last_period), style.join(notes))
    return fig


def _small_multiples(style: _Style, shown: int, extra_h: float = 0.0) -> tuple[Figure, Any, float]:
    """A figure of ``shown`` panels.

    The panels do not share their axes (sharing makes every limit change visit every
    panel — slow for 48 panels); :func:`_same_limits` gives them the same limits once
    drawn. Returns the figure, its axes (rows × columns) and the (estimated) width of
    one panel in inches.
    """
    ncols, nrows, width, panel_h = _grid_shape(shown)
    fig = _new_figure(width, 0.85 + extra_h + nrows * panel_h)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, axes, (width - 0.6) / ncols


def _same_limits(axes: Sequence[Axes]) -> None:
    """Give every panel the union of the panels' x and y limits."""
    if not axes:
        return
    xs = np.asarray([ax.get_xlim() for ax in axes])
    ys = np.asarray([ax.get_ylim() for ax in axes])
    for ax in axes:
        ax.set_xlim(xs[:, 0].min(), xs[:, 1].max())
        ax.set_ylim(ys[:, 0].min(), ys[:, 1].max())


def _panel_title(ax: Axes, style: _Style, result: Result, i: int, tag: str, panel_w: float) -> None:
    """Entity ``i``'s name at the left above a panel, ``tag`` at the right.

    Narrow panels (many entities) take 7 pt names; a name that does not fit beside the
    tag goes on a line above it, and is cut with "…" only when wider than the panel. The
    name is left out when the data has a single entity and no entity column."""
    ax.set_title(tag, loc="right", fontproperties=style.font(TICK_PT), color="0.3", pad=3)
    if len(result.entities) > 1 or result.spec.entity is not None:
        size = LABEL_PT if panel_w >= 1.5 else TICK_PT
        full = str(result.entities[i])
        room = panel_w - 0.15 - (_text_width(tag, TICK_PT) + 0.05 if tag else 0.0)
        if _text_width(full, size) <= room:
            name = full
        else:  # above the tag (a trailing empty line keeps it there)
            name = _fit(full, panel_w - 0.1, size) + ("\n" if tag else "")
        ax.set_title(name, loc="left", fontproperties=style.font(size), pad=3)


@_figure
def figure_forecast(result: Result, lang: str = "en") -> Figure:
    """GM(1,1) fit and forecast of each entity's synergy path, one panel per entity.

    Each panel shows the observed synergy degree U over the compared periods (dots),
    the GM(1,1) fitted values (solid) and the forecast beyond the last period (dashed,
    right of a faint vertical line); the panel title carries the entity and the accuracy
    grade of its fit (good, qualified, barely, unqualified — METHOD.md §7). A series that
    failed the level-ratio test was fitted after a shift: its fit and forecast are drawn
    dash-dotted in another colour, named so in the legend, and its grade is starred.
    GM(1,1) values beyond U's range [−1, 1] were clipped to it by the fit; they are
    drawn at the bound as ▲ (above 1) or ▼ (below −1) and the legend and title say so —
    the forecast is never drawn beyond [−1, 1]. Series that could not be fitted (too
    short or flat) show the observed path only, titled "not fitted".

    The entities are those of ``[report] entities`` when given, else all of them (more
    than :data:`MAX_LINES` sorted by the last observed U, highest first); more than
    :data:`MAX_PANELS`: the highest and lowest 24, as the title says.

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
        When the forecast was not asked for, or ``[report] entities`` names an entity the
        data does not have.
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
    observed = result.synergy_values
    picked = _pick(
        result,
        style,
        _last_finite(observed),
        "what_u",
        ticks[-1] if ticks else "",
        limit=MAX_PANELS,
    )
    shown = len(picked.idx)
    fig, axes, panel_w = _small_multiples(style, shown, 0.3)
    marker = 2.5 if P <= 15 else 1.5
    shifted_any = clipped_any = passed_any = False
    lo_u, hi_u = SYNERGY_BOUNDS
    for k, ax in enumerate(axes.flat):
        if k >= shown:
            ax.remove()
            continue
        i = int(picked.idx[k])
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
            ok = bool(fc.synergy.level_ratio_ok[r])
            color = OKABE_ITO[1] if ok else OKABE_ITO[4]
            fit_style = "-" if ok else "-."
            ahead_style = (0, (3, 1.5)) if ok else "-."
            fitted = np.asarray(fc.synergy.fitted[r], dtype=float)
            ahead = np.asarray([fitted[-1], *fc.synergy.forecast[r]], dtype=float)
            ax.plot(x, fitted, color=color, linewidth=1.0, linestyle=fit_style, zorder=2)
            ax.plot(xf, ahead, color=color, linewidth=1.0, linestyle=ahead_style, zorder=2)
            clipped = fc.synergy_clipped
            if clipped is not None and clipped[r].any():
                values = np.concatenate([fitted, ahead[1:]])
                xs = np.arange(values.size)
                for bound, mark in ((hi_u, "^"), (lo_u, "v")):
                    at = clipped[r] & np.isclose(values, bound)
                    if at.any():
                        ax.plot(
                            xs[at],
                            values[at],
                            linestyle="none",
                            marker=mark,
                            markersize=3.5,
                            markerfacecolor="white",
                            markeredgecolor=color,
                            markeredgewidth=0.8,
                            zorder=4,
                            clip_on=False,
                        )
                clipped_any = True
            grade = _grade_text(int(fc.synergy.grade[r]), lang)
            if not ok:
                grade += "*"
                shifted_any = True
            else:
                passed_any = True
        if future:
            ax.axvline(P - 0.5, color=REFERENCE_GREY, linewidth=0.5, linestyle=(0, (1, 1.5)))
        _period_ticks(ax, labels, style, panel_w)
        bottom = k + axes.shape[1] >= shown
        ax.tick_params(labelbottom=bottom, labelleft=k % axes.shape[1] == 0)
        if bottom:
            ax.set_xlabel(result.spec.period, fontproperties=style.font(LABEL_PT))
        _panel_title(ax, style, result, i, grade, panel_w)
    ax0 = axes.flat[0]
    used = list(axes.flat[:shown])
    _same_limits(used)
    # U lies in [−1, 1] and GM(1,1) values beyond it were clipped to it (marked)
    lo, hi = ax0.get_ylim()
    lo, hi = max(lo, -1.05), min(hi, 1.05)
    for ax in used:
        ax.set_ylim(lo, hi)
    if lo < 0 < hi:
        for ax in axes.flat[:shown]:
            ax.axhline(0.0, color="0.15", linewidth=0.6, zorder=1)
    handles: list[Any] = [
        Line2D(
            [],
            [],
            linestyle="none",
            marker="o",
            markersize=3,
            color=OKABE_ITO[0],
            label=style.word("forecast_observed"),
        ),
    ]
    if passed_any or not shifted_any:
        handles += [
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
    if shifted_any:
        handles.append(
            Line2D(
                [],
                [],
                color=OKABE_ITO[4],
                linewidth=1.0,
                linestyle="-.",
                label=style.word("forecast_failed"),
            )
        )
    if clipped_any:
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                marker="^",
                markersize=3.5,
                markerfacecolor="white",
                markeredgecolor="0.3",
                label=style.word("forecast_clipped"),
            )
        )
    _legend_below(fig, style, handles, 3)
    if shown == 1:
        ax0.set_ylabel(style.word("synergy_ylabel"), fontproperties=style.font(LABEL_PT))
    else:
        fig.supylabel(style.word("synergy_ylabel"), fontproperties=style.font(LABEL_PT))
    ahead_note = (
        style.word("forecast_ahead", h=fc.horizon)
        if fc.horizon != 1
        else style.word("forecast_one_ahead")
    )
    notes = [
        base_note,
        ahead_note,
        style.word("forecast_shifted") if shifted_any else "",
        style.word("forecast_clipped_note") if clipped_any else "",
        picked.note,
    ]
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


@_figure
def figure_robustness(result: Result, lang: str = "en") -> Figure:
    """Robustness of the synergy degree: the point U in its 5–95 % band, per entity.

    One panel per entity (chosen and ordered as in :func:`figure_forecast`): the shaded
    band spans the 5th to
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
    picked = _pick(
        result,
        style,
        _last_finite(band["synergy"]),
        "what_u",
        ticks[-1] if ticks else "",
        limit=MAX_PANELS,
    )
    shown = len(picked.idx)
    fig, axes, panel_w = _small_multiples(style, shown, 0.15)
    for key in band:
        band[key] = band[key][picked.idx]
    values = np.concatenate([band[k] for k in ("synergy", "p5", "p95")], axis=None)
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
        _panel_title(ax, style, result, int(picked.idx[i]), share, panel_w)
    _same_limits(list(axes.flat[:shown]))
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
    notes.append(picked.note)
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
    with _quiet_glyphs():
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue().decode("utf-8")


def png_bytes(fig: Figure, dpi: int = 300) -> bytes:
    """The figure as PNG bytes at ``dpi`` dots per inch (recorded in the file)."""
    buf = io.BytesIO()
    with _quiet_glyphs():
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
                with atomic_path(target) as tmp, _quiet_glyphs():
                    meta = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}.get(fmt)
                    fig.savefig(tmp, format=fmt, dpi=dpi, metadata=meta)
                paths.append(target)
            written[name] = paths
        finally:
            fig.clear()
    return written

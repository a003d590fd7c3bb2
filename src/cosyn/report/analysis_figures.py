"""Figures of the spatio-temporal analysis (SPATIAL.md): Dagum decomposition, group Gini,
Theil decomposition, σ- and β-convergence, kernel density ridgeline, Moran's I, Moran
scatter plot, LISA and level maps, Markov and spatial Markov transition matrices.

Each figure is drawn from the tables of an :class:`~cosyn.analysis.AnalysisResult` for
one series at a time, in the look of :mod:`cosyn.report.figures` (same sizes, fonts, CJK
handling and colours; parts of a stack hatched and lines marked so that they differ in
black-and-white print). A figure whose table is empty is left out.

Maps: when ``[analysis] weights`` is a geometry file (GeoJSON, Shapefile, GeoPackage), the
LISA and level maps are choropleths of its regions, matched to the entities by the same
name column as the spatial weights; otherwise, when every entity is one of China's 31
mainland provincial-level divisions (:func:`cosyn.datasets.match_provinces`), they are
drawn on a tile grid of the provinces; for other entities there is no map (the tables
give the clusters and classes)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from cosyn.errors import DataError
from cosyn.report.figures import (
    DOUBLE_COLUMN_IN,
    LABEL_PT,
    LEGEND_PT,
    OKABE_ITO,
    REFERENCE_GREY,
    SINGLE_COLUMN_IN,
    TICK_PT,
    _fit,
    _legend_below,
    _line_style,
    _new_figure,
    _period_ticks,
    _Style,
    _style,
    _style_axes,
    _text_width,
    _title,
    _warn_missing_cjk,
)
from cosyn.report.text import period_text

__all__ = [
    "ANALYSIS_FIGURES",
    "LISA_COLOURS",
    "analysis_figure_names",
    "render_analysis_figures",
]

#: Names of the figures, in drawing order.
ANALYSIS_FIGURES: tuple[str, ...] = (
    "analysis_gini",
    "analysis_gini_groups",
    "analysis_theil",
    "analysis_sigma",
    "analysis_beta",
    "analysis_density",
    "analysis_moran",
    "analysis_moran_scatter",
    "analysis_lisa_map",
    "analysis_level_map",
    "analysis_level_maps",
    "analysis_markov",
    "analysis_spatial_markov",
)
#: LISA cluster colours (GeoDa's convention).
LISA_COLOURS: dict[str, str] = {
    "HH": "#D7191C",
    "LL": "#2C7BB6",
    "LH": "#ABD9E9",
    "HL": "#F4A6B8",
    "not significant": "#E0E0E0",
}

#: Hatches of the clusters whose colours are alike in grey print: the two outliers (light)
#: and LL against HH (dark).
_LISA_HATCHES: dict[str, str] = {
    LISA_COLOURS["LH"]: "//",
    LISA_COLOURS["HL"]: "\\\\",
    LISA_COLOURS["LL"]: "..",
}

_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "gini_title": "Dagum Gini decomposition of {series}",
        "gini_ylabel": "Gini coefficient",
        "Gw": "within groups G_w",
        "Gnb": "between groups G_nb",
        "Gt": "transvariation G_t",
        "G": "total G",
        "share": "{pct:.0f}% of G on average",
        "groups_title": "Within- and between-group Gini of {series}",
        "within": "within group G_jj",
        "between": "between groups G_jh",
        "density_title": "Kernel density of {series} by period",
        "density_sub": "Gaussian kernel, bandwidth {h}; {n} periods",
        "density_ylabel": "period",
        "density_own": "each curve scaled to its own peak (heights in the table)",
        "moran_title": "Global Moran's I of {series}",
        "moran_sub": "filled: p_sim < {alpha:g} ({perm} permutations); open: not significant",
        "moran_sub0": "normal approximation: filled where p < {alpha:g}",
        "moran_ylabel": "Moran's I",
        "scatter_title": "Moran scatter plot of {series}, {period}",
        "scatter_sub": "I = {I:.3f}; named: LISA p_sim < {alpha:g} ({perm} permutations)",
        "scatter_x": "standardized value z",
        "scatter_y": "spatial lag of z",
        "lisa_title": "LISA clusters of {series}, {period}",
        "lisa_sub": "p_sim < {alpha:g}, {perm} permutations",
        "level_title": "{series} by province, {period}",
        "region_title": "{series} by region, {period}",
        "levels_title": "{series} by province in {periods}",
        "regions_title": "{series} by region in {periods}",
        "pooled_sub": "{k} quantile classes of all periods pooled (the Markov classes)",
        "level_sub": "{k} level classes of the series' scale",
        "quantile_sub": "{k} quantile classes of this period",
        "not significant": "not significant",
        "period": "period",
        "missing": "no value",
        "theil_title": "Theil index of {series}: within and between groups",
        "theil_ylabel": "Theil index T",
        "Tw": "within groups T_w",
        "Tb": "between groups T_b",
        "T": "total T",
        "tshare": "{pct:.0f}% of T on average",
        "sigma_title": "σ-convergence of {series}",
        "sigma_sub": "CV = sd / mean across the entities of each period",
        "sigma_ylabel": "coefficient of variation",
        "whole": "all entities",
        "beta_title": "Absolute β-convergence of {series}, {first}–{last}",
        "beta_sub": "OLS of g_i = (1/T)·ln(y_iT / y_i0) on ln y_i0, T = {span:g}",
        "beta_x": "ln {series}, {first}",
        "beta_y": "average growth rate g, {first}–{last}",
        "beta_fit": "fit: β = {beta} (SE {se}), {p}",
        "beta_speed": "speed of convergence {speed} per period",
        "beta_r2": "R² = {r2:.3f}, n = {n}",
        "entities": "entities",
        "markov_title": "Markov transition probabilities of {series}",
        "markov_sub": (
            "pooled over {n} transitions between consecutive periods; "
            "cell: probability (count); grey: no transition from the class"
        ),
        "markov_from": "class in period t",
        "markov_to": "class in period t + 1",
        "smarkov_title": "Spatial Markov transition probabilities of {series}",
        "smarkov_sub": (
            "by the class of the neighbours' spatial lag at t; cell: probability; "
            "grey: no transition; homogeneity: Q = {Q:.2f} (p = {Qp:.3f}), "
            "LR = {LR:.2f} (p = {LRp:.3f})"
        ),
        "lag_panel": "neighbours' lag {lag} (n = {n})",
        "never": "no transition",
    },
    "zh": {
        "gini_title": "{series} 的 Dagum 基尼系数分解",
        "gini_ylabel": "基尼系数",
        "Gw": "组内差异 G_w",
        "Gnb": "组间净差异 G_nb",
        "Gt": "超变密度 G_t",
        "G": "总体 G",
        "share": "平均占 G 的 {pct:.0f}%",
        "groups_title": "{series} 的组内与组间基尼系数",
        "within": "组内 G_jj",
        "between": "组间 G_jh",
        "density_title": "{series} 各时期的核密度",
        "density_sub": "高斯核，带宽 {h}；{n} 个时期",
        "density_ylabel": "时期",
        "density_own": "各曲线按自身峰值缩放（峰高见表）",
        "moran_title": "{series} 的全局莫兰指数",
        "moran_sub": "实心：p_sim < {alpha:g}（{perm} 次置换）；空心：不显著",
        "moran_sub0": "正态近似：实心为 p < {alpha:g}",
        "moran_ylabel": "莫兰指数 I",
        "scatter_title": "{series} 的莫兰散点图，{period}",
        "scatter_sub": "I = {I:.3f}；标注：LISA p_sim < {alpha:g}（{perm} 次置换）",
        "scatter_x": "标准化值 z",
        "scatter_y": "z 的空间滞后",
        "lisa_title": "{series} 的 LISA 集聚图，{period}",
        "lisa_sub": "p_sim < {alpha:g}，{perm} 次置换",
        "level_title": "{series} 的分省分布，{period}",
        "region_title": "{series} 的分地区分布，{period}",
        "levels_title": "{series} 的分省分布：{periods}",
        "regions_title": "{series} 的分地区分布：{periods}",
        "pooled_sub": "全部时期合并的 {k} 分位数分类（即马尔可夫链的类型）",
        "level_sub": "{k} 个等级（该指标的等级划分）",
        "quantile_sub": "本期 {k} 分位数分类",
        "not significant": "不显著",
        "period": "时期",
        "missing": "无数据",
        "theil_title": "{series} 的泰尔指数：组内与组间",
        "theil_ylabel": "泰尔指数 T",
        "Tw": "组内差异 T_w",
        "Tb": "组间差异 T_b",
        "T": "总体 T",
        "tshare": "平均占 T 的 {pct:.0f}%",
        "sigma_title": "{series} 的 σ 收敛",
        "sigma_sub": "各时期个体间的 CV = 标准差 / 均值",
        "sigma_ylabel": "变异系数",
        "whole": "全部",
        "beta_title": "{series} 的绝对 β 收敛，{first}–{last}",
        "beta_sub": "g_i = (1/T)·ln(y_iT / y_i0) 对 ln y_i0 的最小二乘回归，T = {span:g}",
        "beta_x": "ln {series}，{first}",
        "beta_y": "平均增长率 g，{first}–{last}",
        "beta_fit": "拟合：β = {beta}（标准误 {se}），{p}",
        "beta_speed": "收敛速度 每期 {speed}",
        "beta_r2": "R² = {r2:.3f}，n = {n}",
        "entities": "个体",
        "markov_title": "{series} 的马尔可夫转移概率",
        "markov_sub": "相邻时期共 {n} 次转移；单元格：概率（次数）；灰色：该类型无转出",
        "markov_from": "t 期类型",
        "markov_to": "t + 1 期类型",
        "smarkov_title": "{series} 的空间马尔可夫转移概率",
        "smarkov_sub": (
            "按 t 期邻域空间滞后的类型划分；单元格：概率；灰色：无转出；"
            "同质性检验：Q = {Q:.2f}（p = {Qp:.3f}），LR = {LR:.2f}（p = {LRp:.3f}）"
        ),
        "lag_panel": "邻域滞后 {lag}（n = {n}）",
        "never": "无转移",
    },
}


def _w(style: _Style, key: str, **values: Any) -> str:
    text = _WORDS[style.lang][key].format(**values)
    # Chinese titles space Latin letters off ("D 的 LISA 集聚图"), not a full-width bracket
    return text.replace("） ", "）") if style.lang == "zh" else text


def _series_name(series: str, style: _Style, labels: dict[str, str]) -> str:
    zh = style.lang == "zh"
    if series == "synergy":
        return "协同度 U" if zh else "synergy degree U"
    if series == "coupling":
        return "耦合协调度 D" if zh else "coupling coordination degree D"
    if series == "order:mean":
        return "平均有序度 μ" if zh else "mean order degree μ"
    if series.startswith("order:"):
        sub = series.split(":", 1)[1]
        label = labels.get(sub, sub)
        return f"{label}有序度 μ" if zh else f"order degree μ of {label}"
    return series


def _group_name(group: Any, style: _Style) -> str:
    from cosyn.datasets import region_names

    return region_names(style.lang).get(str(group), str(group))


def _group_order(groups: Any) -> list[Any]:
    """The distinct groups, China's regions in their usual order (East, Central, West,
    Northeast) first, the others as they come."""
    from cosyn.datasets import region_names

    found = list(dict.fromkeys(groups))
    usual = [g for g in region_names("en") if g in found]
    return usual + [g for g in found if g not in usual]


def _rows(table: pd.DataFrame, series: str) -> pd.DataFrame:
    return table[table["series"] == series] if len(table) else table


def _periods(frame: pd.DataFrame) -> list[Any]:
    return list(dict.fromkeys(frame["period"]))


#: English names broken to fit a tile (about 8 characters per line at 7 pt).
_TILE_NAMES: dict[str, str] = {
    "内蒙古": "Inner\nMongolia",
    "黑龙江": "Heilong-\njiang",
    "重庆": "Chong-\nqing",
    "广东": "Guang-\ndong",
    "上海": "Shang-\nhai",
    "山东": "Shan-\ndong",
    "新疆": "Xin-\njiang",
    "江苏": "Jiang-\nsu",
    "浙江": "Zhe-\njiang",
    "辽宁": "Liao-\nning",
    "宁夏": "Ning-\nxia",
    "四川": "Sich-\nuan",
    "广西": "Guang-\nxi",
    "贵州": "Gui-\nzhou",
}


# -- figures ----------------------------------------------------------------------------
#: Hatches of stacked parts, so that they differ in black-and-white print too.
_HATCHES: tuple[str, ...] = ("", "////", "....")


def _stacked(
    table: pd.DataFrame,
    parts: tuple[tuple[str, str], ...],
    total: str,
    style: _Style,
    words: tuple[str, str, str],
    title: str,
) -> Figure:
    """Bars of the parts of an index stacked per period, with its total as a line.

    ``parts``: (column, share column) pairs; ``words``: the keys of the y label, the
    total's legend entry and the share text.
    """
    ylabel, total_word, share_word = words
    periods = _periods(table)
    x = np.arange(len(periods))
    fig = _new_figure(SINGLE_COLUMN_IN * 1.4, 3.0)
    ax = fig.add_subplot()
    _style_axes(ax, style)
    bottom = np.zeros(len(x))
    handles: list[Any] = []
    for i, (key, share) in enumerate(parts):
        colour, hatch = OKABE_ITO[i], _HATCHES[i % len(_HATCHES)]
        v = table[key].to_numpy(dtype=float)
        ax.bar(
            x,
            v,
            bottom=bottom,
            color=colour,
            width=0.7,
            edgecolor="white",
            linewidth=0.4,
            hatch=hatch,
            gid=f"part:{key}",
        )
        bottom = bottom + np.nan_to_num(v)
        shares = table[share].to_numpy(dtype=float)
        pct = (
            100 * float(np.mean(shares[np.isfinite(shares)]))
            if np.isfinite(shares).any()
            else np.nan
        )
        handles.append(
            Patch(
                facecolor=colour,
                edgecolor="white",
                hatch=hatch,
                label=(
                    f"{_w(style, key)}（{_w(style, share_word, pct=pct)}）"
                    if style.lang == "zh"
                    else f"{_w(style, key)} ({_w(style, share_word, pct=pct)})"
                ),
            )
        )
    ax.plot(x, table[total].to_numpy(dtype=float), color="black", marker="o", ms=2.5, lw=0.8)
    handles.append(
        Line2D([], [], color="black", marker="o", ms=2.5, lw=0.8, label=_w(style, total_word))
    )
    _period_ticks(ax, [period_text(p) for p in periods], style, 4.0)
    ax.set_ylabel(_w(style, ylabel), fontproperties=style.font(LABEL_PT))
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.1),
        ncols=1,
        frameon=False,
        prop=style.font(LEGEND_PT),
    )
    _title(fig, style, title)
    return fig


def _fig_gini(a: Any, series: str, style: _Style, name: str) -> Figure | None:
    g = _rows(a.gini, series)
    if not len(g):
        return None
    parts = (("Gw", "share_w"), ("Gnb", "share_nb"), ("Gt", "share_t"))
    words = ("gini_ylabel", "G", "share")
    return _stacked(g, parts, "G", style, words, _w(style, "gini_title", series=name))


def _fig_theil(a: Any, series: str, style: _Style, name: str) -> Figure | None:
    t = _rows(a.theil, series)
    if not len(t):
        return None
    parts = (("Tw", "share_w"), ("Tb", "share_b"))
    words = ("theil_ylabel", "T", "tshare")
    return _stacked(t, parts, "T", style, words, _w(style, "theil_title", series=name))


#: Markers of the lines of a figure, after their colour and dash (black-and-white print).
_MARKERS: tuple[str, ...] = ("s", "^", "D", "v", "P", "X", "<", ">")


def _fig_sigma(a: Any, series: str, style: _Style, name: str) -> Figure | None:
    sg = _rows(a.sigma, series)
    if not len(sg):
        return None
    periods = _periods(sg)
    fig = _new_figure(SINGLE_COLUMN_IN * 1.4, 3.0)
    ax = fig.add_subplot()
    _style_axes(ax, style)
    whole = sg[sg["group"].isna()]
    pos = [periods.index(p) for p in whole["period"]]
    ax.plot(
        pos,
        whole["cv"].to_numpy(dtype=float),
        color="black",
        lw=1.6,
        marker="o",
        ms=3,
        label=_w(style, "whole"),
        gid="cv:all",
    )
    groups = sg[sg["group"].notna()]
    for i, (g, part) in enumerate(groups.groupby("group", sort=False)):
        pos = [periods.index(p) for p in part["period"]]
        ax.plot(
            pos,
            part["cv"].to_numpy(dtype=float),
            lw=1.0,
            marker=_MARKERS[i % len(_MARKERS)],
            ms=2.5,
            label=_group_name(g, style),
            gid=f"cv:{g}",
            **_line_style(i),
        )
    _period_ticks(ax, [period_text(p) for p in periods], style, 4.0)
    ax.set_ylabel(_w(style, "sigma_ylabel"), fontproperties=style.font(LABEL_PT))
    ax.set_ylim(bottom=0)
    ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.1),
        ncols=3,
        frameon=False,
        prop=style.font(LEGEND_PT),
    )
    _title(fig, style, _w(style, "sigma_title", series=name), _w(style, "sigma_sub"))
    return fig


def _number(x: float) -> str:
    """A coefficient with 3 significant digits and a true minus sign."""
    return f"{x:.3g}".replace("-", "−")


def _p_text(p: float) -> str:
    if not np.isfinite(p):
        return "p = —"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _fig_beta(a: Any, series: str, style: _Style, name: str) -> Figure | None:
    from cosyn.analysis.inequality import beta_convergence

    b = _rows(a.beta, series)
    if not len(b):
        return None
    row = b.iloc[0]
    v = _rows(a.values, series)
    first, last = row["first_period"], row["last_period"]
    wide = v.pivot(index="entity", columns="period", values="value")
    if first not in wide.columns or last not in wide.columns:
        return None
    wide = wide[[first, last]].dropna()
    try:
        r = beta_convergence(wide, span=float(row["span"]))
    except DataError:
        return None
    x = np.log(wide[first].to_numpy(dtype=float))
    y = r.growth.to_numpy(dtype=float)
    fig = _new_figure(SINGLE_COLUMN_IN * 1.4, 3.6)
    ax = fig.add_subplot()
    _style_axes(ax, style)
    groups = (
        pd.Series(a.groups["group"].to_numpy(), index=a.groups["entity"].to_numpy())
        if len(a.groups)
        else None
    )
    handles: list[Any] = []
    if groups is not None:
        g = groups.reindex(wide.index)
        for i, key in enumerate(_group_order(g.dropna())):
            mask = (g == key).to_numpy()
            colour = OKABE_ITO[i % len(OKABE_ITO)]
            marker = ("o", *_MARKERS)[i % (len(_MARKERS) + 1)]
            ax.scatter(
                x[mask],
                y[mask],
                s=16,
                marker=marker,
                facecolor=colour,
                edgecolor="0.2",
                linewidths=0.4,
                zorder=2,
                gid=f"points:{key}",
            )
            handles.append(
                Line2D(
                    [],
                    [],
                    ls="",
                    marker=marker,
                    ms=4,
                    markerfacecolor=colour,
                    markeredgecolor="0.2",
                    markeredgewidth=0.4,
                    label=_group_name(key, style),
                )
            )
    else:
        ax.scatter(x, y, s=16, facecolor=OKABE_ITO[0], edgecolor="0.2", lw=0.4, gid="points")
    xs = np.array([x.min(), x.max()])
    pad = 0.05 * (xs[1] - xs[0] or 1.0)
    xs = xs + np.array([-pad, pad])
    beta = float(row["beta"])
    fit = _w(
        style,
        "beta_fit",
        beta=_number(beta),
        se=_number(float(row["se"])),
        p=_p_text(float(row["p"])),
    )
    ax.plot(xs, r.alpha + beta * xs, color="black", lw=1.0, gid="fit", zorder=3)
    handles.insert(0, Line2D([], [], color="black", lw=1.0, label=fit))
    speed = float(row["speed"])
    speed_text = f"{100 * speed:.2f}%".replace("-", "−") if np.isfinite(speed) else "—"
    extra = [
        _w(style, "beta_speed", speed=speed_text),
        _w(style, "beta_r2", r2=float(row["r2"]), n=int(row["n"])),
    ]
    handles[1:1] = [Line2D([], [], ls="", label=t) for t in extra]
    if y.min() < 0 < y.max():
        ax.axhline(0, color=REFERENCE_GREY, lw=0.5, ls="--", zorder=1)
    f_text, l_text = period_text(first), period_text(last)
    ax.set_xlabel(
        _w(style, "beta_x", series=name, first=f_text), fontproperties=style.font(LABEL_PT)
    )
    ax.set_ylabel(
        _w(style, "beta_y", first=f_text, last=l_text), fontproperties=style.font(LABEL_PT)
    )
    stats, marks = handles[:3], handles[3:]
    if marks:  # the groups inside the plot, where the points leave room
        ax.add_artist(
            ax.legend(
                handles=marks,
                loc="best",
                ncols=1,
                frameon=True,
                framealpha=0.85,
                edgecolor="none",
                prop=style.font(LEGEND_PT),
                handletextpad=0.2,
            )
        )
    ax.legend(
        handles=stats,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.16),
        ncols=1,
        frameon=False,
        prop=style.font(LEGEND_PT),
        handlelength=1.6,
    )
    _title(
        fig,
        style,
        _w(style, "beta_title", series=name, first=f_text, last=l_text),
        _w(style, "beta_sub", span=float(row["span"])),
    )
    return fig


def _fig_gini_groups(a: Any, series: str, style: _Style, name: str) -> Figure | None:
    gw = _rows(a.gini_within, series)
    gb = _rows(a.gini_between, series)
    if not len(gw) and not len(gb):
        return None
    fig = _new_figure(DOUBLE_COLUMN_IN, 3.3)
    axes = fig.subplots(1, 2, sharey=True)
    for ax, frame, what, keys in (
        (axes[0], gw, "within", ("group",)),
        (axes[1], gb, "between", ("group_j", "group_h")),
    ):
        _style_axes(ax, style)
        ax.set_title(_w(style, what), fontproperties=style.font(LABEL_PT))
        if not len(frame):
            continue
        periods = _periods(frame)
        value = "G_jj" if what == "within" else "G_jh"
        for i, (key, part) in enumerate(frame.groupby(list(keys), sort=False)):
            key = key if isinstance(key, tuple) else (key,)
            label = "–".join(_group_name(k, style) for k in key)
            pos = [periods.index(p) for p in part["period"]]
            ax.plot(
                pos,
                part[value].to_numpy(dtype=float),
                lw=1.0,
                marker=_MARKERS[i % len(_MARKERS)],
                ms=2.5,
                label=label,
                **_line_style(i),
            )
        _period_ticks(ax, [period_text(p) for p in periods], style, 3.0)
        ax.legend(  # below the plot: inside, it would cover lines
            loc="upper center",
            bbox_to_anchor=(0.5, -0.1),
            frameon=False,
            prop=style.font(LEGEND_PT),
            ncols=3 if what == "between" else 2,
            handlelength=2.2,
        )
    axes[0].set_ylabel(_w(style, "gini_ylabel"), fontproperties=style.font(LABEL_PT))
    _title(fig, style, _w(style, "groups_title", series=name))
    return fig


#: Above this ratio of the highest to the lowest peak, each density curve of the ridgeline
#: is scaled to its own peak.
MAX_PEAK_RATIO = 3.0


def _fig_density(a: Any, series: str, style: _Style, name: str) -> Figure | None:
    c = _rows(a.density_curves, series)
    if not len(c):
        return None
    periods = _periods(c)
    n = len(periods)
    fig = _new_figure(SINGLE_COLUMN_IN * 1.4, min(6.0, 1.2 + 0.28 * n))
    ax = fig.add_subplot()
    _style_axes(ax, style)
    ax.spines["left"].set_visible(False)
    peaks = c.groupby("period", sort=False)["density"].max().reindex(periods).to_numpy(float)
    finite = peaks[np.isfinite(peaks) & (peaks > 0)]
    # peaks of very different heights (a narrow early distribution) would flatten the
    # others on one scale: then each curve is scaled to its own peak, and the subtitle says so
    own = finite.size > 1 and float(finite.max()) > MAX_PEAK_RATIO * float(finite.min())
    top = float(finite.max()) if finite.size else 1.0
    step = 0.6  # each period's baseline, in units of the highest density
    for i, p in enumerate(periods):
        part = c[c["period"] == p]
        x = part["x"].to_numpy(dtype=float)
        scale = peaks[i] if own and np.isfinite(peaks[i]) and peaks[i] > 0 else top
        y = part["density"].to_numpy(dtype=float) / scale
        base = (n - 1 - i) * step
        ax.fill_between(x, base, base + y, color="white", zorder=2 * i)
        ax.plot(x, base + y, color="black", lw=0.8, zorder=2 * i + 1, gid="ridge")
        ax.axhline(base, color=REFERENCE_GREY, lw=0.4, zorder=2 * i)
    ax.set_yticks(
        [(n - 1 - i) * step for i in range(n)],
        [period_text(p) for p in periods],
        fontproperties=style.font(TICK_PT),
    )
    ax.tick_params(axis="y", length=0)
    ax.set_xlabel(name, fontproperties=style.font(LABEL_PT))
    ax.set_ylabel(_w(style, "density_ylabel"), fontproperties=style.font(LABEL_PT))
    _title(
        fig,
        style,
        _w(style, "density_title", series=name),
        style.join(
            [
                _w(style, "density_sub", n=n, h=_bandwidths(a, series)),
                _w(style, "density_own") if own else "",
            ]
        ),
    )
    return fig


def _bandwidths(a: Any, series: str) -> str:
    d = _rows(a.density, series)
    h = d["bandwidth"].to_numpy(dtype=float) if len(d) else np.array([])
    h = h[np.isfinite(h)]
    if not h.size:
        return "—"
    lo, hi = float(h.min()), float(h.max())
    return f"{lo:.3g}" if f"{lo:.3g}" == f"{hi:.3g}" else f"{lo:.3g}–{hi:.3g}"


def _fig_moran(a: Any, series: str, style: _Style, name: str, alpha: float) -> Figure | None:
    m = _rows(a.moran, series)
    if not len(m):
        return None
    periods = _periods(m)
    perm = int(m["permutations"].max()) if "permutations" in m else 0
    p = m["p_sim"].to_numpy(dtype=float) if perm > 0 else m["p_norm"].to_numpy(dtype=float)
    sig = p < alpha
    I_ = m["I"].to_numpy(dtype=float)
    x = np.arange(len(periods))
    fig = _new_figure(SINGLE_COLUMN_IN * 1.4, 2.6)
    ax = fig.add_subplot()
    _style_axes(ax, style)
    ax.plot(x, I_, color=OKABE_ITO[0], lw=1.0, zorder=1)
    ax.scatter(x[sig], I_[sig], s=18, color=OKABE_ITO[0], zorder=2, gid="significant")
    ax.scatter(
        x[~sig],
        I_[~sig],
        s=18,
        facecolor="white",
        edgecolor=OKABE_ITO[0],
        zorder=2,
        gid="not_significant",
    )
    ei = float(m["EI"].iloc[0])
    ax.axhline(ei, color=REFERENCE_GREY, lw=0.6, ls="--", gid="EI")
    ax.annotate(
        f"E[I] = {ei:.3f}".replace("-", "−"),
        (1.0, ei),
        xycoords=("axes fraction", "data"),
        xytext=(0, 2),
        textcoords="offset points",
        ha="right",
        va="bottom",
        color=REFERENCE_GREY,
        fontproperties=style.font(TICK_PT),
    )
    _period_ticks(ax, [period_text(q) for q in periods], style, 4.0)
    ax.set_ylabel(_w(style, "moran_ylabel"), fontproperties=style.font(LABEL_PT))
    sub = (
        _w(style, "moran_sub", alpha=alpha, perm=perm)
        if perm
        else _w(style, "moran_sub0", alpha=alpha)
    )
    _title(fig, style, _w(style, "moran_title", series=name), sub)
    return fig


def _entity_text(entity: Any, style: _Style) -> str:
    from cosyn.datasets import match_provinces, province_names

    try:
        short = match_provinces([entity])[entity]
    except DataError:
        return str(entity)
    return short if style.lang == "zh" else province_names("en").get(short, short)


def _fig_scatter(
    a: Any, series: str, style: _Style, name: str, period: Any, alpha: float
) -> Figure | None:
    lisa = _rows(a.lisa, series)
    if not len(lisa):
        return None
    part = lisa[lisa["period"] == period]
    if not len(part):
        return None
    m = _rows(a.moran, series)
    m = m[m["period"] == period] if len(m) else m
    z = part["z"].to_numpy(dtype=float)
    lag = part["lag"].to_numpy(dtype=float)
    I_ = float(m["I"].iloc[0]) if len(m) else float(np.polyfit(z, lag, 1)[0])
    perm = int(m["permutations"].iloc[0]) if len(m) else 0
    sig = part["significant"].to_numpy(dtype=bool)
    fig = _new_figure(SINGLE_COLUMN_IN * 1.2, 3.4)
    ax = fig.add_subplot()
    _style_axes(ax, style)
    ax.axhline(0, color=REFERENCE_GREY, lw=0.6)
    ax.axvline(0, color=REFERENCE_GREY, lw=0.6)
    colours = [LISA_COLOURS.get(c, LISA_COLOURS["not significant"]) for c in part["cluster"]]
    ax.scatter(z, lag, s=14, c=colours, edgecolors="0.3", linewidths=0.4, zorder=2)
    lim = float(np.nanmax(np.abs(np.r_[z, lag]))) * 1.15 or 1.0
    xs = np.array([-lim, lim])
    ax.plot(xs, I_ * xs, color="black", lw=0.9, gid="slope")
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    for q, (qx, qy) in {"HH": (1, 1), "LH": (-1, 1), "LL": (-1, -1), "HL": (1, -1)}.items():
        ax.text(
            qx * 0.92 * lim,
            qy * 0.92 * lim,
            q,
            ha="right" if qx > 0 else "left",
            va="top" if qy > 0 else "bottom",
            fontproperties=style.font(LABEL_PT),
            color=REFERENCE_GREY,
        )
    _name_points(
        ax,
        [_entity_text(e, style) for e in part["entity"][sig]],
        z[sig],
        lag[sig],
        style,
        (2 * lim, 2 * lim),
        (SINGLE_COLUMN_IN * 1.2 - 0.6, 2.4),
    )
    ax.set_xlabel(_w(style, "scatter_x"), fontproperties=style.font(LABEL_PT))
    ax.set_ylabel(_w(style, "scatter_y"), fontproperties=style.font(LABEL_PT))
    _title(
        fig,
        style,
        _w(style, "scatter_title", series=name, period=period_text(period)),
        _w(style, "scatter_sub", I=I_, alpha=alpha, perm=perm),
    )
    return fig


#: Where a point's name may go, in points from the point: right above, right below, left
#: above, left below, right, left.
_NAME_OFFSETS: tuple[tuple[float, float], ...] = (
    (2, 2),
    (2, -9),
    (-2, 2),
    (-2, -9),
    (4, -3.5),
    (-4, -3.5),
)


def _covered(
    box: tuple[float, float, float, float], others: list[tuple[float, float, float, float]]
) -> float:
    """The area of ``box`` (x0, y0, x1, y1) that ``others`` cover, summed."""
    return sum(
        max(0.0, min(box[2], b[2]) - max(box[0], b[0]))
        * max(0.0, min(box[3], b[3]) - max(box[1], b[1]))
        for b in others
    )


def _name_points(
    ax: Any,
    names: list[str],
    x: np.ndarray,
    y: np.ndarray,
    style: _Style,
    span: tuple[float, float],
    size_in: tuple[float, float],
) -> None:
    """Name the points, each at the first of :data:`_NAME_OFFSETS` where its text does
    not cover a name already placed (the texts' extents estimated from their length;
    ``span`` the data width and height of the axes, ``size_in`` their size in inches)."""
    to_x, to_y = span[0] / (72 * size_in[0]), span[1] / (72 * size_in[1])  # data per pt
    x_lo, x_hi = ax.get_xlim()
    r_x, r_y = 2 * to_x, 2 * to_y  # the other named points are in the way too
    dots = [(xi - r_x, yi - r_y, xi + r_x, yi + r_y) for xi, yi in zip(x, y, strict=True)]
    labels: list[tuple[float, float, float, float]] = []
    for name, xi, yi in sorted(zip(names, x, y, strict=True), key=lambda t: -t[2]):
        w = _text_width(name, TICK_PT) * 72 * to_x
        h = TICK_PT * 1.1 * to_y
        options = []
        for dx, dy in _NAME_OFFSETS:
            x0 = xi + dx * to_x - (w if dx < 0 else 0.0)
            y0 = yi + dy * to_y
            options.append(((dx, dy), (x0, y0, x0 + w, y0 + h)))
        # within the plot's width if possible, then clear of the names already placed
        inside = [o for o in options if x_lo <= o[1][0] and o[1][2] <= x_hi] or options
        others = labels + [d for d in dots if not (d[0] < xi < d[2] and d[1] < yi < d[3])]
        # the first place that covers nothing, else the one that covers least
        (dx, dy), box = min(inside, key=lambda o: _covered(o[1], others))
        labels.append(box)
        ax.annotate(
            name,
            (xi, yi),
            xytext=(dx, dy),
            textcoords="offset points",
            ha="right" if dx < 0 else "left",
            va="bottom",
            fontproperties=style.font(TICK_PT),
        )


def _provinces(entities: list[Any]) -> dict[Any, str] | None:
    """Entity → canonical province name when every entity is a distinct province."""
    from cosyn.datasets import match_provinces

    try:
        matched = match_provinces(entities)
    except DataError:
        return None
    if len(set(matched.values())) != len(entities):
        return None
    return matched


def _luminance(colour: str) -> float:
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _hatch_colour(colour: str) -> str:
    """Hatch lines that show on ``colour``: white on a dark fill, grey on a light one."""
    return "white" if _luminance(colour) < 0.45 else "0.4"


def _hatch(ax: Any, patch: Any, colour: str) -> None:
    """Overlay the hatch of ``colour`` (:data:`_LISA_HATCHES`) on ``patch``, in lines that
    show on its fill (a hatch takes the colour of its patch's edge: hence a patch of its
    own, with no fill and no outline)."""
    hatch = _LISA_HATCHES.get(colour)
    if not hatch:
        return
    from copy import copy

    overlay = copy(patch)
    overlay.set(fill=False, hatch=hatch, edgecolor=_hatch_colour(colour), linewidth=0, gid="hatch")
    ax.add_patch(overlay)


def _name_box(colour: str) -> dict[str, Any] | None:
    """A box of the fill behind a region's name where a hatch would cross it."""
    if colour not in _LISA_HATCHES:
        return None
    return {"boxstyle": "square,pad=0.1", "facecolor": colour, "edgecolor": "none"}


def _hatched_handle(colour: str, label: str) -> Any:
    """A legend entry of a fill ``colour`` with its hatch, as :func:`_hatch` draws it."""
    box = Patch(facecolor=colour, edgecolor="0.4", linewidth=0.5, label=label)
    hatch = _LISA_HATCHES.get(colour)
    if not hatch:
        return box
    return (box, Patch(fill=False, hatch=hatch, edgecolor=_hatch_colour(colour), linewidth=0))


def _map_legend(ax: Any, handles: list[Any], style: _Style) -> None:
    """The legend of a map below it, in as many columns (up to 3) as its texts allow; a
    handle may be a tuple of patches drawn over each other (a fill and its hatch)."""
    labels = [(h[0] if isinstance(h, tuple) else h).get_label() for h in handles]
    widest = max((_text_width(t, LEGEND_PT) for t in labels), default=0.0)
    ax.legend(
        handles=handles,
        labels=labels,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncols=3 if widest < 1.3 else 2 if widest < 2.1 else 1,
        frameon=False,
        prop=style.font(LEGEND_PT),
    )


def _draw_tiles(ax: Any, style: _Style, colours: dict[str, str]) -> None:
    """One square per province of :func:`cosyn.datasets.china_tiles` on ``ax``, coloured
    by ``colours`` (canonical name → colour; a province absent is white)."""
    from cosyn.datasets import china_tiles, province_names

    tiles = china_tiles()
    r0, r1 = int(tiles["row"].min()), int(tiles["row"].max())
    c0, c1 = int(tiles["col"].min()), int(tiles["col"].max())
    ax.set_axis_off()
    english = province_names("en")
    for prov, r, c in tiles[["province", "row", "col"]].itertuples(index=False):
        colour = colours.get(prov, "white")
        tile = Rectangle(
            (c - 0.46, -r - 0.46),
            0.92,
            0.92,
            facecolor=colour,
            edgecolor="0.4",
            linewidth=0.5,
            gid=f"tile:{prov}",
        )
        ax.add_patch(tile)
        _hatch(ax, tile, colour)
        text = prov if style.lang == "zh" else _TILE_NAMES.get(prov, english.get(prov, prov))
        ax.text(
            c,
            -r,
            text,
            ha="center",
            va="center",
            fontproperties=style.font(TICK_PT),
            color="white" if _luminance(colour) < 0.45 else "black",
            bbox=_name_box(colour),
            linespacing=0.9,
        )
    ax.set_xlim(c0 - 0.5, c1 + 0.5)
    ax.set_ylim(-r1 - 0.5, -r0 + 0.5)
    ax.set_aspect("equal")


@functools.lru_cache(maxsize=4)
def _geometry_file(path: str, mtime: float, column: str) -> tuple[dict[str, Any], bool] | None:
    """Name → geometry of a geometry file and whether its coordinates are geographic;
    None when it cannot be read or has no column ``column``. Cached by path and
    modification time (the figures of one fit are drawn one call at a time)."""
    from cosyn.io.read import label_text

    try:
        import geopandas as gpd

        frame = gpd.read_file(path)
    except Exception:  # no geopandas or an unreadable file: the analysis said so already
        return None
    if column not in frame.columns:
        return None
    by_name = {
        label_text(v).strip(): g
        for v, g in zip(frame[column], frame.geometry, strict=True)
        if g is not None and not g.is_empty
    }
    return by_name, bool(frame.crs is not None and frame.crs.is_geographic)


def _read_shapes(result: Any) -> dict[Any, Any] | None:
    """Entity → shapely geometry of the spec's geometry file (``[analysis] weights``),
    matched by the same name column as the spatial weights; None without one, or when
    the file cannot be read or does not name every entity."""
    from cosyn.spec import Geometry

    spec: Any = getattr(result, "spec", None)
    spec_a = getattr(spec, "analysis", None)
    weights = getattr(spec_a, "weights", None)
    if not isinstance(weights, Geometry) or not hasattr(result, "entities"):
        return None
    from cosyn.analysis.run import resolve_path
    from cosyn.io.read import label_text

    path = resolve_path(weights.file, spec)
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return None
    found = _geometry_file(str(path), mtime, weights.name or spec.entity or "entity")
    if found is None:
        return None
    by_name, geographic = found
    shapes = {e: by_name.get(label_text(e).strip()) for e in result.entities}
    if any(g is None for g in shapes.values()):
        return None
    return {"shapes": shapes, "geographic": geographic}


def _path(geom: Any) -> Any:
    """A matplotlib Path of the polygons of a shapely geometry (holes kept)."""
    from matplotlib.path import Path
    from shapely.geometry.polygon import orient

    polys = list(getattr(geom, "geoms", [geom]))
    vertices: list[np.ndarray] = []
    codes: list[int] = []
    for poly in polys:
        if poly.geom_type == "MultiPolygon":
            polys.extend(poly.geoms)
            continue
        if poly.geom_type != "Polygon":
            continue
        # holes wound against the outline, so that the filling leaves them out
        poly = orient(poly, sign=1.0)
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords, dtype=float)[:, :2]
            if len(xy) < 3:
                continue
            vertices.append(xy)
            codes += [int(Path.MOVETO)] + [int(Path.LINETO)] * (len(xy) - 2) + [int(Path.CLOSEPOLY)]
    if not vertices:
        return None
    return Path(np.concatenate(vertices), codes)


#: Most regions a geometry map names on the map itself.
MAX_MAP_LABELS = 40


def _shape_extent(geometry: dict[str, Any]) -> tuple[tuple[float, ...], float]:
    """The bounds (x0, y0, x1, y1) of the regions and the axes' aspect (degrees of
    longitude shrink with latitude when the file's coordinates are geographic)."""
    shapes: dict[Any, Any] = geometry["shapes"]
    x0, y0, x1, y1 = np.array([g.bounds for g in shapes.values()], dtype=float).T
    bounds = (float(x0.min()), float(y0.min()), float(x1.max()), float(y1.max()))
    aspect = 1.0
    if geometry["geographic"]:
        aspect = 1.0 / max(0.2, float(np.cos(np.radians((bounds[1] + bounds[3]) / 2))))
    return bounds, aspect


def _draw_shapes(ax: Any, style: _Style, geometry: dict[str, Any], colours: dict[Any, str]) -> None:
    """Each entity's polygon on ``ax`` in ``colours[entity]`` (white when absent), named
    on the map when there are at most :data:`MAX_MAP_LABELS` regions."""
    from matplotlib.patches import PathPatch

    shapes: dict[Any, Any] = geometry["shapes"]
    bounds, aspect = _shape_extent(geometry)
    ax.set_axis_off()
    edge = 0.5 if len(shapes) <= 100 else 0.15  # many small regions: thin borders
    for entity, geom in shapes.items():
        path = _path(geom)
        if path is None:
            continue
        colour = colours.get(entity, "white")
        region = PathPatch(
            path, facecolor=colour, edgecolor="0.4", linewidth=edge, gid=f"region:{entity}"
        )
        ax.add_patch(region)
        _hatch(ax, region, colour)
        if len(shapes) <= MAX_MAP_LABELS:
            point = geom.representative_point()
            ax.text(
                point.x,
                point.y,
                _entity_text(entity, style),
                ha="center",
                va="center",
                fontproperties=style.font(TICK_PT),
                color="white" if _luminance(colour) < 0.45 else "black",
                bbox=_name_box(colour),
            )
    w = bounds[2] - bounds[0] or 1.0
    pad_x, pad_y = 0.02 * w, 0.02 * (bounds[3] - bounds[1] or 1.0)
    ax.set_xlim(bounds[0] - pad_x, bounds[2] + pad_x)
    ax.set_ylim(bounds[1] - pad_y, bounds[3] + pad_y)
    ax.set_aspect(aspect)


def _map_height(geometry: dict[str, Any] | None, width: float) -> float:
    """The height of a map ``width`` inches wide: the tile grid is square, a geometry as
    its bounds (within 2.5–6.5 in)."""
    if geometry is None:
        return width
    bounds, aspect = _shape_extent(geometry)
    w = bounds[2] - bounds[0] or 1.0
    h = (bounds[3] - bounds[1]) * aspect or 1.0
    return float(np.clip(0.95 * width * h / w, 0.5 * width, 1.3 * width))


def _map_colours(geometry: dict[str, Any] | None, colours: dict[Any, str]) -> dict[Any, str] | None:
    """``colours`` by entity as the map draws them: by entity on a geometry, by canonical
    province name on the tile grid; None when there is no map to draw."""
    if geometry is not None:
        return colours
    matched = _provinces(list(colours))
    if matched is None:
        return None
    return {matched[e]: c for e, c in colours.items()}


def _draw_map(
    ax: Any, style: _Style, geometry: dict[str, Any] | None, colours: dict[Any, str]
) -> None:
    if geometry is not None:
        _draw_shapes(ax, style, geometry, colours)
    else:
        _draw_tiles(ax, style, colours)


def _map(
    style: _Style,
    geometry: dict[str, Any] | None,
    colours: dict[Any, str],
    handles: list[Any],
    title: str,
    sub: str,
) -> Figure | None:
    """The user's regions when a geometry is given, else the tile grid of China's
    provinces when every entity is one, else nothing."""
    drawn = _map_colours(geometry, colours)
    if drawn is None:
        return None
    fig = _new_figure(5.0, _map_height(geometry, 5.0) + (0.0 if geometry is None else 1.0))
    ax = fig.add_subplot()
    _draw_map(ax, style, geometry, drawn)
    _map_legend(ax, handles, style)
    _title(fig, style, title, sub)
    return fig


def _fig_lisa_map(
    a: Any,
    series: str,
    style: _Style,
    name: str,
    period: Any,
    alpha: float,
    geometry: dict[str, Any] | None,
) -> Figure | None:
    lisa = _rows(a.lisa, series)
    if not len(lisa):
        return None
    part = lisa[lisa["period"] == period]
    if not len(part):
        return None
    colours = {
        e: LISA_COLOURS.get(c, LISA_COLOURS["not significant"])
        for e, c in zip(part["entity"], part["cluster"], strict=True)
    }
    counts = part["cluster"].value_counts().to_dict()
    handles = [
        _hatched_handle(
            v,
            f"{_w(style, k)}（{counts.get(k, 0)}）"
            if k == "not significant" and style.lang == "zh"
            else f"{_w(style, k) if k == 'not significant' else k} ({counts.get(k, 0)})",
        )
        for k, v in LISA_COLOURS.items()
    ]
    m = _rows(a.moran, series)
    perm = int(m["permutations"].max()) if len(m) else 0
    return _map(
        style,
        geometry,
        colours,
        handles,
        _w(style, "lisa_title", series=name, period=period_text(period)),
        _w(style, "lisa_sub", alpha=alpha, perm=perm),
    )


def _blues(k: int) -> list[str]:
    """``k`` colours from light to dark (ColorBrewer "Blues")."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    cmap = colormaps["Blues"]
    return [to_hex(cmap(x)) for x in np.linspace(0.12, 0.95, k)]


def _class_text(edges: list[float], i: int) -> str:
    if i == 0:
        return f"≤ {edges[0]:.3g}" if edges else "all"
    if i == len(edges):
        return f"> {edges[-1]:.3g}"
    return f"({edges[i - 1]:.3g}, {edges[i]:.3g}]"


def _level_scale(
    a: Any, series: str, style: _Style, values: np.ndarray, pooled: bool
) -> tuple[list[float], list[str] | None, bool]:
    """The upper edges of the level classes of the series, their names (None for
    quantiles) and whether they are quantiles.

    The level scale of the series when its Markov classes are levels; otherwise
    quantiles: with ``pooled`` those of the Markov classes (all periods pooled, so that
    maps of several periods compare), else of ``values`` (one period: pooled quantiles
    would put a trending series in one class)."""
    mc = _rows(a.markov_classes, series)
    quantiles = not len(mc) or all(re.fullmatch(r"Q\d+", str(c)) for c in mc["class"])
    if not quantiles:
        from cosyn.report.text import translate

        edges = [float(e) for e in mc["upper_edge"] if pd.notna(e)]
        return edges, [translate(str(c), style.lang) for c in mc["class"]], False
    if pooled and len(mc):
        return [float(e) for e in mc["upper_edge"] if pd.notna(e)], None, True
    q = len(mc) if len(mc) else 5
    finite = values[np.isfinite(values)]
    return [float(e) for e in np.unique(np.quantile(finite, np.arange(1, q) / q))], None, True


def _level_colours(
    parts: list[pd.DataFrame], edges: list[float], names: list[str] | None, style: _Style
) -> tuple[list[dict[Any, str]], list[Any]]:
    """Entity → colour of each frame of values (light to dark over the classes present
    in any of them, so that neighbouring classes differ; white when missing) and the
    legend's handles."""
    classes = [np.searchsorted(edges, p["value"].to_numpy(dtype=float), side="left") for p in parts]
    finite = [np.isfinite(p["value"].to_numpy(dtype=float)) for p in parts]
    present = sorted({int(c) for cls, ok in zip(classes, finite, strict=True) for c in cls[ok]})
    low = present[0]
    palette = _blues(present[-1] - low + 1)
    colours = [
        {
            e: palette[int(c) - low] if good else "white"
            for e, c, good in zip(p["entity"], cls, ok, strict=True)
        }
        for p, cls, ok in zip(parts, classes, finite, strict=True)
    ]
    handles: list[Any] = [
        Patch(
            facecolor=palette[i - low],
            edgecolor="0.4",
            linewidth=0.5,
            label=_class_text(edges, i) if names is None else f"{names[i]} {_class_text(edges, i)}",
        )
        for i in present
    ]
    if not all(ok.all() for ok in finite):
        handles.append(
            Patch(facecolor="white", edgecolor="0.4", linewidth=0.5, label=_w(style, "missing"))
        )
    return colours, handles


def _fig_level_map(
    a: Any,
    series: str,
    style: _Style,
    name: str,
    period: Any,
    geometry: dict[str, Any] | None,
) -> Figure | None:
    v = _rows(a.values, series)
    if not len(v):
        return None
    part = v[v["period"] == period]
    values = part["value"].to_numpy(dtype=float)
    if not np.isfinite(values).any():
        return None
    edges, names, quantiles = _level_scale(a, series, style, values, pooled=False)
    (colours,), handles = _level_colours([part], edges, names, style)
    if geometry is None and len(part) < 31:  # tiles without a value
        handles.append(
            Patch(facecolor="white", edgecolor="0.4", linewidth=0.5, label=_w(style, "missing"))
        )
    return _map(
        style,
        geometry,
        colours,
        handles,
        _w(
            style,
            "level_title" if geometry is None else "region_title",
            series=name,
            period=period_text(period),
        ),
        _w(style, "quantile_sub" if quantiles else "level_sub", k=len(edges) + 1),
    )


#: How many periods the multi-period level map shows (first, last and evenly between).
MAP_PERIODS = 4


def _fig_level_maps(
    a: Any, series: str, style: _Style, name: str, geometry: dict[str, Any] | None
) -> Figure | None:
    """Level maps of :data:`MAP_PERIODS` periods side by side, on one scale."""
    v = _rows(a.values, series)
    if not len(v):
        return None
    periods = _periods(v)
    if len(periods) < 2:
        return None
    chosen = [
        periods[i]
        for i in dict.fromkeys(np.linspace(0, len(periods) - 1, MAP_PERIODS).round().astype(int))
    ]
    parts = [v[v["period"] == p] for p in chosen]
    if _map_colours(geometry, dict.fromkeys(parts[0]["entity"], "white")) is None:
        return None
    values = v["value"].to_numpy(dtype=float)
    if not np.isfinite(values).any():
        return None
    edges, names, quantiles = _level_scale(a, series, style, values, pooled=True)
    colours, handles = _level_colours(parts, edges, names, style)
    n = len(chosen)
    ncols = 2 if n > 1 else 1
    nrows = -(-n // ncols)
    panel = (DOUBLE_COLUMN_IN - 0.2) / ncols
    height = nrows * (_map_height(geometry, panel) + 0.25) + 1.2
    fig = _new_figure(DOUBLE_COLUMN_IN, min(9.5, height))
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    for i, ax in enumerate(axes):
        if i >= n:
            ax.set_axis_off()
            continue
        drawn = _map_colours(geometry, colours[i])
        assert drawn is not None
        _draw_map(ax, style, geometry, drawn)
        ax.set_title(period_text(chosen[i]), fontproperties=style.font(LABEL_PT), pad=2)
        ax.set_gid(f"period:{period_text(chosen[i])}")
    _legend_below(fig, style, handles, 3)
    _title(
        fig,
        style,
        _w(
            style,
            "levels_title" if geometry is None else "regions_title",
            series=name,
            periods="、".join(map(period_text, chosen))
            if style.lang == "zh"
            else ", ".join(map(period_text, chosen)),
        ),
        _w(style, "pooled_sub" if quantiles else "level_sub", k=len(edges) + 1),
    )
    return fig


def _edge_texts(mc: pd.DataFrame) -> list[str]:
    """Each class of a ``markov_classes`` table as its interval, ``(lo, hi]``."""
    upper = mc["upper_edge"].to_numpy(dtype=float)
    out = []
    for i, hi in enumerate(upper):
        lo = upper[i - 1] if i else np.nan
        if not np.isfinite(lo) and not np.isfinite(hi):
            out.append("")
        elif not np.isfinite(lo):
            out.append(f"≤ {hi:.3g}")
        elif not np.isfinite(hi):
            out.append(f"> {lo:.3g}")
        else:
            out.append(f"({lo:.3g}, {hi:.3g}]")
    return out


def _markov_classes(a: Any, series: str, style: _Style) -> tuple[list[Any], list[str], list[str]]:
    """The classes of the series in order, their names in ``style.lang`` and their
    intervals (empty texts when the table of classes has no row)."""
    from cosyn.report.text import translate

    mc = _rows(a.markov_classes, series)
    if len(mc):
        classes = list(mc["class"])
        edges = _edge_texts(mc)
    else:
        m = _rows(a.markov, series)
        classes = list(dict.fromkeys(m["from"]))
        edges = [""] * len(classes)
    names = [translate(str(c), style.lang) for c in classes]
    return classes, names, edges


def _square(frame: pd.DataFrame, classes: list[Any], value: str) -> np.ndarray:
    """The ``from`` × ``to`` matrix of column ``value`` in the order of ``classes``."""
    wide = frame.pivot_table(index="from", columns="to", values=value, aggfunc="first")
    return wide.reindex(index=classes, columns=classes).to_numpy(dtype=float)


def _observed(counts: np.ndarray) -> np.ndarray:
    """Indices of the classes that start or end at least one transition."""
    return np.flatnonzero((np.nansum(counts, axis=0) + np.nansum(counts, axis=1)) > 0)


#: Fill of the rows of a transition matrix whose class is never left (no estimate).
_NEVER_GREY = "0.88"


def _matrix(
    ax: Any,
    probs: np.ndarray,
    counts: np.ndarray,
    style: _Style,
    *,
    with_counts: bool,
) -> None:
    """An annotated heat map of transition probabilities (rows: from), on [0, 1]."""
    from matplotlib import colormaps
    from matplotlib.colors import Normalize

    k = probs.shape[0]
    cmap = colormaps["Blues"].with_extremes(bad=_NEVER_GREY)
    ax.pcolormesh(
        np.ma.masked_invalid(probs),
        cmap=cmap,
        norm=Normalize(0.0, 1.0),
        edgecolors="0.75",
        linewidth=0.4,
        gid="cells",
    )
    ax.set_xlim(0, k)
    ax.set_ylim(k, 0)
    ax.set_aspect("equal")
    for r in range(k):
        for c in range(k):
            p, n = probs[r, c], counts[r, c]
            if not np.isfinite(p) or (n == 0 and not with_counts):
                continue  # a class never left is grey; in small panels a 0 stays blank
            if n == 0:
                text, colour = "0", REFERENCE_GREY
            else:
                text = f"{p:.2f}" + (f"\n({int(n)})" if with_counts else "")
                colour = "white" if p > 0.55 else "black"
            ax.text(
                c + 0.5,
                r + 0.5,
                text,
                ha="center",
                va="center",
                color=colour,
                fontproperties=style.font(TICK_PT),
                linespacing=1.0,
                gid=f"cell:{r}:{c}",
            )
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)


def _x_labels(ax: Any, labels: list[str], style: _Style, width_in: float) -> None:
    k = len(labels)
    wide = k * (max(_text_width(t, TICK_PT) for t in labels) + 0.08) > width_in
    extra: dict[str, Any] = (
        {"rotation": 40, "ha": "right", "rotation_mode": "anchor"} if wide else {}
    )
    ax.set_xticks(np.arange(k) + 0.5, labels, fontproperties=style.font(TICK_PT), **extra)


def _fig_markov(a: Any, series: str, style: _Style, name: str) -> Figure | None:
    m = _rows(a.markov, series)
    if not len(m):
        return None
    classes, names, edges = _markov_classes(a, series, style)
    counts = np.nan_to_num(_square(m, classes, "count"))
    probs = _square(m, classes, "probability")
    keep = _observed(counts)
    if not keep.size:
        return None
    k = keep.size
    counts, probs = counts[np.ix_(keep, keep)], probs[np.ix_(keep, keep)]
    rows = [f"{names[i]}  {edges[i]}".strip() if names[i] != edges[i] else names[i] for i in keep]
    cols = [edges[i] or names[i] for i in keep]
    if all(re.fullmatch(r"Q\d+", str(classes[i])) for i in keep):
        cols = [names[i] for i in keep]
    cell = 0.62 if k <= 6 else 0.5
    label_w = min(2.4, max(_text_width(t, TICK_PT) for t in rows) + 0.15)
    rows = [_fit(t, label_w, TICK_PT) for t in rows]
    width = min(DOUBLE_COLUMN_IN, max(SINGLE_COLUMN_IN * 1.4, label_w + k * cell + 0.9))
    cell = min(cell, (width - label_w - 0.9) / k)
    fig = _new_figure(width, min(8.0, k * cell + 1.9))
    ax = fig.add_subplot()
    _style_axes(ax, style, frame=True)
    _matrix(ax, probs, counts, style, with_counts=True)
    ax.set_yticks(np.arange(k) + 0.5, rows, fontproperties=style.font(TICK_PT))
    _x_labels(ax, cols, style, min(width - label_w - 0.5, fig.get_figheight() - 1.3))
    ax.set_ylabel(_w(style, "markov_from"), fontproperties=style.font(LABEL_PT))
    ax.set_xlabel(_w(style, "markov_to"), fontproperties=style.font(LABEL_PT))
    _title(
        fig,
        style,
        _w(style, "markov_title", series=name),
        _w(style, "markov_sub", n=int(counts.sum())),
    )
    return fig


def _fig_spatial_markov(a: Any, series: str, style: _Style, name: str) -> Figure | None:
    sm = _rows(a.spatial_markov, series)
    if not len(sm):
        return None
    classes, names, edges = _markov_classes(a, series, style)
    lags = list(dict.fromkeys(sm["lag_class"]))
    panels = []
    for lag in lags:
        part = sm[sm["lag_class"] == lag]
        counts = np.nan_to_num(_square(part, classes, "count"))
        if counts.sum() > 0:
            panels.append((lag, counts, _square(part, classes, "probability")))
    if not panels:
        return None
    total = sum(c for _, c, _ in panels)
    keep = _observed(total)
    k = keep.size
    labels = [edges[i] or names[i] for i in keep]
    if all(re.fullmatch(r"Q\d+", str(classes[i])) for i in keep):
        labels = [names[i] for i in keep]
    n = len(panels)
    ncols = min(3, n)
    nrows = -(-n // ncols)
    label_w = max(_text_width(t, TICK_PT) for t in labels) + 0.15
    panel = min(2.4, (DOUBLE_COLUMN_IN - label_w - 0.3) / ncols)
    width = max(SINGLE_COLUMN_IN * 1.4, min(DOUBLE_COLUMN_IN, label_w + 0.5 + ncols * panel))
    fig = _new_figure(width, min(9.5, nrows * (panel + 0.35) + 1.2 + 0.3 * label_w))
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    with_counts = panel / max(k, 1) >= 0.34
    for i, ax in enumerate(axes):
        if i >= n:
            ax.set_axis_off()
            continue
        lag, counts, probs = panels[i]
        counts, probs = counts[np.ix_(keep, keep)], probs[np.ix_(keep, keep)]
        _style_axes(ax, style, frame=True)
        _matrix(ax, probs, counts, style, with_counts=with_counts)
        lag_text = re.sub(r"^lag\s*", "", str(lag))
        ax.set_title(
            _w(style, "lag_panel", lag=lag_text, n=int(counts.sum())),
            fontproperties=style.font(LABEL_PT),
            pad=3,
        )
        ax.set_gid(f"lag:{lag}")
        if i % ncols == 0:
            ax.set_yticks(np.arange(k) + 0.5, labels, fontproperties=style.font(TICK_PT))
            ax.set_ylabel(_w(style, "markov_from"), fontproperties=style.font(LABEL_PT))
        else:
            ax.set_yticks(np.arange(k) + 0.5, [])
        if i + ncols >= n:  # the lowest panel of its column
            _x_labels(ax, labels, style, panel)
            ax.set_xlabel(_w(style, "markov_to"), fontproperties=style.font(LABEL_PT))
        else:
            ax.set_xticks(np.arange(k) + 0.5, [])
    tests = _rows(a.spatial_markov_tests, series)
    sub = ""
    if len(tests):
        t = tests.iloc[0]
        sub = _w(
            style,
            "smarkov_sub",
            Q=float(t["Q"]),
            Qp=float(t["Q_p"]),
            LR=float(t["LR"]),
            LRp=float(t["LR_p"]),
        )
    _title(fig, style, _w(style, "smarkov_title", series=name), sub)
    return fig


# -- entry point ------------------------------------------------------------------------
#: The tables each figure is drawn from: a figure of a series is drawn when one of them has
#: rows of the series.
_SOURCES: dict[str, tuple[str, ...]] = {
    "analysis_gini": ("gini",),
    "analysis_gini_groups": ("gini_within", "gini_between"),
    "analysis_theil": ("theil",),
    "analysis_sigma": ("sigma",),
    "analysis_beta": ("beta",),
    "analysis_density": ("density_curves",),
    "analysis_moran": ("moran",),
    "analysis_moran_scatter": ("lisa",),
    "analysis_lisa_map": ("lisa",),
    "analysis_level_map": ("values",),
    "analysis_level_maps": ("values",),
    "analysis_markov": ("markov",),
    "analysis_spatial_markov": ("spatial_markov",),
}
#: The figures that are maps (drawn only on a geometry or China's provinces).
_MAPS: tuple[str, ...] = ("analysis_lisa_map", "analysis_level_map", "analysis_level_maps")


def _has_rows(a: Any, figure: str, series: str) -> bool:
    return any(len(_rows(getattr(a, t), series)) for t in _SOURCES[figure])


def _inputs(result: Any) -> tuple[Any, dict[str, str], float | None, dict[str, Any] | None]:
    """The tables, subsystem labels, spec alpha and geometry of a Result (or of bare
    tables: no labels, alpha or geometry)."""
    if hasattr(result, "analysis") and hasattr(result, "spec"):
        spec_a = getattr(result.spec, "analysis", None)
        alpha = float(spec_a.alpha) if spec_a is not None else None
        labels = {s.name: s.label or s.name for s in result.spec.subsystems}
        return result.analysis, labels, alpha, _read_shapes(result)
    return result, {}, None, None


def _figure_series(a: Any, series: str | None) -> dict[str, str]:
    """The series each figure draws: ``series`` for all, or by default, for each figure,
    the first analysed series whose tables have its rows (U has no Gini, Theil, σ or β:
    those figures then draw the next series)."""
    known = list(dict.fromkeys(a.values["series"])) if len(a.values) else []
    if series is not None:
        if known and series not in known:
            raise ValueError(f"series {series!r} is not among the analysed series {known}")
        return dict.fromkeys(ANALYSIS_FIGURES, series)
    if not known:
        return {}
    return {f: next((s for s in known if _has_rows(a, f, s)), known[0]) for f in ANALYSIS_FIGURES}


def _period_of(a: Any, series: str, period: Any) -> Any:
    """``period`` as it is in the tables of ``series`` (also given as its label:
    ``"2022"`` for 2022); default the last period with LISA rows, else with values."""
    lisa = _rows(a.lisa, series)
    source = lisa if len(lisa) else _rows(a.values, series)
    if not len(source):
        return period
    periods = _periods(source)
    if period is None:
        return periods[-1]
    if period in periods:
        return period
    by_text = {period_text(p): p for p in periods}
    if period_text(period) not in by_text:
        raise ValueError(
            f"period {period!r} is not among the periods of series {series!r}: "
            + ", ".join(by_text)
        )
    return by_text[period_text(period)]


def analysis_figure_names(result: Any, *, series: str | None = None) -> tuple[str, ...]:
    """The names of the figures :func:`render_analysis_figures` draws, without drawing.

    Every figure whose tables have rows of its series (the maps only on a geometry or
    China's provinces), in the order of :data:`ANALYSIS_FIGURES`. A figure whose rows
    cannot be drawn (e.g. a Markov chain with no transition) is named here and missing
    from the drawing.

    Raises
    ------
    ValueError
        ``series`` not in the tables.
    """
    a, _, _, geometry = _inputs(result)
    if a is None:
        return ()
    chosen = _figure_series(a, series)
    names = []
    for figure, s in chosen.items():
        if not _has_rows(a, figure, s):
            continue
        if figure in _MAPS:
            entities = dict.fromkeys(_rows(a.values, s)["entity"], "white")
            if _map_colours(geometry, entities) is None:
                continue
        names.append(figure)
    return tuple(names)


def render_analysis_figures(
    result: Any,
    lang: str = "en",
    *,
    series: str | None = None,
    period: Any = None,
    alpha: float | None = None,
    names: Iterable[str] | None = None,
) -> dict[str, Figure]:
    """The figures of the spatio-temporal analysis, by name.

    Parameters
    ----------
    result : Result or AnalysisResult
        A fitted model with an ``[analysis]`` table (its :attr:`Result.analysis` is
        drawn; subsystem labels, ``alpha`` and a geometry file come from its spec) or the
        tables themselves.
    lang : {"en", "zh"}
        Language of the texts.
    series : str, optional
        The series drawn (the ``series`` column of the tables). Default: for each figure
        the first analysed series that has its rows (the synergy degree U, first by
        default, has no Gini, Theil, σ or β: those figures draw the next series; every
        title names its series).
    period : optional
        The period of the Moran scatter plot and the single-period maps (also as its
        label prints: ``"2022"`` for 2022); default the last. With the default
        ``series``, these figures draw the first series that has this period (U has no
        base period).
    alpha : float, optional
        Significance level (default the spec's ``[analysis] alpha``, else 0.05).
    names : iterable of str, optional
        Draw only these figures (names of :data:`ANALYSIS_FIGURES`; see
        :func:`analysis_figure_names`).

    Returns
    -------
    dict of str to Figure
        Only the figures whose tables have rows, in the order of
        :data:`ANALYSIS_FIGURES`; the maps only on a geometry file given as ``[analysis]
        weights`` (when ``result`` is a Result) or when every entity is a province of
        China.

    Raises
    ------
    ValueError
        ``series``, ``period`` or a name of ``names`` unknown (the known ones named).
    """
    style = _style(lang)
    a, labels, spec_alpha, geometry = _inputs(result)
    if a is None:
        return {}
    alpha = float(alpha if alpha is not None else spec_alpha if spec_alpha is not None else 0.05)
    wanted = set(ANALYSIS_FIGURES if names is None else names)
    unknown = wanted - set(ANALYSIS_FIGURES)
    if unknown:
        raise ValueError(
            f"unknown figure(s) {sorted(unknown)}; the figures: {', '.join(ANALYSIS_FIGURES)}"
        )
    chosen = _figure_series(a, series)
    periods: dict[str, Any] = {}
    for figure in ("analysis_moran_scatter", "analysis_lisa_map", "analysis_level_map"):
        s = chosen.get(figure)
        if s is None:
            continue
        if series is None and period is not None:  # the first series that has the period
            known = list(dict.fromkeys(a.values["series"]))
            for other in [s, *known]:
                if not _has_rows(a, figure, other):
                    continue
                try:
                    periods[other] = _period_of(a, other, period)
                except ValueError:
                    continue
                chosen[figure] = s = other
                break
        if s not in periods:
            periods[s] = _period_of(a, s, period)

    def draw(figure: str, s: str) -> Figure | None:
        name = _series_name(s, style, labels)
        at = periods.get(s)
        if figure == "analysis_gini":
            return _fig_gini(a, s, style, name)
        if figure == "analysis_gini_groups":
            return _fig_gini_groups(a, s, style, name)
        if figure == "analysis_theil":
            return _fig_theil(a, s, style, name)
        if figure == "analysis_sigma":
            return _fig_sigma(a, s, style, name)
        if figure == "analysis_beta":
            return _fig_beta(a, s, style, name)
        if figure == "analysis_density":
            return _fig_density(a, s, style, name)
        if figure == "analysis_moran":
            return _fig_moran(a, s, style, name, alpha)
        if figure == "analysis_moran_scatter":
            return _fig_scatter(a, s, style, name, at, alpha)
        if figure == "analysis_lisa_map":
            return _fig_lisa_map(a, s, style, name, at, alpha, geometry)
        if figure == "analysis_level_map":
            return _fig_level_map(a, s, style, name, at, geometry)
        if figure == "analysis_level_maps":
            return _fig_level_maps(a, s, style, name, geometry)
        if figure == "analysis_markov":
            return _fig_markov(a, s, style, name)
        return _fig_spatial_markov(a, s, style, name)

    out: dict[str, Figure] = {}
    for figure, s in chosen.items():
        if figure not in wanted or not _has_rows(a, figure, s):
            continue
        fig = draw(figure, s)
        if fig is not None:
            _warn_missing_cjk(fig)
            out[figure] = fig
    return out

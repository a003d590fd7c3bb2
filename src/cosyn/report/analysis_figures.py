"""Figures of the spatio-temporal analysis (SPATIAL.md): Dagum decomposition, group Gini,
kernel density ridgeline, Moran's I, Moran scatter plot, LISA and level tile maps.

Each figure is drawn from the tables of an :class:`~cosyn.analysis.AnalysisResult` for
one series at a time, in the look of :mod:`cosyn.report.figures` (same sizes, fonts, CJK
handling and colours). A figure whose table is empty is left out. The tile maps are drawn
only when every entity is one of China's 31 mainland provincial-level divisions
(:func:`cosyn.datasets.match_provinces`); for other entities there is no map.
"""

from __future__ import annotations

import re
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
    _line_style,
    _new_figure,
    _period_ticks,
    _Style,
    _style,
    _style_axes,
    _title,
    _warn_missing_cjk,
)
from cosyn.report.text import period_text

__all__ = ["ANALYSIS_FIGURES", "LISA_COLOURS", "render_analysis_figures"]

#: Names of the figures, in drawing order.
ANALYSIS_FIGURES: tuple[str, ...] = (
    "analysis_gini",
    "analysis_gini_groups",
    "analysis_density",
    "analysis_moran",
    "analysis_moran_scatter",
    "analysis_lisa_map",
    "analysis_level_map",
)
#: LISA cluster colours (GeoDa's convention).
LISA_COLOURS: dict[str, str] = {
    "HH": "#D7191C",
    "LL": "#2C7BB6",
    "LH": "#ABD9E9",
    "HL": "#F4A6B8",
    "not significant": "#E0E0E0",
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
        "level_sub": "{k} level classes of the series' scale",
        "quantile_sub": "{k} quantile classes of this period",
        "not significant": "not significant",
        "period": "period",
        "missing": "no value",
    },
    "zh": {
        "gini_title": "{series}的Dagum基尼系数分解",
        "gini_ylabel": "基尼系数",
        "Gw": "组内差异 G_w",
        "Gnb": "组间净差异 G_nb",
        "Gt": "超变密度 G_t",
        "G": "总体 G",
        "share": "平均占 G 的 {pct:.0f}%",
        "groups_title": "{series}的组内与组间基尼系数",
        "within": "组内 G_jj",
        "between": "组间 G_jh",
        "density_title": "{series}各时期的核密度",
        "density_sub": "高斯核，带宽 {h}；{n} 个时期",
        "density_ylabel": "时期",
        "moran_title": "{series}的全局莫兰指数",
        "moran_sub": "实心：p_sim < {alpha:g}（{perm} 次置换）；空心：不显著",
        "moran_sub0": "正态近似：实心为 p < {alpha:g}",
        "moran_ylabel": "莫兰指数 I",
        "scatter_title": "{series}的莫兰散点图，{period}",
        "scatter_sub": "I = {I:.3f}；标注：LISA p_sim < {alpha:g}（{perm} 次置换）",
        "scatter_x": "标准化值 z",
        "scatter_y": "z 的空间滞后",
        "lisa_title": "{series}的LISA集聚图，{period}",
        "lisa_sub": "p_sim < {alpha:g}，{perm} 次置换",
        "level_title": "{series}分省分布，{period}",
        "level_sub": "{k} 个等级（该指标的等级划分）",
        "quantile_sub": "本期 {k} 分位数分类",
        "not significant": "不显著",
        "period": "时期",
        "missing": "无数据",
    },
}


def _w(style: _Style, key: str, **values: Any) -> str:
    return _WORDS[style.lang][key].format(**values)


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
def _fig_gini(a: Any, series: str, style: _Style, name: str) -> Figure | None:
    g = _rows(a.gini, series)
    if not len(g):
        return None
    periods = _periods(g)
    x = np.arange(len(periods))
    fig = _new_figure(SINGLE_COLUMN_IN * 1.4, 3.0)
    ax = fig.add_subplot()
    _style_axes(ax, style)
    bottom = np.zeros(len(x))
    handles: list[Any] = []
    for key, share, colour in (
        ("Gw", "share_w", OKABE_ITO[0]),
        ("Gnb", "share_nb", OKABE_ITO[1]),
        ("Gt", "share_t", OKABE_ITO[2]),
    ):
        v = g[key].to_numpy(dtype=float)
        ax.bar(x, v, bottom=bottom, color=colour, width=0.7, edgecolor="white", linewidth=0.4)
        bottom = bottom + np.nan_to_num(v)
        shares = g[share].to_numpy(dtype=float)
        pct = (
            100 * float(np.mean(shares[np.isfinite(shares)]))
            if np.isfinite(shares).any()
            else np.nan
        )
        handles.append(
            Patch(color=colour, label=f"{_w(style, key)} ({_w(style, 'share', pct=pct)})")
        )
    ax.plot(x, g["G"].to_numpy(dtype=float), color="black", marker="o", ms=2.5, lw=0.8)
    handles.append(Line2D([], [], color="black", marker="o", ms=2.5, lw=0.8, label=_w(style, "G")))
    labels = [period_text(p) for p in periods]
    _period_ticks(ax, labels, style, 4.0)
    ax.set_ylabel(_w(style, "gini_ylabel"), fontproperties=style.font(LABEL_PT))
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.1),
        ncols=1,
        frameon=False,
        prop=style.font(LEGEND_PT),
    )
    _title(fig, style, _w(style, "gini_title", series=name))
    return fig


def _fig_gini_groups(a: Any, series: str, style: _Style, name: str) -> Figure | None:
    gw = _rows(a.gini_within, series)
    gb = _rows(a.gini_between, series)
    if not len(gw) and not len(gb):
        return None
    fig = _new_figure(DOUBLE_COLUMN_IN, 2.8)
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
                marker="o",
                ms=2,
                label=label,
                **_line_style(i),
            )
        _period_ticks(ax, [period_text(p) for p in periods], style, 3.0)
        ax.legend(frameon=False, prop=style.font(LEGEND_PT), ncols=2 if what == "between" else 1)
    axes[0].set_ylabel(_w(style, "gini_ylabel"), fontproperties=style.font(LABEL_PT))
    _title(fig, style, _w(style, "groups_title", series=name))
    return fig


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
    top = float(np.nanmax(c["density"].to_numpy(dtype=float))) or 1.0
    step = 0.6  # each period's baseline, in units of the highest density
    for i, p in enumerate(periods):
        part = c[c["period"] == p]
        x = part["x"].to_numpy(dtype=float)
        y = part["density"].to_numpy(dtype=float) / top
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
        _w(style, "density_sub", n=n, h=_bandwidths(a, series)),
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
    ax.axhline(float(m["EI"].iloc[0]), color=REFERENCE_GREY, lw=0.6, ls="--")
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
    for e, xi, yi in zip(part["entity"][sig], z[sig], lag[sig], strict=True):
        ax.annotate(
            _entity_text(e, style),
            (xi, yi),
            xytext=(2, 2),
            textcoords="offset points",
            fontproperties=style.font(TICK_PT),
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


def _tile_map(
    style: _Style, colours: dict[str, str], handles: list[Any], title: str, sub: str
) -> Figure:
    """One square per province of :func:`cosyn.datasets.china_tiles`, coloured by
    ``colours`` (canonical name → colour; a province absent is white)."""
    from cosyn.datasets import china_tiles, province_names

    tiles = china_tiles()
    r0, r1 = int(tiles["row"].min()), int(tiles["row"].max())
    c0, c1 = int(tiles["col"].min()), int(tiles["col"].max())
    fig = _new_figure(5.0, 5.0)
    ax = fig.add_subplot()
    ax.set_axis_off()
    english = province_names("en")
    for prov, r, c in tiles[["province", "row", "col"]].itertuples(index=False):
        colour = colours.get(prov, "white")
        ax.add_patch(
            Rectangle(
                (c - 0.46, -r - 0.46),
                0.92,
                0.92,
                facecolor=colour,
                edgecolor="0.4",
                linewidth=0.5,
                gid=f"tile:{prov}",
            )
        )
        text = prov if style.lang == "zh" else _TILE_NAMES.get(prov, english.get(prov, prov))
        ax.text(
            c,
            -r,
            text,
            ha="center",
            va="center",
            fontproperties=style.font(TICK_PT),
            color="white" if _luminance(colour) < 0.45 else "black",
            linespacing=0.9,
        )
    ax.set_xlim(c0 - 0.5, c1 + 0.5)
    ax.set_ylim(-r1 - 0.5, -r0 + 0.5)
    ax.set_aspect("equal")
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncols=3,
        frameon=False,
        prop=style.font(LEGEND_PT),
    )
    _title(fig, style, title, sub)
    return fig


def _fig_lisa_map(
    a: Any, series: str, style: _Style, name: str, period: Any, alpha: float
) -> Figure | None:
    lisa = _rows(a.lisa, series)
    if not len(lisa):
        return None
    part = lisa[lisa["period"] == period]
    matched = _provinces(list(part["entity"]))
    if not len(part) or matched is None:
        return None
    colours = {
        matched[e]: LISA_COLOURS.get(c, LISA_COLOURS["not significant"])
        for e, c in zip(part["entity"], part["cluster"], strict=True)
    }
    counts = part["cluster"].value_counts().to_dict()
    handles = [
        Patch(
            facecolor=v,
            edgecolor="0.4",
            linewidth=0.5,
            label=f"{_w(style, k) if k == 'not significant' else k} ({counts.get(k, 0)})",
        )
        for k, v in LISA_COLOURS.items()
    ]
    m = _rows(a.moran, series)
    perm = int(m["permutations"].max()) if len(m) else 0
    return _tile_map(
        style,
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


def _fig_level_map(a: Any, series: str, style: _Style, name: str, period: Any) -> Figure | None:
    v = _rows(a.values, series)
    if not len(v):
        return None
    part = v[v["period"] == period]
    matched = _provinces(list(part["entity"]))
    if not len(part) or matched is None:
        return None
    values = part["value"].to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    if not finite.size:
        return None
    mc = _rows(a.markov_classes, series)
    quantiles = not len(mc) or all(re.fullmatch(r"Q\d+", str(c)) for c in mc["class"])
    if quantiles:  # pooled quantiles would put a trending series in one class: this period's
        q = len(mc) if len(mc) else 5
        edges = [float(e) for e in np.unique(np.quantile(finite, np.arange(1, q) / q))]
    else:  # the level scale of the series
        edges = [float(e) for e in mc["upper_edge"] if pd.notna(e)]
    k = len(edges) + 1
    palette = _blues(k)
    cls = np.searchsorted(edges, values, side="left")
    colours = {
        matched[e]: palette[int(c)]
        for e, c, x in zip(part["entity"], cls, values, strict=True)
        if np.isfinite(x)
    }
    present = sorted({int(c) for c, x in zip(cls, values, strict=True) if np.isfinite(x)})
    handles = [
        Patch(facecolor=palette[i], edgecolor="0.4", linewidth=0.5, label=_class_text(edges, i))
        for i in present
    ]
    if len(colours) < 31:
        handles.append(
            Patch(facecolor="white", edgecolor="0.4", linewidth=0.5, label=_w(style, "missing"))
        )
    return _tile_map(
        style,
        colours,
        handles,
        _w(style, "level_title", series=name, period=period_text(period)),
        _w(style, "quantile_sub" if quantiles else "level_sub", k=k),
    )


# -- entry point ------------------------------------------------------------------------
def render_analysis_figures(
    result: Any,
    lang: str = "en",
    *,
    series: str | None = None,
    period: Any = None,
    alpha: float | None = None,
) -> dict[str, Figure]:
    """The figures of the spatio-temporal analysis of one series, by name.

    Parameters
    ----------
    result : Result or AnalysisResult
        A fitted model with an ``[analysis]`` table (its :attr:`Result.analysis` is
        drawn; subsystem labels and ``alpha`` come from its spec) or the tables
        themselves.
    lang : {"en", "zh"}
        Language of the texts.
    series : str, optional
        The series drawn (the ``series`` column of the tables); default the first.
    period : optional
        The period of the Moran scatter plot and the maps (also as its label prints:
        ``"2022"`` for 2022); default the last.
    alpha : float, optional
        Significance level (default the spec's ``[analysis] alpha``, else 0.05).

    Returns
    -------
    dict of str to Figure
        Only the figures whose tables have rows, in the order of
        :data:`ANALYSIS_FIGURES`; the tile maps only when every entity is a province of
        China.

    Raises
    ------
    ValueError
        ``series`` or ``period`` not in the tables (the known ones named).
    """
    style = _style(lang)
    labels: dict[str, str] = {}
    a = result
    if hasattr(result, "analysis") and hasattr(result, "spec"):
        a = result.analysis
        spec_a = getattr(result.spec, "analysis", None)
        if alpha is None and spec_a is not None:
            alpha = float(spec_a.alpha)
        labels = {s.name: s.label or s.name for s in result.spec.subsystems}
    if a is None:
        return {}
    alpha = 0.05 if alpha is None else float(alpha)
    known = list(dict.fromkeys(a.values["series"])) if len(a.values) else []
    if series is None:
        if not known:
            return {}
        series = known[0]
    elif known and series not in known:
        raise ValueError(f"series {series!r} is not among the analysed series {known}")
    name = _series_name(series, style, labels)
    v = _rows(a.values, series)
    lisa = _rows(a.lisa, series)
    source = lisa if len(lisa) else v
    if len(source):
        periods = _periods(source)
        if period is None:
            period = periods[-1]
        elif period not in periods:  # "2022" for 2022: matched as the labels print
            by_text = {period_text(p): p for p in periods}
            if period_text(period) not in by_text:
                raise ValueError(
                    f"period {period!r} is not among the periods of series {series!r}: "
                    + ", ".join(by_text)
                )
            period = by_text[period_text(period)]
    figs: dict[str, Figure | None] = {
        "analysis_gini": _fig_gini(a, series, style, name),
        "analysis_gini_groups": _fig_gini_groups(a, series, style, name),
        "analysis_density": _fig_density(a, series, style, name),
        "analysis_moran": _fig_moran(a, series, style, name, alpha),
        "analysis_moran_scatter": _fig_scatter(a, series, style, name, period, alpha),
        "analysis_lisa_map": _fig_lisa_map(a, series, style, name, period, alpha),
        "analysis_level_map": _fig_level_map(a, series, style, name, period),
    }
    out = {k: f for k, f in figs.items() if f is not None}
    for f in out.values():
        _warn_missing_cjk(f)
    return out

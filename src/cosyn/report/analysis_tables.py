"""The tables of the spatio-temporal analysis as papers print them (SPATIAL.md).

:func:`analysis_paper_tables` turns the tidy tables of
:class:`~cosyn.analysis.run.AnalysisResult` (``Result.analysis``) into the tables a
results section prints, in the style of :mod:`cosyn.report.tables`: headers in the chosen
language (``lang = "en"`` or ``"zh"``), series by their symbols (U, μ of a subsystem by
its label, the mean μ, D; :func:`analysis_series_label`), the groups of the bundled
schemes by their names in ``lang`` (东部/中部/西部/东北), level names translated, numbers
kept as numbers (shares of G and T in per cent), an empty cell where a value does not
exist, a plain ``RangeIndex``. The numbers are those of ``Result.analysis``; nothing here
computes a statistic, writes a file or draws.

Every table has the series as its first column (one block of rows per series) and is
returned only when it has rows, in the order a paper prints them: group statistics; the
Dagum decomposition, within-group G_jj and between-group G_jh; Theil; σ- and
β-convergence; kernel density peaks; global Moran's I; LISA clusters; the Markov
transition matrix; the spatial Markov matrices and their homogeneity test.

Two shapes differ from the tidy tables on purpose:

- **LISA** is one row per series and period with the entities of each significant cluster
  (HH, LH, LL, HL) listed in their cell and the number of entities that are not
  significant — the table papers print beside the LISA map. An entity × period table of
  cluster names is mostly "not significant" and hides the clusters; the per-entity
  values (Ii, z, p) stay in ``Result.analysis.lisa`` and ``analysis/lisa.csv``.
- **Markov** matrices are from-class rows × to-class columns, with the number of
  transitions that start in each class (n) and a last row of the steady state; the
  spatial Markov matrices stack one such block per class of the spatial lag.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from cosyn.report.tables import PaperTable, header
from cosyn.report.text import LANGS, period_text, translate

if TYPE_CHECKING:
    from cosyn.analysis.run import AnalysisResult
    from cosyn.result import Result

__all__ = [
    "ANALYSIS_HEADERS",
    "ANALYSIS_TABLES",
    "analysis_paper_tables",
    "analysis_series_label",
    "series_key",
]

#: The tables that come one per series (key ``<family>_<series key>``).
PER_SERIES: tuple[str, ...] = ("analysis_markov", "analysis_spatial_markov")

#: The keys of :func:`analysis_paper_tables`, in the order a paper prints them. The
#: Markov and spatial Markov tables come one per series (their classes differ between
#: series): their keys are these two followed by ``_`` and :func:`series_key` of the
#: series (``analysis_markov_synergy``, ``analysis_spatial_markov_order_digital``).
ANALYSIS_TABLES: tuple[str, ...] = (
    "analysis_group_stats",
    "analysis_gini",
    "analysis_gini_within",
    "analysis_gini_between",
    "analysis_theil",
    "analysis_sigma",
    "analysis_beta",
    "analysis_density",
    "analysis_moran",
    "analysis_lisa",
    "analysis_markov",
    "analysis_spatial_markov",
    "analysis_spatial_markov_tests",
)

#: Header words of the analysis tables, ``name: (English, Chinese)``.
ANALYSIS_HEADERS: dict[str, tuple[str, str]] = {
    "series": ("Series", "指标"),
    "rank": ("Rank", "排名"),
    "G": ("Overall G", "总体基尼系数 G"),
    "Gw": ("Within G_w", "区域内差异 G_w"),
    "Gnb": ("Between G_nb", "区域间差异 G_nb"),
    "Gt": ("Transvariation G_t", "超变密度 G_t"),
    "share_Gw": ("Within share (%)", "区域内贡献率（%）"),
    "share_Gnb": ("Between share (%)", "区域间贡献率（%）"),
    "share_Gt": ("Transvariation share (%)", "超变密度贡献率（%）"),
    "T": ("Theil T", "泰尔指数 T"),
    "Tw": ("Within T_w", "区域内差异 T_w"),
    "Tb": ("Between T_b", "区域间差异 T_b"),
    "share_Tw": ("Within share (%)", "区域内贡献率（%）"),
    "share_Tb": ("Between share (%)", "区域间贡献率（%）"),
    "T_g": ("T ({})", "T（{}）"),
    "sd0": ("SD σ", "标准差 σ"),
    "cv": ("Coefficient of variation", "变异系数"),
    "first_period": ("First period", "起始期"),
    "last_period": ("Last period", "终止期"),
    "span": ("Span T", "时间跨度 T"),
    "beta": ("β", "β"),
    "se": ("SE", "标准误"),
    "t": ("t", "t 值"),
    "p": ("p", "p 值"),
    "r2": ("R²", "R²"),
    "speed": ("Speed of convergence", "收敛速度"),
    "converging": ("Converging", "是否收敛"),
    "yes": ("yes", "是"),
    "no": ("no", "否"),
    "bandwidth": ("Bandwidth", "带宽"),
    "peak_location": ("Main peak location", "主峰位置"),
    "peak_height": ("Main peak height", "主峰高度"),
    "n_peaks": ("Number of peaks", "波峰数量"),
    "width": ("Width at half height", "半高宽"),
    "I": ("Moran's I", "莫兰指数 I"),
    "EI": ("E[I]", "期望值 E[I]"),
    "z": ("z", "z 值"),
    "p_norm": ("p (normal)", "p 值（正态近似）"),
    "p_sim": ("p (permutations)", "p 值（置换检验）"),
    "HH": ("HH (high–high)", "高-高集聚（HH）"),
    "LH": ("LH (low–high)", "低-高集聚（LH）"),
    "LL": ("LL (low–low)", "低-低集聚（LL）"),
    "HL": ("HL (high–low)", "高-低集聚（HL）"),
    "not_significant": ("Not significant (n)", "不显著（个数）"),
    "from": ("Class at t", "t 期类型"),
    "lag_class": ("Spatial lag class", "邻域类型"),
    "transitions": ("n", "观测数 n"),
    "steady": ("Steady state", "稳态分布"),
    "LR": ("LR", "LR 统计量"),
    "LR_p": ("p (LR)", "p 值（LR）"),
    "Q": ("Q", "Q 统计量"),
    "Q_p": ("p (Q)", "p 值（Q）"),
    "dof": ("Degrees of freedom", "自由度"),
}

_TITLES: dict[str, tuple[str, str]] = {
    "analysis_group_stats": (
        "Group statistics: mean, SD and rank of each group",
        "分组统计：各区域均值、标准差与排名",
    ),
    "analysis_gini": (
        "Dagum Gini coefficient and its decomposition",
        "Dagum 基尼系数及其分解",
    ),
    "analysis_gini_within": ("Within-group Gini coefficient G_jj", "区域内基尼系数 G_jj"),
    "analysis_gini_between": ("Between-group Gini coefficient G_jh", "区域间基尼系数 G_jh"),
    "analysis_theil": ("Theil index and its decomposition", "泰尔指数及其分解"),
    "analysis_sigma": (
        "σ-convergence: standard deviation and coefficient of variation",
        "σ 收敛：标准差与变异系数",
    ),
    "analysis_beta": ("Absolute β-convergence", "绝对 β 收敛检验"),
    "analysis_density": (
        "Kernel density: main peak, number of peaks and width",
        "核密度估计：主峰位置、峰值、波峰数量与宽度",
    ),
    "analysis_moran": ("Global Moran's I", "全局莫兰指数"),
    "analysis_lisa": (
        "LISA clusters (local Moran's I, p < {alpha})",
        "LISA 集聚类型（局部莫兰指数，p < {alpha}）",
    ),
    "analysis_markov": (
        "Markov transition probability matrix of {series}",
        "{series} 的马尔可夫转移概率矩阵",
    ),
    "analysis_spatial_markov": (
        "Spatial Markov transition probability matrices of {series} by spatial lag class",
        "{series} 的空间马尔可夫转移概率矩阵（按邻域类型）",
    ),
    "analysis_spatial_markov_tests": (
        "Homogeneity tests of the spatial Markov chain",
        "空间马尔可夫链同质性检验",
    ),
}

#: Moran scatter plot quadrants, in the order the LISA table lists them (I to IV).
QUADRANTS: tuple[str, ...] = ("HH", "LH", "LL", "HL")


def _idx(lang: str) -> int:
    if lang not in LANGS:
        raise ValueError(f"language must be one of {LANGS}, got {lang!r}")
    return LANGS.index(lang)


def _h(name: str, lang: str) -> str:
    return ANALYSIS_HEADERS[name][_idx(lang)]


def analysis_series_label(result: Result, series: str, lang: str = "en") -> str:
    """The symbol of an analysed series as tables print it.

    ``"synergy"`` → ``U``; ``"coupling"`` → ``D``; ``"order:<subsystem>"`` → ``μ`` and
    the subsystem's label (``μ Digital economy``, ``μ（数字经济）``); ``"order:mean"`` →
    the mean of the order degrees (``mean μ``, ``μ（均值）``). A label two subsystems
    share is followed by the subsystem's key (``μ Trade (city)``, ``μ（Trade，city）``).
    Any other name is returned as it is.

    Raises
    ------
    ValueError
        ``lang`` is not ``"en"`` or ``"zh"``.
    """
    idx = _idx(lang)
    if series == "synergy":
        return "U"
    if series == "coupling":
        return "D"
    if series == "order:mean":
        return ("mean μ", "μ（均值）")[idx]
    if series.startswith("order:"):
        key = series.split(":", 1)[1]
        labels = {s.name: s.label or s.name for s in result.spec.subsystems}
        label = labels.get(key, key)
        if list(labels.values()).count(label) > 1:  # a label two subsystems share
            label = f"{label} ({key})" if lang == "en" else f"{label}，{key}"
        return f"μ {label}" if lang == "en" else f"μ（{label}）"
    return series


# -- helpers ------------------------------------------------------------------------------


def _period(value: Any) -> Any:
    """A period as a table cell: integers as ints, others as text."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    return period_text(value)


class _Names:
    """Display names of series, groups and classes for one result and language."""

    def __init__(self, result: Result, lang: str) -> None:
        self.result = result
        self.lang = lang
        analysis = result.spec.analysis
        self.scheme = analysis is not None and analysis.groups_kind == "scheme"
        if self.scheme:
            from cosyn.datasets import region_names

            self.regions = region_names(lang)
        else:
            self.regions = {}

    def series(self, name: Any) -> str:
        return analysis_series_label(self.result, str(name), self.lang)

    def group(self, group: Any) -> Any:
        if group is None or (np.ndim(group) == 0 and pd.isna(group)):
            return header("all", self.lang)
        return self.regions.get(str(group), group) if self.scheme else group

    def group_order(self, groups: pd.Series) -> list[Hashable]:
        """The groups in the bundled scheme's order, else in order of appearance."""
        found = list(dict.fromkeys(g for g in groups if not pd.isna(g)))
        if self.scheme:
            from cosyn.datasets import region_names

            order = list(region_names("en"))
            found.sort(key=lambda g: order.index(g) if g in order else len(order))
        return found

    def cls(self, label: Any) -> str:
        return translate(str(label), self.lang)


def _blocks(table: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """The rows of each series, in order of appearance."""
    return [(str(s), table[table["series"] == s]) for s in dict.fromkeys(table["series"])]


def _pct(values: Any) -> np.ndarray:
    return np.asarray(values, dtype=float) * 100.0


# -- one builder per table ----------------------------------------------------------------


def _group_stats(a: AnalysisResult, names: _Names, lang: str) -> pd.DataFrame:
    t = a.group_stats
    spec = names.result.spec
    return pd.DataFrame(
        {
            _h("series", lang): [names.series(s) for s in t["series"]],
            header("period", lang, spec): [_period(p) for p in t["period"]],
            header("group", lang): [names.group(g) for g in t["group"]],
            header("n", lang): t["n"].to_numpy(dtype=int),
            header("mean", lang): t["mean"].to_numpy(dtype=float),
            header("sd", lang): t["sd"].to_numpy(dtype=float),
            _h("rank", lang): t["rank"].to_numpy(dtype=int),
        }
    )


def _gini(a: AnalysisResult, names: _Names, lang: str) -> pd.DataFrame:
    t = a.gini
    spec = names.result.spec
    return pd.DataFrame(
        {
            _h("series", lang): [names.series(s) for s in t["series"]],
            header("period", lang, spec): [_period(p) for p in t["period"]],
            _h("G", lang): t["G"].to_numpy(dtype=float),
            _h("Gw", lang): t["Gw"].to_numpy(dtype=float),
            _h("Gnb", lang): t["Gnb"].to_numpy(dtype=float),
            _h("Gt", lang): t["Gt"].to_numpy(dtype=float),
            _h("share_Gw", lang): _pct(t["share_w"]),
            _h("share_Gnb", lang): _pct(t["share_nb"]),
            _h("share_Gt", lang): _pct(t["share_t"]),
        }
    )


def _wide_by(
    table: pd.DataFrame,
    names: _Names,
    lang: str,
    keys: list[str],
    value: str,
    label: Any,
) -> pd.DataFrame:
    """Series, period, then one column per key combination (``label(*key)``) of ``value``."""
    spec = names.result.spec
    h_series, h_period = _h("series", lang), header("period", lang, spec)
    frames = []
    for series, block in _blocks(table):
        combos = list(dict.fromkeys(zip(*(block[k] for k in keys), strict=True)))
        if keys == ["group"]:
            combos = [(g,) for g in names.group_order(block["group"])]
        periods = list(dict.fromkeys(block["period"]))
        cells = block.set_index(["period", *keys])[value].astype(float).unstack(keys)
        columns: Any = combos if len(keys) > 1 else [c[0] for c in combos]
        body = cells.reindex(index=periods, columns=columns)
        frame = pd.DataFrame(body.to_numpy(), columns=[str(label(*c)) for c in combos])
        frame.insert(0, h_period, [_period(p) for p in periods])
        frame.insert(0, h_series, names.series(series))
        frames.append(frame)
    return pd.concat(frames, ignore_index=True, sort=False)


def _pair(names: _Names) -> Any:
    sep = "–" if names.lang == "en" else "-"
    return lambda j, h: f"{names.group(j)}{sep}{names.group(h)}"


def _theil(a: AnalysisResult, names: _Names, lang: str) -> pd.DataFrame:
    t = a.theil
    spec = names.result.spec
    main = pd.DataFrame(
        {
            _h("series", lang): [names.series(s) for s in t["series"]],
            header("period", lang, spec): [_period(p) for p in t["period"]],
            _h("T", lang): t["T"].to_numpy(dtype=float),
            _h("Tw", lang): t["Tw"].to_numpy(dtype=float),
            _h("Tb", lang): t["Tb"].to_numpy(dtype=float),
            _h("share_Tw", lang): _pct(t["share_w"]),
            _h("share_Tb", lang): _pct(t["share_b"]),
        }
    )
    if not len(a.theil_groups):
        return main
    label = _h("T_g", lang)
    groups = _wide_by(
        a.theil_groups, names, lang, ["group"], "T_g", lambda g: label.format(names.group(g))
    )
    keys = [_h("series", lang), header("period", lang, spec)]
    return main.merge(groups, on=keys, how="left", sort=False)


def _sigma(a: AnalysisResult, names: _Names, lang: str) -> pd.DataFrame:
    t = a.sigma
    spec = names.result.spec
    return pd.DataFrame(
        {
            _h("series", lang): [names.series(s) for s in t["series"]],
            header("group", lang): [names.group(g) for g in t["group"]],
            header("period", lang, spec): [_period(p) for p in t["period"]],
            header("mean", lang): t["mean"].to_numpy(dtype=float),
            _h("sd0", lang): t["sd"].to_numpy(dtype=float),
            _h("cv", lang): t["cv"].to_numpy(dtype=float),
        }
    )


def _beta(a: AnalysisResult, names: _Names, lang: str) -> pd.DataFrame:
    t = a.beta
    yes, no = _h("yes", lang), _h("no", lang)
    return pd.DataFrame(
        {
            _h("series", lang): [names.series(s) for s in t["series"]],
            _h("first_period", lang): [_period(p) for p in t["first_period"]],
            _h("last_period", lang): [_period(p) for p in t["last_period"]],
            header("n", lang): t["n"].to_numpy(dtype=int),
            _h("span", lang): t["span"].to_numpy(dtype=float),
            _h("beta", lang): t["beta"].to_numpy(dtype=float),
            _h("se", lang): t["se"].to_numpy(dtype=float),
            _h("t", lang): t["t"].to_numpy(dtype=float),
            _h("p", lang): t["p"].to_numpy(dtype=float),
            _h("r2", lang): t["r2"].to_numpy(dtype=float),
            _h("speed", lang): t["speed"].to_numpy(dtype=float),
            _h("converging", lang): [
                None if pd.isna(c) else yes if bool(c) else no for c in t["converging"]
            ],
        }
    )


def _density(a: AnalysisResult, names: _Names, lang: str) -> pd.DataFrame:
    t = a.density
    spec = names.result.spec
    out: dict[str, Any] = {
        _h("series", lang): [names.series(s) for s in t["series"]],
        header("period", lang, spec): [_period(p) for p in t["period"]],
    }
    for c in ("bandwidth", "peak_location", "peak_height"):
        out[_h(c, lang)] = t[c].to_numpy(dtype=float)
    out[_h("n_peaks", lang)] = t["n_peaks"].to_numpy(dtype=int)
    out[_h("width", lang)] = t["width"].to_numpy(dtype=float)
    return pd.DataFrame(out)


def _moran(a: AnalysisResult, names: _Names, lang: str) -> pd.DataFrame:
    t = a.moran
    spec = names.result.spec
    out: dict[str, Any] = {
        _h("series", lang): [names.series(s) for s in t["series"]],
        header("period", lang, spec): [_period(p) for p in t["period"]],
    }
    for c in ("I", "EI", "z", "p_norm", "p_sim"):
        out[_h(c, lang)] = t[c].to_numpy(dtype=float)
    return pd.DataFrame(out)


def _lisa(a: AnalysisResult, names: _Names, lang: str) -> pd.DataFrame:
    t = a.lisa
    spec = names.result.spec
    sep = ", " if lang == "en" else "、"
    h_series, h_period = _h("series", lang), header("period", lang, spec)
    significant = t["significant"].to_numpy(dtype=bool)
    keys = [t["series"], t["period"]]
    members = (
        t[significant]
        .groupby(["series", "period", "quadrant"], sort=False)["entity"]
        .agg(lambda e: sep.join(map(str, e)))
        .to_dict()
    )
    quiet = pd.Series(~significant, index=t.index).groupby(keys, sort=False).sum()
    rows = []
    for key, n in quiet.items():
        pair: tuple[Any, Any] = key  # type: ignore[assignment]
        row: dict[str, Any] = {h_series: names.series(pair[0]), h_period: _period(pair[1])}
        for q in QUADRANTS:
            row[_h(q, lang)] = members.get((*pair, q), "")
        row[_h("not_significant", lang)] = int(n)
        rows.append(row)
    columns = [h_series, h_period, *(_h(q, lang) for q in QUADRANTS), _h("not_significant", lang)]
    return pd.DataFrame(rows, columns=columns)


def _matrix_block(
    block: pd.DataFrame, classes: list[Any], names: _Names, lang: str
) -> list[dict[str, Any]]:
    """From-class rows × to-class columns with n (transitions from the class)."""
    k = len(classes)
    position = {c: i for i, c in enumerate(classes)}
    i = block["from"].map(position).to_numpy(dtype=float)
    j = block["to"].map(position).to_numpy(dtype=float)
    known = np.isfinite(i) & np.isfinite(j)
    i, j = i[known].astype(np.intp), j[known].astype(np.intp)
    P = np.full((k, k), np.nan)
    P[i, j] = block["probability"].to_numpy(dtype=float)[known]
    n = np.bincount(i, weights=block["count"].to_numpy(dtype=float)[known], minlength=k)
    shown = [names.cls(c) for c in classes]
    rows = []
    for r in range(k):
        row: dict[str, Any] = {_h("from", lang): shown[r], _h("transitions", lang): int(n[r])}
        row.update(zip(shown, P[r].tolist(), strict=True))
        rows.append(row)
    return rows


def _classes(a: AnalysisResult, series: str, block: pd.DataFrame) -> list[Any]:
    known = a.markov_classes[a.markov_classes["series"] == series]["class"].tolist()
    return known or list(dict.fromkeys([*block["from"], *block["to"]]))


def _markov(a: AnalysisResult, names: _Names, lang: str, series: str) -> pd.DataFrame:
    block = a.markov[a.markov["series"] == series]
    classes = _classes(a, series, block)
    rows = _matrix_block(block, classes, names, lang)
    steady = a.markov_classes[a.markov_classes["series"] == series]
    if len(steady):
        row: dict[str, Any] = {_h("from", lang): _h("steady", lang), _h("transitions", lang): None}
        for c, v in zip(steady["class"], steady["steady_state"], strict=True):
            row[names.cls(c)] = float(v)
        rows.append(row)
    return _counts_as_ints(pd.DataFrame(rows), lang)


def _spatial_markov(a: AnalysisResult, names: _Names, lang: str, series: str) -> pd.DataFrame:
    block = a.spatial_markov[a.spatial_markov["series"] == series]
    classes = _classes(a, series, block)
    frames = []
    for lag, part in block.groupby("lag_class", sort=False):
        frame = pd.DataFrame(_matrix_block(part, classes, names, lang))
        frame.insert(0, _h("lag_class", lang), names.cls(str(lag).removeprefix("lag ")))
        frames.append(frame)
    return _counts_as_ints(pd.concat(frames, ignore_index=True), lang)


def _counts_as_ints(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    n = _h("transitions", lang)
    frame[n] = pd.Series([None if pd.isna(v) else int(v) for v in frame[n]], dtype=object)
    return frame


def _spatial_markov_tests(a: AnalysisResult, names: _Names, lang: str) -> pd.DataFrame:
    t = a.spatial_markov_tests
    out: dict[str, Any] = {_h("series", lang): [names.series(s) for s in t["series"]]}
    for c in ("LR", "LR_p", "Q", "Q_p"):
        out[_h(c, lang)] = t[c].to_numpy(dtype=float)
    out[_h("dof", lang)] = pd.Series(
        [None if pd.isna(v) else int(v) for v in t["dof"]], dtype=object
    )
    return pd.DataFrame(out)


_BUILDERS: dict[str, tuple[str, Any]] = {
    "analysis_group_stats": ("group_stats", _group_stats),
    "analysis_gini": ("gini", _gini),
    "analysis_gini_within": (
        "gini_within",
        lambda a, n, lang: _wide_by(a.gini_within, n, lang, ["group"], "G_jj", n.group),
    ),
    "analysis_gini_between": (
        "gini_between",
        lambda a, n, lang: _wide_by(
            a.gini_between, n, lang, ["group_j", "group_h"], "G_jh", _pair(n)
        ),
    ),
    "analysis_theil": ("theil", _theil),
    "analysis_sigma": ("sigma", _sigma),
    "analysis_beta": ("beta", _beta),
    "analysis_density": ("density", _density),
    "analysis_moran": ("moran", _moran),
    "analysis_lisa": ("lisa", _lisa),
    "analysis_spatial_markov_tests": ("spatial_markov_tests", _spatial_markov_tests),
}


def series_key(series: str) -> str:
    """A series name as the end of a table key: ``"order:digital"`` → ``"order_digital"``."""
    return series.replace(":", "_")


def analysis_paper_tables(result: Result, lang: str = "en") -> list[PaperTable]:
    """The tables of ``result.analysis`` as a paper prints them (empty without one).

    One :class:`~cosyn.report.tables.PaperTable` per analysis that has rows, keyed as in
    :data:`ANALYSIS_TABLES` and in that order:

    - ``analysis_group_stats``: series, period, group, N, mean, SD (ddof = 1), rank of
      the group's mean (1 = highest).
    - ``analysis_gini``: Dagum's G, G_w, G_nb, G_t per period and the shares of G in per
      cent (``100 · G_w / G`` …; G = G_w + G_nb + G_t, Dagum 1997).
    - ``analysis_gini_within``: G_jj, one column per group; ``analysis_gini_between``:
      G_jh, one column per pair of groups ("East–Central", "东部-中部").
    - ``analysis_theil``: T, T_w, T_b, the shares in per cent, and T of each group.
    - ``analysis_sigma``: per group ("All": the whole panel) and period: mean, σ
      (ddof = 0) and the coefficient of variation σ/mean.
    - ``analysis_beta``: β, SE, t, p, R² and the speed of convergence
      ``−ln(1 + β·T)/T``; converging (β < 0 and p < 0.05) as yes/no.
    - ``analysis_density``: bandwidth, main peak location and height, number of peaks,
      width at half height.
    - ``analysis_moran``: I, E[I] = −1/(n−1), z, p of the normal approximation and of
      the permutations.
    - ``analysis_lisa``: per series and period, the entities in each significant cluster
      HH, LH, LL, HL (joined by ", " or "、") and the number not significant.
    - ``analysis_markov_<series>`` (one per series, :func:`series_key`): the from-class
      rows × to-class columns of transition probabilities with n, the number of
      transitions from the class, then a row of the steady state (n empty).
    - ``analysis_spatial_markov_<series>``: the same matrix per class of the spatial lag
      (Rey 2001), one block of rows per lag class.
    - ``analysis_spatial_markov_tests``: LR and Q with their p and the degrees of
      freedom, one row per series.

    Parameters
    ----------
    result : Result
        A fitted model whose spec has an ``[analysis]`` table (its ``analysis`` is
        computed on first access).
    lang : {"en", "zh"}

    Returns
    -------
    list of PaperTable
        Empty when the spec has no ``[analysis]``.

    Raises
    ------
    ValueError
        ``lang`` is not ``"en"`` or ``"zh"``.
    DataError, SpecError
        As :func:`cosyn.analysis.analyse`, when the analysis cannot run.
    """
    idx = _idx(lang)
    a = result.analysis
    if a is None:
        return []
    names = _Names(result, lang)
    alpha = result.spec.analysis.alpha if result.spec.analysis is not None else 0.05
    out = []
    for key in ANALYSIS_TABLES:
        if key in PER_SERIES:
            frame = a.markov if key == "analysis_markov" else a.spatial_markov
            build_one = _markov if key == "analysis_markov" else _spatial_markov
            for series in dict.fromkeys(frame["series"]):
                # "D 的…", but "μ（数字经济）的…": no space after a full-width bracket
                title = _TITLES[key][idx].format(series=names.series(series)).replace("） ", "）")
                table = build_one(a, names, lang, str(series))
                out.append(PaperTable(f"{key}_{series_key(str(series))}", title, table))
            continue
        name, build = _BUILDERS[key]
        if len(getattr(a, name)):
            title = _TITLES[key][idx].format(alpha=f"{alpha:g}")
            out.append(PaperTable(key, title, build(a, names, lang)))
    return out

"""The tables papers print, built from a fitted :class:`~cosyn.result.Result`.

Each function returns a :class:`pandas.DataFrame` ready to show: column headers in the
chosen language (``lang = "en"`` or ``"zh"``, from one dictionary, :func:`header`), the
spec's labels (subsystem ``label``, indicator ``label`` or else its column, ``unit``)
rather than TOML keys, numbers kept as numbers (floats; ranks as ints) and an empty
cell (NaN, or None in the rank column) where a value does not exist. Every table has a
plain ``RangeIndex``; all content is in columns, so the workbook, the HTML report and
the web page render it as it is. Nothing here writes files or draws.

- :func:`descriptive_table` — n, mean, sd, min, max of every indicator ("Table 1").
- :func:`weight_table` — the weights with what they were computed from (entropy e and
  d = 1 − e; CRITIC's σ, conflict and information; CV's mean, sd and ratio), per
  subsystem; the panel-wide table, or the per-entity table and their mean.
- :func:`wide_table` — entity × period of U, of each μ_j, or of D, with each entity's
  rank in the last period and the mean per period (and per group).
- :func:`coupling_table` — C, T, D, coordination level, coupling stage, relative
  development degree E and lag type (METHOD.md §7–§8).
- :func:`paper_tables` — all of the above that the result has, each with a stable key
  and a title in the chosen language, in the order a paper prints them.
"""

from __future__ import annotations

import difflib
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, overload

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from cosyn.errors import SpecError
from cosyn.report.text import LANGS, lag_texts, period_text, translate
from cosyn.result import Result
from cosyn.spec import Spec

__all__ = [
    "HEADERS",
    "PaperTable",
    "coupling_table",
    "descriptive_table",
    "header",
    "paper_tables",
    "weight_caption",
    "weight_table",
    "weights_by_entity",
    "wide_table",
]

#: Header words of the tables, ``name: (English, Chinese)``. ``"entity"`` and
#: ``"period"`` give way to the spec's own column names (see :func:`header`).
HEADERS: dict[str, tuple[str, str]] = {
    "entity": ("Entity", "对象"),
    "period": ("Period", "时期"),
    "group": ("Group", "分组"),
    "all": ("All", "全部"),
    "subsystem": ("Subsystem", "子系统"),
    "indicator": ("Indicator", "指标"),
    "unit": ("Unit", "单位"),
    "direction": ("Direction", "方向"),
    "positive": ("positive", "正向"),
    "negative": ("negative", "负向"),
    "n": ("N", "样本量"),
    "imputed": ("Imputed", "插补数"),
    "mean": ("Mean", "平均值"),
    "sd": ("SD", "标准差"),
    "min": ("Min", "最小值"),
    "max": ("Max", "最大值"),
    "e": ("Entropy e", "信息熵值 e"),
    "d": ("Utility d = 1 − e", "信息效用值 d"),
    "sigma": ("SD σ", "指标变异性 σ"),
    "conflict": ("Conflict Σ(1 − r)", "指标冲突性 Σ(1 − r)"),
    "information": ("Information C", "信息量 C"),
    "cv": ("CV", "变异系数 CV"),
    "subjective": ("Subjective weight", "主观权重"),
    "objective": ("Objective weight", "客观权重"),
    "cr": ("CR", "一致性比率 CR"),
    "weight": ("Weight w", "权重系数 w"),
    "weight_pct": ("Weight (%)", "权重（%）"),
    "rank": ("Rank ({})", "排名（{}）"),
    "mean_row": ("Mean", "均值"),
    "group_mean": ("{} mean", "{}均值"),
    "C": ("Coupling degree C", "耦合度 C"),
    "T": ("Coordination index T", "综合协调指数 T"),
    "D": ("Coupling coordination degree D", "耦合协调度 D"),
    "level": ("Coordination level", "协调等级"),
    "coupling_stage": ("Coupling stage", "耦合阶段"),
    "E": ("Relative development E", "相对发展度 E"),
    "E_of": ("Relative development E ({})", "相对发展度 E（{}）"),
    "lag": ("Lag type", "滞后类型"),
    "synergy": ("Synergy degree U", "复合系统协同度 U"),
    "order": ("Order degree μ ({})", "子系统有序度 μ（{}）"),
    "coupling": ("Coupling coordination degree D", "耦合协调度 D"),
}

#: Chinese words for common English entity and period column names.
_NAMES_ZH: dict[str, str] = {
    "province": "省份",
    "city": "城市",
    "region": "地区",
    "country": "国家",
    "county": "县域",
    "district": "区县",
    "cluster": "产业集群",
    "industry": "行业",
    "firm": "企业",
    "company": "企业",
    "enterprise": "企业",
    "entity": "对象",
    "year": "年份",
    "period": "时期",
    "quarter": "季度",
    "month": "月份",
    "date": "日期",
}

Series = Literal["synergy", "order", "coupling"]


def _check(lang: str) -> int:
    if lang not in LANGS:
        raise ValueError(f"language must be one of {LANGS}, got {lang!r}")
    return LANGS.index(lang)


def _ascii(text: str) -> bool:
    return all(ord(c) < 128 for c in text)


def header(name: str, lang: str = "en", spec: Spec | None = None) -> str:
    """The header word ``name`` of :data:`HEADERS` in ``lang``.

    ``"entity"`` and ``"period"`` use the spec's own column names when ``spec`` is given
    and names them: as written in English (first letter capitalised) and in Chinese when
    the name is Chinese (``"省份"``, ``"年份"``); an English name in a Chinese table is
    translated when it is a common one (``province`` → 省份, ``year`` → 年份) and else
    replaced by the default word (对象, 时期).

    Raises
    ------
    KeyError
        ``name`` is not a header of these tables (the message lists them).
    ValueError
        ``lang`` is not ``"en"`` or ``"zh"``.
    """
    idx = _check(lang)
    if name not in HEADERS:
        raise KeyError(f"no table header {name!r}; known: {', '.join(HEADERS)}")
    default = HEADERS[name][idx]
    if spec is None or name not in ("entity", "period"):
        return default
    own = spec.entity if name == "entity" else spec.period
    if not own or (name == "period" and own == "period"):
        return default
    if lang == "en":
        return own[:1].upper() + own[1:] if _ascii(own) else own
    if not _ascii(own):
        return own
    return _NAMES_ZH.get(own.strip().lower(), default)


def _indicator_labels(result: Result) -> list[str]:
    return [i.label or i.column for i in result.spec.indicators]


def _subsystem_labels(result: Result) -> dict[str, str]:
    return {s.name: s.label or s.name for s in result.spec.subsystems}


def _period_values(periods: pd.Index) -> list[Any]:
    """Periods for a column of a long table: integers as ints, others as text."""
    if pd.api.types.is_integer_dtype(periods.dtype):
        return [int(p) for p in periods]
    return [period_text(p) for p in periods]


def _ranks(values: NDArray[np.float64]) -> list[int | None]:
    """Rank 1 = highest; ties share the smallest rank ('min'); None where a value is
    missing."""
    ranks = pd.Series(values).rank(method="min", ascending=False)
    return [None if np.isnan(r) else int(r) for r in ranks]


# -- descriptive statistics ---------------------------------------------------------------
def descriptive_table(result: Result, lang: str = "en") -> pd.DataFrame:
    """Descriptive statistics of every indicator over the observed cells ("Table 1").

    One row per indicator of the model (in the spec's order, grouped by subsystem):
    subsystem, indicator, unit, direction, n, imputed, mean, sd, min, max.

    The statistics pool every entity and period whose value was *observed*: the cells
    filled in by ``impute`` are left out (their count is the "imputed" column), so the
    table describes the data as given. ``n`` is the number of observed cells; ``sd`` is
    the sample standard deviation,

    .. math:: s = \\sqrt{\\tfrac{1}{n-1} \\sum (x - \\bar x)^2}

    (``ddof = 1``, as SPSS, SPSSAU and Stata print it); empty when ``n < 2``. Values
    are in the indicator's unit (raw, before the efficacy coefficient). An indicator
    left out as constant (``on_constant = "drop"`` for every entity) is not in the model
    and not in the table.
    """
    _check(lang)
    spec = result.spec
    observed = ~result.imputed  # (E, T, I)
    x = np.where(observed, result.x, 0.0)
    n = observed.sum(axis=(0, 1))
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        mean = np.where(n > 0, x.sum(axis=(0, 1)) / np.maximum(n, 1), np.nan)
        dev = np.where(observed, result.x - mean, 0.0)
        var = (dev * dev).sum(axis=(0, 1)) / np.maximum(n - 1, 1)
        sd = np.where(n > 1, np.sqrt(var), np.nan)
    low = np.where(observed, result.x, np.inf).min(axis=(0, 1))
    high = np.where(observed, result.x, -np.inf).max(axis=(0, 1))
    subs = _subsystem_labels(result)
    h = {k: header(k, lang, spec) for k in HEADERS}
    return pd.DataFrame(
        {
            h["subsystem"]: [subs[i.subsystem] for i in spec.indicators],
            h["indicator"]: _indicator_labels(result),
            h["unit"]: [i.unit for i in spec.indicators],
            h["direction"]: [
                h["positive"] if i.positive else h["negative"] for i in spec.indicators
            ],
            h["n"]: n.astype(int),
            h["imputed"]: result.imputed.sum(axis=(0, 1)).astype(int),
            h["mean"]: mean,
            h["sd"]: sd,
            h["min"]: np.where(n > 0, low, np.nan),
            h["max"]: np.where(n > 0, high, np.nan),
        }
    )


# -- weights ------------------------------------------------------------------------------
def weights_by_entity(result: Result) -> bool:
    """Whether the weights differ between entities, so that the per-entity weight table
    (``weight_table(result, lang, per_entity=True)``) says more than the main one.

    True when any entity's weights differ from the first entity's: with
    ``weights_scope = "entity"`` for data-driven weights (not for equal or given
    weights, the same everywhere), and with ``"panel"`` when ``on_constant = "drop"``
    left an indicator out for some entities (their weights were renormalised there)."""
    w = result.weight_values
    if w.shape[0] < 2:
        return False
    return not np.array_equal(w, np.broadcast_to(w[0], w.shape), equal_nan=True)


def _score_columns(result: Result) -> list[str]:
    """The HEADERS names of the score columns of the weight table, before the weights."""
    method = result.spec.method
    scores = result.weight_scores
    cols: list[str] = []
    if scores is not None and scores.method == "entropy":
        cols += ["e", "d"]
    elif scores is not None and scores.method == "critic":
        cols += ["sigma", "conflict", "information"]
    elif scores is not None and scores.method == "cv":
        cols += ["mean", "sd", "cv"]
    if method.weights == "combined" and scores is not None:
        cols += ["subjective", "objective"]
    if method.weights == "ahp" or (method.weights == "combined" and result.ahp_cr):
        cols.append("cr")
    return cols


#: The score columns of the weight table, by their key in ``WeightScores.values``.
_SCORE_KEYS = frozenset({"e", "d", "sigma", "conflict", "information", "mean", "sd", "cv"})


def _score_arrays(result: Result, cols: list[str]) -> dict[str, NDArray[np.float64]]:
    """Each score column as an (E, I) array (a pooled row repeated for every entity)."""
    E, n_ind = result.weight_values.shape
    scores = result.weight_scores
    out: dict[str, NDArray[np.float64]] = {}
    for c in cols:
        if c in _SCORE_KEYS:
            assert scores is not None
            out[c] = np.broadcast_to(scores.values[c], (E, n_ind))
        elif c in ("subjective", "objective"):
            assert scores is not None
            arr = scores.subjective if c == "subjective" else scores.objective
            assert arr is not None
            out[c] = arr
        elif c == "cr":
            cr = [result.ahp_cr.get(i.subsystem, np.nan) for i in result.spec.indicators]
            out[c] = np.broadcast_to(np.asarray(cr, dtype=float), (E, n_ind))
    out["weight"] = result.weight_values
    return out


def weight_table(result: Result, lang: str = "en", *, per_entity: bool = False) -> pd.DataFrame:
    """The weight table as papers print it, one row per indicator, grouped by subsystem.

    Columns: subsystem, indicator, the scores the weights come from, weight w and w in %.
    Weights are *within each subsystem* (they sum to 1, 100 %, over a subsystem's
    indicators; METHOD.md §2). The scores by ``weights``:

    - ``entropy``: information entropy ``e_j = −(1/ln n) Σ_t p_tj ln p_tj`` and utility
      ``d_j = 1 − e_j``; ``w_j = d_j / Σ_{subsystem} d`` (``Result.weight_scores``, the
      very numbers :func:`cosyn.fit` normalised; ``entropy_input`` decides what ``p`` is
      computed from).
    - ``critic``: σ_j (sample sd of the CRITIC input), conflict ``Σ_m (1 − r_jm)``,
      information ``C_j = σ_j · Σ (1 − r)``; ``w_j = C_j / Σ C``.
    - ``cv``: mean, sd (ddof = 1) and ``CV_j = sd/mean`` of the raw values;
      ``w_j = CV_j / Σ CV``.
    - ``given``, ``equal``: the weights only; ``ahp``: the weights and the consistency
      ratio CR of the subsystem's matrix; ``combined``: the objective scores, the
      subjective and objective weights and the combined weight.

    Parameters
    ----------
    result : Result
    lang : {"en", "zh"}
    per_entity : bool
        False (default): the table a paper prints — with ``weights_scope = "panel"`` the
        one panel-wide table (its weights the mean over entities where
        ``on_constant = "drop"`` made them differ, see :func:`weight_caption`); with
        ``"entity"`` the mean over entities of every column (so w still sums to 1 per
        subsystem, while w ≠ mean d / Σ mean d in general).
        True: the long table, entity first, one block of rows per entity (with
        ``"panel"`` the pooled scores repeat for every entity). Show it beside the main
        table when :func:`weights_by_entity` is True.

    Returns
    -------
    pandas.DataFrame
        With ``per_entity`` an entity column comes first. :func:`weight_caption` gives
        a caption that says which table it is.

    Notes
    -----
    An entity whose all-zero utilities (or information) gave equal weights (a note in
    ``Result.notes``) shows d = 0 beside w = 1/m. With ``on_constant = "drop"`` an
    indicator left out for an entity has weight 0 there (and e = 1, d = 0 when it
    entered the entropy as absent).
    """
    _check(lang)
    spec = result.spec
    cols = _score_columns(result)
    arrays = _score_arrays(result, cols)
    h = {k: header(k, lang, spec) for k in HEADERS}
    subs = _subsystem_labels(result)
    sub_col = [subs[i.subsystem] for i in spec.indicators]
    ind_col = _indicator_labels(result)
    if per_entity:
        E, n_ind = result.weight_values.shape
        frame: dict[str, Any] = {
            h["entity"]: np.repeat(np.asarray(result.entities, dtype=object), n_ind),
            h["subsystem"]: np.tile(np.asarray(sub_col, dtype=object), E),
            h["indicator"]: np.tile(np.asarray(ind_col, dtype=object), E),
        }
        for c, arr in arrays.items():
            frame[h[c]] = np.asarray(arr, dtype=float).ravel()
    else:
        frame = {h["subsystem"]: sub_col, h["indicator"]: ind_col}
        for c, arr in arrays.items():
            frame[h[c]] = np.asarray(arr, dtype=float).mean(axis=0)
    table = pd.DataFrame(frame)
    table[h["weight_pct"]] = table[h["weight"]] * 100.0
    return table


_METHOD_NAMES = {
    "entropy": ("Entropy weights", "熵权法权重"),
    "critic": ("CRITIC weights", "CRITIC 权重"),
    "cv": ("Coefficient-of-variation weights", "变异系数法权重"),
    "equal": ("Equal weights", "等权重"),
    "given": ("Given weights", "给定权重"),
    "ahp": ("AHP weights", "层次分析法（AHP）权重"),
    "combined": ("Combined weights", "组合权重"),
}


def weight_caption(result: Result, lang: str = "en", *, per_entity: bool = False) -> str:
    """A caption for :func:`weight_table`: the method, the scope (panel-wide, mean over
    the entities, or by entity) and that the weights are within each subsystem.

    With ``weights_scope = "panel"`` and ``on_constant = "drop"`` leaving an indicator
    out for some entities, the weights differ by entity (renormalised there): the
    caption says that the main table's weights are their mean."""
    idx = _check(lang)
    method = result.spec.method
    name = _METHOD_NAMES[method.weights][idx]
    n = len(result.entities)
    if per_entity:
        scope = ("by entity", "分对象")[idx]
    elif method.weights_scope == "panel" and weights_by_entity(result):
        scope = (
            f"scores pooled over the panel, weights the mean over {n} entities (indicators "
            "left out for some entities)",
            f"全样本计算，权重为{n}个对象的均值（部分对象剔除了指标）",
        )[idx]
    elif method.weights_scope == "panel" or n == 1:
        scope = ("pooled over the panel", "全样本")[idx] if n > 1 else ""
    else:
        scope = (f"mean over {n} entities", f"{n}个对象的均值")[idx]
    within = ("weights within each subsystem", "权重在各子系统内归一")[idx]
    sep = ("; ", "；")[idx]
    inner = sep.join(p for p in (scope, within) if p)
    return f"{name} ({inner})" if lang == "en" else f"{name}（{inner}）"


# -- wide tables --------------------------------------------------------------------------
def _group_lookup(result: Result, groups: Mapping[Hashable, Any]) -> dict[int, Any]:
    """Entity position → group; unknown entity names in ``groups`` are an error."""
    by_text = {str(e): n for n, e in enumerate(result.entities)}
    out: dict[int, Any] = {}
    unknown = []
    for key, group in groups.items():
        pos = by_text.get(str(key))
        if pos is None:
            unknown.append(str(key))
        else:
            out[pos] = group
    if unknown:
        near = difflib.get_close_matches(unknown[0], list(by_text), n=3)
        hint = f"; nearest known: {', '.join(near)}" if near else ""
        raise SpecError(
            f"groups name {len(unknown)} entit{'y' if len(unknown) == 1 else 'ies'} not in "
            f"the data: {', '.join(unknown[:5])}{hint} — use the entity names of the data"
        )
    return out


def _wide(
    result: Result,
    values: NDArray[np.float64],
    lang: str,
    groups: Mapping[Hashable, Any] | None,
) -> pd.DataFrame:
    """Entity × period table of ``values`` (E, T), ranks in the last period, mean rows."""
    spec = result.spec
    h_entity = header("entity", lang, spec)
    h_group = header("group", lang)
    periods = [period_text(p) for p in result.periods]
    rank_header = header("rank", lang).format(periods[-1])
    rows: dict[str, Any] = {h_entity: list(result.entities)}
    lookup = _group_lookup(result, groups) if groups is not None else None
    if lookup is not None:
        rows[h_group] = [lookup.get(n) for n in range(len(result.entities))]
    table = pd.DataFrame(rows)
    body = pd.DataFrame(values, columns=periods)
    table = pd.concat([table, body], axis=1)
    table[rank_header] = pd.Series(_ranks(values[:, -1]), dtype=object)
    means = [(header("mean_row", lang), header("all", lang), np.ones(len(values), bool))]
    if lookup is not None:
        order = list(dict.fromkeys(lookup[n] for n in sorted(lookup)))
        for g in order:
            member = np.array([lookup.get(n) == g for n in range(len(values))])
            means.append((header("group_mean", lang).format(g), g, member))
    extra = []
    for label, group, member in means:
        row: dict[str, Any] = {h_entity: label}
        if lookup is not None:
            row[h_group] = group
        part = values[member]
        for t, p in enumerate(periods):
            col = part[:, t]
            col = col[~np.isnan(col)]
            row[p] = float(col.mean()) if col.size else np.nan
        row[rank_header] = None
        extra.append(row)
    out = pd.concat([table, pd.DataFrame(extra, columns=table.columns)], ignore_index=True)
    out[rank_header] = out[rank_header].astype(object).where(out[rank_header].notna(), None)
    return out


def _coupling_arrays(
    result: Result,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    diag = result.diagnostics
    if diag is None or diag.coupling is None:
        raise SpecError(
            "the coupling coordination tables need the coupling diagnostics: add "
            'coupling = "classic" (or "wang", "fan") under [diagnostics] in the spec'
        )
    return diag.coupling


@overload
def wide_table(
    result: Result,
    series: Literal["synergy", "coupling"] = ...,
    lang: str = ...,
    groups: Mapping[Hashable, Any] | None = ...,
) -> pd.DataFrame: ...


@overload
def wide_table(
    result: Result,
    series: Literal["order"],
    lang: str = ...,
    groups: Mapping[Hashable, Any] | None = ...,
) -> dict[str, pd.DataFrame]: ...


def wide_table(
    result: Result,
    series: str = "synergy",
    lang: str = "en",
    groups: Mapping[Hashable, Any] | None = None,
) -> pd.DataFrame | dict[str, pd.DataFrame]:
    """Entity × period table of a series, as papers print it.

    Rows are the entities (in the data's order), columns the periods (headers: the
    period labels as text, ``"2011"``…), then each entity's rank in the last period
    (1 = highest; ties share the smallest rank, pandas' ``method="min"``; ints, None
    where the value is missing). Below the entities a "Mean" row gives the mean over
    the entities of each period (missing values left out), and with ``groups`` one mean
    row per group (in order of first appearance) and a group column.

    Parameters
    ----------
    result : Result
    series : {"synergy", "order", "coupling"}
        ``"synergy"``: the synergy degree U of each compared period (empty, not 0, in
        periods that compare nothing: the base period with ``base = "first"``, the first
        period with ``"adjacent"``, periods up to a fixed base). ``"order"``: the
        subsystem order degrees μ_j, one table per subsystem. ``"coupling"``: the
        coupling coordination degree D (needs ``coupling`` under ``[diagnostics]``).
    lang : {"en", "zh"}
    groups : mapping of entity → group, optional
        Entities not in the mapping belong to no group (they are in the overall mean
        only); a name that is not an entity of the data is a SpecError.

    Returns
    -------
    pandas.DataFrame, or dict of subsystem label → DataFrame for ``"order"`` (in the
    spec's order).

    Raises
    ------
    SpecError
        ``series = "coupling"`` without coupling diagnostics, an unknown ``series``, or a
        group mapping naming unknown entities.
    """
    _check(lang)
    if series == "synergy":
        values = np.full((len(result.entities), len(result.periods)), np.nan)
        values[:, result.t1] = result.synergy_values
        return _wide(result, values, lang, groups)
    if series == "order":
        out: dict[str, pd.DataFrame] = {}
        for j, s in enumerate(result.spec.subsystems):
            key = s.label or s.name
            if key in out:
                key = f"{key} ({s.name})"
            out[key] = _wide(result, result.mu[..., j], lang, groups)
        return out
    if series == "coupling":
        _, _, d = _coupling_arrays(result)
        return _wide(result, np.asarray(d, dtype=float), lang, groups)
    raise SpecError(f"series must be 'synergy', 'order' or 'coupling', got {series!r}")


# -- coupling coordination ----------------------------------------------------------------
def coupling_table(result: Result, lang: str = "en") -> pd.DataFrame:
    """The coupling coordination table: entity, period, C, T, D, coordination level,
    coupling stage, relative development degree E and lag type (METHOD.md §7–§8).

    The numbers are those of ``Result.coupling``; the level (of D, the spec's
    ``coupling_levels``) and stage (of C, ``coupling_stages``) names are cosyn's default
    names translated into ``lang``, or the spec's own names as written. For two
    subsystems E = μ_1/μ_2 (empty where μ_2 = 0) and the lag type names the lagging
    subsystem by its label; for k > 2 there is one E column per subsystem (μ_j / mean μ)
    and the lag type names the lagging (else leading) subsystems. Without the relative
    development degree (no coupling diagnostics) the E and lag columns are absent.

    Raises
    ------
    SpecError
        The spec asked for no coupling (add ``coupling`` under ``[diagnostics]``).
    """
    _check(lang)
    _coupling_arrays(result)
    spec = result.spec
    base = result.coupling
    h = {k: header(k, lang, spec) for k in HEADERS}
    frame: dict[str, Any] = {
        h["entity"]: base["entity"].to_numpy(dtype=object),
        h["period"]: _period_values(pd.Index(base["period"])),
        h["C"]: base["C"].to_numpy(dtype=float),
        h["T"]: base["T"].to_numpy(dtype=float),
        h["D"]: base["D"].to_numpy(dtype=float),
        h["level"]: [translate(str(v), lang) for v in base["level"]],
        h["coupling_stage"]: [translate(str(v), lang) for v in base["coupling_stage"]],
    }
    diag = result.diagnostics
    assert diag is not None
    if diag.development is not None:
        ratio, codes = diag.development
        labels = [s.label or s.name for s in spec.subsystems]
        if ratio.ndim == 2:
            frame[h["E"]] = base["E"].to_numpy(dtype=float)
            frame[h["lag"]] = lag_texts(codes.ravel(), labels, lang)
        else:
            for s, label in zip(spec.subsystems, labels, strict=True):
                frame[header("E_of", lang).format(label)] = base[f"E_{s.name}"].to_numpy(
                    dtype=float
                )
            frame[h["lag"]] = lag_texts(codes.reshape(-1, codes.shape[-1]), labels, lang)
    return pd.DataFrame(frame)


# -- all tables ---------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class PaperTable:
    """One table of :func:`paper_tables`.

    Attributes
    ----------
    key : str
        A stable English identifier (for sheet names, element ids, file names):
        ``"descriptive"``, ``"weights"``, ``"weights_by_entity"``, ``"synergy"``,
        ``"order_<subsystem name>"`` (the spec's TOML key, stable across languages),
        ``"coupling_wide"``, ``"coupling"``.
    title : str
        The table's title in the chosen language.
    table : pandas.DataFrame
    """

    key: str
    title: str
    table: pd.DataFrame


_TITLES: dict[str, tuple[str, str]] = {
    "descriptive": ("Descriptive statistics of the indicators", "指标描述性统计"),
    "synergy": ("Synergy degree U of the composite system ({})", "复合系统协同度 U（{}）"),
    "order": ("Order degree μ of the subsystem {}", "{}子系统有序度 μ"),
    "coupling_wide": ("Coupling coordination degree D", "耦合协调度 D"),
    "coupling": (
        "Coupling coordination: C, T, D, level, stage and lag type",
        "耦合协调度、协调等级与发展类型",
    ),
}


def _base_words(result: Result, lang: str) -> str:
    base = result.spec.method.base
    if base == "adjacent":
        return ("each period against the one before", "环比，相邻时期比较")[LANGS.index(lang)]
    first = period_text(result.periods[int(result.t0[0])])
    return (f"base period {first}", f"基期 {first}")[LANGS.index(lang)]


def spec_groups(result: Result, lang: str = "en") -> pd.Series | None:
    """Entity → group name from ``[analysis] groups`` (None without it), as the wide
    tables show them: the bundled schemes' groups by their names in ``lang``
    (东部/中部/西部/东北 in Chinese), a data column's or a mapping's as written.

    Raises
    ------
    DataError
        The groups cannot be resolved (see :func:`cosyn.analysis.run.resolve_groups`).
    """
    from cosyn.analysis.run import resolve_groups

    groups = resolve_groups(result.spec, result.panel)
    analysis = result.spec.analysis
    if groups is None or analysis is None or analysis.groups_kind != "scheme":
        return groups
    from cosyn.datasets import region_names

    return groups.map(region_names(lang))


def paper_tables(
    result: Result, lang: str = "en", groups: Mapping[Hashable, Any] | None = None
) -> list[PaperTable]:
    """Every table of this module that ``result`` has, in the order a paper prints them.

    Descriptive statistics; the weight table (:func:`weight_caption` as its title) and,
    when :func:`weights_by_entity`, the per-entity weight table; the wide table of U and
    one of μ per subsystem; with coupling diagnostics the wide table of D and the
    coupling coordination table. ``groups`` is passed to :func:`wide_table`; by default
    the groups of the spec's ``[analysis] groups`` (:func:`spec_groups`), if any.
    """
    idx = _check(lang)
    if groups is None:
        found = spec_groups(result, lang)
        groups = None if found is None else found.to_dict()
    out = [
        PaperTable("descriptive", _TITLES["descriptive"][idx], descriptive_table(result, lang)),
        PaperTable("weights", weight_caption(result, lang), weight_table(result, lang)),
    ]
    if weights_by_entity(result):
        out.append(
            PaperTable(
                "weights_by_entity",
                weight_caption(result, lang, per_entity=True),
                weight_table(result, lang, per_entity=True),
            )
        )
    out.append(
        PaperTable(
            "synergy",
            _TITLES["synergy"][idx].format(_base_words(result, lang)),
            wide_table(result, "synergy", lang, groups),
        )
    )
    orders = wide_table(result, "order", lang, groups)
    for s, (label, table) in zip(result.spec.subsystems, orders.items(), strict=True):
        out.append(PaperTable(f"order_{s.name}", _TITLES["order"][idx].format(label), table))
    diag = result.diagnostics
    if diag is not None and diag.coupling is not None:
        out.append(
            PaperTable(
                "coupling_wide",
                _TITLES["coupling_wide"][idx],
                wide_table(result, "coupling", lang, groups),
            )
        )
        out.append(PaperTable("coupling", _TITLES["coupling"][idx], coupling_table(result, lang)))
    return out

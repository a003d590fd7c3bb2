"""The text overview of a fitted model: parameters, weights, synergy paths, stages.

:func:`render_summary` writes it in English or Chinese. Its tables are padded by display
width (:func:`rich.cells.cell_len`: a CJK character takes two terminal columns), so that
the columns line up with Chinese entity and indicator names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from rich.cells import cell_len

from cosyn.methods.grey import GM11_GRADES
from cosyn.report.text import gm11_grades, method_word, period_text, shown_source, translate

if TYPE_CHECKING:
    from cosyn.result import Result

__all__ = ["PanelTotals", "render_summary", "text_table"]

#: Entities and period columns shown in full before the summary condenses.
MAX_ENTITIES = 12
MAX_PERIODS = 8
#: Display width of the labels in the left column of the parameter lines.
_LABEL_WIDTH = 15


@dataclass(frozen=True, eq=False)
class PanelTotals:
    """Figures of the whole panel when the result at hand holds a sample of its
    entities (the Dask engine): the count of entities, the stages at the last compared
    period, the weights' mean, minimum and maximum over the entities, every note, the
    entities of the sample, and the cells filled in of all cells."""

    entities: int
    stage_counts: NDArray[np.int64]
    weight_mean: NDArray[np.float64]
    weight_min: NDArray[np.float64]
    weight_max: NDArray[np.float64]
    notes: tuple[str, ...]
    sample: int
    imputed: int
    cells: int


_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Composite system synergy",
        "data": "data",
        "shape": "{E} {entities} × {T} periods ({p0}–{p1}) × {n} indicators",
        "entity": "entity",
        "entities": "entities",
        "model": "model",
        "subsystems": "subsystems",
        "order_degree": "order degree",
        "efficacy": "efficacy coefficient, margin a = {a}, bounds per {bounds}",
        "bounds_entity": "entity",
        "bounds_panel": "panel",
        "weights": "weights",
        "weights_line": "{weights}, computed per {scope}",
        "scope_entity": "entity",
        "scope_panel": "panel",
        "input": " (input {x})",
        "combined": " ({combine}, λ = {lam} subjective, objective {objective})",
        "aggregation": "aggregation",
        "base": "synergy base",
        "base_first": "first period",
        "base_adjacent": "previous period",
        "imputation": "imputation",
        "filled": "{how}: {n} of {total} cells filled",
        "ahp": "AHP",
        "dropped": "dropped",
        "dropped_line": "{names} (constant)",
        "left_out": "left out",
        "left_out_one": "{c} for {n} entity",
        "left_out_many": "{c} for {n} entities",
        "left_out_line": "{parts} (constant there: u undefined, weight 0)",
        "sep": ", ",
        "weights_title": "Weights φ of the order parameters",
        "all_entities": "all entities",
        "mean": "mean",
        "min": "min",
        "max": "max",
        "synergy_title": "Synergy degree U (base {base}); level and stage of the last period",
        "base_t1": "t − 1",
        "level": "level",
        "stage": "stage",
        "last_shown": "(last {n} of {total} compared periods shown)",
        "more_entities": "… and {n} more entities",
        "stage_in": "stage in {p}: ",
        "diagnostics": "Diagnostics",
        "sampled": "  (figures of the first {n} of {total} entities; the full tables are in the "
        "Parquet datasets)",
        "gra": "grey relation",
        "gra_line": "grade of each indicator against its subsystem: {lo}–{hi}; {weak}",
        "gra_weak": "weak (< {t}): {names}",
        "gra_none": "none weak",
        "coupling": "coupling",
        "coupling_line": "{model}: D in {p} from {lo} to {hi}; most common level: {level}",
        "obstacles": "obstacles",
        "obstacles_line": "top {n} per entity and period; the largest in {p} is most often "
        "{name} ({k} of {total} entities)",
        "forecast": "forecast",
        "forecast_line": "GM(1,1), {h} periods ahead, {n} series; accuracy: {grades}",
        "forecast_ratio": "; {k} of {n} failed the level-ratio test (fitted after a shift)",
        "robustness": "robustness",
        "robustness_line": "{draws} draws (κ = {kappa}, margin {m0}–{m1}, seed {seed}): the "
        "stage in {p} holds in {agree} of draws on average; 90% band width of U {width} on "
        "average",
        "analysis": "Spatio-temporal analysis",
        "inequality": "inequality",
        "gini_line": "Dagum Gini of {s} in {p}: G = {G} (within {w}, net between {nb}, "
        "transvariation {t}); {p0}: {G0}",
        "convergence": "convergence",
        "sigma_line": "CV of {s}: {cv0} in {p0}, {cv1} in {p}",
        "beta_line": "; β = {b} (p = {pv}): {verdict}",
        "beta_yes": "absolute β-convergence, speed {speed} per period",
        "beta_yes_no_speed": "absolute β-convergence",
        "beta_no": "no significant β-convergence",
        "moran": "Moran's I",
        "moran_line": "{s} in {p}: I = {I} (z = {z}, {test}); significant at α = {a} in {k} "
        "of {T} periods",
        "p_sim": "p_sim = {p}, {R} permutations",
        "p_norm": "p = {p}, normal approximation",
        "lisa": "LISA",
        "lisa_line": "{s} in {p}: {counts}",
        "not_significant": "not significant",
        "markov": "Markov chain",
        "markov_line": "{s}: {k} classes, {n} transitions; staying in the class: {lo}–{hi}",
        "homogeneity": "; spatial Markov homogeneity Q = {Q} (p = {qp}): {verdict}",
        "lag_matters": "the neighbours' class matters",
        "lag_not": "no evidence that the neighbours' class matters",
        "notes": "Notes",
    },
    "zh": {
        "title": "复合系统协同度",
        "data": "数据",
        "shape": "{E} 个{entities} × {T} 期（{p0}–{p1}）× {n} 个指标",
        "entity": "个体",
        "entities": "个体",
        "model": "模型",
        "subsystems": "子系统",
        "order_degree": "有序度",
        "efficacy": "功效系数法，调整幅度 a = {a}，上下限{bounds}",
        "bounds_entity": "按个体确定",
        "bounds_panel": "按面板确定",
        "weights": "权重",
        "weights_line": "{weights}，{scope}",
        "scope_entity": "按个体计算",
        "scope_panel": "按面板合并计算",
        "input": "（输入为{x}）",
        "combined": "（{combine}，主观权重 λ = {lam}，客观权重采用{objective}）",
        "aggregation": "集成方法",
        "base": "协同度基期",
        "base_first": "第一期",
        "base_adjacent": "上一期",
        "imputation": "缺失值",
        "filled": "{how}：{total} 个数据单元中补齐 {n} 个",
        "ahp": "层次分析法",
        "dropped": "剔除的指标",
        "dropped_line": "{names}（常数）",
        "left_out": "未参与计算",
        "left_out_one": "{c}（{n} 个个体）",
        "left_out_many": "{c}（{n} 个个体）",
        "left_out_line": "{parts}（在这些个体中为常数：有序度无定义，权重为 0）",
        "sep": "、",
        "weights_title": "序参量权重 φ",
        "all_entities": "全部个体",
        "mean": "均值",
        "min": "最小值",
        "max": "最大值",
        "synergy_title": "协同度 U（基期 {base}）；最后一期的协同等级与发展阶段",
        "base_t1": "t − 1",
        "level": "协同等级",
        "stage": "发展阶段",
        "last_shown": "（仅显示 {total} 个比较期中的最后 {n} 期）",
        "more_entities": "……另有 {n} 个个体",
        "stage_in": "{p} 期各发展阶段：",
        "diagnostics": "诊断分析",
        "sampled": "  （以上为 {total} 个个体中前 {n} 个的数字；完整表格见 Parquet 数据集）",
        "gra": "灰色关联",
        "gra_line": "各指标与所属子系统的关联度：{lo}–{hi}；{weak}",
        "gra_weak": "弱关联（< {t}）：{names}",
        "gra_none": "无弱关联指标",
        "coupling": "耦合协调",
        "coupling_line": "{model}：{p} 期 D 为 {lo}–{hi}；最常见的协调等级：{level}",
        "obstacles": "障碍度",
        "obstacles_line": "每个个体每期列出前 {n} 位；{p} 期最常见的首要障碍因子为 {name}"
        "（{total} 个个体中 {k} 个）",
        "forecast": "GM(1,1) 预测",
        "forecast_line": "向后 {h} 期，{n} 个序列；精度等级：{grades}",
        "forecast_ratio": "；其中 {k} 个未通过级比检验（平移后拟合）",
        "robustness": "稳健性",
        "robustness_line": "抽样 {draws} 次（κ = {kappa}，调整幅度 {m0}–{m1}，随机种子 {seed}）："
        "{p} 期发展阶段平均在 {agree} 的抽样中保持不变；U 的 90% 区间平均宽度为 {width}",
        "analysis": "时空分析",
        "inequality": "区域差异",
        "gini_line": "{s} 的 Dagum 基尼系数：{p} 期 G = {G}（组内 {w}，组间净差异 {nb}，"
        "超变密度 {t}）；{p0} 期 {G0}",
        "convergence": "收敛性",
        "sigma_line": "{s} 的变异系数：{p0} 期 {cv0}，{p} 期 {cv1}",
        "beta_line": "；β = {b}（p = {pv}）：{verdict}",
        "beta_yes": "存在绝对 β 收敛，收敛速度每期 {speed}",
        "beta_yes_no_speed": "存在绝对 β 收敛",
        "beta_no": "无显著的 β 收敛",
        "moran": "Moran's I",
        "moran_line": "{s}：{p} 期 I = {I}（z = {z}，{test}）；{T} 期中 {k} 期在 α = {a} 下显著",
        "p_sim": "p_sim = {p}，置换 {R} 次",
        "p_norm": "p = {p}，正态近似",
        "lisa": "LISA",
        "lisa_line": "{s}：{p} 期 {counts}",
        "not_significant": "不显著",
        "markov": "马尔可夫链",
        "markov_line": "{s}：{k} 个类型，{n} 次转移；保持原类型的概率 {lo}–{hi}",
        "homogeneity": "；空间马尔可夫齐性检验 Q = {Q}（p = {qp}）：{verdict}",
        "lag_matters": "邻域类型有显著影响",
        "lag_not": "未见邻域类型的显著影响",
        "notes": "说明（原文为英文）",
    },
}

#: The coupling models, as :mod:`cosyn.report.html` names them.
_COUPLING = {
    "en": {"classic": "classic", "wang": "wang", "fan": "fan"},
    "zh": {
        "classic": "经典模型",
        "wang": "王淑佳等（2021）修正模型",
        "fan": "范等（2024）修正模型",
    },
}


def _rule(width: int = 78) -> str:
    return "─" * width


def _pad(text: str, width: int, right: bool = False) -> str:
    """``text`` padded with spaces to ``width`` terminal columns (CJK characters take 2)."""
    fill = " " * max(0, width - cell_len(text))
    return fill + text if right else text + fill


def text_table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    left: Sequence[int] = (0,),
    gap: int = 2,
) -> list[str]:
    """A plain-text table whose columns line up on a terminal, one string per line.

    Each column is as wide as its widest cell in display columns
    (:func:`rich.cells.cell_len`, so ``"北京"`` takes 4); the columns numbered in ``left``
    are aligned left, the others (numbers) right; columns are ``gap`` spaces apart.
    Trailing spaces are dropped.
    """
    table = [list(header), *(list(r) for r in rows)]
    ncol = max(len(r) for r in table)
    for r in table:
        r += [""] * (ncol - len(r))
    widths = [max(cell_len(r[c]) for r in table) for c in range(ncol)]
    lefts = {c % ncol for c in left}
    return [
        (" " * gap)
        .join(_pad(cell, widths[c], right=c not in lefts) for c, cell in enumerate(row))
        .rstrip()
        for row in table
    ]


def _opt(value: str, lang: str) -> str:
    """An option value as the summary shows it: the TOML word in English (what the user
    writes in the spec), the method's name in Chinese (entropy → 熵值法)."""
    return value if lang == "en" else method_word(value, lang)


def _source(res: Result, lang: str, data_name: str | None) -> str:
    source = shown_source(res, data_name)
    if lang == "zh":
        for en, zh in (("data file ", "数据文件 "), ("data frame", "数据框")):
            if source.startswith(en):
                return zh + source[len(en) :]
    return source


def _line(label: str, text: str) -> str:
    return _pad(label, _LABEL_WIDTH) + text


def _method_lines(res: Result, lang: str, totals: PanelTotals | None = None) -> list[str]:
    w = _WORDS[lang]
    m = res.spec.method
    weights = _opt(m.weights, lang)
    if m.weights == "entropy":
        weights += w["input"].format(x=_opt(m.entropy_input, lang))
    if m.weights == "critic":
        weights += w["input"].format(x=_opt(m.critic_input, lang))
    if m.weights == "combined":
        weights += w["combined"].format(
            combine=_opt(m.combine, lang),
            lam=f"{m.combine_lambda:g}",
            objective=_opt(m.objective, lang),
        )
    base = {"first": w["base_first"], "adjacent": w["base_adjacent"]}.get(
        str(m.base), period_text(m.base)
    )
    lines = [
        _line(
            w["order_degree"],
            w["efficacy"].format(a=f"{m.margin:g}", bounds=w["bounds_" + m.bounds]),
        ),
        _line(
            w["weights"],
            w["weights_line"].format(weights=weights, scope=w["scope_" + m.weights_scope]),
        ),
        _line(w["aggregation"], _opt(m.aggregation, lang)),
        _line(w["base"], base),
        _line(
            w["imputation"],
            w["filled"].format(
                how=_opt(m.impute, lang),
                n=int(res.imputed.sum()) if totals is None else totals.imputed,
                total=res.imputed.size if totals is None else totals.cells,
            ),
        ),
    ]
    if res.ahp_cr:
        lines.append(
            _line(w["ahp"], w["sep"].join(f"{k} CR = {v:.3f}" for k, v in res.ahp_cr.items()))
        )
    if res.dropped:
        lines.append(
            _line(w["dropped"], w["dropped_line"].format(names=w["sep"].join(res.dropped)))
        )
    if res.active is not None:
        out = ~res.active
        parts = [
            w["left_out_one" if n == 1 else "left_out_many"].format(c=c, n=int(n))
            for c, n in zip(res.indicators, out.sum(axis=0), strict=True)
            if n
        ]
        lines.append(_line(w["left_out"], w["left_out_line"].format(parts=w["sep"].join(parts))))
    return lines


def _weights_block(res: Result, lang: str, totals: PanelTotals | None = None) -> list[str]:
    w = _WORDS[lang]
    values = res.weight_values
    E = values.shape[0]
    if totals is not None:  # the rows are the panel's mean, minimum and maximum
        values = np.stack([totals.weight_mean, totals.weight_min, totals.weight_max])
        E = totals.entities
        same = bool(np.allclose(totals.weight_min, totals.weight_max))
    else:
        same = bool(np.allclose(values, values[:1]))
    per_entity = not same and E <= MAX_ENTITIES and totals is None
    lines = []
    start = 0
    for s in res.spec.subsystems:
        cols = slice(start, start + len(s.indicators))
        start = cols.stop
        label = f"{s.name}" + (f" — {s.label}" if s.label and s.label != s.name else "")
        lines.append(f"  {label}")
        block = values[:, cols]
        if same:
            index, rows = [w["all_entities"]], block[:1]
        elif per_entity:
            index, rows = [str(e) for e in res.entities], block
        elif totals is not None:
            index, rows = [w["mean"], w["min"], w["max"]], block
        else:
            index = [w["mean"], w["min"], w["max"]]
            rows = np.stack([block.mean(axis=0), block.min(axis=0), block.max(axis=0)])
        header = ["", *(i.column for i in s.indicators)]
        body = [[name, *(f"{v:.3f}" for v in row)] for name, row in zip(index, rows, strict=True)]
        lines += ["    " + row for row in text_table(header, body)]
    return lines


def _shown_rows(res: Result) -> list[int]:
    """The entities of the synergy table: those ``[report] entities`` names (in its
    order; a name the data does not have is left out, the reports say so), else the
    first :data:`MAX_ENTITIES`."""
    names = res.spec.report.entities
    if names:
        where: dict[str, int] = {}
        for i, e in enumerate(res.entities):
            where.setdefault(str(e), i)
        rows = [where[n] for n in dict.fromkeys(names) if n in where]
        if rows:
            return rows
    return list(range(min(len(res.entities), MAX_ENTITIES)))


def _synergy_block(res: Result, lang: str, total: int | None = None) -> list[str]:
    w = _WORDS[lang]
    U = res.synergy_values
    E, P = U.shape
    E = E if total is None else total
    periods = [period_text(p) for p in res.periods.take(res.t1)]
    cols = list(range(P))
    note = []
    if P > MAX_PERIODS:
        cols = cols[-MAX_PERIODS:]
        note.append("  " + w["last_shown"].format(n=MAX_PERIODS, total=P))
    rows = _shown_rows(res)
    levels = [translate(n, lang) for n in res.spec.levels.names]
    stages = [translate(n, lang) for n in res.spec.stages.names]
    header = ["", *(periods[c] for c in cols), w["level"], w["stage"]]
    body = []
    for e in rows:
        lv, st = int(res.level_codes[e, -1]), int(res.stage_codes[e, -1])
        body.append(
            [
                str(res.entities[e]),
                *(f"{U[e, c]:+.3f}" if np.isfinite(U[e, c]) else "—" for c in cols),
                levels[lv] if lv >= 0 else "—",
                stages[st] if st >= 0 else "—",
            ]
        )
    lines = ["  " + row for row in text_table(header, body, left=(0, -2, -1))]
    if E > len(rows):
        lines.append("  " + w["more_entities"].format(n=E - len(rows)))
    return lines + note


def _stage_counts(res: Result, lang: str, totals: PanelTotals | None = None) -> list[str]:
    codes = res.stage_codes[:, -1]
    names = [translate(n, lang) for n in res.spec.stages.names]
    counts = (
        np.bincount(codes[codes >= 0], minlength=len(names))
        if totals is None
        else totals.stage_counts
    )
    last = period_text(res.periods[res.t1[-1]])
    parts = [f"{names[i]} {int(c)}" for i, c in enumerate(counts)]
    return ["  " + _WORDS[lang]["stage_in"].format(p=last) + " · ".join(parts)]


def _diagnostic_lines(res: Result, lang: str) -> list[str]:
    """One line per diagnostic that was computed."""
    w = _WORDS[lang]
    d = res.spec.diagnostics
    last = period_text(res.periods[-1])
    lines = []

    def line(key: str, text: str) -> None:
        lines.append("  " + _pad(w[key], _LABEL_WIDTH) + text)

    if d.gra:
        g = res.grey_relation
        weak = g[g.weak]
        names = w["sep"].join(dict.fromkeys(weak.indicator))
        line(
            "gra",
            w["gra_line"].format(
                lo=f"{g.grade.min():.3f}",
                hi=f"{g.grade.max():.3f}",
                weak=w["gra_weak"].format(t=f"{d.gra_threshold:g}", names=names)
                if len(weak)
                else w["gra_none"],
            ),
        )
    if d.coupling:
        c = res.coupling
        at_last = c[c.period == res.periods[-1]]
        top = str(at_last.level.value_counts().index[0])
        line(
            "coupling",
            w["coupling_line"].format(
                model=_COUPLING[lang].get(str(d.coupling), str(d.coupling)),
                p=last,
                lo=f"{at_last.D.min():.3f}",
                hi=f"{at_last.D.max():.3f}",
                level=translate(top, lang),
            ),
        )
    if d.obstacles:
        o = res.obstacles
        first = o[(o.period == res.periods[-1]) & (o["rank"] == 1)]
        common = first.indicator.value_counts()
        line(
            "obstacles",
            w["obstacles_line"].format(
                n=d.obstacles,
                p=last,
                name=common.index[0],
                k=int(common.iloc[0]),
                total=len(first),
            ),
        )
    if d.forecast and res.diagnostics is not None and res.diagnostics.forecast is not None:
        f = res.forecast
        fits = f.drop_duplicates(["entity", "series"])
        grade_names = dict(zip(GM11_GRADES, gm11_grades(lang), strict=True))
        grades = w["sep"].join(
            f"{grade_names.get(str(g), str(g))} {n}" for g, n in fits.grade.value_counts().items()
        )
        text = w["forecast_line"].format(h=d.forecast, n=len(fits), grades=grades)
        failed = int((~fits.level_ratio_ok.astype(bool)).sum()) if "level_ratio_ok" in fits else 0
        if failed:
            text += w["forecast_ratio"].format(k=failed, n=len(fits))
        line("forecast", text)
    if d.robustness is not None:
        rb = d.robustness
        table = res.robustness
        at_last = table[table.period == table.period.iloc[-1]]
        line(
            "robustness",
            w["robustness_line"].format(
                draws=rb.draws,
                kappa=f"{rb.concentration:g}",
                m0=f"{rb.margin[0]:g}",
                m1=f"{rb.margin[1]:g}",
                seed=rb.seed,
                p=period_text(at_last.period.iloc[0]),
                agree=f"{at_last.stage_agreement.mean():.0%}",
                width=f"{(at_last.p95 - at_last.p5).mean():.3f}",
            ),
        )
    return lines


def _first(table: Any, series: Sequence[str]) -> tuple[str, Any] | None:
    """The first analysed series (in the spec's order) that has rows in ``table``."""
    for name in series:
        rows = table[table["series"] == name]
        if len(rows):
            return name, rows
    return None


def _analysis_lines(res: Result, lang: str) -> list[str]:
    """One line per analysis of ``[analysis]`` that has results, for its first series.

    The last period's Dagum decomposition (and the first period's G), σ (first and last
    CV) and β-convergence, global Moran's I with the count of periods significant at
    ``alpha``, the LISA clusters of the last period, the pooled Markov chain's staying
    probabilities and the spatial Markov homogeneity test.
    """
    from cosyn.report.analysis_tables import analysis_series_label

    a = res.analysis
    spec_a = res.spec.analysis
    if a is None or spec_a is None:
        return []
    w = _WORDS[lang]
    alpha = float(spec_a.alpha)
    series = list(dict.fromkeys(a.values["series"]))
    lines: list[str] = []

    def line(key: str, text: str) -> None:
        if lang == "zh":  # "D 的…", but "μ（数字经济）的…"
            text = text.replace("） ", "）")
        lines.append("  " + _pad(w[key], _LABEL_WIDTH) + text)

    def label(name: str) -> str:
        return analysis_series_label(res, name, lang)

    def pct(x: float) -> str:
        return f"{x:.0%}"

    found = _first(a.gini, series)
    if found is not None:
        name, g = found
        first, last = g.iloc[0], g.iloc[-1]
        line(
            "inequality",
            w["gini_line"].format(
                s=label(name),
                p=period_text(last.period),
                G=f"{last.G:.3f}",
                w=pct(last.share_w),
                nb=pct(last.share_nb),
                t=pct(last.share_t),
                p0=period_text(first.period),
                G0=f"{first.G:.3f}",
            ),
        )
    sigma = a.sigma[a.sigma["group"].isna()] if len(a.sigma) else a.sigma
    found = _first(sigma, series)
    if found is not None:
        name, sg = found
        text = w["sigma_line"].format(
            s=label(name),
            p0=period_text(sg.period.iloc[0]),
            cv0=f"{sg.cv.iloc[0]:.3f}",
            p=period_text(sg.period.iloc[-1]),
            cv1=f"{sg.cv.iloc[-1]:.3f}",
        )
        beta = a.beta[a.beta["series"] == name]
        if len(beta):
            b = beta.iloc[0]
            if bool(b.converging):
                verdict = (
                    w["beta_yes"].format(speed=f"{b.speed:.2%}")
                    if np.isfinite(b.speed)
                    else w["beta_yes_no_speed"]
                )
            else:
                verdict = w["beta_no"]
            text += w["beta_line"].format(b=f"{b.beta:.4f}", pv=f"{b.p:.3g}", verdict=verdict)
        line("convergence", text)
    found = _first(a.moran, series)
    if found is not None:
        name, m = found
        last = m.iloc[-1]
        use_sim = bool(np.isfinite(m.p_sim).all()) and int(last.permutations) > 0
        p_col = m.p_sim if use_sim else m.p_norm
        test = (
            w["p_sim"].format(p=f"{last.p_sim:.3f}", R=int(last.permutations))
            if use_sim
            else w["p_norm"].format(p=f"{last.p_norm:.3f}")
        )
        line(
            "moran",
            w["moran_line"].format(
                s=label(name),
                p=period_text(last.period),
                I=f"{last.I:.3f}",
                z=f"{last.z:.2f}",
                test=test,
                a=f"{alpha:g}",
                k=int((p_col < alpha).sum()),
                T=len(m),
            ),
        )
    found = _first(a.lisa, series)
    if found is not None:
        name, li = found
        period = li.period.iloc[-1]
        at = li[li.period == period]
        counts = at.cluster.value_counts()
        parts = [f"{q} {int(counts.get(q, 0))}" for q in ("HH", "LL", "LH", "HL")]
        parts.append(f"{w['not_significant']} {int(counts.get('not significant', 0))}")
        line(
            "lisa",
            w["lisa_line"].format(
                s=label(name), p=period_text(period), counts=w["sep"].join(parts)
            ),
        )
    found = _first(a.markov, series)
    if found is not None:
        name, mk = found
        stay = mk[(mk["from"] == mk["to"]) & mk.probability.notna()].probability
        classes = len(dict.fromkeys(mk["from"]))
        text = w["markov_line"].format(
            s=label(name),
            k=classes,
            n=int(mk["count"].sum()),
            lo=f"{stay.min():.2f}" if len(stay) else "–",
            hi=f"{stay.max():.2f}" if len(stay) else "–",
        )
        tests = a.spatial_markov_tests[a.spatial_markov_tests["series"] == name]
        if len(tests) and np.isfinite(tests.Q_p.iloc[0]):
            qp = float(tests.Q_p.iloc[0])
            text += w["homogeneity"].format(
                Q=f"{tests.Q.iloc[0]:.2f}",
                qp=f"{qp:.3g}",
                verdict=w["lag_matters" if qp < alpha else "lag_not"],
            )
        line("markov", text)
    return lines


def render_summary(
    res: Result,
    lang: str = "en",
    *,
    data_name: str | None = None,
    totals: PanelTotals | None = None,
) -> str:
    """Render the overview of :class:`~cosyn.result.Result` as plain text in ``lang``.

    Sections: data and model, method parameters, weights per subsystem, the synergy path
    per entity with the level and stage of its last value (the entities of ``[report]
    entities`` when the spec names them, else the first 12), stage counts, diagnostics,
    notes. With ``lang="zh"`` every word of cosyn's own is Chinese (option values such as
    ``entropy`` read 熵值法); names from the model and the data are shown as written, and
    the notes keep cosyn's English wording (as in its warnings). Columns line up by
    display width (:func:`text_table`).

    ``data_name`` is the name to show for the data file (a web upload's own name) instead
    of its path (:func:`cosyn.report.text.shown_source`). ``totals`` gives the whole
    panel's counts, weights and notes when ``res`` holds a sample of its entities; the
    synergy table and the diagnostics lines then show the sample, and say so.
    """
    if lang not in _WORDS:
        raise ValueError(f"language must be one of {tuple(_WORDS)}, got {lang!r}")
    w = _WORDS[lang]
    spec = res.spec
    E, T, n_ind = res.u.shape
    if totals is not None:
        E = totals.entities
    periods = res.periods
    title = spec.title or w["title"]
    subsystems = w["sep"].join(
        f"{s.label or s.name} ({len(s.indicators)})" for s in spec.subsystems
    )
    base = (
        period_text(res.periods[res.t0[0]]) if str(spec.method.base) != "adjacent" else w["base_t1"]
    )
    out = [
        f"cosyn — {title}",
        _rule(),
        _line(w["data"], _source(res, lang, data_name)),
        _line(
            "",
            w["shape"].format(
                E=E,
                entities=w["entity" if E == 1 else "entities"],
                T=T,
                p0=period_text(periods[0]),
                p1=period_text(periods[-1]),
                n=n_ind,
            ),
        ),
    ]
    if spec.source:
        out.append(_line(w["model"], str(spec.source)))
    out.append(_line(w["subsystems"], subsystems))
    out += _method_lines(res, lang, totals)
    out += ["", w["weights_title"], *_weights_block(res, lang, totals)]
    total = None if totals is None else totals.entities
    out += ["", w["synergy_title"].format(base=base), *_synergy_block(res, lang, total)]
    out += _stage_counts(res, lang, totals)
    if res.diagnostics is not None:
        out += ["", w["diagnostics"], *_diagnostic_lines(res, lang)]
        if totals is not None and totals.sample < totals.entities:
            out.append(w["sampled"].format(n=totals.sample, total=totals.entities))
    analysis = _analysis_lines(res, lang)
    if analysis:
        out += ["", w["analysis"], *analysis]
    own = res.notes if totals is None else totals.notes
    notes = [*own, *(res.analysis.notes if analysis and res.analysis else ())]
    if notes:
        out += ["", w["notes"], *(f"  ! {n}" for n in notes)]
    return "\n".join(out)

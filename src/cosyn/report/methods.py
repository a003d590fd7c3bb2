"""The methods section of a fitted model: formulas and the parameter values actually used.

:func:`methods_paragraph` writes plain text (paragraphs separated by blank lines, display
formulas indented on their own lines and numbered) that can be adapted into the method
section of a paper; :func:`methods_html` writes the same content as an HTML fragment with
sub- and superscripts. Both exist in English and Chinese; the formulas are identical.

Every statement is built from ``result.spec.method`` and the fitted arrays, so the text
names what was computed: the margin and bounds scope of the efficacy coefficient, the
weighting method with its inputs (and each subsystem's AHP consistency ratio), the
aggregation, the synergy formula with θ and k, the base period, how many cells were
imputed, the dropped indicators, and the level and stage intervals ``(lower, upper]``.

Formulas are written in a small plain-text notation: ``x_i`` and ``x_{i∈j}`` are
subscripts, ``x^s``, ``x^{φ_i}`` and ``x^(1/k)`` superscripts.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from markupsafe import Markup, escape

from cosyn.methods.levels import STAGE_EDGES, STAGE_NAMES, SYNERGY_EDGES, SYNERGY_LEVELS
from cosyn.report.text import LANGS, level_names, stage_names

if TYPE_CHECKING:
    from cosyn.result import Result

__all__ = ["REFERENCES", "methods_html", "methods_paragraph"]

#: Works the methods text cites, by key; the model's own two are always cited.
REFERENCES: dict[str, dict[str, str]] = {
    "meng_han": {
        "en": "Meng, Q., & Han, W. (2000). Research on the coordination degree model of "
        "composite systems [复合系统协调度模型研究]. Journal of Tianjin University, 33(4), "
        "444–446.",
        "zh": "孟庆松, 韩文秀. 复合系统协调度模型研究[J]. 天津大学学报, 2000, 33(4): 444-446.",
    },
    "zhang": {
        "en": "Zhang, M. (2023). Research on the collaborative evaluation and development of "
        "digital trade and industrial clusters: Taking relevant industries in Guangzhou as an "
        "example. Do Business and Trade Facilitation Journal.",
        "zh": "Zhang M. Research on the Collaborative Evaluation and Development of Digital "
        "Trade and Industrial Clusters: Taking Relevant Industries in Guangzhou as an "
        "Example[J]. Do Business and Trade Facilitation Journal, 2023.",
    },
    "critic": {
        "en": "Diakoulaki, D., Mavrotas, G., & Papayannakis, L. (1995). Determining objective "
        "weights in multiple criteria problems: The CRITIC method. Computers & Operations "
        "Research, 22(7), 763–770.",
        "zh": "Diakoulaki D, Mavrotas G, Papayannakis L. Determining objective weights in "
        "multiple criteria problems: The CRITIC method[J]. Computers & Operations Research, "
        "1995, 22(7): 763-770.",
    },
    "ahp": {
        "en": "Saaty, T. L. (1980). The Analytic Hierarchy Process. New York: McGraw-Hill.",
        "zh": "Saaty T L. The Analytic Hierarchy Process[M]. New York: McGraw-Hill, 1980.",
    },
}


# -- the document model: paragraphs with inline formulas, numbered display formulas ----
@dataclass(frozen=True)
class _Math:
    """A formula in the plain-text notation of the module docstring."""

    text: str


_Part = str | _Math


@dataclass(frozen=True)
class _Para:
    heading: str
    parts: tuple[_Part, ...]


@dataclass(frozen=True)
class _Eq:
    lines: tuple[str, ...]
    number: int


@dataclass(frozen=True)
class _Refs:
    heading: str
    items: tuple[str, ...]


_Block = _Para | _Eq | _Refs


def _fmt(v: float) -> str:
    """A parameter value as written in the spec: 0.1, 0.5, 1."""
    return f"{v:g}"


def _label(v: Any) -> str:
    """A period or entity label as text (dates without a midnight time)."""
    if isinstance(v, pd.Timestamp) and v == v.normalize():
        return str(v.date())
    return str(v)


def _interval(lo: float, hi: float | None) -> str:
    if hi is None:
        return f"({_fmt(lo)}, 1]" if lo < 1 else f"U > {_fmt(lo)}"
    return f"({_fmt(lo)}, {_fmt(hi)}]"


class _Writer:
    """Builds the blocks of the methods text for one result in one language."""

    def __init__(self, result: Result, lang: str) -> None:
        if lang not in LANGS:
            raise ValueError(f"language must be one of {LANGS}, got {lang!r}")
        self.res = result
        self.lang = lang
        self.m = result.spec.method
        self.blocks: list[_Block] = []
        self.eq_number = 0
        self.cited = ["meng_han", "zhang"]

    # -- helpers -----------------------------------------------------------------------
    def t(self, en: str, zh: str) -> str:
        return zh if self.lang == "zh" else en

    def para(self, heading: str, *parts: _Part) -> None:
        self.blocks.append(_Para(heading, tuple(p for p in parts if p != "")))

    def eq(self, *lines: str) -> int:
        self.eq_number += 1
        self.blocks.append(_Eq(tuple(lines), self.eq_number))
        return self.eq_number

    def join(self, items: Sequence[str]) -> str:
        return ("、" if self.lang == "zh" else ", ").join(items)

    def cite(self, key: str) -> None:
        if key not in self.cited:
            self.cited.append(key)

    @property
    def entity_scope(self) -> bool:
        """Whether per-entity scopes differ from the pooled panel (more than one entity)."""
        return len(self.res.entities) > 1

    # -- sections ----------------------------------------------------------------------
    def build(self) -> list[_Block]:
        self.intro()
        self.imputation()
        self.order_degree()
        self.weights()
        self.aggregation()
        self.synergy()
        self.scales()
        self.references()
        return self.blocks

    def intro(self) -> None:
        from cosyn import __version__

        res = self.res
        spec = res.spec
        E, T, n = res.u.shape
        periods = res.periods
        span = f"{_label(periods[0])}–{_label(periods[-1])}"
        subs = [
            f"{s.label} ({s.name})" if s.label and s.label != s.name else s.name
            for s in spec.subsystems
        ]
        per_sub = "; ".join(f"{s.label or s.name}: {', '.join(s.columns)}" for s in spec.subsystems)
        k = len(subs)
        col = f"“{spec.entity}”" if spec.entity else ""
        if self.lang == "zh":
            who = (
                f"{E} 个个体（{col} 列）" if spec.entity else f"{E} 个个体"
            ) if E > 1 or spec.entity else "1 个研究对象"
            self.para(
                "",
                "本文采用孟庆松和韩文秀（2000）提出的复合系统协同度模型，测度复合系统中 "
                f"{k} 个子系统（{self.join(subs)}）的协同发展程度；Zhang（2023）曾用该模型"
                "评价数字贸易与产业集群的协同发展。"
                f"数据包括{who}、{T} 个时期（{span}）和 {n} 个序参量（指标）：{per_sub}。"
                f"计算使用 cosyn {__version__} 完成。",
            )
            return
        who = (
            f"{E} entities{f' (column {col})' if col else ''}"
            if E > 1 or spec.entity
            else "a single entity"
        )
        self.para(
            "",
            f"We measure how the {k} subsystems of the composite system — "
            f"{', '.join(subs)} — develop together with the composite system synergy model "
            "of Meng and Han (2000), in the form Zhang (2023) applied to digital trade and "
            f"industrial clusters. The data cover {who} over {T} periods ({span}) with {n} "
            f"order parameters (indicators): {per_sub}. The calculations were made with "
            f"cosyn {__version__}.",
        )

    def imputation(self) -> None:
        filled = int(self.res.imputed.sum())
        total = int(self.res.imputed.size)
        head = self.t("Missing values.", "缺失值处理。")
        if filled == 0:
            self.para(
                head,
                self.t(
                    f"The data have no missing values; none of the {total} cells was imputed.",
                    f"数据无缺失值，{total} 个数据单元均未插补。",
                ),
            )
        else:
            share = f"{100 * filled / total:.1f}%"
            if self.m.impute == "regression":
                self.para(
                    head,
                    self.t(
                        f"{filled} of the {total} cells ({share}) were missing. Each was filled "
                        "by a simple linear regression on the period, fitted per entity and "
                        "indicator to the observed values of the series and used for every "
                        "missing period, inside and outside the observed range:",
                        f"{total} 个数据单元中有 {filled} 个（{share}）缺失。按个体和指标分别"
                        "以时期为自变量、对该序列的观测值做简单线性回归，用拟合值补齐观测区间内外"
                        "的每个缺失时期：",
                    ),
                )
                self.eq("x_i(t) = a + b·t")
            else:
                self.para(
                    head,
                    self.t(
                        f"{filled} of the {total} cells ({share}) were missing. They were "
                        "filled per entity and indicator by linear interpolation between the "
                        "neighbouring observed periods, and with the nearest observed value "
                        "before the first or after the last observation.",
                        f"{total} 个数据单元中有 {filled} 个（{share}）缺失，按个体和指标分别"
                        "补齐：观测区间内按相邻观测值线性插值，区间外取最近的观测值。",
                    ),
                )
        if self.res.dropped:
            names = self.join(self.res.dropped)
            self.para(
                "",
                self.t(
                    f"The indicators {names} were constant (upper bound equal to lower bound), "
                    "so their order degree is undefined; they were left out of the model.",
                    f"指标 {names} 为常数（上限等于下限），其有序度无定义，已从模型中剔除。",
                ),
            )

    def order_degree(self) -> None:
        m = self.m
        inds = self.res.spec.indicators
        if m.bounds == "entity" and self.entity_scope:
            scope = self.t(
                "over the periods of each entity (bounds per entity, as in Zhang 2023)",
                "在每个个体各时期中的",
            )
            scope_note = self.t("", "（按个体确定上下限，与 Zhang（2023）一致）")
        elif m.bounds == "entity":
            scope, scope_note = self.t("over all periods", "在全部时期中的"), ""
        else:
            scope = self.t(
                "over all entity–periods of the panel (bounds per panel, so that order "
                "degrees are comparable across entities)",
                "在全部个体—时期中的",
            )
            scope_note = self.t("", "（按面板确定上下限，使不同个体的有序度可比）")
        a = _fmt(m.margin)
        self.para(
            self.t("Order degree of the order parameters.", "序参量有序度。"),
            self.t(
                "Each indicator is made dimensionless with the efficacy coefficient. Its "
                f"bounds are the maximum and minimum of the indicator {scope}, widened by "
                f"the margin a = {a}:",
                f"各指标用功效系数法进行无量纲化处理。指标的上下限取该指标{scope}最大值和"
                f"最小值{scope_note}，并按调整幅度 a = {a} 向外扩展：",
            ),
        )
        self.eq(f"upper_i = max_i + a·|max_i|,   lower_i = min_i − a·|min_i|,   a = {a}")
        self.para(
            "",
            self.t(
                "(for positive values these are max·(1 + a) and min·(1 − a)). The order degree "
                "of indicator i in period t is, for a positive (benefit) and a negative (cost) "
                "indicator respectively,",
                "（对正值数据即 max·(1 + a) 与 min·(1 − a)）。正向（效益型）指标与负向"
                "（成本型）指标 i 在时期 t 的有序度分别为",
            ),
        )
        self.order_eq = self.eq(
            "u_i(t) = (x_i(t) − lower_i) / (upper_i − lower_i)",
            "u_i(t) = (upper_i − x_i(t)) / (upper_i − lower_i)",
        )
        negative = [i.column for i in inds if not i.positive]
        if not negative:
            directions = self.t(
                f"All {len(inds)} indicators are positive.",
                f"全部 {len(inds)} 个指标均为正向指标。",
            )
        else:
            directions = self.t(
                f"{len(inds) - len(negative)} indicators are positive and {len(negative)} "
                f"negative ({', '.join(negative)}).",
                f"其中 {len(inds) - len(negative)} 个为正向指标，{len(negative)} 个为负向指标"
                f"（{self.join(negative)}）。",
            )
        parts: list[_Part] = [
            self.t("so that ", "因此 "),
            _Math("0 ≤ u_i(t) ≤ 1"),
            self.t(
                "; the larger u, the larger the indicator's contribution to the order of its "
                "subsystem. ",
                "，u 越大，该序参量对所属子系统有序程度的贡献越大。",
            ),
            directions,
        ]
        explicit = [i.column for i in inds if i.lower is not None or i.upper is not None]
        if explicit:
            parts.append(
                self.t(
                    f" For {', '.join(explicit)} the bounds given in the model were used as "
                    "they are, without the margin; values outside them have u clipped to "
                    "[0, 1].",
                    f"指标 {self.join(explicit)} 使用模型中给定的上下限，不再外扩；超出给定"
                    "上下限的数值，其有序度截断到 [0, 1]。",
                )
            )
        self.para("", *parts)

    # -- weights -----------------------------------------------------------------------
    def weights_scope(self) -> str:
        if not self.entity_scope:
            return self.t("computed over all periods", "按全部时期计算")
        if self.m.weights_scope == "entity":
            return self.t(
                "computed separately for each entity over its periods",
                "对每个个体按其各时期分别计算",
            )
        return self.t(
            "computed once from all entity–periods of the panel (pooled)",
            "将全部个体—时期合并计算一次",
        )

    def objective(self, name: str, phi: str, lead: str) -> None:
        """Paragraph and formula of an objective weighting, ``lead`` opening the sentence."""
        E, T, _ = self.res.u.shape
        scope = self.weights_scope()
        if name == "entropy":
            inputs = {
                "order": self.t(
                    f"the order degrees u_i(t) of Eq. ({self.order_eq})",
                    f"式 ({self.order_eq}) 的有序度 u_i(t)",
                ),
                "minmax": self.t(
                    "the raw values min–max scaled to [0, 1] within the same scope (reversed "
                    "for negative indicators)",
                    "在同一范围内极差标准化到 [0, 1] 的原始数据（负向指标取反向）",
                ),
                "rescale": self.t(
                    "the raw values min–max scaled into [0.002, 0.998] within the same scope "
                    "(reversed for negative indicators)",
                    "在同一范围内极差标准化到 [0.002, 0.998] 的原始数据（负向指标取反向）",
                ),
                "shift": self.t(
                    "the raw values (negated for negative indicators), a column with any value "
                    "≤ 0 shifted by |min| + 0.01 (the convention of SPSSAU)",
                    "原始数据（负向指标取相反数），含有 ≤ 0 数值的列整体平移 |min| + 0.01"
                    "（SPSSAU 的做法）",
                ),
            }[self.m.entropy_input]
            pooled = self.m.weights_scope == "panel" and self.entity_scope
            n_desc = (
                self.t(f"n = E·T = {E * T} entity–periods", f"n = E·T = {E * T} 个个体—时期")
                if pooled
                else self.t(f"n = T = {T} periods", f"n = T = {T} 个时期")
            )
            self.para(
                "",
                self.t(
                    f"{lead} the entropy method, {scope}, from {inputs}. With z_i(t) the "
                    f"input value of indicator i and {n_desc}:",
                    f"{lead}熵值法确定，{scope}，输入为{inputs}。记 z_i(t) 为指标 i 的输入值，"
                    f"观测数 {n_desc}：",
                ),
            )
            self.eq(
                "p_i(t) = z_i(t) / Σ_t z_i(t),   E_i = −(1/ln n)·Σ_t p_i(t)·ln p_i(t)",
                f"d_i = 1 − E_i,   {phi} = d_i / Σ_{{m∈j}} d_m",
            )
            self.para(
                "",
                self.t("with ", "其中约定 "),
                _Math("0·ln 0 = 0"),
                self.t(
                    "; the weights sum to 1 within each subsystem j, and an indicator without "
                    "variation has E_i = 1 and weight 0.",
                    "；权重在每个子系统 j 内归一化，和为 1；无变化的指标 E_i = 1，权重为 0。",
                ),
            )
        elif name == "critic":
            self.cite("critic")
            self.para(
                "",
                self.t(
                    f"{lead} the CRITIC method (Diakoulaki et al., 1995) on the order degrees "
                    f"u_i(t) of Eq. ({self.order_eq}), {scope}:",
                    f"{lead} CRITIC 法（Diakoulaki 等，1995）确定，以式 ({self.order_eq}) 的"
                    f"有序度 u_i(t) 为输入，{scope}：",
                ),
            )
            self.eq(f"C_i = σ_i·Σ_{{m∈j}} (1 − r_im),   {phi} = C_i / Σ_{{m∈j}} C_m")
            self.para(
                "",
                self.t(
                    "where σ_i is the sample standard deviation of u_i and r_im the Pearson "
                    "correlation of indicators i and m of the same subsystem j.",
                    "其中 σ_i 为 u_i 的样本标准差，r_im 为同一子系统 j 内指标 i 与 m 的 Pearson "
                    "相关系数。",
                ),
            )
        elif name == "cv":
            self.para(
                "",
                self.t(
                    f"{lead} the coefficient of variation of the raw values, {scope}:",
                    f"{lead}变异系数法确定，以原始数据为输入，{scope}：",
                ),
            )
            self.eq(f"v_i = σ_i / x̄_i,   {phi} = v_i / Σ_{{m∈j}} v_m")
            self.para(
                "",
                self.t(
                    "where σ_i is the sample standard deviation and x̄_i the mean of indicator i.",
                    "其中 σ_i 为指标 i 的样本标准差，x̄_i 为其均值。",
                ),
            )
        else:  # equal
            self.para(
                "",
                self.t(
                    f"{lead} equal weights within each subsystem:",
                    f"{lead}等权法确定，即每个子系统内各指标权重相等：",
                ),
            )
            self.eq(f"{phi} = 1/n_j")
            self.para(
                "",
                self.t(
                    "where n_j is the number of order parameters of subsystem j.",
                    "其中 n_j 为子系统 j 的序参量个数。",
                ),
            )

    def ahp_text(self, names: Sequence[str]) -> str:
        """Consistency ratios of the AHP matrices of ``names``."""
        res = self.res
        sizes = {s.name: len(s.indicators) for s in res.spec.subsystems}
        items = []
        for name in names:
            cr = res.ahp_cr.get(name, math.nan)
            small = sizes.get(name, 3) <= 2
            note = self.t(
                " (a 2 × 2 matrix is always consistent)" if small else "",
                "（2 × 2 判断矩阵总是一致的）" if small else "",
            )
            items.append(f"{name} CR = {cr:.3f}{note}")
        crs = [res.ahp_cr.get(n, math.nan) for n in names]
        if all(c < 0.1 for c in crs):
            verdict = self.t(
                "All are below Saaty's limit of 0.1.", "均低于 Saaty 提出的 0.1 上限，通过一致性检验。"
            )
        else:
            verdict = self.t(
                "A CR of 0.1 or more exceeds Saaty's limit; it was accepted because the model "
                "sets allow_inconsistent_ahp = true.",
                "CR ≥ 0.1 超过 Saaty 提出的上限，因模型设置 allow_inconsistent_ahp = true 而被接受。",
            )
        return self.t(
            f"Consistency ratios: {'; '.join(items)}. {verdict}",
            f"一致性比率：{'；'.join(items)}。{verdict}",
        )

    def ahp_paragraph(self, names: Sequence[str], lead: str) -> None:
        self.cite("ahp")
        self.para(
            "",
            self.t(
                f"{lead} the analytic hierarchy process (Saaty, 1980): the weights of each "
                "subsystem are the principal eigenvector w of its pairwise comparison matrix P "
                "(normalised to sum 1), checked by the consistency ratio",
                f"{lead}层次分析法（AHP，Saaty，1980）确定：各子系统的权重为其两两比较判断矩阵 "
                "P 的主特征向量 w（归一化后和为 1），并以一致性比率检验：",
            ),
        )
        self.eq("P·w = λ_max·w,   CI = (λ_max − n)/(n − 1),   CR = CI/RI")
        self.para(
            "",
            self.t(
                "where n is the order of P and RI Saaty's random index. ",
                "其中 n 为判断矩阵的阶数，RI 为 Saaty 的平均随机一致性指标。",
            ),
            self.ahp_text(names),
        )

    def given_text(self, names: Sequence[str]) -> str:
        parts = []
        for s in self.res.spec.subsystems:
            if s.name in names and s.weights is not None:
                ws = ", ".join(
                    f"{c} = {w:.3f}" for c, w in zip(s.columns, s.weights, strict=True)
                )
                parts.append(f"{s.name}: {ws}")
        return "; ".join(parts)

    def weights(self) -> None:
        m = self.m
        head = self.t("Weights.", "权重。")
        subs = self.res.spec.subsystems
        self.para(
            head,
            self.t(
                "The order parameters of each subsystem j are weighted by φ_i ≥ 0 with "
                "Σ_{i∈j} φ_i = 1.",
                "子系统 j 的各序参量赋予权重 φ_i ≥ 0，且 Σ_{i∈j} φ_i = 1。",
            ),
        )
        if m.weights in ("entropy", "critic", "cv", "equal"):
            self.objective(m.weights, "φ_i", self.t("The weights were set by", "权重采用"))
        elif m.weights == "given":
            names = [s.name for s in subs]
            self.para(
                "",
                self.t(
                    "The weights are those given in the model, normalised to sum to 1 within "
                    f"each subsystem: {self.given_text(names)}.",
                    f"权重采用模型中给定的数值，并在每个子系统内归一化：{self.given_text(names)}。",
                ),
            )
        elif m.weights == "ahp":
            self.ahp_paragraph([s.name for s in subs], self.t("The weights were set by", "权重采用"))
        else:
            self.combined()

    def combined(self) -> None:
        m = self.m
        subs = self.res.spec.subsystems
        self.para(
            "",
            self.t(
                "The weights combine subjective weights φ_i^s and objective weights φ_i^o.",
                "权重采用主客观组合赋权，由主观权重 φ_i^s 与客观权重 φ_i^o 组合而成。",
            ),
        )
        self.objective(
            m.objective, "φ_i^o", self.t("The objective weights were set by", "客观权重采用")
        )
        by_ahp = [s.name for s in subs if s.weights is None]
        given = [s.name for s in subs if s.weights is not None]
        if given:
            self.para(
                "",
                self.t(
                    "The subjective weights of "
                    + ("every subsystem" if not by_ahp else ", ".join(given))
                    + f" are given in the model (normalised): {self.given_text(given)}.",
                    ("各子系统" if not by_ahp else f"子系统 {self.join(given)} ")
                    + f"的主观权重采用模型中给定的数值（已归一化）：{self.given_text(given)}。",
                ),
            )
        if by_ahp:
            lead = self.t(
                "The subjective weights "
                + ("" if not given else f"of {', '.join(by_ahp)} ")
                + "were set by",
                ("" if not given else f"子系统 {self.join(by_ahp)} 的") + "主观权重采用",
            )
            self.ahp_paragraph(by_ahp, lead)
        lam = _fmt(m.combine_lambda)
        if m.combine == "additive":
            self.para(
                "",
                self.t(
                    f"The two are combined additively with the subjective share λ = {lam}:",
                    f"二者按线性加权组合，主观权重所占比例 λ = {lam}：",
                ),
            )
            self.eq(f"φ_i = λ·φ_i^s + (1 − λ)·φ_i^o,   λ = {lam}")
        else:
            self.para(
                "",
                self.t(
                    "The two are combined multiplicatively and normalised within each "
                    "subsystem:",
                    "二者按乘法组合，并在每个子系统内归一化：",
                ),
            )
            self.eq("φ_i = φ_i^s·φ_i^o / Σ_{m∈j} φ_m^s·φ_m^o")

    # -- order of the subsystems, synergy, scales ----------------------------------------
    def aggregation(self) -> None:
        head = self.t("Order degree of the subsystems.", "子系统有序度。")
        how = self.m.aggregation
        if how == "weighted_sum":
            self.para(
                head,
                self.t(
                    "The order degree of subsystem j in period t is the weighted sum of the "
                    "order degrees of its n_j order parameters:",
                    "子系统 j 在时期 t 的有序度为其 n_j 个序参量有序度的线性加权和：",
                ),
            )
            self.eq("μ_j(t) = Σ_{i∈j} φ_i·u_i(t)")
            tail = ""
        elif how == "geometric":
            self.para(
                head,
                self.t(
                    "The order degree of subsystem j in period t is the (unweighted) geometric "
                    "mean of the order degrees of its n_j order parameters; the weights φ_i "
                    "above are reported but do not enter μ_j:",
                    "子系统 j 在时期 t 的有序度为其 n_j 个序参量有序度的几何平均（不加权；"
                    "上述权重 φ_i 仅作报告，不进入 μ_j）：",
                ),
            )
            self.eq("μ_j(t) = (Π_{i∈j} u_i(t))^(1/n_j)")
            tail = ""
        else:
            self.para(
                head,
                self.t(
                    "The order degree of subsystem j in period t is the weighted geometric "
                    "mean of the order degrees of its n_j order parameters:",
                    "子系统 j 在时期 t 的有序度为其 n_j 个序参量有序度的加权几何平均：",
                ),
            )
            self.eq("μ_j(t) = Π_{i∈j} u_i(t)^{φ_i}")
            tail = self.t(
                " (with 0^0 = 1: an indicator of weight 0 does not pull μ_j to 0)",
                "（约定 0^0 = 1，权重为 0 的指标不会使 μ_j 变为 0）",
            )
        self.para(
            "",
            self.t("Hence ", "因此 "),
            _Math("0 ≤ μ_j(t) ≤ 1"),
            self.t(f"{tail}.", f"{tail}。"),
        )

    def synergy(self) -> None:
        res = self.res
        k = len(res.subsystems)
        self.para(
            self.t("Synergy degree of the composite system.", "复合系统协同度。"),
            self.t(
                "Between a base period t_0 and a later period t_1, let ",
                "设基期为 t_0、考察期为 t_1（t_1 > t_0），记子系统 j 有序度的变化量为 ",
            ),
            _Math("Δ_j = μ_j(t_1) − μ_j(t_0)"),
            self.t(
                f" be the change of the order degree of subsystem j. The synergy degree of the "
                f"k = {k} subsystems is",
                f"，则由 k = {k} 个子系统构成的复合系统协同度为",
            ),
        )
        self.eq(f"U = θ·(Π_j |Δ_j|)^(1/k),   k = {k}")
        pair: list[_Part] = []
        if k == 2:
            pair = [self.t("; for k = 2 this is ", "；k = 2 时即 "), _Math("U = θ·√(|Δ_1|·|Δ_2|)")]
        periods = res.periods
        P = res.synergy_values.shape[1]
        first_t1 = _label(periods[res.t1[0]])
        last_t1 = _label(periods[res.t1[-1]])
        base = str(self.m.base)
        if base == "first":
            t0 = _label(periods[res.t0[0]])
            base_text = self.t(
                f" The base is the first period, t_0 = {t0}, compared with every later period "
                f"({first_t1}–{last_t1}): the {P} values form each entity's cumulative synergy "
                "path.",
                f"以第一期为基期（t_0 = {t0}），与此后各期（{first_t1}–{last_t1}）比较，"
                f"{P} 个协同度构成各个体的累计协同度路径。",
            )
        elif base == "adjacent":
            base_text = self.t(
                " The base is the previous period, t_0 = t_1 − 1 (period-on-period synergy), "
                f"for every period from {first_t1} to {last_t1} ({P} values).",
                f"以上一期为基期，即 t_0 = t_1 − 1（逐期环比协同度），计算 {first_t1} 至 "
                f"{last_t1} 各期（共 {P} 个值）。",
            )
        else:
            t0 = _label(periods[res.t0[0]])
            base_text = self.t(
                f" The base is the fixed period t_0 = {t0}, compared with every later period "
                f"({first_t1}–{last_t1}, {P} values).",
                f"以固定时期 {t0} 为基期（t_0 = {t0}），与此后各期（{first_t1}–{last_t1}，"
                f"共 {P} 个值）比较。",
            )
        self.para(
            "",
            self.t("where θ = 1 when ", "其中当 "),
            _Math("min_j Δ_j > 0"),
            self.t(
                " and θ = −1 otherwise (Zhang 2023, Eq. 3, writes θ as ω",
                " 时 θ = 1，否则 θ = −1（Zhang（2023）式 (3) 中记作 ω",
            ),
            *pair,
            self.t(
                "). U lies in [−1, 1]; U > 0 only when the order degree of every subsystem "
                "rose, and the closer U is to 1, the better the subsystems evolve together; "
                "U = 0 when some Δ_j = 0.",
                "）。U ∈ [−1, 1]；只有当所有子系统的有序度都提高时 U > 0，U 越接近 1，"
                "子系统协同演化的状态越好；若某个 Δ_j = 0，则 U = 0。",
            ),
            base_text,
        )

    def scale_text(self, edges: Sequence[float], names: Sequence[str]) -> str:
        items = [f"U ≤ {_fmt(edges[0])} {names[0]}" if self.lang == "en" else ""]
        if self.lang == "zh":
            items = [f"U ≤ {_fmt(edges[0])} 为{names[0]}"]
        for i in range(1, len(names)):
            hi = edges[i] if i < len(edges) else None
            interval = _interval(edges[i - 1], hi)
            items.append(f"{interval} {names[i]}" if self.lang == "en" else f"{interval} 为{names[i]}")
        return ("；" if self.lang == "zh" else "; ").join(items)

    def scales(self) -> None:
        spec = self.res.spec
        levels = self.scale_text(spec.levels.edges, level_names(self.res, self.lang))
        stages = self.scale_text(spec.stages.edges, stage_names(self.res, self.lang))
        default_levels = (
            spec.levels.edges == SYNERGY_EDGES and spec.levels.names == SYNERGY_LEVELS
        )
        default_stages = spec.stages.edges == STAGE_EDGES and spec.stages.names == STAGE_NAMES
        level_note = (
            self.t(" (cosyn's defaults, common in this literature)", "（cosyn 默认划分，为该领域文献常用）")
            if default_levels
            else self.t(" (as set in the model)", "（按模型设定）")
        )
        stage_note = (
            self.t(
                " (Zhang 2023, §4, names the stages initial, development, expansion and mature "
                "without thresholds; these edges were chosen to agree with its conclusions)",
                "（Zhang（2023）第 4 节提出初始、发展、扩张、成熟四个阶段而未给出阈值，此处阈值"
                "依据其结论选定）",
            )
            if default_stages
            else self.t(" (as set in the model)", "（按模型设定）")
        )
        self.para(
            self.t("Levels and stages.", "协同等级与发展阶段。"),
            self.t(
                "U is classified on intervals closed on the right, (lower, upper]. Synergy "
                f"levels{level_note}: {levels}. Development stages{stage_note}: {stages}.",
                f"按左开右闭区间 (下限, 上限] 对 U 进行划分。协同等级{level_note}：{levels}。"
                f"协同发展阶段{stage_note}：{stages}。",
            ),
        )

    def references(self) -> None:
        self.blocks.append(
            _Refs(
                self.t("References", "参考文献"),
                tuple(REFERENCES[k][self.lang] for k in self.cited),
            )
        )


# -- rendering -------------------------------------------------------------------------
def _blocks(result: Result, lang: str) -> list[_Block]:
    return _Writer(result, lang).build()


def methods_paragraph(result: Result, lang: str = "en") -> str:
    """The methods section of ``result`` as plain text, in English or Chinese.

    Paragraphs are separated by blank lines and are not wrapped; display formulas stand on
    their own lines, indented, with their number in parentheses. The text states each
    formula with the parameter values used (margin and bounds scope, weighting method and
    its inputs or consistency ratios, aggregation, synergy with θ and k, base period),
    the number of imputed cells, dropped indicators, and the level and stage intervals
    ``(lower, upper]``; it cites Meng & Han (2000) for the model and Zhang (2023) for the
    stages.

    Parameters
    ----------
    result : Result
        A fitted model (:func:`cosyn.fit`).
    lang : {"en", "zh"}
        Language of the words; formulas are the same in both.

    Returns
    -------
    str
    """
    out: list[str] = []
    for block in _blocks(result, lang):
        if isinstance(block, _Para):
            body = "".join(p.text if isinstance(p, _Math) else p for p in block.parts)
            sep = "" if lang == "zh" else " "
            out.append(f"{block.heading}{sep}{body}" if block.heading else body)
        elif isinstance(block, _Eq):
            lines = [f"    {line}" for line in block.lines]
            lines[-1] += f"    ({block.number})"
            out.append("\n".join(lines))
        else:
            out.append("\n".join([block.heading, *block.items]))
    return "\n\n".join(out) + "\n"


_SUP_BRACE = re.compile(r"\^\{([^{}]*)\}")
_SUP_PAREN = re.compile(r"\^\(([^()]*)\)")
_SUB_BRACE = re.compile(r"_\{([^{}]*)\}")
_SUB_WORD = re.compile(r"_([A-Za-z0-9]+)")
_SUP_WORD = re.compile(r"\^([A-Za-z0-9]+)")


def formula_html(text: str) -> Markup:
    """A formula of the plain-text notation as HTML with ``<sub>``/``<sup>`` (escaped)."""
    html = str(escape(text))
    html = _SUP_BRACE.sub(r"<sup>\1</sup>", html)
    html = _SUP_PAREN.sub(r"<sup>\1</sup>", html)
    html = _SUB_BRACE.sub(r"<sub>\1</sub>", html)
    html = _SUB_WORD.sub(r"<sub>\1</sub>", html)
    html = _SUP_WORD.sub(r"<sup>\1</sup>", html)
    return Markup(html)  # noqa: S704 — built from escaped text


def _prose_html(text: str) -> str:
    """Prose with the notation's simple sub/superscripts (``Δ_j``, ``φ_i^s``) set."""
    return str(formula_html(text))


def methods_html(result: Result, lang: str = "en") -> Markup:
    """The methods section of ``result`` as an HTML fragment (no scripts, no MathJax).

    The same content as :func:`methods_paragraph`: paragraphs in ``<p>``, inline formulas
    in ``<span class="math">``, display formulas in ``<div class="equation">`` with their
    number in ``<span class="eqno">``, and the references in a list. Every text from the
    model or the data (names, labels) is escaped. Style the classes in the page.

    Returns
    -------
    markupsafe.Markup
        Safe to insert unescaped into a Jinja2 template.
    """
    out = ['<div class="methods">']
    for block in _blocks(result, lang):
        if isinstance(block, _Para):
            body = "".join(
                f'<span class="math">{formula_html(p.text)}</span>'
                if isinstance(p, _Math)
                else _prose_html(p)
                for p in block.parts
            )
            head = f"<strong>{escape(block.heading)}</strong> " if block.heading else ""
            out.append(f"<p>{head}{body}</p>")
        elif isinstance(block, _Eq):
            lines = "<br>".join(f'<span class="math">{formula_html(x)}</span>' for x in block.lines)
            out.append(
                f'<div class="equation"><span class="eq-body">{lines}</span>'
                f'<span class="eqno">({block.number})</span></div>'
            )
        else:
            items = "".join(f"<li>{escape(x)}</li>" for x in block.items)
            out.append(f'<p class="references-title"><strong>{escape(block.heading)}</strong></p>')
            out.append(f'<ul class="references">{items}</ul>')
    out.append("</div>")
    return Markup("\n".join(out))  # noqa: S704 — every piece escaped above

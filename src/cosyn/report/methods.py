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

Formulas use a small plain-text notation: ``x_i`` and ``x_{i∈j}`` are subscripts,
``x^s``, ``x^{φ_i}`` and ``x^(1/k)`` superscripts. Inside the prose templates of this
module, ``$…$`` marks a formula; text from the model or the data passes through
:func:`_lit`, so a ``$`` in a label stays a dollar sign.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from cosyn.methods.levels import STAGE_EDGES, STAGE_NAMES, SYNERGY_EDGES, SYNERGY_LEVELS
from cosyn.report.text import LANGS, level_names, period_text, stage_names

if TYPE_CHECKING:
    from cosyn.result import Result

__all__ = ["REFERENCES", "formula_html", "methods_html", "methods_paragraph"]

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

_DOLLAR = "\ue000"  # a "$" of user text while the prose is split at formula marks


def _lit(text: Any) -> str:
    """User text (a label, a column, a period) safe inside a ``$…$`` prose template."""
    return str(text).replace("$", _DOLLAR)


def _label(v: Any) -> str:
    """A period label as text (dates without a midnight time), safe for templates."""
    return _lit(period_text(v))


def _fmt(v: float) -> str:
    """A parameter value as written in a spec: 0.1, 0.5, 1."""
    return f"{v:g}"


# -- the document: paragraphs with inline formulas, numbered display formulas ----------
@dataclass(frozen=True)
class _Para:
    heading: str
    text: str  # prose with $formula$ marks


@dataclass(frozen=True)
class _Eq:
    lines: tuple[str, ...]
    number: int


@dataclass(frozen=True)
class _Refs:
    heading: str
    items: tuple[str, ...]


_Block = _Para | _Eq | _Refs


class _Writer:
    """Builds the blocks of the methods text of one result in one language."""

    def __init__(self, result: Result, lang: str) -> None:
        if lang not in LANGS:
            raise ValueError(f"language must be one of {LANGS}, got {lang!r}")
        self.res = result
        self.lang = lang
        self.m = result.spec.method
        self.blocks: list[_Block] = []
        self.eq_number = 0
        self.order_eq = 0
        self.cited = ["meng_han", "zhang"]

    # -- helpers -----------------------------------------------------------------------
    def t(self, en: str, zh: str) -> str:
        return zh if self.lang == "zh" else en

    def para(self, text: str, heading: str = "") -> None:
        self.blocks.append(_Para(heading, text))

    def eq(self, *lines: str) -> int:
        self.eq_number += 1
        self.blocks.append(_Eq(tuple(lines), self.eq_number))
        return self.eq_number

    def join(self, items: Sequence[Any]) -> str:
        return ("、" if self.lang == "zh" else ", ").join(_lit(i) for i in items)

    def cite(self, key: str) -> None:
        if key not in self.cited:
            self.cited.append(key)

    @property
    def several(self) -> bool:
        """More than one entity: per-entity and pooled scopes differ."""
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
        self.blocks.append(
            _Refs(
                self.t("References", "参考文献"),
                tuple(REFERENCES[k][self.lang] for k in self.cited),
            )
        )
        return self.blocks

    def intro(self) -> None:
        from cosyn import __version__

        spec = self.res.spec
        E, T, n = self.res.u.shape
        periods = self.res.periods
        span = f"{_label(periods[0])}–{_label(periods[-1])}"
        subs = [
            f"{_lit(s.label)} ({_lit(s.name)})" if s.label and s.label != s.name else _lit(s.name)
            for s in spec.subsystems
        ]
        sep, colon = ("；", "：") if self.lang == "zh" else ("; ", ": ")
        per_sub = sep.join(
            f"{_lit(s.label or s.name)}{colon}{self.join(s.columns)}" for s in spec.subsystems
        )
        k = len(subs)
        col = f"“{_lit(spec.entity)}”" if spec.entity else ""
        if self.lang == "zh":
            who = f" {E} 个个体（{col} 列）" if col else f" {E} 个个体"
            self.para(
                "本文采用孟庆松和韩文秀（2000）提出的复合系统协同度模型，测度复合系统中 "
                f"{k} 个子系统（{self.join(subs)}）的协同发展程度；Zhang（2023）曾用该模型"
                f"评价数字贸易与产业集群的协同发展。数据包括{who}、{T} 个时期（{span}）和 "
                f"{n} 个序参量（指标）——{per_sub}。计算使用 cosyn {__version__} 完成。"
            )
            return
        who = f"{E} entities (column {col})" if col else f"{E} entit{'y' if E == 1 else 'ies'}"
        self.para(
            f"We measure how the {k} subsystems of the composite system — {', '.join(subs)} — "
            "develop together with the composite system synergy model of Meng and Han (2000), "
            "in the form Zhang (2023) applied to digital trade and industrial clusters. The "
            f"data cover {who} over {T} periods ({span}) with {n} order parameters "
            f"(indicators): {per_sub}. The calculations were made with cosyn {__version__}."
        )

    def imputation(self) -> None:
        filled = int(self.res.imputed.sum())
        total = int(self.res.imputed.size)
        head = self.t("Missing values.", "缺失值处理。")
        share = f"{100 * filled / total:.1f}%"
        if filled == 0:
            self.para(
                self.t(
                    f"The data have no missing values; none of the {total} cells was imputed.",
                    f"数据无缺失值，{total} 个数据单元均未插补。",
                ),
                head,
            )
        elif self.m.impute == "regression":
            self.para(
                self.t(
                    f"{filled} of the {total} cells ({share}) were missing. Each was filled by "
                    "a simple linear regression on the period, fitted per entity and indicator "
                    "to the observed values of the series and used for every missing period, "
                    "inside and outside the observed range:",
                    f"{total} 个数据单元中有 {filled} 个（{share}）缺失。按个体和指标分别以时期"
                    "为自变量、对该序列的观测值做简单线性回归，用拟合值补齐观测区间内外的每个"
                    "缺失时期：",
                ),
                head,
            )
            self.eq("x_i(t) = a + b·t")
        else:
            self.para(
                self.t(
                    f"{filled} of the {total} cells ({share}) were missing. They were filled per "
                    "entity and indicator by linear interpolation between the neighbouring "
                    "observed periods, and with the nearest observed value before the first or "
                    "after the last observation.",
                    f"{total} 个数据单元中有 {filled} 个（{share}）缺失，按个体和指标分别补齐："
                    "观测区间内按相邻观测值线性插值，区间外取最近的观测值。",
                ),
                head,
            )
        if self.res.dropped:
            names = self.join(self.res.dropped)
            self.para(
                self.t(
                    (
                        f"The indicator {names} was constant (upper bound equal to lower "
                        "bound), so its order degree is undefined; it was left out of the model."
                        if len(self.res.dropped) == 1
                        else f"The indicators {names} were constant (upper bound equal to lower "
                        "bound), so their order degree is undefined; they were left out of the "
                        "model."
                    ),
                    f"指标 {names} 为常数（上限等于下限），其有序度无定义，已从模型中剔除。",
                )
            )

    def order_degree(self) -> None:
        m = self.m
        inds = self.res.spec.indicators
        if m.bounds == "entity" and self.several:
            scope = self.t(
                "over the periods of each entity (bounds per entity, as in Zhang 2023)",
                "在每个个体各时期中的最大值和最小值（按个体确定上下限，与 Zhang（2023）一致）",
            )
        elif m.bounds == "entity":
            scope = self.t("over all periods", "在全部时期中的最大值和最小值")
        else:
            scope = self.t(
                "over all entity–periods of the panel (bounds per panel, so that order "
                "degrees are comparable across entities)",
                "在全部个体—时期中的最大值和最小值（按面板确定上下限，使不同个体的有序度可比）",
            )
        a = _fmt(m.margin)
        self.para(
            self.t(
                "Each indicator is made dimensionless with the efficacy coefficient. Its bounds "
                f"are the maximum and minimum of the indicator {scope}, widened by the margin "
                f"$a = {a}$:",
                f"各指标用功效系数法进行无量纲化处理。指标的上下限取该指标{scope}，并按调整幅度 "
                f"$a = {a}$ 向外扩展：",
            ),
            self.t("Order degree of the order parameters.", "序参量有序度。"),
        )
        self.eq(f"upper_i = max_i + a·|max_i|,   lower_i = min_i − a·|min_i|,   a = {a}")
        self.para(
            self.t(
                "For positive values these are $max_i·(1 + a)$ and $min_i·(1 − a)$. The order "
                "degree of indicator i in period t is, for a positive (benefit) and a negative "
                "(cost) indicator respectively,",
                "对正值数据即 $max_i·(1 + a)$ 与 $min_i·(1 − a)$。正向（效益型）指标与负向"
                "（成本型）指标 i 在时期 t 的有序度分别为",
            )
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
            n_pos = len(inds) - len(negative)
            directions = self.t(
                f"{n_pos} indicator{' is' if n_pos == 1 else 's are'} positive and "
                f"{len(negative)} negative ({self.join(negative)}).",
                f"其中 {len(inds) - len(negative)} 个为正向指标，{len(negative)} 个为负向指标"
                f"（{self.join(negative)}）。",
            )
        explicit = [i.column for i in inds if i.lower is not None or i.upper is not None]
        given = ""
        if explicit:
            given = self.t(
                f" For {self.join(explicit)} the bounds given in the model were used as they "
                "are, without the margin; values outside them have u clipped to [0, 1].",
                f"指标 {self.join(explicit)} 使用模型中给定的上下限，不再外扩；超出给定上下限的"
                "数值，其有序度截断到 [0, 1]。",
            )
        self.para(
            self.t(
                "so that $0 ≤ u_i(t) ≤ 1$; the larger u, the larger the indicator's contribution "
                f"to the order of its subsystem. {directions}{given}",
                "因此 $0 ≤ u_i(t) ≤ 1$，u 越大，该序参量对所属子系统有序程度的贡献越大。"
                f"{directions}{given}",
            )
        )

    # -- weights -----------------------------------------------------------------------
    def weights_scope(self) -> str:
        if not self.several:
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
        """Paragraphs and formula of an objective weighting; ``lead`` opens the sentence."""
        E, T, _ = self.res.u.shape
        scope = self.weights_scope()
        eq_ref = self.order_eq
        if name == "entropy":
            inputs = {
                "order": self.t(
                    f"the order degrees $u_i(t)$ of Eq. ({eq_ref})",
                    f"式 ({eq_ref}) 的有序度 $u_i(t)$",
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
            pooled = self.m.weights_scope == "panel" and self.several
            n_desc = (
                self.t(f"$n = E·T = {E * T}$ entity–periods", f"$n = E·T = {E * T}$ 个个体—时期")
                if pooled
                else self.t(f"$n = T = {T}$ periods", f"$n = T = {T}$ 个时期")
            )
            self.para(
                self.t(
                    f"{lead} the entropy method, {scope}, from {inputs}. With $z_i(t)$ the input "
                    f"value of indicator i and {n_desc}:",
                    f"{lead}熵值法确定，{scope}，输入为{inputs}。记 $z_i(t)$ 为指标 i 的输入值，"
                    f"观测数 {n_desc}：",
                )
            )
            self.eq(
                "p_i(t) = z_i(t) / Σ_t z_i(t),   E_i = −(1/ln n)·Σ_t p_i(t)·ln p_i(t)",
                f"d_i = 1 − E_i,   {phi} = d_i / Σ_{{m∈j}} d_m",
            )
            self.para(
                self.t(
                    "with $0·ln 0 = 0$; the weights sum to 1 within each subsystem j, and an "
                    "indicator without variation has $E_i = 1$ and weight 0.",
                    "其中约定 $0·ln 0 = 0$；权重在每个子系统 j 内归一化，和为 1；无变化的指标 "
                    "$E_i = 1$，权重为 0。",
                )
            )
        elif name == "critic":
            self.cite("critic")
            self.para(
                self.t(
                    f"{lead} the CRITIC method (Diakoulaki et al., 1995) on the order degrees "
                    f"$u_i(t)$ of Eq. ({eq_ref}), {scope}:",
                    f"{lead} CRITIC 法（Diakoulaki 等，1995）确定，以式 ({eq_ref}) 的有序度 "
                    f"$u_i(t)$ 为输入，{scope}：",
                )
            )
            self.eq(f"C_i = σ_i·Σ_{{m∈j}} (1 − r_im),   {phi} = C_i / Σ_{{m∈j}} C_m")
            self.para(
                self.t(
                    "where $σ_i$ is the sample standard deviation of $u_i$ and $r_im$ the "
                    "Pearson correlation of indicators i and m of the same subsystem j.",
                    "其中 $σ_i$ 为 $u_i$ 的样本标准差，$r_im$ 为同一子系统 j 内指标 i 与 m 的 "
                    "Pearson 相关系数。",
                )
            )
        elif name == "cv":
            self.para(
                self.t(
                    f"{lead} the coefficient of variation of the raw values, {scope}:",
                    f"{lead}变异系数法确定，以原始数据为输入，{scope}：",
                )
            )
            self.eq(f"v_i = σ_i / x̄_i,   {phi} = v_i / Σ_{{m∈j}} v_m")
            self.para(
                self.t(
                    "where $σ_i$ is the sample standard deviation and $x̄_i$ the mean of "
                    "indicator i.",
                    "其中 $σ_i$ 为指标 i 的样本标准差，$x̄_i$ 为其均值。",
                )
            )
        else:  # equal
            self.para(
                self.t(
                    f"{lead} equal weights within each subsystem:",
                    f"{lead}等权法确定，即每个子系统内各指标权重相等：",
                )
            )
            self.eq(f"{phi} = 1/n_j")
            self.para(
                self.t(
                    "where $n_j$ is the number of order parameters of subsystem j.",
                    "其中 $n_j$ 为子系统 j 的序参量个数。",
                )
            )

    def ahp(self, names: Sequence[str], lead: str) -> None:
        self.cite("ahp")
        res = self.res
        self.para(
            self.t(
                f"{lead} the analytic hierarchy process (Saaty, 1980): the weights of each "
                "subsystem are the principal eigenvector w of its pairwise comparison matrix P "
                "(normalised to sum 1), checked by the consistency ratio",
                f"{lead}层次分析法（AHP，Saaty，1980）确定：各子系统的权重为其两两比较判断矩阵 "
                "P 的主特征向量 w（归一化后和为 1），并以一致性比率检验：",
            )
        )
        self.eq("P·w = λ_max·w,   CI = (λ_max − n)/(n − 1),   CR = CI/RI")
        sizes = {s.name: len(s.indicators) for s in res.spec.subsystems}
        items = []
        for name in names:
            cr = res.ahp_cr.get(name, math.nan)
            small = sizes.get(name, 3) <= 2
            note = (
                self.t(" (a 2 × 2 matrix is always consistent)", "（2 × 2 判断矩阵总是一致的）")
                if small
                else ""
            )
            items.append(f"{_lit(name)} $CR = {cr:.3f}${note}")
        crs = [res.ahp_cr.get(n, math.nan) for n in names]
        if all(c < 0.1 for c in crs):
            verdict = self.t(
                "All are below Saaty's limit of 0.1.",
                "均低于 Saaty 提出的 0.1 上限，通过一致性检验。",
            )
        else:
            verdict = self.t(
                "A CR of 0.1 or more exceeds Saaty's limit; it was accepted because the model "
                "sets allow_inconsistent_ahp = true.",
                "CR ≥ 0.1 超过 Saaty 提出的上限，因模型设置 allow_inconsistent_ahp = true "
                "而被接受。",
            )
        self.para(
            self.t(
                "where n is the order of P and RI Saaty's random index. Consistency ratios: "
                f"{'; '.join(items)}. {verdict}",
                "其中 n 为判断矩阵的阶数，RI 为 Saaty 的平均随机一致性指标。一致性比率："
                f"{'；'.join(items)}。{verdict}",
            )
        )

    def given_text(self, names: Sequence[str]) -> str:
        parts = []
        for s in self.res.spec.subsystems:
            if s.name in names and s.weights is not None:
                ws = ", ".join(
                    f"{_lit(c)} = {w:.3f}" for c, w in zip(s.columns, s.weights, strict=True)
                )
                parts.append(f"{_lit(s.name)}: {ws}")
        return ("；" if self.lang == "zh" else "; ").join(parts)

    def weights(self) -> None:
        m = self.m
        subs = self.res.spec.subsystems
        self.para(
            self.t(
                "The order parameters of each subsystem j are weighted by $φ_i ≥ 0$ with "
                "$Σ_{i∈j} φ_i = 1$.",
                "子系统 j 的各序参量赋予权重 $φ_i ≥ 0$，且 $Σ_{i∈j} φ_i = 1$。",
            ),
            self.t("Weights.", "权重。"),
        )
        lead = self.t("The weights were set by", "权重采用")
        if m.weights in ("entropy", "critic", "cv", "equal"):
            self.objective(m.weights, "φ_i", lead)
        elif m.weights == "given":
            text = self.given_text([s.name for s in subs])
            self.para(
                self.t(
                    "The weights are those given in the model, normalised to sum to 1 within "
                    f"each subsystem: {text}.",
                    f"权重采用模型中给定的数值，并在每个子系统内归一化：{text}。",
                )
            )
        elif m.weights == "ahp":
            self.ahp([s.name for s in subs], lead)
        else:
            self.combined()

    def combined(self) -> None:
        m = self.m
        subs = self.res.spec.subsystems
        self.para(
            self.t(
                "They combine subjective weights $φ_i^s$ and objective weights $φ_i^o$.",
                "权重采用主客观组合赋权，由主观权重 $φ_i^s$ 与客观权重 $φ_i^o$ 组合而成。",
            )
        )
        self.objective(
            m.objective, "φ_i^o", self.t("The objective weights were set by", "客观权重采用")
        )
        by_ahp = [s.name for s in subs if s.weights is None]
        given = [s.name for s in subs if s.weights is not None]
        if given:
            text = self.given_text(given)
            self.para(
                self.t(
                    "The subjective weights of "
                    + ("every subsystem" if not by_ahp else self.join(given))
                    + f" are given in the model (normalised): {text}.",
                    ("各子系统" if not by_ahp else f"子系统 {self.join(given)} ")
                    + f"的主观权重采用模型中给定的数值（已归一化）：{text}。",
                )
            )
        if by_ahp:
            lead = self.t(
                "The subjective weights "
                + ("" if not given else f"of {self.join(by_ahp)} ")
                + "were set by",
                ("" if not given else f"子系统 {self.join(by_ahp)} 的") + "主观权重采用",
            )
            self.ahp(by_ahp, lead)
        lam = _fmt(m.combine_lambda)
        if m.combine == "additive":
            self.para(
                self.t(
                    f"The two are combined additively with the subjective share $λ = {lam}$:",
                    f"二者按线性加权组合，主观权重所占比例 $λ = {lam}$：",
                )
            )
            self.eq(f"φ_i = λ·φ_i^s + (1 − λ)·φ_i^o,   λ = {lam}")
        else:
            self.para(
                self.t(
                    "The two are combined multiplicatively and normalised within each subsystem:",
                    "二者按乘法组合，并在每个子系统内归一化：",
                )
            )
            self.eq("φ_i = φ_i^s·φ_i^o / Σ_{m∈j} φ_m^s·φ_m^o")

    # -- order of the subsystems, synergy, scales ----------------------------------------
    def aggregation(self) -> None:
        head = self.t("Order degree of the subsystems.", "子系统有序度。")
        how = self.m.aggregation
        tail = ""
        if how == "weighted_sum":
            self.para(
                self.t(
                    "The order degree of subsystem j in period t is the weighted sum of the "
                    "order degrees of its $n_j$ order parameters:",
                    "子系统 j 在时期 t 的有序度为其 $n_j$ 个序参量有序度的线性加权和：",
                ),
                head,
            )
            self.eq("μ_j(t) = Σ_{i∈j} φ_i·u_i(t)")
        elif how == "geometric":
            self.para(
                self.t(
                    "The order degree of subsystem j in period t is the unweighted geometric "
                    "mean of the order degrees of its $n_j$ order parameters (the weights $φ_i$ "
                    "above are reported but do not enter $μ_j$):",
                    "子系统 j 在时期 t 的有序度为其 $n_j$ 个序参量有序度的几何平均（不加权；"
                    "上述权重 $φ_i$ 仅作报告，不进入 $μ_j$）：",
                ),
                head,
            )
            self.eq("μ_j(t) = (Π_{i∈j} u_i(t))^(1/n_j)")
        else:
            self.para(
                self.t(
                    "The order degree of subsystem j in period t is the weighted geometric "
                    "mean of the order degrees of its $n_j$ order parameters:",
                    "子系统 j 在时期 t 的有序度为其 $n_j$ 个序参量有序度的加权几何平均：",
                ),
                head,
            )
            self.eq("μ_j(t) = Π_{i∈j} u_i(t)^{φ_i}")
            tail = self.t(
                " (with $0^0 = 1$: an indicator of weight 0 does not pull $μ_j$ to 0)",
                "（约定 $0^0 = 1$，权重为 0 的指标不会使 $μ_j$ 变为 0）",
            )
        self.para(self.t(f"Hence $0 ≤ μ_j(t) ≤ 1${tail}.", f"因此 $0 ≤ μ_j(t) ≤ 1${tail}。"))

    def synergy(self) -> None:
        res = self.res
        k = len(res.subsystems)
        self.para(
            self.t(
                "Between a base period $t_0$ and a later period $t_1$, let "
                "$Δ_j = μ_j(t_1) − μ_j(t_0)$ be the change of the order degree of subsystem j. "
                f"The synergy degree of the $k = {k}$ subsystems is",
                "设基期为 $t_0$、考察期为 $t_1$（$t_1 > t_0$），记子系统 j 有序度的变化量为 "
                f"$Δ_j = μ_j(t_1) − μ_j(t_0)$，则由 $k = {k}$ 个子系统构成的复合系统协同度为",
            ),
            self.t("Synergy degree of the composite system.", "复合系统协同度。"),
        )
        self.eq(f"U = θ·(Π_j |Δ_j|)^(1/k),   k = {k}")
        pair = ""
        if k == 2:
            pair = self.t("; for k = 2 this is ", "；k = 2 时即 ") + "$U = θ·√(|Δ_1|·|Δ_2|)$"
        periods = res.periods
        P = res.synergy_values.shape[1]
        first_t1 = _label(periods[res.t1[0]])
        last_t1 = _label(periods[res.t1[-1]])
        t0 = _label(periods[res.t0[0]])
        base = str(self.m.base)
        if base == "first":
            base_text = self.t(
                f"The base is the first period, $t_0$ = {t0}, compared with every later period "
                f"({first_t1}–{last_t1}): the {P} values form each entity's cumulative synergy "
                "path.",
                f"以第一期为基期（$t_0$ = {t0}），与此后各期（{first_t1}–{last_t1}）比较，"
                f"{P} 个协同度构成各个体的累计协同度路径。",
            )
        elif base == "adjacent":
            base_text = self.t(
                "The base is the previous period, $t_0 = t_1 − 1$ (adjacent, period-on-period "
                f"synergy), for every period from {first_t1} to {last_t1} ({P} values).",
                "以上一期为基期，即 $t_0 = t_1 − 1$（相邻时期比较，逐期环比协同度），计算 "
                f"{first_t1} 至 {last_t1} 各期（共 {P} 个值）。",
            )
        else:
            base_text = self.t(
                f"The base is the fixed period $t_0$ = {t0} named in the model, compared with "
                f"every later period ({first_t1}–{last_t1}, {P} values).",
                f"以模型指定的固定时期 {t0} 为基期（$t_0$ = {t0}），与此后各期"
                f"（{first_t1}–{last_t1}，共 {P} 个值）比较。",
            )
        self.para(
            self.t(
                "where θ = 1 when $min_j Δ_j > 0$ and θ = −1 otherwise (Zhang 2023, Eq. 3, "
                f"writes θ as ω{pair}). U lies in [−1, 1]; U > 0 only when the order degree of "
                "every subsystem rose, and the closer U is to 1, the better the subsystems "
                f"evolve together; U = 0 when some $Δ_j = 0$. {base_text}",
                f"其中当 $min_j Δ_j > 0$ 时 θ = 1，否则 θ = −1（Zhang（2023）式 (3) 中记作 ω"
                f"{pair}）。U ∈ [−1, 1]；只有当所有子系统的有序度都提高时 U > 0，U 越接近 1，"
                f"子系统协同演化的状态越好；若某个 $Δ_j = 0$，则 U = 0。{base_text}",
            )
        )

    def scale_text(self, edges: Sequence[float], names: Sequence[str]) -> str:
        """``U ≤ e0 name0; (e0, e1] name1; …`` with the last interval closed at 1."""
        zh = self.lang == "zh"
        items = [f"U ≤ {_fmt(edges[0])} {'为' if zh else ''}{_lit(names[0])}"]
        for i in range(1, len(names)):
            lo = edges[i - 1]
            if i < len(edges):
                interval = f"({_fmt(lo)}, {_fmt(edges[i])}]"
            else:
                interval = f"({_fmt(lo)}, 1]" if lo < 1 else f"U > {_fmt(lo)}"
            items.append(f"{interval} {'为' if zh else ''}{_lit(names[i])}")
        return ("；" if zh else "; ").join(items)

    def scales(self) -> None:
        spec = self.res.spec
        levels = self.scale_text(spec.levels.edges, level_names(self.res, self.lang))
        stages = self.scale_text(spec.stages.edges, stage_names(self.res, self.lang))
        custom = self.t(" (as set in the model)", "（按模型设定）")
        default_levels = spec.levels.edges == SYNERGY_EDGES and spec.levels.names == SYNERGY_LEVELS
        default_stages = spec.stages.edges == STAGE_EDGES and spec.stages.names == STAGE_NAMES
        level_note = (
            self.t(
                " (cosyn's defaults, common in this literature)",
                "（cosyn 的默认划分，为该领域文献常用）",
            )
            if default_levels
            else custom
        )
        stage_note = (
            self.t(
                " (Zhang 2023, §4, names the stages initial, development, expansion and mature "
                "without thresholds; these edges were chosen to agree with its conclusions)",
                "（Zhang（2023）第 4 节提出初始、发展、扩张、成熟四个阶段而未给出阈值，此处阈值"
                "依据其结论选定）",
            )
            if default_stages
            else custom
        )
        self.para(
            self.t(
                "U is classified on intervals closed on the right, (lower, upper]. Synergy "
                f"levels{level_note}: {levels}. Development stages{stage_note}: {stages}.",
                f"按左开右闭区间 (下限, 上限] 对 U 进行划分。协同等级{level_note}：{levels}。"
                f"协同发展阶段{stage_note}：{stages}。",
            ),
            self.t("Levels and stages.", "协同等级与发展阶段。"),
        )


# -- rendering -------------------------------------------------------------------------
def _pieces(text: str) -> list[tuple[bool, str]]:
    """Split prose at ``$`` marks into (is_formula, text) pieces, user ``$`` restored."""
    return [(n % 2 == 1, s.replace(_DOLLAR, "$")) for n, s in enumerate(text.split("$")) if s]


def methods_paragraph(result: Result, lang: str = "en") -> str:
    """The methods section of ``result`` as plain text, in English or Chinese.

    Paragraphs are separated by blank lines and are not wrapped; display formulas stand on
    their own lines, indented, with their number in parentheses. The text states each
    formula with the parameter values used — the margin and bounds scope of the efficacy
    coefficient, the weighting method with its inputs and scope (AHP: each subsystem's
    consistency ratio; combined: λ and the form), the aggregation, the synergy formula
    with θ and k, the base period — and the number of imputed cells, the dropped
    indicators, and the level and stage intervals ``(lower, upper]`` with their names. It
    cites Meng & Han (2000) for the model and Zhang (2023) for the stages.

    Parameters
    ----------
    result : Result
        A fitted model (:func:`cosyn.fit`).
    lang : {"en", "zh"}
        Language of the words; the formulas are the same in both.

    Returns
    -------
    str

    Examples
    --------
    >>> import cosyn
    >>> from cosyn.report.methods import methods_paragraph
    >>> res = cosyn.fit(cosyn.datasets.data_path("trade.csv"),
    ...                 cosyn.datasets.load_spec("trade_model"))
    >>> print(methods_paragraph(res).split("\\n\\n")[3])
        upper_i = max_i + a·|max_i|,   lower_i = min_i − a·|min_i|,   a = 0.1    (1)
    """
    out: list[str] = []
    sep = "" if lang == "zh" else " "
    for block in _Writer(result, lang).build():
        if isinstance(block, _Para):
            body = "".join(s for _, s in _pieces(block.text))
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
    """A formula in the plain-text notation as escaped HTML with ``<sub>``/``<sup>``.

    ``x_i``, ``x_{i∈j}`` → subscripts; ``x^s``, ``x^{φ_i}``, ``x^(1/k)`` → superscripts
    (the parentheses of ``^(…)`` are dropped, as a raised exponent needs none).
    """
    html = str(escape(text))
    html = _SUP_BRACE.sub(r"<sup>\1</sup>", html)
    html = _SUP_PAREN.sub(r"<sup>\1</sup>", html)
    html = _SUB_BRACE.sub(r"<sub>\1</sub>", html)
    html = _SUB_WORD.sub(r"<sub>\1</sub>", html)
    html = _SUP_WORD.sub(r"<sup>\1</sup>", html)
    return Markup(html)


def methods_html(result: Result, lang: str = "en") -> Markup:
    """The methods section of ``result`` as an HTML fragment (plain HTML, no scripts).

    The content of :func:`methods_paragraph`: paragraphs in ``<p>`` with a bold run-in
    heading, inline formulas in ``<span class="math">``, display formulas in
    ``<div class="equation">`` (one ``<span class="eq-line">`` per line, each formula of a
    line in its own ``<span class="math">`` so that a narrow screen wraps between them) with
    the number in ``<span class="eqno">``, and the
    references in ``<ul class="references">``. Every text from the model or the data is
    escaped. The classes are styled by the page that includes the fragment.

    Returns
    -------
    markupsafe.Markup
        Safe to insert unescaped into a Jinja2 template.
    """
    out = ['<div class="methods">']
    for block in _Writer(result, lang).build():
        if isinstance(block, _Para):
            body = "".join(
                f'<span class="math">{formula_html(s)}</span>' if math_ else str(escape(s))
                for math_, s in _pieces(block.text)
            )
            gap = "" if lang == "zh" else " "
            head = f"<strong>{escape(block.heading)}</strong>{gap}" if block.heading else ""
            out.append(f"<p>{head}{body}</p>")
        elif isinstance(block, _Eq):
            lines = "".join(
                '<span class="eq-line">'
                + "".join(
                    f'<span class="math">{formula_html(part)}</span>' for part in line.split("   ")
                )
                + "</span>"
                for line in block.lines
            )
            out.append(
                f'<div class="equation"><span class="eq-body">{lines}</span>'
                f'<span class="eqno">({block.number})</span></div>'
            )
        else:
            items = "".join(f"<li>{escape(x)}</li>" for x in block.items)
            out.append(f'<p class="references-title"><strong>{escape(block.heading)}</strong></p>')
            out.append(f'<ul class="references">{items}</ul>')
    out.append("</div>")
    return Markup("\n".join(out))

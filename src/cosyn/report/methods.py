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
The diagnostics asked for in the spec's ``[diagnostics]`` table (METHOD.md §6–§7) follow,
each with its formula and the values of its parameters: the grey relational test, the
coupling coordination degree, the obstacle degree, the GM(1,1) forecast and the
robustness Monte Carlo.

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

from cosyn.methods.coupling import (
    COORDINATION_EDGES,
    COORDINATION_LEVELS,
    COUPLING_EDGES,
    COUPLING_STAGES,
)
from cosyn.methods.grey import GM11_GRADE_LIMITS, SMALL_ERROR_FACTOR, level_ratio_bounds
from cosyn.methods.levels import STAGE_EDGES, STAGE_NAMES, SYNERGY_EDGES, SYNERGY_LEVELS
from cosyn.report.text import (
    GM11_GRADES_ZH,
    LANGS,
    coupling_level_names,
    coupling_stage_names,
    lag_texts,
    level_names,
    period_text,
    stage_names,
    translate,
)

if TYPE_CHECKING:
    from cosyn.result import Result

__all__ = [
    "ANALYSIS_TOPICS",
    "REFERENCES",
    "analysis_methods",
    "analysis_methods_html",
    "analysis_methods_sections",
    "analysis_methods_topics",
    "analysis_notes",
    "formula_html",
    "methods_html",
    "methods_paragraph",
]

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
    "deng1982": {
        "en": "Deng, J.-L. (1982). Control problems of grey systems. Systems & Control Letters, "
        "1(5), 288–294.",
        "zh": "Deng J L. Control problems of grey systems[J]. Systems & Control Letters, 1982, "
        "1(5): 288-294.",
    },
    "deng1989": {
        "en": "Deng, J.-L. (1989). Introduction to grey system theory. The Journal of Grey "
        "System, 1(1), 1–24.",
        "zh": "Deng J L. Introduction to grey system theory[J]. The Journal of Grey System, "
        "1989, 1(1): 1-24.",
    },
    "liu_lin": {
        "en": "Liu, S., & Lin, Y. (2010). Grey Systems: Theory and Applications. Berlin: Springer.",
        "zh": "Liu S, Lin Y. Grey Systems: Theory and Applications[M]. Berlin: Springer, 2010.",
    },
    "wang2021": {
        "en": "Wang, S., Kong, W., Ren, L., Zhi, D., & Dai, B. (2021). Research on misuses and "
        "modification of coupling coordination degree model in China [国内耦合协调度模型的误区及"
        "修正]. Journal of Natural Resources, 36(3), 793–810. doi:10.31497/zrzyxb.20210319",
        "zh": "王淑佳, 孔伟, 任亮, 治丹丹, 戴彬婷. 国内耦合协调度模型的误区及修正[J]. "
        "自然资源学报, 2021, 36(3): 793-810.",
    },
    "fan2024": {
        "en": "Fan, D., Ke, H., & Cao, R. (2024). Modification and improvement of coupling "
        "coordination degree model. Statistics & Decision [统计与决策], 40(22), 41–46. "
        "doi:10.13546/j.cnki.tjyjc.2024.22.007",
        "zh": "Fan D, Ke H, Cao R. Modification and improvement of coupling coordination degree "
        "model[J]. 统计与决策, 2024, 40(22): 41-46.",
    },
    "dagum1997": {
        "en": "Dagum, C. (1997). A new approach to the decomposition of the Gini income "
        "inequality ratio. Empirical Economics, 22(4), 515–531. doi:10.1007/BF01205777",
        "zh": "Dagum C. A new approach to the decomposition of the Gini income inequality "
        "ratio[J]. Empirical Economics, 1997, 22(4): 515-531.",
    },
    "theil1967": {
        "en": "Theil, H. (1967). Economics and Information Theory. Amsterdam: North-Holland.",
        "zh": "Theil H. Economics and Information Theory[M]. Amsterdam: North-Holland, 1967.",
    },
    "shorrocks1980": {
        "en": "Shorrocks, A. F. (1980). The class of additively decomposable inequality "
        "measures. Econometrica, 48(3), 613–625.",
        "zh": "Shorrocks A F. The class of additively decomposable inequality measures[J]. "
        "Econometrica, 1980, 48(3): 613-625.",
    },
    "barro1992": {
        "en": "Barro, R. J., & Sala-i-Martin, X. (1992). Convergence. Journal of Political "
        "Economy, 100(2), 223–251.",
        "zh": "Barro R J, Sala-i-Martin X. Convergence[J]. Journal of Political Economy, 1992, "
        "100(2): 223-251.",
    },
    "silverman1986": {
        "en": "Silverman, B. W. (1986). Density Estimation for Statistics and Data Analysis. "
        "London: Chapman & Hall.",
        "zh": "Silverman B W. Density Estimation for Statistics and Data Analysis[M]. London: "
        "Chapman & Hall, 1986.",
    },
    "scott1992": {
        "en": "Scott, D. W. (1992). Multivariate Density Estimation: Theory, Practice, and "
        "Visualization. New York: Wiley.",
        "zh": "Scott D W. Multivariate Density Estimation: Theory, Practice, and "
        "Visualization[M]. New York: Wiley, 1992.",
    },
    "moran1950": {
        "en": "Moran, P. A. P. (1950). Notes on continuous stochastic phenomena. Biometrika, "
        "37(1/2), 17–23.",
        "zh": "Moran P A P. Notes on continuous stochastic phenomena[J]. Biometrika, 1950, "
        "37(1/2): 17-23.",
    },
    "cliff_ord1981": {
        "en": "Cliff, A. D., & Ord, J. K. (1981). Spatial Processes: Models and Applications. "
        "London: Pion.",
        "zh": "Cliff A D, Ord J K. Spatial Processes: Models and Applications[M]. London: "
        "Pion, 1981.",
    },
    "anselin1995": {
        "en": "Anselin, L. (1995). Local indicators of spatial association—LISA. "
        "Geographical Analysis, 27(2), 93–115.",
        "zh": "Anselin L. Local indicators of spatial association—LISA[J]. Geographical "
        "Analysis, 1995, 27(2): 93-115.",
    },
    "anderson_goodman1957": {
        "en": "Anderson, T. W., & Goodman, L. A. (1957). Statistical inference about Markov "
        "chains. Annals of Mathematical Statistics, 28(1), 89–110.",
        "zh": "Anderson T W, Goodman L A. Statistical inference about Markov chains[J]. "
        "Annals of Mathematical Statistics, 1957, 28(1): 89-110.",
    },
    "rey2001": {
        "en": "Rey, S. J. (2001). Spatial empirics for economic growth and convergence. "
        "Geographical Analysis, 33(3), 195–214.",
        "zh": "Rey S J. Spatial empirics for economic growth and convergence[J]. Geographical "
        "Analysis, 2001, 33(3): 195-214.",
    },
    "bickenbach_bode2003": {
        "en": "Bickenbach, F., & Bode, E. (2003). Evaluating the Markov property in studies "
        "of economic convergence. International Regional Science Review, 26(3), 363–392.",
        "zh": "Bickenbach F, Bode E. Evaluating the Markov property in studies of economic "
        "convergence[J]. International Regional Science Review, 2003, 26(3): 363-392.",
    },
    "rey_anselin2007": {
        "en": "Rey, S. J., & Anselin, L. (2007). PySAL: A Python library of spatial "
        "analytical methods. The Review of Regional Studies, 37(1), 5–27.",
        "zh": "Rey S J, Anselin L. PySAL: A Python library of spatial analytical methods[J]. "
        "The Review of Regional Studies, 2007, 37(1): 5-27.",
    },
    "nbs2011": {
        "en": "National Bureau of Statistics of China (2011). The division of the eastern, "
        "central, western and northeastern regions [东西中部和东北地区划分方法]. Beijing: "
        "National Bureau of Statistics.",
        "zh": "国家统计局. 东西中部和东北地区划分方法[EB/OL]. 北京: 国家统计局, 2011.",
    },
}

#: Chinese names of the GM(1,1) accuracy grades (``GM11_GRADES``), as grey forecasting
#: texts name them.

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
        d = self.res.spec.diagnostics
        if d.gra:
            self.grey_relation()
        if d.coupling:
            self.coupling()
        if d.obstacles:
            self.obstacles()
        if d.forecast:
            self.forecast()
        if d.robustness is not None:
            self.robustness()
        return self.blocks

    def references(self) -> _Refs:
        return _Refs(
            self.t("References", "参考文献"), tuple(REFERENCES[k][self.lang] for k in self.cited)
        )

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

    def scale_text(self, edges: Sequence[float], names: Sequence[str], var: str = "U") -> str:
        """``U ≤ e0 name0; (e0, e1] name1; …`` with the last interval closed at 1."""
        zh = self.lang == "zh"
        items = [f"{var} ≤ {_fmt(edges[0])} {'为' if zh else ''}{_lit(names[0])}"]
        for i in range(1, len(names)):
            lo = edges[i - 1]
            if i < len(edges):
                interval = f"({_fmt(lo)}, {_fmt(edges[i])}]"
            else:
                interval = f"({_fmt(lo)}, 1]" if lo < 1 else f"{var} > {_fmt(lo)}"
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
        focus = ""
        if any(spec.stages.focus):
            focus = (
                self.t(
                    " The stage cards give the development focus Zhang (2023, §4) recommends "
                    "for each stage.",
                    "各阶段卡片给出 Zhang（2023）第 4 节为各阶段建议的发展重点。",
                )
                if spec.stages.preset == "zhang2023"
                else self.t(
                    " The stage cards give the development focus the model sets for each stage.",
                    "各阶段卡片给出模型为各阶段设定的发展重点。",
                )
            )
        self.para(
            self.t(
                "U is classified on intervals closed on the right, (lower, upper]. Synergy "
                f"levels{level_note}: {levels}. Development stages{stage_note}: {stages}."
                f"{focus}",
                f"按左开右闭区间 (下限, 上限] 对 U 进行划分。协同等级{level_note}：{levels}。"
                f"协同发展阶段{stage_note}：{stages}。{focus}",
            ),
            self.t("Levels and stages.", "协同等级与发展阶段。"),
        )

    # -- diagnostics (METHOD.md §6–§7) -------------------------------------------------
    def subsystem_values(self, values: Sequence[float] | None, symbol: str) -> str:
        """``equal, W_j = 1/k = 0.5`` or the given (normalised) weight of each subsystem."""
        k = len(self.res.subsystems)
        if values is None:
            return self.t(
                f"equal, ${symbol}_j = 1/k = {_fmt(1 / k)}$",
                f"等权，${symbol}_j = 1/k = {_fmt(1 / k)}$",
            )
        given = ", ".join(
            f"{_lit(name)} {symbol} = {v:.3f}"
            for name, v in zip(self.res.subsystems, values, strict=True)
        )
        return self.t(
            f"as given in the model, normalised to sum to 1: {given}",
            f"采用模型中给定并归一化的数值：{given}",
        )

    def grey_relation(self) -> None:
        d = self.res.spec.diagnostics
        for key in ("deng1982", "deng1989", "liu_lin"):
            self.cite(key)
        T = self.res.u.shape[1]
        rho, thr = _fmt(d.gra_rho), _fmt(d.gra_threshold)
        norm = {
            "none": self.t(
                "The order degrees are already dimensionless, on [0, 1], so they are not "
                'normalised again (gra_normalize = "none").',
                '有序度已是 [0, 1] 上的无量纲数值，故不再标准化（gra_normalize = "none"）。',
            ),
            "initial": self.t(
                "Every series, the reference too, is first divided by its first value, "
                '$x(t)/x(1)$ (initial-value normalisation, gra_normalize = "initial").',
                "各序列（含参考序列）先除以其首期值 $x(t)/x(1)$"
                '（初值化，gra_normalize = "initial"）。',
            ),
            "mean": self.t(
                "Every series, the reference too, is first divided by its mean, $x(t)/x̄$ "
                '(mean normalisation, gra_normalize = "mean").',
                '各序列（含参考序列）先除以其均值 $x(t)/x̄$（均值化，gra_normalize = "mean"）。',
            ),
            "minmax": self.t(
                "Every series, the reference too, is first min–max scaled, "
                '$(x(t) − min x)/(max x − min x)$ (gra_normalize = "minmax").',
                "各序列（含参考序列）先做极差标准化 $(x(t) − min x)/(max x − min x)$"
                '（gra_normalize = "minmax"）。',
            ),
        }[d.gra_normalize]
        each = self.t(" of each entity", "（按个体分别计算）") if self.several else ""
        self.para(
            self.t(
                "Zhang (2023) tests the subsystems for grey correlation. Deng's grey relational "
                "grade (Deng, 1982, 1989; Liu & Lin, 2010) measures how closely each order "
                "parameter moves with its subsystem: the reference series $x_0(t)$ is the order "
                "degree $μ_j(t)$ of subsystem j and the comparison series $x_i(t)$ are the "
                f"order degrees $u_i(t)$ of its $n_j$ indicators, over the T = {T} periods"
                f"{each}. {norm} With $Δ_min$ and $Δ_max$ the two-level minimum and maximum of "
                "$Δ_i(t)$ over every indicator i of the subsystem and every period t,",
                "Zhang（2023）要求对子系统进行灰色关联检验。本文采用邓聚龙的灰色关联度"
                "（Deng，1982，1989；Liu 和 Lin，2010）衡量各序参量与其所属子系统变化的一致"
                "程度：以子系统 j 的有序度 $μ_j(t)$ 为参考序列 $x_0(t)$，以其 $n_j$ 个指标的"
                f"有序度 $u_i(t)$ 为比较序列 $x_i(t)$，时期数 T = {T}{each}。{norm}记 $Δ_min$ "
                "与 $Δ_max$ 为 $Δ_i(t)$ 在该子系统全部指标 i 和全部时期 t 上的两级最小差与两级"
                "最大差，则",
            ),
            self.t("Grey relational test.", "灰色关联检验。"),
        )
        self.eq(
            "Δ_i(t) = |x_0(t) − x_i(t)|,   "
            f"ξ_i(t) = (Δ_min + ρ·Δ_max) / (Δ_i(t) + ρ·Δ_max),   ρ = {rho}",
            "r_i = (1/T)·Σ_t ξ_i(t)",
        )
        subs = self.res.subsystems
        pairs = self.join([f"{a} × {b}" for n, a in enumerate(subs) for b in subs[n + 1 :]])
        self.para(
            self.t(
                f"where $ρ = {rho}$ is the distinguishing coefficient. Each "
                "$ξ_i(t) ≥ ρ/(1 + ρ)$, so $0 < r_i ≤ 1$, and $r_i = 1$ when the indicator "
                f"moves exactly with its subsystem. An order parameter with $r_i < {thr}$ "
                f"(threshold {thr}) is flagged as a weak order parameter. The cross matrix "
                "grades every indicator of one subsystem, as the reference series, against "
                "every indicator of another by the same formula, the two-level extremes taken "
                "over the other subsystem's indicators and the periods; it is computed for "
                f"the pairs {pairs}.",
                f"其中 $ρ = {rho}$ 为分辨系数。由于 $ξ_i(t) ≥ ρ/(1 + ρ)$，故 $0 < r_i ≤ 1$；"
                f"指标与其子系统变化完全一致时 $r_i = 1$。关联度 $r_i < {thr}$（阈值 {thr}）"
                "的序参量标记为弱序参量。交叉关联矩阵以一个子系统的每个指标为参考序列，按同一"
                "公式计算它与另一子系统每个指标的关联度，两级最小差与最大差取自另一子系统的"
                f"全部指标和各时期；计算的子系统对为 {pairs}。",
            )
        )

    def coupling(self) -> None:
        d = self.res.spec.diagnostics
        k = len(self.res.subsystems)
        method = d.coupling
        self.cite("fan2024" if method == "fan" else "wang2021")
        if method == "classic":
            how = self.t(
                "the classic model, in the normative form of Wang Shujia et al. (2021) "
                '(coupling = "classic")',
                '经典模型（按王淑佳等（2021）给出的规范形式，coupling = "classic"）',
            )
        elif method == "wang":
            how = self.t(
                'the corrected model of Wang Shujia et al. (2021) (coupling = "wang"), which '
                "divides each $U_j$ by the largest one before the product, so that C keeps its "
                "meaning when the indices are small",
                '王淑佳等（2021）提出的修正模型（coupling = "wang"），先将各 $U_j$ 除以其中'
                "最大者再连乘，使指数较小时 C 仍有区分度",
            )
        else:
            how = self.t(
                'the model of Fan et al. (2024) (coupling = "fan"): one minus twice the '
                "population standard deviation of the indices",
                'Fan 等（2024）的模型（coupling = "fan"）：1 减去各指数总体标准差的 2 倍',
            )
        each = (
            self.t("for each entity and period", "按个体和时期分别计算")
            if self.several
            else self.t("for each period", "按时期分别计算")
        )
        self.para(
            self.t(
                "Beside the synergy degree, which compares two periods, the coupling "
                "coordination degree describes how the subsystems stand together in each "
                "period. Its comprehensive indices are the subsystem order degrees, "
                f"$U_j = μ_j(t)$, {each}. The coupling degree C of the $k = {k}$ subsystems "
                f"follows {how}:",
                "协同度比较的是两个时期，耦合协调度则刻画各子系统在每一时期的相互关系。以子系统"
                f"有序度为综合发展指数，$U_j = μ_j(t)$，{each}。$k = {k}$ 个子系统的耦合度 C "
                f"采用{how}：",
            ),
            self.t("Coupling coordination degree.", "耦合协调度。"),
        )
        if d.coupling_input == "rescale":
            self.para(
                self.t(
                    'As SPSSAU does by default (coupling_input = "rescale"), each $μ_j$ is '
                    "first min-max rescaled into [0.01, 0.99] over all entities and periods, "
                    "$U_j = 0.01 + 0.98·(μ_j − min μ_j)/(max μ_j − min μ_j)$, so that no index "
                    "is 0; a subsystem whose μ is the same everywhere is set to 0.5.",
                    '按 SPSSAU 的默认做法（coupling_input = "rescale"），先在全部个体和时期上将各 '
                    "$μ_j$ 按极差标准化到 [0.01, 0.99]，$U_j = 0.01 + 0.98·(μ_j − min μ_j)/"
                    "(max μ_j − min μ_j)$，使各指数均不为 0；μ 处处相同的子系统取 0.5。",
                )
            )
        if method == "classic":
            lines = [f"C = k·(Π_j U_j)^(1/k) / Σ_j U_j,   k = {k}"]
            if k == 2:
                lines.append("C = 2·√(U_1·U_2) / (U_1 + U_2)")
        elif method == "wang":
            lines = [
                f"C = √([1 − mean_{{i<j}} |U_i − U_j|]·(Π_j U_j / max U)^{{1/(k−1)}}),   k = {k}"
            ]
            if k == 2:
                lines.append("C = √((1 − |U_1 − U_2|)·min U / max U)")
        else:
            lines = [f"C = 1 − 2·σ_U,   σ_U = √((1/k)·Σ_j (U_j − Ū)^2),   k = {k}"]
        self.eq(*lines)
        pairs = ""
        if method == "wang" and k > 2:
            pairs = self.t(
                f" The mean runs over the k(k − 1)/2 = {k * (k - 1) // 2} pairs of subsystems.",
                f"其中平均值取自 k(k − 1)/2 = {k * (k - 1) // 2} 对子系统。",
            )
        beta = self.subsystem_values(d.coupling_weights, "β")
        self.para(
            self.t(
                f"{pairs.strip()} The comprehensive development index T weights the subsystems "
                f"by $β_j$ ({beta}), and the coupling coordination degree D combines C and T:",
                f"{pairs}综合发展指数 T 以 $β_j$ 对各子系统加权（{beta}），耦合协调度 D 由 C "
                "与 T 合成：",
            ).lstrip()
        )
        self.eq("T = Σ_j β_j·U_j,   D = √(C·T)")
        level_scale, stage_scale = d.coupling_levels, d.coupling_stages
        levels = self.scale_text(level_scale.edges, coupling_level_names(self.res, self.lang), "D")
        stages = self.scale_text(stage_scale.edges, coupling_stage_names(self.res, self.lang), "C")
        default_levels = (
            tuple(level_scale.edges) == COORDINATION_EDGES
            and tuple(level_scale.names) == COORDINATION_LEVELS
        )
        default_stages = (
            tuple(stage_scale.edges) == COUPLING_EDGES
            and tuple(stage_scale.names) == COUPLING_STAGES
        )
        n_lv, n_st = len(level_scale.names), len(stage_scale.names)
        self.para(
            self.t(
                "C, T and D lie in [0, 1]; where every $U_j = 0$, C = T = D = 0. D is "
                + (
                    "classified into ten coordination levels on intervals (lower, upper] in "
                    f"steps of 0.1: {levels}."
                    if default_levels
                    else f"classified into {n_lv} coordination levels on intervals (lower, "
                    f"upper] (diagnostics.coupling_levels): {levels}."
                )
                + (
                    f" C is classified into four coupling stages: {stages}."
                    if default_stages
                    else f" C is classified into {n_st} coupling stages "
                    f"(diagnostics.coupling_stages): {stages}."
                ),
                "C、T、D 均在 [0, 1] 内；所有 $U_j = 0$ 时 C = T = D = 0。"
                + (
                    f"按左开右闭区间、以 0.1 为步长将 D 划分为十个协调等级：{levels}。"
                    if default_levels
                    else f"按左开右闭区间将 D 划分为 {n_lv} 个协调等级"
                    f"（diagnostics.coupling_levels）：{levels}。"
                )
                + (
                    f"C 划分为四个耦合阶段：{stages}。"
                    if default_stages
                    else f"C 划分为 {n_st} 个耦合阶段（diagnostics.coupling_stages）：{stages}。"
                ),
            )
        )
        self.development()

    def development(self) -> None:
        """The relative development degree E and its lag types (METHOD.md §8)."""
        d = self.res.spec.diagnostics
        labels = [s.label or s.name for s in self.res.spec.subsystems]
        low, high = (_fmt(v) for v in d.lag_edges)
        if len(labels) == 2:
            lags = lag_texts([0, 1, 2], labels, self.lang)
            self.para(
                self.t(
                    f"The relative development degree $E = U_1/U_2$ ({labels[0]} over "
                    f"{labels[1]}) gives the lag type: E < {low} {lags[0]}, {low} ≤ E ≤ {high} "
                    f"{lags[1]}, E > {high} {lags[2]}. Where $U_2 = 0$, E is undefined (left "
                    "empty): if $U_1 > 0$ the second subsystem lags, and if both are 0 they "
                    "are synchronous.",
                    f"相对发展度 $E = U_1/U_2$（{labels[0]}比{labels[1]}）用于判断类型："
                    f"E < {low} 为{lags[0]}，{low} ≤ E ≤ {high} 为{lags[1]}，E > {high} 为"
                    f"{lags[2]}。$U_2 = 0$ 时 E 无定义（留空）：若 $U_1 > 0$ 则后者滞后，二者均为 "
                    "0 时视为同步。",
                )
            )
        else:
            self.para(
                self.t(
                    "The relative development degree of each subsystem is $E_j = U_j / Ū$, its "
                    f"index over the mean of the k = {len(labels)} indices: $E_j$ < {low} the "
                    f"subsystem lags, {low} ≤ $E_j$ ≤ {high} it is synchronous, $E_j$ > {high} "
                    "it leads. Where every $U_j = 0$, E is undefined (left empty) and all are "
                    "synchronous.",
                    f"各子系统的相对发展度为 $E_j = U_j / Ū$，即其指数与 k = {len(labels)} 个指数"
                    f"均值之比：$E_j$ < {low} 为该子系统滞后，{low} ≤ $E_j$ ≤ {high} 为同步，"
                    f"$E_j$ > {high} 为超前。所有 $U_j = 0$ 时 E 无定义（留空），均视为同步。",
                )
            )

    def obstacles(self) -> None:
        d = self.res.spec.diagnostics
        n_ind = self.res.u.shape[2]
        each = (
            self.t("per entity and period", "按个体和时期分别计算")
            if self.several
            else self.t("per period", "按时期分别计算")
        )
        self.para(
            self.t(
                "Which order parameters hold the composite system back is measured by the "
                f"obstacle degree, {each}:",
                f"以障碍度识别制约复合系统发展的序参量，{each}：",
            ),
            self.t("Obstacle degree.", "障碍度。"),
        )
        self.eq("F_i = W_j·φ_i,   I_i(t) = 1 − u_i(t),   O_i(t) = F_i·I_i(t) / Σ_m F_m·I_m(t)")
        w = self.subsystem_values(d.obstacle_weights, "W")
        n = d.obstacles
        if n >= n_ind:
            top = self.t(
                f"all {n_ind} indicators are ranked (N = {n} was asked for)",
                f"全部 {n_ind} 个指标均参与排序（设定 N = {n}）",
            )
        else:
            top = self.t(
                f"the N = {n} indicators with the largest obstacle degree are reported",
                f"列出障碍度最大的 N = {n} 个指标",
            )
        self.para(
            self.t(
                "where the factor contribution $F_i$ is the weight $W_j$ of the indicator's "
                f"subsystem ({w}) times its weight $φ_i$ within the subsystem, the deviation "
                "$I_i(t)$ is the gap between its order degree and the upper bound 1, and "
                "$O_i(t)$ is its share of the weighted shortfall of all "
                f"{n_ind} indicators (the shares sum to 1; where nothing falls short, all are "
                f"0). For each entity and period {top}, largest first (ties in the order of "
                "the indicators).",
                "其中因子贡献度 $F_i$ 为指标所属子系统的权重 $W_j$（"
                f"{w}）与其在子系统内的权重 $φ_i$ 之积，指标偏离度 $I_i(t)$ 为其有序度与上限 1 "
                f"之差，$O_i(t)$ 为该指标在全部 {n_ind} 个指标加权差距中所占的份额（各份额之和"
                f"为 1；无差距时均为 0）。每个个体每一时期{top}，按障碍度从大到小排列（并列时"
                "按指标顺序）。",
            )
        )
        self.para(
            self.t(
                "Beside each share O the unscaled product $F_i·I_i(t)$ is reported (as some "
                "published work reports it): it does not sum to 1 and shrinks as the system "
                "develops, so it compares across periods.",
                "除份额 O 外，同时报告未标准化的乘积 $F_i·I_i(t)$（部分文献报告此值）：它不要求"
                "合计为 1，随系统发展而减小，可用于跨期比较。",
            )
        )

    def forecast(self) -> None:
        res = self.res
        d = res.spec.diagnostics
        fc = None if res.diagnostics is None else res.diagnostics.forecast
        for key in ("deng1989", "liu_lin"):
            self.cite(key)
        h = d.forecast
        T = res.u.shape[1]
        P = res.synergy_values.shape[1]
        future = ""
        if fc is not None and (fc.order is not None or fc.synergy is not None):
            table = res.forecast
            labels = list(dict.fromkeys(table.loc[table["kind"] == "forecast", "period"]))
            if labels:
                span = _label(labels[0]) + (f"–{_label(labels[-1])}" if len(labels) > 1 else "")
                future = f" ({span})" if self.lang == "en" else f"（{span}）"
        self.para(
            self.t(
                "The order degree $μ_j$ of every subsystem and the synergy path U of every "
                f"entity are forecast h = {h} period{'s' if h != 1 else ''} ahead{future} with "
                "the grey model GM(1,1) (Deng, 1989; Liu & Lin, 2010). For a series "
                f"$x^{{(0)}}(1), …, x^{{(0)}}(n)$ — n = T = {T} for $μ_j$ and n = {P} for U — the "
                "accumulated series $x^{(1)}$ and the background values z are formed, and the "
                "development coefficient a and the grey input b are estimated by ordinary "
                "least squares of $x^{(0)}(k)$ on $[−z(k), 1]$, k = 2, …, n:",
                f"采用灰色模型 GM(1,1)（Deng，1989；Liu 和 Lin，2010）对各子系统有序度 $μ_j$ 和"
                f"各个体的协同度路径 U 向后预测 h = {h} 期{future}。对序列 "
                f"$x^{{(0)}}(1), …, x^{{(0)}}(n)$（$μ_j$ 的 n = T = {T}，U 的 n = {P}），"
                "先作一次累加生成 $x^{(1)}$ 和紧邻均值生成背景值 z，再以 $x^{(0)}(k)$ 对 "
                "$[−z(k), 1]$（k = 2, …, n）作普通最小二乘估计发展系数 a 和灰色作用量 b：",
            ),
            self.t("Grey forecast GM(1,1).", "灰色预测 GM(1,1)。"),
        )
        self.eq(
            "x^{(1)}(k) = Σ_{m≤k} x^{(0)}(m),   z(k) = (x^{(1)}(k) + x^{(1)}(k − 1))/2",
            "x^{(0)}(k) + a·z(k) = b,   k = 2, …, n",
        )
        self.para(
            self.t(
                "The time response and the restored values are",
                "时间响应函数与还原值为",
            )
        )
        self.eq(
            "x̂^{(1)}(k + 1) = (x^{(0)}(1) − b/a)·e^(−a·k) + b/a",
            "x̂^{(0)}(k + 1) = x̂^{(1)}(k + 1) − x̂^{(1)}(k),   x̂^{(0)}(1) = x^{(0)}(1)",
        )
        ks = f"k = n, …, n + {h - 1}" if h > 1 else "k = n"
        bounds = []
        for n in dict.fromkeys((T, P)):
            lo, hi = level_ratio_bounds(n)
            bounds.append(f"[{lo:.4f}, {hi:.4f}]" + self.t(f" for n = {n}", f"（n = {n}）"))
        batches = [] if fc is None else [b for b in (fc.order, fc.synergy) if b is not None]
        fitted = sum(int(b.a.size) for b in batches)
        shifted = sum(int((~b.level_ratio_ok).sum()) for b in batches)
        if shifted:
            shift_text = self.t(
                (
                    f" All {fitted} series fitted needed such a shift"
                    if shifted == fitted
                    else f" {shifted} of the {fitted} series fitted needed such a shift"
                )
                + "; their forecasts rest on the shifted series and are to be read with care.",
                (
                    f"{fitted} 个拟合序列均作了这种平移"
                    if shifted == fitted
                    else f"{fitted} 个拟合序列中有 {shifted} 个作了这种平移"
                )
                + "，其预测值基于平移后的序列，解读时应谨慎。",
            )
        else:
            shift_text = self.t(
                f" None of the {fitted} series fitted needed a shift.",
                f"{fitted} 个拟合序列均无需平移。",
            )
        if fc is not None and fc.skipped:
            m = len(fc.skipped)
            shift_text += self.t(
                f" {m} series {'was' if m == 1 else 'were'} skipped because GM(1,1) cannot "
                "fit them (too short, constant from the second value on, or with no "
                "exponential trend, a = 0): "
                f"{self.join(fc.skipped)}.",
                f"另有 {m} 个序列因 GM(1,1) 无法拟合（过短、自第二个值起为常数或无指数趋势 "
                f"a = 0）而略去：{self.join(fc.skipped)}。",
            )
        clipped = 0
        if fc is not None:
            clipped = sum(
                int(c.any(axis=-1).sum())
                for c in (fc.order_clipped, fc.synergy_clipped)
                if c is not None
            )
        shift_text += self.t(
            " Fitted values and forecasts are kept within the range of their quantity "
            "(μ in [0, 1], U in [−1, 1]): a value outside is clipped to it and flagged"
            + (
                f" ({clipped} series {'was' if clipped == 1 else 'were'} clipped)."
                if clipped
                else " (none was)."
            )
            + " The level-ratio outcome (passed, or shifted) is given beside every grade.",
            "拟合值与预测值限定在各量的取值范围内（μ 为 [0, 1]，U 为 [−1, 1]）：超出者截断并"
            "标注"
            + (f"（{clipped} 个序列被截断）。" if clipped else "（无截断）。")
            + "每个精度等级旁均给出级比检验结果（通过或平移后建模）。",
        )
        self.para(
            self.t(
                f"with k = 1, …, n − 1 for the fitted values and {ks} for the "
                "forecasts. Before fitting, the level ratios "
                "$σ(k) = x^{(0)}(k − 1)/x^{(0)}(k)$, k = 2, …, n, must lie in the admissible "
                "interval $[e^{−2/(n+1)}, e^{2/(n+1)}]$ — "
                f"{self.join(bounds)} — and every value must be positive. A series that "
                "fails the test is shifted by the smallest constant c that makes it pass; the "
                "model is fitted to $x^{(0)} + c$ and c is subtracted again from the fitted "
                f"values and the forecasts.{shift_text}",
                f"拟合值取 k = 1, …, n − 1，预测值取 {ks}。建模前进行级比检验："
                "级比 $σ(k) = x^{(0)}(k − 1)/x^{(0)}(k)$（k = 2, …, n）须落在可容覆盖区间 "
                f"$[e^{{−2/(n+1)}}, e^{{2/(n+1)}}]$ 内——{self.join(bounds)}——且各值须为正。"
                "未通过检验的序列加上使其通过的最小常数 c 后建模，拟合值和预测值再减去 c。"
                f"{shift_text}",
            )
        )
        self.para(
            self.t(
                "The fit is checked by the posterior error ratio C and the small-error "
                "probability P:",
                "以后验差比 C 和小误差概率 P 检验模型精度：",
            )
        )
        self.eq(
            "e(k) = x^{(0)}(k) − x̂^{(0)}(k),   C = S_2/S_1,   "
            f"P = #{{k : |e(k) − ē| < {SMALL_ERROR_FACTOR}·S_1}} / n"
        )
        names = GM11_GRADES_ZH if self.lang == "zh" else ("good", "qualified", "barely qualified")
        limits = [
            self.t(
                f"{names[i]} when C < {_fmt(c)} and P > {_fmt(p)}",
                f"C < {_fmt(c)} 且 P > {_fmt(p)} 为{names[i]}",
            )
            for i, (c, p) in enumerate(GM11_GRADE_LIMITS)
        ]
        self.para(
            self.t(
                "where $S_1$ and $S_2$ are the population standard deviations of $x^{(0)}$ and "
                "of the residuals e. The accuracy grade is the best one whose two conditions "
                f"both hold: {', '.join(limits)}, and unqualified otherwise.",
                "其中 $S_1$、$S_2$ 分别为 $x^{(0)}$ 与残差 e 的总体标准差。精度等级取两个条件同时"
                f"满足的最高一级：{'，'.join(limits)}，否则为{GM11_GRADES_ZH[-1]}。",
            )
        )

    def robustness(self) -> None:
        res = self.res
        r = res.spec.diagnostics.robustness
        assert r is not None
        lo, hi = (_fmt(v) for v in r.margin)
        kappa = _fmt(r.concentration)
        geometric = self.m.aggregation == "geometric"
        drawn = (
            self.t(
                " The unweighted geometric aggregation does not use the weights, so only the "
                "margin is drawn.",
                "由于不加权的几何平均聚合不使用权重，只抽取调整幅度。",
            )
            if geometric
            else ""
        )
        self.para(
            self.t(
                "The margin a and the weights φ are choices of the analyst. How much the "
                "results depend on them is checked by a Monte Carlo simulation with "
                f"D = {r.draws} draws (random seed {r.seed}). Draw d takes one margin for all "
                f"indicators, uniformly from [{lo}, {hi}], and, within each subsystem j, "
                "weights from a Dirichlet distribution centred on the fitted weights $φ_j$ with "
                f"concentration κ = {kappa}:{drawn}",
                f"调整幅度 a 与权重 φ 由分析者选定。为检验结果对二者的敏感性，进行 D = {r.draws} "
                f"次蒙特卡罗模拟（随机种子 {r.seed}）：每次抽样对全部指标取同一调整幅度，服从 "
                f"[{lo}, {hi}] 上的均匀分布；在每个子系统 j 内，权重服从以拟合权重 $φ_j$ 为中心、"
                f"集中参数 κ = {kappa} 的 Dirichlet 分布：{drawn}",
            ),
            self.t("Robustness.", "稳健性检验。"),
        )
        self.eq(f"a_d ~ Uniform({lo}, {hi}),   φ_j^{{(d)}} ~ Dirichlet(κ·φ_j),   κ = {kappa}")
        panel = self.m.weights_scope == "panel"
        explicit = any(i.lower is not None or i.upper is not None for i in res.spec.indicators)
        self.para(
            self.t(
                (
                    'The weights are one choice for the panel (weights_scope = "panel"), so '
                    "each draw takes one Dirichlet vector shared by every entity."
                    if panel
                    else 'The weights are chosen per entity (weights_scope = "entity"), so '
                    "each draw takes its own Dirichlet vector for every entity."
                )
                + (
                    " Explicit bounds given in the model stay fixed in every draw; only the "
                    "bounds widened from the data move with the margin."
                    if explicit
                    else ""
                ),
                (
                    '权重为整个面板共用（weights_scope = "panel"），故每次抽样取一个由全部个体'
                    "共用的 Dirichlet 向量。"
                    if panel
                    else '权重按个体确定（weights_scope = "entity"），故每次抽样为每个个体分别'
                    "抽取 Dirichlet 向量。"
                )
                + (
                    "模型中给定的上下限在各次抽样中保持不变，只有由数据扩展得到的上下限随调整幅度变化。"
                    if explicit
                    else ""
                ),
            )
        )
        E = len(res.entities)
        rank = (
            self.t(
                f"; and the rank of each entity among the E = {E} entities (1 = highest U, "
                "ties share the smallest rank) with its 5th and 95th percentiles over the "
                "draws",
                f"；各个体在 E = {E} 个个体中的排名（U 最高者为 1，并列取最小名次）及其在各次"
                "抽样中的第 5 与第 95 百分位数",
            )
            if E > 1
            else ""
        )
        self.para(
            self.t(
                "Each weight keeps its mean $φ_i$, with variance $φ_i(1 − φ_i)/(κ + 1)$; the "
                "bounds, order degrees, subsystem order degrees and synergy degree of each "
                "draw are computed exactly as above. Reported for every entity and compared "
                "period: the median and the 5th and 95th percentiles of U over the draws "
                "(linear interpolation between order statistics); the stage agreement, the "
                "share of draws whose development stage equals that of the fitted U"
                f"{rank}:",
                "各权重的均值仍为 $φ_i$，方差为 $φ_i(1 − φ_i)/(κ + 1)$；每次抽样按上文方法重新"
                "计算上下限、有序度、子系统有序度和协同度。对每个个体和考察期报告：U 在各次抽样"
                "中的中位数及第 5、第 95 百分位数（次序统计量间线性插值）；阶段一致率，即发展"
                f"阶段与拟合 U 相同的抽样所占比例{rank}：",
            )
        )
        self.eq("stage agreement = #{d : stage(U^{(d)}) = stage(U)} / D")


# -- the spatio-temporal analysis (SPATIAL.md) -------------------------------------------
#: The notes of :func:`cosyn.analyse` that the methods text states in its own words, by
#: their opening; their Chinese text for the notes list.
_GENERAL_NOTES_ZH: tuple[tuple[str, str], ...] = (
    (
        "Order degrees are measured against each entity's own range",
        '有序度按各个体自身的取值范围计算（method.bounds = "entity"）：μ、U 和 D 反映的是个体'
        "在自身历史中的位置，因此个体间的比较（分组统计、基尼系数、泰尔指数、σ 和 β 收敛、"
        "核密度、Moran's I、LISA、马尔可夫类型）比较的是这种位置而非水平；method.bounds = "
        '"panel" 以同一范围衡量所有个体，使个体间可比。',
    ),
    (
        "The weights differ between entities",
        '各个体的权重不同（method.weights_scope = "entity"）：各个体的有序度对指标的加权不同，'
        '因此个体间的比较是在不同权重下进行的；method.weights_scope = "panel" 使所有个体采用'
        "同一套权重。",
    ),
    (
        "Spatial weights: the bundled contiguity of China's provinces; Hainan",
        "空间权重：内置的中国省级行政区邻接关系；海南没有陆地邻接省份，按 analysis.island_links "
        "与广东相连。",
    ),
    (
        "The synergy degree U can be negative",
        "协同度 U 可能为负：Dagum 基尼系数、泰尔指数、σ 收敛和 β 收敛（要求数值非负）只对各子系统"
        "有序度 μ 和耦合协调度 D 计算。",
    ),
    (
        "The order degrees μ have no level scale",
        "有序度 μ 没有等级划分：其马尔可夫链的类型取全部时期数值合并后的分位数。",
    ),
    (
        "No spatial weights (analysis.weights)",
        "未设定空间权重（analysis.weights）：不计算 Moran's I、LISA 和空间马尔可夫链。",
    ),
    (
        "No groups (analysis.groups)",
        "未设定分组（analysis.groups）：不计算分组统计、Dagum 基尼系数和泰尔指数；σ 收敛只对全体"
        "个体计算。",
    ),
    (
        "analysis.permutations = 0",
        "analysis.permutations = 0：全局 Moran's I 只做正态近似检验，不计算 LISA（其显著性需要随机"
        "置换）。",
    ),
)
#: The method named at the start of a note of one series, in Chinese.
_NOTE_METHODS_ZH: dict[str, str] = {
    "Dagum Gini": "Dagum 基尼系数",
    "Theil": "泰尔指数",
    "σ-convergence": "σ 收敛",
    "β-convergence": "β 收敛",
    "Kernel density": "核密度估计",
    "Moran's I": "全局 Moran's I",
    "LISA": "LISA",
    "Markov chain": "马尔可夫链",
    "Spatial Markov chain": "空间马尔可夫链",
}


_SERIES_NOTE = re.compile(r"^(?P<method>.+?) of series '(?P<series>[^']*)'(?P<rest>.*)$", re.S)


def _class_zh(name: str) -> str:
    """A class or lag class name of a note in Chinese: level names translated, "lag "
    as 滞后."""
    name = name.strip()
    if name.startswith("lag "):
        return "滞后 " + _class_zh(name[4:])
    return translate(name, "zh")


def _classes_zh(names: str) -> str:
    return "、".join(_class_zh(n) for n in names.split(", "))


def _why_zh(why: str) -> str:
    """Why a Markov chain has no steady state (:mod:`cosyn.analysis.markov`), in Chinese."""
    if why == "no transition observed":
        return "没有观测到转移"
    m = re.fullmatch(r"not unique: (\d+) recurrent classes", why)
    if m:
        return f"不唯一：有 {m.group(1)} 个常返类"
    m = re.fullmatch(r"not estimable: transitions lead into (.+), never left in the data", why)
    if m:
        return f"无法估计：转移进入数据中从未离开的类型 {_classes_zh(m.group(1))}"
    return why


def _lag_groups_zh(text: str) -> str:
    """``lag Q1, lag (0, 0.3] (why); lag Q3 (why)`` in Chinese."""
    parts = []
    for item in text.split("; "):
        m = re.fullmatch(r"(.+?) \(((?:no transition|not unique|not estimable).*)\)", item)
        if not m:
            parts.append(item)
            continue
        names = [n if n.startswith("lag ") else f"lag {n}" for n in m.group(1).split(", lag ")]
        parts.append(f"{'、'.join(_class_zh(n) for n in names)}（{_why_zh(m.group(2))}）")
    return "；".join(parts)


#: The remarks of one chain or method after "<method> of series '<s>'", in Chinese: a
#: pattern on the whole remark and its translation.
_REMARKS_ZH: tuple[tuple[re.Pattern[str], Any], ...] = (
    (
        re.compile(r"no steady state for (.+)"),
        lambda m: f"以下空间滞后类型无稳态分布：{_lag_groups_zh(m.group(1))}",
    ),
    (re.compile(r"no steady state \((.+)\)"), lambda m: f"无稳态分布（{_why_zh(m.group(1))}）"),
    (
        re.compile(
            r"class\(es\) (.+?) never the start of a transition: their row of P is NaN "
            r"\(no estimate\)"
        ),
        lambda m: (
            f"类型 {_classes_zh(m.group(1))} 从未作为转移的起点，其转移概率行为空（无估计值）"
        ),
    ),
    (
        re.compile(r"(\d+) conditional row\(s\) with no transition, NaN in P \((.*)\)"),
        lambda m: (
            f"{m.group(1)} 个条件转移行没有观测到转移，转移概率为空（"
            + "；".join(
                "：".join(_class_zh(x) for x in pair.split(": ")) if pair != "…" else pair
                for pair in m.group(2).split("; ")
            )
            + "）"
        ),
    ),
    (
        re.compile(r"entities without neighbours \((.+)\) have a spatial lag of 0"),
        lambda m: f"没有邻居的个体（{m.group(1)}）空间滞后为 0",
    ),
    (
        re.compile(
            r"Not enough unique values in (.+) for (\d+) quantile classes: (\d+) made "
            r"\(tied values share a class\)"
        ),
        lambda m: (
            f"数值的不同取值不足以划分 {m.group(2)} 个分位数类型：只划分了 {m.group(3)} 个"
            "（相同数值归入同一类型）"
        ),
    ),
)


def _series_words(result: Result, name: str, lang: str) -> str:
    """A series of the analysis as the prose names it: "the order degree μ of 数字经济"."""
    zh = lang == "zh"
    if name == "synergy":
        return "协同度 U" if zh else "the synergy degree U"
    if name == "coupling":
        return "耦合协调度 D" if zh else "the coupling coordination degree D"
    if name == "order:mean":
        return "各子系统有序度的均值" if zh else "the mean order degree of the subsystems"
    key = name.split(":", 1)[1] if name.startswith("order:") else name
    labels = {s.name: s.label or s.name for s in result.spec.subsystems}
    label = _lit(labels.get(key, key))
    return f"{label}子系统有序度 μ" if zh else f"the order degree μ of {label}"


def analysis_notes(result: Result, lang: str = "en") -> list[str]:
    """The notes of the analysis of ``result`` (:attr:`AnalysisResult.notes`) in ``lang``.

    English notes as :func:`cosyn.analyse` writes them; in Chinese, the notes whose words
    are known are translated (the series named by their label) and the others kept as
    written. Empty without an ``[analysis]`` table.
    """
    if lang not in LANGS:
        raise ValueError(f"language must be one of {LANGS}, got {lang!r}")
    a = result.analysis
    if a is None:
        return []
    if lang == "en":
        return list(a.notes)
    out = []
    for note in a.notes:
        out.append(_note_zh(result, note))
    return out


def _note_zh(result: Result, note: str) -> str:
    for opening, zh in _GENERAL_NOTES_ZH:
        if note.startswith(opening):
            return zh
    m = _SERIES_NOTE.match(note)
    if not m or m.group("method") not in _NOTE_METHODS_ZH:
        return note
    rest = m.group("rest")
    head, remark = (
        ("未计算：", rest[len(" is not computed: ") :])
        if rest.startswith(" is not computed: ")
        else ("：", rest.removeprefix(": "))
    )
    for pattern, zh in _REMARKS_ZH:
        found = pattern.fullmatch(remark)
        if found:
            remark = zh(found)
            break
    series = _series_words(result, m.group("series"), "zh").replace(_DOLLAR, "$")
    gap = " " if re.search(r"[A-Za-zμ]$", series) else ""
    method = _NOTE_METHODS_ZH[m.group("method")]
    after = " " if re.match(r"[A-Za-zσβ]", method) else ""
    return f"{series}{gap}的{after}{method}{head}{remark}"


class _AnalysisWriter(_Writer):
    """The paragraphs of the spatio-temporal analysis actually run (tables with rows)."""

    def __init__(self, result: Result, lang: str, first_eq: int = 0) -> None:
        super().__init__(result, lang)
        self.cited = []
        self.eq_number = first_eq
        analysis = result.analysis
        assert analysis is not None
        self.a = analysis
        spec_a = result.spec.analysis
        assert spec_a is not None
        self.opt = spec_a

    def rows(self, table: str) -> list[str]:
        """The series with rows in ``table``, in the order they were analysed."""
        frame = getattr(self.a, table)
        if not len(frame):
            return []
        present = set(frame["series"])
        return [s for s in dict.fromkeys(self.a.values["series"]) if s in present]

    def series(self, names: Sequence[str], then: str = "") -> str:
        """The series ``names`` in prose (each of the series analysed, or all but U, said
        so when there are more than two), followed by ``then`` (a Chinese word is spaced
        from a closing Latin letter)."""
        analysed = list(dict.fromkeys(self.a.values["series"]))
        names = list(names)
        if len(names) > 2 and names == analysed:
            text = self.t("each series", "各序列")
        elif len(names) > 2 and names == [n for n in analysed if n != "synergy"]:
            text = self.t("each series but U", "除 U 以外的各序列")
        else:
            words = [_series_words(self.res, n, self.lang) for n in names]
            if self.lang == "zh":
                text = "、".join(words)
            elif len(words) <= 2:
                text = " and ".join(words)
            else:
                text = ", ".join(words[:-1]) + " and " + words[-1]
        if then and self.lang == "zh" and re.search(r"[A-Za-zα-ωμ]$", text):
            return f"{text} {then}"
        return text + then

    def build_analysis(self) -> list[_Block]:
        steps = (
            ("overview", self.overview),
            ("differences", self.groups),
            ("differences", self.gini),
            ("differences", self.theil),
            ("differences", self.convergence),
            ("distribution", self.density),
            ("space", self.spatial),
            ("time", self.markov),
            ("notes", self.other_notes),
        )
        self.topics: list[str] = []
        for topic, step in steps:
            before = len(self.blocks)
            step()
            self.topics += [topic] * (len(self.blocks) - before)
        return self.blocks

    # -- what was analysed ---------------------------------------------------------------
    def overview(self) -> None:
        names = list(dict.fromkeys(self.a.values["series"]))
        if not names:
            return
        words = [_series_words(self.res, n, self.lang) for n in names]
        if self.lang == "zh":
            listed = "、".join(words)
        else:
            listed = ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else words[0]
        E = len(self.res.entities)
        m = self.m
        from cosyn.analysis.run import BOUNDS_NOTE, WEIGHTS_NOTE

        bounds = ""
        if BOUNDS_NOTE in self.a.notes:
            bounds = self.t(
                " The bounds of the efficacy coefficient were taken per entity: each value "
                "places an entity within its own range, so the comparisons across entities "
                "below (differences, spatial association, classes) compare these positions, "
                'not levels; bounds = "panel" would make the levels comparable.',
                "功效系数的上下限按个体分别确定：各数值反映个体在自身取值范围内的位置，因此下文"
                "的个体间比较（差异、空间关联、类型转移）比较的是这种相对位置而非水平；设置 "
                'bounds = "panel" 可使各个体的水平可比。',
            )
        elif m.bounds == "panel" and self.several:
            bounds = self.t(
                " The bounds of the efficacy coefficient were taken over the whole panel, so "
                "the values of different entities are comparable.",
                "功效系数的上下限按全部个体—时期确定，不同个体的数值可以相互比较。",
            )
        if WEIGHTS_NOTE in self.a.notes:
            bounds += self.t(
                " The weights were computed per entity and differ between them, so the "
                "comparisons across entities compare numbers built with different weights; "
                'weights_scope = "panel" gives every entity the same weights.',
                "权重按个体分别计算且各不相同，因此个体间比较的数值是在不同权重下构建的；设置 "
                'weights_scope = "panel" 可使所有个体采用同一套权重。',
            )
        refused = ""
        if "synergy" in names and any(self.rows(t) for t in ("gini", "theil", "sigma", "beta")):
            refused = self.t(
                " The synergy degree U can be negative, so the methods that need values ≥ 0 "
                "(Dagum Gini, Theil, σ- and β-convergence) were applied to the order and "
                "coupling coordination degrees only.",
                "协同度 U 可能为负，需要非负数值的方法（Dagum 基尼系数、泰尔指数、σ 收敛和 β 收敛）"
                "只用于有序度和耦合协调度。",
            )
        elif "synergy" in names:
            refused = self.t(
                " The synergy degree U can be negative, so Dagum Gini, Theil, σ- and "
                "β-convergence (which need values ≥ 0) were not applied to it.",
                "协同度 U 可能为负，因此未对其计算需要非负数值的 Dagum 基尼系数、泰尔指数、σ 收敛"
                "和 β 收敛。",
            )
        self.para(
            self.t(
                f"The spatio-temporal analysis covers {listed} of the {E} entities, each "
                f"period on its own.{bounds}{refused}",
                f"时空分析的对象为 {E} 个个体的{listed}，逐期计算。{bounds}{refused}",
            ),
            self.t("Series analysed.", "分析对象。"),
        )

    # -- groups, Dagum, Theil, convergence ----------------------------------------------
    def group_list(self) -> str:
        groups = self.a.groups
        counts = groups["group"].value_counts(sort=False)
        order = list(counts.index)
        names = {g: str(g) for g in order}
        if self.opt.groups_kind == "scheme":
            from cosyn.datasets.china import region_names

            words = region_names(self.lang)
            rank = {k: i for i, k in enumerate(("East", "Central", "West", "Northeast"))}
            order.sort(key=lambda g: rank.get(str(g), len(rank)))
            names = {g: words.get(str(g), str(g)) for g in order}
        if self.lang == "zh":
            return "、".join(f"{_lit(names[g])}（{counts[g]} 个）" for g in order)
        return ", ".join(f"{_lit(names[g])} ({counts[g]})" for g in order)

    def groups(self) -> None:
        if not self.rows("group_stats"):
            return
        k = self.a.groups["group"].nunique()
        listed = self.group_list()
        kind = self.opt.groups_kind
        if kind == "scheme" and self.opt.groups == "china_4":
            self.cite("nbs2011")
            how = self.t(
                "by the National Bureau of Statistics' division of China into four regions "
                f"(NBS 2011): {listed}",
                f"按国家统计局（2011）的四大区域划分为 {k} 组：{listed}",
            )
        elif kind == "scheme":
            how = self.t(
                "by the National Bureau of Statistics' three-belt division of China into "
                f"eastern, central and western regions: {listed}",
                f"按国家统计局东、中、西三大地带的划分分为 {k} 组：{listed}",
            )
        elif kind == "column":
            how = self.t(
                f"by the data column “{_lit(self.opt.groups)}” into {k} groups: {listed}",
                f"按数据列“{_lit(self.opt.groups)}”分为 {k} 组：{listed}",
            )
        else:
            from pathlib import Path

            file = _lit(Path(str(self.opt.groups)).name)
            how = self.t(
                f"by the mapping file {file} into {k} groups: {listed}",
                f"按分组文件 {file} 分为 {k} 组：{listed}",
            )
        self.para(
            self.t(
                f"The entities were grouped {how}. For each group and period the number of "
                "entities, the mean, the standard deviation (divisor n − 1) and the rank of "
                "the mean are reported.",
                f"个体{how}。对每组每期报告个体数、均值、标准差（除数 n − 1）及均值排名。",
            ),
            self.t("Groups.", "分组。"),
        )

    def gini(self) -> None:
        names = self.rows("gini")
        if not names:
            return
        self.cite("dagum1997")
        self.para(
            self.t(
                "Regional differences were measured with the Gini coefficient and its "
                f"decomposition by Dagum (1997), per period, for {self.series(names)}. With n "
                "entities in k groups (group j: $n_j$ entities with mean $μ_j$; groups ordered "
                "by their mean), $p_j = n_j/n$ and $s_j = n_j μ_j/(n μ)$:",
                "采用 Dagum（1997）基尼系数及其分解方法逐期测度"
                f"{self.series(names, '的区域差异')}。"
                "n 个个体分为 k 组（第 j 组 $n_j$ 个个体，均值 $μ_j$，各组按均值排序），"
                "$p_j = n_j/n$，$s_j = n_j μ_j/(n μ)$：",
            ),
            self.t("Dagum Gini coefficient.", "Dagum 基尼系数。"),
        )
        self.eq(
            "G = Σ_j Σ_h Σ_i Σ_r |y_{ji} − y_{hr}| / (2 n² μ)",
            "G_{jj} = Σ_i Σ_r |y_{ji} − y_{jr}| / (2 n_j² μ_j),   "
            "G_{jh} = Σ_i Σ_r |y_{ji} − y_{hr}| / (n_j n_h (μ_j + μ_h))",
            "G_w = Σ_j G_{jj} p_j s_j,   G_{nb} = Σ_{j>h} G_{jh} (p_j s_h + p_h s_j) D_{jh},   "
            "G_t = Σ_{j>h} G_{jh} (p_j s_h + p_h s_j) (1 − D_{jh})",
        )
        self.para(
            self.t(
                "where $D_{jh} = (d_{jh} − p_{jh}) / (d_{jh} + p_{jh})$ is the relative "
                "affluence of group j over group h, $d_{jh}$ the mean over all pairs of "
                "$max(y_{ji} − y_{hr}, 0)$ and $p_{jh}$ that of $max(y_{hr} − y_{ji}, 0)$. The "
                "total is the sum of the within-group contribution, the net between-group "
                "contribution and the intensity of transvariation, $G = G_w + G_{nb} + G_t$; "
                "each is reported with its share of G, with the within-group Gini $G_{jj}$ of "
                "every group and the between-group Gini $G_{jh}$ of every pair.",
                "其中 $D_{jh} = (d_{jh} − p_{jh}) / (d_{jh} + p_{jh})$ 为第 j 组相对第 h 组的"
                "相对经济影响，$d_{jh}$ 为全部配对的 $max(y_{ji} − y_{hr}, 0)$ 的均值，$p_{jh}$ "
                "为 $max(y_{hr} − y_{ji}, 0)$ 的均值。总体基尼系数分解为组内差异贡献、组间净值"
                "差异贡献和超变密度贡献，$G = G_w + G_{nb} + G_t$；报告各项及其贡献率，以及各组"
                "的组内基尼系数 $G_{jj}$ 和各组对之间的组间基尼系数 $G_{jh}$。",
            )
        )

    def theil(self) -> None:
        names = self.rows("theil")
        if not names:
            return
        self.cite("theil1967")
        self.cite("shorrocks1980")
        self.para(
            self.t(
                f"Theil's T index (Theil 1967) of {self.series(names)} was decomposed "
                "additively (Shorrocks 1980) into the inequality within and between the "
                "groups, with $s_g = n_g μ_g/(n μ)$ the share of group g in the total:",
                f"{self.series(names, '的泰尔指数')} T（Theil 1967）按组可加分解（Shorrocks 1980）"
                "为组内差异与组间差异，$s_g = n_g μ_g/(n μ)$ 为第 g 组占总量的份额：",
            ),
            self.t("Theil index.", "泰尔指数。"),
        )
        self.eq(
            "T = (1/n) Σ_i (y_i/μ) ln(y_i/μ),   T_g = (1/n_g) Σ_{i∈g} (y_i/μ_g) ln(y_i/μ_g)",
            "T = T_w + T_b,   T_w = Σ_g s_g T_g,   T_b = Σ_g s_g ln(μ_g/μ)",
        )

    def convergence(self) -> None:
        sigma, beta = self.rows("sigma"), self.rows("beta")
        if not sigma and not beta:
            return
        self.cite("barro1992")
        head = self.t("Convergence.", "收敛分析。")
        if sigma:
            by_group = bool(len(self.a.sigma) and self.a.sigma["group"].notna().any())
            scope = self.t(
                " for the whole panel and within each group" if by_group else "",
                "（全体个体及各组）" if by_group else "",
            )
            self.para(
                self.t(
                    f"σ-convergence of {self.series(sigma)} was measured by the coefficient "
                    f"of variation in each period{scope}, $CV_t = σ_t / ȳ_t$ with σ the "
                    "standard deviation (divisor n); a CV that falls over time means the "
                    "entities draw closer (Barro and Sala-i-Martin 1992).",
                    f"σ 收敛以各期变异系数衡量{scope}：$CV_t = σ_t / ȳ_t$，σ 为标准差（除数 n），"
                    f"分析对象为{self.series(sigma)}；变异系数随时间下降表明个体间差距缩小"
                    "（Barro 和 Sala-i-Martin，1992）。",
                ),
                head,
            )
            head = ""
        if beta:
            b = self.a.beta
            first, last = _label(b["first_period"].iloc[0]), _label(b["last_period"].iloc[0])
            span = _fmt(float(b["span"].iloc[0]))
            self.para(
                self.t(
                    f"Absolute β-convergence of {self.series(beta)} was tested by an OLS "
                    "regression across the entities of the average growth rate between "
                    f"{first} and {last} (T = {span} periods) on the logarithm of the initial "
                    "value:",
                    f"绝对 β 收敛检验以 {first}—{last} 年间（T = {span} 期）的年均增长率对初始"
                    f"值的对数做截面 OLS 回归，分析对象为{self.series(beta)}：",
                ),
                head,
            )
            self.eq(
                "g_i = (1/T) ln(y_{iT} / y_{i0}) = α + β ln y_{i0} + ε_i",
                "λ = −ln(1 + β·T) / T",
            )
            self.para(
                self.t(
                    "A negative β significant at the 5% level (two-sided t test, n − 2 "
                    "degrees of freedom) means that the entities that started lower grew "
                    "faster; λ is the implied speed of convergence (Barro and Sala-i-Martin "
                    "1992), undefined when $1 + β·T ≤ 0$.",
                    "β 为负且在 5% 水平上显著（双侧 t 检验，自由度 n − 2）表明初始水平较低的个体"
                    "增长更快；λ 为隐含的收敛速度（Barro 和 Sala-i-Martin，1992），"
                    "$1 + β·T ≤ 0$ 时无定义。",
                )
            )

    # -- kernel density ------------------------------------------------------------------
    def density(self) -> None:
        names = self.rows("density")
        if not names:
            return
        bw = self.opt.bandwidth
        if bw == "silverman":
            self.cite("silverman1986")
            rule = self.t(
                "Silverman's (1986) rule-of-thumb bandwidth $h = 0.9·min(σ, IQR/1.34)·n^(−1/5)$ "
                "in each period",
                "各期带宽按 Silverman（1986）经验法则取 $h = 0.9·min(σ, IQR/1.34)·n^(−1/5)$",
            )
        elif bw == "scott":
            self.cite("scott1992")
            rule = self.t(
                "Scott's (1992) normal-reference bandwidth $h = 1.06·σ·n^(−1/5)$ in each period",
                "各期带宽按 Scott（1992）正态参照法则取 $h = 1.06·σ·n^(−1/5)$",
            )
        else:
            rule = self.t(
                f"the bandwidth $h = {_fmt(float(bw))}$ in every period",
                f"各期带宽均取 $h = {_fmt(float(bw))}$",
            )
        self.para(
            self.t(
                f"The distribution of {self.series(names)} across the entities was estimated "
                f"in each period by kernel density with a Gaussian kernel φ and {rule} (σ the "
                "standard deviation, divisor n − 1):",
                f"采用高斯核 φ 的核密度估计逐期刻画{self.series(names, '在个体间的分布')}，{rule}"
                "（σ 为标准差，除数 n − 1）：",
            ),
            self.t("Kernel density.", "核密度估计。"),
        )
        self.eq("f_t(x) = (1/(n h_t)) Σ_i φ((x − y_{it}) / h_t)")
        self.para(
            self.t(
                "All periods are evaluated on one grid of 256 points, so that the curves can "
                "be compared; the table gives for each period the location and height of the "
                "main peak, the number of peaks (local maxima at least 5% of the highest) and "
                "the width of the main peak at half its height.",
                "各期在同一组 256 个网格点上计算，以便比较；表中给出各期主峰的位置和高度、波峰"
                "个数（高度不低于最高峰 5% 的局部极大值）以及主峰的半高宽。",
            )
        )

    # -- spatial weights, Moran's I, LISA ------------------------------------------------
    def weights_text(self) -> str:
        from pathlib import Path

        from cosyn.spec import Coordinates, Geometry

        o = self.opt
        if o.weights_kind == "china":
            if o.island_links:
                island = self.t(
                    "; Hainan, which has no land border, is linked to Guangdong (island_links)",
                    "；海南没有陆地接壤的省份，按 island_links 设定与广东相连",
                )
            else:
                island = self.t(
                    "; Hainan, which has no land border, has no neighbour (island_links = "
                    "false) and a spatial lag of 0",
                    "；海南没有陆地接壤的省份，island_links = false 时无邻居，空间滞后为 0",
                )
            return self.t(
                "the contiguity of China's provincial-level divisions bundled with cosyn (two "
                f"provinces are neighbours when they share a land border){island}",
                f"由 cosyn 内置的中国省级行政区邻接关系构建（两省陆地接壤即为邻居）{island}",
            )
        if isinstance(o.weights, Geometry):
            file = _lit(Path(o.weights.file).name)
            if o.weights.contiguity == "rook":
                return self.t(
                    f"rook contiguity of the regions of {file} (neighbours share an edge)",
                    f"由 {file} 中的区域边界按 rook 邻接构建（共边即为邻居）",
                )
            return self.t(
                f"queen contiguity of the regions of {file} (neighbours share an edge or a corner)",
                f"由 {file} 中的区域边界按 queen 邻接构建（共边或共点即为邻居）",
            )
        if isinstance(o.weights, Coordinates):
            c = o.weights
            xy = f"{_lit(c.x)}, {_lit(c.y)}"
            if c.distance is not None and c.k:
                return self.t(
                    f"inverse distances $w_{{ij}} = 1/d_{{ij}}$ between each entity and its "
                    f"k = {c.k} nearest neighbours by the coordinates ({xy})",
                    f"按坐标（{xy}）取每个个体最近的 k = {c.k} 个邻居，权重为反距离 "
                    "$w_{ij} = 1/d_{ij}$",
                )
            if c.distance is not None:
                return self.t(
                    f"inverse distances $w_{{ij}} = 1/d_{{ij}}$ between the coordinates ({xy})",
                    f"按坐标（{xy}）计算反距离权重 $w_{{ij}} = 1/d_{{ij}}$",
                )
            k = c.k or 4
            return self.t(
                f"the k = {k} nearest neighbours of each entity by the coordinates ({xy})",
                f"按坐标（{xy}）取每个个体最近的 k = {k} 个邻居",
            )
        file = _lit(Path(str(o.weights)).name)
        return self.t(
            f"the neighbour pairs of {file}, made symmetric",
            f"由 {file} 中的邻接对构建（对称化）",
        )

    def spatial(self) -> None:
        moran, lisa = self.rows("moran"), self.rows("lisa")
        smarkov = self.rows("spatial_markov")
        if not (moran or lisa or smarkov):
            return
        self.cite("rey_anselin2007")
        stats = [n for n, ran in (("Moran's I", moran), ("LISA", lisa)) if ran]
        permuted = self.opt.permutations > 0
        if self.lang == "zh":
            tools = "空间权重用 PySAL 的 libpysal 构建" + (
                "，空间马尔可夫链用其 giddy 估计" if smarkov else ""
            )
            if stats:
                tools += f"；{' 和 '.join(stats)} 的计算" + ("及随机置换方案" if permuted else "")
                tools += "与 PySAL 的 esda 相同"
            tools += "（Rey 和 Anselin，2007）。"
        else:
            tools = "The weights were built with PySAL's libpysal" + (
                ", the spatial Markov chains estimated with its giddy" if smarkov else ""
            )
            if stats:
                tools += f"; {' and '.join(stats)} {'are' if len(stats) > 1 else 'is'} "
                tools += "computed as PySAL's esda computes " + ("them" if len(stats) > 1 else "it")
                tools += ", with its permutation scheme" if permuted else ""
            tools += " (Rey and Anselin 2007)."
        self.para(
            self.t(
                f"The spatial weights matrix W is {self.weights_text()}; it was "
                f"row-standardised, $Σ_j w_{{ij}} = 1$. {tools}",
                f"空间权重矩阵 W {self.weights_text()}，并做行标准化（$Σ_j w_{{ij}} = 1$）。"
                f"{tools}",
            ),
            self.t("Spatial weights.", "空间权重。"),
        )
        n_perm, seed = self.opt.permutations, self.opt.seed
        if moran:
            self.cite("moran1950")
            self.cite("cliff_ord1981")
            self.para(
                self.t(
                    f"Global spatial autocorrelation of {self.series(moran)} was measured in "
                    "each period by Moran's I (Moran 1950), with $z_i = y_i − ȳ$ and "
                    "$S_0 = Σ_i Σ_j w_{ij}$:",
                    "采用全局 Moran's I（Moran 1950）逐期检验"
                    f"{self.series(moran, '的空间自相关')}，"
                    "其中 $z_i = y_i − ȳ$，$S_0 = Σ_i Σ_j w_{ij}$：",
                ),
                self.t("Global Moran's I.", "全局 Moran's I。"),
            )
            self.eq("I = (n / S_0) · Σ_i Σ_j w_{ij} z_i z_j / Σ_i z_i²,   E[I] = −1/(n − 1)")
            if n_perm:
                perm = self.t(
                    f", and a pseudo p-value from {n_perm} random permutations of the values "
                    f"(seed {seed}): $p = (1 + m)/(1 + {n_perm})$, m the number of "
                    "permutations whose I is at least as extreme as the observed one",
                    f"；并以 {n_perm} 次随机置换（随机数种子 {seed}）计算伪 p 值："
                    f"$p = (1 + m)/(1 + {n_perm})$，m 为置换所得 I 不小于观测值（同方向）的次数",
                )
            else:
                perm = self.t(
                    " only (analysis.permutations = 0)",
                    "（analysis.permutations = 0，不做随机置换检验）",
                )
            self.para(
                self.t(
                    "Inference uses the z value with a two-sided p under the normal "
                    f"approximation (Cliff and Ord 1981){perm}.",
                    f"显著性检验采用正态近似下的 z 值与双侧 p 值（Cliff 和 Ord，1981）{perm}。",
                )
            )
        if lisa:
            self.cite("anselin1995")
            alpha = _fmt(self.opt.alpha)
            self.para(
                self.t(
                    f"Local spatial association of {self.series(lisa)} was measured for every "
                    "entity and period by the local Moran's I (LISA; Anselin 1995), with z the "
                    "values standardised in each period:",
                    f"采用局部 Moran's I（LISA；Anselin 1995）逐期测度每个个体"
                    f"{self.series(lisa, '的局部空间关联')}，z 为各期标准化后的数值：",
                ),
                self.t("Local Moran's I (LISA).", "局部 Moran's I（LISA）。"),
            )
            self.eq("I_i = (n − 1) · z_i · Σ_j w_{ij} z_j / Σ_k z_k²")
            self.para(
                self.t(
                    "Each entity falls in a quadrant of the Moran scatter plot by the sign of "
                    "its value and of its spatial lag: HH (high–high), LH, LL, HL. Its "
                    f"significance is a pseudo p-value from {n_perm} conditional permutations "
                    f"(the entity's value fixed, the others permuted; seed {seed}); entities "
                    f"with $p < {alpha}$ form the HH, LH, LL or HL clusters, the others are "
                    "not significant.",
                    "按个体自身数值与其空间滞后的正负，每个个体落入 Moran 散点图的一个象限："
                    "HH（高—高）、LH、LL、HL。显著性由条件随机置换（固定该个体的数值、置换其余"
                    f"个体）{n_perm} 次（随机数种子 {seed}）得到的伪 p 值判断；$p < {alpha}$ "
                    "的个体构成 HH、LH、LL 或 HL 集聚，其余为不显著。",
                )
            )

    # -- Markov chains -------------------------------------------------------------------
    def classes_text(self, names: Sequence[str]) -> str:
        levels = [n for n in names if n in ("synergy", "coupling")]
        quant = [n for n in names if n not in levels]
        by_level = self.opt.classes == "levels"
        parts = []
        if by_level and levels:
            for name in levels:
                spec = self.res.spec
                scale = spec.levels if name == "synergy" else spec.diagnostics.coupling_levels
                edges = ", ".join(_fmt(e) for e in scale.edges)
                parts.append(
                    self.t(
                        f"the levels of {self.series([name])} (intervals (lower, upper] with "
                        f"the edges {edges})",
                        f"{self.series([name], '按其等级划分')}（左开右闭区间，分界点 {edges}）",
                    )
                )
        q = quant if by_level else list(names)
        if q:
            k = self.opt.k
            parts.append(
                self.t(
                    f"{k} quantiles of all the values of {self.series(q)} pooled over the "
                    "entities and periods",
                    f"{self.series(q, '按全部个体和时期数值合并后的')} {k} 分位数划分",
                )
            )
        return self.t("; ".join(parts), "；".join(parts))

    def markov(self) -> None:
        names = self.rows("markov")
        smarkov = self.rows("spatial_markov")
        if not names and not smarkov:
            return
        self.cite("anderson_goodman1957")
        if names:
            self.para(
                self.t(
                    f"The movement of the entities between classes of {self.series(names)} was "
                    f"described by a Markov chain. Classes: {self.classes_text(names)}. "
                    "Transitions between consecutive periods were counted and pooled over "
                    "time, and the transition probabilities estimated by maximum likelihood "
                    "(Anderson and Goodman 1957):",
                    f"采用马尔可夫链描述个体在{self.series(names, '各类型之间的转移')}。类型划分："
                    f"{self.classes_text(names)}。统计相邻时期之间的转移并在各时期合并，"
                    "以极大似然法估计转移概率（Anderson 和 Goodman，1957）：",
                ),
                self.t("Markov chain.", "马尔可夫链。"),
            )
            self.eq("p_{ij} = n_{ij} / Σ_j n_{ij},   π = π P,   Σ_i π_i = 1")
            self.para(
                self.t(
                    "with $n_{ij}$ the number of transitions from class i to class j; the "
                    "steady state π is reported where it is unique, with the shares of the "
                    "classes in the first and the last period.",
                    "其中 $n_{ij}$ 为由类型 i 转移到类型 j 的次数；稳态分布 π 唯一时给出，并给出"
                    "首末两期各类型所占比例。",
                )
            )
        if smarkov:
            self.cite("rey2001")
            self.cite("bickenbach_bode2003")
            leveled = all(s in ("synergy", "coupling") for s in smarkov)
            if self.opt.classes != "levels":
                lag = self.t(
                    f"classed by {self.opt.k} quantiles of all the lags pooled over the "
                    "entities and periods",
                    f"按全部个体和时期滞后值合并后的 {self.opt.k} 分位数划分",
                )
            elif leveled:
                lag = self.t("classed by the same scale as the values", "按与数值相同的类型划分")
            else:
                lag = self.t(
                    "classed by the same scale as the values for the series with a level "
                    f"scale and by {self.opt.k} pooled quantiles of the lags otherwise",
                    "有等级区间的序列按与数值相同的等级划分，其余按全部滞后值合并后的 "
                    f"{self.opt.k} 分位数划分",
                )
            self.para(
                self.t(
                    f"The spatial Markov chain (Rey 2001) of {self.series(smarkov)} conditions "
                    "each transition on the class of the entity's spatial lag in the starting "
                    "period, $lag_i = Σ_j w_{ij} y_j$ (the mean of its neighbours), "
                    f"{lag}, giving one transition matrix per lag class. Whether the "
                    "conditional matrices differ from the pooled one was tested by the "
                    "likelihood ratio LR and Pearson's Q, both χ² with degrees of freedom "
                    "corrected for empty cells (Bickenbach and Bode 2003).",
                    f"空间马尔可夫链（Rey 2001）将{self.series(smarkov, '的每次转移')}以个体在"
                    "起始时期的空间滞后 $lag_i = Σ_j w_{ij} y_j$（邻居数值的加权平均）所属类型为"
                    f"条件，滞后值{lag}，每个滞后类型得到一个转移概率矩阵。以似然比统计量 LR 和 "
                    "Pearson Q 统计量检验条件转移矩阵与总体转移矩阵是否相同，二者均服从 χ² 分布，"
                    "自由度按空单元修正（Bickenbach 和 Bode，2003）。",
                ),
                self.t("Spatial Markov chain.", "空间马尔可夫链。"),
            )

    # -- notes -----------------------------------------------------------------------------
    def other_notes(self) -> None:
        """The notes that change what was computed and that the text above has not said:
        a method not computed for a series, notes of the spec's options not known here."""
        said = [o for o, _ in _GENERAL_NOTES_ZH if not o.startswith(("No spatial", "No groups"))]
        notes = []
        for note in self.a.notes:
            if any(note.startswith(s) for s in said):
                continue
            m = _SERIES_NOTE.match(note)
            if m and m.group("method") in _NOTE_METHODS_ZH:
                if not m.group("rest").startswith(" is not computed"):
                    continue  # a remark on one chain or period: in the notes list
            notes.append(_note_zh(self.res, note) if self.lang == "zh" else note)
        if notes:
            sep = "" if self.lang == "zh" else " "
            self.para(sep.join(_lit(n) for n in notes), self.t("Notes.", "说明。"))


# -- rendering -------------------------------------------------------------------------
def _document(result: Result, lang: str, analysis: bool = True) -> list[_Block]:
    """The blocks of the methods text: the model, the diagnostics, the spatio-temporal
    analysis (when ``analysis`` and the spec has one) and the references of all of them
    (the analysis's works are cited even when its paragraphs are left out)."""
    writer = _Writer(result, lang)
    blocks = writer.build()
    if result.spec.analysis is not None and result.analysis is not None:
        extra = _AnalysisWriter(result, lang, first_eq=writer.eq_number)
        more = extra.build_analysis()
        for key in extra.cited:
            writer.cite(key)
        if analysis:
            blocks = blocks + more
    return [*blocks, writer.references()]


def _analysis_blocks(result: Result, lang: str) -> tuple[list[_Block], _Refs] | None:
    """The analysis's blocks, numbered on from the model's formulas, and its references."""
    if lang not in LANGS:
        raise ValueError(f"language must be one of {LANGS}, got {lang!r}")
    if result.spec.analysis is None or result.analysis is None:
        return None
    main = _Writer(result, lang)
    main.build()
    writer = _AnalysisWriter(result, lang, first_eq=main.eq_number)
    blocks = writer.build_analysis()
    return blocks, writer.references()


def _plain(blocks: Sequence[_Block], lang: str) -> list[str]:
    out: list[str] = []
    sep = "" if lang == "zh" else " "
    for block in blocks:
        if isinstance(block, _Para):
            body = "".join(s for _, s in _pieces(block.text))
            out.append(f"{block.heading}{sep}{body}" if block.heading else body)
        elif isinstance(block, _Eq):
            lines = [f"    {line}" for line in block.lines]
            lines[-1] += f"    ({block.number})"
            out.append("\n".join(lines))
        else:
            out.append("\n".join([block.heading, *block.items]))
    return out


def analysis_methods(result: Result, lang: str = "en", *, references: bool = True) -> list[str]:
    """The methods of the spatio-temporal analysis of ``result`` as paragraphs of text.

    One paragraph per method actually run (a table of :attr:`Result.analysis` with rows),
    each naming the series and the options used: the groups (the National Bureau of
    Statistics' regions of ``china_3``/``china_4``, a data column or a mapping file, with
    the size of every group); Dagum's (1997) Gini decomposition
    ``G = G_w + G_nb + G_t``; Theil's index and its within/between decomposition (Theil
    1967; Shorrocks 1980); σ- and absolute β-convergence with the speed
    ``λ = −ln(1 + β·T)/T`` (Barro and Sala-i-Martin 1992); the Gaussian kernel density
    with its bandwidth rule (Silverman 1986, Scott 1992 or the number given); the spatial
    weights (the bundled China contiguity with Hainan linked to Guangdong, a neighbours
    CSV, queen/rook contiguity of a geometry file, k nearest neighbours or inverse
    distance), row-standardised; global Moran's I (Moran 1950) with the normal
    approximation (Cliff and Ord 1981) and the number of permutations and seed; LISA
    (Anselin 1995) with conditional permutations and α; the Markov chain of level classes
    or quantiles and the spatial Markov chain (Rey 2001) with its homogeneity test
    (Bickenbach and Bode 2003). The notes of the analysis that change what was computed
    follow. Display formulas are paragraphs of their own (indented lines, numbered on
    from the formulas of :func:`methods_paragraph`).

    Parameters
    ----------
    result : Result
        A fitted model whose spec has an ``[analysis]`` table.
    lang : {"en", "zh"}
        Language of the words; the formulas are the same in both.
    references : bool, default True
        End with the reference list of the works cited (a heading line, then one work a
        line), as :func:`methods_paragraph` ends.

    Returns
    -------
    list of str
        Empty when the spec has no ``[analysis]``.
    """
    found = _analysis_blocks(result, lang)
    if found is None:
        return []
    blocks, refs = found
    return _plain([*blocks, refs] if references else blocks, lang)


def analysis_methods_html(result: Result, lang: str = "en", *, references: bool = True) -> Markup:
    """:func:`analysis_methods` as an HTML fragment, marked up as :func:`methods_html`
    (empty without an ``[analysis]`` table)."""
    found = _analysis_blocks(result, lang)
    if found is None:
        return Markup("")
    blocks, refs = found
    return _html([*blocks, refs] if references else blocks, lang)


#: The parts of the analysis's methods text, in order (:func:`analysis_methods_sections`):
#: what was analysed; regional differences (groups, Dagum, Theil, σ/β-convergence); the
#: distribution (kernel density); space (weights, Moran's I, LISA); time (Markov chains);
#: the notes that change what was computed.
ANALYSIS_TOPICS: tuple[str, ...] = (
    "overview",
    "differences",
    "distribution",
    "space",
    "time",
    "notes",
)


def _topic_blocks(result: Result, lang: str) -> dict[str, list[_Block]]:
    """The blocks of the analysis methods text by topic, without references."""
    if lang not in LANGS:
        raise ValueError(f"language must be one of {LANGS}, got {lang!r}")
    if result.spec.analysis is None or result.analysis is None:
        return {}
    main = _Writer(result, lang)
    main.build()
    writer = _AnalysisWriter(result, lang, first_eq=main.eq_number)
    blocks = writer.build_analysis()
    out: dict[str, list[_Block]] = {}
    for topic in ANALYSIS_TOPICS:
        mine = [b for b, t in zip(blocks, writer.topics, strict=True) if t == topic]
        if mine:
            out[topic] = mine
    return out


def analysis_methods_sections(result: Result, lang: str = "en") -> dict[str, Markup]:
    """The paragraphs of :func:`analysis_methods_html` split by topic
    (:data:`ANALYSIS_TOPICS`), without references: for a page that shows each topic's
    methods beside its figures and tables. Only topics with paragraphs; empty without an
    ``[analysis]`` table."""
    return {topic: _html(blocks, lang) for topic, blocks in _topic_blocks(result, lang).items()}


def analysis_methods_topics(result: Result, lang: str = "en") -> dict[str, list[str]]:
    """The plain-text paragraphs of :func:`analysis_methods` split by topic
    (:data:`ANALYSIS_TOPICS`), without references: for a page that shows each topic's
    methods beside its figures as text. Only topics with paragraphs; empty without an
    ``[analysis]`` table."""
    return {topic: _plain(blocks, lang) for topic, blocks in _topic_blocks(result, lang).items()}


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
    return "\n\n".join(_plain(_document(result, lang), lang)) + "\n"


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


def methods_html(result: Result, lang: str = "en", *, analysis: bool = True) -> Markup:
    """The methods section of ``result`` as an HTML fragment (plain HTML, no scripts).

    The content of :func:`methods_paragraph`: paragraphs in ``<p>`` with a bold run-in
    heading, inline formulas in ``<span class="math">``, display formulas in
    ``<div class="equation">`` (one ``<span class="eq-line">`` per line, each formula of a
    line in its own ``<span class="math">`` so that a narrow screen wraps between them) with
    the number in ``<span class="eqno">``, and the
    references in ``<ul class="references">``. Every text from the model or the data is
    escaped. The classes are styled by the page that includes the fragment.

    With ``analysis=False`` the paragraphs of the spatio-temporal analysis are left out
    (a page that shows them in their own section, :func:`analysis_methods_html`); its
    works stay in the reference list.

    Returns
    -------
    markupsafe.Markup
        Safe to insert unescaped into a Jinja2 template.
    """
    return _html(_document(result, lang, analysis), lang)


def _html(blocks: Sequence[_Block], lang: str) -> Markup:
    """Blocks as the HTML fragment :func:`methods_html` describes."""
    out = ['<div class="methods">']
    for block in blocks:
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

"""The HTML report: one self-contained file, readable on a phone and printable.

:func:`render_html` fills the Jinja2 template ``templates/report.html.j2`` (autoescape on:
every label, entity name and note from the model or the data is escaped) and
:func:`write_html` writes it atomically. The page holds no external reference of any
kind — the CSS and its one small script are inline, the figures are inline SVG, fonts
are the system's — so it opens offline, from an e-mail attachment or a USB stick, and
prints as it shows. The script only enlarges a figure on a click (a lightbox; Esc or a
click closes it) and sorts and pages the tables; the page reads the same without it.

Sections: title; for a sample of a larger fit's entities (the Dask engine, ``sample=``) a
notice of how many of how many entities the report shows, where the Parquet datasets of
the full tables are and Excel's row limit; provenance (data file with its SHA-256, model,
cosyn version, date); the summary (entities, periods, subsystems, method, stage counts, and the text
summary of :func:`cosyn.summary.render_summary` in the report's language); the figures,
at the full text width (at most :data:`MAX_ZOOM` times their drawn size); a stage card
per entity (latest synergy degree, level, stage and what that stage means, or the focus
the spec gives for it); the tables papers print (:func:`cosyn.report.tables.paper_tables`:
descriptive statistics, weights, the entity × period tables of U, of each μ_j and of D,
the coupling coordination table), each sortable by a click on a column header — the wide
tables in full, a long-format one folded behind ``<details>`` and shown
:data:`PAGE_ROWS` rows at a time, at most :data:`MAX_ROWS` rows; the diagnostics, when
the spec's ``[diagnostics]`` asked for any (for each one asked for: a one-sentence
reading hint, its figure and its tables, see :func:`write_html`); the methods section
(:func:`methods_html`, whose reference list also holds the works the analysis cites);
notes; and, when the spec has an ``[analysis]`` table, the spatio-temporal analysis
(SPATIAL.md): its methods paragraphs (:func:`cosyn.report.methods.analysis_methods_html`),
the figures whose names start with ``analysis_``, the tables papers print
(:func:`cosyn.report.analysis_tables.analysis_paper_tables`, sortable, long ones folded
and paged like the others) and the notes of the analysis (the first
:data:`ANALYSIS_NOTES_SHOWN` at once, the rest folded).

The diagnostic tables show, for the first :data:`MAX_TABLE_ENTITIES` entities: the grey
relational grades wide (entity × indicator, weak grades starred, a row with the mean of
every entity) and the cross grades averaged over *every* entity (one matrix per pair of
subsystems); the coupling C, T, D, coordination level and coupling stage of the last
period; the top-N obstacles of the last period with their shares; the GM(1,1) forecasts of
every series (subsystem order degrees and U) with grade, level-ratio outcome, C and P,
values clipped to their range marked, and how many series failed the level-ratio test or
were clipped over all entities; and the robustness of U in the last compared period
(point, median, 5–95 % band, stage kept, rank and its band). Level, stage and grade names
are in the report's language.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup
from numpy.typing import NDArray

from cosyn.io.write import atomic_write_text, file_sha256
from cosyn.methods.levels import classify
from cosyn.report.figures import DIAGNOSTIC_FIGURES, FIGURES
from cosyn.report.methods import (
    analysis_methods_sections,
    analysis_notes,
    formula_html,
    methods_html,
)
from cosyn.report.text import (
    LANGS,
    METHOD_WORDS,
    coupling_level_names,
    coupling_stage_names,
    gm11_grades,
    lag_texts,
    level_names,
    level_ratio_words,
    period_text,
    stage_names,
    stage_texts,
)

if TYPE_CHECKING:
    from cosyn.report.sample import Sample
    from cosyn.result import Result

__all__ = [
    "ANALYSIS_PREFIX",
    "DIAGNOSTIC_FIGURE_NAMES",
    "FIGURE_NAMES",
    "MAX_ROWS",
    "MAX_TABLE_ENTITIES",
    "MAX_ZOOM",
    "PAGE_ROWS",
    "inline_svg",
    "render_html",
    "write_html",
]

#: Figures the report knows, in the order shown; other names follow, captioned by name.
FIGURE_NAMES: tuple[str, ...] = FIGURES
#: Figures of the diagnostics: each is shown in the Diagnostics section beside its tables
#: when its diagnostic was asked for.
DIAGNOSTIC_FIGURE_NAMES: tuple[str, ...] = DIAGNOSTIC_FIGURES
#: Figures whose name starts so belong to the spatio-temporal analysis and are shown in
#: its section (:func:`cosyn.report.analysis_figures.render_analysis_figures`).
ANALYSIS_PREFIX = "analysis_"
#: Entities shown in each table before the rest is referred to the CSV files.
MAX_TABLE_ENTITIES = 50
#: Entity names listed in the summary before "and N more".
_MAX_LISTED = 12

_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Composite system synergy",
        "kicker": "cosyn report",
        "contents": "Contents",
        "provenance": "Data and model",
        "data": "Data",
        "data_file": "Data file",
        "sha256": "SHA-256",
        "no_hash": "not recorded (no data file given)",
        "model": "Model file",
        "model_inline": "given in the program (not from a file)",
        "version": "cosyn version",
        "date": "Date",
        "summary": "Summary",
        "entities": "Entities",
        "periods": "Periods",
        "subsystems": "Subsystems",
        "indicators": "Indicators",
        "n_indicators": "{n} indicators",
        "and_more": "and {n} more",
        "method": "Method",
        "order_degree": "Order degree",
        "efficacy": "efficacy coefficient, margin a = {a}, bounds {scope}",
        "bounds_entity": "per entity",
        "bounds_panel": "over the panel",
        "weights": "Weights",
        "scope_entity": "per entity",
        "scope_panel": "pooled over the panel",
        "aggregation": "Aggregation",
        "synergy": "Synergy degree",
        "base": "Base period",
        "base_first": "first period ({p})",
        "base_adjacent": "previous period (t − 1)",
        "base_named": "{p}",
        "base_short_adjacent": "previous period",
        "imputation": "Missing values",
        "filled": "{n} of {total} cells filled ({how})",
        "dropped": "Dropped indicators",
        "stage_counts": "Stages in {p}",
        "text_summary": "Text summary",
        "figures": "Figures",
        "figure": "Figure",
        "cap_order_degree": "Order degree μ of each subsystem by period.",
        "cap_synergy_path": "Synergy degree U of the composite system by period.",
        "cap_synergy_heatmap": "Synergy degree U by entity and period.",
        "cap_weights": "Weights φ of the order parameters.",
        "stages": "Stage of each entity",
        "stages_intro": "Synergy degree U of {p} (base {b}), its level and development stage, "
        "and what that stage means.",
        "stages_intro_preset": "Synergy degree U of {p} (base {b}), its level and development "
        "stage, and the development focus recommended for that stage (Zhang 2023, §4).",
        "stages_intro_focus": "Synergy degree U of {p} (base {b}), its level and development "
        "stage, and the development focus the model gives for that stage.",
        "meaning": "Meaning:",
        "level": "Level",
        "stage": "Stage",
        "focus": "Development focus:",
        "no_value": "no value",
        "tables": "Tables",
        "entity": "Entity",
        "subsystem": "Subsystem",
        "column": "Column",
        "label": "Label",
        "unit": "Unit",
        "direction": "Direction",
        "all_entities": "all entities",
        "level_in": "Level {p}",
        "stage_in": "Stage {p}",
        "methods": "Methods",
        "rows_more": "The first {shown} of {total} rows; every row is in the CSV files and "
        "results.xlsx.",
        "show_rows": "Show the table ({n} rows)",
        "page_prev": "Previous",
        "page_next": "Next",
        "page_of": "rows {a}–{b} of {n}",
        "sort_hint": "Click a column header to sort.",
        "enlarge": "Click a figure to enlarge it; Esc or a click closes it.",
        "close": "Close",
        "notes": "Notes and warnings",
        "no_notes": "No warnings were raised while fitting.",
        "generated": "Generated by cosyn {v} on {d}.",
        # the spatio-temporal analysis ([analysis])
        "analysis": "Spatio-temporal analysis",
        "analysis_intro": "Regional differences, the distribution over time, spatial "
        "association and the transitions between classes, as the model's [analysis] table "
        "asks: each part gives its methods, figures and tables.",
        "analysis_differences": "Regional differences",
        "analysis_distribution": "Distribution over time",
        "analysis_space": "Spatial association",
        "analysis_time": "Transitions between classes",
        "analysis_other": "Other results",
        "analysis_notes": "Notes of the analysis",
        "analysis_no_notes": "The analysis raised no notes.",
        "analysis_show_notes": "Show all {n} notes",
        "analysis_refs": "The works cited are in the reference list of the Methods section.",
        "cap_analysis_gini": "Dagum Gini coefficient by period and its decomposition, "
        "G = G_w + G_nb + G_t.",
        "cap_analysis_gini_groups": "Within-group Gini G_jj of each group and between-group "
        "Gini G_jh of each pair of groups by period.",
        "cap_analysis_theil": "Theil index by period and its within/between decomposition.",
        "cap_analysis_sigma": "σ-convergence: coefficient of variation by period.",
        "cap_analysis_beta": "Absolute β-convergence: average growth against the log "
        "initial value.",
        "cap_analysis_density": "Kernel density of the values across the entities, one "
        "curve per period.",
        "cap_analysis_moran": "Global Moran's I by period.",
        "cap_analysis_moran_scatter": "Moran scatter plot: each entity's standardised value "
        "against its spatial lag (the weighted mean of its neighbours).",
        "cap_analysis_lisa_map": "LISA clusters (local Moran's I) of the entities.",
        "cap_analysis_level_map": "Level classes of the entities.",
        "cap_analysis_level_maps": "Level classes of the entities in the first and the last "
        "period and up to two periods between, on one scale.",
        "cap_analysis_markov": "Markov transition probabilities between classes.",
        "cap_analysis_spatial_markov": "Spatial Markov transition probabilities, one matrix "
        "per class of the spatial lag.",
        # diagnostics
        "diagnostics": "Diagnostics",
        "diagnostics_intro": "Checks and extensions run beside the synergy model, as the "
        "model's [diagnostics] table asks.",
        "diag_figures": "Figures of the diagnostics:",
        "analysis_figures_in": "Figures {a}–{b} are in the section ",
        "analysis_figure_in": "Figure {a} is in the section ",
        "analysis_figures_in_end": ".",
        "diag_truncated": "Each table shows the first {shown} of {total} entities; all of "
        "them are in the CSV files ({files}) and in results.xlsx.",
        "cap_grey_relation": "Grey relational grade of each indicator with its subsystem's "
        "order degree.",
        "cap_coupling": "Coupling coordination degree D and coupling degree C by period.",
        "cap_obstacles": "Obstacle degree of the indicators in the last period.",
        "cap_forecast": "GM(1,1) fit and forecast of the synergy degree U.",
        "cap_robustness": "Synergy degree U with its 5–95% band over the Monte Carlo draws.",
        "gra": "Grey relational analysis",
        "gra_hint": "A grade near 1 means the indicator moves with its subsystem's order "
        "degree; a grade below {t} (marked *) makes it a weak order parameter of that entity.",
        "gra_table": "Grey relational grade of each indicator with its subsystem (ρ = {rho})",
        "gra_mean": "Mean of all {n} entities",
        "gra_note": "* below the threshold {t}: a weak order parameter.",
        "cross_table": "Cross grades of {a} (rows) with {b} (columns), mean over all {n} entities",
        "coupling": "Coupling coordination",
        "coupling_hint": "C says how evenly the subsystems stand, T how high they stand "
        "together, and D = √(C·T) both at once: read D against the ten coordination levels.",
        "coupling_table": "Coupling coordination in {p} ({model})",
        "coupling_classic": "classic model",
        "coupling_wang": "corrected model of Wang et al. 2021",
        "coupling_fan": "corrected model of Fan et al. 2024",
        "coupling_level": "Coordination level",
        "coupling_stage": "Coupling stage",
        "relative_development": "E",
        "lag": "Lag type",
        "coupling_note": "E: relative development degree ({e}); lag type: E < {low} the "
        "first lags, E > {high} the second lags, else synchronous; — where the denominator "
        "is 0.{rescaled}",
        "coupling_note_many": "E: each subsystem's U_j / mean U; E_j < {low}: it lags, "
        "E_j > {high}: it leads.{rescaled}",
        "coupling_rescaled": " The order degrees were min-max rescaled into [0.01, 0.99] over "
        "the panel before the coupling (coupling_input = 'rescale').",
        "obstacles": "Obstacle degree",
        "obstacles_hint": "The indicators that hold each entity back most in {p}, with their "
        "share of its weighted shortfall 1 − u: work on the first ones first.",
        "obstacles_note": "Each cell: the indicator, its share O of the weighted shortfall, "
        "and (in brackets) the unscaled F·I = W_j·φ_i·(1 − u_i).",
        "obstacles_table": "The {n} largest obstacles in {p}",
        "rank_n": "No. {n}",
        "forecast": "GM(1,1) forecast",
        "forecast_hint": "Grey-model forecasts of each subsystem's order degree and of the "
        "synergy degree; rely only on fits graded good or qualified, and read those marked * "
        "(fitted after a level-ratio shift) with care.",
        "forecast_table": "Forecasts {h} periods ahead",
        "forecast_counts": "{failed} of {n} series failed the level-ratio test and were fitted "
        "after a shift (*); {clipped} have forecasts outside the range of their quantity, "
        "clipped to it (†). A grade describes the fit to the past only.",
        "forecast_table_one": "Forecasts 1 period ahead",
        "series": "Series",
        "grade": "Grade",
        "level_ratio": "Level ratio",
        "not_fitted": "not fitted",
        "synergy_series": "synergy degree U",
        "forecast_note": "* failed the level-ratio test and was fitted after a shift by a "
        "constant; † clipped to the range of its quantity (μ in [0, 1], U in [−1, 1]); "
        "C: posterior error ratio, P: small-error probability.",
        "robustness": "Robustness",
        "robustness_hint": "How far U of {p} moves when the weights and the margin a are "
        "drawn at random ({draws} draws): a narrow band and a stage kept in nearly every draw "
        "mean the result does not hinge on those choices.",
        "robustness_table": "Synergy degree U of {p} over the draws",
        "point_u": "U",
        "median": "Median",
        "band": "5–95%",
        "stage_kept": "Stage kept",
        "rank": "Rank",
        "rank_band": "Rank 5–95%",
    },
    "zh": {
        "title": "复合系统协同度",
        "kicker": "cosyn 报告",
        "contents": "目录",
        "provenance": "数据与模型",
        "data": "数据",
        "data_file": "数据文件",
        "sha256": "SHA-256",
        "no_hash": "未记录（未提供数据文件）",
        "model": "模型文件",
        "model_inline": "在程序中给定（非文件）",
        "version": "cosyn 版本",
        "date": "日期",
        "summary": "概要",
        "entities": "个体",
        "periods": "时期",
        "subsystems": "子系统",
        "indicators": "指标",
        "n_indicators": "{n} 个指标",
        "and_more": "等，另有 {n} 个",
        "method": "方法",
        "order_degree": "有序度",
        "efficacy": "功效系数法，调整幅度 a = {a}，上下限{scope}",
        "bounds_entity": "按个体确定",
        "bounds_panel": "按面板确定",
        "weights": "权重",
        "scope_entity": "按个体计算",
        "scope_panel": "按面板合并计算",
        "aggregation": "集成方法",
        "synergy": "协同度",
        "base": "基期",
        "base_first": "第一期（{p}）",
        "base_adjacent": "上一期（t − 1）",
        "base_named": "{p}",
        "base_short_adjacent": "上一期",
        "imputation": "缺失值",
        "filled": "{total} 个数据单元中补齐 {n} 个（{how}）",
        "dropped": "剔除的指标",
        "stage_counts": "{p} 期各阶段",
        "text_summary": "文本摘要",
        "figures": "图",
        "figure": "图",
        "cap_order_degree": "各子系统有序度 μ 的变化。",
        "cap_synergy_path": "复合系统协同度 U 的变化。",
        "cap_synergy_heatmap": "各个体各时期的协同度 U。",
        "cap_weights": "序参量权重 φ。",
        "stages": "各个体的协同发展阶段",
        "stages_intro": "{p} 期的协同度 U（基期 {b}）、协同等级与发展阶段，以及该阶段的含义。",
        "stages_intro_preset": "{p} 期的协同度 U（基期 {b}）、协同等级与发展阶段，以及该阶段"
        "建议的发展重点（Zhang，2023，第 4 节）。",
        "stages_intro_focus": "{p} 期的协同度 U（基期 {b}）、协同等级与发展阶段，以及模型为该"
        "阶段给出的发展重点。",
        "meaning": "含义：",
        "level": "协同等级",
        "stage": "发展阶段",
        "focus": "发展重点：",
        "no_value": "无数值",
        "tables": "表",
        "entity": "个体",
        "subsystem": "子系统",
        "column": "列名",
        "label": "名称",
        "unit": "单位",
        "direction": "方向",
        "all_entities": "全部个体",
        "level_in": "{p} 协同等级",
        "stage_in": "{p} 发展阶段",
        "methods": "方法说明",
        "rows_more": "仅显示共 {total} 行中的前 {shown} 行；全部数据见 CSV 文件和 results.xlsx。",
        "show_rows": "展开表格（{n} 行）",
        "page_prev": "上一页",
        "page_next": "下一页",
        "page_of": "第 {a}–{b} 行，共 {n} 行",
        "sort_hint": "点击列标题可排序。",
        "enlarge": "点击图可放大；按 Esc 或再次点击关闭。",
        "close": "关闭",
        "notes": "说明与警告",
        "no_notes": "拟合过程中没有警告。",
        "generated": "由 cosyn {v} 于 {d} 生成。",
        # the spatio-temporal analysis ([analysis])
        "analysis": "时空分析",
        "analysis_intro": "按模型 [analysis] 表的要求，分析区域差异、分布的动态演进、空间关联"
        "以及类型之间的转移；每一部分依次给出方法、图和表。",
        "analysis_differences": "区域差异",
        "analysis_distribution": "分布动态",
        "analysis_space": "空间关联",
        "analysis_time": "类型转移",
        "analysis_other": "其他结果",
        "analysis_notes": "时空分析说明",
        "analysis_no_notes": "时空分析没有说明事项。",
        "analysis_show_notes": "展开全部 {n} 条说明",
        "analysis_refs": "所引文献见“方法说明”一节的参考文献。",
        "cap_analysis_gini": "各时期的 Dagum 基尼系数及其分解，G = G_w + G_nb + G_t。",
        "cap_analysis_gini_groups": "各时期各组的组内基尼系数 G_jj 与各组对之间的组间基尼"
        "系数 G_jh。",
        "cap_analysis_theil": "各时期的泰尔指数及其组内、组间分解。",
        "cap_analysis_sigma": "σ 收敛：各时期的变异系数。",
        "cap_analysis_beta": "绝对 β 收敛：年均增长率与初始值对数。",
        "cap_analysis_density": "各时期数值在个体间分布的核密度曲线。",
        "cap_analysis_moran": "各时期的全局 Moran's I。",
        "cap_analysis_moran_scatter": "Moran 散点图：各个体的标准化数值与其空间滞后"
        "（邻居数值的加权平均）。",
        "cap_analysis_lisa_map": "各个体的 LISA 集聚类型（局部 Moran's I）。",
        "cap_analysis_level_map": "各个体的等级类型。",
        "cap_analysis_level_maps": "首期、末期及其间至多两期各个体的等级类型（同一标尺）。",
        "cap_analysis_markov": "类型之间的马尔可夫转移概率。",
        "cap_analysis_spatial_markov": "空间马尔可夫转移概率，每个空间滞后类型一个矩阵。",
        # diagnostics
        "diagnostics": "诊断分析",
        "diagnostics_intro": "按模型 [diagnostics] 表的要求，在协同度模型之外进行的"
        "检验与扩展分析。",
        "diag_figures": "诊断分析的图：",
        "analysis_figures_in": "图 {a}–{b} 见“",
        "analysis_figure_in": "图 {a} 见“",
        "analysis_figures_in_end": "”一节。",
        "diag_truncated": "各表仅显示前 {shown} 个个体（共 {total} 个）；全部个体见 CSV 文件"
        "（{files}）和 results.xlsx。",
        "cap_grey_relation": "各指标与所属子系统有序度的灰色关联度。",
        "cap_coupling": "各时期的耦合协调度 D 与耦合度 C。",
        "cap_obstacles": "最后一期各指标的障碍度。",
        "cap_forecast": "协同度 U 的 GM(1,1) 拟合与预测。",
        "cap_robustness": "协同度 U 及其蒙特卡洛抽样的 5–95% 区间。",
        "gra": "灰色关联分析",
        "gra_hint": "关联度越接近 1，指标与所属子系统有序度的变化越一致；低于 {t}（标 *）"
        "的指标是该个体的弱序参量。",
        "gra_table": "各指标与所属子系统的灰色关联度（ρ = {rho}）",
        "gra_mean": "全部 {n} 个个体的均值",
        "gra_note": "* 低于阈值 {t}：弱序参量。",
        "cross_table": "{a}（行）与{b}（列）各指标的交叉关联度，全部 {n} 个个体的均值",
        "coupling": "耦合协调度",
        "coupling_hint": "C 反映各子系统发展是否均衡，T 反映其综合发展水平，D = √(C·T) "
        "兼顾两者：按十级协调等级解读 D。",
        "coupling_table": "{p} 耦合协调度（{model}）",
        "coupling_classic": "经典模型",
        "coupling_wang": "王淑佳等（2021）修正模型",
        "coupling_fan": "范等（2024）修正模型",
        "coupling_level": "协调等级",
        "coupling_stage": "耦合阶段",
        "relative_development": "E",
        "lag": "类型",
        "coupling_note": "E：相对发展度（{e}）；E < {low} 为前者滞后，E > {high} 为后者滞后，"
        "其余为同步；分母为 0 时记为 —。{rescaled}",
        "coupling_note_many": "E：各子系统的 U_j 与各 U 均值之比；E_j < {low} 为该子系统滞后，"
        "E_j > {high} 为超前。{rescaled}",
        "coupling_rescaled": "耦合前已将各有序度在整个面板上按极差标准化到 [0.01, 0.99]"
        "（coupling_input = 'rescale'）。",
        "obstacles": "障碍度",
        "obstacles_hint": "{p} 期制约各个体最大的指标及其在加权差距 1 − u 中所占比重："
        "应优先改善排在前面的指标。",
        "obstacles_note": "每格为指标、其在加权差距中所占比重 O，以及括号中未标准化的 "
        "F·I = W_j·φ_i·(1 − u_i)。",
        "obstacles_table": "{p} 前 {n} 位障碍因子",
        "rank_n": "第 {n} 位",
        "forecast": "GM(1,1) 预测",
        "forecast_hint": "各子系统有序度与协同度的灰色模型预测；只宜采信精度等级为好或合格的"
        "拟合，标 * 的序列（级比检验未通过、平移后拟合）需谨慎解读。",
        "forecast_table": "向后 {h} 期的预测值",
        "forecast_counts": "{n} 个序列中有 {failed} 个未通过级比检验，平移后拟合（*）；{clipped} "
        "个序列的预测值超出取值范围而被截断（†）。精度等级只反映对历史数据的拟合。",
        "forecast_table_one": "向后 1 期的预测值",
        "series": "序列",
        "grade": "精度等级",
        "level_ratio": "级比检验",
        "not_fitted": "未拟合",
        "synergy_series": "协同度 U",
        "forecast_note": "* 未通过级比检验，平移一个常数后拟合；† 超出取值范围（μ 为 [0, 1]，"
        "U 为 [−1, 1]）而被截断；C：后验差比，P：小误差概率。",
        "robustness": "稳健性",
        "robustness_hint": "随机抽取权重与调整幅度 a（{draws} 次）时 {p} 期协同度 U 的变动："
        "区间窄、几乎每次抽样都保持同一发展阶段，说明结论不取决于这些设定。",
        "robustness_table": "{p} 期协同度 U 的抽样分布",
        "point_u": "U",
        "median": "中位数",
        "band": "5–95%",
        "stage_kept": "阶段保持",
        "rank": "排名",
        "rank_band": "排名 5–95%",
    },
}

#: Option values of the method in each language (:data:`cosyn.report.text.METHOD_WORDS`).
_METHOD_WORDS = METHOD_WORDS


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("cosyn", "report/templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


# -- figures ---------------------------------------------------------------------------
_BEFORE_SVG = re.compile(r"^.*?(?=<svg[\s>])", re.S)
_METADATA = re.compile(r"<metadata\b.*?</metadata>\s*", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_XMLNS = re.compile(r"\s+xmlns(?::[\w-]+)?=\"[^\"]*\"")
_ID = re.compile(r"\bid=\"([^\"]+)\"")
_HREF_LOCAL = re.compile(r"\bhref=\"#([^\"]+)\"")
_URL_LOCAL = re.compile(r"url\(\s*#([^)\s]+)\s*\)")
_LOCAL = r"(?:#|data:image/)"  # a reference inside the figure, or an embedded raster image
_UNSAFE = re.compile(
    r"<script\b|<foreignObject\b|<iframe\b|@import|\son[a-z]+\s*=|javascript:"
    rf"|(?:href|src)\s*=\s*(?:\"(?!{_LOCAL})|'(?!{_LOCAL})|(?![\"']))"
    rf"|url\(\s*(?:\"(?!{_LOCAL})|'(?!{_LOCAL})|(?![\"']|{_LOCAL}))",
    re.I,
)


def inline_svg(svg: str, prefix: str = "", *, name: str = "figure") -> Markup:
    """An SVG document made ready to inline in HTML.

    Drops everything before the ``<svg>`` element (XML prolog, DOCTYPE, comments), the
    ``<metadata>`` block and the namespace declarations (an HTML parser knows inline SVG;
    none of them is needed, and they are the only URLs in matplotlib's output), and
    prefixes every ``id`` — and the ``#id`` references to it — with ``prefix``, so that
    several figures (whose glyph and clip-path ids coincide) can share one page.

    Raises
    ------
    ValueError
        If the text holds no ``<svg>`` element, or holds a script, an event handler, a
        ``foreignObject`` or a reference to anything outside the figure itself.
    """
    if not isinstance(svg, str):
        raise TypeError(f"figure {name!r} must be SVG text, got {type(svg).__name__}")
    body = _BEFORE_SVG.sub("", svg, count=1)
    if not body.startswith("<svg"):
        raise ValueError(
            f"figure {name!r} is not an SVG document (no <svg> element); pass the text of "
            'savefig(buf, format="svg")'
        )
    body = _COMMENT.sub("", _METADATA.sub("", body)).strip()
    body = _XMLNS.sub("", body)
    if _UNSAFE.search(body):
        raise ValueError(
            f"figure {name!r} holds a script, an event handler or an external reference; "
            "the report inlines only self-contained SVG"
        )
    if prefix:
        body = _ID.sub(lambda m: f'id="{prefix}{m.group(1)}"', body)
        body = _HREF_LOCAL.sub(lambda m: f'href="#{prefix}{m.group(1)}"', body)
        body = _URL_LOCAL.sub(lambda m: f"url(#{prefix}{m.group(1)})", body)
    return Markup(body)


#: How much larger than drawn a figure may be shown (its text grows with it): a figure
#: drawn for a full page width fills the report's width; a narrow one is not blown up.
MAX_ZOOM = 2.0
_SVG_WIDTH = re.compile(r"<svg\b[^>]*?\swidth=\"([\d.]+)(pt|px)?\"")


def _max_width(svg: str) -> str:
    """The CSS width a figure is shown at most: :data:`MAX_ZOOM` × its drawn width (in
    CSS pixels, 1 pt = 4/3 px), or the full width when the SVG does not say its width."""
    m = _SVG_WIDTH.search(svg)
    if not m:
        return "100%"
    px = float(m.group(1)) * (4 / 3 if m.group(2) in (None, "pt") else 1.0)
    return f"{MAX_ZOOM * px:.0f}px"


def _figures(
    figures: Mapping[str, str] | None,
    words: Mapping[str, str],
    diagnostic: Sequence[str] = (),
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """The figures of the Figures section; by name, those of the ``diagnostic`` figure
    names (shown in the Diagnostics section); and those of the spatio-temporal analysis
    (names starting with ``analysis_``, shown in its section), each numbered on from the
    ones before."""
    if not figures:
        return [], {}, []
    order = [p for p, _ in ANALYSIS_PARTS] + ["other"]
    apart = sorted(
        (n for n in figures if str(n).startswith(ANALYSIS_PREFIX)),
        key=lambda n: order.index(_part_of(str(n))),
    )  # numbered in the order of the parts that show them
    names = [n for n in FIGURE_NAMES if n in figures]
    names += [
        n for n in figures if n not in FIGURE_NAMES and n not in diagnostic and n not in apart
    ]
    names += [n for n in diagnostic if n in figures]
    names += apart
    out = []
    for number, name in enumerate(names, start=1):
        slug = re.sub(r"[^A-Za-z0-9_-]+", "-", str(name)).strip("-") or "figure"
        svg = inline_svg(figures[name], f"f{number}-{slug}-", name=str(name))
        caption: str | Markup | None = words.get(f"cap_{name}")
        if str(name).startswith(ANALYSIS_PREFIX):  # captions with G_w, G_jj: subscripts
            bare = str(name)[len(ANALYSIS_PREFIX) :].replace("_", " ").capitalize() + "."
            caption = formula_html(caption) if caption is not None else bare
        out.append(
            {
                "name": name,
                "id": f"figure-{slug}",
                "number": number,
                "caption": caption if caption is not None else str(name),
                "svg": svg,
                "max_width": _max_width(svg),
            }
        )
    shown_apart = [f for f in out if f["name"] in diagnostic]
    main = [f for f in out if f["name"] not in diagnostic and f["name"] not in apart]
    return (
        main,
        {str(f["name"]): f for f in shown_apart},
        [f for f in out if f["name"] in apart],
    )


# -- numbers and labels ----------------------------------------------------------------
_p = period_text


def _u(v: float) -> str:
    return "—" if not np.isfinite(v) else f"{v:.3f}"


def _limit(n: int) -> int:
    return min(n, MAX_TABLE_ENTITIES)


def _base_words(result: Result, w: Mapping[str, str]) -> str:
    base = str(result.spec.method.base)
    p = _p(result.periods[result.t0[0]])
    if base == "adjacent":
        return w["base_adjacent"]
    if base == "first":
        return w["base_first"].format(p=p)
    return w["base_named"].format(p=p)


def _base_short(result: Result, w: Mapping[str, str]) -> str:
    """The base period as a caption says it: ``2010`` or "previous period"."""
    if str(result.spec.method.base) == "adjacent":
        return w["base_short_adjacent"]
    return _p(result.periods[result.t0[0]])


def _method_facts(result: Result, lang: str) -> list[tuple[str, str | Markup]]:
    w, mw = _WORDS[lang], _METHOD_WORDS[lang]
    m = result.spec.method
    sep = "，" if lang == "zh" else ", "
    weights = mw[m.weights]
    if m.weights == "entropy":
        weights += sep + mw["input"].format(x=mw[m.entropy_input])
    if m.weights == "combined":
        weights += (
            sep
            + mw["objective"].format(x=mw[m.objective])
            + f"{sep}{mw[m.combine]}"
            + (f"{sep}λ = {m.combine_lambda:g}" if m.combine == "additive" else "")
        )
    if m.weights not in ("given", "ahp", "equal"):
        weights += f"{sep}{w['scope_' + m.weights_scope]}"
    if result.ahp_cr:
        weights += sep + sep.join(f"{k} CR = {v:.3f}" for k, v in result.ahp_cr.items())
    filled = int(result.imputed.sum())
    facts: list[tuple[str, str | Markup]] = [
        (
            w["order_degree"],
            w["efficacy"].format(a=f"{m.margin:g}", scope=w["bounds_" + m.bounds]),
        ),
        (w["weights"], weights),
        (w["aggregation"], mw[m.aggregation]),
        (
            w["synergy"],
            formula_html("U = θ·(Π_j |Δμ_j|)^(1/k)") + f", k = {len(result.subsystems)}",
        ),
        (w["base"], _base_words(result, w)),
        (
            w["imputation"],
            w["filled"].format(n=filled, total=result.imputed.size, how=mw[m.impute]),
        ),
    ]
    if result.dropped:
        facts.append((w["dropped"], ", ".join(result.dropped)))
    return facts


def _stage_cards(result: Result, lang: str) -> list[dict[str, Any]]:
    U = result.synergy_values[:, -1]
    levels = level_names(result, lang)
    stages = stage_names(result, lang)
    texts, _ = stage_texts(result, lang)
    lcodes = result.level_codes[:, -1]
    scodes = result.stage_codes[:, -1]
    cards = []
    for e, entity in enumerate(result.entities):
        s, lv, u = int(scodes[e]), int(lcodes[e]), float(U[e])
        cards.append(
            {
                "entity": str(entity),
                "u": _u(u),
                "bar": 0.0 if not np.isfinite(u) else round(max(0.0, min(1.0, u)) * 100, 1),
                "level": levels[lv] if lv >= 0 else "—",
                "stage": stages[s] if s >= 0 else "—",
                "stage_code": s,
                "focus": texts[s] if s >= 0 else "",
            }
        )
    return cards


def _stages_intro(result: Result, w: Mapping[str, str], last: str) -> str:
    """The sentence above the stage cards: the Zhang (2023) citation only with its preset."""
    _, is_focus = stage_texts(result, "en")
    key = "stages_intro"
    if is_focus:
        key = (
            "stages_intro_preset"
            if result.spec.stages.preset == "zhang2023"
            else "stages_intro_focus"
        )
    return w[key].format(p=last, b=_base_short(result, w))


def _stage_counts(result: Result, lang: str) -> list[tuple[str, int, int]]:
    codes = result.stage_codes[:, -1]
    names = stage_names(result, lang)
    counts = np.bincount(codes[codes >= 0], minlength=len(names))
    return [(names[i], int(c), i) for i, c in enumerate(counts)]


# -- the tables papers print (cosyn.report.tables) ------------------------------------
#: Body rows of a table shown at once; a longer table is shown a page at a time.
PAGE_ROWS = 50
#: Most rows of one table written into the report (the rest are in the CSV files and
#: results.xlsx, which hold every row).
MAX_ROWS = 5000


def _is_wide(key: str) -> bool:
    return key in ("synergy", "coupling_wide") or key.startswith("order_")


def _decimals(key: str, column: str, values: NDArray[np.float64], pct: str) -> int:
    """Decimals of a float column: shares in % 2, weights and their scores 4, the
    descriptive statistics by size (≥ 100: 2, ≥ 1: 3, else 4), degrees (U, μ, C, T, D,
    E) 3; the analysis tables 3 (kernel density and β-convergence, whose bandwidths and
    standard errors are small, 4; per cent 2; whole numbers 0)."""
    if column == pct:
        return 2
    if key.startswith("analysis_"):
        finite = values[np.isfinite(values)]
        if finite.size and np.all(finite == np.round(finite)) and np.abs(finite).max() > 1:
            return 0  # counts and spans (a probability column of 0s and 1s keeps 3)
        if "%" in column:
            return 2
        return 4 if key in ("analysis_density", "analysis_beta") else 3
    if key.startswith("weights"):
        return 4
    if key == "descriptive":
        finite = np.abs(values[np.isfinite(values)])
        top = float(finite.max()) if finite.size else 0.0
        return 2 if top >= 100 else 3 if top >= 1 else 4
    return 3


def _cell(value: Any, decimals: int | None) -> dict[str, Any]:
    """A table cell: its text, the number it sorts by (empty for text) and its class."""
    if value is None or (isinstance(value, float | np.floating) and not np.isfinite(value)):
        return {"text": "—", "sort": "", "num": decimals is not None, "neg": False}
    if isinstance(value, bool | np.bool_):
        return {"text": str(value), "sort": "", "num": False, "neg": False}
    if isinstance(value, int | np.integer):
        return {"text": str(int(value)), "sort": str(int(value)), "num": True, "neg": False}
    if isinstance(value, float | np.floating):
        v = float(value)
        text = f"{v:.{decimals if decimals is not None else 3}f}"
        return {"text": text, "sort": repr(v), "num": True, "neg": v <= 0}
    return {"text": str(value), "sort": "", "num": False, "neg": False}


def _frame_table(
    key: str, title: str, frame: pd.DataFrame, n_body: int, lang: str
) -> dict[str, Any]:
    """A DataFrame of :mod:`cosyn.report.tables` as the template renders it.

    The first ``n_body`` rows are the body (sortable, paged when longer than
    :data:`PAGE_ROWS`); the rest (the mean rows of a wide table) are the foot.
    """
    from cosyn.report.tables import header

    w = _WORDS[lang]
    pct = header("weight_pct", lang)
    shown = frame.iloc[:MAX_ROWS] if n_body > MAX_ROWS else frame
    body_rows = min(n_body, MAX_ROWS)
    columns = []
    formats = []
    for c in shown.columns:
        col = shown[c]
        numeric = pd.api.types.is_float_dtype(col.dtype)
        decimals = _decimals(key, str(c), col.to_numpy(dtype=float), pct) if numeric else None
        is_num = (
            numeric
            or pd.api.types.is_integer_dtype(col.dtype)
            or (
                col.dtype == object
                and all(v is None or isinstance(v, int | np.integer) for v in col)
            )
        )
        columns.append({"name": str(c), "num": bool(is_num)})
        formats.append(decimals)
    rows = []
    for values in shown.itertuples(index=False, name=None):
        cells = [_cell(v, d) for v, d in zip(values, formats, strict=True)]
        for cell, head in zip(cells, columns, strict=True):
            cell["num"] = head["num"]
            cell["neg"] = cell["neg"] and key == "synergy" and cell["sort"] != ""
        rows.append(cells)
    wide = _is_wide(key)
    return {
        "key": key,
        "id": "table-" + re.sub(r"[^A-Za-z0-9_-]+", "-", key).strip("-"),
        "title": title,
        "columns": columns,
        "body": rows[:body_rows],
        "foot": rows[body_rows:] if n_body <= MAX_ROWS else [],
        "sticky": wide or key in ("coupling", "weights_by_entity"),
        "compact": True,
        "paged": body_rows > PAGE_ROWS,
        "folded": body_rows > PAGE_ROWS and not wide,
        "n_rows": body_rows,
        "more": w["rows_more"].format(shown=MAX_ROWS, total=n_body) if n_body > MAX_ROWS else "",
    }


def _paper_tables(result: Result, lang: str) -> list[dict[str, Any]]:
    """The tables papers print (:func:`cosyn.report.tables.paper_tables`), ready for the
    template: the wide tables in full (the wide table of U with the level and stage of
    the last period beside it), the long ones folded and paged."""
    from cosyn.report.tables import paper_tables

    w = _WORDS[lang]
    E = len(result.entities)
    last = _p(result.periods[result.t1[-1]])
    levels = level_names(result, lang)
    stages = stage_names(result, lang)
    out = []
    for t in paper_tables(result, lang):
        frame = t.table
        n_body = E if _is_wide(t.key) else len(frame)
        if t.key == "synergy":
            # the periods that compare nothing (the base) are empty: papers leave them out
            empty = [c for c in frame.columns[1:] if frame[c].iloc[:E].isna().all()]
            frame = frame.drop(columns=empty)
            lv = [levels[c] if c >= 0 else "—" for c in result.level_codes[:, -1].tolist()]
            st = [stages[c] if c >= 0 else "—" for c in result.stage_codes[:, -1].tolist()]
            pad = [""] * (len(frame) - E)
            frame[w["level_in"].format(p=last)] = lv + pad
            frame[w["stage_in"].format(p=last)] = st + pad
        out.append(_frame_table(t.key, t.title, frame, n_body, lang))
    return out


def _indicator_rows(result: Result, lang: str = "en") -> list[dict[str, str]]:
    labels = {s.name: s.label or s.name for s in result.spec.subsystems}
    direction = {True: "+", False: "−"} if lang == "en" else {True: "正向", False: "负向"}
    return [
        {
            "subsystem": labels[i.subsystem],
            "column": i.column,
            "label": i.label,
            "unit": i.unit,
            "direction": direction[i.positive],
        }
        for i in result.spec.indicators
    ]


# -- diagnostics (METHOD.md §6–§7) -------------------------------------------------------
def _asked(result: Result) -> list[str]:
    """The diagnostics the spec asked for (and the result can show), by figure name."""
    d = result.spec.diagnostics
    asked = {
        "grey_relation": d.gra and result.diagnostics is not None,
        "coupling": bool(d.coupling) and result.diagnostics is not None,
        "obstacles": d.obstacles > 0 and result.diagnostics is not None,
        "forecast": d.forecast > 0 and result.diagnostics is not None,
        # Result.robustness arrived after the other diagnostics: check it is there
        "robustness": d.robustness is not None,
    }
    return [n for n in DIAGNOSTIC_FIGURE_NAMES if asked[n]]


#: The CSV files written for each diagnostic (cosyn.report.write_reports).
_DIAGNOSTIC_CSV: dict[str, tuple[str, ...]] = {
    "grey_relation": ("grey_relation.csv", "grey_cross.csv"),
    "coupling": ("coupling.csv",),
    "obstacles": ("obstacles.csv",),
    "forecast": ("forecast.csv",),
    "robustness": ("robustness.csv",),
}


def _finite_mean(values: NDArray[np.float64], axis: int = 0) -> NDArray[np.float64]:
    """Mean of the finite values along ``axis``; NaN where there is none (no warning)."""
    finite = np.isfinite(values)
    count = finite.sum(axis=axis)
    total = np.where(finite, values, 0.0).sum(axis=axis)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _indicator_groups(result: Result) -> list[dict[str, Any]]:
    """Column groups of a wide entity × indicator table (as the weights table)."""
    return [
        {
            "label": s.label or s.name,
            "span": len(s.indicators),
            "columns": [{"name": i.column, "title": i.label} for i in s.indicators],
        }
        for s in result.spec.subsystems
    ]


def _grey_relation_tables(result: Result, w: Mapping[str, str]) -> dict[str, Any]:
    """The wide grade table (weak grades marked) and the cross grades, mean over entities."""
    arrays = result.diagnostics
    assert arrays is not None and arrays.gra is not None
    grades = arrays.gra
    d = result.spec.diagnostics
    t = d.gra_threshold
    rows = [
        {
            "entity": str(result.entities[e]),
            "cells": [
                {"text": _u(v) + ("*" if v < t else ""), "weak": bool(v < t)}
                for v in grades[e].tolist()
            ],
        }
        for e in range(_limit(grades.shape[0]))
    ]
    E = grades.shape[0]
    mean = None
    if E > 1:
        mean = {
            "entity": w["gra_mean"].format(n=E),
            "cells": [
                {"text": _u(v) + ("*" if v < t else ""), "weak": bool(v < t)}
                for v in _finite_mean(grades).tolist()
            ],
        }
    subs = result.spec.subsystems
    cross = []
    for (j1, j2), values in (arrays.gra_cross or {}).items():
        m = _finite_mean(values)  # (m1, m2)
        cross.append(
            {
                "title": w["cross_table"].format(
                    a=subs[j1].label or subs[j1].name, b=subs[j2].label or subs[j2].name, n=E
                ),
                "columns": [{"name": i.column, "title": i.label} for i in subs[j2].indicators],
                "rows": [
                    {"name": ind.column, "title": ind.label, "cells": [_u(v) for v in row]}
                    for ind, row in zip(subs[j1].indicators, m.tolist(), strict=True)
                ],
            }
        )
    return {
        "title": w["gra_table"].format(rho=f"{d.gra_rho:g}"),
        "hint": w["gra_hint"].format(t=f"{t:g}"),
        "note": w["gra_note"].format(t=f"{t:g}"),
        "groups": _indicator_groups(result),
        "rows": rows,
        "mean": mean,
        "cross": cross,
    }


def _coupling_table(result: Result, lang: str, w: Mapping[str, str], last: str) -> dict[str, Any]:
    arrays = result.diagnostics
    assert arrays is not None and arrays.coupling is not None
    c, t, d = (a[:, -1] for a in arrays.coupling)
    diag = result.spec.diagnostics
    levels = coupling_level_names(result, lang)
    stages = coupling_stage_names(result, lang)
    level_codes = classify(d, diag.coupling_levels.edges)
    stage_codes = classify(c, diag.coupling_stages.edges)
    labels = [s.label or s.name for s in result.spec.subsystems]
    n = _limit(c.shape[0])
    ratio = lag = None
    if arrays.development is not None:
        ratio = arrays.development[0][:n, -1]  # (n,) or (n, k)
        lag = lag_texts(arrays.development[1][:n, -1], labels, lang)
    rows = []
    for e in range(n):
        lv, st = int(level_codes[e]), int(stage_codes[e])
        row = {
            "entity": str(result.entities[e]),
            "cells": [_u(float(c[e])), _u(float(t[e])), _u(float(d[e]))],
            "level": levels[lv] if lv >= 0 else "—",
            "stage": stages[st] if st >= 0 else "—",
            "E": [],
            "lag": "",
        }
        if ratio is not None and lag is not None:
            row["E"] = [_u(float(v)) for v in np.atleast_1d(ratio[e]).tolist()]
            row["lag"] = lag[e]
        rows.append(row)
    method = str(diag.coupling)
    model = w.get(f"coupling_{method}", method)
    k = len(labels)
    low, high = (f"{v:g}" for v in diag.lag_edges)
    rescaled = w["coupling_rescaled"] if diag.coupling_input == "rescale" else ""
    if k == 2:
        note = w["coupling_note"].format(
            e=f"U({labels[0]}) / U({labels[1]})", low=low, high=high, rescaled=rescaled
        )
        e_heads = [w["relative_development"]]
    else:
        note = w["coupling_note_many"].format(low=low, high=high, rescaled=rescaled)
        e_heads = [f"E({label})" for label in labels]
    return {
        "title": w["coupling_table"].format(p=last, model=model),
        "rows": rows,
        "e_heads": e_heads if ratio is not None else [],
        "note": note,
    }


def _obstacles_table(result: Result, w: Mapping[str, str], last: str) -> dict[str, Any]:
    arrays = result.diagnostics
    assert arrays is not None and arrays.obstacles is not None
    shares = arrays.obstacles[: _limit(arrays.obstacles.shape[0]), -1, :]
    fi = None if arrays.obstacle_fi is None else arrays.obstacle_fi[: shares.shape[0], -1, :]
    n = min(result.spec.diagnostics.obstacles, shares.shape[-1])
    # largest first, ties to the lower index (as cosyn.methods.obstacle.top_obstacles)
    order = np.argsort(-np.where(np.isfinite(shares), shares, -np.inf), axis=-1, kind="stable")
    indicators = result.spec.indicators
    rows = []
    for e, top in enumerate(order[:, :n].tolist()):
        cells = []
        for i in top:
            v = float(shares[e, i])
            cells.append(
                {
                    "name": indicators[i].column if np.isfinite(v) else "—",
                    "title": indicators[i].label,
                    "share": f"{100 * v:.1f}%" if np.isfinite(v) else "",
                    "fi": f"({float(fi[e, i]):.4f})" if fi is not None and np.isfinite(v) else "",
                }
            )
        rows.append({"entity": str(result.entities[e]), "cells": cells})
    return {
        "title": w["obstacles_table"].format(n=n, p=last),
        "ranks": [w["rank_n"].format(n=r + 1) for r in range(n)],
        "rows": rows,
        "note": w["obstacles_note"],
    }


def _forecast_table(result: Result, lang: str, w: Mapping[str, str]) -> dict[str, Any]:
    arrays = result.diagnostics
    assert arrays is not None and arrays.forecast is not None
    fc = arrays.forecast
    h = fc.horizon
    if fc.order is not None or fc.synergy is not None:  # every series shares the future
        future = [_p(p) for p in result.forecast["period"].iloc[-h:]]
    else:
        future = [f"+{i + 1}" for i in range(h)]
    grades = gm11_grades(lang)
    outcome = level_ratio_words(lang)
    E, _, k = result.mu.shape
    labels = [s.label or s.name for s in result.spec.subsystems] + [w["synergy_series"]]
    order_row = np.cumsum(fc.order_fitted) - 1
    synergy_row = np.cumsum(fc.synergy_fitted) - 1
    rows = []
    for e in range(_limit(E)):
        for j, label in enumerate(labels):
            if j < k:
                batch, ok, r = fc.order, fc.order_fitted[e * k + j], order_row[e * k + j]
                clip = fc.order_clipped
            else:
                batch, ok, r = fc.synergy, fc.synergy_fitted[e], synergy_row[e]
                clip = fc.synergy_clipped
            row: dict[str, Any] = {
                "entity": str(result.entities[e]),
                "first": j == 0,
                "span": len(labels),
                "series": label,
            }
            if batch is None or not ok:
                row.update(
                    cells=["—"] * h, grade=w["not_fitted"], ratio="—", failed=False, C="—", P="—"
                )
            else:
                r = int(r)
                passed = bool(batch.level_ratio_ok[r])
                star = "" if passed else "*"
                marks = (
                    ["†" if m else "" for m in clip[r, -h:].tolist()] if clip is not None and h
                    else [""] * h
                )  # fmt: skip
                row.update(
                    cells=[
                        _u(v) + m for v, m in zip(batch.forecast[r].tolist(), marks, strict=True)
                    ],
                    grade=grades[int(batch.grade[r])] + star,
                    ratio=outcome[0 if passed else 1],
                    failed=not passed,
                    C=_u(float(batch.C[r])),
                    P=_u(float(batch.P[r])),
                )
            rows.append(row)
    title = w["forecast_table"].format(h=h) if h != 1 else w["forecast_table_one"]
    n = failed = clipped = 0
    for batch, clip in ((fc.order, fc.order_clipped), (fc.synergy, fc.synergy_clipped)):
        if batch is None:
            continue
        ok = np.asarray(batch.level_ratio_ok, dtype=bool)
        n += ok.size
        failed += int((~ok).sum())
        if clip is not None and h:
            clipped += int(np.asarray(clip)[:, -h:].any(axis=1).sum())
    honest = w["forecast_counts"].format(n=n, failed=failed, clipped=clipped)
    return {
        "title": title,
        "periods": future,
        "rows": rows,
        "counts": honest,
        "folded": len(rows) > PAGE_ROWS,
        "show": w["show_rows"].format(n=len(rows)),
    }


def _rank(v: float) -> str:
    return "—" if not np.isfinite(v) else f"{round(v, 1):g}"


def _robustness_table(result: Result, lang: str, w: Mapping[str, str]) -> dict[str, Any]:
    table = result.robustness
    E, P = result.synergy_values.shape
    codes = result.entities.get_indexer(pd.Index(table["entity"]))
    order = np.argsort(codes, kind="stable")  # entity by entity, periods in order
    cols = ("synergy", "median", "p5", "p95", "stage_agreement", "rank", "rank_p5", "rank_p95")
    last = {c: np.asarray(table[c], dtype=float)[order].reshape(E, P)[:, -1] for c in cols}
    stages = stage_names(result, lang)
    rows = []
    for e in range(_limit(E)):
        st = int(result.stage_codes[e, -1])
        agree = last["stage_agreement"][e]
        rows.append(
            {
                "entity": str(result.entities[e]),
                "u": _u(last["synergy"][e]),
                "median": _u(last["median"][e]),
                "band": f"{_u(last['p5'][e])} – {_u(last['p95'][e])}",
                "stage": stages[st] if st >= 0 else "—",
                "agreement": f"{100 * agree:.0f}%" if np.isfinite(agree) else "—",
                "rank": _rank(last["rank"][e]),
                "rank_band": f"{_rank(last['rank_p5'][e])} – {_rank(last['rank_p95'][e])}",
            }
        )
    last_period = _p(result.periods[result.t1[-1]])
    return {"title": w["robustness_table"].format(p=last_period), "rows": rows}


def _diagnostics(
    result: Result,
    lang: str,
    figures: Mapping[str, dict[str, Any]],
    full: Mapping[str, str] | None = None,
) -> dict[str, Any] | None:
    """Everything the Diagnostics section shows, or None when none was asked for.

    ``full`` maps a table's name to where its full table is when the CSV files do not
    hold it (the Parquet datasets of a sample's fit)."""
    names = _asked(result)
    if not names:
        return None
    w = _WORDS[lang]
    last = _p(result.periods[-1])
    last_compared = _p(result.periods[result.t1[-1]])
    rob = result.spec.diagnostics.robustness
    hints = {
        "grey_relation": "",  # in its table block (it names the threshold)
        "coupling": w["coupling_hint"],
        "obstacles": w["obstacles_hint"].format(p=last),
        "forecast": w["forecast_hint"],
        "robustness": w["robustness_hint"].format(
            p=last_compared, draws=rob.draws if rob is not None else ""
        ),
    }
    keys = {
        "grey_relation": "gra",
        "coupling": "coupling",
        "obstacles": "obstacles",
        "forecast": "forecast",
        "robustness": "robustness",
    }
    builders = {
        "grey_relation": lambda: _grey_relation_tables(result, w),
        "coupling": lambda: _coupling_table(result, lang, w, last),
        "obstacles": lambda: _obstacles_table(result, w, last),
        "forecast": lambda: _forecast_table(result, lang, w),
        "robustness": lambda: _robustness_table(result, lang, w),
    }
    items = []
    for name in names:
        table = builders[name]()
        items.append(
            {
                "name": name,
                "id": f"diag-{name.replace('_', '-')}",
                "title": w[keys[name]],
                "hint": table.pop("hint", hints[name]),
                "figure": figures.get(name),
                "table": table,
            }
        )
    E = len(result.entities)
    files = [f for n in names for f in _DIAGNOSTIC_CSV[n]]
    if full is not None:
        files = [full.get(f.removesuffix(".csv"), f) for f in files]
    sep = "、" if lang == "zh" else ", "
    truncated = (
        w["diag_truncated"].format(shown=_limit(E), total=E, files=sep.join(files))
        if E > MAX_TABLE_ENTITIES
        else ""
    )
    return {"items": items, "truncated": truncated}


# -- the spatio-temporal analysis (SPATIAL.md) -----------------------------------------
#: Notes of the analysis shown at once; more are folded behind ``<details>``.
ANALYSIS_NOTES_SHOWN = 5
#: The parts of the analysis section, each with the methods paragraphs of its topic
#: (:data:`cosyn.report.methods.ANALYSIS_TOPICS`) and the figures and tables whose names
#: start with one of its prefixes (after ``analysis_``); a figure or table of no part
#: is shown in a last part of its own.
ANALYSIS_PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("differences", ("group", "gini", "theil", "sigma", "beta")),
    ("distribution", ("density",)),
    ("space", ("moran", "lisa", "level_map")),
    ("time", ("markov", "spatial_markov")),
)


def _is_markov(key: str) -> bool:
    """A Markov matrix of one series (its last row is the steady state)."""
    return key.startswith(f"{ANALYSIS_PREFIX}markov_")


def _part_of(name: str) -> str:
    bare = name[len(ANALYSIS_PREFIX) :] if name.startswith(ANALYSIS_PREFIX) else name
    for part, prefixes in ANALYSIS_PARTS:
        if bare.startswith(prefixes):
            return part
    return "other"


def _analysis(
    result: Result, lang: str, figures: Sequence[dict[str, Any]]
) -> dict[str, Any] | None:
    """Everything the Spatio-temporal analysis section shows, or None when the spec has
    no ``[analysis]``: the paragraph of what was analysed, then one part per topic that
    ran (regional differences, distribution, spatial association, transitions) with its
    methods paragraphs (:func:`analysis_methods_sections`; their works are cited in the
    Methods section's reference list), its figures and its tables
    (:func:`cosyn.report.analysis_tables.analysis_paper_tables`, sortable, a long one
    folded and paged), and the notes."""
    if result.spec.analysis is None or result.analysis is None:
        return None
    from cosyn.report.analysis_tables import analysis_paper_tables

    w = _WORDS[lang]
    methods = analysis_methods_sections(result, lang)
    tables = [
        # a Markov matrix's last row, the steady state, stays below the sorted rows
        _frame_table(t.key, t.title, t.table, len(t.table) - _is_markov(t.key), lang)
        for t in analysis_paper_tables(result, lang)
    ]
    parts = []
    for part in [p for p, _ in ANALYSIS_PARTS] + ["other"]:
        mine_f = [f for f in figures if _part_of(str(f["name"])) == part]
        mine_t = [t for t in tables if _part_of(str(t["key"])) == part]
        if part not in methods and not mine_f and not mine_t:
            continue
        parts.append(
            {
                "id": f"analysis-{part}",
                "title": w[f"analysis_{part}"],
                "methods": methods.get(part, ""),
                "figures": mine_f,
                "tables": mine_t,
            }
        )
    notes = analysis_notes(result, lang)
    return {
        "figures": list(figures),
        "overview": methods.get("overview", ""),
        "parts": parts,
        "notes": notes[:ANALYSIS_NOTES_SHOWN],
        "notes_more": notes[ANALYSIS_NOTES_SHOWN:],
    }


def _context(
    result: Result,
    figures: Mapping[str, str] | None,
    data_file: str | Path | None,
    lang: str,
    data_name: str | None = None,
    sample: Sample | None = None,
    folder: Path | None = None,
) -> dict[str, Any]:
    from cosyn import __version__

    w = _WORDS[lang]
    spec = result.spec
    E, T, n_ind = result.u.shape
    today = _dt.date.today().isoformat()
    last = _p(result.periods[result.t1[-1]])
    entities = [str(e) for e in result.entities]
    provenance: list[tuple[str, str]] = []
    if data_file is not None:
        path = Path(data_file)
        provenance += [(w["data_file"], data_name or path.name), (w["sha256"], file_sha256(path))]
    else:
        source = data_name or result.panel.source  # a data folder is named, not hashed
        provenance += [(w["data"], source), (w["sha256"], w["no_hash"])]
    model = Path(spec.source).name if spec.source else w["model_inline"]
    provenance += [(w["model"], model), (w["version"], __version__), (w["date"], today)]
    asked = _asked(result)
    base_figures, diagnostic_figures, analysis_figures = _figures(figures, w, asked)
    summary_text = _summary_text(
        result, lang, data_name or (Path(data_file).name if data_file is not None else None)
    )
    stage_counts = _stage_counts(result, lang)
    stage_counts_title = w["stage_counts"].format(p=last)
    shown: dict[str, Any] | None = None
    full: dict[str, str] | None = None
    if sample is not None:
        from cosyn.report.sample import sample_texts

        t = sample_texts(sample, lang, doc="report", base=folder)
        shown = {
            "title": t.title,
            "headline": t.headline,
            "where": t.where,
            "tables": t.tables,
            "excel": t.excel,
            "summary": t.summary if sample.summary else "",
            "entities_of": t.entities_of,
        }
        full = dict(t.tables)
        if t.folder:
            provenance.insert(1 if data_file is None else 2, (t.label_full, t.folder))
        if sample.summary:
            summary_text = sample.summary
        if sample.stage_counts is not None:
            stage_counts = [
                (name, int(n), code)
                for (name, _, code), n in zip(stage_counts, sample.stage_counts, strict=True)
            ]
            stage_counts_title = t.stages.format(p=last)
    return {
        "lang": lang,
        "w": w,
        "title": spec.title or w["title"],
        "provenance": provenance,
        "entities": entities[:_MAX_LISTED],
        "entities_more": max(0, E - _MAX_LISTED),
        "n_entities": E,
        "periods": f"{T} ({_p(result.periods[0])}–{_p(result.periods[-1])})",
        "subsystems": [
            {
                "name": s.name,
                "label": s.label if s.label and s.label != s.name else "",
                "n": len(s.indicators),
            }
            for s in spec.subsystems
        ],
        "n_indicators": n_ind,
        "indicators": _indicator_rows(result, lang),
        "method_facts": _method_facts(result, lang),
        "stage_counts": stage_counts,
        "last_period": last,
        "stage_counts_title": stage_counts_title,
        "stages_intro": _stages_intro(result, w, last),
        "card_label": w["focus"] if stage_texts(result, lang)[1] else w["meaning"],
        "summary_text": summary_text,
        "sample": shown,
        "figures": base_figures,
        "diagnostic_figures": list(diagnostic_figures.values()),
        "diagnostics": _diagnostics(result, lang, diagnostic_figures, full),
        "cards": _stage_cards(result, lang),
        "paper_tables": _paper_tables(result, lang),
        "page_rows": PAGE_ROWS,
        "methods": methods_html(result, lang, analysis=False),
        "notes": list(result.notes),
        "analysis": _analysis(result, lang, analysis_figures),
        "generated": w["generated"].format(v=__version__, d=today),
    }


def _summary_text(result: Result, lang: str, data_name: str | None) -> str:
    """The text summary in ``lang``, the data file shown by its display name."""
    from cosyn.summary import render_summary

    return render_summary(result, lang, data_name=data_name)


def render_html(
    result: Result,
    *,
    figures: Mapping[str, str] | None = None,
    data_file: str | Path | None = None,
    lang: str = "en",
    data_name: str | None = None,
    sample: Sample | None = None,
    folder: str | Path | None = None,
) -> str:
    """The HTML report of ``result`` as text (see :func:`write_html`; ``folder`` is where
    it will be written, from which the datasets of ``sample`` are shown)."""
    _check_lang(lang)
    template = _environment().get_template("report.html.j2")
    base = Path(folder) if folder is not None else None
    context = _context(result, figures, data_file, lang, data_name, sample, base)
    return template.render(**context)


def write_html(
    result: Result,
    path: str | Path,
    *,
    figures: Mapping[str, str] | None = None,
    data_file: str | Path | None = None,
    lang: str = "en",
    data_name: str | None = None,
    sample: Sample | None = None,
) -> Path:
    """Write the self-contained HTML report of ``result`` to ``path`` (atomically).

    Parameters
    ----------
    result : Result
        A fitted model.
    path : str or Path
        Where to write the ``.html`` file; parent folders are created.
    figures : mapping of str to str, optional
        Figure name (``"order_degree"``, ``"synergy_path"``, ``"synergy_heatmap"``,
        ``"weights"``, a name of :data:`DIAGNOSTIC_FIGURE_NAMES`, or any other, captioned
        by its name) → the text of an SVG document as ``savefig(format="svg")`` writes it.
        Each is inlined in a ``<figure>`` with a caption (see :func:`inline_svg`); the
        figure of a diagnostic asked for is shown in the Diagnostics section beside its
        tables (numbered on from the others and listed in the Figures section); a figure
        whose name starts with ``analysis_`` (:data:`ANALYSIS_PREFIX`, the figures of
        :func:`cosyn.report.analysis_figures.render_analysis_figures`) is shown in the
        Spatio-temporal analysis section, numbered last, and not at all when the spec has
        no ``[analysis]``.
    data_file : str or Path, optional
        The data file the model was fitted to; its name and SHA-256 are recorded.
    lang : {"en", "zh"}
        Language of the report's own words; names from the model and data are shown as
        written.
    data_name : str, optional
        The name to show for the data file (e.g. the name a web upload had), instead of
        the name of ``data_file`` on disk.
    sample : cosyn.report.sample.Sample, optional
        ``result`` holds a sample of a larger fit's entities (the Dask engine): the
        report then opens with a notice of how many of how many entities it shows, where
        each full table's Parquet dataset is and Excel's row limit; its summary shows the
        stage counts and the text summary of every entity (when ``sample`` has them).

    Returns
    -------
    Path
        ``path``.
    """
    html = render_html(
        result,
        figures=figures,
        data_file=data_file,
        lang=lang,
        data_name=data_name,
        sample=sample,
        folder=Path(path).resolve().parent,
    )
    return atomic_write_text(path, html)

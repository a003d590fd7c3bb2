"""The XLSX workbook of a fitted model: the tables papers print, a README sheet and one
sheet per result table.

Sheets, in order: first the tables as papers print them
(:func:`cosyn.report.tables.paper_tables`: descriptive statistics "Table 1", the weight
table and, when weights differ by entity, the per-entity one, the entity × period tables
of U, of each subsystem's μ and, with coupling diagnostics, of D, and the coupling
coordination table), each with its title in the first row; then ``README`` (what each
sheet holds, every parameter used, provenance, checks and notes), ``data`` (values after
imputation, imputed cells highlighted), ``bounds``, ``order_degree`` (u, wide),
``weights``, ``subsystem_order`` (μ, wide, headed by the subsystems' labels) and
``synergy`` (U with level and stage); then one sheet per diagnostic table the spec's
``[diagnostics]`` asked for (:func:`cosyn.report.diagnostic_tables`): ``grey_relation``,
``grey_cross``, ``coupling``, ``obstacles``, ``forecast``, ``robustness`` — the tidy
tables of :class:`~cosyn.result.Result` as they are (same columns, same rows), whose
parameters the README sheet lists.

Language
--------
With ``lang="zh"`` everything a person reads is Chinese: sheet names (:data:`_SHEETS_ZH`,
描述性统计, 协同度明细 …), column headers (the paper tables' words,
:func:`cosyn.report.tables.header`, and :data:`_COLUMNS_ZH` for the rest), cosyn's class
names, subsystem labels in place of TOML keys, and the README with the spec's option
values said in words (``熵值法（entropy）``). The ``data`` sheet keeps the data's own
column names in every language, so the model file reads it back. In English the result
sheets keep the result tables' column names (those of the CSV files).

Forecasts
---------
A GM(1,1) series that failed the level-ratio test was fitted after a shift; its C and P
may still meet the "good" limits, but the model does not suit the series. The forecast
sheet's grade then reads "level-ratio test failed (after shift: good)" rather than
"good", beside the level-ratio and clipped columns.

How it is written
-----------------
openpyxl builds the package — styles, README, header rows (bold, frozen), column widths,
header comments — in memory. The rows of the result tables are then streamed into the
``<sheetData>`` of those sheets as SpreadsheetML (ECMA-376 §18.3.1), one chunk at a time,
while a second thread compresses the previous chunk. Writing rows cell by cell through
openpyxl costs about 15 µs a cell; a 10,000 × 30 × 40 panel has some 31 million cells.
When pyarrow is installed the rows are formatted by Arrow compute kernels, otherwise by
``str.format`` templates; both write the same cells. The whole file is renamed into place
only when complete (:func:`cosyn.io.write.atomic_path`).

Conventions
-----------
- Numbers are written with full precision (shortest round-trip text), so a value read
  back equals the array it came from; u, μ, U and weights are *shown* with 4 decimals
  (number format ``0.0000``), and so are the grades, C, T, D, obstacle degrees, forecast
  values, percentiles and shares of the diagnostic sheets; GM(1,1)'s ``a``, ``b`` and
  ``shift`` and the rank percentiles keep Excel's General format. True/False columns
  (``weak``, ``level_ratio_ok``) are Excel booleans. Integer labels (years, region
  codes) stay numbers, dates become Excel dates, pandas periods and other labels become
  text. Integers of 16 or more digits, which Excel cannot hold exactly, are written as
  text.
- Formula safety: every text cell holds the original text as a string cell (``t`` =
  ``inlineStr``), never a formula. Text that :func:`cosyn.io.write.formula_safe` would
  escape (starting with ``= + - @``, tab or carriage return) also gets the ``quotePrefix``
  cell style — what Excel itself stores when one types ``'=1+1`` — so editing the cell
  keeps it text. No apostrophe is added to the stored value.
- Imputed cells of the ``data`` sheet have a solid fill (:data:`IMPUTED_FILL`); the
  header cell of each indicator with imputed cells carries a comment with their count,
  and the README sheet has a legend line in the same colour.
- Text keeps every character XML can hold; other control characters become U+FFFD, and
  text beyond Excel's 32,767 characters a cell is cut (ending in "…").
- A sheet keeps at most :data:`MAX_ROWS` data rows (Excel's 1,048,576 rows less the
  header, and less the title row on the paper tables' sheets); the README sheet says
  which sheet was cut and where the full table is, and so does a
  :class:`~cosyn.errors.CosynWarning`.
- A workbook of a sample of a larger fit's entities (the Dask engine, ``sample=``, a
  :class:`cosyn.report.sample.Sample`) opens its README sheet with how many of how many
  entities the sheets hold, the Parquet dataset folder of each full table, and Excel's
  row limit.
- Why not a library writer: ``benchmarks/bench_workbook.py`` writes the same result
  sheets with XlsxWriter (``constant_memory``), openpyxl (write-only) and this module.
  Both libraries write numbers with 16 significant digits, so many values read back
  differ from the result's in the last bit (9,323 of the 31,434 cells of a 31 × 12 × 30
  panel), and on a 3,000 × 20 × 30 panel they took 4× (XlsxWriter) and 17× (openpyxl)
  the time of this writer.
"""

from __future__ import annotations

import math
import numbers
import queue
import re
import threading
import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

from cosyn.errors import CosynWarning, DataError
from cosyn.io.write import atomic_path, file_sha256, formula_safe
from cosyn.methods.grey import GM11_GRADE_LIMITS
from cosyn.report import DIAGNOSTIC_TABLES, diagnostic_tables
from cosyn.report.tables import header, paper_tables
from cosyn.report.text import (
    LANGS,
    coupling_level_names,
    coupling_stage_names,
    gm11_grades,
    lag_texts,
    level_names,
    level_ratio_words,
    shown_source,
    stage_names,
)
from cosyn.spec import Method

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

    from cosyn.report.sample import Sample
    from cosyn.result import Result

__all__ = ["DECIMALS", "IMPUTED_FILL", "MAX_ROWS", "SHEETS", "write_workbook"]

#: Data rows a sheet can hold: Excel's 1,048,576 rows less the header row.
MAX_ROWS = 1_048_575
#: Names of the sheets every workbook has, in order; the diagnostic sheets asked for
#: (:func:`cosyn.report.diagnostic_tables`) follow them.
SHEETS: tuple[str, ...] = (
    "README",
    "data",
    "bounds",
    "order_degree",
    "weights",
    "subsystem_order",
    "synergy",
)
#: Fill colour (RGB hex) of imputed cells on the ``data`` sheet.
IMPUTED_FILL = "FFEB9C"
#: Number format of u, μ, U and weights (full precision is stored; 4 decimals shown).
DECIMALS = "0.0000"

#: "auto": Arrow kernels when pyarrow is installed, else Python; "python" forces Python.
_ENGINE = "auto"
#: Above this many bytes of sheet XML the package is deflated at level 1 (fast).
_FAST_DEFLATE_ABOVE = 32_000_000
#: Bytes of sheet XML formatted per chunk.
_CHUNK_BYTES = 8_000_000
_MAX_TEXT = 32_767  # characters an Excel cell holds
_MAX_EXACT_INT = 10**15  # Excel keeps 15 significant digits

# -- words of the README sheet -----------------------------------------------------------
_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "cosyn — composite system synergy: results workbook",
        "sheets": "Sheets",
        "README": "this page: what each sheet holds, every parameter used, provenance, notes",
        "data": "indicator values after imputation, one row per entity and period; imputed "
        "cells are highlighted (see the legend below) and the header of each indicator with "
        "imputed cells carries a comment giving their count",
        "bounds": "lower and upper bound of each indicator, margin included (entity '*': "
        "one set of bounds for the whole panel)",
        "order_degree": "order degree u of each indicator (efficacy coefficient), one row "
        "per entity and period, one column per indicator",
        "weights": "weight φ of each indicator within its subsystem, per entity",
        "subsystem_order": "order degree μ of each subsystem, one row per entity and period",
        "synergy": "synergy degree U from the base period to each period, with its level "
        "and development stage",
        "model": "Model",
        "spec_title": "title",
        "spec_source": "model file",
        "entity_column": "entity column",
        "period_column": "period column",
        "none": "(none)",
        "levels": "synergy levels (lower, upper]",
        "stages": "development stages (lower, upper]",
        "subsystems": "Subsystems and indicators",
        "subsystem": "subsystem",
        "label": "label",
        "column": "column",
        "indicator_label": "indicator label",
        "unit": "unit",
        "direction": "direction",
        "lower": "lower bound (given)",
        "upper": "upper bound (given)",
        "given_weight": "given weight",
        "ahp_matrix": "AHP pairwise matrix",
        "data_section": "Data",
        "data_file": "data file",
        "sha256": "data file SHA-256",
        "data_source": "data source",
        "size": "entities × periods × indicators",
        "periods_range": "periods",
        "imputed": "imputed cells",
        "imputed_value": "{n} of {total}",
        "run": "Run",
        "version": "cosyn version",
        "written": "written (UTC)",
        "language": "language",
        "checks": "Checks and notes",
        "ahp_cr": "AHP consistency ratio",
        "dropped": "dropped indicators (constant)",
        "notes": "notes and warnings",
        "truncated": "sheet {sheet!r} holds the first {kept:,} of {total:,} rows (Excel's "
        "row limit); the full table: {full}",
        "conventions": "Conventions",
        "legend": "highlight",
        "legend_text": "imputed value (filled in: impute = {impute!r})",
        "numbers": "numbers are stored with full precision; u, μ, U, weights and the numbers "
        "of the paper tables are shown with 4 decimals (weight shares in % with 2)",
        "grade_failed": "level-ratio test failed (after shift: {grade})",
        "formula": "text that starts with = + - @ is stored as text with Excel's quote "
        "prefix (as after typing an apostrophe), never as a formula",
        "data_header": "the data sheet uses the data's own column names, so the same model "
        "file reads it back: cosyn.fit(this file, model, sheet={sheet!r})",
        "imputed_comment": "{n} imputed cell(s), highlighted",
        # diagnostics (METHOD.md §6–§7)
        "grey_relation": "Deng's grey relational grade of each indicator's order degree u "
        "against its subsystem's order degree μ, per entity (ρ = {rho}, normalisation "
        "{normalize!r}); weak is TRUE when the grade is below {threshold} (a weak order "
        "parameter)",
        "grey_cross": "grey relational grade of every indicator of one subsystem (subsystem, "
        "indicator: the reference series) against every indicator of another "
        "(other_subsystem, other_indicator), per entity (ρ = {rho})",
        "coupling": "coupling degree C ({method!r} model), comprehensive development index "
        "T = Σ β_j·U_j and coupling coordination degree D = √(C·T), per entity and period, "
        "with the coordination level of D and the coupling stage of C; U_j = μ_j{rescaled}. "
        "E is the relative development degree (U_1/U_2 for two subsystems, else U_j / mean U; "
        "empty where the denominator is 0) and lag its type (edges {low} and {high})",
        "rescaled": ", min-max rescaled into [0.01, 0.99] over the panel (coupling_input = "
        "'rescale')",
        "obstacles": "the {n} indicators with the largest obstacle degree "
        "O_i = F_i·(1 − u_i) / Σ F·(1 − u), F_i = W_j·φ_i, per entity and period, rank 1 first; "
        "FI is the unscaled product F_i·(1 − u_i)",
        "forecast": "GM(1,1) fitted values (kind 'fit') and forecasts {h} period(s) ahead "
        "(kind 'forecast') of each subsystem's order degree μ (series: the subsystem) and of "
        "the synergy path (series 'synergy'), with the observed values, the coefficients a and "
        "b, the posterior error ratio C, the small-error probability P, the accuracy grade, "
        "the level-ratio outcome (passed, or shifted: fitted after adding the shift), and "
        "clipped (TRUE where a value left the range of its quantity, μ in [0, 1] or U in "
        "[−1, 1], and was clipped to it). The grade of a series that failed the level-ratio "
        "test reads 'level-ratio test failed (after shift: …)': GM(1,1) does not suit such a "
        "series, whatever C and P say",
        "robustness": "Monte Carlo over the weights and the margin ({draws} draws, Dirichlet "
        "concentration κ = {kappa}, margin a in [{lo}, {hi}], seed {seed}): the point synergy "
        "U with its median and 5th and 95th percentiles over the draws, the share of draws "
        "keeping the point's stage, and the entity's rank (1 = highest U) with its 5th and "
        "95th percentiles",
        "diag_section": "Diagnostics ([diagnostics] of the model)",
        "equal_weights": "equal (1/k each)",
        "coordination": "coordination levels of D (lower, upper]",
        "coupling_stages": "coupling stages of C (lower, upper]",
        "lag_types": "lag types of the relative development degree E",
        "gm11_grades": "GM(1,1) accuracy grades (the best whose two conditions hold)",
        "gm11_otherwise": "otherwise",
        "gm11_limit": "C < {c:g} and P > {p:g}",
    },
    "zh": {
        "title": "cosyn 复合系统协同度模型：结果工作簿",
        "sheets": "工作表",
        "README": "本页：各工作表内容、所用全部参数、数据来源与说明",
        "data": "插补后的指标数据，每行一个主体和时期；插补的单元格以底色标出（见下方图例），"
        "含插补值的指标列标题附批注说明插补个数",
        "bounds": "各指标的下限和上限（已含扩展系数；主体为 '*' 表示整个面板共用一组上下限）",
        "order_degree": "各序参量的有序度 u（功效系数），每行一个主体和时期，每列一个指标",
        "weights": "各指标在其子系统内的权重 φ（按主体）",
        "subsystem_order": "各子系统的有序度 μ，每行一个主体和时期",
        "synergy": "从基期到各时期的复合系统协同度 U，及其协同等级和发展阶段",
        "model": "模型",
        "spec_title": "标题",
        "spec_source": "模型文件",
        "entity_column": "主体列",
        "period_column": "时期列",
        "none": "（无）",
        "levels": "协同等级 (下限, 上限]",
        "stages": "发展阶段 (下限, 上限]",
        "subsystems": "子系统与指标",
        "subsystem": "子系统（模型文件中的键）",
        "label": "名称",
        "column": "列名",
        "indicator_label": "指标名称",
        "unit": "单位",
        "direction": "方向",
        "lower": "下限（给定）",
        "upper": "上限（给定）",
        "given_weight": "给定权重",
        "ahp_matrix": "AHP 判断矩阵",
        "data_section": "数据",
        "data_file": "数据文件",
        "sha256": "数据文件 SHA-256",
        "data_source": "数据来源",
        "size": "主体 × 时期 × 指标",
        "periods_range": "时期",
        "imputed": "插补单元格",
        "imputed_value": "{total} 个中的 {n} 个",
        "run": "运行",
        "version": "cosyn 版本",
        "written": "写出时间（UTC）",
        "language": "语言",
        "checks": "检验与说明",
        "ahp_cr": "AHP 一致性比率",
        "dropped": "剔除的指标（常数列）",
        "notes": "说明与警告",
        "truncated": "工作表 {sheet!r} 只含 {total:,} 行中的前 {kept:,} 行（Excel 行数上限）；"
        "完整表格见：{full}",
        "conventions": "约定",
        "legend": "底色",
        "legend_text": "插补值（插补方法 impute = {impute!r}）",
        "numbers": "数值按全精度保存；u、μ、U、权重和论文表格中的数值显示 4 位小数"
        "（权重百分比显示 2 位）",
        "grade_failed": "级比检验未通过（平移后：{grade}）",
        "formula": "以 = + - @ 开头的文本按文本保存（带 Excel 的引号前缀，如同输入时加了撇号），"
        "不会作为公式",
        "data_header": "数据工作表沿用数据本身的列名，可用同一模型文件重新读入："
        "cosyn.fit(本文件, 模型, sheet={sheet!r})",
        "imputed_comment": "{n} 个插补单元格（以底色标出）",
        # 诊断分析（METHOD.md §6–§7）
        "grey_relation": "各指标有序度 u 与其所属子系统有序度 μ 的邓氏灰色关联度（按主体；"
        "ρ = {rho}，标准化方法 {normalize!r}）；关联度低于 {threshold} 时“弱序参量”列为 TRUE",
        "grey_cross": "一个子系统的每个指标（“子系统”“指标”列，为参考序列）与另一子系统每个"
        "指标（“对比子系统”“对比指标”列）的灰色关联度（按主体；ρ = {rho}）",
        "coupling": "各子系统的耦合度 C（{method!r} 模型）、综合发展指数 T = Σ β_j·U_j 和耦合"
        "协调度 D = √(C·T)，每行一个主体和时期，并给出 D 的协调等级与 C 的耦合阶段；U_j = μ_j"
        "{rescaled}。E 为相对发展度（两个子系统时为 U_1/U_2，否则为 U_j 与各 U 均值之比；分母为 0 "
        "时留空），“滞后类型”为其类型（分界 {low} 与 {high}）",
        "rescaled": "，并在整个面板上按极差标准化到 [0.01, 0.99]（coupling_input = 'rescale'）",
        "obstacles": "障碍度 O_i = F_i·(1 − u_i) / Σ F·(1 − u)（F_i = W_j·φ_i）最大的 {n} 个"
        "指标，每个主体每一时期按名次（排名 1 为最大）排列；FI 为未标准化的乘积 F_i·(1 − u_i)",
        "forecast": "GM(1,1) 对各子系统有序度 μ（“序列”为子系统名称）和协同度路径（“序列”为"
        "“复合系统协同度 U”）的拟合值（类型为“拟合”）与向后 {h} 期的预测值（类型为“预测”），"
        "并给出观测值、系数 a 和 b、后验差比 C、小误差概率 P、精度等级、级比检验结果"
        "（通过，或未通过而平移后建模）、建模前所加的平移量，以及“超出范围被截断”（数值超出"
        "其取值范围——μ 为 [0, 1]、U 为 [−1, 1]——而被截断时为 TRUE）。未通过级比检验的序列，"
        "精度等级显示为“级比检验未通过（平移后：…）”：无论 C 和 P 如何，GM(1,1) 都不适合这样的序列",
        "robustness": "对权重和调整幅度的蒙特卡罗模拟（{draws} 次抽样，Dirichlet 集中参数 "
        "κ = {kappa}，调整幅度 a 取自 [{lo}, {hi}]，随机种子 {seed}）：拟合的协同度 U 及其在"
        "各次抽样中的中位数、第 5 与第 95 百分位数，保持拟合阶段的抽样比例，以及主体排名"
        "（1 为 U 最高）及其第 5 与第 95 百分位数",
        "diag_section": "诊断分析（模型的 [diagnostics]）",
        "equal_weights": "等权（各为 1/k）",
        "coordination": "D 的协调等级 (下限, 上限]",
        "coupling_stages": "C 的耦合阶段 (下限, 上限]",
        "lag_types": "相对发展度 E 的类型",
        "gm11_grades": "GM(1,1) 精度等级（取两个条件同时满足的最高一级）",
        "gm11_otherwise": "其他",
        "gm11_limit": "C < {c:g} 且 P > {p:g}",
    },
}

#: Sheet names in Chinese, by the sheet's key (English keeps the keys as names).
_SHEETS_ZH: dict[str, str] = {
    "README": "说明",
    "data": "数据",
    "bounds": "上下限",
    "order_degree": "指标有序度",
    "weights": "权重明细",
    "subsystem_order": "子系统有序度",
    "synergy": "协同度明细",
    "grey_relation": "灰色关联度",
    "grey_cross": "跨子系统灰色关联度",
    "coupling": "耦合协调明细",
    "obstacles": "障碍度",
    "forecast": "GM(1,1)预测",
    "robustness": "稳健性检验",
}
#: Names of the sheets of the paper tables (:func:`cosyn.report.tables.paper_tables`), by
#: the table's key, (English, Chinese); ``{}`` is the subsystem's label.
_PAPER_SHEETS: dict[str, tuple[str, str]] = {
    "descriptive": ("Table 1", "描述性统计"),
    "weights": ("Weight table", "指标权重"),
    "weights_by_entity": ("Weights by entity", "指标权重（分对象）"),
    "synergy": ("Synergy U", "协同度"),
    "order": ("Order μ {}", "有序度（{}）"),
    "coupling_wide": ("Coupling D", "耦合协调度"),
    "coupling": ("Coupling coordination", "耦合协调"),
}
#: Names of the sheets of the analysis tables
#: (:func:`cosyn.report.analysis_tables.analysis_paper_tables`), by the table's key,
#: (English, Chinese); ``{}`` is the series' label (the Markov tables come one per series).
_ANALYSIS_SHEETS: dict[str, tuple[str, str]] = {
    "analysis_group_stats": ("Group statistics", "分组统计"),
    "analysis_gini": ("Dagum Gini", "Dagum基尼系数"),
    "analysis_gini_within": ("Gini within groups", "区域内基尼系数"),
    "analysis_gini_between": ("Gini between groups", "区域间基尼系数"),
    "analysis_theil": ("Theil index", "泰尔指数"),
    "analysis_sigma": ("σ-convergence", "σ收敛"),
    "analysis_beta": ("β-convergence", "β收敛"),
    "analysis_density": ("Kernel density", "核密度"),
    "analysis_moran": ("Moran's I", "全局莫兰指数"),
    "analysis_lisa": ("LISA clusters", "LISA集聚"),
    "analysis_markov": ("Markov {}", "马尔可夫（{}）"),
    "analysis_spatial_markov": ("Spatial Markov {}", "空间马尔可夫（{}）"),
    "analysis_spatial_markov_tests": ("Spatial Markov tests", "空间马尔可夫检验"),
}
#: Columns of the analysis tables shown with 2 decimals (shares in per cent) and with
#: Excel's General format (p-values, whose small values 4 decimals would show as 0), by
#: their key in :data:`cosyn.report.analysis_tables.ANALYSIS_HEADERS`.
_ANALYSIS_PERCENT: tuple[str, ...] = ("share_Gw", "share_Gnb", "share_Gt", "share_Tw", "share_Tb")
_ANALYSIS_GENERAL: tuple[str, ...] = ("p", "p_norm", "p_sim", "LR_p", "Q_p")
#: Column headers of the result sheets in Chinese that the paper tables' words
#: (:data:`cosyn.report.tables.HEADERS`) do not hold, by sheet key and column ("*": every
#: sheet). English keeps the result tables' own column names.
_COLUMNS_ZH: dict[str, dict[str, str]] = {
    "*": {"base_period": "基期", "rank": "排名"},
    "bounds": {"lower": "下限", "upper": "上限"},
    "synergy": {"level": "协同等级", "stage": "发展阶段"},
    "grey_relation": {"grade": "灰色关联度", "weak": "弱序参量"},
    "grey_cross": {
        "grade": "灰色关联度",
        "other_subsystem": "对比子系统",
        "other_indicator": "对比指标",
    },
    "obstacles": {"obstacle": "障碍度 O", "FI": "障碍因子乘积 FI"},
    "forecast": {
        "series": "序列",
        "kind": "类型",
        "observed": "观测值",
        "value": "拟合/预测值",
        "a": "发展系数 a",
        "b": "灰色作用量 b",
        "C": "后验差比 C",
        "P": "小误差概率 P",
        "grade": "精度等级",
        "level_ratio": "级比检验",
        "level_ratio_ok": "级比检验通过",
        "shift": "平移量",
        "clipped": "超出范围被截断",
    },
    "robustness": {
        "synergy": "协同度 U",
        "median": "中位数",
        "p5": "第 5 百分位数",
        "p95": "第 95 百分位数",
        "stage_agreement": "阶段一致比例",
        "rank_p5": "排名第 5 百分位数",
        "rank_median": "排名中位数",
        "rank_p95": "排名第 95 百分位数",
    },
}
#: Columns of the result sheets named by a word of the paper tables
#: (:func:`cosyn.report.tables.header`), by sheet key ("*": every sheet).
_TABLE_WORDS: dict[str, dict[str, str]] = {
    "*": {
        "entity": "entity",
        "period": "period",
        "subsystem": "subsystem",
        "indicator": "indicator",
        "weight": "weight",
    },
    "synergy": {"synergy": "synergy"},
    "coupling": {
        "C": "C",
        "T": "T",
        "D": "D",
        "level": "level",
        "coupling_stage": "coupling_stage",
        "E": "E",
        "lag": "lag",
    },
}
#: Chinese words of cosyn's option values on the README sheet, by spec key.
_OPTIONS_ZH: dict[str, dict[str, str]] = {
    "bounds": {"entity": "按主体", "panel": "全面板"},
    "weights": {
        "entropy": "熵值法",
        "critic": "CRITIC 法",
        "cv": "变异系数法",
        "equal": "等权",
        "given": "给定权重",
        "ahp": "层次分析法（AHP）",
        "combined": "组合赋权",
    },
    "weights_scope": {"entity": "按主体", "panel": "全面板"},
    "entropy_input": {
        "order": "有序度 u",
        "minmax": "极差标准化值",
        "shift": "平移后的原始值（SPSSAU）",
        "rescale": "极差标准化到 [0.002, 0.998]",
    },
    "critic_input": {"order": "有序度 u", "minmax": "极差标准化值"},
    "aggregation": {
        "weighted_sum": "线性加权求和",
        "geometric": "几何平均",
        "weighted_geometric": "加权几何平均",
    },
    "base": {"first": "首期", "adjacent": "相邻期（环比）"},
    "impute": {"regression": "回归插补", "linear": "线性插值", "none": "不插补"},
    "on_constant": {"error": "报错", "drop": "剔除"},
    "objective": {"entropy": "熵值法", "critic": "CRITIC 法", "cv": "变异系数法", "equal": "等权"},
    "combine": {"additive": "加法组合", "multiplicative": "乘法组合"},
    "coupling": {
        "classic": "传统耦合度模型",
        "wang": "修正耦合度模型（王淑佳等，2021）",
        "fan": "离散系数耦合度模型（C = 1 − 2σ）",
    },
    "coupling_input": {"order": "有序度 μ", "rescale": "极差标准化到 [0.01, 0.99]"},
    "gra_normalize": {
        "none": "不标准化",
        "initial": "初值化",
        "mean": "均值化",
        "minmax": "极差化",
    },
}
#: What each spec key means, in Chinese, shown beside the key on the README sheet.
_KEYS_ZH: dict[str, str] = {
    "margin": "上下限扩展系数 a",
    "bounds": "上下限范围",
    "weights": "赋权方法",
    "weights_scope": "权重计算范围",
    "entropy_input": "熵值法的输入",
    "critic_input": "CRITIC 法的输入",
    "aggregation": "子系统有序度的集成方法",
    "base": "基期",
    "impute": "缺失值插补",
    "on_constant": "常数列的处理",
    "objective": "组合赋权中的客观方法",
    "combine": "组合赋权的方式",
    "combine_lambda": "组合赋权中主观权重的比重 λ",
    "allow_inconsistent_ahp": "允许 AHP 判断矩阵不一致",
    "gra": "灰色关联分析",
    "gra_rho": "分辨系数 ρ",
    "gra_threshold": "弱序参量阈值",
    "gra_normalize": "灰色关联的标准化",
    "coupling": "耦合度模型",
    "coupling_weights": "子系统权重 β",
    "coupling_input": "耦合度的输入",
    "lag_edges": "相对发展度分界",
    "obstacles": "列出的障碍因子个数",
    "obstacle_weights": "子系统权重 W",
    "forecast": "预测期数",
    "draws": "抽样次数",
    "concentration": "Dirichlet 集中参数 κ",
    "seed": "随机种子",
    "levels.edges": "协同等级分界",
    "stages.edges": "发展阶段分界",
    "diagnostics.robustness.margin": "扩展系数 a 的抽样范围",
}

#: Where the full table is when a sheet had to be cut.
_FULL: dict[str, str] = {
    "data": "order_degree.csv (columns value and imputed; `cosyn run` writes it), or "
    "result.to_xarray() in Python",
    "bounds": "result.bounds in Python (cosyn.io.write.write_csv writes it as CSV)",
    "order_degree": "order_degree.csv (`cosyn run` writes it), or result.order_degree",
    "weights": "weights.csv (`cosyn run` writes it), or result.weights",
    "subsystem_order": "subsystem_order.csv (`cosyn run` writes it), or result.subsystem_order",
    "synergy": "synergy.csv (`cosyn run` writes it), or result.synergy",
    **{name: f"{name}.csv (`cosyn run` writes it), or result.{name}" for name in DIAGNOSTIC_TABLES},
}
_FULL_ZH: dict[str, str] = {
    "data": "order_degree.csv（value 与 imputed 列；由 `cosyn run` 写出），或 Python 中的 "
    "result.to_xarray()",
    "bounds": "Python 中的 result.bounds（可用 cosyn.io.write.write_csv 写成 CSV）",
    **{
        name: f"{name}.csv（由 `cosyn run` 写出），或 Python 中的 result.{name}"
        for name in ("order_degree", "weights", "subsystem_order", "synergy", *DIAGNOSTIC_TABLES)
    },
}


# -- text and labels ---------------------------------------------------------------------
def _clean(text: str) -> str:
    """Text an XLSX cell can hold: XML-legal characters, at most 32,767 of them."""
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 1] + "…"


def _needs_quote(text: str) -> bool:
    """True when a spreadsheet would run ``text`` as a formula if typed in."""
    return formula_safe(text) != text


def _xml_escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


def _display_width(text: str) -> int:
    """Columns ``text`` takes on screen (East Asian wide characters count twice)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _s(style: int) -> str:
    """The style attribute of a cell (none for the default style 0)."""
    return f' s="{style}"' if style else ""


@dataclass(frozen=True)
class _Styles:
    """Cell style ids (indices into the workbook's ``cellXfs``)."""

    plain: int
    quoted: int
    decimals: int
    percent: int
    imputed: int
    date: int
    datetime: int


def _tail(value: Any, styles: _Styles) -> tuple[str, int]:
    """The XML of a label cell after ``<c r="A2"``, and its display width.

    Integers and finite reals stay numbers, dates become Excel dates, everything else
    (pandas periods, text, booleans) becomes text.
    """
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        if abs(int(value)) < _MAX_EXACT_INT:
            text = str(int(value))
            return f"{_s(styles.plain)}><v>{text}</v></c>", len(text)
    elif isinstance(value, numbers.Real) and not isinstance(value, bool):
        if math.isfinite(float(value)):
            text = repr(float(value))
            return f"{_s(styles.plain)}><v>{text}</v></c>", len(text)
    elif isinstance(value, datetime | date) and not pd.isna(value):
        if isinstance(value, pd.Timestamp):
            value = value.tz_localize(None) if value.tzinfo is not None else value
            value = value.to_pydatetime()
        elif isinstance(value, datetime) and value.tzinfo is not None:
            value = value.replace(tzinfo=None)
        timed = isinstance(value, datetime) and value.time() != datetime.min.time()
        style = styles.datetime if timed else styles.date
        return f"{_s(style)}><v>{to_excel(value)!r}</v></c>", 19 if timed else 10
    text = _clean(str(value))
    style = styles.quoted if _needs_quote(text) else styles.plain
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return (
        f' t="inlineStr"{_s(style)}><is><t{space}>{_xml_escape(text)}</t></is></c>',
        _display_width(text),
    )


# -- tables ------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Labels:
    """One column of labels: row ``r`` shows ``tails[codes[r]]``."""

    codes: NDArray[np.intp]
    tails: tuple[str, ...]
    width: int


@dataclass(frozen=True)
class _Numbers:
    """Numeric columns (rows × m) of one style; cells where ``alt`` is True take
    ``alt_style`` instead."""

    values: NDArray[np.float64]
    style: int
    alt: NDArray[np.bool_] | None = None
    alt_style: int = 0
    width: int = 12


_Part = _Labels | _Numbers


@dataclass
class _Table:
    """A sheet of rows: header, columns, and how many rows it has and keeps.

    ``name`` is the sheet's key (English, stable: :data:`SHEETS`, the diagnostic tables,
    ``paper:<key>`` for the paper tables); ``sheet`` the name shown (default ``name``);
    ``caption`` a title row above the header row.
    """

    name: str
    header: tuple[str, ...]
    parts: tuple[_Part, ...]
    n_rows: int
    freeze: str
    comments: dict[int, str] = field(default_factory=dict)
    sheet: str = ""
    caption: str | None = None

    @property
    def title(self) -> str:
        return self.sheet or self.name

    @property
    def top(self) -> int:
        """The row of the header (1, or 2 below a caption)."""
        return 2 if self.caption else 1

    @property
    def kept(self) -> int:
        return min(self.n_rows, MAX_ROWS + 1 - self.top)

    def widths(self) -> list[float]:
        out: list[float] = []
        for part in self.parts:
            n = 1 if isinstance(part, _Labels) else part.values.shape[1]
            out += [part.width] * n
        return [
            float(min(max(w, _display_width(h)) + 2, 60))
            for w, h in zip(out, self.header, strict=True)
        ]

    def row_bytes(self) -> int:
        """An upper estimate of one row's XML size."""
        size = 24  # <row r="1048576"></row>
        for part in self.parts:
            if isinstance(part, _Labels):  # <c r="XFD1048576" + tail
                size += 20 + max((len(t.encode()) for t in part.tails), default=0)
            else:  # <c r="XFD1048576" s="99"><v>-1.2345678901234567e-308</v></c>
                size += 64 * part.values.shape[1]
        return size


def _label_part(labels: Sequence[Any], codes: NDArray[np.intp], styles: _Styles) -> _Labels:
    """A label column; a negative code (a missing label: `pd.factorize` gives -1) is empty."""
    pairs = [_tail(v, styles) for v in labels]
    codes = np.asarray(codes, dtype=np.intp)
    tails = tuple(p[0] for p in pairs)
    if codes.size and codes.min() < 0:
        codes = np.where(codes < 0, len(tails), codes)
        tails += ("/>",)
    return _Labels(codes, tails, max((p[1] for p in pairs), default=4))


def _number_width(values: NDArray[np.float64]) -> int:
    """Width that shows a General-format number of this magnitude."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return 8
    big = float(np.abs(finite).max())
    digits = len(f"{big:.0f}") if big < 1e11 else 11
    return min(max(digits + 6, 8), 14)


def _sheet_name(key: str, lang: str) -> str:
    """The name shown for the result sheet ``key`` in ``lang``."""
    return _SHEETS_ZH.get(key, key) if lang == "zh" else key


def _column(sheet: str, column: str, lang: str, result: Result) -> str:
    """The header of ``column`` of the result sheet ``sheet``: the result table's own
    column name in English; in Chinese the words of the paper tables
    (:func:`cosyn.report.tables.header`) or of :data:`_COLUMNS_ZH`."""
    if lang != "zh":
        return column
    own = {**_COLUMNS_ZH["*"], **_COLUMNS_ZH.get(sheet, {})}
    if column in own:
        return own[column]
    words = {**_TABLE_WORDS["*"], **_TABLE_WORDS.get(sheet, {})}
    if column in words:
        return header(words[column], lang, result.spec)
    if sheet == "coupling" and column.startswith("E_"):
        labels = _subsystem_labels(result)
        return header("E_of", lang).format(labels.get(column[2:], column[2:]))
    return column


def _subsystem_labels(result: Result) -> dict[str, str]:
    """Each subsystem's label (its TOML key when it has none), by key; a label that two
    subsystems share is followed by the key, ``"Trade (city)"``, so headers stay distinct."""
    labels = {s.name: s.label or s.name for s in result.spec.subsystems}
    counts = pd.Series(list(labels.values())).value_counts()
    return {k: f"{v} ({k})" if counts[v] > 1 and v != k else v for k, v in labels.items()}


def _tables(result: Result, styles: _Styles, lang: str) -> list[_Table]:
    spec = result.spec
    E, T, n_ind = result.x.shape
    k = result.mu.shape[2]
    P = result.synergy_values.shape[1]
    entities = list(result.entities)
    periods = list(result.periods)
    indicators = list(result.indicators)
    labels = _subsystem_labels(result)
    subsystems = [labels[s] if lang == "zh" else s for s in result.subsystems]
    ent_et = _label_part(entities, np.repeat(np.arange(E), T), styles)
    per_et = _label_part(periods, np.tile(np.arange(T), E), styles)
    ind_names = tuple(indicators)
    imputed_counts = result.imputed.sum(axis=(0, 1))

    def head(sheet: str, *columns: str) -> tuple[str, ...]:
        return tuple(_column(sheet, c, lang, result) for c in columns)

    def named(sheet: str, **kwargs: Any) -> dict[str, Any]:
        return {"sheet": _sheet_name(sheet, lang), **kwargs}

    x = result.x.reshape(E * T, n_ind)
    data = _Table(
        "data",
        (spec.entity or "entity", spec.period, *ind_names),
        (
            ent_et,
            per_et,
            _Numbers(
                x,
                styles.plain,
                result.imputed.reshape(E * T, n_ind),
                styles.imputed,
                _number_width(x),
            ),
        ),
        E * T,
        "C2",
        {
            2 + i: _WORDS[lang]["imputed_comment"].format(n=int(c))
            for i, c in enumerate(imputed_counts)
            if c
        },
        **named("data"),
    )

    R = result.lower.shape[0]
    bounds_entities = entities if R == E else ["*"]
    lower = result.lower[:, 0, :].reshape(-1, 1)
    upper = result.upper[:, 0, :].reshape(-1, 1)
    bounds = _Table(
        "bounds",
        head("bounds", "entity", "indicator", "lower", "upper"),
        (
            _label_part(bounds_entities, np.repeat(np.arange(R), n_ind), styles),
            _label_part(indicators, np.tile(np.arange(n_ind), R), styles),
            _Numbers(lower, styles.plain, width=_number_width(lower)),
            _Numbers(upper, styles.plain, width=_number_width(upper)),
        ),
        R * n_ind,
        "A2",
        **named("bounds"),
    )

    order_degree = _Table(
        "order_degree",
        (*head("order_degree", "entity", "period"), *ind_names),
        (ent_et, per_et, _Numbers(result.u.reshape(E * T, n_ind), styles.decimals)),
        E * T,
        "C2",
        **named("order_degree"),
    )

    sub_index = {s: j for j, s in enumerate(result.subsystems)}
    ind_sub = np.array([sub_index[i.subsystem] for i in spec.indicators], dtype=np.intp)
    weights = _Table(
        "weights",
        head("weights", "entity", "subsystem", "indicator", "weight"),
        (
            _label_part(entities, np.repeat(np.arange(E), n_ind), styles),
            _label_part(subsystems, np.tile(ind_sub, E), styles),
            _label_part(indicators, np.tile(np.arange(n_ind), E), styles),
            _Numbers(result.weight_values.reshape(-1, 1), styles.decimals),
        ),
        E * n_ind,
        "A2",
        **named("weights"),
    )

    subsystem_order = _Table(
        "subsystem_order",  # headed by the subsystems' labels in every language
        (*head("subsystem_order", "entity", "period"), *(labels[s] for s in result.subsystems)),
        (ent_et, per_et, _Numbers(result.mu.reshape(E * T, k), styles.decimals)),
        E * T,
        "C2",
        **named("subsystem_order"),
    )

    synergy = _Table(
        "synergy",
        head("synergy", "entity", "base_period", "period", "synergy", "level", "stage"),
        (
            _label_part(entities, np.repeat(np.arange(E), P), styles),
            _label_part(periods, np.tile(result.t0, E), styles),
            _label_part(periods, np.tile(result.t1, E), styles),
            _Numbers(result.synergy_values.reshape(-1, 1), styles.decimals),
            _label_part(level_names(result, lang), result.level_codes.ravel(), styles),
            _label_part(stage_names(result, lang), result.stage_codes.ravel(), styles),
        ),
        E * P,
        "A2",
        **named("synergy"),
    )
    return [data, bounds, order_degree, weights, subsystem_order, synergy]


#: Boolean cells (``t="b"``): row code 0 is FALSE, 1 is TRUE.
_BOOL_TAILS: tuple[str, ...] = (' t="b"><v>0</v></c>', ' t="b"><v>1</v></c>')
#: Columns of the diagnostic tables shown in Excel's General format (not in [0, 1]).
_GENERAL_COLUMNS: dict[str, frozenset[str]] = {
    "coupling": frozenset({"E"}),
    "forecast": frozenset({"a", "b", "shift"}),
    "robustness": frozenset({"rank_p5", "rank_median", "rank_p95"}),
}


#: Words of the forecast sheet's ``kind`` column in Chinese.
_KIND_ZH = {"fit": "拟合", "forecast": "预测"}


def _translations(result: Result, lang: str) -> dict[str, dict[str, dict[str, str]]]:
    """Words to show for the values of the diagnostic tables, by table and column, in
    ``lang``: cosyn's own class names, and in Chinese the subsystems' labels (the spec's
    own coupling level and stage names stay as written)."""
    if lang != "zh":
        return {}
    labels = _subsystem_labels(result)
    out: dict[str, dict[str, dict[str, str]]] = {
        "grey_relation": {"subsystem": labels},
        "grey_cross": {"subsystem": labels, "other_subsystem": labels},
        "obstacles": {"subsystem": labels},
        "coupling": {
            "level": dict(
                zip(coupling_level_names(result), coupling_level_names(result, lang), strict=True)
            ),
            "coupling_stage": dict(
                zip(coupling_stage_names(result), coupling_stage_names(result, lang), strict=True)
            ),
        },
        "forecast": {
            "series": {**labels, "synergy": header("synergy", lang)},
            "kind": _KIND_ZH,
            "level_ratio": dict(zip(level_ratio_words(), level_ratio_words(lang), strict=True)),
        },
    }
    arrays = result.diagnostics
    if arrays is not None and arrays.development is not None:
        codes = arrays.development[1]
        codes = codes.reshape(-1) if codes.ndim == 2 else codes.reshape(-1, codes.shape[-1])
        names = list(labels.values())
        out["coupling"]["lag"] = dict(
            zip(lag_texts(codes, names), lag_texts(codes, names, lang), strict=True)
        )
    return out


def _forecast_grades(result: Result, lang: str) -> pd.DataFrame:
    """The forecast table with each grade as it should read: a series that failed the
    level-ratio test (``level_ratio_ok`` False, fitted after a shift) does not read
    "good" — its grade says the test failed and names the grade after the shift."""
    frame = result.forecast
    if frame.empty:
        return frame
    grades = dict(zip(gm11_grades(), gm11_grades(lang), strict=True))
    failed = _WORDS[lang]["grade_failed"]
    shown = {
        (g, ok): grades.get(g, g) if ok else failed.format(grade=grades.get(g, g))
        for g in grades
        for ok in (True, False)
    }
    out = frame.copy()
    out["grade"] = [
        shown.get((g, bool(ok)), g)
        for g, ok in zip(frame["grade"].tolist(), frame["level_ratio_ok"].tolist(), strict=True)
    ]
    return out


def _frame_table(
    name: str,
    frame: pd.DataFrame,
    styles: _Styles,
    *,
    general: frozenset[str] = frozenset(),
    words: dict[str, dict[str, str]] | None = None,
    headers: Sequence[str] | None = None,
    formats: dict[str, int] | None = None,
    freeze: str = "A2",
    sheet: str = "",
    caption: str | None = None,
) -> _Table:
    """A sheet holding the table ``frame`` as it is, one column per column.

    Booleans become Excel booleans, floats numbers (4 decimals shown, or General for the
    columns in ``general``, or the style ``formats[column]``); every other column —
    integers, text, periods, dates — goes through :func:`_label_part` (integers stay
    numbers, text is formula-safe), its distinct values renamed by ``words[column]``
    where given. Missing values give empty cells. ``headers`` replace the column names
    in the header row.
    """
    words = words or {}
    formats = formats or {}
    parts: list[_Part] = []
    for column in frame.columns:
        series = frame[column]
        if pd.api.types.is_bool_dtype(series.dtype):
            codes = series.to_numpy(dtype=bool).astype(np.intp)
            parts.append(_Labels(codes, _BOOL_TAILS, 5))
        elif pd.api.types.is_float_dtype(series.dtype):
            values = series.to_numpy(dtype=float, na_value=np.nan).reshape(-1, 1)
            if column in general:
                parts.append(_Numbers(values, styles.plain, width=_number_width(values)))
            else:
                parts.append(_Numbers(values, formats.get(str(column), styles.decimals)))
        else:
            codes, uniques = pd.factorize(series, use_na_sentinel=True)
            rename = words.get(str(column), {})
            labels = [rename.get(v, v) if isinstance(v, str) else v for v in uniques]
            parts.append(_label_part(labels, codes, styles))
    names = tuple(str(c) for c in (frame.columns if headers is None else headers))
    return _Table(name, names, tuple(parts), len(frame), freeze, sheet=sheet, caption=caption)


def _diagnostic_tables(result: Result, styles: _Styles, lang: str) -> list[_Table]:
    """A sheet for each diagnostic table ``result`` has (:func:`diagnostic_tables`)."""
    words = _translations(result, lang)
    out = []
    for name in diagnostic_tables(result):
        frame = _forecast_grades(result, lang) if name == "forecast" else getattr(result, name)
        out.append(
            _frame_table(
                name,
                frame,
                styles,
                general=_GENERAL_COLUMNS.get(name, frozenset()),
                words=words.get(name),
                headers=[_column(name, str(c), lang, result) for c in frame.columns],
                sheet=_sheet_name(name, lang),
            )
        )
    return out


def _paper_sheet(key: str, title: str, lang: str) -> str:
    """The sheet name of the paper table ``key``: at most 31 characters, none of the
    characters Excel refuses in a sheet name (``[ ] : * ? / \\``)."""
    idx = LANGS.index(lang)
    if key.startswith("order_"):
        name = _PAPER_SHEETS["order"][idx].format(title)
    else:
        name = _PAPER_SHEETS[key][idx]
    name = re.sub(r"[\[\]:*?/\\]", "_", name).strip("'")
    return name[:31]


def _unique_sheet(name: str, seen: set[str]) -> str:
    """``name``, or ``name`` cut and followed by ``~2``, ``~3`` … when a sheet of that
    name (compared case-blind, as Excel does) is in ``seen``; added to ``seen``."""
    sheet = name
    n = 1
    while sheet.lower() in seen:  # two labels cut to the same 31 characters
        n += 1
        sheet = f"{name[: 31 - len(str(n)) - 1]}~{n}"
    seen.add(sheet.lower())
    return sheet


def _paper_tables(
    result: Result, styles: _Styles, lang: str, seen: set[str] | None = None
) -> list[_Table]:
    """A sheet for each table a paper prints (:func:`cosyn.report.tables.paper_tables`):
    its title in the first row, the table below with its header frozen; numbers shown
    with 4 decimals (weight shares in % with 2), stored with full precision."""
    out = []
    labels = _subsystem_labels(result)
    seen = set() if seen is None else seen
    for table in paper_tables(result, lang):
        frame = table.table
        key = table.key
        label = labels.get(key.removeprefix("order_"), "") if key.startswith("order_") else ""
        sheet = _unique_sheet(_paper_sheet(key, label, lang), seen)
        wide = key in ("synergy", "coupling_wide") or key.startswith("order_")
        out.append(
            _frame_table(
                f"paper:{key}",
                frame,
                styles,
                formats={header("weight_pct", lang): styles.percent},
                freeze="B3" if wide else "A3",
                sheet=sheet,
                caption=table.title,
            )
        )
    return out


def _analysis_sheet(key: str, result: Result, lang: str) -> str:
    """The sheet name of the analysis table ``key`` (at most 31 characters, none that
    Excel refuses); a Markov table's name holds its series' label."""
    from cosyn.report.analysis_tables import PER_SERIES, analysis_series_label, series_key

    idx = LANGS.index(lang)
    family = next((f for f in PER_SERIES if key.startswith(f + "_")), None)
    if key in _ANALYSIS_SHEETS or family is None:  # analysis_spatial_markov_tests is one
        name = _ANALYSIS_SHEETS[key][idx]
    else:
        a = result.analysis
        assert a is not None
        table = a.markov if family == "analysis_markov" else a.spatial_markov
        tail = key.removeprefix(family + "_")
        series = next((str(s) for s in table["series"] if series_key(str(s)) == tail), tail)
        name = _ANALYSIS_SHEETS[family][idx].format(analysis_series_label(result, series, lang))
    name = re.sub(r"[\[\]:*?/\\]", "_", name).strip("'")
    return name[:31]


def _analysis_tables(result: Result, styles: _Styles, lang: str, seen: set[str]) -> list[_Table]:
    """A sheet for each table of the spatio-temporal analysis
    (:func:`cosyn.report.analysis_tables.analysis_paper_tables`), as the paper tables:
    title row, header frozen, 4 decimals shown (shares in % with 2, p-values in Excel's
    General format), full precision stored."""
    from cosyn.report.analysis_tables import ANALYSIS_HEADERS, analysis_paper_tables

    if result.spec.analysis is None:
        return []
    idx = LANGS.index(lang)
    percent = {ANALYSIS_HEADERS[k][idx]: styles.percent for k in _ANALYSIS_PERCENT}
    general = frozenset(ANALYSIS_HEADERS[k][idx] for k in _ANALYSIS_GENERAL)
    out = []
    for table in analysis_paper_tables(result, lang):
        sheet = _unique_sheet(_analysis_sheet(table.key, result, lang), seen)
        out.append(
            _frame_table(
                f"paper:{table.key}",
                table.table,
                styles,
                general=general,
                formats=percent,
                freeze="A3",
                sheet=sheet,
                caption=table.title,
            )
        )
    return out


# -- row formatting ----------------------------------------------------------------------
def _letters(table: _Table) -> list[str]:
    return [get_column_letter(j + 1) for j in range(len(table.header))]


def _templates(table: _Table, letters: list[str]) -> tuple[str, str]:
    """``str.format`` templates of a row: argument 0 is the row number, then one argument
    per label and number cell; the second template takes a style before each number."""
    plain = ['<row r="{0}">']
    styled = ['<row r="{0}">']
    col, arg, sarg = 0, 1, 1
    for part in table.parts:
        if isinstance(part, _Labels):
            plain.append(f'<c r="{letters[col]}{{0}}"{{{arg}}}')
            styled.append(f'<c r="{letters[col]}{{0}}"{{{sarg}}}')
            col, arg, sarg = col + 1, arg + 1, sarg + 1
            continue
        for _ in range(part.values.shape[1]):
            plain.append(f'<c r="{letters[col]}{{0}}"{_s(part.style)}><v>{{{arg}!r}}</v></c>')
            styled.append(f'<c r="{letters[col]}{{0}}"{{{sarg}}}><v>{{{sarg + 1}!r}}</v></c>')
            col, arg, sarg = col + 1, arg + 1, sarg + 2
    plain.append("</row>")
    styled.append("</row>")
    return "".join(plain), "".join(styled)


def _chunks_python(table: _Table, first_row: int, chunk_rows: int) -> Iterator[bytes]:
    """The rows of ``table`` as SpreadsheetML, formatted with ``str.format`` templates.

    Rows whose cells all have the part's style use one template; rows with highlighted
    cells a template that takes each cell's style; rows with a non-finite number (no
    cell, or an empty styled one) are built cell by cell.
    """
    letters = _letters(table)
    plain_template, styled_template = _templates(table, letters)
    plain, styled = plain_template.format, styled_template.format
    tails: list[Any] = [
        np.asarray(p.tails, dtype=object) if isinstance(p, _Labels) else None for p in table.parts
    ]
    for lo in range(0, table.kept, chunk_rows):
        hi = min(lo + chunk_rows, table.kept)
        n = hi - lo
        columns: list[list[Any]] = []
        styles: list[Any] = []  # None (label), one style for the column, or one per cell
        marked = np.zeros(n, dtype=bool)
        broken = np.zeros(n, dtype=bool)
        for part, tail in zip(table.parts, tails, strict=True):
            if isinstance(part, _Labels):
                columns.append(tail[part.codes[lo:hi]].tolist())
                styles.append(None)
                continue
            block = part.values[lo:hi]
            columns.append(block.tolist())
            broken |= ~np.isfinite(block).all(axis=1)
            alt = part.alt[lo:hi] if part.alt is not None else None
            if alt is None or not alt.any():
                styles.append(_s(part.style))
                continue
            marked |= alt.any(axis=1)
            styles.append(np.where(alt, _s(part.alt_style), _s(part.style)).tolist())
        rows: list[str] = []
        for i in range(n):
            r = lo + i + first_row
            if broken[i]:
                rows.append(_row_slow(table, letters, lo + i, r))
                continue
            args: list[Any] = [str(r)]  # text: format copies it into every cell reference
            if marked[i]:
                for values, attr in zip(columns, styles, strict=True):
                    if attr is None:
                        args.append(values[i])
                    elif isinstance(attr, str):
                        for v in values[i]:
                            args += (attr, v)
                    else:
                        for pair in zip(attr[i], values[i], strict=True):
                            args += pair
                rows.append(styled(*args))
                continue
            for values, attr in zip(columns, styles, strict=True):
                if attr is None:
                    args.append(values[i])
                else:
                    args.extend(values[i])
            rows.append(plain(*args))
        yield "".join(rows).encode("utf-8")


def _row_slow(table: _Table, letters: list[str], index: int, r: int) -> str:
    """One row cell by cell (rows with a non-finite number)."""
    cells = [f'<row r="{r}">']
    col = 0
    for part in table.parts:
        if isinstance(part, _Labels):
            cells.append(f'<c r="{letters[col]}{r}"{part.tails[part.codes[index]]}')
            col += 1
            continue
        alt = part.alt[index] if part.alt is not None else None
        for m, v in enumerate(part.values[index].tolist()):
            style = part.alt_style if alt is not None and alt[m] else part.style
            if math.isfinite(v):
                cells.append(f'<c r="{letters[col]}{r}"{_s(style)}><v>{v!r}</v></c>')
            elif style:  # no number to show, but keep the cell's format
                cells.append(f'<c r="{letters[col]}{r}"{_s(style)}/>')
            col += 1
    cells.append("</row>")
    return "".join(cells)


def _arrow() -> Any:
    """pyarrow (with .compute) when installed and not switched off, else None."""
    if _ENGINE == "python":
        return None
    try:
        import pyarrow as pa
        import pyarrow.compute
    except ImportError:
        return None
    return pa


def _chunks_arrow(pa: Any, table: _Table, first_row: int, chunk_rows: int) -> Iterator[bytes]:
    """The rows of ``table`` as SpreadsheetML, formatted by Arrow compute kernels.

    A chunk is one ``binary_join_element_wise`` over the pieces of every cell; Arrow
    casts floats to their shortest round-trip text, as ``repr`` does.
    """
    pc = pa.compute
    join = pc.binary_join_element_wise
    letters = _letters(table)
    tails: list[Any] = [
        pa.array(p.tails, pa.string()) if isinstance(p, _Labels) else None for p in table.parts
    ]
    for lo in range(0, table.kept, chunk_rows):
        hi = min(lo + chunk_rows, table.kept)
        rows_text = pa.array(np.arange(lo + first_row, hi + first_row, dtype=np.int64))
        rs = pc.cast(rows_text, pa.string())
        pieces: list[Any] = ['<row r="', rs, '">']
        col = 0
        for part, tail in zip(table.parts, tails, strict=True):
            if isinstance(part, _Labels):
                pieces += [f'<c r="{letters[col]}', rs, '"', tail.take(part.codes[lo:hi])]
                col += 1
                continue
            block = part.values[lo:hi]
            alt = part.alt[lo:hi] if part.alt is not None else None
            for m in range(block.shape[1]):
                column = np.ascontiguousarray(block[:, m])
                text = pc.cast(pa.array(column), pa.string())
                ref = f'<c r="{letters[col]}'
                col += 1
                marked = alt[:, m] if alt is not None and alt[:, m].any() else None
                finite = np.isfinite(column)
                if marked is None and finite.all():
                    pieces += [ref, rs, f'"{_s(part.style)}><v>', text, "</v></c>"]
                    continue
                style: Any = f'"{_s(part.style)}'
                if marked is not None:
                    style = pc.if_else(pa.array(marked), f'"{_s(part.alt_style)}', style)
                cell = join(ref, rs, style, "><v>", text, "</v></c>", "")
                if not finite.all():
                    bare = join(ref, rs, style, "/>", "")
                    styled = np.zeros_like(finite) if marked is None else marked
                    if part.style:
                        styled = np.ones_like(finite)
                    empty = pc.if_else(pa.array(styled), bare, "")
                    cell = pc.if_else(pa.array(finite), cell, empty)
                pieces.append(cell)
        pieces.append("</row>")
        rows = join(*pieces, "")
        offsets = np.frombuffer(rows.buffers()[1], dtype=np.int32)
        start = int(offsets[rows.offset])
        stop = int(offsets[rows.offset + len(rows)])
        yield memoryview(rows.buffers()[2])[start:stop].tobytes()


def _chunks(table: _Table, first_row: int) -> Iterator[bytes]:
    chunk_rows = max(64, _CHUNK_BYTES // table.row_bytes())
    pa = _arrow()
    if pa is not None:
        return _chunks_arrow(pa, table, first_row, chunk_rows)
    return _chunks_python(table, first_row, chunk_rows)


def _pump(chunks: Iterator[bytes], write: Callable[[bytes], Any]) -> None:
    """Write ``chunks`` through ``write`` in a second thread (zlib and CRC release the
    GIL, so formatting the next chunk overlaps compressing this one)."""
    pipe: queue.Queue[bytes | None] = queue.Queue(maxsize=2)
    failed: list[BaseException] = []

    def consume() -> None:
        while (item := pipe.get()) is not None:
            if failed:
                continue  # drain after a failure so the producer never blocks
            try:
                write(item)
            except BaseException as exc:
                failed.append(exc)

    worker = threading.Thread(target=consume, name="cosyn-xlsx-writer", daemon=True)
    worker.start()
    try:
        for chunk in chunks:
            if failed:
                break
            pipe.put(chunk)
    finally:
        pipe.put(None)
        worker.join()
    if failed:
        raise failed[0]


# -- the README sheet --------------------------------------------------------------------
@dataclass
class _Readme:
    """Rows of the README sheet; ``kinds`` marks title, section and header rows."""

    rows: list[list[Any]] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)

    def add(self, *values: Any, kind: str = "") -> None:
        self.rows.append(list(values))
        self.kinds.append(kind)

    def blank(self) -> None:
        self.add()


def _interval_rows(
    edges: Sequence[float], names: Sequence[str], var: str = "U"
) -> list[tuple[str, str]]:
    out = []
    for j, name in enumerate(names):
        if j == 0:
            interval = f"{var} ≤ {edges[0]:g}"
        elif j == len(edges):
            interval = f"{var} > {edges[-1]:g}"
        else:
            interval = f"({edges[j - 1]:g}, {edges[j]:g}]"
        out.append((interval, name))
    return out


def _param(value: Any) -> Any:
    """A parameter as a cell value: numbers and booleans as such, the rest as text."""
    if value is None:
        return None
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _subsystem_weights(result: Result, weights: Sequence[float] | None, w: dict[str, str]) -> str:
    """``A = 0.75, B = 0.25`` (normalised, as the spec holds them) or "equal"."""
    if weights is None:
        return w["equal_weights"]
    return ", ".join(f"{n} = {v:g}" for n, v in zip(result.subsystems, weights, strict=True))


def _option(section: str, key: str, value: Any, lang: str) -> tuple[str, Any]:
    """A README row of a spec setting: its key and its value as a cell. In Chinese the key
    is said in words beside it and cosyn's option words are translated, the spec's word
    kept beside them (``熵值法（entropy）``); true and false read 是 and 否."""
    name = f"{section}.{key}"
    value = _param(value)
    if lang != "zh":
        return name, value
    words = _OPTIONS_ZH.get(key, {})
    if isinstance(value, bool):
        value = "是" if value else "否"
    elif isinstance(value, str) and value in words:
        value = f"{words[value]}（{value}）"
    said = _KEYS_ZH.get(name, _KEYS_ZH.get(key))
    return (f"{said}（{name}）" if said else name), value


def _direction(positive: bool, lang: str) -> str:
    return header("positive" if positive else "negative", lang)


def _cut_notes(tables: list[_Table], lang: str) -> list[str]:
    """A note for each sheet cut at Excel's row limit: rows kept, rows in all, and where
    the full table is."""
    w = _WORDS[lang]
    return [
        w["truncated"].format(sheet=t.title, kept=t.kept, total=t.n_rows, full=_full(t.name, lang))
        for t in tables
        if t.n_rows > t.kept
    ]


def _source(text: str, lang: str) -> str:
    """The data source as the README shows it in ``lang``."""
    if lang != "zh":
        return text
    if text.startswith("data file "):
        return "数据文件 " + text.removeprefix("data file ")
    if text.startswith("the DataFrame"):
        rows = "（行号从 0 起）" if text.endswith("(rows counted from 0)") else ""
        return "Python 中传入的 DataFrame" + rows
    return text


def _full(key: str, lang: str) -> str:
    """Where the full table of the sheet ``key`` is, when the sheet had to be cut."""
    if key.startswith("paper:"):
        where = "cosyn.report.tables.paper_tables(result)"
        return f"Python 中的 {where}" if lang == "zh" else f"{where} in Python"
    return (_FULL_ZH if lang == "zh" else _FULL)[key]


def _diagnostic_sheet_text(result: Result, name: str, w: dict[str, str]) -> str:
    """What the diagnostic sheet ``name`` holds, with the parameters it was computed with."""
    d = result.spec.diagnostics
    if name in ("grey_relation", "grey_cross"):
        return w[name].format(
            rho=f"{d.gra_rho:g}", normalize=d.gra_normalize, threshold=f"{d.gra_threshold:g}"
        )
    if name == "coupling":
        low, high = (f"{v:g}" for v in d.lag_edges)
        rescaled = w["rescaled"] if d.coupling_input == "rescale" else ""
        return w[name].format(method=d.coupling, rescaled=rescaled, low=low, high=high)
    if name == "obstacles":
        return w[name].format(n=d.obstacles)
    if name == "forecast":
        return w[name].format(h=d.forecast)
    r = d.robustness
    assert r is not None
    return w[name].format(
        draws=r.draws,
        kappa=f"{r.concentration:g}",
        lo=f"{r.margin[0]:g}",
        hi=f"{r.margin[1]:g}",
        seed=r.seed,
    )


def _diagnostic_rows(doc: _Readme, result: Result, w: dict[str, str], lang: str) -> None:
    """The Diagnostics section: the spec's ``[diagnostics]`` keys of each diagnostic asked
    for, with their values, and the scales the diagnostic sheets use."""
    d = result.spec.diagnostics
    doc.add(w["diag_section"], kind="section")
    if not d.any:
        doc.add("诊断分析（diagnostics）" if lang == "zh" else "diagnostics", w["none"])
        return

    def add(key: str, value: Any) -> None:
        section, _, leaf = key.rpartition(".")
        doc.add(*_option(f"diagnostics{'.' if section else ''}{section}", leaf, value, lang))

    if d.gra:
        add("gra", True)
        add("gra_rho", d.gra_rho)
        add("gra_threshold", d.gra_threshold)
        add("gra_normalize", d.gra_normalize)
    if d.coupling:
        add("coupling", d.coupling)
        add("coupling_weights", _subsystem_weights(result, d.coupling_weights, w))
        add("coupling_input", d.coupling_input)
        add("lag_edges", ", ".join(f"{v:g}" for v in d.lag_edges))
    if d.obstacles:
        add("obstacles", d.obstacles)
        add("obstacle_weights", _subsystem_weights(result, d.obstacle_weights, w))
    if d.forecast:
        add("forecast", d.forecast)
    if d.robustness is not None:
        r = d.robustness
        add("robustness.draws", r.draws)
        add("robustness.concentration", r.concentration)
        add("robustness.margin", ", ".join(f"{m:g}" for m in r.margin))
        add("robustness.seed", r.seed)
    zh = lang == "zh"
    if d.coupling:
        doc.add(w["coordination"], kind="header")
        levels = coupling_level_names(result, "zh" if zh else "en")
        for interval, name in _interval_rows(d.coupling_levels.edges, levels, "D"):
            doc.add(interval, name)
        doc.add(w["coupling_stages"], kind="header")
        stages = coupling_stage_names(result, "zh" if zh else "en")
        for interval, name in _interval_rows(d.coupling_stages.edges, stages, "C"):
            doc.add(interval, name)
        doc.add(w["lag_types"], kind="header")
        low, high = (f"{v:g}" for v in d.lag_edges)
        labels = [s.label or s.name for s in result.spec.subsystems]
        lang_ = "zh" if zh else "en"
        if len(labels) == 2:
            lags = lag_texts([0, 1, 2], labels, lang_)
            var = "E"
        else:  # each subsystem's E_j = U_j / mean U
            lags = lag_texts([[0], [1], [2]], ["j"], lang_)
            var = "E_j"
        rows = (f"{var} < {low}", f"{low} ≤ {var} ≤ {high}", f"{var} > {high}")
        for interval, name in zip(rows, lags, strict=True):
            doc.add(interval, name)
    if d.forecast:
        doc.add(w["gm11_grades"], kind="header")
        grades = gm11_grades("zh" if zh else "en")
        for (c, p), grade in zip(GM11_GRADE_LIMITS, grades, strict=False):
            doc.add(w["gm11_limit"].format(c=c, p=p), grade)
        doc.add(w["gm11_otherwise"], grades[-1])


def _readme(
    result: Result,
    tables: list[_Table],
    *,
    data_file: Path | None,
    sha256: str | None,
    lang: str,
    written: str,
    data_name: str | None = None,
    sample: Sample | None = None,
    folder: Path | None = None,
) -> _Readme:
    from cosyn import __version__

    w = _WORDS[lang]
    spec = result.spec
    doc = _Readme()
    doc.add(w["title"], kind="title")
    if spec.title:
        doc.add(spec.title)
    doc.blank()
    if sample is not None:
        _sample_rows(doc, sample, lang, folder)

    doc.add(w["sheets"], kind="section")
    paper = [t for t in tables if t.caption]
    for t in paper:
        doc.add(t.title, t.caption)
    for name in SHEETS:
        doc.add(_sheet_name(name, lang), w[name])
    for name in diagnostic_tables(result):
        doc.add(_sheet_name(name, lang), _diagnostic_sheet_text(result, name, w))
    doc.blank()

    doc.add(w["model"], kind="section")
    doc.add(w["spec_title"], spec.title or w["none"])
    doc.add(w["spec_source"], spec.source or w["none"])
    doc.add(w["entity_column"], spec.entity if spec.entity is not None else w["none"])
    doc.add(w["period_column"], spec.period)
    for f in fields(Method):
        doc.add(*_option("method", f.name, getattr(spec.method, f.name), lang))
    doc.add(*_option("levels", "edges", ", ".join(f"{e:g}" for e in spec.levels.edges), lang))
    doc.add(*_option("stages", "edges", ", ".join(f"{e:g}" for e in spec.stages.edges), lang))
    doc.add(w["levels"], kind="header")
    for interval, name in _interval_rows(spec.levels.edges, level_names(result, lang)):
        doc.add(interval, name)
    doc.add(w["stages"], kind="header")
    for interval, name in _interval_rows(spec.stages.edges, stage_names(result, lang)):
        doc.add(interval, name)
    doc.blank()

    _diagnostic_rows(doc, result, w, lang)
    doc.blank()

    doc.add(w["subsystems"], kind="section")
    doc.add(
        w["subsystem"],
        w["label"],
        w["column"],
        w["indicator_label"],
        w["unit"],
        w["direction"],
        w["lower"],
        w["upper"],
        w["given_weight"],
        kind="header",
    )
    for s in spec.subsystems:
        given = dict(zip(s.columns, s.weights, strict=True)) if s.weights is not None else {}
        for ind in s.indicators:
            doc.add(
                s.name,
                s.label,
                ind.column,
                ind.label,
                ind.unit,
                _direction(ind.positive, lang) if lang == "zh" else ind.direction,
                _param(ind.lower),
                _param(ind.upper),
                _param(given.get(ind.column)),
            )
    for s in spec.subsystems:
        if s.ahp is not None:
            doc.add(f"{w['ahp_matrix']}: {s.name}", kind="header")
            doc.add("", *s.columns)
            for col, row in zip(s.columns, s.ahp, strict=True):
                doc.add(col, *row)
    doc.blank()

    doc.add(w["data_section"], kind="section")
    if data_file is not None:
        doc.add(w["data_file"], data_name or str(data_file))
        doc.add(w["sha256"], sha256)
    doc.add(w["data_source"], _source(shown_source(result, data_name), lang))
    E, T, n_ind = result.x.shape
    doc.add(w["size"], f"{E} × {T} × {n_ind}")
    if T:
        doc.add(w["periods_range"], f"{result.periods[0]} – {result.periods[-1]}")
    n_imputed = int(result.imputed.sum())
    doc.add(w["imputed"], n_imputed, w["imputed_value"].format(n=n_imputed, total=result.x.size))
    doc.blank()

    doc.add(w["run"], kind="section")
    doc.add(w["version"], __version__)
    doc.add(w["written"], written)
    doc.add(w["language"], lang)
    doc.blank()

    doc.add(w["checks"], kind="section")
    if result.ahp_cr:
        for name, cr in result.ahp_cr.items():
            doc.add(f"{w['ahp_cr']}: {name}", float(cr))
    else:
        doc.add(w["ahp_cr"], w["none"])
    doc.add(w["dropped"], ", ".join(result.dropped) if result.dropped else w["none"])
    from cosyn.report.methods import analysis_notes

    notes = [*result.notes, *analysis_notes(result, lang), *_cut_notes(tables, lang)]
    if notes:
        for note in notes:
            doc.add(w["notes"], note)
    else:
        doc.add(w["notes"], w["none"])
    doc.blank()

    doc.add(w["conventions"], kind="section")
    doc.add(w["legend"], w["legend_text"].format(impute=spec.method.impute), kind="legend")
    doc.add("", w["numbers"])
    doc.add("", w["formula"])
    doc.add("", w["data_header"].format(sheet=_sheet_name("data", lang)))
    return doc


def _sample_rows(doc: _Readme, sample: Sample, lang: str, folder: Path | None) -> None:
    """The README's first section when the workbook holds a sample of the entities: how
    many of how many, where each full table's Parquet dataset is, Excel's row limit."""
    from cosyn.report.sample import sample_texts

    t = sample_texts(sample, lang, doc="workbook", base=folder)
    doc.add(t.title, kind="section")
    doc.add(t.label_sample, t.headline, kind="sample")
    doc.add(t.label_full, t.where)
    for name, path in t.tables:
        doc.add(name, path)
    doc.add(t.label_excel, t.excel)
    doc.blank()


# -- the workbook ------------------------------------------------------------------------
def _put(ws: Worksheet, row: int, col: int, value: Any, bold: bool = False) -> Any:
    """Write one cell through openpyxl; formula-looking text stays text (quotePrefix)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, str):
        value = _clean(value)
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would take "=..." for a formula
        if _needs_quote(value):
            cell.quotePrefix = True
    if bold:
        cell.font = Font(bold=True)
    return cell


def _write_readme(ws: Worksheet, doc: _Readme) -> None:
    fill = PatternFill("solid", fgColor=IMPUTED_FILL)
    for r, (values, kind) in enumerate(zip(doc.rows, doc.kinds, strict=True), start=1):
        for c, value in enumerate(values, start=1):
            cell = _put(ws, r, c, value, bold=kind in ("section", "header") or c == 1)
            if kind == "title":
                cell.font = Font(bold=True, size=14)
            elif kind == "sample" and c == 2:
                cell.font = Font(bold=True, color="9C2A00")
            elif kind == "legend" and c == 2:
                cell.fill = fill
            if c == 2 and isinstance(value, str) and len(value) > 70:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 90
    for j in range(3, 10):
        ws.column_dimensions[get_column_letter(j)].width = 18


def _skeleton(
    wb: Workbook, tables: list[_Table], doc: _Readme, readme_at: int, lang: str
) -> tuple[bytes, dict[str, _Table]]:
    """The package with README, captions and header rows, and the zip path of each table
    sheet; the README sheet is the ``readme_at``-th sheet."""
    sheets = []
    for table in tables:
        ws = wb.create_sheet(table.title)
        if table.caption:
            _put(ws, 1, 1, table.caption).font = Font(bold=True, size=12)
        for j, (name, width) in enumerate(zip(table.header, table.widths(), strict=True), 1):
            cell = _put(ws, table.top, j, name, bold=True)
            if j - 1 in table.comments:
                cell.comment = Comment(table.comments[j - 1], "cosyn")
            ws.column_dimensions[get_column_letter(j)].width = width
        ws.freeze_panes = table.freeze
        sheets.append(ws)
    readme = wb.active
    readme.title = _sheet_name("README", lang)
    _write_readme(readme, doc)
    wb.move_sheet(readme, readme_at)
    wb.active = 0
    buffer = BytesIO()
    wb.save(buffer)
    paths = {ws.path.lstrip("/"): table for ws, table in zip(sheets, tables, strict=True)}
    return buffer.getvalue(), paths


_SHEET_DATA_END = re.compile(rb"</sheetData>|<sheetData\s*/>")
_DIMENSION = re.compile(rb'<dimension ref="[^"]*"\s*/>')


def _splice(zout: zipfile.ZipFile, name: str, xml: bytes, table: _Table) -> None:
    """Write sheet ``name``: the skeleton's XML with the table's rows inside sheetData."""
    end = _SHEET_DATA_END.search(xml)
    if end is None:
        raise RuntimeError(f"no <sheetData> in the skeleton of sheet {table.name!r}")
    last = get_column_letter(len(table.header))
    dimension = f'<dimension ref="A1:{last}{table.kept + table.top}"/>'.encode()
    head = _DIMENSION.sub(dimension, xml[: end.start()], count=1)
    if end.group(0) != b"</sheetData>":
        head += b"<sheetData>"
    tail = b"</sheetData>" + xml[end.end() :]
    big = table.kept * table.row_bytes() > 2**30  # zip64 well before the 2 GiB limit
    with zout.open(name, "w", force_zip64=big) as fh:
        fh.write(head)
        _pump(_chunks(table, first_row=table.top + 1), fh.write)
        fh.write(tail)


def write_workbook(
    result: Result,
    path: str | Path,
    *,
    data_file: str | Path | None = None,
    lang: str = "en",
    data_name: str | None = None,
    sample: Sample | None = None,
) -> Path:
    """Write the results of ``result`` as an XLSX workbook at ``path``, atomically.

    Parameters
    ----------
    result : Result
        A fitted model (:func:`cosyn.fit`).
    path : str or Path
        The ``.xlsx`` file to write; an existing file is replaced only once the new one
        is complete.
    data_file : str or Path, optional
        The data file the model was fitted on; its path and SHA-256 go on the README
        sheet (otherwise the data source text of ``result.panel``).
    lang : {"en", "zh"}
        Language of the sheet names, headers, README sheet, paper tables and cosyn's
        default level and stage names (names set in the spec are shown as written).
    data_name : str, optional
        The name to show for the data file (e.g. a web upload's own name) instead of its
        path on disk.
    sample : cosyn.report.sample.Sample, optional
        ``result`` holds a sample of a larger fit's entities (the Dask engine): the
        README sheet then opens with a section that says how many of how many entities
        the sheets show, where each full table's Parquet dataset is, and that a sheet
        holds at most 1,048,576 rows.

    Returns
    -------
    Path
        ``path``.

    Notes
    -----
    Sheets: the paper tables (:func:`cosyn.report.tables.paper_tables`, a title row above
    each) and, with an ``[analysis]`` table in the spec, the tables of the analysis
    (:func:`cosyn.report.analysis_tables.analysis_paper_tables`, one sheet each, its notes
    on the README sheet), then README, data, bounds, order_degree, weights, subsystem_order, synergy
    (:data:`SHEETS`; named in ``lang``), then a sheet for each diagnostic table asked for
    (:func:`cosyn.report.diagnostic_tables`: grey_relation, grey_cross, coupling,
    obstacles, forecast, robustness), holding the :class:`~cosyn.result.Result` table of
    that name (cosyn's coupling level, coupling stage and GM(1,1) grade names in ``lang``);
    the README sheet lists their ``[diagnostics]`` parameters. Numbers are stored with
    full precision; u, μ, U and the weights are shown with 4 decimals (:data:`DECIMALS`).
    Text from the data or the spec is stored as text, never as a formula: text that would
    run as one gets Excel's ``quotePrefix`` style rather than an apostrophe. Imputed cells
    of the data sheet have the fill :data:`IMPUTED_FILL`. A sheet with more than
    :data:`MAX_ROWS` rows keeps the first ones; the README sheet and a
    :class:`~cosyn.errors.CosynWarning` name the file that holds them all.
    """
    if lang not in LANGS:
        raise ValueError(f"language must be one of {LANGS}, got {lang!r}")
    target = Path(path)
    source: Path | None = None
    sha256: str | None = None
    if data_file is not None:
        source = Path(data_file).resolve()
        if not source.is_file():
            raise DataError(
                f"data file {str(data_file)!r} does not exist; give the file the model was "
                "fitted on (or no data_file)"
            )
        sha256 = file_sha256(source)
    written = datetime.now(UTC).replace(microsecond=0).isoformat()

    wb = Workbook()
    styles = _styles(wb)
    seen = {_sheet_name(n, lang).lower() for n in (*SHEETS, *DIAGNOSTIC_TABLES)}
    paper = _paper_tables(result, styles, lang, seen)
    paper += _analysis_tables(result, styles, lang, seen)
    tables = paper + _tables(result, styles, lang) + _diagnostic_tables(result, styles, lang)
    doc = _readme(
        result,
        tables,
        data_file=source,
        sha256=sha256,
        lang=lang,
        written=written,
        data_name=data_name,
        sample=sample,
        folder=target.resolve().parent,
    )
    skeleton, table_paths = _skeleton(wb, tables, doc, len(paper), lang)

    total = sum(t.kept * t.row_bytes() for t in tables)
    level = 1 if total > _FAST_DEFLATE_ABOVE else 6
    with (
        atomic_path(target) as tmp,
        zipfile.ZipFile(BytesIO(skeleton)) as zin,
        zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zout,
    ):
        names = set(zin.namelist())
        if not names.issuperset(table_paths):
            missing = sorted(set(table_paths) - names)
            raise RuntimeError(f"openpyxl wrote no {missing}; cannot fill those sheets")
        for info in zin.infolist():
            xml = zin.read(info.filename)
            table = table_paths.get(info.filename)
            if table is None:
                zout.writestr(info.filename, xml)
            else:
                _splice(zout, info.filename, xml, table)
    cut = _cut_notes(tables, lang)
    if cut:  # one warning for the workbook, each cut sheet said
        warnings.warn("; ".join(cut), CosynWarning, stacklevel=2)
    return target


def _styles(wb: Workbook) -> _Styles:
    """Register the cell styles the table rows use and return their ids."""
    ws = wb.active

    def style_id(**attrs: Any) -> int:
        cell = WriteOnlyCell(ws)  # a cell of no position: only its style is wanted
        for key, value in attrs.items():
            setattr(cell, key, value)
        return int(cell.style_id)

    return _Styles(
        plain=0,
        quoted=style_id(quotePrefix=True),
        decimals=style_id(number_format=DECIMALS),
        percent=style_id(number_format="0.00"),
        imputed=style_id(fill=PatternFill("solid", fgColor=IMPUTED_FILL)),
        date=style_id(number_format="yyyy-mm-dd"),
        datetime=style_id(number_format="yyyy-mm-dd hh:mm:ss"),
    )

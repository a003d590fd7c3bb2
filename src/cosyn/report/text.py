"""Words of the reports in English and Chinese: level and stage names, stage focus.

Names that a spec sets itself (``[levels]``/``[stages]`` names and focus texts) are the
user's words and are shown as written in every language; only cosyn's own default names
and texts are translated.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from cosyn.methods.coupling import (
    COORDINATION_LEVELS,
    COORDINATION_LEVELS_ZH,
    COUPLING_STAGES,
    COUPLING_STAGES_ZH,
)
from cosyn.methods.grey import GM11_GRADES
from cosyn.methods.levels import STAGE_NAMES, SYNERGY_LEVELS
from cosyn.spec import STAGE_FOCUS

if TYPE_CHECKING:
    from cosyn.result import Result

__all__ = [
    "GM11_GRADES_ZH",
    "LANGS",
    "METHOD_WORDS",
    "coordination_levels",
    "coupling_level_names",
    "coupling_stage_names",
    "coupling_stages",
    "gm11_grades",
    "lag_texts",
    "level_names",
    "level_ratio_words",
    "method_word",
    "period_text",
    "shown_source",
    "stage_focus",
    "stage_meaning",
    "stage_names",
    "stage_texts",
    "translate",
]

LANGS: tuple[str, ...] = ("en", "zh")

_LEVELS_ZH = dict(
    zip(SYNERGY_LEVELS, ("非协同", "低度协同", "中度协同", "高度协同", "极度协同"), strict=True)
)
_STAGES_ZH = dict(
    zip(STAGE_NAMES, ("未协同", "初始阶段", "发展阶段", "扩张阶段", "成熟阶段"), strict=True)
)
_FOCUS_ZH = dict(
    zip(
        STAGE_FOCUS,
        (
            "各子系统未能同步向上发展。应先找出落后或衰退的子系统及制约它的指标，"
            "再投入资源加强两者的联系。",
            "建立日常运营中的数字化联系：供需对接、生产供应链、设备运行维护协同以及"
            "劳动力与人力资源协同。",
            "继续加强供需、生产供应链、设备维护和劳动力协同的数字化联系，使不断增长的"
            "子系统保持匹配。",
            "将研发、制造、流通、销售和品牌建设与数字贸易相连接；对接产业服务平台和"
            "工业互联网平台，拓展标准化服务的边界，整合产业链上下游企业资源。",
            "推动集群内外部资源与数字贸易深度融合，着力提升数字服务贸易竞争力，并通过"
            "法规、标准和区块链等手段保障供应链内可信数据交换。",
        ),
        strict=True,
    )
)
_COUPLING_ZH = {
    **dict(zip(COORDINATION_LEVELS, COORDINATION_LEVELS_ZH, strict=True)),
    **dict(zip(COUPLING_STAGES, COUPLING_STAGES_ZH, strict=True)),
}
_TRANSLATIONS = {"zh": {**_LEVELS_ZH, **_STAGES_ZH, **_FOCUS_ZH, **_COUPLING_ZH}}

#: Lag types of the relative development degree E (METHOD.md §8): for two subsystems
#: "{1} lags", "synchronous", "{2} lags" ({1}, {2}: the subsystems' labels); for more,
#: per subsystem, "lags", "synchronous", "leads".
_LAG = {
    "en": {
        "lags": "{} lags",
        "lag": "{} lag",
        "sync": "synchronous",
        "leads": "{} leads",
        "lead": "{} lead",
        "sep": ", ",
    },
    "zh": {
        "lags": "{}滞后",
        "lag": "{}滞后",
        "sync": "同步",
        "leads": "{}超前",
        "lead": "{}超前",
        "sep": "、",
    },
}
#: The level-ratio outcome of a GM(1,1) series, beside its grade.
_LEVEL_RATIO = {"en": ("passed", "shifted"), "zh": ("通过", "未通过，平移后建模")}


#: The option values of ``[method]`` in words, by language ("entropy" → 熵值法).
METHOD_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "entropy": "entropy",
        "critic": "CRITIC",
        "cv": "coefficient of variation",
        "equal": "equal",
        "given": "given in the model",
        "ahp": "AHP",
        "combined": "combined",
        "additive": "additive",
        "multiplicative": "multiplicative",
        "weighted_sum": "weighted sum",
        "geometric": "geometric mean",
        "weighted_geometric": "weighted geometric mean",
        "regression": "regression on the period",
        "linear": "linear interpolation",
        "none": "no imputation",
        "input": "input {x}",
        "order": "order degrees",
        "minmax": "min–max scaled",
        "shift": "shifted (SPSSAU)",
        "rescale": "rescaled into [0.002, 0.998]",
        "objective": "objective weights {x}",
    },
    "zh": {
        "entropy": "熵值法",
        "critic": "CRITIC 法",
        "cv": "变异系数法",
        "equal": "等权",
        "given": "模型给定",
        "ahp": "层次分析法（AHP）",
        "combined": "组合赋权",
        "additive": "线性组合",
        "multiplicative": "乘法组合",
        "weighted_sum": "线性加权和",
        "geometric": "几何平均",
        "weighted_geometric": "加权几何平均",
        "regression": "时期回归插补",
        "linear": "线性插值",
        "none": "不插补",
        "input": "输入为{x}",
        "order": "有序度",
        "minmax": "极差标准化",
        "shift": "平移（SPSSAU）",
        "rescale": "缩放到 [0.002, 0.998]",
        "objective": "客观权重采用{x}",
    },
}


def method_word(value: str, lang: str = "en") -> str:
    """An option value of ``[method]`` in words of ``lang`` (:data:`METHOD_WORDS`);
    a value it does not know, unchanged."""
    _check(lang)
    return METHOD_WORDS[lang].get(value, value)


#: GM(1,1) accuracy grades in Chinese, index-wise with ``cosyn.methods.grey.GM11_GRADES``.
GM11_GRADES_ZH: tuple[str, ...] = ("好", "合格", "勉强合格", "不合格")


def coordination_levels(lang: str = "en") -> tuple[str, ...]:
    """The ten coordination levels of D (METHOD.md §7) in ``lang``."""
    _check(lang)
    return COORDINATION_LEVELS_ZH if lang == "zh" else COORDINATION_LEVELS


def coupling_stages(lang: str = "en") -> tuple[str, ...]:
    """The four coupling stages of C (METHOD.md §7) in ``lang``."""
    _check(lang)
    return COUPLING_STAGES_ZH if lang == "zh" else COUPLING_STAGES


def coupling_level_names(result: Result, lang: str = "en") -> tuple[str, ...]:
    """Names of the coordination levels of D in ``result``'s spec
    (``diagnostics.coupling_levels``), in ``lang``: cosyn's default names translated, the
    user's own as written."""
    return tuple(translate(n, lang) for n in result.spec.diagnostics.coupling_levels.names)


def coupling_stage_names(result: Result, lang: str = "en") -> tuple[str, ...]:
    """Names of the coupling stages of C in ``result``'s spec, in ``lang`` (as above)."""
    return tuple(translate(n, lang) for n in result.spec.diagnostics.coupling_stages.names)


def lag_texts(codes: Any, labels: Sequence[str], lang: str = "en") -> list[str]:
    """The lag type of each row of relative development codes, in ``lang``.

    ``codes`` (n,) for two subsystems — 0 "<label 1> lags", 1 "synchronous", 2 "<label 2>
    lags" — or (n, k) for more: the lagging subsystems ("A, C lag"), else the leading
    ones ("B leads"), else "synchronous" (:func:`cosyn.methods.coupling.relative_development`).
    """
    _check(lang)
    w = _LAG[lang]
    arr = np.asarray(codes)
    if arr.ndim == 1:
        texts = (w["lags"].format(labels[0]), w["sync"], w["lags"].format(labels[1]))
        return [texts[int(c)] for c in arr.tolist()]
    patterns, inverse = np.unique(arr.reshape(-1, arr.shape[-1]), axis=0, return_inverse=True)
    words = []
    for row in patterns.tolist():  # one text per distinct pattern (at most 3^k)
        lagging = [labels[j] for j, c in enumerate(row) if c == 0]
        leading = [labels[j] for j, c in enumerate(row) if c == 2]
        if lagging:
            words.append(w["lags" if len(lagging) == 1 else "lag"].format(w["sep"].join(lagging)))
        elif leading:
            words.append(w["leads" if len(leading) == 1 else "lead"].format(w["sep"].join(leading)))
        else:
            words.append(w["sync"])
    return [words[i] for i in np.ravel(inverse).tolist()]


def level_ratio_words(lang: str = "en") -> tuple[str, str]:
    """The level-ratio outcome of a GM(1,1) series: (passed, failed and shifted)."""
    _check(lang)
    return _LEVEL_RATIO[lang]


def gm11_grades(lang: str = "en") -> tuple[str, ...]:
    """The GM(1,1) accuracy grades (good, qualified, barely, unqualified) in ``lang``."""
    _check(lang)
    return GM11_GRADES_ZH if lang == "zh" else GM11_GRADES


def _check(lang: str) -> None:
    if lang not in LANGS:
        raise ValueError(f"language must be one of {LANGS}, got {lang!r}")


def translate(text: str, lang: str) -> str:
    """cosyn's own default name or text in ``lang``; any other text unchanged."""
    _check(lang)
    return _TRANSLATIONS.get(lang, {}).get(text, text)


def level_names(result: Result, lang: str = "en") -> tuple[str, ...]:
    """Names of the synergy levels of ``result``'s spec, in ``lang``."""
    return tuple(translate(n, lang) for n in result.spec.levels.names)


def stage_names(result: Result, lang: str = "en") -> tuple[str, ...]:
    """Names of the development stages of ``result``'s spec, in ``lang``."""
    return tuple(translate(n, lang) for n in result.spec.stages.names)


def stage_focus(result: Result, lang: str = "en") -> tuple[str, ...]:
    """The development focus of each stage (empty texts when the spec gives none)."""
    focus = result.spec.stages.focus or ("",) * len(result.spec.stages.names)
    return tuple(translate(f, lang) for f in focus)


#: The words of :func:`stage_meaning`: the interval of U, then what it means.
_MEANING: dict[str, dict[str, Any]] = {
    "en": {
        "since": {"first": "since the base period", "adjacent": "since the previous period"},
        "none": "not every subsystem has moved up {since} (at least one stalled or fell), so "
        "the subsystems do not develop together.",
        "mixed": "either some subsystem has not moved up {since} (U ≤ 0), or all moved up "
        "but only a little together.",
        "up": "every subsystem has moved up {since}; {size}.",
        "sizes": (
            "the joint rise is small: synergy has only begun",
            "the joint rise is moderate",
            "the joint rise is fairly large",
            "the joint rise is large: the subsystems develop together strongly",
        ),
        "only": "the joint rise grows with U",
    },
    "zh": {
        "since": {"first": "自基期以来", "adjacent": "与上一期相比"},
        "none": "{since}并非所有子系统都有提升（至少一个停滞或下降），各子系统尚未协同发展。",
        "mixed": "{since}或有子系统未提升（U ≤ 0），或各子系统均有提升但共同提升幅度很小。",
        "up": "{since}各子系统均有提升，{size}。",
        "sizes": (
            "共同提升幅度尚小，协同刚刚起步",
            "共同提升幅度中等",
            "共同提升幅度较大",
            "共同提升幅度大，各子系统协同发展程度高",
        ),
        "only": "U 越大，共同提升幅度越大",
    },
}


def _interval(lo: float | None, hi: float | None) -> str:
    if lo is None:
        return f"U ≤ {hi:g}"
    if hi is None:
        return f"U > {lo:g}"
    return f"{lo:g} < U ≤ {hi:g}"


def stage_meaning(result: Result, lang: str = "en") -> tuple[str, ...]:
    """What each development stage of ``result``'s spec means, in ``lang``, neutrally.

    One text per stage, independent of any sector: the stage's interval of U and what
    that says about the subsystems (METHOD.md §4: ``U > 0`` only when every subsystem
    moved up from the base period, and ``U`` is the geometric mean of the rises). A
    stage with ``U ≤ 0`` only says the subsystems do not move up together; a stage that
    straddles 0 says either; the stages above 0 say the joint rise is small (the lowest),
    large (the highest), moderate or fairly large (the lower and upper half of those
    between). "Since the base period" reads "since the
    previous period" when ``base = "adjacent"``.

    The stages' names are not repeated (the reports show them beside this text); the
    edges are the spec's own, so a user's ``[stages] edges`` get texts that fit them.
    """
    _check(lang)
    w = _MEANING[lang]
    since = w["since"]["adjacent" if str(result.spec.method.base) == "adjacent" else "first"]
    edges = list(result.spec.stages.edges)
    n = len(edges) + 1
    bounds = [
        (edges[i - 1] if i > 0 else None, edges[i] if i < len(edges) else None) for i in range(n)
    ]
    up = [i for i, (lo, _) in enumerate(bounds) if lo is not None and lo >= 0]
    sep = "：" if lang == "zh" else ": "
    texts = []
    for i, (lo, hi) in enumerate(bounds):
        if hi is not None and hi <= 0:
            body = w["none"].format(since=since)
        elif lo is None or lo < 0:
            body = w["mixed"].format(since=since)
        else:
            rank = up.index(i)
            if len(up) == 1:
                size = w["only"]
            elif rank == 0:
                size = w["sizes"][0]
            elif rank == len(up) - 1:
                size = w["sizes"][3]
            else:  # moderate, then fairly large in the upper half of the middle stages
                size = w["sizes"][1 + (2 * (rank - 1)) // (len(up) - 2)]
            body = w["up"].format(since=since, size=size)
        texts.append(_interval(lo, hi) + sep + body)
    return tuple(texts)


def stage_texts(result: Result, lang: str = "en") -> tuple[tuple[str, ...], bool]:
    """The text a stage card shows for each stage, and whether it is a focus.

    The spec's focus (``[stages] focus``: the paper's texts with ``focus = "zhang2023"``,
    or the user's own) when it has one; else :func:`stage_meaning`.
    """
    if any(result.spec.stages.focus):
        return stage_focus(result, lang), True
    return stage_meaning(result, lang), False


def period_text(period: Any) -> str:
    """A period label as text: dates at midnight as ``YYYY-MM-DD``, whole floats as
    integers (``2010.0`` → ``2010``), anything else as ``str``."""
    if isinstance(period, pd.Timestamp) and period == period.normalize():
        return period.strftime("%Y-%m-%d")
    if isinstance(period, float | np.floating) and float(period).is_integer():
        return str(int(period))
    return str(period)


def shown_source(result: Result, data_name: str | None) -> str:
    """Where the data came from, as the reports show it: ``data file '<data_name>'`` when
    a display name is given (a web upload's own name rather than its temporary path)."""
    return f"data file {data_name!r}" if data_name else result.panel.source

"""Guessing the entity, period and indicator columns of a data table (for ``cosyn init``).

Nothing is left out without a reason: every column that is not guessed as the entity,
the period or an indicator is listed by :func:`excluded_columns` with the row and the
cell that keep it out (``"row 42 '1,234' is text (a thousands separator …)"``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cosyn.io.read import FIRST_DATA_ROW, UNNAMED, column_labels, label_text

__all__ = [
    "LONG_INDICATOR_NAMES",
    "LONG_VALUE_NAMES",
    "ColumnGuess",
    "excluded_columns",
    "guess_columns",
    "long_columns",
    "with_long_names",
]

_PERIOD_NAMES = re.compile(
    r"^(year|years|yr|period|time|date|quarter|month|t|年|年份|年度|时间|时期|期|期间)$", re.I
)
_ENTITY_NAMES = re.compile(
    r"^(entity|region|province|city|country|state|county|cluster|industry|sector|firm|"
    r"company|id|name|地区|省份|省|省区|省市|区域|城市|国家|县|产业|行业|集群|企业|公司)$",
    re.I,
)

#: Header names of the column that holds the indicator names in long layout (compared
#: without case and surrounding spaces); ``indicator`` is the canonical one.
LONG_INDICATOR_NAMES: tuple[str, ...] = (
    "indicator",
    "variable",
    "指标",
    "指标名称",
    "变量",
    "变量名",
)
#: Header names of the column that holds the values in long layout; ``value`` canonical.
LONG_VALUE_NAMES: tuple[str, ...] = ("value", "数值", "值", "指标值")


@dataclass(frozen=True)
class ColumnGuess:
    """The columns :func:`guess_columns` found."""

    entity: str | None
    period: str | None
    indicators: tuple[str, ...]
    #: Columns whose header was blank (named "column N" by the reader): never guessed.
    unnamed: tuple[str, ...] = ()
    #: Every column (in long layout: every indicator name) left out, with the reason in
    #: words naming the row and the cell (:func:`excluded_columns`).
    excluded: tuple[tuple[str, str], ...] = ()
    #: In long layout, the columns of the indicator names and of the values; else None.
    long: tuple[str, str] | None = None


def _numbers(col: pd.Series) -> pd.Series:
    """The cells of ``col`` that are finite numbers (text of numbers included)."""
    try:
        values = pd.to_numeric(col, errors="coerce")
    except (TypeError, ValueError):  # cells pandas cannot even coerce (lists, objects)
        return pd.Series([], dtype=float)
    values = values.astype(float)
    return values[np.isfinite(values.to_numpy())]


def _looks_like_years(col: pd.Series) -> bool:
    values = _numbers(col)
    return (
        len(values) > 0
        and bool((values % 1 == 0).all())
        and bool(values.between(1800, 2200).all())
        and values.nunique() < len(values) + 1
    )


def _is_numeric(col: pd.Series) -> bool:
    """A column of numbers (or of their text) with at least one value; not true/false."""
    if pd.api.types.is_bool_dtype(col.dtype):
        return False
    if pd.api.types.is_numeric_dtype(col.dtype):
        return bool(col.notna().any())
    return len(_numbers(col)) == col.notna().sum() > 0


def long_columns(frame: pd.DataFrame) -> tuple[str, str] | None:
    """The (indicator, value) columns of a long-layout frame, or None for wide layout.

    Long layout is a frame with a column named like :data:`LONG_INDICATOR_NAMES`
    (``indicator``, ``指标``, ``变量`` …) and one named like :data:`LONG_VALUE_NAMES`
    (``value``, ``数值``, ``值`` …); ``indicator`` and ``value`` are preferred when present.
    """
    names = [str(c) for c in frame.columns]

    def find(wanted: tuple[str, ...]) -> str | None:
        for alias in wanted:  # in the order of preference
            for name in names:
                if name.strip().lower() == alias:
                    return name
        return None

    indicator, value = find(LONG_INDICATOR_NAMES), find(LONG_VALUE_NAMES)
    return (indicator, value) if indicator is not None and value is not None else None


def with_long_names(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its long-layout columns named ``indicator`` and ``value``.

    A frame in long layout under other names (:func:`long_columns`: ``指标``/``数值``,
    ``变量``/``值``, ``variable``/``value``) gets the canonical names the panel reads; any
    other frame is returned as it is. The input is not changed.
    """
    found = long_columns(frame)
    if found is None or found == ("indicator", "value"):
        return frame
    indicator, value = found
    taken = {"indicator", "value"} & {str(c) for c in frame.columns} - {indicator, value}
    if taken:  # a wide column already has a canonical name: leave the frame alone
        return frame
    renamed = frame.rename(columns={indicator: "indicator", value: "value"})
    renamed.attrs = dict(frame.attrs)
    return renamed


def guess_columns(frame: pd.DataFrame, lang: str = "en") -> ColumnGuess:
    """Guess which columns are the entity, the period and the indicators.

    Period: a column named like a period (year, period, time, date, 年份 …), else the first
    column of dates or of whole numbers between 1800 and 2200. Entity: a column named like
    an entity (region, province, cluster, 地区 …), else the first text column whose values
    repeat. Indicators: every other numeric column (text columns of numbers included) —
    or, in long layout (:func:`long_columns`), every distinct name in the indicator
    column, in order of first appearance. Column names are taken as text
    (:func:`cosyn.io.read.column_labels`: ``2020`` → ``"2020"``); columns whose header was
    blank (listed by the reader in ``frame.attrs[UNNAMED]``) are never guessed, and are
    returned in ``unnamed``. Everything left out is in ``excluded``, with its reason in
    ``lang`` ("en" or "zh"; :func:`excluded_columns`).

    Raises
    ------
    DataError
        When two columns have one name.
    """
    unnamed = tuple(frame.attrs.get(UNNAMED, ()))
    names = column_labels(list(frame.columns), "the data")
    if list(frame.columns) != names:
        frame = frame.set_axis(pd.Index(names, dtype=object), axis=1)
    long = long_columns(frame)
    columns = [c for c in names if c not in unnamed and (long is None or c not in long)]
    period = next((c for c in columns if _PERIOD_NAMES.match(c.strip())), None)
    if period is None:
        period = next(
            (
                c
                for c in columns
                if pd.api.types.is_datetime64_any_dtype(frame[c]) or _looks_like_years(frame[c])
            ),
            None,
        )
    rest = [c for c in columns if c != period]
    numeric = {c for c in rest if _is_numeric(frame[c])}
    entity = next((c for c in rest if _ENTITY_NAMES.match(c.strip())), None)
    if entity is None:
        entity = next((c for c in rest if c not in numeric and _repeats(frame[c])), None)
    excluded = _excluded(frame, names, {entity, period} - {None}, unnamed, long, _words(lang))
    if long is not None:
        indicators = _long_indicators(frame, *long, _words(lang))[0]
    else:
        indicators = tuple(c for c in rest if c in numeric and c != entity)
    return ColumnGuess(entity, period, indicators, unnamed, tuple(excluded), long)


def excluded_columns(
    frame: pd.DataFrame,
    entity: str | None = None,
    period: str | None = None,
    lang: str = "en",
) -> list[tuple[str, str]]:
    """Every column of ``frame`` that cannot be an indicator, with the reason in words.

    A reason names the row as the file shows it (the header is row 1) and the cell:
    ``"row 42 '1,234' is text (a thousands separator: write 1234)"``, ``"every cell is
    empty"``, ``"its header cell is blank; …"``. Cells read as missing (the reader's
    missing-value tokens, such as ``-`` and ``—``) are not reasons: they are missing
    values, filled by the model's imputation. The entity and period columns are not
    listed. In long layout the "columns" are the indicator names whose values are not
    numbers, and the columns the long layout does not read.

    Parameters
    ----------
    frame : DataFrame
        As :func:`cosyn.io.read.read_table` returns it.
    entity, period : str, optional
        The columns used as entity and period. When neither is given, the ones
        :func:`guess_columns` finds.
    lang : {"en", "zh"}
        Language of the reasons.

    Returns
    -------
    list of (column, reason)
        In the order of the columns (long layout: of the indicator names first).
    """
    if entity is None and period is None:
        return list(guess_columns(frame, lang).excluded)
    names = column_labels(list(frame.columns), "the data")
    if list(frame.columns) != names:
        frame = frame.set_axis(pd.Index(names, dtype=object), axis=1)
    unnamed = tuple(frame.attrs.get(UNNAMED, ()))
    axes = {entity, period} - {None}
    return _excluded(frame, names, axes, unnamed, long_columns(frame), _words(lang))


def _excluded(
    frame: pd.DataFrame,
    names: list[str],
    axes: set[str | None],
    unnamed: tuple[str, ...],
    long: tuple[str, str] | None,
    words: dict[str, str],
) -> list[tuple[str, str]]:
    """The columns (long layout: indicator names) left out, each with its reason."""
    out: list[tuple[str, str]] = []
    if long is not None:
        out += _long_indicators(frame, *long, words)[1]
    for c in names:
        if c in axes or (long is not None and c in long):
            continue
        if c in unnamed:
            out.append((c, words["blank"]))
        elif long is not None:
            out.append((c, words["beside"]))
        elif not _is_numeric(frame[c]):
            out.append((c, _why_not_numbers(frame[c], words)))
    return out


def _long_indicators(
    frame: pd.DataFrame, indicator: str, value: str, words: dict[str, str]
) -> tuple[tuple[str, ...], list[tuple[str, str]]]:
    """The indicator names of a long frame whose values are numbers, and the others."""
    labels = frame[indicator].map(label_text)
    keep: list[str] = []
    excluded: list[tuple[str, str]] = []
    for name in pd.unique(labels):
        if not str(name).strip():
            continue
        rows = np.flatnonzero((labels == name).to_numpy())
        values = frame[value].iloc[rows]
        if _is_numeric(values):
            keep.append(str(name))
        else:
            excluded.append((str(name), _why_not_numbers(values, words, rows)))
    return tuple(keep), excluded


#: The words of the reasons, in English and Chinese.
_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "blank": "its header cell is blank; write the column's name there to use it",
        "empty": "every cell is empty",
        "bool": "its cells are true/false values, not numbers",
        "dates": "its cells are dates, not numbers",
        "beside": "a column beside the long layout's indicator and value columns: not read",
        "cell": "row {row} {cell} {what}{hint}",
        "text": "is text",
        "infinite": "is not a finite number",
        "other": "is a {kind}, not a number",
        "text_column": "a text column ({first})",
        "more": "; {n} such cells in all",
        "hint": " ({hint})",
        "thousands": "a thousands separator: write 1234",
        "comma": "a decimal comma: write 1.5, not 1,5",
        "percent": "a percent sign: write the number alone (12 or 0.12) and the unit in the model",
        "unit": "a number with a unit: write the number alone and the unit in the model",
        "error": "a spreadsheet error: correct the formula",
    },
    "zh": {
        "blank": "表头单元格为空；在其中写上列名即可使用",
        "empty": "所有单元格均为空",
        "bool": "单元格是真/假值，不是数字",
        "dates": "单元格是日期，不是数字",
        "beside": "长格式中指标列和数值列以外的列：不读取",
        "cell": "第 {row} 行 {cell} {what}{hint}",
        "text": "是文本",
        "infinite": "不是有限数值",
        "other": "是 {kind} 类型，不是数字",
        "text_column": "文本列（{first}）",
        "more": "；共 {n} 个这样的单元格",
        "hint": "（{hint}）",
        "thousands": "含千位分隔符：写成 1234",
        "comma": "含小数逗号：写成 1.5，而不是 1,5",
        "percent": "含百分号：只写数字（12 或 0.12），单位写在模型中",
        "unit": "数字带单位：只写数字，单位写在模型中",
        "error": "电子表格错误值：请修正公式",
    },
}


def _words(lang: str) -> dict[str, str]:
    return _TEXTS["zh" if lang == "zh" else "en"]


#: Hints for text cells that look like numbers written for people, not programs: the
#: pattern and the key of its words in ``_TEXTS``.
_HINTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$"), "thousands"),
    (re.compile(r"^[+-]?\d+,\d+$"), "comma"),
    (re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)\s*[%％]$"), "percent"),
    (re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)\s*\D+$"), "unit"),
    (re.compile(r"^#[A-Z/0!?]+[!?]?$|^#N/A$"), "error"),
)


def _hint(cell: object, words: dict[str, str]) -> str:
    if not isinstance(cell, str):
        return ""
    text = cell.strip()
    key = next((key for pattern, key in _HINTS if pattern.match(text)), None)
    return words["hint"].format(hint=words[key]) if key else ""


def _why_not_numbers(col: pd.Series, words: dict[str, str], rows: np.ndarray | None = None) -> str:
    """Why ``col`` is not a column of numbers, naming the first offending row and cell.

    ``rows`` are the positions of ``col``'s cells in the file's frame (long layout);
    None: ``col`` is a whole column.
    """
    present = col.notna().to_numpy()
    if not present.any():
        return words["empty"]
    if pd.api.types.is_bool_dtype(col.dtype):
        return words["bool"]
    if pd.api.types.is_datetime64_any_dtype(col.dtype):
        return words["dates"]
    try:
        values = pd.to_numeric(col, errors="coerce").astype(float).to_numpy()
    except (TypeError, ValueError):
        values = np.full(len(col), np.nan)
    bad = np.flatnonzero(present & ~np.isfinite(values))
    pos = int(bad[0])
    row = (int(rows[pos]) if rows is not None else pos) + FIRST_DATA_ROW
    cell = col.iloc[pos]
    shown = cell if isinstance(cell, str) else label_text(cell)
    if not np.isnan(values[pos]):
        what = words["infinite"]
    elif isinstance(cell, str):
        what = words["text"]
    else:
        what = words["other"].format(kind=type(cell).__name__)
    first = words["cell"].format(row=row, cell=repr(shown), what=what, hint=_hint(cell, words))
    if not np.isfinite(values[present]).any():
        return words["text_column"].format(first=first)
    return first + (words["more"].format(n=bad.size) if bad.size > 1 else "")


def _repeats(col: pd.Series) -> bool:
    """True when some value of ``col`` appears more than once."""
    try:
        return bool(col.nunique() < len(col))
    except TypeError:  # unhashable cells: not an entity column
        return False

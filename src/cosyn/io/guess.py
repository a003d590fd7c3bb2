"""Guessing the entity, period and indicator columns of a data table (for ``cosyn init``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cosyn.io.read import UNNAMED, column_labels

__all__ = ["ColumnGuess", "guess_columns"]

_PERIOD_NAMES = re.compile(
    r"^(year|years|yr|period|time|date|quarter|month|t|年|年份|年度|时间|期)$", re.I
)
_ENTITY_NAMES = re.compile(
    r"^(entity|region|province|city|country|state|county|cluster|industry|sector|firm|"
    r"company|id|name|地区|省份|城市|产业|行业|集群|企业)$",
    re.I,
)


@dataclass(frozen=True)
class ColumnGuess:
    """The columns :func:`guess_columns` found."""

    entity: str | None
    period: str | None
    indicators: tuple[str, ...]
    #: Columns whose header was blank (named "column N" by the reader): never guessed.
    unnamed: tuple[str, ...] = ()


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


def guess_columns(frame: pd.DataFrame) -> ColumnGuess:
    """Guess which columns are the entity, the period and the indicators.

    Period: a column named like a period (year, period, time, date, 年份 …), else the first
    column of dates or of whole numbers between 1800 and 2200. Entity: a column named like
    an entity (region, province, cluster, 地区 …), else the first text column whose values
    repeat. Indicators: every other numeric column (text columns of numbers included).
    Column names are taken as text (:func:`cosyn.io.read.column_labels`: ``2020`` →
    ``"2020"``); columns whose header was blank (listed by the reader in
    ``frame.attrs[UNNAMED]``) are never guessed, and are returned in ``unnamed``.

    Raises
    ------
    DataError
        When two columns have one name.
    """
    unnamed = tuple(frame.attrs.get(UNNAMED, ()))
    names = column_labels(list(frame.columns), "the data")
    if list(frame.columns) != names:
        frame = frame.set_axis(pd.Index(names, dtype=object), axis=1)
    columns = [c for c in names if c not in unnamed]
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
    numeric = {
        c
        for c in rest
        if (pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c]))
        or (len(_numbers(frame[c])) == frame[c].notna().sum() > 0)
    }
    entity = next((c for c in rest if _ENTITY_NAMES.match(c.strip())), None)
    if entity is None:
        entity = next((c for c in rest if c not in numeric and _repeats(frame[c])), None)
    indicators = tuple(c for c in rest if c in numeric and c != entity)
    return ColumnGuess(entity, period, indicators, unnamed)


def _repeats(col: pd.Series) -> bool:
    """True when some value of ``col`` appears more than once."""
    try:
        return bool(col.nunique() < len(col))
    except TypeError:  # unhashable cells: not an entity column
        return False

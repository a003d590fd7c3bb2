"""Guessing the entity, period and indicator columns of a data table (for ``cosyn init``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

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


def _looks_like_years(col: pd.Series) -> bool:
    values = pd.to_numeric(col, errors="coerce").dropna()
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
    """
    columns = [str(c) for c in frame.columns]
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
        or (pd.to_numeric(frame[c], errors="coerce").notna().sum() == frame[c].notna().sum() > 0)
    }
    entity = next((c for c in rest if _ENTITY_NAMES.match(c.strip())), None)
    if entity is None:
        entity = next(
            (c for c in rest if c not in numeric and frame[c].nunique() < len(frame)), None
        )
    indicators = tuple(c for c in rest if c in numeric and c != entity)
    return ColumnGuess(entity, period, indicators)

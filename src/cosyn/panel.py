"""The labelled cube entity × period × indicator, built once at the door.

:func:`build_panel` accepts a path (CSV, XLSX, Parquet), a pandas DataFrame in wide or
long layout, or an xarray object, checks it against a :class:`~cosyn.spec.Spec` and
returns a :class:`Panel`: a float cube of shape ``(E, T, I)`` with NaN for missing cells,
plus its labels. Every problem a user can cause is a :class:`~cosyn.errors.DataError`
naming the file, row, column, entity or period. The input is never modified.

Labels are what a user sees, so they must stay apart when shown as text. Column names
are text (a number as its text, :func:`cosyn.io.read.column_labels`); two columns with
one name are an error, in a file and in a DataFrame alike. Entity labels are kept as
they are, but two labels that print alike (``0`` the number and ``"0"`` the text, as an
XLSX column of mixed cells gives; ``"north"`` and ``"north "``) are an error naming both:
cosyn does not guess whether they are one entity. Period labels are read as numbers
where they can be (``2020``, ``"2020"`` and ``2020.0`` are one period,
:func:`_orderable`), so they cannot clash; an infinite period is an error.
"""

from __future__ import annotations

import contextlib
import difflib
import itertools
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from cosyn.errors import DataError, quote
from cosyn.io.guess import with_long_names
from cosyn.io.read import FIRST_DATA_ROW, UNNAMED, column_labels, read_table
from cosyn.spec import Spec

__all__ = ["ALL_ENTITIES", "Panel", "build_panel", "panel_problems"]

#: Entity label used when the spec names no entity column.
ALL_ENTITIES = "all"
#: How many offending cells an error message quotes before saying "and N more".
_QUOTE = 5
#: Why a cell that is not blank can be empty (a CSV's NA is Namibia's ISO code too).
_NA_NOTE = (
    " (a cell reading a missing-value token — NA, N/A, NaN, NULL, None, -, —, … — counts"
    " as empty; spec key na_values sets the tokens)"
)


@dataclass(frozen=True, eq=False)
class Panel:
    """Indicator values on the axes (entity, period, indicator).

    Attributes
    ----------
    values : ndarray, shape (E, T, I)
        Float values; NaN where a cell is missing (to be imputed).
    entities, periods : pandas.Index
        Entity labels in order of first appearance; periods sorted ascending.
    indicators : tuple of str
        Indicator columns in the spec's order.
    time : ndarray, shape (T,)
        Numeric position of each period (the value itself when numeric; years for dates;
        the ordinal for pandas periods and ordered categories), used by imputation.
    source : str
        Where the data came from, for messages ("data file 'x.csv'", "the DataFrame").
    attributes : pandas.DataFrame or None
        The entity-level data columns the spec's ``[analysis]`` reads (a groups column,
        coordinate columns), one row per entity in the order of ``entities``; each was
        checked to hold one value per entity. None when the spec reads none.
    """

    values: NDArray[np.float64]
    entities: pd.Index
    periods: pd.Index
    indicators: tuple[str, ...]
    time: NDArray[np.float64]
    source: str
    entity_name: str | None
    period_name: str
    attributes: pd.DataFrame | None = None

    @property
    def shape(self) -> tuple[int, int, int]:
        e, t, i = self.values.shape
        return e, t, i


class _Origin:
    """Turns a row position of the frame into words ("row 7" of a file)."""

    def __init__(self, source: str, index: pd.Index | None) -> None:
        self.source = source
        self.index = index  # None: positions map to file lines

    def row(self, pos: int) -> str:
        if self.index is None:
            return f"row {pos + FIRST_DATA_ROW}"
        return f"row {quote(self.index[pos])}"

    def rows(self, positions: Sequence[int] | NDArray[np.intp]) -> str:
        pos = [int(p) for p in positions]
        words = ", ".join(self.row(p) for p in pos[:_QUOTE])
        more = f" and {len(pos) - _QUOTE} more" if len(pos) > _QUOTE else ""
        return words + more


def build_panel(data: Any, spec: Spec, sheet: str | int | None = None) -> Panel:
    """Normalise any supported input into a :class:`Panel` for ``spec``.

    Parameters
    ----------
    data : str, Path, pandas.DataFrame, xarray.Dataset or xarray.DataArray
        A file path; a frame in wide layout (one column per indicator) or long layout
        (columns ``indicator`` and ``value``); a Dataset with one variable per indicator;
        or a DataArray with an ``indicator`` dimension. Index levels named like the spec's
        entity or period column are used as those columns.
    spec : Spec
    sheet : str or int, optional
        Worksheet of an XLSX file.

    Raises
    ------
    DataError
    """
    frame, origin = _to_frame(data, sheet, spec)
    return _build(frame, spec, origin)


def _require_rows(frame: pd.DataFrame, origin: _Origin) -> None:
    if len(frame) == 0:
        raise DataError(
            f"{origin.source} has no rows (only the column names); it needs one row per "
            "entity and period"
        )


def _build(frame: pd.DataFrame, spec: Spec, origin: _Origin) -> Panel:
    _require_rows(frame, origin)
    if "indicator" in frame.columns and "value" in frame.columns:
        return _from_long(frame, spec, origin)
    return _from_wide(frame, spec, origin)


def panel_problems(data: Any, spec: Spec, sheet: str | int | None = None) -> list[str]:
    """Every problem :func:`build_panel` would raise, each check run on its own.

    Missing columns, empty entity or period cells, a period column that is not
    orderable, non-numeric or infinite cells, and duplicate rows are each reported, not
    only the first one found. An empty list means :func:`build_panel` succeeds.
    """
    try:
        frame, origin = _to_frame(data, sheet, spec)
    except DataError as exc:
        return [str(exc)]
    long = "indicator" in frame.columns and "value" in frame.columns
    problems: list[str] = []

    def attempt(step: Callable[[], object]) -> bool:
        try:
            step()
        except DataError as exc:
            problems.append(str(exc))
            return False
        return True

    axes = {spec.period: "period"} | ({spec.entity: "entity"} if spec.entity else {})
    if not attempt(lambda: _require_columns(frame, axes, origin)):
        return problems
    if not attempt(lambda: _require_rows(frame, origin)):
        return problems
    if not long:
        present = {c: k for c, k in _indicator_keys(spec).items() if c in frame.columns}
        attempt(lambda: _require_columns(frame, _indicator_keys(spec), origin))
        attempt(lambda: _numeric_block(frame, list(present), origin))
    attempt(lambda: _axis_keys(frame, spec, origin))
    if not problems:  # duplicates, and the long layout's own checks
        attempt(lambda: _build(frame, spec, origin))
    return problems


def _to_frame(data: Any, sheet: str | int | None, spec: Spec) -> tuple[pd.DataFrame, _Origin]:
    if isinstance(data, str | Path):
        frame = with_long_names(read_table(data, sheet, na_values=spec.na_values))
        return frame, _Origin(f"data file {str(data)!r}", None)
    if isinstance(data, pd.DataFrame):
        index = data.index if data.index.is_unique else None
        source = "the DataFrame" + ("" if index is not None else " (rows counted from 0)")
        frame = with_long_names(_labelled(_promote_index(data, spec), "the DataFrame"))
        return frame, (_Origin(source, index) if index is not None else _PositionOrigin(source))
    import xarray as xr

    if isinstance(data, xr.DataArray):
        name = data.name if data.name is not None else "value"
        frame = data.to_dataframe(name=str(name)).reset_index()
        if "indicator" in frame.columns:
            frame = frame.rename(columns={str(name): "value"})
        frame = _labelled(frame, "the xarray DataArray")
        return frame, _Origin("the xarray DataArray", frame.index)
    if isinstance(data, xr.Dataset):
        frame = _labelled(data.to_dataframe().reset_index(), "the xarray Dataset")
        return frame, _Origin("the xarray Dataset", frame.index)
    raise DataError(
        f"cannot read data of type {type(data).__name__}; give a file path (CSV, XLSX, "
        "Parquet), a pandas DataFrame or an xarray Dataset/DataArray"
    )


def _labelled(frame: pd.DataFrame, where: str) -> pd.DataFrame:
    """``frame`` with text column names (:func:`column_labels`); the input is not changed."""
    names = column_labels(list(frame.columns), where)
    if list(frame.columns) == names:
        return frame
    return frame.set_axis(pd.Index(names, dtype=object), axis=1)


def _promote_index(frame: pd.DataFrame, spec: Spec) -> pd.DataFrame:
    """Turn index levels named as the entity or period column into columns."""
    wanted = {spec.period, spec.entity} - {None}
    names = [n for n in frame.index.names if n in wanted and n not in frame.columns]
    return frame.reset_index(level=names) if names else frame


def _suggest(name: str, columns: Sequence[str]) -> str:
    lowered = {str(c).lower(): str(c) for c in columns}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
    return f" (did you mean {lowered[close[0]]!r}?)" if close else ""


def _require_columns(frame: pd.DataFrame, needed: dict[str, str], origin: _Origin) -> None:
    """``needed`` maps column name to the spec key that asks for it."""
    cols = [str(c) for c in frame.columns]
    missing = [(c, key) for c, key in needed.items() if c not in frame.columns]
    if not missing:
        return
    lines = [
        f"column {c!r} (spec key {key!r}) is not in {origin.source}{_suggest(c, cols)}"
        for c, key in missing
    ]
    shown = cols if len(cols) <= 30 else [*cols[:30], "..."]
    lines.append(f"its columns are: {', '.join(shown)}")
    unnamed = frame.attrs.get(UNNAMED) or []
    if unnamed:
        lines.append(
            f"the header cell of {', '.join(unnamed)} is blank; write the column's name there"
        )
    raise DataError("\n".join(lines))


def _indicator_keys(spec: Spec) -> dict[str, str]:
    return {i.column: f"subsystems.{i.subsystem}.indicators.{i.column}" for i in spec.indicators}


def _attribute_keys(spec: Spec) -> dict[str, str]:
    """The entity-level columns ``[analysis]`` reads, each with the spec key naming it."""
    a = spec.analysis
    if a is None or spec.entity is None:
        return {}
    keys = {c: "analysis.weights" for c in a.columns}
    if a.groups_kind == "column" and a.groups is not None:
        keys[a.groups] = "analysis.groups"
    return keys


def _attributes(
    frame: pd.DataFrame, spec: Spec, entities: pd.Index, e_codes: NDArray[np.intp], origin: _Origin
) -> pd.DataFrame | None:
    """One value per entity of each column of :func:`_attribute_keys`, or a DataError.

    A missing cell, or two different values within one entity, is an error naming the
    entity, the row(s) and the values: the analysis does not guess an entity's group.
    """
    keys = _attribute_keys(spec)
    if not keys:
        return None
    out = {}
    for column, key in keys.items():
        col = frame[column]
        bad = np.flatnonzero(col.isna().to_numpy())
        if bad.size:
            who = quote(entities[int(e_codes[int(bad[0])])])
            raise DataError(
                f"column {column!r} (spec key {key!r}) of {origin.source} is empty in "
                f"{origin.rows(bad)} (entity {who}); every row needs its entity's value{_NA_NOTE}"
            )
        codes, uniques = pd.factorize(col, sort=False)
        first_row = pd.Series(np.arange(len(col))).groupby(e_codes).first().to_numpy()
        ref = np.asarray(codes)[first_row]
        differ = np.flatnonzero(np.asarray(codes) != ref[e_codes])
        if differ.size:
            r = int(differ[0])
            e = int(e_codes[r])
            raise DataError(
                f"column {column!r} (spec key {key!r}) of {origin.source} holds two values for "
                f"entity {quote(entities[e])}: {quote(col.iloc[int(first_row[e])])} in "
                f"{origin.row(int(first_row[e]))} and {quote(col.iloc[r])} in {origin.row(r)}; "
                "it must hold one value per entity"
            )
        out[column] = pd.Index(uniques).take(ref)
    return pd.DataFrame(out, index=entities)


def _axis_keys(
    frame: pd.DataFrame, spec: Spec, origin: _Origin
) -> tuple[pd.Index, NDArray[np.intp], pd.Index, NDArray[np.intp], NDArray[np.float64]]:
    """Entity and period labels and the codes of every row."""
    periods, t_codes, time = _period_codes(frame[spec.period], spec.period, origin)
    if spec.entity is None:
        entities = pd.Index([ALL_ENTITIES], name="entity")
        e_codes = np.zeros(len(frame), dtype=np.intp)
    else:
        col = frame[spec.entity]
        bad = np.flatnonzero(col.isna().to_numpy())
        if bad.size:
            raise DataError(
                f"entity column {spec.entity!r} of {origin.source} is empty in "
                f"{origin.rows(bad)}; every row needs an entity{_NA_NOTE}"
            )
        codes, uniques = _factorize_runs(col)
        e_codes = np.asarray(codes, dtype=np.intp)
        entities = pd.Index(uniques, name=spec.entity)
        if not (
            pd.api.types.is_numeric_dtype(entities.dtype)
            or pd.api.types.is_datetime64_any_dtype(entities.dtype)
        ):
            _check_label_clash(entities, e_codes, spec.entity, origin)
    return entities, e_codes, periods, t_codes, time


def _factorize_runs(col: pd.Series) -> tuple[NDArray[np.intp], Any]:
    """``pd.factorize(col, sort=False)``, by runs of equal labels for Arrow-backed text
    and integers.

    Rows usually come entity by entity: only the first label of each run is hashed, and
    each run takes its first label's code (the same codes and uniques, first appearance
    first). Other dtypes, and columns whose first rows change label more often than
    every other row, are factorised as they are. ``col`` holds no missing label.
    """
    dtype = col.dtype
    arrow = isinstance(dtype, pd.StringDtype) and str(dtype.storage).startswith("pyarrow")
    integer = isinstance(dtype, np.dtype) and dtype.kind in "iu"
    if len(col) < _RUN_PROBE or not (arrow or integer):
        return pd.factorize(col, sort=False)

    def changes(values: Any) -> NDArray[np.bool_]:
        return np.asarray(values[1:] != values[:-1], dtype=bool)

    values = col.to_numpy() if integer else col.array
    if 2 * int(changes(values[:_RUN_PROBE]).sum()) > _RUN_PROBE:
        return pd.factorize(col, sort=False)
    starts = np.flatnonzero(changes(values)) + 1
    starts = np.concatenate(([0], starts))
    head_codes, uniques = pd.factorize(col.iloc[starts], sort=False)
    lengths = np.diff(starts, append=len(col))
    return np.repeat(np.asarray(head_codes, dtype=np.intp), lengths), uniques


#: Rows whose labels :func:`_factorize_runs` looks at before deciding to use runs.
_RUN_PROBE = 4096


def _kind(label: Any) -> str:
    if isinstance(label, str):
        return "text"
    if isinstance(label, bool | np.bool_):
        return "a truth value"
    if isinstance(label, int | float | np.integer | np.floating):
        return "a number"
    return f"a {type(label).__name__}"


def _check_label_clash(
    labels: pd.Index, codes: NDArray[np.intp], name: str, origin: _Origin
) -> None:
    """Refuse two distinct entity labels that look alike as text.

    ``0`` and ``"0"`` print alike; ``"north"`` and ``"north "`` differ only in spaces no
    table shows. Only the distinct labels are compared, never the rows.
    """
    shown = pd.Index(labels.astype(str)).str.strip()
    clash = np.flatnonzero(shown.duplicated(keep=False))
    if clash.size == 0:
        return
    text = shown[int(clash[0])]
    same = [int(k) for k in clash if shown[int(k)] == text]
    first_row = {k: int(np.flatnonzero(codes == k)[0]) for k in same[:_QUOTE]}
    parts = ", ".join(
        f"{quote(labels[k])} ({_kind(labels[k])}, {origin.row(r)})" for k, r in first_row.items()
    )
    if all(isinstance(labels[k], str) for k in same):
        todo = "they differ only in spaces before or after the name: remove those spaces"
    else:
        todo = "make the column all text (or all numbers) so that each entity has one label"
    raise DataError(
        f"entity column {name!r} of {origin.source} holds {parts}, all shown as {text!r}; "
        f"cosyn cannot tell whether they are one entity: {todo}"
    )


def _period_codes(
    col: pd.Series, name: str, origin: _Origin
) -> tuple[pd.Index, NDArray[np.intp], NDArray[np.float64]]:
    """Sorted unique periods, each row's period code, and numeric period positions."""
    bad = np.flatnonzero(col.isna().to_numpy())
    if bad.size:
        raise DataError(
            f"period column {name!r} of {origin.source} is empty in {origin.rows(bad)}; "
            f"every row needs a period{_NA_NOTE}"
        )
    values = col
    dtype = col.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        if not dtype.ordered:
            raise DataError(
                f"period column {name!r} of {origin.source} is an unordered category; "
                "make it ordered (pd.Categorical(..., ordered=True)) or use numbers or dates"
            )
        cats = dtype.categories[np.unique(col.cat.codes.to_numpy())]
        codes = pd.Index(cats).get_indexer(col)
        return pd.Index(cats, name=name), codes.astype(np.intp), np.arange(len(cats), dtype=float)
    if not (
        pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
    ) and not (pd.api.types.is_datetime64_any_dtype(dtype) or isinstance(dtype, pd.PeriodDtype)):
        values = _orderable(col, name, origin)
    codes, uniques = pd.factorize(values, sort=True)
    periods = pd.Index(uniques, name=name)
    if pd.api.types.is_datetime64_any_dtype(periods.dtype):
        time = (periods - pd.Timestamp("1970-01-01")).total_seconds().to_numpy() / (
            365.25 * 86400.0
        )
    elif isinstance(periods.dtype, pd.PeriodDtype):
        time = np.asarray(periods.asi8, dtype=float)
    else:
        time = np.asarray(periods.to_numpy(), dtype=float)
    time = np.asarray(time, dtype=float)
    if not np.isfinite(time).all():
        bad = np.flatnonzero(~np.isfinite(time))
        rows = np.flatnonzero(np.isin(codes, bad))
        raise DataError(
            f"period column {name!r} of {origin.source} holds {quote(periods[int(bad[0])])} "
            f"in {origin.rows(rows)}; a period is a finite number, a date or a period like "
            "'2020Q1'"
        )
    return periods, np.asarray(codes, dtype=np.intp), time


def _orderable(col: pd.Series, name: str, origin: _Origin) -> pd.Series:
    """Numbers or pandas periods from text period labels, or a DataError."""
    numbers = pd.to_numeric(col, errors="coerce")
    if not numbers.isna().any():
        with np.errstate(invalid="ignore"):  # an infinity is not whole: refused below
            whole = np.mod(numbers.to_numpy(dtype=float), 1) == 0
        if whole.all():
            return numbers.astype(np.int64)
        return numbers
    uniques = pd.unique(col.astype(str))
    with contextlib.suppress(ValueError, TypeError, OverflowError):  # nor like "2020Q1"
        parsed = {u: pd.Period(u) for u in uniques}
        freqs = {str(getattr(p, "freqstr", "")) for p in parsed.values()}  # NaT has none
        if len(freqs) == 1 and "" not in freqs:
            return col.astype(str).map(parsed).astype(pd.PeriodDtype(next(iter(freqs))))
    bad = np.flatnonzero(numbers.isna().to_numpy())
    example = col.iloc[int(bad[0])]
    raise DataError(
        f"period column {name!r} of {origin.source} is not orderable: {example!r} in "
        f"{origin.row(int(bad[0]))} is neither a number nor a date or period like "
        "'2020Q1'; use numbers (2010, 2011, ...), dates, or an ordered category"
    )


def _check_duplicates(
    keys: NDArray[np.intp],
    size: int,
    origin: _Origin,
    describe: Callable[[int], str],
    unit: str,
) -> None:
    counts = np.bincount(keys, minlength=size)
    dup = np.flatnonzero(counts > 1)
    if dup.size == 0:
        return
    first = int(dup[0])
    rows = np.flatnonzero(keys == first)
    raise DataError(
        f"{describe(first)} appears {int(counts[first])} times in {origin.source} "
        f"({origin.rows(rows)}); keep one row per {unit}"
        + (f" ({dup.size} duplicated in all)" if dup.size > 1 else "")
    )


def _is_number_column(col: pd.Series) -> bool:
    """A column of numbers as stored (not text, not truth values)."""
    return _is_number_dtype(col.dtype)


def _is_number_dtype(dtype: Any) -> bool:
    return bool(pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype))


def _number_columns(frame: pd.DataFrame, columns: Sequence[str]) -> list[bool]:
    """:func:`_is_number_column` of each of ``columns``, from the frame's dtypes (no
    column is taken out of the frame as a Series)."""
    if not frame.columns.is_unique:
        return [_is_number_column(frame[c]) for c in columns]
    dtypes = frame.dtypes
    return [_is_number_dtype(dtypes[c]) for c in columns]


def _numeric_block(
    frame: pd.DataFrame,
    columns: Sequence[str],
    origin: _Origin,
    copied: Future[tuple[NDArray[np.float64], bool]] | None = None,
) -> NDArray[np.float64]:
    """The indicator columns as floats; non-numeric and infinite cells are errors.

    ``copied`` is the copy of the columns already under way (:func:`_copy_ahead`), used
    when no column needs reading as text.
    """
    problems: list[str] = []
    converted: dict[str, Any] = {}
    for c, number in zip(columns, _number_columns(frame, columns), strict=True):
        if number:
            continue
        col = frame[c]
        as_text = col.astype("string").str.strip()
        blank = as_text.isna() | (as_text == "")
        numbers = pd.to_numeric(as_text.where(~blank), errors="coerce")
        bad = np.flatnonzero((numbers.isna() & ~blank).to_numpy())
        if bad.size:
            cells = ", ".join(
                f"{origin.row(int(p))} {quote(col.iloc[int(p)])}" for p in bad[:_QUOTE]
            )
            more = f" and {bad.size - _QUOTE} more" if bad.size > _QUOTE else ""
            problems.append(f"column {c!r}: {cells}{more}")
        converted[c] = numbers.to_numpy(dtype=float, na_value=np.nan)
    if problems:
        raise DataError(
            f"non-numeric cells in {origin.source}:\n  "
            + "\n  ".join(problems)
            + "\nindicator cells must be numbers (leave a cell empty if the value is missing; "
            "remove units and thousands separators; write decimals with a point, 1.5 not 1,5)"
        )
    if converted:
        block = np.column_stack(
            [converted[c] if c in converted else frame[c].to_numpy(dtype=float) for c in columns]
        )
        if block.size == 0:
            return block
        with np.errstate(over="ignore", invalid="ignore"):  # 1e308 − (−1e308) is no error
            finite = bool(np.isfinite(block.max()) and np.isfinite(block.min()))
    else:
        # C order (entity-period rows, indicators contiguous): every later pass over the
        # cube runs along memory. This is also the one copy that keeps the input apart.
        block, finite = (
            copied.result()
            if copied is not None
            else _c_ordered(frame[list(columns)].to_numpy(dtype=float, na_value=np.nan))
        )
    if finite:
        return block  # no NaN and no infinity anywhere
    infinite = np.isinf(block)
    if infinite.any():
        r, k = np.nonzero(infinite)
        cells = ", ".join(
            f"{origin.row(int(a))} column {columns[int(b)]!r}"
            for a, b in zip(r[:_QUOTE], k[:_QUOTE], strict=True)
        )
        raise DataError(
            f"infinite values in {origin.source}: {cells}"
            f"{f' and {r.size - _QUOTE} more' if r.size > _QUOTE else ''}; "
            "replace them with finite numbers or leave the cells empty"
        )
    return block


#: Cells copied at a time by :func:`_c_ordered` (640 KiB: a piece is summed in cache).
_COPY_CELLS = 81_920
#: Most columns of a piece :func:`_c_ordered` copies together (fewer streams to read).
_COPY_COLUMNS = 20
#: Fewest rows per thread when :func:`_c_ordered` splits a copy between the cores.
_MIN_THREAD_ROWS = 65_536


def _c_ordered(src: NDArray[np.float64]) -> tuple[NDArray[np.float64], bool]:
    """A C-ordered copy of a (rows, columns) block, and whether every cell is finite.

    A pandas frame holds its float columns as one (columns, rows) array, so the copy is
    a transposition: it is made a few thousand rows at a time, a few columns at a time
    (in threads on a large frame; NumPy releases the GIL while it copies), and each
    piece is summed while it is in cache. A finite sum means no NaN and no infinity;
    any other sum (a NaN, an infinity, or finite values whose sum overflows) is told
    apart by the caller.
    """
    n, m = src.shape
    out = np.empty((n, m))
    if out.size == 0:
        return out, True
    step = max(1, _COPY_CELLS // m)
    width = -(-m // -(-m // _COPY_COLUMNS))  # groups of at most _COPY_COLUMNS, even
    finite: list[bool] = []

    def part(rows: slice) -> None:
        ok = True
        with np.errstate(over="ignore", invalid="ignore"):  # 1e308 + 1e308 is no error
            for a in range(rows.start, rows.stop, step):
                b = min(a + step, rows.stop)
                piece = out[a:b]
                for c in range(0, m, width):
                    np.copyto(piece[:, c : c + width], src[a:b, c : c + width])
                ok = ok and bool(np.isfinite(piece.sum()))
        finite.append(ok)

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    k = max(1, min(cores or 1, n // _MIN_THREAD_ROWS))
    if k == 1:
        part(slice(0, n))
    else:  # four parts a thread, taken by whichever thread is free
        edges = [n * j // (4 * k) for j in range(4 * k + 1)]
        with ThreadPoolExecutor(k) as pool:
            for done in [pool.submit(part, slice(a, b)) for a, b in itertools.pairwise(edges)]:
                done.result()
    return out, all(finite)


def _copy_ahead(
    frame: pd.DataFrame, columns: Sequence[str]
) -> Future[tuple[NDArray[np.float64], bool]] | None:
    """Start :func:`_c_ordered` on a large frame's indicator columns in a thread, so that
    the copy runs while the entity and period labels are read; None when a column needs
    reading as text, or the frame is small."""
    if len(frame) < _MIN_THREAD_ROWS or not all(_number_columns(frame, columns)):
        return None
    values = frame[list(columns)].to_numpy(dtype=float, na_value=np.nan)
    pool = ThreadPoolExecutor(1)
    try:
        return pool.submit(_c_ordered, values)
    finally:
        pool.shutdown(wait=False)


def _from_wide(frame: pd.DataFrame, spec: Spec, origin: _Origin) -> Panel:
    needed = {spec.period: "period"}
    if spec.entity is not None:
        needed[spec.entity] = "entity"
    needed.update(_indicator_keys(spec))
    needed.update(_attribute_keys(spec))
    _require_columns(frame, needed, origin)
    columns = list(spec.columns)
    copied = _copy_ahead(frame, columns)
    entities, e_codes, periods, t_codes, time = _axis_keys(frame, spec, origin)
    E, T = len(entities), len(periods)
    keys = e_codes * T + t_codes
    # rows entity by entity, period by period, each cell once: nothing to check or place
    in_order = len(keys) == E * T and np.array_equal(keys, np.arange(E * T))
    if not in_order:
        _check_duplicates(
            keys,
            E * T,
            origin,
            lambda k: _describe_cell(spec, entities, periods, k, T),
            "entity and period"
            if spec.entity
            else "period (if the data holds several entities, name their column with spec "
            "key 'entity')",
        )
    block = _numeric_block(frame, columns, origin, copied)
    if in_order:
        cube = block.reshape(E, T, len(columns))
    else:
        cube = np.full((E, T, len(columns)), np.nan)
        cube[e_codes, t_codes] = block
    return Panel(
        cube,
        entities,
        periods,
        tuple(columns),
        time,
        origin.source,
        spec.entity,
        spec.period,
        _attributes(frame, spec, entities, e_codes, origin),
    )


def _describe_cell(spec: Spec, entities: pd.Index, periods: pd.Index, key: int, T: int) -> str:
    e, t = divmod(key, T)
    who = f"entity {quote(entities[e])}, " if spec.entity is not None else ""
    return f"{who}period {quote(periods[t])}"


def _from_long(frame: pd.DataFrame, spec: Spec, origin: _Origin) -> Panel:
    needed = {spec.period: "period", "indicator": "(long layout)", "value": "(long layout)"}
    if spec.entity is not None:
        needed[spec.entity] = "entity"
    needed.update(_attribute_keys(spec))
    _require_columns(frame, needed, origin)
    columns = list(spec.columns)
    names = frame["indicator"].astype(str)
    present = set(pd.unique(names))
    missing = [c for c in columns if c not in present]
    if missing:
        keys = _indicator_keys(spec)
        raise DataError(
            "\n".join(
                f"indicator {c!r} (spec key {keys[c]!r}) has no rows in the 'indicator' column "
                f"of {origin.source}{_suggest(c, sorted(present))}"
                for c in missing
            )
        )
    keep = names.isin(columns).to_numpy()
    rows = np.flatnonzero(keep)
    sub = frame.iloc[rows]
    sub_origin: _Origin = (
        _OffsetOrigin(origin.source, rows)
        if origin.index is None
        else _Origin(origin.source, origin.index[rows])
    )
    entities, e_codes, periods, t_codes, time = _axis_keys(sub, spec, sub_origin)
    E, T, n_ind = len(entities), len(periods), len(columns)
    i_codes = pd.Index(columns).get_indexer(pd.Index(names.iloc[rows])).astype(np.intp)
    cell_keys = (e_codes * T + t_codes) * n_ind + i_codes
    _check_duplicates(
        cell_keys,
        E * T * n_ind,
        sub_origin,
        lambda k: (
            _describe_cell(spec, entities, periods, k // n_ind, T)
            + f", indicator {columns[k % n_ind]!r}"
        ),
        "entity, period and indicator",
    )
    values = _numeric_block(sub, ["value"], sub_origin)[:, 0]
    cube = np.full((E, T, n_ind), np.nan)
    cube[e_codes, t_codes, i_codes] = values
    return Panel(
        cube,
        entities,
        periods,
        tuple(columns),
        time,
        origin.source,
        spec.entity,
        spec.period,
        _attributes(sub, spec, entities, e_codes, sub_origin),
    )


class _PositionOrigin(_Origin):
    """Row words by position, for frames whose index labels repeat."""

    def __init__(self, source: str) -> None:
        super().__init__(source, None)

    def row(self, pos: int) -> str:
        return f"row {pos}"


class _OffsetOrigin(_Origin):
    """Row words for a subset of a file's rows (positions into the subset)."""

    def __init__(self, source: str, positions: NDArray[np.intp]) -> None:
        super().__init__(source, None)
        self.positions = positions

    def row(self, pos: int) -> str:
        return f"row {int(self.positions[pos]) + FIRST_DATA_ROW}"

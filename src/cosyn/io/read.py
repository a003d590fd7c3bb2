"""Reading data files into DataFrames, with errors that name the file."""

from __future__ import annotations

import datetime as dt
import math
import numbers
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from cosyn.errors import DataError
from cosyn.io.archive import check_xlsx_archive

__all__ = [
    "FIRST_DATA_ROW",
    "UNNAMED",
    "column_labels",
    "column_letter",
    "label_text",
    "read_table",
]

#: Key of ``DataFrame.attrs`` listing the names given to columns whose header was blank.
UNNAMED = "cosyn_unnamed_columns"

#: A DataFrame read from a file with a header line has its first data row on line 2.
FIRST_DATA_ROW = 2

_EXCEL = {".xlsx", ".xlsm"}
_CSV = {".csv", ".txt", ".tsv"}
_PARQUET = {".parquet", ".pq"}


def read_table(path: str | Path, sheet: str | int | None = None) -> pd.DataFrame:
    """Read a CSV, XLSX or Parquet file into a DataFrame.

    The format is chosen by the file's extension. CSV is read as UTF-8 (a byte-order mark
    is accepted) with the separator sniffed (comma, semicolon, tab); ``NA``, ``N/A``,
    ``NaN`` and empty cells are missing values. XLSX is read with openpyxl (which uses
    defusedxml against XML entity attacks when installed); the first sheet unless
    ``sheet`` names another. Parquet needs pyarrow.

    Column names are the header cells as written (:func:`column_labels`): always text, a
    number as its text (``2020``, never ``2020.0``), a blank header named ``"column N"``
    (N counted from 1; the names are listed in ``frame.attrs[UNNAMED]``). Two columns
    with one name are an error, never silently renamed.

    Parameters
    ----------
    path : str or Path
    sheet : str or int, optional
        Worksheet name or index, XLSX only.

    Returns
    -------
    DataFrame
        Row ``i`` of the frame is line ``i + 2`` of the file (:data:`FIRST_DATA_ROW`).

    Raises
    ------
    DataError
        Missing, unreadable or unsupported file; missing sheet; an empty file; two
        columns with one name; a CSV row with more cells than the header has names.
    """
    p = Path(path)
    if not p.exists():
        raise DataError(f"data file {str(p)!r} does not exist")
    if p.is_dir():
        raise DataError(
            f"data file {str(p)!r} is a folder; give the path of a CSV, XLSX or Parquet file"
        )
    ext = p.suffix.lower()
    try:
        if ext in _CSV:
            return _read_csv(p)
        if ext in _EXCEL:
            return _read_excel(p, sheet)
        if ext in _PARQUET:
            return _read_parquet(p)
    except DataError:
        raise
    except UnicodeDecodeError:
        raise DataError(
            f"data file {str(p)!r} is not UTF-8 text; save it as 'CSV UTF-8' and try again"
        ) from None
    except pd.errors.EmptyDataError:
        raise DataError(
            f"data file {str(p)!r} is empty; it needs a header line with the column names "
            "and one row per entity and period"
        ) from None
    except (pd.errors.ParserError, ValueError, OverflowError) as exc:
        raise DataError(f"data file {str(p)!r} cannot be read as CSV: {exc}") from None
    except OSError as exc:
        raise DataError(f"data file {str(p)!r} cannot be read: {exc.strerror or exc}") from None
    raise DataError(
        f"data file {str(p)!r} has extension {ext!r}; cosyn reads .csv, .tsv, .xlsx and .parquet"
    )


def column_letter(position: int) -> str:
    """The spreadsheet letter of a column counted from 0 (0 → A, 26 → AA)."""
    letters = ""
    n = position + 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _label(value: Any) -> str | None:
    """One header cell as text; None when it is blank."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isnan(number):
            return None
        return str(int(number)) if number.is_integer() else repr(number)
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def label_text(value: Any) -> str:
    """A cell used as a label (a column name, a key) as text; ``""`` when blank.

    The rules of :func:`column_labels`: a whole number is written without a decimal
    point (a spreadsheet cell ``2020`` read as the float 2020.0 gives ``"2020"``).
    """
    return _label(value) or ""


def column_labels(raw: Sequence[Any], where: str) -> list[str]:
    """Header cells as column names, checked to be unique.

    A text cell stays as written; a number becomes its text (``2020`` and ``2020.0`` both
    ``"2020"``, ``1.5`` → ``"1.5"``); a date its ISO text; a blank cell (empty, only
    spaces, missing) is named ``"column N"``, N its position counted from 1.

    Raises
    ------
    DataError
        When two columns end up with one name (``a`` twice; ``2020`` as a number and
        ``"2020"`` as text; ``"x"`` and ``"x "``, which differ only in spaces), naming
        both positions (number and spreadsheet letter).
    """
    names = [_label(v) or f"column {n + 1}" for n, v in enumerate(raw)]
    first: dict[str, int] = {}
    clashes: list[str] = []
    for n, name in enumerate(names):
        key = name.strip()  # "x" and "x " look alike in every table
        if key in first:
            a = first[key]
            alike = (
                f"{name!r}"
                if names[a] == name
                else f"{names[a]!r} and {name!r} (alike but for spaces)"
            )
            clashes.append(
                f"{alike} in columns {a + 1} and {n + 1} "
                f"({column_letter(a)} and {column_letter(n)})"
            )
        else:
            first[key] = n
    if clashes:
        shown = "; ".join(clashes[:5]) + (
            f"; and {len(clashes) - 5} more" if len(clashes) > 5 else ""
        )
        raise DataError(
            f"{where} has two columns with one name: {shown}; give every column its own "
            "name (or delete the copy), then try again"
        )
    return names


def _named(frame: pd.DataFrame, raw: Sequence[Any], where: str) -> pd.DataFrame:
    """``frame`` with its columns named by the raw header cells ``raw``."""
    if len(frame.columns) == 0:
        raise DataError(
            f"{where} is empty; it needs a header line with the column names and one row "
            "per entity and period"
        )
    cells = list(raw)[: len(frame.columns)]
    cells += [None] * (len(frame.columns) - len(cells))
    names = column_labels(cells, where)
    frame.columns = pd.Index(names, dtype=object)
    frame.attrs[UNNAMED] = [
        name for name, cell in zip(names, cells, strict=True) if _label(cell) is None
    ]
    return frame


def _read_csv(p: Path) -> pd.DataFrame:
    sep = _separator(p)
    where = f"data file {str(p)!r}"
    frame = pd.read_csv(p, sep=sep, encoding="utf-8-sig")
    if not frame.index.equals(pd.RangeIndex(len(frame))):  # pandas made a row index
        raise DataError(
            f"{where} has rows with more cells than its header line has names "
            f"({len(frame.columns)}); name every column in the header, or remove the extra "
            "cells (a trailing separator at the end of a line adds one)"
        )
    header = pd.read_csv(
        p, sep=sep, encoding="utf-8-sig", header=None, nrows=1, dtype=str, keep_default_na=False
    )
    return _named(frame, header.iloc[0].tolist() if len(header) else [], where)


def _separator(p: Path) -> str:
    """The most frequent of comma, semicolon and tab on the header line."""
    with p.open("rb") as fh:
        head = fh.readline(65536).decode("utf-8", errors="replace")
    counts = {sep: head.count(sep) for sep in (",", ";", "\t")}
    return max(counts, key=lambda s: counts[s]) if any(counts.values()) else ","


def _read_excel(p: Path, sheet: str | int | None) -> pd.DataFrame:
    if not zipfile.is_zipfile(p):
        raise DataError(
            f"workbook {str(p)!r} is not an XLSX file (it may be password-protected, an old "
            "XLS file or damaged); save it as .xlsx without a password"
        )
    check_xlsx_archive(p)
    try:
        with pd.ExcelFile(p, engine="openpyxl") as book:
            names = book.sheet_names
            if sheet is None:
                target: str | int = 0
            elif isinstance(sheet, int):
                if not 0 <= sheet < len(names):
                    raise DataError(
                        f"workbook {str(p)!r} has no sheet number {sheet}; sheets: {names}"
                    )
                target = sheet
            elif sheet not in names:
                raise DataError(f"workbook {str(p)!r} has no sheet {sheet!r}; sheets: {names}")
            else:
                target = sheet
            frame = pd.read_excel(book, sheet_name=target)
            header = _first_row(book.book[target if isinstance(target, str) else names[target]])
    except (DataError, MemoryError):
        raise
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise DataError(
            f"workbook {str(p)!r} cannot be read ({type(exc).__name__}: {exc}); open it in "
            "a spreadsheet program, save it again as .xlsx and try again"
        ) from None
    where = f"workbook {str(p)!r}" + (f", sheet {sheet!r}" if sheet is not None else "")
    if len(frame.columns) and all(_label(v) is None for v in header):
        raise DataError(
            f"{where}: row 1, the header, is blank; put the column names in the first row "
            "of the sheet (one name per column) and the data below it"
        )
    return _named(frame, header, where)


def _first_row(worksheet: Any) -> list[Any]:
    """The header cells of row 1 as openpyxl gives them.

    Read from the sheet itself, not through pandas, which would turn a text header such
    as ``"1.50"`` into the number 1.5.
    """
    for row in worksheet.iter_rows(min_row=1, max_row=1, values_only=True):
        return list(row)
    return []


def _read_parquet(p: Path) -> pd.DataFrame:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise DataError(f"reading {str(p)!r} needs pyarrow: pip install 'cosyn[parquet]'") from None
    try:
        frame = pd.read_parquet(p)
    except MemoryError:
        raise
    except Exception as exc:  # pyarrow raises many types for a damaged file
        raise DataError(f"Parquet file {str(p)!r} cannot be read: {exc}") from None
    if not isinstance(frame.index, pd.RangeIndex):
        frame = frame.reset_index()
    return _named(frame, list(frame.columns), f"Parquet file {str(p)!r}")

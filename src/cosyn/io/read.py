"""Reading data files into DataFrames, with errors that name the file."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd

from cosyn.errors import DataError

__all__ = ["FIRST_DATA_ROW", "read_table"]

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
        Missing, unreadable or unsupported file; missing sheet.
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
            return pd.read_csv(p, sep=_separator(p), encoding="utf-8-sig")
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
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"data file {str(p)!r} cannot be read as CSV: {exc}") from None
    except OSError as exc:
        raise DataError(f"data file {str(p)!r} cannot be read: {exc.strerror or exc}") from None
    raise DataError(
        f"data file {str(p)!r} has extension {ext!r}; cosyn reads .csv, .tsv, .xlsx and .parquet"
    )


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
            return pd.read_excel(book, sheet_name=target)
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        if isinstance(exc, DataError):
            raise
        raise DataError(f"workbook {str(p)!r} cannot be read: {exc}") from None


def _read_parquet(p: Path) -> pd.DataFrame:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise DataError(f"reading {str(p)!r} needs pyarrow: pip install 'cosyn[parquet]'") from None
    try:
        return pd.read_parquet(p)
    except Exception as exc:  # pyarrow raises many types for a damaged file
        raise DataError(f"Parquet file {str(p)!r} cannot be read: {exc}") from None

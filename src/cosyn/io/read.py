"""Reading data files into DataFrames, with errors that name the file.

Every reader (CSV, XLSX, Parquet; wide and long layouts alike) reads the same cells as
missing: an empty cell, and a cell whose text, spaces aside, is one of the missing-value
tokens (:data:`DEFAULT_NA_VALUES`, or the spec's ``na_values``). CSV text is UTF-8 (with
or without a byte-order mark), or GB18030 — the encoding Chinese Windows and Excel use
for "CSV" — which the reader says it used.
"""

from __future__ import annotations

import codecs
import datetime as dt
import math
import numbers
import re
import warnings
import zipfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cosyn.errors import CosynWarning, DataError
from cosyn.io.archive import check_xlsx_archive

__all__ = [
    "DEFAULT_NA_VALUES",
    "ENCODING",
    "FIRST_DATA_ROW",
    "MISSING_TOKENS",
    "UNNAMED",
    "column_labels",
    "column_letter",
    "label_text",
    "na_tokens",
    "read_table",
]

#: The cell texts every reader takes as a missing value, compared after removing the
#: spaces around the text, case as written. The spreadsheet and database conventions
#: (``NA``, ``N/A``, ``n/a``, ``#N/A``, ``NaN``, ``nan``, ``NULL``, ``null``, ``None``,
#: ``<NA>``) and the statistical yearbooks' marks for "no data" or "not applicable":
#: hyphens and dashes (``-``, ``--``, ``–``, ``—``, ``——``, the full-width ``－``),
#: ellipses (``…``, ``……``, ``...``) and slashes (``/``, ``／``). An empty cell, or one of
#: spaces only, is always missing. Spec key ``na_values`` replaces this set.
DEFAULT_NA_VALUES: tuple[str, ...] = (
    "NA",
    "N/A",
    "n/a",
    "#N/A",
    "NaN",
    "nan",
    "NULL",
    "null",
    "None",
    "<NA>",
    "-",
    "--",
    "–",
    "—",
    "——",
    "－",
    "…",
    "……",
    "...",
    "/",
    "／",
)

#: Key of ``DataFrame.attrs`` listing the names given to columns whose header was blank.
UNNAMED = "cosyn_unnamed_columns"

#: Key of ``DataFrame.attrs``: the text encoding a CSV file was read with (``"utf-8"``,
#: ``"gb18030"``, ``"utf-16"``); absent for XLSX and Parquet.
ENCODING = "cosyn_encoding"

#: Key of ``DataFrame.attrs``: for each column, how many of its cells held a missing-value
#: token other than an empty cell (``{"gdp": 2}``); only columns with such cells.
MISSING_TOKENS = "cosyn_missing_tokens"

#: Above this share of its non-ASCII characters outside GB2312 (the common simplified
#: Chinese characters), a file that decodes as GB18030 is taken to be in another
#: encoding (Latin-1, Windows-1252, Big5), whose bytes GB18030 would turn into rare
#: characters: its text would be wrong, so it is refused rather than read.
_RARE_SHARE = 0.2

#: A DataFrame read from a file with a header line has its first data row on line 2.
FIRST_DATA_ROW = 2

_EXCEL = {".xlsx", ".xlsm"}
_CSV = {".csv", ".txt", ".tsv"}
_PARQUET = {".parquet", ".pq"}


def na_tokens(na_values: Sequence[str] | None = None) -> frozenset[str]:
    """The cell texts read as missing: ``na_values`` (default :data:`DEFAULT_NA_VALUES`).

    A given sequence replaces the default set; the empty text is always in the set. Each
    token is compared with a cell's text after the spaces around both are removed.

    Raises
    ------
    DataError
        When ``na_values`` is a single text rather than a sequence of texts.
    """
    if na_values is None:
        tokens: Sequence[str] = DEFAULT_NA_VALUES
    elif isinstance(na_values, str) or not all(isinstance(t, str) for t in na_values):
        raise DataError(
            f"na_values must be a list of texts that mean missing, e.g. ['-', '—'], "
            f"got {na_values!r}"
        )
    else:
        tokens = na_values
    return frozenset({"", *(t.strip() for t in tokens)})


def read_table(
    path: str | Path,
    sheet: str | int | None = None,
    na_values: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Read a CSV, XLSX or Parquet file into a DataFrame.

    The format is chosen by the file's extension. CSV is read with the separator sniffed
    (comma, semicolon, tab) as UTF-8 (a byte-order mark is accepted); a file that is not
    UTF-8 is read as GB18030 (which includes GBK, the "CSV" of Chinese Excel) or, with a
    UTF-16 byte-order mark, as UTF-16 (Excel's "Unicode text"), and a
    :class:`~cosyn.errors.CosynWarning` says which encoding was used. XLSX is read with
    openpyxl (which uses defusedxml against XML entity attacks when installed); the
    first sheet unless ``sheet`` names another. Parquet needs pyarrow.

    Missing cells are the same in every format: an empty cell, a cell of spaces, and a
    text cell that reads as one of the tokens (:func:`na_tokens`) become NaN; a token
    that is a number (``"-999"``) also matches the number cells equal to it. A column
    whose other cells are all numbers becomes a numeric column. Cells other than empty
    ones read as missing this way are counted in ``frame.attrs[MISSING_TOKENS]`` and
    named, with their rows, in a warning.

    Column names are the header cells as written (:func:`column_labels`): always text, a
    number as its text (``2020``, never ``2020.0``), a blank header named ``"column N"``
    (N counted from 1; the names are listed in ``frame.attrs[UNNAMED]``). Two columns
    with one name are an error, never silently renamed.

    Parameters
    ----------
    path : str or Path
    sheet : str or int, optional
        Worksheet name or index, XLSX only.
    na_values : sequence of str, optional
        The texts read as missing; None: :data:`DEFAULT_NA_VALUES`. A sequence replaces
        the default set (spec key ``na_values``); empty cells are always missing.

    Returns
    -------
    DataFrame
        Row ``i`` of the frame is line ``i + 2`` of the file (:data:`FIRST_DATA_ROW`).

    Raises
    ------
    DataError
        Missing, unreadable or unsupported file; missing sheet; an empty file; two
        columns with one name; a CSV row with more cells than the header has names; a
        CSV file that is neither UTF-8 nor GB18030 text (naming the byte and its row).
    """
    tokens = na_tokens(na_values)
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
            frame, where = _read_csv(p), f"data file {str(p)!r}"
        elif ext in _EXCEL:
            frame, where = _read_excel(p, sheet), f"workbook {str(p)!r}"
        elif ext in _PARQUET:
            frame, where = _read_parquet(p), f"Parquet file {str(p)!r}"
        else:
            frame = None
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
    if frame is not None:
        return _missing_cells(frame, tokens, where)
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
    encoding = _encoding(p)
    sep = _separator(p, encoding)
    where = f"data file {str(p)!r}"
    frame = pd.read_csv(p, sep=sep, encoding=encoding, keep_default_na=False, na_values=[""])
    if not frame.index.equals(pd.RangeIndex(len(frame))):  # pandas made a row index
        raise DataError(
            f"{where} has rows with more cells than its header line has names "
            f"({len(frame.columns)}); name every column in the header, or remove the extra "
            "cells (a trailing separator at the end of a line adds one)"
        )
    header = pd.read_csv(
        p, sep=sep, encoding=encoding, header=None, nrows=1, dtype=str, keep_default_na=False
    )
    frame = _named(frame, header.iloc[0].tolist() if len(header) else [], where)
    frame.attrs[ENCODING] = "utf-8" if encoding == "utf-8-sig" else encoding
    if encoding != "utf-8-sig":
        names = ", ".join(str(c) for c in frame.columns[:6])
        more = ", …" if len(frame.columns) > 6 else ""
        kind = (
            "GB18030 (the Chinese encoding Excel uses when it saves 'CSV')"
            if encoding == "gb18030"
            else "UTF-16 (Excel's 'Unicode text')"
        )
        warnings.warn(
            f"read {where} as {kind}, not UTF-8; its columns read: {names}{more} — if "
            "these names look wrong, save the file as 'CSV UTF-8' and run again",
            CosynWarning,
            stacklevel=3,
        )
    return frame


def _encoding(p: Path) -> str:
    """The encoding to read ``p`` with: ``utf-8-sig``, ``gb18030`` or ``utf-16``.

    UTF-8 when every byte decodes as UTF-8 (a byte-order mark aside); UTF-16 when the file
    starts with a UTF-16 byte-order mark and reads as text (:func:`_reads_as_utf16`);
    GB18030 when every byte decodes as GB18030 and the text reads as Chinese (at most
    :data:`_RARE_SHARE` of its non-ASCII characters outside GB2312). Otherwise a
    DataError naming the first byte that is not UTF-8.
    """
    with p.open("rb") as fh:
        start = fh.read(4)
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and _reads_as_utf16(p):
        return "utf-16"
    bad = _first_bad_byte(p, "utf-8")
    if bad is None:
        return "utf-8-sig"
    if _first_bad_byte(p, "gb18030") is None and _reads_as_chinese(p):
        return "gb18030"
    with p.open("rb") as fh:
        before = fh.read(bad)
        byte = fh.read(1)
    row = before.count(b"\n") + 1
    raise DataError(
        f"data file {str(p)!r} is not UTF-8 text, nor Chinese text in GB18030/GBK: byte "
        f"0x{byte.hex()} at offset {bad} (row {row} of the file) is not UTF-8; save it as "
        "'CSV UTF-8' and try again"
    )


def _first_bad_byte(p: Path, encoding: str, chunk: int = 1 << 20) -> int | None:
    """Offset of the first byte of ``p`` that does not decode in ``encoding``; None if all do."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    done = 0
    with p.open("rb") as fh:
        while True:
            data = fh.read(chunk)
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(data, final=not data)
            except UnicodeDecodeError as exc:
                return max(done - pending + exc.start, 0)
            if not data:
                return None
            done += len(data)


def _reads_as_utf16(p: Path, size: int = 1 << 20) -> bool:
    """Whether a file that starts with a UTF-16 byte-order mark is UTF-16 text.

    Every byte decodes, and its start reads as a table: a line break or a separator, and
    no control characters besides tab and line breaks (binary bytes that happen to start
    with ``FF FE`` have them, or no line at all).
    """
    if _first_bad_byte(p, "utf-16") is not None:
        return False
    with p.open("rb") as fh:
        text = fh.read(size).decode("utf-16", errors="ignore")
    if not re.search(r"[\n\t,;]", text):
        return False
    return not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff\ufffe]", text)


def _reads_as_chinese(p: Path, size: int = 1 << 22) -> bool:
    """Whether the first ``size`` bytes of a GB18030 file read as Chinese text.

    Latin-1 or Windows-1252 bytes (``ü`` then ``r``) decode as GB18030 too, into rare
    characters outside GB2312; real Chinese text is nearly all GB2312.
    """
    with p.open("rb") as fh:
        text = fh.read(size).decode("gb18030", errors="ignore")
    counts = Counter(re.findall(r"[^\x00-\x7f]", text))
    total = sum(counts.values())
    if total == 0:
        return True
    rare = 0
    for char, n in counts.items():
        try:
            char.encode("gb2312")
        except UnicodeEncodeError:
            rare += n
    return rare <= _RARE_SHARE * total


def _separator(p: Path, encoding: str = "utf-8-sig") -> str:
    """The most frequent of comma, semicolon and tab on the header line."""
    with p.open("rb") as fh:
        head = fh.read(65536).decode(encoding, errors="replace").split("\n", 1)[0]
    counts = {sep: head.count(sep) for sep in (",", ";", "\t")}
    return max(counts, key=lambda s: counts[s]) if any(counts.values()) else ","


def _number(token: str) -> float | None:
    """The finite number a token reads as (``"-999"`` → -999.0), or None."""
    try:
        value = float(token)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _missing_cells(frame: pd.DataFrame, tokens: frozenset[str], where: str) -> pd.DataFrame:
    """``frame`` with its missing-value tokens as NaN (see :func:`read_table`).

    A column of text in which tokens were found, and whose other cells are all numbers,
    becomes numeric. The cells other than empty ones read as missing are counted in
    ``attrs[MISSING_TOKENS]`` and named in one warning (the first few, with their rows).
    """
    numbers_ = {v for t in tokens if (v := _number(t)) is not None}
    counts: dict[str, int] = {}
    examples: list[str] = []
    for pos in range(len(frame.columns)):
        col = frame.iloc[:, pos]
        dtype = col.dtype
        if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_datetime64_any_dtype(dtype):
            continue
        if pd.api.types.is_numeric_dtype(dtype):
            if not numbers_:
                continue
            hit = col.isin(numbers_).to_numpy()
            shown = col
        elif isinstance(dtype, pd.StringDtype):
            stripped = col.str.strip()
            hit = stripped.isin(tokens).to_numpy(dtype=bool, na_value=False)
            shown = stripped
        elif pd.api.types.is_object_dtype(dtype):
            shown = col.map(_token_text(tokens, numbers_))
            hit = shown.notna().to_numpy()
        else:
            continue
        if not hit.any():
            continue
        nonempty = hit & (shown.astype(str).str.strip() != "").to_numpy()
        values = col.mask(hit)
        if not pd.api.types.is_numeric_dtype(dtype):
            values = _as_numbers(values)
        frame.isetitem(pos, values.array)
        n = int(nonempty.sum())
        if n:
            name = str(frame.columns[pos])
            counts[name] = n
            rows = np.flatnonzero(nonempty)
            cells = ", ".join(
                f"row {int(r) + FIRST_DATA_ROW} {_shown(shown.iloc[int(r)])!r}" for r in rows[:3]
            )
            examples.append(f"column {name!r}: {cells}" + (f" and {n - 3} more" if n > 3 else ""))
    if counts:
        frame.attrs[MISSING_TOKENS] = counts
        total = sum(counts.values())
        shown_cols = "; ".join(examples[:5]) + (
            f"; and {len(examples) - 5} more columns" if len(examples) > 5 else ""
        )
        warnings.warn(
            f"{total} cell{'s' if total != 1 else ''} of {where} read as missing values "
            f"(missing-value tokens, spec key na_values): {shown_cols} — missing indicator "
            "cells are filled as method.impute says and flagged 'imputed'",
            CosynWarning,
            stacklevel=3,
        )
    return frame


def _shown(value: Any) -> Any:
    """A token cell as its text for a message (a number token as the number)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, str) else str(value)


def _token_text(tokens: frozenset[str], numbers_: set[float]) -> Any:
    """A cell → its text when it is a missing-value token, else None (for ``Series.map``)."""

    def token(value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            return text if text in tokens else None
        if (
            numbers_
            and isinstance(value, numbers.Real)
            and not isinstance(value, bool)
            and float(value) in numbers_
        ):
            return value
        return None

    return token


def _as_numbers(col: pd.Series) -> pd.Series:
    """``col`` as floats when every cell left is a number or its text; else unchanged."""
    if pd.api.types.is_object_dtype(col.dtype) and bool(
        col.map(lambda v: isinstance(v, bool)).any()
    ):
        return col  # True/False are not numbers, though pandas would make them 1 and 0
    try:
        values = pd.to_numeric(col, errors="coerce")
    except (TypeError, ValueError):
        return col
    if bool((values.isna() & col.notna()).any()):
        return col
    return values.astype(float)


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
            frame = pd.read_excel(book, sheet_name=target, keep_default_na=False, na_values=[""])
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

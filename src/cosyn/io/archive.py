"""The XLSX archive guard: refuse a workbook that would inflate past sane sizes.

An XLSX file is a ZIP archive of XML parts. A few kilobytes of DEFLATE can inflate to
gigabytes of XML (a "zip bomb"), and an XML parser given such a part spends minutes and
gigabytes before anything else can object. :func:`check_xlsx_archive` is therefore called
before any XML of a workbook is parsed — by every reader of cosyn (CLI and web) — and
checks, member by member:

1. the sizes the archive *declares* (its central directory): each member, their total,
   and each member's compression ratio;
2. the sizes it *actually* inflates to, by stream-decompressing every member in chunks
   with the same caps, so an archive that lies in its header is caught too (the reader
   of :mod:`zipfile` stops at the declared size and the CRC check then fails: that is
   refused as a damaged archive).

While streaming, the cell references of the sheets (``<c r="XFD1048576">``) are
scanned, so the caller also learns how large a table a reader would build — a tiny
workbook with two cells far apart becomes a grid of billions of cells in a DataFrame.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cosyn.errors import DataError

__all__ = [
    "DEFAULT_MAX_MEMBER",
    "DEFAULT_MAX_MEMBERS",
    "DEFAULT_MAX_RATIO",
    "DEFAULT_MAX_TOTAL",
    "ArchiveInfo",
    "ArchiveTooLarge",
    "check_xlsx_archive",
    "mark_checked",
]

#: Largest inflated size of one member of a workbook (bytes): 128 MiB of XML, about
#: 2.5 million numeric cells.
DEFAULT_MAX_MEMBER = 128 * 1024 * 1024
#: Largest inflated size of all members together (bytes): 256 MiB.
DEFAULT_MAX_TOTAL = 256 * 1024 * 1024
#: Largest ratio of inflated to compressed size of a member above :data:`RATIO_FLOOR`
#: bytes. Spreadsheet XML compresses about 5–30 times; a zip bomb, about 1000 times.
DEFAULT_MAX_RATIO = 100
#: Largest number of members (a workbook has a few dozen).
DEFAULT_MAX_MEMBERS = 10_000
#: Members up to this inflated size are never refused for their ratio.
RATIO_FLOOR = 1024 * 1024

_CHUNK = 1024 * 1024
#: The column letters and the row number of cell reference attributes (``r="AB12"``,
#: also ``r="$ab$0012"`` as readers accept it; row elements have digits only, and
#: ``ref="A1:D5"`` does not match). Leading zeros are left out of the row number.
_COLUMN_REF = re.compile(rb'r="\$?([A-Za-z]+)\$?[0-9]')
_ROW_REF = re.compile(rb'r="\$?[A-Za-z]+\$?0*([0-9]+)"')
#: The ways a cell element starts (``<c ``, ``<c>``, ``<c/>``; not ``<c:chart>``).
_CELL_TAGS = (b"<c ", b"<c>", b"<c/", b"<c\n", b"<c\r", b"<c\t")
_OVERLAP = 32


class ArchiveTooLarge(DataError):
    """A workbook over one of the archive limits (a :class:`DataError`; HTTP 413)."""


@dataclass(frozen=True)
class ArchiveInfo:
    """What the guard found in a workbook that passed.

    Attributes
    ----------
    members : int
        Number of members of the archive.
    inflated : int
        Their total inflated size in bytes (measured, not declared).
    sheet_rows, sheet_columns : int
        The largest row number and column number any cell reference names.
    sheet_cells : int
        An upper estimate of the largest table a reader builds from one sheet:
        ``max(sheet_rows × sheet_columns, cell elements of the largest member)``.
    """

    members: int
    inflated: int
    sheet_rows: int
    sheet_columns: int
    sheet_cells: int


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ch - 64)
    return n


def _width(text: bytes) -> tuple[int, bytes]:
    """Sort key of column letters and of row digits (no leading zeros): length first."""
    return len(text), text.upper()


def _extent(text: bytes) -> tuple[int, int]:
    """The largest row and column number the cell references in ``text`` name."""
    rows = set(_ROW_REF.findall(text))
    columns = set(_COLUMN_REF.findall(text))
    return (
        int(max(rows, key=_width)) if rows else 0,
        _column_number(max(columns, key=_width)) if columns else 0,
    )


def _cell_tags(text: bytes) -> int:
    return sum(text.count(tag) for tag in _CELL_TAGS)


def _damaged(shown: str, detail: str) -> DataError:
    return DataError(
        f"workbook {shown!r} is not an XLSX file that can be read ({detail}); it may be "
        "password-protected, an old XLS file or damaged: open it in a spreadsheet program "
        "and save it again as .xlsx without a password"
    )


def _too_large(shown: str, what: str) -> ArchiveTooLarge:
    return ArchiveTooLarge(
        f"workbook {shown!r}: {what} — refused before reading, as a possible zip bomb; "
        "save the workbook again from a spreadsheet program, or split the data"
    )


def check_xlsx_archive(
    path: str | Path,
    *,
    name: str | None = None,
    max_member: int = DEFAULT_MAX_MEMBER,
    max_total: int = DEFAULT_MAX_TOTAL,
    max_ratio: float = DEFAULT_MAX_RATIO,
    max_members: int = DEFAULT_MAX_MEMBERS,
    max_cells: int | None = None,
) -> ArchiveInfo:
    """Check an XLSX archive's declared and actual sizes before any XML is parsed.

    Parameters
    ----------
    path : str or Path
        The workbook.
    name : str, optional
        How to name the file in messages (default: ``path``).
    max_member, max_total : int
        Largest inflated size in bytes of one member, and of all members together.
    max_ratio : float
        Largest ratio inflated ÷ compressed of a member larger than :data:`RATIO_FLOOR`.
    max_members : int
        Largest number of members.
    max_cells : int, optional
        Largest table one sheet may span (:attr:`ArchiveInfo.sheet_cells`); checked
        while inflating, so a sheet of millions of cells is refused at once.

    Returns
    -------
    ArchiveInfo
        Sizes and the extent of the sheets' cell references.

    Raises
    ------
    ArchiveTooLarge
        A limit is passed, by the declared or the actual sizes (the message names the
        member, its sizes and the limit), or a sheet spans more than ``max_cells``.
    DataError
        Not a ZIP archive, an encrypted or damaged one, or one whose contents do not
        match its header.

    Notes
    -----
    The result is cached by the file's path, size, modification time and the limits, so
    the several readers of one workbook pay for one pass (see also :func:`mark_checked`).
    Cost: one stream decompression of the archive, in chunks of 1 MiB — never more than
    ``max_total`` bytes inflated.
    """
    p = Path(path)
    key = _key(p)
    if key in _PASSED:
        return _PASSED[key]
    return _check(
        key, name or str(p), max_member, max_total, float(max_ratio), max_members, max_cells
    )


def _key(p: Path) -> tuple[str, int, int, int]:
    """The file's identity as it is now: path, size, modification time, inode."""
    try:
        st = p.stat()
    except OSError as exc:
        raise DataError(f"data file {str(p)!r} cannot be read: {exc.strerror or exc}") from None
    return (str(p.resolve()), st.st_size, st.st_mtime_ns, st.st_ino)


#: Files, as they were, that passed a check made with their caller's limits.
_PASSED: dict[tuple[str, int, int, int], ArchiveInfo] = {}


def mark_checked(path: str | Path, info: ArchiveInfo) -> None:
    """Record that ``path``, as it is now, passed :func:`check_xlsx_archive`.

    Later checks of the unchanged file in this process return ``info`` without reading
    it again, whatever their limits: the caller's check stands. ``cosyn serve`` checks an
    upload with its own limits, then reads it in a child process that records the result.
    """
    _PASSED[_key(Path(path))] = info


@lru_cache(maxsize=64)
def _check(
    key: tuple[str, int, int, int],
    shown: str,
    max_member: int,
    max_total: int,
    max_ratio: float,
    max_members: int,
    max_cells: int | None,
) -> ArchiveInfo:
    path = key[0]
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise _damaged(shown, f"not a ZIP archive: {exc}") from None
    except NotImplementedError as exc:  # e.g. "zip file version 6.4" in a damaged header
        raise _damaged(shown, f"a ZIP archive of a kind not read: {exc}") from None
    with zf:
        members = zf.infolist()
        if len(members) > max_members:
            raise _too_large(shown, f"{len(members):,} parts, over the limit of {max_members:,}")
        _declared(members, shown, max_member, max_total, max_ratio)
        return _inflate(zf, members, shown, max_member, max_total, max_ratio, max_cells)


def _ratio_cap(compressed: int, max_ratio: float) -> float:
    return max(RATIO_FLOOR, max_ratio * max(compressed, 1))


def _declared(
    members: list[zipfile.ZipInfo], shown: str, max_member: int, max_total: int, max_ratio: float
) -> None:
    total = 0
    for m in members:
        total += m.file_size
        if m.file_size > max_member:
            raise _too_large(
                shown,
                f"part {m.filename!r} declares {m.file_size:,} bytes unpacked, over the "
                f"limit of {max_member:,} per part",
            )
        if m.file_size > _ratio_cap(m.compress_size, max_ratio):
            raise _too_large(
                shown,
                f"part {m.filename!r} declares {m.file_size:,} bytes unpacked from "
                f"{m.compress_size:,} (ratio over {max_ratio:g})",
            )
    if total > max_total:
        raise _too_large(
            shown, f"its parts declare {total:,} bytes unpacked, over the limit of {max_total:,}"
        )


def _inflate(
    zf: zipfile.ZipFile,
    members: list[zipfile.ZipInfo],
    shown: str,
    max_member: int,
    max_total: int,
    max_ratio: float,
    max_cells: int | None,
) -> ArchiveInfo:
    total = rows = columns = cells = 0
    for m in members:
        cap = min(max_member, _ratio_cap(m.compress_size, max_ratio))
        size = count = 0
        tail = b""
        try:
            with zf.open(m) as fh:
                while chunk := fh.read(_CHUNK):
                    size += len(chunk)
                    total += len(chunk)
                    if size > cap or total > max_total:
                        what = (
                            f"all parts together unpack to more than {max_total:,} bytes"
                            if total > max_total
                            else f"part {m.filename!r} unpacks to more than {size:,} bytes "
                            f"from {m.compress_size:,} (limit {int(cap):,}; it declares "
                            f"{m.file_size:,})"
                        )
                        raise _too_large(shown, what)
                    window = tail + chunk
                    last_row, last_column = _extent(window)
                    rows, columns = max(rows, last_row), max(columns, last_column)
                    # tags wholly inside the tail were counted with the previous chunk
                    count += _cell_tags(window) - _cell_tags(tail)
                    tail = window[-_OVERLAP:]
                    if max_cells is not None and max(rows * columns, count) > max_cells:
                        raise ArchiveTooLarge(
                            f"workbook {shown!r}: part {m.filename!r} holds cells up to row "
                            f"{rows:,} and column {columns:,} ({max(rows * columns, count):,}"
                            f" cells or more), over the limit of {max_cells:,} cells; run it "
                            "with the command line (cosyn run) or raise the limit (cosyn "
                            "serve --max-cells)"
                        )
        except ArchiveTooLarge:
            raise
        except RuntimeError as exc:  # zipfile: "File ... is encrypted, password required"
            raise _damaged(shown, f"part {m.filename!r}: {exc}") from None
        except NotImplementedError as exc:  # an unknown compression method
            raise _damaged(shown, f"part {m.filename!r}: {exc}") from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
            raise _damaged(
                shown, f"part {m.filename!r} does not match the archive's header: {exc}"
            ) from None
        cells = max(cells, count)
    return ArchiveInfo(len(members), total, rows, columns, max(rows * columns, cells))

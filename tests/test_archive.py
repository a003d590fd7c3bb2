"""The XLSX archive guard (issue 8, item 11): declared and actual sizes, before any XML.

The bombs are built by hand: one DEFLATE block of 1 MiB of ``"0"`` is repeated (blocks
after a full flush are independent), so a workbook whose sheet inflates to 300 MiB costs
a few milliseconds to make and is 300 kB on disk.
"""

from __future__ import annotations

import io
import struct
import time
import warnings
import zipfile
import zlib
from functools import lru_cache
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from cosyn.errors import DataError
from cosyn.io.archive import ArchiveTooLarge, check_xlsx_archive

SHEET = "xl/worksheets/sheet1.xml"
MiB = 1024 * 1024


def _deflated_zeros(mib: int) -> tuple[bytes, int]:
    """A raw DEFLATE stream of ``mib`` MiB of the byte ``b"0"``, and its CRC-32."""
    chunk = b"0" * MiB
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(chunk, crc)
    return block * mib + c.flush(), crc


def _zip(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A ZIP archive from (name, raw DEFLATE data, CRC-32, declared size) — sizes as given."""
    out = io.BytesIO()
    central = []
    for name, data, crc, size in members:
        raw = name.encode()
        central.append((raw, crc, len(data), size, out.tell()))
        out.write(
            struct.pack(
                "<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(data), size, len(raw), 0
            )
        )
        out.write(raw + data)
    start = out.tell()
    for raw, crc, csize, size, offset in central:
        out.write(
            struct.pack(
                "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, csize, size, len(raw),
                0, 0, 0, 0, 0, offset,
            )
        )  # fmt: skip
        out.write(raw)
    end = out.tell()
    n = len(central)
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, n, n, end - start, start, 0))
    return out.getvalue()


@lru_cache(maxsize=8)
def bomb_xlsx(mib: int = 300, declared: int | None = None, sheet: bytes | None = None) -> bytes:
    """A real workbook (year, a / 2020, 1) whose sheet XML is replaced by a bomb.

    ``mib``: MiB the sheet inflates to; ``declared``: the size its header claims (default
    the truth); ``sheet``: XML to use instead of a bomb.
    """
    wb = Workbook()
    wb.active.append(["year", "a"])
    wb.active.append([2020, 1])
    buffer = io.BytesIO()
    wb.save(buffer)
    members = []
    with zipfile.ZipFile(buffer) as book:
        for info in book.infolist():
            content = book.read(info)
            if info.filename == SHEET and sheet is not None:
                content = sheet
            if info.filename == SHEET and sheet is None:
                data, crc = _deflated_zeros(mib)
                size = mib * MiB
            else:
                c = zlib.compressobj(6, zlib.DEFLATED, -15)
                data, crc, size = c.compress(content) + c.flush(), zlib.crc32(content), len(content)
            members.append((info.filename, data, crc, size if declared is None else declared))
            declared = None if info.filename == SHEET else declared
    return _zip(members)


def _members_declared(content: bytes) -> dict[str, tuple[int, int]]:
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        return {i.filename: (i.file_size, i.compress_size) for i in zf.infolist()}


def test_the_bomb_is_small_on_disk_and_huge_inflated():
    content = bomb_xlsx(300)
    assert len(content) < 400_000
    size, compressed = _members_declared(content)[SHEET]
    assert size == 300 * MiB and compressed < 400_000
    with zipfile.ZipFile(io.BytesIO(content)) as zf, zf.open(SHEET) as fh:
        assert fh.read(10) == b"0" * 10  # it really inflates (to zeros, not XML)


def test_an_ordinary_workbook_passes_with_its_extent(tmp_path):
    wb = Workbook()
    for row in [["year", "a", "b"], [2020, 1, 2], [2021, 3, 4]]:
        wb.active.append(row)
    wb.active["E7"] = 5  # the far corner: row 7, column E (5)
    path = tmp_path / "ok.xlsx"
    wb.save(path)
    info = check_xlsx_archive(path)
    assert (info.sheet_rows, info.sheet_columns, info.sheet_cells) == (7, 5, 35)
    assert info.members == len(_members_declared(path.read_bytes()))
    with zipfile.ZipFile(path) as zf:
        assert info.inflated == sum(i.file_size for i in zf.infolist())


def test_declared_size_over_the_member_limit(tmp_path):
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(bomb_xlsx(300))
    with pytest.raises(
        ArchiveTooLarge, match=r"part 'xl/worksheets/sheet1.xml' declares 314,572,800"
    ):
        check_xlsx_archive(path, name="bomb.xlsx")


def test_declared_ratio_over_the_limit(tmp_path):
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(bomb_xlsx(20))  # 20 MiB from about 21 kB: ratio about 1000
    with pytest.raises(ArchiveTooLarge, match="ratio over 100") as exc:
        check_xlsx_archive(path, name="bomb.xlsx")
    assert "'bomb.xlsx'" in str(exc.value) and "zip bomb" in str(exc.value)
    assert isinstance(exc.value, DataError)  # the CLI's exit 1


def test_total_over_the_limit(tmp_path):
    path = tmp_path / "many.xlsx"
    path.write_bytes(bomb_xlsx(2))
    with pytest.raises(ArchiveTooLarge, match=r"declare .* over the limit of 1,000,000"):
        check_xlsx_archive(path, max_total=1_000_000, max_ratio=10_000)


def test_actual_size_checked_when_the_ratio_is_allowed(tmp_path):
    """Declared sizes within the limits, the stream counted as it inflates."""
    path = tmp_path / "big.xlsx"
    path.write_bytes(bomb_xlsx(3))
    info = check_xlsx_archive(path, max_ratio=10_000)
    assert info.inflated > 3 * MiB  # measured while inflating
    with pytest.raises(ArchiveTooLarge):
        check_xlsx_archive(path, max_ratio=10_000, max_member=2 * MiB)


def test_a_header_that_lies_about_the_size_is_refused(tmp_path):
    """The sheet declares 1,000 bytes and inflates to 300 MiB: refused, in milliseconds."""
    path = tmp_path / "liar.xlsx"
    path.write_bytes(bomb_xlsx(300, declared=1000))
    assert _members_declared(path.read_bytes())[SHEET][0] == 1000
    start = time.perf_counter()
    with pytest.raises(DataError, match="does not match the archive's header"):
        check_xlsx_archive(path, name="liar.xlsx")
    assert time.perf_counter() - start < 2


def test_two_far_cells_report_the_grid_a_reader_would_build(tmp_path):
    sheet = (
        b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1"><v>1</v></c></row>'
        b'<row r="1048576"><c r="XFD1048576"><v>2</v></c></row></sheetData></worksheet>'
    )
    path = tmp_path / "grid.xlsx"
    path.write_bytes(bomb_xlsx(sheet=sheet))
    info = check_xlsx_archive(path)
    assert (info.sheet_rows, info.sheet_columns) == (1_048_576, 16_384)  # XFD = 16384
    assert info.sheet_cells == 1_048_576 * 16_384
    with pytest.raises(ArchiveTooLarge, match=r"up to row 1,048,576 and column 16,384"):
        check_xlsx_archive(path, max_cells=2_000_000)


@pytest.mark.parametrize(
    ("ref", "rows", "columns"),
    [
        (b"XFD0001048576", 1_048_576, 16_384),  # leading zeros: openpyxl reads row 1048576
        (b"xfd1048576", 1_048_576, 16_384),  # lower case
        (b"$XFD$1048576", 1_048_576, 16_384),  # absolute
        (b"A99999999", 99_999_999, 2),  # past Excel's last row
        (b"ZZZZ1", 2, 475_254),  # past Excel's last column
        (b"AA0", 2, 27),  # row 0 is no larger than the row 2 beside it
    ],
)
def test_cell_references_in_every_spelling_a_reader_accepts(tmp_path, ref, rows, columns):
    sheet = (
        b'<worksheet><sheetData><row r="2"><c r="B2"><v>1</v></c><c r="' + ref + b'">'
        b"<v>2</v></c></row></sheetData></worksheet>"
    )
    path = tmp_path / "refs.xlsx"
    path.write_bytes(bomb_xlsx(sheet=sheet))
    info = check_xlsx_archive(path)
    assert (info.sheet_rows, info.sheet_columns) == (rows, columns)


def test_cell_elements_without_positions_are_counted(tmp_path):
    """Cells may omit ``r``; their number still bounds the table (17 ``<c>``, 2 rows)."""
    row = b"<row>" + b"<c><v>1</v></c>" * 8 + b"</row>"
    sheet = b"<worksheet><sheetData>" + row + row + b'<c t="s"/></sheetData></worksheet>'
    path = tmp_path / "plain.xlsx"
    path.write_bytes(bomb_xlsx(sheet=sheet))
    info = check_xlsx_archive(path)
    assert (info.sheet_rows, info.sheet_columns, info.sheet_cells) == (0, 0, 17)
    with pytest.raises(ArchiveTooLarge, match=r"\(17 cells or more\), over the limit of 16"):
        check_xlsx_archive(path, max_cells=16)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"not a zip at all", "not a ZIP archive"),
        (b"PK\x03\x04" + b"\0" * 100, "not a ZIP archive"),
    ],
    ids=["text", "truncated-zip"],
)
def test_not_an_archive(tmp_path, content, fragment):
    path = tmp_path / "x.xlsx"
    path.write_bytes(content)
    with pytest.raises(DataError, match=fragment):
        check_xlsx_archive(path)


def test_a_zip_version_not_read_is_a_damaged_workbook(tmp_path):
    # A changed byte in the central directory can ask for "zip file version 6.4", which
    # Python's zipfile refuses with NotImplementedError: one DataError, not a traceback.
    wb = Workbook()
    wb.active.append(["year", "a"])
    path = tmp_path / "v.xlsx"
    wb.save(path)
    content = bytearray(path.read_bytes())
    at = content.index(b"PK\x01\x02")  # the first central directory entry
    content[at + 6 : at + 8] = struct.pack("<H", 64)  # version needed to extract: 6.4
    path.write_bytes(bytes(content))
    with pytest.raises(DataError, match=r"of a kind not read: zip file version 6\.4"):
        check_xlsx_archive(path)


def test_damaged_deflate_data(tmp_path):
    content = bytearray(bomb_xlsx(sheet=b"<worksheet>" + b"<row/>" * 1000 + b"</worksheet>"))
    with zipfile.ZipFile(io.BytesIO(bytes(content))) as zf:
        info = zf.getinfo(SHEET)
    start = info.header_offset + 30 + len(SHEET)
    content[start : start + 8] = b"\xff" * 8  # corrupt the sheet's DEFLATE data
    path = tmp_path / "damaged.xlsx"
    path.write_bytes(bytes(content))
    with pytest.raises(DataError, match="is not an XLSX file"):
        check_xlsx_archive(path)


@pytest.fixture
def no_openpyxl(monkeypatch):
    """openpyxl.load_workbook fails the test if anything calls it."""
    import openpyxl

    def refuse(*args, **kwargs):
        raise AssertionError("openpyxl was given the workbook")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)
    monkeypatch.setattr("openpyxl.reader.excel.load_workbook", refuse)


@pytest.mark.parametrize(
    "args",
    [
        ("check", "{tmp}/model.toml", "--data", "{tmp}/bomb.xlsx"),
        ("run", "{tmp}/model.toml", "--data", "{tmp}/bomb.xlsx", "--out", "{tmp}/out"),
        ("init", "{tmp}/bomb.xlsx", "--output", "{tmp}/m.toml"),
        ("init", "{tmp}/bomb.xlsx", "--as-sheet", "--output", "{tmp}/m.xlsx"),
        ("run", "{tmp}/bomb.xlsx"),
    ],
    ids=["check", "run", "init", "init-as-sheet", "run-workbook-model"],
)
def test_cli_refuses_the_bomb_before_openpyxl(tmp_path, no_openpyxl, args):
    from cosyn.cli import main

    (tmp_path / "bomb.xlsx").write_bytes(bomb_xlsx(300))
    (tmp_path / "model.toml").write_text(
        'period = "year"\n[subsystems.A.indicators]\na = "+"\n[subsystems.B.indicators]\nb = "+"\n',
        encoding="utf-8",
    )
    start = time.perf_counter()
    result = CliRunner().invoke(main, [a.replace("{tmp}", str(tmp_path)) for a in args])
    assert time.perf_counter() - start < 2
    assert result.exit_code == 1, result.output
    assert "zip bomb" in result.output
    assert "Traceback" not in result.output


def test_readers_call_the_guard(tmp_path, no_openpyxl):
    from cosyn.io.read import read_table
    from cosyn.io.sheets import data_sheet

    path = tmp_path / "bomb.xlsx"
    path.write_bytes(bomb_xlsx(300))
    for read in (read_table, data_sheet):
        with pytest.raises(ArchiveTooLarge):
            read(path)


def test_the_result_is_cached_by_file_state(tmp_path):
    path = tmp_path / "ok.xlsx"
    path.write_bytes(bomb_xlsx(sheet=b"<worksheet/>"))
    first = check_xlsx_archive(path)
    assert check_xlsx_archive(path) is first
    path.write_bytes(bomb_xlsx(300))  # replaced: checked anew
    with pytest.raises(ArchiveTooLarge):
        check_xlsx_archive(path)


def test_web_upload_of_the_bomb_is_413_before_openpyxl(no_openpyxl):
    pytest.importorskip("fastapi")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette: httpx → httpx2 notice
        from fastapi.testclient import TestClient

    from cosyn.web import create_app

    client = TestClient(create_app(), base_url="http://127.0.0.1")
    content = bomb_xlsx(300)
    for url in ("/api/inspect", "/api/fit", "/api/report"):
        start = time.perf_counter()
        r = client.post(url, files={"data": ("bomb.xlsx", content)}, data={"spec": "x = 1"})
        assert time.perf_counter() - start < 2
        assert r.status_code == 413, r.text
        assert r.json()["kind"] == "TooLarge"
        assert "'bomb.xlsx'" in r.json()["error"] and "zip bomb" in r.json()["error"]


def test_path_of_a_missing_file(tmp_path):
    with pytest.raises(DataError, match="cannot be read"):
        check_xlsx_archive(Path(tmp_path / "none.xlsx"))


def test_a_file_marked_checked_is_not_read_again(tmp_path, monkeypatch):
    """mark_checked: the caller's check (with its own limits) stands for the unchanged file."""
    from cosyn.io import archive

    path = tmp_path / "big.xlsx"
    path.write_bytes(bomb_xlsx(3))
    info = check_xlsx_archive(path, max_ratio=10_000)  # passes with a caller's own limits
    archive.mark_checked(path, info)
    monkeypatch.setattr(archive, "_check", lambda *a: pytest.fail("read again"))
    assert check_xlsx_archive(path) is info  # the default ratio limit is not applied again
    path.write_bytes(bomb_xlsx(4))  # changed: no longer the file that was checked
    monkeypatch.undo()
    with pytest.raises(ArchiveTooLarge):
        check_xlsx_archive(path)


def test_a_web_request_checks_the_archive_once(tmp_path, monkeypatch):
    """The server's check (its limits) is handed to the work: one pass per request."""
    import pandas as pd

    from cosyn.datasets import data_path
    from cosyn.io import archive
    from cosyn.web import work

    book = tmp_path / "trade.xlsx"
    pd.read_csv(data_path("trade.csv")).to_excel(book, index=False)
    calls: list[str] = []
    check = archive._check

    def counted(*args):
        calls.append(args[1])
        return check(*args)

    monkeypatch.setattr(archive, "_check", counted)
    spec = data_path("trade_model.toml").read_text(encoding="utf-8")
    with book.open("rb") as fh:
        out = work.fit_upload(fh, "trade.xlsx", spec, work.Limits())
    assert len(out["synergy"]) == 55
    assert calls == ["trade.xlsx"]  # the server's check, named as uploaded; not again

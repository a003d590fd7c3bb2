"""Reading data files: header cells become text names, odd cells and files one clear error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook

from cosyn import DataError, Spec, build_panel
from cosyn.io.guess import guess_columns
from cosyn.io.read import UNNAMED, column_labels, column_letter, read_table

SPEC = Spec.from_dict(
    {
        "entity": "region",
        "period": "year",
        "subsystems": {"a": {"indicators": {"x": "+"}}, "b": {"indicators": {"y": "+"}}},
    }
)


def workbook(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def test_column_letters_as_a_spreadsheet_counts_them() -> None:
    assert [column_letter(n) for n in (0, 1, 25, 26, 27, 51, 52, 701, 702)] == [
        "A",
        "B",
        "Z",
        "AA",
        "AB",
        "AZ",
        "BA",
        "ZZ",
        "AAA",
    ]


def test_header_cells_as_text() -> None:
    raw = [
        "a",
        2020,
        2020.5,
        7.0,
        np.int64(3),
        None,
        float("nan"),
        "  ",
        True,
        pd.Timestamp("2020-01-01"),
    ]
    assert column_labels(raw, "here") == [
        "a",
        "2020",  # never "2020.0"
        "2020.5",
        "7",
        "3",
        "column 6",
        "column 7",
        "column 8",
        "True",
        "2020-01-01",
    ]


def test_header_clashes_name_both_positions() -> None:
    with pytest.raises(DataError) as info:
        column_labels(["a", 2020, "a", "2020"], "data file 'x.csv'")
    message = str(info.value)
    assert message.startswith("data file 'x.csv' has two columns with one name")
    assert "'a' in columns 1 and 3 (A and C)" in message
    assert "'2020' in columns 2 and 4 (B and D)" in message
    assert "give every column its own name" in message


def test_csv_duplicate_header_is_refused_not_renamed(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("region,year,a,a\nn,2020,1,2\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"'a' in columns 3 and 4 \(C and D\)"):
        read_table(path)


def test_csv_blank_header_is_named_by_its_position(tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    path.write_text(",year,x\n0,2020,1\n", encoding="utf-8")
    frame = read_table(path)
    assert list(frame.columns) == ["column 1", "year", "x"]
    assert frame.attrs[UNNAMED] == ["column 1"]


def test_csv_header_text_is_kept_as_written(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("NA,2020,1.50,x.1\n1,2,3,4\n", encoding="utf-8")
    assert list(read_table(path).columns) == ["NA", "2020", "1.50", "x.1"]


def test_csv_rows_wider_than_the_header_are_refused(tmp_path: Path) -> None:
    # pandas would silently turn the first column into a row index
    path = tmp_path / "wide.csv"
    path.write_text("year,x\n2020,1,5\n2021,2,6\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"more cells than its header line has names \(2\)"):
        read_table(path)


def test_empty_csv_and_empty_workbook(tmp_path: Path) -> None:
    (tmp_path / "e.csv").write_bytes(b"")
    with pytest.raises(DataError, match=r"'.*e\.csv' is empty; it needs a header line"):
        read_table(tmp_path / "e.csv")
    Workbook().save(tmp_path / "e.xlsx")
    with pytest.raises(DataError, match=r"workbook '.*e\.xlsx' is empty"):
        read_table(tmp_path / "e.xlsx")


def test_header_only_has_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("region,year,x,y\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"has no rows \(only the column names\)"):
        build_panel(path, SPEC)


def test_byte_order_mark_is_not_part_of_the_first_name(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffregion,year,x,y\nn,2020,1,2\nn,2021,2,3\n".encode())
    assert list(read_table(path).columns) == ["region", "year", "x", "y"]
    assert build_panel(path, SPEC).shape == (1, 2, 2)


def test_latin1_csv_says_to_save_as_utf8(tmp_path: Path) -> None:
    # "ü" then "r" also decodes as GB18030, into a rare character: refused, not misread
    path = tmp_path / "latin.csv"
    path.write_bytes("region,year,x\nZürich,2020,1\n".encode("latin-1"))
    with pytest.raises(
        DataError, match=r"is not UTF-8 text.*byte 0xfc at offset 15 \(row 2 .*'CSV UTF-8'"
    ):
        read_table(path)


@pytest.mark.parametrize(
    ("cell", "fragment"),
    [
        ("abc", r"non-numeric cells in data file '.*c\.csv':\n  column 'x': row 3 'abc'"),
        ('"1,234"', r"(?s)column 'x': row 3 '1,234'.*remove units and thousands separators"),
        ("12 kg", r"column 'x': row 3 '12 kg'"),
        ("inf", r"infinite values in data file '.*c\.csv': row 3 column 'x'"),
        ("-Infinity", r"infinite values in data file '.*c\.csv': row 3 column 'x'"),
    ],
)
def test_odd_cells(tmp_path: Path, cell: str, fragment: str) -> None:
    path = tmp_path / "c.csv"
    path.write_text(f"region,year,x,y\nn,2020,1,2\nn,2021,{cell},3\n", encoding="utf-8")
    with pytest.raises(DataError, match=fragment):
        build_panel(path, SPEC)


def test_xlsx_numeric_and_blank_headers(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "n.xlsx",
        [["region", "year", 2020, None, 2.5], ["n", 2020, 1, 9, 2], ["n", 2021, 2, 9, 3]],
    )
    frame = read_table(path)
    assert list(frame.columns) == ["region", "year", "2020", "column 4", "2.5"]
    assert frame.attrs[UNNAMED] == ["column 4"]
    guess = guess_columns(frame)
    assert (guess.entity, guess.period) == ("region", "year")
    assert guess.indicators == ("2020", "2.5")  # the unnamed column is not guessed
    assert guess.unnamed == ("column 4",)


def test_xlsx_number_and_text_headers_that_print_alike(tmp_path: Path) -> None:
    path = workbook(tmp_path / "d.xlsx", [["year", 2020, "2020"], [2020, 1, 2]])
    with pytest.raises(DataError, match=r"'2020' in columns 2 and 3 \(B and C\)"):
        read_table(path)


def test_xlsx_damaged_archive(tmp_path: Path) -> None:
    import zipfile

    with zipfile.ZipFile(tmp_path / "bad.xlsx", "w") as z:
        z.writestr("[Content_Types].xml", "<not xml")
    with pytest.raises(DataError, match=r"workbook '.*bad\.xlsx' cannot be read"):
        read_table(tmp_path / "bad.xlsx")


def test_guess_takes_a_frame_with_number_column_names() -> None:
    frame = pd.DataFrame({"region": ["a", "a", "b"], "year": [2020, 2021, 2020], 2020: [1.0, 2, 3]})
    guess = guess_columns(frame)
    assert guess == guess_columns(frame.rename(columns={2020: "2020"}))
    assert guess.indicators == ("2020",)


def test_guess_refuses_two_columns_with_one_name() -> None:
    frame = pd.DataFrame([[1, 2]], columns=["a", "a"])
    with pytest.raises(DataError, match=r"'a' in columns 1 and 2"):
        guess_columns(frame)


def test_parquet_index_becomes_a_column(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    frame = pd.DataFrame(
        {"year": [2020, 2021], "x": [1.0, 2.0], "y": [3.0, 4.0]},
        index=pd.Index(["n", "n"], name="region"),
    )
    frame.to_parquet(tmp_path / "p.parquet")
    panel = build_panel(tmp_path / "p.parquet", SPEC)
    np.testing.assert_array_equal(panel.values[0], [[1, 3], [2, 4]])

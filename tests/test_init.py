"""``cosyn init`` on workbooks whose header cells are numbers or blank (issue 8, item 9)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
from openpyxl import Workbook, load_workbook

from cosyn import Spec, build_panel
from cosyn.init import write_sheet_skeleton, write_toml_skeleton
from cosyn.io.sheets import spec_from_workbook


def numeric_header_book(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = "data"
    sheet.append(["region", "year", 2020, 2.5, None, "gdp"])
    for region in ("n", "s"):
        for year in (2020, 2021, 2022):
            sheet.append([region, year, year - 2000, 1.5 * (year - 2019), 0, 3.0 + len(region)])
    book.save(path)
    return path


def test_toml_skeleton_of_a_workbook_with_number_headers(tmp_path: Path) -> None:
    data = numeric_header_book(tmp_path / "d.xlsx")
    written, guess = write_toml_skeleton(data, tmp_path / "m.toml")
    assert (guess.entity, guess.period) == ("region", "year")
    assert guess.indicators == ("2020", "2.5", "gdp")  # 2020 as text, never "2020.0"
    assert guess.unnamed == ("column 5",)
    text = written.read_text(encoding="utf-8")
    model = tomllib.loads(text)
    assert model["subsystems"]["subsystem_1"]["indicators"] == {"2020": "+", "2.5": "+", "gdp": "+"}
    assert '#   "column 5": its header cell is blank' in text
    # moved into two subsystems as the skeleton asks, the model reads the workbook
    model["subsystems"]["subsystem_2"]["indicators"] = {"gdp": "-"}
    del model["subsystems"]["subsystem_1"]["indicators"]["gdp"]
    panel = build_panel(data, Spec.from_dict(model))
    np.testing.assert_array_equal(panel.values[0, :, 0], [20, 21, 22])
    np.testing.assert_array_equal(panel.values[1, :, 1], [1.5, 3.0, 4.5])


def test_sheet_skeleton_of_a_workbook_with_number_headers(tmp_path: Path) -> None:
    data = numeric_header_book(tmp_path / "d.xlsx")
    out, _ = write_sheet_skeleton(data, tmp_path / "d.model.xlsx")
    book = load_workbook(out)
    rows = list(book["indicators"].iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["2020", "2.5", "gdp"]  # text cells, as the header
    book["indicators"]["B4"] = "subsystem_2"  # gdp moves, as the user would
    book.save(out)
    spec = spec_from_workbook(out)
    assert [i.column for i in spec.indicators] == ["2020", "2.5", "gdp"]
    panel = build_panel(out, spec, sheet="data")
    np.testing.assert_array_equal(panel.values[1, :, 2], [4.0, 4.0, 4.0])
    assert load_workbook(data).sheetnames == ["data"]  # the input is not changed


def test_indicators_sheet_of_number_names_reads_them_as_the_header(tmp_path: Path) -> None:
    # every name in the 'column' column looks like a number, so pandas reads them as
    # floats (2020.0); the spec must still name the columns "2020" and "7"
    book = Workbook()
    sheet = book.active
    sheet.title = "data"
    sheet.append(["year", 2020, 7.0])
    for year in range(2000, 2005):
        sheet.append([year, year % 3 + 1, year % 4 + 2])
    book.save(tmp_path / "d.xlsx")
    out, guess = write_sheet_skeleton(tmp_path / "d.xlsx", tmp_path / "d.model.xlsx")
    assert guess.indicators == ("2020", "7")
    edited = load_workbook(out)
    edited["indicators"]["B3"] = "subsystem_2"
    edited.save(out)
    spec = spec_from_workbook(out)
    assert [i.column for i in spec.indicators] == ["2020", "7"]
    panel = build_panel(out, spec, sheet="data")
    np.testing.assert_array_equal(panel.values[0, :, 1], [2, 3, 4, 5, 2])

"""Reading a researcher's own files (issue 9, items 3 and 4): the missing-value tokens of
every reader, Chinese Excel's GB18030 "CSV", and long layout under Chinese headers."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

import cosyn
from cosyn.check import find_problems
from cosyn.errors import CosynWarning, DataError
from cosyn.io.guess import long_columns, with_long_names
from cosyn.io.read import DEFAULT_NA_VALUES, ENCODING, MISSING_TOKENS, na_tokens, read_table
from cosyn.io.sheets import spec_from_workbook

ROOT = Path(__file__).resolve().parents[1]
PROVINCES = ROOT / "examples" / "provinces"

# Two provinces × four years, three indicators; written by hand so that every number can
# be checked against the file.
HEADER = "地区,年份,数字经济(亿元),制造业(亿元),能耗(吨/万元)\n"
ROWS = [
    ("北京", 2019, "10.5", "40", "0.9"),
    ("北京", 2020, "12.0", "42", "0.8"),
    ("北京", 2021, "13.5", "45", "0.75"),
    ("北京", 2022, "15.0", "47", "0.7"),
    ("上海", 2019, "9.0", "50", "0.6"),
    ("上海", 2020, "9.5", "52", "0.58"),
    ("上海", 2021, "11.0", "53", "0.55"),
    ("上海", 2022, "12.5", "57", "0.5"),
]
MODEL = """
entity = "地区"
period = "年份"
[subsystems.digital]
indicators = { "数字经济(亿元)" = "正向" }
[subsystems.industry]
indicators = { "制造业(亿元)" = "+", "能耗(吨/万元)" = "负向" }
"""
SPEC = {
    "entity": "地区",
    "period": "年份",
    "subsystems": {
        "digital": {"indicators": {"数字经济(亿元)": "正向"}},
        "industry": {"indicators": {"制造业(亿元)": "+", "能耗(吨/万元)": "负向"}},
    },
}


def csv_text(rows: list[tuple[object, ...]] = ROWS) -> str:
    return HEADER + "".join(",".join(str(c) for c in row) + "\n" for row in rows)


def with_cells(**cells: str) -> list[tuple[object, ...]]:
    """ROWS with some cells replaced: ``r3c2="—"`` is the cell of file row 3, column 2."""
    rows = [list(r) for r in ROWS]
    for key, text in cells.items():
        row, col = (int(n) for n in key[1:].split("c"))
        rows[row - 2][col] = text  # file row 2 is ROWS[0]
    return [tuple(r) for r in rows]


def fit_quietly(data: object, spec: object) -> cosyn.Result:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CosynWarning)
        return cosyn.fit(data, spec)


# -- encodings ---------------------------------------------------------------------------


def test_gb18030_file_gives_the_numbers_of_the_utf8_file(tmp_path: Path) -> None:
    utf8, gbk = tmp_path / "utf8.csv", tmp_path / "gbk.csv"
    utf8.write_text(csv_text(), encoding="utf-8")
    gbk.write_bytes(csv_text().encode("gbk"))  # what Chinese Excel writes as "CSV"
    with pytest.warns(CosynWarning, match=r"read data file '.*gbk\.csv' as GB18030") as caught:
        frame = read_table(gbk)
    assert "its columns read: 地区, 年份, 数字经济(亿元)" in str(caught[0].message)
    assert frame.attrs[ENCODING] == "gb18030"
    assert list(frame.columns) == [
        "地区",
        "年份",
        "数字经济(亿元)",
        "制造业(亿元)",
        "能耗(吨/万元)",
    ]
    assert frame["地区"].tolist() == ["北京"] * 4 + ["上海"] * 4
    assert frame["能耗(吨/万元)"].tolist() == [0.9, 0.8, 0.75, 0.7, 0.6, 0.58, 0.55, 0.5]
    a, b = fit_quietly(utf8, SPEC), fit_quietly(gbk, SPEC)
    assert list(b.entities) == ["北京", "上海"]
    np.testing.assert_array_equal(a.synergy_values, b.synergy_values)
    np.testing.assert_array_equal(a.x, b.x)


def test_utf8_is_read_without_a_note(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_bytes(b"\xef\xbb\xbf" + csv_text().encode("utf-8"))  # with a byte-order mark
    with warnings.catch_warnings():
        warnings.simplefilter("error", CosynWarning)
        frame = read_table(path)
    assert frame.attrs[ENCODING] == "utf-8" and frame.columns[0] == "地区"


def test_utf16_unicode_text_is_read_and_said(tmp_path: Path) -> None:
    path = tmp_path / "d.txt"
    path.write_bytes(csv_text().replace(",", "\t").encode("utf-16"))  # Excel "Unicode text"
    with pytest.warns(CosynWarning, match="as UTF-16"):
        frame = read_table(path)
    assert frame["制造业(亿元)"].tolist() == [40, 42, 45, 47, 50, 52, 53, 57]


@pytest.mark.parametrize(
    ("content", "offset", "row"),
    [
        # Latin-1 "ü" then "r" decodes as GB18030 too, as a rare character: refused
        ("region,year,x\nn,2020,1\nZürich,2021,2\n".encode("latin-1"), 24, 3),
        # Traditional Chinese in Big5 decodes as GB18030 into wrong, mostly rare characters
        ("縣市,年度,人口數\n臺北市,2020,2602418\n高雄市,2020,2765932\n".encode("big5"), 0, 1),
        # binary bytes that start like a UTF-16 byte-order mark are not taken for UTF-16
        (b"\xff\xfe\x00\x81" * 100, 0, 1),
        # bytes that are neither UTF-8 nor GB18030 at all
        (HEADER.encode("utf-8") + b"\xff\xfe\xff,2020,1,2,3\n", len(HEADER.encode()), 2),
    ],
)
def test_neither_utf8_nor_gb18030_is_one_clear_error(
    tmp_path: Path, content: bytes, offset: int, row: int
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(DataError) as error:
        read_table(path)
    text = str(error.value)
    assert f"data file {str(path)!r} is not UTF-8 text, nor Chinese text in GB18030" in text
    assert f"at offset {offset} (row {row} of the file)" in text
    assert "save it as 'CSV UTF-8'" in text


def test_neither_encoding_through_check_is_one_problem(tmp_path: Path) -> None:
    model = tmp_path / "m.toml"
    model.write_text(MODEL, encoding="utf-8")
    data = tmp_path / "d.csv"
    data.write_bytes(csv_text().encode("utf-8").replace("上海".encode(), b"\xe4\xb8"))
    problems, _ = find_problems(model, data)
    assert len(problems) == 1 and "is not UTF-8 text" in problems[0], problems


# -- missing-value tokens ----------------------------------------------------------------


def test_default_tokens_are_documented_and_include_the_yearbook_dashes() -> None:
    assert {"-", "—", "--", "——", "…", "NA", "N/A", "n/a", "NaN", "null"} <= set(DEFAULT_NA_VALUES)
    assert na_tokens() == frozenset({"", *DEFAULT_NA_VALUES})
    assert na_tokens(["n.a."]) == frozenset({"", "n.a."})  # a list replaces the default
    spec_doc = (ROOT / "docs" / "spec.md").read_text(encoding="utf-8")
    for token in ("`-`", "`—`", "`…`", "`NA`", "`n/a`"):
        assert token in spec_doc, token


def test_dashes_are_missing_and_imputed_as_empty_cells_are(tmp_path: Path) -> None:
    # row 3 is 北京 2020, column 2 数字经济; row 8 is 上海 2021, column 4 能耗
    dashes, empty = tmp_path / "dash.csv", tmp_path / "empty.csv"
    dashes.write_text(csv_text(with_cells(r3c2="-", r8c4=" — ")), encoding="utf-8")
    empty.write_text(csv_text(with_cells(r3c2="", r8c4="")), encoding="utf-8")
    with pytest.warns(CosynWarning) as caught:
        frame = read_table(dashes)
    (note,) = [str(w.message) for w in caught]
    assert note.startswith(f"2 cells of data file {str(dashes)!r} read as missing values")
    assert "column '数字经济(亿元)': row 3 '-'" in note
    assert "column '能耗(吨/万元)': row 8 '—'" in note
    assert frame.attrs[MISSING_TOKENS] == {"数字经济(亿元)": 1, "能耗(吨/万元)": 1}
    assert frame["数字经济(亿元)"].dtype == float  # the column is numeric, not text
    assert np.isnan(frame["数字经济(亿元)"][1]) and frame["数字经济(亿元)"][2] == 13.5
    with pytest.warns(CosynWarning) as caught:
        a = cosyn.fit(dashes, SPEC)
    # the fit's note names each filled cell by entity, period and indicator
    (filled_note,) = [str(w.message) for w in caught if "missing cells filled" in str(w.message)]
    assert "entity '北京', period 2020, indicator '数字经济(亿元)'" in filled_note
    assert "entity '上海', period 2021, indicator '能耗(吨/万元)'" in filled_note
    b = fit_quietly(empty, SPEC)
    np.testing.assert_array_equal(a.imputed, b.imputed)
    np.testing.assert_array_equal(a.synergy_values, b.synergy_values)
    # filled where the dashes were: entity 北京 period 2020 indicator 0; 上海 2021 indicator 2
    assert a.imputed.sum() == 2 and a.imputed[0, 1, 0] and a.imputed[1, 2, 2]
    od = a.order_degree
    filled = od[od["imputed"]][["entity", "period", "indicator"]].values.tolist()
    assert filled == [["北京", 2020, "数字经济(亿元)"], ["上海", 2021, "能耗(吨/万元)"]]
    # linear regression of 10.5, _, 13.5, 15.0 on 2019, 2021, 2022 gives 12.0 at 2020
    assert a.x[0, 1, 0] == pytest.approx(12.0)


def test_tokens_are_missing_in_xlsx_and_parquet_too(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["地区", "年份", "x", "y"])
    sheet.append(["甲", 2020, 1.5, "—"])
    sheet.append(["甲", 2021, "…", 2.5])
    sheet.append(["甲", 2022, 3.5, 4])
    book.save(tmp_path / "d.xlsx")
    with pytest.warns(CosynWarning, match=r"column 'x': row 3 '…'; column 'y': row 2 '—'"):
        frame = read_table(tmp_path / "d.xlsx")
    assert frame["x"].dtype == float and frame["y"].dtype == float
    np.testing.assert_array_equal(frame["x"], [1.5, np.nan, 3.5])
    np.testing.assert_array_equal(frame["y"], [np.nan, 2.5, 4.0])
    pytest.importorskip("pyarrow")
    pd.DataFrame({"t": [1, 2, 3], "x": ["1.5", "-", "3"]}).to_parquet(tmp_path / "d.parquet")
    with pytest.warns(CosynWarning, match=r"column 'x': row 3 '-'"):
        frame = read_table(tmp_path / "d.parquet")
    np.testing.assert_array_equal(frame["x"], [1.5, np.nan, 3.0])


def test_na_values_replaces_the_default_set(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text(csv_text(with_cells(r3c2="n.a.", r4c3="—")), encoding="utf-8")
    # the default set: "—" is missing, "n.a." is text, so the check names that cell
    problems = cosyn.panel.panel_problems(path, cosyn.Spec.from_dict(SPEC))
    assert len(problems) == 1 and "column '数字经济(亿元)': row 3 'n.a.'" in problems[0]
    # na_values = ["n.a."]: "n.a." is missing, and "—" is no longer
    spec = cosyn.Spec.from_dict({**SPEC, "na_values": ["n.a."]})
    problems = cosyn.panel.panel_problems(path, spec)
    assert len(problems) == 1 and "column '制造业(亿元)': row 4 '—'" in problems[0]
    # both listed: both missing, and the fit fills them
    spec = cosyn.Spec.from_dict({**SPEC, "na_values": ["n.a.", "—"]})
    result = fit_quietly(path, spec)
    assert result.imputed.sum() == 2 and result.imputed[0, 1, 0] and result.imputed[0, 2, 1]


def test_empty_na_values_keeps_only_empty_cells_missing(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("country,year,x\nNA,2020,1\nNA,2021,\nFR,2020,3\n", encoding="utf-8")
    frame = read_table(path, na_values=[])
    assert frame["country"].tolist() == ["NA", "NA", "FR"]  # Namibia stays Namibia
    assert np.isnan(frame["x"][1])
    with pytest.warns(CosynWarning, match=r"column 'country': row 2 'NA', row 3 'NA'"):
        assert read_table(path)["country"].isna().sum() == 2


def test_a_number_token_matches_number_cells(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("year,x,y\n2020,-999,1\n2021,2,-999.0\n2022,3,-9990\n", encoding="utf-8")
    with pytest.warns(CosynWarning, match=r"column 'x': row 2 '-999'; column 'y': row 3 '-999'"):
        frame = read_table(path, na_values=["-999"])
    np.testing.assert_array_equal(frame["x"], [np.nan, 2, 3])
    np.testing.assert_array_equal(frame["y"], [1, np.nan, -9990])


def test_na_values_must_be_a_list_of_texts() -> None:
    with pytest.raises(DataError, match="na_values must be a list of texts"):
        na_tokens("-")  # type: ignore[arg-type]


def test_the_model_sheet_keeps_its_minus_directions(tmp_path: Path) -> None:
    """A "-" in the indicators sheet is a direction, never a missing cell."""
    book = Workbook()
    data = book.active
    data.title = "data"
    data.append(["region", "year", "a", "b"])
    for n, year in enumerate((2020, 2021, 2022)):
        data.append(["r", year, n + 1, 5 - n])
    ind = book.create_sheet("indicators")
    ind.append(["column", "subsystem", "direction"])
    ind.append(["a", "A", "+"])
    ind.append(["b", "B", "-"])
    settings = book.create_sheet("settings")
    settings.append(["key", "value"])
    settings.append(["entity", "region"])
    book.save(tmp_path / "m.xlsx")
    spec = spec_from_workbook(tmp_path / "m.xlsx")
    assert [(i.column, i.positive) for i in spec.indicators] == [("a", True), ("b", False)]


def test_the_settings_sheet_sets_na_values(tmp_path: Path) -> None:
    book = Workbook()
    data = book.active
    data.title = "data"
    data.append(["region", "year", "a", "b"])
    for row in (["r", 2020, 1, 5], ["r", 2021, "n.a.", 4], ["r", 2022, 3, "—"], ["r", 2023, 4, 2]):
        data.append(row)
    ind = book.create_sheet("indicators")
    ind.append(["column", "subsystem", "direction"])
    ind.append(["a", "A", "+"])
    ind.append(["b", "B", "-"])
    settings = book.create_sheet("settings")
    settings.append(["key", "value"])
    settings.append(["entity", "region"])
    settings.append(["na_values", "n.a.， —"])  # a full-width comma, as a Chinese IME types it
    book.save(tmp_path / "m.xlsx")
    spec = spec_from_workbook(tmp_path / "m.xlsx")
    assert spec.na_values == ("n.a.", "—")
    result = fit_quietly(tmp_path / "m.xlsx", spec)
    assert result.imputed[0, :, 0].tolist() == [False, True, False, False]
    assert result.imputed[0, :, 1].tolist() == [False, False, True, False]
    settings["B3"] = "none"  # only empty cells are missing: "n.a." is a text cell
    book.save(tmp_path / "m.xlsx")
    spec = spec_from_workbook(tmp_path / "m.xlsx")
    assert spec.na_values == ()
    with pytest.raises(DataError, match=r"column 'a': row 3 'n.a.'"):
        fit_quietly(tmp_path / "m.xlsx", spec)


def test_check_shows_the_encoding_and_token_notes_once(tmp_path: Path) -> None:
    model = tmp_path / "m.toml"
    model.write_text(MODEL, encoding="utf-8")
    data = tmp_path / "d.csv"
    data.write_bytes(csv_text(with_cells(r5c3="—")).encode("gb18030"))
    problems, notes = find_problems(model, data)
    assert problems == []
    assert sum("as GB18030" in n for n in notes) == 1, notes
    assert sum("column '制造业(亿元)': row 5 '—'" in n for n in notes) == 1, notes


# -- long layout under Chinese headers ---------------------------------------------------


def long_text(value: str = "数值", indicator: str = "指标") -> str:
    lines = [f"地区,年份,{indicator},{value}"]
    names = HEADER.strip().split(",")[2:]
    for row in ROWS:
        lines += [
            f"{row[0]},{row[1]},{name},{cell}" for name, cell in zip(names, row[2:], strict=True)
        ]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("indicator", "value"), [("指标", "数值"), ("变量", "值"), ("variable", "value")]
)
def test_long_layout_with_chinese_headers_fits_as_the_wide_file(
    tmp_path: Path, indicator: str, value: str
) -> None:
    wide, long = tmp_path / "wide.csv", tmp_path / "long.csv"
    wide.write_text(csv_text(), encoding="utf-8")
    long.write_text(long_text(value, indicator), encoding="utf-8")
    frame = read_table(long)
    assert long_columns(frame) == (indicator, value)
    assert list(with_long_names(frame).columns) == ["地区", "年份", "indicator", "value"]
    assert list(frame.columns) == ["地区", "年份", indicator, value]  # the input unchanged
    a, b = fit_quietly(wide, SPEC), fit_quietly(long, SPEC)
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.synergy_values, b.synergy_values)


def test_a_wide_file_is_not_taken_for_long() -> None:
    frame = pd.DataFrame({"地区": ["a"], "年份": [2020], "值": [1.0], "x": [2.0]})
    assert long_columns(frame) is None and with_long_names(frame) is frame


@pytest.mark.skipif(not (PROVINCES / "panel_gbk.csv").exists(), reason="example not present")
def test_province_example_reads_alike_in_both_encodings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CosynWarning)
        a = read_table(PROVINCES / "panel.csv")
        b = read_table(PROVINCES / "panel_gbk.csv")
    pd.testing.assert_frame_equal(a, b)
    assert b.attrs[ENCODING] == "gb18030"
    assert all(pd.api.types.is_numeric_dtype(a[c]) for c in a.columns[2:])  # "—" is missing


# -- property: a token reads as an empty cell --------------------------------------------

_FINITE = st.floats(allow_nan=False, allow_infinity=False, width=64)
_TOKENS = st.sampled_from([t for t in DEFAULT_NA_VALUES if t])


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.lists(st.tuples(_FINITE, _FINITE), min_size=1, max_size=8),
    holes=st.lists(st.tuples(st.integers(0, 7), st.integers(0, 1), _TOKENS, st.booleans())),
)
def test_any_token_reads_as_an_empty_cell(
    tmp_path: Path, values: list[tuple[float, float]], holes: list[tuple[int, int, str, bool]]
) -> None:
    """Invariant of every reader: a cell holding a token reads exactly as an empty cell."""
    cells = [[repr(a), repr(b)] for a, b in values]
    tokens, empty = [row[:] for row in cells], [row[:] for row in cells]
    for r, c, token, spaced in holes:
        if r < len(cells):
            tokens[r][c] = f" {token} " if spaced else token
            empty[r][c] = ""
    a, b = tmp_path / "tokens.csv", tmp_path / "empty.csv"
    a.write_text("t,x,y\n" + "".join(f"{n},{x},{y}\n" for n, (x, y) in enumerate(tokens)), "utf-8")
    b.write_text("t,x,y\n" + "".join(f"{n},{x},{y}\n" for n, (x, y) in enumerate(empty)), "utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CosynWarning)
        left, right = read_table(a), read_table(b)
    for column in ("x", "y"):
        np.testing.assert_array_equal(
            left[column].to_numpy(dtype=float), right[column].to_numpy(dtype=float)
        )
        assert pd.api.types.is_numeric_dtype(left[column])

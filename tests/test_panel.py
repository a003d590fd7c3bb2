"""Reading data: every accepted form gives the same cube; every bad input one clear error."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import cosyn
from cosyn import DataError, Spec, build_panel
from cosyn.panel import panel_problems

SPEC = Spec.from_dict(
    {
        "entity": "region",
        "period": "year",
        "subsystems": {
            "econ": {"indicators": {"gdp": "+", "debt": "-"}},
            "env": {"indicators": {"co2": "-"}},
        },
    }
)


@pytest.fixture
def wide() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region": ["north"] * 3 + ["south"] * 3,
            "year": [2020, 2021, 2022] * 2,
            "gdp": [1.0, 2.0, 3.0, 4.0, 5.0, 7.0],
            "debt": [3.0, 2.0, 2.5, 1.0, 1.5, 1.0],
            "co2": [9.0, 8.0, 6.0, 5.0, 5.5, 4.0],
            "note": ["a", "b", "c", "d", "e", "f"],  # not an indicator: ignored
        }
    )


def long_of(wide: pd.DataFrame) -> pd.DataFrame:
    return wide.drop(columns="note").melt(
        id_vars=["region", "year"], var_name="indicator", value_name="value"
    )


def expected_cube(wide: pd.DataFrame) -> np.ndarray:
    return wide[["gdp", "debt", "co2"]].to_numpy().reshape(2, 3, 3)


def test_wide_frame(wide):
    panel = build_panel(wide, SPEC)
    assert list(panel.entities) == ["north", "south"]
    assert list(panel.periods) == [2020, 2021, 2022]
    assert panel.indicators == ("gdp", "debt", "co2")
    np.testing.assert_array_equal(panel.values, expected_cube(wide))
    np.testing.assert_array_equal(panel.time, [2020.0, 2021.0, 2022.0])


def test_rows_in_any_order(wide):
    shuffled = wide.sample(frac=1.0, random_state=3)
    panel = build_panel(shuffled, SPEC)
    # Entities keep their order of first appearance; periods are sorted.
    order = [["north", "south"].index(e) for e in panel.entities]
    np.testing.assert_array_equal(panel.values, expected_cube(wide)[order])


def test_long_frame_equals_wide(wide):
    extra = pd.DataFrame(
        {"region": ["north"], "year": [2020], "indicator": ["other"], "value": ["x"]}
    )  # an indicator the spec does not name is ignored, even a non-numeric one
    panel = build_panel(pd.concat([long_of(wide), extra]), SPEC)
    np.testing.assert_array_equal(panel.values, expected_cube(wide))


def test_index_levels_are_used_as_columns(wide):
    indexed = wide.set_index(["region", "year"])
    np.testing.assert_array_equal(build_panel(indexed, SPEC).values, expected_cube(wide))


def test_xarray_dataset_and_dataarray(wide):
    ds = wide.drop(columns="note").set_index(["region", "year"]).to_xarray()
    np.testing.assert_array_equal(build_panel(ds, SPEC).values, expected_cube(wide))
    da = ds.to_array(dim="indicator")
    np.testing.assert_array_equal(build_panel(da, SPEC).values, expected_cube(wide))


def test_missing_rows_become_missing_cells(wide):
    panel = build_panel(wide.drop(index=[4]), SPEC)
    assert np.isnan(panel.values[1, 1]).all()
    assert not np.isnan(panel.values[0]).any()


def test_no_entity_column_is_one_entity_all(wide):
    spec = Spec.from_dict({**SPEC.to_dict(), "entity": None} | {"period": "year"})
    north = wide[wide.region == "north"].drop(columns="region")
    panel = build_panel(north, spec)
    assert list(panel.entities) == ["all"]
    assert panel.values.shape == (1, 3, 3)


@pytest.mark.parametrize("ext", ["csv", "xlsx", "parquet", "tsv"])
def test_files(wide, tmp_path, ext):
    path = tmp_path / f"data.{ext}"
    if ext == "csv":
        wide.to_csv(path, index=False)
    elif ext == "tsv":
        wide.to_csv(path, index=False, sep="\t")
    elif ext == "xlsx":
        wide.to_excel(path, index=False)
    else:
        wide.to_parquet(path)
    panel = build_panel(path, SPEC)
    np.testing.assert_array_equal(panel.values, expected_cube(wide))
    assert str(path) in panel.source


def test_semicolon_csv(wide, tmp_path):
    path = tmp_path / "data.csv"
    wide.to_csv(path, index=False, sep=";")
    np.testing.assert_array_equal(build_panel(path, SPEC).values, expected_cube(wide))


def test_xlsx_sheet_by_name(wide, tmp_path):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"x": [1]}).to_excel(writer, sheet_name="readme", index=False)
        wide.to_excel(writer, sheet_name="data", index=False)
    np.testing.assert_array_equal(build_panel(path, SPEC, sheet="data").values, expected_cube(wide))
    with pytest.raises(DataError, match=r"has no sheet 'dat'; sheets: \['readme', 'data'\]"):
        build_panel(path, SPEC, sheet="dat")


def test_period_as_text_numbers_dates_and_quarters(wide):
    as_text = wide.assign(year=wide.year.astype(str))
    assert list(build_panel(as_text, SPEC).periods) == [2020, 2021, 2022]
    dates = wide.assign(year=pd.to_datetime(wide.year.astype(str) + "-12-31"))
    panel = build_panel(dates, SPEC)
    assert np.diff(panel.time) == pytest.approx([1.0, 1.0], abs=0.01)
    quarters = wide.assign(year=["2020Q4", "2021Q1", "2021Q2"] * 2)
    panel = build_panel(quarters, SPEC)
    assert [str(p) for p in panel.periods] == ["2020Q4", "2021Q1", "2021Q2"]
    np.testing.assert_array_equal(np.diff(panel.time), [1.0, 1.0])


# -- bad input ---------------------------------------------------------------------------


def error(data, spec=SPEC, **kw) -> str:
    with pytest.raises(DataError) as info:
        build_panel(data, spec, **kw)
    return str(info.value)


def test_missing_indicator_column(wide):
    text = error(wide.rename(columns={"gdp": "GDP"}))
    assert (
        "column 'gdp' (spec key 'subsystems.econ.indicators.gdp') is not in the DataFrame" in text
    )
    assert "(did you mean 'GDP'?)" in text
    assert "its columns are: region, year, GDP, debt, co2, note" in text


def test_missing_entity_and_period_columns(wide):
    text = error(wide.drop(columns=["region", "year"]))
    assert "column 'year' (spec key 'period')" in text
    assert "column 'region' (spec key 'entity')" in text


def test_non_numeric_cells_name_file_row_and_column(wide, tmp_path):
    bad = wide.astype({"gdp": object, "co2": object})
    bad.loc[1, "gdp"] = "1,234"
    bad.loc[4, "co2"] = "n.a."
    path = tmp_path / "bad.csv"
    bad.to_csv(path, index=False)
    text = error(path)
    assert f"non-numeric cells in data file {str(path)!r}" in text
    # DataFrame row 1 is line 3 of the file (header on line 1).
    assert "column 'gdp': row 3 '1,234'" in text
    assert "column 'co2': row 6 'n.a.'" in text
    assert "remove units and thousands separators" in text


def test_blank_text_cells_are_missing_not_errors(wide):
    blanks = wide.astype({"gdp": object})
    blanks.loc[1, "gdp"] = "  "
    panel = build_panel(blanks, SPEC)
    assert np.isnan(panel.values[0, 1, 0])


def test_boolean_cells_are_not_numbers(wide):
    assert "column 'gdp': row 0 True" in error(wide.assign(gdp=[True, False] * 3))


def test_infinite_values_refused(wide):
    text = error(wide.assign(debt=[1.0, np.inf, 2.0, 1.0, 1.0, -np.inf]))
    assert "infinite values in the DataFrame: row 1 column 'debt', row 5 column 'debt'" in text


def test_duplicate_entity_period_rows(wide, tmp_path):
    path = tmp_path / "dup.csv"
    pd.concat([wide, wide.iloc[[4]]]).to_csv(path, index=False)
    text = error(path)
    assert "entity 'south', period 2021 appears 2 times" in text
    assert "(row 6, row 8)" in text and "keep one row per entity and period" in text


def test_duplicate_periods_without_entity_column_hint(wide):
    spec = Spec.from_dict({k: v for k, v in SPEC.to_dict().items() if k != "entity"})
    text = error(wide, spec)
    assert "period 2020 appears 2 times" in text
    assert "name their column with spec key 'entity'" in text


def test_duplicate_in_long_layout(wide):
    long = long_of(wide)
    text = error(pd.concat([long, long.iloc[[0]]], ignore_index=True))
    assert "entity 'north', period 2020, indicator 'gdp' appears 2 times" in text


def test_long_layout_missing_indicator(wide):
    long = long_of(wide)
    text = error(long[long.indicator != "co2"])
    assert "indicator 'co2' (spec key 'subsystems.env.indicators.co2') has no rows" in text


def test_period_not_orderable(wide):
    text = error(wide.assign(year=["first", "second", "third"] * 2))
    assert "period column 'year' of the DataFrame is not orderable: 'first' in row 0" in text
    mixed = wide.astype({"year": object})
    mixed.loc[2, "year"] = "later"
    assert "'later' in row 2" in error(mixed)
    cat = wide.assign(year=pd.Categorical(["a", "b", "c"] * 2))
    assert "is an unordered category" in error(cat)


def test_ordered_category_period(wide):
    cat = wide.assign(
        year=pd.Categorical(
            ["early", "mid", "late"] * 2, categories=["early", "mid", "late"], ordered=True
        )
    )
    assert list(build_panel(cat, SPEC).periods) == ["early", "mid", "late"]


def test_empty_period_or_entity(wide):
    assert "period column 'year' of the DataFrame is empty in row 2" in error(
        wide.assign(year=[2020, 2021, None, 2020, 2021, 2022])
    )
    assert "entity column 'region' of the DataFrame is empty in row 0" in error(
        wide.assign(region=[None, "north", "north", "south", "south", "south"])
    )


def test_file_errors(tmp_path):
    assert "does not exist" in error(tmp_path / "nope.csv")
    assert "is a folder" in error(tmp_path)
    (tmp_path / "data.json").write_text("{}")
    assert "has extension '.json'; cosyn reads .csv, .tsv, .xlsx and .parquet" in error(
        tmp_path / "data.json"
    )
    fake = tmp_path / "locked.xlsx"
    fake.write_bytes(b"\xd0\xcf\x11\xe0 not a zip")  # what an encrypted workbook looks like
    assert "may be password-protected" in error(fake)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("region,year,gdp\nZürich,2020,1\n".encode("latin-1"))
    assert "is not UTF-8 text" in error(latin)


def test_unsupported_type():
    assert "cannot read data of type list" in error([[1, 2]])


def test_input_frame_is_not_modified(wide):
    before = wide.copy(deep=True)
    cosyn.fit(wide.iloc[::-1], SPEC)
    cosyn.fit(wide, SPEC)
    pd.testing.assert_frame_equal(wide, before)


def test_input_file_is_not_modified(wide, tmp_path):
    path = tmp_path / "data.csv"
    wide.to_csv(path, index=False)
    before = path.read_bytes()
    cosyn.fit(path, SPEC)
    assert path.read_bytes() == before


def test_xarray_input_is_not_modified(wide):
    ds = wide.drop(columns="note").set_index(["region", "year"]).to_xarray()
    before = ds.copy(deep=True)
    cosyn.fit(ds, SPEC)
    xr.testing.assert_identical(ds, before)


# -- labels that must stay apart when shown as text (METHOD §8; issue 8, items 8 and 9) --


def test_duplicate_column_names_in_a_frame_name_both_positions(wide):
    frame = wide.copy()
    frame.insert(4, "gdp_copy", frame["gdp"])
    frame.columns = [*frame.columns[:4], "gdp", *frame.columns[5:]]
    with pytest.raises(DataError) as info:
        build_panel(frame, SPEC)
    message = str(info.value)
    assert "two columns with one name: 'gdp' in columns 3 and 5 (C and E)" in message
    assert "the DataFrame" in message
    assert panel_problems(frame, SPEC) == [message]


def test_duplicate_column_names_in_a_csv_are_not_renamed(wide, tmp_path):
    path = tmp_path / "dup.csv"
    text = wide.to_csv(index=False)
    path.write_text(text.replace("co2", "gdp", 1), encoding="utf-8")  # header: two 'gdp'
    with pytest.raises(DataError, match=r"'gdp' in columns 3 and 5 \(C and E\)") as info:
        build_panel(path, SPEC)
    assert "dup.csv" in str(info.value)


def test_number_and_text_column_names_that_print_alike_clash(wide):
    frame = wide.rename(columns={"note": 2020}).assign(**{"2020": 1.0})
    with pytest.raises(DataError, match=r"'2020' in columns 6 and 7 \(F and G\)"):
        build_panel(frame, SPEC)


def test_number_column_names_are_their_text(wide):
    spec = Spec.from_dict(
        {
            "entity": "region",
            "period": "year",
            "subsystems": {"a": {"indicators": {"2020": "+"}}, "b": {"indicators": {"1.5": "+"}}},
        }
    )
    frame = wide.rename(columns={"gdp": 2020, "co2": 1.5})
    panel = build_panel(frame, spec)
    assert panel.indicators == ("2020", "1.5")
    np.testing.assert_array_equal(panel.values[..., 0], wide["gdp"].to_numpy().reshape(2, 3))
    assert list(frame.columns)[2] == 2020  # the input keeps its own labels


def test_entity_number_and_text_that_print_alike_are_refused(wide):
    frame = wide.copy()
    frame["region"] = pd.Series([0, 0, 0, "0", "0", "0"], dtype=object)
    with pytest.raises(DataError) as info:
        build_panel(frame, SPEC)
    message = str(info.value)
    assert "0 (a number, row 0), '0' (text, row 3), all shown as '0'" in message
    assert "make the column all text" in message


def test_entity_float_and_text_that_print_alike_are_refused(wide):
    frame = wide.copy()
    frame["region"] = pd.Series([1.5, 1.5, 1.5, "1.5", "1.5", "1.5"], dtype=object)
    with pytest.raises(DataError, match=r"1\.5 \(a number, row 0\), '1\.5' \(text, row 3\)"):
        build_panel(frame, SPEC)


def test_distinct_mixed_entity_labels_are_kept(wide):
    frame = wide.copy()
    frame["region"] = pd.Series([7, 7, 7, "seven", "seven", "seven"], dtype=object)
    assert list(build_panel(frame, SPEC).entities) == [7, "seven"]


def test_period_number_text_and_float_are_one_period(wide):
    frame = wide.copy()
    frame["year"] = pd.Series([2020, "2021", 2022.0, "2020", 2021, 2022], dtype=object)
    panel = build_panel(frame, SPEC)
    assert list(panel.periods) == [2020, 2021, 2022]
    np.testing.assert_array_equal(panel.values, expected_cube(wide))
    frame.loc[1, "year"] = "2020.0"  # now north has two rows for 2020
    with pytest.raises(DataError, match=r"entity 'north', period 2020 appears 2 times"):
        build_panel(frame, SPEC)


def test_xlsx_header_cells_that_are_numbers_or_blank(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["region", "year", 2020, None, 1.5, 7.0])
    sheet.append(["n", 2020, 1.0, 9.0, 2.0, 3.0])
    sheet.append(["n", 2021, 2.0, 9.0, 4.0, 5.0])
    book.save(tmp_path / "numbers.xlsx")
    spec = Spec.from_dict(
        {
            "entity": "region",
            "period": "year",
            "subsystems": {
                "a": {"indicators": {"2020": "+", "column 4": "+"}},
                "b": {"indicators": {"1.5": "+", "7": "+"}},
            },
        }
    )
    panel = build_panel(tmp_path / "numbers.xlsx", spec)
    np.testing.assert_array_equal(panel.values[0], [[1, 9, 2, 3], [2, 9, 4, 5]])


@pytest.mark.parametrize("text", ["NaT", "nat"])
def test_period_text_that_pandas_parses_as_no_period(wide, text):
    frame = wide.astype({"year": object})
    frame.loc[2, "year"] = text
    with pytest.raises(
        DataError,
        match=rf"period column 'year' of the DataFrame is not orderable: '{text}' in row 2",
    ):
        build_panel(frame, SPEC)


@pytest.mark.parametrize("value", ["1e400", "-inf", np.inf, 1e400])
def test_infinite_periods_are_refused(wide, value):
    frame = wide.astype({"year": object if isinstance(value, str) else float})
    frame.loc[4, "year"] = value
    with pytest.raises(
        DataError,
        match=r"period column 'year' of the DataFrame holds -?inf in row 4; a period is a fin",
    ):
        build_panel(frame, SPEC)


def test_entity_labels_that_differ_only_in_spaces_are_refused(wide):
    frame = wide.copy()
    frame.loc[5, "region"] = "south "
    frame.loc[5, "year"] = 2023
    with pytest.raises(DataError) as info:
        build_panel(frame, SPEC)
    message = str(info.value)
    assert "'south' (text, row 3), 'south ' (text, row 5), all shown as 'south'" in message
    assert "differ only in spaces" in message


def test_column_names_that_differ_only_in_spaces_are_refused(wide):
    frame = wide.assign(**{"gdp ": 1.0})
    with pytest.raises(
        DataError, match=r"'gdp' and 'gdp ' \(alike but for spaces\) in columns 3 and 7 \(C and G\)"
    ):
        build_panel(frame, SPEC)


def test_the_cube_copied_in_pieces_and_threads_is_the_frame(monkeypatch):
    import importlib

    panel_module = importlib.import_module("cosyn.panel")
    monkeypatch.setattr(panel_module, "_COPY_CELLS", 7)  # pieces of 2 rows of 3 columns
    monkeypatch.setattr(panel_module, "_MIN_THREAD_ROWS", 4)
    if hasattr(panel_module.os, "sched_getaffinity"):
        monkeypatch.setattr(panel_module.os, "sched_getaffinity", lambda _: {0, 1, 2})
    rng = np.random.default_rng(3)
    E, T = 5, 4
    frame = pd.DataFrame(
        {
            "e": np.repeat([f"r{i}" for i in range(E)], T),
            "t": np.tile(np.arange(T), E),
            **{c: rng.uniform(1, 9, E * T) for c in ("a1", "a2", "b1")},
        }
    )
    spec = Spec.from_dict(
        {
            "entity": "e",
            "period": "t",
            "subsystems": {
                "a": {"indicators": {"a1": "+", "a2": "-"}},
                "b": {"indicators": {"b1": "+"}},
            },
        }
    )
    panel = build_panel(frame, spec)
    np.testing.assert_array_equal(
        panel.values, frame[["a1", "a2", "b1"]].to_numpy().reshape(E, T, 3)
    )
    assert panel.values.flags.c_contiguous
    frame.loc[17, "a2"] = -np.inf  # in one of the last parts
    frame.loc[2, "b1"] = np.nan  # a missing cell is no error
    with pytest.raises(DataError, match=r"infinite values in the DataFrame: row 17 column 'a2';"):
        build_panel(frame, spec)
    frame.loc[17, "a2"] = 1e308
    frame.loc[18, "a2"] = 1e308  # finite cells whose sum overflows
    assert np.isnan(build_panel(frame, spec).values[0, 2, 2])


@pytest.mark.parametrize(
    "labels",
    [
        ["r1", "r1", "r0", "r0", "r2", "r1", "r1", "r3"],  # a label that comes back
        ["b", "b", "b", "a", "a", "a", "c", "c"],
        [7, 7, 3, 3, 3, 9, 7, 7],
        ["x", "y", "x", "y", "x", "y", "x", "y"],  # no runs: factorised as it is
    ],
)
@pytest.mark.parametrize("dtype", ["str", "string[pyarrow]", "string[python]", "int64", None])
def test_entity_labels_factorised_by_runs_as_pandas_does(monkeypatch, labels, dtype):
    import importlib

    panel_module = importlib.import_module("cosyn.panel")
    monkeypatch.setattr(panel_module, "_RUN_PROBE", 4)
    if dtype == "int64" and isinstance(labels[0], str):
        labels = [ord(v[-1]) for v in labels]
    if dtype in ("str", "string[pyarrow]", "string[python]") and not isinstance(labels[0], str):
        labels = [f"e{v}" for v in labels]
    try:
        col = pd.Series(labels, dtype=dtype)
    except (TypeError, ImportError):
        pytest.skip(f"dtype {dtype} not available")
    codes, uniques = panel_module._factorize_runs(col)
    want_codes, want_uniques = pd.factorize(col, sort=False)
    np.testing.assert_array_equal(codes, want_codes)
    assert codes.dtype == np.intp
    assert type(uniques) is type(want_uniques)
    assert uniques.dtype == want_uniques.dtype
    assert list(uniques) == list(want_uniques)


def test_the_transposed_copy_in_groups_of_columns_is_the_block(monkeypatch):
    import importlib

    panel_module = importlib.import_module("cosyn.panel")
    monkeypatch.setattr(panel_module, "_COPY_CELLS", 10)  # pieces of 2 rows of 5 columns
    monkeypatch.setattr(panel_module, "_COPY_COLUMNS", 2)  # groups of 2, 2 and 1 column
    src = np.asfortranarray(np.random.default_rng(4).uniform(-5, 5, (9, 5)))
    out, finite = panel_module._c_ordered(src)
    np.testing.assert_array_equal(out, src)
    assert out.flags.c_contiguous and finite
    src[7, 4] = np.nan
    assert not panel_module._c_ordered(src)[1]

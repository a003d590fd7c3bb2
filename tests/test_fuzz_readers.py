"""Random files and random frames through the readers: only ``CosynError``s come out.

Every reader path a user reaches — :func:`cosyn.fit`, :func:`cosyn.build_panel`,
:func:`cosyn.panel.panel_problems` and ``cosyn init`` (its column guess and skeleton) —
is fed random bytes as .csv, .xlsx and .parquet files (raw, and a valid file with bytes
changed), and random DataFrames (column names that repeat, are numbers or blank; cells
of every type, NaN and infinities), with a small valid spec. A result or a
``CosynError``; nothing else.
"""

from __future__ import annotations

import io
import math
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cosyn
from cosyn import CosynError, Spec, build_panel
from cosyn.init import write_toml_skeleton
from cosyn.io.guess import guess_columns
from cosyn.io.read import read_table
from cosyn.panel import panel_problems

SPEC = Spec.from_dict(
    {
        "entity": "region",
        "period": "year",
        "subsystems": {"a": {"indicators": {"x": "+"}}, "b": {"indicators": {"y": "-"}}},
    }
)

#: Bounded so that the file runs in seconds; runs of 400 examples each found nothing more.
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
#: Files read four times over (and fitted): fewer examples keep the run to seconds.
FUZZ_FILES = settings(FUZZ, max_examples=30)

VALID = pd.DataFrame(
    {
        "region": ["n", "n", "n", "s", "s", "s"],
        "year": [2020, 2021, 2022] * 2,
        "x": [1.0, 2.0, 3.5, 2.0, 2.5, 4.0],
        "y": [5.0, 4.0, 4.5, 3.0, 2.0, 2.5],
    }
)


def valid_bytes(suffix: str) -> bytes:
    buffer = io.BytesIO()
    if suffix == ".csv":
        return VALID.to_csv(index=False).encode()
    if suffix == ".xlsx":
        VALID.to_excel(buffer, index=False, engine="openpyxl")
    else:
        VALID.to_parquet(buffer)
    return buffer.getvalue()


def only_cosyn_errors(data: object, *, with_fit: bool = True) -> None:
    """Every reader path gives a result or a CosynError (with a message)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        calls = [
            lambda: build_panel(data, SPEC),
            lambda: panel_problems(data, SPEC),
        ]
        if with_fit:
            calls.append(lambda: cosyn.fit(data, SPEC))
        if isinstance(data, Path):
            calls.append(lambda: guess_columns(read_table(data)))
            skeleton = data.with_name("model.toml")
            calls.append(lambda: write_toml_skeleton(data, skeleton, force=True))
        else:
            calls.append(lambda: guess_columns(data))
        for call in calls:
            try:
                call()
            except CosynError as exc:
                assert str(exc).strip()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".xlsx", ".parquet"])
def test_valid_files_read(tmp_path: Path, suffix: str) -> None:
    path = write(tmp_path, "ok" + suffix, valid_bytes(suffix if suffix != ".tsv" else ".csv"))
    np.testing.assert_array_equal(
        build_panel(path, SPEC).values, VALID[["x", "y"]].to_numpy().reshape(2, 3, 2)
    )


@FUZZ
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".csv", ".xlsx", ".parquet"]))
def test_random_bytes(tmp_path: Path, data: bytes, suffix: str) -> None:
    only_cosyn_errors(write(tmp_path, "f" + suffix, data), with_fit=False)


CSV_TEXT = st.text(alphabet=st.sampled_from(list("regionyarx,;\t\n\r\"' 0123456789.-eE∞NaN")))
#: Cells of each kind: mostly plausible, some odd (repeated entries are drawn more often).
REGION = ["n", "s"] * 4 + ["0", "", '"n,s"', "=1", "NA"]
YEAR = ["2020", "2021", "2022"] * 4 + ["2020.0", "2020Q1", "", "x", "1e400"]
VALUE = ["1", "2.5", "-3", "0.5", "7"] * 3 + ["", "inf", "1,5", '"1,234"', "abc", "1e308", "NaN"]


@st.composite
def csv_texts(draw: st.DrawFn) -> str:
    """A CSV with the spec's header and rows of mostly plausible cells, some odd."""
    sep = draw(st.sampled_from([",", ",", ",", ";", "\t"]))
    dup = draw(st.sampled_from([False] * 7 + [True]))
    lines = [sep.join(["region", "year", "x", "x" if dup else "y"])]
    n_rows = draw(st.integers(0, 7))
    ragged = draw(st.sampled_from([None] * 7 + [n_rows - 1]))  # a row too short or too long
    for k in range(n_rows):
        cells = [draw(st.sampled_from(c)) for c in (REGION, YEAR, VALUE, VALUE)]
        if k == ragged:
            cells = cells[:3] if draw(st.booleans()) else [*cells, "9"]
        lines.append(sep.join(cells))
    return "\n".join(lines) + draw(st.sampled_from(["", "\n", "\r\n", "\n\n"]))


@FUZZ_FILES
@given(body=CSV_TEXT)
def test_random_csv_text(tmp_path: Path, body: str) -> None:
    only_cosyn_errors(
        write(tmp_path, "f.csv", ("region,year,x,y\n" + body).encode()), with_fit=False
    )


@FUZZ_FILES
@given(text=csv_texts())
def test_plausible_csv_files(tmp_path: Path, text: str) -> None:
    only_cosyn_errors(write(tmp_path, "f.csv", text.encode()))


@FUZZ_FILES
@given(
    suffix=st.sampled_from([".csv", ".xlsx", ".parquet"]),
    changes=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), max_size=8),
    cut=st.none() | st.floats(0, 1),
)
def test_valid_file_with_bytes_changed(tmp_path: Path, suffix: str, changes, cut) -> None:
    data = bytearray(valid_bytes(suffix))
    for where, byte in changes:
        data[int(where * len(data))] = byte
    if cut is not None:
        data = data[: int(cut * len(data))]
    only_cosyn_errors(write(tmp_path, "f" + suffix, bytes(data)), with_fit=False)


XLSX_PARTS = [
    "[Content_Types].xml",
    "_rels/.rels",
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/worksheets/sheet1.xml",
    "xl/sharedStrings.xml",
    "xl/styles.xml",
]


@FUZZ_FILES
@given(members=st.dictionaries(st.sampled_from(XLSX_PARTS), st.binary(max_size=200), max_size=7))
def test_zip_archives_of_random_parts(tmp_path: Path, members: dict[str, bytes]) -> None:
    """A real ZIP archive whose XLSX parts hold random bytes: openpyxl's own errors."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    only_cosyn_errors(write(tmp_path, "f.xlsx", buffer.getvalue()), with_fit=False)


LABELS = st.sampled_from(
    ["region", "year", "x", "y", "", " ", "a", "x", 0, 2020, 2020.0, 1.5, None]
)
CELLS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
    st.sampled_from(["0", "2020", "n", "s", "inf", "1,5", "=1+2", "NaN"]),
)


@st.composite
def frames(draw: st.DrawFn) -> pd.DataFrame:
    n_rows = draw(st.integers(0, 6))
    unique = draw(st.booleans())
    names = draw(st.lists(LABELS, max_size=6, unique_by=repr if unique else None))
    if draw(st.booleans()):  # often give the spec's columns, so the deeper checks run
        extra = [n for n in names if not (unique and n in ("region", "year", "x", "y"))]
        names = ["region", "year", "x", "y", *extra]
    columns = {}
    for k, _ in enumerate(names):
        kind = draw(st.sampled_from(["object", "float", "int", "str"]))
        if kind == "float":
            values = draw(st.lists(st.floats(), min_size=n_rows, max_size=n_rows))
            columns[k] = pd.Series(values, dtype=float)
        elif kind == "int":
            values = draw(st.lists(st.integers(-5, 2030), min_size=n_rows, max_size=n_rows))
            columns[k] = pd.Series(values, dtype=np.int64)
        elif kind == "str":
            values = draw(st.lists(st.text(max_size=4), min_size=n_rows, max_size=n_rows))
            columns[k] = pd.Series(values, dtype=str)
        else:
            values = draw(st.lists(CELLS, min_size=n_rows, max_size=n_rows))
            columns[k] = pd.Series(values, dtype=object)
    frame = pd.DataFrame(columns, index=range(n_rows))
    frame.columns = pd.Index(names, dtype=object)
    return frame


@FUZZ
@given(frame=frames())
def test_random_frames(frame: pd.DataFrame) -> None:
    before = frame.copy()
    only_cosyn_errors(frame)
    pd.testing.assert_frame_equal(frame, before)  # the input is never modified


ENTITY = st.sampled_from([0, "0", 0.0, 1, "1", "n", 1.5, "1.5", True])


@FUZZ
@given(
    labels=st.tuples(ENTITY, ENTITY),
    odd=st.none() | st.tuples(st.integers(0, 5), ENTITY),
    x=st.lists(
        st.floats(-1e6, 1e6) | st.just(math.inf) | st.just(math.nan), min_size=6, max_size=6
    ),
)
def test_near_valid_frames(labels, odd, x: list[float]) -> None:
    """The valid panel with its entity labels and indicator cells drawn at random."""
    regions = [labels[0]] * 3 + [labels[1]] * 3
    if odd is not None:
        regions[odd[0]] = odd[1]
    only_cosyn_errors(VALID.assign(region=pd.Series(regions, dtype=object), x=x))

"""Writing CSV: no cell read back by ``csv`` or pandas starts a formula (OWASP CSV injection)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cosyn.io.write import FORMULA_PREFIXES, formula_safe, write_csv

#: A line break as CSV readers and spreadsheets see one.
BREAK = re.compile(r"\r\n|\r|\n")


def csv_cells(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def starts_formula(text: str) -> bool:
    """True when the cell, or any line of it, starts like a formula."""
    lines = BREAK.split(text)
    return text.startswith(FORMULA_PREFIXES) or any(
        line.startswith(FORMULA_PREFIXES[:5]) for line in lines
    )


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("=1+2", "'=1+2"),
        ("\r=1+2", "'\r'=1+2"),
        ("x\r=1+2", "x\r'=1+2"),
        ("x\n+1", "x\n'+1"),
        ("x\r\n-1\r\n@SUM(A1)", "x\r\n'-1\r\n'@SUM(A1)"),
        ("x\n\tcmd", "x\n'\tcmd"),
        ("x\r\n\r\n=1", "x\r\n\r\n'=1"),  # an empty line needs nothing
        ("a\nb", "a\nb"),
        ("north", "north"),
    ],
)
def test_formula_guard_on_every_line(text: str, safe: str) -> None:
    assert formula_safe(text) == safe


def test_numbers_are_not_touched() -> None:
    assert formula_safe(-3) == -3
    assert formula_safe(-0.5) == -0.5


def test_bare_cr_cannot_start_a_row(tmp_path: Path) -> None:
    # issue 8, item 14: "x\r=1+2" was read back as a row starting "=1+2"
    frame = pd.DataFrame({"entity": ["x\r=1+2", "y\n=3", "ok"], "U": [0.5, -0.25, 1.0]})
    path = write_csv(frame, tmp_path / "s.csv")
    rows = csv_cells(path)
    assert rows == [
        ["entity", "U"],
        ["x\r'=1+2", "0.5"],
        ["y\n'=3", "-0.25"],
        ["ok", "1.0"],
    ]
    back = pd.read_csv(path)
    assert list(back["entity"]) == ["x\r'=1+2", "y\n'=3", "ok"]
    assert list(back["U"]) == [0.5, -0.25, 1.0]  # numbers stay numbers
    # even a reader that splits the file at every line break sees no formula
    assert not any(line.startswith(FORMULA_PREFIXES) for line in BREAK.split(path.read_text()))


def test_plain_files_keep_lf_line_ends(tmp_path: Path) -> None:
    path = write_csv(pd.DataFrame({"a": ["x", "y\nz"], "b": [1, 2]}), tmp_path / "p.csv")
    assert path.read_bytes() == b'a,b\nx,1\n"y\nz",2\n'


TEXT = st.text(
    alphabet=st.sampled_from(list("=+-@\t\r\n,\"' ax0.é")) | st.characters(), max_size=12
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cells=st.lists(st.tuples(TEXT, TEXT), min_size=1, max_size=6), name=TEXT)
def test_no_cell_read_back_starts_a_formula(tmp_path: Path, cells, name: str) -> None:
    frame = pd.DataFrame(cells, columns=["entity", "label"])
    frame["value"] = range(len(frame))
    path = write_csv(frame, tmp_path / "f.csv")
    rows = csv_cells(path)
    assert len(rows) == len(frame) + 1  # one row per frame row: no line break escaped
    for row in rows[1:]:
        assert len(row) == 3
        assert not starts_formula(row[0]) and not starts_formula(row[1])
    back = pd.read_csv(path, keep_default_na=False, dtype=str)
    assert len(back) == len(frame)
    for col in ("entity", "label"):
        assert not any(starts_formula(v) for v in back[col])
    # the text is the input's, but for the apostrophes the guard inserted
    for row, (a, b) in zip(rows[1:], cells, strict=True):
        assert row[0].replace("'", "") == a.replace("'", "")
        assert row[1].replace("'", "") == b.replace("'", "")

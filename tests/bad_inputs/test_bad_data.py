"""The catalogue of bad data files, run through the CLI: one clear message, the exit code.

Each case writes a model and a data file, runs ``cosyn check``, ``cosyn run`` or
``cosyn init`` on them, and names the fragment the message must hold. Exit codes: 0 done,
1 a problem cosyn explains, 2 a usage error click explains (a folder given as a file).
"""

from __future__ import annotations

import io
import zipfile

import pytest
from bad_input_catalogue import Case
from openpyxl import Workbook

MODEL = """
entity = "region"
period = "year"
[subsystems.a.indicators]
x = "+"
[subsystems.b.indicators]
y = "-"
"""

GOOD = (
    "region,year,x,y\nn,2020,1,5\nn,2021,2,4\nn,2022,4,4.5\ns,2020,2,3\ns,2021,3,2\ns,2022,5,2.5\n"
)


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def damaged_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types")
        archive.writestr("xl/workbook.xml", "<<not xml>>")
    return buffer.getvalue()


def check(data: str, content: str | bytes, fragment: str, code: int = 1, model: str = MODEL):
    """``cosyn check model.toml --data {tmp}/DATA``."""
    return (
        ("check", "{tmp}/model.toml", "--data", f"{{tmp}}/{data}"),
        {"model.toml": model, data: content},
        fragment,
        code,
    )


def case(id: str, args, files, fragment: str, code: int) -> Case:
    return Case(id=id, args=tuple(args), fragment=fragment, code=code, files=files)


def checked(id: str, *spec, **kw) -> Case:
    args, files, fragment, code = check(*spec, **kw)
    return case(id, args, files, fragment, code)


def ran(id: str, data: str, content: str | bytes, fragment: str, code: int = 1) -> Case:
    args = ("run", "{tmp}/model.toml", "--data", f"{{tmp}}/{data}", "--out", "{tmp}/out")
    return case(id, args, {"model.toml": MODEL, data: content}, fragment, code)


def init(id: str, data: str, content: str | bytes, fragment: str, code: int = 1) -> Case:
    args = ("init", f"{{tmp}}/{data}", "-o", "{tmp}/m.toml")
    return case(id, args, {data: content}, fragment, code)


MIXED_ENTITIES = xlsx(
    [["region", "year", "x", "y"], ["x", 2020, 1, 2], [0, 2020, 1, 2], ["0", 2021, 2, 3]]
)

CASES = [
    # -- column names (issue 8, items 8 and 9) --
    checked(
        "duplicate-column-csv",
        "d.csv",
        "region,year,x,y,y\nn,2020,1,5,5\nn,2021,2,4,4\n",
        "two columns with one name: 'y' in columns 4 and 5 (D and E)",
    ),
    ran(
        "duplicate-column-run",
        "d.csv",
        "region,year,x,x,y\nn,2020,1,5,5\nn,2021,2,4,4\n",
        "'x' in columns 3 and 4 (C and D)",
    ),
    checked(
        "duplicate-column-xlsx-number-and-text",
        "d.xlsx",
        xlsx([["region", "year", "x", "y", 2020, "2020"], ["n", 2020, 1, 2, 3, 4]]),
        "'2020' in columns 5 and 6 (E and F)",
    ),
    init(
        "duplicate-column-init",
        "d.csv",
        "region,year,x,x\nn,2020,1,5\n",
        "two columns with one name: 'x'",
    ),
    checked(
        "entity-0-number-and-0-text-xlsx",
        "e.xlsx",
        MIXED_ENTITIES,
        "0 (a number, row 3), '0' (text, row 4), all shown as '0'",
    ),
    ran(
        "entity-0-number-and-0-text-run",
        "e.xlsx",
        MIXED_ENTITIES,
        "make the column all text (or all numbers)",
    ),
    init(
        "numeric-xlsx-header-init",
        "n.xlsx",
        xlsx([["region", "year", 2020, 2.5], ["n", 2020, 1, 2], ["n", 2021, 2, 3]]),
        "2 indicators",
        code=0,
    ),
    checked(
        "numeric-xlsx-header-check",
        "n.xlsx",
        xlsx(
            [["region", "year", 2020, 7.0]]
            + [["n", y, y - 2019, 5 - y % 3] for y in range(2020, 2024)]
        ),
        "has no problems",
        code=0,
        model=MODEL.replace('x = "+"', '2020 = "+"').replace('y = "-"', '7 = "-"'),
    ),
    checked(
        "blank-header",
        "b.csv",
        "region,year,x,\nn,2020,1,5\nn,2021,2,4\n",
        "the header cell of column 4 is blank; write the column's name there",
    ),
    init(
        "blank-header-init",
        "b.xlsx",
        xlsx([["region", "year", "x", None], ["n", 2020, 1, 2], ["n", 2021, 2, 3]]),
        "1 indicators",
        code=0,
    ),
    checked(
        "column-names-differ-only-in-spaces",
        "s.csv",
        GOOD.replace("region,year,x,y", "region,year,x,y ,y"),
        "'y ' and 'y' (alike but for spaces) in columns 4 and 5 (D and E)",
    ),
    checked(
        "entity-names-differ-only-in-spaces",
        "s.csv",
        GOOD.replace("s,2022", "s ,2022"),
        "'s' (text, row 5), 's ' (text, row 7), all shown as 's'",
    ),
    checked(
        "blank-header-row-xlsx",
        "b.xlsx",
        xlsx([[None, None], ["region", "year", "x", "y"], ["n", 2020, 1, 2]]),
        "row 1, the header, is blank",
    ),
    # -- cells --
    checked(
        "text-cell",
        "t.csv",
        GOOD.replace("n,2021,2,4", "n,2021,two,4"),
        "column 'x': row 3 'two'",
    ),
    checked(
        "thousands-separator",
        "t.csv",
        GOOD.replace("n,2021,2,4", 'n,2021,"2,000",4'),
        "remove units and thousands separators",
    ),
    checked(
        "decimal-comma-in-a-semicolon-csv",
        "c.csv",
        GOOD.replace(",", ";").replace("n;2021;2;4", "n;2021;2,5;4"),
        "column 'x': row 3 '2,5'",
    ),
    checked(
        "inf-cell",
        "i.csv",
        GOOD.replace("s,2021,3,2", "s,2021,inf,2"),
        "infinite values in data file",
    ),
    ran(
        "inf-cell-run",
        "i.csv",
        GOOD.replace("s,2021,3,2", "s,2021,3,-inf"),
        "row 6 column 'y'",
    ),
    checked(
        "infinite-period",
        "p.csv",
        GOOD.replace("s,2022", "s,1e400"),
        "holds inf in row 7; a period is a finite number",
    ),
    checked(
        "period-not-orderable",
        "p.csv",
        GOOD.replace("s,2022", "s,soon"),
        "'soon' in row 7 is neither a number nor a date",
    ),
    checked(
        "empty-entity-cell", "e.csv", GOOD.replace("s,2021", ",2021"), "every row needs an entity"
    ),
    checked(
        "entity-NA-read-as-empty",
        "na.csv",
        GOOD.replace("s,", "NA,"),
        "a cell reading a missing-value token — NA, N/A, NaN, NULL, None, -, —, … — counts as "
        "empty; spec key na_values sets the tokens",
    ),
    # -- the table --
    checked("empty-file", "e.csv", "", "is empty; it needs a header line"),
    ran("empty-file-run", "e.csv", "", "is empty"),
    init("empty-file-init", "e.csv", "", "is empty"),
    checked("empty-workbook", "e.xlsx", xlsx([]), "is empty"),
    checked("header-only", "h.csv", "region,year,x,y\n", "has no rows (only the column names)"),
    ran("header-only-run", "h.csv", "region,year,x,y\n", "has no rows"),
    checked(
        "missing-entity-column",
        "m.csv",
        GOOD.replace("region", "regoin"),
        "column 'region' (spec key 'entity') is not in data file",
    ),
    checked(
        "missing-period-column",
        "m.csv",
        GOOD.replace("year", "date"),
        "column 'year' (spec key 'period') is not in",
    ),
    checked(
        "missing-indicator-column",
        "m.csv",
        GOOD.replace(",y\n", ",why\n", 1),
        "column 'y' (spec key 'subsystems.b.indicators.y') is not in",
    ),
    checked(
        "duplicate-entity-period-rows",
        "r.csv",
        GOOD.replace("s,2022", "s,2021"),
        "entity 's', period 2021 appears 2 times",
    ),
    checked(
        "rows-wider-than-header",
        "w.csv",
        "year,x,y\n2020,1,2,3\n2021,2,3,4\n",
        "more cells than its header line has names",
    ),
    checked(
        "ragged-row",
        "w.csv",
        GOOD.replace("n,2021,2,4", "n,2021,2,4,9"),
        "cannot be read as CSV",
    ),
    init(
        "no-numeric-column-init",
        "t.csv",
        "region,year,note\nn,2020,a\nn,2021,b\n",
        "has no numeric column to use as an indicator",
    ),
    # -- the file itself --
    checked(
        "random-bytes-as-xlsx",
        "r.xlsx",
        bytes(range(256)) * 4,
        "is not an XLSX file (it may be password-protected, an old XLS file or damaged)",
    ),
    init("random-bytes-as-xlsx-init", "r.xlsx", bytes(range(255, 0, -3)), "is not an XLSX file"),
    checked("damaged-zip-as-xlsx", "z.xlsx", damaged_zip(), "cannot be read"),
    checked("random-bytes-as-parquet", "r.parquet", bytes(range(256)), "cannot be read"),
    checked(
        "gb18030-csv-read-and-said",
        "g.csv",
        GOOD.replace("\nn,", "\n北京,").encode("gb18030"),
        "read data file",
        code=0,
    ),
    checked(
        "latin1-csv-neither-utf8-nor-gb18030",
        "l.csv",
        GOOD.replace("\nn,", "\nZürich,").encode("latin-1"),
        "is not UTF-8 text, nor Chinese text in GB18030/GBK: byte 0xfc at offset 17 (row 2",
    ),
    init(
        "latin1-csv-init",
        "l.csv",
        "region,year,x\nZürich,2020,1\n".encode("latin-1"),
        "save it as 'CSV UTF-8'",
    ),
    checked(
        "yearbook-dash-is-missing",
        "d.csv",
        GOOD.replace("n,2021,2,4", "n,2021,—,4"),
        "column 'x': row 3 '—'",
        code=0,
    ),
    checked("byte-order-mark-accepted", "bom.csv", "\ufeff" + GOOD, "has no problems", code=0),
    checked(
        "unsupported-extension",
        "d.json",
        "{}",
        "cosyn reads .csv, .tsv, .xlsx and .parquet",
    ),
    case(
        "file-does-not-exist",
        ("check", "{tmp}/model.toml", "--data", "{tmp}/nowhere.csv"),
        {"model.toml": MODEL},
        "does not exist",
        1,
    ),
    case(
        "folder-as-data",
        ("check", "{tmp}/model.toml", "--data", "{tmp}/folder"),
        {"model.toml": MODEL, "folder/keep.txt": ""},
        "is a directory",
        2,
    ),
    case(
        "folder-as-data-init",
        ("init", "{tmp}/folder", "-o", "{tmp}/m.toml"),
        {"folder/keep.txt": ""},
        "is a directory",
        2,
    ),
    case(
        "missing-sheet",
        ("check", "{tmp}/model.toml", "--data", "{tmp}/s.xlsx", "--sheet", "panel"),
        {"model.toml": MODEL, "s.xlsx": xlsx([["region", "year", "x", "y"]])},
        "has no sheet 'panel'",
        1,
    ),
]


def test_the_catalogue_is_large_and_its_ids_unique() -> None:
    assert len(CASES) >= 15
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("bad", CASES, ids=[c.id for c in CASES])
def test_bad_data(cli_case, bad: Case) -> None:
    cli_case(bad)

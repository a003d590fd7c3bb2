"""The command line through click's runner: every command, exit code and message."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

import cosyn
from cosyn.cli import main
from cosyn.datasets import CLUSTERS, data_path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "guangzhou"
TRADE = EXAMPLES / "trade.csv"
MODEL = EXAMPLES / "trade_model.toml"
OUTPUTS = [
    "synergy.csv",
    "subsystem_order.csv",
    "weights.csv",
    "order_degree.csv",
    "results.xlsx",
    "report.html",
    *(
        f"figures/{n}.{ext}"
        for n in ("order_degree", "synergy_path", "synergy_heatmap", "weights")
        for ext in ("png", "svg")
    ),
]


def invoke(*args: str, cwd: Path | None = None):
    runner = CliRunner()
    if cwd is None:
        return runner.invoke(main, list(args), catch_exceptions=False)
    with runner.isolated_filesystem(temp_dir=cwd):
        return runner.invoke(main, list(args), catch_exceptions=False)


def test_version_and_help():
    result = invoke("--version")
    assert result.exit_code == 0 and cosyn.__version__ in result.output
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("demo", "run", "check", "init", "serve"):
        assert command in result.output
        sub = invoke(command, "--help")
        assert sub.exit_code == 0 and "Example: cosyn " + command in sub.output


def test_usage_errors_exit_2():
    assert invoke("frobnicate").exit_code == 2
    assert invoke("run").exit_code == 2  # missing MODEL
    assert invoke("demo", "--lang", "fr").exit_code == 2


def test_demo_writes_every_output_and_prints_the_summary(tmp_path):
    out = tmp_path / "demo"
    result = invoke("--quiet", "demo", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "Synergy degree U" in result.stdout
    for name in OUTPUTS:
        assert (out / name).is_file(), name
    table = pd.read_csv(out / "synergy.csv")
    res = cosyn.fit(TRADE, MODEL)
    pd.testing.assert_frame_equal(table, res.synergy, check_dtype=False)
    assert not list(out.glob("**/.*.tmp"))  # atomic writes leave no temporary files


def test_run_equals_demo_on_the_same_model(tmp_path):
    result = invoke("-q", "run", str(MODEL), "--data", str(TRADE), "--out", str(tmp_path / "r"))
    assert result.exit_code == 0, result.output
    weights = pd.read_csv(tmp_path / "r" / "weights.csv")
    assert set(weights.entity) == set(CLUSTERS)


def test_run_zh(tmp_path):
    result = invoke(
        "-q", "run", str(MODEL), "--data", str(TRADE), "--out", str(tmp_path / "z"), "--lang", "zh"
    )
    assert result.exit_code == 0, result.output
    html = (tmp_path / "z" / "report.html").read_text(encoding="utf-8")
    assert '<html lang="zh"' in html


def test_missing_files_exit_1_with_one_message(tmp_path):
    result = invoke("run", str(tmp_path / "none.toml"), "--data", str(TRADE))
    assert result.exit_code == 1
    assert result.stderr.strip().startswith("SpecError: model file")
    assert "does not exist" in result.stderr and "Traceback" not in result.stderr
    result = invoke(
        "run", str(MODEL), "--data", str(tmp_path / "none.csv"), "--out", str(tmp_path / "o")
    )
    assert result.exit_code == 1
    assert "DataError: data file" in result.stderr and "does not exist" in result.stderr


def test_run_without_data(tmp_path):
    result = invoke("run", str(MODEL))
    assert result.exit_code == 1 and "add --data FILE" in result.stderr


def test_spec_and_data_errors_exit_1(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        MODEL.read_text(encoding="utf-8").replace('weights = "entropy"', 'weights = "entrpy"'),
        encoding="utf-8",
    )
    result = invoke("run", str(bad), "--data", str(TRADE), "--out", str(tmp_path / "o"))
    assert result.exit_code == 1
    assert "did you mean 'entropy'?" in result.stderr and "Traceback" not in result.stderr
    data = pd.read_csv(TRADE).drop(columns="city_export")
    data.to_csv(tmp_path / "d.csv", index=False)
    result = invoke(
        "run", str(MODEL), "--data", str(tmp_path / "d.csv"), "--out", str(tmp_path / "o")
    )
    assert result.exit_code == 1
    assert "column 'city_export'" in result.stderr


def test_debug_shows_the_traceback(tmp_path):
    result = invoke("--debug", "run", str(tmp_path / "none.toml"), "--data", str(TRADE))
    assert result.exit_code == 1 and "Traceback" in result.stderr


def test_output_folder_not_writable(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = invoke("run", str(MODEL), "--data", str(TRADE), "--out", str(blocker))
    assert result.exit_code == 1 and "is a file" in result.stderr
    # A folder that cannot be created (its parent is a file) fails the same way for every
    # user, root included, before any work is done.
    result = invoke("run", str(MODEL), "--data", str(TRADE), "--out", str(blocker / "sub"))
    assert result.exit_code == 1 and "is not writable" in result.stderr


def test_unreadable_and_protected_workbooks(tmp_path):
    fake = tmp_path / "locked.xlsx"
    fake.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64)  # an encrypted workbook
    result = invoke("run", str(MODEL), "--data", str(fake), "--out", str(tmp_path / "o"))
    assert result.exit_code == 1 and "password-protected" in result.stderr
    book = tmp_path / "data.xlsx"
    pd.read_csv(TRADE).to_excel(book, index=False, sheet_name="panel")
    result = invoke(
        "run", str(MODEL), "--data", str(book), "--sheet", "nope", "--out", str(tmp_path / "o")
    )
    assert result.exit_code == 1 and "has no sheet 'nope'; sheets: ['panel']" in result.stderr


# -- check -------------------------------------------------------------------------------


def test_check_ok_and_every_problem_listed(tmp_path):
    result = invoke("check", str(MODEL), "--data", str(TRADE))
    assert result.exit_code == 0 and "has no problems" in result.stdout
    data = pd.read_csv(TRADE).drop(columns="city_export").astype({"cluster_import": object})
    data.loc[3, "cluster_import"] = "n/a*"
    data = pd.concat([data, data.iloc[[0]]])
    data.to_csv(tmp_path / "d.csv", index=False)
    result = invoke("check", str(MODEL), "--data", str(tmp_path / "d.csv"))
    assert result.exit_code == 1
    assert "2 problems found" in result.stderr
    assert "column 'city_export'" in result.stderr
    assert "column 'cluster_import': row 5 'n/a*'" in result.stderr


def test_check_in_chinese(tmp_path):
    result = invoke("check", str(MODEL), "--data", str(TRADE), "--lang", "zh")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"通过：{MODEL} 与数据 {TRADE} 没有发现问题"
    data = pd.read_csv(TRADE).drop(columns="city_export")
    data.to_csv(tmp_path / "d.csv", index=False)
    result = invoke("check", str(MODEL), "--data", str(tmp_path / "d.csv"), "--lang", "zh")
    assert result.exit_code == 1
    assert result.stderr.startswith("发现 1 个问题：\n1. ")
    assert "column 'city_export'" in result.stderr  # cosyn's own wording, as everywhere


def test_check_spec_only(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('period = "t"\n[subsystems.a]\nindicators = {x = "up"}\n', encoding="utf-8")
    result = invoke("check", str(bad))
    assert result.exit_code == 1
    assert "only one subsystem" in result.stderr and "'up' is not a direction" in result.stderr


def test_check_reports_warnings_without_failing(tmp_path):
    data = pd.read_csv(TRADE).assign(extra=5.0)
    data.to_csv(tmp_path / "d.csv", index=False)
    model = tmp_path / "m.toml"
    text = MODEL.read_text(encoding="utf-8") + (
        '\n[[subsystems.city_trade.indicators]]\ncolumn = "extra"\ndirection = "+"\n'
    )
    model.write_text(
        text.replace('on_constant = "error"', 'on_constant = "drop"'), encoding="utf-8"
    )
    result = invoke("check", str(model), "--data", str(tmp_path / "d.csv"))
    assert result.exit_code == 0, result.output
    # A constant 5 is not constant at 0: the model runs, with a note that names it
    # (METHOD.md §8, constant series).
    assert "warning: indicator 'extra' is constant at 5" in result.stderr


# -- init --------------------------------------------------------------------------------


def test_init_writes_a_skeleton_that_check_explains(tmp_path):
    target = tmp_path / "model.toml"
    result = invoke("init", str(TRADE), "-o", str(target))
    assert result.exit_code == 0
    assert "entity column 'cluster', period column 'year', 4 indicators" in result.stdout
    spec = tomllib.loads(target.read_text(encoding="utf-8"))
    assert spec["entity"] == "cluster" and spec["period"] == "year"
    assert list(spec["subsystems"]["subsystem_1"]["indicators"]) == [
        "cluster_import",
        "cluster_export",
        "city_import",
        "city_export",
    ]
    result = invoke("check", str(target), "--data", str(TRADE))
    assert result.exit_code == 1 and "a subsystem needs at least one indicator" in result.stderr
    # Moving two indicators makes it runnable.
    text = target.read_text(encoding="utf-8")
    text = text.replace('city_import = "+"\ncity_export = "+"\n', "")
    text = text.rstrip("\n") + '\ncity_import = "+"\ncity_export = "+"\n'
    target.write_text(text, encoding="utf-8")
    assert invoke("check", str(target), "--data", str(TRADE)).exit_code == 0


def test_init_never_overwrites_without_force(tmp_path):
    target = tmp_path / "model.toml"
    target.write_text("# mine\n")
    result = invoke("init", str(TRADE), "-o", str(target))
    assert result.exit_code == 1 and "use --force" in result.stderr
    assert target.read_text() == "# mine\n"
    assert invoke("init", str(TRADE), "-o", str(target), "--force").exit_code == 0
    result = invoke("init", str(TRADE), "-o", str(TRADE), "--force")
    assert result.exit_code == 1 and "never overwrites its input" in result.stderr


def test_init_quotes_unusual_column_names(tmp_path):
    frame = pd.DataFrame(
        {
            "地区": ["甲", "甲", "乙", "乙"],
            "年份": [2020, 2021] * 2,
            "出口额": [1.0, 2.0, 3.0, 4.0],
            "net exports": [1.0, 0.5, 2.0, 1.0],
        }
    )
    frame.to_csv(tmp_path / "d.csv", index=False)
    target = tmp_path / "m.toml"
    assert invoke("init", str(tmp_path / "d.csv"), "-o", str(target)).exit_code == 0
    spec = tomllib.loads(target.read_text(encoding="utf-8"))
    assert spec["entity"] == "地区" and spec["period"] == "年份"
    assert list(spec["subsystems"]["subsystem_1"]["indicators"]) == ["出口额", "net exports"]


def test_init_as_sheet_and_run_from_the_workbook(tmp_path):
    book = tmp_path / "panel.xlsx"
    pd.read_csv(TRADE).to_excel(book, index=False, sheet_name="data")
    before = book.read_bytes()
    result = invoke("init", str(book), "--as-sheet")
    assert result.exit_code == 0, result.output
    model = tmp_path / "panel.model.xlsx"
    assert book.read_bytes() == before  # the data workbook is untouched
    wb = load_workbook(model)
    assert wb.sheetnames == ["data", "indicators", "settings"]
    rows = list(wb["indicators"].values)
    assert rows[0] == ("column", "subsystem", "direction", "label", "unit")
    # Assign the city columns to a second subsystem, as a user does in Excel.
    ws = wb["indicators"]
    for row in ws.iter_rows(min_row=2):
        if str(row[0].value).startswith("city"):
            row[1].value = "city"
    wb.save(model)
    result = invoke("-q", "run", str(model), "--out", str(tmp_path / "o"))
    assert result.exit_code == 0, result.output
    expected = cosyn.fit(
        TRADE,
        {
            "entity": "cluster",
            "period": "year",
            "subsystems": {
                "subsystem_1": {"indicators": {"cluster_import": "+", "cluster_export": "+"}},
                "city": {"indicators": {"city_import": "+", "city_export": "+"}},
            },
        },
    )
    table = pd.read_csv(tmp_path / "o" / "synergy.csv")
    assert table.synergy.to_numpy() == pytest.approx(expected.synergy.synergy.to_numpy())


def test_indicators_sheet_errors_name_the_row(tmp_path):
    book = tmp_path / "m.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "data"
    for row in pd.read_csv(TRADE).itertuples(index=False):
        ws.append(list(row))
    ws.insert_rows(1)
    for n, name in enumerate(pd.read_csv(TRADE).columns, 1):
        ws.cell(1, n, name)
    ind = wb.create_sheet("indicators")
    ind.append(["column", "subsystem", "direction"])
    ind.append(["cluster_import", "a", "+"])
    ind.append(["cluster_export", "", "+"])
    ind.append(["city_import", "b", "up"])
    wb.save(book)
    result = invoke("check", str(book))
    assert result.exit_code == 1
    assert "sheet 'indicators'" in result.stderr
    assert "row 3: the 'subsystem' cell is empty" in result.stderr
    assert "row 4: direction 'up' is not one of" in result.stderr


def test_workbook_without_indicators_sheet_as_model(tmp_path):
    book = tmp_path / "d.xlsx"
    pd.read_csv(TRADE).to_excel(book, index=False)
    result = invoke("run", str(book))
    assert result.exit_code == 1 and "has no 'indicators' sheet" in result.stderr


def test_python_api_and_cli_agree_on_bundled_data():
    assert data_path("trade.csv").read_bytes() == TRADE.read_bytes()


def test_run_with_every_diagnostic(tmp_path):
    model = tmp_path / "diag.toml"
    model.write_text(
        MODEL.read_text(encoding="utf-8")
        + '\n[diagnostics]\ngra = true\ncoupling = "wang"\nobstacles = 3\nforecast = 2\n'
        "robustness = { draws = 100, seed = 1 }\n",
        encoding="utf-8",
    )
    out = tmp_path / "o"
    result = invoke("-q", "run", str(model), "--data", str(TRADE), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "Diagnostics" in result.stdout
    for name in ("grey_relation", "grey_cross", "coupling", "obstacles", "forecast", "robustness"):
        assert (out / f"{name}.csv").is_file(), name
    for name in ("grey_relation", "coupling", "obstacles", "forecast", "robustness"):
        assert (out / "figures" / f"{name}.png").is_file(), name
    coupling = pd.read_csv(out / "coupling.csv")
    assert set(coupling.columns) >= {"C", "T", "D", "level", "coupling_stage"}
    assert load_workbook(out / "results.xlsx", read_only=True).sheetnames[-1] == "robustness"


# -- the error boundary ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "fragment"),
    [
        (KeyError("bounds"), "error: internal error in cosyn"),
        (ZeroDivisionError("float division by zero"), "(float division by zero) — this is a bug"),
        (MemoryError(), "error: out of memory"),
    ],
)
def test_unexpected_exception_is_one_line_and_exit_1(tmp_path, monkeypatch, error, fragment):
    """A bug still ends in one line and exit 1; --debug adds the traceback."""

    def broken(*args, **kwargs):
        raise error

    monkeypatch.setattr(sys.modules["cosyn.fit"], "fit", broken)  # the module, not cosyn.fit
    args = ["run", str(MODEL), "--data", str(TRADE), "--out", str(tmp_path / "o")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert type(error).__name__ not in result.stderr
    if not isinstance(error, MemoryError):
        assert "run again with --debug" in lines[0] and "please report it" in lines[0]
    debug = CliRunner().invoke(main, ["--debug", *args])
    assert debug.exit_code == 1 and "Traceback" in debug.stderr
    assert type(error).__name__ in debug.stderr


def test_check_lists_spec_and_data_problems_together(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        MODEL.read_text(encoding="utf-8").replace('weights = "entropy"', 'weigths = "entropy"'),
        encoding="utf-8",
    )
    data = pd.read_csv(TRADE).drop(columns="city_export").astype({"cluster_import": object})
    data.loc[3, "cluster_import"] = "n/a*"
    data.to_csv(tmp_path / "d.csv", index=False)
    result = invoke("check", str(bad), "--data", str(tmp_path / "d.csv"))
    assert result.exit_code == 1
    assert "3 problems found" in result.stderr
    assert f"1. model {str(bad)!r}, spec key 'method.weigths': unknown key" in result.stderr
    assert "column 'city_export'" in result.stderr
    assert "column 'cluster_import': row 5 'n/a*'" in result.stderr


def model_workbook(path: Path, settings: list[tuple[object, object]]) -> Path:
    """The trade panel as sheet 'data', two subsystems in 'indicators', and 'settings'."""
    wb = Workbook()
    ws = wb.active
    ws.title = "data"
    frame = pd.read_csv(TRADE)
    ws.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        ws.append(list(row))
    ind = wb.create_sheet("indicators")
    ind.append(["column", "subsystem", "direction"])
    for column in frame.columns[2:]:
        ind.append([column, column.split("_")[0], "+"])
    sheet = wb.create_sheet("settings")
    sheet.append(["key", "value"])
    for row in settings:
        sheet.append(list(row))
    wb.save(path)
    return path


def test_settings_sheet_values_are_checked_like_toml(tmp_path):
    book = model_workbook(
        tmp_path / "m.xlsx",
        [("margin", 11.5), ("diagnostics.forecast", 1e9), ("diagnostics.robustness.draws", 1e8)],
    )
    result = invoke("check", str(book))
    assert result.exit_code == 1
    assert "'method.margin': must be a number in [0, 10], got 11.5" in result.stderr
    assert "'diagnostics.forecast': must be a whole number in [0, 100]" in result.stderr
    assert "'diagnostics.robustness.draws': must be a whole number in [1, 100000]" in (
        result.stderr
    )


def test_settings_sheet_diagnostics_keys(tmp_path):
    book = model_workbook(
        tmp_path / "m.xlsx",
        [
            ("entity", "cluster"),
            ("period", "year"),
            ("diagnostics.coupling", "wang"),
            ("diagnostics.forecast", 2),  # a spreadsheet number: 2 or 2.0
            ("diagnostics.robustness.draws", 50.0),
        ],
    )
    from cosyn.io.sheets import load_model

    d = load_model(book).diagnostics
    assert (d.coupling, d.forecast) == ("wang", 2)
    assert d.robustness is not None and d.robustness.draws == 50


def test_settings_sheet_empty_and_repeated_keys_name_the_row(tmp_path):
    book = model_workbook(
        tmp_path / "m.xlsx", [("margin", None), ("weights", "cv"), ("weights", "critic")]
    )
    result = invoke("check", str(book))
    assert result.exit_code == 1
    assert "sheet 'settings'" in result.stderr
    assert "row 2: key 'margin' has no value" in result.stderr
    assert "row 4: key 'weights' is already set in row 3" in result.stderr


def test_warnings_are_shown_before_the_error(tmp_path, monkeypatch):
    """A note of the fit and NumPy's numerical warnings reach the user, even on failure."""
    import warnings

    def noisy(*args, **kwargs):
        warnings.warn("indicator 'x' is constant at 5", cosyn.CosynWarning, stacklevel=1)
        warnings.filterwarnings("default", category=RuntimeWarning)  # the CLI's own filters
        warnings.warn("overflow encountered in multiply", RuntimeWarning, stacklevel=1)
        raise cosyn.DataError("bad cell")

    monkeypatch.setattr(sys.modules["cosyn.fit"], "fit", noisy)
    result = invoke("run", str(MODEL), "--data", str(TRADE), "--out", str(tmp_path / "o"))
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "warning: indicator 'x' is constant at 5"
    assert lines[1].startswith("warning: a numerical step warned: overflow encountered")
    assert lines[2] == "DataError: bad cell"


def test_settings_sheet_misspelt_key_suggests_the_method_key(tmp_path):
    book = model_workbook(tmp_path / "m.xlsx", [("weigths", "cv"), ("perod", "year")])
    result = invoke("check", str(book))
    assert result.exit_code == 1
    assert "spec key 'method.weigths': unknown key" in result.stderr
    assert "did you mean 'weights'?" in result.stderr
    assert "spec key 'perod': unknown key" in result.stderr
    assert "did you mean 'period'?" in result.stderr


def test_run_zh_prints_the_summary_in_chinese_and_no_font_warning(tmp_path):
    result = invoke(  # -q after the command, as after the group
        "run", str(MODEL), "--data", str(TRADE), "--out", str(tmp_path / "z"), "--lang", "zh", "-q"
    )
    assert result.exit_code == 0, result.output
    assert "序参量权重 φ" in result.stdout and "熵值法（输入为有序度），按个体计算" in result.stdout
    assert "Synergy degree" not in result.stdout and "entropy" not in result.stdout
    assert result.stderr == ""  # -q: no progress, no note, no font warning


def test_run_zh_says_what_it_wrote_in_chinese(tmp_path):
    result = invoke("demo", "--out", str(tmp_path / "z"), "--lang", "zh")
    assert result.exit_code == 0, result.output
    assert "已将 14 个文件写入" in result.stderr
    assert "wrote 14" not in result.stderr and "font" not in result.stderr.lower()


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("北京,上海", ("北京", "上海")),
        ("北京，上海、 天津", ("北京", "上海", "天津")),
        (" jewelry , ", ("jewelry",)),
    ],
)
def test_split_entities(text, names):
    from cosyn.cli import split_entities

    assert split_entities(text) == names


def test_entities_option_replaces_the_spec_entities(tmp_path, monkeypatch):
    import cosyn.report as report

    seen = {}
    real = report.write_reports

    def spy(result, *args, **kwargs):
        seen["entities"] = result.spec.report.entities
        return real(result, *args, **kwargs)

    monkeypatch.setattr(report, "write_reports", spy)
    result = invoke(
        "-q", "demo", "--out", str(tmp_path / "d"), "--entities", "jewelry、food_beverage"
    )
    assert result.exit_code == 0, result.output
    assert seen["entities"] == ("jewelry", "food_beverage")


def test_unknown_entity_of_the_option_fails_before_writing(tmp_path):
    out = tmp_path / "d"
    result = invoke("demo", "--out", str(out), "--entities", "jewelery")
    assert result.exit_code == 1
    assert result.stderr.startswith("SpecError: --entities: 'jewelery'")
    assert "'jewelry'" in result.stderr and "Traceback" not in result.stderr
    assert not list(out.glob("*"))
    result = invoke("demo", "--out", str(out), "--entities", " ，、")
    assert result.exit_code == 1 and "names no entity" in result.stderr


def test_missing_cjk_font_is_said_once_and_not_with_quiet(tmp_path, monkeypatch):
    import cosyn.report.figures as figures

    monkeypatch.setattr(figures, "cjk_font", lambda *a, **k: None)
    monkeypatch.setattr(figures, "_CJK_WARNED", False)
    result = invoke("demo", "--out", str(tmp_path / "a"), "--lang", "zh")
    assert result.exit_code == 0, result.output
    assert result.stderr.count("no CJK font installed") == 1
    assert result.stderr.count("警告：") == 1 and "Glyph" not in result.stderr
    monkeypatch.setattr(figures, "_CJK_WARNED", False)
    result = invoke("-q", "demo", "--out", str(tmp_path / "b"), "--lang", "zh")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""


# -- [analysis]: the spatio-temporal analysis in every output --------------------------------

ANALYSIS_MODEL = """
title = "Eight regions on a ring"
entity = "region"
period = "year"

[subsystems.econ]
label = "Economy"
indicators = {{ gdp = "+", jobs = "+" }}

[subsystems.env]
label = "Environment"
indicators = {{ green = "+", waste = "-" }}

[diagnostics]
coupling = "classic"

[analysis]
series = ["order", "coupling"]
groups = "zone"
weights = "neighbours.csv"
permutations = {permutations}
"""
REGIONS = ["Ash", "Birch", "Cedar", "Elm", "Fir", "Hazel", "Oak", "Pine"]


def analysis_model(folder: Path, permutations: int) -> Path:
    """Eight regions in two zones (a data column) whose neighbours form a ring (a CSV next
    to the model); indicators that grow at region-specific rates."""
    rows = [
        {
            "region": r,
            "year": 2015 + t,
            "zone": "North" if k < 4 else "South",
            "gdp": 10 + k + t * (1 + k % 3),
            "jobs": 5 + 2 * t + (k * t) % 4,
            "green": 20 + t * (1 + k % 4) + k,
            "waste": 30 - t - (k % 2) * t,
        }
        for t in range(5)
        for k, r in enumerate(REGIONS)
    ]
    pd.DataFrame(rows).to_csv(folder / "panel.csv", index=False)
    ring = REGIONS[1:] + REGIONS[:1]
    pd.DataFrame({"entity_a": REGIONS, "entity_b": ring}).to_csv(
        folder / "neighbours.csv", index=False
    )
    model = folder / "model.toml"
    model.write_text(ANALYSIS_MODEL.format(permutations=permutations), encoding="utf-8")
    return model


def _written(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_run_with_analysis_writes_its_tables_sheets_and_figures(tmp_path, monkeypatch):
    # drawing is tested with the figures; here the figures are stand-ins (kept fast)
    import matplotlib.pyplot as plt

    import cosyn.report.analysis_figures
    import cosyn.report.figures

    monkeypatch.setattr(cosyn.report.figures, "render_figures", lambda *a, **k: {})
    monkeypatch.setattr(
        cosyn.report.analysis_figures,
        "render_analysis_figures",
        lambda *a, **k: {"analysis_moran": plt.figure(figsize=(1, 1))},
    )
    model = analysis_model(tmp_path, permutations=0)
    out = tmp_path / "out"
    result = invoke("run", str(model), "--data", str(tmp_path / "panel.csv"), "--out", str(out))
    assert result.exit_code == 0, result.output
    files = _written(out)
    for name in ("gini", "gini_within", "theil", "sigma", "moran", "markov", "spatial_markov"):
        assert f"analysis/{name}.csv" in files
    assert "analysis/lisa.csv" not in files  # permutations = 0: no LISA
    assert {"figures/analysis_moran.svg", "figures/analysis_moran.png"} <= files
    gini = pd.read_csv(out / "analysis" / "gini.csv")
    assert set(gini["series"]) == {"order:econ", "order:env", "order:mean", "coupling"}
    assert (gini["G"] - gini["Gw"] - gini["Gnb"] - gini["Gt"]).abs().max() < 1e-12
    groups = pd.read_csv(out / "analysis" / "groups.csv")
    assert dict(zip(groups["entity"], groups["group"], strict=True))["Pine"] == "South"
    wb = load_workbook(out / "results.xlsx", read_only=True)
    for sheet in ("Dagum Gini", "Moran's I", "Markov μ Economy", "Spatial Markov D"):
        assert sheet in wb.sheetnames
    gw = wb["Gini within groups"]
    assert [c.value for c in next(gw.iter_rows(min_row=2, max_row=2))][2:4] == ["North", "South"]
    wb.close()


def test_run_with_an_analysis_that_cannot_run_writes_nothing(tmp_path):
    model = analysis_model(tmp_path, permutations=0)
    (tmp_path / "neighbours.csv").unlink()
    out = tmp_path / "out"
    result = invoke("run", str(model), "--data", str(tmp_path / "panel.csv"), "--out", str(out))
    assert result.exit_code == 1
    assert result.stderr.strip().startswith("DataError: neighbours file")
    assert "Traceback" not in result.stderr
    assert not out.exists()  # not even an empty folder
    mine = tmp_path / "mine"  # a folder the user made is left where it was
    mine.mkdir()
    result = invoke("run", str(model), "--data", str(tmp_path / "panel.csv"), "--out", str(mine))
    assert result.exit_code == 1 and mine.is_dir()


@pytest.mark.slow
def test_run_with_analysis_end_to_end_zh(tmp_path):
    # slow: LISA's permutations (esda compiles its kernel) and every figure drawn
    model = analysis_model(tmp_path, permutations=99)
    out = tmp_path / "out"
    result = invoke(
        "-q",
        "run",
        str(model),
        "--data",
        str(tmp_path / "panel.csv"),
        "--out",
        str(out),
        "--lang",
        "zh",
    )
    assert result.exit_code == 0, result.output
    files = _written(out)
    assert {"analysis/lisa.csv", "analysis/moran.csv", "analysis/spatial_markov.csv"} <= files
    lisa = pd.read_csv(out / "analysis" / "lisa.csv")
    assert len(lisa) == 4 * 5 * len(REGIONS)  # 4 series × 5 years × 8 regions
    drawn = {f for f in files if f.startswith("figures/analysis_") and f.endswith(".svg")}
    assert "figures/analysis_moran.svg" in drawn and "figures/analysis_gini.svg" in drawn
    for svg in drawn:
        assert svg.replace(".svg", ".png") in files
    wb = load_workbook(out / "results.xlsx", read_only=True)
    assert {"Dagum基尼系数", "LISA集聚", "全局莫兰指数"} <= set(wb.sheetnames)
    wb.close()
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count("<svg") >= len(drawn)
    for title in ("Dagum 基尼系数及其分解", "全局莫兰指数", "D 的马尔可夫转移概率矩阵"):
        assert title in html

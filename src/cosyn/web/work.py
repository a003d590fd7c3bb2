"""The work behind each request, synchronous, run by :mod:`cosyn.web.app` in a worker thread.

The thread saves the upload and checks it (:func:`check_upload`: archive sizes, table
size) before any of it is parsed; the parsing and the fit (``*_job``) then run in a child
process (:mod:`cosyn.web.runner`) under a time and a memory limit.

Every upload goes into its own private temporary folder (mode 0700) under a fixed name;
the user's file name is only ever shown, never used as a path, and only its suffix is
kept when it is one of :data:`SUFFIXES`. The folder is removed before the answer leaves.
Messages of the library name the file by the path it was read from; they are rewritten to
name it by the uploaded file's name, so they read like the command line's.
"""

from __future__ import annotations

import io
import math
import shutil
import tempfile
import warnings
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import IO, Any

import numpy as np
import pandas as pd

from cosyn.errors import CosynError, CosynWarning, DataError, SpecError
from cosyn.io.archive import ArchiveInfo, ArchiveTooLarge, check_xlsx_archive, mark_checked
from cosyn.web.guard import (
    DEFAULT_MAX_CELLS,
    DEFAULT_MAX_DRAW_CELLS,
    DEFAULT_MAX_DRAWS,
    DEFAULT_MAX_FORECAST,
    DEFAULT_MAX_PERMUTATION_CELLS,
    DEFAULT_MAX_UNCOMPRESSED,
    TooLarge,
    check_cells,
)

__all__ = [
    "CSV_FILES",
    "FILES",
    "LONG_TABLES",
    "SUFFIXES",
    "Checked",
    "Limits",
    "UserError",
    "analysed_series",
    "analysis_json",
    "analysis_series_count",
    "check_job",
    "check_model_upload",
    "check_spec_limits",
    "check_upload",
    "figure_job",
    "figure_upload",
    "fit_job",
    "fit_upload",
    "inspect_job",
    "inspect_upload",
    "json_records",
    "json_value",
    "private_folder",
    "report_job",
    "report_upload",
    "spec_toml",
    "table_json",
]

#: Suffixes an uploaded data file may keep; anything else is refused.
SUFFIXES: frozenset[str] = frozenset({".csv", ".tsv", ".txt", ".xlsx", ".xlsm"})
_EXCEL = {".xlsx", ".xlsm"}
#: The CSV tables a report download can hold.
CSV_FILES: tuple[str, ...] = (
    "synergy.csv",
    "subsystem_order.csv",
    "weights.csv",
    "order_degree.csv",
)
#: Files ``POST /api/report?file=…`` serves one by one (``zip``: all of them).
FILES: tuple[str, ...] = ("zip", "results.xlsx", "report.html", "model.toml", *CSV_FILES)
PREVIEW_ROWS = 10
#: The tables of a ``Result`` sent as they are (one row per observation), after the
#: paper tables of :mod:`cosyn.report.tables`, in the order the page shows them.
LONG_TABLES: tuple[str, ...] = ("synergy", "subsystem_order", "weights", "order_degree")


@dataclass(frozen=True)
class Limits:
    """Per-request limits of ``cosyn serve``, checked before any work starts.

    The defaults are :mod:`cosyn.web.guard`'s; ``cosyn serve`` options change them.
    """

    #: Largest data table (rows × columns).
    max_cells: int = DEFAULT_MAX_CELLS
    #: Largest total unpacked size of an XLSX upload (bytes).
    max_uncompressed: int = DEFAULT_MAX_UNCOMPRESSED
    #: Largest ``[diagnostics.robustness] draws``.
    max_draws: int = DEFAULT_MAX_DRAWS
    #: Largest ``[diagnostics] forecast`` horizon (periods).
    max_forecast: int = DEFAULT_MAX_FORECAST
    #: Largest draws × rows × indicators of a robustness run (its arrays' size).
    max_draw_cells: int = DEFAULT_MAX_DRAW_CELLS
    #: Largest rows × series × ``[analysis] permutations`` (Moran's I and LISA).
    max_permutation_cells: int = DEFAULT_MAX_PERMUTATION_CELLS


@dataclass(frozen=True)
class Checked:
    """What :func:`check_upload` measured: handed to the work on the upload."""

    #: An upper bound of the data rows.
    rows: int
    #: The archive check of an XLSX upload (with the server's limits), else None.
    archive: ArchiveInfo | None = None

    def trust(self, data: Path) -> None:
        """Let the readers of this process skip a second archive check of ``data``."""
        if self.archive is not None:
            mark_checked(data, self.archive)


class UserError(Exception):
    """A mistake in what the user sent: answered 422 (or 413 when ``status`` says so)."""

    def __init__(self, message: str, kind: str = "error", status: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.status = status


@contextmanager
def private_folder() -> Iterator[Path]:
    """A temporary folder only this user can read (0700), removed on exit."""
    with tempfile.TemporaryDirectory(prefix="cosyn-web-") as name:
        folder = Path(name)
        folder.chmod(0o700)
        yield folder


def display_name(filename: str | None) -> str:
    """The uploaded file's base name, for messages only (never a path)."""
    raw = filename or "upload"
    base = PureWindowsPath(PurePosixPath(raw).name).name
    cleaned = "".join(ch for ch in base if ch.isprintable())[:120]
    return cleaned or "upload"


def _suffix(filename: str | None) -> str:
    suffix = PurePosixPath(display_name(filename)).suffix.lower()
    if suffix not in SUFFIXES:
        shown = display_name(filename)
        raise DataError(
            f"data file {shown!r} has extension {suffix or '(none)'!r}; upload a .csv or "
            ".xlsx file (save other formats as CSV UTF-8 or Excel workbook)"
        )
    return suffix


@contextmanager
def _user_errors(folder: Path, names: dict[str, str]) -> Iterator[None]:
    """Turn the library's errors into :class:`UserError` with the CLI's message."""
    try:
        yield
    except TooLarge as exc:
        raise UserError(_rewrite(f"error: {exc}", folder, names), "TooLarge", 413) from None
    except ArchiveTooLarge as exc:
        raise UserError(_rewrite(f"DataError: {exc}", folder, names), "TooLarge", 413) from None
    except CosynError as exc:
        kind = type(exc).__name__
        raise UserError(_rewrite(f"{kind}: {exc}", folder, names), kind) from None
    except UnicodeDecodeError:
        raise UserError("DataError: the upload is not UTF-8 text", "DataError") from None
    except OSError as exc:
        message = f"DataError: {exc.strerror or exc}"
        raise UserError(_rewrite(message, folder, names), "DataError") from None


def _rewrite(message: str, folder: Path, names: dict[str, str]) -> str:
    for path, shown in names.items():
        message = message.replace(path, shown)
    return message.replace(str(folder), "upload")


def _save(source: IO[bytes], filename: str | None, folder: Path) -> tuple[Path, str]:
    """Copy the upload into ``folder`` under a fixed name; the display name with it."""
    path = folder / f"data{_suffix(filename)}"
    with path.open("wb") as out:
        shutil.copyfileobj(source, out, 1024 * 1024)
    return path, display_name(filename)


def _read_spec(text: str | None, data: Path, shown: str) -> tuple[Any, str | None]:
    """The spec from TOML text, or from the workbook's ``indicators`` sheet; the sheet."""
    from cosyn.io.sheets import data_sheet, has_model_sheet, spec_from_workbook
    from cosyn.spec import Spec

    sheet = data_sheet(data) if has_model_sheet(data) else None
    if text is None or not text.strip():
        if sheet is not None:
            return spec_from_workbook(data), sheet
        raise SpecError(
            "no model spec: give the mapping of columns to subsystems (a model.toml, the "
            f"page's table, or an 'indicators' sheet in the workbook {shown!r})"
        )
    return Spec.from_dict(parse_toml(text)), sheet


def parse_toml(text: str) -> dict[str, Any]:
    """TOML text → dict, or a :class:`SpecError` that says where the syntax is wrong.

    :func:`cosyn.spec.parse_toml`: nesting too deep and over-long integers are
    SpecErrors too.
    """
    from cosyn.spec import parse_toml as parse

    return parse(text.removeprefix("\ufeff"))


def _csv_extent(path: Path) -> tuple[int, int]:
    """Upper bounds of a CSV's data rows (line breaks) and columns (header separators).

    The separator is the reader's: the most frequent of comma, semicolon and tab on the
    header line. Quoted separators and line breaks only make the bounds larger.
    """
    lines = 0
    last = b"\n"
    with path.open("rb") as fh:
        header = fh.readline(1024 * 1024)
        while chunk := fh.read(1024 * 1024):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    rows = lines + (last != b"\n")
    columns = max(header.count(sep) for sep in (b",", b";", b"\t")) + 1
    return rows, columns


def check_upload(data: Path, shown: str, limits: Limits) -> Checked:
    """Check an upload before any of it is parsed; an upper bound of its data rows.

    An XLSX archive passes :func:`cosyn.io.archive.check_xlsx_archive` (declared and
    actual sizes, with ``limits.max_uncompressed`` as the total) and the extent of its
    sheets' cell references; a CSV is measured by its lines and header. Either must fit
    ``limits.max_cells``.

    Raises
    ------
    ArchiveTooLarge, TooLarge
        Over a limit (HTTP 413).
    DataError
        Not a readable workbook.
    """
    if data.suffix in _EXCEL:
        total = limits.max_uncompressed
        info = check_xlsx_archive(
            data, name=shown, max_total=total, max_member=total, max_cells=limits.max_cells
        )
        check_cells(info.sheet_rows, info.sheet_columns, limits.max_cells, info.sheet_cells)
        return Checked(info.sheet_rows, info)
    rows, columns = _csv_extent(data)
    check_cells(rows, columns, limits.max_cells)
    return Checked(rows)


def _server_file_problems(spec: Any) -> list[str]:
    """The ``[analysis]`` keys that name a file: the server never reads a file of its own
    machine for a request (a request brings its data in its upload)."""
    analysis = getattr(spec, "analysis", None)
    if analysis is None:
        return []
    out = []
    if analysis.groups_kind == "file":
        out.append(
            f"[analysis] groups = {analysis.groups!r} names a file, which this server does "
            "not read; use a column of the uploaded data or china_3 / china_4"
        )
    if analysis.weights_kind in ("pairs", "geometry"):
        out.append(
            "[analysis] weights names a file, which this server does not read; use "
            "china_provinces or coordinate columns of the uploaded data"
        )
    return out


def analysis_series_count(spec: Any) -> int:
    """How many series ``[analysis] series`` analyses: ``synergy`` and ``coupling`` one
    each, ``order`` one per subsystem and their mean (0 without ``[analysis]``)."""
    analysis = getattr(spec, "analysis", None)
    if analysis is None:
        return 0
    sizes = {"synergy": 1, "coupling": 1, "order": len(spec.subsystems) + 1}
    return sum(sizes.get(name, 1) for name in analysis.series)


def check_spec_limits(spec: Any, limits: Limits, rows: int) -> None:
    """Refuse a spec whose size-driving options pass this server's limits (HTTP 422).

    ``[diagnostics] forecast`` over ``limits.max_forecast``; ``[diagnostics.robustness]
    draws`` over ``limits.max_draws``, or draws × ``rows`` × indicators over
    ``limits.max_draw_cells``; ``[analysis] permutations`` × ``rows`` × the series
    analysed (:func:`analysis_series_count`) over ``limits.max_permutation_cells`` when
    the analysis has spatial weights (only Moran's I and LISA permute); ``[analysis]``
    keys that name a file on the server.
    """
    diagnostics = spec.diagnostics
    problems = []
    if diagnostics.forecast > limits.max_forecast:
        problems.append(
            f"[diagnostics] forecast = {diagnostics.forecast:,} is over this server's limit of "
            f"{limits.max_forecast:,} periods (cosyn serve --max-forecast)"
        )
    robust = diagnostics.robustness
    if robust is not None:
        if robust.draws > limits.max_draws:
            problems.append(
                f"[diagnostics.robustness] draws = {robust.draws:,} is over this server's "
                f"limit of {limits.max_draws:,} (cosyn serve --max-draws)"
            )
        size = robust.draws * max(rows, 1) * len(spec.columns)
        if robust.draws <= limits.max_draws and size > limits.max_draw_cells:
            problems.append(
                f"[diagnostics.robustness] draws = {robust.draws:,} on up to {rows:,} rows × "
                f"{len(spec.columns)} indicators is {size:,} values, over this server's limit "
                f"of {limits.max_draw_cells:,}; use fewer draws"
            )
    analysis = getattr(spec, "analysis", None)
    if analysis is not None and analysis.weights is not None and analysis.permutations > 0:
        series = analysis_series_count(spec)
        size = analysis.permutations * max(rows, 1) * series
        if size > limits.max_permutation_cells:
            most = limits.max_permutation_cells // (max(rows, 1) * series)
            problems.append(
                f"[analysis] permutations = {analysis.permutations:,} on up to {rows:,} rows "
                f"× {series} series is {size:,} permuted values, over this server's limit of "
                f"{limits.max_permutation_cells:,} (cosyn serve --max-permutation-cells); use "
                f"at most {most:,} permutations"
                + (" (or 0: the normal approximation only)" if most < 99 else "")
                + " or fewer series"
            )
    problems += _server_file_problems(spec)
    if problems:
        raise UserError(
            "SpecError: "
            + "; ".join(problems)
            + "; lower them, or run the model with the command line (cosyn run)",
            "SpecError",
            422,
        )


def json_value(value: Any) -> Any:
    """A value JSON can carry: ints and texts as they are, NaN and infinities as null."""
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    if value is pd.NaT or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return None
    return str(value)


def json_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``frame`` as JSON-safe records, column names as texts."""
    columns = [str(c) for c in frame.columns]
    return [
        {c: json_value(v) for c, v in zip(columns, row, strict=True)}
        for row in frame.itertuples(index=False, name=None)
    ]


def _direct(func: Callable[..., Any], *args: Any) -> Any:
    return func(*args)


#: How a job is run: ``run(func, *args)`` — in this thread by default; ``cosyn serve``
#: passes :meth:`cosyn.web.runner.Runner.run` (a child process with time and memory
#: limits).
Run = Callable[..., Any]


def _receive(
    source: IO[bytes], filename: str | None, folder: Path, limits: Limits
) -> tuple[Path, str, Checked]:
    """Save and check an upload: its path, display name and what the check measured."""
    names: dict[str, str] = {}
    with _user_errors(folder, names):
        data, shown = _save(source, filename, folder)
        names[str(data)] = shown
        checked = check_upload(data, shown, limits)
    return data, shown, checked


def inspect_upload(
    source: IO[bytes], filename: str | None, limits: Limits, run: Run = _direct
) -> dict[str, Any]:
    """Columns, the first rows, the guessed entity/period/indicators, a workbook's spec."""
    with private_folder() as folder:
        data, shown, checked = _receive(source, filename, folder, limits)
        result: dict[str, Any] = run(inspect_job, str(folder), str(data), shown, limits, checked)
        return result


def inspect_job(
    folder_: str, data_: str, shown: str, limits: Limits, checked: Checked
) -> dict[str, Any]:
    """The work of :func:`inspect_upload` on the saved upload (one read of the data)."""
    from cosyn.io.guess import guess_columns
    from cosyn.io.read import read_table
    from cosyn.io.sheets import data_sheet, has_model_sheet, spec_from_workbook

    folder, data = Path(folder_), Path(data_)
    names = {data_: shown}
    with _user_errors(folder, names), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CosynWarning)
        checked.trust(data)
        sheet = data_sheet(data) if has_model_sheet(data) else None
        frame = read_table(data, sheet=sheet)
        check_cells(len(frame), len(frame.columns), limits.max_cells)
        guess = guess_columns(frame)
        excluded = _excluded(frame)
        problems = _data_problems(data, sheet, guess)
        # what the reader noted (cells read as missing, the encoding used), once each
        notes = list(
            dict.fromkeys(
                _rewrite(str(w.message), folder, names)
                for w in caught
                if issubclass(w.category, CosynWarning)
            )
        )
        spec: dict[str, Any] | None = None
        spec_error = None
        if sheet is not None:
            try:
                spec = spec_from_workbook(data).to_dict()
            except CosynError as exc:
                spec_error = _rewrite(f"{type(exc).__name__}: {exc}", folder, names)
        return {
            "file": shown,
            "sheet": sheet,
            "rows": len(frame),
            "columns": [str(c) for c in frame.columns],
            "numeric": [
                str(c)
                for c, dtype in zip(frame.columns, frame.dtypes, strict=True)
                if pd.api.types.is_numeric_dtype(dtype)
            ],
            "preview": json_records(frame.head(PREVIEW_ROWS)),
            "guess": {
                "entity": guess.entity,
                "period": guess.period,
                "indicators": list(guess.indicators),
            },
            "excluded": [{"column": c, "reason": _rewrite(r, folder, names)} for c, r in excluded],
            "problems": [_rewrite(p, folder, names) for p in problems],
            "notes": notes,
            "spec": spec,
            "spec_error": spec_error,
        }


def _excluded(frame: pd.DataFrame) -> list[tuple[str, str]]:
    """The columns that are neither axis nor indicator, each with the reason in words."""
    from cosyn.io.guess import excluded_columns

    return [(str(c), str(r)) for c, r in excluded_columns(frame)]


def _data_problems(data: Path, sheet: str | None, guess: Any) -> list[str]:
    """The checks of ``cosyn check`` that need no mapping, on the guessed columns.

    Before the user has assigned any indicator, the data can already be checked as
    :func:`cosyn.panel.panel_problems` checks it: the period (and entity) column's
    cells, their order, duplicate rows and the cells of every column that could be an
    indicator. The spec it is checked against is provisional — every guessed
    indicator, split into two subsystems only because a spec needs two — and is never
    shown; its problems name files, rows and columns, not subsystems.
    """
    from cosyn.panel import panel_problems
    from cosyn.spec import Spec

    if guess.period is None:
        return [
            "no period column found: name one 'year', 'period' or '年份', or choose it on the page"
        ]
    columns = list(guess.indicators)
    if len(columns) < 2:
        return [
            f"{len(columns)} column{'' if len(columns) == 1 else 's'} of numbers besides "
            "the entity and period columns; the model needs at least two indicators"
        ]
    half = len(columns) // 2
    provisional: dict[str, Any] = {
        "period": guess.period,
        "subsystems": {
            "first": {"indicators": dict.fromkeys(columns[:half], "+")},
            "second": {"indicators": dict.fromkeys(columns[half:], "+")},
        },
    }
    if guess.entity is not None:
        provisional["entity"] = guess.entity
    return panel_problems(data, Spec.from_dict(provisional), sheet)


def check_model_upload(
    source: IO[bytes], filename: str | None, spec_text: str, limits: Limits, run: Run = _direct
) -> dict[str, Any]:
    """``cosyn check`` on the upload and the page's spec: every problem, and the notes."""
    with private_folder() as folder:
        data, shown, checked = _receive(source, filename, folder, limits)
        result: dict[str, Any] = run(
            check_job, str(folder), str(data), shown, spec_text, limits, checked
        )
        return result


def check_job(
    folder_: str, data_: str, shown: str, spec_text: str, limits: Limits, checked: Checked
) -> dict[str, Any]:
    """The work of :func:`check_model_upload`: :func:`cosyn.check.find_problems`.

    A spec that can be read is checked first against this server's limits (a spec over
    them is not fitted); its text is saved as ``model.toml`` beside the data, so the messages
    name the model and the data file as ``cosyn check model.toml --data FILE`` does.
    """
    from cosyn.check import find_problems

    folder, data = Path(folder_), Path(data_)
    model = folder / "model.toml"
    names = {data_: shown, str(model): "model.toml"}
    with _user_errors(folder, names):
        checked.trust(data)
        model.write_text(spec_text, encoding="utf-8")
        try:
            spec = _read_spec(spec_text, data, shown)[0]
        except SpecError:
            spec = None  # find_problems lists every problem of the spec
        if spec is not None:
            check_spec_limits(spec, limits, checked.rows)
        problems, notes = find_problems(model, data)
    return {
        "problems": [_rewrite(p, folder, names) for p in problems],
        "notes": [_rewrite(n, folder, names) for n in notes],
    }


def _stage_cards(result: Any, lang: str) -> list[dict[str, Any]]:
    """Each entity's last synergy, level and stage; the stage's meaning and focus.

    The meaning is the neutral text of :func:`cosyn.report.text.stage_meaning`; the
    focus is given only when the spec sets ``[stages] focus`` (empty otherwise).
    """
    from cosyn.report.text import level_names, period_text, stage_focus, stage_names

    levels, stages = level_names(result, lang), stage_names(result, lang)
    focus = stage_focus(result, lang) if result.spec.stages.focus else ("",) * len(stages)
    meaning = _stage_meaning(result, lang)
    last = result.synergy_values[:, -1]
    lcodes, scodes = result.level_codes[:, -1], result.stage_codes[:, -1]
    period = period_text(result.periods[-1])
    return [
        {
            "entity": json_value(entity),
            "period": period,
            "synergy": json_value(last[e]),
            "level": levels[int(lcodes[e])] if lcodes[e] >= 0 else None,
            "stage": stages[int(scodes[e])] if scodes[e] >= 0 else None,
            "stage_code": int(scodes[e]),
            "meaning": meaning[int(scodes[e])] if scodes[e] >= 0 else "",
            "focus": focus[int(scodes[e])] if scodes[e] >= 0 else "",
        }
        for e, entity in enumerate(result.entities)
    ]


def _stage_meaning(result: Any, lang: str) -> tuple[str, ...]:
    from cosyn.report.text import stage_meaning

    return tuple(stage_meaning(result, lang))


def _figures(result: Any, lang: str) -> dict[str, str]:
    """Every figure of the report (:func:`cosyn.report.figures.render_figures`) as SVG."""
    return _all_figures(result, lang)


def table_json(frame: pd.DataFrame) -> dict[str, Any]:
    """A table for the page: its column headers and its rows as lists of JSON values.

    A named or multi-level row index becomes leading columns; multi-level headers are
    joined with " · ".
    """
    if not isinstance(frame.index, pd.RangeIndex) or any(n is not None for n in frame.index.names):
        frame = frame.reset_index()
    columns = [
        " · ".join(str(p) for p in c if str(p) != "") if isinstance(c, tuple) else str(c)
        for c in frame.columns
    ]
    return {
        "columns": columns,
        "rows": [[json_value(v) for v in row] for row in frame.itertuples(index=False, name=None)],
    }


def _tables(result: Any, lang: str) -> list[dict[str, Any]]:
    """The tables the page shows: the paper tables, then the long tables.

    Paper tables: :func:`cosyn.report.tables.paper_tables` (descriptive statistics,
    weights, entity × period tables of U, each μ_j and D, coupling coordination), with
    their titles. Long tables (one row per observation, as the CSV files hold them):
    :data:`LONG_TABLES` and the diagnostic tables the spec asked for, but coupling (the
    paper's coupling table has its rows); headers and words in ``lang``.
    """
    from cosyn.report import diagnostic_tables
    from cosyn.report.tables import paper_tables

    zh = int(lang == "zh")
    labels = {f"order_{s.name}": s.label or s.name for s in result.spec.subsystems}
    out = []
    for t in paper_tables(result, lang):
        if t.key in labels:
            tab = _TABS["order"][zh].format(labels[t.key])
        else:
            tab = _TABS[t.key][zh] if t.key in _TABS else t.title
        out.append(
            {"name": t.key, "kind": "paper", "title": t.title, "tab": tab, **table_json(t.table)}
        )
    for name in (*LONG_TABLES, *diagnostic_tables(result)):
        if name == "coupling":
            continue
        title, tab = _LONG_TITLES[name][zh], _LONG_TABS[name][zh]
        frame = _long_table(result, name, lang)
        out.append({"name": name, "kind": "long", "title": title, "tab": tab, **table_json(frame)})
    return out


#: Short names of the paper tables for the page's tabs, (English, Chinese).
_TABS: dict[str, tuple[str, str]] = {
    "descriptive": ("Descriptive statistics", "描述性统计"),
    "weights": ("Weights", "指标权重"),
    "weights_by_entity": ("Weights by entity", "各主体权重"),
    "synergy": ("Synergy U", "协同度 U"),
    "order": ("Order degree μ: {}", "有序度 μ：{}"),
    "coupling_wide": ("Coordination D", "耦合协调度 D"),
    "coupling": ("Coupling coordination", "耦合协调类型"),
}
_LONG_TABS: dict[str, tuple[str, str]] = {
    "synergy": ("Synergy", "协同度"),
    "subsystem_order": ("Order degrees", "子系统有序度"),
    "weights": ("Weights", "权重"),
    "order_degree": ("Indicator order degrees", "指标有序度"),
    "grey_relation": ("Grey relation", "灰色关联度"),
    "grey_cross": ("Grey relation across", "子系统间关联"),
    "coupling": ("Coupling", "耦合协调度"),
    "obstacles": ("Obstacles", "障碍度"),
    "forecast": ("Forecast", "预测"),
    "robustness": ("Robustness", "稳健性"),
}


#: Titles of the long tables, (English, Chinese).
_LONG_TITLES: dict[str, tuple[str, str]] = {
    "synergy": (
        "Synergy degree, level and stage (every row)",
        "协同度、协同等级与发展阶段（全部）",
    ),
    "subsystem_order": ("Subsystem order degrees (every row)", "子系统有序度（全部）"),
    "weights": ("Weights by entity (every row)", "各主体指标权重（全部）"),
    "order_degree": ("Order degree per indicator (every row)", "指标有序度（全部）"),
    "grey_relation": ("Grey relational grades", "灰色关联度"),
    "grey_cross": ("Grey relation across subsystems", "子系统间指标灰色关联矩阵"),
    "coupling": ("Coupling coordination (every row)", "耦合协调度（全部）"),
    "obstacles": ("Obstacle degrees", "障碍度"),
    "forecast": ("GM(1,1) forecast", "GM(1,1) 预测"),
    "robustness": ("Robustness of the weights", "权重稳健性"),
}


#: Chinese headers of the long tables' columns (the CSV files keep the English names).
_LONG_ZH: dict[str, str] = {
    "base_period": "基期",
    "synergy": "协同度 U",
    "level": "协同等级",
    "stage": "发展阶段",
    "subsystem": "子系统",
    "order": "有序度 μ",
    "indicator": "指标",
    "weight": "权重 w",
    "value": "数值",
    "imputed": "插补",
    "u": "指标有序度 u",
    "in_use": "参与计算",
    "grade": "关联度",
    "weak": "弱关联",
    "other_subsystem": "另一子系统",
    "other_indicator": "另一指标",
    "rank": "排名",
    "obstacle": "障碍度",
    "FI": "F·I",
    "series": "序列",
    "kind": "类型",
    "observed": "观测值",
    "C": "后验差比 C",
    "P": "小误差概率 P",
    "level_ratio": "级比检验",
    "level_ratio_ok": "级比通过",
    "shift": "平移量",
    "clipped": "已截断",
}
_FORECAST_ZH = {"grade": "精度等级", "value": "拟合或预测值"}
_KINDS_ZH = {"fit": "拟合", "forecast": "预测"}


def _long_table(result: Any, name: str, lang: str) -> pd.DataFrame:
    """A long table of ``result`` for reading: subsystem labels instead of keys; in
    Chinese, the headers, the level, stage and grade words and yes/no translated."""
    from cosyn.methods.grey import GM11_GRADES
    from cosyn.report.tables import header
    from cosyn.report.text import gm11_grades, level_ratio_words, translate

    frame = getattr(result, name).copy()
    labels = {s.name: s.label or s.name for s in result.spec.subsystems}
    for col in ("subsystem", "other_subsystem", "series"):
        if col in frame.columns:
            frame[col] = frame[col].map(lambda v: labels.get(v, v))
    if lang == "en":
        return frame
    words: dict[Any, str] = {
        **dict(zip(GM11_GRADES, gm11_grades(lang), strict=True)),
        **dict(zip(("passed", "shifted"), level_ratio_words(lang), strict=True)),
        **_KINDS_ZH,
    }
    for col in frame.columns:
        if col in ("level", "stage", "coupling_stage"):
            frame[col] = frame[col].map(lambda v: translate(v, lang) if isinstance(v, str) else v)
        elif col in ("grade", "kind", "level_ratio"):
            frame[col] = frame[col].map(lambda v: words.get(v, v) if isinstance(v, str) else v)
        elif pd.api.types.is_bool_dtype(frame[col]):
            frame[col] = frame[col].map({True: "是", False: "否"})
    heads = _LONG_ZH | (_FORECAST_ZH if name == "forecast" else {})
    axes = {
        "entity": header("entity", lang, result.spec),
        "period": header("period", lang, result.spec),
    }
    return frame.rename(columns=lambda c: axes.get(str(c)) or heads.get(str(c), str(c)))


def _fit(
    folder: Path, data: Path, shown: str, spec_text: str | None, limits: Limits, checked: Checked
) -> tuple[Any, Any, dict[str, str]]:
    """The spec, checked against the limits, and the fit: the data is read once."""
    from cosyn.fit import fit

    names = {str(data): shown}
    with _user_errors(folder, names):
        checked.trust(data)
        spec, sheet = _read_spec(spec_text, data, shown)
        check_spec_limits(spec, limits, checked.rows)
        return spec, fit(data, spec, sheet=sheet), names


def fit_upload(
    source: IO[bytes],
    filename: str | None,
    spec_text: str | None,
    limits: Limits,
    *,
    figures: bool = False,
    lang: str = "en",
    series: str | None = None,
    run: Run = _direct,
) -> dict[str, Any]:
    """Fit the uploaded data with the spec; the tables as JSON-safe records.

    Besides summary, synergy, subsystem_order and weights, each diagnostic table the
    spec's ``[diagnostics]`` asked for (grey_relation, grey_cross, coupling, obstacles,
    forecast, robustness) is returned under its own name. For the page: ``tables`` (the
    paper tables and the long tables as headers and rows in ``lang``, see
    :func:`table_json`), ``stages`` (each entity's last stage with the stage's meaning)
    and ``figure_names`` (each drawn by :func:`figure_upload`; all of them inline as SVG
    when ``figures``). With ``[analysis]``, ``analysis`` (:func:`analysis_json`; its
    figures drawn for ``series``, default the first analysed). The upload is checked
    (:func:`check_upload`) before ``run`` starts the work.
    """
    with private_folder() as folder:
        data, shown, checked = _receive(source, filename, folder, limits)
        args = (str(folder), str(data), shown, spec_text, limits, checked, figures, lang, series)
        result: dict[str, Any] = run(fit_job, *args)
        return result


def fit_job(
    folder_: str,
    data_: str,
    shown: str,
    spec_text: str | None,
    limits: Limits,
    checked: Checked,
    figures: bool,
    lang: str,
    series: str | None = None,
) -> dict[str, Any]:
    """The work of :func:`fit_upload` on the saved upload."""
    from cosyn.report import diagnostic_tables
    from cosyn.report.figures import chosen_entities

    folder = Path(folder_)
    spec, result, names = _fit(folder, Path(data_), shown, spec_text, limits, checked)
    with _user_errors(folder, names):
        chosen_entities(result)  # [report] entities names only entities of the data
        out: dict[str, Any] = {
            "summary": _rewrite(_summary(result, lang, shown), folder, names),
            "synergy": json_records(result.synergy),
            "subsystem_order": json_records(result.subsystem_order),
            "weights": json_records(result.weights),
            "stages": _stage_cards(result, lang),
            "notes": [_rewrite(n, folder, names) for n in result.notes],
            "model_toml": spec_toml(spec),
        }
        # The diagnostic tables the spec asked for, under their Result names.
        for name in diagnostic_tables(result):
            out[name] = json_records(getattr(result, name))
        out["tables"] = _tables(result, lang)
        out["figure_names"] = list(_figure_names(result))
        if figures:
            out["figures"] = _figures(result, lang)
        if spec.analysis is not None:
            out["analysis"] = analysis_json(result, lang, series, folder, names)
    return out


#: The sections of the analysis on the page, in order: key, (English, Chinese) title (the
#: HTML report's words, then what each section holds).
ANALYSIS_SECTIONS: tuple[tuple[str, tuple[str, str]], ...] = (
    (
        "inequality",
        (
            "Regional differences: groups, Dagum Gini, Theil, convergence",
            "区域差异：分组、Dagum 基尼系数、泰尔指数与收敛",
        ),
    ),
    ("distribution", ("Distribution over time: kernel density", "分布动态：核密度估计")),
    (
        "spatial",
        ("Spatial association: Moran's I, LISA, maps", "空间关联：莫兰指数、LISA 与地图"),
    ),
    (
        "dynamics",
        (
            "Transitions between classes: Markov and spatial Markov chains",
            "类型转移：马尔可夫链与空间马尔可夫链",
        ),
    ),
)

#: Short names of the analysis tables for the page's tabs, (English, Chinese); a table
#: not named here is shown under its title.
_ANALYSIS_TABS: dict[str, tuple[str, str]] = {
    "analysis_group_stats": ("Group means", "分组均值"),
    "analysis_gini": ("Dagum Gini", "Dagum 基尼系数"),
    "analysis_gini_within": ("Within groups G_jj", "组内 G_jj"),
    "analysis_gini_between": ("Between groups G_jh", "组间 G_jh"),
    "analysis_theil": ("Theil", "泰尔指数"),
    "analysis_theil_groups": ("Theil by group", "分组泰尔指数"),
    "analysis_sigma": ("σ-convergence", "σ 收敛"),
    "analysis_beta": ("β-convergence", "β 收敛"),
    "analysis_density": ("Kernel density", "核密度"),
    "analysis_moran": ("Moran's I", "莫兰指数"),
    "analysis_lisa": ("LISA", "LISA"),
    "analysis_markov": ("Markov", "马尔可夫"),
    "analysis_markov_classes": ("Markov classes", "马尔可夫类型"),
    "analysis_spatial_markov": ("Spatial Markov", "空间马尔可夫"),
    "analysis_spatial_markov_tests": ("Homogeneity tests", "同质性检验"),
}


def analysis_section(name: str) -> str:
    """The section of the page (a key of :data:`ANALYSIS_SECTIONS`) of an analysis table
    or figure, from its name: Markov chains are dynamics, kernel densities the
    distribution, Moran's I, LISA and maps spatial, the rest (groups, Gini, Theil, σ and
    β) regional differences."""
    key = name.removeprefix("analysis_")
    if "markov" in key or "transition" in key:
        return "dynamics"
    if "density" in key or "kernel" in key or "ridge" in key:
        return "distribution"
    if any(word in key for word in ("moran", "lisa", "map", "spatial", "lag")):
        return "spatial"
    return "inequality"


def analysis_json(
    result: Any,
    lang: str,
    series: str | None = None,
    folder: Path | None = None,
    names: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The spatio-temporal analysis for the page.

    ``sections`` (:data:`ANALYSIS_SECTIONS`, each with the methods paragraphs of its
    topic), ``tables``
    (:func:`cosyn.report.analysis_tables.analysis_paper_tables`, each with its section),
    ``series`` (each analysed series with its label), ``figure_series`` and ``figures``
    (the names, titles and sections of the figures of that series — None: each figure
    of the first series with its rows —, each drawn by :func:`figure_upload`),
    ``notes`` and ``methods`` (paragraphs, indented display formulas, the reference list
    last). Paths of ``folder`` in the texts are rewritten to the upload's ``names``.

    Raises
    ------
    UserError
        ``series`` is not a series of the analysis.
    """
    from cosyn.report.analysis_tables import (
        PER_SERIES,
        analysis_paper_tables,
        analysis_series_label,
        series_key,
    )

    zh = int(lang == "zh")
    known = analysed_series(result, series)
    # the tables that come one per series: their tab is the family's and the series' label
    per_series = {
        f"{family}_{series_key(s)}": (family, analysis_series_label(result, s, lang))
        for family in PER_SERIES
        for s in known
    }
    tables = []
    for t in analysis_paper_tables(result, lang):
        if t.key in per_series:
            family, label = per_series[t.key]
            tab = f"{_ANALYSIS_TABS[family][zh]} {label}"
        else:
            tab = _ANALYSIS_TABS[t.key][zh] if t.key in _ANALYSIS_TABS else t.title
        section = analysis_section(t.key)
        tables.append(
            {
                "name": t.key,
                "kind": "analysis",
                "title": t.title,
                "tab": tab,
                "section": section,
                **table_json(t.table),
            }
        )
    figures = [
        {"name": name, "title": title, "section": analysis_section(name)}
        for name, title in _analysis_figure_titles(result, lang, series).items()
    ]

    def rewrite(text: str) -> str:
        return _rewrite(text, folder, names or {}) if folder is not None else text

    topics = _analysis_methods_topics(result, lang)
    return {
        "sections": [
            {
                "key": key,
                "title": titles[zh],
                "methods": [rewrite(p) for p in topics.get(_SECTION_TOPICS[key], [])],
            }
            for key, titles in ANALYSIS_SECTIONS
        ],
        "tables": tables,
        "series": [{"key": s, "label": analysis_series_label(result, s, lang)} for s in known],
        "figure_series": series,
        "figures": figures,
        "notes": [rewrite(n) for n in _analysis_notes(result, lang)],
        "methods": [rewrite(p) for p in _analysis_methods(result, lang)],
    }


def analysed_series(result: Any, series: str | None = None) -> list[str]:
    """The series of ``result.analysis`` (the ``series`` column of its tables), in order.

    Raises
    ------
    UserError
        ``series`` is given and is not one of them (they are named).
    """
    analysis = result.analysis
    known = list(dict.fromkeys(analysis.values["series"])) if analysis is not None else []
    if series is not None and series not in known:
        raise UserError(
            f"error: the analysis has no series {series!r}; its series are {', '.join(known)}"
        )
    return known


def _analysis_figure_titles(result: Any, lang: str, series: str | None) -> dict[str, str]:
    """The figures of the analysis of ``series``, each name with its title as drawn (the
    figure's heading, else its first panel's)."""
    from cosyn.report.analysis_figures import render_analysis_figures

    out = {}
    for name, fig in render_analysis_figures(result, lang, series=series).items():
        heading = fig.get_suptitle() if hasattr(fig, "get_suptitle") else ""
        if not heading:
            heading = next((ax.get_title() for ax in fig.axes if ax.get_title()), "")
        out[name] = heading.split("\n")[0] or name
    return out


def _analysis_methods(result: Any, lang: str) -> list[str]:
    """The methods of the analysis (:func:`cosyn.report.methods.analysis_methods`):
    paragraphs, display formulas (indented) and, last, the reference list."""
    from cosyn.report.methods import analysis_methods

    return list(analysis_methods(result, lang))


#: The topic of :func:`cosyn.report.methods.analysis_methods_topics` of each section.
_SECTION_TOPICS: dict[str, str] = {
    "inequality": "differences",
    "distribution": "distribution",
    "spatial": "space",
    "dynamics": "time",
}


def _analysis_methods_topics(result: Any, lang: str) -> dict[str, list[str]]:
    """The methods paragraphs by topic (:func:`cosyn.report.methods.analysis_methods_topics`)."""
    from cosyn.report.methods import analysis_methods_topics

    return {k: list(v) for k, v in analysis_methods_topics(result, lang).items()}


def _analysis_notes(result: Any, lang: str) -> list[str]:
    """The notes of the analysis in ``lang`` (:func:`cosyn.report.methods.analysis_notes`)."""
    from cosyn.report.methods import analysis_notes

    return list(analysis_notes(result, lang))


def _summary(result: Any, lang: str, shown: str) -> str:
    """The summary ``cosyn run`` prints, in ``lang``, naming the upload by its name."""
    from cosyn.summary import render_summary

    return render_summary(result, lang, data_name=shown)


def _figure_names(result: Any) -> tuple[str, ...]:
    from cosyn.report.figures import figure_names

    return tuple(figure_names(result))


def figure_upload(
    source: IO[bytes],
    filename: str | None,
    spec_text: str | None,
    limits: Limits,
    *,
    name: str,
    lang: str = "en",
    series: str | None = None,
    run: Run = _direct,
) -> str:
    """One figure of the report (a name of ``figure_names``, or of the analysis'
    ``figures`` when the spec has ``[analysis]``, of its ``series``) as SVG text.

    The page asks for each figure on its own, so that the tables show at once and each
    figure's drawing has the whole time limit.
    """
    with private_folder() as folder:
        data, shown, checked = _receive(source, filename, folder, limits)
        args = (str(folder), str(data), shown, spec_text, limits, checked, name, lang, series)
        svg: str = run(figure_job, *args)
        return svg


def figure_job(
    folder_: str,
    data_: str,
    shown: str,
    spec_text: str | None,
    limits: Limits,
    checked: Checked,
    name: str,
    lang: str,
    series: str | None = None,
) -> str:
    """The work of :func:`figure_upload` on the saved upload."""
    from cosyn.report import figures

    folder = Path(folder_)
    spec, result, names = _fit(folder, Path(data_), shown, spec_text, limits, checked)
    known = _figure_names(result)
    with _user_errors(folder, names):
        if spec.analysis is not None:
            from cosyn.report.analysis_figures import (
                analysis_figure_names,
                render_analysis_figures,
            )

            analysed_series(result, series)
            theirs = analysis_figure_names(result, series=series)
            if name in theirs:  # only the one asked for is drawn
                drawn = render_analysis_figures(result, lang, series=series, names=[name])
                if name not in drawn:
                    raise UserError(f"error: figure {name!r} has nothing to draw for this data")
                return figures.svg_text(drawn[name])
            known += theirs
        if name not in known:
            raise UserError(
                f"error: this model has no figure {name!r}; its figures are {', '.join(known)}"
            )
        fig = getattr(figures, f"figure_{name}")(result, lang)
        return figures.svg_text(fig)


def spec_toml(spec: Any) -> str:
    """The exact spec as TOML text (``cosyn run model.toml --data FILE`` redoes the fit)."""
    import tomli_w

    head = "# cosyn model, written by cosyn serve: cosyn run model.toml --data FILE\n\n"
    return head + tomli_w.dumps(spec.to_dict())


def report_upload(
    source: IO[bytes],
    filename: str | None,
    spec_text: str | None,
    limits: Limits,
    *,
    file: str = "zip",
    lang: str = "en",
    run: Run = _direct,
) -> tuple[str, bytes]:
    """One output file (or a ZIP of all of them and ``model.toml``): its name and bytes."""
    if file not in FILES:
        raise UserError(f"error: no output {file!r}; choose one of {', '.join(FILES)}")
    with private_folder() as folder:
        data, shown, checked = _receive(source, filename, folder, limits)
        args = (str(folder), str(data), shown, spec_text, limits, checked, file, lang)
        answer: tuple[str, bytes] = run(report_job, *args)
        return answer


def report_job(
    folder_: str,
    data_: str,
    shown: str,
    spec_text: str | None,
    limits: Limits,
    checked: Checked,
    file: str,
    lang: str,
) -> tuple[str, bytes]:
    """The work of :func:`report_upload` on the saved upload."""
    from cosyn.io.write import write_csv
    from cosyn.report import write_reports
    from cosyn.report.html import render_html
    from cosyn.report.workbook import write_workbook

    folder, data = Path(folder_), Path(data_)
    spec, result, names = _fit(folder, data, shown, spec_text, limits, checked)
    out = folder / "out"
    with _user_errors(folder, names):
        if file == "model.toml":
            return file, spec_toml(spec).encode("utf-8")
        if file in CSV_FILES:
            path = write_csv(getattr(result, file.removesuffix(".csv")), out / file)
            return file, path.read_bytes()
        if file == "results.xlsx":
            return file, write_workbook(
                result, out / file, data_file=data, lang=lang, data_name=shown
            ).read_bytes()
        if file == "report.html":
            html = render_html(
                result,
                figures=_report_figures(result, lang),
                data_file=data,
                lang=lang,
                data_name=shown,
            )
            return file, html.encode("utf-8")
        written = write_reports(result, out, data_file=data, data_name=shown, lang=lang)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in written:
                zf.write(path, path.relative_to(out).as_posix())
            zf.writestr("model.toml", spec_toml(spec))
        return "cosyn-results.zip", buffer.getvalue()


def _all_figures(result: Any, lang: str) -> dict[str, str]:
    """Every figure of the report as SVG: the base figures and the diagnostics'
    (:func:`cosyn.report.figures.render_figures`)."""
    from cosyn.report.figures import render_figures, svg_text

    return {name: svg_text(fig) for name, fig in render_figures(result, lang=lang).items()}


def _report_figures(result: Any, lang: str) -> dict[str, str]:
    """Every figure ``report.html`` places, as SVG: :func:`_all_figures` and, with
    ``[analysis]``, the analysis' (:func:`cosyn.report.report_figures`)."""
    from cosyn.report import report_figures
    from cosyn.report.figures import svg_text

    return {name: svg_text(fig) for name, fig in report_figures(result, lang).items()}


def example() -> tuple[str, bytes, str]:
    """The bundled Guangzhou example: file name, data bytes, spec TOML text."""
    from cosyn.datasets import data_path, load_spec

    return "trade.csv", data_path("trade.csv").read_bytes(), spec_toml(load_spec("trade_model"))


def read_spec_text(text: str) -> dict[str, Any]:
    """Validate TOML spec text and return it as a dict (``Spec.to_dict``)."""
    from cosyn.spec import Spec

    try:
        return Spec.from_dict(parse_toml(text)).to_dict()
    except CosynError as exc:
        raise UserError(f"{type(exc).__name__}: {exc}", type(exc).__name__) from None


def dict_to_toml(spec: dict[str, Any]) -> str:
    """Validate a spec dict and return its exact TOML text."""
    from cosyn.spec import Spec

    try:
        return spec_toml(Spec.from_dict(spec))
    except CosynError as exc:
        raise UserError(f"{type(exc).__name__}: {exc}", type(exc).__name__) from None

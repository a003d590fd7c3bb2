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
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import IO, Any

import numpy as np
import pandas as pd

from cosyn.errors import CosynError, DataError, SpecError
from cosyn.io.archive import ArchiveInfo, ArchiveTooLarge, check_xlsx_archive, mark_checked
from cosyn.web.guard import (
    DEFAULT_MAX_CELLS,
    DEFAULT_MAX_DRAW_CELLS,
    DEFAULT_MAX_DRAWS,
    DEFAULT_MAX_FORECAST,
    DEFAULT_MAX_UNCOMPRESSED,
    TooLarge,
    check_cells,
)

__all__ = [
    "CSV_FILES",
    "FILES",
    "SUFFIXES",
    "Checked",
    "Limits",
    "UserError",
    "check_spec_limits",
    "check_upload",
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


def check_spec_limits(spec: Any, limits: Limits, rows: int) -> None:
    """Refuse a spec whose size-driving options pass this server's limits (HTTP 422).

    ``[diagnostics] forecast`` over ``limits.max_forecast``; ``[diagnostics.robustness]
    draws`` over ``limits.max_draws``, or draws × ``rows`` × indicators over
    ``limits.max_draw_cells``.
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
    with _user_errors(folder, names):
        checked.trust(data)
        sheet = data_sheet(data) if has_model_sheet(data) else None
        frame = read_table(data, sheet=sheet)
        check_cells(len(frame), len(frame.columns), limits.max_cells)
        guess = guess_columns(frame)
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
            "spec": spec,
            "spec_error": spec_error,
        }


def _stage_cards(result: Any, lang: str) -> list[dict[str, Any]]:
    from cosyn.report.text import level_names, period_text, stage_focus, stage_names

    levels, stages = level_names(result, lang), stage_names(result, lang)
    focus = stage_focus(result, lang)
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
            "focus": focus[int(scodes[e])] if scodes[e] >= 0 else "",
        }
        for e, entity in enumerate(result.entities)
    ]


def _figures(result: Any, lang: str) -> dict[str, str]:
    from cosyn.report.figures import figure_order_degree, figure_synergy_path, svg_text

    return {
        "synergy_path": svg_text(figure_synergy_path(result, lang)),
        "order_degree": svg_text(figure_order_degree(result, lang)),
    }


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
    run: Run = _direct,
) -> dict[str, Any]:
    """Fit the uploaded data with the spec; the tables as JSON-safe records.

    Besides summary, synergy, subsystem_order and weights, each diagnostic table the
    spec's ``[diagnostics]`` asked for (grey_relation, grey_cross, coupling, obstacles,
    forecast, robustness) is returned under its own name. The upload is checked
    (:func:`check_upload`) before ``run`` starts the work.
    """
    with private_folder() as folder:
        data, shown, checked = _receive(source, filename, folder, limits)
        args = (str(folder), str(data), shown, spec_text, limits, checked, figures, lang)
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
) -> dict[str, Any]:
    """The work of :func:`fit_upload` on the saved upload."""
    from cosyn.report import diagnostic_tables

    folder = Path(folder_)
    spec, result, names = _fit(folder, Path(data_), shown, spec_text, limits, checked)
    with _user_errors(folder, names):
        out: dict[str, Any] = {
            "summary": _rewrite(result.summary(), folder, names),
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
        if figures:
            out["figures"] = _figures(result, lang)
    return out


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
                figures=_all_figures(result, lang),
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
    from cosyn.report.figures import render_figures, svg_text

    return {name: svg_text(fig) for name, fig in render_figures(result, lang=lang).items()}


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

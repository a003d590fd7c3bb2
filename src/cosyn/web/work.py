"""The work behind each request, synchronous, run in a worker thread by :mod:`cosyn.web.app`.

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
import tomllib
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import IO, Any

import numpy as np
import pandas as pd

from cosyn.errors import CosynError, DataError, SpecError
from cosyn.web.guard import (
    DEFAULT_MAX_CELLS,
    DEFAULT_MAX_UNCOMPRESSED,
    TooLarge,
    check_cells,
    check_zip_members,
)

__all__ = [
    "CSV_FILES",
    "FILES",
    "SUFFIXES",
    "Limits",
    "UserError",
    "fit_upload",
    "inspect_upload",
    "json_records",
    "json_value",
    "private_folder",
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
    """Per-request limits (see :mod:`cosyn.web.guard` for the defaults)."""

    max_cells: int = DEFAULT_MAX_CELLS
    max_uncompressed: int = DEFAULT_MAX_UNCOMPRESSED


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
    """TOML text → dict, or a :class:`SpecError` that says where the syntax is wrong."""
    try:
        return tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"the model spec is not valid TOML: {exc}") from None


def _read_checked(data: Path, sheet: str | None, limits: Limits, shown: str) -> pd.DataFrame:
    from cosyn.io.read import read_table

    if data.suffix in _EXCEL:
        check_zip_members(data, limits.max_uncompressed, shown)
    frame = read_table(data, sheet=sheet)
    check_cells(len(frame), len(frame.columns), limits.max_cells)
    return frame


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


def inspect_upload(source: IO[bytes], filename: str | None, limits: Limits) -> dict[str, Any]:
    """Columns, the first rows, the guessed entity/period/indicators, a workbook's spec."""
    from cosyn.io.guess import guess_columns
    from cosyn.io.sheets import data_sheet, has_model_sheet, spec_from_workbook

    with private_folder() as folder:
        names: dict[str, str] = {}
        with _user_errors(folder, names):
            data, shown = _save(source, filename, folder)
            names[str(data)] = shown
            sheet = data_sheet(data) if has_model_sheet(data) else None
            frame = _read_checked(data, sheet, limits, shown)
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
            "numeric": [str(c) for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])],
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
    source: IO[bytes], filename: str | None, spec_text: str | None, limits: Limits, folder: Path
) -> tuple[Any, Any, Path, dict[str, str]]:
    from cosyn.fit import fit

    names: dict[str, str] = {}
    with _user_errors(folder, names):
        data, shown = _save(source, filename, folder)
        names[str(data)] = shown
        spec, sheet = _read_spec(spec_text, data, shown)
        _read_checked(data, sheet, limits, shown)
        return spec, fit(data, spec, sheet=sheet), data, names


def fit_upload(
    source: IO[bytes],
    filename: str | None,
    spec_text: str | None,
    limits: Limits,
    *,
    figures: bool = False,
    lang: str = "en",
) -> dict[str, Any]:
    """Fit the uploaded data with the spec; the tables as JSON-safe records.

    Besides summary, synergy, subsystem_order and weights, each diagnostic table the
    spec's ``[diagnostics]`` asked for (grey_relation, grey_cross, coupling, obstacles,
    forecast, robustness) is returned under its own name.
    """
    from cosyn.report import diagnostic_tables

    with private_folder() as folder:
        spec, result, _, names = _fit(source, filename, spec_text, limits, folder)
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
) -> tuple[str, bytes]:
    """One output file (or a ZIP of all of them and ``model.toml``): its name and bytes."""
    from cosyn.io.write import write_csv
    from cosyn.report import write_reports
    from cosyn.report.html import render_html
    from cosyn.report.workbook import write_workbook

    if file not in FILES:
        raise UserError(f"error: no output {file!r}; choose one of {', '.join(FILES)}")
    with private_folder() as folder:
        spec, result, data, names = _fit(source, filename, spec_text, limits, folder)
        out = folder / "out"
        shown = display_name(filename)  # the upload's own name, for display only
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

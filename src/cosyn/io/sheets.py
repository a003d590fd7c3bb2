"""A model spec kept in the data workbook, for users who never write TOML.

Sheet ``indicators`` (required): one row per indicator with columns ``column``,
``subsystem``, ``direction`` and optionally ``label`` and ``unit``. Sheet ``settings``
(optional): two columns ``key`` and ``value`` — ``entity``, ``period``, ``title``,
``na_values`` (the missing-value tokens separated by commas: ``-, —, NA``), any
``[method]`` key (``margin``, ``weights``, …) and the ``[diagnostics]`` keys written with
their table (``diagnostics.forecast``, ``diagnostics.robustness.draws``, …). Every value
is checked as in a TOML file; a key without a value, or set twice, is an error naming its
row. Without ``settings`` the entity and period columns are guessed from the data sheet,
and the method uses its defaults. The data is the first sheet that is none of
``indicators``, ``settings``, ``README``.
"""

from __future__ import annotations

import difflib
import re
import warnings
from dataclasses import fields
from pathlib import Path
from typing import Any

import pandas as pd

from cosyn.errors import CosynError, CosynWarning, DataError, SpecError
from cosyn.io.archive import ArchiveTooLarge, check_xlsx_archive
from cosyn.io.guess import guess_columns
from cosyn.io.read import FIRST_DATA_ROW, label_text, read_table
from cosyn.spec import DIRECTION_ALIASES, Method, Spec, _parse_spec, read_toml

__all__ = [
    "INDICATORS_SHEET",
    "SETTINGS_SHEET",
    "data_sheet",
    "has_model_sheet",
    "indicator_rows",
    "load_model",
    "model_data",
    "parse_model",
    "spec_from_workbook",
]

INDICATORS_SHEET = "indicators"
SETTINGS_SHEET = "settings"
_NOT_DATA = {INDICATORS_SHEET, SETTINGS_SHEET, "readme"}
_INDICATOR_COLUMNS = ("column", "subsystem", "direction", "label", "unit")
#: The model sheets are read with only empty cells missing: their cells are names and
#: directions, and ``-`` is the direction of a negative indicator.
_ONLY_EMPTY: tuple[str, ...] = ()
#: Settings keys outside [method] (``diagnostics.…`` keys aside).
_TOP_KEYS = ("title", "entity", "period", "na_values")


def _sheet_names(path: Path) -> list[str]:
    from openpyxl import load_workbook

    check_xlsx_archive(path)
    book = load_workbook(path, read_only=True)
    try:
        return list(book.sheetnames)
    finally:
        book.close()


def has_model_sheet(path: str | Path) -> bool:
    """True when ``path`` is an XLSX workbook with an ``indicators`` sheet."""
    p = Path(path)
    if p.suffix.lower() not in {".xlsx", ".xlsm"} or not p.is_file():
        return False
    try:
        return INDICATORS_SHEET in [s.lower() for s in _sheet_names(p)]
    except ArchiveTooLarge:  # refused before reading: say so, not "no indicators sheet"
        raise
    except Exception:  # not a readable workbook: the reader will say why
        return False


def data_sheet(path: str | Path) -> str:
    """Name of the data sheet: the first that is not a model or README sheet."""
    names = _sheet_names(Path(path))
    for name in names:
        if name.lower() not in _NOT_DATA:
            return name
    raise SpecError(f"workbook {str(path)!r} has no data sheet besides {names}")


def _text(value: Any) -> str:
    return label_text(value)  # a column name 2020 read as 2020.0 is "2020", as its header


def _named_sheet(path: Path, wanted: str) -> str | None:
    return next((s for s in _sheet_names(path) if s.lower() == wanted), None)


def indicator_rows(path: str | Path) -> list[dict[str, str]]:
    """The rows of the ``indicators`` sheet, checked, with their sheet row numbers.

    Raises
    ------
    SpecError
        Listing every row whose column or subsystem is empty, and missing header names.
    """
    p = Path(path)
    sheet = _named_sheet(p, INDICATORS_SHEET)
    where = f"workbook {str(p)!r}, sheet {sheet!r}"
    frame = read_table(p, sheet=sheet, na_values=_ONLY_EMPTY)  # a direction "-" is no gap
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in ("column", "subsystem") if c not in frame.columns]
    if missing:
        raise SpecError(
            f"{where} needs the columns {list(_INDICATOR_COLUMNS)} (label and unit optional); "
            f"missing: {missing}"
        )
    problems = []
    rows = []
    for pos, record in enumerate(frame.to_dict("records")):
        row = {k: _text(record.get(k)).strip() for k in _INDICATOR_COLUMNS}
        if not any(row.values()):
            continue  # a blank line
        line = pos + FIRST_DATA_ROW
        for key in ("column", "subsystem"):
            if not row[key]:
                problems.append(f"row {line}: the {key!r} cell is empty")
        if row["direction"] and row["direction"].lower() not in DIRECTION_ALIASES:
            problems.append(
                f"row {line}: direction {row['direction']!r} is not one of "
                f"{', '.join(DIRECTION_ALIASES)}"
            )
        row["row"] = str(line)
        rows.append(row)
    if problems:
        raise SpecError(f"{where}:\n  " + "\n  ".join(problems))
    return rows


def _settings(path: Path) -> dict[str, Any]:
    sheet = _named_sheet(path, SETTINGS_SHEET)
    if sheet is None:
        return {}
    frame = read_table(path, sheet=sheet, na_values=_ONLY_EMPTY)
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    if not {"key", "value"} <= set(frame.columns):
        raise SpecError(
            f"workbook {str(path)!r}, sheet {sheet!r} needs two columns 'key' and 'value'"
        )
    out: dict[str, Any] = {}
    rows: dict[str, int] = {}
    problems = []
    for pos, record in enumerate(frame.to_dict("records")):
        key = _text(record["key"]).strip()
        line = pos + FIRST_DATA_ROW
        value = record["value"]
        if not key:
            if not _empty(value):
                problems.append(f"row {line}: a value without a key")
            continue
        if _empty(value):
            problems.append(f"row {line}: key {key!r} has no value; give one or delete the row")
        elif key in rows:
            problems.append(f"row {line}: key {key!r} is already set in row {rows[key]}")
        else:
            out[key] = value.item() if hasattr(value, "item") else value
            rows[key] = line
    if problems:
        raise SpecError(f"workbook {str(path)!r}, sheet {sheet!r}:\n  " + "\n  ".join(problems))
    return out


def _empty(value: Any) -> bool:
    """An empty cell: None, NaN, NaT or blank text."""
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _token_list(value: Any) -> Any:
    """The ``na_values`` of a settings cell: texts separated by ``,``, ``，``, ``、`` or ``;``
    (``-, —, NA``); a cell reading ``none`` keeps only empty cells missing. Another value
    is passed on as it is, for the spec to refuse with its key named.
    """
    if not isinstance(value, str):
        return value
    if value.strip().lower() == "none":
        return []
    return [t.strip() for t in re.split(r"[,，、;；]", value) if t.strip()]


def _workbook_mapping(p: Path) -> tuple[dict[str, Any], str]:
    """The spec mapping the ``indicators`` and ``settings`` sheets describe, and its source."""
    settings = _settings(p)
    method_keys = {f.name for f in fields(Method)}
    method = {
        k.removeprefix("method."): v
        for k, v in settings.items()
        if k.removeprefix("method.") in method_keys
    }
    top: dict[str, Any] = {}
    for key, value in settings.items():
        if key.removeprefix("method.") in method_keys:
            continue
        if key.startswith("diagnostics."):  # diagnostics.forecast, diagnostics.robustness.draws
            *tables, name = key.split(".")
            table = top
            for t in tables:
                inner = table.setdefault(t, {})
                if not isinstance(inner, dict):  # "diagnostics.robustness" set to true too
                    raise SpecError(
                        f"workbook {str(p)!r}, sheet {SETTINGS_SHEET!r}: key {key!r} needs "
                        f"{'.'.join(tables)!r} as a table, but it is also set to {inner!r}"
                    )
                table = inner
            if isinstance(table.get(name), dict):
                raise SpecError(
                    f"workbook {str(p)!r}, sheet {SETTINGS_SHEET!r}: key {key!r} is also a "
                    "table of other keys; set one or the other"
                )
            table[name] = value
        elif key == "na_values":
            top[key] = _token_list(value)
        elif key in _TOP_KEYS or difflib.get_close_matches(key, _TOP_KEYS, n=1, cutoff=0.75):
            top[key] = value
        else:  # most settings are method keys: an unknown one is named (and matched) there
            method[key] = value
    if "entity" not in top or "period" not in top:
        with warnings.catch_warnings():  # the fit reads the data again and says it there
            warnings.simplefilter("ignore", CosynWarning)
            guess = guess_columns(read_table(p, sheet=data_sheet(p)))
        if "period" not in top and guess.period is not None:
            top["period"] = guess.period
        if "entity" not in top and guess.entity is not None:
            top["entity"] = guess.entity
    subsystems: dict[str, dict[str, Any]] = {}
    for row in indicator_rows(p):
        entry: dict[str, Any] = {"column": row["column"], "direction": row["direction"] or "+"}
        for key in ("label", "unit"):
            if row[key]:
                entry[key] = row[key]
        subsystems.setdefault(row["subsystem"], {"indicators": []})["indicators"].append(entry)
    source = f"{p} (sheets {INDICATORS_SHEET!r}, {SETTINGS_SHEET!r})"
    return {**top, "method": method, "subsystems": subsystems}, source


def spec_from_workbook(path: str | Path) -> Spec:
    """Build the :class:`Spec` that the ``indicators`` (and ``settings``) sheets describe."""
    mapping, source = _workbook_mapping(Path(path))
    return Spec.from_dict(mapping, source=source)


def load_model(path: str | Path) -> Spec:
    """The spec of a TOML model file, or of the ``indicators`` sheet of a workbook."""
    p = Path(path)
    if has_model_sheet(p):
        return spec_from_workbook(p)
    if p.suffix.lower() in {".xlsx", ".xlsm"}:
        raise _no_indicators_sheet(p)
    return Spec.from_toml(p)


def _no_indicators_sheet(p: Path) -> SpecError:
    return SpecError(
        f"workbook {str(p)!r} has no 'indicators' sheet; add one (columns: column, "
        f"subsystem, direction, label, unit) or run: cosyn init {p} --as-sheet"
    )


def parse_model(path: str | Path) -> tuple[Spec | None, list[str]]:
    """The spec of a model file as well as it can be read, and every problem found.

    For ``cosyn check``: when the spec has problems, the spec returned holds the parts
    that could be read (each bad key at its default), so the data can still be checked
    against the columns it names. The spec is None when the file cannot be read at all
    or the spec does not say which columns to read (period, entity, indicators).

    Returns
    -------
    spec : Spec or None
    problems : list of str
        One message per problem of the spec (each naming its key); a file that cannot
        be read is one problem.
    """
    p = Path(path)
    try:
        if has_model_sheet(p):
            mapping, source = _workbook_mapping(p)
        elif p.suffix.lower() in {".xlsx", ".xlsm"}:
            raise _no_indicators_sheet(p)
        else:
            mapping, source = read_toml(p), str(p)
    except CosynError as exc:
        return None, [str(exc)]
    return _parse_spec(mapping, source)


def model_data(model: str | Path, data: str | Path | None) -> tuple[Path, str | None]:
    """The data file and sheet for a model: ``data``, or the model workbook's data sheet."""
    if data is not None:
        return Path(data), None
    if has_model_sheet(model):
        return Path(model), data_sheet(model)
    raise DataError(f"no data given for {str(model)!r}: add --data FILE (CSV, XLSX or Parquet)")

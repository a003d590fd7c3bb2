"""``cosyn init``: a commented spec skeleton from a data file's columns.

The skeleton names the guessed entity and period columns and lists every numeric column
as an indicator of a first subsystem; the user moves each to its subsystem and sets its
direction. It is deliberately not runnable as written (the second subsystem is empty), so
that nobody fits a model whose subsystems were never assigned; ``cosyn check`` says what
is left to do.
"""

from __future__ import annotations

import json
from pathlib import Path

from cosyn.errors import DataError
from cosyn.io.guess import ColumnGuess, guess_columns
from cosyn.io.read import read_table
from cosyn.io.write import atomic_path, atomic_write_text
from cosyn.spec import Method

__all__ = ["toml_skeleton", "write_sheet_skeleton", "write_toml_skeleton"]


def _refuse_overwrite(target: Path, force: bool, source: Path) -> None:
    if target.resolve() == source.resolve():
        raise DataError(
            f"{str(target)!r} is the data file itself; cosyn never overwrites its input — "
            "choose another output with -o"
        )
    if target.exists() and not force:
        raise DataError(f"{str(target)!r} exists; use --force to overwrite it, or -o another path")


def _quoted(text: str) -> str:
    """A TOML basic string (JSON escaping is valid TOML for these characters)."""
    return json.dumps(text, ensure_ascii=False)


def _key(name: str) -> str:
    """A TOML key: bare when it can be, quoted otherwise (e.g. Chinese column names)."""
    bare = name.replace("_", "").replace("-", "").isalnum() and name.isascii()
    return name if bare else _quoted(name)


def toml_skeleton(guess: ColumnGuess, source: str) -> str:
    """The text of a commented TOML spec for the guessed columns."""
    m = Method()
    lines = [
        f"# cosyn model skeleton written from {source} by `cosyn init`.",
        "# 1. Check the entity and period columns.",
        "# 2. Move each indicator into its subsystem (at least two subsystems, one or more",
        '#    indicators each) and set its direction: "+" (more is better) or "-".',
        "# 3. Run `cosyn check` on this file with --data, then `cosyn run`.",
        "",
        'title = ""',
    ]
    if guess.entity is not None:
        lines.append(f"entity = {_quoted(guess.entity)}   # one row per entity and period")
    else:
        lines.append('# entity = "region"   # no entity column found: the data is one entity')
    period = guess.period or "year"
    note = "" if guess.period else "   # no period column found: name yours here"
    lines += [
        f"period = {_quoted(period)}{note}",
        "",
        "[method]   # the defaults of the composite system synergy model; see docs/spec.md",
        f"margin = {m.margin}              # bounds widened by a·|max| and a·|min|",
        f'bounds = "{m.bounds}"          # entity | panel',
        f'weights = "{m.weights}"        # entropy | critic | cv | equal | given | ahp | combined',
        f'weights_scope = "{m.weights_scope}"   # entity | panel',
        f'aggregation = "{m.aggregation}"   # weighted_sum | geometric | weighted_geometric',
        f'base = "{m.base}"              # first | adjacent | a period value',
        f'impute = "{m.impute}"      # regression | linear | none',
        f'on_constant = "{m.on_constant}"       # error | drop',
        "",
        "[subsystems.subsystem_1]",
        'label = "Subsystem 1"',
        "[subsystems.subsystem_1.indicators]   # column = direction",
    ]
    lines += [f'{_key(c)} = "+"' for c in guess.indicators]
    if guess.unnamed:
        lines.append(
            f"# not listed, their header cell is blank: {', '.join(guess.unnamed)}; "
            "name them in the data file to use them"
        )
    lines += [
        "",
        "[subsystems.subsystem_2]",
        'label = "Subsystem 2"',
        "[subsystems.subsystem_2.indicators]   # move this subsystem's indicators here",
        "",
    ]
    return "\n".join(lines)


def _guess(data_file: Path, sheet: str | None) -> ColumnGuess:
    guess = guess_columns(read_table(data_file, sheet=sheet))
    if not guess.indicators:
        raise DataError(
            f"data file {str(data_file)!r} has no numeric column to use as an indicator"
        )
    return guess


def write_toml_skeleton(
    data_file: str | Path, target: str | Path, *, sheet: str | None = None, force: bool = False
) -> tuple[Path, ColumnGuess]:
    """Write :func:`toml_skeleton` for ``data_file`` to ``target`` (never over the input)."""
    src, out = Path(data_file), Path(target)
    _refuse_overwrite(out, force, src)
    guess = _guess(src, sheet)
    return atomic_write_text(out, toml_skeleton(guess, src.name)), guess


def write_sheet_skeleton(
    data_file: str | Path, target: str | Path, *, sheet: str | None = None, force: bool = False
) -> tuple[Path, ColumnGuess]:
    """Copy an XLSX data workbook to ``target`` with ``indicators`` and ``settings`` sheets.

    The data workbook itself is never modified. ``indicators`` lists every guessed
    indicator (column, subsystem, direction, label, unit) with subsystem ``subsystem_1``
    to be edited; ``settings`` holds the entity and period columns.
    """
    from openpyxl import load_workbook

    from cosyn.io.archive import check_xlsx_archive

    src, out = Path(data_file), Path(target)
    if src.suffix.lower() not in {".xlsx", ".xlsm"}:
        raise DataError(
            f"--as-sheet needs an XLSX data file, got {str(src)!r}; without it, "
            "cosyn init writes a TOML spec"
        )
    _refuse_overwrite(out, force, src)
    guess = _guess(src, sheet)
    check_xlsx_archive(src)
    book = load_workbook(src)
    for name in ("indicators", "settings"):
        if name in book.sheetnames:
            raise DataError(f"workbook {str(src)!r} already has a {name!r} sheet")
    ind = book.create_sheet("indicators")
    ind.append(["column", "subsystem", "direction", "label", "unit"])
    for column in guess.indicators:
        ind.append([column, "subsystem_1", "+", column, ""])
    settings = book.create_sheet("settings")
    settings.append(["key", "value"])
    if guess.entity is not None:
        settings.append(["entity", guess.entity])
    settings.append(["period", guess.period or "year"])
    for sheet_ in (ind, settings):
        for row in sheet_.iter_rows():
            for cell in row:
                if cell.data_type == "f":  # a column name that starts with "=" stays text
                    cell.data_type = "s"
        sheet_.freeze_panes = "A2"
        sheet_.column_dimensions["A"].width = 24
    with atomic_path(out) as tmp:
        book.save(tmp)
    return out, guess

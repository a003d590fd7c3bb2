"""``cosyn check``: every problem of a model and its data, not only the first."""

from __future__ import annotations

import warnings
from pathlib import Path

from cosyn.errors import CosynError, CosynWarning, SpecError
from cosyn.io.sheets import load_model, model_data

__all__ = ["find_problems"]


def find_problems(
    model: str | Path, data: str | Path | None = None, sheet: str | None = None
) -> tuple[list[str], list[str]]:
    """Validate a model file and, when there is data, the data against it.

    The spec is checked as a whole (every key); the data by each of the reader's checks on
    its own (columns, cells, periods, duplicates — see
    :func:`cosyn.panel.panel_problems`); when those pass, by a full fit, which adds the
    first problem of the method steps (too few observations, a constant indicator, a
    base period that is not in the data…). Warnings of the fit are listed too.

    Returns
    -------
    problems : list of str
        One message per problem; empty when the model fits the data.
    notes : list of str
        Warnings of the fit (a dropped indicator, equal weights…): worth reading, but the
        model runs.
    """
    from cosyn.fit import fit
    from cosyn.panel import panel_problems

    problems: list[str] = []
    spec = None
    try:
        spec = load_model(model)
    except SpecError as exc:
        problems.append(str(exc))
    has_data = data is not None or (spec is not None and Path(model).suffix.lower() == ".xlsx")
    if spec is None or not has_data:
        return problems, []
    try:
        data_file, data_sheet = model_data(model, data)
    except CosynError as exc:
        return [*problems, str(exc)], []
    found = panel_problems(data_file, spec, sheet or data_sheet)
    if found:
        return problems + found, []
    notes: list[str] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", CosynWarning)
            fit(data_file, spec, sheet=sheet or data_sheet)
        notes = [str(w.message) for w in caught if issubclass(w.category, CosynWarning)]
    except CosynError as exc:
        problems.append(str(exc))
    return problems, notes

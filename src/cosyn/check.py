"""``cosyn check``: every problem of a model and its data, not only the first."""

from __future__ import annotations

import warnings
from pathlib import Path

from cosyn.errors import CosynError, CosynWarning
from cosyn.io.sheets import has_model_sheet, model_data, parse_model

__all__ = ["find_problems"]


def find_problems(
    model: str | Path, data: str | Path | None = None, sheet: str | None = None
) -> tuple[list[str], list[str]]:
    """Validate a model file and, when there is data, the data against it.

    The spec is checked as a whole (every key). The data is checked by each of the
    reader's checks on its own (columns, cells, periods, duplicates — see
    :func:`cosyn.panel.panel_problems`), against the spec as far as it could be read: a
    misspelt option does not hide a missing column. Only when spec and data have no
    problem is the model fitted, which adds the first problem of the method steps (too
    few observations, a constant indicator, a base period that is not in the data…), the
    fit's warnings, and the problems of the ``[analysis]`` inputs (groups that place no
    entity, a neighbours file naming no entity, the spatial extra missing).

    Returns
    -------
    problems : list of str
        One message per problem; empty when the model fits the data. A problem of the
        spec names the model file and the spec key.
    notes : list of str
        Warnings of the reader (the encoding of a CSV file that is not UTF-8, cells read
        as missing values) and of the fit (a dropped indicator, equal weights…), each
        once: worth reading, but the model runs. Also returned beside problems.
    """
    from cosyn.analysis.run import analysis_problems
    from cosyn.fit import fit
    from cosyn.panel import panel_problems

    spec, found = parse_model(model)
    problems = [f"model {str(model)!r}, {p}" if p.startswith("spec key ") else p for p in found]
    if spec is None or (data is None and not has_model_sheet(model)):
        return problems, []
    try:
        data_file, data_sheet = model_data(model, data)
    except CosynError as exc:
        return [*problems, str(exc)], []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CosynWarning)
        problems += panel_problems(data_file, spec, sheet or data_sheet)
        if not problems:
            try:
                result = fit(data_file, spec, sheet=sheet or data_sheet)
            except CosynError as exc:
                problems.append(str(exc))
            else:
                problems += analysis_problems(spec, result.panel)
    # the reader's notes (the encoding, cells read as missing) come once per reading
    notes = list(
        dict.fromkeys(
            str(w.message)
            for w in caught
            if w.category is not None and issubclass(w.category, CosynWarning)
        )
    )
    return problems, notes

"""Reports of a fitted model: CSV tables, the XLSX workbook, figures and the HTML report.

:func:`write_reports` writes everything ``cosyn run`` promises into one folder; each
file is written atomically, so an interrupted run never leaves a half-written file.
Beside the base tables (:data:`TABLES`) it writes a CSV for each diagnostic table the
spec's ``[diagnostics]`` asked for (:data:`DIAGNOSTIC_TABLES`, listed for one result by
:func:`diagnostic_tables`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from cosyn.io.write import write_csv

if TYPE_CHECKING:
    from cosyn.result import Result

__all__ = ["DIAGNOSTIC_TABLES", "TABLES", "diagnostic_tables", "write_reports"]

#: The CSV tables written by :func:`write_reports`, by file name.
TABLES: tuple[str, ...] = ("synergy", "subsystem_order", "weights", "order_degree")

#: The diagnostic tables (METHOD.md §6–§7), by file and ``Result`` attribute name, in the
#: order they are written; each only when the spec's ``[diagnostics]`` asked for it.
DIAGNOSTIC_TABLES: tuple[str, ...] = (
    "grey_relation",
    "grey_cross",
    "coupling",
    "obstacles",
    "forecast",
    "robustness",
)


def diagnostic_tables(result: Result) -> tuple[str, ...]:
    """The names of the diagnostic tables ``result`` has, in :data:`DIAGNOSTIC_TABLES` order.

    A table is listed when ``result.spec.diagnostics`` asked for it — ``gra`` gives
    ``grey_relation`` and ``grey_cross``, ``coupling`` gives ``coupling``, ``obstacles > 0``
    ``obstacles``, ``forecast > 0`` ``forecast``, ``robustness`` ``robustness``. No table
    is built here.
    """
    d = result.spec.diagnostics
    asked = {
        "grey_relation": d.gra,
        "grey_cross": d.gra,
        "coupling": bool(d.coupling),
        "obstacles": d.obstacles > 0,
        "forecast": d.forecast > 0,
        "robustness": d.robustness is not None,
    }
    return tuple(name for name in DIAGNOSTIC_TABLES if asked[name])


#: The progress steps of :func:`write_reports`, by language.
_STEPS: dict[str, dict[str, str]] = {
    "en": {
        "csv": "writing {name}",
        "figures": "drawing figures",
    },
    "zh": {
        "csv": "正在写出 {name}",
        "figures": "正在绘图",
    },
}


def write_reports(
    result: Result,
    folder: str | Path,
    *,
    data_file: str | Path | None = None,
    data_name: str | None = None,
    lang: str = "en",
    step: Callable[[str], None] | None = None,
) -> list[Path]:
    """Write the tables, the workbook, the figures and the HTML report into ``folder``.

    The CSV tables are :data:`TABLES` and the diagnostic tables of
    :func:`diagnostic_tables` (``grey_relation.csv``, ``coupling.csv``, …), each formula-safe
    (:func:`cosyn.io.write.write_csv`).

    Parameters
    ----------
    result : Result
    folder : path
        Created if needed.
    data_file : path, optional
        The data file, whose SHA-256 the workbook and the report record.
    data_name : str, optional
        The name to show for the data file in the workbook and the report (e.g. the name
        a web upload had), instead of its path on disk.
    lang : {"en", "zh"}
        Language of the report's own words and of cosyn's level and stage names.
    step : callable, optional
        Called with a short description, in ``lang``, before each step (for a progress
        display).

    Returns
    -------
    list of Path
        Every file written.

    Raises
    ------
    SpecError
        ``[report] entities`` names an entity the result does not have (raised before
        any file is written).
    DataError
        ``[analysis] groups`` cannot give each entity a group (raised before any file
        is written).
    """
    from cosyn.io.write import atomic_write_bytes, atomic_write_text
    from cosyn.report.figures import chosen_entities, png_bytes, render_figures, svg_text
    from cosyn.report.html import write_html
    from cosyn.report.tables import spec_groups
    from cosyn.report.workbook import write_workbook

    chosen_entities(result)  # an unknown [report] entities name fails before any file,
    spec_groups(result)  # and so do [analysis] groups that name no entity's group
    say = step or (lambda _: None)
    words = _STEPS.get(lang, _STEPS["en"])
    out = Path(folder)
    written: list[Path] = []
    for name in (*TABLES, *diagnostic_tables(result)):
        say(words["csv"].format(name=f"{name}.csv"))
        written.append(write_csv(getattr(result, name), out / f"{name}.csv"))
    say(words["csv"].format(name="results.xlsx"))
    written.append(
        write_workbook(
            result, out / "results.xlsx", data_file=data_file, lang=lang, data_name=data_name
        )
    )
    say(words["figures"])
    inline: dict[str, str] = {}
    for name, fig in render_figures(result, lang=lang).items():  # drawn once, saved twice
        inline[name] = svg_text(fig)
        written.append(atomic_write_text(out / "figures" / f"{name}.svg", inline[name]))
        written.append(atomic_write_bytes(out / "figures" / f"{name}.png", png_bytes(fig)))
    say(words["csv"].format(name="report.html"))
    written.append(
        write_html(
            result,
            out / "report.html",
            figures=inline,
            data_file=data_file,
            lang=lang,
            data_name=data_name,
        )
    )
    return written

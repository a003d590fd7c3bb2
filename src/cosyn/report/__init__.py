"""Reports of a fitted model: CSV tables, the XLSX workbook, figures and the HTML report.

:func:`write_reports` writes everything ``cosyn run`` promises into one folder; each
file is written atomically, so an interrupted run never leaves a half-written file.
Beside the base tables (:data:`TABLES`) it writes a CSV for each diagnostic table the
spec's ``[diagnostics]`` asked for (:data:`DIAGNOSTIC_TABLES`, listed for one result by
:func:`diagnostic_tables`) and, when the spec has an ``[analysis]`` table, one CSV per
table of the spatio-temporal analysis that has rows (``analysis/<name>.csv``, listed by
:func:`analysis_csv_tables`) and its figures.

When the result holds a sample of a larger fit's entities (the Dask engine, whose full
tables are Parquet datasets; :class:`cosyn.report.sample.Sample`), no CSV table is
written — a CSV of the sample would read as the full table — and the workbook and the
HTML report say which sample they show and where the full tables are.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from cosyn.io.write import write_csv

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from cosyn.report.sample import Sample
    from cosyn.result import Result

__all__ = [
    "ANALYSIS_FOLDER",
    "ANALYSIS_PREFIX",
    "DIAGNOSTIC_TABLES",
    "TABLES",
    "analysis_csv_tables",
    "diagnostic_tables",
    "report_figures",
    "write_reports",
]

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


#: The folder (inside the output folder) of the analysis tables' CSV files.
ANALYSIS_FOLDER = "analysis"

#: The name every figure of the analysis starts with (in ``figures/`` and in the figures
#: handed to the HTML report).
ANALYSIS_PREFIX = "analysis_"


def analysis_csv_tables(result: Result) -> dict[str, pd.DataFrame]:
    """The tables of ``result.analysis`` that have rows, by name (the
    :class:`~cosyn.analysis.run.AnalysisResult` attribute, in its order); empty without
    an ``[analysis]`` table. These are the tidy tables, English column names, one row per
    observation, written as ``analysis/<name>.csv`` by :func:`write_reports`.

    Raises
    ------
    DataError, SpecError
        The analysis cannot run (see :func:`cosyn.analysis.analyse`).
    """
    a = result.analysis
    if a is None:
        return {}
    return {name: table for name, table in a.tables.items() if len(table)}


#: The progress steps of :func:`write_reports`, by language.
_STEPS: dict[str, dict[str, str]] = {
    "en": {
        "csv": "writing {name}",
        "figures": "drawing figures",
        "analysis": "running the spatio-temporal analysis",
        "analysis_figures": "drawing the figures of the analysis",
    },
    "zh": {
        "csv": "正在写出 {name}",
        "figures": "正在绘图",
        "analysis": "正在进行时空分析",
        "analysis_figures": "正在绘制时空分析图",
    },
}


def report_figures(
    result: Result, lang: str = "en", *, step: Callable[[str], None] | None = None
) -> dict[str, Figure]:
    """Every figure of the report, by name: those of
    :func:`cosyn.report.figures.render_figures` and, when the spec has an ``[analysis]``
    table, every one :func:`cosyn.report.analysis_figures.render_analysis_figures` draws,
    each named with :data:`ANALYSIS_PREFIX` (``analysis_gini``, ``analysis_moran`` …), as
    :func:`write_reports` saves them and the HTML report places them.

    ``step`` is called with a short description, in ``lang``, before each kind of figure.
    """
    from cosyn.report.figures import render_figures

    say = step or (lambda _: None)
    words = _STEPS.get(lang, _STEPS["en"])
    say(words["figures"])
    drawn = dict(render_figures(result, lang=lang))
    if result.spec.analysis is not None and result.analysis is not None:
        from cosyn.report.analysis_figures import render_analysis_figures

        say(words["analysis_figures"])
        for name, fig in render_analysis_figures(result, lang=lang).items():
            key = name if name.startswith(ANALYSIS_PREFIX) else ANALYSIS_PREFIX + name
            drawn[key] = fig
    return drawn


def write_reports(
    result: Result,
    folder: str | Path,
    *,
    data_file: str | Path | None = None,
    data_name: str | None = None,
    lang: str = "en",
    step: Callable[[str], None] | None = None,
    sample: Sample | None = None,
) -> list[Path]:
    """Write the tables, the workbook, the figures and the HTML report into ``folder``.

    The CSV tables are :data:`TABLES` and the diagnostic tables of
    :func:`diagnostic_tables` (``grey_relation.csv``, ``coupling.csv``, …), each formula-safe
    (:func:`cosyn.io.write.write_csv`). With an ``[analysis]`` table in the spec: the
    analysis tables with rows (:func:`analysis_csv_tables`) as ``analysis/<name>.csv``, its
    figures (:func:`cosyn.report.analysis_figures.render_analysis_figures`, every one it
    returns) as ``figures/analysis_*.svg`` and ``.png`` and in the HTML report, and its
    tables as sheets of the workbook.

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
    sample : cosyn.report.sample.Sample, optional
        ``result`` is a sample of a larger fit's entities whose full tables are Parquet
        datasets (the Dask engine): no CSV table is written, and the workbook's README
        sheet and the HTML report say how many of how many entities they show and where
        each full table is.

    Returns
    -------
    list of Path
        Every file written.

    Raises
    ------
    SpecError
        ``[report] entities`` names an entity the result does not have (raised before
        any file is written).
    DataError, SpecError
        ``[analysis] groups`` cannot give each entity a group, or the analysis cannot
        run (the spatial extra missing, a weights file missing, …): raised before any
        file is written.
    """
    from cosyn.io.write import atomic_write_bytes, atomic_write_text
    from cosyn.report.figures import chosen_entities, png_bytes, svg_text
    from cosyn.report.html import write_html
    from cosyn.report.tables import spec_groups
    from cosyn.report.workbook import write_workbook

    say = step or (lambda _: None)
    words = _STEPS.get(lang, _STEPS["en"])
    chosen_entities(result)  # an unknown [report] entities name fails before any file,
    spec_groups(result)  # and so do [analysis] groups that name no entity's group,
    if result.spec.analysis is not None:  # and an analysis that cannot run
        say(words["analysis"])
    analysis = analysis_csv_tables(result)
    out = Path(folder)
    written: list[Path] = []
    csv_tables = () if sample is not None else (*TABLES, *diagnostic_tables(result))
    for name in csv_tables:
        say(words["csv"].format(name=f"{name}.csv"))
        written.append(write_csv(getattr(result, name), out / f"{name}.csv"))
    for name, table in analysis.items():
        path = f"{ANALYSIS_FOLDER}/{name}.csv"
        say(words["csv"].format(name=path))
        written.append(write_csv(table, out / path))
    say(words["csv"].format(name="results.xlsx"))
    written.append(
        write_workbook(
            result,
            out / "results.xlsx",
            data_file=data_file,
            lang=lang,
            data_name=data_name,
            sample=sample,
        )
    )
    inline: dict[str, str] = {}
    for name, fig in report_figures(result, lang, step=say).items():  # drawn once, saved twice
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
            sample=sample,
        )
    )
    return written

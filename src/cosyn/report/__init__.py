"""Reports of a fitted model: CSV tables, the XLSX workbook, figures and the HTML report.

:func:`write_reports` writes everything ``cosyn run`` promises into one folder; each
file is written atomically, so an interrupted run never leaves a half-written file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from cosyn.io.write import write_csv

if TYPE_CHECKING:
    from cosyn.result import Result

__all__ = ["TABLES", "write_reports"]

#: The CSV tables written by :func:`write_reports`, by file name.
TABLES: tuple[str, ...] = ("synergy", "subsystem_order", "weights", "order_degree")


def write_reports(
    result: Result,
    folder: str | Path,
    *,
    data_file: str | Path | None = None,
    lang: str = "en",
    step: Callable[[str], None] | None = None,
) -> list[Path]:
    """Write the tables, the workbook, the figures and the HTML report into ``folder``.

    Parameters
    ----------
    result : Result
    folder : path
        Created if needed.
    data_file : path, optional
        The data file, whose SHA-256 the workbook and the report record.
    lang : {"en", "zh"}
        Language of the report's own words and of cosyn's level and stage names.
    step : callable, optional
        Called with a short description before each step (for a progress display).

    Returns
    -------
    list of Path
        Every file written.
    """
    from cosyn.io.write import atomic_write_bytes, atomic_write_text
    from cosyn.report.figures import png_bytes, render_figures, svg_text
    from cosyn.report.html import write_html
    from cosyn.report.workbook import write_workbook

    say = step or (lambda _: None)
    out = Path(folder)
    written: list[Path] = []
    for name in TABLES:
        say(f"writing {name}.csv")
        written.append(write_csv(getattr(result, name), out / f"{name}.csv"))
    say("writing results.xlsx")
    written.append(write_workbook(result, out / "results.xlsx", data_file=data_file, lang=lang))
    say("drawing figures")
    inline: dict[str, str] = {}
    for name, fig in render_figures(result, lang=lang).items():  # drawn once, saved twice
        inline[name] = svg_text(fig)
        written.append(atomic_write_text(out / "figures" / f"{name}.svg", inline[name]))
        written.append(atomic_write_bytes(out / "figures" / f"{name}.png", png_bytes(fig)))
    say("writing report.html")
    written.append(
        write_html(result, out / "report.html", figures=inline, data_file=data_file, lang=lang)
    )
    return written

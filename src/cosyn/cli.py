"""The ``cosyn`` command line: argument parsing and printing; the library does the work.

Exit codes: 0 success; 1 a user mistake (bad spec, bad data, unwritable output), with one
message that says what, where and how to fix it; 2 bad usage (unknown option, missing
argument). ``--debug`` shows the traceback of an error.
"""

from __future__ import annotations

import dataclasses
import os
import re
import sys
import tempfile
import traceback
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from cosyn import __version__
from cosyn.errors import CosynError, CosynWarning, DataError, SpecError
from cosyn.spec import MAX_DRAWS, MAX_FORECAST

__all__ = ["main"]

LANG = click.Choice(["en", "zh"])


class Context:
    """Options every command shares."""

    def __init__(self, debug: bool, quiet: bool) -> None:
        self.debug = debug
        self.quiet = quiet
        self.lang = "en"  # the language of a run's output (run and demo --lang)
        self.out = Console(highlight=False, soft_wrap=True)
        self.err = Console(stderr=True, highlight=False, soft_wrap=True)

    @contextmanager
    def progress(self, first: str) -> Iterator[Callable[[str], None]]:
        """A spinner with the current step on a terminal; silent otherwise or with --quiet."""
        if self.quiet or not self.err.is_terminal:
            yield lambda _: None
            return
        with self.err.status(first) as status:
            yield lambda text: status.update(text)

    @contextmanager
    def partitions(self, text: str) -> Iterator[Callable[[int, int], None]]:
        """A progress bar of partitions done, fed by ``progress(done, total)``, on a
        terminal; silent otherwise or with --quiet."""
        if self.quiet or not self.err.is_terminal:
            yield lambda _done, _total: None
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=self.err) as bar:
            task = bar.add_task(text, total=None)
            yield lambda done, total: bar.update(task, completed=done, total=total)

    def say(self, text: str) -> None:
        if not self.quiet:
            self.err.print(text)


def _fail(ctx: Context, exc: BaseException) -> None:
    """Print one message and exit 1 (the traceback only with --debug)."""
    if ctx.debug:
        traceback.print_exception(exc)
    kind = type(exc).__name__ if isinstance(exc, CosynError) else "error"
    click.echo(f"{kind}: {exc}", err=True)
    sys.exit(1)


def _internal_error(ctx: Context, exc: Exception) -> None:
    """An exception cosyn did not expect: one line that asks for a report, exit 1.

    The message is the same whatever the exception, so that no bare Python error reaches
    the user; ``--debug`` prints the traceback a report needs.
    """
    if ctx.debug:
        traceback.print_exception(exc)
    if isinstance(exc, MemoryError):
        click.echo(
            "error: out of memory — the data or the options (robustness draws, forecast "
            "periods) ask for more than this machine has; reduce them and run again",
            err=True,
        )
        sys.exit(1)
    hint = "" if ctx.debug else "; run again with --debug to see the traceback, and "
    click.echo(
        f"error: internal error in cosyn {__version__} ({_short_reason(exc)}) — this is "
        f"a bug, not a problem of your model or data{hint or '; '}please report it with "
        "the command you ran",
        err=True,
    )
    sys.exit(1)


def _short_reason(exc: Exception) -> str:
    """The exception's text, cut to one short line (its class is in the --debug trace)."""
    try:
        text = " ".join(str(exc).split())
    except Exception:  # a message that cannot be shown
        text = ""
    return (text[:117] + "...") if len(text) > 120 else (text or "no message")


@contextmanager
def _user_errors(ctx: Context) -> Iterator[None]:
    """Turn what the library raises into one message and exit 1; print its warnings.

    The warnings are printed before the error, if there is one: cosyn's own notes, and
    NumPy's numerical warnings (overflow, invalid value), which may mean a number that is
    not finite; other libraries' warnings only with ``--debug``.
    """
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", CosynWarning)
            try:
                yield
            finally:
                _show_warnings(ctx, caught)
    except CosynError as exc:
        _fail(ctx, exc)
    except PermissionError as exc:
        _fail(ctx, DataError(f"no permission to write {exc.filename!r}: choose another --out"))
    except OSError as exc:
        _fail(ctx, DataError(f"{exc.strerror or exc}: {exc.filename!r}"))
    except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
        raise  # click's own usage errors and exits
    except Exception as exc:  # a bug: still one line and exit 1, never a bare traceback
        _internal_error(ctx, exc)


def _show_warnings(ctx: Context, caught: list[warnings.WarningMessage]) -> None:
    say = _SAY[ctx.lang]
    for w in caught:
        where = f" ({w.filename}:{w.lineno})" if ctx.debug else ""
        if issubclass(w.category, CosynWarning):
            ctx.say(f"{say['warning']}{w.message}")
        elif issubclass(w.category, RuntimeWarning):
            ctx.say(say["numerical"].format(message=w.message, where=where))
        elif ctx.debug:
            ctx.say(f"warning ({w.category.__name__}): {w.message}{where}")


def _writable_folder(folder: Path) -> None:
    """Fail early, before any work, when ``folder`` cannot take the outputs."""
    if folder.exists() and not folder.is_dir():
        raise DataError(f"output folder {str(folder)!r} is a file; give a folder with --out")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".cosyn-probe.", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise DataError(
            f"output folder {str(folder)!r} is not writable ({exc.strerror}); choose another "
            "with --out"
        ) from None


#: What ``run`` and ``demo`` print for people, by ``--lang``.
_SAY: dict[str, dict[str, str]] = {
    "en": {
        "fitting": "reading and fitting {name}",
        "writing": "writing outputs",
        "wrote": "\nwrote {n} files to {out}/ (report.html, results.xlsx, CSV, figures)",
        "starting": "starting Dask and reading {name}",
        "partitions": "partitions of entities done",
        "wrote_dask": "\nwrote the full tables of {total} entities as Parquet datasets to "
        "{tables}/ (one folder per table), and {n} files to {out}/ (report.html, "
        "results.xlsx, figures) from a sample of {shown} entities",
        "warning": "warning: ",
        "problems": "{n} problem{s} found:",
        "ok": "ok: {model} has no problems",
        "ok_data": "ok: {model} with {data} has no problems",
        "numerical": "warning: a numerical step warned: {message}{where} — a result may not "
        "be a finite number; check the outputs, and please report it with the command you ran",
    },
    "zh": {
        "fitting": "正在读取并计算 {name}",
        "writing": "正在写出结果",
        "wrote": "\n已将 {n} 个文件写入 {out}/（report.html、results.xlsx、CSV 表、图）",
        "starting": "正在启动 Dask 并读取 {name}",
        "partitions": "已完成的个体分区",
        "wrote_dask": "\n已将全部 {total} 个个体的完整结果表以 Parquet 数据集写入 {tables}/"
        "（每张表一个文件夹），并根据 {shown} 个个体的样本将 {n} 个文件写入 {out}/"
        "（report.html、results.xlsx、图）",
        "warning": "警告：",
        "problems": "发现 {n} 个问题：",
        "ok": "通过：{model} 没有发现问题",
        "ok_data": "通过：{model} 与数据 {data} 没有发现问题",
        "numerical": "警告：数值计算步骤发出警告：{message}{where}——结果可能不是有限数；"
        "请检查输出，并附上所运行的命令报告此问题",
    },
}


def split_entities(text: str) -> tuple[str, ...]:
    """The entity names of ``--entities``: split on ``,``, ``，`` or ``、``, each stripped,
    empty parts dropped (``"北京， 上海、"`` → ``("北京", "上海")``)."""
    return tuple(p.strip() for p in re.split(r"[,，、]", text) if p.strip())


def _with_entities(spec: Any, entities: str | None) -> Any:
    """``spec`` with ``[report] entities`` replaced by the names of ``--entities``."""
    if entities is None:
        return spec
    names = split_entities(entities)
    if not names:
        raise SpecError(
            f"--entities {entities!r} names no entity; give names separated by commas, "
            'e.g. --entities "北京,上海"'
        )
    return dataclasses.replace(spec, report=dataclasses.replace(spec.report, entities=names))


def _check_entities(result: Any, from_option: bool) -> None:
    """Fail before any file is written when ``[report] entities`` names an unknown entity."""
    from cosyn.report.figures import chosen_entities

    try:
        chosen_entities(result)
    except SpecError as exc:
        if not from_option:
            raise
        raise SpecError(str(exc).replace("[report] entities:", "--entities:", 1)) from None


def _fit_and_report(
    ctx: Context,
    spec: Any,
    data: Path,
    sheet: str | None,
    out: Path,
    lang: str,
    entities: str | None = None,
) -> None:
    from cosyn.fit import fit
    from cosyn.report import write_reports
    from cosyn.summary import render_summary

    ctx.lang = lang
    say = _SAY[lang]
    spec = _with_entities(spec, entities)
    created = not out.exists()
    _writable_folder(out)
    try:
        with ctx.progress(say["fitting"].format(name=data.name)) as step:
            result = fit(data, spec, sheet=sheet)
            _check_entities(result, entities is not None)
            step(say["writing"])
            written = write_reports(result, out, data_file=data, lang=lang, step=step)
    except BaseException:
        if created and not any(out.iterdir()):  # a failed run leaves no empty folder
            out.rmdir()
        raise
    ctx.out.print(render_summary(result, lang), markup=False)
    ctx.say(say["wrote"].format(n=len(written), out=out))


#: The folder, inside ``--out``, of the Dask engine's full tables (one Parquet dataset
#: folder per table: ``<out>/tables/synergy/part.00000.parquet`` …).
TABLES_FOLDER = "tables"


@dataclasses.dataclass(frozen=True)
class DaskOptions:
    """``cosyn run --engine dask`` and where its cluster is."""

    scheduler: str | None = None
    workers: int | None = None
    memory_limit: str | None = None


def _fit_dask_and_report(
    ctx: Context,
    spec: Any,
    data: Path,
    out: Path,
    lang: str,
    entities: str | None,
    options: DaskOptions,
) -> None:
    """``cosyn run --engine dask``: the full tables as Parquet datasets in
    ``<out>/tables/<table>/``, the summary of every entity, and the workbook, report and
    figures of a sample of entities (no CSV tables: a CSV of the sample would read as
    the full table)."""
    from cosyn.engines.dask import fit_dask, require_dask
    from cosyn.report import write_reports
    from cosyn.report.sample import Sample

    ctx.lang = lang
    say = _SAY[lang]
    require_dask()
    spec = _with_entities(spec, entities)
    created = not out.exists()
    _writable_folder(out)
    tables = out / TABLES_FOLDER
    tables_created = not tables.exists()
    try:
        with ctx.progress(say["starting"].format(name=data.name)):
            res = fit_dask(
                data,
                spec,
                scheduler=options.scheduler,
                workers=options.workers,
                memory_limit=options.memory_limit,
                eager=False,
            )
        with res:
            _check_entities(res.point_sample, entities is not None)
            with ctx.partitions(say["partitions"]) as progress:
                datasets = res.to_parquet(tables, progress=progress)
            summary = res.summary(lang)
            notes = res.notes
            sample = Sample(
                shown=len(res.sample.entities),
                total=res.n_entities,
                datasets=datasets,
                summary=summary,
                stage_counts=tuple(int(n) for n in res.stage_counts()),
            )
        for note in notes:
            ctx.say(f"{say['warning']}{note}")
        ctx.out.print(summary, markup=False)
        with ctx.progress(say["writing"]) as step:
            folder_data = data.is_dir()
            written = write_reports(
                res.sample,
                out,
                data_file=None if folder_data else data,
                data_name=str(data) if folder_data else None,
                lang=lang,
                step=step,
                sample=sample,
            )
    except BaseException:
        for folder, made in ((tables, tables_created), (out, created)):
            if made and folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()  # a failed run leaves no empty folder
        raise
    ctx.say(
        say["wrote_dask"].format(
            total=f"{sample.total:,}",
            shown=sample.shown,
            tables=tables,
            n=len(written),
            out=out,
        )
    )


def _out_option(default: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--out",
        type=click.Path(path_type=Path),
        default=Path(default),
        show_default=True,
        help="Folder for the outputs.",
    )


_lang_option = click.option(
    "--lang",
    type=LANG,
    default="en",
    show_default=True,
    help="Language of the report's words and of level and stage names.",
)


def _set_quiet(click_ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    if value:
        click_ctx.find_object(Context).quiet = True  # type: ignore[union-attr]
    return value


#: ``-q`` after the command name too (``cosyn run … -q``), as before it (``cosyn -q run``).
_quiet_option = click.option(
    "--quiet",
    "-q",
    is_flag=True,
    expose_value=False,
    callback=_set_quiet,
    help="No progress display or notes on stderr (as cosyn -q).",
)

_entities_option = click.option(
    "--entities",
    metavar="NAMES",
    help='Entities the figures show, e.g. "北京,上海" (separated by "," "，" or "、"); '
    "replaces the model's [report] entities.",
)


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Example: cosyn demo --out guangzhou-report",
)
@click.version_option(__version__, "--version", prog_name="cosyn")
@click.option("--debug", is_flag=True, help="Show the traceback of an error.")
@click.option("--quiet", "-q", is_flag=True, help="No progress display or notes on stderr.")
@click.pass_context
def main(click_ctx: click.Context, debug: bool, quiet: bool) -> None:
    """cosyn — do the subsystems of an economy develop together?

    Computes the composite system synergy model (order degrees, weights, subsystem order
    degrees, synergy degrees with levels and stages) from panel data, and writes the
    tables, workbook, figures and report.
    """
    click_ctx.obj = Context(debug, quiet)


@main.command(epilog="Example: cosyn demo --out guangzhou-report --lang zh")
@_out_option("cosyn-demo")
@_lang_option
@_entities_option
@_quiet_option
@click.pass_obj
def demo(ctx: Context, out: Path, lang: str, entities: str | None) -> None:
    """Run the bundled Guangzhou trade model end to end."""
    from cosyn.datasets import data_path, load_spec

    with _user_errors(ctx):
        _fit_and_report(
            ctx, load_spec("trade_model"), data_path("trade.csv"), None, out, lang, entities
        )


@main.command(
    epilog="Example: cosyn run model.toml --data panel.csv --out results --lang zh "
    '--entities "北京,上海"'
)
@click.argument("model", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--data",
    type=click.Path(path_type=Path),
    help="Data file (CSV, XLSX, Parquet); optional when MODEL is a workbook with an "
    "'indicators' sheet. With --engine dask also a Parquet dataset folder.",
)
@click.option("--sheet", help="Worksheet of an XLSX data file (default: the first).")
@_out_option("cosyn-results")
@_lang_option
@_entities_option
@click.option(
    "--engine",
    type=click.Choice(["numpy", "dask"]),
    default="numpy",
    show_default=True,
    help="numpy: the panel in memory. dask: chunks of whole entities on a Dask cluster "
    "(pip install 'cosyn[dask]'); the full tables go to OUT/tables/<table>/ as Parquet "
    "datasets, the report and workbook show a sample of entities.",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="With --engine dask: the address of a running Dask scheduler "
    "(e.g. tcp://10.0.0.5:8786), instead of a local cluster.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    metavar="N",
    help="With --engine dask: worker processes of the local cluster (default: 2, or 1 on one CPU).",
)
@click.option(
    "--memory-limit",
    metavar="SIZE",
    help="With --engine dask: memory limit of each local worker, e.g. 2GB.",
)
@_quiet_option
@click.pass_obj
def run(
    ctx: Context,
    model: Path,
    data: Path | None,
    sheet: str | None,
    out: Path,
    lang: str,
    entities: str | None,
    engine: str,
    scheduler: str | None,
    workers: int | None,
    memory_limit: str | None,
) -> None:
    """Fit MODEL (a TOML file, or a workbook with an 'indicators' sheet) and write reports."""
    from cosyn.io.sheets import load_model, model_data

    options = DaskOptions(scheduler, workers, memory_limit)
    if engine != "dask":
        given = [
            name
            for name, value in (
                ("--scheduler", scheduler),
                ("--workers", workers),
                ("--memory-limit", memory_limit),
            )
            if value is not None
        ]
        if given:
            raise click.UsageError(
                f"{', '.join(given)} appl{'y' if len(given) > 1 else 'ies'} to the Dask "
                "engine only; add --engine dask"
            )
        if data is not None and data.is_dir():
            raise click.BadParameter(
                f"{str(data)!r} is a folder; the NumPy engine reads a data file (a Parquet "
                "dataset folder needs --engine dask)",
                param_hint="'--data'",
            )
    elif sheet is not None:
        raise click.UsageError(
            "--sheet applies to the NumPy engine only; for --engine dask convert the "
            "worksheet to Parquet (pandas: read_excel(...).to_parquet(...))"
        )
    with _user_errors(ctx):
        spec = load_model(model)
        data_file, data_sheet = model_data(model, data)
        if engine == "dask":
            if data is None:
                raise DataError(
                    f"--engine dask reads the data from --data (a Parquet file or dataset "
                    f"folder), not from the data sheet of {str(model)!r}: add --data"
                )
            _fit_dask_and_report(ctx, spec, data_file, out, lang, entities, options)
        else:
            _fit_and_report(ctx, spec, data_file, sheet or data_sheet, out, lang, entities)


@main.command(epilog="Example: cosyn check model.toml --data panel.csv")
@click.argument("model", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--data",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Data file to check against the model.",
)
@click.option("--sheet", help="Worksheet of an XLSX data file (default: the first).")
@click.option(
    "--lang",
    type=LANG,
    default="en",
    show_default=True,
    help="Language of check's own words (the problems keep cosyn's English wording).",
)
@click.pass_obj
def check(ctx: Context, model: Path, data: Path | None, sheet: str | None, lang: str) -> None:
    """Validate MODEL (and its data) and list every problem found; exit 1 if any."""
    from cosyn.check import find_problems

    say = _SAY[lang]
    with _user_errors(ctx):
        problems, notes = find_problems(model, data, sheet)
    for note in notes:
        click.echo(f"{say['warning']}{note}", err=True)
    if problems:
        plural = "s" if len(problems) > 1 else ""
        click.echo(say["problems"].format(n=len(problems), s=plural), err=True)
        for n, text in enumerate(problems, 1):
            click.echo(f"{n}. {text}", err=True)
        sys.exit(1)
    click.echo(say["ok_data" if data else "ok"].format(model=model, data=data))


@main.command(epilog="Example: cosyn init panel.csv -o model.toml")
@click.argument("data_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Spec to write (default: model.toml; with --as-sheet: DATA.model.xlsx).",
)
@click.option(
    "--as-sheet",
    is_flag=True,
    help="For an XLSX data file: write a copy of the workbook with 'indicators' and "
    "'settings' sheets instead of a TOML file.",
)
@click.option("--sheet", help="Worksheet of an XLSX data file (default: the first).")
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
@click.option(
    "--lang", type=LANG, default="en", show_default=True, help="Language of the comments."
)
@click.pass_obj
def init(
    ctx: Context,
    data_file: Path,
    output: Path | None,
    as_sheet: bool,
    sheet: str | None,
    force: bool,
    lang: str,
) -> None:
    """Write a commented spec skeleton from DATA_FILE's columns."""
    from cosyn.init import init_lines, write_sheet_skeleton, write_toml_skeleton

    with _user_errors(ctx):
        if as_sheet:
            target = output or data_file.with_name(f"{data_file.stem}.model.xlsx")
            written, guess = write_sheet_skeleton(
                data_file, target, sheet=sheet, force=force, lang=lang
            )
        else:
            target = output or Path("model.toml")
            written, guess = write_toml_skeleton(
                data_file, target, sheet=sheet, force=force, lang=lang
            )
    for line in init_lines(written, guess, data_file, as_sheet, lang):
        click.echo(line)


@main.command(epilog="Example: cosyn serve --open")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; anything but a loopback address exposes the app.",
)
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Port."
)
@click.option("--open", "open_browser", is_flag=True, help="Open the page in a browser.")
@click.option(
    "--max-upload-mb",
    type=click.FloatRange(min=0, min_open=True),
    default=20.0,
    show_default=True,
    help="Largest upload, in MiB.",
)
@click.option(
    "--max-cells",
    type=click.IntRange(min=1),
    default=2_000_000,
    show_default=True,
    help="Largest data table (rows × columns).",
)
@click.option(
    "--max-draws",
    type=click.IntRange(1, MAX_DRAWS),
    default=2_000,
    show_default=True,
    help="Largest [diagnostics.robustness] draws.",
)
@click.option(
    "--max-forecast",
    type=click.IntRange(0, MAX_FORECAST),
    default=20,
    show_default=True,
    help="Largest [diagnostics] forecast (periods).",
)
@click.option(
    "--max-permutation-cells",
    type=click.IntRange(min=1),
    default=20_000_000,
    show_default=True,
    help="Largest [analysis] permutations × data rows × series analysed (with spatial weights).",
)
@click.option(
    "--fit-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=60.0,
    show_default=True,
    help="Seconds one request's work may take before it is stopped.",
)
@click.option(
    "--max-memory-mb",
    type=click.IntRange(min=0),
    default=4096,
    show_default=True,
    help="Memory one request's work may take, in MiB (0: no limit).",
)
@click.option(
    "--allow-host",
    "allow_hosts",
    multiple=True,
    help="Another host name the server answers to (repeatable; e.g. the machine's name).",
)
def serve(
    host: str,
    port: int,
    open_browser: bool,
    max_upload_mb: float,
    max_cells: int,
    max_draws: int,
    max_forecast: int,
    max_permutation_cells: int,
    fit_timeout: float,
    max_memory_mb: int,
    allow_hosts: tuple[str, ...],
) -> None:
    """Run the local web app: from a spreadsheet to the synergy report in the browser."""
    try:
        from cosyn.web.app import ServeError
        from cosyn.web.app import serve as run_server
    except ImportError as exc:
        click.echo(
            f"error: cosyn serve needs the web extra ({exc.name} is not installed): "
            "pip install 'cosyn[web]'",
            err=True,
        )
        sys.exit(1)
    try:
        run_server(
            host=host,
            port=port,
            open_browser=open_browser,
            max_upload_bytes=int(max_upload_mb * 1024 * 1024),
            max_cells=max_cells,
            max_draws=max_draws,
            max_forecast=max_forecast,
            max_permutation_cells=max_permutation_cells,
            timeout=fit_timeout,
            max_memory_mb=max_memory_mb,
            allow_hosts=allow_hosts,
        )
    except ServeError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()

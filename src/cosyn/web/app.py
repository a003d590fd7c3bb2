"""``cosyn serve``: the synergy model in the browser, on the user's own machine.

:func:`create_app` builds the FastAPI application (HTTP API and the page);
:func:`serve` runs it with uvicorn, on 127.0.0.1 unless told otherwise. Every upload is
saved in its own private temporary folder and checked (size, zip bomb, table size, the
spec's size-driving options) before any work starts; the work itself runs in a child
process under a wall-time and a memory limit (:mod:`cosyn.web.runner`), so simultaneous
users neither block nor see each other's data, a runaway fit is stopped, and its memory
goes back to the system. Only requests addressed to the server's own host names are
answered, and only same-origin pages may send it data. The page's script and style are
served by the app itself: it works with no internet. The API is described by its
OpenAPI schema at ``/openapi.json`` (no documentation pages: those would load scripts
from a CDN).
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import logging
import os
import socket
import sys
import threading
import webbrowser
from collections.abc import Iterable
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Body, FastAPI, File, Form, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from cosyn import __version__
from cosyn.web import work
from cosyn.web.guard import (
    DEFAULT_MAX_CELLS,
    DEFAULT_MAX_DRAW_CELLS,
    DEFAULT_MAX_DRAWS,
    DEFAULT_MAX_FORECAST,
    DEFAULT_MAX_MEMORY_MB,
    DEFAULT_MAX_PERMUTATION_CELLS,
    DEFAULT_MAX_UPLOAD,
    DEFAULT_TIMEOUT,
    LOOPBACK_NAMES,
    BodyLimitMiddleware,
    HostGuard,
)
from cosyn.web.runner import InternalError, Runner

__all__ = ["ServeError", "create_app", "free_port", "is_loopback", "serve"]

log = logging.getLogger("cosyn.web")
STATIC = Path(str(resources.files("cosyn.web") / "static"))
Lang = Literal["en", "zh"]


class OutputFile(StrEnum):
    """The outputs ``POST /api/report`` can return."""

    zip = "zip"
    results_xlsx = "results.xlsx"
    report_html = "report.html"
    model_toml = "model.toml"
    synergy_csv = "synergy.csv"
    subsystem_order_csv = "subsystem_order.csv"
    weights_csv = "weights.csv"
    order_degree_csv = "order_degree.csv"


class ErrorOut(BaseModel):
    """A mistake in the request, in the words the command line uses."""

    error: str = Field(description="The message `cosyn run` would print, e.g. 'SpecError: …'")
    kind: str = Field(
        "error",
        description="SpecError, DataError, TooLarge, TimeLimit, BadHost, CrossOrigin or error",
    )


class TableOut(BaseModel):
    """A table as the page draws it: headers in the language asked for, rows of cells."""

    name: str = Field(
        description="paper: the key of `cosyn.report.tables.paper_tables`; long: the "
        "`Result` table (synergy, subsystem_order, weights, order_degree, diagnostics)"
    )
    kind: str = Field(
        description="paper (the tables papers print), long (one row each) or analysis"
    )
    title: str = Field(description="The table's title in the language asked for")
    tab: str = Field(description="A short name of the table, in the language asked for")
    columns: list[str]
    rows: list[list[Any]]


class AnalysisTableOut(TableOut):
    """A table of the spatio-temporal analysis, with the section of the page it is in."""

    section: str = Field(description="The key of the section (see AnalysisOut.sections)")


class AnalysisSectionOut(BaseModel):
    key: str = Field(description="inequality, distribution, spatial or dynamics")
    title: str = Field(description="The section's heading in the language asked for")
    methods: list[str] = Field(
        default_factory=list,
        description="The methods paragraphs of this section's analyses (formulas indented)",
    )


class AnalysisSeriesOut(BaseModel):
    key: str = Field(description="synergy, order:<subsystem>, order:mean or coupling")
    label: str = Field(description="As the tables print it: U, μ 数字经济, mean μ, D")


class AnalysisFigureOut(BaseModel):
    name: str = Field(description="Drawn by `POST /api/figure?name=…`")
    title: str = Field(description="The figure's heading in the language asked for")
    section: str


class AnalysisOut(BaseModel):
    """The spatio-temporal analysis of `[analysis]`: a section per analysis."""

    sections: list[AnalysisSectionOut]
    tables: list[AnalysisTableOut] = Field(
        description="`cosyn.report.analysis_tables.analysis_paper_tables`, each in a section"
    )
    series: list[AnalysisSeriesOut] = Field(description="The series analysed, in order")
    figure_series: str | None = Field(
        description="The series the figures draw; null: each figure the first series "
        "that has its rows"
    )
    figures: list[AnalysisFigureOut]
    notes: list[str] = Field(description="What the analysis left out, and why")
    methods: list[str] = Field(description="The methods paragraphs, with their references")


class FitOut(BaseModel):
    """The tables of a fit, records with the columns of the `Result` tables."""

    summary: str
    synergy: list[dict[str, Any]]
    subsystem_order: list[dict[str, Any]]
    weights: list[dict[str, Any]]
    stages: list[dict[str, Any]] = Field(description="Each entity's last synergy and stage")
    notes: list[str]
    model_toml: str = Field(description="The exact spec, for `cosyn run model.toml --data FILE`")
    figure_names: list[str] = Field(
        description="The report's figures, each drawn by `POST /api/figure?name=…`"
    )
    tables: list[TableOut] = Field(
        description="The paper tables (descriptive statistics, weights, entity × period "
        "tables, coupling) and the long tables, headers in the language asked for"
    )
    figures: dict[str, str] | None = Field(
        None, description="Every figure of the report as SVG text, when figures=true"
    )
    grey_relation: list[dict[str, Any]] | None = Field(None, description="[diagnostics] gra")
    grey_cross: list[dict[str, Any]] | None = Field(None, description="[diagnostics] gra")
    coupling: list[dict[str, Any]] | None = Field(None, description="[diagnostics] coupling")
    obstacles: list[dict[str, Any]] | None = Field(None, description="[diagnostics] obstacles")
    forecast: list[dict[str, Any]] | None = Field(None, description="[diagnostics] forecast")
    robustness: list[dict[str, Any]] | None = Field(None, description="[diagnostics] robustness")
    analysis: AnalysisOut | None = Field(None, description="[analysis]")


class InspectOut(BaseModel):
    file: str
    sheet: str | None
    rows: int
    columns: list[str]
    numeric: list[str]
    preview: list[dict[str, Any]]
    guess: dict[str, Any]
    excluded: list[dict[str, str]] = Field(
        description="Columns that are neither entity, period nor indicator, with the reason"
    )
    problems: list[str] = Field(
        description="What `cosyn check` finds in the data on the guessed columns"
    )
    notes: list[str] = Field(
        description="What the reader noted: cells read as missing, the encoding used"
    )
    spec: dict[str, Any] | None = Field(description="The spec of an 'indicators' sheet")
    spec_error: str | None


class CheckOut(BaseModel):
    """What `cosyn check model.toml --data FILE` says."""

    problems: list[str] = Field(description="Every problem of the spec and the data")
    notes: list[str] = Field(description="Warnings of the fit: worth reading, the model runs")


class SpecOut(BaseModel):
    spec: dict[str, Any]


class TomlOut(BaseModel):
    toml: str


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "A Host header the server does not answer to"},
    403: {"model": ErrorOut, "description": "A request from a page of another origin"},
    413: {"model": ErrorOut, "description": "Upload or data over a size limit"},
    422: {
        "model": ErrorOut,
        "description": "A mistake in the data or the spec, an option over the server's "
        "limits, or work stopped at the time limit",
    },
}
DataFile = Annotated[UploadFile, File(description="The data: a CSV or XLSX file")]
#: The series of ``[analysis]`` whose figures are drawn (a key of ``analysis.series``).
SERIES_HELP = "The analysed series the analysis figures draw (default the first)"
SpecText = Annotated[
    str | None,
    Form(
        description="The model spec as TOML text; optional for a workbook with an "
        "'indicators' sheet"
    ),
]


def _error(status: int, message: str, kind: str = "error") -> JSONResponse:
    return JSONResponse({"error": message, "kind": kind}, status_code=status)


def create_app(
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD,
    max_cells: int = DEFAULT_MAX_CELLS,
    max_uncompressed: int | None = None,
    *,
    max_draws: int = DEFAULT_MAX_DRAWS,
    max_forecast: int = DEFAULT_MAX_FORECAST,
    max_draw_cells: int = DEFAULT_MAX_DRAW_CELLS,
    max_permutation_cells: int = DEFAULT_MAX_PERMUTATION_CELLS,
    timeout: float = DEFAULT_TIMEOUT,
    max_memory_mb: int = DEFAULT_MAX_MEMORY_MB,
    workers: int | None = None,
    hosts: Iterable[str] = (),
) -> FastAPI:
    """The cosyn web application.

    Parameters
    ----------
    max_upload_bytes : int
        Largest request body; a larger one is answered 413 while it streams in.
    max_cells : int
        Largest data table (rows × columns); a larger one is answered 413 before it is
        parsed (measured on the file: CSV lines × header fields, the extent of an XLSX
        sheet's cell references).
    max_uncompressed : int, optional
        Largest unpacked size of an XLSX upload (zip-bomb guard,
        :func:`cosyn.io.archive.check_xlsx_archive`); default 10 × ``max_upload_bytes``.
    max_draws, max_forecast : int
        Largest ``[diagnostics.robustness] draws`` (default 2,000) and ``[diagnostics]
        forecast`` (default 20 periods); more is answered 422 before any work starts.
    max_draw_cells : int
        Largest draws × rows × indicators of a robustness run (default 50 million).
    max_permutation_cells : int
        Largest ``[analysis] permutations`` × rows × series analysed of an analysis with
        spatial weights (default 20 million); more is answered 422 before work starts.
    timeout : float
        Wall-time limit in seconds of one request's work (default 60); past it the work
        is stopped and the request answered 422.
    max_memory_mb : int
        Memory limit of the process doing one request's work, counted on its data (heap
        and arrays: ``RLIMIT_DATA``), default 4096 MiB (0: none); past it, 413.
    workers : int, optional
        Requests worked on at once (default: the number of CPUs, at least 2); others wait.
    hosts : iterable of str
        Host names answered besides 127.0.0.1, localhost and ::1 (``cosyn serve`` adds
        the one it is bound to). A request with another ``Host`` is answered 400.

    Notes
    -----
    The work of each request runs in a child process (:mod:`cosyn.web.runner`); as with
    any use of :mod:`multiprocessing`, a script that serves the app itself must do so
    under ``if __name__ == "__main__":``.
    """
    limits = work.Limits(
        max_cells=max_cells,
        max_uncompressed=max_uncompressed
        if max_uncompressed is not None
        else 10 * max_upload_bytes,
        max_draws=max_draws,
        max_forecast=max_forecast,
        max_draw_cells=max_draw_cells,
        max_permutation_cells=max_permutation_cells,
    )
    runner = Runner(timeout, max_memory_mb, workers or max(2, os.cpu_count() or 2))
    run = runner.run
    app = FastAPI(
        docs_url=None,
        redoc_url=None,
        title="cosyn",
        version=__version__,
        description="The composite system synergy model: upload panel data and a model, "
        "get the synergy degrees, stages and reports. Runs on your machine; the data "
        "never leaves it.",
    )
    app.state.runner = runner
    app.state.limits = limits
    app.add_middleware(BodyLimitMiddleware, max_bytes=max_upload_bytes)
    # added last, so it runs first: nothing of a refused request is read
    app.add_middleware(HostGuard, hosts=LOOPBACK_NAMES | {h for h in hosts if h})

    @app.middleware("http")
    async def headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
            "frame-ancestors 'none'",
        )
        return response

    @app.exception_handler(work.UserError)
    async def user_error(request: Request, exc: work.UserError) -> JSONResponse:
        return _error(exc.status, exc.message, exc.kind)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        kind = "TooLarge" if exc.status_code == 413 else "error"
        return _error(exc.status_code, f"error: {exc.detail}", kind)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for e in exc.errors():
            where = " ".join(str(x) for x in e.get("loc", ()) if x not in ("body", "query"))
            parts.append(f"{where}: {e.get('msg', 'invalid')}" if where else e.get("msg", ""))
        return _error(422, "error: " + "; ".join(parts), "error")

    @app.exception_handler(InternalError)
    async def internal_child(request: Request, exc: InternalError) -> JSONResponse:
        return _internal(exc)

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> JSONResponse:
        log.error("cosyn serve: %s %s failed", request.method, request.url.path, exc_info=exc)
        return _internal(exc)

    @app.get("/healthz", response_class=PlainTextResponse, tags=["service"])
    async def healthz() -> str:
        """Liveness check: 200 and ``ok``."""
        return "ok"

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.post("/api/fit", response_model=FitOut, responses=ERRORS, tags=["model"])
    async def fit_endpoint(
        data: DataFile,
        spec: SpecText = None,
        figures: Annotated[bool, Form(description="Add SVG charts")] = False,
        lang: Annotated[Lang, Form()] = "en",
        series: Annotated[str | None, Form(max_length=200, description=SERIES_HELP)] = None,
    ) -> dict[str, Any]:
        """Fit the model to the uploaded data: summary, synergy, subsystem order, weights."""
        return await run_in_threadpool(
            work.fit_upload,
            data.file,
            data.filename,
            spec,
            limits,
            figures=figures,
            lang=lang,
            series=series,
            run=run,
        )

    @app.post(
        "/api/figure",
        responses={
            **ERRORS,
            200: {"description": "The figure as SVG", "content": {"image/svg+xml": {}}},
        },
        response_class=Response,
        tags=["model"],
    )
    async def figure_endpoint(
        data: DataFile,
        spec: SpecText = None,
        lang: Annotated[Lang, Form()] = "en",
        name: Annotated[
            str, Query(max_length=40, description="A name of the fit's `figure_names`")
        ] = "synergy_path",
        series: Annotated[str | None, Query(max_length=200, description=SERIES_HELP)] = None,
    ) -> Response:
        """Fit and draw one figure of the report (the page asks for each on its own)."""
        svg = await run_in_threadpool(
            work.figure_upload,
            data.file,
            data.filename,
            spec,
            limits,
            name=name,
            lang=lang,
            series=series,
            run=run,
        )
        return Response(svg.encode("utf-8"), media_type="image/svg+xml")

    @app.post(
        "/api/report",
        responses={
            **ERRORS,
            200: {
                "description": "The file asked for (a ZIP of every output by default)",
                "content": {"application/octet-stream": {}},
            },
        },
        response_class=Response,
        tags=["model"],
    )
    async def report_endpoint(
        data: DataFile,
        spec: SpecText = None,
        lang: Annotated[Lang, Form()] = "en",
        file: Annotated[OutputFile, Query(description="Which output")] = OutputFile.zip,
    ) -> Response:
        """Fit and return an output: `results.xlsx`, `report.html`, a CSV, `model.toml`, or
        a ZIP of every file `cosyn run` writes plus `model.toml`."""
        name, content = await run_in_threadpool(
            work.report_upload,
            data.file,
            data.filename,
            spec,
            limits,
            file=file.value,
            lang=lang,
            run=run,
        )
        media = {
            ".zip": "application/zip",
            ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ".html": "text/html; charset=utf-8",
            ".toml": "application/toml",
            ".csv": "text/csv; charset=utf-8",
        }[Path(name).suffix]
        return Response(
            content,
            media_type=media,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @app.post("/api/inspect", response_model=InspectOut, responses=ERRORS, tags=["data"])
    async def inspect_endpoint(data: DataFile) -> dict[str, Any]:
        """Columns, the first rows, and the guessed entity, period and indicator columns."""
        return await run_in_threadpool(work.inspect_upload, data.file, data.filename, limits, run)

    @app.post("/api/check", response_model=CheckOut, responses=ERRORS, tags=["model"])
    async def check_endpoint(
        data: DataFile, spec: Annotated[str, Form(description="The model spec as TOML text")]
    ) -> dict[str, Any]:
        """Check the spec and the data as `cosyn check` does: every problem, not the first."""
        return await run_in_threadpool(
            work.check_model_upload, data.file, data.filename, spec, limits, run
        )

    @app.post("/api/spec/from-toml", response_model=SpecOut, responses=ERRORS, tags=["spec"])
    async def spec_from_toml(spec: Annotated[str, Form(description="TOML text")]) -> dict[str, Any]:
        """Validate a TOML model and return it as a JSON object (the TOML keys)."""
        return {"spec": await run_in_threadpool(run, work.read_spec_text, spec)}

    @app.post("/api/spec/to-toml", response_model=TomlOut, responses=ERRORS, tags=["spec"])
    async def spec_to_toml(spec: Annotated[dict[str, Any], Body(embed=True)]) -> dict[str, str]:
        """Validate a model given as a JSON object and return its exact TOML text."""
        return {"toml": await run_in_threadpool(run, work.dict_to_toml, spec)}

    @app.get("/api/example/trade.csv", response_class=PlainTextResponse, tags=["example"])
    async def example_data() -> Response:
        """The bundled Guangzhou trade data (CSV)."""
        _, content, _ = await run_in_threadpool(work.example)
        return Response(content, media_type="text/csv; charset=utf-8")

    @app.get("/api/example/model.toml", response_class=PlainTextResponse, tags=["example"])
    async def example_spec() -> Response:
        """The bundled Guangzhou trade model (TOML)."""
        _, _, text = await run_in_threadpool(work.example)
        return Response(text.encode("utf-8"), media_type="application/toml")

    return app


def _internal(exc: Exception) -> JSONResponse:
    """A failure of cosyn itself, not of the request: 500, logged, no traceback sent."""
    name = exc.args[0] if isinstance(exc, InternalError) and exc.args else type(exc).__name__
    return _error(
        500,
        f"error: cosyn failed on this request ({name}), which is a fault of cosyn, not of "
        "your data; the details are in the server's log — please report it",
        "error",
    )


def bound_names(host: str) -> set[str]:
    """Host names a server bound to ``host`` answers to, besides the loopback names.

    The bound address itself; for a wildcard address (0.0.0.0, ::) also this machine's
    name, its fully qualified name and the addresses they resolve to.
    """
    names = {host.strip("[]").lower()}
    if host in ("0.0.0.0", "::", ""):
        machine = socket.gethostname()
        names |= {machine.lower(), socket.getfqdn().lower()}
        # A name that does not resolve adds no addresses; the names above still count.
        with contextlib.suppress(OSError):
            names |= set(socket.gethostbyname_ex(machine)[2])
    return names


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class ServeError(Exception):
    """The server cannot start (the port is in use, the address is not this machine's).

    Its message says what to do; ``cosyn serve`` prints it as one line and exits 1.
    """


def _try_bind(family: int, address: tuple[Any, ...]) -> None:
    """Bind a listening socket as uvicorn would (``SO_REUSEADDR``), then release it."""
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(1)


def free_port(host: str, start: int, tries: int = 100) -> int | None:
    """The first port from ``start`` on (``tries`` of them) that ``host`` can listen on."""
    for port in range(start, min(start + tries, 65536)):
        try:
            family, address = _address(host, port)
            _try_bind(family, address)
        except OSError:
            continue
        return port
    return None


def _address(host: str, port: int) -> tuple[int, tuple[Any, ...]]:
    info = socket.getaddrinfo(
        host.strip("[]"), port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )
    family, _, _, _, address = info[0]
    return int(family), tuple(address)


def check_listen(host: str, port: int) -> None:
    """Raise :class:`ServeError` with a message to act on when ``host:port`` is not free.

    A port in use is answered with the next free one ("port 8000 is in use — try --port
    8001"); an address that is not this machine's, or a port that needs privileges,
    is said in words, not as the system's error number.
    """
    try:
        family, address = _address(host, port)
    except OSError as exc:
        raise ServeError(
            f"cannot listen on {host!r}: {exc.strerror or exc} — give an address or name of "
            "this machine, e.g. --host 127.0.0.1"
        ) from None
    try:
        _try_bind(family, address)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            other = free_port(host, port + 1) if port < 65535 else None
            hint = f" — try --port {other}" if other else " — choose another with --port"
            raise ServeError(f"port {port} is in use{hint}") from None
        if exc.errno == errno.EACCES:
            raise ServeError(
                f"port {port} needs privileges this user does not have — use a port above "
                "1023, e.g. --port 8000"
            ) from None
        if exc.errno == errno.EADDRNOTAVAIL:
            raise ServeError(
                f"cannot listen on {host}: it is not an address of this machine — use "
                "--host 127.0.0.1"
            ) from None
        raise ServeError(f"cannot listen on {host} port {port}: {exc.strerror or exc}") from None


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    open_browser: bool = False,
    *,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD,
    max_cells: int = DEFAULT_MAX_CELLS,
    max_draws: int = DEFAULT_MAX_DRAWS,
    max_forecast: int = DEFAULT_MAX_FORECAST,
    timeout: float = DEFAULT_TIMEOUT,
    max_memory_mb: int = DEFAULT_MAX_MEMORY_MB,
    allow_hosts: Iterable[str] = (),
    max_permutation_cells: int = DEFAULT_MAX_PERMUTATION_CELLS,
) -> None:
    """Run the app with uvicorn until interrupted (Ctrl+C).

    The limits are :func:`create_app`'s; ``allow_hosts`` adds host names to the bound
    address and the loopback names (e.g. the machine's name on a trusted network).

    Raises
    ------
    ServeError
        Before anything starts, when ``host:port`` cannot be listened on (a port in use
        names a free one to try).
    """
    import uvicorn

    check_listen(host, port)

    if not is_loopback(host):
        bar = "!" * 72
        print(
            f"{bar}\nWARNING: cosyn serve is listening on {host}, not on 127.0.0.1: anyone who "
            "can reach\nthis machine on port "
            f"{port} can upload data and run fits. There is no login.\nUse --host 127.0.0.1 "
            f"unless you mean to share it on a trusted network.\n{bar}",
            file=sys.stderr,
            flush=True,
        )
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else shown}:{port}/"
    print(f"cosyn serve: open {url} (Ctrl+C to stop)", file=sys.stderr, flush=True)
    if open_browser:
        threading.Timer(1.0, webbrowser.open, [url]).start()
    app = create_app(
        max_upload_bytes=max_upload_bytes,
        max_cells=max_cells,
        max_draws=max_draws,
        max_forecast=max_forecast,
        max_permutation_cells=max_permutation_cells,
        timeout=timeout,
        max_memory_mb=max_memory_mb,
        hosts=bound_names(host) | set(allow_hosts),
    )
    app.state.runner.warm()  # the fork server imports pandas now, not on the first fit
    uvicorn.run(app, host=host, port=port, log_level="info")

"""The bad-input catalogue: hostile and mistaken HTTP requests to ``cosyn serve``.

Each row: the request (method, path, form fields, file, headers), the options of the app
that answers it, the status it must get and a fragment its JSON ``error`` must contain.
No answer is a 500, no message holds a traceback or a bare Python error, and a fit that
succeeds holds no NaN.
"""

from __future__ import annotations

import io
import time
import warnings
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("multipart")

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette: httpx → httpx2 notice
    from fastapi.testclient import TestClient

from bad_input_catalogue import assert_clean_message, assert_no_nan
from openpyxl import Workbook
from test_archive import bomb_xlsx

from cosyn.datasets import data_path
from cosyn.web import create_app

TRADE = data_path("trade.csv").read_bytes()
MODEL = data_path("trade_model.toml").read_text(encoding="utf-8")
LOCAL = "http://127.0.0.1"


def _workbook(rows: list[list[Any]]) -> bytes:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _far_cells() -> bytes:
    sheet = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="1048576">'
        b'<c r="XFD1048576"><v>2</v></c></row></sheetData></worksheet>'
    )
    return bomb_xlsx(sheet=sheet)


@dataclass(frozen=True)
class HttpCase:
    """One request and what must come back.

    ``file`` is (name, bytes) sent as the ``data`` upload; ``spec`` the form's TOML;
    ``app`` keyword arguments of :func:`cosyn.web.create_app` (as a sorted tuple).
    """

    id: str
    status: int
    fragment: str
    path: str = "/api/fit"
    method: str = "POST"
    file: tuple[str, bytes] | None = ("trade.csv", TRADE)
    spec: str | None = MODEL
    headers: dict[str, str] = field(default_factory=dict)
    app: tuple[tuple[str, Any], ...] = ()
    json: Any = None
    content: bytes | None = None
    seconds: float = 10.0


def _spec(extra: str) -> str:
    return MODEL + "\n" + extra + "\n"


CASES = [
    HttpCase("bad-host", 400, "does not answer to the host name 'evil.example'",
             path="/healthz", method="GET", file=None, spec=None,
             headers={"host": "evil.example"}),
    HttpCase("bad-host-post", 400, "does not answer to the host name 'attacker.test:8000'",
             headers={"host": "attacker.test:8000"}),
    HttpCase("rebinding-host-page", 400, "host name 'rebind.example'", path="/",
             method="GET", file=None, spec=None, headers={"host": "rebind.example"}),
    HttpCase("cross-origin-post", 403, "a page of another origin (http://evil.example)",
             headers={"origin": "http://evil.example"}),
    HttpCase("cross-origin-other-port", 403, "may not send POST requests",
             headers={"origin": "http://127.0.0.1:9999"}),
    HttpCase("null-origin-post", 403, "another origin (null)", headers={"origin": "null"}),
    HttpCase("sec-fetch-cross-site", 403, "another origin (cross-site)",
             headers={"sec-fetch-site": "cross-site"}),
    HttpCase("cross-origin-spec", 403, "another origin", path="/api/spec/from-toml",
             file=None, headers={"origin": "https://evil.example"}),
    HttpCase("zip-bomb", 413, "declares 314,572,800 bytes unpacked",
             file=("bomb.xlsx", bomb_xlsx(300)), seconds=2),
    HttpCase("zip-bomb-inspect", 413, "possible zip bomb", path="/api/inspect",
             file=("bomb.xlsx", bomb_xlsx(300)), spec=None, seconds=2),
    HttpCase("zip-bomb-ratio", 413, "ratio over 100", file=("r.xlsx", bomb_xlsx(20)),
             seconds=2),
    HttpCase("zip-bomb-lying-header", 422, "does not match the archive's header",
             file=("liar.xlsx", bomb_xlsx(300, declared=1000)), seconds=2),
    HttpCase("sheet-of-far-cells", 413, "over the limit of 2,000,000 cells",
             file=("far.xlsx", _far_cells()), seconds=2),
    HttpCase("oversize-upload", 413, "larger than the limit of 1,000 bytes",
             app=(("max_upload_bytes", 1000),)),
    HttpCase("oversize-declared-length", 413, "larger than the limit of 20,971,520 bytes",
             path="/api/inspect", file=None, spec=None, content=b"x",
             headers={"content-length": str(10**12), "content-type": "text/csv"}),
    HttpCase("too-many-cells-csv", 413, "60 rows × 6 columns = 360 cells, over the limit of 100",
             app=(("max_cells", 100),)),
    HttpCase("draws-over-server-limit", 422,
             "draws = 2,001 is over this server's limit of 2,000",
             spec=_spec("[diagnostics.robustness]\ndraws = 2001")),
    HttpCase("draws-over-spec-limit", 422, "diagnostics.robustness.draws",
             spec=_spec("[diagnostics.robustness]\ndraws = 100000000"), seconds=2),
    HttpCase("forecast-over-server-limit", 422,
             "forecast = 21 is over this server's limit of 20 periods",
             spec=_spec("[diagnostics]\nforecast = 21")),
    HttpCase("forecast-10-to-the-9", 422, "diagnostics.forecast",
             spec=_spec("[diagnostics]\nforecast = 1000000000"), seconds=2),
    HttpCase("draws-times-data-over-limit", 422, "over this server's limit of 1,000",
             spec=_spec("[diagnostics.robustness]\ndraws = 100"),
             app=(("max_draw_cells", 1000),)),
    HttpCase("past-the-time-limit", 422, "took longer than this server's limit of 0.001 s",
             app=(("timeout", 0.001),)),
    HttpCase("bad-toml", 422, "the model spec is not valid TOML", spec="period = \n"),
    HttpCase("huge-integer-in-spec", 422, "SpecError", spec=_spec("[x]\ny = " + "9" * 400)),
    HttpCase("deeply-nested-toml", 422, "SpecError", spec="a = " + "[" * 5000 + "]" * 5000),
    HttpCase("margin-inf", 422, "margin",
             spec=MODEL.replace("margin = 0.1", "margin = inf")),
    HttpCase("spec-json-not-an-object", 422, "spec", path="/api/spec/to-toml", file=None,
             spec=None, json={"spec": [1, 2]}),
    HttpCase("spec-json-bad-value", 422, "SpecError", path="/api/spec/to-toml", file=None,
             spec=None, json={"spec": {"method": {"bounds": "x"}}}),
    HttpCase("spec-json-broken-body", 422, "error", path="/api/spec/to-toml", file=None,
             spec=None, content=b'{"spec": {', headers={"content-type": "application/json"}),
    HttpCase("text-renamed-xlsx", 422, "'data.xlsx' is not an XLSX file",
             file=("data.xlsx", b"year,a\n2020,1\n")),
    HttpCase("unknown-extension", 422, "has extension '.exe'", file=("x.exe", b"MZ")),
    HttpCase("path-in-file-name", 422, "'passwd'", file=("../../etc/passwd", TRADE)),
    HttpCase("missing-upload", 422, "data", file=None),
    HttpCase("unknown-report-file", 422, "file", path="/api/report?file=secret.txt"),
    HttpCase("binary-csv", 422, "not UTF-8", file=("x.csv", b"\xff\xfe\x00\x81" * 100)),
    HttpCase("numeric-header-inspect", 200, "", path="/api/inspect", spec=None,
             file=("n.xlsx", _workbook([["region", "year", 2020], ["x", 2020, 1.5],
                                        ["x", 2021, 2.5]]))),
    HttpCase("same-origin-fit", 200, "", headers={"origin": LOCAL}),
]  # fmt: skip


@cache
def _client(app: tuple[tuple[str, Any], ...]) -> TestClient:
    return TestClient(create_app(**dict(app)), base_url=LOCAL, raise_server_exceptions=False)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_http(case: HttpCase) -> None:
    client = _client(case.app)
    kwargs: dict[str, Any] = {"headers": case.headers}
    if case.json is not None:
        kwargs["json"] = case.json
    elif case.content is not None:
        kwargs["content"] = case.content
    else:
        if case.file is not None:
            kwargs["files"] = {"data": case.file}
        if case.spec is not None:
            kwargs["data"] = {"spec": case.spec}
        elif case.path.startswith("/api/spec") and case.file is None:
            kwargs["data"] = {"spec": MODEL}
    start = time.perf_counter()
    r = client.request(case.method, case.path, **kwargs)
    elapsed = time.perf_counter() - start
    assert r.status_code == case.status, r.text[:1000]
    assert elapsed < case.seconds, f"{elapsed:.1f} s"
    body = r.json() if r.headers.get("content-type", "").startswith("application/json") else None
    if case.status >= 400:
        assert body is not None and set(body) == {"error", "kind"}, r.text[:500]
        assert_clean_message(body["error"])
        assert case.fragment in body["error"], body["error"]
    elif body is not None:
        assert_no_nan(body, case.id)
        assert_clean_message(str(body))


def test_the_catalogue_is_large_enough():
    assert len(CASES) >= 15
    assert len({c.id for c in CASES}) == len(CASES)

"""The HTTP API of ``cosyn serve`` (issue 5): results, every error status, downloads."""

from __future__ import annotations

import io
import tempfile
import tomllib
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

import cosyn
from cosyn.datasets import data_path, load_spec


def _fit(client, data: bytes, spec: str | None, name: str = "trade.csv", **form):
    fields = {"spec": spec, **form} if spec is not None else form
    return client.post("/api/fit", files={"data": (name, data)}, data=fields)


def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.text == "ok"


def test_openapi_schema_lists_the_api(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/healthz", "/api/fit", "/api/report", "/api/inspect"):
        assert path in paths


def test_page_and_its_static_files_are_served(client):
    page = client.get("/")
    assert page.status_code == 200
    assert "/static/app.js" in page.text
    assert "http" not in page.text.split("<body>")[0].replace("http-equiv", "")  # no CDN
    for name in ("app.js", "app.css"):
        assert client.get(f"/static/{name}").status_code == 200


def test_fit_guangzhou_matches_cosyn_fit(client, trade_csv, trade_toml):
    r = _fit(client, trade_csv, trade_toml)
    assert r.status_code == 200
    body = r.json()
    assert {"summary", "synergy", "subsystem_order", "weights"} <= body.keys()
    want = cosyn.fit(data_path("trade.csv"), load_spec("trade_model"))
    got = pd.DataFrame(body["synergy"])
    assert list(got.columns) == list(want.synergy.columns)
    assert got["entity"].tolist() == want.synergy["entity"].tolist()
    assert got["period"].tolist() == want.synergy["period"].tolist()
    np.testing.assert_allclose(got["synergy"], want.synergy["synergy"], rtol=0, atol=0)
    order = pd.DataFrame(body["subsystem_order"])
    np.testing.assert_allclose(order["order"], want.subsystem_order["order"], rtol=0, atol=0)
    weights = pd.DataFrame(body["weights"])
    np.testing.assert_allclose(weights["weight"], want.weights["weight"], rtol=0, atol=0)
    assert "5 entities × 12 periods (2010–2021) × 4 indicators" in body["summary"]
    assert "data file 'trade.csv'" in body["summary"]  # the upload's name, not a path


def test_fit_with_figures_returns_every_figure_of_the_report(client, trade_csv, trade_toml):
    from cosyn.report.figures import figure_names

    body = _fit(client, trade_csv, trade_toml, figures="true", lang="zh").json()
    want = figure_names(cosyn.fit(data_path("trade.csv"), load_spec("trade_model")))
    assert list(body["figures"]) == list(want) == body["figure_names"]
    assert len(want) >= 4
    assert body["figures"]["synergy_path"].lstrip().startswith("<?xml")
    assert len(body["stages"]) == 5


def test_one_figure_as_svg_and_an_unknown_name(client, trade_csv, trade_toml):
    files = {"data": ("trade.csv", trade_csv)}
    r = client.post("/api/figure?name=weights", files=files, data={"spec": trade_toml})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in r.content[:2000]
    r = client.post("/api/figure?name=nope", files=files, data={"spec": trade_toml})
    assert r.status_code == 422
    assert "no figure 'nope'" in r.json()["error"] and "synergy_path" in r.json()["error"]


def test_nan_becomes_null():
    from cosyn.web.work import json_records

    rows = json_records(pd.DataFrame({"a": [1.5, np.nan], "b": ["x", None], "p": [2020, 2021]}))
    assert rows == [{"a": 1.5, "b": "x", "p": 2020}, {"a": None, "b": None, "p": 2021}]


def test_misspelt_option_is_422_with_the_cli_message(client, trade_csv, trade_toml):
    spec = trade_toml.replace('weights = "entropy"', 'weights = "entropi"')
    r = _fit(client, trade_csv, spec)
    assert r.status_code == 422
    error = r.json()["error"]
    assert error.startswith("SpecError: 1 problem in the model spec")
    assert "did you mean 'entropy'" in error
    with pytest.raises(cosyn.SpecError) as exc:
        cosyn.Spec.from_dict(tomllib.loads(spec))
    assert error == f"SpecError: {exc.value}"


def test_missing_column_is_422(client, trade_csv, trade_toml):
    r = _fit(client, trade_csv, trade_toml.replace('"city_export"', '"city_exports"'))
    assert r.status_code == 422
    assert r.json()["kind"] == "DataError"
    assert "city_exports" in r.json()["error"]
    assert "/tmp" not in r.json()["error"] and "cosyn-web-" not in r.json()["error"]


def test_non_numeric_cell_is_422_naming_the_file(client, trade_csv, trade_toml):
    text = trade_csv.decode().replace("151221", "n/a!", 1)
    r = _fit(client, text.encode(), trade_toml, name="my panel.csv")
    assert r.status_code == 422
    error = r.json()["error"]
    assert error.startswith("DataError: ")
    assert "n/a!" in error
    assert "cosyn-web-" not in error


def test_bad_toml_is_422(client, trade_csv):
    r = _fit(client, trade_csv, "period = \n")
    assert r.status_code == 422
    assert r.json()["error"].startswith("SpecError: the model spec is not valid TOML")


def test_unreadable_workbook_is_422(client, trade_toml):
    r = _fit(client, b"this is not a zip", trade_toml, name="data.xlsx")
    assert r.status_code == 422
    assert "is not an XLSX file" in r.json()["error"]
    assert "'data.xlsx'" in r.json()["error"]


def test_unknown_extension_is_422(client, trade_csv, trade_toml):
    r = _fit(client, trade_csv, trade_toml, name="../../etc/passwd")
    assert r.status_code == 422
    assert "'passwd'" in r.json()["error"]


def test_missing_spec_is_422(client, trade_csv):
    r = _fit(client, trade_csv, None)
    assert r.status_code == 422
    assert "no model spec" in r.json()["error"]


def test_missing_form_field_is_422_json(client):
    r = client.post("/api/fit", data={"spec": "x = 1"})
    assert r.status_code == 422
    assert "data" in r.json()["error"]


def test_oversized_upload_is_413(trade_csv, trade_toml):
    from fastapi.testclient import TestClient

    from cosyn.web import create_app

    small = TestClient(create_app(max_upload_bytes=1000), base_url="http://127.0.0.1")
    r = _fit(small, trade_csv, trade_toml)
    assert r.status_code == 413
    assert "limit of 1,000 bytes" in r.json()["error"]


def test_body_limit_stops_reading_a_streamed_body():
    """No Content-Length (chunked): the limit is enforced while the body streams in."""
    import anyio
    from starlette.requests import Request

    from cosyn.web.guard import BodyLimitMiddleware

    calls = 0

    async def receive():
        nonlocal calls
        calls += 1
        return {"type": "http.request", "body": b"x" * 1000, "more_body": calls < 1000}

    async def app(scope, receive, send):
        await Request(scope, receive).body()  # reads until the end, unless stopped

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/", "headers": []}
    anyio.run(BodyLimitMiddleware(app, max_bytes=10_000), scope, receive, send)
    assert sent[0]["status"] == 413
    assert calls == 11  # stopped at the first chunk past 10,000 bytes, not after 1,000


def test_cell_limit_is_413(trade_csv, trade_toml):
    """Over the cell-count limit: 413, the same status as an oversized upload."""
    from fastapi.testclient import TestClient

    from cosyn.web import create_app

    small = TestClient(create_app(max_cells=100), base_url="http://127.0.0.1")
    r = _fit(small, trade_csv, trade_toml)
    assert r.status_code == 413
    assert "over the limit of 100" in r.json()["error"]


def _bomb(path: Path, size: int) -> None:
    wb = Workbook()
    wb.active.append(["year", "a"])
    wb.save(path)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/padding.bin", b"\0" * size)


def test_zip_bomb_upload_is_413(client, tmp_path, trade_toml):
    path = tmp_path / "bomb.xlsx"
    _bomb(path, 30_000_000)  # 30 MB of zeros in a 30 kB part: refused for its ratio
    r = _fit(client, path.read_bytes(), trade_toml, name="bomb.xlsx")
    assert r.status_code == 413
    assert "part 'xl/padding.bin' declares 30,000,000 bytes unpacked" in r.json()["error"]


def test_temporary_folder_is_removed(client, trade_csv, trade_toml, monkeypatch):
    from cosyn.web import work

    made: list[Path] = []
    original = work.private_folder

    def spy():
        cm = original()
        folder = cm.__enter__()
        made.append(folder)
        assert folder.stat().st_mode & 0o777 == 0o700

        class Wrap:
            def __enter__(self):
                return folder

            def __exit__(self, *exc):
                return cm.__exit__(*exc)

        return Wrap()

    monkeypatch.setattr(work, "private_folder", spy)
    assert _fit(client, trade_csv, trade_toml).status_code == 200
    assert _fit(client, b"bad", trade_toml, name="x.xlsx").status_code == 422
    r = client.post(
        "/api/report",
        files={"data": ("t.csv", trade_csv)},
        data={"spec": trade_toml},
        params={"file": "synergy.csv"},
    )
    assert r.status_code == 200
    assert len(made) == 3
    assert all(not f.exists() for f in made)
    assert Path(tempfile.gettempdir()).is_dir()


def test_report_zip_and_model_toml_round_trip(client, trade_csv, trade_toml, tmp_path):
    r = client.post(
        "/api/report", files={"data": ("trade.csv", trade_csv)}, data={"spec": trade_toml}
    )
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/zip"
    zf = zipfile.ZipFile(io.BytesIO(r.content))
    names = set(zf.namelist())
    assert {"synergy.csv", "results.xlsx", "report.html", "model.toml"} <= names
    (tmp_path / "model.toml").write_bytes(zf.read("model.toml"))
    again = cosyn.fit(data_path("trade.csv"), cosyn.Spec.from_toml(tmp_path / "model.toml"))
    want = cosyn.fit(data_path("trade.csv"), load_spec("trade_model"))
    np.testing.assert_array_equal(again.synergy_values, want.synergy_values)
    assert again.spec.to_dict() == want.spec.to_dict()


def test_model_toml_of_a_changed_spec_reproduces_the_fit(client, trade_csv, trade_toml, tmp_path):
    spec = trade_toml.replace('weights = "entropy"', 'weights = "critic"').replace(
        "margin = 0.1", "margin = 0.25"
    )
    r = client.post(
        "/api/report",
        files={"data": ("trade.csv", trade_csv)},
        data={"spec": spec},
        params={"file": "model.toml"},
    )
    (tmp_path / "model.toml").write_bytes(r.content)
    got = cosyn.fit(data_path("trade.csv"), cosyn.Spec.from_toml(tmp_path / "model.toml"))
    fitted = _fit(client, trade_csv, spec).json()
    np.testing.assert_array_equal(
        got.synergy["synergy"].to_numpy(), [row["synergy"] for row in fitted["synergy"]]
    )


def test_cli_run_reproduces_with_downloaded_model(client, trade_csv, trade_toml, tmp_path):
    from click.testing import CliRunner

    from cosyn.cli import main

    r = client.post(
        "/api/report",
        files={"data": ("trade.csv", trade_csv)},
        data={"spec": trade_toml},
        params={"file": "model.toml"},
    )
    (tmp_path / "model.toml").write_bytes(r.content)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        [
            "-q",
            "run",
            str(tmp_path / "model.toml"),
            "--data",
            str(data_path("trade.csv")),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    cli = pd.read_csv(out / "synergy.csv")
    web = pd.DataFrame(_fit(client, trade_csv, trade_toml).json()["synergy"])
    np.testing.assert_allclose(cli["synergy"], web["synergy"], rtol=1e-15)


def test_formula_entity_is_escaped_in_downloads(client, trade_csv, trade_toml):
    evil = '=HYPERLINK("http://x")'
    text = trade_csv.decode().replace("textile_clothing", f'"{evil.replace(chr(34), 2 * chr(34))}"')
    data = text.encode()
    r = client.post(
        "/api/report",
        files={"data": ("t.csv", data)},
        data={"spec": trade_toml},
        params={"file": "synergy.csv"},
    )
    assert r.status_code == 200
    first = pd.read_csv(io.BytesIO(r.content))["entity"].iloc[0]
    assert first == "'" + evil
    r = client.post(
        "/api/report",
        files={"data": ("t.csv", data)},
        data={"spec": trade_toml},
        params={"file": "results.xlsx"},
    )
    book = load_workbook(io.BytesIO(r.content))
    hits = [
        c
        for ws in book.worksheets
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value.lstrip("'").startswith("=")
    ]
    assert hits  # the entity is in the workbook …
    # … as text with Excel's quotePrefix style (the workbook's convention), never a formula
    assert all(c.data_type == "s" and c.quotePrefix for c in hits)


def test_inspect_guesses_columns(client, trade_csv):
    r = client.post("/api/inspect", files={"data": ("trade.csv", trade_csv)})
    assert r.status_code == 200
    body = r.json()
    assert body["guess"]["entity"] == "cluster"
    assert body["guess"]["period"] == "year"
    assert body["guess"]["indicators"] == [
        "cluster_import",
        "cluster_export",
        "city_import",
        "city_export",
    ]
    assert len(body["preview"]) == 10
    assert body["spec"] is None


def test_inspect_reads_an_indicators_sheet(client, tmp_path):
    frame = pd.read_csv(data_path("trade.csv"))
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        frame.to_excel(writer, sheet_name="data", index=False)
        pd.DataFrame(
            {
                "column": ["cluster_import", "cluster_export", "city_import", "city_export"],
                "subsystem": ["cluster", "cluster", "city", "city"],
                "direction": ["+"] * 4,
            }
        ).to_excel(writer, sheet_name="indicators", index=False)
    content = path.read_bytes()
    body = client.post("/api/inspect", files={"data": ("book.xlsx", content)}).json()
    assert set(body["spec"]["subsystems"]) == {"cluster", "city"}
    fitted = client.post("/api/fit", files={"data": ("book.xlsx", content)})
    assert fitted.status_code == 200, fitted.text


def test_spec_to_and_from_toml(client, trade_toml):
    spec = client.post("/api/spec/from-toml", data={"spec": trade_toml}).json()["spec"]
    assert spec == load_spec("trade_model").to_dict()
    text = client.post("/api/spec/to-toml", json={"spec": spec}).json()["toml"]
    assert cosyn.Spec.from_dict(tomllib.loads(text)).to_dict() == spec
    bad = client.post("/api/spec/to-toml", json={"spec": {"method": {"bounds": "x"}}})
    assert bad.status_code == 422


def test_example_endpoints(client, trade_csv):
    assert client.get("/api/example/trade.csv").content == trade_csv
    assert "cluster_import" in client.get("/api/example/model.toml").text


def test_concurrent_fits_are_correct_per_request(client, trade_csv, trade_toml):
    """20 fits at once with different margins: each answer matches its own spec."""
    margins = [0.05 + 0.01 * k for k in range(20)]

    def one(margin: float):
        spec = trade_toml.replace("margin = 0.1", f"margin = {margin}")
        return margin, _fit(client, trade_csv, spec)

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(one, margins))
    for margin, r in answers:
        assert r.status_code == 200
        spec = load_spec("trade_model").to_dict()
        spec["method"]["margin"] = margin
        want = cosyn.fit(data_path("trade.csv"), spec).synergy["synergy"].to_numpy()
        np.testing.assert_array_equal([row["synergy"] for row in r.json()["synergy"]], want)


def test_loopback_detection():
    from cosyn.web import is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.2")
    assert not is_loopback("example.org")


def test_downloaded_reports_name_the_uploaded_file_not_the_temporary_one(
    client, trade_csv, trade_toml
):
    import io as _io

    from openpyxl import load_workbook as _load

    files = {"data": ("my panel.csv", trade_csv, "text/csv")}
    r = client.post("/api/report?file=results.xlsx", files=files, data={"spec": trade_toml})
    assert r.status_code == 200
    readme = [c for row in _load(_io.BytesIO(r.content))["README"].values for c in row if c]
    assert "my panel.csv" in readme
    assert not any("cosyn-web" in str(c) and "data file" in str(c) for c in readme)
    r = client.post("/api/report?file=report.html", files=files, data={"spec": trade_toml})
    assert "my panel.csv" in r.text


def test_report_html_summary_does_not_show_the_temporary_path(client, trade_csv, trade_toml):
    files = {"data": ("my panel.csv", trade_csv, "text/csv")}
    r = client.post("/api/report?file=report.html", files=files, data={"spec": trade_toml})
    assert r.status_code == 200 and "cosyn-web" not in r.text


def test_fit_returns_the_diagnostic_tables_asked_for(client, trade_csv, trade_toml):
    import cosyn as _cosyn
    from cosyn.datasets import data_path as _data_path

    spec = trade_toml + '\n[diagnostics]\ngra = true\ncoupling = "classic"\nobstacles = 2\n'
    files = {"data": ("trade.csv", trade_csv, "text/csv")}
    r = client.post("/api/fit", files=files, data={"spec": spec})
    assert r.status_code == 200
    body = r.json()
    assert {"grey_relation", "grey_cross", "coupling", "obstacles"} <= set(body)
    assert body["forecast"] is None and body["robustness"] is None  # not asked for
    expected = _cosyn.fit(
        _data_path("trade.csv"), _cosyn.Spec.from_dict(__import__("tomllib").loads(spec))
    )
    got = [row["D"] for row in body["coupling"]]
    assert got == pytest.approx(expected.coupling.D.to_numpy())
    assert [row["grade"] for row in body["grey_relation"]] == pytest.approx(
        expected.grey_relation.grade.to_numpy()
    )

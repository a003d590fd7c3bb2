"""``[analysis]`` through the HTTP API of ``cosyn serve``: settings, bounds, tables, figures.

The province example (examples/provinces: 31 provinces, synthetic data) with China's
four regions and the bundled province contiguity. What the page shows is checked against
what the library computes for the same data and spec (:func:`cosyn.fit`,
:func:`cosyn.report.analysis_tables.analysis_paper_tables`), and the data-column and
coordinate paths against the bundled ones they reproduce.
"""

from __future__ import annotations

import time
import tomllib
import warnings
from pathlib import Path

import pandas as pd
import pytest
import tomli_w

import cosyn
from cosyn.web import work

pytest.importorskip("esda", reason="pip install 'cosyn[spatial]'")

PROVINCES = Path(__file__).resolve().parents[2] / "examples" / "provinces"
pytestmark = pytest.mark.skipif(
    not (PROVINCES / "panel.csv").exists(), reason="no examples/provinces"
)
#: The last four years of the example: the requests stay short.
YEARS = (2019, 2020, 2021, 2022)


def _model(**analysis) -> dict:
    model = tomllib.loads((PROVINCES / "model.toml").read_text(encoding="utf-8"))
    model["diagnostics"] = {"coupling": "classic"}
    model["analysis"] = {
        "series": ["order", "coupling"],
        "groups": "china_4",
        "weights": "china_provinces",
        "permutations": 99,
        "seed": 7,
    } | analysis
    return model


def _toml(model: dict) -> str:
    return tomli_w.dumps(model)


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    frame = pd.read_csv(PROVINCES / "panel.csv")
    return frame[frame["年份"].isin(YEARS)].reset_index(drop=True)


@pytest.fixture(scope="module")
def panel_csv(panel) -> bytes:
    return panel.to_csv(index=False).encode("utf-8")


@pytest.fixture(scope="module")
def panel_file(panel_csv, tmp_path_factory) -> Path:
    """The upload as a file: the library reads it as the server does ('—' is missing)."""
    path = tmp_path_factory.mktemp("provinces") / "provinces.csv"
    path.write_bytes(panel_csv)
    return path


def _fit(client, data: bytes, spec: str, **form):
    return client.post(
        "/api/fit", files={"data": ("provinces.csv", data)}, data={"spec": spec, **form}
    )


def _library(data: Path, model: dict):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cosyn.CosynWarning)
        return cosyn.fit(data, cosyn.Spec.from_dict(model))


@pytest.fixture(scope="module")
def english(client, panel_csv):
    r = _fit(client, panel_csv, _toml(_model()))
    assert r.status_code == 200, r.text
    return r.json()


def test_the_fit_has_a_section_per_analysis_with_the_library_tables(english, panel_file):
    from cosyn.report.analysis_tables import analysis_paper_tables
    from cosyn.report.methods import analysis_methods, analysis_methods_topics, analysis_notes

    a = english["analysis"]
    assert [s["key"] for s in a["sections"]] == [
        "inequality",
        "distribution",
        "spatial",
        "dynamics",
    ]
    result = _library(panel_file, _model())
    want = analysis_paper_tables(result, "en")
    assert [t["name"] for t in a["tables"]] == [t.key for t in want]
    for got, table in zip(a["tables"], want, strict=True):
        assert got["kind"] == "analysis"
        assert got["title"] == table.title
        assert len(got["rows"]) == len(table.table)
    sections = {t["name"]: t["section"] for t in a["tables"]}
    assert sections["analysis_gini"] == sections["analysis_beta"] == "inequality"
    assert sections["analysis_density"] == "distribution"
    assert sections["analysis_moran"] == sections["analysis_lisa"] == "spatial"
    assert sections["analysis_markov_coupling"] == "dynamics"
    assert sections["analysis_spatial_markov_tests"] == "dynamics"
    # the numbers: Dagum's G of D in the last year as the library computes it
    gini = next(t for t in a["tables"] if t["name"] == "analysis_gini")
    frame = pd.DataFrame(gini["rows"], columns=gini["columns"])
    g = result.analysis.gini
    last = g[(g["series"] == "coupling") & (g["period"] == YEARS[-1])]["G"].item()
    row = frame[(frame.iloc[:, 0] == "D") & (frame.iloc[:, 1] == YEARS[-1])]
    assert row["Overall G"].item() == pytest.approx(last, abs=0)
    # Moran's I of D, seeded permutations: the same p_sim as a direct call
    moran = next(t for t in a["tables"] if t["name"] == "analysis_moran")
    frame = pd.DataFrame(moran["rows"], columns=moran["columns"])
    m = result.analysis.moran
    want_p = m[(m["series"] == "coupling") & (m["period"] == YEARS[-1])]["p_sim"].item()
    row = frame[(frame.iloc[:, 0] == "D") & (frame.iloc[:, 1] == YEARS[-1])]
    assert row["p (permutations)"].item() == pytest.approx(want_p, abs=0)
    topics = analysis_methods_topics(result, "en")
    by_key = {s["key"]: s["methods"] for s in a["sections"]}
    assert by_key["inequality"] == topics["differences"]
    assert by_key["spatial"] == topics["space"] and by_key["dynamics"] == topics["time"]
    assert by_key["distribution"] == topics["distribution"]
    assert a["notes"] == analysis_notes(result, "en")
    assert a["methods"] == analysis_methods(result, "en")
    assert a["methods"][-1].startswith("References")


def test_the_figures_of_the_analysis_are_named_with_their_section(english, panel_file):
    from cosyn.report.analysis_figures import render_analysis_figures

    figures = english["analysis"]["figures"]
    want = render_analysis_figures(_library(panel_file, _model()), "en")
    assert [f["name"] for f in figures] == list(want)
    assert all(f["name"].startswith("analysis_") and f["title"] for f in figures)
    sections = {f["name"]: f["section"] for f in figures}
    assert sections["analysis_moran"] == sections["analysis_lisa_map"] == "spatial"
    assert sections["analysis_density"] == "distribution"
    # the report's own figures are listed as before, without the analysis'
    assert not any(n.startswith("analysis_") for n in english["figure_names"])


def test_an_analysis_figure_is_drawn_on_its_own(client, panel_csv, english):
    spec = _toml(_model())
    files = {"data": ("provinces.csv", panel_csv)}
    name = english["analysis"]["figures"][0]["name"]
    r = client.post(f"/api/figure?name={name}", files=files, data={"spec": spec, "lang": "zh"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in r.content[:2000]
    r = client.post("/api/figure?name=analysis_nope", files=files, data={"spec": spec})
    assert r.status_code == 422
    message = r.json()["error"]
    assert "no figure 'analysis_nope'" in message and name in message and "synergy_path" in message


def test_the_figures_of_another_series(client, panel_csv, english):
    a = english["analysis"]
    assert [s["key"] for s in a["series"]] == [
        "order:digital",
        "order:cluster",
        "order:ecology",
        "order:mean",
        "coupling",
    ]
    assert [s["label"] for s in a["series"]][-2:] == ["mean μ", "D"]
    assert a["figure_series"] is None  # each figure the first series with its rows
    r = _fit(client, panel_csv, _toml(_model()), series="coupling")
    assert r.status_code == 200, r.text
    b = r.json()["analysis"]
    assert b["figure_series"] == "coupling"
    assert b["tables"] == a["tables"]  # the tables hold every series
    moran = next(f for f in b["figures"] if f["name"] == "analysis_moran")
    assert moran["title"] == "Global Moran's I of coupling coordination degree D"
    files = {"data": ("provinces.csv", panel_csv)}
    spec = {"spec": _toml(_model())}
    drawn = client.post("/api/figure?name=analysis_moran&series=coupling", files=files, data=spec)
    assert drawn.status_code == 200, drawn.text
    first = client.post(
        "/api/figure?name=analysis_moran&series=order:digital", files=files, data=spec
    )
    assert drawn.content != first.content
    for r in (
        _fit(client, panel_csv, _toml(_model()), series="synergy"),
        client.post("/api/figure?name=analysis_moran&series=synergy", files=files, data=spec),
    ):
        assert r.status_code == 422
        assert (
            "the analysis has no series 'synergy'; its series are order:digital, "
            "order:cluster, order:ecology, order:mean, coupling" in r.json()["error"]
        )


def test_in_chinese_the_sections_tables_and_notes_are_chinese(client, panel_csv):
    body = _fit(client, panel_csv, _toml(_model()), lang="zh").json()
    a = body["analysis"]
    assert a["sections"][0]["title"].startswith("区域差异")
    tabs = {t["name"]: t["tab"] for t in a["tables"]}
    assert tabs["analysis_gini"] == "Dagum 基尼系数"
    assert tabs["analysis_markov_coupling"] == "马尔可夫 D"
    gini = next(t for t in a["tables"] if t["name"] == "analysis_gini")
    assert "总体基尼系数 G" in gini["columns"]
    assert a["methods"][-1].startswith("参考文献")


def test_without_analysis_nothing_changes(client, trade_csv, trade_toml):
    body = client.post(
        "/api/fit", files={"data": ("trade.csv", trade_csv)}, data={"spec": trade_toml}
    ).json()
    assert body["analysis"] is None
    assert all(t["kind"] in ("paper", "long") for t in body["tables"])


@pytest.mark.slow
def test_groups_from_a_column_and_weights_from_coordinates(client, panel, panel_file):
    """A data column holding the china_4 regions gives china_4's decomposition; weights
    from two coordinate columns run (the tile grid's squares as x and y)."""
    from cosyn.datasets import china_provinces

    table = china_provinces().set_index("province")
    frame = panel.copy()
    frame["区域"] = frame["省份"].map(table["china_4"])
    frame["x"] = frame["省份"].map(table["col"]).astype(float)
    frame["y"] = -frame["省份"].map(table["row"]).astype(float)
    data = frame.to_csv(index=False).encode("utf-8")
    model = _model(groups="区域", weights={"x": "x", "y": "y", "k": 4}, series=["coupling"])
    r = _fit(client, data, _toml(model))
    assert r.status_code == 200, r.text
    a = r.json()["analysis"]
    by_column = next(t for t in a["tables"] if t["name"] == "analysis_gini")
    scheme = _library(panel_file, _model(series=["coupling"])).analysis.gini
    got = pd.DataFrame(by_column["rows"], columns=by_column["columns"])["Overall G"]
    assert got.tolist() == pytest.approx(scheme["G"].tolist(), abs=1e-15)
    assert any(t["name"] == "analysis_moran" for t in a["tables"])


def test_permutations_times_data_size_is_refused_before_any_work(client, panel_csv):
    model = _model(permutations=99_999)
    client.app.state.runner.warm()  # the fork server's start is not the request's
    start = time.perf_counter()
    r = _fit(client, panel_csv, _toml(model))
    assert time.perf_counter() - start < 10  # refused, not computed
    assert r.status_code == 422
    body = r.json()
    assert body["kind"] == "SpecError"
    rows = len(YEARS) * 31  # the CSV's lines bound the rows
    series = 3 + 1 + 1  # three μ, their mean, D
    assert (
        f"[analysis] permutations = 99,999 on up to {rows:,} rows × {series} series is "
        f"{99_999 * rows * series:,} permuted values, over this server's limit of 20,000,000"
        in body["error"]
    )
    assert f"use at most {20_000_000 // (rows * series):,} permutations" in body["error"]
    # cosyn check on the page says the same before the Run button is pressed
    r = client.post(
        "/api/check",
        files={"data": ("provinces.csv", panel_csv)},
        data={"spec": _toml(model)},
    )
    assert r.status_code == 422 and "[analysis] permutations = 99,999" in r.json()["error"]


def test_the_permutation_bound_is_exact_and_needs_weights():
    spec = cosyn.Spec.from_dict(_model(permutations=1000, series=["synergy"]))
    limits = work.Limits(max_permutation_cells=1000 * 100)
    work.check_spec_limits(spec, limits, rows=100)  # at the limit: accepted
    with pytest.raises(work.UserError, match=r"use at most 990 permutations"):
        work.check_spec_limits(spec, limits, rows=101)
    # the permutations only drive Moran's I and LISA: no weights, no bound
    model = _model(permutations=99_999)
    del model["analysis"]["weights"]
    work.check_spec_limits(cosyn.Spec.from_dict(model), limits, rows=10**6)
    # series: U one, μ one per subsystem and their mean, D one
    assert work.analysis_series_count(cosyn.Spec.from_dict(_model())) == 5
    full = _model(series=["synergy", "order", "coupling"])
    assert work.analysis_series_count(cosyn.Spec.from_dict(full)) == 6


def test_the_downloaded_report_holds_the_analysis_figures(client, panel_csv, english):
    r = client.post(
        "/api/report?file=report.html",
        files={"data": ("provinces.csv", panel_csv)},
        data={"spec": _toml(_model()), "lang": "zh"},
    )
    assert r.status_code == 200, r.text
    html = r.text
    for f in english["analysis"]["figures"]:
        assert f'data-figure="{f["name"]}"' in html
    assert 'data-figure="synergy_path"' in html


def test_cosyn_serve_takes_the_permutation_limit(monkeypatch):
    from click.testing import CliRunner

    import cosyn.web.app
    from cosyn.cli import main

    seen: dict = {}
    monkeypatch.setattr(cosyn.web.app, "serve", lambda **kw: seen.update(kw))
    result = CliRunner().invoke(main, ["serve", "--max-permutation-cells", "5000"])
    assert result.exit_code == 0, result.output
    assert seen["max_permutation_cells"] == 5000
    app = cosyn.web.app.create_app(max_permutation_cells=5000)
    assert app.state.limits.max_permutation_cells == 5000
    help_text = CliRunner().invoke(main, ["serve", "--help"]).output
    assert "--max-permutation-cells" in help_text


def test_a_model_file_with_its_analysis_round_trips_through_the_page_endpoints(client):
    model = _model(classes="quantiles", k=4, alpha=0.1)
    r = client.post("/api/spec/from-toml", data={"spec": _toml(model)})
    assert r.status_code == 200
    given = r.json()["spec"]["analysis"]
    assert given["classes"] == "quantiles" and given["k"] == 4 and given["alpha"] == 0.1
    r = client.post("/api/spec/to-toml", json={"spec": r.json()["spec"]})
    assert tomllib.loads(r.json()["toml"])["analysis"] == given

"""End to end in a real browser: Playwright driving Debian's Chromium, headless.

The app runs under uvicorn on a free loopback port in a thread. Needs the Debian package
chromium (/usr/bin/chromium) and the Python package playwright (no browser download:
Playwright is pointed at Debian's Chromium). `.ci/run` installs both.
"""

from __future__ import annotations

import io
import shutil
import socket
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

import cosyn
from cosyn.datasets import data_path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip("no Chromium: apt-get install chromium", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
uvicorn = pytest.importorskip("uvicorn")

from cosyn.web import create_app  # noqa: E402

# Every expectation waits up to a minute: on a busy machine a fit queues behind the
# figures the earlier tests' pages are still drawing.
sync_api.expect.set_options(timeout=60_000)

TRADE = data_path("trade.csv")
#: (method, path, status) of every answer the server sent.
ANSWERS: list[tuple[str, str, int]] = []
MODEL = data_path("trade_model.toml")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    port = _free_port()
    app = create_app()
    app.state.runner.warm()  # as cosyn serve does: the fork server imports pandas now

    async def recorded(scope, receive, send):
        async def watch(message):
            if message["type"] == "http.response.start":
                ANSWERS.append((scope["method"], scope["path"], message["status"]))
            await send(message)

        await app(scope, receive, watch if scope["type"] == "http" else send)

    config = uvicorn.Config(recorded, host="127.0.0.1", port=port, log_level="warning")
    app_server = uvicorn.Server(config)
    thread = threading.Thread(target=app_server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not app_server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    app_server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield chromium
        chromium.close()


def _page(browser, url: str):
    page = browser.new_page(viewport={"width": 1100, "height": 1400}, accept_downloads=True)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    return page, errors


def test_upload_map_run_read_and_download(server, browser, tmp_path):
    page, errors = _page(browser, server + "/")
    page.set_input_files("#spec-file", str(MODEL))
    page.set_input_files("#data-file", str(TRADE))
    # The mapping table is prefilled from the uploaded model: four indicators. (The app's
    # Content-Security-Policy forbids evaluated scripts, so waits go through locators.)
    sync_api.expect(page.locator("#indicators tbody tr")).to_have_count(4)
    page.click("#run")
    page.click("#tab-long-synergy", timeout=90_000)
    page.select_option("#table-size", "0")  # every row on one page
    expected = cosyn.fit(TRADE, MODEL).synergy
    rows = page.locator("#table-long-synergy tbody tr")
    sync_api.expect(rows).to_have_count(len(expected))
    first = rows.first.locator("th, td")
    assert first.nth(0).inner_text() == "textile_clothing"
    assert float(first.nth(3).inner_text()) == pytest.approx(expected.synergy.iloc[0], abs=5e-5)
    # "Copy table": every row, tab-separated, full precision (pastes into Excel or Word)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    page.click(".table-bar .copy")
    sync_api.expect(page.locator(".table-bar .copy")).to_have_text(
        "Copied: paste into Excel or Word"
    )
    lines = page.evaluate("navigator.clipboard.readText()").split("\n")
    assert lines[0].split("\t") == list(expected.columns)
    assert len(lines) == len(expected) + 1
    assert float(lines[1].split("\t")[3]) == expected.synergy.iloc[0]
    with page.expect_download() as info:
        page.get_by_role("button", name="Download results.xlsx").click()
    path = tmp_path / "results.xlsx"
    info.value.save_as(path)
    sheet = pd.read_excel(path, sheet_name="synergy")
    assert sheet.synergy.to_numpy() == pytest.approx(expected.synergy.to_numpy())
    assert errors == []


def test_units_and_explicit_bounds_of_a_model_file_survive_the_page(server, browser, tmp_path):
    # The page rebuilds the model from its mapping; what the mapping does not show (an
    # indicator's unit, its explicit bounds) must reach the fit and model.toml unchanged.
    import tomli_w

    spec = cosyn.Spec.from_toml(MODEL).to_dict()
    first = next(iter(spec["subsystems"].values()))["indicators"][0]
    first["lower"], first["upper"] = 0.0, 2.0e7
    model = tmp_path / "bounded.toml"
    model.write_text(tomli_w.dumps(spec), encoding="utf-8")
    expected = cosyn.Spec.from_toml(model)
    page, errors = _page(browser, server + "/")
    page.set_input_files("#spec-file", str(model))
    page.set_input_files("#data-file", str(TRADE))
    sync_api.expect(page.locator("#indicators tbody tr")).to_have_count(4)
    page.click("#run")
    page.click("#tab-long-synergy", timeout=90_000)
    with page.expect_download() as info:
        page.get_by_role("button", name="Download model.toml").click()
    path = tmp_path / "model.toml"
    info.value.save_as(path)
    got = cosyn.Spec.from_toml(path)
    assert [(i.column, i.unit, i.lower, i.upper) for i in got.indicators] == [
        (i.column, i.unit, i.lower, i.upper) for i in expected.indicators
    ]
    assert got.indicators[0].lower == 0.0 and got.indicators[0].upper == 2.0e7
    assert errors == []
    page.close()


def test_a_broken_file_shows_its_message(server, browser, tmp_path):
    broken = pd.read_csv(TRADE).astype({"city_import": object})
    broken.loc[3, "city_import"] = "n/a*"
    bad = tmp_path / "bad.csv"
    buffer = io.StringIO()
    broken.to_csv(buffer, index=False)
    bad.write_text(buffer.getvalue(), encoding="utf-8")
    page, errors = _page(browser, server + "/")
    page.set_input_files("#spec-file", str(MODEL))
    page.set_input_files("#data-file", str(bad))
    sync_api.expect(page.locator("#indicators tbody tr")).to_have_count(4)
    # cosyn check runs on the model and the data before any run: the cell is named there,
    # and Run waits until the data is fixed.
    problems = page.locator("#check-problems li")
    problems.first.wait_for(timeout=90_000)
    assert "non-numeric" in problems.first.inner_text()
    assert "'n/a*'" in problems.first.inner_text()
    sync_api.expect(page.locator("#run")).to_be_disabled()
    assert "Traceback" not in page.content()
    assert errors == []


def test_the_data_check_lists_its_problems_before_any_mapping(server, browser, tmp_path):
    frame = pd.read_csv(TRADE)
    frame["year"] = frame["year"].astype(object)
    frame.loc[6, "year"] = None
    path = tmp_path / "gap.csv"
    frame.to_csv(path, index=False)
    page, errors = _page(browser, server + "/")
    page.set_input_files("#data-file", str(path))
    problem = page.locator("#problem-list li")
    sync_api.expect(problem).to_have_count(1)
    assert "period column 'year'" in problem.inner_text() and "row 8" in problem.inner_text()
    assert "'gap.csv'" in problem.inner_text()
    assert errors == []


def test_the_chinese_switch(server, browser):
    page, errors = _page(browser, server + "/")
    page.click("#lang-switch")
    sync_api.expect(page).to_have_url(server + "/?lang=zh")
    assert page.locator("#lang-switch").inner_text() == "English"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in page.locator("#h-data").inner_text())
    assert errors == []


def test_diagnostics_from_the_page(server, browser):
    page, errors = _page(browser, server + "/")
    page.get_by_role("button", name="Try the Guangzhou example").click()
    sync_api.expect(page.locator("#indicators tbody tr")).to_have_count(4)
    page.check("#d-gra")
    page.select_option("#d-coupling", "wang")
    page.fill("#d-obstacles", "2")
    page.click("#run")
    page.click("#tab-paper-coupling", timeout=90_000)
    sync_api.expect(page.locator("#table-paper-coupling")).to_have_attribute("data-rows", "60")
    page.click("#tab-long-grey_relation")
    sync_api.expect(page.locator("#table-long-grey_relation")).to_have_attribute(
        "data-rows", str(5 * 4)
    )
    page.click("#tab-long-obstacles")
    table = page.locator("#table-long-obstacles")
    sync_api.expect(table).to_have_attribute("data-rows", str(5 * 12 * 2))
    assert table.locator("tbody tr").count() == 25  # paged
    assert page.locator("#tab-long-forecast").count() == 0  # not asked for
    assert errors == []


@pytest.fixture(scope="module")
def other_origin(tmp_path_factory) -> Iterator[str]:
    """A page on another loopback port: another origin, as an attacker's page would be."""
    import functools
    import http.server

    folder = tmp_path_factory.mktemp("other")
    (folder / "index.html").write_text("<!doctype html><title>other</title>", encoding="utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", _free_port()), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    thread.join(timeout=10)


POST_FIT = """async ([url, csv, toml, mode]) => {
  const form = new FormData();
  form.append("data", new Blob([csv], {type: "text/csv"}), "trade.csv");
  form.append("spec", toml);
  try {
    const r = await fetch(url + "/api/fit", {method: "POST", body: form, mode: mode});
    return "answered " + r.type + " " + r.status;
  } catch (e) {
    return "refused " + e.name;
  }
}"""


@pytest.mark.parametrize("mode", ["cors", "no-cors"])
def test_a_page_of_another_origin_cannot_post_a_fit(server, browser, other_origin, mode):
    """Chromium sends the POST (a simple request, no preflight); the server answers 403."""
    page, errors = _page(browser, other_origin + "/")
    csv = TRADE.read_text(encoding="utf-8")
    toml = MODEL.read_text(encoding="utf-8")
    ANSWERS.clear()
    outcome = page.evaluate(POST_FIT, [server, csv, toml, mode])
    # the server refused it, did no work (pages of earlier tests may still be talking to
    # the server about their own models: only fits count here)
    assert [a for a in ANSWERS if a[1] == "/api/fit"] == [("POST", "/api/fit", 403)]
    # and the page learns nothing: a CORS failure, or an opaque answer
    assert outcome == ("refused TypeError" if mode == "cors" else "answered opaque 0")
    assert errors == []


def test_the_page_itself_may_post(server, browser):
    """The app's own page posts the same way and is answered (same origin)."""
    page, _ = _page(browser, server + "/")
    ANSWERS.clear()
    page.set_input_files("#data-file", str(TRADE))
    sync_api.expect(page.locator("#indicators tbody tr")).to_have_count(4)
    assert ("POST", "/api/inspect", 200) in ANSWERS


# -- the province example: from the researcher's own panel to the tables and figures -------
PROVINCES = Path(__file__).resolve().parents[2] / "examples" / "provinces"
SHOTS = Path("/tmp/web_shots")


def _province_file(tmp_path: Path) -> Path:
    """The example panel with a notes column and a '12%' cell: two columns to leave out."""
    frame = pd.read_csv(PROVINCES / "panel.csv", dtype=str, keep_default_na=False)
    frame["备注"] = ""
    frame.loc[7, "备注"] = "估算"
    frame.loc[4, "森林覆盖率(%)"] = "12%"
    path = tmp_path / "provinces.csv"
    frame.to_csv(path, index=False)
    return path


def _province_spec() -> tuple[dict, dict[str, tuple[str, str]]]:
    """The example's mapping (less the excluded column) and column → (label, direction)."""
    import tomllib

    model = tomllib.loads((PROVINCES / "model.toml").read_text(encoding="utf-8"))
    mapping = {}
    subsystems = {}
    for sub in model["subsystems"].values():
        keep = [i for i in sub["indicators"] if i["column"] != "森林覆盖率(%)"]
        subsystems[sub["label"]] = {"indicators": [dict(i) for i in keep]}
        for i in keep:
            mapping[i["column"]] = (sub["label"], "-" if i["direction"] in ("负向", "负") else "+")
    spec = {
        "entity": "省份",
        "period": "年份",
        "title": "省级协同",
        "subsystems": subsystems,
        "diagnostics": {"coupling": "classic"},
    }
    return spec, mapping


@pytest.mark.skipif(not (PROVINCES / "panel.csv").exists(), reason="no examples/provinces")
def test_a_province_panel_from_upload_to_tables_and_chinese(server, browser, tmp_path):
    SHOTS.mkdir(exist_ok=True)
    data = _province_file(tmp_path)
    spec, mapping = _province_spec()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server + "/")
    page.set_input_files("#data-file", str(data))

    # The data check, before any mapping: both excluded columns, each with its reason.
    excluded = page.locator("#excluded-list li")
    sync_api.expect(excluded).to_have_count(2)
    text = excluded.all_inner_texts()
    assert any(t.startswith("备注") for t in text)
    assert any(t.startswith("森林覆盖率(%)") and "'12%'" in t for t in text)
    assert any("row 346" in n for n in page.locator("#data-notes li").all_inner_texts())
    # Nothing mapped yet: every indicator unassigned, Run says what is missing.
    rows = page.locator("#indicators tbody tr")
    sync_api.expect(rows).to_have_count(len(mapping))
    assert all(
        v == ""
        for v in page.locator("#indicators tbody tr td:nth-child(2) select").evaluate_all(
            "s => s.map(x => x.value)"
        )
    )
    sync_api.expect(page.locator("#run")).to_be_disabled()
    assert "2 subsystems" in page.locator("#run-status").inner_text()
    page.screenshot(path=str(SHOTS / "province_1_upload.png"), full_page=True)

    # Name three subsystems, assign every indicator, a title, panel-wide weights.
    page.click("#add-subsystem")
    for k, label in enumerate(["数字经济", "产业集群", "生态环境"]):
        box = page.locator("#subsystems input").nth(k)
        box.fill(label)
        box.dispatch_event("change")
    for column, (label, direction) in mapping.items():
        page.get_by_label(f"Subsystem {column}", exact=True).select_option(label)
        page.get_by_label(f"Direction {column}", exact=True).select_option(direction)
    page.fill("#title", "省级协同")
    page.fill("#m-entities", "北京、上海, 广东")  # the entities the figures draw
    page.locator("#m-entities").dispatch_event("change")
    page.select_option("#d-coupling", "classic")
    page.locator("#model-check .ok").wait_for(timeout=60_000)
    sync_api.expect(page.locator("#run")).to_be_enabled()
    page.click("#run")

    import cosyn
    from cosyn.report.figures import figure_names

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cosyn.CosynWarning)
        result = cosyn.fit(data, cosyn.Spec.from_dict(spec))
    # A place for every figure of the report (drawn one by one: see the slow test below).
    figures = page.locator("#figures figure")
    sync_api.expect(figures).to_have_count(len(figure_names(result)), timeout=60_000)
    page.locator("#figures img").first.wait_for(timeout=120_000)
    page.screenshot(path=str(SHOTS / "province_2_mapped_and_run.png"), full_page=True)

    # Tables: paged and sortable.
    page.click("#tab-long-synergy")
    table = page.locator("#table-long-synergy")
    sync_api.expect(table).to_have_attribute("data-rows", str(len(result.synergy)))
    assert table.locator("tbody tr").count() == 25
    assert page.locator(".table-bar .range").inner_text() == f"1–25 of {len(result.synergy)}"
    page.click(".table-bar .page-next")
    assert page.locator(".table-bar .range").inner_text() == f"26–50 of {len(result.synergy)}"
    table.locator("thead button", has_text="synergy").click()
    table.locator("thead button", has_text="synergy").click()  # descending
    cells = table.locator("tbody tr").first.locator("th, td")
    assert float(cells.nth(3).inner_text()) == pytest.approx(result.synergy.synergy.max(), abs=5e-5)
    page.locator("#table-filter").press_sequentially("北京")
    sync_api.expect(table).to_have_attribute("data-rows", str(len(result.periods) - 1))
    page.click("#tab-paper-synergy")
    wide = page.locator("#table-paper-synergy")
    sync_api.expect(wide).to_have_attribute("data-rows", str(len(result.entities) + 1))

    # Switching language keeps the upload, the mapping and the results, now in Chinese.
    page.click("#lang-switch")
    sync_api.expect(page.locator("#h-results")).to_have_text("4. 结果")
    sync_api.expect(page.locator("#tab-paper-descriptive")).to_have_text(
        "描述性统计", timeout=60_000
    )
    assert page.get_by_label("子系统 数字经济增加值(亿元)", exact=True).input_value() == "数字经济"
    assert page.locator("#title").input_value() == "省级协同"
    assert "/?lang=zh" in page.url
    assert errors == []
    page.close()  # and the figures still being drawn with it


@pytest.mark.slow
@pytest.mark.skipif(not (PROVINCES / "panel.csv").exists(), reason="no examples/provinces")
def test_every_figure_of_a_province_run_is_in_the_page(server, browser):
    """The example's model (every diagnostic): all its figures drawn, each an <img>."""
    import cosyn
    from cosyn.report.figures import figure_names

    SHOTS.mkdir(exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cosyn.CosynWarning)
        result = cosyn.fit(PROVINCES / "panel.csv", PROVINCES / "model.toml")
    names = figure_names(result)
    assert len(names) == 9  # the base figures and every diagnostic's
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server + "/?lang=zh")
    page.set_input_files("#spec-file", str(PROVINCES / "model.toml"))
    page.set_input_files("#data-file", str(PROVINCES / "panel.csv"))
    page.locator("#model-check .ok").wait_for(timeout=60_000)
    page.click("#run")
    images = page.locator("#figures img")
    sync_api.expect(images).to_have_count(len(names), timeout=300_000)
    assert [f.get_attribute("id") for f in page.locator("#figures figure").all()] == [
        f"fig-{n}" for n in names
    ]
    assert page.evaluate("document.documentElement.scrollHeight") < 20_000
    page.screenshot(path=str(SHOTS / "province_2_results.png"), full_page=True)
    page.locator("#figures button.zoom").first.click()
    sync_api.expect(page.locator("#zoom")).to_be_visible()
    page.screenshot(path=str(SHOTS / "province_3_zoom.png"))
    page.keyboard.press("Escape")
    sync_api.expect(page.locator("#zoom")).to_be_hidden()
    assert errors == []
    page.close()


# -- [analysis]: a section per analysis ------------------------------------------------------
def _province_model(tmp_path: Path, **analysis) -> Path:
    """The example's model with coupling only (and ``[analysis]`` when given)."""
    import tomllib

    import tomli_w

    model = tomllib.loads((PROVINCES / "model.toml").read_text(encoding="utf-8"))
    model["diagnostics"] = {"coupling": "classic"}
    if analysis:
        model["analysis"] = analysis
    path = tmp_path / "model.toml"
    path.write_text(tomli_w.dumps(model), encoding="utf-8")
    return path


def _province_years(tmp_path: Path, years: tuple[int, ...]) -> Path:
    frame = pd.read_csv(PROVINCES / "panel.csv", dtype=str, keep_default_na=False)
    path = tmp_path / "provinces.csv"
    frame[frame["年份"].isin([str(y) for y in years])].to_csv(path, index=False)
    return path


def _check_sections(page, section_start: str, figure: bool = True) -> None:
    """Every section is there; a table of each section with rows; Moran's I drawn."""
    sections = page.locator("#analysis-sections section.analysis-section")
    sync_api.expect(sections).to_have_count(4)
    sync_api.expect(page.locator("#h-an-inequality")).to_contain_text(section_start)
    for section, table in (
        ("inequality", "analysis_gini"),
        ("distribution", "analysis_density"),
        ("spatial", "analysis_moran"),
        ("dynamics", "analysis_spatial_markov_tests"),
    ):
        box = page.locator(f"#an-{section}")
        box.locator(f"#tab-analysis-{table}").click()
        rows = box.locator(f"#table-analysis-{table} tbody tr")
        assert rows.count() > 0
        assert box.locator(".table-bar .range").inner_text()
    if figure:
        image = page.locator("#an-spatial #fig-analysis_moran img")
        sync_api.expect(image).to_be_visible(timeout=300_000)
        assert image.evaluate("img => img.naturalWidth") > 100


@pytest.mark.skipif(not (PROVINCES / "panel.csv").exists(), reason="no examples/provinces")
def test_the_analysis_from_the_page_a_section_per_analysis(server, browser, tmp_path):
    """Upload the province example, turn the analysis on, run: the sections, a table of
    each, a figure; the language switch keeps the settings and redraws in Chinese."""
    pytest.importorskip("esda", reason="pip install 'cosyn[spatial]'")
    SHOTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server + "/")
    page.set_input_files("#spec-file", str(_province_model(tmp_path)))
    page.set_input_files("#data-file", str(_province_years(tmp_path, (2019, 2020, 2021, 2022))))
    page.locator("#model-check .ok").wait_for(timeout=60_000)
    # Off until asked for; then the settings open.
    sync_api.expect(page.locator("#a-on")).not_to_be_checked()
    sync_api.expect(page.locator("#a-groups")).to_be_disabled()
    page.check("#a-on")
    sync_api.expect(page.locator("#a-groups")).to_be_enabled()
    page.check("#a-series-coupling")
    page.select_option("#a-groups", "china_4")
    page.select_option("#a-weights", "china_provinces")
    page.fill("#a-permutations", "99")
    page.locator("#a-permutations").dispatch_event("change")
    page.locator("#model-check .ok").wait_for(timeout=60_000)
    page.screenshot(path=str(SHOTS / "analysis_1_settings.png"), full_page=True)
    page.click("#run")
    _check_sections(page, "Regional differences")
    sync_api.expect(page.locator("#analysis-methods-text p").first).to_contain_text("Series")
    # each section has the methods of its analyses
    page.locator("#an-spatial details.section-methods summary").click()
    sync_api.expect(page.locator("#an-spatial details.section-methods")).to_contain_text("Moran")
    page.screenshot(path=str(SHOTS / "analysis_2_results.png"), full_page=True)
    # The figures of another series: D instead of the first μ.
    assert page.locator("#an-series").input_value() == ""  # each figure its first series
    page.select_option("#an-series", "coupling")
    caption = page.locator("#an-spatial #fig-analysis_moran figcaption")
    sync_api.expect(caption).to_have_text("Global Moran's I of coupling coordination degree D")

    # Switching language keeps the settings and shows the analysis again, in Chinese.
    page.click("#lang-switch")
    sync_api.expect(page.locator("#h-an-inequality")).to_contain_text("区域差异", timeout=60_000)
    assert page.locator("#a-on").is_checked()
    assert page.locator("#a-series-coupling").is_checked()
    assert page.locator("#a-groups").input_value() == "china_4"
    assert page.locator("#a-weights").input_value() == "china_provinces"
    assert page.locator("#a-permutations").input_value() == "99"
    sync_api.expect(caption).to_contain_text("耦合协调度 D")  # the series stays chosen
    _check_sections(page, "区域差异", figure=False)  # drawn in the slow test below
    sync_api.expect(page.locator("#analysis-methods-text p").first).to_contain_text("分析")
    page.screenshot(path=str(SHOTS / "analysis_3_chinese.png"), full_page=True)

    # Over the server's bound: the check names the key, Run stays off.
    page.fill("#a-permutations", "99999")
    page.locator("#a-permutations").dispatch_event("change")
    sync_api.expect(page.locator("#model-check .error")).to_contain_text(
        "[analysis] permutations = 99,999", timeout=60_000
    )
    sync_api.expect(page.locator("#run")).to_be_disabled()
    assert errors == []
    page.close()


@pytest.mark.slow
@pytest.mark.skipif(not (PROVINCES / "panel.csv").exists(), reason="no examples/provinces")
def test_a_model_file_with_analysis_runs_in_chinese_every_figure_drawn(server, browser, tmp_path):
    """The whole example (31 provinces × 12 years) with a model file's [analysis]: china_4,
    the province contiguity, 999 permutations; every figure of the analysis drawn."""
    pytest.importorskip("esda", reason="pip install 'cosyn[spatial]'")
    SHOTS.mkdir(exist_ok=True)
    model = _province_model(
        tmp_path,
        series=["order", "coupling"],
        groups="china_4",
        weights="china_provinces",
        permutations=999,
        classes="quantiles",
    )
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server + "/?lang=zh")
    page.set_input_files("#spec-file", str(model))
    page.set_input_files("#data-file", str(PROVINCES / "panel.csv"))
    page.locator("#model-check .ok").wait_for(timeout=60_000)
    # The model file's settings are on the page.
    assert page.locator("#a-on").is_checked()
    assert page.locator("#a-series-order").is_checked()
    assert not page.locator("#a-series-synergy").is_checked()
    assert page.locator("#a-groups").input_value() == "china_4"
    assert page.locator("#a-permutations").input_value() == "999"
    page.click("#run")
    _check_sections(page, "区域差异")
    figures = page.locator("#analysis-sections figure")
    count = figures.count()
    assert count >= 5
    sync_api.expect(page.locator("#analysis-sections figure img")).to_have_count(
        count, timeout=300_000
    )
    page.screenshot(path=str(SHOTS / "analysis_4_model_file_zh.png"), full_page=True)
    # model.toml: the keys the page does not show are the model file's
    with page.expect_download() as info:
        page.get_by_role("button", name="下载 model.toml").click()
    path = tmp_path / "downloaded.toml"
    info.value.save_as(path)
    import tomllib

    analysis = tomllib.loads(path.read_text(encoding="utf-8"))["analysis"]
    assert analysis["classes"] == "quantiles"
    assert analysis["groups"] == "china_4"
    assert analysis.get("permutations", 999) == 999  # the default is not written
    assert errors == []
    page.close()


@pytest.mark.skipif(not (PROVINCES / "panel.csv").exists(), reason="no examples/provinces")
def test_the_analysis_settings_offer_the_uploads_free_columns(server, browser, tmp_path):
    """Groups from a text column, weights from two numeric columns: the columns neither
    entity, period nor indicator are offered, and cosyn check accepts the model."""
    pytest.importorskip("esda", reason="pip install 'cosyn[spatial]'")
    from cosyn.datasets import china_provinces

    table = china_provinces().set_index("province")
    frame = pd.read_csv(_province_years(tmp_path, (2021, 2022)))
    frame["区域"] = frame["省份"].map(table["china_4"])
    frame["lon"] = frame["省份"].map(table["col"]).astype(float)
    frame["lat"] = -frame["省份"].map(table["row"]).astype(float)
    data = tmp_path / "with_columns.csv"
    frame.to_csv(data, index=False)
    page, errors = _page(browser, server + "/")
    page.set_input_files("#spec-file", str(_province_model(tmp_path)))
    page.set_input_files("#data-file", str(data))
    page.locator("#model-check .ok").wait_for(timeout=60_000)
    page.check("#a-on")
    groups = page.locator("#a-groups option").evaluate_all("o => o.map(x => x.value)")
    assert groups == ["", "china_3", "china_4", "区域", "lon", "lat"]
    assert page.locator("#a-coords").is_hidden()
    page.select_option("#a-weights", "coordinates")
    sync_api.expect(page.locator("#a-coords")).to_be_visible()
    xs = page.locator("#a-x option").evaluate_all("o => o.map(x => x.value)")
    assert xs == ["", "lon", "lat"]  # numbers only
    page.select_option("#a-groups", "区域")
    page.select_option("#a-x", "lon")
    page.select_option("#a-y", "lat")
    page.fill("#a-k", "3")
    page.locator("#a-k").dispatch_event("change")
    page.locator("#model-check .ok").wait_for(timeout=60_000)
    sync_api.expect(page.locator("#run")).to_be_enabled()
    # a column given to a subsystem is no longer offered (where it is not the one chosen)
    page.get_by_label("Subsystem lon", exact=True).select_option("digital")
    sync_api.expect(page.locator("#a-groups option")).to_have_count(5)
    assert page.locator("#a-y option").evaluate_all("o => o.map(x => x.value)") == ["", "lat"]
    assert errors == []
    page.close()

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
    page.wait_for_selector("#synergy tbody tr", timeout=30_000)
    expected = cosyn.fit(TRADE, MODEL).synergy
    rows = page.locator("#synergy tbody tr")
    assert rows.count() == len(expected)
    cells = rows.first.locator("td")
    assert cells.nth(0).inner_text() == "textile_clothing"
    assert float(cells.nth(3).inner_text()) == pytest.approx(expected.synergy.iloc[0], abs=5e-5)
    assert page.locator("#figures svg").count() >= 2  # the synergy and order degree charts
    with page.expect_download() as info:
        page.get_by_role("button", name="Download results.xlsx").click()
    path = tmp_path / "results.xlsx"
    info.value.save_as(path)
    sheet = pd.read_excel(path, sheet_name="synergy")
    assert sheet.synergy.to_numpy() == pytest.approx(expected.synergy.to_numpy())
    assert errors == []


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
    page.click("#run")
    message = page.locator("#run-error")
    message.wait_for(state="visible", timeout=30_000)
    assert "non-numeric" in message.inner_text() and "'n/a*'" in message.inner_text()
    assert "Traceback" not in page.content()
    assert errors == []


def test_the_chinese_switch(server, browser):
    page, errors = _page(browser, server + "/")
    page.click("#lang-switch")
    page.wait_for_load_state()
    assert "lang=zh" in page.url
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
    page.wait_for_selector("#diag-coupling tbody tr", timeout=30_000)
    assert page.locator("#diag-grey_relation tbody tr").count() == 5 * 4
    assert page.locator("#diag-obstacles tbody tr").count() == 5 * 12 * 2
    assert page.locator("#diag-forecast").count() == 0  # not asked for
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
    assert ANSWERS == [("POST", "/api/fit", 403)]  # the server refused it, did no work
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

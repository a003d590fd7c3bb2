"""The server's guards (issue 8, items 12, 13, 15): host names, origins, compute bounds,
the wall-time and memory limits of the child process, and the API's documentation."""

from __future__ import annotations

import os
import time
import warnings

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from cosyn.web import create_app
from cosyn.web.guard import host_name
from cosyn.web.runner import InternalError, Runner
from cosyn.web.work import Limits, UserError, check_spec_limits

LOCAL = "http://127.0.0.1"


def _post_fit(client, csv: bytes, toml: str, headers: dict[str, str] | None = None):
    return client.post(
        "/api/fit", files={"data": ("trade.csv", csv)}, data={"spec": toml}, headers=headers
    )


# ---- Host --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ("127.0.0.1:8000", "127.0.0.1"),
        ("LocalHost", "localhost"),
        ("[::1]:8000", "::1"),
        ("[::1]", "::1"),
        ("evil.example:80", "evil.example"),
        ("", ""),
    ],
)
def test_host_name(value, name):
    assert host_name(value) == name


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.1:8000", "localhost:1", "[::1]:8000"])
def test_loopback_host_names_are_answered(client, host):
    r = client.get("/healthz", headers={"host": host})
    assert r.status_code == 200 and r.text == "ok"


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.2", "testserver"])
def test_other_host_names_are_400(client, trade_csv, trade_toml, host):
    for r in (
        client.get("/healthz", headers={"host": host}),
        client.get("/", headers={"host": host}),
        _post_fit(client, trade_csv, trade_toml, {"host": host}),
    ):
        assert r.status_code == 400
        assert r.json()["kind"] == "BadHost"
        assert f"host name {host!r}" in r.json()["error"]


def test_hosts_option_adds_a_name(trade_csv, trade_toml):
    client = TestClient(create_app(hosts=["cosyn.lan"]), base_url="http://cosyn.lan:8000")
    assert client.get("/healthz").status_code == 200
    assert _post_fit(client, trade_csv, trade_toml).status_code == 200
    assert client.get("/healthz", headers={"host": "other.lan"}).status_code == 400


def test_serve_binds_and_answers_its_own_address():
    from cosyn.web.app import bound_names

    assert bound_names("192.168.1.5") == {"192.168.1.5"}
    assert bound_names("[::1]") == {"::1"}
    wildcard = bound_names("0.0.0.0")
    import socket

    assert socket.gethostname().lower() in wildcard


# ---- Origin ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "http://evil.example"},
        {"origin": "http://127.0.0.1:9999"},  # another port: another origin
        {"origin": "http://localhost"},  # another name for the same address
        {"origin": "null"},  # a sandboxed frame or a file:// page
        {"sec-fetch-site": "cross-site"},
        {"sec-fetch-site": "same-site"},
    ],
    ids=["other-site", "other-port", "other-name", "null", "cross-site", "same-site"],
)
def test_cross_origin_posts_are_403(client, trade_csv, trade_toml, headers):
    r = _post_fit(client, trade_csv, trade_toml, headers)
    assert r.status_code == 403
    assert r.json()["kind"] == "CrossOrigin"
    assert "another origin" in r.json()["error"]
    r = client.post("/api/spec/from-toml", data={"spec": trade_toml}, headers=headers)
    assert r.status_code == 403


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"origin": "http://127.0.0.1"},
        {"origin": "http://127.0.0.1:80"},
        {"origin": "http://127.0.0.1", "sec-fetch-site": "same-origin"},
        {"sec-fetch-site": "none"},  # typed in the address bar
    ],
    ids=["no-origin", "same", "same-explicit-port", "same-origin", "none"],
)
def test_same_origin_posts_pass(client, trade_csv, trade_toml, headers):
    assert _post_fit(client, trade_csv, trade_toml, headers).status_code == 200


def test_cross_origin_reads_are_answered(client):
    """GET changes nothing; the browser keeps the answer from the other page (no CORS)."""
    r = client.get("/api/example/model.toml", headers={"origin": "http://evil.example"})
    assert r.status_code == 200
    assert "access-control-allow-origin" not in r.headers


# ---- /docs -------------------------------------------------------------------------------


def test_no_blank_documentation_pages_and_the_schema_is_served(client):
    for path in ("/docs", "/redoc"):
        assert client.get(path).status_code == 404
    schema = client.get("/openapi.json").json()
    assert schema["paths"]["/api/fit"]["post"]["responses"]["403"]


# ---- compute bounds ----------------------------------------------------------------------


def _spec(trade_toml: str, extra: str) -> str:
    return trade_toml + "\n" + extra + "\n"


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        ("[diagnostics]\nforecast = 21", "forecast = 21 is over this server's limit of 20"),
        (
            "[diagnostics.robustness]\ndraws = 2001",
            "draws = 2,001 is over this server's limit of 2,000",
        ),
        (
            "[diagnostics]\nforecast = 50\n[diagnostics.robustness]\ndraws = 50000",
            "forecast = 50 is over this server's limit of 20 periods (cosyn serve "
            "--max-forecast); [diagnostics.robustness] draws = 50,000",
        ),
    ],
    ids=["forecast", "draws", "both-listed"],
)
def test_options_over_the_server_limits_are_422(client, trade_csv, trade_toml, extra, fragment):
    start = time.perf_counter()
    r = _post_fit(client, trade_csv, _spec(trade_toml, extra))
    assert time.perf_counter() - start < 5  # refused, not computed
    assert r.status_code == 422
    assert r.json()["kind"] == "SpecError"
    assert fragment in r.json()["error"]


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (
            '[analysis]\ngroups = "/etc/groups.csv"',
            "groups = '/etc/groups.csv' names a file, which this server does not read",
        ),
        (
            '[analysis]\nweights = "../neighbours.csv"',
            "[analysis] weights names a file, which this server does not read",
        ),
        (
            '[analysis]\nweights = { file = "/tmp/regions.geojson" }',
            "[analysis] weights names a file, which this server does not read",
        ),
    ],
    ids=["groups-csv", "weights-csv", "weights-geometry"],
)
def test_a_spec_never_makes_the_server_read_its_own_files(
    client, trade_csv, trade_toml, extra, fragment
):
    r = _post_fit(client, trade_csv, _spec(trade_toml, extra))
    assert r.status_code == 422, r.text
    assert r.json()["kind"] == "SpecError"
    assert fragment in r.json()["error"]


def test_limits_are_configurable(trade_csv, trade_toml):
    client = TestClient(create_app(max_draws=10, max_forecast=1), base_url=LOCAL)
    r = _post_fit(client, trade_csv, _spec(trade_toml, "[diagnostics.robustness]\ndraws = 11"))
    assert r.status_code == 422 and "limit of 10 (cosyn serve --max-draws)" in r.json()["error"]
    r = _post_fit(client, trade_csv, _spec(trade_toml, "[diagnostics]\nforecast = 2"))
    assert r.status_code == 422 and "limit of 1 periods" in r.json()["error"]
    ok = _spec(trade_toml, "[diagnostics]\nforecast = 1\n[diagnostics.robustness]\ndraws = 10")
    r = _post_fit(client, trade_csv, ok)
    assert r.status_code == 200, r.text
    assert len(r.json()["robustness"]) > 0


def test_draws_times_data_size_is_bounded():
    from cosyn.datasets import load_spec
    from cosyn.spec import Spec

    raw = load_spec("trade_model").to_dict()
    raw["diagnostics"] = {"robustness": {"draws": 1000}}
    spec = Spec.from_dict(raw)
    limits = Limits(max_draw_cells=1000 * 60 * 4)  # 60 rows × 4 indicators: just fits
    check_spec_limits(spec, limits, rows=60)
    with pytest.raises(UserError, match=r"1,000 on up to 61 rows × 4 indicators is 244,000"):
        check_spec_limits(spec, limits, rows=61)
    raw["diagnostics"]["forecast"] = 50  # another problem is listed beside it, not instead
    with pytest.raises(UserError, match=r"forecast = 50 .*; .*is 244,000 values") as exc:
        check_spec_limits(Spec.from_dict(raw), limits, rows=61)
    assert exc.value.message.startswith("SpecError: [diagnostics] forecast = 50")


def test_a_fit_past_the_time_limit_is_stopped_with_422(trade_csv, trade_toml):
    client = TestClient(create_app(timeout=0.001), base_url=LOCAL)
    start = time.perf_counter()
    r = _post_fit(client, trade_csv, trade_toml)
    assert time.perf_counter() - start < 5
    assert r.status_code == 422
    assert r.json()["kind"] == "TimeLimit"
    assert "longer than this server's limit of 0.001 s" in r.json()["error"]
    assert "--fit-timeout" in r.json()["error"]


# ---- the child process -------------------------------------------------------------------


def _sleep(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def _allocate(mib: int) -> int:
    import numpy as np

    block = np.ones(mib * 1024 * 1024 // 8)
    return int(block.size)


def _fail() -> None:
    raise ValueError("a bug")


def _killed_by_the_system() -> None:
    import signal

    os.kill(os.getpid(), signal.SIGKILL)  # what the kernel's OOM killer does


def _exit() -> None:
    os._exit(3)


def _rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_runner_runs_in_another_process_and_returns_its_memory():
    runner = Runner(timeout=30, memory_mb=0, workers=2)
    assert runner.run(_sleep, 0) != os.getpid()
    before = _rss()
    assert runner.run(_allocate, 300) == 300 * 1024 * 1024 // 8
    assert _rss() - before < 50 * 1024 * 1024  # the 300 MiB stayed in the child


def test_runner_kills_a_job_past_its_time():
    runner = Runner(timeout=3, memory_mb=0, workers=1)
    start = time.perf_counter()
    with pytest.raises(UserError, match="longer than this server's limit of 3 s") as exc:
        runner.run(_sleep, 60)
    assert exc.value.status == 422
    assert time.perf_counter() - start < 10
    assert runner.run(_sleep, 0) > 0  # the slot was given back


def test_runner_memory_limit_is_413():
    # The limit counts the child's data segment, which starts at about 1.2 GiB of address
    # space inherited from the warm fork server (BLAS buffers): 3 GiB leaves room for a
    # small block and none for an 8 GiB one (refused at once, never touched).
    runner = Runner(timeout=30, memory_mb=3072, workers=1)
    with pytest.raises(UserError, match="more memory than this server's limit of 3,072 MiB") as exc:
        runner.run(_allocate, 8192)
    assert exc.value.status == 413
    assert runner.run(_allocate, 10) > 0


def test_runner_a_child_killed_by_the_system_is_out_of_memory():
    runner = Runner(timeout=30, memory_mb=0, workers=1)
    with pytest.raises(UserError, match="more memory than the memory this machine") as exc:
        runner.run(_killed_by_the_system)
    assert exc.value.status == 413
    with pytest.raises(InternalError, match="ended without an answer"):
        runner.run(_exit)


def test_runner_reports_a_bug_as_internal(caplog):
    runner = Runner(timeout=30, memory_mb=0, workers=1)
    with pytest.raises(InternalError, match="ValueError"):
        runner.run(_fail)
    assert "a bug" in caplog.text  # the traceback is in the server's log


def test_an_unexpected_failure_is_a_clear_json_500_without_traceback(
    trade_csv, trade_toml, monkeypatch
):
    from cosyn.web import work

    client = TestClient(create_app(), base_url=LOCAL, raise_server_exceptions=False)

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(work, "check_upload", broken)
    r = _post_fit(client, trade_csv, trade_toml)
    assert r.status_code == 500
    assert r.json() == {
        "error": "error: cosyn failed on this request (ZeroDivisionError), which is a fault "
        "of cosyn, not of your data; the details are in the server's log — please report it",
        "kind": "error",
    }

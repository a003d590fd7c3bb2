"""The web page as a place to read results (issue 9): the data check before the run, the
paper tables, every figure, stage cards, Chinese words, and a busy port.

The province example (`examples/provinces`) is the data: 31 provinces × 2011–2022 with
Chinese headers. Expected numbers come from :func:`cosyn.fit` on the same file and spec,
not from the web code.
"""

from __future__ import annotations

import socket
import tomllib
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cosyn

ROOT = Path(__file__).resolve().parents[2]
PROVINCES = ROOT / "examples" / "provinces"
if not (PROVINCES / "panel.csv").exists():
    pytest.skip("examples/provinces is not in this tree", allow_module_level=True)

#: The example model without its diagnostics but coupling: enough for every table kind.
MODEL = tomllib.loads((PROVINCES / "model.toml").read_text(encoding="utf-8"))
MODEL["diagnostics"] = {"coupling": "classic"}
MODEL.pop("stages", None)


@pytest.fixture(scope="module")
def panel() -> bytes:
    return (PROVINCES / "panel.csv").read_bytes()


@pytest.fixture(scope="module")
def model_toml() -> str:
    from cosyn.web.work import dict_to_toml

    return dict_to_toml(MODEL)


@pytest.fixture(scope="module")
def expected() -> cosyn.Result:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cosyn.CosynWarning)  # the "—" cell read as missing
        return cosyn.fit(PROVINCES / "panel.csv", cosyn.Spec.from_dict(MODEL))


@pytest.fixture(scope="module")
def fitted(client, panel, model_toml) -> dict[str, dict]:
    """The /api/fit answer in both languages (each fitted once per module)."""
    out = {}
    for lang in ("en", "zh"):
        r = client.post(
            "/api/fit",
            files={"data": ("panel.csv", panel)},
            data={"spec": model_toml, "lang": lang},
        )
        assert r.status_code == 200, r.text
        out[lang] = r.json()
    return out


def _edited(panel: bytes, edit) -> bytes:
    frame = pd.read_csv(pd.io.common.BytesIO(panel), dtype=str, keep_default_na=False)
    frame = edit(frame)
    return frame.to_csv(index=False).encode("utf-8")


def test_inspect_lists_every_excluded_column_with_its_reason(client, panel):
    def edit(frame):
        frame["统计口径"] = "当年价"
        frame.loc[4, "森林覆盖率(%)"] = "12%"
        return frame

    r = client.post("/api/inspect", files={"data": ("panel.csv", _edited(panel, edit))})
    assert r.status_code == 200
    body = r.json()
    excluded = {x["column"]: x["reason"] for x in body["excluded"]}
    assert set(excluded) == {"统计口径", "森林覆盖率(%)"}
    assert "row 6" in excluded["森林覆盖率(%)"] and "'12%'" in excluded["森林覆盖率(%)"]
    assert "森林覆盖率(%)" not in body["guess"]["indicators"]
    # The "—" and the empty cell of the example are missing values, not reasons.
    assert "工业废水排放量(万吨)" in body["guess"]["indicators"]
    assert body["problems"] == []


def test_inspect_runs_the_data_check_and_lists_every_problem(client, panel, tmp_path):
    def edit(frame):
        frame.loc[10, "年份"] = ""  # an empty period cell
        frame.loc[30, "省份"] = ""  # an empty entity cell
        return frame

    r = client.post("/api/inspect", files={"data": ("bad.csv", _edited(panel, edit))})
    assert r.status_code == 200
    problems = r.json()["problems"]
    assert any("row 12" in p and "'年份'" in p for p in problems), problems
    assert "'bad.csv'" in " ".join(problems) and "cosyn-web-" not in " ".join(problems)
    # every problem cosyn's own check finds in that data, each listed
    from cosyn.panel import panel_problems

    bad = tmp_path / "bad.csv"
    bad.write_bytes(_edited(panel, edit))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cosyn.CosynWarning)  # the "—" cell, noted below
        assert len(problems) == len(panel_problems(bad, cosyn.Spec.from_dict(MODEL)))
    # and what the reader noted: the "—" cell read as missing, named by row
    assert any("row 346" in n and "'—'" in n for n in r.json()["notes"])


def test_check_endpoint_is_cosyn_check(client, panel, model_toml, tmp_path):
    from cosyn.check import find_problems

    broken = model_toml.replace('"制造业增加值(亿元)"', '"制造业增加值"')
    r = client.post("/api/check", files={"data": ("panel.csv", panel)}, data={"spec": broken})
    assert r.status_code == 200
    got = r.json()
    model = tmp_path / "model.toml"
    model.write_text(broken, encoding="utf-8")
    want, _ = find_problems(model, PROVINCES / "panel.csv")
    assert len(got["problems"]) == len(want) >= 1
    assert "制造业增加值" in got["problems"][0]
    ok = client.post("/api/check", files={"data": ("panel.csv", panel)}, data={"spec": model_toml})
    assert ok.json()["problems"] == []
    assert any("青海" in n or "row" in n for n in ok.json()["notes"])  # the "—" cell named


def test_check_endpoint_keeps_the_server_limits(client, panel, model_toml):
    from cosyn.web.work import dict_to_toml

    spec = dict_to_toml({**MODEL, "diagnostics": {"forecast": 50}})  # the server allows 20
    r = client.post("/api/check", files={"data": ("panel.csv", panel)}, data={"spec": spec})
    assert r.status_code == 422
    assert "over this server's limit" in r.json()["error"]


def test_paper_tables_hold_the_fit_numbers(fitted, expected):
    tables = {(t["kind"], t["name"]): t for t in fitted["en"]["tables"]}
    subsystems = [s.name for s in expected.spec.subsystems]
    paper = [name for kind, name in tables if kind == "paper"]
    assert paper[:2] == ["descriptive", "weights"]
    assert {"synergy", "coupling_wide", "coupling"} <= set(paper)
    assert {f"order_{s}" for s in subsystems} <= set(paper)
    wide = tables[("paper", "synergy")]
    assert len(wide["rows"]) == 31 + 1  # the provinces, then the mean row
    years = [str(y) for y in expected.periods]
    assert wide["columns"][1 : 1 + len(years)] == years
    last = {row[0]: row[len(years)] for row in wide["rows"][:31]}
    final = expected.synergy[expected.synergy.period == expected.periods[-1]]
    for entity, value in zip(final.entity, final.synergy, strict=True):
        assert last[entity] == pytest.approx(value, abs=0, rel=0)
    long = tables[("long", "synergy")]
    assert len(long["rows"]) == len(expected.synergy)
    assert ("long", "coupling") not in tables  # its rows are the paper's coupling table


def test_tables_and_words_in_chinese(fitted, expected):
    tables = {(t["kind"], t["name"]): t for t in fitted["zh"]["tables"]}
    descriptive = tables[("paper", "descriptive")]
    from cosyn.report.tables import header

    for word in ("mean", "sd", "min", "max"):
        assert header(word, "zh") in descriptive["columns"]
        assert all("\u4e00" <= ch <= "\u9fff" for ch in header(word, "zh"))
    long = tables[("long", "synergy")]
    assert long["columns"][:2] == ["省份", "基期"]
    level = long["columns"].index("协同等级")
    assert {row[level] for row in long["rows"]} <= {
        "非协同",
        "低度协同",
        "中度协同",
        "高度协同",
        "极度协同",
        None,
    }
    order = tables[("long", "subsystem_order")]
    sub = order["columns"].index("子系统")
    assert {row[sub] for row in order["rows"]} == {"数字经济", "产业集群", "生态环境"}
    for t in fitted["zh"]["tables"]:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in t["title"] + t["tab"]), t["name"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in fitted["zh"]["stages"][0]["stage"])


def test_stage_cards_say_what_the_stage_means_and_no_sector_advice(fitted, expected):
    from cosyn.report.text import stage_meaning

    meanings = stage_meaning(expected, "en")
    codes = expected.stage_codes[:, -1]
    for card, code in zip(fitted["en"]["stages"], codes, strict=True):
        assert card["stage_code"] == int(code)
        assert card["meaning"] == meanings[int(code)]
        assert card["focus"] == ""
    assert "digital trade" not in str(fitted["en"]["stages"])


def test_the_paper_focus_only_when_the_spec_sets_it(client, trade_csv, trade_toml):
    assert 'focus = "zhang2023"' in trade_toml
    r = client.post("/api/fit", files={"data": ("trade.csv", trade_csv)}, data={"spec": trade_toml})
    assert all(card["focus"] for card in r.json()["stages"] if card["stage_code"] >= 0)


def test_every_figure_name_of_the_report(fitted, expected):
    from cosyn.report.figures import figure_names

    assert fitted["en"]["figure_names"] == list(figure_names(expected))
    assert "coupling" in fitted["en"]["figure_names"]


def test_long_table_values_are_json_and_nan_is_null(fitted):
    wide = next(t for t in fitted["en"]["tables"] if t["name"] == "synergy")
    first = wide["rows"][0]
    assert first[1] is None  # the base period compares nothing: empty, not 0
    assert all(isinstance(v, (int, float, str, type(None))) for v in first)
    assert not any(isinstance(v, float) and np.isnan(v) for row in wide["rows"] for v in row)


# -- cosyn serve on a busy port --------------------------------------------------------------
def test_serve_on_a_busy_port_names_a_free_one():
    from click.testing import CliRunner

    from cosyn.cli import main

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--port", str(port)])
    assert result.exit_code == 1
    message = result.output.strip()
    assert message.startswith(f"error: port {port} is in use — try --port ")
    suggested = int(message.rsplit(" ", 1)[1])
    assert suggested > port
    assert "Errno" not in result.output and "Traceback" not in result.output
    with socket.socket() as free:  # the port suggested is one that can be listened on
        free.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        free.bind(("127.0.0.1", suggested))


def test_serve_on_an_address_of_another_machine():
    from cosyn.web.app import ServeError, check_listen

    with pytest.raises(ServeError, match="not an address of this machine"):
        check_listen("192.0.2.1", 8765)  # TEST-NET-1: never this machine's


def test_a_gbk_file_is_read_and_its_encoding_said(client):
    utf8 = client.post(
        "/api/inspect", files={"data": ("panel.csv", (PROVINCES / "panel.csv").read_bytes())}
    ).json()
    gbk = client.post(
        "/api/inspect",
        files={"data": ("panel_gbk.csv", (PROVINCES / "panel_gbk.csv").read_bytes())},
    ).json()
    assert gbk["guess"] == utf8["guess"] and gbk["preview"] == utf8["preview"]
    assert any("GB18030" in n and "'panel_gbk.csv'" in n for n in gbk["notes"])
    assert not any("GB18030" in n for n in utf8["notes"])


def test_entities_shown_in_the_figures_are_checked_against_the_data(client, panel):
    from cosyn.web.work import dict_to_toml

    files = {"data": ("panel.csv", panel)}
    wrong = dict_to_toml({**MODEL, "report": {"entities": ["北京", "上海市"]}})
    r = client.post("/api/fit", files=files, data={"spec": wrong})
    assert r.status_code == 422
    assert r.json()["kind"] == "SpecError"
    assert "[report] entities" in r.json()["error"] and "'上海市'" in r.json()["error"]
    assert "'上海'" in r.json()["error"]  # the nearest name of the data
    right = dict_to_toml({**MODEL, "report": {"entities": ["北京", "上海"]}})
    r = client.post("/api/figure?name=synergy_path", files=files, data={"spec": right})
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")

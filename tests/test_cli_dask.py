"""``cosyn run --engine dask``: the full tables as Parquet datasets, the reports of a sample.

Every run of the default suite starts a LocalCluster (a few seconds each), so it has
three: an English run on 30 entities (whose tables must read back as the NumPy engine's),
a Chinese run on 60 entities and a run whose data error is raised inside a worker. Their
reports are drawn from a sample of :data:`SAMPLE` entities rather than the engine's 50
(the figures of 50 entities take most of a run's time). The bad-usage cases fail before
any cluster starts. More (a running scheduler, a dataset folder, a memory limit, the
default sample) are marked slow.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from rich.console import Console

import cosyn
import cosyn.engines.dask as engine
from cosyn.cli import TABLES_FOLDER, Context, main
from cosyn.errors import CosynWarning
from cosyn.report.sample import Sample, sample_texts

pytest.importorskip("distributed")
pytest.importorskip("pyarrow")

CITIES = [
    *"北京 天津 石家庄 太原 呼和浩特 沈阳 长春 哈尔滨 上海 南京 杭州 合肥 福州 南昌 济南".split(),
    *"郑州 武汉 长沙 广州 南宁 海口 重庆 成都 贵阳 昆明 拉萨 西安 兰州 西宁 银川".split(),
]
INDICATORS = {"digital": {"x1": "+", "x2": "+", "x3": "-"}, "ecology": {"y1": "+", "y2": "-"}}
MODEL = """\
title = "城市协同（测试）"
entity = "城市"
period = "年份"
[subsystems.digital]
label = "数字经济"
indicators = { x1 = "+", x2 = "+", x3 = "-" }
[subsystems.ecology]
label = "生态环境"
indicators = { y1 = "+", y2 = "-" }
[diagnostics]
coupling = "classic"
robustness = { draws = 40, seed = 2 }
"""
TOL = 1e-12
#: Entities the reports of the default suite's runs show.
SAMPLE = 8


@pytest.fixture(scope="module")
def small_sample() -> Iterator[None]:
    """The runs' reports drawn from :data:`SAMPLE` entities (the CLI calls
    ``cosyn.engines.dask.fit_dask``, looked up when it runs)."""
    fit = functools.partial(engine.fit_dask, sample_entities=SAMPLE)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine, "fit_dask", fit)
        yield


def write_panel(folder: Path, cities: list[str], name: str = "panel.parquet") -> Path:
    """A wide panel of ``cities`` × 2015–2020 with trends of both signs and one missing
    cell, as a Parquet file."""
    rng = np.random.default_rng(len(cities))
    T = 6
    frame = pd.DataFrame(
        {"城市": np.repeat(cities, T), "年份": np.tile(range(2015, 2021), len(cities))}
    )
    trend = np.tile(np.arange(T, dtype=float), len(cities))
    for n, column in enumerate(c for s in INDICATORS.values() for c in s):
        slope = rng.normal(0.6 if n % 2 else -0.2, 0.7, len(cities)).repeat(T)
        frame[column] = rng.uniform(5, 40, len(cities)).repeat(T) + slope * trend
        frame[column] += rng.normal(0, 1.0, len(frame))
    frame.loc[7, "x2"] = np.nan
    path = folder / name
    frame.to_parquet(path, index=False)
    return path


def write_model(folder: Path, extra: str = "") -> Path:
    path = folder / "model.toml"
    path.write_text(MODEL + extra, encoding="utf-8")
    return path


def invoke(*args: str | Path):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    return lines[0]


def assert_same(numpy_table: pd.DataFrame, dataset: pd.DataFrame, name: str) -> None:
    """The same rows after sorting by the label columns; numbers equal to 1e-12."""
    assert sorted(dataset.columns) == sorted(numpy_table.columns), name
    labels = [c for c in numpy_table.columns if not pd.api.types.is_float_dtype(numpy_table[c])]
    a = numpy_table.astype({c: str for c in labels}).sort_values(labels, ignore_index=True)
    b = dataset[list(numpy_table.columns)].astype({c: str for c in labels})
    b = b.sort_values(labels, ignore_index=True)
    assert len(a) == len(b), name
    for c in numpy_table.columns:
        if c in labels:
            assert (a[c] == b[c]).all(), (name, c)
        else:
            x, y = a[c].to_numpy(float), b[c].to_numpy(float)
            same = (np.isnan(x) & np.isnan(y)) | (np.abs(x - y) <= TOL * np.maximum(1, np.abs(x)))
            assert same.all(), (name, c)


@pytest.fixture(scope="module")
def english(tmp_path_factory, small_sample):
    """One English run on 30 entities with two workers."""
    folder = tmp_path_factory.mktemp("dask-en")
    data, model = write_panel(folder, CITIES), write_model(folder)
    out = folder / "out"
    result = invoke(
        "run", model, "--data", data, "--engine", "dask", "--workers", "2", "--out", out
    )
    return result, data, model, out


def test_run_writes_the_numpy_engines_tables_as_parquet_datasets(english):
    result, data, model, out = english
    assert result.exit_code == 0, result.output
    with pytest.warns(CosynWarning, match="1 missing cell filled"):
        res = cosyn.fit(data, model, engine="numpy")
    names = ["synergy", "subsystem_order", "weights", "order_degree", "bounds", "coupling"]
    for name in [*names, "robustness"]:  # the ranks of the Monte Carlo over all 30 cities
        folder = out / TABLES_FOLDER / name
        assert folder.is_dir() and list(folder.glob("part.*.parquet")), name
        assert_same(getattr(res, name), pd.read_parquet(folder), name)
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no staging left


def test_run_prints_the_summary_and_writes_the_reports_of_the_sample(english):
    result, _, _, out = english
    assert "Synergy degree U" in result.stdout and "30 entities" in result.stdout
    assert "Parquet datasets" in result.stderr
    assert (out / "report.html").is_file() and (out / "results.xlsx").is_file()
    assert (out / "figures" / "synergy_path.svg").is_file()
    assert (out / "figures" / "robustness.svg").is_file()
    assert not list(out.glob("*.csv"))  # no CSV of a sample posing as the full table
    tables = (out / TABLES_FOLDER).resolve()
    html = (out / "report.html").read_text(encoding="utf-8")
    assert f"show {SAMPLE} of the 30 entities" in html and "1,048,576 rows" in html
    assert f"{tables}/" in html and "tables/synergy/" in html
    readme = load_workbook(out / "results.xlsx", read_only=True)["README"]
    cells = [str(c) for row in readme.iter_rows(values_only=True) for c in row if c is not None]
    text = "\n".join(cells)
    assert "Sample of entities" in text and f"hold {SAMPLE} of the 30 entities" in text
    assert f"{tables}/" in text and "tables/synergy/" in text and "1,048,576 rows" in text


def test_run_in_chinese(tmp_path, small_sample):
    cities = [f"{c}{k}区" for k in (1, 2) for c in CITIES]
    data, model = write_panel(tmp_path, cities), write_model(tmp_path)
    out = tmp_path / "报告"
    result = invoke(
        "-q", "run", model, "--data", data, "--engine", "dask", "--workers", "2", "--lang", "zh",
        "--out", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "协同度 U" in result.stdout and "60 个个体" in result.stdout
    assert result.stderr == ""  # --quiet: no progress, no notes
    synergy = pd.read_parquet(out / TABLES_FOLDER / "synergy")
    assert synergy["entity"].nunique() == 60
    html = (out / "report.html").read_text(encoding="utf-8")
    assert f"60 个个体中的 {SAMPLE} 个" in html and "1,048,576 行" in html
    assert "全部 60 个个体" in html  # the stage counts of every entity
    readme = load_workbook(out / "results.xlsx", read_only=True)["说明"]
    text = "\n".join(
        str(c) for row in readme.iter_rows(values_only=True) for c in row if c is not None
    )
    assert "样本" in text and f"60 个个体中的 {SAMPLE} 个" in text and "1,048,576 行" in text
    assert f"{(out / TABLES_FOLDER).resolve()}/" in text


def test_an_error_inside_a_worker_is_one_line_and_leaves_no_folder(tmp_path, small_sample):
    cities = [f"{c}{k}区" for k in (1, 2) for c in CITIES]
    data = write_panel(tmp_path, cities)
    frame = pd.read_parquet(data)
    late = frame[frame["城市"] == cities[-1]].iloc[[2]]  # outside the sample
    pd.concat([frame, late], ignore_index=True).to_parquet(data, index=False)
    out = tmp_path / "out"
    result = invoke(
        "run", write_model(tmp_path), "--data", data, "--engine", "dask", "--workers", "1",
        "--out", out,
    )  # fmt: skip
    assert result.exit_code == 1
    line = one_line(result.stderr)
    assert line.startswith("DataError: ") and cities[-1] in line and "appears 2 times" in line
    assert "Traceback" not in result.output and not out.exists()


# -- bad usage: no cluster is started ----------------------------------------------------


@pytest.fixture
def small(tmp_path):
    return write_panel(tmp_path, CITIES[:4]), write_model(tmp_path), tmp_path / "out"


@pytest.mark.parametrize(
    "options", [["--workers", "2"], ["--memory-limit", "2GB"], ["--scheduler", "tcp://h:8786"]]
)
def test_dask_options_without_the_dask_engine_are_a_usage_error(small, options):
    data, model, out = small
    result = invoke("run", model, "--data", data, *options, "--out", out)
    assert result.exit_code == 2
    assert f"{options[0]} applies to the Dask engine only; add --engine dask" in result.output
    assert not out.exists()


def test_scheduler_with_workers_is_one_clear_error(small):
    data, model, out = small
    result = invoke(
        "run", model, "--data", data, "--engine", "dask", "--scheduler", "tcp://127.0.0.1:1",
        "--workers", "2", "--out", out,
    )  # fmt: skip
    assert result.exit_code == 1
    line = one_line(result.stderr)
    assert line.startswith("SpecError: --scheduler connects to a running cluster")
    assert not out.exists()


def test_other_bad_uses_of_the_dask_engine(small, tmp_path):
    data, model, out = small
    base = ("run", model, "--data", data, "--engine", "dask", "--out", out)
    result = invoke(*base, "--memory-limit", "lots")
    assert result.exit_code == 1 and "'lots' is not a size" in one_line(result.stderr)
    result = invoke(*base, "--sheet", "Sheet1")
    assert result.exit_code == 2 and "--sheet applies to the NumPy engine" in result.output
    analysis = write_model(tmp_path, '[analysis]\nseries = ["synergy"]\n')
    result = invoke("run", analysis, "--data", data, "--engine", "dask", "--out", out)
    assert result.exit_code == 1
    assert "[analysis]" in one_line(result.stderr)
    result = invoke("run", model, "--data", tmp_path, "--out", out)  # a folder, NumPy engine
    assert result.exit_code == 2 and "needs --engine dask" in result.output
    assert not out.exists()


def test_without_dask_one_line_names_the_extra(small, monkeypatch):
    data, model, out = small
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    monkeypatch.setitem(sys.modules, "dask.dataframe", None)
    result = invoke("run", model, "--data", data, "--engine", "dask", "--out", out)
    assert result.exit_code == 1
    assert "pip install 'cosyn[dask]'" in one_line(result.stderr)
    assert not out.exists()


def test_the_words_of_a_sample_that_is_the_whole_panel(tmp_path):
    datasets = {"synergy": tmp_path / "out" / "tables" / "synergy"}
    part = sample_texts(Sample(50, 2_800, datasets), "en", doc="report", base=tmp_path / "out")
    assert "show 50 of the 2,800 entities" in part.headline and part.entities_of
    assert part.tables == (("synergy", "tables/synergy/"),)
    assert part.folder == f"{(tmp_path / 'out' / 'tables').resolve()}/"
    whole = sample_texts(Sample(31, 31, datasets), "zh", doc="workbook", base=None)
    assert "全部 31 个个体（样本即全部个体）" in whole.headline and whole.entities_of == ""
    assert whole.headline.startswith("样本：本工作簿的各工作表包含")
    assert whole.tables == (("synergy", f"{datasets['synergy'].resolve()}/"),)


def test_progress_shows_partitions_done_on_a_terminal_only():
    ctx = Context(debug=False, quiet=False)
    ctx.err = Console(file=StringIO(), force_terminal=True, width=100)
    with ctx.partitions("partitions of entities done") as progress:
        progress(0, 4)
        progress(4, 4)
    shown = ctx.err.file.getvalue()  # type: ignore[attr-defined]
    assert "partitions of entities done" in shown and "4/4" in shown
    ctx.err = Console(file=StringIO(), force_terminal=False)
    with ctx.partitions("partitions of entities done") as progress:
        progress(1, 4)
    assert ctx.err.file.getvalue() == ""  # type: ignore[attr-defined]


# -- slow: a running scheduler, a dataset folder, a memory limit ------------------------


@pytest.mark.slow
def test_run_on_a_running_scheduler(tmp_path):
    from distributed import LocalCluster

    data, model = write_panel(tmp_path, CITIES), write_model(tmp_path)
    with LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=None) as cluster:
        out = tmp_path / "out"
        result = invoke(
            "-q", "run", model, "--data", data, "--engine", "dask",
            "--scheduler", cluster.scheduler_address, "--out", out,
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert len(cluster.scheduler.workers) == 1  # the cluster is left running
    with pytest.warns(CosynWarning):
        res = cosyn.fit(data, model, engine="numpy")
    assert_same(res.synergy, pd.read_parquet(out / TABLES_FOLDER / "synergy"), "synergy")


@pytest.mark.slow
def test_run_on_a_dataset_folder_with_named_entities_and_a_memory_limit(tmp_path):
    cities = [f"{c}{k}区" for k in (1, 2, 3) for c in CITIES]
    whole = pd.read_parquet(write_panel(tmp_path, cities))
    folder = tmp_path / "面板"
    folder.mkdir()
    for k, part in enumerate(np.array_split(np.arange(len(cities)), 3)):
        rows = whole[whole["城市"].isin([cities[i] for i in part])]
        rows.to_parquet(folder / f"part{k}.parquet", index=False)
    model, out = write_model(tmp_path), tmp_path / "out"
    result = invoke(
        "run", model, "--data", folder, "--engine", "dask", "--workers", "1",
        "--memory-limit", "1GB", "--entities", f"{cities[-1]},{cities[0]}", "--out", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with pytest.warns(CosynWarning):
        res = cosyn.fit(whole, model, engine="numpy")
    for name in ("synergy", "order_degree", "coupling"):
        assert_same(getattr(res, name), pd.read_parquet(out / TABLES_FOLDER / name), name)
    html = (out / "report.html").read_text(encoding="utf-8")
    assert cities[-1] in html and "90 entities" in html
    result = invoke(
        "run", model, "--data", folder, "--engine", "dask", "--workers", "1",
        "--entities", "无此城市", "--out", tmp_path / "out2",
    )  # fmt: skip
    assert result.exit_code == 1 and "--entities" in one_line(result.stderr)
    assert not (tmp_path / "out2").exists()

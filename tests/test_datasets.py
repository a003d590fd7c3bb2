"""The bundled Guangzhou data and example models (Zhang 2023, Tables 1, 2 and 4)."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cosyn
from cosyn import CosynWarning
from cosyn.datasets import CLUSTERS, data_path, load_dataset, load_spec

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "guangzhou"


def test_city_trade_table_1_with_the_2022_discrepancy_as_a_warning():
    with pytest.warns(
        CosynWarning,
        match=r"2022: the printed total 17,945,204 differs from "
        r"import \+ export by 23,830",
    ):
        city = load_dataset("guangzhou_city_trade")
    assert city.year.tolist() == list(range(2010, 2023))
    # Table 1, first row: 2010 total 10,376,756 = 5,538,894 + 4,837,862
    assert city.iloc[0][["total", "import", "export"]].tolist() == [10376756, 5538894, 4837862]
    upto_2021 = city[city.year <= 2021]
    assert (upto_2021.total == upto_2021["import"] + upto_2021["export"]).all()
    # Text of the paper: total trade fell in 2016, 2019 and 2020 and rose in other years.
    falls = city.year[1:][np.diff(city.total) < 0].tolist()
    assert falls == [2016, 2019, 2020]
    # Deficit in 2010–2011, surplus from 2012.
    deficit = city.year[city["import"] > city["export"]].tolist()
    assert deficit == [2010, 2011]


def test_cluster_trade_table_2_and_the_balances_the_text_describes():
    cl = load_dataset("guangzhou_cluster_trade")
    assert len(cl) == 60 and list(cl.cluster.cat.categories) == list(CLUSTERS)
    assert (cl.total == cl["import"] + cl["export"]).all()
    surplus = cl.assign(s=cl["export"] > cl["import"]).pivot(
        index="year", columns="cluster", values="s"
    )
    assert surplus["textile_clothing"].all() and surplus["luggage_leather"].all()
    assert not surplus["food_beverage"].any()
    assert surplus["jewelry"].loc[:2018].all() and not surplus["jewelry"].loc[2019:].any()
    beauty = surplus["beauty_daily_chemical"]
    assert beauty[beauty].index.tolist() == [2012, 2013, 2014, 2015]


def test_trade_csv_is_built_from_the_published_tables():
    derived = load_dataset("guangzhou_trade")
    bundled = pd.read_csv(data_path("trade.csv"))
    pd.testing.assert_frame_equal(derived, bundled, check_dtype=False)
    assert derived.cluster.unique().tolist() == list(CLUSTERS)
    assert derived.year.min() == 2010 and derived.year.max() == 2021


@pytest.mark.parametrize(
    "name", ["trade.csv", "trade_model.toml", "paper_model.toml", "paper_template.csv"]
)
def test_examples_folder_matches_package_data(name):
    assert (EXAMPLES / name).read_bytes() == data_path(name).read_bytes()


def test_trade_model_runs_on_the_examples():
    spec = cosyn.Spec.from_toml(EXAMPLES / "trade_model.toml")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = cosyn.fit(EXAMPLES / "trade.csv", spec)
    assert res.synergy.entity.unique().tolist() == list(CLUSTERS)
    assert res.synergy.period.tolist()[:11] == list(range(2011, 2022))
    # The city subsystem is the same for every cluster, and so are its weights.
    city = res.weights[res.weights.subsystem == "city_trade"]
    assert city.groupby("indicator").weight.nunique().eq(1).all()
    text = res.summary()
    for cluster in CLUSTERS:
        assert cluster in text
    assert "0 of 240 cells filled" in text


def test_paper_model_has_table_4_with_b8_renumbered():
    spec = load_spec("paper_model")
    a, b = spec.subsystems
    assert a.columns == tuple(f"A{i}" for i in range(1, 12))
    assert b.columns == tuple(f"B{i}" for i in range(1, 13))
    labels = {i.column: i.label for i in spec.indicators}
    assert labels["B8"] == "Invention patent authorizations"
    assert labels["B9"] == "R&D institutions"
    assert labels["B12"].startswith("Government management level")
    template = load_dataset("paper_template")
    assert list(template.columns) == ["cluster", "year", *spec.columns]
    assert len(template) == 5 * 12 and template.year.min() == 2011 and template.year.max() == 2022
    assert template[list(spec.columns)].isna().all().all()


def test_empty_template_gives_a_clear_error():
    with pytest.raises(cosyn.DataError, match="has 0 observed values"):
        cosyn.fit(data_path("paper_template.csv"), load_spec("paper_model"))


def test_unknown_names():
    with pytest.raises(cosyn.DataError, match="no dataset 'nope'; available"):
        load_dataset("nope")
    with pytest.raises(cosyn.DataError, match="no example model 'nope'"):
        load_spec("nope")


def test_python_dash_m_prints_the_summary():
    out = subprocess.run(
        [sys.executable, "-m", "cosyn"], capture_output=True, text=True, check=True
    ).stdout
    assert "Synergy degree U" in out and "luggage_leather" in out

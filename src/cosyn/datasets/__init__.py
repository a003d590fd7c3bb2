"""Bundled data: the Guangzhou trade tables of Zhang (2023) and example model specs.

``load_dataset(name)`` returns a tidy DataFrame and runs the consistency checks of the
source tables; ``load_spec(name)`` returns an example :class:`~cosyn.spec.Spec`.

Datasets
--------
``guangzhou_city_trade``
    year, total, import, export — Guangzhou's trade in all goods, 2010–2022 (the paper's
    Table 1; unit 10,000 US dollars).
``guangzhou_cluster_trade``
    year, cluster, import, export, total — the five clusters, 2010–2021 (Table 2; total
    from Table 1).
``guangzhou_trade``
    cluster, year, cluster_import, cluster_export, city_import, city_export, 2010–2021:
    the data of the ``trade_model`` example.
``paper_template``
    cluster, year, A1–A11, B1–B12 for 2011–2022, every value empty: the paper's indicator
    system (Table 4) for the ``paper_model`` example, to be filled from the yearbooks.

China's 31 mainland provincial-level divisions (:mod:`cosyn.datasets.china`):
``china_provinces()``, ``match_provinces(names)``, ``china_regions("china_3" | "china_4")``,
``region_names(lang)``, ``province_names(lang)``, ``china_contiguity(island_links=True)``,
``china_tiles()``.

Source: Zhang, M. (2023). Research on the Collaborative Evaluation and Development of
Digital Trade and Industrial Clusters: Taking Relevant Industries in Guangzhou as an
Example. *Do Business and Trade Facilitation Journal*; tables citing the Guangzhou
statistical yearbooks.
"""

from __future__ import annotations

import warnings
from importlib import resources
from pathlib import Path

import pandas as pd

from cosyn.errors import CosynWarning, DataError
from cosyn.spec import Spec

from .china import (
    SCHEMES,
    china_contiguity,
    china_provinces,
    china_regions,
    china_tiles,
    match_provinces,
    province_names,
    region_names,
)

__all__ = [
    "DATASETS",
    "SCHEMES",
    "SPECS",
    "china_contiguity",
    "china_provinces",
    "china_regions",
    "china_tiles",
    "data_path",
    "load_dataset",
    "load_spec",
    "match_provinces",
    "province_names",
    "region_names",
]

DATASETS: tuple[str, ...] = (
    "guangzhou_city_trade",
    "guangzhou_cluster_trade",
    "guangzhou_trade",
    "paper_template",
)
SPECS: tuple[str, ...] = ("trade_model", "paper_model")
CLUSTERS: tuple[str, ...] = (
    "textile_clothing",
    "beauty_daily_chemical",
    "luggage_leather",
    "jewelry",
    "food_beverage",
)


def data_path(filename: str) -> Path:
    """Path of a bundled file (``trade_model.toml``, ``guangzhou_city_trade.csv``, …)."""
    path = Path(str(resources.files("cosyn.datasets") / "data" / filename))
    if not path.exists():
        raise DataError(f"no bundled file {filename!r}")
    return path


def _check_sum(frame: pd.DataFrame) -> pd.Series:
    """Rows where ``total != import + export``."""
    return frame["total"] != frame["import"] + frame["export"]


def _city_trade() -> pd.DataFrame:
    frame = pd.read_csv(data_path("guangzhou_city_trade.csv"))
    off = _check_sum(frame)
    for _, row in frame[off].iterrows():
        gap = int(row["total"] - row["import"] - row["export"])
        if int(row["year"]) == 2022:
            warnings.warn(
                f"Guangzhou city trade {int(row['year'])}: the printed total "
                f"{int(row['total']):,} differs from import + export by {gap:,} "
                "(a discrepancy in the source, kept as printed)",
                CosynWarning,
                stacklevel=3,
            )
        else:
            raise DataError(
                f"bundled city trade table is inconsistent in {int(row['year'])}: "
                f"total - import - export = {gap:,}"
            )
    return frame


def _cluster_trade() -> pd.DataFrame:
    frame = pd.read_csv(data_path("guangzhou_cluster_trade.csv"))
    off = _check_sum(frame)
    if off.any():
        row = frame[off].iloc[0]
        raise DataError(
            f"bundled cluster trade table is inconsistent for {row['cluster']} "
            f"{int(row['year'])}: total != import + export"
        )
    frame["cluster"] = pd.Categorical(frame["cluster"], categories=list(CLUSTERS))
    return frame.sort_values(["cluster", "year"], kind="stable").reset_index(drop=True)


def _trade() -> pd.DataFrame:
    cluster = _cluster_trade()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CosynWarning)  # 2022 is outside 2010–2021
        city = _city_trade()
    city = city.rename(columns={"import": "city_import", "export": "city_export"})
    merged = cluster.rename(columns={"import": "cluster_import", "export": "cluster_export"}).merge(
        city[["year", "city_import", "city_export"]], on="year", how="inner"
    )
    merged["cluster"] = merged["cluster"].astype(str)
    columns = ["cluster", "year", "cluster_import", "cluster_export", "city_import", "city_export"]
    return merged[columns].reset_index(drop=True)


def load_dataset(name: str) -> pd.DataFrame:
    """Load a bundled dataset as a tidy DataFrame (a fresh copy each call).

    Parameters
    ----------
    name : str
        One of :data:`DATASETS`.

    Warns
    -----
    CosynWarning
        For ``guangzhou_city_trade``: the printed 2022 total exceeds import + export by
        23,830 (kept as printed).
    """
    loaders = {
        "guangzhou_city_trade": _city_trade,
        "guangzhou_cluster_trade": _cluster_trade,
        "guangzhou_trade": _trade,
        "paper_template": lambda: pd.read_csv(data_path("paper_template.csv")),
    }
    if name not in loaders:
        raise DataError(f"no dataset {name!r}; available: {', '.join(DATASETS)}")
    return loaders[name]()


def load_spec(name: str) -> Spec:
    """Load a bundled example model: one of :data:`SPECS`."""
    if name not in SPECS:
        raise DataError(f"no example model {name!r}; available: {', '.join(SPECS)}")
    return Spec.from_toml(data_path(f"{name}.toml"))

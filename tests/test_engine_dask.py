"""The Dask engine gives the NumPy engine's tables (SCALE.md, "Invariants").

Every table of ``cosyn.fit(data, spec, engine="dask")`` on a 2-worker LocalCluster must
equal the NumPy engine's to 1e-12 (relative to the value's size), for every option of
METHOD.md: panel bounds, panel weights with every weighting and weight input,
imputation, explicit bounds, dropped constants, and the diagnostics. The partitions are
made small (a few entities each) so that every panel-wide figure really is reduced over
several partitions.
"""

from __future__ import annotations

import copy
import re
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import cosyn
from cosyn.errors import DataError, SpecError

pytest.importorskip("distributed")
pytest.importorskip("pyarrow")

ENTITIES = [f"省份{i:02d}" for i in range(17)]
PERIODS = list(range(2011, 2019))
SUBSYSTEMS = {
    "数字经济": {"a1": "+", "a2": "+", "a3": "-"},
    "产业集群": {"b1": "+", "b2": "-", "b3": "+"},
    "生态环境": {"c1": "+", "c2": "+"},
}
COLUMNS = [c for s in SUBSYSTEMS.values() for c in s]


def make_panel(seed: int = 0, missing: bool = True) -> pd.DataFrame:
    """17 entities × 8 periods × 8 indicators in wide layout, rows in random order, two
    missing cells, trends so that synergy degrees take both signs."""
    rng = np.random.default_rng(seed)
    E, T = len(ENTITIES), len(PERIODS)
    frame = pd.DataFrame(
        {"region": np.repeat(ENTITIES, T), "year": np.tile(PERIODS, E)},
    )
    trend = np.tile(np.arange(T, dtype=float), E)
    for n, c in enumerate(COLUMNS):
        level = rng.uniform(5, 50, E).repeat(T)
        slope = rng.normal(0.5 if n % 3 else -0.3, 0.8, E).repeat(T)
        frame[c] = level + slope * trend + rng.normal(0, 1.5, E * T)
    if missing:
        frame.loc[3, "a2"] = np.nan
        frame.loc[40, "c1"] = np.nan
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def base_spec(**method: Any) -> dict[str, Any]:
    return {
        "entity": "region",
        "period": "year",
        "subsystems": {name: {"indicators": dict(inds)} for name, inds in SUBSYSTEMS.items()},
        "method": dict(method),
    }


def with_diagnostics(spec: dict[str, Any], **d: Any) -> dict[str, Any]:
    spec = copy.deepcopy(spec)
    spec["diagnostics"] = d
    return spec


FLOAT_TOL = 1e-12


def assert_same_table(numpy_table: pd.DataFrame, dask_table: pd.DataFrame, name: str) -> None:
    """Same rows (in any order), the same labels, numbers equal to 1e-12 of their size."""
    assert list(numpy_table.columns) == list(dask_table.columns), name
    assert len(numpy_table) == len(dask_table), name
    floats = [c for c in numpy_table.columns if pd.api.types.is_float_dtype(numpy_table[c])]
    keys = [c for c in numpy_table.columns if c not in floats]

    def ordered(t: pd.DataFrame) -> pd.DataFrame:
        t = t.copy()
        for k in keys:
            t[k] = t[k].astype(str)
        return t.sort_values(keys, kind="stable").reset_index(drop=True)

    a, b = ordered(numpy_table), ordered(dask_table)
    pd.testing.assert_frame_equal(a[keys], b[keys], obj=name)
    for c in floats:
        x, y = a[c].to_numpy(float), b[c].to_numpy(float)
        assert np.array_equal(np.isnan(x), np.isnan(y)), f"{name}.{c}: NaN in other places"
        ok = ~np.isnan(x)
        err = np.abs(x[ok] - y[ok]) / np.maximum(1.0, np.abs(x[ok]))
        assert err.size == 0 or err.max() <= FLOAT_TOL, f"{name}.{c}: {err.max():.3g}"


def assert_same_fit(data: Any, spec: dict[str, Any], dask_data: Any = None, **kw: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cosyn.CosynWarning)
        ref = cosyn.fit(data, spec)
    res = cosyn.fit(data if dask_data is None else dask_data, spec, engine="dask", **kw)
    assert res.n_entities == len(ref.entities)
    for name in res.table_names:
        assert_same_table(getattr(ref, name), res.table(name).compute(), name)
    counts = np.bincount(ref.stage_codes[:, -1], minlength=len(ref.spec.stages.names))
    assert res.stage_counts().tolist() == counts.tolist()
    # notes are made per partition: the same things are named, maybe in other sentences,
    # and the entities a note names are not cut to the first five
    entities = set(ENTITIES)
    every = res.facts.notes  # as the partitions made them (res.notes merges them to read)
    assert quoted(every) - entities == quoted(ref.notes) - entities
    assert quoted(ref.notes) & entities <= quoted(every)
    assert len(res.notes) <= len(set(every))
    return res


def quoted(notes: Any) -> set[str]:
    """Every name a note quotes ('省份05', 'c1', …)."""
    return set(re.findall(r"'([^'\s]+)'", " ".join(notes)))


@pytest.fixture(scope="module")
def client() -> Any:
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as c,
    ):
        yield c


OPTIONS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "panel bounds, panel entropy": {"bounds": "panel", "weights_scope": "panel"},
    "panel critic on minmax": {
        "weights": "critic",
        "weights_scope": "panel",
        "critic_input": "minmax",
    },
    "panel cv, linear imputation": {"weights": "cv", "weights_scope": "panel", "impute": "linear"},
    "panel entropy on shift, panel bounds": {
        "weights_scope": "panel",
        "bounds": "panel",
        "entropy_input": "shift",
    },
}
SLOW_OPTIONS: dict[str, dict[str, Any]] = {
    "panel entropy on minmax": {"weights_scope": "panel", "entropy_input": "minmax"},
    "panel entropy on rescale": {"weights_scope": "panel", "entropy_input": "rescale"},
    "panel critic on order": {"weights": "critic", "weights_scope": "panel"},
    "entity critic on minmax": {"weights": "critic", "critic_input": "minmax"},
    "entity cv": {"weights": "cv"},
    "equal": {"weights": "equal", "bounds": "panel"},
    "geometric, adjacent base": {"aggregation": "geometric", "base": "adjacent"},
    "base period, margin 0": {"base": 2013, "margin": 0.0},
}


@pytest.mark.parametrize("options", list(OPTIONS.values()), ids=list(OPTIONS))
def test_every_table_equals_the_numpy_engine(client: Any, options: dict[str, Any]) -> None:
    assert_same_fit(make_panel(), base_spec(**options), partition_entities=3)


@pytest.mark.slow
@pytest.mark.parametrize(
    "options",
    [
        {
            "weights": "combined",
            "objective": "critic",
            "weights_scope": "panel",
            "combine_lambda": 0.3,
        },
        {"weights": "combined", "objective": "entropy", "combine": "multiplicative"},
        {"weights": "given", "bounds": "panel"},
    ],
    ids=["combined critic over the panel", "combined multiplicative entropy", "given"],
)
def test_subjective_weights_equal_the_numpy_engine(client: Any, options: dict) -> None:
    spec = base_spec(**options)
    for n, sub in enumerate(spec["subsystems"].values()):
        sub["weights"] = {c: 1.0 + k + n for k, c in enumerate(sub["indicators"])}
    assert_same_fit(make_panel(), spec, partition_entities=3)


@pytest.mark.slow
@pytest.mark.parametrize("options", list(SLOW_OPTIONS.values()), ids=list(SLOW_OPTIONS))
def test_every_option_equals_the_numpy_engine(client: Any, options: dict[str, Any]) -> None:
    assert_same_fit(make_panel(), base_spec(**options), partition_entities=3)


def test_diagnostics_equal_the_numpy_engine(client: Any) -> None:
    spec = with_diagnostics(
        base_spec(bounds="panel", weights_scope="panel"),
        gra=True,
        coupling="wang",
        coupling_input="rescale",
        obstacles=3,
        forecast=2,
    )
    res = assert_same_fit(make_panel(), spec, partition_entities=4)
    assert {"grey_relation", "grey_cross", "coupling", "obstacles", "forecast"} <= set(
        res.table_names
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    "diagnostics",
    [
        {"gra": True, "gra_normalize": "mean", "coupling": "classic"},
        {"coupling": "fan", "obstacles": 2},
        {"gra": True, "gra_normalize": "minmax", "forecast": 3},
    ],
)
def test_each_diagnostic_equals_the_numpy_engine(client: Any, diagnostics: dict) -> None:
    spec = with_diagnostics(base_spec(), **diagnostics)
    assert_same_fit(make_panel(), spec, partition_entities=4)


def test_explicit_bounds_and_dropped_constants(client: Any) -> None:
    frame = make_panel()
    # b3 constant for three entities: left out there (on_constant = "drop")
    frame.loc[frame.region.isin(ENTITIES[:3]), "b3"] = 0.0
    spec = base_spec(on_constant="drop")
    spec["subsystems"]["数字经济"]["indicators"]["a1"] = {
        "direction": "+",
        "lower": 0.0,
        "upper": 200.0,
    }
    res = assert_same_fit(frame, spec, partition_entities=2)
    table = res.order_degree.compute()
    assert (~table.in_use).sum() == 3 * len(PERIODS)


def test_a_constant_everywhere_is_dropped_from_every_partition(client: Any) -> None:
    frame = make_panel()
    frame["c2"] = 0.0
    res = assert_same_fit(frame, base_spec(on_constant="drop"), partition_entities=3)
    assert "c2" not in set(res.weights.compute().indicator)


# -- robustness ---------------------------------------------------------------------------

ROBUSTNESS = {"draws": 60, "seed": 3, "concentration": 40}


def assert_same_robustness(frame: pd.DataFrame, spec: dict[str, Any], tmp: Path, **kw: Any) -> Any:
    """The robustness table of the lazy frame, of the written dataset and of the sample
    equal the NumPy engine's (ranks over every entity included)."""
    spec = with_diagnostics(spec, robustness=ROBUSTNESS)
    res = assert_same_fit(frame, spec, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cosyn.CosynWarning)
        ref = cosyn.fit(frame, spec).robustness
    written = res.to_parquet(tmp / "tables")
    assert_same_table(ref, pd.read_parquet(written["robustness"]), "robustness dataset")
    sample = res.sample.robustness
    shown = ref[ref.entity.isin(set(sample.entity))]
    assert len(shown) == len(sample) > 0
    assert_same_table(shown, sample, "robustness of the sample")
    return res


@pytest.mark.parametrize(
    "options",
    [{}, {"bounds": "panel", "weights_scope": "panel"}],
    ids=["defaults", "panel bounds, panel weights"],
)
def test_robustness_equals_the_numpy_engine(client: Any, tmp_path: Path, options: dict) -> None:
    res = assert_same_robustness(make_panel(), base_spec(**options), tmp_path, partition_entities=3)
    assert "robustness" in res.table_names
    table = res.robustness.compute()
    assert table["rank"].between(1, len(ENTITIES)).all()  # ranked over every entity
    assert table["rank"].max() > 3  # not within a partition of 3


@pytest.mark.slow
@pytest.mark.parametrize(
    "options",
    [
        {"bounds": "panel", "weights_scope": "panel", "on_constant": "drop"},
        {"weights": "critic", "aggregation": "weighted_geometric", "base": "adjacent"},
        {"weights": "combined", "weights_scope": "panel", "on_constant": "drop"},
        {"aggregation": "geometric", "bounds": "panel"},
    ],
    ids=["panel, dropped", "critic, weighted geometric", "combined, dropped", "geometric"],
)
def test_robustness_options_equal_the_numpy_engine(
    client: Any, tmp_path: Path, options: dict
) -> None:
    frame = make_panel()
    spec = base_spec(**options)
    if options.get("on_constant") == "drop":  # b3 left out for three entities
        frame.loc[frame.region.isin(ENTITIES[3:6]), "b3"] = 0.0
    if options.get("weights") == "combined":
        for name, inds in SUBSYSTEMS.items():
            spec["subsystems"][name]["weights"] = {c: n + 1.0 for n, c in enumerate(inds)}
    assert_same_robustness(frame, spec, tmp_path, partition_entities=4)


def test_robustness_in_small_blocks_of_entities_and_draws(
    client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # blocks of one entity, and the ranks found over pieces of one draw: the same numbers
    from cosyn.engines import ranked

    monkeypatch.setattr(ranked, "RANK_BYTES", 8 * 66 * 7)  # (D + 6)·P·8 bytes: one entity
    res = assert_same_robustness(make_panel(), base_spec(), tmp_path, partition_entities=5)
    assert len(res._ranked_blocks().tables) == len(ENTITIES)


def test_robustness_blocks_take_a_share_of_the_worker_memory() -> None:
    from cosyn.engines.ranked import RANK_BYTES, budget

    assert budget(None) == RANK_BYTES
    assert budget(2**30) == 2**30 // 48  # a 48th of a 1 GiB worker
    assert budget(100 * 2**30) == RANK_BYTES and budget(2**20) == 4 * 2**20


# -- inputs -------------------------------------------------------------------------------


def test_parquet_file_and_dataset_folder(client: Any, tmp_path: Path) -> None:
    frame = make_panel()
    one = tmp_path / "panel.parquet"
    frame.to_parquet(one, index=False)
    folder = tmp_path / "panel"
    folder.mkdir()
    ordered = frame.sort_values("region")
    for n in range(4):
        ordered.iloc[n * 34 : (n + 1) * 34].to_parquet(folder / f"part-{n}.parquet", index=False)
    spec = base_spec(bounds="panel")
    assert_same_fit(frame, spec, dask_data=one)
    assert_same_fit(frame, spec, dask_data=folder)


def test_long_layout_parquet(client: Any, tmp_path: Path) -> None:
    frame = make_panel()
    long = frame.melt(id_vars=["region", "year"], var_name="指标", value_name="数值")
    path = tmp_path / "long.parquet"
    long.to_parquet(path, index=False)
    assert_same_fit(frame, base_spec(weights_scope="panel"), dask_data=path)


def test_dask_dataframe(client: Any) -> None:
    import dask.dataframe as dd

    frame = make_panel()
    spec = base_spec(weights_scope="panel", weights="critic")
    assert_same_fit(frame, spec, dask_data=dd.from_pandas(frame, npartitions=5))


def test_dask_backed_xarray_dataset(client: Any) -> None:
    frame = make_panel()
    ds = frame.set_index(["region", "year"]).to_xarray().chunk({"region": 4})
    assert_same_fit(frame, base_spec(bounds="panel"), dask_data=ds)


@pytest.mark.slow
def test_dask_backed_xarray_data_array(client: Any) -> None:
    frame = make_panel()
    ds = frame.set_index(["region", "year"]).to_xarray().chunk({"region": 4})
    spec = base_spec(weights_scope="panel", weights="critic")
    assert_same_fit(frame, spec, dask_data=ds.to_array("indicator"))


def test_csv_path(client: Any, tmp_path: Path) -> None:
    frame = make_panel()
    path = tmp_path / "panel.csv"
    frame.to_csv(path, index=False)
    assert_same_fit(path, base_spec(), partition_entities=5)


# -- results ------------------------------------------------------------------------------


def test_to_parquet_writes_one_dataset_per_table(client: Any, tmp_path: Path) -> None:
    frame = make_panel()
    spec = with_diagnostics(base_spec(bounds="panel"), coupling="classic")
    res = cosyn.fit(frame, spec, engine="dask", partition_entities=4)
    seen: list[tuple[int, int]] = []
    written = res.to_parquet(tmp_path / "out", progress=lambda d, t: seen.append((d, t)))
    assert set(written) == set(res.table_names)
    assert seen[-1][0] == seen[-1][1] > 1
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(res.table_names)
    for name, path in written.items():
        assert_same_table(res.table(name).compute(), pd.read_parquet(path), name)
    # written again over the first: the datasets are replaced, nothing is left beside them
    res.to_parquet(tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(res.table_names)


def test_partitions_are_fitted_in_blocks_of_entities(client: Any, tmp_path: Path) -> None:
    from cosyn.engines.dask import fit_dask

    frame = make_panel()
    spec = with_diagnostics(base_spec(weights_scope="panel", bounds="panel"), obstacles=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cosyn.CosynWarning)
        ref = cosyn.fit(frame, spec)
    # one entity is 8 periods × 8 indicators = 64 cells: blocks of 2 entities
    res = fit_dask(frame, spec, partition_entities=6, block_cells=130)
    written = res.to_parquet(tmp_path)
    assert len(list(written["synergy"].glob("part.*.parquet"))) > res.synergy.npartitions
    for name in res.table_names:
        assert_same_table(getattr(ref, name), pd.read_parquet(written[name]), name)
        assert_same_table(getattr(ref, name), res.table(name).compute(), name)


def test_summary_counts_every_entity(client: Any) -> None:
    frame = make_panel()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cosyn.CosynWarning)
        ref = cosyn.fit(frame, base_spec())
    res = cosyn.fit(frame, base_spec(), engine="dask", partition_entities=3)
    res.sample  # noqa: B018
    text = res.summary()
    assert f"{len(ENTITIES)} entities × {len(PERIODS)} periods" in text
    assert ref.summary().splitlines()[-1] in text  # the same notes
    assert "2 of" in text.split("imputation")[1].splitlines()[0]  # cells filled, whole panel
    assert "个体" in res.summary("zh")


def test_notes_of_the_partitions_are_merged_to_read() -> None:
    from cosyn.engines.partitions import MAX_NOTES, merge_notes

    shift = "forecast series failed GM(1,1)'s level-ratio test"
    filled = "1 missing cell filled by a regression on time: entity '{}', period {}. Flagged"
    panel_wide = "no indicator of subsystem 'A' carries CRITIC information: its weights are equal"
    notes = [
        f"24 {shift}",
        f"15 {shift}",
        f"15 {shift}",  # two partitions with the same count: both are counted
        filled.format("北京", 2014),
        filled.format("上海", 2015),
        filled.format("广东", 2016),
        panel_wide,
        panel_wide,  # every partition says it: once
    ]
    assert merge_notes(notes) == (
        f"54 {shift}",
        filled.format("北京", 2014) + " (and 2 more notes like it, from other partitions "
        "of entities)",
        panel_wide,
    )
    many = [f"indicator 'x{i}' is constant" + " in a way" * i for i in range(MAX_NOTES + 5)]
    merged = merge_notes(many)
    assert len(merged) == MAX_NOTES + 1
    assert merged[-1] == "… and 5 more notes from other partitions of entities"


def test_lazy_tables_are_dask_dataframes(client: Any) -> None:
    import dask.dataframe as dd

    res = cosyn.fit(make_panel(), base_spec(), engine="dask", partition_entities=6)
    assert isinstance(res.synergy, dd.DataFrame)
    assert res.synergy.npartitions == 3
    with pytest.raises(SpecError, match="no table 'robustness'"):
        res.table("robustness")


def test_a_local_cluster_is_started_and_closed() -> None:
    res = cosyn.fit(make_panel(), base_spec(), engine="dask", workers=1, memory_limit="1GB")
    with res:
        assert res.client.status == "running"
        assert len(res.client.scheduler_info()["workers"]) == 1
    assert res.client.status == "closed"


# -- what is refused ----------------------------------------------------------------------


def test_bad_data_in_a_partition_is_one_data_error(client: Any) -> None:
    frame = make_panel()
    frame["a1"] = frame["a1"].astype(object)
    frame.loc[7, "a1"] = "12%"
    with pytest.raises(DataError, match="a1"):
        cosyn.fit(frame, base_spec(), engine="dask", partition_entities=4)


def test_missing_column_names_the_spec_key(client: Any) -> None:
    frame = make_panel().drop(columns="b2")
    with pytest.raises(DataError, match="'b2'"):
        cosyn.fit(frame, base_spec(), engine="dask")


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({"analysis": {"series": ["synergy"]}}, r"\[analysis\]"),
    ],
)
def test_whole_panel_parts_are_refused(extra: dict, words: str) -> None:
    spec = {**base_spec(), **extra}
    try:
        cosyn.Spec.from_dict(spec)
    except SpecError:
        pytest.skip("spec form changed")
    with pytest.raises(SpecError, match=words):
        cosyn.fit(make_panel(), spec, engine="dask")


def test_without_dask_one_message_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(SpecError, match=r"pip install 'cosyn\[dask\]'"):
        cosyn.fit(make_panel(), base_spec(), engine="dask")


def test_engine_options_need_the_dask_engine() -> None:
    with pytest.raises(SpecError, match="engine must be one of"):
        cosyn.fit(make_panel(), base_spec(), engine="spark")
    with pytest.raises(SpecError, match="workers apply to engine='dask' only"):
        cosyn.fit(make_panel(), base_spec(), workers=2)


def test_a_memory_limit_too_small_for_a_worker_is_refused() -> None:
    with pytest.raises(SpecError, match="too small"):
        cosyn.fit(make_panel(), base_spec(), engine="dask", workers=1, memory_limit="300MB")


def test_a_worker_out_of_memory_is_one_data_error() -> None:
    from distributed import KilledWorker

    from cosyn.engines.cluster import worker_errors

    class Cluster:
        def scheduler_info(self) -> dict:
            return {"workers": {"a": {"memory_limit": 700 * 2**20}}}

    with pytest.raises(DataError, match="limit of 700 MiB"), worker_errors(Cluster()):
        raise KilledWorker("task", "worker", 3)
